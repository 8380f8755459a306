/*
 * patent.c - patent hooks, derived tables and legal status.
 */
#include "registry.h"

#include "address.h"
#include "codes.h"
#include "domain.h"

#include "../base/util.h"
#include "../search/regsearch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The district of a party's address: domestic addresses (and Hong Kong,
 * Macao, Taiwan) are resolved, settled reviews win, and what cannot be
 * resolved goes to the address review queue; foreign parties have none.
 * Returns 1 with code filled, 0 without, -1 on a storage error. */
static int party_region(rec_ctx *c, json_t *party, char code[7], err *e)
{
    const char *addr = json_string_value(json_object_get(party, "address"));
    const char *cc = json_string_value(json_object_get(party, "country"));
    code[0] = '\0';
    if (!addr || !*addr || !addr_region_count()) return 0;
    if (cc && strcmp(cc, "CN") && strcmp(cc, "HK") && strcmp(cc, "MO") && strcmp(cc, "TW")) return 0;
    if (!cc) { /* no country given: an address without any non-ASCII text, or one
                * that starts with a foreign country's Chinese name, is foreign */
        const unsigned char *q = (const unsigned char *)addr;
        while (*q && *q < 0x80) q++;
        if (!*q) return 0;
        static const char *const foreign[] = {
            "韩国",   "大韩民国", "日本",   "美国",     "美利坚",         "德国",   "英国",     "法国",   "意大利",
            "荷兰",   "瑞士",     "瑞典",   "芬兰",     "丹麦",           "挪威",   "比利时",   "奥地利", "西班牙",
            "加拿大", "澳大利亚", "新西兰", "以色列",   "印度",           "新加坡", "马来西亚", "泰国",   "俄罗斯",
            "巴西",   "爱尔兰",   "卢森堡", "开曼群岛", "英属维尔京群岛", NULL};
        const char *a = (const char *)q;
        for (const char *const *f = foreign; *f; f++)
            if (!strncmp(a, *f, strlen(*f))) return 0;
    }
    int queued = 0;
    if (addr_resolve_db(c->db, addr, c->actor, code, &queued, e)) {
        if (e->status >= 500 && e->code && strcmp(e->code, "address.not_ready")) return -1;
        err_clear(e);
        code[0] = '\0';
        return 0;
    }
    return code[0] ? 1 : 0;
}

int patent_create_tables(store *db, err *e)
{
    buf b = BUF_INIT;
    const char *I = store_sql_type(db, STORE_T_INT);
    buf_printf(&b,
               "CREATE TABLE IF NOT EXISTS patent_ipc (patent_id %s NOT NULL REFERENCES patents(id), seq %s NOT NULL,"
               " code TEXT NOT NULL, PRIMARY KEY (patent_id, seq));"
               "CREATE INDEX IF NOT EXISTS ix_patent_ipc_code ON patent_ipc(code);"
               "CREATE TABLE IF NOT EXISTS patent_parties (patent_id %s NOT NULL REFERENCES patents(id),"
               " role TEXT NOT NULL, seq %s NOT NULL, name TEXT NOT NULL, address TEXT, country TEXT,"
               " region_code TEXT, park_code TEXT, PRIMARY KEY (patent_id, role, seq));"
               "CREATE INDEX IF NOT EXISTS ix_patent_parties_park ON patent_parties(park_code);"
               "CREATE INDEX IF NOT EXISTS ix_patent_parties_region ON patent_parties(region_code);"
               "CREATE INDEX IF NOT EXISTS ix_patent_parties_name ON patent_parties(name);",
               I, I, I, I);
    int rc = store_exec(db, b.s, e);
    buf_free(&b);
    return rc;
}

/* ---- structured fields (validators of the RT_JSON fields) ---- */

