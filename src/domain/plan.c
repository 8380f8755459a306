/*
 * plan.c - the work plan and its performance management (绩效管理).
 *
 * Records (described once, src/records/rec.h): plans, targets, yearly
 * milestones, key tasks, task progress reports, supervision records and
 * assessment weights.  Hand code only for what the record layer cannot
 * know: the report workflow (who may move a report from which state to
 * which), the checks that tie a row to its plan, the progress of a target
 * (from the indicator engine or from accepted reports), its projection and
 * status, the overdue list, the annual assessment, and loading a plan
 * document.  The rules are documented in docs/plan.md.
 */
#include "plan.h"

#include "domain.h"
#include "indicators.h"

#include "../base/log.h"
#include "../base/util.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL SCOPE_ALL
#define OWN SCOPE_OWN
#define NONE SCOPE_NONE

/* ======================================================================
 * small helpers
 * ====================================================================== */

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static int jnum(const json_t *o, const char *k, double *v)
{
    json_t *x = json_object_get(o, k);
    if (!json_is_number(x)) return 0;
    *v = json_number_value(x);
    return 1;
}

static long jday(const json_t *o, const char *k, long dflt)
{
    long d;
    const char *s = jstr(o, k);
    return s && !util_date_parse(s, &d) ? d : dflt;
}

static long year_of(long day)
{
    long y;
    unsigned m, d;
    util_civil_from_days(day, &y, &m, &d);
    return y;
}

static long year_end(long y) { return util_days_from_civil(y, 12, 31); }

static char *day_text(long day, char out[16])
{
    util_date_format(day, out, 16);
    return out;
}

static int is_reviewer(const rec_actor *a) { return a->role == ROLE_BUREAU || a->role == ROLE_ADMIN; }

/* 1 when the department code is a live department, 0 when not, -1 error. */
static int dept_live(store *db, const char *code, err *e)
{
    int64_t n;
    if (store_query_int(db, "SELECT COUNT(*) FROM departments WHERE code = ? AND deleted_at IS NULL", &n, e, 1, code))
        return -1;
    return n > 0;
}

/* Department codes of a JSON list that are not live departments become
 * items of e on field `field`; returns -1 on a database error. */
static int check_depts(store *db, json_t *list, const char *field, err *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *code = json_string_value(v);
        int ok = dept_live(db, code, e);
        if (ok < 0) return -1;
        if (!ok)
            err_item(e, field, 0, 0, "validation.reference", "部门“%s”不存在", "Department \"%s\" does not exist", code,
                     code);
    }
    return 0;
}

static int json_has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
    return 0;
}

/* A list of department codes: a non-empty array of codes, lowercased,
 * duplicates dropped (order kept). */
static int jcheck_depts(json_t *v, json_t **norm, err *e)
{
    if (!json_is_array(v) || !json_array_size(v))
        return err_set(e, 422, "validation.departments", "应为部门代码数组，至少一个，如 [\"310104-ipa\"]",
                       "must be a non-empty array of department codes, e.g. [\"310104-ipa\"]");
    json_t *out = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *s = json_string_value(x);
        size_t n = s ? strlen(s) : 0;
        if (n < 2 || n > 64) {
            json_decref(out);
            return err_set(e, 422, "validation.departments", "第 %zu 项不是有效的部门代码", "item %zu is not a department code",
                           i + 1, i + 1);
        }
        char *low = xstrdup(s);
        for (char *p = low; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        if (!json_has_string(out, low)) json_array_append_new(out, json_string(low));
        free(low);
    }
    *norm = out;
    return 0;
}

/* Figures of a report: an object of target code -> number. */
static int jcheck_figures(json_t *v, json_t **norm, err *e)
{
    if (!json_is_object(v))
        return err_set(e, 422, "validation.figures", "应为对象：目标编号 → 数值，如 {\"T01\": 12}",
                       "must be an object of target code -> number, e.g. {\"T01\": 12}");
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        if (!*k || strlen(k) > 20)
            return err_set(e, 422, "validation.figures", "目标编号“%s”无效", "Invalid target code \"%s\"", k, k);
        if (!json_is_number(x) || !isfinite(json_number_value(x)))
            return err_set(e, 422, "validation.figures", "目标“%s”的数值应为数字", "The figure of target \"%s\" must be a number",
                           k, k);
    }
    *norm = json_deep_copy(v);
    return 0;
}

/* Splits "a+b+c" into at most IND_MAX ids (trimmed); returns the count,
 * or -1 when a part is empty or there are too many. */
#define IND_MAX 4
static int split_ids(const char *in, char ids[IND_MAX][64])
{
    int n = 0;
    const char *p = in;
    for (;;) {
        const char *q = strchr(p, '+');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        if (!len || len >= 64 || n == IND_MAX) return -1;
        memcpy(ids[n], p, len);
        ids[n++][len] = '\0';
        if (!q) break;
        p = q + 1;
    }
    return n;
}

/* One indicator id, or several joined by "+" (their values are added,
 * e.g. pledge_amount+trademark_pledge_amount): each must be in the
 * engine's catalogue, all flows or all stocks, all in one unit. */
static int check_indicator(const char *in, buf *norm, err *e)
{
    char ids[IND_MAX][64];
    int n = split_ids(in, ids);
    if (n < 0)
        return err_set(e, 422, "validation.indicator", "指标应为一个编号，或以“+”相加的至多 %d 个编号", "must be one id, or at most %d ids joined by \"+\"",
                       IND_MAX, IND_MAX);
    const ind_def *first = NULL;
    for (int k = 0; k < n; k++) {
        const ind_def *d = ind_find(ids[k]);
        if (!d) {
            buf zh = BUF_INIT, en = BUF_INIT;
            for (const ind_def *x = ind_defs(); x && x->id; x++) {
                buf_printf(&zh, "%s%s（%s）", zh.len ? "、" : "", x->id, x->zh);
                buf_printf(&en, "%s%s", en.len ? ", " : "", x->id);
            }
            int rc = err_set(e, 422, "validation.indicator", "没有指标“%s”；可选：%s", "No indicator \"%s\"; known: %s", ids[k],
                             buf_cstr(&zh), ids[k], buf_cstr(&en));
            buf_free(&zh);
            buf_free(&en);
            return rc;
        }
        if (first && (d->yearly != first->yearly || strcmp(d->unit_en ? d->unit_en : "", first->unit_en ? first->unit_en : "")))
            return err_set(e, 422, "validation.indicator", "相加的指标应同为流量或同为存量，且单位相同（%s 与 %s 不同）",
                           "Indicators added up must all be flows or all stocks, in one unit (%s differs from %s)", ids[k], first->id,
                           ids[k], first->id);
        if (!first) first = d;
        buf_printf(norm, "%s%s", k ? "+" : "", ids[k]);
    }
    return 0;
}

/* The catalogue entry of the first id of an indicator field (NULL when
 * unknown). */
static const ind_def *ind_first(const char *ind)
{
    char ids[IND_MAX][64];
    return ind && split_ids(ind, ids) > 0 ? ind_find(ids[0]) : NULL;
}

static int check_period(const char *in, buf *norm, err *e)
{
    plan_period p;
    if (plan_period_parse(in, &p))
        return err_set(e, 422, "validation.period", "应为报告期，如 2025-Q3（季度）、2025-H1（半年）或 2025（年度）",
                       "must be a period such as 2025-Q3 (quarter), 2025-H1 (half year) or 2025 (year)");
    buf_puts(norm, p.code);
    return 0;
}

/* ======================================================================
 * record descriptions
 * ====================================================================== */

static const rec_opt plan_statuses[] = {
    {"draft", "草拟", "Draft"}, {"active", "实施中", "In force"}, {"closed", "已结束", "Closed"}, {NULL, NULL, NULL},
};

static const rec_field plan_fields[] = {
    {"name", RT_TEXT, RF_REQUIRED | RF_KEY | RF_SEARCH | RF_SORT | RF_LIST, "方案名称", "Plan name", 200},
    {"region_code", RT_TEXT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "区划代码", "Region code", 12,
     .help_zh = "方案所属区域（行政区划或园区代码）", .help_en = "the region of the plan (division or park code)"},
    {"period_start", RT_DATE, RF_REQUIRED | RF_LIST, "实施期起", "Period start"},
    {"period_end", RT_DATE, RF_REQUIRED | RF_LIST, "实施期止", "Period end"},
    {"status", RT_ENUM, RF_FILTER | RF_LIST, "状态", "Status", 0, plan_statuses},
    {"source_doc", RT_TEXT, 0, "依据文件", "Source document", 500},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 5000},
    {NULL},
};

static const rec_opt aggregations[] = {
    {"level", "时点值（存量）", "Level on the date (stock)"},
    {"annual", "年度值（当年流量）", "Value of the year (annual flow)"},
    {"period_sum", "实施期累计", "Total over the plan period"},
    {"cagr", "年均增长率（由数值计算，%）", "Average annual growth computed from the values (%)"},
    {"rate", "比率（直接与目标比较）", "A rate compared with the target as it is"},
    {NULL, NULL, NULL},
};

static const rec_opt directions[] = {
    {"up", "越高越好", "Higher is better"}, {"down", "越低越好", "Lower is better"}, {NULL, NULL, NULL},
};

static const rec_field target_fields[] = {
    {"plan", RT_REF, RF_REQUIRED | RF_KEY | RF_FILTER | RF_IMMUTABLE, "所属方案", "Plan", .ref = "plan"},
    {"code", RT_TEXT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "目标编号", "Target code", 20,
     .help_zh = "方案内唯一，如 T01；进展报告的数据按此编号填报", .help_en = "unique within the plan, e.g. T01; report figures use it"},
    {"name_zh", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_LIST, "目标名称", "Target (Chinese)", 200},
    {"name_en", RT_TEXT, RF_SEARCH, "英文名称", "Target (English)", 300},
    {"indicator", RT_TEXT, RF_FILTER | RF_LIST, "统计指标", "Indicator", 64, .check = check_indicator,
     .help_zh = "由指标引擎计算的指标编号；无对应指标时留空并填写计量口径",
     .help_en = "id of an indicator the engine computes; leave empty and give a measure otherwise"},
    {"measure", RT_TEXT, 0, "计量口径", "Measure", 300,
     .help_zh = "无统计指标时：数值如何计量，由责任单位在进展报告中填报",
     .help_en = "when no indicator computes it: how the value is measured; departments report it"},
    {"aggregation", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "计算方式", "Aggregation", 0, aggregations},
    {"direction", RT_ENUM, RF_LIST, "方向", "Direction", 0, directions},
    {"baseline_value", RT_NUM, RF_LIST, "基期值", "Baseline value",
     .help_zh = "留空：有指标时按基期日计算；累计目标为 0；否则取第一个报告值",
     .help_en = "empty: computed on the baseline date when an indicator exists; 0 for totals; else the first reported value"},
    {"baseline_date", RT_DATE, 0, "基期日", "Baseline date", .help_zh = "留空为实施期起始日前一天", .help_en = "empty: the day before the plan period"},
    {"target_value", RT_NUM, RF_LIST, "目标值", "Target value", .help_zh = "定性目标留空", .help_en = "empty for a qualitative target"},
    {"target_date", RT_DATE, RF_REQUIRED | RF_SORT | RF_LIST, "目标期限", "Target date"},
    {"unit_zh", RT_TEXT, RF_LIST, "单位", "Unit (Chinese)", 20},
    {"unit_en", RT_TEXT, 0, "英文单位", "Unit (English)", 40},
    {"departments", RT_JSON, RF_REQUIRED, "责任单位", "Responsible departments", .jcheck = jcheck_depts,
     .help_zh = "部门代码数组，如 [\"310104-ipa\", \"310104-court\"]", .help_en = "array of department codes"},
    {"section", RT_TEXT, RF_REQUIRED | RF_FILTER | RF_LIST, "方案章节", "Plan section", 200,
     .help_zh = "目标在方案中出现的章节", .help_en = "where the plan states the target"},
    {"dept_basis", RT_TEXT, 0, "责任单位依据", "Basis of the responsible units", 200,
     .help_zh = "责任单位取自方案的哪一条“落实单位”", .help_en = "which of the plan's 落实单位 lists names the departments"},
    {"source_text", RT_TEXT, RF_MULTILINE, "方案原文", "Text of the plan", 2000},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 5000},
    {NULL},
};

