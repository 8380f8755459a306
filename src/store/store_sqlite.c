/*
 * store_sqlite.c - the SQLite backend of the storage interface.
 *
 * Every connection runs in WAL mode with foreign keys on, a busy timeout
 * and synchronous=FULL (an acknowledged commit survives a crash of the
 * process or of the machine).  Prepared statements are cached per
 * connection, keyed by their SQL text.
 */
#include "store_int.h"

#include "../base/buf.h"
#include "../base/log.h"
#include "../search/search.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CACHE_BUCKETS 256
#define CACHE_MAX 1024

typedef struct lite_stmt {
    struct store_stmt base;
    sqlite3_stmt *st;
    char *sql;
    struct lite_stmt *next; /* hash chain */
    int64_t changes;
    int in_use; /* handed out by prepare and not yet done: never evicted */
} lite_stmt;

typedef struct lite {
    struct store base;
    sqlite3 *db;
    lite_stmt *cache[CACHE_BUCKETS];
    int ncached;
} lite;

static int lite_error(lite *l, int rc, err *e)
{
    const char *msg = sqlite3_errmsg(l->db);
    int ext = sqlite3_extended_errcode(l->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        /* "UNIQUE constraint failed: table.col[, table.col]" */
        const char *dot = strrchr(msg, '.');
        char *field = dot ? xstrdup(dot + 1) : NULL;
        err_set(e, 409, "conflict.unique", "该值已存在，不能重复%s%s", "The value already exists%s%s",
                field ? ": " : "", field ? field : "");
        err_at(e, NULL, 0, 0, field);
        free(field);
        return -1;
    }
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        return err_set(e, 409, "conflict.reference", "引用的记录不存在或仍被引用",
                       "A referenced record does not exist or is still referenced");
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return err_set(e, 503, "store.busy", "数据库繁忙，请稍后重试", "The database is busy; try again");
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return err_set(e, 422, "validation.constraint", "数据不满足约束：%s", "Constraint failed: %s", msg);
    log_error("sqlite error %d: %s", ext, msg);
    return err_set(e, 500, "store.error", "数据库错误", "Database error");
}

static unsigned hash_sql(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % CACHE_BUCKETS;
}

static void cache_clear(lite *l)
{
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        lite_stmt *c = l->cache[i];
        while (c) {
            lite_stmt *n = c->next;
            sqlite3_finalize(c->st);
            free(c->sql);
            free(c);
            c = n;
        }
        l->cache[i] = NULL;
    }
    l->ncached = 0;
}

/* Finalizes the cached statements nobody holds (not handed out since
 * their last store_done() and not running), keeping the cache bounded. */
static void cache_evict(lite *l)
{
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        lite_stmt **pp = &l->cache[i];
        while (*pp) {
            lite_stmt *c = *pp;
            if (!c->in_use && !sqlite3_stmt_busy(c->st)) {
                *pp = c->next;
                sqlite3_finalize(c->st);
                free(c->sql);
                free(c);
                l->ncached--;
            } else
                pp = &c->next;
        }
    }
}

static void lite_close(store *s)
{
    lite *l = (lite *)s;
    cache_clear(l);
    store_cache_free(s);
    int rc = sqlite3_close(l->db);
    if (rc != SQLITE_OK) log_warn("sqlite close: %s", sqlite3_errstr(rc));
    free(l->base.url);
    free(l);
}

static int lite_exec(store *s, const char *sql, err *e)
{
    lite *l = (lite *)s;
    int rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : lite_error(l, rc, e);
}

static store_stmt *lite_prepare(store *s, const char *sql, err *e)
{
    lite *l = (lite *)s;
    unsigned h = hash_sql(sql);
    for (lite_stmt *c = l->cache[h]; c; c = c->next)
        if (!strcmp(c->sql, sql)) {
            sqlite3_reset(c->st);
            sqlite3_clear_bindings(c->st);
            c->in_use = 1;
            return &c->base;
        }
    if (l->ncached >= CACHE_MAX) cache_evict(l);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        log_error("sqlite prepare failed for: %s", sql);
        lite_error(l, rc, e);
        return NULL;
    }
    lite_stmt *c = xcalloc(1, sizeof *c);
    c->base.s = s;
    c->st = st;
    c->sql = xstrdup(sql);
    c->next = l->cache[h];
    c->in_use = 1;
    l->cache[h] = c;
    l->ncached++;
    return &c->base;
}

#define LST(x) ((lite_stmt *)(x))

