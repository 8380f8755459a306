/* test_base.c - base helpers: buf, pool, err, util, log (src/base). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "../../src/base/buf.h"
#include "../../src/base/err.h"
#include "../../src/base/log.h"
#include "../../src/base/pool.h"
#include "../../src/base/util.h"

/* ---- buf ---------------------------------------------------------------- */

static void test_buf_empty(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_reset(&b); /* reset of a never-used buf is harmless */
    assert_null(b.s);
    buf_free(&b);
    buf_free(&b); /* twice is fine */
    buf_puts(&b, "");
    assert_non_null(b.s); /* NUL-terminated once anything was added */
    assert_string_equal(b.s, "");
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_buf_growth(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    char expect[5001];
    for (int i = 0; i < 5000; i++) {
        char c = (char)('a' + i % 26);
        buf_putc(&b, c);
        expect[i] = c;
        assert_int_equal(b.len, (size_t)i + 1);
        assert_true(b.cap > b.len);
        assert_int_equal(b.s[b.len], '\0');
    }
    expect[5000] = '\0';
    assert_string_equal(b.s, expect);
    assert_int_equal(strlen(b.s), 5000);
    size_t cap = b.cap;
    char *mem = b.s;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap); /* memory kept */
    assert_ptr_equal(b.s, mem);
    assert_string_equal(b.s, "");
    /* binary data with NUL bytes counts every byte */
    buf_add(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.s, "a\0b\0", 4);
    buf_add(&b, NULL, 0);
    assert_int_equal(b.len, 3);
    /* buf_grow reserves without changing the content */
    buf_grow(&b, 100000);
    assert_true(b.cap >= 100004);
    assert_int_equal(b.len, 3);
    buf_free(&b);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_buf_printf(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_printf(&b, "%d-%s-%05.1f", 42, "中文", 3.14159);
    assert_string_equal(b.s, "42-中文-003.1");
    assert_int_equal(b.len, strlen("42-中文-003.1"));
    /* appending, and a result much larger than the first allocation */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_printf(&b, "[%s]", big);
    assert_int_equal(b.len, strlen("42-中文-003.1") + 2 + 2999);
    assert_int_equal(b.s[b.len - 1], ']');
    assert_int_equal(b.s[b.len], '\0');
    assert_memory_equal(b.s, "42-中文-003.1[xxx", strlen("42-中文-003.1[xxx"));
    buf_reset(&b);
    buf_printf(&b, "%s", "");
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(b.len, 0);
    buf_free(&b);

    char *s = xasprintf("%s=%lld", "n", (long long)-9223372036854775807LL - 1);
    assert_string_equal(s, "n=-9223372036854775808");
    free(s);
    s = xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
    assert_null(xstrdup(NULL));
    s = xstrdup("");
    assert_string_equal(s, "");
    free(s);
}

static void test_buf_json_escape(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_json_escape(&b, "a\"b\\c\nd\re\tf\x01g\x1fh/中文😀");
    assert_string_equal(b.s, "a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh/中文😀");
    /* the escaped text is a valid JSON string body */
    buf j = BUF_INIT;
    buf_putc(&j, '"');
    buf_puts(&j, b.s);
    buf_putc(&j, '"');
    json_error_t je;
    json_t *v = json_loads(j.s, JSON_DECODE_ANY, &je);
    assert_non_null(v);
    assert_string_equal(json_string_value(v), "a\"b\\c\nd\re\tf\x01g\x1fh/中文😀");
    json_decref(v);
    buf_free(&j);
    buf_reset(&b);
    buf_json_escape(&b, "");
    assert_string_equal(buf_cstr(&b), "");
    buf_free(&b);
}

static void test_buf_csv_field(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},       {"中文 名称", "中文 名称"},
        {"a,b", "\"a,b\""},       {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},       {"line1\nline2", "\"line1\nline2\""},
        {"cr\r", "\"cr\r\""},     {"", ""},
        {" spaced ", " spaced "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = BUF_INIT;
        buf_csv_field(&b, cases[i].in);
        assert_string_equal(buf_cstr(&b), cases[i].out);
        buf_free(&b);
    }
    buf b = BUF_INIT;
    buf_csv_field(&b, NULL); /* NULL adds nothing */
    assert_int_equal(b.len, 0);
    buf_csv_field(&b, "x");
    buf_putc(&b, ',');
    buf_csv_field(&b, "y,z");
    assert_string_equal(b.s, "x,\"y,z\"");
    buf_free(&b);
}

