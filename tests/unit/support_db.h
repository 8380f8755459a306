/*
 * support_db.h - shared helpers of the cmocka unit tests that need a real
 * SQLite database: a fresh temporary directory per test (mkdtemp), the
 * schema applied with schema_migrate(), optionally the demo region, and a
 * few assertions on err objects.
 *
 * Include after <cmocka.h>.  Every helper is static inline so that a test
 * file that uses only some of them still compiles with -Werror.
 */
#ifndef IPC_TEST_SUPPORT_DB_H
#define IPC_TEST_SUPPORT_DB_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/log.h"
#include "../../src/base/util.h"
#include "../../src/domain/domain.h"
#include "../../src/store/store.h"

typedef struct tdb {
    char dir[64];  /* the temporary directory */
    char path[96]; /* dir/test.sqlite */
    store *db;
    char *admin_pw; /* from demo_init (NULL when not run) */
} tdb;

/* Fails the test with the error's messages when rc is not 0. */
#define T_OK(call, e) \
    do { \
        if ((call) != 0) \
            fail_msg("%s failed: %d %s %s (%s)", #call, (e)->status, (e)->code ? (e)->code : "-", \
                     err_msg((e), LANG_EN), (e)->items ? "with items" : "no items"); \
    } while (0)

/* Asserts that err e carries status and code. */
#define T_ERR(e, st, cd) \
    do { \
        assert_int_equal((e)->status, (st)); \
        assert_non_null((e)->code); \
        assert_string_equal((e)->code, (cd)); \
    } while (0)

/* Creates the temporary directory and the database file, applies the
 * schema; with demo set, also creates the demo region and admin. */
static inline void tdb_open(tdb *t, int demo)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/ipcity-unit-XXXXXX");
    if (!mkdtemp(t->dir)) fail_msg("mkdtemp failed");
    snprintf(t->path, sizeof t->path, "%s/test.sqlite", t->dir);
    err e = ERR_INIT;
    T_OK(store_open(t->path, &t->db, &e), &e);
    int from = -1, to = -1;
    T_OK(schema_migrate(t->db, &from, &to, &e), &e);
    assert_int_equal(from, 0);
    assert_int_equal(to, schema_latest());
    if (demo) {
        T_OK(demo_init(t->db, &t->admin_pw, &e), &e);
        assert_non_null(t->admin_pw);
    }
    err_clear(&e);
}

/* Removes every file of the directory, then the directory. */
static inline void tdb_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static inline void tdb_close(tdb *t)
{
    store_close(t->db);
    t->db = NULL;
    free(t->admin_pw);
    t->admin_pw = NULL;
    tdb_rmdir(t->dir);
}

/* cmocka setup/teardown pairs: state is a heap tdb. */
static inline int tdb_setup_demo(void **state)
{
    tdb *t = calloc(1, sizeof *t);
    tdb_open(t, 1);
    *state = t;
    return 0;
}

static inline int tdb_setup_plain(void **state)
{
    tdb *t = calloc(1, sizeof *t);
    tdb_open(t, 0);
    *state = t;
    return 0;
}

static inline int tdb_teardown(void **state)
{
    tdb *t = *state;
    if (t) {
        tdb_close(t);
        free(t);
    }
    *state = NULL;
    return 0;
}

/* COUNT(*) or any single integer of sql (no parameters). */
static inline int64_t tdb_int(store *db, const char *sql)
{
    err e = ERR_INIT;
    int64_t n = -1;
    T_OK(store_query_int(db, sql, &n, &e, 0), &e);
    err_clear(&e);
    return n;
}

/* A valid unified social credit code (GB 32100) "91310104" + 9 characters
 * derived from n + the check character; out has at least 19 bytes. */
static inline void tdb_uscc(unsigned n, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    snprintf(out, 19, "91310104%09u", n % 1000000000u);
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (int)(strchr(cs, out[i]) - cs) * w[i];
    out[17] = cs[(31 - sum % 31) % 31];
    out[18] = '\0';
}

/* The items array of e as compact text, for failure messages. */
static inline char *tdb_items_text(const err *e)
{
    return e->items ? json_dumps(e->items, JSON_COMPACT) : strdup("null");
}

/* Index of the first item with this field and code in e->items, -1 if none
 * (field NULL matches items without a field). */
static inline int tdb_item_find(const err *e, const char *field, const char *code)
{
    if (!e->items) return -1;
    size_t i;
    json_t *it;
    json_array_foreach(e->items, i, it)
    {
        const char *f = json_string_value(json_object_get(it, "field"));
        const char *c = json_string_value(json_object_get(it, "code"));
        int fok = field ? (f && !strcmp(f, field)) : !f;
        if (fok && c && !strcmp(c, code)) return (int)i;
    }
    return -1;
}

/* Asserts that e holds an item with field and code. */
#define T_ITEM(e, field, code) \
    do { \
        if (tdb_item_find((e), (field), (code)) < 0) { \
            char *items_ = tdb_items_text(e); \
            fail_msg("no item field=%s code=%s in %s", (field) ? (field) : "(none)", (code), items_); \
        } \
    } while (0)

#endif
