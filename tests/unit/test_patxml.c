/* test_patxml.c - patent XML to patent documents (src/import/patxml.h).
 *
 * Every real file in ../shared/data/real/cnipa-xml and uspto-xml (run from
 * the repository root) is parsed and the values are compared with what
 * the files say, looked up by hand: application number, kind, dates,
 * publication and grant numbers, title, first applicant, the whole IPC
 * list, inventors, priorities, PCT data.  Then the error cases: truncated
 * XML, a wrong check digit, an unknown root, a missing application
 * number, a bad date; and a DOCTYPE with an external entity that must not
 * be read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/util.h"
#include "../../src/import/patxml.h"

#define CN_DIR "../shared/data/real/cnipa-xml/"
#define US_DIR "../shared/data/real/uspto-xml/"

/* ---- helpers ------------------------------------------------------------ */

static json_t *parse_file(const char *path)
{
    json_t *doc = NULL;
    err e = ERR_INIT;
    if (patxml_parse_file(path, &doc, &e) != 0) fail_msg("%s: %s %s", path, e.code, err_msg(&e, LANG_EN));
    assert_non_null(doc);
    assert_false(err_isset(&e));
    return doc;
}

/* Reads a whole file into a NUL-terminated heap buffer. */
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

/* Replaces the only occurrence of from in s (same length) with to. */
static void patch(char *s, const char *from, const char *to)
{
    assert_int_equal(strlen(from), strlen(to));
    char *p = strstr(s, from);
    if (!p) fail_msg("'%s' not found", from);
    assert_null(strstr(p + 1, from));
    memcpy(p, to, strlen(to));
}

/* Asserts doc[key] is the string want, or absent when want is NULL. */
static void expect_str(json_t *doc, const char *key, const char *want)
{
    json_t *v = json_object_get(doc, key);
    if (!want) {
        if (v) fail_msg("%s should be absent, is '%s'", key, json_string_value(v));
        return;
    }
    if (!json_is_string(v)) fail_msg("%s missing", key);
    assert_string_equal(json_string_value(v), want);
}

/* Asserts doc[key] is exactly the array of strings given (NULL-ended). */
static void expect_list(json_t *doc, const char *key, ...)
{
    json_t *a = json_object_get(doc, key);
    assert_true(json_is_array(a));
    va_list ap;
    va_start(ap, key);
    size_t i = 0;
    for (const char *s; (s = va_arg(ap, const char *)) != NULL; i++) {
        if (i >= json_array_size(a)) fail_msg("%s has only %zu items", key, i);
        assert_string_equal(json_string_value(json_array_get(a, i)), s);
    }
    va_end(ap);
    assert_int_equal(json_array_size(a), i);
}

static size_t count(json_t *doc, const char *key)
{
    json_t *a = json_object_get(doc, key);
    return json_is_array(a) ? json_array_size(a) : 0;
}

/* Asserts party i of doc[key] has these fields (NULL = absent). */
static void expect_party(json_t *doc, const char *key, size_t i, const char *name, const char *address,
                         const char *country)
{
    json_t *p = json_array_get(json_object_get(doc, key), i);
    if (!p) fail_msg("%s[%zu] missing", key, i);
    expect_str(p, "name", name);
    expect_str(p, "address", address);
    expect_str(p, "country", country);
}

static void expect_priority(json_t *doc, size_t i, const char *country, const char *number, const char *date)
{
    json_t *p = json_array_get(json_object_get(doc, "priorities"), i);
    if (!p) fail_msg("priorities[%zu] missing", i);
    expect_str(p, "country", country);
    expect_str(p, "number", number);
    expect_str(p, "date", date);
}

/* Asserts s starts with prefix. */
static void expect_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix))) fail_msg("'%.80s' does not start with '%s'", s, prefix);
}

/* Asserts the last call failed with status 422 and code, with valid
 * UTF-8 messages in both languages. */
static void expect_err(err *e, const char *code)
{
    assert_int_equal(e->status, 422);
    assert_string_equal(e->code, code);
    assert_non_null(e->zh);
    assert_non_null(e->en);
    assert_true(util_utf8_valid(e->zh, strlen(e->zh)));
    assert_true(util_utf8_valid(e->en, strlen(e->en)));
}

