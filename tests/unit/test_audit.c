/* test_audit.c - the hash-chained audit log (src/records/audit.h) as the
 * record layer and the accounts fill it, on fresh SQLite files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <sodium.h>

#include "support_db.h"

#include "../../src/import/table.h"
#include "../../src/records/audit.h"
#include "../../src/records/rec.h"

static const rec_actor ADMIN = {0, "tester", ROLE_ADMIN, "310104-ipa"};

/* The entries demo_init wrote (16 departments, the regions, the admin
 * user); counted after each setup, since the region data grows. */
static int64_t demo_entries;
#define DEMO_ENTRIES demo_entries

static int64_t n_entries(store *db) { return tdb_int(db, "SELECT COUNT(*) FROM audit_log"); }

static int setup(void **state)
{
    tdb_setup_demo(state);
    tdb *t = *state;
    demo_entries = n_entries(t->db);
    /* at least the 16 departments, 3 demo regions and the admin */
    assert_true(demo_entries >= 20);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'create'"), demo_entries);
    return 0;
}

static void verify_ok(store *db, int64_t want)
{
    err e = ERR_INIT;
    int64_t n = -1;
    if (audit_verify(db, &n, &e)) fail_msg("audit_verify: %s %s", e.code, err_msg(&e, LANG_EN));
    assert_int_equal(n, want);
}

/* The newest entry as returned by audit_list. */
static json_t *newest(store *db)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    T_OK(audit_list(db, 0, 1, NULL, 0, &out, &e), &e);
    json_t *it = json_incref(json_array_get(json_object_get(out, "items"), 0));
    json_decref(out);
    assert_non_null(it);
    return it;
}

static const char *s_of(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void test_every_write_appends(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    assert_int_equal(n_entries(db), DEMO_ENTRIES);
    verify_ok(db, DEMO_ENTRIES);

    /* create */
    json_t *row = NULL, *in = json_pack("{s:s,s:s,s:s}", "name", "审计主体", "kind", "enterprise", "address", "某路");
    T_OK(rec_create(db, &type_entity, &ADMIN, in, &row, &e), &e);
    json_decref(in);
    int64_t id = json_integer_value(json_object_get(row, "id"));
    assert_int_equal(n_entries(db), DEMO_ENTRIES + 1);
    json_t *it = newest(db);
    assert_int_equal(json_integer_value(json_object_get(it, "seq")), DEMO_ENTRIES + 1);
    assert_string_equal(s_of(it, "action"), "create");
    assert_string_equal(s_of(it, "type"), "entity");
    assert_string_equal(s_of(it, "user"), "tester");
    assert_int_equal(json_integer_value(json_object_get(it, "record_id")), id);
    assert_true(json_is_null(json_object_get(it, "before")));
    assert_true(json_equal(json_object_get(it, "after"), row));
    assert_int_equal(strlen(s_of(it, "hash")), 64);
    json_decref(it);

    /* update */
    json_t *patch = json_pack("{s:s}", "address", "新地址"), *upd = NULL;
    T_OK(rec_update(db, &type_entity, &ADMIN, id, patch, 1, &upd, &e), &e);
    json_decref(patch);
    assert_int_equal(n_entries(db), DEMO_ENTRIES + 2);
    it = newest(db);
    assert_string_equal(s_of(it, "action"), "update");
    assert_true(json_equal(json_object_get(it, "before"), row));
    assert_true(json_equal(json_object_get(it, "after"), upd));
    assert_string_equal(s_of(json_object_get(it, "before"), "address"), "某路");
    assert_string_equal(s_of(json_object_get(it, "after"), "address"), "新地址");
    json_decref(it);

    /* failed writes add nothing: stale version, validation, forbidden */
    patch = json_pack("{s:s}", "address", "x");
    json_t *out = NULL;
    assert_int_equal(rec_update(db, &type_entity, &ADMIN, id, patch, 1, &out, &e), -1);
    err_clear(&e);
    json_decref(patch);
    in = json_pack("{s:s}", "kind", "nonsense");
    assert_int_equal(rec_create(db, &type_entity, &ADMIN, in, &out, &e), -1);
    err_clear(&e);
    json_decref(in);
    assert_int_equal(rec_delete(db, &type_entity, &ADMIN, id, 1, &e), -1);
    err_clear(&e);
    assert_int_equal(n_entries(db), DEMO_ENTRIES + 2);

    /* delete */
    T_OK(rec_delete(db, &type_entity, &ADMIN, id, 2, &e), &e);
    assert_int_equal(n_entries(db), DEMO_ENTRIES + 3);
    it = newest(db);
    assert_string_equal(s_of(it, "action"), "delete");
    assert_int_equal(json_integer_value(json_object_get(it, "record_id")), id);
    assert_true(json_equal(json_object_get(it, "before"), upd));
    assert_true(json_is_null(json_object_get(it, "after")));
    json_decref(it);

    /* users: the entry never holds the password or its hash */
    in = json_pack("{s:s,s:s,s:s,s:s}", "name", "dave", "display_name", "戴夫", "role", "bureau", "password",
                   "secret password");
    T_OK(rec_create(db, &type_user, &ADMIN, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
    assert_int_equal(n_entries(db), DEMO_ENTRIES + 4);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%argon2%'"
                                 " OR after_json LIKE '%password%' OR after_json LIKE '%secret password%'"),
                     0);

    /* an import is one more entry (besides the rows it writes) */
    const char *csv = "名称,主体类型\n导入甲,企业\n导入乙,高校\n";
    tab_reader *rd = NULL;
    T_OK(tab_open_mem("a.csv", csv, strlen(csv), TAB_CSV, &rd, &e), &e);
    json_t *rep = NULL;
    T_OK(rec_import(db, &type_entity, &ADMIN, rd, "a.csv", &rep, &e), &e);
    tab_close(rd);
    json_decref(rep);
    assert_int_equal(n_entries(db), DEMO_ENTRIES + 7);
    it = newest(db);
    assert_string_equal(s_of(it, "action"), "import");
    assert_true(json_is_null(json_object_get(it, "record_id")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(it, "after"), "created")), 2);
    json_decref(it);

    verify_ok(db, DEMO_ENTRIES + 7);
    json_decref(row);
    json_decref(upd);
}

