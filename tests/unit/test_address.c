/*
 * test_address.c - the GB/T 2260 data file, the regions loader, the
 * address resolver (exact codes for a table of addresses, every district
 * of the data by its full path, threads, speed) and the address review
 * queue on a real SQLite database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support_db.h"

#include "../../src/domain/address.h"
#include "../../src/import/csv.h"

#include <pthread.h>
#include <sys/stat.h>

/* The catalogue of domain_register() plus the review type (not wired into
 * the catalogue yet); filled in main(). */
static rec_type *types[64];

static const rec_actor sys_actor = {0, "system", ROLE_ADMIN, "310104-ipa"};

/* ---- the data file ---- */

typedef struct drow {
    char code[7], parent[7];
    char name[128], shrt[64];
    char level[12];
} drow;

static drow *rows;
static size_t nrows;

static const drow *row_of(const char *code)
{
    for (size_t i = 0; i < nrows; i++)
        if (!strcmp(rows[i].code, code)) return &rows[i];
    return NULL;
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
    csv_reader *r;
    if (csv_open_file(region_data_path(), &r, &e)) return -1;
    char **c;
    size_t n;
    size_t cap = 4096;
    rows = calloc(cap, sizeof *rows);
    int first = 1;
    while (csv_next(r, &c, &n, &e) == 1) {
        if (first) {
            first = 0;
            continue;
        }
        if (nrows == cap) return -1;
        drow *d = &rows[nrows++];
        snprintf(d->code, sizeof d->code, "%s", c[0]);
        snprintf(d->name, sizeof d->name, "%s", c[1]);
        snprintf(d->level, sizeof d->level, "%s", c[2]);
        snprintf(d->parent, sizeof d->parent, "%s", c[3]);
        snprintf(d->shrt, sizeof d->shrt, "%s", n > 4 ? c[4] : "");
    }
    csv_close(r);
    err_clear(&e);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    addr_free();
    free(rows);
    rows = NULL;
    return 0;
}

static void test_data_file(void **state)
{
    (void)state;
    struct stat sb;
    assert_int_equal(stat(region_data_path(), &sb), 0);
    assert_true(sb.st_size < 200 * 1024);
    assert_int_equal(nrows, 3221);
    assert_int_equal(addr_region_count(), nrows);
    size_t lv[3] = {0, 0, 0};
    for (size_t i = 0; i < nrows; i++) {
        if (i) assert_true(strcmp(rows[i - 1].code, rows[i].code) < 0); /* sorted, unique */
        lv[0] += !strcmp(rows[i].level, "province");
        lv[1] += !strcmp(rows[i].level, "city");
        lv[2] += !strcmp(rows[i].level, "district");
    }
    assert_int_equal(lv[0], 34);
    assert_int_equal(lv[1], 342);
    assert_int_equal(lv[2], 2845);
    /* municipalities keep the 市辖区 city level; HK, Macao, Taiwan rows */
    assert_string_equal(row_of("310100")->name, "市辖区");
    assert_string_equal(row_of("310104")->parent, "310100");
    assert_string_equal(row_of("500200")->name, "县");
    assert_string_equal(row_of("810000")->name, "香港特别行政区");
    assert_string_equal(row_of("820000")->name, "澳门特别行政区");
    assert_string_equal(row_of("710000")->name, "台湾省");
    assert_string_equal(row_of("429000")->name, "省直辖县级行政区划");
    assert_null(row_of("320571")); /* statistical-only development zone dropped */
    assert_string_equal(addr_region_name("310104"), "徐汇区");
    assert_null(addr_region_name("999999"));
    buf p = BUF_INIT;
    assert_int_equal(addr_region_path("310104", &p), 0);
    assert_string_equal(p.s, "上海市徐汇区");
    buf_reset(&p);
    assert_int_equal(addr_region_path("220104", &p), 0);
    assert_string_equal(p.s, "吉林省长春市朝阳区");
    buf_free(&p);
}

/* ---- the resolver ---- */

typedef struct acase {
    const char *addr;
    int rc;
    const char *code; /* expected code ("" = none) */
    addr_level level;
    addr_conf conf;
    unsigned flags;    /* flags that must be set */
    const char *cands; /* expected candidates, comma-separated, or NULL */
} acase;

#define EX ADDR_CONF_EXACT
#define PA ADDR_CONF_PARTIAL
#define DI ADDR_LEVEL_DISTRICT
#define CI ADDR_LEVEL_CITY
#define PR ADDR_LEVEL_PROVINCE

