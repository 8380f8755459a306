/*
 * ingest.c - upserting IP documents, and the patent/event templates.
 */
#include "ingest.h"

#include "registry.h"

#include "../base/strmap.h"
#include "../base/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_KEPT 1000

void ingest_init(ingest_ctx *c, store *db, const rec_actor *a, const char *fname)
{
    memset(c, 0, sizeof *c);
    c->db = db;
    c->actor = a;
    c->fname = fname;
}

void ingest_free(ingest_ctx *c)
{
    err_clear(&c->problems);
    strmap_free(c->pf_known);
    strmap_free(c->pf_asked);
    c->pf_known = c->pf_asked = NULL;
}

/* The answer an ingest_batch looked up ahead for appno: 1 with *val (NULL
 * when no live patent has it), or 0 when it was not looked up or (consume)
 * a patent row used the answer already. */
static int prefetched(ingest_ctx *c, const char *appno, int consume, const char **val)
{
    *val = NULL;
    if (!c->pf_asked || !strmap_get(c->pf_asked, appno, NULL)) return 0;
    *val = strmap_get(c->pf_known, appno, NULL);
    if (consume) strmap_put(c->pf_asked, appno, NULL);
    return 1;
}

/* Records one problem of row `row` (column col, field) in both languages. */
static int column_of(const struct tpl_map *m, const char *field);

static void problem(ingest_ctx *c, long row, long col, const char *field, const char *code, const char *zh,
                    const char *en)
{
    if (c->nerr++ >= MAX_KEPT) return;
    if (!col && field && c->map) col = column_of(c->map, field);
    char *z = row ? xasprintf("第 %ld 行：%s", row, zh) : xstrdup(zh);
    char *n = row ? xasprintf("Row %ld: %s", row, en) : xstrdup(en);
    if (col) {
        free(z);
        free(n);
        z = xasprintf("第 %ld 行第 %ld 列：%s", row, col, zh);
        n = xasprintf("Row %ld, column %ld: %s", row, col, en);
    }
    err_item_msg(&c->problems, field, row, col, code, z, n);
    free(z);
    free(n);
}

/* Copies the problems of a failed write (re) into the context. */
static void take_problems(ingest_ctx *c, err *re, long row)
{
    if (re->items) {
        size_t i;
        json_t *it;
        json_array_foreach(re->items, i, it)
        problem(c, row, (long)json_integer_value(json_object_get(it, "column")),
                json_string_value(json_object_get(it, "field")), json_string_value(json_object_get(it, "code")),
                json_string_value(json_object_get(it, "message_zh")), json_string_value(json_object_get(it, "message_en")));
    } else
        problem(c, row, re->col, re->field, re->code ? re->code : "invalid", err_msg(re, LANG_ZH), err_msg(re, LANG_EN));
}

/* Keeps only the keys that are fields of t (documents may carry more). */
static json_t *only_fields(const rec_type *t, json_t *doc)
{
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) if (rec_field_find(t, k) || !strcmp(k, "dept")) json_object_set(o, k, v);
    return o;
}

/* Counts the outcome of one row's write: 0 written, 1 rejected (problems
 * recorded), -1 a storage failure (moved into e). */
static int settle_row(ingest_ctx *c, int rc, rec_outcome oc, err *re, long row, err *e)
{
    if (rc == 0) {
        if (oc == REC_CREATED) c->created++;
        else if (oc == REC_UPDATED) c->updated++;
        else c->unchanged++;
        return 0;
    }
    if (re->status >= 500) {
        err_move(e, re);
        return -1;
    }
    take_problems(c, re, row);
    err_clear(re);
    return 1;
}

int ingest_record(ingest_ctx *c, const rec_type *t, json_t *doc, long row, err *e)
{
    c->rows++;
    err re = ERR_INIT;
    json_t *in = only_fields(t, doc);
    rec_outcome oc = REC_UNCHANGED;
    int rc = rec_upsert_tx(c->db, t, c->actor, in, REC_UPSERT_BULK, &oc, NULL, &re);
    json_decref(in);
    return settle_row(c, rc, oc, &re, row, e);
}

/* Inserts a patent known not to exist yet. */
static int insert_new(ingest_ctx *c, json_t *doc, long row, err *e)
{
    c->rows++;
    err re = ERR_INIT;
    json_t *in = only_fields(&type_patent, doc);
    int64_t id;
    int rc = rec_insert_tx(c->db, &type_patent, c->actor, in, &id, &re);
    json_decref(in);
    return settle_row(c, rc, REC_CREATED, &re, row, e);
}