/* The stored hash is SHA-256 over the documented fields, the JSON is
 * canonical (sorted keys, compact), and the head follows the last entry. */
static void test_hash_formula(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_t *row = NULL, *in = json_pack("{s:s,s:s,s:s}", "name", "哈希", "kind", "other", "address", "z");
    T_OK(rec_create(db, &type_entity, &ADMIN, in, &row, &e), &e);
    json_decref(in);
    char *canon = json_dumps(row, JSON_SORT_KEYS | JSON_COMPACT);

    store_stmt *st = store_prepare(db,
                                   "SELECT seq, at, user_name, action, rtype, rid, before_json, after_json, prev_hash,"
                                   " hash FROM audit_log ORDER BY seq",
                                   &e);
    assert_non_null(st);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    int64_t n = 0;
    while (store_step(st, &e) == 1) {
        n++;
        int64_t seq = store_col_int(st, 0);
        assert_int_equal(seq, n);
        assert_string_equal(store_col_text(st, 8), prev);
        buf b = BUF_INIT;
        const char *bj = store_col_text(st, 6), *aj = store_col_text(st, 7), *rid = store_col_text(st, 5);
        buf_printf(&b, "%s\n%" PRId64 "\n%s\n%s\n%s\n%s\n%s\n%s\n%s", prev, seq, store_col_text(st, 1),
                   store_col_text(st, 2), store_col_text(st, 3), store_col_text(st, 4), rid ? rid : "", bj ? bj : "",
                   aj ? aj : "");
        char h[65];
        util_sha256_hex(b.s, b.len, h);
        buf_free(&b);
        assert_string_equal(store_col_text(st, 9), h);
        assert_int_equal(util_datetime_valid(store_col_text(st, 1)), 0);
        if (seq == DEMO_ENTRIES + 1) {
            assert_null(bj);
            assert_string_equal(aj, canon); /* canonical JSON */
            assert_memory_equal(aj, "{\"address\":\"z\",\"created_at\":", strlen("{\"address\":\"z\",\"created_at\":"));
        }
        memcpy(prev, h, sizeof prev);
    }
    store_done(st);
    assert_int_equal(n, DEMO_ENTRIES + 1);
    st = store_prepare(db, "SELECT seq, hash FROM audit_head WHERE id = 1", &e);
    assert_int_equal(store_step(st, &e), 1);
    assert_int_equal(store_col_int(st, 0), n);
    assert_string_equal(store_col_text(st, 1), prev);
    store_done(st);
    free(canon);
    json_decref(row);
}