int pat_jcheck_parties(json_t *v, json_t **norm, err *e)
{
    if (!json_is_array(v))
        return err_set(e, 422, "validation.structure", "应为数组：[{name, address, country}]",
                       "must be an array of {name, address, country}");
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        json_t *addr = json_object_get(p, "address"), *cty = json_object_get(p, "country");
        if (!json_is_object(p) || !name || !*name || (addr && !json_is_null(addr) && !json_is_string(addr)) ||
            (cty && !json_is_null(cty) && (!json_is_string(cty) || strlen(json_string_value(cty)) != 2))) {
            json_decref(out);
            return err_set(
                e, 422, "validation.structure", "第 %zu 项无效：需要 name（文本），address 为文本，country 为两位代码",
                "item %zu is invalid: name (text) is required, address is text, country a two-letter code", i + 1);
        }
        json_t *q = json_pack("{s:s}", "name", name);
        if (json_is_string(addr) && *json_string_value(addr)) json_object_set(q, "address", addr);
        if (json_is_string(cty)) {
            char c[3] = {(char)(json_string_value(cty)[0] & ~0x20), (char)(json_string_value(cty)[1] & ~0x20), 0};
            json_object_set_new(q, "country", json_string(c));
        }
        json_array_append_new(out, q);
    }
    *norm = out;
    return 0;
}

int pat_jcheck_strings(json_t *v, json_t **norm, err *e)
{
    size_t i;
    json_t *x;
    int ok = json_is_array(v);
    if (ok) json_array_foreach(v, i, x) if (!json_is_string(x)) ok = 0;
    if (!ok) return err_set(e, 422, "validation.structure", "应为文本数组", "must be an array of strings");
    *norm = json_deep_copy(v);
    return 0;
}

int pat_jcheck_codes(json_t *v, json_t **norm, err *e)
{
    json_t *tmp;
    if (pat_jcheck_strings(v, &tmp, e)) return -1;
    json_decref(tmp);
    json_t *out = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        buf n = BUF_INIT;
        if (code_ipc_normalize(json_string_value(x), &n)) {
            buf_free(&n);
            json_decref(out);
            return err_set(e, 422, "validation.ipc", "分类号“%s”格式无效（应如 H04L 29/08）",
                           "\"%s\" is not a valid classification code (e.g. H04L 29/08)", json_string_value(x));
        }
        int dup = 0;
        size_t k;
        json_t *w;
        json_array_foreach(out, k, w) if (!strcmp(json_string_value(w), n.s)) dup = 1;
        if (!dup) json_array_append_new(out, json_string(n.s));
        buf_free(&n);
    }
    *norm = out;
    return 0;
}

int pat_jcheck_family(json_t *v, json_t **norm, err *e)
{
    size_t i;
    json_t *m;
    int ok = json_is_array(v);
    if (ok) json_array_foreach(v, i, m)
        {
            json_t *c = json_object_get(m, "country"), *n = json_object_get(m, "number"),
                   *g = json_object_get(m, "granted");
            if (!json_is_object(m) || !json_is_string(c) || strlen(json_string_value(c)) != 2 || !json_is_string(n) ||
                (g && !json_is_boolean(g)))
                ok = 0;
        }
    if (!ok)
        return err_set(e, 422, "validation.structure",
                       "应为数组：[{country（两位代码）, number, granted（true/false）}]",
                       "must be an array of {country (two letters), number, granted (true/false)}");
    *norm = json_deep_copy(v);
    return 0;
}

int pat_jcheck_awards(json_t *v, json_t **norm, err *e)
{
    size_t i;
    json_t *m;
    int ok = json_is_array(v);
    if (ok) json_array_foreach(v, i, m)
        {
            const char *k = json_string_value(json_object_get(m, "kind"));
            json_t *y = json_object_get(m, "year");
            if (!json_is_object(m) || !k || (strcmp(k, "china_patent_award") && strcmp(k, "national_sci_award")) ||
                (y && !json_is_integer(y)))
                ok = 0;
        }
    if (!ok)
        return err_set(
            e, 422, "validation.structure",
            "应为数组：[{kind: china_patent_award（中国专利奖）或 national_sci_award（国家科学技术奖）, level, year}]",
            "must be an array of {kind: china_patent_award or national_sci_award, level, year}");
    *norm = json_deep_copy(v);
    return 0;
}

