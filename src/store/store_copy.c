/*
 * store_copy.c - bulk loading and explicit ids; see store.h (store_copy_*,
 * store_next_id).
 *
 * PostgreSQL: rows are kept in memory in COPY's text format (tab between
 * columns, \N for NULL, backslash escapes for \ newline CR tab) and sent by
 * store_copy_flush() as one `COPY table (cols) FROM STDIN` on the store's
 * libpq connection, inside its open transaction.  A COPY occupies the
 * connection until it ends, so a batch is sent whole, begin to end, between
 * the store's ordinary statements: any number of writers may be open at
 * once, interleaved with queries.  SQLite: every row is written at once by a
 * cached prepared INSERT; flushing has nothing to do.
 *
 * Ids: COPY returns none, so callers that need the id of a new row (for its
 * side rows) take it from store_next_id() and write it explicitly.
 * PostgreSQL reserves ids in blocks by moving the identity sequence of the
 * table past them (write transactions are serialised by the advisory lock
 * store_begin() takes, and the sequence protects against any insert that
 * lets the database pick the id); SQLite hands out MAX(id) + 1.
 */
#include "store_int.h"

#include "../base/buf.h"
#include "../base/log.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL: the largest piece handed to PQputCopyData at once. */
#define COPY_CHUNK (1u << 20)
/* PostgreSQL: a writer that has added at least this many rows, and at
 * least as many as the planner statistics of its table count, refreshes
 * them (see refresh_stats()). */
#define COPY_ANALYZE_MIN 1000
/* PostgreSQL: ids reserved per round trip, growing from the first to the
 * last value as a transaction keeps asking (a small import burns few). */
#define ID_BLOCK_FIRST 16
#define ID_BLOCK_MAX 4096

struct store_copy {
    store *s;
    int ncols;
    char *sql;          /* SQLite: the INSERT; PostgreSQL: the COPY command */
    buf data;           /* PostgreSQL: rows not yet sent, COPY text format */
    int64_t nbuf;       /* rows in data */
    int64_t nrows;      /* rows accepted so far */
    char *table, *col0; /* the table, its first column given */
    int64_t stats_rows; /* PostgreSQL: rows the table's statistics know of; -1 = not asked yet */
    int64_t grown;      /* PostgreSQL: rows written since they were last refreshed */
};

/* True when s is a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*), so that it
 * can be spelled into SQL as is. */