/* ---- CNIPA, old schema ---------------------------------------------------- */

static void test_cn_old1(void **state)
{
    (void)state;
    json_t *d = parse_file(CN_DIR "cn_old1.xml"); /* starts with a BOM */
    expect_str(d, "source", "cnipa-xml");
    expect_str(d, "country", "CN");
    expect_str(d, "lang", "zh");
    expect_str(d, "appno", "201410408762.5");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2014-08-19");
    expect_str(d, "pub_no", "CN104223352A");
    expect_str(d, "pub_date", "2014-12-24");
    expect_str(d, "grant_no", NULL);
    expect_str(d, "grant_date", NULL);
    expect_str(d, "title", "一种甘草发酵所得烟用香料及其应用");
    expect_party(d, "applicants", 0, "云南中烟工业有限责任公司", "650231 云南省昆明市五华区红锦路367号云烟科技园C区",
                 NULL);
    assert_int_equal(count(d, "applicants"), 1);
    assert_int_equal(count(d, "patentees"), 0);
    expect_list(d, "ipc", "A24B 15/18", "C11B 9/00", "C12P 1/02", "C12R 1/645", NULL);
    assert_int_equal(count(d, "cpc"), 0);
    expect_list(d, "inventors", "段焰青", "者为", "李青青", "叶灵", "张伟", "夏建军", "党立志", "王文元", NULL);
    assert_int_equal(count(d, "priorities"), 0);
    expect_str(d, "pct_app_no", NULL);
    expect_str(d, "pct_pub_no", NULL);
    assert_null(json_object_get(d, "family"));
    /* One paragraph; the bio-deposit paragraph (CGMCC No.6645) is not
     * abstract text. */
    const char *abs = json_string_value(json_object_get(d, "abstract"));
    assert_non_null(abs);
    expect_prefix(abs, "本发明公开了一种甘草发酵所得烟用香料及其应用。");
    assert_non_null(strstr(abs, "具有良好的应用前景。"));
    assert_string_equal(abs + strlen(abs) - strlen("具有良好的应用前景。"), "具有良好的应用前景。");
    assert_null(strchr(abs, '\n'));
    assert_null(strstr(abs, "2012.10.08"));
    json_decref(d);
}

static void test_cn_old2(void **state)
{
    (void)state;
    json_t *d = parse_file(CN_DIR "cn_old2.xml"); /* BOM; PCT national phase */
    expect_str(d, "source", "cnipa-xml");
    expect_str(d, "country", "CN");
    expect_str(d, "appno", "201480000986.0");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2014-03-28");
    expect_str(d, "pub_no", "CN104245143A");
    expect_str(d, "pub_date", "2014-12-24");
    expect_str(d, "grant_no", NULL);
    expect_str(d, "title", "用于对包含于人造草坪的填充材料进行重复利用的筛选方法及筛选装置");
    expect_party(d, "applicants", 0, "可隆科技特株式会社", "韩国京畿道果川市", NULL);
    /* The second applicant's address is <text /> in the file. */
    expect_party(d, "applicants", 1, "盛源立赛科株式会社", NULL, NULL);
    assert_int_equal(count(d, "applicants"), 2);
    expect_list(d, "ipc", "B03B 5/04", "B03B 5/32", "B03B 5/62", "B07B 13/04", NULL);
    expect_list(d, "inventors", "朴建洙", "权宁荤", "曹光洙", "孔景录", "蒋志荣", NULL);
    assert_int_equal(count(d, "priorities"), 6);
    expect_priority(d, 0, "KR", "10-2013-0033547", "2013-03-28");
    expect_priority(d, 5, "KR", "10-2013-0138117", "2013-11-14");
    expect_str(d, "pct_app_no", "PCT/KR2014/002669");
    expect_str(d, "pct_pub_no", "WO2014/157990");
    expect_str(d, "pct_pub_date", "2014-10-02");
    const char *abs = json_string_value(json_object_get(d, "abstract"));
    assert_non_null(abs);
    expect_prefix(abs, "本发明涉及一种用于从人造草坪包括的填充材料");
    json_decref(d);
}

