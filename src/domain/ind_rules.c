/*
 * ind_rules.c - the rules of the official indicators that the index build
 * (ind_index.c) and the direct computation (indicators.c) share: where a
 * patent counts (location rule, transfers, domestic holders), when it is in
 * force (the rule of pat_status_on/pat_in_force_sql as intervals), the
 * static high-value criteria, PCT numbers and the region hierarchy.
 * See docs/indicators.md.
 */
#include "ind_int.h"

#include "address.h"
#include "domain.h"

#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

long ind_cnipa_cutover(void) { return util_days_from_civil(2020, 12, 31); }

long ind_add_years(long day, int years)
{
    long y;
    unsigned m, d;
    util_civil_from_days(day, &y, &m, &d);
    y += years;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) d = 28;
    return util_days_from_civil(y, m, d);
}

int ind_day(const char *s, long *day)
{
    if (!s || util_date_parse(s, day)) {
        *day = -1;
        return 0;
    }
    return 1;
}

int ind_region_hkmotw(const char *code)
{
    return code && (!strncmp(code, "71", 2) || !strncmp(code, "81", 2) || !strncmp(code, "82", 2));
}

static int all_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80) return 0;
    return 1;
}

/* The same list as party_region() in patent.c uses for addresses without a
 * country: an address that starts with a foreign country's Chinese name. */
static int foreign_prefix(const char *a)
{
    static const char *const foreign[] = {
        "韩国",   "大韩民国", "日本",   "美国",     "美利坚",         "德国",   "英国",     "法国",   "意大利",
        "荷兰",   "瑞士",     "瑞典",   "芬兰",     "丹麦",           "挪威",   "比利时",   "奥地利", "西班牙",
        "加拿大", "澳大利亚", "新西兰", "以色列",   "印度",           "新加坡", "马来西亚", "泰国",   "俄罗斯",
        "巴西",   "爱尔兰",   "卢森堡", "开曼群岛", "英属维尔京群岛", NULL};
    while (*a && (unsigned char)*a < 0x80) a++;
    for (const char *const *f = foreign; *f; f++)
        if (!strncmp(a, *f, strlen(*f))) return 1;
    return 0;
}

static int nonempty(const char *s) { return s && *s; }

int ind_party_foreign(const ind_party *p)
{
    if (nonempty(p->country) && strcmp(p->country, "CN")) return 1;
    if (ind_region_hkmotw(p->region)) return 1;
    if (!nonempty(p->country) && !nonempty(p->region) && nonempty(p->address) &&
        (all_ascii(p->address) || foreign_prefix(p->address)))
        return 1;
    return 0;
}

void ind_place_party(const ind_party *p, ind_place *out)
{
    memset(out, 0, sizeof *out);
    if (!p || !p->present) return; /* no holder on record: cannot tell it is domestic */
    out->domestic = !ind_party_foreign(p);
    snprintf(out->region, sizeof out->region, "%s", nonempty(p->region) ? p->region : "");
    snprintf(out->park, sizeof out->park, "%s", nonempty(p->park) ? p->park : "");
    snprintf(out->name, sizeof out->name, "%s", nonempty(p->name) ? p->name : "");
}

const ind_party *ind_base_party(int basis, long grant, const ind_party *app, const ind_party *pat)
{
    int use_pat;
    if (basis == IND_B_PATENTEE) use_pat = 1;
    else if (basis == IND_B_APPLICANT)
        use_pat = 0;
    else
        use_pat = grant >= 0 && grant <= ind_cnipa_cutover();
    const ind_party *first = use_pat ? pat : app, *other = use_pat ? app : pat;
    return first && first->present ? first : other && other->present ? other : NULL;
}

void ind_place_transferee(store *db, const char *park_districts, const char *party_region, const char *party_address,
                          const char *party, ind_place *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", nonempty(party) ? party : "");
    out->domestic = 1;
    char code[7] = "";
    if (nonempty(party_region)) {
        snprintf(code, sizeof code, "%s", party_region);
    } else if (nonempty(party_address)) {
        if (all_ascii(party_address) || foreign_prefix(party_address)) {
            out->domestic = 0;
            return;
        }
        addr_result r;
        if (addr_region_count() && addr_resolve(party_address, &r) == 1) snprintf(code, sizeof code, "%s", r.code);
    }
    if (ind_region_hkmotw(code)) {
        out->domestic = 0;
        return;
    }
    snprintf(out->region, sizeof out->region, "%s", code);
    char key[9];
    snprintf(key, sizeof key, ",%s,", code);
    if (code[0] && strcmp(code + 4, "00") && nonempty(party_address) && db &&
        (!park_districts || strstr(park_districts, key))) {
        err e = ERR_INIT;
        char park[13] = "";
        if (region_park_of(db, code, party_address, park, &e) == 1) snprintf(out->park, sizeof out->park, "%s", park);
        err_clear(&e);
    }
}

