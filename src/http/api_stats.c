/*
 * api_stats.c - the indicator routes under /api/v1/indicators: every
 * indicator of a region on a day, one indicator with its named parameters,
 * its time series, the records behind it (paged, or CSV/XLSX), and the
 * state and rebuild of the indicator index.  Figures are public data:
 * anyone may read them.  Definitions: docs/indicators.md.
 */
#include "http.h"

#include "../base/util.h"
#include "../domain/indicators.h"

#include <stdlib.h>
#include <string.h>

static const char *xlsx_ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/* A date query argument (default today); answers 400 and returns -1 when
 * it is malformed. */
static int date_arg(http_req *r, const char *name, long def, long *out)
{
    const char *s = http_arg(r, name);
    *out = def;
    if (s && *s && util_date_parse(s, out)) {
        err e = ERR_INIT;
        err_set(&e, 400, "query.value", "参数 %s 应为 YYYY-MM-DD 格式的日期", "Parameter %s must be a date YYYY-MM-DD",
                name, name);
        http_fail(r, &e);
        return -1;
    }
    return 0;
}

static int params_arg(http_req *r, ind_params *p)
{
    err e = ERR_INIT;
    if (ind_params_parse(http_arg(r, "location_basis"), http_arg(r, "maintenance_from"),
                         http_arg(r, "pledge_threshold_cny"), p, &e)) {
        http_fail(r, &e);
        return -1;
    }
    return 0;
}

static int region_arg(http_req *r, const char **region)
{
    *region = http_arg(r, "region");
    if (!*region || !**region) {
        err e = ERR_INIT;
        err_set(&e, 400, "query.required", "缺少参数 region（行政区划代码，全国为 000000；或园区代码）",
                "Parameter region is required (a division code, 000000 for the nation, or a park code)");
        http_fail(r, &e);
        return -1;
    }
    return 0;
}

void h_ind_list(http_req *r)
{
    const char *region;
    long day;
    ind_params p;
    if (region_arg(r, &region) || date_arg(r, "date", util_today(), &day) || params_arg(r, &p)) return;
    err e = ERR_INIT;
    json_t *out;
    if (ind_values(r->db, region, day, &p, 0, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

void h_ind_get(http_req *r)
{
    const char *region;
    long day;
    ind_params p;
    if (!ind_find(r->params[0])) {
        err e = ERR_INIT;
        err_set(&e, 404, "indicator.not_found", "没有指标“%s”", "No indicator \"%s\"", r->params[0], r->params[0]);
        http_fail(r, &e);
        return;
    }
    if (region_arg(r, &region) || date_arg(r, "date", util_today(), &day) || params_arg(r, &p)) return;
    err e = ERR_INIT;
    json_t *out;
    if (ind_value_ex(r->db, r->params[0], region, day, &p, 0, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

void h_ind_series(http_req *r)
{
    const char *region;
    long to, from;
    ind_params p;
    if (region_arg(r, &region) || date_arg(r, "to", util_today(), &to)) return;
    long y;
    unsigned m, d;
    util_civil_from_days(to, &y, &m, &d);
    if (date_arg(r, "from", util_days_from_civil(y - 4, 1, 1), &from) || params_arg(r, &p)) return;
    const char *step = http_arg(r, "step");
    char st = !step || !strcmp(step, "month") || !strcmp(step, "m") ? 'm'
              : !strcmp(step, "year") || !strcmp(step, "y")         ? 'y'
                                                                    : 0;
    err e = ERR_INIT;
    if (!st) {
        err_set(&e, 400, "query.value", "参数 step 应为 month 或 year", "Parameter step must be month or year");
        http_fail(r, &e);
        return;
    }
    json_t *out;
    if (ind_series(r->db, r->params[0], region, from, to, st, &p, 0, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

void h_ind_records(http_req *r)
{
    const char *region;
    long day;
    ind_params p;
    if (region_arg(r, &region) || date_arg(r, "date", util_today(), &day) || params_arg(r, &p)) return;
    err e = ERR_INIT;
    const char *fmt = http_arg(r, "format");
    if (fmt && strcmp(fmt, "json")) {
        buf out = BUF_INIT;
        if (ind_records_export(r->db, r->params[0], region, day, &p, fmt, r->lang, &out, &e)) {
            buf_free(&out);
            http_fail(r, &e);
            return;
        }
        char ds[16];
        util_date_format(day, ds, sizeof ds);
        int x = !strcmp(fmt, "xlsx");
        char *name = pool_printf(r->pool, "%s-%s-%s.%s", r->params[0], region, ds, x ? "xlsx" : "csv");
        http_send_bytes(r, 200, x ? xlsx_ctype : "text/csv; charset=utf-8", out.s ? out.s : "", out.len, name);
        buf_free(&out);
        return;
    }
    int64_t limit = 50;
    const char *l = http_arg(r, "limit");
    if (l && (util_parse_int64(l, &limit) || limit < 1 || limit > 1000)) {
        err_set(&e, 400, "query.value", "参数 limit 应为 1 到 1000 的整数",
                "Parameter limit must be an integer from 1 to 1000");
        http_fail(r, &e);
        return;
    }
    json_t *out;
    if (ind_records(r->db, r->params[0], region, day, &p, http_arg(r, "cursor"), (int)limit, 0, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

void h_ind_index_get(http_req *r)
{
    err e = ERR_INIT;
    json_t *out;
    if (ind_index_state(r->db, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

void h_ind_index_build(http_req *r)
{
    err e = ERR_INIT;
    ind_index_stats st;
    if (ind_index_build(r->db, &st, &e)) {
        http_fail(r, &e);
        return;
    }
    json_t *out;
    if (ind_index_state(r->db, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    json_object_set_new(out, "patents", json_integer(st.patents));
    json_object_set_new(out, "events", json_integer(st.events));
    json_object_set_new(out, "pledges", json_integer(st.pledges));
    json_object_set_new(out, "items", json_integer(st.items));
    http_send_json(r, 200, out);
}
