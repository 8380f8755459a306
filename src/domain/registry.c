/*
 * registry.c - the IP registry's record types: patents and their legal
 * events, trademarks, copyrights, geographical indications, integrated
 * circuit layout designs, plant varieties and trade-secret protection
 * records.  Descriptions only, plus the hooks that keep derived columns
 * (first applicant, holder names, region, IPC index) in step with the
 * values they are derived from; the ingest of whole documents lives in
 * ingest.c and the legal status in patent.c.
 */
#include "domain.h"
#include "registry.h"

#include "codes.h"
#include "ingest.h"

#include "../base/util.h"
#include "../search/regsearch.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ALL SCOPE_ALL
#define OWN SCOPE_OWN
#define NONE SCOPE_NONE

/* A patent application number: CN numbers are validated (check digit) and
 * normalised to the dotted form; numbers of other offices start with their
 * two-letter code and are kept as given without spaces. */
static int check_appno(const char *in, buf *norm, err *e)
{
    if (isalpha((unsigned char)in[0]) && isalpha((unsigned char)in[1]) && strncasecmp(in, "CN", 2) &&
        strncasecmp(in, "ZL", 2)) {
        for (const char *p = in; *p; p++)
            if (!isspace((unsigned char)*p) && *p != ',') buf_putc(norm, (char)toupper((unsigned char)*p));
        if (norm->len < 4)
            return err_set(e, 422, "validation.appno_format", "申请号过短", "The application number is too short");
        return 0;
    }
    return code_cn_appno(in, norm, e);
}

static int check_country(const char *in, buf *norm, err *e)
{
    if (strlen(in) != 2 || !isalpha((unsigned char)in[0]) || !isalpha((unsigned char)in[1]))
        return err_set(e, 422, "validation.country", "应为两位国家或地区代码（如 CN、US）",
                       "must be a two-letter country code (e.g. CN, US)");
    buf_putc(norm, (char)toupper((unsigned char)in[0]));
    buf_putc(norm, (char)toupper((unsigned char)in[1]));
    return 0;
}

const rec_opt patent_kinds[] = {
    {"invention", "发明", "Invention"},
    {"utility", "实用新型", "Utility model"},
    {"design", "外观设计", "Design"},
    {NULL, NULL, NULL},
};

