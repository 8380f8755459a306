/*
 * util.h - small shared helpers: dates, time, UTF-8, strings, hashing,
 * random tokens.
 *
 * Dates are ISO 8601 strings (YYYY-MM-DD) at the edges and day numbers
 * (days since 1970-01-01, proleptic Gregorian) inside computations.
 */
#ifndef IPC_UTIL_H
#define IPC_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parses a strict YYYY-MM-DD date into a day number; returns 0 or -1. */
int util_date_parse(const char *s, long *days);
/* Writes the day number as YYYY-MM-DD into out (at least 11 bytes). */
void util_date_format(long days, char *out, size_t n);
long util_days_from_civil(long y, unsigned m, unsigned d);
void util_civil_from_days(long z, long *y, unsigned *m, unsigned *d);
/* Today's day number (UTC). */
long util_today(void);
/* Current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out. */
void util_now_iso(char *out, size_t n);
/* Seconds since the epoch, with sub-second precision. */
double util_now(void);
/* Parses a strict datetime "YYYY-MM-DDTHH:MM:SS(.fff)?(Z|+hh:mm)?";
 * returns 0 or -1.  Only the syntax and ranges are checked. */
int util_datetime_valid(const char *s);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int util_utf8_valid(const char *s, size_t n);
/* Decodes one code point at *p (advancing it); returns -1 on bad input. */
int32_t util_utf8_next(const char **p, const char *end);
/* Number of code points in the NUL-terminated UTF-8 string s. */
size_t util_utf8_len(const char *s);

/* Trims ASCII and full-width/ideographic spaces in place; returns s. */
char *util_trim(char *s);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void util_hex(const unsigned char *in, size_t n, char *out);
/* SHA-256 (libsodium) of data as 64 hex chars plus NUL into out[65]. */
void util_sha256_hex(const void *data, size_t n, char out[65]);
/* A random URL-safe token of 2*nbytes hex chars; the caller frees it. */
char *util_random_token(size_t nbytes);
/* Constant-time comparison of two NUL-terminated strings. */
int util_streq_ct(const char *a, const char *b);
/* Parses a whole decimal integer (optional sign); returns 0 or -1. */
int util_parse_int64(const char *s, int64_t *out);
/* Parses a whole decimal number (no hex, no inf/nan); returns 0 or -1. */
int util_parse_double(const char *s, double *out);

#endif