static void lite_bind_text(store_stmt *st, int i, const char *v)
{
    if (v) sqlite3_bind_text(LST(st)->st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(LST(st)->st, i);
}
static void lite_bind_int(store_stmt *st, int i, int64_t v) { sqlite3_bind_int64(LST(st)->st, i, v); }
static void lite_bind_double(store_stmt *st, int i, double v) { sqlite3_bind_double(LST(st)->st, i, v); }
static void lite_bind_null(store_stmt *st, int i) { sqlite3_bind_null(LST(st)->st, i); }

static int lite_step(store_stmt *st, err *e)
{
    lite *l = (lite *)st->s;
    int rc = sqlite3_step(LST(st)->st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) {
        LST(st)->changes = sqlite3_changes64(l->db);
        return 0;
    }
    lite_error(l, rc, e);
    sqlite3_reset(LST(st)->st);
    return -1;
}

static void lite_done(store_stmt *st)
{
    LST(st)->in_use = 0;
    sqlite3_reset(LST(st)->st);
    sqlite3_clear_bindings(LST(st)->st);
}

static int lite_ncols(store_stmt *st) { return sqlite3_column_count(LST(st)->st); }
static const char *lite_col_name(store_stmt *st, int i) { return sqlite3_column_name(LST(st)->st, i); }
static int lite_col_isnull(store_stmt *st, int i) { return sqlite3_column_type(LST(st)->st, i) == SQLITE_NULL; }
static const char *lite_col_text(store_stmt *st, int i) { return (const char *)sqlite3_column_text(LST(st)->st, i); }
static int64_t lite_col_int(store_stmt *st, int i) { return sqlite3_column_int64(LST(st)->st, i); }
static double lite_col_double(store_stmt *st, int i) { return sqlite3_column_double(LST(st)->st, i); }
static int64_t lite_changes(store_stmt *st) { return LST(st)->changes; }

static const char *lite_sql_type(store_type t)
{
    switch (t) {
    case STORE_T_PK: return "INTEGER PRIMARY KEY";
    case STORE_T_INT: return "INTEGER";
    case STORE_T_REAL: return "REAL";
    case STORE_T_BOOL: return "INTEGER";
    case STORE_T_TEXT: return "TEXT";
    }
    return "TEXT";
}

/* ---- backup and restore ---- */

/* Makes a rename in the directory of path durable. */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        if (fsync(fd)) log_warn("fsync %s: %s", dir, strerror(errno));
        close(fd);
    }
    free(dir);
}

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Removes path and the journal files SQLite may have left beside it. */
static void unlink_db(const char *path)
{
    static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char *p = xasprintf("%s%s", path, sfx[i]);
        unlink(p);
        free(p);
    }
}

/* See store_backup(). */
static int lite_backup(store *s, const char *dest, err *e)
{
    lite *l = (lite *)s;
    if (access(dest, F_OK) == 0)
        return err_set(e, 409, "backup.exists", "备份文件 %s 已存在", "The backup file %s already exists", dest, dest);
    char *tmp = xasprintf("%s.tmp-XXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int en = errno;
        err_set(e, 500, "backup.io", "无法创建备份文件 %s：%s", "Cannot create the backup file %s: %s", tmp,
                strerror(en), tmp, strerror(en));
        free(tmp);
        return -1;
    }
    close(fd);
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", l->db, "main");
        if (!b) rc = sqlite3_errcode(dst);
        else {
            /* every page in one step: a single read transaction on the source, so the copy is one
             * snapshot (stepping in pieces would restart whenever another connection writes) */
            for (int tries = 0; tries < 100; tries++) {
                rc = sqlite3_backup_step(b, -1);
                if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
                sqlite3_sleep(100);
            }
            int frc = sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? frc : rc;
        }
    }
    /* the copied header says WAL, as the source's does: a rollback journal makes it one self-contained file */
    if (rc == SQLITE_OK) rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        const char *msg = dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc);
        log_error("sqlite backup to %s: %s", tmp, msg);
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
            err_set(e, 503, "store.busy", "数据库繁忙，请稍后重试", "The database is busy; try again");
        else
            err_set(e, 500, "backup.failed", "备份失败：%s", "Backup failed: %s", msg, msg);
        sqlite3_close(dst);
        unlink_db(tmp);
        free(tmp);
        return -1;
    }
    sqlite3_close(dst);
    if (sync_file(tmp) || rename(tmp, dest)) {
        int en = errno;
        err_set(e, 500, "backup.io", "无法写入备份文件 %s：%s", "Cannot write the backup file %s: %s", dest,
                strerror(en), dest, strerror(en));
        unlink_db(tmp);
        free(tmp);
        return -1;
    }
    sync_dir_of(dest);
    free(tmp);
    return 0;
}

