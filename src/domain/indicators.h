/*
 * indicators.h - the official IP indicators (统计口径, see
 * shared/design/INDICATORS.md), computed from the registry for any region
 * as of any date, with the records behind every figure.
 *
 * Regions: "000000" (the nation), a province ("310000"), a city
 * ("310100"), a district ("310104") or a park (a region of level park).
 * A figure that needs the population of a region and year that is not in
 * the populations table is not a number: the result says
 * "no population for 310104 in 2024" instead (has_value = 0).
 *
 * Interface agreed between the indicator engine (indicators.c) and the
 * plan module (plan.c): the plan asks ind_value() for the current value of
 * a target's indicator.
 */
#ifndef IPC_INDICATORS_H
#define IPC_INDICATORS_H

#include "../records/rec.h"

/* Named parameters (defaults from INDICATORS.md). */
typedef struct ind_params {
    const char *location_basis;  /* "cnipa-2021" (default), "patentee", "applicant" */
    const char *maintenance_from; /* "filing" (default) or "grant" */
    double pledge_threshold_cny;  /* criterion 4, default 10,000,000 */
} ind_params;

void ind_params_default(ind_params *p);

/* The catalogue of indicators: id, labels, unit, whether computed or
 * reported; NULL-terminated.  Ids: valid_invention, valid_invention_per10k,
 * high_value_invention, high_value_invention_per10k, pct_applications,
 * trademarks_registered, trademarks_in_force, madrid_filings,
 * hague_filings, pledge_amount, pledge_count, plus reported ones
 * (e.g. social_satisfaction, service_export_usd). */
typedef struct ind_def {
    const char *id, *zh, *en, *unit_zh, *unit_en;
    int reported; /* 1: entered by people (with source), not computed */
    int yearly;   /* 1: a flow over the calendar year up to the date */
} ind_def;
const ind_def *ind_defs(void);
const ind_def *ind_find(const char *id);

/* The value of one indicator for a region on a day.  *out (new reference):
 * {"id","region","date","value": number|null,"has_value": bool,
 *  "note_zh","note_en" (why there is no value, when so),
 *  "numerator","denominator" (per-10k ones), "criteria" {c1..c5 counts}
 *  (high-value ones), "reported": {value, date, source, by} (reported
 *  ones)}.  Returns 0, or -1 with e set (404 unknown indicator or region). */
int ind_value(store *db, const char *id, const char *region, long day, const ind_params *p, json_t **out, err *e);

/* ---- additions of the indicator engine (indicators.c, ind_index.c) ----
 * Definitions as implemented, parameters and choices: docs/indicators.md.
 * Every computed figure comes from the precomputed index (ind_index_build)
 * unless IND_DIRECT asks for the direct computation over the registry
 * (pat_in_force_sql), which gives the same answer more slowly: it exists
 * to check the index (tests) and as the benchmark's baseline. */

enum {
    IND_DIRECT = 1 << 0, /* no index: computed from the registry tables */
    IND_NO_REFRESH = 1 << 1, /* do not rebuild a stale index first */
};

/* Parses the named parameters as given in a query (NULL = default) into
 * p; 400 "query.value" naming the parameter when one is invalid. */
int ind_params_parse(const char *location_basis, const char *maintenance_from, const char *pledge_threshold_cny,
                     ind_params *p, err *e);
/* True when p are the defaults (the index answers those directly). */
int ind_params_is_default(const ind_params *p);

/* ind_value() with flags (IND_*). */
int ind_value_ex(store *db, const char *id, const char *region, long day, const ind_params *p, unsigned flags,
                 json_t **out, err *e);
/* Every indicator of the catalogue for a region on a day:
 * {"region","region_name","date","items":[ind_value...],"index":{...}}. */
int ind_values(store *db, const char *region, long day, const ind_params *p, unsigned flags, json_t **out, err *e);

/* The values of one indicator at the ends of each month (step 'm') or
 * year ('y') from `from` to `to` (a last point at `to` when it is not a
 * period end; at most 1200 points):
 * {"id","region","from","to","step","points":[{"date","value","has_value",
 *  "note_zh","note_en","numerator","denominator","population_year"}]}. */
int ind_series(store *db, const char *id, const char *region, long from, long to, char step, const ind_params *p,
               unsigned flags, json_t **out, err *e);

/* Every computed indicator (default parameters) for many regions at once,
 * from the index: for each region (NULL-terminated list; NULL = every
 * region of level district) and each period end, fn receives the values
 * in the order of ind_defs() (reported ones are NaN) and whether each has
 * a value.  Used by the benchmark; returns 0 or -1. */
typedef void (*ind_series_fn)(void *ctx, const char *region, long day, const double *values, const unsigned char *has);
int ind_series_all(store *db, const char *const *regions, long from, long to, char step, ind_series_fn fn, void *ctx,
                   err *e);

/* The records behind a figure (drill-down), paged by patent, trademark or
 * pledge id: {"id","region","date","kind":"patents"|"trademarks"|"pledges",
 * "items":[...],"next_cursor":str|null[,"criteria":{c1..c5 counts}]}.
 * High-value items carry "criteria" {c1..c5: bool} and "met" ["c1",...].
 * limit 1..1000 (0 = 50). */
int ind_records(store *db, const char *id, const char *region, long day, const ind_params *p, const char *cursor,
                int limit, unsigned flags, json_t **out, err *e);
/* The same records, all of them, as CSV (UTF-8 with BOM) or XLSX. */
int ind_records_export(store *db, const char *id, const char *region, long day, const ind_params *p,
                       const char *format, lang l, buf *out, err *e);

/* ---- the index (ind_index.c) ---- */

typedef struct ind_index_stats {
    int64_t patents, events, spans, pledges, items, cum_rows, trademarks;
    double seconds, read_seconds, write_seconds;
} ind_index_stats;

/* Creates the index tables and the change triggers (a migration step). */
int ind_create_tables(store *db, err *e);
/* Rebuilds the index from the registry (one write transaction at the
 * end; reads before it).  st may be NULL. */
int ind_index_build(store *db, ind_index_stats *st, err *e);
/* {"built": bool, "built_at", "stale": bool, "changes_since": n,
 *  "seconds", "spans", "cum_rows"}. */
int ind_index_state(store *db, json_t **out, err *e);
/* Rebuilds the index when the registry changed since it was built (or it
 * was never built).  *rebuilt (may be NULL) tells whether it did. */
int ind_index_refresh(store *db, int *rebuilt, err *e);
/* Registries up to this many patents are re-indexed on demand when a
 * figure is asked for and the index is stale; bigger ones answer from the
 * stale index (marked "stale") until `ipcity index` or the next import. */
#define IND_LIVE_REBUILD_MAX 300000

/* Reported indicator values (指标填报值): indicator, region, date, value,
 * unit, source document, reported_by, note.  Audited like every record;
 * never computed. */
extern rec_type type_indicator_report;

#endif
