/*
 * pgsearch.h - private to src/search: what regsearch.c (the backend-neutral
 * registry search and its SQLite half) and pgsearch.c (its PostgreSQL half)
 * share.  Not for other layers: they use regsearch.h.
 */
#ifndef IPC_PGSEARCH_H
#define IPC_PGSEARCH_H

#include "regsearch.h"
#include "search.h"

/* Above this many matching documents results come newest first. */
#define RS_RANK_LIMIT 20000

/* One searchable table and its index. */
typedef struct rs_table {
    const char *table;   /* "patents" */
    const char *fts;     /* the SQLite FTS5 table, "patents_fts" */
    const char *side;    /* the PostgreSQL index table, "patents_search" */
    const char *cols[3]; /* the indexed columns, in FTS5 column order */
    double weights[3];   /* their ranking weights (whole numbers; the
                            arguments of cjk_rank in the FTS5 table's rank) */
    int tsv_order[3];    /* column order inside the tsvector: shorter first */
    const char *fields;  /* the select list of an item's fields (alias p):
                            id, 8 fields (see rs_item_new), synthetic */
    int hl_col[3];       /* the columns of title_hl, abstract_hl|goods_hl,
                            holders_hl ... */
    int hl_tokens[3];    /* ... and their snippet lengths in positions */
    int patents;         /* 1: patents, 0: trademarks */
} rs_table;

extern const rs_table rs_patents, rs_trademarks;

/* A new search result item from the current row of st, whose columns 0..9
 * are t->fields: type, id, the eight main fields, kind_zh/kind_en for
 * patents, synthetic.  The caller owns the result and adds the *_hl
 * snippets and the score. */
json_t *rs_item_new(const rs_table *t, store_stmt *st);
/* The names of the three snippet members of an item (title_hl, ...). */
extern const char *const rs_hl_names[2][3];

/* ---- the PostgreSQL half (pgsearch.c) ---- */

/* Creates t's index tables (migration step): <side>(id BIGINT PRIMARY KEY
 * REFERENCES <table>(id) ON DELETE CASCADE, tsv TSVECTOR NOT NULL) with a
 * GIN index on tsv, for patents and trademarks.  Needs nothing beyond core
 * PostgreSQL (no extension, any locale; the UTF8 encoding the store checks
 * when it connects). */
int pgs_create(store *db, err *e);
/* Keeps one row of t in its index (see rs_index_patent): row (may be NULL)
 * indexed unless deleted, otherwise old's entry removed.  A row whose
 * three indexed texts did not change is not rewritten. */
int pgs_write(store *db, const rs_table *t, const json_t *row, const json_t *old, err *e);
/* Indexes every live row of t with id > after (rows already indexed are
 * replaced), reading and writing batches of rows; the caller holds the
 * transaction, if any. */
int pgs_index_after(store *db, const rs_table *t, int64_t after, err *e);
/* Empties both index tables and indexes every live row again, in one
 * transaction (its own unless the caller's is open). */
int pgs_rebuild(store *db, err *e);

/* One search on PostgreSQL: the rows of t whose index matches sq and that
 * pass the filters (where: " AND ..." over alias p, with vals, an array of
 * text parameters), ranked as on SQLite (see regsearch.h) or newest first
 * when more than RS_RANK_LIMIT documents match.  On success *items is a new
 * array of at most q->limit items (the caller owns it), *ranked says which
 * order, *more whether another page follows, and, when q->count is set,
 * *total the number of matching rows (otherwise -1). */
int pgs_search(store *db, const rs_table *t, const rs_query *q, const srch_query *sq, const char *where, json_t *vals,
               json_t **items, int *ranked, int *more, int64_t *total, err *e);

#endif
