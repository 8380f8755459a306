/*
 * rec_bulk.c - bulk mode of the record layer; see rec.h (rec_bulk_*) and
 * rec_int.h.
 *
 * One writer (store_copy) per table.  A flush writes the tables of record
 * types first, then the derived tables (rec_bulk_insert: side tables, the
 * audit log), each group in the order the tables were first written: a
 * derived row may reference a pending record row (its parent), never the
 * reverse, and a record row never references a pending one (check_refs()
 * makes a referenced row visible first, see rec_bulk_sync_id()).  The keys
 * of pending rows are kept so that a lookup by key that could match one
 * flushes first; pending explicit ids likewise (the lowest per table).
 */
#include "rec.h"
#include "rec_int.h"

#include "../base/strmap.h"
#include "../base/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pending bytes (all writers) that trigger a flush. */
#define BULK_FLUSH_BYTES (4u << 20)
#define BULK_KEY "rec_bulk"

typedef struct bwriter {
    char *table;
    store_copy *copy;
    int64_t min_pending; /* lowest explicit id of a pending row; 0 = none */
    int derived;         /* opened by rec_bulk_insert(), not for a record type */
} bwriter;

typedef struct rec_bulk {
    bwriter *w;
    int nw, capw;
    strmap *keys; /* "<table>\x1f<key parts>" of pending rows */
    rec_audit_head audit;
    int failed;            /* a flush failed: the transaction is lost */
    unsigned long session; /* see rec_bulk_session() */
} rec_bulk;

static _Atomic unsigned long sessions;

static void bulk_free(void *p)
{
    rec_bulk *b = p;
    if (!b) return;
    for (int i = 0; i < b->nw; i++) {
        store_copy_free(b->w[i].copy);
        free(b->w[i].table);
    }
    free(b->w);
    strmap_free(b->keys);
    free(b);
}

static rec_bulk *bulk_of(store *db) { return store_cache_get(db, BULK_KEY); }

int rec_bulk_begin(store *db, err *e)
{
    if (!store_in_tx(db))
        return err_set(e, 500, "store.no_tx", "内部错误：批量模式必须在事务中",
                       "Internal error: bulk mode needs a transaction");
    if (bulk_of(db))
        return err_set(e, 500, "store.nested_bulk", "内部错误：批量模式嵌套", "Internal error: nested bulk mode");
    rec_bulk *b = xcalloc(1, sizeof *b);
    b->keys = strmap_new(NULL);
    b->session = ++sessions;
    store_cache_set(db, BULK_KEY, b, bulk_free);
    return 0;
}

int rec_bulk_active(store *db) { return bulk_of(db) != NULL; }

unsigned long rec_bulk_session(store *db)
{
    rec_bulk *b = bulk_of(db);
    return b ? b->session : 0;
}

rec_audit_head *rec_bulk_audit_head(store *db)
{
    rec_bulk *b = bulk_of(db);
    return b ? &b->audit : NULL;
}

static int failed(err *e)
{
    return err_set(e, 500, "store.bulk", "批量写入已失败，本次导入未写入任何数据",
                   "A bulk write failed; nothing of this import was written");
}

/* Writes every pending row, table by table in first-use order, then the
 * audit head.  A failure becomes 500 store.bulk (the rows it concerns are
 * no longer known, and the transaction is lost on PostgreSQL). */
static int flush_all(store *db, rec_bulk *b, err *e)
{
    if (b->failed) return failed(e);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < b->nw; i++) {
            if (b->w[i].derived != pass) continue;
            if (store_copy_flush(b->w[i].copy, e)) {
                b->failed = 1;
                if (e && e->status < 500) {
                    char *zh = xasprintf("批量写入“%s”失败：%s", b->w[i].table, err_msg(e, LANG_ZH));
                    char *en = xasprintf("Bulk write into %s failed: %s", b->w[i].table, err_msg(e, LANG_EN));
                    err_setm(e, 500, "store.bulk", zh, en);
                    free(zh);
                    free(en);
                }
                return -1;
            }
            b->w[i].min_pending = 0;
        }
    strmap_clear(b->keys);
    if (b->audit.dirty) {
        if (audit_head_write(db, b->audit.seq, b->audit.hash, e)) {
            b->failed = 1;
            return -1;
        }
        b->audit.dirty = 0;
    }
    return 0;
}

int rec_bulk_flush(store *db, err *e)
{
    rec_bulk *b = bulk_of(db);
    return b ? flush_all(db, b, e) : 0;
}

