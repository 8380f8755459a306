/*
 * test_xlsx.c - the streaming XLSX reader (src/import/xlsx.c), directly and
 * through the table interface.  tests/data/tables/sample.xlsx was written by
 * libxlsxwriter (shared strings, numbers, formulas, dates, a gap column,
 * two sheets); the other workbooks are put together here with libzip from
 * hand-written XML to reach what libxlsxwriter does not write (inline and
 * rich strings, phonetic runs, cells without references, the 1904 date
 * system, a chartsheet first, broken parts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/import/table.h"
#include "../../src/import/xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define SAMPLE "tests/data/tables/sample.xlsx"

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s", path);
    buf b = BUF_INIT;
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(&b, chunk, k);
    fclose(fp);
    *n = b.len;
    return buf_detach(&b);
}

static void expect_row(tab_reader *r, long row, size_t n, ...)
{
    char **cells;
    size_t nc;
    err e = ERR_INIT;
    int rc = tab_next(r, &cells, &nc, &e);
    if (rc != 1) fail_msg("tab_next returned %d (%s)", rc, err_msg(&e, LANG_EN));
    assert_int_equal(tab_row(r), row);
    if (nc != n) fail_msg("row %ld: %zu cells, expected %zu", row, nc, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) assert_string_equal(cells[i], va_arg(ap, const char *));
    va_end(ap);
}

static void expect_end(tab_reader *r)
{
    char **cells;
    size_t nc;
    err e = ERR_INIT;
    assert_int_equal(tab_next(r, &cells, &nc, &e), 0);
    assert_int_equal(tab_next(r, &cells, &nc, &e), 0);
    assert_false(err_isset(&e));
}

/* ---- hand-made workbooks ----------------------------------------------- */

typedef struct entry {
    const char *name, *xml;
} entry;

static const char RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"/xl/workbook.xml\"/></Relationships>";

