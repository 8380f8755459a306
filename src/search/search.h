/*
 * search.h - full-text search over Chinese and English text.
 *
 * The tokenizer is a pure function shared by every storage backend (the
 * SQLite FTS5 tokenizer "cjk" wraps it; a PostgreSQL backend can feed its
 * output to to_tsvector/to_tsquery the same way).  Rules:
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

#endif