static const acase cases[] = {
    /* the brief's two, postal code first */
    {"200030 上海市徐汇区漕宝路650号", 1, "310104", DI, EX, ADDR_F_POSTAL, NULL},
    {"650231 云南省昆明市五华区人民中路1号", 1, "530102", DI, EX, ADDR_F_POSTAL, NULL},
    /* full names and short forms */
    {"上海市徐汇区漕宝路650号", 1, "310104", DI, EX, 0, NULL},
    {"上海徐汇漕宝路650号", 1, "310104", DI, EX, 0, NULL},
    {"上海市浦东新区世纪大道100号", 1, "310115", DI, EX, 0, NULL},
    {"上海浦东张江高科技园区", 1, "310115", DI, EX, 0, NULL},
    {"云南省昆明市五华区", 1, "530102", DI, EX, 0, NULL},
    {"云南昆明五华区", 1, "530102", DI, EX, 0, NULL},
    {"广西壮族自治区南宁市青秀区民族大道", 1, "450103", DI, EX, 0, NULL},
    {"广西南宁青秀区", 1, "450103", DI, EX, 0, NULL},
    {"内蒙古自治区呼和浩特市新城区", 1, "150102", DI, EX, 0, NULL},
    {"内蒙古呼和浩特新城区", 1, "150102", DI, EX, 0, NULL},
    {"新疆维吾尔自治区乌鲁木齐市天山区", 1, "650102", DI, EX, 0, NULL},
    {"新疆乌鲁木齐天山区", 1, "650102", DI, EX, 0, NULL},
    {"香港特别行政区中环皇后大道中", 1, "810000", PR, EX, 0, NULL},
    {"香港九龙", 1, "810000", PR, EX, 0, NULL},
    {"重庆市渝中区解放碑", 1, "500103", DI, EX, 0, NULL},
    {"重庆市石柱土家族自治县", 1, "500240", DI, EX, 0, NULL},
    {"吉林省吉林市船营区", 1, "220204", DI, EX, 0, NULL},
    {"湖北省仙桃市", 1, "429004", DI, EX, 0, NULL},
    {"广东省东莞市松山湖", 1, "441900", CI, EX, 0, NULL},
    /* province omitted */
    {"徐汇区漕宝路650号", 1, "310104", DI, EX, 0, NULL},
    {"浦东新区世纪大道", 1, "310115", DI, EX, 0, NULL},
    {"长春市朝阳区人民大街", 1, "220104", DI, EX, 0, NULL},
    {"北京市朝阳区建国路88号", 1, "110105", DI, EX, 0, NULL},
    {"吉林省长春市朝阳区", 1, "220104", DI, EX, 0, NULL},
    {"南京市鼓楼区中山路", 1, "320106", DI, EX, 0, NULL},
    /* ambiguous names */
    {"朝阳区建国路88号", 0, "", 0, 0, 0, "110105,220104"},
    {"鼓楼区中山路1号", 0, "", 0, 0, 0, "320106,320302,350102,410204"},
    {"江苏省鼓楼区", 1, "320000", PR, PA, 0, "320106,320302"},
    /* city or province only */
    {"江苏省苏州市", 1, "320500", CI, PA, 0, NULL},
    {"苏州市工业园区星湖街328号", 1, "320500", CI, PA, 0, NULL},
    {"云南省", 1, "530000", PR, PA, 0, NULL},
    {"内蒙古自治区", 1, "150000", PR, PA, 0, NULL},
    {"吉林", 1, "220000", PR, PA, 0, NULL},
    /* a road named after another place ends the administrative part */
    {"上海市南京西路1266号", 1, "310000", PR, PA, 0, NULL},
    {"上海市静安区南京西路1266号", 1, "310106", DI, EX, 0, NULL},
    {"上海市黄浦区河南中路88号", 1, "310101", DI, EX, 0, NULL},
    {"长安街1号 北京市东城区", 1, "110101", DI, EX, 0, NULL},
    /* whitespace, full-width characters */
    {"  上海市　　徐汇区 漕宝路６５０号  ", 1, "310104", DI, EX, 0, NULL},
    {"２０００３０　上海市徐汇区", 1, "310104", DI, EX, ADDR_F_POSTAL, NULL},
    {"上 海 市 徐 汇 区", 1, "310104", DI, EX, 0, NULL},
    /* postal codes: disambiguation, contradiction, alone, at the end */
    {"100020 朝阳区建国路88号", 1, "110105", DI, EX, ADDR_F_POSTAL | ADDR_F_POSTAL_USED, NULL},
    {"130000 朝阳区", 1, "220104", DI, EX, ADDR_F_POSTAL_USED, NULL},
    {"100000 上海市徐汇区", 1, "310104", DI, PA, ADDR_F_POSTAL_MISMATCH, NULL},
    {"200030", 1, "310000", PR, PA, ADDR_F_POSTAL_USED, NULL},
    {"上海市徐汇区漕宝路650号 200030", 1, "310104", DI, EX, ADDR_F_POSTAL, NULL},
    /* English */
    {"Xuhui District, Shanghai", 1, "310104", DI, EX, ADDR_F_ENGLISH, NULL},
    {"650 Caobao Road, Xuhui District, Shanghai 200030", 1, "310104", DI, EX, ADDR_F_ENGLISH | ADDR_F_POSTAL, NULL},
    {"Pudong New Area, Shanghai, China", 1, "310115", DI, EX, ADDR_F_ENGLISH, NULL},
    {"1266 Nanjing West Road, Jing'an District, Shanghai", 1, "310106", DI, EX, ADDR_F_ENGLISH, NULL},
    {"Chaoyang District, Beijing", 1, "110105", DI, EX, ADDR_F_ENGLISH, NULL},
    {"Chaoyang District", 0, "", 0, 0, ADDR_F_ENGLISH, "110105,211300,211321,220104,440513"},
    {"Suzhou, Jiangsu Province", 1, "320500", CI, PA, ADDR_F_ENGLISH, NULL},
    {"Wuhua District, Kunming, Yunnan", 1, "530102", DI, EX, ADDR_F_ENGLISH, NULL},
    {"Central, Hong Kong", 1, "810000", PR, EX, ADDR_F_ENGLISH, NULL},
    {"Hohhot, Inner Mongolia", 1, "150000", PR, PA, ADDR_F_ENGLISH, NULL},
    {"Xi'an, Shaanxi", 1, "610100", CI, PA, ADDR_F_ENGLISH, NULL},
    /* nothing */
    {"某某路123号", 0, "", 0, 0, 0, NULL},
    {"", 0, "", 0, 0, 0, NULL},
    {"\xff\xfe 上海市\xc3徐汇区", 1, "310104", DI, EX, 0, NULL},
};

