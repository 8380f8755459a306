/* regsearch.c - registry full-text search; see regsearch.h.  The
 * backend-neutral part and the SQLite half (FTS5); the PostgreSQL half is
 * pgsearch.c. */
#include "pgsearch.h"

#include "../base/util.h"
#include "../domain/registry.h"

#include <stdlib.h>
#include <string.h>

const rs_table rs_patents = {
    .table = "patents",
    .fts = "patents_fts",
    .side = "patents_search",
    .cols = {"title", "abstract", "holders"},
    .weights = {10.0, 1.0, 5.0}, /* = the rank set in rs_create_indexes */
    .tsv_order = {0, 2, 1},      /* title (500), holders (5,000), abstract (20,000) */
    .fields = "p.id, p.appno, p.kind, p.title, p.first_applicant, p.filing_date, p.grant_date, p.region_code,"
              " p.ipc_main, p.synthetic",
    .hl_col = {0, 1, 2},
    .hl_tokens = {40, 48, 24},
    .patents = 1,
};

const rs_table rs_trademarks = {
    .table = "trademarks",
    .fts = "trademarks_fts",
    .side = "trademarks_search",
    .cols = {"mark_text", "applicant", "goods"},
    .weights = {10.0, 5.0, 1.0},
    .tsv_order = {0, 1, 2},
    .fields = "p.id, p.reg_no, p.status, p.mark_text, p.applicant, p.filing_date, p.reg_date, p.region_code,"
              " p.expiry_date, p.synthetic",
    .hl_col = {0, 2, 1},
    .hl_tokens = {40, 48, 24},
    .patents = 0,
};

const char *const rs_hl_names[2][3] = {{"title_hl", "abstract_hl", "holders_hl"},
                                       {"title_hl", "goods_hl", "holders_hl"}};

int rs_create_indexes(store *db, err *e)
{
    if (store_kind_of(db) == STORE_PG) return pgs_create(db, e);
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
    if (store_kind_of(db) == STORE_PG) return pgs_rebuild(db, e);
    return store_exec(db,
                      "INSERT INTO patents_fts(patents_fts) VALUES('rebuild');"
                      "INSERT INTO trademarks_fts(trademarks_fts) VALUES('rebuild');",
                      e);
}

/* Writes one FTS5 change of row (its id and three columns): del = 0
 * inserts, 1 removes (FTS5 "delete" with the old values). */
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

/* True when the change of row/old is left to rs_defer_end(). */
static int deferred(store *db, const rs_table *t, const json_t *row, const json_t *old)
{
    rs_defer *d = store_cache_get(db, "rs_defer");
    if (!d) return 0;
    int64_t after = t->patents ? d->patents_after : d->trademarks_after;
    const json_t *r = row ? row : old;
    return json_integer_value(json_object_get(r, "id")) > after;
}

int rs_defer_active(store *db) { return store_cache_get(db, "rs_defer") != NULL; }

