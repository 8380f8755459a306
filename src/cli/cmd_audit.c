/* cmd_audit.c - `ipcity audit verify`. */
#include "cli.h"

#include "../records/audit.h"

#include <stdio.h>
#include <string.h>

static const char *audit_usage =
    "用法 Usage: ipcity audit verify\n"
    "  校验审计日志的哈希链；任何一条被改动、删除或插入都会被发现（退出码 1）。\n"
    "  Verifies the audit log's hash chain; an edited, deleted or inserted entry is detected (exit status 1).\n";

int cmd_audit(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, audit_usage)) return 0;
    if (argc != 2 || strcmp(argv[1], "verify")) {
        fputs(audit_usage, stderr);
        return 2;
    }
    store *db = cli_open_db();
    if (!db) return 1;
    err e = ERR_INIT;
    int64_t n;
    int rc = audit_verify(db, &n, &e);
    if (rc) cli_error(&e);
    else
        printf("审计链完整：%lld 条记录 / audit chain intact: %lld entries\n", (long long)n, (long long)n);
    err_clear(&e);
    store_close(db);
    return rc ? 1 : 0;
}
