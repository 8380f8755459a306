/*
 * indicators.c - the official IP indicators (统计口径): the catalogue, the
 * named parameters, values for any region on any day (from the index, or
 * computed directly from the registry), time series, the records behind a
 * figure (drill-down, CSV/XLSX), and reported values.
 *
 * Definitions as implemented and every choice: docs/indicators.md.  The
 * rules shared with the index build are in ind_rules.c; the index itself
 * in ind_index.c.
 */
#include "ind_int.h"

#include "domain.h"
#include "registry.h"
#include "sei.h"

#include "../base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* ---- the catalogue ---- */

static const ind_def defs[] = {
    {"valid_invention", "有效发明专利拥有量", "Valid invention patents", "件", "patents", 0, 0},
    {"valid_invention_per10k", "每万人口发明专利拥有量", "Valid invention patents per 10,000 residents", "件/万人",
     "per 10,000 residents", 0, 0},
    {"high_value_invention", "高价值发明专利拥有量", "High-value invention patents", "件", "patents", 0, 0},
    {"high_value_invention_per10k", "每万人口高价值发明专利拥有量", "High-value invention patents per 10,000 residents",
     "件/万人", "per 10,000 residents", 0, 0},
    {"pct_applications", "PCT国际专利申请量", "PCT international applications", "件", "applications", 0, 1},
    {"trademarks_registered", "商标注册量", "Trademarks registered", "件", "marks", 0, 1},
    {"trademarks_in_force", "有效注册商标量", "Registered trademarks in force", "件", "marks", 0, 0},
    {"madrid_filings", "马德里商标国际注册申请量", "Madrid international trademark applications", "件", "marks", 0, 1},
    {"hague_filings", "海牙外观设计国际申请量", "Hague international design applications", "件", "applications", 1, 1},
    {"pledge_amount", "专利质押融资登记金额", "Patent pledge financing registered (amount)", "元", "CNY", 0, 1},
    {"pledge_count", "专利质押融资登记项数", "Patent pledge financing registered (items)", "项", "items", 0, 1},
    {"trademark_pledge_amount", "商标质押融资登记金额", "Trademark pledge financing registered (amount)", "元", "CNY",
     1, 1},
    {"typical_cases", "典型案件查办数", "Typical IP cases investigated and handled", "件", "cases", 1, 1},
    {"high_value_portfolios", "高价值专利组合培育数", "High-value patent portfolios completed", "个", "portfolios", 1,
     0},
    {"ip_transactions_amount", "各类知识产权交易总额", "Total IP transactions", "元", "CNY", 1, 1},
    {"ip_insurance_growth", "知识产权保险金额年均增长率", "IP insurance amount, average annual growth", "%", "%", 1, 0},
    {"service_agencies", "知识产权服务机构数", "IP service agencies", "家", "agencies", 1, 0},
    {"agencies_major", "主营业务收入超千万元（或可运营专利超千件）的服务机构数",
     "Agencies with revenue of 10 million CNY a year or more (or 1,000 operable patents)", "家", "agencies", 1, 0},
    {"patent_agents", "专利代理师人数", "Patent agents", "人", "agents", 1, 0},
    {"service_export_usd", "知识产权服务出口额", "IP service export", "美元", "USD", 1, 1},
    {"agencies_export", "开展服务出口的服务机构数", "Agencies exporting IP services", "家", "agencies", 1, 0},
    {"agencies_overseas", "设立海外分支机构的服务机构数", "Agencies with overseas branches", "家", "agencies", 1, 0},
    {"agencies_international", "培育的高端国际化服务机构数", "High-end international agencies cultivated", "家",
     "agencies", 1, 0},
    {"social_satisfaction", "知识产权保护社会满意度", "Social satisfaction with IP protection", "分", "score", 1, 0},
    {NULL},
};

/* How each computed indicator is computed (same order as defs). */
typedef enum { K_NONE, K_PATENTS, K_PCT, K_TM_REG, K_TM_FORCE, K_MADRID, K_PLEDGES } rec_kind;
static const struct calc {
    int measure; /* M_*, -1 for reported */
    int per10k;
    int hv;        /* high-value: criteria shown */
    rec_kind kind; /* the records behind it */
    const char *how_zh, *how_en;
} calcs[] = {
    {M_VALID, 0, 0, K_PATENTS, "有效发明专利（国内权利人，不含港澳台和国外），按地点规则计入地区",
     "valid invention patents of domestic holders (no foreign, Hong Kong, Macao or Taiwan holders), placed by the location rule"},
    {M_VALID, 1, 0, K_PATENTS, "有效发明专利数 ÷（年末常住人口 ÷ 10000）",
     "valid invention patents ÷ (resident population ÷ 10,000)"},
    {M_HV, 0, 1, K_PATENTS, "有效发明专利中满足五项标准之一的",
     "valid invention patents meeting any of the five criteria"},
    {M_HV, 1, 1, K_PATENTS, "高价值发明专利数 ÷（年末常住人口 ÷ 10000）",
     "high-value invention patents ÷ (resident population ÷ 10,000)"},
    {M_PCT, 0, 0, K_PCT,
     "中国国家知识产权局作为受理局受理的PCT申请（PCT/CN），按第一申请人所在地、申请日所在年度统计；不是WIPO按申请人来源的统计",
     "PCT applications received by CNIPA as receiving office (PCT/CN), by the first applicant's region and the filing year; "
     "not WIPO's count by applicant origin"},
    {M_TM_REG, 0, 0, K_TM_REG, "年内核准注册的商标（按注册日）",
     "trademarks registered in the calendar year (registration date)"},
    {M_TM_FORCE, 0, 0, K_TM_FORCE, "注册日已到、专用权期限未届满的注册商标",
     "registered trademarks between registration and expiry"},
    {M_MADRID, 0, 0, K_MADRID,
     "有马德里指定国的商标，按申请日（缺失时注册日）所在年度统计（登记簿没有国际注册申请日，近似）",
     "trademarks with Madrid designations, by the year of their filing date (else registration date); the registry has no "
     "international filing date, so this is an approximation"},
    {-1, 0, 0, K_NONE, "登记簿没有海牙国际申请数据，只能填报",
     "the registry holds no Hague filings: a reported figure only"},
    {M_PLEDGE_FEN, 0, 0, K_PLEDGES,
     "年内登记的专利权质押金额（混合质押只计一次；不含商标质押，见 trademark_pledge_amount）",
     "patent pledges registered in the calendar year (a mixed pledge once; trademark pledges are reported separately)"},
    {M_PLEDGE_N, 0, 0, K_PLEDGES, "年内登记的专利权质押项数（同日、同一质权人、同一出质人为一项）",
     "patent pledge items registered in the calendar year (same day, pledgee and pledgor: one item)"},
};
#define NCALC ((int)(sizeof calcs / sizeof calcs[0]))

const ind_def *ind_defs(void) { return defs; }

const ind_def *ind_find(const char *id)
{
    for (const ind_def *d = defs; id && d->id; d++)
        if (!strcmp(d->id, id)) return d;
    return NULL;
}

static int def_no(const ind_def *d) { return (int)(d - defs); }
static const struct calc *calc_of(const ind_def *d) { return def_no(d) < NCALC ? &calcs[def_no(d)] : NULL; }

/* ---- parameters ---- */

void ind_params_default(ind_params *p)
{
    p->location_basis = "cnipa-2021";
    p->maintenance_from = "filing";
    p->pledge_threshold_cny = 10000000.0;
}

int ind_params_parse(const char *basis, const char *maint, const char *threshold, ind_params *p, err *e)
{
    ind_params_default(p);
    if (basis && *basis) {
        if (strcmp(basis, "cnipa-2021") && strcmp(basis, "patentee") && strcmp(basis, "applicant"))
            return err_set(e, 400, "query.value", "参数 location_basis 应为 cnipa-2021、patentee 或 applicant",
                           "Parameter location_basis must be cnipa-2021, patentee or applicant");
        p->location_basis = !strcmp(basis, "patentee")    ? "patentee"
                            : !strcmp(basis, "applicant") ? "applicant"
                                                          : "cnipa-2021";
    }
    if (maint && *maint) {
        if (strcmp(maint, "filing") && strcmp(maint, "grant"))
            return err_set(e, 400, "query.value", "参数 maintenance_from 应为 filing 或 grant",
                           "Parameter maintenance_from must be filing or grant");
        p->maintenance_from = !strcmp(maint, "grant") ? "grant" : "filing";
    }
    if (threshold && *threshold) {
        double v;
        if (util_parse_double(threshold, &v) || !isfinite(v) || v < 0 || v > 1e13)
            return err_set(e, 400, "query.value", "参数 pledge_threshold_cny 应为 0 到 1e13 之间的金额（元）",
                           "Parameter pledge_threshold_cny must be an amount in CNY between 0 and 1e13");
        p->pledge_threshold_cny = v;
    }
    return 0;
}

static int basis_of(const ind_params *p)
{
    return !strcmp(p->location_basis, "patentee")    ? IND_B_PATENTEE
           : !strcmp(p->location_basis, "applicant") ? IND_B_APPLICANT
                                                     : IND_B_CNIPA;
}
static int maint_grant(const ind_params *p) { return !strcmp(p->maintenance_from, "grant"); }
static int64_t threshold_fen(const ind_params *p) { return llround(p->pledge_threshold_cny * 100.0); }

int ind_params_is_default(const ind_params *p)
{
    return basis_of(p) == IND_B_CNIPA && !maint_grant(p) && threshold_fen(p) == IND_DEFAULT_THRESHOLD_FEN;
}

static json_t *params_json(const ind_params *p)
{
    return json_pack("{s:s,s:s,s:f}", "location_basis", p->location_basis, "maintenance_from", p->maintenance_from,
                     "pledge_threshold_cny", p->pledge_threshold_cny);
}

/* ---- reported values (a record type) ---- */

static rec_opt reported_opts[sizeof defs / sizeof defs[0]];

static const rec_opt *reported_options(void)
{
    if (!reported_opts[0].value) {
        int n = 0;
        for (const ind_def *d = defs; d->id; d++)
            if (d->reported) reported_opts[n++] = (rec_opt){d->id, d->zh, d->en};
    }
    return reported_opts;
}

