/* test_registry.c - the IP registry (src/domain/registry.h): the legal
 * status of a patent (pat_status_on, pat_term_years) on hand-built JSON,
 * the same rules through the database (pat_in_force_sql must agree with
 * pat_status_on), and the patent hooks: IPC normalisation, party checks,
 * the derived columns (country, ipc_main, first_applicant, holders,
 * region_code, term_end) and the derived tables patent_ipc and
 * patent_parties after create, update and delete.
 *
 * Every database test runs on a fresh SQLite file (support_db.h: mkdtemp,
 * schema_migrate, demo_init) with the address index loaded from
 * data/regions, as the actor {0, "tester", admin, "310104-ipa"}. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>

#include "support_db.h"
#include "../../src/domain/address.h"
#include "../../src/domain/registry.h"
#include "../../src/records/rec.h"

static const rec_actor actor = {0, "tester", ROLE_ADMIN, "310104-ipa"};

/* ---- helpers ------------------------------------------------------------ */

static long day_of(const char *s)
{
    long d;
    if (util_date_parse(s, &d)) fail_msg("bad date literal %s", s);
    return d;
}

static char *day_str(long d)
{
    static char out[8][16];
    static int k;
    k = (k + 1) % 8;
    util_date_format(d, out[k], sizeof out[k]);
    return out[k];
}

/* A patent as pat_status_on reads it (kind, filing_date, grant_date). */
static json_t *pat(const char *kind, const char *filing, const char *grant)
{
    json_t *p = json_pack("{s:s}", "kind", kind);
    if (filing) json_object_set_new(p, "filing_date", json_string(filing));
    if (grant) json_object_set_new(p, "grant_date", json_string(grant));
    return p;
}

/* Events from (kind, date) pairs ending with NULL; ids 101, 102, ... in
 * the order given. */
static json_t *evs(const char *kind, ...)
{
    json_t *a = json_array();
    va_list ap;
    va_start(ap, kind);
    int id = 101;
    for (const char *k = kind; k; k = va_arg(ap, const char *)) {
        const char *d = va_arg(ap, const char *);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id++, "kind", k, "date", d));
    }
    va_end(ap);
    return a;
}

static json_t *reversed(const json_t *a)
{
    json_t *r = json_array();
    for (size_t i = json_array_size(a); i > 0; i--) json_array_append(r, json_array_get(a, i - 1));
    return r;
}

/* Asserts the state (and, when since is given, the day it began) on day. */
#define EXPECT_STATE(p, ev, day, want, since_str) \
    do { \
        pat_status s_; \
        pat_status_on((p), (ev), day_of(day), &s_); \
        if (s_.state != (want)) \
            fail_msg("on %s: state %s, expected %s", (day), pat_state_name(s_.state), pat_state_name(want)); \
        const char *since_ = (since_str); \
        if (since_) assert_string_equal(day_str(s_.since), since_); \
    } while (0)

/* A valid CN application number: 12 digits (year, type, serial) + the
 * check character (weights 2..9,2..5, mod 11, 10 = X). */
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

