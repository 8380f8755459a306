/* fuzz_json_body.c - what the API does with a request body and URL
 * arguments for the record types entity, patent and user:
 *
 *   input = TYPE "\n" BODY      TYPE "entities", "patents" or "users" (any
 *                               other first line picks one by its bytes)
 *   BODY  = JSON                the path of http_body_json (src/http/
 *                               server.c), called for real; then
 *                               rec_validate() as a create and as an
 *                               update of a stored row (src/records/rec.c);
 *                               for entities and patents also
 *                               rec_create_tx() and rec_update_tx() of that
 *                               row, inside a transaction that is rolled
 *                               back (users: validation only, creating one
 *                               hashes its password with argon2id);
 *   BODY  = "?" QUERY           URL arguments ("sort=-name&name.like=x"),
 *                               read by rec_query_from_args() and listed
 *                               by rec_list(), as GET /api/v1/TYPE does.
 * The temporary database (demo region, one entity, two synthetic patents)
 * is made once per process.
 *
 * Oracles: http_body_json accepts exactly the JSON objects; the 400 err
 * of a malformed body has UTF-8 messages (they quote jansson's error text;
 * rebuilt here as server.c builds it, since that err is not reachable
 * from outside - tests/unit/test_fuzz_regressions.c checks the real
 * problem+json end to end); rec_validate gives an object of settable fields
 * of the type or a complete err whose items all carry code and messages;
 * no write or list fails with a 5xx (a constraint the validation let
 * through, or SQL built from input that SQLite refuses, would); a list has
 * at most limit items; no transaction is left open.
 * Seeds: tests/fuzz/corpus/json_body. */
#include "fuzz_common.h"

#include "../../src/domain/registry.h"
#include "../../src/http/http.h"
#include "../../src/import/importer.h"

static store *db;
static const rec_type *types[3];
static int64_t base_id[3], base_version[3];
static json_t *base_row[3];

static const char patents_csv[] =
    "申请号,专利类型,名称,摘要,申请日,授权公告日,IPC分类号,申请人,申请人地址,申请人国别,合成数据\r\n"
    "201910000001.9,发明,一种芯片封装结构（合成）,合成数据。,2019-03-01,2021-06-01,H01L 23/31;H01L 21/56,"
    "上海某科技有限公司（合成）,200030 上海市徐汇区漕宝路650号,CN,是\r\n"
    "202020000002.1,实用新型,芯片散热装置（合成）,合成数据。,2020-01-10,2020-07-01,H01L 23/367,"
    "浦东某电子有限公司（合成）,上海市浦东新区张江路100号,CN,是\r\n";

