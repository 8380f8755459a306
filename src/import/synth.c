/*
 * synth.c - a deterministic synthetic dataset of a chosen size with
 * realistic shapes, labelled synthetic (合成数据) in every file and every
 * row: patent types, IPC spread, grant lags, fee lapses and restorations,
 * transfers across districts, licences, pledges with amounts, families
 * abroad, awards, addresses across districts (most in the demo region),
 * some foreign and Hong Kong holders; plus trademarks and the holders as
 * entities.  Same seed, same bytes.  Used by `ipcity gen`, the demo data
 * of `make run` and the benchmarks.
 */
#include "synth.h"

#include "../base/buf.h"
#include "../base/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng_state;

static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }
static double rf(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
#define PICK(a) ((a)[rn(sizeof(a) / sizeof((a)[0]))])

static const char *tech[] = {"芯片", "半导体器件", "封装结构", "神经网络模型", "图像识别方法", "语音识别系统", "锂离子电池",
                             "储能装置", "抗体", "医药组合物", "基因编辑方法", "细胞培养基", "传感器", "自动驾驶系统",
                             "无人机", "区块链存证系统", "数据加密方法", "光学镜头", "显示面板", "香精香料组合物",
                             "核电站冷却装置", "机器人关节", "智能家居控制系统", "新型复合材料", "催化剂",
                             "医疗影像处理方法", "疫苗", "专利信息检索方法", "云计算资源调度方法", "物联网网关"};
static const char *prefix[] = {"一种", "一种基于深度学习的", "一种高效", "一种低功耗", "一种可折叠", "一种用于医疗的", "一种新型"};
static const char *suffix[] = {"", "及其制备方法", "及其应用", "的控制方法", "装置", "系统", "及电子设备"};

static const struct {
    const char *code;
    int weight;
} ipcs[] = {
    {"G06F 16/", 14}, {"G06N 3/", 10}, {"H04L 9/", 8},   {"H01L 23/", 7},  {"H01M 10/", 6}, {"A61K 39/", 6},
    {"C12N 15/", 5},  {"G01N 33/", 5}, {"B60W 30/", 4},  {"H04N 21/", 4},  {"G06T 7/", 6},  {"A61K 31/", 5},
    {"C08L 23/", 3},  {"G21C 15/", 2}, {"A23L 27/", 3},  {"B25J 9/", 3},   {"H04W 4/", 4},  {"G02B 13/", 2},
    {"F16K 31/", 2},  {"E04B 1/", 2},  {"A47J 27/", 2},  {"B65D 81/", 2},
};

static const char *ipc_pick(char *out, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < sizeof ipcs / sizeof ipcs[0]; i++) total += ipcs[i].weight;
    int x = (int)rn((unsigned)total);
    for (size_t i = 0; i < sizeof ipcs / sizeof ipcs[0]; i++) {
        x -= ipcs[i].weight;
        if (x < 0) {
            snprintf(out, n, "%s%02u", ipcs[i].code, 1 + rn(60) * (rn(3) ? 1 : 10) % 99);
            return out;
        }
    }
    return "G06F 16/00";
}

static const struct {
    const char *code, *name;
    const char *streets[4];
} districts[] = {
    {"310104", "上海市徐汇区", {"漕宝路", "漕溪北路", "宜山路", "虹梅路"}},
    {"310115", "上海市浦东新区", {"张江路", "世纪大道", "科苑路", "碧波路"}},
    {"310112", "上海市闵行区", {"紫星路", "剑川路", "莘庄路", "沪闵路"}},
    {"310105", "上海市长宁区", {"天山路", "仙霞路", "延安西路", "淞虹路"}},
    {"310110", "上海市杨浦区", {"国定路", "政立路", "大学路", "五角场路"}},
    {"110108", "北京市海淀区", {"中关村大街", "知春路", "上地信息路", "学院路"}},
    {"440305", "广东省深圳市南山区", {"科技园路", "深南大道", "高新南一道", "粤海街道"}},
    {"330106", "浙江省杭州市西湖区", {"文三路", "古墩路", "西溪路", "天目山路"}},
    {"320505", "江苏省苏州市虎丘区", {"金山路", "狮山路", "科灵路", "长江路"}},
    {"530102", "云南省昆明市五华区", {"人民中路", "西昌路", "龙泉路", "滇缅大道"}},
};

