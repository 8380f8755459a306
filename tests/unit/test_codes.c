/* test_codes.c - identifier validators (src/domain/codes.h).
 *
 * Run from the repository root: the real-file test reads
 * ../shared/data/real/cnipa-xml/cn_*.xml (the five real CNIPA files). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/util.h"
#include "../../src/domain/codes.h"

#define REAL_DIR "../shared/data/real/cnipa-xml/"

/* Asserts that the last call failed with code and 422, and that both
 * messages are set and valid UTF-8. */
static void assert_err(err *e, const char *code)
{
    assert_int_equal(e->status, 422);
    assert_non_null(e->code);
    assert_string_equal(e->code, code);
    assert_non_null(e->zh);
    assert_non_null(e->en);
    assert_true(util_utf8_valid(e->zh, strlen(e->zh)));
    assert_true(util_utf8_valid(e->en, strlen(e->en)));
}

/* ---- unified social credit code ----------------------------------------- */

/*
 * Public codes of well-known entities.  They were recalled from public
 * records, so each was checked by an independent computation (a Python
 * script) before being put here; recalled codes whose check character did
 * not match were dropped, not "fixed".  The owner names are given for
 * orientation only.
 *
 * Hand computation for 91110000802100433B (China National Petroleum
 * Corporation); values are the indexes in 0-9 A-H J-N P-R T U W-Y:
 *
 *   char    9  1  1  1  0  0  0  0  8  0  2  1  0  0  4  3  3
 *   weight  1  3  9 27 19 26 16 17 20 29 25 13  8 24 10 30 28
 *   product 9  3  9 27  0  0  0  0 160 0 50 13  0  0 40 90 84
 *
 *   sum = 9+3+9+27+160+50+13+40+90+84 = 485
 *   485 mod 31 = 485 - 15*31 = 20;  31 - 20 = 11;  value 11 is 'B'.
 */
static const char *const uscc_real[] = {
    "91110000802100433B", /* China National Petroleum Corporation */
    "91440300708461136T", /* Shenzhen Tencent Computer Systems Co., Ltd. */
    "91110108551385082Q", /* Beijing Xiaomi Technology Co., Ltd. */
    "91330100716105852F", /* Alibaba (China) Co., Ltd. */
    /* Suggested in the brief, owner not identified; division 310104
     * (Shanghai Xuhui); sum 639, 639 mod 31 = 19, 31 - 19 = 12 = 'C'. */
    "91310104132200427C",
};

static void test_uscc_real(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof uscc_real / sizeof uscc_real[0]; i++) {
        buf norm = BUF_INIT;
        err e = ERR_INIT;
        if (code_uscc_check(uscc_real[i], &norm, &e) != 0) fail_msg("%s: %s", uscc_real[i], err_msg(&e, LANG_EN));
        assert_string_equal(buf_cstr(&norm), uscc_real[i]);
        assert_false(err_isset(&e));
        buf_free(&norm);
    }
}

static void test_uscc_check_zero(void **state)
{
    (void)state;
    /* Constructed (not a real entity): the weighted sum of the first 17
     * characters is 1178 = 38 * 31, so 31 - 0 = 31, which maps to '0'. */
    assert_int_equal(code_uscc_check("91110000MA000000F0", NULL, NULL), 0);
    err e = ERR_INIT;
    assert_int_equal(code_uscc_check("91110000MA000000FY", NULL, &e), -1);
    assert_err(&e, "validation.uscc_check");
    assert_string_equal(e.zh, "统一社会信用代码校验位错误：应为 0，实际为 Y");
    err_clear(&e);
}

static void test_uscc_normalise(void **state)
{
    (void)state;
    buf norm = BUF_INIT;
    assert_int_equal(code_uscc_check("  91440300708461136t\t\n", &norm, NULL), 0);
    assert_string_equal(buf_cstr(&norm), "91440300708461136T");
    /* Ideographic spaces (U+3000) around, lower-case letters inside. */
    assert_int_equal(code_uscc_check("\xE3\x80\x80"
                                     "91110108551385082q\xE3\x80\x80",
                                     &norm, NULL),
                     0);
    assert_string_equal(buf_cstr(&norm), "91110108551385082Q");
    /* norm is replaced on success, left alone on failure. */
    assert_int_equal(code_uscc_check("91110000802100433C", &norm, NULL), -1);
    assert_string_equal(buf_cstr(&norm), "91110108551385082Q");
    buf_free(&norm);
}

