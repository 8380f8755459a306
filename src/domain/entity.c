/*
 * entity.c - market entities (市场主体): enterprises, universities,
 * institutes, individuals, agencies and government bodies that hold IP.
 */
#include "domain.h"

#include "codes.h"

static int check_uscc(const char *in, buf *norm, err *e) { return code_uscc_check(in, norm, e); }

static int check_region(const char *in, buf *norm, err *e)
{
    (void)norm;
    return code_region_check(in, e);
}

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
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST | RF_SORT | RF_INDEX, "所在区划", "Region code", 6, .check = check_region,
     .help_zh = "GB/T 2260 六位行政区划代码", .help_en = "GB/T 2260 six-digit division code"},
    {"legal_rep", RT_TEXT, 0, "法定代表人", "Legal representative", 100},
    {"established", RT_DATE, RF_FILTER | RF_SORT, "成立日期", "Established on"},
    {"phone", RT_TEXT, 0, "联系电话", "Phone", 40},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

rec_type type_entity = {
    .name = "entity", .path = "entities", .zh = "市场主体", .en = "Entity",
    .fields = entity_fields,
    .read = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_OWN, SCOPE_OWN, SCOPE_NONE},
    .write = {SCOPE_ALL, SCOPE_ALL, SCOPE_OWN, SCOPE_OWN, SCOPE_NONE, SCOPE_NONE},
    .title_field = "name",
};
