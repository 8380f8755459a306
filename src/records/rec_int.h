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

#endif
