/* test_records.c - the generic record layer (src/records/rec.h) over the
 * domain's record types (entity, department, user), each test on a fresh
 * SQLite file with the schema and the demo region. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "support_db.h"

#include "../../src/domain/accounts.h"
#include "../../src/import/table.h"
#include "../../src/records/audit.h"
#include "../../src/records/rec.h"

static const rec_actor ADMIN = {0, "tester", ROLE_ADMIN, "310104-ipa"};
static const rec_actor STC = {0, "stc-staff", ROLE_DEPT, "310104-stc"};
static const rec_actor BUREAU = {0, "bureau-staff", ROLE_BUREAU, "310104-ipa"};
static const rec_actor PUBLIC = {0, "anonymous", ROLE_PUBLIC, NULL};

/* ---- helpers -------------------------------------------------------------- */

/* Creates a row from in (consumed) and returns the stored row. */
static json_t *create_ok(store *db, const rec_type *t, const rec_actor *a, json_t *in)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    int rc = rec_create(db, t, a, in, &out, &e);
    if (rc) {
        char *items = tdb_items_text(&e);
        fail_msg("rec_create %s: %d %s %s %s", t->name, e.status, e.code, err_msg(&e, LANG_EN), items);
    }
    json_decref(in);
    assert_non_null(out);
    return out;
}

/* Tries to create a row from in (consumed); expects failure, fills e. */
static void create_fails(store *db, const rec_type *t, const rec_actor *a, json_t *in, err *e)
{
    json_t *out = (json_t *)1;
    assert_int_equal(rec_create(db, t, a, in, &out, e), -1);
    assert_null(out);
    json_decref(in);
}

static int64_t id_of(json_t *row) { return json_integer_value(json_object_get(row, "id")); }
static int64_t ver_of(json_t *row) { return json_integer_value(json_object_get(row, "version")); }
static const char *str_of(json_t *row, const char *k) { return json_string_value(json_object_get(row, k)); }

/* An entity input with a valid USCC derived from n (n = 0: no USCC). */
static json_t *entity_in(const char *name, const char *kind, unsigned n)
{
    json_t *o = json_pack("{s:s,s:s}", "name", name, "kind", kind);
    if (n) {
        char u[19];
        tdb_uscc(n, u);
        json_object_set_new(o, "uscc", json_string(u));
    }
    return o;
}

/* Lists with URL-style arguments (consumed); returns the result or NULL
 * with e filled. */
static json_t *list_args(store *db, const rec_type *t, const rec_actor *a, json_t *args, err *e)
{
    rec_query q;
    json_t *out = NULL;
    if (rec_query_from_args(t, args, &q, e) == 0) {
        if (rec_list(db, t, a, &q, &out, e)) out = NULL;
        rec_query_free(&q);
    }
    json_decref(args);
    return out;
}

static json_t *list_ok(store *db, const rec_type *t, const rec_actor *a, json_t *args)
{
    err e = ERR_INIT;
    json_t *out = list_args(db, t, a, args, &e);
    if (!out) fail_msg("list %s: %d %s %s", t->name, e.status, e.code, err_msg(&e, LANG_EN));
    return out;
}

/* The "name" values of a list result joined with '|'. */
static char *names_of(json_t *res, const char *field)
{
    buf b = BUF_INIT;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(res, "items"), i, it)
    {
        if (i) buf_putc(&b, '|');
        const char *s = str_of(it, field);
        buf_puts(&b, s ? s : "(null)");
    }
    return buf_detach(&b);
}

static void assert_names(json_t *res, const char *field, const char *want)
{
    char *got = names_of(res, field);
    if (strcmp(got, want)) fail_msg("got \"%s\", want \"%s\"", got, want);
    free(got);
}

static int64_t sql_int(store *db, const char *fmt, ...)
{
    char sql[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return tdb_int(db, sql);
}

/* Text of one column of one row (heap; NULL for SQL NULL). */
static char *sql_text(store *db, const char *sql, int64_t id)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, sql, &e);
    assert_non_null(st);
    store_bind_int(st, 1, id);
    assert_int_equal(store_step(st, &e), 1);
    char *s = xstrdup(store_col_text(st, 0));
    store_done(st);
    return s;
}

/* ---- create / get / update / delete ------------------------------------- */

static void test_crud(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    char u[19];
    tdb_uscc(1001, u);
    char lower[40];
    snprintf(lower, sizeof lower, " %s\xE3\x80\x80", u);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:n,s:I,s:I}", "name", "\xE3\x80\x80上海某某科技有限公司 ", "kind",
                           "enterprise", "uscc", lower, "established", "2015-03-01", "region_code", "310104",
                           "legal_rep", "id", (json_int_t)999, "version", (json_int_t)77);
    json_t *row = create_ok(db, &type_entity, &ADMIN, in);
    int64_t id = id_of(row);
    assert_true(id > 0);
    assert_int_equal(ver_of(row), 1); /* id and version of the input are ignored */
    assert_true(id != 999);
    assert_string_equal(str_of(row, "name"), "上海某某科技有限公司"); /* trimmed, U+3000 too */
    assert_string_equal(str_of(row, "uscc"), u);                      /* normalised */
    assert_string_equal(str_of(row, "kind"), "enterprise");
    assert_string_equal(str_of(row, "established"), "2015-03-01");
    assert_string_equal(str_of(row, "region_code"), "310104");
    assert_true(json_is_null(json_object_get(row, "legal_rep")));
    assert_true(json_is_null(json_object_get(row, "name_en")));
    assert_string_equal(str_of(row, "dept"), "310104-ipa"); /* the actor's */
    assert_string_equal(str_of(row, "created_by"), "tester");
    assert_string_equal(str_of(row, "updated_by"), "tester");
    assert_int_equal(util_datetime_valid(str_of(row, "created_at")), 0);
    assert_string_equal(str_of(row, "created_at"), str_of(row, "updated_at"));
    assert_null(json_object_get(row, "deleted_at"));
    /* 8 standard columns minus deleted_at, plus the 11 fields */
    assert_int_equal(json_object_size(row), 7 + 11);

    json_t *got = NULL;
    T_OK(rec_get(db, &type_entity, &ADMIN, id, &got, &e), &e);
    assert_true(json_equal(got, row));
    json_decref(got);

    /* update: set one field, clear another, the rest stays */
    json_t *patch = json_pack("{s:s,s:n,s:s}", "address", "徐汇区漕溪北路 1 号", "region_code", "name_en", "ACME");
    json_t *upd = NULL;
    const rec_actor other = {0, "editor", ROLE_ADMIN, "310104-ipa"};
    T_OK(rec_update(db, &type_entity, &other, id, patch, 1, &upd, &e), &e);
    json_decref(patch);
    assert_int_equal(ver_of(upd), 2);
    assert_string_equal(str_of(upd, "address"), "徐汇区漕溪北路 1 号");
    assert_true(json_is_null(json_object_get(upd, "region_code")));
    assert_string_equal(str_of(upd, "name_en"), "ACME");
    assert_string_equal(str_of(upd, "name"), "上海某某科技有限公司");
    assert_string_equal(str_of(upd, "uscc"), u);
    assert_string_equal(str_of(upd, "created_by"), "tester");
    assert_string_equal(str_of(upd, "updated_by"), "editor");
    assert_string_equal(str_of(upd, "created_at"), str_of(row, "created_at"));
    assert_int_equal(sql_int(db, "SELECT version FROM entities WHERE id = %lld", (long long)id), 2);

    /* stale version: 412 and nothing changes */
    patch = json_pack("{s:s}", "address", "should not be written");
    json_t *out = (json_t *)1;
    assert_int_equal(rec_update(db, &type_entity, &ADMIN, id, patch, 1, &out, &e), -1);
    json_decref(patch);
    assert_null(out);
    T_ERR(&e, 412, "conflict.stale");
    assert_non_null(strstr(err_msg(&e, LANG_EN), "current version 2, yours 1"));
    err_clear(&e);
    T_OK(rec_get(db, &type_entity, &ADMIN, id, &got, &e), &e);
    assert_true(json_equal(got, upd));
    json_decref(got);
    /* a version from the future is stale as well */
    patch = json_pack("{s:s}", "address", "x");
    assert_int_equal(rec_update(db, &type_entity, &ADMIN, id, patch, 3, &out, &e), -1);
    json_decref(patch);
    T_ERR(&e, 412, "conflict.stale");
    err_clear(&e);

    /* delete: stale first, then for real (soft) */
    assert_int_equal(rec_delete(db, &type_entity, &ADMIN, id, 1, &e), -1);
    T_ERR(&e, 412, "conflict.stale");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities WHERE deleted_at IS NULL"), 1);
    T_OK(rec_delete(db, &type_entity, &ADMIN, id, 2, &e), &e);
    assert_int_equal(rec_get(db, &type_entity, &ADMIN, id, &got, &e), -1);
    assert_null(got);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);
    /* the row is still stored, marked deleted, version bumped */
    assert_int_equal(sql_int(db,
                             "SELECT COUNT(*) FROM entities WHERE id = %lld AND deleted_at IS NOT NULL"
                             " AND version = 3 AND updated_by = 'tester'",
                             (long long)id),
                     1);
    json_t *res = list_ok(db, &type_entity, &ADMIN, json_object());
    assert_int_equal(json_array_size(json_object_get(res, "items")), 0);
    json_decref(res);
    /* a deleted row can be neither updated nor deleted again */
    patch = json_pack("{s:s}", "address", "x");
    assert_int_equal(rec_update(db, &type_entity, &ADMIN, id, patch, 3, &out, &e), -1);
    json_decref(patch);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);
    assert_int_equal(rec_delete(db, &type_entity, &ADMIN, id, 3, &e), -1);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);
    /* unknown id */
    assert_int_equal(rec_get(db, &type_entity, &ADMIN, 424242, &got, &e), -1);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);

    /* a deleted row's unique value may be used again by a live row */
    json_t *again = create_ok(db, &type_entity, &ADMIN, entity_in("新主体", "enterprise", 1001));
    assert_string_equal(str_of(again, "uscc"), u);
    assert_true(id_of(again) != id);
    json_decref(again);
    json_decref(row);
    json_decref(upd);
}

