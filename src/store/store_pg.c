/*
 * store_pg.c - the PostgreSQL backend of the storage interface (libpq).
 *
 * One store is one libpq connection.  SQL arrives in the neutral dialect of
 * store.h: `?` and `?NNN` placeholders are rewritten to $n outside string
 * literals, quoted identifiers and comments.  Statements are prepared on the
 * server once per connection (named "s1", "s2"...) at their first execution,
 * with parameter types taken from that first execution's bindings: integers
 * as int8, doubles as float8, text and NULL left for the server to infer
 * from context; where it cannot (`? IS NULL` alone) they are declared text.
 * Parameters and results travel as text.  A result is read whole into
 * memory (PGresult) unless the caller asked for streaming with
 * store_stream(), which reads it through a cursor in batches of 20,000 rows
 * (outside a transaction the cursor gets a read-only transaction of its
 * own, ended by store_done()).
 *
 * Transactions give the guarantees SQLite's BEGIN IMMEDIATE gives: every
 * write transaction takes one transaction-scoped advisory lock first, so
 * write transactions are serialised exactly as on SQLite (read-modify-write
 * code written for SQLite stays correct under READ COMMITTED) while readers
 * never wait.  Lock waits end after lock_timeout (10 s) with 503 store.busy,
 * as SQLite's busy handler does.  A lost connection is reset; a statement
 * outside a transaction is retried once on the new connection, one inside a
 * transaction fails with 503 store.unavailable and the transaction is gone
 * (nothing of it was committed).
 */
#include "store_int.h"

#include "../base/buf.h"
#include "../base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#define CACHE_BUCKETS 256
#define CACHE_MAX 512
#define STREAM_BATCH 20000

/* The advisory lock key every write transaction takes ("ipc" + 1). */
#define PG_WRITE_LOCK "7368801"

/* Type OIDs (pg_type.h is server-side). */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_TEXT 25
#define OID_FLOAT8 701

typedef struct pg_stmt {
    struct store_stmt base;
    char *sql;   /* the text as given (cache key) */
    char *pgsql; /* with $n placeholders */
    int nparams;
    int prepared; /* on the server under name, for the current connection */
    unsigned long conn_gen;
    char name[24];
    char **vals; /* nparams bound values (owned), NULL = SQL NULL */
    Oid *types;  /* what each binding was: OID_INT8, OID_FLOAT8 or 0 */
    PGresult *res;
    int row, nrows;
    int stream;   /* read through a cursor (store_stream) */
    int cursor;   /* a cursor is open for this statement */
    int finished; /* the cursor has returned its last batch */
    int64_t changes;
    int in_use;
    struct pg_stmt *next; /* hash chain */
} pg_stmt;

typedef struct pgs {
    struct store base;
    PGconn *conn;
    pg_stmt *cache[CACHE_BUCKETS];
    int ncached;
    unsigned long nnames;   /* statement names handed out */
    unsigned long conn_gen; /* +1 at every reconnect: prepared statements are gone */
    int ncursors;
    pg_stmt *stream_tx; /* the streaming statement that opened a read-only transaction for its cursor */
} pgs;

#define PST(x) ((pg_stmt *)(x))

static unsigned hash_sql(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % CACHE_BUCKETS;
}

/* ---- errors ---- */

/* The field a unique constraint named `cons` on `table` protects: our
 * indexes are ux_<table>_<field>, PostgreSQL's own <table>_<field>_key and
 * <table>_pkey.  The caller frees the result (NULL when unknown). */
static char *unique_field(const char *table, const char *cons)
{
    if (!cons) return NULL;
    size_t tl = table ? strlen(table) : 0;
    const char *f = cons;
    if (!strncmp(f, "ux_", 3)) f += 3;
    if (tl && !strncmp(f, table, tl) && f[tl] == '_') f += tl + 1;
    size_t n = strlen(f);
    if (n > 4 && !strcmp(f + n - 4, "_key")) n -= 4;
    if (!strcmp(f, "pkey")) return xstrdup("id");
    return n ? xstrndup(f, n) : NULL;
}

