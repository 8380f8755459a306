/*
 * seedplan.c - the seed plan as data: 《徐汇区关于创建国家知识产权强市建设
 * 试点城区的工作方案（2022年—2025年）》 (shared/seed/work-plan.zh.txt) for
 * the demo region, Xuhui District (310104).
 *
 * Targets: every quantified target of the plan (the table in
 * shared/design/INDICATORS.md section 5), each tied to the indicator of the
 * engine's catalogue that measures it (src/domain/indicators.c; computed
 * from the registry, or reported), with the section of the plan that
 * states it and the responsible departments taken from the 落实单位 of the
 * key task (三、重点工作) that works towards it - the goals of section 二
 * name no units themselves; `dept_basis` says which list was used.  Values
 * are in the indicator's unit (元, 美元), so 100 亿元 is 1e10.  The plan
 * gives no baselines and no yearly milestones: baselines are left empty
 * (computed from the data on 2021-12-31, or the first value there is; 0
 * for totals over the period) and milestones are for the bureau to enter.
 *
 * Key tasks: the numbered items of 三、重点工作 (一)1-4, (二)1-3, (三)1-2,
 * (四)1-2 and 四、保障措施 (一)-(四) with their 落实单位 and full text
 * (paragraphs joined across the page breaks of the source; the stray
 * " and " of the source rendered 和).  Section 四 names no units: see dept_note.
 *
 * The document has the shape plan_load() reads (docs/plan.md).
 */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RG "310104-"

typedef struct seed_target {
    const char *code, *name_zh, *name_en, *indicator, *measure, *aggregation;
    double value; /* NAN: qualitative */
    const char *unit_zh, *unit_en, *section, *dept_basis, *depts, *source_text, *note;
} seed_target;

static const char S_PROTECT[] = "二、工作目标（知识产权保护环境不断改善）";
static const char S_CREATE[] = "二、工作目标（知识产权创造质量明显提高）";
static const char S_USE[] = "二、工作目标（知识产权运用能力大幅增强）";
static const char S_SERVICE[] = "二、工作目标（知识产权服务能级加快提升）";
static const char S_INTL[] = "三、重点工作（四）1 加强知识产权保护与发展国际合作";

