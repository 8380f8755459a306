/* test_importer.c - the importer (src/import/importer.h: imp_run) and the
 * document ingest behind it (src/domain/ingest.h), on real SQLite files.
 *
 *   - every real file of ../shared/data/real (run from the repository
 *     root): 5 CNIPA XML, 3 USPTO XML, the Lens CSV (863 rows, neither
 *     UTF-8 nor GB18030: read as ISO-8859-1), by path and from memory, with
 *     the stored values checked (appno, kind, title, first applicant,
 *     region, filing date, main IPC);
 *   - re-imports change nothing: same counts, only the import's own audit
 *     entry is added;
 *   - broken input leaves every table as it was and says where: a
 *     truncated XML, a changed check digit, GBK bytes in an XML declared
 *     UTF-8 (made here with iconv(3) from cn_new1.xml), a patent template
 *     with a bad date in row 3 and a bad IPC in row 5, an events file
 *     naming an unknown application;
 *   - a GB18030 template (made here with iconv(3)), the same template as
 *     XLSX (written here with libxlsxwriter), tpl_write's CSV and XLSX;
 *   - the synthetic dataset of `ipcity gen` (the binary built next to this
 *     test: build/ipcity or build/asan/ipcity), imported whole, and
 *     byte-identical for the same seed.
 *
 * No fixture files: every input that is not a real file is built by the
 * test itself from the bytes shown here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <libgen.h>
#include <sodium.h>
#include <sys/stat.h>
#include <xlsxwriter.h>

#include "support_db.h"
#include "../../src/domain/address.h"
#include "../../src/domain/ingest.h"
#include "../../src/domain/registry.h"
#include "../../src/import/importer.h"
#include "../../src/import/table.h"
#include "../../src/records/rec.h"

#define REAL "../shared/data/real/"
#define CN_DIR REAL "cnipa-xml/"
#define US_DIR REAL "uspto-xml/"
#define LENS REAL "lens/lens_autonomous_search.csv"

static const rec_actor actor = {0, "tester", ROLE_ADMIN, "310104-ipa"};

/* ---- helpers ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s", path);
    buf b = BUF_INIT;
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(&b, chunk, k);
    fclose(fp);
    *n = b.len;
    buf_putc(&b, '\0');
    return buf_detach(&b);
}

static void spit(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

/* Replaces the only occurrence of from in s with to (same length). */
static void patch(char *s, const char *from, const char *to)
{
    assert_int_equal(strlen(from), strlen(to));
    char *p = strstr(s, from);
    if (!p) fail_msg("'%s' not found", from);
    assert_null(strstr(p + 1, from));
    memcpy(p, to, strlen(to));
}