static const rec_field milestone_fields[] = {
    {"target", RT_REF, RF_REQUIRED | RF_KEY | RF_FILTER | RF_IMMUTABLE, "目标", "Target", .ref = "plan_target"},
    {"year", RT_INT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "年度", "Year", .min = 1990, .max = 2100},
    {"value", RT_NUM, RF_REQUIRED | RF_LIST, "年末计划值", "Planned value at year end"},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

static const rec_opt frequencies[] = {
    {"quarterly", "按季度", "Quarterly"}, {"half_yearly", "按半年", "Half-yearly"}, {"yearly", "按年度", "Yearly"},
    {NULL, NULL, NULL},
};

static const rec_field task_fields[] = {
    {"plan", RT_REF, RF_REQUIRED | RF_KEY | RF_FILTER | RF_IMMUTABLE, "所属方案", "Plan", .ref = "plan"},
    {"code", RT_TEXT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "任务编号", "Task number", 40,
     .help_zh = "方案中的条目号，如 三（一）1", .help_en = "the item number in the plan, e.g. 三（一）1"},
    {"section", RT_TEXT, RF_REQUIRED | RF_FILTER | RF_LIST, "方案章节", "Plan section", 200},
    {"title", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_LIST, "任务名称", "Title", 200},
    {"title_en", RT_TEXT, RF_SEARCH, "英文名称", "Title (English)", 300},
    {"text", RT_TEXT, RF_MULTILINE | RF_SEARCH, "任务内容", "Text", 10000},
    {"departments", RT_JSON, RF_REQUIRED, "落实单位", "Responsible departments", .jcheck = jcheck_depts,
     .help_zh = "部门代码数组；各单位分别报送进展", .help_en = "array of department codes; each reports its own progress"},
    {"dept_note", RT_TEXT, 0, "落实单位说明", "Note on the departments", 500},
    {"report_frequency", RT_ENUM, RF_FILTER | RF_LIST, "报送频次", "Reporting frequency", 0, frequencies},
    {"start_date", RT_DATE, 0, "报送起始日", "Reporting from", .help_zh = "留空为方案实施期起始日", .help_en = "empty: the start of the plan period"},
    {NULL},
};

static const rec_opt report_statuses[] = {
    {"draft", "草稿", "Draft"},
    {"submitted", "已报送", "Submitted"},
    {"returned", "退回修改", "Returned"},
    {"accepted", "审核通过", "Accepted"},
    {NULL, NULL, NULL},
};

static const rec_field report_fields[] = {
    {"task", RT_REF, RF_REQUIRED | RF_FILTER | RF_IMMUTABLE | RF_LIST, "重点任务", "Key task", .ref = "plan_task"},
    {"period", RT_TEXT, RF_REQUIRED | RF_FILTER | RF_SORT | RF_LIST | RF_IMMUTABLE, "报告期", "Period", 12,
     .check = check_period, .help_zh = "如 2025-Q3、2025-H1、2025，与任务的报送频次一致",
     .help_en = "e.g. 2025-Q3, 2025-H1, 2025, matching the task's frequency"},
    {"text", RT_TEXT, RF_MULTILINE | RF_SEARCH, "进展情况", "Progress", 20000},
    {"figures", RT_JSON, 0, "数据", "Figures", .jcheck = jcheck_figures,
     .help_zh = "目标编号 → 数值，如 {\"T01\": 3}；累计目标填本期新增数，其他目标填期末数",
     .help_en = "target code -> number, e.g. {\"T01\": 3}; for totals the period's addition, otherwise the value at period end"},
    {"attachments", RT_JSON, RF_READONLY, "附件", "Attachments",
     .help_zh = "文件名、SHA-256、大小；通过附件接口上传", .help_en = "name, SHA-256, size; uploaded through the attachments endpoint"},
    {"status", RT_ENUM, RF_FILTER | RF_SORT | RF_LIST, "状态", "Status", 0, report_statuses,
     .help_zh = "草稿 → 已报送（本部门）→ 审核通过或退回修改（知识产权局）", .help_en = "draft -> submitted (own department) -> accepted or returned (IP bureau)"},
    {"review_comment", RT_TEXT, RF_MULTILINE, "审核意见", "Review comment", 5000},
    {"submitted_at", RT_DATETIME, RF_READONLY | RF_SORT | RF_LIST, "报送时间", "Submitted at"},
    {"first_submitted_at", RT_DATETIME, RF_READONLY, "首次报送时间", "First submitted at"},
    {"submitted_by", RT_TEXT, RF_READONLY, "报送人", "Submitted by", 64},
    {"reviewed_at", RT_DATETIME, RF_READONLY, "审核时间", "Reviewed at"},
    {"reviewed_by", RT_TEXT, RF_READONLY, "审核人", "Reviewed by", 64},
    {"return_count", RT_INT, RF_READONLY, "退回次数", "Times returned"},
    {"attach", RT_JSON, RF_VIRTUAL, "添加附件", "Add attachment", .help_zh = "仅供附件上传接口使用", .help_en = "used by the attachments endpoint only"},
    {"detach", RT_TEXT, RF_VIRTUAL, "删除附件", "Remove attachment", 64, .help_zh = "仅供附件接口使用", .help_en = "used by the attachments endpoint only"},
    {NULL},
};

static const rec_opt followups[] = {
    {"open", "待整改", "Open"},
    {"in_progress", "整改中", "In progress"},
    {"rectified", "已整改", "Rectified"},
    {"verified", "已核实", "Verified"},
    {NULL, NULL, NULL},
};

static const rec_field supervision_fields[] = {
    {"plan", RT_REF, RF_FILTER, "所属方案", "Plan", .ref = "plan"},
    {"task", RT_REF, RF_FILTER, "重点任务", "Key task", .ref = "plan_task"},
    {"date", RT_DATE, RF_REQUIRED | RF_FILTER | RF_SORT | RF_LIST, "督查日期", "Date"},
    {"department", RT_TEXT, RF_REQUIRED | RF_FILTER | RF_LIST, "被督查单位", "Department", 64},
    {"inspector", RT_TEXT, RF_LIST, "督查人", "Inspector", 100},
    {"findings", RT_TEXT, RF_REQUIRED | RF_MULTILINE | RF_SEARCH, "督查发现", "Findings", 10000},
    {"requirements", RT_TEXT, RF_MULTILINE, "整改要求", "Required actions", 5000},
    {"due_date", RT_DATE, RF_FILTER | RF_SORT, "整改期限", "Due date"},
    {"follow_up", RT_TEXT, RF_MULTILINE, "整改情况", "Follow-up", 10000},
    {"follow_up_status", RT_ENUM, RF_FILTER | RF_LIST, "整改状态", "Follow-up status", 0, followups,
     .help_zh = "被督查单位可改为整改中、已整改；已核实由知识产权局确认",
     .help_en = "the department may set in progress or rectified; verified is the bureau's"},
    {NULL},
};

static const rec_field weights_fields[] = {
    {"plan", RT_REF, RF_REQUIRED | RF_KEY | RF_FILTER | RF_IMMUTABLE, "所属方案", "Plan", .ref = "plan"},
    {"year", RT_INT, RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "考核年度", "Year", .min = 1990, .max = 2100,
     .help_zh = "留空适用于各年度", .help_en = "empty: every year"},
    {"w_targets", RT_NUM, RF_LIST, "目标完成权重", "Weight: targets", .min = 0, .max = 100},
    {"w_reporting", RT_NUM, RF_LIST, "按时报送权重", "Weight: timely reporting", .min = 0, .max = 100},
    {"w_review", RT_NUM, RF_LIST, "审核通过权重", "Weight: reports accepted", .min = 0, .max = 100},
    {"w_supervision", RT_NUM, RF_LIST, "督查整改权重", "Weight: supervision follow-up", .min = 0, .max = 100},
    {"grace_days", RT_INT, RF_LIST, "报送宽限天数", "Days allowed after the period", .min = 0, .max = 120},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

/* default weights when a plan has none (docs/plan.md) */
#define W_TARGETS 40.0
#define W_REPORTING 30.0
#define W_REVIEW 20.0
#define W_SUPERVISION 10.0
#define GRACE_DAYS 15

/* ======================================================================
 * hooks
 * ====================================================================== */

static int plan_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    if (c->op == REC_DELETE) return 0;
    long ps = jday(row, "period_start", 0), pe = jday(row, "period_end", 0);
    if (pe < ps)
        err_item(e, "period_end", 0, 0, "validation.period_end", "实施期止不能早于实施期起", "The period cannot end before it starts");
    const char *rc = jstr(row, "region_code");
    int64_t n = 0;
    if (rc && store_query_int(c->db, "SELECT COUNT(*) FROM regions WHERE code = ? AND deleted_at IS NULL", &n, e, 1, rc))
        return -1;
    if (rc && !n)
        err_item(e, "region_code", 0, 0, "validation.reference", "区划“%s”不存在", "Region \"%s\" does not exist", rc, rc);
    if (!jstr(row, "status")) json_object_set_new(row, "status", json_string("active"));
    return err_isset(e) ? -1 : 0;
}

/* Period of a live plan: 1 found, 0 not, -1 error. */
static int plan_period_of(store *db, int64_t plan, long *start, long *end, char region[16], err *e)
{
    store_stmt *st =
        store_prepare(db, "SELECT period_start, period_end, region_code FROM plans WHERE id = ? AND deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_int(st, 1, plan);
    int r = store_step(st, e);
    if (r == 1) {
        if (util_date_parse(store_col_text(st, 0), start)) *start = 0;
        if (util_date_parse(store_col_text(st, 1), end)) *end = 0;
        if (region) snprintf(region, 16, "%s", store_col_text(st, 2) ? store_col_text(st, 2) : "");
    }
    store_done(st);
    return r;
}

static int target_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    if (c->op == REC_DELETE) return 0;
    const char *ind = jstr(row, "indicator"), *measure = jstr(row, "measure");
    const char *agg = jstr(row, "aggregation");
    const ind_def *d = ind_first(ind);
    if (!ind && !measure)
        err_item(e, "measure", 0, 0, "validation.required", "请选择统计指标，或填写计量口径",
                 "Choose an indicator or describe the measure");
    if (d && agg && strcmp(agg, "rate")) {
        int ok = d->yearly ? strcmp(agg, "level") != 0 : (!strcmp(agg, "level") || !strcmp(agg, "cagr"));
        if (!ok)
            err_item(e, "aggregation", 0, 0, "validation.aggregation",
                     d->yearly ? "指标“%s”是年度流量，计算方式应为年度值、实施期累计、年均增长率或比率"
                               : "指标“%s”是时点存量，计算方式应为时点值、年均增长率或比率",
                     d->yearly ? "Indicator \"%s\" is a yearly flow: use annual, period_sum, cagr or rate"
                               : "Indicator \"%s\" is a stock: use level, cagr or rate",
                     ind, ind);
    }
    if (!jstr(row, "direction")) json_object_set_new(row, "direction", json_string("up"));
    if (agg && !strcmp(agg, "cagr")) {
        if (!jstr(row, "unit_zh")) json_object_set_new(row, "unit_zh", json_string("%"));
        if (!jstr(row, "unit_en")) json_object_set_new(row, "unit_en", json_string("%"));
    } else if (d) {
        if (!jstr(row, "unit_zh") && d->unit_zh) json_object_set_new(row, "unit_zh", json_string(d->unit_zh));
        if (!jstr(row, "unit_en") && d->unit_en) json_object_set_new(row, "unit_en", json_string(d->unit_en));
    }
    long bd = jday(row, "baseline_date", -1), td = jday(row, "target_date", 0);
    if (bd >= 0 && bd >= td)
        err_item(e, "baseline_date", 0, 0, "validation.baseline_date", "基期日应早于目标期限", "The baseline date must come before the target date");
    long ps, pe;
    int r = plan_period_of(c->db, jint(row, "plan"), &ps, &pe, NULL, e);
    if (r < 0) return -1;
    if (r == 1 && td < ps)
        err_item(e, "target_date", 0, 0, "validation.target_date", "目标期限早于方案实施期", "The target date lies before the plan period");
    if (check_depts(c->db, json_object_get(row, "departments"), "departments", e)) return -1;
    return err_isset(e) ? -1 : 0;
}

static int milestone_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    if (c->op == REC_DELETE) return 0;
    store_stmt *st = store_prepare(c->db, "SELECT target_date FROM plan_targets WHERE id = ? AND deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_int(st, 1, jint(row, "target"));
    int r = store_step(st, e);
    long td = 0;
    if (r == 1 && util_date_parse(store_col_text(st, 0), &td)) td = 0;
    store_done(st);
    if (r < 0) return -1;
    if (r == 1 && jint(row, "year") > year_of(td))
        return err_item(e, "year", 0, 0, "validation.year", "里程碑年度晚于目标期限", "The milestone year is after the target date"), -1;
    int64_t n;
    st = store_prepare(c->db, "SELECT COUNT(*) FROM plan_milestones WHERE target = ? AND year = ? AND deleted_at IS NULL AND id <> ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, jint(row, "target"));
    store_bind_int(st, 2, jint(row, "year"));
    store_bind_int(st, 3, old ? jint(old, "id") : 0);
    r = store_step(st, e);
    n = r == 1 ? store_col_int(st, 0) : 0;
    store_done(st);
    if (r < 0) return -1;
    if (n)
        return err_set(e, 409, "conflict.unique", "该目标 %lld 年的里程碑已存在", "The target already has a milestone for %lld",
                       (long long)jint(row, "year"), (long long)jint(row, "year"));
    return 0;
}

static int task_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    if (c->op == REC_DELETE) return 0;
    if (!jstr(row, "report_frequency")) json_object_set_new(row, "report_frequency", json_string("quarterly"));
    long ps, pe;
    int r = plan_period_of(c->db, jint(row, "plan"), &ps, &pe, NULL, e);
    if (r < 0) return -1;
    long sd = jday(row, "start_date", -1);
    if (r == 1 && sd >= 0 && (sd < ps || sd > pe))
        err_item(e, "start_date", 0, 0, "validation.start_date", "报送起始日应在方案实施期内", "Reporting must start within the plan period");
    if (check_depts(c->db, json_object_get(row, "departments"), "departments", e)) return -1;
    return err_isset(e) ? -1 : 0;
}

/* ---- the report workflow ---- */

typedef struct task_info {
    int64_t plan;
    json_t *depts;
    char freq[16];
    long start, end; /* reporting window: task start (or plan start) .. plan end */
} task_info;

static int task_info_load(store *db, int64_t task, task_info *ti, err *e)
{
    memset(ti, 0, sizeof *ti);
    store_stmt *st = store_prepare(db,
                                   "SELECT t.plan, t.departments, t.report_frequency, t.start_date, p.period_start, p.period_end"
                                   " FROM plan_tasks t JOIN plans p ON p.id = t.plan"
                                   " WHERE t.id = ? AND t.deleted_at IS NULL AND p.deleted_at IS NULL",
                                   e);
    if (!st) return -1;
    store_bind_int(st, 1, task);
    int r = store_step(st, e);
    if (r == 1) {
        ti->plan = store_col_int(st, 0);
        ti->depts = store_col_text(st, 1) ? json_loads(store_col_text(st, 1), 0, NULL) : NULL;
        if (!ti->depts) ti->depts = json_array();
        snprintf(ti->freq, sizeof ti->freq, "%s", store_col_text(st, 2) ? store_col_text(st, 2) : "quarterly");
        long sd;
        if (util_date_parse(store_col_text(st, 4), &ti->start)) ti->start = 0;
        if (store_col_text(st, 3) && !util_date_parse(store_col_text(st, 3), &sd)) ti->start = sd;
        if (util_date_parse(store_col_text(st, 5), &ti->end)) ti->end = 0;
    }
    store_done(st);
    if (r == 0) return err_set(e, 422, "validation.reference", "重点任务 #%lld 不存在", "Key task #%lld does not exist", (long long)task, (long long)task);
    return r < 0 ? -1 : 0;
}

static char freq_letter(const char *freq)
{
    return !strcmp(freq, "yearly") ? 'Y' : !strcmp(freq, "half_yearly") ? 'H' : 'Q';
}

/* Figures must name targets of the task's plan. */
static int check_figure_codes(store *db, int64_t plan, json_t *figures, err *e)
{
    if (!json_is_object(figures) || !json_object_size(figures)) return 0;
    const char *k;
    json_t *v;
    json_object_foreach(figures, k, v)
    {
        store_stmt *st = store_prepare(db, "SELECT COUNT(*) FROM plan_targets WHERE plan = ? AND code = ? AND deleted_at IS NULL", e);
        if (!st) return -1;
        store_bind_int(st, 1, plan);
        store_bind_text(st, 2, k);
        int r = store_step(st, e);
        int64_t n = r == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (r < 0) return -1;
        if (!n)
            err_item(e, "figures", 0, 0, "validation.figures", "方案中没有编号为“%s”的目标", "The plan has no target \"%s\"", k, k);
    }
    return err_isset(e) ? -1 : 0;
}

static int forbid(err *e, const char *code, const char *zh, const char *en) { return err_setm(e, 403, code, zh, en); }
static int refuse(err *e, const char *zh, const char *en) { return err_setm(e, 409, "plan.transition", zh, en); }

/* Applies an attach / detach request of the attachments endpoint. */
static int apply_attachments(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    json_t *att = json_object_get(row, "attach");
    const char *det = jstr(row, "detach");
    if (!att && !det) return 0;
    if (!store_cache_get(c->db, "plan.attach"))
        return err_set(e, 422, "validation.readonly", "附件请通过附件接口上传或删除",
                       "Attachments are added and removed through the attachments endpoint");
    json_t *list = json_object_get(old ? old : row, "attachments");
    list = json_is_array(list) ? json_deep_copy(list) : json_array();
    if (att) {
        const char *name = jstr(att, "name"), *sha = jstr(att, "sha256");
        int64_t size = -1;
        store_stmt *st = store_prepare(c->db, "SELECT size FROM plan_files WHERE sha256 = ?", e);
        if (!st) goto fail;
        store_bind_text(st, 1, sha);
        int r = store_step(st, e);
        if (r == 1) size = store_col_int(st, 0);
        store_done(st);
        if (r < 0) goto fail;
        if (!name || size < 0) {
            err_set(e, 422, "validation.attachment", "附件无效", "Invalid attachment");
            goto fail;
        }
        if (json_array_size(list) >= 50) {
            err_set(e, 422, "plan.attachments_full", "每份报告最多 50 个附件", "A report has at most 50 attachments");
            goto fail;
        }
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x) if (!strcmp(jstr(x, "sha256") ? jstr(x, "sha256") : "", sha))
        {
            err_set(e, 409, "plan.attachment_exists", "同一文件已作为附件“%s”上传", "The same file is already attached as \"%s\"",
                    jstr(x, "name"), jstr(x, "name"));
            goto fail;
        }
        char now[40];
        util_now_iso(now, sizeof now);
        json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:s,s:s}", "name", name, "sha256", sha, "size", (json_int_t)size,
                                              "uploaded_at", now, "uploaded_by", c->actor->name));
    }
    if (det) {
        size_t i, found = (size_t)-1;
        json_t *x;
        json_array_foreach(list, i, x) if (!strcmp(jstr(x, "sha256") ? jstr(x, "sha256") : "", det)) found = i;
        if (found == (size_t)-1) {
            err_set(e, 404, "plan.attachment_not_found", "报告中没有该附件", "The report has no such attachment");
            goto fail;
        }
        json_array_remove(list, found);
    }
    json_object_set_new(row, "attachments", list);
    json_object_del(row, "attach");
    json_object_del(row, "detach");
    return 0;