static int check_report_region(const char *in, buf *norm, err *e)
{
    (void)norm;
    if (!strcmp(in, "000000")) return 0;
    size_t n = strlen(in);
    int ok = n >= 1 && n <= 12;
    for (const char *q = in; ok && *q; q++)
        if (!((*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || *q == '-' ||
              *q == '_'))
            ok = 0;
    if (!ok)
        return err_set(e, 422, "validation.region_code", "应为行政区划代码（全国为 000000）或园区代码",
                       "must be a division code (000000 for the nation) or a park code");
    return 0;
}

static rec_field report_fields[] = {
    {"indicator", RT_ENUM, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "指标", "Indicator", 0, NULL},
    {"region_code", RT_TEXT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "区划代码", "Region code", 12,
     .check = check_report_region, .help_zh = "全国为 000000；也可为园区代码",
     .help_en = "000000 for the nation; or a park code"},
    {"date", RT_DATE, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "统计截止日", "As of",
     .help_zh = "数值所指的日期；年度流量填年末（如 2024-12-31）",
     .help_en = "the date the figure refers to; year end for yearly flows"},
    {"value", RT_NUM, RF_REQUIRED | RF_LIST, "数值", "Value", .min = -1e15, .max = 1e15},
    {"unit", RT_TEXT, RF_LIST, "单位", "Unit", 40},
    {"source", RT_TEXT, RF_REQUIRED | RF_LIST, "来源文件", "Source document", 500,
     .help_zh = "统计公报、部门报送文件等出处", .help_en = "the statistical bulletin, a department's return..."},
    {"reported_by", RT_TEXT, RF_REQUIRED | RF_FILTER | RF_LIST, "填报单位/人", "Reported by", 200},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

/* The unit defaults to the indicator's. */
static int report_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    (void)e;
    if (c->op == REC_DELETE) return 0;
    const ind_def *d = ind_find(json_string_value(json_object_get(row, "indicator")));
    const char *unit = json_string_value(json_object_get(row, "unit"));
    if (d && (!unit || !*unit)) json_object_set_new(row, "unit", json_string(d->unit_zh));
    return 0;
}

rec_type type_indicator_report = {
    .name = "indicator_report",
    .path = "indicator_reports",
    .zh = "指标填报值",
    .en = "Reported indicator value",
    .fields = report_fields,
    .read = {SCOPE_ALL, SCOPE_ALL, SCOPE_ALL, SCOPE_ALL, SCOPE_ALL, SCOPE_ALL},
    .write = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE},
    .title_field = "indicator",
    .before_write = report_before_write,
};

/* The enumeration of reported ids is filled from the catalogue before
 * main() runs, so before domain_register() registers the type. */
__attribute__((constructor)) static void init_report_enum(void) { report_fields[0].opts = reported_options(); }

/* ---- helpers ---- */

static void datestr(long d, char out[16]) { util_date_format(d, out, 16); }
static long year_start(long d)
{
    long y;
    unsigned m, dd;
    util_civil_from_days(d, &y, &m, &dd);
    return util_days_from_civil(y, 1, 1);
}
static long year_of(long d)
{
    long y;
    unsigned m, dd;
    util_civil_from_days(d, &y, &m, &dd);
    return y;
}

typedef struct popu {
    int found;
    long year;
    int64_t population;
    char source[512];
} popu;

