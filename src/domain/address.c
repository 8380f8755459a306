/*
 * address.c - GB/T 2260 divisions: the data file, the regions table
 * loader, the in-memory address resolver and the address review queue.
 * See address.h for the contracts and data/regions/SOURCE.md for the data.
 *
 * The index: the divisions sorted by code (parents found by binary
 * search), and one byte trie over every name a division is known by: the
 * full Chinese name, the short form and the pinyin spellings, each hit
 * tagged with its kind.  Trie edges live in one open-addressing hash table
 * keyed by (node, byte), so a walk costs one probe per byte and nothing is
 * allocated while resolving.
 *
 * Resolving: the address is normalised into a stack buffer (full-width
 * folded, whitespace dropped for Chinese, words for English) with a map
 * back to the input's byte offsets; a left-to-right scan takes the
 * longest name at each position as a token (a set of possible divisions);
 * a chain is then built token by token, each narrowing the set to the
 * divisions below (or above) the ones kept so far, until a token fits
 * nothing kept (street names).  Chains starting at later tokens are tried
 * too, for addresses that begin with a road named after a place; the best
 * is the resolved one that used the most names.  English addresses are
 * read small to large, so their tokens are taken in reverse order.
 */
#include "address.h"

#include "codes.h"
#include "domain.h"

#include "../base/strmap.h"
#include "../base/util.h"
#include "../import/csv.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- data file ---- */

enum { LV_PROVINCE = 1, LV_CITY = 2, LV_DISTRICT = 3 };

static const char *const level_names[] = {"", "province", "city", "district"};

typedef struct rrow {
    char code[7], parent[7];
    char *name, *shrt, *pinyin;
    unsigned char level;
    long line;
} rrow;

static void rows_free(rrow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].shrt);
        free(rows[i].pinyin);
    }
    free(rows);
}

/* A set of six-digit codes (as integers) with an int value each. */
typedef struct codemap {
    int32_t *keys, *vals;
    size_t cap, n;
} codemap;

static size_t cm_slot(const codemap *m, int32_t k)
{
    size_t i = ((uint32_t)k * 2654435761u) & (m->cap - 1);
    while (m->keys[i] != -1 && m->keys[i] != k) i = (i + 1) & (m->cap - 1);
    return i;
}

static void cm_put(codemap *m, int32_t k, int32_t v)
{
    if ((m->n + 1) * 2 > m->cap) {
        codemap g = {NULL, NULL, m->cap ? m->cap * 2 : 1024, 0};
        g.keys = xmalloc(g.cap * sizeof *g.keys);
        g.vals = xmalloc(g.cap * sizeof *g.vals);
        for (size_t i = 0; i < g.cap; i++) g.keys[i] = -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != -1) {
                size_t s = cm_slot(&g, m->keys[i]);
                g.keys[s] = m->keys[i];
                g.vals[s] = m->vals[i];
                g.n++;
            }
        free(m->keys);
        free(m->vals);
        m->keys = g.keys; /* field by field: the static analyzer loses a whole-struct *m = g */
        m->vals = g.vals;
        m->cap = g.cap;
        m->n = g.n;
    }
    size_t s = cm_slot(m, k);
    if (m->keys[s] == -1) m->n++;
    m->keys[s] = k;
    m->vals[s] = v;
}

/* Value of k, or -1. */
static int32_t cm_get(const codemap *m, int32_t k)
{
    if (!m->cap) return -1;
    size_t s = cm_slot(m, k);
    return m->keys[s] == k ? m->vals[s] : -1;
}

