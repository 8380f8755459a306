/*
 * pool.h - a memory pool (arena) freed in one place.
 *
 * Each HTTP request and each import batch gets a pool; everything allocated
 * from it is released by one pool_free().  Individual allocations are never
 * freed on their own.  Pool memory is aligned for any type.
 */
#ifndef IPC_POOL_H
#define IPC_POOL_H

#include <stddef.h>

typedef struct pool pool;

/* Returns a new empty pool; free it with pool_free(). */
pool *pool_new(void);
/* Frees the pool and everything allocated from it. NULL is ignored. */
void pool_free(pool *p);
/* Returns n zeroed bytes that live as long as the pool. */
void *pool_alloc(pool *p, size_t n);
/* Copies of strings that live as long as the pool. NULL stays NULL. */
char *pool_strdup(pool *p, const char *s);
char *pool_strndup(pool *p, const char *s, size_t n);
char *pool_printf(pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers fn(arg) to run at pool_free() (for jansson values, files...). */
void pool_defer(pool *p, void (*fn)(void *), void *arg);

#endif
