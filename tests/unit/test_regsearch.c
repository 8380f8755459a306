/* test_regsearch.c - registry full-text search (src/search/regsearch.h:
 * rs_search, rs_query_from_args) after real imports.
 *
 * The database (built once, then copied for every test: support_db.h
 * tdb_clone, a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
 * PostgreSQL) holds the 8 real XML files and the Lens CSV of ../shared/data/real
 * (run from the repository root), plus nine synthetic patents imported
 * from the patent template below (titles, holders, districts, dates and
 * events chosen so that each filter has something to keep and something to
 * drop) and their legal events.  Expected results are stated per query;
 * each is also checked against an independent SQL count over the same rows
 * (LIKE over title/abstract/holders for Chinese text, the filters spelled
 * out in SQL that both backends accept, pat_status_on for "in force"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "support_db.h"
#include "../../src/domain/address.h"
#include "../../src/domain/registry.h"
#include "../../src/import/importer.h"
#include "../../src/search/regsearch.h"
#include "../../src/search/search.h"

#define REAL "../shared/data/real/"

static const rec_actor actor = {0, "tester", ROLE_ADMIN, "310104-ipa"};

/* ---- the synthetic patents -------------------------------------------------
 *   S1 201910000001.9 invention 一种芯片封装结构      徐汇 310104  H01L  filed 2019-03-01 granted 2021-06-01
 *   S2 202020000002.1 utility   芯片散热装置          浦东 310115  H01L  filed 2020-01-10 granted 2020-07-01, lapse 2023-01-10
 *   S3 201810000003.3 invention 专利信息检索方法      海淀 110108  G06F  filed 2018-05-05 granted 2020-09-09
 *   S4 202120000004.5 utility   一种电缆芯线          闵行 310112  H01B  filed 2021-02-02 not granted
 *   S5 201710000005.8 invention 专用集成电路测试系统  徐汇 310104  G01R  filed 2017-07-07 granted 2019-01-01,
 *                                                                     lapse 2021-07-07, restoration 2021-10-01
 *   S6 202130000006.X design    芯片包装盒            徐汇 310104  -     filed 2021-06-01 granted 2021-12-01
 *   S7 202110000007.3 invention 一种片芯分离装置      南山 440305  B65G  filed 2021-03-03 granted 2023-03-03
 *   S8 202210000008.2 invention 数据处理方法 (holder 上海芯片研究院) 徐汇 G06F filed 2022-01-01 not granted
 *   S9 201510000009.7 invention 一种专门利用余热的装置 (US holder)  F28D  filed 2015-05-05 granted 2017-05-05
 * 芯片 is in S1, S2, S6 (titles) and S8 (holder); 芯 also in S4 and S7
 * (片芯 is not 芯片); 专利 only in S3 (S5 has 专用, S9 专门利用).
 */
#define S1 "201910000001.9"
#define S2 "202020000002.1"
#define S3 "201810000003.3"
#define S4 "202120000004.5"
#define S5 "201710000005.8"
#define S6 "202130000006.X"
#define S7 "202110000007.3"
#define S8 "202210000008.2"
#define S9 "201510000009.7"

static const char synthetic_csv[] =
    "申请号,专利类型,名称,摘要,申请日,授权公告日,IPC分类号,申请人,申请人地址,申请人国别,合成数据\r\n" S1
    ",发明,一种芯片封装结构（合成）,合成数据。,2019-03-01,2021-06-01,H01L 23/31;H01L 21/56,上海某科技有限公司（合成）,"
    "200030 上海市徐汇区漕宝路650号,CN,是\r\n" S2
    ",实用新型,芯片散热装置（合成）,合成数据。,2020-01-10,2020-07-01,H01L 23/367,浦东某电子有限公司（合成）,"
    "上海市浦东新区张江路100号,CN,是\r\n" S3
    ",发明,专利信息检索方法（合成）,合成数据。,2018-05-05,2020-09-09,G06F 16/31,北京某研究院（合成）,"
    "北京市海淀区中关村大街1号,CN,是\r\n" S4
    ",实用新型,一种电缆芯线（合成）,合成数据。,2021-02-02,,H01B 7/00,上海某线缆有限公司（合成）,上海市闵行区紫星路1号,CN,是\r\n" S5
    ",发明,专用集成电路测试系统（合成）,合成数据。,2017-07-07,2019-01-01,G01R 31/28,上海某科技有限公司（合成）,"
    "200030 上海市徐汇区漕宝路650号,CN,是\r\n" S6
    ",外观设计,芯片包装盒（合成）,合成数据。,2021-06-01,2021-12-01,,上海某科技有限公司（合成）,"
    "200030 上海市徐汇区漕宝路650号,CN,是\r\n" S7
    ",发明,一种片芯分离装置（合成）,合成数据。,2021-03-03,2023-03-03,B65G 47/00,深圳某公司（合成）,"
    "广东省深圳市南山区科技园路1号,CN,是\r\n" S8
    ",发明,数据处理方法（合成）,合成数据。,2022-01-01,,G06F 17/30,上海芯片研究院（合成）,"
    "200030 上海市徐汇区漕宝路650号,CN,是\r\n" S9
    ",发明,一种专门利用余热的装置（合成）,合成数据。,2015-05-05,2017-05-05,F28D 1/00,ACME ROBOTICS INC (SYNTHETIC),"
    "\"1 Example Street, Boston MA\",US,是\r\n";

static const char synthetic_events[] = "申请号,事件日期,事件类型,说明\r\n" S2 ",2023-01-10,lapse,合成数据\r\n" S5
                                       ",2021-07-07,lapse,合成数据\r\n" S5 ",2021-10-01,restoration,合成数据\r\n";

/* ---- the database: built once, copied per test ----------------------------- */

static tdb tmpl; /* the template, closed */