int rec_bulk_end(store *db, err *e)
{
    rec_bulk *b = bulk_of(db);
    if (!b) return 0;
    int rc = flush_all(db, b, e);
    store_cache_set(db, BULK_KEY, NULL, NULL);
    return rc;
}

void rec_bulk_abort(store *db) { store_cache_set(db, BULK_KEY, NULL, NULL); }

/* Flushes when enough is pending. */
static int maybe_flush(store *db, rec_bulk *b, err *e)
{
    size_t n = 0;
    for (int i = 0; i < b->nw; i++) n += store_copy_buffered(b->w[i].copy);
    return n >= BULK_FLUSH_BYTES ? flush_all(db, b, e) : 0;
}

/* The writer of table, opened with cols on first use (derived: for
 * rec_bulk_insert()). */
static bwriter *writer(store *db, rec_bulk *b, const char *table, const char *const cols[], int ncols, int derived,
                       err *e)
{
    for (int i = 0; i < b->nw; i++)
        if (!strcmp(b->w[i].table, table)) return &b->w[i];
    store_copy *c;
    if (store_copy_begin(db, table, cols, ncols, &c, e)) return NULL;
    if (b->nw == b->capw) {
        b->capw = b->capw ? b->capw * 2 : 8;
        b->w = xrealloc(b->w, (size_t)b->capw * sizeof *b->w);
    }
    bwriter *w = &b->w[b->nw++];
    w->table = xstrdup(table);
    w->copy = c;
    w->min_pending = 0;
    w->derived = derived;
    return w;
}

/* An existing writer of table, or NULL. */
static bwriter *writer_of(rec_bulk *b, const char *table)
{
    for (int i = 0; i < b->nw; i++)
        if (!strcmp(b->w[i].table, table)) return &b->w[i];
    return NULL;
}

int rec_bulk_insert(store *db, const char *table, const char *const cols[], int ncols, const char *const vals[], err *e)
{
    rec_bulk *b = bulk_of(db);
    if (!b) {
        buf q = BUF_INIT;
        buf_printf(&q, "INSERT INTO %s (", table);
        for (int i = 0; i < ncols; i++) buf_printf(&q, "%s%s", i ? ", " : "", cols[i]);
        buf_puts(&q, ") VALUES (");
        for (int i = 0; i < ncols; i++) buf_puts(&q, i ? ", ?" : "?");
        buf_putc(&q, ')');
        store_stmt *st = store_prepare(db, q.s, e);
        buf_free(&q);
        if (!st) return -1;
        for (int i = 0; i < ncols; i++) store_bind_text(st, i + 1, vals[i]);
        int rc = store_step(st, e);
        store_done(st);
        return rc < 0 ? -1 : 0;
    }
    if (b->failed) return failed(e);
    bwriter *w = writer(db, b, table, cols, ncols, 1, e);
    if (!w || store_copy_row(w->copy, vals, e)) return -1;
    return maybe_flush(db, b, e);
}

/* ---- values as stored ---- */

/* The text a JSON value is stored as (what bind_json binds): NULL for
 * null/absent; the caller frees. */
static char *value_text(const json_t *v)
{
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    if (json_is_integer(v)) return xasprintf("%" PRId64, (int64_t)json_integer_value(v));
    if (json_is_real(v)) return xasprintf("%.17g", json_real_value(v));
    if (json_is_boolean(v)) return xstrdup(json_is_true(v) ? "1" : "0");
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The JSON value reading text back from a column of field f gives (what
 * rec_crud.c's row_json does). */
static json_t *stored_value(const rec_field *f, const char *text)
{
    if (!text) return json_null();
    switch (f->type) {
    case RT_INT:
    case RT_REF: return json_integer((json_int_t)strtoll(text, NULL, 10));
    case RT_NUM: return json_real(strtod(text, NULL));
    case RT_BOOL: return json_boolean(strtoll(text, NULL, 10) != 0);
    case RT_JSON: {
        json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
        return v ? v : json_null();
    }
    default: return json_string(text);
    }
}

/* Appends the key string of t's RF_KEY values in obj to k: the table, then
 * each part as stored ("\x01" for none), separated by \x1f.  Returns the
 * number of key fields. */
static int key_string(const rec_type *t, const json_t *obj, buf *k)
{
    int n = 0;
    buf_puts(k, t->path);
    for (const rec_field *f = t->fields; f->name; f++) {
        if (!(f->flags & RF_KEY)) continue;
        char *v = value_text(json_object_get(obj, f->name));
        buf_putc(k, '\x1f');
        buf_puts(k, v ? v : "\x01");
        free(v);
        n++;
    }
    return n;
}

/* ---- rows of record types ---- */

/* Whether t's constraints let rows be created in bulk at all: unique
 * values are checked by the import's key lookup only when the unique field
 * is the whole key (see rec.h). */
static int bulk_safe_type(const rec_type *t)
{
    int nkey = 0, nuniq = 0, uniq_is_key = 1;
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & RF_VIRTUAL) continue;
        if (f->flags & RF_UNIQUE_ALL) return 0;
        if (f->flags & RF_KEY) nkey++;
        if (f->flags & RF_UNIQUE) {
            nuniq++;
            if (!(f->flags & RF_KEY)) uniq_is_key = 0;
        }
    }
    return !nuniq || (nuniq == 1 && nkey == 1 && uniq_is_key);
}