static void check_case(const acase *c)
{
    addr_result r;
    int rc = addr_resolve(c->addr, &r);
    char cands[256] = "";
    for (int i = 0; i < r.ncandidates; i++) {
        if (i) strcat(cands, ",");
        strcat(cands, r.candidates[i]);
    }
    if (rc != c->rc || strcmp(r.code, c->code) || (c->rc == 1 && (r.level != c->level || r.confidence != c->conf)) ||
        (r.flags & c->flags) != c->flags || (c->cands && strcmp(cands, c->cands)))
        fail_msg("\"%s\": got rc %d code \"%s\" level %d conf %d flags %#x candidates [%s]; want rc %d code \"%s\" "
                 "level %d conf %d flags %#x candidates [%s]",
                 c->addr, rc, r.code, r.level, r.confidence, r.flags, cands, c->rc, c->code, c->level, c->conf,
                 c->flags, c->cands ? c->cands : "-");
}

static void test_resolve_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i]);
    assert_true(sizeof cases / sizeof cases[0] >= 25);
}

static void test_resolve_details(void **state)
{
    (void)state;
    addr_result r;
    /* the span names the administrative part, in input bytes */
    const char *a = "200030 上海市徐汇区漕宝路650号";
    assert_int_equal(addr_resolve(a, &r), 1);
    assert_int_equal(r.match_off, 7);
    assert_int_equal(r.match_len, strlen("上海市徐汇区"));
    assert_string_equal(r.postal, "200030");
    assert_string_equal(r.name, "徐汇区");
    const char *b = "  上海　徐汇 漕宝路";
    assert_int_equal(addr_resolve(b, &r), 1);
    assert_int_equal(r.match_off, 2);
    assert_int_equal(r.match_len, strlen("上海　徐汇"));
    /* a repeated name after the district (a road named after it) is not
     * part of the span */
    const char *c2 = "广州市天河区天河路385号";
    assert_int_equal(addr_resolve(c2, &r), 1);
    assert_string_equal(r.code, "440106");
    assert_int_equal(r.match_off, 0);
    assert_int_equal(r.match_len, strlen("广州市天河区"));
    /* postal code alone: its span */
    assert_int_equal(addr_resolve("邮编 200030", &r), 1);
    assert_string_equal(r.code, "310000");
    assert_int_equal(r.match_off, 7);
    assert_int_equal(r.match_len, 6);
    /* argument errors */
    assert_int_equal(addr_resolve(NULL, &r), -1);
    assert_int_equal(addr_resolve("上海", NULL), -1);
    /* very long input is cut, not overrun */
    char *big = malloc(ADDR_MAX_INPUT * 2 + 1);
    strcpy(big, "上海市徐汇区");
    size_t n = strlen(big);
    while (n < ADDR_MAX_INPUT * 2) big[n++] = 'x';
    big[n] = '\0';
    assert_int_equal(addr_resolve(big, &r), 1);
    assert_string_equal(r.code, "310104");
    assert_true(r.flags & ADDR_F_TRUNCATED);
    free(big);
    /* normalisation for the queue key */
    buf nb = BUF_INIT;
    addr_normalize("  朝阳区　 建国路８８号\t ", &nb);
    assert_string_equal(nb.s, "朝阳区 建国路88号");
    addr_normalize("", &nb);
    assert_string_equal(buf_cstr(&nb), "");
    buf_free(&nb);
}