static void test_unique_and_refs(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_t *a = create_ok(db, &type_entity, &ADMIN, entity_in("甲", "enterprise", 7));
    int64_t before = sql_int(db, "SELECT COUNT(*) FROM entities");
    int64_t audits = sql_int(db, "SELECT COUNT(*) FROM audit_log");
    create_fails(db, &type_entity, &ADMIN, entity_in("乙", "enterprise", 7), &e);
    T_ERR(&e, 409, "conflict.unique");
    assert_string_equal(e.field, "uscc");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), before);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM audit_log"), audits);
    /* updating another row to the same value is refused too */
    json_t *b = create_ok(db, &type_entity, &ADMIN, entity_in("乙", "enterprise", 8));
    char u7[19];
    tdb_uscc(7, u7);
    json_t *patch = json_pack("{s:s}", "uscc", u7), *out = NULL;
    assert_int_equal(rec_update(db, &type_entity, &ADMIN, id_of(b), patch, 1, &out, &e), -1);
    json_decref(patch);
    T_ERR(&e, 409, "conflict.unique");
    assert_string_equal(e.field, "uscc");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT version FROM entities WHERE id = %lld", (long long)id_of(b)), 1);

    /* an owning department that does not exist */
    json_t *in = entity_in("丙", "enterprise", 9);
    json_object_set_new(in, "dept", json_string("310104-nope"));
    create_fails(db, &type_entity, &ADMIN, in, &e);
    T_ERR(&e, 422, "validation.failed");
    T_ITEM(&e, "dept", "validation.reference");
    err_clear(&e);
    /* an existing one */
    in = entity_in("丙", "enterprise", 9);
    json_object_set_new(in, "dept", json_string("310104-court"));
    json_t *c = create_ok(db, &type_entity, &ADMIN, in);
    assert_string_equal(str_of(c, "dept"), "310104-court");

    /* department codes are unique forever, deleted ones too */
    json_t *d = create_ok(db, &type_department, &ADMIN,
                          json_pack("{s:s,s:s,s:s}", "code", "310104-Temp", "name_zh", "临时部门", "kind", "other"));
    assert_string_equal(str_of(d, "code"), "310104-temp"); /* lower-cased */
    assert_string_equal(str_of(d, "dept"), "310104-temp"); /* owns itself */
    T_OK(rec_delete(db, &type_department, &ADMIN, id_of(d), 1, &e), &e);
    create_fails(db, &type_department, &ADMIN,
                 json_pack("{s:s,s:s,s:s}", "code", "310104-temp", "name_zh", "临时部门二", "kind", "other"), &e);
    T_ERR(&e, 409, "conflict.unique");
    assert_string_equal(e.field, "code");
    err_clear(&e);
    /* the code of a department cannot change */
    json_t *court = NULL;
    int64_t court_id = sql_int(db, "SELECT id FROM departments WHERE code = '310104-court'");
    patch = json_pack("{s:s}", "code", "310104-court2");
    assert_int_equal(rec_update(db, &type_department, &ADMIN, court_id, patch, 1, &court, &e), -1);
    json_decref(patch);
    T_ITEM(&e, "code", "validation.immutable");
    err_clear(&e);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

/* ---- validation ------------------------------------------------------------ */

