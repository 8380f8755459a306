/*
 * api.c - the /api/v1 routes: sessions, metadata, audit, tokens, the
 * generic record routes, and the OpenAPI document built from the same
 * route table and record descriptions, so it cannot drift from the code.
 */
#include "http.h"

#include "../base/log.h"
#include "../base/util.h"
#include "../domain/domain.h"
#include "../domain/registry.h"
#include "../import/importer.h"
#include "../records/audit.h"
#include "../search/regsearch.h"
#include "../version.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *user_json(const acct_user *u)
{
    return json_pack("{s:I,s:s,s:s?,s:s,s:s,s:s?}", "id", (json_int_t)u->actor.user_id, "name", u->name,
                     "display_name", u->display_name, "role", rec_role_name(u->actor.role), "role_label",
                     rec_role_label(u->actor.role, LANG_ZH), "dept", u->dept);
}

/* ---- session ---- */

static void set_session_cookies(http_req *r, const char *token, const char *csrf, int ttl)
{
    const char *proto = http_header(r, "X-Forwarded-Proto");
    const char *secure = r->cfg->trust_proxy && proto && !strcmp(proto, "https") ? "; Secure" : "";
    http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE,
                    pool_printf(r->pool, "ipcity_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", token, ttl, secure));
    http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE,
                    pool_printf(r->pool, "ipcity_csrf=%s; Path=/; SameSite=Strict; Max-Age=%d%s", csrf, ttl, secure));
}

static void h_session_create(http_req *r)
{
    json_t *in = http_body_json(r);
    if (!in) return;
    err e = ERR_INIT;
    char *tok = NULL;
    acct_user u;
    if (acct_login(r->db, &r->cfg->policy, json_string_value(json_object_get(in, "name")),
                   json_string_value(json_object_get(in, "password")), &tok, &u, &e)) {
        json_decref(in);
        http_fail(r, &e);
        return;
    }
    json_decref(in);
    set_session_cookies(r, tok, u.csrf, r->cfg->policy.session_ttl);
    json_t *out = json_pack("{s:o,s:s,s:I}", "user", user_json(&u), "csrf_token", u.csrf, "expires_in",
                            (json_int_t)r->cfg->policy.session_ttl);
    free(tok);
    acct_user_free(&u);
    http_send_json(r, 200, out);
}

static void h_session_get(http_req *r)
{
    json_t *out = json_pack("{s:o}", "user", user_json(&r->user));
    if (r->user.csrf) json_object_set_new(out, "csrf_token", json_string(r->user.csrf));
    http_send_json(r, 200, out);
}

static void h_session_delete(http_req *r)
{
    err e = ERR_INIT;
    if (r->session_token && acct_logout(r->db, &r->user, r->session_token, &e)) {
        http_fail(r, &e);
        return;
    }
    http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, "ipcity_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, "ipcity_csrf=; Path=/; SameSite=Strict; Max-Age=0");
    http_send_empty(r, 204);
}

static void h_token_create(http_req *r)
{
    json_t *in = r->body.len ? http_body_json(r) : json_object();
    if (!in) return;
    err e = ERR_INIT;
    char *tok = NULL;
    const char *label = json_string_value(json_object_get(in, "label"));
    if (acct_token_create(r->db, &r->actor, r->user.name, label ? label : "api", &tok, &e)) {
        json_decref(in);
        http_fail(r, &e);
        return;
    }
    json_decref(in);
    http_send_json(r, 201, json_pack("{s:s,s:s}", "token", tok, "user", r->user.name));
    free(tok);
}

/* ---- system ---- */

static void h_health(http_req *r)
{
    err e = ERR_INIT;
    int v;
    if (schema_version(r->db, &v, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, json_pack("{s:s,s:s,s:i,s:s}", "status", "ok", "version", IPCITY_VERSION, "schema", v,
                                     "database", store_kind_of(r->db) == STORE_PG ? "postgresql" : "sqlite"));
}

/* The description depends only on the route table and the record types, fixed
 * for the life of the process: built and serialised once, not per request. */
static char *openapi_text;
static void openapi_build(void)
{
    json_t *d = api_openapi();
    openapi_text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
}

static void h_openapi(http_req *r)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, openapi_build);
    http_send_bytes(r, 200, "application/json; charset=utf-8", openapi_text, strlen(openapi_text), NULL);
}

static void h_meta_types(http_req *r)
{
    json_t *a = json_array();
    for (rec_type *const *tp = rec_types(); *tp; tp++) {
        if ((*tp)->flags & REC_INTERNAL || rec_can_read(*tp, r->actor.role) == SCOPE_NONE) continue;
        json_array_append_new(a, rec_meta(*tp, &r->actor));
    }
    http_send_json(r, 200, json_pack("{s:o}", "types", a));
}