static void import_or_die(store *db, const char *name, const char *path, const void *data, size_t n)
{
    err e = ERR_INIT;
    json_t *rep = NULL;
    if (imp_run(db, &actor, name, path, data, n, NULL, NULL, NULL, &rep, &e)) {
        char *items = tdb_items_text(&e);
        fail_msg("import %s: %s %s", name, err_msg(&e, LANG_EN), items);
    }
    json_decref(rep);
}

static int setup(void **state)
{
    tdb *t = calloc(1, sizeof *t);
    tdb_clone(t, &tmpl);
    *state = t;
    return 0;
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
    tdb t;
    tdb_open(&t, 1);
    static const char *files[] = {
        REAL "cnipa-xml/cn_old1.xml",    REAL "cnipa-xml/cn_old2.xml",    REAL "cnipa-xml/cn_old3.xml",
        REAL "cnipa-xml/cn_new1.xml",    REAL "cnipa-xml/cn_new3.xml",    REAL "uspto-xml/US07272630B2.xml",
        REAL "uspto-xml/US08926509.xml", REAL "uspto-xml/US08930553.xml", REAL "lens/lens_autonomous_search.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        import_or_die(t.db, strrchr(files[i], '/') + 1, files[i], NULL, 0);
    import_or_die(t.db, "synthetic.csv", NULL, synthetic_csv, strlen(synthetic_csv));
    import_or_die(t.db, "events.csv", NULL, synthetic_events, strlen(synthetic_events));
    store_close(t.db);
    free(t.admin_pw);
    t.db = NULL;
    t.admin_pw = NULL;
    tmpl = t;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tdb_drop(&tmpl);
    addr_free();
    return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static const char *str_of(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Runs a search given as name/value pairs (NULL-terminated) through
 * rs_query_from_args; limit 200 unless given.  Fails on error. */
static json_t *search(store *db, const char *name, ...)
{
    json_t *args = json_pack("{s:s}", "limit", "200");
    va_list ap;
    va_start(ap, name);
    for (const char *k = name; k; k = va_arg(ap, const char *))
        json_object_set_new(args, k, json_string(va_arg(ap, const char *)));
    va_end(ap);
    rs_query q;
    err e = ERR_INIT;
    T_OK(rs_query_from_args(args, &q, &e), &e);
    json_t *out = NULL;
    T_OK(rs_search(db, &q, &out, &e), &e);
    assert_non_null(out);
    assert_true(json_is_array(json_object_get(out, "items")));
    json_decref(args);
    return out;
}

/* rs_search on a query built directly (any bytes, any limit). */
static json_t *search_raw(store *db, const char *text, int limit, const char *in_force_on)
{
    rs_query q;
    memset(&q, 0, sizeof q);
    q.q = text;
    q.limit = limit;
    q.count = 1;
    q.in_force_on = in_force_on;
    json_t *out = NULL;
    err e = ERR_INIT;
    T_OK(rs_search(db, &q, &out, &e), &e);
    assert_non_null(out);
    assert_true(json_is_array(json_object_get(out, "items")));
    assert_int_equal((int64_t)json_array_size(json_object_get(out, "items")),
                     json_integer_value(json_object_get(out, "total")) < limit
                         ? json_integer_value(json_object_get(out, "total"))
                         : limit);
    return out;
}

/* The application numbers of the items, sorted, space-separated. */
static char *appnos_of(const json_t *res)
{
    json_t *items = json_object_get(res, "items");
    size_t n = json_array_size(items);
    const char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = str_of(json_array_get(items, i), "appno");
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            const char *x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    buf b = BUF_INIT;
    buf_putc(&b, '\0');
    b.len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(&b, ' ');
        buf_puts(&b, v[i]);
    }
    free(v);
    return buf_detach(&b);
}

/* The application numbers a SQL query returns, sorted, space-separated;
 * params are text.  sql must be SQL both backends accept. */
static char *appnos_sql(store *db, const char *sql, int nparams, ...)
{
    err e = ERR_INIT;
    buf q = BUF_INIT;
    buf_printf(&q, "SELECT appno FROM patents p WHERE p.deleted_at IS NULL AND (%s) ORDER BY appno", sql);
    store_stmt *st = store_prepare(db, q.s, &e);
    buf_free(&q);
    if (!st) fail_msg("prepare %s: %s", sql, err_msg(&e, LANG_EN));
    va_list ap;
    va_start(ap, nparams);
    for (int i = 1; i <= nparams; i++) store_bind_text(st, i, va_arg(ap, const char *));
    va_end(ap);
    /* sorted here as appnos_of() sorts (strcmp), not by the database's collation */
    json_t *res = json_pack("{s:[]}", "items");
    while (store_step(st, &e) == 1)
        json_array_append_new(json_object_get(res, "items"), json_pack("{s:s}", "appno", store_col_text(st, 0)));
    store_done(st);
    char *out = appnos_of(res);
    json_decref(res);
    return out;
}

/* Sorted, space-separated list of the given appnos (NULL-terminated). */
static char *appnos_list(const char *first, ...)
{
    const char *v[64];
    size_t n = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s && n < 64; s = va_arg(ap, const char *)) v[n++] = s;
    va_end(ap);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            const char *x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    buf b = BUF_INIT;
    buf_putc(&b, '\0');
    b.len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(&b, ' ');
        buf_puts(&b, v[i]);
    }
    return buf_detach(&b);
}

#define EXPECT_SET(got_, want_) \
    do { \
        char *g_ = (got_), *w_ = (want_); \
        if (strcmp(g_, w_)) fail_msg("got [%s]\nexpected [%s]", g_, w_); \
        free(g_); \
        free(w_); \
    } while (0)

/* The item with this appno (fails when absent). */
static json_t *item_of(const json_t *res, const char *appno)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(res, "items"), i, it) if (!strcmp(str_of(it, "appno"), appno)) return it;
    fail_msg("%s not in the results", appno);
    return NULL;
}

