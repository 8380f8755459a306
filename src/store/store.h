/*
 * store.h - the storage interface every layer above uses.
 *
 * A `store` is one connection to one database.  SQL given to it is the
 * neutral dialect shared by the backends: standard SQL that SQLite 3.35+
 * and PostgreSQL 13+ both accept, with `?` placeholders (a backend that
 * needs $1, $2... rewrites them), INSERT ... RETURNING, ON CONFLICT ... DO
 * UPDATE, LIMIT/OFFSET.  What must differ between backends (column types in
 * DDL, case-insensitive LIKE, full-text search) is asked of the backend
 * through store_sql_*() functions, never spelled out by callers.
 *
 * Statements are prepared once per connection and cached by their text:
 * store_prepare() returns the cached statement, reset and unbound.  A
 * statement belongs to its store; the caller must not free it, and must
 * call store_done() when it has finished reading rows so that the next
 * user of the same text gets it fresh (store_prepare() does this too).
 *
 * Errors fill an err: a unique-constraint violation becomes status 409 code
 * "conflict.unique"; a busy/locked database 503 "store.busy"; anything else
 * 500 "store.error" with the backend's text logged but not put in the
 * user-facing message.
 *
 * Threads: a store is used by one thread at a time.  store_pool hands out
 * connections to server threads.
 */
#ifndef IPC_STORE_H
#define IPC_STORE_H

#include "../base/err.h"

#include <stdint.h>

typedef struct store store;
typedef struct store_stmt store_stmt;
typedef struct store_pool store_pool;

typedef enum { STORE_SQLITE = 1, STORE_PG = 2 } store_kind;

/* Logical column types for DDL; see store_sql_type(). */
typedef enum {
    STORE_T_PK,   /* 64-bit integer primary key assigned by the database */
    STORE_T_INT,  /* 64-bit integer */
    STORE_T_REAL, /* double */
    STORE_T_TEXT, /* UTF-8 text */
    STORE_T_BOOL, /* stored as integer 0/1 on every backend */
} store_type;

/* Opens the database named by url: a SQLite file path (created if missing,
 * parent directory must exist), "sqlite:PATH", or postgresql://... when that
 * backend is built in.  On success *out is set; the caller closes it with
 * store_close(). */
int store_open(const char *url, store **out, err *e);
void store_close(store *s);
/* Prepares the place of a new database named by url, so that store_open()
 * can create or open it: for a SQLite file, its parent directory (one
 * level); for PostgreSQL, the database itself when the server has none of
 * that name (connecting to the server's "postgres" database; UTF8
 * encoding, C.UTF-8 collation and ctype so text sorts as on SQLite, from
 * template0).  An existing database is left alone.  Returns 0 or -1. */
int store_create(const char *url, err *e);
store_kind store_kind_of(const store *s);
/* The URL the store was opened with (owned by the store). */
const char *store_url(const store *s);

/* Runs one or more statements without parameters or results. */
int store_exec(store *s, const char *sql, err *e);

/* Transactions.  store_begin() starts a write transaction (on SQLite it
 * takes the write lock at once, BEGIN IMMEDIATE, so that two writers never
 * deadlock on lock upgrade).  store_rollback() never fails. */
int store_begin(store *s, err *e);
int store_commit(store *s, err *e);
void store_rollback(store *s);
/* True while a transaction is open. */
int store_in_tx(const store *s);
/* A number that changes with every transaction begun on s (for caches
 * valid within one transaction). */
unsigned long store_tx_seq(const store *s);

/* Returns the cached prepared statement for sql, reset and with no
 * bindings; NULL on error (e filled).  Owned by the store. */
store_stmt *store_prepare(store *s, const char *sql, err *e);
/* Binding: 1-based index. A NULL text binds SQL NULL. */
void store_bind_text(store_stmt *st, int i, const char *v);
void store_bind_int(store_stmt *st, int i, int64_t v);
void store_bind_double(store_stmt *st, int i, double v);
void store_bind_null(store_stmt *st, int i);
/* Executes or advances: 1 = a row is ready, 0 = done, -1 = error. */
int store_step(store_stmt *st, err *e);
/* A hint after store_prepare(): the result may be large (a scan of a whole
 * table), read it in batches rather than whole.  PostgreSQL reads it through
 * a cursor when a transaction is open; SQLite always steps row by row. */
