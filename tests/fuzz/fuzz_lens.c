/* fuzz_lens.c - Lens.org exports: tab_open_mem(TAB_AUTO, "fuzz.csv") +
 * lens_open() + the lens_next() loop (src/import/lens.c over table.h).
 *
 * Oracles (lens.h): lens_open fails with no reader and a complete err, or
 * succeeds with one; lens_next returns 1 with a document of the promised
 * shape (fz_check_patent_doc: appno, UTF-8, dates YYYY-MM-DD, normalised
 * IPC/CPC without duplicates) and a positive, increasing row, or -1 with
 * no document and a complete err, or 0; after a failure of the table
 * reader (import.csv_syntax, .encoding, .xlsx, .io) every later call
 * returns 0.  Also lens_sniff() on the header.
 * Seeds: tests/fuzz/corpus/lens (the real Lens export cut to a few rows). */
#include "fuzz_common.h"

#include "../../src/import/lens.h"
#include "../../src/import/table.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tab_reader *r = NULL;
    err e = ERR_INIT;
    if (tab_open_mem("fuzz.csv", data, size, TAB_AUTO, &r, &e)) {
        fz_check_err(&e, "tab_open_mem");
        err_clear(&e);
        return 0;
    }
    /* lens_sniff over the first row, as the importer does */
    char **cells;
    size_t n;
    if (tab_next(r, &cells, &n, &e) == 1) (void)lens_sniff(cells, n);
    err_clear(&e);
    tab_close(r);
    r = NULL;
    if (tab_open_mem("fuzz.csv", data, size, TAB_AUTO, &r, &e)) abort(); /* opened a moment ago */

    lens_reader *l = (lens_reader *)1;
    if (lens_open(r, "fuzz.csv", &l, &e)) {
        FZ_CHECK(!l, "failed lens_open with a reader");
        fz_check_err(&e, "lens_open");
    } else {
        FZ_CHECK(l && !err_isset(&e), "lens_open succeeded without a reader or with an error");
        json_t *doc;
        long row = 0, last = 0;
        int k, dead = 0, rows = 0;
        while ((k = lens_next(l, &doc, &row, &e)) != 0) {
            FZ_CHECK(!dead, "lens_next returned %d after the reader failed", k);
            FZ_CHECK(++rows < 1000000, "lens_next does not end");
            if (k == 1) {
                FZ_CHECK(doc, "a row without a document");
                fz_check_patent_doc(doc);
                FZ_CHECK(row > last, "row %ld after %ld", row, last);
                last = row;
                json_decref(doc);
            } else {
                FZ_CHECK(k == -1, "lens_next returned %d", k);
                FZ_CHECK(!doc, "an invalid row with a document");
                fz_check_err(&e, "lens_next");
                /* the table reader's own errors end the table */
                if (!strncmp(e.code, "import.csv_syntax", 17) || !strncmp(e.code, "import.encoding", 15) ||
                    !strncmp(e.code, "import.xlsx", 11) || !strncmp(e.code, "import.io", 9))
                    dead = 1;
                err_clear(&e);
            }
        }
        lens_close(l);
    }
    err_clear(&e);
    tab_close(r);
    return 0;
}
