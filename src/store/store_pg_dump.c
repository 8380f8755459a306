/*
 * store_pg_dump.c - backup and restore of a PostgreSQL database with
 * PostgreSQL's own tools: pg_dump makes the backup, pg_restore puts it
 * back.  They run as child processes (fork + execve with an argument
 * vector: no shell), with standard input from /dev/null and standard error
 * captured for the error message and the log.
 *
 * The tools: the newest /usr/lib/postgresql/<version>/bin/<tool> (Debian's
 * layout, the binaries themselves rather than the pg_wrapper in /usr/bin),
 * else <tool> found on PATH.  pg_dump refuses a server newer than itself;
 * its message then says so.
 *
 * The connection: the store's URL is taken apart with libpq's own parser and
 * handed to the tools as a keyword=value connection string without the
 * password; a password travels in the child's environment (PGPASSWORD), so
 * that it is not visible in the process list.
 */
#include "store_int.h"

#include "../base/buf.h"
#include "../base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The most of a tool's standard output (a table of contents, one table's
 * rows) and standard error kept in memory. */
#define MAX_STDOUT ((size_t)256 << 20)
#define MAX_STDERR ((size_t)64 << 10)

/* ---- finding and running the tools ---- */

/* True when path is an executable regular file. */
static int is_exe(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The full path of the PostgreSQL client program name (see the file
 * comment), or NULL when there is none.  The caller frees it. */
static char *find_tool(const char *name)
{
    char *best = NULL;
    long best_v = -1;
    char *pattern = xasprintf("/usr/lib/postgresql/*/bin/%s", name);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            const char *p = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || *end != '/' || v <= best_v || !is_exe(g.gl_pathv[i])) continue;
            free(best);
            best = xstrdup(g.gl_pathv[i]);
            best_v = v;
        }
        globfree(&g);
    }
    free(pattern);
    if (best) return best;
    const char *path = getenv("PATH");
    if (!path) return NULL;
    for (const char *s = path; *s;) {
        size_t n = strcspn(s, ":");
        char *p = xasprintf("%.*s/%s", (int)n, n ? s : ".", name);
        if (is_exe(p)) return p;
        free(p);
        s += n;
        if (*s == ':') s++;
    }
    return NULL;
}

/* Appends value to b quoted for a libpq keyword=value string. */
static void put_conn_value(buf *b, const char *v)
{
    buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'' || *v == '\\') buf_putc(b, '\\');
        buf_putc(b, *v);
    }
    buf_putc(b, '\'');
}

/* Takes the connection URL apart: *conninfo receives every setting but the
 * password as a keyword=value string, *password the password (NULL when
 * there is none).  Both heap strings, the caller frees them. */
static int conninfo_of(const char *url, char **conninfo, char **password, err *e)
{
    *conninfo = *password = NULL;
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    if (!opts) {
        const char *m = msg ? msg : "out of memory";
        err_set(e, 400, "store.url", "无效的 PostgreSQL 连接串：%s", "Invalid PostgreSQL URL: %s", m);
        PQfreemem(msg);
        return -1;
    }
    buf b = BUF_INIT;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val) continue;
        if (!strcmp(o->keyword, "password")) {
            *password = xstrdup(o->val);
            continue;
        }
        if (b.len) buf_putc(&b, ' ');
        buf_printf(&b, "%s=", o->keyword);
        put_conn_value(&b, o->val);
    }
    PQconninfoFree(opts);
    *conninfo = b.s ? buf_detach(&b) : xstrdup("");
    return 0;
}

/* The environment of a child: ours, with PGPASSWORD set to password (or
 * left as it is when password is NULL).  Free with free_env(). */
static char **child_env(const char *password)
{
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **env = xcalloc(n + 2, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!password || strncmp(environ[i], "PGPASSWORD=", 11)) env[k++] = xstrdup(environ[i]);
    if (password) env[k++] = xasprintf("PGPASSWORD=%s", password);
    env[k] = NULL;
    return env;
}

static void free_env(char **env)
{
    for (size_t i = 0; env[i]; i++) free(env[i]);
    free(env);
}

/* Appends what is readable on fd to b (up to cap bytes are kept; the rest
 * is read and dropped).  Returns 0 at end of file, 1 when more may come. */
static int drain(int fd, buf *b, size_t cap)
{
    char chunk[8192];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0) return 0;
    if (b && b->len < cap) buf_add(b, chunk, (size_t)n < cap - b->len ? (size_t)n : cap - b->len);
    return 1;
}

/* Runs argv (argv[0] is the program's full path) with password (may be
 * NULL, see child_env()), standard input from /dev/null, standard output
 * into out (dropped when out is NULL) and standard error into errout.
 * Returns the exit status (0-255), or -1 with e filled when the program
 * could not be run or was killed by a signal. */
