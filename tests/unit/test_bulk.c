/*
 * test_bulk.c - bulk loading: store_copy (COPY on PostgreSQL, a cached
 * INSERT on SQLite), store_next_id, the record layer's bulk mode
 * (rec_bulk_*: pending rows made visible before reads, the audit chain kept
 * in memory) and the imports that use it (duplicates of one application in
 * one batch, a rejected file after rows were flushed).  Runs on SQLite, and
 * on PostgreSQL with IPCITY_TEST_PG (see support_db.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "support_db.h"
#include "../../src/base/strmap.h"
#include "../../src/domain/address.h"
#include "../../src/domain/registry.h"
#include "../../src/import/importer.h"
#include "../../src/import/synth.h"
#include "../../src/records/audit.h"
#include "../../src/records/rec.h"

static const rec_actor actor = {0, "tester", ROLE_ADMIN, "310104-ipa"};

static int64_t int_of(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* The text of the first column of the first row of sql (one text
 * parameter, may be NULL); the caller frees.  NULL for SQL NULL. */
static char *text_of(store *db, const char *sql, const char *param)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, sql, &e);
    if (!st) fail_msg("prepare %s: %s", sql, err_msg(&e, LANG_EN));
    if (param) store_bind_text(st, 1, param);
    int r = store_step(st, &e);
    if (r < 0) fail_msg("step %s: %s", sql, err_msg(&e, LANG_EN));
    char *v = r == 1 && store_col_text(st, 0) ? xstrdup(store_col_text(st, 0)) : NULL;
    store_done(st);
    return v;
}

/* ---- store_copy ---- */

/* Values that need COPY's escapes, NULL and the empty string, UTF-8, over
 * several flushes and two writers used in turn, with queries between rows;
 * everything reads back as written. */
static void test_copy_values(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    T_OK(store_exec(t->db, "CREATE TABLE bk_a (k BIGINT PRIMARY KEY, v TEXT, n BIGINT, x DOUBLE PRECISION)", &e), &e);
    T_OK(store_exec(t->db, "CREATE TABLE bk_b (k BIGINT, v TEXT)", &e), &e);
    static const char *const vals[] = {
        "plain", "tab\there", "new\nline", "cr\rlf\r\n",       "back\\slash",           "\\N",
        "\\.",   "",          NULL,        "中文，全角；符号", "end with backslash \\",
    };
    const size_t nv = sizeof vals / sizeof *vals;
    T_OK(store_begin(t->db, &e), &e);
    store_copy *a = NULL, *b = NULL;
    static const char *const acols[] = {"k", "v", "n", "x"}, *const bcols[] = {"k", "v"};
    T_OK(store_copy_begin(t->db, "bk_a", acols, 4, &a, &e), &e);
    T_OK(store_copy_begin(t->db, "bk_b", bcols, 2, &b, &e), &e);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < nv; i++) {
            char k[32], n[32];
            snprintf(k, sizeof k, "%zu", round * nv + i + 1);
            snprintf(n, sizeof n, "%lld", -(long long)i * 1000000007LL);
            const char *ra[] = {k, vals[i], i % 3 ? n : NULL, "0.10000000000000001"};
            const char *rb[] = {k, vals[nv - 1 - i]};
            T_OK(store_copy_row(a, ra, &e), &e);
            T_OK(store_copy_row(b, rb, &e), &e);
            /* an ordinary statement between rows */
            assert_true(tdb_int(t->db, "SELECT COUNT(*) FROM departments") > 0);
        }
        T_OK(store_copy_flush(a, &e), &e);
        assert_int_equal(store_copy_buffered(a), 0);
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM bk_a"), (int64_t)((round + 1) * nv));
    }
    assert_int_equal(store_copy_rows(a), (int64_t)(3 * nv));
    T_OK(store_copy_end(a, &e), &e);
    T_OK(store_copy_end(b, &e), &e);
    T_OK(store_commit(t->db, &e), &e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM bk_b"), (int64_t)(3 * nv));
    for (size_t i = 0; i < 3 * nv; i++) {
        char k[32];
        snprintf(k, sizeof k, "%zu", i + 1);
        char *v = text_of(t->db, "SELECT v FROM bk_a WHERE k = CAST(? AS BIGINT)", k);
        const char *want = vals[i % nv];
        if (!want) assert_null(v);
        else {
            if (!v) fail_msg("row %s: NULL instead of \"%s\"", k, want);
            assert_string_equal(v, want);
        }
        free(v);
        v = text_of(t->db, "SELECT v FROM bk_b WHERE k = CAST(? AS BIGINT)", k);
        want = vals[nv - 1 - i % nv];
        if (!want) assert_null(v);
        else
            assert_string_equal(v, want);
        free(v);
    }
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM bk_a WHERE n IS NULL"), 3 * (((int64_t)nv + 2) / 3));
    assert_int_equal(tdb_int(t->db, "SELECT MIN(n) FROM bk_a"), -(int64_t)(nv - 1) * 1000000007LL);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM bk_a WHERE x = 0.1"), (int64_t)(3 * nv));
    err_clear(&e);
}