static void test_uscc_length(void **state)
{
    (void)state;
    err e = ERR_INIT;
    assert_int_equal(code_uscc_check("9111000080210043", NULL, &e), -1);
    assert_err(&e, "validation.uscc_length");
    assert_string_equal(e.zh, "统一社会信用代码长度错误：应为 18 位，实际 16 位");
    assert_string_equal(e.en, "Unified social credit code must have 18 characters, got 16");

    assert_int_equal(code_uscc_check("91110000802100433BB", NULL, &e), -1);
    assert_err(&e, "validation.uscc_length");
    assert_non_null(strstr(e.zh, "实际 19 位"));

    assert_int_equal(code_uscc_check("   ", NULL, &e), -1);
    assert_err(&e, "validation.uscc_length");
    assert_non_null(strstr(e.en, "got 0"));

    assert_int_equal(code_uscc_check(NULL, NULL, &e), -1);
    assert_err(&e, "validation.uscc_length");
    err_clear(&e);
}

static void test_uscc_charset(void **state)
{
    (void)state;
    err e = ERR_INIT;
    /* I, O, S, V, Z are not in the set (real code with one char replaced). */
    static const char *const bad[] = {"91110000I02100433B", "91110000O02100433B", "91110000S02100433B",
                                      "91110000V02100433B", "91110000Z02100433B"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(code_uscc_check(bad[i], NULL, &e), -1);
        assert_err(&e, "validation.uscc_charset");
        char want[64];
        snprintf(want, sizeof want, "Unified social credit code character 9 '%c'", bad[i][8]);
        assert_memory_equal(e.en, want, strlen(want));
        snprintf(want, sizeof want, "统一社会信用代码第 9 位字符 '%c' 不允许", bad[i][8]);
        assert_memory_equal(e.zh, want, strlen(want));
    }
    /* Lower-case i is upper-cased first, then refused as I. */
    assert_int_equal(code_uscc_check("9111000080210043iB", NULL, &e), -1);
    assert_err(&e, "validation.uscc_charset");
    assert_non_null(strstr(e.zh, "第 17 位字符 'I'"));

    /* Positions 3-8 are the division code: digits only. */
    assert_int_equal(code_uscc_check("911A0000802100433B", NULL, &e), -1);
    assert_err(&e, "validation.uscc_charset");
    assert_non_null(strstr(e.zh, "第 4 位字符 'A' 不允许：第 3-8 位是行政区划码"));
    assert_non_null(strstr(e.en, "administrative division code, digits only"));

    /* Full-width digit: one character (3 bytes), so the length is right and
     * the charset error names it. */
    assert_int_equal(code_uscc_check("\xEF\xBC\x99"
                                     "1110000802100433B",
                                     NULL, &e),
                     -1);
    assert_err(&e, "validation.uscc_charset");
    assert_non_null(strstr(e.zh, "第 1 位字符 '９'"));

    /* A Chinese character counts as one character. */
    assert_int_equal(code_uscc_check("9111000080210043统B", NULL, &e), -1);
    assert_err(&e, "validation.uscc_charset");
    assert_non_null(strstr(e.en, "character 17 '统'"));

    /* Invalid UTF-8 is shown escaped; messages stay valid UTF-8. */
    assert_int_equal(code_uscc_check("91110000\xFF"
                                     "02100433B",
                                     NULL, &e),
                     -1);
    assert_err(&e, "validation.uscc_charset");
    assert_non_null(strstr(e.en, "character 9 '\\xFF'"));
    err_clear(&e);
}

static void test_uscc_check(void **state)
{
    (void)state;
    err e = ERR_INIT;
    assert_int_equal(code_uscc_check("91110000802100433C", NULL, &e), -1);
    assert_err(&e, "validation.uscc_check");
    assert_string_equal(e.zh, "统一社会信用代码校验位错误：应为 B，实际为 C");
    assert_string_equal(e.en, "Unified social credit code check character is wrong: expected B, got C");
    /* Two digits swapped: caught by the check character. */
    assert_int_equal(code_uscc_check("91440300708461163T", NULL, &e), -1);
    assert_err(&e, "validation.uscc_check");
    /* e may be NULL. */
    assert_int_equal(code_uscc_check("91110000802100433C", NULL, NULL), -1);
    err_clear(&e);
}

