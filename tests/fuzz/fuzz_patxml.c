/* fuzz_patxml.c - CNIPA XML (both schemas) and USPTO grant XML:
 * patxml_parse_mem() over the fuzzer's bytes (src/import/patxml.h).
 *
 * Oracles: 0 means a document (with the shape patxml.h promises, see
 * fz_check_patent_doc) and an untouched err; -1 means no document and a
 * complete err (status, code, UTF-8 messages).  Seeds: tests/fuzz/corpus/
 * patxml (the real files of ../shared/data/real, cut); dictionary:
 * tests/fuzz/patxml.dict (tag and attribute names). */
#include "fuzz_common.h"

#include "../../src/import/patxml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = (json_t *)1;
    err e = ERR_INIT;
    int rc = patxml_parse_mem("fuzz.xml", (const char *)data, size, &doc, &e);
    FZ_CHECK(rc == 0 || rc == -1, "patxml_parse_mem returned %d", rc);
    if (rc == 0) {
        FZ_CHECK(doc, "success without a document");
        FZ_CHECK(!err_isset(&e), "success with an error set (%s)", e.code);
        fz_check_patent_doc(doc);
        const char *src = json_string_value(json_object_get(doc, "source"));
        FZ_CHECK(src && (!strcmp(src, "cnipa-xml") || !strcmp(src, "cnipa-xml-v2") || !strcmp(src, "uspto-xml")),
                 "source is %s", src ? src : "(none)");
    } else {
        FZ_CHECK(!doc, "failure with a document");
        fz_check_err(&e, "patxml_parse_mem");
        FZ_CHECK(e.file && !strcmp(e.file, "fuzz.xml"), "err.file is %s", e.file ? e.file : "(none)");
    }
    json_decref(doc);
    err_clear(&e);
    return 0;
}
