/*
 * xlsx.c - streaming XLSX worksheet reader; see xlsx.h.
 *
 * Every part is read through the same pipe: zip_fread() feeds an
 * xmlTextReader (xmlReaderForIO), and the code walks the node stream,
 * matching elements by local name so that both the transitional and the
 * strict OOXML namespaces work.  The small parts are consumed at open;
 * the worksheet's reader stays open and advances one <row> per call.
 * Documents with a DTD are refused (OOXML never has one), and entities are
 * never substituted, so no XML bomb gets expanded.
 */
#include "xlsx.h"

#include "../base/buf.h"
#include "../base/util.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define MAX_COLS 16384 /* columns in a sheet (XFD) */
#define MAX_ROW_BYTES ((size_t)64 << 20)
#define MAX_SST_BYTES ((size_t)512 << 20)
#define MAX_DAYS 2958465L /* serial of 9999-12-31 */

#define S(x) ((const char *)(x))

enum ctype { T_NUM, T_SST, T_INLINE, T_STR, T_BOOL, T_ERR, T_DATE };

/* One part of the package being parsed. */
typedef struct part {
    char *path; /* part name inside the archive */
    zip_file_t *zf;
    xmlTextReaderPtr xr;
    int zip_failed; /* zip_fread() failed; zmsg says why */
    char zmsg[160];
    char xmsg[240]; /* first libxml2 error */
    int xline;
} part;

typedef struct rel {
    char *id, *type, *target; /* target resolved to a part name */
} rel;