static void test_buf_detach(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    buf_puts(&b, "hello");
    buf_puts(&b, " world");
    char *s = buf_detach(&b);
    assert_string_equal(s, "hello world");
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);
    /* detaching an empty buf gives a heap "" */
    s = buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    /* the buf is reusable after detach */
    buf_puts(&b, "again");
    assert_string_equal(b.s, "again");
    buf_free(&b);
}

/* ---- pool --------------------------------------------------------------- */

static void test_pool_alloc_alignment(void **state)
{
    (void)state;
    pool *p = pool_new();
    static const size_t sizes[] = {1,  2,   3,    7,    8,    9,    15,   16,   17,    31,
                                   33, 100, 1000, 4095, 4096, 4097, 5000, 9000, 20000, 0};
    unsigned char *ptrs[200];
    size_t lens[200];
    int n = 0;
    for (int round = 0; round < 10; round++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            size_t sz = sizes[i];
            unsigned char *m = pool_alloc(p, sz);
            assert_non_null(m);
            assert_int_equal((uintptr_t)m % alignof(max_align_t), 0);
            assert_int_equal((uintptr_t)m % 16, 0);
            for (size_t k = 0; k < sz; k++) assert_int_equal(m[k], 0); /* zeroed */
            memset(m, (int)(n & 0xff), sz);
            ptrs[n] = m;
            lens[n] = sz;
            n++;
        }
    /* nothing overlapped: every block still holds its own pattern */
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < lens[i]; k++)
            if (ptrs[i][k] != (unsigned char)(i & 0xff)) fail_msg("block %d byte %zu overwritten", i, k);
    /* a type that needs alignment can be stored */
    long double *ld = pool_alloc(p, sizeof(long double) * 3);
    ld[2] = 1.5L;
    assert_true(ld[2] == 1.5L);
    pool_free(p);
    pool_free(NULL);
}