static const char *str_of(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* ---- 1. legal status on hand-built JSON --------------------------------- */

static void test_term_years(void **state)
{
    (void)state;
    /* Patent Law 2020 Art. 42: invention 20, utility model 10, design 15
     * when filed on or after 2021-06-01 (the amendment's entry into force),
     * 10 before. */
    assert_int_equal(pat_term_years("invention", day_of("2001-03-01")), 20);
    assert_int_equal(pat_term_years("utility", day_of("2021-06-01")), 10);
    assert_int_equal(pat_term_years("design", day_of("2021-05-31")), 10);
    assert_int_equal(pat_term_years("design", day_of("2021-06-01")), 15);
    assert_int_equal(pat_term_years("design", day_of("2030-01-01")), 15);
    assert_int_equal(pat_term_years(NULL, day_of("2030-01-01")), 20);
}

static void test_status_grant(void **state)
{
    (void)state;
    /* Granted 2018-06-01: in force from that day (inclusive), not granted
     * the day before.  Invention filed 2015-01-10: term_end 2035-01-10. */
    json_t *p = pat("invention", "2015-01-10", "2018-06-01");
    json_t *none = json_array();
    EXPECT_STATE(p, none, "2018-06-01", PAT_IN_FORCE, "2018-06-01");
    EXPECT_STATE(p, none, "2018-05-31", PAT_NOT_GRANTED, NULL);
    EXPECT_STATE(p, NULL, "2018-06-01", PAT_IN_FORCE, "2018-06-01"); /* no events at all */
    pat_status s;
    pat_status_on(p, none, day_of("2020-01-01"), &s);
    assert_string_equal(day_str(s.term_end), "2035-01-10");
    assert_int_equal(s.cause_event, 0);
    /* Events that do not touch the status are ignored. */
    json_t *other = evs("fee_paid", "2019-01-10", "transfer", "2019-02-01", "pledge", "2019-03-01", "licence",
                        "2019-04-01", "pledge_release", "2020-03-01", NULL);
    EXPECT_STATE(p, other, "2020-06-01", PAT_IN_FORCE, "2018-06-01");
    /* Never granted: not granted whatever the events say. */
    json_t *ng = pat("invention", "2015-01-10", NULL);
    json_t *lapse = evs("lapse", "2019-01-10", NULL);
    EXPECT_STATE(ng, lapse, "2020-01-01", PAT_NOT_GRANTED, NULL);
    EXPECT_STATE(ng, none, "2034-01-01", PAT_NOT_GRANTED, NULL);
    json_decref(p);
    json_decref(none);
    json_decref(other);
    json_decref(ng);
    json_decref(lapse);
}

static void test_status_lapse_restoration(void **state)
{
    (void)state;
    json_t *p = pat("invention", "2015-01-10", "2018-06-01");
    /* Lapse on 2020-03-01: not in force on that day, in force on the day
     * before (2020 is a leap year: 2020-02-29). */
    json_t *l = evs("lapse", "2020-03-01", NULL);
    EXPECT_STATE(p, l, "2020-03-01", PAT_LAPSED, "2020-03-01");
    EXPECT_STATE(p, l, "2020-02-29", PAT_IN_FORCE, "2018-06-01");
    pat_status s;
    pat_status_on(p, l, day_of("2021-01-01"), &s);
    assert_int_equal(s.state, PAT_LAPSED);
    assert_int_equal(s.cause_event, 101);

    /* Lapse, then restoration on 2020-09-15: lapsed up to 2020-09-14, in
     * force again from 2020-09-15 (since = the restoration). */
    json_t *lr = evs("lapse", "2020-03-01", "restoration", "2020-09-15", NULL);
    EXPECT_STATE(p, lr, "2020-09-14", PAT_LAPSED, "2020-03-01");
    EXPECT_STATE(p, lr, "2020-09-15", PAT_IN_FORCE, "2020-09-15");
    EXPECT_STATE(p, lr, "2025-01-01", PAT_IN_FORCE, "2020-09-15");
    pat_status_on(p, lr, day_of("2025-01-01"), &s);
    assert_int_equal(s.cause_event, 102);

    /* Lapse, restoration, lapse again on 2022-03-01: in force 2022-02-28,
     * lapsed from 2022-03-01 for good; the order of the array does not
     * matter. */
    json_t *lrl = evs("lapse", "2020-03-01", "restoration", "2020-09-15", "lapse", "2022-03-01", NULL);
    json_t *rev = reversed(lrl);
    for (int k = 0; k < 2; k++) {
        json_t *e = k ? rev : lrl;
        EXPECT_STATE(p, e, "2020-03-01", PAT_LAPSED, "2020-03-01");
        EXPECT_STATE(p, e, "2021-01-01", PAT_IN_FORCE, "2020-09-15");
        EXPECT_STATE(p, e, "2022-02-28", PAT_IN_FORCE, "2020-09-15");
        EXPECT_STATE(p, e, "2022-03-01", PAT_LAPSED, "2022-03-01");
        EXPECT_STATE(p, e, "2030-01-01", PAT_LAPSED, "2022-03-01");
        pat_status_on(p, e, day_of("2030-01-01"), &s);
        assert_int_equal(s.cause_event, 103);
    }
    json_decref(p);
    json_decref(l);
    json_decref(lr);
    json_decref(lrl);
    json_decref(rev);
}

static void test_status_same_day(void **state)
{
    (void)state;
    json_t *p = pat("utility", "2016-05-05", "2017-01-01");
    /* Restoration and lapse on the same day: the ending event wins, in
     * either order of the array; the day before it is in force. */
    json_t *a = evs("lapse", "2020-03-01", "restoration", "2020-03-01", NULL);
    json_t *b = evs("restoration", "2020-03-01", "lapse", "2020-03-01", NULL);
    EXPECT_STATE(p, a, "2020-03-01", PAT_LAPSED, "2020-03-01");
    EXPECT_STATE(p, b, "2020-03-01", PAT_LAPSED, "2020-03-01");
    EXPECT_STATE(p, a, "2020-02-29", PAT_IN_FORCE, "2017-01-01");
    EXPECT_STATE(p, b, "2021-01-01", PAT_LAPSED, "2020-03-01");
    /* Lapse, then on one later day both a restoration and an invalidation:
     * invalidated from that day (the ending event wins), lapsed before. */
    json_t *c = evs("lapse", "2019-03-01", "restoration", "2019-06-01", "invalidation", "2019-06-01", NULL);
    json_t *c2 = reversed(c);
    EXPECT_STATE(p, c, "2019-05-31", PAT_LAPSED, "2019-03-01");
    EXPECT_STATE(p, c, "2019-06-01", PAT_INVALIDATED, "2019-06-01");
    EXPECT_STATE(p, c2, "2019-06-01", PAT_INVALIDATED, "2019-06-01");
    json_decref(p);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(c2);
}

static void test_status_endings(void **state)
{
    (void)state;
    json_t *p = pat("invention", "2012-07-07", "2016-02-02");
    /* Invalidation on 2019-05-05: invalidated from that day. */
    json_t *inv = evs("invalidation", "2019-05-05", NULL);
    EXPECT_STATE(p, inv, "2019-05-04", PAT_IN_FORCE, "2016-02-02");
    EXPECT_STATE(p, inv, "2019-05-05", PAT_INVALIDATED, "2019-05-05");
    /* Surrender on 2019-07-07. */
    json_t *sur = evs("surrender", "2019-07-07", NULL);
    EXPECT_STATE(p, sur, "2019-07-06", PAT_IN_FORCE, "2016-02-02");
    EXPECT_STATE(p, sur, "2019-07-07", PAT_SURRENDERED, "2019-07-07");
    /* An expiry event ends it as well. */
    json_t *exp = evs("expiry", "2030-01-01", NULL);
    EXPECT_STATE(p, exp, "2029-12-31", PAT_IN_FORCE, "2016-02-02");
    EXPECT_STATE(p, exp, "2030-01-01", PAT_EXPIRED, "2030-01-01");
    /* A restoration does not undo a later ending. */
    json_t *ri = evs("restoration", "2018-01-01", "invalidation", "2019-05-05", NULL);
    EXPECT_STATE(p, ri, "2019-05-05", PAT_INVALIDATED, "2019-05-05");
    json_decref(p);
    json_decref(inv);
    json_decref(sur);
    json_decref(exp);
    json_decref(ri);
}

static void test_status_term(void **state)
{
    (void)state;
    json_t *none = json_array();
    pat_status s;
    /* Invention filed 2001-03-01: 20 years; the term runs 2001-03-01 to
     * 2021-02-28 and ends on the anniversary 2021-03-01 (CNIPA: "期满终止日"
     * is the anniversary of the filing date).  In force on 2021-02-28, not
     * on 2021-03-01. */
    json_t *inv = pat("invention", "2001-03-01", "2003-01-01");
    EXPECT_STATE(inv, none, "2021-02-28", PAT_IN_FORCE, "2003-01-01");
    EXPECT_STATE(inv, none, "2021-03-01", PAT_TERM_ENDED, "2021-03-01");
    pat_status_on(inv, none, day_of("2021-03-01"), &s);
    assert_string_equal(day_str(s.term_end), "2021-03-01");
    assert_int_equal(s.cause_event, 0);
    /* A lapse before the term end still says lapsed after it. */
    json_t *l = evs("lapse", "2010-03-01", NULL);
    EXPECT_STATE(inv, l, "2022-01-01", PAT_LAPSED, "2010-03-01");

    /* Utility model filed 2010-04-15: 10 years -> ends 2020-04-15. */
    json_t *um = pat("utility", "2010-04-15", "2010-12-01");
    EXPECT_STATE(um, none, "2020-04-14", PAT_IN_FORCE, NULL);
    EXPECT_STATE(um, none, "2020-04-15", PAT_TERM_ENDED, "2020-04-15");

    /* Design filed 2021-05-31, before the 2020 amendment took effect
     * (2021-06-01): 10 years -> ends 2031-05-31. */
    json_t *d1 = pat("design", "2021-05-31", "2021-10-01");
    EXPECT_STATE(d1, none, "2031-05-30", PAT_IN_FORCE, NULL);
    EXPECT_STATE(d1, none, "2031-05-31", PAT_TERM_ENDED, "2031-05-31");
    /* Design filed 2021-06-01: 15 years -> ends 2036-06-01; so still in
     * force on 2031-06-01 where a 10-year term would have ended. */
    json_t *d2 = pat("design", "2021-06-01", "2021-10-01");
    EXPECT_STATE(d2, none, "2031-06-01", PAT_IN_FORCE, NULL);
    EXPECT_STATE(d2, none, "2036-05-31", PAT_IN_FORCE, NULL);
    EXPECT_STATE(d2, none, "2036-06-01", PAT_TERM_ENDED, "2036-06-01");

    /* Leap day.  Invention filed 2004-02-29: 2024 is a leap year, the
     * anniversary 2024-02-29 exists -> in force 2024-02-28, ended
     * 2024-02-29. */
    json_t *lp = pat("invention", "2004-02-29", "2006-01-01");
    EXPECT_STATE(lp, none, "2024-02-28", PAT_IN_FORCE, NULL);
    EXPECT_STATE(lp, none, "2024-02-29", PAT_TERM_ENDED, "2024-02-29");
    /* Utility model filed 2004-02-29: 2014 has no 29 February; the
     * corresponding day of a month without it is the month's last day
     * (Civil Code Art. 203; CNIPA applies it to 2-29 fee due dates), so
     * the term ends on 2014-02-28 and the last day in force is 2014-02-27.
     * (Taking 2014-03-01 as the anniversary instead would give one more
     * day; the month-end rule is the one asserted here.) */
    json_t *lu = pat("utility", "2004-02-29", "2004-10-01");
    EXPECT_STATE(lu, none, "2014-02-27", PAT_IN_FORCE, NULL);
    EXPECT_STATE(lu, none, "2014-02-28", PAT_TERM_ENDED, "2014-02-28");
    /* No filing date: no term end at all. */
    json_t *nf = pat("invention", NULL, "2000-01-01");
    EXPECT_STATE(nf, none, "2090-01-01", PAT_IN_FORCE, "2000-01-01");
    pat_status_on(nf, none, day_of("2090-01-01"), &s);
    assert_int_equal(s.term_end, -1);
    json_decref(none);
    json_decref(inv);
    json_decref(l);
    json_decref(um);
    json_decref(d1);
    json_decref(d2);
    json_decref(lp);
    json_decref(lu);
    json_decref(nf);
}

static void test_status_grant_event(void **state)
{
    (void)state;
    /* No grant_date, a grant event on 2019-08-08: not granted on
     * 2019-08-07, in force from 2019-08-08. */
    json_t *p = pat("utility", "2019-01-01", NULL);
    json_t *g = evs("grant", "2019-08-08", NULL);
    EXPECT_STATE(p, g, "2019-08-07", PAT_NOT_GRANTED, NULL);
    EXPECT_STATE(p, g, "2019-08-08", PAT_IN_FORCE, "2019-08-08");
    /* ... lapsing later as usual. */
    json_t *gl = evs("grant", "2019-08-08", "lapse", "2021-01-01", NULL);
    EXPECT_STATE(p, gl, "2021-01-01", PAT_LAPSED, "2021-01-01");
    /* Both a grant date and an earlier grant event: the earlier counts. */
    json_t *p2 = pat("utility", "2019-01-01", "2019-09-01");
    EXPECT_STATE(p2, g, "2019-08-08", PAT_IN_FORCE, "2019-08-08");
    json_decref(p);
    json_decref(g);
    json_decref(gl);
    json_decref(p2);
}

/* ---- 1b. the same cases through the database ----------------------------- */

typedef struct scase {
    const char *kind, *filing, *grant;
    const char *ev[8]; /* kind, date pairs, NULL-terminated */
} scase;

static const scase cases[] = {
    {"invention", "2015-01-10", "2018-06-01", {NULL}},
    {"invention", "2015-01-10", "2018-06-01", {"lapse", "2020-03-01", NULL}},
    {"invention", "2015-01-10", "2018-06-01", {"lapse", "2020-03-01", "restoration", "2020-09-15", NULL}},
    {"invention",
     "2015-01-10",
     "2018-06-01",
     {"lapse", "2020-03-01", "restoration", "2020-09-15", "lapse", "2022-03-01", NULL}},
    {"utility", "2016-05-05", "2017-01-01", {"lapse", "2020-03-01", "restoration", "2020-03-01", NULL}},
    {"utility", "2016-05-05", "2017-01-01", {"restoration", "2020-03-01", "lapse", "2020-03-01", NULL}},
    {"utility",
     "2016-05-05",
     "2017-01-01",
     {"lapse", "2019-03-01", "restoration", "2019-06-01", "invalidation", "2019-06-01", NULL}},
    {"invention", "2012-07-07", "2016-02-02", {"invalidation", "2019-05-05", NULL}},
    {"invention", "2012-07-07", "2016-02-02", {"surrender", "2019-07-07", NULL}},
    {"invention", "2012-07-07", "2016-02-02", {"expiry", "2030-01-01", NULL}},
    {"invention", "2001-03-01", "2003-01-01", {NULL}},
    {"invention", "2001-03-01", "2003-01-01", {"lapse", "2010-03-01", NULL}},
    {"utility", "2010-04-15", "2010-12-01", {NULL}},
    {"design", "2021-05-31", "2021-10-01", {NULL}},
    {"design", "2021-06-01", "2021-10-01", {NULL}},
    {"invention", "2004-02-29", "2006-01-01", {NULL}},
    {"utility", "2004-02-29", "2004-10-01", {NULL}},
    {"utility", "2019-01-01", NULL, {"grant", "2019-08-08", NULL}},
    {"utility", "2019-01-01", NULL, {"grant", "2019-08-08", "lapse", "2021-01-01", NULL}},
    {"utility", "2019-01-01", "2019-09-01", {"grant", "2019-08-08", NULL}},
    {"invention", "2015-01-10", NULL, {"lapse", "2019-01-10", NULL}},
    {"invention", NULL, "2000-01-01", {"fee_paid", "2001-01-01", "transfer", "2002-02-02", NULL}},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* Every boundary day of the cases above, its neighbours, and a few more. */
static const char *const probe_days[] = {
    "1999-12-31", "2000-01-01", "2003-01-01", "2004-10-01", "2006-01-01", "2010-03-01", "2010-12-01", "2014-02-27",
    "2014-02-28", "2014-03-01", "2016-02-02", "2017-01-01", "2018-05-31", "2018-06-01", "2019-03-01", "2019-05-04",
    "2019-05-05", "2019-05-31", "2019-06-01", "2019-07-06", "2019-07-07", "2019-08-07", "2019-08-08", "2019-08-31",
    "2019-09-01", "2020-02-29", "2020-03-01", "2020-04-14", "2020-04-15", "2020-09-14", "2020-09-15", "2020-12-31",
    "2021-01-01", "2021-02-28", "2021-03-01", "2022-02-28", "2022-03-01", "2024-02-28", "2024-02-29", "2025-01-01",
    "2029-12-31", "2030-01-01", "2031-05-30", "2031-05-31", "2031-06-01", "2034-12-31", "2035-01-10", "2036-05-31",
    "2036-06-01", "2090-01-01",
};
#define NDAYS (sizeof probe_days / sizeof probe_days[0])

/* In force according to the SQL rule: one patent (id > 0) or all. */
static int64_t sql_in_force(store *db, int64_t id, const char *day)
{
    buf q = BUF_INIT;
    buf_printf(&q, "SELECT COUNT(*) FROM patents p WHERE %s AND p.deleted_at IS NULL%s", pat_in_force_sql(),
               id ? " AND p.id = ?" : "");
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, q.s, &e);
    buf_free(&q);
    if (!st) fail_msg("prepare: %s", err_msg(&e, LANG_EN));
    int n = pat_in_force_params();
    for (int i = 1; i <= n; i++) store_bind_text(st, i, day);
    if (id) store_bind_int(st, n + 1, id);
    assert_int_equal(store_step(st, &e), 1);
    int64_t c = store_col_int(st, 0);
    store_done(st);
    return c;
}

static int c_in_force(store *db, int64_t id, const char *day)
{
    err e = ERR_INIT;
    json_t *p = NULL, *ev = NULL;
    T_OK(rec_get(db, &type_patent, &actor, id, &p, &e), &e);
    T_OK(pat_events_load(db, id, &ev, &e), &e);
    pat_status s;
    pat_status_on(p, ev, day_of(day), &s);
    json_decref(p);
    json_decref(ev);
    return s.state == PAT_IN_FORCE;
}

static int64_t create_patent(store *db, json_t *in)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    if (rec_create(db, &type_patent, &actor, in, &out, &e)) {
        char *items = tdb_items_text(&e);
        fail_msg("rec_create: %s %s", err_msg(&e, LANG_EN), items);
    }
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    json_decref(in);
    return id;
}

