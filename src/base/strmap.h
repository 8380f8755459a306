/*
 * strmap.h - a hash map from strings to pointers (open addressing, linear
 * probing, grows by doubling; no removal, only clearing).
 *
 * Keys are copied into the map; values are the caller's pointers, freed by
 * the map's free_fn (when not NULL) on replace, clear and free.  Not
 * thread-safe.  Allocation failure aborts, as everywhere (xmalloc).
 */
#ifndef IPC_STRMAP_H
#define IPC_STRMAP_H

#include <stddef.h>

typedef struct strmap strmap;

/* A new empty map; free_fn (may be NULL) frees values.  The caller frees
 * it with strmap_free(). */
strmap *strmap_new(void (*free_fn)(void *));
/* Frees the map, its keys and (with free_fn) its values; NULL is fine. */
void strmap_free(strmap *m);
/* Removes every entry (values freed with free_fn), keeping the memory. */
void strmap_clear(strmap *m);
/* The value stored under key; *found (may be NULL) tells whether key is
 * there at all (a NULL value can be stored).  The value stays owned by
 * the map. */
void *strmap_get(const strmap *m, const char *key, int *found);
/* Stores val under key (a copy of key is kept), replacing and freeing a
 * previous value. */
void strmap_put(strmap *m, const char *key, void *val);
/* Number of keys. */
size_t strmap_count(const strmap *m);

#endif
