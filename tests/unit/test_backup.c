/* test_backup.c - online backup (store_backup, backup_run) and restore
 * (restore_run, store_replace): a backup taken while another connection
 * writes is one consistent snapshot and does not stop the writer; a
 * restore replaces the database with a checked copy, and refuses files
 * that are not ipcity databases, newer schemas, broken audit chains and
 * databases still in use, leaving everything as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include <sodium.h>

#include "support_db.h"

#include "../../src/cli/cli.h"
#include "../../src/records/audit.h"

/* Writes rows (a, b) in transactions of TX_ROWS rows each, all with the
 * same a per transaction, until told to stop; counts its commits. */
#define TX_ROWS 10

typedef struct writer {
    const char *path;
    atomic_int stop;
    atomic_long commits;
    int failed;
} writer;

static void *writer_main(void *arg)
{
    writer *w = arg;
    err e = ERR_INIT;
    store *db = NULL;
    if (store_open(w->path, &db, &e)) {
        w->failed = 1;
        err_clear(&e);
        return NULL;
    }
    for (long n = 1; !atomic_load(&w->stop); n++) {
        if (store_begin(db, &e)) {
            w->failed = 1;
            break;
        }
        store_stmt *st = store_prepare(db, "INSERT INTO bk (a, b) VALUES (?, randomblob(200))", &e);
        for (int i = 0; st && i < TX_ROWS; i++) {
            store_bind_int(st, 1, n);
            if (store_step(st, &e) < 0) st = NULL;
            else
                store_done(st);
        }
        if (!st || store_commit(db, &e)) {
            store_rollback(db);
            w->failed = 1;
            break;
        }
        atomic_fetch_add(&w->commits, 1);
    }
    err_clear(&e);
    store_close(db);
    return NULL;
}

static int64_t count_in(const char *path, const char *sql)
{
    err e = ERR_INIT;
    store *db = NULL;
    T_OK(store_open(path, &db, &e), &e);
    int64_t n = tdb_int(db, sql);
    store_close(db);
    return n;
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* Number of entries in dir (the temporary files a failed step left). */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static void test_backup_while_writing(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    /* some volume, so that a backup takes a while */
    T_OK(store_exec(t->db,
                    "CREATE TABLE bk (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b BLOB);"
                    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)"
                    " INSERT INTO bk (a, b) SELECT 0, randomblob(400) FROM s;",
                    &e),
         &e);
    writer w = {.path = t->path};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
    while (atomic_load(&w.commits) < 3 && !w.failed) usleep(1000);

    int64_t last = -1;
    long during = 0;
    for (int k = 0; k < 3; k++) {
        char dest[160];
        snprintf(dest, sizeof dest, "%s/backup-%d.db", t->dir, k);
        long before = atomic_load(&w.commits);
        T_OK(store_backup(t->db, dest, &e), &e);
        during += atomic_load(&w.commits) - before;
        /* a self-contained file: nothing beside it */
        char side[176];
        snprintf(side, sizeof side, "%s-wal", dest);
        assert_false(file_exists(side));
        /* one snapshot: only whole transactions, and later backups see more of them */
        int64_t rows = count_in(dest, "SELECT COUNT(*) FROM bk WHERE a > 0");
        assert_int_equal(rows % TX_ROWS, 0);
        assert_int_equal(count_in(dest, "SELECT COUNT(*) FROM (SELECT a FROM bk WHERE a > 0 GROUP BY a"
                                        " HAVING COUNT(*) <> 10)"),
                         0);
        assert_int_equal(count_in(dest, "SELECT COUNT(*) FROM bk WHERE a = 0"), 20000);
        assert_true(rows > last);
        last = rows;
        while (atomic_load(&w.commits) < before + 2 && !w.failed) usleep(1000);
    }
    atomic_store(&w.stop, 1);
    pthread_join(th, NULL);
    assert_false(w.failed);
    /* the writer was never shut out: it committed while the backups ran */
    assert_true(during > 0);

    /* the destination must be new */
    char dest[160];
    snprintf(dest, sizeof dest, "%s/backup-0.db", t->dir);
    assert_int_equal(store_backup(t->db, dest, &e), -1);
    T_ERR(&e, 409, "backup.exists");
    err_clear(&e);
}

/* A database with the demo region and a few audited writes, backed up with
 * backup_run; restore_run puts it at a fresh path with the same content. */