static int population(store *db, const char *region, long year, popu *out, err *e)
{
    memset(out, 0, sizeof *out);
    store_stmt *st =
        store_prepare(db,
                      "SELECT year, population, source FROM populations WHERE region_code = ? AND year <= ?"
                      " AND deleted_at IS NULL ORDER BY year DESC LIMIT 1",
                      e);
    if (!st) return -1;
    store_bind_text(st, 1, region);
    store_bind_int(st, 2, year);
    int rc = store_step(st, e);
    if (rc == 1) {
        out->found = 1;
        out->year = (long)store_col_int(st, 0);
        out->population = store_col_int(st, 1);
        snprintf(out->source, sizeof out->source, "%s", store_col_text(st, 2) ? store_col_text(st, 2) : "");
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* Measures at a day: stocks on the day, flows over its calendar year. */
typedef struct snap {
    int64_t v[M_N];
} snap;

static int is_flow(int m) { return m >= M_PCT; }

static int cum_row(store *db, const char *region, long day, int64_t m[M_N], err *e)
{
    memset(m, 0, M_N * sizeof *m);
    store_stmt *st = store_prepare(db,
                                   "SELECT m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12 FROM ind_cum"
                                   " WHERE region = ? AND day <= ? ORDER BY day DESC LIMIT 1",
                                   e);
    if (!st) return -1;
    store_bind_text(st, 1, region);
    store_bind_int(st, 2, day);
    int rc = store_step(st, e);
    if (rc == 1)
        for (int k = 0; k < M_N; k++) m[k] = store_col_int(st, k);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int snap_index(store *db, const ind_region *r, long day, snap *s, err *e)
{
    int64_t base[M_N];
    if (cum_row(db, r->code, day, s->v, e) || cum_row(db, r->code, year_start(day) - 1, base, e)) return -1;
    for (int k = 0; k < M_N; k++)
        if (is_flow(k)) s->v[k] -= base[k];
    return 0;
}

/* The first day a patent's pledges add up to at least thr (fen), from the
 * index; IND_NEVER when they never do. */
static int c4_day(store *db, int64_t patent, int64_t thr, long *day, err *e)
{
    *day = IND_NEVER;
    store_stmt *st = store_prepare(db, "SELECT MIN(day) FROM ind_pledges WHERE patent_id = ? AND cum_fen >= ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    store_bind_int(st, 2, thr);
    int rc = store_step(st, e);
    if (rc == 1 && !store_col_isnull(st, 0)) *day = (long)store_col_int(st, 0);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* Which criteria a span meets on day (bit k-1 for criterion k). */
static int span_criteria(store *db, int flags, long c3f, long c3g, long c4, long c5, int64_t patent, long day,
                         const ind_params *p, int *met, err *e)
{
    int m = 0;
    if (flags & SF_C1) m |= 1;
    if (flags & SF_C2) m |= 2;
    if ((maint_grant(p) ? c3g : c3f) <= day) m |= 4;
    int64_t thr = threshold_fen(p);
    if (thr == IND_DEFAULT_THRESHOLD_FEN) {
        if (c4 <= day) m |= 8;
    } else if (flags & SF_PLEDGED) {
        long d;
        if (c4_day(db, patent, thr, &d, e)) return -1;
        if (d <= day) m |= 8;
    }
    if (c5 <= day) m |= 16;
    *met = m;
    return 0;
}

static void add_patent(snap *s, int met)
{
    s->v[M_VALID]++;
    if (met) s->v[M_HV]++;
    for (int k = 0; k < 5; k++)
        if (met & (1 << k)) s->v[M_C1 + k]++;
}

/* Patent measures from the spans, for parameters other than the defaults. */
static int snap_spans(store *db, const ind_region *r, long day, const ind_params *p, snap *s, err *e)
{
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT patent_id, flags, c3f, c3g, c4, c5 FROM ind_spans s WHERE ");
    ind_region_cond(r, "s.region", "s.park", &q);
    buf_puts(&q, " AND s.from_day <= ? AND s.to_day > ? AND (s.bases & ?) <> 0");
    store_stmt *st = store_prepare(db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    store_bind_int(st, 1, day);
    store_bind_int(st, 2, day);
    store_bind_int(st, 3, 1 << basis_of(p));
    int rc;
    /* criterion 4 with another threshold needs a query per pledged patent:
     * collect them first (the statement cache hands out one statement per
     * text, so no nested use of the same text) */
    struct {
        int64_t id;
        int flags;
        long c3f, c3g, c4, c5;
    } *rows = NULL;
    size_t n = 0, cap = 0;
    while ((rc = store_step(st, e)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        rows[n].id = store_col_int(st, 0);
        rows[n].flags = (int)store_col_int(st, 1);
        rows[n].c3f = (long)store_col_int(st, 2);
        rows[n].c3g = (long)store_col_int(st, 3);
        rows[n].c4 = (long)store_col_int(st, 4);
        rows[n].c5 = (long)store_col_int(st, 5);
        n++;
    }
    store_done(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int met;
        if (span_criteria(db, rows[i].flags, rows[i].c3f, rows[i].c3g, rows[i].c4, rows[i].c5, rows[i].id, day, p, &met,
                          e))
            rc = -1;
        else
            add_patent(s, met);
    }
    free(rows);
    return rc < 0 ? -1 : 0;
}

/* ---- the direct computation (no index) ----
 * The same rules applied to the registry tables, with pat_in_force_sql()
 * deciding validity: used to check the index (tests) and as the
 * benchmark's baseline. */

#define PARTY_COLS(a) a ".patent_id, " a ".country, " a ".region_code, " a ".park_code, " a ".address, " a ".name"
#define PARTY_JOINS \
    " LEFT JOIN patent_parties a ON a.patent_id = p.id AND a.role = 'applicant' AND a.seq = 1" \
    " LEFT JOIN patent_parties t ON t.patent_id = p.id AND t.role = 'patentee' AND t.seq = 1"
#define CN_OFFICE "(p.country IS NULL OR p.country = '' OR p.country = 'CN')"

static void party_at(store_stmt *st, int col, ind_party *out)
{
    out->present = !store_col_isnull(st, col);
    out->country = store_col_text(st, col + 1);
    out->region = store_col_text(st, col + 2);
    out->park = store_col_text(st, col + 3);
    out->address = store_col_text(st, col + 4);
    out->name = store_col_text(st, col + 5);
}

/* The transferee of event id. */
static int transfer_place(store *db, int64_t ev, ind_place *out, err *e)
{
    store_stmt *st = store_prepare(db, "SELECT party_region, party_address, party FROM patent_events WHERE id = ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, ev);
    int rc = store_step(st, e);
    char reg[16] = "", *addr = NULL, *party = NULL;
    if (rc == 1) {
        snprintf(reg, sizeof reg, "%s", store_col_text(st, 0) ? store_col_text(st, 0) : "");
        addr = xstrdup(store_col_text(st, 1));
        party = xstrdup(store_col_text(st, 2));
    }
    store_done(st);
    if (rc == 1) ind_place_transferee(db, NULL, reg, addr, party, out);
    free(addr);
    free(party);
    return rc < 0 ? -1 : 0;
}

/* The latest transfer of a patent on or before day (0 when none). */
static int latest_transfer(store *db, int64_t patent, long day, int64_t *ev, err *e)
{
    char ds[16];
    datestr(day, ds);
    store_stmt *st =
        store_prepare(db,
                      "SELECT id FROM patent_events WHERE patent = ? AND deleted_at IS NULL AND kind = 'transfer'"
                      " AND date <= ? ORDER BY date DESC, id DESC LIMIT 1",
                      e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    store_bind_text(st, 2, ds);
    int rc = store_step(st, e);
    *ev = rc == 1 ? store_col_int(st, 0) : 0;
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int direct_c1(store *db, int64_t patent, int *c1, err *e)
{
    *c1 = 0;
    store_stmt *st = store_prepare(db, "SELECT code FROM patent_ipc WHERE patent_id = ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    int rc;
    while ((rc = store_step(st, e)) == 1)
        if (sei_match(store_col_text(st, 0), NULL)) *c1 = 1;
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* The first day the pledges of a patent add up to thr fen (IND_NEVER). */
static int direct_c4(store *db, int64_t patent, int64_t thr, long *day, err *e)
{
    *day = IND_NEVER;
    store_stmt *st = store_prepare(db,
                                   "SELECT date, amount FROM patent_events WHERE patent = ? AND kind = 'pledge'"
                                   " AND deleted_at IS NULL ORDER BY date, id",
                                   e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    int rc;
    int64_t cum = 0;
    while ((rc = store_step(st, e)) == 1) {
        long d;
        if (!ind_day(store_col_text(st, 0), &d)) continue;
        cum += store_col_isnull(st, 1) ? 0 : llround(store_col_double(st, 1) * 100.0);
        if (*day == IND_NEVER && cum >= thr) *day = d;
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int min_grant_event(store *db, int64_t patent, long *g, err *e)
{
    store_stmt *st = store_prepare(
        db, "SELECT MIN(date) FROM patent_events WHERE patent = ? AND deleted_at IS NULL AND kind = 'grant'", e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    int rc = store_step(st, e);
    long d;
    if (rc == 1 && ind_day(store_col_text(st, 0), &d) && (*g < 0 || d < *g)) *g = d;
    store_done(st);
    return rc < 0 ? -1 : 0;
}

typedef struct dpat {
    int64_t id;
    long filing, grant, c5;
    int c2, app_present, pat_present;
    ind_place app, pat;
} dpat;

static int direct_patents(store *db, const ind_region *r, long day, const ind_params *p, snap *s, err *e)
{
    char ds[16];
    datestr(day, ds);
    buf q = BUF_INIT;
    buf_printf(&q,
               "SELECT p.id, p.filing_date, p.grant_date, p.family, p.awards, " PARTY_COLS("a") ", " PARTY_COLS(
                   "t") " FROM patents p" PARTY_JOINS
                        " WHERE p.deleted_at IS NULL AND p.kind = 'invention' AND " CN_OFFICE " AND %s",
               pat_in_force_sql());
    store_stmt *st = store_prepare(db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    for (int i = 1; i <= pat_in_force_params(); i++) store_bind_text(st, i, ds);
    dpat *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        dpat *d = &rows[n++];
        d->id = store_col_int(st, 0);
        ind_day(store_col_text(st, 1), &d->filing);
        ind_day(store_col_text(st, 2), &d->grant);
        d->c2 = ind_family_overseas(store_col_text(st, 3));
        d->c5 = ind_award_day(store_col_text(st, 4));
        ind_party a, t;
        party_at(st, 5, &a);
        party_at(st, 11, &t);
        /* the base place needs the grant day, which may come from an
         * event: keep both parties' places and choose below */
        ind_place_party(&a, &d->app);
        ind_place_party(&t, &d->pat);
        d->app_present = a.present;
        d->pat_present = t.present;
    }
    store_done(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        dpat *d = &rows[i];
        if (min_grant_event(db, d->id, &d->grant, e)) {
            rc = -1;
            break;
        }
        ind_party a = {d->app_present}, t = {d->pat_present};
        const ind_party *w = ind_base_party(basis_of(p), d->grant, &a, &t);
        ind_place pl;
        memset(&pl, 0, sizeof pl);
        if (w == &a) pl = d->app;
        else if (w == &t)
            pl = d->pat;
        int64_t tr;
        if (latest_transfer(db, d->id, day, &tr, e) || (tr && transfer_place(db, tr, &pl, e))) {
            rc = -1;
            break;
        }
        if (!pl.domestic || !ind_region_in(r, pl.region, pl.park)) continue;
        int met = 0, c1;
        if (direct_c1(db, d->id, &c1, e)) {
            rc = -1;
            break;
        }
        if (c1) met |= 1;
        if (d->c2) met |= 2;
        long from = maint_grant(p) ? d->grant : d->filing;
        if (from >= 0 && day >= ind_add_years(from, 10) + 1) met |= 4;
        long c4;
        if (direct_c4(db, d->id, threshold_fen(p), &c4, e)) {
            rc = -1;
            break;
        }
        if (c4 <= day) met |= 8;
        if (d->c5 <= day) met |= 16;
        add_patent(s, met);
    }
    free(rows);
    return rc < 0 ? -1 : 0;
}

typedef struct dpct {
    char num[64];
    int64_t id;
    long day;
    ind_place place;
} dpct;

static int cmp_dpct(const void *a, const void *b)
{
    const dpct *x = a, *y = b;
    int c = strcmp(x->num, y->num);
    if (c) return c;
    if ((x->day < 0) != (y->day < 0)) return x->day < 0 ? 1 : -1;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int direct_pct(store *db, const ind_region *r, long day, snap *s, err *e)
{
    store_stmt *st =
        store_prepare(db,
                      "SELECT p.id, p.pct_app_no, p.filing_date, " PARTY_COLS("a") ", " PARTY_COLS(
                          "t") " FROM patents p" PARTY_JOINS
                               " WHERE p.deleted_at IS NULL AND p.pct_app_no IS NOT NULL AND p.pct_app_no <> ''",
                      e);
    if (!st) return -1;
    dpct *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        char num[64];
        if (!ind_pct_norm(store_col_text(st, 1), num)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        dpct *d = &rows[n++];
        memcpy(d->num, num, sizeof num);
        d->id = store_col_int(st, 0);
        ind_day(store_col_text(st, 2), &d->day);
        ind_party a, t;
        party_at(st, 3, &a);
        party_at(st, 9, &t);
        const ind_party *w = ind_base_party(IND_B_APPLICANT, -1, &a, &t);
        ind_place_party(w, &d->place);
    }
    store_done(st);
    if (rc == 0) {
        if (n > 1) qsort(rows, n, sizeof *rows, cmp_dpct);
        long y0 = year_start(day);
        for (size_t i = 0; i < n; i++) {
            if (i && !strcmp(rows[i].num, rows[i - 1].num)) continue;
            if (rows[i].day < y0 || rows[i].day > day) continue;
            if (rows[i].place.domestic && ind_region_in(r, rows[i].place.region, rows[i].place.park)) s->v[M_PCT]++;
        }
    }
    free(rows);
    return rc < 0 ? -1 : 0;
}

/* The trademark rules in SQL (the index applies the same in C). */
#define TM_DOMESTIC \
    "t.deleted_at IS NULL AND t.region_code IS NOT NULL AND t.region_code <> '' AND substr(t.region_code, 1, 2) NOT IN" \
    " ('71', '81', '82')"
#define TM_REG_IN \
    "t.reg_date IS NOT NULL AND t.status NOT IN ('applied', 'refused') AND t.reg_date >= ? AND t.reg_date <= ?"
#define TM_FORCE_ON \
    "t.reg_date <= ? AND t.status IN ('registered', 'renewed', 'expired') AND ((t.expiry_date IS NULL AND t.status <>" \
    " 'expired') OR t.expiry_date >= ?)"
#define TM_MADRID_IN \
    "t.madrid IS NOT NULL AND t.madrid NOT IN ('', '[]', 'null') AND COALESCE(t.filing_date, t.reg_date) >= ?" \
    " AND COALESCE(t.filing_date, t.reg_date) <= ?"

/* The condition of a trademark indicator with its two date parameters. */
static const char *tm_cond(rec_kind k)
{
    return k == K_TM_REG ? TM_REG_IN : k == K_TM_FORCE ? TM_FORCE_ON : TM_MADRID_IN;
}

static void tm_bind(store_stmt *st, int first, rec_kind k, long day)
{
    char ds[16], y0[16];
    datestr(day, ds);
    datestr(year_start(day), y0);
    if (k == K_TM_FORCE) {
        store_bind_text(st, first, ds);
        store_bind_text(st, first + 1, ds);
    } else {
        store_bind_text(st, first, y0);
        store_bind_text(st, first + 1, ds);
    }
}

static int direct_tm(store *db, const ind_region *r, long day, snap *s, err *e)
{
    static const rec_kind ks[] = {K_TM_REG, K_TM_FORCE, K_MADRID};
    static const int ms[] = {M_TM_REG, M_TM_FORCE, M_MADRID};
    for (int i = 0; i < 3; i++) {
        buf q = BUF_INIT;
        buf_printf(&q, "SELECT COUNT(*) FROM trademarks t WHERE " TM_DOMESTIC " AND %s AND ", tm_cond(ks[i]));
        ind_region_cond(r, "t.region_code", "NULL", &q);
        store_stmt *st = store_prepare(db, q.s, e);
        buf_free(&q);
        if (!st) return -1;
        tm_bind(st, 1, ks[i], day);
        int rc = store_step(st, e);
        if (rc == 1) s->v[ms[i]] = store_col_int(st, 0);
        store_done(st);
        if (rc < 0) return -1;
    }
    return 0;
}

/* Where a patent counts on a day under basis b, computed from the tables. */
static int direct_place(store *db, int64_t patent, long day, int basis, ind_place *out, err *e)
{
    memset(out, 0, sizeof *out);
    store_stmt *st = store_prepare(
        db,
        "SELECT p.grant_date, " PARTY_COLS("a") ", " PARTY_COLS("t") " FROM patents p" PARTY_JOINS " WHERE p.id = ?",
        e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    int rc = store_step(st, e);
    long g = -1;
    ind_place pa, pt;
    int ap = 0, tp = 0;
    if (rc == 1) {
        ind_day(store_col_text(st, 0), &g);
        ind_party a, t;
        party_at(st, 1, &a);
        party_at(st, 7, &t);
        ind_place_party(&a, &pa);
        ind_place_party(&t, &pt);
        ap = a.present;
        tp = t.present;
    }
    store_done(st);
    if (rc < 0) return -1;
    if (min_grant_event(db, patent, &g, e)) return -1;
    ind_party a = {ap}, t = {tp};
    const ind_party *w = ind_base_party(basis, g, &a, &t);
    if (w == &a) *out = pa;
    else if (w == &t)
        *out = pt;
    int64_t tr;
    if (latest_transfer(db, patent, day, &tr, e) || (tr && transfer_place(db, tr, out, e))) return -1;
    return 0;
}

typedef struct dpl {
    int64_t patent, event;
    long day;
    int64_t fen;
    char *pledgee;
    ind_place place;
} dpl;

static int cmp_dpl(const void *a, const void *b)
{
    const dpl *x = a, *y = b;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    int c = strcmp(x->pledgee, y->pledgee);
    if (c) return c;
    c = strcmp(x->place.name, y->place.name);
    if (c) return c;
    if (x->patent != y->patent) return x->patent < y->patent ? -1 : 1;
    return (x->event > y->event) - (x->event < y->event);
}

static int direct_pledges(store *db, const ind_region *r, long day, snap *s, err *e)
{
    char ds[16], y0[16];
    datestr(day, ds);
    datestr(year_start(day), y0);
    store_stmt *st = store_prepare(
        db,
        "SELECT e.id, e.patent, e.date, e.amount, e.party FROM patent_events e JOIN patents p ON p.id ="
        " e.patent WHERE e.deleted_at IS NULL AND e.kind = 'pledge' AND p.deleted_at IS NULL AND " CN_OFFICE
        " AND e.date >= ? AND e.date <= ?",
        e);
    if (!st) return -1;
    store_bind_text(st, 1, y0);
    store_bind_text(st, 2, ds);
    dpl *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        long d;
        if (!ind_day(store_col_text(st, 2), &d)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        dpl *x = &rows[n++];
        x->event = store_col_int(st, 0);
        x->patent = store_col_int(st, 1);
        x->day = d;
        x->fen = store_col_isnull(st, 3) ? 0 : llround(store_col_double(st, 3) * 100.0);
        x->pledgee = xstrdup(store_col_text(st, 4) ? store_col_text(st, 4) : "");
    }
    store_done(st);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (direct_place(db, rows[i].patent, rows[i].day, IND_B_CNIPA, &rows[i].place, e)) rc = -1;
    if (rc == 0) {
        /* only domestic pledges are items; sort them, group, count */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (rows[i].place.domestic) {
                dpl tmp = rows[k];
                rows[k++] = rows[i];
                rows[i] = tmp;
            }
        }
        if (k > 1) qsort(rows, k, sizeof *rows, cmp_dpl);
        for (size_t i = 0; i < k;) {
            size_t j = i;
            int64_t amount = 0;
            while (j < k && rows[j].day == rows[i].day && !strcmp(rows[j].pledgee, rows[i].pledgee) &&
                   !strcmp(rows[j].place.name, rows[i].place.name)) {
                if (rows[j].fen > amount) amount = rows[j].fen;
                j++;
            }
            if (ind_region_in(r, rows[i].place.region, rows[i].place.park)) {
                s->v[M_PLEDGE_N]++;
                s->v[M_PLEDGE_FEN] += amount;
            }
            i = j;
        }
    }
    for (size_t i = 0; i < n; i++) free(rows[i].pledgee);
    free(rows);
    return rc < 0 ? -1 : 0;
}

static int snap_direct(store *db, const ind_region *r, long day, const ind_params *p, snap *s, err *e)
{
    memset(s, 0, sizeof *s);
    if (sei_ready(e)) return -1;
    if (direct_patents(db, r, day, p, s, e) || direct_pct(db, r, day, s, e) || direct_tm(db, r, day, s, e) ||
        direct_pledges(db, r, day, s, e))
        return -1;
    return 0;
}

/* ---- values ---- */

/* Makes sure the index answers: rebuilt when stale and the registry is
 * small (or it was never built); otherwise the stale index answers and
 * says so. */
static int ensure_index(store *db, unsigned flags, int *stale, char built_at[40], err *e)
{
    *stale = 0;
    built_at[0] = '\0';
    if (flags & IND_DIRECT) return 0;
    int fresh;
    if (ind_index_fresh(db, &fresh, built_at, e)) return -1;
    if (fresh || (flags & IND_NO_REFRESH)) {
        *stale = !fresh;
        return 0;
    }
    int64_t maxid = 0;
    if (store_query_int(db, "SELECT COALESCE(MAX(id), 0) FROM patents", &maxid, e, 0)) return -1;
    if (maxid <= IND_LIVE_REBUILD_MAX || !built_at[0]) {
        if (ind_index_refresh(db, NULL, e)) {
            /* busy (another writer): the index there is still an answer */
            if (!built_at[0] || e->status != 503) return -1;
            err_clear(e);
        }
        if (ind_index_fresh(db, &fresh, built_at, e)) return -1;
    }
    *stale = !fresh;
    return 0;
}

typedef struct vctx {
    store *db;
    ind_region r;
    long day;
    ind_params p;
    unsigned flags;
    int have_snap, spans_done, stale;
    snap s;
    int have_pop;
    popu pop;
    char built_at[40];
} vctx;

static int vctx_init(vctx *c, store *db, const char *region, long day, const ind_params *p, unsigned flags, err *e)
{
    memset(c, 0, sizeof *c);
    c->db = db;
    c->day = day;
    c->flags = flags;
    if (p) c->p = *p;
    else
        ind_params_default(&c->p);
    if (ind_region_get(db, region, &c->r, e)) return -1;
    return ensure_index(db, flags, &c->stale, c->built_at, e);
}

static int vctx_snap(vctx *c, int patents, err *e)
{
    if (!c->have_snap) {
        if (c->flags & IND_DIRECT) {
            if (snap_direct(c->db, &c->r, c->day, &c->p, &c->s, e)) return -1;
            c->spans_done = 1;
        } else if (snap_index(c->db, &c->r, c->day, &c->s, e))
            return -1;
        c->have_snap = 1;
    }
    if (patents && !c->spans_done) {
        if (!ind_params_is_default(&c->p)) {
            for (int k = M_VALID; k <= M_C5; k++) c->s.v[k] = 0;
            if (snap_spans(c->db, &c->r, c->day, &c->p, &c->s, e)) return -1;
        }
        c->spans_done = 1;
    }
    return 0;
}

static int vctx_pop(vctx *c, err *e)
{
    if (!c->have_pop) {
        if (population(c->db, c->r.code, year_of(c->day), &c->pop, e)) return -1;
        c->have_pop = 1;
    }
    return 0;
}

static double round4(double x) { return round(x * 10000.0) / 10000.0; }

static void set_note(json_t *o, const char *zh, const char *en)
{
    json_object_set_new(o, "note_zh", json_string(zh));
    json_object_set_new(o, "note_en", json_string(en));
}

/* A reported value: the latest report on or before the day (for yearly
 * flows: within the day's calendar year). */
static int reported_value(vctx *c, const ind_def *d, json_t *o, err *e)
{
    char ds[16], y0[16];
    datestr(c->day, ds);
    datestr(d->yearly ? year_start(c->day) : util_days_from_civil(1, 1, 1), y0);
    store_stmt *st =
        store_prepare(c->db,
                      "SELECT id, value, date, unit, source, reported_by, note FROM indicator_reports"
                      " WHERE indicator = ? AND region_code = ? AND date <= ? AND date >= ? AND deleted_at IS NULL"
                      " ORDER BY date DESC, id DESC LIMIT 1",
                      e);
    if (!st) return -1;
    store_bind_text(st, 1, d->id);
    store_bind_text(st, 2, c->r.code);
    store_bind_text(st, 3, ds);
    store_bind_text(st, 4, y0);
    int rc = store_step(st, e);
    if (rc == 1) {
        double v = store_col_double(st, 1);
        json_object_set_new(o, "value", json_real(v));
        json_object_set_new(o, "has_value", json_true());
        json_t *rep = json_pack("{s:I,s:f,s:s,s:s?,s:s,s:s,s:s?}", "record_id", (json_int_t)store_col_int(st, 0),
                                "value", v, "date", store_col_text(st, 2), "unit", store_col_text(st, 3), "source",
                                store_col_text(st, 4), "by", store_col_text(st, 5), "note", store_col_text(st, 6));
        json_object_set_new(o, "reported", rep);
    }
    store_done(st);
    if (rc < 0) return -1;
    if (rc == 0) {
        json_object_set_new(o, "value", json_null());
        json_object_set_new(o, "has_value", json_false());
        char *zh = xasprintf("暂无 %s 截至 %s 的填报值（在“指标填报值”中录入）", c->r.code, ds);
        char *en =
            xasprintf("no reported value for %s as of %s (enter one under reported indicator values)", c->r.code, ds);
        set_note(o, zh, en);
        free(zh);
        free(en);
    }
    return 0;
}

/* value, has_value (and numerator, denominator, population, note for the
 * per-10k ones) of a computed indicator from measures and population. */
static void fill_value(json_t *o, const struct calc *k, const snap *s, const popu *pop, long y, const char *region)
{
    int64_t num = s->v[k->measure];
    if (k->measure == M_PLEDGE_FEN) {
        json_object_set_new(o, "value", json_real((double)num / 100.0));
        json_object_set_new(o, "has_value", json_true());
    } else if (!k->per10k) {
        json_object_set_new(o, "value", json_integer(num));
        json_object_set_new(o, "has_value", json_true());
    } else {
        json_object_set_new(o, "numerator", json_integer(num));
        if (!pop->found || pop->population <= 0) {
            json_object_set_new(o, "value", json_null());
            json_object_set_new(o, "has_value", json_false());
            json_object_set_new(o, "denominator", json_null());
            char *zh = xasprintf("暂无 %s %ld 年人口数据", region, y);
            char *en = xasprintf("no population for %s in %ld", region, y);
            set_note(o, zh, en);
            free(zh);
            free(en);
        } else {
            double den = (double)pop->population / 10000.0;
            json_object_set_new(o, "value", json_real(round4((double)num / den)));
            json_object_set_new(o, "has_value", json_true());
            json_object_set_new(o, "denominator", json_real(den));
            json_object_set_new(o, "population", json_integer(pop->population));
            json_object_set_new(o, "population_year", json_integer(pop->year));
            json_object_set_new(o, "population_source", json_string(pop->source));
            if (pop->year != y) {
                char *zh = xasprintf("使用 %ld 年人口（%ld 年暂无）", pop->year, y);
                char *en = xasprintf("population of %ld used (none for %ld yet)", pop->year, y);
                set_note(o, zh, en);
                free(zh);
                free(en);
            }
        }
    }
}

static json_t *criteria_json(const snap *s)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I}", "c1", (json_int_t)s->v[M_C1], "c2", (json_int_t)s->v[M_C2], "c3",
                     (json_int_t)s->v[M_C3], "c4", (json_int_t)s->v[M_C4], "c5", (json_int_t)s->v[M_C5]);
}

static int value_json(vctx *c, const ind_def *d, json_t **out, err *e)
{
    char ds[16];
    datestr(c->day, ds);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "id", d->id, "name_zh", d->zh, "name_en",
                          d->en, "unit_zh", d->unit_zh, "unit_en", d->unit_en, "region", c->r.code, "region_name_zh",
                          c->r.name_zh, "region_name_en", c->r.name_en, "date", ds, "source",
                          d->reported ? "reported" : "computed", "yearly", d->yearly);
    if (d->yearly) {
        char y0[16];
        datestr(year_start(c->day), y0);
        json_object_set_new(o, "period", json_pack("{s:s,s:s}", "from", y0, "to", ds));
    }
    const struct calc *k = calc_of(d);
    if (d->reported || !k || k->measure < 0) {
        if (k) {
            json_object_set_new(o, "how_zh", json_string(k->how_zh));
            json_object_set_new(o, "how_en", json_string(k->how_en));
        }
        if (reported_value(c, d, o, e)) {
            json_decref(o);
            return -1;
        }
        *out = o;
        return 0;
    }
    int patents = k->kind == K_PATENTS;
    if (vctx_snap(c, patents, e)) {
        json_decref(o);
        return -1;
    }
    json_object_set_new(o, "how_zh", json_string(k->how_zh));
    json_object_set_new(o, "how_en", json_string(k->how_en));
    if (k->per10k && vctx_pop(c, e)) {
        json_decref(o);
        return -1;
    }
    fill_value(o, k, &c->s, &c->pop, year_of(c->day), c->r.code);
    if (k->hv) json_object_set_new(o, "criteria", criteria_json(&c->s));
    if (patents) json_object_set_new(o, "params", params_json(&c->p));
    if (c->flags & IND_DIRECT) json_object_set_new(o, "direct", json_true());
    else
        json_object_set_new(
            o, "index", json_pack("{s:s?,s:b}", "built_at", c->built_at[0] ? c->built_at : NULL, "stale", c->stale));
    *out = o;
    return 0;
}

static int unknown_indicator(const char *id, err *e)
{
    return err_set(e, 404, "indicator.not_found", "没有指标“%s”", "No indicator \"%s\"", id ? id : "", id ? id : "");
}

int ind_value_ex(store *db, const char *id, const char *region, long day, const ind_params *p, unsigned flags,
                 json_t **out, err *e)
{
    *out = NULL;
    const ind_def *d = ind_find(id);
    if (!d) return unknown_indicator(id, e);
    vctx c;
    if (vctx_init(&c, db, region, day, p, flags, e)) return -1;
    return value_json(&c, d, out, e);
}

int ind_value(store *db, const char *id, const char *region, long day, const ind_params *p, json_t **out, err *e)
{
    return ind_value_ex(db, id, region, day, p, 0, out, e);
}

int ind_values(store *db, const char *region, long day, const ind_params *p, unsigned flags, json_t **out, err *e)
{
    *out = NULL;
    vctx c;
    if (vctx_init(&c, db, region, day, p, flags, e)) return -1;
    json_t *items = json_array();
    for (const ind_def *d = defs; d->id; d++) {
        json_t *v;
        if (value_json(&c, d, &v, e)) {
            json_decref(items);
            return -1;
        }
        json_array_append_new(items, v);
    }
    char ds[16];
    datestr(day, ds);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "region", c.r.code, "region_name_zh", c.r.name_zh,
                          "region_name_en", c.r.name_en, "date", ds, "params", params_json(&c.p), "items", items);
    if (flags & IND_DIRECT) json_object_set_new(o, "direct", json_true());
    else
        json_object_set_new(o, "index",
                            json_pack("{s:s?,s:b}", "built_at", c.built_at[0] ? c.built_at : NULL, "stale", c.stale));
    *out = o;
    return 0;
}

/* ---- time series ---- */

#define MAX_POINTS 1200

static long month_end(long y, unsigned m)
{
    return m == 12 ? util_days_from_civil(y, 12, 31) : util_days_from_civil(y, m + 1, 1) - 1;
}

/* The ends of each month or year within [from, to], and `to` itself when
 * it is not one. */
static int period_points(long from, long to, char step, long **out, size_t *n, err *e)
{
    *out = NULL;
    *n = 0;
    if (step != 'm' && step != 'y')
        return err_set(e, 400, "query.value", "参数 step 应为 month 或 year", "Parameter step must be month or year");
    if (from > to)
        return err_set(e, 400, "query.value", "参数 from 不能晚于 to", "Parameter from must not be after to");
    long y;
    unsigned m, d;
    util_civil_from_days(from, &y, &m, &d);
    long *pts = xmalloc((MAX_POINTS + 1) * sizeof *pts);
    size_t k = 0;
    for (;;) {
        long end = step == 'y' ? util_days_from_civil(y, 12, 31) : month_end(y, m);
        if (end > to) break;
        if (k == MAX_POINTS) {
            free(pts);
            return err_set(e, 400, "query.range", "时间序列最多 %d 个时点，请缩短区间或按年",
                           "A series has at most %d points: shorten the range or use step=year", MAX_POINTS,
                           MAX_POINTS);
        }
        pts[k++] = end;
        if (step == 'y' || m == 12) {
            y++;
            m = 1;
        } else
            m++;
    }
    if (!k || pts[k - 1] != to) pts[k++] = to;
    *out = pts;
    *n = k;
    return 0;
}

typedef struct cumrows {
    long *day;
    int64_t (*m)[M_N];
    size_t n;
} cumrows;

static void cumrows_free(cumrows *c)
{
    free(c->day);
    free(c->m);
    memset(c, 0, sizeof *c);
}

static int cumrows_load(store *db, const char *region, long upto, cumrows *c, err *e)
{
    memset(c, 0, sizeof *c);
    store_stmt *st = store_prepare(db,
                                   "SELECT day, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12 FROM ind_cum"
                                   " WHERE region = ? AND day <= ? ORDER BY day",
                                   e);
    if (!st) return -1;
    store_bind_text(st, 1, region);
    store_bind_int(st, 2, upto);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        if (c->n == cap) {
            cap = cap ? cap * 2 : 256;
            c->day = xrealloc(c->day, cap * sizeof *c->day);
            c->m = xrealloc(c->m, cap * sizeof *c->m);
        }
        c->day[c->n] = (long)store_col_int(st, 0);
        for (int k = 0; k < M_N; k++) c->m[c->n][k] = store_col_int(st, k + 1);
        c->n++;
    }
    store_done(st);
    if (rc < 0) cumrows_free(c);
    return rc < 0 ? -1 : 0;
}

/* The cumulative measures on day (the last row on or before it). */
static void cumrows_at(const cumrows *c, long day, int64_t out[M_N])
{
    size_t lo = 0, hi = c->n; /* first row with day > day */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->day[mid] <= day) lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) memset(out, 0, M_N * sizeof *out);
    else
        memcpy(out, c->m[lo - 1], M_N * sizeof *out);
}

static void cumrows_snap(const cumrows *c, long day, snap *s)
{
    int64_t base[M_N];
    cumrows_at(c, day, s->v);
    cumrows_at(c, year_start(day) - 1, base);
    for (int k = 0; k < M_N; k++)
        if (is_flow(k)) s->v[k] -= base[k];
}

typedef struct pops {
    popu *p;
    size_t n;
} pops;

static int pops_load(store *db, const char *region, pops *out, err *e)
{
    memset(out, 0, sizeof *out);
    store_stmt *st =
        store_prepare(db,
                      "SELECT year, population, source FROM populations WHERE region_code = ? AND deleted_at IS NULL"
                      " ORDER BY year",
                      e);
    if (!st) return -1;
    store_bind_text(st, 1, region);
    int rc;
    size_t cap = 0;
    while ((rc = store_step(st, e)) == 1) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->p = xrealloc(out->p, cap * sizeof *out->p);
        }
        popu *p = &out->p[out->n++];
        p->found = 1;
        p->year = (long)store_col_int(st, 0);
        p->population = store_col_int(st, 1);
        snprintf(p->source, sizeof p->source, "%s", store_col_text(st, 2) ? store_col_text(st, 2) : "");
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static popu pops_for(const pops *ps, long year)
{
    popu none = {0};
    for (size_t i = ps->n; i > 0; i--)
        if (ps->p[i - 1].year <= year) return ps->p[i - 1];
    return none;
}

static size_t lower_bound(const long *pts, size_t n, long x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pts[mid] < x) lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Patent measures at every point from the spans (parameters other than
 * the defaults): difference arrays over the points. */
static int spans_series(store *db, const ind_region *r, const long *pts, size_t n, const ind_params *p, snap *out,
                        err *e)
{
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT patent_id, flags, c3f, c3g, c4, c5, from_day, to_day FROM ind_spans s WHERE ");
    ind_region_cond(r, "s.region", "s.park", &q);
    buf_puts(&q, " AND (s.bases & ?) <> 0 AND s.to_day > ? AND s.from_day <= ?");
    store_stmt *st = store_prepare(db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    store_bind_int(st, 1, 1 << basis_of(p));
    store_bind_int(st, 2, pts[0]);
    store_bind_int(st, 3, pts[n - 1]);
    struct row {
        int64_t id;
        int flags;
        long c3f, c3g, c4, c5, from, to;
    } *rows = NULL;
    size_t nr = 0, cap = 0;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        if (nr == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        struct row *x = &rows[nr++];
        x->id = store_col_int(st, 0);
        x->flags = (int)store_col_int(st, 1);
        x->c3f = (long)store_col_int(st, 2);
        x->c3g = (long)store_col_int(st, 3);
        x->c4 = (long)store_col_int(st, 4);
        x->c5 = (long)store_col_int(st, 5);
        x->from = (long)store_col_int(st, 6);
        x->to = (long)store_col_int(st, 7);
    }
    store_done(st);
    int64_t(*diff)[7] = xcalloc(n + 1, sizeof *diff); /* valid, hv, c1..c5 */
    int64_t thr = threshold_fen(p);
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        struct row *x = &rows[i];
        long c4 = x->c4;
        if (thr != IND_DEFAULT_THRESHOLD_FEN) {
            c4 = IND_NEVER;
            if ((x->flags & SF_PLEDGED) && c4_day(db, x->id, thr, &c4, e)) {
                rc = -1;
                break;
            }
        }
        long cd[5] = {(x->flags & SF_C1) ? IND_ALWAYS : IND_NEVER, (x->flags & SF_C2) ? IND_ALWAYS : IND_NEVER,
                      maint_grant(p) ? x->c3g : x->c3f, c4, x->c5};
        long hv = IND_NEVER;
        for (int k = 0; k < 5; k++)
            if (cd[k] < hv) hv = cd[k];
        size_t end = lower_bound(pts, n, x->to);
        size_t a = lower_bound(pts, n, x->from);
        diff[a][0]++;
        diff[end][0]--;
        long st1 = hv > x->from ? hv : x->from;
        if (st1 < x->to) {
            diff[lower_bound(pts, n, st1)][1]++;
            diff[end][1]--;
        }
        for (int k = 0; k < 5; k++) {
            long sk = cd[k] > x->from ? cd[k] : x->from;
            if (sk < x->to) {
                diff[lower_bound(pts, n, sk)][2 + k]++;
                diff[end][2 + k]--;
            }
        }
    }
    int64_t run[7] = {0};
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (int k = 0; k < 7; k++) run[k] += diff[i][k];
        out[i].v[M_VALID] = run[0];
        out[i].v[M_HV] = run[1];
        for (int k = 0; k < 5; k++) out[i].v[M_C1 + k] = run[2 + k];
    }
    free(diff);
    free(rows);
    return rc < 0 ? -1 : 0;
}

int ind_series(store *db, const char *id, const char *region, long from, long to, char step, const ind_params *p,
               unsigned flags, json_t **out, err *e)
{
    *out = NULL;
    const ind_def *d = ind_find(id);
    if (!d) return unknown_indicator(id, e);
    long *pts;
    size_t n;
    if (period_points(from, to, step, &pts, &n, e)) return -1;
    vctx c;
    if (vctx_init(&c, db, region, to, p, flags, e)) {
        free(pts);
        return -1;
    }
    const struct calc *k = calc_of(d);
    int computed = !d->reported && k && k->measure >= 0;
    snap *ss = xcalloc(n, sizeof *ss);
    pops ps = {0};
    int rc = 0;
    if (computed) {
        if (flags & IND_DIRECT) {
            for (size_t i = 0; !rc && i < n; i++) rc = snap_direct(db, &c.r, pts[i], &c.p, &ss[i], e);
        } else {
            cumrows cr;
            rc = cumrows_load(db, c.r.code, pts[n - 1], &cr, e);
            if (!rc) {
                for (size_t i = 0; i < n; i++) cumrows_snap(&cr, pts[i], &ss[i]);
                cumrows_free(&cr);
            }
            if (!rc && k->kind == K_PATENTS && !ind_params_is_default(&c.p))
                rc = spans_series(db, &c.r, pts, n, &c.p, ss, e);
        }
        if (!rc && k->per10k) rc = pops_load(db, c.r.code, &ps, e);
    }
    json_t *arr = json_array();
    for (size_t i = 0; !rc && i < n; i++) {
        char ds[16];
        datestr(pts[i], ds);
        json_t *o = json_pack("{s:s}", "date", ds);
        if (computed) {
            popu pop = pops_for(&ps, year_of(pts[i]));
            fill_value(o, k, &ss[i], &pop, year_of(pts[i]), c.r.code);
            if (k->hv) json_object_set_new(o, "criteria", criteria_json(&ss[i]));
        } else {
            vctx pc = c;
            pc.day = pts[i];
            rc = reported_value(&pc, d, o, e);
        }
        json_array_append_new(arr, o);
    }
    free(ss);
    free(ps.p);
    if (rc) {
        free(pts);
        json_decref(arr);
        return -1;
    }
    char f[16], t[16];
    datestr(from, f);
    datestr(to, t);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "id", d->id, "name_zh", d->zh, "name_en", d->en,
                  "unit_zh", d->unit_zh, "unit_en", d->unit_en, "region", c.r.code, "region_name_zh", c.r.name_zh,
                  "from", f, "to", t, "step", step == 'y' ? "year" : "month", "yearly", d->yearly, "points", arr);
    if (computed && k->kind == K_PATENTS) json_object_set_new(o, "params", params_json(&c.p));
    if (flags & IND_DIRECT) json_object_set_new(o, "direct", json_true());
    else if (computed)
        json_object_set_new(o, "index",
                            json_pack("{s:s?,s:b}", "built_at", c.built_at[0] ? c.built_at : NULL, "stale", c.stale));
    free(pts);
    *out = o;
    return 0;
}

int ind_series_all(store *db, const char *const *regions, long from, long to, char step, ind_series_fn fn, void *ctx,
                   err *e)
{
    long *pts;
    size_t n;
    if (period_points(from, to, step, &pts, &n, e)) return -1;
    int stale;
    char built[40];
    if (ensure_index(db, 0, &stale, built, e)) {
        free(pts);
        return -1;
    }
    /* every district when no list is given */
    char **owned = NULL;
    size_t nown = 0;
    if (!regions) {
        store_stmt *st = store_prepare(
            db, "SELECT code FROM regions WHERE level = 'district' AND deleted_at IS NULL ORDER BY code", e);
        if (!st) {
            free(pts);
            return -1;
        }
        int rc;
        size_t cap = 0;
        while ((rc = store_step(st, e)) == 1) {
            if (nown + 1 >= cap) {
                cap = cap ? cap * 2 : 256;
                owned = xrealloc(owned, cap * sizeof *owned);
            }
            owned[nown++] = xstrdup(store_col_text(st, 0));
        }
        store_done(st);
        if (rc < 0) {
            for (size_t i = 0; i < nown; i++) free(owned[i]);
            free(owned);
            free(pts);
            return -1;
        }
        if (!owned) owned = xmalloc(sizeof *owned);
        owned[nown] = NULL;
        regions = (const char *const *)owned;
    }
    int ndefs = 0;
    while (defs[ndefs].id) ndefs++;
    double *vals = xmalloc((size_t)ndefs * sizeof *vals);
    unsigned char *has = xmalloc((size_t)ndefs);
    int rc = 0;
    for (size_t ri = 0; !rc && regions[ri]; ri++) {
        cumrows cr;
        pops ps;
        if (cumrows_load(db, regions[ri], pts[n - 1], &cr, e)) {
            rc = -1;
            break;
        }
        if (pops_load(db, regions[ri], &ps, e)) {
            cumrows_free(&cr);
            rc = -1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            snap s;
            cumrows_snap(&cr, pts[i], &s);
            popu pop = pops_for(&ps, year_of(pts[i]));
            for (int di = 0; di < ndefs; di++) {
                const struct calc *k = calc_of(&defs[di]);
                vals[di] = NAN;
                has[di] = 0;
                if (defs[di].reported || !k || k->measure < 0) continue;
                int64_t num = s.v[k->measure];
                if (k->measure == M_PLEDGE_FEN) vals[di] = (double)num / 100.0, has[di] = 1;
                else if (!k->per10k)
                    vals[di] = (double)num, has[di] = 1;
                else if (pop.found && pop.population > 0)
                    vals[di] = round4((double)num * 10000.0 / (double)pop.population), has[di] = 1;
            }
            fn(ctx, regions[ri], pts[i], vals, has);
        }
        cumrows_free(&cr);
        free(ps.p);
    }
    free(vals);
    free(has);
    for (size_t i = 0; i < nown; i++) free(owned[i]);
    free(owned);
    free(pts);
    return rc;
}

/* ---- records (drill-down) ---- */

static const char *kind_name(rec_kind k)
{
    return k == K_PATENTS   ? "patents"
           : k == K_PCT     ? "pct_applications"
           : k == K_PLEDGES ? "pledges"
           : k == K_NONE    ? "reports"
                            : "trademarks";
}

/* The IPC codes of a patent that meet criterion 1, with the concordance
 * code that covers each and its industries. */
static int c1_codes(store *db, int64_t patent, json_t **out, err *e)
{
    json_t *arr = json_array();
    store_stmt *st = store_prepare(db, "SELECT code FROM patent_ipc WHERE patent_id = ? ORDER BY seq", e);
    if (!st) {
        json_decref(arr);
        return -1;
    }
    store_bind_int(st, 1, patent);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        sei_hit h;
        const char *code = store_col_text(st, 0);
        if (!sei_match(code, &h)) continue;
        json_t *inds = json_array();
        for (int i = 0; i < h.nids; i++) {
            const char *ic = sei_industry_code(h.ids[i]), *in = sei_industry_name(h.ids[i]);
            if (!ic) continue;
            int dup = 0;
            size_t k;
            json_t *x;
            json_array_foreach(inds, k, x) if (!strcmp(json_string_value(json_object_get(x, "code")), ic)) dup = 1;
            if (!dup) json_array_append_new(inds, json_pack("{s:s,s:s}", "code", ic, "name", in));
        }
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:o}", "code", code, "covered_by", h.code, "how", h.how, "industries", inds));
    }
    store_done(st);
    if (rc < 0) {
        json_decref(arr);
        return -1;
    }
    *out = arr;
    return 0;
}

static int pledged_upto(store *db, int64_t patent, long day, int64_t *fen, err *e)
{
    *fen = 0;
    store_stmt *st = store_prepare(db, "SELECT MAX(cum_fen) FROM ind_pledges WHERE patent_id = ? AND day <= ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, patent);
    store_bind_int(st, 2, day);
    int rc = store_step(st, e);
    if (rc == 1) *fen = store_col_int(st, 0);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int records_patents(vctx *c, const struct calc *k, int64_t after, int limit, json_t *items, int64_t *last,
                           err *e)
{
    buf q = BUF_INIT;
    buf_puts(&q,
             "SELECT s.patent_id, s.region, s.park, s.flags, s.c3f, s.c3g, s.c4, s.c5, s.from_day, p.appno, p.title,"
             " p.grant_date, p.filing_date, p.holders FROM ind_spans s JOIN patents p ON p.id = s.patent_id WHERE ");
    ind_region_cond_paged(&c->r, "s.region", "s.park", &q);
    buf_puts(&q, " AND s.from_day <= ? AND s.to_day > ? AND (s.bases & ?) <> 0 AND s.patent_id > ?");
    int custom_c4 = threshold_fen(&c->p) != IND_DEFAULT_THRESHOLD_FEN;
    if (k->hv) {
        buf_printf(&q, " AND ((s.flags & 3) <> 0 OR s.%s <= ? OR s.c5 <= ? OR ", maint_grant(&c->p) ? "c3g" : "c3f");
        if (custom_c4)
            buf_puts(
                &q, "((s.flags & 16) <> 0 AND (SELECT MIN(x.day) FROM ind_pledges x WHERE x.patent_id = s.patent_id AND"
                    " x.cum_fen >= ?) <= ?))");
        else
            buf_puts(&q, "s.c4 <= ?)");
    }
    buf_puts(&q, " ORDER BY s.patent_id LIMIT ?");
    store_stmt *st = store_prepare(c->db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    int i = 1;
    store_bind_int(st, i++, c->day);
    store_bind_int(st, i++, c->day);
    store_bind_int(st, i++, 1 << basis_of(&c->p));
    store_bind_int(st, i++, after);
    if (k->hv) {
        store_bind_int(st, i++, c->day);
        store_bind_int(st, i++, c->day);
        if (custom_c4) store_bind_int(st, i++, threshold_fen(&c->p));
        store_bind_int(st, i++, c->day);
    }
    store_bind_int(st, i++, limit);
    int rc;
    json_t *tmp = json_array(); /* rows first: the criteria need other statements */
    while ((rc = store_step(st, e)) == 1) {
        json_t *o =
            json_pack("{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:I,s:I,s:I,s:I,s:I}", "patent_id",
                      (json_int_t)store_col_int(st, 0), "appno", store_col_text(st, 9), "title", store_col_text(st, 10),
                      "grant_date", store_col_text(st, 11), "filing_date", store_col_text(st, 12), "holders",
                      store_col_text(st, 13), "region", store_col_text(st, 1), "_flags",
                      (json_int_t)store_col_int(st, 3), "_c3f", (json_int_t)store_col_int(st, 4), "_c3g",
                      (json_int_t)store_col_int(st, 5), "_c4", (json_int_t)store_col_int(st, 6), "_c5",
                      (json_int_t)store_col_int(st, 7), "_from", (json_int_t)store_col_int(st, 8));
        if (store_col_text(st, 2)) json_object_set_new(o, "park", json_string(store_col_text(st, 2)));
        json_array_append_new(tmp, o);
    }
    store_done(st);
    size_t n;
    json_t *o;
    json_array_foreach(tmp, n, o)
    {
        if (rc < 0) break;
        int64_t id = json_integer_value(json_object_get(o, "patent_id"));
        int flags = (int)json_integer_value(json_object_get(o, "_flags"));
        int met;
        if (span_criteria(c->db, flags, (long)json_integer_value(json_object_get(o, "_c3f")),
                          (long)json_integer_value(json_object_get(o, "_c3g")),
                          (long)json_integer_value(json_object_get(o, "_c4")),
                          (long)json_integer_value(json_object_get(o, "_c5")), id, c->day, &c->p, &met, e)) {
            rc = -1;
            break;
        }
        char fd[16];
        datestr((long)json_integer_value(json_object_get(o, "_from")), fd);
        json_object_set_new(o, "counted_from", json_string(fd));
        json_object_set_new(o, "high_value", json_boolean(met != 0));
        json_t *crit = json_object(), *list = json_array();
        for (int b = 0; b < 5; b++) {
            char key[4] = {'c', (char)('1' + b), 0};
            json_object_set_new(crit, key, json_boolean(met & (1 << b)));
            if (met & (1 << b)) json_array_append_new(list, json_string(key));
        }
        json_object_set_new(o, "criteria", crit);
        json_object_set_new(o, "met", list);
        if (met & 1) {
            json_t *codes;
            if (c1_codes(c->db, id, &codes, e)) {
                rc = -1;
                break;
            }
            json_object_set_new(o, "c1_codes", codes);
        }
        if (flags & SF_PLEDGED) {
            int64_t fen;
            if (pledged_upto(c->db, id, c->day, &fen, e)) {
                rc = -1;
                break;
            }
            json_object_set_new(o, "pledged_cny", json_real((double)fen / 100.0));
        }
        long c3 = (long)json_integer_value(json_object_get(o, maint_grant(&c->p) ? "_c3g" : "_c3f"));
        if (c3 < IND_NEVER) {
            char d3[16];
            datestr(c3, d3);
            json_object_set_new(o, "maintained_10y_from", json_string(d3));
        }
        json_object_del(o, "_flags");
        json_object_del(o, "_c3f");
        json_object_del(o, "_c3g");
        json_object_del(o, "_c4");
        json_object_del(o, "_c5");
        json_object_del(o, "_from");
        *last = id;
        json_array_append(items, o);
    }
    json_decref(tmp);
    return rc < 0 ? -1 : 0;
}

static int records_pct(vctx *c, int64_t after, int limit, json_t *items, int64_t *last, err *e)
{
    buf q = BUF_INIT;
    buf_puts(
        &q, "SELECT i.ref_id, i.region, i.park, i.day, p.appno, p.title, p.pct_app_no, p.filing_date, p.first_applicant"
            " FROM ind_items i JOIN patents p ON p.id = i.ref_id WHERE i.kind = 'pct' AND ");
    ind_region_cond_paged(&c->r, "i.region", "i.park", &q);
    buf_puts(&q, " AND i.day >= ? AND i.day <= ? AND i.ref_id > ? ORDER BY i.ref_id LIMIT ?");
    store_stmt *st = store_prepare(c->db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    store_bind_int(st, 1, year_start(c->day));
    store_bind_int(st, 2, c->day);
    store_bind_int(st, 3, after);
    store_bind_int(st, 4, limit);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        json_t *o = json_pack("{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "patent_id", (json_int_t)store_col_int(st, 0),
                              "appno", store_col_text(st, 4), "title", store_col_text(st, 5), "pct_app_no",
                              store_col_text(st, 6), "filing_date", store_col_text(st, 7), "first_applicant",
                              store_col_text(st, 8), "region", store_col_text(st, 1));
        if (store_col_text(st, 2)) json_object_set_new(o, "park", json_string(store_col_text(st, 2)));
        *last = store_col_int(st, 0);
        json_array_append_new(items, o);
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int records_tm(vctx *c, rec_kind k, int64_t after, int limit, json_t *items, int64_t *last, err *e)
{
    buf q = BUF_INIT;
    buf_printf(
        &q,
        "SELECT t.id, t.reg_no, t.mark_text, t.applicant, t.region_code, t.filing_date, t.reg_date, t.expiry_date,"
        " t.status, t.madrid FROM trademarks t WHERE " TM_DOMESTIC " AND %s AND ",
        tm_cond(k));
    ind_region_cond(&c->r, "t.region_code", "NULL", &q);
    buf_puts(&q, " AND t.id > ? ORDER BY t.id LIMIT ?");
    store_stmt *st = store_prepare(c->db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    tm_bind(st, 1, k, c->day);
    store_bind_int(st, 3, after);
    store_bind_int(st, 4, limit);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        json_t *o = json_pack(
            "{s:I,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "trademark_id", (json_int_t)store_col_int(st, 0), "reg_no",
            store_col_text(st, 1), "mark_text", store_col_text(st, 2), "applicant", store_col_text(st, 3), "region",
            store_col_text(st, 4), "filing_date", store_col_text(st, 5), "reg_date", store_col_text(st, 6),
            "expiry_date", store_col_text(st, 7), "status", store_col_text(st, 8));
        if (store_col_text(st, 9)) {
            json_t *m = json_loads(store_col_text(st, 9), 0, NULL);
            json_object_set_new(o, "madrid", m ? m : json_string(store_col_text(st, 9)));
        }
        *last = store_col_int(st, 0);
        json_array_append_new(items, o);
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int records_pledges(vctx *c, int64_t after, int limit, json_t *items, int64_t *last, err *e)
{
    buf q = BUF_INIT;
    buf_puts(&q,
             "SELECT i.ref_id, i.region, i.park, i.day, i.amount_fen FROM ind_items i WHERE i.kind = 'pledge' AND ");
    ind_region_cond_paged(&c->r, "i.region", "i.park", &q);
    buf_puts(&q, " AND i.day >= ? AND i.day <= ? AND i.ref_id > ? ORDER BY i.ref_id LIMIT ?");
    store_stmt *st = store_prepare(c->db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    store_bind_int(st, 1, year_start(c->day));
    store_bind_int(st, 2, c->day);
    store_bind_int(st, 3, after);
    store_bind_int(st, 4, limit);
    int rc;
    json_t *tmp = json_array();
    while ((rc = store_step(st, e)) == 1) {
        char ds[16];
        datestr((long)store_col_int(st, 3), ds);
        json_t *o = json_pack("{s:I,s:s,s:f,s:s?}", "item_id", (json_int_t)store_col_int(st, 0), "date", ds,
                              "amount_cny", (double)store_col_int(st, 4) / 100.0, "region", store_col_text(st, 1));
        if (store_col_text(st, 2)) json_object_set_new(o, "park", json_string(store_col_text(st, 2)));
        *last = store_col_int(st, 0);
        json_array_append_new(tmp, o);
    }
    store_done(st);
    size_t n;
    json_t *o;
    json_array_foreach(tmp, n, o)
    {
        if (rc < 0) break;
        st = store_prepare(
            c->db,
            "SELECT q.patent_id, q.event_id, q.amount_fen, q.pledgee, q.holder, p.appno, p.title FROM ind_pledges q"
            " JOIN patents p ON p.id = q.patent_id WHERE q.grp = ? ORDER BY q.patent_id, q.event_id",
            e);
        if (!st) {
            rc = -1;
            break;
        }
        store_bind_int(st, 1, json_integer_value(json_object_get(o, "item_id")));
        json_t *pats = json_array();
        while ((rc = store_step(st, e)) == 1) {
            if (!json_object_get(o, "pledgee")) {
                json_object_set_new(o, "pledgee",
                                    store_col_text(st, 3) ? json_string(store_col_text(st, 3)) : json_null());
                json_object_set_new(o, "pledgor",
                                    store_col_text(st, 4) ? json_string(store_col_text(st, 4)) : json_null());
            }
            json_array_append_new(
                pats, json_pack("{s:I,s:I,s:f,s:s?,s:s?}", "patent_id", (json_int_t)store_col_int(st, 0), "event_id",
                                (json_int_t)store_col_int(st, 1), "amount_cny", (double)store_col_int(st, 2) / 100.0,
                                "appno", store_col_text(st, 5), "title", store_col_text(st, 6)));
        }
        store_done(st);
        json_object_set_new(o, "patents", pats);
        json_object_set_new(o, "mixed", json_boolean(json_array_size(pats) > 1));
        json_array_append(items, o);
    }
    json_decref(tmp);
    return rc < 0 ? -1 : 0;
}

static int records_reports(vctx *c, const ind_def *d, int64_t after, int limit, json_t *items, int64_t *last, err *e)
{
    char ds[16];
    datestr(c->day, ds);
    store_stmt *st = store_prepare(
        c->db,
        "SELECT id, date, value, unit, source, reported_by, note FROM indicator_reports WHERE indicator = ?"
        " AND region_code = ? AND date <= ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?",
        e);
    if (!st) return -1;
    store_bind_text(st, 1, d->id);
    store_bind_text(st, 2, c->r.code);
    store_bind_text(st, 3, ds);
    store_bind_int(st, 4, after);
    store_bind_int(st, 5, limit);
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        json_array_append_new(items, json_pack("{s:I,s:s?,s:f,s:s?,s:s?,s:s?,s:s?}", "record_id",
                                               (json_int_t)store_col_int(st, 0), "date", store_col_text(st, 1), "value",
                                               store_col_double(st, 2), "unit", store_col_text(st, 3), "source",
                                               store_col_text(st, 4), "reported_by", store_col_text(st, 5), "note",
                                               store_col_text(st, 6)));
        *last = store_col_int(st, 0);
    }
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static int records_page(vctx *c, const ind_def *d, int64_t after, int limit, json_t *items, int64_t *last, err *e)
{
    const struct calc *k = calc_of(d);
    *last = 0;
    if (d->reported || !k || k->measure < 0) return records_reports(c, d, after, limit, items, last, e);
    switch (k->kind) {
    case K_PATENTS: return records_patents(c, k, after, limit, items, last, e);
    case K_PCT: return records_pct(c, after, limit, items, last, e);
    case K_PLEDGES: return records_pledges(c, after, limit, items, last, e);
    default: return records_tm(c, k->kind, after, limit, items, last, e);
    }
}

int ind_records(store *db, const char *id, const char *region, long day, const ind_params *p, const char *cursor,
                int limit, unsigned flags, json_t **out, err *e)
{
    *out = NULL;
    const ind_def *d = ind_find(id);
    if (!d) return unknown_indicator(id, e);
    if (limit == 0) limit = 50;
    if (limit < 1 || limit > 1000)
        return err_set(e, 400, "query.value", "参数 limit 应为 1 到 1000", "Parameter limit must be 1 to 1000");
    int64_t after = 0;
    if (cursor && *cursor && (util_parse_int64(cursor, &after) || after < 0))
        return err_set(e, 400, "query.cursor", "参数 cursor 无效（应使用上一页返回的 next_cursor）",
                       "Parameter cursor is invalid (use the next_cursor of the previous page)");
    vctx c;
    if (vctx_init(&c, db, region, day, p, flags & ~IND_DIRECT, e)) return -1;
    if (sei_ready(e)) return -1;
    json_t *items = json_array();
    int64_t last;
    if (records_page(&c, d, after, limit + 1, items, &last, e)) {
        json_decref(items);
        return -1;
    }
    json_t *next = json_null();
    if (json_array_size(items) > (size_t)limit) {
        json_array_remove(items, (size_t)limit);
        json_t *l = json_array_get(items, (size_t)limit - 1);
        const char *keys[] = {"patent_id", "trademark_id", "item_id", "record_id"};
        for (int i = 0; i < 4; i++)
            if (json_object_get(l, keys[i])) {
                json_decref(next);
                next = json_sprintf("%lld", (long long)json_integer_value(json_object_get(l, keys[i])));
                break;
            }
    }
    char ds[16];
    datestr(day, ds);
    const struct calc *k = calc_of(d);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "id", d->id, "region", c.r.code, "date", ds, "kind",
                          kind_name(d->reported || !k ? K_NONE : k->kind), "items", items, "next_cursor", next);
    if (k && k->kind == K_PATENTS) {
        json_object_set_new(o, "params", params_json(&c.p));
        if (k->hv) {
            if (vctx_snap(&c, 1, e)) {
                json_decref(o);
                return -1;
            }
            json_object_set_new(o, "criteria", criteria_json(&c.s));
        }
    }
    if (d->yearly) {
        char y0[16];
        datestr(year_start(day), y0);
        json_object_set_new(o, "period", json_pack("{s:s,s:s}", "from", y0, "to", ds));
    }
    json_object_set_new(o, "index",
                        json_pack("{s:s?,s:b}", "built_at", c.built_at[0] ? c.built_at : NULL, "stale", c.stale));
    *out = o;
    return 0;
}

/* ---- export ---- */

typedef struct xcol {
    const char *key, *zh, *en;
} xcol;

static const xcol cols_patents[] = {{"patent_id", "专利ID", "Patent id"},
                                    {"appno", "申请号", "Application no."},
                                    {"title", "名称", "Title"},
                                    {"filing_date", "申请日", "Filing date"},
                                    {"grant_date", "授权公告日", "Grant date"},
                                    {"holders", "权利人", "Holders"},
                                    {"region", "区划", "Region"},
                                    {"park", "园区", "Park"},
                                    {"counted_from", "计入起始日", "Counted from"},
                                    {"high_value", "高价值", "High value"},
                                    {"criteria.c1", "标准1 战略性新兴产业", "C1 strategic emerging industry"},
                                    {"criteria.c2", "标准2 海外同族", "C2 overseas family"},
                                    {"criteria.c3", "标准3 维持超10年", "C3 maintained > 10 years"},
                                    {"criteria.c4", "标准4 质押融资", "C4 pledge financing"},
                                    {"criteria.c5", "标准5 获奖", "C5 award"},
                                    {"pledged_cny", "质押金额（元）", "Pledged (CNY)"},
                                    {NULL}};
static const xcol cols_pct[] = {{"patent_id", "专利ID", "Patent id"},
                                {"appno", "申请号", "Application no."},
                                {"title", "名称", "Title"},
                                {"pct_app_no", "PCT申请号", "PCT application no."},
                                {"filing_date", "申请日", "Filing date"},
                                {"first_applicant", "第一申请人", "First applicant"},
                                {"region", "区划", "Region"},
                                {"park", "园区", "Park"},
                                {NULL}};
static const xcol cols_tm[] = {{"trademark_id", "商标ID", "Trademark id"},
                               {"reg_no", "注册号", "Registration no."},
                               {"mark_text", "商标", "Mark"},
                               {"applicant", "注册人", "Holder"},
                               {"region", "区划", "Region"},
                               {"filing_date", "申请日", "Filing date"},
                               {"reg_date", "注册日", "Registration date"},
                               {"expiry_date", "专用权期限截止日", "Expiry date"},
                               {"status", "状态", "Status"},
                               {"madrid", "马德里指定国", "Madrid designations"},
                               {NULL}};
static const xcol cols_pledges[] = {{"item_id", "项目ID", "Item id"},
                                    {"date", "登记日", "Registration date"},
                                    {"pledgee", "质权人", "Pledgee"},
                                    {"pledgor", "出质人", "Pledgor"},
                                    {"amount_cny", "金额（元）", "Amount (CNY)"},
                                    {"mixed", "混合质押", "Mixed pledge"},
                                    {"patents", "专利申请号", "Patents (application no.)"},
                                    {"region", "区划", "Region"},
                                    {"park", "园区", "Park"},
                                    {NULL}};
static const xcol cols_reports[] = {{"record_id", "记录ID", "Record id"},
                                    {"date", "统计截止日", "As of"},
                                    {"value", "数值", "Value"},
                                    {"unit", "单位", "Unit"},
                                    {"source", "来源文件", "Source"},
                                    {"reported_by", "填报单位/人", "Reported by"},
                                    {"note", "备注", "Notes"},
                                    {NULL}};

static json_t *col_value(json_t *item, const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot) return json_object_get(item, key);
    char head[32];
    snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
    return json_object_get(json_object_get(item, head), dot + 1);
}

/* Text of a cell (the caller frees it); numbers come back as NULL with
 * *num set when is_num. */
static char *cell_text(json_t *v, lang l, int *is_num, double *num)
{
    *is_num = 0;
    if (!v || json_is_null(v)) return xstrdup("");
    if (json_is_true(v)) return xstrdup(l == LANG_EN ? "yes" : "是");
    if (json_is_false(v)) return xstrdup(l == LANG_EN ? "no" : "否");
    if (json_is_number(v)) {
        *is_num = 1;
        *num = json_number_value(v);
        return json_is_integer(v) ? xasprintf("%lld", (long long)json_integer_value(v))
                                  : xasprintf("%.2f", json_real_value(v));
    }
    if (json_is_string(v)) return xstrdup(json_string_value(v));
    if (json_is_array(v)) {
        buf b = BUF_INIT;
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (i) buf_puts(&b, "；");
            if (json_is_string(x)) buf_puts(&b, json_string_value(x));
            else if (json_is_object(x) && json_object_get(x, "appno"))
                buf_puts(&b, json_string_value(json_object_get(x, "appno")));
        }
        return b.s ? buf_detach(&b) : xstrdup("");
    }
    return json_dumps(v, JSON_COMPACT);
}

int ind_records_export(store *db, const char *id, const char *region, long day, const ind_params *p, const char *format,
                       lang l, buf *out, err *e)
{
    const ind_def *d = ind_find(id);
    if (!d) return unknown_indicator(id, e);
    int xlsx = format && !strcmp(format, "xlsx");
    if (format && strcmp(format, "csv") && !xlsx)
        return err_set(e, 400, "query.value", "参数 format 应为 csv 或 xlsx", "Parameter format must be csv or xlsx");
    vctx c;
    if (vctx_init(&c, db, region, day, p, 0, e) || sei_ready(e)) return -1;
    const struct calc *k = calc_of(d);
    rec_kind kind = d->reported || !k || k->measure < 0 ? K_NONE : k->kind;
    const xcol *cols = kind == K_PATENTS   ? cols_patents
                       : kind == K_PCT     ? cols_pct
                       : kind == K_PLEDGES ? cols_pledges
                       : kind == K_NONE    ? cols_reports
                                           : cols_tm;
    int ncols = 0;
    while (cols[ncols].key) ncols++;
    char path[] = "/tmp/ipcity-ind-XXXXXX";
    lxw_workbook *wb = NULL;
    lxw_worksheet *ws = NULL;
    if (xlsx) {
        int fd = mkstemp(path);
        if (fd < 0) return err_set(e, 500, "export.io", "无法创建临时文件", "Cannot create a temporary file");
        close(fd);
        lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
        wb = workbook_new_opt(path, &opt);
        if (!wb) {
            unlink(path);
            return err_set(e, 500, "export.xlsx", "无法创建 XLSX 文件", "Cannot create the XLSX file");
        }
        ws = workbook_add_worksheet(wb, NULL);
        lxw_format *bold = workbook_add_format(wb);
        format_set_bold(bold);
        for (int i = 0; i < ncols; i++)
            worksheet_write_string(ws, 0, (lxw_col_t)i, l == LANG_EN ? cols[i].en : cols[i].zh, bold);
    } else {
        buf_puts(out, "\xEF\xBB\xBF");
        for (int i = 0; i < ncols; i++) {
            if (i) buf_putc(out, ',');
            buf_csv_field(out, l == LANG_EN ? cols[i].en : cols[i].zh);
        }
        buf_puts(out, "\r\n");
    }
    int64_t after = 0;
    lxw_row_t row = 1;
    int rc = 0;
    for (;;) {
        json_t *items = json_array();
        int64_t last = 0;
        if (records_page(&c, d, after, 1000, items, &last, e)) {
            json_decref(items);
            rc = -1;
            break;
        }
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            if (xlsx && row >= 1048576) {
                rc = err_set(e, 422, "export.too_many_rows", "记录超过 XLSX 的行数上限，请改用 CSV",
                             "More records than an XLSX sheet holds: use CSV");
                break;
            }
            for (int ci = 0; ci < ncols; ci++) {
                int isn;
                double num = 0;
                char *t = cell_text(col_value(it, cols[ci].key), l, &isn, &num);
                if (xlsx) {
                    if (isn) worksheet_write_number(ws, row, (lxw_col_t)ci, num, NULL);
                    else if (*t)
                        worksheet_write_string(ws, row, (lxw_col_t)ci, t, NULL);
                } else {
                    if (ci) buf_putc(out, ',');
                    buf_csv_field(out, t);
                }
                free(t);
            }
            if (!xlsx) buf_puts(out, "\r\n");
            row++;
        }
        size_t got = json_array_size(items);
        json_decref(items);
        if (rc || got < 1000 || !last) break;
        after = last;
    }
    if (xlsx) {
        if (workbook_close(wb) != LXW_NO_ERROR && !rc)
            rc = err_set(e, 500, "export.xlsx", "写入 XLSX 文件失败", "Writing the XLSX file failed");
        if (!rc) {
            FILE *fp = fopen(path, "rb");
            if (!fp) rc = err_set(e, 500, "export.io", "无法读取导出文件", "Cannot read the export file");
            else {
                char chunk[65536];
                size_t nr;
                while ((nr = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(out, chunk, nr);
                fclose(fp);
            }
        }
        unlink(path);
    }
    return rc ? -1 : 0;
}