/* Text in the three indexed columns, for the LIKE oracle. */
#define TEXT_LIKE "(p.title LIKE ?1 OR p.abstract LIKE ?1 OR p.holders LIKE ?1)"

static void expect_search_counts(store *db);

/* ---- 5. search -------------------------------------------------------------- */

static void test_chinese_terms(void **state)
{
    tdb *t = *state;
    /* 芯片: the three titles and the holder 上海芯片研究院 */
    json_t *r = search(t->db, "q", "芯片", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, S6, S8, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE, 1, "%芯片%"));
    assert_string_equal(str_of(item_of(r, S1), "title_hl"), "一种<mark>芯片</mark>封装结构（合成）");
    assert_string_equal(str_of(item_of(r, S2), "title_hl"), "<mark>芯片</mark>散热装置（合成）");
    assert_string_equal(str_of(item_of(r, S8), "holders_hl"), "上海<mark>芯片</mark>研究院（合成）");
    json_decref(r);
    /* 专利: only S3 (专用, 专门利用 are not 专利) */
    r = search(t->db, "q", "专利", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S3, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE, 1, "%专利%"));
    assert_string_equal(str_of(item_of(r, S3), "title_hl"), "<mark>专利</mark>信息检索方法（合成）");
    json_decref(r);
    /* 芯 (one character): also the cable core and 片芯 */
    r = search(t->db, "q", "芯", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, S4, S6, S7, S8, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE, 1, "%芯%"));
    assert_string_equal(str_of(item_of(r, S7), "title_hl"), "一种片<mark>芯</mark>分离装置（合成）");
    json_decref(r);
    /* two terms are both required */
    r = search(t->db, "q", "芯片 封装", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, NULL));
    json_decref(r);
}

static void test_gancao(void **state)
{
    tdb *t = *state;
    json_t *r = search(t->db, "q", "甘草", "count", "1", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
    json_t *it = json_array_get(json_object_get(r, "items"), 0);
    assert_string_equal(str_of(it, "type"), "patent");
    assert_string_equal(str_of(it, "appno"), "201410408762.5");
    assert_string_equal(str_of(it, "kind"), "invention");
    assert_string_equal(str_of(it, "kind_zh"), "发明");
    assert_string_equal(str_of(it, "title"), "一种甘草发酵所得烟用香料及其应用");
    assert_string_equal(str_of(it, "first_applicant"), "云南中烟工业有限责任公司");
    assert_string_equal(str_of(it, "filing_date"), "2014-08-19");
    assert_string_equal(str_of(it, "region_code"), "530102");
    assert_string_equal(str_of(it, "ipc_main"), "A24B 15/18");
    assert_true(json_is_false(json_object_get(it, "synthetic")));
    assert_string_equal(str_of(it, "title_hl"), "一种<mark>甘草</mark>发酵所得烟用香料及其应用");
    assert_non_null(strstr(str_of(it, "abstract_hl"), "<mark>甘草</mark>"));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE, 1, "%甘草%"));
    json_decref(r);
}

static void test_english(void **state)
{
    tdb *t = *state;
    /* Words of the USPTO titles, in any case. */
    static const char *forms[] = {"STOCHASTIC", "stochastic", "Stochastic", "sToChAsTiC"};
    for (int i = 0; i < 4; i++) {
        json_t *r = search(t->db, "q", forms[i], NULL);
        EXPECT_SET(appnos_of(r), appnos_list("US10991571", NULL));
        json_decref(r);
    }
    json_t *r = search(t->db, "q", "WIRELESS physiological", NULL);
    EXPECT_SET(appnos_of(r), appnos_list("US12134151", NULL));
    /* adjacent matches are marked as one run */
    assert_string_equal(str_of(item_of(r, "US12134151"), "title_hl"),
                        "<mark>Wireless physiological</mark> sensor patches and systems");
    json_decref(r);
    /* The word alone: the USPTO grant and three Lens titles. */
    r = search(t->db, "q", "Physiological", NULL);
    EXPECT_SET(appnos_of(r), appnos_list("US12134151", "201410314286.0", "MX2014008357", "US201313937446", NULL));
    json_decref(r);
    /* (SIP) is a word; "dissipation" is not "sip". */
    r = search(t->db, "q", "sip", NULL);
    EXPECT_SET(appnos_of(r), appnos_list("US13648029", NULL));
    json_decref(r);
    r = search(t->db, "q", "Mid-Dialog", NULL);
    EXPECT_SET(appnos_of(r), appnos_list("US13648029", NULL));
    json_decref(r);
    /* 9 titles say Wireless (the USPTO one and 8 Lens rows) */
    r = search(t->db, "q", "wireless", "count", "1", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 9);
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, "lower(p.title) LIKE '%wireless%'", 0));
    json_decref(r);
}