int pat_jcheck_priorities(json_t *v, json_t **norm, err *e)
{
    size_t i;
    json_t *m;
    int ok = json_is_array(v);
    if (ok) json_array_foreach(v, i, m)
        {
            json_t *d = json_object_get(m, "date");
            if (!json_is_object(m) || !json_is_string(json_object_get(m, "number")) ||
                (d && !json_is_null(d) && util_date_parse(json_string_value(d), NULL)))
                ok = 0;
        }
    if (!ok)
        return err_set(e, 422, "validation.structure", "应为数组：[{country, number, date（YYYY-MM-DD）}]",
                       "must be an array of {country, number, date (YYYY-MM-DD)}");
    *norm = json_deep_copy(v);
    return 0;
}

/* Appends the names of parties in arr to b (distinct, separated by "；"). */
static void add_names(buf *b, json_t *arr, json_t *seen)
{
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        if (!n || json_object_get(seen, n)) continue; /* distinct names, compared whole */
        json_object_set_new(seen, n, json_true());
        if (b->len) buf_puts(b, "；");
        buf_puts(b, n);
    }
}

static long add_years(long day, int years);

int patent_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    if (c->op == REC_DELETE) return 0;
    const char *appno = json_string_value(json_object_get(row, "appno"));
    if (appno && !json_is_string(json_object_get(row, "country"))) {
        int foreign = appno[0] >= 'A' && appno[0] <= 'Z' && appno[1] >= 'A' && appno[1] <= 'Z';
        char cc[3] = {foreign ? appno[0] : 'C', foreign ? appno[1] : 'N', 0};
        json_object_set_new(row, "country", json_string(cc));
    }
    long fd;
    if (!util_date_parse(json_string_value(json_object_get(row, "filing_date")), &fd)) {
        char te[16];
        util_date_format(add_years(fd, pat_term_years(json_string_value(json_object_get(row, "kind")), fd)), te,
                         sizeof te);
        json_object_set_new(row, "term_end", json_string(te));
    } else
        json_object_set_new(row, "term_end", json_null());
    json_t *ipc = json_object_get(row, "ipc");
    json_object_set_new(row, "ipc_main", json_array_size(ipc) ? json_incref(json_array_get(ipc, 0)) : json_null());
    json_t *apps = json_object_get(row, "applicants"), *pats = json_object_get(row, "patentees");
    json_t *first = json_array_get(json_array_size(apps) ? apps : pats, 0);
    json_object_set_new(row, "first_applicant", first ? json_incref(json_object_get(first, "name")) : json_null());
    buf names = BUF_INIT;
    json_t *seen = json_object();
    add_names(&names, apps, seen);
    add_names(&names, pats, seen);
    json_decref(seen);
    json_object_set_new(row, "holders", names.len ? json_string(names.s) : json_null());
    buf_free(&names);
    char code[7] = "";
    int got = first ? party_region(c, first, code, e) : 0;
    if (got < 0) return -1;
    json_object_set_new(row, "region_code", got ? json_string(code) : json_null());
    return 0;
}

/* The derived rows are written with rec_bulk_insert(): at once, or with
 * the patent's own row in bulk mode. */
static int insert_parties(rec_ctx *c, const char *idtext, const char *role, json_t *arr, err *e)
{
    static const char *const cols[] = {"patent_id", "role",    "seq",         "name",
                                       "address",   "country", "region_code", "park_code"};
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        char code[7] = "", park[13] = "", seq[24];
        int have = party_region(c, p, code, e);
        if (have < 0) return -1;
        if (have && region_park_of(c->db, code, json_string_value(json_object_get(p, "address")), park, e) < 0)
            return -1;
        snprintf(seq, sizeof seq, "%zu", i + 1);
        const char *vals[] = {idtext,
                              role,
                              seq,
                              json_string_value(json_object_get(p, "name")),
                              json_string_value(json_object_get(p, "address")),
                              json_string_value(json_object_get(p, "country")),
                              have ? code : NULL,
                              park[0] ? park : NULL};
        if (rec_bulk_insert(c->db, "patent_parties", cols, 8, vals, e)) return -1;
    }
    return 0;
}

