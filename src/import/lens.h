/*
 * lens.h - Lens.org patent search exports (CSV, or the same table saved
 * as XLSX) to neutral patent documents, one row at a time.
 *
 * The table is read through a tab_reader (table.h), so the encoding
 * detection and error locations of csv.c/xlsx.c apply.  The first row is
 * the header; columns are found by name (trimmed, case-insensitive), in
 * any order.  Required: Jurisdiction, Kind, Publication Number,
 * Application Number, Application Date, Title.  Also read when present:
 * Publication Date, Priority Numbers, Applicants, Inventors, Type (or
 * Document Type), Simple Family Size, CPC Classifications, IPCR
 * Classifications, Abstract.  Other columns (#, Lens ID, URL, citation
 * counts, ...) are ignored.
 *
 * A row becomes a patent document (see patxml.h for the keys):
 *   country      the Jurisdiction column
 *   appno        from Application Number ("DE 102014219223 A" ->
 *                "DE102014219223"); CN numbers, which Lens gives without
 *                their check character ("CN 201420650106 U"), get it
 *                computed and go through code_cn_appno
 *                ("201420650106.X" form)
 *   kind         "design" for kind codes S* or Type "Design Right";
 *                "utility" for kind codes U* and CN Y; else "invention"
 *   pub_no, pub_date   Publication Number without spaces and separators
 *                ("US 2015/0094896 A1" -> "US20150094896A1"; a date Lens
 *                sometimes appends is dropped), Publication Date
 *   grant_no, grant_date   the same when the row is a grant: Type
 *                "Granted Patent", kind codes B* and C*, and CN U/Y/S
 *                and US S publications (CN utility models and designs
 *                are published only when granted)
 *   filing_date  Application Date
 *   title, abstract, applicants [{"name"}], inventors (";;"-separated)
 *   priorities   "US 201314042670 A 20130930" -> {"country": "US",
 *                "number": "201314042670", "date": "2013-09-30"}
 *   ipc, cpc     IPCR / CPC Classifications, normalised with
 *                code_ipc_normalize, duplicates dropped; symbols that are
 *                not IPC-shaped are left out
 *   pct_app_no   when the application number is a PCT one (kind W,
 *                "US 2011/0054157 W" -> "PCT/US2011/054157")
 *   pct_pub_no, pct_pub_date   for WO publications ("WO2012/166170")
 *   family_size  Simple Family Size (integer)
 *   source       "lens-csv"
 * Dates are M/D/YY (also M/D/YYYY); a two-digit year 00-69 is 20xx and
 * 70-99 is 19xx.
 *
 * Errors (status 422, messages zh + en, err.file = name):
 *   import.missing_column  a required column is missing (lens_open;
 *                          field = the first missing column's name)
 *   validation.date        a malformed date (row, column, field = the
 *                          document key, e.g. "filing_date")
 *   import.missing_field   a row without application number (field
 *                          "appno")
 *   validation.appno_*     a CN application number refused by
 *                          code_cn_appno (field "appno")
 *   and whatever the tab_reader reports (import.csv_syntax,
 *   import.encoding, ...).
 *
 * A reader is used by one thread at a time.
 */
#ifndef IPC_LENS_H
#define IPC_LENS_H

#include "../base/err.h"
#include "table.h"

#include <jansson.h>
#include <stddef.h>

typedef struct lens_reader lens_reader;

/* Reads the header row from r (which must be at its start) and checks the
 * required columns.  name (may be NULL) is used in messages and as
 * err.file.  On success returns 0 and sets *out; the caller frees it with
 * lens_close(), and keeps r open (and closes it) itself, after
 * lens_close().  On failure returns -1, *out is NULL and e is filled
 * ("import.missing_column", or the reader's error). */
int lens_open(tab_reader *r, const char *name, lens_reader **out, err *e);

/* Reads the next data row.  Returns 1 and sets *doc to a new patent
 * document owned by the caller (json_decref) and *row to the row's number
 * in the file.  Returns 0 at the end.  Returns -1 with e filled (row,
 * column, field) and *doc NULL when the row is invalid: the next call goes
 * on with the following row.  When the table reader itself fails (bad
 * encoding, CSV syntax) -1 is returned once with its error and every later
 * call returns 0, since nothing more can be read.  row may be NULL. */
int lens_next(lens_reader *l, json_t **doc, long *row, err *e);

/* Frees the reader (not the tab_reader it reads from).  NULL is
 * ignored. */
void lens_close(lens_reader *l);

/* Returns 1 when the n cells of a header row look like a Lens export: a
 * "Lens ID" column and all the required columns; 0 otherwise.  The cells
 * are only read. */
int lens_sniff(char **cells, size_t n);

#endif