static void test_cn_old3(void **state)
{
    (void)state;
    /* No BOM, no lang attribute on the root, PCT filing but no PCT
     * publication and no priority claim. */
    json_t *d = parse_file(CN_DIR "cn_old3.xml");
    expect_str(d, "source", "cnipa-xml");
    expect_str(d, "lang", "zh");
    expect_str(d, "appno", "201480000788.4");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2014-03-31");
    expect_str(d, "pub_no", "CN104245682A");
    expect_str(d, "pub_date", "2014-12-24");
    expect_str(d, "grant_no", NULL);
    expect_str(d, "title", "马来酸伊索拉定的制造方法");
    expect_party(d, "applicants", 0, "日本新药株式会社", "日本京都府", NULL);
    expect_list(d, "ipc", "C07D 251/18", NULL);
    expect_list(d, "inventors", "服部正之", NULL);
    assert_int_equal(count(d, "priorities"), 0);
    expect_str(d, "pct_app_no", "PCT/JP2014/059529");
    expect_str(d, "pct_pub_no", NULL);
    expect_str(d, "pct_pub_date", NULL);
    json_decref(d);
}

/* ---- CNIPA, business schema V2.2.1 ---------------------------------------- */

static void test_cn_new1(void **state)
{
    (void)state;
    json_t *d = parse_file(CN_DIR "cn_new1.xml");
    expect_str(d, "source", "cnipa-xml-v2");
    expect_str(d, "country", "CN");
    expect_str(d, "lang", "zh");
    /* Original form 202111286633.X; the standard form 102021001286633 is
     * the same number.  A divisional: the filing date is the parent's. */
    expect_str(d, "appno", "202111286633.X");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2017-04-24");
    expect_str(d, "pub_no", "CN113781974A");
    expect_str(d, "pub_date", "2021-12-10");
    expect_str(d, "grant_no", NULL);
    expect_str(d, "title", "显示设备");
    /* The business schema fills unknown address parts with "0"; the
     * address is the Text, the country WIPOST3Code. */
    expect_party(d, "applicants", 0, "三星显示有限公司", "韩国京畿道", "KR");
    assert_int_equal(count(d, "applicants"), 1);
    expect_list(d, "ipc", "G09G 3/36", "G09G 3/3208", "G09G 3/34", NULL);
    expect_list(d, "inventors", "金驲柱", "田武经", "李安洙", NULL);
    /* Given twice (original and standard form): kept once, as given. */
    assert_int_equal(count(d, "priorities"), 1);
    expect_priority(d, 0, "KR", "10-2016-0063019", "2016-05-23");
    expect_str(d, "pct_app_no", NULL);
    expect_str(d, "pct_pub_no", NULL);
    const char *abs = json_string_value(json_object_get(d, "abstract"));
    assert_non_null(abs);
    expect_prefix(abs, "公开了一种显示设备。");
    assert_string_equal(abs + strlen(abs) - strlen("的一侧相邻。"), "的一侧相邻。");
    json_decref(d);
}

static void test_cn_new3(void **state)
{
    (void)state;
    json_t *d = parse_file(CN_DIR "cn_new3.xml");
    expect_str(d, "source", "cnipa-xml-v2");
    /* applType 11: PCT invention, 15-digit form 112021000002433. */
    expect_str(d, "appno", "202180002433.9");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2021-02-24");
    expect_str(d, "pub_no", "CN113784721A");
    expect_str(d, "pub_date", "2021-12-10");
    expect_str(d, "grant_no", NULL);
    expect_str(d, "title", "抗COVID-19的高活性化合物");
    expect_party(d, "applicants", 0, "阿堤亚制药公司", "美国马萨诸塞州", "US");
    expect_list(d, "ipc", "A61K 31/7076", "A61P 31/14", "C07H 19/207", NULL);
    expect_list(d, "inventors", "J-P·索玛迪西", "A·莫萨", NULL);
    /* Eight priorities given as written (the first has a stray "i" after
     * its DocNumber in the file), not the eight standard-form copies. */
    assert_int_equal(count(d, "priorities"), 8);
    expect_priority(d, 0, "US", "62/982,670", "2020-02-27");
    expect_priority(d, 7, "US", "63/146,456", "2021-02-05");
    expect_str(d, "pct_app_no", "PCT/US2021/019468");
    expect_str(d, "pct_pub_no", "WO2021/173713");
    expect_str(d, "pct_pub_date", "2021-09-02");
    json_decref(d);
}