static int exec_id(store *db, const char *sql, int64_t id, err *e)
{
    store_stmt *st = store_prepare(db, sql, e);
    if (!st) return -1;
    store_bind_int(st, 1, id);
    int rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

int patent_after_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    int64_t id = json_integer_value(json_object_get(row, "id"));
    if (old) { /* side rows of an earlier change may still be pending (bulk mode) */
        if (rec_bulk_flush(c->db, e) || exec_id(c->db, "DELETE FROM patent_ipc WHERE patent_id = ?", id, e) ||
            exec_id(c->db, "DELETE FROM patent_parties WHERE patent_id = ?", id, e))
            return -1;
    }
    if (c->op == REC_DELETE) return rs_index_patent(c->db, NULL, old, e);
    if (rs_index_patent(c->db, row, old, e)) return -1;
    static const char *const ipc_cols[] = {"patent_id", "seq", "code"};
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    json_t *ipc = json_object_get(row, "ipc");
    size_t i;
    json_t *v;
    json_array_foreach(ipc, i, v)
    {
        char seq[24];
        snprintf(seq, sizeof seq, "%zu", i + 1);
        const char *vals[] = {idtext, seq, json_string_value(v)};
        if (rec_bulk_insert(c->db, "patent_ipc", ipc_cols, 3, vals, e)) return -1;
    }
    if (insert_parties(c, idtext, "applicant", json_object_get(row, "applicants"), e) ||
        insert_parties(c, idtext, "patentee", json_object_get(row, "patentees"), e))
        return -1;
    return 0;
}

/* ---- legal status ---- */

int pat_term_years(const char *kind, long filing_day)
{
    if (kind && !strcmp(kind, "utility")) return 10;
    if (kind && !strcmp(kind, "design")) return filing_day >= util_days_from_civil(2021, 6, 1) ? 15 : 10;
    return 20;
}

static long add_years(long day, int years)
{
    long y;
    unsigned m, d;
    util_civil_from_days(day, &y, &m, &d);
    y += years;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) d = 28;
    return util_days_from_civil(y, m, d);
}

void pat_status_on(const json_t *patent, const json_t *events, long day, pat_status *out)
{
    out->state = PAT_NOT_GRANTED;
    out->since = -1;
    out->term_end = -1;
    out->cause_event = 0;
    long grant = -1, filing = -1, d;
    if (!util_date_parse(json_string_value(json_object_get(patent, "grant_date")), &d)) grant = d;
    if (!util_date_parse(json_string_value(json_object_get(patent, "filing_date")), &d)) filing = d;
    size_t i;
    json_t *ev;
    /* a grant event counts as well as the grant date */
    json_array_foreach(events, i, ev)
    {
        const char *k = json_string_value(json_object_get(ev, "kind"));
        if (k && !strcmp(k, "grant") && !util_date_parse(json_string_value(json_object_get(ev, "date")), &d) &&
            (grant < 0 || d < grant))
            grant = d;
    }
    if (filing >= 0)
        out->term_end = add_years(filing, pat_term_years(json_string_value(json_object_get(patent, "kind")), filing));
    if (grant < 0 || grant > day) return;
    out->state = PAT_IN_FORCE;
    out->since = grant;
    /* the latest ending or restoring event on or before the day decides;
     * on the same day an ending event wins over a restoration */
    long best = -1;
    int best_end = 0;
    json_array_foreach(events, i, ev)
    {
        const char *k = json_string_value(json_object_get(ev, "kind"));
        if (!k || util_date_parse(json_string_value(json_object_get(ev, "date")), &d) || d > day) continue;
        pat_state s;
        if (!strcmp(k, "lapse")) s = PAT_LAPSED;
        else if (!strcmp(k, "invalidation"))
            s = PAT_INVALIDATED;
        else if (!strcmp(k, "surrender"))
            s = PAT_SURRENDERED;
        else if (!strcmp(k, "expiry"))
            s = PAT_EXPIRED;
        else if (!strcmp(k, "restoration"))
            s = PAT_IN_FORCE;
        else
            continue;
        int is_end = s != PAT_IN_FORCE;
        if (d > best || (d == best && is_end && !best_end)) {
            best = d;
            best_end = is_end;
            out->state = s;
            out->since = d;
            out->cause_event = json_integer_value(json_object_get(ev, "id"));
        }
    }
    if (out->state == PAT_IN_FORCE && out->term_end >= 0 && day >= out->term_end) {
        out->state = PAT_TERM_ENDED;
        out->since = out->term_end;
        out->cause_event = 0;
    }
}

