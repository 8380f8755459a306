/*
 * tokenize.c - the backend-neutral half of search: the CJK-bigram / word
 * tokenizer and the translation of user text into a safe FTS5 MATCH
 * expression.  No SQLite here, so a PostgreSQL backend can reuse it.
 * See search.h for the rules.
 */
#include "search.h"

#include "../base/buf.h"
#include "../base/util.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Character classes. */
enum { C_END, C_SEP, C_WORD, C_MARK, C_CJK };

/* ASCII: letters and digits are word characters, the rest separators. */
static const unsigned char ascii_cls[128] = {
#define W_ C_WORD
#define S_ C_SEP
    S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, /* 00 */
    S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, /* 10 */
    S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, /* 20 */
    W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, S_, S_, S_, S_, S_, S_, /* 30 0-9 */
    S_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, /* 40 A-O */
    W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, S_, S_, S_, S_, S_, /* 50 P-Z */
    S_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, /* 60 a-o */
    W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, S_, S_, S_, S_, S_, /* 70 p-z */
#undef W_
#undef S_
};

int srch_is_cjk(uint32_t cp)
{
    if (cp < 0x1100) return 0;
    if (cp >= 0x4E00 && cp <= 0x9FFF) return 1; /* CJK Unified Ideographs */
    if (cp >= 0x3400 && cp <= 0x4DBF) return 1; /* Extension A */
    if (cp >= 0xAC00 && cp <= 0xD7FF) return 1; /* Hangul syllables, Jamo ext. B */
    if (cp >= 0x3040 && cp <= 0x30FF) return cp != 0x30FB && cp != 0x30A0 && cp != 0x3040; /* kana */
    if (cp >= 0x3005 && cp <= 0x3007) return 1;                                            /* 々 〆 〇 */
    if (cp <= 0x11FF) return 1;                                                            /* Hangul Jamo */
    if (cp >= 0x2E80 && cp <= 0x2FDF) return 1;                                            /* CJK / Kangxi radicals */
    if (cp >= 0x3131 && cp <= 0x318F) return 1;   /* Hangul compatibility Jamo */
    if (cp >= 0x31F0 && cp <= 0x31FF) return 1;   /* Katakana phonetic extensions */
    if (cp >= 0xA960 && cp <= 0xA97F) return 1;   /* Hangul Jamo extended A */
    if (cp >= 0xF900 && cp <= 0xFAFF) return 1;   /* CJK compatibility ideographs */
    if (cp >= 0xFF66 && cp <= 0xFFDC) return 1;   /* half-width katakana, hangul */
    if (cp >= 0x20000 && cp <= 0x323AF) return 1; /* Extensions B-H, compat. supplement */
    return 0;
}

/* Class of a non-ASCII code point. */
static int cls_of(uint32_t cp)
{
    if (cp < 0x100) return (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7) ? C_WORD : C_SEP; /* Latin-1 */
    if (cp < 0x250) return C_WORD;                                                    /* Latin Ext-A/B */
    if (cp >= 0x300 && cp < 0x370) return C_MARK;                                     /* combining */
    if (cp >= 0x370 && cp < 0x400)                                                    /* Greek */
        return (cp == 0x375 || cp == 0x37E || cp == 0x384 || cp == 0x385 || cp == 0x387) ? C_SEP : C_WORD;
    if (cp >= 0x400 && cp < 0x530) return (cp >= 0x482 && cp <= 0x489) ? C_SEP : C_WORD; /* Cyrillic */
    if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
        return C_WORD; /* full-width digits and letters */
    return srch_is_cjk(cp) ? C_CJK : C_SEP;
}

