/* codes.c - identifier validators; see codes.h. */
#include "codes.h"

#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

#define STATUS_INVALID 422
#define QUOTE_MAX 40 /* characters of the input echoed in a message */

/* ---- helpers ---------------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static void upcase_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

/* Bytes taken by the character at p (p < end): a whole UTF-8 sequence when
 * well formed, else 1. */
static size_t char_len(const char *p, const char *end)
{
    const char *q = p;
    if (util_utf8_next(&q, end) < 0) return 1;
    return (size_t)(q - p);
}

/* Appends s[0..n) for a message: well-formed printable UTF-8 as is,
 * control characters and invalid bytes as \xNN, so the result is always
 * valid UTF-8 (jansson refuses anything else). */
static void quote_bytes(buf *b, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        const char *q = p;
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && util_utf8_next(&q, end) < 0)) {
            buf_printf(b, "\\x%02X", c);
            p++;
        } else {
            size_t k = char_len(p, end);
            buf_add(b, p, k);
            p += k;
        }
    }
}

/* Appends s for a message, cut after QUOTE_MAX characters. */
static void quote_input(buf *b, const char *s)
{
    const char *p = s, *end = s + strlen(s);
    size_t chars = 0;
    while (p < end && chars < QUOTE_MAX) {
        p += char_len(p, end);
        chars++;
    }
    quote_bytes(b, s, (size_t)(p - s));
    if (p < end) buf_puts(b, "...");
}

/* Sets e from two finished messages (err_set takes formats; the zh one
 * prints only the first argument, the en one only the second). */
static int fail(err *e, const char *code, buf *zh, buf *en)
{
    err_set(e, STATUS_INVALID, code, "%s%.0s", "%.0s%s", buf_cstr(zh), buf_cstr(en));
    buf_free(zh);
    buf_free(en);
    return -1;
}

static void set_norm(buf *norm, const char *s)
{
    if (!norm) return;
    buf_reset(norm);
    buf_puts(norm, s);
}

/* ---- unified social credit code ---------------------------------------- */

/* GB 32100-2015 character set; a character's value is its index. */
static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static int uscc_value(char c)
{
    const char *p = c ? strchr(uscc_chars, c) : NULL;
    return p ? (int)(p - uscc_chars) : -1;
}

int code_uscc_check(const char *in, buf *norm, err *e)
{
    char *s = xstrdup(in ? in : "");
    util_trim(s);
    upcase_ascii(s);
    const char *end = s + strlen(s);
    buf zh = BUF_INIT, en = BUF_INIT;

    size_t nchars = 0;
    for (const char *p = s; p < end; p += char_len(p, end)) nchars++;
    if (nchars != 18) {
        buf_printf(&zh, "统一社会信用代码长度错误：应为 18 位，实际 %zu 位", nchars);
        buf_printf(&en, "Unified social credit code must have 18 characters, got %zu", nchars);
        free(s);
        return fail(e, "validation.uscc_length", &zh, &en);
    }

    int pos = 1;
    for (const char *p = s; p < end; pos++) {
        size_t k = char_len(p, end);
        int region = pos >= 3 && pos <= 8;
        int ok = k == 1 && (region ? is_digit(*p) : uscc_value(*p) >= 0);
        if (!ok) {
            buf_printf(&zh, "统一社会信用代码第 %d 位字符 '", pos);
            quote_bytes(&zh, p, k);
            buf_printf(&en, "Unified social credit code character %d '", pos);
            quote_bytes(&en, p, k);
            if (region) {
                buf_puts(&zh, "' 不允许：第 3-8 位是行政区划码，只能是数字");
                buf_puts(&en, "' is not allowed: positions 3-8 are the "
                              "administrative division code, digits only");
            } else {
                buf_puts(&zh, "' 不允许：只能是数字 0-9 或大写字母 A-H、J-N、P-R、T、U、W-Y"
                              "（不含 I、O、S、V、Z）");
                buf_puts(&en, "' is not allowed: only digits 0-9 and capital letters "
                              "A-H, J-N, P-R, T, U, W-Y (no I, O, S, V, Z)");
            }
            free(s);
            return fail(e, "validation.uscc_charset", &zh, &en);
        }
        p += k;
    }

    int sum = 0;
    for (int i = 0; i < 17; i++) sum += uscc_value(s[i]) * uscc_weights[i];
    char want = uscc_chars[(31 - sum % 31) % 31];
    if (s[17] != want) {
        buf_printf(&zh, "统一社会信用代码校验位错误：应为 %c，实际为 %c", want, s[17]);
        buf_printf(&en,
                   "Unified social credit code check character is wrong: "
                   "expected %c, got %c",
                   want, s[17]);
        free(s);
        return fail(e, "validation.uscc_check", &zh, &en);
    }
    set_norm(norm, s);
    free(s);
    return 0;
}