/* Each filter narrows the results exactly as SQL over the same rows says. */
static void test_filters(void **state)
{
    tdb *t = *state;
    json_t *r;
    /* kind */
    r = search(t->db, "q", "芯", "kind", "utility", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S2, S4, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE " AND p.kind = 'utility'", 1, "%芯%"));
    json_decref(r);
    r = search(t->db, "q", "芯", "kind", "design", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S6, NULL));
    json_decref(r);
    r = search(t->db, "q", "wireless", "kind", "utility", NULL);
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, "lower(p.title) LIKE '%wireless%' AND p.kind = 'utility'", 0));
    json_decref(r);

    /* IPC prefix: subclass, group, lower case */
    r = search(t->db, "q", "芯", "ipc", "H01L", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db,
                                        TEXT_LIKE " AND EXISTS (SELECT 1 FROM patent_ipc i WHERE i.patent_id = p.id AND"
                                                  " substr(i.code, 1, 4) = 'H01L')",
                                        1, "%芯%"));
    json_decref(r);
    r = search(t->db, "q", "芯", "ipc", "h01l 23/3", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, NULL));
    json_decref(r);
    r = search(t->db, "q", "芯", "ipc", "H01L 23/31", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, NULL));
    json_decref(r);
    r = search(t->db, "q", "芯", "ipc", "H01L 21/56", NULL); /* a second code counts too */
    EXPECT_SET(appnos_of(r), appnos_list(S1, NULL));
    json_decref(r);
    r = search(t->db, "q", "wireless", "ipc", "H04W", NULL);
    EXPECT_SET(
        appnos_of(r),
        appnos_sql(t->db,
                   "lower(p.title) LIKE '%wireless%' AND EXISTS (SELECT 1 FROM patent_ipc i WHERE i.patent_id = p.id"
                   " AND substr(i.code, 1, 4) = 'H04W')",
                   0));
    json_decref(r);

    /* region: a district, a province, another province */
    r = search(t->db, "q", "芯", "region", "310104", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S6, S8, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE " AND p.region_code = '310104'", 1, "%芯%"));
    json_decref(r);
    r = search(t->db, "q", "芯", "region", "310000", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, S4, S6, S8, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE " AND substr(p.region_code, 1, 2) = '31'", 1, "%芯%"));
    json_decref(r);
    r = search(t->db, "q", "芯", "region", "440000", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S7, NULL));
    json_decref(r);
    r = search(t->db, "q", "芯", "region", "440300", NULL); /* a city: its districts */
    EXPECT_SET(appnos_of(r), appnos_list(S7, NULL));
    json_decref(r);
    r = search(t->db, "q", "专利", "region", "110000", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S3, NULL));
    json_decref(r);
    r = search(t->db, "q", "甘草", "region", "530000", NULL);
    EXPECT_SET(appnos_of(r), appnos_list("201410408762.5", NULL));
    json_decref(r);
    r = search(t->db, "q", "甘草", "region", "310000", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);

    /* holder substring */
    r = search(t->db, "q", "芯", "holder", "上海某科技", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S6, NULL));
    EXPECT_SET(appnos_of(r), appnos_sql(t->db, TEXT_LIKE " AND p.holders LIKE '%上海某科技%'", 1, "%芯%"));
    json_decref(r);
    r = search(t->db, "q", "Physiological", "holder", "FORD", NULL);
    EXPECT_SET(appnos_of(r),
               appnos_sql(t->db, "lower(p.title) LIKE '%physiological%' AND upper(p.holders) LIKE '%FORD%'", 0));
    json_decref(r);

    /* filing dates, both ends inclusive */
    r = search(t->db, "q", "芯", "filed_from", "2020-01-01", "filed_to", "2021-06-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S2, S4, S6, S7, NULL));
    EXPECT_SET(appnos_of(r),
               appnos_sql(t->db, TEXT_LIKE " AND p.filing_date BETWEEN '2020-01-01' AND '2021-06-01'", 1, "%芯%"));
    json_decref(r);
    r = search(t->db, "q", "芯", "filed_from", "2021-06-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S6, S8, NULL));
    json_decref(r);
    r = search(t->db, "q", "芯", "filed_to", "2019-03-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, NULL));
    json_decref(r);
    r = search(t->db, "q", "wireless", "filed_from", "2013-01-01", "filed_to", "2014-12-31", NULL);
    EXPECT_SET(appnos_of(r), appnos_sql(t->db,
                                        "lower(p.title) LIKE '%wireless%' AND p.filing_date >= '2013-01-01' AND"
                                        " p.filing_date <= '2014-12-31'",
                                        0));
    json_decref(r);

    /* everything at once */
    r = search(t->db, "q", "芯", "region", "310000", "kind", "invention", "ipc", "H01L", "holder", "上海", "filed_from",
               "2019-01-01", "in_force_on", "2023-06-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, NULL));
    json_decref(r);
}

/* in_force_on keeps exactly the hits pat_status_on says are in force. */
static void expect_in_force_filter(store *db, const char *q, const char *day)
{
    json_t *all = search_raw(db, q, 100000, NULL);
    json_t *kept = search_raw(db, q, 100000, day);
    assert_true(json_is_null(json_object_get(all, "next_offset")));
    buf want = BUF_INIT;
    buf_putc(&want, '\0');
    want.len = 0;
    /* the hits in appno order */
    char *hits = appnos_of(all);
    char *save = NULL;
    for (char *a = strtok_r(hits, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
        json_t *it = item_of(all, a), *p = NULL, *ev = NULL;
        err e = ERR_INIT;
        int64_t id = json_integer_value(json_object_get(it, "id"));
        T_OK(rec_get(db, &type_patent, &actor, id, &p, &e), &e);
        T_OK(pat_events_load(db, id, &ev, &e), &e);
        long d;
        assert_int_equal(util_date_parse(day, &d), 0);
        pat_status s;
        pat_status_on(p, ev, d, &s);
        if (s.state == PAT_IN_FORCE) {
            if (want.len) buf_putc(&want, ' ');
            buf_puts(&want, a);
        }
        json_decref(p);
        json_decref(ev);
    }
    free(hits);
    EXPECT_SET(appnos_of(kept), buf_detach(&want));
    json_decref(all);
    json_decref(kept);
}

static void test_in_force_filter(void **state)
{
    tdb *t = *state;
    /* 2023-06-01: S1 (granted 2021), S6 (2021-12-01), S7 (2023-03-03);
     * S2 lapsed 2023-01-10; S4, S8 not granted. */
    json_t *r = search(t->db, "q", "芯", "in_force_on", "2023-06-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S6, S7, NULL));
    json_decref(r);
    /* 2022-12-31: S2 still in force, S7 not yet granted. */
    r = search(t->db, "q", "芯", "in_force_on", "2022-12-31", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, S6, NULL));
    json_decref(r);
    /* S5: lapsed 2021-07-07, restored 2021-10-01. */
    r = search(t->db, "q", "专用", "in_force_on", "2021-08-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);
    r = search(t->db, "q", "专用", "in_force_on", "2021-10-01", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S5, NULL));
    json_decref(r);
    r = search(t->db, "q", "专用", "in_force_on", "2021-07-06", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S5, NULL));
    json_decref(r);
    /* against the C rule, for Chinese and English hits and several days */
    static const char *days[] = {"2010-01-01", "2015-01-06", "2016-03-01", "2020-07-01",
                                 "2021-06-01", "2023-01-10", "2024-11-18", "2030-01-01"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        expect_in_force_filter(t->db, "芯", days[i]);
        expect_in_force_filter(t->db, "专用", days[i]);
        expect_in_force_filter(t->db, "autonomous", days[i]);
        expect_in_force_filter(t->db, "wireless", days[i]);
        expect_in_force_filter(t->db, "stochastic", days[i]);
    }
}

/* 1 when text, lower-cased (ASCII letters only), holds word with no
 * letter a-z right before or after it. */
static int has_word(const char *text, const char *word)
{
    if (!text) return 0;
    size_t n = strlen(text), w = strlen(word);
    char *low = malloc(n + 1);
    for (size_t i = 0; i <= n; i++) low[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] + 32) : text[i];
    int found = 0;
    for (const char *p = low; !found && (p = strstr(p, word)); p++) {
        char before = p == low ? ' ' : p[-1], after = p[w] ? p[w] : ' ';
        found = !(before >= 'a' && before <= 'z') && !(after >= 'a' && after <= 'z');
    }
    free(low);
    return found;
}

/* The live patents with the English word in title, abstract or holders:
 * the oracle of a one-word search, worked out here rather than in one
 * backend's pattern syntax (SQLite GLOB, PostgreSQL ~). */
static int64_t count_word(store *db, const char *word)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, "SELECT title, abstract, holders FROM patents WHERE deleted_at IS NULL", &e);
    if (!st) fail_msg("prepare: %s", err_msg(&e, LANG_EN));
    int64_t n = 0;
    int rc;
    while ((rc = store_step(st, &e)) == 1)
        n += has_word(store_col_text(st, 0), word) || has_word(store_col_text(st, 1), word) ||
             has_word(store_col_text(st, 2), word);
    store_done(st);
    if (rc < 0) fail_msg("step: %s", err_msg(&e, LANG_EN));
    return n;
}