static int64_t create_event(store *db, int64_t pid, const char *kind, const char *date)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:I,s:s,s:s}", "patent", (json_int_t)pid, "kind", kind, "date", date);
    T_OK(rec_create(db, &type_patent_event, &actor, in, &out, &e), &e);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(in);
    json_decref(out);
    return id;
}

static void test_status_sql_agrees(void **state)
{
    tdb *t = *state;
    int64_t ids[NCASES];
    for (size_t i = 0; i < NCASES; i++) {
        char appno[16];
        cn_appno(2004 + (int)i,
                 !strcmp(cases[i].kind, "invention") ? 1
                 : !strcmp(cases[i].kind, "utility") ? 2
                                                     : 3,
                 (int)i + 1, appno);
        json_t *in = json_pack("{s:s,s:s,s:s}", "appno", appno, "kind", cases[i].kind, "title", "状态测试");
        if (cases[i].filing) json_object_set_new(in, "filing_date", json_string(cases[i].filing));
        if (cases[i].grant) json_object_set_new(in, "grant_date", json_string(cases[i].grant));
        ids[i] = create_patent(t->db, in);
        for (int k = 0; cases[i].ev[k]; k += 2) create_event(t->db, ids[i], cases[i].ev[k], cases[i].ev[k + 1]);
    }
    /* The stored term_end is the one pat_status_on computes. */
    for (size_t i = 0; i < NCASES; i++) {
        err e = ERR_INIT;
        json_t *p = NULL;
        T_OK(rec_get(t->db, &type_patent, &actor, ids[i], &p, &e), &e);
        pat_status s;
        pat_status_on(p, NULL, day_of("2000-01-01"), &s);
        if (s.term_end < 0) assert_null(str_of(p, "term_end"));
        else
            assert_string_equal(str_of(p, "term_end"), day_str(s.term_end));
        json_decref(p);
    }
    /* SQL and C agree for every patent on every probe day, and the C
     * answer from the stored rows is the one on hand-built JSON. */
    for (size_t d = 0; d < NDAYS; d++) {
        int64_t total = 0;
        for (size_t i = 0; i < NCASES; i++) {
            int c = c_in_force(t->db, ids[i], probe_days[d]);
            int64_t s = sql_in_force(t->db, ids[i], probe_days[d]);
            if (s != c)
                fail_msg("case %zu (%s filed %s) on %s: SQL says %lld, pat_status_on says %d", i, cases[i].kind,
                         cases[i].filing ? cases[i].filing : "-", probe_days[d], (long long)s, c);
            /* the same on JSON built by hand */
            json_t *p = pat(cases[i].kind, cases[i].filing, cases[i].grant);
            json_t *ev = json_array();
            for (int k = 0; cases[i].ev[k]; k += 2)
                json_array_append_new(ev, json_pack("{s:s,s:s}", "kind", cases[i].ev[k], "date", cases[i].ev[k + 1]));
            pat_status st;
            pat_status_on(p, ev, day_of(probe_days[d]), &st);
            assert_int_equal(st.state == PAT_IN_FORCE, c);
            json_decref(p);
            json_decref(ev);
            total += c;
        }
        assert_int_equal(sql_in_force(t->db, 0, probe_days[d]), total);
    }
    /* Spot checks of the expected answers (derived in the JSON tests). */
    assert_int_equal(sql_in_force(t->db, ids[0], "2018-06-01"), 1);
    assert_int_equal(sql_in_force(t->db, ids[0], "2018-05-31"), 0);
    assert_int_equal(sql_in_force(t->db, ids[1], "2020-03-01"), 0);
    assert_int_equal(sql_in_force(t->db, ids[1], "2020-02-29"), 1);
    assert_int_equal(sql_in_force(t->db, ids[2], "2020-09-15"), 1);
    assert_int_equal(sql_in_force(t->db, ids[3], "2022-03-01"), 0);
    assert_int_equal(sql_in_force(t->db, ids[4], "2020-03-01"), 0);
    assert_int_equal(sql_in_force(t->db, ids[5], "2020-03-01"), 0);
    assert_int_equal(sql_in_force(t->db, ids[10], "2021-02-28"), 1);
    assert_int_equal(sql_in_force(t->db, ids[10], "2021-03-01"), 0);
    assert_int_equal(sql_in_force(t->db, ids[14], "2031-06-01"), 1);
    assert_int_equal(sql_in_force(t->db, ids[13], "2031-05-31"), 0);
    assert_int_equal(sql_in_force(t->db, ids[17], "2019-08-08"), 1);
    assert_int_equal(sql_in_force(t->db, ids[17], "2019-08-07"), 0);

    /* A soft-deleted lapse no longer counts, in both rules. */
    int64_t pid = ids[1];
    json_t *evl = NULL;
    err e = ERR_INIT;
    T_OK(pat_events_load(t->db, pid, &evl, &e), &e);
    assert_int_equal(json_array_size(evl), 1);
    int64_t eid = json_integer_value(json_object_get(json_array_get(evl, 0), "id"));
    int64_t ver = json_integer_value(json_object_get(json_array_get(evl, 0), "version"));
    json_decref(evl);
    T_OK(rec_delete(t->db, &type_patent_event, &actor, eid, ver, &e), &e);
    assert_int_equal(sql_in_force(t->db, pid, "2021-01-01"), 1);
    assert_int_equal(c_in_force(t->db, pid, "2021-01-01"), 1);

    /* Changing the kind recomputes term_end, and both rules follow:
     * case 12 (utility filed 2010-04-15) as an invention ends 2030-04-15. */
    json_t *p = NULL, *out = NULL;
    T_OK(rec_get(t->db, &type_patent, &actor, ids[12], &p, &e), &e);
    json_t *patch = json_pack("{s:s}", "kind", "invention");
    T_OK(rec_update(t->db, &type_patent, &actor, ids[12], patch, json_integer_value(json_object_get(p, "version")),
                    &out, &e),
         &e);
    assert_string_equal(str_of(out, "term_end"), "2030-04-15");
    assert_int_equal(sql_in_force(t->db, ids[12], "2025-01-01"), 1);
    assert_int_equal(c_in_force(t->db, ids[12], "2025-01-01"), 1);
    assert_int_equal(sql_in_force(t->db, ids[12], "2030-04-15"), 0);
    assert_int_equal(c_in_force(t->db, ids[12], "2030-04-15"), 0);
    json_decref(patch);
    json_decref(p);
    json_decref(out);
}

