/* cmd_serve.c - `ipcity serve`, `ipcity init`, `ipcity migrate`, `ipcity config`. */
#include "cli.h"
#include "config.h"

#include "../base/log.h"
#include "../domain/domain.h"
#include "../http/http.h"
#include "../domain/ingest.h"
#include "../import/importer.h"
#include "../import/synth.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *serve_usage =
    "用法 Usage: ipcity serve [--listen HOST:PORT] [--threads N] [--web DIR] [--init-demo]\n"
    "  启动 HTTP 服务，直到收到 Ctrl-C 或 SIGTERM（处理完进行中的请求后退出）。\n"
    "  Runs the HTTP server until Ctrl-C or SIGTERM (in-flight requests finish first).\n"
    "  --listen HOST:PORT  监听地址 / listen address (default 127.0.0.1:8080; port 0 = any free port)\n"
    "  --threads N         工作线程 / worker threads\n"
    "  --web DIR           静态文件目录 / web console directory\n"
    "  --init-demo         空数据库时创建演示区域和管理员 / on an empty database, create the demo region and admin\n";

/* Creates the demo data when missing and prints the admin password once. */
static int init_demo(store *db)
{
    err e = ERR_INIT;
    char *pw = NULL;
    if (demo_init(db, &pw, &e)) {
        cli_error(&e);
        err_clear(&e);
        return -1;
    }
    if (pw) {
        printf("\n  管理员账户已创建 / administrator account created\n"
               "  用户名 user name: admin\n"
               "  密码 password:    %s\n"
               "  （只显示这一次，请妥善保存 / shown only this once, keep it safe）\n\n",
               pw);
        fflush(stdout);
        free(pw);
    }
    return 0;
}

/* On a database without patents: generates the district-scale synthetic
 * demo dataset (labelled synthetic) under var/demo and imports it. */
static int demo_data(store *db)
{
    err e = ERR_INIT;
    int64_t n = 0;
    if (store_query_int(db, "SELECT COUNT(*) FROM patents", &n, &e, 0)) goto fail;
    if (n > 0) return 0;
    long np = atol(cfg_get("demo_patents"));
    if (np <= 0) return 0;
    printf("正在生成并导入演示数据（%ld 件合成专利）/ generating and importing the demo data (%ld synthetic patents)...\n", np, np);
    fflush(stdout);
    /* the files go beside a database file: DIR/demo for DIR/ipcity.db; var/demo for a database server */
    char dir[4096];
    const char *dbp = cfg_get("db"), *slash = strrchr(dbp, '/');
    if (store_kind_of(db) != STORE_SQLITE) {
        mkdir("var", 0755);
        snprintf(dir, sizeof dir, "var/demo");
    } else
        snprintf(dir, sizeof dir, "%.*s%sdemo", slash ? (int)(slash - dbp) : 0, dbp, slash ? "/" : "");
    synth_counts c;
    if (synth_write(dir, np, 310104, &c, &e)) goto fail;
    static const char *files[] = {"entities.csv", "patents.csv", "events.csv", "trademarks.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        json_t *rep = NULL;
        if (imp_run(db, cli_actor(), files[i], path, NULL, 0, NULL, NULL, NULL, &rep, &e)) goto fail;
        printf("  %s: %lld\n", files[i], (long long)json_integer_value(json_object_get(rep, "rows")));
        json_decref(rep);
    }
    return 0;
fail:
    cli_error(&e);
    err_clear(&e);
    return -1;
}

/* See store_create(): the directory of a SQLite file, or the PostgreSQL
 * database.  Failure is reported by the store_open() that follows. */
static void ensure_db(const char *url)
{
    err e = ERR_INIT;
    if (store_create(url, &e)) log_warn("%s", err_msg(&e, LANG_EN));
    err_clear(&e);
}

