/*
 * static.c - static files of the web console from cfg->web_root.
 * Only GET/HEAD; paths with "..", backslashes or NUL are refused; symlinks
 * leading outside the root are refused (realpath check).
 */
#include "http.h"

#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
        {".csv", "text/csv; charset=utf-8"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

static void not_found(http_req *r)
{
    err e = ERR_INIT;
    err_set(&e, 404, "not_found", "找不到页面 %s", "Not found: %s", r->url, r->url);
    http_send_error(r, &e);
    err_clear(&e);
}

void static_serve(http_req *r)
{
    err e = ERR_INIT;
    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        http_add_header(r, "Allow", "GET, HEAD");
        err_set(&e, 405, "method_not_allowed", "不支持的请求方法 %s", "Method %s is not allowed", r->method, r->method);
        http_send_error(r, &e);
        err_clear(&e);
        return;
    }
    const char *u = r->url;
    if (strstr(u, "..") || strchr(u, '\\') || u[0] != '/') {
        not_found(r);
        return;
    }
    char *rel = !strcmp(u, "/") ? pool_strdup(r->pool, "/index.html") : pool_strdup(r->pool, u);
    char *path = pool_printf(r->pool, "%s%s", r->cfg->web_root, rel);
    char root_real[PATH_MAX], file_real[PATH_MAX];
    if (!realpath(r->cfg->web_root, root_real) || !realpath(path, file_real) ||
        strncmp(file_real, root_real, strlen(root_real)) || file_real[strlen(root_real)] != '/') {
        not_found(r);
        return;
    }
    int fd = open(file_real, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        not_found(r);
        return;
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(file_real));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
    MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    r->status = 200;
    r->sent = (size_t)st.st_size;
    r->answered = 1;
}
