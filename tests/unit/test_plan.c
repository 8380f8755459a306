/* test_plan.c - the plan module (src/domain/plan.h): reporting periods,
 * the progress math (linear fit, CAGR, planned path, status rule) on
 * hand-built series, the seed plan's targets and tasks with their
 * departments, the task report workflow (allowed and refused transitions
 * per role and department), progress from accepted report figures, the
 * overdue list, the annual assessment, attachments, supervision records
 * and plan documents.
 *
 * Database tests run on a fresh SQLite file with the demo region (which
 * loads the seed plan), acting as users of the demo departments. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "support_db.h"
#include "../../src/domain/plan.h"
#include "../../src/records/rec.h"

static const rec_actor ADMIN = {0, "admin-1", ROLE_ADMIN, "310104-ipa"};
static const rec_actor BUREAU = {0, "bureau-1", ROLE_BUREAU, "310104-ipa"};
static const rec_actor BUREAU2 = {0, "bureau-2", ROLE_BUREAU, "310104-ipa"};
static const rec_actor COURT = {0, "court-1", ROLE_DEPT, "310104-court"};
static const rec_actor POLICE = {0, "police-1", ROLE_DEPT, "310104-police"};
static const rec_actor STC = {0, "stc-1", ROLE_DEPT, "310104-stc"};
static const rec_actor ENTERPRISE = {0, "ent-1", ROLE_ENTERPRISE, "310104-ipa"};

static long D(const char *s)
{
    long d;
    if (util_date_parse(s, &d)) fail_msg("bad date %s", s);
    return d;
}

#define YEAR 365.25
#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-6)
#define NEAR_EPS(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) < (eps))

/* ---- periods -------------------------------------------------------------- */

static void test_period_parse(void **state)
{
    (void)state;
    plan_period p;
    assert_int_equal(plan_period_parse("2025-Q3", &p), 0);
    assert_string_equal(p.code, "2025-Q3");
    assert_int_equal(p.freq, 'Q');
    assert_int_equal(p.start, D("2025-07-01"));
    assert_int_equal(p.end, D("2025-09-30"));
    assert_int_equal(plan_period_parse("2024-q1", &p), 0);
    assert_string_equal(p.code, "2024-Q1");
    assert_int_equal(p.end, D("2024-03-31"));
    assert_int_equal(plan_period_parse("2024-Q4", &p), 0);
    assert_int_equal(p.end, D("2024-12-31"));
    assert_int_equal(plan_period_parse("2024-h2", &p), 0);
    assert_string_equal(p.code, "2024-H2");
    assert_int_equal(p.start, D("2024-07-01"));
    assert_int_equal(p.end, D("2024-12-31"));
    assert_int_equal(plan_period_parse("2023", &p), 0);
    assert_int_equal(p.freq, 'Y');
    assert_int_equal(p.start, D("2023-01-01"));
    assert_int_equal(p.end, D("2023-12-31"));
    static const char *bad[] = {"2025-Q5", "2025-Q0", "2025-H3", "25-Q1", "2025Q1", "2025-", "abcd", "2025-X1", "", "20250", NULL};
    for (const char **b = bad; *b; b++)
        if (!plan_period_parse(*b, &p)) fail_msg("accepted %s", *b);
    assert_int_equal(plan_period_parse(NULL, &p), -1);
}

static void test_periods_between(void **state)
{
    (void)state;
    plan_period *ps;
    long n = plan_periods("quarterly", D("2022-01-01"), D("2025-12-31"), D("2024-07-01"), &ps);
    assert_int_equal(n, 10); /* 2022-Q1 .. 2024-Q2 */
    assert_string_equal(ps[0].code, "2022-Q1");
    assert_string_equal(ps[9].code, "2024-Q2");
    free(ps);
    n = plan_periods("quarterly", D("2022-01-01"), D("2025-12-31"), D("2024-06-30"), &ps);
    assert_int_equal(n, 9); /* 2024-Q2 ends on 06-30: not over before that day ends */
    free(ps);
    n = plan_periods("quarterly", D("2022-05-15"), D("2025-12-31"), D("2023-01-01"), &ps);
    assert_int_equal(n, 3);
    assert_string_equal(ps[0].code, "2022-Q2");
    free(ps);
    n = plan_periods("half_yearly", D("2022-01-01"), D("2025-12-31"), D("2030-01-01"), &ps);
    assert_int_equal(n, 8);
    assert_string_equal(ps[7].code, "2025-H2");
    free(ps);
    n = plan_periods("yearly", D("2022-01-01"), D("2025-12-31"), D("2025-12-31"), &ps);
    assert_int_equal(n, 3);
    assert_string_equal(ps[2].code, "2024");
    free(ps);
    assert_int_equal(plan_periods("monthly", 0, 10, 10, &ps), -1);
    assert_null(ps);
}

/* ---- math ----------------------------------------------------------------- */

static void test_linear_fit(void **state)
{
    (void)state;
    plan_point pts[] = {{0, 0}, {365, 10}, {730, 20}};
    double a, b;
    assert_int_equal(plan_linear_fit(pts, 3, &a, &b), 0);
    NEAR(a, 10.0 / 365);
    NEAR(b, 0);
    /* noisy: least squares through (0,1),(1,2),(2,2),(3,4): slope 0.9, intercept 0.9 */
    plan_point q[] = {{0, 1}, {1, 2}, {2, 2}, {3, 4}};
    assert_int_equal(plan_linear_fit(q, 4, &a, &b), 0);
    NEAR(a, 0.9);
    NEAR(b, 0.9);
    assert_int_equal(plan_linear_fit(pts, 1, &a, &b), -1);
    plan_point same[] = {{5, 1}, {5, 2}};
    assert_int_equal(plan_linear_fit(same, 2, &a, &b), -1);
}

static void test_cagr(void **state)
{
    (void)state;
    double r;
    plan_point a = {0, 100}, b = {730, 121};
    assert_int_equal(plan_cagr(a, b, &r), 0);
    NEAR_EPS(r, pow(1.21, 365.25 / 730) - 1, 1e-12);
    NEAR_EPS(r, 0.1, 1e-3);
    plan_point z = {0, 0};
    assert_int_equal(plan_cagr(z, b, &r), -1);
    assert_int_equal(plan_cagr(b, a, &r), -1);
}

/* A calc from baseline 0 on day 0 to target 100 four years later. */
static plan_calc calc4(const plan_point *s, size_t n, double current, long asof)
{
    plan_calc c = {0};
    c.has_target = 1;
    c.target = 100;
    c.target_day = (long)(4 * 365);
    c.baseline = 0;
    c.baseline_day = 0;
    c.series = s;
    c.n = n;
    c.has_current = 1;
    c.current = current;
    c.asof = asof;
    return c;
}

