/*
 * fuzz_common.h - helpers shared by the libFuzzer targets in tests/fuzz.
 *
 *   fz_init()          once per process: quiet log, libsodium, the record
 *                      catalogue;
 *   fz_db()            a temporary SQLite database (schema + demo region),
 *                      created once per process under $TMPDIR (or /dev/shm
 *                      when it exists) and removed at exit; fz_db_open(0)
 *                      the same with only the schema and one department,
 *                      fz_db_drop() to start over;
 *   fz_addr()          the address resolver's index, built once;
 *   fz_cstr()          the fuzzer's bytes as a NUL-terminated string;
 *   FZ_CHECK()         an oracle: prints what was violated and aborts, so
 *                      that libFuzzer saves the input as a crash;
 *   fz_url_args()      a URL query string as the server's args object;
 *   fz_check_err()     an err that a failing call filled is complete (and
 *                      its items);
 *   fz_check_patent_doc()  the documented shape of a neutral patent
 *                      document (patxml.h, lens.h).
 *
 * Every helper is static inline so that a target that uses only some of them
 * still compiles with -Werror.
 */
#ifndef IPC_FUZZ_COMMON_H
#define IPC_FUZZ_COMMON_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/log.h"
#include "../../src/base/util.h"
#include "../../src/domain/address.h"
#include "../../src/domain/codes.h"
#include "../../src/domain/domain.h"
#include "../../src/store/store.h"

#define FZ_CHECK(cond, ...)                                                                             \
    do {                                                                                                \
        if (!(cond)) {                                                                                  \
            fprintf(stderr, "\nFUZZ ORACLE FAILED at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                                               \
            fprintf(stderr, "\n");                                                                      \
            abort();                                                                                    \
        }                                                                                               \
    } while (0)

/* The actor every target writes as: the demo region's IP bureau. */
static const rec_actor fz_actor = {1, "fuzzer", ROLE_ADMIN, "310104-ipa"};

static inline void fz_init(void)
{
    static int done;
    if (done) return;
    done = 1;
    log_set_level(LOG_QUIET);
    if (sodium_init() < 0) abort();
    domain_register();
}

/* ---- the database ---- */

static char fz_dir[256];
static store *fz_store;

/* Closes the database and removes its files (the directory stays). */
static inline void fz_db_drop(void)
{
    if (fz_store) store_close(fz_store);
    fz_store = NULL;
    if (!fz_dir[0]) return;
    DIR *d = opendir(fz_dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", fz_dir, de->d_name);
        unlink(p);
    }
    closedir(d);
}

static inline void fz_rmdir(void)
{
    fz_db_drop();
    if (fz_dir[0]) rmdir(fz_dir);
    fz_dir[0] = '\0';
}

/* A fresh database, made once (again after fz_db_drop()) in a temporary
 * directory under $TMPDIR (else /dev/shm when writable, else /tmp) that
 * is removed at exit.  demo: the demo region (demo_init: departments,
 * the 3,200 GB/T 2260 divisions, the seed plan, admin), else only the
 * schema and the department of fz_actor (a short audit chain, for
 * targets that verify it after every input).  Aborts when the set-up
 * fails (a broken environment, not a finding). */
static inline store *fz_db_open(int demo)
{
    if (fz_store) return fz_store;
    fz_init();
    if (!fz_dir[0]) {
        struct stat st;
        const char *tmp = getenv("TMPDIR");
        if (!tmp || !*tmp)
            tmp = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fz_dir, sizeof fz_dir, "%s/ipcity-fuzz-XXXXXX", tmp);
        if (!mkdtemp(fz_dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(fz_rmdir);
    }
    char path[300];
    snprintf(path, sizeof path, "%s/fuzz.sqlite", fz_dir);
    err e = ERR_INIT;
    if (store_open(path, &fz_store, &e) || schema_migrate(fz_store, NULL, NULL, &e)) goto fail;
    if (demo) {
        char *pw = NULL;
        if (demo_init(fz_store, &pw, &e)) goto fail;
        free(pw);
    } else {
        json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "code", fz_actor.dept, "name_zh", "区知识产权局", "kind",
                               "government", "region_code", "310104");
        json_t *out = NULL;
        int rc = rec_create(fz_store, &type_department, &fz_actor, in, &out, &e);
        json_decref(in);
        json_decref(out);
        if (rc) goto fail;
    }
    /* Durability is not what is fuzzed: skip the fsync of every commit. */
    if (store_exec(fz_store, "PRAGMA synchronous=OFF", &e)) goto fail;
    err_clear(&e);
    return fz_store;
fail:
    fprintf(stderr, "fuzz set-up: database %s: %s %s\n", path, err_msg(&e, LANG_EN),
            e.items ? json_dumps(e.items, JSON_COMPACT) : "");
    abort();
}

static inline store *fz_db(void) { return fz_db_open(1); }

/* The resolver's index from data/regions/gbt2260.csv, made once. */
static inline void fz_addr(void)
{
    static int done;
    if (done) return;
    done = 1;
    err e = ERR_INIT;
    if (addr_init(region_data_path(), &e)) {
        fprintf(stderr, "fuzz set-up: addr_init(%s): %s\n", region_data_path(), err_msg(&e, LANG_EN));
        abort();
    }
    atexit(addr_free);
}

/* ---- inputs ---- */

/* data[0..n) as a NUL-terminated heap string (embedded NULs stay: C
 * functions see the text up to the first one). */
static inline char *fz_cstr(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    if (n) memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* URL query arguments "k=v&k2=v2" (%XX decoded; %00 as 0xFF, as server.c
 * does so that nothing is cut at a NUL) to the object the server builds
 * (server.c arg_it): a later key replaces an earlier one; an argument that
 * is not UTF-8 makes the server refuse the request, here it is dropped. */
static inline int fz_hex(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static inline char *fz_unescape(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out) abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && fz_hex((unsigned char)s[i + 1]) >= 0 && fz_hex((unsigned char)s[i + 2]) >= 0) {
            int v = fz_hex((unsigned char)s[i + 1]) * 16 + fz_hex((unsigned char)s[i + 2]);
            out[k++] = v ? (char)v : (char)0xFF;
            i += 2;
        } else
            out[k++] = s[i];
    }
    out[k] = '\0';
    return out;
}

static inline json_t *fz_url_args(const char *s, size_t n)
{
    json_t *args = json_object();
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&') j++;
        size_t eq = i;
        while (eq < j && s[eq] != '=') eq++;
        char *key = fz_unescape(s + i, eq - i);
        char *val = fz_unescape(s + (eq < j ? eq + 1 : j), eq < j ? j - eq - 1 : 0);
        /* C strings: the server sees each up to its first NUL */
        if (*key && util_utf8_valid(key, strlen(key)) && util_utf8_valid(val, strlen(val)))
            json_object_set_new(args, key, json_string(val));
        free(key);
        free(val);
        i = j + 1;
    }
    return args;
}

/* ---- oracles ---- */

static inline int fz_utf8(const char *s) { return s && util_utf8_valid(s, strlen(s)); }

/* A failed call (rc -1) filled e completely: status, code, both messages
 * valid UTF-8. */
static inline void fz_check_err(const err *e, const char *what)
{
    FZ_CHECK(e->status >= 400 && e->status <= 599, "%s: failed with status %d", what, e->status);
    FZ_CHECK(e->code && *e->code, "%s: failed without an error code", what);
    FZ_CHECK(fz_utf8(err_msg(e, LANG_ZH)) && fz_utf8(err_msg(e, LANG_EN)), "%s: message not UTF-8 (%s)", what,
             e->code);
    if (!e->items) return;
    /* err_item puts each text through json_string(), which gives NULL (the
     * key is then silently missing) for text that is not UTF-8 */
    size_t i;
    json_t *it;
    json_array_foreach(e->items, i, it)
    {
        FZ_CHECK(json_is_string(json_object_get(it, "code")), "%s: item %zu without code", what, i);
        FZ_CHECK(json_is_string(json_object_get(it, "message_zh")) && json_is_string(json_object_get(it, "message_en")),
                 "%s: item %zu (%s) without its messages (not UTF-8?)", what, i,
                 json_string_value(json_object_get(it, "code")));
    }
}

static inline void fz_check_date_key(const json_t *doc, const char *key)
{
    json_t *v = json_object_get(doc, key);
    if (!v) return;
    FZ_CHECK(json_is_string(v) && !util_date_parse(json_string_value(v), NULL), "document key %s is not a date: %s",
             key, json_is_string(v) ? json_string_value(v) : "(not a string)");
}

/* Every string of the document (recursively) is valid UTF-8. */
static inline void fz_check_json_utf8(const json_t *v)
{
    if (json_is_string(v)) {
        FZ_CHECK(util_utf8_valid(json_string_value(v), json_string_length(v)), "a string is not UTF-8");
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) fz_check_json_utf8(x);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) fz_check_json_utf8(x);
    }
}