static void test_validation_items(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    int64_t n0 = sql_int(db, "SELECT COUNT(*) FROM entities");

    /* everything wrong at once: every problem is an item */
    char bad_uscc[19];
    tdb_uscc(5, bad_uscc);
    bad_uscc[17] = bad_uscc[17] == '0' ? '1' : '0';
    json_t *in = json_pack("{s:i,s:s,s:s,s:i,s:s,s:s,s:b}", "name", 123, "kind", "company", "uscc", bad_uscc,
                           "established", 20200101, "region_code", "000000", "color", "red", "legal_rep", 1);
    create_fails(db, &type_entity, &ADMIN, in, &e);
    T_ERR(&e, 422, "validation.failed");
    T_ITEM(&e, "name", "validation.type");
    T_ITEM(&e, "kind", "validation.enum");
    T_ITEM(&e, "uscc", "validation.uscc_check");
    T_ITEM(&e, "established", "validation.type");
    T_ITEM(&e, "region_code", "validation.region_code");
    T_ITEM(&e, "color", "validation.unknown_field");
    T_ITEM(&e, "legal_rep", "validation.type");
    assert_int_equal(json_array_size(e.items), 7); /* "name" is not also reported as missing */
    int k = tdb_item_find(&e, "kind", "validation.enum");
    const char *msg = json_string_value(json_object_get(json_array_get(e.items, (size_t)k), "message_zh"));
    assert_non_null(strstr(msg, "enterprise（企业）"));
    err_clear(&e);

    /* missing required fields */
    create_fails(db, &type_entity, &ADMIN, json_object(), &e);
    T_ITEM(&e, "name", "validation.required");
    T_ITEM(&e, "kind", "validation.required");
    assert_int_equal(json_array_size(e.items), 2);
    err_clear(&e);
    create_fails(db, &type_entity, &ADMIN, json_pack("{s:s,s:s}", "name", "  \t", "kind", "enterprise"), &e);
    T_ITEM(&e, "name", "validation.required");
    err_clear(&e);

    /* text length counts code points: 200 Chinese characters fit */
    buf name = BUF_INIT;
    for (int i = 0; i < 200; i++) buf_puts(&name, "汉");
    json_t *ok = create_ok(db, &type_entity, &ADMIN, entity_in(name.s, "enterprise", 0));
    assert_int_equal(strlen(str_of(ok, "name")), 600);
    json_decref(ok);
    buf_puts(&name, "字");
    create_fails(db, &type_entity, &ADMIN, entity_in(name.s, "enterprise", 0), &e);
    T_ITEM(&e, "name", "validation.too_long");
    k = tdb_item_find(&e, "name", "validation.too_long");
    msg = json_string_value(json_object_get(json_array_get(e.items, (size_t)k), "message_en"));
    assert_non_null(strstr(msg, "at most 200 characters, got 201"));
    err_clear(&e);
    buf_free(&name);

    /* dates */
    static const char *bad_dates[] = {"2021-02-30", "1900-02-29", "2021/06/01", "2021-6-1", "yesterday"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        in = entity_in("日期", "enterprise", 0);
        json_object_set_new(in, "established", json_string(bad_dates[i]));
        create_fails(db, &type_entity, &ADMIN, in, &e);
        T_ITEM(&e, "established", "validation.date");
        assert_int_equal(json_array_size(e.items), 1);
        err_clear(&e);
    }
    in = entity_in("闰日", "enterprise", 0);
    json_object_set_new(in, "established", json_string("2000-02-29"));
    ok = create_ok(db, &type_entity, &ADMIN, in);
    assert_string_equal(str_of(ok, "established"), "2000-02-29");
    json_decref(ok);

    /* USCC: length and charset */
    in = entity_in("码", "enterprise", 0);
    json_object_set_new(in, "uscc", json_string("91310104ABC"));
    create_fails(db, &type_entity, &ADMIN, in, &e);
    T_ITEM(&e, "uscc", "validation.uscc_length");
    err_clear(&e);
    in = entity_in("码", "enterprise", 0);
    json_object_set_new(in, "uscc", json_string("91310104MA1FL0000O")); /* O is not allowed */
    create_fails(db, &type_entity, &ADMIN, in, &e);
    T_ITEM(&e, "uscc", "validation.uscc_charset");
    err_clear(&e);

    /* not an object */
    json_t *arr = json_array();
    create_fails(db, &type_entity, &ADMIN, arr, &e);
    T_ERR(&e, 400, "request.not_object");
    err_clear(&e);

    /* required field emptied by an update; unknown field in an update */
    json_t *row = create_ok(db, &type_entity, &ADMIN, entity_in("可更新", "enterprise", 0));
    json_t *patch = json_pack("{s:s,s:s}", "name", "", "colour", "x"), *out = NULL;
    assert_int_equal(rec_update(db, &type_entity, &ADMIN, id_of(row), patch, 1, &out, &e), -1);
    json_decref(patch);
    T_ITEM(&e, "name", "validation.required");
    T_ITEM(&e, "colour", "validation.unknown_field");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT version FROM entities WHERE id = %lld", (long long)id_of(row)), 1);
    json_decref(row);

    /* nothing of the failed creates was written */
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), n0 + 3);
}

/* A required text field holding only ideographic spaces (U+3000) is as
 * empty as one holding ASCII spaces: util_trim() removes both, so the
 * value must be reported as missing, not stored as "". */
static void test_validation_fullwidth_blank(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    int64_t n0 = sql_int(db, "SELECT COUNT(*) FROM entities");
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s}", "name", "\xE3\x80\x80\xE3\x80\x80", "kind", "enterprise");
    int rc = rec_create(db, &type_entity, &ADMIN, in, &out, &e);
    json_decref(in);
    if (rc == 0) {
        char *s = json_dumps(out, JSON_COMPACT);
        json_decref(out);
        fail_msg("a name of two U+3000 spaces was accepted and stored: %s", s);
    }
    T_ITEM(&e, "name", "validation.required");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), n0);
}

/* Import cells: dates in the accepted spellings are normalised; a cell
 * with anything after the date is not silently cut to a valid date. */
static void test_cell_to_json(void **state)
{
    (void)state;
    err e = ERR_INIT;
    const rec_field *est = rec_field_find(&type_entity, "established");
    const rec_field *kind = rec_field_find(&type_entity, "kind");
    const rec_field *dis = rec_field_find(&type_user, "disabled");
    static const struct {
        const char *in, *out;
    } dates[] = {{"2021-06-01", "2021-06-01"},
                 {"2021/6/1", "2021-06-01"},
                 {"2021.6.1", "2021-06-01"},
                 {"2021年6月1日", "2021-06-01"},
                 {" 2021-06-01\xE3\x80\x80", "2021-06-01"}};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        json_t *v = rec_cell_to_json(est, dates[i].in, 2, 3, &e);
        assert_non_null(v);
        assert_string_equal(json_string_value(v), dates[i].out);
        json_decref(v);
    }
    json_t *v = rec_cell_to_json(est, "\xE3\x80\x80 ", 2, 3, &e);
    assert_true(json_is_null(v)); /* blank cell */
    json_decref(v);
    v = rec_cell_to_json(kind, "高校", 2, 3, &e);
    assert_string_equal(json_string_value(v), "university");
    json_decref(v);
    v = rec_cell_to_json(kind, "Research Institute", 2, 3, &e);
    assert_string_equal(json_string_value(v), "institute");
    json_decref(v);
    v = rec_cell_to_json(dis, "是", 2, 3, &e);
    assert_true(json_is_true(v));
    json_decref(v);
    v = rec_cell_to_json(dis, "否", 2, 3, &e);
    assert_true(json_is_false(v));
    json_decref(v);
    assert_false(err_isset(&e));
    v = rec_cell_to_json(dis, "也许", 4, 6, &e);
    assert_null(v);
    T_ERR(&e, 422, "validation.failed");
    json_t *it = json_array_get(e.items, 0);
    assert_string_equal(json_string_value(json_object_get(it, "field")), "disabled");
    assert_int_equal(json_integer_value(json_object_get(it, "row")), 4);
    assert_int_equal(json_integer_value(json_object_get(it, "column")), 6);
    assert_string_equal(json_string_value(json_object_get(it, "code")), "validation.type");
    err_clear(&e);

    /* trailing garbage after a date must not vanish */
    static const char *bad[] = {"2021-06-01xyz", "2021-6-1 备注", "2021/6/1/2"};
    buf wrong = BUF_INIT;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = rec_cell_to_json(est, bad[i], 2, 3, &e);
        const char *s = v ? json_string_value(v) : NULL;
        if (s && !util_date_parse(s, NULL)) buf_printf(&wrong, " \"%s\" -> \"%s\";", bad[i], s);
        json_decref(v);
        err_clear(&e);
    }
    if (wrong.len) fail_msg("cells became valid dates:%s", wrong.s);
}

