/*
 * catalog.c - the catalogue of record types, the versioned schema
 * migrations, and the built-in demo region.
 *
 * Migrations are an ordered list; version N of a database means the first
 * N steps have been applied.  A step creates tables from record
 * descriptions (so both backends get the same schema from one source) or
 * adds columns; steps are never edited once released, only appended.
 */
#include "domain.h"

#include "accounts.h"
#include "registry.h"
#include "address.h"
#include "../search/regsearch.h"
#include "ingest.h"
#include "indicators.h"
#include "plan.h"

#include "../base/log.h"
#include "../base/util.h"
#include "../records/audit.h"

#include <stdlib.h>
#include <string.h>

static rec_type *all_types[] = {
    &type_region,         &type_department, &type_user,           &type_entity,      &type_patent,
    &type_patent_event,   &type_trademark,  &type_copyright,      &type_geo_indication, &type_ic_layout,
    &type_plant_variety,  &type_trade_secret, &type_import_job, &type_address_review, &type_population,
    &type_indicator_report, &type_plan, &type_plan_target, &type_plan_milestone, &type_plan_task, &type_task_report,
    &type_supervision, &type_assess_weights, NULL,
};

void domain_register(void) { rec_register(all_types); }

/* ---- migrations ---- */

static int m1_foundation(store *db, err *e)
{
    if (audit_create_tables(db, e)) return -1;
    if (rec_create_table(db, &type_department, e) || rec_create_table(db, &type_region, e) ||
        rec_create_table(db, &type_user, e) || rec_create_table(db, &type_entity, e))
        return -1;
    return acct_create_tables(db, e);
}

static int m2_registry(store *db, err *e)
{
    rec_type *types[] = {&type_patent, &type_patent_event, &type_trademark, &type_copyright, &type_geo_indication,
                         &type_ic_layout, &type_plant_variety, &type_trade_secret, &type_import_job};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (rec_create_table(db, types[i], e)) return -1;
    if (rec_create_table(db, &type_address_review, e) || rec_create_table(db, &type_population, e)) return -1;
    return patent_create_tables(db, e) || rs_create_indexes(db, e) ? -1 : 0;
}

static int m_indicators(store *db, err *e)
{
    return rec_create_table(db, &type_indicator_report, e) || ind_create_tables(db, e) ? -1 : 0;
}

typedef struct migration {
    const char *what;
    int (*apply)(store *db, err *e);
} migration;

static const migration migrations[] = {
    {"foundation: audit, departments, regions, users, entities, sessions", m1_foundation},
    {"registry: patents, legal events, trademarks, copyrights, GIs, IC layouts, plant varieties, trade secrets", m2_registry},
    {"indicators: reported indicator values, the indicator index and its change triggers", m_indicators},
    {"plan: plans, targets, milestones, key tasks, task reports and their files, supervision, assessment weights", plan_create_tables},
};

#define NMIG ((int)(sizeof migrations / sizeof migrations[0]))

int schema_latest(void) { return NMIG; }