fail:
    json_decref(list);
    return -1;
}

static int same(const json_t *a, const json_t *b, const char *k)
{
    json_t *x = json_object_get(a, k), *y = json_object_get(b, k);
    if (!x || json_is_null(x)) return !y || json_is_null(y);
    return y && json_equal(x, y);
}

static void stamp(json_t *row, const char *field, const char *now) { json_object_set_new(row, field, json_string(now)); }

static int report_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    const rec_actor *a = c->actor;
    char now[40];
    util_now_iso(now, sizeof now);
    if (c->op == REC_DELETE) {
        if (!a->dept || strcmp(a->dept, jstr(row, "dept") ? jstr(row, "dept") : ""))
            return forbid(e, "plan.report_own_dept", "只有报告所属部门可以删除报告", "Only the report's own department may delete it");
        if (strcmp(jstr(row, "status") ? jstr(row, "status") : "", "draft") || jstr(row, "first_submitted_at"))
            return refuse(e, "已报送过的报告不能删除", "A report that was ever submitted cannot be deleted");
        return 0;
    }
    if (!jstr(row, "dept") && a->dept) json_object_set_new(row, "dept", json_string(a->dept));
    const char *dept = jstr(row, "dept");
    int author = a->dept && dept && !strcmp(a->dept, dept);
    char to[16]; /* a copy: the row's value is replaced below */
    snprintf(to, sizeof to, "%s", jstr(row, "status") ? jstr(row, "status") : "draft");
    task_info ti;
    if (task_info_load(c->db, jint(row, "task"), &ti, e)) {
        json_decref(ti.depts);
        return -1;
    }
    int rc = -1;
    if (c->op == REC_CREATE) {
        if (!author) {
            forbid(e, "plan.report_own_dept", "进展报告只能由本部门填写（报告所属部门应为您所在的部门）",
                   "A progress report is written by its own department (the report's department must be yours)");
            goto out;
        }
        if (!json_has_string(ti.depts, dept)) {
            err_set(e, 403, "plan.not_responsible", "本部门（%s）不是该任务的落实单位", "Your department (%s) is not responsible for this task",
                    dept, dept);
            goto out;
        }
        plan_period p;
        if (plan_period_parse(jstr(row, "period"), &p)) {
            err_item(e, "period", 0, 0, "validation.period", "报告期无效", "Invalid period");
            goto out;
        }
        if (p.freq != freq_letter(ti.freq)) {
            const char *zh = freq_letter(ti.freq) == 'Y' ? "该任务按年度报送，报告期应为 2025 形式"
                             : freq_letter(ti.freq) == 'H' ? "该任务按半年报送，报告期应为 2025-H1 形式"
                                                           : "该任务按季度报送，报告期应为 2025-Q3 形式";
            const char *en = freq_letter(ti.freq) == 'Y' ? "This task reports yearly: use a period like 2025"
                             : freq_letter(ti.freq) == 'H' ? "This task reports half-yearly: use a period like 2025-H1"
                                                           : "This task reports quarterly: use a period like 2025-Q3";
            err_item_msg(e, "period", 0, 0, "validation.period_frequency", zh, en);
            goto out;
        }
        if (p.end < ti.start || p.start > ti.end) {
            err_item(e, "period", 0, 0, "validation.period_range", "报告期 %s 不在任务的报送期内", "Period %s lies outside the task's reporting window",
                     p.code, p.code);
            goto out;
        }
        if (p.start > util_today()) {
            err_item(e, "period", 0, 0, "validation.period_future", "报告期 %s 尚未开始", "Period %s has not started yet", p.code, p.code);
            goto out;
        }
        store_stmt *st = store_prepare(c->db,
                                       "SELECT id FROM task_reports WHERE task = ? AND period = ? AND dept = ? AND deleted_at IS NULL", e);
        if (!st) goto out;
        store_bind_int(st, 1, jint(row, "task"));
        store_bind_text(st, 2, p.code);
        store_bind_text(st, 3, dept);
        int r = store_step(st, e);
        int64_t other = r == 1 ? store_col_int(st, 0) : 0;
        store_done(st);
        if (r < 0) goto out;
        if (other) {
            err_set(e, 409, "plan.report_exists", "本部门 %s 的报告已存在（#%lld），请修改该报告",
                    "Your department's report for %s already exists (#%lld); edit that one", p.code, (long long)other, p.code,
                    (long long)other);
            goto out;
        }
        if (strcmp(to, "draft") && strcmp(to, "submitted")) {
            refuse(e, "新报告的状态只能是草稿或已报送", "A new report is a draft or submitted");
            goto out;
        }
        if (json_object_get(row, "attach") || json_object_get(row, "detach")) {
            err_set(e, 422, "validation.readonly", "请先保存报告，再通过附件接口上传附件", "Save the report first, then upload attachments");
            goto out;
        }
        if (jstr(row, "review_comment")) {
            forbid(e, "plan.review_forbidden", "审核意见由知识产权局填写", "The review comment is the IP bureau's");
            goto out;
        }
        json_object_set_new(row, "status", json_string(to));
        json_object_set_new(row, "attachments", json_array());
        json_object_set_new(row, "return_count", json_integer(0));
        if (!strcmp(to, "submitted")) {
            stamp(row, "submitted_at", now);
            stamp(row, "first_submitted_at", now);
            json_object_set_new(row, "submitted_by", json_string(a->name));
        }
        if (check_figure_codes(c->db, ti.plan, json_object_get(row, "figures"), e)) goto out;
        rc = 0;
        goto out;
    }
    /* update */
    const char *from = jstr(old, "status") ? jstr(old, "status") : "draft";
    if (!same(row, old, "dept")) {
        forbid(e, "plan.report_dept", "报告的所属部门不能更改", "A report's department cannot change");
        goto out;
    }
    int content = !same(row, old, "text") || !same(row, old, "figures") || json_object_get(row, "attach") ||
                  json_object_get(row, "detach");
    int comment = !same(row, old, "review_comment");
    if (!strcmp(from, "accepted")) {
        refuse(e, "报告已审核通过，不能再修改", "The report has been accepted and can no longer change");
        goto out;
    }
    if (!strcmp(from, "draft") || !strcmp(from, "returned")) {
        if (!author) {
            if (is_reviewer(a) && (!strcmp(to, "accepted") || !strcmp(to, "returned")) && strcmp(to, from))
                refuse(e, "只有已报送的报告才能审核", "Only a submitted report can be reviewed");
            else
                forbid(e, "plan.report_own_dept", "只有报告所属部门可以修改或报送报告", "Only the report's own department may edit or submit it");
            goto out;
        }
        if (comment) {
            forbid(e, "plan.review_forbidden", "审核意见由知识产权局填写", "The review comment is the IP bureau's");
            goto out;
        }
        if (strcmp(to, from) && strcmp(to, "submitted")) {
            if (!strcmp(to, "accepted") || !strcmp(to, "returned"))
                forbid(e, "plan.review_forbidden", "报送单位不能审核自己的报告；请报送后由知识产权局审核",
                       "A department cannot review its own report; submit it for the IP bureau's review");
            else
                refuse(e, "退回的报告只能修改后重新报送", "A returned report can only be revised and submitted again");
            goto out;
        }
        if (apply_attachments(c, row, old, e)) goto out;
        if (!strcmp(to, "submitted")) {
            stamp(row, "submitted_at", now);
            if (!jstr(old, "first_submitted_at")) stamp(row, "first_submitted_at", now);
            json_object_set_new(row, "submitted_by", json_string(a->name));
        }
        if (check_figure_codes(c->db, ti.plan, json_object_get(row, "figures"), e)) goto out;
        rc = 0;
        goto out;
    }
    /* submitted: locked until reviewed */
    if (!strcmp(to, "submitted")) {
        if (content || comment)
            refuse(e, "报告已报送，审核前不能修改", "The report is submitted and locked until it is reviewed");
        else
            rc = 0;
        goto out;
    }
    if (strcmp(to, "accepted") && strcmp(to, "returned")) {
        refuse(e, "已报送的报告只能由知识产权局审核通过或退回", "A submitted report can only be accepted or returned by the IP bureau");
        goto out;
    }
    if (!is_reviewer(a)) {
        forbid(e, "plan.review_forbidden", "只有知识产权局可以审核进展报告", "Only the IP bureau reviews progress reports");
        goto out;
    }
    const char *sub = jstr(old, "submitted_by");
    if (sub && a->name && !strcmp(sub, a->name)) {
        forbid(e, "plan.review_self", "不能审核自己报送的报告", "You cannot review a report you submitted");
        goto out;
    }
    if (content) {
        refuse(e, "审核时不能修改报告内容", "Reviewing does not change the report's content");
        goto out;
    }
    const char *cm = jstr(row, "review_comment");
    if (!strcmp(to, "returned") && (!cm || !*cm)) {
        err_item(e, "review_comment", 0, 0, "validation.required", "退回时请填写审核意见", "Give a review comment when returning a report");
        goto out;
    }
    stamp(row, "reviewed_at", now);
    json_object_set_new(row, "reviewed_by", json_string(a->name));
    if (!strcmp(to, "returned")) json_object_set_new(row, "return_count", json_integer(jint(old, "return_count") + 1));
    rc = 0;
out:
    json_decref(ti.depts);
    return rc;
}

static int supervision_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    const rec_actor *a = c->actor;
    if (c->op == REC_DELETE) {
        if (!is_reviewer(a)) return forbid(e, "plan.supervision_forbidden", "督查记录由知识产权局管理", "Supervision records are the IP bureau's");
        return 0;
    }
    const char *dep = jstr(row, "department");
    if (!is_reviewer(a)) {
        if (c->op == REC_CREATE)
            return forbid(e, "plan.supervision_forbidden", "督查记录由知识产权局登记", "Supervision records are entered by the IP bureau");
        static const char *fixed[] = {"plan", "task", "date", "department", "inspector", "findings", "requirements", "due_date", NULL};
        for (const char **f = fixed; *f; f++)
            if (!same(row, old, *f)) {
                char zh[160], en[160];
                snprintf(zh, sizeof zh, "被督查单位只能填写整改情况和整改状态（不能修改“%s”）", rec_label(rec_field_find(c->type, *f), LANG_ZH));
                snprintf(en, sizeof en, "The department may only fill in the follow-up and its status (not \"%s\")",
                         rec_label(rec_field_find(c->type, *f), LANG_EN));
                return forbid(e, "plan.supervision_fields", zh, en);
            }
        const char *fs = jstr(row, "follow_up_status");
        if (fs && !strcmp(fs, "verified") && !same(row, old, "follow_up_status"))
            return forbid(e, "plan.supervision_verify", "整改核实由知识产权局确认", "Verification is the IP bureau's");
    }
    if (dep) {
        int ok = dept_live(c->db, dep, e);
        if (ok < 0) return -1;
        if (!ok) {
            err_item(e, "department", 0, 0, "validation.reference", "部门“%s”不存在", "Department \"%s\" does not exist", dep, dep);
            return -1;
        }
        json_object_set_new(row, "dept", json_string(dep));
    }
    if (!jstr(row, "follow_up_status")) json_object_set_new(row, "follow_up_status", json_string("open"));
    return 0;
}