static const char WORKBOOK[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                               "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                               "xmlns:rel=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
                               "<workbookPr date1904=\"%s\"/><sheets>"
                               "<sheet name=\"图表\" sheetId=\"3\" rel:id=\"rId3\"/>"
                               "<sheet name=\"Data\" sheetId=\"1\" rel:id=\"rId1\"/>"
                               "</sheets></workbook>";

static const char WB_RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/./data.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
    "Target=\"strings/../sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet\" "
    "Target=\"chartsheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId4\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
    "Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId5\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" "
    "Target=\"http://example.com/\" TargetMode=\"External\"/>"
    "</Relationships>";

static const char SST[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                          "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"5\">"
                          "<si><t>名称</t></si>"
                          "<si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space=\"preserve\"> 文本 </t></r></si>"
                          "<si><t>東京</t><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh><phoneticPr fontId=\"1\"/></si>"
                          "<si/>"
                          "<si><t>A &amp; B &lt;c&gt;</t></si>"
                          "<si><t>一_x000D_\n二 _x005F_x0041_ _x4E09_ _x12_</t></si>"
                          "</sst>";

static const char STYLES[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<numFmts count=\"3\">"
    "<numFmt numFmtId=\"164\" formatCode=\"[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.00&quot;m&quot;\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"[Red]#,##0;\\-#,##0\"/>"
    "</numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"6\">"
    "<xf numFmtId=\"0\" xfId=\"0\"/>"
    "<xf numFmtId=\"14\" xfId=\"0\" applyNumberFormat=\"1\"/>"
    "<xf numFmtId=\"164\" xfId=\"0\"><alignment horizontal=\"left\"/></xf>"
    "<xf numFmtId=\"165\" xfId=\"0\"/>"
    "<xf numFmtId=\"22\" xfId=\"0\"/>"
    "<xf numFmtId=\"166\" xfId=\"0\"/>"
    "</cellXfs></styleSheet>";

static const char SHEET[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                            "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                            "<dimension ref=\"A1:AA12\"/><sheetData>"
                            /* shared, rich and phonetic strings; inline plain and rich strings */
                            "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
                            "<c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"inlineStr\"><is><t>行内</t></is></c>"
                            "<c r=\"E1\" t=\"inlineStr\"><is><r><t>a</t></r><r><rPr/><t xml:space=\"preserve\">b "
                            "</t></r></is></c></row>"
                            /* booleans, an error, a formula string, a cell with no reference */
                            "<row r=\"2\"><c r=\"A2\" t=\"b\"><v>1</v></c><c r=\"B2\" t=\"b\"><v>0</v></c>"
                            "<c r=\"C2\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>"
                            "<c r=\"D2\" t=\"str\"><f>A1&amp;\"x\"</f><v>计算</v></c><c><v>3.0</v></c></row>"
                            "<row r=\"3\" s=\"1\" customFormat=\"1\"/>"
                            /* no r on the row: it follows row 3; dates through built-in and
     * custom formats, Excel's 1900-02-29, a non-date custom format */
                            "<row><c r=\"A4\" s=\"1\"><v>44197</v></c><c r=\"B4\" s=\"4\"><v>44197.5</v></c>"
                            "<c r=\"C4\" s=\"3\"><v>1.5</v></c><c r=\"D4\" s=\"2\"><v>61</v></c>"
                            "<c r=\"E4\" s=\"1\"><v>60</v></c><c r=\"F4\" s=\"1\"><v>59</v></c>"
                            "<c r=\"G4\" s=\"2\"><v>1</v></c><c r=\"H4\" s=\"5\"><v>-1234</v></c>"
                            "<c r=\"I4\" s=\"1\"><v>0.75</v></c><c r=\"J4\" s=\"99\"><v>2</v></c></row>"
                            /* gaps, a far column, an empty shared string, escaped text */
                            "<row r=\"10\"><c r=\"B10\" t=\"s\"><v>3</v></c><c r=\"C10\" t=\"s\"><v>4</v></c>"
                            "<c r=\"AA10\"><v>1E-7</v></c><c r=\"AB10\" s=\"1\"/></row>"
                            "<row r=\"11\"><c r=\"A11\" s=\"1\"/><c r=\"B11\" t=\"s\"><v>3</v></c></row>"
                            /* a formula without a cached value */
                            "<row r=\"12\"><c r=\"A12\"><f>SUM(X1:X2)</f></c><c r=\"B12\" t=\"inlineStr\"><is>"
                            "<t>x</t></is></c><c r=\"C12\"><v> 42 </v></c><c r=\"D12\" t=\"s\"><v>5</v></c>"
                            "<c r=\"E12\" t=\"inlineStr\"><is><t>a_x0009_b</t></is></c></row>"
                            "</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:B1\"/></mergeCells></worksheet>";

/* Writes the entries as a ZIP file at path. */
static void write_zip(const char *path, const entry *ents, size_t n)
{
    int code;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(za, ents[i].xml, strlen(ents[i].xml), 0);
        assert_non_null(src);
        assert_true(zip_file_add(za, ents[i].name, src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
}

/* Builds a workbook from the parts above with the given sheet XML and
 * 1904 flag, and returns its bytes. */
static char *make_book(const char *sheet, const char *date1904, size_t *n)
{
    char path[] = "/tmp/ipcity-test-xlsx-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *wb = xasprintf(WORKBOOK, date1904);
    entry ents[] = {
        {"_rels/.rels", RELS},         {"xl/workbook.xml", wb},   {"xl/_rels/workbook.xml.rels", WB_RELS},
        {"xl/sharedStrings.xml", SST}, {"xl/styles.xml", STYLES}, {"xl/worksheets/data.xml", sheet},
    };
    write_zip(path, ents, sizeof ents / sizeof ents[0]);
    free(wb);
    char *data = slurp(path, n);
    unlink(path);
    return data;
}

/* ---- tests ------------------------------------------------------------- */

static void sample_file(void **state)
{
    (void)state;
    tab_reader *r = NULL;
    err e = ERR_INIT;
    if (tab_open_file(SAMPLE, TAB_AUTO, &r, &e) != 0) fail_msg("%s", err_msg(&e, LANG_EN));
    assert_string_equal(tab_encoding(r), "XLSX");
    assert_int_equal(tab_row(r), 0);
    expect_row(r, 1, 6, "名称", "人口", "面积", "设立日期", "", "备注");
    expect_row(r, 2, 6, "北京市", "21893095", "16410.54", "1949-10-01", "", "首都, \"京\"");
    expect_row(r, 3, 6, "上海市", "24870895", "6340.5", "2021-03-04 05:06:07", "TRUE", "北京市");
    expect_row(r, 4, 4, "合计", "46763990", "2.58820913177194", "1900-03-01");
    expect_row(r, 7, 3, "", "", "0.1"); /* C7 alone; the styled blank G7 is dropped */
    expect_row(r, 8, 5, "1900-02-28", "-1.5", "1e+20", "12:00:00", "  前后空格 ");
    expect_end(r);
    tab_close(r);
}

static void sample_mem_and_sheet_choice(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(SAMPLE, &n);
    xlsx_reader *x = NULL;
    err e = ERR_INIT;
    assert_int_equal(xlsx_open_mem("upload.xlsx", data, n, "备用", &x, &e), 0);
    assert_string_equal(xlsx_sheet_name(x), "备用");
    char **cells;
    size_t nc;
    assert_int_equal(xlsx_next(x, &cells, &nc, &e), 1);
    assert_int_equal(nc, 1);
    assert_string_equal(cells[0], "第二张表");
    assert_int_equal(xlsx_row(x), 1);
    assert_int_equal(xlsx_next(x, &cells, &nc, &e), 0);
    xlsx_close(x);

    assert_int_equal(xlsx_open_mem("upload.xlsx", data, n, NULL, &x, &e), 0);
    assert_string_equal(xlsx_sheet_name(x), "城市");
    xlsx_close(x);

    assert_int_equal(xlsx_open_mem("upload.xlsx", data, n, "没有", &x, &e), -1);
    assert_null(x);
    assert_string_equal(e.code, "import.xlsx");
    assert_string_equal(err_msg(&e, LANG_EN), "upload.xlsx has no sheet named \"没有\"");
    err_clear(&e);

    /* Detected by content even under another name. */
    tab_reader *r = NULL;
    assert_int_equal(tab_open_mem("data.csv", data, n, TAB_AUTO, &r, &e), 0);
    assert_string_equal(tab_encoding(r), "XLSX");
    expect_row(r, 1, 6, "名称", "人口", "面积", "设立日期", "", "备注");
    tab_close(r);
    free(data);
}

static void crafted(void **state)
{
    (void)state;
    size_t n;
    char *data = make_book(SHEET, "false", &n);
    tab_reader *r = NULL;
    err e = ERR_INIT;
    if (tab_open_mem("crafted.xlsx", data, n, TAB_AUTO, &r, &e) != 0) fail_msg("%s", err_msg(&e, LANG_EN));
    expect_row(r, 1, 5, "名称", "富 文本 ", "東京", "行内", "ab ");
    expect_row(r, 2, 5, "TRUE", "FALSE", "#DIV/0!", "计算", "3");
    expect_row(r, 4, 10, "2021-01-01", "2021-01-01 12:00:00", "1.5", "1900-03-01", "1900-02-29", "1900-02-28",
               "1900-01-01", "-1234", "18:00:00", "2");
    char **cells;
    size_t nc;
    assert_int_equal(tab_next(r, &cells, &nc, &e), 1);
    assert_int_equal(tab_row(r), 10);
    assert_int_equal(nc, 27); /* AA = column 27; the styled blank AB10 is dropped */
    for (size_t i = 0; i < nc; i++) assert_string_equal(cells[i], i == 2 ? "A & B <c>" : i == 26 ? "1e-07" : "");
    /* _xHHHH_ escapes decoded; _x005F_ is a literal underscore */
    expect_row(r, 12, 5, "", "x", "42", "一\r\n二 _x0041_ 三 _x12_", "a\tb");
    expect_end(r);
    tab_close(r);
    free(data);

    /* The 1904 date system. */
    data = make_book(SHEET, "1", &n);
    xlsx_reader *x = NULL;
    assert_int_equal(xlsx_open_mem("b1904.xlsx", data, n, NULL, &x, &e), 0);
    assert_string_equal(xlsx_sheet_name(x), "Data"); /* the chartsheet is skipped */
    for (int i = 0; i < 3; i++) assert_int_equal(xlsx_next(x, &cells, &nc, &e), 1);
    assert_int_equal(xlsx_row(x), 4);
    assert_string_equal(cells[0], "2025-01-02"); /* 44197 days after 1904-01-01 */
    assert_string_equal(cells[4], "1904-03-01");
    xlsx_close(x);
    free(data);

    /* Asking for the chartsheet by name is an error. */
    data = make_book(SHEET, "0", &n);
    assert_int_equal(xlsx_open_mem("c.xlsx", data, n, "图表", &x, &e), -1);
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);
    free(data);
}

static void bad_sheet_xml(void **state)
{
    (void)state;
    size_t n;
    err e = ERR_INIT;
    char **cells;
    size_t nc;
    /* Malformed: </row> closes an open <c>, after 3000 good rows.  The
     * parser reads ahead, so the good rows come back up to some point,
     * then the error, located "after" the last row returned. */
    buf xml = BUF_INIT;
    buf_puts(&xml, "<worksheet><sheetData>");
    for (int i = 1; i <= 3000; i++) buf_printf(&xml, "<row r=\"%d\"><c><v>%d</v></c></row>", i, i);
    buf_puts(&xml, "<row r=\"3001\"><c r=\"A2\"><v>2</v></row></sheetData></worksheet>");
    char *data = make_book(xml.s, "0", &n);
    buf_free(&xml);
    xlsx_reader *x = NULL;
    assert_int_equal(xlsx_open_mem("m.xlsx", data, n, NULL, &x, &e), 0);
    long got = 0;
    int rc;
    char want[32];
    while ((rc = xlsx_next(x, &cells, &nc, &e)) == 1) {
        got++;
        assert_int_equal(xlsx_row(x), got);
        snprintf(want, sizeof want, "%ld", got);
        assert_string_equal(cells[0], want);
    }
    assert_int_equal(rc, -1);
    assert_true(got > 2000 && got <= 3000);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "import.xlsx");
    assert_string_equal(e.file, "m.xlsx");
    assert_int_equal(e.row, 0);
    snprintf(want, sizeof want, "row %ld", got);
    assert_non_null(strstr(err_msg(&e, LANG_EN), "xl/worksheets/data.xml is not well-formed XML"));
    assert_non_null(strstr(err_msg(&e, LANG_EN), want));
    assert_non_null(strstr(err_msg(&e, LANG_ZH), "不是格式正确的 XML"));
    err_clear(&e);
    assert_int_equal(xlsx_next(x, &cells, &nc, &e), -1); /* sticky */
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);
    xlsx_close(x);
    free(data);

    /* A DTD is refused (no entity expansion games). */
    data = make_book("<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaa\">]>"
                     "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&a;</t></is></c>"
                     "</row></sheetData></worksheet>",
                     "0", &n);
    assert_int_equal(xlsx_open_mem("dtd.xlsx", data, n, NULL, &x, &e), 0);
    assert_int_equal(xlsx_next(x, &cells, &nc, &e), -1);
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);
    xlsx_close(x);
    free(data);

    /* A shared string index past the table. */
    data = make_book("<worksheet><sheetData><row r=\"5\"><c r=\"B5\" t=\"s\"><v>99</v></c></row>"
                     "</sheetData></worksheet>",
                     "0", &n);
    assert_int_equal(xlsx_open_mem("i.xlsx", data, n, NULL, &x, &e), 0);
    assert_int_equal(xlsx_next(x, &cells, &nc, &e), -1);
    assert_int_equal(e.row, 5);
    err_clear(&e);
    xlsx_close(x);
    free(data);

    /* An empty sheet. */
    data = make_book("<worksheet><sheetData/></worksheet>", "0", &n);
    assert_int_equal(xlsx_open_mem("e.xlsx", data, n, NULL, &x, &e), 0);
    assert_int_equal(xlsx_next(x, &cells, &nc, &e), 0);
    xlsx_close(x);
    free(data);
}

static void truncated_and_broken(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(SAMPLE, &n);
    tab_reader *r = NULL;
    err e = ERR_INIT;

    /* Truncated: the central directory is gone. */
    assert_int_equal(tab_open_mem("cut.xlsx", data, n / 2, TAB_AUTO, &r, &e), -1);
    assert_null(r);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "import.xlsx");
    assert_string_equal(e.file, "cut.xlsx");
    assert_non_null(strstr(err_msg(&e, LANG_ZH), "cut.xlsx"));
    assert_non_null(strstr(err_msg(&e, LANG_EN), "cut.xlsx is not a valid XLSX file"));
    err_clear(&e);

    /* The same from a file. */
    char path[] = "/tmp/ipcity-test-cut-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n - 30), (ssize_t)(n - 30));
    close(fd);
    assert_int_equal(tab_open_file(path, TAB_XLSX, &r, &e), -1);
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);
    unlink(path);

    /* Not a ZIP at all, but named .xlsx. */
    assert_int_equal(tab_open_mem("text.xlsx", "a,b\n", 4, TAB_AUTO, &r, &e), -1);
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);

    /* Damaged compressed data inside the worksheet entry. */
    char *bad = malloc(n);
    memcpy(bad, data, n);
    const char *name = "xl/worksheets/sheet1.xml";
    char *hit = memmem(bad, n, name, strlen(name)); /* the local header */
    assert_non_null(hit);
    for (int i = 0; i < 60; i++) hit[strlen(name) + 40 + i] ^= 0x5A;
    int rc = tab_open_mem("damaged.xlsx", bad, n, TAB_AUTO, &r, &e);
    if (rc == 0) {
        char **cells;
        size_t nc;
        while ((rc = tab_next(r, &cells, &nc, &e)) == 1)
            ;
        assert_int_equal(rc, -1);
        tab_close(r);
    }
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);
    free(bad);

    /* A ZIP without the workbook part. */
    char zpath[] = "/tmp/ipcity-test-zip-XXXXXX";
    fd = mkstemp(zpath);
    assert_true(fd >= 0);
    close(fd);
    entry ents[] = {{"hello.txt", "hi"}};
    write_zip(zpath, ents, 1);
    assert_int_equal(tab_open_file(zpath, TAB_AUTO, &r, &e), -1);
    assert_string_equal(e.code, "import.xlsx");
    char *want = xasprintf("%s is not a valid XLSX workbook: xl/workbook.xml is missing", strrchr(zpath, '/') + 1);
    assert_string_equal(err_msg(&e, LANG_EN), want);
    assert_string_equal(e.file, strrchr(zpath, '/') + 1);
    free(want);
    err_clear(&e);
    unlink(zpath);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_file),   cmocka_unit_test(sample_mem_and_sheet_choice), cmocka_unit_test(crafted),
        cmocka_unit_test(bad_sheet_xml), cmocka_unit_test(truncated_and_broken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
