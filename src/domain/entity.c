/*
 * entity.c - market entities (市场主体): enterprises, universities,
 * institutes, individuals, agencies and government bodies that hold IP.
 */
#include "domain.h"

#include "address.h"
#include "codes.h"

#include <string.h>

static int check_uscc(const char *in, buf *norm, err *e) { return code_uscc_check(in, norm, e); }

static const rec_opt entity_kinds[] = {
    {"enterprise", "企业", "Enterprise"},
    {"university", "高校", "University"},
    {"institute", "科研院所", "Research institute"},
    {"individual", "个人", "Individual"},
    {"agency", "服务机构", "Service agency"},
    {"government", "机关团体", "Government body"},
    {"other", "其他", "Other"},
    {NULL, NULL, NULL},
};

static const rec_field entity_fields[] = {
    {"name", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST | RF_INDEX, "名称", "Name", 200},
    {"name_en", RT_TEXT, RF_SEARCH, "英文名称", "English name", 300},
    {"uscc", RT_TEXT, RF_UNIQUE | RF_KEY | RF_FILTER | RF_LIST, "统一社会信用代码", "Unified social credit code", 18,
     .check = check_uscc, .help_zh = "18 位，按 GB 32100 校验", .help_en = "18 characters, checked per GB 32100"},
    {"kind", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "主体类型", "Kind", 0, entity_kinds},
    {"address", RT_TEXT, RF_SEARCH | RF_LIST, "地址", "Address", 500},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST | RF_SORT | RF_INDEX, "所在区划", "Region code", 6,
     .check = code_region_field, .help_zh = "GB/T 2260 六位行政区划代码",
     .help_en = "GB/T 2260 six-digit division code"},
    {"park_code", RT_TEXT, RF_READONLY | RF_FILTER | RF_LIST, "所在园区", "Park", 12,
     .help_zh = "由地址按园区街道范围自动判定", .help_en = "derived from the address and the parks' street lists"},
    {"legal_rep", RT_TEXT, 0, "法定代表人", "Legal representative", 100},
    {"established", RT_DATE, RF_FILTER | RF_SORT, "成立日期", "Established on"},
    {"phone", RT_TEXT, 0, "联系电话", "Phone", 40},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

/* The region follows from the address when none is given: settled reviews
 * win, unresolvable addresses wait in the review queue. */
static int entity_before_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    if (c->op == REC_DELETE) return 0;
    const char *addr = json_string_value(json_object_get(row, "address"));
    json_t *rc = json_object_get(row, "region_code");
    int addr_changed = !old || !json_equal(json_object_get(old, "address"), json_object_get(row, "address"));
    int region_given = json_is_string(rc) && (!old || !json_equal(rc, json_object_get(old, "region_code")));
    if (addr && *addr && !region_given && addr_changed && addr_region_count()) {
        char code[7];
        int queued = 0;
        if (addr_resolve_db(c->db, addr, c->actor, code, &queued, e)) return -1;
        json_object_set_new(row, "region_code", code[0] ? json_string(code) : json_null());
    }
    char park[13];
    const char *district = json_string_value(json_object_get(row, "region_code"));
    if (region_park_of(c->db, district, addr, park, e) < 0) return -1;
    json_object_set_new(row, "park_code", park[0] ? json_string(park) : json_null());
    return 0;
}

rec_type type_entity = {
    .name = "entity",
    .path = "entities",
    .zh = "市场主体",
    .en = "Entity",
    .fields = entity_fields,
    .read = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_OWN, SCOPE_OWN, SCOPE_NONE},
    .write = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_OWN, SCOPE_NONE, SCOPE_NONE},
    .title_field = "name",
    .before_write = entity_before_write,
};
