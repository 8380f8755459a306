/* test_report.c - the plan's report writers (src/report/report.h): number
 * formatting; the progress report and the annual assessment as XLSX (read
 * back with the project's own XLSX reader: sheet, headers, the same
 * numbers as the JSON they came from) and as PDF (well-formed, Noto CJK
 * embedded, one page or more), on hand-built documents and on the seed
 * plan of a fresh demo database.
 *
 * With IPCITY_REPORT_DIR set, the files are also written there for a
 * person to look at (pdftoppm, libreoffice). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "support_db.h"
#include "../../src/domain/plan.h"
#include "../../src/import/table.h"
#include "../../src/report/report.h"

static const rec_actor BUREAU = {0, "bureau-1", ROLE_BUREAU, "310104-ipa"};

static void save(const char *name, const buf *b)
{
    const char *dir = getenv("IPCITY_REPORT_DIR");
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(b->s, 1, b->len, f);
    fclose(f);
}

static json_t *progress_doc(void)
{
    const char *s =
        "{\"plan\":{\"id\":1,\"name\":\"测试区知识产权强市建设试点工作方案（2022—2025年）\",\"region_code\":\"310104\","
        "\"period_start\":\"2022-01-01\",\"period_end\":\"2025-12-31\",\"status\":\"active\"},"
        "\"as_of\":\"2024-06-30\","
        "\"summary\":{\"on_track\":1,\"at_risk\":1,\"off_track\":0,\"no_data\":1,\"unquantified\":1,\"total\":4},"
        "\"rule_zh\":\"规则说明\",\"rule_en\":\"The rule\","
        "\"targets\":["
        "{\"id\":1,\"code\":\"T02\",\"name_zh\":\"每万人口有效发明专利拥有量\",\"name_en\":\"Valid invention patents per 10,000 residents\","
        "\"section\":\"二、工作目标\",\"indicator\":\"valid_invention_per10k\",\"measure\":null,\"aggregation\":\"level\",\"direction\":\"up\","
        "\"unit_zh\":\"件/万人\",\"unit_en\":\"per 10k\",\"departments\":[{\"code\":\"310104-stc\",\"name_zh\":\"区科委\"},{\"code\":\"310104-ipa\",\"name_zh\":\"区知识产权局\"}],"
        "\"evaluated_on\":\"2024-06-30\",\"baseline\":{\"value\":80.5,\"date\":\"2021-12-31\",\"source\":\"record\"},"
        "\"target\":{\"value\":140,\"date\":\"2025-12-31\"},\"current\":{\"value\":112.25,\"date\":\"2024-06-30\",\"partial\":false,\"source\":\"indicator\"},"
        "\"percent\":53.4,\"expected_percent\":62.4,\"projection\":{\"method\":\"linear\",\"date\":\"2025-12-31\",\"value\":141.2,\"cagr_rate_percent\":14.2,\"cagr_value\":150.3},"
        "\"achieved\":false,\"status\":\"on_track\",\"status_zh\":\"进度正常\",\"status_en\":\"On track\",\"reason\":\"projection_meets\","
        "\"reason_zh\":\"按线性趋势预计到期可达到目标\",\"reason_en\":\"The linear trend reaches the target\","
        "\"series\":[{\"date\":\"2021-12-31\",\"value\":80.5},{\"date\":\"2022-12-31\",\"value\":92},{\"date\":\"2023-12-31\",\"value\":104.1},{\"date\":\"2024-06-30\",\"value\":112.25}],"
        "\"milestones\":[{\"year\":2023,\"value\":105},{\"year\":2024,\"value\":122}],\"notes\":[]},"
        "{\"id\":2,\"code\":\"T07\",\"name_zh\":\"专利、商标质押融资总额\",\"name_en\":\"Pledge financing, total\",\"section\":\"二、工作目标\","
        "\"indicator\":\"pledge_amount+trademark_pledge_amount\",\"aggregation\":\"period_sum\",\"direction\":\"up\",\"unit_zh\":\"元\",\"unit_en\":\"CNY\","
        "\"departments\":[{\"code\":\"310104-finance\",\"name_zh\":\"区金融办\"}],\"evaluated_on\":\"2024-06-30\","
        "\"baseline\":{\"value\":0,\"date\":\"2021-12-31\",\"source\":\"zero\"},\"target\":{\"value\":2000000000,\"date\":\"2025-12-31\"},"
        "\"current\":{\"value\":1234567890.5,\"date\":\"2024-06-30\",\"partial\":false,\"source\":\"indicator\"},\"percent\":61.7,\"expected_percent\":62.4,"
        "\"projection\":{\"method\":\"linear\",\"date\":\"2025-12-31\",\"value\":1900000000},\"achieved\":false,\"status\":\"at_risk\",\"status_zh\":\"存在风险\","
        "\"status_en\":\"At risk\",\"reason\":\"projection_close\",\"reason_zh\":\"接近\",\"reason_en\":\"close\","
        "\"series\":[{\"date\":\"2022-12-31\",\"value\":400000000},{\"date\":\"2023-12-31\",\"value\":900000000},{\"date\":\"2024-06-30\",\"value\":1234567890.5}],"
        "\"milestones\":[],\"notes\":[{\"date\":\"2022-12-31\",\"note_zh\":\"（按 0 计）无填报值\",\"note_en\":\"(counted as 0) no value\"}]},"
        "{\"id\":3,\"code\":\"T08\",\"name_zh\":\"知识产权保险金额年均增幅\",\"name_en\":\"IP insurance growth\",\"aggregation\":\"rate\",\"unit_zh\":\"%\","
        "\"departments\":[],\"baseline\":null,\"target\":{\"value\":20,\"date\":\"2025-12-31\"},\"current\":{\"value\":18,\"date\":\"2023-12-31\",\"partial\":false,\"source\":\"reports\"},"
        "\"percent\":90,\"expected_percent\":100,\"projection\":{\"method\":\"rate\",\"date\":\"2025-12-31\",\"value\":18},\"achieved\":false,"
        "\"status\":\"at_risk\",\"status_zh\":\"存在风险\",\"status_en\":\"At risk\",\"reason\":\"rate_close\",\"series\":[],\"milestones\":[],\"notes\":[]},"
        "{\"id\":4,\"code\":\"T09\",\"name_zh\":\"各类知识产权服务机构数\",\"name_en\":\"IP service agencies\",\"aggregation\":\"level\",\"unit_zh\":\"家\","
        "\"departments\":[],\"baseline\":null,\"target\":{\"value\":200,\"date\":\"2025-12-31\"},\"current\":null,\"percent\":null,\"expected_percent\":null,"
        "\"projection\":null,\"achieved\":false,\"status\":\"no_data\",\"status_zh\":\"暂无数据\",\"status_en\":\"No data\",\"reason\":\"no_data\",\"series\":[],\"milestones\":[],\"notes\":[]},"
        "{\"id\":5,\"code\":\"T16\",\"name_zh\":\"知识产权保护社会满意度\",\"name_en\":\"Satisfaction\",\"aggregation\":\"level\",\"unit_zh\":\"分\","
        "\"departments\":[],\"baseline\":null,\"target\":{\"value\":null,\"date\":\"2025-12-31\"},\"current\":null,\"percent\":null,\"expected_percent\":null,"
        "\"projection\":null,\"achieved\":false,\"status\":\"unquantified\",\"status_zh\":\"定性目标\",\"status_en\":\"Not quantified\",\"reason\":\"no_target\",\"series\":[],\"milestones\":[],\"notes\":[]}"
        "]}";
    json_error_t je;
    json_t *d = json_loads(s, 0, &je);
    if (!d) fail_msg("bad test JSON at %d: %s", je.position, je.text);
    return d;
}

static json_t *assessment_doc(void)
{
    const char *s =
        "{\"plan\":{\"id\":1,\"name\":\"测试方案\",\"region_code\":\"310104\"},\"year\":2024,\"as_of\":\"2024-12-31\",\"provisional\":false,"
        "\"weights\":{\"targets\":40,\"reporting\":30,\"review\":20,\"supervision\":10,\"grace_days\":15,\"record\":null},\"assessed\":3,"
        "\"departments\":["
        "{\"dept\":\"310104-court\",\"name_zh\":\"区法院\",\"name_en\":\"District People's Court\",\"score\":88.5,\"rank\":1,\"components\":{"
        "\"targets\":{\"score\":90,\"weight\":40,\"counted\":true,\"items_count\":1,\"items\":[{\"code\":\"T01\",\"name_zh\":\"典型案件\",\"status\":\"on_track\",\"percent\":60,\"expected_percent\":62.4,\"attainment\":0.9,\"points\":0.9}]},"
        "\"reporting\":{\"score\":87.5,\"weight\":30,\"counted\":true,\"items_count\":2,\"items\":[{\"task_code\":\"三（一）1\",\"period\":\"2024-Q1\",\"due\":\"2024-04-15\",\"first_submitted_at\":\"2024-04-02T01:00:00Z\",\"status\":\"accepted\",\"points\":1},"
        "{\"task_code\":\"三（一）1\",\"period\":\"2024-Q2\",\"due\":\"2024-07-15\",\"first_submitted_at\":\"2024-08-02T01:00:00Z\",\"status\":\"accepted\",\"points\":0.5}]},"
        "\"review\":{\"score\":100,\"weight\":20,\"counted\":true,\"items_count\":1,\"items\":[{\"task_code\":\"三（一）1\",\"period\":\"2024-Q1\",\"status\":\"accepted\",\"return_count\":0,\"points\":1}]},"
        "\"supervision\":{\"score\":null,\"weight\":10,\"counted\":false,\"items_count\":0,\"items\":[]}}},"
        "{\"dept\":\"310104-police\",\"name_zh\":\"公安分局\",\"name_en\":\"Police\",\"score\":41.2,\"rank\":2,\"components\":{}},"
        "{\"dept\":\"310104-org\",\"name_zh\":\"区委组织部\",\"name_en\":\"Organisation Department\",\"score\":null,\"rank\":null,\"components\":{}}"
        "],\"method_zh\":\"方法\",\"method_en\":\"Method\"}";
    json_error_t je;
    json_t *d = json_loads(s, 0, &je);
    if (!d) fail_msg("bad test JSON at %d: %s", je.position, je.text);
    return d;
}

/* All rows of the first sheet as an array of arrays of strings. */
static json_t *xlsx_rows(const buf *b)
{
    err e = ERR_INIT;
    tab_reader *r = NULL;
    T_OK(tab_open_mem("report.xlsx", b->s, b->len, TAB_XLSX, &r, &e), &e);
    json_t *rows = json_array();
    char **cells;
    size_t n;
    int rc;
    while ((rc = tab_next(r, &cells, &n, &e)) == 1) {
        json_t *row = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(row, json_string(cells[i]));
        json_array_append_new(rows, row);
    }
    assert_int_equal(rc, 0);
    tab_close(r);
    return rows;
}