/* The last column named in a unique violation's detail, "Key (a, b)=(...)
 * already exists." (the server's English; NULL when the detail has another
 * form).  The caller frees. */
static char *detail_field(const char *detail)
{
    const char *k = detail ? strstr(detail, "Key (") : NULL;
    const char *end = k ? strstr(k, ")=(") : NULL;
    if (!end) return NULL;
    const char *start = k + 5;
    for (const char *c = start; c < end; c++)
        if (*c == ',' && c[1] == ' ') start = c + 2;
    if (*start == '"' || end == start) return NULL; /* an expression or quoted name: not a plain column */
    return xstrndup(start, (size_t)(end - start));
}

/* See store_int.h: the error of a failed result on conn. */
int store_pg_result_error(void *connp, const void *resp, const char *what, err *e)
{
    PGconn *conn = connp;
    const PGresult *res = resp;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) msg = PQerrorMessage(conn);
    if (!state || PQstatus(conn) != CONNECTION_OK || !strncmp(state, "08", 2) || !strncmp(state, "57P", 3)) {
        log_error("postgresql connection%s%s: %s", what ? " during " : "", what ? what : "", msg);
        return err_set(e, 503, "store.unavailable", "数据库连接中断，请稍后重试",
                       "The connection to the database was lost; try again");
    }
    if (!strcmp(state, "23505")) {
        char *field = detail_field(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
        if (!field)
            field = unique_field(PQresultErrorField(res, PG_DIAG_TABLE_NAME),
                                 PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));
        err_set(e, 409, "conflict.unique", "该值已存在，不能重复%s%s", "The value already exists%s%s",
                field ? ": " : "", field ? field : "");
        err_at(e, NULL, 0, 0, field);
        free(field);
        return -1;
    }
    if (!strcmp(state, "23503"))
        return err_set(e, 409, "conflict.reference", "引用的记录不存在或仍被引用",
                       "A referenced record does not exist or is still referenced");
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") || !strcmp(state, "57014"))
        return err_set(e, 503, "store.busy", "数据库繁忙，请稍后重试", "The database is busy; try again");
    if (!strncmp(state, "23", 2) || !strcmp(state, "P0001"))
        return err_set(e, 422, "validation.constraint", "数据不满足约束：%s", "Constraint failed: %s", msg);
    if (!strcmp(state, "53100")) return err_set(e, 507, "store.full", "数据库磁盘已满", "The database disk is full");
    log_error("postgresql error %s%s%s: %s", state, what ? " in " : "", what ? what : "", msg);
    return err_set(e, 500, "store.error", "数据库错误", "Database error");
}

/* Fills e from a failed result (res may be NULL: connection trouble). */
static int pg_error(pgs *p, const PGresult *res, err *e) { return store_pg_result_error(p->conn, res, NULL, e); }

/* After a failure: when the connection is gone, reconnects (prepared
 * statements and cursors are lost with it).  Returns 1 if it reconnected. */
static int pg_check_conn(pgs *p)
{
    if (PQstatus(p->conn) == CONNECTION_OK) return 0;
    PQreset(p->conn);
    p->conn_gen++;
    p->ncursors = 0;
    p->stream_tx = NULL;
    if (PQstatus(p->conn) != CONNECTION_OK) return 0;
    PQclear(PQexec(p->conn, "SET lock_timeout = '10s'"));
    return 1;
}

/* ---- placeholders ---- */

/* Rewrites ? and ?NNN to $n outside literals, identifiers and comments.
 * *nparams gets the highest parameter number.  The caller frees. */
