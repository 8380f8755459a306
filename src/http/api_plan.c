/*
 * api_plan.c - the plan's routes beyond the generic record routes:
 * progress of the targets, the annual assessment, the overdue reports
 * (each as JSON, XLSX or PDF where it makes sense), loading and exporting
 * a plan document, and the attachments of task progress reports.
 * The records themselves (plans, plan_targets, plan_milestones,
 * plan_tasks, task_reports, supervisions, assessment_weights) use the
 * generic routes of api.c.  Rules: docs/plan.md.
 */
#include "http.h"

#include "../base/util.h"
#include "../domain/plan.h"
#include "../report/report.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

static int plan_id(http_req *r, int64_t *id)
{
    if (util_parse_int64(r->params[0], id) || *id < 1) {
        http_send_err(r, 404, "record.not_found", "记录编号无效", "Invalid record id");
        return -1;
    }
    return 0;
}

/* ?date=YYYY-MM-DD, default today. */
static int date_arg(http_req *r, long *day)
{
    const char *d = http_arg(r, "date");
    *day = util_today();
    if (d && util_date_parse(d, day)) {
        http_send_err(r, 400, "query.value", "参数 date 应为 YYYY-MM-DD 格式的日期", "Parameter date must be a date YYYY-MM-DD");
        return -1;
    }
    return 0;
}

static const char *xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/* Answers doc as JSON, or as the XLSX/PDF report asked for by ?format=. */
static void send_doc(http_req *r, json_t *doc, int (*xlsx)(const json_t *, buf *, err *), int (*pdf)(const json_t *, buf *, err *),
                     const char *name)
{
    const char *fmt = http_arg(r, "format");
    if (!fmt || !strcmp(fmt, "json")) {
        http_send_json(r, 200, doc);
        return;
    }
    err e = ERR_INIT;
    buf out = BUF_INIT;
    int is_pdf = !strcmp(fmt, "pdf");
    if (!is_pdf && strcmp(fmt, "xlsx")) {
        json_decref(doc);
        http_send_err(r, 400, "query.format", "不支持的格式（可选 json、xlsx、pdf）", "Unsupported format (json, xlsx or pdf)");
        return;
    }
    int rc = is_pdf ? pdf(doc, &out, &e) : xlsx(doc, &out, &e);
    json_decref(doc);
    if (rc) {
        buf_free(&out);
        http_fail(r, &e);
        return;
    }
    http_send_bytes(r, 200, is_pdf ? "application/pdf" : xlsx_type, out.s, out.len,
                    pool_printf(r->pool, "%s.%s", name, is_pdf ? "pdf" : "xlsx"));
    buf_free(&out);
}

