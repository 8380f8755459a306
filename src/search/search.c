/*
 * search.c - the SQLite half of search: the FTS5 tokenizer "cjk" (a thin
 * wrapper of srch_tokenize) and the auxiliary functions cjk_highlight() and
 * cjk_snippet(), registered per connection by srch_register_sqlite().
 *
 * Why own highlight/snippet functions: FTS5's built-in ones map each
 * matched *position* to the byte range of the token at that position, and
 * ignore colocated tokens.  A query of n CJK characters is a phrase of n-1
 * bigrams, i.e. n-1 positions, so FTS5 marks all but the last character.
 * Widening the offsets in FTS5_TOKENIZE_AUX mode instead is not an option:
 * SQLite 3.40's highlight code appends strlen(rest of text) when the ranges
 * of two adjacent matches overlap.  These functions re-tokenize the column
 * (xTokenize, AUX mode), turn each instance into a position range, widen it
 * by one character when the phrase ends in a bigram, and write the marks.
 * Whether a phrase ends in a bigram is read from the MATCH expression when
 * the caller passes it; otherwise any match ending in a CJK character
 * followed by another is assumed to (exact for all queries of 2+
 * characters, one character too wide for a lone-character query).
 */
#include "search.h"

#include "../base/buf.h"
#include "../base/util.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tokenizer ------------------------------------------------------ */

/* The tokenizer has no state: every instance is this one object. */
static char cjk_instance;

typedef struct fts_ctx {
    void *pctx;
    int (*xtoken)(void *, int, const char *, int, int, int);
} fts_ctx;

static int fts_emit(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    fts_ctx *f = ctx;
    return f->xtoken(f->pctx, flags & SRCH_COLOCATED ? FTS5_TOKEN_COLOCATED : 0, tok, (int)len, start, end);
}

static int cjk_create(void *uctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)uctx;
    (void)argv;
    if (argc > 0) return SQLITE_ERROR; /* the tokenizer takes no options */
    *out = (Fts5Tokenizer *)(void *)&cjk_instance;
    return SQLITE_OK;
}

static void cjk_delete(Fts5Tokenizer *t) { (void)t; }

static int cjk_tokenize(Fts5Tokenizer *t, void *pctx, int flags, const char *text, int n,
                        int (*xtoken)(void *, int, const char *, int, int, int))
{
    (void)t;
    if (!text || n <= 0) return SQLITE_OK;
    fts_ctx f = {pctx, xtoken};
    /* QUERY (with or without PREFIX) uses the query rules; DOCUMENT and
     * AUX the document rules, so that AUX positions equal indexed ones. */
    return srch_tokenize(text, (size_t)n, (flags & FTS5_TOKENIZE_QUERY) != 0, fts_emit, &f);
}

/* ---- phrase endings from a MATCH expression ----------------------------- */

typedef struct last_tok {
    int big; /* the last token is a CJK bigram */
} last_tok;

static int last_emit(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    (void)flags;
    (void)start;
    (void)end;
    last_tok *l = ctx;
    const char *p = tok, *e = tok + len;
    int32_t a = util_utf8_next(&p, e);
    l->big = a >= 0 && srch_is_cjk((uint32_t)a) && p < e;
    return 0;
}

static int bare_char(unsigned char c)
{
    return c >= 0x80 || c == '_' || c == 0x1A || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

/* Reads the phrases of an FTS5 expression in order (the order FTS5 numbers
 * them) and sets big[i] for each phrase that ends in a bigram.  Returns the
 * number of phrases, or -1 when more than max were found. */
static int expr_phrase_ends(const char *x, signed char *big, int max)
{
    int n = 0, plus = 0, after_comma = 0;
    buf ph = BUF_INIT;
    const unsigned char *p = (const unsigned char *)x;
    while (*p) {
        unsigned char c = *p;
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            p++;
            continue;
        }
        int is_phrase = 0;
        buf_reset(&ph);
        if (c == '"') {
            for (p++; *p; p++) {
                if (*p == '"') {
                    if (p[1] != '"') break;
                    p++;
                }
                buf_putc(&ph, (char)*p);
            }
            if (*p) p++;
            is_phrase = 1;
        } else if (bare_char(c)) {
            const unsigned char *s = p;
            while (*p && bare_char(*p)) p++;
            size_t len = (size_t)(p - s);
            const unsigned char *q = p;
            while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
            if (*q == ':' || after_comma) {
                /* a column name, or the distance of NEAR(..., N) */
            } else if ((len == 3 && (!memcmp(s, "AND", 3) || !memcmp(s, "NOT", 3))) ||
                       (len == 2 && !memcmp(s, "OR", 2)) || (len == 4 && !memcmp(s, "NEAR", 4) && *q == '(')) {
                /* an operator */
            } else {
                buf_add(&ph, s, len);
                is_phrase = 1;
            }
        } else if (c == '{') {
            while (*p && *p != '}') p++;
            if (*p) p++;
        } else {
            if (c == '+') plus = 1;
            p++;
        }
        after_comma = c == ',';
        if (!is_phrase) continue;
        last_tok l = {0};
        srch_tokenize(ph.s, ph.len, 1, last_emit, &l);
        if (plus && n > 0) {
            big[n - 1] = (signed char)l.big; /* "a" + "b" is one phrase */
        } else {
            if (n >= max) {
                n = -1;
                break;
            }
            big[n++] = (signed char)l.big;
        }
        plus = 0;
    }
    buf_free(&ph);
    return n;
}

