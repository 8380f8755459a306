/*
 * sei.c - the IPC → strategic emerging industry concordance (see sei.h):
 * loading data/sei (the two JSON Lines files) into a hash table of codes, and the prefix
 * expansion rule of criterion 1.
 */
#include "sei.h"

#include "address.h"

#include "../base/buf.h"

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CODE_MAX 24

typedef struct entry {
    char code[CODE_MAX]; /* "" = empty slot */
    int first, n;        /* ids[first .. first+n) */
} entry;

typedef struct industry {
    int id;
    char *code, *name;
} industry;

static entry *table; /* open addressing, size cap (power of two) */
static size_t cap, ncodes;
static int *ids;
static size_t nids;
static industry *inds; /* sorted by id */
static size_t ninds;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static entry *find(const char *s, size_t n)
{
    if (!table || n == 0 || n >= CODE_MAX) return NULL;
    for (size_t i = (size_t)hash(s, n) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        entry *e = &table[i];
        if (!e->code[0]) return NULL;
        if (!strncmp(e->code, s, n) && e->code[n] == '\0') return e;
    }
}

void sei_free(void)
{
    free(table);
    free(ids);
    for (size_t i = 0; i < ninds; i++) {
        free(inds[i].code);
        free(inds[i].name);
    }
    free(inds);
    table = NULL;
    ids = NULL;
    inds = NULL;
    cap = ncodes = nids = ninds = 0;
}

/* Compact form: no spaces (ASCII or U+3000), upper case.  Returns the
 * length, or 0 when it does not fit or is empty. */
static size_t compact(const char *in, char out[CODE_MAX])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; p && *p;) {
        if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
            p++;
            continue;
        }
        if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
            p += 3;
            continue;
        }
        if (n + 1 >= CODE_MAX) return 0;
        out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        p++;
    }
    out[n] = '\0';
    return n;
}

typedef struct pair {
    char code[CODE_MAX];
    int id;
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int ind_cmp(const void *a, const void *b)
{
    const industry *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Reads a JSON Lines file, calling fn for each object; -1 with e set. */
static int read_jsonl(const char *path, int (*fn)(json_t *o, void *ctx), void *ctx, err *e)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return err_set(e, 500, "sei.data", "无法读取战略性新兴产业参照关系表 %s", "Cannot read the SEI concordance %s",
                       path, path);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len == 0) continue;
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (!o || !json_is_object(o) || fn(o, ctx)) {
            json_decref(o);
            err_set(e, 500, "sei.data", "参照关系表 %s 第 %ld 行无效", "The SEI concordance %s: line %ld is invalid",
                    path, lineno, path, lineno);
            rc = -1;
            break;
        }
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return rc;
}

typedef struct load_ctx {
    pair *pairs;
    size_t n, cap;
    industry *inds;
    size_t ni, icap;
} load_ctx;

static int on_pair(json_t *o, void *vctx)
{
    load_ctx *c = vctx;
    const char *code = json_string_value(json_object_get(o, "ipcCode"));
    json_t *id = json_object_get(o, "seiId");
    if (!code || !json_is_integer(id)) return -1;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 40000;
        c->pairs = xrealloc(c->pairs, c->cap * sizeof *c->pairs);
    }
    pair *p = &c->pairs[c->n];
    if (!compact(code, p->code) || strlen(p->code) < 3) return -1;
    p->id = (int)json_integer_value(id);
    c->n++;
    return 0;
}

static int on_industry(json_t *o, void *vctx)
{
    load_ctx *c = vctx;
    json_t *id = json_object_get(o, "id");
    const char *code = json_string_value(json_object_get(o, "seiCode"));
    const char *name = json_string_value(json_object_get(o, "seiName"));
    if (!json_is_integer(id) || !code || !name) return -1;
    if (c->ni == c->icap) {
        c->icap = c->icap ? c->icap * 2 : 512;
        c->inds = xrealloc(c->inds, c->icap * sizeof *c->inds);
    }
    c->inds[c->ni].id = (int)json_integer_value(id);
    c->inds[c->ni].code = xstrdup(code);
    c->inds[c->ni].name = xstrdup(name);
    c->ni++;
    return 0;
}