static int ident_ok(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static int bad_ident(err *e, const char *what)
{
    return err_set(e, 500, "store.identifier", "内部错误：无效的表名或列名“%s”",
                   "Internal error: invalid table or column name \"%s\"", what ? what : "");
}

int store_copy_begin(store *s, const char *table, const char *const cols[], int ncols, store_copy **out, err *e)
{
    *out = NULL;
    if (!s->in_tx)
        return err_set(e, 500, "store.no_tx", "内部错误：批量写入必须在事务中进行",
                       "Internal error: bulk writes must run inside a transaction");
    if (!ident_ok(table)) return bad_ident(e, table);
    if (ncols < 1) return bad_ident(e, "");
    for (int i = 0; i < ncols; i++)
        if (!ident_ok(cols[i])) return bad_ident(e, cols[i]);
    buf q = BUF_INIT;
    if (s->kind == STORE_PG) buf_printf(&q, "COPY %s (", table);
    else
        buf_printf(&q, "INSERT INTO %s (", table);
    for (int i = 0; i < ncols; i++) buf_printf(&q, "%s%s", i ? ", " : "", cols[i]);
    if (s->kind == STORE_PG) buf_puts(&q, ") FROM STDIN");
    else {
        buf_puts(&q, ") VALUES (");
        for (int i = 0; i < ncols; i++) buf_puts(&q, i ? ", ?" : "?");
        buf_putc(&q, ')');
    }
    store_copy *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->ncols = ncols;
    c->sql = buf_detach(&q);
    c->table = xstrdup(table);
    c->col0 = xstrdup(cols[0]);
    c->stats_rows = -1;
    *out = c;
    return 0;
}

/* Appends v to b in COPY text format: NULL as \N, and backslash, newline,
 * carriage return and tab escaped (the delimiter is tab). */
static void copy_field(buf *b, const char *v)
{
    if (!v) {
        buf_add(b, "\\N", 2);
        return;
    }
    const char *run = v;
    for (const char *p = v; *p; p++) {
        char r = *p == '\\' ? '\\' : *p == '\n' ? 'n' : *p == '\r' ? 'r' : *p == '\t' ? 't' : 0;
        if (!r) continue;
        buf_add(b, run, (size_t)(p - run));
        buf_putc(b, '\\');
        buf_putc(b, r);
        run = p + 1;
    }
    buf_add(b, run, strlen(run));
}

int store_copy_row(store_copy *c, const char *const vals[], err *e)
{
    if (c->s->kind == STORE_PG) {
        for (int i = 0; i < c->ncols; i++) {
            if (i) buf_putc(&c->data, '\t');
            copy_field(&c->data, vals[i]);
        }
        buf_putc(&c->data, '\n');
        c->nbuf++;
        c->nrows++;
        return 0;
    }
    store_stmt *st = store_prepare(c->s, c->sql, e);
    if (!st) return -1;
    for (int i = 0; i < c->ncols; i++) store_bind_text(st, i + 1, vals[i]);
    int rc = store_step(st, e);
    store_done(st);
    if (rc < 0) return -1;
    c->nrows++;
    return 0;
}

size_t store_copy_buffered(const store_copy *c) { return c->data.len; }

int64_t store_copy_rows(const store_copy *c) { return c->nrows; }

/* Fills e from the failure of a COPY (r may be NULL: connection trouble),
 * with the codes ordinary statements get (store_pg_result_error()); the
 * server's context line goes to the log. */
static int copy_error(PGconn *conn, const PGresult *r, const char *sql, err *e)
{
    const char *where = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    if (where) log_warn("postgresql %s failed: %s", sql, where);
    return store_pg_result_error(conn, r, sql, e);
}

/* Reads and frees whatever results are left on conn (after a COPY). */
static void drain(PGconn *conn)
{
    PGresult *r;
    while ((r = PQgetResult(conn))) PQclear(r);
}

/* PostgreSQL plans a prepared statement once for all ("generic plan")
 * after a few runs, with the table sizes its statistics give.  A table
 * filled by COPY inside one long transaction outgrows them (a lookup
 * planned as a scan of an empty table stays a scan of a large one), so once
 * a writer has at least doubled its table it runs ANALYZE, which counts the
 * transaction's own rows and makes cached plans be made again.  Of one
 * column only: the row and page counts it updates are what decides between
 * scanning and using an index, and a wide table's full ANALYZE costs 15
 * times as much (the whole table is analysed after the commit by
 * autovacuum).  In a savepoint: a failure (a lock wait timing out) is
 * logged and ignored. */
static void refresh_stats(PGconn *conn, store_copy *c, int64_t added)
{
    if (c->stats_rows < 0) {
        const char *params[1] = {c->table};
        PGresult *r = PQexecParams(conn, "SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)", 1, NULL, params,
                                   NULL, NULL, 0);
        double n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? strtod(PQgetvalue(r, 0, 0), NULL) : 0;
        PQclear(r);
        c->stats_rows = n > 0 ? (int64_t)n : 0;
    }
    c->grown += added;
    if (c->grown < COPY_ANALYZE_MIN || c->grown < c->stats_rows) return;
    PQclear(PQexec(conn, "SAVEPOINT ipc_copy_stats"));
    char *q = xasprintf("ANALYZE %s (%s)", c->table, c->col0);
    PGresult *r = PQexec(conn, q);
    free(q);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) log_warn("postgresql: ANALYZE %s during a bulk load failed: %s", c->table, PQresultErrorMessage(r));
    PQclear(r);
    PQclear(PQexec(conn, ok ? "RELEASE SAVEPOINT ipc_copy_stats"
                            : "ROLLBACK TO SAVEPOINT ipc_copy_stats; RELEASE SAVEPOINT ipc_copy_stats"));
    c->stats_rows += c->grown;
    c->grown = 0;
}