static int weights_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)c;
    (void)old;
    if (c->op == REC_DELETE) return 0;
    static const struct {
        const char *f;
        double d;
    } dflt[] = {{"w_targets", W_TARGETS}, {"w_reporting", W_REPORTING}, {"w_review", W_REVIEW}, {"w_supervision", W_SUPERVISION}};
    double sum = 0;
    for (size_t i = 0; i < 4; i++) {
        double v;
        if (!jnum(row, dflt[i].f, &v)) json_object_set_new(row, dflt[i].f, json_real(v = dflt[i].d));
        sum += v;
    }
    if (!json_is_integer(json_object_get(row, "grace_days"))) json_object_set_new(row, "grace_days", json_integer(GRACE_DAYS));
    if (sum <= 0)
        return err_item(e, "w_targets", 0, 0, "validation.weights", "权重之和应大于 0", "The weights must add up to more than 0"), -1;
    return 0;
}

rec_type type_plan = {
    .name = "plan", .path = "plans", .zh = "工作方案", .en = "Work plan",
    .fields = plan_fields,
    .read = {ALL, ALL, ALL, NONE, NONE, NONE},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "name",
    .before_write = plan_before_write,
};

rec_type type_plan_target = {
    .name = "plan_target", .path = "plan_targets", .zh = "方案目标", .en = "Plan target",
    .fields = target_fields,
    .read = {ALL, ALL, ALL, NONE, NONE, NONE},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "name_zh",
    .before_write = target_before_write,
};

rec_type type_plan_milestone = {
    .name = "plan_milestone", .path = "plan_milestones", .zh = "年度里程碑", .en = "Yearly milestone",
    .fields = milestone_fields,
    .read = {ALL, ALL, ALL, NONE, NONE, NONE},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "year",
    .before_write = milestone_before_write,
};

rec_type type_plan_task = {
    .name = "plan_task", .path = "plan_tasks", .zh = "重点任务", .en = "Key task",
    .fields = task_fields,
    .read = {ALL, ALL, ALL, NONE, NONE, NONE},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "title",
    .before_write = task_before_write,
};

rec_type type_task_report = {
    .name = "task_report", .path = "task_reports", .zh = "任务进展报告", .en = "Task progress report",
    .fields = report_fields,
    .read = {ALL, ALL, OWN, NONE, NONE, NONE},
    .write = {ALL, ALL, OWN, NONE, NONE, NONE},
    .title_field = "period",
    .before_write = report_before_write,
};

rec_type type_supervision = {
    .name = "supervision", .path = "supervisions", .zh = "督查记录", .en = "Supervision record",
    .fields = supervision_fields,
    .read = {ALL, ALL, OWN, NONE, NONE, NONE},
    .write = {ALL, ALL, OWN, NONE, NONE, NONE},
    .title_field = "date",
    .before_write = supervision_before_write,
};

rec_type type_assess_weights = {
    .name = "assessment_weight", .path = "assessment_weights", .zh = "考核权重", .en = "Assessment weights",
    .fields = weights_fields,
    .read = {ALL, ALL, ALL, NONE, NONE, NONE},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "year",
    .before_write = weights_before_write,
};

int plan_create_tables(store *db, err *e)
{
    rec_type *types[] = {&type_plan, &type_plan_target, &type_plan_milestone, &type_plan_task, &type_task_report,
                         &type_supervision, &type_assess_weights};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (rec_create_table(db, types[i], e)) return -1;
    buf ddl = BUF_INIT;
    buf_printf(&ddl,
               "CREATE TABLE IF NOT EXISTS plan_files (sha256 %s NOT NULL PRIMARY KEY, size %s NOT NULL,"
               " content %s NOT NULL, created_at %s NOT NULL, created_by %s)",
               store_sql_type(db, STORE_T_TEXT), store_sql_type(db, STORE_T_INT), store_sql_type(db, STORE_T_TEXT),
               store_sql_type(db, STORE_T_TEXT), store_sql_type(db, STORE_T_TEXT));
    int rc = store_exec(db, ddl.s, e);
    buf_free(&ddl);
    if (rc) return -1;
    return store_exec(db,
                      "CREATE INDEX IF NOT EXISTS ix_task_reports_tdp ON task_reports(task, dept, period);"
                      "CREATE INDEX IF NOT EXISTS ix_plan_targets_plan ON plan_targets(plan);"
                      "CREATE INDEX IF NOT EXISTS ix_plan_tasks_plan ON plan_tasks(plan)",
                      e);
}

/* ======================================================================
 * reporting periods
 * ====================================================================== */

static void mk_period(long y, char f, int k, plan_period *p)
{
    memset(p, 0, sizeof *p);
    p->freq = f;
    if (f == 'Y') {
        p->start = util_days_from_civil(y, 1, 1);
        p->end = year_end(y);
        snprintf(p->code, sizeof p->code, "%04ld", y);
    } else {
        int months = f == 'Q' ? 3 : 6, last = f == 'Q' ? 4 : 2;
        p->start = util_days_from_civil(y, (unsigned)((k - 1) * months + 1), 1);
        p->end = k < last ? util_days_from_civil(y, (unsigned)(k * months + 1), 1) - 1 : year_end(y);
        snprintf(p->code, sizeof p->code, "%04ld-%c%c", y % 10000, f, (char)('0' + k % 10));
    }
}

int plan_period_parse(const char *s, plan_period *p)
{
    if (!s) return -1;
    size_t n = strlen(s);
    if (n != 4 && n != 7) return -1;
    long y = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        y = y * 10 + (s[i] - '0');
    }
    if (y < 1900 || y > 2999) return -1;
    if (n == 4) {
        mk_period(y, 'Y', 0, p);
        return 0;
    }
    char f = (char)(s[5] == 'q' ? 'Q' : s[5] == 'h' ? 'H' : s[5]);
    int k = s[6] - '0';
    if (s[4] != '-' || (f != 'Q' && f != 'H') || k < 1 || k > (f == 'Q' ? 4 : 2)) return -1;
    mk_period(y, f, k, p);
    return 0;
}

long plan_periods(const char *freq, long from, long to, long before, plan_period **out)
{
    *out = NULL;
    char f;
    if (!strcmp(freq, "quarterly")) f = 'Q';
    else if (!strcmp(freq, "half_yearly")) f = 'H';
    else if (!strcmp(freq, "yearly")) f = 'Y';
    else return -1;
    long y;
    unsigned m, d;
    util_civil_from_days(from, &y, &m, &d);
    int k = f == 'Y' ? 0 : f == 'Q' ? (int)((m - 1) / 3 + 1) : (int)((m - 1) / 6 + 1);
    size_t n = 0, cap = 0;
    plan_period *a = NULL;
    for (;;) {
        plan_period p;
        mk_period(y, f, k, &p);
        if (p.start > to) break;
        if (p.end < before) {
            if (n == cap) a = xrealloc(a, (cap = cap ? cap * 2 : 16) * sizeof *a);
            a[n++] = p;
        }
        if (f == 'Y' || k == (f == 'Q' ? 4 : 2)) {
            y++;
            k = f == 'Y' ? 0 : 1;
        } else
            k++;
    }
    *out = a;
    return (long)n;
}

/* ======================================================================
 * progress math
 * ====================================================================== */

const char *plan_status_name(plan_status s)
{
    static const char *n[] = {"on_track", "at_risk", "off_track", "no_data", "unquantified"};
    return (unsigned)s < 5 ? n[s] : "?";
}

const char *plan_status_label(plan_status s, lang l)
{
    static const char *zh[] = {"进度正常", "存在风险", "进度滞后", "暂无数据", "定性目标"};
    static const char *en[] = {"On track", "At risk", "Off track", "No data", "Not quantified"};
    return (unsigned)s < 5 ? (l == LANG_EN ? en[s] : zh[s]) : "?";
}

int plan_linear_fit(const plan_point *pts, size_t n, double *slope, double *intercept)
{
    if (n < 2) return -1;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += (double)pts[i].day;
        my += pts[i].value;
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = (double)pts[i].day - mx;
        sxx += dx * dx;
        sxy += dx * (pts[i].value - my);
    }
    if (sxx <= 0) return -1;
    *slope = sxy / sxx;
    *intercept = my - *slope * mx;
    return 0;
}

int plan_cagr(plan_point a, plan_point b, double *rate)
{
    if (!(a.value > 0) || !(b.value > 0) || b.day <= a.day) return -1;
    *rate = pow(b.value / a.value, 365.25 / (double)(b.day - a.day)) - 1.0;
    return 0;
}

double plan_path_value(const plan_calc *c, long day)
{
    /* baseline, milestones strictly between baseline and target, target */
    long pd = c->baseline_day;
    double pv = c->baseline;
    if (day <= pd) return pv;
    for (size_t i = 0; i <= c->nm; i++) {
        long nd;
        double nv;
        if (i < c->nm) {
            nd = c->milestones[i].day;
            nv = c->milestones[i].value;
            if (nd <= pd || nd >= c->target_day) continue;
        } else {
            nd = c->target_day;
            nv = c->target;
        }
        if (day <= nd) return nd == pd ? nv : pv + (nv - pv) * (double)(day - pd) / (double)(nd - pd);
        pd = nd;
        pv = nv;
    }
    return pv;
}

static int meets(const plan_calc *c, double v) { return c->down ? v <= c->target : v >= c->target; }

void plan_calc_run(plan_calc *c)
{
    c->has_percent = c->has_projection = c->has_cagr = c->achieved = 0;
    c->percent = c->expected_percent = c->projection = c->cagr_rate = c->cagr_projection = 0;
    c->method = "path";
    if (!c->has_target) {
        c->status = PS_UNQUANTIFIED;
        c->reason = "no_target";
        return;
    }
    if (!c->has_current) {
        c->status = PS_NO_DATA;
        c->reason = "no_data";
        return;
    }
    c->achieved = meets(c, c->current);
    if (c->rate_target) {
        /* a growth-rate target: the current average rate is the projection */
        c->method = "rate";
        c->has_projection = 1;
        c->projection = c->current;
        c->expected_percent = 100;
        double ratio = c->target != 0 ? (c->down ? (c->current != 0 ? c->target / c->current : 0) : c->current / c->target) : (c->achieved ? 1 : 0);
        c->has_percent = 1;
        c->percent = ratio * 100;
        if (c->achieved) c->status = PS_ON_TRACK, c->reason = "achieved";
        else if (c->asof >= c->target_day) c->status = PS_OFF_TRACK, c->reason = "missed";
        else if (ratio >= PLAN_RISK_FRACTION) c->status = PS_AT_RISK, c->reason = "rate_close";
        else c->status = PS_OFF_TRACK, c->reason = "rate_short";
        return;
    }
    double span = c->target - c->baseline;
    double p = span != 0 ? (c->current - c->baseline) / span : (c->achieved ? 1 : 0);
    double path = plan_path_value(c, c->asof);
    double x = span != 0 ? (path - c->baseline) / span : 1;
    c->has_percent = 1;
    c->percent = p * 100;
    c->expected_percent = x * 100;
    double slope, icpt;
    if (plan_linear_fit(c->series, c->n, &slope, &icpt) == 0) {
        c->has_projection = 1;
        c->method = "linear";
        c->projection = slope * (double)c->target_day + icpt;
    }
    if (c->stock && c->n >= 2) {
        plan_point a = c->series[0], b = c->series[c->n - 1];
        if (plan_cagr(a, b, &c->cagr_rate) == 0) {
            c->has_cagr = 1;
            c->cagr_projection = b.value * pow(1 + c->cagr_rate, (double)(c->target_day - b.day) / 365.25);
        }
    }
    if (c->achieved) {
        c->status = PS_ON_TRACK;
        c->reason = "achieved";
    } else if (c->asof >= c->target_day) {
        c->status = PS_OFF_TRACK;
        c->reason = "missed";
    } else if (c->has_projection) {
        double q = span != 0 ? (c->projection - c->baseline) / span : (meets(c, c->projection) ? 1 : 0);
        if (q >= 1) c->status = PS_ON_TRACK, c->reason = "projection_meets";
        else if (q >= PLAN_RISK_FRACTION) c->status = PS_AT_RISK, c->reason = "projection_close";
        else c->status = PS_OFF_TRACK, c->reason = "projection_short";
        if (c->status == PS_ON_TRACK && p < x - PLAN_BEHIND_SLACK) c->status = PS_AT_RISK, c->reason = "behind_path";
    } else {
        if (p >= x) c->status = PS_ON_TRACK, c->reason = "on_path";
        else if (p >= x - PLAN_BEHIND_SLACK) c->status = PS_AT_RISK, c->reason = "slightly_behind";
        else c->status = PS_OFF_TRACK, c->reason = "behind_path";
    }
}

/* ======================================================================
 * reading a plan
 * ====================================================================== */

static const rec_actor sys_actor = {0, "system", ROLE_ADMIN, NULL};

/* Every live row of t whose `field` equals id, ordered by id (as the
 * system: progress and assessment read every department's rows). */
typedef struct collect {
    json_t *a;
} collect;

static int collect_fn(void *ctx, json_t *row, err *e)
{
    (void)e;
    json_array_append(((collect *)ctx)->a, row);
    return 0;
}

static int rows_of(store *db, const rec_type *t, const char *field, int64_t id, json_t **out, err *e)
{
    json_t *args = json_object();
    json_object_set_new(args, field, json_sprintf("%lld", (long long)id));
    rec_query q;
    collect c = {json_array()};
    int rc = rec_query_from_args(t, args, &q, e);
    if (!rc) rc = rec_each(db, t, &sys_actor, &q, collect_fn, &c, e);
    rec_query_free(&q);
    json_decref(args);
    if (rc) {
        json_decref(c.a);
        return -1;
    }
    *out = c.a;
    return 0;
}

