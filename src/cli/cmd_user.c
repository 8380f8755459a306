/* cmd_user.c - `ipcity user ...` and `ipcity token create`. */
#include "cli.h"

#include "../base/util.h"
#include "../domain/accounts.h"
#include "../domain/domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *user_usage =
    "用法 Usage:\n"
    "  ipcity user add NAME --role ROLE --dept CODE [--display-name TEXT]\n"
    "  ipcity user passwd NAME\n"
    "  ipcity user disable NAME\n"
    "  ipcity user list\n"
    "  密码从标准输入读取（一行）；标准输入是终端时自动生成并只显示一次。\n"
    "  The password is read from standard input (one line); when stdin is a terminal one is generated and shown once.\n"
    "  ROLE: admin | bureau | dept | enterprise | agency\n";

/* Reads one line from stdin when it is not a terminal; else generates a
 * password. *generated tells which. The caller frees the result. */
static char *read_password(int *generated)
{
    *generated = 0;
    if (!isatty(STDIN_FILENO)) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (n > 0) {
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            if (n) return line;
        }
        free(line);
    }
    *generated = 1;
    return util_random_token(9);
}

static int find_user(store *db, const char *name, json_t **row)
{
    err e = ERR_INIT;
    rec_query q = {0};
    q.filters = json_pack("{s:s}", "name", name);
    json_t *out = NULL;
    int rc = rec_list(db, &type_user, cli_actor(), &q, &out, &e);
    rec_query_free(&q);
    if (rc) {
        cli_error(&e);
        err_clear(&e);
        return -1;
    }
    json_t *it = json_array_get(json_object_get(out, "items"), 0);
    *row = it ? json_incref(it) : NULL;
    json_decref(out);
    if (!*row) fprintf(stderr, "错误：用户“%s”不存在\nerror: user \"%s\" does not exist\n", name, name);
    return *row ? 0 : -1;
}

static int update_user(store *db, json_t *row, json_t *patch)
{
    err e = ERR_INIT;
    json_t *out = NULL;
    int rc = rec_update(db, &type_user, cli_actor(), json_integer_value(json_object_get(row, "id")), patch,
                        json_integer_value(json_object_get(row, "version")), &out, &e);
    json_decref(out);
    if (rc) {
        cli_error(&e);
        err_clear(&e);
    }
    return rc;
}

int cmd_user(int argc, char **argv)
{
    if (argc < 2 || cli_wants_help(argc, argv, user_usage)) {
        fputs(user_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    static const char *const valued[] = {"--role", "--dept", "--display-name", NULL};
    const char *pos[2] = {NULL, NULL};
    int np = cli_positionals(argc - 1, argv + 1, pos, 2, valued);
    store *db = cli_open_db();
    if (!db) return 1;
    int rc = 1;
    err e = ERR_INIT;
    if (!strcmp(sub, "add") && np == 1) {
        const char *role = cli_opt(argc, argv, "--role"), *dept = cli_opt(argc, argv, "--dept");
        const char *dn = cli_opt(argc, argv, "--display-name");
        if (!role || !dept) {
            fputs(user_usage, stderr);
            goto out;
        }
        int gen;
        char *pw = read_password(&gen);
        json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", pos[0], "display_name", dn ? dn : pos[0], "role", role,
                               "dept", dept, "password", pw);
        json_t *row = NULL;
        if (rec_create(db, &type_user, cli_actor(), in, &row, &e)) cli_error(&e);
        else {
            printf("用户已创建 user created: %s (%s, %s)\n", pos[0], role, dept);
            if (gen) printf("密码 password (只显示一次 shown once): %s\n", pw);
            rc = 0;
        }
        json_decref(in);
        json_decref(row);
        free(pw);
    } else if (!strcmp(sub, "passwd") && np == 1) {
        json_t *row;
        if (find_user(db, pos[0], &row)) goto out;
        int gen;
        char *pw = read_password(&gen);
        json_t *patch = json_pack("{s:s}", "password", pw);
        rc = update_user(db, row, patch) ? 1 : 0;
        if (!rc) {
            printf("密码已更新 password changed: %s\n", pos[0]);
            if (gen) printf("新密码 new password (只显示一次 shown once): %s\n", pw);
        }
        json_decref(patch);
        json_decref(row);
        free(pw);
    } else if (!strcmp(sub, "disable") && np == 1) {
        json_t *row;
        if (find_user(db, pos[0], &row)) goto out;
        json_t *patch = json_pack("{s:b}", "disabled", 1);
        rc = update_user(db, row, patch) ? 1 : 0;
        if (!rc) printf("用户已停用 user disabled: %s\n", pos[0]);
        json_decref(patch);
        json_decref(row);
    } else if (!strcmp(sub, "list") && np == 0) {
        rec_query q = {0};
        q.sort = "name";
        printf("%-24s %-12s %-24s %s\n", "name", "role", "dept", "disabled");
        const char *cursor = NULL;
        char *cur = NULL;
        for (;;) {
            json_t *out;
            q.cursor = cursor;
            q.limit = 1000;
            if (rec_list(db, &type_user, cli_actor(), &q, &out, &e)) {
                cli_error(&e);
                goto out;
            }
            size_t i;
            json_t *it;
            json_array_foreach(json_object_get(out, "items"), i, it)
                printf("%-24s %-12s %-24s %s\n", json_string_value(json_object_get(it, "name")),
                       json_string_value(json_object_get(it, "role")), json_string_value(json_object_get(it, "dept")),
                       json_is_true(json_object_get(it, "disabled")) ? "yes" : "no");
            const char *nc = json_string_value(json_object_get(out, "next_cursor"));
            free(cur);
            cur = nc ? xstrdup(nc) : NULL;
            cursor = cur;
            json_decref(out);
            if (!cursor) break;
        }
        rc = 0;
    } else
        fputs(user_usage, stderr);
out:
    err_clear(&e);
    store_close(db);
    return rc;
}

static const char *token_usage =
    "用法 Usage: ipcity token create NAME [--label TEXT]\n"
    "  为用户 NAME 创建 API 令牌并打印（只显示一次）；使用方式：Authorization: Bearer TOKEN\n"
    "  Creates an API token for user NAME and prints it once; use it as Authorization: Bearer TOKEN\n";

int cmd_token(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, token_usage)) return 0;
    static const char *const valued[] = {"--label", NULL};
    const char *pos[2] = {NULL, NULL};
    int np = cli_positionals(argc, argv, pos, 2, valued);
    if (np != 2 || strcmp(pos[0], "create")) {
        fputs(token_usage, stderr);
        return 2;
    }
    store *db = cli_open_db();
    if (!db) return 1;
    err e = ERR_INIT;
    char *tok = NULL;
    const char *label = cli_opt(argc, argv, "--label");
    int rc = acct_token_create(db, cli_actor(), pos[1], label ? label : "cli", &tok, &e);
    if (rc) cli_error(&e);
    else
        printf("%s\n", tok);
    free(tok);
    err_clear(&e);
    store_close(db);
    return rc ? 1 : 0;
}