/* Simple case folding of a word character (non-ASCII). */
static uint32_t fold(uint32_t cp)
{
    if (cp >= 0xFF10) {
        if (cp <= 0xFF19) return cp - 0xFF10 + '0';
        if (cp <= 0xFF3A) return cp - 0xFF21 + 'a';
        return cp - 0xFF41 + 'a';
    }
    if (cp < 0x100) return (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ? cp + 0x20 : cp;
    if (cp < 0x180) { /* Latin Extended-A: alternating upper/lower pairs */
        if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
        if (cp == 0x178) return 0xFF;
        if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) return (cp & 1) ? cp + 1 : cp;
        return (cp & 1) ? cp : cp + 1;
    }
    if (cp >= 0x370 && cp < 0x400) { /* Greek */
        if ((cp >= 0x391 && cp <= 0x3A1) || (cp >= 0x3A3 && cp <= 0x3AB)) return cp + 0x20;
        if (cp == 0x386) return 0x3AC;
        if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
        if (cp == 0x38C) return 0x3CC;
        if (cp == 0x38E || cp == 0x38F) return cp + 63;
        if (cp == 0x3C2) return 0x3C3; /* final sigma */
        return cp;
    }
    if (cp >= 0x400 && cp < 0x530) { /* Cyrillic */
        if (cp < 0x410) return cp + 0x50;
        if (cp < 0x430) return cp + 0x20;
        if (cp < 0x460) return cp;
        if (cp == 0x4C0) return 0x4CF;
        if (cp >= 0x4C1 && cp <= 0x4CE) return (cp & 1) ? cp + 1 : cp;
        if (cp <= 0x481 || (cp >= 0x48A && cp <= 0x4BF) || (cp >= 0x4D0 && cp <= 0x52F)) return (cp & 1) ? cp : cp + 1;
        return cp;
    }
    return cp;
}

static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One decoded character: bytes [s, e), code point, class. */
typedef struct ch {
    const char *s, *e;
    uint32_t cp;
    int cls;
} ch;

static inline void next_ch(ch *c, const char *p, const char *end)
{
    c->s = p;
    if (p >= end) {
        c->e = p;
        c->cp = 0;
        c->cls = C_END;
        return;
    }
    unsigned char b = (unsigned char)*p;
    if (b < 0x80) {
        c->e = p + 1;
        c->cp = b;
        c->cls = ascii_cls[b];
        return;
    }
    const char *q = p;
    int32_t cp = util_utf8_next(&q, end);
    if (cp < 0) { /* invalid byte: a one-byte separator */
        c->e = p + 1;
        c->cp = 0xFFFD;
        c->cls = C_SEP;
        return;
    }
    c->e = q;
    c->cp = (uint32_t)cp;
    c->cls = cls_of((uint32_t)cp);
}

int srch_tokenize(const char *text, size_t n, int for_query, srch_emit_fn emit, void *ctx)
{
    if (!text || !n) return 0;
    if (n > INT_MAX) n = INT_MAX;
    const char *end = text + n;
    char wb[SRCH_MAX_TOKEN]; /* the folded word being built */
    int rc;
    ch c;
    next_ch(&c, text, end);
#define OFF(p) ((int)((p)-text))
    while (c.cls != C_END) {
        if (c.cls == C_CJK) {
            int runlen = 0;
            do {
                ch nx;
                next_ch(&nx, c.e, end);
                if (!for_query && (rc = emit(ctx, 0, c.s, (size_t)(c.e - c.s), OFF(c.s), OFF(c.e)))) return rc;
                if (nx.cls == C_CJK) {
                    /* bigram: the two characters are adjacent in the input */
                    rc = emit(ctx, for_query ? 0 : SRCH_COLOCATED, c.s, (size_t)(nx.e - c.s), OFF(c.s), OFF(nx.e));
                    if (rc) return rc;
                } else if (for_query && runlen == 0) {
                    /* a lone CJK character in a query: its unigram */
                    if ((rc = emit(ctx, 0, c.s, (size_t)(c.e - c.s), OFF(c.s), OFF(c.e)))) return rc;
                }
                runlen++;
                c = nx;
            } while (c.cls == C_CJK);
        } else if (c.cls == C_WORD) {
            size_t len = 0;
            int full = 0; /* set once a character did not fit: the rest is dropped */
            const char *ws = c.s, *we;
            do {
                if (!full) {
                    if (c.cp < 0x80) {
                        if (len + 1 <= sizeof wb) wb[len++] = (char)(c.cp >= 'A' && c.cp <= 'Z' ? c.cp | 0x20 : c.cp);
                        else
                            full = 1;
                    } else {
                        uint32_t f = c.cls == C_WORD ? fold(c.cp) : c.cp;
                        if (len + 4 <= sizeof wb) len += utf8_put(wb + len, f);
                        else
                            full = 1;
                    }
                }
                we = c.e;
                next_ch(&c, c.e, end);
            } while (c.cls == C_WORD || c.cls == C_MARK);
            if ((rc = emit(ctx, 0, wb, len, OFF(ws), OFF(we)))) return rc;
        } else {
            next_ch(&c, c.e, end);
        }
    }
#undef OFF
    return 0;
}