/* Outside a transaction, with names that are not plain identifiers, or a
 * constraint broken: an error, and nothing of the transaction stays. */
static void test_copy_errors(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    store_copy *c = NULL;
    static const char *const cols[] = {"k", "v"}, *const bad[] = {"k", "v; DROP TABLE x"};
    T_OK(store_exec(t->db, "CREATE TABLE bk_u (k BIGINT PRIMARY KEY, v TEXT)", &e), &e);
    assert_int_equal(store_copy_begin(t->db, "bk_u", cols, 2, &c, &e), -1);
    T_ERR(&e, 500, "store.no_tx");
    assert_null(c);
    T_OK(store_begin(t->db, &e), &e);
    assert_int_equal(store_copy_begin(t->db, "bk_u x", cols, 2, &c, &e), -1);
    T_ERR(&e, 500, "store.identifier");
    assert_int_equal(store_copy_begin(t->db, "bk_u", bad, 2, &c, &e), -1);
    T_ERR(&e, 500, "store.identifier");
    int64_t id;
    assert_int_equal(store_next_id(t->db, "bk_u;", &id, &e), -1);
    T_ERR(&e, 500, "store.identifier");
    err_clear(&e);
    T_OK(store_copy_begin(t->db, "bk_u", cols, 2, &c, &e), &e);
    const char *r1[] = {"1", "one"}, *r2[] = {"1", "again"};
    T_OK(store_copy_row(c, r1, &e), &e);
    /* SQLite reports the duplicate key at the row, PostgreSQL at the flush */
    int rc = store_copy_row(c, r2, &e);
    if (!rc) rc = store_copy_flush(c, &e);
    assert_int_equal(rc, -1);
    T_ERR(&e, 409, "conflict.unique");
    store_copy_free(c);
    store_rollback(t->db);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM bk_u"), 0);
    err_clear(&e);
}

/* Ids for explicit writes: increasing, above every id of the table, and
 * never given by the database to a row inserted without an id: on
 * PostgreSQL not even the ids handed out but not written (the identity
 * moved past them, a rollback does not undo that), on SQLite none written
 * (it gives MAX(id) + 1). */