static void test_pool_strings(void **state)
{
    (void)state;
    pool *p = pool_new();
    char *a = pool_strdup(p, "中文abc");
    assert_string_equal(a, "中文abc");
    char *b = pool_strndup(p, "abcdef", 4);
    assert_string_equal(b, "abcd");
    assert_null(pool_strdup(p, NULL));
    assert_null(pool_strndup(p, NULL, 3));
    char *c = pool_printf(p, "%s-%d", "x", 7);
    assert_string_equal(c, "x-7");
    char big[10000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *d = pool_printf(p, "<%s>", big);
    assert_int_equal(strlen(d), 10001);
    assert_string_equal(a, "中文abc"); /* earlier strings intact */
    pool_free(p);
}

static int defer_log[16];
static int defer_n;

static void defer_rec(void *arg) { defer_log[defer_n++] = (int)(intptr_t)arg; }

static void jdecref(void *v) { json_decref(v); }

static void test_pool_defer(void **state)
{
    (void)state;
    defer_n = 0;
    pool *p = pool_new();
    pool_defer(p, defer_rec, (void *)(intptr_t)1);
    pool_alloc(p, 100000); /* a big block between the registrations */
    pool_defer(p, defer_rec, (void *)(intptr_t)2);
    pool_defer(p, defer_rec, (void *)(intptr_t)3);
    /* heap objects handed to the pool are released with it (LSan checks) */
    pool_defer(p, free, xstrdup("owned by the pool"));
    pool_defer(p, jdecref, json_pack("{s:s}", "k", "v"));
    assert_int_equal(defer_n, 0);
    pool_free(p);
    assert_int_equal(defer_n, 3);
    /* the most recently registered runs first */
    assert_int_equal(defer_log[0], 3);
    assert_int_equal(defer_log[1], 2);
    assert_int_equal(defer_log[2], 1);
}

/* ---- util: dates -------------------------------------------------------- */

static void test_util_dates_leap(void **state)
{
    (void)state;
    long d;
    assert_int_equal(util_date_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(util_date_parse("1969-12-31", &d), 0);
    assert_int_equal(d, -1);
    assert_int_equal(util_date_parse("2000-01-01", &d), 0);
    assert_int_equal(d, 10957);
    assert_int_equal(util_date_parse("2000-02-29", &d), 0); /* divisible by 400 */
    assert_int_equal(d, 10957 + 31 + 28);
    assert_int_equal(util_date_parse("2000-03-01", &d), 0);
    assert_int_equal(d, 11017);
    assert_int_equal(util_date_parse("2024-02-29", &d), 0);
    assert_int_equal(util_date_parse("2021-06-01", &d), 0);
    assert_int_equal(d, 18779);
    assert_int_equal(util_date_parse("2021-06-01", NULL), 0);

    static const char *bad[] = {
        "1900-02-29", /* divisible by 100, not by 400 */
        "2100-02-29", "2023-02-29", "2021-02-30",  "2021-04-31",  "2021-06-31",  "2021-09-31",          "2021-11-31",
        "2021-13-01", "2021-00-10", "2021-01-00",  "2021-01-32",  "0000-01-01",  "2021-1-01",           "2021-01-1",
        "21-01-01",   "2021/01/01", "2021-01-01x", " 2021-01-01", "2021-01-01 ", "2021-01-01T00:00:00", "",
        "abcd-ef-gh", "2021-0a-01", "+021-01-01",  "2021-+1-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 12345;
        if (util_date_parse(bad[i], &d) != -1) fail_msg("date \"%s\" accepted", bad[i]);
        assert_int_equal(d, 12345); /* untouched on failure */
    }
    assert_int_equal(util_date_parse(NULL, &d), -1);

    /* last day of every month of a leap and a common year */
    static const int dm_leap[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int y = 2023; y <= 2024; y++)
        for (int m = 1; m <= 12; m++) {
            int last = dm_leap[m - 1] - (m == 2 && y == 2023);
            char s[48];
            snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, last);
            if (util_date_parse(s, NULL)) fail_msg("%s refused", s);
            snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, last + 1);
            if (!util_date_parse(s, NULL)) fail_msg("%s accepted", s);
        }

    char out[16];
    util_date_format(0, out, sizeof out);
    assert_string_equal(out, "1970-01-01");
    util_date_format(-1, out, sizeof out);
    assert_string_equal(out, "1969-12-31");
    util_date_format(11016, out, sizeof out);
    assert_string_equal(out, "2000-02-29");
    util_date_format(util_days_from_civil(1900, 3, 1) - 1, out, sizeof out);
    assert_string_equal(out, "1900-02-28");
    assert_int_equal(util_days_from_civil(1, 1, 1), -719162);
    util_date_format(-719162, out, sizeof out);
    assert_string_equal(out, "0001-01-01");
    util_date_format(util_days_from_civil(9999, 12, 31), out, sizeof out);
    assert_string_equal(out, "9999-12-31");
}

static void test_util_dates_round_trip(void **state)
{
    (void)state;
    /* every day from 1600-01-01 to 2400-12-31: day number -> civil ->
     * day number, text -> day number, and consecutive days follow the
     * calendar (day +1, or the first of the next month) */
    long lo = util_days_from_civil(1600, 1, 1), hi = util_days_from_civil(2400, 12, 31);
    assert_int_equal(hi - lo + 1, 801 * 365 + 195); /* 195 leap years in 1600..2400 */
    long py = 1599;
    unsigned pm = 12, pd = 31;
    for (long z = lo; z <= hi; z++) {
        long y;
        unsigned m, d;
        util_civil_from_days(z, &y, &m, &d);
        if (util_days_from_civil(y, m, d) != z) fail_msg("round trip of %ld failed", z);
        int next_day = y == py && m == pm && d == pd + 1;
        int next_month = y == py && m == pm + 1 && d == 1;
        int next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
        if (!next_day && !next_month && !next_year)
            fail_msg("%ld: %04ld-%02u-%02u does not follow %04ld-%02u-%02u", z, y, m, d, py, pm, pd);
        if (z % 7 == 0) { /* the text form too (every 7th day keeps it fast) */
            char s[16];
            long back;
            util_date_format(z, s, sizeof s);
            if (util_date_parse(s, &back) || back != z) fail_msg("text round trip of %s failed", s);
        }
        py = y;
        pm = m;
        pd = d;
    }
    assert_int_equal(py, 2400);
    /* today is a valid day number whose text parses back */
    char s[16];
    long back;
    util_date_format(util_today(), s, sizeof s);
    assert_int_equal(util_date_parse(s, &back), 0);
    assert_int_equal(back, util_today());
}