static const char *str_of(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t int_of(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* Imports a file (path) or bytes (data/n); fails the test on error. */
static json_t *import_ok(store *db, const char *name, const char *path, const void *data, size_t n)
{
    err e = ERR_INIT;
    json_t *rep = NULL;
    if (imp_run(db, &actor, name, path, data, n, NULL, NULL, NULL, &rep, &e)) {
        char *items = tdb_items_text(&e);
        fail_msg("import of %s failed: %d %s %s %s", name, e.status, e.code ? e.code : "-", err_msg(&e, LANG_EN),
                 items);
    }
    assert_non_null(rep);
    return rep;
}

/* Imports bytes that must be rejected; returns the error (caller clears). */
static err import_bad(store *db, const char *name, const void *data, size_t n)
{
    err e = ERR_INIT;
    json_t *rep = (json_t *)1;
    assert_int_equal(imp_run(db, &actor, name, NULL, data, n, NULL, NULL, NULL, &rep, &e), -1);
    assert_null(rep);
    return e;
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

/* The state of the whole database: COUNT(*) of every table (FTS shadow
 * tables and search index tables included), the audit head, and the sum of
 * record versions. */
static json_t *snapshot(store *db)
{
    json_t *names = tdb_tables(db);
    assert_true(json_array_size(names) > 20);
    json_t *snap = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        char *q = xasprintf("SELECT COUNT(*) FROM \"%s\"", json_string_value(v));
        json_object_set_new(snap, json_string_value(v), json_integer(tdb_int(db, q)));
        free(q);
    }
    json_decref(names);
    json_object_set_new(snap, "#audit_head", json_integer(tdb_int(db, "SELECT seq FROM audit_head")));
    json_object_set_new(snap, "#patent_versions",
                        json_integer(tdb_int(db, "SELECT COALESCE(SUM(version), 0) FROM patents")));
    json_object_set_new(snap, "#event_versions",
                        json_integer(tdb_int(db, "SELECT COALESCE(SUM(version), 0) FROM patent_events")));
    return snap;
}

static void expect_same_snapshot(json_t *before, store *db)
{
    json_t *after = snapshot(db);
    if (!json_equal(before, after)) {
        const char *k;
        json_t *v;
        json_object_foreach(before, k, v)
        {
            if (!json_equal(v, json_object_get(after, k)))
                fail_msg("table %s changed: %lld -> %lld", k, (long long)json_integer_value(v),
                         (long long)json_integer_value(json_object_get(after, k)));
        }
        fail_msg("the database changed");
    }
    json_decref(after);
}

/* The live patent with this application number (fails when absent). */
static json_t *patent_by_appno(store *db, const char *appno)
{
    err e = ERR_INIT;
    int64_t id = 0;
    T_OK(store_query_int(db, "SELECT id FROM patents WHERE appno = ? AND deleted_at IS NULL", &id, &e, 1, appno), &e);
    if (!id) fail_msg("no patent %s", appno);
    json_t *p = NULL;
    T_OK(rec_get(db, &type_patent, &actor, id, &p, &e), &e);
    return p;
}

static void expect_str(const json_t *o, const char *k, const char *want)
{
    const char *got = str_of(o, k);
    if (!want) {
        if (got) fail_msg("%s should be empty, is '%s'", k, got);
        return;
    }
    if (!got) fail_msg("%s missing (expected '%s')", k, want);
    if (strcmp(got, want)) fail_msg("%s is '%s', expected '%s'", k, got, want);
}

/* An item of e with this row, column (0 = absent), field and code. */
static int has_item(const err *e, long row, long col, const char *field, const char *code)
{
    size_t i;
    json_t *it;
    json_array_foreach(e->items, i, it)
    {
        if (int_of(it, "row") != row || int_of(it, "column") != col) continue;
        const char *f = str_of(it, "field"), *c = str_of(it, "code");
        if ((field ? (f && !strcmp(f, field)) : !f) && c && !strcmp(c, code)) return 1;
    }
    return 0;
}

#define EXPECT_ITEM(e, row, col, field, code) \
    do { \
        if (!has_item((e), (row), (col), (field), (code))) { \
            char *s_ = tdb_items_text(e); \
            fail_msg("no item row %ld col %ld field %s code %s in %s", (long)(row), (long)(col), \
                     (field) ? (field) : "-", (code), s_); \
        } \
    } while (0)

static void expect_rejected(const err *e)
{
    assert_int_equal(e->status, 422);
    assert_non_null(e->code);
    assert_string_equal(e->code, "import.rejected");
    assert_true(json_is_array(e->items));
    assert_true(util_utf8_valid(e->zh, strlen(e->zh)));
    assert_true(util_utf8_valid(e->en, strlen(e->en)));
}

/* Converts UTF-8 text to another encoding with iconv(3). */
static char *convert(const char *to, const char *in, size_t n, size_t *outn)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = n * 2 + 16, left = cap;
    char *out = malloc(cap), *op = out;
    char *ip = (char *)in;
    size_t il = n;
    if (iconv(cd, &ip, &il, &op, &left) == (size_t)-1) fail_msg("iconv to %s: %s", to, strerror(errno));
    iconv_close(cd);
    *outn = cap - left;
    return out;
}

/* Data rows of a CSV file (the header not counted; empty rows skipped). */
static long csv_data_rows(const char *path)
{
    err e = ERR_INIT;
    tab_reader *r = NULL;
    T_OK(tab_open_file(path, TAB_CSV, &r, &e), &e);
    char **cells;
    size_t n;
    long rows = -1;
    int k;
    while ((k = tab_next(r, &cells, &n, &e)) == 1) rows++;
    assert_int_equal(k, 0);
    tab_close(r);
    return rows;
}

/* ---- the real files ------------------------------------------------------ */

typedef struct xml_case {
    const char *file, *appno, *kind, *title, *first_applicant, *region, *filing, *ipc_main, *grant_date, *source;
    int nipc, napplicants, npatentees;
} xml_case;

/* Values as the files give them (see also test_patxml.c); regions: only
 * cn_old1's applicant is domestic ("650231 云南省昆明市五华区..." -> 530102). */
static const xml_case xml_cases[] = {
    {CN_DIR "cn_old1.xml", "201410408762.5", "invention", "一种甘草发酵所得烟用香料及其应用",
     "云南中烟工业有限责任公司", "530102", "2014-08-19", "A24B 15/18", NULL, "cnipa-xml", 4, 1, 0},
    {CN_DIR "cn_old2.xml", "201480000986.0", "invention",
     "用于对包含于人造草坪的填充材料进行重复利用的筛选方法及筛选装置", "可隆科技特株式会社", NULL, "2014-03-28",
     "B03B 5/04", NULL, "cnipa-xml", 4, 2, 0},
    {CN_DIR "cn_old3.xml", "201480000788.4", "invention", "马来酸伊索拉定的制造方法", "日本新药株式会社", NULL,
     "2014-03-31", "C07D 251/18", NULL, "cnipa-xml", 1, 1, 0},
    {CN_DIR "cn_new1.xml", "202111286633.X", "invention", "显示设备", "三星显示有限公司", NULL, "2017-04-24",
     "G09G 3/36", NULL, "cnipa-xml-v2", 3, 1, 0},
    {CN_DIR "cn_new3.xml", "202180002433.9", "invention", "抗COVID-19的高活性化合物", "阿堤亚制药公司", NULL,
     "2021-02-24", "A61K 31/7076", NULL, "cnipa-xml-v2", 3, 1, 0},
    {US_DIR "US07272630B2.xml", "US10991571", "invention",
     "Locating potentially identical objects across multiple computers based on stochastic partitioning of workload",
     "John R. Douceur", NULL, "2004-11-18", "G06F 15/13", "2007-09-18", "uspto-xml", 1, 4, 1},
    {US_DIR "US08926509.xml", "US12134151", "invention", "Wireless physiological sensor patches and systems",
     "Surendar Magar", NULL, "2008-06-05", "A61B 5/00", "2015-01-06", "uspto-xml", 14, 5, 1},
    {US_DIR "US08930553.xml", "US13648029", "invention",
     "Managing mid-dialog session initiation protocol (SIP) messages", "International Business Machines Corporation",
     NULL, "2012-10-09", "G06F 15/16", "2015-01-06", "uspto-xml", 1, 1, 1},
};
#define NXML (sizeof xml_cases / sizeof xml_cases[0])

static void check_xml_patent(store *db, const xml_case *c)
{
    json_t *p = patent_by_appno(db, c->appno);
    expect_str(p, "kind", c->kind);
    expect_str(p, "title", c->title);
    expect_str(p, "first_applicant", c->first_applicant);
    expect_str(p, "region_code", c->region);
    expect_str(p, "filing_date", c->filing);
    expect_str(p, "ipc_main", c->ipc_main);
    expect_str(p, "grant_date", c->grant_date);
    expect_str(p, "source", c->source);
    expect_str(p, "country", c->appno[0] == 'U' ? "US" : "CN");
    assert_int_equal(json_array_size(json_object_get(p, "ipc")), c->nipc);
    assert_int_equal(json_array_size(json_object_get(p, "applicants")), c->napplicants);
    assert_int_equal(json_array_size(json_object_get(p, "patentees")), c->npatentees);
    /* the derived tables hold the same */
    char q[160];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM patent_ipc WHERE patent_id = %lld", (long long)int_of(p, "id"));
    assert_int_equal(tdb_int(db, q), c->nipc);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM patent_parties WHERE patent_id = %lld", (long long)int_of(p, "id"));
    assert_int_equal(tdb_int(db, q), c->napplicants + c->npatentees);
    json_decref(p);
}

static void test_xml_files(void **state)
{
    tdb *t = *state;
    int64_t reviews0 = 0;
    for (size_t i = 0; i < NXML; i++) {
        const char *name = strrchr(xml_cases[i].file, '/') + 1;
        int64_t audit0 = tdb_int(t->db, "SELECT COUNT(*) FROM audit_log");
        json_t *rep = import_ok(t->db, name, xml_cases[i].file, NULL, 0);
        expect_str(rep, "format", "xml");
        expect_str(rep, "file", name);
        expect_counts(rep, 1, 1, 0, 0);
        /* the checksum is the file's */
        size_t n;
        char *data = slurp(xml_cases[i].file, &n);
        char sha[65];
        util_sha256_hex(data, n, sha);
        expect_str(rep, "sha256", sha);
        free(data);
        json_decref(rep);
        /* audit: the import itself (bulk inserts are not audited row by
         * row), after any address review the import had to open */
        int64_t reviews = tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews");
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log"), audit0 + 1 + (reviews - reviews0));
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"
                                        " AND action = 'import' AND rtype = 'patent' AND user_name = 'tester'"),
                         1);
        reviews0 = reviews;
        check_xml_patent(t->db, &xml_cases[i]);
    }
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), NXML);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events"), 0);
}