static void cm_free(codemap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* The integer of a string of exactly six ASCII digits, else -1. */
static int32_t code6(const char *s)
{
    if (!s) return -1;
    int32_t v = 0;
    for (int i = 0; i < 6; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return s[6] ? -1 : v;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int data_error(err *e, const char *path, long line, long col, const char *field, const char *zh, const char *en)
{
    char *z = xasprintf("区划数据文件 %s 第 %ld 行：%s", base_name(path), line, zh);
    char *n = xasprintf("Region data file %s, line %ld: %s", base_name(path), line, en);
    err_setm(e, 422, "region.data", z, n);
    free(z);
    free(n);
    return err_at(e, base_name(path), line, col, field);
}

/* Reads and checks the whole data file (see address.h) into *rows. */
static int read_rows(const char *path, rrow **rows_out, size_t *n_out, err *e)
{
    *rows_out = NULL;
    *n_out = 0;
    if (!path) return err_set(e, 500, "import.io", "未指定区划数据文件", "No region data file given");
    csv_reader *r = NULL;
    if (csv_open_file(path, &r, e)) return -1;
    char **cells;
    size_t nc;
    int rc = csv_next(r, &cells, &nc, e);
    if (rc <= 0) {
        csv_close(r);
        if (rc == 0) return data_error(e, path, 1, 0, NULL, "文件为空", "the file is empty");
        return -1;
    }
    int col[6] = {-1, -1, -1, -1, -1, -1};
    static const char *const want[6] = {"code", "name", "level", "parent", "short", "pinyin"};
    for (size_t i = 0; i < nc; i++) {
        char *h = cells[i];
        util_trim(h);
        for (int k = 0; k < 6; k++)
            if (!strcmp(h, want[k]) && col[k] < 0) col[k] = (int)i;
    }
    for (int k = 0; k < 4; k++)
        if (col[k] < 0) {
            csv_close(r);
            return data_error(e, path, 1, 0, NULL, "表头应为 code,name,level,parent[,short,pinyin]",
                              "the header must be code,name,level,parent[,short,pinyin]");
        }
    size_t n = 0, cap = 4096;
    rrow *rows = xcalloc(cap, sizeof *rows);
    codemap seen = {0};
    int bad = 0;
    while ((rc = csv_next(r, &cells, &nc, e)) == 1) {
        long line = csv_row(r);
        const char *v[6];
        for (int k = 0; k < 6; k++) {
            v[k] = col[k] >= 0 && (size_t)col[k] < nc ? cells[col[k]] : "";
            if (col[k] >= 0 && (size_t)col[k] < nc) util_trim(cells[col[k]]);
        }
        int32_t c = code6(v[0]);
        err ce = ERR_INIT;
        if (c < 0 || code_region_check(v[0], &ce)) {
            err_clear(&ce);
            char *zh = xasprintf("区划代码“%.20s”无效，应为六位数字的 GB/T 2260 代码", v[0]);
            char *en = xasprintf("division code \"%.20s\" is not a six-digit GB/T 2260 code", v[0]);
            data_error(e, path, line, col[0] + 1, "code", zh, en);
            free(zh);
            free(en);
            bad = 1;
            break;
        }
        if (cm_get(&seen, c) >= 0) {
            char *zh = xasprintf("区划代码 %s 重复", v[0]);
            char *en = xasprintf("division code %s appears twice", v[0]);
            data_error(e, path, line, col[0] + 1, "code", zh, en);
            free(zh);
            free(en);
            bad = 1;
            break;
        }
        if (!*v[1]) {
            data_error(e, path, line, col[1] + 1, "name", "名称为空", "the name is empty");
            bad = 1;
            break;
        }
        int lv = 0;
        for (int k = 1; k <= 3; k++)
            if (!strcmp(v[2], level_names[k])) lv = k;
        if (!lv) {
            char *zh = xasprintf("级别“%.20s”无效，应为 province、city 或 district", v[2]);
            char *en = xasprintf("level \"%.20s\" is not province, city or district", v[2]);
            data_error(e, path, line, col[2] + 1, "level", zh, en);
            free(zh);
            free(en);
            bad = 1;
            break;
        }
        int32_t pc = *v[3] ? code6(v[3]) : -1;
        int32_t pi = pc >= 0 ? cm_get(&seen, pc) : -1;
        if (lv == LV_PROVINCE ? *v[3] != '\0' : (pi < 0 || rows[pi].level >= lv)) {
            char *zh = lv == LV_PROVINCE ? xasprintf("省级区划 %s 不应有上级（%.20s）", v[0], v[3])
                                         : xasprintf("上级区划“%.20s”不存在于前面的行中，或级别不高于 %s", v[3], v[0]);
            char *en = lv == LV_PROVINCE
                           ? xasprintf("province-level division %s must have no parent (got %.20s)", v[0], v[3])
                           : xasprintf("parent \"%.20s\" is not on an earlier line or is not above %s", v[3], v[0]);
            data_error(e, path, line, col[3] + 1, "parent", zh, en);
            free(zh);
            free(en);
            bad = 1;
            break;
        }
        if (n == cap) {
            rows = xrealloc(rows, cap * 2 * sizeof *rows);
            memset(rows + cap, 0, cap * sizeof *rows);
            cap *= 2;
        }
        rrow *w = &rows[n];
        memcpy(w->code, v[0], 7);
        if (pc >= 0) memcpy(w->parent, v[3], 7);
        w->name = xstrdup(v[1]);
        w->shrt = *v[4] && strcmp(v[4], v[1]) ? xstrdup(v[4]) : NULL;
        w->pinyin = *v[5] ? xstrdup(v[5]) : NULL;
        w->level = (unsigned char)lv;
        w->line = line;
        cm_put(&seen, c, (int32_t)n);
        n++;
    }
    csv_close(r);
    cm_free(&seen);
    if (bad || rc < 0) {
        rows_free(rows, n);
        return -1;
    }
    if (!n) {
        rows_free(rows, n);
        return data_error(e, path, 2, 0, NULL, "没有数据行", "there are no data rows");
    }
    *rows_out = rows;
    *n_out = n;
    return 0;
}

/* ---- data path ---- */

#define DATA_REL "data/regions/gbt2260.csv"

static char data_path[PATH_MAX + 64];
static pthread_once_t data_path_once = PTHREAD_ONCE_INIT;

static int try_path(const char *p)
{
    if (access(p, R_OK)) return 0;
    if (!realpath(p, data_path)) snprintf(data_path, sizeof data_path, "%s", p);
    return 1;
}

static void find_data_path(void)
{
    const char *env = getenv("IPCITY_REGIONS");
    if (env && *env) {
        snprintf(data_path, sizeof data_path, "%s", env);
        return;
    }
    if (try_path(DATA_REL)) return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"/../" DATA_REL, "/../../" DATA_REL, "/../../../" DATA_REL, "/" DATA_REL};
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                char p[PATH_MAX + 64];
                snprintf(p, sizeof p, "%s%s", exe, rel[i]);
                if (try_path(p)) return;
            }
        }
    }
    snprintf(data_path, sizeof data_path, "%s", DATA_REL);
}

const char *region_data_path(void)
{
    pthread_once(&data_path_once, find_data_path);
    return data_path;
}

/* ---- loading into the regions table ---- */

int region_load_counts(store *db, const char *path, const rec_actor *a, long *created, long *skipped, err *e)
{
    if (created) *created = 0;
    if (skipped) *skipped = 0;
    rrow *rows;
    size_t n;
    if (read_rows(path, &rows, &n, e)) return -1;
    int own = !store_in_tx(db);
    if (own && store_begin(db, e)) {
        rows_free(rows, n);
        return -1;
    }
    codemap have = {0};
    long nc = 0, ns = 0;
    store_stmt *st = store_prepare(db, "SELECT code FROM regions", e);
    if (!st) goto fail;
    int r;
    while ((r = store_step(st, e)) == 1) {
        int32_t c = code6(store_col_text(st, 0));
        if (c >= 0) cm_put(&have, c, 1);
    }
    store_done(st);
    if (r < 0) goto fail;
    for (size_t i = 0; i < n; i++) {
        if (cm_get(&have, code6(rows[i].code)) >= 0) {
            ns++;
            continue;
        }
        json_t *in = json_pack("{s:s,s:s,s:s}", "code", rows[i].code, "name_zh", rows[i].name, "level",
                               level_names[rows[i].level]);
        if (rows[i].parent[0]) json_object_set_new(in, "parent_code", json_string(rows[i].parent));
        json_t *out = NULL;
        int rc = rec_create_tx(db, &type_region, a, in, &out, e);
        json_decref(in);
        json_decref(out);
        if (rc) {
            err_at(e, base_name(path), rows[i].line, 0, NULL);
            goto fail;
        }
        nc++;
    }
    if (own && store_commit(db, e)) goto fail;
    cm_free(&have);
    rows_free(rows, n);
    if (created) *created = nc;
    if (skipped) *skipped = ns;
    return 0;
fail:
    if (own) store_rollback(db);
    cm_free(&have);
    rows_free(rows, n);
    return -1;
}

int region_load(store *db, const char *path, const rec_actor *a, err *e)
{
    return region_load_counts(db, path, a, NULL, NULL, e);
}

/* ---- the index ---- */

enum { K_FULL = 0, K_SHORT = 1, K_PINYIN = 2 };

typedef struct region {
    char code[7];
    unsigned char level;
    unsigned char placeholder; /* 市辖区, 县, 省直辖县级行政区划: never named in addresses */
    unsigned char has_children;
    int32_t parent, province; /* indexes; parent -1 for provinces */
    char *name;
} region;

