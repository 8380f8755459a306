/*
 * csv.h - streaming CSV reader for importers (RFC 4180).
 *
 * Fields are separated by commas; a field may be quoted with '"', a quote
 * inside a quoted field is written "", and quoted fields may hold commas,
 * CR and LF.  Records end with CRLF, LF or a lone CR; the last record may
 * lack the line end.  Rows whose cells are all empty (blank lines, ",,,")
 * are skipped.  Anything else that breaks the grammar (a quote inside an
 * unquoted field, a character after a closing quote, a quote left open at
 * the end of the input) is an error; the reader does not guess.
 *
 * Input is read in 64 KiB chunks from a file, or walked in place in a
 * memory buffer; only the current record is kept, never the whole file.
 *
 * Encoding: a UTF-8 BOM means UTF-8 (the BOM is dropped); a GB18030 BOM
 * means GB18030.  Otherwise the reader looks at the first run of non-ASCII
 * bytes: if it is well-formed UTF-8 the input is UTF-8, if not it is
 * GB18030 (a superset of GBK and GB2312), converted to UTF-8 with iconv as
 * the input streams.  Input that is all ASCII is reported as UTF-8.  After
 * that, an invalid byte sequence (and a NUL byte, which no text CSV holds)
 * is an error.  Every cell handed out is well-formed, NUL-terminated UTF-8.
 *
 * Errors fill an err with status 422 and code "import.csv_syntax" or
 * "import.encoding", messages in Chinese and English, and the location:
 * the file name, the row (the 1-based physical line where the record
 * starts) and the column (the 1-based index of the field).  Errors are
 * sticky: once csv_next() failed, later calls fail the same way.  A file
 * that cannot be opened or read gives status 500 code "import.io".
 *
 * A reader is used by one thread at a time.
 */
#ifndef IPC_CSV_H
#define IPC_CSV_H

#include "../base/err.h"

#include <stddef.h>

typedef struct csv_reader csv_reader;

/* Opens the CSV file at path for reading.  Error messages name the file by
 * its last path component.  On success *out is set and the caller closes it
 * with csv_close(); on failure *out is NULL and e is filled (500
 * "import.io").  The first chunk is read here, so csv_encoding() already
 * knows the encoding when a non-ASCII byte occurs in the first 64 KiB. */
int csv_open_file(const char *path, csv_reader **out, err *e);
/* Opens a reader over n bytes at data, which are not copied: they must
 * stay valid and unchanged until csv_close().  name is only used in error
 * messages and may be NULL.  On success *out is set; close it with
 * csv_close(). */
int csv_open_mem(const char *name, const void *data, size_t n, csv_reader **out, err *e);
/* Reads the next non-empty record.  Returns 1 and sets *cells to an array
 * of *ncells (at least 1) NUL-terminated UTF-8 strings; the array and the
 * strings are owned by the reader and stay valid until the next call to
 * csv_next() or csv_close().  Returns 0 at the end of the input and -1 on
 * an error (e filled).  cells and ncells may not be NULL. */
int csv_next(csv_reader *r, char ***cells, size_t *ncells, err *e);
/* The 1-based physical line where the record last returned by csv_next()
 * starts; 0 before the first record. */
long csv_row(const csv_reader *r);
/* "UTF-8" or "GB18030" (a static string): the encoding detected so far. */
const char *csv_encoding(const csv_reader *r);
/* Closes the file, frees the reader and every row it handed out.  NULL is
 * ignored. */
void csv_close(csv_reader *r);

/* Bytes of the input consumed so far (for progress reports). */
long long csv_bytes_read(const csv_reader *r);

#endif