/* The same files from memory give the same rows: importing them again by
 * path afterwards changes nothing. */
static void test_xml_mem(void **state)
{
    tdb *t = *state;
    for (size_t i = 0; i < NXML; i++) {
        size_t n;
        char *data = slurp(xml_cases[i].file, &n);
        json_t *rep = import_ok(t->db, "upload.xml", NULL, data, n);
        expect_counts(rep, 1, 1, 0, 0);
        expect_str(rep, "file", "upload.xml");
        json_decref(rep);
        free(data);
        check_xml_patent(t->db, &xml_cases[i]);
    }
    for (size_t i = 0; i < NXML; i++) {
        json_t *rep = import_ok(t->db, "again.xml", xml_cases[i].file, NULL, 0);
        expect_counts(rep, 1, 0, 0, 1);
        json_decref(rep);
    }
}

/* Foreign applicants of the old CNIPA schema (no country, an address such
 * as "韩国京畿道果川市" or "日本京都府") get no region - and must not be put
 * in the address review queue: a review can only be settled with a GB/T
 * 2260 region, which a foreign address does not have. */
static void test_xml_foreign_not_queued(void **state)
{
    tdb *t = *state;
    json_t *rep = import_ok(t->db, "cn_old2.xml", CN_DIR "cn_old2.xml", NULL, 0);
    json_decref(rep);
    rep = import_ok(t->db, "cn_old3.xml", CN_DIR "cn_old3.xml", NULL, 0);
    json_decref(rep);
    json_t *p = patent_by_appno(t->db, "201480000986.0");
    expect_str(p, "region_code", NULL);
    json_decref(p);
    int64_t n =
        tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews WHERE address IN ('韩国京畿道果川市', '日本京都府')");
    if (n) fail_msg("%lld foreign addresses were queued for review as if domestic", (long long)n);
}

/* Distinct application numbers of the Lens file: the Application Number
 * cell without its trailing kind code ("DE 3586473 A" and "DE 3586473 T"
 * are one application). */
static long lens_distinct_apps(void)
{
    err e = ERR_INIT;
    tab_reader *r = NULL;
    T_OK(tab_open_file(LENS, TAB_CSV, &r, &e), &e);
    char **cells;
    size_t n;
    json_t *seen = json_object();
    long rows = 0, col = -1;
    while (tab_next(r, &cells, &n, &e) == 1) {
        if (col < 0) {
            for (size_t i = 0; i < n; i++)
                if (!strcmp(cells[i], "Application Number")) col = (long)i;
            assert_true(col >= 0);
            continue;
        }
        rows++;
        char *s = xstrdup(cells[col]);
        char *sp = strrchr(s, ' ');
        if (sp) *sp = '\0';
        json_object_set_new(seen, s, json_true());
        free(s);
    }
    tab_close(r);
    assert_int_equal(rows, 863);
    long d = (long)json_object_size(seen);
    json_decref(seen);
    return d;
}

static void test_lens(void **state)
{
    tdb *t = *state;
    json_t *rep = import_ok(t->db, "lens_autonomous_search.csv", LENS, NULL, 0);
    expect_str(rep, "format", "lens");
    expect_str(rep, "encoding", "ISO-8859-1");
    assert_int_equal(int_of(rep, "rows"), 863);
    assert_int_equal(int_of(rep, "created") + int_of(rep, "updated") + int_of(rep, "unchanged"), 863);
    long apps = lens_distinct_apps(); /* 699 */
    assert_int_equal(apps, 699);
    assert_int_equal(int_of(rep, "created"), apps);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents WHERE source = 'lens-csv'"), apps);
    json_decref(rep);

    /* Row 3 (US 2015/0094896 A1) and row 9 (its grant US 9272708 B2) are
     * one application: the grant, the later publication, is kept. */
    json_t *p = patent_by_appno(t->db, "US201314041364");
    expect_str(p, "country", "US");
    expect_str(p, "kind", "invention");
    expect_str(p, "title", "Autonomous Vehicle Entertainment System");
    expect_str(p, "first_applicant", "FORD GLOBAL TECH LLC");
    expect_str(p, "filing_date", "2013-09-30");
    expect_str(p, "pub_no", "US9272708B2");
    expect_str(p, "grant_no", "US9272708B2");
    expect_str(p, "grant_date", "2016-03-01");
    expect_str(p, "ipc_main", "B60W 30/00");
    expect_str(p, "region_code", NULL);
    json_decref(p);
    /* Row 20: a German title whose bytes are not UTF-8, read as Latin-1:
     * "F\xcc_r" becomes "FÌ_r". */
    p = patent_by_appno(t->db, "DE102015202859");
    expect_str(p, "title", "Abtastsystem Und -verfahren F\xc3\x8c_r Autonomes Fahren");
    expect_str(p, "filing_date", "2015-02-17");
    expect_str(p, "ipc_main", "B60W 40/02");
    json_decref(p);
    /* A CN row: the check character computed (201410213654 -> .2). */
    p = patent_by_appno(t->db, "201410213654.2");
    expect_str(
        p, "title",
        "Nuclear Power Station Climbing Robot System And Method For Detecting Secondary Side Of Steam Generator");
    expect_str(p, "first_applicant", "CHINA NUCLEAR POWER TECHNOLOGY RES INST CO LTD");
    expect_str(p, "filing_date", "2014-07-01");
    expect_str(p, "ipc_main", "G21C 17/013");
    expect_str(p, "region_code", NULL); /* an ASCII name without address */
    json_decref(p);
}

/* A second import of every file: all unchanged, nothing written but the
 * import's own audit entry. */