static void test_backup_and_restore(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char bak[160], fresh[160];
    snprintf(bak, sizeof bak, "%s/ipcity.bak", t->dir);
    snprintf(fresh, sizeof fresh, "%s/restored.db", t->dir);
    int version = 0;
    int64_t n = 0, entries = 0;
    T_OK(audit_verify(t->db, &n, &e), &e);
    T_OK(backup_run(t->path, bak, &version, &e), &e);
    assert_int_equal(version, schema_latest());
    struct stat st;
    assert_int_equal(stat(bak, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    T_OK(restore_run(fresh, bak, &version, &entries, &e), &e);
    assert_int_equal(version, schema_latest());
    assert_int_equal(entries, n);
    const char *sql = "SELECT COUNT(*) FROM departments";
    assert_int_equal(count_in(fresh, sql), tdb_int(t->db, sql));
    assert_true(count_in(fresh, sql) > 0);

    /* restore over an existing database (closed): its content is replaced */
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", t->dir);
    store *o = NULL;
    T_OK(store_open(other, &o, &e), &e);
    T_OK(schema_migrate(o, NULL, NULL, &e), &e);
    T_OK(store_exec(o, "CREATE TABLE marker (x INTEGER)", &e), &e);
    store_close(o);
    chmod(other, 0640);
    T_OK(restore_run(other, bak, &version, &entries, &e), &e);
    assert_int_equal(count_in(other, sql), tdb_int(t->db, sql));
    assert_int_equal(count_in(other, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'marker'"), 0);
    assert_int_equal(stat(other, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640); /* the replaced database's permissions */

    /* the restored database is a working one: it opens, migrates (nothing to do) and verifies */
    store *r = NULL;
    T_OK(store_open(fresh, &r, &e), &e);
    T_OK(schema_migrate(r, NULL, NULL, &e), &e);
    T_OK(audit_verify(r, &entries, &e), &e);
    assert_int_equal(entries, n);
    store_close(r);
    err_clear(&e);
}

/* Each refusal leaves the target as it was and no temporary file behind. */
static void expect_refused(tdb *t, const char *target, const char *file, int status, const char *code)
{
    err e = ERR_INIT;
    int version;
    int64_t entries;
    int before = dir_entries(t->dir);
    assert_int_equal(restore_run(target, file, &version, &entries, &e), -1);
    T_ERR(&e, status, code);
    assert_int_equal(dir_entries(t->dir), before);
    err_clear(&e);
}

static void test_restore_refuses(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char target[160], file[160];
    snprintf(target, sizeof target, "%s/target.db", t->dir);

    /* not a SQLite file */
    snprintf(file, sizeof file, "%s/notes.txt", t->dir);
    FILE *fp = fopen(file, "w");
    fputs("SQLite? no: just some text that is long enough\n", fp);
    fclose(fp);
    expect_refused(t, target, file, 422, "restore.not_ipcity");
    assert_false(file_exists(target));

    /* a SQLite database, but not an ipcity one */
    snprintf(file, sizeof file, "%s/other.sqlite", t->dir);
    store *o = NULL;
    T_OK(store_open(file, &o, &e), &e);
    T_OK(store_exec(o, "CREATE TABLE things (x TEXT); INSERT INTO things VALUES ('a')", &e), &e);
    store_close(o);
    expect_refused(t, target, file, 422, "restore.not_ipcity");

    /* an ipcity database of a newer schema than this binary's */
    snprintf(file, sizeof file, "%s/newer.db", t->dir);
    int version;
    T_OK(backup_run(t->path, file, &version, &e), &e);
    T_OK(store_open(file, &o, &e), &e);
    T_OK(store_exec(o, "UPDATE schema_meta SET value = '999' WHERE key = 'version'", &e), &e);
    store_close(o);
    expect_refused(t, target, file, 409, "schema.too_new");

    /* an ipcity database whose audit chain was tampered with (triggers dropped, an entry edited) */
    snprintf(file, sizeof file, "%s/tampered.db", t->dir);
    T_OK(backup_run(t->path, file, &version, &e), &e);
    T_OK(store_open(file, &o, &e), &e);
    T_OK(store_exec(o,
                    "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                    "UPDATE audit_log SET action = 'edited' WHERE seq = 1",
                    &e),
         &e);
    store_close(o);
    expect_refused(t, target, file, 409, "audit.broken");

    /* the database itself */
    expect_refused(t, t->path, t->path, 409, "restore.same_file");

    /* a target that is in use (t->db is open on it) is not replaced */
    char bak[160];
    snprintf(bak, sizeof bak, "%s/good.bak", t->dir);
    T_OK(backup_run(t->path, bak, &version, &e), &e);
    T_OK(store_exec(t->db, "CREATE TABLE still_here (x INTEGER)", &e), &e);
    expect_refused(t, t->path, bak, 409, "store.in_use");
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'still_here'"), 1);

    /* a missing file */
    snprintf(file, sizeof file, "%s/missing.db", t->dir);
    expect_refused(t, target, file, 404, "restore.io");
    err_clear(&e);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_backup_while_writing, tdb_setup_plain, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_backup_and_restore, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_restore_refuses, tdb_setup_demo, tdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