void store_stream(store_stmt *st);
/* Resets the statement and clears its bindings. */
void store_done(store_stmt *st);
/* Result columns, 0-based, valid after store_step() returned 1. */
int store_ncols(store_stmt *st);
const char *store_col_name(store_stmt *st, int i);
int store_col_isnull(store_stmt *st, int i);
/* Text of the column (NULL for SQL NULL); valid until the next step. */
const char *store_col_text(store_stmt *st, int i);
int64_t store_col_int(store_stmt *st, int i);
double store_col_double(store_stmt *st, int i);
/* Rows changed by the last INSERT/UPDATE/DELETE run through st. */
int64_t store_changes(store_stmt *st);

/* Convenience: runs sql with the given text parameters (NULL = SQL NULL)
 * and returns the first column of the first row as an integer in *out
 * (0 when there is no row).  Returns 0, or -1 on error. */
int store_query_int(store *s, const char *sql, int64_t *out, err *e, int nparams, ...);

/* A small per-connection cache for derived data that is valid within one
 * transaction (e.g. the list of parks): store_cache_get() returns the value
 * stored under key during the current transaction, or NULL; set replaces
 * it (free_fn frees the old and, at close, the last value). */
void *store_cache_get(store *s, const char *key);
void store_cache_set(store *s, const char *key, void *val, void (*free_fn)(void *));

/* Dialect: the column type for DDL, the case-insensitive LIKE operator. */
const char *store_sql_type(const store *s, store_type t);
const char *store_sql_ilike(const store *s);
/* " FOR UPDATE" where the backend needs row locks in a write transaction. */
const char *store_sql_for_update(const store *s);

/* Triggers, spelled per backend.  store_append_only() makes table refuse
 * UPDATE and DELETE (error text "<table> is append-only"); the triggers are
 * named <table>_no_update and <table>_no_delete.  store_on_change() runs the
 * statement sql (no parameters) after every INSERT, UPDATE and DELETE on
 * table: once per row on SQLite, once per statement on PostgreSQL (so a bulk
 * COPY costs one run); triggers are named <name>_I/_U/_D.  Both are
 * idempotent. */
int store_append_only(store *s, const char *table, err *e);
int store_on_change(store *s, const char *name, const char *table, const char *sql, err *e);

/* The libpq connection (PGconn *) of a PostgreSQL store, for code that needs
 * COPY; NULL on another backend. */
void *store_pg_conn(store *s);

/* Bulk loading (store_copy.c).  A store_copy writes rows into one table
 * inside the store's open write transaction:
 *   PostgreSQL  rows are kept in memory in COPY text format and sent by
 *               store_copy_flush() as one COPY table (cols) FROM STDIN;
 *               until then they are not in the database (queries do not
 *               see them, constraints have not been checked).  Statement
 *               triggers run once per flush.  A writer that has at least
 *               doubled its table (1,000 rows or more) refreshes the
 *               table's planner statistics (ANALYZE of its first column,
 *               in a savepoint), so that statements planned while the
 *               table was small do not keep plans made for an empty one.
 *   SQLite      each row is written at once by a cached prepared INSERT;
 *               flushing does nothing.
 * Several writers may be open on one store at once and ordinary statements
 * may run between rows: a batch is sent whole between them.  Flushing is
 * the caller's decision (store_copy_buffered() tells how much is waiting);
 * rows that reference rows of another writer need that writer flushed
 * first.  A failed flush leaves the transaction failed on PostgreSQL: roll
 * it back.
 *
 * store_copy_begin() checks that a transaction is open and that table and
 * cols are plain identifiers (they are spelled into SQL; they come from the
 * program, never from input), and gives *out, owned by the caller until
 * store_copy_end() or store_copy_free(). */