/* The date a patent document speaks for: its latest publication. */
static const char *doc_date(const char *pub, const char *grant)
{
    if (pub && grant) return strcmp(pub, grant) > 0 ? pub : grant;
    return pub ? pub : grant;
}

/* An application is published more than once (A, then B/C/U...): a
 * document older than what is stored for the same application (by its
 * latest publication date) is not allowed to overwrite it, which also keeps
 * re-imports of files holding both publications idempotent. */
int ingest_patent(ingest_ctx *c, json_t *doc, long row, err *e)
{
    const char *appno = json_string_value(json_object_get(doc, "appno"));
    const char *mine = doc_date(json_string_value(json_object_get(doc, "pub_date")),
                                json_string_value(json_object_get(doc, "grant_date")));
    if (appno && !mine && c->pf_asked) { /* this row may create the patent: the look-ahead is stale now */
        buf norm = BUF_INIT;
        err ce = ERR_INIT;
        const char *known;
        if (!rec_field_find(&type_patent, "appno")->check(appno, &norm, &ce))
            prefetched(c, norm.len ? norm.s : appno, 1, &known);
        err_clear(&ce);
        buf_free(&norm);
    }
    if (appno && mine) {
        buf norm = BUF_INIT;
        err ce = ERR_INIT;
        const rec_field *f = rec_field_find(&type_patent, "appno");
        if (!f->check(appno, &norm, &ce)) {
            const char *key_appno = norm.len ? norm.s : appno, *known;
            int r, older = 0, absent;
            if (prefetched(c, key_appno, 1, &known)) { /* "" = stored without dates */
                r = known ? 1 : 0;
                absent = !known;
                older = known && *known && strcmp(mine, known) < 0;
            } else {
                json_t *key = json_pack("{s:s}", "appno", key_appno);
                int sr = rec_bulk_sync_key(c->db, &type_patent, key, e);
                json_decref(key);
                store_stmt *st = sr ? NULL
                                    : store_prepare(c->db,
                                                    "SELECT pub_date, grant_date, id FROM patents WHERE appno = ? AND"
                                                    " deleted_at IS NULL",
                                                    e);
                if (!st) {
                    buf_free(&norm);
                    return -1;
                }
                store_bind_text(st, 1, key_appno);
                r = store_step(st, e);
                absent = r == 0;
                if (r == 1) {
                    const char *theirs = doc_date(store_col_text(st, 0), store_col_text(st, 1));
                    older = theirs && strcmp(mine, theirs) < 0;
                }
                store_done(st);
            }
            buf_free(&norm);
            if (r < 0) return -1;
            if (older) {
                c->rows++;
                c->unchanged++;
                return 0;
            }
            if (absent) return insert_new(c, doc, row, e); /* no second look-up */
        } else {
            buf_free(&norm);
            err_clear(&ce);
        }
    }
    return ingest_record(c, &type_patent, doc, row, e);
}

int ingest_event(ingest_ctx *c, json_t *ev, long row, err *e)
{
    const char *appno = json_string_value(json_object_get(ev, "appno"));
    if (!appno || !*appno) {
        c->rows++;
        problem(c, row, 0, "appno", "validation.required", "缺少申请号", "The application number is missing");
        return 1;
    }
    const rec_field *f = rec_field_find(&type_patent, "appno");
    buf norm = BUF_INIT;
    err ce = ERR_INIT;
    if (f->check(appno, &norm, &ce)) {
        c->rows++;
        char *zh = xasprintf("申请号“%s”：%s", appno, err_msg(&ce, LANG_ZH));
        char *en = xasprintf("Application number \"%s\": %s", appno, err_msg(&ce, LANG_EN));
        problem(c, row, 0, "appno", ce.code, zh, en);
        free(zh);
        free(en);
        err_clear(&ce);
        buf_free(&norm);
        return 1;
    }
    int64_t pid = 0;
    const char *known;
    int rc = 0;
    if (prefetched(c, norm.len ? norm.s : appno, 0, &known)) {
        if (known) pid = strtoll(known, NULL, 10);
    } else {
        json_t *key = json_pack("{s:s}", "appno", norm.len ? norm.s : appno);
        rc = rec_bulk_sync_key(c->db, &type_patent, key, e);
        json_decref(key);
        if (!rc)
            rc = store_query_int(c->db, "SELECT id FROM patents WHERE appno = ? AND deleted_at IS NULL", &pid, e, 1,
                                 norm.len ? norm.s : appno);
    }
    if (rc) {
        buf_free(&norm);
        return -1;
    }
    if (!pid) {
        c->rows++;
        char *zh = xasprintf("申请号 %s 的专利不在登记簿中，请先导入该专利", norm.len ? norm.s : appno);
        char *en = xasprintf("Patent %s is not in the registry; import the patent first", norm.len ? norm.s : appno);
        problem(c, row, 0, "appno", "validation.reference", zh, en);
        free(zh);
        free(en);
        buf_free(&norm);
        return 1;
    }
    buf_free(&norm);
    json_t *in = json_deep_copy(ev);
    json_object_del(in, "appno");
    json_object_set_new(in, "patent", json_integer(pid));
    rc = ingest_record(c, &type_patent_event, in, row, e);
    json_decref(in);
    return rc;
}

