/*
 * buf.h - growable byte strings (the project's strbuf).
 *
 * A buf always holds a NUL-terminated string once anything was added, so
 * b.s can be passed to C string functions.  Allocation failure aborts the
 * process (xmalloc), as in git and Redis: a server that cannot allocate a
 * few bytes has nothing sensible left to do.
 */
#ifndef IPC_BUF_H
#define IPC_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *s;    /* NULL until the first add; NUL-terminated afterwards */
    size_t len; /* bytes used, not counting the terminating NUL */
    size_t cap; /* bytes allocated */
} buf;

/* (clang-format 14 would lay this initialiser out as a block) */
/* clang-format off */
#define BUF_INIT {NULL, 0, 0}
/* clang-format on */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Returns a heap copy of s (NULL stays NULL); the caller frees it. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

void buf_grow(buf *b, size_t extra);
void buf_add(buf *b, const void *data, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Appends s with JSON string escaping (no surrounding quotes). */
void buf_json_escape(buf *b, const char *s);
/* Appends a CSV field, quoted when it holds a comma, quote, CR or LF. */
void buf_csv_field(buf *b, const char *s);
/* Empties the buffer but keeps its memory. */
void buf_reset(buf *b);
/* Frees the memory; the buf is reusable afterwards. */
void buf_free(buf *b);
/* Returns the string ("" when empty); it stays owned by the buf. */
const char *buf_cstr(const buf *b);
/* Hands the string to the caller, who frees it; the buf is left empty. */
char *buf_detach(buf *b);

/* Returns a heap string formatted like printf; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