static int run_tool(char *const argv[], const char *password, buf *out, buf *errout, err *e)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
        int en = errno;
        for (int i = 0; i < 2; i++) {
            if (po[i] >= 0) close(po[i]);
            if (pe[i] >= 0) close(pe[i]);
        }
        return err_set(e, 500, "store.tool", "无法运行 %s：%s", "Cannot run %s: %s", argv[0], strerror(en));
    }
    char **env = child_env(password);
    pid_t pid = fork();
    if (pid == 0) {
        /* the child: only async-signal-safe calls until execve */
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0) _exit(127);
#ifdef SYS_close_range
        syscall(SYS_close_range, 3U, ~0U, 0U); /* nothing of ours (database sockets) in the tool */
#endif
        execve(argv[0], argv, env);
        _exit(127);
    }
    int en = errno;
    free_env(env);
    close(po[1]);
    close(pe[1]);
    if (pid < 0) {
        close(po[0]);
        close(pe[0]);
        return err_set(e, 500, "store.tool", "无法运行 %s：%s", "Cannot run %s: %s", argv[0], strerror(en));
    }
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (!drain(fds[i].fd, i ? errout : out, i ? MAX_STDERR : MAX_STDOUT)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return err_set(e, 500, "store.tool", "无法等待 %s 结束", "Cannot wait for %s", argv[0]);
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 127 && (!errout || !errout->len)
                   ? err_set(e, 500, "store.tool", "无法执行 %s", "Cannot execute %s", argv[0])
                   : WEXITSTATUS(status);
    return err_set(e, 500, "store.tool", "%s 被信号 %d 终止", "%s was killed by signal %d", argv[0], WTERMSIG(status));
}

/* The tool's standard error made fit for a message: trimmed, at most about
 * 800 bytes (a longer text goes to the log whole).  The caller frees it. */
static char *tool_message(const char *tool, const buf *errout)
{
    const char *s = buf_cstr(errout);
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) n--;
    if (!n) return xstrdup("(no message)");
    log_debug("%s: %.*s", tool, (int)n, s);
    if (n > 800) {
        log_error("%s: %.*s", tool, (int)n, s);
        size_t cut = 800;
        while (cut && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--; /* not inside a UTF-8 character */
        return xasprintf("%.*s ...", (int)cut, s);
    }
    return xstrndup(s, n);
}

/* Runs tool with args after the program name (NULL-terminated): fills
 * *status with its exit status, out/errout as run_tool(). */
static int run_named(const char *tool, const char *const *args, const char *password, buf *out, buf *errout,
                     int *status, err *e)
{
    char *path = find_tool(tool);
    if (!path)
        return err_set(e, 500, "store.no_tool",
                       "找不到 %s：请安装 PostgreSQL 客户端（apt-get install postgresql-client）",
                       "%s was not found: install the PostgreSQL client (apt-get install postgresql-client)", tool);
    size_t n = 0;
    while (args[n]) n++;
    char **argv = xcalloc(n + 2, sizeof *argv);
    argv[0] = path;
    for (size_t i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
    log_debug("running %s", path);
    int rc = run_tool(argv, password, out, errout, e);
    free(argv);
    free(path);
    if (rc < 0) return -1;
    *status = rc;
    return 0;
}

/* ---- backup ---- */

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

/* Renames from to to unless to exists (then EEXIST). */
static int rename_noreplace(const char *from, const char *to)
{
#ifdef SYS_renameat2
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1U /* RENAME_NOREPLACE */) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
#endif
    /* a file system without renameat2: a hard link cannot replace either */
    if (link(from, to)) return -1;
    unlink(from);
    return 0;
}