/* ---- templates ---- */

typedef enum {
    CV_TEXT,      /* the field as text (typed by the record layer) */
    CV_LIST,      /* list of strings: ipc, cpc, inventors */
    CV_PARTY,     /* parties[].member from a list; arg = array field, sub = member */
    CV_PRIORITY,  /* "US 14042670 2013-09-30; ..." */
    CV_FAMILY,    /* "US US10123456 已授权; EP EP1234567 未授权" */
    CV_AWARD,     /* "中国专利奖 金奖 2020; 国家科学技术奖 二等奖 2019" */
} conv;

typedef struct tpl_col {
    const char *zh, *en, *field;
    conv cv;
    const char *sub;
    int required;
} tpl_col;

static const tpl_col patent_cols[] = {
    {"申请号", "Application number", "appno", CV_TEXT, NULL, 1},
    {"受理局", "Office", "country", CV_TEXT, NULL, 0},
    {"专利类型", "Type", "kind", CV_TEXT, NULL, 1},
    {"名称", "Title", "title", CV_TEXT, NULL, 1},
    {"摘要", "Abstract", "abstract", CV_TEXT, NULL, 0},
    {"申请日", "Filing date", "filing_date", CV_TEXT, NULL, 0},
    {"公开（公告）号", "Publication number", "pub_no", CV_TEXT, NULL, 0},
    {"公开日", "Publication date", "pub_date", CV_TEXT, NULL, 0},
    {"授权公告号", "Grant number", "grant_no", CV_TEXT, NULL, 0},
    {"授权公告日", "Grant date", "grant_date", CV_TEXT, NULL, 0},
    {"IPC分类号", "IPC", "ipc", CV_LIST, NULL, 0},
    {"CPC分类号", "CPC", "cpc", CV_LIST, NULL, 0},
    {"申请人", "Applicants", "applicants", CV_PARTY, "name", 0},
    {"申请人地址", "Applicant addresses", "applicants", CV_PARTY, "address", 0},
    {"申请人国别", "Applicant countries", "applicants", CV_PARTY, "country", 0},
    {"专利权人", "Patentees", "patentees", CV_PARTY, "name", 0},
    {"专利权人地址", "Patentee addresses", "patentees", CV_PARTY, "address", 0},
    {"专利权人国别", "Patentee countries", "patentees", CV_PARTY, "country", 0},
    {"发明人", "Inventors", "inventors", CV_LIST, NULL, 0},
    {"优先权", "Priorities", "priorities", CV_PRIORITY, NULL, 0},
    {"PCT申请号", "PCT application number", "pct_app_no", CV_TEXT, NULL, 0},
    {"PCT公布号", "PCT publication number", "pct_pub_no", CV_TEXT, NULL, 0},
    {"同族专利", "Family", "family", CV_FAMILY, NULL, 0},
    {"获奖", "Awards", "awards", CV_AWARD, NULL, 0},
    {"数据来源", "Source", "source", CV_TEXT, NULL, 0},
    {"合成数据", "Synthetic", "synthetic", CV_TEXT, NULL, 0},
    {NULL},
};

