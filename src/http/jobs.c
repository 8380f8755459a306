/*
 * jobs.c - imports uploaded over the API run as background jobs.
 *
 * POST /api/v1/imports stores an import_job record (status running) and
 * starts a thread with its own database connection that runs the import
 * (src/import/importer.c, all or nothing) and reports progress into an
 * in-memory table; GET /api/v1/imports/{id} answers the record plus the
 * live progress (rows, bytes, rate, ETA); the finished job's record keeps
 * the counts and every error, downloadable as CSV from
 * GET /api/v1/imports/{id}/errors.  Shutdown waits for running jobs.
 */
#include "http.h"

#include "../base/log.h"
#include "../base/util.h"
#include "../domain/indicators.h"
#include "../domain/ingest.h"
#include "../import/importer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct job {
    struct job *next;
    int64_t id;
    char *db_url, *name, *format, *type, *user, *dept;
    rec_role role;
    int64_t user_id;
    char *data;
    size_t n;
    double started;
    long long rows, bytes_done, bytes_total;
    int running;
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static job *jobs;
static int running;

static void on_progress(void *ctx, long long rows, long long done, long long total)
{
    job *j = ctx;
    pthread_mutex_lock(&mu);
    j->rows = rows;
    j->bytes_done = done;
    j->bytes_total = total;
    pthread_mutex_unlock(&mu);
}

/* Writes the outcome into the job's record. */
static void finish(store *db, job *j, const char *status, json_t *report, const err *e)
{
    rec_actor sys = {0, "system", ROLE_ADMIN, j->dept};
    json_t *patch = json_object();
    char now[40];
    util_now_iso(now, sizeof now);
    json_object_set_new(patch, "status", json_string(status));
    json_object_set_new(patch, "finished_at", json_string(now));
    if (report) {
        json_object_set(patch, "rows", json_object_get(report, "rows"));
        json_object_set(patch, "created_count", json_object_get(report, "created"));
        json_object_set(patch, "updated_count", json_object_get(report, "updated"));
        json_object_set(patch, "unchanged_count", json_object_get(report, "unchanged"));
        json_object_set(patch, "format", json_object_get(report, "format"));
        json_object_set(patch, "sha256", json_object_get(report, "sha256"));
        json_object_set_new(patch, "error_count", json_integer(0));
    }
    if (e && err_isset(e)) {
        json_object_set_new(patch, "error_count", json_integer(e->items ? (json_int_t)json_array_size(e->items) : 1));
        if (e->items) json_object_set(patch, "errors", e->items);
        else
            json_object_set_new(patch, "errors",
                                json_pack("[{s:s,s:s,s:s}]", "code", e->code ? e->code : "error", "message_zh",
                                          err_msg(e, LANG_ZH), "message_en", err_msg(e, LANG_EN)));
        char *msg = xasprintf("%s / %s", err_msg(e, LANG_ZH), err_msg(e, LANG_EN));
        json_object_set_new(patch, "message", json_string(msg));
        free(msg);
    }
    err ue = ERR_INIT;
    json_t *cur = NULL, *out = NULL;
    if (rec_get(db, &type_import_job, &sys, j->id, &cur, &ue) ||
        rec_update(db, &type_import_job, &sys, j->id, patch, json_integer_value(json_object_get(cur, "version")), &out, &ue))
        log_error("import job %lld: recording the result failed: %s", (long long)j->id, err_msg(&ue, LANG_EN));
    err_clear(&ue);
    json_decref(cur);
    json_decref(out);
    json_decref(patch);
}

