/* cmd_search.c - `ipcity search TEXT`: the registry's full-text search. */
#include "cli.h"

#include "../search/regsearch.h"

#include <stdio.h>
#include <string.h>

static const char *search_usage =
    "用法 Usage: ipcity search TEXT [--scope patents|trademarks] [--kind K] [--ipc PREFIX] [--region CODE]\n"
    "                     [--holder NAME] [--in-force-on DATE] [--limit N] [--json]\n"
    "  全文检索专利（名称、摘要、权利人）或商标；支持一两个汉字的检索词（如 专利、芯片）。\n"
    "  Full-text search of patents (title, abstract, holders) or trademarks; one- and two-character\n"
    "  Chinese terms work (专利, 芯片). Highlights are shown between 【 and 】.\n";

int cmd_search(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, search_usage)) return 0;
    static const char *const valued[] = {"--scope",  "--kind",        "--ipc",   "--region",
                                         "--holder", "--in-force-on", "--limit", NULL};
    const char *pos[8];
    int np = cli_positionals(argc, argv, pos, 8, valued);
    if (np < 1) {
        fputs(search_usage, stderr);
        return 2;
    }
    buf text = BUF_INIT;
    for (int i = 0; i < np && i < 8; i++) buf_printf(&text, "%s%s", i ? " " : "", pos[i]);
    json_t *args = json_pack("{s:s,s:s}", "q", text.s, "count", "true");
    static const char *const map[][2] = {{"--scope", "scope"},   {"--kind", "kind"},
                                         {"--ipc", "ipc"},       {"--region", "region"},
                                         {"--holder", "holder"}, {"--in-force-on", "in_force_on"},
                                         {"--limit", "limit"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (cli_opt(argc, argv, map[i][0]))
            json_object_set_new(args, map[i][1], json_string(cli_opt(argc, argv, map[i][0])));
    store *db = cli_open_db();
    int rc = 1;
    err e = ERR_INIT;
    rs_query q;
    json_t *out = NULL;
    if (!db) goto done;
    if (rs_query_from_args(args, &q, &e) || rs_search(db, &q, &out, &e)) {
        cli_error(&e);
        goto done;
    }
    if (cli_flag(argc, argv, "--json")) {
        char *s = json_dumps(out, JSON_INDENT(2));
        puts(s);
        free(s);
    } else {
        printf("共 %lld 条 / %lld matches for %s\n", (long long)json_integer_value(json_object_get(out, "total")),
               (long long)json_integer_value(json_object_get(out, "total")), text.s);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(out, "items"), i, it)
        {
            buf line = BUF_INIT;
            const char *hl = json_string_value(json_object_get(it, "title_hl"));
            for (const char *c = hl; c && *c;) {
                if (!strncmp(c, "<mark>", 6)) {
                    buf_puts(&line, "【");
                    c += 6;
                } else if (!strncmp(c, "</mark>", 7)) {
                    buf_puts(&line, "】");
                    c += 7;
                } else
                    buf_putc(&line, *c++);
            }
            const char *num = json_string_value(json_object_get(it, "appno"));
            if (!num) num = json_string_value(json_object_get(it, "reg_no"));
            const char *who = json_string_value(json_object_get(it, "first_applicant"));
            if (!who) who = json_string_value(json_object_get(it, "applicant"));
            printf("%2zu. %-16s %s  — %s%s\n", i + 1, num ? num : "", line.s ? line.s : "", who ? who : "",
                   json_is_true(json_object_get(it, "synthetic")) ? "  [合成 synthetic]" : "");
            buf_free(&line);
        }
    }
    rc = 0;
done:
    json_decref(out);
    json_decref(args);
    buf_free(&text);
    err_clear(&e);
    store_close(db);
    return rc;
}