static void test_status_projection(void **state)
{
    (void)state;
    /* on track: the line through the points reaches 100 at the deadline */
    plan_point on[] = {{0, 0}, {365, 25}, {730, 50}};
    plan_calc c = calc4(on, 3, 50, 730);
    plan_calc_run(&c);
    assert_int_equal(c.status, PS_ON_TRACK);
    assert_string_equal(c.reason, "projection_meets");
    assert_string_equal(c.method, "linear");
    NEAR(c.projection, 100);
    NEAR(c.percent, 50);
    NEAR(c.expected_percent, 50);
    assert_false(c.achieved);
    /* at risk: 92% of the way */
    plan_point risk[] = {{0, 0}, {730, 46}};
    c = calc4(risk, 2, 46, 730);
    plan_calc_run(&c);
    NEAR(c.projection, 92);
    assert_int_equal(c.status, PS_AT_RISK);
    assert_string_equal(c.reason, "projection_close");
    /* exactly 90%: still at risk; below: off track */
    plan_point ninety[] = {{0, 0}, {730, 45}};
    c = calc4(ninety, 2, 45, 730);
    plan_calc_run(&c);
    assert_int_equal(c.status, PS_AT_RISK);
    plan_point off[] = {{0, 0}, {730, 30}};
    c = calc4(off, 2, 30, 730);
    plan_calc_run(&c);
    NEAR(c.projection, 60);
    assert_int_equal(c.status, PS_OFF_TRACK);
    assert_string_equal(c.reason, "projection_short");
    /* achieved early: on track whatever the trend */
    plan_point done[] = {{0, 0}, {365, 100}};
    c = calc4(done, 2, 101, 365);
    plan_calc_run(&c);
    assert_int_equal(c.status, PS_ON_TRACK);
    assert_true(c.achieved);
    assert_string_equal(c.reason, "achieved");
    /* the deadline has come without the target: off track */
    plan_point late[] = {{0, 0}, {1460, 99}};
    c = calc4(late, 2, 99, 1460);
    plan_calc_run(&c);
    assert_int_equal(c.status, PS_OFF_TRACK);
    assert_string_equal(c.reason, "missed");
}

static void test_status_path(void **state)
{
    (void)state;
    /* one point only (the baseline): no projection; compare with the path */
    plan_point only[] = {{0, 0}};
    plan_calc c = calc4(only, 1, 50, 730);
    plan_calc_run(&c);
    assert_false(c.has_projection);
    assert_string_equal(c.method, "path");
    assert_int_equal(c.status, PS_ON_TRACK);
    assert_string_equal(c.reason, "on_path");
    c = calc4(only, 1, 45, 730);
    plan_calc_run(&c);
    assert_int_equal(c.status, PS_AT_RISK);
    assert_string_equal(c.reason, "slightly_behind");
    c = calc4(only, 1, 30, 730);
    plan_calc_run(&c);
    assert_int_equal(c.status, PS_OFF_TRACK);
    assert_string_equal(c.reason, "behind_path");
    /* milestones move the path: 70 due at day 730; the line reaches the
     * target but progress (50) is 20 points behind: at risk */
    plan_point line[] = {{0, 0}, {730, 50}};
    plan_point ms[] = {{730, 70}};
    c = calc4(line, 2, 50, 730);
    c.milestones = ms;
    c.nm = 1;
    plan_calc_run(&c);
    NEAR(c.expected_percent, 70);
    assert_int_equal(c.status, PS_AT_RISK);
    assert_string_equal(c.reason, "behind_path");
    /* the planned path is piecewise linear through the milestones */
    NEAR(plan_path_value(&c, 365), 35);
    NEAR(plan_path_value(&c, 730 + 365), 85);
    NEAR(plan_path_value(&c, -5), 0);
    NEAR(plan_path_value(&c, 9999), 100);
}

static void test_status_down_and_rates(void **state)
{
    (void)state;
    /* lower is better: from 100 down to 50 */
    plan_point s[] = {{0, 100}, {730, 75}};
    plan_calc c = {0};
    c.down = 1;
    c.has_target = 1;
    c.target = 50;
    c.target_day = 1460;
    c.baseline = 100;
    c.series = s;
    c.n = 2;
    c.has_current = 1;
    c.current = 75;
    c.asof = 730;
    plan_calc_run(&c);
    NEAR(c.percent, 50);
    NEAR(c.projection, 50);
    assert_int_equal(c.status, PS_ON_TRACK);
    c.current = 40;
    plan_calc_run(&c);
    assert_true(c.achieved);
    /* a growth-rate target: the rate is compared as it is */
    plan_calc r = {0};
    r.rate_target = 1;
    r.has_target = 1;
    r.target = 20;
    r.target_day = 1460;
    r.has_current = 1;
    r.current = 18;
    r.asof = 730;
    plan_calc_run(&r);
    assert_int_equal(r.status, PS_AT_RISK);
    assert_string_equal(r.reason, "rate_close");
    NEAR(r.percent, 90);
    r.current = 15;
    plan_calc_run(&r);
    assert_int_equal(r.status, PS_OFF_TRACK);
    r.current = 22;
    plan_calc_run(&r);
    assert_int_equal(r.status, PS_ON_TRACK);
    assert_true(r.achieved);
    r.current = 15;
    r.asof = 1460;
    plan_calc_run(&r);
    assert_string_equal(r.reason, "missed");
    /* no number in the plan; no value yet */
    plan_calc q = {0};
    plan_calc_run(&q);
    assert_int_equal(q.status, PS_UNQUANTIFIED);
    q.has_target = 1;
    q.target = 5;
    plan_calc_run(&q);
    assert_int_equal(q.status, PS_NO_DATA);
    assert_string_equal(plan_status_name(PS_AT_RISK), "at_risk");
    assert_string_equal(plan_status_label(PS_OFF_TRACK, LANG_ZH), "进度滞后");
}

static void test_cagr_projection(void **state)
{
    (void)state;
    /* a stock growing 10% a year: CAGR projection shown beside the linear one */
    plan_point s[] = {{0, 100}, {(long)YEAR, 110}, {(long)(2 * YEAR), 121}};
    plan_calc c = {0};
    c.has_target = 1;
    c.target = 150;
    c.target_day = (long)(4 * YEAR);
    c.baseline = 100;
    c.series = s;
    c.n = 3;
    c.has_current = 1;
    c.current = 121;
    c.asof = s[2].day;
    c.stock = 1;
    plan_calc_run(&c);
    assert_true(c.has_cagr);
    NEAR_EPS(c.cagr_rate, 0.1, 2e-3);
    NEAR_EPS(c.cagr_projection, 146.41, 0.5);
    /* linear: slope 10.5/year from 100 -> about 141.7 at year 4: 83% of the way */
    NEAR_EPS(c.projection, 141.67, 0.2);
    assert_int_equal(c.status, PS_OFF_TRACK);
}

/* ---- database helpers ----------------------------------------------------- */

/* rec_create / rec_update that take ownership of the input (for inline json_pack). */
static int create_c(store *db, const rec_type *t, const rec_actor *a, json_t *in, json_t **out, err *e)
{
    int rc = rec_create(db, t, a, in, out, e);
    json_decref(in);
    return rc;
}

static int update_c(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t *patch, int64_t v, json_t **out, err *e)
{
    int rc = rec_update(db, t, a, id, patch, v, out, e);
    json_decref(patch);
    return rc;
}

static int64_t q_int(store *db, const char *sql, const char *param)
{
    err e = ERR_INIT;
    int64_t n = -1;
    T_OK(store_query_int(db, sql, &n, &e, param ? 1 : 0, param), &e);
    return n;
}

static int64_t task_id(store *db, const char *code) { return q_int(db, "SELECT id FROM plan_tasks WHERE code = ? AND deleted_at IS NULL", code); }
static int64_t plan_of(store *db) { return q_int(db, "SELECT id FROM plans WHERE region_code = ?", "310104"); }

static int64_t version_of(store *db, const char *table, int64_t id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT version FROM %s WHERE id = %lld", table, (long long)id);
    return tdb_int(db, sql);
}

