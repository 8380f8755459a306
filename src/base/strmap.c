/* strmap.c - string-keyed hash map; see strmap.h. */
#include "strmap.h"

#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char *key; /* NULL = empty */
    void *val;
    uint64_t hash;
} slot;

struct strmap {
    slot *slots;
    size_t cap, count; /* cap: a power of two, or 0 before the first put */
    void (*free_fn)(void *);
};

/* FNV-1a, 64 bits. */
static uint64_t hash_of(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

strmap *strmap_new(void (*free_fn)(void *))
{
    strmap *m = xcalloc(1, sizeof *m);
    m->free_fn = free_fn;
    return m;
}

void strmap_clear(strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) {
            free(m->slots[i].key);
            if (m->free_fn && m->slots[i].val) m->free_fn(m->slots[i].val);
            m->slots[i].key = NULL;
            m->slots[i].val = NULL;
        }
    m->count = 0;
}

void strmap_free(strmap *m)
{
    if (!m) return;
    strmap_clear(m);
    free(m->slots);
    free(m);
}

/* The slot holding key, or the empty slot where it belongs (cap > 0). */
static slot *find(const strmap *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && !strcmp(s->key, key))) return s;
    }
}

void *strmap_get(const strmap *m, const char *key, int *found)
{
    slot *s = m->cap ? find(m, key, hash_of(key)) : NULL;
    if (found) *found = s && s->key;
    return s && s->key ? s->val : NULL;
}

/* Doubles the table (keeps the load factor at most 1/2). */
static void grow(strmap *m)
{
    size_t oldcap = m->cap;
    slot *old = m->slots;
    m->cap = oldcap ? oldcap * 2 : 64;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key) *find(m, old[i].key, old[i].hash) = old[i];
    free(old);
}

void strmap_put(strmap *m, const char *key, void *val)
{
    if ((m->count + 1) * 2 > m->cap) grow(m);
    uint64_t h = hash_of(key);
    slot *s = find(m, key, h);
    if (s->key) {
        if (m->free_fn && s->val && s->val != val) m->free_fn(s->val);
        s->val = val;
        return;
    }
    s->key = xstrdup(key);
    s->val = val;
    s->hash = h;
    m->count++;
}

size_t strmap_count(const strmap *m) { return m->count; }
