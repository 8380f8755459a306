/*
 * pgsearch.c - the PostgreSQL half of the registry search (see
 * pgsearch.h, regsearch.h).
 *
 * Index: a side table per searchable table, <side>(id, tsv), with a GIN
 * index on tsv.  The tsvector is built in C by srch_tsvector() from our own
 * tokenizer (CJK unigrams + colocated bigrams, folded words), so
 * PostgreSQL's text search parser, dictionaries and locale play no part:
 * the literal is bound as text and cast (?::tsvector).  Columns get the
 * weights A, B, C (FTS5 column 0, 1, 2) and are separated by an unused
 * position so that no phrase spans two of them.
 *
 * Queries: srch_query_tsquery() writes the parsed user query as a tsquery
 * literal (phrases with <->, prefixes with :*), bound and cast the same
 * way; the matching rows are exactly FTS5's.
 *
 * Ranking: the score is cjk_rank's, computed by the same C function
 * (srch_bm25) from the same inputs: the number of indexed rows and of rows
 * matching each phrase (COUNT(*) queries) give the IDFs, and the
 * column-weighted number of matches of each phrase in a row comes from
 * ts_rank_cd(weights, tsv, phrase, 0) with the column weights scaled to
 * at most 1: with normalisation 0 each cover - here one match of the
 * phrase - adds the weight of its column, so scaling back and rounding
 * gives FTS5's weighted instance count.  That holds while a phrase's
 * matches are disjoint runs of one item per position; for the rare phrase
 * whose tokens can share a position or repeat (哈哈哈, 芯,芯片: see
 * srch_phrase_overlaps) the candidates' text is read instead and the matches
 * counted in C (srch_col_match), as FTS5 counts them.  Equal scores are ordered by
 * ascending id, as FTS5's sorter leaves them.  Limits of tsvector (not of
 * FTS5): positions above 16383 are clamped and a token keeps at most 256
 * positions, so in text of more than ~10,000 characters (only long
 * abstracts) a phrase matching late in the text may be missed and counts
 * saturate; single tokens are still found.
 *
 * Snippets: the page's rows are read with their text, and the matches are
 * found again in C (srch_col_match) and marked by the code cjk_snippet()
 * uses (snippet.c), with the same window lengths.
 */
#include "pgsearch.h"

#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

/* Rows read and written per batch by pgs_index_after(). */
#define PGS_BATCH 2000
/* Loads of at least this many rows (and at least the rows already indexed)
 * build the GIN index afresh instead of growing it (pgs_index_after). */
#define PGS_GIN_REBUILD 20000

