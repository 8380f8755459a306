/* lens.c - Lens.org CSV/XLSX export rows to patent documents; see lens.h. */
#include "lens.h"

#include "../base/buf.h"
#include "../base/util.h"
#include "../domain/codes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STATUS_INVALID 422
#define QUOTE_MAX 40 /* characters of a cell echoed in a message */
#define SEP ";;"     /* Lens separator of multi-valued cells */

enum col {
    C_JURIS,
    C_KIND,
    C_PUBNO,
    C_APPNO,
    C_APPDATE,
    C_TITLE,
    C_NREQUIRED, /* the columns above are required */
    C_PUBDATE = C_NREQUIRED,
    C_PRIO,
    C_APPLICANTS,
    C_INVENTORS,
    C_TYPE,
    C_FAMILY,
    C_CPC,
    C_IPCR,
    C_ABSTRACT,
    C_LENSID,
    C_COUNT
};

/* Header names per column; alternatives after the first. */
static const char *const col_names[C_COUNT][3] = {
    [C_JURIS] = {"Jurisdiction"},         [C_KIND] = {"Kind"},
    [C_PUBNO] = {"Publication Number"},   [C_APPNO] = {"Application Number"},
    [C_APPDATE] = {"Application Date"},   [C_TITLE] = {"Title"},
    [C_PUBDATE] = {"Publication Date"},   [C_PRIO] = {"Priority Numbers"},
    [C_APPLICANTS] = {"Applicants"},      [C_INVENTORS] = {"Inventors"},
    [C_TYPE] = {"Type", "Document Type"}, [C_FAMILY] = {"Simple Family Size"},
    [C_CPC] = {"CPC Classifications"},    [C_IPCR] = {"IPCR Classifications", "IPC Classifications"},
    [C_ABSTRACT] = {"Abstract"},          [C_LENSID] = {"Lens ID"},
};

struct lens_reader {
    tab_reader *r;
    char *name;
    long idx[C_COUNT]; /* 0-based column index, -1 when absent */
    int done;          /* the table reader ended or failed */
};

/* ---- helpers ----------------------------------------------------------- */

/* Compares a header cell with a name: ASCII case and surrounding spaces
 * ignored. */
static int header_is(const char *cell, const char *want)
{
    while (*cell == ' ' || *cell == '\t') cell++;
    size_t n = strlen(want);
    if (strncasecmp(cell, want, n)) return 0;
    for (cell += n; *cell; cell++)
        if (*cell != ' ' && *cell != '\t' && *cell != '\r' && *cell != '\n') return 0;
    return 1;
}

static void map_header(char **cells, size_t n, long idx[C_COUNT])
{
    for (int c = 0; c < C_COUNT; c++) {
        idx[c] = -1;
        for (size_t i = 0; i < n && idx[c] < 0; i++)
            for (int k = 0; k < 3 && col_names[c][k]; k++)
                if (header_is(cells[i], col_names[c][k])) {
                    idx[c] = (long)i;
                    break;
                }
    }
}

/* The trimmed cell of column c (heap; "" when absent).  Caller frees. */
static char *cell(const lens_reader *l, char **cells, size_t n, enum col c)
{
    long i = l->idx[c];
    char *s = xstrdup(i >= 0 && (size_t)i < n ? cells[i] : "");
    return util_trim(s);
}

/* 1-based column number of c for error locations (0 when absent). */
static long colno(const lens_reader *l, enum col c) { return l->idx[c] + 1; }

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v) json_object_set_new(o, key, json_string(v));
}

/* Appends s for a message, cut after QUOTE_MAX characters. */
static void quote(buf *b, const char *s)
{
    const char *p = s, *end = s + strlen(s);
    size_t chars = 0;
    while (p < end && chars < QUOTE_MAX) {
        if (util_utf8_next(&p, end) < 0) p++;
        chars++;
    }
    buf_add(b, s, (size_t)(p - s));
    if (p < end) buf_puts(b, "...");
}

