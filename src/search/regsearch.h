/*
 * regsearch.h - full-text search over the registry (patents: title,
 * abstract, holder names; trademarks: mark text, holder, goods) with the
 * registry's filters, BM25-style ranking and highlighted snippets.
 *
 * The index lives beside the records it covers and is kept in step by the
 * records' after-write hooks, inside the same transaction.  On SQLite it is
 * an FTS5 table with the "cjk" tokenizer (CJK unigrams + colocated bigrams,
 * folded Latin words; see search.h), external content, ranked with
 * cjk_rank (BM25 without length normalisation; see docs/decisions.md).  On
 * PostgreSQL it is a table of tsvectors built in C from the same tokens,
 * with a GIN index; the same queries match the same rows, scores are
 * computed by the same function and snippets by the same code (see
 * pgsearch.c for the few limits of tsvector).  Every function here works
 * on both backends and takes the same arguments on both.
 */
#ifndef IPC_REGSEARCH_H
#define IPC_REGSEARCH_H

#include "../records/rec.h"

/* Creates the search indexes (a migration step; PostgreSQL needs no
 * extension and no particular locale, only the UTF8 encoding the store
 * insists on). */
int rs_create_indexes(store *db, err *e);
/* Rebuilds the indexes from the records (after a bulk load).  On
 * PostgreSQL in one transaction: the caller's, or its own. */
int rs_rebuild(store *db, err *e);
/* Keeps a patent / trademark row in the index: old (may be NULL) is
 * removed, row added; with row NULL only the removal happens. */
int rs_index_patent(store *db, const json_t *row, const json_t *old, err *e);
int rs_index_trademark(store *db, const json_t *row, const json_t *old, err *e);

/* Bulk mode for a large import inside one transaction: rows created after
 * rs_defer_begin() (and their later changes in the same transaction) are
 * not indexed one by one; rs_defer_end() indexes them in one statement,
 * which is several times cheaper.  Both must run in the same transaction. */
int rs_defer_begin(store *db, err *e);
int rs_defer_end(store *db, err *e);
/* True between rs_defer_begin() and rs_defer_end() in db's current
 * transaction: rows created meanwhile are indexed by rs_defer_end() only
 * (so their after-write hooks never touch the index). */
int rs_defer_active(store *db);

typedef struct rs_query {
    const char *q;      /* user text (required) */
    const char *scope;  /* "patents" (default), "trademarks" */
    const char *kind;   /* patent type: invention/utility/design */
    const char *ipc;    /* IPC prefix, e.g. "H04L" or "H04L 29/08" */
    const char *region; /* GB/T 2260 code; province/city codes match their districts */
    const char *holder; /* substring of a holder name */
    const char *filed_from, *filed_to, *granted_from, *granted_to; /* YYYY-MM-DD */
    const char *in_force_on;                                       /* YYYY-MM-DD: only patents in force that day */
    int limit, offset;
    int count; /* also count all matches */
} rs_query;

/* Fills q from URL/CLI arguments (name -> string); 400 on bad values. */
int rs_query_from_args(json_t *args, rs_query *q, err *e);
/* Runs the search. *out = {"q","match","order","items":[...],
 * "next_offset"|null[,"total"]}; order is "relevance", or "newest" when the
 * text matches more than 20,000 documents (ranking them all would be slow;
 * more words or filters bring relevance order back).  Each item has type,
 * id, the main fields and *_hl snippets with <mark>. */
int rs_search(store *db, const rs_query *q, json_t **out, err *e);

#endif
