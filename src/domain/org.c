/*
 * org.c - the organisation records: regions, departments and users.
 */
#include "domain.h"

#include "accounts.h"
#include "codes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL SCOPE_ALL
#define OWN SCOPE_OWN
#define NONE SCOPE_NONE

/* Department codes and user names: lowercase letters, digits, - _ . */
static int check_code(const char *in, buf *norm, err *e)
{
    size_t n = strlen(in);
    if (n < 2 || n > 64)
        return err_set(e, 422, "validation.code", "长度应为 2 到 64 个字符", "must have 2 to 64 characters");
    for (const char *p = in; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (!(isdigit((unsigned char)c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.'))
            return err_set(e, 422, "validation.code", "只能包含小写字母、数字和 - _ .",
                           "may contain only lowercase letters, digits and - _ .");
        buf_putc(norm, c);
    }
    return 0;
}

static const rec_opt region_levels[] = {
    {"country", "国家", "Country"},   {"province", "省级", "Province"}, {"city", "地级", "City"},
    {"district", "县级", "District"}, {"park", "园区", "Park / zone"},  {NULL, NULL, NULL},
};

static const rec_field region_fields[] = {
    {"code", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SORT | RF_LIST, "区划代码",
     "Division code", 12, .help_zh = "GB/T 2260 六位代码；园区可自定义",
     .help_en = "GB/T 2260 six-digit code; parks may use their own"},
    {"name_zh", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "名称", "Name (Chinese)", 100},
    {"name_en", RT_TEXT, RF_SEARCH | RF_LIST, "英文名称", "Name (English)", 200},
    {"level", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "级别", "Level", 0, region_levels},
    {"parent_code", RT_TEXT, RF_FILTER | RF_LIST, "上级区划", "Parent division", 12},
    {"streets", RT_JSON, 0, "园区范围（街道/地址关键词）", "Park extent (streets / address keywords)",
     .help_zh = "仅园区：文本数组，如 [\"漕宝路\", \"宜山路\", \"桂平路\"]；上级区划内地址含其中任一即属于该园区",
     .help_en =
         "parks only: array of strings, e.g. [\"漕宝路\", \"宜山路\"]; an address in the parent district containing any of them belongs to the park"},
    {NULL},
};

/* A park (user-defined zone) lies in a district and lists its streets. */
static int region_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)c;
    (void)old;
    if (c->op == REC_DELETE) return 0;
    const char *level = json_string_value(json_object_get(row, "level"));
    json_t *st = json_object_get(row, "streets");
    int is_park = level && !strcmp(level, "park");
    if (!is_park && st && !json_is_null(st)) {
        err_item_msg(e, "streets", 0, 0, "validation.streets", "只有园区可以填写街道范围",
                     "Only parks have a street list");
        return -1;
    }
    if (!is_park) return 0;
    size_t i;
    json_t *v;
    int ok = json_is_array(st) && json_array_size(st) > 0;
    if (ok) json_array_foreach(st, i, v) if (!json_is_string(v) || !*json_string_value(v)) ok = 0;
    const char *parent = json_string_value(json_object_get(row, "parent_code"));
    if (!ok)
        err_item_msg(e, "streets", 0, 0, "validation.streets", "园区应列出至少一个街道或地址关键词（文本数组）",
                     "A park needs at least one street or address keyword (array of strings)");
    if (!parent || code_region_check(parent, NULL))
        err_item_msg(e, "parent_code", 0, 0, "validation.parent", "园区的上级区划应为其所在区县的六位代码",
                     "A park's parent must be the six-digit code of its district");
    return err_isset(e) ? -1 : 0;
}

rec_type type_region = {
    .name = "region",
    .path = "regions",
    .zh = "行政区划",
    .en = "Region",
    .fields = region_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "name_zh",
    .before_write = region_before_write,
};

static const rec_opt dept_kinds[] = {
    {"government", "政府部门", "Government department"},
    {"judicial", "司法机关", "Judicial body"},
    {"park", "园区/开发区", "Park / development zone"},
    {"soe", "国有企业集团", "State-owned group"},
    {"enterprise", "企业", "Enterprise"},
    {"agency", "知识产权服务机构", "IP service agency"},
    {"university", "高校", "University"},
    {"institute", "科研院所", "Research institute"},
    {"other", "其他", "Other"},
    {NULL, NULL, NULL},
};

static const rec_field dept_fields[] = {
    {"code", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_UNIQUE_ALL | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SORT | RF_LIST,
     "部门代码", "Department code", 64, .check = check_code},
    {"name_zh", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "部门名称", "Name (Chinese)", 100},
    {"name_en", RT_TEXT, RF_SEARCH | RF_LIST, "英文名称", "Name (English)", 200},
    {"kind", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "类别", "Kind", 0, dept_kinds},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "所在区划", "Region", 6, .check = code_region_field},
    {"parent_code", RT_TEXT, RF_FILTER, "上级部门", "Parent department", 64},
    {"contact", RT_TEXT, 0, "联系人", "Contact person", 50},
    {"phone", RT_TEXT, 0, "联系电话", "Phone", 40},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

/* A department owns its own row. */
static int dept_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)c;
    (void)old;
    (void)e;
    json_t *code = json_object_get(row, "code");
    if (json_is_string(code)) json_object_set(row, "dept", code);
    return 0;
}

