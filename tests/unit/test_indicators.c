/* test_indicators.c - the official indicators (src/domain/indicators.h):
 * the SEI concordance and its prefix expansion (sei.c), the validity
 * intervals against pat_status_on(), and every computed indicator on a
 * hand-built registry whose counts are derived by hand below, from the
 * index and from the direct computation (pat_in_force_sql), which must
 * agree on a grid of dates, regions and parameters; series, drill-down
 * records with paging and export, reported values, population import, and
 * the index going stale and being rebuilt.
 *
 * One SQLite file for the whole group (support_db.h: mkdtemp,
 * schema_migrate, demo_init, which loads GB/T 2260 and Xuhui's 2022
 * population 1,098,500), the address index from data/regions.
 *
 * Places: X = 310104 徐汇区 (demo; population 2022 only), P = 310115 浦东新区,
 * H = 110108 海淀区 (no population), K = park 310104901 "宜山路园区" in X
 * (street 宜山路).  The day D = 2024-06-30 unless said otherwise.
 *
 * The fixture (inventions unless noted; "app" = first applicant, "pat" =
 * first patentee; IPC A47J 27/00, not in the concordance, unless noted):
 *   P1  app X, filed 2015-03-01, granted 2018-05-01; family US not granted
 *   P2  app X, filed 2019-01-10, granted on D (2024-06-30)
 *   P3  app X, filed 2016-01-01, granted 2019-01-01, lapse on D
 *   P4  app X, filed 2016-02-01, granted 2019-02-01, lapse 2022-02-01,
 *       restoration 2022-08-01
 *   P5  app X, filed 2017-01-01, granted 2020-03-01, transfer 2023-01-10 to
 *       a party with party_region P
 *   P6  app P, pat X, filed 2018-01-01, granted 2020-12-31 (patentee rule)
 *   P7  app X, pat P, filed 2018-01-01, granted 2021-01-01 (applicant rule)
 *   P8  app and pat US (foreign), filed 2018, granted 2020-01-01
 *   P9  app and pat HK, filed 2018, granted 2020-01-01
 *   P10 utility model, app X, filed 2020, granted 2021-01-01
 *   P11 app X, IPC G06F 16/13 (a listed subgroup: criterion 1 exact),
 *       filed 2020-01-01, granted 2022-01-01
 *   P12 app X, IPC A01F 29/99 (its main group A01F29/00 is listed: c1 by
 *       main group) and A01H 1/00 (not covered), filed 2020-01-01,
 *       granted 2022-01-01
 *   P13 app X, family US granted (c2), filed 2019-01-01, granted 2021-06-01
 *   P14 app X, filed 2012-05-01, granted 2015-05-01 (c3 from filing: more
 *       than 10 years from 2022-05-02; from grant only from 2025-05-02)
 *   P15 app X, filed 2018-01-01, granted 2020-06-01, pledges 6,000,000 on
 *       2023-03-01 and 5,000,000 on 2024-01-15 (c4 from 2024-01-15; with
 *       a 5,000,000 threshold from 2023-03-01)
 *   P16 app X, China Patent Award 2023 (c5 from 2023-01-01), filed
 *       2018-01-01, granted 2020-06-01
 *   P17, P18 app X, same holder "混合质押公司", filed 2019-01-01, granted
 *       2021-03-01, each pledged 3,000,000 on 2024-03-01 to the same bank:
 *       one mixed pledge, one item of 3,000,000
 *   P19 app X, not granted, filed 2024-02-01, PCT/CN2024/000001
 *   P20 app X, not granted, filed 2024-03-01, PCT/US2024/000002 (not CNIPA)
 *   P21a, P21b app X, not granted, filed 2023-05-01 / 2023-06-01, both
 *       PCT/CN2023/000003 (one application)
 *   P23 app X at 宜山路 (park K), filed 2019-01-01, granted 2021-03-01
 *   P24 app X, filed 2017-01-01, granted 2020-01-01, transfer 2023-06-01 to
 *       "ACME LTD", 1 Example Road, London (foreign from then on)
 *   P25 app X, filed 2017-01-01, granted 2020-01-01, transfer 2023-06-01 to
 *       an address in 北京市海淀区 without party_region (resolved: H)
 *   P26 app X, granted 2020-01-01, deleted
 *   P27 app X, filed 2003-01-01, granted 2006-01-01: term ends 2023-01-01
 * Trademarks: T1 X reg 2024-03-01 registered; T2 X reg 2014-01-01 expiry
 * 2023-12-31 expired; T3 X reg 2020-05-01 cancelled; T4 X filed 2024-01-10
 * reg 2024-05-01 Madrid [US, JP]; T5 HK (810000) reg 2024-02-01; T6 P reg
 * 2024-02-01.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <sodium.h>

#include "support_db.h"
#include "../../src/domain/address.h"
#include "../../src/domain/ind_int.h"
#include "../../src/domain/indicators.h"
#include "../../src/domain/registry.h"
#include "../../src/domain/sei.h"
#include "../../src/import/importer.h"
#include "../../src/records/rec.h"

static const rec_actor actor = {0, "tester", ROLE_ADMIN, "310104-ipa"};
static tdb T;
static int64_t pid[32]; /* patent ids by fixture number (21 = P21a, 22 = P21b) */

/* ---- helpers ------------------------------------------------------------ */

static long day_of(const char *s)
{
    long d;
    if (util_date_parse(s, &d)) fail_msg("bad date literal %s", s);
    return d;
}

static void cn_appno(int year, int type, int serial, char out[16])
{
    char d[13];
    snprintf(d, sizeof d, "%04d%d%07d", year, type, serial);
    static const int w[] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (int i = 0; i < 12; i++) sum += (d[i] - '0') * w[i];
    int c = sum % 11;
    snprintf(out, 16, "%s.%c", d, c == 10 ? 'X' : '0' + c);
}

static json_t *party(const char *name, const char *address, const char *country)
{
    json_t *p = json_pack("{s:s,s:s}", "name", name, "address", address);
    if (country) json_object_set_new(p, "country", json_string(country));
    return p;
}

#define ADDR_X "上海市徐汇区漕宝路100号"
#define ADDR_P "上海市浦东新区张江路100号"
#define ADDR_K "上海市徐汇区宜山路100号"

/* Creates a patent; app/pat are parties (stolen) or NULL; extra is merged. */
static int64_t add_patent(int n, const char *kind, const char *filing, const char *grant, json_t *app, json_t *pat,
                          json_t *extra)
{
    char appno[16];
    int year = atoi(filing);
    cn_appno(year, !strcmp(kind, "utility") ? 2 : 1, 100 + n, appno);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "appno", appno, "kind", kind, "title", "测试专利", "filing_date",
                           filing, "ipc", "A47J 27/00");
    char title[32];
    snprintf(title, sizeof title, "测试专利P%d", n);
    json_object_set_new(in, "title", json_string(title));
    if (grant) json_object_set_new(in, "grant_date", json_string(grant));
    if (app) json_object_set_new(in, "applicants", json_pack("[o]", app));
    if (pat) json_object_set_new(in, "patentees", json_pack("[o]", pat));
    if (extra) {
        json_object_update(in, extra);
        json_decref(extra);
    }
    err e = ERR_INIT;
    json_t *out = NULL;
    T_OK(rec_create(T.db, &type_patent, &actor, in, &out, &e), &e);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(in);
    json_decref(out);
    return id;
}

