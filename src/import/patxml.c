/* patxml.c - CNIPA and USPTO patent XML to patent documents; see patxml.h.
 *
 * The file is parsed into a libxml2 tree (these are single documents of at
 * most a few MB) and the bibliographic elements are picked out by local
 * name, so namespace prefixes (base:, business:) do not matter.  Elements
 * are looked up by fixed paths; anything absent is simply left out of the
 * patent document.
 */
#include "patxml.h"

#include "../base/buf.h"
#include "../base/util.h"
#include "../domain/codes.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_INVALID 422
#define QUOTE_MAX 60 /* characters of file content echoed in a message */

typedef struct px {
    const char *name; /* file name for messages and err.file */
    json_t *doc;
    err *e;
} px;

/* Element names of a document identifier: ST.36 (old CNIPA, USPTO) and
 * the CNIPA business schema. */
typedef struct names {
    const char *docid, *country, *number, *kind, *date;
} names;

static const names ST36 = {"document-id", "country", "doc-number", "kind", "date"};
static const names CNV2 = {"DocumentID", "WIPOST3Code", "DocNumber", "Kind", "Date"};

/* ---- tree helpers ------------------------------------------------------ */

static int is_el(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, local);
}

/* First element child of n named local (any namespace), or NULL. */
static xmlNode *child(xmlNode *n, const char *local)
{
    if (!n) return NULL;
    for (xmlNode *c = n->children; c; c = c->next)
        if (is_el(c, local)) return c;
    return NULL;
}

/* Next sibling of n with the same name, or NULL. */
static xmlNode *sibling(xmlNode *n)
{
    for (xmlNode *c = n ? n->next : NULL; c; c = c->next)
        if (is_el(c, (const char *)n->name)) return c;
    return NULL;
}

/* Follows a '/'-separated path of local names from n, taking the first
 * match at each step. */
static xmlNode *path(xmlNode *n, const char *p)
{
    char seg[64];
    while (n && *p) {
        size_t k = strcspn(p, "/");
        if (k >= sizeof seg) return NULL;
        memcpy(seg, p, k);
        seg[k] = '\0';
        n = child(n, seg);
        p += k;
        if (*p == '/') p++;
    }
    return n;
}

static const char *attr(xmlNode *n, const char *name)
{
    if (!n) return NULL;
    for (xmlAttr *a = n->properties; a; a = a->next)
        if (!strcmp((const char *)a->name, name) && a->children &&
            a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    return NULL;
}

static long line_of(xmlNode *n) { return n ? xmlGetLineNo(n) : 0; }

/* Elements whose text is not part of a paragraph's plain text. */
static const char *const skip_in_text[] = {"bio-deposit", "figure", "img", "Figure",
                                           "Image", "AbstractFigure", NULL};

static void gather(xmlNode *n, buf *b)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content) buf_puts(b, (const char *)c->content);
        } else if (c->type == XML_ELEMENT_NODE) {
            int skip = 0;
            for (size_t i = 0; skip_in_text[i]; i++)
                if (!strcmp((const char *)c->name, skip_in_text[i])) skip = 1;
            if (!skip) gather(c, b);
        }
    }
}

/* The text under n as one line: runs of ASCII white space become one
 * space, leading/trailing (also ideographic) spaces go.  Returns a heap
 * string the caller frees, or NULL when n is NULL or the text is empty. */
static char *text(xmlNode *n)
{
    if (!n) return NULL;
    buf raw = BUF_INIT, out = BUF_INIT;
    gather(n, &raw);
    const char *s = buf_cstr(&raw);
    int space = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            space = 1;
            continue;
        }
        if (space && out.len) buf_putc(&out, ' ');
        space = 0;
        buf_putc(&out, *s);
    }
    buf_free(&raw);
    char *r = buf_detach(&out);
    if (r) util_trim(r);
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    return r;
}

/* text() of the path p under n. */
static char *text_at(xmlNode *n, const char *p) { return text(path(n, p)); }

/* ---- document helpers -------------------------------------------------- */

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v) json_object_set_new(o, key, json_string(v));
}

/* Sets key to the text of node n (nothing when empty). */
static void set_text(json_t *o, const char *key, xmlNode *n)
{
    char *t = text(n);
    set_str(o, key, t);
    free(t);
}

