/*
 * csv.c - streaming CSV reader; see csv.h.
 *
 * Three layers: raw bytes (a chunk buffer refilled from the file, or the
 * caller's memory), a decoder that turns them into validated UTF-8 (a view
 * into the raw bytes for UTF-8 input, iconv output for GB18030), and the
 * RFC 4180 state machine that cuts the decoded bytes into fields.  The
 * decoder stops right before an invalid sequence and lets the parser drain
 * what came before, so the error is reported at the field it belongs to.
 */
#include "csv.h"

#include "../base/buf.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK ((size_t)64 * 1024)     /* bytes read from a file at once */
#define DETECT_MAX ((size_t)4096)     /* non-ASCII bytes examined to detect */
#define OUT_CAP ((size_t)128 * 1024)  /* iconv output buffer */
#define MAX_RECORD ((size_t)16 << 20) /* bytes in one record */
#define MAX_FIELDS ((size_t)16384)    /* fields in one record (as XLSX) */

enum enc { ENC_UNKNOWN, ENC_UTF8, ENC_GB18030, ENC_LATIN1 };
enum state { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE_SEEN };

struct csv_reader {
    char *name;            /* for error messages */
    char *path;            /* file input: the path (to scan it whole) */
    FILE *fp;              /* NULL for memory input */
    unsigned char *rawbuf; /* file input: the chunk buffer */
    size_t rawcap;
    const unsigned char *raw; /* rawbuf, or the caller's memory */
    size_t rpos, rlen;        /* unread input is raw[rpos..rlen) */
    int eof;                  /* nothing is left beyond rlen */
    enum enc enc;
    iconv_t cd;    /* GB18030 -> UTF-8, or (iconv_t)-1 */
    char *out;     /* iconv output buffer (OUT_CAP bytes) */
    const char *v; /* decoded UTF-8 for the parser: v[vpos..vlen) */
    size_t vlen, vpos;
    int bad;        /* an invalid sequence follows the view */
    long line;      /* physical line of the next decoded byte */
    int prev_cr;    /* the last byte was CR (CRLF counts once) */
    int skip_lf;    /* a record ended at CR: drop a following LF */
    long row;       /* where the last returned record starts */
    buf rec;        /* fields of the current record, NUL-separated */
    size_t *starts; /* offset of each field in rec */
    size_t nstarts, capstarts;
    char **cells;
    size_t capcells;
    int done;
    int failed;
    err saved; /* the sticky error */
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* Records a failure in r->saved (row/col 0 when unknown); returns -1. */
static int fail_at(csv_reader *r, long row, long col)
{
    err_at(&r->saved, r->name, row, col, NULL);
    r->failed = 1;
    return -1;
}

/* Copies the sticky error into e; returns -1. */
static int replay(const csv_reader *r, err *e)
{
    const err *s = &r->saved;
    err_setm(e, s->status, s->code, err_msg(s, LANG_ZH), err_msg(s, LANG_EN));
    err_at(e, s->file, s->row, s->col, NULL);
    return -1;
}

/* Reads the next chunk of a file after the unread bytes.  Returns 0 or -1
 * (r->saved filled).  Sets r->eof when the file has no more bytes. */
static int read_more(csv_reader *r)
{
    if (r->eof) return 0;
    if (r->rpos > 0) {
        memmove(r->rawbuf, r->rawbuf + r->rpos, r->rlen - r->rpos);
        r->rlen -= r->rpos;
        r->rpos = 0;
    }
    if (r->rlen == r->rawcap) {
        r->rawcap += CHUNK;
        r->rawbuf = xrealloc(r->rawbuf, r->rawcap);
    }
    r->raw = r->rawbuf;
    size_t want = r->rawcap - r->rlen < CHUNK ? r->rawcap - r->rlen : CHUNK;
    size_t n = fread(r->rawbuf + r->rlen, 1, want, r->fp);
    r->rlen += n;
    if (n == 0) {
        if (ferror(r->fp)) {
            int en = errno;
            err_set(&r->saved, 500, "import.io", "读取文件 %s 失败：%s", "Cannot read the file %s: %s", r->name,
                    strerror(en));
            return fail_at(r, 0, 0);
        }
        r->eof = 1;
    }
    return 0;
}

/* Length of the well-formed UTF-8 prefix of p[0..n) (no overlongs,
 * surrogates or NUL).  *incomplete is set when the prefix stops at a
 * sequence that is valid so far but cut by the end of the bytes. */
static size_t utf8_prefix(const unsigned char *p, size_t n, int *incomplete)
{
    size_t i = 0;
    *incomplete = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (!c) return i;
            i++;
            continue;
        }
        size_t len;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4;
        else
            return i;
        if (c == 0xE0) lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        for (size_t k = 1; k < len; k++) {
            if (i + k >= n) {
                *incomplete = 1;
                return i;
            }
            unsigned b = p[i + k];
            if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return i;
        }
        i += len;
    }
    return n;
}