/* Every district and county of the data, by its full path from the
 * province, by its short forms, and from the city without the province. */
static void test_resolve_every_division(void **state)
{
    (void)state;
    int bad = 0, tried = 0;
    addr_result r;
    for (size_t i = 0; i < nrows; i++) {
        const drow *d = &rows[i];
        if (strcmp(d->level, "district")) continue;
        const drow *c = row_of(d->parent), *p = row_of(c->parent);
        int cph = !strcmp(c->name, "市辖区") || !strcmp(c->name, "县") || strstr(c->name, "直辖县级");
        char a[512];
        /* 1. full path */
        snprintf(a, sizeof a, "%s%s%s人民路1号", p->name, cph ? "" : c->name, d->name);
        tried++;
        if (addr_resolve(a, &r) != 1 || strcmp(r.code, d->code) || r.confidence != ADDR_CONF_EXACT) {
            if (bad++ < 20) fprintf(stderr, "full path: %s -> %s (want %s)\n", a, r.code, d->code);
        }
        /* 2. short forms of province and city, full district */
        snprintf(a, sizeof a, "%s%s%s人民路1号", p->shrt, cph || !*c->shrt ? "" : c->shrt, d->name);
        tried++;
        if (addr_resolve(a, &r) != 1 || strcmp(r.code, d->code)) {
            if (bad++ < 20) fprintf(stderr, "short forms: %s -> %s (want %s)\n", a, r.code, d->code);
        }
        /* 3. city and district, no province */
        if (!cph) {
            snprintf(a, sizeof a, "%s%s人民路1号", c->name, d->name);
            tried++;
            if (addr_resolve(a, &r) != 1 || strcmp(r.code, d->code)) {
                if (bad++ < 20) fprintf(stderr, "no province: %s -> %s (want %s)\n", a, r.code, d->code);
            }
        }
    }
    fprintf(stderr, "every division: %d addresses, %d wrong\n", tried, bad);
    assert_int_equal(bad, 0);
}

/* District names unique nationwide resolve alone; the others list every
 * district of that name as candidates. */
static void test_resolve_district_alone(void **state)
{
    (void)state;
    int bad = 0, uniq = 0, amb = 0;
    addr_result r;
    for (size_t i = 0; i < nrows; i++) {
        const drow *d = &rows[i];
        if (strcmp(d->level, "district")) continue;
        int same = 0, other_level = 0;
        for (size_t j = 0; j < nrows; j++) {
            if (strcmp(rows[j].name, d->name)) continue;
            if (!strcmp(rows[j].level, "district")) same++;
            else
                other_level++;
        }
        if (other_level) continue; /* e.g. a county-level city named like a prefecture */
        char a[256];
        snprintf(a, sizeof a, "%s幸福路8号", d->name);
        int rc = addr_resolve(a, &r);
        if (same == 1) {
            uniq++;
            if (rc != 1 || strcmp(r.code, d->code)) {
                if (bad++ < 20) fprintf(stderr, "unique: %s -> %s (want %s)\n", a, r.code, d->code);
            }
        } else {
            amb++;
            int found = 0;
            for (int k = 0; k < r.ncandidates; k++) found |= !strcmp(r.candidates[k], d->code);
            if (r.confidence == ADDR_CONF_EXACT || !found || r.ncandidates_total < 2) {
                if (bad++ < 20)
                    fprintf(stderr, "ambiguous: %s -> rc %d %s, %d candidates\n", a, rc, r.code, r.ncandidates);
            }
        }
    }
    fprintf(stderr, "district alone: %d unique, %d ambiguous, %d wrong\n", uniq, amb, bad);
    assert_int_equal(bad, 0);
}

/* Random bytes and random strings of division names, separators, digits
 * and full-width characters: never a crash (the sanitizer build checks
 * memory), and every answer well-formed. */