/* code -> {name_zh, name_en} of every department. */
static int dept_names(store *db, json_t **out, err *e)
{
    store_stmt *st = store_prepare(db, "SELECT code, name_zh, name_en FROM departments", e);
    if (!st) return -1;
    json_t *o = json_object();
    int r;
    while ((r = store_step(st, e)) == 1)
        json_object_set_new(o, store_col_text(st, 0),
                            json_pack("{s:s?,s:s?}", "name_zh", store_col_text(st, 1), "name_en", store_col_text(st, 2)));
    store_done(st);
    if (r < 0) {
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}

static json_t *dept_obj(json_t *names, const char *code)
{
    json_t *n = json_object_get(names, code);
    return json_pack("{s:s,s:s?,s:s?}", "code", code, "name_zh", jstr(n, "name_zh"), "name_en", jstr(n, "name_en"));
}

/* ======================================================================
 * progress of targets
 * ====================================================================== */

typedef struct pctx {
    store *db;
    char region[16];
    ind_params params;
    json_t *cache;      /* "id@day" -> ind_value answer */
    json_t *figures;    /* target code -> [[day, value, reviewed_at], ...] (accepted reports) */
    json_t *milestones; /* target id -> [[year, value], ...] */
    json_t *depts;      /* department names */
} pctx;

static void pctx_free(pctx *p)
{
    json_decref(p->cache);
    json_decref(p->figures);
    json_decref(p->milestones);
    json_decref(p->depts);
}

static int pctx_init(pctx *p, store *db, const json_t *plan, err *e)
{
    memset(p, 0, sizeof *p);
    p->db = db;
    snprintf(p->region, sizeof p->region, "%s", jstr(plan, "region_code") ? jstr(plan, "region_code") : "");
    ind_params_default(&p->params);
    p->cache = json_object();
    p->figures = json_object();
    p->milestones = json_object();
    int64_t id = jint(plan, "id");
    if (dept_names(db, &p->depts, e)) return -1;
    store_stmt *st = store_prepare(db,
                                   "SELECT r.period, r.figures, r.reviewed_at FROM task_reports r JOIN plan_tasks t ON t.id = r.task"
                                   " WHERE t.plan = ? AND r.status = 'accepted' AND r.deleted_at IS NULL AND t.deleted_at IS NULL"
                                   " ORDER BY r.reviewed_at, r.id",
                                   e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int r;
    while ((r = store_step(st, e)) == 1) {
        plan_period per;
        json_t *fig = store_col_text(st, 1) ? json_loads(store_col_text(st, 1), 0, NULL) : NULL;
        if (!plan_period_parse(store_col_text(st, 0), &per) && json_is_object(fig)) {
            const char *k;
            json_t *v;
            json_object_foreach(fig, k, v)
            {
                if (!json_is_number(v)) continue;
                json_t *arr = json_object_get(p->figures, k);
                if (!arr) json_object_set_new(p->figures, k, arr = json_array());
                json_array_append_new(arr, json_pack("[I,f,s?]", (json_int_t)per.end, json_number_value(v), store_col_text(st, 2)));
            }
        }
        json_decref(fig);
    }
    store_done(st);
    if (r < 0) return -1;
    st = store_prepare(db,
                       "SELECT m.target, m.year, m.value FROM plan_milestones m JOIN plan_targets t ON t.id = m.target"
                       " WHERE t.plan = ? AND m.deleted_at IS NULL AND t.deleted_at IS NULL ORDER BY m.target, m.year",
                       e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    while ((r = store_step(st, e)) == 1) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)store_col_int(st, 0));
        json_t *arr = json_object_get(p->milestones, key);
        if (!arr) json_object_set_new(p->milestones, key, arr = json_array());
        json_array_append_new(arr, json_pack("[I,f]", (json_int_t)store_col_int(st, 1), store_col_double(st, 2)));
    }
    store_done(st);
    return r < 0 ? -1 : 0;
}

/* The indicator's value on day: 1 with *v, 0 when it has none (a note
 * is added to notes), -1 on an error other than "no value". */
static int ind_at(pctx *p, const char *id, long day, double *v, json_t *notes, err *e)
{
    char key[96], ds[16];
    snprintf(key, sizeof key, "%s@%ld", id, day);
    json_t *ans = json_object_get(p->cache, key);
    if (!ans) {
        json_t *out = NULL;
        err ie = ERR_INIT;
        if (ind_value(p->db, id, p->region, day, &p->params, &out, &ie)) {
            if (ie.status >= 500 || ie.status == 0) {
                err_move(e, &ie);
                return -1;
            }
            out = json_pack("{s:b,s:s,s:s}", "has_value", 0, "note_zh", err_msg(&ie, LANG_ZH), "note_en", err_msg(&ie, LANG_EN));
            err_clear(&ie);
        }
        json_object_set_new(p->cache, key, out);
        ans = out;
    }
    json_t *val = json_object_get(ans, "value");
    if (json_is_true(json_object_get(ans, "has_value")) && json_is_number(val)) {
        *v = json_number_value(val);
        return 1;
    }
    if (notes) {
        const char *zh = jstr(ans, "note_zh"), *en = jstr(ans, "note_en");
        json_array_append_new(notes, json_pack("{s:s,s:s,s:s}", "date", day_text(day, ds), "note_zh", zh ? zh : "无数值",
                                               "note_en", en ? en : "no value"));
    }
    return 0;
}

/* The sum of the indicators ids on day: 1 with *v when at least one has a
 * value (the others count 0, with a note), 0 when none has (notes say
 * why), -1 on an error. */
static int sum_at(pctx *p, char ids[][64], int nids, long day, double *v, json_t *notes, err *e)
{
    double total = 0;
    int got = 0, miss[IND_MAX] = {0};
    for (int k = 0; k < nids; k++) {
        double x;
        int r = ind_at(p, ids[k], day, &x, NULL, e);
        if (r < 0) return -1;
        if (r) total += x, got++;
        else miss[k] = 1;
    }
    char ds[16];
    for (int k = 0; k < nids; k++) {
        if (!miss[k]) continue;
        char key[96];
        snprintf(key, sizeof key, "%s@%ld", ids[k], day);
        json_t *ans = json_object_get(p->cache, key);
        const char *zh = jstr(ans, "note_zh"), *en = jstr(ans, "note_en");
        json_array_append_new(notes, json_pack("{s:s,s:s+,s:s+}", "date", day_text(day, ds), "note_zh", got ? "（按 0 计）" : "",
                                               zh ? zh : "无数值", "note_en", got ? "(counted as 0) " : "", en ? en : "no value"));
        if (nids > 1) {
            json_t *last = json_array_get(notes, json_array_size(notes) - 1);
            json_object_set_new(last, "indicator", json_string(ids[k]));
        }
    }
    *v = total;
    return got ? 1 : 0;
}

typedef struct pts {
    plan_point *p;
    unsigned char *partial;
    size_t n, cap;
} ptlist;

static void pts_add(ptlist *s, long day, double v, int partial)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->p = xrealloc(s->p, s->cap * sizeof *s->p);
        s->partial = xrealloc(s->partial, s->cap);
    }
    s->p[s->n].day = day;
    s->p[s->n].value = v;
    s->partial[s->n++] = (unsigned char)partial;
}

static void pts_free(ptlist *s)
{
    free(s->p);
    free(s->partial);
}

static int cmp_fig(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t dx = json_integer_value(json_array_get(x, 0)), dy = json_integer_value(json_array_get(y, 0));
    if (dx != dy) return dx < dy ? -1 : 1;
    const char *rx = json_string_value(json_array_get(x, 2)), *ry = json_string_value(json_array_get(y, 2));
    return strcmp(rx ? rx : "", ry ? ry : "");
}

/* The reasons behind a target's status, in both languages. */
static const struct {
    const char *code, *zh, *en;
} reasons[] = {
    {"no_target", "方案未给出数值（定性目标），不计算进度", "The plan gives no number (a qualitative target); no progress is computed"},
    {"no_data", "暂无数值", "No value yet"},
    {"achieved", "当前值已达到目标", "The current value meets the target"},
    {"missed", "目标期限已到，未达到目标", "The deadline has come and the target was not met"},
    {"projection_meets", "按线性趋势预计到期可达到目标", "The linear trend reaches the target by the deadline"},
    {"projection_close", "按线性趋势预计到期完成目标路程的 90% 以上但未达到", "The linear trend covers 90% or more of the way, not all of it"},
    {"projection_short", "按线性趋势预计到期完成不到目标路程的 90%", "The linear trend covers less than 90% of the way"},
    {"behind_path", "当前进度落后计划进度超过 10 个百分点", "More than 10 points behind the planned path"},
    {"on_path", "数据点不足以预测；当前进度不低于计划进度", "Too few points to project; progress is not behind the planned path"},
    {"slightly_behind", "数据点不足以预测；当前进度落后计划进度不超过 10 个百分点", "Too few points to project; at most 10 points behind the planned path"},
    {"rate_close", "当前年均增幅达到目标的 90% 以上但未达到", "The average growth is 90% or more of the target rate, not all of it"},
    {"rate_short", "当前年均增幅不到目标的 90%", "The average growth is below 90% of the target rate"},
    {NULL, NULL, NULL},
};

static const char *reason_text(const char *r, lang l)
{
    for (int i = 0; reasons[i].code; i++)
        if (!strcmp(reasons[i].code, r)) return l == LANG_EN ? reasons[i].en : reasons[i].zh;
    return r;
}

static const char *reason_zh(const char *r) { return reason_text(r, LANG_ZH); }
static const char *reason_en(const char *r) { return reason_text(r, LANG_EN); }

static json_t *num_or_null(int has, double v) { return has && isfinite(v) ? json_real(v) : json_null(); }

/* Rounds for output: values to 6 significant decimals, percents to 0.1. */
static double r6(double v) { return fabs(v) < 1e9 ? round(v * 1e6) / 1e6 : round(v); }
static double r1(double v) { return round(v * 10) / 10; }