static int use_gb18030(csv_reader *r);

/* Structural GB18030 check of bytes, carrying the state across chunks:
 * *st is the number of bytes still expected of a 2- or 4-byte character
 * (with *st4 telling a 4-byte one's position).  Returns 0 on a violation. */
static int gb_scan(const unsigned char *p, size_t n, int *st, int *pos4)
{
    for (size_t i = 0; i < n; i++) {
        unsigned b = p[i];
        if (*st == 0) {
            if (b < 0x80) continue;
            if (b == 0x80 || b == 0xFF) return 0;
            *st = 1;
            *pos4 = 0;
        } else if (*pos4 == 0) { /* second byte */
            if ((b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE)) *st = 0;
            else if (b >= 0x30 && b <= 0x39)
                *pos4 = 2;
            else
                return 0;
        } else if (*pos4 == 2) { /* third byte of four */
            if (b < 0x81 || b > 0xFE) return 0;
            *pos4 = 3;
        } else { /* fourth byte */
            if (b < 0x30 || b > 0x39) return 0;
            *st = 0;
            *pos4 = 0;
        }
    }
    return 1;
}

/* True when the whole input from offset i of the buffer on is well-formed
 * GB18030 (files are scanned through a second handle, the reader's
 * position is not disturbed). */
static int gb18030_all(csv_reader *r, size_t i)
{
    int st = 0, pos4 = 0;
    if (!gb_scan(r->raw + i, r->rlen - i, &st, &pos4)) return 0;
    if (!r->fp || r->eof || !r->path) return st == 0;
    FILE *fp = fopen(r->path, "rb");
    if (!fp) return 1;
    long at = ftell(r->fp);
    int ok = at >= 0 && fseek(fp, at, SEEK_SET) == 0;
    unsigned char chunk[65536];
    size_t k;
    while (ok && (k = fread(chunk, 1, sizeof chunk, fp)) > 0) ok = gb_scan(chunk, k, &st, &pos4);
    fclose(fp);
    return ok && st == 0;
}

/* Input that is neither UTF-8 nor GB18030 (seen in real exports: Western
 * text mangled by a wrong conversion) is read as ISO-8859-1, where every
 * byte is a character, so nothing is lost or refused. */
static int use_latin1(csv_reader *r)
{
    r->cd = iconv_open("UTF-8", "ISO-8859-1");
    if (r->cd == (iconv_t)-1) return use_gb18030(r);
    r->out = xmalloc(OUT_CAP);
    r->enc = ENC_LATIN1;
    return 0;
}

static int use_gb18030(csv_reader *r)
{
    r->cd = iconv_open("UTF-8", "GB18030");
    if (r->cd == (iconv_t)-1) {
        int en = errno;
        err_set(&r->saved, 500, "import.encoding", "无法启用 GB18030 解码：%s", "Cannot set up GB18030 decoding: %s",
                strerror(en));
        return fail_at(r, 0, 0);
    }
    r->out = xmalloc(OUT_CAP);
    r->enc = ENC_GB18030;
    return 0;
}

/* Decides the encoding from the run of non-ASCII bytes that starts off
 * bytes after r->rpos: UTF-8 when the run is well-formed UTF-8, GB18030
 * otherwise.  Reads more of a file when the run reaches the end of the
 * chunk.  Returns 0 or -1. */
