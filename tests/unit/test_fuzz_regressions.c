/* test_fuzz_regressions.c - inputs the libFuzzer targets (tests/fuzz) found
 * to break something, fed again to the code at fault.  Each input is kept
 * as found under tests/fuzz/regressions/ (TARGET-what), which tests/fuzz/
 * run.sh also replays through its target; run from the repository root.
 *
 *   json_body-malformed-utf8-message: a request body that jansson refuses
 *   with an error text quoting the input up to a byte cut inside a UTF-8
 *   character ("invalid escape near '\"\u0815\ud83d\u<E6>'").
 *   http_body_json (src/http/server.c) pasted that text into the 400
 *   message, json_string() refused the invalid UTF-8, and the problem+json
 *   went out without title, detail, message_zh and message_en.  Checked
 *   end to end: a real server on a loopback port, POST /api/v1/session (it
 *   reads the body before any authentication).
 *
 *   patxml-syntax-message-utf8: "<d><![CDATA[" and Chinese text cut short.
 *   libxml2's message ("CData section not finished" and the first bytes
 *   of the section) ends inside a character; quote() in
 *   src/import/patxml.c copied it as it was, so the import.xml_syntax
 *   message was not UTF-8 (and an import's error item lost its messages:
 *   err_item's json_string() refuses them). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "support_db.h"
#include "../../src/http/http.h"
#include "../../src/import/patxml.h"

#define REG "tests/fuzz/regressions/"

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s (run from the repository root)", path);
    buf b = BUF_INIT;
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(&b, chunk, k);
    fclose(fp);
    *n = b.len;
    buf_putc(&b, '\0');
    return buf_detach(&b);
}

/* One HTTP/1.1 request to 127.0.0.1:port; returns the whole response. */
static char *http_post(int port, const char *path, const char *body, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char *head = xasprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                           path, n);
    buf req = BUF_INIT;
    buf_puts(&req, head);
    buf_add(&req, body, n);
    free(head);
    size_t off = 0;
    while (off < req.len) {
        ssize_t k = send(fd, req.s + off, req.len - off, 0);
        assert_true(k > 0);
        off += (size_t)k;
    }
    buf_free(&req);
    buf resp = BUF_INIT;
    char chunk[4096];
    ssize_t k;
    while ((k = recv(fd, chunk, sizeof chunk, 0)) > 0) buf_add(&resp, chunk, (size_t)k);
    close(fd);
    buf_putc(&resp, '\0');
    return buf_detach(&resp);
}

static void test_malformed_json_message_utf8(void **state)
{
    (void)state;
    tdb t;
    tdb_open(&t, 1);
    store_close(t.db);
    t.db = NULL;
    free(t.admin_pw);
    t.admin_pw = NULL;
    http_config cfg = {.listen = "127.0.0.1:0", .threads = 2, .web_root = "web", .max_body = 1 << 20,
                       .db_url = t.path, .policy = {3600, 5, 10, 900}};
    server *srv = NULL;
    int port = 0;
    err e = ERR_INIT;
    T_OK(server_start(&cfg, &srv, &port, &e), &e);

    size_t n;
    char *input = slurp(REG "json_body-malformed-utf8-message", &n);
    char *body = memchr(input, '\n', n); /* the fuzz target's first line names the record type */
    assert_non_null(body);
    body++;
    /* the hazard itself: jansson's text is not UTF-8 */
    json_error_t je;
    assert_null(json_loadb(body, n - (size_t)(body - input), JSON_REJECT_DUPLICATES, &je));
    assert_false(util_utf8_valid(je.text, strlen(je.text)));

    char *resp = http_post(port, "/api/v1/session", body, n - (size_t)(body - input));
    server_stop(srv, 2);
    if (strncmp(resp, "HTTP/1.1 400", 12)) fail_msg("expected 400, got: %.200s", resp);
    char *json = strstr(resp, "\r\n\r\n");
    assert_non_null(json);
    json_t *p = json_loads(json + 4, 0, NULL);
    if (!p) fail_msg("the body is not JSON: %s", json + 4);
    assert_string_equal(json_string_value(json_object_get(p, "code")), "request.malformed_json");
    static const char *keys[] = {"title", "detail", "message_zh", "message_en"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_is_string(json_object_get(p, keys[i]))) fail_msg("no %s in %s", keys[i], json + 4);
    assert_non_null(strstr(json_string_value(json_object_get(p, "message_en")), "Malformed JSON at line 1"));
    json_decref(p);
    free(resp);
    free(input);
    tdb_rmdir(t.dir);
}

static void test_xml_syntax_message_utf8(void **state)
{
    (void)state;
    size_t n;
    char *data = slurp(REG "patxml-syntax-message-utf8", &n);
    json_t *doc = NULL;
    err e = ERR_INIT;
    assert_int_equal(patxml_parse_mem("x.xml", data, n, &doc, &e), -1);
    assert_null(doc);
    T_ERR(&e, 422, "import.xml_syntax");
    for (int l = LANG_ZH; l <= LANG_EN; l++) {
        const char *m = err_msg(&e, (lang)l);
        if (!util_utf8_valid(m, strlen(m))) fail_msg("message not UTF-8: %s", m);
        assert_non_null(strstr(m, "CData"));
    }
    /* the same through the importer: the rejected file's item keeps its messages */
    err_item_msg(&e, NULL, 1, 0, e.code, err_msg(&e, LANG_ZH), err_msg(&e, LANG_EN));
    json_t *it = json_array_get(e.items, 0);
    assert_true(json_is_string(json_object_get(it, "message_zh")) && json_is_string(json_object_get(it, "message_en")));
    err_clear(&e);
    free(data);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_json_message_utf8),
        cmocka_unit_test(test_xml_syntax_message_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