/* A cell's text; "" past the end of a row (the reader drops trailing empty cells). */
static const char *cell(json_t *rows, size_t r, size_t c)
{
    const char *s = json_string_value(json_array_get(json_array_get(rows, r), c));
    return s ? s : "";
}

static void check_pdf(const buf *b, int min_pages)
{
    assert_true(b->len > 1000);
    assert_memory_equal(b->s, "%PDF-", 5);
    /* the end: %%EOF, perhaps followed by a newline */
    const char *tail = b->s + b->len - 8;
    assert_non_null(memmem(tail, 8, "%%EOF", 5));
    assert_non_null(memmem(b->s, b->len, "NotoSansCJK", 11));
    int pages = 0;
    for (const char *p = b->s; (p = memmem(p, (size_t)(b->s + b->len - p), "/Type /Page", 11)); p += 11)
        if (p[11] != 's') pages++;
    if (pages < min_pages) fail_msg("%d pages, expected at least %d", pages, min_pages);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_num(void **state)
{
    (void)state;
    char out[64];
    struct {
        double v;
        int dec;
        const char *want;
    } cases[] = {
        {1234.5, 2, "1,234.5"}, {2e9, 2, "2,000,000,000"}, {0, 1, "0"}, {-1234567.891, 2, "-1,234,567.89"},
        {999, 0, "999"}, {1000, 0, "1,000"}, {12.3456, 1, "12.3"}, {-0.04, 1, "0"}, {0.6, 0, "1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = json_real(cases[i].v);
        report_num(v, cases[i].dec, out, sizeof out);
        json_decref(v);
        if (strcmp(out, cases[i].want)) fail_msg("%g/%d: got %s, want %s", cases[i].v, cases[i].dec, out, cases[i].want);
    }
    report_num(json_null(), 1, out, sizeof out);
    assert_string_equal(out, "—");
    report_num(NULL, 1, out, sizeof out);
    assert_string_equal(out, "—");
}

static void test_progress_xlsx(void **state)
{
    (void)state;
    json_t *doc = progress_doc();
    buf b = BUF_INIT;
    err e = ERR_INIT;
    T_OK(report_progress_xlsx(doc, &b, &e), &e);
    assert_memory_equal(b.s, "PK\x03\x04", 4);
    save("progress-hand.xlsx", &b);
    json_t *rows = xlsx_rows(&b);
    assert_non_null(strstr(cell(rows, 0, 0), "测试区知识产权强市建设试点工作方案"));
    assert_non_null(strstr(cell(rows, 0, 0), "Target progress report"));
    /* header row: Chinese first, English second */
    size_t h = 0;
    while (h < json_array_size(rows) && strcmp(cell(rows, h, 0), "编号\nCode")) h++;
    assert_true(h < json_array_size(rows));
    assert_string_equal(cell(rows, h, 9), "当前值\nCurrent");
    assert_string_equal(cell(rows, h, 19), "状态\nStatus");
    /* the numbers of the document */
    assert_string_equal(cell(rows, h + 1, 0), "T02");
    assert_true(fabs(atof(cell(rows, h + 1, 9)) - 112.25) < 1e-9);
    assert_true(fabs(atof(cell(rows, h + 1, 14)) - 53.4) < 1e-9);
    assert_true(fabs(atof(cell(rows, h + 1, 16)) - 141.2) < 1e-9);
    assert_string_equal(cell(rows, h + 1, 4), "区科委、区知识产权局");
    assert_string_equal(cell(rows, h + 2, 0), "T07");
    assert_true(fabs(atof(cell(rows, h + 2, 9)) - 1234567890.5) < 1e-3);
    assert_true(fabs(atof(cell(rows, h + 2, 11)) - 2e9) < 1e-3);
    assert_non_null(strstr(cell(rows, h + 2, 19), "存在风险"));
    assert_string_equal(cell(rows, h + 4, 0), "T09");
    assert_string_equal(cell(rows, h + 4, 9), "");
    json_decref(rows);
    buf_free(&b);
    json_decref(doc);
}

static void test_progress_pdf(void **state)
{
    (void)state;
    json_t *doc = progress_doc();
    buf b = BUF_INIT;
    err e = ERR_INIT;
    T_OK(report_progress_pdf(doc, &b, &e), &e);
    check_pdf(&b, 2);
    save("progress-hand.pdf", &b);
    buf_free(&b);
    /* no targets at all: still a valid document */
    json_object_set_new(doc, "targets", json_array());
    T_OK(report_progress_pdf(doc, &b, &e), &e);
    check_pdf(&b, 1);
    buf_free(&b);
    json_decref(doc);
}

static void test_assessment_files(void **state)
{
    (void)state;
    json_t *doc = assessment_doc();
    buf b = BUF_INIT;
    err e = ERR_INIT;
    T_OK(report_assessment_xlsx(doc, &b, &e), &e);
    save("assessment-hand.xlsx", &b);
    json_t *rows = xlsx_rows(&b);
    size_t h = 0;
    while (h < json_array_size(rows) && strcmp(cell(rows, h, 0), "名次\nRank")) h++;
    assert_true(h < json_array_size(rows));
    assert_string_equal(cell(rows, h + 1, 1), "310104-court");
    assert_string_equal(cell(rows, h + 1, 0), "1");
    assert_true(fabs(atof(cell(rows, h + 1, 4)) - 88.5) < 1e-9);
    assert_true(fabs(atof(cell(rows, h + 1, 6)) - 87.5) < 1e-9);
    assert_string_equal(cell(rows, h + 1, 8), ""); /* no supervision items */
    assert_string_equal(cell(rows, h + 3, 2), "区委组织部");
    assert_string_equal(cell(rows, h + 3, 4), "");
    json_decref(rows);
    buf_free(&b);
    T_OK(report_assessment_pdf(doc, &b, &e), &e);
    check_pdf(&b, 1);
    save("assessment-hand.pdf", &b);
    buf_free(&b);
    json_decref(doc);
}

/* The seed plan on a fresh demo database: the files carry the API's numbers. */
static void test_seed_reports(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    int64_t pid = tdb_int(t->db, "SELECT id FROM plans");
    long day;
    util_date_parse("2024-06-30", &day);
    json_t *p = NULL, *a = NULL;
    T_OK(plan_progress(t->db, &BUREAU, pid, day, &p, &e), &e);
    buf b = BUF_INIT;
    T_OK(report_progress_xlsx(p, &b, &e), &e);
    save("progress-seed.xlsx", &b);
    json_t *rows = xlsx_rows(&b);
    size_t h = 0;
    while (h < json_array_size(rows) && strcmp(cell(rows, h, 0), "编号\nCode")) h++;
    size_t i;
    json_t *tg;
    json_array_foreach(json_object_get(p, "targets"), i, tg)
    {
        assert_string_equal(cell(rows, h + 1 + i, 0), json_string_value(json_object_get(tg, "code")));
        json_t *cur = json_object_get(json_object_get(tg, "current"), "value");
        if (json_is_number(cur)) assert_true(fabs(atof(cell(rows, h + 1 + i, 9)) - json_number_value(cur)) < 1e-6);
        else assert_string_equal(cell(rows, h + 1 + i, 9), "");
        assert_non_null(strstr(cell(rows, h + 1 + i, 19), json_string_value(json_object_get(tg, "status_zh"))));
    }
    assert_int_equal(i, 16);
    json_decref(rows);
    buf_free(&b);
    T_OK(report_progress_pdf(p, &b, &e), &e);
    check_pdf(&b, 3);
    save("progress-seed.pdf", &b);
    buf_free(&b);
    T_OK(plan_assessment(t->db, &BUREAU, pid, 2024, &a, &e), &e);
    T_OK(report_assessment_xlsx(a, &b, &e), &e);
    buf_free(&b);
    T_OK(report_assessment_pdf(a, &b, &e), &e);
    check_pdf(&b, 1);
    save("assessment-seed.pdf", &b);
    buf_free(&b);
    json_decref(p);
    json_decref(a);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    domain_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_progress_xlsx),
        cmocka_unit_test(test_progress_pdf),
        cmocka_unit_test(test_assessment_files),
        cmocka_unit_test_setup_teardown(test_seed_reports, tdb_setup_demo, tdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