static void test_count_and_paging(void **state)
{
    tdb *t = *state;
    json_t *r = search(t->db, "q", "autonomous", "count", "1", NULL);
    int64_t total = json_integer_value(json_object_get(r, "total"));
    /* the word "autonomous" (not "autonomously") in any of the three columns */
    int64_t want = count_word(t->db, "autonomous");
    assert_true(want > 200);
    assert_int_equal(total, want);
    json_decref(r);
    /* pages of 7: the totals agree, pages do not overlap, next_offset ends */
    json_t *seen = json_object();
    int64_t off = 0, pages = 0;
    for (;;) {
        char lim[8] = "7", offs[24];
        snprintf(offs, sizeof offs, "%lld", (long long)off);
        r = search(t->db, "q", "autonomous", "count", "true", "limit", lim, "offset", offs, NULL);
        assert_int_equal(json_integer_value(json_object_get(r, "total")), total);
        json_t *items = json_object_get(r, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *a = str_of(it, "appno");
            if (json_object_get(seen, a)) fail_msg("%s on two pages", a);
            json_object_set_new(seen, a, json_true());
        }
        json_t *next = json_object_get(r, "next_offset");
        pages++;
        if (json_is_null(next)) {
            assert_true(json_array_size(items) <= 7);
            json_decref(r);
            break;
        }
        assert_int_equal(json_array_size(items), 7);
        assert_int_equal(json_integer_value(next), off + 7);
        off += 7;
        json_decref(r);
        assert_true(pages < 1000);
    }
    assert_int_equal(json_object_size(seen), total);
    json_decref(seen);
    /* without count there is no total */
    r = search(t->db, "q", "autonomous", NULL);
    assert_null(json_object_get(r, "total"));
    json_decref(r);
}

static void test_punctuation_only(void **state)
{
    tdb *t = *state;
    static const char *qs[] = {"，。！？、；：", "!!!", "...", "（）《》", "-", "\"\"", "*", "\xe3\x80\x80"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        json_t *r = search(t->db, "q", qs[i], "count", "1", NULL);
        assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
        assert_int_equal(json_integer_value(json_object_get(r, "total")), 0);
        assert_true(json_is_null(json_object_get(r, "next_offset")));
        json_decref(r);
    }
    /* an empty query is refused by the argument check */
    json_t *args = json_pack("{s:s}", "q", "");
    rs_query q;
    err e = ERR_INIT;
    assert_int_equal(rs_query_from_args(args, &q, &e), -1);
    T_ERR(&e, 400, "search.empty");
    err_clear(&e);
    json_decref(args);
}

