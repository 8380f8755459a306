/* store.c - backend dispatch, helpers and the connection pool; see store.h. */
#include "store_int.h"

#include "../base/buf.h"
#include "../base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int store_open(const char *url, store **out, err *e)
{
    *out = NULL;
    if (!url || !*url) return err_set(e, 500, "store.url", "未指定数据库", "No database given");
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) return store_pg_open(url, out, e);
    if (!strncmp(url, "sqlite:", 7)) url += 7;
    return store_sqlite_open(url, out, e);
}

/* The SQLite file path of url, or NULL for another backend's URL. */
static const char *sqlite_path(const char *url)
{
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) return NULL;
    return strncmp(url, "sqlite:", 7) ? url : url + 7;
}

int store_create(const char *url, err *e)
{
    if (!url || !*url) return err_set(e, 500, "store.url", "未指定数据库", "No database given");
    const char *path = sqlite_path(url);
    if (!path) return store_pg_create(url, e);
    char *copy = xstrdup(path);
    char *slash = strrchr(copy, '/');
    if (slash && slash != copy) {
        *slash = '\0';
        mkdir(copy, 0755);
    }
    free(copy);
    return 0;
}

int store_backup(store *s, const char *dest, err *e)
{
    if (!s->ops->backup)
        return err_set(e, 501, "store.unsupported", "此数据库后端尚不支持备份",
                       "This database backend cannot back up yet");
    if (s->in_tx)
        return err_set(e, 500, "store.nested_tx", "内部错误：事务中不能备份",
                       "Internal error: backup inside a transaction");
    return s->ops->backup(s, dest, e);
}

int store_replace(const char *url, const char *src, err *e)
{
    if (!url || !*url) return err_set(e, 500, "store.url", "未指定数据库", "No database given");
    const char *path = sqlite_path(url);
    return path ? store_sqlite_replace(path, src, e) : store_pg_replace(url, src, e);
}

void store_close(store *s)
{
    if (s) s->ops->close(s);
}

store_kind store_kind_of(const store *s) { return s->kind; }
const char *store_url(const store *s) { return s->url; }

int store_exec(store *s, const char *sql, err *e) { return s->ops->exec(s, sql, e); }

int store_begin(store *s, err *e)
{
    if (s->in_tx) return err_set(e, 500, "store.nested_tx", "内部错误：事务嵌套", "Internal error: nested transaction");
    if (s->ops->exec(s, s->ops->begin_sql, e)) return -1;
    s->in_tx = 1;
    s->tx_seq++;
    return 0;
}

int store_commit(store *s, err *e)
{
    int rc = s->ops->exec(s, "COMMIT", e);
    if (rc) {
        store_rollback(s);
        return -1;
    }
    s->in_tx = 0;
    return 0;
}

void store_rollback(store *s)
{
    if (!s->in_tx) return;
    err e = ERR_INIT;
    if (s->ops->exec(s, "ROLLBACK", &e)) log_warn("rollback failed: %s", err_msg(&e, LANG_EN));
    err_clear(&e);
    s->in_tx = 0;
}

int store_in_tx(const store *s) { return s->in_tx; }
unsigned long store_tx_seq(const store *s) { return s->tx_seq; }

store_stmt *store_prepare(store *s, const char *sql, err *e) { return s->ops->prepare(s, sql, e); }
void store_bind_text(store_stmt *st, int i, const char *v) { st->s->ops->bind_text(st, i, v); }
void store_bind_int(store_stmt *st, int i, int64_t v) { st->s->ops->bind_int(st, i, v); }
void store_bind_double(store_stmt *st, int i, double v) { st->s->ops->bind_double(st, i, v); }
void store_bind_null(store_stmt *st, int i) { st->s->ops->bind_null(st, i); }
int store_step(store_stmt *st, err *e) { return st->s->ops->step(st, e); }
void store_done(store_stmt *st)
{
    if (st) st->s->ops->done(st);
}
int store_ncols(store_stmt *st) { return st->s->ops->ncols(st); }
const char *store_col_name(store_stmt *st, int i) { return st->s->ops->col_name(st, i); }
int store_col_isnull(store_stmt *st, int i) { return st->s->ops->col_isnull(st, i); }
const char *store_col_text(store_stmt *st, int i) { return st->s->ops->col_text(st, i); }
int64_t store_col_int(store_stmt *st, int i) { return st->s->ops->col_int(st, i); }
double store_col_double(store_stmt *st, int i) { return st->s->ops->col_double(st, i); }
int64_t store_changes(store_stmt *st) { return st->s->ops->changes(st); }

void store_stream(store_stmt *st)
{
    if (st->s->kind == STORE_PG) store_pg_stream(st);
}

void *store_pg_conn(store *s) { return s->kind == STORE_PG ? store_pg_conn_of(s) : NULL; }

