/*
 * indicators_bench.c - speed of the indicator engine over a loaded
 * registry.  Usage: indicators_bench DB [DATE] [ROUNDS] [--no-build]
 * DB is a SQLite file or a postgresql:// URL.
 *
 *   1. the index step (ind_index_build), unless --no-build;
 *   2. every indicator of one district on one day (ind_values, default
 *      parameters) from the index, ROUNDS times per district for the five
 *      districts with the most valid invention patents: median, p99, max;
 *   3. the baselines on the same day for the largest district: the plain
 *      SQL count of valid invention patents by applicant region with
 *      pat_in_force_sql(), and the complete direct computation of every
 *      indicator without the index (IND_DIRECT; the answer is compared
 *      with the index's);
 *   4. the monthly series of every computed indicator for every district
 *      of GB/T 2260 over ten years (ind_series_all);
 *   5. one indicator with non-default parameters (spans instead of the
 *      cumulative table).
 * Prints Markdown (bench/run.sh appends it to build/bench/results.md).
 */
#include "../src/base/log.h"
#include "../src/base/util.h"
#include "../src/domain/address.h"
#include "../src/domain/domain.h"
#include "../src/domain/indicators.h"
#include "../src/domain/registry.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, err *e)
{
    fprintf(stderr, "%s: %s\n", what, err_msg(e, LANG_EN));
    exit(1);
}

typedef struct sums {
    long points;
    double checksum;
} sums;

static void on_point(void *ctx, const char *region, long day, const double *v, const unsigned char *has)
{
    (void)region;
    (void)day;
    sums *s = ctx;
    s->points++;
    for (int i = 0; i < 11; i++)
        if (has[i]) s->checksum += v[i];
}