static void test_resolve_garbage(void **state)
{
    (void)state;
    static const char *bits[] = {"，", " ", "　",   "１", "2",    "0",    "号", "路",
                                 "(",  "x", "Road", ",",  "\xe4", "\xff", "市", "区"};
    uint64_t z = 0x9E3779B97F4A7C15u;
    char a[ADDR_MAX_INPUT + 1024];
    addr_result r;
    for (int it = 0; it < 20000; it++) {
        size_t n = 0, want = it % 100 ? (size_t)(z % 200) : sizeof a - 8;
        while (n < want) {
            z ^= z << 13, z ^= z >> 7, z ^= z << 17;
            const char *piece;
            char raw[2] = {(char)(z >> 24 | 1), 0};
            switch (z % 4) {
            case 0: piece = rows[(z >> 8) % nrows].name; break;
            case 1: piece = rows[(z >> 8) % nrows].shrt; break;
            case 2: piece = bits[(z >> 8) % (sizeof bits / sizeof bits[0])]; break;
            default: piece = it % 3 ? "Shanghai " : raw; break;
            }
            size_t k = strlen(piece);
            if (n + k >= sizeof a) break;
            memcpy(a + n, piece, k);
            n += k;
        }
        a[n] = '\0';
        int rc = addr_resolve(a, &r);
        assert_true(rc == 0 || rc == 1);
        assert_true(r.match_off + r.match_len <= n);
        if (rc == 1) assert_non_null(addr_region_name(r.code));
        else
            assert_string_equal(r.code, "");
        assert_true(r.ncandidates >= 0 && r.ncandidates <= ADDR_MAX_CANDIDATES && r.ncandidates <= r.ncandidates_total);
        for (int i = 0; i < r.ncandidates; i++) assert_non_null(addr_region_name(r.candidates[i]));
    }
}

static void *resolve_thread(void *arg)
{
    long *fails = arg;
    addr_result r;
    for (int i = 0; i < 20000; i++) {
        const acase *c = &cases[i % (sizeof cases / sizeof cases[0])];
        int rc = addr_resolve(c->addr, &r);
        if (rc != c->rc || strcmp(r.code, c->code)) (*fails)++;
    }
    return NULL;
}

static void test_resolve_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    long fails[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&th[i], NULL, resolve_thread, &fails[i]), 0);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) assert_int_equal(fails[i], 0);
}

/* Throughput over a realistic mix (one district's import is ~20k
 * addresses); printed, and checked against a floor that holds even
 * under the sanitizers. */
static void test_resolve_speed(void **state)
{
    (void)state;
    static const char *mix[] = {
        "上海市徐汇区漕宝路650号",
        "200030 上海市徐汇区漕宝路650号",
        "徐汇区虹桥路1号",
        "上海市徐汇区田林路140号28号楼",
        "北京市海淀区中关村大街1号",
        "江苏省苏州市工业园区星湖街328号",
        "Xuhui District, Shanghai",
        "广东省深圳市南山区科技园科苑路15号",
        "浙江省杭州市余杭区文一西路969号",
        "四川省成都市高新区天府大道北段1700号",
    };
    const int n = 200000;
    addr_result r;
    double t0 = util_now();
    long ok = 0;
    for (int i = 0; i < n; i++) ok += addr_resolve(mix[i % 10], &r) == 1;
    double dt = util_now() - t0;
    fprintf(stderr, "resolve speed: %d addresses in %.3f s = %.0f addresses/s\n", n, dt, n / dt);
    assert_int_equal(ok, n);
    assert_true(n / dt > 20000);
}

/* ---- the database ---- */

/* demo_init loads every division; these tests start from the demo's three */
static void keep_demo_regions(tdb *t)
{
    err e = ERR_INIT;
    T_OK(store_exec(t->db, "DELETE FROM regions WHERE code NOT IN ('310000', '310100', '310104')", &e), &e);
}