static const seed_target targets[] = {
    {"T01", "知识产权典型案件查办数", "Typical IP cases investigated and handled", "typical_cases",
     "实施期累计查办的知识产权典型案件（件）。指标尚无填报值时，采用各落实单位进展报告中审核通过的本期新增数 / cases over the plan period; "
     "until the indicator is reported, the accepted figures of the units' progress reports (cases of each period)",
     "period_sum", 15, NULL, NULL, S_PROTECT, "三、重点工作（一）1 落实单位", "court procuratorate police ipa culture",
     "知识产权典型案件查办达 15 件", NULL},
    {"T02", "每万人口有效发明专利拥有量", "Valid invention patents per 10,000 residents", "valid_invention_per10k", NULL, "level", 140,
     NULL, NULL, S_CREATE, "三、重点工作（二）2 落实单位", "stc ipa", "每万人有效发明专利拥有量达 140 件", NULL},
    {"T03", "每万人口高价值发明专利拥有量", "High-value invention patents per 10,000 residents", "high_value_invention_per10k", NULL,
     "level", 60, NULL, NULL, S_CREATE, "三、重点工作（二）2 落实单位", "stc ipa", "每万人高价值发明专利拥有量达 60 件", NULL},
    {"T04", "PCT 国际专利申请量（年度）", "PCT international applications (per year)", "pct_applications", NULL, "annual", 600, NULL, NULL,
     S_CREATE, "三、重点工作（二）2 落实单位", "stc ipa", "PCT 国际专利申请量达 600 件",
     "2025 年度申请量：CNIPA 为受理局、按申请人所在地统计 / the 2025 count, CNIPA as receiving office, by the applicant's region"},
    {"T05", "完成高价值专利组合数", "High-value patent portfolios completed", "high_value_portfolios",
     "围绕人工智能、生命健康产业及关键技术累计完成的高价值专利组合（个）；指标尚无填报值时采用进展报告中的期末累计数 / portfolios completed "
     "so far; until the indicator is reported, the cumulative figure of accepted progress reports",
     "level", 10, NULL, NULL, S_CREATE, "三、重点工作（二）1 落实单位", "ipa stc finance",
     "围绕人工智能、生命健康产业及关键技术组建若干高价值专利培育中心，完成高价值专利组合 10 个", NULL},
    {"T06", "各类知识产权交易总额", "Total of all IP transactions", "ip_transactions_amount",
     "实施期内专利、商标等知识产权转让、许可、作价入股等交易金额累计（元）；进展报告填本期新增额 / transfers, licences, capital "
     "contributions over the plan period, CNY; progress reports give the period's amount",
     "period_sum", 10000000000.0, NULL, NULL, S_USE, "三、重点工作（二）1 落实单位", "ipa stc finance", "各类知识产权交易总额达 100 亿元",
     "100 亿元，实施期（2022—2025 年）累计 / 10 billion CNY over the plan period"},
    {"T07", "专利、商标质押融资总额", "Patent and trademark pledge financing, total", "pledge_amount+trademark_pledge_amount",
     "专利质押登记金额（登记簿计算）与商标质押登记金额（填报）之和，实施期累计（元） / registered patent pledges (computed) plus trademark "
     "pledges (reported), total over the plan period, CNY",
     "period_sum", 2000000000.0, NULL, NULL, S_USE, "三、重点工作（二）3 落实单位", "ipa finance caohejing",
     "专利、商标品牌质押融资总额超过 20 亿元", "20 亿元；“超过”按达到目标值计 / 2 billion CNY; \"over\" counted as reaching the value"},
    {"T08", "知识产权保险金额年均增幅", "IP insurance amount, average annual growth", "ip_insurance_growth",
     "知识产权保险金额的年均增长率（%）；进展报告填截至期末的年均增幅 / the average annual growth of IP insurance amounts, %", "rate", 20,
     NULL, NULL, S_USE, "三、重点工作（二）3 落实单位", "ipa finance caohejing", "知识产权保险金额年均增幅超 20%",
     "“超”按达到目标值计 / \"over\" counted as reaching the value"},
    {"T09", "各类知识产权服务机构数", "IP service agencies", "service_agencies", "区内各类知识产权服务机构（家，期末） / agencies in the district at period end",
     "level", 200, NULL, NULL, S_SERVICE, "三、重点工作（三）1 落实单位", "ipa invest caohejing westbund fenglin",
     "各类知识产权服务机构数达 200 家", NULL},
    {"T10", "年主营业务收入 1000 万元以上（或可运营专利 1000 件以上）的服务机构数",
     "Agencies with revenue of 10 million CNY or more (or 1,000 operable patents)", "agencies_major",
     "年主营业务收入 1000 万元以上或可运营专利数量 1000 件以上的专业化服务机构（家，期末） / such agencies at period end", "level", 3, NULL,
     NULL, S_SERVICE, "三、重点工作（三）1 落实单位", "ipa invest caohejing westbund fenglin",
     "培育 3 家以上专业化、年主营业务收入 1000 万元以上（或可运营专利数量 1000 件以上）的知识产权服务机构", NULL},
    {"T11", "专利代理师总人数", "Patent attorneys (专利代理师)", "patent_agents", "在区内执业的专利代理师（人，期末） / patent attorneys practising in the district",
     "level", 520, NULL, NULL, S_SERVICE, "三、重点工作（三）2 落实单位", "org hrss ipa", "专利代理师总人数达到 520 人", NULL},
    {"T12", "知识产权服务业务出口额（年度）", "IP service exports (per year)", "service_export_usd",
     "漕河泾服务业出口基地知识产权服务业务年度出口额（美元） / IP service exports of the year, USD", "annual", 100000000.0, NULL, NULL,
     S_INTL, "三、重点工作（四）1 落实单位", "court procuratorate ipa caohejing", "服务业务出口额增至 1 亿美元", "1 亿美元 / 100 million USD"},
    {"T13", "开展服务出口的知识产权服务机构数", "Agencies exporting IP services", "agencies_export",
     "开展服务业务出口的知识产权服务机构（家，期末） / agencies with service exports at period end", "level", 30, NULL, NULL, S_INTL,
     "三、重点工作（四）1 落实单位", "court procuratorate ipa caohejing", "机构数超过 30 家",
     "“超过”按达到目标值计 / \"over\" counted as reaching the value"},
    {"T14", "在境外设立分支机构的知识产权服务机构数", "Agencies with branches abroad", "agencies_overseas",
     "在境外设立有分支机构的知识产权服务机构（家，期末） / at period end", "level", 15, NULL, NULL, S_INTL, "三、重点工作（四）1 落实单位",
     "court procuratorate ipa caohejing", "在境外设立有分支机构的知识产权服务机构达到 15 家", NULL},
    {"T15", "培育高端化、国际化、具有代表性的知识产权服务机构数", "High-end international agencies cultivated", "agencies_international",
     "实施期内累计培育的高端化、国际化、具有代表性的知识产权服务机构（家） / cultivated so far", "level", 3, NULL, NULL, S_INTL,
     "三、重点工作（四）1 落实单位", "court procuratorate ipa caohejing", "进一步培育 3 家以上高端化、国际化、具有代表性的知识产权服务机构", NULL},
    {"T16", "知识产权保护社会满意度", "Social satisfaction with IP protection", "social_satisfaction",
     "知识产权保护社会满意度调查得分（分） / score of the satisfaction survey", "level", NAN, NULL, NULL, S_PROTECT,
     "三、重点工作（一）1—4 落实单位", "court procuratorate police ndrc ipa culture justice gov-office",
     "知识产权保护社会满意度达到较高水平", "方案未量化（“较高水平”），为定性目标 / not quantified by the plan (\"a high level\"): a qualitative target"},
};