/* ---- lists ----------------------------------------------------------------- */

static void make_list_rows(store *db)
{
    static const struct {
        const char *name, *kind, *est;
    } rows[] = {
        {"b 科技", "enterprise", "2019-05-01"},  {"a 大学", "university", "2020-01-01"},
        {"c 研究所", "institute", "2021-07-15"}, {"b 科技", "enterprise", NULL},
        {"d 服务", "agency", "2020-01-02"},      {"a 大学", "university", "2018-12-31"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *in = entity_in(rows[i].name, rows[i].kind, (unsigned)(100 + i));
        if (rows[i].est) json_object_set_new(in, "established", json_string(rows[i].est));
        json_decref(create_ok(db, &type_entity, &ADMIN, in));
    }
}

static void test_list_filters(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    make_list_rows(db);
    err e = ERR_INIT;
    json_t *r;

    r = list_ok(db, &type_entity, &ADMIN, json_object());
    assert_names(r, "name", "b 科技|a 大学|c 研究所|b 科技|d 服务|a 大学"); /* default: by id */
    assert_true(json_is_null(json_object_get(r, "next_cursor")));
    assert_null(json_object_get(r, "total"));
    json_decref(r);

    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "kind", "university"));
    assert_names(r, "name", "a 大学|a 大学");
    json_decref(r);
    /* an enum filter accepts the label too */
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "kind", "科研院所"));
    assert_names(r, "name", "c 研究所");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "kind.in", "university,agency"));
    assert_names(r, "name", "a 大学|d 服务|a 大学");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "kind.ne", "enterprise"));
    assert_names(r, "name", "a 大学|c 研究所|d 服务|a 大学");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "established.gte", "2020-01-01"));
    assert_names(r, "established", "2020-01-01|2021-07-15|2020-01-02");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "established.lt", "2020/1/1"));
    assert_names(r, "established", "2019-05-01|2018-12-31");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "established.null", "true"));
    assert_names(r, "name", "b 科技");
    json_decref(r);
    /* like: substring; % _ and \ typed by the user match only themselves */
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "dept.like", "104-IP"));
    assert_int_equal(json_array_size(json_object_get(r, "items")), 6);
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "created_by.like", "%"));
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "created_by.like", "t_ster"));
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    json_decref(r);
    /* q searches the RF_SEARCH fields */
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "q", "科技"));
    assert_names(r, "name", "b 科技|b 科技");
    json_decref(r);
    /* combined filters, with the total */
    r = list_ok(db, &type_entity, &ADMIN,
                json_pack("{s:s,s:s,s:s,s:s}", "kind.in", "enterprise,university", "established.gte", "2019-01-01",
                          "count", "true", "limit", "1"));
    assert_names(r, "established", "2019-05-01");
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
    assert_true(json_is_string(json_object_get(r, "next_cursor")));
    assert_int_equal(json_integer_value(json_object_get(r, "limit")), 1);
    json_decref(r);

    /* bad arguments */
    static const char *bad[][2] = {
        {"name", "x"},         /* not a filter field */
        {"colour", "red"},     /* unknown */
        {"kind.between", "a"}, /* unknown operator */
        {"limit", "0"},        {"limit", "1001"},   {"limit", "ten"},
        {"sort", "address"},   {"sort", "-colour"}, {"cursor", "@@@"},
    };
    static const char *codes[] = {"query.unknown_parameter",
                                  "query.unknown_parameter",
                                  "query.unknown_parameter",
                                  "query.limit",
                                  "query.limit",
                                  "query.limit",
                                  "query.sort",
                                  "query.sort",
                                  "query.cursor"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *res = list_args(db, &type_entity, &ADMIN, json_pack("{s:s}", bad[i][0], bad[i][1]), &e);
        if (res) fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
        T_ERR(&e, 400, codes[i]);
        err_clear(&e);
    }
}

static void test_list_sort_ties(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    make_list_rows(db);
    /* ids are 1..6 in creation order */
    json_t *r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "sort", "name"));
    assert_names(r, "name", "a 大学|a 大学|b 科技|b 科技|c 研究所|d 服务");
    char *ids = NULL;
    {
        buf b = BUF_INIT;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r, "items"), i, it) buf_printf(&b, "%lld ", (long long)id_of(it));
        ids = buf_detach(&b);
    }
    assert_string_equal(ids, "2 6 1 4 3 5 "); /* ties by id ascending */
    free(ids);
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "sort", "-name"));
    assert_names(r, "name", "d 服务|c 研究所|b 科技|b 科技|a 大学|a 大学");
    {
        buf b = BUF_INIT;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r, "items"), i, it) buf_printf(&b, "%lld ", (long long)id_of(it));
        ids = buf_detach(&b);
    }
    assert_string_equal(ids, "5 3 4 1 6 2 "); /* ties by id descending */
    free(ids);
    json_decref(r);
    /* NULL dates sort first ascending, last descending */
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "sort", "established"));
    assert_names(r, "established", "(null)|2018-12-31|2019-05-01|2020-01-01|2020-01-02|2021-07-15");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "sort", "-established"));
    assert_names(r, "established", "2021-07-15|2020-01-02|2020-01-01|2019-05-01|2018-12-31|(null)");
    json_decref(r);
    r = list_ok(db, &type_entity, &ADMIN, json_pack("{s:s}", "sort", "-id"));
    assert_names(r, "name", "a 大学|d 服务|b 科技|c 研究所|a 大学|b 科技");
    json_decref(r);
}

/* ---- cursor pagination over 250 rows ----------------------------------- */

#define NROWS 250

typedef struct prow {
    int64_t id;
    char name[32];
    char est[16]; /* "" = NULL */
} prow;

static prow prows[NROWS];
static const char *psort;
static int pdesc;

static int prow_cmp(const void *va, const void *vb)
{
    const prow *a = va, *b = vb;
    int c = !strcmp(psort, "name")          ? strcmp(a->name, b->name)
            : !strcmp(psort, "established") ? strcmp(a->est, b->est)
                                            : 0;
    if (!c) c = a->id < b->id ? -1 : a->id > b->id;
    return pdesc ? -c : c;
}

static void walk_pages(store *db, const char *sort, int limit)
{
    int desc = sort[0] == '-';
    psort = desc ? sort + 1 : sort;
    pdesc = desc;
    prow want[NROWS];
    memcpy(want, prows, sizeof want);
    qsort(want, NROWS, sizeof want[0], prow_cmp);

    int seen[NROWS + 1] = {0};
    int got = 0, pages = 0;
    char *cursor = NULL;
    for (;;) {
        rec_query q = {0};
        q.sort = sort;
        q.limit = limit;
        q.cursor = cursor;
        json_t *out = NULL;
        err e = ERR_INIT;
        T_OK(rec_list(db, &type_entity, &ADMIN, &q, &out, &e), &e);
        pages++;
        json_t *items = json_object_get(out, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            int64_t id = id_of(it);
            assert_true(id >= 1 && id <= NROWS);
            if (seen[id]++) fail_msg("sort %s: row %lld seen twice (page %d)", sort, (long long)id, pages);
            if (got >= NROWS) fail_msg("sort %s: too many rows", sort);
            if (want[got].id != id)
                fail_msg("sort %s: position %d is row %lld, want %lld", sort, got, (long long)id,
                         (long long)want[got].id);
            got++;
        }
        json_t *next = json_object_get(out, "next_cursor");
        free(cursor);
        cursor = NULL;
        if (json_is_string(next)) {
            assert_int_equal(json_array_size(items), (size_t)limit); /* only full pages have a next page */
            cursor = xstrdup(json_string_value(next));
        } else
            assert_true(json_is_null(next));
        json_decref(out);
        if (!cursor) break;
        assert_true(pages <= NROWS);
    }
    assert_int_equal(got, NROWS);
    assert_int_equal(pages, (NROWS + limit - 1) / limit);
}