/* ---- patent application numbers ---------------------------------------- */

/*
 * 202110991218.8 (example of the brief and SOURCES.md), by hand:
 *   digits  2 0 2 1 1 0 9 9 1 2 1 8
 *   weights 2 3 4 5 6 7 8 9 2 3 4 5
 *   4+0+8+5+6+0+72+81+2+6+4+40 = 228;  228 mod 11 = 228 - 220 = 8.
 * 98123456 (constructed, 8-digit form), weights 2..9:
 *   18+24+4+10+18+28+40+54 = 196;  196 mod 11 = 196 - 187 = 9, so
 *   98123456.9 is valid and 98123456.X is not.
 */
static void expect_appno(const char *in, const char *want)
{
    buf norm = BUF_INIT;
    err e = ERR_INIT;
    if (code_cn_appno(in, &norm, &e) != 0) fail_msg("'%s': %s", in, err_msg(&e, LANG_EN));
    assert_string_equal(buf_cstr(&norm), want);
    buf_free(&norm);
}

static void expect_appno_err(const char *in, const char *code)
{
    buf norm = BUF_INIT;
    err e = ERR_INIT;
    buf_puts(&norm, "untouched");
    if (code_cn_appno(in, &norm, &e) == 0) fail_msg("'%s' accepted as %s", in, buf_cstr(&norm));
    assert_err(&e, code);
    assert_string_equal(buf_cstr(&norm), "untouched");
    err_clear(&e);
    buf_free(&norm);
}

static void test_appno_valid(void **state)
{
    (void)state;
    /* Real numbers from the CNIPA XML in ../shared/data/real. */
    expect_appno("202111286633.X", "202111286633.X");
    expect_appno("201710269973.9", "201710269973.9");
    expect_appno("202180002433.9", "202180002433.9");
    expect_appno("201410408762.5", "201410408762.5");
    expect_appno("201480000986.0", "201480000986.0");
    expect_appno("201480000788.4", "201480000788.4");
    expect_appno("202110991218.8", "202110991218.8");
    /* 8-digit form (constructed, see above). */
    expect_appno("98123456.9", "98123456.9");
    /* Constructed PCT utility model whose check is 10 = X:
     * 4+0+8+5+54+0+0+0+0+0+0+5 = 76, 76 mod 11 = 10. */
    expect_appno("202190000001.X", "202190000001.X");
}

static void test_appno_normalise(void **state)
{
    (void)state;
    expect_appno("CN202110991218.8", "202110991218.8");
    expect_appno("cn202110991218.8", "202110991218.8");
    expect_appno("ZL202110991218.8", "202110991218.8");
    expect_appno("ZL 2021 1 0991218.8", "202110991218.8");
    expect_appno("2021109912188", "202110991218.8"); /* no dot */
    expect_appno("CN 2021109912188\n", "202110991218.8");
    expect_appno("202111286633x", "202111286633.X"); /* lower-case x, no dot */
    expect_appno("\xE3\x80\x80"
                 "2021 1128 6633.x\xE3\x80\x80",
                 "202111286633.X");
    expect_appno("CN98123456.9", "98123456.9");
    expect_appno("981234569", "98123456.9");
    /* The 15-digit standard form (same files): no check character, so the
     * number is converted and its check character computed. */
    expect_appno("102021001286633", "202111286633.X");
    expect_appno("CN102021001286633", "202111286633.X");
    expect_appno("112021000002433", "202180002433.9");
}