static int detect(csv_reader *r, size_t off)
{
    for (;;) {
        size_t i = r->rpos + off, end = i;
        while (end < r->rlen && r->raw[end] >= 0x80 && end - i < DETECT_MAX) end++;
        if (end == r->rlen && !r->eof && end - i < DETECT_MAX) {
            if (read_more(r) < 0) return -1;
            continue;
        }
        int incomplete;
        size_t ok = utf8_prefix(r->raw + i, end - i, &incomplete);
        /* A run longer than DETECT_MAX may cut its last character. */
        if (ok == end - i || (end - i == DETECT_MAX && incomplete)) {
            r->enc = ENC_UTF8;
            return 0;
        }
        return gb18030_all(r, i) ? use_gb18030(r) : use_latin1(r);
    }
}

/* Looks at the start of the input: a BOM, or the first non-ASCII run. */
static int prime(csv_reader *r)
{
    while (r->rlen - r->rpos < 4 && !r->eof)
        if (read_more(r) < 0) return -1;
    const unsigned char *p = r->raw + r->rpos;
    size_t n = r->rlen - r->rpos;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        r->rpos += 3;
        r->enc = ENC_UTF8;
        return 0;
    }
    if (n >= 4 && p[0] == 0x84 && p[1] == 0x31 && p[2] == 0x95 && p[3] == 0x33) {
        r->rpos += 4;
        return use_gb18030(r);
    }
    for (size_t i = 0; i < n && p[i]; i++)
        if (p[i] >= 0x80) return detect(r, i);
    return 0;
}

static void set_view(csv_reader *r, const void *p, size_t n)
{
    r->v = p;
    r->vlen = n;
    r->vpos = 0;
}

/* Makes decoded UTF-8 available in r->v.  Returns 1 when there is some, 0
 * at the end of the input, -1 on a failure (r->saved filled) and -2 when an
 * invalid byte sequence comes next (the caller knows where that is). */
static int dec_fill(csv_reader *r)
{
    set_view(r, NULL, 0);
    for (;;) {
        if (r->bad) return -2;
        size_t avail = r->rlen - r->rpos;
        if (avail == 0) {
            if (r->eof) return 0;
            if (read_more(r) < 0) return -1;
            continue;
        }
        const unsigned char *p = r->raw + r->rpos;
        if (r->enc == ENC_UNKNOWN) {
            size_t n = 0;
            while (n < avail && p[n] && p[n] < 0x80) n++;
            if (n) {
                set_view(r, p, n);
                r->rpos += n;
                return 1;
            }
            if (!p[0]) r->bad = 1;
            else if (detect(r, 0) < 0)
                return -1;
            continue;
        }
        if (r->enc == ENC_UTF8) {
            int incomplete;
            size_t n = utf8_prefix(p, avail, &incomplete);
            if (n) {
                set_view(r, p, n);
                r->rpos += n;
                if (n < avail && !incomplete) r->bad = 1;
                return 1;
            }
            if (incomplete && !r->eof) {
                if (read_more(r) < 0) return -1;
            } else {
                r->bad = 1;
            }
            continue;
        }
        /* GB18030 through iconv; the input is not written to. */
        char *in = (char *)p, *o = r->out;
        size_t inleft = avail, oleft = OUT_CAP;
        size_t rc = iconv(r->cd, &in, &inleft, &o, &oleft);
        int er = rc == (size_t)-1 ? errno : 0;
        r->rpos += avail - inleft;
        size_t made = OUT_CAP - oleft;
        const char *nul = memchr(r->out, '\0', made);
        if (nul) {
            made = (size_t)(nul - r->out);
            r->bad = 1;
        }
        if (er == EILSEQ || (er == EINVAL && r->eof) || (er && er != EINVAL && er != E2BIG)) r->bad = 1;
        if (made) {
            set_view(r, r->out, made);
            return 1;
        }
        if (!r->bad && er == EINVAL && read_more(r) < 0) return -1;
    }
}

static void step(csv_reader *r, char c)
{
    r->vpos++;
    if (c == '\n') {
        if (!r->prev_cr) r->line++;
        r->prev_cr = 0;
    } else if (c == '\r') {
        r->line++;
        r->prev_cr = 1;
    } else {
        r->prev_cr = 0;
    }
}

static int syntax_error(csv_reader *r, long row, long col, const char *zh, const char *en)
{
    err_set(&r->saved, 422, "import.csv_syntax", zh, en, row, col);
    return fail_at(r, row, col);
}

