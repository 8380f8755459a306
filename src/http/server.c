/*
 * server.c - libmicrohttpd glue: request lifecycle, body limits, request
 * ids, language, authentication, responses, access log, shutdown.
 */
#include "http.h"

#include "../base/log.h"
#include "../base/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct server {
    struct MHD_Daemon *d;
    int inflight; /* requests received and not yet completed (atomic) */
    const http_config *cfg;
    store_pool *pool;
};

typedef struct hdr {
    struct hdr *next;
    const char *name, *value;
} hdr;

/* Extra response headers are kept on the request until it is answered. */
typedef struct req_ext {
    http_req r;
    hdr *headers;
} req_ext;

/* ---- language ---- */

static lang pick_lang(http_req *r)
{
    const char *q = http_arg(r, "lang");
    if (q) return !strncmp(q, "en", 2) ? LANG_EN : LANG_ZH;
    const char *al = http_header(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
    if (!al) return LANG_ZH;
    /* first of zh/en by quality; ties keep the earlier one */
    double best = -1;
    lang l = LANG_ZH;
    const char *p = al;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *tag = p;
        while (*p && *p != ',' && *p != ';') p++;
        size_t tl = (size_t)(p - tag);
        double qv = 1.0;
        if (*p == ';') {
            const char *qs = strstr(p, "q=");
            const char *comma = strchr(p, ',');
            if (qs && (!comma || qs < comma)) qv = strtod(qs + 2, NULL);
            while (*p && *p != ',') p++;
        }
        int is_en = tl >= 2 && !strncasecmp(tag, "en", 2), is_zh = tl >= 2 && !strncasecmp(tag, "zh", 2);
        if ((is_en || is_zh) && qv > best) {
            best = qv;
            l = is_en ? LANG_EN : LANG_ZH;
        }
    }
    return l;
}

/* ---- responses ---- */

void http_add_header(http_req *r, const char *name, const char *value)
{
    req_ext *x = (req_ext *)r;
    hdr *h = pool_alloc(r->pool, sizeof *h);
    h->name = pool_strdup(r->pool, name);
    h->value = pool_strdup(r->pool, value);
    h->next = x->headers;
    x->headers = h;
}

static void queue(http_req *r, int status, struct MHD_Response *resp, size_t n)
{
    req_ext *x = (req_ext *)r;
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    for (hdr *h = x->headers; h; h = h->next) MHD_add_response_header(resp, h->name, h->value);
    if (MHD_queue_response(r->conn, (unsigned)status, resp) != MHD_YES) log_warn("%s: queueing the response failed", r->id);
    MHD_destroy_response(resp);
    r->status = status;
    r->sent = n;
    r->answered = 1;
}

void http_send_bytes(http_req *r, int status, const char *ctype, const void *data, size_t n, const char *dispo)
{
    if (r->answered) return;
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (ctype) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (dispo) {
        char *v = pool_printf(r->pool, "attachment; filename=\"%s\"", dispo);
        MHD_add_response_header(resp, "Content-Disposition", v);
    }
    queue(r, status, resp, n);
}

void http_send_json(http_req *r, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    http_send_bytes(r, status, "application/json; charset=utf-8", s, strlen(s), NULL);
    free(s);
}

void http_send_empty(http_req *r, int status) { http_send_bytes(r, status, NULL, "", 0, NULL); }