typedef struct hit {
    int32_t region;
    uint8_t kind;
} hit;

typedef struct tnode {
    int32_t hstart; /* first hit in hits[] */
    uint16_t nhits;
    uint8_t kinds; /* bit per kind present */
} tnode;

typedef struct aindex {
    region *r;
    size_t nr;
    tnode *nodes;
    size_t nnodes, capnodes;
    uint32_t *ekeys; /* (node << 8 | byte), UINT32_MAX = empty */
    int32_t *evals;
    size_t ecap, nedges;
    hit *hits;
    size_t nhits, caphits;
} aindex;

static aindex *g_idx;

static void index_free(aindex *x)
{
    if (!x) return;
    for (size_t i = 0; i < x->nr; i++) free(x->r[i].name);
    free(x->r);
    free(x->nodes);
    free(x->ekeys);
    free(x->evals);
    free(x->hits);
    free(x);
}

static inline size_t edge_slot(const aindex *x, uint32_t key)
{
    size_t i = (key * 2654435761u) & (x->ecap - 1);
    while (x->ekeys[i] != UINT32_MAX && x->ekeys[i] != key) i = (i + 1) & (x->ecap - 1);
    return i;
}

static inline int32_t trie_step(const aindex *x, int32_t node, unsigned char b)
{
    uint32_t key = (uint32_t)node << 8 | b;
    size_t i = edge_slot(x, key);
    return x->ekeys[i] == key ? x->evals[i] : -1;
}

static void edges_grow(aindex *x)
{
    size_t ocap = x->ecap;
    uint32_t *ok = x->ekeys;
    int32_t *ov = x->evals;
    x->ecap = ocap ? ocap * 2 : 1u << 16;
    x->ekeys = xmalloc(x->ecap * sizeof *x->ekeys);
    x->evals = xmalloc(x->ecap * sizeof *x->evals);
    for (size_t i = 0; i < x->ecap; i++) x->ekeys[i] = UINT32_MAX;
    for (size_t i = 0; i < ocap; i++)
        if (ok[i] != UINT32_MAX) {
            size_t s = edge_slot(x, ok[i]);
            x->ekeys[s] = ok[i];
            x->evals[s] = ov[i];
        }
    free(ok);
    free(ov);
}

static int32_t node_new(aindex *x)
{
    if (x->nnodes == x->capnodes) {
        x->capnodes = x->capnodes ? x->capnodes * 2 : 4096;
        x->nodes = xrealloc(x->nodes, x->capnodes * sizeof *x->nodes);
    }
    x->nodes[x->nnodes] = (tnode){-1, 0, 0};
    return (int32_t)x->nnodes++;
}

/* Returns the node of key, creating the path. */
static int32_t trie_insert(aindex *x, const char *key)
{
    int32_t node = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        int32_t nx = trie_step(x, node, *p);
        if (nx < 0) {
            if ((x->nedges + 1) * 2 > x->ecap) edges_grow(x);
            nx = node_new(x);
            uint32_t k = (uint32_t)node << 8 | *p;
            size_t s = edge_slot(x, k);
            x->ekeys[s] = k;
            x->evals[s] = nx;
            x->nedges++;
        }
        node = nx;
    }
    return node;
}

typedef struct entry {
    const char *key;
    int32_t region;
    uint8_t kind;
} entry;

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    if (x->region != y->region) return x->region < y->region ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static int row_code_cmp(const void *a, const void *b)
{
    return strcmp(((const rrow *)a)->code, ((const rrow *)b)->code);
}