static int check_size(csv_reader *r, long row)
{
    if (r->rec.len <= MAX_RECORD) return 0;
    long col = (long)r->nstarts + 1;
    return syntax_error(r, row, col, "第 %ld 行第 %ld 列：记录超过 16 MiB，可能有引号未闭合",
                        "Row %ld, column %ld: record longer than 16 MiB, maybe an "
                        "unterminated quote");
}

/* Ends the field that started at *fstart. */
static int end_field(csv_reader *r, size_t *fstart, long row)
{
    if (r->nstarts == MAX_FIELDS)
        return syntax_error(r, row, (long)r->nstarts + 1, "第 %ld 行第 %ld 列：列数过多",
                            "Row %ld, column %ld: too many columns");
    if (r->nstarts == r->capstarts) {
        r->capstarts = r->capstarts ? r->capstarts * 2 : 16;
        r->starts = xrealloc(r->starts, r->capstarts * sizeof *r->starts);
    }
    r->starts[r->nstarts++] = *fstart;
    buf_putc(&r->rec, '\0');
    *fstart = r->rec.len;
    return 0;
}

/* Reads one record into r->rec/r->starts.  Returns 1 with a record (*row
 * and *nonempty set), 0 at the end, -1 on an error. */
static int read_record(csv_reader *r, long *row, int *nonempty)
{
    enum state st = S_START;
    size_t fstart = 0;
    int in_rec = 0;
    buf_reset(&r->rec);
    r->nstarts = 0;
    *nonempty = 0;
    *row = r->line;
    for (;;) {
        if (r->vpos == r->vlen) {
            int rc = dec_fill(r);
            if (rc == 1) continue;
            if (rc == -1) return -1;
            if (rc == -2) {
                long erow = in_rec ? *row : r->line;
                long ecol = in_rec ? (long)r->nstarts + 1 : 1;
                const char *enc = r->enc == ENC_GB18030 ? "GB18030" : "UTF-8";
                err_set(&r->saved, 422, "import.encoding", "第 %ld 行第 %ld 列：不是有效的 %s 编码（含无效字节序列）",
                        "Row %ld, column %ld: invalid %s byte sequence", erow, ecol, enc);
                return fail_at(r, erow, ecol);
            }
            r->done = 1;
            if (st == S_QUOTED)
                return syntax_error(r, *row, (long)r->nstarts + 1, "第 %ld 行第 %ld 列：引号未闭合",
                                    "Row %ld, column %ld: unterminated quote");
            if (!in_rec) return 0;
            return end_field(r, &fstart, *row) < 0 ? -1 : 1;
        }
        const char *v = r->v;
        size_t i = r->vpos, n = r->vlen, j;
        char c = v[i];
        if (r->skip_lf) {
            r->skip_lf = 0;
            if (c == '\n') {
                r->vpos++;
                r->prev_cr = 0;
                continue;
            }
        }
        if (!in_rec) {
            in_rec = 1;
            *row = r->line;
        }
        switch (st) {
        case S_START:
        case S_UNQUOTED:
            if (c == '"') {
                if (st == S_UNQUOTED)
                    return syntax_error(r, *row, (long)r->nstarts + 1, "第 %ld 行第 %ld 列：未加引号的字段中出现引号",
                                        "Row %ld, column %ld: quote inside an unquoted field");
                step(r, c);
                st = S_QUOTED;
                break;
            }
            if (c == ',' || c == '\r' || c == '\n') {
                step(r, c);
                if (end_field(r, &fstart, *row) < 0) return -1;
                if (c == ',') {
                    st = S_START;
                    break;
                }
                r->skip_lf = c == '\r';
                return 1;
            }
            for (j = i; j < n && v[j] != ',' && v[j] != '"' && v[j] != '\r' && v[j] != '\n'; j++)
                ;
            buf_add(&r->rec, v + i, j - i);
            r->vpos = j;
            r->prev_cr = 0;
            *nonempty = 1;
            st = S_UNQUOTED;
            if (check_size(r, *row) < 0) return -1;
            break;
        case S_QUOTED:
            if (c == '"') {
                step(r, c);
                st = S_QUOTE_SEEN;
                break;
            }
            for (j = i; j < n && v[j] != '"' && v[j] != '\r' && v[j] != '\n'; j++)
                ;
            if (j == i) { /* CR or LF inside the quotes */
                step(r, c);
                buf_putc(&r->rec, c);
            } else {
                buf_add(&r->rec, v + i, j - i);
                r->vpos = j;
                r->prev_cr = 0;
            }
            *nonempty = 1;
            if (check_size(r, *row) < 0) return -1;
            break;
        case S_QUOTE_SEEN:
            if (c == '"') {
                step(r, c);
                buf_putc(&r->rec, '"');
                *nonempty = 1;
                st = S_QUOTED;
                break;
            }
            if (c == ',' || c == '\r' || c == '\n') {
                step(r, c);
                if (end_field(r, &fstart, *row) < 0) return -1;
                if (c == ',') {
                    st = S_START;
                    break;
                }
                r->skip_lf = c == '\r';
                return 1;
            }
            return syntax_error(r, *row, (long)r->nstarts + 1, "第 %ld 行第 %ld 列：右引号后出现多余字符",
                                "Row %ld, column %ld: unexpected character after a "
                                "closing quote");
        }
    }
}