void http_send_error(http_req *r, const err *e)
{
    int status = e->status ? e->status : 500;
    const char *code = e->code ? e->code : "internal";
    json_t *p = json_object();
    json_object_set_new(p, "type", json_sprintf("urn:ipcity:problem:%s", code));
    json_object_set_new(p, "title", json_string(err_msg(e, r->lang)));
    json_object_set_new(p, "status", json_integer(status));
    json_object_set_new(p, "detail", json_string(err_msg(e, r->lang)));
    json_object_set_new(p, "code", json_string(code));
    json_object_set_new(p, "message_zh", json_string(err_msg(e, LANG_ZH)));
    json_object_set_new(p, "message_en", json_string(err_msg(e, LANG_EN)));
    json_object_set_new(p, "instance", json_string(r->url));
    json_object_set_new(p, "request_id", json_string(r->id));
    if (e->field) json_object_set_new(p, "field", json_string(e->field));
    if (e->file) json_object_set_new(p, "file", json_string(e->file));
    if (e->row) json_object_set_new(p, "row", json_integer(e->row));
    if (e->col) json_object_set_new(p, "column", json_integer(e->col));
    if (e->items) {
        json_t *items = json_deep_copy(e->items);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            json_t *m = json_object_get(it, r->lang == LANG_EN ? "message_en" : "message_zh");
            if (m) json_object_set(it, "message", m);
        }
        json_object_set_new(p, "errors", items);
    }
    if (status == 429 && e->field) http_add_header(r, "Retry-After", e->field);
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    http_send_bytes(r, status, "application/problem+json; charset=utf-8", s, strlen(s), NULL);
    free(s);
}

void http_fail(http_req *r, err *e)
{
    http_send_error(r, e);
    err_clear(e);
}

void http_send_err(http_req *r, int status, const char *code, const char *zh, const char *en)
{
    err e = ERR_INIT;
    err_setm(&e, status, code, zh, en);
    http_fail(r, &e);
}

