/* regsearch.c - registry full-text search; see regsearch.h. */
#include "regsearch.h"

#include "search.h"

#include "../base/util.h"
#include "../domain/registry.h"

#include <stdlib.h>
#include <string.h>

/* Above this many matching documents results come newest first. */
#define RS_RANK_LIMIT 20000

int rs_create_indexes(store *db, err *e)
{
    if (store_kind_of(db) != STORE_SQLITE) return 0; /* the PostgreSQL index arrives with that backend */
    return store_exec(db,
                      "CREATE VIRTUAL TABLE IF NOT EXISTS patents_fts USING fts5(title, abstract, holders,"
                      " content='patents', content_rowid='id', tokenize='cjk', columnsize=0);"
                      "INSERT INTO patents_fts(patents_fts, rank) VALUES('rank', 'cjk_rank(10.0, 1.0, 5.0)');"
                      "CREATE VIRTUAL TABLE IF NOT EXISTS trademarks_fts USING fts5(mark_text, applicant, goods,"
                      " content='trademarks', content_rowid='id', tokenize='cjk', columnsize=0);"
                      "INSERT INTO trademarks_fts(trademarks_fts, rank) VALUES('rank', 'cjk_rank(10.0, 5.0, 1.0)');",
                      e);
}

int rs_rebuild(store *db, err *e)
{
    return store_exec(db,
                      "INSERT INTO patents_fts(patents_fts) VALUES('rebuild');"
                      "INSERT INTO trademarks_fts(trademarks_fts) VALUES('rebuild');",
                      e);
}