static void test_append_direct(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    json_t *after = json_pack("{s:i,s:s}", "b", 2, "a", "x");
    /* outside a transaction: refused */
    assert_int_equal(audit_append(db, &ADMIN, "custom", "thing", 5, NULL, after, &e), -1);
    T_ERR(&e, 500, "audit.no_tx");
    err_clear(&e);
    assert_int_equal(n_entries(db), DEMO_ENTRIES);
    /* rolled back with the transaction */
    T_OK(store_begin(db, &e), &e);
    T_OK(audit_append(db, &ADMIN, "custom", "thing", 5, NULL, after, &e), &e);
    store_rollback(db);
    assert_int_equal(n_entries(db), DEMO_ENTRIES);
    verify_ok(db, DEMO_ENTRIES);
    /* committed; no actor means "system"; no record id is NULL */
    T_OK(store_begin(db, &e), &e);
    T_OK(audit_append(db, NULL, "maintenance", NULL, 0, after, NULL, &e), &e);
    T_OK(store_commit(db, &e), &e);
    json_t *it = newest(db);
    assert_string_equal(s_of(it, "user"), "system");
    assert_string_equal(s_of(it, "action"), "maintenance");
    assert_true(json_is_null(json_object_get(it, "type")));
    assert_true(json_is_null(json_object_get(it, "record_id")));
    assert_true(json_equal(json_object_get(it, "before"), after));
    json_decref(it);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM audit_log WHERE before_json = '{\"a\":\"x\",\"b\":2}'"), 1);
    verify_ok(db, DEMO_ENTRIES + 1);
    json_decref(after);
}

static void test_list_pages(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    /* newest first, 50 per page, over the demo entries */
    int64_t before = 0, expect = DEMO_ENTRIES;
    int pages = 0;
    for (;;) {
        json_t *out = NULL;
        T_OK(audit_list(db, before, 50, NULL, 0, &out, &e), &e);
        pages++;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(out, "items"), i, it)
        {
            assert_int_equal(json_integer_value(json_object_get(it, "seq")), expect);
            expect--;
        }
        json_t *next = json_object_get(out, "next_cursor");
        if (json_is_null(next)) {
            json_decref(out);
            break;
        }
        int64_t c;
        assert_int_equal(util_parse_int64(json_string_value(next), &c), 0);
        assert_int_equal(c, expect + 1);
        before = c;
        json_decref(out);
    }
    assert_int_equal(expect, 0);
    assert_int_equal(pages, (DEMO_ENTRIES + 49) / 50);
    /* by record type, and by one record */
    json_t *out = NULL;
    T_OK(audit_list(db, 0, 1000000, "region", 0, &out, &e), &e);
    assert_int_equal(json_array_size(json_object_get(out, "items")),
                     tdb_int(db, "SELECT COUNT(*) FROM audit_log WHERE rtype = 'region'"));
    assert_int_equal(json_array_size(json_object_get(out, "items")), tdb_int(db, "SELECT COUNT(*) FROM regions"));
    assert_true(json_is_null(json_object_get(out, "next_cursor")));
    json_decref(out);
    int64_t rid = tdb_int(db, "SELECT id FROM departments WHERE code = '310104-stc'");
    T_OK(audit_list(db, 0, 100, "department", rid, &out, &e), &e);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 1);
    json_t *it = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(s_of(json_object_get(it, "after"), "code"), "310104-stc");
    assert_string_equal(s_of(it, "user"), "system");
    json_decref(out);
}

/* ---- tampering ----------------------------------------------------------- */

static void expect_broken(store *db, const char *en_part)
{
    err e = ERR_INIT;
    int64_t n = -1;
    assert_int_equal(audit_verify(db, &n, &e), -1);
    T_ERR(&e, 409, "audit.broken");
    if (!strstr(err_msg(&e, LANG_EN), en_part)) fail_msg("message \"%s\" lacks \"%s\"", err_msg(&e, LANG_EN), en_part);
    err_clear(&e);
}

static void test_triggers_refuse_changes(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    char *h0 = NULL;
    {
        store_stmt *st = store_prepare(db, "SELECT after_json FROM audit_log WHERE seq = 2", &e);
        assert_int_equal(store_step(st, &e), 1);
        h0 = xstrdup(store_col_text(st, 0));
        store_done(st);
    }
    /* RAISE(ABORT) in a trigger is a constraint failure */
    assert_int_equal(store_exec(db, "UPDATE audit_log SET after_json = '{}' WHERE seq = 2", &e), -1);
    T_ERR(&e, 422, "validation.constraint");
    assert_non_null(strstr(err_msg(&e, LANG_EN), "audit_log is append-only"));
    err_clear(&e);
    assert_int_equal(store_exec(db, "DELETE FROM audit_log WHERE seq = 2", &e), -1);
    T_ERR(&e, 422, "validation.constraint");
    err_clear(&e);
    assert_int_equal(store_exec(db, "DELETE FROM audit_log", &e), -1);
    err_clear(&e);
    assert_int_equal(n_entries(db), DEMO_ENTRIES);
    store_stmt *st = store_prepare(db, "SELECT after_json FROM audit_log WHERE seq = 2", &e);
    assert_int_equal(store_step(st, &e), 1);
    assert_string_equal(store_col_text(st, 0), h0);
    store_done(st);
    free(h0);
    verify_ok(db, DEMO_ENTRIES);
}

