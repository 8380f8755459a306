/* fuzz_codes.c - the validators of identifiers that come from outside
 * (src/domain/codes.h, src/base/util.h): code_uscc_check, code_cn_appno
 * (+ code_cn_appno_type), code_ipc_normalize, code_region_check,
 * util_date_parse, util_datetime_valid, util_utf8_valid.
 *
 * Every function gets the whole input as one NUL-terminated string
 * (util_utf8_valid also the raw bytes).  Oracles:
 *   - a validator's result is 0 or -1; on -1 the err is complete (422, a
 *     "validation.*" code, UTF-8 messages: codes.h promises cleaned
 *     quotes) and norm is untouched; on 0 the err is untouched;
 *   - normalised forms are fixed points: checking norm again succeeds and
 *     gives norm (USCC: 18 characters; appno: code_cn_appno_type 1..3;
 *     IPC: code_ipc_normalize(out) == out);
 *   - code_region_check accepts exactly six ASCII digits whose first two
 *     are a province-level code listed in codes.h;
 *   - util_date_parse accepts exactly the real dates YYYY-MM-DD (year
 *     0001-9999) and util_date_format gives the input back;
 *   - util_utf8_valid agrees with a reference decoder (Unicode 15, table
 *     3-7: no overlongs, no surrogates, nothing above U+10FFFF).
 * Seeds: tests/fuzz/corpus/codes. */
#include "fuzz_common.h"

static const char *const sentinel = "untouched";

static void check_fail(int rc, const err *e, const buf *norm, const char *what)
{
    FZ_CHECK(rc == 0 || rc == -1, "%s returned %d", what, rc);
    if (rc) {
        fz_check_err(e, what);
        FZ_CHECK(e->status == 422, "%s: status %d", what, e->status);
        FZ_CHECK(!strncmp(e->code, "validation.", 11), "%s: code %s", what, e->code);
        if (norm) FZ_CHECK(!strcmp(buf_cstr(norm), sentinel), "%s: norm changed on failure", what);
    } else
        FZ_CHECK(!err_isset(e), "%s: success with an error", what);
}

static void uscc(const char *s)
{
    buf norm = BUF_INIT;
    buf_puts(&norm, sentinel);
    err e = ERR_INIT;
    int rc = code_uscc_check(s, &norm, &e);
    check_fail(rc, &e, &norm, "code_uscc_check");
    if (!rc) {
        FZ_CHECK(norm.len == 18, "USCC norm \"%s\" has %zu bytes", buf_cstr(&norm), norm.len);
        buf again = BUF_INIT;
        FZ_CHECK(code_uscc_check(norm.s, &again, NULL) == 0 && !strcmp(again.s, norm.s),
                 "USCC norm \"%s\" is not a fixed point", norm.s);
        buf_free(&again);
    }
    buf_free(&norm);
    err_clear(&e);
}

static void appno(const char *s)
{
    buf norm = BUF_INIT;
    buf_puts(&norm, sentinel);
    err e = ERR_INIT;
    int rc = code_cn_appno(s, &norm, &e);
    check_fail(rc, &e, &norm, "code_cn_appno");
    if (!rc) {
        buf again = BUF_INIT;
        FZ_CHECK(code_cn_appno(norm.s, &again, NULL) == 0 && !strcmp(again.s, norm.s),
                 "appno norm \"%s\" is not a fixed point", norm.s);
        int t = code_cn_appno_type(norm.s);
        FZ_CHECK(t >= 1 && t <= 3, "code_cn_appno_type(\"%s\") = %d", norm.s, t);
        buf_free(&again);
    }
    (void)code_cn_appno_type(s);
    buf_free(&norm);
    err_clear(&e);
}

static void ipc(const char *s)
{
    buf out = BUF_INIT;
    buf_puts(&out, sentinel);
    int rc = code_ipc_normalize(s, &out);
    FZ_CHECK(rc == 0 || rc == -1, "code_ipc_normalize returned %d", rc);
    if (rc) {
        FZ_CHECK(!strcmp(buf_cstr(&out), sentinel), "code_ipc_normalize changed out on failure");
    } else {
        buf again = BUF_INIT;
        FZ_CHECK(code_ipc_normalize(out.s, &again) == 0 && !strcmp(again.s, out.s),
                 "IPC \"%s\" is not a fixed point", out.s);
        FZ_CHECK(out.len >= 4 && fz_utf8(out.s), "IPC \"%s\" too short or not UTF-8", out.s);
        buf_free(&again);
    }
    buf_free(&out);
}

static int province_ok(int p)
{
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
           (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 || p == 81 || p == 82;
}

static void region(const char *s)
{
    err e = ERR_INIT;
    int rc = code_region_check(s, &e);
    check_fail(rc, &e, NULL, "code_region_check");
    int want = strlen(s) == 6 && strspn(s, "0123456789") == 6 && province_ok((s[0] - '0') * 10 + (s[1] - '0'));
    FZ_CHECK(want == !rc, "code_region_check(\"%s\") = %d, expected %s", s, rc, want ? "valid" : "invalid");
    err_clear(&e);
}

static void date(const char *s)
{
    long days = 0;
    int rc = util_date_parse(s, &days);
    int want = 0;
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-' && strspn(s, "0123456789") == 4 &&
        strspn(s + 5, "0123456789") == 2 && strspn(s + 8, "0123456789") == 2) {
        int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
        static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        want = y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= dm[m - 1] + (m == 2 && leap);
    }
    FZ_CHECK(want == !rc, "util_date_parse(\"%s\") = %d, expected %s", s, rc, want ? "valid" : "invalid");
    if (!rc) {
        char back[32];
        util_date_format(days, back, sizeof back);
        FZ_CHECK(!strcmp(back, s), "util_date_format(util_date_parse(\"%s\")) = \"%s\"", s, back);
    }
    (void)util_datetime_valid(s);
}

/* Reference: Unicode table 3-7 (well-formed UTF-8 byte sequences). */
static int utf8_ref(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c <= 0x7F) k = 0;
        else if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if (c == 0xE0) k = 2, lo = 0xA0;
        else if (c >= 0xE1 && c <= 0xEC) k = 2;
        else if (c == 0xED) k = 2, hi = 0x9F;
        else if (c >= 0xEE && c <= 0xEF) k = 2;
        else if (c == 0xF0) k = 3, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) k = 3;
        else if (c == 0xF4) k = 3, hi = 0x8F;
        else return 0;
        if (i + k >= n && k) return 0;
        for (size_t j = 1; j <= k; j++) {
            uint8_t b = s[i + j];
            if (j == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
        }
        i += k + 1;
    }
    return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    uscc(s);
    appno(s);
    ipc(s);
    region(s);
    date(s);
    int v = util_utf8_valid((const char *)data, size);
    FZ_CHECK(!v == !utf8_ref(data, size), "util_utf8_valid says %d, the reference %d", v, utf8_ref(data, size));
    free(s);
    return 0;
}
