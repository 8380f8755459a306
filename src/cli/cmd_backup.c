/*
 * cmd_backup.c - `ipcity backup FILE` and `ipcity restore FILE`, on both
 * backends.
 *
 * backup: an online, consistent copy of the configured database while the
 * server keeps running (store_backup()).  SQLite: SQLite's online backup
 * API, one snapshot, writers not blocked; FILE is one self-contained
 * database file.  PostgreSQL: pg_dump --format=custom --no-owner, one
 * snapshot, writers not blocked; FILE is a pg_dump archive.
 *
 * restore, SQLite: FILE is copied next to the configured database (so the
 * final rename is atomic), and the copy is checked: a SQLite file, an
 * ipcity database (schema_meta, audit_log, audit_head), a schema version
 * this binary supports, SQLite's quick_check, and an intact audit hash
 * chain.  Only then does it replace the configured database
 * (store_replace()), which refuses while a server or another command has
 * the database open.
 *
 * restore, PostgreSQL: FILE must be a pg_dump archive whose table of
 * contents (pg_restore --list) has the ipcity tables and whose schema_meta
 * rows (read from the archive) give a version this binary supports.  Then
 * store_replace() refuses while other sessions use the database or when it
 * has tables the archive lacks, and otherwise restores with pg_restore in
 * one transaction (all or nothing).  The audit chain and the schema version
 * can only be checked in a database, so they are checked after the
 * restore, on the restored data: a broken chain is then reported (exit 1)
 * but the restored data stay.  The procedure is documented in
 * docs/operations.md and docs/deployment.md.
 */
#include "cli.h"

#include "../base/buf.h"
#include "../base/log.h"
#include "../domain/domain.h"
#include "../records/audit.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *backup_usage =
    "用法 Usage: ipcity backup FILE\n"
    "  在线备份：服务运行时也可执行，得到数据库某一时刻的一致副本，不阻塞写入。\n"
    "  SQLite：FILE 是单个 SQLite 数据库文件。PostgreSQL：FILE 是 pg_dump 归档（--format=custom --no-owner，\n"
    "  需要 PostgreSQL 客户端程序），只能用 ipcity restore 或 pg_restore 恢复到 PostgreSQL。\n"
    "  FILE 不能已存在。备份包含用户密码哈希与会话，请妥善保管（文件权限 0600）。\n"
    "  Online backup: works while the server runs and writes go on; FILE receives a consistent copy of the\n"
    "  database as of one moment.  SQLite: FILE is a single self-contained SQLite database file.  PostgreSQL:\n"
    "  FILE is a pg_dump archive (--format=custom --no-owner; needs the PostgreSQL client programs), which\n"
    "  `ipcity restore` or pg_restore load into PostgreSQL.  FILE must not exist; it is mode 0600 (it holds\n"
    "  password hashes and sessions).  Restore it with `ipcity restore FILE`.\n";

static const char *restore_usage =
    "用法 Usage: ipcity restore FILE\n"
    "  用备份文件替换当前数据库（--db / IPCITY_DB）。数据库正被使用（服务在运行）时拒绝：请先停止服务。\n"
    "  恢复前如需保留当前数据，请先 ipcity backup。较旧的结构版本在下次启动时升级。\n"
    "  SQLite：先在数据库旁的副本上检查——是 ipcity 数据库、结构版本本程序支持、SQLite 完整性检查通过、\n"
    "  审计哈希链完整——全部通过后才原子替换；任何一项不通过，当前数据库不变。\n"
    "  PostgreSQL：恢复前检查 FILE 是 pg_dump 归档、目录（pg_restore --list）中有 ipcity 的表、归档中的\n"
    "  结构版本本程序支持，且数据库中没有归档里没有的表；然后 pg_restore 在一个事务中替换（失败则不变）。\n"
    "  审计哈希链与结构版本只能在数据库中校验，因此在恢复之后校验：链不完整时报告错误（退出码 1），\n"
    "  但已恢复的数据保留。目标数据库须已存在（createdb -E UTF8 名称）。\n"
    "  Replaces the configured database (--db / IPCITY_DB) with the backup FILE.  Refused while the database\n"
    "  is in use (a running server): stop the server first.  Back up the current database first if you may\n"
    "  need it.  An older schema is migrated when the server next starts.\n"
    "  SQLite: a copy beside the database is checked first - an ipcity database, a schema version this\n"
    "  binary supports, SQLite's quick_check, an intact audit hash chain - and only then renamed into place\n"
    "  (atomic); if any check fails the current database is unchanged.\n"
    "  PostgreSQL: checked before restoring: FILE is a pg_dump archive whose table of contents (pg_restore\n"
    "  --list) has the ipcity tables and whose schema version this binary supports, and the database has no\n"
    "  table the archive lacks; then pg_restore replaces the contents in one transaction (unchanged on\n"
    "  failure).  The audit hash chain and the schema version can only be checked inside a database, so they\n"
    "  are checked after the restore: a broken chain is reported (exit status 1) but the restored data stay.\n"
    "  The database must exist (createdb -E UTF8 NAME).\n";