static const rec_field patent_fields[] = {
    {"appno", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SORT | RF_LIST, "申请号",
     "Application number", 40, .check = check_appno, .help_zh = "中国申请号校验校验位并规范为 202110991218.8 形式",
     .help_en = "CN numbers are checked and normalised to 202110991218.8"},
    {"country", RT_TEXT, RF_FILTER | RF_LIST, "受理局", "Office", 2, .check = check_country},
    {"kind", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "专利类型", "Type", 0, patent_kinds},
    {"title", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "名称", "Title", 500},
    {"abstract", RT_TEXT, RF_MULTILINE, "摘要", "Abstract", 20000},
    {"lang", RT_TEXT, 0, "语言", "Language", 8},
    {"filing_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST | RF_INDEX, "申请日", "Filing date"},
    {"pub_no", RT_TEXT, RF_FILTER | RF_INDEX, "公开（公告）号", "Publication number", 40},
    {"pub_date", RT_DATE, RF_FILTER | RF_SORT, "公开日", "Publication date"},
    {"grant_no", RT_TEXT, RF_FILTER, "授权公告号", "Grant number", 40},
    {"grant_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST | RF_INDEX, "授权公告日", "Grant date"},
    {"term_end", RT_DATE, RF_READONLY | RF_FILTER, "保护期届满日", "End of term",
     .help_zh = "申请日加法定期限（发明 20 年，实用新型 10 年，外观设计 15 年/2021-06-01 前申请 10 年）",
     .help_en =
         "filing date plus the statutory term (invention 20, utility model 10, design 15 / 10 before 2021-06-01)"},
    {"ipc", RT_JSON, 0, "IPC 分类号", "IPC codes", .jcheck = pat_jcheck_codes, .help_zh = "数组，如 [\"H04L 29/08\"]",
     .help_en = "array, e.g. [\"H04L 29/08\"]"},
    {"ipc_main", RT_TEXT, RF_READONLY | RF_FILTER | RF_LIST, "主分类号", "Main IPC", 20},
    {"cpc", RT_JSON, 0, "CPC 分类号", "CPC codes", .jcheck = pat_jcheck_codes},
    {"applicants", RT_JSON, 0, "申请人", "Applicants", .jcheck = pat_jcheck_parties,
     .help_zh = "数组：[{name, address, country}]", .help_en = "array of {name, address, country}"},
    {"patentees", RT_JSON, 0, "专利权人", "Patentees", .jcheck = pat_jcheck_parties,
     .help_zh = "数组：[{name, address, country}]", .help_en = "array of {name, address, country}"},
    {"inventors", RT_JSON, 0, "发明人", "Inventors", .jcheck = pat_jcheck_strings},
    {"first_applicant", RT_TEXT, RF_READONLY | RF_FILTER | RF_SEARCH | RF_LIST | RF_INDEX, "第一申请人",
     "First applicant", 300},
    {"holders", RT_TEXT, RF_READONLY, "权利人名称", "Holder names", 5000},
    {"region_code", RT_TEXT, RF_READONLY | RF_FILTER | RF_LIST | RF_INDEX, "所在区划", "Region", 6},
    {"priorities", RT_JSON, 0, "优先权", "Priority claims", .jcheck = pat_jcheck_priorities},
    {"pct_app_no", RT_TEXT, RF_FILTER, "PCT 申请号", "PCT application number", 40},
    {"pct_pub_no", RT_TEXT, 0, "PCT 公布号", "PCT publication number", 40},
    {"pct_pub_date", RT_DATE, 0, "PCT 公布日", "PCT publication date"},
    {"family", RT_JSON, 0, "同族专利", "Family members", .jcheck = pat_jcheck_family,
     .help_zh = "数组：[{country, number, granted}]", .help_en = "array of {country, number, granted}"},
    {"awards", RT_JSON, 0, "获奖", "Awards", .jcheck = pat_jcheck_awards,
     .help_zh = "数组：[{kind, level, year}]；kind 为 china_patent_award 或 national_sci_award",
     .help_en = "array of {kind, level, year}; kind china_patent_award or national_sci_award"},
    {"source", RT_TEXT, RF_FILTER, "数据来源", "Source", 40},
    {"synthetic", RT_BOOL, RF_FILTER | RF_LIST, "合成数据", "Synthetic"},
    {NULL},
};

static int patent_template(const char *format, lang l, buf *out, err *e)
{
    return tpl_write(TPL_PATENTS, format, l, out, e);
}
static int event_template(const char *format, lang l, buf *out, err *e)
{
    return tpl_write(TPL_EVENTS, format, l, out, e);
}

/* Patents and trademarks are created in bulk only while the search index
 * is deferred: otherwise their after-write hook indexes the new row at
 * once, which needs the row in the database. */
static int bulk_ok_indexed(store *db) { return rs_defer_active(db); }

rec_type type_patent = {
    .name = "patent",
    .path = "patents",
    .zh = "专利",
    .en = "Patent",
    .fields = patent_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "title",
    .before_write = patent_before_write,
    .after_write = patent_after_write,
    .template_fn = patent_template,
    .bulk_ok = bulk_ok_indexed,
};

const rec_opt event_kinds[] = {
    {"grant", "授权", "Grant"},
    {"fee_paid", "缴纳年费", "Annual fee paid"},
    {"lapse", "未缴年费终止", "Lapse (fees unpaid)"},
    {"restoration", "恢复权利", "Restoration"},
    {"invalidation", "宣告无效", "Invalidation"},
    {"surrender", "放弃", "Surrender"},
    {"expiry", "期限届满", "Expiry"},
    {"transfer", "转让", "Transfer"},
    {"licence", "许可备案", "Licence"},
    {"pledge", "质押登记", "Pledge"},
    {"pledge_release", "质押注销", "Pledge release"},
    {NULL, NULL, NULL},
};

static const rec_field event_fields[] = {
    {"patent", RT_REF, RF_REQUIRED | RF_KEY | RF_FILTER | RF_IMMUTABLE, "专利", "Patent", .ref = "patent"},
    {"date", RT_DATE, RF_REQUIRED | RF_KEY | RF_FILTER | RF_SORT | RF_LIST, "日期", "Date",
     .help_zh = "生效日期（未缴年费终止以应缴日为准）",
     .help_en = "effective date (a fee lapse takes effect on the due date)"},
    {"kind", RT_ENUM, RF_REQUIRED | RF_KEY | RF_FILTER | RF_LIST, "事件", "Event", 0, event_kinds},
    {"amount", RT_NUM, RF_LIST, "金额（元）", "Amount (CNY)", .min = 0, .max = 1e13},
    {"party", RT_TEXT, RF_KEY | RF_SEARCH | RF_LIST, "相关方", "Counterparty", 300,
     .help_zh = "受让人、被许可人或质权人", .help_en = "transferee, licensee or pledgee"},
    {"party_address", RT_TEXT, 0, "相关方地址", "Counterparty address", 500},
    {"party_region", RT_TEXT, RF_FILTER, "相关方区划", "Counterparty region", 6, .check = code_region_field},
    {"note", RT_TEXT, RF_MULTILINE, "说明", "Notes", 2000},
    {NULL},
};

rec_type type_patent_event = {
    .name = "patent_event",
    .path = "patent_events",
    .zh = "专利法律状态事件",
    .en = "Patent legal event",
    .fields = event_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "kind",
    .template_fn = event_template,
};

static const rec_opt tm_status[] = {
    {"applied", "申请中", "Applied"},          {"registered", "已注册", "Registered"},
    {"renewed", "已续展", "Renewed"},          {"expired", "已到期", "Expired"},
    {"cancelled", "已注销/撤销", "Cancelled"}, {"invalidated", "已宣告无效", "Invalidated"},
    {"refused", "已驳回", "Refused"},          {NULL, NULL, NULL},
};

static const rec_field trademark_fields[] = {
    {"reg_no", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SORT | RF_LIST,
     "注册号/申请号", "Registration number", 40},
    {"mark_text", RT_TEXT, RF_SEARCH | RF_SORT | RF_LIST, "商标文字", "Mark text", 300},
    {"image_ref", RT_TEXT, 0, "图样", "Image reference", 500},
    {"nice_classes", RT_JSON, 0, "尼斯分类", "Nice classes", .help_zh = "整数数组，如 [9, 35]",
     .help_en = "array of integers, e.g. [9, 35]"},
    {"goods", RT_TEXT, RF_MULTILINE, "商品/服务", "Goods and services", 5000},
    {"applicant", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_FILTER | RF_LIST, "申请人/注册人", "Applicant / holder", 300},
    {"applicant_address", RT_TEXT, 0, "申请人地址", "Applicant address", 500},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "所在区划", "Region", 6, .check = code_region_field},
    {"filing_date", RT_DATE, RF_FILTER | RF_SORT, "申请日", "Filing date"},
    {"reg_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "注册日", "Registration date"},
    {"expiry_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "专用权期限截止日", "Expiry date"},
    {"madrid", RT_JSON, 0, "马德里指定国", "Madrid designations", .help_zh = "国家代码数组",
     .help_en = "array of country codes"},
    {"status", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "状态", "Status", 0, tm_status},
    {"well_known", RT_BOOL, RF_FILTER, "驰名商标", "Well-known mark"},
    {"time_honoured", RT_BOOL, RF_FILTER, "老字号", "Time-honoured brand"},
    {"source", RT_TEXT, RF_FILTER, "数据来源", "Source", 40},
    {"synthetic", RT_BOOL, RF_FILTER | RF_LIST, "合成数据", "Synthetic"},
    {NULL},
};

static int trademark_after_write(rec_ctx *c, json_t *row, const json_t *old, err *e)
{
    return rs_index_trademark(c->db, c->op == REC_DELETE ? NULL : row, old, e);
}

rec_type type_trademark = {
    .name = "trademark",
    .path = "trademarks",
    .zh = "商标",
    .en = "Trademark",
    .fields = trademark_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "mark_text",
    .after_write = trademark_after_write,
    .bulk_ok = bulk_ok_indexed,
};

static const rec_opt cr_kinds[] = {
    {"software", "计算机软件著作权", "Software"},
    {"work", "作品著作权", "Work"},
    {NULL, NULL, NULL},
};

static const rec_field copyright_fields[] = {
    {"reg_no", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_SORT | RF_LIST, "登记号",
     "Registration number", 60},
    {"kind", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "类别", "Kind", 0, cr_kinds},
    {"title", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "作品/软件名称", "Title", 500},
    {"category", RT_TEXT, RF_FILTER, "作品类别", "Category", 100},
    {"owner", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_FILTER | RF_LIST, "著作权人", "Owner", 300},
    {"owner_address", RT_TEXT, 0, "著作权人地址", "Owner address", 500},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "所在区划", "Region", 6, .check = code_region_field},
    {"completion_date", RT_DATE, RF_FILTER, "创作完成日", "Completed on"},
    {"publication_date", RT_DATE, RF_FILTER, "首次发表日", "First published on"},
    {"reg_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "登记日", "Registration date"},
    {"synthetic", RT_BOOL, RF_FILTER, "合成数据", "Synthetic"},
    {NULL},
};

rec_type type_copyright = {
    .name = "copyright",
    .path = "copyrights",
    .zh = "著作权登记",
    .en = "Copyright registration",
    .fields = copyright_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "title",
};

static const rec_opt gi_kinds[] = {
    {"product", "地理标志产品", "GI product"},
    {"mark", "地理标志商标", "GI trademark (collective/certification)"},
    {NULL, NULL, NULL},
};

static const rec_field gi_fields[] = {
    {"reg_no", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_LIST, "公告号/注册号",
     "Number", 60},
    {"name", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "名称", "Name", 200},
    {"kind", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "类别", "Kind", 0, gi_kinds},
    {"product", RT_TEXT, 0, "产品类别", "Product category", 200},
    {"area", RT_TEXT, RF_MULTILINE, "保护地域范围", "Protected area", 2000},
    {"holder", RT_TEXT, RF_SEARCH | RF_LIST, "申请人/注册人", "Applicant / holder", 300},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "所在区划", "Region", 6, .check = code_region_field},
    {"approval_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "批准日", "Approved on"},
    {NULL},
};

rec_type type_geo_indication = {
    .name = "geo_indication",
    .path = "geo_indications",
    .zh = "地理标志",
    .en = "Geographical indication",
    .fields = gi_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "name",
};

static const rec_field ic_fields[] = {
    {"reg_no", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_LIST, "登记号",
     "Registration number", 60},
    {"name", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "布图设计名称", "Layout-design name", 300},
    {"holder", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_FILTER | RF_LIST, "权利人", "Holder", 300},
    {"holder_address", RT_TEXT, 0, "权利人地址", "Holder address", 500},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "所在区划", "Region", 6, .check = code_region_field},
    {"filing_date", RT_DATE, RF_FILTER | RF_SORT, "申请日", "Filing date"},
    {"creation_date", RT_DATE, 0, "创作完成日", "Created on"},
    {"commercial_use_date", RT_DATE, 0, "首次商业利用日", "First commercial use"},
    {"reg_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "公告日", "Registration date"},
    {NULL},
};

rec_type type_ic_layout = {
    .name = "ic_layout",
    .path = "ic_layouts",
    .zh = "集成电路布图设计",
    .en = "IC layout design",
    .fields = ic_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "name",
};

static const rec_field pv_fields[] = {
    {"right_no", RT_TEXT, RF_REQUIRED | RF_UNIQUE | RF_KEY | RF_IMMUTABLE | RF_FILTER | RF_LIST, "品种权号",
     "Right number", 60},
    {"name", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "品种名称", "Variety name", 200},
    {"species", RT_TEXT, RF_FILTER | RF_LIST, "属或者种", "Genus / species", 200},
    {"holder", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_FILTER | RF_LIST, "品种权人", "Holder", 300},
    {"region_code", RT_TEXT, RF_FILTER | RF_LIST, "所在区划", "Region", 6, .check = code_region_field},
    {"filing_date", RT_DATE, RF_FILTER | RF_SORT, "申请日", "Filing date"},
    {"grant_date", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "授权日", "Grant date"},
    {NULL},
};

rec_type type_plant_variety = {
    .name = "plant_variety",
    .path = "plant_varieties",
    .zh = "植物新品种",
    .en = "Plant variety",
    .fields = pv_fields,
    .read = {ALL, ALL, ALL, ALL, ALL, ALL},
    .write = {ALL, ALL, NONE, NONE, NONE, NONE},
    .title_field = "name",
};

static const rec_opt secret_levels[] = {
    {"core", "核心商业秘密", "Core"},
    {"important", "重要商业秘密", "Important"},
    {"general", "一般商业秘密", "General"},
    {NULL, NULL, NULL},
};

static const rec_field secret_fields[] = {
    {"title", RT_TEXT, RF_REQUIRED | RF_SEARCH | RF_SORT | RF_LIST, "名称", "Title", 300},
    {"owner", RT_REF, RF_FILTER, "权利人", "Owner", .ref = "entity"},
    {"level", RT_ENUM, RF_REQUIRED | RF_FILTER | RF_LIST, "密级", "Level", 0, secret_levels},
    {"description", RT_TEXT, RF_MULTILINE, "内容概要", "Summary", 5000},
    {"measures", RT_TEXT, RF_MULTILINE, "保护措施", "Protection measures", 5000,
     .help_zh = "保密协议、竞业限制、访问控制、标识等",
     .help_en = "confidentiality agreements, non-compete, access control, marking..."},
    {"since", RT_DATE, RF_FILTER | RF_SORT | RF_LIST, "采取保护措施日期", "Protected since"},
    {NULL},
};

/* Private to the owning organisation: every role sees only its own rows. */
rec_type type_trade_secret = {
    .name = "trade_secret",
    .path = "trade_secrets",
    .zh = "商业秘密保护",
    .en = "Trade-secret protection",
    .fields = secret_fields,
    .read = {OWN, OWN, OWN, OWN, OWN, NONE},
    .write = {OWN, OWN, OWN, OWN, OWN, NONE},
    .title_field = "title",
};