/* Splits s (modified in place) on SEP into trimmed, non-empty items;
 * returns how many were stored in items (at most max). */
static size_t split(char *s, char **items, size_t max)
{
    size_t n = 0;
    while (s && n < max) {
        char *next = strstr(s, SEP);
        if (next) {
            *next = '\0';
            next += strlen(SEP);
        }
        util_trim(s);
        if (*s) items[n++] = s;
        s = next;
    }
    return n;
}

/* Splits a number such as "US 2015/0094896 A1" on spaces, in place, into
 * at most max tokens; returns the count. */
static size_t tokens(char *s, char **tok, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save)) tok[n++] = t;
    return n;
}

static int all_digits(const char *s, size_t n) { return n && strspn(s, "0123456789") >= n; }

static int is_country(const char *s)
{
    return s && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/* A kind code: a capital letter, optionally one digit ("A", "B2", "D0"). */
static int is_kind(const char *s)
{
    size_t n = strlen(s);
    return (n == 1 || n == 2) && s[0] >= 'A' && s[0] <= 'Z' && (n == 1 || (s[1] >= '0' && s[1] <= '9'));
}

/* Appends the letters and digits of s (separators dropped). */
static void add_alnum(buf *b, const char *s)
{
    for (; *s; s++)
        if ((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) buf_putc(b, *s);
}

/* Parses a Lens date M/D/YY or M/D/YYYY into iso[11].  Two-digit years
 * 00-69 are 2000-2069 and 70-99 are 1970-1999 (the export's range starts
 * in the 1970s; nothing in it is dated after 2069).  Returns 0 or -1. */
static int lens_date(const char *s, char iso[11])
{
    unsigned long v[3];
    size_t len[3];
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        size_t k = strspn(p, "0123456789");
        if (k == 0 || k > 4) return -1;
        v[i] = strtoul(p, NULL, 10);
        len[i] = k;
        p += k;
        if (i < 2) {
            if (*p != '/') return -1;
            p++;
        }
    }
    if (*p || len[0] > 2 || len[1] > 2 || (len[2] != 2 && len[2] != 4)) return -1;
    long y = (long)v[2];
    if (len[2] == 2) y += y < 70 ? 2000 : 1900;
    if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 31) return -1;
    char tmp[32];
    long days;
    snprintf(tmp, sizeof tmp, "%04ld-%02lu-%02lu", y, v[0], v[1]);
    if (util_date_parse(tmp, &days) < 0) return -1; /* e.g. 2/30/15 */
    memcpy(iso, tmp, 11);
    return 0;
}

/* Row error helpers: each fills e, sets file/row/column/field, returns -1. */
static int bad_date(const lens_reader *l, err *e, long row, enum col c, const char *key, const char *v)
{
    buf q = BUF_INIT;
    quote(&q, v);
    err_set(e, STATUS_INVALID, "validation.date", "第 %ld 行“%s”列的日期 '%s' 无效：应为 月/日/年（如 9/24/14）",
            "Row %ld, column \"%s\": invalid date '%s', expected M/D/YY (e.g. 9/24/14)", row, col_names[c][0],
            buf_cstr(&q));
    buf_free(&q);
    return err_at(e, l->name, row, colno(l, c), key);
}

/* Sets key from the date cell of column c; an empty cell is unknown. */
static int set_date(const lens_reader *l, json_t *doc, const char *key, char **cells, size_t n, long row, enum col c,
                    err *e)
{
    char *v = cell(l, cells, n, c);
    int rc = 0;
    char iso[11];
    if (*v) {
        if (lens_date(v, iso) < 0) rc = bad_date(l, e, row, c, key, v);
        else
            set_str(doc, key, iso);
    }
    free(v);
    return rc;
}

/* Check character of a CN application number's n digits (12 or 8), as in
 * codes.h: sum(d_i * w_i) mod 11 with weights 2..9,2..5; 10 is X. */