/* The progress of one target as of asof. */
static int eval_target(pctx *p, const json_t *plan, const json_t *t, long asof, json_t **out, err *e)
{
    char ds[16], ds2[16];
    long tday = jday(t, "target_date", 0);
    long pstart = jday(plan, "period_start", 0);
    long eval = asof < tday ? asof : tday;
    double bl = 0;
    int has_bl = jnum(t, "baseline_value", &bl);
    const char *bl_src = has_bl ? "record" : NULL;
    long bday = jday(t, "baseline_date", pstart - 1);
    const char *agg = jstr(t, "aggregation") ? jstr(t, "aggregation") : "level";
    int a_sum = !strcmp(agg, "period_sum"), a_cagr = !strcmp(agg, "cagr");
    const char *ind = jstr(t, "indicator"), *code = jstr(t, "code");
    char ids[IND_MAX][64];
    int nids = ind ? split_ids(ind, ids) : 0;
    const ind_def *def = nids > 0 ? ind_find(ids[0]) : NULL;
    int all_reported = def != NULL, a_rate = !strcmp(agg, "rate");
    for (int k = 0; k < nids; k++) {
        const ind_def *d = ind_find(ids[k]);
        if (!d) def = NULL;
        else if (!d->reported) all_reported = 0;
    }
    json_t *notes = json_array();
    ptlist all = {0};
    int has_cur = 0, cur_partial = 0, from_reports = !ind;
    double cur = 0;
    long cur_day = 0;
    const double bl0 = bl;
    const int has_bl0 = has_bl;
    const long bday0 = bday;
    int rc = -1;

    if (eval < bday) {
        json_array_append_new(notes, json_pack("{s:s,s:s}", "note_zh", "评估日早于基期日", "note_en", "The evaluation date is before the baseline date"));
        from_reports = 0;
    } else if (ind && !def) {
        json_array_append_new(notes, json_pack("{s:s,s:s}", "note_zh", "指标引擎中没有该指标", "note_en", "The indicator engine has no such indicator"));
    } else if (def && a_sum) {
        if (!has_bl) bl = 0, has_bl = 1, bl_src = "zero";
        double cum = 0;
        for (long y = year_of(bday + 1); y <= year_of(eval); y++) {
            long d = year_end(y) < eval ? year_end(y) : eval;
            if (d <= bday) continue;
            double v;
            int r = sum_at(p, ids, nids, d, &v, notes, e);
            if (r < 0) goto out;
            if (!r) break; /* a year without a value ends the total */
            cum += v;
            pts_add(&all, d, bl + cum, 0);
        }
        if (all.n) has_cur = 1, cur = all.p[all.n - 1].value, cur_day = all.p[all.n - 1].day;
        else if (eval == bday) has_cur = 1, cur = bl, cur_day = bday;
    } else if (def && def->yearly) { /* annual flows (also the base of a growth rate) */
        for (long y = year_of(bday); y <= year_of(eval); y++) {
            long d = year_end(y) <= eval ? year_end(y) : eval;
            double v;
            int r = sum_at(p, ids, nids, d, &v, notes, e);
            if (r < 0) goto out;
            if (r) pts_add(&all, d, v, d != year_end(y));
        }
        if (!has_bl && all.n && !all.partial[0] && year_of(all.p[0].day) == year_of(bday))
            has_bl = 1, bl = all.p[0].value, bday = all.p[0].day, bl_src = "indicator";
        for (size_t i = all.n; i > 0; i--)
            if (!all.partial[i - 1]) {
                has_cur = 1, cur = all.p[i - 1].value, cur_day = all.p[i - 1].day;
                break;
            }
        if (!has_cur && all.n) has_cur = 1, cur_partial = 1, cur = all.p[all.n - 1].value, cur_day = all.p[all.n - 1].day;
    } else if (def) { /* a stock on each year end and on the evaluation day */
        long days[64];
        size_t nd = 0;
        days[nd++] = bday;
        for (long y = year_of(bday); y <= year_of(eval) && nd < 62; y++)
            if (year_end(y) > bday && year_end(y) < eval) days[nd++] = year_end(y);
        if (eval > bday) days[nd++] = eval;
        for (size_t i = 0; i < nd; i++) {
            double v;
            int r = sum_at(p, ids, nids, days[i], &v, notes, e);
            if (r < 0) goto out;
            if (r) pts_add(&all, days[i], v, 0);
        }
        if (!has_bl && all.n && all.p[0].day == bday) has_bl = 1, bl = all.p[0].value, bl_src = "indicator";
        if (all.n) has_cur = 1, cur = all.p[all.n - 1].value, cur_day = all.p[all.n - 1].day;
    }
    /* a reported indicator nobody has entered yet: the departments' figures */
    if (def && all_reported && !all.n && eval >= bday0) {
        from_reports = 1;
        has_cur = 0;
        bl = bl0, has_bl = has_bl0, bday = bday0, bl_src = has_bl ? "record" : NULL;
        json_decref(notes);
        notes = json_pack("[{s:s,s:s}]", "note_zh", "该指标尚无填报值（指标填报），采用审核通过的进展报告数据", "note_en",
                          "The indicator has no reported value yet (indicator reports): figures of accepted progress reports are used");
    }
    if (from_reports) { /* figures of accepted progress reports */
        json_t *figs = json_object_get(p->figures, code ? code : "");
        size_t nf = json_array_size(figs);
        json_t **v = xcalloc(nf ? nf : 1, sizeof *v);
        for (size_t i = 0; i < nf; i++) v[i] = json_array_get(figs, i);
        qsort(v, nf, sizeof *v, cmp_fig);
        if (a_sum) {
            if (!has_bl) bl = 0, has_bl = 1, bl_src = "zero";
            double cum = bl;
            for (size_t i = 0; i < nf; i++) {
                long d = (long)json_integer_value(json_array_get(v[i], 0));
                if (d <= bday || d > eval) continue;
                cum += json_number_value(json_array_get(v[i], 1));
                if (all.n && all.p[all.n - 1].day == d) all.p[all.n - 1].value = cum;
                else pts_add(&all, d, cum, 0);
            }
            has_cur = 1, cur = all.n ? all.p[all.n - 1].value : bl, cur_day = eval; /* the total as far as accepted reports tell */
            if (!all.n)
                json_array_append_new(notes, json_pack("{s:s,s:s}", "note_zh", "尚无审核通过的报告数据，累计值为 0",
                                                       "note_en", "No figure in accepted reports yet; the total is 0"));
        } else {
            /* per period end, the figure of the report reviewed last */
            for (size_t i = 0; i < nf; i++) {
                long d = (long)json_integer_value(json_array_get(v[i], 0));
                double x = json_number_value(json_array_get(v[i], 1));
                if (d > eval) continue;
                if (all.n && all.p[all.n - 1].day == d) all.p[all.n - 1].value = x;
                else pts_add(&all, d, x, 0);
            }
            if (!has_bl) {
                size_t k = 0;
                for (size_t i = 0; i < all.n; i++)
                    if (all.p[i].day <= bday) k = i + 1;
                if (k) has_bl = 1, bl = all.p[k - 1].value, bl_src = "reports";
                else if (all.n) has_bl = 1, bl = all.p[0].value, bday = all.p[0].day, bl_src = "reports";
            }
            if (all.n && all.p[all.n - 1].day >= bday) has_cur = 1, cur = all.p[all.n - 1].value, cur_day = all.p[all.n - 1].day;
            if (!all.n)
                json_array_append_new(notes, json_pack("{s:s,s:s}", "note_zh", "尚无审核通过的报告数据",
                                                       "note_en", "No figure in accepted reports yet"));
        }
        free(v);
    }
    const char *cur_src = from_reports ? "reports" : "indicator";
    if (!has_bl) /* no value on the baseline date: the first complete point is the baseline */
        for (size_t i = 0; i < all.n; i++)
            if (!all.partial[i]) {
                has_bl = 1, bl = all.p[i].value, bday = all.p[i].day, bl_src = cur_src;
                break;
            }

    /* the fit: the baseline, then the complete points after it */
    ptlist fit = {0};
    if (has_bl) pts_add(&fit, bday, bl, 0);
    for (size_t i = 0; i < all.n; i++)
        if (all.p[i].day > bday && !all.partial[i]) pts_add(&fit, all.p[i].day, all.p[i].value, 0);

    /* a growth-rate target: the current value is the average growth since the baseline */
    double amount = cur;
    int has_amount = has_cur;
    if (a_cagr) {
        double rate;
        plan_point b0 = {bday, bl}, b1 = {cur_day, cur};
        if (has_bl && has_cur && !cur_partial && plan_cagr(b0, b1, &rate) == 0) cur = rate * 100;
        else {
            if (has_cur)
                json_array_append_new(notes, json_pack("{s:s,s:s}", "note_zh", "年均增幅需要基期和之后一个完整年度的正数值",
                                                       "note_en", "An average growth needs positive values at the baseline and a later complete year"));
            has_cur = 0;
        }
    }

    ptlist ms = {0};
    json_t *mrows = json_object_get(p->milestones, json_string_value(json_object_get(t, "_key")));
    size_t i;
    json_t *m;
    json_array_foreach(mrows, i, m) pts_add(&ms, year_end((long)json_integer_value(json_array_get(m, 0))), json_number_value(json_array_get(m, 1)), 0);

    plan_calc c = {0};
    c.down = jstr(t, "direction") && !strcmp(jstr(t, "direction"), "down");
    c.rate_target = a_cagr || a_rate;
    c.has_target = jnum(t, "target_value", &c.target);
    c.target_day = tday;
    c.baseline = bl;
    c.baseline_day = bday;
    c.series = fit.p;
    c.n = fit.n;
    c.milestones = ms.p;
    c.nm = ms.n;
    c.has_current = has_cur;
    c.current = cur;
    c.asof = eval;
    c.stock = !strcmp(agg, "level");
    plan_calc_run(&c);

    json_t *o = json_object();
    static const char *copy[] = {"id", "code", "name_zh", "name_en", "section", "dept_basis", "source_text", "indicator",
                                 "measure", "aggregation", "direction", "unit_zh", "unit_en", NULL};
    for (const char **k = copy; *k; k++) {
        json_t *x = json_object_get(t, *k);
        json_object_set(o, *k, x ? x : json_null());
    }
    json_t *deps = json_array();
    json_array_foreach(json_object_get(t, "departments"), i, m) json_array_append_new(deps, dept_obj(p->depts, json_string_value(m)));
    json_object_set_new(o, "departments", deps);
    json_object_set_new(o, "evaluated_on", json_string(day_text(eval, ds)));
    json_object_set_new(o, "baseline", has_bl ? json_pack("{s:f,s:s,s:s}", "value", r6(bl), "date", day_text(bday, ds), "source", bl_src)
                                              : json_null());
    json_object_set_new(o, "target", json_pack("{s:o,s:s}", "value", num_or_null(c.has_target, c.target), "date", day_text(tday, ds2)));
    json_object_set_new(o, "current",
                        c.has_current ? json_pack("{s:f,s:s,s:b,s:s}", "value", r6(cur), "date", day_text(cur_day, ds), "partial",
                                                  cur_partial, "source", cur_src)
                                      : json_null());
    if (a_cagr && has_amount)
        json_object_set_new(o, "current_amount", json_pack("{s:f,s:s}", "value", r6(amount), "date", day_text(cur_day, ds)));
    json_object_set_new(o, "percent", c.has_percent ? json_real(r1(c.percent)) : json_null());
    json_object_set_new(o, "expected_percent", c.has_percent ? json_real(r1(c.expected_percent)) : json_null());
    if (c.has_projection || c.has_cagr) {
        json_t *pj = json_pack("{s:s,s:s,s:o}", "method", c.method, "date", day_text(tday, ds), "value",
                               num_or_null(c.has_projection, r6(c.projection)));
        if (c.has_cagr) {
            json_object_set_new(pj, "cagr_rate_percent", json_real(r1(c.cagr_rate * 100)));
            json_object_set_new(pj, "cagr_value", json_real(r6(c.cagr_projection)));
        }
        json_object_set_new(o, "projection", pj);
    } else
        json_object_set_new(o, "projection", json_null());
    json_object_set_new(o, "achieved", json_boolean(c.achieved));
    json_object_set_new(o, "status", json_string(plan_status_name(c.status)));
    json_object_set_new(o, "status_zh", json_string(plan_status_label(c.status, LANG_ZH)));
    json_object_set_new(o, "status_en", json_string(plan_status_label(c.status, LANG_EN)));
    json_object_set_new(o, "reason", json_string(c.reason));
    json_object_set_new(o, "reason_zh", json_string(reason_zh(c.reason)));
    json_object_set_new(o, "reason_en", json_string(reason_en(c.reason)));
    json_t *ser = json_array();
    for (size_t k = 0; k < all.n; k++) {
        json_t *pt = json_pack("{s:s,s:f}", "date", day_text(all.p[k].day, ds), "value", r6(all.p[k].value));
        if (all.partial[k]) json_object_set_new(pt, "partial", json_true());
        json_array_append_new(ser, pt);
    }
    json_object_set_new(o, "series", ser);
    json_t *mj = json_array();
    json_array_foreach(mrows, i, m) json_array_append_new(mj, json_pack("{s:O,s:O}", "year", json_array_get(m, 0), "value", json_array_get(m, 1)));
    json_object_set_new(o, "milestones", mj);
    if (def && !from_reports && nids == 1 && c.has_current && !a_sum && !a_cagr) {
        char key[96];
        snprintf(key, sizeof key, "%s@%ld", ids[0], cur_day);
        json_t *det = json_object_get(p->cache, key);
        if (det) json_object_set(o, "detail", det);
    }
    json_object_set_new(o, "notes", notes);
    notes = NULL;
    *out = o;
    rc = 0;
    pts_free(&fit);
    pts_free(&ms);
out:
    json_decref(notes);
    pts_free(&all);
    return rc;
}

static int progress_compute(store *db, const json_t *plan, long asof, json_t **out, err *e)
{
    pctx p;
    json_t *targets = NULL, *items = json_array();
    int rc = -1;
    if (pctx_init(&p, db, plan, e) || rows_of(db, &type_plan_target, "plan", jint(plan, "id"), &targets, e)) goto out;
    int counts[5] = {0};
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        json_object_set_new(t, "_key", json_sprintf("%lld", (long long)jint(t, "id")));
        json_t *o;
        if (eval_target(&p, plan, t, asof, &o, e)) goto out;
        for (int s = 0; s < 5; s++)
            if (!strcmp(jstr(o, "status"), plan_status_name((plan_status)s))) counts[s]++;
        json_array_append_new(items, o);
    }
    char ds[16];
    json_t *summary = json_object();
    for (int s = 0; s < 5; s++) json_object_set_new(summary, plan_status_name((plan_status)s), json_integer(counts[s]));
    json_object_set_new(summary, "total", json_integer((json_int_t)json_array_size(items)));
    *out = json_pack("{s:{s:I,s:s?,s:s?,s:s?,s:s?,s:s?},s:s,s:o,s:s,s:s,s:o}", "plan", "id", (json_int_t)jint(plan, "id"), "name",
                     jstr(plan, "name"), "region_code", jstr(plan, "region_code"), "period_start", jstr(plan, "period_start"),
                     "period_end", jstr(plan, "period_end"), "status", jstr(plan, "status"), "as_of", day_text(asof, ds), "summary",
                     summary, "rule_zh",
                     "评估日取查询日与目标期限中较早者。已达到目标为进度正常；期限已到仍未达到为进度滞后；否则按基期及之后完整数据点的最小二乘线性趋势预测到期值："
                     "完成目标路程 100% 及以上为进度正常，90% 至 100% 为存在风险，不足 90% 为进度滞后；预测正常但当前进度落后计划进度（里程碑或时间比例）超过 10 "
                     "个百分点的，降为存在风险。数据点不足以预测时按当前进度与计划进度比较。年均增长率目标以当前年均增幅与目标比较。",
                     "rule_en",
                     "Evaluated on the earlier of the query date and the target date. A met target is on track; a passed deadline "
                     "without it is off track; otherwise the least-squares line through the baseline and the later complete points "
                     "is projected to the deadline: 100% of the way or more is on track, 90-100% at risk, below 90% off track; on "
                     "track but more than 10 points behind the planned path (milestones or elapsed time) is at risk. With too few "
                     "points, progress is compared with the planned path. Growth-rate targets compare the average growth with the target.",
                     "targets", items);
    items = NULL;
    rc = 0;
out:
    json_decref(items);
    json_decref(targets);
    pctx_free(&p);
    return rc;
}

int plan_progress(store *db, const rec_actor *a, int64_t id, long asof, json_t **out, err *e)
{
    *out = NULL;
    json_t *plan;
    if (rec_get(db, &type_plan, a, id, &plan, e)) return -1;
    int rc = progress_compute(db, plan, asof, out, e);
    json_decref(plan);
    return rc;
}

/* ======================================================================
 * overdue reports
 * ====================================================================== */

/* "task|dept|period" -> {"id","status","first_submitted_at","return_count"} of every live report of the plan. */
static int reports_of_plan(store *db, int64_t plan, json_t **out, err *e)
{
    store_stmt *st = store_prepare(db,
                                   "SELECT r.task, r.dept, r.period, r.id, r.status, r.first_submitted_at, r.return_count"
                                   " FROM task_reports r JOIN plan_tasks t ON t.id = r.task"
                                   " WHERE t.plan = ? AND r.deleted_at IS NULL AND t.deleted_at IS NULL",
                                   e);
    if (!st) return -1;
    store_bind_int(st, 1, plan);
    json_t *o = json_object();
    int r;
    while ((r = store_step(st, e)) == 1) {
        char key[160];
        snprintf(key, sizeof key, "%lld|%s|%s", (long long)store_col_int(st, 0), store_col_text(st, 1), store_col_text(st, 2));
        json_object_set_new(o, key,
                            json_pack("{s:I,s:s?,s:s?,s:I}", "id", (json_int_t)store_col_int(st, 3), "status", store_col_text(st, 4),
                                      "first_submitted_at", store_col_text(st, 5), "return_count", (json_int_t)store_col_int(st, 6)));
    }
    store_done(st);
    if (r < 0) {
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}

static json_t *report_at(json_t *reports, int64_t task, const char *dept, const char *period)
{
    char key[160];
    snprintf(key, sizeof key, "%lld|%s|%s", (long long)task, dept, period);
    return json_object_get(reports, key);
}

/* The reporting window of a task: from its start (or the plan's) to the plan's end. */
static void task_window(const json_t *plan, const json_t *task, long *from, long *to)
{
    *from = jday(plan, "period_start", 0);
    long sd = jday(task, "start_date", -1);
    if (sd > *from) *from = sd;
    *to = jday(plan, "period_end", 0);
}

static int cmp_overdue(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(jstr(x, "period_end"), jstr(y, "period_end"));
    if (c) return c;
    int64_t tx = jint(x, "task"), ty = jint(y, "task");
    if (tx != ty) return tx < ty ? -1 : 1;
    return strcmp(jstr(x, "dept"), jstr(y, "dept"));
}

int plan_overdue(store *db, const rec_actor *a, int64_t id, long asof, const char *dept, json_t **out, err *e)
{
    *out = NULL;
    json_t *plan = NULL, *tasks = NULL, *reports = NULL, *names = NULL;
    json_t **items = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    if (rec_get(db, &type_plan, a, id, &plan, e)) return -1;
    if (a->role == ROLE_DEPT) dept = a->dept ? a->dept : "-"; /* a department sees its own */
    if (rows_of(db, &type_plan_task, "plan", id, &tasks, e) || reports_of_plan(db, id, &reports, e) || dept_names(db, &names, e))
        goto out;
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
    {
        long from, to;
        task_window(plan, t, &from, &to);
        plan_period *ps;
        long np = plan_periods(jstr(t, "report_frequency") ? jstr(t, "report_frequency") : "quarterly", from, to, asof, &ps);
        size_t j;
        json_t *dv;
        json_array_foreach(json_object_get(t, "departments"), j, dv)
        {
            const char *d = json_string_value(dv);
            if (dept && strcmp(dept, d)) continue;
            for (long k = 0; k < np; k++) {
                json_t *rep = report_at(reports, jint(t, "id"), d, ps[k].code);
                const char *st = jstr(rep, "status");
                if (st && (!strcmp(st, "submitted") || !strcmp(st, "accepted"))) continue;
                char s1[16], s2[16];
                json_t *it = json_pack("{s:I,s:s?,s:s?,s:s,s:s?,s:s?,s:s,s:s,s:s,s:I,s:o}", "task", (json_int_t)jint(t, "id"), "task_code",
                                       jstr(t, "code"), "task_title", jstr(t, "title"), "dept", d, "dept_name_zh",
                                       jstr(json_object_get(names, d), "name_zh"), "dept_name_en", jstr(json_object_get(names, d), "name_en"),
                                       "period", ps[k].code, "period_start", day_text(ps[k].start, s1), "period_end",
                                       day_text(ps[k].end, s2), "days_overdue", (json_int_t)(asof - ps[k].end), "report",
                                       rep ? json_pack("{s:O,s:O}", "id", json_object_get(rep, "id"), "status", json_object_get(rep, "status"))
                                           : json_null());
                if (n == cap) items = xrealloc(items, (cap = cap ? cap * 2 : 64) * sizeof *items);
                items[n++] = it;
            }
        }
        free(ps);
    }
    if (n) qsort(items, n, sizeof *items, cmp_overdue); /* items is NULL when there are none */
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++) json_array_append_new(arr, items[k]);
    n = 0;
    char ds[16];
    *out = json_pack("{s:I,s:s,s:I,s:o}", "plan", (json_int_t)id, "as_of", day_text(asof, ds), "total",
                     (json_int_t)json_array_size(arr), "items", arr);
    rc = 0;
out:
    for (size_t k = 0; k < n; k++) json_decref(items[k]);
    free(items);
    json_decref(plan);
    json_decref(tasks);
    json_decref(reports);
    json_decref(names);
    return rc;
}

