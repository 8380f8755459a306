/*
 * rec_crud.c - list, get, create, update and soft delete of described
 * records, with row-level access rules, optimistic concurrency and audit.
 */
#include "audit.h"
#include "rec.h"
#include "rec_int.h"

#include "../base/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ---- rows ---- */

/* Builds the JSON of the current row of st (selected with t->select_sql).
 * Secret fields are included only when `secrets` is set. */
static json_t *row_json(const rec_type *t, store_stmt *st, int secrets)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(store_col_int(st, 0)));
    json_object_set_new(o, "version", json_integer(store_col_int(st, 1)));
    for (int i = 2; i < REC_STD_N; i++) {
        if (i == 7 && store_col_isnull(st, i)) continue; /* deleted_at only when set */
        const char *v = store_col_text(st, i);
        json_object_set_new(o, rec_std_cols[i], v ? json_string(v) : json_null());
    }
    int c = REC_STD_N;
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & RF_VIRTUAL) continue;
        int col = c++;
        if ((f->flags & RF_SECRET) && !secrets) continue;
        json_t *v;
        if (store_col_isnull(st, col)) v = json_null();
        else
            switch (f->type) {
            case RT_INT:
            case RT_REF: v = json_integer(store_col_int(st, col)); break;
            case RT_NUM: v = json_real(store_col_double(st, col)); break;
            case RT_BOOL: v = json_boolean(store_col_int(st, col) != 0); break;
            case RT_JSON:
                v = json_loads(store_col_text(st, col), JSON_DECODE_ANY, NULL);
                if (!v) v = json_null();
                break;
            default: v = json_string(store_col_text(st, col));
            }
        json_object_set_new(o, f->name, v);
    }
    return o;
}

/* Copy of row without secret fields; the caller owns it. */
static json_t *public_copy(const rec_type *t, const json_t *row)
{
    json_t *o = json_deep_copy(row);
    for (const rec_field *f = t->fields; f->name; f++)
        if (f->flags & (RF_SECRET | RF_VIRTUAL)) json_object_del(o, f->name);
    return o;
}

static void bind_json(store_stmt *st, int i, json_t *v)
{
    if (!v || json_is_null(v)) store_bind_null(st, i);
    else if (json_is_string(v)) store_bind_text(st, i, json_string_value(v));
    else if (json_is_integer(v)) store_bind_int(st, i, json_integer_value(v));
    else if (json_is_real(v)) store_bind_double(st, i, json_real_value(v));
    else if (json_is_boolean(v)) store_bind_int(st, i, json_is_true(v));
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        store_bind_text(st, i, s);
        free(s);
    }
}

static int forbidden(err *e, const rec_type *t, const rec_actor *a, int writing)
{
    char *zh = xasprintf("无权限：%s角色不能%s“%s”", rec_role_label(a->role, LANG_ZH), writing ? "修改" : "查看", t->zh);
    char *en = xasprintf("Forbidden: the %s role may not %s %s", rec_role_label(a->role, LANG_EN),
                         writing ? "write" : "read", t->en);
    err_setm(e, 403, "auth.forbidden", zh, en);
    free(zh);
    free(en);
    return -1;
}

static int not_found(err *e, const rec_type *t, int64_t id)
{
    char *zh = xasprintf("%s #%lld 不存在", t->zh, (long long)id);
    char *en = xasprintf("%s #%lld was not found", t->en, (long long)id);
    err_setm(e, 404, "record.not_found", zh, en);
    free(zh);
    free(en);
    return -1;
}