/* ---- 2. patent hooks ------------------------------------------------------ */

/* Rows of patent_ipc of a patent as a JSON array of codes in seq order,
 * after checking that seq is 1..n. */
static json_t *ipc_rows(store *db, int64_t id)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, "SELECT seq, code FROM patent_ipc WHERE patent_id = ? ORDER BY seq", &e);
    assert_non_null(st);
    store_bind_int(st, 1, id);
    json_t *a = json_array();
    int r;
    while ((r = store_step(st, &e)) == 1) {
        assert_int_equal(store_col_int(st, 0), (int64_t)json_array_size(a) + 1);
        json_array_append_new(a, json_string(store_col_text(st, 1)));
    }
    store_done(st);
    assert_int_equal(r, 0);
    return a;
}

/* Rows of patent_parties of a patent and role as [{name, address?,
 * country?, region_code?}] in seq order. */
static json_t *party_rows(store *db, int64_t id, const char *role)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db,
                                   "SELECT seq, name, address, country, region_code FROM patent_parties"
                                   " WHERE patent_id = ? AND role = ? ORDER BY seq",
                                   &e);
    assert_non_null(st);
    store_bind_int(st, 1, id);
    store_bind_text(st, 2, role);
    json_t *a = json_array();
    int r;
    while ((r = store_step(st, &e)) == 1) {
        assert_int_equal(store_col_int(st, 0), (int64_t)json_array_size(a) + 1);
        json_t *o = json_pack("{s:s}", "name", store_col_text(st, 1));
        static const char *k[] = {NULL, NULL, "address", "country", "region_code"};
        for (int c = 2; c <= 4; c++)
            if (store_col_text(st, c)) json_object_set_new(o, k[c], json_string(store_col_text(st, c)));
        json_array_append_new(a, o);
    }
    store_done(st);
    assert_int_equal(r, 0);
    return a;
}