static char *rewrite_params(const char *sql, int *nparams)
{
    buf b = BUF_INIT;
    int next = 0, max = 0;
    for (const char *s = sql; *s;) {
        char c = *s;
        if (c == '\'' || c == '"') {
            const char *q = s + 1;
            while (*q && !(*q == c && q[1] != c)) q += (*q == c) ? 2 : 1;
            if (*q) q++;
            buf_add(&b, s, (size_t)(q - s));
            s = q;
        } else if (c == '-' && s[1] == '-') {
            const char *q = strchr(s, '\n');
            if (!q) q = s + strlen(s);
            buf_add(&b, s, (size_t)(q - s));
            s = q;
        } else if (c == '/' && s[1] == '*') {
            const char *q = strstr(s + 2, "*/");
            q = q ? q + 2 : s + strlen(s);
            buf_add(&b, s, (size_t)(q - s));
            s = q;
        } else if (c == '?') {
            s++;
            int n;
            if (*s >= '0' && *s <= '9') {
                n = 0;
                while (*s >= '0' && *s <= '9' && n < 100000) n = n * 10 + (*s++ - '0');
            } else
                n = ++next;
            if (n > max) max = n;
            if (n > next) next = n;
            buf_printf(&b, "$%d", n);
        } else {
            buf_add(&b, s, 1);
            s++;
        }
    }
    *nparams = max;
    return buf_detach(&b);
}

/* ---- statement cache ---- */

static void stmt_reset(pg_stmt *c)
{
    pgs *p = (pgs *)c->base.s;
    if (c->res) PQclear(c->res);
    c->res = NULL;
    c->row = c->nrows = 0;
    if (c->cursor) {
        char *q = xasprintf("CLOSE c_%s", c->name);
        if (PQstatus(p->conn) == CONNECTION_OK && c->conn_gen == p->conn_gen) PQclear(PQexec(p->conn, q));
        free(q);
        c->cursor = 0;
        p->ncursors--;
    }
    if (p->stream_tx == c) {
        /* the read-only transaction this statement's cursor needed */
        if (PQstatus(p->conn) == CONNECTION_OK && c->conn_gen == p->conn_gen) PQclear(PQexec(p->conn, "COMMIT"));
        p->stream_tx = NULL;
    }
    c->finished = 0;
    c->stream = 0;
}

static void stmt_unbind(pg_stmt *c)
{
    for (int i = 0; i < c->nparams; i++) {
        free(c->vals[i]);
        c->vals[i] = NULL;
        c->types[i] = 0;
    }
}

static void stmt_free(pg_stmt *c)
{
    stmt_reset(c);
    stmt_unbind(c);
    free(c->vals);
    free(c->types);
    free(c->sql);
    free(c->pgsql);
    free(c);
}

/* Forgets cached statements nobody holds (their server-side statements
 * are deallocated).  Keeps the cache bounded. */
static void cache_evict(pgs *p)
{
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        pg_stmt **pp = &p->cache[i];
        while (*pp) {
            pg_stmt *c = *pp;
            if (!c->in_use) {
                *pp = c->next;
                if (c->prepared && c->conn_gen == p->conn_gen) {
                    char *q = xasprintf("DEALLOCATE %s", c->name);
                    PQclear(PQexec(p->conn, q));
                    free(q);
                }
                stmt_free(c);
                p->ncached--;
            } else
                pp = &c->next;
        }
    }
}

static void pg_close(store *s)
{
    pgs *p = (pgs *)s;
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        pg_stmt *c = p->cache[i];
        while (c) {
            pg_stmt *n = c->next;
            stmt_free(c);
            c = n;
        }
    }
    store_cache_free(s);
    PQfinish(p->conn);
    free(p->base.url);
    free(p);
}

static int pg_exec(store *s, const char *sql, err *e)
{
    pgs *p = (pgs *)s;
    for (int attempt = 0;; attempt++) {
        PGresult *r = PQexec(p->conn, sql);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
            PQclear(r);
            return 0;
        }
        if (attempt == 0 && !s->in_tx && PQstatus(p->conn) != CONNECTION_OK && pg_check_conn(p)) {
            PQclear(r);
            continue;
        }
        pg_error(p, r, e);
        PQclear(r);
        pg_check_conn(p);
        return -1;
    }
}

static void bind_val(store_stmt *st, int i, char *v, Oid type)
{
    pg_stmt *c = PST(st);
    if (i < 1 || i > c->nparams) {
        free(v);
        return;
    }
    free(c->vals[i - 1]);
    c->vals[i - 1] = v;
    c->types[i - 1] = type;
}