int pgs_create(store *db, err *e)
{
    /* Kept by statement triggers on every index table, so that no write
     * path can forget them (cascades included):
     *   search_counts.n  rows in the index table (the N of the IDFs);
     *   search_df.n      rows whose tsvector holds the lexeme: the number
     *                    of documents a one-token phrase matches, without
     *                    reading a row (a COUNT(*) of a common character
     *                    visits most of the table).
     * Write transactions are serialised by the store, so these rows add no
     * contention.  A lexeme that leaves every row keeps n = 0. */
    if (store_exec(db,
                   "CREATE TABLE IF NOT EXISTS search_counts (name TEXT PRIMARY KEY, n BIGINT NOT NULL);"
                   "CREATE TABLE IF NOT EXISTS search_df (name TEXT NOT NULL, lexeme TEXT NOT NULL, n BIGINT NOT NULL,"
                   " PRIMARY KEY (name, lexeme));"
                   "CREATE OR REPLACE FUNCTION search_stats() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                   "BEGIN\n"
                   "  IF TG_OP = 'UPDATE' THEN\n" /* only the lexemes that came or went */
                   "    INSERT INTO search_df (name, lexeme, n)"
                   " SELECT TG_TABLE_NAME, COALESCE(a.l, b.l), COALESCE(a.c, 0) - COALESCE(b.c, 0)"
                   " FROM (SELECT l, COUNT(*) AS c FROM nt, unnest(tsvector_to_array(nt.tsv)) AS l GROUP BY l) a"
                   " FULL JOIN (SELECT l, COUNT(*) AS c FROM ot, unnest(tsvector_to_array(ot.tsv)) AS l GROUP BY l) b"
                   " ON a.l = b.l WHERE COALESCE(a.c, 0) <> COALESCE(b.c, 0)"
                   " ON CONFLICT (name, lexeme) DO UPDATE SET n = search_df.n + excluded.n;\n"
                   "  ELSIF TG_OP = 'INSERT' THEN\n"
                   "    UPDATE search_counts SET n = n + (SELECT COUNT(*) FROM nt) WHERE name = TG_TABLE_NAME;\n"
                   "    INSERT INTO search_df (name, lexeme, n) SELECT TG_TABLE_NAME, l, COUNT(*) FROM nt,"
                   " unnest(tsvector_to_array(nt.tsv)) AS l GROUP BY l"
                   " ON CONFLICT (name, lexeme) DO UPDATE SET n = search_df.n + excluded.n;\n"
                   "  ELSE\n"
                   "    UPDATE search_counts SET n = n - (SELECT COUNT(*) FROM ot) WHERE name = TG_TABLE_NAME;\n"
                   "    UPDATE search_df d SET n = d.n - x.c FROM (SELECT l, COUNT(*) AS c FROM ot,"
                   " unnest(tsvector_to_array(ot.tsv)) AS l GROUP BY l) x"
                   " WHERE d.name = TG_TABLE_NAME AND d.lexeme = x.l;\n"
                   "  END IF;\n"
                   "  RETURN NULL;\n"
                   "END $$",
                   e))
        return -1;
    const rs_table *ts[] = {&rs_patents, &rs_trademarks};
    for (int i = 0; i < 2; i++) {
        const char *s = ts[i]->side;
        buf q = BUF_INIT;
        buf_printf(&q,
                   "CREATE TABLE IF NOT EXISTS %s (id BIGINT PRIMARY KEY REFERENCES %s(id) ON DELETE CASCADE,"
                   " tsv TSVECTOR NOT NULL);"
                   "CREATE INDEX IF NOT EXISTS %s_tsv ON %s USING gin (tsv);"
                   "INSERT INTO search_counts (name, n) SELECT '%s', COUNT(*) FROM %s ON CONFLICT (name) DO NOTHING;"
                   "INSERT INTO search_df (name, lexeme, n) SELECT '%s', l, COUNT(*) FROM %s,"
                   " unnest(tsvector_to_array(tsv)) AS l GROUP BY l ON CONFLICT (name, lexeme) DO NOTHING;",
                   s, ts[i]->table, s, s, s, s, s, s);
        static const char *const ev[3][2] = {
            {"ins", "INSERT ON %s REFERENCING NEW TABLE AS nt"},
            {"upd", "UPDATE ON %s REFERENCING OLD TABLE AS ot NEW TABLE AS nt"},
            {"del", "DELETE ON %s REFERENCING OLD TABLE AS ot"},
        };
        for (int k = 0; k < 3; k++) {
            buf_printf(&q, "DROP TRIGGER IF EXISTS %s_stats_%s ON %s; CREATE TRIGGER %s_stats_%s AFTER ", s, ev[k][0],
                       s, s, ev[k][0]);
            buf_printf(&q, ev[k][1], s);
            buf_puts(&q, " FOR EACH STATEMENT EXECUTE FUNCTION search_stats();");
        }
        int rc = store_exec(db, q.s, e);
        buf_free(&q);
        if (rc) return -1;
    }
    return 0;
}

/* The tsvector literal of the three indexed texts of t (NULL = empty).
 * Heap string; the caller frees it. */
static char *tsv_of(const rs_table *t, const char *c0, const char *c1, const char *c2)
{
    const char *cols[3] = {c0, c1, c2};
    return srch_tsvector(cols, t->tsv_order, 3);
}

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int same_text(const char *a, const char *b) { return (!a || !*a) ? (!b || !*b) : (b && !strcmp(a, b)); }