/* Creates a report; returns its id, or 0 with e filled. */
static int64_t report_new(store *db, const rec_actor *a, int64_t task, const char *period, const char *status, json_t *figures, err *e)
{
    json_t *in = json_pack("{s:I,s:s,s:s}", "task", (json_int_t)task, "period", period, "text", "本期进展 / progress of the period");
    if (status) json_object_set_new(in, "status", json_string(status));
    if (figures) json_object_set_new(in, "figures", figures);
    json_t *out = NULL;
    int rc = rec_create(db, &type_task_report, a, in, &out, e);
    json_decref(in);
    int64_t id = rc ? 0 : json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static int64_t report_ok(store *db, const rec_actor *a, int64_t task, const char *period, const char *status, json_t *figures)
{
    err e = ERR_INIT;
    int64_t id = report_new(db, a, task, period, status, figures, &e);
    if (!id) {
        char *items = tdb_items_text(&e);
        fail_msg("report %s by %s: %d %s %s %s", period, a->name, e.status, e.code, err_msg(&e, LANG_EN), items);
    }
    return id;
}

/* Patches a report (patch consumed) at its current version. */
static int report_patch(store *db, const rec_actor *a, int64_t id, json_t *patch, json_t **out, err *e)
{
    json_t *o = NULL;
    int rc = rec_update(db, &type_task_report, a, id, patch, version_of(db, "task_reports", id), &o, e);
    json_decref(patch);
    if (out) *out = o;
    else json_decref(o);
    return rc;
}

static void patch_ok(store *db, const rec_actor *a, int64_t id, json_t *patch)
{
    err e = ERR_INIT;
    if (report_patch(db, a, id, patch, NULL, &e)) {
        char *items = tdb_items_text(&e);
        fail_msg("patch #%lld by %s: %d %s %s %s", (long long)id, a->name, e.status, e.code, err_msg(&e, LANG_EN), items);
    }
}

static void patch_fails(store *db, const rec_actor *a, int64_t id, json_t *patch, int status, const char *code)
{
    err e = ERR_INIT;
    assert_int_equal(report_patch(db, a, id, patch, NULL, &e), -1);
    if (e.status != status || strcmp(e.code, code))
        fail_msg("patch #%lld by %s: expected %d %s, got %d %s (%s)", (long long)id, a->name, status, code, e.status, e.code,
                 err_msg(&e, LANG_EN));
    err_clear(&e);
}

static void accept_ok(store *db, const rec_actor *a, int64_t id)
{
    patch_ok(db, a, id, json_pack("{s:s,s:s}", "status", "accepted", "review_comment", "同意 / accepted"));
}

static json_t *target_of(json_t *progress, const char *code)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(progress, "targets"), i, t) if (!strcmp(json_string_value(json_object_get(t, "code")), code)) return t;
    fail_msg("no target %s", code);
    return NULL;
}

/* ---- the seed plan -------------------------------------------------------- */

static void test_seed_targets(void **state)
{
    tdb *t = *state;
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plans"), 1);
    /* INDICATORS.md section 5: every quantified target of the plan */
    static const struct {
        const char *code;
        double value; /* NAN: qualitative */
        const char *section, *depts;
    } want[] = {
        {"T01", 15, "二、工作目标", "[\"310104-court\",\"310104-procuratorate\",\"310104-police\",\"310104-ipa\",\"310104-culture\"]"},
        {"T02", 140, "二、工作目标", "[\"310104-stc\",\"310104-ipa\"]"},
        {"T03", 60, "二、工作目标", "[\"310104-stc\",\"310104-ipa\"]"},
        {"T04", 600, "二、工作目标", "[\"310104-stc\",\"310104-ipa\"]"},
        {"T05", 10, "二、工作目标", "[\"310104-ipa\",\"310104-stc\",\"310104-finance\"]"},
        {"T06", 1e10, "二、工作目标", "[\"310104-ipa\",\"310104-stc\",\"310104-finance\"]"},
        {"T07", 2e9, "二、工作目标", "[\"310104-ipa\",\"310104-finance\",\"310104-caohejing\"]"},
        {"T08", 20, "二、工作目标", "[\"310104-ipa\",\"310104-finance\",\"310104-caohejing\"]"},
        {"T09", 200, "二、工作目标", "[\"310104-ipa\",\"310104-invest\",\"310104-caohejing\",\"310104-westbund\",\"310104-fenglin\"]"},
        {"T10", 3, "二、工作目标", "[\"310104-ipa\",\"310104-invest\",\"310104-caohejing\",\"310104-westbund\",\"310104-fenglin\"]"},
        {"T11", 520, "二、工作目标", "[\"310104-org\",\"310104-hrss\",\"310104-ipa\"]"},
        {"T12", 1e8, "三、重点工作（四）1", "[\"310104-court\",\"310104-procuratorate\",\"310104-ipa\",\"310104-caohejing\"]"},
        {"T13", 30, "三、重点工作（四）1", "[\"310104-court\",\"310104-procuratorate\",\"310104-ipa\",\"310104-caohejing\"]"},
        {"T14", 15, "三、重点工作（四）1", "[\"310104-court\",\"310104-procuratorate\",\"310104-ipa\",\"310104-caohejing\"]"},
        {"T15", 3, "三、重点工作（四）1", "[\"310104-court\",\"310104-procuratorate\",\"310104-ipa\",\"310104-caohejing\"]"},
        {"T16", NAN, "二、工作目标", NULL},
    };
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plan_targets"), 16);
    err e = ERR_INIT;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        store_stmt *st = store_prepare(t->db,
                                       "SELECT target_value, section, departments, target_date, source_text, dept_basis, indicator"
                                       " FROM plan_targets WHERE code = ?", &e);
        assert_non_null(st);
        store_bind_text(st, 1, want[i].code);
        assert_int_equal(store_step(st, &e), 1);
        if (isnan(want[i].value)) assert_true(store_col_isnull(st, 0));
        else NEAR(store_col_double(st, 0), want[i].value);
        assert_non_null(strstr(store_col_text(st, 1), want[i].section));
        if (want[i].depts) assert_string_equal(store_col_text(st, 2), want[i].depts);
        assert_string_equal(store_col_text(st, 3), "2025-12-31");
        assert_true(strlen(store_col_text(st, 4)) > 5);
        assert_non_null(strstr(store_col_text(st, 5), "落实单位"));
        assert_non_null(store_col_text(st, 6));
        store_done(st);
    }
    /* every responsible department is a live department (the JSON arrays
     * are read here: the backends' JSON functions differ) */
    store_stmt *st = store_prepare(t->db, "SELECT departments FROM plan_targets WHERE departments IS NOT NULL", &e);
    assert_non_null(st);
    json_t *codes = json_array();
    while (store_step(st, &e) == 1) {
        json_error_t je;
        json_t *a = json_loads(store_col_text(st, 0), 0, &je);
        if (!json_is_array(a)) fail_msg("departments is not a JSON array: %s", store_col_text(st, 0));
        json_array_extend(codes, a);
        json_decref(a);
    }
    store_done(st);
    assert_false(err_isset(&e));
    assert_true(json_array_size(codes) > 0);
    size_t i;
    json_t *c;
    json_array_foreach(codes, i, c)
    {
        int64_t n = -1;
        assert_true(json_is_string(c));
        T_OK(store_query_int(t->db, "SELECT COUNT(*) FROM departments WHERE code = ? AND deleted_at IS NULL", &n, &e, 1,
                             json_string_value(c)),
             &e);
        if (n != 1) fail_msg("department %s of a target is not a live department", json_string_value(c));
    }
    json_decref(codes);
}