static void test_util_datetime(void **state)
{
    (void)state;
    static const char *good[] = {
        "2021-06-01",
        "2021-06-01T12:34:56",
        "2021-06-01 12:34:56",
        "2021-06-01T12:34:56Z",
        "2021-06-01T12:34:56.1Z",
        "2021-06-01T12:34:56.123456",
        "2021-06-01T00:00:00+08:00",
        "2021-06-01T23:59:59-05:30",
        "2000-02-29T23:59:60Z",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (util_datetime_valid(good[i])) fail_msg("\"%s\" refused", good[i]);
    static const char *bad[] = {
        "",
        "2021-06-01T",
        "2021-06-01T12:34",
        "2021-06-01T12:34:5",
        "2021-06-01T24:00:00",
        "2021-06-01T12:60:00",
        "2021-06-01T12:34:61",
        "2021-06-01T12:34:56.",
        "2021-06-01T12:34:56.Z",
        "2021-06-01T12:34:56+0800",
        "2021-06-01T12:34:56+08",
        "2021-06-01T12:34:56ZZ",
        "2021-06-01X12:34:56",
        "2021-06-01T12:34:56 ",
        "1900-02-29T00:00:00Z",
        "2021-02-30T00:00:00Z",
        "2021-06-01T1a:34:56",
        "2021-06-01T12:34:56+08:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!util_datetime_valid(bad[i])) fail_msg("\"%s\" accepted", bad[i]);
    assert_int_equal(util_datetime_valid(NULL), -1);

    char now[40];
    util_now_iso(now, sizeof now);
    assert_int_equal(strlen(now), 24);
    assert_int_equal(util_datetime_valid(now), 0);
    assert_int_equal(now[10], 'T');
    assert_int_equal(now[23], 'Z');
    double t = util_now();
    assert_true(t > 1.6e9);
    assert_true(labs(util_today() - (long)(t / 86400)) <= 1);
}

/* The ranges of the time-zone offset are checked like those of the time:
 * hours 00-23 (real offsets are -12..+14), minutes 00-59. */
static void test_util_datetime_offset_range(void **state)
{
    (void)state;
    static const char *bad[] = {
        "2021-06-01T12:34:56+24:00",
        "2021-06-01T12:34:56+99:00",
        "2021-06-01T12:34:56+08:60",
        "2021-06-01T12:34:56-00:99",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!util_datetime_valid(bad[i])) fail_msg("offset out of range accepted: \"%s\"", bad[i]);
}

/* ---- util: UTF-8 -------------------------------------------------------- */

static void test_util_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        int valid;
        const char *why;
    } cases[] = {
        {"", 0, 1, "empty"},
        {"plain ascii", 11, 1, "ascii"},
        {"中文", 6, 1, "Chinese"},
        {"\xC2\x80", 2, 1, "U+0080, the smallest 2-byte"},
        {"\xDF\xBF", 2, 1, "U+07FF"},
        {"\xE0\xA0\x80", 3, 1, "U+0800, the smallest 3-byte"},
        {"\xED\x9F\xBF", 3, 1, "U+D7FF, just below the surrogates"},
        {"\xEE\x80\x80", 3, 1, "U+E000, just above the surrogates"},
        {"\xEF\xBF\xBF", 3, 1, "U+FFFF"},
        {"\xF0\x90\x80\x80", 4, 1, "U+10000, the smallest 4-byte"},
        {"\xF0\x9F\x98\x80", 4, 1, "emoji"},
        {"\xF4\x8F\xBF\xBF", 4, 1, "U+10FFFF, the largest"},
        {"a\0b", 3, 1, "NUL inside the range is U+0000"},
        {"\xC0\x80", 2, 0, "overlong NUL"},
        {"\xC0\xAF", 2, 0, "overlong '/' (2 bytes)"},
        {"\xC1\xBF", 2, 0, "overlong U+007F"},
        {"\xE0\x80\xAF", 3, 0, "overlong '/' (3 bytes)"},
        {"\xE0\x9F\xBF", 3, 0, "overlong U+07FF"},
        {"\xF0\x80\x80\xAF", 4, 0, "overlong '/' (4 bytes)"},
        {"\xF0\x8F\xBF\xBF", 4, 0, "overlong U+FFFF"},
        {"\xED\xA0\x80", 3, 0, "high surrogate U+D800"},
        {"\xED\xAF\xBF", 3, 0, "surrogate U+DBFF"},
        {"\xED\xB0\x80", 3, 0, "low surrogate U+DC00"},
        {"\xED\xBF\xBF", 3, 0, "surrogate U+DFFF"},
        {"\xED\xA0\xBD\xED\xB8\x80", 6, 0, "CESU-8 surrogate pair"},
        {"\xF4\x90\x80\x80", 4, 0, "U+110000, beyond Unicode"},
        {"\xF5\x80\x80\x80", 4, 0, "lead byte F5"},
        {"\xF8\x88\x80\x80\x80", 5, 0, "5-byte form"},
        {"\xFF", 1, 0, "FF"},
        {"\xFE", 1, 0, "FE"},
        {"\x80", 1, 0, "lone continuation"},
        {"a\xBF"
         "b",
         3, 0, "continuation in ASCII"},
        {"\xE4\xB8", 2, 0, "truncated 3-byte (first 2 bytes of 中)"},
        {"\xE4", 1, 0, "lead byte only"},
        {"\xF0\x9F\x98", 3, 0, "truncated 4-byte"},
        {"\xE4\xB8"
         "a",
         3, 0, "3-byte sequence interrupted by ASCII"},
        {"\xC3"
         "(",
         2, 0, "2-byte sequence with a bad continuation"},
        {"abc\xE4\xB8", 5, 0, "truncated at the end of a longer string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (util_utf8_valid(cases[i].s, cases[i].n) != cases[i].valid)
            fail_msg("case %zu (%s): expected %s", i, cases[i].why, cases[i].valid ? "valid" : "invalid");

    /* "中" counted with n short of its last byte is truncated */
    assert_int_equal(util_utf8_valid("中", 2), 0);
    assert_int_equal(util_utf8_valid("中", 3), 1);

    const char *s = "a中😀", *p = s, *end = s + strlen(s);
    assert_int_equal(util_utf8_next(&p, end), 'a');
    assert_ptr_equal(p, s + 1);
    assert_int_equal(util_utf8_next(&p, end), 0x4E2D);
    assert_ptr_equal(p, s + 4);
    assert_int_equal(util_utf8_next(&p, end), 0x1F600);
    assert_ptr_equal(p, end);
    assert_int_equal(util_utf8_next(&p, end), -1);
    /* a failure does not advance */
    const char *bad = "\xED\xA0\x80", *q = bad;
    assert_int_equal(util_utf8_next(&q, bad + 3), -1);
    assert_ptr_equal(q, bad);
    q = s + 1;
    assert_int_equal(util_utf8_next(&q, s + 3), -1); /* end cuts 中 */
    assert_ptr_equal(q, s + 1);

    assert_int_equal(util_utf8_len(""), 0);
    assert_int_equal(util_utf8_len("abc"), 3);
    assert_int_equal(util_utf8_len("中文abc"), 5);
    assert_int_equal(util_utf8_len("😀中"), 2);
}

/* ---- util: strings ------------------------------------------------------ */

static void test_util_trim(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"x", "x"},
        {"  x  ", "x"},
        {"\t\r\n x y \n\t", "x y"},
        {"\xE3\x80\x80名称\xE3\x80\x80", "名称"},                    /* U+3000 both sides */
        {"\xE3\x80\x80 \xE3\x80\x80 中 文 \xE3\x80\x80\t", "中 文"}, /* mixed */
        {"中\xE3\x80\x80文", "中\xE3\x80\x80文"},                    /* inner kept */
        {"\xE3\x80\x80\xE3\x80\x80", ""},
        {"   ", ""},
        {"\xE3\x80\x80", ""},
        {"a\xE3\x80", "a\xE3\x80"}, /* a truncated U+3000 is not a space */
        {"\xE3\x80"
         "a",
         "\xE3\x80"
         "a"},
        {"\xE3\x81\x80x", "\xE3\x81\x80x"}, /* U+3040 is not a space */
        {"x\xE3\x80\x81", "x\xE3\x80\x81"}, /* U+3001 (、) is not a space */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = xstrdup(cases[i].in);
        char *r = util_trim(s);
        assert_ptr_equal(r, s); /* in place */
        if (strcmp(r, cases[i].out)) fail_msg("case %zu: got \"%s\", want \"%s\"", i, r, cases[i].out);
        free(s);
    }
}