/* Asserts that the parties of the row equal the table rows, with the
 * region codes expected (NULL = none), one per party. */
static void expect_parties(store *db, const json_t *row, const char *field, const char *role, ...)
{
    json_t *rows = party_rows(db, json_integer_value(json_object_get(row, "id")), role);
    json_t *arr = json_object_get(row, field);
    assert_int_equal(json_array_size(rows), json_array_size(arr));
    va_list ap;
    va_start(ap, role);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *want = json_array_get(arr, i), *got = json_array_get(rows, i);
        assert_string_equal(str_of(got, "name"), str_of(want, "name"));
        if (str_of(want, "address")) assert_string_equal(str_of(got, "address"), str_of(want, "address"));
        else
            assert_null(str_of(got, "address"));
        if (str_of(want, "country")) assert_string_equal(str_of(got, "country"), str_of(want, "country"));
        else
            assert_null(str_of(got, "country"));
        const char *rc = va_arg(ap, const char *);
        if (rc) {
            if (!str_of(got, "region_code")) fail_msg("%s %zu: no region, expected %s", role, i + 1, rc);
            assert_string_equal(str_of(got, "region_code"), rc);
        } else if (str_of(got, "region_code"))
            fail_msg("%s %zu: region %s, expected none", role, i + 1, str_of(got, "region_code"));
    }
    va_end(ap);
    json_decref(rows);
}

