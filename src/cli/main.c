/*
 * main.c - the ipcity binary: global options, then one subcommand.
 */
#include "cli.h"
#include "config.h"

#include "../base/buf.h"
#include "../base/log.h"
#include "../domain/address.h"
#include "../domain/domain.h"
#include "../version.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE \
    "ipcity " IPCITY_VERSION " - 知识产权强市建设试点管理平台 / IP-strong city pilot platform\n" \
    "\n" \
    "用法 Usage: ipcity [--db URL] [--config FILE] [--log-level L] COMMAND [ARGS]\n" \
    "\n" \
    "命令 Commands:\n" \
    "  serve          启动 HTTP 服务 / run the HTTP server (--listen HOST:PORT)\n" \
    "  init           创建数据库与演示区域，生成管理员密码 / create the database and demo region\n" \
    "  migrate        升级数据库结构 / apply schema migrations\n" \
    "  migrate-data   整库迁移到另一个数据库 / move the installation to another database (--to URL)\n" \
    "  user           用户管理 / users: add, passwd, disable, list\n" \
    "  token create   创建 API 令牌 / create an API token for a user\n" \
    "  import         导入文件 / import files (CSV, XLSX)\n" \
    "  export         导出记录 / export records (CSV, XLSX)\n" \
    "  audit verify   校验审计哈希链 / verify the audit hash chain\n" \
    "  backup FILE    在线备份数据库 / online backup of the database into FILE (server may keep running)\n" \
    "  restore FILE   从备份恢复数据库 / replace the database with a checked backup (server stopped)\n" \
    "  search TEXT    全文检索专利和商标 / full-text search of patents and trademarks\n" \
    "  index          重建指标索引 / rebuild the indicator index (imports do it automatically)\n" \
    "  indicators     某地区某日的指标（JSON）/ the indicators of a region on a day (--region CODE --date D)\n" \
    "  gen            生成合成数据集 / generate a synthetic dataset (--patents N --seed S --out DIR)\n" \
    "  config         显示配置 / show the effective configuration\n" \
    "  version        显示版本 / print the version\n" \
    "\n" \
    "全局选项 Global options (also IPCITY_* environment variables, see `ipcity config`):\n" \
    "  --db URL         SQLite 文件路径或 postgresql:// 连接串（默认 var/ipcity.db）/ database: a SQLite path or a\n" \
    "                   postgresql:// URL (default var/ipcity.db)\n" \
    "  --config FILE    配置文件（默认 ./ipcity.conf）/ config file (default ./ipcity.conf)\n" \
    "  --log-level L    debug|info|warn|error|quiet\n" \
    "\n" \
    "每个命令都有 --help / every command has --help.\n"


int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "ipcity: libsodium 初始化失败 / libsodium failed to initialise\n");
        return 1;
    }
    const char *config = NULL, *db = NULL, *level = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--db") ? &db : !strcmp(a, "--config") ? &config : !strcmp(a, "--log-level") ? &level : NULL;
        if (slot && i + 1 < argc) *slot = argv[++i];
        else if (!strncmp(a, "--db=", 5)) db = a + 5;
        else if (!strncmp(a, "--config=", 9)) config = a + 9;
        else if (!strncmp(a, "--log-level=", 12)) level = a + 12;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("ipcity %s\n", IPCITY_VERSION);
            return 0;
        } else {
            fprintf(stderr, "ipcity: 未知选项 %s / unknown option %s\n", a, a);
            return 2;
        }
    }
    err e = ERR_INIT;
    if (cfg_load(config, &e) || (db && cfg_set("db", db, &e)) || (level && cfg_set("log_level", level, &e))) {
        cli_error(&e);
        err_clear(&e);
        return 2;
    }
    log_level ll;
    if (log_parse_level(cfg_get("log_level"), &ll)) {
        fprintf(stderr, "ipcity: 未知日志级别 %s / unknown log level %s\n", cfg_get("log_level"), cfg_get("log_level"));
        return 2;
    }
    log_set_level(ll);
    if (i >= argc) {
        fputs(USAGE, stderr);
        return 2;
    }
    domain_register();
    {
        err ae = ERR_INIT;
        if (addr_init(region_data_path(), &ae))
            log_warn("address resolution is off: %s", err_msg(&ae, LANG_EN));
        err_clear(&ae);
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"serve", cmd_serve}, {"init", cmd_init},     {"migrate", cmd_migrate}, {"user", cmd_user},
        {"token", cmd_token}, {"import", cmd_import}, {"export", cmd_export},   {"audit", cmd_audit},
        {"config", cmd_config}, {"gen", cmd_gen}, {"search", cmd_search}, {"index", cmd_index}, {"indicators", cmd_indicators}, {"backup", cmd_backup},
        {"restore", cmd_restore}, {"migrate-data", cmd_migrate_data},
    };
    const char *cmd = argv[i];
    if (!strcmp(cmd, "version")) {
        printf("ipcity %s (schema %d)\n", IPCITY_VERSION, schema_latest());
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        fputs(USAGE, stdout);
        return 0;
    }
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
        if (!strcmp(cmds[k].name, cmd)) {
            int rc = cmds[k].fn(argc - i, argv + i);
            addr_free();
            return rc;
        }
    fprintf(stderr, "ipcity: 未知命令 %s（见 ipcity --help）/ unknown command %s (see ipcity --help)\n", cmd, cmd);
    return 2;
}
