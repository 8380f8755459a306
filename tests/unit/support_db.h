/*
 * support_db.h - shared helpers of the cmocka unit tests that need a real
 * database: a fresh temporary directory per test (mkdtemp) and a fresh
 * database, the schema applied with schema_migrate(), optionally the demo
 * region, and a few assertions on err objects.
 *
 * The database is a SQLite file in the temporary directory, or, when
 * IPCITY_TEST_PG is set (a URL of a PostgreSQL server naming any database
 * there, e.g. postgresql://ipcity@127.0.0.1:55432/postgres, see
 * scripts/pg.sh; the role needs CREATEDB), a new PostgreSQL database
 * ipcu_<pid>_<n>_<time> made with CREATE DATABASE and dropped again when
 * the test is done.  tests/run.sh runs the storage tests both ways.  Either
 * way t->path is what store_open() takes.
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
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/log.h"
#include "../../src/base/util.h"
#include "../../src/domain/domain.h"
#include "../../src/store/store.h"

typedef struct tdb {
    char dir[64];    /* the temporary directory */
    char path[512];  /* the database: dir/test.sqlite, or a postgresql:// URL */
    char pgname[64]; /* PostgreSQL: the database made for the test ("" on SQLite) */
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

/* ---- the backend: SQLite files, or databases on IPCITY_TEST_PG ---------- */

/* The PostgreSQL server the tests run against (IPCITY_TEST_PG), or NULL
 * when they run on SQLite files. */
static inline const char *tdb_pg_base(void)
{
    const char *b = getenv("IPCITY_TEST_PG");
    return b && *b ? b : NULL;
}

/* 1 when the tests run on PostgreSQL. */
static inline int tdb_is_pg(void) { return tdb_pg_base() != NULL; }

/* url with its database name replaced by name (a postgresql:// URL:
 * scheme://[userinfo@]host[:port][/dbname][?params]). */
static inline void tdb_pg_url(const char *url, const char *name, char *out, size_t n)
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t hostend = strcspn(auth, "/?");
    const char *rest = auth + hostend;
    if (*rest == '/') rest += strcspn(rest, "?");
    int k = snprintf(out, n, "%.*s/%s%s", (int)(auth + hostend - url), url, name, rest);
    if (k < 0 || (size_t)k >= n) fail_msg("URL too long: %s", url);
}

/* Runs one SQL command on the IPCITY_TEST_PG server (its own database,
 * e.g. postgres); fails the test on error unless quiet (then returns -1). */
static inline int tdb_pg_admin(const char *sql, int quiet)
{
    const char *base = tdb_pg_base();
    if (!base) fail_msg("IPCITY_TEST_PG is not set");
    PGconn *c = PQconnectdb(base);
    int rc = 0;
    if (PQstatus(c) != CONNECTION_OK) {
        if (!quiet) fail_msg("cannot connect to %s: %s", base, PQerrorMessage(c));
        rc = -1;
    } else {
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            if (!quiet) fail_msg("%s: %s", sql, PQerrorMessage(c));
            rc = -1;
        }
        PQclear(r);
    }
    PQfinish(c);
    return rc;
}

/* A new empty database for t (whose dir exists): SQLite, the path
 * dir/test.sqlite; PostgreSQL, a new database, a copy of template when
 * given (CREATE DATABASE ... TEMPLATE: nothing may be connected to it). */
static inline void tdb_new_db(tdb *t, const char *template_name)
{
    if (!tdb_is_pg()) {
        snprintf(t->path, sizeof t->path, "%s/test.sqlite", t->dir);
        return;
    }
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(t->pgname, sizeof t->pgname, "ipcu_%ld_%u_%lx", (long)getpid(), ++counter,
             (unsigned long)(ts.tv_sec * 1000000000L + ts.tv_nsec) & 0xffffffffUL);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s%s%s", t->pgname, template_name ? " TEMPLATE " : "",
             template_name ? template_name : "");
    tdb_pg_admin(sql, 0);
    tdb_pg_url(tdb_pg_base(), t->pgname, t->path, sizeof t->path);
}

/* A fresh temporary directory and an empty database in t (not opened). */
static inline void tdb_fresh(tdb *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/ipcity-unit-XXXXXX");
    if (!mkdtemp(t->dir)) fail_msg("mkdtemp failed");
    tdb_new_db(t, NULL);
}

/* Creates the temporary directory and the database, applies the
 * schema; with demo set, also creates the demo region and admin. */
