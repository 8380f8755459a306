/* rec_int.h - shared internals of the record layer (src/records only). */
#ifndef IPC_REC_INT_H
#define IPC_REC_INT_H

#include "rec.h"

#define REC_STD_N 8
extern const char *const rec_std_cols[REC_STD_N];

/* Adds a validation item for field f (or the name fname when f is NULL). */
void rec_item(err *e, const rec_field *f, const char *fname, long row, long col, const char *code, const char *zh,
              const char *en);
/* True when e already has an item for this field and row. */
int rec_field_has_item(const err *e, const char *field, long row);

/* ---- bulk mode internals (rec_bulk.c; see rec.h) ---- */

/* True when a new row of t goes to the bulk writers now (bulk mode on and
 * t allowed; see rec.h). */
int rec_bulk_for(store *db, const rec_type *t);
/* Queues the new row `row` of t (validated, hooks applied, dept set) under
 * id, created now by a.  *stored (may be NULL) gets the row as reading it
 * back would give it (standard columns, every stored field, secrets
 * included); the caller owns it. */
int rec_bulk_add(store *db, const rec_type *t, const rec_actor *a, int64_t id, const json_t *row, const char *now,
                 json_t **stored, err *e);
/* Before reading row id of table: writes the pending rows when that row
 * may be one of them. */
int rec_bulk_sync_id(store *db, const char *table, int64_t id, err *e);

/* The audit chain head kept in memory in bulk mode: `have` once read from
 * audit_head, `dirty` when entries were queued since it was last written. */
typedef struct rec_audit_head {
    int have, dirty;
    int64_t seq;
    char hash[65];
} rec_audit_head;
/* The head of db's bulk mode (owned by it), NULL outside bulk mode. */
rec_audit_head *rec_bulk_audit_head(store *db);
/* Writes the chain head (audit.c); the bulk flush calls it. */
int audit_head_write(store *db, int64_t seq, const char *hash, err *e);

#endif