static void setup_die(const char *what, err *e)
{
    char *items = e->items ? json_dumps(e->items, JSON_COMPACT) : NULL;
    fprintf(stderr, "fuzz set-up: %s: %s %s\n", what, err_msg(e, LANG_EN), items ? items : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    fz_addr();
    db = fz_db();
    types[0] = &type_entity;
    types[1] = &type_patent;
    types[2] = &type_user;
    err e = ERR_INIT;
    json_t *rep = NULL;
    if (imp_run(db, &fz_actor, "patents.csv", NULL, patents_csv, sizeof patents_csv - 1, NULL, NULL, NULL, &rep, &e))
        setup_die("import", &e);
    json_decref(rep);
    json_t *ent = json_pack("{s:s,s:s,s:s,s:s}", "name", "上海某科技有限公司", "kind", "enterprise", "uscc",
                            "91310104MA1FR0C8P0", "address", "上海市徐汇区漕宝路650号");
    json_t *row = NULL;
    if (rec_create(db, &type_entity, &fz_actor, ent, &row, &e)) setup_die("entity", &e);
    json_decref(ent);
    base_row[0] = row;
    if (store_query_int(db, "SELECT MIN(id) FROM patents", &base_id[1], &e, 0) ||
        rec_get(db, &type_patent, &fz_actor, base_id[1], &base_row[1], &e))
        setup_die("patent", &e);
    if (store_query_int(db, "SELECT MIN(id) FROM users", &base_id[2], &e, 0) ||
        rec_get(db, &type_user, &fz_actor, base_id[2], &base_row[2], &e))
        setup_die("user", &e);
    for (int i = 0; i < 3; i++) {
        base_id[i] = json_integer_value(json_object_get(base_row[i], "id"));
        base_version[i] = json_integer_value(json_object_get(base_row[i], "version"));
    }
    return 0;
}

static void check_validated(const rec_type *t, int rc, json_t *out, err *e, const char *what)
{
    FZ_CHECK(rc == 0 || rc == -1, "%s returned %d", what, rc);
    if (rc == 0) {
        FZ_CHECK(json_is_object(out), "%s: success without an object", what);
        FZ_CHECK(!e->items || !json_array_size(e->items), "%s: success with items", what);
        const char *k;
        json_t *v;
        json_object_foreach(out, k, v)
        {
            const rec_field *f = rec_field_find(t, k);
            FZ_CHECK(f && !(f->flags & (RF_READONLY | RF_SECRET)), "%s: output key \"%s\" is not settable", what, k);
        }
    } else {
        FZ_CHECK(!out, "%s: failure with output", what);
        fz_check_err(e, what);
        FZ_CHECK(e->status == 400 || e->status == 422, "%s: status %d", what, e->status);
    }
}

static void check_write(int rc, err *e, const char *what)
{
    if (!rc) return;
    fz_check_err(e, what);
    FZ_CHECK(e->status < 500, "%s failed with %d %s: %s", what, e->status, e->code, err_msg(e, LANG_EN));
}

/* The real http_body_json() on a request that counts as answered (so
 * http_send_error builds the problem+json and sends nothing: there is no
 * connection), for its memory safety; then its error message rebuilt here
 * the same way (a mirror of server.c: the err itself is not reachable
 * from outside) and checked, since it becomes the problem's texts. */
static json_t *parse_body(const char *s, size_t n)
{
    http_req r;
    memset(&r, 0, sizeof r);
    r.answered = 1;
    r.url = "/api/v1/fuzz";
    snprintf(r.id, sizeof r.id, "fuzz");
    r.lang = n % 2 ? LANG_EN : LANG_ZH;
    r.body.s = (char *)s;
    r.body.len = n;
    json_t *real = http_body_json(&r);

    json_error_t je;
    json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
    FZ_CHECK(!real == !(j && json_is_object(j)), "http_body_json and json_loadb disagree");
    json_decref(real);
    if (!j && n) {
        size_t tl = strnlen(je.text, sizeof je.text - 1);
        while (tl && !util_utf8_valid(je.text, tl)) tl--;
        je.text[tl] = '\0';
        err e = ERR_INIT;
        err_set(&e, 400, "request.malformed_json", "JSON 格式错误（第 %d 行第 %d 列，字节 %d）：%s",
                "Malformed JSON at line %d, column %d (byte %d): %s", je.line, je.column, je.position, je.text,
                je.line, je.column, je.position, je.text);
        fz_check_err(&e, "http_body_json");
        err_clear(&e);
    }
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static void body(int ti, const char *s, size_t n)
{
    const rec_type *t = types[ti];
    json_t *j = parse_body(s, n);
    if (!j) return;
    err e = ERR_INIT;
    json_t *out = NULL;
    check_validated(t, rec_validate(t, j, NULL, 0, &out, &e), out, &e, "rec_validate (create)");
    json_decref(out);
    err_clear(&e);
    out = NULL;
    check_validated(t, rec_validate(t, j, base_row[ti], 0, &out, &e), out, &e, "rec_validate (update)");
    json_decref(out);
    err_clear(&e);
    out = NULL;

    if (t != &type_user) {
        if (store_begin(db, &e)) abort();
        check_write(rec_create_tx(db, t, &fz_actor, j, &out, &e), &e, "rec_create_tx");
        json_decref(out);
        out = NULL;
        err_clear(&e);
        store_rollback(db);
        if (store_begin(db, &e)) abort();
        check_write(rec_update_tx(db, t, &fz_actor, base_id[ti], j, base_version[ti], &out, &e), &e, "rec_update_tx");
        json_decref(out);
        err_clear(&e);
        store_rollback(db);
    }
    json_decref(j);
}

static void query(int ti, const char *s, size_t n)
{
    const rec_type *t = types[ti];
    json_t *args = fz_url_args(s, n);
    rec_query q;
    err e = ERR_INIT;
    if (rec_query_from_args(t, args, &q, &e) == 0) {
        json_t *out = NULL;
        int rc = rec_list(db, t, &fz_actor, &q, &out, &e);
        check_write(rc, &e, "rec_list");
        if (!rc) {
            int limit = q.limit ? q.limit : 50;
            json_t *items = json_object_get(out, "items");
            FZ_CHECK(json_is_array(items) && json_array_size(items) <= (size_t)limit, "%zu items, limit %d",
                     json_array_size(items), limit);
        }
        json_decref(out);
        rec_query_free(&q);
    } else {
        fz_check_err(&e, "rec_query_from_args");
        FZ_CHECK(e.status == 400, "rec_query_from_args status %d", e.status);
    }
    err_clear(&e);
    json_decref(args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tl = nl ? (size_t)(nl - data) : 0;
    int ti;
    if (tl == 8 && !memcmp(s, "entities", 8)) ti = 0;
    else if (tl == 7 && !memcmp(s, "patents", 7)) ti = 1;
    else if (tl == 5 && !memcmp(s, "users", 5)) ti = 2;
    else {
        unsigned sum = 0;
        for (size_t i = 0; i < tl; i++) sum += data[i];
        ti = (int)(sum % 3);
    }
    const char *b = nl ? (const char *)nl + 1 : s;
    size_t bn = size - (size_t)(b - s);
    if (bn && b[0] == '?') query(ti, b + 1, bn - 1);
    else body(ti, b, bn);
    FZ_CHECK(!store_in_tx(db), "a transaction was left open");
    return 0;
}