static void test_seed_tasks(void **state)
{
    tdb *t = *state;
    static const struct {
        const char *code, *depts, *title;
    } want[] = {
        {"三（一）1", "[\"310104-court\",\"310104-procuratorate\",\"310104-police\",\"310104-ipa\",\"310104-culture\"]", "坚持知识产权严保护政策导向"},
        {"三（一）2", "[\"310104-court\",\"310104-procuratorate\",\"310104-police\",\"310104-ndrc\",\"310104-ipa\",\"310104-culture\"]", "构建知识产权大保护工作格局"},
        {"三（一）3", "[\"310104-court\",\"310104-procuratorate\",\"310104-police\",\"310104-ipa\",\"310104-justice\",\"310104-culture\"]", "突破知识产权快保护关键环节"},
        {"三（一）4", "[\"310104-court\",\"310104-procuratorate\",\"310104-police\",\"310104-gov-office\",\"310104-ipa\"]", "营造知识产权同保护优越环境"},
        {"三（二）1", "[\"310104-ipa\",\"310104-stc\",\"310104-finance\"]", "深化知识产权运营平台建设"},
        {"三（二）2", "[\"310104-stc\",\"310104-ipa\"]", "加强高校院所知识产权转化"},
        {"三（二）3", "[\"310104-ipa\",\"310104-finance\",\"310104-caohejing\"]", "创新知识产权金融服务模式"},
        {"三（三）1", "[\"310104-ipa\",\"310104-invest\",\"310104-caohejing\",\"310104-westbund\",\"310104-fenglin\"]", "打造知识产权服务创新集聚区"},
        {"三（三）2", "[\"310104-org\",\"310104-hrss\",\"310104-ipa\"]", "培养知识产权高端复合型人才"},
        {"三（四）1", "[\"310104-court\",\"310104-procuratorate\",\"310104-ipa\",\"310104-caohejing\"]", "加强知识产权保护与发展国际合作"},
        {"三（四）2", "[\"310104-ipa\"]", "推动知识产权长三角一体化融合发展"},
        {"四（一）", "[\"310104-ipa\"]", "加强统筹推进"},
        {"四（二）", "[\"310104-ipa\"]", "做好经费保障"},
        {"四（三）", "[\"310104-ipa\",\"310104-stc\",\"310104-ndrc\"]", "完善政策体系"},
        {"四（四）", "[\"310104-ipa\"]", "强化绩效管理"},
    };
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plan_tasks"), 15);
    err e = ERR_INIT;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        store_stmt *st = store_prepare(t->db, "SELECT departments, title, text, section FROM plan_tasks WHERE code = ?", &e);
        store_bind_text(st, 1, want[i].code);
        assert_int_equal(store_step(st, &e), 1);
        assert_string_equal(store_col_text(st, 0), want[i].depts);
        assert_string_equal(store_col_text(st, 1), want[i].title);
        assert_true(strlen(store_col_text(st, 2)) > 100);
        assert_null(strstr(store_col_text(st, 2), "落实单位"));
        assert_null(strstr(store_col_text(st, 2), " and "));
        assert_non_null(strstr(store_col_text(st, 3), !strncmp(want[i].code, "三", strlen("三")) ? "三、重点工作" : "四、保障措施"));
        store_done(st);
    }
    /* page breaks of the source joined */
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plan_tasks WHERE text LIKE '%涉外知识产权纠纷信息通报%'"), 1);
}