static void add_event(int64_t patent, const char *kind, const char *date, double amount, const char *party_name,
                      const char *address, const char *region)
{
    json_t *in = json_pack("{s:I,s:s,s:s}", "patent", (json_int_t)patent, "kind", kind, "date", date);
    if (amount > 0) json_object_set_new(in, "amount", json_real(amount));
    if (party_name) json_object_set_new(in, "party", json_string(party_name));
    if (address) json_object_set_new(in, "party_address", json_string(address));
    if (region) json_object_set_new(in, "party_region", json_string(region));
    err e = ERR_INIT;
    json_t *out = NULL;
    T_OK(rec_create(T.db, &type_patent_event, &actor, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
}

static void add_tm(const char *reg_no, const char *region, const char *filing, const char *reg, const char *expiry,
                   const char *status, const char *madrid)
{
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "reg_no", reg_no, "mark_text", "测试", "applicant", "测试商标公司",
                           "status", status);
    if (region) json_object_set_new(in, "region_code", json_string(region));
    if (filing) json_object_set_new(in, "filing_date", json_string(filing));
    if (reg) json_object_set_new(in, "reg_date", json_string(reg));
    if (expiry) json_object_set_new(in, "expiry_date", json_string(expiry));
    if (madrid) json_object_set_new(in, "madrid", json_loads(madrid, 0, NULL));
    err e = ERR_INIT;
    json_t *out = NULL;
    T_OK(rec_create(T.db, &type_trademark, &actor, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
}

static void build_fixture(void)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    /* the park first: parties get their park when they are written */
    json_t *park = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "code", "310104901", "name_zh", "宜山路园区", "level", "park",
                             "parent_code", "310104", "streets", "宜山路");
    T_OK(rec_create(T.db, &type_region, &actor, park, &out, &e), &e);
    json_decref(park);
    json_decref(out);

    pid[1] = add_patent(1, "invention", "2015-03-01", "2018-05-01", party("徐汇一号公司", ADDR_X, "CN"), NULL,
                        json_pack("{s:[{s:s,s:s,s:b}]}", "family", "country", "US", "number", "US1", "granted", 0));
    pid[2] = add_patent(2, "invention", "2019-01-10", "2024-06-30", party("徐汇二号公司", ADDR_X, "CN"), NULL, NULL);
    pid[3] = add_patent(3, "invention", "2016-01-01", "2019-01-01", party("徐汇三号公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[3], "lapse", "2024-06-30", 0, NULL, NULL, NULL);
    pid[4] = add_patent(4, "invention", "2016-02-01", "2019-02-01", party("徐汇四号公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[4], "lapse", "2022-02-01", 0, NULL, NULL, NULL);
    add_event(pid[4], "restoration", "2022-08-01", 0, NULL, NULL, NULL);
    pid[5] = add_patent(5, "invention", "2017-01-01", "2020-03-01", party("徐汇五号公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[5], "transfer", "2023-01-10", 0, "浦东受让公司", NULL, "310115");
    pid[6] = add_patent(6, "invention", "2018-01-01", "2020-12-31", party("浦东申请公司", ADDR_P, "CN"),
                        party("徐汇专利权人公司", ADDR_X, "CN"), NULL);
    pid[7] = add_patent(7, "invention", "2018-01-01", "2021-01-01", party("徐汇申请公司", ADDR_X, "CN"),
                        party("浦东专利权人公司", ADDR_P, "CN"), NULL);
    pid[8] = add_patent(8, "invention", "2018-02-01", "2020-01-01", party("ACME INC", "1 Main Street, Boston MA", "US"),
                        party("ACME INC", "1 Main Street, Boston MA", "US"), NULL);
    pid[9] = add_patent(9, "invention", "2018-03-01", "2020-01-01", party("香港测试公司", "香港九龙观塘道1号", "HK"),
                        party("香港测试公司", "香港九龙观塘道1号", "HK"), NULL);
    pid[10] = add_patent(10, "utility", "2020-01-01", "2021-01-01", party("徐汇十号公司", ADDR_X, "CN"), NULL, NULL);
    pid[11] = add_patent(11, "invention", "2020-01-01", "2022-01-01", party("徐汇十一号公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:[s]}", "ipc", "G06F 16/13"));
    pid[12] = add_patent(12, "invention", "2020-01-01", "2022-01-01", party("徐汇十二号公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:[s,s]}", "ipc", "A01H 1/00", "A01F 29/99"));
    pid[13] = add_patent(13, "invention", "2019-01-01", "2021-06-01", party("徐汇十三号公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:[{s:s,s:s,s:b}]}", "family", "country", "US", "number", "US13", "granted", 1));
    pid[14] =
        add_patent(14, "invention", "2012-05-01", "2015-05-01", party("徐汇十四号公司", ADDR_X, "CN"), NULL, NULL);
    pid[15] =
        add_patent(15, "invention", "2018-01-01", "2020-06-01", party("徐汇十五号公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[15], "pledge", "2023-03-01", 6000000, "某银行（测试）", NULL, NULL);
    add_event(pid[15], "pledge", "2024-01-15", 5000000, "某银行（测试）", NULL, NULL);
    pid[16] = add_patent(
        16, "invention", "2018-01-01", "2020-06-01", party("徐汇十六号公司", ADDR_X, "CN"), NULL,
        json_pack("{s:[{s:s,s:s,s:i}]}", "awards", "kind", "china_patent_award", "level", "金奖", "year", 2023));
    pid[17] = add_patent(17, "invention", "2019-01-01", "2021-03-01", party("混合质押公司", ADDR_X, "CN"), NULL, NULL);
    pid[18] = add_patent(18, "invention", "2019-01-01", "2021-03-01", party("混合质押公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[17], "pledge", "2024-03-01", 3000000, "某银行（测试）", NULL, NULL);
    add_event(pid[18], "pledge", "2024-03-01", 3000000, "某银行（测试）", NULL, NULL);
    pid[19] = add_patent(19, "invention", "2024-02-01", NULL, party("徐汇PCT公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:s}", "pct_app_no", "PCT/CN2024/000001"));
    pid[20] = add_patent(20, "invention", "2024-03-01", NULL, party("徐汇PCT公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:s}", "pct_app_no", "PCT/US2024/000002"));
    pid[21] = add_patent(21, "invention", "2023-05-01", NULL, party("徐汇PCT公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:s}", "pct_app_no", "PCT/CN2023/000003"));
    pid[22] = add_patent(22, "invention", "2023-06-01", NULL, party("徐汇PCT公司", ADDR_X, "CN"), NULL,
                         json_pack("{s:s}", "pct_app_no", "pct/cn2023/000003"));
    pid[23] = add_patent(23, "invention", "2019-01-01", "2021-03-01", party("园区公司", ADDR_K, "CN"), NULL, NULL);
    pid[24] =
        add_patent(24, "invention", "2017-01-01", "2020-01-01", party("徐汇二十四号公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[24], "transfer", "2023-06-01", 0, "ACME LTD", "1 Example Road, London", NULL);
    pid[25] =
        add_patent(25, "invention", "2017-01-01", "2020-01-01", party("徐汇二十五号公司", ADDR_X, "CN"), NULL, NULL);
    add_event(pid[25], "transfer", "2023-06-01", 0, "海淀受让公司", "北京市海淀区中关村大街5号", NULL);
    pid[26] =
        add_patent(26, "invention", "2017-01-01", "2020-01-01", party("徐汇二十六号公司", ADDR_X, "CN"), NULL, NULL);
    T_OK(rec_delete(T.db, &type_patent, &actor, pid[26], 1, &e), &e);
    pid[27] =
        add_patent(27, "invention", "2003-01-01", "2006-01-01", party("徐汇二十七号公司", ADDR_X, "CN"), NULL, NULL);

    add_tm("T1", "310104", NULL, "2024-03-01", "2034-02-28", "registered", NULL);
    add_tm("T2", "310104", NULL, "2014-01-01", "2023-12-31", "expired", NULL);
    add_tm("T3", "310104", NULL, "2020-05-01", "2030-04-30", "cancelled", NULL);
    add_tm("T4", "310104", "2024-01-10", "2024-05-01", "2034-04-30", "registered", "[\"US\", \"JP\"]");
    add_tm("T5", "810000", NULL, "2024-02-01", "2034-01-31", "registered", NULL);
    add_tm("T6", "310115", NULL, "2024-02-01", "2034-01-31", "registered", NULL);
    err_clear(&e);
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
    if (sei_ready(&e)) {
        fprintf(stderr, "sei: %s\n", err_msg(&e, LANG_EN));
        err_clear(&e);
        return -1;
    }
    tdb_open(&T, 1);
    build_fixture();
    ind_index_stats st;
    T_OK(ind_index_build(T.db, &st, &e), &e);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tdb_close(&T);
    addr_free();
    sei_free();
    return 0;
}

static ind_params params(const char *basis, const char *maint, const char *thr)
{
    ind_params p;
    err e = ERR_INIT;
    T_OK(ind_params_parse(basis, maint, thr, &p, &e), &e);
    return p;
}

/* The value of an indicator (flags IND_*); *has receives has_value. */
static json_t *val(const char *id, const char *region, const char *date, const ind_params *p, unsigned flags)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    ind_params def;
    ind_params_default(&def);
    T_OK(ind_value_ex(T.db, id, region, day_of(date), p ? p : &def, flags, &out, &e), &e);
    return out;
}

static double num(const char *id, const char *region, const char *date, const ind_params *p)
{
    json_t *o = val(id, region, date, p, 0);
    json_t *v = json_object_get(o, "value");
    if (!json_is_number(v))
        fail_msg("%s %s %s: no value (%s)", id, region, date, json_string_value(json_object_get(o, "note_en")));
    double d = json_number_value(v);
    json_decref(o);
    return d;
}

static int64_t crit(const char *region, const char *date, const ind_params *p, const char *c)
{
    json_t *o = val("high_value_invention", region, date, p, 0);
    int64_t n = json_integer_value(json_object_get(json_object_get(o, "criteria"), c));
    json_decref(o);
    return n;
}

/* ---- the concordance ---------------------------------------------------- */

static void test_sei_match(void **state)
{
    (void)state;
    /* 34,396 distinct codes, 321 industry entries (data/sei/SOURCE.md) */
    assert_int_equal(sei_code_count(), 34396);
    assert_int_equal(sei_industry_count(), 321);
    sei_hit h;
    /* exact: a listed subgroup, any spacing or case */
    assert_int_equal(sei_match("G06F 16/13", &h), 1);
    assert_string_equal(h.how, "exact");
    assert_string_equal(h.code, "G06F16/13");
    assert_true(h.nids >= 1);
    assert_non_null(sei_industry_name(h.ids[0]));
    assert_int_equal(sei_match("g06f16/13", NULL), 1);
    /* main group: A01F29/00 is listed, A01F29/99 is not, A01F is not */
    assert_int_equal(sei_match("A01F 29/99", &h), 1);
    assert_string_equal(h.how, "main_group");
    assert_string_equal(h.code, "A01F29/00");
    /* prefix: the listed subgroup A01H1/08 covers A01H1/085 ... */
    assert_int_equal(sei_match("A01H 1/085", &h), 1);
    assert_string_equal(h.how, "prefix");
    assert_string_equal(h.code, "A01H1/08");
    /* ... but not its main group or a sibling (A01H1/00 is not listed) */
    assert_int_equal(sei_match("A01H 1/00", NULL), 0);
    assert_int_equal(sei_match("A01H 1/02", NULL), 0);
    /* a listed subclass covers everything in it */
    assert_int_equal(sei_match("C08L 999/99", &h), 1);
    assert_string_equal(h.code, "C08L");
    /* not covered; H01L is absent from the table (moved to H10) */
    assert_int_equal(sei_match("A47J 27/00", NULL), 0);
    assert_int_equal(sei_match("H01L 23/367", NULL), 0);
    assert_int_equal(sei_match("", NULL), 0);
}

/* ---- validity intervals == pat_status_on -------------------------------- */

static void test_intervals_match_status(void **state)
{
    (void)state;
    /* random event lists on a small calendar; the intervals must say "in
     * force" exactly on the days pat_status_on says PAT_IN_FORCE */
    static const char *kinds[] = {"lapse",     "restoration", "invalidation", "restoration",
                                  "surrender", "expiry",      "grant"};
    static const int ik[] = {EV_LAPSE, EV_RESTORE, EV_INVALID, EV_RESTORE, EV_SURRENDER, EV_EXPIRY, EV_GRANT};
    unsigned seed = 12345;
    long base = day_of("2020-01-01");
    for (int round = 0; round < 300; round++) {
        int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 6;
        long grant = base + (long)((seed = seed * 1103515245u + 12345u) >> 16) % 20;
        json_t *p = json_pack("{s:s,s:s}", "kind", "invention", "filing_date", "2001-01-15");
        char g[16];
        util_date_format(grant, g, sizeof g);
        json_object_set_new(p, "grant_date", json_string(g));
        json_t *evj = json_array();
        ind_ev ev[8];
        for (int i = 0; i < n; i++) {
            int k = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 7;
            long d = base + (long)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
            char ds[16];
            util_date_format(d, ds, sizeof ds);
            json_array_append_new(evj,
                                  json_pack("{s:I,s:s,s:s}", "id", (json_int_t)(i + 1), "kind", kinds[k], "date", ds));
            ev[i] = (ind_ev){d, i + 1, ik[k]};
        }
        /* sort by day (insertion sort) as the callers do */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && ev[j].day < ev[j - 1].day; j--) {
                ind_ev t = ev[j];
                ev[j] = ev[j - 1];
                ev[j - 1] = t;
            }
        long g2 = grant;
        for (int i = 0; i < n; i++)
            if (ev[i].kind == EV_GRANT && ev[i].day < g2) g2 = ev[i].day;
        long term_end = day_of("2021-01-15"); /* 20 years from filing */
        long iv[16][2];
        int niv = ind_in_force_intervals(g2, term_end, ev, (size_t)n, iv, 16);
        for (long d = base - 2; d < base + 50; d++) {
            pat_status s;
            pat_status_on(p, evj, d, &s);
            int in = 0;
            for (int i = 0; i < niv; i++)
                if (iv[i][0] <= d && d < iv[i][1]) in = 1;
            if (in != (s.state == PAT_IN_FORCE)) {
                char *t = json_dumps(evj, 0);
                fail_msg("round %d day %ld: intervals say %d, pat_status_on %s; grant %s events %s", round, d - base,
                         in, pat_state_name(s.state), g, t);
            }
        }
        /* the statutory term ends the last interval */
        for (int i = 0; i < niv; i++) assert_true(iv[i][1] <= term_end);
        json_decref(p);
        json_decref(evj);
    }
}

/* ---- the valid invention patents ---------------------------------------- */

static void test_valid_invention(void **state)
{
    (void)state;
    /* X on D: P1, P2 (granted on D), P4 (restored), P6 (granted
     * 2020-12-31: patentee in X), P7 (granted 2021-01-01: applicant in X),
     * P11, P12, P13, P14, P15, P16, P17, P18, P23 = 14.  Not: P3 (lapsed on
     * D), P5 (moved to P), P8 (US), P9 (HK), P10 (utility model), P19-P22
     * (not granted), P24 (transferred abroad), P25 (moved to H), P26
     * (deleted), P27 (term ended 2023-01-01). */
    assert_int_equal((int)num("valid_invention", "310104", "2024-06-30", NULL), 14);
    /* the day before: P2 not yet granted, P3 not yet lapsed: still 14 */
    assert_int_equal((int)num("valid_invention", "310104", "2024-06-29", NULL), 14);
    /* P: P5 only (transferred in on 2023-01-10); P6 is placed by its patentee */
    assert_int_equal((int)num("valid_invention", "310115", "2024-06-30", NULL), 1);
    /* H: P25, whose transferee's address resolves to 海淀区 */
    assert_int_equal((int)num("valid_invention", "110108", "2024-06-30", NULL), 1);
    /* the park: P23; the city and province: X + P = 15; the nation 16 */
    assert_int_equal((int)num("valid_invention", "310104901", "2024-06-30", NULL), 1);
    assert_int_equal((int)num("valid_invention", "310100", "2024-06-30", NULL), 15);
    assert_int_equal((int)num("valid_invention", "310000", "2024-06-30", NULL), 15);
    assert_int_equal((int)num("valid_invention", "000000", "2024-06-30", NULL), 16);
    /* 2022-12-31, X: P1, P3, P4 (restored 2022-08-01), P5 (not yet moved),
     * P6, P7, P11, P12, P13, P14, P15, P16, P17, P18, P23, P24 and P25 (not
     * yet transferred), P27 (term ends the next day) = 18 */
    assert_int_equal((int)num("valid_invention", "310104", "2022-12-31", NULL), 18);
    assert_int_equal((int)num("valid_invention", "310104", "2023-01-01", NULL), 17); /* P27's term ended */
    /* the transfer day moves P5: X on 2023-01-09 counts it, on 2023-01-10 P does */
    assert_int_equal((int)num("valid_invention", "310115", "2023-01-09", NULL), 0);
    assert_int_equal((int)num("valid_invention", "310115", "2023-01-10", NULL), 1);
    /* P4 lapsed between 2022-02-01 and 2022-08-01: 2022-05-01 X = P1, P3,
     * P5, P6, P7, P11, P12, P13, P14, P15, P16, P17, P18, P23, P24, P25, P27 = 17 */
    assert_int_equal((int)num("valid_invention", "310104", "2022-05-01", NULL), 17);
    assert_int_equal((int)num("valid_invention", "310104", "2022-08-01", NULL), 18);
}

static void test_location_basis(void **state)
{
    (void)state;
    /* applicant basis: P6 goes to P (its applicant), P7 stays in X */
    ind_params a = params("applicant", NULL, NULL);
    assert_int_equal((int)num("valid_invention", "310104", "2024-06-30", &a), 13);
    assert_int_equal((int)num("valid_invention", "310115", "2024-06-30", &a), 2);
    /* patentee basis: P7 goes to P (its patentee), P6 stays in X */
    ind_params t = params("patentee", NULL, NULL);
    assert_int_equal((int)num("valid_invention", "310104", "2024-06-30", &t), 13);
    assert_int_equal((int)num("valid_invention", "310115", "2024-06-30", &t), 2);
    /* the nation does not change */
    assert_int_equal((int)num("valid_invention", "000000", "2024-06-30", &a), 16);
    json_t *o = val("valid_invention", "310104", "2024-06-30", &a, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "params"), "location_basis")),
                        "applicant");
    json_decref(o);
}

static void test_per10k_and_population(void **state)
{
    (void)state;
    /* X: 14 / (1,098,500 / 10,000) = 0.12744... -> 0.1274, with the 2022
     * population (none for 2024) */
    json_t *o = val("valid_invention_per10k", "310104", "2024-06-30", NULL, 0);
    assert_true(json_is_true(json_object_get(o, "has_value")));
    assert_true(fabs(json_number_value(json_object_get(o, "value")) - 0.1274) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(o, "numerator")), 14);
    assert_int_equal(json_integer_value(json_object_get(o, "population_year")), 2022);
    assert_true(fabs(json_number_value(json_object_get(o, "denominator")) - 109.85) < 1e-9);
    assert_non_null(strstr(json_string_value(json_object_get(o, "note_en")), "2022"));
    json_decref(o);
    /* H has no population at all */
    o = val("valid_invention_per10k", "110108", "2024-06-30", NULL, 0);
    assert_true(json_is_false(json_object_get(o, "has_value")));
    assert_true(json_is_null(json_object_get(o, "value")));
    assert_string_equal(json_string_value(json_object_get(o, "note_en")), "no population for 110108 in 2024");
    assert_string_equal(json_string_value(json_object_get(o, "note_zh")), "暂无 110108 2024 年人口数据");
    assert_int_equal(json_integer_value(json_object_get(o, "numerator")), 1);
    json_decref(o);
    /* before 2022 there is no earlier year to fall back on */
    o = val("valid_invention_per10k", "310104", "2021-12-31", NULL, 0);
    assert_true(json_is_false(json_object_get(o, "has_value")));
    assert_string_equal(json_string_value(json_object_get(o, "note_en")), "no population for 310104 in 2021");
    json_decref(o);
}

/* ---- high value --------------------------------------------------------- */

static void test_high_value(void **state)
{
    (void)state;
    /* X on D: P11 (c1 exact), P12 (c1 main group), P13 (c2), P14 (c3), P15
     * (c4: 11,000,000 pledged by 2024-01-15), P16 (c5: award 2023) = 6 */
    assert_int_equal((int)num("high_value_invention", "310104", "2024-06-30", NULL), 6);
    assert_int_equal(crit("310104", "2024-06-30", NULL, "c1"), 2);
    assert_int_equal(crit("310104", "2024-06-30", NULL, "c2"), 1);
    assert_int_equal(crit("310104", "2024-06-30", NULL, "c3"), 1);
    assert_int_equal(crit("310104", "2024-06-30", NULL, "c4"), 1);
    assert_int_equal(crit("310104", "2024-06-30", NULL, "c5"), 1);
    /* 2023-12-31: P15 has 6,000,000 only, P16's award year has begun: 5 */
    assert_int_equal((int)num("high_value_invention", "310104", "2023-12-31", NULL), 5);
    assert_int_equal(crit("310104", "2023-12-31", NULL, "c4"), 0);
    /* 2022-12-31: P11, P12, P13, P14, P27 (filed 2003: c3) = 5; P16 not yet */
    assert_int_equal((int)num("high_value_invention", "310104", "2022-12-31", NULL), 5);
    assert_int_equal(crit("310104", "2022-12-31", NULL, "c3"), 2);
    assert_int_equal(crit("310104", "2022-12-31", NULL, "c5"), 0);
    /* criterion 3 is "more than 10 years": P14 (filed 2012-05-01) not on
     * 2022-05-01, yes on 2022-05-02; P27 both days */
    assert_int_equal(crit("310104", "2022-05-01", NULL, "c3"), 1);
    assert_int_equal(crit("310104", "2022-05-02", NULL, "c3"), 2);
    /* maintenance_from=grant: P14 granted 2015-05-01 counts only from
     * 2025-05-02: X on D has 5 high-value, c3 = 0 */
    ind_params g = params(NULL, "grant", NULL);
    assert_int_equal((int)num("high_value_invention", "310104", "2024-06-30", &g), 5);
    assert_int_equal(crit("310104", "2024-06-30", &g, "c3"), 0);
    /* threshold 5,000,000: P15 qualifies from 2023-03-01 */
    ind_params t = params(NULL, NULL, "5000000");
    assert_int_equal((int)num("high_value_invention", "310104", "2023-12-31", &t), 6);
    assert_int_equal(crit("310104", "2023-12-31", &t, "c4"), 1);
    assert_int_equal(crit("310104", "2023-02-28", &t, "c4"), 0);
    /* per 10k: 6 / 109.85 = 0.05462 -> 0.0546 */
    assert_true(fabs(num("high_value_invention_per10k", "310104", "2024-06-30", NULL) - 0.0546) < 1e-9);
    /* the nation: the same 6 (no high-value patent elsewhere) */
    assert_int_equal((int)num("high_value_invention", "000000", "2024-06-30", NULL), 6);
}

/* ---- flows -------------------------------------------------------------- */

static void test_pct(void **state)
{
    (void)state;
    /* 2024 up to D: P19 (PCT/CN); P20 is PCT/US (not CNIPA as receiving office) */
    assert_int_equal((int)num("pct_applications", "310104", "2024-06-30", NULL), 1);
    assert_int_equal((int)num("pct_applications", "310104", "2024-01-31", NULL), 0);
    /* 2023: P21a and P21b share one PCT number: one application */
    assert_int_equal((int)num("pct_applications", "310104", "2023-12-31", NULL), 1);
    assert_int_equal((int)num("pct_applications", "000000", "2023-12-31", NULL), 1);
    json_t *o = val("pct_applications", "310104", "2024-06-30", NULL, 0);
    assert_non_null(strstr(json_string_value(json_object_get(o, "how_en")), "receiving office"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "period"), "from")), "2024-01-01");
    json_decref(o);
}

static void test_trademarks(void **state)
{
    (void)state;
    /* registered in 2024 up to D in X: T1, T4; in force: T1, T4 (T2 expired
     * 2023-12-31, T3 cancelled); Madrid: T4 (filed 2024-01-10) */
    assert_int_equal((int)num("trademarks_registered", "310104", "2024-06-30", NULL), 2);
    assert_int_equal((int)num("trademarks_in_force", "310104", "2024-06-30", NULL), 2);
    assert_int_equal((int)num("madrid_filings", "310104", "2024-06-30", NULL), 1);
    /* 2023-12-31: T2 in force on its last day; T1, T4 not yet registered */
    assert_int_equal((int)num("trademarks_in_force", "310104", "2023-12-31", NULL), 1);
    assert_int_equal((int)num("trademarks_in_force", "310104", "2024-01-01", NULL), 0);
    /* 2020: T3 was registered (the count of registrations keeps it) */
    assert_int_equal((int)num("trademarks_registered", "310104", "2020-12-31", NULL), 1);
    /* the nation: T1, T4, T6 (T5 is Hong Kong) */
    assert_int_equal((int)num("trademarks_registered", "000000", "2024-06-30", NULL), 3);
    assert_int_equal((int)num("trademarks_registered", "310115", "2024-06-30", NULL), 1);
}

static void test_pledges(void **state)
{
    (void)state;
    /* 2024 up to D in X: P15's 5,000,000 (2024-01-15) and the mixed pledge
     * of P17 + P18 (2024-03-01, one item of 3,000,000) */
    assert_int_equal((int)num("pledge_count", "310104", "2024-06-30", NULL), 2);
    assert_true(fabs(num("pledge_amount", "310104", "2024-06-30", NULL) - 8000000.0) < 1e-6);
    /* 2023: P15's 6,000,000 */
    assert_int_equal((int)num("pledge_count", "310104", "2023-12-31", NULL), 1);
    assert_true(fabs(num("pledge_amount", "310104", "2023-12-31", NULL) - 6000000.0) < 1e-6);
    assert_int_equal((int)num("pledge_count", "000000", "2024-06-30", NULL), 2);
    assert_int_equal((int)num("pledge_count", "310104", "2024-02-29", NULL), 1);
}

/* ---- index == direct ---------------------------------------------------- */

static void test_index_equals_direct(void **state)
{
    (void)state;
    static const char *regions[] = {"000000", "310000", "310100", "310104", "310115", "110108", "310104901", NULL};
    static const char *dates[] = {"2006-01-01", "2015-05-01", "2018-12-31", "2020-12-31", "2021-01-01", "2022-02-01",
                                  "2022-05-01", "2022-05-02", "2022-08-01", "2022-12-31", "2023-01-01", "2023-01-09",
                                  "2023-01-10", "2023-03-01", "2023-06-01", "2023-12-31", "2024-01-15", "2024-03-01",
                                  "2024-06-29", "2024-06-30", "2025-05-02", "2030-01-01", NULL};
    ind_params ps[5] = {params(NULL, NULL, NULL), params("applicant", NULL, NULL), params("patentee", NULL, NULL),
                        params(NULL, "grant", NULL), params(NULL, NULL, "5000000")};
    int compared = 0;
    for (int pi = 0; pi < 5; pi++)
        for (int ri = 0; regions[ri]; ri++)
            for (int di = 0; dates[di]; di++) {
                err e = ERR_INIT;
                json_t *a = NULL, *b = NULL;
                T_OK(ind_values(T.db, regions[ri], day_of(dates[di]), &ps[pi], 0, &a, &e), &e);
                T_OK(ind_values(T.db, regions[ri], day_of(dates[di]), &ps[pi], IND_DIRECT, &b, &e), &e);
                size_t i;
                json_t *x;
                json_array_foreach(json_object_get(a, "items"), i, x)
                {
                    json_t *y = json_array_get(json_object_get(b, "items"), i);
                    json_t *vx = json_object_get(x, "value"), *vy = json_object_get(y, "value");
                    int same = json_is_null(vx)
                                   ? json_is_null(vy)
                                   : json_is_number(vy) && fabs(json_number_value(vx) - json_number_value(vy)) < 1e-9;
                    if (!json_equal(json_object_get(x, "criteria"), json_object_get(y, "criteria")) &&
                        json_object_get(x, "criteria"))
                        same = 0;
                    if (!same) {
                        char *sx = json_dumps(x, JSON_COMPACT), *sy = json_dumps(y, JSON_COMPACT);
                        fail_msg("%s %s params %d: index %s, direct %s", regions[ri], dates[di], pi, sx, sy);
                    }
                    compared++;
                }
                json_decref(a);
                json_decref(b);
            }
    assert_true(compared > 3000);
}

/* ---- series ------------------------------------------------------------- */

static void test_series(void **state)
{
    (void)state;
    err e = ERR_INIT;
    json_t *s = NULL;
    ind_params p;
    ind_params_default(&p);
    /* month ends from 2022-11-15 to 2023-02-10: 2022-11-30, 2022-12-31,
     * 2023-01-31 and the last day 2023-02-10 */
    T_OK(ind_series(T.db, "valid_invention", "310104", day_of("2022-11-15"), day_of("2023-02-10"), 'm', &p, 0, &s, &e),
         &e);
    json_t *pts = json_object_get(s, "points");
    assert_int_equal(json_array_size(pts), 4);
    static const char *want_dates[] = {"2022-11-30", "2022-12-31", "2023-01-31", "2023-02-10"};
    /* X: 18 until P27's term ends (2023-01-01), then 17; P5 leaves on
     * 2023-01-10: 16 */
    static const int want[] = {18, 18, 16, 16};
    for (int i = 0; i < 4; i++) {
        json_t *pt = json_array_get(pts, (size_t)i);
        assert_string_equal(json_string_value(json_object_get(pt, "date")), want_dates[i]);
        assert_int_equal(json_integer_value(json_object_get(pt, "value")), want[i]);
    }
    json_decref(s);
    /* every point equals the value on that day, for every indicator, with
     * the default and other parameters, monthly 2022-2024 */
    ind_params ps[3] = {p, params("applicant", "grant", "5000000"), params("patentee", NULL, NULL)};
    for (int pi = 0; pi < 3; pi++)
        for (const ind_def *d = ind_defs(); d->id; d++) {
            if (d->reported) continue;
            T_OK(ind_series(T.db, d->id, "310104", day_of("2022-01-01"), day_of("2024-06-30"), 'm', &ps[pi], 0, &s, &e),
                 &e);
            size_t i;
            json_t *pt;
            json_array_foreach(json_object_get(s, "points"), i, pt)
            {
                json_t *v = val(d->id, "310104", json_string_value(json_object_get(pt, "date")), &ps[pi], 0);
                if (!json_equal(json_object_get(v, "value"), json_object_get(pt, "value")))
                    fail_msg("%s %s: series %s, value %s", d->id, json_string_value(json_object_get(pt, "date")),
                             json_dumps(json_object_get(pt, "value"), JSON_ENCODE_ANY),
                             json_dumps(json_object_get(v, "value"), JSON_ENCODE_ANY));
                json_decref(v);
            }
            json_decref(s);
        }
    /* yearly: pledge items per year 2022..2024-06-30: 0, 1, 2 */
    T_OK(ind_series(T.db, "pledge_count", "310104", day_of("2022-01-01"), day_of("2024-06-30"), 'y', &p, 0, &s, &e),
         &e);
    pts = json_object_get(s, "points");
    assert_int_equal(json_array_size(pts), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pts, 0), "value")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pts, 1), "value")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pts, 2), "value")), 2);
    json_decref(s);
    /* bad ranges */
    assert_int_equal(
        ind_series(T.db, "valid_invention", "310104", day_of("2024-01-01"), day_of("2023-01-01"), 'm', &p, 0, &s, &e),
        -1);
    T_ERR(&e, 400, "query.value");
    err_clear(&e);
    assert_int_equal(
        ind_series(T.db, "valid_invention", "310104", day_of("1900-01-01"), day_of("2024-01-01"), 'm', &p, 0, &s, &e),
        -1);
    T_ERR(&e, 400, "query.range");
    err_clear(&e);
    /* all districts at once (the benchmark's entry point) */
}