/* Index of code in x->r (sorted), or -1. */
static int32_t find_code(const aindex *x, const char *code)
{
    size_t lo = 0, hi = x->nr;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(x->r[mid].code, code);
        if (!c) return (int32_t)mid;
        if (c < 0) lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* A few extra names (kind short), not derived from the data. */
static const struct {
    const char *key, *code;
} extra_alias[] = {
    {"内蒙", "150000"},
};

static int is_placeholder(const char *name)
{
    return !strcmp(name, "市辖区") || !strcmp(name, "县") || !strcmp(name, "省直辖县级行政区划") ||
           !strcmp(name, "自治区直辖县级行政区划");
}

static aindex *index_build(rrow *rows, size_t n)
{
    aindex *x = xcalloc(1, sizeof *x);
    qsort(rows, n, sizeof *rows, row_code_cmp);
    x->r = xcalloc(n, sizeof *x->r);
    x->nr = n;
    for (size_t i = 0; i < n; i++) {
        region *g = &x->r[i];
        memcpy(g->code, rows[i].code, 7);
        g->level = rows[i].level;
        g->name = rows[i].name;
        rows[i].name = NULL;
        g->placeholder = (unsigned char)is_placeholder(g->name);
    }
    for (size_t i = 0; i < n; i++) {
        region *g = &x->r[i];
        g->parent = rows[i].parent[0] ? find_code(x, rows[i].parent) : -1;
        if (g->parent >= 0) x->r[g->parent].has_children = 1;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t p = (int32_t)i;
        while (x->r[p].parent >= 0) p = x->r[p].parent;
        x->r[i].province = p;
    }
    /* entries: full names, short forms, pinyin alternatives */
    size_t ne = 0, cape = n * 4 + 16;
    entry *en = xmalloc(cape * sizeof *en);
    buf keys = BUF_INIT; /* pinyin alternatives split, NUL-separated; offsets fixed up below */
    size_t *koff = NULL, nk = 0, capk = 0;
    for (size_t i = 0; i < n; i++) {
        if (x->r[i].placeholder) continue;
        if (ne + 2 >= cape) en = xrealloc(en, (cape *= 2) * sizeof *en);
        en[ne++] = (entry){x->r[i].name, (int32_t)i, K_FULL};
        if (rows[i].shrt && util_utf8_len(rows[i].shrt) >= 2) en[ne++] = (entry){rows[i].shrt, (int32_t)i, K_SHORT};
        if (rows[i].pinyin) {
            const char *p = rows[i].pinyin;
            while (*p) {
                size_t len = strcspn(p, "|");
                if (len >= 2) {
                    if (nk == capk) koff = xrealloc(koff, (capk = capk ? capk * 2 : 4096) * sizeof *koff);
                    koff[nk++] = keys.len;
                    for (size_t j = 0; j < len; j++) {
                        char c = p[j];
                        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
                        buf_putc(&keys, c);
                    }
                    buf_putc(&keys, '\0');
                    if (ne + 1 >= cape) en = xrealloc(en, (cape *= 2) * sizeof *en);
                    en[ne++] = (entry){NULL, (int32_t)i, K_PINYIN};
                }
                p += len;
                if (*p == '|') p++;
            }
        }
    }
    /* fix up the pinyin keys now that the buffer no longer moves */
    for (size_t i = 0, k = 0; i < ne; i++)
        if (!en[i].key && k < nk) en[i].key = keys.s + koff[k++];
    for (size_t i = 0; i < sizeof extra_alias / sizeof extra_alias[0]; i++) {
        int32_t r = find_code(x, extra_alias[i].code);
        if (r < 0) continue;
        if (ne + 1 >= cape) en = xrealloc(en, (cape *= 2) * sizeof *en);
        en[ne++] = (entry){extra_alias[i].key, r, K_SHORT};
    }
    qsort(en, ne, sizeof *en, entry_cmp);
    node_new(x); /* root */
    edges_grow(x);
    x->caphits = ne ? ne : 1;
    x->hits = xmalloc(x->caphits * sizeof *x->hits);
    for (size_t i = 0; i < ne; i++) {
        if (i && !strcmp(en[i].key, en[i - 1].key) && en[i].region == en[i - 1].region) continue;
        int32_t node = trie_insert(x, en[i].key);
        tnode *t = &x->nodes[node];
        if (t->hstart < 0) t->hstart = (int32_t)x->nhits;
        if (t->nhits == UINT16_MAX) continue;
        t->nhits++;
        t->kinds |= (uint8_t)(1u << en[i].kind);
        x->hits[x->nhits++] = (hit){en[i].region, en[i].kind};
    }
    free(en);
    free(koff);
    buf_free(&keys);
    return x;
}

int addr_init(const char *path, err *e)
{
    rrow *rows;
    size_t n;
    if (read_rows(path, &rows, &n, e)) return -1;
    aindex *x = index_build(rows, n);
    rows_free(rows, n);
    index_free(g_idx);
    g_idx = x;
    return 0;
}

void addr_free(void)
{
    index_free(g_idx);
    g_idx = NULL;
}

size_t addr_region_count(void) { return g_idx ? g_idx->nr : 0; }

const char *addr_region_name(const char *code)
{
    if (!g_idx || !code) return NULL;
    int32_t i = find_code(g_idx, code);
    return i < 0 ? NULL : g_idx->r[i].name;
}

int addr_region_path(const char *code, buf *out)
{
    if (!g_idx || !code) return -1;
    int32_t i = find_code(g_idx, code);
    if (i < 0) return -1;
    int32_t chain[8] = {0};
    int n = 0;
    for (int32_t p = i; p >= 0 && n < 8; p = g_idx->r[p].parent) chain[n++] = p;
    while (n--)
        if (!g_idx->r[chain[n]].placeholder) buf_puts(out, g_idx->r[chain[n]].name);
    return 0;
}

/* ---- postal codes ---- */

/* China Post allocates the first two digits of a postal code by province
 * (the first digit is a postal zone; the second a province within it).
 * Only the province is taken from a postal code: no public table with a
 * clear licence maps postal codes to districts.  0 = not allocated.  Known
 * exceptions (阿拉善盟 in Inner Mongolia uses 75xxxx, Ningxia's) only make
 * the result partial, never change the text's answer. */
static const unsigned char postal_province[100] = {
    [1] = 15,  [2] = 15,  [3] = 14,  [4] = 14,  [5] = 13,  [6] = 13,  [7] = 13,  [10] = 11, [11] = 21, [12] = 21,
    [13] = 22, [15] = 23, [16] = 23, [20] = 31, [21] = 32, [22] = 32, [23] = 34, [24] = 34, [25] = 37, [26] = 37,
    [27] = 37, [30] = 12, [31] = 33, [32] = 33, [33] = 36, [34] = 36, [35] = 35, [36] = 35, [40] = 50, [41] = 43,
    [42] = 43, [43] = 42, [44] = 42, [45] = 41, [46] = 41, [47] = 41, [51] = 44, [52] = 44, [53] = 45, [54] = 45,
    [55] = 52, [56] = 52, [57] = 46, [61] = 51, [62] = 51, [63] = 51, [64] = 51, [65] = 53, [66] = 53, [67] = 53,
    [71] = 61, [72] = 61, [73] = 62, [74] = 62, [75] = 64, [81] = 63, [83] = 65, [84] = 65, [85] = 54, [86] = 54,
};

/* Province code (two digits as a number) of a six-digit postal code, 0 if
 * unknown.  Hong Kong and Macao use 999077 and 999078 internationally. */
static int postal_to_province(const char *p)
{
    if (!strcmp(p, "999077")) return 81;
    if (!strcmp(p, "999078")) return 82;
    return postal_province[(p[0] - '0') * 10 + (p[1] - '0')];
}

/* ---- normalisation ---- */

typedef struct ntext {
    char t[ADDR_MAX_INPUT + 8];
    uint16_t os[ADDR_MAX_INPUT + 8], oe[ADDR_MAX_INPUT + 8]; /* input span of the character of each byte */
    size_t n;
    int cjk;
} ntext;

static int is_space_cp(int32_t c) { return c == ' ' || (c >= 9 && c <= 13) || c == 0x3000 || c == 0xA0; }

static int is_cjk_cp(int32_t c)
{
    return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

static size_t put_utf8(char *o, int32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    } else if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Folds, lowercases ASCII; keep_space: whitespace runs become one ' ',
 * else whitespace is dropped.  Invalid bytes are dropped. */
static void normalise(const char *in, size_t len, int keep_space, ntext *nt)
{
    const char *p = in, *end = in + len;
    nt->n = 0;
    nt->cjk = 0;
    int pend_space = 0;
    while (p < end) {
        const char *s = p;
        int32_t c = util_utf8_next(&p, end);
        if (c < 0) {
            p = s + 1;
            continue;
        }
        if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
        if (is_space_cp(c)) {
            pend_space = keep_space && nt->n > 0;
            continue;
        }
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        if (is_cjk_cp(c)) nt->cjk = 1;
        if (pend_space) {
            nt->t[nt->n] = ' ';
            nt->os[nt->n] = (uint16_t)(s - in);
            nt->oe[nt->n] = (uint16_t)(s - in);
            nt->n++;
            pend_space = 0;
        }
        size_t k = put_utf8(nt->t + nt->n, c);
        for (size_t j = 0; j < k; j++) {
            nt->os[nt->n + j] = (uint16_t)(s - in);
            nt->oe[nt->n + j] = (uint16_t)(p - in);
        }
        nt->n += k;
    }
    nt->t[nt->n] = '\0';
}

void addr_normalize(const char *address, buf *out)
{
    buf_reset(out);
    buf_puts(out, "");
    if (!address) return;
    const char *p = address, *end = address + strlen(address);
    int pend_space = 0;
    while (p < end) {
        const char *s = p;
        int32_t c = util_utf8_next(&p, end);
        if (c < 0) {
            p = s + 1;
            buf_add(out, s, 1);
            continue;
        }
        if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
        if (is_space_cp(c)) {
            pend_space = out->len > 0;
            continue;
        }
        if (pend_space) buf_putc(out, ' ');
        pend_space = 0;
        char tmp[4];
        buf_add(out, tmp, put_utf8(tmp, c));
    }
}

/* ---- resolving ---- */

#define MAXTOK 24
#define MAXSET 64
#define MAXSTART 8

typedef struct tok {
    uint16_t os, oe; /* input byte span */
    int n;
    int32_t r[MAXSET];
    uint8_t k[MAXSET];
} tok;

typedef struct chain {
    int n;
    int32_t r[MAXSET];
    uint8_t k[MAXSET];
    int used;
    uint16_t os, oe;
} chain;

static void tok_from_node(const aindex *x, int32_t node, int english, tok *t)
{
    const tnode *nd = &x->nodes[node];
    t->n = 0;
    for (int i = 0; i < nd->nhits && t->n < MAXSET; i++) {
        const hit *h = &x->hits[nd->hstart + i];
        if ((h->kind == K_PINYIN) != english) continue;
        t->r[t->n] = h->region;
        t->k[t->n] = h->kind;
        t->n++;
    }
}

static int strict_ancestor(const aindex *x, int32_t a, int32_t b)
{
    for (int32_t p = x->r[b].parent; p >= 0; p = x->r[p].parent)
        if (p == a) return 1;
    return 0;
}

/* Keeps only full-name hits when there are some. */
static void prefer_full(chain *c)
{
    int full = 0;
    for (int i = 0; i < c->n; i++) full |= c->k[i] == K_FULL;
    if (!full) return;
    int m = 0;
    for (int i = 0; i < c->n; i++)
        if (c->k[i] == K_FULL) {
            c->r[m] = c->r[i];
            c->k[m++] = c->k[i];
        }
    c->n = m;
}

static void run_chain(const aindex *x, const tok *toks, int ntok, int st, chain *c)
{
    const tok *t0 = &toks[st];
    c->n = t0->n;
    memcpy(c->r, t0->r, sizeof(int32_t) * (size_t)t0->n);
    memcpy(c->k, t0->k, (size_t)t0->n);
    prefer_full(c);
    /* a name that is a province's short form is the province */
    int prov = 0;
    for (int i = 0; i < c->n; i++) prov |= x->r[c->r[i]].level == LV_PROVINCE;
    if (prov) {
        int m = 0;
        for (int i = 0; i < c->n; i++)
            if (x->r[c->r[i]].level == LV_PROVINCE) {
                c->r[m] = c->r[i];
                c->k[m++] = c->k[i];
            }
        c->n = m;
    }
    c->used = 1;
    c->os = t0->os;
    c->oe = t0->oe;
    for (int j = st + 1; j < ntok; j++) {
        const tok *t = &toks[j];
        chain d;
        d.n = 0;
        /* below the kept ones */
        for (int i = 0; i < t->n; i++)
            for (int f = 0; f < c->n; f++)
                if (strict_ancestor(x, c->r[f], t->r[i])) {
                    d.r[d.n] = t->r[i];
                    d.k[d.n++] = t->k[i];
                    break;
                }
        if (d.n) prefer_full(&d);
        /* above some of the kept ones (written small to large) */
        if (!d.n)
            for (int f = 0; f < c->n; f++)
                for (int i = 0; i < t->n; i++)
                    if (strict_ancestor(x, t->r[i], c->r[f])) {
                        d.r[d.n] = c->r[f];
                        d.k[d.n++] = c->k[f];
                        break;
                    }
        /* the same again (上海市上海市..., 天河区天河路): skipped, neither
         * narrowing nor widening the span */
        if (!d.n) {
            int again = 0;
            for (int f = 0; f < c->n && !again; f++)
                for (int i = 0; i < t->n && !again; i++) again = t->r[i] == c->r[f];
            if (again) continue;
            break; /* street, building... */
        }
        c->n = d.n;
        memcpy(c->r, d.r, sizeof(int32_t) * (size_t)d.n);
        memcpy(c->k, d.k, (size_t)d.n);
        c->used++;
        if (t->os < c->os) c->os = t->os;
        if (t->oe > c->oe) c->oe = t->oe;
    }
}

/* Lowest common ancestor-or-self of the set that is not a placeholder,
 * -1 when none. */
static int32_t common_node(const aindex *x, const int32_t *r, int n)
{
    if (!n) return -1;
    int32_t cand[8];
    int nc = 0;
    for (int32_t p = r[0]; p >= 0 && nc < 8; p = x->r[p].parent) cand[nc++] = p;
    for (int ci = 0; ci < nc; ci++) {
        int32_t a = cand[ci];
        int ok = 1;
        for (int i = 1; i < n && ok; i++) ok = r[i] == a || strict_ancestor(x, a, r[i]);
        if (ok) {
            while (a >= 0 && x->r[a].placeholder) a = x->r[a].parent;
            return a;
        }
    }
    return -1;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct verdict {
    int32_t node;  /* resolved division or -1 */
    int ambiguous; /* several divisions below node */
    unsigned flags;
} verdict;

/* Applies the postal province to the chain's set and decides. */
static verdict judge(const aindex *x, chain *c, int pprov)
{
    verdict v = {-1, 0, 0};
    if (pprov && c->n) {
        int m = 0;
        int32_t keep[MAXSET];
        uint8_t kk[MAXSET];
        for (int i = 0; i < c->n; i++)
            if ((x->r[c->r[i]].code[0] - '0') * 10 + (x->r[c->r[i]].code[1] - '0') == pprov) {
                keep[m] = c->r[i];
                kk[m++] = c->k[i];
            }
        if (!m) v.flags |= ADDR_F_POSTAL_MISMATCH;
        else if (m < c->n) {
            v.flags |= ADDR_F_POSTAL_USED;
            c->n = m;
            memcpy(c->r, keep, sizeof(int32_t) * (size_t)m);
            memcpy(c->k, kk, (size_t)m);
        }
    }
    if (!c->n) return v;
    /* one line (吉林 province and 吉林 city, 朝阳市 and 朝阳县): the top */
    for (int i = 0; i < c->n && v.node < 0; i++) {
        int top = 1;
        for (int j = 0; j < c->n && top; j++) top = j == i || strict_ancestor(x, c->r[i], c->r[j]);
        if (top) v.node = c->r[i];
    }
    if (v.node >= 0) return v;
    /* several lines: what they have in common, if anything */
    v.ambiguous = 1;
    v.node = common_node(x, c->r, c->n);
    return v;
}

static void fill_candidates(const aindex *x, const chain *c, addr_result *out)
{
    int32_t s[MAXSET];
    int n = c->n;
    memcpy(s, c->r, sizeof(int32_t) * (size_t)n);
    qsort(s, (size_t)n, sizeof s[0], cmp_i32);
    out->ncandidates_total = n;
    out->ncandidates = 0;
    for (int i = 0; i < n && out->ncandidates < ADDR_MAX_CANDIDATES; i++)
        memcpy(out->candidates[out->ncandidates++], x->r[s[i]].code, 7);
}

static void set_result(const aindex *x, int32_t node, addr_result *out)
{
    memcpy(out->code, x->r[node].code, 7);
    out->level = (addr_level)x->r[node].level;
    out->name = x->r[node].name;
}

/* Byte lengths of the Chinese names that start at t[i], longest first
 * (at most max); returns how many. */
static int names_at(const aindex *x, const ntext *nt, size_t i, int32_t *nodes, size_t *lens, int max)
{
    int n = 0;
    int32_t node = 0;
    for (size_t j = i; j < nt->n; j++) {
        node = trie_step(x, node, (unsigned char)nt->t[j]);
        if (node < 0) break;
        if (x->nodes[node].kinds & ((1u << K_FULL) | (1u << K_SHORT))) {
            if (n == max) {
                memmove(nodes, nodes + 1, sizeof *nodes * (size_t)(max - 1));
                memmove(lens, lens + 1, sizeof *lens * (size_t)(max - 1));
                n--;
            }
            nodes[n] = node;
            lens[n++] = j + 1 - i;
        }
    }
    /* longest first */
    for (int a = 0, b = n - 1; a < b; a++, b--) {
        int32_t tn = nodes[a];
        nodes[a] = nodes[b];
        nodes[b] = tn;
        size_t tl = lens[a];
        lens[a] = lens[b];
        lens[b] = tl;
    }
    return n;
}

/* Tokens of a Chinese address: the longest name at each position, unless
 * a shorter one lets the next name be read and the longest does not
 * ("济南市中区" is 济南 + 市中区, not 济南市 + 中区). */
static int scan_zh(const aindex *x, const ntext *nt, tok *toks)
{
    int ntok = 0;
    size_t i = 0;
    while (i < nt->n && ntok < MAXTOK) {
        int32_t nodes[8], nn[8];
        size_t lens[8], nl[8];
        int n = names_at(x, nt, i, nodes, lens, 8);
        if (!n) {
            i++;
            while (i < nt->n && ((unsigned char)nt->t[i] & 0xC0) == 0x80) i++;
            continue;
        }
        int pick = 0;
        if (n > 1 && !names_at(x, nt, i + lens[0], nn, nl, 1))
            for (int k = 1; k < n; k++)
                if (names_at(x, nt, i + lens[k], nn, nl, 1) && lens[k] + nl[0] > lens[0]) {
                    pick = k;
                    break;
                }
        tok *t = &toks[ntok];
        tok_from_node(x, nodes[pick], 0, t);
        if (t->n) {
            t->os = nt->os[i];
            t->oe = nt->oe[i + lens[pick] - 1];
            ntok++;
        }
        i += lens[pick];
    }
    return ntok;
}

/* Tokens of an English address: runs of up to four words within one
 * comma-separated part whose concatenation is a pinyin name. */
static int scan_en(const aindex *x, const ntext *nt, tok *toks)
{
    struct word {
        size_t s, e; /* in nt->t (letters only, apostrophes skipped) */
        uint16_t os, oe;
        int part;
    } w[128];
    char letters[ADDR_MAX_INPUT + 8];
    size_t nl = 0;
    int nw = 0, part = 0, inword = 0;
    for (size_t i = 0; i < nt->n && nw < 128; i++) {
        char c = nt->t[i];
        if (c >= 'a' && c <= 'z') {
            if (!inword) {
                w[nw] = (struct word){nl, nl, nt->os[i], nt->oe[i], part};
                inword = 1;
                nw++;
            }
            letters[nl++] = c;
            w[nw - 1].e = nl;
            w[nw - 1].oe = nt->oe[i];
            continue;
        }
        if (inword && (c == '\'' || ((unsigned char)c == 0xE2 && i + 2 < nt->n && (unsigned char)nt->t[i + 1] == 0x80 &&
                                     (unsigned char)nt->t[i + 2] == 0x99))) {
            if (c != '\'') i += 2; /* U+2019 */
            continue;              /* Xi'an, Jing'an */
        }
        inword = 0;
        if (c == ',' || c == ';' || c == '(' || c == ')' || c == '/' || c == '.' || ((unsigned char)c & 0x80)) part++;
    }
    int ntok = 0;
    for (int i = 0; i < nw && ntok < MAXTOK;) {
        int got = 0;
        for (int k = 4; k >= 1 && !got; k--) {
            if (i + k > nw || w[i + k - 1].part != w[i].part) continue;
            int32_t node = 0;
            for (int q = i; q < i + k && node >= 0; q++)
                for (size_t b = w[q].s; b < w[q].e && node >= 0; b++)
                    node = trie_step(x, node, (unsigned char)letters[b]);
            if (node < 0 || !(x->nodes[node].kinds & (1u << K_PINYIN))) continue;
            tok *t = &toks[ntok];
            tok_from_node(x, node, 1, t);
            if (!t->n) continue;
            t->os = w[i].os;
            t->oe = w[i + k - 1].oe;
            ntok++;
            i += k;
            got = 1;
        }
        if (!got) i++;
    }
    /* read large to small */
    for (int a = 0, b = ntok - 1; a < b; a++, b--) {
        tok tmp = toks[a];
        toks[a] = toks[b];
        toks[b] = tmp;
    }
    return ntok;
}

/* A six-digit postal code at the start or the end of nt, copied to out. */
static int find_postal(const ntext *nt, char out[7], uint16_t *os, uint16_t *oe)
{
    size_t n = nt->n, i = 0;
    const char *t = nt->t;
    while (i < n && t[i] >= '0' && t[i] <= '9') i++;
    if (i == 6) {
        memcpy(out, t, 6);
        out[6] = '\0';
        *os = nt->os[0];
        *oe = nt->oe[5];
        return 1;
    }
    size_t e = n;
    while (e > 0 && (t[e - 1] == ' ' || t[e - 1] == '.' || t[e - 1] == ',' || t[e - 1] == ')' || t[e - 1] == ';')) e--;
    size_t s = e;
    while (s > 0 && t[s - 1] >= '0' && t[s - 1] <= '9') s--;
    if (e - s == 6 && s > 0) {
        memcpy(out, t + s, 6);
        out[6] = '\0';
        *os = nt->os[s];
        *oe = nt->oe[e - 1];
        return 1;
    }
    return 0;
}

int addr_resolve(const char *address, addr_result *out)
{
    if (!out) return -1;
    memset(out, 0, sizeof *out);
    const aindex *x = g_idx;
    if (!address || !x) return -1;
    size_t len = strlen(address);
    if (len > ADDR_MAX_INPUT) {
        len = ADDR_MAX_INPUT;
        out->flags |= ADDR_F_TRUNCATED;
    }
    ntext nt;
    normalise(address, len, 1, &nt);
    int english = !nt.cjk;
    if (!english) normalise(address, len, 0, &nt);
    else
        out->flags |= ADDR_F_ENGLISH;

    uint16_t pos = 0, poe = 0;
    int pprov = 0;
    if (find_postal(&nt, out->postal, &pos, &poe)) {
        out->flags |= ADDR_F_POSTAL;
        pprov = postal_to_province(out->postal);
    }

    tok toks[MAXTOK];
    int ntok = english ? scan_en(x, &nt, toks) : scan_zh(x, &nt, toks);

    chain best;
    verdict bv = {-1, 0, 0};
    int have = 0;
    for (int st = 0; st < ntok && st < MAXSTART; st++) {
        chain c;
        run_chain(x, toks, ntok, st, &c);
        verdict v = judge(x, &c, pprov);
        int better;
        if (!have) better = 1;
        else if ((v.node >= 0) != (bv.node >= 0))
            better = v.node >= 0;
        else
            better = c.used > best.used;
        if (better) {
            best = c;
            bv = v;
            have = 1;
        }
    }
    if (!have) {
        if (pprov) {
            char pc[16];
            snprintf(pc, sizeof pc, "%02d0000", pprov);
            int32_t r = find_code(x, pc);
            if (r >= 0) {
                set_result(x, r, out);
                out->confidence = ADDR_CONF_PARTIAL;
                out->flags |= ADDR_F_POSTAL_USED;
                out->match_off = pos;
                out->match_len = (size_t)(poe - pos);
                return 1;
            }
        }
        return 0;
    }
    out->flags |= bv.flags;
    out->match_off = best.os;
    out->match_len = (size_t)(best.oe - best.os);
    if (bv.node < 0 || bv.ambiguous) fill_candidates(x, &best, out);
    if (bv.node < 0) return 0;
    set_result(x, bv.node, out);
    out->confidence = !bv.ambiguous && !x->r[bv.node].has_children && !(bv.flags & ADDR_F_POSTAL_MISMATCH)
                          ? ADDR_CONF_EXACT
                          : ADDR_CONF_PARTIAL;
    return 1;
}

/* ---- the review queue ---- */

static int check_address(const char *in, buf *norm, err *e)
{
    addr_normalize(in, norm);
    if (!norm->len) return err_set(e, 422, "validation.required", "地址为空", "the address is empty");
    return 0;
}

static const rec_opt review_status[] = {
    {"pending", "待处理", "Pending"},
    {"settled", "已处理", "Settled"},
    {NULL, NULL, NULL},
};

static const rec_field review_fields[] = {
    {"address", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SEARCH | RF_LIST | RF_SORT,
     "地址", "Address", 500, .check = check_address, .help_zh = "规范化后保存：去首尾空白、全角转半角、连续空白合并",
     .help_en = "Stored normalised: trimmed, full-width folded, whitespace collapsed"},
    {"status", RT_ENUM, RF_FILTER | RF_LIST | RF_SORT, "状态", "Status", 0, review_status,
     .help_zh = "标记为已处理时须填写认定区划", .help_en = "Settling requires the decided region code"},
    {"candidates", RT_JSON, 0, "候选区划", "Candidate regions", .help_zh = "解析器给出的可能区划 [{code,name}]",
     .help_en = "Possible regions from the resolver, [{code,name}]"},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "认定区划", "Decided region", 6, .check = code_region_field,
     .help_zh = "GB/T 2260 六位行政区划代码；同一地址今后按此处理",
     .help_en = "GB/T 2260 six-digit code; used for this address from now on"},
    {"settled_by", RT_TEXT, RF_READONLY | RF_LIST, "处理人", "Settled by", 64},
    {"settled_at", RT_DATETIME, RF_READONLY | RF_SORT, "处理时间", "Settled at"},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

static int str_eq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* Sets status (default pending) and, when a review becomes settled,
 * checks region_code and stamps settled_by/settled_at. */
static int review_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    if (c->op == REC_DELETE) return 0;
    const char *st = json_string_value(json_object_get(row, "status"));
    if (!st) {
        json_object_set_new(row, "status", json_string("pending"));
        st = "pending";
    }
    if (strcmp(st, "settled")) {
        json_object_set_new(row, "settled_by", json_null());
        json_object_set_new(row, "settled_at", json_null());
        return 0;
    }
    const char *rc = json_string_value(json_object_get(row, "region_code"));
    if (!rc || !*rc) {
        err_item(e, "region_code", 0, 0, "validation.required", "标记为已处理时必须填写认定区划（region_code）",
                 "The decided region code (region_code) is required to settle a review");
        return -1;
    }
    err ce = ERR_INIT;
    if (code_region_check(rc, &ce)) {
        err_item_msg(e, "region_code", 0, 0, ce.code ? ce.code : "validation.region_code", err_msg(&ce, LANG_ZH),
                     err_msg(&ce, LANG_EN));
        err_clear(&ce);
        return -1;
    }
    const char *ost = old ? json_string_value(json_object_get(old, "status")) : NULL;
    const char *orc = old ? json_string_value(json_object_get(old, "region_code")) : NULL;
    if (!str_eq(ost, "settled") || !str_eq(orc, rc) || !json_is_string(json_object_get(row, "settled_at"))) {
        char now[40];
        util_now_iso(now, sizeof now);
        json_object_set_new(row, "settled_by", c->actor->name ? json_string(c->actor->name) : json_null());
        json_object_set_new(row, "settled_at", json_string(now));
    }
    return 0;
}

rec_type type_address_review = {
    .name = "address_review",
    .path = "address_reviews",
    .zh = "地址核对",
    .en = "Address review",
    .fields = review_fields,
    .read = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE},
    .write = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE},
    .title_field = "address",
    .before_write = review_before_write,
};