/* The SQLite file path of a database URL, or NULL for another backend. */
static const char *file_of(const char *url)
{
    if (!url || !*url || strstr(url, "://")) return NULL;
    return strncmp(url, "sqlite:", 7) ? url : url + 7;
}

int backup_run(const char *url, const char *dest, int *version, err *e)
{
    const char *path = file_of(url);
    *version = 0;
    if (path && access(path, F_OK))
        return err_set(e, 404, "backup.no_database", "数据库 %s 不存在", "There is no database at %s", path, path);
    store *db = NULL;
    int64_t v = 0;
    int rc = store_open(url, &db, e);
    if (!rc && store_query_int(db, "SELECT value FROM schema_meta WHERE key = 'version'", &v, e, 0)) {
        err_clear(e);
        rc = err_set(e, 422, "backup.not_ipcity", "%s 不是 ipcity 数据库", "%s is not an ipcity database", url, url);
    }
    if (!rc) rc = store_backup(db, dest, e);
    store_close(db);
    *version = (int)v;
    return rc;
}

/* Copies the file src over the existing file dst, synced. */
static int copy_file(const char *src, const char *dst, err *e)
{
    int in = open(src, O_RDONLY);
    int out = in < 0 ? -1 : open(dst, O_WRONLY | O_TRUNC);
    int rc = in < 0 || out < 0 ? -1 : 0;
    static char chunk[1 << 16];
    while (!rc) {
        ssize_t n = read(in, chunk, sizeof chunk);
        if (n <= 0) {
            rc = n < 0 ? -1 : 0;
            break;
        }
        for (ssize_t off = 0; off < n && !rc;) {
            ssize_t w = write(out, chunk + off, (size_t)(n - off));
            if (w < 0) rc = -1;
            else
                off += w;
        }
    }
    if (!rc && fsync(out)) rc = -1;
    int en = errno;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (rc)
        err_set(e, 500, "restore.io", "无法复制 %s 到 %s：%s", "Cannot copy %s to %s: %s", src, dst, strerror(en), src,
                dst, strerror(en));
    return rc;
}

/* Checks the database file path (a copy: it may be written to) as a restore
 * candidate; fills *version and *entries. */
static int check_candidate(const char *path, const char *shown, int *version, int64_t *entries, err *e)
{
    store *db = NULL;
    if (store_open(path, &db, e)) return -1;
    int64_t n = 0, v = 0;
    int rc = store_query_int(db,
                             "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                             " AND name IN ('schema_meta', 'audit_log', 'audit_head')",
                             &n, e, 0);
    if (!rc && n == 3) rc = store_query_int(db, "SELECT value FROM schema_meta WHERE key = 'version'", &v, e, 0);
    if (rc || n != 3 || v < 1) {
        err_clear(e);
        store_close(db);
        return err_set(e, 422, "restore.not_ipcity", "%s 不是 ipcity 数据库", "%s is not an ipcity database", shown,
                       shown);
    }
    *version = (int)v;
    if (v > schema_latest()) {
        store_close(db);
        return err_set(e, 409, "schema.too_new",
                       "备份的数据库结构版本 %d 比本程序支持的版本 %d 新：请用新版本 ipcity 恢复",
                       "The backup's schema version %d is newer than this binary supports (%d): restore it with a "
                       "newer ipcity",
                       (int)v, schema_latest(), (int)v, schema_latest());
    }
    store_stmt *st = store_prepare(db, "PRAGMA quick_check", e);
    rc = st ? store_step(st, e) : -1;
    int ok = rc == 1 && store_col_text(st, 0) && !strcmp(store_col_text(st, 0), "ok");
    store_done(st);
    if (rc >= 0 && !ok) {
        err_clear(e);
        rc = err_set(e, 422, "restore.corrupt", "%s 已损坏（SQLite 完整性检查未通过）",
                     "%s is damaged (SQLite's integrity check failed)", shown, shown);
    }
    if (rc >= 0) rc = audit_verify(db, entries, e);
    store_close(db);
    return rc < 0 ? -1 : 0;
}