static void test_seed_idempotent(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char *pw = NULL;
    int64_t rows = tdb_int(t->db, "SELECT (SELECT COUNT(*) FROM plan_targets) + (SELECT COUNT(*) FROM plan_tasks)");
    T_OK(demo_init(t->db, &pw, &e), &e);
    assert_null(pw);
    assert_int_equal(tdb_int(t->db, "SELECT (SELECT COUNT(*) FROM plan_targets) + (SELECT COUNT(*) FROM plan_tasks)"), rows);
    /* an edited seed target is not put back */
    int64_t tid = q_int(t->db, "SELECT id FROM plan_targets WHERE code = ?", "T02");
    json_t *out = NULL;
    T_OK(update_c(t->db, &type_plan_target, &BUREAU, tid, json_pack("{s:f,s:s}", "baseline_value", 80.5, "baseline_date", "2021-12-31"),
                    version_of(t->db, "plan_targets", tid), &out, &e),
         &e);
    json_decref(out);
    T_OK(store_begin(t->db, &e), &e);
    int loaded = -1;
    T_OK(plan_seed_demo_tx(t->db, &ADMIN, &loaded, &e), &e);
    T_OK(store_commit(t->db, &e), &e);
    assert_int_equal(loaded, 0);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plan_targets WHERE code = 'T02' AND baseline_value = 80.5"), 1);
    /* a deleted demo plan is not brought back */
    int64_t pid = plan_of(t->db);
    T_OK(rec_delete(t->db, &type_plan, &ADMIN, pid, version_of(t->db, "plans", pid), &e), &e);
    T_OK(demo_init(t->db, &pw, &e), &e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plans WHERE deleted_at IS NULL"), 0);
}

static void test_document_roundtrip(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t pid = plan_of(t->db);
    /* a milestone, so that nested milestones travel too */
    int64_t tid = q_int(t->db, "SELECT id FROM plan_targets WHERE code = ?", "T09");
    json_t *out = NULL;
    T_OK(create_c(t->db, &type_plan_milestone, &BUREAU, json_pack("{s:I,s:i,s:f}", "target", (json_int_t)tid, "year", 2023, "value", 150.0),
                    &out, &e),
         &e);
    json_decref(out);
    json_t *doc = NULL, *rep = NULL;
    T_OK(plan_document(t->db, &BUREAU, pid, &doc, &e), &e);
    assert_int_equal(json_array_size(json_object_get(doc, "targets")), 16);
    assert_int_equal(json_array_size(json_object_get(doc, "tasks")), 15);
    assert_null(json_object_get(json_object_get(doc, "plan"), "id"));
    /* loading it again changes nothing */
    T_OK(plan_load(t->db, &BUREAU, doc, &rep, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(rep, "plan_id")), pid);
    assert_int_equal(json_integer_value(json_object_get(rep, "created")), 0);
    assert_int_equal(json_integer_value(json_object_get(rep, "updated")), 0);
    assert_int_equal(json_integer_value(json_object_get(rep, "unchanged")), 1 + 16 + 1 + 15 + 1);
    json_decref(rep);
    /* the same document for another region: a second plan */
    json_object_set_new(json_object_get(doc, "plan"), "name", json_string("另一方案 / another plan"));
    T_OK(plan_load(t->db, &BUREAU, doc, &rep, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(rep, "created")), 1 + 16 + 1 + 15 + 1);
    json_decref(rep);
    /* a department that does not exist: nothing is loaded */
    json_object_set_new(json_object_get(doc, "plan"), "name", json_string("第三方案"));
    json_object_set_new(json_array_get(json_object_get(doc, "tasks"), 3), "departments", json_pack("[s]", "310104-nobody"));
    int64_t before = tdb_int(t->db, "SELECT COUNT(*) FROM plan_tasks");
    assert_int_equal(plan_load(t->db, &BUREAU, doc, &rep, &e), -1);
    T_ITEM(&e, "departments", "validation.reference");
    assert_int_equal(e.row, 4);
    err_clear(&e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM plan_tasks"), before);
    assert_int_equal(plan_load(t->db, &BUREAU, json_object_get(doc, "tasks"), &rep, &e), -1);
    assert_int_equal(e.status, 400);
    err_clear(&e);
    json_decref(doc);
}

/* ---- the workflow ------------------------------------------------------- */

static void test_workflow_create(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t task = task_id(t->db, "三（一）1");
    int64_t id = report_ok(t->db, &COURT, task, "2024-Q1", NULL, NULL);
    json_t *row = NULL;
    T_OK(rec_get(t->db, &type_task_report, &COURT, id, &row, &e), &e);
    assert_string_equal(json_string_value(json_object_get(row, "dept")), "310104-court");
    assert_string_equal(json_string_value(json_object_get(row, "status")), "draft");
    assert_int_equal(json_array_size(json_object_get(row, "attachments")), 0);
    json_decref(row);
    /* not a responsible unit of the task */
    assert_int_equal(report_new(t->db, &STC, task, "2024-Q1", NULL, NULL, &e), 0);
    T_ERR(&e, 403, "plan.not_responsible");
    err_clear(&e);
    /* the bureau does not write another department's report */
    json_t *in = json_pack("{s:I,s:s,s:s}", "task", (json_int_t)task, "period", "2024-Q2", "dept", "310104-court");
    json_t *out = NULL;
    assert_int_equal(rec_create(t->db, &type_task_report, &BUREAU, in, &out, &e), -1);
    T_ERR(&e, 403, "plan.report_own_dept");
    err_clear(&e);
    /* nor may a department name another one */
    assert_int_equal(rec_create(t->db, &type_task_report, &POLICE, in, &out, &e), -1);
    assert_int_equal(e.status, 403);
    err_clear(&e);
    json_decref(in);
    /* one report per department, task and period */
    assert_int_equal(report_new(t->db, &COURT, task, "2024-Q1", NULL, NULL, &e), 0);
    T_ERR(&e, 409, "plan.report_exists");
    err_clear(&e);
    /* the period must match the task's frequency and window, and have begun */
    assert_int_equal(report_new(t->db, &COURT, task, "2024-H1", NULL, NULL, &e), 0);
    T_ITEM(&e, "period", "validation.period_frequency");
    err_clear(&e);
    assert_int_equal(report_new(t->db, &COURT, task, "2027-Q1", NULL, NULL, &e), 0);
    T_ITEM(&e, "period", "validation.period_range");
    err_clear(&e);
    assert_int_equal(report_new(t->db, &COURT, task, "2021-Q4", NULL, NULL, &e), 0);
    T_ITEM(&e, "period", "validation.period_range");
    err_clear(&e);
    assert_int_equal(report_new(t->db, &COURT, task, "2024-Q9", NULL, NULL, &e), 0);
    T_ITEM(&e, "period", "validation.period");
    err_clear(&e);
    /* a new report is a draft or submitted, never reviewed */
    assert_int_equal(report_new(t->db, &COURT, task, "2024-Q2", "accepted", NULL, &e), 0);
    T_ERR(&e, 409, "plan.transition");
    err_clear(&e);
    /* figures name targets of the plan */
    assert_int_equal(report_new(t->db, &COURT, task, "2024-Q2", NULL, json_pack("{s:i}", "T99", 3), &e), 0);
    T_ITEM(&e, "figures", "validation.figures");
    err_clear(&e);
    assert_int_equal(report_new(t->db, &COURT, task, "2024-Q2", NULL, json_pack("{s:s}", "T01", "three"), &e), 0);
    T_ITEM(&e, "figures", "validation.figures");
    err_clear(&e);
    int64_t sub = report_ok(t->db, &COURT, task, "2024-Q2", "submitted", json_pack("{s:i}", "T01", 3));
    T_OK(rec_get(t->db, &type_task_report, &BUREAU, sub, &row, &e), &e);
    assert_string_equal(json_string_value(json_object_get(row, "status")), "submitted");
    assert_string_equal(json_string_value(json_object_get(row, "submitted_by")), "court-1");
    assert_non_null(json_string_value(json_object_get(row, "first_submitted_at")));
    json_decref(row);
    /* enterprises have no access */
    assert_int_equal(report_new(t->db, &ENTERPRISE, task, "2024-Q3", NULL, NULL, &e), 0);
    assert_int_equal(e.status, 403);
    err_clear(&e);
}

static void test_workflow_review(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t task = task_id(t->db, "三（一）1");
    int64_t id = report_ok(t->db, &COURT, task, "2024-Q1", NULL, NULL);
    /* another department neither sees nor edits it */
    json_t *row = NULL;
    assert_int_equal(rec_get(t->db, &type_task_report, &POLICE, id, &row, &e), -1);
    assert_int_equal(e.status, 404);
    err_clear(&e);
    patch_fails(t->db, &POLICE, id, json_pack("{s:s}", "text", "改写"), 404, "record.not_found");
    patch_fails(t->db, &POLICE, id, json_pack("{s:s}", "status", "submitted"), 404, "record.not_found");
    /* a draft cannot be reviewed, and the author cannot review */
    patch_fails(t->db, &BUREAU, id, json_pack("{s:s}", "status", "accepted"), 409, "plan.transition");
    patch_fails(t->db, &BUREAU, id, json_pack("{s:s}", "text", "局里改写"), 403, "plan.report_own_dept");
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "status", "accepted"), 403, "plan.review_forbidden");
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "review_comment", "自评"), 403, "plan.review_forbidden");
    /* the author edits and submits */
    patch_ok(t->db, &COURT, id, json_pack("{s:s,s:o}", "text", "一季度查办 3 件", "figures", json_pack("{s:i}", "T01", 3)));
    patch_ok(t->db, &COURT, id, json_pack("{s:s}", "status", "submitted"));
    T_OK(rec_get(t->db, &type_task_report, &COURT, id, &row, &e), &e);
    char first[40];
    snprintf(first, sizeof first, "%s", json_string_value(json_object_get(row, "first_submitted_at")));
    json_decref(row);
    /* submitted: locked for everyone but the reviewer's decision */
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "text", "再改"), 409, "plan.transition");
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "status", "draft"), 409, "plan.transition");
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "status", "accepted"), 403, "plan.review_forbidden");
    patch_fails(t->db, &STC, id, json_pack("{s:s}", "status", "accepted"), 404, "record.not_found");
    patch_fails(t->db, &BUREAU, id, json_pack("{s:s,s:s}", "status", "accepted", "text", "局里改写"), 409, "plan.transition");
    patch_fails(t->db, &BUREAU, id, json_pack("{s:s}", "status", "draft"), 409, "plan.transition");
    /* returning needs a comment */
    err re = ERR_INIT;
    assert_int_equal(report_patch(t->db, &BUREAU, id, json_pack("{s:s}", "status", "returned"), NULL, &re), -1);
    T_ITEM(&re, "review_comment", "validation.required");
    err_clear(&re);
    patch_ok(t->db, &BUREAU, id, json_pack("{s:s,s:s}", "status", "returned", "review_comment", "请补充案件清单 / add the list of cases"));
    T_OK(rec_get(t->db, &type_task_report, &COURT, id, &row, &e), &e);
    assert_string_equal(json_string_value(json_object_get(row, "status")), "returned");
    assert_int_equal(json_integer_value(json_object_get(row, "return_count")), 1);
    assert_string_equal(json_string_value(json_object_get(row, "reviewed_by")), "bureau-1");
    json_decref(row);
    /* returned: the author revises and submits again; the bureau cannot accept it meanwhile */
    patch_fails(t->db, &BUREAU, id, json_pack("{s:s}", "status", "accepted"), 409, "plan.transition");
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "status", "draft"), 409, "plan.transition");
    patch_ok(t->db, &COURT, id, json_pack("{s:s}", "text", "一季度查办 3 件，清单见附件"));
    patch_ok(t->db, &COURT, id, json_pack("{s:s}", "status", "submitted"));
    T_OK(rec_get(t->db, &type_task_report, &COURT, id, &row, &e), &e);
    assert_string_equal(json_string_value(json_object_get(row, "first_submitted_at")), first);
    json_decref(row);
    /* accepted: final */
    accept_ok(t->db, &BUREAU, id);
    patch_fails(t->db, &COURT, id, json_pack("{s:s}", "text", "再改"), 409, "plan.transition");
    patch_fails(t->db, &BUREAU, id, json_pack("{s:s,s:s}", "status", "returned", "review_comment", "x"), 409, "plan.transition");
    assert_int_equal(rec_delete(t->db, &type_task_report, &COURT, id, version_of(t->db, "task_reports", id), &e), -1);
    T_ERR(&e, 409, "plan.transition");
    err_clear(&e);
    /* a report the bureau's own department wrote: not reviewed by its submitter */
    int64_t own = report_ok(t->db, &BUREAU, task, "2024-Q1", "submitted", NULL);
    patch_fails(t->db, &BUREAU, own, json_pack("{s:s}", "status", "accepted"), 403, "plan.review_self");
    accept_ok(t->db, &BUREAU2, own);
    /* the administrator reviews like the bureau */
    int64_t q3 = report_ok(t->db, &COURT, task, "2024-Q3", "submitted", NULL);
    accept_ok(t->db, &ADMIN, q3);
    /* drafts never submitted may be deleted by their department only */
    int64_t d = report_ok(t->db, &COURT, task, "2024-Q4", NULL, NULL);
    assert_int_equal(rec_delete(t->db, &type_task_report, &BUREAU, d, version_of(t->db, "task_reports", d), &e), -1);
    T_ERR(&e, 403, "plan.report_own_dept");
    err_clear(&e);
    T_OK(rec_delete(t->db, &type_task_report, &COURT, d, version_of(t->db, "task_reports", d), &e), &e);
    /* the audit trail has every step */
    assert_true(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE rtype = 'task_report'") >= 10);
}

