/* test_store.c - the storage interface (src/store/store.h) over the
 * backend the tests run on: SQLite (store_sqlite.c), each test on a fresh
 * database file in its own temporary directory, or, with IPCITY_TEST_PG,
 * PostgreSQL (store_pg.c), each test on a fresh database (support_db.h).
 * What differs by nature between the backends (the URL forms, the session
 * settings, the DDL type names, how an unreachable database fails) is
 * checked per backend; everything else is the same test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include <sodium.h>

#include "support_db.h"

/* Scratch tables created in every test database (plain SQL, no schema),
 * with the backend's column types (on SQLite: INTEGER PRIMARY KEY,
 * INTEGER, REAL). */
static void make_tables(store *db)
{
    const char *pk = store_sql_type(db, STORE_T_PK), *in = store_sql_type(db, STORE_T_INT);
    char ddl[1024];
    snprintf(ddl, sizeof ddl,
             "CREATE TABLE t (id %s, a %s UNIQUE, b TEXT, c %s NOT NULL DEFAULT 0);"
             "CREATE TABLE p (x TEXT, y TEXT); CREATE UNIQUE INDEX ux_p ON p(x, y);"
             "CREATE TABLE parent (id %s);"
             "CREATE TABLE child (id %s, pid %s REFERENCES parent(id));",
             pk, in, store_sql_type(db, STORE_T_REAL), pk, pk, in);
    err e = ERR_INIT;
    T_OK(store_exec(db, ddl, &e), &e);
}

typedef struct sdb {
    tdb t;            /* the temporary directory and the database */
    const char *dir;  /* t.dir */
    const char *path; /* t.path: what store_open() takes */
    store *db;
} sdb;

static int setup(void **state)
{
    sdb *s = calloc(1, sizeof *s);
    tdb_fresh(&s->t);
    s->dir = s->t.dir;
    s->path = s->t.path;
    err e = ERR_INIT;
    T_OK(store_open(s->path, &s->db, &e), &e);
    make_tables(s->db);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    sdb *s = *state;
    store_close(s->db);
    tdb_drop(&s->t);
    free(s);
    return 0;
}

/* A URL of a database that does not exist, and the error opening it gives:
 * SQLite, a file in a directory that does not exist (500 store.open);
 * PostgreSQL, a database name the server does not have (503 store.open,
 * like every connection failure). */
static int missing_db(const sdb *s, char *out, size_t n)
{
    if (tdb_is_pg()) {
        tdb_pg_url(s->path, "ipcity_no_such_database", out, n);
        return 503;
    }
    snprintf(out, n, "%s/no/such/dir/x.sqlite", s->dir);
    return 500;
}

static int64_t count(store *db, const char *sql)
{
    err e = ERR_INIT;
    int64_t n = -1;
    T_OK(store_query_int(db, sql, &n, &e, 0), &e);
    return n;
}

/* ---- opening ------------------------------------------------------------ */

