/*
 * xlsx.c - the target progress report and the annual assessment as XLSX
 * workbooks (libxlsxwriter): a sheet of results with a native chart, a
 * sheet of details (the data series, the score items) and a sheet with
 * the method.  Labels are Chinese, then English.
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

void report_num(const json_t *v, int decimals, char *out, size_t n)
{
    if (!json_is_number(v)) {
        snprintf(out, n, "—");
        return;
    }
    double d = json_number_value(v);
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(d));
    char *dot = strchr(raw, '.');
    if (dot) {
        char *p = raw + strlen(raw) - 1;
        while (p > dot && *p == '0') *p-- = '\0';
        if (p == dot) *p = '\0';
    }
    size_t ilen = dot ? (size_t)(dot - raw) : strlen(raw);
    if (dot && !*dot) dot = NULL;
    char res[96];
    size_t k = 0;
    int neg = d < 0 && strcmp(raw, "0") != 0;
    if (neg) res[k++] = '-';
    for (size_t i = 0; i < ilen && k < sizeof res - 2; i++) {
        if (i && (ilen - i) % 3 == 0) res[k++] = ',';
        res[k++] = raw[i];
    }
    res[k] = '\0';
    snprintf(out, n, "%s%s", res, dot ? dot : "");
}

static const char *sv(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

typedef struct fmts {
    lxw_format *title, *head, *wrap, *num, *pct, *st[5], *note;
} fmts;

static void make_formats(lxw_workbook *wb, fmts *f)
{
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->head = workbook_add_format(wb);
    format_set_bold(f->head);
    format_set_text_wrap(f->head);
    format_set_bg_color(f->head, 0xDDEBF7);
    format_set_border(f->head, LXW_BORDER_THIN);
    format_set_align(f->head, LXW_ALIGN_VERTICAL_CENTER);
    f->wrap = workbook_add_format(wb);
    format_set_text_wrap(f->wrap);
    format_set_align(f->wrap, LXW_ALIGN_VERTICAL_TOP);
    f->num = workbook_add_format(wb);
    format_set_num_format(f->num, "#,##0.####");
    format_set_align(f->num, LXW_ALIGN_VERTICAL_TOP);
    f->pct = workbook_add_format(wb);
    format_set_num_format(f->pct, "0.0");
    format_set_align(f->pct, LXW_ALIGN_VERTICAL_TOP);
    static const uint32_t bg[5] = {0xC6EFCE, 0xFFEB9C, 0xFFC7CE, 0xE7E6E6, 0xE7E6E6};
    static const uint32_t fg[5] = {0x006100, 0x9C5700, 0x9C0006, 0x595959, 0x595959};
    for (int i = 0; i < 5; i++) {
        f->st[i] = workbook_add_format(wb);
        format_set_bg_color(f->st[i], bg[i]);
        format_set_font_color(f->st[i], fg[i]);
        format_set_text_wrap(f->st[i]);
        format_set_align(f->st[i], LXW_ALIGN_VERTICAL_TOP);
    }
    f->note = workbook_add_format(wb);
    format_set_text_wrap(f->note);
    format_set_font_color(f->note, 0x595959);
}

static int status_index(const char *s)
{
    static const char *n[] = {"on_track", "at_risk", "off_track", "no_data", "unquantified"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, n[i])) return i;
    return 3;
}

static void put_num(lxw_worksheet *ws, int r, int c, const json_t *v, lxw_format *f)
{
    if (json_is_number(v)) worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, json_number_value(v), f);
    else worksheet_write_blank(ws, (lxw_row_t)r, (lxw_col_t)c, f);
}

static void put_str(lxw_worksheet *ws, int r, int c, const char *s, lxw_format *f)
{
    if (s && *s) worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, s, f);
    else worksheet_write_blank(ws, (lxw_row_t)r, (lxw_col_t)c, f);
}

static void heads(lxw_worksheet *ws, int r, const char *const *h, const double *w, fmts *f)
{
    for (int c = 0; h[c]; c++) {
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, h[c], f->head);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w[c], NULL);
    }
    worksheet_set_row(ws, (lxw_row_t)r, 32, NULL);
}

/* Reads a closed temporary file into out. */
static int build(int (*fill)(lxw_workbook *wb, const json_t *doc, err *e), const json_t *doc, buf *out, err *e)
{
    char path[] = "/tmp/ipcity-report-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return err_set(e, 500, "report.io", "无法创建临时文件", "Cannot create a temporary file");
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    int rc = -1;
    if (!wb) {
        err_set(e, 500, "report.xlsx", "无法创建 XLSX 文件", "Cannot create the XLSX file");
        goto out;
    }
    workbook_set_properties(wb, &(lxw_doc_properties){.title = "ipcity", .author = "ipcity", .company = "ipcity"});
    if (fill(wb, doc, e)) {
        workbook_close(wb);
        goto out;
    }
    if (workbook_close(wb) != LXW_NO_ERROR) {
        err_set(e, 500, "report.xlsx", "写入 XLSX 文件失败", "Writing the XLSX file failed");
        goto out;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        err_set(e, 500, "report.io", "无法读取临时文件", "Cannot read the temporary file");
        goto out;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(out, chunk, n);
    fclose(fp);
    rc = 0;
out:
    unlink(path);
    return rc;
}

/* ---- the target progress report ---- */

static int fill_progress(lxw_workbook *wb, const json_t *doc, err *e)
{
    (void)e;
    fmts f;
    make_formats(wb, &f);
    const json_t *plan = json_object_get(doc, "plan");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "目标进展 Progress");
    lxw_worksheet *ss = workbook_add_worksheet(wb, "数据序列 Series");
    lxw_worksheet *ms = workbook_add_worksheet(wb, "说明 Method");
    char line[1024];
    snprintf(line, sizeof line, "%s — 目标进展报告 / Target progress report", sv(plan, "name"));
    worksheet_write_string(ws, 0, 0, line, f.title);
    snprintf(line, sizeof line, "区域 Region %s · 实施期 Period %s — %s · 评估日 As of %s", sv(plan, "region_code"), sv(plan, "period_start"),
             sv(plan, "period_end"), sv(doc, "as_of"));
    worksheet_write_string(ws, 1, 0, line, NULL);
    const json_t *sum = json_object_get(doc, "summary");
    snprintf(line, sizeof line, "进度正常 On track %lld · 存在风险 At risk %lld · 进度滞后 Off track %lld · 暂无数据 No data %lld · 定性目标 Not quantified %lld",
             (long long)json_integer_value(json_object_get(sum, "on_track")), (long long)json_integer_value(json_object_get(sum, "at_risk")),
             (long long)json_integer_value(json_object_get(sum, "off_track")), (long long)json_integer_value(json_object_get(sum, "no_data")),
             (long long)json_integer_value(json_object_get(sum, "unquantified")));
    worksheet_write_string(ws, 2, 0, line, NULL);
    static const char *const h[] = {"编号\nCode", "目标\nTarget", "英文名称\nTarget (English)", "方案章节\nSection", "责任单位\nDepartments",
                                    "指标或计量口径\nIndicator / measure", "计算方式\nAggregation", "基期值\nBaseline", "基期日\nBaseline date",
                                    "当前值\nCurrent", "数据日期\nDate", "目标值\nTarget value", "目标期限\nDeadline", "单位\nUnit",
                                    "完成进度 %\nProgress %", "计划进度 %\nPlanned %", "到期预测值\nProjection", "预测方法\nMethod",
                                    "复合增长预测\nCAGR projection", "状态\nStatus", "说明\nReason", NULL};
    static const double w[] = {7, 26, 26, 24, 28, 28, 12, 12, 12, 12, 12, 12, 12, 10, 10, 10, 13, 10, 13, 12, 36};
    const int hr = 4;
    heads(ws, hr, h, w, &f);
    worksheet_freeze_panes(ws, hr + 1, 2);
    int r = hr + 1, sr = 1;
    static const char *const sh[] = {"编号\nCode", "目标\nTarget", "日期\nDate", "数值\nValue", "不完整年度\nPartial year", NULL};
    static const double sw[] = {8, 36, 12, 16, 12};
    heads(ss, 0, sh, sw, &f);
    size_t i, j;
    const json_t *t, *x;
    json_array_foreach(json_object_get(doc, "targets"), i, t)
    {
        buf deps = BUF_INIT;
        json_array_foreach(json_object_get(t, "departments"), j, x)
            buf_printf(&deps, "%s%s", deps.len ? "、" : "", *sv(x, "name_zh") ? sv(x, "name_zh") : sv(x, "code"));
        const json_t *bl = json_object_get(t, "baseline"), *cur = json_object_get(t, "current"),
                     *tg = json_object_get(t, "target"), *pj = json_object_get(t, "projection");
        char meas[700];
        snprintf(meas, sizeof meas, "%s%s%s", sv(t, "indicator"), *sv(t, "indicator") && *sv(t, "measure") ? "；" : "", sv(t, "measure"));
        put_str(ws, r, 0, sv(t, "code"), f.wrap);
        put_str(ws, r, 1, sv(t, "name_zh"), f.wrap);
        put_str(ws, r, 2, sv(t, "name_en"), f.wrap);
        put_str(ws, r, 3, sv(t, "section"), f.wrap);
        put_str(ws, r, 4, deps.s, f.wrap);
        put_str(ws, r, 5, meas, f.wrap);
        put_str(ws, r, 6, sv(t, "aggregation"), f.wrap);
        put_num(ws, r, 7, json_object_get(bl, "value"), f.num);
        put_str(ws, r, 8, sv(bl, "date"), f.wrap);
        put_num(ws, r, 9, json_object_get(cur, "value"), f.num);
        put_str(ws, r, 10, sv(cur, "date"), f.wrap);
        put_num(ws, r, 11, json_object_get(tg, "value"), f.num);
        put_str(ws, r, 12, sv(tg, "date"), f.wrap);
        snprintf(line, sizeof line, "%s%s%s", sv(t, "unit_zh"), *sv(t, "unit_en") ? " / " : "", sv(t, "unit_en"));
        put_str(ws, r, 13, line, f.wrap);
        put_num(ws, r, 14, json_object_get(t, "percent"), f.pct);
        put_num(ws, r, 15, json_object_get(t, "expected_percent"), f.pct);
        put_num(ws, r, 16, json_object_get(pj, "value"), f.num);
        put_str(ws, r, 17, sv(pj, "method"), f.wrap);
        put_num(ws, r, 18, json_object_get(pj, "cagr_value"), f.num);
        snprintf(line, sizeof line, "%s\n%s", sv(t, "status_zh"), sv(t, "status_en"));
        put_str(ws, r, 19, line, f.st[status_index(sv(t, "status"))]);
        buf reason = BUF_INIT;
        buf_printf(&reason, "%s / %s", sv(t, "reason_zh"), sv(t, "reason_en"));
        json_array_foreach(json_object_get(t, "notes"), j, x) buf_printf(&reason, "\n%s%s%s / %s", sv(x, "date"), *sv(x, "date") ? "：" : "",
                                                                         sv(x, "note_zh"), sv(x, "note_en"));
        put_str(ws, r, 20, reason.s, f.wrap);
        buf_free(&reason);
        buf_free(&deps);
        json_array_foreach(json_object_get(t, "series"), j, x)
        {
            put_str(ss, sr, 0, sv(t, "code"), NULL);
            put_str(ss, sr, 1, sv(t, "name_zh"), NULL);
            put_str(ss, sr, 2, sv(x, "date"), NULL);
            put_num(ss, sr, 3, json_object_get(x, "value"), f.num);
            put_str(ss, sr, 4, json_is_true(json_object_get(x, "partial")) ? "是 yes" : "", NULL);
            sr++;
        }
        r++;
    }
    /* a chart of the progress column (its table is the sheet itself) */
    if (r > hr + 1) {
        lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_BAR);
        char cats[128], vals[128], vals2[128];
        snprintf(cats, sizeof cats, "='目标进展 Progress'!$A$%d:$A$%d", hr + 2, r);
        snprintf(vals, sizeof vals, "='目标进展 Progress'!$O$%d:$O$%d", hr + 2, r);
        snprintf(vals2, sizeof vals2, "='目标进展 Progress'!$P$%d:$P$%d", hr + 2, r);
        lxw_chart_series *s1 = chart_add_series(ch, cats, vals);
        chart_series_set_name(s1, "完成进度 % Progress");
        lxw_chart_series *s2 = chart_add_series(ch, cats, vals2);
        chart_series_set_name(s2, "计划进度 % Planned");
        chart_title_set_name(ch, "目标完成进度 / Progress towards the targets (%)");
        chart_axis_set_reverse(ch->y_axis);
        worksheet_insert_chart_opt(ws, (lxw_row_t)(r + 2), 1, ch, &(lxw_chart_options){.x_scale = 2.2, .y_scale = 2.0});
    }
    put_str(ms, 0, 0, "状态规则 / Status rule", f.title);
    worksheet_set_column(ms, 0, 0, 120, NULL);
    put_str(ms, 1, 0, sv(doc, "rule_zh"), f.note);
    put_str(ms, 2, 0, sv(doc, "rule_en"), f.note);
    put_str(ms, 4, 0, "数值与 API GET /api/v1/plans/{id}/progress 相同 / The figures are those of the API GET /api/v1/plans/{id}/progress", f.note);
    return 0;
}