/* ---- USPTO grants ---------------------------------------------------------- */

static void test_us_7272630(void **state)
{
    (void)state;
    /* DTD v4.2 (2006), DOCTYPE naming a DTD that is not here. */
    json_t *d = parse_file(US_DIR "US07272630B2.xml");
    expect_str(d, "source", "uspto-xml");
    expect_str(d, "country", "US");
    expect_str(d, "lang", "en");
    expect_str(d, "appno", "US10991571");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2004-11-18");
    expect_str(d, "pub_no", "US7272630B2");
    expect_str(d, "pub_date", "2007-09-18");
    expect_str(d, "grant_no", "US7272630B2");
    expect_str(d, "grant_date", "2007-09-18");
    expect_str(d, "title",
               "Locating potentially identical objects across multiple computers "
               "based on stochastic partitioning of workload");
    /* v4.2: the inventors are the applicants of app-type
     * applicant-inventor. */
    expect_party(d, "applicants", 0, "John R. Douceur", "Bellevue, WA", "US");
    expect_party(d, "applicants", 3, "William J. Bolosky", "Issaquah, WA", "US");
    assert_int_equal(count(d, "applicants"), 4);
    expect_list(d, "inventors", "John R. Douceur", "Marvin M. Theimer", "Atul Adya", "William J. Bolosky", NULL);
    expect_party(d, "patentees", 0, "Microsoft Corporation", "Redmond, WA", "US");
    assert_int_equal(count(d, "patentees"), 1);
    expect_list(d, "ipc", "G06F 15/13", NULL);
    assert_int_equal(count(d, "cpc"), 0);
    assert_int_equal(count(d, "priorities"), 0);
    expect_str(d, "pct_app_no", NULL);
    const char *abs = json_string_value(json_object_get(d, "abstract"));
    assert_non_null(abs);
    expect_prefix(abs, "Potentially identical objects (e.g., files) are located");
    json_decref(d);
}

static void test_us_8926509(void **state)
{
    (void)state;
    json_t *d = parse_file(US_DIR "US08926509.xml"); /* DTD v4.5 (2014) */
    expect_str(d, "source", "uspto-xml");
    expect_str(d, "appno", "US12134151");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2008-06-05");
    expect_str(d, "pub_no", "US8926509B2");
    expect_str(d, "pub_date", "2015-01-06");
    expect_str(d, "grant_no", "US8926509B2");
    expect_str(d, "grant_date", "2015-01-06");
    expect_str(d, "title", "Wireless physiological sensor patches and systems");
    expect_party(d, "applicants", 0, "Surendar Magar", "Dublin, CA", "US");
    assert_int_equal(count(d, "applicants"), 5);
    assert_int_equal(count(d, "inventors"), 5);
    expect_list(d, "inventors", "Surendar Magar", "Venkateswara Rao Sattiraju", "Ali Niknejad", "Louis Yun",
                "James C. Beck", NULL);
    expect_party(d, "patentees", 0, "Hmicro, Inc.", "Fremont, CA", "US");
    expect_list(d, "ipc", "A61B 5/00", "A61B 5/0205", "A61B 5/0404", "A61B 5/11", "H04L 29/08", "G06F 19/00",
                "H04W 88/00", "H04W 52/00", "H04W 84/00", "A61B 5/021", "A61B 5/024", "A61B 5/0476", "A61B 5/0488",
                "A61B 5/145", NULL);
    /* main-cpc, further-cpc, then the combination sets' new symbols. */
    expect_list(d, "cpc", "A61B 5/0205", "A61B 5/0024", "A61B 5/0404", "A61B 5/1112", "A61B 5/6833", "G06F 19/3418",
                "H04L 67/125", "H04L 67/04", "A61B 5/021", "A61B 5/02438", "A61B 5/0476", "A61B 5/0488", "A61B 5/14532",
                "A61B 5/7232", "A61B 2560/0209", "H04W 84/18", "H04W 88/08", "H04W 52/0235", "H04W 52/0274", NULL);
    assert_int_equal(count(d, "priorities"), 0); /* a provisional, not a priority claim */
    json_decref(d);
}