static void test_reimport_unchanged(void **state)
{
    tdb *t = *state;
    for (size_t i = 0; i < NXML; i++) json_decref(import_ok(t->db, "x.xml", xml_cases[i].file, NULL, 0));
    json_decref(import_ok(t->db, "lens.csv", LENS, NULL, 0));
    for (size_t i = 0; i <= NXML; i++) {
        const char *path = i < NXML ? xml_cases[i].file : LENS;
        json_t *before = snapshot(t->db);
        int64_t pat = tdb_int(t->db, "SELECT COUNT(*) FROM patents"),
                ev = tdb_int(t->db, "SELECT COUNT(*) FROM patent_events");
        int64_t aud = tdb_int(t->db, "SELECT COUNT(*) FROM audit_log");
        json_t *rep = import_ok(t->db, "again", path, NULL, 0);
        int64_t rows = i < NXML ? 1 : 863;
        expect_counts(rep, rows, 0, 0, rows);
        json_decref(rep);
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), pat);
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events"), ev);
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log"), aud + 1);
        assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"
                                        " AND action = 'import'"),
                         1);
        /* every other table exactly as it was */
        json_t *after = snapshot(t->db);
        json_object_set_new(before, "audit_log", json_integer(aud + 1));
        json_object_set_new(before, "#audit_head",
                            json_integer(json_integer_value(json_object_get(before, "#audit_head")) + 1));
        if (!json_equal(before, after)) {
            char *a = json_dumps(before, JSON_COMPACT), *b = json_dumps(after, JSON_COMPACT);
            fail_msg("re-import of %s wrote something:\n%s\n%s", path, a, b);
        }
        json_decref(before);
        json_decref(after);
    }
}

/* ---- broken files --------------------------------------------------------- */

static void test_truncated_xml(void **state)
{
    tdb *t = *state;
    json_decref(import_ok(t->db, "cn_new1.xml", CN_DIR "cn_new1.xml", NULL, 0));
    json_t *snap = snapshot(t->db);
    size_t n;
    char *data = slurp(CN_DIR "cn_old1.xml", &n);
    assert_true(n > 3000);
    /* from memory */
    err e = import_bad(t->db, "cn_old1.xml", data, 3000);
    expect_rejected(&e);
    assert_int_equal(json_array_size(e.items), 1);
    /* 64 line ends in the first 3000 bytes: the input ends on line 65 */
    EXPECT_ITEM(&e, 65, 0, NULL, "import.xml_syntax");
    assert_string_equal(e.file, "cn_old1.xml");
    err_clear(&e);
    expect_same_snapshot(snap, t->db);
    /* the same as a file */
    char path[128];
    snprintf(path, sizeof path, "%s/cut.xml", t->dir);
    spit(path, data, 3000);
    json_t *rep = (json_t *)1;
    assert_int_equal(imp_run(t->db, &actor, "cut.xml", path, NULL, 0, NULL, NULL, NULL, &rep, &e), -1);
    assert_null(rep);
    expect_rejected(&e);
    EXPECT_ITEM(&e, 65, 0, NULL, "import.xml_syntax");
    err_clear(&e);
    unlink(path);
    expect_same_snapshot(snap, t->db);
    free(data);
    json_decref(snap);
}

static void test_check_digit(void **state)
{
    tdb *t = *state;
    json_t *snap = snapshot(t->db);
    size_t n;
    char *data = slurp(CN_DIR "cn_old1.xml", &n);
    patch(data, "201410408762.5", "201410408762.6");
    err e = import_bad(t->db, "cn_old1.xml", data, n);
    expect_rejected(&e);
    assert_int_equal(json_array_size(e.items), 1);
    EXPECT_ITEM(&e, 20, 0, "appno", "validation.appno_check"); /* the number is on line 20 */
    err_clear(&e);
    free(data);
    expect_same_snapshot(snap, t->db);
    json_decref(snap);
}

/* cn_new1.xml converted to GBK while its declaration still says utf-8. */
static void test_xml_gbk_declared_utf8(void **state)
{
    tdb *t = *state;
    json_t *snap = snapshot(t->db);
    size_t n, gn;
    char *data = slurp(CN_DIR "cn_new1.xml", &n);
    assert_non_null(strstr(data, "encoding=\"utf-8\""));
    char *gbk = convert("GBK", data, n, &gn);
    assert_false(util_utf8_valid(gbk, gn));
    /* the line of the first non-ASCII byte */
    long line = 1;
    for (size_t i = 0; i < gn && (unsigned char)gbk[i] < 0x80; i++)
        if (gbk[i] == '\n') line++;
    err e = import_bad(t->db, "cn_new1.xml", gbk, gn);
    expect_rejected(&e);
    assert_int_equal(json_array_size(e.items), 1);
    json_t *it = json_array_get(e.items, 0);
    const char *code = str_of(it, "code");
    if (strcmp(code, "import.xml_syntax") && strcmp(code, "import.encoding"))
        fail_msg("code %s, expected import.xml_syntax or import.encoding", code);
    assert_int_equal(int_of(it, "row"), line);
    err_clear(&e);
    expect_same_snapshot(snap, t->db);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), 0);
    free(gbk);
    free(data);
    json_decref(snap);
}

/* ---- the patent and events templates --------------------------------------- */

static const char *const tpl_header =
    "申请号,专利类型,名称,申请日,授权公告日,IPC分类号,申请人,申请人地址,申请人国别,发明人,合成数据\r\n";

/* Five patents (all synthetic); bad_date / bad_ipc spoil rows 3 and 5. */
static char *tpl_csv(int bad_date, int bad_ipc)
{
    buf b = BUF_INIT;
    buf_puts(&b, tpl_header);
    buf_puts(
        &b, "202010000001.1,发明,一种芯片散热装置（合成）,2020-01-10,2021-06-01,H01L 23/367,上海某科技有限公司（合成）,"
            "200030 上海市徐汇区漕宝路650号,CN,张三;李四,是\r\n");
    buf_printf(&b,
               "202020000002.1,实用新型,一种刘䶮纪念电缆芯线（合成）,%s,,H01B 7/00,北京某研究院（合成）,"
               "北京市海淀区中关村大街1号,CN,王五,是\r\n",
               bad_date ? "2021-02-30" : "2021-02-03");
    buf_puts(&b, "202130000003.6,外观设计,芯片包装盒（合成）,2021/6/1,2021-12-01,,上海某科技有限公司（合成）,"
                 "200030 上海市徐汇区漕宝路650号,CN,,是\r\n");
    buf_printf(
        &b,
        "201910000001.9,发明,专利信息检索方法（合成）,2019-03-01,,\"H01L 23/31;%s\",ACME ROBOTICS INC (SYNTHETIC),"
        "\"1 Example Street, Boston MA\",US,John Smith,是\r\n",
        bad_ipc ? "H01L-23" : "G06F 16/31");
    buf_puts(
        &b,
        "201920000001.4,实用新型,一种电缆芯线（合成）,20190415,,H01B 7/02,浦东某公司（合成）,上海市浦东新区张江路100号,,"
        "赵六,是\r\n");
    return buf_detach(&b);
}