/* ---- highlight / snippet ------------------------------------------------ */

/* Loads column col of the current row into m (see search.h, srch_col) with
 * the instances FTS5 reports for it.  big[p] is 1/0 when phrase p is known
 * to end / not to end in a bigram, -1 when unknown.  m must be released
 * with srch_col_free() whatever the result.  Returns an SQLite code. */
static int colmark_load(const Fts5ExtensionApi *api, Fts5Context *fts, int col, const signed char *big, srch_col *m)
{
    const char *text = NULL;
    int ntext = 0;
    memset(m, 0, sizeof *m);
    int rc = api->xColumnText(fts, col, &text, &ntext);
    if (rc != SQLITE_OK) return rc;
    /* the same tokenizer in document mode: the positions FTS5 indexed */
    srch_col_init(m, text, ntext);
    int ninst = 0;
    rc = api->xInstCount(fts, &ninst);
    if (rc != SQLITE_OK) return rc;
    for (int i = 0; i < ninst; i++) {
        int ph, ic, off;
        rc = api->xInst(fts, i, &ph, &ic, &off);
        if (rc != SQLITE_OK) return rc;
        if (ic != col) continue;
        srch_col_add(m, off, ph, api->xPhraseSize(fts, ph), big[ph]);
    }
    return SQLITE_OK;
}

static void result_buf(sqlite3_context *ctx, buf *b)
{
    if (!b->s) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    size_t len = b->len;
    sqlite3_result_text64(ctx, buf_detach(b), len, free, SQLITE_UTF8);
}

static const char *arg_text(sqlite3_value *v)
{
    const char *s = (const char *)sqlite3_value_text(v);
    return s ? s : "";
}

/* Fills big[0..nphrase) from the optional expression argument. */
static void phrase_ends(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value *expr, signed char *big,
                        int nphrase)
{
    memset(big, -1, (size_t)nphrase);
    if (!expr || sqlite3_value_type(expr) == SQLITE_NULL) return;
    signed char *tmp = xmalloc((size_t)nphrase + 1);
    int n = expr_phrase_ends(arg_text(expr), tmp, nphrase);
    if (n == nphrase) memcpy(big, tmp, (size_t)nphrase);
    free(tmp);
    (void)api;
    (void)fts;
}

/* cjk_highlight(t, col, open, close [, expr]) */
static void cjk_highlight(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                          sqlite3_value **val)
{
    if (nval != 3 && nval != 4) {
        sqlite3_result_error(ctx, "wrong number of arguments to function cjk_highlight()", -1);
        return;
    }
    int col = sqlite3_value_int(val[0]);
    if (col < 0 || col >= api->xColumnCount(fts)) {
        sqlite3_result_error(ctx, "cjk_highlight(): no such column", -1);
        return;
    }
    int nphrase = api->xPhraseCount(fts);
    signed char *big = xmalloc((size_t)nphrase + 1);
    phrase_ends(api, fts, nval == 4 ? val[3] : NULL, big, nphrase);
    srch_col m;
    int rc = colmark_load(api, fts, col, big, &m);
    if (rc == SQLITE_OK) {
        buf b = BUF_INIT;
        srch_col_highlight(&m, &b, arg_text(val[1]), arg_text(val[2]));
        result_buf(ctx, &b);
    } else
        sqlite3_result_error_code(ctx, rc);
    srch_col_free(&m);
    free(big);
}