void h_plan_progress(http_req *r)
{
    int64_t id;
    long day;
    if (plan_id(r, &id) || date_arg(r, &day)) return;
    err e = ERR_INIT;
    json_t *out;
    if (plan_progress(r->db, &r->actor, id, day, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    send_doc(r, out, report_progress_xlsx, report_progress_pdf, pool_printf(r->pool, "plan-%lld-progress", (long long)id));
}

void h_plan_assessment(http_req *r)
{
    int64_t id, year = 0;
    if (plan_id(r, &id)) return;
    const char *y = http_arg(r, "year");
    if (!y || util_parse_int64(y, &year) || year < 1900 || year > 2999) {
        http_send_err(r, 400, "query.value", "请用参数 year 指定考核年度，如 year=2024", "Give the year of the assessment, e.g. year=2024");
        return;
    }
    err e = ERR_INIT;
    json_t *out;
    if (plan_assessment(r->db, &r->actor, id, (int)year, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    send_doc(r, out, report_assessment_xlsx, report_assessment_pdf,
             pool_printf(r->pool, "plan-%lld-assessment-%lld", (long long)id, (long long)year));
}

void h_plan_overdue(http_req *r)
{
    int64_t id, limit = 100, offset = 0;
    long day;
    if (plan_id(r, &id) || date_arg(r, &day)) return;
    const char *l = http_arg(r, "limit"), *o = http_arg(r, "offset");
    if ((l && (util_parse_int64(l, &limit) || limit < 1 || limit > 1000)) || (o && (util_parse_int64(o, &offset) || offset < 0))) {
        http_send_err(r, 400, "query.value", "参数 limit 应为 1 到 1000 的整数，offset 为非负整数",
                 "limit must be an integer from 1 to 1000 and offset a non-negative integer");
        return;
    }
    err e = ERR_INIT;
    json_t *out;
    if (plan_overdue(r->db, &r->actor, id, day, http_arg(r, "dept"), &out, &e)) {
        http_fail(r, &e);
        return;
    }
    json_t *items = json_object_get(out, "items"), *page = json_array();
    for (size_t i = (size_t)offset; i < json_array_size(items) && i < (size_t)(offset + limit); i++)
        json_array_append(page, json_array_get(items, i));
    json_object_set_new(out, "items", page);
    json_object_set_new(out, "offset", json_integer(offset));
    json_object_set_new(out, "limit", json_integer(limit));
    http_send_json(r, 200, out);
}

void h_plan_document(http_req *r)
{
    int64_t id;
    if (plan_id(r, &id)) return;
    err e = ERR_INIT;
    json_t *out;
    if (plan_document(r->db, &r->actor, id, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_add_header(r, "Content-Disposition", pool_printf(r->pool, "inline; filename=\"plan-%lld.json\"", (long long)id));
    http_send_json(r, 200, out);
}

void h_plan_load(http_req *r)
{
    if (r->actor.role != ROLE_ADMIN && r->actor.role != ROLE_BUREAU) {
        http_send_err(r, 403, "auth.forbidden", "无权限：只有知识产权局或系统管理员可以导入方案", "Forbidden: only the IP bureau or an administrator loads plans");
        return;
    }
    json_t *in = http_body_json(r);
    if (!in) return;
    err e = ERR_INIT;
    json_t *out;
    if (plan_load(r->db, &r->actor, in, &out, &e)) {
        json_decref(in);
        http_fail(r, &e);
        return;
    }
    json_decref(in);
    http_add_header(r, MHD_HTTP_HEADER_LOCATION,
                    pool_printf(r->pool, "/api/v1/plans/%lld", (long long)json_integer_value(json_object_get(out, "plan_id"))));
    http_send_json(r, 200, out);
}

/* ---- attachments ---- */

/* If-Match "vN" or ?version=N; answers 428/400 and returns -1 otherwise. */
static int want_version(http_req *r, int64_t *v)
{
    const char *im = http_header(r, MHD_HTTP_HEADER_IF_MATCH);
    if (im) {
        const char *p = im;
        if (!strncmp(p, "W/", 2)) p += 2;
        if (*p == '"') p++;
        if (*p == 'v') p++;
        char *end;
        long long n = strtoll(p, &end, 10);
        if (end == p || n < 1) {
            http_send_err(r, 400, "precondition.malformed", "If-Match 应为 ETag，例如 \"v3\"", "If-Match must be an ETag such as \"v3\"");
            return -1;
        }
        *v = n;
        return 0;
    }
    const char *q = http_arg(r, "version");
    if (q && !util_parse_int64(q, v)) return 0;
    http_send_err(r, 428, "precondition.required", "修改报告时必须提供版本：If-Match 请求头（ETag）或参数 version",
             "Changing a report needs the expected version: an If-Match header (the ETag) or the version parameter");
    return -1;
}

static void send_report(http_req *r, int status, json_t *row)
{
    http_add_header(r, MHD_HTTP_HEADER_ETAG, pool_printf(r->pool, "\"v%lld\"", (long long)json_integer_value(json_object_get(row, "version"))));
    http_send_json(r, status, row);
}

void h_report_attach(http_req *r)
{
    int64_t id, v;
    if (plan_id(r, &id) || want_version(r, &v)) return;
    const char *name = http_arg(r, "filename");
    if (!name) {
        http_send_err(r, 400, "query.value", "请用参数 filename 给出文件名", "Give the file name in the filename parameter");
        return;
    }
    const char *slash = strrchr(name, '/');
    if (slash) name = slash + 1;
    err e = ERR_INIT;
    json_t *out;
    if (plan_attach(r->db, &r->actor, id, v, name, r->body.s ? r->body.s : "", r->body.len, &out, &e)) {
        if (e.status == 412 && !http_header(r, MHD_HTTP_HEADER_IF_MATCH)) e.status = 409;
        http_fail(r, &e);
        return;
    }
    send_report(r, 201, out);
}

void h_report_detach(http_req *r)
{
    int64_t id, v;
    if (plan_id(r, &id) || want_version(r, &v)) return;
    err e = ERR_INIT;
    json_t *out;
    if (plan_detach(r->db, &r->actor, id, v, r->params[1], &out, &e)) {
        if (e.status == 412 && !http_header(r, MHD_HTTP_HEADER_IF_MATCH)) e.status = 409;
        http_fail(r, &e);
        return;
    }
    send_report(r, 200, out);
}

void h_report_attachment(http_req *r)
{
    int64_t id;
    if (plan_id(r, &id)) return;
    err e = ERR_INIT;
    char *name = NULL;
    buf data = BUF_INIT;
    if (plan_attachment_get(r->db, &r->actor, id, r->params[1], &name, &data, &e)) {
        buf_free(&data);
        http_fail(r, &e);
        return;
    }
    /* RFC 6266: an ASCII fallback and the UTF-8 name percent-encoded */
    buf d = BUF_INIT;
    buf_puts(&d, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        buf_putc(&d, *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? (char)*p : '_');
    buf_puts(&d, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            buf_putc(&d, (char)*p);
        else
            buf_printf(&d, "%%%02X", *p);
    }
    http_add_header(r, "Content-Disposition", d.s);
    http_add_header(r, "X-Content-Type-Options", "nosniff");
    http_send_bytes(r, 200, "application/octet-stream", data.s ? data.s : "", data.len, NULL);
    buf_free(&d);
    buf_free(&data);
    free(name);
}