static void test_us_8930553(void **state)
{
    (void)state;
    json_t *d = parse_file(US_DIR "US08930553.xml");
    expect_str(d, "appno", "US13648029");
    expect_str(d, "kind", "invention");
    expect_str(d, "filing_date", "2012-10-09");
    expect_str(d, "pub_no", "US8930553B2");
    expect_str(d, "pub_date", "2015-01-06");
    expect_str(d, "grant_no", "US8930553B2");
    expect_str(d, "grant_date", "2015-01-06");
    expect_str(d, "title", "Managing mid-dialog session initiation protocol (SIP) messages");
    expect_party(d, "applicants", 0, "International Business Machines Corporation", "Armonk, NY", "US");
    assert_int_equal(count(d, "applicants"), 1);
    expect_list(d, "inventors", "Nitzan Nissim", "Brian Pulito", "Asaf Zinger", NULL);
    expect_party(d, "patentees", 0, "International Business Machines Corporation", "Armonk, NY", "US");
    expect_list(d, "ipc", "G06F 15/16", NULL);
    assert_int_equal(count(d, "cpc"), 0);
    json_decref(d);
}

/* parse_mem gives the same document as parse_file. */
static void test_mem_equals_file(void **state)
{
    (void)state;
    static const char *const files[] = {CN_DIR "cn_old1.xml", CN_DIR "cn_new3.xml", US_DIR "US08926509.xml"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        char *data = slurp(files[i], &n);
        json_t *a = parse_file(files[i]), *b = NULL;
        err e = ERR_INIT;
        assert_int_equal(patxml_parse_mem("x.xml", data, n, &b, &e), 0);
        assert_true(json_equal(a, b));
        json_decref(a);
        json_decref(b);
        free(data);
    }
}

/* ---- variations built from the real files ----------------------------------- */

/* A CN publication of kind B is the grant; its applicants are the
 * patentees. */
static void test_cn_grant(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(CN_DIR "cn_old1.xml", &n);
    patch(data, "<kind>A</kind>", "<kind>B</kind>");
    json_t *d = NULL;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("cn_old1.xml", data, n, &d, &e), 0);
    expect_str(d, "pub_no", "CN104223352B");
    expect_str(d, "grant_no", "CN104223352B");
    expect_str(d, "grant_date", "2014-12-24");
    expect_party(d, "patentees", 0, "云南中烟工业有限责任公司", "650231 云南省昆明市五华区红锦路367号云烟科技园C区",
                 NULL);
    json_decref(d);
    free(data);
}

/* appl-type 实用新型 -> utility. */
static void test_cn_utility_label(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(CN_DIR "cn_old3.xml", &n);
    patch(data, "appl-type=\"发明专利\"", "appl-type=\"实用新型\"");
    json_t *d = NULL;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("cn_old3.xml", data, n, &d, &e), 0);
    expect_str(d, "kind", "utility");
    json_decref(d);
    free(data);
}

/* ---- errors ----------------------------------------------------------------- */

/* The first 3000 bytes of a real file, written to a temporary file. */
static void test_truncated(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(CN_DIR "cn_old1.xml", &n);
    assert_true(n > 3000);
    char path[] = "/tmp/ipcity_trunc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, 3000), 3000);
    close(fd);
    json_t *d = (json_t *)1;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_file(path, &d, &e), -1);
    assert_null(d);
    expect_err(&e, "import.xml_syntax");
    /* 64 line ends in the 3000 bytes: the input ends on line 65, inside
     * <cn-inventors>. */
    assert_int_equal(e.row, 65);
    assert_string_equal(e.file, strrchr(path, '/') + 1);
    assert_non_null(strstr(e.en, "line 65"));
    assert_non_null(strstr(e.en, "Premature end of data"));
    assert_non_null(strstr(e.zh, "第 65 行"));
    err_clear(&e);
    unlink(path);

    /* The same through parse_mem, with the name given. */
    assert_int_equal(patxml_parse_mem("cn_old1.xml", data, 3000, &d, &e), -1);
    expect_err(&e, "import.xml_syntax");
    assert_string_equal(e.file, "cn_old1.xml");
    assert_int_equal(e.row, 65);
    err_clear(&e);
    free(data);
}

