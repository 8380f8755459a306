/*
 * http.h - the HTTP server: libmicrohttpd with an epoll thread pool, one
 * request object per request (with its own memory pool), the router, the
 * problem+json error shape, sessions/CSRF, static files.
 *
 * A handler receives an http_req whose body is complete, whose actor is
 * resolved (a logged-in user or the public), and which holds a database
 * connection for the duration of the request.  It answers with exactly one
 * of the http_send_* functions.
 */
#ifndef IPC_HTTP_H
#define IPC_HTTP_H

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/pool.h"
#include "../domain/accounts.h"
#include "../store/store.h"

#include <jansson.h>
#include <stddef.h>

typedef struct http_config {
    const char *listen;   /* "127.0.0.1:8080"; port 0 picks a free one */
    int threads;          /* worker threads (and database connections) */
    const char *web_root; /* static files */
    size_t max_body;      /* bytes; larger bodies get 413 */
    const char *db_url;
    int trust_proxy;      /* honour X-Forwarded-Proto for the Secure flag */
    int access_log;       /* one line per request on stderr */
    acct_policy policy;
} http_config;

typedef struct server server;

typedef struct http_req {
    server *srv;
    const http_config *cfg;
    struct MHD_Connection *conn;
    pool *pool;
    const char *method, *url;
    buf body;
    int too_large, answered;
    char id[20];
    lang lang;
    double t0;
    store *db;
    json_t *args;          /* query arguments: name -> string */
    const char *params[4]; /* path parameters of the matched route */
    acct_user user;
    int authed;            /* 1 when user is set */
    int bad_session;       /* a session cookie was sent but is not valid */
    int bad_encoding;      /* the URL, method or a query value is not valid UTF-8 (or held %00) */
    char *session_token;   /* from the cookie, when authed by it */
    rec_actor actor;       /* the user's, or the public */
    int status;            /* for the access log */
    size_t sent;
} http_req;

/* Starts the server (returns once listening, *out set; the actual port in
 * *port) or fails with e set.  The caller keeps cfg alive. */
int server_start(const http_config *cfg, server **out, int *port, err *e);
/* Stops accepting, lets in-flight requests finish (at most `grace`
 * seconds), stops the threads and closes the database connections. */
void server_stop(server *s, int grace);

/* ---- answering ---- */
void http_send_json(http_req *r, int status, json_t *body); /* steals body */
void http_send_bytes(http_req *r, int status, const char *ctype, const void *data, size_t n,
                     const char *disposition_name);
void http_send_empty(http_req *r, int status);
/* Sends e as application/problem+json in the request's language. */
void http_send_error(http_req *r, const err *e);
/* Sends e (as http_send_error) and clears it. */
void http_fail(http_req *r, err *e);
/* Sends a problem with ready-made messages. */
void http_send_err(http_req *r, int status, const char *code, const char *zh, const char *en);
/* Adds a header to the response about to be sent (pool-allocated copy). */
void http_add_header(http_req *r, const char *name, const char *value);
/* A request header (NULL when absent). */
const char *http_header(http_req *r, const char *name);
/* A query argument (NULL when absent). */
const char *http_arg(http_req *r, const char *name);
/* Parses the body as a JSON object; on failure answers 400 with the
 * position and returns NULL. The caller decrefs the result. */
json_t *http_body_json(http_req *r);

/* ---- routes ---- */
typedef enum { AUTH_NONE, AUTH_USER, AUTH_ADMIN } http_auth;

typedef struct http_route {
    const char *method;
    const char *pattern; /* "/api/v1/users/{id}"; {x} matches one segment */
    void (*handler)(http_req *r);
    http_auth auth;
    const char *tag, *summary_zh, *summary_en;
    const char *request_schema;  /* OpenAPI component name, or NULL */
    const char *response_schema; /* OpenAPI component name, or NULL */
} http_route;

/* The API's route table (api.c), terminated by {NULL}. */
extern const http_route api_routes[];
/* Dispatches an /api/ request. */
void api_dispatch(http_req *r);
/* The OpenAPI 3 document (new reference). */
json_t *api_openapi(void);
/* Import jobs (jobs.c). */
void h_import_start(http_req *r);
void h_import_get(http_req *r);
void h_import_errors(http_req *r);
/* Waits (at most grace seconds) for running import jobs to finish. */
void jobs_wait(int grace);
/* Indicators (api_stats.c): values, one indicator, series, records,
 * index state and rebuild. */
void h_ind_list(http_req *r);
void h_ind_get(http_req *r);
void h_ind_series(http_req *r);
void h_ind_records(http_req *r);
void h_ind_index_get(http_req *r);
void h_ind_index_build(http_req *r);
/* The plan: progress, assessment, overdue reports, plan documents, report
 * attachments (api_plan.c). */
void h_plan_progress(http_req *r);
void h_plan_assessment(http_req *r);
void h_plan_overdue(http_req *r);
void h_plan_document(http_req *r);
void h_plan_load(http_req *r);
void h_report_attach(http_req *r);
void h_report_detach(http_req *r);
void h_report_attachment(http_req *r);
/* Serves a static file from cfg->web_root. */
void static_serve(http_req *r);

#endif
