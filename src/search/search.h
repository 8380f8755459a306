/*
 * search.h - full-text search over Chinese and English text.
 *
 * The tokenizer is a pure function shared by every storage backend: the
 * SQLite FTS5 tokenizer "cjk" wraps it; on PostgreSQL its tokens are
 * written as tsvector / tsquery literals (srch_tsvector,
 * srch_query_tsquery), so that PostgreSQL's own parser never sees the
 * text.  Rules:
 *
 *   - CJK characters (Han ideographs incl. extensions A-H and the
 *     compatibility blocks, 々〆〇, kana, hangul) are indexed as unigrams
 *     plus overlapping bigrams.  In a document each CJK character at
 *     position i yields its unigram, and, when the next character is CJK
 *     and directly adjacent, the bigram of both as a COLOCATED token at the
 *     same position i.  So "芯片组" is 芯@0 芯片@0 片@1 片组@1 组@2.
 *   - In a query a CJK run of one character yields its unigram; a run of
 *     two or more yields only its bigrams at consecutive positions, so the
 *     query "芯片组" is the phrase 芯片 片组 and matches any document with
 *     that exact run of characters, at any length (one-, two-, n-character
 *     queries all work, unlike FTS5's trigram tokenizer).
 *   - Latin letters and digits form words, folded to lower case: ASCII,
 *     full-width Ａ-Ｚ ａ-ｚ ０-９ (folded to ASCII), Latin-1/Extended-A/B,
 *     Greek and Cyrillic (simple case folding); combining marks continue a
 *     word.  Words longer than SRCH_MAX_TOKEN bytes are truncated (at a
 *     character boundary) identically in documents and queries.
 *   - Everything else (spaces, punctuation, symbols, invalid UTF-8 bytes)
 *     separates tokens.
 *
 * Positions are implicit, as in FTS5: every token without SRCH_COLOCATED
 * starts a new position; a COLOCATED token shares the previous position.
 */
#ifndef IPC_SEARCH_H
#define IPC_SEARCH_H

#include "../base/buf.h"
#include "../base/err.h"

#include <stddef.h>
#include <stdint.h>

/* Token flag: same position as the previous token (== FTS5_TOKEN_COLOCATED). */
#define SRCH_COLOCATED 0x0001
/* Longest token in bytes; longer words are cut at a character boundary. */
#define SRCH_MAX_TOKEN 128
/* srch_match_expr() keeps at most this many terms of a user query. */
#define SRCH_MAX_TERMS 32

/* Receives one token.  tok[0..len) is only valid during the call (it points
 * into the input or into the tokenizer's stack buffer; it is not
 * NUL-terminated).  start/end are byte offsets of the token's source text
 * in the input.  Returning non-zero stops the tokenizer, which returns
 * that value. */
typedef int (*srch_emit_fn)(void *ctx, int flags, const char *tok, size_t len, int start, int end);

/* Splits text[0..n) (UTF-8; need not be NUL-terminated; invalid bytes are
 * separators) into tokens with the document rules (for_query = 0) or the
 * query rules (for_query != 0), calling emit for each in order.  Performs
 * no allocation.  Returns 0, or the first non-zero value emit returned.
 * Inputs longer than INT_MAX bytes are tokenized up to INT_MAX. */
int srch_tokenize(const char *text, size_t n, int for_query, srch_emit_fn emit, void *ctx);

/* True when the code point is treated as a CJK character (see above). */
int srch_is_cjk(uint32_t cp);

/* Turns free user text into a safe FTS5 MATCH expression: each
 * whitespace-separated term (ASCII or ideographic space) becomes one quoted
 * phrase of its query tokens, terms are joined with AND, e.g.
 *     芯片组 Vehicle  ->  "芯片 片组" AND "vehicle"
 * Operators, column filters, parentheses and quotes typed by the user lose
 * their meaning (they are separators or plain words inside the phrase).  A
 * term ending in * (or ＊) whose last token is a word of 2+ bytes keeps it as
 * a prefix search:  autonom*  ->  "autonom" *.  At most SRCH_MAX_TERMS terms
 * are kept.  Returns a heap string the caller frees, or NULL when the query
 * (NULL, empty, only punctuation) has no token at all.  Bind the result as
 * a parameter (t MATCH ?); never paste it into SQL text. */
char *srch_match_expr(const char *user_query);

/* ---- parsed queries (every backend) ------------------------------------- */