int sei_load(const char *dir, err *e)
{
    load_ctx c = {0};
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/ipc-sei.jsonl", dir);
    if (read_jsonl(path, on_pair, &c, e)) goto fail;
    snprintf(path, sizeof path, "%s/sei.jsonl", dir);
    if (read_jsonl(path, on_industry, &c, e)) goto fail;
    if (!c.n) {
        err_set(e, 500, "sei.data", "参照关系表 %s 为空", "The SEI concordance in %s is empty", dir, dir);
        goto fail;
    }
    qsort(c.pairs, c.n, sizeof *c.pairs, pair_cmp);
    if (c.ni > 1) qsort(c.inds, c.ni, sizeof *c.inds, ind_cmp);
    sei_free();
    size_t distinct = 0;
    for (size_t i = 0; i < c.n; i++)
        if (!i || strcmp(c.pairs[i].code, c.pairs[i - 1].code)) distinct++;
    cap = 1;
    while (cap < distinct * 2) cap <<= 1;
    table = xcalloc(cap, sizeof *table);
    ids = xmalloc(c.n * sizeof *ids);
    for (size_t i = 0; i < c.n; i++) {
        if (i && !strcmp(c.pairs[i].code, c.pairs[i - 1].code)) {
            if (ids[nids - 1] != c.pairs[i].id) {
                ids[nids++] = c.pairs[i].id;
                entry *en = find(c.pairs[i].code, strlen(c.pairs[i].code));
                en->n++;
            }
            continue;
        }
        size_t len = strlen(c.pairs[i].code);
        size_t k = (size_t)hash(c.pairs[i].code, len) & (cap - 1);
        while (table[k].code[0]) k = (k + 1) & (cap - 1);
        memcpy(table[k].code, c.pairs[i].code, len + 1);
        table[k].first = (int)nids;
        table[k].n = 1;
        ids[nids++] = c.pairs[i].id;
        ncodes++;
    }
    inds = c.inds;
    ninds = c.ni;
    free(c.pairs);
    return 0;
fail:
    free(c.pairs);
    for (size_t i = 0; i < c.ni; i++) {
        free(c.inds[i].code);
        free(c.inds[i].name);
    }
    free(c.inds);
    return -1;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_rc;
static err once_err = ERR_INIT;

static void load_default(void) { once_rc = sei_load(sei_data_dir(), &once_err); }

int sei_ready(err *e)
{
    pthread_once(&once, load_default);
    if (once_rc) {
        err_setm(e, once_err.status, once_err.code, err_msg(&once_err, LANG_ZH), err_msg(&once_err, LANG_EN));
        return -1;
    }
    return 0;
}

static char dir_buf[PATH_MAX + 32];
static pthread_once_t dir_once = PTHREAD_ONCE_INIT;

static int dir_ok(const char *dir)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/ipc-sei.jsonl", dir);
    return access(p, R_OK) == 0;
}

static void find_dir(void)
{
    const char *env = getenv("IPCITY_SEI_DIR");
    if (env && *env) {
        snprintf(dir_buf, sizeof dir_buf, "%s", env);
        return;
    }
    /* beside the regions data: data/regions/gbt2260.csv -> data/sei */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", region_data_path());
    char *s = strrchr(tmp, '/');
    if (s) {
        *s = '\0';
        s = strrchr(tmp, '/');
    }
    if (s) {
        *s = '\0';
        snprintf(dir_buf, sizeof dir_buf, "%s/sei", tmp);
        if (dir_ok(dir_buf)) return;
    }
    /* else ./data/sei, or data/sei relative to the running binary */
    if (dir_ok("data/sei")) {
        snprintf(dir_buf, sizeof dir_buf, "data/sei");
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"/../data/sei", "/../../data/sei", "/../../../data/sei", "/data/sei"};
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                char p[PATH_MAX];
                snprintf(p, sizeof p, "%.4000s%s", exe, rel[i]);
                if (dir_ok(p)) {
                    snprintf(dir_buf, sizeof dir_buf, "%s", p);
                    return;
                }
            }
        }
    }
    snprintf(dir_buf, sizeof dir_buf, "data/sei");
}

const char *sei_data_dir(void)
{
    pthread_once(&dir_once, find_dir);
    return dir_buf;
}

size_t sei_code_count(void) { return ncodes; }
size_t sei_industry_count(void) { return ninds; }

static void fill(sei_hit *hit, const entry *en, const char *how)
{
    if (!hit) return;
    hit->code = en->code;
    hit->how = how;
    hit->ids = ids + en->first;
    hit->nids = en->n;
}

int sei_match(const char *ipc, sei_hit *hit)
{
    char c[CODE_MAX];
    size_t n = compact(ipc, c);
    if (hit) memset(hit, 0, sizeof *hit);
    if (n < 3 || !table) return 0;
    const entry *en = find(c, n);
    if (en) {
        fill(hit, en, "exact");
        return 1;
    }
    const char *slash = strchr(c, '/');
    if (slash) { /* the main group of a subgroup: "H04L29/08" -> "H04L29/00" */
        char mg[CODE_MAX];
        size_t g = (size_t)(slash - c);
        if (g + 4 < CODE_MAX) {
            memcpy(mg, c, g);
            memcpy(mg + g, "/00", 4);
            if (strcmp(mg, c) && (en = find(mg, g + 3))) {
                fill(hit, en, "main_group");
                return 1;
            }
        }
    }
    for (size_t k = n - 1; k >= 3; k--)
        if ((en = find(c, k))) {
            fill(hit, en, "prefix");
            return 1;
        }
    return 0;
}

static const industry *ind_find(int id)
{
    size_t lo = 0, hi = ninds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (inds[mid].id == id) return &inds[mid];
        if (inds[mid].id < id) lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *sei_industry_code(int id)
{
    const industry *i = ind_find(id);
    return i ? i->code : NULL;
}

const char *sei_industry_name(int id)
{
    const industry *i = ind_find(id);
    return i ? i->name : NULL;
}