static void test_syntax_first_error(void **state)
{
    (void)state;
    /* The reported error is the first (the mismatched tag on line 4), not
     * the "Premature end of data" that follows. */
    const char *x = "<?xml version=\"1.0\"?>\n<a>\n<b>\n</a>\n";
    json_t *d = NULL;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("m.xml", x, strlen(x), &d, &e), -1);
    expect_err(&e, "import.xml_syntax");
    assert_int_equal(e.row, 4);
    assert_non_null(strstr(e.en, "mismatch"));
    err_clear(&e);

    assert_int_equal(patxml_parse_mem("empty.xml", "", 0, &d, &e), -1);
    expect_err(&e, "import.xml_syntax");
    assert_string_equal(e.file, "empty.xml");
    err_clear(&e);
}

/* A changed check digit in the real file -> code_cn_appno's error, at the
 * line of the number. */
static void test_check_digit(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(CN_DIR "cn_old1.xml", &n);
    patch(data, "201410408762.5", "201410408762.6");
    json_t *d = (json_t *)1;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("cn_old1.xml", data, n, &d, &e), -1);
    assert_null(d);
    expect_err(&e, "validation.appno_check");
    assert_string_equal(e.field, "appno");
    assert_string_equal(e.file, "cn_old1.xml");
    assert_int_equal(e.row, 20);
    assert_non_null(strstr(e.en, "must be followed by 5"));
    err_clear(&e);
    free(data);

    data = slurp(CN_DIR "cn_new1.xml", &n);
    patch(data, "202111286633.X<", "202111286633.1<");
    assert_int_equal(patxml_parse_mem("cn_new1.xml", data, n, &d, &e), -1);
    expect_err(&e, "validation.appno_check");
    assert_string_equal(e.field, "appno");
    assert_int_equal(e.row, 29);
    err_clear(&e);
    free(data);
}

static void test_unknown_root(void **state)
{
    (void)state;
    const char *x = "<?xml version=\"1.0\"?>\n<foo><bar/></foo>\n";
    json_t *d = (json_t *)1;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("foo.xml", x, strlen(x), &d, &e), -1);
    assert_null(d);
    expect_err(&e, "import.unknown_xml");
    assert_string_equal(e.file, "foo.xml");
    assert_non_null(strstr(e.en, "<foo>"));
    assert_non_null(strstr(e.zh, "<foo>"));
    err_clear(&e);

    /* A USPTO application (not a grant), with its prefix shown for a
     * namespaced root. */
    x = "<us-patent-application><x/></us-patent-application>";
    assert_int_equal(patxml_parse_mem("a.xml", x, strlen(x), &d, &e), -1);
    expect_err(&e, "import.unknown_xml");
    assert_non_null(strstr(e.en, "<us-patent-application>"));
    err_clear(&e);
    x = "<p:doc xmlns:p=\"urn:x\"/>";
    assert_int_equal(patxml_parse_mem("p.xml", x, strlen(x), &d, &e), -1);
    expect_err(&e, "import.unknown_xml");
    assert_non_null(strstr(e.en, "<p:doc>"));
    err_clear(&e);
}

static void test_missing_appno(void **state)
{
    (void)state;
    const char *x = "<cn-patent-document><cn-bibliographic-data>"
                    "<invention-title>标题</invention-title>"
                    "</cn-bibliographic-data></cn-patent-document>";
    json_t *d = (json_t *)1;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("t.xml", x, strlen(x), &d, &e), -1);
    assert_null(d);
    expect_err(&e, "import.missing_field");
    assert_string_equal(e.field, "appno");
    err_clear(&e);

    /* The same for an empty business-schema document and a USPTO grant. */
    x = "<business:PatentDocumentAndRelated xmlns:business=\"http://www.sipo.gov.cn/"
        "XMLSchema/business\"/>";
    assert_int_equal(patxml_parse_mem("t.xml", x, strlen(x), &d, &e), -1);
    expect_err(&e, "import.missing_field");
    err_clear(&e);
    x = "<us-patent-grant/>";
    assert_int_equal(patxml_parse_mem("t.xml", x, strlen(x), &d, &e), -1);
    expect_err(&e, "import.missing_field");
    err_clear(&e);
}