typedef struct acc {
    int calls;
    double x_valid_last;
} acc;

static void on_point(void *ctx, const char *region, long day, const double *values, const unsigned char *has)
{
    acc *a = ctx;
    a->calls++;
    if (!strcmp(region, "310104") && day == day_of("2024-06-30")) {
        assert_true(has[0]);
        a->x_valid_last = values[0];
    }
}

static void test_series_all(void **state)
{
    (void)state;
    err e = ERR_INIT;
    acc a = {0};
    static const char *const regs[] = {"310104", "310115", "110108", NULL};
    T_OK(ind_series_all(T.db, regs, day_of("2024-01-01"), day_of("2024-06-30"), 'm', on_point, &a, &e), &e);
    assert_int_equal(a.calls, 3 * 6);
    assert_int_equal((int)a.x_valid_last, 14);
    a.calls = 0;
    T_OK(ind_series_all(T.db, NULL, day_of("2024-01-01"), day_of("2024-01-31"), 'm', on_point, &a, &e), &e);
    assert_true(a.calls > 2800); /* every district of GB/T 2260 */
}

/* ---- records ------------------------------------------------------------ */

static int has_patent(json_t *items, int64_t id)
{
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) if (json_integer_value(json_object_get(x, "patent_id")) == id) return 1;
    return 0;
}