/* ---- user query -> parsed query -> MATCH expression / tsquery ---------- */

/* Tokens per term; a longer term is cut (the phrase then matches more). */
#define MAX_TERM_TOKENS 64

/* Collects the query tokens of one term. */
typedef struct qp_ctx {
    srch_phrase *ph;
    int last_word; /* the last token is a word (not CJK) */
    int last_end;  /* its end offset in the term */
} qp_ctx;

static int qp_emit(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    qp_ctx *m = ctx;
    (void)flags;
    (void)start;
    srch_phrase *ph = m->ph;
    if (ph->ntok >= MAX_TERM_TOKENS) return 1;
    if (!ph->tok) {
        ph->tok = xcalloc(MAX_TERM_TOKENS, sizeof *ph->tok);
        ph->len = xcalloc(MAX_TERM_TOKENS, sizeof *ph->len);
    }
    ph->tok[ph->ntok] = xstrndup(tok, len);
    ph->len[ph->ntok] = len;
    ph->ntok++;
    const char *p = tok;
    int32_t cp = util_utf8_next(&p, tok + len);
    int cjk = cp >= 0 && srch_is_cjk((uint32_t)cp);
    m->last_word = cp >= 0 && !cjk;
    ph->big = cjk && p < tok + len;
    m->last_end = end;
    return 0;
}

/* Length of the white space at s (ASCII, U+3000, U+00A0), 0 if none. */
static size_t white_at(const unsigned char *s)
{
    if (*s == ' ' || (*s >= '\t' && *s <= '\r')) return 1;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3;
    if (s[0] == 0xC2 && s[1] == 0xA0) return 2;
    return 0;
}

static void phrase_free(srch_phrase *ph)
{
    for (int i = 0; i < ph->ntok; i++) free(ph->tok[i]);
    free(ph->tok);
    free(ph->len);
    memset(ph, 0, sizeof *ph);
}

void srch_query_free(srch_query *q)
{
    if (!q) return;
    for (int i = 0; i < q->n; i++) phrase_free(&q->ph[i]);
    free(q->ph);
    free(q);
}

srch_query *srch_query_parse(const char *user_query)
{
    if (!user_query) return NULL;
    srch_query *q = xcalloc(1, sizeof *q);
    q->ph = xcalloc(SRCH_MAX_TERMS, sizeof *q->ph);
    const unsigned char *p = (const unsigned char *)user_query;
    while (*p && q->n < SRCH_MAX_TERMS) {
        size_t w = white_at(p);
        if (w) {
            p += w;
            continue;
        }
        const unsigned char *t = p;
        while (*p && !white_at(p)) p++;
        size_t tl = (size_t)(p - t);
        /* trailing stars: * or full-width ＊ (EF BC 8A) */
        int star = 0;
        for (;;) {
            if (tl >= 1 && t[tl - 1] == '*') {
                tl -= 1;
                star = 1;
            } else if (tl >= 3 && t[tl - 3] == 0xEF && t[tl - 2] == 0xBC && t[tl - 1] == 0x8A) {
                tl -= 3;
                star = 1;
            } else
                break;
        }
        srch_phrase *ph = &q->ph[q->n];
        qp_ctx m = {ph, 0, 0};
        srch_tokenize((const char *)t, tl, 1, qp_emit, &m);
        if (!ph->ntok) {
            phrase_free(ph);
            continue;
        }
        ph->prefix = star && m.last_word && (size_t)m.last_end == tl && ph->len[ph->ntok - 1] >= 2;
        q->n++;
    }
    if (!q->n) {
        srch_query_free(q);
        return NULL;
    }
    return q;
}

char *srch_query_match(const srch_query *q)
{
    buf out = BUF_INIT;
    for (int i = 0; i < q->n; i++) {
        const srch_phrase *ph = &q->ph[i];
        if (i) buf_puts(&out, " AND ");
        buf_putc(&out, '"');
        for (int k = 0; k < ph->ntok; k++) {
            if (k) buf_putc(&out, ' ');
            for (size_t j = 0; j < ph->len[k]; j++) {
                if (ph->tok[k][j] == '"') buf_putc(&out, '"'); /* cannot happen with these rules; kept for safety */
                buf_putc(&out, ph->tok[k][j]);
            }
        }
        buf_putc(&out, '"');
        if (ph->prefix) buf_puts(&out, " *");
    }
    return buf_detach(&out);
}