int csv_next(csv_reader *r, char ***cells, size_t *ncells, err *e)
{
    *cells = NULL;
    *ncells = 0;
    if (r->failed) return replay(r, e);
    for (;;) {
        if (r->done) return 0;
        long row;
        int nonempty;
        int rc = read_record(r, &row, &nonempty);
        if (rc < 0) return replay(r, e);
        if (rc == 0) return 0;
        if (!nonempty) continue;
        if (r->nstarts > r->capcells) {
            r->capcells = r->nstarts;
            r->cells = xrealloc(r->cells, r->capcells * sizeof *r->cells);
        }
        for (size_t k = 0; k < r->nstarts; k++) r->cells[k] = r->rec.s + r->starts[k];
        r->row = row;
        *cells = r->cells;
        *ncells = r->nstarts;
        return 1;
    }
}

static csv_reader *reader_new(const char *name)
{
    csv_reader *r = xcalloc(1, sizeof *r);
    r->name = xstrdup(name ? name : "");
    r->cd = (iconv_t)-1;
    r->line = 1;
    r->saved = (err)ERR_INIT;
    return r;
}

int csv_open_mem(const char *name, const void *data, size_t n, csv_reader **out, err *e)
{
    csv_reader *r = reader_new(name);
    r->raw = n ? data : (const unsigned char *)"";
    r->rlen = n;
    r->eof = 1;
    *out = NULL;
    if (prime(r) < 0) {
        replay(r, e);
        csv_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int csv_open_file(const char *path, csv_reader **out, err *e)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int en = errno;
        err_set(e, 500, "import.io", "无法打开文件 %s：%s", "Cannot open the file %s: %s", base_name(path),
                strerror(en));
        return err_at(e, base_name(path), 0, 0, NULL);
    }
    csv_reader *r = reader_new(base_name(path));
    r->fp = fp;
    r->path = xstrdup(path);
    r->rawcap = CHUNK + DETECT_MAX;
    r->rawbuf = xmalloc(r->rawcap);
    r->raw = r->rawbuf;
    if (prime(r) < 0) {
        replay(r, e);
        csv_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

long csv_row(const csv_reader *r) { return r->row; }

const char *csv_encoding(const csv_reader *r)
{
    return r->enc == ENC_GB18030 ? "GB18030" : r->enc == ENC_LATIN1 ? "ISO-8859-1" : "UTF-8";
}

void csv_close(csv_reader *r)
{
    if (!r) return;
    if (r->fp) fclose(r->fp);
    free(r->path);
    if (r->cd != (iconv_t)-1) iconv_close(r->cd);
    free(r->out);
    free(r->rawbuf);
    free(r->name);
    buf_free(&r->rec);
    free(r->starts);
    free(r->cells);
    err_clear(&r->saved);
    free(r);
}

long long csv_bytes_read(const csv_reader *r)
{
    if (!r) return 0;
    /* rpos runs ahead of the parser by the part of the current view not yet
     * parsed; when the view lies in the input itself (UTF-8) that part is
     * exact, after a conversion it is an estimate */
    long long ahead = (long long)(r->vlen - r->vpos);
    long long in_buf = (long long)r->rpos - ahead;
    if (in_buf < 0) in_buf = 0;
    if (!r->fp) return in_buf;
    long pos = ftell(r->fp);
    return pos < 0 ? 0 : (long long)pos - (long long)(r->rlen - r->rpos) - ahead;
}
