/*
 * stats.c - statistical inputs that the registry cannot compute: resident
 * population per region and year (the denominator of the per-10k
 * indicators).
 */
#include "domain.h"

#include "codes.h"

static const rec_field population_fields[] = {
    {"region_code", RT_TEXT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "区划代码", "Region code", 6,
     .check = code_region_field},
    {"year", RT_INT, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "年份", "Year", .min = 1949, .max = 2100},
    {"population", RT_INT, RF_REQUIRED | RF_LIST, "年末常住人口（人）", "Resident population at year end", .min = 0,
     .max = 2e9},
    {"source", RT_TEXT, RF_REQUIRED | RF_LIST, "数据来源", "Source", 500, .help_zh = "统计公报、年鉴等出处",
     .help_en = "statistical bulletin, yearbook..."},
    {"note", RT_TEXT, RF_MULTILINE, "备注", "Notes", 2000},
    {NULL},
};

rec_type type_population = {
    .name = "population",
    .path = "populations",
    .zh = "常住人口",
    .en = "Resident population",
    .fields = population_fields,
    .read = {SCOPE_ALL, SCOPE_ALL, SCOPE_ALL, SCOPE_ALL, SCOPE_ALL, SCOPE_ALL},
    .write = {SCOPE_ALL, SCOPE_ALL, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE, SCOPE_NONE},
    .title_field = "region_code",
};