/* One term of a user query: the phrase of its query tokens. */
typedef struct srch_phrase {
    char **tok;  /* ntok NUL-terminated tokens (owned by the srch_query) */
    size_t *len; /* their lengths in bytes */
    int ntok;    /* 1..64 */
    int prefix;  /* the last token is a prefix ("autonom*") */
    int big;     /* the last token is a CJK bigram: a match's marks end one
                    character after the position of that token */
} srch_phrase;

/* A user query parsed with the rules of srch_match_expr(): n phrases that
 * must all match (AND).  Built by srch_query_parse(), freed with
 * srch_query_free(); it owns all its memory. */
typedef struct srch_query {
    srch_phrase *ph;
    int n; /* 1..SRCH_MAX_TERMS */
} srch_query;

/* Parses free user text exactly as srch_match_expr() does.  Returns a heap
 * query the caller frees with srch_query_free(), or NULL when the text has
 * no token at all (NULL, empty, only punctuation). */
srch_query *srch_query_parse(const char *user_query);
/* Frees q and everything it owns (NULL is fine). */
void srch_query_free(srch_query *q);
/* The FTS5 MATCH expression of q (the string srch_match_expr() returns for
 * the same text).  Heap string; the caller frees it. */
char *srch_query_match(const srch_query *q);
/* The PostgreSQL tsquery literal of q (phrase < 0: all phrases joined with
 * &) or of its phrase number `phrase` alone: every token single-quoted
 * (quotes and backslashes escaped), the tokens of a phrase joined with <->,
 * a prefix token written 'tok':*.  Cast it, never paste it:
 * ?::tsquery.  Heap string; the caller frees it. */
char *srch_query_tsquery(const srch_query *q, int phrase);

/* 1 when some token of the phrase is a byte prefix of another one (or
 * equal to it), i.e. two of its tokens may stand at one position of a
 * document (a CJK character and the bigram it starts, 芯,芯片), a token
 * repeats (哈哈哈 = 哈哈 哈哈), or a prefix token may match another one's
 * word; only then can matches of the phrase overlap or hold two items per
 * position.  PostgreSQL's ts_rank_cd counts a phrase's matches exactly
 * when this is 0 (pgsearch.c).  Conservative: "a ab" is flagged although
 * two words never share a position. */
int srch_phrase_overlaps(const srch_phrase *ph);

/* Relevance shared by every backend: BM25 with b = 0 (no length
 * normalisation), k1 = 1.2, i.e. the sum over the n phrases with f[i] > 0
 * of idf[i] * f[i] * (k1 + 1) / (f[i] + k1), where f[i] is the
 * column-weighted number of matches of phrase i in the row.  Computed in
 * this one place so that SQLite (cjk_rank) and PostgreSQL give bit-equal
 * scores for equal inputs.  Larger is better. */
double srch_bm25(const double *idf, const double *f, int n);
/* The IDF of a phrase matching nhit of nrow documents, as cjk_rank
 * computes it: log((nrow - nhit + 0.5) / (nhit + 0.5)), at least 1e-6. */
double srch_idf(int64_t nrow, int64_t nhit);

/* ---- documents as PostgreSQL tsvectors ---------------------------------- */

/* Highest position a tsvector stores (PostgreSQL clamps larger ones). */
#define SRCH_TSV_MAXPOS 16383

/* The tsvector literal of a document of ncols (<= 4) columns, from the
 * document rules above: every token single-quoted (escaped), with its
 * position and the weight of its column: column order[0] first, positions
 * 1, 2, ... (a colocated token shares its position), then one unused
 * position, then column order[1], and so on, so that no phrase spans two
 * columns; the weight letter of column c is "ABCD"[c].  order lets short
 * columns come first: positions above SRCH_TSV_MAXPOS are clamped by
 * PostgreSQL, which loses phrase matches in the tail of very long text.
 * cols[c] may be NULL (empty).  Heap string; the caller frees it.  Cast it,
 * never paste it: ?::tsvector. */
char *srch_tsvector(const char *const *cols, const int *order, int ncols);

/* ---- highlighting and snippets (every backend) -------------------------- */

/* One position of a tokenized column. */
typedef struct srch_pos {
    int start, end; /* byte range of the token at this position */
    int cjk;        /* it is a CJK character */
} srch_pos;

