/*
 * snippet.c - highlighting and snippets for every backend (see search.h,
 * srch_col_*).  SQLite's cjk_highlight()/cjk_snippet() feed it the
 * instances FTS5 reports (xInst); the PostgreSQL search finds them with
 * srch_col_match() from the parsed query.  Either way the same code
 * chooses the window and writes the marks, so both backends give the same
 * text.
 */
#include "search.h"

#include "../base/util.h"

#include <stdlib.h>
#include <string.h>

/* Appends one position (colocated tokens share the previous one). */
static int col_tok_cb(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    (void)tok;
    (void)len;
    srch_col *c = ctx;
    if (flags & SRCH_COLOCATED) return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
    }
    if (start < 0) start = 0;
    if (end > c->ntext) end = c->ntext;
    if (end < start) end = start;
    const char *p = c->text + start;
    int32_t cp = util_utf8_next(&p, c->text + end);
    c->v[c->n++] = (srch_pos){start, end, cp >= 0 && srch_is_cjk((uint32_t)cp)};
    return 0;
}

void srch_col_init(srch_col *c, const char *text, int n)
{
    memset(c, 0, sizeof *c);
    c->text = text && n > 0 ? text : "";
    c->ntext = text && n > 0 ? n : 0;
    srch_tokenize(c->text, (size_t)c->ntext, 0, col_tok_cb, c);
    c->hl = xcalloc((size_t)c->n + 1, 1);
}

void srch_col_free(srch_col *c)
{
    free(c->v);
    free(c->hl);
    free(c->inst);
    memset(c, 0, sizeof *c);
}

void srch_col_add(srch_col *c, int off, int phrase, int size, int big)
{
    int npos = c->n;
    if (off < 0 || off >= npos || size < 1) return;
    int last = off + size - 1;
    if (last >= npos) last = npos - 1;
    const srch_pos *v = c->v;
    if (big != 0 && last + 1 < npos && v[last].cjk && v[last + 1].cjk && v[last].end == v[last + 1].start) last++;
    for (int k = off; k <= last; k++) c->hl[k] = 1;
    if (c->ninst == c->instcap) {
        c->instcap = c->instcap ? c->instcap * 2 : 16;
        c->inst = xrealloc(c->inst, (size_t)c->instcap * 2 * sizeof(int));
    }
    c->inst[2 * c->ninst] = off;
    c->inst[2 * c->ninst + 1] = phrase;
    c->ninst++;
}

/* ---- finding instances from a parsed query ------------------------------ */

/* One document token: its position and its bytes in the arena. */
typedef struct dtok {
    int pos;
    size_t off, len;
} dtok;

typedef struct dtoks {
    dtok *v;
    int n, cap;
    int pos; /* position of the last token */
    buf arena;
} dtoks;

static int dtok_cb(void *ctx, int flags, const char *tok, size_t len, int start, int end)
{
    (void)start;
    (void)end;
    dtoks *d = ctx;
    if (!(flags & SRCH_COLOCATED)) d->pos++;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 128;
        d->v = xrealloc(d->v, (size_t)d->cap * sizeof *d->v);
    }
    d->v[d->n++] = (dtok){d->pos, d->arena.len, len};
    buf_add(&d->arena, tok, len);
    return 0;
}

/* True when some token at position pos (first[pos] .. first[pos + 1]) is
 * tok, or starts with it when prefix is set. */
static int tok_at(const dtoks *d, const int *first, int pos, const char *tok, size_t len, int prefix)
{
    for (int i = first[pos]; i < first[pos + 1]; i++) {
        const dtok *t = &d->v[i];
        if ((prefix ? t->len >= len : t->len == len) && !memcmp(d->arena.s + t->off, tok, len)) return 1;
    }
    return 0;
}

