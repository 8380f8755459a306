/* importer.c - format detection and the all-or-nothing import; see importer.h. */
#include "importer.h"

#include "lens.h"
#include "patxml.h"
#include "table.h"

#include "../base/util.h"
#include "../domain/ingest.h"
#include "../records/audit.h"
#include "../search/regsearch.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct src {
    const char *name, *path;
    const void *data;
    size_t n;
    long long total; /* bytes */
} src;

/* SHA-256 of the whole input, hex. */
static int checksum(const src *s, char out[65], err *e)
{
    if (!s->path) {
        util_sha256_hex(s->data, s->n, out);
        return 0;
    }
    FILE *fp = fopen(s->path, "rb");
    if (!fp)
        return err_set(e, 422, "import.io", "无法读取文件“%s”", "Cannot read file \"%s\"", s->name);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0) crypto_hash_sha256_update(&st, chunk, k);
    fclose(fp);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    util_hex(h, sizeof h, out);
    return 0;
}

/* First meaningful byte: '<' for XML (after a BOM and whitespace). */
static int looks_like_xml(const src *s)
{
    unsigned char head[64];
    size_t k = 0;
    if (s->path) {
        FILE *fp = fopen(s->path, "rb");
        if (!fp) return 0;
        k = fread(head, 1, sizeof head, fp);
        fclose(fp);
    } else {
        k = s->n < sizeof head ? s->n : sizeof head;
        memcpy(head, s->data, k);
    }
    size_t i = 0;
    if (k >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
    while (i < k && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
    return i < k && head[i] == '<';
}

static int open_table(const src *s, tab_format f, tab_reader **r, err *e)
{
    return s->path ? tab_open_file(s->path, f, r, e) : tab_open_mem(s->name, s->data, s->n, f, r, e);
}

/* Reports progress every 5,000 rows (rows may advance by more than one:
 * template rows are ingested in batches); *reported is the row count of
 * the last report. */
static void tick(const imp_progress *p, long long rows, long long *reported, tab_reader *r, const src *s, int force)
{
    if (!p || !p->fn || (!force && rows / 5000 == *reported / 5000)) return;
    *reported = rows;
    p->fn(p->ctx, rows, r ? tab_bytes_read(r) : s->total, s->total);
}

/* Fills e with the rejection of the file and its collected problems. */
static int rejected(ingest_ctx *c, err *e)
{
    err_set(e, 422, "import.rejected", "文件“%s”未导入：发现 %d 处错误，数据库未作任何修改",
            "File \"%s\" was not imported: %d problems found; nothing was changed", c->fname, c->nerr);
    err_at(e, c->fname, 0, 0, NULL);
    if (e->items) json_decref(e->items);
    e->items = c->problems.items;
    c->problems.items = NULL;
    return -1;
}

int imp_run(store *db, const rec_actor *a, const char *name, const char *path, const void *data, size_t n,
            const char *format, const char *type, const imp_progress *p, json_t **report, err *e)
{
    *report = NULL;
    src s = {name, path, data, n, (long long)n};
    if (path) {
        struct stat stt;
        if (stat(path, &stt))
            return err_set(e, 422, "import.io", "无法读取文件“%s”", "Cannot read file \"%s\"", name);
        s.total = (long long)stt.st_size;
    }
    char sha[65];
    if (checksum(&s, sha, e)) return -1;
    if (format && !strcmp(format, "auto")) format = NULL;

    const char *fmt = format;
    /* a named record type other than patents/events is always a record file */
    if (type && !fmt) {
        const rec_type *tt = rec_find(type);
        if (tt && strcmp(tt->name, "patent") && strcmp(tt->name, "patent_event")) fmt = "records";
    }
    tab_reader *r = NULL;
    char **cells = NULL;
    size_t ncells = 0;
    if (!fmt && looks_like_xml(&s)) fmt = "xml";
    if (fmt && !strcmp(fmt, "records")) {
        /* straight to the generic record import below */
    } else if (!fmt || strcmp(fmt, "xml")) {
        tab_format tf = fmt && !strcmp(fmt, "xlsx") ? TAB_XLSX : fmt && !strcmp(fmt, "csv") ? TAB_CSV : TAB_AUTO;
        if (open_table(&s, tf, &r, e)) return -1;
        int got = tab_next(r, &cells, &ncells, e);
        if (got <= 0) {
            tab_close(r);
            if (got == 0)
                err_set(e, 422, "import.empty", "文件“%s”是空的", "File \"%s\" is empty", name);
            return err_at(e, name, 0, 0, NULL);
        }
        if (!fmt || !strcmp(fmt, "csv") || !strcmp(fmt, "xlsx")) {
            if (lens_sniff(cells, ncells)) fmt = "lens";
            else if (tpl_sniff(cells, ncells) == 1) fmt = "patents";
            else if (tpl_sniff(cells, ncells) == 2) fmt = "events";
            else fmt = "records";
        }
    }

    if (!strcmp(fmt, "records")) {
        const rec_type *t = type ? rec_find(type) : rec_guess_type(cells, ncells);
        tab_close(r);
        r = NULL;
        if (!t || (t->flags & REC_INTERNAL)) {
            err_set(e, 422, "import.unknown_format", "无法识别文件“%s”的内容，请指定记录类型",
                    "Cannot tell what file \"%s\" holds; give the record type", name);
            return err_at(e, name, 0, 0, NULL);
        }
        if (open_table(&s, TAB_AUTO, &r, e)) return -1;
        /* in bulk mode, with the search index of new rows written at the end */
        int rc = -1;
        if (store_begin(db, e)) {
            tab_close(r);
            return -1;
        }
        if (!rec_bulk_begin(db, e) && !rs_defer_begin(db, e) && !rec_import_tx(db, t, a, r, name, report, e)) {
            if (!rec_bulk_end(db, e) && !rs_defer_end(db, e) && !store_commit(db, e)) rc = 0;
        }
        if (rc) {
            json_decref(*report);
            *report = NULL;
            rec_bulk_abort(db);
            store_rollback(db);
        }
        tab_close(r);
        if (!rc) {
            json_object_set_new(*report, "format", json_string("records"));
            json_object_set_new(*report, "type", json_string(t->path));
            json_object_set_new(*report, "sha256", json_string(sha));
        }
        return rc;
    }

    /* documents become patents or legal events: the role must be allowed to write them */
    {
        const rec_type *target = rec_find(!strcmp(fmt, "events") ? "patent_event" : "patent");
        if (target && rec_can_write(target, a->role) == SCOPE_NONE) {
            tab_close(r);
            char *zh = xasprintf("无权限：%s角色不能导入“%s”", rec_role_label(a->role, LANG_ZH), target->zh);
            char *en = xasprintf("Forbidden: the %s role may not import %s", rec_role_label(a->role, LANG_EN), target->en);
            err_setm(e, 403, "auth.forbidden", zh, en);
            free(zh);
            free(en);
            return -1;
        }
    }
    ingest_ctx c;
    ingest_init(&c, db, a, name);
    int rc = -1;
    long long reported = 0; /* rows at the last progress report */
    if (store_begin(db, e) || rec_bulk_begin(db, e) || rs_defer_begin(db, e)) {
        rec_bulk_abort(db);
        store_rollback(db);
        tab_close(r);
        ingest_free(&c);
        return -1;
    }
    if (!strcmp(fmt, "xml")) {
        json_t *doc = NULL;
        err pe = ERR_INIT;
        int prc = path ? patxml_parse_file(path, &doc, &pe) : patxml_parse_mem(name, data, n, &doc, &pe);
        if (prc) {
            c.nerr++;
            err_item_msg(&c.problems, pe.field, pe.row, pe.col, pe.code, err_msg(&pe, LANG_ZH), err_msg(&pe, LANG_EN));
            c.rows++;
        } else if (ingest_patent(&c, doc, 1, e) < 0) {
            json_decref(doc);
            err_clear(&pe);
            goto fail;
        }
        json_decref(doc);
        err_clear(&pe);
    } else if (!strcmp(fmt, "lens")) {
        lens_reader *lr = NULL;
        /* lens_open reads the header itself: reopen from the start */
        tab_close(r);
        r = NULL;
        if (open_table(&s, TAB_AUTO, &r, e) || lens_open(r, name, &lr, e)) goto fail;
        json_t *doc;
        long row;
        int k;
        err pe = ERR_INIT;
        while ((k = lens_next(lr, &doc, &row, &pe)) != 0) {
            if (k < 0) {
                if (pe.status >= 500 || !pe.row) { /* the file itself is unreadable from here on */
                    c.nerr++;
                    err_item_msg(&c.problems, pe.field, pe.row, pe.col, pe.code, err_msg(&pe, LANG_ZH), err_msg(&pe, LANG_EN));
                    err_clear(&pe);
                    break;
                }
                c.nerr++;
                c.rows++;
                err_item_msg(&c.problems, pe.field, pe.row, pe.col, pe.code, err_msg(&pe, LANG_ZH), err_msg(&pe, LANG_EN));
                err_clear(&pe);
                continue;
            }
            json_object_set_new(doc, "source", json_string("lens-csv"));
            int ir = ingest_patent(&c, doc, row, e);
            json_decref(doc);
            if (ir < 0) {
                lens_close(lr);
                goto fail;
            }
            tick(p, c.rows, &reported, r, &s, 0);
        }
        lens_close(lr);
    } else if (!strcmp(fmt, "patents") || !strcmp(fmt, "events")) {
        tpl_kind k = !strcmp(fmt, "patents") ? TPL_PATENTS : TPL_EVENTS;
        tpl_map *m = tpl_map_header(&c, k, cells, ncells);
        c.map = m;
        int got;
        /* rows go in batches: one look-up of their application numbers each */
        ingest_batch *bt = m ? ingest_batch_new(&c, m) : NULL;
        while (m && (got = tab_next(r, &cells, &ncells, e)) == 1) {
            if (ingest_batch_row(bt, cells, ncells, tab_row(r), e)) {
                ingest_batch_free(bt);
                c.map = NULL;
                tpl_map_free(m);
                goto fail;
            }
            tick(p, c.rows, &reported, r, &s, 0);
        }
        err broken = ERR_INIT; /* the reader's error, while the rows before it are ingested */
        if (m && got < 0) err_move(&broken, e);
        if (m && ingest_batch_flush(bt, e)) {
            err_clear(&broken);
            ingest_batch_free(bt);
            c.map = NULL;
            tpl_map_free(m);
            goto fail;
        }
        ingest_batch_free(bt);
        if (m && got < 0) { /* a broken file: its reader says where */
            c.nerr++;
            err_item_msg(&c.problems, NULL, broken.row, broken.col, broken.code, err_msg(&broken, LANG_ZH),
                         err_msg(&broken, LANG_EN));
            err_clear(&broken);
        }
        c.map = NULL;
        tpl_map_free(m);
    } else {
        err_set(e, 400, "import.format", "不支持的导入格式“%s”", "Unsupported import format \"%s\"", fmt);
        goto fail;
    }
    tick(p, c.rows, &reported, r, &s, 1);
    if (c.nerr) {
        rec_bulk_abort(db);
        store_rollback(db);
        rc = rejected(&c, e);
        goto out;
    }
    *report = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "file", name, "format", fmt, "sha256", sha, "rows",
                        (json_int_t)c.rows, "created", (json_int_t)c.created, "updated", (json_int_t)c.updated,
                        "unchanged", (json_int_t)c.unchanged);
    if (r) json_object_set_new(*report, "encoding", json_string(tab_encoding(r)));
    if (rec_bulk_end(db, e) || rs_defer_end(db, e) ||
        audit_append(db, a, "import", !strcmp(fmt, "events") ? "patent_event" : "patent", 0, NULL, *report, e) ||
        store_commit(db, e)) {
        json_decref(*report);
        *report = NULL;
        goto fail;
    }
    rc = 0;
    goto out;
fail:
    rec_bulk_abort(db);
    store_rollback(db);
out:
    tab_close(r);
    ingest_free(&c);
    return rc;
}
