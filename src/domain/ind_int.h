/*
 * ind_int.h - shared pieces of the indicator engine: the rules that both
 * the index build (ind_index.c) and the direct computation
 * (indicators.c) apply, so that the two cannot drift apart.
 * Definitions and choices: docs/indicators.md.
 */
#ifndef IPC_IND_INT_H
#define IPC_IND_INT_H

#include "indicators.h"

#include <stdint.h>

/* Day sentinels (day numbers since 1970-01-01). */
#define IND_ALWAYS (-9999999L)
#define IND_NEVER 99999999L

/* Location bases (parameter location_basis); masks are 1 << basis. */
enum { IND_B_CNIPA = 0, IND_B_PATENTEE = 1, IND_B_APPLICANT = 2, IND_NBASES = 3 };
#define IND_B_ALL 7

/* 2020-12-31: grants announced on or before it are placed by the
 * patentee under cnipa-2021. */
long ind_cnipa_cutover(void);

/* The measures kept per region and day in ind_cum (cumulative sums). */
enum {
    M_VALID, /* stock: valid invention patents */
    M_HV,    /* stock: high-value ones */
    M_C1,
    M_C2,
    M_C3,
    M_C4,
    M_C5,         /* stock: valid ones meeting criterion k */
    M_TM_FORCE,   /* stock: registered trademarks in force */
    M_PCT,        /* flow: PCT applications (CNIPA receiving office) */
    M_TM_REG,     /* flow: trademark registrations */
    M_MADRID,     /* flow: trademarks with Madrid designations */
    M_PLEDGE_N,   /* flow: pledge items (a mixed pledge once) */
    M_PLEDGE_FEN, /* flow: pledge amount in fen (0.01 CNY) */
    M_N
};

/* Span and item flags. */
enum {
    SF_C1 = 1,       /* criterion 1 (SEI concordance) */
    SF_C2 = 2,       /* criterion 2 (granted overseas family member) */
    SF_PLEDGED = 16, /* has pledge events (criterion 4 with another threshold) */
};

/* Thresholds in fen. */
#define IND_DEFAULT_THRESHOLD_FEN 1000000000LL /* 10,000,000 CNY */

long ind_add_years(long day, int years);
/* Fast strict YYYY-MM-DD (NULL or malformed: -1 in *ok = 0). */
int ind_day(const char *s, long *day);

/* A party as the registry stores it in patent_parties (first of its role). */
typedef struct ind_party {
    int present;
    const char *country, *region, *park, *address, *name;
} ind_party;

/* Where a patent counts: region ("" unknown), park ("" none), whether the
 * holder is domestic (not foreign, not Hong Kong, Macao or Taiwan). */
typedef struct ind_place {
    char region[13], park[13];
    int domestic;
    char name[200]; /* holder name (pledgor), may be "" */
} ind_place;

/* 1 when the region code is Hong Kong (81), Macao (82) or Taiwan (71). */
int ind_region_hkmotw(const char *code);
/* Foreign or Hong Kong/Macao/Taiwan: a country code other than CN, a region
 * in HK/MO/TW, or (no country) an address without any non-ASCII text. */
int ind_party_foreign(const ind_party *p);
void ind_place_party(const ind_party *p, ind_place *out);
/* The party that places a patent under basis b, granted on `grant`
 * (cnipa-2021: the patentee for grants up to 2020-12-31, else the
 * applicant; each falls back to the other role when absent). */
const ind_party *ind_base_party(int basis, long grant, const ind_party *app, const ind_party *pat);
/* The transferee of a transfer event: party_region when given, else its
 * address resolved (foreign when it has no non-ASCII text), park from the
 * parks' street lists (region_park_of, needs db).  park_districts: when
 * not NULL, the districts that have parks, ","-separated with a leading
 * and trailing comma (",310104,"); others are not looked up. */
void ind_place_transferee(store *db, const char *park_districts, const char *party_region, const char *party_address,
                          const char *party, ind_place *out);
/* The districts that have parks, in that form (caller frees). */
char *ind_park_districts(store *db, err *e);

/* Legal events that decide validity, as day + kind. */
enum { EV_GRANT = 1, EV_LAPSE, EV_RESTORE, EV_INVALID, EV_SURRENDER, EV_EXPIRY, EV_TRANSFER, EV_PLEDGE };
int ind_event_kind(const char *k); /* 0 for kinds that play no part */
typedef struct ind_ev {
    long day;
    int64_t id;
    int kind;
} ind_ev;
/* The intervals [from, to) in which a patent is in force, by the rule of
 * pat_status_on()/pat_in_force_sql(): granted (grant day), before
 * term_end (IND_NEVER when unknown), and not ended by a lapse,
 * invalidation, surrender or expiry that no later restoration undid (an
 * ending event wins over a restoration on the same day).  ev sorted by
 * day.  Returns the number of intervals written (at most max). */
int ind_in_force_intervals(long grant, long term_end, const ind_ev *ev, size_t n, long (*iv)[2], int max);

/* Criterion 2 from the family JSON text: a member of another office (not
 * CN, not WO) marked granted. */
int ind_family_overseas(const char *family_json);
/* Criterion 5 from the awards JSON text: the first day it holds (1 January
 * of the earliest award year; IND_ALWAYS without a year; IND_NEVER none). */
long ind_award_day(const char *awards_json);
/* Normalises a PCT application number ("PCT/CN2021/123456", any case and
 * spacing) into out; returns 1 when the receiving office is CNIPA (CN),
 * 0 otherwise. */
int ind_pct_norm(const char *in, char out[64]);

/* Regions.  The hierarchy follows the GB/T 2260 code: a district
 * 310104 lies in the city 310100 and the province 310000; a park (a region
 * of level park) is matched on the park column.  ind_region_get()
 * validates a code ("000000" = the nation; else a live row of regions) and
 * describes it (level 0 nation, 1 province, 2 city, 3 district, 4 park;
 * 404 "region.not_found" otherwise). */
typedef struct ind_region {
    char code[13];
    char name_zh[128], name_en[128];
    int level;
} ind_region;
int ind_region_get(store *db, const char *code, ind_region *out, err *e);
/* Appends to b an SQL condition on the columns rcol (region) and pcol
 * (park) that is true for places inside r (range conditions on the code,
 * so an index on rcol serves them).  "1 = 1" for the nation. */
void ind_region_cond(const ind_region *r, const char *rcol, const char *pcol, buf *b);
/* The same condition for queries that page in id order (ORDER BY id
 * LIMIT n): for a province or city it is written so that no index on rcol
 * serves it (substr), letting the query walk the id index instead of
 * sorting the whole range. */
void ind_region_cond_paged(const ind_region *r, const char *rcol, const char *pcol, buf *b);
/* The same test in C. */
int ind_region_in(const ind_region *r, const char *region, const char *park);
/* The regions a place counts in besides the nation: the park (when
 * given), the code, its city and its province (distinct, at most 4);
 * returns their number. */
int ind_chain(const char *region, const char *park, char (*out)[13]);

/* Index state: 1 fresh, 0 stale or never built; built_at may be NULL. */
int ind_index_fresh(store *db, int *fresh, char built_at[40], err *e);

#endif