int store_copy_flush(store_copy *c, err *e)
{
    if (c->s->kind != STORE_PG || !c->nbuf) return 0;
    PGconn *conn = store_pg_conn(c->s);
    PGresult *r = PQexec(conn, c->sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        copy_error(conn, r, c->sql, e);
        PQclear(r);
        drain(conn);
        return -1;
    }
    PQclear(r);
    int ok = 1;
    for (size_t off = 0; ok && off < c->data.len; off += COPY_CHUNK) {
        size_t n = c->data.len - off < COPY_CHUNK ? c->data.len - off : COPY_CHUNK;
        ok = PQputCopyData(conn, c->data.s + off, (int)n) == 1;
    }
    /* on a failed send, end the COPY with an error so the server gives up */
    if (PQputCopyEnd(conn, ok ? NULL : "ipcity: sending the rows failed") != 1) ok = 0;
    r = PQgetResult(conn);
    int rc = 0;
    if (!ok || PQresultStatus(r) != PGRES_COMMAND_OK) {
        copy_error(conn, ok ? r : NULL, c->sql, e);
        rc = -1;
    }
    PQclear(r);
    drain(conn);
    int64_t added = c->nbuf;
    buf_reset(&c->data);
    c->nbuf = 0;
    if (!rc) refresh_stats(conn, c, added);
    return rc;
}

void store_copy_free(store_copy *c)
{
    if (!c) return;
    buf_free(&c->data);
    free(c->sql);
    free(c->table);
    free(c->col0);
    free(c);
}

int store_copy_end(store_copy *c, err *e)
{
    int rc = store_copy_flush(c, e);
    store_copy_free(c);
    return rc;
}

/* ---- explicit ids ---- */

typedef struct id_range {
    int64_t next, last; /* next to hand out; last reserved (PostgreSQL) or handed out (SQLite) */
    int64_t block;      /* PostgreSQL: size of the next reservation */
} id_range;

int store_next_id(store *s, const char *table, int64_t *id, err *e)
{
    *id = 0;
    if (!s->in_tx)
        return err_set(e, 500, "store.no_tx", "内部错误：只能在事务中分配编号",
                       "Internal error: ids are handed out inside a transaction only");
    if (!ident_ok(table)) return bad_ident(e, table);
    char *key = xasprintf("store_next_id:%s", table);
    id_range *r = store_cache_get(s, key);
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->block = ID_BLOCK_FIRST;
        store_cache_set(s, key, r, free);
    }
    free(key);
    if (s->kind == STORE_PG) {
        if (r->next && r->next <= r->last) {
            *id = r->next++;
            return 0;
        }
        /* reserve [first, first + block - 1]: the sequence moves past them,
         * and past any id written without it (MAX(id)) */
        buf q = BUF_INIT;
        buf_printf(&q,
                   "SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST(nextval(pg_get_serial_sequence(?, 'id')),"
                   " (SELECT COALESCE(MAX(id), 0) + 1 FROM %s)) + ? - 1)",
                   table);
        store_stmt *st = store_prepare(s, q.s, e);
        buf_free(&q);
        if (!st) return -1;
        store_bind_text(st, 1, table);
        store_bind_text(st, 2, table);
        store_bind_int(st, 3, r->block);
        int rc = store_step(st, e);
        int64_t last = rc == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (rc != 1) return rc < 0 ? -1 : err_set(e, 500, "store.error", "数据库错误", "Database error");
        r->last = last;
        r->next = last - r->block + 1;
        if (r->block < ID_BLOCK_MAX) r->block *= 2;
        *id = r->next++;
        return 0;
    }
    /* SQLite gives a row without an id MAX(id) + 1: follow it, and stay above
     * what was handed out but not written yet */
    buf q = BUF_INIT;
    buf_printf(&q, "SELECT COALESCE(MAX(id), 0) FROM %s", table);
    int64_t max;
    int rc = store_query_int(s, q.s, &max, e, 0);
    buf_free(&q);
    if (rc) return -1;
    *id = (max > r->last ? max : r->last) + 1;
    r->last = *id;
    return 0;
}
