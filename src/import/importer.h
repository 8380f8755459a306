/*
 * importer.h - one entry point for every file ipcity can import.
 *
 * The format is detected (or forced): CNIPA XML (old cn-patent-document
 * and business schema V2.2.1) and USPTO grant XML → one patent; Lens.org
 * CSV exports → patents; the patent and legal-event templates (CSV/XLSX
 * with Chinese headers) → patents or events; any other CSV/XLSX whose
 * header names the fields of a record type → records of that type.  A file
 * lands whole or not at all: every row is checked and written inside one
 * transaction, every problem is collected (file, row, column, field, zh and
 * en), and if there is any, nothing is kept.  The import itself is audited
 * (file name, SHA-256, counts); updated records are audited one by one.
 */
#ifndef IPC_IMPORTER_H
#define IPC_IMPORTER_H

#include "../records/rec.h"

typedef struct imp_progress {
    /* called every few thousand rows and at the end */
    void (*fn)(void *ctx, long long rows, long long bytes_done, long long bytes_total);
    void *ctx;
} imp_progress;

/* Imports one file, given by path or (path NULL) by data/n in memory.
 * name: the file name used in messages and the report. format: NULL or
 * "auto" to detect, else one of "xml", "lens", "patents", "events", "csv",
 * "xlsx" (record CSV/XLSX). type: the record type for record files (NULL
 * to guess from the header).  On success *report = {file, format, sha256,
 * rows, created, updated, unchanged[, encoding]}; on failure e is 422
 * import.rejected with items, or another error. */
int imp_run(store *db, const rec_actor *a, const char *name, const char *path, const void *data, size_t n,
            const char *format, const char *type, const imp_progress *p, json_t **report, err *e);

#endif