static void test_util_parse_int64(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t v;
    } good[] = {
        {"0", 0},
        {"-0", 0},
        {"+5", 5},
        {"007", 7},
        {"-42", -42},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t v = 99;
        if (util_parse_int64(good[i].s, &v)) fail_msg("\"%s\" refused", good[i].s);
        assert_true(v == good[i].v);
    }
    static const char *bad[] = {"",
                                " 1",
                                "1 ",
                                "\t1",
                                "1.0",
                                "1e3",
                                "0x10",
                                "abc",
                                "12a",
                                "-",
                                "+",
                                "--1",
                                "9223372036854775808",
                                "-9223372036854775809",
                                "99999999999999999999",
                                "1,000",
                                "１２"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 99;
        if (util_parse_int64(bad[i], &v) != -1) fail_msg("\"%s\" accepted", bad[i]);
        assert_true(v == 99);
    }
    int64_t v = 99;
    assert_int_equal(util_parse_int64(NULL, &v), -1);
}

static void test_util_parse_double(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } good[] = {
        {"0", 0},      {"1.5", 1.5},   {"-2.5e3", -2500},        {"+3", 3},        {".5", 0.5}, {"5.", 5}, {"1E2", 100},
        {"1e+2", 100}, {"1e-2", 0.01}, {"123456789", 123456789}, {"1e308", 1e308}, {"-0.0", 0},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v = 99;
        if (util_parse_double(good[i].s, &v)) fail_msg("\"%s\" refused", good[i].s);
        assert_true(v == good[i].v);
    }
    static const char *bad[] = {"",    " 1",  "1 ",   "1,5",   "abc",   "inf",    "-inf", "infinity",
                                "nan", "NaN", "0x10", "0x1p3", "1e309", "-1e309", "1e",   "e5",
                                ".",   "-",   "+",    "--1",   "1.2.3", "1e5e5",  "１"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 99;
        if (util_parse_double(bad[i], &v) != -1) fail_msg("\"%s\" accepted", bad[i]);
        assert_true(v == 99);
    }
    double v = 99;
    assert_int_equal(util_parse_double(NULL, &v), -1);
}