/* The first 16 bytes of file into head (zero-filled); 404 when unreadable. */
static int read_head(const char *file, char head[16], err *e)
{
    memset(head, 0, 16);
    FILE *fp = fopen(file, "rb");
    if (!fp) {
        int en = errno;
        return err_set(e, 404, "restore.io", "无法读取 %s：%s", "Cannot read %s: %s", file, strerror(en));
    }
    if (fread(head, 1, 16, fp) == 0) memset(head, 0, 16);
    fclose(fp);
    return 0;
}

/* True when the table of contents of a pg_dump archive has a TABLE entry
 * for name ("... TABLE <schema> <name> <owner>"). */
static int toc_has_table(const char *toc, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = toc; (p = strstr(p, " TABLE ")); p += 7) {
        const char *sp = strchr(p + 7, ' ');
        if (sp && !strncmp(sp + 1, name, n) && (sp[1 + n] == ' ' || sp[1 + n] == '\n' || !sp[1 + n])) return 1;
    }
    return 0;
}

/* After a PostgreSQL restore: e's message says that the data were restored
 * but a check on them failed.  Returns -1. */
static int err_context_restored(err *e)
{
    char *zh = xasprintf("数据已恢复，但恢复后的校验失败：%s", err_msg(e, LANG_ZH));
    char *en = xasprintf("The data were restored, but the check after the restore failed: %s", err_msg(e, LANG_EN));
    int status = e->status ? e->status : 500;
    const char *code = e->code ? e->code : "restore.check";
    err_clear(e);
    err_setm(e, status, code, zh, en);
    free(zh);
    free(en);
    return -1;
}

/* Restore into PostgreSQL (see the file comment). */
static int restore_pg(const char *url, const char *file, int *version, int64_t *entries, err *e)
{
    char head[16];
    if (read_head(file, head, e)) return -1;
    if (!memcmp(head, "SQLite format 3", 16))
        return err_set(
            e, 422, "restore.wrong_backend",
            "%s 是 SQLite 备份，不能恢复到 PostgreSQL：请先把它恢复成 SQLite 文件，再用 ipcity migrate-data 迁移",
            "%s is a SQLite backup, which cannot be restored into PostgreSQL: restore it into a SQLite file, "
            "then move it with ipcity migrate-data",
            file);
    if (memcmp(head, "PGDMP", 5))
        return err_set(e, 422, "restore.not_ipcity", "%s 不是 ipcity 数据库（不是 pg_dump 归档）",
                       "%s is not an ipcity database (not a pg_dump archive)", file);
    char *toc = NULL, *meta = NULL;
    if (store_pg_archive_read(file, "schema_meta", &toc, &meta, e)) return -1;
    int rc = 0;
    if (!toc_has_table(toc, "schema_meta") || !toc_has_table(toc, "audit_log") || !toc_has_table(toc, "audit_head"))
        rc = err_set(e, 422, "restore.not_ipcity",
                     "%s 不是 ipcity 数据库（归档中没有 schema_meta、audit_log、audit_head）",
                     "%s is not an ipcity database (the archive has no schema_meta, audit_log, audit_head)", file);
    /* the schema version, from the archive's schema_meta rows ("version<TAB>N") */
    const char *line = rc ? NULL : strstr(meta, "\nversion\t");
    int v = line ? atoi(line + 9) : 0;
    if (!rc && v < 1)
        rc = err_set(e, 422, "restore.not_ipcity", "%s 不是 ipcity 数据库（归档中没有结构版本）",
                     "%s is not an ipcity database (the archive has no schema version)", file);
    if (!rc && v > schema_latest())
        rc = err_set(e, 409, "schema.too_new",
                     "备份的数据库结构版本 %d 比本程序支持的版本 %d 新：请用新版本 ipcity 恢复",
                     "The backup's schema version %d is newer than this binary supports (%d): restore it with a "
                     "newer ipcity",
                     v, schema_latest());
    free(toc);
    free(meta);
    if (rc) return -1;
    *version = v;
    if (store_replace(url, file, e)) return -1;
    /* what can only be checked in a database, checked on the restored one */
    store *db = NULL;
    int got = 0;
    if (store_open(url, &db, e) || schema_version(db, &got, e)) {
        store_close(db);
        return err_context_restored(e);
    }
    if (got != v)
        rc = err_set(e, 500, "restore.version", "恢复后的结构版本是 %d，而归档中是 %d",
                     "The restored schema version is %d, the archive's %d", got, v);
    else
        rc = audit_verify(db, entries, e);
    store_close(db);
    return rc ? err_context_restored(e) : 0;
}