static void test_next_id(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t id = 0, prev = 0, written = 0;
    assert_int_equal(store_next_id(t->db, "entities", &id, &e), -1);
    T_ERR(&e, 500, "store.no_tx");
    err_clear(&e);
    for (int round = 0; round < 2; round++) {
        T_OK(store_begin(t->db, &e), &e);
        int64_t max = tdb_int(t->db, "SELECT COALESCE(MAX(id), 0) FROM entities");
        if (!tdb_is_pg()) prev = written = 0; /* SQLite: a rolled-back transaction's ids are free again */
        for (int i = 0; i < 40; i++) {
            T_OK(store_next_id(t->db, "entities", &id, &e), &e);
            assert_true(id > max && id > prev);
            prev = id;
            if (i % 2) continue; /* not every id is used */
            written = id;
            char ids[32], name[64], now[40];
            snprintf(ids, sizeof ids, "%lld", (long long)id);
            snprintf(name, sizeof name, "批量测试企业%lld（合成）", (long long)id);
            util_now_iso(now, sizeof now);
            static const char *const cols[] = {"id", "version", "dept", "created_at", "updated_at", "name", "kind"};
            const char *v[] = {ids, "1", "310104-ipa", now, now, name, "enterprise"};
            T_OK(rec_bulk_insert(t->db, "entities", cols, 7, v, &e), &e);
        }
        /* an insert letting the database choose the id */
        json_t *in = json_pack("{s:s,s:s}", "name", "自动编号企业（合成）", "kind", "enterprise"), *out = NULL;
        T_OK(rec_create_tx(t->db, &type_entity, &actor, in, &out, &e), &e);
        assert_true(int_of(out, "id") > (tdb_is_pg() ? prev : written));
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM entities WHERE id = (SELECT MAX(id) FROM entities)"), 1);
        prev = int_of(out, "id");
        json_decref(in);
        json_decref(out);
        if (round == 0) store_rollback(t->db);
        else
            T_OK(store_commit(t->db, &e), &e);
    }
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM entities WHERE name LIKE '批量测试企业%'"), 20);
    err_clear(&e);
}

/* ---- the record layer's bulk mode ---- */

/* Rows created in bulk mode can be read by id, listed, found by key (an
 * upsert of the same key updates instead of creating), referenced; their
 * audit entries are those of rows created one by one, and the chain
 * verifies. */
