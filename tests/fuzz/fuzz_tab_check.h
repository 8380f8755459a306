/* fuzz_tab_check.h - the tab_next() loop shared by fuzz_csv.c and
 * fuzz_xlsx.c, with the promises of table.h/csv.h/xlsx.h as oracles:
 * at least one cell per row, every cell NUL-terminated UTF-8, no row
 * without a non-empty cell, row numbers increasing (CSV) or positive
 * (XLSX), errors complete and sticky (a call after -1 fails again), 0 at
 * the end stays 0. */
#ifndef IPC_FUZZ_TAB_CHECK_H
#define IPC_FUZZ_TAB_CHECK_H

#include "fuzz_common.h"

#include "../../src/import/table.h"

static inline void fz_tab_loop(tab_reader *r, size_t size, int csv)
{
    char **cells = NULL;
    size_t n = 0;
    long last = 0;
    int got;
    err e = ERR_INIT;
    while ((got = tab_next(r, &cells, &n, &e)) == 1) {
        FZ_CHECK(n >= 1 && cells, "a row with %zu cells", n);
        int nonempty = 0;
        for (size_t i = 0; i < n; i++) {
            FZ_CHECK(cells[i], "cell %zu is NULL", i);
            FZ_CHECK(fz_utf8(cells[i]), "cell %zu of row %ld is not UTF-8", i, tab_row(r));
            if (cells[i][0]) nonempty = 1;
        }
        FZ_CHECK(nonempty, "row %ld has no non-empty cell", tab_row(r));
        /* CSV: physical lines, increasing.  XLSX: the rows' r attributes
         * as written, which a (schema-invalid) sheet may repeat or put out
         * of order; table.h promises only that they are the file's. */
        long row = tab_row(r);
        if (csv) FZ_CHECK(row > last, "row number %ld after %ld", row, last);
        else FZ_CHECK(row >= 1, "row number %ld", row);
        last = row;
        if (csv) FZ_CHECK(tab_bytes_read(r) >= 0 && tab_bytes_read(r) <= (long long)size, "bytes read %lld of %zu",
                          tab_bytes_read(r), size);
    }
    FZ_CHECK(got == 0 || got == -1, "tab_next returned %d", got);
    const char *enc = tab_encoding(r);
    /* ISO-8859-1: csv.c's fallback for input that is neither (csv.h does
     * not mention it yet) */
    FZ_CHECK(enc && (!strcmp(enc, "UTF-8") || !strcmp(enc, "GB18030") || !strcmp(enc, "ISO-8859-1") ||
                     !strcmp(enc, "XLSX")),
             "encoding %s", enc ? enc : "(null)");
    if (got < 0) {
        fz_check_err(&e, "tab_next");
        err e2 = ERR_INIT;
        FZ_CHECK(tab_next(r, &cells, &n, &e2) == -1, "an error is not sticky");
        fz_check_err(&e2, "tab_next (again)");
        err_clear(&e2);
    } else {
        FZ_CHECK(!err_isset(&e), "end of table with an error set (%s)", e.code);
        FZ_CHECK(tab_next(r, &cells, &n, &e) == 0, "a row after the end");
    }
    err_clear(&e);
}

#endif
