/*
 * ind_index.c - the precomputed index of the official indicators.
 *
 * Rebuilt from the registry by ind_index_build() (`ipcity index`, after
 * imports, or on demand for small registries), in one transaction:
 *
 *   ind_spans   per valid invention patent, the intervals [from_day,
 *               to_day) in which it is in force and counts for one place
 *               (region, park), for the location bases in `bases` (bit 0
 *               cnipa-2021, 1 patentee, 2 applicant), with the days from
 *               which its high-value criteria hold (c3f/c3g: maintained
 *               more than 10 years from filing/grant; c4: pledged at least
 *               10,000,000 CNY; c5: award) and flags (c1 SEI concordance,
 *               c2 overseas family, pledged);
 *   ind_pledges every pledge event of a CN patent with the cumulative
 *               amount of its patent (criterion 4 for any threshold) and,
 *               when it counts for pledge financing, its item (grp);
 *   ind_items   the records behind the flows: PCT applications (ref =
 *               patent) and pledge items (ref = grp, amount);
 *   ind_cum     per region (nation "000000", province, city, district,
 *               park) and per day on which anything changes, the
 *               cumulative measures (M_*) under the default parameters:
 *               a figure on day D is the row with the largest day <= D,
 *               a flow over a year the difference with the row at the
 *               previous year end.
 *
 * Freshness: triggers (SQLite) count every write to patents, events,
 * trademarks and regions in ind_state.changes; the index records the count
 * it was built from.
 */
#include "ind_int.h"

#include "domain.h"
#include "sei.h"

#include "../base/log.h"
#include "../base/util.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- tables ---- */

/* The indexes of the index tables (dropped and made again by each build).
 * Spans by region (or park) and patent: a region's records page in patent
 * order without sorting, and the figures scan a region's spans. */
#define IND_TABLE_INDEXES \
    "CREATE INDEX IF NOT EXISTS ix_ind_spans_region ON ind_spans(region, patent_id);" \
    "CREATE INDEX IF NOT EXISTS ix_ind_spans_park ON ind_spans(park, patent_id) WHERE park IS NOT NULL;" \
    "CREATE INDEX IF NOT EXISTS ix_ind_spans_patent ON ind_spans(patent_id);" \
    "CREATE INDEX IF NOT EXISTS ix_ind_pledges_patent ON ind_pledges(patent_id, day);" \
    "CREATE INDEX IF NOT EXISTS ix_ind_pledges_grp ON ind_pledges(grp);" \
    "CREATE INDEX IF NOT EXISTS ix_ind_items ON ind_items(kind, region, day);"

/* The events the index reads; the same text in the partial index and the
 * query, so that the query planner uses the index. */
#define IND_EVENTS_WHERE \
    "deleted_at IS NULL AND kind IN ('grant', 'lapse', 'restoration', 'invalidation', 'surrender', 'expiry', 'transfer'," \
    " 'pledge')"

int ind_create_tables(store *db, err *e)
{
    const char *I = store_sql_type(db, STORE_T_INT), *R = store_sql_type(db, STORE_T_REAL);
    buf b = BUF_INIT;
    buf_printf(
        &b,
        "CREATE TABLE IF NOT EXISTS ind_state (id %s NOT NULL PRIMARY KEY, changes %s NOT NULL DEFAULT 0,"
        " built_changes %s, built_at TEXT, seconds %s, spans %s, cum_rows %s);"
        "INSERT INTO ind_state (id, changes) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM ind_state);"
        "CREATE TABLE IF NOT EXISTS ind_spans (patent_id %s NOT NULL, bases %s NOT NULL, region TEXT NOT NULL,"
        " park TEXT, from_day %s NOT NULL, to_day %s NOT NULL, flags %s NOT NULL, c3f %s NOT NULL,"
        " c3g %s NOT NULL, c4 %s NOT NULL, c5 %s NOT NULL);"
        "CREATE TABLE IF NOT EXISTS ind_pledges (patent_id %s NOT NULL, event_id %s NOT NULL, day %s NOT NULL,"
        " amount_fen %s NOT NULL, cum_fen %s NOT NULL, pledgee TEXT, holder TEXT, region TEXT, park TEXT, grp %s);"
        "CREATE TABLE IF NOT EXISTS ind_items (kind TEXT NOT NULL, ref_id %s NOT NULL, region TEXT NOT NULL,"
        " park TEXT, day %s NOT NULL, amount_fen %s NOT NULL DEFAULT 0);"
        "CREATE TABLE IF NOT EXISTS ind_cum (region TEXT NOT NULL, day %s NOT NULL",
        I, I, I, R, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I, I);
    for (int m = 0; m < M_N; m++) buf_printf(&b, ", m%d %s NOT NULL DEFAULT 0", m, I);
    buf_puts(&b, ");");
    buf_puts(
        &b,
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_ind_cum ON ind_cum(region, day);" IND_TABLE_INDEXES
        /* the legal events that matter to the index (about a tenth: not the
         * annual fees): a partial covering index, so the index step reads
         * them without scanning every event */
        "CREATE INDEX IF NOT EXISTS ix_ind_events ON patent_events(patent, date, kind, amount, party, party_address,"
        " party_region) WHERE " IND_EVENTS_WHERE ";");
    int rc = store_exec(db, b.s, e);
    buf_free(&b);
    /* every write to what the index is built from makes it stale */
    static const char *const tables[] = {"patents", "patent_events", "trademarks", "regions"};
    for (size_t t = 0; !rc && t < 4; t++) {
        char *name = xasprintf("ind_chg_%s", tables[t]);
        rc = store_on_change(db, name, tables[t], "UPDATE ind_state SET changes = changes + 1 WHERE id = 1", e);
        free(name);
    }
    return rc;
}