static const tpl_col event_cols[] = {
    {"申请号", "Application number", "appno", CV_TEXT, NULL, 1},
    {"事件日期", "Date", "date", CV_TEXT, NULL, 1},
    {"事件类型", "Event", "kind", CV_TEXT, NULL, 1},
    {"金额（元）", "Amount (CNY)", "amount", CV_TEXT, NULL, 0},
    {"相关方", "Counterparty", "party", CV_TEXT, NULL, 0},
    {"相关方地址", "Counterparty address", "party_address", CV_TEXT, NULL, 0},
    {"相关方区划", "Counterparty region", "party_region", CV_TEXT, NULL, 0},
    {"说明", "Notes", "note", CV_TEXT, NULL, 0},
    {NULL},
};

static const tpl_col *cols_of(tpl_kind k) { return k == TPL_PATENTS ? patent_cols : event_cols; }

const char *const *tpl_headers(tpl_kind k, lang l)
{
    static const char *zh[2][32], *en[2][32];
    const char **out = l == LANG_EN ? en[k] : zh[k];
    if (!out[0]) {
        int i = 0;
        for (const tpl_col *c = cols_of(k); c->zh; c++) out[i++] = l == LANG_EN ? c->en : c->zh;
        out[i] = NULL;
    }
    return out;
}

struct tpl_map {
    tpl_kind kind;
    int ncols;
    const tpl_col **col; /* per file column; NULL = ignored empty header */
};

static char *trimmed(const char *s)
{
    char *t = xstrdup(s ? s : "");
    return util_trim(t);
}

static int header_is(const tpl_col *c, const char *h)
{
    return !strcmp(h, c->zh) || !strcasecmp(h, c->en) || !strcmp(h, c->field);
}

int tpl_sniff(char **cells, size_t n)
{
    int appno = 0, title = 0, event = 0;
    for (size_t i = 0; i < n; i++) {
        char *h = trimmed(cells[i]);
        if (header_is(&patent_cols[0], h)) appno = 1;
        if (header_is(&patent_cols[3], h) || header_is(&patent_cols[2], h)) title = 1;
        if (header_is(&event_cols[2], h)) event = 1;
        free(h);
    }
    if (appno && event) return 2;
    if (appno && title) return 1;
    return 0;
}

tpl_map *tpl_map_header(ingest_ctx *c, tpl_kind k, char **cells, size_t n)
{
    tpl_map *m = xcalloc(1, sizeof *m);
    m->kind = k;
    m->ncols = (int)n;
    m->col = xcalloc(n + 1, sizeof *m->col);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *h = trimmed(cells[i]);
        if (*h) {
            for (const tpl_col *col = cols_of(k); col->zh; col++)
                if (header_is(col, h)) m->col[i] = col;
            if (!m->col[i]) {
                char *zh = xasprintf("无法识别的列名“%s”", h);
                char *en = xasprintf("Unknown column \"%s\"", h);
                problem(c, 1, (long)i + 1, NULL, "import.unknown_column", zh, en);
                free(zh);
                free(en);
                bad = 1;
            }
        }
        free(h);
    }
    for (const tpl_col *col = cols_of(k); col->zh; col++) {
        if (!col->required) continue;
        int found = 0;
        for (size_t i = 0; i < n; i++)
            if (m->col[i] == col) found = 1;
        if (!found) {
            char *zh = xasprintf("缺少必填列“%s”", col->zh);
            char *en = xasprintf("Missing required column \"%s\"", col->en);
            problem(c, 1, 0, col->field, "import.missing_column", zh, en);
            free(zh);
            free(en);
            bad = 1;
        }
    }
    if (bad) {
        tpl_map_free(m);
        return NULL;
    }
    return m;
}

/* 1-based column of the first column holding field, or 0. */
static int column_of(const struct tpl_map *m, const char *field)
{
    for (int i = 0; i < m->ncols; i++)
        if (m->col[i] && !strcmp(m->col[i]->field, field)) return i + 1;
    return 0;
}

void tpl_map_free(tpl_map *m)
{
    if (!m) return;
    free(m->col);
    free(m);
}

static json_t *split_items(const char *s, int keep_empty);

/* Splits a list cell on ";", "；", ";;" and newlines; empty items dropped.
 * Returns a new array of strings. */
static json_t *split_list(const char *s) { return split_items(s, 0); }

/* The same keeping empty items (as ""), so that the columns of one party
 * (names, addresses, countries) stay aligned by position; ";;" (Lens)
 * counts as one separator. */