static void test_open(void **state)
{
    sdb *s = *state;
    assert_int_equal(store_kind_of(s->db), tdb_is_pg() ? STORE_PG : STORE_SQLITE);
    assert_string_equal(store_url(s->db), s->path);
    assert_false(store_in_tx(s->db));

    /* the other spelling names the same database: "sqlite:PATH" for a
     * file, postgres:// for postgresql:// (and the other way round) */
    char url[600];
    if (!tdb_is_pg()) snprintf(url, sizeof url, "sqlite:%s", s->path);
    else if (!strncmp(s->path, "postgresql://", 13))
        snprintf(url, sizeof url, "postgres://%s", s->path + 13);
    else
        snprintf(url, sizeof url, "postgresql://%s", strstr(s->path, "://") + 3);
    store *db2 = NULL;
    err e = ERR_INIT;
    T_OK(store_open(url, &db2, &e), &e);
    assert_int_equal(store_kind_of(db2), store_kind_of(s->db));
    T_OK(store_exec(s->db, "INSERT INTO t (a, b) VALUES (1, 'x')", &e), &e);
    assert_int_equal(count(db2, "SELECT COUNT(*) FROM t"), 1);
    store_close(db2);

    store_stmt *st;
    if (!tdb_is_pg()) {
        /* WAL mode and foreign keys are on */
        st = store_prepare(s->db, "PRAGMA journal_mode", &e);
        assert_non_null(st);
        assert_int_equal(store_step(st, &e), 1);
        assert_string_equal(store_col_text(st, 0), "wal");
        store_done(st);
        assert_int_equal(count(s->db, "PRAGMA foreign_keys"), 1);
    } else {
        /* the session talks UTF-8 whatever the client's locale says, and
         * backslashes in string literals are plain characters */
        static const char *const want[][2] = {
            {"client_encoding", "UTF8"}, {"server_encoding", "UTF8"}, {"standard_conforming_strings", "on"}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            st = store_prepare(s->db, "SELECT current_setting(?)", &e);
            assert_non_null(st);
            store_bind_text(st, 1, want[i][0]);
            assert_int_equal(store_step(st, &e), 1);
            assert_string_equal(store_col_text(st, 0), want[i][1]);
            store_done(st);
        }
    }
    /* foreign keys are enforced (on SQLite only with the pragma) */
    assert_int_equal(store_exec(s->db, "INSERT INTO child (pid) VALUES (12345)", &e), -1);
    T_ERR(&e, 409, "conflict.reference");
    err_clear(&e);

    /* errors */
    store *bad = (store *)1;
    assert_int_equal(store_open("", &bad, &e), -1);
    assert_null(bad);
    T_ERR(&e, 500, "store.url");
    err_clear(&e);
    assert_int_equal(store_open(NULL, &bad, &e), -1);
    T_ERR(&e, 500, "store.url");
    err_clear(&e);
    char missing[600];
    int status = missing_db(s, missing, sizeof missing);
    bad = (store *)1;
    assert_int_equal(store_open(missing, &bad, &e), -1);
    assert_null(bad);
    T_ERR(&e, status, "store.open");
    err_clear(&e);
    /* PostgreSQL is built in whatever the tests run on: a server that is
     * not there is a connection error (never 501 "not supported") ... */
    bad = (store *)1;
    assert_int_equal(store_open("postgresql://ipcity@127.0.0.1:1/ipcity?connect_timeout=5", &bad, &e), -1);
    assert_null(bad);
    T_ERR(&e, 503, "store.open");
    assert_non_null(strstr(err_msg(&e, LANG_EN), "Cannot connect to the PostgreSQL database"));
    err_clear(&e);
    /* ... and the default server either lets us in or refuses the connection */
    bad = NULL;
    if (store_open("postgresql://localhost/ipcity?connect_timeout=5", &bad, &e) == 0) {
        assert_non_null(bad);
        assert_int_equal(store_kind_of(bad), STORE_PG);
        store_close(bad);
    } else {
        assert_null(bad);
        T_ERR(&e, 503, "store.open");
    }
    err_clear(&e);
    store_close(NULL);
}

/* ---- statements --------------------------------------------------------- */

static void test_prepare_cache(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    T_OK(store_exec(s->db, "INSERT INTO t (a, b) VALUES (1, 'one'), (2, 'two'), (3, 'three')", &e), &e);
    const char *sql = "SELECT a, b FROM t WHERE a >= ? ORDER BY a";
    store_stmt *st1 = store_prepare(s->db, sql, &e);
    assert_non_null(st1);
    store_stmt *st2 = store_prepare(s->db, sql, &e);
    assert_ptr_equal(st1, st2); /* the same cached statement */
    store_stmt *other = store_prepare(s->db, "SELECT a, b FROM t WHERE a >= ? ORDER BY a DESC", &e);
    assert_non_null(other);
    assert_ptr_not_equal(other, st1);

    /* half-read and bound: the next prepare hands it out reset, unbound */
    store_bind_int(st1, 1, 2);
    assert_int_equal(store_step(st1, &e), 1);
    assert_int_equal(store_col_int(st1, 0), 2);
    st2 = store_prepare(s->db, sql, &e);
    assert_ptr_equal(st1, st2);
    assert_int_equal(store_step(st2, &e), 0); /* ? is NULL now: a >= NULL matches nothing */
    store_done(st2);
    st2 = store_prepare(s->db, sql, &e);
    store_bind_int(st2, 1, 1);
    int n = 0;
    while (store_step(st2, &e) == 1) n++;
    assert_int_equal(n, 3);
    store_done(st2);
    store_done(NULL); /* ignored */
    assert_false(err_isset(&e));

    /* a statement that does not compile */
    assert_null(store_prepare(s->db, "SELEC nothing", &e));
    T_ERR(&e, 500, "store.error");
    /* the user-facing message does not carry SQLite's text */
    assert_string_equal(err_msg(&e, LANG_EN), "Database error");
    err_clear(&e);
}