typedef struct seed_task {
    const char *code, *section, *title, *title_en, *depts, *dept_note, *freq, *text;
} seed_task;

static const seed_task tasks[] = {
    {"三（一）1", "三、重点工作（一）集聚多方合力，提高知识产权保护能级", "坚持知识产权严保护政策导向", "Uphold strict IP protection",
     "court procuratorate police ipa culture", NULL, "quarterly", /* 落实单位：区法院、区检察院、公安分局、区知识产权局、区文化旅游局 */
     "加大侵权假冒行为惩戒力度，开展关键领域、重点环节、重点群体行政执法专项行动，持续保持高压严打态势。加强对人工智能、区块链等新业态新领域的知识产权保护，强化老字号、非物质文化遗产、传统知识等领域的知识产权保护。加强商业秘密保护，探索建立政府引导、企业主导、公众参与、行刑衔接的商业秘密保护工作格局。推进电子商务领域知识产权保护，加强电子商务领域专项监测，充分利用电子商务平台大数据推动线上线下联动执法。"},
    {"三（一）2", "三、重点工作（一）集聚多方合力，提高知识产权保护能级", "构建知识产权大保护工作格局", "Build the broad IP protection framework",
     "court procuratorate police ndrc ipa culture", NULL, "quarterly", /* 落实单位：区法院、区检察院、公安分局、区发展改革委、区知识产权局、区文化旅游局 */
     "拓宽社会共治渠道，完善知识产权司法保护、行政保护、调解、行业自律等协同机制，构建优势互补、有机衔接、快捷高效的知识产权保护模式。加强诚信体系建设，加大知识产权恶意诉讼协同治理，建立健全知识产权信用评价、诚信公示和失信联合惩戒制度。加强专业技术支撑，充分利用互联网、大数据、云计算、物联网、人工智能和区块链等技术，提升打击侵权假冒行为效率及精准度。"},
    {"三（一）3", "三、重点工作（一）集聚多方合力，提高知识产权保护能级", "突破知识产权快保护关键环节", "Break through on fast IP protection",
     "court procuratorate police ipa justice culture", NULL, "quarterly", /* 落实单位：区法院、区检察院、公安分局、区知识产权局、区司法局、区文化旅游局 */
     "优化多元纠纷调解处理，发挥知识产权调解工作室和人民调解委员会的作用，加强信息沟通和共享，形成各渠道有机衔接、优势互补的运行机制。加强跨部门办案协作，建立行政部门与司法部门之间的线索和案件移送制度，建立健全重大案件联合查办机制。推动简易案件和纠纷快速处理。建立重点关注市场名录和监测预警机制，及时发现和查处侵权行为、提供预警服务。发挥中国（上海）知识产权保护中心服务徐汇企业的功能性作用，完善知识产权全链条和快保护体系。"},
    {"三（一）4", "三、重点工作（一）集聚多方合力，提高知识产权保护能级", "营造知识产权同保护优越环境", "Equal protection for domestic and foreign IP",
     "court procuratorate police gov-office ipa", NULL, "quarterly", /* 落实单位：区法院、区检察院、公安分局、区政府办（外办） */
     "健全知识产权同保护机制，坚持对国内外企业的知识产权一视同仁、同等保护。以漕河泾开发区等涉外园区为平台，畅通对外合作交流渠道。充分发挥上海商标海外维权办公室落户徐汇的最大效应，为企业海外商标纠纷应对提供信息和法律支持，提高企业商标海外注册意识和维权能力。健全重大涉外知识产权纠纷信息通报和应急机制，对可能发生的重大涉外知识产权纠纷、争端和突发事件制订应对预案。组织开展我区企业海外知识产权保护状况调查，推动改善我区企业海外知识产权保护环境。"},
    {"三（二）1", "三、重点工作（二）紧贴重点产业，强化知识产权创造运用成效", "深化知识产权运营平台建设", "Deepen the IP operation platforms",
     "ipa stc finance", NULL, "quarterly", /* 落实单位：区知识产权局、区科委、区金融办 */
     "探索知识产权市场化运营模式，整合资源，搭建集知识产权托管、交易、运营、数据、应用等功能为一体的知识产权运营服务平台，在交易、评估、咨询、投融资、保险、证券、互联网+、维权等领域培育不同类型的知识产权运营新业态。继续深化人工智能、生命健康等重点产业，核电、香精香料等特色产业的知识产权运营中心建设，开展知识产权储备布局、价值评估、转让许可、作价入股、产业化、投融资、维权等知识产权运营业务。"},
    {"三（二）2", "三、重点工作（二）紧贴重点产业，强化知识产权创造运用成效", "加强高校院所知识产权转化", "Strengthen IP transfer at universities and institutes",
     "stc ipa", NULL, "quarterly", /* 落实单位：区科委、区知识产权局 */
     "在人工智能、生命科学、智能制造、新能源、新材料等区域高校优势学科领域，推动高校院所基础研究与应用研究深度融合，推动高校院所创新成果产业化。支持有条件的高校建立健全集技术转移与知识产权管理运营为一体的专门机构，通过“国家知识产权试点示范高校”“高校科技成果转化和技术转移基地”等平台和试点示范建设，促进技术转移与知识产权管理运营体系建设，不断提升高校科技成果转移转化能力。"},
    {"三（二）3", "三、重点工作（二）紧贴重点产业，强化知识产权创造运用成效", "创新知识产权金融服务模式", "Innovate IP financial services",
     "ipa finance caohejing", NULL, "quarterly", /* 落实单位：区知识产权局、区金融办、漕河泾开发区 */
     "大力发展知识产权质押融资，联合金融机构，推进知识产权质押融资产品创新，鼓励和支持科技型中小企业开展专利权、商标或混合质押贷款，推进知识产权金融数字化试点，推动知识产权质押融资普遍化、常态化和规模化。推进知识产权融资租赁和证券化，鼓励金融机构开展知识产权资产证券化，发行企业知识产权集合债券，探索专利许可收益权质押融资模式等，为市场主体提供多样化的知识产权金融服务。"},
    {"三（三）1", "三、重点工作（三）聚焦载体人才，提升知识产权服务发展能级", "打造知识产权服务创新集聚区", "Build the IP services innovation cluster",
     "ipa invest caohejing westbund fenglin", NULL, "quarterly", /* 落实单位：区知识产权局、区投促办、漕河泾开发区、西岸集团、枫林集团 */
     "深化以漕宝路 650 号“知识产权双子楼”为核心，漕河泾开发区、西岸数智谷、枫林生命健康园区为三大承载区，并辐射全区的知识产权服务创新集聚区建设。引进一批国内外知名的知识产权头部服务机构和功能型平台，培育一批熟悉国际规则、具备实务操作能力和较强竞争力的高端知识产权服务机构，形成知识产权信息发布、知识产权展示交易、知识产权投融资服务等于一体的知识产权产业集聚带。推动上海知识产权服务业协会和商标协会建设，统一知识产权服务业规范，开展知识产权服务相关领域标准化试点示范建设。"},
    {"三（三）2", "三、重点工作（三）聚焦载体人才，提升知识产权服务发展能级", "培养知识产权高端复合型人才", "Train high-end interdisciplinary IP talent",
     "org hrss ipa", NULL, "quarterly", /* 落实单位：区委组织部、区人力资源社会保障局、区知识产权局 */
     "鼓励高校之间建立合作机制，通过师资互派、学生交流、学分互认等方式共同培育知识产权高端人才。面向企业、服务机构开展专利信息分析、专利运营、知识产权战略布局等业务培训，大力培养专利代理人，推动知识产权经纪人培养体系，重视复合型人才培养，培养贯通知识产权运营理论、方法、以及金融、产业等知识和技能的纵向复合型人才。"},
    {"三（四）1", "三、重点工作（四）加强学习交流，优化知识产权发展生态体系", "加强知识产权保护与发展国际合作", "International cooperation on IP protection and development",
     "court procuratorate ipa caohejing", NULL, "quarterly", /* 落实单位：区法院、区检察院、区知识产权局、漕河泾开发区 */
     "深化徐汇与 WIPO 交流合作，积极申办承办国际知识产权高端研讨会和培训班，聚焦 PCT 专利、马德里商标和海牙外观设计三大体系特点以及运用现状、申请实践等业务开展合作交流和培训，推动在徐汇区开展外国专利代理机构设立常驻代表机构试点工作。加大知识产权维权保护力度，为企业提供知识产权海外维权服务，扩大知识产权海外维权保险的企业受益面，降低企业维权成本。深化漕河泾服务业出口基地建设，进一步培育 3 家以上高端化、国际化、具有代表性的知识产权服务机构，服务业务出口额增至 1 亿美元，机构数超过 30 家，在境外设立有分支机构的知识产权服务机构达到 15 家。"},
    {"三（四）2", "三、重点工作（四）加强学习交流，优化知识产权发展生态体系", "推动知识产权长三角一体化融合发展", "Yangtze River Delta IP integration",
     "ipa", NULL, "quarterly", /* 落实单位：区知识产权局 */
     "发挥上海商标审查协作中心、知识产权保护中心、交易中心、服务中心等功能型平台作用，建设立足徐汇、面向上海、辐射长三角的知识产权一体化服务核心区。依托国家知识产权运营服务体系建设项目，加强长三角重点城市知识产权运营服务一体化共建，形成协同共振效应。利用上海进口博览会等重大展会契机，鼓励区域创新主体和服务机构加快与长三角合作伙伴在知识产权信息共享、技术互通、渠道共建方面开展合作。"},
    {"四（一）", "四、保障措施", "加强统筹推进", "Coordinate the work",
     "ipa", "方案未列落实单位：由区知识产权局（区知识产权联席会议）牵头，联席会议成员单位协同 / The plan names no unit: the district IP administration leads through the joint IP conference", "yearly", /* 落实单位：方案未列 */
     "强化组织领导，建立健全徐汇区国家知识产权强市建设试点城区建设工作领导和统筹协调机制，通过区知识产权联席会议，制定重点目标、重要政策和措施，部署落实各项工作内容。区知识产权联席会议成员单位协同协作，加强配合，具体负责相关工作的组织、筹备、联络和开展，共同推进与完成知识产权试点城区建设的各项任务。"},
    {"四（二）", "四、保障措施", "做好经费保障", "Secure the funding",
     "ipa", "方案未列落实单位：由区知识产权局负责专项政策与资金 / The plan names no unit: the district IP administration runs the special policy funds", "yearly", /* 落实单位：方案未列 */
     "完善知识产权专项政策，优化政策资金支出结构，提高财政资金使用效益，鼓励企业加大投入，吸引社会资本积极参与，逐步形成多元化知识产权资金投入体系。积极引导区域企业承接上海市专利转化专项计划重点项目，提高区内中小企业专利实施能力。"},
    {"四（三）", "四、保障措施", "完善政策体系", "Complete the policy system",
     "ipa stc ndrc", "方案未列落实单位：正文提及区科委、发改委、商务委；商务委不是方案的落实单位，未列入 / The plan names no unit: the text mentions the S&T commission, the NDRC and the commerce commission (not one of the plan's responsible units, so not listed)", "yearly", /* 落实单位：方案未列 */
     "以打造知识产权质量提升、布局合理、保护严格、运用有效、链条完善的知识产权服务体系为目标，制定和完善相关配套措施，结合区科委、发改委、商务委等部门相关产业政策，形成政策“组合拳”，支持国家知识产权强市试点城区工作，支持区域知识产权工作稳步发展。"},
    {"四（四）", "四、保障措施", "强化绩效管理", "Strengthen performance management",
     "ipa", "方案未列落实单位：绩效管理、定期督查和年度考核由区知识产权局组织 / The plan names no unit: the district IP administration organises performance management, supervision and the annual assessment", "yearly", /* 落实单位：方案未列 */
     "建立健全国家知识产权强市建设试点城区建设绩效管理机制，加强定期督查，建立工作目标责任制，按照部门和职责分解落实，并实行年度考核，确保国家知识产权强市建设试点城区建设取得实效。"},
};