int restore_run(const char *url, const char *file, int *version, int64_t *entries, err *e)
{
    *version = 0;
    *entries = 0;
    const char *path = file_of(url);
    if (!path) return restore_pg(url, file, version, entries, e);
    /* a SQLite file, and not a live one with a write-ahead log beside it */
    char head[16];
    if (read_head(file, head, e)) return -1;
    if (!memcmp(head, "PGDMP", 5))
        return err_set(
            e, 422, "restore.wrong_backend",
            "%s 是 PostgreSQL 备份（pg_dump 归档），不能恢复到 SQLite：请恢复到 PostgreSQL 数据库"
            "（--db postgresql://...），需要时再用 ipcity migrate-data 迁移",
            "%s is a PostgreSQL backup (a pg_dump archive), which cannot be restored into SQLite: restore it "
            "into a PostgreSQL database (--db postgresql://...), then move it with ipcity migrate-data if "
            "need be",
            file);
    if (memcmp(head, "SQLite format 3", 16))
        return err_set(e, 422, "restore.not_ipcity", "%s 不是 ipcity 数据库（不是 SQLite 文件）",
                       "%s is not an ipcity database (not a SQLite file)", file, file);
    struct stat sf, sd;
    if (stat(file, &sf) == 0 && stat(path, &sd) == 0 && sf.st_dev == sd.st_dev && sf.st_ino == sd.st_ino)
        return err_set(e, 409, "restore.same_file", "%s 就是当前数据库", "%s is the current database itself", file,
                       file);
    char *wal = xasprintf("%s-wal", file);
    int live = stat(wal, &sf) == 0 && sf.st_size > 0;
    free(wal);
    if (live)
        return err_set(e, 409, "restore.live_file",
                       "%s 旁有未合并的预写日志（-wal），它是正在使用的数据库而不是备份：请用 ipcity backup 生成备份",
                       "%s has a write-ahead log (-wal) beside it: it is a live database, not a backup; make one "
                       "with ipcity backup",
                       file, file);
    /* the copy lives beside the database, so that replacing it is one rename */
    char *tmp = xasprintf("%s.restore-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int en = errno;
        err_set(e, 500, "restore.io", "无法在数据库旁创建文件 %s：%s", "Cannot create %s beside the database: %s", tmp,
                strerror(en), tmp, strerror(en));
        free(tmp);
        return -1;
    }
    /* the restored database keeps the current one's permissions (0600 when there is none) */
    if (stat(path, &sd) == 0) {
        if (fchmod(fd, sd.st_mode & 07777) || (getuid() == 0 && fchown(fd, sd.st_uid, sd.st_gid)))
            log_warn("restore: cannot copy the permissions of %s: %s", path, strerror(errno));
    }
    close(fd);
    int rc = copy_file(file, tmp, e);
    if (!rc) rc = check_candidate(tmp, file, version, entries, e);
    if (!rc) rc = store_replace(url, tmp, e);
    if (rc) {
        static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
        for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
            char *p = xasprintf("%s%s", tmp, sfx[i]);
            unlink(p);
            free(p);
        }
    }
    free(tmp);
    return rc;
}

/* FILE, the only positional argument; NULL after printing the usage. */
static const char *one_file(int argc, char **argv, const char *usage)
{
    const char *pos[2];
    if (cli_positionals(argc, argv, pos, 2, NULL) != 1) {
        fputs(usage, stderr);
        return NULL;
    }
    return pos[0];
}

int cmd_backup(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, backup_usage)) return 0;
    const char *file = one_file(argc, argv, backup_usage);
    if (!file) return 2;
    err e = ERR_INIT;
    int version;
    int rc = backup_run(cfg_get("db"), file, &version, &e);
    if (rc) cli_error(&e);
    else {
        struct stat st;
        long long size = stat(file, &st) ? 0 : (long long)st.st_size;
        printf("备份完成 / backup written: %s (%lld bytes, schema %d)\n", file, size, version);
    }
    err_clear(&e);
    return rc ? 1 : 0;
}

int cmd_restore(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, restore_usage)) return 0;
    const char *file = one_file(argc, argv, restore_usage);
    if (!file) return 2;
    err e = ERR_INIT;
    int version;
    int64_t n;
    int rc = restore_run(cfg_get("db"), file, &version, &n, &e);
    if (rc) cli_error(&e);
    else {
        char *shown = cli_url_shown(cfg_get("db"));
        printf("已从 %s 恢复数据库 %s：结构版本 %d，审计链完整（%lld 条）\n", file, shown, version, (long long)n);
        printf("database %s restored from %s: schema %d, audit chain intact (%lld entries)\n", shown, file, version,
               (long long)n);
        free(shown);
        if (version < schema_latest())
            printf("结构将在下次启动或 ipcity migrate 时升级到版本 %d / the schema is upgraded to %d by the next start "
                   "or `ipcity migrate`\n",
                   schema_latest(), schema_latest());
    }
    err_clear(&e);
    return rc ? 1 : 0;
}
