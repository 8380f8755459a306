/*
 * test_csv.c - the streaming CSV reader (src/import/csv.c) through the
 * table interface: RFC 4180 quoting, line ends, blank rows, BOM, GB18030
 * detection and decoding, error locations, and a large file read back in
 * chunks.  Fixtures live in tests/data/tables/ (run from the repo root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/import/csv.h"
#include "../../src/import/table.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA "tests/data/tables/"

/* Asserts that the next row is row number `row` with exactly the n given
 * cells. */
static void expect_row(tab_reader *r, long row, size_t n, ...)
{
    char **cells;
    size_t nc;
    err e = ERR_INIT;
    int rc = tab_next(r, &cells, &nc, &e);
    if (rc != 1) fail_msg("tab_next returned %d (%s)", rc, err_msg(&e, LANG_EN));
    assert_int_equal(tab_row(r), row);
    assert_int_equal(nc, n);
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
    assert_false(err_isset(&e));
    assert_int_equal(tab_next(r, &cells, &nc, &e), 0); /* stays at the end */
}

static tab_reader *open_mem(const char *name, const char *s)
{
    tab_reader *r = NULL;
    err e = ERR_INIT;
    if (tab_open_mem(name, s, strlen(s), TAB_AUTO, &r, &e) != 0) fail_msg("tab_open_mem: %s", err_msg(&e, LANG_EN));
    return r;
}

static tab_reader *open_file(const char *path)
{
    tab_reader *r = NULL;
    err e = ERR_INIT;
    if (tab_open_file(path, TAB_AUTO, &r, &e) != 0) fail_msg("tab_open_file %s: %s", path, err_msg(&e, LANG_EN));
    return r;
}

/* Reads rows until an error; asserts one happens and returns it in *e. */
static void expect_error(tab_reader *r, err *e)
{
    char **cells;
    size_t nc;
    int rc;
    while ((rc = tab_next(r, &cells, &nc, e)) == 1)
        ;
    assert_int_equal(rc, -1);
    assert_true(err_isset(e));
    /* errors are sticky */
    err again = ERR_INIT;
    assert_int_equal(tab_next(r, &cells, &nc, &again), -1);
    assert_string_equal(again.code, e->code);
    assert_int_equal(again.row, e->row);
    assert_int_equal(again.col, e->col);
    err_clear(&again);
}

static void quoting(void **state)
{
    (void)state;
    tab_reader *r = open_mem("q.csv", "a,\"b,c\",\"say \"\"hi\"\"\"\n"
                                      "\"multi\nline\",x,\"\"\n"
                                      "\"cr\r\nlf\",,\n"
                                      "last,\"\",row");
    assert_string_equal(tab_encoding(r), "UTF-8");
    expect_row(r, 1, 3, "a", "b,c", "say \"hi\"");
    expect_row(r, 2, 3, "multi\nline", "x", "");
    expect_row(r, 4, 3, "cr\r\nlf", "", "");
    expect_row(r, 6, 3, "last", "", "row"); /* no line end at EOF */
    expect_end(r);
    tab_close(r);
}

static void line_ends_and_blank_rows(void **state)
{
    (void)state;
    /* CRLF, LF and a lone CR; blank lines, ",," and "" rows are skipped but
     * still count as physical lines. */
    tab_reader *r = open_mem("l.csv", "h1,h2\r\n\r\nv1,v2\n\n,,\n\"\"\nm1,m2\rc1,c2\r\n\r\n\n");
    expect_row(r, 1, 2, "h1", "h2");
    expect_row(r, 3, 2, "v1", "v2");
    expect_row(r, 7, 2, "m1", "m2");
    expect_row(r, 8, 2, "c1", "c2");
    expect_end(r);
    tab_close(r);

    r = open_mem("empty.csv", "");
    expect_end(r);
    tab_close(r);
    r = open_mem("blank.csv", "\r\n\n\r\n");
    expect_end(r);
    tab_close(r);
    r = open_mem("one.csv", "x");
    expect_row(r, 1, 1, "x");
    expect_end(r);
    tab_close(r);
    r = open_mem("trail.csv", "a,\n");
    expect_row(r, 1, 2, "a", "");
    expect_end(r);
    tab_close(r);
}

