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

#endif