int ind_index_fresh(store *db, int *fresh, char built_at[40], err *e)
{
    *fresh = 0;
    if (built_at) built_at[0] = '\0';
    store_stmt *st = store_prepare(db, "SELECT changes, built_changes, built_at FROM ind_state WHERE id = 1", e);
    if (!st) return -1;
    int rc = store_step(st, e);
    if (rc == 1) {
        *fresh = !store_col_isnull(st, 1) && store_col_int(st, 0) == store_col_int(st, 1);
        if (built_at && store_col_text(st, 2)) snprintf(built_at, 40, "%s", store_col_text(st, 2));
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

int ind_index_state(store *db, json_t **out, err *e)
{
    *out = NULL;
    store_stmt *st = store_prepare(
        db, "SELECT changes, built_changes, built_at, seconds, spans, cum_rows FROM ind_state WHERE id = 1", e);
    if (!st) return -1;
    int rc = store_step(st, e);
    json_t *o = json_object();
    if (rc == 1) {
        int built = !store_col_isnull(st, 1);
        int64_t ch = store_col_int(st, 0), bc = store_col_int(st, 1);
        json_object_set_new(o, "built", json_boolean(built));
        json_object_set_new(o, "stale", json_boolean(!built || ch != bc));
        if (built) {
            json_object_set_new(o, "built_at", json_string(store_col_text(st, 2)));
            json_object_set_new(o, "changes_since", json_integer(ch - bc));
            json_object_set_new(o, "seconds", json_real(store_col_double(st, 3)));
            json_object_set_new(o, "spans", json_integer(store_col_int(st, 4)));
            json_object_set_new(o, "cum_rows", json_integer(store_col_int(st, 5)));
        }
    }
    store_done(st);
    if (rc < 0) {
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}

/* ---- building blocks ---- */

/* Strings interned to small integers (index 0 = ""). */
typedef struct intern {
    char **s;
    int32_t n, cap;
    int32_t *slots;
    size_t nslots;
} intern;

static uint64_t hstr(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int32_t intern_get(intern *t, const char *s)
{
    if (!s) s = "";
    if (t->nslots == 0 || (size_t)t->n * 2 >= t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 1024;
        int32_t *sl = xmalloc(ns * sizeof *sl);
        for (size_t i = 0; i < ns; i++) sl[i] = -1;
        for (int32_t i = 0; i < t->n; i++) {
            size_t k = (size_t)hstr(t->s[i]) & (ns - 1);
            while (sl[k] >= 0) k = (k + 1) & (ns - 1);
            sl[k] = i;
        }
        free(t->slots);
        t->slots = sl;
        t->nslots = ns;
    }
    size_t k = (size_t)hstr(s) & (t->nslots - 1);
    while (t->slots[k] >= 0) {
        if (!strcmp(t->s[t->slots[k]], s)) return t->slots[k];
        k = (k + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->s = xrealloc(t->s, (size_t)t->cap * sizeof *t->s);
    }
    t->s[t->n] = xstrdup(s);
    t->slots[k] = t->n;
    return t->n++;
}

static void intern_free(intern *t)
{
    for (int32_t i = 0; i < t->n; i++) free(t->s[i]);
    free(t->s);
    free(t->slots);
}

/* The cumulative measures per (region, day): an open-addressing map. */
typedef struct cell {
    int32_t region; /* -1 = empty */
    int32_t day;
    int64_t m[M_N];
} cell;

typedef struct cummap {
    cell *c;
    size_t cap, n;
} cummap;

static uint64_t hkey(int32_t r, int32_t d)
{
    uint64_t k = ((uint64_t)(uint32_t)r << 32) | (uint32_t)d;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static cell *cum_cell(cummap *m, int32_t r, int32_t d)
{
    if (m->cap == 0 || m->n * 2 >= m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 4096;
        cell *c = xmalloc(nc * sizeof *c);
        for (size_t i = 0; i < nc; i++) c[i].region = -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->c[i].region >= 0) {
                size_t k = (size_t)hkey(m->c[i].region, m->c[i].day) & (nc - 1);
                while (c[k].region >= 0) k = (k + 1) & (nc - 1);
                c[k] = m->c[i];
            }
        free(m->c);
        m->c = c;
        m->cap = nc;
    }
    size_t k = (size_t)hkey(r, d) & (m->cap - 1);
    while (m->c[k].region >= 0) {
        if (m->c[k].region == r && m->c[k].day == d) return &m->c[k];
        k = (k + 1) & (m->cap - 1);
    }
    cell *c = &m->c[k];
    memset(c, 0, sizeof *c);
    c->region = r;
    c->day = d;
    m->n++;
    return c;
}

/* ---- the build ---- */

typedef struct place_c {  /* a place, interned */
    int32_t region, park; /* intern ids (0 = none) */
    int8_t domestic, valid;
} place_c;

typedef struct evrec {
    int64_t patent, id;
    int32_t day;
    int8_t kind;
    int64_t fen;
    int32_t aux; /* transfer/pledge: index into strs, else -1 */
} evrec;

typedef struct evstr {
    char *party, *addr, *region;
    place_c place;  /* transferee (transfers) */
    int32_t holder; /* holder name id (pledges, filled later) */
} evstr;

typedef struct pat {
    int32_t filing, grant, term_end, c5;
    int32_t ev_first, ev_n;
    int8_t kind, office_cn, flags;
} pat;

typedef struct party_c {
    place_c place;
    int8_t present;
    int32_t name; /* intern id in names (pledged/PCT patents only), else 0 */
} party_c;

typedef struct span {
    int64_t patent;
    int32_t region, park, from, to, c3f, c3g, c4, c5;
    int8_t bases, flags;
} span;

typedef struct pledge {
    int64_t patent, event;
    int32_t day;
    int64_t fen, cum;
    int32_t pledgee, holder; /* names intern ids */
    place_c place;
    int counted;
    int64_t grp;
} pledge;

typedef struct pctrec {
    char *num;
    int64_t patent;
    int32_t day;
} pctrec;

typedef struct item {
    const char *kind;
    int64_t ref;
    int32_t region, park, day;
    int64_t fen;
} item;

#define VEC(T) \
    struct { \
        T *v; \
        size_t n, cap; \
    }
#define VPUSH(vec, x) \
    do { \
        if ((vec).n == (vec).cap) { \
            (vec).cap = (vec).cap ? (vec).cap * 2 : 1024; \
            (vec).v = xrealloc((vec).v, (vec).cap * sizeof *(vec).v); \
        } \
        (vec).v[(vec).n++] = (x); \
    } while (0)

typedef struct build {
    store *db;
    intern places; /* region and park codes */
    intern names;  /* holder and pledgee names */
    int32_t nation;
    pat *pats;
    party_c *app, *patee;
    int64_t maxid;
    VEC(evrec) evs;
    VEC(evstr) strs;
    VEC(span) spans;
    VEC(pledge) pledges;
    VEC(pctrec) pcts;
    VEC(item) items;
    cummap cum;
    int64_t ntm;
    ind_ev *fe; /* scratch: one patent's events */
    size_t fe_cap;
    int32_t (*chains)[4]; /* per place id: the regions a code counts in (-1 = none) */
    size_t nchains;
    char *park_districts;
    /* deltas are added per leaf (a region and park pair), then spread to
     * the leaf's regions once per (leaf, day) */
    cummap leafcum;
    int32_t *leaf_region, *leaf_park;
    size_t nleaves, leaves_cap;
    int64_t *leaf_slots; /* open addressing: key + 1, or 0 */
    int32_t *leaf_ids;
    size_t leaf_nslots;
} build;

static int cmp_ev(const void *a, const void *b)
{
    const evrec *x = a, *y = b;
    if (x->patent != y->patent) return x->patent < y->patent ? -1 : 1;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int32_t day32(long d)
{
    return d < IND_ALWAYS ? (int32_t)IND_ALWAYS : d > IND_NEVER ? (int32_t)IND_NEVER : (int32_t)d;
}

static place_c intern_place(build *b, const ind_place *p)
{
    place_c c = {0, 0, (int8_t)p->domestic, 1};
    c.region = intern_get(&b->places, p->region);
    c.park = intern_get(&b->places, p->park);
    return c;
}

/* The regions a region code counts in (itself, its city, its province;
 * ind_chain), as place ids, computed once per code. */
static const int32_t *chain_of(build *b, int32_t region)
{
    if ((size_t)region >= b->nchains) {
        size_t n = (size_t)b->places.n + 64;
        b->chains = xrealloc(b->chains, n * sizeof *b->chains);
        for (size_t i = b->nchains; i < n; i++) b->chains[i][0] = -2; /* not computed */
        b->nchains = n;
    }
    if (b->chains[region][0] == -2) {
        char chain[4][13];
        int k = ind_chain(b->places.s[region], NULL, chain);
        int32_t ids[4] = {-1, -1, -1, -1};
        for (int i = 0; i < k && i < 4; i++) ids[i] = intern_get(&b->places, chain[i]);
        /* intern_get may have grown the table: re-check the chains array */
        if ((size_t)b->places.n > b->nchains) {
            size_t n = (size_t)b->places.n + 64;
            b->chains = xrealloc(b->chains, n * sizeof *b->chains);
            for (size_t i = b->nchains; i < n; i++) b->chains[i][0] = -2;
            b->nchains = n;
        }
        memcpy(b->chains[region], ids, sizeof ids);
    }
    return b->chains[region];
}

static int32_t leaf_id(build *b, int32_t region, int32_t park)
{
    int64_t key = ((int64_t)region << 32) | (uint32_t)park;
    if (b->leaf_nslots == 0 || b->nleaves * 2 >= b->leaf_nslots) {
        size_t ns = b->leaf_nslots ? b->leaf_nslots * 2 : 256;
        int64_t *sl = xcalloc(ns, sizeof *sl);
        int32_t *id = xmalloc(ns * sizeof *id);
        for (size_t i = 0; i < b->leaf_nslots; i++)
            if (b->leaf_slots[i]) {
                size_t k =
                    (size_t)hkey((int32_t)((b->leaf_slots[i] - 1) >> 32), (int32_t)(b->leaf_slots[i] - 1)) & (ns - 1);
                while (sl[k]) k = (k + 1) & (ns - 1);
                sl[k] = b->leaf_slots[i];
                id[k] = b->leaf_ids[i];
            }
        free(b->leaf_slots);
        free(b->leaf_ids);
        b->leaf_slots = sl;
        b->leaf_ids = id;
        b->leaf_nslots = ns;
    }
    size_t k = (size_t)hkey(region, park) & (b->leaf_nslots - 1);
    while (b->leaf_slots[k]) {
        if (b->leaf_slots[k] == key + 1) return b->leaf_ids[k];
        k = (k + 1) & (b->leaf_nslots - 1);
    }
    if (b->nleaves == b->leaves_cap) {
        b->leaves_cap = b->leaves_cap ? b->leaves_cap * 2 : 256;
        b->leaf_region = xrealloc(b->leaf_region, b->leaves_cap * sizeof *b->leaf_region);
        b->leaf_park = xrealloc(b->leaf_park, b->leaves_cap * sizeof *b->leaf_park);
    }
    b->leaf_region[b->nleaves] = region;
    b->leaf_park[b->nleaves] = park;
    b->leaf_slots[k] = key + 1;
    b->leaf_ids[k] = (int32_t)b->nleaves;
    return (int32_t)b->nleaves++;
}

/* Adds v to measure m of the place from day d (spread to every region
 * the place counts in by spread_leaves()). */
static void delta(build *b, place_c p, long d, int m, int64_t v)
{
    if (d >= IND_NEVER || v == 0) return;
    cum_cell(&b->leafcum, leaf_id(b, p.region, p.park), day32(d))->m[m] += v;
}

/* Every (leaf, day) to the nation, the park, the code, its city and its
 * province. */
static void spread_leaves(build *b)
{
    for (size_t i = 0; i < b->leafcum.cap; i++) {
        cell *c = &b->leafcum.c[i];
        if (c->region < 0) continue;
        int32_t regs[6], n = 0;
        int32_t region = b->leaf_region[c->region], park = b->leaf_park[c->region];
        regs[n++] = b->nation;
        if (park) regs[n++] = park;
        if (region) {
            const int32_t *ch = chain_of(b, region);
            for (int k = 0; k < 4 && ch[k] >= 0; k++) regs[n++] = ch[k];
        }
        for (int r = 0; r < n; r++) {
            cell *t = cum_cell(&b->cum, regs[r], c->day);
            for (int m = 0; m < M_N; m++) t->m[m] += c->m[m];
        }
    }
}

static void range(build *b, place_c p, long from, long to, int m)
{
    if (from >= to) return;
    delta(b, p, from, m, 1);
    delta(b, p, to, m, -1);
}

static int load_events(build *b, err *e)
{
    store_stmt *st =
        store_prepare(b->db,
                      "SELECT patent, id, date, kind, amount, party, party_address, party_region FROM patent_events"
                      " WHERE " IND_EVENTS_WHERE,
                      e);
    if (!st) return -1;
    store_stream(st);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        evrec r = {0};
        long d;
        if (!ind_day(store_col_text(st, 2), &d)) continue;
        r.patent = store_col_int(st, 0);
        r.id = store_col_int(st, 1);
        r.day = day32(d);
        r.kind = (int8_t)ind_event_kind(store_col_text(st, 3));
        r.aux = -1;
        if (r.kind == EV_TRANSFER || r.kind == EV_PLEDGE) {
            if (r.kind == EV_PLEDGE) r.fen = store_col_isnull(st, 4) ? 0 : llround(store_col_double(st, 4) * 100.0);
            evstr s = {
                xstrdup(store_col_text(st, 5)), xstrdup(store_col_text(st, 6)), xstrdup(store_col_text(st, 7)), {0}, 0};
            r.aux = (int32_t)b->strs.n;
            VPUSH(b->strs, s);
        }
        VPUSH(b->evs, r);
    }
    store_done(st);
    if (rc < 0) return -1;
    if (b->evs.n > 1) qsort(b->evs.v, b->evs.n, sizeof *b->evs.v, cmp_ev);
    return 0;
}

static int load_patents(build *b, err *e)
{
    if (store_query_int(b->db, "SELECT MAX(id) FROM patents", &b->maxid, e, 0)) return -1;
    b->pats = xcalloc((size_t)b->maxid + 1, sizeof *b->pats);
    b->app = xcalloc((size_t)b->maxid + 1, sizeof *b->app);
    b->patee = xcalloc((size_t)b->maxid + 1, sizeof *b->patee);
    for (size_t i = 0; i < b->evs.n; i++) {
        evrec *r = &b->evs.v[i];
        if (r->patent < 1 || r->patent > b->maxid) continue;
        pat *p = &b->pats[r->patent];
        if (!p->ev_n) p->ev_first = (int32_t)i;
        p->ev_n++;
        if (r->kind == EV_PLEDGE) p->flags |= SF_PLEDGED;
    }
    store_stmt *st =
        store_prepare(b->db,
                      /* a plain table scan (deleted rows skipped below): with
                                    * "WHERE deleted_at IS NULL" the planner walks a partial
                                    * index and looks every row up, twice as slow */
                      "SELECT id, kind, country, filing_date, grant_date, term_end, family, awards, pct_app_no,"
                      " deleted_at FROM patents",
                      e);
    if (!st) return -1;
    store_stream(st);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        int64_t id = store_col_int(st, 0);
        if (id < 1 || id > b->maxid || !store_col_isnull(st, 9)) continue;
        pat *p = &b->pats[id];
        const char *k = store_col_text(st, 1), *cc = store_col_text(st, 2);
        p->kind = (int8_t)(!k                        ? 0
                           : !strcmp(k, "invention") ? 1
                           : !strcmp(k, "utility")   ? 2
                           : !strcmp(k, "design")    ? 3
                                                     : 0);
        if (!p->kind) p->kind = 4;
        p->office_cn = (int8_t)(!cc || !*cc || !strcmp(cc, "CN"));
        long d;
        p->filing = ind_day(store_col_text(st, 3), &d) ? day32(d) : -1;
        p->grant = ind_day(store_col_text(st, 4), &d) ? day32(d) : -1;
        p->term_end = ind_day(store_col_text(st, 5), &d) ? day32(d) : (int32_t)IND_NEVER;
        p->c5 = (int32_t)IND_NEVER;
        if (p->kind == 1) {
            if (ind_family_overseas(store_col_text(st, 6))) p->flags |= SF_C2;
            p->c5 = day32(ind_award_day(store_col_text(st, 7)));
        }
        const char *pct = store_col_text(st, 8);
        if (pct && *pct) {
            char num[64];
            if (ind_pct_norm(pct, num)) {
                pctrec r = {xstrdup(num), id, p->filing};
                VPUSH(b->pcts, r);
            }
        }
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int load_ipc(build *b, err *e)
{
    store_stmt *st = store_prepare(b->db, "SELECT patent_id, code FROM patent_ipc", e);
    if (!st) return -1;
    store_stream(st);
    int rc;
    /* the same code recurs: remember the answers */
    intern seen = {0};
    VEC(int8_t) ans = {0};
    while ((rc = store_step(st, e)) == 1) {
        int64_t id = store_col_int(st, 0);
        if (id < 1 || id > b->maxid) continue;
        pat *p = &b->pats[id];
        if (p->kind != 1 || (p->flags & SF_C1)) continue;
        const char *code = store_col_text(st, 1);
        size_t k = (size_t)intern_get(&seen, code);
        int8_t hit;
        if (k < ans.n && ans.v) hit = ans.v[k];
        else {
            hit = (int8_t)sei_match(code, NULL);
            VPUSH(ans, hit);
        }
        if (hit) p->flags |= SF_C1;
    }
    store_done(st);
    intern_free(&seen);
    free(ans.v);
    return rc < 0 ? -1 : 0;
}

static int load_parties(build *b, err *e)
{
    store_stmt *st =
        store_prepare(b->db,
                      "SELECT patent_id, role, country, region_code, park_code,"
                      " CASE WHEN country IS NULL OR country = '' THEN address END, name FROM patent_parties"
                      " WHERE seq = 1",
                      e);
    if (!st) return -1;
    store_stream(st);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        int64_t id = store_col_int(st, 0);
        if (id < 1 || id > b->maxid || !b->pats[id].kind) continue;
        const char *role = store_col_text(st, 1);
        party_c *pc = role && !strcmp(role, "patentee") ? &b->patee[id] : &b->app[id];
        ind_party pty = {1,
                         store_col_text(st, 2),
                         store_col_text(st, 3),
                         store_col_text(st, 4),
                         store_col_text(st, 5),
                         store_col_text(st, 6)};
        /* ind_place_party(), without copying the strings */
        pc->present = 1;
        pc->place = (place_c){intern_get(&b->places, pty.region), intern_get(&b->places, pty.park),
                              (int8_t)!ind_party_foreign(&pty), 1};
        if (b->pats[id].flags & SF_PLEDGED) pc->name = intern_get(&b->names, pty.name);
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* The place and holder name of party pc (not present: not domestic). */
static place_c party_place(const party_c *pc)
{
    place_c c = pc->place;
    if (!pc->present) c.domestic = 0;
    return c;
}

static const party_c *base_party(build *b, int basis, int64_t id, long grant)
{
    ind_party a = {b->app[id].present}, t = {b->patee[id].present};
    const ind_party *w = ind_base_party(basis, grant, &a, &t);
    return w == &a ? &b->app[id] : w == &t ? &b->patee[id] : NULL;
}

static int place_eq(place_c x, place_c y)
{
    return x.region == y.region && x.park == y.park && x.domestic == y.domestic;
}

static void emit_span(build *b, int64_t id, const pat *p, place_c pl, int mask, long from, long to, int32_t c3f,
                      int32_t c3g, int32_t c4)
{
    if (!pl.domestic || from >= to) return;
    span s = {id, pl.region, pl.park, day32(from), day32(to), c3f, c3g, c4, p->c5, (int8_t)mask, p->flags};
    VPUSH(b->spans, s);
    if (!(mask & 1)) return; /* the cumulative table is for cnipa-2021 */
    range(b, pl, from, to, M_VALID);
    long hv = IND_NEVER;
    if (p->flags & SF_C1) {
        range(b, pl, from, to, M_C1);
        hv = IND_ALWAYS;
    }
    if (p->flags & SF_C2) {
        range(b, pl, from, to, M_C2);
        hv = IND_ALWAYS;
    }
    long c[3] = {c3f, c4, p->c5};
    int ms[3] = {M_C3, M_C4, M_C5};
    for (int i = 0; i < 3; i++) {
        range(b, pl, from > c[i] ? from : c[i], to, ms[i]);
        if (c[i] < hv) hv = c[i];
    }
    range(b, pl, from > hv ? from : hv, to, M_HV);
}

/* Everything one patent contributes. */
static void one_patent(build *b, int64_t id)
{
    pat *p = &b->pats[id];
    evrec *ev = p->ev_n ? &b->evs.v[p->ev_first] : NULL;
    long grant = p->grant;
    for (int i = 0; i < p->ev_n; i++)
        if (ev[i].kind == EV_GRANT && (grant < 0 || ev[i].day < grant)) grant = ev[i].day;
    /* transfers: the transferee's place from the transfer day on */
    int ntr = 0;
    for (int i = 0; i < p->ev_n; i++)
        if (ev[i].kind == EV_TRANSFER) {
            evstr *s = &b->strs.v[ev[i].aux];
            ind_place tp;
            ind_place_transferee(b->db, b->park_districts, s->region, s->addr, s->party, &tp);
            s->place = intern_place(b, &tp);
            s->holder = intern_get(&b->names, tp.name);
            ntr++;
        }
    /* criterion 4 (default threshold) and the pledge rows */
    int32_t c4 = (int32_t)IND_NEVER;
    int64_t cum = 0;
    const party_c *bp = base_party(b, IND_B_CNIPA, id, grant);
    for (int i = 0; i < p->ev_n; i++) {
        if (ev[i].kind != EV_PLEDGE || !p->office_cn) continue;
        cum += ev[i].fen;
        if (c4 == IND_NEVER && cum >= IND_DEFAULT_THRESHOLD_FEN) c4 = ev[i].day;
        /* the holder on the pledge day: the latest transferee, else the base party */
        place_c pl = bp ? party_place(bp) : (place_c){0, 0, 0, 0};
        int32_t holder = bp ? bp->name : 0;
        for (int k = 0; k < p->ev_n && ev[k].day <= ev[i].day; k++)
            if (ev[k].kind == EV_TRANSFER) {
                pl = b->strs.v[ev[k].aux].place;
                holder = b->strs.v[ev[k].aux].holder;
            }
        evstr *s = &b->strs.v[ev[i].aux];
        pledge pr = {id,     ev[i].id, ev[i].day,   ev[i].fen, cum, intern_get(&b->names, s->party),
                     holder, pl,       pl.domestic, 0};
        VPUSH(b->pledges, pr);
    }
    if (p->kind != 1 || !p->office_cn || grant < 0) return;
    /* valid invention spans */
    if ((size_t)p->ev_n > b->fe_cap) {
        b->fe_cap = (size_t)p->ev_n * 2;
        b->fe = xrealloc(b->fe, b->fe_cap * sizeof *b->fe);
    }
    ind_ev *fe = b->fe;
    for (int i = 0; i < p->ev_n; i++) fe[i] = (ind_ev){ev[i].day, ev[i].id, ev[i].kind};
    long iv[64][2];
    int niv = ind_in_force_intervals(grant, p->term_end, fe, (size_t)p->ev_n, iv, 64);
    if (!niv) return;
    int32_t c3f = p->filing >= 0 ? day32(ind_add_years(p->filing, 10) + 1) : (int32_t)IND_NEVER;
    int32_t c3g = day32(ind_add_years(grant, 10) + 1);
    place_c base[IND_NBASES];
    for (int k = 0; k < IND_NBASES; k++) {
        const party_c *pc = base_party(b, k, id, grant);
        base[k] = pc ? party_place(pc) : (place_c){0, 0, 0, 0};
    }
    for (int v = 0; v < niv; v++) {
        /* segment 0: the base place, until the first transfer */
        long seg_end = IND_NEVER;
        for (int i = 0; i < p->ev_n; i++)
            if (ev[i].kind == EV_TRANSFER) {
                seg_end = ev[i].day;
                break;
            }
        long a = iv[v][0], z = iv[v][1] < seg_end ? iv[v][1] : seg_end;
        if (a < z) {
            int done = 0;
            for (int k = 0; k < IND_NBASES; k++) {
                if (done & (1 << k)) continue;
                int mask = 0;
                for (int j = k; j < IND_NBASES; j++)
                    if (place_eq(base[j], base[k])) mask |= 1 << j;
                done |= mask;
                emit_span(b, id, p, base[k], mask, a, z, c3f, c3g, c4);
            }
        }
        /* each transfer's segment (same day: the later event wins) */
        for (int i = 0; i < p->ev_n; i++) {
            if (ev[i].kind != EV_TRANSFER) continue;
            long s = ev[i].day, t = IND_NEVER;
            for (int j = i + 1; j < p->ev_n; j++)
                if (ev[j].kind == EV_TRANSFER) {
                    t = ev[j].day;
                    break;
                }
            long x = iv[v][0] > s ? iv[v][0] : s, y = iv[v][1] < t ? iv[v][1] : t;
            if (x < y) emit_span(b, id, p, b->strs.v[ev[i].aux].place, IND_B_ALL, x, y, c3f, c3g, c4);
        }
    }
}

static int cmp_pledge(const void *a, const void *b)
{
    const pledge *x = a, *y = b;
    if (x->counted != y->counted) return y->counted - x->counted;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    if (x->pledgee != y->pledgee) return x->pledgee < y->pledgee ? -1 : 1;
    if (x->holder != y->holder) return x->holder < y->holder ? -1 : 1;
    if (x->patent != y->patent) return x->patent < y->patent ? -1 : 1;
    return (x->event > y->event) - (x->event < y->event);
}

/* Mixed pledges: the pledges of one day to one pledgee by one holder are
 * one item, whose amount is the largest amount recorded on its events
 * (the registry stores the contract amount on each pledged patent); the
 * item counts where its first patent (lowest id) counts. */
static void group_pledges(build *b)
{
    if (b->pledges.n > 1) qsort(b->pledges.v, b->pledges.n, sizeof *b->pledges.v, cmp_pledge);
    int64_t grp = 0;
    for (size_t i = 0; i < b->pledges.n;) {
        pledge *f = &b->pledges.v[i];
        if (!f->counted) break; /* the counted ones sort first */
        size_t j = i;
        int64_t amount = 0;
        grp++;
        for (; j < b->pledges.n && b->pledges.v[j].counted && b->pledges.v[j].day == f->day &&
               b->pledges.v[j].pledgee == f->pledgee && b->pledges.v[j].holder == f->holder;
             j++) {
            b->pledges.v[j].grp = grp;
            if (b->pledges.v[j].fen > amount) amount = b->pledges.v[j].fen;
        }
        item it = {"pledge", grp, f->place.region, f->place.park, f->day, amount};
        VPUSH(b->items, it);
        delta(b, f->place, f->day, M_PLEDGE_N, 1);
        delta(b, f->place, f->day, M_PLEDGE_FEN, amount);
        i = j;
    }
}

static int cmp_pct(const void *a, const void *b)
{
    const pctrec *x = a, *y = b;
    int c = strcmp(x->num, y->num);
    if (c) return c;
    if ((x->day < 0) != (y->day < 0)) return x->day < 0 ? 1 : -1; /* a known filing day first */
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return (x->patent > y->patent) - (x->patent < y->patent);
}

/* PCT applications with CNIPA as receiving office: one per PCT number
 * (the record with the earliest filing date), placed by its first
 * applicant (else first patentee), on its filing day. */
static void pct_items(build *b)
{
    if (b->pcts.n > 1) qsort(b->pcts.v, b->pcts.n, sizeof *b->pcts.v, cmp_pct);
    for (size_t i = 0; i < b->pcts.n; i++) {
        pctrec *r = &b->pcts.v[i];
        if (i && !strcmp(r->num, b->pcts.v[i - 1].num)) continue;
        if (r->day < 0) continue;
        const party_c *pc = base_party(b, IND_B_APPLICANT, r->patent, -1);
        place_c pl = pc ? party_place(pc) : (place_c){0, 0, 0, 0};
        if (!pl.domestic) continue;
        item it = {"pct", r->patent, pl.region, pl.park, r->day, 0};
        VPUSH(b->items, it);
        delta(b, pl, r->day, M_PCT, 1);
    }
}

/* Trademarks (see the SQL of the same rules in indicators.c). */
static int trademarks(build *b, err *e)
{
    store_stmt *st =
        store_prepare(b->db,
                      "SELECT region_code, reg_date, expiry_date, status, filing_date, madrid FROM trademarks"
                      " WHERE deleted_at IS NULL AND region_code IS NOT NULL AND region_code <> ''",
                      e);
    if (!st) return -1;
    store_stream(st);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        const char *region = store_col_text(st, 0), *status = store_col_text(st, 3), *madrid = store_col_text(st, 5);
        if (ind_region_hkmotw(region) || !status) continue;
        b->ntm++;
        place_c pl = {intern_get(&b->places, region), 0, 1, 1};
        long reg, exp, fil;
        int has_reg = ind_day(store_col_text(st, 1), &reg), has_exp = ind_day(store_col_text(st, 2), &exp);
        int has_fil = ind_day(store_col_text(st, 4), &fil);
        if (has_reg && strcmp(status, "applied") && strcmp(status, "refused")) delta(b, pl, reg, M_TM_REG, 1);
        if (has_reg && (!strcmp(status, "registered") || !strcmp(status, "renewed") || !strcmp(status, "expired"))) {
            long end = has_exp ? exp + 1 : strcmp(status, "expired") ? IND_NEVER : reg;
            range(b, pl, reg, end, M_TM_FORCE);
        }
        if (madrid && *madrid && strcmp(madrid, "[]") && strcmp(madrid, "null") && (has_fil || has_reg))
            delta(b, pl, has_fil ? fil : reg, M_MADRID, 1);
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* ---- writing ---- */

typedef struct bval {
    int kind; /* 0 int, 1 text, 2 null */
    int64_t i;
    const char *s;
} bval;

#define BATCH 64

typedef struct batch {
    store *db;
    const char *head; /* "INSERT INTO t (a, b, c) VALUES " */
    int ncols, n;
    bval vals[BATCH * 16];
    char *full;
    int64_t rows;
} batch;

static char *batch_sql(const batch *bt, int nrows)
{
    buf s = BUF_INIT;
    buf_puts(&s, bt->head);
    for (int r = 0; r < nrows; r++) {
        buf_puts(&s, r ? ", (" : "(");
        for (int c = 0; c < bt->ncols; c++) buf_puts(&s, c ? ", ?" : "?");
        buf_putc(&s, ')');
    }
    return buf_detach(&s);
}

static int batch_flush(batch *bt, err *e)
{
    if (!bt->n) return 0;
    char *one = NULL;
    const char *sql;
    if (bt->n == BATCH) {
        if (!bt->full) bt->full = batch_sql(bt, BATCH);
        sql = bt->full;
    } else
        sql = one = batch_sql(bt, bt->n);
    store_stmt *st = store_prepare(bt->db, sql, e);
    if (!st) {
        free(one);
        return -1;
    }
    for (int k = 0; k < bt->n * bt->ncols; k++) {
        bval *v = &bt->vals[k];
        if (v->kind == 0) store_bind_int(st, k + 1, v->i);
        else if (v->kind == 1)
            store_bind_text(st, k + 1, v->s);
        else
            store_bind_null(st, k + 1);
    }
    int rc = store_step(st, e);
    store_done(st);
    free(one);
    bt->rows += bt->n;
    bt->n = 0;
    return rc < 0 ? -1 : 0;
}

static int batch_end(batch *bt, err *e)
{
    int rc = batch_flush(bt, e);
    free(bt->full);
    bt->full = NULL;
    return rc;
}

static bval VI(int64_t i) { return (bval){0, i, NULL}; }
static bval VT(const char *s) { return s && *s ? (bval){1, 0, s} : (bval){2, 0, NULL}; }
static bval VS(const char *s) { return (bval){1, 0, s ? s : ""}; } /* never NULL */

static int batch_row(batch *bt, const bval *row, err *e)
{
    memcpy(&bt->vals[bt->n * bt->ncols], row, (size_t)bt->ncols * sizeof *row);
    if (++bt->n == BATCH) return batch_flush(bt, e);
    return 0;
}

static const char *const index_names[] = {"ix_ind_spans_region",
                                          "ix_ind_spans_park",
                                          "ix_ind_spans_patent",
                                          "ix_ind_pledges_patent",
                                          "ix_ind_pledges_grp",
                                          "ix_ind_items",
                                          NULL};

typedef struct cumrow {
    const char *region;
    int32_t day;
    const int64_t *m;
} cumrow;

static int cmp_cumrow(const void *a, const void *b)
{
    const cumrow *x = a, *y = b;
    int c = strcmp(x->region, y->region);
    if (c) return c;
    return (x->day > y->day) - (x->day < y->day);
}

static int write_all(build *b, int64_t changes, ind_index_stats *stt, double t0, err *e)
{
    buf ddl = BUF_INIT;
    buf_puts(&ddl, "DELETE FROM ind_spans; DELETE FROM ind_pledges; DELETE FROM ind_items; DELETE FROM ind_cum;");
    for (int i = 0; index_names[i]; i++) buf_printf(&ddl, "DROP INDEX IF EXISTS %s;", index_names[i]);
    int rc = store_exec(b->db, ddl.s, e);
    buf_free(&ddl);
    if (rc) return -1;
    batch sp = {
        b->db,
        "INSERT INTO ind_spans (patent_id, bases, region, park, from_day, to_day, flags, c3f, c3g, c4, c5) VALUES ",
        11};
    for (size_t i = 0; i < b->spans.n; i++) {
        span *s = &b->spans.v[i];
        bval row[11] = {VI(s->patent),
                        VI(s->bases),
                        VS(b->places.s[s->region]),
                        VT(b->places.s[s->park]),
                        VI(s->from),
                        VI(s->to),
                        VI(s->flags),
                        VI(s->c3f),
                        VI(s->c3g),
                        VI(s->c4),
                        VI(s->c5)};
        if (batch_row(&sp, row, e)) return batch_end(&sp, e), -1;
    }
    if (batch_end(&sp, e)) return -1;
    batch pl = {
        b->db,
        "INSERT INTO ind_pledges (patent_id, event_id, day, amount_fen, cum_fen, pledgee, holder, region, park, grp) VALUES ",
        10};
    for (size_t i = 0; i < b->pledges.n; i++) {
        pledge *p = &b->pledges.v[i];
        bval row[10] = {VI(p->patent),
                        VI(p->event),
                        VI(p->day),
                        VI(p->fen),
                        VI(p->cum),
                        VT(b->names.s[p->pledgee]),
                        VT(b->names.s[p->holder]),
                        VT(p->counted ? b->places.s[p->place.region] : NULL),
                        VT(p->counted ? b->places.s[p->place.park] : NULL),
                        p->grp ? VI(p->grp) : (bval){2, 0, NULL}};
        if (batch_row(&pl, row, e)) return batch_end(&pl, e), -1;
    }
    if (batch_end(&pl, e)) return -1;
    batch it = {b->db, "INSERT INTO ind_items (kind, ref_id, region, park, day, amount_fen) VALUES ", 6};
    for (size_t i = 0; i < b->items.n; i++) {
        item *x = &b->items.v[i];
        bval row[6] = {VS(x->kind), VI(x->ref), VS(b->places.s[x->region]), VT(b->places.s[x->park]),
                       VI(x->day),  VI(x->fen)};
        if (batch_row(&it, row, e)) return batch_end(&it, e), -1;
    }
    if (batch_end(&it, e)) return -1;
    /* cumulative rows */
    cumrow *rows = xmalloc((b->cum.n ? b->cum.n : 1) * sizeof *rows);
    size_t nr = 0;
    for (size_t i = 0; i < b->cum.cap; i++)
        if (b->cum.c[i].region >= 0)
            rows[nr++] = (cumrow){b->places.s[b->cum.c[i].region], b->cum.c[i].day, b->cum.c[i].m};
    if (nr > 1) qsort(rows, nr, sizeof *rows, cmp_cumrow);
    buf head = BUF_INIT;
    buf_puts(&head, "INSERT INTO ind_cum (region, day");
    for (int m = 0; m < M_N; m++) buf_printf(&head, ", m%d", m);
    buf_puts(&head, ") VALUES ");
    batch cu = {b->db, head.s, 2 + M_N};
    int64_t run[M_N];
    for (size_t i = 0; i < nr && !rc; i++) {
        if (!i || strcmp(rows[i].region, rows[i - 1].region)) memset(run, 0, sizeof run);
        bval row[2 + M_N];
        row[0] = VS(rows[i].region);
        row[1] = VI(rows[i].day);
        for (int m = 0; m < M_N; m++) {
            run[m] += rows[i].m[m];
            row[2 + m] = VI(run[m]);
        }
        rc = batch_row(&cu, row, e);
    }
    if (batch_end(&cu, e)) rc = -1;
    free(rows);
    buf_free(&head);
    if (rc) return -1;
    /* the indexes were dropped for the bulk insert */
    if (store_exec(b->db, IND_TABLE_INDEXES, e)) return -1;
    char now[40];
    util_now_iso(now, sizeof now);
    stt->spans = (int64_t)b->spans.n;
    stt->pledges = (int64_t)b->pledges.n;
    stt->items = (int64_t)b->items.n;
    stt->cum_rows = (int64_t)nr;
    stt->seconds = util_now() - t0;
    store_stmt *st =
        store_prepare(b->db,
                      "UPDATE ind_state SET built_changes = ?, built_at = ?, seconds = ?, spans = ?, cum_rows = ?"
                      " WHERE id = 1",
                      e);
    if (!st) return -1;
    store_bind_int(st, 1, changes);
    store_bind_text(st, 2, now);
    store_bind_double(st, 3, stt->seconds);
    store_bind_int(st, 4, stt->spans);
    store_bind_int(st, 5, stt->cum_rows);
    rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static void build_free(build *b)
{
    intern_free(&b->places);
    intern_free(&b->names);
    free(b->pats);
    free(b->app);
    free(b->patee);
    free(b->evs.v);
    for (size_t i = 0; i < b->strs.n; i++) {
        free(b->strs.v[i].party);
        free(b->strs.v[i].addr);
        free(b->strs.v[i].region);
    }
    free(b->strs.v);
    free(b->spans.v);
    free(b->pledges.v);
    for (size_t i = 0; i < b->pcts.n; i++) free(b->pcts.v[i].num);
    free(b->pcts.v);
    free(b->items.v);
    free(b->cum.c);
    free(b->fe);
    free(b->chains);
    free(b->park_districts);
    free(b->leafcum.c);
    free(b->leaf_region);
    free(b->leaf_park);
    free(b->leaf_slots);
    free(b->leaf_ids);
}

static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;

static int build_locked(store *db, ind_index_stats *stt, err *e)
{
    ind_index_stats local;
    if (!stt) stt = &local;
    memset(stt, 0, sizeof *stt);
    if (sei_ready(e)) return -1;
    double t0 = util_now();
    build b = {0};
    b.db = db;
    intern_get(&b.places, "");
    intern_get(&b.names, "");
    b.nation = intern_get(&b.places, "000000");
    int64_t changes = 0;
    int own = !store_in_tx(db);
    /* Reading happens outside a transaction, so that writers are not held
     * up for its length: the change count is read first, so a change made
     * meanwhile leaves the new index marked stale (rebuilt next time).
     * The new index replaces the old one in one write transaction. */
    if (store_query_int(db, "SELECT changes FROM ind_state WHERE id = 1", &changes, e, 0)) goto fail_nt;
    /* whole-table scans: memory-mapped pages save a copy per page */
    if (store_kind_of(db) == STORE_SQLITE) store_exec(db, "PRAGMA mmap_size = 2147418112", e), err_clear(e);
    if (!(b.park_districts = ind_park_districts(db, e))) goto fail_nt;
    double tp = util_now();
#define PHASE(what) \
    do { \
        log_debug("indicator index: %s %.3f s", what, util_now() - tp); \
        tp = util_now(); \
    } while (0)
    if (load_events(&b, e)) goto fail_nt;
    PHASE("events");
    if (load_patents(&b, e)) goto fail_nt;
    PHASE("patents");
    if (load_ipc(&b, e)) goto fail_nt;
    PHASE("ipc");
    if (load_parties(&b, e)) goto fail_nt;
    PHASE("parties");
    for (int64_t id = 1; id <= b.maxid; id++)
        if (b.pats[id].kind) one_patent(&b, id);
    PHASE("spans");
    group_pledges(&b);
    pct_items(&b);
    if (trademarks(&b, e)) goto fail_nt;
    spread_leaves(&b);
    PHASE("pledges, pct, trademarks");
    stt->patents = b.maxid;
    stt->events = (int64_t)b.evs.n;
    stt->trademarks = b.ntm;
    stt->read_seconds = util_now() - t0;
    double t1 = util_now();
    if (own && store_begin(db, e)) goto fail_nt;
    if (write_all(&b, changes, stt, t0, e)) goto fail;
    if (own && store_commit(db, e)) goto fail;
    stt->write_seconds = util_now() - t1;
    stt->seconds = util_now() - t0;
    build_free(&b);
    if (store_kind_of(db) == STORE_SQLITE) store_exec(db, "PRAGMA mmap_size = 0", e), err_clear(e);
    log_info(
        "indicator index built: %lld spans, %lld pledges, %lld items, %lld cumulative rows in %.2f s (read %.2f s)",
        (long long)stt->spans, (long long)stt->pledges, (long long)stt->items, (long long)stt->cum_rows, stt->seconds,
        stt->read_seconds);
    return 0;
fail:
    if (own) store_rollback(db);
fail_nt:
    build_free(&b);
    if (store_kind_of(db) == STORE_SQLITE) {
        err me = ERR_INIT;
        store_exec(db, "PRAGMA mmap_size = 0", &me);
        err_clear(&me);
    }
    return -1;
}

int ind_index_build(store *db, ind_index_stats *stt, err *e)
{
    pthread_mutex_lock(&build_mu);
    int rc = build_locked(db, stt, e);
    pthread_mutex_unlock(&build_mu);
    return rc;
}

int ind_index_refresh(store *db, int *rebuilt, err *e)
{
    if (rebuilt) *rebuilt = 0;
    int fresh;
    if (ind_index_fresh(db, &fresh, NULL, e)) return -1;
    if (fresh) return 0;
    pthread_mutex_lock(&build_mu);
    /* another thread may have rebuilt it while this one waited */
    int rc = ind_index_fresh(db, &fresh, NULL, e);
    if (!rc && !fresh) {
        rc = build_locked(db, NULL, e);
        if (!rc && rebuilt) *rebuilt = 1;
    }
    pthread_mutex_unlock(&build_mu);
    return rc;
}