static void test_records(void **state)
{
    (void)state;
    err e = ERR_INIT;
    json_t *r = NULL;
    ind_params p;
    ind_params_default(&p);
    /* the 6 high-value patents of X on D, in pages of 4 */
    T_OK(ind_records(T.db, "high_value_invention", "310104", day_of("2024-06-30"), &p, NULL, 4, 0, &r, &e), &e);
    assert_string_equal(json_string_value(json_object_get(r, "kind")), "patents");
    json_t *items = json_object_get(r, "items");
    assert_int_equal(json_array_size(items), 4);
    const char *next = json_string_value(json_object_get(r, "next_cursor"));
    assert_non_null(next);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "criteria"), "c1")), 2);
    json_t *r2 = NULL;
    T_OK(ind_records(T.db, "high_value_invention", "310104", day_of("2024-06-30"), &p, next, 4, 0, &r2, &e), &e);
    json_t *items2 = json_object_get(r2, "items");
    assert_int_equal(json_array_size(items2), 2);
    assert_true(json_is_null(json_object_get(r2, "next_cursor")));
    json_array_extend(items, items2);
    static const int hv[] = {11, 12, 13, 14, 15, 16};
    static const char *met[] = {"c1", "c1", "c2", "c3", "c4", "c5"};
    for (int i = 0; i < 6; i++) {
        json_t *x = json_array_get(items, (size_t)i);
        assert_int_equal(json_integer_value(json_object_get(x, "patent_id")), pid[hv[i]]);
        json_t *m = json_object_get(x, "met");
        assert_int_equal(json_array_size(m), 1); /* each meets exactly one criterion */
        assert_string_equal(json_string_value(json_array_get(m, 0)), met[i]);
        assert_true(json_is_true(json_object_get(json_object_get(x, "criteria"), met[i])));
    }
    /* P12: only A01F 29/99 is covered, by its main group */
    json_t *codes = json_object_get(json_array_get(items, 1), "c1_codes");
    assert_int_equal(json_array_size(codes), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(codes, 0), "code")), "A01F 29/99");
    assert_string_equal(json_string_value(json_object_get(json_array_get(codes, 0), "how")), "main_group");
    assert_string_equal(json_string_value(json_object_get(json_array_get(codes, 0), "covered_by")), "A01F29/00");
    /* P15 shows what was pledged by D */
    assert_true(fabs(json_number_value(json_object_get(json_array_get(items, 4), "pledged_cny")) - 11000000.0) < 1e-6);
    json_decref(r);
    json_decref(r2);
    /* valid on D vs the day before: P2 (granted on D) and P3 (lapsed on D) swap */
    T_OK(ind_records(T.db, "valid_invention", "310104", day_of("2024-06-30"), &p, NULL, 100, 0, &r, &e), &e);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 14);
    assert_true(has_patent(json_object_get(r, "items"), pid[2]));
    assert_false(has_patent(json_object_get(r, "items"), pid[3]));
    json_decref(r);
    T_OK(ind_records(T.db, "valid_invention", "310104", day_of("2024-06-29"), &p, NULL, 100, 0, &r, &e), &e);
    assert_false(has_patent(json_object_get(r, "items"), pid[2]));
    assert_true(has_patent(json_object_get(r, "items"), pid[3]));
    json_decref(r);
    /* the mixed pledge is one item with two patents */
    T_OK(ind_records(T.db, "pledge_count", "310104", day_of("2024-06-30"), &p, NULL, 50, 0, &r, &e), &e);
    assert_string_equal(json_string_value(json_object_get(r, "kind")), "pledges");
    items = json_object_get(r, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *mixed = json_array_get(items, 1);
    assert_true(json_is_true(json_object_get(mixed, "mixed")));
    assert_int_equal(json_array_size(json_object_get(mixed, "patents")), 2);
    assert_true(fabs(json_number_value(json_object_get(mixed, "amount_cny")) - 3000000.0) < 1e-6);
    assert_string_equal(json_string_value(json_object_get(mixed, "pledgor")), "混合质押公司");
    json_decref(r);
    /* PCT and trademarks */
    T_OK(ind_records(T.db, "pct_applications", "310104", day_of("2023-12-31"), &p, NULL, 50, 0, &r, &e), &e);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "patent_id")),
                     pid[21]);
    json_decref(r);
    T_OK(ind_records(T.db, "madrid_filings", "310104", day_of("2024-06-30"), &p, NULL, 50, 0, &r, &e), &e);
    assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "reg_no")),
                        "T4");
    json_decref(r);
    /* bad cursor / limit */
    assert_int_equal(ind_records(T.db, "valid_invention", "310104", day_of("2024-06-30"), &p, "x", 10, 0, &r, &e), -1);
    T_ERR(&e, 400, "query.cursor");
    err_clear(&e);
    assert_int_equal(ind_records(T.db, "valid_invention", "310104", day_of("2024-06-30"), &p, NULL, 1001, 0, &r, &e),
                     -1);
    T_ERR(&e, 400, "query.value");
    err_clear(&e);
}