static void expect_ipc_rows(store *db, const json_t *row)
{
    json_t *rows = ipc_rows(db, json_integer_value(json_object_get(row, "id")));
    json_t *want = json_object_get(row, "ipc");
    if (!json_is_array(want)) assert_int_equal(json_array_size(rows), 0);
    else if (!json_equal(rows, want)) {
        char *a = json_dumps(rows, 0), *b = json_dumps(want, 0);
        fail_msg("patent_ipc %s != ipc %s", a, b);
    }
    json_decref(rows);
}

static void test_ipc_normalised(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    /* Four spellings, two of them the same code: CNIPA text with version,
     * Lens without space, lower case, CPC scheme form. */
    json_t *in = json_pack("{s:s,s:s,s:s,s:[ssss],s:[ss]}", "appno", "202110991218.8", "kind", "invention", "title",
                           "一种芯片封装结构", "ipc", "h01l 23/31", "H01L23/31 (2006.01)", "H01L  21/56",
                           "G06F0017300000", "cpc", "H01L2224/48091", "h01l 2224/48091");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    json_t *want = json_pack("[sss]", "H01L 23/31", "H01L 21/56", "G06F 17/30");
    assert_true(json_equal(json_object_get(out, "ipc"), want));
    json_t *wcpc = json_pack("[s]", "H01L 2224/48091");
    assert_true(json_equal(json_object_get(out, "cpc"), wcpc));
    assert_string_equal(str_of(out, "ipc_main"), "H01L 23/31");
    assert_string_equal(str_of(out, "country"), "CN");
    expect_ipc_rows(t->db, out);
    /* The stored row says the same. */
    json_t *got = NULL;
    T_OK(rec_get(t->db, &type_patent, &actor, json_integer_value(json_object_get(out, "id")), &got, &e), &e);
    assert_true(json_equal(json_object_get(got, "ipc"), want));
    json_decref(got);
    json_decref(in);
    json_decref(out);
    json_decref(want);
    json_decref(wcpc);
}

static void test_ipc_bad(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    int64_t before = tdb_int(t->db, "SELECT COUNT(*) FROM patents");
    int64_t audit0 = tdb_int(t->db, "SELECT COUNT(*) FROM audit_log");
    json_t *in = json_pack("{s:s,s:s,s:s,s:[ss]}", "appno", "202110991218.8", "kind", "invention", "title", "坏分类号",
                           "ipc", "H01L 23/31", "H01L-23");
    assert_int_equal(rec_create(t->db, &type_patent, &actor, in, &out, &e), -1);
    assert_null(out);
    assert_int_equal(e.status, 422);
    T_ITEM(&e, "ipc", "validation.ipc");
    assert_int_equal(json_array_size(e.items), 1);
    const char *msg = json_string_value(json_object_get(json_array_get(e.items, 0), "message_en"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "H01L-23"));
    err_clear(&e);
    json_decref(in);
    /* A bad CPC is reported on cpc; a non-array ipc and non-string items
     * are structure errors on ipc. */
    in = json_pack("{s:s,s:s,s:s,s:[s]}", "appno", "202110991218.8", "kind", "invention", "title", "x", "cpc",
                   "nonsense");
    assert_int_equal(rec_create(t->db, &type_patent, &actor, in, &out, &e), -1);
    T_ITEM(&e, "cpc", "validation.ipc");
    err_clear(&e);
    json_decref(in);
    in = json_pack("{s:s,s:s,s:s,s:s}", "appno", "202110991218.8", "kind", "invention", "title", "x", "ipc",
                   "H01L 23/31");
    assert_int_equal(rec_create(t->db, &type_patent, &actor, in, &out, &e), -1);
    T_ITEM(&e, "ipc", "validation.structure");
    err_clear(&e);
    json_decref(in);
    in = json_pack("{s:s,s:s,s:s,s:[i]}", "appno", "202110991218.8", "kind", "invention", "title", "x", "ipc", 42);
    assert_int_equal(rec_create(t->db, &type_patent, &actor, in, &out, &e), -1);
    T_ITEM(&e, "ipc", "validation.structure");
    err_clear(&e);
    json_decref(in);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), before);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc"), 0);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM audit_log"), audit0);
}

