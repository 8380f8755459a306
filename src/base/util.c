/* util.c - small shared helpers; see util.h. */
#include "util.h"

#include "buf.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Howard Hinnant's days_from_civil algorithm (public domain description). */
long util_days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

void util_civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long yy = (long)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int date_prefix(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-') return -1;
    if (digits(s, 4, y) || digits(s + 5, 2, m) || digits(s + 8, 2, d)) return -1;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return -1;
    return 0;
}

int util_date_parse(const char *s, long *days)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || date_prefix(s, &y, &m, &d)) return -1;
    if (days) *days = util_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

void util_date_format(long days, char *out, size_t n)
{
    long y;
    unsigned m, d;
    util_civil_from_days(days, &y, &m, &d);
    snprintf(out, n, "%04ld-%02u-%02u", y, m, d);
}

int util_datetime_valid(const char *s)
{
    int y, m, d, hh, mi, ss;
    if (!s || date_prefix(s, &y, &m, &d)) return -1;
    const char *p = s + 10;
    if (!*p) return 0;
    if (*p != 'T' && *p != ' ') return -1;
    p++;
    if (strlen(p) < 8 || p[2] != ':' || p[5] != ':') return -1;
    if (digits(p, 2, &hh) || digits(p + 3, 2, &mi) || digits(p + 6, 2, &ss)) return -1;
    if (hh > 23 || mi > 59 || ss > 60) return -1;
    p += 8;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 'Z') p++;
    else if (*p == '+' || *p == '-') {
        int th, tm;
        if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &th) || digits(p + 4, 2, &tm) || th > 23 || tm > 59)
            return -1;
        p += 6;
    }
    return *p ? -1 : 0;
}

long util_today(void) { return (long)(time(NULL) / 86400); }

double util_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

void util_now_iso(char *out, size_t n)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

int32_t util_utf8_next(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp;
    const unsigned char *e = (const unsigned char *)end;
    if (p >= e) return -1;
    unsigned c = *p;
    int n;
    int32_t cp, min;
    if (c < 0x80) {
        *pp += 1;
        return (int32_t)c;
    } else if ((c & 0xE0) == 0xC0) {
        n = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else
        return -1;
    if (e - p <= n) return -1;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    *pp += n + 1;
    return cp;
}

int util_utf8_valid(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end)
        if (util_utf8_next(&p, end) < 0) return 0;
    return 1;
}

size_t util_utf8_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) n++;
    return n;
}

/* Length of a space at s: ASCII whitespace 1, U+3000 (E3 80 80) 3, else 0. */
static size_t space_at(const char *s)
{
    if (*s && isspace((unsigned char)*s)) return 1;
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) return 3;
    return 0;
}

char *util_trim(char *s)
{
    size_t k, start = 0, len = strlen(s);
    while ((k = space_at(s + start)) > 0) start += k;
    if (start) memmove(s, s + start, len - start + 1);
    len -= start;
    for (;;) {
        if (len && isspace((unsigned char)s[len - 1])) len--;
        else if (len >= 3 && space_at(s + len - 3) == 3)
            len -= 3;
        else
            break;
    }
    s[len] = '\0';
    return s;
}

void util_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void util_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, n);
    util_hex(h, sizeof h, out);
}

char *util_random_token(size_t nbytes)
{
    unsigned char *r = xmalloc(nbytes);
    char *out = xmalloc(2 * nbytes + 1);
    randombytes_buf(r, nbytes);
    util_hex(r, nbytes, out);
    free(r);
    return out;
}

int util_streq_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return 0;
    return sodium_memcmp(a, b, la) == 0;
}

int util_parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = (int64_t)v;
    return 0;
}

int util_parse_double(const char *s, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p)) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}