/* Loads row id (not deleted) with secrets; 1 found, 0 absent, -1 error. */
static int load_row(store *db, const rec_type *t, int64_t id, int lock, json_t **out, err *e)
{
    *out = NULL;
    if (rec_bulk_sync_id(db, t->path, id, e)) return -1;
    buf q = BUF_INIT;
    buf_printf(&q, "%s WHERE id = ? AND deleted_at IS NULL%s", t->select_sql, lock ? store_sql_for_update(db) : "");
    store_stmt *st = store_prepare(db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int rc = store_step(st, e);
    *out = rc == 1 ? row_json(t, st, 1) : NULL;
    store_done(st);
    return rc;
}

static int visible(const rec_type *t, const rec_actor *a, const json_t *row)
{
    rec_scope s = rec_can_read(t, a->role);
    if (s == SCOPE_ALL) return 1;
    if (s == SCOPE_NONE || !a->dept) return 0;
    const char *d = json_string_value(json_object_get(row, "dept"));
    return d && !strcmp(d, a->dept);
}

int rec_get(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t **out, err *e)
{
    *out = NULL;
    if (rec_can_read(t, a->role) == SCOPE_NONE) return forbidden(e, t, a, 0);
    json_t *row;
    int rc = load_row(db, t, id, 0, &row, e);
    if (rc < 0) return -1;
    if (rc == 0 || !visible(t, a, row)) {
        json_decref(row);
        return not_found(e, t, id);
    }
    *out = public_copy(t, row);
    json_decref(row);
    return 0;
}

/* ---- list queries ---- */

typedef struct qparams {
    json_t *vals; /* array of values to bind in order */
} qparams;

static void qp_add(qparams *p, json_t *v) { json_array_append_new(p->vals, v); }

static void qp_bind(store_stmt *st, qparams *p)
{
    size_t i;
    json_t *v;
    json_array_foreach(p->vals, i, v) bind_json(st, (int)i + 1, v);
}

static const char *std_text_filter[] = {"dept", "created_at", "updated_at", "created_by", "updated_by", NULL};

static int is_std_text(const char *name)
{
    for (const char **s = std_text_filter; *s; s++)
        if (!strcmp(*s, name)) return 1;
    return 0;
}

void rec_query_free(rec_query *q)
{
    if (q->filters) json_decref(q->filters);
    q->filters = NULL;
}

int rec_query_from_args(const rec_type *t, json_t *args, rec_query *q, err *e)
{
    memset(q, 0, sizeof *q);
    q->filters = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(args, k, v)
    {
        const char *s = json_string_value(v);
        if (!s) continue;
        if (!strcmp(k, "limit")) {
            int64_t n;
            if (util_parse_int64(s, &n) || n < 1 || n > 1000) {
                rec_query_free(q);
                return err_set(e, 400, "query.limit", "参数 limit 应为 1 到 1000 之间的整数",
                               "Parameter limit must be an integer from 1 to 1000");
            }
            q->limit = (int)n;
        } else if (!strcmp(k, "cursor")) q->cursor = s;
        else if (!strcmp(k, "sort")) q->sort = s;
        else if (!strcmp(k, "q")) q->q = s;
        else if (!strcmp(k, "count")) q->count = !strcmp(s, "true") || !strcmp(s, "1");
        else if (!strcmp(k, "format") || !strcmp(k, "lang")) continue;
        else {
            const char *dot = strchr(k, '.');
            char *name = dot ? xstrndup(k, (size_t)(dot - k)) : xstrdup(k);
            const char *op = dot ? dot + 1 : "eq";
            const rec_field *f = rec_field_find(t, name);
            int ok = (f && (f->flags & RF_FILTER) && !(f->flags & (RF_SECRET | RF_VIRTUAL))) || is_std_text(name);
            static const char *ops[] = {"eq", "ne", "gt", "gte", "lt", "lte", "like", "in", "null", NULL};
            int opok = 0;
            for (const char **o = ops; *o; o++)
                if (!strcmp(*o, op)) opok = 1;
            free(name);
            if (!ok || !opok) {
                rec_query_free(q);
                return err_set(e, 400, "query.unknown_parameter", "不支持的查询参数“%s”", "Unsupported query parameter \"%s\"",
                               k, k);
            }
            json_object_set(q->filters, k, v);
        }
    }
    return 0;
}

/* "%text%" for LIKE ... ESCAPE '\': the user's % _ and \ match themselves. */
static void like_pattern(buf *b, const char *text)
{
    buf_putc(b, '%');
    for (const char *s = text; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') buf_putc(b, '\\');
        buf_putc(b, *s);
    }
    buf_putc(b, '%');
}

/* Appends " AND <cond>" for one filter. */
static int add_filter(store *db, const rec_type *t, const char *key, const char *val, buf *w, qparams *p, err *e)
{
    const char *dot = strchr(key, '.');
    char *name = dot ? xstrndup(key, (size_t)(dot - key)) : xstrdup(key);
    const char *op = dot ? dot + 1 : "eq";
    const rec_field *f = rec_field_find(t, name);
    static const rec_field text_field = {.name = "_", .type = RT_TEXT, .zh = "字段", .en = "field"};
    const rec_field *ff = f ? f : &text_field;
    int rc = 0;
    if (!strcmp(op, "null")) {
        buf_printf(w, " AND %s IS %sNULL", name, !strcmp(val, "true") || !strcmp(val, "1") ? "" : "NOT ");
    } else if (!strcmp(op, "like")) {
        buf_printf(w, " AND %s %s ? ESCAPE '\\'", name, store_sql_ilike(db));
        buf lk = BUF_INIT;
        like_pattern(&lk, val);
        qp_add(p, json_string(buf_cstr(&lk)));
        buf_free(&lk);
    } else if (!strcmp(op, "in")) {
        buf_printf(w, " AND %s IN (", name);
        char *copy = xstrdup(val), *save = NULL;
        int n = 0;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            json_t *jv = rec_cell_to_json(ff, tok, 0, 0, e);
            if (!jv) {
                rc = -1;
                break;
            }
            buf_printf(w, "%s?", n++ ? ", " : "");
            qp_add(p, jv);
        }
        free(copy);
        if (!n && !rc) buf_puts(w, "NULL");
        buf_putc(w, ')');
    } else {
        json_t *jv = rec_cell_to_json(ff, val, 0, 0, e);
        if (!jv) rc = -1;
        else {
            const char *sqlop = !strcmp(op, "eq")    ? "="
                                : !strcmp(op, "ne")  ? "<>"
                                : !strcmp(op, "gt")  ? ">"
                                : !strcmp(op, "gte") ? ">="
                                : !strcmp(op, "lt")  ? "<"
                                                     : "<=";
            if (json_is_null(jv)) buf_printf(w, " AND %s IS %sNULL", name, strcmp(op, "ne") ? "" : "NOT ");
            else {
                buf_printf(w, " AND %s %s ?", name, sqlop);
                qp_add(p, json_incref(jv));
            }
            json_decref(jv);
        }
    }
    if (rc) {
        err_set(e, 400, "query.value", "查询参数“%s”的值“%s”无效", "Query parameter \"%s\" has an invalid value \"%s\"", key,
                val);
    }
    free(name);
    return rc;
}