static void test_hostile_input(void **state)
{
    tdb *t = *state;
    int64_t n0 = tdb_int(t->db, "SELECT COUNT(*) FROM patents");
    int64_t u0 = tdb_int(t->db, "SELECT COUNT(*) FROM users");
    static const char *qs[] = {
        "'; DROP TABLE patents; --",
        "\"",
        "\"\"\"",
        "芯片\" OR \"1\"=\"1",
        "title:芯片",
        "{title abstract}: 芯片",
        "NEAR(芯 片)",
        "芯*",
        "^芯片",
        "(",
        ")",
        "AND",
        "OR NOT",
        "芯片 NOT 封装",
        "%",
        "_",
        "\\",
        "' OR 1=1 --",
        "芯片' UNION SELECT name, password FROM users --",
        "\x01\x02",
        "rowid:1",
        "patents_fts:芯片",
        "*芯片",
        "芯片)",
        "a\"b",
        "芯片\t\n封装",
        "\xef\xbb\xbf芯片",
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        json_t *r = search_raw(t->db, qs[i], 50, NULL);
        json_decref(r);
        r = search(t->db, "q", qs[i], "count", "1", NULL); /* the same through the argument parser */
        json_decref(r);
    }
    /* a very long query */
    buf b = BUF_INIT;
    for (int i = 0; i < 2000; i++) buf_puts(&b, i % 3 ? "芯片 " : "\"(' ");
    json_decref(search(t->db, "q", b.s, NULL));
    buf_free(&b);
    /* hostile filter values are bound, never pasted */
    json_t *r = search(t->db, "q", "芯", "holder", "%' OR 1=1 --", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    json_decref(r);
    r = search(t->db, "q", "芯", "ipc", "'; DROP TABLE patent_ipc; --", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    json_decref(r);
    /* ... or refused */
    static const char *bad[][2] = {{"region", "310104' OR '1'='1"},
                                   {"filed_from", "2020-01-01' --"},
                                   {"kind", "invention' OR 1=1"},
                                   {"in_force_on", "now"},
                                   {"limit", "-1"},
                                   {"drop", "x"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *args = json_pack("{s:s,s:s}", "q", "芯片", bad[i][0], bad[i][1]);
        rs_query q;
        err e = ERR_INIT;
        assert_int_equal(rs_query_from_args(args, &q, &e), -1);
        assert_int_equal(e.status, 400);
        err_clear(&e);
        json_decref(args);
    }
    /* the tables are intact and the index consistent */
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), n0);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM users"), u0);
    assert_true(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc") > 0);
    tdb_search_index_check(t->db, "patents");
    r = search(t->db, "q", "芯片", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, S6, S8, NULL));
    json_decref(r);
}

/* Text that is not UTF-8 (rs_search may be called without
 * rs_query_from_args): either an error, or a result object - never
 * success without a result. */
static void test_invalid_utf8_query(void **state)
{
    tdb *t = *state;
    static const char *qs[] = {"\xe8\x8a" /* a cut sequence: no token */,
                               "\xff\xfe芯片" /* a stray byte, then a token */};
    int bad = 0;
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        rs_query q;
        memset(&q, 0, sizeof q);
        q.q = qs[i];
        q.limit = 20;
        json_t *out = NULL;
        err e = ERR_INIT;
        int rc = rs_search(t->db, &q, &out, &e);
        if (rc == 0 && !out) {
            print_error("query %zu: rs_search returned 0 with *out NULL\n", i);
            bad++;
            continue;
        }
        if (rc) {
            assert_null(out);
            assert_int_equal(e.status, 400);
        } else
            assert_true(json_is_array(json_object_get(out, "items")));
        json_decref(out);
        err_clear(&e);
    }
    assert_true(tdb_int(t->db, "SELECT COUNT(*) FROM patents") > 700);
    assert_int_equal(bad, 0);
}

static int64_t id_of(store *db, const char *appno)
{
    err e = ERR_INIT;
    int64_t id = 0;
    T_OK(store_query_int(db, "SELECT id FROM patents WHERE appno = ?", &id, &e, 1, appno), &e);
    assert_true(id > 0);
    return id;
}

static void test_update_and_delete(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    tdb_search_index_check(t->db, "patents");
    /* S1 renamed: the old title no longer matches, the new one does */
    int64_t id = id_of(t->db, S1);
    json_t *cur = NULL, *out = NULL;
    T_OK(rec_get(t->db, &type_patent, &actor, id, &cur, &e), &e);
    json_t *patch = json_pack("{s:s}", "title", "一种光刻胶组合物（合成）");
    T_OK(rec_update(t->db, &type_patent, &actor, id, patch, json_integer_value(json_object_get(cur, "version")), &out,
                    &e),
         &e);
    json_decref(patch);
    json_decref(cur);
    json_decref(out);
    json_t *r = search(t->db, "q", "芯片", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S2, S6, S8, NULL));
    json_decref(r);
    r = search(t->db, "q", "封装结构", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);
    r = search(t->db, "q", "光刻胶", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, NULL));
    assert_string_equal(str_of(item_of(r, S1), "title_hl"), "一种<mark>光刻胶</mark>组合物（合成）");
    assert_string_equal(str_of(item_of(r, S1), "title"), "一种光刻胶组合物（合成）");
    json_decref(r);
    tdb_search_index_check(t->db, "patents");
    /* a holder change is searchable too */
    id = id_of(t->db, S4);
    T_OK(rec_get(t->db, &type_patent, &actor, id, &cur, &e), &e);
    patch = json_pack("{s:[{s:s,s:s}]}", "applicants", "name", "上海光刻研究所（合成）", "address",
                      "上海市闵行区紫星路1号");
    T_OK(rec_update(t->db, &type_patent, &actor, id, patch, json_integer_value(json_object_get(cur, "version")), &out,
                    &e),
         &e);
    json_decref(patch);
    json_decref(cur);
    json_decref(out);
    r = search(t->db, "q", "光刻", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S4, NULL));
    json_decref(r);
    r = search(t->db, "q", "线缆", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);

    /* S2 soft-deleted: not found any more, by any of its words */
    id = id_of(t->db, S2);
    T_OK(rec_get(t->db, &type_patent, &actor, id, &cur, &e), &e);
    T_OK(rec_delete(t->db, &type_patent, &actor, id, json_integer_value(json_object_get(cur, "version")), &e), &e);
    json_decref(cur);
    r = search(t->db, "q", "芯片", "count", "1", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S6, S8, NULL));
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
    json_decref(r);
    r = search(t->db, "q", "散热", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);
    r = search(t->db, "q", "浦东某电子", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);
    /* a real patent too */
    id = id_of(t->db, "201410408762.5");
    T_OK(rec_get(t->db, &type_patent, &actor, id, &cur, &e), &e);
    T_OK(rec_delete(t->db, &type_patent, &actor, id, json_integer_value(json_object_get(cur, "version")), &e), &e);
    json_decref(cur);
    r = search(t->db, "q", "甘草", "count", "1", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 0);
    json_decref(r);

    /* Importing the synthetic file again: S2 comes back as a new record,
     * S1 and S4 get their old title and holder back; each is found once. */
    import_or_die(t->db, "synthetic.csv", NULL, synthetic_csv, strlen(synthetic_csv));
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents WHERE appno = '" S2 "'"), 2);
    r = search(t->db, "q", "芯片", "count", "1", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S1, S2, S6, S8, NULL));
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 4);
    json_decref(r);
    r = search(t->db, "q", "光刻", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(NULL));
    json_decref(r);
    r = search(t->db, "q", "线缆", NULL);
    EXPECT_SET(appnos_of(r), appnos_list(S4, NULL));
    json_decref(r);
    expect_search_counts(t->db);
}