static void pg_bind_text(store_stmt *st, int i, const char *v) { bind_val(st, i, v ? xstrdup(v) : NULL, 0); }
static void pg_bind_int(store_stmt *st, int i, int64_t v)
{
    bind_val(st, i, xasprintf("%lld", (long long)v), OID_INT8);
}
static void pg_bind_double(store_stmt *st, int i, double v) { bind_val(st, i, xasprintf("%.17g", v), OID_FLOAT8); }
static void pg_bind_null(store_stmt *st, int i) { bind_val(st, i, NULL, 0); }

/* Runs one server command inside a savepoint when a transaction is open,
 * so that its failure does not abort the transaction. */
static PGresult *guarded_prepare(pgs *p, pg_stmt *c, const Oid *types)
{
    int sp = p->base.in_tx;
    if (sp) PQclear(PQexec(p->conn, "SAVEPOINT ipc_prep"));
    PGresult *r = PQprepare(p->conn, c->name, c->pgsql, c->nparams, types);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (sp) PQclear(PQexec(p->conn, ok ? "RELEASE SAVEPOINT ipc_prep" : "ROLLBACK TO SAVEPOINT ipc_prep"));
    return r;
}

/* Prepares c on the server with types from its current bindings. */
static int stmt_server_prepare(pgs *p, pg_stmt *c, err *e)
{
    Oid *types = xcalloc((size_t)c->nparams + 1, sizeof *types);
    for (int i = 0; i < c->nparams; i++) types[i] = c->types[i];
    PGresult *r = guarded_prepare(p, c, types);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && state && !strcmp(state, "42P18")) {
        /* a parameter whose type nothing in the statement tells: text */
        PQclear(r);
        for (int i = 0; i < c->nparams; i++)
            if (!types[i]) types[i] = OID_TEXT;
        r = guarded_prepare(p, c, types);
        state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK && state && (!strcmp(state, "42883") || !strcmp(state, "42804"))) {
        /* an integer bound where text is compared: let the server infer all */
        PQclear(r);
        memset(types, 0, sizeof *types * (size_t)c->nparams);
        r = guarded_prepare(p, c, types);
    }
    free(types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        log_error("postgresql prepare failed for: %s", c->pgsql);
        pg_error(p, r, e);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    c->prepared = 1;
    c->conn_gen = p->conn_gen;
    return 0;
}

/* See store_prepare(): the cached statement, or a new one prepared on the
 * server at once with every parameter type left to the server's inference,
 * so that a statement that does not compile fails here, as on SQLite.
 * Where the server cannot infer a parameter's type (42P18: `? IS NULL`
 * alone) the statement is prepared at its first execution instead, with
 * the types of that execution's bindings (stmt_server_prepare()). */
static store_stmt *pg_prepare(store *s, const char *sql, err *e)
{
    pgs *p = (pgs *)s;
    unsigned h = hash_sql(sql);
    for (pg_stmt *c = p->cache[h]; c; c = c->next)
        if (!strcmp(c->sql, sql)) {
            stmt_reset(c);
            stmt_unbind(c);
            c->in_use = 1;
            return &c->base;
        }
    if (p->ncached >= CACHE_MAX) cache_evict(p);
    pg_stmt *c = xcalloc(1, sizeof *c);
    c->base.s = s;
    c->sql = xstrdup(sql);
    c->pgsql = rewrite_params(sql, &c->nparams);
    c->vals = xcalloc((size_t)c->nparams + 1, sizeof *c->vals);
    c->types = xcalloc((size_t)c->nparams + 1, sizeof *c->types);
    snprintf(c->name, sizeof c->name, "s%lu", ++p->nnames);
    for (int attempt = 0;; attempt++) {
        PGresult *r = guarded_prepare(p, c, c->types);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            c->prepared = 1;
            c->conn_gen = p->conn_gen;
        } else {
            const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            if (!(state && !strcmp(state, "42P18"))) {
                if (attempt == 0 && !s->in_tx && PQstatus(p->conn) != CONNECTION_OK && pg_check_conn(p)) {
                    PQclear(r);
                    continue;
                }
                log_error("postgresql prepare failed for: %s", c->pgsql);
                pg_error(p, r, e);
                PQclear(r);
                pg_check_conn(p);
                stmt_free(c);
                return NULL;
            }
        }
        PQclear(r);
        break;
    }
    c->next = p->cache[h];
    c->in_use = 1;
    p->cache[h] = c;
    p->ncached++;
    return &c->base;
}