/* One column of one row being marked: its text, its positions (document
 * rules, as indexed), the matched positions and the match instances.
 * Initialise with srch_col_init(), add instances (srch_col_add() with
 * positions from the index, or srch_col_match() to find them from a parsed
 * query), then write with srch_col_highlight() or srch_col_snippet();
 * release with srch_col_free().  The text is borrowed (must outlive the
 * srch_col); everything else is owned. */
typedef struct srch_col {
    const char *text;
    int ntext;
    srch_pos *v; /* n positions */
    int n, cap;
    unsigned char *hl; /* per position: inside a match */
    int *inst;         /* pairs (start position, phrase) of the instances */
    int ninst, instcap;
} srch_col;

/* Tokenizes text[0..n) (NULL = empty) into positions. */
void srch_col_init(srch_col *c, const char *text, int n);
void srch_col_free(srch_col *c);
/* Records an instance of phrase `phrase` covering `size` positions from
 * position off (clipped to the column).  big: 1 when the phrase ends in a
 * CJK bigram (the mark then takes the next character too when it directly
 * follows), 0 when not, -1 when unknown (assumed when the match ends in a
 * CJK character followed by another). */
void srch_col_add(srch_col *c, int off, int phrase, int size, int big);
/* Finds every instance of every phrase of q in the column (the instances
 * FTS5 reports for the same row: a phrase matches at position p when its
 * token k equals a token at position p + k, the last one as a prefix when
 * the phrase has one) and adds them.  Returns the number of instances
 * added; with w (may be NULL) also adds to w[i] the weight `weight` per
 * instance of phrase i. */
int srch_col_match(srch_col *c, const srch_query *q, double weight, double *w);
/* Appends the whole column with open/close around each run of matched
 * positions. */
void srch_col_highlight(const srch_col *c, buf *out, const char *open, const char *close);
/* The best window of nt positions (1..64; most distinct phrases, then most
 * matched positions; the first window when nothing matched): *score gets
 * its score (-1 when nothing matched, may be NULL) and *w0 its first
 * position.  Sorts the instances. */
void srch_col_window(srch_col *c, int nt, int *w0, long *score);
/* Appends the window of nt positions from w0 with marks, and ellipsis
 * before / after it when text was left out; nothing for an empty
 * column. */
void srch_col_snippet(const srch_col *c, buf *out, int w0, int nt, const char *open, const char *close,
                      const char *ellipsis);

/* Registers on a raw sqlite3* connection (passed as void* so that callers
 * need not include sqlite3.h):
 *   - the FTS5 tokenizer "cjk":  CREATE VIRTUAL TABLE t USING fts5(a, b,
 *     tokenize='cjk').  It takes no arguments.
 *   - the FTS5 auxiliary functions
 *       cjk_highlight(t, col, open, close [, match_expr])
 *       cjk_snippet(t, col, open, close, ellipsis, ntokens [, match_expr])
 *     with the arguments of FTS5's highlight()/snippet(), except that they
 *     mark the whole matched text of a CJK query: FTS5's own functions see
 *     a phrase of n bigrams as n positions and mark n of its n+1
 *     characters ("<b>芯</b>片").  Pass the MATCH expression (the same
 *     string bound to MATCH) as the last argument for exact marks; without
 *     it a match ending in CJK is assumed to end in a bigram.  col = -1 in
 *     cjk_snippet picks the column with the best match.
 *       cjk_rank(t [, weight_col0, weight_col1, ...])
 *     BM25 without document-length normalisation (b = 0), negated like
 *     bm25() so that ascending order is best first.  It skips bm25()'s
 *     per-row length lookup, the bulk of the cost of ORDER BY rank on
 *     large result sets (~0.25 instead of ~1.5 us per matching row).  Use
 *     it as ORDER BY cjk_rank(t, 10.0, 1.0), or make it the table's rank:
 *     INSERT INTO t(t, rank) VALUES ('rank', 'cjk_rank(10.0, 1.0)').
 * Must be called once per connection (again is harmless), before the
 * tables using the tokenizer are read or written.  The registration lives
 * as long as the connection; nothing to free.  Returns 0, or -1 with e
 * filled (500 "search.register"). */
int srch_register_sqlite(void *sqlite3_db, err *e);

/* 1 when name is a table of the PostgreSQL search index (the side tables
 * patents_search and trademarks_search and the counts search_counts and
 * search_df, all kept by the index's own code and triggers): what a copy of
 * a whole database leaves out and rebuilds with rs_rebuild(). */
int srch_index_table(const char *name);

#endif