/* The shape promised by patxml.h / lens.h for a document that was handed
 * out: an application number; every string UTF-8; dates YYYY-MM-DD; kind
 * one of three; ipc/cpc arrays of symbols that code_ipc_normalize leaves as
 * they are, without duplicates. */
static inline void fz_check_patent_doc(const json_t *doc)
{
    FZ_CHECK(json_is_object(doc), "document is not an object");
    const char *appno = json_string_value(json_object_get(doc, "appno"));
    FZ_CHECK(appno && *appno, "document without appno");
    fz_check_json_utf8(doc);
    static const char *dates[] = {"filing_date", "pub_date", "grant_date", "pct_pub_date", NULL};
    for (const char **k = dates; *k; k++) fz_check_date_key(doc, *k);
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (json_object_get(doc, "kind"))
        FZ_CHECK(kind && (!strcmp(kind, "invention") || !strcmp(kind, "utility") || !strcmp(kind, "design")),
                 "kind is %s", kind ? kind : "(not a string)");
    static const char *lists[] = {"ipc", "cpc", NULL};
    for (const char **k = lists; *k; k++) {
        json_t *a = json_object_get(doc, *k);
        if (!a) continue;
        FZ_CHECK(json_is_array(a), "%s is not an array", *k);
        size_t i, j;
        json_t *x;
        json_array_foreach(a, i, x)
        {
            const char *sym = json_string_value(x);
            FZ_CHECK(sym, "%s[%zu] is not a string", *k, i);
            buf nb = BUF_INIT;
            FZ_CHECK(code_ipc_normalize(sym, &nb) == 0 && !strcmp(buf_cstr(&nb), sym),
                     "%s[%zu] \"%s\" is not a normalised symbol", *k, i, sym);
            buf_free(&nb);
            for (j = 0; j < i; j++)
                FZ_CHECK(strcmp(sym, json_string_value(json_array_get(a, j))), "%s has \"%s\" twice", *k, sym);
        }
    }
}

#endif