/* After a failed execution or fetch of c (result r, which this frees):
 * fills e, forgets c's cursor and ends the read-only transaction it may have
 * opened, reconnects if the session is gone.  Returns -1. */
static int stmt_fail(pgs *p, pg_stmt *c, PGresult *r, err *e)
{
    pg_error(p, r, e);
    PQclear(r);
    if (c->cursor) {
        c->cursor = 0;
        p->ncursors--;
    }
    if (p->stream_tx == c) {
        PQclear(PQexec(p->conn, "ROLLBACK"));
        p->stream_tx = NULL;
    }
    pg_check_conn(p);
    return -1;
}

/* Executes c; fills c->res.  Returns 0 or -1. */
static int stmt_execute(pgs *p, pg_stmt *c, err *e)
{
    for (int attempt = 0;; attempt++) {
        if ((!c->prepared || c->conn_gen != p->conn_gen) && stmt_server_prepare(p, c, e)) {
            if (attempt == 0 && !p->base.in_tx && pg_check_conn(p)) {
                err_clear(e);
                continue;
            }
            return -1;
        }
        PGresult *r;
        if (c->stream && !p->base.in_tx && !p->stream_tx) {
            /* a cursor lives in a transaction: a read-only one, ended by store_done() */
            PGresult *b = PQexec(p->conn, "BEGIN READ ONLY");
            if (PQresultStatus(b) == PGRES_COMMAND_OK) p->stream_tx = c;
            PQclear(b);
        }
        if (c->stream && (p->base.in_tx || p->stream_tx == c)) {
            /* a cursor over the statement; rows come in batches */
            buf q = BUF_INIT;
            buf_printf(&q, "DECLARE c_%s NO SCROLL CURSOR FOR %s", c->name, c->pgsql);
            r = PQexecParams(p->conn, q.s, c->nparams, c->types, (const char *const *)c->vals, NULL, NULL, 0);
            buf_free(&q);
            if (PQresultStatus(r) == PGRES_COMMAND_OK) {
                PQclear(r);
                c->cursor = 1;
                p->ncursors++;
                char *f = xasprintf("FETCH %d FROM c_%s", STREAM_BATCH, c->name);
                r = PQexec(p->conn, f);
                free(f);
            }
        } else
            r = PQexecPrepared(p->conn, c->name, c->nparams, (const char *const *)c->vals, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            c->res = r;
            c->nrows = st == PGRES_TUPLES_OK ? PQntuples(r) : 0;
            c->row = -1;
            if (c->cursor && c->nrows < STREAM_BATCH) c->finished = 1;
            const char *ct = PQcmdTuples(r);
            c->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
            return 0;
        }
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && !strcmp(state, "26000")) {
            /* prepared statement vanished (DISCARD ALL by someone): prepare again */
            PQclear(r);
            c->prepared = 0;
            if (attempt == 0) continue;
        }
        if (attempt == 0 && !p->base.in_tx && PQstatus(p->conn) != CONNECTION_OK && pg_check_conn(p)) {
            PQclear(r);
            c->cursor = 0;
            continue;
        }
        return stmt_fail(p, c, r, e);
    }
}

static int pg_step(store_stmt *st, err *e)
{
    pgs *p = (pgs *)st->s;
    pg_stmt *c = PST(st);
    if (!c->res) {
        if (stmt_execute(p, c, e)) return -1;
    }
    if (++c->row < c->nrows) return 1;
    if (c->stream && c->cursor && !c->finished) {
        PQclear(c->res);
        c->res = NULL;
        char *f = xasprintf("FETCH %d FROM c_%s", STREAM_BATCH, c->name);
        PGresult *r = PQexec(p->conn, f);
        free(f);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) return stmt_fail(p, c, r, e);
        c->res = r;
        c->nrows = PQntuples(r);
        c->row = 0;
        if (c->nrows < STREAM_BATCH) c->finished = 1;
        return c->nrows > 0 ? 1 : 0;
    }
    c->row = c->nrows; /* stays done */
    return 0;
}