static inline void tdb_open(tdb *t, int demo)
{
    tdb_fresh(t);
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

/* Copies the SQLite file from (and its -wal) to to, when it exists. */
static inline void tdb_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in) return; /* an absent -wal */
    FILE *out = fopen(to, "wb");
    if (!out) fail_msg("cannot create %s", to);
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (fwrite(chunk, 1, k, out) != k) fail_msg("cannot write %s", to);
    fclose(in);
    fclose(out);
}

/* A fresh directory and a copy of the closed database of from in t, opened:
 * SQLite copies the file (and its -wal), PostgreSQL creates the database
 * from it as a template. */
static inline void tdb_clone(tdb *t, const tdb *from)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/ipcity-unit-XXXXXX");
    if (!mkdtemp(t->dir)) fail_msg("mkdtemp failed");
    tdb_new_db(t, from->pgname[0] ? from->pgname : NULL);
    if (!from->pgname[0]) {
        tdb_copy_file(from->path, t->path);
        char a[600], b[600];
        snprintf(a, sizeof a, "%s-wal", from->path);
        snprintf(b, sizeof b, "%s-wal", t->path);
        tdb_copy_file(a, b);
    }
    err e = ERR_INIT;
    T_OK(store_open(t->path, &t->db, &e), &e);
}

/* Removes the temporary directory and drops the PostgreSQL database of t
 * (its store must be closed). */
static inline void tdb_drop(tdb *t)
{
    if (t->pgname[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->pgname);
        tdb_pg_admin(sql, 1); /* a database left behind is harmless: scripts/pg.sh start drops them */
        t->pgname[0] = '\0';
    }
    tdb_rmdir(t->dir);
}

static inline void tdb_close(tdb *t)
{
    store_close(t->db);
    t->db = NULL;
    free(t->admin_pw);
    t->admin_pw = NULL;
    tdb_drop(t);
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

/* The names of the database's tables, sorted, as a JSON array of strings
 * (SQLite: sqlite_master, FTS shadow tables included; PostgreSQL: the
 * tables of every schema but the system ones). */
static inline json_t *tdb_tables(store *db)
{
    err e = ERR_INIT;
    store_stmt *st =
        store_prepare(db,
                      store_kind_of(db) == STORE_PG
                          ? "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                            " AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1"
                          : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                      &e);
    if (!st) fail_msg("listing the tables: %s", err_msg(&e, LANG_EN));
    json_t *names = json_array();
    while (store_step(st, &e) == 1) json_array_append_new(names, json_string(store_col_text(st, 0)));
    store_done(st);
    if (err_isset(&e)) fail_msg("listing the tables: %s", err_msg(&e, LANG_EN));
    return names;
}

/* Drops the append-only trigger of audit_log for event ("update" or
 * "delete"; store.h: audit_log_no_update, audit_log_no_delete) so that a
 * test can tamper with the log. */
static inline void tdb_drop_audit_guard(store *db, const char *event)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP TRIGGER audit_log_no_%s%s", event,
             store_kind_of(db) == STORE_PG ? " ON audit_log" : "");
    err e = ERR_INIT;
    T_OK(store_exec(db, sql, &e), &e);
}

/* Asserts that the full-text index of the registry table ("patents",
 * "trademarks") agrees with the table.  SQLite: FTS5's integrity-check on
 * <table>_fts.  PostgreSQL: the index table <table>_search (src/search,
 * pgsearch.h) holds exactly the live rows, and not only empty tsvectors
 * (what each row's tsvector holds is checked by searching). */
static inline void tdb_search_index_check(store *db, const char *table)
{
    err e = ERR_INIT;
    char sql[512];
    if (store_kind_of(db) != STORE_PG) {
        snprintf(sql, sizeof sql, "INSERT INTO %s_fts(%s_fts) VALUES('integrity-check')", table, table);
        T_OK(store_exec(db, sql, &e), &e);
        return;
    }
    snprintf(
        sql, sizeof sql,
        "SELECT COUNT(*) FROM %s p WHERE p.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM %s_search s WHERE s.id = p.id)",
        table, table);
    if (tdb_int(db, sql)) fail_msg("%s: live rows missing from %s_search", table, table);
    snprintf(
        sql, sizeof sql,
        "SELECT COUNT(*) FROM %s_search s WHERE NOT EXISTS (SELECT 1 FROM %s p WHERE p.id = s.id AND p.deleted_at IS NULL)",
        table, table);
    if (tdb_int(db, sql)) fail_msg("%s_search has entries of deleted or absent rows", table);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s_search s WHERE length(s.tsv) = 0", table);
    int64_t empty = tdb_int(db, sql);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s_search", table);
    if (empty == tdb_int(db, sql) && empty > 0) fail_msg("%s_search: every tsvector is empty", table);
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