static void test_appno_format(void **state)
{
    (void)state;
    expect_appno_err("", "validation.appno_format");
    expect_appno_err(NULL, "validation.appno_format");
    expect_appno_err("abc", "validation.appno_format");
    expect_appno_err("202110991218", "validation.appno_format"); /* no check */
    expect_appno_err("202110991218.", "validation.appno_format");
    expect_appno_err("2021109912188.8", "validation.appno_format");
    expect_appno_err("202110991218.88", "validation.appno_format");
    expect_appno_err("202110991218.A", "validation.appno_format");
    expect_appno_err("2021.10991218.8", "validation.appno_format");
    expect_appno_err("US202110991218.8", "validation.appno_format");
    expect_appno_err("113781974", "validation.appno_format");       /* a publication number */
    expect_appno_err("202150991218.1", "validation.appno_format");  /* type 5 */
    expect_appno_err("199910991218.1", "validation.appno_format");  /* 12 digits before 2003 */
    expect_appno_err("209910991218.1", "validation.appno_format");  /* future year */
    expect_appno_err("50123456.1", "validation.appno_format");      /* 8 digits, year 50 */
    expect_appno_err("98523456.1", "validation.appno_format");      /* 8 digits, type 5 */
    expect_appno_err("202021000000001", "validation.appno_format"); /* unknown type code 20 */
    expect_appno_err("102021011286633", "validation.appno_format"); /* serial > 7 digits */
    expect_appno_err("101999001286633", "validation.appno_format"); /* standard form, 1999 */

    err e = ERR_INIT;
    assert_int_equal(code_cn_appno("202110991218", NULL, &e), -1);
    assert_err(&e, "validation.appno_format");
    assert_non_null(strstr(e.zh, "缺少校验位"));
    assert_non_null(strstr(e.zh, "应为 12 位数字加校验位"));
    assert_non_null(strstr(e.en, "the check character is missing"));
    assert_non_null(strstr(e.en, "got '202110991218'"));
    /* Long or binary input is cut and escaped in the message. */
    assert_int_equal(code_cn_appno("\x01"
                                   "0123456789012345678901234567890123456789xyz",
                                   NULL, &e),
                     -1);
    assert_err(&e, "validation.appno_format");
    assert_non_null(strstr(e.en, "got '\\x0101234567890"));
    assert_non_null(strstr(e.en, "...'"));
    assert_null(strstr(e.en, "XYZ"));
    err_clear(&e);
}

static void test_appno_check(void **state)
{
    (void)state;
    err e = ERR_INIT;
    assert_int_equal(code_cn_appno("CN202110991218.9", NULL, &e), -1);
    assert_err(&e, "validation.appno_check");
    assert_string_equal(e.zh, "专利申请号校验位错误：202110991218 的校验位应为 8，实际为 9");
    assert_string_equal(e.en, "Chinese patent application number check character is wrong: "
                              "202110991218 must be followed by 8, got 9");
    assert_int_equal(code_cn_appno("98123456.X", NULL, &e), -1);
    assert_err(&e, "validation.appno_check");
    assert_non_null(strstr(e.en, "98123456 must be followed by 9, got X"));
    assert_int_equal(code_cn_appno("202111286633.0", NULL, &e), -1);
    assert_err(&e, "validation.appno_check");
    assert_non_null(strstr(e.zh, "应为 X，实际为 0"));
    err_clear(&e);
    expect_appno_err("202111286633", "validation.appno_format");
    expect_appno_err("201410408762.6", "validation.appno_check");
    expect_appno_err("201410408726.5", "validation.appno_check"); /* swapped digits */
}

static void test_appno_type(void **state)
{
    (void)state;
    assert_int_equal(code_cn_appno_type("202110991218.8"), 1);
    assert_int_equal(code_cn_appno_type("202180002433.9"), 1); /* PCT invention */
    assert_int_equal(code_cn_appno_type("202120000001.1"), 2);
    assert_int_equal(code_cn_appno_type("202190000001.X"), 2); /* PCT utility model */
    assert_int_equal(code_cn_appno_type("202130000001.7"), 3);
    assert_int_equal(code_cn_appno_type("98123456.9"), 1);
    assert_int_equal(code_cn_appno_type("98323456.9"), 3);
    assert_int_equal(code_cn_appno_type("202150991218.1"), 0);
    assert_int_equal(code_cn_appno_type("202110991218"), 0);
    assert_int_equal(code_cn_appno_type("CN202110991218.8"), 0);
    assert_int_equal(code_cn_appno_type("202110991218.8 "), 0);
    assert_int_equal(code_cn_appno_type(""), 0);
    assert_int_equal(code_cn_appno_type(NULL), 0);
}

/* ---- real CNIPA files ---------------------------------------------------- */

static const char *const real_files[] = {"cn_old1.xml", "cn_old2.xml", "cn_old3.xml", "cn_new1.xml", "cn_new3.xml"};