static void pg_done(store_stmt *st)
{
    pg_stmt *c = PST(st);
    stmt_reset(c);
    stmt_unbind(c);
    c->in_use = 0;
}

static int pg_ncols(store_stmt *st) { return PST(st)->res ? PQnfields(PST(st)->res) : 0; }
static const char *pg_col_name(store_stmt *st, int i) { return PST(st)->res ? PQfname(PST(st)->res, i) : NULL; }

static int valid_cell(pg_stmt *c, int i)
{
    return c->res && c->row >= 0 && c->row < c->nrows && i >= 0 && i < PQnfields(c->res);
}

static int pg_col_isnull(store_stmt *st, int i)
{
    pg_stmt *c = PST(st);
    return !valid_cell(c, i) || PQgetisnull(c->res, c->row, i);
}

static const char *pg_col_text(store_stmt *st, int i)
{
    pg_stmt *c = PST(st);
    if (!valid_cell(c, i) || PQgetisnull(c->res, c->row, i)) return NULL;
    return PQgetvalue(c->res, c->row, i);
}

static int64_t pg_col_int(store_stmt *st, int i)
{
    pg_stmt *c = PST(st);
    const char *v = pg_col_text(st, i);
    if (!v) return 0;
    if (PQftype(c->res, i) == OID_BOOL) return *v == 't';
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E') return (int64_t)strtod(v, NULL);
    return n;
}

static double pg_col_double(store_stmt *st, int i)
{
    pg_stmt *c = PST(st);
    const char *v = pg_col_text(st, i);
    if (!v) return 0;
    if (PQftype(c->res, i) == OID_BOOL) return *v == 't';
    return strtod(v, NULL);
}

static int64_t pg_changes(store_stmt *st) { return PST(st)->changes; }

static const char *pg_sql_type(store_type t)
{
    switch (t) {
    case STORE_T_PK: return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    case STORE_T_INT: return "BIGINT";
    case STORE_T_REAL: return "DOUBLE PRECISION";
    case STORE_T_BOOL: return "BIGINT";
    case STORE_T_TEXT: return "TEXT";
    }
    return "TEXT";
}

static const store_ops pg_ops = {
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .done = pg_done,
    .ncols = pg_ncols,
    .col_name = pg_col_name,
    .col_isnull = pg_col_isnull,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .changes = pg_changes,
    .sql_type = pg_sql_type,
    .backup = store_pg_backup,
    .ilike = "ILIKE",
    .begin_sql = "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")",
    .for_update = " FOR UPDATE",
};

void store_pg_stream(store_stmt *st) { PST(st)->stream = 1; }

void *store_pg_conn_of(store *s) { return ((pgs *)s)->conn; }

/* A notice from the server (e.g. "relation already exists, skipping"):
 * debug level only. */
static void pg_notice(void *arg, const char *msg)
{
    (void)arg;
    log_debug("postgresql: %s", msg);
}