typedef struct sortkey {
    const char *name;
    const rec_field *f; /* NULL for id and std text columns */
    int desc;
} sortkey;

static int parse_sort(const rec_type *t, const char *s, sortkey *k, err *e)
{
    k->desc = 0;
    k->f = NULL;
    if (!s || !*s) {
        k->name = "id";
        return 0;
    }
    if (*s == '-') {
        k->desc = 1;
        s++;
    }
    if (!strcmp(s, "id") || !strcmp(s, "created_at") || !strcmp(s, "updated_at")) {
        k->name = !strcmp(s, "id") ? "id" : !strcmp(s, "created_at") ? "created_at" : "updated_at";
        return 0;
    }
    const rec_field *f = rec_field_find(t, s);
    if (!f || !(f->flags & RF_SORT))
        return err_set(e, 400, "query.sort", "不能按“%s”排序", "Cannot sort by \"%s\"", s, s);
    k->f = f;
    k->name = f->name;
    return 0;
}

/* The sort expression: NULLs sort as the lowest value of their type. */
static void sort_expr(const sortkey *k, buf *b)
{
    if (!strcmp(k->name, "id")) {
        buf_puts(b, "id");
        return;
    }
    const char *lo = "''";
    if (k->f && (k->f->type == RT_INT || k->f->type == RT_REF || k->f->type == RT_BOOL)) lo = "-9223372036854775807";
    else if (k->f && k->f->type == RT_NUM) lo = "-1e308";
    buf_printf(b, "COALESCE(%s, %s)", k->name, lo);
}

