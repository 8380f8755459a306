/*
 * table.h - one row-by-row interface over CSV and XLSX uploads.
 *
 * Importers read a table without caring about its format: tab_open_*()
 * picks the reader (by the ZIP magic "PK\x03\x04" for TAB_AUTO), tab_next()
 * hands out one row at a time as an array of UTF-8 strings, and tab_row()
 * says which row of the file it was, for error reports.  Rows with no
 * non-empty cell (blank lines, ",,,", empty sheet rows) are skipped; the
 * row numbers of the others stay those of the file (the physical line
 * where a CSV record starts, the r attribute of an XLSX row).
 *
 * See csv.h and xlsx.h for the details of each format: encodings, how cell
 * values are rendered, and the error codes ("import.csv_syntax",
 * "import.encoding", "import.xlsx", all status 422; "import.io", 500).
 * Errors carry the file name and, when known, the row and column.
 *
 * A reader is used by one thread at a time.
 */
#ifndef IPC_TABLE_H
#define IPC_TABLE_H

#include "../base/err.h"

#include <stddef.h>

typedef struct tab_reader tab_reader;

typedef enum { TAB_AUTO, TAB_CSV, TAB_XLSX } tab_format;

/* Opens the file at path as format f.  TAB_AUTO reads the first bytes: a
 * ZIP archive is XLSX; an OLE2 file (legacy .xls, or an encrypted
 * workbook) is refused with 422 "import.xlsx"; a name ending in .xlsx or
 * .xlsm is XLSX (so a damaged workbook is reported as such); anything else
 * is CSV.  XLSX reads the first worksheet.  Messages name the file by its
 * last path component.  On success *out is set and the caller closes it
 * with tab_close(); on failure *out is NULL and e is filled. */
int tab_open_file(const char *path, tab_format f, tab_reader **out, err *e);
/* The same over n bytes at data, which are not copied: they must stay
 * valid and unchanged until tab_close().  name (e.g. the uploaded file's
 * name; may be NULL) is used in error messages and, for TAB_AUTO, its
 * extension as described above. */
int tab_open_mem(const char *name, const void *data, size_t n, tab_format f, tab_reader **out, err *e);
/* Reads the next row.  Returns 1 and sets *cells to an array of *ncells
 * (at least 1) NUL-terminated UTF-8 strings, indexed by column; the array
 * and strings are owned by the reader and valid until the next tab_next()
 * or tab_close().  Returns 0 after the last row, -1 on an error (e filled;
 * later calls fail the same way). */
int tab_next(tab_reader *r, char ***cells, size_t *ncells, err *e);
/* The file's row number of the row last returned by tab_next(); 0 before
 * the first row. */
long tab_row(const tab_reader *r);
/* "UTF-8" or "GB18030" for a CSV (as detected so far), "XLSX" for a
 * workbook.  A static string. */
const char *tab_encoding(const tab_reader *r);
/* Closes the reader, its file and every row it handed out.  NULL is
 * ignored. */
void tab_close(tab_reader *r);

/* Bytes of a CSV input consumed so far (0 for XLSX), for progress. */
long long tab_bytes_read(const tab_reader *r);

#endif
