/*
 * pdf.c - the target progress report and the annual assessment as PDF:
 * Cairo draws the pages and the charts (bars, lines), Pango lays out the
 * Chinese and English text in Noto Sans CJK SC (fonts-noto-cjk).  A4
 * portrait, every page with a footer naming the plan and the page.
 */
#include "report.h"

#include "../base/util.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 42.0
#define BOTTOM (PAGE_H - 48.0)
#define FONT "Noto Sans CJK SC"

typedef struct pdf {
    cairo_surface_t *surf;
    cairo_t *cr;
    double y;
    int page;
    char footer[400];
} pdf;

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int n)
{
    buf_add(closure, data, n);
    return CAIRO_STATUS_SUCCESS;
}

static void rgb(cairo_t *cr, uint32_t c) { cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0); }

enum { LEFT, CENTER, RIGHT };

/* Lays out s in a box of width w at (x, y); draws it unless measure_only;
 * returns the height. */
static double text_ex(pdf *p, double x, double y, double w, const char *s, double size, int bold, uint32_t color, int align,
                      int measure_only)
{
    if (!s || !*s) return 0;
    PangoLayout *l = pango_cairo_create_layout(p->cr);
    PangoFontDescription *fd = pango_font_description_from_string(FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold) pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align == CENTER ? PANGO_ALIGN_CENTER : align == RIGHT ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    pango_layout_set_text(l, s, -1);
    int pw, ph;
    pango_layout_get_size(l, &pw, &ph);
    if (!measure_only) {
        rgb(p->cr, color);
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
    return ph / (double)PANGO_SCALE;
}

static double text(pdf *p, double x, double y, double w, const char *s, double size, int bold, uint32_t color, int align)
{
    return text_ex(p, x, y, w, s, size, bold, color, align, 0);
}

static void footer(pdf *p)
{
    char f[480];
    snprintf(f, sizeof f, "%s · 第 %d 页 / page %d", p->footer, p->page, p->page);
    cairo_set_line_width(p->cr, 0.5);
    rgb(p->cr, 0xBFBFBF);
    cairo_move_to(p->cr, MARGIN, PAGE_H - 38);
    cairo_line_to(p->cr, PAGE_W - MARGIN, PAGE_H - 38);
    cairo_stroke(p->cr);
    text(p, MARGIN, PAGE_H - 34, PAGE_W - 2 * MARGIN, f, 7, 0, 0x7F7F7F, CENTER);
}

static void new_page(pdf *p)
{
    if (p->page) {
        footer(p);
        cairo_show_page(p->cr);
    }
    p->page++;
    p->y = MARGIN;
}

/* Starts a new page when h more points do not fit. */
static void need(pdf *p, double h)
{
    if (p->y + h > BOTTOM) new_page(p);
}

static int pdf_open(pdf *p, buf *out, const char *title, const char *foot)
{
    memset(p, 0, sizeof *p);
    p->surf = cairo_pdf_surface_create_for_stream(write_fn, out, PAGE_W, PAGE_H);
    if (cairo_surface_status(p->surf) != CAIRO_STATUS_SUCCESS) return -1;
    cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_CREATOR, "ipcity");
    p->cr = cairo_create(p->surf);
    snprintf(p->footer, sizeof p->footer, "%s", foot);
    new_page(p);
    return 0;
}

static int pdf_close(pdf *p, err *e)
{
    footer(p);
    cairo_show_page(p->cr);
    cairo_destroy(p->cr);
    cairo_surface_finish(p->surf);
    cairo_status_t st = cairo_surface_status(p->surf);
    cairo_surface_destroy(p->surf);
    if (st != CAIRO_STATUS_SUCCESS)
        return err_set(e, 500, "report.pdf", "生成 PDF 失败：%s", "Writing the PDF failed: %s", cairo_status_to_string(st),
                       cairo_status_to_string(st));
    return 0;
}

static const char *sv(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int status_index(const char *s)
{
    static const char *n[] = {"on_track", "at_risk", "off_track", "no_data", "unquantified"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, n[i])) return i;
    return 3;
}

