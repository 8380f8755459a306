/*
 * registry.h - the IP registry: record types (registry.c), patent hooks,
 * derived tables and legal status (patent.c), document ingest (ingest.c).
 */
#ifndef IPC_REGISTRY_H
#define IPC_REGISTRY_H

#include "../records/rec.h"

extern rec_type type_patent, type_patent_event, type_trademark, type_copyright, type_geo_indication, type_ic_layout,
    type_plant_variety, type_trade_secret;
extern const rec_opt patent_kinds[], event_kinds[];

/* Hooks of the patent type: validate the structured JSON fields (IPC list,
 * parties, family, awards), fill the derived columns (country, ipc_main,
 * first_applicant, holders, region_code) and keep the derived tables
 * (patent_ipc, patent_parties) and the search index in step. */
int patent_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e);
int patent_after_write(rec_ctx *c, json_t *row, const json_t *old, err *e);

/* Validators of the structured (JSON) fields; see rec_field.jcheck. */
int pat_jcheck_parties(json_t *v, json_t **norm, err *e);
int pat_jcheck_strings(json_t *v, json_t **norm, err *e);
int pat_jcheck_codes(json_t *v, json_t **norm, err *e);
int pat_jcheck_family(json_t *v, json_t **norm, err *e);
int pat_jcheck_awards(json_t *v, json_t **norm, err *e);
int pat_jcheck_priorities(json_t *v, json_t **norm, err *e);

/* Creates the derived tables patent_ipc and patent_parties. */
int patent_create_tables(store *db, err *e);


/* ---- legal status ---- */

typedef enum {
    PAT_NOT_GRANTED, /* no grant on or before the date */
    PAT_IN_FORCE,
    PAT_TERM_ENDED, /* the statutory term ran out */
    PAT_LAPSED,     /* annual fees unpaid */
    PAT_INVALIDATED,
    PAT_SURRENDERED,
    PAT_EXPIRED, /* an expiry event */
} pat_state;

typedef struct pat_status {
    pat_state state;
    long since;          /* day number the state began (grant, lapse...) or -1 */
    long term_end;       /* first day after the statutory term, or -1 */
    int64_t cause_event; /* id of the event that set the state, or 0 */
} pat_status;

/* The statutory term in years for a patent kind filed on filing_day
 * (invention 20; utility model 10; design 15 when filed from 2021-06-01,
 * else 10).  Source: Patent Law 2020 Art. 42. */
int pat_term_years(const char *kind, long filing_day);
/* Derives the legal state of `patent` on `day` from its grant date, term
 * and `events` (array of patent_event rows, any order): granted on or
 * before the day, the term not over, and no lapse, invalidation, surrender
 * or expiry on or before the day that a later restoration did not undo.
 * A patent granted on D is in force on D; one lapsed on D is not. */
void pat_status_on(const json_t *patent, const json_t *events, long day, pat_status *out);
const char *pat_state_name(pat_state s);
const char *pat_state_label(pat_state s, lang l);
/* SQL condition (neutral dialect) true when the patent aliased `p` is in
 * force on the date bound to each `?` it contains (pat_in_force_params()
 * of them, all the same date): the same rule as pat_status_on(). */
const char *pat_in_force_sql(void);
int pat_in_force_params(void);
/* Loads the live events of patent id, oldest first (new reference). */
int pat_events_load(store *db, int64_t id, json_t **events, err *e);

#endif