static const char *company_part[] = {"华", "汇", "科", "智", "创", "芯", "联", "瑞", "博", "源", "泰", "达", "康", "航", "微"};
static const char *company_kind[] = {"科技有限公司", "信息技术有限公司", "生物医药有限公司", "半导体有限公司", "智能科技股份有限公司"};
static const char *universities[] = {"上海交通大学", "华东理工大学", "上海师范大学", "上海应用技术大学"};
static const char *institutes[] = {"中国科学院上海某研究所（合成）", "上海某工业技术研究院（合成）"};
static const char *foreign[] = {"ACME ROBOTICS INC", "NIPPON OPTICS KK", "MUELLER AUTOMOTIVE GMBH"};
static const char *foreign_cc[] = {"US", "JP", "DE"};
static const char *surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙"};
static const char *given[] = {"伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞"};
static const char *banks[] = {"某商业银行上海分行（合成）", "某农村商业银行徐汇支行（合成）", "某科技银行（合成）"};

typedef struct holder {
    char name[160], address[200], cc[3], region[7], uscc[19];
    int kind; /* 0 enterprise, 1 university, 2 institute, 3 foreign, 4 hong kong */
} holder;

/* GB 32100 check character for the first 17 characters of code. */
static char uscc_check(const char *code)
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (int)(strchr(cs, code[i]) - cs) * w[i];
    int c = 31 - sum % 31;
    return cs[c == 31 ? 0 : c];
}

/* CN application-number check digit of 12 digits. */
static char appno_check(const char *d)
{
    static const int w[] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (int i = 0; i < 12; i++) sum += (d[i] - '0') * w[i];
    int c = sum % 11;
    return c == 10 ? 'X' : (char)('0' + c);
}

static void make_holder(holder *h, int idx)
{
    double x = rf();
    int dist = rf() < 0.62 ? 0 : 1 + (int)rn(sizeof districts / sizeof districts[0] - 1);
    memset(h, 0, sizeof *h);
    if (x < 0.80) {
        h->kind = 0;
        snprintf(h->name, sizeof h->name, "%s%s%s%s%s（合成）", districts[dist].name + (dist < 5 ? 9 : 0),
                 PICK(company_part), PICK(company_part), idx % 7 ? "" : PICK(company_part), PICK(company_kind));
    } else if (x < 0.88) {
        h->kind = 1;
        snprintf(h->name, sizeof h->name, "%s", universities[idx % 4]);
        dist = 0;
    } else if (x < 0.93) {
        h->kind = 2;
        snprintf(h->name, sizeof h->name, "%s", institutes[idx % 2]);
        dist = 0;
    } else if (x < 0.985) {
        h->kind = 3;
        int f = (int)rn(3);
        snprintf(h->name, sizeof h->name, "%s %d (SYNTHETIC)", foreign[f], idx);
        snprintf(h->cc, sizeof h->cc, "%s", foreign_cc[f]);
        snprintf(h->address, sizeof h->address, "%u Example Street, %s", 1 + rn(900), f == 0 ? "Boston MA" : f == 1 ? "Tokyo" : "Stuttgart");
        return;
    } else {
        h->kind = 4;
        snprintf(h->name, sizeof h->name, "香港某某科技有限公司%d（合成）", idx);
        snprintf(h->cc, sizeof h->cc, "HK");
        snprintf(h->address, sizeof h->address, "香港九龙观塘道%u号", 1 + rn(400));
        snprintf(h->region, sizeof h->region, "810000");
        return;
    }
    snprintf(h->cc, sizeof h->cc, "CN");
    snprintf(h->region, sizeof h->region, "%s", districts[dist].code);
    snprintf(h->address, sizeof h->address, "%s%s%u号", districts[dist].name, districts[dist].streets[rn(4)], 1 + rn(1200));
    char body[18];
    snprintf(body, sizeof body, "91%s%09u", districts[dist].code, (unsigned)(100000000 + idx * 7919 % 899999999));
    for (char *p = body + 8; *p; p++)
        if (*p == 'I' || *p == 'O' || *p == 'Z' || *p == 'S' || *p == 'V') *p = '0';
    snprintf(h->uscc, sizeof h->uscc, "%.17s%c", body, uscc_check(body));
}

static void csv(FILE *fp, const char *s) /* one CSV field */
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void date_str(long day, char *out) { util_date_format(day, out, 11); }

int synth_write(const char *out, int64_t n, int64_t seed, synth_counts *counts, err *e)
{
    return synth_write_opts(out, n, seed, 0, counts, e);
}