static void test_cursor_pagination(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    T_OK(store_begin(db, &e), &e);
    for (int i = 0; i < NROWS; i++) {
        prow *p = &prows[i];
        snprintf(p->name, sizeof p->name, "主体%02d", (i * 37) % 50); /* every name 5 times */
        p->est[0] = '\0';
        json_t *in = entity_in(p->name, "enterprise", 0);
        if (i % 3) {
            util_date_format(util_days_from_civil(2000, 1, 1) + (i * 13) % 97, p->est, sizeof p->est);
            json_object_set_new(in, "established", json_string(p->est));
        }
        json_t *out = NULL;
        T_OK(rec_create_tx(db, &type_entity, &ADMIN, in, &out, &e), &e);
        p->id = id_of(out);
        assert_int_equal(p->id, i + 1);
        json_decref(in);
        json_decref(out);
    }
    T_OK(store_commit(db, &e), &e);

    walk_pages(db, "name", 7);
    walk_pages(db, "-name", 7);
    walk_pages(db, "established", 7);
    walk_pages(db, "-established", 7);
    walk_pages(db, "id", 7);
    walk_pages(db, "-id", 7);
    walk_pages(db, "name", 250); /* one full page, no next cursor */
    walk_pages(db, "-name", 1000);

    /* a cursor from a page of a name sort, reused with the filter kept */
    rec_query q = {0};
    q.limit = 7;
    q.sort = "name";
    q.filters = json_pack("{s:s}", "established.null", "true");
    q.count = 1;
    json_t *out = NULL;
    T_OK(rec_list(db, &type_entity, &ADMIN, &q, &out, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(out, "total")), 84); /* i % 3 == 0 for 0..249 */
    json_decref(out);
    rec_query_free(&q);

    /* a damaged cursor */
    q = (rec_query){0};
    q.cursor = "bm90IGpzb24";
    assert_int_equal(rec_list(db, &type_entity, &ADMIN, &q, &out, &e), -1);
    T_ERR(&e, 400, "query.cursor");
    err_clear(&e);
}

/* ---- access by role -------------------------------------------------------- */

static void test_role_scopes(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    int64_t ids[5];
    const char *depts[5] = {"310104-stc", "310104-ipa", "310104-stc", "310104-ipa", "310104-court"};
    for (int i = 0; i < 5; i++) {
        json_t *in = entity_in(i % 2 ? "别的部门主体" : "科委主体", "enterprise", (unsigned)(300 + i));
        json_object_set_new(in, "dept", json_string(depts[i]));
        json_t *out = create_ok(db, &type_entity, &ADMIN, in);
        ids[i] = id_of(out);
        json_decref(out);
    }

    /* a department user sees only its own rows */
    json_t *r = list_ok(db, &type_entity, &STC, json_pack("{s:s}", "count", "1"));
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
    assert_names(r, "dept", "310104-stc|310104-stc");
    json_decref(r);
    /* even when it asks for another department's rows */
    r = list_ok(db, &type_entity, &STC, json_pack("{s:s}", "dept", "310104-ipa"));
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    json_decref(r);
    json_t *got = NULL;
    T_OK(rec_get(db, &type_entity, &STC, ids[0], &got, &e), &e);
    assert_string_equal(str_of(got, "dept"), "310104-stc");
    json_decref(got);
    assert_int_equal(rec_get(db, &type_entity, &STC, ids[1], &got, &e), -1);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);

    /* writing: only its own department */
    json_t *in = entity_in("越权创建", "enterprise", 0);
    json_object_set_new(in, "dept", json_string("310104-ipa"));
    create_fails(db, &type_entity, &STC, in, &e);
    T_ERR(&e, 403, "auth.forbidden_dept");
    err_clear(&e);
    json_t *own = create_ok(db, &type_entity, &STC, entity_in("本部门创建", "enterprise", 0));
    assert_string_equal(str_of(own, "dept"), "310104-stc");
    assert_string_equal(str_of(own, "created_by"), "stc-staff");
    json_t *patch = json_pack("{s:s}", "address", "x"), *out = NULL;
    assert_int_equal(rec_update(db, &type_entity, &STC, ids[1], patch, 1, &out, &e), -1);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);
    json_decref(patch);
    /* moving an own row to another department */
    patch = json_pack("{s:s}", "dept", "310104-ipa");
    assert_int_equal(rec_update(db, &type_entity, &STC, ids[0], patch, 1, &out, &e), -1);
    T_ERR(&e, 403, "auth.forbidden_dept");
    err_clear(&e);
    json_decref(patch);
    assert_int_equal(rec_delete(db, &type_entity, &STC, ids[1], 1, &e), -1);
    T_ERR(&e, 404, "record.not_found");
    err_clear(&e);
    T_OK(rec_delete(db, &type_entity, &STC, ids[2], 1, &e), &e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities WHERE deleted_at IS NULL"), 5);

    /* the public may not read entities at all */
    assert_int_equal(rec_get(db, &type_entity, &PUBLIC, ids[0], &got, &e), -1);
    T_ERR(&e, 403, "auth.forbidden");
    err_clear(&e);
    r = list_args(db, &type_entity, &PUBLIC, json_object(), &e);
    assert_null(r);
    T_ERR(&e, 403, "auth.forbidden");
    err_clear(&e);
    create_fails(db, &type_entity, &PUBLIC, entity_in("公众", "enterprise", 0), &e);
    T_ERR(&e, 403, "auth.forbidden");
    err_clear(&e);
    /* ...but may read regions */
    r = list_ok(db, &type_region, &PUBLIC, json_pack("{s:s,s:s}", "code.in", "310104,310100,310000", "sort", "-code"));
    assert_names(r, "code", "310104|310100|310000");
    assert_names(r, "name_zh", "徐汇区|市辖区|上海市");
    json_decref(r);

    /* bureau staff read everything, may not write departments */
    r = list_ok(db, &type_entity, &BUREAU, json_pack("{s:s}", "count", "1"));
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 5);
    json_decref(r);
    create_fails(db, &type_department, &BUREAU,
                 json_pack("{s:s,s:s,s:s}", "code", "310104-x", "name_zh", "某部门", "kind", "other"), &e);
    T_ERR(&e, 403, "auth.forbidden");
    err_clear(&e);
    json_decref(own);
}

/* ---- users ---------------------------------------------------------------- */