/* The stored values of the five template patents. */
static void check_tpl_patents(store *db)
{
    json_t *p = patent_by_appno(db, "202010000001.1");
    expect_str(p, "kind", "invention");
    expect_str(p, "title", "一种芯片散热装置（合成）");
    expect_str(p, "first_applicant", "上海某科技有限公司（合成）");
    expect_str(p, "region_code", "310104");
    expect_str(p, "filing_date", "2020-01-10");
    expect_str(p, "grant_date", "2021-06-01");
    expect_str(p, "ipc_main", "H01L 23/367");
    expect_str(p, "term_end", "2040-01-10");
    assert_true(json_is_true(json_object_get(p, "synthetic")));
    json_t *inv = json_pack("[ss]", "张三", "李四");
    assert_true(json_equal(json_object_get(p, "inventors"), inv));
    json_decref(inv);
    json_decref(p);
    p = patent_by_appno(db, "202020000002.1");
    expect_str(p, "kind", "utility");
    expect_str(p, "title", "一种刘䶮纪念电缆芯线（合成）");
    expect_str(p, "region_code", "110108");
    expect_str(p, "filing_date", "2021-02-03");
    json_decref(p);
    p = patent_by_appno(db, "202130000003.6");
    expect_str(p, "kind", "design");
    expect_str(p, "filing_date", "2021-06-01"); /* from 2021/6/1 */
    expect_str(p, "term_end", "2036-06-01");
    expect_str(p, "ipc_main", NULL);
    json_decref(p);
    p = patent_by_appno(db, "201910000001.9");
    expect_str(p, "first_applicant", "ACME ROBOTICS INC (SYNTHETIC)");
    expect_str(p, "region_code", NULL);
    json_t *ipc = json_pack("[ss]", "H01L 23/31", "G06F 16/31");
    assert_true(json_equal(json_object_get(p, "ipc"), ipc));
    json_decref(ipc);
    expect_str(json_array_get(json_object_get(p, "applicants"), 0), "address", "1 Example Street, Boston MA");
    expect_str(json_array_get(json_object_get(p, "applicants"), 0), "country", "US");
    json_decref(p);
    p = patent_by_appno(db, "201920000001.4");
    expect_str(p, "filing_date", "2019-04-15"); /* from 20190415 */
    expect_str(p, "region_code", "310115");
    json_decref(p);
}

static void test_template_bad_rows(void **state)
{
    tdb *t = *state;
    json_t *snap = snapshot(t->db);
    char *csv = tpl_csv(1, 1);
    err e = import_bad(t->db, "patents.csv", csv, strlen(csv));
    expect_rejected(&e);
    assert_string_equal(e.file, "patents.csv");
    /* exactly two problems: row 3 column 4 (申请日) and row 5 column 6
     * (IPC分类号) */
    if (json_array_size(e.items) != 2) {
        char *s = tdb_items_text(&e);
        fail_msg("expected 2 items, got %s", s);
    }
    EXPECT_ITEM(&e, 3, 4, "filing_date", "validation.date");
    EXPECT_ITEM(&e, 5, 6, "ipc", "validation.ipc");
    err_clear(&e);
    free(csv);
    expect_same_snapshot(snap, t->db);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), 0);
    json_decref(snap);

    /* Corrected, the same file imports whole. */
    csv = tpl_csv(0, 0);
    json_t *rep = import_ok(t->db, "patents.csv", NULL, csv, strlen(csv));
    expect_str(rep, "format", "patents");
    expect_str(rep, "encoding", "UTF-8");
    expect_counts(rep, 5, 5, 0, 0);
    json_decref(rep);
    check_tpl_patents(t->db);
    /* and a second time changes nothing */
    int64_t aud = tdb_int(t->db, "SELECT COUNT(*) FROM audit_log");
    rep = import_ok(t->db, "patents.csv", NULL, csv, strlen(csv));
    expect_counts(rep, 5, 0, 0, 5);
    json_decref(rep);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log"), aud + 1);
    free(csv);
}

static void test_template_gb18030(void **state)
{
    tdb *t = *state;
    char *csv = tpl_csv(0, 0);
    size_t gn;
    char *gb = convert("GB18030", csv, strlen(csv), &gn);
    assert_false(util_utf8_valid(gb, gn));
    json_t *rep = import_ok(t->db, "patents-gb.csv", NULL, gb, gn);
    expect_str(rep, "format", "patents");
    expect_str(rep, "encoding", "GB18030");
    expect_counts(rep, 5, 5, 0, 0);
    json_decref(rep);
    check_tpl_patents(t->db); /* Chinese values exact, 䶮 (4 bytes in GB18030) included */
    /* the UTF-8 original says the same */
    rep = import_ok(t->db, "patents.csv", NULL, csv, strlen(csv));
    expect_counts(rep, 5, 0, 0, 5);
    json_decref(rep);
    free(gb);
    free(csv);
}

static const char *const ev_header = "申请号,事件日期,事件类型,金额（元）,相关方,说明\r\n";