/* "a b c" -> ["310104-a", "310104-b", "310104-c"] */
static json_t *dept_list(const char *s)
{
    json_t *a = json_array();
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", s);
    for (char *save = NULL, *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save))
        json_array_append_new(a, json_sprintf(RG "%s", t));
    return a;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v) json_object_set_new(o, k, json_string(v));
}

json_t *seedplan_xuhui(void)
{
    json_t *doc = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:[],s:[],s:[{s:f,s:f,s:f,s:f,s:i,s:s}]}", "plan", "name",
                            "徐汇区关于创建国家知识产权强市建设试点城区的工作方案（2022年—2025年）", "region_code", "310104",
                            "period_start", "2022-01-01", "period_end", "2025-12-31", "status", "active", "source_doc",
                            "shared/seed/work-plan.zh.txt：徐汇区创建国家知识产权强市建设试点城区工作方案（2022—2025年）",
                            "note",
                            "内置演示方案：目标取自“二、工作目标”和“三、重点工作（四）1”，重点任务取自“三、重点工作”和“四、保障措施”。方案未给出基期值和年度里程碑，由知识产权局补充。"
                            " / Built-in demo plan: targets from sections 二 and 三(四)1, key tasks from sections 三 and 四. The plan "
                            "gives no baselines and no yearly milestones; the bureau adds them.",
                            "targets", "tasks", "weights", "w_targets", 40.0, "w_reporting", 30.0, "w_review", 20.0, "w_supervision", 10.0,
                            "grace_days", 15, "note", "默认权重 / default weights (docs/plan.md)");
    json_t *ta = json_object_get(doc, "targets");
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        const seed_target *s = &targets[i];
        json_t *t = json_object();
        set_str(t, "code", s->code);
        set_str(t, "name_zh", s->name_zh);
        set_str(t, "name_en", s->name_en);
        set_str(t, "indicator", s->indicator);
        set_str(t, "measure", s->measure);
        set_str(t, "aggregation", s->aggregation);
        set_str(t, "direction", "up");
        if (!isnan(s->value)) json_object_set_new(t, "target_value", json_real(s->value));
        set_str(t, "target_date", "2025-12-31");
        set_str(t, "unit_zh", s->unit_zh);
        set_str(t, "unit_en", s->unit_en);
        json_object_set_new(t, "departments", dept_list(s->depts));
        set_str(t, "section", s->section);
        set_str(t, "dept_basis", s->dept_basis);
        set_str(t, "source_text", s->source_text);
        set_str(t, "note", s->note);
        json_array_append_new(ta, t);
    }
    json_t *ka = json_object_get(doc, "tasks");
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++) {
        const seed_task *s = &tasks[i];
        json_t *t = json_object();
        set_str(t, "code", s->code);
        set_str(t, "section", s->section);
        set_str(t, "title", s->title);
        set_str(t, "title_en", s->title_en);
        set_str(t, "text", s->text);
        json_object_set_new(t, "departments", dept_list(s->depts));
        set_str(t, "dept_note", s->dept_note);
        set_str(t, "report_frequency", s->freq);
        json_array_append_new(ka, t);
    }
    return doc;
}