static json_t *candidates_json(const addr_result *r)
{
    json_t *a = json_array();
    buf p = BUF_INIT;
    for (int i = 0; i < r->ncandidates; i++) {
        buf_reset(&p);
        addr_region_path(r->candidates[i], &p);
        json_array_append_new(a, json_pack("{s:s,s:s}", "code", r->candidates[i], "name", buf_cstr(&p)));
    }
    if (!r->ncandidates && r->code[0]) {
        addr_region_path(r->code, &p);
        json_array_append_new(a, json_pack("{s:s,s:s}", "code", r->code, "name", buf_cstr(&p)));
    }
    buf_free(&p);
    return a;
}

/* In bulk mode (a large import, see rec_bulk_begin) the review queue is
 * read into memory once per session when it holds at most this many live
 * reviews, instead of one look-up per address; larger queues are looked up
 * one by one. */
#define REVIEW_CACHE_MAX 200000
#define REVIEW_CACHE_KEY "addr_review_cache"

/* The queue as of the session: address -> "" for a pending review or the
 * settled region code (6 digits).  Reviews queued by addr_resolve_db()
 * during the session are added; the import changes the queue no other way
 * meanwhile. */
typedef struct review_cache {
    unsigned long session; /* rec_bulk_session() it belongs to */
    strmap *m;             /* NULL: too many reviews, look them up one by one */
} review_cache;