static const uint32_t st_fill[5] = {0x2E9D5B, 0xE0A100, 0xD0453B, 0xA6A6A6, 0xA6A6A6};
static const uint32_t st_bg[5] = {0xDFF3E6, 0xFFF1CC, 0xF9DEDC, 0xEDEDED, 0xEDEDED};

static void rect(cairo_t *cr, double x, double y, double w, double h, uint32_t c)
{
    rgb(cr, c);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

static void hline(cairo_t *cr, double x0, double x1, double y, double lw, uint32_t c)
{
    rgb(cr, c);
    cairo_set_line_width(cr, lw);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
}

static long day_of(const char *s)
{
    long d;
    return s && !util_date_parse(s, &d) ? d : -1;
}

/* ---- the target progress report ---- */

static void summary_chart(pdf *p, const json_t *sum)
{
    static const char *keys[5] = {"on_track", "at_risk", "off_track", "no_data", "unquantified"};
    static const char *lab[5] = {"进度正常 On track", "存在风险 At risk", "进度滞后 Off track", "暂无数据 No data", "定性目标 Not quantified"};
    double total = (double)json_integer_value(json_object_get(sum, "total"));
    double x0 = MARGIN + 130, w = PAGE_W - MARGIN - x0 - 40;
    text(p, MARGIN, p->y, 400, "目标状态分布 / Targets by status", 11, 1, 0x1F3864, LEFT);
    p->y += 20;
    for (int i = 0; i < 5; i++) {
        json_int_t n = json_integer_value(json_object_get(sum, keys[i]));
        text(p, MARGIN, p->y, 125, lab[i], 8.5, 0, 0x262626, LEFT);
        rect(p->cr, x0, p->y + 2, w, 11, 0xF2F2F2);
        if (total > 0 && n > 0) rect(p->cr, x0, p->y + 2, w * (double)n / total, 11, st_fill[i]);
        char c[32];
        snprintf(c, sizeof c, "%lld", (long long)n);
        text(p, x0 + w + 6, p->y, 40, c, 8.5, 1, 0x262626, LEFT);
        p->y += 16;
    }
    p->y += 10;
}

/* The table row of one target: code, names, values, a progress bar with
 * the planned position marked, the status. */
static void target_row(pdf *p, const json_t *t)
{
    char cur[48], tgt[48], pct[48], line[400];
    const json_t *c = json_object_get(t, "current"), *tg = json_object_get(t, "target");
    report_num(json_object_get(c, "value"), 2, cur, sizeof cur);
    report_num(json_object_get(tg, "value"), 2, tgt, sizeof tgt);
    report_num(json_object_get(t, "percent"), 1, pct, sizeof pct);
    double xn = MARGIN + 30, wn = 190, xv = xn + wn + 6, wv = 110, xb = xv + wv + 6, wb = 90, xs = xb + wb + 8;
    double h1 = text_ex(p, xn, 0, wn, sv(t, "name_zh"), 8.5, 1, 0, LEFT, 1) + text_ex(p, xn, 0, wn, sv(t, "name_en"), 7, 0, 0, LEFT, 1);
    double h = h1 > 26 ? h1 + 6 : 32;
    need(p, h);
    double y = p->y;
    hline(p->cr, MARGIN, PAGE_W - MARGIN, y + h - 1, 0.4, 0xD9D9D9);
    text(p, MARGIN, y + 2, 28, sv(t, "code"), 8.5, 1, 0x1F3864, LEFT);
    double hz = text(p, xn, y + 2, wn, sv(t, "name_zh"), 8.5, 1, 0x262626, LEFT);
    text(p, xn, y + 2 + hz, wn, sv(t, "name_en"), 7, 0, 0x7F7F7F, LEFT);
    snprintf(line, sizeof line, "%s / %s %s", cur, tgt, sv(t, "unit_zh"));
    text(p, xv, y + 2, wv, line, 8, 0, 0x262626, LEFT);
    snprintf(line, sizeof line, "截至 as of %s", json_is_object(c) ? sv(c, "date") : "—");
    text(p, xv, y + 14, wv, line, 6.5, 0, 0x7F7F7F, LEFT);
    int si = status_index(sv(t, "status"));
    /* progress bar 0..100% (beyond 100 is clipped), planned position as a tick */
    rect(p->cr, xb, y + 6, wb, 8, 0xEDEDED);
    const json_t *pv = json_object_get(t, "percent"), *ev = json_object_get(t, "expected_percent");
    if (json_is_number(pv)) {
        double f = json_number_value(pv) / 100;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        rect(p->cr, xb, y + 6, wb * f, 8, st_fill[si]);
    }
    if (json_is_number(ev) && strcmp(sv(t, "aggregation"), "cagr") && strcmp(sv(t, "aggregation"), "rate")) {
        double f = json_number_value(ev) / 100;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        rgb(p->cr, 0x262626);
        cairo_set_line_width(p->cr, 1.2);
        cairo_move_to(p->cr, xb + wb * f, y + 3);
        cairo_line_to(p->cr, xb + wb * f, y + 17);
        cairo_stroke(p->cr);
    }
    snprintf(line, sizeof line, "%s%%", pct);
    text(p, xb, y + 16, wb, line, 6.5, 0, 0x595959, LEFT);
    double sw = PAGE_W - MARGIN - xs;
    rect(p->cr, xs, y + 3, sw, 20, st_bg[si]);
    snprintf(line, sizeof line, "%s\n%s", sv(t, "status_zh"), sv(t, "status_en"));
    text(p, xs, y + 3.5, sw, line, 7, 1, st_fill[si], CENTER);
    p->y += h;
}

/* A line chart of one target in the box (x, y, w, h): the observed
 * series, the target level, the projection to the deadline, milestones. */
static void target_chart(pdf *p, const json_t *t, double x, double y, double w, double h)
{
    cairo_t *cr = p->cr;
    char line[400];
    int si = status_index(sv(t, "status"));
    rgb(cr, 0xD9D9D9);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
    snprintf(line, sizeof line, "%s %s", sv(t, "code"), sv(t, "name_zh"));
    double th = text(p, x + 6, y + 4, w - 70, line, 8, 1, 0x262626, LEFT);
    text(p, x + 6, y + 4 + th, w - 70, sv(t, "name_en"), 6.5, 0, 0x7F7F7F, LEFT);
    rect(cr, x + w - 62, y + 5, 56, 12, st_bg[si]);
    text(p, x + w - 62, y + 5.5, 56, sv(t, "status_zh"), 7, 1, st_fill[si], CENTER);
    double px = x + 46, py = y + 40, pw = w - 58, ph = h - 72;
    const json_t *tg = json_object_get(t, "target"), *pj = json_object_get(t, "projection");
    const json_t *bl = json_object_get(t, "baseline"), *cv = json_object_get(t, "current");
    int rate = !strcmp(sv(t, "aggregation"), "cagr") || !strcmp(sv(t, "aggregation"), "rate");
    long d0 = -1, d1 = day_of(sv(tg, "date"));
    if (json_is_object(bl)) d0 = day_of(sv(bl, "date"));
    /* the points drawn: the baseline, the observed series after it (or the
     * current value when there is no series) */
    json_t *series = json_array();
    if (json_is_object(bl)) json_array_append_new(series, json_pack("{s:O,s:O}", "date", json_object_get(bl, "date"), "value", json_object_get(bl, "value")));
    size_t i;
    const json_t *pt;
    json_array_foreach(json_object_get(t, "series"), i, pt) if (d0 < 0 || day_of(sv(pt, "date")) > d0) json_array_append(series, (json_t *)pt);
    if (json_array_size(series) <= 1 && json_is_object(cv) && !rate && day_of(sv(cv, "date")) > d0)
        json_array_append_new(series, json_pack("{s:O,s:O}", "date", json_object_get(cv, "date"), "value", json_object_get(cv, "value")));
    if (rate) json_array_clear(series);
    double lo = 0, hi = 0;
    int any = 0;
#define EXT(v)                                                                                                         \
    do {                                                                                                               \
        double v_ = (v);                                                                                               \
        if (!any || v_ < lo) lo = v_;                                                                                  \
        if (!any || v_ > hi) hi = v_;                                                                                  \
        any = 1;                                                                                                       \
    } while (0)
    json_array_foreach(series, i, pt)
    {
        long d = day_of(sv(pt, "date"));
        if (d0 < 0 || d < d0) d0 = d;
        if (d > d1) d1 = d;
        EXT(json_number_value(json_object_get(pt, "value")));
    }
    if (json_is_object(bl)) EXT(json_number_value(json_object_get(bl, "value")));
    if (!rate && json_is_number(json_object_get(tg, "value"))) EXT(json_number_value(json_object_get(tg, "value")));
    if (!rate && json_is_number(json_object_get(pj, "value"))) EXT(json_number_value(json_object_get(pj, "value")));
    const json_t *m;
    json_array_foreach(json_object_get(t, "milestones"), i, m) EXT(json_number_value(json_object_get(m, "value")));
#undef EXT
    if (!json_array_size(series)) {
        char msg[200];
        if (rate && json_is_object(cv)) {
            char a[48], b[48];
            report_num(json_object_get(cv, "value"), 1, a, sizeof a);
            report_num(json_object_get(tg, "value"), 1, b, sizeof b);
            snprintf(msg, sizeof msg, "当前 current %s%% · 目标 target %s%%", a, b);
        } else
            snprintf(msg, sizeof msg, "暂无数据 / No data");
        text(p, x, y + h / 2 - 8, w, msg, 9, 0, 0x7F7F7F, CENTER);
        json_decref(series);
        return;
    }
    if (lo > 0) lo = 0;
    if (hi <= lo) hi = lo + 1;
    hi += (hi - lo) * 0.08;
    if (d0 < 0 || d1 <= d0) d1 = d0 + 365;
#define XD(d) (px + pw * (double)((d) - d0) / (double)(d1 - d0))
#define YV(v) (py + ph - ph * ((v) - lo) / (hi - lo))
    /* grid and y labels */
    for (int k = 0; k <= 4; k++) {
        double v = lo + (hi - lo) * k / 4;
        hline(cr, px, px + pw, YV(v), 0.3, 0xE0E0E0);
        json_t *jv = json_real(v);
        char lab[48];
        report_num(jv, fabs(hi - lo) < 10 ? 1 : 0, lab, sizeof lab);
        json_decref(jv);
        text(p, x + 2, YV(v) - 5, 40, lab, 6, 0, 0x7F7F7F, RIGHT);
    }
    /* x labels: years */
    long y0, y1;
    unsigned mm, dd;
    util_civil_from_days(d0, &y0, &mm, &dd);
    util_civil_from_days(d1, &y1, &mm, &dd);
    for (long yr = y0; yr <= y1; yr++) {
        long de = util_days_from_civil(yr, 12, 31);
        if (de < d0 || de > d1) continue;
        char lab[16];
        snprintf(lab, sizeof lab, "%ld", yr);
        rgb(cr, 0xBFBFBF);
        cairo_set_line_width(cr, 0.5);
        cairo_move_to(cr, XD(de), py + ph);
        cairo_line_to(cr, XD(de), py + ph + 3);
        cairo_stroke(cr);
        text(p, XD(de) - 20, py + ph + 3, 40, lab, 6, 0, 0x7F7F7F, CENTER);
    }
    hline(cr, px, px + pw, py + ph, 0.6, 0x7F7F7F);
    /* the target level */
    if (!rate && json_is_number(json_object_get(tg, "value"))) {
        double tv = json_number_value(json_object_get(tg, "value"));
        double dash[] = {4, 3};
        cairo_set_dash(cr, dash, 2, 0);
        hline(cr, px, px + pw, YV(tv), 1, 0xC00000);
        cairo_set_dash(cr, NULL, 0, 0);
        text(p, px + pw - 90, YV(tv) - 11, 90, "目标 Target", 6.5, 0, 0xC00000, RIGHT);
    }
    /* milestones */
    json_array_foreach(json_object_get(t, "milestones"), i, m)
    {
        long de = util_days_from_civil((long)json_integer_value(json_object_get(m, "year")), 12, 31);
        if (de < d0 || de > d1) continue;
        double cx = XD(de), cy = YV(json_number_value(json_object_get(m, "value")));
        rgb(cr, 0x7030A0);
        cairo_move_to(cr, cx, cy - 4);
        cairo_line_to(cr, cx + 4, cy);
        cairo_line_to(cr, cx, cy + 4);
        cairo_line_to(cr, cx - 4, cy);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
    /* the series */
    rgb(cr, 0x2F5597);
    cairo_set_line_width(cr, 1.4);
    int first = 1;
    double lx = 0, ly = 0;
    json_array_foreach(series, i, pt)
    {
        double cx = XD(day_of(sv(pt, "date"))), cy = YV(json_number_value(json_object_get(pt, "value")));
        if (first) cairo_move_to(cr, cx, cy);
        else cairo_line_to(cr, cx, cy);
        first = 0;
    }
    cairo_stroke(cr);
    json_array_foreach(series, i, pt)
    {
        double cx = XD(day_of(sv(pt, "date"))), cy = YV(json_number_value(json_object_get(pt, "value")));
        cairo_arc(cr, cx, cy, 2.2, 0, 2 * M_PI);
        if (json_is_true(json_object_get(pt, "partial"))) {
            rgb(cr, 0xFFFFFF);
            cairo_fill_preserve(cr);
            rgb(cr, 0x2F5597);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
        } else {
            rgb(cr, 0x2F5597);
            cairo_fill(cr);
            lx = cx, ly = cy;
        }
    }
    /* the linear projection from the last complete point to the deadline */
    if (!rate && json_is_number(json_object_get(pj, "value")) && lx > 0) {
        double dash[] = {2, 2};
        cairo_set_dash(cr, dash, 2, 0);
        rgb(cr, 0x2F5597);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, lx, ly);
        cairo_line_to(cr, XD(day_of(sv(pj, "date"))), YV(json_number_value(json_object_get(pj, "value"))));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
#undef XD
#undef YV
    char cur[48], tgt[48], pro[48];
    report_num(json_object_get(json_object_get(t, "current"), "value"), 2, cur, sizeof cur);
    report_num(json_object_get(tg, "value"), 2, tgt, sizeof tgt);
    report_num(json_object_get(pj, "value"), 2, pro, sizeof pro);
    snprintf(line, sizeof line, "当前 current %s · 目标 target %s · 预测 projection %s %s", cur, tgt, pro, sv(t, "unit_zh"));
    text(p, x + 6, y + h - 18, w - 12, line, 6.5, 0, 0x404040, LEFT);
    json_decref(series);
}

static void paragraph(pdf *p, const char *s, double size, uint32_t color)
{
    double h = text_ex(p, MARGIN, 0, PAGE_W - 2 * MARGIN, s, size, 0, 0, LEFT, 1);
    need(p, h + 4);
    text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, s, size, 0, color, LEFT);
    p->y += h + 6;
}

static void heading(pdf *p, const char *s)
{
    need(p, 40);
    p->y += 6;
    p->y += text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, s, 11, 1, 0x1F3864, LEFT) + 6;
}