/* cjk_snippet(t, col, open, close, ellipsis, ntokens [, expr]) */
static void cjk_snippet(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                        sqlite3_value **val)
{
    if (nval != 5 && nval != 6) {
        sqlite3_result_error(ctx, "wrong number of arguments to function cjk_snippet()", -1);
        return;
    }
    int ncol = api->xColumnCount(fts);
    int col = sqlite3_value_int(val[0]);
    if (col >= ncol) {
        sqlite3_result_error(ctx, "cjk_snippet(): no such column", -1);
        return;
    }
    int nt = sqlite3_value_int(val[4]);
    if (nt < 1) nt = 1;
    if (nt > 64) nt = 64;
    int nphrase = api->xPhraseCount(fts);
    signed char *big = xmalloc((size_t)nphrase + 1);
    phrase_ends(api, fts, nval == 6 ? val[5] : NULL, big, nphrase);

    srch_col best = {0}, m;
    long best_score = -2; /* the first column wins when none matches */
    int best_w = 0, rc = SQLITE_OK;
    for (int c = col < 0 ? 0 : col; c < (col < 0 ? ncol : col + 1); c++) {
        rc = colmark_load(api, fts, c, big, &m);
        if (rc != SQLITE_OK) {
            srch_col_free(&m);
            break;
        }
        int w;
        long score;
        srch_col_window(&m, nt, &w, &score);
        if (score > best_score) {
            srch_col_free(&best);
            best = m;
            best_score = score;
            best_w = w;
        } else
            srch_col_free(&m);
    }
    if (rc == SQLITE_OK) {
        buf b = BUF_INIT;
        srch_col_snippet(&best, &b, best_w, nt, arg_text(val[1]), arg_text(val[2]), arg_text(val[3]));
        result_buf(ctx, &b);
    } else
        sqlite3_result_error_code(ctx, rc);
    srch_col_free(&best);
    free(big);
}

/* ---- ranking without the per-row document length ----------------------- */

/* Per-query data of cjk_rank(): the IDF of each phrase. */
typedef struct rank_data {
    int nphrase;
    double *idf;
    double *freq; /* scratch: weighted frequency per phrase in the row */
} rank_data;

static void rank_data_free(void *p)
{
    rank_data *d = p;
    free(d->idf);
    free(d->freq);
    free(d);
}

static int rank_count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (void)api;
    (void)fts;
    ++*(sqlite3_int64 *)ctx;
    return SQLITE_OK;
}

/* cjk_rank(t [, weight_col0, weight_col1, ...]): BM25 with b = 0, i.e.
 * the sum over phrases of idf * f(k1+1)/(f+k1) where f is the
 * column-weighted number of occurrences in the row; negated, so that
 * ORDER BY ascending puts the best first, as with bm25().  Unlike bm25()
 * it never reads the row's length (one %_docsize lookup per matching
 * row, about 70% of bm25's cost), which makes ranking ~5x cheaper on
 * large result sets; fine for short fields such as titles and abstracts. */
static void cjk_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    rank_data *d = api->xGetAuxdata(fts, 0);
    int rc = SQLITE_OK;
    if (!d) {
        sqlite3_int64 nrow = 0;
        rc = api->xRowCount(fts, &nrow);
        d = xcalloc(1, sizeof *d);
        d->nphrase = api->xPhraseCount(fts);
        d->idf = xcalloc((size_t)d->nphrase + 1, sizeof(double));
        d->freq = xcalloc((size_t)d->nphrase + 1, sizeof(double));
        for (int i = 0; rc == SQLITE_OK && i < d->nphrase; i++) {
            sqlite3_int64 nhit = 0;
            rc = api->xQueryPhrase(fts, i, &nhit, rank_count_cb);
            d->idf[i] = srch_idf(nrow, nhit);
        }
        if (rc != SQLITE_OK) {
            rank_data_free(d);
            sqlite3_result_error_code(ctx, rc);
            return;
        }
        rc = api->xSetAuxdata(fts, d, rank_data_free); /* frees d itself on failure */
        if (rc != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
    }
    memset(d->freq, 0, ((size_t)d->nphrase + 1) * sizeof(double));
    int ninst = 0;
    rc = api->xInstCount(fts, &ninst);
    for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int ph, col, off;
        rc = api->xInst(fts, i, &ph, &col, &off);
        if (rc == SQLITE_OK && ph >= 0 && ph < d->nphrase)
            d->freq[ph] += col < nval ? sqlite3_value_double(val[col]) : 1.0;
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_result_double(ctx, -srch_bm25(d->idf, d->freq, d->nphrase));
}

/* ---- registration ------------------------------------------------------- */

static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

int srch_register_sqlite(void *sqlite3_db, err *e)
{
    sqlite3 *db = sqlite3_db;
    if (!db)
        return err_set(e, 500, "search.register", "全文检索初始化失败：无数据库连接",
                       "Full-text search setup failed: no database connection");
    fts5_api *api = fts5_api_of(db);
    if (!api || api->iVersion < 2)
        return err_set(e, 500, "search.register", "全文检索初始化失败：SQLite 不支持 FTS5",
                       "Full-text search setup failed: SQLite has no FTS5");
    fts5_tokenizer tok = {cjk_create, cjk_delete, cjk_tokenize};
    int rc = api->xCreateTokenizer(api, "cjk", NULL, &tok, NULL);
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "cjk_highlight", NULL, cjk_highlight, NULL);
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "cjk_snippet", NULL, cjk_snippet, NULL);
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "cjk_rank", NULL, cjk_rank, NULL);
    if (rc != SQLITE_OK)
        return err_set(e, 500, "search.register", "全文检索初始化失败：%s", "Full-text search setup failed: %s",
                       sqlite3_errstr(rc));
    return 0;
}