static void test_bind_and_columns(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    store_stmt *st = store_prepare(s->db, "INSERT INTO t (a, b, c) VALUES (?, ?, ?) RETURNING id, a, b, c", &e);
    assert_non_null(st);
    store_bind_int(st, 1, INT64_MAX);
    store_bind_text(st, 2, "中文 'quoted' \"x\"");
    store_bind_double(st, 3, -2.5);
    assert_int_equal(store_step(st, &e), 1);
    assert_int_equal(store_ncols(st), 4);
    assert_string_equal(store_col_name(st, 0), "id");
    assert_string_equal(store_col_name(st, 3), "c");
    int64_t id = store_col_int(st, 0);
    assert_true(id > 0);
    assert_true(store_col_int(st, 1) == INT64_MAX);
    assert_string_equal(store_col_text(st, 2), "中文 'quoted' \"x\"");
    assert_true(store_col_double(st, 3) == -2.5);
    assert_int_equal(store_step(st, &e), 0);
    assert_int_equal(store_changes(st), 1);
    store_done(st);

    /* NULL through bind_text(NULL) and bind_null */
    st = store_prepare(s->db, "INSERT INTO t (a, b) VALUES (?, ?)", &e);
    store_bind_null(st, 1);
    store_bind_text(st, 2, NULL);
    assert_int_equal(store_step(st, &e), 0);
    store_done(st);
    st = store_prepare(s->db, "SELECT a, b, c FROM t WHERE a IS NULL", &e);
    assert_int_equal(store_step(st, &e), 1);
    assert_true(store_col_isnull(st, 0));
    assert_true(store_col_isnull(st, 1));
    assert_null(store_col_text(st, 1));
    assert_false(store_col_isnull(st, 2));
    assert_true(store_col_double(st, 2) == 0.0);
    assert_int_equal(store_step(st, &e), 0);
    store_done(st);

    /* changes of an UPDATE touching several rows, and of one touching none */
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (10), (11), (12)", &e), &e);
    st = store_prepare(s->db, "UPDATE t SET b = ? WHERE a BETWEEN 10 AND 12", &e);
    store_bind_text(st, 1, "upd");
    assert_int_equal(store_step(st, &e), 0);
    assert_int_equal(store_changes(st), 3);
    store_done(st);
    st = store_prepare(s->db, "UPDATE t SET b = 'none' WHERE a = -1", &e);
    assert_int_equal(store_step(st, &e), 0);
    assert_int_equal(store_changes(st), 0);
    store_done(st);

    /* ON CONFLICT ... DO UPDATE (the neutral dialect's upsert) */
    st = store_prepare(s->db, "INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b", &e);
    store_bind_int(st, 1, 10);
    store_bind_text(st, 2, "upserted");
    assert_int_equal(store_step(st, &e), 0);
    store_done(st);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t WHERE b = 'upserted' AND a = 10"), 1);
    assert_false(err_isset(&e));

    /* the dialect: the backend's words ... */
    if (!tdb_is_pg()) {
        assert_string_equal(store_sql_type(s->db, STORE_T_PK), "INTEGER PRIMARY KEY");
        assert_string_equal(store_sql_type(s->db, STORE_T_INT), "INTEGER");
        assert_string_equal(store_sql_type(s->db, STORE_T_REAL), "REAL");
        assert_string_equal(store_sql_type(s->db, STORE_T_TEXT), "TEXT");
        assert_string_equal(store_sql_type(s->db, STORE_T_BOOL), "INTEGER");
        assert_string_equal(store_sql_ilike(s->db), "LIKE");
        assert_string_equal(store_sql_for_update(s->db), "");
    } else {
        assert_string_equal(store_sql_type(s->db, STORE_T_PK), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
        assert_string_equal(store_sql_type(s->db, STORE_T_INT), "BIGINT");
        assert_string_equal(store_sql_type(s->db, STORE_T_REAL), "DOUBLE PRECISION");
        assert_string_equal(store_sql_type(s->db, STORE_T_TEXT), "TEXT");
        assert_string_equal(store_sql_type(s->db, STORE_T_BOOL), "BIGINT");
        assert_string_equal(store_sql_ilike(s->db), "ILIKE");
        assert_string_equal(store_sql_for_update(s->db), " FOR UPDATE");
    }
    /* ... and what they do: the case-insensitive LIKE finds "upd" by "UPD%";
     * a row-locking read works in a write transaction */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t WHERE b %s 'UPD%%'", store_sql_ilike(s->db));
    assert_int_equal(count(s->db, sql), 2);
    T_OK(store_begin(s->db, &e), &e);
    snprintf(sql, sizeof sql, "SELECT a FROM t WHERE a = 11%s", store_sql_for_update(s->db));
    assert_int_equal(count(s->db, sql), 11);
    T_OK(store_commit(s->db, &e), &e);
    /* the largest 64-bit value, and a primary key the caller chose */
    T_OK(store_exec(s->db, "INSERT INTO t (id, a) VALUES (9223372036854775807, -9223372036854775807)", &e), &e);
    assert_true(count(s->db, "SELECT id FROM t WHERE a < 0") == INT64_MAX);
}

static void test_query_int(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    T_OK(store_exec(s->db, "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'x'), (3, 'y'), (4, NULL)", &e), &e);
    int64_t n = -1;
    T_OK(store_query_int(s->db, "SELECT COUNT(*) FROM t", &n, &e, 0), &e);
    assert_int_equal(n, 4);
    T_OK(store_query_int(s->db, "SELECT COUNT(*) FROM t WHERE b = ?", &n, &e, 1, "x"), &e);
    assert_int_equal(n, 2);
    T_OK(store_query_int(s->db, "SELECT SUM(a) FROM t WHERE b = ? OR b = ?", &n, &e, 2, "x", "y"), &e);
    assert_int_equal(n, 6);
    T_OK(store_query_int(s->db, "SELECT a FROM t WHERE b IS NOT DISTINCT FROM ?", &n, &e, 1, (const char *)NULL), &e);
    assert_int_equal(n, 4); /* NULL binds SQL NULL */
    n = 77;
    T_OK(store_query_int(s->db, "SELECT a FROM t WHERE b = ?", &n, &e, 1, "none"), &e);
    assert_int_equal(n, 0); /* no row */
    T_OK(store_query_int(s->db, "SELECT -9223372036854775807 - 1", &n, &e, 0), &e);
    assert_true(n == INT64_MIN);
    assert_int_equal(store_query_int(s->db, "SELECT COUNT(*) FROM no_such_table", &n, &e, 0), -1);
    T_ERR(&e, 500, "store.error");
    err_clear(&e);
}

/* ---- errors --------------------------------------------------------------- */

static void test_constraint_errors(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    T_OK(store_exec(s->db, "INSERT INTO t (a, b) VALUES (1, 'first')", &e), &e);

    /* unique violation through a prepared statement */
    store_stmt *st = store_prepare(s->db, "INSERT INTO t (a, b) VALUES (?, ?)", &e);
    store_bind_int(st, 1, 1);
    store_bind_text(st, 2, "second");
    assert_int_equal(store_step(st, &e), -1);
    store_done(st);
    T_ERR(&e, 409, "conflict.unique");
    assert_non_null(e.field);
    assert_string_equal(e.field, "a");
    assert_non_null(strstr(err_msg(&e, LANG_EN), "The value already exists"));
    err_clear(&e);
    /* the statement is usable again afterwards */
    st = store_prepare(s->db, "INSERT INTO t (a, b) VALUES (?, ?)", &e);
    store_bind_int(st, 1, 2);
    store_bind_text(st, 2, "ok");
    assert_int_equal(store_step(st, &e), 0);
    store_done(st);

    /* through store_exec, and a primary key */
    T_OK(store_exec(s->db, "INSERT INTO t (id, a) VALUES (100, 50)", &e), &e);
    assert_int_equal(store_exec(s->db, "INSERT INTO t (id, a) VALUES (100, 51)", &e), -1);
    T_ERR(&e, 409, "conflict.unique");
    assert_string_equal(e.field, "id");
    err_clear(&e);

    /* a two-column unique index names its last column */
    T_OK(store_exec(s->db, "INSERT INTO p VALUES ('a', 'b')", &e), &e);
    assert_int_equal(store_exec(s->db, "INSERT INTO p VALUES ('a', 'b')", &e), -1);
    T_ERR(&e, 409, "conflict.unique");
    assert_string_equal(e.field, "y");
    err_clear(&e);

    /* foreign key */
    assert_int_equal(store_exec(s->db, "INSERT INTO child (pid) VALUES (999)", &e), -1);
    T_ERR(&e, 409, "conflict.reference");
    err_clear(&e);
    /* NOT NULL */
    assert_int_equal(store_exec(s->db, "INSERT INTO t (a, c) VALUES (7, NULL)", &e), -1);
    T_ERR(&e, 422, "validation.constraint");
    err_clear(&e);
    /* nothing of the failed statements was written */
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t"), 3);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM child"), 0);
}

