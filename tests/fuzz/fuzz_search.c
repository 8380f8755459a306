/* fuzz_search.c - the search query path (src/search/search.h,
 * regsearch.h): srch_tokenize() with the document and the query rules,
 * srch_match_expr(), and rs_search() against a tiny indexed database (five
 * synthetic patents imported once per process through imp_run).
 *
 * Input: the user's search text, or, when it starts with '?', a URL query
 * string ("?q=芯片&kind=invention&ipc=H01L&filed_from=2019-01-01") read by
 * rs_query_from_args() as the API does.
 *
 * Oracles: tokens are 1..SRCH_MAX_TOKEN bytes of UTF-8 with offsets
 * 0 <= start <= end <= n, the first token is not COLOCATED and query
 * tokens never are; a non-zero return of emit stops the tokenizer and is
 * returned; srch_match_expr gives NULL or UTF-8 with at most
 * SRCH_MAX_TERMS terms; rs_search never fails with a 5xx (a MATCH
 * expression FTS5 refuses would be one), and returns at most limit items.
 * Seeds: tests/fuzz/corpus/search. */
#include "fuzz_common.h"

#include "../../src/import/importer.h"
#include "../../src/search/regsearch.h"
#include "../../src/search/search.h"

static const char patents_csv[] =
    "申请号,专利类型,名称,摘要,申请日,授权公告日,IPC分类号,申请人,申请人地址,申请人国别,合成数据\r\n"
    "201910000001.9,发明,一种芯片封装结构（合成）,合成数据。,2019-03-01,2021-06-01,H01L 23/31;H01L 21/56,"
    "上海某科技有限公司（合成）,200030 上海市徐汇区漕宝路650号,CN,是\r\n"
    "202020000002.1,实用新型,芯片散热装置（合成）,合成数据。,2020-01-10,2020-07-01,H01L 23/367,"
    "浦东某电子有限公司（合成）,上海市浦东新区张江路100号,CN,是\r\n"
    "201810000003.3,发明,专利信息检索方法（合成）,Patent retrieval 检索 autonomous vehicle,2018-05-05,2020-09-09,"
    "G06F 16/31,北京某研究院（合成）,北京市海淀区中关村大街1号,CN,是\r\n"
    "202130000006.X,外观设计,芯片包装盒（合成）,合成数据。,2021-06-01,2021-12-01,,上海某科技有限公司（合成）,"
    "200030 上海市徐汇区漕宝路650号,CN,是\r\n"
    "201510000009.7,发明,一种专门利用余热的装置（合成）,Ωmega ĲSSEL Straße,2015-05-05,2017-05-05,F28D 1/00,"
    "ACME ROBOTICS INC (SYNTHETIC),\"1 Example Street, Boston MA\",US,是\r\n";

static store *db;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    fz_addr();
    db = fz_db();
    err e = ERR_INIT;
    json_t *rep = NULL;
    if (imp_run(db, &fz_actor, "patents.csv", NULL, patents_csv, sizeof patents_csv - 1, NULL, NULL, NULL, &rep, &e)) {
        char *items = e.items ? json_dumps(e.items, JSON_COMPACT) : NULL;
        fprintf(stderr, "fuzz set-up: import: %s %s\n", err_msg(&e, LANG_EN), items ? items : "");
        abort();
    }
    json_decref(rep);
    return 0;
}

typedef struct tk {
    size_t n;
    int query, count, stop_after;
} tk;

static int on_token(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    tk *t = ctx;
    FZ_CHECK(len >= 1 && len <= SRCH_MAX_TOKEN, "token of %zu bytes", len);
    FZ_CHECK(util_utf8_valid(tok, len), "token not UTF-8");
    FZ_CHECK(start >= 0 && start <= end && (size_t)end <= t->n, "token at %d..%d of %zu", start, end, t->n);
    if (flags & SRCH_COLOCATED) {
        FZ_CHECK(!t->query, "a COLOCATED query token");
        FZ_CHECK(t->count > 0, "the first token is COLOCATED");
    }
    t->count++;
    return t->stop_after && t->count == t->stop_after ? 7 : 0;
}

static void tokenize_checks(const char *text, size_t n)
{
    for (int query = 0; query < 2; query++) {
        tk t = {n, query, 0, 0};
        int rc = srch_tokenize(text, n, query, on_token, &t);
        FZ_CHECK(rc == 0, "srch_tokenize returned %d", rc);
        if (t.count) {
            tk s = {n, query, 0, 1};
            FZ_CHECK(srch_tokenize(text, n, query, on_token, &s) == 7 && s.count == 1, "emit's 7 did not stop it");
        }
    }
}

static void match_checks(const char *q)
{
    char *m = srch_match_expr(q);
    if (!m) return;
    FZ_CHECK(*m && fz_utf8(m), "match expression empty or not UTF-8");
    int terms = 1;
    for (const char *p = m; (p = strstr(p, " AND ")); p += 5) terms++;
    FZ_CHECK(terms <= SRCH_MAX_TERMS, "%d terms", terms);
    free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tokenize_checks((const char *)data, size);
    char *s = fz_cstr(data, size);
    match_checks(s);

    json_t *args;
    if (size && s[0] == '?') args = fz_url_args(s + 1, size - 1);
    else args = json_pack("{s:s}", "q", util_utf8_valid(s, strlen(s)) ? s : "");
    rs_query q;
    err e = ERR_INIT;
    if (rs_query_from_args(args, &q, &e) == 0) {
        json_t *out = NULL;
        if (rs_search(db, &q, &out, &e)) {
            fz_check_err(&e, "rs_search");
            FZ_CHECK(e.status < 500, "rs_search failed with %d %s: %s", e.status, e.code, err_msg(&e, LANG_EN));
        } else {
            json_t *items = json_object_get(out, "items");
            FZ_CHECK(json_is_array(items) && json_array_size(items) <= (size_t)q.limit, "%zu items, limit %d",
                     json_array_size(items), q.limit);
            fz_check_json_utf8(out);
        }
        json_decref(out);
    } else {
        fz_check_err(&e, "rs_query_from_args");
        FZ_CHECK(e.status == 400, "rs_query_from_args status %d", e.status);
    }
    FZ_CHECK(!store_in_tx(db), "a transaction was left open");
    err_clear(&e);
    json_decref(args);
    free(s);
    return 0;
}
