/* cmd_index.c - `ipcity index` (rebuild the indicator index) and
 * `ipcity indicators` (figures of a region on a day, as JSON). */
#include "cli.h"

#include "../base/util.h"
#include "../domain/indicators.h"

#include <stdio.h>
#include <string.h>

static const char *index_usage =
    "用法 Usage: ipcity index [--if-stale]\n"
    "  由登记簿重建指标索引（有效期间、所在地区、高价值标准、质押、PCT、商标的预计算表）。导入后会自动重建。\n"
    "  Rebuilds the indicator index from the registry (validity intervals, places, high-value criteria,\n"
    "  pledges, PCT, trademarks). Imports rebuild it automatically.\n"
    "  --if-stale   仅当登记簿在上次重建后有变化时 / only when the registry changed since the last build\n";

int cmd_index(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, index_usage)) return 0;
    store *db = cli_open_db();
    if (!db) return 1;
    err e = ERR_INIT;
    ind_index_stats st = {0};
    int rc;
    if (cli_flag(argc, argv, "--if-stale")) {
        int rebuilt = 0;
        double t0 = util_now();
        rc = ind_index_refresh(db, &rebuilt, &e);
        if (!rc && rebuilt)
            printf("指标索引已重建（%.2f 秒）/ indicator index rebuilt (%.2f s)\n", util_now() - t0, util_now() - t0);
        else if (!rc)
            printf("指标索引已是最新 / the indicator index is up to date\n");
    } else {
        rc = ind_index_build(db, &st, &e);
        if (!rc)
            printf(
                "指标索引已重建：%lld 件专利，%lld 条法律事件，%lld 个有效期间，%lld 条质押，%lld 条流量记录，%lld 行累计值；"
                "%.2f 秒（读取 %.2f 秒，写入 %.2f 秒）\n"
                "indicator index rebuilt: %lld patents, %lld legal events, %lld validity spans, %lld pledges, %lld flow "
                "records, %lld cumulative rows; %.2f s (reading %.2f s, writing %.2f s)\n",
                (long long)st.patents, (long long)st.events, (long long)st.spans, (long long)st.pledges,
                (long long)st.items, (long long)st.cum_rows, st.seconds, st.read_seconds, st.write_seconds,
                (long long)st.patents, (long long)st.events, (long long)st.spans, (long long)st.pledges,
                (long long)st.items, (long long)st.cum_rows, st.seconds, st.read_seconds, st.write_seconds);
    }
    if (rc) cli_error(&e);
    err_clear(&e);
    store_close(db);
    return rc ? 1 : 0;
}

static const char *indicators_usage =
    "用法 Usage: ipcity indicators --region CODE [--date YYYY-MM-DD] [--id ID] [--direct]\n"
    "          [--location-basis cnipa-2021|patentee|applicant] [--maintenance-from filing|grant]\n"
    "          [--pledge-threshold-cny N]\n"
    "  输出某地区某日的指标（JSON）；--direct 不用索引，直接由登记簿计算（较慢，用于核对）。\n"
    "  Prints the indicators of a region on a day as JSON; --direct computes them from the registry without\n"
    "  the index (slower; for checking).\n";

int cmd_indicators(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, indicators_usage)) return 0;
    const char *region = cli_opt(argc, argv, "--region"), *date = cli_opt(argc, argv, "--date");
    long day = util_today();
    if (!region || (date && util_date_parse(date, &day))) {
        fputs(indicators_usage, stderr);
        return 2;
    }
    err e = ERR_INIT;
    ind_params p;
    if (ind_params_parse(cli_opt(argc, argv, "--location-basis"), cli_opt(argc, argv, "--maintenance-from"),
                         cli_opt(argc, argv, "--pledge-threshold-cny"), &p, &e)) {
        cli_error(&e);
        err_clear(&e);
        return 2;
    }
    store *db = cli_open_db();
    if (!db) return 1;
    unsigned flags = cli_flag(argc, argv, "--direct") ? IND_DIRECT : 0;
    json_t *out = NULL;
    const char *id = cli_opt(argc, argv, "--id");
    int rc =
        id ? ind_value_ex(db, id, region, day, &p, flags, &out, &e) : ind_values(db, region, day, &p, flags, &out, &e);
    if (rc) cli_error(&e);
    else {
        char *s = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
    }
    json_decref(out);
    err_clear(&e);
    store_close(db);
    return rc ? 1 : 0;
}