int store_pg_backup(store *s, const char *dest, err *e)
{
    if (access(dest, F_OK) == 0)
        return err_set(e, 409, "backup.exists", "备份文件 %s 已存在", "The backup file %s already exists", dest);
    char *conninfo = NULL, *password = NULL;
    if (conninfo_of(store_url(s), &conninfo, &password, e)) return -1;
    char *tmp = xasprintf("%s.tmp-XXXXXX", dest);
    int fd = mkstemp(tmp); /* mode 0600: the archive holds password hashes and sessions */
    int rc = 0;
    if (fd < 0 || fchmod(fd, 0600)) {
        int en = errno;
        rc = err_set(e, 500, "backup.io", "无法创建备份文件 %s：%s", "Cannot create the backup file %s: %s", tmp,
                     strerror(en));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        goto out;
    }
    close(fd);
    /* one consistent snapshot: pg_dump reads everything in one REPEATABLE READ transaction,
     * without blocking writers */
    char *file_arg = xasprintf("--file=%s", tmp), *db_arg = xasprintf("--dbname=%s", conninfo);
    const char *args[] = {"--format=custom", "--no-owner", file_arg, db_arg, NULL};
    buf errout = BUF_INIT;
    int status = 0;
    rc = run_named("pg_dump", args, password, NULL, &errout, &status, e);
    if (!rc && status) {
        char *m = tool_message("pg_dump", &errout);
        rc = err_set(e, 500, "backup.failed", "备份失败（pg_dump 退出码 %d）：%s",
                     "Backup failed (pg_dump exit status %d): %s", status, m);
        free(m);
    }
    buf_free(&errout);
    free(file_arg);
    free(db_arg);
    if (!rc) {
        fd = open(tmp, O_RDONLY);
        if (fd < 0 || fsync(fd)) {
            int en = errno;
            rc = err_set(e, 500, "backup.io", "无法写入备份文件 %s：%s", "Cannot write the backup file %s: %s", tmp,
                         strerror(en));
        }
        if (fd >= 0) close(fd);
    }
    if (!rc && rename_noreplace(tmp, dest)) {
        int en = errno;
        rc = en == EEXIST
                 ? err_set(e, 409, "backup.exists", "备份文件 %s 已存在", "The backup file %s already exists", dest)
                 : err_set(e, 500, "backup.io", "无法写入备份文件 %s：%s", "Cannot write the backup file %s: %s", dest,
                           strerror(en));
    }
    if (rc) unlink(tmp);
    else
        sync_dir_of(dest);
out:
    free(tmp);
    free(conninfo);
    free(password);
    return rc;
}

/* ---- archives ---- */

int store_pg_archive_read(const char *src, const char *table, char **toc, char **data, err *e)
{
    *toc = NULL;
    if (data) *data = NULL;
    char *file_arg = xasprintf("%s", src);
    const char *list_args[] = {"--list", file_arg, NULL};
    buf out = BUF_INIT, errout = BUF_INIT;
    int status = 0;
    int rc = run_named("pg_restore", list_args, NULL, &out, &errout, &status, e);
    if (!rc && status) {
        char *m = tool_message("pg_restore", &errout);
        rc = err_set(e, 422, "restore.not_archive", "pg_restore 无法读取 %s：%s", "pg_restore cannot read %s: %s", src,
                     m);
        free(m);
    }
    if (!rc) *toc = out.s ? buf_detach(&out) : xstrdup("");
    if (!rc && table && data) {
        buf_reset(&out);
        buf_reset(&errout);
        char *table_arg = xasprintf("--table=%s", table);
        const char *data_args[] = {"--data-only", table_arg, "--file=-", file_arg, NULL};
        rc = run_named("pg_restore", data_args, NULL, &out, &errout, &status, e);
        if (!rc && status) {
            char *m = tool_message("pg_restore", &errout);
            rc = err_set(e, 422, "restore.not_archive", "pg_restore 无法读取 %s：%s", "pg_restore cannot read %s: %s",
                         src, m);
            free(m);
        }
        if (!rc) *data = out.s ? buf_detach(&out) : xstrdup("");
        free(table_arg);
        if (rc) {
            free(*toc);
            *toc = NULL;
        }
    }
    buf_free(&out);
    buf_free(&errout);
    free(file_arg);
    return rc;
}

/* The names of the tables (TOC entries "TABLE schema name owner") in the
 * table of contents toc, as a list of heap strings ended by NULL. */
static char **toc_tables(const char *toc)
{
    size_t n = 0, cap = 16;
    char **v = xcalloc(cap + 1, sizeof *v);
    for (const char *line = toc; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *l = xstrndup(line, len);
        const char *t = *l == ';' ? NULL : strstr(l, " TABLE ");
        if (t) {
            char schema[128], name[128];
            if (sscanf(t + 7, "%127s %127s", schema, name) == 2) {
                if (n == cap) {
                    cap *= 2;
                    v = xrealloc(v, (cap + 1) * sizeof *v);
                }
                v[n++] = xstrdup(name);
                v[n] = NULL;
            }
        }
        free(l);
        line = end ? end + 1 : NULL;
    }
    return v;
}

static void free_list(char **v)
{
    for (size_t i = 0; v && v[i]; i++) free(v[i]);
    free(v);
}

/* ---- restore ---- */

/* Runs one query on conn with one text parameter (may be NULL = none);
 * NULL with e filled on failure. */