/* ---- progress from reports, overdue, assessment -------------------------- */

static void test_progress_from_reports(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t pid = plan_of(t->db);
    int64_t t1 = task_id(t->db, "三（一）1"), t31 = task_id(t->db, "三（三）1");
    /* totals: each unit reports the cases of its period */
    accept_ok(t->db, &BUREAU, report_ok(t->db, &COURT, t1, "2024-Q1", "submitted", json_pack("{s:i}", "T01", 3)));
    accept_ok(t->db, &BUREAU, report_ok(t->db, &POLICE, t1, "2024-Q1", "submitted", json_pack("{s:i}", "T01", 2)));
    accept_ok(t->db, &BUREAU, report_ok(t->db, &COURT, t1, "2024-Q2", "submitted", json_pack("{s:i}", "T01", 4)));
    /* submitted but not accepted: not counted */
    report_ok(t->db, &POLICE, t1, "2024-Q2", "submitted", json_pack("{s:i}", "T01", 50));
    /* a level: agencies at period end */
    accept_ok(t->db, &BUREAU2, report_ok(t->db, &BUREAU, t31, "2022-Q4", "submitted", json_pack("{s:i}", "T09", 150)));
    accept_ok(t->db, &BUREAU2, report_ok(t->db, &BUREAU, t31, "2023-Q4", "submitted", json_pack("{s:i}", "T09", 170)));
    json_t *p = NULL;
    T_OK(plan_progress(t->db, &STC, pid, D("2024-06-30"), &p, &e), &e);
    json_t *a = target_of(p, "T01");
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "current"), "source")), "reports");
    NEAR(json_number_value(json_object_get(json_object_get(a, "current"), "value")), 9);
    NEAR(json_number_value(json_object_get(json_object_get(a, "baseline"), "value")), 0);
    NEAR(json_number_value(json_object_get(a, "percent")), 60);
    assert_int_equal(json_array_size(json_object_get(a, "series")), 2);
    /* the least-squares line through (2021-12-31, 0), (2024-03-31, 5), (2024-06-30, 9) gives about 12.1 on
     * 2025-12-31: 80% of the way, off track */
    NEAR_EPS(json_number_value(json_object_get(json_object_get(a, "projection"), "value")), 12.06, 0.05);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "off_track");
    assert_string_equal(json_string_value(json_object_get(a, "reason")), "projection_short");
    json_t *b = target_of(p, "T09");
    NEAR(json_number_value(json_object_get(json_object_get(b, "baseline"), "value")), 150);
    NEAR(json_number_value(json_object_get(json_object_get(b, "current"), "value")), 170);
    NEAR(json_number_value(json_object_get(b, "percent")), 40);
    /* 20 a year from 170 at 2023-12-31: 210 at 2025-12-31 */
    NEAR_EPS(json_number_value(json_object_get(json_object_get(b, "projection"), "value")), 210, 0.1);
    assert_string_equal(json_string_value(json_object_get(b, "status")), "on_track");
    assert_string_equal(json_string_value(json_object_get(target_of(p, "T16"), "status")), "unquantified");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "summary"), "total")), 16);
    json_decref(p);
    /* after the deadline: evaluated on the target date */
    T_OK(plan_progress(t->db, &BUREAU, pid, D("2026-06-30"), &p, &e), &e);
    b = target_of(p, "T09");
    assert_string_equal(json_string_value(json_object_get(b, "evaluated_on")), "2025-12-31");
    assert_string_equal(json_string_value(json_object_get(b, "status")), "off_track");
    assert_string_equal(json_string_value(json_object_get(b, "reason")), "missed");
    json_decref(p);
    /* a milestone for 2023 of 190: 170 is behind the path */
    int64_t tid = q_int(t->db, "SELECT id FROM plan_targets WHERE code = ?", "T09");
    json_t *out = NULL;
    T_OK(create_c(t->db, &type_plan_milestone, &BUREAU, json_pack("{s:I,s:i,s:f}", "target", (json_int_t)tid, "year", 2023, "value", 195.0),
                    &out, &e),
         &e);
    json_decref(out);
    T_OK(plan_progress(t->db, &BUREAU, pid, D("2024-06-30"), &p, &e), &e);
    b = target_of(p, "T09");
    assert_int_equal(json_array_size(json_object_get(b, "milestones")), 1);
    assert_string_equal(json_string_value(json_object_get(b, "status")), "at_risk");
    assert_string_equal(json_string_value(json_object_get(b, "reason")), "behind_path");
    json_decref(p);
    /* enterprises do not see plans */
    assert_int_equal(plan_progress(t->db, &ENTERPRISE, pid, D("2024-06-30"), &p, &e), -1);
    assert_int_equal(e.status, 403);
    err_clear(&e);
}