static void test_util_hash_tokens(void **state)
{
    (void)state;
    char h[65];
    util_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    util_sha256_hex("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    unsigned char raw[] = {0x00, 0x0f, 0xab, 0xff};
    char hex[9];
    util_hex(raw, 4, hex);
    assert_string_equal(hex, "000fabff");
    char *a = util_random_token(16), *b = util_random_token(16);
    assert_int_equal(strlen(a), 32);
    assert_int_not_equal(strcmp(a, b), 0);
    for (const char *p = a; *p; p++) assert_non_null(strchr("0123456789abcdef", *p));
    assert_true(util_streq_ct(a, a));
    assert_false(util_streq_ct(a, b));
    assert_false(util_streq_ct("abc", "abcd"));
    assert_true(util_streq_ct("", ""));
    free(a);
    free(b);
}

/* ---- err ---------------------------------------------------------------- */

static void test_err_set(void **state)
{
    (void)state;
    err e = ERR_INIT;
    assert_false(err_isset(&e));
    assert_string_equal(err_msg(&e, LANG_ZH), "");
    assert_string_equal(err_msg(&e, LANG_EN), "");
    assert_int_equal(err_set(&e, 404, "record.not_found", "记录 %d 不存在（%s）", "Record %d not found (%s)", 7, "x"),
                     -1);
    assert_true(err_isset(&e));
    assert_int_equal(e.status, 404);
    assert_string_equal(e.code, "record.not_found");
    assert_string_equal(err_msg(&e, LANG_ZH), "记录 7 不存在（x）");
    assert_string_equal(err_msg(&e, LANG_EN), "Record 7 not found (x)");
    assert_null(e.items);
    /* replacing: the old messages are freed (LSan), location too */
    err_at(&e, "a.csv", 3, 4, "name");
    assert_int_equal(err_set(&e, 500, "store.error", "数据库错误", "Database error"), -1);
    assert_int_equal(e.status, 500);
    assert_string_equal(e.code, "store.error");
    assert_string_equal(err_msg(&e, LANG_EN), "Database error");
    assert_null(e.file);
    assert_null(e.field);
    assert_int_equal(e.row, 0);
    assert_int_equal(e.col, 0);
    err_clear(&e);
    assert_false(err_isset(&e));
    assert_null(e.zh);
    assert_null(e.code);
    /* a NULL err drops the error */
    assert_int_equal(err_set(NULL, 400, "x", "a", "b"), -1);
    assert_int_equal(err_setm(NULL, 400, "x", "a", "b"), -1);
    assert_int_equal(err_at(NULL, "f", 1, 1, "g"), -1);
    err_item(NULL, "f", 1, 1, "c", "a", "b");
    err_clear(NULL);
}

static void test_err_setm_at(void **state)
{
    (void)state;
    err e = ERR_INIT;
    /* verbatim: no formatting of % sequences */
    assert_int_equal(err_setm(&e, 422, "validation.x", "100%s 完成 %d", "100%s done %d"), -1);
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "validation.x");
    assert_string_equal(err_msg(&e, LANG_ZH), "100%s 完成 %d");
    assert_string_equal(err_msg(&e, LANG_EN), "100%s done %d");
    assert_int_equal(err_at(&e, "data.csv", 5, 2, "uscc"), -1);
    assert_string_equal(e.file, "data.csv");
    assert_int_equal(e.row, 5);
    assert_int_equal(e.col, 2);
    assert_string_equal(e.field, "uscc");
    /* zero/NULL arguments leave what is known */
    err_at(&e, NULL, 0, 0, NULL);
    assert_string_equal(e.file, "data.csv");
    assert_int_equal(e.row, 5);
    assert_int_equal(e.col, 2);
    assert_string_equal(e.field, "uscc");
    err_at(&e, "other.csv", 9, 0, "name");
    assert_string_equal(e.file, "other.csv");
    assert_int_equal(e.row, 9);
    assert_int_equal(e.col, 2);
    assert_string_equal(e.field, "name");
    err_clear(&e);
}