/* ---- patent application numbers ---------------------------------------- */

/* Check character of the n digits at d (n is 8 or 12). */
static char appno_check_char(const char *d, size_t n)
{
    static const int w[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (size_t i = 0; i < n; i++) sum += (d[i] - '0') * w[i];
    sum %= 11;
    return sum == 10 ? 'X' : (char)('0' + sum);
}

static int type_known(char t) { return t == '1' || t == '2' || t == '3' || t == '8' || t == '9'; }

static long current_year(void)
{
    long y;
    unsigned m, d;
    util_civil_from_days(util_today(), &y, &m, &d);
    return y;
}

/* Standard-form type codes seen in real CNIPA XML (applType attribute and
 * first two digits of the dataFormat="standard" DocNumber), each paired
 * there with the dotted number: 102021001286633 = 202111286633.X,
 * 112021000002433 = 202180002433.9.  Other codes (presumably 20, 21, 30)
 * are not confirmed by any file we have and are refused. */
static const struct {
    char code[3];
    char type;
} std_types[] = {{"10", '1'}, {"11", '8'}};

static int appno_format_fail(err *e, const char *why_zh, const char *why_en, const char *got)
{
    buf zh = BUF_INIT, en = BUF_INIT;
    buf_printf(&zh,
               "专利申请号格式错误：%s。应为 12 位数字加校验位（如 202110991218.8）、"
               "2003 年以前的 8 位数字加校验位（如 98123456.9）或 15 位标准格式"
               "（如 102021001286633）；实际为 '",
               why_zh);
    quote_input(&zh, got);
    buf_puts(&zh, "'");
    buf_printf(&en,
               "Malformed Chinese patent application number: %s. Expected 12 digits "
               "and a check character (202110991218.8), 8 digits and a check "
               "character before 2003 (98123456.9) or the 15-digit standard form "
               "(102021001286633); got '",
               why_en);
    quote_input(&en, got);
    buf_puts(&en, "'");
    return fail(e, "validation.appno_format", &zh, &en);
}

/* Validates the digits of the number proper: n is 12 or 8. */
static int appno_digits_ok(const char *d, size_t n, err *e, const char *got)
{
    char t = n == 12 ? d[4] : d[2];
    if (n == 12) {
        long y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
        if (y < 2003 || y > current_year() + 1)
            return appno_format_fail(e, "前 4 位年份不合理（12 位申请号始于 2003 年）",
                                     "the year in the first 4 digits is out of range "
                                     "(12-digit numbers exist since 2003)",
                                     got);
    } else {
        int yy = (d[0] - '0') * 10 + (d[1] - '0');
        if (yy > 3 && yy < 85)
            return appno_format_fail(e, "8 位申请号的前 2 位年份应为 85-99 或 00-03",
                                     "the year of an 8-digit number must be 85-99 or 00-03", got);
    }
    if (!type_known(t))
        return appno_format_fail(
            e, n == 12 ? "第 5 位申请种类应为 1、2、3、8 或 9" : "第 3 位申请种类应为 1、2、3、8 或 9",
            n == 12 ? "the type digit (5th) must be 1, 2, 3, 8 or 9" : "the type digit (3rd) must be 1, 2, 3, 8 or 9",
            got);
    return 0;
}

int code_cn_appno(const char *in, buf *norm, err *e)
{
    if (!in) in = "";
    /* Drop spaces anywhere, upper-case. */
    size_t len = strlen(in), n = 0;
    char *s = xmalloc(len + 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            i++;
        } else if (c == 0xE3 && (unsigned char)in[i + 1] == 0x80 && (unsigned char)in[i + 2] == 0x80) {
            i += 3;
        } else {
            s[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : (char)c;
            i++;
        }
    }
    s[n] = '\0';
    const char *b = s;
    if (!strncmp(b, "CN", 2) || !strncmp(b, "ZL", 2)) b += 2;

    size_t nd = strspn(b, "0123456789"), blen = strlen(b);
    char digits[13], given = 0;
    size_t ndig = 0;
    int rc = -1;

    if (blen == 15 && nd == 15) {
        /* Standard form: TT YYYY NNNNNNNNN, no check character. */
        char type = 0;
        for (size_t i = 0; i < sizeof std_types / sizeof std_types[0]; i++)
            if (!strncmp(b, std_types[i].code, 2)) type = std_types[i].type;
        if (!type) {
            appno_format_fail(e, "15 位标准格式的前 2 位申请种类代码未知（已知：10 发明、11 PCT 发明）",
                              "unknown type code in the first 2 digits of the 15-digit "
                              "standard form (known: 10 invention, 11 PCT invention)",
                              s);
            goto out;
        }
        if (b[6] != '0' || b[7] != '0' || b[2] != '2') {
            appno_format_fail(e,
                              "15 位标准格式应为 2 位种类、2003 年以后的 4 位年份和 9 位序号"
                              "（序号前 2 位为 00）",
                              "the 15-digit standard form is a 2-digit type, a year from "
                              "2003 and a 9-digit serial starting with 00",
                              s);
            goto out;
        }
        memcpy(digits, b + 2, 4);
        digits[4] = type;
        memcpy(digits + 5, b + 8, 7);
        ndig = 12;
    } else if ((nd == 12 || nd == 8) && ((blen == nd + 2 && b[nd] == '.') || blen == nd + 1) &&
               (is_digit(b[blen - 1]) || b[blen - 1] == 'X')) {
        ndig = nd;
        memcpy(digits, b, nd);
        given = b[blen - 1];
    } else if ((nd == 13 || nd == 9) && blen == nd) {
        ndig = nd - 1;
        memcpy(digits, b, ndig);
        given = b[ndig];
    } else if ((nd == 12 || nd == 8) && (blen == nd || (blen == nd + 1 && b[nd] == '.'))) {
        appno_format_fail(e, "缺少校验位", "the check character is missing", s);
        goto out;
    } else {
        appno_format_fail(e, "长度或字符不符", "wrong length or characters", s);
        goto out;
    }
    digits[ndig] = '\0';
    if (appno_digits_ok(digits, ndig, e, s) < 0) goto out;

    char want = appno_check_char(digits, ndig);
    if (given && given != want) {
        buf zh = BUF_INIT, en = BUF_INIT;
        buf_printf(&zh, "专利申请号校验位错误：%s 的校验位应为 %c，实际为 %c", digits, want, given);
        buf_printf(&en,
                   "Chinese patent application number check character is wrong: "
                   "%s must be followed by %c, got %c",
                   digits, want, given);
        fail(e, "validation.appno_check", &zh, &en);
        goto out;
    }
    if (norm) {
        buf_reset(norm);
        buf_printf(norm, "%s.%c", digits, want);
    }
    rc = 0;
out:
    free(s);
    return rc;
}

int code_cn_appno_type(const char *norm)
{
    if (!norm) return 0;
    size_t nd = strspn(norm, "0123456789");
    if ((nd != 12 && nd != 8) || norm[nd] != '.' || !(is_digit(norm[nd + 1]) || norm[nd + 1] == 'X') || norm[nd + 2])
        return 0;
    switch (nd == 12 ? norm[4] : norm[2]) {
    case '1':
    case '8': return 1;
    case '2':
    case '9': return 2;
    case '3': return 3;
    default: return 0;
    }
}

/* ---- administrative division codes ------------------------------------- */

static int province_known(int p)
{
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
           (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 || p == 81 || p == 82;
}

int code_region_check(const char *in, err *e)
{
    buf zh = BUF_INIT, en = BUF_INIT;
    if (!in) in = "";
    if (strlen(in) != 6 || strspn(in, "0123456789") != 6) {
        buf_puts(&zh, "行政区划代码应为 6 位数字，实际为 '");
        quote_input(&zh, in);
        buf_puts(&zh, "'");
        buf_puts(&en, "An administrative division code is 6 digits, got '");
        quote_input(&en, in);
        buf_puts(&en, "'");
        return fail(e, "validation.region_code", &zh, &en);
    }
    int p = (in[0] - '0') * 10 + (in[1] - '0');
    if (!province_known(p)) {
        buf_printf(&zh,
                   "行政区划代码 %s 的省级部分 %.2s 不存在（应为 11-15、21-23、31-37、"
                   "41-46、50-54、61-65、71、81 或 82）",
                   in, in);
        buf_printf(&en,
                   "Administrative division code %s: province part %.2s does not exist "
                   "(must be 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81 or 82)",
                   in, in);
        return fail(e, "validation.region_code", &zh, &en);
    }
    return 0;
}

/* ---- IPC / CPC classification symbols ---------------------------------- */

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }

int code_ipc_normalize(const char *in, buf *out)
{
    if (!in) return -1;
    /* Compact copy: no spaces, upper case, nothing from '(' on. */
    size_t len = strlen(in), n = 0;
    char *s = xmalloc(len + 1);
    for (size_t i = 0; i < len && in[i] != '(';) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            i++;
        } else if (c == 0xE3 && (unsigned char)in[i + 1] == 0x80 && (unsigned char)in[i + 2] == 0x80) {
            i += 3;
        } else {
            s[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : (char)c;
            i++;
        }
    }
    s[n] = '\0';

    int rc = -1;
    const char *group = NULL, *sub = NULL;
    size_t glen = 0, slen = 0;
    if (n < 4 || !((s[0] >= 'A' && s[0] <= 'H') || s[0] == 'Y') || !is_digit(s[1]) || !is_digit(s[2]) ||
        !is_upper(s[3]))
        goto done;
    if (n == 4) {
        if (out) {
            buf_reset(out);
            buf_add(out, s, 4);
        }
        rc = 0;
        goto done;
    }
    const char *rest = s + 4, *slash = strchr(rest, '/');
    if (slash) {
        group = rest;
        glen = (size_t)(slash - rest);
        sub = slash + 1;
        slen = strlen(sub);
        if (glen < 1 || glen > 4 || strspn(group, "0123456789") != glen || slen < 2 || slen > 6 ||
            strspn(sub, "0123456789") != slen)
            goto done;
    } else if (n == 14 && strspn(rest, "0123456789") == 10) {
        group = rest;
        glen = 4;
        sub = rest + 4;
        slen = 6;
    } else {
        goto done;
    }
    while (glen > 0 && *group == '0') {
        group++;
        glen--;
    }
    if (glen == 0) goto done;
    while (slen > 2 && sub[slen - 1] == '0') slen--;
    if (out) {
        buf_reset(out);
        buf_add(out, s, 4);
        buf_putc(out, ' ');
        buf_add(out, group, glen);
        buf_putc(out, '/');
        buf_add(out, sub, slen);
    }
    rc = 0;
done:
    free(s);
    return rc;
}

int code_region_field(const char *in, buf *norm, err *e)
{
    (void)norm;
    return code_region_check(in, e);
}