static void test_overdue(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t pid = plan_of(t->db);
    json_t *o = NULL;
    /* quarterly tasks (三 section): 43 responsible units, 2 quarters over by 2022-07-01 */
    T_OK(plan_overdue(t->db, &BUREAU, pid, D("2022-07-01"), NULL, &o, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 86);
    json_t *first = json_array_get(json_object_get(o, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "period")), "2022-Q1");
    assert_int_equal(json_integer_value(json_object_get(first, "days_overdue")), D("2022-07-01") - D("2022-03-31"));
    json_decref(o);
    int64_t t1 = task_id(t->db, "三（一）1");
    /* a draft does not count, a submitted report does */
    int64_t id = report_ok(t->db, &COURT, t1, "2022-Q1", NULL, NULL);
    T_OK(plan_overdue(t->db, &BUREAU, pid, D("2022-07-01"), NULL, &o, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 86);
    json_decref(o);
    patch_ok(t->db, &COURT, id, json_pack("{s:s}", "status", "submitted"));
    T_OK(plan_overdue(t->db, &BUREAU, pid, D("2022-07-01"), NULL, &o, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 85);
    json_decref(o);
    /* returned counts as not submitted again */
    patch_ok(t->db, &BUREAU, id, json_pack("{s:s,s:s}", "status", "returned", "review_comment", "请补充"));
    T_OK(plan_overdue(t->db, &BUREAU, pid, D("2022-07-01"), "310104-court", &o, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 10); /* court: 5 tasks x 2 quarters */
    size_t i;
    json_t *it;
    int seen = 0;
    json_array_foreach(json_object_get(o, "items"), i, it)
    {
        assert_string_equal(json_string_value(json_object_get(it, "dept")), "310104-court");
        if (json_integer_value(json_object_get(json_object_get(it, "report"), "id")) == id) {
            assert_string_equal(json_string_value(json_object_get(json_object_get(it, "report"), "status")), "returned");
            seen = 1;
        }
    }
    assert_true(seen);
    json_decref(o);
    /* a department sees its own only, whatever it asks for */
    T_OK(plan_overdue(t->db, &POLICE, pid, D("2022-07-01"), "310104-court", &o, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 8); /* police: 4 tasks x 2 */
    json_array_foreach(json_object_get(o, "items"), i, it) assert_string_equal(json_string_value(json_object_get(it, "dept")), "310104-police");
    json_decref(o);
    /* yearly tasks (四 section) appear once their year is over; nothing after the plan period */
    T_OK(plan_overdue(t->db, &BUREAU, pid, D("2030-01-01"), "310104-ndrc", &o, &e), &e);
    /* ndrc: 三（一）2 quarterly (16 quarters) + 四（三） yearly (4 years) */
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 20);
    json_decref(o);
}

static void test_assessment(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t pid = plan_of(t->db);
    int64_t t1 = task_id(t->db, "三（一）1");
    /* court: one 2023 report on time and accepted after one return, one late, the rest missing */
    int64_t a = report_ok(t->db, &COURT, t1, "2023-Q1", "submitted", json_pack("{s:i}", "T01", 2));
    patch_ok(t->db, &BUREAU, a, json_pack("{s:s,s:s}", "status", "returned", "review_comment", "补充"));
    patch_ok(t->db, &COURT, a, json_pack("{s:s}", "status", "submitted"));
    accept_ok(t->db, &BUREAU, a);
    int64_t b = report_ok(t->db, &COURT, t1, "2023-Q2", "submitted", NULL);
    accept_ok(t->db, &BUREAU, b);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE task_reports SET first_submitted_at = '2023-04-10T09:00:00.000Z' WHERE id = %lld", (long long)a);
    T_OK(store_exec(t->db, sql, &e), &e);
    /* supervision: rectified */
    json_t *out = NULL;
    T_OK(create_c(t->db, &type_supervision, &BUREAU,
                    json_pack("{s:I,s:s,s:s,s:s,s:s}", "plan", (json_int_t)pid, "date", "2023-05-01", "department", "310104-court", "findings",
                              "报送不及时 / late reports", "follow_up_status", "rectified"),
                    &out, &e),
         &e);
    json_decref(out);
    json_t *r = NULL;
    T_OK(plan_assessment(t->db, &BUREAU, pid, 2023, &r, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(r, "year")), 2023);
    assert_false(json_is_true(json_object_get(r, "provisional")));
    assert_int_equal(json_integer_value(json_object_get(r, "assessed")), 16);
    json_t *deps = json_object_get(r, "departments"), *court = NULL;
    size_t i;
    json_t *d;
    double prev = 1e9;
    json_array_foreach(deps, i, d)
    {
        json_t *sc = json_object_get(d, "score");
        if (json_is_number(sc)) {
            assert_true(json_number_value(sc) <= prev);
            prev = json_number_value(sc);
        }
        if (!strcmp(json_string_value(json_object_get(d, "dept")), "310104-court")) court = d;
    }
    assert_non_null(court);
    json_t *comps = json_object_get(court, "components");
    json_t *rep = json_object_get(comps, "reporting"), *rev = json_object_get(comps, "review"), *sup = json_object_get(comps, "supervision");
    /* 5 tasks x 4 quarters of 2023: 1 on time (1), 1 late (0.5), 18 missing (0) */
    assert_int_equal(json_integer_value(json_object_get(rep, "items_count")), 20);
    NEAR_EPS(json_number_value(json_object_get(rep, "score")), 100 * 1.5 / 20, 0.06);
    /* accepted after one return: 0.5; accepted at once: 1 */
    assert_int_equal(json_integer_value(json_object_get(rev, "items_count")), 2);
    NEAR_EPS(json_number_value(json_object_get(rev, "score")), 75, 0.06);
    NEAR_EPS(json_number_value(json_object_get(sup, "score")), 100, 1e-9);
    /* the court ranks first: everyone else reported nothing */
    assert_int_equal(json_integer_value(json_object_get(court, "rank")), 1);
    /* weights: only reporting counts */
    T_OK(create_c(t->db, &type_assess_weights, &BUREAU,
                    json_pack("{s:I,s:i,s:f,s:f,s:f,s:f}", "plan", (json_int_t)pid, "year", 2023, "w_targets", 0.0, "w_reporting", 1.0,
                              "w_review", 0.0, "w_supervision", 0.0),
                    &out, &e),
         &e);
    json_decref(out);
    json_decref(r);
    T_OK(plan_assessment(t->db, &BUREAU, pid, 2023, &r, &e), &e);
    deps = json_object_get(r, "departments");
    json_array_foreach(deps, i, d) if (!strcmp(json_string_value(json_object_get(d, "dept")), "310104-court"))
        NEAR_EPS(json_number_value(json_object_get(d, "score")), 7.5, 0.06);
    NEAR(json_number_value(json_object_get(json_object_get(r, "weights"), "reporting")), 1);
    json_decref(r);
    /* a department sees its own sheet */
    T_OK(plan_assessment(t->db, &COURT, pid, 2023, &r, &e), &e);
    assert_int_equal(json_array_size(json_object_get(r, "departments")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r, "departments"), 0), "rank")), 1);
    json_decref(r);
    /* outside the plan period */
    assert_int_equal(plan_assessment(t->db, &BUREAU, pid, 2030, &r, &e), -1);
    T_ERR(&e, 422, "plan.year");
    err_clear(&e);
}

/* ---- attachments, supervision ------------------------------------------- */