int schema_version(store *db, int *version, err *e)
{
    *version = 0;
    if (store_exec(db, "CREATE TABLE IF NOT EXISTS schema_meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)", e))
        return -1;
    store_stmt *st = store_prepare(db, "SELECT value FROM schema_meta WHERE key = 'version'", e);
    if (!st) return -1;
    int rc = store_step(st, e);
    if (rc == 1) *version = atoi(store_col_text(st, 0));
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* Applies migration step i (0-based) inside the open transaction and
 * records version i + 1 in schema_meta. */
static int apply_step(store *db, int i, err *e)
{
    if (migrations[i].apply(db, e)) return -1;
    char ver[16];
    snprintf(ver, sizeof ver, "%d", i + 1);
    store_stmt *st = store_prepare(db,
                                   "INSERT INTO schema_meta (key, value) VALUES ('version', ?)"
                                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                   e);
    if (!st) return -1;
    store_bind_text(st, 1, ver);
    int rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

int schema_migrate(store *db, int *from, int *to, err *e)
{
    int v;
    if (schema_version(db, &v, e)) return -1;
    if (from) *from = v;
    if (to) *to = v;
    if (v > NMIG)
        return err_set(e, 409, "schema.too_new",
                       "数据库结构版本 %d 比本程序支持的版本 %d 新：请升级 ipcity，不要用旧版本打开新数据库",
                       "The database schema version %d is newer than this binary supports (%d): upgrade ipcity",
                       v, NMIG, v, NMIG);
    for (int i = v; i < NMIG; i++) {
        if (store_begin(db, e)) return -1;
        if (apply_step(db, i, e) || store_commit(db, e)) {
            store_rollback(db);
            return -1;
        }
        log_info("schema migrated to version %d: %s", i + 1, migrations[i].what);
        if (to) *to = i + 1;
    }
    return 0;
}

int schema_create_tx(store *db, err *e)
{
    if (!store_in_tx(db))
        return err_set(e, 500, "schema.no_tx", "内部错误：建库必须在事务中进行",
                       "Internal error: the schema must be created inside a transaction");
    int v;
    if (schema_version(db, &v, e)) return -1;
    if (v != 0)
        return err_set(e, 409, "schema.exists", "数据库已有结构（版本 %d）", "The database already has a schema (version %d)",
                       v, v);
    for (int i = 0; i < NMIG; i++)
        if (apply_step(db, i, e)) return -1;
    return 0;
}

/* ---- demo region ---- */

/* The seed plan's 落实单位 (responsible units) of Xuhui District, plus the
 * district IP bureau that owns the plan.  Source: the 2022-2025 work plan,
 * shared/seed/work-plan.zh.txt. */
static const struct {
    const char *code, *zh, *en, *kind;
} demo_depts[] = {
    {"310104-ipa", "区知识产权局", "District IP Administration", "government"},
    {"310104-court", "区法院", "District People's Court", "judicial"},
    {"310104-procuratorate", "区检察院", "District People's Procuratorate", "judicial"},
    {"310104-police", "公安分局", "District Public Security Sub-bureau", "government"},
    {"310104-culture", "区文化旅游局", "District Culture and Tourism Bureau", "government"},
    {"310104-ndrc", "区发展改革委", "District Development and Reform Commission", "government"},
    {"310104-justice", "区司法局", "District Justice Bureau", "government"},
    {"310104-gov-office", "区政府办（外办）", "District Government Office (Foreign Affairs)", "government"},
    {"310104-stc", "区科委", "District Science and Technology Commission", "government"},
    {"310104-finance", "区金融办", "District Financial Services Office", "government"},
    {"310104-org", "区委组织部", "District Party Committee Organisation Department", "government"},
    {"310104-hrss", "区人力资源社会保障局", "District Human Resources and Social Security Bureau", "government"},
    {"310104-invest", "区投促办", "District Investment Promotion Office", "government"},
    {"310104-caohejing", "漕河泾开发区", "Caohejing Development Zone", "park"},
    {"310104-westbund", "西岸集团", "West Bund Group", "soe"},
    {"310104-fenglin", "枫林集团", "Fenglin Group", "soe"},
};

static const struct {
    const char *code, *zh, *en, *level, *parent;
} demo_regions[] = {
    {"310000", "上海市", "Shanghai", "province", NULL},
    {"310100", "市辖区", "Shanghai municipal districts", "city", "310000"},
    {"310104", "徐汇区", "Xuhui District", "district", "310100"},
};

int demo_init(store *db, char **admin_password, err *e)
{
    *admin_password = NULL;
    rec_actor sys = {0, "system", ROLE_ADMIN, "310104-ipa"};
    int64_t n;
    if (store_query_int(db, "SELECT COUNT(*) FROM departments", &n, e, 0)) return -1;
    if (store_begin(db, e)) return -1;
    if (n == 0) {
        for (size_t i = 0; i < sizeof demo_depts / sizeof demo_depts[0]; i++) {
            json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "code", demo_depts[i].code, "name_zh", demo_depts[i].zh,
                                   "name_en", demo_depts[i].en, "kind", demo_depts[i].kind, "region_code", "310104");
            json_t *out = NULL;
            int rc = rec_create_tx(db, &type_department, &sys, in, &out, e);
            json_decref(in);
            json_decref(out);
            if (rc) goto fail;
        }
        for (size_t i = 0; i < sizeof demo_regions / sizeof demo_regions[0]; i++) {
            json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s?}", "code", demo_regions[i].code, "name_zh", demo_regions[i].zh,
                                   "name_en", demo_regions[i].en, "level", demo_regions[i].level, "parent_code",
                                   demo_regions[i].parent);
            json_t *out = NULL;
            int rc = rec_create_tx(db, &type_region, &sys, in, &out, e);
            json_decref(in);
            json_decref(out);
            if (rc) goto fail;
        }
    }
    /* the GB/T 2260 divisions shipped with ipcity (data/regions) */
    {
        long created = 0, skipped = 0;
        if (region_load_counts(db, region_data_path(), &sys, &created, &skipped, e)) goto fail;
    }
    /* the demo region's resident population at the end of 2022 */
    if (store_query_int(db, "SELECT COUNT(*) FROM populations WHERE region_code = '310104' AND year = 2022", &n, e, 0)) goto fail;
    if (n == 0) {
        json_t *in = json_pack("{s:s,s:i,s:i,s:s}", "region_code", "310104", "year", 2022, "population", 1098500, "source",
                               "徐汇区2022年末常住人口109.85万人（区统计公报）/ Xuhui resident population, end of 2022 "
                               "(district statistical bulletin; see docs/data-sources.md)");
        json_t *out = NULL;
        int rc = rec_create_tx(db, &type_population, &sys, in, &out, e);
        json_decref(in);
        json_decref(out);
        if (rc) goto fail;
    }
    /* the seed work plan of the demo region (once; src/domain/seedplan.c) */
    if (plan_seed_demo_tx(db, &sys, NULL, e)) goto fail;
    if (store_query_int(db, "SELECT COUNT(*) FROM users", &n, e, 0)) goto fail;
    if (n == 0) {
        char *pw = util_random_token(9);
        json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "admin", "display_name", "系统管理员", "role", "admin",
                               "password", pw, "dept", "310104-ipa");
        json_t *out = NULL;
        int rc = rec_create_tx(db, &type_user, &sys, in, &out, e);
        json_decref(in);
        json_decref(out);
        if (rc) {
            free(pw);
            goto fail;
        }
        *admin_password = pw;
    }
    if (store_commit(db, e)) goto fail;
    return 0;
fail:
    store_rollback(db);
    free(*admin_password);
    *admin_password = NULL;
    return -1;
}