int synth_write_opts(const char *out, int64_t n, int64_t seed, unsigned flags, synth_counts *counts, err *e)
{
    if (mkdir(out, 0755) && errno != EEXIST)
        return err_set(e, 500, "gen.io", "无法创建目录 %s", "Cannot create directory %s", out);
    rng_state = (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1;
    char path[4096];
    FILE *fp_p, *fp_e, *fp_t, *fp_h;
    snprintf(path, sizeof path, "%s/patents.csv", out);
    fp_p = fopen(path, "w");
    snprintf(path, sizeof path, "%s/events.csv", out);
    fp_e = fopen(path, "w");
    snprintf(path, sizeof path, "%s/trademarks.csv", out);
    fp_t = fopen(path, "w");
    snprintf(path, sizeof path, "%s/entities.csv", out);
    fp_h = fopen(path, "w");
    if (!fp_p || !fp_e || !fp_t || !fp_h) {
        if (fp_p) fclose(fp_p);
        if (fp_e) fclose(fp_e);
        if (fp_t) fclose(fp_t);
        if (fp_h) fclose(fp_h);
        return err_set(e, 500, "gen.io", "无法在 %s 中写入文件", "Cannot write files in %s", out);
    }
    static char bigbuf[4][1 << 20];
    setvbuf(fp_p, bigbuf[0], _IOFBF, sizeof bigbuf[0]);
    setvbuf(fp_e, bigbuf[1], _IOFBF, sizeof bigbuf[1]);
    setvbuf(fp_t, bigbuf[2], _IOFBF, sizeof bigbuf[2]);
    setvbuf(fp_h, bigbuf[3], _IOFBF, sizeof bigbuf[3]);
    fputs("\xEF\xBB\xBF申请号,专利类型,名称,摘要,申请日,公开（公告）号,公开日,授权公告号,授权公告日,IPC分类号,申请人,申请人地址,申请人国别,"
          "专利权人,专利权人地址,专利权人国别,发明人,PCT申请号,同族专利,获奖,数据来源,合成数据\n",
          fp_p);
    fputs("\xEF\xBB\xBF申请号,事件日期,事件类型,金额（元）,相关方,相关方地址,说明\n", fp_e);
    fputs("\xEF\xBB\xBF注册号/申请号,商标文字,尼斯分类,申请人/注册人,申请人地址,所在区划,申请日,注册日,专用权期限截止日,状态,老字号,数据来源,合成数据\n", fp_t);
    fputs("\xEF\xBB\xBF名称,统一社会信用代码,主体类型,地址,所在区划,备注\n", fp_h);

    int64_t nholders = n / 8 + 10;
    holder *hs = xcalloc((size_t)nholders, sizeof *hs);
    for (int64_t i = 0; i < nholders; i++) {
        make_holder(&hs[i], (int)i);
        /* names must be unique: number the duplicates */
        if (hs[i].kind == 0) {
            char tmp[120];
            snprintf(tmp, sizeof tmp, "%.100s", hs[i].name);
            char *paren = strstr(tmp, "（合成）");
            if (paren) *paren = '\0';
            snprintf(hs[i].name, sizeof hs[i].name, "%s%" PRId64 "号（合成）", tmp, i);
        }
        if (hs[i].kind == 0 || hs[i].kind == 4) {
            csv(fp_h, hs[i].name);
            fprintf(fp_h, ",%s,企业,", hs[i].uscc);
            csv(fp_h, hs[i].address);
            fprintf(fp_h, ",%s,合成数据 synthetic\n", hs[i].kind == 4 ? "" : hs[i].region);
        }
    }
    /* a fixed reference date, so that the same seed gives the same bytes on
     * any day: the dataset describes the registry as of 2026-06-30 */
    long today = util_days_from_civil(2026, 6, 30);
    long y2005 = util_days_from_civil(2005, 1, 1);
    int64_t nevents = 0, ntm = 0;
    for (int64_t i = 0; i < n; i++) {
        double t = rf();
        int type = t < 0.55 ? 1 : t < 0.90 ? 2 : 3;
        const char *kind = type == 1 ? "发明" : type == 2 ? "实用新型" : "外观设计";
        long filing = y2005 + (long)rn((unsigned)(today - 200 - y2005));
        long y;
        unsigned m, d;
        util_civil_from_days(filing, &y, &m, &d);
        char digits[32];
        snprintf(digits, sizeof digits, "%04ld%d%07" PRId64, y, type, (int64_t)(i % 9999999) + 1);
        char appno[40];
        snprintf(appno, sizeof appno, "%s.%c", digits, appno_check(digits));
        holder *h = &hs[rn((unsigned)nholders)];
        holder *h2 = rf() < 0.15 ? &hs[rn((unsigned)nholders)] : NULL;
        if (h2 == h) h2 = NULL;
        long lag = type == 1 ? 500 + (long)rn(900) : type == 2 ? 150 + (long)rn(250) : 120 + (long)rn(150);
        long grant = filing + lag;
        int granted = grant < today && (type != 1 || rf() < 0.62);
        char fdate[11], pdate[11], gdate[11];
        date_str(filing, fdate);
        date_str(type == 1 ? filing + 540 : grant, pdate);
        date_str(grant, gdate);
        char title[200], ipc1[24], ipc2[24];
        snprintf(title, sizeof title, "%s%s%s", PICK(prefix), PICK(tech), PICK(suffix));
        ipc_pick(ipc1, sizeof ipc1);
        ipc_pick(ipc2, sizeof ipc2);
        fprintf(fp_p, "%s,%s,", appno, kind);
        csv(fp_p, title);
        fprintf(fp_p, ",本%s公开了%s，属于合成数据（synthetic）。,%s,", type == 1 ? "发明" : "实用新型", title, fdate);
        if (type == 1) fprintf(fp_p, "CN%09" PRId64 "A,%s,", 100000000 + i, pdate);
        else fputs(",,", fp_p);
        if (granted) fprintf(fp_p, "CN%09" PRId64 "%s,%s,", 200000000 + i, type == 1 ? "B" : type == 2 ? "U" : "S", gdate);
        else fputs(",,", fp_p);
        int two = rf() < 0.4 && strcmp(ipc1, ipc2);
        fprintf(fp_p, "%s%s%s,", ipc1, two ? ";" : "", two ? ipc2 : "");
        buf names = BUF_INIT, addrs = BUF_INIT, ccs = BUF_INIT;
        buf_puts(&names, h->name);
        buf_puts(&addrs, h->address);
        buf_puts(&ccs, h->cc);
        if (h2) {
            buf_printf(&names, ";%s", h2->name);
            buf_printf(&addrs, ";%s", h2->address);
            buf_printf(&ccs, ";%s", h2->cc);
        }
        csv(fp_p, names.s);
        fputc(',', fp_p);
        csv(fp_p, addrs.s);
        fprintf(fp_p, ",%s,", ccs.s);
        /* grants made before 2021 name the patentee (the same parties here) */
        if (granted) {
            csv(fp_p, names.s);
            fputc(',', fp_p);
            csv(fp_p, addrs.s);
            fprintf(fp_p, ",%s", ccs.s);
        } else
            fputs(",,", fp_p);
        buf_free(&names);
        buf_free(&addrs);
        buf_free(&ccs);
        fprintf(fp_p, ",%s%s;%s%s,", PICK(surnames), PICK(given), PICK(surnames), PICK(given));
        int pct = type == 1 && rf() < 0.06;
        if (pct) fprintf(fp_p, "PCT/CN%ld/%06u", y, rn(999999));
        fputc(',', fp_p);
        if (type == 1 && rf() < 0.10)
            fprintf(fp_p, "US US%08u%s %s", 10000000 + rn(9000000), "B2", rf() < 0.6 ? "已授权" : "未授权");
        fputc(',', fp_p);
        if (granted && type == 1 && rf() < 0.004) fprintf(fp_p, "中国专利奖 %s %ld", rf() < 0.2 ? "金奖" : "优秀奖", y + 5);
        fputs(",ipcity-gen,是\n", fp_p);

        if (!granted) continue;
        /* legal events after grant */
        long term = type == 1 ? 20 : type == 2 ? 10 : 15;
        long end = util_days_from_civil(y + term, m, d > 28 ? 28 : d);
        long t2 = grant;
        if (rf() < 0.30) { /* fees stop: lapse on an anniversary after a few years */
            long yy = y + 3 + (long)rn((unsigned)(term - 3));
            long lapse = util_days_from_civil(yy, m, d > 28 ? 28 : d);
            if (lapse > grant && lapse < today && lapse < end) {
                char ld[11];
                date_str(lapse, ld);
                fprintf(fp_e, "%s,%s,lapse,,,,合成数据\n", appno, ld);
                nevents++;
                if (rf() < 0.08) {
                    char rd[11];
                    date_str(lapse + 60 + rn(300), rd);
                    fprintf(fp_e, "%s,%s,restoration,,,,合成数据\n", appno, rd);
                    nevents++;
                }
                t2 = lapse;
            }
        }
        if (flags & SYNTH_FEE_EVENTS) { /* an annual fee on each filing anniversary while maintained;
                                        * derived from the dates only, so the rest is unchanged */
            long stop = t2 > grant ? t2 : end < today ? end : today;
            for (long yy = y + 1;; yy++) {
                long due = util_days_from_civil(yy, m, d > 28 ? 28 : d);
                if (due >= stop) break;
                if (due <= grant) continue;
                char fd[11];
                date_str(due, fd);
                fprintf(fp_e, "%s,%s,fee_paid,,,,合成数据\n", appno, fd);
                nevents++;
            }
        }
        if (rf() < 0.06 && t2 + 30 < today) { /* transfer, sometimes out of the district */
            holder *to = &hs[rn((unsigned)nholders)];
            char td[11];
            date_str(t2 - (long)rn(200) > grant ? t2 - (long)rn(200) : grant + 30, td);
            fprintf(fp_e, "%s,%s,transfer,,", appno, td);
            csv(fp_e, to->name);
            fputc(',', fp_e);
            csv(fp_e, to->address);
            fputs(",合成数据\n", fp_e);
            nevents++;
        }
        if (rf() < 0.03) {
            char ld[11];
            date_str(grant + 100 + rn(800), ld);
            fprintf(fp_e, "%s,%s,licence,%u,某被许可企业（合成）,,合成数据\n", appno, ld, 100000 * (1 + rn(50)));
            nevents++;
        }
        if (rf() < 0.03) {
            long pd = grant + 60 + (long)rn(1500);
            if (pd < today) {
                char ld[11];
                date_str(pd, ld);
                unsigned amount = 1000000u * (1 + rn(rf() < 0.1 ? 60 : 8));
                fprintf(fp_e, "%s,%s,pledge,%u,%s,,合成数据\n", appno, ld, amount, PICK(banks));
                nevents++;
                if (pd + 365 < today && rf() < 0.7) {
                    date_str(pd + 365, ld);
                    fprintf(fp_e, "%s,%s,pledge_release,,%s,,合成数据\n", appno, ld, PICK(banks));
                    nevents++;
                }
            }
        }
        if (rf() < 0.004) {
            char ld[11];
            date_str(grant + 400 + rn(1000) < today ? grant + 400 + rn(1000) : today - 1, ld);
            fprintf(fp_e, "%s,%s,invalidation,,,,合成数据\n", appno, ld);
            nevents++;
        }
        /* trademarks: about one per two patents */
        if (i % 2 == 0 && (h->kind == 0 || h->kind == 4)) {
            long tf = y2005 + (long)rn((unsigned)(today - 400 - y2005));
            long tr = tf + 270 + (long)rn(200);
            long ty;
            unsigned tm, td;
            util_civil_from_days(tr, &ty, &tm, &td);
            long texp = util_days_from_civil(ty + 10, tm, td > 28 ? 28 : td) - 1;
            char a[11], b[11], c[11];
            date_str(tf, a);
            date_str(tr, b);
            date_str(texp, c);
            fprintf(fp_t, "%" PRId64 ",%s%s,[%u],", 30000000 + ntm, PICK(company_part), PICK(company_part), 1 + rn(45));
            csv(fp_t, h->name);
            fputc(',', fp_t);
            csv(fp_t, h->address);
            fprintf(fp_t, ",%s,%s,%s,%s,%s,%s,ipcity-gen,是\n", h->region, a, b, c,
                    tr > today ? "申请中" : texp < today ? "已到期" : "已注册", rf() < 0.01 ? "是" : "否");
            ntm++;
        }
    }
    free(hs);
    fclose(fp_p);
    fclose(fp_e);
    fclose(fp_t);
    fclose(fp_h);
    snprintf(path, sizeof path, "%s/README.txt", out);
    FILE *rd = fopen(path, "w");
    if (rd) {
        fprintf(rd, "合成数据（synthetic data），由 ipcity gen 生成，不是真实专利。\nGenerated by `ipcity gen --patents %" PRId64
                    " --seed %" PRId64 "`: synthetic, not real patents.\npatents %" PRId64 ", events %" PRId64
                    ", trademarks %" PRId64 "\n",
                n, seed, n, nevents, ntm);
        fclose(rd);
    }
    counts->patents = n;
    counts->events = nevents;
    counts->trademarks = ntm;
    return 0;
}