static json_t *split_items(const char *s, int keep_empty)
{
    json_t *a = json_array();
    buf cur = BUF_INIT;
    for (const char *p = s;; p++) {
        int sep = !*p || *p == ';' || *p == '\n' || *p == '\r';
        int wide = (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBC && (unsigned char)p[2] == 0x9B; /* ； */
        if (sep || wide) {
            char *t = xstrdup(buf_cstr(&cur));
            util_trim(t);
            if (*t || keep_empty) json_array_append_new(a, json_string(t));
            free(t);
            buf_reset(&cur);
            if (!*p) break;
            if (wide) p += 2;
            else if (p[0] == ';' && p[1] == ';') p++;
            continue;
        }
        buf_putc(&cur, *p);
    }
    buf_free(&cur);
    return a;
}

/* Whitespace-separated words of s (up to max), as heap strings. */
static int words(const char *s, char **out, int max)
{
    int n = 0;
    const char *p = s;
    while (*p && n < max) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *w = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        out[n++] = xstrndup(w, (size_t)(p - w));
    }
    return n;
}

static void free_words(char **w, int n)
{
    for (int i = 0; i < n; i++) free(w[i]);
}

/* Normalises a date cell ("2021-06-01", "2021/6/1", "20210601"); NULL if
 * it is not a real date. Caller frees. */
static char *date_cell(const char *s)
{
    int y, m, d, used = -1;
    if (strlen(s) == 8 && strspn(s, "0123456789") == 8 && sscanf(s, "%4d%2d%2d", &y, &m, &d) == 3) {
    } else if (sscanf(s, "%d%*[-/.年]%d%*[-/.月]%d%n", &y, &m, &d, &used) != 3 || used < 0 ||
               (s[used] && strcmp(s + used, "日")))
        return NULL;
    char *out = xasprintf("%04d-%02d-%02d", y, m, d);
    if (util_date_parse(out, NULL)) {
        free(out);
        return NULL;
    }
    return out;
}

/* One item of a structured list cell; returns a new object or NULL. */
static json_t *structured(conv cv, const char *item)
{
    char *w[5];
    int n = words(item, w, 5);
    json_t *o = NULL;
    if (cv == CV_PRIORITY && n >= 2) {
        o = json_pack("{s:s,s:s}", "country", w[0], "number", w[1]);
        if (n >= 3) {
            char *d = date_cell(w[2]);
            if (!d) {
                json_decref(o);
                o = NULL;
            } else {
                json_object_set_new(o, "date", json_string(d));
                free(d);
            }
        }
    } else if (cv == CV_FAMILY && n >= 2 && strlen(w[0]) == 2) {
        int granted = n >= 3 && (!strcmp(w[2], "已授权") || !strcasecmp(w[2], "granted") || !strcmp(w[2], "是"));
        o = json_pack("{s:s,s:s,s:b}", "country", w[0], "number", w[1], "granted", granted);
    } else if (cv == CV_AWARD && n >= 1) {
        const char *kind = !strcmp(w[0], "中国专利奖") || !strcmp(w[0], "china_patent_award") ? "china_patent_award"
                           : !strcmp(w[0], "国家科学技术奖") || !strcmp(w[0], "national_sci_award") ? "national_sci_award"
                                                                                               : NULL;
        if (kind) {
            o = json_pack("{s:s}", "kind", kind);
            if (n >= 2) json_object_set_new(o, "level", json_string(w[1]));
            int64_t yr;
            if (n >= 3 && !util_parse_int64(w[2], &yr)) json_object_set_new(o, "year", json_integer(yr));
        }
    }
    free_words(w, n);
    return o;
}