static char *cursor_encode(json_t *key, int64_t id)
{
    json_t *a = json_pack("[Oi]", key, (json_int_t)id);
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    size_t n = strlen(s);
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = xmalloc(cap);
    sodium_bin2base64(out, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(s);
    return out;
}

static int cursor_decode(const char *c, json_t **key, int64_t *id, err *e)
{
    size_t n = strlen(c);
    unsigned char *raw = xmalloc(n + 1);
    size_t len = 0;
    json_t *a = NULL;
    if (sodium_base642bin(raw, n, c, n, NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
        a = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    if (!json_is_array(a) || json_array_size(a) != 2 || !json_is_integer(json_array_get(a, 1))) {
        json_decref(a);
        return err_set(e, 400, "query.cursor", "分页游标无效", "Invalid page cursor");
    }
    *key = json_incref(json_array_get(a, 0));
    *id = json_integer_value(json_array_get(a, 1));
    json_decref(a);
    return 0;
}

/* Builds "FROM ... WHERE ..." of a list; fills p with parameters. */
static int build_where(store *db, const rec_type *t, const rec_actor *a, const rec_query *q, buf *w, qparams *p,
                       err *e)
{
    rec_scope s = rec_can_read(t, a->role);
    if (s == SCOPE_NONE) return forbidden(e, t, a, 0);
    buf_puts(w, " WHERE deleted_at IS NULL");
    if (s == SCOPE_OWN) {
        buf_puts(w, " AND dept = ?");
        qp_add(p, a->dept ? json_string(a->dept) : json_null());
    }
    if (q && q->filters) {
        const char *k;
        json_t *v;
        json_object_foreach(q->filters, k, v) if (add_filter(db, t, k, json_string_value(v), w, p, e)) return -1;
    }
    if (q && q->q && *q->q) {
        int n = 0;
        buf lk = BUF_INIT;
        like_pattern(&lk, q->q);
        for (const rec_field *f = t->fields; f->name; f++) {
            if (!(f->flags & RF_SEARCH)) continue;
            buf_printf(w, "%s%s %s ? ESCAPE '\\'", n++ ? " OR " : " AND (", f->name, store_sql_ilike(db));
            qp_add(p, json_string(buf_cstr(&lk)));
        }
        if (n) buf_putc(w, ')');
        buf_free(&lk);
    }
    return 0;
}

int rec_list(store *db, const rec_type *t, const rec_actor *a, const rec_query *q, json_t **out, err *e)
{
    *out = NULL;
    qparams p = {json_array()};
    buf w = BUF_INIT, sql = BUF_INIT, key = BUF_INIT;
    json_t *items = NULL, *ckey = NULL;
    int rc = -1, limit = q->limit ? q->limit : 50;
    sortkey k;
    int64_t total = -1;
    if (rec_bulk_flush(db, e) || parse_sort(t, q->sort, &k, e) || build_where(db, t, a, q, &w, &p, e)) goto out;
    sort_expr(&k, &key);
    if (q->count) {
        buf_printf(&sql, "SELECT COUNT(*) FROM %s%s", t->path, w.s);
        store_stmt *st = store_prepare(db, sql.s, e);
        if (!st) goto out;
        qp_bind(st, &p);
        int r = store_step(st, e);
        total = r == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (r < 0) goto out;
        buf_reset(&sql);
    }
    if (q->cursor) {
        int64_t cid = 0;
        if (cursor_decode(q->cursor, &ckey, &cid, e)) goto out;
        const char *cmp = k.desc ? "<" : ">";
        if (!strcmp(k.name, "id")) {
            buf_printf(&w, " AND id %s ?", cmp);
            qp_add(&p, json_integer(cid));
        } else {
            buf_printf(&w, " AND (%s %s ? OR (%s = ? AND id %s ?))", key.s, cmp, key.s, cmp);
            qp_add(&p, json_incref(ckey));
            qp_add(&p, json_incref(ckey));
            qp_add(&p, json_integer(cid));
        }
    }
    buf_printf(&sql, "%s%s ORDER BY %s%s", t->select_sql, w.s, key.s, k.desc ? " DESC" : "");
    if (strcmp(k.name, "id")) buf_printf(&sql, ", id%s", k.desc ? " DESC" : "");
    buf_printf(&sql, " LIMIT %d", limit + 1);
    store_stmt *st = store_prepare(db, sql.s, e);
    if (!st) goto out;
    qp_bind(st, &p);
    items = json_array();
    int r, n = 0;
    json_t *last = NULL;
    while ((r = store_step(st, e)) == 1) {
        if (n == limit) break;
        json_t *row = row_json(t, st, 0);
        json_array_append_new(items, row);
        last = row;
        n++;
    }
    int more = r == 1;
    store_done(st);
    if (r < 0) goto out;
    *out = json_object();
    json_object_set_new(*out, "items", items);
    items = NULL;
    if (more && last) {
        json_t *kv = strcmp(k.name, "id") ? json_object_get(last, k.name) : json_object_get(last, "id");
        json_t *kk = kv && !json_is_null(kv) ? json_incref(kv) : NULL;
        if (!kk) { /* NULL sorts as the lowest value of its type */
            if (k.f && (k.f->type == RT_INT || k.f->type == RT_REF || k.f->type == RT_BOOL))
                kk = json_integer(-9223372036854775807LL);
            else if (k.f && k.f->type == RT_NUM) kk = json_real(-1e308);
            else kk = json_string("");
        } else if (json_is_boolean(kk)) {
            json_t *b = json_integer(json_is_true(kk));
            json_decref(kk);
            kk = b;
        }
        char *c = cursor_encode(kk, json_integer_value(json_object_get(last, "id")));
        json_decref(kk);
        json_object_set_new(*out, "next_cursor", json_string(c));
        free(c);
    } else
        json_object_set_new(*out, "next_cursor", json_null());
    json_object_set_new(*out, "limit", json_integer(limit));
    if (total >= 0) json_object_set_new(*out, "total", json_integer(total));
    rc = 0;
out:
    json_decref(items);
    json_decref(ckey);
    json_decref(p.vals);
    buf_free(&w);
    buf_free(&sql);
    buf_free(&key);
    return rc;
}

int rec_each(store *db, const rec_type *t, const rec_actor *a, const rec_query *q,
             int (*fn)(void *ctx, json_t *row, err *e), void *ctx, err *e)
{
    qparams p = {json_array()};
    buf w = BUF_INIT, sql = BUF_INIT, key = BUF_INIT;
    sortkey k;
    int rc = -1;
    if (rec_bulk_flush(db, e) || parse_sort(t, q ? q->sort : NULL, &k, e) || build_where(db, t, a, q, &w, &p, e))
        goto out;
    sort_expr(&k, &key);
    buf_printf(&sql, "%s%s ORDER BY %s%s", t->select_sql, w.s, key.s, k.desc ? " DESC" : "");
    if (strcmp(k.name, "id")) buf_printf(&sql, ", id%s", k.desc ? " DESC" : "");
    store_stmt *st = store_prepare(db, sql.s, e);
    if (!st) goto out;
    qp_bind(st, &p);
    int r;
    rc = 0;
    while ((r = store_step(st, e)) == 1) {
        json_t *row = row_json(t, st, 0);
        int fr = fn(ctx, row, e);
        json_decref(row);
        if (fr) {
            rc = -1;
            break;
        }
    }
    if (r < 0) rc = -1;
    store_done(st);
out:
    json_decref(p.vals);
    buf_free(&w);
    buf_free(&sql);
    buf_free(&key);
    return rc;
}

/* ---- writes ---- */

static int dept_exists(store *db, const char *code, err *e)
{
    /* within one transaction a department found once stays found */
    const char *known = store_cache_get(db, "dept_exists");
    if (known && !strcmp(known, code)) return 1;
    int64_t n;
    if (store_query_int(db, "SELECT COUNT(*) FROM departments WHERE code = ? AND deleted_at IS NULL", &n, e, 1, code))
        return -1;
    if (n > 0 && store_in_tx(db)) store_cache_set(db, "dept_exists", xstrdup(code), free);
    return n > 0;
}

/* Checks the referenced rows of RT_REF fields in row exist. */
static int check_refs(store *db, const rec_type *t, json_t *row, err *e)
{
    int bad = 0;
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->type != RT_REF) continue;
        json_t *v = json_object_get(row, f->name);
        if (!json_is_integer(v)) continue;
        const rec_type *rt = rec_find(f->ref);
        if (rec_bulk_sync_id(db, rt->path, json_integer_value(v), e)) return -1;
        buf q = BUF_INIT;
        buf_printf(&q, "SELECT COUNT(*) FROM %s WHERE id = ? AND deleted_at IS NULL", rt->path);
        store_stmt *st = store_prepare(db, q.s, e);
        buf_free(&q);
        if (!st) return -1;
        store_bind_int(st, 1, json_integer_value(v));
        int r = store_step(st, e);
        int64_t n = r == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (r < 0) return -1;
        if (!n) {
            char *zh = xasprintf("字段“%s”引用的%s #%lld 不存在", f->zh, rt->zh, (long long)json_integer_value(v));
            char *en = xasprintf("Field \"%s\" refers to %s #%lld, which does not exist", f->en, rt->en,
                                 (long long)json_integer_value(v));
            rec_item(e, f, NULL, 0, 0, "validation.reference", zh, en);
            free(zh);
            free(en);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* Validates and applies the owning department of a new or changed row. */
static int settle_dept(store *db, const rec_type *t, const rec_actor *a, json_t *row, const json_t *old, err *e)
{
    rec_scope s = rec_can_write(t, a->role);
    const char *d = json_string_value(json_object_get(row, "dept"));
    const char *od = old ? json_string_value(json_object_get(old, "dept")) : NULL;
    if (!d) {
        if (!a->dept)
            return err_set(e, 422, "validation.dept", "请指定所属部门（dept）", "The owning department (dept) is required");
        json_object_set_new(row, "dept", json_string(a->dept));
        d = a->dept;
    }
    if (s == SCOPE_OWN && (!a->dept || strcmp(d, a->dept) || (od && strcmp(od, a->dept))))
        return err_set(e, 403, "auth.forbidden_dept", "无权限：只能操作本部门（%s）的记录", "Forbidden: you may only write records of your own department (%s)",
                       a->dept ? a->dept : "-", a->dept ? a->dept : "-");
    if (t->flags & REC_NO_DEPT_FK) return 0;
    if (od && !strcmp(od, d)) return 0;
    int ex = dept_exists(db, d, e);
    if (ex < 0) return -1;
    if (!ex) {
        char *zh = xasprintf("所属部门“%s”不存在", d);
        char *en = xasprintf("Department \"%s\" does not exist", d);
        rec_item(e, NULL, "dept", 0, 0, "validation.reference", zh, en);
        free(zh);
        free(en);
        return -1;
    }
    return 0;
}

static int stale(err *e, const rec_type *t, int64_t id, int64_t have, int64_t want)
{
    char *zh = xasprintf("%s #%lld 已被他人修改（当前版本 %lld，您提交的是版本 %lld），请刷新后重试", t->zh, (long long)id,
                         (long long)have, (long long)want);
    char *en = xasprintf("%s #%lld was changed by someone else (current version %lld, yours %lld); reload and retry",
                         t->en, (long long)id, (long long)have, (long long)want);
    err_setm(e, 412, "conflict.stale", zh, en);
    free(zh);
    free(en);
    return -1;
}

/* Validates `in` and inserts it; *id gets the new id and *rowp (when not
 * NULL) the row as written, with id and version set.  In bulk mode (see
 * rec.h) the row is queued with an id of store_next_id(), and *storedp
 * (when not NULL) gets the row as reading it back would give it (it is not
 * readable yet); otherwise *storedp is NULL. */
static int insert_row(store *db, const rec_type *t, const rec_actor *a, json_t *in, int64_t *idp, json_t **rowp,
                      json_t **storedp, err *e)
{
    if (rowp) *rowp = NULL;
    if (storedp) *storedp = NULL;
    if (rec_can_write(t, a->role) == SCOPE_NONE) return forbidden(e, t, a, 1);
    json_t *row = NULL;
    if (rec_validate(t, in, NULL, 0, &row, e)) return -1;
    json_t *dv = json_object_get(in, "dept");
    if (json_is_string(dv)) json_object_set(row, "dept", dv);
    int rc = -1;
    rec_ctx c = {db, t, a, REC_CREATE};
    if (t->before_write && t->before_write(&c, row, NULL, e)) goto out;
    if (settle_dept(db, t, a, row, NULL, e) || check_refs(db, t, row, e)) goto out;
    char now[40];
    util_now_iso(now, sizeof now);
    int64_t id = 0;
    if (rec_bulk_for(db, t)) {
        if (store_next_id(db, t->path, &id, e) || rec_bulk_add(db, t, a, id, row, now, storedp, e)) goto out;
    } else {
        store_stmt *st = store_prepare(db, t->insert_sql, e);
        if (!st) goto out;
        int i = 1;
        store_bind_text(st, i++, json_string_value(json_object_get(row, "dept")));
        store_bind_text(st, i++, now);
        store_bind_text(st, i++, now);
        store_bind_text(st, i++, a->name);
        store_bind_text(st, i++, a->name);
        for (const rec_field *f = t->fields; f->name; f++)
            if (!(f->flags & RF_VIRTUAL)) bind_json(st, i++, json_object_get(row, f->name));
        int r = store_step(st, e);
        id = r == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (r != 1) goto out;
    }
    json_object_set_new(row, "id", json_integer(id));
    json_object_set_new(row, "version", json_integer(1));
    if (t->after_write && t->after_write(&c, row, NULL, e)) goto out;
    *idp = id;
    if (rowp) {
        *rowp = row;
        row = NULL;
    }
    rc = 0;
out:
    json_decref(row);
    if (rc && storedp) {
        json_decref(*storedp);
        *storedp = NULL;
    }
    return rc;
}

int rec_insert_tx(store *db, const rec_type *t, const rec_actor *a, json_t *in, int64_t *id, err *e)
{
    return insert_row(db, t, a, in, id, NULL, NULL, e);
}

int rec_create_tx(store *db, const rec_type *t, const rec_actor *a, json_t *in, json_t **out, err *e)
{
    *out = NULL;
    int64_t id;
    json_t *stored = NULL;
    if (insert_row(db, t, a, in, &id, NULL, &stored, e)) return -1;
    if (!stored) { /* written now: read it back (bulk mode gave it already) */
        int r = load_row(db, t, id, 0, &stored, e);
        if (r != 1) return r == 0 ? not_found(e, t, id) : -1;
    }
    *out = public_copy(t, stored);
    json_decref(stored);
    if (audit_append(db, a, "create", t->name, id, NULL, *out, e)) {
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* Loads row id for a write (locked where the backend locks rows): 404 when
 * absent or not visible to a, 412 when its version is not expect_version.
 * Returns 0 with *old set (caller decrefs), or -1. */
static int load_for_write(store *db, const rec_type *t, const rec_actor *a, int64_t id, int64_t expect_version,
                          json_t **old, err *e)
{
    *old = NULL;
    int r = load_row(db, t, id, 1, old, e);
    if (r < 0) return -1;
    if (r == 0 || !visible(t, a, *old)) {
        json_decref(*old);
        *old = NULL;
        return not_found(e, t, id);
    }
    int64_t have = json_integer_value(json_object_get(*old, "version"));
    if (have != expect_version) {
        json_decref(*old);
        *old = NULL;
        return stale(e, t, id, have, expect_version);
    }
    return 0;
}

int rec_update_tx(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t *patch,
                  int64_t expect_version, json_t **out, err *e)
{
    *out = NULL;
    if (rec_can_write(t, a->role) == SCOPE_NONE) return forbidden(e, t, a, 1);
    json_t *old = NULL, *clean = NULL, *row = NULL, *oldpub = NULL;
    buf sql = BUF_INIT;
    int rc = -1, r;
    if (load_for_write(db, t, a, id, expect_version, &old, e)) goto out;
    int64_t have = expect_version;
    if (rec_validate(t, patch, old, 0, &clean, e)) goto out;
    row = json_deep_copy(old);
    json_object_update(row, clean);
    json_t *dv = json_object_get(patch, "dept");
    if (json_is_string(dv)) json_object_set(row, "dept", dv);
    rec_ctx c = {db, t, a, REC_UPDATE};
    if (t->before_write && t->before_write(&c, row, old, e)) goto out;
    if (settle_dept(db, t, a, row, old, e) || check_refs(db, t, row, e)) goto out;
    if (json_equal(row, old)) { /* nothing changes: no new version, no audit entry */
        *out = public_copy(t, old);
        rc = 0;
        goto out;
    }
    char now[40];
    util_now_iso(now, sizeof now);
    buf_printf(&sql, "UPDATE %s SET version = version + 1, updated_at = ?, updated_by = ?, dept = ?", t->path);
    for (const rec_field *f = t->fields; f->name; f++)
        if (!(f->flags & RF_VIRTUAL)) buf_printf(&sql, ", %s = ?", f->name);
    buf_puts(&sql, " WHERE id = ? AND version = ? AND deleted_at IS NULL");
    store_stmt *st = store_prepare(db, sql.s, e);
    if (!st) goto out;
    int i = 1;
    store_bind_text(st, i++, now);
    store_bind_text(st, i++, a->name);
    store_bind_text(st, i++, json_string_value(json_object_get(row, "dept")));
    for (const rec_field *f = t->fields; f->name; f++)
        if (!(f->flags & RF_VIRTUAL)) bind_json(st, i++, json_object_get(row, f->name));
    store_bind_int(st, i++, id);
    store_bind_int(st, i++, expect_version);
    r = store_step(st, e);
    int64_t n = store_changes(st);
    store_done(st);
    if (r < 0) goto out;
    if (n != 1) {
        stale(e, t, id, have + 1, expect_version);
        goto out;
    }
    json_t *stored;
    if (load_row(db, t, id, 0, &stored, e) != 1) goto out;
    if (t->after_write && t->after_write(&c, stored, old, e)) {
        json_decref(stored);
        goto out;
    }
    *out = public_copy(t, stored);
    json_decref(stored);
    oldpub = public_copy(t, old);
    if (audit_append(db, a, "update", t->name, id, oldpub, *out, e)) {
        json_decref(*out);
        *out = NULL;
        goto out;
    }
    rc = 0;
out:
    json_decref(old);
    json_decref(oldpub);
    json_decref(clean);
    json_decref(row);
    buf_free(&sql);
    return rc;
}

static int delete_tx(store *db, const rec_type *t, const rec_actor *a, int64_t id, int64_t expect_version, err *e)
{
    if (rec_can_write(t, a->role) == SCOPE_NONE) return forbidden(e, t, a, 1);
    json_t *old = NULL, *oldpub = NULL;
    int rc = -1, r;
    if (load_for_write(db, t, a, id, expect_version, &old, e)) goto out;
    int64_t have = expect_version;
    if (rec_can_write(t, a->role) == SCOPE_OWN) {
        const char *d = json_string_value(json_object_get(old, "dept"));
        if (!a->dept || !d || strcmp(d, a->dept)) {
            err_set(e, 403, "auth.forbidden_dept", "无权限：只能操作本部门（%s）的记录",
                    "Forbidden: you may only write records of your own department (%s)", a->dept ? a->dept : "-",
                    a->dept ? a->dept : "-");
            goto out;
        }
    }
    rec_ctx c = {db, t, a, REC_DELETE};
    if (t->before_write && t->before_write(&c, old, old, e)) goto out;
    char now[40];
    util_now_iso(now, sizeof now);
    buf sql = BUF_INIT;
    buf_printf(&sql,
               "UPDATE %s SET version = version + 1, deleted_at = ?, updated_at = ?, updated_by = ?"
               " WHERE id = ? AND version = ? AND deleted_at IS NULL",
               t->path);
    store_stmt *st = store_prepare(db, sql.s, e);
    buf_free(&sql);
    if (!st) goto out;
    store_bind_text(st, 1, now);
    store_bind_text(st, 2, now);
    store_bind_text(st, 3, a->name);
    store_bind_int(st, 4, id);
    store_bind_int(st, 5, expect_version);
    r = store_step(st, e);
    int64_t n = store_changes(st);
    store_done(st);
    if (r < 0) goto out;
    if (n != 1) {
        stale(e, t, id, have + 1, expect_version);
        goto out;
    }
    if (t->after_write && t->after_write(&c, old, old, e)) goto out;
    oldpub = public_copy(t, old);
    if (audit_append(db, a, "delete", t->name, id, oldpub, NULL, e)) goto out;
    rc = 0;
out:
    json_decref(old);
    json_decref(oldpub);
    return rc;
}

int rec_create(store *db, const rec_type *t, const rec_actor *a, json_t *in, json_t **out, err *e)
{
    *out = NULL;
    if (store_begin(db, e)) return -1;
    if (rec_create_tx(db, t, a, in, out, e) || store_commit(db, e)) {
        store_rollback(db);
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int rec_update(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t *patch,
               int64_t expect_version, json_t **out, err *e)
{
    *out = NULL;
    if (store_begin(db, e)) return -1;
    if (rec_update_tx(db, t, a, id, patch, expect_version, out, e) || store_commit(db, e)) {
        store_rollback(db);
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int rec_delete(store *db, const rec_type *t, const rec_actor *a, int64_t id, int64_t expect_version, err *e)
{
    if (store_begin(db, e)) return -1;
    if (delete_tx(db, t, a, id, expect_version, e) || store_commit(db, e)) {
        store_rollback(db);
        return -1;
    }
    return 0;
}