int srch_col_match(srch_col *c, const srch_query *q, double weight, double *w)
{
    if (!q || !c->n) return 0;
    dtoks d = {0};
    d.pos = -1;
    srch_tokenize(c->text, (size_t)c->ntext, 0, dtok_cb, &d);
    int npos = d.pos + 1; /* equals c->n: the same tokenizer, the same rules */
    if (npos > c->n) npos = c->n;
    /* first[p]: index of the first token at position p */
    int *first = xmalloc(((size_t)npos + 1) * sizeof(int));
    for (int p = 0, i = 0; p <= npos; p++) {
        while (i < d.n && d.v[i].pos < p) i++;
        first[p] = i;
    }
    int added = 0;
    for (int ph = 0; ph < q->n; ph++) {
        const srch_phrase *x = &q->ph[ph];
        for (int p = 0; p + x->ntok <= npos; p++) {
            int k = 0;
            while (k < x->ntok && tok_at(&d, first, p + k, x->tok[k], x->len[k], x->prefix && k == x->ntok - 1)) k++;
            if (k < x->ntok) continue;
            srch_col_add(c, p, ph, x->ntok, x->big);
            if (w) w[ph] += weight;
            added++;
        }
    }
    free(first);
    free(d.v);
    buf_free(&d.arena);
    return added;
}

/* ---- writing -------------------------------------------------------------- */

/* Appends text[from..to) of positions w0..w1 with marks around runs of
 * matched positions. */
static void col_write(buf *b, const srch_col *m, int w0, int w1, int from, int to, const char *open, const char *close)
{
    int cur = from;
    const srch_pos *v = m->v;
    for (int i = w0; i <= w1; i++) {
        if (!m->hl[i]) continue;
        if (i == w0 || !m->hl[i - 1]) {
            int s = v[i].start > cur ? v[i].start : cur;
            buf_add(b, m->text + cur, (size_t)(s - cur));
            buf_puts(b, open);
            cur = s;
        }
        if (i == w1 || !m->hl[i + 1]) {
            int e = v[i].end > cur ? v[i].end : cur;
            buf_add(b, m->text + cur, (size_t)(e - cur));
            buf_puts(b, close);
            cur = e;
        }
    }
    if (to > cur) buf_add(b, m->text + cur, (size_t)(to - cur));
}

void srch_col_highlight(const srch_col *c, buf *out, const char *open, const char *close)
{
    col_write(out, c, 0, c->n - 1, 0, c->ntext, open, close);
}

static int cmp_inst(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

void srch_col_window(srch_col *m, int nt, int *w0, long *score)
{
    int npos = m->n;
    *w0 = 0;
    if (score) *score = -1;
    if (!m->ninst) return;
    if (nt < 1) nt = 1;
    qsort(m->inst, (size_t)m->ninst, 2 * sizeof(int), cmp_inst);
    /* hlsum[k] = matched positions before k */
    int *hlsum = xmalloc(((size_t)npos + 1) * sizeof(int));
    hlsum[0] = 0;
    for (int k = 0; k < npos; k++) hlsum[k + 1] = hlsum[k] + m->hl[k];
    long best = -1;
    int maxw = npos > nt ? npos - nt : 0;
    for (int i = 0; i < m->ninst; i++) {
        int s = m->inst[2 * i];
        if (i > 0 && m->inst[2 * (i - 1)] == s) continue;
        uint64_t seen = 0;
        for (int j = i; j < m->ninst && m->inst[2 * j] < s + nt; j++) seen |= 1ull << (m->inst[2 * j + 1] & 63);
        int e = s + nt < npos ? s + nt : npos; /* window [s, e) */
        long sc = (long)__builtin_popcountll(seen) * 100000 + (hlsum[e] - hlsum[s]);
        if (sc > best) {
            best = sc;
            int last = e - 1;
            while (last > s && !m->hl[last]) last--;
            /* centre the matched range in the window */
            int w = s - (nt - (last - s + 1)) / 2;
            if (w > maxw) w = maxw;
            if (w < 0) w = 0;
            *w0 = w;
        }
    }
    free(hlsum);
    if (score) *score = best;
}

void srch_col_snippet(const srch_col *c, buf *out, int w0, int nt, const char *open, const char *close,
                      const char *ellipsis)
{
    int npos = c->n;
    if (npos <= 0) return;
    if (nt < 1) nt = 1;
    if (w0 < 0) w0 = 0;
    if (w0 >= npos) w0 = npos - 1;
    int w1 = w0 + nt - 1;
    if (w1 >= npos) w1 = npos - 1;
    int from = w0 == 0 ? 0 : c->v[w0].start;
    int to = w1 == npos - 1 ? c->ntext : c->v[w1].end;
    if (w0 > 0) buf_puts(out, ellipsis);
    col_write(out, c, w0, w1, from, to, open, close);
    if (w1 < npos - 1) buf_puts(out, ellipsis);
}