int cmd_serve(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, serve_usage)) return 0;
    err e = ERR_INIT;
    const char *v;
    if ((v = cli_opt(argc, argv, "--listen"))) cfg_set("listen", v, &e);
    if ((v = cli_opt(argc, argv, "--threads"))) cfg_set("threads", v, &e);
    if ((v = cli_opt(argc, argv, "--web"))) cfg_set("web_root", v, &e);
    ensure_db(cfg_get("db"));
    store *db = cli_open_db();
    if (!db) return 1;
    if (cli_flag(argc, argv, "--init-demo") && (init_demo(db) || demo_data(db))) {
        store_close(db);
        return 1;
    }
    {
        int64_t n = 0;
        err je = ERR_INIT;
        if (ingest_jobs_interrupted(db, &n, &je)) log_warn("marking interrupted imports: %s", err_msg(&je, LANG_EN));
        else if (n) log_info("%lld interrupted import job(s) marked failed", (long long)n);
        err_clear(&je);
    }
    store_close(db);

    http_config hc = {
        .listen = cfg_get("listen"),
        .threads = cfg_int("threads"),
        .web_root = cfg_get("web_root"),
        .max_body = (size_t)strtoull(cfg_get("max_body"), NULL, 10),
        .db_url = cfg_get("db"),
        .trust_proxy = cfg_int("trust_proxy"),
        .access_log = cfg_int("access_log"),
        .policy = {cfg_int("session_ttl"), cfg_int("login_slow_after"), cfg_int("login_lock_after"),
                   cfg_int("login_lock_seconds")},
    };
    /* Block the stop signals in every thread; this one waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    server *s;
    int port;
    if (server_start(&hc, &s, &port, &e)) {
        cli_error(&e);
        err_clear(&e);
        return 1;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(hc.listen, ':') - hc.listen), hc.listen);
    char *shown = cli_url_shown(hc.db_url); /* never a password in the output */
    printf("ipcity 服务已启动 / listening on http://%s:%d/  (数据库 database: %s)\n", host, port, shown);
    free(shown);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: finishing in-flight requests and stopping", sig);
    server_stop(s, 10);
    log_info("stopped cleanly");
    return 0;
}

static const char *init_usage =
    "用法 Usage: ipcity init\n"
    "  创建或升级数据库，建立演示区域（徐汇区 310104 及其落实单位），首次运行时生成管理员密码。\n"
    "  Creates or upgrades the database, the demo region (Xuhui 310104 and its departments) and, the first\n"
    "  time, an admin user whose generated password is printed once.\n";

int cmd_init(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, init_usage)) return 0;
    ensure_db(cfg_get("db"));
    store *db = cli_open_db();
    if (!db) return 1;
    int rc = init_demo(db);
    store_close(db);
    if (!rc) printf("数据库已就绪 / database ready: %s\n", cfg_get("db"));
    return rc ? 1 : 0;
}

static const char *migrate_usage =
    "用法 Usage: ipcity migrate\n"
    "  应用缺失的数据库结构迁移；数据库比程序新时拒绝。\n"
    "  Applies missing schema migrations; refuses a database newer than this binary.\n";

int cmd_migrate(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, migrate_usage)) return 0;
    ensure_db(cfg_get("db"));
    err e = ERR_INIT;
    store *db = NULL;
    int from = 0, to = 0;
    if (store_open(cfg_get("db"), &db, &e) || schema_migrate(db, &from, &to, &e)) {
        cli_error(&e);
        err_clear(&e);
        store_close(db);
        return 1;
    }
    store_close(db);
    printf("数据库结构版本 schema version: %d -> %d\n", from, to);
    return 0;
}

static const char *config_usage =
    "用法 Usage: ipcity config [--markdown]\n"
    "  显示生效的配置（默认值 < 配置文件 < 环境变量 < 命令行）。\n"
    "  Shows the effective settings (default < config file < environment < flags); --markdown prints the table.\n";

int cmd_config(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, config_usage)) return 0;
    cfg_print(cli_flag(argc, argv, "--markdown"));
    return 0;
}
