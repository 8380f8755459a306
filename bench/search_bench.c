/*
 * search_bench.c - latency of the registry search over a loaded database.
 * Usage: search_bench [DB [ROUNDS]]
 * DB is a SQLite file or a postgresql:// URL (default: $IPCITY_DB).  Runs a
 * fixed mix of one- to four-character Chinese queries and English words
 * (each query ROUNDS times, first 20 results ranked, with snippets, as GET
 * /api/v1/search does) and prints the backend, the number of patents, how
 * many queries were answered newest first (more than 20,000 matches), then
 * the median, p90, p99 and max in milliseconds, overall and per query
 * length.  The first round also warms the caches; all rounds are counted.
 */
#include "../src/base/util.h"
#include "../src/domain/address.h"
#include "../src/domain/domain.h"
#include "../src/search/regsearch.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *queries[] = {
    /* one character */ "芯", "片", "电", "药", "光", "车",
    /* two */ "芯片", "专利", "电池", "抗体", "疫苗", "机器", "图像", "加密", "香料", "镜头",
    /* three */ "传感器", "催化剂", "无人机", "区块链", "机器人",
    /* four */ "神经网络", "图像识别", "锂离子电", "基因编辑", "数据加密", "显示面板",
    /* English words */ "vehicle", "sensor", "wireless", "autonomous", "system", "method",
};

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *label, double *v, int n)
{
    if (!n) return;
    qsort(v, (size_t)n, sizeof *v, cmp);
    printf("| %s | %d | %.2f | %.2f | %.2f | %.2f |\n", label, n, v[n / 2], v[(int)(n * 0.9)], v[(int)(n * 0.99)], v[n - 1]);
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : getenv("IPCITY_DB");
    if (!url || !*url) {
        fprintf(stderr, "usage: search_bench [DB|postgresql://... [ROUNDS]] (or IPCITY_DB=...)\n");
        return 2;
    }
    if (sodium_init() < 0) return 1;
    domain_register();
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (rounds < 1) rounds = 1;
    err e = ERR_INIT;
    store *db;
    if (store_open(url, &db, &e)) {
        fprintf(stderr, "%s\n", err_msg(&e, LANG_EN));
        return 1;
    }
    int64_t npat = 0;
    if (store_query_int(db, "SELECT COUNT(*) FROM patents WHERE deleted_at IS NULL", &npat, &e, 0)) {
        fprintf(stderr, "%s\n", err_msg(&e, LANG_EN));
        return 1;
    }
    int newest = 0;
    int nq = (int)(sizeof queries / sizeof queries[0]);
    double *all = calloc((size_t)(nq * rounds), sizeof(double)), *bylen[5];
    int nby[5] = {0};
    for (int k = 0; k < 5; k++) bylen[k] = calloc((size_t)(nq * rounds), sizeof(double));
    int n = 0;
    long long matches = 0;
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < nq; i++) {
            json_t *args = json_pack("{s:s}", "q", queries[i]), *out = NULL;
            rs_query q;
            double t0 = util_now();
            if (rs_query_from_args(args, &q, &e) || rs_search(db, &q, &out, &e)) {
                fprintf(stderr, "%s: %s\n", queries[i], err_msg(&e, LANG_EN));
                return 1;
            }
            double ms = (util_now() - t0) * 1000;
            if (r == 0) {
                matches += (long long)json_array_size(json_object_get(out, "items"));
                const char *order = json_string_value(json_object_get(out, "order"));
                newest += order && !strcmp(order, "newest");
            }
            json_decref(out);
            json_decref(args);
            all[n++] = ms;
            size_t len = util_utf8_len(queries[i]);
            int k = queries[i][0] & 0x80 ? (int)(len > 4 ? 4 : len) : 0;
            bylen[k][nby[k]++] = ms;
        }
    printf("%s, %lld patents, %d queries x %d rounds, %d of them answered newest first\n\n",
           store_kind_of(db) == STORE_PG ? "PostgreSQL" : "SQLite", (long long)npat, nq, rounds, newest);
    printf("| queries | runs | median ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n");
    report("all", all, n);
    static const char *names[] = {"English words", "1 Chinese character", "2 characters", "3 characters", "4 characters"};
    for (int k = 1; k < 5; k++) report(names[k], bylen[k], nby[k]);
    report(names[0], bylen[0], nby[0]);
    store_close(db);
    return 0;
}
