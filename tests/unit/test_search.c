/* test_search.c - full-text search (src/search): the tokenizer's exact
 * output, the user-query translation (FTS5 MATCH and PostgreSQL tsquery),
 * documents as tsvector literals, and the FTS5 tokenizer "cjk" with its
 * highlight/snippet/rank functions on a real SQLite database file.  The
 * backend-neutral matcher and scorer (srch_col_match, srch_bm25) are
 * checked against FTS5 on random documents and queries, and, when
 * IPCITY_TEST_PG is set (support_db.h), PostgreSQL's tsvector matching and
 * ts_rank_cd counts against the same (what the PostgreSQL search relies
 * on).
 *
 * IPCITY_SEARCH_BENCH=N additionally indexes N synthetic Chinese titles and
 * prints indexing and query timings (not run by default). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "support_db.h"
#include "../../src/search/search.h"

/* ---- tokenizer ---------------------------------------------------------- */

/* Tokens as "tok[start,end)" separated by spaces; colocated ones with "~". */
static int collect(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    buf *b = ctx;
    if (b->len) buf_putc(b, ' ');
    if (flags & SRCH_COLOCATED) buf_putc(b, '~');
    buf_add(b, tok, len);
    buf_printf(b, "[%d,%d)", start, end);
    return 0;
}

static char *toks(const char *text, int for_query)
{
    buf b = BUF_INIT;
    assert_int_equal(srch_tokenize(text, strlen(text), for_query, collect, &b), 0);
    buf_putc(&b, '\0'); /* so that an empty list is "" rather than NULL */
    return buf_detach(&b);
}

#define ASSERT_TOKS(text, q, expect) \
    do { \
        char *got_ = toks((text), (q)); \
        assert_string_equal(got_, (expect)); \
        free(got_); \
    } while (0)

static void test_tokenize_mixed(void **state)
{
    (void)state;
    const char *s = "5G芯片, Ａｕｔｏ-Car 甲";
    ASSERT_TOKS(s, 0, "5g[0,2) 芯[2,5) ~芯片[2,8) 片[5,8) auto[10,22) car[23,26) 甲[27,30)");
    ASSERT_TOKS(s, 1, "5g[0,2) 芯片[2,8) auto[10,22) car[23,26) 甲[27,30)");
}

static void test_tokenize_cjk_runs(void **state)
{
    (void)state;
    /* a run of three: unigrams + colocated bigrams; the query is bigrams only */
    ASSERT_TOKS("芯片组", 0, "芯[0,3) ~芯片[0,6) 片[3,6) ~片组[3,9) 组[6,9)");
    ASSERT_TOKS("芯片组", 1, "芯片[0,6) 片组[3,9)");
    ASSERT_TOKS("芯", 0, "芯[0,3)");
    ASSERT_TOKS("芯", 1, "芯[0,3)");
    /* punctuation breaks a run: no bigram across 。 */
    ASSERT_TOKS("专利。芯", 0, "专[0,3) ~专利[0,6) 利[3,6) 芯[9,12)");
    ASSERT_TOKS("专利。芯", 1, "专利[0,6) 芯[9,12)");
    /* a space breaks a run too */
    ASSERT_TOKS("甲 乙", 0, "甲[0,3) 乙[4,7)");
    /* kana and hangul are CJK and pair across scripts */
    ASSERT_TOKS("カメ한", 1, "カメ[0,6) メ한[3,9)");
    /* Extension A, B (4 bytes), compatibility ideographs, 〇 */
    ASSERT_TOKS("\xe3\x90\x80\xf0\xa0\x80\x80\xef\xa4\x80〇", 1,
                "\xe3\x90\x80\xf0\xa0\x80\x80[0,7) \xf0\xa0\x80\x80\xef\xa4\x80[3,10) "
                "\xef\xa4\x80〇[7,13)");
    /* digits stop a run: "二〇二三年" vs "2023年" */
    ASSERT_TOKS("２０２３年度", 1, "2023[0,12) 年度[12,18)");
}

static void test_tokenize_words(void **state)
{
    (void)state;
    ASSERT_TOKS("Hello, WORLD! x86_64 3.5", 0, "hello[0,5) world[7,12) x86[14,17) 64[18,20) 3[21,22) 5[23,24)");
    /* full-width letters and digits fold to ASCII */
    ASSERT_TOKS("ＡＢＣ ａｂｃ０９", 0, "abc[0,9) abc09[10,25)");
    /* Latin-1, Greek, Cyrillic fold; × is a separator */
    ASSERT_TOKS("Café ÉCOLE 2×3", 0, "café[0,5) école[6,12) 2[13,14) 3[16,17)");
    ASSERT_TOKS("ΑΒΓ Москва", 0, "αβγ[0,6) москва[7,19)");
    /* invalid UTF-8 bytes separate */
    ASSERT_TOKS("a\xff"
                "b\xe8\x8a",
                0, "a[0,1) b[2,3)");
    /* only separators: nothing */
    ASSERT_TOKS("，。！？…… --- ***", 0, "");
    ASSERT_TOKS("", 1, "");
    assert_int_equal(srch_tokenize(NULL, 5, 0, collect, NULL), 0);
}

static void test_tokenize_long_word(void **state)
{
    (void)state;
    char in[301], want[200];
    memset(in, 'A', 300);
    in[300] = '\0';
    memset(want, 'a', SRCH_MAX_TOKEN);
    snprintf(want + SRCH_MAX_TOKEN, sizeof want - SRCH_MAX_TOKEN, "[0,300)");
    ASSERT_TOKS(in, 0, want);
    /* a 2-byte character that would straddle the limit is dropped whole */
    char in2[200];
    memset(in2, 'b', SRCH_MAX_TOKEN - 1);
    strcpy(in2 + SRCH_MAX_TOKEN - 1, "éz 甲");
    char *got = toks(in2, 0);
    assert_int_equal(strchr(got, '[') - got, SRCH_MAX_TOKEN - 1);
    assert_non_null(strstr(got, "甲[131,134)"));
    free(got);
}

static int stop_after_two(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    int *n = ctx;
    return ++*n == 2 ? 7 : 0;
}

static void test_tokenize_stop(void **state)
{
    (void)state;
    int n = 0;
    assert_int_equal(srch_tokenize("a b c d", 7, 0, stop_after_two, &n), 7);
    assert_int_equal(n, 2);
    /* the length is honoured: no NUL needed, nothing read past n */
    ASSERT_TOKS("abc", 1, "abc[0,3)");
    buf b = BUF_INIT;
    srch_tokenize("芯片组", 6, 1, collect, &b);
    assert_string_equal(buf_cstr(&b), "芯片[0,6)");
    buf_free(&b);
}

/* ---- user query -> MATCH expression -------------------------------------- */

#define ASSERT_EXPR(q, expect) \
    do { \
        char *x_ = srch_match_expr(q); \
        assert_non_null(x_); \
        assert_string_equal(x_, (expect)); \
        free(x_); \
    } while (0)