static void test_events(void **state)
{
    tdb *t = *state;
    char *csv = tpl_csv(0, 0);
    json_decref(import_ok(t->db, "patents.csv", NULL, csv, strlen(csv)));
    free(csv);
    json_t *snap = snapshot(t->db);
    /* Row 3 names 202010000002.6, a valid number that is not registered. */
    buf b = BUF_INIT;
    buf_puts(&b, ev_header);
    buf_puts(&b, "202010000001.1,2023-05-10,质押登记,5000000,某银行上海分行（合成）,示例\r\n");
    buf_puts(&b, "202010000002.6,2023-06-01,lapse,,,\r\n");
    buf_puts(&b, "202020000002.1,2024-02-03,未缴年费终止,,,\r\n");
    err e = import_bad(t->db, "events.csv", b.s, b.len);
    expect_rejected(&e);
    if (json_array_size(e.items) != 1) {
        char *s = tdb_items_text(&e);
        fail_msg("expected 1 item, got %s", s);
    }
    EXPECT_ITEM(&e, 3, 1, "appno", "validation.reference");
    assert_non_null(strstr(str_of(json_array_get(e.items, 0), "message_en"), "202010000002.6"));
    err_clear(&e);
    expect_same_snapshot(snap, t->db);
    json_decref(snap);

    /* Without the bad row: two events, with the values given. */
    buf_reset(&b);
    buf_puts(&b, ev_header);
    buf_puts(&b, "202010000001.1,2023-05-10,质押登记,5000000,某银行上海分行（合成）,示例\r\n");
    buf_puts(&b, "202020000002.1,2024-02-03,未缴年费终止,,,\r\n");
    json_t *rep = import_ok(t->db, "events.csv", NULL, b.s, b.len);
    expect_str(rep, "format", "events");
    expect_counts(rep, 2, 2, 0, 0);
    json_decref(rep);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events"), 2);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"
                                    " AND action = 'import' AND rtype = 'patent_event'"),
                     1);
    assert_int_equal(tdb_int(t->db,
                             "SELECT COUNT(*) FROM patent_events e JOIN patents p ON p.id = e.patent"
                             " WHERE p.appno = '202010000001.1' AND e.kind = 'pledge' AND e.date = '2023-05-10'"
                             " AND e.amount = 5000000 AND e.party = '某银行上海分行（合成）' AND e.note = '示例'"),
                     1);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events e JOIN patents p ON p.id = e.patent"
                                    " WHERE p.appno = '202020000002.1' AND e.kind = 'lapse' AND e.date = '2024-02-03'"),
                     1);
    /* again: unchanged */
    rep = import_ok(t->db, "events.csv", NULL, b.s, b.len);
    expect_counts(rep, 2, 0, 0, 2);
    json_decref(rep);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events"), 2);
    buf_free(&b);
}

/* Imports csv and returns "created/updated/unchanged" or "error <code>
 * <first item code>" - no test failure inside, so that a failing
 * expectation leaks nothing. */
static void import_outcome(store *db, const char *csv, char *out, size_t n)
{
    err e = ERR_INIT;
    json_t *rep = NULL;
    if (imp_run(db, &actor, "t.csv", NULL, csv, strlen(csv), NULL, NULL, NULL, &rep, &e))
        snprintf(out, n, "error %s %s", e.code ? e.code : "-",
                 e.items ? str_of(json_array_get(e.items, 0), "code") : "-");
    else
        snprintf(out, n, "%lld/%lld/%lld", (long long)int_of(rep, "created"), (long long)int_of(rep, "updated"),
                 (long long)int_of(rep, "unchanged"));
    json_decref(rep);
    err_clear(&e);
}

/* Application numbers as people write them (专利号 "ZL...", "CN ...",
 * spaces) are normalised on the first import; the second import of the
 * same file must find the stored patent, not try to create it again. */