static void test_region_load(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    keep_demo_regions(t);
    long created = -1, skipped = -1;
    double t0 = util_now();
    T_OK(region_load_counts(t->db, region_data_path(), &sys_actor, &created, &skipped, &e), &e);
    fprintf(stderr, "region_load: %ld created, %ld skipped in %.2f s\n", created, skipped, util_now() - t0);
    assert_int_equal(created, 3221 - 3); /* the demo's 310000, 310100, 310104 */
    assert_int_equal(skipped, 3);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions WHERE deleted_at IS NULL"), 3221);
    assert_int_equal(
        tdb_int(t->db, "SELECT COUNT(*) FROM regions WHERE code = '310104' AND name_en = 'Xuhui District'"), 1);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions WHERE code = '530102' AND parent_code = '530100'"
                                    " AND level = 'district' AND name_zh = '五华区'"),
                     1);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions WHERE parent_code IS NULL"), 34);
    /* audited like any write */
    assert_true(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE rtype = 'region'") >= 3218);
    /* idempotent */
    T_OK(region_load_counts(t->db, region_data_path(), &sys_actor, &created, &skipped, &e), &e);
    assert_int_equal(created, 0);
    assert_int_equal(skipped, 3221);
    T_OK(region_load(t->db, region_data_path(), &sys_actor, &e), &e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions"), 3221);
    /* a role without write access changes nothing */
    store_exec(t->db, "DELETE FROM regions WHERE code = '530102'", &e);
    rec_actor ent = {0, "ent", ROLE_ENTERPRISE, "310104-ipa"};
    assert_int_equal(region_load(t->db, region_data_path(), &ent, &e), -1);
    assert_int_equal(e.status, 403);
    assert_non_null(e.file);
    assert_string_equal(e.file, "gbt2260.csv");
    assert_true(e.row > 1);
    err_clear(&e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions"), 3220);
    err_clear(&e);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_region_load_errors(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    keep_demo_regions(t);
    char p[160];
    snprintf(p, sizeof p, "%s/bad.csv", t->dir);
    static const struct {
        const char *text;
        long row;
        const char *field;
    } bad[] = {
        {"code,name,level,parent\n110000,北京市,province,\n11010,东城区,district,110100\n", 3, "code"},
        {"code,name,level,parent\n110000,北京市,province,\n110000,北京市,province,\n", 3, "code"},
        {"code,name,level,parent\n110000,北京市,province,\n110100,,city,110000\n", 3, "name"},
        {"code,name,level,parent\n110000,北京市,province,\n110100,市辖区,town,110000\n", 3, "level"},
        {"code,name,level,parent\n110000,北京市,province,\n110101,东城区,district,110100\n", 3, "parent"},
        {"code,name,level,parent\n110000,北京市,province,120000\n", 2, "parent"},
        {"code,name,level,parent\n000000,无,province,\n", 2, "code"},
        {"code,name\n110000,北京市\n", 1, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(p, bad[i].text);
        assert_int_equal(region_load(t->db, p, &sys_actor, &e), -1);
        T_ERR(&e, 422, "region.data");
        assert_string_equal(e.file, "bad.csv");
        assert_int_equal(e.row, bad[i].row);
        if (bad[i].field) assert_string_equal(e.field, bad[i].field);
        assert_non_null(strstr(err_msg(&e, LANG_ZH), "bad.csv"));
        err_clear(&e);
        assert_int_equal(addr_init(p, &e), -1); /* the same checks; the index is kept */
        err_clear(&e);
    }
    assert_int_equal(addr_region_count(), 3221);
    /* a missing file */
    assert_int_equal(region_load(t->db, "/nonexistent/gbt2260.csv", &sys_actor, &e), -1);
    assert_int_equal(e.status, 500);
    err_clear(&e);
    /* nothing was written */
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions"), 3);
    /* a good small file inside the caller's transaction */
    write_file(
        p,
        "code,name,level,parent\n110000,北京市,province,\n110100,市辖区,city,110000\n110101,东城区,district,110100\n");
    T_OK(store_begin(t->db, &e), &e);
    T_OK(region_load(t->db, p, &sys_actor, &e), &e);
    assert_true(store_in_tx(t->db));
    store_rollback(t->db);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM regions"), 3);
    err_clear(&e);
}

static int review_setup(void **state)
{
    tdb_setup_demo(state);
    tdb *t = *state;
    err e = ERR_INIT;
    T_OK(rec_create_table(t->db, &type_address_review, &e), &e);
    err_clear(&e);
    return 0;
}

static int64_t review_id(store *db, const char *addr, int64_t *version)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, "SELECT id, version FROM address_reviews WHERE address = ?", &e);
    assert_non_null(st);
    store_bind_text(st, 1, addr);
    int64_t id = -1;
    if (store_step(st, &e) == 1) {
        id = store_col_int(st, 0);
        *version = store_col_int(st, 1);
    }
    store_done(st);
    err_clear(&e);
    return id;
}

static void test_review_queue(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char code[7];
    int queued = -1;
    /* resolvable: a code, nothing queued */
    T_OK(addr_resolve_db(t->db, "200030 上海市徐汇区漕宝路650号", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "310104");
    assert_int_equal(queued, 0);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews"), 0);
    /* ambiguous: queued once, with the candidates */
    T_OK(addr_resolve_db(t->db, "朝阳区建国路88号", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "");
    assert_int_equal(queued, ADDR_QUEUED_NEW);
    T_OK(addr_resolve_db(t->db, "  朝阳区建国路８８号 ", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "");
    assert_int_equal(queued, ADDR_QUEUED_ALREADY);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews"), 1);
    assert_int_equal(tdb_int(t->db,
                             "SELECT COUNT(*) FROM address_reviews WHERE status = 'pending' AND dept = '310104-ipa'"
                             " AND candidates LIKE '%110105%' AND candidates LIKE '%220104%'"
                             " AND candidates LIKE '%吉林省长春市朝阳区%'"),
                     1);
    /* city only: queued with the city as the candidate */
    T_OK(addr_resolve_db(t->db, "江苏省苏州市", &sys_actor, code, &queued, &e), &e);
    assert_int_equal(queued, ADDR_QUEUED_NEW);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews WHERE candidates LIKE '%320500%'"), 1);

    int64_t ver = 0, id = review_id(t->db, "朝阳区建国路88号", &ver);
    assert_true(id > 0);
    /* settling needs a region code */
    json_t *patch = json_pack("{s:s}", "status", "settled");
    json_t *out = NULL;
    T_OK(store_begin(t->db, &e), &e);
    assert_int_equal(rec_update_tx(t->db, &type_address_review, &sys_actor, id, patch, ver, &out, &e), -1);
    store_rollback(t->db);
    T_ERR(&e, 422, "validation.failed");
    T_ITEM(&e, "region_code", "validation.required");
    err_clear(&e);
    json_decref(patch);
    /* a bad code is refused by the field's validator */
    patch = json_pack("{s:s,s:s}", "status", "settled", "region_code", "000000");
    T_OK(store_begin(t->db, &e), &e);
    assert_int_equal(rec_update_tx(t->db, &type_address_review, &sys_actor, id, patch, ver, &out, &e), -1);
    store_rollback(t->db);
    assert_int_equal(e.status, 422);
    err_clear(&e);
    json_decref(patch);
    /* settled_by cannot be written by hand */
    patch = json_pack("{s:s}", "settled_by", "mallory");
    T_OK(store_begin(t->db, &e), &e);
    assert_int_equal(rec_update_tx(t->db, &type_address_review, &sys_actor, id, patch, ver, &out, &e), -1);
    store_rollback(t->db);
    T_ITEM(&e, "settled_by", "validation.readonly");
    err_clear(&e);
    json_decref(patch);
    /* settle */
    rec_actor bureau = {7, "zhang", ROLE_BUREAU, "310104-ipa"};
    patch = json_pack("{s:s,s:s,s:s}", "status", "settled", "region_code", "110105", "note", "北京朝阳");
    T_OK(store_begin(t->db, &e), &e);
    T_OK(rec_update_tx(t->db, &type_address_review, &bureau, id, patch, ver, &out, &e), &e);
    T_OK(store_commit(t->db, &e), &e);
    json_decref(patch);
    assert_string_equal(json_string_value(json_object_get(out, "settled_by")), "zhang");
    assert_int_equal(util_datetime_valid(json_string_value(json_object_get(out, "settled_at"))), 0);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "settled");
    json_decref(out);
    /* remembered for the same address */
    T_OK(addr_resolve_db(t->db, "朝阳区建国路88号", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "110105");
    assert_int_equal(queued, 0);
    /* a space inside makes it another address */
    T_OK(addr_resolve_db(t->db, "朝阳区　建国路88号", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "");
    assert_int_equal(queued, ADDR_QUEUED_NEW);
    err_clear(&e);
}

static void test_review_queue_more(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char code[7];
    int queued = -1;
    /* whitespace is collapsed, not removed: this is another address */
    T_OK(addr_resolve_db(t->db, "朝阳区 建国路88号", &sys_actor, code, &queued, &e), &e);
    assert_int_equal(queued, ADDR_QUEUED_NEW);
    T_OK(addr_resolve_db(t->db, "朝阳区　建国路88号", &sys_actor, code, &queued, &e), &e);
    assert_int_equal(queued, ADDR_QUEUED_ALREADY);
    /* empty address */
    assert_int_equal(addr_resolve_db(t->db, " 　", &sys_actor, code, &queued, &e), -1);
    T_ERR(&e, 422, "address.empty");
    err_clear(&e);
    /* roles: an enterprise user neither reads nor queues */
    rec_actor ent = {9, "ent", ROLE_ENTERPRISE, "310104-ipa"};
    assert_int_equal(addr_resolve_db(t->db, "鼓楼区中山路1号", &ent, code, &queued, &e), -1);
    assert_int_equal(e.status, 403);
    err_clear(&e);
    assert_int_equal(rec_can_read(&type_address_review, ROLE_ENTERPRISE), SCOPE_NONE);
    assert_int_equal(rec_can_read(&type_address_review, ROLE_PUBLIC), SCOPE_NONE);
    assert_int_equal(rec_can_write(&type_address_review, ROLE_DEPT), SCOPE_OWN);
    assert_int_equal(rec_can_write(&type_address_review, ROLE_BUREAU), SCOPE_ALL);
    /* a dept user queues into its own department and sees only that */
    rec_actor dept = {8, "li", ROLE_DEPT, "310104-court"};
    T_OK(addr_resolve_db(t->db, "鼓楼区中山路1号", &dept, code, &queued, &e), &e);
    assert_int_equal(queued, ADDR_QUEUED_NEW);
    rec_query q = {0};
    json_t *list = NULL;
    T_OK(rec_list(t->db, &type_address_review, &dept, &q, &list, &e), &e);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
    json_decref(list);
    T_OK(rec_list(t->db, &type_address_review, &sys_actor, &q, &list, &e), &e);
    assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
    json_decref(list);
    /* settled then back to pending: the stamp is cleared, nothing remembered */
    int64_t ver = 0, id = review_id(t->db, "鼓楼区中山路1号", &ver);
    json_t *patch = json_pack("{s:s,s:s}", "status", "settled", "region_code", "320106"), *out = NULL;
    T_OK(rec_update(t->db, &type_address_review, &dept, id, patch, ver, &out, &e), &e);
    json_decref(patch);
    assert_string_equal(json_string_value(json_object_get(out, "settled_by")), "li");
    json_decref(out);
    T_OK(addr_resolve_db(t->db, "鼓楼区中山路1号", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "320106");
    patch = json_pack("{s:s}", "status", "pending");
    T_OK(rec_update(t->db, &type_address_review, &dept, id, patch, ver + 1, &out, &e), &e);
    json_decref(patch);
    assert_true(json_is_null(json_object_get(out, "settled_by")) || !json_object_get(out, "settled_by"));
    json_decref(out);
    T_OK(addr_resolve_db(t->db, "鼓楼区中山路1号", &sys_actor, code, &queued, &e), &e);
    assert_string_equal(code, "");
    assert_int_equal(queued, ADDR_QUEUED_ALREADY);
    /* a manual review through the record layer is normalised and unique */
    json_t *in = json_pack("{s:s}", "address", "  鼓楼区中山路１号 ");
    assert_int_equal(rec_create(t->db, &type_address_review, &sys_actor, in, &out, &e), -1);
    assert_int_equal(e.status, 409);
    err_clear(&e);
    json_decref(in);
    err_clear(&e);
}

static void test_not_ready(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    char code[7];
    addr_free();
    addr_result r;
    assert_int_equal(addr_resolve("上海市徐汇区", &r), -1);
    assert_int_equal(addr_resolve_db(t->db, "上海市徐汇区", &sys_actor, code, NULL, &e), -1);
    T_ERR(&e, 500, "address.not_ready");
    err_clear(&e);
    T_OK(addr_init(region_data_path(), &e), &e);
    T_OK(addr_resolve_db(t->db, "上海市徐汇区", &sys_actor, code, NULL, &e), &e);
    assert_string_equal(code, "310104");
    err_clear(&e);
}

int main(void)
{
    log_set_level(LOG_QUIET);
    domain_register();
    size_t nt = 0;
    for (rec_type *const *tp = rec_types(); *tp && nt < 62; tp++) types[nt++] = *tp;
    int have = 0;
    for (size_t i = 0; i < nt; i++) have |= types[i] == &type_address_review;
    if (!have) types[nt++] = &type_address_review;
    types[nt] = NULL;
    rec_register(types);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_file),
        cmocka_unit_test(test_resolve_cases),
        cmocka_unit_test(test_resolve_details),
        cmocka_unit_test(test_resolve_every_division),
        cmocka_unit_test(test_resolve_district_alone),
        cmocka_unit_test(test_resolve_garbage),
        cmocka_unit_test(test_resolve_threads),
        cmocka_unit_test(test_resolve_speed),
        cmocka_unit_test_setup_teardown(test_region_load, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_region_load_errors, tdb_setup_demo, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_review_queue, review_setup, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_review_queue_more, review_setup, tdb_teardown),
        cmocka_unit_test_setup_teardown(test_not_ready, review_setup, tdb_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