int store_sqlite_replace(const char *path, const char *src, err *e)
{
    char *wal = xasprintf("%s-wal", src);
    int src_open = access(wal, F_OK) == 0;
    free(wal);
    if (src_open)
        return err_set(e, 500, "restore.src_open", "内部错误：%s 仍被打开", "Internal error: %s is still open", src,
                       src);
    sqlite3 *old = NULL;
    if (access(path, F_OK) == 0) {
        /* Leaving WAL mode needs every other connection closed (a running server keeps its
         * connections open), so it is the test; it also checkpoints and removes the -wal and
         * -shm files, which must not be left beside the new file.  The exclusive lock then
         * keeps other processes out of the old file until it has been replaced. */
        int rc = sqlite3_open_v2(path, &old, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(old, "PRAGMA journal_mode=DELETE; PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE", NULL,
                              NULL, NULL);
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
            sqlite3_close(old);
            return err_set(
                e, 409, "store.in_use", "数据库 %s 正被其他进程使用（服务是否在运行？）：请先停止服务，再恢复",
                "The database %s is in use (is the server running?): stop the server, then restore", path, path);
        }
        if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
            /* a damaged database is what a restore is for: replace it, and any journal beside it */
            log_warn("replacing the unreadable database %s: %s", path, sqlite3_errstr(rc));
            sqlite3_close(old);
            old = NULL;
            char *p = xasprintf("%s-wal", path);
            unlink(p);
            free(p);
            p = xasprintf("%s-shm", path);
            unlink(p);
            free(p);
        } else if (rc != SQLITE_OK) {
            err_set(e, 500, "store.open", "无法打开数据库 %s：%s", "Cannot open database %s: %s", path,
                    sqlite3_errmsg(old), path, sqlite3_errmsg(old));
            sqlite3_close(old);
            return -1;
        }
    }
    int rc = rename(src, path);
    int en = errno;
    if (!rc) sync_dir_of(path);
    if (old) {
        sqlite3_exec(old, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(old);
    }
    if (rc)
        return err_set(e, 500, "restore.io", "无法替换数据库 %s：%s", "Cannot replace the database %s: %s", path,
                       strerror(en), path, strerror(en));
    return 0;
}

static const store_ops lite_ops = {
    .close = lite_close,
    .exec = lite_exec,
    .prepare = lite_prepare,
    .bind_text = lite_bind_text,
    .bind_int = lite_bind_int,
    .bind_double = lite_bind_double,
    .bind_null = lite_bind_null,
    .step = lite_step,
    .done = lite_done,
    .ncols = lite_ncols,
    .col_name = lite_col_name,
    .col_isnull = lite_col_isnull,
    .col_text = lite_col_text,
    .col_int = lite_col_int,
    .col_double = lite_col_double,
    .changes = lite_changes,
    .sql_type = lite_sql_type,
    .backup = lite_backup,
    .ilike = "LIKE",
    .begin_sql = "BEGIN IMMEDIATE",
    .for_update = "",
};

/* Waiting for a lock another connection holds: retries every millisecond,
 * for 10 s at least.  (SQLite's busy_timeout backs off to 100 ms sleeps, so
 * with many concurrent writers a request that has waited long keeps losing
 * the write lock to newer ones: seconds of latency at the tail.) */
static int lite_busy(void *arg, int count)
{
    (void)arg;
    if (count >= 10000) return 0;
    sqlite3_sleep(1);
    return 1;
}

/* Process-wide settings that must precede sqlite3_initialize(): no memory
 * statistics (their global mutex costs on every allocation). */
static void lite_global_config(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

int store_sqlite_open(const char *path, store **out, err *e)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, lite_global_config);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(e, 500, "store.open", "无法打开数据库 %s：%s", "Cannot open database %s: %s", path,
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_handler(db, lite_busy, NULL);
    /* the Chinese full-text tokenizer (and its ranking functions) on every connection */
    if (srch_register_sqlite(db, e)) {
        sqlite3_close(db);
        return -1;
    }
    lite *l = xcalloc(1, sizeof *l);
    l->base.ops = &lite_ops;
    l->base.kind = STORE_SQLITE;
    l->base.url = xstrdup(path);
    l->db = db;
    if (lite_exec(&l->base,
                  "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"
                  " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;",
                  e)) {
        lite_close(&l->base);
        return -1;
    }
    *out = &l->base;
    return 0;
}