static void test_bulk_mode_reads(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    T_OK(store_begin(t->db, &e), &e);
    T_OK(rec_bulk_begin(t->db, &e), &e);
    assert_true(rec_bulk_active(t->db));
    assert_int_equal(rec_bulk_begin(t->db, &e), -1);
    T_ERR(&e, 500, "store.nested_bulk");
    err_clear(&e);
    int64_t seq0 = tdb_int(t->db, "SELECT seq FROM audit_head");
    char uscc[19];
    int64_t first = 0;
    for (unsigned i = 0; i < 30; i++) {
        tdb_uscc(7000 + i, uscc);
        char name[64];
        snprintf(name, sizeof name, "批量主体%u（合成）", i);
        json_t *in = json_pack("{s:s,s:s,s:s}", "name", name, "kind", "enterprise", "uscc", uscc), *out = NULL;
        T_OK(rec_create_tx(t->db, &type_entity, &actor, in, &out, &e), &e);
        if (!i) first = int_of(out, "id");
        assert_int_equal(int_of(out, "version"), 1);
        json_decref(in);
        json_decref(out);
    }
    /* by id, while (on PostgreSQL) still pending */
    json_t *row = NULL;
    T_OK(rec_get(t->db, &type_entity, &actor, first, &row, &e), &e);
    assert_string_equal(json_string_value(json_object_get(row, "name")), "批量主体0（合成）");
    json_decref(row);
    /* by key: the same uscc again updates the row */
    tdb_uscc(7029, uscc);
    json_t *in = json_pack("{s:s,s:s,s:s}", "name", "批量主体29改（合成）", "kind", "enterprise", "uscc", uscc);
    rec_outcome oc = 0;
    int64_t id29 = 0;
    T_OK(rec_upsert_tx(t->db, &type_entity, &actor, in, 0, &oc, &id29, &e), &e);
    assert_int_equal(oc, REC_UPDATED);
    json_decref(in);
    /* listed */
    rec_query q = {0};
    q.q = "批量主体";
    q.count = 1;
    json_t *page = NULL;
    T_OK(rec_list(t->db, &type_entity, &actor, &q, &page, &e), &e);
    assert_int_equal(int_of(page, "total"), 30);
    json_decref(page);
    T_OK(rec_bulk_end(t->db, &e), &e);
    assert_false(rec_bulk_active(t->db));
    T_OK(store_commit(t->db, &e), &e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM entities WHERE name LIKE '批量主体%'"), 30);
    /* 30 creates and 1 update, in order, with the rows as stored */
    assert_int_equal(tdb_int(t->db, "SELECT seq FROM audit_head"), seq0 + 31);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND rtype = 'entity'"), 30);
    char *after = text_of(t->db,
                          "SELECT after_json FROM audit_log WHERE seq = (SELECT MIN(seq) FROM audit_log"
                          " WHERE action = 'create' AND rtype = 'entity')",
                          NULL);
    json_t *aj = json_loads(after, 0, NULL);
    free(after);
    json_t *stored = NULL;
    T_OK(rec_get(t->db, &type_entity, &actor, first, &stored, &e), &e);
    if (!json_equal(aj, stored)) {
        char *x = json_dumps(aj, JSON_SORT_KEYS), *y = json_dumps(stored, JSON_SORT_KEYS);
        fail_msg("audit entry %s\nstored row %s", x, y);
    }
    json_decref(aj);
    json_decref(stored);
    int64_t n;
    T_OK(audit_verify(t->db, &n, &e), &e);
    err_clear(&e);
}

/* A failed transaction in bulk mode leaves nothing, and the next
 * transaction starts without bulk mode. */
static void test_bulk_mode_rollback(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t before = tdb_int(t->db, "SELECT COUNT(*) FROM entities");
    int64_t seq0 = tdb_int(t->db, "SELECT seq FROM audit_head");
    T_OK(store_begin(t->db, &e), &e);
    T_OK(rec_bulk_begin(t->db, &e), &e);
    for (int i = 0; i < 10; i++) {
        json_t *in = json_pack("{s:s,s:s}", "name", "回滚主体（合成）", "kind", "enterprise"), *out = NULL;
        T_OK(rec_create_tx(t->db, &type_entity, &actor, in, &out, &e), &e);
        json_decref(in);
        json_decref(out);
    }
    rec_bulk_abort(t->db);
    store_rollback(t->db);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM entities"), before);
    assert_int_equal(tdb_int(t->db, "SELECT seq FROM audit_head"), seq0);
    T_OK(store_begin(t->db, &e), &e);
    assert_false(rec_bulk_active(t->db));
    store_rollback(t->db);
    int64_t n;
    T_OK(audit_verify(t->db, &n, &e), &e);
    err_clear(&e);
}

/* ---- imports ---- */

static const char tpl_header[] = "申请号,专利类型,名称,公开日,IPC分类号,申请人,申请人地址,申请人国别\r\n";

static json_t *import_ok(store *db, const char *name, const char *data)
{
    err e = ERR_INIT;
    json_t *rep = NULL;
    if (imp_run(db, &actor, name, NULL, data, strlen(data), NULL, NULL, NULL, &rep, &e)) {
        char *items = tdb_items_text(&e);
        fail_msg("import of %s failed: %s %s", name, err_msg(&e, LANG_EN), items);
    }
    return rep;
}

static void expect_counts(const json_t *rep, int64_t rows, int64_t created, int64_t updated, int64_t unchanged)
{
    if (int_of(rep, "rows") != rows || int_of(rep, "created") != created || int_of(rep, "updated") != updated ||
        int_of(rep, "unchanged") != unchanged) {
        char *s = json_dumps(rep, JSON_COMPACT);
        fail_msg("report %s, expected rows %lld created %lld updated %lld unchanged %lld", s, (long long)rows,
                 (long long)created, (long long)updated, (long long)unchanged);
    }
}

/* One application several times in one file (one batch): a row without
 * dates creates it, later publications update it in order, an older one is
 * ignored; the side tables hold the last version only. */
static void test_import_same_application(void **state)
{
    tdb *t = *state;
    buf b = BUF_INIT;
    buf_puts(&b, tpl_header);
    buf_puts(&b,
             "201110000001.2,发明,一种批量测试装置（合成）,,A01B 1/00,上海甲公司（合成）,上海市徐汇区漕宝路1号,CN\r\n");
    buf_puts(
        &b,
        "201110000001.2,发明,一种批量测试装置A（合成）,2012-05-01,A01B 1/02,上海甲公司（合成）,上海市徐汇区漕宝路1号,CN\r\n");
    buf_puts(
        &b,
        "201520000003.5,实用新型,另一装置（合成）,2016-01-01,B01B 1/00,上海乙公司（合成）,上海市徐汇区宜山路2号,CN\r\n");
    buf_puts(
        &b,
        "201110000001.2,发明,一种批量测试装置旧（合成）,2011-01-01,C01B 1/00,上海丙公司（合成）,上海市徐汇区漕宝路1号,CN\r\n");
    buf_puts(
        &b,
        "201110000001.2,发明,一种批量测试装置B（合成）,2014-05-01,A01B 1/04;H01L 21/00,上海甲公司（合成）;上海丁公司（合成）,"
        "上海市徐汇区漕宝路1号;上海市徐汇区宜山路3号,CN;CN\r\n");
    json_t *rep = import_ok(t->db, "same.csv", b.s);
    expect_counts(rep, 5, 2, 2, 1);
    json_decref(rep);
    char *title = text_of(t->db, "SELECT title FROM patents WHERE appno = ?", "201110000001.2");
    assert_string_equal(title, "一种批量测试装置B（合成）");
    free(title);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), 2);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc i JOIN patents p ON p.id = i.patent_id"
                                    " WHERE p.appno = '201110000001.2'"),
                     2);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_parties x JOIN patents p ON p.id = x.patent_id"
                                    " WHERE p.appno = '201110000001.2'"),
                     2);
    /* the same file again creates nothing (the dateless row is compared,
     * not ignored as older, as when rows were written one by one) */
    rep = import_ok(t->db, "same.csv", b.s);
    assert_int_equal(int_of(rep, "created"), 0);
    json_decref(rep);
    title = text_of(t->db, "SELECT title FROM patents WHERE appno = ?", "201110000001.2");
    assert_string_equal(title, "一种批量测试装置B（合成）");
    free(title);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), 2);
    /* a file of dated publications only is idempotent */
    buf_reset(&b);
    buf_puts(&b, tpl_header);
    buf_puts(
        &b,
        "201620000004.4,实用新型,第三装置（合成）,2017-01-01,B01B 1/00,上海乙公司（合成）,上海市徐汇区宜山路2号,CN\r\n");
    buf_puts(
        &b,
        "201620000004.4,实用新型,第三装置B（合成）,2018-01-01,B01B 1/02,上海乙公司（合成）,上海市徐汇区宜山路2号,CN\r\n");
    buf_puts(
        &b,
        "201620000004.4,实用新型,第三装置旧（合成）,2016-01-01,B01B 1/04,上海乙公司（合成）,上海市徐汇区宜山路2号,CN\r\n");
    rep = import_ok(t->db, "dated.csv", b.s);
    expect_counts(rep, 3, 1, 1, 1);
    json_decref(rep);
    int64_t seq = tdb_int(t->db, "SELECT seq FROM audit_head");
    rep = import_ok(t->db, "dated.csv", b.s);
    expect_counts(rep, 3, 0, 0, 3);
    json_decref(rep);
    assert_int_equal(tdb_int(t->db, "SELECT seq FROM audit_head"), seq + 1); /* the import entry only */
    buf_free(&b);
    err e = ERR_INIT;
    int64_t n;
    T_OK(audit_verify(t->db, &n, &e), &e);
    err_clear(&e);
}