static void test_reimport_appno_forms(void **state)
{
    tdb *t = *state;
    static const char *forms[] = {"ZL202010000001.1", "CN 202020000002.1", "2021 3000 0003.6"};
    static const char *norm[] = {"202010000001.1", "202020000002.1", "202130000003.6"};
    char got[3][2][96];
    for (int i = 0; i < 3; i++) {
        char csv[256];
        snprintf(csv, sizeof csv, "申请号,专利类型,名称\r\n%s,发明,号码写法%d（合成）\r\n", forms[i], i);
        import_outcome(t->db, csv, got[i][0], sizeof got[i][0]);
        import_outcome(t->db, csv, got[i][1], sizeof got[i][1]);
    }
    for (int i = 0; i < 3; i++) {
        char q[128];
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM patents WHERE appno = '%s'", norm[i]);
        assert_int_equal(tdb_int(t->db, q), 1);
    }
    int bad = 0;
    for (int i = 0; i < 3; i++) {
        assert_string_equal(got[i][0], "1/0/0");
        if (strcmp(got[i][1], "0/0/1")) {
            print_error("%s imported again: %s, expected 0/0/1 (unchanged)\n", forms[i], got[i][1]);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* IPC codes and country codes as people type them ("H01L23/367",
 * "h01l 23/367", "us") are stored normalised; importing the same file
 * again must report them unchanged and write nothing (no new version, no
 * update in the audit log). */
static void test_reimport_noncanonical_values(void **state)
{
    tdb *t = *state;
    static const char *csvs[] = {
        "申请号,专利类型,名称,IPC分类号\r\n202010000001.1,发明,分类号写法（合成）,H01L23/367\r\n",
        "申请号,专利类型,名称,IPC分类号\r\n202020000002.1,发明,分类号写法（合成）,h01l 23/367\r\n",
        "申请号,专利类型,名称,申请人,申请人国别\r\n202130000003.6,发明,国别写法（合成）,ACME INC (SYNTHETIC),us\r\n",
    };
    char got[3][2][96];
    for (int i = 0; i < 3; i++) {
        import_outcome(t->db, csvs[i], got[i][0], sizeof got[i][0]);
        import_outcome(t->db, csvs[i], got[i][1], sizeof got[i][1]);
    }
    int64_t versions = tdb_int(t->db, "SELECT SUM(version) FROM patents");
    int64_t updates = tdb_int(t->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'update'");
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc WHERE code = 'H01L 23/367'"), 2);
    for (int i = 0; i < 3; i++) assert_string_equal(got[i][0], "1/0/0");
    int bad = 0;
    for (int i = 0; i < 3; i++)
        if (strcmp(got[i][1], "0/0/1")) {
            print_error("file %d imported again: %s, expected 0/0/1 (unchanged)\n", i + 1, got[i][1]);
            bad++;
        }
    assert_int_equal(bad, 0);
    assert_int_equal(versions, 3);
    assert_int_equal(updates, 0);
}

/* The party columns are parallel lists: an empty item keeps its place.
 * 申请人 "甲;乙", 申请人地址 ";<Pudong>" -> 甲 has no address (so no region:
 * it is the first applicant), 乙 is in Pudong. */
static void test_template_party_alignment(void **state)
{
    tdb *t = *state;
    const char *csv =
        "申请号,专利类型,名称,申请人,申请人地址,申请人国别\r\n"
        "202010000001.1,发明,对齐（合成）,甲公司（合成）;乙公司（合成）,;上海市浦东新区张江路100号,;CN\r\n";
    json_decref(import_ok(t->db, "align.csv", NULL, csv, strlen(csv)));
    json_t *p = patent_by_appno(t->db, "202010000001.1");
    json_t *apps = json_object_get(p, "applicants");
    char a0[128], a1[128], c1[8], region[8];
    snprintf(a0, sizeof a0, "%s",
             str_of(json_array_get(apps, 0), "address") ? str_of(json_array_get(apps, 0), "address") : "(none)");
    snprintf(a1, sizeof a1, "%s",
             str_of(json_array_get(apps, 1), "address") ? str_of(json_array_get(apps, 1), "address") : "(none)");
    snprintf(c1, sizeof c1, "%s",
             str_of(json_array_get(apps, 1), "country") ? str_of(json_array_get(apps, 1), "country") : "(none)");
    snprintf(region, sizeof region, "%s", str_of(p, "region_code") ? str_of(p, "region_code") : "(none)");
    size_t n = json_array_size(apps);
    json_decref(p);
    assert_int_equal(n, 2);
    assert_string_equal(a0, "(none)");
    assert_string_equal(a1, "上海市浦东新区张江路100号");
    assert_string_equal(c1, "CN");
    assert_string_equal(region, "(none)");
}

/* The same five patents as an XLSX workbook written with libxlsxwriter:
 * text cells, the filing dates as real date cells (number + date format). */
static char *tpl_xlsx(const char *dir, size_t *n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/patents.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "专利");
    lxw_format *df = workbook_add_format(wb);
    format_set_num_format(df, "yyyy-mm-dd");
    static const char *hdr[] = {"申请号", "专利类型",   "名称",       "申请日", "授权公告日", "IPC分类号",
                                "申请人", "申请人地址", "申请人国别", "发明人", "合成数据"};
    static const char *rows[5][11] = {
        {"202010000001.1", "发明", "一种芯片散热装置（合成）", "2020-01-10", "2021-06-01", "H01L 23/367",
         "上海某科技有限公司（合成）", "200030 上海市徐汇区漕宝路650号", "CN", "张三;李四", "是"},
        {"202020000002.1", "实用新型", "一种刘䶮纪念电缆芯线（合成）", "2021-02-03", "", "H01B 7/00",
         "北京某研究院（合成）", "北京市海淀区中关村大街1号", "CN", "王五", "是"},
        {"202130000003.6", "外观设计", "芯片包装盒（合成）", "2021-06-01", "2021-12-01", "",
         "上海某科技有限公司（合成）", "200030 上海市徐汇区漕宝路650号", "CN", "", "是"},
        {"201910000001.9", "发明", "专利信息检索方法（合成）", "2019-03-01", "", "H01L 23/31;G06F 16/31",
         "ACME ROBOTICS INC (SYNTHETIC)", "1 Example Street, Boston MA", "US", "John Smith", "是"},
        {"201920000001.4", "实用新型", "一种电缆芯线（合成）", "2019-04-15", "", "H01B 7/02", "浦东某公司（合成）",
         "上海市浦东新区张江路100号", "", "赵六", "是"},
    };
    for (int c = 0; c < 11; c++) worksheet_write_string(ws, 0, (lxw_col_t)c, hdr[c], NULL);
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 11; c++) {
            const char *v = rows[r][c];
            if (!*v) continue;
            if (c == 3 || c == 4) {
                lxw_datetime dt = {0};
                assert_int_equal(sscanf(v, "%d-%d-%d", &dt.year, &dt.month, &dt.day), 3);
                worksheet_write_datetime(ws, (lxw_row_t)r + 1, (lxw_col_t)c, &dt, df);
            } else
                worksheet_write_string(ws, (lxw_row_t)r + 1, (lxw_col_t)c, v, NULL);
        }
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    char *data = slurp(path, n);
    unlink(path);
    return data;
}

static void test_template_xlsx(void **state)
{
    tdb *t = *state;
    size_t n;
    char *x = tpl_xlsx(t->dir, &n);
    json_t *rep = import_ok(t->db, "patents.xlsx", NULL, x, n);
    expect_str(rep, "format", "patents");
    expect_str(rep, "encoding", "XLSX");
    expect_counts(rep, 5, 5, 0, 0);
    json_decref(rep);
    check_tpl_patents(t->db);
    /* the CSV of the same rows finds nothing to change */
    char *csv = tpl_csv(0, 0);
    rep = import_ok(t->db, "patents.csv", NULL, csv, strlen(csv));
    expect_counts(rep, 5, 0, 0, 5);
    json_decref(rep);
    free(csv);
    free(x);
}

/* What tpl_write produces imports back: the example row. */
static void test_tpl_write_roundtrip(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    buf b = BUF_INIT;
    T_OK(tpl_write(TPL_PATENTS, "csv", LANG_ZH, &b, &e), &e);
    json_t *rep = import_ok(t->db, "专利导入模板.csv", NULL, b.s, b.len);
    expect_str(rep, "format", "patents");
    expect_counts(rep, 1, 1, 0, 0);
    json_decref(rep);
    json_t *p = patent_by_appno(t->db, "202110991218.8");
    expect_str(p, "country", "CN");
    expect_str(p, "kind", "invention");
    expect_str(p, "title", "一种芯片封装结构及其制造方法（示例）");
    expect_str(p, "abstract", "本发明公开了一种芯片封装结构……");
    expect_str(p, "filing_date", "2021-08-25");
    expect_str(p, "pub_no", "CN113675361A");
    expect_str(p, "pub_date", "2021-11-19");
    expect_str(p, "first_applicant", "上海某科技有限公司");
    expect_str(p, "region_code", "310104");
    expect_str(p, "ipc_main", "H01L 23/31");
    expect_str(p, "term_end", "2041-08-25");
    json_t *want = json_pack("[ss]", "H01L 23/31", "H01L 21/56");
    assert_true(json_equal(json_object_get(p, "ipc"), want));
    json_decref(want);
    want = json_pack("[ss]", "张三", "李四");
    assert_true(json_equal(json_object_get(p, "inventors"), want));
    json_decref(want);
    want = json_pack("[{s:s,s:s,s:b}]", "country", "US", "number", "US20220123456A1", "granted", 0);
    assert_true(json_equal(json_object_get(p, "family"), want));
    json_decref(want);
    assert_true(json_is_false(json_object_get(p, "synthetic")));
    json_decref(p);
    buf_free(&b);

    /* the XLSX template and the English CSV template: the same row */
    T_OK(tpl_write(TPL_PATENTS, "xlsx", LANG_ZH, &b, &e), &e);
    rep = import_ok(t->db, "专利导入模板.xlsx", NULL, b.s, b.len);
    expect_str(rep, "encoding", "XLSX");
    expect_counts(rep, 1, 0, 0, 1);
    json_decref(rep);
    buf_free(&b);
    T_OK(tpl_write(TPL_PATENTS, "csv", LANG_EN, &b, &e), &e);
    rep = import_ok(t->db, "patent-template.csv", NULL, b.s, b.len);
    expect_counts(rep, 1, 0, 0, 1);
    json_decref(rep);
    buf_free(&b);

    /* the events template: a pledge on the example patent */
    T_OK(tpl_write(TPL_EVENTS, "csv", LANG_ZH, &b, &e), &e);
    rep = import_ok(t->db, "事件导入模板.csv", NULL, b.s, b.len);
    expect_str(rep, "format", "events");
    expect_counts(rep, 1, 1, 0, 0);
    json_decref(rep);
    buf_free(&b);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events WHERE kind = 'pledge' AND date = '2023-05-10'"
                                    " AND amount = 5000000 AND party = '某银行上海分行' AND note = '示例'"),
                     1);
    T_OK(tpl_write(TPL_EVENTS, "xlsx", LANG_ZH, &b, &e), &e);
    rep = import_ok(t->db, "事件导入模板.xlsx", NULL, b.s, b.len);
    expect_counts(rep, 1, 0, 0, 1);
    json_decref(rep);
    buf_free(&b);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events"), 1);
}