static void expect_party_error(tdb *t, const char *field, json_t *parties)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:o}", "appno", "202110991218.8", "kind", "invention", "title", "当事人",
                           field, parties);
    assert_int_equal(rec_create(t->db, &type_patent, &actor, in, &out, &e), -1);
    assert_int_equal(e.status, 422);
    T_ITEM(&e, field, "validation.structure");
    err_clear(&e);
    json_decref(in);
}

static void test_parties_validated(void **state)
{
    tdb *t = *state;
    expect_party_error(t, "applicants", json_string("上海某公司"));
    expect_party_error(t, "applicants", json_pack("[{s:s}]", "address", "上海市徐汇区"));
    expect_party_error(t, "applicants", json_pack("[{s:s}]", "name", ""));
    expect_party_error(t, "applicants", json_pack("[{s:s,s:s}]", "name", "甲", "country", "CHN"));
    expect_party_error(t, "applicants", json_pack("[{s:s,s:i}]", "name", "甲", "address", 7));
    expect_party_error(t, "applicants", json_pack("[s]", "甲"));
    expect_party_error(t, "patentees", json_pack("[{s:s},{s:i}]", "name", "甲", "name", 1));
    expect_party_error(t, "inventors", json_pack("[{s:s}]", "name", "张三")); /* strings only */
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patents"), 0);

    /* A lower-case country is stored upper-case. */
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:n}]}", "appno", "202110991218.8", "kind", "invention", "title",
                           "当事人", "applicants", "name", "Acme Inc.", "country", "us", "address");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    assert_string_equal(str_of(json_array_get(json_object_get(out, "applicants"), 0), "country"), "US");
    expect_parties(t->db, out, "applicants", "applicant", NULL);
    json_decref(in);
    json_decref(out);
}

static void test_derived_columns(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    /* Applicant 1 at the Xuhui address -> region 310104 (first applicant
     * decides); the same name again is one holder; the patentee adds one;
     * holders are joined with "；" in order.  Invention filed 2021-08-25 ->
     * term_end 2041-08-25; appno without country -> CN. */
    json_t *in =
        json_pack("{s:s,s:s,s:s,s:s,s:[s],s:[{s:s,s:s,s:s},{s:s,s:s},{s:s}],s:[{s:s}]}", "appno", "202110991218.8",
                  "kind", "invention", "title", "一种芯片封装结构", "filing_date", "2021-08-25", "ipc", "H01L 23/31",
                  "applicants", "name", "上海某科技有限公司", "address", "200030 上海市徐汇区漕宝路650号", "country",
                  "CN", "name", "北京某研究院", "address", "北京市海淀区中关村大街1号", "name", "上海某科技有限公司",
                  "patentees", "name", "深圳某公司");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    assert_string_equal(str_of(out, "country"), "CN");
    assert_string_equal(str_of(out, "first_applicant"), "上海某科技有限公司");
    assert_string_equal(str_of(out, "holders"), "上海某科技有限公司；北京某研究院；深圳某公司");
    assert_string_equal(str_of(out, "region_code"), "310104");
    assert_string_equal(str_of(out, "term_end"), "2041-08-25");
    assert_string_equal(str_of(out, "ipc_main"), "H01L 23/31");
    /* parties: the Beijing one (no country, Chinese text) resolves to
     * Haidian; the third has no address. */
    expect_parties(t->db, out, "applicants", "applicant", "310104", "110108", NULL);
    expect_parties(t->db, out, "patentees", "patentee", NULL);
    json_decref(in);
    json_decref(out);

    /* Derived fields cannot be given: each is refused as read-only. */
    in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "appno", "201910000001.9", "kind", "utility", "title", "x",
                   "region_code", "110108", "first_applicant", "伪造", "term_end", "2099-01-01", "holders", "伪造",
                   "ipc_main", "A01B 1/00");
    assert_int_equal(rec_create(t->db, &type_patent, &actor, in, &out, &e), -1);
    assert_int_equal(e.status, 422);
    T_ITEM(&e, "region_code", "validation.readonly");
    T_ITEM(&e, "first_applicant", "validation.readonly");
    T_ITEM(&e, "term_end", "validation.readonly");
    T_ITEM(&e, "holders", "validation.readonly");
    T_ITEM(&e, "ipc_main", "validation.readonly");
    err_clear(&e);
    json_decref(in);

    /* Only patentees: the first patentee is the first applicant. */
    in = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}]}", "appno", "US12134151", "kind", "invention", "title", "Wireless",
                   "patentees", "name", "Hmicro, Inc.", "address", "Fremont, CA");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    assert_string_equal(str_of(out, "country"), "US");
    assert_string_equal(str_of(out, "first_applicant"), "Hmicro, Inc.");
    assert_string_equal(str_of(out, "holders"), "Hmicro, Inc.");
    assert_null(str_of(out, "region_code")); /* ASCII address, no country: foreign */
    assert_null(str_of(out, "term_end"));
    assert_null(str_of(out, "ipc_main"));
    json_decref(in);
    json_decref(out);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews"), 0);
}

/* Two different holders, one name contained in the other: both are
 * holders. */
static void test_holders_distinct_names(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:[{s:s},{s:s}]}", "appno", "202110991218.8", "kind", "invention", "title",
                           "联合申请", "applicants", "name", "上海交通大学医学院", "name", "上海交通大学");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    char holders[256];
    snprintf(holders, sizeof holders, "%s", str_of(out, "holders") ? str_of(out, "holders") : "(null)");
    json_decref(in);
    json_decref(out);
    /* "上海交通大学" is another applicant than "上海交通大学医学院"; "distinct"
     * means not equal, not "not a substring of an earlier name". */
    assert_string_equal(holders, "上海交通大学医学院；上海交通大学");
}