int report_progress_pdf(const json_t *doc, buf *out, err *e)
{
    const json_t *plan = json_object_get(doc, "plan");
    char line[1024];
    snprintf(line, sizeof line, "%s · 目标进展报告 / Target progress report · %s", sv(plan, "name"), sv(doc, "as_of"));
    pdf p;
    if (pdf_open(&p, out, "目标进展报告 / Target progress report", line))
        return err_set(e, 500, "report.pdf", "无法创建 PDF", "Cannot create the PDF");
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN, sv(plan, "name"), 15, 1, 0x1F3864, LEFT) + 4;
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN, "目标进展报告 / Target progress report", 12, 0, 0x262626, LEFT) + 4;
    snprintf(line, sizeof line, "区域 Region %s · 实施期 Period %s — %s · 评估日 As of %s", sv(plan, "region_code"), sv(plan, "period_start"),
             sv(plan, "period_end"), sv(doc, "as_of"));
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN, line, 8.5, 0, 0x595959, LEFT) + 12;
    summary_chart(&p, json_object_get(doc, "summary"));
    heading(&p, "各目标进展 / Progress by target");
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN,
                "进度条为基期到目标的完成比例，竖线为计划进度（里程碑或时间比例）；数值为“当前值 / 目标值”。 / The bar is the share of the way from "
                "the baseline to the target, the tick the planned position (milestones or elapsed time); figures are current / target.",
                7, 0, 0x7F7F7F, LEFT) + 6;
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(doc, "targets"), i, t) target_row(&p, t);
    /* charts, two per row */
    new_page(&p);
    heading(&p, "目标趋势图 / Target charts");
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN,
                "蓝线：实际值（空心点为不完整年度）；红色虚线：目标值；蓝色虚线：线性趋势预测至目标期限；紫色菱形：年度里程碑。 / Blue: observed values "
                "(hollow: part of a year); red dashes: the target; blue dashes: the linear projection to the deadline; purple diamonds: milestones.",
                7, 0, 0x7F7F7F, LEFT) + 8;
    double cw = (PAGE_W - 2 * MARGIN - 12) / 2, chh = 200;
    int col = 0;
    json_array_foreach(json_object_get(doc, "targets"), i, t)
    {
        if (!strcmp(sv(t, "status"), "unquantified")) continue;
        if (col == 0) need(&p, chh + 10);
        target_chart(&p, t, MARGIN + col * (cw + 12), p.y, cw, chh);
        if (++col == 2) {
            col = 0;
            p.y += chh + 12;
        }
    }
    if (col) p.y += chh + 12;
    heading(&p, "状态规则 / Status rule");
    paragraph(&p, sv(doc, "rule_zh"), 8, 0x262626);
    paragraph(&p, sv(doc, "rule_en"), 8, 0x262626);
    return pdf_close(&p, e);
}