/* Text of the first child element of n's parent named name (local name). */
static char *sibling_text(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n->parent ? n->parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name)) return (char *)xmlNodeGetContent(c);
    return NULL;
}

/* Validates every doc-number of the XPath expr in doc; returns how many.
 * When app_norm is given, every number must normalise to the same string,
 * which is stored there (the original and standard forms of the one
 * application of the document). */
static int check_numbers(xmlXPathContextPtr ctx, const char *file, const char *expr, buf *app_norm)
{
    xmlXPathObjectPtr res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    assert_non_null(res);
    int count = 0;
    xmlNodeSetPtr set = res->nodesetval;
    for (int i = 0; set && i < set->nodeNr; i++) {
        xmlNodePtr n = set->nodeTab[i];
        char *num = (char *)xmlNodeGetContent(n);
        char *country = sibling_text(n, "country");
        if (!country) country = sibling_text(n, "WIPOST3Code");
        buf norm = BUF_INIT;
        err e = ERR_INIT;
        int rc = code_cn_appno(num, &norm, &e);
        print_message("  %s: %s (%s) -> %s\n", file, num, country ? country : "?",
                      rc == 0 ? buf_cstr(&norm) : err_msg(&e, LANG_EN));
        if (!country || strcmp(country, "CN")) fail_msg("%s: %s is not a CN number", file, num);
        if (rc != 0) fail_msg("%s: %s: %s", file, num, err_msg(&e, LANG_EN));
        if (app_norm) {
            if (app_norm->len) assert_string_equal(buf_cstr(&norm), buf_cstr(app_norm));
            else
                buf_puts(app_norm, buf_cstr(&norm));
        }
        count++;
        buf_free(&norm);
        xmlFree(num);
        xmlFree(country);
    }
    xmlXPathFreeObject(res);
    return count;
}

/* The kind of application the document states: old schema appl-type
 * ("发明专利"...), new schema applType ("10" invention, "11" PCT invention;
 * read by its first digit). */
static int stated_type(xmlXPathContextPtr ctx)
{
    xmlXPathObjectPtr res =
        xmlXPathEvalExpression((const xmlChar *)"(//*[local-name()='application-reference']/@appl-type"
                                                " | //*[local-name()='ApplicationReference']/@applType)[1]",
                               ctx);
    assert_non_null(res);
    assert_non_null(res->nodesetval);
    assert_int_equal(res->nodesetval->nodeNr, 1);
    char *v = (char *)xmlNodeGetContent(res->nodesetval->nodeTab[0]);
    int t = 0;
    if (!strcmp(v, "发明专利")) t = 1;
    else if (!strcmp(v, "实用新型"))
        t = 2;
    else if (!strcmp(v, "外观设计"))
        t = 3;
    else if (strlen(v) == 2 && v[0] >= '1' && v[0] <= '3')
        t = v[0] - '0';
    xmlFree(v);
    xmlXPathFreeObject(res);
    return t;
}

static void test_real_files_xml(void **state)
{
    (void)state;
    int total = 0, related = 0;
    for (size_t f = 0; f < sizeof real_files / sizeof real_files[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, REAL_DIR "%s", real_files[f]);
        xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
        if (!doc) fail_msg("cannot parse %s (run the test from the repository root)", path);
        xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
        buf app = BUF_INIT;
        int n = check_numbers(ctx, real_files[f],
                              "//*[local-name()='application-reference' or "
                              "local-name()='ApplicationReference']"
                              "/*[local-name()='document-id' or local-name()='DocumentID']"
                              "/*[local-name()='doc-number' or local-name()='DocNumber']",
                              &app);
        /* One application per document: the old schema gives it once, the
         * new one twice (original dotted form and 15-digit standard form). */
        assert_int_equal(n, real_files[f][3] == 'n' ? 2 : 1);
        assert_int_equal(code_cn_appno_type(buf_cstr(&app)), stated_type(ctx));
        total += n;
        related += check_numbers(ctx, real_files[f],
                                 "//*[local-name()='ParentDocument' or "
                                 "local-name()='ChildDocument' or "
                                 "local-name()='parent-doc' or local-name()='child-doc']"
                                 "//*[local-name()='doc-number' or local-name()='DocNumber']",
                                 NULL);
        buf_free(&app);
        xmlXPathFreeContext(ctx);
        xmlFreeDoc(doc);
    }
    /* 3 old + 2 x 2 new application references, 1 division parent
     * (cn_new1.xml: 201710269973.9). */
    assert_int_equal(total, 7);
    assert_int_equal(related, 1);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(&b, chunk, n);
    fclose(fp);
    buf_putc(&b, '\0'); /* so that an empty file still gives "" */
    return buf_detach(&b);
}