static void test_match_expr(void **state)
{
    (void)state;
    ASSERT_EXPR("芯片组", "\"芯片 片组\"");
    ASSERT_EXPR("  芯片组　Vehicle ", "\"芯片 片组\" AND \"vehicle\"");
    ASSERT_EXPR("芯", "\"芯\"");
    ASSERT_EXPR("5G芯片", "\"5g 芯片\"");
    ASSERT_EXPR("ＡＢＣ", "\"abc\"");
    /* prefix: kept for words of 2+ bytes, dropped after CJK or punctuation */
    ASSERT_EXPR("autonom*", "\"autonom\" *");
    ASSERT_EXPR("Autonom＊", "\"autonom\" *");
    ASSERT_EXPR("芯片*", "\"芯片\"");
    ASSERT_EXPR("a*", "\"a\"");
    ASSERT_EXPR("abc.*", "\"abc\"");
    ASSERT_EXPR("*abc", "\"abc\"");
    /* user syntax is neutralised */
    ASSERT_EXPR("芯片\" OR title:x", "\"芯片\" AND \"or\" AND \"title x\"");
    ASSERT_EXPR("NEAR(", "\"near\"");
    ASSERT_EXPR("{title body}:x ^y -z (a+b)", "\"title\" AND \"body x\" AND \"y\" AND \"z\" AND \"a b\"");
    /* no tokens */
    assert_null(srch_match_expr(NULL));
    assert_null(srch_match_expr(""));
    assert_null(srch_match_expr("   　"));
    assert_null(srch_match_expr("*"));
    assert_null(srch_match_expr("！？。，、…… \"\" () - * ＊"));
    /* at most SRCH_MAX_TERMS terms */
    buf q = BUF_INIT;
    for (int i = 0; i < 40; i++) buf_printf(&q, "w%d ", i);
    char *x = srch_match_expr(q.s);
    int ands = 0;
    for (const char *p = x; (p = strstr(p, " AND ")); p++) ands++;
    assert_int_equal(ands, SRCH_MAX_TERMS - 1);
    assert_null(strstr(x, "w32"));
    free(x);
    buf_free(&q);
}

/* ---- FTS5 on a real database --------------------------------------------- */

typedef struct fdb {
    char dir[64], path[96];
    store *st;   /* the application's connection (creates the file, WAL) */
    sqlite3 *db; /* a raw connection to the same file for FTS5 */
} fdb;

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* The corpus of the matching tests: rowid, title, body. */
static const char *const CORPUS[][3] = {
    {"1", "一种芯片封装结构及其制造方法", "本发明公开了一种芯片封装结构。"},
    {"2", "专利权质押融资服务平台", "面向中小企业的知识产权金融服务"},
    {"3", "Autonomous vehicle entertainment system", "An in-car entertainment system for self-driving vehicles."},
    {"4", "一种甘草发酵所得烟用香料及其应用", "甘草经发酵后得到香料"},
    {"5", "芯片组", ""},
    {"6", "封装设备", "一种用于结构件的封装装置"},
    {"7", "ＡＢＣ全角测试", "Full-width ＡＢＣ letters"},
    {"8", "车载娱乐系统", "vehicle infotainment 系统 with display"},
    {"9", "Electric vehicle charging", "charging pile for VEHICLE"},
    {"10", "发明专利申请流程", "专利代理"},
};

