/*
 * store_int.h - what a storage backend implements (private to src/store).
 * Each backend embeds `struct store` / `struct store_stmt` as its first
 * member and fills a store_ops table; store.c dispatches to it.
 */
#ifndef IPC_STORE_INT_H
#define IPC_STORE_INT_H

#include "store.h"

typedef struct store_ops {
    void (*close)(store *s);
    int (*exec)(store *s, const char *sql, err *e);
    store_stmt *(*prepare)(store *s, const char *sql, err *e);
    void (*bind_text)(store_stmt *st, int i, const char *v);
    void (*bind_int)(store_stmt *st, int i, int64_t v);
    void (*bind_double)(store_stmt *st, int i, double v);
    void (*bind_null)(store_stmt *st, int i);
    int (*step)(store_stmt *st, err *e);
    void (*done)(store_stmt *st);
    int (*ncols)(store_stmt *st);
    const char *(*col_name)(store_stmt *st, int i);
    int (*col_isnull)(store_stmt *st, int i);
    const char *(*col_text)(store_stmt *st, int i);
    int64_t (*col_int)(store_stmt *st, int i);
    double (*col_double)(store_stmt *st, int i);
    int64_t (*changes)(store_stmt *st);
    const char *(*sql_type)(store_type t);
    int (*backup)(store *s, const char *dest, err *e); /* NULL: not supported yet */
    const char *ilike;
    const char *begin_sql;
    const char *for_update;
} store_ops;

struct store {
    const store_ops *ops;
    store_kind kind;
    char *url;
    int in_tx;
    unsigned long tx_seq;       /* +1 at every begin */
    struct store_cached *cache; /* see store_cache_get() */
};

typedef struct store_cached {
    struct store_cached *next;
    char *key;
    void *val;
    void (*free_fn)(void *);
    unsigned long tx_seq;
} store_cached;

/* Frees the cache; backends call it from their close. */
void store_cache_free(store *s);

struct store_stmt {
    store *s;
};

int store_sqlite_open(const char *path, store **out, err *e);
int store_sqlite_replace(const char *path, const char *src, err *e);
int store_pg_open(const char *url, store **out, err *e);
int store_pg_create(const char *url, err *e);
void store_pg_stream(store_stmt *st);
void *store_pg_conn_of(store *s);
/* Fills e from a failed libpq result (PGresult *res, NULL for connection
 * trouble) on the connection conn (PGconn *): the status and code every
 * PostgreSQL failure gets (409 conflict.unique with the field, 409
 * conflict.reference, 503 store.busy / store.unavailable, 422
 * validation.constraint, 507 store.full, 500 store.error); what (may be
 * NULL) names the statement in the log.  Returns -1. */
int store_pg_result_error(void *conn, const void *res, const char *what, err *e);
/* PostgreSQL backup/restore with pg_dump/pg_restore (store_pg_dump.c). */
int store_pg_backup(store *s, const char *dest, err *e);
int store_pg_replace(const char *url, const char *src, err *e);

#endif