static void test_err_item(void **state)
{
    (void)state;
    err e = ERR_INIT;
    err_item(&e, "name", 3, 2, "validation.required", "第 %d 行：“%s”必填", "Row %d: \"%s\" is required", 3, "名称");
    assert_int_equal(e.status, 422);
    assert_string_equal(e.code, "validation.failed");
    assert_string_equal(err_msg(&e, LANG_ZH), "数据校验未通过");
    assert_string_equal(err_msg(&e, LANG_EN), "Validation failed");
    assert_int_equal(json_array_size(e.items), 1);
    json_t *it = json_array_get(e.items, 0);
    assert_string_equal(json_string_value(json_object_get(it, "field")), "name");
    assert_int_equal(json_integer_value(json_object_get(it, "row")), 3);
    assert_int_equal(json_integer_value(json_object_get(it, "column")), 2);
    assert_string_equal(json_string_value(json_object_get(it, "code")), "validation.required");
    assert_string_equal(json_string_value(json_object_get(it, "message_zh")), "第 3 行：“名称”必填");
    assert_string_equal(json_string_value(json_object_get(it, "message_en")), "Row 3: \"名称\" is required");
    /* a second item: no field, no row/column keys when unknown */
    err_item_msg(&e, NULL, 0, 0, "import.unknown_column", "未知列 %s", "Unknown column %s");
    assert_int_equal(json_array_size(e.items), 2);
    it = json_array_get(e.items, 1);
    assert_null(json_object_get(it, "field"));
    assert_null(json_object_get(it, "row"));
    assert_null(json_object_get(it, "column"));
    assert_string_equal(json_string_value(json_object_get(it, "message_zh")), "未知列 %s");
    assert_int_equal(e.status, 422);
    /* err_set afterwards replaces the top-level error and keeps the items */
    err_set(&e, 422, "import.rejected", "未导入", "Not imported");
    assert_string_equal(e.code, "import.rejected");
    assert_int_equal(json_array_size(e.items), 2);
    err_clear(&e);
    assert_null(e.items);

    /* an item added after a top-level error keeps that error */
    err_set(&e, 409, "conflict.unique", "重复", "Duplicate");
    err_item(&e, "uscc", 0, 0, "conflict.unique", "重复", "Duplicate");
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "conflict.unique");
    assert_string_equal(err_msg(&e, LANG_EN), "Duplicate");
    assert_int_equal(json_array_size(e.items), 1);
    err_clear(&e);
}