/* Every dotted number anywhere in the files' text, whatever the element,
 * must validate: a check independent of the XML structure. */
static void test_real_files_text(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re, "(^|[^0-9])([0-9]{12}|[0-9]{8})\\.[0-9Xx]([^0-9]|$)", REG_EXTENDED), 0);
    int found = 0;
    for (size_t f = 0; f < sizeof real_files / sizeof real_files[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, REAL_DIR "%s", real_files[f]);
        char *text = slurp(path);
        if (!text) fail_msg("cannot read %s (run the test from the repository root)", path);
        const char *p = text;
        regmatch_t m[4];
        int flags = 0;
        while (regexec(&re, p, 4, m, flags) == 0) {
            size_t len = (size_t)(m[2].rm_eo - m[2].rm_so) + 2;
            char num[16];
            memcpy(num, p + m[2].rm_so, len);
            num[len] = '\0';
            err e = ERR_INIT;
            if (code_cn_appno(num, NULL, &e) != 0) fail_msg("%s: %s: %s", real_files[f], num, err_msg(&e, LANG_EN));
            found++;
            p += m[2].rm_so + len;
            flags = REG_NOTBOL;
        }
        free(text);
    }
    regfree(&re);
    /* 202111286633.X, 201710269973.9, 202180002433.9, 201410408762.5,
     * 201480000986.0, 201480000788.4 */
    assert_int_equal(found, 6);
}

/* ---- administrative division codes -------------------------------------- */

static void test_region_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {"110000", "110101", "150000", "210000", "230000", "310115",
                                     "370000", "410000", "460000", "500000", "540000", "610000",
                                     "650000", "710000", "810000", "820000", "440305", "330106"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        err e = ERR_INIT;
        if (code_region_check(ok[i], &e) != 0) fail_msg("%s: %s", ok[i], err_msg(&e, LANG_EN));
    }
}

static void test_region_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {"000000",  "100000", "160000",  "240000", "380000",  "470000", "550000",
                                      "660000",  "700000", "720000",  "800000", "830000",  "990000", "11010",
                                      "1101011", "11010a", " 110000", "",       "１１0000"};
    err e = ERR_INIT;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (code_region_check(bad[i], &e) == 0) fail_msg("'%s' accepted", bad[i]);
        assert_err(&e, "validation.region_code");
    }
    assert_int_equal(code_region_check(NULL, &e), -1);
    assert_err(&e, "validation.region_code");

    assert_int_equal(code_region_check("11010a", &e), -1);
    assert_string_equal(e.zh, "行政区划代码应为 6 位数字，实际为 '11010a'");
    assert_string_equal(e.en, "An administrative division code is 6 digits, got '11010a'");
    assert_int_equal(code_region_check("160100", &e), -1);
    assert_non_null(strstr(e.zh, "行政区划代码 160100 的省级部分 16 不存在"));
    assert_non_null(strstr(e.en, "province part 16 does not exist"));
    err_clear(&e);
}

static int teardown_group(void **state)
{
    (void)state;
    xmlCleanupParser();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc_real),       cmocka_unit_test(test_uscc_check_zero),
        cmocka_unit_test(test_uscc_normalise),  cmocka_unit_test(test_uscc_length),
        cmocka_unit_test(test_uscc_charset),    cmocka_unit_test(test_uscc_check),
        cmocka_unit_test(test_appno_valid),     cmocka_unit_test(test_appno_normalise),
        cmocka_unit_test(test_appno_format),    cmocka_unit_test(test_appno_check),
        cmocka_unit_test(test_appno_type),      cmocka_unit_test(test_real_files_xml),
        cmocka_unit_test(test_real_files_text), cmocka_unit_test(test_region_valid),
        cmocka_unit_test(test_region_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