typedef struct store_copy store_copy;
int store_copy_begin(store *s, const char *table, const char *const cols[], int ncols, store_copy **out, err *e);
/* Adds one row: vals has ncols texts in the order of cols (NULL = SQL
 * NULL); numbers as decimal text, booleans as "1"/"0".  The values are
 * copied (PostgreSQL) or bound (SQLite); the caller keeps vals.  SQLite
 * reports a failing row here (e.g. 409 conflict.unique), PostgreSQL at the
 * flush. */
int store_copy_row(store_copy *c, const char *const vals[], err *e);
/* Writes the rows kept so far (PostgreSQL); 0 or -1 with e set. */
int store_copy_flush(store_copy *c, err *e);
/* Bytes of rows kept and not yet written (0 on SQLite). */
size_t store_copy_buffered(const store_copy *c);
/* Rows accepted by store_copy_row() so far. */
int64_t store_copy_rows(const store_copy *c);
/* Flushes, then frees c (also when the flush fails). */
int store_copy_end(store_copy *c, err *e);
/* Frees c, dropping rows not yet written (after a failure; NULL is fine). */
void store_copy_free(store_copy *c);

/* The id for a row the caller writes into table with an explicit id (its
 * primary key column is `id`), inside the current write transaction; for
 * rows written by a store_copy, which returns no ids.  Ids handed out in
 * one transaction for one table increase, and each is above every id the
 * table held when it was handed out.  PostgreSQL reserves blocks of ids by
 * moving the table's identity sequence past them, so no insert that lets
 * the database choose (on any connection) takes one; a rollback leaves a
 * gap, as with any sequence.  SQLite has no sequence and gives a row
 * without an id MAX(id) + 1: write the row before the next such insert
 * into table. */
int store_next_id(store *s, const char *table, int64_t *id, err *e);

/* Online backup: copies the whole database s is connected to into the new
 * file dest as one consistent snapshot, while other connections go on
 * reading and writing.  SQLite: the online backup API in a single step,
 * i.e. one read transaction (WAL lets writers proceed meanwhile); the copy
 * is a self-contained database file (rollback journal, no -wal beside it).
 * PostgreSQL: `pg_dump --format=custom --no-owner` of the database of
 * store_url(s) (one REPEATABLE READ snapshot; writers are not blocked),
 * an archive for pg_restore.  Either way the copy is written to a temporary
 * file next to dest (mode 0600), synced and renamed, so dest is either
 * absent or complete.  dest must not exist (409 backup.exists).  s must not
 * be inside a transaction. */
int store_backup(store *s, const char *dest, err *e);
/* Restore support: replaces the database named by url with the backup src.
 * SQLite: src is a database file, renamed over the database atomically
 * (not copied: src must be on the same file system, e.g. in the same
 * directory; it must be closed); when url names no file yet, src simply
 * becomes it.  PostgreSQL: src is an archive from store_backup(), restored
 * with `pg_restore --single-transaction --clean --if-exists --no-owner`
 * into the existing database of url (all of it or, on error, nothing);
 * refused (409 restore.extra_tables) when that database has tables the
 * archive does not have, which the restore would leave behind.  Both
 * refuse with 409 store.in_use, changing nothing, while any other
 * connection (a running server, another command) uses the database.  The
 * caller verifies src beforehand (see cmd_backup.c). */
int store_replace(const char *url, const char *src, err *e);
/* A PostgreSQL archive made by store_backup(), read without a database
 * (pg_restore): *toc receives its table of contents as `pg_restore --list`
 * prints it and, when table and data are not NULL, *data receives that
 * table's rows as `pg_restore --data-only --table=TABLE` prints them (a
 * COPY statement, one row a line in COPY text format, "\.").  Heap strings
 * the caller frees.  422 restore.not_archive when pg_restore cannot read
 * src; 500 store.no_tool when pg_restore is not installed. */
int store_pg_archive_read(const char *src, const char *table, char **toc, char **data, err *e);

/* A fixed-size pool of connections to one database for server threads.
 * store_pool_get() blocks until a connection is free. */
int store_pool_new(const char *url, int size, store_pool **out, err *e);
store *store_pool_get(store_pool *p);
void store_pool_put(store_pool *p, store *s);
void store_pool_free(store_pool *p);

#endif