/* ---- the annual assessment ---- */

static const char *const comp_keys[4] = {"targets", "reporting", "review", "supervision"};
static const char *const comp_zh[4] = {"目标完成", "按时报送", "审核通过", "督查整改"};
static const char *const comp_en[4] = {"Targets", "Timely reporting", "Reports accepted", "Supervision follow-up"};

static int fill_assessment(lxw_workbook *wb, const json_t *doc, err *e)
{
    (void)e;
    fmts f;
    make_formats(wb, &f);
    const json_t *plan = json_object_get(doc, "plan"), *wt = json_object_get(doc, "weights");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "考核排名 Ranking");
    lxw_worksheet *ds = workbook_add_worksheet(wb, "评分明细 Items");
    lxw_worksheet *ms = workbook_add_worksheet(wb, "说明 Method");
    char line[1024];
    snprintf(line, sizeof line, "%s — %lld 年度考核 / Annual assessment %lld", sv(plan, "name"),
             (long long)json_integer_value(json_object_get(doc, "year")), (long long)json_integer_value(json_object_get(doc, "year")));
    worksheet_write_string(ws, 0, 0, line, f.title);
    snprintf(line, sizeof line, "评估日 As of %s%s · 权重 Weights: 目标完成 targets %g · 按时报送 reporting %g · 审核通过 review %g · 督查整改 supervision %g · 宽限 grace %lld 天 days",
             sv(doc, "as_of"), json_is_true(json_object_get(doc, "provisional")) ? "（年度未结束，暂定 / year not over: provisional）" : "",
             json_number_value(json_object_get(wt, "targets")), json_number_value(json_object_get(wt, "reporting")),
             json_number_value(json_object_get(wt, "review")), json_number_value(json_object_get(wt, "supervision")),
             (long long)json_integer_value(json_object_get(wt, "grace_days")));
    worksheet_write_string(ws, 1, 0, line, NULL);
    static const char *const h[] = {"名次\nRank", "部门代码\nCode", "部门\nDepartment", "英文名称\nDepartment (English)", "总分\nScore",
                                    "目标完成\nTargets", "按时报送\nReporting", "审核通过\nReview", "督查整改\nSupervision", NULL};
    static const double w[] = {7, 22, 22, 36, 9, 11, 11, 11, 11};
    const int hr = 3;
    heads(ws, hr, h, w, &f);
    worksheet_freeze_panes(ws, hr + 1, 3);
    static const char *const dh[] = {"部门\nDepartment", "考核项\nPart", "项目\nItem", "状态\nStatus", "得分（0—1）\nPoints (0-1)", NULL};
    static const double dw[] = {22, 22, 50, 20, 12};
    heads(ds, 0, dh, dw, &f);
    int r = hr + 1, dr = 1;
    size_t i, j;
    const json_t *d, *x;
    json_array_foreach(json_object_get(doc, "departments"), i, d)
    {
        put_num(ws, r, 0, json_object_get(d, "rank"), NULL);
        put_str(ws, r, 1, sv(d, "dept"), NULL);
        put_str(ws, r, 2, sv(d, "name_zh"), NULL);
        put_str(ws, r, 3, sv(d, "name_en"), NULL);
        put_num(ws, r, 4, json_object_get(d, "score"), f.pct);
        const json_t *cs = json_object_get(d, "components");
        for (int k = 0; k < 4; k++) {
            const json_t *c = json_object_get(cs, comp_keys[k]);
            put_num(ws, r, 5 + k, json_object_get(c, "score"), f.pct);
            json_array_foreach(json_object_get(c, "items"), j, x)
            {
                char item[600], part[120];
                if (k == 0) {
                    char p1[40], p2[40];
                    report_num(json_object_get(x, "percent"), 1, p1, sizeof p1);
                    report_num(json_object_get(x, "expected_percent"), 1, p2, sizeof p2);
                    snprintf(item, sizeof item, "%s %s（完成 progress %s%%，计划 planned %s%%）", sv(x, "code"), sv(x, "name_zh"), p1, p2);
                } else if (k == 3)
                    snprintf(item, sizeof item, "督查 supervision #%lld %s", (long long)json_integer_value(json_object_get(x, "id")), sv(x, "date"));
                else
                    snprintf(item, sizeof item, "任务 task %s · %s%s%s", sv(x, "task_code"), sv(x, "period"), k == 1 ? " · 截止 due " : "",
                             k == 1 ? sv(x, "due") : "");
                snprintf(part, sizeof part, "%s %s", comp_zh[k], comp_en[k]);
                put_str(ds, dr, 0, *sv(d, "name_zh") ? sv(d, "name_zh") : sv(d, "dept"), NULL);
                put_str(ds, dr, 1, part, NULL);
                put_str(ds, dr, 2, item, NULL);
                put_str(ds, dr, 3, sv(x, "status"), NULL);
                put_num(ds, dr, 4, json_object_get(x, "points"), f.num);
                dr++;
            }
        }
        r++;
    }
    if (r > hr + 1) {
        lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_BAR);
        char cats[128], vals[128];
        snprintf(cats, sizeof cats, "='考核排名 Ranking'!$C$%d:$C$%d", hr + 2, r);
        snprintf(vals, sizeof vals, "='考核排名 Ranking'!$E$%d:$E$%d", hr + 2, r);
        lxw_chart_series *s = chart_add_series(ch, cats, vals);
        chart_series_set_name(s, "总分 Score");
        chart_title_set_name(ch, "部门得分 / Department scores");
        chart_axis_set_reverse(ch->y_axis);
        chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
        worksheet_insert_chart_opt(ws, (lxw_row_t)(r + 2), 1, ch, &(lxw_chart_options){.x_scale = 1.8, .y_scale = 1.8});
    }
    put_str(ms, 0, 0, "评分方法 / Method", f.title);
    worksheet_set_column(ms, 0, 0, 120, NULL);
    put_str(ms, 1, 0, sv(doc, "method_zh"), f.note);
    put_str(ms, 2, 0, sv(doc, "method_en"), f.note);
    put_str(ms, 4, 0, "数值与 API GET /api/v1/plans/{id}/assessment 相同 / The figures are those of the API GET /api/v1/plans/{id}/assessment", f.note);
    return 0;
}

int report_progress_xlsx(const json_t *progress, buf *out, err *e) { return build(fill_progress, progress, out, e); }
int report_assessment_xlsx(const json_t *assessment, buf *out, err *e) { return build(fill_assessment, assessment, out, e); }