static char cn_check_char(const char *d, size_t n)
{
    static const int w[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (size_t i = 0; i < n; i++) sum += (d[i] - '0') * w[i];
    sum %= 11;
    return sum == 10 ? 'X' : (char)('0' + sum);
}

/* "PCT/US2011/054157" from a Lens PCT application number (country and
 * digits): YYYY + 6-digit serial (Lens may zero-pad it to 7) or, before
 * 2004, YY + 5-digit serial.  Returns a heap string or NULL. */
static char *pct_number(const char *cc, const char *digits)
{
    size_t n = strlen(digits);
    if (!all_digits(digits, n)) return NULL;
    if (n == 11 && digits[4] == '0') return xasprintf("PCT/%s%.4s/%s", cc, digits, digits + 5);
    if (n == 10) return xasprintf("PCT/%s%.4s/%s", cc, digits, digits + 4);
    if (n == 7) return xasprintf("PCT/%s%.2s/%s", cc, digits, digits + 2);
    return NULL;
}

/* ---- one row ----------------------------------------------------------- */

/* A Lens number "CC NUMBER KIND" ("US 2015/0094896 A1", "TW M341273 U");
 * a date Lens sometimes appends ("DE 102014212746 A8 20150430") is
 * dropped.  Without a country token, two capital letters before a digit
 * ("EP0173280") are the country, else dflt_cc is. */
typedef struct lens_no {
    char cc[3];   /* "" when unknown */
    char kind[3]; /* "" when not given */
    buf num;      /* letters and digits of the number */
    char *raw;    /* the first number token as written ("2012/166170") */
} lens_no;

static void parse_number(const char *s, const char *dflt_cc, lens_no *out)
{
    char *copy = xstrdup(s);
    char *tok[8];
    size_t nt = tokens(copy, tok, 8), first = 0;
    memset(out, 0, sizeof *out);
    if (nt >= 4 && strlen(tok[nt - 1]) == 8 && all_digits(tok[nt - 1], 8)) nt--;
    if (nt >= 2 && is_country(tok[0])) {
        memcpy(out->cc, tok[0], 3);
        first = 1;
    }
    if (nt >= first + 2 && is_kind(tok[nt - 1])) {
        memcpy(out->kind, tok[nt - 1], strlen(tok[nt - 1]) + 1);
        nt--;
    }
    for (size_t i = first; i < nt; i++) add_alnum(&out->num, tok[i]);
    out->raw = xstrdup(nt > first ? tok[first] : "");
    const char *d = out->num.s;
    if (!out->cc[0] && d && d[0] >= 'A' && d[0] <= 'Z' && d[1] >= 'A' && d[1] <= 'Z' && d[2] >= '0' && d[2] <= '9') {
        memcpy(out->cc, d, 2);
        out->cc[2] = '\0';
        char *rest = xstrdup(d + 2);
        buf_reset(&out->num);
        buf_puts(&out->num, rest);
        free(rest);
        if (out->raw[0] && !strncmp(out->raw, out->cc, 2)) memmove(out->raw, out->raw + 2, strlen(out->raw + 2) + 1);
    }
    if (!out->cc[0] && is_country(dflt_cc)) memcpy(out->cc, dflt_cc, 3);
    free(copy);
}

static void lens_no_free(lens_no *x)
{
    buf_free(&x->num);
    free(x->raw);
}

/* Application number -> appno (and pct_app_no for PCT numbers, kind W). */
static int row_appno(const lens_reader *l, json_t *doc, char **cells, size_t n, long row, const char *juris, err *e)
{
    char *v = cell(l, cells, n, C_APPNO);
    lens_no x;
    parse_number(v, juris, &x);
    int rc = 0;
    buf b = BUF_INIT;
    if (!x.num.len) {
        err_set(e, STATUS_INVALID, "import.missing_field", "第 %ld 行缺少申请号", "Row %ld has no application number",
                row);
        rc = err_at(e, l->name, row, colno(l, C_APPNO), "appno");
    } else if (!strcmp(x.cc, "CN")) {
        /* Lens writes CN numbers without their check character. */
        if ((x.num.len == 12 || x.num.len == 8) && all_digits(x.num.s, x.num.len))
            buf_printf(&x.num, ".%c", cn_check_char(x.num.s, x.num.len));
        if (code_cn_appno(x.num.s, &b, e) < 0) rc = err_at(e, l->name, row, colno(l, C_APPNO), "appno");
        else
            set_str(doc, "appno", b.s);
    } else {
        buf_puts(&b, x.cc);
        buf_puts(&b, x.num.s);
        set_str(doc, "appno", b.s);
        if (x.cc[0] && !strcmp(x.kind, "W")) {
            char *pct = pct_number(x.cc, x.num.s);
            set_str(doc, "pct_app_no", pct);
            free(pct);
        }
    }
    buf_free(&b);
    lens_no_free(&x);
    free(v);
    return rc;
}

/* Publication Number -> pub_no (and pct_pub_no for WO publications);
 * returns the kind code found in it (heap, may be ""). */
static char *row_pubno(const lens_reader *l, json_t *doc, char **cells, size_t n, const char *juris)
{
    char *v = cell(l, cells, n, C_PUBNO);
    lens_no x;
    parse_number(v, juris, &x);
    if (x.num.len) {
        buf pub = BUF_INIT;
        buf_printf(&pub, "%s%s%s", x.cc, x.num.s, x.kind);
        set_str(doc, "pub_no", pub.s);
        buf_free(&pub);
        /* WO publications: the PCT publication number as usually written
         * ("WO2012/166170"). */
        if (!strcmp(x.cc, "WO")) {
            char *w = xasprintf("WO%s", x.raw);
            set_str(doc, "pct_pub_no", w);
            free(w);
        }
    }
    char *k = xstrdup(x.kind);
    lens_no_free(&x);
    free(v);
    return k;
}

/* Kind of right from the kind code (see lens.h):
 *   S*            design (US S1, CN S)
 *   U*, CN Y      utility model (CN U and, before 2010, Y; DE U1; TW U ...)
 *   anything else invention (A*, B*, C*, and GB D0, EP A3/A4 search
 *                 reports, T* translations, ...)
 * Lens' Type "Design Right" is a design too. */
static const char *lens_kind(const char *juris, const char *kind, const char *type)
{
    if (!strcasecmp(type, "Design Right") || kind[0] == 'S') return "design";
    if (kind[0] == 'U' || (!strcmp(juris, "CN") && kind[0] == 'Y')) return "utility";
    return "invention";
}

/* Whether the row is a granted right (see lens.h). */
static int lens_is_grant(const char *juris, const char *kind, const char *type)
{
    if (!strcasecmp(type, "Granted Patent")) return 1;
    if (kind[0] == 'B' || kind[0] == 'C') return 1;
    if (!strcmp(juris, "CN") && (kind[0] == 'U' || kind[0] == 'Y' || kind[0] == 'S')) return 1;
    if (!strcmp(juris, "US") && kind[0] == 'S') return 1;
    return 0;
}

/* "US 201314042670 A 20130930;;..." -> priorities: country, number (the
 * tokens between country and kind code, spaces dropped), date. */
static int row_priorities(const lens_reader *l, json_t *doc, char **cells, size_t n, long row, err *e)
{
    char *v = cell(l, cells, n, C_PRIO);
    char *items[256];
    size_t ni = split(v, items, 256);
    int rc = 0;
    for (size_t i = 0; i < ni && rc == 0; i++) {
        char *whole = xstrdup(items[i]);
        char *tok[8];
        size_t nt = tokens(items[i], tok, 8);
        size_t first = 0, last = nt; /* the number is tok[first..last) */
        json_t *o = json_object();
        if (nt >= 2 && is_country(tok[0])) {
            set_str(o, "country", tok[0]);
            first = 1;
        }
        char iso[16] = "";
        if (last > first + 1 && strlen(tok[last - 1]) == 8 && all_digits(tok[last - 1], 8)) {
            const char *d = tok[last - 1];
            long days;
            snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
            if (util_date_parse(iso, &days) < 0) rc = bad_date(l, e, row, C_PRIO, "priorities", whole);
            last--;
        }
        if (last > first + 1 && is_kind(tok[last - 1])) last--; /* A, P, W, U */
        buf num = BUF_INIT;
        for (size_t k = first; k < last; k++) buf_puts(&num, tok[k]);
        set_str(o, "number", num.s);
        buf_free(&num);
        if (rc == 0) set_str(o, "date", iso);
        if (rc == 0 && json_object_size(o)) {
            json_t *arr = json_object_get(doc, "priorities");
            if (!arr) {
                arr = json_array();
                json_object_set_new(doc, "priorities", arr);
            }
            json_array_append_new(arr, o);
        } else {
            json_decref(o);
        }
        free(whole);
    }
    free(v);
    return rc;
}

/* A ";;"-separated list of names -> array of strings, or of {"name"}. */
static void row_names(const lens_reader *l, json_t *doc, const char *key, char **cells, size_t n, enum col c,
                      int as_party)
{
    char *v = cell(l, cells, n, c);
    char *items[1024];
    size_t ni = split(v, items, 1024);
    if (ni) {
        json_t *arr = json_array();
        for (size_t i = 0; i < ni; i++) {
            if (as_party) {
                json_t *o = json_object();
                set_str(o, "name", items[i]);
                json_array_append_new(arr, o);
            } else {
                json_array_append_new(arr, json_string(items[i]));
            }
        }
        json_object_set_new(doc, key, arr);
    }
    free(v);
}

/* A ";;"-separated list of classification symbols -> normalised array
 * without duplicates. */
static void row_classes(const lens_reader *l, json_t *doc, const char *key, char **cells, size_t n, enum col c)
{
    char *v = cell(l, cells, n, c);
    char *items[1024];
    size_t ni = split(v, items, 1024);
    json_t *arr = json_array();
    buf b = BUF_INIT;
    for (size_t i = 0; i < ni; i++) {
        if (code_ipc_normalize(items[i], &b) < 0) continue;
        int dup = 0;
        size_t k;
        json_t *x;
        json_array_foreach(arr, k, x) if (!strcmp(json_string_value(x), b.s)) dup = 1;
        if (!dup) json_array_append_new(arr, json_string(b.s));
    }
    buf_free(&b);
    if (json_array_size(arr)) json_object_set_new(doc, key, arr);
    else
        json_decref(arr);
    free(v);
}

static int row_doc(lens_reader *l, char **cells, size_t n, long row, json_t **out, err *e)
{
    json_t *doc = json_object();
    char *juris = cell(l, cells, n, C_JURIS);
    char *type = cell(l, cells, n, C_TYPE);
    char *kind = NULL;
    int rc = -1;
    for (char *p = juris; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    if (is_country(juris)) set_str(doc, "country", juris);

    if (row_appno(l, doc, cells, n, row, juris, e) < 0) goto out;
    char *kcol = cell(l, cells, n, C_KIND);
    kind = row_pubno(l, doc, cells, n, juris);
    if (*kcol) { /* the Kind column wins over the kind in the number */
        free(kind);
        kind = kcol;
    } else {
        free(kcol);
    }
    set_str(doc, "kind", lens_kind(juris, kind, type));
    if (set_date(l, doc, "filing_date", cells, n, row, C_APPDATE, e) < 0) goto out;
    if (set_date(l, doc, "pub_date", cells, n, row, C_PUBDATE, e) < 0) goto out;
    if (lens_is_grant(juris, kind, type)) {
        json_t *no = json_object_get(doc, "pub_no"), *d = json_object_get(doc, "pub_date");
        if (no) json_object_set(doc, "grant_no", no);
        if (d) json_object_set(doc, "grant_date", d);
    }
    if (json_object_get(doc, "pct_pub_no") && json_object_get(doc, "pub_date"))
        json_object_set(doc, "pct_pub_date", json_object_get(doc, "pub_date"));

    char *title = cell(l, cells, n, C_TITLE);
    set_str(doc, "title", title);
    free(title);
    char *abs = cell(l, cells, n, C_ABSTRACT);
    set_str(doc, "abstract", abs);
    free(abs);
    row_names(l, doc, "applicants", cells, n, C_APPLICANTS, 1);
    row_names(l, doc, "inventors", cells, n, C_INVENTORS, 0);
    if (row_priorities(l, doc, cells, n, row, e) < 0) goto out;
    row_classes(l, doc, "ipc", cells, n, C_IPCR);
    row_classes(l, doc, "cpc", cells, n, C_CPC);
    char *fam = cell(l, cells, n, C_FAMILY);
    int64_t fs;
    if (*fam && util_parse_int64(fam, &fs) == 0 && fs >= 0)
        json_object_set_new(doc, "family_size", json_integer((json_int_t)fs));
    free(fam);
    set_str(doc, "source", "lens-csv");
    rc = 0;
out:
    free(juris);
    free(type);
    free(kind);
    if (rc < 0) {
        json_decref(doc);
        doc = NULL;
    }
    *out = doc;
    return rc;
}

/* ---- public API -------------------------------------------------------- */

int lens_sniff(char **cells, size_t n)
{
    long idx[C_COUNT];
    map_header(cells, n, idx);
    if (idx[C_LENSID] < 0) return 0;
    for (int c = 0; c < C_NREQUIRED; c++)
        if (idx[c] < 0) return 0;
    return 1;
}

int lens_open(tab_reader *r, const char *name, lens_reader **out, err *e)
{
    *out = NULL;
    char **cells = NULL;
    size_t n = 0;
    int got = tab_next(r, &cells, &n, e);
    if (got < 0) return -1;
    lens_reader *l = xcalloc(1, sizeof *l);
    l->r = r;
    l->name = xstrdup(name); /* NULL stays NULL: no err.file */
    map_header(cells, got ? n : 0, l->idx);
    buf zh = BUF_INIT, en = BUF_INIT;
    const char *first = NULL;
    for (int c = 0; c < C_NREQUIRED; c++) {
        if (l->idx[c] >= 0) continue;
        if (!first) first = col_names[c][0];
        buf_puts(&zh, zh.len ? "、" : "");
        buf_puts(&en, en.len ? ", " : "");
        buf_printf(&zh, "“%s”", col_names[c][0]);
        buf_printf(&en, "\"%s\"", col_names[c][0]);
    }
    if (first) {
        err_set(e, STATUS_INVALID, "import.missing_column", "%s 不是完整的 Lens 导出文件：缺少列 %s%.0s",
                "%s is not a complete Lens export: missing column(s) %.0s%s", l->name ? l->name : "", zh.s, en.s);
        err_at(e, l->name, got ? tab_row(r) : 0, 0, first);
        buf_free(&zh);
        buf_free(&en);
        lens_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

int lens_next(lens_reader *l, json_t **doc, long *row, err *e)
{
    *doc = NULL;
    if (row) *row = 0;
    if (l->done) return 0;
    char **cells;
    size_t n;
    int got = tab_next(l->r, &cells, &n, e);
    if (got <= 0) {
        l->done = 1;
        if (got < 0 && row) *row = e ? e->row : 0;
        return got;
    }
    long r = tab_row(l->r);
    if (row) *row = r;
    return row_doc(l, cells, n, r, doc, e) < 0 ? -1 : 1;
}

void lens_close(lens_reader *l)
{
    if (!l) return;
    free(l->name);
    free(l);
}