/* ---- transactions --------------------------------------------------------- */

static void test_transactions(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    store *other = NULL;
    T_OK(store_open(s->path, &other, &e), &e);

    T_OK(store_begin(s->db, &e), &e);
    assert_true(store_in_tx(s->db));
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (1)", &e), &e);
    /* not visible to another connection before the commit */
    assert_int_equal(count(other, "SELECT COUNT(*) FROM t"), 0);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t"), 1);
    T_OK(store_commit(s->db, &e), &e);
    assert_false(store_in_tx(s->db));
    assert_int_equal(count(other, "SELECT COUNT(*) FROM t"), 1);

    /* rollback */
    T_OK(store_begin(s->db, &e), &e);
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (2); UPDATE t SET b = 'changed'", &e), &e);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t"), 2);
    store_rollback(s->db);
    assert_false(store_in_tx(s->db));
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t WHERE b IS NULL"), 1);
    store_rollback(s->db); /* without a transaction: nothing happens */
    assert_false(store_in_tx(s->db));

    /* nested begin is refused and leaves the outer transaction alone */
    T_OK(store_begin(s->db, &e), &e);
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (3)", &e), &e);
    assert_int_equal(store_begin(s->db, &e), -1);
    T_ERR(&e, 500, "store.nested_tx");
    err_clear(&e);
    assert_true(store_in_tx(s->db));
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (4)", &e), &e);
    T_OK(store_commit(s->db, &e), &e);
    assert_int_equal(count(other, "SELECT COUNT(*) FROM t"), 3);

    /* an error inside a transaction does not end it; rollback undoes all */
    T_OK(store_begin(s->db, &e), &e);
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (5)", &e), &e);
    assert_int_equal(store_exec(s->db, "INSERT INTO t (a) VALUES (1)", &e), -1);
    T_ERR(&e, 409, "conflict.unique");
    err_clear(&e);
    assert_true(store_in_tx(s->db));
    store_rollback(s->db);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t WHERE a = 5"), 0);

    /* the transaction survives re-preparing statements (no cache eviction
     * inside a transaction) */
    T_OK(store_begin(s->db, &e), &e);
    for (int i = 0; i < 50; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "INSERT INTO t (a) VALUES (%d)", 1000 + i);
        store_stmt *st = store_prepare(s->db, sql, &e);
        assert_non_null(st);
        assert_int_equal(store_step(st, &e), 0);
        store_done(st);
    }
    T_OK(store_commit(s->db, &e), &e);
    assert_int_equal(count(other, "SELECT COUNT(*) FROM t WHERE a >= 1000"), 50);
    store_close(other);
}