int rec_bulk_for(store *db, const rec_type *t)
{
    rec_bulk *b = bulk_of(db);
    if (!b || !bulk_safe_type(t)) return 0;
    return t->bulk_ok ? t->bulk_ok(db) : !t->after_write;
}

int rec_bulk_add(store *db, const rec_type *t, const rec_actor *a, int64_t id, const json_t *row, const char *now,
                 json_t **stored, err *e)
{
    if (stored) *stored = NULL;
    rec_bulk *b = bulk_of(db);
    if (!b) return err_set(e, 500, "store.no_bulk", "内部错误：不在批量模式", "Internal error: not in bulk mode");
    if (b->failed) return failed(e);
    int n = REC_STD_N - 1 + t->nfields; /* every standard column but deleted_at, then the fields */
    const char **cols = xcalloc((size_t)n, sizeof *cols);
    char **vals = xcalloc((size_t)n, sizeof *vals);
    int k = 0;
    for (int i = 0; i < REC_STD_N - 1; i++) cols[k++] = rec_std_cols[i];
    vals[0] = xasprintf("%" PRId64, id);
    vals[1] = xstrdup("1");
    vals[2] = value_text(json_object_get(row, "dept"));
    vals[3] = xstrdup(now);
    vals[4] = xstrdup(now);
    vals[5] = xstrdup(a->name);
    vals[6] = xstrdup(a->name);
    for (const rec_field *f = t->fields; f->name && k < n; f++) {
        if (f->flags & RF_VIRTUAL) continue;
        cols[k] = f->name;
        vals[k++] = value_text(json_object_get(row, f->name));
    }
    int rc = -1;
    bwriter *w = writer(db, b, t->path, cols, k, 0, e);
    if (!w || store_copy_row(w->copy, (const char *const *)vals, e)) goto out;
    if (store_copy_buffered(w->copy) && (!w->min_pending || id < w->min_pending)) w->min_pending = id;
    buf key = BUF_INIT;
    if (store_copy_buffered(w->copy) && key_string(t, row, &key)) strmap_put(b->keys, key.s, NULL);
    buf_free(&key);
    if (stored) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(id));
        json_object_set_new(o, "version", json_integer(1));
        for (int i = 2; i < REC_STD_N - 1; i++)
            json_object_set_new(o, rec_std_cols[i], vals[i] ? json_string(vals[i]) : json_null());
        k = REC_STD_N - 1;
        for (const rec_field *f = t->fields; f->name && k < n; f++)
            if (!(f->flags & RF_VIRTUAL)) json_object_set_new(o, f->name, stored_value(f, vals[k++]));
        *stored = o;
    }
    rc = maybe_flush(db, b, e);
out:
    for (int i = 0; i < n; i++) free(vals[i]);
    free(vals);
    free(cols);
    return rc;
}

int rec_bulk_sync_key(store *db, const rec_type *t, const json_t *key, err *e)
{
    rec_bulk *b = bulk_of(db);
    if (!b || !strmap_count(b->keys)) return 0;
    buf k = BUF_INIT;
    int found = 0;
    if (key_string(t, key, &k)) strmap_get(b->keys, k.s, &found);
    buf_free(&k);
    return found ? flush_all(db, b, e) : 0;
}

int rec_bulk_sync_id(store *db, const char *table, int64_t id, err *e)
{
    rec_bulk *b = bulk_of(db);
    if (!b) return 0;
    bwriter *w = writer_of(b, table);
    return w && w->min_pending && id >= w->min_pending ? flush_all(db, b, e) : 0;
}