/* ======================================================================
 * annual assessment
 * ====================================================================== */

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/* The weights for plan/year: the row for that year, else the row without
 * a year, else the defaults. */
static int load_weights(store *db, int64_t plan, int year, json_t **out, err *e)
{
    store_stmt *st = store_prepare(db,
                                   "SELECT id, w_targets, w_reporting, w_review, w_supervision, grace_days FROM assessment_weights"
                                   " WHERE plan = ? AND (year = ? OR year IS NULL) AND deleted_at IS NULL"
                                   " ORDER BY CASE WHEN year IS NULL THEN 1 ELSE 0 END, id DESC LIMIT 1",
                                   e);
    if (!st) return -1;
    store_bind_int(st, 1, plan);
    store_bind_int(st, 2, year);
    int r = store_step(st, e);
    if (r == 1)
        *out = json_pack("{s:f,s:f,s:f,s:f,s:I,s:I}", "targets", store_col_double(st, 1), "reporting", store_col_double(st, 2),
                         "review", store_col_double(st, 3), "supervision", store_col_double(st, 4), "grace_days",
                         (json_int_t)store_col_int(st, 5), "record", (json_int_t)store_col_int(st, 0));
    store_done(st);
    if (r < 0) return -1;
    if (r == 0)
        *out = json_pack("{s:f,s:f,s:f,s:f,s:i,s:n}", "targets", W_TARGETS, "reporting", W_REPORTING, "review", W_REVIEW,
                         "supervision", W_SUPERVISION, "grace_days", GRACE_DAYS, "record");
    return 0;
}

typedef struct comp {
    double sum;
    int n;
    json_t *items;
} comp;

static void comp_add(comp *c, double pts, json_t *item)
{
    c->sum += pts;
    c->n++;
    json_object_set_new(item, "points", json_real(r6(pts)));
    json_array_append_new(c->items, item);
}

static int cmp_score(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_t *sx = json_object_get(x, "score"), *sy = json_object_get(y, "score");
    if (json_is_null(sx) != json_is_null(sy)) return json_is_null(sx) ? 1 : -1;
    double dx = json_number_value(sx), dy = json_number_value(sy);
    if (dx != dy) return dx > dy ? -1 : 1;
    return strcmp(jstr(x, "dept"), jstr(y, "dept"));
}

int plan_assessment(store *db, const rec_actor *a, int64_t id, int year, json_t **out, err *e)
{
    *out = NULL;
    json_t *plan = NULL, *progress = NULL, *tasks = NULL, *reports = NULL, *weights = NULL, *names = NULL, *depts = NULL,
           *sups = NULL;
    json_t **rows = NULL;
    size_t nrows = 0;
    int rc = -1;
    if (rec_get(db, &type_plan, a, id, &plan, e)) return -1;
    long ps = jday(plan, "period_start", 0), pe = jday(plan, "period_end", 0), today = util_today();
    if (year < year_of(ps) || year > year_of(pe)) {
        err_set(e, 422, "plan.year", "考核年度应在方案实施期 %ld—%ld 年内", "The year must lie within the plan period %ld-%ld",
                year_of(ps), year_of(pe), year_of(ps), year_of(pe));
        goto out;
    }
    long asof = year_end(year) < today ? year_end(year) : today;
    if (load_weights(db, id, year, &weights, e) || progress_compute(db, plan, asof, &progress, e) ||
        rows_of(db, &type_plan_task, "plan", id, &tasks, e) || reports_of_plan(db, id, &reports, e) || dept_names(db, &names, e))
        goto out;
    /* supervision records of the plan (by plan, by one of its tasks, or of no plan at all) dated in the year */
    {
        char y0[16], y1[16];
        store_stmt *st = store_prepare(db,
                                       "SELECT id, dept, date, follow_up_status, due_date FROM supervisions"
                                       " WHERE deleted_at IS NULL AND date >= ? AND date <= ?"
                                       " AND (plan = ? OR task IN (SELECT id FROM plan_tasks WHERE plan = ?) OR (plan IS NULL AND task IS NULL))"
                                       " ORDER BY date, id",
                                       e);
        if (!st) goto out;
        store_bind_text(st, 1, day_text(util_days_from_civil(year, 1, 1), y0));
        store_bind_text(st, 2, day_text(year_end(year), y1));
        store_bind_int(st, 3, id);
        store_bind_int(st, 4, id);
        sups = json_array();
        int r;
        while ((r = store_step(st, e)) == 1)
            json_array_append_new(sups, json_pack("{s:I,s:s?,s:s?,s:s?,s:s?}", "id", (json_int_t)store_col_int(st, 0), "dept",
                                                  store_col_text(st, 1), "date", store_col_text(st, 2), "status", store_col_text(st, 3),
                                                  "due_date", store_col_text(st, 4)));
        store_done(st);
        if (r < 0) goto out;
    }
    /* the departments assessed: every responsible unit of a target or task */
    depts = json_array();
    size_t i, j;
    json_t *t, *d;
    json_array_foreach(json_object_get(progress, "targets"), i, t) json_array_foreach(json_object_get(t, "departments"), j, d)
    {
        if (!json_has_string(depts, jstr(d, "code"))) json_array_append_new(depts, json_string(jstr(d, "code")));
    }
    json_array_foreach(tasks, i, t) json_array_foreach(json_object_get(t, "departments"), j, d)
    {
        if (!json_has_string(depts, json_string_value(d))) json_array_append(depts, d);
    }
    double w[4] = {json_number_value(json_object_get(weights, "targets")), json_number_value(json_object_get(weights, "reporting")),
                   json_number_value(json_object_get(weights, "review")), json_number_value(json_object_get(weights, "supervision"))};
    long grace = (long)json_integer_value(json_object_get(weights, "grace_days"));
    static const char *cname[4] = {"targets", "reporting", "review", "supervision"};
    rows = xcalloc(json_array_size(depts) + 1, sizeof *rows);
    json_array_foreach(depts, i, d)
    {
        const char *code = json_string_value(d);
        comp c[4];
        for (int k = 0; k < 4; k++) c[k] = (comp){0, 0, json_array()};
        /* 1. targets: attainment against the planned path at the end of the year */
        json_array_foreach(json_object_get(progress, "targets"), j, t)
        {
            int mine = 0;
            size_t k;
            json_t *x;
            json_array_foreach(json_object_get(t, "departments"), k, x) if (!strcmp(jstr(x, "code"), code)) mine = 1;
            const char *st = jstr(t, "status");
            if (!mine || !strcmp(st, "no_data") || !strcmp(st, "unquantified")) continue;
            double p = json_number_value(json_object_get(t, "percent")) / 100,
                   xp = json_number_value(json_object_get(t, "expected_percent")) / 100;
            double att = json_is_true(json_object_get(t, "achieved")) ? 1
                         : !strcmp(jstr(t, "aggregation"), "cagr") || !strcmp(jstr(t, "aggregation"), "rate") ? clamp01(p)
                         : xp <= 0 ? (p >= 0 ? 1 : 0)
                                   : clamp01(p / xp);
            comp_add(&c[0], att,
                     json_pack("{s:O,s:O,s:O,s:O,s:O,s:f}", "code", json_object_get(t, "code"), "name_zh", json_object_get(t, "name_zh"),
                               "status", json_object_get(t, "status"), "percent", json_object_get(t, "percent"), "expected_percent",
                               json_object_get(t, "expected_percent"), "attainment", r6(att)));
        }
        /* 2. timely reporting and 3. review, per task period that ended in the year */
        json_array_foreach(tasks, j, t)
        {
            if (!json_has_string(json_object_get(t, "departments"), code)) continue;
            long from, to;
            task_window(plan, t, &from, &to);
            long y0 = util_days_from_civil(year, 1, 1);
            if (from < y0) from = y0;
            if (to > year_end(year)) to = year_end(year);
            if (from > to) continue;
            plan_period *pp;
            long np = plan_periods(jstr(t, "report_frequency") ? jstr(t, "report_frequency") : "quarterly", from, to, today, &pp);
            for (long k = 0; k < np; k++) {
                if (pp[k].end < y0 || pp[k].end > year_end(year)) continue;
                json_t *rep = report_at(reports, jint(t, "id"), code, pp[k].code);
                const char *first = jstr(rep, "first_submitted_at"), *st = jstr(rep, "status");
                long due = pp[k].end + grace, sub = -1;
                char dd[16];
                if (first && strlen(first) >= 10) {
                    char b[11];
                    memcpy(b, first, 10);
                    b[10] = '\0';
                    if (util_date_parse(b, &sub)) sub = -1;
                }
                if (sub < 0 && due >= today) continue; /* not due yet */
                double pts = sub < 0 ? 0 : sub <= due ? 1 : 0.5;
                comp_add(&c[1], pts,
                         json_pack("{s:O,s:s,s:s,s:s?,s:s?}", "task_code", json_object_get(t, "code"), "period", pp[k].code, "due",
                                   day_text(due, dd), "first_submitted_at", first, "status", st));
                if (sub >= 0 && st && strcmp(st, "submitted")) {
                    double q = !strcmp(st, "accepted") ? 1.0 / (1 + (double)jint(rep, "return_count")) : 0;
                    comp_add(&c[2], q,
                             json_pack("{s:O,s:s,s:s,s:I}", "task_code", json_object_get(t, "code"), "period", pp[k].code, "status", st,
                                       "return_count", (json_int_t)jint(rep, "return_count")));
                }
            }
            free(pp);
        }
        /* 4. supervision follow-up */
        json_array_foreach(sups, j, t)
        {
            if (strcmp(jstr(t, "dept") ? jstr(t, "dept") : "", code)) continue;
            const char *st = jstr(t, "status") ? jstr(t, "status") : "open";
            long due = jday(t, "due_date", -1);
            double pts = !strcmp(st, "rectified") || !strcmp(st, "verified") ? 1 : !strcmp(st, "in_progress") ? 0.5 : 0;
            if (!strcmp(st, "open") && due >= asof) continue; /* not due yet */
            comp_add(&c[3], pts, json_pack("{s:O,s:O,s:s}", "id", json_object_get(t, "id"), "date", json_object_get(t, "date"), "status", st));
        }
        double num = 0, den = 0;
        json_t *comps = json_object();
        for (int k = 0; k < 4; k++) {
            double s = c[k].n ? 100 * c[k].sum / c[k].n : 0;
            if (c[k].n && w[k] > 0) {
                num += w[k] * s;
                den += w[k];
            }
            json_object_set_new(comps, cname[k],
                                json_pack("{s:o,s:f,s:b,s:i,s:o}", "score", c[k].n ? json_real(r1(s)) : json_null(), "weight", w[k],
                                          "counted", c[k].n > 0 && w[k] > 0, "items_count", c[k].n, "items", c[k].items));
        }
        json_t *nm = json_object_get(names, code);
        rows[nrows++] = json_pack("{s:s,s:s?,s:s?,s:o,s:o}", "dept", code, "name_zh", jstr(nm, "name_zh"), "name_en", jstr(nm, "name_en"),
                                  "score", den > 0 ? json_real(r1(num / den)) : json_null(), "components", comps);
    }
    qsort(rows, nrows, sizeof *rows, cmp_score);
    json_t *arr = json_array();
    for (size_t k = 0; k < nrows; k++) {
        json_t *row = rows[k];
        json_t *sc = json_object_get(row, "score");
        if (json_is_null(sc)) json_object_set_new(row, "rank", json_null());
        else if (k > 0 && json_equal(sc, json_object_get(rows[k - 1], "score")))
            json_object_set(row, "rank", json_object_get(rows[k - 1], "rank"));
        else
            json_object_set_new(row, "rank", json_integer((json_int_t)k + 1));
        if (a->role == ROLE_DEPT && (!a->dept || strcmp(a->dept, jstr(row, "dept")))) continue;
        json_array_append(arr, row);
    }
    char ds[16];
    *out = json_pack("{s:{s:I,s:s?,s:s?},s:i,s:s,s:b,s:O,s:I,s:o,s:s,s:s}", "plan", "id", (json_int_t)id, "name", jstr(plan, "name"),
                     "region_code", jstr(plan, "region_code"), "year", year, "as_of", day_text(asof, ds), "provisional",
                     year_end(year) >= today, "weights", weights, "assessed", (json_int_t)nrows, "departments", arr, "method_zh",
                     "每个单位的得分为四项得分（0—100）的加权平均：目标完成（负责目标在年末相对计划进度的完成度，已达到为满分）、按时报送（各报告期截止后宽限期内首次报送得 1 "
                     "分，逾期报送 0.5 分，未报送 0 分）、审核通过（已审核报告通过得 1/(1+退回次数) 分，被退回未通过 0 分）、督查整改（已整改或已核实 1 分，整改中 0.5 "
                     "分，逾期未整改 0 分）。没有考核项的部分不计入，其余权重按比例放大。得分相同名次相同。",
                     "method_en",
                     "Each department's score is the weighted mean of four parts (0-100): targets (attainment of its targets against the "
                     "planned path at year end; met = full), timely reporting (first submission within the grace days after a period "
                     "ends 1, later 0.5, none 0), review (accepted reports 1/(1+times returned), returned and not accepted 0), supervision "
                     "(rectified or verified 1, in progress 0.5, open past due 0). A part with no items does not count and the other "
                     "weights scale up. Equal scores share a rank.");
    rc = 0;
out:
    for (size_t k = 0; k < nrows; k++) json_decref(rows[k]);
    free(rows);
    json_decref(plan);
    json_decref(progress);
    json_decref(tasks);
    json_decref(reports);
    json_decref(weights);
    json_decref(names);
    json_decref(depts);
    json_decref(sups);
    return rc;
}

