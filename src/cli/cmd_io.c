/* cmd_io.c - `ipcity import` and `ipcity export`. */
#include "cli.h"
#include "config.h"

#include "../base/buf.h"
#include "../base/util.h"
#include "../domain/indicators.h"
#include "../import/importer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *import_usage =
    "用法 Usage: ipcity import [--format F] [--type TYPE] [--dept CODE] [--report FILE] FILE...\n"
    "  导入文件，格式自动识别：CNIPA XML（两种格式）、USPTO XML、Lens CSV、专利/法律状态模板（CSV/XLSX，中文表头）、\n"
    "  以及任何记录类型的 CSV/XLSX（UTF-8 或 GB18030）。每个文件要么全部导入，要么完全不导入；重复导入不产生变化。\n"
    "  Imports files of a detected format: CNIPA XML (both schemas), USPTO grant XML, Lens CSV, the patent and\n"
    "  legal-event templates (CSV/XLSX, Chinese headers) and CSV/XLSX of any record type (UTF-8 or GB18030).\n"
    "  Each file lands whole or not at all; importing the same file again changes nothing.\n"
    "  --format F      xml | lens | patents | events | csv | xlsx（默认自动识别 / default: detected）\n"
    "  --type TYPE     记录类型（如 entities、trademarks）；省略时按表头识别 / record type, guessed from the header\n"
    "  --dept CODE     记录所属部门（默认配置项 cli_dept）/ owning department (default: setting cli_dept)\n"
    "  --report FILE   错误报告 CSV（默认 import-errors.csv）/ CSV of rejected rows (default import-errors.csv)\n"
    "  --no-index      导入后不更新指标索引（之后运行 ipcity index）/ do not update the indicator index (run ipcity index later)\n"
    "  全部文件导入成功时退出码为 0 / exits 0 only when every file landed.\n";

static void write_report_rows(FILE *fp, const char *fname, const err *e)
{
    buf b = BUF_INIT;
    if (!e->items) {
        buf_csv_field(&b, fname);
        buf_printf(&b, ",%ld,%ld,", e->row, e->col);
        buf_csv_field(&b, e->field ? e->field : "");
        buf_putc(&b, ',');
        buf_csv_field(&b, e->code ? e->code : "");
        buf_putc(&b, ',');
        buf_csv_field(&b, err_msg(e, LANG_ZH));
        buf_putc(&b, ',');
        buf_csv_field(&b, err_msg(e, LANG_EN));
        buf_puts(&b, "\r\n");
    }
    size_t i;
    json_t *it;
    json_array_foreach(e->items, i, it)
    {
        buf_csv_field(&b, fname);
        buf_printf(&b, ",%lld,%lld,", (long long)json_integer_value(json_object_get(it, "row")),
                   (long long)json_integer_value(json_object_get(it, "column")));
        const char *f = json_string_value(json_object_get(it, "field"));
        buf_csv_field(&b, f ? f : "");
        buf_putc(&b, ',');
        buf_csv_field(&b, json_string_value(json_object_get(it, "code")));
        buf_putc(&b, ',');
        buf_csv_field(&b, json_string_value(json_object_get(it, "message_zh")));
        buf_putc(&b, ',');
        buf_csv_field(&b, json_string_value(json_object_get(it, "message_en")));
        buf_puts(&b, "\r\n");
    }
    fwrite(b.s ? b.s : "", 1, b.len, fp);
    buf_free(&b);
}

typedef struct bar {
    double t0;
    const char *name;
    int tty;
} bar;

/* Progress on stderr: rows, bytes, percent, rate and ETA (terminals only). */
static void show_progress(void *ctx, long long rows, long long done, long long total)
{
    bar *b = ctx;
    if (!b->tty) return;
    double el = util_now() - b->t0;
    double rate = el > 0 ? rows / el : 0;
    double frac = total > 0 ? (double)done / (double)total : 0;
    long eta = frac > 0.01 ? (long)(el / frac - el) : -1;
    char etab[32] = "--:--";
    if (eta >= 0) snprintf(etab, sizeof etab, "%02ld:%02ld", eta / 60, eta % 60);
    fprintf(stderr, "\r%s  %lld 行 rows  %.1f/%.1f MB  %3.0f%%  %.0f 行/秒 rows/s  剩余 ETA %s   ", b->name, rows,
            done / 1e6, total / 1e6, frac * 100, rate, etab);
    fflush(stderr);
}