json_t *tpl_row(ingest_ctx *c, tpl_map *m, char **cells, size_t n, long row)
{
    const rec_type *t = m->kind == TPL_PATENTS ? &type_patent : &type_patent_event;
    json_t *doc = json_object();
    int bad = 0;
    err re = ERR_INIT;
    for (int i = 0; i < m->ncols && (size_t)i < n; i++) {
        const tpl_col *col = m->col[i];
        if (!col || !cells[i][0]) continue;
        char *v = trimmed(cells[i]);
        if (!*v) {
            free(v);
            continue;
        }
        if (col->cv == CV_TEXT) {
            const rec_field *f = !strcmp(col->field, "appno") && m->kind == TPL_EVENTS ? NULL : rec_field_find(t, col->field);
            if (!f) json_object_set_new(doc, col->field, json_string(v));
            else if (f->type == RT_DATE) {
                char *d = date_cell(v);
                json_object_set_new(doc, col->field, json_string(d ? d : v));
                free(d);
            } else {
                json_t *jv = rec_cell_to_json(f, v, row, i + 1, &re);
                if (jv) json_object_set_new(doc, col->field, jv);
                else bad = 1;
            }
        } else if (col->cv == CV_LIST) {
            json_object_set_new(doc, col->field, split_list(v));
        } else if (col->cv == CV_PARTY) {
            json_t *items = split_items(v, 1), *arr = json_object_get(doc, col->field);
            if (!arr) {
                arr = json_array();
                json_object_set_new(doc, col->field, arr);
            }
            size_t k;
            json_t *it;
            json_array_foreach(items, k, it)
            {
                while (json_array_size(arr) <= k) json_array_append_new(arr, json_object());
                if (*json_string_value(it)) json_object_set(json_array_get(arr, k), col->sub, it);
            }
            json_decref(items);
        } else {
            json_t *items = split_list(v), *arr = json_array();
            size_t k;
            json_t *it;
            json_array_foreach(items, k, it)
            {
                json_t *o = structured(col->cv, json_string_value(it));
                if (o) json_array_append_new(arr, o);
                else {
                    char *zh = xasprintf("“%s”的第 %zu 项“%s”格式无效", col->zh, k + 1, json_string_value(it));
                    char *en = xasprintf("\"%s\" item %zu \"%s\" is malformed", col->en, k + 1, json_string_value(it));
                    problem(c, row, i + 1, col->field, "validation.format", zh, en);
                    free(zh);
                    free(en);
                    bad = 1;
                }
            }
            json_decref(items);
            json_object_set_new(doc, col->field, arr);
        }
        free(v);
    }
    if (err_isset(&re)) {
        take_problems(c, &re, row);
        err_clear(&re);
    }
    /* parties given only by address or country lack a name */
    for (const char *pf = "applicants";; pf = "patentees") {
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(doc, pf), k, p) if (!json_object_get(p, "name"))
        {
            char *zh = xasprintf("第 %zu 个%s只有地址或国别，没有名称", k + 1, !strcmp(pf, "applicants") ? "申请人" : "专利权人");
            char *en = xasprintf("%s %zu has an address or country but no name", pf, k + 1);
            problem(c, row, 0, pf, "validation.structure", zh, en);
            free(zh);
            free(en);
            bad = 1;
        }
        if (!strcmp(pf, "patentees")) break;
    }
    if (bad) {
        c->rows++;
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- template rows in batches ---- */

struct ingest_batch {
    ingest_ctx *c;
    tpl_map *m;
    int appno_col; /* 0-based column of the application number, -1 none */
    int n;
    char **cells[INGEST_BATCH];
    size_t ncells[INGEST_BATCH];
    long rows[INGEST_BATCH];
    char *sql; /* the look-up of INGEST_BATCH numbers at once */
};

ingest_batch *ingest_batch_new(ingest_ctx *c, tpl_map *m)
{
    ingest_batch *b = xcalloc(1, sizeof *b);
    b->c = c;
    b->m = m;
    b->appno_col = column_of(m, "appno") - 1;
    buf q = BUF_INIT;
    buf_puts(&q, m->kind == TPL_PATENTS ? "SELECT appno, pub_date, grant_date FROM patents"
                                        : "SELECT appno, id FROM patents");
    buf_puts(&q, " WHERE deleted_at IS NULL AND appno IN (");
    for (int i = 0; i < INGEST_BATCH; i++) buf_puts(&q, i ? ", ?" : "?");
    buf_putc(&q, ')');
    b->sql = buf_detach(&q);
    return b;
}

static void drop_rows(ingest_batch *b)
{
    for (int i = 0; i < b->n; i++) {
        for (size_t k = 0; k < b->ncells[i]; k++) free(b->cells[i][k]);
        free(b->cells[i]);
    }
    b->n = 0;
}

void ingest_batch_free(ingest_batch *b)
{
    if (!b) return;
    drop_rows(b);
    free(b->sql);
    free(b);
}

/* Looks the application numbers of the kept rows up (into c->pf_*), as
 * ingest_patent/ingest_event would one by one: the same normalisation, and
 * pending bulk rows written first. */
static int look_ahead(ingest_batch *b, err *e)
{
    ingest_ctx *c = b->c;
    if (!c->pf_asked) {
        c->pf_asked = strmap_new(NULL);
        c->pf_known = strmap_new(free);
    }
    strmap_clear(c->pf_asked);
    strmap_clear(c->pf_known);
    c->pf_events = b->m->kind == TPL_EVENTS;
    if (b->appno_col < 0) return 0;
    const rec_field *f = rec_field_find(&type_patent, "appno");
    char *nums[INGEST_BATCH];
    int k = 0, rc = 0;
    static char asked_mark;
    for (int i = 0; i < b->n && !rc; i++) {
        if ((size_t)b->appno_col >= b->ncells[i]) continue;
        char *v = trimmed(b->cells[i][b->appno_col]);
        buf norm = BUF_INIT;
        err ce = ERR_INIT;
        if (*v && !f->check(v, &norm, &ce) && !strmap_get(c->pf_asked, norm.len ? norm.s : v, NULL)) {
            nums[k] = xstrdup(norm.len ? norm.s : v);
            json_t *key = json_pack("{s:s}", "appno", nums[k]);
            rc = rec_bulk_sync_key(c->db, &type_patent, key, e);
            json_decref(key);
            strmap_put(c->pf_asked, nums[k++], &asked_mark);
        }
        err_clear(&ce);
        buf_free(&norm);
        free(v);
    }
    store_stmt *st = rc || !k ? NULL : store_prepare(c->db, b->sql, e);
    if (st) {
        for (int i = 0; i < INGEST_BATCH; i++) store_bind_text(st, i + 1, i < k ? nums[i] : NULL);
        int r;
        while ((r = store_step(st, e)) == 1) {
            const char *appno = store_col_text(st, 0);
            if (!appno) continue;
            const char *val =
                c->pf_events ? store_col_text(st, 1) : doc_date(store_col_text(st, 1), store_col_text(st, 2));
            strmap_put(c->pf_known, appno, xstrdup(val ? val : ""));
        }
        store_done(st);
        if (r < 0) rc = -1;
    } else if (k)
        rc = -1;
    for (int i = 0; i < k; i++) free(nums[i]);
    if (rc) strmap_clear(c->pf_asked); /* nothing known */
    return rc;
}

int ingest_batch_flush(ingest_batch *b, err *e)
{
    ingest_ctx *c = b->c;
    int rc = b->n ? look_ahead(b, e) : 0;
    for (int i = 0; i < b->n && !rc; i++) {
        json_t *doc = tpl_row(c, b->m, b->cells[i], b->ncells[i], b->rows[i]);
        if (!doc) continue;
        int ir = b->m->kind == TPL_PATENTS ? ingest_patent(c, doc, b->rows[i], e) : ingest_event(c, doc, b->rows[i], e);
        json_decref(doc);
        if (ir < 0) rc = -1;
    }
    if (c->pf_asked) strmap_clear(c->pf_asked);
    drop_rows(b);
    return rc;
}

int ingest_batch_row(ingest_batch *b, char **cells, size_t n, long row, err *e)
{
    char **copy = xcalloc(n + 1, sizeof *copy);
    for (size_t k = 0; k < n; k++) copy[k] = xstrdup(cells[k]);
    b->cells[b->n] = copy;
    b->ncells[b->n] = n;
    b->rows[b->n++] = row;
    return b->n == INGEST_BATCH ? ingest_batch_flush(b, e) : 0;
}

/* ---- writing templates ---- */

static const char *example_patent[] = {
    "202110991218.8", "CN", "发明", "一种芯片封装结构及其制造方法（示例）", "本发明公开了一种芯片封装结构……", "2021-08-25",
    "CN113675361A", "2021-11-19", "", "", "H01L 23/31; H01L 21/56", "", "上海某科技有限公司", "200030 上海市徐汇区漕宝路650号",
    "CN", "", "", "", "张三; 李四", "", "", "", "US US20220123456A1 未授权", "", "", "否",
};
static const char *example_event[] = {"202110991218.8", "2023-05-10", "质押登记", "5000000", "某银行上海分行", "上海市黄浦区……", "", "示例"};

int tpl_write(tpl_kind k, const char *format, lang l, buf *out, err *e)
{
    const char *const *h = tpl_headers(k, l);
    const char **ex = k == TPL_PATENTS ? example_patent : example_event;
    if (!format || !strcmp(format, "csv")) {
        buf_puts(out, "\xEF\xBB\xBF");
        for (int i = 0; h[i]; i++) {
            if (i) buf_putc(out, ',');
            buf_csv_field(out, h[i]);
        }
        buf_puts(out, "\r\n");
        for (int i = 0; h[i]; i++) {
            if (i) buf_putc(out, ',');
            buf_csv_field(out, ex[i]);
        }
        buf_puts(out, "\r\n");
        return 0;
    }
    if (strcmp(format, "xlsx"))
        return err_set(e, 400, "query.format", "不支持的格式“%s”（可选 csv、xlsx）", "Unsupported format \"%s\" (csv or xlsx)", format);
    char path[] = "/tmp/ipcity-tpl-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return err_set(e, 500, "export.io", "无法创建临时文件", "Cannot create a temporary file");
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, l == LANG_EN ? "Data" : "数据");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    for (int i = 0; h[i]; i++) {
        worksheet_write_string(ws, 0, (lxw_col_t)i, h[i], bold);
        if (ex[i][0]) worksheet_write_string(ws, 1, (lxw_col_t)i, ex[i], NULL);
    }
    int rc = workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
    if (!rc) {
        FILE *fp = fopen(path, "rb");
        char chunk[65536];
        size_t n;
        while (fp && (n = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(out, chunk, n);
        if (fp) fclose(fp);
    } else
        err_set(e, 500, "export.xlsx", "写入 XLSX 文件失败", "Writing the XLSX file failed");
    unlink(path);
    return rc;
}

/* ---- import jobs ---- */

static const rec_opt job_status[] = {
    {"running", "进行中", "Running"},
    {"succeeded", "已导入", "Imported"},
    {"rejected", "已拒绝（有错误）", "Rejected (errors)"},
    {"failed", "失败", "Failed"},
    {NULL, NULL, NULL},
};

static const rec_field job_fields[] = {
    {"file", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_LIST, "文件", "File", 300},
    {"format", RT_TEXT, RF_FILTER | RF_LIST, "格式", "Format", 20},
    {"status", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "状态", "Status", 0, job_status},
    {"rows", RT_INT, RF_LIST, "行数", "Rows"},
    {"created_count", RT_INT, RF_LIST, "新增", "Created"},
    {"updated_count", RT_INT, RF_LIST, "更新", "Updated"},
    {"unchanged_count", RT_INT, 0, "未变", "Unchanged"},
    {"error_count", RT_INT, RF_FILTER | RF_LIST, "错误数", "Errors"},
    {"errors", RT_JSON, 0, "错误明细", "Errors"},
    {"message", RT_TEXT, 0, "结果说明", "Result", 2000},
    {"sha256", RT_TEXT, 0, "文件校验值", "SHA-256", 64},
    {"bytes", RT_INT, 0, "文件大小（字节）", "Size (bytes)"},
    {"finished_at", RT_DATETIME, RF_SORT, "完成时间", "Finished at"},
    {NULL},
};

rec_type type_import_job = {
    .name = "import_job", .path = "import_jobs", .zh = "导入任务", .en = "Import job",
    .fields = job_fields,
    .read = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_OWN, SCOPE_OWN, SCOPE_NONE},
    /* written by the server on behalf of the uploader, never by hand */
    .write = {SCOPE_ALL, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE},
    .title_field = "file",
};

int ingest_jobs_interrupted(store *db, int64_t *count, err *e)
{
    *count = 0;
    rec_actor sys = {0, "system", ROLE_ADMIN, NULL};
    rec_query q = {0};
    q.filters = json_pack("{s:s}", "status", "running");
    q.limit = 1000;
    json_t *page = NULL;
    int rc = rec_list(db, &type_import_job, &sys, &q, &page, e);
    rec_query_free(&q);
    if (rc) return -1;
    size_t i;
    json_t *job;
    char now[40];
    util_now_iso(now, sizeof now);
    json_array_foreach(json_object_get(page, "items"), i, job)
    {
        json_t *patch = json_pack("{s:s,s:s,s:s}", "status", "failed", "finished_at", now, "message",
                                  "服务重启时该导入尚未完成，未导入任何数据 / interrupted by a restart; nothing of it was imported");
        json_t *out = NULL;
        rc = rec_update(db, &type_import_job, &sys, json_integer_value(json_object_get(job, "id")), patch,
                        json_integer_value(json_object_get(job, "version")), &out, e);
        json_decref(patch);
        json_decref(out);
        if (rc) break;
        (*count)++;
    }
    json_decref(page);
    return rc;
}