/* Trademarks are searched with scope=trademarks. */
static void test_trademark_scope(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "reg_no", "30000001", "mark_text", "芯联", "applicant",
                           "上海某科技有限公司（合成）", "goods", "芯片；集成电路", "status", "registered", "reg_date",
                           "2020-01-01", "expiry_date", "2029-12-31", "region_code", "310104");
    T_OK(rec_create(t->db, &type_trademark, &actor, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
    json_t *r = search(t->db, "q", "芯片", "scope", "trademarks", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    json_t *it = json_array_get(json_object_get(r, "items"), 0);
    assert_string_equal(str_of(it, "type"), "trademark");
    assert_string_equal(str_of(it, "reg_no"), "30000001");
    assert_non_null(strstr(str_of(it, "goods_hl"), "<mark>芯片</mark>"));
    json_decref(r);
    r = search(t->db, "q", "芯片", "scope", "trademarks", "in_force_on", "2030-01-01", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 0);
    json_decref(r);
    r = search(t->db, "q", "芯片", "scope", "trademarks", "region", "310000", NULL);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    json_decref(r);
}

/* ---- ranking: every result and score against an oracle worked out in C ---- */

/* The searchable columns and ranking weights of a scope (regsearch.c). */
typedef struct scope_def {
    const char *scope, *table, *cols[3];
    double weights[3];
} scope_def;

static const scope_def PATENTS = {"patents", "patents", {"title", "abstract", "holders"}, {10, 1, 5}};
static const scope_def TRADEMARKS = {"trademarks", "trademarks", {"mark_text", "applicant", "goods"}, {10, 5, 1}};

typedef struct hit {
    int64_t id;
    double score;
} hit;

static int hit_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The expected answer to text on scope sd: every live row in which each
 * phrase of the query matches (found by srch_col_match, which
 * test_search.c checks against FTS5), scored by srch_bm25 with the IDFs
 * over all live rows, best first, equal scores by id.  *n gets the count. */
static hit *oracle(store *db, const scope_def *sd, const char *text, int *n)
{
    srch_query *q = srch_query_parse(text);
    assert_non_null(q);
    err e = ERR_INIT;
    buf sql = BUF_INIT;
    buf_printf(&sql, "SELECT id, %s, %s, %s FROM %s WHERE deleted_at IS NULL ORDER BY id", sd->cols[0], sd->cols[1],
               sd->cols[2], sd->table);
    store_stmt *st = store_prepare(db, sql.s, &e);
    buf_free(&sql);
    assert_non_null(st);
    int cap = 64, nrow = 0;
    int64_t *ids = malloc((size_t)cap * sizeof *ids);
    double *fs = malloc((size_t)cap * SRCH_MAX_TERMS * sizeof *fs);
    int64_t nhit[SRCH_MAX_TERMS] = {0};
    while (store_step(st, &e) == 1) {
        if (nrow == cap) {
            cap *= 2;
            ids = realloc(ids, (size_t)cap * sizeof *ids);
            fs = realloc(fs, (size_t)cap * SRCH_MAX_TERMS * sizeof *fs);
        }
        double *f = fs + (size_t)nrow * SRCH_MAX_TERMS;
        memset(f, 0, SRCH_MAX_TERMS * sizeof *f);
        for (int c = 0; c < 3; c++) {
            const char *v = store_col_text(st, 1 + c);
            srch_col col;
            srch_col_init(&col, v, v ? (int)strlen(v) : 0);
            srch_col_match(&col, q, sd->weights[c], f);
            srch_col_free(&col);
        }
        for (int p = 0; p < q->n; p++) nhit[p] += f[p] > 0;
        ids[nrow++] = store_col_int(st, 0);
    }
    store_done(st);
    assert_false(err_isset(&e));
    double idf[SRCH_MAX_TERMS];
    for (int p = 0; p < q->n; p++) idf[p] = srch_idf(nrow, nhit[p]);
    hit *hits = calloc((size_t)nrow + 1, sizeof *hits);
    *n = 0;
    for (int r = 0; r < nrow; r++) {
        const double *f = fs + (size_t)r * SRCH_MAX_TERMS;
        int all = 1;
        for (int p = 0; p < q->n; p++) all &= f[p] > 0;
        if (all) hits[(*n)++] = (hit){ids[r], srch_bm25(idf, f, q->n)};
    }
    qsort(hits, (size_t)*n, sizeof *hits, hit_cmp);
    free(ids);
    free(fs);
    srch_query_free(q);
    return hits;
}

/* rs_search's answer to text on scope sd (all pages of 7, then one page
 * of 200) equals the oracle: the same rows in the same order with the
 * same scores (bit for bit), the same total.  Returns the number of hits. */
static int expect_ranking(store *db, const scope_def *sd, const char *text)
{
    int n;
    hit *want = oracle(db, sd, text, &n);
    json_t *r = search(db, "q", text, "scope", sd->scope, "count", "1", NULL);
    assert_string_equal(str_of(r, "order"), "relevance");
    assert_int_equal(json_integer_value(json_object_get(r, "total")), n);
    json_t *items = json_object_get(r, "items");
    assert_int_equal(json_array_size(items), n < 200 ? n : 200);
    for (int i = 0; i < n && i < 200; i++) {
        json_t *it = json_array_get(items, (size_t)i);
        int64_t id = json_integer_value(json_object_get(it, "id"));
        double score = json_real_value(json_object_get(it, "score"));
        if (id != want[i].id || score != want[i].score)
            fail_msg("[%s] item %d: id %lld score %.17g, expected id %lld score %.17g", text, i, (long long)id, score,
                     (long long)want[i].id, want[i].score);
    }
    json_decref(r);
    for (int off = 0; off < n && off < 30; off += 7) {
        char offs[16];
        snprintf(offs, sizeof offs, "%d", off);
        r = search(db, "q", text, "scope", sd->scope, "limit", "7", "offset", offs, NULL);
        items = json_object_get(r, "items");
        for (size_t i = 0; i < json_array_size(items); i++)
            assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "id")),
                             want[off + (int)i].id);
        assert_int_equal(json_array_size(items), n - off < 7 ? n - off : 7);
        json_decref(r);
    }
    free(want);
    return n;
}