/* A statement the caller is still reading stays valid while other
 * statements are prepared, however many: store_prepare() must not
 * finalize it.  Run in a child process because the failure is a
 * use-after-free. */
static void test_prepare_keeps_open_statement(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    T_OK(store_exec(s->db, "INSERT INTO t (a) VALUES (1), (2), (3)", &e), &e);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* its own connection: none is carried across fork() */
        /* a crash must end the child, not run cmocka's handler (which
         * would go on with the remaining tests in the child) */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        err ce = ERR_INIT;
        store *db = NULL;
        if (store_open(s->path, &db, &ce)) _exit(1);
        store_stmt *st = store_prepare(db, "SELECT a FROM t ORDER BY a", &ce);
        if (!st || store_step(st, &ce) != 1 || store_col_int(st, 0) != 1) _exit(2);
        for (int i = 0; i < 1100; i++) { /* more than the cache holds */
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT %d", i);
            store_stmt *o = store_prepare(db, sql, &ce);
            if (!o) _exit(3);
            store_done(o);
        }
        if (store_step(st, &ce) != 1 || store_col_int(st, 0) != 2) _exit(4);
        store_done(st);
        store_close(db);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("an open statement was invalidated by preparing 1100 others (child %s %d)",
                 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* ---- connection pool ------------------------------------------------------ */

#define POOL_SIZE 3
#define NTHREADS 8
#define ITER 25

typedef struct pool_job {
    store_pool *pool;
    atomic_int holders, max_holders, failures;
    int worker;
} pool_job;

typedef struct worker_arg {
    pool_job *job;
    int n;
} worker_arg;

static void *worker(void *va)
{
    worker_arg *w = va;
    pool_job *j = w->job;
    for (int i = 0; i < ITER; i++) {
        store *db = store_pool_get(j->pool);
        int h = atomic_fetch_add(&j->holders, 1) + 1;
        int m = atomic_load(&j->max_holders);
        while (h > m && !atomic_compare_exchange_weak(&j->max_holders, &m, h)) {
        }
        err e = ERR_INIT;
        int ok = 0;
        if (!store_in_tx(db) && store_begin(db, &e) == 0) {
            store_stmt *st = store_prepare(db, "INSERT INTO t (a, b) VALUES (?, ?)", &e);
            if (st) {
                char who[32];
                snprintf(who, sizeof who, "w%d", w->n);
                store_bind_int(st, 1, (int64_t)w->n * 1000 + i);
                store_bind_text(st, 2, who);
                ok = store_step(st, &e) == 0;
                store_done(st);
            }
            if (ok && store_commit(db, &e) == 0) ok = 1;
            else {
                ok = 0;
                store_rollback(db);
            }
        }
        if (!ok) atomic_fetch_add(&j->failures, 1);
        err_clear(&e);
        atomic_fetch_sub(&j->holders, 1);
        store_pool_put(j->pool, db);
    }
    return NULL;
}

static void test_pool_threads(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    pool_job j = {0};
    T_OK(store_pool_new(s->path, POOL_SIZE, &j.pool, &e), &e);
    pthread_t th[NTHREADS];
    worker_arg args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        args[i] = (worker_arg){&j, i + 1};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&j.failures), 0);
    assert_true(atomic_load(&j.max_holders) <= POOL_SIZE);
    assert_true(atomic_load(&j.max_holders) >= 1);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t"), NTHREADS * ITER);
    assert_int_equal(count(s->db, "SELECT COUNT(DISTINCT b) FROM t"), NTHREADS);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t WHERE b = 'w3'"), ITER);
    store_pool_free(j.pool);
}