static void test_export(void **state)
{
    (void)state;
    err e = ERR_INIT;
    ind_params p;
    ind_params_default(&p);
    buf b = BUF_INIT;
    T_OK(ind_records_export(T.db, "high_value_invention", "310104", day_of("2024-06-30"), &p, "csv", LANG_ZH, &b, &e),
         &e);
    /* BOM, header, 6 rows */
    assert_memory_equal(b.s, "\xEF\xBB\xBF", 3);
    int lines = 0;
    for (size_t i = 0; i < b.len; i++)
        if (b.s[i] == '\n') lines++;
    assert_int_equal(lines, 7);
    assert_non_null(strstr(b.s, "标准1 战略性新兴产业"));
    buf_free(&b);
    T_OK(ind_records_export(T.db, "pledge_count", "310104", day_of("2024-06-30"), &p, "xlsx", LANG_EN, &b, &e), &e);
    assert_true(b.len > 100);
    assert_memory_equal(b.s, "PK", 2);
    buf_free(&b);
    assert_int_equal(
        ind_records_export(T.db, "pledge_count", "310104", day_of("2024-06-30"), &p, "pdf", LANG_EN, &b, &e), -1);
    T_ERR(&e, 400, "query.value");
    err_clear(&e);
    buf_free(&b);
}

