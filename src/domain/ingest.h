/*
 * ingest.h - upserting IP documents into the registry.
 *
 * Importers (src/import) turn files into JSON documents; this module
 * writes them: a document whose key (application number, registration
 * number...) is new is inserted; one that matches a stored record updates
 * it when a value differs (audited with before/after) and is left alone
 * otherwise, so importing the same file twice changes nothing.  Problems
 * are collected per row in the context (file, row, column, field, zh/en)
 * instead of stopping at the first; the caller decides to commit or roll
 * back the whole file.
 */
#ifndef IPC_INGEST_H
#define IPC_INGEST_H

#include "../records/rec.h"

typedef struct ingest_ctx {
    store *db;
    const rec_actor *actor;
    const char *fname;      /* for messages */
    int64_t rows, created, updated, unchanged;
    int nerr;               /* problems found (all counted, 1000 kept) */
    err problems;           /* items: every problem with row/column/field */
    const struct tpl_map *map; /* when set, fields are located in its columns */
    /* Application numbers looked up ahead by an ingest_batch (see below):
     * pf_known maps those found to what ingest_patent/ingest_event need
     * (the stored publication date, or the patent id); pf_asked holds every
     * number asked, with a NULL value once a patent row used the answer
     * (which the row itself may have changed). */
    struct strmap *pf_known, *pf_asked;
    int pf_events; /* the answers are patent ids (events template) */
} ingest_ctx;

void ingest_init(ingest_ctx *c, store *db, const rec_actor *a, const char *fname);
void ingest_free(ingest_ctx *c);

/* Upserts one patent document (fields of the patent type; see registry.c)
 * from row `row` of the file.  Returns 0, 1 when the row was rejected
 * (problems recorded), or -1 on a database failure (e set). */
int ingest_patent(ingest_ctx *c, json_t *doc, long row, err *e);
/* Upserts one legal event {appno, date, kind, amount?, party?,
 * party_address?, party_region?, note?}; the patent must exist. Same
 * returns. */
int ingest_event(ingest_ctx *c, json_t *ev, long row, err *e);
/* Upserts one record of a generic type t by its key fields. */
int ingest_record(ingest_ctx *c, const rec_type *t, json_t *doc, long row, err *e);

/* Import jobs started over the API (status, counts, every error). */
extern rec_type type_import_job;

/* At start-up: import jobs left "running" by a server that was stopped or
 * killed mid-import (their transaction never committed) are marked failed,
 * audited.  *count tells how many. */
int ingest_jobs_interrupted(store *db, int64_t *count, err *e);

/* ---- the patent and event templates (CSV/XLSX with Chinese headers) ---- */

typedef enum { TPL_PATENTS, TPL_EVENTS } tpl_kind;

/* Recognises a header row: 1 patents template, 2 events template, 0 none. */
int tpl_sniff(char **cells, size_t n);
/* Maps the header row of a template file; returns a new mapping or NULL
 * with problems recorded (unknown or missing columns). */
typedef struct tpl_map tpl_map;
tpl_map *tpl_map_header(ingest_ctx *c, tpl_kind k, char **cells, size_t n);
void tpl_map_free(tpl_map *m);
/* Converts one data row to a document (patent or event); NULL when the row
 * had problems (recorded). */
json_t *tpl_row(ingest_ctx *c, tpl_map *m, char **cells, size_t n, long row);
/* Rows of a template file ingested in batches: the rows are kept (copied)
 * until INGEST_BATCH of them are there, then their application numbers are
 * looked up in one query, then each row is converted (tpl_row) and
 * ingested (ingest_patent / ingest_event) in file order, exactly as one by
 * one but without a look-up per row.  Owned by the caller, freed with
 * ingest_batch_free(); c and m must outlive it. */
#define INGEST_BATCH 256
typedef struct ingest_batch ingest_batch;
ingest_batch *ingest_batch_new(ingest_ctx *c, tpl_map *m);
/* Adds data row `row` (its cells are copied); ingests the batch when full.
 * Returns 0, or -1 on a database failure (e set). */
int ingest_batch_row(ingest_batch *b, char **cells, size_t n, long row, err *e);
/* Ingests the rows kept so far; 0 or -1 as above. */
int ingest_batch_flush(ingest_batch *b, err *e);
void ingest_batch_free(ingest_batch *b);

/* Writes an empty template (header + an example row) as CSV or XLSX. */
int tpl_write(tpl_kind k, const char *format, lang l, buf *out, err *e);
/* The column headers of a template, NULL-terminated (for docs/tests). */
const char *const *tpl_headers(tpl_kind k, lang l);

#endif
