/*
 * xlsx.h - streaming reader for one worksheet of an XLSX workbook.
 *
 * The workbook is opened with libzip (from a file or a memory buffer).  At
 * open, the small parts are read: _rels/.rels (where the workbook part is,
 * normally xl/workbook.xml), the workbook and its relationships (the sheet
 * list and the 1900/1904 date system), xl/sharedStrings.xml (every string
 * kept, rich text runs concatenated, phonetic runs left out) and
 * xl/styles.xml (which cell styles are date formats).  The worksheet itself
 * is parsed with libxml2's xmlTextReader fed straight from zip_fread(), one
 * row per xlsx_next(), so a big sheet is never held in memory.
 *
 * A row comes back as an array indexed by column (A = 0), gaps filled with
 * "", trailing empty cells dropped; rows without a non-empty cell are
 * skipped.  Cell values are text as a person reading the sheet expects:
 *   - shared and inline strings as they are (UTF-8), with the OOXML
 *     escapes "_xHHHH_" decoded ("_x000D_" is a CR);
 *   - booleans "TRUE" / "FALSE", error values as written ("#N/A");
 *   - numbers: integers without a fraction ("42"), others with %.15g;
 *   - numbers whose cell style is a date format (built-in ids 14-22,
 *     27-36, 45-47, 50-58, or a custom format with y/m/d and no 0 or #)
 *     become "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" when there is a time of
 *     day, or "HH:MM:SS" for a time alone (serial below 1).  Serials follow
 *     the workbook's date system, including Excel's fictitious 1900-02-29;
 *   - formulas give their cached value ("" when none was saved).
 *
 * Errors: a file that is not a ZIP archive, a missing part, malformed XML
 * or a damaged compressed stream give status 422, code "import.xlsx",
 * messages in Chinese and English naming the file, and the file name (and
 * the row when known) as the err location.  A file that cannot be opened
 * gives 500 "import.io".  Errors are sticky, as in csv.h.
 *
 * A reader is used by one thread at a time; separate readers may run in
 * parallel threads (libxml2 is initialised once on first use).
 */
#ifndef IPC_XLSX_H
#define IPC_XLSX_H

#include "../base/err.h"

#include <stddef.h>

typedef struct xlsx_reader xlsx_reader;

/* Opens the workbook at path and prepares to stream the worksheet named
 * sheet, or the first worksheet when sheet is NULL.  Messages name the file
 * by its last path component.  On success *out is set and the caller closes
 * it with xlsx_close(); on failure *out is NULL and e is filled. */
int xlsx_open_file(const char *path, const char *sheet, xlsx_reader **out, err *e);
/* The same over n bytes at data, which are not copied: they must stay
 * valid and unchanged until xlsx_close().  name is used in messages and
 * may be NULL. */
int xlsx_open_mem(const char *name, const void *data, size_t n, const char *sheet, xlsx_reader **out, err *e);
/* Reads the next row that has a non-empty cell.  Returns 1 and sets *cells
 * to an array of *ncells (at least 1) NUL-terminated UTF-8 strings, owned
 * by the reader and valid until the next xlsx_next() or xlsx_close();
 * returns 0 after the last row and -1 on an error (e filled). */
int xlsx_next(xlsx_reader *r, char ***cells, size_t *ncells, err *e);
/* The sheet's row number (its r attribute) of the row last returned by
 * xlsx_next(); 0 before the first row. */
long xlsx_row(const xlsx_reader *r);
/* The name of the worksheet being read (owned by the reader). */
const char *xlsx_sheet_name(const xlsx_reader *r);
/* Closes the archive and frees the reader and every row it handed out.
 * NULL is ignored. */
void xlsx_close(xlsx_reader *r);

#endif
