/* cmd_gen.c - `ipcity gen`: writes a synthetic dataset (src/import/synth.c). */
#include "cli.h"

#include "../base/util.h"
#include "../import/synth.h"

#include <inttypes.h>
#include <stdio.h>

static const char *gen_usage =
    "用法 Usage: ipcity gen --patents N [--seed S] [--out DIR] [--fee-events]\n"
    "  生成确定性的合成数据集（标注为合成数据）：patents.csv、events.csv、trademarks.csv、entities.csv。\n"
    "  Writes a deterministic synthetic dataset (labelled synthetic): patents.csv, events.csv,\n"
    "  trademarks.csv, entities.csv in DIR (default gen-out). Import them with `ipcity import DIR/*.csv`.\n"
    "  --fee-events   另写每年缴纳年费事件（事件约为专利数的四倍）/ also write an annual-fee event per maintained year\n";

int cmd_gen(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, gen_usage)) return 0;
    const char *np = cli_opt(argc, argv, "--patents");
    int64_t n = 0, seed = 1;
    if (!np || util_parse_int64(np, &n) || n < 1 || n > 50000000 ||
        (cli_opt(argc, argv, "--seed") && util_parse_int64(cli_opt(argc, argv, "--seed"), &seed))) {
        fputs(gen_usage, stderr);
        return 2;
    }
    const char *out = cli_opt(argc, argv, "--out") ? cli_opt(argc, argv, "--out") : "gen-out";
    err e = ERR_INIT;
    synth_counts c;
    if (synth_write_opts(out, n, seed, cli_flag(argc, argv, "--fee-events") ? SYNTH_FEE_EVENTS : 0, &c, &e)) {
        cli_error(&e);
        err_clear(&e);
        return 1;
    }
    printf("合成数据已生成 synthetic dataset written to %s: %" PRId64 " patents, %" PRId64 " events, %" PRId64 " trademarks\n",
           out, c.patents, c.events, c.trademarks);
    return 0;
}