static void test_attachments(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t task = task_id(t->db, "三（一）1");
    int64_t id = report_ok(t->db, &COURT, task, "2024-Q1", NULL, NULL);
    static const char data[] = "案件清单\n1. (2024)沪0104民初1号\n";
    json_t *out = NULL;
    T_OK(plan_attach(t->db, &COURT, id, version_of(t->db, "task_reports", id), "案件清单.txt", data, sizeof data - 1, &out, &e), &e);
    json_t *att = json_array_get(json_object_get(out, "attachments"), 0);
    char sha[65];
    util_sha256_hex(data, sizeof data - 1, sha);
    assert_string_equal(json_string_value(json_object_get(att, "sha256")), sha);
    assert_int_equal(json_integer_value(json_object_get(att, "size")), sizeof data - 1);
    assert_string_equal(json_string_value(json_object_get(att, "name")), "案件清单.txt");
    json_decref(out);
    /* stale version, twice the same file, another department */
    assert_int_equal(plan_attach(t->db, &COURT, id, 1, "x.txt", "x", 1, &out, &e), -1);
    assert_int_equal(e.status, 412);
    err_clear(&e);
    assert_int_equal(plan_attach(t->db, &COURT, id, version_of(t->db, "task_reports", id), "again.txt", data, sizeof data - 1, &out, &e), -1);
    T_ERR(&e, 409, "plan.attachment_exists");
    err_clear(&e);
    assert_int_equal(plan_attach(t->db, &POLICE, id, version_of(t->db, "task_reports", id), "y.txt", "y", 1, &out, &e), -1);
    assert_int_equal(e.status, 404);
    err_clear(&e);
    assert_int_equal(plan_attach(t->db, &COURT, id, version_of(t->db, "task_reports", id), "../etc", "y", 1, &out, &e), -1);
    assert_int_equal(e.status, 422);
    err_clear(&e);
    /* the virtual field is for the endpoint only */
    patch_fails(t->db, &COURT, id, json_pack("{s:{s:s,s:s}}", "attach", "name", "z", "sha256", sha), 422, "validation.readonly");
    /* read back by the department and the bureau, not by others */
    char *name = NULL;
    buf b = BUF_INIT;
    T_OK(plan_attachment_get(t->db, &BUREAU, id, sha, &name, &b, &e), &e);
    assert_string_equal(name, "案件清单.txt");
    assert_int_equal(b.len, sizeof data - 1);
    assert_memory_equal(b.s, data, b.len);
    free(name);
    buf_free(&b);
    assert_int_equal(plan_attachment_get(t->db, &POLICE, id, sha, &name, &b, &e), -1);
    assert_int_equal(e.status, 404);
    err_clear(&e);
    buf_free(&b);
    /* once submitted, attachments are locked too */
    patch_ok(t->db, &COURT, id, json_pack("{s:s}", "status", "submitted"));
    assert_int_equal(plan_attach(t->db, &COURT, id, version_of(t->db, "task_reports", id), "late.txt", "z", 1, &out, &e), -1);
    T_ERR(&e, 409, "plan.transition");
    err_clear(&e);
    assert_int_equal(plan_detach(t->db, &COURT, id, version_of(t->db, "task_reports", id), sha, &out, &e), -1);
    err_clear(&e);
    patch_ok(t->db, &BUREAU, id, json_pack("{s:s,s:s}", "status", "returned", "review_comment", "附件不全"));
    T_OK(plan_detach(t->db, &COURT, id, version_of(t->db, "task_reports", id), sha, &out, &e), &e);
    assert_int_equal(json_array_size(json_object_get(out, "attachments")), 0);
    json_decref(out);
}

static void test_supervision(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "date", "2024-05-01", "department", "310104-court", "findings", "二季度报告未按时报送",
                           "requirements", "6 月底前补报");
    assert_int_equal(rec_create(t->db, &type_supervision, &COURT, in, &out, &e), -1);
    assert_int_equal(e.status, 403);
    err_clear(&e);
    T_OK(rec_create(t->db, &type_supervision, &BUREAU, in, &out, &e), &e);
    json_decref(in);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    assert_string_equal(json_string_value(json_object_get(out, "dept")), "310104-court");
    assert_string_equal(json_string_value(json_object_get(out, "follow_up_status")), "open");
    json_decref(out);
    /* the department fills in its follow-up, nothing else */
    T_OK(update_c(t->db, &type_supervision, &COURT, id, json_pack("{s:s,s:s}", "follow_up", "已补报", "follow_up_status", "rectified"),
                    version_of(t->db, "supervisions", id), &out, &e),
         &e);
    json_decref(out);
    json_t *p = json_pack("{s:s}", "findings", "改写");
    assert_int_equal(rec_update(t->db, &type_supervision, &COURT, id, p, version_of(t->db, "supervisions", id), &out, &e), -1);
    T_ERR(&e, 403, "plan.supervision_fields");
    err_clear(&e);
    json_decref(p);
    p = json_pack("{s:s}", "follow_up_status", "verified");
    assert_int_equal(rec_update(t->db, &type_supervision, &COURT, id, p, version_of(t->db, "supervisions", id), &out, &e), -1);
    T_ERR(&e, 403, "plan.supervision_verify");
    err_clear(&e);
    T_OK(rec_update(t->db, &type_supervision, &BUREAU, id, p, version_of(t->db, "supervisions", id), &out, &e), &e);
    json_decref(out);
    json_decref(p);
    /* other departments do not see it */
    assert_int_equal(rec_get(t->db, &type_supervision, &POLICE, id, &out, &e), -1);
    assert_int_equal(e.status, 404);
    err_clear(&e);
}

static void test_target_checks(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t pid = plan_of(t->db);
    json_t *out = NULL;
    json_t *in = json_pack("{s:I,s:s,s:s,s:s,s:s,s:f,s:s,s:[s],s:s}", "plan", (json_int_t)pid, "code", "X1", "name_zh", "测试", "indicator",
                           "no_such_indicator", "aggregation", "level", "target_value", 1.0, "target_date", "2025-12-31", "departments",
                           "310104-ipa", "section", "测试");
    assert_int_equal(rec_create(t->db, &type_plan_target, &BUREAU, in, &out, &e), -1);
    T_ITEM(&e, "indicator", "validation.indicator");
    err_clear(&e);
    /* a flow cannot be a level; sums need one kind and one unit */
    json_object_set_new(in, "indicator", json_string("pct_applications"));
    assert_int_equal(rec_create(t->db, &type_plan_target, &BUREAU, in, &out, &e), -1);
    T_ITEM(&e, "aggregation", "validation.aggregation");
    err_clear(&e);
    json_object_set_new(in, "indicator", json_string("pledge_amount+pct_applications"));
    json_object_set_new(in, "aggregation", json_string("period_sum"));
    assert_int_equal(rec_create(t->db, &type_plan_target, &BUREAU, in, &out, &e), -1);
    T_ITEM(&e, "indicator", "validation.indicator");
    err_clear(&e);
    json_object_set_new(in, "indicator", json_string(" pledge_amount + trademark_pledge_amount "));
    T_OK(rec_create(t->db, &type_plan_target, &BUREAU, in, &out, &e), &e);
    assert_string_equal(json_string_value(json_object_get(out, "indicator")), "pledge_amount+trademark_pledge_amount");
    assert_string_equal(json_string_value(json_object_get(out, "unit_zh")), "元");
    json_decref(out);
    /* neither indicator nor measure */
    json_object_del(in, "indicator");
    json_object_set_new(in, "code", json_string("X2"));
    assert_int_equal(rec_create(t->db, &type_plan_target, &BUREAU, in, &out, &e), -1);
    T_ITEM(&e, "measure", "validation.required");
    err_clear(&e);
    /* departments must exist; dept users do not write targets */
    json_object_set_new(in, "measure", json_string("计数"));
    json_object_set_new(in, "departments", json_pack("[s]", "310104-nobody"));
    assert_int_equal(rec_create(t->db, &type_plan_target, &BUREAU, in, &out, &e), -1);
    T_ITEM(&e, "departments", "validation.reference");
    err_clear(&e);
    assert_int_equal(rec_create(t->db, &type_plan_target, &STC, in, &out, &e), -1);
    assert_int_equal(e.status, 403);
    err_clear(&e);
    json_decref(in);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    domain_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_parse),
        cmocka_unit_test(test_periods_between),
        cmocka_unit_test(test_linear_fit),
        cmocka_unit_test(test_cagr),
        cmocka_unit_test(test_status_projection),
        cmocka_unit_test(test_status_path),
        cmocka_unit_test(test_status_down_and_rates),
        cmocka_unit_test(test_cagr_projection),
        cmocka_unit_test_setup_teardown(test_seed_targets, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_seed_tasks, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_seed_idempotent, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_document_roundtrip, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_workflow_create, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_workflow_review, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_progress_from_reports, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_overdue, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_assessment, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_attachments, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_supervision, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_target_checks, tdb_setup_demo, tdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