static const rec_type *type_param(http_req *r, const char *name)
{
    if (!name) return NULL;
    const rec_type *t = rec_find(name);
    if (!t || (t->flags & REC_INTERNAL) || strcmp(t->path, name)) return NULL;
    return t;
}

static void h_meta_type(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    if (!t || rec_can_read(t, r->actor.role) == SCOPE_NONE) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    http_send_json(r, 200, rec_meta(t, &r->actor));
}

static void h_audit_list(http_req *r)
{
    err e = ERR_INIT;
    int64_t before = 0, id = 0, lim = 50;
    const char *c = http_arg(r, "cursor"), *l = http_arg(r, "limit"), *i = http_arg(r, "record_id");
    if ((c && util_parse_int64(c, &before)) || (l && (util_parse_int64(l, &lim) || lim < 1 || lim > 1000)) ||
        (i && util_parse_int64(i, &id))) {
        http_send_err(r, 400, "query.value", "查询参数无效（cursor、limit、record_id 应为整数）", "Invalid query parameters (cursor, limit, record_id are integers)");
        return;
    }
    json_t *out;
    if (audit_list(r->db, before, (int)lim, http_arg(r, "type"), id, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

static void h_audit_verify(http_req *r)
{
    err e = ERR_INIT;
    int64_t n;
    if (audit_verify(r->db, &n, &e)) {
        json_t *out = json_pack("{s:b,s:I,s:s,s:s}", "ok", 0, "entries", (json_int_t)n, "code", e.code, "message",
                                err_msg(&e, r->lang));
        err_clear(&e);
        http_send_json(r, 200, out);
        return;
    }
    http_send_json(r, 200, json_pack("{s:b,s:I}", "ok", 1, "entries", (json_int_t)n));
}

/* ---- generic records ---- */

static int parse_id(http_req *r, const char *s, int64_t *id)
{
    if (util_parse_int64(s, id) || *id < 1) {
        http_send_err(r, 404, "record.not_found", "记录编号无效", "Invalid record id");
        return -1;
    }
    return 0;
}

static void etag(http_req *r, json_t *row)
{
    http_add_header(r, MHD_HTTP_HEADER_ETAG,
                    pool_printf(r->pool, "\"v%lld\"", (long long)json_integer_value(json_object_get(row, "version"))));
}

/* The version the client expects: If-Match "vN" or body/query "version".
 * Returns 0 with *v set, or -1 after answering 428/400. */
static int expected_version(http_req *r, json_t *body, int64_t *v)
{
    const char *im = http_header(r, MHD_HTTP_HEADER_IF_MATCH);
    if (im) {
        const char *p = im;
        if (!strncmp(p, "W/", 2)) p += 2;
        if (*p == '"') p++;
        if (*p == 'v') p++;
        char *end;
        long long n = strtoll(p, &end, 10);
        if (end == p || n < 1 || (*end && *end != '"')) {
            http_send_err(r, 400, "precondition.malformed", "If-Match 应为 ETag，例如 \"v3\"", "If-Match must be an ETag such as \"v3\"");
            return -1;
        }
        *v = n;
        return 0;
    }
    json_t *jv = body ? json_object_get(body, "version") : NULL;
    if (json_is_integer(jv)) {
        *v = json_integer_value(jv);
        return 0;
    }
    const char *q = http_arg(r, "version");
    if (q && !util_parse_int64(q, v)) return 0;
    http_send_err(r, 428, "precondition.required",
             "修改或删除记录时必须提供版本：If-Match 请求头（ETag）或 version 字段，以免覆盖他人的修改",
             "Writes need the expected version: an If-Match header (the ETag) or a version field, so that nobody's change is overwritten");
    return -1;
}

static void h_rec_list(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    err e = ERR_INIT;
    rec_query q;
    json_t *out;
    if (rec_query_from_args(t, r->args, &q, &e) || rec_list(r->db, t, &r->actor, &q, &out, &e)) {
        rec_query_free(&q);
        http_fail(r, &e);
        return;
    }
    rec_query_free(&q);
    http_send_json(r, 200, out);
}

static void h_rec_create(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    json_t *in = http_body_json(r);
    if (!in) return;
    err e = ERR_INIT;
    json_t *out;
    if (rec_create(r->db, t, &r->actor, in, &out, &e)) {
        json_decref(in);
        http_fail(r, &e);
        return;
    }
    json_decref(in);
    etag(r, out);
    http_add_header(r, MHD_HTTP_HEADER_LOCATION,
                    pool_printf(r->pool, "/api/v1/%s/%lld", t->path, (long long)json_integer_value(json_object_get(out, "id"))));
    http_send_json(r, 201, out);
}

/* If-None-Match: "*" or a list of entity tags compared weakly (W/ ignored,
 * RFC 9110 13.1.2). */
static int etag_list_matches(const char *list, const char *tag)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == '*') return 1;
        if (!strncmp(p, "W/", 2)) p += 2;
        size_t n = strlen(tag);
        if (!strncmp(p, tag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' ')) return 1;
        while (*p && *p != ',') p++;
    }
    return 0;
}