int pgs_write(store *db, const rs_table *t, const json_t *row, const json_t *old, err *e)
{
    int live = row && !json_object_get(row, "deleted_at");
    int was = old && !json_object_get(old, "deleted_at");
    if (live && was) {
        int same = 1;
        for (int c = 0; c < 3 && same; c++) same = same_text(jstr(row, t->cols[c]), jstr(old, t->cols[c]));
        if (same) return 0;
    }
    buf q = BUF_INIT;
    store_stmt *st;
    if (live) {
        buf_printf(&q,
                   "INSERT INTO %s (id, tsv) VALUES (?, ?::tsvector)"
                   " ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv",
                   t->side);
        st = store_prepare(db, q.s, e);
        buf_free(&q);
        if (!st) return -1;
        char *tsv = tsv_of(t, jstr(row, t->cols[0]), jstr(row, t->cols[1]), jstr(row, t->cols[2]));
        store_bind_int(st, 1, json_integer_value(json_object_get(row, "id")));
        store_bind_text(st, 2, tsv);
        free(tsv);
    } else {
        const json_t *r = row ? row : old;
        if (!r) return 0;
        buf_printf(&q, "DELETE FROM %s WHERE id = ?", t->side);
        st = store_prepare(db, q.s, e);
        buf_free(&q);
        if (!st) return -1;
        store_bind_int(st, 1, json_integer_value(json_object_get(r, "id")));
    }
    int rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* Appends s as the next element of a PostgreSQL array literal that b
 * holds from its "{" on: a comma unless it is the first, then s
 * double-quoted with " and \ escaped. */
static void array_elem(buf *b, const char *s)
{
    if (b->len > 1) buf_putc(b, ',');
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_putc(b, '\\');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

int pgs_index_after(store *db, const rs_table *t, int64_t after, err *e)
{
    /* Batches are id ranges, not ORDER BY id LIMIT n: in a transaction that
     * has just loaded the table (no statistics yet) the planner may sort
     * the whole table for every batch. */
    int64_t maxid = 0;
    buf rq = BUF_INIT, wq = BUF_INIT;
    buf_printf(&rq, "SELECT COALESCE(MAX(id), 0) FROM %s", t->table);
    if (store_query_int(db, rq.s, &maxid, e, 0)) {
        buf_free(&rq);
        return -1;
    }
    /* A load that at least doubles a sizeable index: the GIN index is
     * dropped and built again at the end, about five times faster than
     * growing it row by row.  Inside the transaction, so a rollback brings
     * the old index back; searches of this table wait meanwhile (the
     * price of a bulk load, see docs/registry.md). */
    int64_t indexed = 0;
    buf_reset(&rq);
    buf_printf(&rq, "SELECT COALESCE(MAX(n), 0) FROM search_counts WHERE name = '%s'", t->side);
    if (store_query_int(db, rq.s, &indexed, e, 0)) {
        buf_free(&rq);
        return -1;
    }
    int rebuild_gin = store_in_tx(db) && maxid - after >= PGS_GIN_REBUILD && maxid - after >= indexed;
    if (rebuild_gin) {
        buf_reset(&rq);
        buf_printf(&rq, "DROP INDEX IF EXISTS %s_tsv", t->side);
        if (store_exec(db, rq.s, e)) {
            buf_free(&rq);
            return -1;
        }
    }
    buf_reset(&rq);
    buf_printf(&rq, "SELECT id, %s, %s, %s FROM %s WHERE id > ? AND id <= ? AND deleted_at IS NULL", t->cols[0],
               t->cols[1], t->cols[2], t->table);
    buf_printf(&wq,
               "INSERT INTO %s (id, tsv) SELECT u.id, u.tsv FROM unnest(?::bigint[], ?::tsvector[]) AS u(id, tsv)"
               " ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv",
               t->side);
    buf ids = BUF_INIT, tsvs = BUF_INIT;
    int rc = 0;
    for (int64_t lo = after; lo < maxid && !rc; lo += PGS_BATCH) {
        store_stmt *st = store_prepare(db, rq.s, e);
        if (!st) {
            rc = -1;
            break;
        }
        store_bind_int(st, 1, lo);
        store_bind_int(st, 2, lo + PGS_BATCH);
        buf_reset(&ids);
        buf_reset(&tsvs);
        buf_putc(&ids, '{');
        buf_putc(&tsvs, '{');
        int n = 0, r;
        while ((r = store_step(st, e)) == 1) {
            char *tsv = tsv_of(t, store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3));
            buf_printf(&ids, "%s%lld", n ? "," : "", (long long)store_col_int(st, 0));
            array_elem(&tsvs, tsv);
            free(tsv);
            n++;
        }
        store_done(st);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (!n) continue;
        buf_putc(&ids, '}');
        buf_putc(&tsvs, '}');
        st = store_prepare(db, wq.s, e);
        if (!st) {
            rc = -1;
            break;
        }
        store_bind_text(st, 1, ids.s);
        store_bind_text(st, 2, tsvs.s);
        rc = store_step(st, e) < 0 ? -1 : 0;
        store_done(st);
    }
    if (!rc && rebuild_gin) {
        buf_reset(&rq);
        buf_printf(&rq, "SET LOCAL maintenance_work_mem = '256MB'; CREATE INDEX %s_tsv ON %s USING gin (tsv)", t->side,
                   t->side);
        rc = store_exec(db, rq.s, e);
    }
    buf_free(&ids);
    buf_free(&tsvs);
    buf_free(&rq);
    buf_free(&wq);
    return rc;
}

int pgs_rebuild(store *db, err *e)
{
    int own = !store_in_tx(db);
    if (own && store_begin(db, e)) return -1;
    const rs_table *ts[] = {&rs_patents, &rs_trademarks};
    for (int i = 0; i < 2; i++) {
        /* TRUNCATE fires no row-set triggers: the statistics are reset here */
        buf q = BUF_INIT;
        buf_printf(&q,
                   "TRUNCATE %s; DELETE FROM search_df WHERE name = '%s';"
                   " UPDATE search_counts SET n = 0 WHERE name = '%s'",
                   ts[i]->side, ts[i]->side, ts[i]->side);
        int rc = store_exec(db, q.s, e);
        buf_free(&q);
        if (rc || pgs_index_after(db, ts[i], 0, e)) {
            if (own) store_rollback(db);
            return -1;
        }
    }
    return own ? store_commit(db, e) : 0;
}

/* ---- search ---- */

/* One candidate: its id and score. */
typedef struct cand {
    int64_t id;
    double score;
} cand;

/* Best first; equal scores by ascending id. */
static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The weights argument of ts_rank_cd ({D,C,B,A}, each at most 1) for t's
 * columns (A = column 0 ...) and the scale that turns its result back
 * into t's weights. */
static void rank_weights(const rs_table *t, char out[128], double *scale)
{
    double m = 0;
    for (int c = 0; c < 3; c++)
        if (t->weights[c] > m) m = t->weights[c];
    if (m <= 0) m = 1;
    *scale = m;
    snprintf(out, 128, "{1,%.9g,%.9g,%.9g}", t->weights[2] / m, t->weights[1] / m, t->weights[0] / m);
}

/* The smallest number of indexed rows of t holding one of the tokens of
 * phrase ph (search_df; 0 when one is in no row), in one query: an upper
 * bound of the rows the phrase matches, exact for a one-token phrase. */
static int phrase_df(store *db, const rs_table *t, const srch_phrase *ph, int64_t *n, err *e)
{
    buf arr = BUF_INIT;
    int distinct = 0;
    buf_putc(&arr, '{');
    for (int k = 0; k < ph->ntok; k++) {
        int seen = 0;
        for (int j = 0; j < k && !seen; j++) seen = !strcmp(ph->tok[j], ph->tok[k]);
        if (seen) continue;
        array_elem(&arr, ph->tok[k]);
        distinct++;
    }
    buf_putc(&arr, '}');
    char cnt[16];
    snprintf(cnt, sizeof cnt, "%d", distinct);
    int rc = store_query_int(db,
                             "SELECT CASE WHEN COUNT(*) < CAST(? AS INTEGER) THEN 0 ELSE MIN(n) END FROM search_df"
                             " WHERE name = ? AND lexeme = ANY(?::text[])",
                             n, e, 3, cnt, t->side, arr.s);
    buf_free(&arr);
    return rc;
}

/* The document counts the ranking needs: for each phrase of sq the number
 * of indexed rows it matches (nhit[i]), and the number of rows the whole
 * query matches, exactly when it is at most RS_RANK_LIMIT, else any larger
 * number (*nmatch).  A one-token phrase (no prefix) is looked up in
 * search_df; the other phrases are counted, which reads every matching
 * row, except that with defer set (one phrase, no filters) a phrase whose
 * rarest token is in at most RS_RANK_LIMIT rows is left at nhit[0] = -1
 * for the caller to count while it reads the candidates (*nmatch is then
 * that bound).  The rarest token also bounds a phrase's matches, which can
 * settle "ranked" without counting the query. */
static int doc_counts(store *db, const rs_table *t, const srch_query *sq, const char *tsq, int defer, int64_t *nhit,
                      int64_t *nmatch, err *e)
{
    buf q = BUF_INIT;
    int rc = 0;
    int64_t least = -1; /* the smallest upper bound of a phrase's matches: one of the whole query's */
    for (int i = 0; !rc && i < sq->n; i++) {
        const srch_phrase *ph = &sq->ph[i];
        nhit[i] = -1;
        int64_t ub = -1;
        if (!ph->prefix) rc = phrase_df(db, t, ph, &ub, e);
        if (ub >= 0 && ph->ntok == 1) nhit[i] = ub; /* exact */
        if (ub >= 0 && (least < 0 || ub < least)) least = ub;
    }
    buf_printf(&q, "SELECT COUNT(*) FROM %s WHERE tsv @@ ?::tsquery", t->side);
    int later = defer && sq->n == 1 && nhit[0] < 0 && least >= 0 && least <= RS_RANK_LIMIT;
    for (int i = 0; !rc && !later && i < sq->n; i++) {
        if (nhit[i] >= 0) continue;
        char *x = srch_query_tsquery(sq, i);
        rc = store_query_int(db, q.s, &nhit[i], e, 1, x);
        free(x);
    }
    if (!rc && sq->n == 1 && !later) *nmatch = nhit[0];
    else if (!rc && least >= 0 && least <= RS_RANK_LIMIT)
        *nmatch = least; /* at most that many: ranked */
    else if (!rc) {
        buf_reset(&q);
        buf_printf(&q, "SELECT COUNT(*) FROM (SELECT 1 FROM %s WHERE tsv @@ ?::tsquery LIMIT %d) x", t->side,
                   RS_RANK_LIMIT + 1);
        rc = store_query_int(db, q.s, nmatch, e, 1, tsq);
    }
    buf_free(&q);
    return rc;
}

/* Adds to f[i] the weighted number of matches of phrase i of sq in the
 * three texts of a row (t's column weights), found in C as FTS5 finds
 * them: the exact counts when ts_rank_cd's may not be. */
static void text_freqs(const rs_table *t, const srch_query *sq, const char *const text[3], double *f)
{
    for (int c = 0; c < 3; c++) {
        if (!text[c] || !*text[c]) continue;
        srch_col col;
        srch_col_init(&col, text[c], (int)strlen(text[c]));
        srch_col_match(&col, sq, t->weights[c], f);
        srch_col_free(&col);
    }
}

/* Appends the select list of the phrase frequencies (one column per
 * phrase) and binds nothing: see bind_freqs(). */
static void freq_cols(buf *sql, int n)
{
    for (int i = 0; i < n; i++) buf_puts(sql, ", round(ts_rank_cd(?::real[], s.tsv, ?::tsquery, 0) * ?)");
}

/* Binds the parameters of freq_cols() from index first; returns the next
 * index. */
static int bind_freqs(store_stmt *st, int first, const char *weights, double scale, char **phq, int n)
{
    for (int i = 0; i < n; i++) {
        store_bind_text(st, first++, weights);
        store_bind_text(st, first++, phq[i]);
        store_bind_double(st, first++, scale);
    }
    return first;
}

static void bind_vals(store_stmt *st, int first, json_t *vals)
{
    size_t i;
    json_t *v;
    json_array_foreach(vals, i, v) store_bind_text(st, first + (int)i, json_string_value(v));
}

/* Reads the page's rows (ids in order) with their text and appends their
 * items, with snippets and scores, to items. */
static int page_items(store *db, const rs_table *t, const srch_query *sq, const cand *page, int n, json_t *items,
                      err *e)
{
    if (!n) return 0;
    buf sql = BUF_INIT, ids = BUF_INIT;
    buf_printf(&sql, "SELECT %s, p.%s, p.%s, p.%s FROM %s p WHERE p.id = ANY(?::bigint[])", t->fields, t->cols[0],
               t->cols[1], t->cols[2], t->table);
    buf_putc(&ids, '{');
    for (int i = 0; i < n; i++) buf_printf(&ids, "%s%lld", i ? "," : "", (long long)page[i].id);
    buf_putc(&ids, '}');
    store_stmt *st = store_prepare(db, sql.s, e);
    buf_free(&sql);
    if (!st) {
        buf_free(&ids);
        return -1;
    }
    store_bind_text(st, 1, ids.s);
    buf_free(&ids);
    json_t **got = xcalloc((size_t)n, sizeof *got);
    int r;
    while ((r = store_step(st, e)) == 1) {
        int64_t id = store_col_int(st, 0);
        int k = 0;
        while (k < n && (page[k].id != id || got[k])) k++;
        if (k == n) continue;
        json_t *it = rs_item_new(t, st);
        for (int h = 0; h < 3; h++) {
            int c = t->hl_col[h];
            const char *text = store_col_text(st, 10 + c);
            srch_col col;
            srch_col_init(&col, text, text ? (int)strlen(text) : 0);
            srch_col_match(&col, sq, 0, NULL);
            int w0;
            srch_col_window(&col, t->hl_tokens[h], &w0, NULL);
            buf b = BUF_INIT;
            srch_col_snippet(&col, &b, w0, t->hl_tokens[h], "<mark>", "</mark>", "…");
            json_object_set_new(it, rs_hl_names[!t->patents][h], json_string(buf_cstr(&b)));
            buf_free(&b);
            srch_col_free(&col);
        }
        json_object_set_new(it, "score", json_real(page[k].score));
        got[k] = it;
    }
    store_done(st);
    for (int k = 0; k < n; k++)
        if (got[k]) json_array_append_new(items, got[k]); /* a row deleted meanwhile is left out */
    free(got);
    return r < 0 ? -1 : 0;
}

int pgs_search(store *db, const rs_table *t, const rs_query *q, const srch_query *sq, const char *where, json_t *vals,
               json_t **items, int *ranked, int *more, int64_t *total, err *e)
{
    *items = NULL;
    *more = 0;
    *total = -1;
    *ranked = 1;
    int n = sq->n;
    char *tsq = srch_query_tsquery(sq, -1);
    char **phq = xcalloc((size_t)n, sizeof *phq);
    for (int i = 0; i < n; i++) phq[i] = srch_query_tsquery(sq, i);
    double *idf = xcalloc((size_t)n, sizeof *idf), *fs = NULL; /* fs: n match counts per candidate */
    int64_t *nhit = NULL;
    char weights[128];
    double scale;
    rank_weights(t, weights, &scale);
    buf sql = BUF_INIT, from = BUF_INIT;
    cand *cs = NULL;
    int ncs = 0, cap = 0, rc = -1;
    json_t *out = json_array();

    /* Ranking scores every matching document; beyond RS_RANK_LIMIT the
     * answer is newest first (regsearch.h).  Scores need the IDFs either
     * way: the row count and each phrase's document count. */
    int64_t nrow = 0, nmatch = 0;
    nhit = xcalloc((size_t)n, sizeof *nhit);
    buf_printf(&sql, "SELECT n FROM search_counts WHERE name = '%s'", t->side);
    if (store_query_int(db, sql.s, &nrow, e, 0) || doc_counts(db, t, sq, tsq, !*where, nhit, &nmatch, e)) goto out;
    *ranked = nmatch <= RS_RANK_LIMIT;

    /* Weighted match counts per phrase: ts_rank_cd's (see pgsearch.c's
     * head), or, when a phrase may overlap itself (rare, e.g. 哈哈哈 or
     * 芯,芯片: srch_phrase_overlaps), counted in C from the rows' text. */
    int textual = 0;
    for (int i = 0; i < n; i++) textual |= srch_phrase_overlaps(&sq->ph[i]);
    /* The index holds live rows only (pgs_write removes deleted ones), so
     * without filters the records table is not joined: the planner would
     * often hash-join it whole. */
    if (*where || textual)
        buf_printf(&from, " FROM %s s JOIN %s p ON p.id = s.id WHERE s.tsv @@ ?::tsquery AND p.deleted_at IS NULL%s",
                   t->side, t->table, where);
    else
        buf_printf(&from, " FROM %s s WHERE s.tsv @@ ?::tsquery", t->side);
    buf_reset(&sql);
    buf_puts(&sql, "SELECT s.id");
    if (textual) buf_printf(&sql, ", p.%s, p.%s, p.%s", t->cols[0], t->cols[1], t->cols[2]);
    else
        freq_cols(&sql, n);
    buf_puts(&sql, from.s);
    if (!*ranked) buf_puts(&sql, " ORDER BY s.id DESC LIMIT ? OFFSET ?");
    store_stmt *st = store_prepare(db, sql.s, e);
    if (!st) goto out;
    int k = textual ? 1 : bind_freqs(st, 1, weights, scale, phq, n);
    store_bind_text(st, k++, tsq);
    bind_vals(st, k, vals);
    k += (int)json_array_size(vals);
    if (!*ranked) {
        store_bind_int(st, k, q->limit + 1);
        store_bind_int(st, k + 1, q->offset);
    }
    int r;
    while ((r = store_step(st, e)) == 1) {
        if (ncs == cap) {
            cap = cap ? cap * 2 : 256;
            cs = xrealloc(cs, (size_t)cap * sizeof *cs);
            fs = xrealloc(fs, (size_t)cap * (size_t)n * sizeof *fs);
        }
        double *f = fs + (size_t)ncs * (size_t)n;
        if (textual) {
            const char *text[3] = {store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3)};
            memset(f, 0, (size_t)n * sizeof *f);
            text_freqs(t, sq, text, f);
        } else
            for (int i = 0; i < n; i++) f[i] = store_col_double(st, 1 + i);
        cs[ncs++].id = store_col_int(st, 0);
    }
    store_done(st);
    if (r < 0) goto out;
    if (nhit[0] < 0) nhit[0] = ncs; /* left by doc_counts: one phrase, no filters, every match read */
    for (int i = 0; i < n; i++) idf[i] = srch_idf(nrow, nhit[i]);
    for (int c = 0; c < ncs; c++) cs[c].score = srch_bm25(idf, fs + (size_t)c * (size_t)n, n);

    const cand *page;
    int npage;
    if (*ranked) {
        if (ncs > 1) qsort(cs, (size_t)ncs, sizeof *cs, cand_cmp);
        int first = q->offset < ncs ? q->offset : ncs;
        npage = ncs - first < q->limit ? ncs - first : q->limit;
        *more = ncs - first > q->limit;
        page = npage > 0 ? cs + first : cs;
        if (q->count) *total = ncs;
    } else {
        npage = ncs < q->limit ? ncs : q->limit;
        *more = ncs > q->limit;
        page = cs;
        if (q->count && !*where && n == 1) *total = nmatch; /* exact for one phrase; the index holds live rows only */
        else if (q->count) {
            buf_reset(&sql);
            buf_printf(&sql, "SELECT COUNT(*)%s", from.s);
            st = store_prepare(db, sql.s, e);
            if (!st) goto out;
            store_bind_text(st, 1, tsq);
            bind_vals(st, 2, vals);
            r = store_step(st, e);
            *total = r == 1 ? store_col_int(st, 0) : 0;
            store_done(st);
            if (r < 0) goto out;
        }
    }
    if (page_items(db, t, sq, page, npage, out, e)) goto out;
    *items = out;
    out = NULL;
    rc = 0;
out:
    json_decref(out);
    buf_free(&sql);
    buf_free(&from);
    free(cs);
    free(fs);
    free(nhit);
    free(idf);
    for (int i = 0; i < n; i++) free(phq[i]);
    free(phq);
    free(tsq);
    return rc;
}

int srch_index_table(const char *name)
{
    return !strcmp(name, "search_counts") || !strcmp(name, "search_df") || !strcmp(name, rs_patents.side) ||
           !strcmp(name, rs_trademarks.side);
}