/* ======================================================================
 * plan documents
 * ====================================================================== */

static const char *std_cols[] = {"id", "version", "dept", "created_at", "updated_at", "created_by", "updated_by", "deleted_at", NULL};

static int upsert(store *db, const rec_type *t, const rec_actor *a, json_t *in, int64_t *id, int counts[3], const char *where,
                  size_t idx, err *e)
{
    rec_outcome oc;
    if (!json_is_object(in)) {
        err_set(e, 400, "plan.document", "方案文件中 %s 第 %zu 项应为对象", "Item %2$zu of %1$s in the plan document must be an object", where,
                idx + 1);
        return -1;
    }
    if (rec_upsert_tx(db, t, a, in, 0, &oc, id, e)) {
        err_at(e, where, (long)idx + 1, 0, NULL);
        return -1;
    }
    counts[oc == REC_CREATED ? 0 : oc == REC_UPDATED ? 1 : 2]++;
    return 0;
}

int plan_load_tx(store *db, const rec_actor *a, json_t *doc, json_t **report, err *e)
{
    *report = NULL;
    json_t *pl = json_object_get(doc, "plan");
    if (!json_is_object(doc) || !json_is_object(pl))
        return err_set(e, 400, "plan.document", "方案文件应为 JSON 对象，含 plan 对象及 targets、tasks 数组",
                       "A plan document is a JSON object with a plan object and targets and tasks arrays");
    static const char *lists[] = {"targets", "tasks", "weights", NULL};
    for (const char **l = lists; *l; l++) {
        json_t *x = json_object_get(doc, *l);
        if (x && !json_is_array(x))
            return err_set(e, 400, "plan.document", "方案文件中 %s 应为数组", "%s in the plan document must be an array", *l, *l);
    }
    int counts[3] = {0};
    int64_t pid, tid, xid;
    json_t *in = json_deep_copy(pl);
    int rc = upsert(db, &type_plan, a, in, &pid, counts, "plan", 0, e);
    json_decref(in);
    if (rc) return -1;
    size_t i, j;
    json_t *t, *m;
    json_array_foreach(json_object_get(doc, "targets"), i, t)
    {
        in = json_is_object(t) ? json_deep_copy(t) : json_incref(t);
        json_t *ms = json_is_object(in) ? json_incref(json_object_get(in, "milestones")) : NULL;
        if (json_is_object(in)) {
            json_object_del(in, "milestones");
            json_object_set_new(in, "plan", json_integer(pid));
        }
        rc = upsert(db, &type_plan_target, a, in, &tid, counts, "targets", i, e);
        json_decref(in);
        if (!rc && ms && !json_is_array(ms)) rc = err_set(e, 400, "plan.document", "milestones 应为数组", "milestones must be an array");
        json_array_foreach(ms, j, m)
        {
            if (rc) break;
            in = json_is_object(m) ? json_deep_copy(m) : json_incref(m);
            if (json_is_object(in)) json_object_set_new(in, "target", json_integer(tid));
            rc = upsert(db, &type_plan_milestone, a, in, &xid, counts, "milestones", j, e);
            json_decref(in);
        }
        json_decref(ms);
        if (rc) return -1;
    }
    static const struct {
        const char *key;
        rec_type *t;
    } sub[] = {{"tasks", &type_plan_task}, {"weights", &type_assess_weights}};
    for (size_t k = 0; k < 2; k++) json_array_foreach(json_object_get(doc, sub[k].key), i, t)
        {
            in = json_is_object(t) ? json_deep_copy(t) : json_incref(t);
            if (json_is_object(in)) json_object_set_new(in, "plan", json_integer(pid));
            rc = upsert(db, sub[k].t, a, in, &xid, counts, sub[k].key, i, e);
            json_decref(in);
            if (rc) return -1;
        }
    *report = json_pack("{s:I,s:i,s:i,s:i}", "plan_id", (json_int_t)pid, "created", counts[0], "updated", counts[1], "unchanged", counts[2]);
    return 0;
}

int plan_load(store *db, const rec_actor *a, json_t *doc, json_t **report, err *e)
{
    *report = NULL;
    if (store_begin(db, e)) return -1;
    if (plan_load_tx(db, a, doc, report, e) || store_commit(db, e)) {
        store_rollback(db);
        json_decref(*report);
        *report = NULL;
        return -1;
    }
    return 0;
}

/* A row as a document item: no standard columns, no read-only fields, no
 * null values, not the parent reference. */
static json_t *doc_item(const rec_type *t, const json_t *row, const char *parent)
{
    json_t *o = json_object();
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & (RF_READONLY | RF_SECRET | RF_VIRTUAL)) continue;
        if (parent && !strcmp(f->name, parent)) continue;
        json_t *v = json_object_get(row, f->name);
        if (v && !json_is_null(v)) json_object_set(o, f->name, v);
    }
    for (const char **c = std_cols; *c; c++) json_object_del(o, *c);
    return o;
}

int plan_document(store *db, const rec_actor *a, int64_t id, json_t **out, err *e)
{
    *out = NULL;
    json_t *plan = NULL, *targets = NULL, *tasks = NULL, *weights = NULL, *ms = NULL;
    int rc = -1;
    if (rec_get(db, &type_plan, a, id, &plan, e)) return -1;
    if (rows_of(db, &type_plan_target, "plan", id, &targets, e) || rows_of(db, &type_plan_task, "plan", id, &tasks, e) ||
        rows_of(db, &type_assess_weights, "plan", id, &weights, e))
        goto out;
    json_t *doc = json_pack("{s:o,s:[],s:[],s:[]}", "plan", doc_item(&type_plan, plan, NULL), "targets", "tasks", "weights");
    size_t i, j;
    json_t *r, *m;
    json_array_foreach(targets, i, r)
    {
        json_t *it = doc_item(&type_plan_target, r, "plan");
        json_decref(ms);
        ms = NULL;
        if (rows_of(db, &type_plan_milestone, "target", jint(r, "id"), &ms, e)) {
            json_decref(it);
            json_decref(doc);
            goto out;
        }
        if (json_array_size(ms)) {
            json_t *ma = json_array();
            json_array_foreach(ms, j, m) json_array_append_new(ma, doc_item(&type_plan_milestone, m, "target"));
            json_object_set_new(it, "milestones", ma);
        }
        json_array_append_new(json_object_get(doc, "targets"), it);
    }
    json_array_foreach(tasks, i, r) json_array_append_new(json_object_get(doc, "tasks"), doc_item(&type_plan_task, r, "plan"));
    json_array_foreach(weights, i, r) json_array_append_new(json_object_get(doc, "weights"), doc_item(&type_assess_weights, r, "plan"));
    *out = doc;
    rc = 0;
out:
    json_decref(plan);
    json_decref(targets);
    json_decref(tasks);
    json_decref(weights);
    json_decref(ms);
    return rc;
}

int plan_seed_demo_tx(store *db, const rec_actor *a, int *loaded, err *e)
{
    if (loaded) *loaded = 0;
    json_t *doc = seedplan_xuhui();
    json_t *pl = json_object_get(doc, "plan");
    int64_t n;
    int rc = -1;
    if (store_query_int(db, "SELECT COUNT(*) FROM plans WHERE region_code = ? AND name = ?", &n, e, 2, jstr(pl, "region_code"),
                        jstr(pl, "name")))
        goto out;
    if (n) { /* loaded before (perhaps edited or deleted since): leave it */
        rc = 0;
        goto out;
    }
    /* every responsible department must exist (they do in the demo region) */
    json_t *need = json_array();
    static const char *lists[] = {"targets", "tasks", NULL};
    for (const char **l = lists; *l; l++) {
        size_t i, j;
        json_t *x, *d;
        json_array_foreach(json_object_get(doc, *l), i, x) json_array_foreach(json_object_get(x, "departments"), j, d)
        {
            if (!json_has_string(need, json_string_value(d))) json_array_append(need, d);
        }
    }
    size_t i;
    json_t *d;
    json_array_foreach(need, i, d)
    {
        int ok = dept_live(db, json_string_value(d), e);
        if (ok <= 0) {
            if (ok == 0) log_warn("seed plan not loaded: department %s is missing", json_string_value(d));
            json_decref(need);
            rc = ok < 0 ? -1 : 0;
            goto out;
        }
    }
    json_decref(need);
    json_t *rep = NULL;
    if (plan_load_tx(db, a, doc, &rep, e)) goto out;
    log_info("seed plan loaded for %s: %lld rows", jstr(pl, "region_code"), (long long)jint(rep, "created"));
    json_decref(rep);
    if (loaded) *loaded = 1;
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

/* ======================================================================
 * attachments
 * ====================================================================== */

static int attach_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (!n || n > 255 || !util_utf8_valid(name, n)) return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\') return 0;
    return strcmp(name, ".") && strcmp(name, "..");
}

static void attach_flag_free(void *p) { (void)p; }

static int attach_update(store *db, const rec_actor *a, int64_t id, int64_t version, json_t *patch, json_t **out, err *e)
{
    store_cache_set(db, "plan.attach", (void *)1, attach_flag_free);
    int rc = rec_update_tx(db, &type_task_report, a, id, patch, version, out, e);
    store_cache_set(db, "plan.attach", NULL, NULL);
    return rc;
}

int plan_attach(store *db, const rec_actor *a, int64_t id, int64_t version, const char *name, const void *data, size_t n,
                json_t **out, err *e)
{
    *out = NULL;
    if (!attach_name_ok(name))
        return err_set(e, 422, "validation.attachment_name", "附件文件名无效（参数 filename）", "Invalid attachment file name (parameter filename)");
    if (!n) return err_set(e, 422, "validation.attachment_empty", "附件是空文件", "The attachment is empty");
    char sha[65], now[40];
    util_sha256_hex(data, n, sha);
    util_now_iso(now, sizeof now);
    size_t blen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(blen);
    sodium_bin2base64(b64, blen, data, n, sodium_base64_VARIANT_ORIGINAL);
    int rc = -1;
    if (store_begin(db, e)) goto done;
    store_stmt *st = store_prepare(db,
                                   "INSERT INTO plan_files (sha256, size, content, created_at, created_by) VALUES (?, ?, ?, ?, ?)"
                                   " ON CONFLICT (sha256) DO NOTHING",
                                   e);
    if (!st) goto fail;
    store_bind_text(st, 1, sha);
    store_bind_int(st, 2, (int64_t)n);
    store_bind_text(st, 3, b64);
    store_bind_text(st, 4, now);
    store_bind_text(st, 5, a->name);
    int r = store_step(st, e);
    store_done(st);
    if (r < 0) goto fail;
    json_t *patch = json_pack("{s:{s:s,s:s}}", "attach", "name", name, "sha256", sha);
    r = attach_update(db, a, id, version, patch, out, e);
    json_decref(patch);
    if (r || store_commit(db, e)) goto fail;
    rc = 0;
    goto done;
fail:
    store_rollback(db);
    json_decref(*out);
    *out = NULL;
done:
    free(b64);
    return rc;
}

int plan_detach(store *db, const rec_actor *a, int64_t id, int64_t version, const char *sha, json_t **out, err *e)
{
    *out = NULL;
    if (store_begin(db, e)) return -1;
    json_t *patch = json_pack("{s:s}", "detach", sha);
    int r = attach_update(db, a, id, version, patch, out, e);
    json_decref(patch);
    if (r || store_commit(db, e)) {
        store_rollback(db);
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int plan_attachment_get(store *db, const rec_actor *a, int64_t id, const char *sha, char **name, buf *content, err *e)
{
    *name = NULL;
    json_t *rep;
    if (rec_get(db, &type_task_report, a, id, &rep, e)) return -1;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(rep, "attachments"), i, x) if (jstr(x, "sha256") && !strcmp(jstr(x, "sha256"), sha))
    {
        *name = xstrdup(jstr(x, "name"));
        break;
    }
    json_decref(rep);
    if (!*name) return err_set(e, 404, "plan.attachment_not_found", "报告中没有该附件", "The report has no such attachment");
    store_stmt *st = store_prepare(db, "SELECT size, content FROM plan_files WHERE sha256 = ?", e);
    if (!st) goto fail;
    store_bind_text(st, 1, sha);
    int r = store_step(st, e);
    if (r == 1) {
        const char *b64 = store_col_text(st, 1);
        size_t cap = (size_t)store_col_int(st, 0) + 4, bin_len = 0;
        buf_grow(content, cap);
        if (sodium_base642bin((unsigned char *)content->s + content->len, cap, b64, strlen(b64), NULL, &bin_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL))
            r = -2;
        else {
            content->len += bin_len;
            content->s[content->len] = '\0';
        }
    }
    store_done(st);
    if (r == 1) return 0;
    if (r != -1) err_set(e, 500, "plan.attachment_lost", "附件内容缺失", "The attachment's content is missing");
fail:
    free(*name);
    *name = NULL;
    return -1;
}