int rs_defer_begin(store *db, err *e)
{
    if (!store_in_tx(db)) return 0;
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
    if (store_kind_of(db) == STORE_PG) {
        rc = pgs_index_after(db, &rs_patents, d->patents_after, e) ||
                     pgs_index_after(db, &rs_trademarks, d->trademarks_after, e)
                 ? -1
                 : 0;
        store_cache_set(db, "rs_defer", NULL, NULL);
        return rc;
    }
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

/* Keeps one row of t in the index (see rs_index_patent). */
static int reindex(store *db, const rs_table *t, const json_t *row, const json_t *old, err *e)
{
    if (deferred(db, t, row, old)) return 0;
    if (store_kind_of(db) == STORE_PG) return pgs_write(db, t, row, old, e);
    if (old && !json_object_get(old, "deleted_at") && fts_write(db, t->fts, t->cols, old, 1, e)) return -1;
    if (row && !json_object_get(row, "deleted_at") && fts_write(db, t->fts, t->cols, row, 0, e)) return -1;
    return 0;
}

int rs_index_patent(store *db, const json_t *row, const json_t *old, err *e)
{
    return reindex(db, &rs_patents, row, old, e);
}

int rs_index_trademark(store *db, const json_t *row, const json_t *old, err *e)
{
    return reindex(db, &rs_trademarks, row, old, e);
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

/* Appends the filters of q as " AND ..." over alias p to w, and their
 * values (text) to vals, in order. */
static void filters(store *db, const rs_query *q, int patents, buf *w, json_t *vals)
{
    const char *like = store_sql_ilike(db); /* SQLite's LIKE ignores ASCII case; PostgreSQL's does not */
    if (patents && q->kind) {
        buf_puts(w, " AND p.kind = ?");
        json_array_append_new(vals, json_string(q->kind));
    }
    if (patents && q->ipc) {
        buf_printf(w, " AND EXISTS (SELECT 1 FROM patent_ipc i WHERE i.patent_id = p.id AND i.code %s ?)", like);
        buf pat = BUF_INIT;
        for (const char *c = q->ipc; *c; c++)
            if (*c != '%' && *c != '_' && *c != '\\') buf_putc(&pat, *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c);
        buf_putc(&pat, '%');
        json_array_append_new(vals, json_string(pat.s));
        buf_free(&pat);
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
        buf_printf(w, " AND p.%s %s ?", patents ? "holders" : "applicant", like);
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

json_t *rs_item_new(const rs_table *t, store_stmt *st)
{
    static const char *const names[2][9] = {
        {NULL, "appno", "kind", "title", "first_applicant", "filing_date", "grant_date", "region_code", "ipc_main"},
        {NULL, "reg_no", "status", "mark_text", "applicant", "filing_date", "reg_date", "region_code", "expiry_date"}};
    json_t *it = json_object();
    json_object_set_new(it, "type", json_string(t->patents ? "patent" : "trademark"));
    json_object_set_new(it, "id", json_integer(store_col_int(st, 0)));
    for (int c = 1; c <= 8; c++) {
        const char *v = store_col_text(st, c);
        json_object_set_new(it, names[!t->patents][c], v ? json_string(v) : json_null());
    }
    if (t->patents) {
        const char *k = store_col_text(st, 2);
        for (const rec_opt *o = patent_kinds; k && o->value; o++)
            if (!strcmp(o->value, k)) {
                json_object_set_new(it, "kind_zh", json_string(o->zh));
                json_object_set_new(it, "kind_en", json_string(o->en));
            }
    }
    json_object_set_new(it, "synthetic", json_boolean(store_col_int(st, 9)));
    return it;
}

/* The SQLite search (FTS5): see rs_search. */
static int sqlite_search(store *db, const rs_table *t, const rs_query *q, const char *match, const char *where,
                         json_t *vals, json_t **items_out, int *ranked_out, int *more_out, int64_t *total_out, err *e)
{
    const char *fts = t->fts;
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
        if (crc) return -1;
        ranked = nmatch <= RS_RANK_LIMIT;
    }
    buf sql = BUF_INIT;
    buf_printf(&sql, "SELECT %s", t->fields);
    for (int h = 0; h < 3; h++)
        buf_printf(&sql, ", cjk_snippet(%s, %d, '<mark>', '</mark>', '…', %d, ?1)", fts, t->hl_col[h], t->hl_tokens[h]);
    buf_printf(&sql,
               ", %s.rank FROM %s JOIN %s p ON p.id = %s.rowid WHERE %s MATCH ?1 AND p.deleted_at IS NULL%s"
               " ORDER BY %s%s LIMIT %d OFFSET %d",
               fts, fts, t->table, fts, fts, where, ranked ? "rank" : fts, ranked ? "" : ".rowid DESC", q->limit + 1,
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
        json_t *it = rs_item_new(t, st);
        for (int h = 0; h < 3; h++)
            json_object_set_new(it, rs_hl_names[!t->patents][h],
                                json_string(store_col_text(st, 10 + h) ? store_col_text(st, 10 + h) : ""));
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
                   fts, t->table, fts, fts, where);
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
    *items_out = items;
    items = NULL;
    *ranked_out = ranked;
    *more_out = more;
    *total_out = total;
    rc = 0;
out:
    json_decref(items);
    buf_free(&sql);
    return rc;
}

int rs_search(store *db, const rs_query *q, json_t **out, err *e)
{
    *out = NULL;
    store_kind kind = store_kind_of(db);
    if (kind != STORE_SQLITE && kind != STORE_PG)
        return err_set(e, 501, "search.backend", "该数据库后端尚不支持全文检索",
                       "Full-text search is not available on this database backend yet");
    if (!q->q || !util_utf8_valid(q->q, strlen(q->q)))
        return err_set(e, 400, "search.encoding", "检索词不是有效的 UTF-8 文本", "The search text is not valid UTF-8");
    const rs_table *t = !q->scope || !strcmp(q->scope, "patents") ? &rs_patents : &rs_trademarks;
    srch_query *sq = srch_query_parse(q->q);
    if (!sq) {
        *out = json_pack("{s:s,s:[],s:n}", "q", q->q, "items", "next_offset");
        if (q->count) json_object_set_new(*out, "total", json_integer(0));
        return 0;
    }
    char *match = srch_query_match(sq);
    buf w = BUF_INIT;
    json_t *vals = json_array(), *items = NULL;
    filters(db, q, t->patents, &w, vals);
    int ranked = 1, more = 0;
    int64_t total = -1;
    int rc = kind == STORE_PG ? pgs_search(db, t, q, sq, buf_cstr(&w), vals, &items, &ranked, &more, &total, e)
                              : sqlite_search(db, t, q, match, buf_cstr(&w), vals, &items, &ranked, &more, &total, e);
    if (!rc) {
        *out = json_pack("{s:s,s:s,s:s,s:o}", "q", q->q, "match", match, "order", ranked ? "relevance" : "newest",
                         "items", items);
        json_object_set_new(*out, "next_offset", more ? json_integer(q->offset + q->limit) : json_null());
        if (total >= 0) json_object_set_new(*out, "total", json_integer(total));
    }
    json_decref(vals);
    buf_free(&w);
    free(match);
    srch_query_free(sq);
    return rc;
}