static void fixture_basic(void **state)
{
    (void)state;
    tab_reader *r = open_file(DATA "basic.csv");
    expect_row(r, 1, 3, "名称", "人口", "备注");
    expect_row(r, 2, 3, "北京市", "21893095", "首都,直辖市");
    expect_row(r, 3, 3, "上海市", "24870895", "多行\r\n备注");
    expect_row(r, 6, 3, "引号\"测试\"", "", "末尾");
    expect_end(r);
    assert_string_equal(tab_encoding(r), "UTF-8");
    tab_close(r);
}

static void fixture_bom(void **state)
{
    (void)state;
    tab_reader *r = open_file(DATA "bom.csv");
    assert_string_equal(tab_encoding(r), "UTF-8");
    expect_row(r, 1, 2, "id", "name"); /* no BOM glued to "id" */
    expect_row(r, 2, 2, "1", "张三");
    expect_row(r, 3, 2, "2", "李四");
    expect_end(r);
    tab_close(r);

    /* A BOM-only input and a BOM through memory. */
    r = open_mem("b.csv", "\xEF\xBB\xBF");
    expect_end(r);
    tab_close(r);
    r = open_mem("b.csv", "\xEF\xBB\xBF\"q\"\n");
    expect_row(r, 1, 1, "q");
    tab_close(r);
}

static void fixture_gb18030(void **state)
{
    (void)state;
    /* The file starts with 省 (CA A1), which alone would pass for UTF-8;
     * the rest of the run decides. */
    tab_reader *r = open_file(DATA "gb18030.csv");
    assert_string_equal(tab_encoding(r), "GB18030");
    expect_row(r, 1, 3, "省份", "城市", "人口");
    expect_row(r, 2, 3, "广东省", "广州市", "18676605");
    expect_row(r, 3, 3, "浙江省", "杭州市,西湖区", "12204000");
    expect_row(r, 4, 3, "四川省", "成都市\xF0\xA0\x80\x80", "20937757"); /* U+20000, 4 bytes */
    expect_row(r, 5, 3, "价格", "€12", "“引号”");
    expect_end(r);
    tab_close(r);

    /* GBK bytes after an ASCII start, from memory. */
    r = open_mem("gbk.csv", "id,name\n1,\xD5\xC5\xC8\xFD\n"); /* 张三 */
    assert_string_equal(tab_encoding(r), "GB18030");
    expect_row(r, 1, 2, "id", "name");
    expect_row(r, 2, 2, "1", "张三");
    expect_end(r);
    tab_close(r);
}

static void unterminated_quote(void **state)
{
    (void)state;
    tab_reader *r = open_mem("u.csv", "a,b\n\"x\",\"open\nstill open\n");
    err e = ERR_INIT;
    expect_row(r, 1, 2, "a", "b");
    expect_error(r, &e);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "import.csv_syntax");
    assert_string_equal(e.file, "u.csv");
    assert_int_equal(e.row, 2);
    assert_int_equal(e.col, 2);
    assert_string_equal(err_msg(&e, LANG_ZH), "第 2 行第 2 列：引号未闭合");
    assert_string_equal(err_msg(&e, LANG_EN), "Row 2, column 2: unterminated quote");
    err_clear(&e);
    tab_close(r);
}

static void stray_quotes(void **state)
{
    (void)state;
    err e = ERR_INIT;
    tab_reader *r = open_mem("s.csv", "h\nok,ab\"c\n");
    expect_error(r, &e);
    assert_string_equal(e.code, "import.csv_syntax");
    assert_int_equal(e.row, 2);
    assert_int_equal(e.col, 2);
    assert_string_equal(err_msg(&e, LANG_EN), "Row 2, column 2: quote inside an unquoted field");
    err_clear(&e);
    tab_close(r);

    r = open_mem("s.csv", "x,y,\"ab\"c\n");
    expect_error(r, &e);
    assert_string_equal(e.code, "import.csv_syntax");
    assert_int_equal(e.row, 1);
    assert_int_equal(e.col, 3);
    err_clear(&e);
    tab_close(r);
}