static void test_users(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_t *u = create_ok(db, &type_user, &ADMIN,
                          json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "Alice.W", "display_name", "王丽", "role", "dept",
                                    "password", "correct horse", "dept", "310104-stc"));
    int64_t id = id_of(u);
    assert_string_equal(str_of(u, "name"), "alice.w"); /* lower-cased */
    assert_string_equal(str_of(u, "role"), "dept");
    assert_string_equal(str_of(u, "dept"), "310104-stc");
    assert_true(json_is_false(json_object_get(u, "disabled")));
    assert_null(json_object_get(u, "password"));
    assert_null(json_object_get(u, "password_hash"));
    json_t *got = NULL;
    T_OK(rec_get(db, &type_user, &ADMIN, id, &got, &e), &e);
    assert_null(json_object_get(got, "password"));
    assert_null(json_object_get(got, "password_hash"));
    assert_true(json_equal(got, u));
    json_decref(got);
    /* the stored hash is argon2id and verifies the password */
    char *hash = sql_text(db, "SELECT password_hash FROM users WHERE id = ?", id);
    assert_non_null(hash);
    assert_memory_equal(hash, "$argon2id$", 10);
    assert_int_equal(crypto_pwhash_str_verify(hash, "correct horse", 13), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "wrong horse", 11), 0);
    /* lists never carry the hash either */
    json_t *r = list_ok(db, &type_user, &ADMIN, json_pack("{s:s}", "sort", "name"));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r, "items"), i, it)
    {
        assert_null(json_object_get(it, "password_hash"));
        assert_null(json_object_get(it, "password"));
    }
    assert_names(r, "name", "admin|alice.w");
    json_decref(r);

    /* a 5-character password is refused, nothing written */
    int64_t n0 = sql_int(db, "SELECT COUNT(*) FROM users");
    create_fails(
        db, &type_user, &ADMIN,
        json_pack("{s:s,s:s,s:s,s:s}", "name", "bob", "display_name", "鲍勃", "role", "dept", "password", "12345"), &e);
    T_ERR(&e, 422, "validation.failed");
    T_ITEM(&e, "password", "validation.password");
    err_clear(&e);
    /* the password is required; the hash may not be set */
    create_fails(db, &type_user, &ADMIN,
                 json_pack("{s:s,s:s,s:s,s:s}", "name", "bob", "display_name", "鲍勃", "role", "dept", "password_hash",
                           "$argon2id$forged"),
                 &e);
    T_ITEM(&e, "password", "validation.required");
    T_ITEM(&e, "password_hash", "validation.readonly");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM users"), n0);

    /* an update without a password keeps the hash */
    json_t *patch = json_pack("{s:s}", "display_name", "王丽丽"), *out = NULL;
    T_OK(rec_update(db, &type_user, &ADMIN, id, patch, 1, &out, &e), &e);
    json_decref(patch);
    assert_string_equal(str_of(out, "display_name"), "王丽丽");
    assert_null(json_object_get(out, "password_hash"));
    json_decref(out);
    char *hash2 = sql_text(db, "SELECT password_hash FROM users WHERE id = ?", id);
    assert_string_equal(hash2, hash);
    free(hash2);
    /* a short new password is refused, a good one replaces the hash */
    patch = json_pack("{s:s}", "password", "short");
    assert_int_equal(rec_update(db, &type_user, &ADMIN, id, patch, 2, &out, &e), -1);
    json_decref(patch);
    T_ITEM(&e, "password", "validation.password");
    err_clear(&e);
    patch = json_pack("{s:s}", "password", "new password 2");
    T_OK(rec_update(db, &type_user, &ADMIN, id, patch, 2, &out, &e), &e);
    json_decref(patch);
    json_decref(out);
    hash2 = sql_text(db, "SELECT password_hash FROM users WHERE id = ?", id);
    assert_string_not_equal(hash2, hash);
    assert_int_equal(crypto_pwhash_str_verify(hash2, "new password 2", 14), 0);
    free(hash2);
    free(hash);
    /* the user name cannot change */
    patch = json_pack("{s:s}", "name", "alice2");
    assert_int_equal(rec_update(db, &type_user, &ADMIN, id, patch, 3, &out, &e), -1);
    json_decref(patch);
    T_ITEM(&e, "name", "validation.immutable");
    err_clear(&e);
    /* nobody deletes their own account */
    const rec_actor self = {id, "alice.w", ROLE_ADMIN, "310104-stc"};
    assert_int_equal(rec_delete(db, &type_user, &self, id, 3, &e), -1);
    T_ERR(&e, 422, "user.self_delete");
    err_clear(&e);
    T_OK(rec_delete(db, &type_user, &ADMIN, id, 3, &e), &e);
    json_decref(u);
}

/* ---- export ---------------------------------------------------------------- */

static const char *ENTITY_HEADER_ZH =
    "编号,名称,英文名称,统一社会信用代码,主体类型,地址,所在区划,所在园区,法定代表人,成立日期,联系电话,备注,所属部门,更新时间\r\n";

static void test_export_csv(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    char u1[19], u2[19];
    tdb_uscc(11, u1);
    tdb_uscc(12, u2);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", "甲, \"乙\" 公司", "kind", "university", "uscc", u1,
                           "region_code", "310104", "established", "2015-03-01", "note", "第一行\n第二行");
    json_t *r1 = create_ok(db, &type_entity, &ADMIN, in);
    json_t *r2 = create_ok(db, &type_entity, &ADMIN, entity_in("丙公司", "enterprise", 12));

    buf out = BUF_INIT;
    rec_query q = {0};
    T_OK(rec_export(db, &type_entity, &ADMIN, &q, "csv", LANG_ZH, &out, &e), &e);
    buf want = BUF_INIT;
    buf_puts(&want, "\xEF\xBB\xBF");
    buf_puts(&want, ENTITY_HEADER_ZH);
    buf_printf(&want,
               "%lld,\"甲, \"\"乙\"\" 公司\",,%s,高校,,310104,,,2015-03-01,,\"第一行\n第二行\",310104-ipa,%s\r\n",
               (long long)id_of(r1), u1, str_of(r1, "updated_at"));
    buf_printf(&want, "%lld,丙公司,,%s,企业,,,,,,,,310104-ipa,%s\r\n", (long long)id_of(r2), u2,
               str_of(r2, "updated_at"));
    assert_string_equal(out.s, want.s);
    buf_free(&want);

    /* English labels; a filter applies */
    buf_reset(&out);
    q.filters = json_pack("{s:s}", "kind", "enterprise");
    T_OK(rec_export(db, &type_entity, &ADMIN, &q, NULL, LANG_EN, &out, &e), &e);
    rec_query_free(&q);
    buf_printf(&want,
               "\xEF\xBB\xBFID,Name,English name,Unified social credit code,Kind,Address,Region code,"
               "Park,Legal representative,Established on,Phone,Notes,Department,Updated at\r\n"
               "%lld,丙公司,,%s,Enterprise,,,,,,,,310104-ipa,%s\r\n",
               (long long)id_of(r2), u2, str_of(r2, "updated_at"));
    assert_string_equal(out.s, want.s);
    buf_free(&want);

    /* users: no password, no hash; booleans as 是/否 */
    buf_reset(&out);
    q = (rec_query){0};
    T_OK(rec_export(db, &type_user, &ADMIN, &q, "csv", LANG_ZH, &out, &e), &e);
    assert_null(strstr(out.s, "argon2"));
    assert_null(strstr(out.s, "密码"));
    assert_non_null(strstr(out.s, "编号,用户名,姓名,角色,电子邮箱,电话,已停用,所属部门,更新时间\r\n"));
    assert_non_null(strstr(out.s, ",admin,系统管理员,系统管理员,,,否,310104-ipa,"));

    /* the public may not export entities; unknown formats are refused */
    buf_reset(&out);
    assert_int_equal(rec_export(db, &type_entity, &PUBLIC, &q, "csv", LANG_ZH, &out, &e), -1);
    T_ERR(&e, 403, "auth.forbidden");
    err_clear(&e);
    assert_int_equal(rec_export(db, &type_entity, &ADMIN, &q, "pdf", LANG_ZH, &out, &e), -1);
    T_ERR(&e, 400, "query.format");
    err_clear(&e);
    buf_free(&out);

    /* the import template: labels of the settable fields and 所属部门 */
    buf tmpl = BUF_INIT;
    T_OK(rec_template(&type_entity, "csv", LANG_ZH, &tmpl, &e), &e);
    assert_string_equal(tmpl.s, "\xEF\xBB\xBF名称,英文名称,统一社会信用代码,主体类型,地址,所在区划,法定代表人,成立日期,"
                                "联系电话,备注,所属部门\r\n");
    buf_free(&tmpl);
    json_decref(r1);
    json_decref(r2);
}