static int import_one(store *db, const char *path, const char *type, const char *format, FILE **report, const char *report_path)
{
    err e = ERR_INIT;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    json_t *rep = NULL;
    bar b = {util_now(), base, isatty(STDERR_FILENO)};
    imp_progress p = {show_progress, &b};
    int rc = imp_run(db, cli_actor(), base, path, NULL, 0, format, type, &p, &rep, &e);
    if (b.tty) fputs("\n", stderr);
    if (!rc) {
        double el = util_now() - b.t0;
        long long rows = (long long)json_integer_value(json_object_get(rep, "rows"));
        printf("%s：已导入 %lld 行（新增 %lld，更新 %lld，未变 %lld；格式 %s；%.2f 秒）\n"
               "%s: imported %lld rows (%lld created, %lld updated, %lld unchanged; format %s; %.2f s, %.0f rows/s)\n",
               base, rows, (long long)json_integer_value(json_object_get(rep, "created")),
               (long long)json_integer_value(json_object_get(rep, "updated")),
               (long long)json_integer_value(json_object_get(rep, "unchanged")), json_string_value(json_object_get(rep, "format")),
               el, base, rows, (long long)json_integer_value(json_object_get(rep, "created")),
               (long long)json_integer_value(json_object_get(rep, "updated")),
               (long long)json_integer_value(json_object_get(rep, "unchanged")), json_string_value(json_object_get(rep, "format")),
               el, el > 0 ? rows / el : 0);
    } else {
        if (!e.file) err_at(&e, base, 0, 0, NULL);
        cli_error(&e);
        if (!*report) {
            *report = fopen(report_path, "w");
            if (*report) fputs("\xEF\xBB\xBF文件 file,行 row,列 column,字段 field,代码 code,说明,message\r\n", *report);
        }
        if (*report) write_report_rows(*report, base, &e);
    }
    json_decref(rep);
    err_clear(&e);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, import_usage)) return 0;
    static const char *const valued[] = {"--type", "--format", "--report", "--dept", NULL};
    const char *files[256];
    int n = cli_positionals(argc, argv, files, 256, valued);
    if (n < 1 || n > 256) {
        fputs(import_usage, stderr);
        return 2;
    }
    const char *fmt = cli_opt(argc, argv, "--format");
    if (cli_opt(argc, argv, "--dept")) {
        err e = ERR_INIT;
        cfg_set("cli_dept", cli_opt(argc, argv, "--dept"), &e);
    }
    const char *report_path = cli_opt(argc, argv, "--report") ? cli_opt(argc, argv, "--report") : "import-errors.csv";
    store *db = cli_open_db();
    if (!db) return 1;
    FILE *report = NULL;
    int failed = 0;
    for (int i = 0; i < n; i++)
        if (import_one(db, files[i], cli_opt(argc, argv, "--type"), fmt, &report, report_path)) failed++;
    /* the indicator index follows the registry (unless --no-index) */
    if (failed < n && !cli_flag(argc, argv, "--no-index")) {
        err ie = ERR_INIT;
        int rebuilt = 0;
        double t0 = util_now();
        if (ind_index_refresh(db, &rebuilt, &ie)) cli_error(&ie);
        else if (rebuilt)
            printf("指标索引已更新（%.2f 秒）/ indicator index updated (%.2f s)\n", util_now() - t0, util_now() - t0);
        err_clear(&ie);
    }
    if (report) {
        fclose(report);
        fprintf(stderr, "错误报告 error report: %s\n", report_path);
    }
    store_close(db);
    return failed ? 1 : 0;
}

static const char *export_usage =
    "用法 Usage: ipcity export TYPE [--format csv|xlsx] [--out FILE] [--lang zh|en]\n"
    "  导出一种记录（如 entities）的全部有效记录。/ Exports every live record of TYPE (e.g. entities).\n";

int cmd_export(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, export_usage)) return 0;
    static const char *const valued[] = {"--format", "--out", "--lang", NULL};
    const char *pos[1] = {NULL};
    if (cli_positionals(argc, argv, pos, 1, valued) != 1) {
        fputs(export_usage, stderr);
        return 2;
    }
    const rec_type *t = rec_find(pos[0]);
    if (!t || (t->flags & REC_INTERNAL)) {
        fprintf(stderr, "错误：未知的记录类型“%s”\nerror: unknown record type \"%s\"\n", pos[0], pos[0]);
        return 2;
    }
    const char *fmt = cli_opt(argc, argv, "--format") ? cli_opt(argc, argv, "--format") : "csv";
    const char *out = cli_opt(argc, argv, "--out");
    const char *lg = cli_opt(argc, argv, "--lang");
    store *db = cli_open_db();
    if (!db) return 1;
    err e = ERR_INIT;
    buf b = BUF_INIT;
    rec_query q = {0};
    int rc = rec_export(db, t, cli_actor(), &q, fmt, lg && !strcmp(lg, "en") ? LANG_EN : LANG_ZH, &b, &e);
    if (rc) cli_error(&e);
    else {
        FILE *fp = out ? fopen(out, "wb") : stdout;
        if (!fp) {
            fprintf(stderr, "错误：无法写入 %s\nerror: cannot write %s\n", out, out);
            rc = -1;
        } else {
            fwrite(b.s ? b.s : "", 1, b.len, fp);
            if (out) fclose(fp);
        }
    }
    buf_free(&b);
    err_clear(&e);
    store_close(db);
    return rc ? 1 : 0;
}