/* ---- the generated dataset ------------------------------------------------- */

/* The ipcity binary built with this test: <dir of the test>/../ipcity
 * (build/ipcity, build/asan/ipcity), else build/ipcity. */
static void ipcity_bin(char *out, size_t n)
{
    char self[1024];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k > 0) {
        self[k] = '\0';
        char *d = dirname(dirname(self));
        snprintf(out, n, "%s/ipcity", d);
        if (access(out, X_OK) == 0) return;
    }
    snprintf(out, n, "build/ipcity");
    if (access(out, X_OK)) fail_msg("build/ipcity is not built (make all)");
}

static void run_gen(const char *bin, const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s gen --patents 3000 --seed 5 --out %s >/dev/null 2>&1", bin, dir);
    int rc = system(cmd);
    if (rc != 0) fail_msg("%s: exit status %d", cmd, rc);
}

static void expect_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    if (na != nb || memcmp(x, y, na)) fail_msg("%s and %s differ", a, b);
    free(x);
    free(y);
}

static void test_gen_dataset(void **state)
{
    tdb *t = *state;
    char bin[1100], d1[128], d2[128], p[256], q[256];
    ipcity_bin(bin, sizeof bin);
    snprintf(d1, sizeof d1, "%s/gen1", t->dir);
    snprintf(d2, sizeof d2, "%s/gen2", t->dir);
    run_gen(bin, d1);
    run_gen(bin, d2);
    static const char *files[] = {"patents.csv", "events.csv", "trademarks.csv", "entities.csv", "README.txt"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", d1, files[i]);
        snprintf(q, sizeof q, "%s/%s", d2, files[i]);
        expect_same_file(p, q);
    }
    long np, ne, nt;
    snprintf(p, sizeof p, "%s/patents.csv", d1);
    np = csv_data_rows(p);
    assert_int_equal(np, 3000);
    json_t *rep = import_ok(t->db, "patents.csv", p, NULL, 0);
    expect_str(rep, "format", "patents");
    expect_counts(rep, np, np, 0, 0);
    json_decref(rep);
    snprintf(p, sizeof p, "%s/events.csv", d1);
    ne = csv_data_rows(p);
    assert_true(ne > 0);
    rep = import_ok(t->db, "events.csv", p, NULL, 0);
    expect_str(rep, "format", "events");
    expect_counts(rep, ne, ne, 0, 0);
    json_decref(rep);
    snprintf(p, sizeof p, "%s/trademarks.csv", d1);
    nt = csv_data_rows(p);
    assert_true(nt > 0);
    rep = import_ok(t->db, "trademarks.csv", p, NULL, 0);
    expect_str(rep, "format", "records");
    expect_str(rep, "type", "trademarks");
    expect_counts(rep, nt, nt, 0, 0);
    json_decref(rep);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), np);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents WHERE synthetic = 1 AND source = 'ipcity-gen'"), np);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_events"), ne);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM trademarks"), nt);
    /* README.txt states the same counts */
    snprintf(p, sizeof p, "%s/README.txt", d1);
    size_t rn;
    char *readme = slurp(p, &rn);
    char want[128];
    snprintf(want, sizeof want, "patents %ld, events %ld, trademarks %ld", np, ne, nt);
    if (!strstr(readme, want)) fail_msg("README.txt lacks '%s'", want);
    free(readme);
    /* re-importing the three files writes nothing but the import entries */
    json_t *before = snapshot(t->db);
    int64_t aud = tdb_int(t->db, "SELECT COUNT(*) FROM audit_log");
    const char *names[] = {"patents.csv", "events.csv", "trademarks.csv"};
    long counts[] = {np, ne, nt};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", d1, names[i]);
        rep = import_ok(t->db, names[i], p, NULL, 0);
        expect_counts(rep, counts[i], 0, 0, counts[i]);
        json_decref(rep);
    }
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log"), aud + 3);
    json_object_set_new(before, "audit_log", json_integer(aud + 3));
    json_object_set_new(before, "#audit_head",
                        json_integer(json_integer_value(json_object_get(before, "#audit_head")) + 3));
    expect_same_snapshot(before, t->db);
    json_decref(before);
    /* tdb_rmdir removes files only: empty the two directories */
    for (int k = 0; k < 2; k++) {
        const char *d = k ? d2 : d1;
        for (size_t i = 0; i < 5; i++) {
            snprintf(p, sizeof p, "%s/%s", d, files[i]);
            unlink(p);
        }
        rmdir(d);
    }
}

/* ---- setup ---------------------------------------------------------------- */

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
        T(test_xml_files),
        T(test_xml_mem),
        T(test_xml_foreign_not_queued),
        T(test_lens),
        T(test_reimport_unchanged),
        T(test_truncated_xml),
        T(test_check_digit),
        T(test_xml_gbk_declared_utf8),
        T(test_template_bad_rows),
        T(test_template_gb18030),
        T(test_reimport_appno_forms),
        T(test_reimport_noncanonical_values),
        T(test_template_party_alignment),
        T(test_events),
        T(test_template_xlsx),
        T(test_tpl_write_roundtrip),
        T(test_gen_dataset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