char *srch_match_expr(const char *user_query)
{
    srch_query *q = srch_query_parse(user_query);
    if (!q) return NULL;
    char *x = srch_query_match(q);
    srch_query_free(q);
    return x;
}

/* Appends tok[0..len) single-quoted for tsvector/tsquery input: ' doubled,
 * \ escaped (neither occurs in tokens today; kept for safety). */
static void ts_quote(buf *b, const char *tok, size_t len)
{
    buf_putc(b, '\'');
    for (size_t j = 0; j < len; j++) {
        if (tok[j] == '\'') buf_putc(b, '\'');
        else if (tok[j] == '\\')
            buf_putc(b, '\\');
        buf_putc(b, tok[j]);
    }
    buf_putc(b, '\'');
}

char *srch_query_tsquery(const srch_query *q, int phrase)
{
    buf out = BUF_INIT;
    for (int i = phrase < 0 ? 0 : phrase; i < (phrase < 0 ? q->n : phrase + 1) && i < q->n; i++) {
        const srch_phrase *ph = &q->ph[i];
        if (out.len) buf_puts(&out, " & ");
        if (q->n > 1 && phrase < 0) buf_putc(&out, '(');
        for (int k = 0; k < ph->ntok; k++) {
            if (k) buf_puts(&out, " <-> ");
            ts_quote(&out, ph->tok[k], ph->len[k]);
            if (ph->prefix && k == ph->ntok - 1) buf_puts(&out, ":*");
        }
        if (q->n > 1 && phrase < 0) buf_putc(&out, ')');
    }
    if (!out.s) buf_puts(&out, "");
    return buf_detach(&out);
}

int srch_phrase_overlaps(const srch_phrase *ph)
{
    for (int i = 0; i < ph->ntok; i++)
        for (int j = 0; j < ph->ntok; j++)
            if (i != j && ph->len[i] <= ph->len[j] && !memcmp(ph->tok[i], ph->tok[j], ph->len[i])) return 1;
    return 0;
}

/* ---- ranking -------------------------------------------------------------- */

double srch_bm25(const double *idf, const double *f, int n)
{
    const double k1 = 1.2;
    double score = 0;
    for (int i = 0; i < n; i++)
        if (f[i] > 0) score += idf[i] * f[i] * (k1 + 1) / (f[i] + k1);
    return score;
}

double srch_idf(int64_t nrow, int64_t nhit)
{
    double idf = log(((double)nrow - (double)nhit + 0.5) / ((double)nhit + 0.5));
    return idf > 1e-6 ? idf : 1e-6;
}

/* ---- documents -> tsvector literal ---------------------------------------- */

typedef struct tv_ctx {
    buf *b;
    int pos;     /* position of the last token */
    char weight; /* 'A'..'D' */
} tv_ctx;

static int tv_emit(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    (void)start;
    (void)end;
    tv_ctx *t = ctx;
    if (!(flags & SRCH_COLOCATED)) t->pos++;
    if (t->b->len) buf_putc(t->b, ' ');
    ts_quote(t->b, tok, len);
    buf_printf(t->b, ":%d%c", t->pos < SRCH_TSV_MAXPOS ? t->pos : SRCH_TSV_MAXPOS, t->weight);
    return 0;
}

char *srch_tsvector(const char *const *cols, const int *order, int ncols)
{
    buf out = BUF_INIT;
    tv_ctx t = {&out, 0, 'A'};
    for (int i = 0; i < ncols && i < 4; i++) {
        int c = order ? order[i] : i;
        if (c < 0 || c >= 4 || !cols[c] || !*cols[c]) continue;
        t.weight = "ABCD"[c];
        int before = t.pos;
        srch_tokenize(cols[c], strlen(cols[c]), 0, tv_emit, &t);
        if (t.pos > before) t.pos++; /* an unused position: no phrase spans two columns */
    }
    if (!out.s) buf_puts(&out, "");
    return buf_detach(&out);
}