static void review_cache_free(void *p)
{
    review_cache *rc = p;
    if (!rc) return;
    strmap_free(rc->m);
    free(rc);
}

/* The cache of db's bulk session, loaded when needed; NULL outside bulk
 * mode or when the queue is too large.  -1 on a storage error. */
static int review_cache_of(store *db, review_cache **out, err *e)
{
    *out = NULL;
    unsigned long session = rec_bulk_session(db);
    if (!session) return 0;
    review_cache *rc = store_cache_get(db, REVIEW_CACHE_KEY);
    if (rc && rc->session == session) {
        *out = rc->m ? rc : NULL;
        return 0;
    }
    int64_t n;
    if (rec_bulk_flush(db, e) ||
        store_query_int(db, "SELECT COUNT(*) FROM address_reviews WHERE deleted_at IS NULL", &n, e, 0))
        return -1;
    rc = xcalloc(1, sizeof *rc);
    rc->session = session;
    if (n <= REVIEW_CACHE_MAX) {
        store_stmt *st = store_prepare(db,
                                       "SELECT address, status, region_code FROM address_reviews"
                                       " WHERE deleted_at IS NULL",
                                       e);
        if (!st) {
            free(rc);
            return -1;
        }
        store_stream(st);
        rc->m = strmap_new(free);
        int r;
        while ((r = store_step(st, e)) == 1) {
            const char *addr = store_col_text(st, 0), *status = store_col_text(st, 1), *c = store_col_text(st, 2);
            if (!addr) continue;
            int settled = status && !strcmp(status, "settled") && c && strlen(c) == 6;
            strmap_put(rc->m, addr, xstrdup(settled ? c : ""));
        }
        store_done(st);
        if (r < 0) {
            review_cache_free(rc);
            return -1;
        }
    }
    store_cache_set(db, REVIEW_CACHE_KEY, rc, review_cache_free);
    *out = rc->m ? rc : NULL;
    return 0;
}