rec_type type_department = {
    .name = "department",
    .path = "departments",
    .zh = "部门",
    .en = "Department",
    .fields = dept_fields,
    .read = {ALL, ALL, ALL, OWN, OWN, NONE},
    .write = {ALL, NONE, NONE, NONE, NONE, NONE},
    .flags = REC_NO_DEPT_FK,
    .title_field = "name_zh",
    .before_write = dept_before_write,
};

static const rec_opt user_roles[] = {
    {"admin", "系统管理员", "System administrator"}, {"bureau", "知识产权局工作人员", "IP bureau staff"},
    {"dept", "部门工作人员", "Department staff"},    {"enterprise", "企业用户", "Enterprise user"},
    {"agency", "服务机构用户", "Agency user"},       {NULL, NULL, NULL},
};

static const rec_field user_fields[] = {
    {"name", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SORT | RF_LIST | RF_SEARCH,
     "用户名", "User name", 64, .check = check_code},
    {"display_name", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "姓名", "Full name", 100},
    {"role", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "角色", "Role", 0, user_roles},
    {"email", RT_TEXT, 0, "电子邮箱", "E-mail", 200},
    {"phone", RT_TEXT, 0, "电话", "Phone", 40},
    {"disabled", RT_BOOL, RF_FILTER | RF_LIST, "已停用", "Disabled"},
    {"password", RT_TEXT, RF_REQUIRED | RF_VIRTUAL, "密码", "Password", 128,
     .help_zh = "8 到 128 个字符；只写入，不会返回", .help_en = "8 to 128 characters; write-only"},
    {"password_hash", RT_TEXT, RF_SECRET, "密码散列", "Password hash", 200},
    {NULL},
};

/* Hashes a new password (argon2id) into password_hash. */
static int user_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    if (c->op == REC_DELETE) {
        if (c->actor->user_id && json_integer_value(json_object_get(row, "id")) == c->actor->user_id)
            return err_set(e, 422, "user.self_delete", "不能删除自己的账户", "You cannot delete your own account");
        return 0;
    }
    json_t *pw = json_object_get(row, "password");
    if (json_is_string(pw)) {
        err pe = ERR_INIT;
        if (acct_password_ok(json_string_value(pw), &pe)) {
            err_item_msg(e, "password", 0, 0, pe.code, err_msg(&pe, LANG_ZH), err_msg(&pe, LANG_EN));
            err_clear(&pe);
            return -1;
        }
        char *h = acct_hash_password(json_string_value(pw));
        if (!h) return err_set(e, 500, "user.hash", "密码散列失败", "Password hashing failed");
        json_object_set_new(row, "password_hash", json_string(h));
        free(h);
    }
    json_object_del(row, "password");
    if (!json_is_false(json_object_get(row, "disabled")) && !json_is_true(json_object_get(row, "disabled")))
        json_object_set_new(row, "disabled", json_false());
    return 0;
}

/* A disabled or deleted user's sessions end at once (re-enabling the user
 * must not bring old cookies back to life). */
static int user_after_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    (void)old;
    if (c->op != REC_DELETE && !json_is_true(json_object_get(row, "disabled"))) return 0;
    store_stmt *st = store_prepare(c->db, "DELETE FROM sessions WHERE user_id = ?", e);
    if (!st) return -1;
    store_bind_int(st, 1, json_integer_value(json_object_get(row, "id")));
    int rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

rec_type type_user = {
    .name = "user",
    .path = "users",
    .zh = "用户",
    .en = "User",
    .fields = user_fields,
    .read = {ALL, ALL, OWN, OWN, OWN, NONE},
    .write = {ALL, NONE, NONE, NONE, NONE, NONE},
    .title_field = "display_name",
    .before_write = user_before_write,
    .after_write = user_after_write,
};

/* Parks of the database, cached for one transaction (or one call). */
static void parks_free(void *p) { json_decref(p); }

static int load_parks(store *db, json_t **out, err *e)
{
    json_t *cached = store_cache_get(db, "parks");
    if (cached) {
        *out = json_incref(cached);
        return 0;
    }
    store_stmt *st = store_prepare(db,
                                   "SELECT code, parent_code, streets FROM regions WHERE level = 'park'"
                                   " AND deleted_at IS NULL ORDER BY code",
                                   e);
    if (!st) return -1;
    json_t *a = json_array();
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        json_t *streets = store_col_text(st, 2) ? json_loads(store_col_text(st, 2), 0, NULL) : NULL;
        json_array_append_new(a, json_pack("{s:s,s:s?,s:o}", "code", store_col_text(st, 0), "parent",
                                           store_col_text(st, 1), "streets", streets ? streets : json_array()));
    }
    store_done(st);
    if (rc < 0) {
        json_decref(a);
        return -1;
    }
    if (store_in_tx(db)) store_cache_set(db, "parks", json_incref(a), parks_free);
    *out = a;
    return 0;
}

int region_park_of(store *db, const char *district, const char *address, char park[13], err *e)
{
    park[0] = '\0';
    if (!district || !*district || !address) return 0;
    json_t *parks;
    if (load_parks(db, &parks, e)) return -1;
    size_t i, k;
    json_t *p, *s;
    json_array_foreach(parks, i, p)
    {
        const char *parent = json_string_value(json_object_get(p, "parent"));
        if (!parent || strcmp(parent, district)) continue;
        json_array_foreach(json_object_get(p, "streets"), k,
                           s) if (json_is_string(s) && strstr(address, json_string_value(s)))
        {
            snprintf(park, 13, "%s", json_string_value(json_object_get(p, "code")));
            json_decref(parks);
            return 1;
        }
    }
    json_decref(parks);
    return 0;
}
