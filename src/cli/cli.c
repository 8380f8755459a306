/* cli.c - shared pieces of the subcommands; see cli.h. */
#include "cli.h"

#include "config.h"

#include "../base/buf.h"
#include "../domain/domain.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cli_error(const err *e)
{
    fprintf(stderr, "错误：%s\nerror: %s\n", err_msg(e, LANG_ZH), err_msg(e, LANG_EN));
    if (e->items) {
        size_t i;
        json_t *it;
        json_array_foreach(e->items, i, it)
        {
            if (i == 20) {
                fprintf(stderr, "  ……另有 %zu 处错误 / ... and %zu more\n", json_array_size(e->items) - 20,
                        json_array_size(e->items) - 20);
                break;
            }
            fprintf(stderr, "  - %s\n    %s\n", json_string_value(json_object_get(it, "message_zh")),
                    json_string_value(json_object_get(it, "message_en")));
        }
    }
}

store *cli_open_db(void)
{
    err e = ERR_INIT;
    store *db = NULL;
    if (store_open(cfg_get("db"), &db, &e) || schema_migrate(db, NULL, NULL, &e)) {
        cli_error(&e);
        err_clear(&e);
        store_close(db);
        return NULL;
    }
    return db;
}

const rec_actor *cli_actor(void)
{
    static char name[96];
    static rec_actor a;
    if (!name[0]) {
        struct passwd *pw = getpwuid(getuid());
        snprintf(name, sizeof name, "cli:%s", pw ? pw->pw_name : "unknown");
        a = (rec_actor){0, name, ROLE_ADMIN, cfg_get("cli_dept")};
    }
    return &a;
}

int cli_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 1;
        }
    return 0;
}

const char *cli_opt(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], name) && i + 1 < argc) return argv[i + 1];
        if (!strncmp(argv[i], name, n) && argv[i][n] == '=') return argv[i] + n + 1;
    }
    return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name)) return 1;
    return 0;
}

int cli_positionals(int argc, char **argv, const char **out, int max, const char *const *valued)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            for (const char *const *v = valued; v && *v; v++)
                if (!strcmp(argv[i], *v)) {
                    i++;
                    break;
                }
            continue;
        }
        if (n < max) out[n] = argv[i];
        n++;
    }
    return n;
}

char *cli_url_shown(const char *url)
{
    if (!url) return xstrdup("");
    const char *scheme = strstr(url, "://");
    if (!scheme || (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11))) return xstrdup(url);
    const char *auth = scheme + 3;
    size_t hostpart = strcspn(auth, "/?#");
    const char *at = memrchr(auth, '@', hostpart);
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) return xstrdup(url);
    return xasprintf("%.*s***%s", (int)(colon + 1 - url), url, at);
}