/* ---- errors ------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    err e = ERR_INIT;
    json_t *o = NULL;
    ind_params p;
    ind_params_default(&p);
    assert_int_equal(ind_value(T.db, "no_such", "310104", day_of("2024-06-30"), &p, &o, &e), -1);
    T_ERR(&e, 404, "indicator.not_found");
    err_clear(&e);
    assert_int_equal(ind_value(T.db, "valid_invention", "999999", day_of("2024-06-30"), &p, &o, &e), -1);
    T_ERR(&e, 404, "region.not_found");
    err_clear(&e);
    assert_int_equal(ind_value(T.db, "valid_invention", "31'0104", day_of("2024-06-30"), &p, &o, &e), -1);
    T_ERR(&e, 404, "region.not_found");
    err_clear(&e);
    assert_int_equal(ind_params_parse("nowhere", NULL, NULL, &p, &e), -1);
    T_ERR(&e, 400, "query.value");
    err_clear(&e);
    assert_int_equal(ind_params_parse(NULL, "publication", NULL, &p, &e), -1);
    err_clear(&e);
    assert_int_equal(ind_params_parse(NULL, NULL, "-1", &p, &e), -1);
    err_clear(&e);
    assert_int_equal(ind_params_parse(NULL, NULL, "abc", &p, &e), -1);
    err_clear(&e);
    /* the catalogue: ids unique, every computed one has a unit */
    int n = 0, reported = 0;
    for (const ind_def *d = ind_defs(); d->id; d++, n++) {
        assert_ptr_equal(ind_find(d->id), d);
        assert_non_null(d->unit_zh);
        reported += d->reported;
    }
    assert_true(n >= 11);
    assert_true(ind_find("hague_filings")->reported);
    assert_false(ind_find("valid_invention")->reported);
    assert_true(ind_find("pledge_amount")->yearly);
    assert_true(reported >= 10);
}