static void test_tamper_edit(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    tdb_drop_audit_guard(db, "update");
    T_OK(store_exec(db, "UPDATE audit_log SET after_json = '{}' WHERE seq = 2", &e), &e);
    expect_broken(db, "entry 2 has been altered");
}

static void test_tamper_edit_rehashed(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    /* editing entry 5 and recomputing its own hash still breaks entry 6 */
    tdb_drop_audit_guard(db, "update");
    store_stmt *st = store_prepare(db,
                                   "SELECT prev_hash, at, user_name, action, rtype, rid, before_json FROM audit_log"
                                   " WHERE seq = 5",
                                   &e);
    assert_int_equal(store_step(st, &e), 1);
    buf b = BUF_INIT;
    const char *bj = store_col_text(st, 6);
    buf_printf(&b, "%s\n5\n%s\n%s\n%s\n%s\n%s\n%s\n%s", store_col_text(st, 0), store_col_text(st, 1),
               store_col_text(st, 2), store_col_text(st, 3), store_col_text(st, 4), store_col_text(st, 5), bj ? bj : "",
               "{\"forged\":true}");
    store_done(st);
    char h[65];
    util_sha256_hex(b.s, b.len, h);
    buf_free(&b);
    st = store_prepare(db, "UPDATE audit_log SET after_json = '{\"forged\":true}', hash = ? WHERE seq = 5", &e);
    store_bind_text(st, 1, h);
    assert_int_equal(store_step(st, &e), 0);
    store_done(st);
    expect_broken(db, "entry 6 has been altered");
}

static void test_tamper_cut_tail(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    tdb_drop_audit_guard(db, "delete");
    T_OK(store_exec(db, "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)", &e), &e);
    assert_int_equal(n_entries(db), DEMO_ENTRIES - 1);
    char want[100];
    snprintf(want, sizeof want, "the head does not match the last entry (%lld)", (long long)DEMO_ENTRIES - 1);
    expect_broken(db, want);
}

static void test_tamper_delete_middle(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    tdb_drop_audit_guard(db, "delete");
    T_OK(store_exec(db, "DELETE FROM audit_log WHERE seq = 7", &e), &e);
    expect_broken(db, "entry 7 is missing (next is 8)");
}

static void test_tamper_append_forged(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    /* an entry inserted at the end without the head knowing */
    char sql[300], want[100];
    snprintf(sql, sizeof sql,
             "INSERT INTO audit_log (seq, at, user_name, action, prev_hash, hash)"
             " SELECT %lld, '2024-01-01T00:00:00.000Z', 'mallory', 'create', hash, hash FROM audit_head",
             (long long)DEMO_ENTRIES + 1);
    T_OK(store_exec(db, sql, &e), &e);
    snprintf(want, sizeof want, "entry %lld has been altered", (long long)DEMO_ENTRIES + 1);
    expect_broken(db, want);
}

static void test_tamper_head(void **state)
{
    tdb *t = *state;
    store *db = t->db;
    err e = ERR_INIT;
    T_OK(store_exec(db,
                    "UPDATE audit_head SET hash = '"
                    "0000000000000000000000000000000000000000000000000000000000000000"
                    "'",
                    &e),
         &e);
    char want[100];
    snprintf(want, sizeof want, "the head does not match the last entry (%lld)", (long long)DEMO_ENTRIES);
    expect_broken(db, want);
    /* appending after the cut continues from the head, which the check
     * still refuses */
    T_OK(store_exec(db, "UPDATE audit_head SET seq = 3", &e), &e);
    expect_broken(db, "the head does not match");
}

static void test_empty_log(void **state)
{
    tdb *t = *state;
    verify_ok(t->db, 0);
    err e = ERR_INIT;
    json_t *out = NULL;
    T_OK(audit_list(t->db, 0, 10, NULL, 0, &out, &e), &e);
    assert_int_equal(json_array_size(json_object_get(out, "items")), 0);
    assert_true(json_is_null(json_object_get(out, "next_cursor")));
    json_decref(out);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tdb_teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_write_appends),
        T(test_hash_formula),
        T(test_append_direct),
        T(test_list_pages),
        T(test_triggers_refuse_changes),
        T(test_tamper_edit),
        T(test_tamper_edit_rehashed),
        T(test_tamper_cut_tail),
        T(test_tamper_delete_middle),
        T(test_tamper_append_forged),
        T(test_tamper_head),
        cmocka_unit_test_setup_teardown(test_empty_log, tdb_setup_plain, tdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