static void *run(void *arg)
{
    job *j = arg;
    store *db = NULL;
    err e = ERR_INIT;
    json_t *report = NULL;
    if (store_open(j->db_url, &db, &e)) {
        log_error("import job %lld: %s", (long long)j->id, err_msg(&e, LANG_EN));
    } else {
        rec_actor a = {j->user_id, j->user, j->role, j->dept};
        imp_progress p = {on_progress, j};
        int rc = imp_run(db, &a, j->name, NULL, j->data, j->n, j->format, j->type, &p, &report, &e);
        if (rc == 0) { /* the indicator figures follow the registry before the job is reported done */
            err ie = ERR_INIT;
            if (ind_index_refresh(db, NULL, &ie)) log_error("import job %lld: indicator index: %s", (long long)j->id, err_msg(&ie, LANG_EN));
            err_clear(&ie);
        }
        finish(db, j, rc == 0 ? "succeeded" : e.status == 422 ? "rejected" : "failed", report, rc ? &e : NULL);
        log_info("import job %lld (%s): %s", (long long)j->id, j->name, rc == 0 ? "imported" : err_msg(&e, LANG_EN));
    }
    json_decref(report);
    err_clear(&e);
    store_close(db);
    pthread_mutex_lock(&mu);
    j->running = 0;
    free(j->data);
    j->data = NULL;
    running--;
    pthread_cond_broadcast(&done_cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

void jobs_wait(int grace)
{
    double until = util_now() + grace;
    pthread_mutex_lock(&mu);
    while (running > 0 && util_now() < until) {
        pthread_mutex_unlock(&mu);
        usleep(50000);
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
}

void h_import_start(http_req *r)
{
    const char *fname = http_arg(r, "filename") ? http_arg(r, "filename") : "upload";
    for (const char *c = fname; *c; c++) /* only the base name: / and \\ both separate */
        if (*c == '/' || *c == '\\') fname = c + 1;
    err e = ERR_INIT;
    if (!r->body.len) {
        err_set(&e, 400, "request.empty_body", "请上传文件内容（请求体为空）", "Upload the file as the request body (it is empty)");
        http_send_error(r, &e);
        err_clear(&e);
        return;
    }
    rec_actor sys = {0, "system", ROLE_ADMIN, r->actor.dept};
    json_t *in = json_pack("{s:s,s:s,s:I}", "file", fname, "status", "running", "bytes", (json_int_t)r->body.len);
    if (r->actor.dept) json_object_set_new(in, "dept", json_string(r->actor.dept));
    json_t *rec = NULL;
    if (rec_create(r->db, &type_import_job, &sys, in, &rec, &e)) {
        json_decref(in);
        http_send_error(r, &e);
        err_clear(&e);
        return;
    }
    json_decref(in);
    job *j = xcalloc(1, sizeof *j);
    j->id = json_integer_value(json_object_get(rec, "id"));
    j->db_url = xstrdup(r->cfg->db_url);
    j->name = xstrdup(fname);
    j->format = xstrdup(http_arg(r, "format"));
    j->type = xstrdup(http_arg(r, "type"));
    j->user = xstrdup(r->actor.name);
    j->dept = xstrdup(r->actor.dept);
    j->role = r->actor.role;
    j->user_id = r->actor.user_id;
    j->n = r->body.len;
    j->data = buf_detach(&r->body);
    j->started = util_now();
    j->bytes_total = (long long)j->n;
    j->running = 1;
    pthread_mutex_lock(&mu);
    j->next = jobs;
    jobs = j;
    running++;
    pthread_mutex_unlock(&mu);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, run, j)) {
        pthread_mutex_lock(&mu);
        running--;
        j->running = 0;
        pthread_mutex_unlock(&mu);
        err_set(&e, 503, "import.busy", "无法启动导入任务", "Cannot start the import job");
        finish(r->db, j, "failed", NULL, &e);
        http_send_error(r, &e);
        err_clear(&e);
        json_decref(rec);
        pthread_attr_destroy(&at);
        return;
    }
    pthread_attr_destroy(&at);
    http_add_header(r, "Location", pool_printf(r->pool, "/api/v1/imports/%lld", (long long)j->id));
    json_object_set_new(rec, "progress_url", json_sprintf("/api/v1/imports/%lld", (long long)j->id));
    http_send_json(r, 202, rec);
}

static int job_param(http_req *r, int64_t *id, json_t **rec)
{
    err e = ERR_INIT;
    if (util_parse_int64(r->params[0], id) || *id < 1) {
        err_set(&e, 404, "record.not_found", "导入任务不存在", "No such import job");
    } else if (!rec_get(r->db, &type_import_job, &r->actor, *id, rec, &e))
        return 0;
    http_send_error(r, &e);
    err_clear(&e);
    return -1;
}

void h_import_get(http_req *r)
{
    int64_t id;
    json_t *rec;
    if (job_param(r, &id, &rec)) return;
    pthread_mutex_lock(&mu);
    for (job *j = jobs; j; j = j->next)
        if (j->id == id && j->running) {
            double el = util_now() - j->started;
            double rate = el > 0 ? (double)j->rows / el : 0;
            double frac = j->bytes_total ? (double)j->bytes_done / (double)j->bytes_total : 0;
            json_t *p = json_pack("{s:I,s:I,s:I,s:f,s:f}", "rows", (json_int_t)j->rows, "bytes_done", (json_int_t)j->bytes_done,
                                  "bytes_total", (json_int_t)j->bytes_total, "rows_per_second", rate, "elapsed_seconds", el);
            if (frac > 0.01) json_object_set_new(p, "eta_seconds", json_real(el / frac - el));
            json_object_set_new(rec, "progress", p);
        }
    pthread_mutex_unlock(&mu);
    http_send_json(r, 200, rec);
}

void h_import_errors(http_req *r)
{
    int64_t id;
    json_t *rec;
    if (job_param(r, &id, &rec)) return;
    buf b = BUF_INIT;
    buf_puts(&b, "\xEF\xBB\xBF文件 file,行 row,列 column,字段 field,代码 code,说明,message\r\n");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "errors"), i, it)
    {
        buf_csv_field(&b, json_string_value(json_object_get(rec, "file")));
        buf_printf(&b, ",%lld,%lld,", (long long)json_integer_value(json_object_get(it, "row")),
                   (long long)json_integer_value(json_object_get(it, "column")));
        const char *f = json_string_value(json_object_get(it, "field"));
        buf_csv_field(&b, f ? f : "");
        buf_putc(&b, ',');
        const char *code = json_string_value(json_object_get(it, "code"));
        buf_csv_field(&b, code ? code : "");
        buf_putc(&b, ',');
        buf_csv_field(&b, json_string_value(json_object_get(it, "message_zh")));
        buf_putc(&b, ',');
        buf_csv_field(&b, json_string_value(json_object_get(it, "message_en")));
        buf_puts(&b, "\r\n");
    }
    json_decref(rec);
    http_send_bytes(r, 200, "text/csv; charset=utf-8", b.s, b.len, pool_printf(r->pool, "import-%lld-errors.csv", (long long)id));
    buf_free(&b);
}