int store_append_only(store *s, const char *table, err *e)
{
    buf b = BUF_INIT;
    if (s->kind == STORE_PG)
        buf_printf(&b,
                   "CREATE OR REPLACE FUNCTION %s_append_only() RETURNS trigger LANGUAGE plpgsql AS"
                   " $f$ BEGIN RAISE EXCEPTION '%s is append-only'; END $f$;"
                   "CREATE OR REPLACE TRIGGER %s_no_update BEFORE UPDATE ON %s"
                   " FOR EACH ROW EXECUTE FUNCTION %s_append_only();"
                   "CREATE OR REPLACE TRIGGER %s_no_delete BEFORE DELETE ON %s"
                   " FOR EACH ROW EXECUTE FUNCTION %s_append_only();",
                   table, table, table, table, table, table, table, table);
    else
        buf_printf(&b,
                   "CREATE TRIGGER IF NOT EXISTS %s_no_update BEFORE UPDATE ON %s"
                   " BEGIN SELECT RAISE(ABORT, '%s is append-only'); END;"
                   "CREATE TRIGGER IF NOT EXISTS %s_no_delete BEFORE DELETE ON %s"
                   " BEGIN SELECT RAISE(ABORT, '%s is append-only'); END;",
                   table, table, table, table, table, table);
    int rc = store_exec(s, b.s, e);
    buf_free(&b);
    return rc;
}

int store_on_change(store *s, const char *name, const char *table, const char *sql, err *e)
{
    static const char *const ops[] = {"INSERT", "UPDATE", "DELETE"};
    buf b = BUF_INIT;
    if (s->kind == STORE_PG)
        buf_printf(&b,
                   "CREATE OR REPLACE FUNCTION %s_fn() RETURNS trigger LANGUAGE plpgsql AS"
                   " $f$ BEGIN %s; RETURN NULL; END $f$;",
                   name, sql);
    for (int o = 0; o < 3; o++) {
        if (s->kind == STORE_PG)
            buf_printf(&b,
                       "CREATE OR REPLACE TRIGGER %s_%c AFTER %s ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s_fn();",
                       name, ops[o][0], ops[o], table, name);
        else
            buf_printf(&b, "CREATE TRIGGER IF NOT EXISTS %s_%c AFTER %s ON %s BEGIN %s; END;", name, ops[o][0], ops[o],
                       table, sql);
    }
    int rc = store_exec(s, b.s, e);
    buf_free(&b);
    return rc;
}

const char *store_sql_type(const store *s, store_type t) { return s->ops->sql_type(t); }
const char *store_sql_ilike(const store *s) { return s->ops->ilike; }
const char *store_sql_for_update(const store *s) { return s->ops->for_update; }

int store_query_int(store *s, const char *sql, int64_t *out, err *e, int nparams, ...)
{
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    va_list ap;
    va_start(ap, nparams);
    for (int i = 0; i < nparams; i++) store_bind_text(st, i + 1, va_arg(ap, const char *));
    va_end(ap);
    int rc = store_step(st, e);
    *out = rc == 1 ? store_col_int(st, 0) : 0;
    store_done(st);
    return rc < 0 ? -1 : 0;
}

void *store_cache_get(store *s, const char *key)
{
    if (!s->in_tx) return NULL;
    for (store_cached *c = s->cache; c; c = c->next)
        if (!strcmp(c->key, key)) return c->tx_seq == s->tx_seq ? c->val : NULL;
    return NULL;
}

void store_cache_set(store *s, const char *key, void *val, void (*free_fn)(void *))
{
    store_cached *c = s->cache;
    while (c && strcmp(c->key, key)) c = c->next;
    if (!c) {
        c = xcalloc(1, sizeof *c);
        c->key = xstrdup(key);
        c->next = s->cache;
        s->cache = c;
    } else if (c->val && c->free_fn)
        c->free_fn(c->val);
    c->val = val;
    c->free_fn = free_fn;
    c->tx_seq = s->tx_seq;
}

void store_cache_free(store *s)
{
    store_cached *c = s->cache;
    while (c) {
        store_cached *n = c->next;
        if (c->val && c->free_fn) c->free_fn(c->val);
        free(c->key);
        free(c);
        c = n;
    }
    s->cache = NULL;
}

/* ---- connection pool ---- */

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    store **free;
    int nfree, size;
};

int store_pool_new(const char *url, int size, store_pool **out, err *e)
{
    store_pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->free = xcalloc((size_t)size, sizeof(store *));
    p->size = size;
    for (int i = 0; i < size; i++) {
        if (store_open(url, &p->free[i], e)) {
            p->nfree = i;
            store_pool_free(p);
            *out = NULL;
            return -1;
        }
    }
    p->nfree = size;
    *out = p;
    return 0;
}

store *store_pool_get(store_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0) pthread_cond_wait(&p->cv, &p->mu);
    store *s = p->free[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return s;
}

void store_pool_put(store_pool *p, store *s)
{
    if (s->in_tx) store_rollback(s); /* a handler that forgot: never leak a tx */
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void store_pool_free(store_pool *p)
{
    if (!p) return;
    for (int i = 0; i < p->nfree; i++) store_close(p->free[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->free);
    free(p);
}