static PGresult *query(PGconn *conn, const char *sql, const char *param, err *e)
{
    const char *vals[1] = {param};
    PGresult *r = PQexecParams(conn, sql, param ? 1 : 0, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(r);
        log_error("postgresql: %s", m);
        err_set(e, 500, "store.error", "数据库错误：%s", "Database error: %s", m);
        PQclear(r);
        return NULL;
    }
    return r;
}

int store_pg_replace(const char *url, const char *src, err *e)
{
    char *conninfo = NULL, *password = NULL, *toc = NULL, **archived = NULL;
    PGconn *conn = NULL;
    PGresult *r = NULL;
    buf extra = BUF_INIT;
    int rc = conninfo_of(url, &conninfo, &password, e);
    if (rc) return -1;
    conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) {
        char *m = xstrdup(PQerrorMessage(conn));
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) m[--n] = '\0';
        rc = err_set(e, 503, "store.open",
                     "无法连接要恢复的 PostgreSQL 数据库：%s（数据库须先存在：createdb -E UTF8 名称）",
                     "Cannot connect to the PostgreSQL database to restore into: %s (it must exist: createdb -E "
                     "UTF8 NAME)",
                     m);
        free(m);
        goto out;
    }
    /* 1. nobody else connected: a running server keeps its connections open */
    r = query(conn,
              "SELECT COUNT(*), string_agg(DISTINCT COALESCE(NULLIF(application_name, ''), 'pid ' || pid), ', ')"
              " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
              " AND backend_type = 'client backend'",
              NULL, e);
    if (!r) {
        rc = -1;
        goto out;
    }
    long long others = atoll(PQgetvalue(r, 0, 0));
    if (others > 0) {
        const char *who = PQgetisnull(r, 0, 1) ? "" : PQgetvalue(r, 0, 1);
        rc = err_set(e, 409, "store.in_use",
                     "数据库 %s 正被其他 %lld 个会话使用（%s；服务是否在运行？）：请先停止服务，再恢复",
                     "The database %s is in use by %lld other sessions (%s; is the server running?): stop the server, "
                     "then restore",
                     PQdb(conn), others, who);
        goto out;
    }
    PQclear(r);
    r = NULL;
    /* 2. no table the archive does not have: --clean replaces the archive's objects only, and a
     * table left over (from a newer schema, or made by hand) would stay beside the restored ones */
    if (store_pg_archive_read(src, NULL, &toc, NULL, e)) {
        rc = -1;
        goto out;
    }
    archived = toc_tables(toc);
    r = query(conn,
              "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
              " AND table_type = 'BASE TABLE' ORDER BY table_name",
              NULL, e);
    if (!r) {
        rc = -1;
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        const char *t = PQgetvalue(r, i, 0);
        int found = 0;
        for (size_t k = 0; archived[k] && !found; k++) found = !strcmp(archived[k], t);
        if (!found) buf_printf(&extra, "%s%s", extra.len ? ", " : "", t);
    }
    if (extra.len) {
        rc = err_set(e, 409, "restore.extra_tables",
                     "数据库 %s 中有备份里没有的表（%s；较新版本建的表，或手工建的表）：请恢复到新建的空数据库"
                     "（createdb -E UTF8 名称），或先删除这些表",
                     "The database %s has tables the backup does not have (%s: made by a newer version, or by hand): "
                     "restore into a new, empty database (createdb -E UTF8 NAME), or drop them first",
                     PQdb(conn), extra.s);
        goto out;
    }
    PQclear(r);
    r = NULL;
    PQfinish(conn); /* our own session must not be open while pg_restore drops the tables */
    conn = NULL;
    /* 3. pg_restore: every object of the archive dropped (when present) and made again, in one
     * transaction: on any error nothing of it stays */
    {
        char *db_arg = xasprintf("--dbname=%s", conninfo), *file_arg = xasprintf("%s", src);
        const char *args[] = {"--single-transaction", "--clean", "--if-exists", "--no-owner",
                              "--exit-on-error",      db_arg,    file_arg,      NULL};
        buf errout = BUF_INIT;
        int status = 0;
        rc = run_named("pg_restore", args, password, NULL, &errout, &status, e);
        if (!rc && status) {
            char *m = tool_message("pg_restore", &errout);
            rc = err_set(e, 500, "restore.failed", "pg_restore 失败（退出码 %d），数据库未改变：%s",
                         "pg_restore failed (exit status %d); the database is unchanged: %s", status, m);
            free(m);
        }
        buf_free(&errout);
        free(db_arg);
        free(file_arg);
    }
out:
    buf_free(&extra);
    if (r) PQclear(r);
    if (conn) PQfinish(conn);
    free_list(archived);
    free(toc);
    free(conninfo);
    free(password);
    return rc;
}