/* A file large enough for several flushes whose last row is bad: rejected
 * whole, the database as before (every table's rows, the audit head). */
static void test_import_rejected_after_flush(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/gen", t->dir);
    synth_counts cnt;
    T_OK(synth_write(dir, 12000, 5, &cnt, &e), &e);
    snprintf(path, sizeof path, "%s/patents.csv", dir);
    FILE *fp = fopen(path, "ab");
    assert_non_null(fp);
    fputs(
        "201110000001.3,发明,校验位错误（合成）,2012-01-01,A01B 1/00,上海甲公司（合成）,上海市徐汇区漕宝路1号,CN,,,,,,,,,,,是\r\n",
        fp);
    fclose(fp);
    json_t *names = tdb_tables(t->db);
    json_t *counts = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        char *q = xasprintf("SELECT COUNT(*) FROM \"%s\"", json_string_value(v));
        json_object_set_new(counts, json_string_value(v), json_integer(tdb_int(t->db, q)));
        free(q);
    }
    int64_t seq = tdb_int(t->db, "SELECT seq FROM audit_head");
    json_t *rep = (json_t *)1;
    assert_int_equal(imp_run(t->db, &actor, "patents.csv", path, NULL, 0, NULL, NULL, NULL, &rep, &e), -1);
    assert_null(rep);
    T_ERR(&e, 422, "import.rejected");
    assert_int_equal(json_array_size(e.items), 1);
    assert_int_equal(int_of(json_array_get(e.items, 0), "row"), 12002);
    err_clear(&e);
    json_array_foreach(names, i, v)
    {
        char *q = xasprintf("SELECT COUNT(*) FROM \"%s\"", json_string_value(v));
        if (tdb_int(t->db, q) != int_of(counts, json_string_value(v)))
            fail_msg("%s: %lld rows, %lld before", json_string_value(v), (long long)tdb_int(t->db, q),
                     (long long)int_of(counts, json_string_value(v)));
        free(q);
    }
    assert_int_equal(tdb_int(t->db, "SELECT seq FROM audit_head"), seq);
    json_decref(names);
    json_decref(counts);
    /* without the bad row the same file lands whole */
    snprintf(path, sizeof path, "%s/patents.csv", dir);
    json_t *ok = NULL;
    T_OK(synth_write(dir, 12000, 5, &cnt, &e), &e);
    T_OK(imp_run(t->db, &actor, "patents.csv", path, NULL, 0, NULL, NULL, NULL, &ok, &e), &e);
    expect_counts(ok, 12000, 12000, 0, 0);
    json_decref(ok);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), 12000);
    assert_true(tdb_int(t->db, "SELECT COUNT(*) FROM patent_parties") >= 12000);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc i LEFT JOIN patents p ON p.id = i.patent_id"
                                    " WHERE p.id IS NULL"),
                     0);
    tdb_search_index_check(t->db, "patents");
    err_clear(&e);
}