int ind_event_kind(const char *k)
{
    if (!k) return 0;
    static const struct {
        const char *name;
        int kind;
    } m[] = {{"grant", EV_GRANT},          {"lapse", EV_LAPSE},         {"restoration", EV_RESTORE},
             {"invalidation", EV_INVALID}, {"surrender", EV_SURRENDER}, {"expiry", EV_EXPIRY},
             {"transfer", EV_TRANSFER},    {"pledge", EV_PLEDGE}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(k, m[i].name)) return m[i].kind;
    return 0;
}

static int add_iv(long a, long b, long grant, long term_end, long (*iv)[2], int n, int max)
{
    if (a < grant) a = grant;
    if (b > term_end) b = term_end;
    if (a < b && n < max) {
        iv[n][0] = a;
        iv[n][1] = b;
        n++;
    }
    return n;
}

int ind_in_force_intervals(long grant, long term_end, const ind_ev *ev, size_t n, long (*iv)[2], int max)
{
    if (grant < 0 && grant != IND_ALWAYS) return 0;
    if (term_end < 0) term_end = IND_NEVER;
    int cnt = 0, on = 1;
    long open = IND_ALWAYS;
    size_t i = 0;
    while (i < n) {
        long d = ev[i].day;
        int any_end = 0, any_restore = 0;
        for (; i < n && ev[i].day == d; i++) {
            int k = ev[i].kind;
            if (k == EV_LAPSE || k == EV_INVALID || k == EV_SURRENDER || k == EV_EXPIRY) any_end = 1;
            else if (k == EV_RESTORE)
                any_restore = 1;
        }
        if (!any_end && !any_restore) continue;
        int now = !any_end; /* an ending event wins over a restoration on the same day */
        if (on && !now) {
            cnt = add_iv(open, d, grant, term_end, iv, cnt, max);
            on = 0;
        } else if (!on && now) {
            open = d;
            on = 1;
        }
    }
    if (on) cnt = add_iv(open, IND_NEVER, grant, term_end, iv, cnt, max);
    return cnt;
}

int ind_family_overseas(const char *family_json)
{
    if (!family_json || !*family_json || !strcmp(family_json, "[]")) return 0;
    json_t *a = json_loads(family_json, 0, NULL);
    int found = 0;
    size_t i;
    json_t *m;
    json_array_foreach(a, i, m)
    {
        const char *c = json_string_value(json_object_get(m, "country"));
        if (c && strcmp(c, "CN") && strcmp(c, "WO") && json_is_true(json_object_get(m, "granted"))) found = 1;
    }
    json_decref(a);
    return found;
}

long ind_award_day(const char *awards_json)
{
    if (!awards_json || !*awards_json || !strcmp(awards_json, "[]")) return IND_NEVER;
    json_t *a = json_loads(awards_json, 0, NULL);
    long best = IND_NEVER;
    size_t i;
    json_t *m;
    json_array_foreach(a, i, m)
    {
        const char *k = json_string_value(json_object_get(m, "kind"));
        if (!k || (strcmp(k, "china_patent_award") && strcmp(k, "national_sci_award"))) continue;
        json_t *y = json_object_get(m, "year");
        long d = json_is_integer(y) ? util_days_from_civil((long)json_integer_value(y), 1, 1) : IND_ALWAYS;
        if (d < best) best = d;
    }
    json_decref(a);
    return best;
}

int ind_pct_norm(const char *in, char out[64])
{
    size_t n = 0;
    out[0] = '\0';
    for (const unsigned char *p = (const unsigned char *)in; p && *p && n < 63; p++)
        if (*p != ' ' && *p != '\t') out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    out[n] = '\0';
    return !strncmp(out, "PCT/CN", 6);
}

/* ---- regions ---- */

static int code_shape_ok(const char *c)
{
    size_t n = strlen(c);
    if (n < 1 || n > 12) return 0;
    for (const char *p = c; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' ||
              *p == '_'))
            return 0;
    return 1;
}

static int six_digits(const char *c) { return strlen(c) == 6 && strspn(c, "0123456789") == 6; }