static void test_export_xlsx(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_t *in = entity_in("甲公司", "university", 21);
    json_object_set_new(in, "established", json_string("2015-03-01"));
    json_t *r1 = create_ok(db, &type_entity, &ADMIN, in);
    buf out = BUF_INIT;
    rec_query q = {0};
    T_OK(rec_export(db, &type_entity, &ADMIN, &q, "xlsx", LANG_ZH, &out, &e), &e);
    assert_true(out.len > 100);
    assert_memory_equal(out.s, "PK\x03\x04", 4);

    /* read it back with the import reader */
    tab_reader *rd = NULL;
    T_OK(tab_open_mem("export.xlsx", out.s, out.len, TAB_AUTO, &rd, &e), &e);
    assert_string_equal(tab_encoding(rd), "XLSX");
    char **cells;
    size_t n;
    assert_int_equal(tab_next(rd, &cells, &n, &e), 1);
    assert_int_equal(n, 14);
    assert_string_equal(cells[0], "编号");
    assert_string_equal(cells[1], "名称");
    assert_string_equal(cells[4], "主体类型");
    assert_string_equal(cells[13], "更新时间");
    assert_int_equal(tab_next(rd, &cells, &n, &e), 1);
    assert_int_equal(tab_row(rd), 2);
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id_of(r1));
    assert_string_equal(cells[0], idtxt);
    assert_string_equal(cells[1], "甲公司");
    assert_string_equal(cells[3], str_of(r1, "uscc"));
    assert_string_equal(cells[4], "高校");
    assert_string_equal(cells[9], "2015-03-01");
    assert_string_equal(cells[12], "310104-ipa");
    assert_int_equal(tab_next(rd, &cells, &n, &e), 0);
    tab_close(rd);

    buf tmpl = BUF_INIT;
    T_OK(rec_template(&type_entity, "xlsx", LANG_ZH, &tmpl, &e), &e);
    assert_memory_equal(tmpl.s, "PK\x03\x04", 4);
    buf_free(&tmpl);
    buf_free(&out);
    json_decref(r1);
}

/* ---- import ---------------------------------------------------------------- */

static int import_csv(store *db, const rec_type *t, const rec_actor *a, const char *csv, json_t **report, err *e)
{
    tab_reader *rd = NULL;
    if (tab_open_mem("data.csv", csv, strlen(csv), TAB_CSV, &rd, e)) return -1;
    int rc = rec_import(db, t, a, rd, "data.csv", report, e);
    tab_close(rd);
    return rc;
}

static void assert_report(json_t *rep, int rows, int created, int updated, int unchanged)
{
    assert_non_null(rep);
    assert_string_equal(json_string_value(json_object_get(rep, "file")), "data.csv");
    assert_string_equal(json_string_value(json_object_get(rep, "encoding")), "UTF-8");
    if (json_integer_value(json_object_get(rep, "rows")) != rows ||
        json_integer_value(json_object_get(rep, "created")) != created ||
        json_integer_value(json_object_get(rep, "updated")) != updated ||
        json_integer_value(json_object_get(rep, "unchanged")) != unchanged) {
        char *s = json_dumps(rep, JSON_COMPACT);
        fail_msg("report %s, want rows %d created %d updated %d unchanged %d", s, rows, created, updated, unchanged);
    }
}

/* The item at index i has this field, row, column and code. */
static void assert_item(const err *e, size_t i, const char *field, long row, long col, const char *code)
{
    json_t *it = json_array_get(e->items, i);
    if (!it) fail_msg("no item %zu", i);
    const char *f = json_string_value(json_object_get(it, "field"));
    if ((field && (!f || strcmp(f, field))) || (!field && f) || json_integer_value(json_object_get(it, "row")) != row ||
        json_integer_value(json_object_get(it, "column")) != col ||
        strcmp(json_string_value(json_object_get(it, "code")), code)) {
        char *s = json_dumps(it, JSON_COMPACT);
        fail_msg("item %zu is %s, want field %s row %ld column %ld code %s", i, s, field ? field : "-", row, col, code);
    }
}

static void test_import(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    char u[4][19];
    for (int i = 0; i < 4; i++) tdb_uscc(500 + (unsigned)i, u[i]);
    buf csv = BUF_INIT;
    buf_printf(&csv,
               "\xEF\xBB\xBF名称,统一社会信用代码,主体类型,成立日期,所属部门\r\n"
               "导入一号,%s,企业,2021/6/1,\r\n"
               "\"导入二号, 有限公司\",%s,university,2019-12-31,310104-court\r\n"
               ",,,,\r\n"
               "导入三号,%s,Research institute,,\r\n",
               u[0], u[1], u[2]);
    json_t *rep = NULL;
    int64_t audits = sql_int(db, "SELECT COUNT(*) FROM audit_log");
    T_OK(import_csv(db, &type_entity, &ADMIN, csv.s, &rep, &e), &e);
    assert_report(rep, 3, 3, 0, 0);
    json_decref(rep);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), 3);
    /* 3 creates + 1 import summary */
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM audit_log"), audits + 4);
    json_t *r = list_ok(db, &type_entity, &ADMIN, json_object());
    assert_names(r, "name", "导入一号|导入二号, 有限公司|导入三号");
    assert_names(r, "kind", "enterprise|university|institute");
    assert_names(r, "established", "2021-06-01|2019-12-31|(null)");
    assert_names(r, "dept", "310104-ipa|310104-court|310104-ipa");
    assert_names(r, "created_by", "tester|tester|tester");
    json_decref(r);

    /* the same file again: nothing to do */
    T_OK(import_csv(db, &type_entity, &ADMIN, csv.s, &rep, &e), &e);
    assert_report(rep, 3, 0, 0, 3);
    json_decref(rep);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), 3);
    assert_int_equal(sql_int(db, "SELECT MAX(version) FROM entities"), 1);

    /* upsert by key: one changed, one new, one the same */
    buf_reset(&csv);
    buf_printf(&csv,
               "name,uscc,kind,address\n"
               "导入一号（更名）,%s,enterprise,\n"
               "导入三号,%s,institute,\n"
               "导入四号,%s,other,某路 4 号\n",
               u[0], u[2], u[3]);
    T_OK(import_csv(db, &type_entity, &ADMIN, csv.s, &rep, &e), &e);
    assert_report(rep, 3, 1, 1, 1);
    json_decref(rep);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), 4);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT version FROM entities WHERE uscc = '%s' AND name = '导入一号（更名）'", u[0]);
    assert_int_equal(tdb_int(db, sql), 2);
    snprintf(sql, sizeof sql, "SELECT version FROM entities WHERE uscc = '%s'", u[2]);
    assert_int_equal(tdb_int(db, sql), 1);

    /* an exported file imports back unchanged */
    buf out = BUF_INIT;
    rec_query q = {0};
    T_OK(rec_export(db, &type_entity, &ADMIN, &q, "csv", LANG_ZH, &out, &e), &e);
    T_OK(import_csv(db, &type_entity, &ADMIN, out.s, &rep, &e), &e);
    assert_report(rep, 4, 0, 0, 4);
    json_decref(rep);
    buf_free(&out);
    buf_free(&csv);
}