/* ---- strmap ---- */

static void test_strmap(void **state)
{
    (void)state;
    strmap *m = strmap_new(free);
    int found = 1;
    assert_null(strmap_get(m, "x", &found));
    assert_false(found);
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        strmap_put(m, k, xasprintf("v%d", i));
    }
    strmap_put(m, "key7", xstrdup("seven"));
    strmap_put(m, "null", NULL);
    assert_int_equal(strmap_count(m), 5001);
    assert_string_equal(strmap_get(m, "key4999", NULL), "v4999");
    assert_string_equal(strmap_get(m, "key7", NULL), "seven");
    assert_null(strmap_get(m, "null", &found));
    assert_true(found);
    strmap_clear(m);
    assert_int_equal(strmap_count(m), 0);
    assert_null(strmap_get(m, "key1", &found));
    assert_false(found);
    strmap_free(m);
    strmap_free(NULL);
}

static int group_setup(void **state)
{
    (void)state;
    err e = ERR_INIT;
    if (addr_init(region_data_path(), &e)) {
        fprintf(stderr, "addr_init(%s): %s\n", region_data_path(), err_msg(&e, LANG_EN));
        err_clear(&e);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    addr_free();
    return 0;
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
#define T(f) cmocka_unit_test_setup_teardown(f, tdb_setup_demo, tdb_teardown)
    const struct CMUnitTest tests[] = {
        T(test_copy_values),
        T(test_copy_errors),
        T(test_next_id),
        T(test_bulk_mode_reads),
        T(test_bulk_mode_rollback),
        T(test_import_same_application),
        T(test_import_rejected_after_flush),
        cmocka_unit_test(test_strmap),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