static void add_mark(store *db, const char *reg_no, const char *mark, const char *goods)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "reg_no", reg_no, "mark_text", mark, "applicant",
                           "上海某科技有限公司（合成）", "goods", goods, "status", "registered", "reg_date",
                           "2020-01-01", "expiry_date", "2029-12-31", "region_code", "310104");
    T_OK(rec_create(db, &type_trademark, &actor, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
}

/* On PostgreSQL the statistics the IDFs use, kept by triggers, agree with
 * the index tables: search_counts (rows) and search_df (rows per
 * lexeme; lexemes no row holds any more may stay with 0). */
static void expect_search_counts(store *db)
{
    if (store_kind_of(db) != STORE_PG) return;
    static const char *const sides[] = {"patents_search", "trademarks_search"};
    for (int i = 0; i < 2; i++) {
        char sql[640];
        snprintf(sql, sizeof sql, "SELECT n FROM search_counts WHERE name = '%s'", sides[i]);
        int64_t n = tdb_int(db, sql);
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", sides[i]);
        assert_int_equal(n, tdb_int(db, sql));
        snprintf(
            sql, sizeof sql,
            "SELECT COUNT(*) FROM (SELECT l, COUNT(*) AS c FROM %s, unnest(tsvector_to_array(tsv)) AS l GROUP BY l) x"
            " FULL JOIN (SELECT lexeme, n FROM search_df WHERE name = '%s' AND n <> 0) d ON d.lexeme = x.l"
            " WHERE x.c IS DISTINCT FROM d.n",
            sides[i], sides[i]);
        assert_int_equal(tdb_int(db, sql), 0);
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM search_df WHERE name = '%s'", sides[i]);
        if (n) assert_true(tdb_int(db, sql) > 0);
    }
}

static void test_ranking(void **state)
{
    tdb *t = *state;
    /* patents: one to four characters, words, several terms, a prefix */
    static const char *pq[] = {
        "芯片",     "芯",           "甘草 香料",          "一种",     "装置 方法", "合成",
        "专利信息", "集成电路测试", "autonomous vehicle", "wireless", "autonom*",  "synthetic 芯片",
        "Vehicle"};
    int total = 0;
    for (size_t i = 0; i < sizeof pq / sizeof pq[0]; i++) total += expect_ranking(t->db, &PATENTS, pq[i]);
    assert_true(total > 500);
    /* trademarks, with phrases whose matches overlap (counted from the text
     * on PostgreSQL) and repeated terms: weights 10 / 5 / 1 */
    add_mark(t->db, "30000101", "哈哈哈哈", "芯片；哈哈");
    add_mark(t->db, "30000102", "哈哈哈", "哈哈哈哈哈；芯芯片");
    add_mark(t->db, "30000103", "芯芯片芯片", "芯片芯片芯片");
    add_mark(t->db, "30000104", "芯片", "集成电路芯片；芯，芯片");
    add_mark(t->db, "30000105", "哈", "服装");
    static const char *tq[] = {"哈哈哈", "哈哈", "哈",      "芯片芯片",  "芯,芯片",
                               "芯芯片", "芯片", "芯 哈哈", "上海某科技"};
    for (size_t i = 0; i < sizeof tq / sizeof tq[0]; i++) assert_true(expect_ranking(t->db, &TRADEMARKS, tq[i]) > 0);
    expect_search_counts(t->db);
}

/* rs_rebuild gives back the same index (and on PostgreSQL the same row
 * counts), in the caller's transaction or its own. */
static void test_rebuild(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *before = search(t->db, "q", "芯", "count", "1", NULL);
    T_OK(rs_rebuild(t->db, &e), &e);
    tdb_search_index_check(t->db, "patents");
    tdb_search_index_check(t->db, "trademarks");
    expect_search_counts(t->db);
    json_t *after = search(t->db, "q", "芯", "count", "1", NULL);
    char *a = json_dumps(before, JSON_SORT_KEYS), *b = json_dumps(after, JSON_SORT_KEYS);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(before);
    json_decref(after);
    T_OK(store_begin(t->db, &e), &e);
    T_OK(rs_rebuild(t->db, &e), &e);
    T_OK(store_commit(t->db, &e), &e);
    expect_search_counts(t->db);
    expect_ranking(t->db, &PATENTS, "芯片");
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tdb_teardown)
    const struct CMUnitTest tests[] = {
        T(test_chinese_terms),     T(test_gancao),          T(test_english),
        T(test_filters),           T(test_in_force_filter), T(test_count_and_paging),
        T(test_punctuation_only),  T(test_hostile_input),   T(test_invalid_utf8_query),
        T(test_update_and_delete), T(test_trademark_scope), T(test_ranking),
        T(test_rebuild),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