static void invalid_utf8(void **state)
{
    (void)state;
    err e = ERR_INIT;
    /* UTF-8 is detected from 名称; the bad byte is in row 3, field 2. */
    tab_reader *r = open_mem("bad.csv", "名称,值\n北京,1\n上海,\xFF\xFE\n");
    expect_row(r, 1, 2, "名称", "值");
    expect_row(r, 2, 2, "北京", "1");
    expect_error(r, &e);
    assert_string_equal(tab_encoding(r), "UTF-8");
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "import.encoding");
    assert_string_equal(e.file, "bad.csv");
    assert_int_equal(e.row, 3);
    assert_int_equal(e.col, 2);
    assert_string_equal(err_msg(&e, LANG_EN), "Row 3, column 2: invalid UTF-8 byte sequence");
    err_clear(&e);
    tab_close(r);

    /* The row is where the record starts, even inside a multi-line field;
     * a truncated sequence at EOF is invalid too. */
    r = open_mem("bad2.csv", "é\n\"a\nb\",\"c\nd\xE4\xB8\"\n");
    expect_row(r, 1, 1, "é");
    expect_error(r, &e);
    assert_int_equal(e.row, 2);
    assert_int_equal(e.col, 2);
    err_clear(&e);
    tab_close(r);
    r = open_mem("bad3.csv", "é\nx\xE4\xB8");
    expect_row(r, 1, 1, "é");
    expect_error(r, &e);
    assert_int_equal(e.row, 2);
    assert_int_equal(e.col, 1);
    err_clear(&e);
    tab_close(r);

    /* A NUL byte (UTF-16 and binary files) is refused. */
    static const char nul[] = "a,b\nc,d\0e\n";
    assert_int_equal(tab_open_mem("nul.csv", nul, sizeof nul - 1, TAB_CSV, &r, &e), 0);
    expect_row(r, 1, 2, "a", "b");
    expect_error(r, &e);
    assert_string_equal(e.code, "import.encoding");
    assert_int_equal(e.row, 2);
    assert_int_equal(e.col, 2);
    err_clear(&e);
    tab_close(r);

    /* Neither UTF-8 nor well-formed GB18030 (0xFF is never a GB18030 lead
     * byte): read as ISO-8859-1, where every byte is a character. */
    r = open_mem("gb.csv", "\xD5\xC5\xC8\xFD\n\xD5\xC5,\xFF\n");
    assert_string_equal(tab_encoding(r), "ISO-8859-1");
    expect_row(r, 1, 1, "\xC3\x95\xC3\x85\xC3\x88\xC3\xBD");
    expect_row(r, 2, 2, "\xC3\x95\xC3\x85", "\xC3\xBF");
    tab_close(r);
}

static void open_errors(void **state)
{
    (void)state;
    tab_reader *r = NULL;
    err e = ERR_INIT;
    assert_int_equal(tab_open_file(DATA "no-such-file.csv", TAB_AUTO, &r, &e), -1);
    assert_null(r);
    assert_string_equal(e.code, "import.io");
    assert_string_equal(e.file, "no-such-file.csv");
    err_clear(&e);
    assert_int_equal(tab_open_file(DATA "no-such-file.csv", TAB_CSV, &r, &e), -1);
    assert_string_equal(e.code, "import.io");
    err_clear(&e);
    /* A legacy .xls (OLE2) is refused with a useful message. */
    static const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest";
    assert_int_equal(tab_open_mem("old.xls", ole, sizeof ole - 1, TAB_AUTO, &r, &e), -1);
    assert_string_equal(e.code, "import.xlsx");
    err_clear(&e);
}

