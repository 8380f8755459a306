/* pool.c - memory pool; see pool.h. */
#include "pool.h"

#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POOL_CHUNK 8192
#define POOL_ALIGN 16

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(POOL_ALIGN) unsigned char data[];
} chunk;

typedef struct deferred {
    struct deferred *next;
    void (*fn)(void *);
    void *arg;
} deferred;

struct pool {
    chunk *head;
    deferred *defers;
};

pool *pool_new(void) { return xcalloc(1, sizeof(pool)); }

void pool_free(pool *p)
{
    if (!p) return;
    for (deferred *d = p->defers; d; d = d->next) d->fn(d->arg);
    chunk *c = p->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(p);
}

void *pool_alloc(pool *p, size_t n)
{
    n = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
    if (!n) n = POOL_ALIGN;
    chunk *c = p->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > POOL_CHUNK / 2 ? n : POOL_CHUNK;
        chunk *nc = xmalloc(sizeof(chunk) + size);
        nc->used = 0;
        nc->size = size;
        if (n > POOL_CHUNK / 2 && c) {
            /* big block: keep the current chunk in front for small ones */
            nc->next = c->next;
            c->next = nc;
            nc->used = n;
            memset(nc->data, 0, n);
            return nc->data;
        }
        nc->next = c;
        p->head = c = nc;
    }
    void *r = c->data + c->used;
    c->used += n;
    memset(r, 0, n);
    return r;
}

char *pool_strndup(pool *p, const char *s, size_t n)
{
    if (!s) return NULL;
    char *r = pool_alloc(p, n + 1);
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

char *pool_strdup(pool *p, const char *s) { return s ? pool_strndup(p, s, strlen(s)) : NULL; }

char *pool_printf(pool *p, const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *r = pool_strndup(p, buf_cstr(&b), b.len);
    buf_free(&b);
    return r;
}

void pool_defer(pool *p, void (*fn)(void *), void *arg)
{
    deferred *d = pool_alloc(p, sizeof(*d));
    d->fn = fn;
    d->arg = arg;
    d->next = p->defers;
    p->defers = d;
}