static void test_import_rejected(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_decref(create_ok(db, &type_entity, &ADMIN, entity_in("已有", "enterprise", 600)));
    int64_t rows0 = sql_int(db, "SELECT COUNT(*) FROM entities");
    int64_t ver0 = sql_int(db, "SELECT SUM(version) FROM entities");
    int64_t audits0 = sql_int(db, "SELECT COUNT(*) FROM audit_log");
    char u[5][19];
    for (int i = 0; i < 5; i++) tdb_uscc(600 + (unsigned)i, u[i]);

    /* one bad row among good ones (and an update of an existing row):
     * -1, every problem with row/column/field, nothing written */
    buf csv = BUF_INIT;
    buf_printf(&csv,
               "名称,统一社会信用代码,主体类型,成立日期\n"
               "已有（改名）,%s,企业,\n"   /* row 2: would update */
               "好一,%s,企业,2020-01-01\n" /* row 3: would create */
               "坏一,%s,公司,2021-02-30\n" /* row 4: bad kind and date */
               "好二,%s,高校,\n",          /* row 5: would create */
               u[0], u[1], u[2], u[3]);
    json_t *rep = (json_t *)1;
    assert_int_equal(import_csv(db, &type_entity, &ADMIN, csv.s, &rep, &e), -1);
    assert_null(rep);
    T_ERR(&e, 422, "import.rejected");
    assert_string_equal(e.file, "data.csv");
    assert_non_null(strstr(err_msg(&e, LANG_EN), "2 problems found; nothing was changed"));
    assert_int_equal(json_array_size(e.items), 2);
    assert_item(&e, 0, "kind", 4, 3, "validation.enum");
    assert_item(&e, 1, "established", 4, 4, "validation.date");
    const char *m = json_string_value(json_object_get(json_array_get(e.items, 0), "message_zh"));
    assert_memory_equal(m, "第 4 行", strlen("第 4 行")); /* the message names the row */
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), rows0);
    assert_int_equal(sql_int(db, "SELECT SUM(version) FROM entities"), ver0);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM audit_log"), audits0);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities WHERE name = '已有'"), 1);

    /* a missing required value, a cell without a header */
    buf_reset(&csv);
    buf_printf(&csv,
               "名称,统一社会信用代码,主体类型\n"
               "好三,%s,企业\n"
               "缺类型,%s,\n"
               "多一格,%s,企业,多余\n",
               u[4], u[1], u[2]);
    assert_int_equal(import_csv(db, &type_entity, &ADMIN, csv.s, &rep, &e), -1);
    T_ERR(&e, 422, "import.rejected");
    assert_int_equal(json_array_size(e.items), 2);
    assert_item(&e, 0, "kind", 3, 3, "validation.required");
    assert_item(&e, 1, NULL, 4, 4, "import.extra_cell");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), rows0);

    /* unknown header column, missing required column: reported before any row */
    assert_int_equal(import_csv(db, &type_entity, &ADMIN, "名称,颜色,主体类型\n某某,红,企业\n", &rep, &e), -1);
    T_ERR(&e, 422, "import.rejected");
    assert_int_equal(json_array_size(e.items), 1);
    assert_item(&e, 0, NULL, 1, 2, "import.unknown_column");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(e.items, 0), "message_zh")), "颜色"));
    err_clear(&e);
    assert_int_equal(import_csv(db, &type_entity, &ADMIN, "名称,地址\n某某,某地\n", &rep, &e), -1);
    assert_int_equal(json_array_size(e.items), 1);
    assert_item(&e, 0, "kind", 1, 0, "import.missing_column");
    err_clear(&e);

    /* a broken CSV after good rows: the location, nothing written */
    buf_reset(&csv);
    buf_printf(&csv, "名称,主体类型\n好四,企业\n\"未闭合,企业\n");
    assert_int_equal(import_csv(db, &type_entity, &ADMIN, csv.s, &rep, &e), -1);
    T_ERR(&e, 422, "import.rejected");
    assert_int_equal(json_array_size(e.items), 1);
    json_t *it = json_array_get(e.items, 0);
    assert_string_equal(json_string_value(json_object_get(it, "code")), "import.csv_syntax");
    assert_int_equal(json_integer_value(json_object_get(it, "row")), 3);
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), rows0);

    /* an empty file */
    assert_int_equal(import_csv(db, &type_entity, &ADMIN, "", &rep, &e), -1);
    T_ERR(&e, 422, "import.empty");
    err_clear(&e);

    /* roles: the public may not import; a department user only into its own department */
    assert_int_equal(import_csv(db, &type_entity, &PUBLIC, "名称,主体类型\n某,企业\n", &rep, &e), -1);
    T_ERR(&e, 403, "auth.forbidden");
    err_clear(&e);
    assert_int_equal(
        import_csv(db, &type_entity, &STC, "名称,主体类型,所属部门\n自己的,企业,\n别人的,企业,310104-ipa\n", &rep, &e),
        -1);
    T_ERR(&e, 422, "import.rejected");
    assert_int_equal(json_array_size(e.items), 1);
    assert_item(&e, 0, NULL, 3, 0, "auth.forbidden_dept");
    err_clear(&e);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM entities"), rows0);
    assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM audit_log"), audits0);
    buf_free(&csv);
}

/* "an exported file can be edited and imported back" (rec_io.c): the user
 * export has no password column (the password is write-only), so an
 * import that only updates existing users must not demand one. */
static void test_import_users_round_trip(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_decref(create_ok(db, &type_user, &ADMIN,
                          json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "carol", "display_name", "卡罗尔", "role",
                                    "bureau", "password", "password one", "dept", "310104-ipa")));
    buf out = BUF_INIT;
    rec_query q = {0};
    T_OK(rec_export(db, &type_user, &ADMIN, &q, "csv", LANG_ZH, &out, &e), &e);
    json_t *rep = NULL;
    int rc = import_csv(db, &type_user, &ADMIN, out.s, &rep, &e);
    if (rc) {
        char *items = tdb_items_text(&e);
        fail_msg("re-import of the user export failed: %s %s", e.code, items);
    }
    assert_report(rep, 2, 0, 0, 2);
    json_decref(rep);
    buf_free(&out);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup_demo, tdb_teardown)
    const struct CMUnitTest tests[] = {
        T(test_crud),
        T(test_unique_and_refs),
        T(test_validation_items),
        T(test_validation_fullwidth_blank),
        cmocka_unit_test(test_cell_to_json),
        T(test_list_filters),
        T(test_list_sort_ties),
        T(test_cursor_pagination),
        T(test_role_scopes),
        T(test_users),
        T(test_export_csv),
        T(test_export_xlsx),
        T(test_import),
        T(test_import_rejected),
        T(test_import_users_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