/* Writes rows of UTF-8 text with CRLF line ends, quoted fields with
 * embedded commas, quotes and line breaks, and Chinese text, to path; when
 * gb is set the file is converted to GB18030.  Returns the row count. */
static long write_big(const char *path, long rows, int gb)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    iconv_t cd = gb ? iconv_open("GB18030", "UTF-8") : (iconv_t)-1;
    buf b = BUF_INIT;
    buf_puts(&b, "编号,名称,备注\r\n");
    for (long i = 1; i <= rows; i++) {
        buf_printf(&b, "%ld,城市%ld,", i, i);
        if (i % 7 == 0) buf_printf(&b, "\"多行\r\n说明 \"\"%ld\"\", 含逗号\"\r\n", i);
        else
            buf_printf(&b, "普通%ld\r\n", i);
        if (b.len > 60000 || i == rows) {
            if (gb) {
                static char out[200000];
                char *in = b.s, *o = out;
                size_t inleft = b.len, oleft = sizeof out;
                assert_true(iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1);
                fwrite(out, 1, sizeof out - oleft, fp);
            } else {
                fwrite(b.s, 1, b.len, fp);
            }
            buf_reset(&b);
        }
    }
    buf_free(&b);
    if (gb) iconv_close(cd);
    assert_int_equal(fclose(fp), 0);
    return rows;
}

static void check_big(const char *path, long rows, const char *enc)
{
    tab_reader *r = open_file(path);
    assert_string_equal(tab_encoding(r), enc);
    char **cells;
    size_t nc;
    err e = ERR_INIT;
    long n = 0, line = 1;
    char want[64];
    expect_row(r, 1, 3, "编号", "名称", "备注");
    while (tab_next(r, &cells, &nc, &e) == 1) {
        n++;
        line++;
        assert_int_equal(nc, 3);
        assert_int_equal(tab_row(r), line);
        snprintf(want, sizeof want, "%ld", n);
        assert_string_equal(cells[0], want);
        snprintf(want, sizeof want, "城市%ld", n);
        assert_string_equal(cells[1], want);
        if (n % 7 == 0) {
            snprintf(want, sizeof want, "多行\r\n说明 \"%ld\", 含逗号", n);
            line++;
        } else {
            snprintf(want, sizeof want, "普通%ld", n);
        }
        assert_string_equal(cells[2], want);
    }
    assert_false(err_isset(&e));
    assert_int_equal(n, rows);
    tab_close(r);
}

static void big_file(void **state)
{
    (void)state;
    char path[] = "/tmp/ipcity-test-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    check_big(path, write_big(path, 200000, 0), "UTF-8");
    check_big(path, write_big(path, 50000, 1), "GB18030");
    unlink(path);
}

static void direct_api(void **state)
{
    (void)state;
    csv_reader *c = NULL;
    err e = ERR_INIT;
    static const char data[] = "x,y\n1,2\n";
    assert_int_equal(csv_open_mem(NULL, data, sizeof data - 1, &c, &e), 0);
    char **cells;
    size_t nc;
    assert_int_equal(csv_row(c), 0);
    assert_int_equal(csv_next(c, &cells, &nc, &e), 1);
    assert_int_equal(nc, 2);
    assert_int_equal(csv_next(c, &cells, &nc, &e), 1);
    assert_string_equal(cells[1], "2");
    assert_int_equal(csv_row(c), 2);
    assert_int_equal(csv_next(c, &cells, &nc, &e), 0);
    csv_close(c);
    csv_close(NULL);
    tab_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoting),         cmocka_unit_test(line_ends_and_blank_rows),
        cmocka_unit_test(fixture_basic),   cmocka_unit_test(fixture_bom),
        cmocka_unit_test(fixture_gb18030), cmocka_unit_test(unterminated_quote),
        cmocka_unit_test(stray_quotes),    cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(open_errors),     cmocka_unit_test(big_file),
        cmocka_unit_test(direct_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