static void test_bad_date(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(CN_DIR "cn_old1.xml", &n);
    patch(data, "<date>20140819</date>", "<date>20141319</date>");
    json_t *d = NULL;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("cn_old1.xml", data, n, &d, &e), -1);
    expect_err(&e, "validation.date");
    assert_string_equal(e.field, "filing_date");
    assert_int_equal(e.row, 21);
    err_clear(&e);
    free(data);
}

/* A grant document with an external entity and a DTD on the network:
 * neither is fetched, the entity stays unexpanded.  Also a design grant,
 * a priority claim and PCT data in the USPTO layout. */
static void test_no_external_entities(void **state)
{
    (void)state;
    const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!DOCTYPE us-patent-grant SYSTEM \"http://example.invalid/us-patent-grant.dtd\" [\n"
                    "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
                    "]>\n"
                    "<us-patent-grant lang=\"EN\"><us-bibliographic-data-grant>\n"
                    "<publication-reference><document-id><country>US</country>"
                    "<doc-number>D0712345</doc-number><kind>S1</kind><date>20150106</date>"
                    "</document-id></publication-reference>\n"
                    "<application-reference appl-type=\"design\"><document-id><country>US</country>"
                    "<doc-number>29/123,456</doc-number><date>20140101</date></document-id>"
                    "</application-reference>\n"
                    "<priority-claims><priority-claim sequence=\"01\" kind=\"national\">"
                    "<country>DE</country><doc-number>40 2013 001 234.5</doc-number>"
                    "<date>20130702</date></priority-claim></priority-claims>\n"
                    "<invention-title id=\"t\">Chair&xxe;</invention-title>\n"
                    "<pct-or-regional-filing-data><document-id><country>WO</country>"
                    "<doc-number>PCT/EP2013/012345</doc-number><date>20131001</date></document-id>"
                    "</pct-or-regional-filing-data>\n"
                    "<pct-or-regional-publishing-data><document-id><country>WO</country>"
                    "<doc-number>2014/054321</doc-number><kind>A1</kind><date>20140410</date>"
                    "</document-id></pct-or-regional-publishing-data>\n"
                    "</us-bibliographic-data-grant></us-patent-grant>\n";
    json_t *d = NULL;
    err e = ERR_INIT;
    if (patxml_parse_mem("d.xml", x, strlen(x), &d, &e) != 0) fail_msg("%s", err_msg(&e, LANG_EN));
    expect_str(d, "title", "Chair");
    expect_str(d, "kind", "design");
    expect_str(d, "appno", "US29123456");
    expect_str(d, "pub_no", "USD712345S1");
    expect_str(d, "grant_no", "USD712345S1");
    expect_priority(d, 0, "DE", "40 2013 001 234.5", "2013-07-02");
    expect_str(d, "pct_app_no", "PCT/EP2013/012345");
    expect_str(d, "pct_pub_no", "WO2014/054321");
    expect_str(d, "pct_pub_date", "2014-04-10");
    json_decref(d);
}

static void test_io_error(void **state)
{
    (void)state;
    json_t *d = (json_t *)1;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_file("/nonexistent/dir/x.xml", &d, &e), -1);
    assert_null(d);
    assert_int_equal(e.status, 500);
    assert_string_equal(e.code, "import.io");
    assert_string_equal(e.file, "x.xml");
    err_clear(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cn_old1),
        cmocka_unit_test(test_cn_old2),
        cmocka_unit_test(test_cn_old3),
        cmocka_unit_test(test_cn_new1),
        cmocka_unit_test(test_cn_new3),
        cmocka_unit_test(test_us_7272630),
        cmocka_unit_test(test_us_8926509),
        cmocka_unit_test(test_us_8930553),
        cmocka_unit_test(test_mem_equals_file),
        cmocka_unit_test(test_cn_grant),
        cmocka_unit_test(test_cn_utility_label),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_syntax_first_error),
        cmocka_unit_test(test_check_digit),
        cmocka_unit_test(test_unknown_root),
        cmocka_unit_test(test_missing_appno),
        cmocka_unit_test(test_bad_date),
        cmocka_unit_test(test_no_external_entities),
        cmocka_unit_test(test_io_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