static void h_rec_get(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    int64_t id;
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    if (parse_id(r, r->params[1], &id)) return;
    err e = ERR_INIT;
    json_t *out;
    if (rec_get(r->db, t, &r->actor, id, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    char *tag = pool_printf(r->pool, "\"v%lld\"", (long long)json_integer_value(json_object_get(out, "version")));
    etag(r, out);
    if (inm && etag_list_matches(inm, tag)) {
        json_decref(out);
        http_send_empty(r, 304);
        return;
    }
    http_send_json(r, 200, out);
}

static void h_rec_update(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    int64_t id, v;
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    if (parse_id(r, r->params[1], &id)) return;
    json_t *in = http_body_json(r);
    if (!in) return;
    if (expected_version(r, in, &v)) {
        json_decref(in);
        return;
    }
    int via_body = !http_header(r, MHD_HTTP_HEADER_IF_MATCH);
    json_object_del(in, "version");
    err e = ERR_INIT;
    json_t *out;
    if (rec_update(r->db, t, &r->actor, id, in, v, &out, &e)) {
        json_decref(in);
        if (e.status == 412 && via_body) e.status = 409; /* a stale version field is a conflict, not a precondition */
        http_fail(r, &e);
        return;
    }
    json_decref(in);
    etag(r, out);
    http_send_json(r, 200, out);
}

static void h_rec_delete(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    int64_t id, v;
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    if (parse_id(r, r->params[1], &id) || expected_version(r, NULL, &v)) return;
    err e = ERR_INIT;
    if (rec_delete(r->db, t, &r->actor, id, v, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_empty(r, 204);
}

static const char *xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

static void h_rec_export(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    err e = ERR_INIT;
    rec_query q;
    buf out = BUF_INIT;
    const char *fmt = http_arg(r, "format") ? http_arg(r, "format") : "csv";
    if (rec_query_from_args(t, r->args, &q, &e) || rec_export(r->db, t, &r->actor, &q, fmt, r->lang, &out, &e)) {
        rec_query_free(&q);
        buf_free(&out);
        http_fail(r, &e);
        return;
    }
    rec_query_free(&q);
    char *name = pool_printf(r->pool, "%s.%s", t->path, strcmp(fmt, "xlsx") ? "csv" : "xlsx");
    http_send_bytes(r, 200, strcmp(fmt, "xlsx") ? "text/csv; charset=utf-8" : xlsx_type, out.s, out.len, name);
    buf_free(&out);
}

static void h_rec_template(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    if (!t || rec_can_write(t, r->actor.role) == SCOPE_NONE) {
        http_send_err(r, 404, "not_found", "没有这种记录类型或无权导入", "No such record type, or no permission to import it");
        return;
    }
    err e = ERR_INIT;
    buf out = BUF_INIT;
    const char *fmt = http_arg(r, "format") ? http_arg(r, "format") : "csv";
    if (rec_template(t, fmt, r->lang, &out, &e)) {
        buf_free(&out);
        http_fail(r, &e);
        return;
    }
    char *name = pool_printf(r->pool, "%s-template.%s", t->path, strcmp(fmt, "xlsx") ? "csv" : "xlsx");
    http_send_bytes(r, 200, strcmp(fmt, "xlsx") ? "text/csv; charset=utf-8" : xlsx_type, out.s, out.len, name);
    buf_free(&out);
}

static void h_rec_import(http_req *r)
{
    const rec_type *t = type_param(r, r->params[0]);
    if (!t) {
        http_send_err(r, 404, "not_found", "没有这种记录类型", "No such record type");
        return;
    }
    const char *fname = http_arg(r, "filename") ? http_arg(r, "filename") : "upload";
    for (const char *c = fname; *c; c++) /* only the base name, for messages: / and \\ both separate */
        if (*c == '/' || *c == '\\') fname = c + 1;
    err e = ERR_INIT;
    json_t *report = NULL;
    if (imp_run(r->db, &r->actor, fname, NULL, r->body.s ? r->body.s : "", r->body.len, http_arg(r, "format"), t->path, NULL,
                &report, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, report);
}

static void h_search(http_req *r)
{
    err e = ERR_INIT;
    rs_query q;
    json_t *out;
    if (rs_query_from_args(r->args, &q, &e) || rs_search(r->db, &q, &out, &e)) {
        http_fail(r, &e);
        return;
    }
    http_send_json(r, 200, out);
}

static void h_patent_status(http_req *r)
{
    int64_t id;
    if (parse_id(r, r->params[0], &id)) return;
    err e = ERR_INIT;
    json_t *p = NULL, *events = NULL;
    const char *d = http_arg(r, "date");
    long day = util_today();
    if (d && util_date_parse(d, &day)) {
        http_send_err(r, 400, "query.value", "参数 date 应为 YYYY-MM-DD 格式的日期", "Parameter date must be a date YYYY-MM-DD");
        return;
    }
    if (rec_get(r->db, &type_patent, &r->actor, id, &p, &e) || pat_events_load(r->db, id, &events, &e)) {
        json_decref(p);
        http_fail(r, &e);
        return;
    }
    pat_status s;
    pat_status_on(p, events, day, &s);
    char ds[16], since[16] = "", te[16] = "";
    util_date_format(day, ds, sizeof ds);
    if (s.since >= 0) util_date_format(s.since, since, sizeof since);
    if (s.term_end >= 0) util_date_format(s.term_end, te, sizeof te);
    json_t *out = json_pack("{s:I,s:s,s:s,s:b,s:s,s:s,s:s?,s:s?,s:o}", "id", (json_int_t)id, "date", ds, "state",
                            pat_state_name(s.state), "in_force", s.state == PAT_IN_FORCE, "state_zh",
                            pat_state_label(s.state, LANG_ZH), "state_en", pat_state_label(s.state, LANG_EN), "since",
                            since[0] ? since : NULL, "term_end", te[0] ? te : NULL, "events", events);
    if (s.cause_event) json_object_set_new(out, "cause_event", json_integer(s.cause_event));
    json_decref(p);
    http_send_json(r, 200, out);
}

/* ---- the route table ---- */

const http_route api_routes[] = {
    {"GET", "/api/v1/health", h_health, AUTH_NONE, "system", "健康检查", "Health check", NULL, "Health"},
    {"GET", "/api/v1/openapi.json", h_openapi, AUTH_NONE, "system", "本 API 的 OpenAPI 3 描述", "This API as OpenAPI 3", NULL, NULL},
    {"POST", "/api/v1/session", h_session_create, AUTH_NONE, "session", "登录（返回会话 Cookie 和 CSRF 令牌）",
     "Log in (sets the session cookie, returns the CSRF token)", "Login", "Session"},
    {"GET", "/api/v1/session", h_session_get, AUTH_USER, "session", "当前用户", "The current user", NULL, "Session"},
    {"DELETE", "/api/v1/session", h_session_delete, AUTH_USER, "session", "退出登录", "Log out", NULL, NULL},
    {"POST", "/api/v1/tokens", h_token_create, AUTH_USER, "session", "为当前用户创建 API 令牌（只显示一次）",
     "Create an API token for the current user (shown once)", "TokenRequest", "Token"},
    {"GET", "/api/v1/meta/types", h_meta_types, AUTH_NONE, "meta", "当前用户可见的记录类型及表单元数据",
     "Record types visible to the caller, with form metadata", NULL, NULL},
    {"GET", "/api/v1/meta/types/{type}", h_meta_type, AUTH_NONE, "meta", "一种记录类型的表单元数据", "Form metadata of one record type", NULL, NULL},
    {"GET", "/api/v1/audit", h_audit_list, AUTH_ADMIN, "audit", "审计日志（最新在前）", "Audit log, newest first", NULL, NULL},
    {"GET", "/api/v1/audit/verify", h_audit_verify, AUTH_ADMIN, "audit", "校验审计哈希链", "Verify the audit hash chain", NULL, NULL},
    {"GET", "/api/v1/search", h_search, AUTH_NONE, "search",
     "全文检索（专利名称/摘要/权利人，商标文字/权利人/商品）；参数 q、scope、kind、ipc、region、holder、filed_from、filed_to、granted_from、granted_to、in_force_on、limit、offset、count",
     "Full-text search (patent title/abstract/holders, trademark text/holder/goods); q, scope, kind, ipc, region, holder, filed_from, filed_to, granted_from, granted_to, in_force_on, limit, offset, count",
     NULL, NULL},
    {"GET", "/api/v1/patents/{id}/status", h_patent_status, AUTH_NONE, "registry",
     "专利在某日的法律状态（由法律状态事件推导；参数 date，默认今天）",
     "Legal status of a patent on a date (derived from its legal events; date defaults to today)", NULL, NULL},
    {"POST", "/api/v1/imports", h_import_start, AUTH_USER, "import",
     "上传文件导入（后台任务；CNIPA/USPTO XML、Lens CSV、模板 CSV/XLSX）；参数 filename、format、type",
     "Upload a file to import (background job; CNIPA/USPTO XML, Lens CSV, template CSV/XLSX); query filename, format, type",
     NULL, NULL},
    {"GET", "/api/v1/imports/{id}", h_import_get, AUTH_USER, "import", "导入任务状态与进度", "Import job status and progress", NULL, NULL},
    {"GET", "/api/v1/imports/{id}/errors", h_import_errors, AUTH_USER, "import", "导入错误报告（CSV）", "Import error report (CSV)", NULL, NULL},
    {"GET", "/api/v1/plans/{id}/progress", h_plan_progress, AUTH_USER, "plan",
     "各目标进展：当前值、完成进度、到期预测与状态（参数 date，默认今天；format=json/xlsx/pdf）",
     "Progress of every target: current value, percent, projection to the deadline, status (date defaults to today; format=json/xlsx/pdf)",
     NULL, NULL},
    {"GET", "/api/v1/plans/{id}/assessment", h_plan_assessment, AUTH_USER, "plan",
     "年度考核：各部门评分与排名（参数 year；format=json/xlsx/pdf）", "Annual assessment: score sheet and rank per department (year; format=json/xlsx/pdf)",
     NULL, NULL},
    {"GET", "/api/v1/plans/{id}/overdue", h_plan_overdue, AUTH_USER, "plan",
     "逾期未报送的进展报告（参数 date、dept、limit、offset）", "Progress reports overdue (date, dept, limit, offset)", NULL, NULL},
    {"GET", "/api/v1/plans/{id}/document", h_plan_document, AUTH_USER, "plan", "导出方案文件（JSON，可用于导入）",
     "The plan as a document (JSON, loadable)", NULL, NULL},
    {"POST", "/api/v1/plans/load", h_plan_load, AUTH_USER, "plan", "导入方案文件（方案、目标、里程碑、任务、权重；按键匹配，可重复导入）",
     "Load a plan document (plan, targets, milestones, tasks, weights; rows matched by key, re-loading changes nothing)", NULL, NULL},
    {"POST", "/api/v1/task_reports/{id}/attachments", h_report_attach, AUTH_USER, "plan",
     "上传进展报告附件（请求体为文件内容；参数 filename；需 If-Match 或 version）",
     "Attach a file to a progress report (the body is the file; filename; needs If-Match or version)", NULL, NULL},
    {"GET", "/api/v1/task_reports/{id}/attachments/{sha256}", h_report_attachment, AUTH_USER, "plan", "下载进展报告附件",
     "Download an attachment of a progress report", NULL, NULL},
    {"DELETE", "/api/v1/task_reports/{id}/attachments/{sha256}", h_report_detach, AUTH_USER, "plan",
     "删除进展报告附件（需 If-Match 或 version）", "Remove an attachment from a progress report (needs If-Match or version)", NULL, NULL},
    {"GET", "/api/v1/indicators", h_ind_list, AUTH_NONE, "indicators",
     "某地区某日的全部指标（参数 region、date，默认今天；location_basis、maintenance_from、pledge_threshold_cny）",
     "Every indicator of a region on a day (region, date defaults to today; location_basis, maintenance_from, pledge_threshold_cny)",
     NULL, NULL},
    {"GET", "/api/v1/indicators/index", h_ind_index_get, AUTH_NONE, "indicators", "指标索引的状态（重建时间、是否过期）",
     "State of the indicator index (when built, whether stale)", NULL, NULL},
    {"POST", "/api/v1/indicators/index", h_ind_index_build, AUTH_ADMIN, "indicators", "由登记簿重建指标索引",
     "Rebuild the indicator index from the registry", NULL, NULL},
    {"GET", "/api/v1/indicators/{indicator}", h_ind_get, AUTH_NONE, "indicators",
     "一个指标的值（参数 region、date、location_basis、maintenance_from、pledge_threshold_cny）",
     "One indicator's value (region, date, location_basis, maintenance_from, pledge_threshold_cny)", NULL, NULL},
    {"GET", "/api/v1/indicators/{indicator}/series", h_ind_series, AUTH_NONE, "indicators",
     "指标的时间序列（参数 region、from、to、step=month|year 及指标参数）",
     "An indicator's time series (region, from, to, step=month|year and the indicator parameters)", NULL, NULL},
    {"GET", "/api/v1/indicators/{indicator}/records", h_ind_records, AUTH_NONE, "indicators",
     "指标所依据的记录（参数 region、date、cursor、limit；format=csv|xlsx 导出全部）",
     "The records behind an indicator (region, date, cursor, limit; format=csv|xlsx exports them all)", NULL, NULL},
    {"GET", "/api/v1/{type}/export", h_rec_export, AUTH_NONE, "records", "导出为 CSV 或 XLSX（与列表相同的筛选）",
     "Export as CSV or XLSX (same filters as the list)", NULL, NULL},
    {"GET", "/api/v1/{type}/template", h_rec_template, AUTH_USER, "records", "下载导入模板（中文表头）", "Download the import template (Chinese headers)", NULL, NULL},
    {"POST", "/api/v1/{type}/import", h_rec_import, AUTH_USER, "records", "导入 CSV/XLSX（全部成功或全部不导入）",
     "Import CSV/XLSX (all rows or none)", NULL, "ImportReport"},
    {"GET", "/api/v1/{type}", h_rec_list, AUTH_NONE, "records", "列表（筛选、排序、游标分页）", "List (filters, sort, cursor paging)", NULL, NULL},
    {"POST", "/api/v1/{type}", h_rec_create, AUTH_USER, "records", "新建", "Create", NULL, NULL},
    {"GET", "/api/v1/{type}/{id}", h_rec_get, AUTH_NONE, "records", "读取一条", "Get one", NULL, NULL},
    {"PATCH", "/api/v1/{type}/{id}", h_rec_update, AUTH_USER, "records", "修改（需 If-Match 或 version）", "Update (needs If-Match or version)", NULL, NULL},
    {"DELETE", "/api/v1/{type}/{id}", h_rec_delete, AUTH_USER, "records", "删除（软删除，需 If-Match 或 version）",
     "Delete (soft; needs If-Match or version)", NULL, NULL},
    {NULL},
};

/* Matches url against pattern; fills params (pool copies). */
static int match(http_req *r, const char *pattern, const char *url, const char **params)
{
    int n = 0;
    const char *p = pattern, *u = url;
    while (*p && *u) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            if (!ue) ue = u + strlen(u);
            if (ue == u || n >= 4) return 0;
            /* {id} segments are record numbers: "import" is not one */
            if (!strncmp(p, "{id}", 4))
                for (const char *c = u; c < ue; c++)
                    if (*c < '0' || *c > '9') return 0;
            params[n++] = pool_strndup(r->pool, u, (size_t)(ue - u));
            p = pe + 1;
            u = ue;
        } else if (*p++ != *u++)
            return 0;
    }
    return !*p && !*u;
}

void api_dispatch(http_req *r)
{
    buf allow = BUF_INIT;
    const char *params[4] = {0};
    for (const http_route *rt = api_routes; rt->method; rt++) {
        if (!match(r, rt->pattern, r->url, params)) continue;
        /* a {type} route only matches a real record type */
        if (strstr(rt->pattern, "{type}") && !type_param(r, params[0])) continue;
        if (strcmp(rt->method, r->method) && !(!strcmp(rt->method, "GET") && !strcmp(r->method, "HEAD"))) {
            if (!strstr(allow.s ? allow.s : "", rt->method)) buf_printf(&allow, "%s%s", allow.len ? ", " : "", rt->method);
            continue;
        }
        buf_free(&allow);
        memcpy(r->params, params, sizeof params);
        if (rt->auth != AUTH_NONE && !r->authed) {
            if (r->bad_session)
                http_send_err(r, 401, "auth.session_expired", "会话已过期或无效，请重新登录", "The session has expired or is invalid; log in again");
            else
                http_send_err(r, 401, "auth.required", "请先登录", "Authentication required");
            return;
        }
        if (rt->auth == AUTH_ADMIN && r->actor.role != ROLE_ADMIN) {
            http_send_err(r, 403, "auth.forbidden", "无权限：仅系统管理员可访问", "Forbidden: administrators only");
            return;
        }
        int unsafe = strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && strcmp(r->method, "OPTIONS");
        if (unsafe && r->authed && !r->user.via_token) {
            const char *tok = http_header(r, "X-CSRF-Token");
            if (!tok || !r->user.csrf || !util_streq_ct(tok, r->user.csrf)) {
                http_send_err(r, 403, "auth.csrf", "缺少或错误的 CSRF 令牌（X-CSRF-Token 请求头）",
                         "Missing or wrong CSRF token (X-CSRF-Token header)");
                return;
            }
        }
        rt->handler(r);
        return;
    }
    if (allow.len) {
        http_add_header(r, "Allow", allow.s);
        err e = ERR_INIT;
        err_set(&e, 405, "method_not_allowed", "此路径不支持 %s 方法（可用：%s）", "Method %s is not allowed here (allowed: %s)",
                r->method, allow.s, r->method, allow.s);
        buf_free(&allow);
        http_fail(r, &e);
        return;
    }
    buf_free(&allow);
    err e = ERR_INIT;
    err_set(&e, 404, "not_found", "找不到 %s", "Not found: %s", r->url, r->url);
    http_fail(r, &e);
}

/* ---- OpenAPI ---- */

static json_t *problem_ref(void) { return json_pack("{s:{s:{s:s}}}", "application/problem+json", "schema", "$ref", "#/components/schemas/Problem"); }

static json_t *responses(const char *ok_status, json_t *ok_schema, const char *ok_desc)
{
    json_t *r = json_object();
    json_t *ok = json_pack("{s:s}", "description", ok_desc);
    if (ok_schema) json_object_set_new(ok, "content", json_pack("{s:{s:o}}", "application/json", "schema", ok_schema));
    json_object_set_new(r, ok_status, ok);
    json_object_set_new(r, "default", json_pack("{s:s,s:o}", "description", "problem+json (RFC 9457)", "content", problem_ref()));
    return r;
}

static json_t *ref(const char *name) { return json_pack("{s:s+}", "$ref", "#/components/schemas/", name); }
static json_t *ref2(const char *name, const char *suffix)
{
    return json_pack("{s:s++}", "$ref", "#/components/schemas/", name, suffix);
}

static json_t *op(const http_route *rt, const rec_type *t, json_t *params)
{
    json_t *o = json_object();
    if (t) {
        json_object_set_new(o, "summary", json_sprintf("%s：%s / %s: %s", t->zh, rt->summary_zh, t->en, rt->summary_en));
        json_object_set_new(o, "tags", json_pack("[s]", t->path));
        json_object_set_new(o, "operationId", json_sprintf("%s_%s_%s", rt->method, t->path, strrchr(rt->pattern, '/') + 1));
    } else {
        json_object_set_new(o, "summary", json_sprintf("%s / %s", rt->summary_zh, rt->summary_en));
        json_object_set_new(o, "tags", json_pack("[s]", rt->tag));
    }
    if (rt->auth == AUTH_NONE) json_object_set_new(o, "security", json_pack("[{},{s:[]},{s:[]}]", "cookie", "bearer"));
    if (params) json_object_set_new(o, "parameters", params);
    return o;
}

static json_t *list_params(const rec_type *t)
{
    json_t *p = json_array();
    json_array_append_new(p, json_pack("{s:s,s:s,s:{s:s,s:i,s:i}}", "name", "limit", "in", "query", "schema", "type", "integer", "minimum", 1, "maximum", 1000));
    json_array_append_new(p, json_pack("{s:s,s:s,s:{s:s}}", "name", "cursor", "in", "query", "schema", "type", "string"));
    json_array_append_new(p, json_pack("{s:s,s:s,s:s,s:{s:s}}", "name", "sort", "in", "query", "description", "field or -field", "schema", "type", "string"));
    json_array_append_new(p, json_pack("{s:s,s:s,s:s,s:{s:s}}", "name", "q", "in", "query", "description", "substring search", "schema", "type", "string"));
    json_array_append_new(p, json_pack("{s:s,s:s,s:{s:s}}", "name", "count", "in", "query", "schema", "type", "boolean"));
    for (const rec_field *f = t->fields; f->name; f++)
        if (f->flags & RF_FILTER)
            json_array_append_new(p, json_pack("{s:s,s:s,s:s,s:{s:s}}", "name", f->name, "in", "query", "description",
                                               "also name.ne/gt/gte/lt/lte/like/in/null", "schema", "type", "string"));
    return p;
}

static json_t *id_param(void)
{
    return json_pack("[{s:s,s:s,s:b,s:{s:s}}]", "name", "id", "in", "path", "required", 1, "schema", "type", "integer");
}

json_t *api_openapi(void)
{
    json_t *paths = json_object(), *schemas = json_object();
    json_object_set_new(schemas, "Problem",
                        json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}", "type", "object",
                                  "properties", "type", "type", "string", "title", "type", "string", "status", "type",
                                  "integer", "detail", "type", "string", "code", "type", "string", "message_zh", "type",
                                  "string", "message_en", "type", "string", "instance", "type", "string", "request_id",
                                  "type", "string", "errors", "type", "array"));
    json_object_set_new(schemas, "Login", json_pack("{s:s,s:[s,s],s:{s:{s:s},s:{s:s}}}", "type", "object", "required", "name", "password",
                                                    "properties", "name", "type", "string", "password", "type", "string"));
    json_object_set_new(schemas, "Session", json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}", "type", "object", "properties", "user",
                                                      "type", "object", "csrf_token", "type", "string", "expires_in", "type", "integer"));
    json_object_set_new(schemas, "TokenRequest", json_pack("{s:s,s:{s:{s:s}}}", "type", "object", "properties", "label", "type", "string"));
    json_object_set_new(schemas, "Token", json_pack("{s:s,s:{s:{s:s},s:{s:s}}}", "type", "object", "properties", "token", "type", "string", "user", "type", "string"));
    json_object_set_new(schemas, "Health", json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}", "type", "object", "properties", "status",
                                                     "type", "string", "version", "type", "string", "schema", "type", "integer", "database", "type", "string"));
    json_object_set_new(schemas, "ImportReport", json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}", "type", "object", "properties",
                                                           "file", "type", "string", "rows", "type", "integer", "created", "type",
                                                           "integer", "updated", "type", "integer", "unchanged", "type", "integer",
                                                           "encoding", "type", "string"));
    for (const http_route *rt = api_routes; rt->method; rt++) {
        if (strstr(rt->pattern, "{type}") && strncmp(rt->pattern, "/api/v1/meta", 12)) {
            for (rec_type *const *tp = rec_types(); *tp; tp++) {
                const rec_type *t = *tp;
                if (t->flags & REC_INTERNAL) continue;
                buf path = BUF_INIT;
                const char *rest = strstr(rt->pattern, "{type}") + 6;
                buf_printf(&path, "/api/v1/%s%s", t->path, rest);
                json_t *item = json_object_get(paths, path.s);
                if (!item) {
                    item = json_object();
                    json_object_set_new(paths, path.s, item);
                }
                char *lower = xstrdup(rt->method);
                for (char *c = lower; *c; c++) *c = (char)(*c - 'A' + 'a');
                int has_id = strstr(rest, "{id}") != NULL;
                json_t *o = op(rt, t, has_id ? id_param() : !strcmp(rest, "") && !strcmp(rt->method, "GET") ? list_params(t) : NULL);
                const char *suffix = rest;
                if (!strcmp(rt->method, "GET") && !*suffix)
                    json_object_set_new(o, "responses", responses("200", json_pack("{s:s,s:{s:{s:s,s:o},s:{s:s}}}", "type", "object", "properties", "items", "type", "array", "items", ref(t->name), "next_cursor", "type", "string"), "OK"));
                else if (!strcmp(rt->method, "POST") && !*suffix) {
                    json_object_set_new(o, "requestBody", json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema", ref2(t->name, "Input")));
                    json_object_set_new(o, "responses", responses("201", ref(t->name), "Created"));
                } else if (!strcmp(rt->method, "PATCH")) {
                    json_object_set_new(o, "requestBody", json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema", ref2(t->name, "Patch")));
                    json_object_set_new(o, "responses", responses("200", ref(t->name), "Updated"));
                } else if (!strcmp(rt->method, "DELETE"))
                    json_object_set_new(o, "responses", responses("204", NULL, "Deleted"));
                else if (!strcmp(rt->method, "GET") && has_id)
                    json_object_set_new(o, "responses", responses("200", ref(t->name), "OK"));
                else
                    json_object_set_new(o, "responses", responses("200", rt->response_schema ? ref(rt->response_schema) : NULL, "OK"));
                json_object_set_new(item, lower, o);
                free(lower);
                buf_free(&path);
            }
            continue;
        }
        json_t *item = json_object_get(paths, rt->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->pattern, item);
        }
        char *lower = xstrdup(rt->method);
        for (char *c = lower; *c; c++) *c = (char)(*c - 'A' + 'a');
        /* every {name} of the pattern is a path parameter ({id}: an integer) */
        json_t *params = NULL;
        for (const char *b = strchr(rt->pattern, '{'); b; b = strchr(b + 1, '{')) {
            const char *end = strchr(b, '}');
            if (!end) break;
            char pname[32];
            snprintf(pname, sizeof pname, "%.*s", (int)(end - b - 1), b + 1);
            if (!params) params = json_array();
            json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:{s:s}}", "name", pname, "in", "path", "required", 1, "schema",
                                                    "type", strcmp(pname, "id") ? "string" : "integer"));
        }
        json_t *o = op(rt, NULL, params);
        if (rt->request_schema)
            json_object_set_new(o, "requestBody", json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema", ref(rt->request_schema)));
        json_object_set_new(o, "responses", responses(!strcmp(rt->method, "DELETE") ? "204" : !strcmp(rt->pattern, "/api/v1/tokens") ? "201" : "200",
                                                      rt->response_schema ? ref(rt->response_schema) : NULL, "OK"));
        json_object_set_new(item, lower, o);
        free(lower);
    }
    for (rec_type *const *tp = rec_types(); *tp; tp++) {
        if ((*tp)->flags & REC_INTERNAL) continue;
        json_object_set_new(schemas, (*tp)->name, rec_json_schema(*tp, 0));
        char *in = xasprintf("%sInput", (*tp)->name);
        json_object_set_new(schemas, in, rec_json_schema(*tp, 1));
        free(in);
        char *pn = xasprintf("%sPatch", (*tp)->name);
        json_t *patch = rec_json_schema(*tp, 1);
        json_object_del(patch, "required");
        json_object_set_new(schemas, pn, patch);
        free(pn);
    }
    return json_pack("{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:o,s:{s:o,s:{s:{s:s,s:s,s:s},s:{s:s,s:s}}},s:[{s:[]},{s:[]}]}", "openapi", "3.0.3", "info",
                     "title", "ipcity API（知识产权强市建设试点管理平台）", "version", IPCITY_VERSION, "description",
                     "All errors are application/problem+json (RFC 9457) with a stable code and messages in zh-CN and en "
                     "(Accept-Language). Cookie sessions need the X-CSRF-Token header on writes; bearer tokens do not.",
                     "servers", "url", "/", "paths", paths, "components", "schemas", schemas, "securitySchemes", "cookie",
                     "type", "apiKey", "in", "cookie", "name", "ipcity_session", "bearer", "type", "http", "scheme", "bearer",
                     "security", "cookie", "bearer");
}