/* ---- the annual assessment ---- */

static const char *const comp_keys[4] = {"targets", "reporting", "review", "supervision"};

int report_assessment_pdf(const json_t *doc, buf *out, err *e)
{
    const json_t *plan = json_object_get(doc, "plan"), *wt = json_object_get(doc, "weights");
    long long year = (long long)json_integer_value(json_object_get(doc, "year"));
    char line[1024];
    snprintf(line, sizeof line, "%s · %lld 年度考核 / Annual assessment %lld", sv(plan, "name"), year, year);
    pdf p;
    if (pdf_open(&p, out, "年度考核 / Annual assessment", line)) return err_set(e, 500, "report.pdf", "无法创建 PDF", "Cannot create the PDF");
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN, sv(plan, "name"), 15, 1, 0x1F3864, LEFT) + 4;
    snprintf(line, sizeof line, "%lld 年度考核结果 / Annual assessment %lld", year, year);
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN, line, 12, 0, 0x262626, LEFT) + 4;
    snprintf(line, sizeof line, "评估日 As of %s%s · 权重 Weights：目标完成 targets %g，按时报送 reporting %g，审核通过 review %g，督查整改 supervision %g；宽限 grace %lld 天 days",
             sv(doc, "as_of"), json_is_true(json_object_get(doc, "provisional")) ? "（年度未结束，暂定 / provisional）" : "",
             json_number_value(json_object_get(wt, "targets")), json_number_value(json_object_get(wt, "reporting")),
             json_number_value(json_object_get(wt, "review")), json_number_value(json_object_get(wt, "supervision")),
             (long long)json_integer_value(json_object_get(wt, "grace_days")));
    p.y += text(&p, MARGIN, p.y, PAGE_W - 2 * MARGIN, line, 8.5, 0, 0x595959, LEFT) + 12;
    const json_t *deps = json_object_get(doc, "departments");
    heading(&p, "部门得分排名 / Department scores, ranked");
    size_t i;
    const json_t *d;
    double x0 = MARGIN + 150, w = PAGE_W - MARGIN - x0 - 40;
    /* score axis */
    need(&p, 20);
    for (int k = 0; k <= 4; k++) {
        char lab[8];
        snprintf(lab, sizeof lab, "%d", k * 25);
        text(&p, x0 + w * k / 4 - 15, p.y, 30, lab, 6.5, 0, 0x7F7F7F, CENTER);
    }
    p.y += 12;
    json_array_foreach(deps, i, d)
    {
        need(&p, 18);
        const json_t *sc = json_object_get(d, "score");
        char lab[200], num[32];
        snprintf(lab, sizeof lab, "%s", *sv(d, "name_zh") ? sv(d, "name_zh") : sv(d, "dept"));
        text(&p, MARGIN, p.y + 1, 145, lab, 8, 0, 0x262626, RIGHT);
        for (int k = 0; k <= 4; k++) {
            rgb(p.cr, 0xE0E0E0);
            cairo_set_line_width(p.cr, 0.3);
            cairo_move_to(p.cr, x0 + w * k / 4, p.y);
            cairo_line_to(p.cr, x0 + w * k / 4, p.y + 16);
            cairo_stroke(p.cr);
        }
        if (json_is_number(sc)) {
            double s = json_number_value(sc);
            uint32_t c = s >= 80 ? 0x2E9D5B : s >= 60 ? 0xE0A100 : 0xD0453B;
            rect(p.cr, x0, p.y + 3, w * (s < 0 ? 0 : s > 100 ? 1 : s / 100), 10, c);
            report_num(sc, 1, num, sizeof num);
        } else
            snprintf(num, sizeof num, "—");
        text(&p, x0 + w + 4, p.y + 1, 40, num, 8, 1, 0x262626, LEFT);
        p.y += 16;
    }
    heading(&p, "评分表 / Score sheet");
    static const char *const h[] = {"名次\nRank", "部门\nDepartment", "总分\nScore", "目标完成\nTargets", "按时报送\nReporting", "审核通过\nReview",
                                    "督查整改\nSupervision"};
    const double cx[8] = {MARGIN, MARGIN + 34, MARGIN + 230, MARGIN + 283, MARGIN + 336, MARGIN + 389, MARGIN + 442, PAGE_W - MARGIN};
    need(&p, 30);
    rect(p.cr, MARGIN, p.y, PAGE_W - 2 * MARGIN, 24, 0xDDEBF7);
    for (int k = 0; k < 7; k++) text(&p, cx[k] + 2, p.y + 2, cx[k + 1] - cx[k] - 4, h[k], 7, 1, 0x1F3864, k < 2 ? LEFT : CENTER);
    p.y += 26;
    json_array_foreach(deps, i, d)
    {
        double rh = 24;
        need(&p, rh);
        char c[6][64];
        report_num(json_object_get(d, "rank"), 0, c[0], sizeof c[0]);
        report_num(json_object_get(d, "score"), 1, c[1], sizeof c[1]);
        for (int k = 0; k < 4; k++)
            report_num(json_object_get(json_object_get(json_object_get(d, "components"), comp_keys[k]), "score"), 1, c[2 + k], sizeof c[2 + k]);
        text(&p, cx[0] + 2, p.y + 3, cx[1] - cx[0] - 4, c[0], 8, 1, 0x262626, LEFT);
        double hz = text(&p, cx[1] + 2, p.y + 2, cx[2] - cx[1] - 4, *sv(d, "name_zh") ? sv(d, "name_zh") : sv(d, "dept"), 8, 0, 0x262626, LEFT);
        text(&p, cx[1] + 2, p.y + 2 + hz, cx[2] - cx[1] - 4, sv(d, "name_en"), 6, 0, 0x7F7F7F, LEFT);
        text(&p, cx[2] + 2, p.y + 3, cx[3] - cx[2] - 4, c[1], 8, 1, 0x262626, CENTER);
        for (int k = 0; k < 4; k++) text(&p, cx[3 + k] + 2, p.y + 3, cx[4 + k] - cx[3 + k] - 4, c[2 + k], 8, 0, 0x262626, CENTER);
        p.y += rh + 4;
        hline(p.cr, MARGIN, PAGE_W - MARGIN, p.y - 2, 0.4, 0xD9D9D9);
    }
    p.y += 4;
    paragraph(&p, "“—”表示该项没有考核内容，不计入总分。 / \"—\": the part has nothing to assess and does not count.", 7, 0x7F7F7F);
    heading(&p, "评分方法 / Method");
    paragraph(&p, sv(doc, "method_zh"), 8, 0x262626);
    paragraph(&p, sv(doc, "method_en"), 8, 0x262626);
    return pdf_close(&p, e);
}