static int setup(void **state)
{
    fdb *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ipcity-search-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/s.sqlite", f->dir);
    err e = ERR_INIT;
    T_OK(store_open(f->path, &f->st, &e), &e);
    assert_int_equal(sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    T_OK(srch_register_sqlite(f->db, &e), &e);
    exec_ok(f->db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='cjk')");
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(f->db, "INSERT INTO t (rowid, title, body) VALUES (?, ?, ?)", -1, &ins, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < sizeof CORPUS / sizeof CORPUS[0]; i++) {
        sqlite3_bind_int64(ins, 1, atoll(CORPUS[i][0]));
        sqlite3_bind_text(ins, 2, CORPUS[i][1], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, CORPUS[i][2], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fdb *f = *state;
    assert_int_equal(sqlite3_close(f->db), SQLITE_OK);
    store_close(f->st);
    tdb_rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs sql with ?1 = text and returns the first column of every row,
 * space-separated ("" when no row); fails the test on an SQL error. */
static char *rows(sqlite3 *db, const char *sql, const char *text)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    buf b = BUF_INIT;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (b.len) buf_putc(&b, ' ');
        const char *v = (const char *)sqlite3_column_text(st, 0);
        buf_puts(&b, v ? v : "NULL");
    }
    if (rc != SQLITE_DONE) fail_msg("step %s [%s]: %s", sql, text, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    buf_putc(&b, '\0');
    return buf_detach(&b);
}

/* The rowids matching the user query q, ascending. */
static char *search(sqlite3 *db, const char *q)
{
    char *x = srch_match_expr(q);
    if (!x) fail_msg("no expression for [%s]", q);
    char *r = rows(db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid", x);
    free(x);
    return r;
}

#define ASSERT_HITS(db, q, expect) \
    do { \
        char *r_ = search((db), (q)); \
        if (strcmp(r_, (expect))) fail_msg("query [%s]: rows [%s], expected [%s]", (q), r_, (expect)); \
        free(r_); \
    } while (0)

static void test_fts_match(void **state)
{
    fdb *f = *state;
    ASSERT_HITS(f->db, "芯片", "1 5"); /* 2 characters */
    ASSERT_HITS(f->db, "专利", "2 10");
    ASSERT_HITS(f->db, "芯", "1 5"); /* 1 character */
    ASSERT_HITS(f->db, "系", "8");
    ASSERT_HITS(f->db, "用", "4 6");
    ASSERT_HITS(f->db, "甘草发酵", "4"); /* 4 characters; body 甘草经发酵 alone would not */
    ASSERT_HITS(f->db, "封装结构", "1"); /* not row 6 with 封装 and 结构 apart */
    ASSERT_HITS(f->db, "结构", "1 6");
    ASSERT_HITS(f->db, "芯片组", "5");
    ASSERT_HITS(f->db, "一种", "1 4 6");
    ASSERT_HITS(f->db, "芯片 封装 方法", "1"); /* terms ANDed */
    ASSERT_HITS(f->db, "vehicle 系统", "8");   /* mixed */
    ASSERT_HITS(f->db, "VEHICLE", "3 8 9");    /* case folding */
    ASSERT_HITS(f->db, "ＡＢＣ", "7");         /* full-width */
    ASSERT_HITS(f->db, "abc", "7");
    ASSERT_HITS(f->db, "autonom*", "3"); /* prefix */
    ASSERT_HITS(f->db, "vehic*", "3 8 9");
    ASSERT_HITS(f->db, "Self-Driving", "3"); /* a phrase of words */
    ASSERT_HITS(f->db, "driving self", "3"); /* terms in any order */
    ASSERT_HITS(f->db, "self-driving truck", "");
    ASSERT_HITS(f->db, "self-driving car", "3");       /* "in-car" has the word car */
    ASSERT_HITS(f->db, "专利权质押融资服务平台", "2"); /* a whole title */
    ASSERT_HITS(f->db, "融资服务平台x", "");
    /* column filter by the caller still works with the cjk tokenizer */
    char *r = rows(f->db, "SELECT rowid FROM t WHERE t MATCH 'body : ' || ?1 ORDER BY rowid", "\"专利\"");
    assert_string_equal(r, "10");
    free(r);
}

static void test_fts_hostile(void **state)
{
    fdb *f = *state;
    ASSERT_HITS(f->db, "芯片\" OR title:x", "");
    ASSERT_HITS(f->db, "NEAR(", "");
    assert_null(srch_match_expr("*"));
    assert_null(srch_match_expr("，。！"));
    static const char *const hostile[] = {
        "\"",
        "\"\"",
        "a\"b",
        "(",
        ")",
        "AND",
        "OR NOT",
        "title:芯片",
        "{title body}:x",
        "^芯片",
        "芯片 + 封装",
        "-芯片",
        "\"芯片",
        "\\",
        "'",
        "'; DROP TABLE t; --",
        "NEAR(a b, 3)",
        "*芯片*",
        "芯*片",
        "col:*",
        "rank:1",
        "t:x",
        "\xff\xfe",
        "a\"\" OR \"\"b",
        "NOT 芯片",
        "芯片 NOT",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char *x = srch_match_expr(hostile[i]);
        if (!x) continue;
        char *r = rows(f->db, "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rank", x);
        free(r);
        free(x);
    }
    /* NOT is a word, not an operator: the phrase "not" matches nothing here */
    ASSERT_HITS(f->db, "芯片 NOT", "");
    /* the table is still there */
    char *r = rows(f->db, "SELECT count(*) FROM t", NULL);
    assert_string_equal(r, "10");
    free(r);
}

static void test_fts_bm25_weights(void **state)
{
    fdb *f = *state;
    exec_ok(f->db, "CREATE VIRTUAL TABLE r USING fts5(title, body, tokenize='cjk');"
                   "INSERT INTO r (rowid, title, body) VALUES"
                   " (1, '数据处理方法', '检索检索，用于专利检索和检索服务的数据检索方法'),"
                   " (2, '专利检索系统', '一种系统'),"
                   " (3, '无关标题', '无关内容'), (4, '无关标题', '无关内容'), (5, '无关标题', '无关内容'),"
                   " (6, '无关标题', '无关内容'), (7, '无关标题', '无关内容'), (8, '无关标题', '无关内容')");
    char *x = srch_match_expr("检索");
    char *r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH ?1 ORDER BY bm25(r, 10.0, 1.0)", x);
    assert_string_equal(r, "2 1"); /* the title match first */
    free(r);
    /* the weights are what decides: body-heavy weights flip the order */
    r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH ?1 ORDER BY bm25(r, 1.0, 10.0)", x);
    assert_string_equal(r, "1 2");
    free(r);
    /* cjk_rank: the same without the length normalisation */
    r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH ?1 ORDER BY cjk_rank(r, 10.0, 1.0)", x);
    assert_string_equal(r, "2 1");
    free(r);
    r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH ?1 ORDER BY cjk_rank(r, 1.0, 10.0)", x);
    assert_string_equal(r, "1 2");
    free(r);
    /* more matched phrases rank higher than repeats of one */
    r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH '\"检索\" OR \"系统\"' ORDER BY cjk_rank(r)", NULL);
    assert_string_equal(r, "2 1");
    free(r);
    r = rows(f->db, "SELECT count(*) FROM r WHERE r MATCH ?1 AND cjk_rank(r) < 0", x);
    assert_string_equal(r, "2");
    free(r);
    exec_ok(f->db, "INSERT INTO r (r, rank) VALUES ('rank', 'cjk_rank(10.0, 1.0)')");
    r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH ?1 ORDER BY rank", x);
    assert_string_equal(r, "2 1");
    free(r);
    /* the rank column can carry the weights too */
    exec_ok(f->db, "INSERT INTO r (r, rank) VALUES ('rank', 'bm25(10.0, 1.0)')");
    r = rows(f->db, "SELECT rowid FROM r WHERE r MATCH ?1 ORDER BY rank", x);
    assert_string_equal(r, "2 1");
    free(r);
    free(x);
}

/* Removes every occurrence of the marks and the ellipsis from s. */
static char *strip_marks(const char *s)
{
    static const char *const marks[] = {"<mark>", "</mark>", "…"};
    buf b = BUF_INIT;
    buf_putc(&b, '\0');
    b.len = 0;
    while (*s) {
        size_t k = 0;
        for (size_t i = 0; i < 3 && !k; i++)
            if (!strncmp(s, marks[i], strlen(marks[i]))) k = strlen(marks[i]);
        if (k) {
            s += k;
            continue;
        }
        buf_putc(&b, *s++);
    }
    return buf_detach(&b);
}

/* The first column of the first row of sql with ?1 = expression of q. */
static char *one(sqlite3 *db, const char *sql, const char *q)
{
    char *x = srch_match_expr(q);
    char *r = rows(db, sql, x);
    free(x);
    return r;
}

static void test_fts_snippet_builtin(void **state)
{
    fdb *f = *state;
    const char *body = "本实用新型涉及一种芯片封装结构，包括基板、芯片和封装胶体，结构简单，成本低。";
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(f->db, "INSERT INTO t (rowid, title, body) VALUES (20, '测试', ?1)", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, body, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);

    char *r =
        one(f->db, "SELECT snippet(t, 1, '<mark>', '</mark>', '…', 8) FROM t WHERE t MATCH ?1 AND rowid = 20", "成本");
    assert_non_null(strstr(r, "<mark>成"));
    char *plain = strip_marks(r);
    assert_non_null(strstr(body, plain)); /* the original text around the match */
    assert_non_null(strstr(plain, "成本低"));
    free(plain);
    free(r);

    r = one(f->db, "SELECT highlight(t, 1, '<mark>', '</mark>') FROM t WHERE t MATCH ?1 AND rowid = 20", "封装结构");
    plain = strip_marks(r);
    assert_string_equal(plain, body);
    free(plain);
    free(r);
}

static void test_fts_cjk_highlight(void **state)
{
    fdb *f = *state;
    exec_ok(f->db, "INSERT INTO t (rowid, title, body) VALUES (20, '测试', "
                   "'本实用新型涉及一种芯片封装结构，包括基板、芯片和封装胶体，结构简单，成本低。')");
    const char *hl = "SELECT cjk_highlight(t, 1, '[', ']', ?1) FROM t WHERE t MATCH ?1 AND rowid = 20";
    const char *hl_noexpr = "SELECT cjk_highlight(t, 1, '[', ']') FROM t WHERE t MATCH ?1 AND rowid = 20";
    struct {
        const char *sql, *q, *want;
    } cases[] = {
        {hl, "封装结构", "本实用新型涉及一种芯片[封装结构]，包括基板、芯片和封装胶体，结构简单，成本低。"},
        {hl_noexpr, "封装结构", "本实用新型涉及一种芯片[封装结构]，包括基板、芯片和封装胶体，结构简单，成本低。"},
        {hl, "芯片 结构", "本实用新型涉及一种[芯片]封装[结构]，包括基板、[芯片]和封装胶体，[结构]简单，成本低。"},
        {hl, "芯", "本实用新型涉及一种[芯]片封装结构，包括基板、[芯]片和封装胶体，结构简单，成本低。"},
        /* without the expression a match ending before a CJK character is taken as a bigram */
        {hl_noexpr, "芯", "本实用新型涉及一种[芯片]封装结构，包括基板、[芯片]和封装胶体，结构简单，成本低。"},
        /* adjacent matches merge into one mark */
        {hl, "芯 片", "本实用新型涉及一种[芯片]封装结构，包括基板、[芯片]和封装胶体，结构简单，成本低。"},
        {hl, "低", "本实用新型涉及一种芯片封装结构，包括基板、芯片和封装胶体，结构简单，成本[低]。"},
        {"SELECT cjk_highlight(t, 0, '[', ']', ?1) FROM t WHERE t MATCH ?1 AND rowid = 20", "成本", "测试"},
        {"SELECT cjk_highlight(t, 0, '<b>', '</b>', ?1) FROM t WHERE t MATCH ?1 AND rowid = 3", "autonom*",
         "<b>Autonomous</b> vehicle entertainment system"},
        {"SELECT cjk_highlight(t, 1, '[', ']', ?1) FROM t WHERE t MATCH ?1 AND rowid = 8", "vehicle 系统",
         "[vehicle] infotainment [系统] with display"},
        {"SELECT cjk_highlight(t, 0, '[', ']', ?1) FROM t WHERE t MATCH ?1 AND rowid = 5", "芯片", "[芯片]组"},
        {"SELECT cjk_highlight(t, 0, '[', ']', ?1) FROM t WHERE t MATCH ?1 AND rowid = 7", "ａｂｃ",
         "[ＡＢＣ]全角测试"},
        /* snippets: a window of 10 positions (characters/words) around the best match */
        {"SELECT cjk_snippet(t, 1, '[', ']', '…', 10, ?1) FROM t WHERE t MATCH ?1 AND rowid = 20", "成本",
         "…装胶体，结构简单，[成本]低。"},
        {"SELECT cjk_snippet(t, -1, '[', ']', '…', 10, ?1) FROM t WHERE t MATCH ?1 AND rowid = 20", "基板",
         "…结构，包括[基板]、芯片和封…"},
        {"SELECT cjk_snippet(t, 1, '[', ']', '…', 64, ?1) FROM t WHERE t MATCH ?1 AND rowid = 20", "涉及",
         "本实用新型[涉及]一种芯片封装结构，包括基板、芯片和封装胶体，结构简单，成本低。"},
        {"SELECT cjk_snippet(t, -1, '[', ']', '…', 4) FROM t WHERE t MATCH ?1 AND rowid = 3", "entertainment",
         "Autonomous vehicle [entertainment] system"},
        {"SELECT cjk_snippet(t, 1, '[', ']', '…', 3) FROM t WHERE t MATCH ?1 AND rowid = 3", "entertainment",
         "…car [entertainment] system…"},
        /* the column chosen by -1 is the one with most distinct phrases */
        {"SELECT cjk_snippet(t, -1, '[', ']', '…', 8, ?1) FROM t WHERE t MATCH ?1 AND rowid = 8", "vehicle 系统",
         "[vehicle] infotainment [系统] with display"},
        /* a column without a match: its beginning */
        {"SELECT cjk_snippet(t, 0, '[', ']', '…', 2, ?1) FROM t WHERE t MATCH ?1 AND rowid = 20", "成本", "测试"},
        {"SELECT cjk_snippet(t, 1, '[', ']', '…', 2, ?1) FROM t WHERE t MATCH ?1 AND rowid = 5", "芯片", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *r = one(f->db, cases[i].sql, cases[i].q);
        if (strcmp(r, cases[i].want)) fail_msg("case %zu [%s]: got [%s], want [%s]", i, cases[i].q, r, cases[i].want);
        free(r);
    }
    /* wrong use is an SQL error, not a crash */
    sqlite3_stmt *st;
    const char *bad[] = {
        "SELECT cjk_highlight(t, 9, '[', ']') FROM t WHERE t MATCH 'x'",
        "SELECT cjk_highlight(t, 0) FROM t WHERE t MATCH 'x'",
        "SELECT cjk_snippet(t, 0, 'a', 'b') FROM t WHERE t MATCH 'x'",
    };
    exec_ok(f->db, "INSERT INTO t (rowid, title) VALUES (30, 'x')");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sqlite3_prepare_v2(f->db, bad[i], -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ERROR);
        sqlite3_finalize(st);
    }
}

static void test_fts_register(void **state)
{
    fdb *f = *state;
    err e = ERR_INIT;
    /* twice on the same connection is harmless */
    T_OK(srch_register_sqlite(f->db, &e), &e);
    char *r = search(f->db, "芯片");
    assert_string_equal(r, "1 5");
    free(r);
    assert_int_equal(srch_register_sqlite(NULL, &e), -1);
    T_ERR(&e, 500, "search.register");
    err_clear(&e);
    /* the tokenizer takes no options */
    char *msg = NULL;
    assert_int_not_equal(
        sqlite3_exec(f->db, "CREATE VIRTUAL TABLE u USING fts5(a, tokenize='cjk x')", NULL, NULL, &msg), SQLITE_OK);
    sqlite3_free(msg);
    /* a connection without the registration cannot read the table */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open_v2(f->path, &raw, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "SELECT * FROM t WHERE t MATCH '芯片'", NULL, NULL, &msg), SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(raw);
    /* updates and deletes keep the index consistent (integrity-check re-tokenizes) */
    exec_ok(f->db, "UPDATE t SET title = '新型芯片' WHERE rowid = 2; DELETE FROM t WHERE rowid = 5;"
                   "INSERT INTO t (t) VALUES ('integrity-check')");
    r = search(f->db, "芯片");
    assert_string_equal(r, "1 2");
    free(r);
}

/* ---- random input ---------------------------------------------------------- */

typedef struct inv {
    size_t n;
    int ntok, last_start;
} inv;

/* Checks the invariants every token stream must keep. */
static int check_tok(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    inv *v = ctx;
    assert_true(len > 0 && len <= SRCH_MAX_TOKEN);
    assert_true(start >= 0 && start < end && (size_t)end <= v->n);
    assert_true(start >= v->last_start);
    if (flags & SRCH_COLOCATED) assert_true(v->ntok > 0 && start == v->last_start);
    assert_true(util_utf8_valid(tok, len));
    v->last_start = start;
    v->ntok++;
    return 0;
}

static uint64_t fz_state = 0x9E3779B97F4A7C15ull;
static unsigned fz(void)
{
    fz_state ^= fz_state << 13;
    fz_state ^= fz_state >> 7;
    fz_state ^= fz_state << 17;
    return (unsigned)(fz_state >> 32);
}

/* Random text: ASCII, FTS5 syntax, CJK, full-width, broken UTF-8. */
static void fz_text(buf *b, int len)
{
    static const char *const parts[] = {
        "芯", "片",   "组",   "专利", "封装", " ",  "\"", "*",  "(", ")", ":", "^",  "+",
        "-",  "AND",  "OR",   "NOT",  "NEAR", "ａ", "Ｚ", "０", "é", "Ω", "ж", "カ", "한",
        "。", "\xe8", "\x8a", "\xff", "x",    "Y",  "7",  "\t", "{", "}", ",", "　", "\xf0\xa0\x80\x80"};
    for (int i = 0; i < len; i++) buf_puts(b, parts[fz() % (sizeof parts / sizeof parts[0])]);
}

static void test_random_input(void **state)
{
    fdb *f = *state;
    sqlite3_stmt *ins, *q;
    assert_int_equal(sqlite3_prepare_v2(f->db, "INSERT INTO t (title, body) VALUES (?1, ?2)", -1, &ins, NULL),
                     SQLITE_OK);
    for (int i = 0; i < 300; i++) {
        buf a = BUF_INIT, b = BUF_INIT;
        fz_text(&a, (int)(fz() % 12));
        fz_text(&b, (int)(fz() % 80));
        for (int mode = 0; mode < 2; mode++) {
            inv v = {b.len, 0, 0};
            srch_tokenize(b.s, b.len, mode, check_tok, &v);
        }
        sqlite3_bind_text(ins, 1, a.s ? a.s : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, b.s ? b.s : "", -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
        buf_free(&a);
        buf_free(&b);
    }
    sqlite3_finalize(ins);
    exec_ok(f->db, "INSERT INTO t (t) VALUES ('integrity-check')");
    assert_int_equal(
        sqlite3_prepare_v2(f->db,
                           "SELECT cjk_highlight(t, 1, '[', ']', ?1), cjk_snippet(t, -1, '[', ']', '…', 7, ?1),"
                           " cjk_highlight(t, 0, '', ''), snippet(t, 1, '[', ']', '…', 5), title"
                           " FROM t WHERE t MATCH ?1 ORDER BY cjk_rank(t, 2.0, 1.0) LIMIT 50",
                           -1, &q, NULL),
        SQLITE_OK);
    int queries = 0;
    for (int i = 0; i < 300; i++) {
        buf u = BUF_INIT;
        fz_text(&u, 1 + (int)(fz() % 6));
        char *x = srch_match_expr(u.s);
        if (x) {
            queries++;
            sqlite3_bind_text(q, 1, x, -1, SQLITE_TRANSIENT);
            int rc;
            while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                /* a highlight with empty marks is the column text itself */
                assert_non_null(sqlite3_column_text(q, 0));
                assert_non_null(sqlite3_column_text(q, 1));
                assert_string_equal((const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 4));
            }
            if (rc != SQLITE_DONE) fail_msg("query [%s] -> [%s]: %s", u.s, x, sqlite3_errmsg(f->db));
            sqlite3_reset(q);
            free(x);
        }
        buf_free(&u);
    }
    sqlite3_finalize(q);
    assert_true(queries > 200);
}

/* ---- parsed queries, tsquery and tsvector literals ------------------------ */

static void test_query_parse(void **state)
{
    (void)state;
    assert_null(srch_query_parse(NULL));
    assert_null(srch_query_parse(""));
    assert_null(srch_query_parse(" ，。* "));
    srch_query *q = srch_query_parse("芯片组 Vehicle 芯 autonom* a* 芯片*");
    assert_non_null(q);
    assert_int_equal(q->n, 6);
    assert_int_equal(q->ph[0].ntok, 2);
    assert_string_equal(q->ph[0].tok[0], "芯片");
    assert_string_equal(q->ph[0].tok[1], "片组");
    assert_int_equal(q->ph[0].len[1], 6);
    assert_true(q->ph[0].big && !q->ph[0].prefix);
    assert_string_equal(q->ph[1].tok[0], "vehicle");
    assert_true(!q->ph[1].big && !q->ph[1].prefix);
    assert_string_equal(q->ph[2].tok[0], "芯");
    assert_false(q->ph[2].big);
    assert_true(q->ph[3].prefix);  /* autonom* */
    assert_false(q->ph[4].prefix); /* a one-byte prefix is not one */
    assert_false(q->ph[5].prefix); /* nor a CJK one */
    char *m = srch_query_match(q);
    assert_string_equal(m, "\"芯片 片组\" AND \"vehicle\" AND \"芯\" AND \"autonom\" * AND \"a\" AND \"芯片\"");
    free(m);
    char *t = srch_query_tsquery(q, -1);
    assert_string_equal(t, "('芯片' <-> '片组') & ('vehicle') & ('芯') & ('autonom':*) & ('a') & ('芯片')");
    free(t);
    t = srch_query_tsquery(q, 0);
    assert_string_equal(t, "'芯片' <-> '片组'");
    free(t);
    t = srch_query_tsquery(q, 3);
    assert_string_equal(t, "'autonom':*");
    free(t);
    srch_query_free(q);
    q = srch_query_parse("x-ray");
    t = srch_query_tsquery(q, -1);
    assert_string_equal(t, "'x' <-> 'ray'"); /* one phrase: no parentheses */
    free(t);
    srch_query_free(q);
    /* the parsed query gives exactly srch_match_expr()'s expression */
    for (int i = 0; i < 2000; i++) {
        buf u = BUF_INIT;
        fz_text(&u, (int)(fz() % 40));
        char *x = srch_match_expr(u.s ? u.s : "");
        q = srch_query_parse(u.s ? u.s : "");
        if (!x) assert_null(q);
        else {
            assert_non_null(q);
            char *y = srch_query_match(q);
            assert_string_equal(x, y);
            free(y);
            assert_true(q->n >= 1 && q->n <= SRCH_MAX_TERMS);
        }
        srch_query_free(q);
        free(x);
        buf_free(&u);
    }
}

static void test_tsvector(void **state)
{
    (void)state;
    const char *cols[3] = {"芯片组", NULL, "Ab"};
    const int order[3] = {0, 2, 1};
    char *v = srch_tsvector(cols, order, 3);
    /* column 0 at 1..3, an unused position 4, column 2 (weight C) at 5 */
    assert_string_equal(v, "'芯':1A '芯片':1A '片':2A '片组':2A '组':3A 'ab':5C");
    free(v);
    const char *one[2] = {"a b", "c"};
    v = srch_tsvector(one, NULL, 2);
    assert_string_equal(v, "'a':1A 'b':2A 'c':4B");
    free(v);
    const char *none[2] = {"", "，。"};
    v = srch_tsvector(none, NULL, 2);
    assert_string_equal(v, "");
    free(v);
    /* positions stop at the largest PostgreSQL stores */
    buf big = BUF_INIT;
    for (int i = 0; i < SRCH_TSV_MAXPOS + 10; i++) buf_puts(&big, "x ");
    const char *bc[1] = {big.s};
    v = srch_tsvector(bc, NULL, 1);
    assert_non_null(strstr(v, ":16383A"));
    assert_null(strstr(v, ":16384A"));
    free(v);
    buf_free(&big);
}

/* ---- the neutral matcher and scorer against FTS5 (and PostgreSQL) ------- */

/* Random text with few distinct tokens, so that queries match often. */
static void dense_text(buf *b, int len)
{
    static const char *const parts[] = {"芯", "片", "组",  "芯片", "哈", "哈哈", " ", "a",    "ab",  "abc",
                                        "Ab", "，", "x-y", "\"",   "'",  "\\",   "é", "ａｂ", "片芯"};
    for (int i = 0; i < len; i++) buf_puts(b, parts[fz() % (sizeof parts / sizeof parts[0])]);
}

/* One random document of the comparison corpus. */
typedef struct rdoc {
    char *col[2];
} rdoc;

#define RDOCS 250
#define RQUERIES 400

/* What srch_col_* find in doc d for q: whether every phrase matches, the
 * weighted counts per phrase (weights 2 and 1) into f, and the highlight
 * of column c with [ ] into hl[c]. */
static int neutral_match(const rdoc *d, const srch_query *q, double *f, char *hl[2])
{
    memset(f, 0, (size_t)q->n * sizeof *f);
    int *hit = calloc((size_t)q->n, sizeof *hit);
    for (int c = 0; c < 2; c++) {
        srch_col col;
        srch_col_init(&col, d->col[c], (int)strlen(d->col[c]));
        double w[SRCH_MAX_TERMS] = {0};
        srch_col_match(&col, q, c == 0 ? 2.0 : 1.0, w);
        for (int i = 0; i < q->n; i++) {
            f[i] += w[i];
            hit[i] |= w[i] > 0;
        }
        buf b = BUF_INIT;
        srch_col_highlight(&col, &b, "[", "]");
        hl[c] = b.s ? buf_detach(&b) : strdup("");
        srch_col_free(&col);
    }
    int all = 1;
    for (int i = 0; i < q->n; i++) all &= hit[i];
    free(hit);
    return all;
}

static void test_neutral_vs_fts5(void **state)
{
    fdb *f = *state;
    exec_ok(f->db, "CREATE VIRTUAL TABLE r USING fts5(title, body, tokenize='cjk')");
    rdoc *docs = calloc(RDOCS, sizeof *docs);
    sqlite3_stmt *ins, *q;
    assert_int_equal(
        sqlite3_prepare_v2(f->db, "INSERT INTO r (rowid, title, body) VALUES (?1, ?2, ?3)", -1, &ins, NULL), SQLITE_OK);
    for (int i = 0; i < RDOCS; i++) {
        for (int c = 0; c < 2; c++) {
            buf b = BUF_INIT;
            dense_text(&b, (int)(fz() % (c ? 40 : 10)));
            docs[i].col[c] = b.s ? buf_detach(&b) : strdup("");
        }
        sqlite3_bind_int(ins, 1, i + 1);
        sqlite3_bind_text(ins, 2, docs[i].col[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, docs[i].col[1], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_prepare_v2(f->db,
                                        "SELECT rowid, cjk_rank(r, 2.0, 1.0), cjk_highlight(r, 0, '[', ']', ?1),"
                                        " cjk_highlight(r, 1, '[', ']', ?1) FROM r WHERE r MATCH ?1 ORDER BY rowid",
                                        -1, &q, NULL),
                     SQLITE_OK);

    /* PostgreSQL: the same documents as tsvectors (weights A, B) */
    tdb pg;
    memset(&pg, 0, sizeof pg);
    store_stmt *pst = NULL;
    err e = ERR_INIT;
    if (tdb_is_pg()) {
        tdb_fresh(&pg);
        T_OK(store_open(pg.path, &pg.db, &e), &e);
        T_OK(store_exec(pg.db, "CREATE TABLE r (id BIGINT PRIMARY KEY, tsv TSVECTOR NOT NULL)", &e), &e);
        for (int i = 0; i < RDOCS; i++) {
            const char *cols[2] = {docs[i].col[0], docs[i].col[1]};
            char *v = srch_tsvector(cols, NULL, 2);
            store_stmt *st = store_prepare(pg.db, "INSERT INTO r (id, tsv) VALUES (?, ?::tsvector)", &e);
            assert_non_null(st);
            store_bind_int(st, 1, i + 1);
            store_bind_text(st, 2, v);
            if (store_step(st, &e) < 0) fail_msg("tsvector [%s]: %s", v, err_msg(&e, LANG_EN));
            store_done(st);
            free(v);
        }
    }

    int nonempty = 0, exact = 0, overlapping = 0;
    for (int k = 0; k < RQUERIES; k++) {
        buf u = BUF_INIT;
        dense_text(&u, 1 + (int)(fz() % 4));
        if (fz() % 5 == 0) buf_puts(&u, fz() % 2 ? "*" : " 芯");
        srch_query *sq = srch_query_parse(u.s);
        if (!sq) {
            buf_free(&u);
            continue;
        }
        char *x = srch_query_match(sq);
        /* the neutral side: matches, counts, IDFs, scores, marks */
        int *want = calloc(RDOCS, sizeof *want);
        double *fs = calloc((size_t)RDOCS * (size_t)sq->n, sizeof *fs);
        char *(*hl)[2] = calloc(RDOCS, sizeof *hl);
        int64_t nhit[SRCH_MAX_TERMS] = {0};
        for (int i = 0; i < RDOCS; i++) {
            want[i] = neutral_match(&docs[i], sq, fs + (size_t)i * (size_t)sq->n, hl[i]);
            for (int p = 0; p < sq->n; p++) nhit[p] += fs[(size_t)i * (size_t)sq->n + (size_t)p] > 0;
        }
        double idf[SRCH_MAX_TERMS];
        for (int p = 0; p < sq->n; p++) idf[p] = srch_idf(RDOCS, nhit[p]);
        /* FTS5 agrees on the rows, the scores (bit for bit) and the marks */
        sqlite3_bind_text(q, 1, x, -1, SQLITE_TRANSIENT);
        int got = 0, rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            int id = sqlite3_column_int(q, 0);
            if (!want[id - 1]) fail_msg("query [%s]: FTS5 matches row %d, srch_col_match does not", x, id);
            want[id - 1] = 2;
            double score = srch_bm25(idf, fs + (size_t)(id - 1) * (size_t)sq->n, sq->n);
            if (-sqlite3_column_double(q, 1) != score)
                fail_msg("query [%s] row %d: cjk_rank %.17g, srch_bm25 %.17g", x, id, -sqlite3_column_double(q, 1),
                         score);
            for (int c = 0; c < 2; c++)
                if (strcmp((const char *)sqlite3_column_text(q, 2 + c), hl[id - 1][c]))
                    fail_msg("query [%s] row %d col %d: cjk_highlight [%s], srch_col [%s]", x, id, c,
                             (const char *)sqlite3_column_text(q, 2 + c), hl[id - 1][c]);
            got++;
        }
        if (rc != SQLITE_DONE) fail_msg("query [%s]: %s", x, sqlite3_errmsg(f->db));
        sqlite3_reset(q);
        for (int i = 0; i < RDOCS; i++)
            if (want[i] == 1) fail_msg("query [%s]: srch_col_match matches row %d, FTS5 does not", x, i + 1);
        nonempty += got > 0;
        /* PostgreSQL agrees on the rows and on the weighted counts */
        if (pg.db) {
            char *tq = srch_query_tsquery(sq, -1);
            buf sql = BUF_INIT;
            buf_puts(&sql, "SELECT id");
            for (int p = 0; p < sq->n; p++)
                buf_puts(&sql, ", round(ts_rank_cd('{1,1,0.5,1}'::real[], tsv, ?::tsquery, 0) * 2)");
            buf_puts(&sql, " FROM r WHERE tsv @@ ?::tsquery ORDER BY id");
            pst = store_prepare(pg.db, sql.s, &e);
            buf_free(&sql);
            assert_non_null(pst);
            char *ph[SRCH_MAX_TERMS];
            for (int p = 0; p < sq->n; p++) {
                ph[p] = srch_query_tsquery(sq, p);
                store_bind_text(pst, p + 1, ph[p]);
            }
            store_bind_text(pst, sq->n + 1, tq);
            int pgot = 0;
            while ((rc = store_step(pst, &e)) == 1) {
                int id = (int)store_col_int(pst, 0);
                if (want[id - 1] != 2)
                    fail_msg("query [%s] = [%s]: PostgreSQL matches row %d, FTS5 does not", x, tq, id);
                for (int p = 0; p < sq->n; p++) {
                    double fw = fs[(size_t)(id - 1) * (size_t)sq->n + (size_t)p];
                    if (srch_phrase_overlaps(&sq->ph[p])) {
                        overlapping++; /* pgsearch.c counts these in C; ts_rank_cd may count less */
                        assert_true(store_col_double(pst, 1 + p) <= fw);
                        continue;
                    }
                    exact++;
                    if (store_col_double(pst, 1 + p) != fw)
                        fail_msg("query [%s] row %d phrase %d [%s]: ts_rank_cd count %g, FTS5 %g", x, id, p, ph[p],
                                 store_col_double(pst, 1 + p), fw);
                }
                pgot++;
            }
            store_done(pst);
            if (rc < 0) fail_msg("query [%s]: %s", tq, err_msg(&e, LANG_EN));
            if (pgot != got) fail_msg("query [%s] = [%s]: PostgreSQL %d rows, FTS5 %d", x, tq, pgot, got);
            for (int p = 0; p < sq->n; p++) free(ph[p]);
            free(tq);
        }
        for (int i = 0; i < RDOCS; i++) {
            free(hl[i][0]);
            free(hl[i][1]);
        }
        free(hl);
        free(fs);
        free(want);
        free(x);
        srch_query_free(sq);
        buf_free(&u);
    }
    sqlite3_finalize(q);
    assert_true(nonempty > RQUERIES / 4);
    if (pg.db) assert_true(exact > 1000 && overlapping > 50);
    for (int i = 0; i < RDOCS; i++) {
        free(docs[i].col[0]);
        free(docs[i].col[1]);
    }
    free(docs);
    if (pg.db) {
        store_close(pg.db);
        pg.db = NULL;
        tdb_drop(&pg);
    }
}

/* ---- optional benchmark --------------------------------------------------- */

/* 120 frequent characters of Chinese patent titles; words are drawn from
 * real terms and from pairs of these. */
static const char POOL[] = "一种装置方法系统结构及其制备用于基板芯片封装电路模块控制数据处理信号传输检测设备"
                           "材料组合物发酵香料电池电极充电车辆显示面板光学图像识别网络通信终端存储介质计算机程"
                           "序机器人驱动电机齿轮轴承阀门管道冷却加热温度传感器压力流体反应催化剂聚合";
static const char *const TERMS[] = {
    "芯片",     "封装",       "结构",     "方法",   "装置",     "系统",   "基板",     "电路",   "模块", "控制",
    "数据",     "处理",       "信号",     "传输",   "检测",     "设备",   "材料",     "组合物", "发酵", "香料",
    "电池",     "电极",       "充电",     "车辆",   "显示面板", "光学",   "图像识别", "网络",   "通信", "终端",
    "存储介质", "计算机程序", "机器人",   "驱动",   "电机",     "齿轮",   "轴承",     "阀门",   "管道", "冷却",
    "加热",     "温度传感器", "压力",     "流体",   "反应",     "催化剂", "聚合物",   "甘草",   "专利", "质押",
    "融资",     "服务平台",   "知识产权", "半导体", "集成电路", "锂离子", "新能源",   "智能",   "自动",
};
#define NTERMS ((int)(sizeof TERMS / sizeof TERMS[0]))
#define NSYN 2000 /* synthetic two-character words */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Word k of the vocabulary (real terms first, then synthetic pairs) into b. */
static void vocab_word(buf *b, int k)
{
    if (k < NTERMS) {
        buf_puts(b, TERMS[k]);
        return;
    }
    int npool = (int)(sizeof POOL - 1) / 3;
    unsigned h = (unsigned)k * 2654435761u;
    buf_add(b, POOL + 3 * (h % (unsigned)npool), 3);
    buf_add(b, POOL + 3 * ((h >> 12) % (unsigned)npool), 3);
}

/* A Zipf-ish pick: low indexes (real terms) are much more frequent. */
static int zipf_pick(int n)
{
    double u = (double)(rng() >> 11) / 9007199254740992.0;
    int k = (int)((double)n * u * u * u);
    return k < n ? k : n - 1;
}

static int count_tok(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    ++*(size_t *)ctx;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs every query through sql (?1 = its expression) and prints the
 * median, p90 and max time; hits[] (when given) holds each query's match
 * count and the medians are also printed per class of hit count. */
static void bench_queries(sqlite3 *db, const char *label, const char *sql, char **qs, int nq, const long *hits)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    double *ms = calloc((size_t)nq, sizeof *ms), *cls[3];
    int ncls[3] = {0, 0, 0};
    for (int c = 0; c < 3; c++) cls[c] = calloc((size_t)nq, sizeof(double));
    for (int i = 0; i < nq; i++) {
        char *x = srch_match_expr(qs[i]);
        double t0 = util_now();
        sqlite3_bind_text(st, 1, x, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
        }
        sqlite3_reset(st);
        ms[i] = (util_now() - t0) * 1000.0;
        if (hits) {
            int c = hits[i] <= 1000 ? 0 : hits[i] <= 10000 ? 1 : 2;
            cls[c][ncls[c]++] = ms[i];
        }
        free(x);
    }
    sqlite3_finalize(st);
    qsort(ms, (size_t)nq, sizeof *ms, cmp_double);
    printf("  %-30s median %7.3f ms  p90 %8.3f ms  max %8.3f ms", label, ms[nq / 2], ms[nq * 9 / 10], ms[nq - 1]);
    static const char *const cname[] = {"<=1k hits", "<=10k", ">10k"};
    for (int c = 0; hits && c < 3; c++) {
        qsort(cls[c], (size_t)ncls[c], sizeof(double), cmp_double);
        if (ncls[c]) printf("  | %s: %.3f", cname[c], cls[c][ncls[c] / 2]);
    }
    printf("\n");
    for (int c = 0; c < 3; c++) free(cls[c]);
    free(ms);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static void test_bench(void **state)
{
    const char *env = getenv("IPCITY_SEARCH_BENCH");
    if (!env || atol(env) <= 0) return;
    fdb *f = *state;
    long n = atol(env);
    int nvocab = NTERMS + NSYN;
    static const char *const suffix[] = {"方法", "装置", "系统", "及其制备方法", "结构", "及其应用"};

    /* titles */
    char **titles = calloc((size_t)n, sizeof *titles);
    size_t bytes = 0;
    for (long i = 0; i < n; i++) {
        buf b = BUF_INIT;
        if (rng() % 3) buf_puts(&b, "一种");
        int k = 2 + (int)(rng() % 4);
        for (int j = 0; j < k; j++) vocab_word(&b, zipf_pick(nvocab));
        buf_puts(&b, suffix[rng() % 6]);
        if (rng() % 10 == 0) buf_printf(&b, " Model-%ldX", i % 997);
        bytes += b.len;
        titles[i] = buf_detach(&b);
    }

    /* the tokenizer alone */
    size_t ntok = 0;
    double t0 = util_now();
    for (long i = 0; i < n; i++) srch_tokenize(titles[i], strlen(titles[i]), 0, count_tok, &ntok);
    double dt = util_now() - t0;
    printf("search bench: %ld titles, %.1f MB, avg %.1f bytes\n", n, (double)bytes / 1e6, (double)bytes / n);
    printf("  tokenizer: %.1f MB/s, %.1f M tokens/s (%zu tokens)\n", (double)bytes / 1e6 / dt, (double)ntok / 1e6 / dt,
           ntok);

    /* indexing */
    exec_ok(f->db, "CREATE VIRTUAL TABLE b USING fts5(title, tokenize='cjk')");
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_prepare_v2(f->db, "INSERT INTO b (rowid, title) VALUES (?, ?)", -1, &ins, NULL),
                     SQLITE_OK);
    t0 = util_now();
    exec_ok(f->db, "BEGIN");
    for (long i = 0; i < n; i++) {
        sqlite3_bind_int64(ins, 1, i + 1);
        sqlite3_bind_text(ins, 2, titles[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    exec_ok(f->db, "COMMIT");
    sqlite3_finalize(ins);
    dt = util_now() - t0;
    printf("  index: %.1f s, %.0f docs/s\n", dt, (double)n / dt);
    t0 = util_now();
    exec_ok(f->db, "INSERT INTO b (b) VALUES ('optimize')");
    printf("  optimize: %.1f s\n", util_now() - t0);
    char *size = rows(f->db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", NULL);
    printf("  database size: %.1f MB (%.0f bytes/title)\n", atof(size) / 1e6, atof(size) / (double)n);
    free(size);

    /* queries: 1-4 character words drawn uniformly from the vocabulary and
     * from titles' substrings, some two-term */
    int nq = 400;
    char **qs = calloc((size_t)nq, sizeof *qs);
    for (int i = 0; i < nq; i++) {
        buf b = BUF_INIT;
        switch (i % 4) {
        case 0: vocab_word(&b, (int)(rng() % (unsigned)nvocab)); break;
        case 1: buf_puts(&b, TERMS[rng() % NTERMS]); break;
        case 2: /* one character */ buf_add(&b, POOL + 3 * (rng() % ((sizeof POOL - 1) / 3)), 3); break;
        default:
            vocab_word(&b, (int)(rng() % (unsigned)nvocab));
            buf_putc(&b, ' ');
            vocab_word(&b, (int)(rng() % (unsigned)nvocab));
        }
        qs[i] = buf_detach(&b);
    }
    /* match counts, for the per-class medians */
    long *hits = calloc((size_t)nq, sizeof *hits);
    long *sorted = calloc((size_t)nq, sizeof *sorted);
    sqlite3_stmt *cnt;
    assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT count(*) FROM b WHERE b MATCH ?1", -1, &cnt, NULL), SQLITE_OK);
    int nclass[3] = {0, 0, 0};
    for (int i = 0; i < nq; i++) {
        char *x = srch_match_expr(qs[i]);
        sqlite3_bind_text(cnt, 1, x, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(cnt), SQLITE_ROW);
        sorted[i] = hits[i] = sqlite3_column_int64(cnt, 0);
        nclass[hits[i] <= 1000 ? 0 : hits[i] <= 10000 ? 1 : 2]++;
        sqlite3_reset(cnt);
        free(x);
    }
    sqlite3_finalize(cnt);
    qsort(sorted, (size_t)nq, sizeof *sorted, cmp_long);
    printf("  queries: %d; hits median %ld, p90 %ld, max %ld; %d with <=1k hits, %d <=10k, %d >10k\n", nq,
           sorted[nq / 2], sorted[nq * 9 / 10], sorted[nq - 1], nclass[0], nclass[1], nclass[2]);
    free(sorted);

    bench_queries(f->db, "count(*)", "SELECT count(*) FROM b WHERE b MATCH ?1", qs, nq, hits);
    bench_queries(f->db, "LIMIT 20 (no ranking)", "SELECT rowid FROM b WHERE b MATCH ?1 LIMIT 20", qs, nq, hits);
    bench_queries(f->db, "ORDER BY rank (bm25) LIMIT 20", "SELECT rowid FROM b WHERE b MATCH ?1 ORDER BY rank LIMIT 20",
                  qs, nq, hits);
    bench_queries(f->db, "ORDER BY cjk_rank LIMIT 20",
                  "SELECT rowid FROM b WHERE b MATCH ?1 ORDER BY cjk_rank(b) LIMIT 20", qs, nq, hits);
    bench_queries(f->db, "cjk_rank + cjk_snippet",
                  "SELECT cjk_snippet(b, 0, '<b>', '</b>', '…', 16, ?1) FROM b WHERE b MATCH ?1"
                  " ORDER BY cjk_rank(b) LIMIT 20",
                  qs, nq, hits);
    free(hits);
    for (int i = 0; i < nq; i++) free(qs[i]);
    free(qs);
    for (long i = 0; i < n; i++) free(titles[i]);
    free(titles);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenize_mixed),
        cmocka_unit_test(test_tokenize_cjk_runs),
        cmocka_unit_test(test_tokenize_words),
        cmocka_unit_test(test_tokenize_long_word),
        cmocka_unit_test(test_tokenize_stop),
        cmocka_unit_test(test_match_expr),
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test(test_tsvector),
        cmocka_unit_test_setup_teardown(test_fts_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_bm25_weights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_snippet_builtin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_cjk_highlight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fts_register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neutral_vs_fts5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bench, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