/* ---- reported values ---------------------------------------------------- */

static void test_reported(void **state)
{
    (void)state;
    err e = ERR_INIT;
    json_t *out = NULL;
    /* Hague filings are not in the registry: a reported yearly figure */
    json_t *in = json_pack("{s:s,s:s,s:s,s:f,s:s,s:s,s:s}", "indicator", "hague_filings", "region_code", "310104",
                           "date", "2023-12-31", "value", 3.0, "unit", "件", "source",
                           "2023年区知识产权工作报告（测试）", "reported_by", "区知识产权局");
    T_OK(rec_create(T.db, &type_indicator_report, &actor, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
    in = json_pack("{s:s,s:s,s:s,s:f,s:s,s:s}", "indicator", "patent_agents", "region_code", "310104", "date",
                   "2023-12-31", "value", 520.0, "source", "代理师统计（测试）", "reported_by", "区知识产权局");
    T_OK(rec_create(T.db, &type_indicator_report, &actor, in, &out, &e), &e);
    json_decref(in);
    json_decref(out);
    /* a computed indicator cannot be reported */
    in = json_pack("{s:s,s:s,s:s,s:f,s:s,s:s}", "indicator", "valid_invention", "region_code", "310104", "date",
                   "2023-12-31", "value", 1.0, "source", "x", "reported_by", "y");
    assert_int_equal(rec_create(T.db, &type_indicator_report, &actor, in, &out, &e), -1);
    err_clear(&e);
    json_decref(in);
    json_t *o = val("hague_filings", "310104", "2023-12-31", NULL, 0);
    assert_string_equal(json_string_value(json_object_get(o, "source")), "reported");
    assert_true(json_is_true(json_object_get(o, "has_value")));
    assert_true(fabs(json_number_value(json_object_get(o, "value")) - 3.0) < 1e-9);
    json_t *rep = json_object_get(o, "reported");
    assert_string_equal(json_string_value(json_object_get(rep, "source")), "2023年区知识产权工作报告（测试）");
    assert_string_equal(json_string_value(json_object_get(rep, "by")), "区知识产权局");
    json_decref(o);
    /* a yearly flow: the 2023 figure is not 2024's */
    o = val("hague_filings", "310104", "2024-06-30", NULL, 0);
    assert_true(json_is_false(json_object_get(o, "has_value")));
    json_decref(o);
    /* a stock: the latest figure on or before the day; the unit defaults to the indicator's */
    assert_int_equal((int)num("patent_agents", "310104", "2024-06-30", NULL), 520);
    o = val("patent_agents", "310104", "2024-06-30", NULL, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "reported"), "unit")), "人");
    json_decref(o);
    o = val("patent_agents", "310104", "2023-12-30", NULL, 0);
    assert_true(json_is_false(json_object_get(o, "has_value")));
    json_decref(o);
}