int main(int argc, char **argv)
{
    if (argc < 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: indicators_bench DB|postgresql://... [DATE] [ROUNDS] [--no-build]\n");
        return 2;
    }
    log_set_level(LOG_WARN);
    domain_register();
    err e = ERR_INIT;
    if (addr_init(region_data_path(), &e)) die("addr_init", &e);
    const char *date = argc > 2 && argv[2][0] != '-' ? argv[2] : "2024-12-31";
    int rounds = argc > 3 && argv[3][0] != '-' ? atoi(argv[3]) : 20;
    int build = 1;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--no-build")) build = 0;
    long day;
    if (util_date_parse(date, &day)) {
        fprintf(stderr, "bad date %s\n", date);
        return 2;
    }
    store *db;
    if (store_open(argv[1], &db, &e) || schema_migrate(db, NULL, NULL, &e)) die("open", &e);
    int64_t npat = 0, nev = 0;
    if (store_query_int(db, "SELECT COUNT(*) FROM patents", &npat, &e, 0) ||
        store_query_int(db, "SELECT COUNT(*) FROM patent_events", &nev, &e, 0))
        die("count", &e);
    printf("\n## Indicators over %lld patents and %lld legal events (%s, %s)\n\n", (long long)npat, (long long)nev,
           store_kind_of(db) == STORE_PG ? "PostgreSQL" : "SQLite", date);

    /* 1. the index step */
    if (build) {
        ind_index_stats st;
        double t0 = util_now();
        if (ind_index_build(db, &st, &e)) die("index", &e);
        printf("Index step (`ipcity index`): **%.1f s** (reading and computing %.1f s, writing %.1f s): %lld validity spans, "
               "%lld pledges, %lld flow records, %lld cumulative rows.\n\n",
               util_now() - t0, st.read_seconds, st.write_seconds, (long long)st.spans, (long long)st.pledges,
               (long long)st.items, (long long)st.cum_rows);
    }

    /* the five districts with the most valid invention patents on the day */
    char top[5][13];
    int ntop = 0;
    store_stmt *q = store_prepare(db,
                                  "SELECT region, COUNT(*) n FROM ind_spans WHERE from_day <= ? AND to_day > ? AND (bases & 1) <> 0"
                                  " AND length(region) = 6 GROUP BY region ORDER BY n DESC LIMIT 5",
                                  &e);
    if (!q) die("top", &e);
    store_bind_int(q, 1, day);
    store_bind_int(q, 2, day);
    while (store_step(q, &e) == 1) snprintf(top[ntop++], 13, "%s", store_col_text(q, 0));
    store_done(q);
    if (!ntop) snprintf(top[ntop++], 13, "310104");

    /* 2. all indicators for one district on one day, from the index */
    ind_params p;
    ind_params_default(&p);
    printf("| every indicator of one district on %s (%d rounds each) | district | valid inventions | median ms | p99 ms | max ms |\n",
           date, rounds);
    printf("|---|---|---|---|---|---|\n");
    double *lat = malloc((size_t)rounds * sizeof *lat);
    for (int t = 0; t < ntop; t++) {
        json_t *o = NULL;
        for (int i = 0; i < rounds; i++) {
            double t0 = util_now();
            json_decref(o);
            if (ind_values(db, top[t], day, &p, 0, &o, &e)) die("values", &e);
            lat[i] = (util_now() - t0) * 1000.0;
        }
        json_int_t valid = json_integer_value(json_object_get(json_array_get(json_object_get(o, "items"), 0), "value"));
        json_decref(o);
        qsort(lat, (size_t)rounds, sizeof *lat, cmp);
        printf("| from the index | %s | %lld | %.2f | %.2f | %.2f |\n", top[t], (long long)valid, lat[rounds / 2],
               lat[(int)(rounds * 0.99)], lat[rounds - 1]);
    }
    free(lat);

    /* 3. baselines for the largest district */
    {
        char ds[16];
        util_date_format(day, ds, sizeof ds);
        buf sql = BUF_INIT;
        buf_printf(&sql,
                   "SELECT COUNT(*) FROM patents p JOIN patent_parties a ON a.patent_id = p.id AND a.role = 'applicant' AND"
                   " a.seq = 1 WHERE p.deleted_at IS NULL AND p.kind = 'invention' AND a.region_code = ? AND %s",
                   pat_in_force_sql());
        store_stmt *st = store_prepare(db, sql.s, &e);
        if (!st) die("baseline", &e);
        store_bind_text(st, 1, top[0]);
        for (int i = 0; i < pat_in_force_params(); i++) store_bind_text(st, 2 + i, ds);
        double t0 = util_now();
        int64_t n = 0;
        if (store_step(st, &e) == 1) n = store_col_int(st, 0);
        double plain = util_now() - t0;
        store_done(st);
        buf_free(&sql);
        json_t *a = NULL, *b = NULL;
        if (ind_values(db, top[0], day, &p, 0, &a, &e)) die("values", &e);
        t0 = util_now();
        if (ind_values(db, top[0], day, &p, IND_DIRECT, &b, &e)) die("direct", &e);
        double direct = util_now() - t0;
        int same = 1;
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(a, "items"), i, x)
        {
            json_t *y = json_array_get(json_object_get(b, "items"), i);
            json_t *vx = json_object_get(x, "value"), *vy = json_object_get(y, "value");
            if (json_is_number(vx) != json_is_number(vy) || (json_is_number(vx) && fabs(json_number_value(vx) - json_number_value(vy)) > 1e-6)) {
                same = 0;
                fprintf(stderr, "MISMATCH %s: index %g direct %g\n", json_string_value(json_object_get(x, "id")),
                        json_number_value(vx), json_number_value(vy));
            }
        }
        json_decref(a);
        json_decref(b);
        printf("| baseline: plain SQL count with pat_in_force_sql() by first applicant's region (valid inventions only, no "
               "location rule or transfers) | %s | %lld | %.0f | | |\n",
               top[0], (long long)n, plain * 1000.0);
        printf("| baseline: every indicator computed directly from the registry, no index (IND_DIRECT) | %s | | %.0f | | |\n",
               top[0], direct * 1000.0);
        printf("\nThe index and the direct computation %s.\n", same ? "give the same figures" : "**DIFFER** (see stderr)");
    }

    /* 4. monthly series of every indicator for every district, ten years */
    {
        long y;
        unsigned m, d;
        util_civil_from_days(day, &y, &m, &d);
        long from = util_days_from_civil(y - 9, 1, 1);
        int64_t nd = 0;
        store_query_int(db, "SELECT COUNT(*) FROM regions WHERE level = 'district' AND deleted_at IS NULL", &nd, &e, 0);
        sums s = {0, 0};
        double t0 = util_now();
        if (ind_series_all(db, NULL, from, day, 'm', on_point, &s, &e)) die("series", &e);
        double secs = util_now() - t0;
        printf("\nMonthly series of every computed indicator for every district (%lld districts of GB/T 2260), %ld-01 to %s "
               "(%ld region-months, 11 indicators each): **%.2f s**.\n",
               (long long)nd, y - 9, date, s.points, secs);
    }

    /* 5. non-default parameters: the spans */
    {
        ind_params a;
        ind_params_parse("applicant", "grant", "5000000", &a, &e);
        json_t *o = NULL;
        double t0 = util_now();
        if (ind_value_ex(db, "high_value_invention", top[0], day, &a, 0, &o, &e)) die("custom", &e);
        double one = util_now() - t0;
        json_decref(o);
        printf("\nHigh-value invention patents of %s with location_basis=applicant, maintenance_from=grant, "
               "pledge_threshold_cny=5000000 (from the spans, not the cumulative table): %.0f ms.\n",
               top[0], one * 1000.0);
    }
    store_close(db);
    addr_free();
    return 0;
}