struct xlsx_reader {
    char *name; /* for messages */
    zip_t *za;
    char *sheet_name;
    int date1904;
    buf sst; /* shared strings, NUL-separated */
    size_t *sst_off;
    size_t nsst, capsst;
    unsigned char *xf_date; /* per cellXfs index: 1 when a date format */
    size_t nxf, capxf;
    part sheet;
    int in_data; /* inside <sheetData> */
    int done, failed;
    err saved;          /* the sticky error */
    long row, last_row; /* row being parsed, the one before it */
    long out_row;       /* row last returned */
    /* the row being assembled */
    buf rowb;       /* "" at offset 0, then the cell values */
    size_t *coloff; /* per column: offset in rowb (0 = empty) */
    size_t ncols, capcols;
    long last_col;
    char **cells;
    size_t capcells;
    /* the cell being read */
    int in_cell, in_v, in_is, in_t, in_rph;
    long ccol, cstyle;
    enum ctype ctype;
    buf cval;
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* Sets the sticky error from two heap messages (freed here); returns -1. */
static int fail(xlsx_reader *x, long row, char *zh, char *en)
{
    err_setm(&x->saved, 422, "import.xlsx", zh, en);
    err_at(&x->saved, x->name, row, 0, NULL);
    free(zh);
    free(en);
    x->failed = 1;
    return -1;
}

static int replay(const xlsx_reader *x, err *e)
{
    const err *s = &x->saved;
    err_setm(e, s->status, s->code, err_msg(s, LANG_ZH), err_msg(s, LANG_EN));
    err_at(e, s->file, s->row, s->col, NULL);
    return -1;
}

/* ---- parts ---------------------------------------------------------- */

static int io_read(void *ctx, char *b, int len)
{
    part *p = ctx;
    zip_int64_t n = zip_fread(p->zf, b, (zip_uint64_t)len);
    if (n < 0) {
        p->zip_failed = 1;
        snprintf(p->zmsg, sizeof p->zmsg, "%s", zip_file_strerror(p->zf));
        return -1;
    }
    return (int)n;
}

static int io_close(void *ctx)
{
    (void)ctx;
    return 0;
}

#if LIBXML_VERSION >= 21200
static void on_xml_error(void *ctx, const xmlError *er)
#else
static void on_xml_error(void *ctx, xmlErrorPtr er)
#endif
{
    part *p = ctx;
    if (p->xmsg[0] || !er || !er->message) return;
    snprintf(p->xmsg, sizeof p->xmsg, "%s", er->message);
    size_t n = strlen(p->xmsg);
    while (n && (p->xmsg[n - 1] == '\n' || p->xmsg[n - 1] == ' ')) p->xmsg[--n] = '\0';
    p->xline = er->line;
}

static void part_close(part *p)
{
    if (p->xr) xmlFreeTextReader(p->xr);
    if (p->zf) zip_fclose(p->zf);
    free(p->path);
    memset(p, 0, sizeof *p);
}

/* Opens the part at path for parsing.  Returns 1 when open, 0 when it does
 * not exist and optional is set, -1 on an error (x->saved filled).  p must
 * stay at the same address until part_close(). */
static int part_open(xlsx_reader *x, part *p, const char *path, int optional)
{
    memset(p, 0, sizeof *p);
    zip_int64_t idx = zip_name_locate(x->za, path, 0);
    if (idx < 0) idx = zip_name_locate(x->za, path, ZIP_FL_NOCASE);
    if (idx < 0) {
        if (optional) return 0;
        return fail(x, 0, xasprintf("文件 %s 不是有效的 XLSX 工作簿：缺少 %s", x->name, path),
                    xasprintf("%s is not a valid XLSX workbook: %s is missing", x->name, path));
    }
    p->path = xstrdup(path);
    p->zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (!p->zf) {
        const char *why = zip_strerror(x->za);
        int rc = fail(x, 0, xasprintf("无法读取文件 %s 中的 %s：%s", x->name, path, why),
                      xasprintf("Cannot read %s in %s: %s", path, x->name, why));
        part_close(p);
        return rc;
    }
    p->xr = xmlReaderForIO(io_read, io_close, p, path, NULL, XML_PARSE_NONET);
    if (!p->xr) {
        part_close(p);
        return fail(x, 0, xasprintf("无法解析文件 %s 中的 %s", x->name, path),
                    xasprintf("Cannot parse %s in %s", path, x->name));
    }
    xmlTextReaderSetStructuredErrorHandler(p->xr, on_xml_error, p);
    return 1;
}

/* Advances to the next node.  Returns 1, 0 at the end, -1 on an error.
 * after is the last sheet row handed out (0 if none): the XML parser reads
 * ahead, so an error is located as "after row N" rather than at a row. */
static int part_next(xlsx_reader *x, part *p, long after)
{
    int rc = xmlTextReaderRead(p->xr);
    if (rc == 1 && xmlTextReaderNodeType(p->xr) == XML_READER_TYPE_DOCUMENT_TYPE) {
        snprintf(p->xmsg, sizeof p->xmsg, "DOCTYPE is not allowed");
        rc = -1;
    }
    if (rc >= 0 && !p->zip_failed) return rc;
    char *wzh = after > 0 ? xasprintf("（第 %ld 行之后）", after) : xstrdup("");
    char *wen = after > 0 ? xasprintf(" after row %ld", after) : xstrdup("");
    if (p->zip_failed)
        fail(x, 0, xasprintf("文件 %s 已损坏：读取 %s 失败%s：%s", x->name, p->path, wzh, p->zmsg),
             xasprintf("%s is damaged: cannot read %s%s: %s", x->name, p->path, wen, p->zmsg));
    else
        fail(x, 0,
             xasprintf("文件 %s 中的 %s 不是格式正确的 XML%s：%s（XML 第 %d 行）", x->name, p->path, wzh,
                       p->xmsg[0] ? p->xmsg : "parse error", p->xline),
             xasprintf("%s: %s is not well-formed XML%s: %s (XML line %d)", x->name, p->path, wen,
                       p->xmsg[0] ? p->xmsg : "parse error", p->xline));
    free(wzh);
    free(wen);
    return -1;
}

static int node_type(const part *p) { return xmlTextReaderNodeType(p->xr); }

static const char *lname(const part *p)
{
    const xmlChar *n = xmlTextReaderConstLocalName(p->xr);
    return n ? S(n) : "";
}

static int is_empty(const part *p) { return xmlTextReaderIsEmptyElement(p->xr) == 1; }

static int is_start(const part *p, const char *name)
{
    return node_type(p) == XML_READER_TYPE_ELEMENT && !strcmp(lname(p), name);
}

static int is_end(const part *p, const char *name)
{
    return node_type(p) == XML_READER_TYPE_END_ELEMENT && !strcmp(lname(p), name);
}

static int is_text(const part *p)
{
    int t = node_type(p);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA || t == XML_READER_TYPE_WHITESPACE ||
           t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

static const char *text(const part *p)
{
    const xmlChar *v = xmlTextReaderConstValue(p->xr);
    return v ? S(v) : "";
}

/* Heap copy of the attribute called name: unprefixed when ns is 0, in a
 * namespace ending in "/relationships" when ns is 1.  NULL if absent. */
static char *attr(const part *p, const char *name, int ns)
{
    char *val = NULL;
    while (!val && xmlTextReaderMoveToNextAttribute(p->xr) == 1) {
        const xmlChar *uri = xmlTextReaderConstNamespaceUri(p->xr);
        if (strcmp(lname(p), name)) continue;
        if (ns ? uri && strlen(S(uri)) >= 14 && !strcmp(S(uri) + strlen(S(uri)) - 14, "/relationships") : !uri)
            val = xstrdup(text(p));
    }
    xmlTextReaderMoveToElement(p->xr);
    return val;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* ---- relationships and the workbook ---------------------------------- */

/* Resolves a relationship target against the directory of its source
 * part ("xl/"), handling absolute targets and "." / ".." segments. */
static char *resolve(const char *dir, const char *target)
{
    buf in = BUF_INIT, out = BUF_INIT;
    if (target[0] == '/') buf_puts(&in, target + 1);
    else {
        buf_puts(&in, dir);
        buf_puts(&in, target);
    }
    char *save = NULL;
    for (char *seg = strtok_r(in.s, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (!strcmp(seg, ".")) continue;
        if (!strcmp(seg, "..")) {
            char *slash = out.len ? strrchr(out.s, '/') : NULL;
            out.len = slash ? (size_t)(slash - out.s) : 0;
            if (out.s) out.s[out.len] = '\0';
            continue;
        }
        if (out.len) buf_putc(&out, '/');
        buf_puts(&out, seg);
    }
    buf_free(&in);
    return out.s ? buf_detach(&out) : xstrdup("");
}

static void rels_free(rel *rels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rels[i].id);
        free(rels[i].type);
        free(rels[i].target);
    }
    free(rels);
}

/* Reads the relationships part at path; targets are resolved against dir.
 * Returns 1 with *out and *n set (free with rels_free), 0 when the part is
 * absent and optional, -1 on an error. */
static int read_rels(xlsx_reader *x, const char *path, const char *dir, int optional, rel **out, size_t *n)
{
    part p;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc = part_open(x, &p, path, optional);
    if (rc <= 0) return rc;
    while ((rc = part_next(x, &p, 0)) == 1) {
        if (!is_start(&p, "Relationship")) continue;
        char *mode = attr(&p, "TargetMode", 0);
        int external = mode && !strcmp(mode, "External");
        free(mode);
        char *id = attr(&p, "Id", 0), *type = attr(&p, "Type", 0), *target = attr(&p, "Target", 0);
        if (external || !id || !type || !target) {
            free(id);
            free(type);
            free(target);
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        (*out)[*n].id = id;
        (*out)[*n].type = type;
        (*out)[*n].target = resolve(dir, target);
        (*n)++;
        free(target);
    }
    part_close(&p);
    if (rc < 0) {
        rels_free(*out, *n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 1;
}

static const rel *rel_by_type(const rel *rels, size_t n, const char *suffix)
{
    for (size_t i = 0; i < n; i++)
        if (ends_with(rels[i].type, suffix)) return &rels[i];
    return NULL;
}

typedef struct sheet_ent {
    char *name, *rid;
} sheet_ent;

static void sheets_free(sheet_ent *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].rid);
    }
    free(s);
}

/* Reads the workbook part: the sheet list and the date system. */
static int read_workbook(xlsx_reader *x, const char *path, sheet_ent **out, size_t *n)
{
    part p;
    size_t cap = 0;
    int rc = part_open(x, &p, path, 0);
    *out = NULL;
    *n = 0;
    if (rc < 0) return -1;
    while ((rc = part_next(x, &p, 0)) == 1) {
        if (is_start(&p, "workbookPr")) {
            char *d = attr(&p, "date1904", 0);
            x->date1904 = d && (!strcmp(d, "1") || !strcmp(d, "true"));
            free(d);
        } else if (is_start(&p, "sheet")) {
            char *name = attr(&p, "name", 0), *rid = attr(&p, "id", 1);
            if (!name || !rid) {
                free(name);
                free(rid);
                continue;
            }
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                *out = xrealloc(*out, cap * sizeof **out);
            }
            (*out)[*n].name = name;
            (*out)[*n].rid = rid;
            (*n)++;
        }
    }
    part_close(&p);
    if (rc < 0) {
        sheets_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- shared strings and styles ----------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes the OOXML escapes "_xHHHH_" (how Excel stores CR and other
 * control characters in strings; "_x005F_" is a literal '_') in
 * b->s[start..len), in place: the UTF-8 of a code point below 0x10000 is
 * never longer than its 7-byte escape.  NUL and surrogates stay as text. */
static void unescape_x(buf *b, size_t start)
{
    if (b->len <= start || !memchr(b->s + start, '_', b->len - start)) return;
    char *in = b->s + start, *end = b->s + b->len, *out = in;
    while (in < end) {
        unsigned cp = 0;
        int ok = end - in >= 7 && in[0] == '_' && in[1] == 'x' && in[6] == '_';
        for (int k = 2; ok && k < 6; k++) {
            int h = hexval(in[k]);
            ok = h >= 0;
            cp = cp * 16 + (unsigned)(h < 0 ? 0 : h);
        }
        if (!ok || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *out++ = *in++;
            continue;
        }
        in += 7;
        if (cp < 0x80) {
            *out++ = (char)cp;
        } else if (cp < 0x800) {
            *out++ = (char)(0xC0 | (cp >> 6));
            *out++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *out++ = (char)(0xE0 | (cp >> 12));
            *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *out++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    b->len = (size_t)(out - b->s);
    b->s[b->len] = '\0';
}

static void sst_push(xlsx_reader *x, size_t start)
{
    if (x->nsst == x->capsst) {
        x->capsst = x->capsst ? x->capsst * 2 : 256;
        x->sst_off = xrealloc(x->sst_off, x->capsst * sizeof *x->sst_off);
    }
    x->sst_off[x->nsst++] = start;
    unescape_x(&x->sst, start);
    buf_putc(&x->sst, '\0');
}

static int read_shared_strings(xlsx_reader *x, const char *path, int optional)
{
    part p;
    int rc = part_open(x, &p, path, optional);
    if (rc <= 0) return rc;
    int in_si = 0, in_t = 0, in_rph = 0;
    size_t start = 0;
    while ((rc = part_next(x, &p, 0)) == 1) {
        if (is_start(&p, "si")) {
            start = x->sst.len;
            if (is_empty(&p)) sst_push(x, start);
            else
                in_si = 1;
        } else if (in_si && is_start(&p, "rPh")) {
            in_rph = !is_empty(&p);
        } else if (in_si && !in_rph && is_start(&p, "t")) {
            in_t = !is_empty(&p);
        } else if (in_t && is_text(&p)) {
            buf_puts(&x->sst, text(&p));
            if (x->sst.len > MAX_SST_BYTES) {
                part_close(&p);
                return fail(x, 0, xasprintf("文件 %s 的共享字符串表过大", x->name),
                            xasprintf("%s: the shared string table is too large", x->name));
            }
        } else if (is_end(&p, "t")) {
            in_t = 0;
        } else if (is_end(&p, "rPh")) {
            in_rph = 0;
        } else if (in_si && is_end(&p, "si")) {
            sst_push(x, start);
            in_si = in_t = in_rph = 0;
        }
    }
    part_close(&p);
    return rc < 0 ? -1 : 1;
}

static int builtin_date(long id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* True when a format code shows a date or time: its first section has
 * y, m or d outside quoted text, escapes and [..] blocks, and no 0, # or ?
 * digit placeholder. */
static int code_is_date(const char *f)
{
    int has = 0;
    for (const char *q = f; *q && *q != ';'; q++) {
        char c = *q;
        if (c == '"') {
            q = strchr(q + 1, '"');
            if (!q) break;
        } else if (c == '[') {
            q = strchr(q + 1, ']');
            if (!q) break;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (q[1]) q++;
        } else if (c == '0' || c == '#' || c == '?') {
            return 0;
        } else {
            c = (char)tolower((unsigned char)c);
            if (c == 'y' || c == 'm' || c == 'd') has = 1;
        }
    }
    return has;
}

typedef struct numfmt {
    long id;
    int date;
} numfmt;

static long parse_long(const char *s, long dflt)
{
    if (!s || !*s) return dflt;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || *end ? dflt : v;
}

static int read_styles(xlsx_reader *x, const char *path, int optional)
{
    part p;
    int rc = part_open(x, &p, path, optional);
    if (rc <= 0) return rc;
    numfmt *fmts = NULL;
    size_t nfmts = 0, capfmts = 0;
    int in_xfs = 0;
    while ((rc = part_next(x, &p, 0)) == 1) {
        if (is_start(&p, "numFmt")) {
            char *id = attr(&p, "numFmtId", 0), *code = attr(&p, "formatCode", 0);
            if (id && code) {
                if (nfmts == capfmts) {
                    capfmts = capfmts ? capfmts * 2 : 16;
                    fmts = xrealloc(fmts, capfmts * sizeof *fmts);
                }
                fmts[nfmts].id = parse_long(id, -1);
                fmts[nfmts++].date = code_is_date(code);
            }
            free(id);
            free(code);
        } else if (is_start(&p, "cellXfs")) {
            in_xfs = !is_empty(&p);
        } else if (is_end(&p, "cellXfs")) {
            in_xfs = 0;
        } else if (in_xfs && is_start(&p, "xf")) {
            char *ids = attr(&p, "numFmtId", 0);
            long id = parse_long(ids, 0);
            free(ids);
            int date = builtin_date(id);
            for (size_t i = 0; i < nfmts; i++)
                if (fmts[i].id == id) date = fmts[i].date;
            if (x->nxf == x->capxf) {
                x->capxf = x->capxf ? x->capxf * 2 : 32;
                x->xf_date = xrealloc(x->xf_date, x->capxf);
            }
            x->xf_date[x->nxf++] = (unsigned char)date;
        }
    }
    free(fmts);
    part_close(&p);
    return rc < 0 ? -1 : 1;
}

/* ---- values ------------------------------------------------------------ */

static void fmt_number(double d, char *out, size_t n)
{
    if (d == 0) d = 0; /* no "-0" */
    if (d == floor(d) && fabs(d) < 1e15) snprintf(out, n, "%.0f", d);
    else
        snprintf(out, n, "%.15g", d);
}

/* Formats an Excel date serial; returns -1 when out of range. */
static int fmt_serial(double v, int date1904, char *out, size_t n)
{
    if (!(v >= 0) || v >= (double)(MAX_DAYS + 1)) return -1;
    long long secs = llround(v * 86400.0);
    long days = (long)(secs / 86400), sod = (long)(secs % 86400);
    long hh = sod / 3600, mi = sod / 60 % 60, ss = sod % 60;
    if (days == 0) {
        snprintf(out, n, "%02ld:%02ld:%02ld", hh, mi, ss);
        return 0;
    }
    long y;
    unsigned m, d;
    if (date1904) {
        util_civil_from_days(util_days_from_civil(1904, 1, 1) + days, &y, &m, &d);
    } else if (days == 60) { /* Excel's 1900-02-29, kept as Excel shows it */
        y = 1900;
        m = 2;
        d = 29;
    } else {
        long base = util_days_from_civil(1899, 12, days < 60 ? 31 : 30);
        util_civil_from_days(base + days, &y, &m, &d);
    }
    if (sod) snprintf(out, n, "%04ld-%02u-%02u %02ld:%02ld:%02ld", y, m, d, hh, mi, ss);
    else
        snprintf(out, n, "%04ld-%02u-%02u", y, m, d);
    return 0;
}

static char *trim_ascii(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
    return s;
}

/* Appends the display text of the cell just read to x->rowb. */
static int cell_text(xlsx_reader *x)
{
    char *v = x->cval.s; /* never NULL: see cell_begin() */
    char tmp[64];
    switch (x->ctype) {
    case T_INLINE:
    case T_STR:
        unescape_x(&x->cval, 0);
        buf_add(&x->rowb, x->cval.s, x->cval.len);
        return 0;
    case T_ERR: buf_puts(&x->rowb, trim_ascii(v)); return 0;
    case T_BOOL:
        v = trim_ascii(v);
        buf_puts(&x->rowb, !strcmp(v, "1") ? "TRUE" : !strcmp(v, "0") ? "FALSE" : v);
        return 0;
    case T_SST: {
        v = trim_ascii(v);
        if (!*v) return 0;
        long i = parse_long(v, -1);
        if (i < 0 || (size_t)i >= x->nsst)
            return fail(x, x->row, xasprintf("文件 %s 第 %ld 行：共享字符串索引 %s 无效", x->name, x->row, v),
                        xasprintf("%s, row %ld: invalid shared string index %s", x->name, x->row, v));
        buf_puts(&x->rowb, x->sst.s + x->sst_off[i]);
        return 0;
    }
    case T_DATE: { /* ISO 8601 text (strict OOXML) */
        v = trim_ascii(v);
        char *t = strchr(v, 'T');
        if (t) {
            char *cut = t + 1 + strcspn(t + 1, ".Z+");
            *cut = '\0';
            if (!strcmp(t + 1, "00:00:00")) *t = '\0';
            else
                *t = ' ';
        }
        buf_puts(&x->rowb, v);
        return 0;
    }
    case T_NUM: break;
    }
    v = trim_ascii(v);
    if (!*v) return 0;
    char *end;
    double d = strtod(v, &end);
    if (*end || !isfinite(d)) {
        buf_puts(&x->rowb, v);
        return 0;
    }
    int date = x->cstyle >= 0 && (size_t)x->cstyle < x->nxf && x->xf_date[x->cstyle];
    if (!date || fmt_serial(d, x->date1904, tmp, sizeof tmp) < 0) fmt_number(d, tmp, sizeof tmp);
    buf_puts(&x->rowb, tmp);
    return 0;
}

/* Column number (1-based) of a reference like "C7"; 0 when malformed. */
static long ref_col(const char *r)
{
    long c = 0;
    const char *p = r;
    while (isalpha((unsigned char)*p) && p - r < 4) {
        c = c * 26 + (toupper((unsigned char)*p) - 'A' + 1);
        p++;
    }
    if (p == r || !isdigit((unsigned char)*p)) return 0;
    return c;
}

/* ---- the worksheet ---------------------------------------------------- */

static void row_begin(xlsx_reader *x)
{
    char *rs = attr(&x->sheet, "r", 0);
    long r = parse_long(rs, 0);
    free(rs);
    x->row = r > 0 ? r : x->last_row + 1;
    x->last_row = x->row;
    x->last_col = 0;
    x->ncols = 0;
    buf_reset(&x->rowb);
    buf_putc(&x->rowb, '\0');
}

static int cell_begin(xlsx_reader *x)
{
    part *p = &x->sheet;
    char ref[24] = "", style[24] = "", type[24] = "";
    while (xmlTextReaderMoveToNextAttribute(p->xr) == 1) {
        if (xmlTextReaderConstNamespaceUri(p->xr)) continue;
        const char *n = lname(p);
        char *dst = !strcmp(n, "r") ? ref : !strcmp(n, "s") ? style : !strcmp(n, "t") ? type : NULL;
        if (dst) snprintf(dst, sizeof ref, "%s", text(p));
    }
    xmlTextReaderMoveToElement(p->xr);
    long col = ref[0] ? ref_col(ref) : 0;
    x->ccol = col > 0 ? col : x->last_col + 1;
    if (x->ccol > MAX_COLS)
        return fail(x, x->row, xasprintf("文件 %s 第 %ld 行：单元格 %s 超出列范围", x->name, x->row, ref),
                    xasprintf("%s, row %ld: cell %s is beyond the last column", x->name, x->row, ref));
    x->last_col = x->ccol;
    x->cstyle = parse_long(style, 0);
    x->ctype = !strcmp(type, "s")           ? T_SST
               : !strcmp(type, "inlineStr") ? T_INLINE
               : !strcmp(type, "str")       ? T_STR
               : !strcmp(type, "b")         ? T_BOOL
               : !strcmp(type, "e")         ? T_ERR
               : !strcmp(type, "d")         ? T_DATE
                                            : T_NUM;
    buf_reset(&x->cval);
    buf_add(&x->cval, "", 0);
    x->in_cell = 1;
    x->in_v = x->in_is = x->in_t = x->in_rph = 0;
    return 0;
}

static int cell_end(xlsx_reader *x)
{
    x->in_cell = x->in_v = x->in_is = x->in_t = x->in_rph = 0;
    size_t start = x->rowb.len;
    if (cell_text(x) < 0) return -1;
    if (x->rowb.len == start) return 0; /* empty: leave the column as a gap */
    buf_putc(&x->rowb, '\0');
    if (x->rowb.len > MAX_ROW_BYTES)
        return fail(x, x->row, xasprintf("文件 %s 第 %ld 行过长", x->name, x->row),
                    xasprintf("%s: row %ld is too long", x->name, x->row));
    size_t c = (size_t)x->ccol;
    if (c > x->capcols) {
        x->capcols = c > x->capcols * 2 ? c : x->capcols * 2;
        x->coloff = xrealloc(x->coloff, x->capcols * sizeof *x->coloff);
    }
    for (size_t k = x->ncols; k < c; k++) x->coloff[k] = 0;
    if (c > x->ncols) x->ncols = c;
    x->coloff[c - 1] = start;
    return 0;
}

int xlsx_next(xlsx_reader *x, char ***cells, size_t *ncells, err *e)
{
    *cells = NULL;
    *ncells = 0;
    if (x->failed) return replay(x, e);
    part *p = &x->sheet;
    while (!x->done) {
        int rc = part_next(x, p, x->out_row);
        if (rc < 0) return replay(x, e);
        if (rc == 0) {
            x->done = 1;
            break;
        }
        int t = node_type(p);
        if (!x->in_data) {
            if (is_start(p, "sheetData")) {
                if (is_empty(p)) x->done = 1;
                else
                    x->in_data = 1;
            }
            continue;
        }
        int end_row = 0;
        if (t == XML_READER_TYPE_ELEMENT) {
            const char *n = lname(p);
            int empty = is_empty(p);
            if (!strcmp(n, "row")) {
                row_begin(x);
                end_row = empty;
            } else if (!strcmp(n, "c")) {
                if (cell_begin(x) < 0 || (empty && cell_end(x) < 0)) return replay(x, e);
            } else if (x->in_cell && !empty) {
                if (!strcmp(n, "v")) x->in_v = 1;
                else if (!strcmp(n, "is"))
                    x->in_is = 1;
                else if (x->in_is && !strcmp(n, "rPh"))
                    x->in_rph = 1;
                else if (x->in_is && !strcmp(n, "t"))
                    x->in_t = 1;
            }
        } else if (t == XML_READER_TYPE_END_ELEMENT) {
            const char *n = lname(p);
            if (!strcmp(n, "c")) {
                if (x->in_cell && cell_end(x) < 0) return replay(x, e);
            } else if (!strcmp(n, "v"))
                x->in_v = 0;
            else if (!strcmp(n, "t"))
                x->in_t = 0;
            else if (!strcmp(n, "rPh"))
                x->in_rph = 0;
            else if (!strcmp(n, "is"))
                x->in_is = 0;
            else if (!strcmp(n, "row"))
                end_row = 1;
            else if (!strcmp(n, "sheetData"))
                x->done = 1;
        } else if (x->in_cell && is_text(p)) {
            int inl = x->ctype == T_INLINE;
            if ((inl && x->in_t && !x->in_rph) || (!inl && x->in_v)) buf_puts(&x->cval, text(p));
        }
        if (!end_row) continue;
        while (x->ncols && x->rowb.s[x->coloff[x->ncols - 1]] == '\0') x->ncols--;
        if (!x->ncols) continue;
        if (x->ncols > x->capcells) {
            x->capcells = x->ncols;
            x->cells = xrealloc(x->cells, x->capcells * sizeof *x->cells);
        }
        for (size_t k = 0; k < x->ncols; k++) x->cells[k] = x->rowb.s + x->coloff[k];
        *cells = x->cells;
        *ncells = x->ncols;
        x->out_row = x->row;
        return 1;
    }
    return 0;
}

/* ---- opening ----------------------------------------------------------- */

static void init_xml(void) { xmlInitParser(); }

static int open_parts(xlsx_reader *x, const char *want)
{
    rel *rels = NULL;
    size_t nrels = 0;
    sheet_ent *sheets = NULL;
    size_t nsheets = 0;
    char *wb = NULL, *dir = NULL, *wbrels = NULL;
    int rc = -1;

    /* Where the workbook part is: _rels/.rels, or the usual place. */
    if (read_rels(x, "_rels/.rels", "", 1, &rels, &nrels) < 0) goto out;
    const rel *office = rel_by_type(rels, nrels, "/officeDocument");
    wb = xstrdup(office ? office->target : "xl/workbook.xml");
    rels_free(rels, nrels);
    rels = NULL;
    nrels = 0;

    const char *slash = strrchr(wb, '/');
    dir = xstrndup(wb, slash ? (size_t)(slash - wb + 1) : 0);
    wbrels = xasprintf("%s_rels/%s.rels", dir, slash ? slash + 1 : wb);
    if (read_workbook(x, wb, &sheets, &nsheets) < 0) goto out;
    if (read_rels(x, wbrels, dir, 0, &rels, &nrels) < 0) goto out;

    const rel *target = NULL;
    for (size_t i = 0; i < nsheets && !target; i++) {
        if (want && strcmp(sheets[i].name, want)) continue;
        const rel *r = NULL;
        for (size_t k = 0; k < nrels && !r; k++)
            if (!strcmp(rels[k].id, sheets[i].rid)) r = &rels[k];
        if (r && ends_with(r->type, "/worksheet")) {
            target = r;
            x->sheet_name = xstrdup(sheets[i].name);
        } else if (want) {
            fail(x, 0, xasprintf("文件 %s 中的“%s”不是普通工作表", x->name, want),
                 xasprintf("%s: \"%s\" is not a worksheet", x->name, want));
            goto out;
        }
    }
    if (!target) {
        if (want)
            fail(x, 0, xasprintf("文件 %s 中没有名为“%s”的工作表", x->name, want),
                 xasprintf("%s has no sheet named \"%s\"", x->name, want));
        else
            fail(x, 0, xasprintf("文件 %s 中没有工作表", x->name), xasprintf("%s has no worksheet", x->name));
        goto out;
    }

    const rel *r = rel_by_type(rels, nrels, "/sharedStrings");
    char *path = r ? xstrdup(r->target) : xasprintf("%ssharedStrings.xml", dir);
    int k = read_shared_strings(x, path, !r); /* listed means required */
    free(path);
    if (k < 0) goto out;
    r = rel_by_type(rels, nrels, "/styles");
    path = r ? xstrdup(r->target) : xasprintf("%sstyles.xml", dir);
    k = read_styles(x, path, !r);
    free(path);
    if (k < 0) goto out;
    if (part_open(x, &x->sheet, target->target, 0) < 0) goto out;
    rc = 0;
out:
    rels_free(rels, nrels);
    sheets_free(sheets, nsheets);
    free(wb);
    free(dir);
    free(wbrels);
    return rc;
}

static xlsx_reader *reader_new(const char *name)
{
    pthread_once(&xml_once, init_xml);
    xlsx_reader *x = xcalloc(1, sizeof *x);
    x->name = xstrdup(name ? name : "");
    x->saved = (err)ERR_INIT;
    return x;
}

/* Finishes opening once x->za is set. */
static int finish_open(xlsx_reader *x, const char *sheet, xlsx_reader **out, err *e)
{
    if (open_parts(x, sheet) < 0) {
        replay(x, e);
        xlsx_close(x);
        return -1;
    }
    *out = x;
    return 0;
}

static int zip_failed(xlsx_reader *x, int code, err *e)
{
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    const char *why = zip_error_strerror(&ze);
    if (code == ZIP_ER_OPEN || code == ZIP_ER_NOENT || code == ZIP_ER_READ) {
        err_set(e, 500, "import.io", "无法打开文件 %s：%s", "Cannot open the file %s: %s", x->name, why);
    } else {
        err_set(e, 422, "import.xlsx", "文件 %s 不是有效的 XLSX 文件（无法作为 ZIP 压缩包读取：%s）",
                "%s is not a valid XLSX file (not a readable ZIP archive: %s)", x->name, why);
    }
    err_at(e, x->name, 0, 0, NULL);
    zip_error_fini(&ze);
    xlsx_close(x);
    return -1;
}

int xlsx_open_file(const char *path, const char *sheet, xlsx_reader **out, err *e)
{
    *out = NULL;
    xlsx_reader *x = reader_new(base_name(path));
    int code = 0;
    x->za = zip_open(path, ZIP_RDONLY, &code);
    if (!x->za) return zip_failed(x, code, e);
    return finish_open(x, sheet, out, e);
}

int xlsx_open_mem(const char *name, const void *data, size_t n, const char *sheet, xlsx_reader **out, err *e)
{
    *out = NULL;
    xlsx_reader *x = reader_new(name);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(n ? data : NULL, n, 0, &ze);
    if (src) {
        x->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
        if (!x->za) zip_source_free(src);
    }
    if (!x->za) {
        int code = zip_error_code_zip(&ze);
        zip_error_fini(&ze);
        return zip_failed(x, code ? code : ZIP_ER_NOZIP, e);
    }
    zip_error_fini(&ze);
    return finish_open(x, sheet, out, e);
}

long xlsx_row(const xlsx_reader *x) { return x->out_row; }

const char *xlsx_sheet_name(const xlsx_reader *x) { return x->sheet_name ? x->sheet_name : ""; }

void xlsx_close(xlsx_reader *x)
{
    if (!x) return;
    part_close(&x->sheet);
    if (x->za) zip_discard(x->za);
    free(x->name);
    free(x->sheet_name);
    buf_free(&x->sst);
    free(x->sst_off);
    free(x->xf_date);
    buf_free(&x->rowb);
    free(x->coloff);
    free(x->cells);
    buf_free(&x->cval);
    err_clear(&x->saved);
    free(x);
}