int ind_region_get(store *db, const char *code, ind_region *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (!code || !*code)
        return err_set(e, 400, "query.required", "缺少参数 region（行政区划代码，全国为 000000）",
                       "Parameter region is required (a division code; 000000 for the nation)");
    if (!strcmp(code, "000000")) {
        snprintf(out->code, sizeof out->code, "000000");
        snprintf(out->name_zh, sizeof out->name_zh, "全国");
        snprintf(out->name_en, sizeof out->name_en, "China (nation)");
        out->level = 0;
        return 0;
    }
    if (!code_shape_ok(code))
        return err_set(e, 404, "region.not_found", "没有行政区划或园区“%s”", "No region or park \"%s\"", code, code);
    store_stmt *st =
        store_prepare(db, "SELECT name_zh, name_en, level FROM regions WHERE code = ? AND deleted_at IS NULL", e);
    if (!st) return -1;
    store_bind_text(st, 1, code);
    int rc = store_step(st, e);
    if (rc == 1) {
        snprintf(out->code, sizeof out->code, "%s", code);
        snprintf(out->name_zh, sizeof out->name_zh, "%s", store_col_text(st, 0) ? store_col_text(st, 0) : "");
        snprintf(out->name_en, sizeof out->name_en, "%s", store_col_text(st, 1) ? store_col_text(st, 1) : "");
        const char *lv = store_col_text(st, 2);
        if (lv && !strcmp(lv, "park")) out->level = 4;
        else if (!six_digits(code))
            out->level = 4;
        else if (!strcmp(code + 2, "0000"))
            out->level = 1;
        else if (!strcmp(code + 4, "00"))
            out->level = 2;
        else
            out->level = 3;
    }
    store_done(st);
    if (rc < 0) return -1;
    if (rc == 0)
        return err_set(e, 404, "region.not_found", "没有行政区划或园区“%s”", "No region or park \"%s\"", code, code);
    return 0;
}

void ind_region_cond(const ind_region *r, const char *rcol, const char *pcol, buf *b)
{
    switch (r->level) {
    case 0: buf_puts(b, "1 = 1"); break;
    case 4: buf_printf(b, "%s = '%s'", pcol, r->code); break;
    case 1: buf_printf(b, "(%s >= '%.2s0000' AND %s <= '%.2s9999')", rcol, r->code, rcol, r->code); break;
    case 2: buf_printf(b, "(%s >= '%.4s00' AND %s <= '%.4s99')", rcol, r->code, rcol, r->code); break;
    default: buf_printf(b, "%s = '%s'", rcol, r->code); break;
    }
}

void ind_region_cond_paged(const ind_region *r, const char *rcol, const char *pcol, buf *b)
{
    if (r->level == 1) buf_printf(b, "(substr(%s, 1, 2) = '%.2s' AND length(%s) = 6)", rcol, r->code, rcol);
    else if (r->level == 2)
        buf_printf(b, "(substr(%s, 1, 4) = '%.4s' AND length(%s) = 6)", rcol, r->code, rcol);
    else
        ind_region_cond(r, rcol, pcol, b);
}

int ind_region_in(const ind_region *r, const char *region, const char *park)
{
    if (!region) region = "";
    switch (r->level) {
    case 0: return 1;
    case 4: return park && !strcmp(park, r->code);
    case 1: return six_digits(region) && !strncmp(region, r->code, 2);
    case 2: return six_digits(region) && !strncmp(region, r->code, 4);
    default: return !strcmp(region, r->code);
    }
}

int ind_chain(const char *region, const char *park, char (*out)[13])
{
    int n = 0;
    if (park && *park) snprintf(out[n++], 13, "%s", park);
    if (!region || !*region) return n;
    snprintf(out[n++], 13, "%s", region);
    if (!six_digits(region)) return n;
    char city[7], prov[7];
    snprintf(city, sizeof city, "%.4s00", region);
    snprintf(prov, sizeof prov, "%.2s0000", region);
    if (strcmp(city, region)) snprintf(out[n++], 13, "%s", city);
    if (strcmp(prov, region) && strcmp(prov, city)) snprintf(out[n++], 13, "%s", prov);
    return n;
}

char *ind_park_districts(store *db, err *e)
{
    store_stmt *st =
        store_prepare(db, "SELECT DISTINCT parent_code FROM regions WHERE level = 'park' AND deleted_at IS NULL", e);
    if (!st) return NULL;
    buf b = BUF_INIT;
    buf_putc(&b, ',');
    int rc;
    while ((rc = store_step(st, e)) == 1)
        if (store_col_text(st, 0)) buf_printf(&b, "%s,", store_col_text(st, 0));
    store_done(st);
    if (rc < 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}
