/*
 * plan.h - the work plan and its performance management (绩效管理): plans,
 * quantified targets with yearly milestones, key tasks (重点工作) assigned
 * to departments, task progress reports with their review workflow,
 * supervision (定期督查), assessment weights and the annual assessment
 * (年度考核); progress per target computed from the indicator engine or
 * from accepted reports, projected to the deadline and given a status.
 *
 * The rules (status thresholds, projection method, the assessment's
 * components) are documented in docs/plan.md; the constants below are the
 * ones that document names.
 */
#ifndef IPC_PLAN_H
#define IPC_PLAN_H

#include "../records/rec.h"

#include <stddef.h>

extern rec_type type_plan, type_plan_target, type_plan_milestone, type_plan_task, type_task_report, type_supervision,
    type_assess_weights;

/* Migration step: the plan tables and the attachment store. */
int plan_create_tables(store *db, err *e);

/* ---- reporting periods ---- */

/* A reporting period: "2025-Q3" (quarter), "2025-H1" (half year) or
 * "2025" (year); start and end are day numbers, both inclusive. */
typedef struct plan_period {
    char code[12];
    char freq; /* 'Q', 'H' or 'Y' */
    long start, end;
} plan_period;

/* Parses a period code; returns 0 or -1. */
int plan_period_parse(const char *s, plan_period *p);
/* The periods of frequency freq ("quarterly", "half_yearly", "yearly")
 * that lie within [from, to] and end before `before` (day numbers; a
 * period is included when its start >= the start of from's period).
 * *out is malloc'd (caller frees); returns the count, or -1 on a bad
 * frequency. */
long plan_periods(const char *freq, long from, long to, long before, plan_period **out);

/* ---- progress math (pure; unit-tested on hand-built series) ---- */

typedef struct plan_point {
    long day;
    double value;
} plan_point;

typedef enum {
    PS_ON_TRACK,     /* 进度正常 */
    PS_AT_RISK,      /* 存在风险 */
    PS_OFF_TRACK,    /* 进度滞后 */
    PS_NO_DATA,      /* 暂无数据 */
    PS_UNQUANTIFIED, /* 定性目标：方案未给出数值 */
} plan_status;

const char *plan_status_name(plan_status s);
const char *plan_status_label(plan_status s, lang l);

/* Thresholds of the status rule (docs/plan.md). */
#define PLAN_RISK_FRACTION 0.90 /* projection reaches >= 90% of the way: at risk, below: off track */
#define PLAN_BEHIND_SLACK 0.10  /* behind the planned path by more than 10 points: at most at risk */

/* Least-squares line through the points (x in days); -1 when fewer than
 * two distinct days. */
int plan_linear_fit(const plan_point *pts, size_t n, double *slope, double *intercept);
/* Compound annual growth rate between two points (0.2 = 20%/year); -1
 * when either value is not positive or the days are not increasing. */
int plan_cagr(plan_point a, plan_point b, double *rate);

typedef struct plan_calc {
    /* inputs */
    int down;                 /* 1: lower is better */
    int rate_target;          /* 1: current and target are growth rates (aggregation cagr) */
    int has_target;
    double target;
    long target_day;
    double baseline;          /* value at baseline_day */
    long baseline_day;
    const plan_point *series; /* observed points for the fit, ascending days */
    size_t n;
    const plan_point *milestones; /* planned values at year ends, ascending */
    size_t nm;
    int has_current;
    double current;
    long asof;                /* evaluation day (<= target_day normally) */
    int stock;                /* 1: a level (stock) series: CAGR projection also shown */
    /* outputs */
    int has_percent;
    double percent;           /* of the way from baseline to target, % */
    double expected_percent;  /* where the plan's path says it should be, % */
    int has_projection;
    double projection;        /* at target_day */
    const char *method;       /* "linear", "rate", or "path" (no projection) */
    int has_cagr;
    double cagr_rate, cagr_projection;
    int achieved;
    plan_status status;
    const char *reason;       /* stable code: achieved, missed, projection_meets, ... */
} plan_calc;

/* Computes percent, expected percent, projection and status (the rule of
 * docs/plan.md). */
void plan_calc_run(plan_calc *c);

/* The planned value on `day`: piecewise-linear through the baseline, the
 * milestones and the target. */
double plan_path_value(const plan_calc *c, long day);

/* ---- plans in the database ---- */

/* Progress of every target of plan `id` as of `asof` (a day; evaluated at
 * min(asof, target date)).  Shape in docs/plan.md. */
int plan_progress(store *db, const rec_actor *a, int64_t id, long asof, json_t **out, err *e);
/* The annual assessment of plan `id` for `year`: a score sheet per
 * department (targets, reporting, review, supervision) weighted by the
 * plan's assessment weights, ranked.  A dept user sees its own sheet. */
int plan_assessment(store *db, const rec_actor *a, int64_t id, int year, json_t **out, err *e);
/* Overdue reports of plan `id` as of `asof`: every (task, responsible
 * department, period) whose period ended with no submitted or accepted
 * report.  dept (may be NULL) filters; a dept user sees its own. */
int plan_overdue(store *db, const rec_actor *a, int64_t id, long asof, const char *dept, json_t **out, err *e);

/* Loads a plan document {"plan":{...},"targets":[{...,"milestones":[...]}],
 * "tasks":[...],"weights":[...]} (docs/plan.md), matching existing rows by
 * their keys (re-loading the same document changes nothing).  Inside the
 * caller's transaction.  *report = {"plan_id", "created", "updated",
 * "unchanged"}. */
int plan_load_tx(store *db, const rec_actor *a, json_t *doc, json_t **report, err *e);
/* The same in its own transaction. */
int plan_load(store *db, const rec_actor *a, json_t *doc, json_t **report, err *e);
/* Plan `id` as a document plan_load() accepts. */
int plan_document(store *db, const rec_actor *a, int64_t id, json_t **out, err *e);

/* The seed plan (shared/seed/work-plan.zh.txt) as a document for region
 * 310104 (seedplan.c). */
json_t *seedplan_xuhui(void);
/* Loads the seed plan for the demo region inside the caller's transaction
 * unless a plan of that name and region was ever stored (deleted ones
 * count: a deleted demo plan is not brought back) or a responsible
 * department is missing.  *loaded (may be NULL) tells whether it did. */
int plan_seed_demo_tx(store *db, const rec_actor *a, int *loaded, err *e);

/* Attaches a file to task report `id` (version must match): stores the
 * bytes (content-addressed by SHA-256) and adds {name, sha256, size} to
 * the report's attachments.  *out gets the updated report. */
int plan_attach(store *db, const rec_actor *a, int64_t id, int64_t version, const char *name, const void *data,
                size_t n, json_t **out, err *e);
/* Removes the attachment with this SHA-256 from the report. */
int plan_detach(store *db, const rec_actor *a, int64_t id, int64_t version, const char *sha, json_t **out, err *e);
/* Reads an attachment of a report the actor may read: *name (caller
 * frees) and the bytes into content. */
int plan_attachment_get(store *db, const rec_actor *a, int64_t id, const char *sha, char **name, buf *content,
                        err *e);

#endif