/* Writes one FTS change: `cmd` NULL inserts, "delete" removes. */
static int fts_write(store *db, const char *table, const char *const cols[3], const json_t *row, int del, err *e)
{
    buf q = BUF_INIT;
    if (del)
        buf_printf(&q, "INSERT INTO %s(%s, rowid, %s, %s, %s) VALUES('delete', ?, ?, ?, ?)", table, table, cols[0],
                   cols[1], cols[2]);
    else
        buf_printf(&q, "INSERT INTO %s(rowid, %s, %s, %s) VALUES(?, ?, ?, ?)", table, cols[0], cols[1], cols[2]);
    store_stmt *st = store_prepare(db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    store_bind_int(st, 1, json_integer_value(json_object_get(row, "id")));
    for (int i = 0; i < 3; i++) store_bind_text(st, i + 2, json_string_value(json_object_get(row, cols[i])));
    int rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* Bulk mode (see rs_defer_begin): rows above this id are indexed at the end. */
typedef struct rs_defer {
    int64_t patents_after, trademarks_after;
} rs_defer;

static int deferred(store *db, const char *table, const json_t *row, const json_t *old)
{
    rs_defer *d = store_cache_get(db, "rs_defer");
    if (!d) return 0;
    int64_t after = !strcmp(table, "patents_fts") ? d->patents_after : d->trademarks_after;
    const json_t *r = row ? row : old;
    return json_integer_value(json_object_get(r, "id")) > after;
}

int rs_defer_begin(store *db, err *e)
{
    if (store_kind_of(db) != STORE_SQLITE || !store_in_tx(db)) return 0;
    rs_defer *d = xcalloc(1, sizeof *d);
    if (store_query_int(db, "SELECT COALESCE(MAX(id), 0) FROM patents", &d->patents_after, e, 0) ||
        store_query_int(db, "SELECT COALESCE(MAX(id), 0) FROM trademarks", &d->trademarks_after, e, 0)) {
        free(d);
        return -1;
    }
    store_cache_set(db, "rs_defer", d, free);
    return 0;
}

int rs_defer_end(store *db, err *e)
{
    rs_defer *d = store_cache_get(db, "rs_defer");
    if (!d) return 0;
    int rc = 0;
    store_stmt *st =
        store_prepare(db,
                      "INSERT INTO patents_fts(rowid, title, abstract, holders) SELECT id, title, abstract, holders"
                      " FROM patents WHERE id > ? AND deleted_at IS NULL",
                      e);
    if (!st) rc = -1;
    else {
        store_bind_int(st, 1, d->patents_after);
        rc = store_step(st, e) < 0 ? -1 : 0;
        store_done(st);
    }
    if (!rc) {
        st = store_prepare(
            db,
            "INSERT INTO trademarks_fts(rowid, mark_text, applicant, goods) SELECT id, mark_text, applicant, goods"
            " FROM trademarks WHERE id > ? AND deleted_at IS NULL",
            e);
        if (!st) rc = -1;
        else {
            store_bind_int(st, 1, d->trademarks_after);
            rc = store_step(st, e) < 0 ? -1 : 0;
            store_done(st);
        }
    }
    store_cache_set(db, "rs_defer", NULL, NULL);
    return rc;
}

static int reindex(store *db, const char *table, const char *const cols[3], const json_t *row, const json_t *old,
                   err *e)
{
    if (store_kind_of(db) != STORE_SQLITE) return 0;
    if (deferred(db, table, row, old)) return 0;
    if (old && !json_object_get(old, "deleted_at") && fts_write(db, table, cols, old, 1, e)) return -1;
    if (row && !json_object_get(row, "deleted_at") && fts_write(db, table, cols, row, 0, e)) return -1;
    return 0;
}

static const char *const patent_cols[3] = {"title", "abstract", "holders"};
static const char *const tm_cols[3] = {"mark_text", "applicant", "goods"};

int rs_index_patent(store *db, const json_t *row, const json_t *old, err *e)
{
    return reindex(db, "patents_fts", patent_cols, row, old, e);
}

int rs_index_trademark(store *db, const json_t *row, const json_t *old, err *e)
{
    return reindex(db, "trademarks_fts", tm_cols, row, old, e);
}

/* ---- queries ---- */

static int bad_arg(err *e, const char *name, const char *v)
{
    err_set(e, 400, "query.value", "查询参数“%s”的值“%s”无效", "Query parameter \"%s\" has an invalid value \"%s\"",
            name, v);
    return err_at(e, NULL, 0, 0, name);
}

int rs_query_from_args(json_t *args, rs_query *q, err *e)
{
    memset(q, 0, sizeof *q);
    q->limit = 20;
    const char *k;
    json_t *jv;
    json_object_foreach(args, k, jv)
    {
        const char *v = json_string_value(jv);
        if (!v) continue;
        int64_t n;
        if (!strcmp(k, "q")) q->q = v;
        else if (!strcmp(k, "scope")) {
            if (strcmp(v, "patents") && strcmp(v, "trademarks")) return bad_arg(e, k, v);
            q->scope = v;
        } else if (!strcmp(k, "kind")) {
            if (strcmp(v, "invention") && strcmp(v, "utility") && strcmp(v, "design")) return bad_arg(e, k, v);
            q->kind = v;
        } else if (!strcmp(k, "ipc"))
            q->ipc = v;
        else if (!strcmp(k, "region")) {
            if (strlen(v) != 6 || strspn(v, "0123456789") != 6) return bad_arg(e, k, v);
            q->region = v;
        } else if (!strcmp(k, "holder"))
            q->holder = v;
        else if (!strcmp(k, "filed_from") || !strcmp(k, "filed_to") || !strcmp(k, "granted_from") ||
                 !strcmp(k, "granted_to") || !strcmp(k, "in_force_on")) {
            if (util_date_parse(v, NULL)) return bad_arg(e, k, v);
            const char **slot = !strcmp(k, "filed_from")     ? &q->filed_from
                                : !strcmp(k, "filed_to")     ? &q->filed_to
                                : !strcmp(k, "granted_from") ? &q->granted_from
                                : !strcmp(k, "granted_to")   ? &q->granted_to
                                                             : &q->in_force_on;
            *slot = v;
        } else if (!strcmp(k, "limit")) {
            if (util_parse_int64(v, &n) || n < 1 || n > 200) return bad_arg(e, k, v);
            q->limit = (int)n;
        } else if (!strcmp(k, "offset")) {
            if (util_parse_int64(v, &n) || n < 0 || n > 100000) return bad_arg(e, k, v);
            q->offset = (int)n;
        } else if (!strcmp(k, "count"))
            q->count = !strcmp(v, "true") || !strcmp(v, "1");
        else if (!strcmp(k, "lang"))
            continue;
        else {
            err_set(e, 400, "query.unknown_parameter", "不支持的查询参数“%s”", "Unsupported query parameter \"%s\"", k);
            return err_at(e, NULL, 0, 0, k);
        }
    }
    if (!q->q || !*q->q)
        return err_set(e, 400, "search.empty", "请输入检索词（参数 q）", "Enter a search text (parameter q)");
    return 0;
}

/* Appends the filters as " AND ..." with their values to vals. */
static void filters(const rs_query *q, int patents, buf *w, json_t *vals)
{
    if (patents && q->kind) {
        buf_puts(w, " AND p.kind = ?");
        json_array_append_new(vals, json_string(q->kind));
    }
    if (patents && q->ipc) {
        buf_puts(w, " AND EXISTS (SELECT 1 FROM patent_ipc i WHERE i.patent_id = p.id AND i.code LIKE ?)");
        buf like = BUF_INIT;
        buf norm = BUF_INIT;
        const char *pre = q->ipc;
        for (const char *c = pre; *c; c++)
            if (*c != '%' && *c != '_') buf_putc(&like, *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c);
        buf_putc(&like, '%');
        json_array_append_new(vals, json_string(like.s));
        buf_free(&like);
        buf_free(&norm);
    }
    if (q->region) {
        const char *r = q->region;
        int n = !strcmp(r + 2, "0000") ? 2 : !strcmp(r + 4, "00") ? 4 : 6;
        if (n == 6) {
            buf_puts(w, " AND p.region_code = ?");
            json_array_append_new(vals, json_string(r));
        } else {
            buf_puts(w, " AND p.region_code LIKE ?");
            json_array_append_new(vals, json_sprintf("%.*s%%", n, r));
        }
    }
    if (q->holder) {
        buf_printf(w, " AND p.%s LIKE ?", patents ? "holders" : "applicant");
        buf h = BUF_INIT;
        buf_putc(&h, '%');
        for (const char *c = q->holder; *c; c++)
            if (*c != '%' && *c != '_' && *c != '\\') buf_putc(&h, *c);
        buf_putc(&h, '%');
        json_array_append_new(vals, json_string(h.s));
        buf_free(&h);
    }
    const char *fd = "filing_date", *gd = patents ? "grant_date" : "reg_date";
    if (q->filed_from) {
        buf_printf(w, " AND p.%s >= ?", fd);
        json_array_append_new(vals, json_string(q->filed_from));
    }
    if (q->filed_to) {
        buf_printf(w, " AND p.%s <= ?", fd);
        json_array_append_new(vals, json_string(q->filed_to));
    }
    if (q->granted_from) {
        buf_printf(w, " AND p.%s >= ?", gd);
        json_array_append_new(vals, json_string(q->granted_from));
    }
    if (q->granted_to) {
        buf_printf(w, " AND p.%s <= ?", gd);
        json_array_append_new(vals, json_string(q->granted_to));
    }
    if (patents && q->in_force_on) {
        buf_printf(w, " AND %s", pat_in_force_sql());
        for (int i = 0; i < pat_in_force_params(); i++) json_array_append_new(vals, json_string(q->in_force_on));
    } else if (!patents && q->in_force_on) {
        buf_puts(w, " AND p.reg_date <= ? AND p.expiry_date >= ? AND p.status IN ('registered', 'renewed')");
        json_array_append_new(vals, json_string(q->in_force_on));
        json_array_append_new(vals, json_string(q->in_force_on));
    }
}

static void bind_all(store_stmt *st, int first, json_t *vals)
{
    size_t i;
    json_t *v;
    json_array_foreach(vals, i, v) store_bind_text(st, first + (int)i, json_string_value(v));
}

int rs_search(store *db, const rs_query *q, json_t **out, err *e)
{
    *out = NULL;
    if (store_kind_of(db) != STORE_SQLITE)
        return err_set(e, 501, "search.backend", "该数据库后端尚不支持全文检索",
                       "Full-text search is not available on this database backend yet");
    if (!q->q || !util_utf8_valid(q->q, strlen(q->q)))
        return err_set(e, 400, "search.encoding", "检索词不是有效的 UTF-8 文本", "The search text is not valid UTF-8");
    int patents = !q->scope || !strcmp(q->scope, "patents");
    char *match = srch_match_expr(q->q);
    if (!match) {
        *out = json_pack("{s:s,s:[],s:n}", "q", q->q, "items", "next_offset");
        if (q->count) json_object_set_new(*out, "total", json_integer(0));
        return 0;
    }
    buf w = BUF_INIT, sql = BUF_INIT;
    json_t *vals = json_array();
    filters(q, patents, &w, vals);
    const char *fts = patents ? "patents_fts" : "trademarks_fts";
    const char *tbl = patents ? "patents" : "trademarks";
    /* Ranking scores every matching document; a very broad query (one
     * common character over millions of titles) is answered newest first
     * instead, which needs no scoring.  The answer says which order it is. */
    int ranked = 1;
    {
        buf cq = BUF_INIT;
        buf_printf(&cq, "SELECT COUNT(*) FROM %s WHERE %s MATCH ?", fts, fts);
        int64_t nmatch = 0;
        int crc = store_query_int(db, cq.s, &nmatch, e, 1, match);
        buf_free(&cq);
        if (crc) {
            buf_free(&w);
            json_decref(vals);
            free(match);
            return -1;
        }
        ranked = nmatch <= RS_RANK_LIMIT;
    }
    if (patents)
        buf_printf(
            &sql,
            "SELECT p.id, p.appno, p.kind, p.title, p.first_applicant, p.filing_date, p.grant_date, p.region_code,"
            " p.ipc_main, p.synthetic, cjk_snippet(patents_fts, 0, '<mark>', '</mark>', '…', 40, ?1),"
            " cjk_snippet(patents_fts, 1, '<mark>', '</mark>', '…', 48, ?1),"
            " cjk_snippet(patents_fts, 2, '<mark>', '</mark>', '…', 24, ?1), patents_fts.rank");
    else
        buf_printf(
            &sql, "SELECT p.id, p.reg_no, p.status, p.mark_text, p.applicant, p.filing_date, p.reg_date, p.region_code,"
                  " p.expiry_date, p.synthetic, cjk_snippet(trademarks_fts, 0, '<mark>', '</mark>', '…', 40, ?1),"
                  " cjk_snippet(trademarks_fts, 2, '<mark>', '</mark>', '…', 48, ?1),"
                  " cjk_snippet(trademarks_fts, 1, '<mark>', '</mark>', '…', 24, ?1), trademarks_fts.rank");
    buf_printf(&sql,
               " FROM %s JOIN %s p ON p.id = %s.rowid WHERE %s MATCH ?1 AND p.deleted_at IS NULL%s"
               " ORDER BY %s%s LIMIT %d OFFSET %d",
               fts, tbl, fts, fts, buf_cstr(&w), ranked ? "rank" : fts, ranked ? "" : ".rowid DESC", q->limit + 1,
               q->offset);
    int rc = -1;
    json_t *items = json_array();
    int64_t total = -1;
    store_stmt *st = store_prepare(db, sql.s, e);
    if (!st) goto out;
    store_bind_text(st, 1, match);
    bind_all(st, 2, vals);
    int r, n = 0;
    while ((r = store_step(st, e)) == 1) {
        if (n++ == q->limit) break;
        json_t *it = json_object();
        json_object_set_new(it, "type", json_string(patents ? "patent" : "trademark"));
        json_object_set_new(it, "id", json_integer(store_col_int(st, 0)));
        static const char *pnames[] = {NULL,          "appno",      "kind",        "title",   "first_applicant",
                                       "filing_date", "grant_date", "region_code", "ipc_main"};
        static const char *tnames[] = {NULL,          "reg_no",   "status",      "mark_text",  "applicant",
                                       "filing_date", "reg_date", "region_code", "expiry_date"};
        for (int c = 1; c <= 8; c++) {
            const char *v = store_col_text(st, c);
            json_object_set_new(it, patents ? pnames[c] : tnames[c], v ? json_string(v) : json_null());
        }
        if (patents) {
            const char *k = store_col_text(st, 2);
            for (const rec_opt *o = patent_kinds; k && o->value; o++)
                if (!strcmp(o->value, k)) {
                    json_object_set_new(it, "kind_zh", json_string(o->zh));
                    json_object_set_new(it, "kind_en", json_string(o->en));
                }
        }
        json_object_set_new(it, "synthetic", json_boolean(store_col_int(st, 9)));
        json_object_set_new(it, "title_hl", json_string(store_col_text(st, 10) ? store_col_text(st, 10) : ""));
        json_object_set_new(it, patents ? "abstract_hl" : "goods_hl",
                            json_string(store_col_text(st, 11) ? store_col_text(st, 11) : ""));
        json_object_set_new(it, "holders_hl", json_string(store_col_text(st, 12) ? store_col_text(st, 12) : ""));
        json_object_set_new(it, "score", json_real(-store_col_double(st, 13)));
        json_array_append_new(items, it);
    }
    store_done(st);
    if (r < 0) goto out;
    int more = n > q->limit;
    if (q->count) {
        buf cq = BUF_INIT;
        buf_printf(&cq,
                   "SELECT COUNT(*) FROM %s JOIN %s p ON p.id = %s.rowid WHERE %s MATCH ?1 AND p.deleted_at IS NULL%s",
                   fts, tbl, fts, fts, buf_cstr(&w));
        st = store_prepare(db, cq.s, e);
        buf_free(&cq);
        if (!st) goto out;
        store_bind_text(st, 1, match);
        bind_all(st, 2, vals);
        r = store_step(st, e);
        total = r == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (r < 0) goto out;
    }
    *out = json_pack("{s:s,s:s,s:s,s:o}", "q", q->q, "match", match, "order", ranked ? "relevance" : "newest", "items",
                     items);
    items = NULL;
    json_object_set_new(*out, "next_offset", more ? json_integer(q->offset + q->limit) : json_null());
    if (total >= 0) json_object_set_new(*out, "total", json_integer(total));
    rc = 0;
out:
    json_decref(items);
    json_decref(vals);
    buf_free(&w);
    buf_free(&sql);
    free(match);
    return rc;
}