static void test_err_move(void **state)
{
    (void)state;
    err src = ERR_INIT, dst = ERR_INIT;
    err_set(&dst, 500, "old", "旧", "old"); /* cleared by the move (LSan) */
    err_at(&dst, "old.csv", 1, 1, "f");
    err_set(&src, 412, "conflict.stale", "版本 %d 过期", "Version %d is stale", 3);
    err_at(&src, "x.csv", 7, 0, "name");
    err_item(&src, "name", 7, 1, "validation.type", "类型", "type");
    err_move(&dst, &src);
    assert_int_equal(dst.status, 412);
    assert_string_equal(dst.code, "conflict.stale");
    assert_string_equal(err_msg(&dst, LANG_EN), "Version 3 is stale");
    assert_string_equal(dst.file, "x.csv");
    assert_int_equal(dst.row, 7);
    assert_string_equal(dst.field, "name");
    assert_int_equal(json_array_size(dst.items), 1);
    assert_false(err_isset(&src));
    assert_int_equal(src.status, 0);
    assert_null(src.code);
    assert_null(src.zh);
    assert_null(src.en);
    assert_null(src.file);
    assert_null(src.field);
    assert_null(src.items);
    assert_int_equal(src.row, 0);
    /* moving an empty err empties dst */
    err_move(&dst, &src);
    assert_false(err_isset(&dst));
    assert_null(dst.items);
    err_clear(&dst);
}

/* ---- log ---------------------------------------------------------------- */

static void test_log(void **state)
{
    (void)state;
    log_level l = LOG_ERROR;
    assert_int_equal(log_parse_level("debug", &l), 0);
    assert_int_equal(l, LOG_DEBUG);
    assert_int_equal(log_parse_level("warn", &l), 0);
    assert_int_equal(l, LOG_WARN);
    assert_int_equal(log_parse_level("quiet", &l), 0);
    assert_int_equal(l, LOG_QUIET);
    assert_int_equal(log_parse_level("verbose", &l), -1);
    assert_int_equal(log_parse_level("INFO", &l), -1);
    assert_int_equal(l, LOG_QUIET);

    /* capture stderr in a file */
    char path[] = "/tmp/ipcity-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    log_set_level(LOG_INFO);
    log_debug("dropped %d", 1);
    log_info("kept %d %s", 2, "中文");
    log_warn("warned");
    log_set_level(LOG_ERROR);
    log_warn("dropped too");
    log_error("failed %s", "x");
    log_set_level(LOG_QUIET);
    log_error("silent");
    dup2(saved, STDERR_FILENO);
    close(saved);
    log_set_level(LOG_WARN);

    char text[1024] = "";
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    text[n] = '\0';
    /* three lines, each "<ISO timestamp> <level> <message>\n" */
    char *lines[4] = {0};
    int k = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && k < 4; line = strtok_r(NULL, "\n", &save))
        lines[k++] = line;
    assert_int_equal(k, 3);
    static const char *want[] = {" info kept 2 中文", " warn warned", " error failed x"};
    for (int i = 0; i < 3; i++) {
        assert_true(strlen(lines[i]) > 25);
        char ts[25];
        memcpy(ts, lines[i], 24);
        ts[24] = '\0';
        assert_int_equal(util_datetime_valid(ts), 0);
        assert_string_equal(lines[i] + 24, want[i]);
    }
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_json_escape),
        cmocka_unit_test(test_buf_csv_field),
        cmocka_unit_test(test_buf_detach),
        cmocka_unit_test(test_pool_alloc_alignment),
        cmocka_unit_test(test_pool_strings),
        cmocka_unit_test(test_pool_defer),
        cmocka_unit_test(test_util_dates_leap),
        cmocka_unit_test(test_util_dates_round_trip),
        cmocka_unit_test(test_util_datetime),
        cmocka_unit_test(test_util_datetime_offset_range),
        cmocka_unit_test(test_util_utf8),
        cmocka_unit_test(test_util_trim),
        cmocka_unit_test(test_util_parse_int64),
        cmocka_unit_test(test_util_parse_double),
        cmocka_unit_test(test_util_hash_tokens),
        cmocka_unit_test(test_err_set),
        cmocka_unit_test(test_err_setm_at),
        cmocka_unit_test(test_err_item),
        cmocka_unit_test(test_err_move),
        cmocka_unit_test(test_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