int store_pg_open(const char *url, store **out, err *e)
{
    *out = NULL;
    PGconn *conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) {
        char *msg = xstrdup(PQerrorMessage(conn));
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
        err_set(e, 503, "store.open", "无法连接 PostgreSQL 数据库：%s", "Cannot connect to the PostgreSQL database: %s",
                msg, msg);
        free(msg);
        PQfinish(conn);
        return -1;
    }
    if (PQserverVersion(conn) < 130000) {
        err_set(e, 500, "store.version", "PostgreSQL 版本过低（需要 13 或更高，当前 %d）",
                "PostgreSQL is too old (13 or newer is needed, this is %d)", PQserverVersion(conn) / 10000,
                PQserverVersion(conn) / 10000);
        PQfinish(conn);
        return -1;
    }
    const char *enc = PQparameterStatus(conn, "server_encoding");
    if (!enc || strcmp(enc, "UTF8")) {
        err_set(e, 500, "store.encoding",
                "PostgreSQL 数据库的编码是 %s，ipcity 需要 UTF8：请用 CREATE DATABASE 名称 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0 重新创建（见 docs/deployment.md）",
                "The PostgreSQL database's encoding is %s; ipcity needs UTF8: create it with CREATE DATABASE name "
                "ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0 (see docs/deployment.md)",
                enc ? enc : "?", enc ? enc : "?");
        PQfinish(conn);
        return -1;
    }
    PQsetNoticeProcessor(conn, pg_notice, NULL);
    PGresult *r = PQexec(conn, "SET client_encoding = 'UTF8'; SET lock_timeout = '10s';"
                               " SET standard_conforming_strings = on; SET application_name = 'ipcity'");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        err_set(e, 500, "store.open", "无法设置 PostgreSQL 会话：%s", "Cannot set up the PostgreSQL session: %s",
                PQerrorMessage(conn), PQerrorMessage(conn));
        PQfinish(conn);
        return -1;
    }
    /* ORDER BY on text follows the database's collation: byte order (C, C.UTF-8) is what SQLite does */
    r = PQexec(conn, "SELECT datcollate FROM pg_database WHERE datname = current_database()");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        const char *coll = PQgetvalue(r, 0, 0);
        static int warned;
        if (strcmp(coll, "C") && strcmp(coll, "POSIX") && strncasecmp(coll, "C.UTF", 5) && !warned++)
            log_warn("the PostgreSQL database's collation is %s: text sorts differently from SQLite (byte order); "
                     "create it with LC_COLLATE 'C.UTF-8' for the same order (docs/deployment.md)",
                     coll);
    }
    PQclear(r);
    pgs *p = xcalloc(1, sizeof *p);
    p->base.ops = &pg_ops;
    p->base.kind = STORE_PG;
    p->base.url = xstrdup(url);
    p->conn = conn;
    *out = &p->base;
    return 0;
}

/* See store_create(). */
int store_pg_create(const char *url, err *e)
{
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    const char *dbname = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (!strcmp(o->keyword, "dbname") && o->val && *o->val) dbname = o->val;
    if (!opts || !dbname || !strcmp(dbname, "postgres")) {
        PQconninfoFree(opts);
        return 0; /* nothing to create, or unparsable: store_open() says what is wrong */
    }
    const char *const kw[] = {"dbname", "dbname", NULL};
    const char *const vals[] = {url, "postgres", NULL};
    PGconn *conn = PQconnectdbParams(kw, vals, 1);
    int rc = 0;
    if (PQstatus(conn) != CONNECTION_OK) goto done; /* store_open() reports the connection problem */
    const char *pv[1] = {dbname};
    PGresult *r = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, pv, NULL, NULL, 0);
    int exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    PQclear(r);
    if (exists) goto done;
    char *ident = PQescapeIdentifier(conn, dbname, strlen(dbname));
    if (!ident) goto done;
    static const char *const locales[] = {"C.UTF-8", "C"};
    for (size_t i = 0; i < 2; i++) {
        char *q = xasprintf("CREATE DATABASE %s ENCODING 'UTF8' LC_COLLATE '%s' LC_CTYPE '%s' TEMPLATE template0",
                            ident, locales[i], locales[i]);
        r = PQexec(conn, q);
        free(q);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (ok) log_info("created the PostgreSQL database %s (UTF8, %s)", dbname, locales[i]);
        else if (i == 1) {
            const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            rc = err_set(e, 500, "store.create", "无法创建 PostgreSQL 数据库 %s：%s",
                         "Cannot create the PostgreSQL database %s: %s", dbname, msg ? msg : "?", dbname,
                         msg ? msg : "?");
        }
        PQclear(r);
        if (ok) break;
    }
    PQfreemem(ident);
done:
    PQfinish(conn);
    PQconninfoFree(opts);
    return rc;
}