typedef struct blocker {
    store_pool *pool;
    store *got;
    atomic_int done;
} blocker;

static void *blocked_get(void *va)
{
    blocker *b = va;
    b->got = store_pool_get(b->pool);
    atomic_store(&b->done, 1);
    return NULL;
}

static void test_pool_blocks_and_rolls_back(void **state)
{
    sdb *s = *state;
    err e = ERR_INIT;
    store_pool *pool = NULL;
    T_OK(store_pool_new(s->path, 2, &pool, &e), &e);
    store *a = store_pool_get(pool), *b = store_pool_get(pool);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    /* a third get waits until a connection comes back */
    blocker bl = {pool, NULL, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_get, &bl), 0);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_int_equal(atomic_load(&bl.done), 0);
    /* returning a connection with an open transaction rolls it back */
    T_OK(store_begin(a, &e), &e);
    T_OK(store_exec(a, "INSERT INTO t (a) VALUES (42)", &e), &e);
    store_pool_put(pool, a);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&bl.done), 1);
    assert_ptr_equal(bl.got, a);
    assert_false(store_in_tx(bl.got));
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t"), 0);
    /* the returned connection can write again */
    T_OK(store_begin(bl.got, &e), &e);
    T_OK(store_exec(bl.got, "INSERT INTO t (a) VALUES (43)", &e), &e);
    T_OK(store_commit(bl.got, &e), &e);
    assert_int_equal(count(s->db, "SELECT COUNT(*) FROM t WHERE a = 43"), 1);
    store_pool_put(pool, bl.got);
    store_pool_put(pool, b);
    store_pool_free(pool);

    /* a pool over a database that cannot be opened fails cleanly */
    char missing[600];
    int status = missing_db(s, missing, sizeof missing);
    pool = (store_pool *)1;
    assert_int_equal(store_pool_new(missing, 2, &pool, &e), -1);
    assert_null(pool);
    T_ERR(&e, status, "store.open");
    err_clear(&e);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_and_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_int, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_keeps_open_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_blocks_and_rolls_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