const char *http_header(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_arg(http_req *r, const char *name)
{
    return json_string_value(json_object_get(r->args, name));
}

json_t *http_body_json(http_req *r)
{
    json_error_t je;
    if (!r->body.len) {
        err e = ERR_INIT;
        err_set(&e, 400, "request.empty_body", "请求体为空，应为 JSON 对象", "The request body is empty; a JSON object is expected");
        http_send_error(r, &e);
        err_clear(&e);
        return NULL;
    }
    json_t *j = json_loadb(r->body.s, r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) {
        err e = ERR_INIT;
        if (!j) {
            /* jansson's text may quote the input up to a byte it refused,
             * cut inside a character: keep its longest valid UTF-8 prefix,
             * or the problem+json would lose its messages (json_string()
             * refuses invalid UTF-8) */
            size_t tl = strnlen(je.text, sizeof je.text - 1);
            while (tl && !util_utf8_valid(je.text, tl)) tl--;
            je.text[tl] = '\0';
            err_set(&e, 400, "request.malformed_json", "JSON 格式错误（第 %d 行第 %d 列，字节 %d）：%s",
                    "Malformed JSON at line %d, column %d (byte %d): %s", je.line, je.column, je.position, je.text,
                    je.line, je.column, je.position, je.text);
        } else
            err_set(&e, 400, "request.not_object", "请求体应为 JSON 对象", "The request body must be a JSON object");
        if (!j) err_at(&e, NULL, je.line, je.column, NULL);
        http_send_error(r, &e);
        err_clear(&e);
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ---- authentication ---- */

static char *cookie_value(http_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
    return v ? pool_strdup(r->pool, v) : NULL;
}

static int authenticate(http_req *r, err *e)
{
    r->actor = (rec_actor){0, "public", ROLE_PUBLIC, NULL};
    const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    int rc = 0;
    if (auth && !strncasecmp(auth, "Bearer ", 7)) {
        rc = acct_token(r->db, auth + 7, &r->user, e);
        if (rc < 0) return -1;
        if (rc == 0)
            return err_set(e, 401, "auth.bad_token", "API 令牌无效或已撤销", "The API token is invalid or revoked");
    } else {
        char *tok = cookie_value(r, "ipcity_session");
        if (tok && *tok) {
            rc = acct_session(r->db, tok, &r->user, e);
            if (rc < 0) return -1;
            if (rc == 1) r->session_token = tok;
            else r->bad_session = 1;
        }
    }
    if (rc == 1) {
        r->authed = 1;
        r->actor = r->user.actor;
    }
    return 0;
}

/* ---- lifecycle ---- */

static void collect_args(http_req *r)
{
    r->args = json_object();
    pool_defer(r->pool, (void (*)(void *))json_decref, r->args);
}

static enum MHD_Result arg_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    http_req *r = cls;
    if (!key || !util_utf8_valid(key, strlen(key)) || (value && !util_utf8_valid(value, strlen(value)))) {
        r->bad_encoding = 1;
        return MHD_YES;
    }
    if (value) json_object_set_new(r->args, key, json_string(value));
    return MHD_YES;
}

/* Percent-decoding for libmicrohttpd (URL path and query): like the
 * standard one, except that %00 becomes the byte 0xFF, which no valid
 * UTF-8 holds, so that the request is refused as badly encoded instead of
 * being cut short at a NUL. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *p = s; *p; p++) {
        int hi, lo;
        if (*p == '%' && (hi = isxdigit((unsigned char)p[1]) ? p[1] : 0) && (lo = isxdigit((unsigned char)p[2]) ? p[2] : 0)) {
            unsigned v = (unsigned)((hi <= '9' ? hi - '0' : (hi | 32) - 'a' + 10) * 16 + (lo <= '9' ? lo - '0' : (lo | 32) - 'a' + 10));
            *w++ = v ? (char)v : (char)0xFF;
            p += 2;
        } else
            *w++ = *p;
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* A copy of s in the request's pool where bytes that are not valid UTF-8
 * are written as %XX, so that messages quoting it stay valid JSON text. */
static char *printable(pool *pl, const char *s, int *bad)
{
    buf b = BUF_INIT;
    const char *p = s, *end = s + strlen(s);
    while (p < end) {
        const char *q = p;
        if (util_utf8_next(&q, end) < 0) {
            buf_printf(&b, "%%%02X", (unsigned char)*p);
            *bad = 1;
            p++;
        } else {
            buf_add(&b, p, (size_t)(q - p));
            p = q;
        }
    }
    char *out = pool_strdup(pl, buf_cstr(&b));
    buf_free(&b);
    return out;
}

static void dispatch(http_req *r)
{
    err e = ERR_INIT;
    collect_args(r);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, arg_it, r);
    r->lang = pick_lang(r);
    if (r->bad_encoding) {
        err_set(&e, 400, "request.encoding", "请求地址或查询参数不是有效的 UTF-8 文本（或含有 %%00）",
                "The request URL or a query parameter is not valid UTF-8 text (or holds %%00)");
        http_send_error(r, &e);
        err_clear(&e);
        return;
    }
    if (r->too_large) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", r->cfg->max_body);
        err_set(&e, 413, "request.too_large", "请求体超过上限 %s 字节", "The request body exceeds the limit of %s bytes", lim, lim);
        http_send_error(r, &e);
        err_clear(&e);
        return;
    }
    if (strncmp(r->url, "/api/", 5)) {
        static_serve(r);
        return;
    }
    r->db = store_pool_get(r->srv->pool);
    if (authenticate(r, &e)) http_send_error(r, &e);
    else api_dispatch(r);
    if (!r->answered) {
        err_set(&e, 500, "internal", "服务器内部错误", "Internal server error");
        http_send_error(r, &e);
    }
    store_pool_put(r->srv->pool, r->db);
    r->db = NULL;
    err_clear(&e);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    http_req *r = *con_cls;
    if (!r) {
        req_ext *x = xcalloc(1, sizeof *x);
        r = &x->r;
        r->srv = s;
        r->cfg = s->cfg;
        r->conn = conn;
        r->pool = pool_new();
        r->method = printable(r->pool, method, &r->bad_encoding);
        r->url = printable(r->pool, url, &r->bad_encoding);
        r->t0 = util_now();
        __atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
        const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
        int ok = rid && strlen(rid) >= 8 && strlen(rid) < sizeof r->id;
        for (const char *p = rid; ok && *p; p++)
            if (!(*p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                ok = 0;
        if (ok) snprintf(r->id, sizeof r->id, "%s", rid);
        else {
            char *t = util_random_token(8);
            snprintf(r->id, sizeof r->id, "%s", t);
            free(t);
        }
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->cfg->max_body) {
            r->too_large = 1;
            dispatch(r); /* answer 413 now; MHD closes the connection */
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && !r->answered) {
            if (r->body.len + *upload_size > s->cfg->max_body) {
                r->too_large = 1;
                buf_free(&r->body);
            } else
                buf_add(&r->body, upload_data, *upload_size);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered) return MHD_YES;
    dispatch(r);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    http_req *r = *con_cls;
    if (!r) return;
    if (r->cfg->access_log) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char ip[64] = "-";
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
            const unsigned char *a = (const unsigned char *)&((const struct sockaddr_in *)ci->client_addr)->sin_addr;
            snprintf(ip, sizeof ip, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        }
        log_info("access id=%s ip=%s user=%s method=%s path=%s status=%d bytes=%zu ms=%.2f%s", r->id, ip,
                 r->authed ? r->user.name : "-", r->method, r->url, r->status, r->sent, (util_now() - r->t0) * 1000,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    }
    __atomic_sub_fetch(&r->srv->inflight, 1, __ATOMIC_SEQ_CST);
    acct_user_free(&r->user);
    buf_free(&r->body);
    pool_free(r->pool);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    while (b.len && b.s[b.len - 1] == '\n') b.s[--b.len] = '\0';
    log_debug("microhttpd: %s", buf_cstr(&b));
    buf_free(&b);
}

int server_start(const http_config *cfg, server **out, int *port, err *e)
{
    *out = NULL;
    const char *colon = strrchr(cfg->listen, ':');
    if (!colon)
        return err_set(e, 400, "config.listen", "监听地址格式应为 主机:端口，而不是“%s”", "The listen address must be host:port, not \"%s\"",
                       cfg->listen, cfg->listen);
    /* the port: digits only, 0 (any free port) to 65535 (atoi took "8o80" for 8 and wrapped 70000) */
    char *pend;
    long p = strtol(colon + 1, &pend, 10);
    if (pend == colon + 1 || *pend || p < 0 || p > 65535 || !isdigit((unsigned char)colon[1]))
        return err_set(e, 400, "config.listen", "监听端口应为 0 到 65535 的数字，而不是“%s”",
                       "The listen port must be a number from 0 to 65535, not \"%s\"", colon + 1, colon + 1);
    char *host = xstrndup(cfg->listen, (size_t)(colon - cfg->listen));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)p);
    if (inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host, &sa.sin_addr) != 1) {
        err_set(e, 400, "config.listen", "无效的监听地址“%s”", "Invalid listen address \"%s\"", host, host);
        free(host);
        return -1;
    }
    free(host);
    server *s = xcalloc(1, sizeof *s);
    s->cfg = cfg;
    int threads = cfg->threads > 0 ? cfg->threads : 2;
    if (store_pool_new(cfg->db_url, threads + 1, &s->pool, e)) {
        free(s);
        return -1;
    }
    s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                            (size_t)64 * 1024, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (!s->d) {
        store_pool_free(s->pool);
        free(s);
        return err_set(e, 500, "server.start", "无法在 %s 上启动服务（端口被占用？）：%s", "Cannot start the server on %s (port in use?): %s",
                       cfg->listen, strerror(errno), cfg->listen, strerror(errno));
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = di ? di->port : p;
    *out = s;
    return 0;
}

void server_stop(server *s, int grace)
{
    if (!s) return;
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    jobs_wait(grace);
    double until = util_now() + grace;
    /* in-flight requests finish; idle keep-alive connections do not hold us */
    while (util_now() < until && __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0) usleep(20000);
    MHD_stop_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    store_pool_free(s->pool);
    free(s);
}
