/* config.c - settings from defaults, file, environment and flags. */
#include "config.h"

#include "../base/buf.h"
#include "../base/log.h"
#include "../base/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cfg_entry cfg_table[] = {
    {"db", "IPCITY_DB", "var/ipcity.db", "数据库：SQLite 文件路径，或 postgresql:// 连接串",
     "Database: a SQLite file path or a postgresql:// URL"},
    {"listen", "IPCITY_LISTEN", "127.0.0.1:8080", "监听地址 主机:端口（端口 0 表示自动选择）",
     "Listen address host:port (port 0 picks a free port)"},
    {"threads", "IPCITY_THREADS", "4", "HTTP 工作线程数（同时也是数据库连接数）",
     "HTTP worker threads (and database connections)"},
    {"web_root", "IPCITY_WEB_ROOT", "web", "网页控制台静态文件目录", "Directory of the web console's static files"},
    {"max_body", "IPCITY_MAX_BODY", "67108864", "请求体上限（字节）", "Largest accepted request body in bytes"},
    {"session_ttl", "IPCITY_SESSION_TTL", "28800", "会话有效期（秒）", "Session lifetime in seconds"},
    {"login_slow_after", "IPCITY_LOGIN_SLOW_AFTER", "3", "连续失败多少次后开始限速（每次等待时间翻倍）",
     "Failed logins before each attempt must wait (doubling)"},
    {"login_lock_after", "IPCITY_LOGIN_LOCK_AFTER", "10", "连续失败多少次后锁定账户",
     "Failed logins before the account is locked"},
    {"login_lock_seconds", "IPCITY_LOGIN_LOCK_SECONDS", "900", "锁定时长（秒）", "How long a lock lasts, in seconds"},
    {"trust_proxy", "IPCITY_TRUST_PROXY", "0", "位于 TLS 反向代理之后时设为 1（Cookie 加 Secure）",
     "1 behind a TLS reverse proxy (cookies get Secure)"},
    {"access_log", "IPCITY_ACCESS_LOG", "1", "每个请求输出一行访问日志（1/0）",
     "One access log line per request (1/0)"},
    {"demo_patents", "IPCITY_DEMO_PATENTS", "20000", "首次运行时生成的演示专利数量（合成数据）",
     "Synthetic demo patents generated on first run"},
    {"cli_dept", "IPCITY_CLI_DEPT", "310104-ipa", "命令行导入等操作记录所属的部门代码",
     "Department that owns records written from the command line"},
    {"log_level", "IPCITY_LOG_LEVEL", "info", "日志级别：debug、info、warn、error、quiet",
     "Log level: debug, info, warn, error, quiet"},
    {NULL},
};

static char *values[sizeof cfg_table / sizeof cfg_table[0]];

static int find(const char *name)
{
    for (int i = 0; cfg_table[i].name; i++)
        if (!strcmp(cfg_table[i].name, name)) return i;
    return -1;
}

int cfg_set(const char *name, const char *value, err *e)
{
    int i = find(name);
    if (i < 0) return err_set(e, 400, "config.unknown", "未知的配置项“%s”", "Unknown setting \"%s\"", name, name);
    free(values[i]);
    values[i] = xstrdup(value);
    return 0;
}

const char *cfg_get(const char *name)
{
    int i = find(name);
    if (i < 0) return "";
    return values[i] ? values[i] : cfg_table[i].def;
}

int cfg_int(const char *name)
{
    /* a value that is not a whole number (atoi would have taken "3O" for 3 and "x" for 0) falls back
     * to the default, with a warning */
    const char *v = cfg_get(name);
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < INT_MIN || n > INT_MAX) {
        int i = find(name);
        log_warn("setting %s: \"%s\" is not a whole number; using the default %s", name, v,
                 i < 0 ? "0" : cfg_table[i].def);
        n = i < 0 ? 0 : strtol(cfg_table[i].def, NULL, 10);
    }
    return (int)n;
}

int cfg_load(const char *path, err *e)
{
    int explicit_path = path != NULL;
    if (!path) path = getenv("IPCITY_CONFIG");
    if (path) explicit_path = 1;
    else
        path = "ipcity.conf";
    FILE *fp = fopen(path, "r");
    if (!fp && explicit_path)
        return err_set(e, 400, "config.file", "无法读取配置文件 %s", "Cannot read the config file %s", path, path);
    if (fp) {
        char *line = NULL;
        size_t cap = 0;
        long lineno = 0;
        while (getline(&line, &cap, fp) > 0) {
            lineno++;
            util_trim(line);
            if (!*line || *line == '#') continue;
            char *eq = strchr(line, '=');
            if (!eq) {
                err_set(e, 400, "config.syntax", "配置文件 %s 第 %ld 行：应为 名称 = 值",
                        "%s line %ld: expected name = value", path, lineno, path, lineno);
                free(line);
                fclose(fp);
                return err_at(e, path, lineno, 0, NULL);
            }
            *eq = '\0';
            char *k = util_trim(line), *v = util_trim(eq + 1);
            if (cfg_set(k, v, e)) {
                free(line);
                fclose(fp);
                return err_at(e, path, lineno, 0, k);
            }
        }
        free(line);
        fclose(fp);
    }
    for (int i = 0; cfg_table[i].name; i++) {
        const char *v = getenv(cfg_table[i].env);
        if (v) cfg_set(cfg_table[i].name, v, e);
    }
    return 0;
}

void cfg_print(int markdown)
{
    if (markdown) printf("| setting | environment | default | 说明 | description |\n|---|---|---|---|---|\n");
    for (int i = 0; cfg_table[i].name; i++) {
        if (markdown)
            printf("| `%s` | `%s` | `%s` | %s | %s |\n", cfg_table[i].name, cfg_table[i].env, cfg_table[i].def,
                   cfg_table[i].zh, cfg_table[i].en);
        else
            printf("%s = %s\n", cfg_table[i].name, cfg_get(cfg_table[i].name));
    }
}