static void test_region_foreign_and_review(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL;
    /* A KR applicant: no region, nothing queued. */
    json_t *in =
        json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s}]}", "appno", "202111286633.X", "kind", "invention", "title",
                  "显示设备", "applicants", "name", "三星显示有限公司", "address", "韩国京畿道", "country", "KR");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    assert_null(str_of(out, "region_code"));
    expect_parties(t->db, out, "applicants", "applicant", NULL);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews"), 0);
    json_decref(in);
    json_decref(out);

    /* A CN address that names 朝阳区 only (Beijing and Changchun both have
     * one): not resolved, queued once as pending with the candidates. */
    addr_result r;
    assert_int_equal(addr_resolve("朝阳区建国路88号", &r), 0);
    assert_string_equal(r.code, "");
    in = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s}]}", "appno", "201910000001.9", "kind", "utility", "title", "待核对",
                   "applicants", "name", "某某科技有限公司", "address", "朝阳区建国路88号", "country", "CN");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    assert_null(str_of(out, "region_code"));
    expect_parties(t->db, out, "applicants", "applicant", NULL);
    json_decref(in);
    json_decref(out);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews"), 1);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews WHERE address = '朝阳区建国路88号'"
                                    " AND status = 'pending' AND deleted_at IS NULL"),
                     1);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews WHERE candidates LIKE '%110105%'"
                                    " AND candidates LIKE '%220104%'"),
                     1);
    /* A second patent at the same address: still one review. */
    in = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}]}", "appno", "201920000001.4", "kind", "utility", "title", "待核对二",
                   "applicants", "name", "某某科技有限公司", "address", "朝阳区建国路88号");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    assert_null(str_of(out, "region_code"));
    json_decref(in);
    json_decref(out);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM address_reviews"), 1);
}

static void test_derived_tables(void **state)
{
    tdb *t = *state;
    err e = ERR_INIT;
    json_t *out = NULL, *out2 = NULL;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[sss],s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:[{s:s,s:s}]}", "appno",
                           "202110991218.8", "kind", "invention", "title", "派生表", "filing_date", "2021-08-25", "ipc",
                           "H01L 23/31", "H01L 21/56", "G06F 17/30", "applicants", "name", "上海某科技有限公司",
                           "address", "200030 上海市徐汇区漕宝路650号", "country", "CN", "name", "ACME ROBOTICS INC",
                           "address", "1 Example Street, Boston MA", "country", "US", "patentees", "name", "浦东某公司",
                           "address", "上海市浦东新区张江路100号");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &out, &e), &e);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    expect_ipc_rows(t->db, out);
    expect_parties(t->db, out, "applicants", "applicant", "310104", NULL);
    expect_parties(t->db, out, "patentees", "patentee", "310115");
    json_decref(in);

    /* A second patent keeps its own rows. */
    json_t *other = NULL;
    in = json_pack("{s:s,s:s,s:s,s:[s],s:[{s:s}]}", "appno", "201910000001.9", "kind", "utility", "title", "另一件",
                   "ipc", "A01B 1/00", "applicants", "name", "乙公司");
    T_OK(rec_create(t->db, &type_patent, &actor, in, &other, &e), &e);
    json_decref(in);

    /* Update: one IPC code, the applicants reversed and one patentee less;
     * the rows follow exactly, the region follows the new first
     * applicant (foreign: none). */
    json_t *patch =
        json_pack("{s:[s],s:[{s:s,s:s,s:s},{s:s,s:s,s:s}],s:n}", "ipc", "g06f 16/31", "applicants", "name",
                  "ACME ROBOTICS INC", "address", "1 Example Street, Boston MA", "country", "US", "name",
                  "上海某科技有限公司", "address", "200030 上海市徐汇区漕宝路650号", "country", "CN", "patentees");
    T_OK(rec_update(t->db, &type_patent, &actor, id, patch, 1, &out2, &e), &e);
    assert_string_equal(str_of(out2, "ipc_main"), "G06F 16/31");
    assert_string_equal(str_of(out2, "first_applicant"), "ACME ROBOTICS INC");
    assert_null(str_of(out2, "region_code"));
    assert_string_equal(str_of(out2, "holders"), "ACME ROBOTICS INC；上海某科技有限公司");
    expect_ipc_rows(t->db, out2);
    expect_parties(t->db, out2, "applicants", "applicant", NULL, "310104");
    expect_parties(t->db, out2, "patentees", "patentee");
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_parties WHERE role = 'patentee'"), 0);
    json_decref(patch);

    /* An update of something else leaves the rows as they are. */
    json_t *out3 = NULL;
    patch = json_pack("{s:s}", "title", "派生表（改名）");
    T_OK(rec_update(t->db, &type_patent, &actor, id, patch, 2, &out3, &e), &e);
    expect_ipc_rows(t->db, out3);
    expect_parties(t->db, out3, "applicants", "applicant", NULL, "310104");
    json_decref(patch);

    /* Delete: no rows left for it, the other patent's rows stay. */
    T_OK(rec_delete(t->db, &type_patent, &actor, id, 3, &e), &e);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc WHERE patent_id = (SELECT MIN(id) FROM patents)"),
                     0);
    assert_int_equal(
        tdb_int(t->db, "SELECT COUNT(*) FROM patent_parties WHERE patent_id = (SELECT MIN(id) FROM patents)"), 0);
    expect_ipc_rows(t->db, other);
    expect_parties(t->db, other, "applicants", "applicant", NULL);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_ipc"), 1);
    assert_int_equal(tdb_int(t->db, "SELECT COUNT(*) FROM patent_parties"), 1);
    json_decref(out);
    json_decref(out2);
    json_decref(out3);
    json_decref(other);
}

/* ---- setup ---------------------------------------------------------------- */

static int setup(void **state) { return tdb_setup_demo(state); }

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
#define T(f) cmocka_unit_test_setup_teardown(f, setup, tdb_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_term_years),
        cmocka_unit_test(test_status_grant),
        cmocka_unit_test(test_status_lapse_restoration),
        cmocka_unit_test(test_status_same_day),
        cmocka_unit_test(test_status_endings),
        cmocka_unit_test(test_status_term),
        cmocka_unit_test(test_status_grant_event),
        T(test_status_sql_agrees),
        T(test_ipc_normalised),
        T(test_ipc_bad),
        T(test_parties_validated),
        T(test_derived_columns),
        T(test_holders_distinct_names),
        T(test_region_foreign_and_review),
        T(test_derived_tables),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
