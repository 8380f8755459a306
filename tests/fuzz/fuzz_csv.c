/* fuzz_csv.c - the CSV reader in any encoding (UTF-8 with or without BOM,
 * GB18030 detected and converted with iconv): tab_open_mem(TAB_CSV) and
 * the tab_next() loop over the fuzzer's bytes (src/import/csv.c,
 * table.c).  Oracles in fuzz_tab_check.h.  Seeds: tests/fuzz/corpus/csv. */
#include "fuzz_tab_check.h"

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
    int rc = tab_open_mem("fuzz.csv", data, size, TAB_CSV, &r, &e);
    if (rc) {
        FZ_CHECK(!r, "failed open with a reader");
        fz_check_err(&e, "tab_open_mem");
    } else {
        FZ_CHECK(r, "open without a reader");
        fz_tab_loop(r, size, 1);
        tab_close(r);
    }
    err_clear(&e);
    return 0;
}