const char *pat_state_name(pat_state s)
{
    static const char *n[] = {"not_granted", "in_force",    "term_ended", "lapsed",
                              "invalidated", "surrendered", "expired"};
    return n[s];
}

const char *pat_state_label(pat_state s, lang l)
{
    static const char *zh[] = {"未授权", "有效", "期限届满", "未缴年费终止", "宣告无效", "放弃", "期满终止"};
    static const char *en[] = {"Not granted", "In force",    "Term ended", "Lapsed (fees unpaid)",
                               "Invalidated", "Surrendered", "Expired"};
    return l == LANG_EN ? en[s] : zh[s];
}

int pat_events_load(store *db, int64_t id, json_t **events, err *e)
{
    *events = NULL;
    rec_actor sys = {0, "system", ROLE_ADMIN, NULL};
    rec_query q = {0};
    q.filters = json_pack("{s:I}", "patent", (json_int_t)id);
    json_object_set_new(q.filters, "patent", json_sprintf("%lld", (long long)id));
    q.sort = "date";
    json_t *all = json_array();
    const char *cursor = NULL;
    char *cur = NULL;
    int rc = 0;
    for (;;) {
        json_t *page;
        q.cursor = cursor;
        q.limit = 1000;
        if (rec_list(db, &type_patent_event, &sys, &q, &page, e)) {
            rc = -1;
            break;
        }
        json_array_extend(all, json_object_get(page, "items"));
        const char *nc = json_string_value(json_object_get(page, "next_cursor"));
        free(cur);
        cur = nc ? xstrdup(nc) : NULL;
        cursor = cur;
        json_decref(page);
        if (!cursor) break;
    }
    free(cur);
    rec_query_free(&q);
    if (rc) {
        json_decref(all);
        return -1;
    }
    *events = all;
    return 0;
}

/* Kept in one place with pat_status_on(): granted (grant date or a grant
 * event) on or before D, the term not over, and no ending event on or
 * before D that a later restoration (also on or before D) undid. */
static const char in_force_sql[] =
    "((p.grant_date IS NOT NULL AND p.grant_date <= ?) OR EXISTS (SELECT 1 FROM patent_events g WHERE g.patent = p.id"
    " AND g.deleted_at IS NULL AND g.kind = 'grant' AND g.date <= ?))"
    " AND (p.term_end IS NULL OR p.term_end > ?)"
    " AND NOT EXISTS (SELECT 1 FROM patent_events x WHERE x.patent = p.id AND x.deleted_at IS NULL"
    " AND x.kind IN ('lapse', 'invalidation', 'surrender', 'expiry') AND x.date <= ?"
    " AND NOT EXISTS (SELECT 1 FROM patent_events r WHERE r.patent = p.id AND r.deleted_at IS NULL"
    " AND r.kind = 'restoration' AND r.date > x.date AND r.date <= ?))";

const char *pat_in_force_sql(void) { return in_force_sql; }
int pat_in_force_params(void) { return 5; }