/* ---- population import (generic CSV import of the populations type) ----- */

static void test_population_import(void **state)
{
    (void)state;
    err e = ERR_INIT;
    json_t *rep = NULL;
    const char *csv = "\xEF\xBB\xBF区划代码,年份,年末常住人口（人）,数据来源\r\n"
                      "310115,2024,5800000,浦东新区统计公报（测试）\r\n"
                      "110108,2023,3130000,海淀区统计公报（测试）\r\n";
    T_OK(imp_run(T.db, &actor, "pop.csv", NULL, csv, strlen(csv), NULL, "populations", NULL, &rep, &e), &e);
    assert_int_equal(json_integer_value(json_object_get(rep, "created")), 2);
    json_decref(rep);
    /* P: 1 / 580 = 0.001724 -> 0.0017, population of 2024 */
    json_t *o = val("valid_invention_per10k", "310115", "2024-06-30", NULL, 0);
    assert_true(fabs(json_number_value(json_object_get(o, "value")) - 0.0017) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(o, "population_year")), 2024);
    assert_null(json_object_get(o, "note_en"));
    json_decref(o);
    /* H: 2023's population for 2024: 1 / 313 = 0.003195 -> 0.0032 */
    o = val("valid_invention_per10k", "110108", "2024-06-30", NULL, 0);
    assert_true(fabs(json_number_value(json_object_get(o, "value")) - 0.0032) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(o, "population_year")), 2023);
    json_decref(o);
    /* a bad row rejects the whole file */
    const char *bad = "区划代码,年份,年末常住人口（人）,数据来源\r\n310105,2024,abc,x\r\n";
    assert_int_equal(imp_run(T.db, &actor, "bad.csv", NULL, bad, strlen(bad), NULL, "populations", NULL, &rep, &e), -1);
    assert_non_null(e.items);
    err_clear(&e);
}

/* ---- staleness ---------------------------------------------------------- */

static void test_stale_and_rebuilt(void **state)
{
    (void)state;
    err e = ERR_INIT;
    int fresh;
    char built[40];
    T_OK(ind_index_fresh(T.db, &fresh, built, &e), &e);
    assert_true(fresh);
    /* a new valid invention in X makes the index stale ... */
    pid[28] = add_patent(28, "invention", "2019-05-05", "2021-05-05", party("新专利公司", ADDR_X, "CN"), NULL, NULL);
    T_OK(ind_index_fresh(T.db, &fresh, built, &e), &e);
    assert_false(fresh);
    /* ... a figure asked with IND_NO_REFRESH comes from the stale index and says so */
    json_t *o = val("valid_invention", "310104", "2024-06-30", NULL, IND_NO_REFRESH);
    assert_int_equal(json_integer_value(json_object_get(o, "value")), 14);
    assert_true(json_is_true(json_object_get(json_object_get(o, "index"), "stale")));
    json_decref(o);
    /* ... a small registry is re-indexed on demand */
    o = val("valid_invention", "310104", "2024-06-30", NULL, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "value")), 15);
    assert_true(json_is_false(json_object_get(json_object_get(o, "index"), "stale")));
    json_decref(o);
    /* an event counts too: P28 lapses */
    add_event(pid[28], "lapse", "2024-01-01", 0, NULL, NULL, NULL);
    assert_int_equal((int)num("valid_invention", "310104", "2024-06-30", NULL), 14);
    json_t *st = NULL;
    T_OK(ind_index_state(T.db, &st, &e), &e);
    assert_true(json_is_true(json_object_get(st, "built")));
    assert_true(json_is_false(json_object_get(st, "stale")));
    json_decref(st);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sei_match),
        cmocka_unit_test(test_intervals_match_status),
        cmocka_unit_test(test_valid_invention),
        cmocka_unit_test(test_location_basis),
        cmocka_unit_test(test_per10k_and_population),
        cmocka_unit_test(test_high_value),
        cmocka_unit_test(test_pct),
        cmocka_unit_test(test_trademarks),
        cmocka_unit_test(test_pledges),
        cmocka_unit_test(test_index_equals_direct),
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_series_all),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_errors),
        /* these change the registry: last */
        cmocka_unit_test(test_reported),
        cmocka_unit_test(test_population_import),
        cmocka_unit_test(test_stale_and_rebuilt),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