int addr_resolve_db(store *db, const char *address, const rec_actor *a, char code[7], int *queued, err *e)
{
    code[0] = '\0';
    if (queued) *queued = 0;
    if (!g_idx)
        return err_set(e, 500, "address.not_ready", "地址解析器未初始化（缺少区划数据）",
                       "The address resolver is not initialised (no region data)");
    buf norm = BUF_INIT;
    addr_normalize(address, &norm);
    if (!norm.len) {
        buf_free(&norm);
        return err_set(e, 422, "address.empty", "地址为空", "The address is empty");
    }
    int rc = -1, pending = 0;
    review_cache *cache;
    if (review_cache_of(db, &cache, e)) goto out;
    if (cache) {
        int found;
        const char *c = strmap_get(cache->m, norm.s, &found);
        if (found && c && code6(c) >= 0) memcpy(code, c, 7);
        else if (found)
            pending = 1;
    } else {
        json_t *key = json_pack("{s:s}", "address", norm.s);
        int sr = rec_bulk_sync_key(db, &type_address_review, key, e);
        json_decref(key);
        if (sr) goto out;
        store_stmt *st = store_prepare(db,
                                       "SELECT status, region_code FROM address_reviews"
                                       " WHERE address = ? AND deleted_at IS NULL",
                                       e);
        if (!st) goto out;
        store_bind_text(st, 1, norm.s);
        int r = store_step(st, e);
        if (r == 1) {
            const char *s = store_col_text(st, 0), *c = store_col_text(st, 1);
            if (str_eq(s, "settled") && code6(c) >= 0) memcpy(code, c, 7);
            else
                pending = 1;
        }
        store_done(st);
        if (r < 0) goto out;
    }
    if (code[0]) {
        rc = 0;
        goto out;
    }
    addr_result res;
    if (addr_resolve(norm.s, &res) == 1 && res.confidence == ADDR_CONF_EXACT) {
        memcpy(code, res.code, 7);
        rc = 0;
        goto out;
    }
    if (pending) {
        if (queued) *queued = ADDR_QUEUED_ALREADY;
        rc = 0;
        goto out;
    }
    json_t *in =
        json_pack("{s:s,s:s,s:o}", "address", norm.s, "status", "pending", "candidates", candidates_json(&res));
    json_t *row = NULL;
    int own = !store_in_tx(db);
    if (own && store_begin(db, e)) {
        json_decref(in);
        goto out;
    }
    int cr = rec_create_tx(db, &type_address_review, a, in, &row, e);
    json_decref(in);
    if (cr == 0 && cache) {
        const char *stored = json_string_value(json_object_get(row, "address"));
        strmap_put(cache->m, stored ? stored : norm.s, xstrdup(""));
    }
    json_decref(row);
    if (cr == 0 && own && store_commit(db, e)) cr = -1;
    if (cr) {
        if (own) store_rollback(db);
        if (own && e && e->code && !strcmp(e->code, "conflict.unique")) {
            /* queued by another connection meanwhile */
            err_clear(e);
            if (queued) *queued = ADDR_QUEUED_ALREADY;
            rc = 0;
        }
        goto out;
    }
    if (queued) *queued = ADDR_QUEUED_NEW;
    rc = 0;
out:
    buf_free(&norm);
    return rc;
}