/* The array at key, created when missing. */
static json_t *array_at(json_t *o, const char *key)
{
    json_t *a = json_object_get(o, key);
    if (!a) {
        a = json_array();
        json_object_set_new(o, key, a);
    }
    return a;
}

static void add_unique(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (!strcmp(json_string_value(v), s)) return;
    json_array_append_new(arr, json_string(s));
}

/* Normalises a classification symbol and adds it to the list at key.
 * Symbols that are not IPC/CPC-shaped are left out. */
static void add_class(json_t *doc, const char *key, const char *raw)
{
    buf b = BUF_INIT;
    if (raw && code_ipc_normalize(raw, &b) == 0) add_unique(array_at(doc, key), b.s);
    buf_free(&b);
}

/* A country code as the files give it: two capital letters; anything
 * else ("omitted", "unknown", the business schema's "0") is unknown. */
static int country_ok(const char *s)
{
    return s && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/* Lower-cases an ASCII language code in place. */
static void lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

/* Appends s for a message, cut after QUOTE_MAX characters; bytes that are
 * not UTF-8 (libxml2 cuts the input it quotes inside a character) are
 * written as \xNN, so that the message stays valid UTF-8. */
static void quote(buf *b, const char *s)
{
    const char *p = s, *end = s + strlen(s);
    size_t chars = 0;
    while (p < end && chars < QUOTE_MAX) {
        const char *q = p;
        if (util_utf8_next(&q, end) < 0) {
            buf_printf(b, "\\x%02X", (unsigned char)*p);
            q = p + 1;
        } else
            buf_add(b, p, (size_t)(q - p));
        p = q;
        chars++;
    }
    if (p < end) buf_puts(b, "...");
}

/* Sets key to the date in node n ("20141224" or "2014-12-24" becomes
 * "2014-12-24").  Empty and all-zero dates are unknown and left out.
 * Returns 0, or -1 with p->e filled for anything else. */
static int set_date(px *p, json_t *o, const char *key, xmlNode *n)
{
    char *t = text(n);
    if (!t || strspn(t, "0") == strlen(t)) {
        free(t);
        return 0;
    }
    char iso[16];
    long days;
    int ok = 0;
    if (strlen(t) == 8 && strspn(t, "0123456789") == 8) {
        snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", t, t + 4, t + 6);
        ok = util_date_parse(iso, &days) == 0;
    } else if (strlen(t) == 10 && util_date_parse(t, &days) == 0) {
        memcpy(iso, t, 11);
        ok = 1;
    }
    if (ok) {
        json_object_set_new(o, key, json_string(iso));
        free(t);
        return 0;
    }
    buf q = BUF_INIT;
    quote(&q, t);
    err_set(p->e, STATUS_INVALID, "validation.date",
            "%s 第 %ld 行的日期 %s 无效：应为 YYYYMMDD 格式的有效日期，实际为 '%s'",
            "%s line %ld: date %s is invalid: expected a valid date written YYYYMMDD, "
            "got '%s'",
            p->name, line_of(n), key, buf_cstr(&q));
    buf_free(&q);
    free(t);
    return err_at(p->e, p->name, line_of(n), 0, key);
}

/* {"name", "address", "country"}; NULL when there is no name. */
static json_t *party(const char *name, const char *address, const char *country)
{
    if (!name || !*name) return NULL;
    json_t *o = json_object();
    set_str(o, "name", name);
    if (address && strcmp(address, "0")) set_str(o, "address", address);
    if (country_ok(country)) set_str(o, "country", country);
    return o;
}

static void add_party(json_t *doc, const char *key, json_t *party_obj)
{
    if (party_obj) json_array_append_new(array_at(doc, key), party_obj);
}

/* The number of a publication without leading zeros after its letter
 * prefix, if any ("08926509" -> "8926509", "D0512345" -> "D512345"). */
static void strip_zeros(buf *b, const char *num)
{
    size_t k = 0;
    while (num[k] >= 'A' && num[k] <= 'Z') k++;
    buf_add(b, num, k);
    const char *d = num + k;
    while (*d == '0' && d[1]) d++;
    buf_puts(b, d);
}

/* Appends the letters and digits of s (separators dropped). */
static void add_alnum(buf *b, const char *s)
{
    for (; *s; s++)
        if ((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
            buf_putc(b, *s);
}

/* ---- pieces shared by the schemas ---------------------------------------- */

/* Element names of a classification given in parts: section, class,
 * subclass, main group, subgroup. */
static const char *const US_PARTS[5] = {"section", "class", "subclass", "main-group", "subgroup"};
static const char *const CNV2_PARTS[5] = {"Section", "MainClass", "Subclass", "MainGroup",
                                          "Subgroup"};

/* Adds the classification given in parts under c (nothing when one is
 * missing or the symbol is not IPC/CPC-shaped). */
static void add_class_parts(json_t *doc, const char *key, xmlNode *c, const char *const el[5])
{
    if (!c) return;
    char *v[5];
    int all = 1;
    for (int i = 0; i < 5; i++) {
        v[i] = text(child(c, el[i]));
        if (!v[i]) all = 0;
    }
    if (all) {
        char *t = xasprintf("%s%s%s %s/%s", v[0], v[1], v[2], v[3], v[4]);
        add_class(doc, key, t);
        free(t);
    }
    for (int i = 0; i < 5; i++) free(v[i]);
}

/* Publication (document-id) -> pub_no, pub_date; and grant_no,
 * grant_date when is_grant(kind). */
static int set_publication(px *p, xmlNode *docid, const names *nm, const char *dflt_country,
                           int (*is_grant)(const char *kind))
{
    if (!docid) return 0;
    char *country = text(child(docid, nm->country));
    char *num = text(child(docid, nm->number));
    char *kind = text(child(docid, nm->kind));
    const char *cc = country_ok(country) ? country : dflt_country;
    int grant = is_grant(kind ? kind : "");
    if (num) {
        buf b = BUF_INIT;
        buf_puts(&b, cc);
        strip_zeros(&b, num);
        if (kind) buf_puts(&b, kind);
        set_str(p->doc, "pub_no", b.s);
        if (grant) set_str(p->doc, "grant_no", b.s);
        buf_free(&b);
    }
    free(country);
    free(num);
    free(kind);
    xmlNode *date = child(docid, nm->date);
    if (set_date(p, p->doc, "pub_date", date) < 0) return -1;
    if (grant && set_date(p, p->doc, "grant_date", date) < 0) return -1;
    return 0;
}

/* Sets appno from a number given in the file, and kind (when not yet set)
 * from a CN number's type digit.  CN numbers go through code_cn_appno;
 * others become country + letters and digits. */
static int set_appno(px *p, const char *country, xmlNode *numnode)
{
    char *num = text(numnode);
    if (!num) return 0;
    int rc = 0;
    buf b = BUF_INIT;
    if (!strcmp(country, "CN")) {
        if (code_cn_appno(num, &b, p->e) < 0) {
            rc = err_at(p->e, p->name, line_of(numnode), 0, "appno");
        } else {
            set_str(p->doc, "appno", b.s);
            static const char *const kinds[] = {NULL, "invention", "utility", "design"};
            int t = code_cn_appno_type(b.s);
            if (t && !json_object_get(p->doc, "kind")) set_str(p->doc, "kind", kinds[t]);
        }
    } else {
        buf_puts(&b, country);
        add_alnum(&b, num);
        set_str(p->doc, "appno", b.s);
    }
    buf_free(&b);
    free(num);
    return rc;
}

/* A priority claim {"country", "number", "date"} from the children of n. */
static int add_priority(px *p, xmlNode *n, const names *nm)
{
    char *country = text(child(n, nm->country));
    char *num = text(child(n, nm->number));
    json_t *o = json_object();
    if (country_ok(country)) set_str(o, "country", country);
    set_str(o, "number", num);
    free(country);
    free(num);
    if (set_date(p, o, "date", child(n, nm->date)) < 0) {
        json_decref(o);
        return -1;
    }
    if (json_object_size(o))
        json_array_append_new(array_at(p->doc, "priorities"), o);
    else
        json_decref(o);
    return 0;
}

/* PCT filing and publishing data (document-id elements). */
static int set_pct(px *p, xmlNode *filing, xmlNode *publishing, const names *nm)
{
    set_text(p->doc, "pct_app_no", child(filing, nm->number));
    if (!publishing) return 0;
    char *country = text(child(publishing, nm->country));
    char *num = text(child(publishing, nm->number));
    if (num) {
        buf b = BUF_INIT;
        /* "2014/157990" with country WO -> "WO2014/157990"; a number that
         * already starts with its country is kept. */
        if (!(num[0] >= 'A' && num[0] <= 'Z')) buf_puts(&b, country_ok(country) ? country : "WO");
        buf_puts(&b, num);
        set_str(p->doc, "pct_pub_no", b.s);
        buf_free(&b);
    }
    free(country);
    free(num);
    return set_date(p, p->doc, "pct_pub_date", child(publishing, nm->date));
}

/* Abstract: the paragraphs named para under abs, trimmed, joined with
 * "\n"; the whole text when there are no such paragraphs. */
static void set_abstract(json_t *doc, xmlNode *abs, const char *para)
{
    if (!abs) return;
    buf b = BUF_INIT;
    int any = 0;
    for (xmlNode *c = child(abs, para); c; c = sibling(c)) {
        any = 1;
        char *t = text(c);
        if (t) {
            if (b.len) buf_putc(&b, '\n');
            buf_puts(&b, t);
        }
        free(t);
    }
    if (!any) {
        set_text(doc, "abstract", abs);
    } else {
        set_str(doc, "abstract", b.s);
    }
    buf_free(&b);
}

static void set_lang(json_t *doc, const char *given, const char *dflt)
{
    char *l = xstrdup(given && *given ? given : dflt);
    util_trim(l);
    lower(l);
    set_str(doc, "lang", l);
    free(l);
}

/* ---- CNIPA: kinds ------------------------------------------------------ */

/* A CN publication of kind B or C (invention grant), U or Y (utility
 * model), S (design) is a grant; A is the unexamined application. */
static int cn_is_grant(const char *kind) { return kind[0] && strchr("BCUYS", kind[0]) != NULL; }

/* Kind from the old schema's appl-type ("发明专利", "实用新型", "外观设计"). */
static const char *cn_kind_from_label(const char *t)
{
    if (!t) return NULL;
    if (strstr(t, "发明")) return "invention";
    if (strstr(t, "实用新型")) return "utility";
    if (strstr(t, "外观设计")) return "design";
    return NULL;
}

/* Kind from the business schema's applType: 10 invention, 11 PCT
 * invention (the only codes seen in real files, see codes.c); other codes
 * leave the kind to the application number's type digit. */
static const char *cn_kind_from_code(const char *t)
{
    if (!t) return NULL;
    if (!strcmp(t, "10") || !strcmp(t, "11")) return "invention";
    return NULL;
}

/* ---- CNIPA old schema: cn-patent-document ------------------------------- */

static void cn_old_parties(px *p, xmlNode *list, const char *item, const char *key)
{
    for (xmlNode *a = child(list, item); a; a = sibling(a)) {
        xmlNode *ab = child(a, "addressbook");
        if (!ab) ab = a;
        char *name = text_at(ab, "name");
        if (!name) name = text_at(ab, "orgname");
        char *addr = text_at(ab, "address/text");
        char *country = text_at(ab, "address/country");
        add_party(p->doc, key, party(name, addr, country));
        free(name);
        free(addr);
        free(country);
    }
}

static int parse_cn_old(px *p, xmlNode *root)
{
    json_t *d = p->doc;
    xmlNode *bib = child(root, "cn-bibliographic-data");
    set_str(d, "country", "CN");
    /* Every CNIPA publication is in Chinese; cn_old3.xml has no lang. */
    set_lang(d, attr(root, "lang"), "zh");

    xmlNode *app = child(bib, "application-reference");
    set_str(d, "kind", cn_kind_from_label(attr(app, "appl-type")));
    xmlNode *appdoc = child(app, "document-id");
    if (set_appno(p, "CN", child(appdoc, "doc-number")) < 0) return -1;
    if (set_date(p, d, "filing_date", child(appdoc, "date")) < 0) return -1;
    if (set_publication(p, path(bib, "cn-publication-reference/document-id"), &ST36, "CN",
                        cn_is_grant) < 0)
        return -1;

    for (xmlNode *c = path(bib, "priority-claims/priority-claim"); c; c = sibling(c))
        if (add_priority(p, c, &ST36) < 0) return -1;
    for (xmlNode *c = path(bib, "classifications-ipcr/classification-ipcr"); c; c = sibling(c)) {
        char *t = text_at(c, "text");
        add_class(d, "ipc", t);
        free(t);
    }
    set_text(d, "title", child(bib, "invention-title"));
    set_abstract(d, child(bib, "abstract"), "p");

    xmlNode *parties = child(bib, "cn-parties");
    cn_old_parties(p, child(parties, "cn-applicants"), "cn-applicant", "applicants");
    /* Grant publications are expected to list 专利权人 as cn-patentees (no
     * sample file has one); otherwise a grant's applicants are its
     * patentees. */
    cn_old_parties(p, child(parties, "cn-patentees"), "cn-patentee", "patentees");
    for (xmlNode *c = path(parties, "cn-inventors/cn-inventor"); c; c = sibling(c)) {
        char *name = text_at(c, "name");
        if (!name) name = text_at(c, "addressbook/name");
        if (name) json_array_append_new(array_at(d, "inventors"), json_string(name));
        free(name);
    }
    return set_pct(p, path(bib, "pct-or-regional-filing-data/document-id"),
                   path(bib, "pct-or-regional-publishing-data/document-id"), &ST36);
}

/* ---- CNIPA business schema V2.2.1: PatentDocumentAndRelated ------------ */

/* The first child named local whose dataFormat is "original", else the
 * first one without dataFormat="standard", else the first. */
static xmlNode *original(xmlNode *n, const char *local)
{
    xmlNode *first = child(n, local), *plain = NULL;
    for (xmlNode *c = first; c; c = sibling(c)) {
        const char *f = attr(c, "dataFormat");
        if (f && !strcmp(f, "original")) return c;
        if (!plain && !(f && !strcmp(f, "standard"))) plain = c;
    }
    return plain ? plain : first;
}

static void cn_v2_party(px *p, xmlNode *a, const char *key)
{
    xmlNode *ab = child(a, "AddressBook");
    char *name = text_at(ab, "Name");
    if (!name) name = text_at(ab, "OrganizationName");
    char *addr = text_at(ab, "Address/Text");
    char *country = text_at(ab, "Address/WIPOST3Code");
    add_party(p->doc, key, party(name, addr, country));
    free(name);
    free(addr);
    free(country);
}

static int parse_cn_v2(px *p, xmlNode *root)
{
    json_t *d = p->doc;
    xmlNode *bib = child(root, "BibliographicData");
    set_str(d, "country", "CN");
    set_lang(d, attr(root, "lang"), "zh");

    xmlNode *app = original(bib, "ApplicationReference");
    set_str(d, "kind", cn_kind_from_code(attr(app, "applType")));
    xmlNode *appdoc = child(app, "DocumentID");
    if (set_appno(p, "CN", child(appdoc, "DocNumber")) < 0) return -1;
    if (set_date(p, d, "filing_date", child(appdoc, "Date")) < 0) return -1;
    if (set_publication(p, child(original(bib, "PublicationReference"), "DocumentID"), &CNV2,
                        "CN", cn_is_grant) < 0)
        return -1;

    /* Priorities come twice, as given (dataFormat="original") and in the
     * 15-digit standard form; the original ones are kept. */
    xmlNode *pd = child(bib, "PriorityDetails");
    int originals = 0;
    for (xmlNode *c = child(pd, "Priority"); c; c = sibling(c)) {
        const char *f = attr(c, "dataFormat");
        if (f && !strcmp(f, "original")) originals++;
    }
    for (xmlNode *c = child(pd, "Priority"); c; c = sibling(c)) {
        const char *f = attr(c, "dataFormat");
        if (originals && !(f && !strcmp(f, "original"))) continue;
        if (add_priority(p, c, &CNV2) < 0) return -1;
    }

    for (xmlNode *c = path(bib, "ClassificationIPCRDetails/ClassificationIPCR"); c;
         c = sibling(c)) {
        char *t = text_at(c, "Text");
        if (t)
            add_class(d, "ipc", t);
        else
            add_class_parts(d, "ipc", c, CNV2_PARTS);
        free(t);
    }
    set_text(d, "title", original(bib, "InventionTitle"));
    set_abstract(d, original(root, "Abstract"), "Paragraphs");

    xmlNode *parties = child(bib, "Parties");
    /* Applicants; an Applicant whose appType names the patentee, or a
     * PatenteeDetails list (the grant form, no sample file has one), gives
     * the 专利权人. */
    for (xmlNode *a = path(parties, "ApplicantDetails/Applicant"); a; a = sibling(a)) {
        const char *t = attr(a, "appType");
        cn_v2_party(p, a, t && strstr(t, "patentee") ? "patentees" : "applicants");
    }
    for (xmlNode *a = path(parties, "PatenteeDetails/Patentee"); a; a = sibling(a))
        cn_v2_party(p, a, "patentees");
    for (xmlNode *c = path(parties, "InventorDetails/Inventor"); c; c = sibling(c)) {
        char *name = text_at(c, "AddressBook/Name");
        if (name) json_array_append_new(array_at(d, "inventors"), json_string(name));
        free(name);
    }
    return set_pct(p, path(bib, "PCTOrRegionalApplicationData/DocumentID"),
                   path(bib, "PCTOrRegionalPublishingData/DocumentID"), &CNV2);
}

/* ---- USPTO grant red book: us-patent-grant ------------------------------ */

static int us_is_grant(const char *kind)
{
    (void)kind;
    return 1; /* every us-patent-grant publication is the grant */
}

/* Name of a USPTO addressbook: orgname, else "first-name last-name". */
static char *us_name(xmlNode *ab)
{
    char *org = text_at(ab, "orgname");
    if (org) return org;
    char *first = text_at(ab, "first-name"), *last = text_at(ab, "last-name");
    buf b = BUF_INIT;
    if (first) buf_puts(&b, first);
    if (first && last) buf_putc(&b, ' ');
    if (last) buf_puts(&b, last);
    if (!first && !last) {
        char *n = text_at(ab, "name");
        if (n) buf_puts(&b, n);
        free(n);
    }
    free(first);
    free(last);
    return buf_detach(&b);
}

/* A USPTO address as one line: street, city, state, postcode joined
 * with ", "; the country goes into the party's country. */
static char *us_address(xmlNode *addr)
{
    static const char *const parts[] = {"address-1", "address-2", "street", "city",
                                        "state",     "postcode",  NULL};
    buf b = BUF_INIT;
    for (size_t i = 0; parts[i]; i++) {
        char *t = text_at(addr, parts[i]);
        if (t) {
            if (b.len) buf_puts(&b, ", ");
            buf_puts(&b, t);
        }
        free(t);
    }
    return buf_detach(&b);
}

static void us_party(px *p, xmlNode *a, const char *key)
{
    xmlNode *ab = child(a, "addressbook");
    if (!ab) ab = a; /* older DTDs put orgname etc. directly in assignee */
    char *name = us_name(ab);
    char *addr = us_address(child(ab, "address"));
    char *country = text_at(ab, "address/country");
    add_party(p->doc, key, party(name, addr, country));
    free(name);
    free(addr);
    free(country);
}

static void us_add_inventor(px *p, xmlNode *a)
{
    xmlNode *ab = child(a, "addressbook");
    char *name = us_name(ab ? ab : a);
    if (name && *name) json_array_append_new(array_at(p->doc, "inventors"), json_string(name));
    free(name);
}

/* Kind from appl-type: "design" -> design; utility, plant, reissue and
 * statutory invention registrations -> invention (USPTO has no utility
 * model). */
static const char *us_kind(const char *t)
{
    if (!t) return NULL;
    if (!strcmp(t, "design")) return "design";
    return "invention";
}

static int parse_us(px *p, xmlNode *root)
{
    json_t *d = p->doc;
    xmlNode *bib = child(root, "us-bibliographic-data-grant");
    set_str(d, "country", "US");
    set_lang(d, attr(root, "lang"), "en");

    xmlNode *app = child(bib, "application-reference");
    set_str(d, "kind", us_kind(attr(app, "appl-type")));
    xmlNode *appdoc = child(app, "document-id");
    char *cc = text_at(appdoc, "country");
    int rc = set_appno(p, country_ok(cc) ? cc : "US", child(appdoc, "doc-number"));
    free(cc);
    if (rc < 0) return -1;
    if (set_date(p, d, "filing_date", child(appdoc, "date")) < 0) return -1;
    if (set_publication(p, path(bib, "publication-reference/document-id"), &ST36, "US",
                        us_is_grant) < 0)
        return -1;

    for (xmlNode *c = path(bib, "priority-claims/priority-claim"); c; c = sibling(c))
        if (add_priority(p, c, &ST36) < 0) return -1;

    for (xmlNode *c = path(bib, "classifications-ipcr/classification-ipcr"); c; c = sibling(c))
        add_class_parts(d, "ipc", c, US_PARTS);
    /* CPC: main-cpc, further-cpc and the symbols of their combination
     * sets, in document order. */
    xmlNode *cpc = child(bib, "classifications-cpc");
    for (xmlNode *grp = cpc ? cpc->children : NULL; grp; grp = grp->next) {
        if (grp->type != XML_ELEMENT_NODE) continue;
        for (xmlNode *c = grp->children; c; c = c->next) {
            if (is_el(c, "classification-cpc")) add_class_parts(d, "cpc", c, US_PARTS);
            if (!is_el(c, "combination-set")) continue;
            for (xmlNode *r = child(c, "combination-rank"); r; r = sibling(r))
                add_class_parts(d, "cpc", child(r, "classification-cpc"), US_PARTS);
        }
    }

    set_text(d, "title", child(bib, "invention-title"));
    set_abstract(d, child(root, "abstract"), "p");

    /* Parties: us-parties (DTD v4.3 and later) or parties (v4.0-v4.2). */
    xmlNode *parties = child(bib, "us-parties");
    if (!parties) parties = child(bib, "parties");
    xmlNode *apps = child(parties, "us-applicants");
    const char *one = "us-applicant";
    if (!apps) {
        apps = child(parties, "applicants");
        one = "applicant";
    }
    for (xmlNode *a = child(apps, one); a; a = sibling(a)) us_party(p, a, "applicants");
    xmlNode *invs = child(parties, "inventors");
    if (!invs) invs = child(parties, "us-inventors");
    if (invs) {
        for (xmlNode *c = invs->children; c; c = c->next)
            if (is_el(c, "inventor") || is_el(c, "us-inventor")) us_add_inventor(p, c);
    } else {
        /* Before DTD v4.3 the inventors are the applicants of app-type
         * "applicant-inventor". */
        for (xmlNode *a = child(apps, one); a; a = sibling(a)) {
            const char *t = attr(a, "app-type");
            if (t && strstr(t, "inventor")) us_add_inventor(p, a);
        }
    }
    xmlNode *asg = child(bib, "assignees");
    if (!asg) asg = child(parties, "assignees");
    for (xmlNode *a = child(asg, "assignee"); a; a = sibling(a)) us_party(p, a, "patentees");

    return set_pct(p, path(bib, "pct-or-regional-filing-data/document-id"),
                   path(bib, "pct-or-regional-publishing-data/document-id"), &ST36);
}

/* ---- entry points ------------------------------------------------------ */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void init_xml(void) { xmlInitParser(); }

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* The root element's name as written ("prefix:name"), cut for messages. */
static char *root_label(xmlNode *root)
{
    buf b = BUF_INIT, q = BUF_INIT;
    if (root->ns && root->ns->prefix) {
        buf_puts(&b, (const char *)root->ns->prefix);
        buf_putc(&b, ':');
    }
    buf_puts(&b, (const char *)root->name);
    quote(&q, b.s);
    buf_free(&b);
    return buf_detach(&q);
}

/* The first fatal error libxml2 reports (else the first error): the
 * root cause, where the last one is often only "Premature end of data". */
typedef struct first_err {
    int level;
    long line;
    char *msg;
} first_err;

static void on_xml_error(void *ctx, xmlErrorPtr xe)
{
    xmlParserCtxtPtr ctxt = ctx;
    first_err *f = ctxt ? ctxt->_private : NULL;
    if (!f || !xe || xe->level < XML_ERR_ERROR) return;
    if (f->msg && (f->level == XML_ERR_FATAL || xe->level != XML_ERR_FATAL)) return;
    free(f->msg);
    f->level = xe->level;
    f->line = xe->line;
    f->msg = xstrdup(xe->message ? xe->message : "");
}

static int syntax_error(err *e, const char *name, const first_err *f)
{
    long line = f->msg ? f->line : 0;
    buf m = BUF_INIT;
    if (f->msg && *f->msg) {
        char *s = xstrdup(f->msg);
        util_trim(s);
        quote(&m, s);
        free(s);
    } else {
        buf_puts(&m, "not well-formed");
    }
    if (line > 0)
        err_set(e, STATUS_INVALID, "import.xml_syntax", "XML 格式错误（%s 第 %ld 行）：%s",
                "Malformed XML (%s line %ld): %s", name, line, buf_cstr(&m));
    else
        err_set(e, STATUS_INVALID, "import.xml_syntax", "XML 格式错误（%s）：%s",
                "Malformed XML (%s): %s", name, buf_cstr(&m));
    buf_free(&m);
    return err_at(e, name, line, 0, NULL);
}

int patxml_parse_mem(const char *name, const char *data, size_t n, json_t **doc, err *e)
{
    *doc = NULL;
    if (!name) name = "XML";
    if (n > INT_MAX) {
        err_set(e, STATUS_INVALID, "import.too_large", "文件 %s 过大（%zu 字节）",
                "The file %s is too large (%zu bytes)", name, n);
        return err_at(e, name, 0, 0, NULL);
    }
    pthread_once(&xml_once, init_xml);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        err_set(e, 500, "import.xml", "无法创建 XML 解析器", "Cannot create an XML parser");
        return err_at(e, name, 0, 0, NULL);
    }
    /* No network, no external DTD (the USPTO DOCTYPE names one that is not
     * here), no entity expansion from it, errors collected not printed. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;
    first_err fe = {0, 0, NULL};
    ctxt->_private = &fe;
    ctxt->sax->serror = on_xml_error;
    xmlDocPtr x = xmlCtxtReadMemory(ctxt, data, (int)n, NULL, NULL, opts);
    if (!x) {
        syntax_error(e, name, &fe);
        free(fe.msg);
        xmlFreeParserCtxt(ctxt);
        return -1;
    }
    xmlNode *root = xmlDocGetRootElement(x);
    px p = {name, json_object(), e};
    int rc;
    if (!root) {
        rc = syntax_error(e, name, &fe);
    } else if (is_el(root, "cn-patent-document")) {
        set_str(p.doc, "source", "cnipa-xml");
        rc = parse_cn_old(&p, root);
    } else if (is_el(root, "PatentDocumentAndRelated")) {
        set_str(p.doc, "source", "cnipa-xml-v2");
        rc = parse_cn_v2(&p, root);
    } else if (is_el(root, "us-patent-grant")) {
        set_str(p.doc, "source", "uspto-xml");
        rc = parse_us(&p, root);
    } else {
        char *label = root_label(root);
        err_set(e, STATUS_INVALID, "import.unknown_xml",
                "无法识别的 XML 文档 %s：根元素为 <%s>，应为 <cn-patent-document>、"
                "<business:PatentDocumentAndRelated> 或 <us-patent-grant>",
                "Unrecognised XML document %s: the root element is <%s>, expected "
                "<cn-patent-document>, <business:PatentDocumentAndRelated> or "
                "<us-patent-grant>",
                name, label);
        free(label);
        rc = err_at(e, name, line_of(root), 0, NULL);
    }
    if (rc == 0 && !json_object_get(p.doc, "appno")) {
        err_set(e, STATUS_INVALID, "import.missing_field", "%s 中缺少申请号",
                "%s has no application number", name);
        rc = err_at(e, name, 0, 0, "appno");
    }
    /* A grant without a separate list of patentees: its applicants are
     * the patentees (专利权人) at the time of grant. */
    if (rc == 0 && json_object_get(p.doc, "grant_no") && !json_object_get(p.doc, "patentees") &&
        json_object_get(p.doc, "applicants") &&
        strcmp(json_string_value(json_object_get(p.doc, "source")), "uspto-xml"))
        json_object_set(p.doc, "patentees", json_object_get(p.doc, "applicants"));
    xmlFreeDoc(x);
    free(fe.msg);
    xmlFreeParserCtxt(ctxt);
    if (rc < 0) {
        json_decref(p.doc);
        return -1;
    }
    *doc = p.doc;
    return 0;
}

int patxml_parse_file(const char *path, json_t **doc, err *e)
{
    *doc = NULL;
    const char *name = base_name(path);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int en = errno;
        err_set(e, 500, "import.io", "无法打开文件 %s：%s", "Cannot open the file %s: %s", name,
                strerror(en));
        return err_at(e, name, 0, 0, NULL);
    }
    buf b = BUF_INIT;
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(&b, chunk, k);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        buf_free(&b);
        err_set(e, 500, "import.io", "读取文件 %s 失败", "Cannot read the file %s", name);
        return err_at(e, name, 0, 0, NULL);
    }
    int rc = patxml_parse_mem(name, b.s ? b.s : "", b.len, doc, e);
    buf_free(&b);
    return rc;
}
