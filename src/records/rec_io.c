/*
 * rec_io.c - CSV/XLSX export, import templates and all-or-nothing import
 * of described records.
 *
 * Column headers are the field labels (Chinese by default); import accepts
 * a field's name, Chinese label or English label, so an exported file can
 * be edited and imported back.  An import runs in one transaction: every
 * row is validated and written, every problem is collected with its row,
 * column and field, and if there was any problem nothing is kept.
 */
#include "audit.h"
#include "rec.h"
#include "rec_int.h"

#include "../base/util.h"
#include "../import/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_REPORTED_ERRORS 1000

static const struct {
    const char *name, *zh, *en;
} std_labels[] = {
    {"id", "编号", "ID"},
    {"dept", "所属部门", "Department"},
    {"version", "版本", "Version"},
    {"created_at", "创建时间", "Created at"},
    {"updated_at", "更新时间", "Updated at"},
    {"created_by", "创建人", "Created by"},
    {"updated_by", "更新人", "Updated by"},
};

/* Export columns: id, the visible fields, dept, updated_at. */
typedef struct col {
    const char *name;
    const rec_field *f; /* NULL for a standard column */
    const char *label;
} col;

static int export_cols(const rec_type *t, lang l, col *cols)
{
    int n = 0;
    cols[n++] = (col){"id", NULL, l == LANG_EN ? "ID" : "编号"};
    for (const rec_field *f = t->fields; f->name; f++)
        if (!(f->flags & (RF_SECRET | RF_VIRTUAL))) cols[n++] = (col){f->name, f, rec_label(f, l)};
    cols[n++] = (col){"dept", NULL, l == LANG_EN ? "Department" : "所属部门"};
    cols[n++] = (col){"updated_at", NULL, l == LANG_EN ? "Updated at" : "更新时间"};
    return n;
}

static char *cell_text(const col *c, json_t *row, lang l)
{
    json_t *v = json_object_get(row, c->name);
    if (c->f) return rec_value_text(c->f, v, l);
    if (json_is_integer(v)) return xasprintf("%lld", (long long)json_integer_value(v));
    return xstrdup(json_string_value(v) ? json_string_value(v) : "");
}

typedef struct export_ctx {
    col *cols;
    int ncols;
    lang l;
    buf *csv;
    lxw_worksheet *ws;
    lxw_row_t row;
} export_ctx;

static int export_row(void *vctx, json_t *row, err *e)
{
    export_ctx *x = vctx;
    for (int i = 0; i < x->ncols; i++) {
        char *s = cell_text(&x->cols[i], row, x->l);
        if (x->csv) {
            if (i) buf_putc(x->csv, ',');
            buf_csv_field(x->csv, s);
        } else {
            const rec_field *f = x->cols[i].f;
            json_t *v = json_object_get(row, x->cols[i].name);
            if (f && (f->type == RT_INT || f->type == RT_NUM) && json_is_number(v))
                worksheet_write_number(x->ws, x->row, (lxw_col_t)i, json_number_value(v), NULL);
            else if (!f && json_is_integer(v))
                worksheet_write_number(x->ws, x->row, (lxw_col_t)i, (double)json_integer_value(v), NULL);
            else if (*s)
                worksheet_write_string(x->ws, x->row, (lxw_col_t)i, s, NULL);
        }
        free(s);
    }
    if (x->csv) buf_puts(x->csv, "\r\n");
    x->row++;
    return 0;
}

/* Reads the whole file at path into out. */
static int slurp(const char *path, buf *out, err *e)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return err_set(e, 500, "export.io", "无法读取导出文件", "Cannot read the export file");
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) buf_add(out, chunk, n);
    fclose(fp);
    return 0;
}

/* Runs fill() on a new workbook written to a temporary file, then reads
 * the file into out. */
static int xlsx_build(int (*fill)(lxw_workbook *wb, void *ctx, err *e), void *ctx, buf *out, err *e)
{
    char path[] = "/tmp/ipcity-xlsx-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return err_set(e, 500, "export.io", "无法创建临时文件", "Cannot create a temporary file");
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    int rc = -1;
    if (!wb) {
        err_set(e, 500, "export.xlsx", "无法创建 XLSX 文件", "Cannot create the XLSX file");
        goto out;
    }
    if (fill(wb, ctx, e)) {
        workbook_close(wb);
        goto out;
    }
    if (workbook_close(wb) != LXW_NO_ERROR) {
        err_set(e, 500, "export.xlsx", "写入 XLSX 文件失败", "Writing the XLSX file failed");
        goto out;
    }
    rc = slurp(path, out, e);
out:
    unlink(path);
    return rc;
}

typedef struct export_job {
    store *db;
    const rec_type *t;
    const rec_actor *a;
    const rec_query *q;
    export_ctx x;
} export_job;

static int fill_export(lxw_workbook *wb, void *ctx, err *e)
{
    export_job *j = ctx;
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    for (int i = 0; i < j->x.ncols; i++) worksheet_write_string(ws, 0, (lxw_col_t)i, j->x.cols[i].label, bold);
    worksheet_freeze_panes(ws, 1, 0);
    j->x.ws = ws;
    j->x.row = 1;
    return rec_each(j->db, j->t, j->a, j->q, export_row, &j->x, e);
}

int rec_export(store *db, const rec_type *t, const rec_actor *a, const rec_query *q, const char *format, lang l,
               buf *out, err *e)
{
    col *cols = xcalloc((size_t)t->nfields + 4, sizeof(col));
    export_job j = {db, t, a, q, {cols, 0, l, NULL, NULL, 0}};
    j.x.ncols = export_cols(t, l, cols);
    int rc;
    if (!format || !strcmp(format, "csv")) {
        buf_puts(out, "\xEF\xBB\xBF"); /* BOM: Excel opens UTF-8 CSV correctly */
        for (int i = 0; i < j.x.ncols; i++) {
            if (i) buf_putc(out, ',');
            buf_csv_field(out, cols[i].label);
        }
        buf_puts(out, "\r\n");
        j.x.csv = out;
        rc = rec_each(db, t, a, q, export_row, &j.x, e);
    } else if (!strcmp(format, "xlsx"))
        rc = xlsx_build(fill_export, &j, out, e);
    else
        rc = err_set(e, 400, "query.format", "不支持的格式“%s”（可选 csv、xlsx）",
                     "Unsupported format \"%s\" (csv or xlsx)", format, format);
    free(cols);
    return rc;
}

/* ---- templates ---- */

static const char *ftype_zh(const rec_field *f)
{
    switch (f->type) {
    case RT_INT:
    case RT_REF: return "整数";
    case RT_NUM: return "数字";
    case RT_BOOL: return "是/否";
    case RT_DATE: return "日期 YYYY-MM-DD";
    case RT_DATETIME: return "日期时间";
    case RT_ENUM: return "可选值";
    default: return "文本";
    }
}

typedef struct tmpl_job {
    const rec_type *t;
    lang l;
} tmpl_job;

static int fill_template(lxw_workbook *wb, void *ctx, err *e)
{
    tmpl_job *j = ctx;
    lxw_worksheet *ws = workbook_add_worksheet(wb, j->l == LANG_EN ? "Data" : "数据");
    lxw_worksheet *help = workbook_add_worksheet(wb, j->l == LANG_EN ? "Guide" : "填写说明");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    int c = 0;
    static const char *hz[] = {"列名", "字段", "类型", "必填", "说明"};
    static const char *he[] = {"Column", "Field", "Type", "Required", "Notes"};
    for (int i = 0; i < 5; i++) worksheet_write_string(help, 0, (lxw_col_t)i, j->l == LANG_EN ? he[i] : hz[i], bold);
    for (const rec_field *f = j->t->fields; f->name; f++) {
        if (f->flags & (RF_SECRET | RF_READONLY)) continue;
        worksheet_write_string(ws, 0, (lxw_col_t)c, rec_label(f, j->l), bold);
        lxw_row_t r = (lxw_row_t)c + 1;
        worksheet_write_string(help, r, 0, rec_label(f, j->l), NULL);
        worksheet_write_string(help, r, 1, f->name, NULL);
        worksheet_write_string(help, r, 2, ftype_zh(f), NULL);
        worksheet_write_string(help, r, 3, (f->flags & RF_REQUIRED) ? "是" : "否", NULL);
        buf notes = BUF_INIT;
        for (const rec_opt *o = f->opts; o && o->value; o++)
            buf_printf(&notes, "%s%s", o == f->opts ? "" : "、", j->l == LANG_EN ? o->en : o->zh);
        if (notes.len) worksheet_write_string(help, r, 4, notes.s, NULL);
        buf_free(&notes);
        c++;
    }
    worksheet_write_string(ws, 0, (lxw_col_t)c, j->l == LANG_EN ? "Department" : "所属部门", bold);
    return 0;
}

int rec_template(const rec_type *t, const char *format, lang l, buf *out, err *e)
{
    if (t->template_fn) return t->template_fn(format, l, out, e);
    if (format && !strcmp(format, "xlsx")) {
        tmpl_job j = {t, l};
        return xlsx_build(fill_template, &j, out, e);
    }
    if (format && strcmp(format, "csv"))
        return err_set(e, 400, "query.format", "不支持的格式“%s”（可选 csv、xlsx）",
                       "Unsupported format \"%s\" (csv or xlsx)", format, format);
    buf_puts(out, "\xEF\xBB\xBF");
    int c = 0;
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & (RF_SECRET | RF_READONLY)) continue;
        if (c++) buf_putc(out, ',');
        buf_csv_field(out, rec_label(f, l));
    }
    buf_printf(out, ",%s\r\n", l == LANG_EN ? "Department" : "所属部门");
    return 0;
}

/* ---- import ---- */

/* Maps a header cell to a field (or "dept"); NULL field and 0 = ignored
 * standard column; returns -1 if unknown. */
static int map_header(const rec_type *t, const char *h, const rec_field **f, int *is_dept)
{
    *f = NULL;
    *is_dept = 0;
    for (const rec_field *x = t->fields; x->name; x++)
        if (!(x->flags & RF_SECRET) && (!strcmp(h, x->name) || !strcmp(h, x->zh) || !strcasecmp(h, x->en))) {
            *f = x;
            return 0;
        }
    for (size_t i = 0; i < sizeof std_labels / sizeof std_labels[0]; i++)
        if (!strcmp(h, std_labels[i].name) || !strcmp(h, std_labels[i].zh) || !strcasecmp(h, std_labels[i].en)) {
            *is_dept = !strcmp(std_labels[i].name, "dept");
            return 0;
        }
    return -1;
}

/* Copies the problems of one row (re) into e with row, column and field. */
static void row_errors(err *e, err *re, long row, const rec_field **fmap, int ncols, int dept_col, int *nerr)
{
    if (re->items) {
        size_t i;
        json_t *it;
        json_array_foreach(re->items, i, it)
        {
            if ((*nerr)++ >= MAX_REPORTED_ERRORS) continue;
            const char *field = json_string_value(json_object_get(it, "field"));
            long colno = (long)json_integer_value(json_object_get(it, "column"));
            for (int c = 0; !colno && field && c < ncols; c++)
                if (fmap[c] && !strcmp(fmap[c]->name, field)) colno = c + 1;
            if (!colno && field && dept_col >= 0 && !strcmp(field, "dept")) colno = dept_col + 1;
            char *zh = colno ? xasprintf("第 %ld 行第 %ld 列：%s", row, colno,
                                         json_string_value(json_object_get(it, "message_zh")))
                             : xasprintf("第 %ld 行：%s", row, json_string_value(json_object_get(it, "message_zh")));
            char *en = colno ? xasprintf("Row %ld, column %ld: %s", row, colno,
                                         json_string_value(json_object_get(it, "message_en")))
                             : xasprintf("Row %ld: %s", row, json_string_value(json_object_get(it, "message_en")));
            err_item_msg(e, field, row, colno, json_string_value(json_object_get(it, "code")), zh, en);
            free(zh);
            free(en);
        }
    } else if (err_isset(re)) {
        if ((*nerr)++ >= MAX_REPORTED_ERRORS) return;
        char *zh = xasprintf("第 %ld 行：%s", row, err_msg(re, LANG_ZH));
        char *en = xasprintf("Row %ld: %s", row, err_msg(re, LANG_EN));
        long colno = 0;
        for (int c = 0; re->field && c < ncols; c++)
            if (fmap[c] && !strcmp(fmap[c]->name, re->field)) colno = c + 1;
        if (!colno && re->field && dept_col >= 0 && !strcmp(re->field, "dept")) colno = dept_col + 1;
        err_item_msg(e, re->field, row, colno, re->code, zh, en);
        free(zh);
        free(en);
    }
}

/* Finds the live row whose RF_KEY fields equal those of in; 1 found (id and
 * version set), 0 none, -1 error. */
static int find_by_key(store *db, const rec_type *t, json_t *in, int64_t *id, int64_t *version, err *e)
{
    buf q = BUF_INIT;
    json_t *vals = json_array();
    buf_printf(&q, "SELECT id, version FROM %s WHERE deleted_at IS NULL", t->path);
    /* a key part left empty matches rows where it is empty; a key that is
     * empty altogether matches nothing */
    for (const rec_field *f = t->fields; f->name; f++) {
        if (!(f->flags & RF_KEY)) continue;
        json_t *v = json_object_get(in, f->name);
        if (!v || json_is_null(v)) {
            buf_printf(&q, " AND %s IS NULL", f->name);
            continue;
        }
        buf_printf(&q, " AND %s = ?", f->name);
        json_array_append(vals, v);
    }
    int rc = 0;
    if (json_array_size(vals) && rec_bulk_sync_key(db, t, in, e)) rc = -1;
    else if (json_array_size(vals)) {
        store_stmt *st = store_prepare(db, q.s, e);
        if (!st) rc = -1;
        else {
            size_t i;
            json_t *v;
            json_array_foreach(vals, i, v)
            {
                if (json_is_integer(v)) store_bind_int(st, (int)i + 1, json_integer_value(v));
                else
                    store_bind_text(st, (int)i + 1, json_string_value(v));
            }
            rc = store_step(st, e);
            if (rc == 1) {
                *id = store_col_int(st, 0);
                *version = store_col_int(st, 1);
            }
            store_done(st);
        }
    }
    buf_free(&q);
    json_decref(vals);
    return rc;
}

/* True when every value of in equals the stored row's. */
static int unchanged(json_t *in, json_t *row)
{
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v)
    {
        json_t *o = json_object_get(row, k);
        if (json_is_null(v) && (!o || json_is_null(o))) continue;
        if (!o || !json_equal(v, o)) {
            if (json_is_number(v) && json_is_number(o) && json_number_value(v) == json_number_value(o)) continue;
            return 0;
        }
    }
    return 1;
}

int rec_upsert_tx(store *db, const rec_type *t, const rec_actor *a, json_t *in, unsigned flags, rec_outcome *outcome,
                  int64_t *idp, err *e)
{
    int64_t id = 0, ver = 0;
    json_t *out = NULL;
    int rc = -1;
    /* match and compare on the values as they would be stored (normalised:
     * ZL/CN prefixes, IPC spelling, country case...) */
    json_t *norm = NULL;
    err ve = ERR_INIT;
    if (rec_validate(t, in, NULL, 0, &norm, &ve)) norm = NULL;
    err_clear(&ve);
    json_t *key = norm ? norm : in;
    int found = find_by_key(db, t, key, &id, &ver, e);
    if (found < 0) {
        json_decref(norm);
        return -1;
    }
    if (found == 1) {
        json_t *cur = NULL;
        if (rec_get(db, t, a, id, &cur, e)) {
            json_decref(norm);
            return -1;
        }
        json_t *dv = json_object_get(in, "dept");
        if (norm && json_is_string(dv)) json_object_set(norm, "dept", dv);
        if (unchanged(key, cur)) {
            *outcome = REC_UNCHANGED;
            rc = 0;
        } else if (rec_update_tx(db, t, a, id, in, ver, &out, e) == 0) {
            *outcome = REC_UPDATED;
            rc = 0;
        }
        json_decref(cur);
    } else if (flags & REC_UPSERT_BULK) {
        if (rec_insert_tx(db, t, a, in, &id, e) == 0) {
            *outcome = REC_CREATED;
            rc = 0;
        }
    } else if (rec_create_tx(db, t, a, in, &out, e) == 0) {
        id = json_integer_value(json_object_get(out, "id"));
        *outcome = REC_CREATED;
        rc = 0;
    }
    json_decref(out);
    json_decref(norm);
    if (!rc && idp) *idp = id;
    return rc;
}

/* Undoes an import that failed: when it owns the transaction (own), bulk
 * mode is dropped and the transaction rolled back; otherwise the caller
 * does that. */
static void undo(store *db, int own)
{
    if (!own) return;
    rec_bulk_abort(db);
    store_rollback(db);
}

/* rec_import() (own = 1: in its own transaction, with bulk mode) and
 * rec_import_tx() (own = 0: in the caller's). */
static int import_rows(store *db, const rec_type *t, const rec_actor *a, tab_reader *r, const char *fname, int own,
                       json_t **report, err *e)
{
    *report = NULL;
    if (rec_can_write(t, a->role) == SCOPE_NONE) {
        char *zh = xasprintf("无权限：%s角色不能导入“%s”", rec_role_label(a->role, LANG_ZH), t->zh);
        char *en = xasprintf("Forbidden: the %s role may not import %s", rec_role_label(a->role, LANG_EN), t->en);
        err_setm(e, 403, "auth.forbidden", zh, en);
        free(zh);
        free(en);
        return -1;
    }
    char **cells;
    size_t ncells;
    int rc = tab_next(r, &cells, &ncells, e);
    if (rc <= 0) {
        if (rc == 0)
            err_set(e, 422, "import.empty", "文件“%s”没有表头行", "File \"%s\" has no header row", fname, fname);
        return err_at(e, fname, 0, 0, NULL);
    }
    int ncols = (int)ncells, dept_col = -1, nerr = 0;
    const rec_field **fmap = xcalloc(ncells + 1, sizeof *fmap);
    err items = ERR_INIT;
    for (int c = 0; c < ncols; c++) {
        char *h = xstrdup(cells[c]);
        util_trim(h);
        int isd;
        if (!*h) {
            free(h);
            continue;
        }
        if (map_header(t, h, &fmap[c], &isd)) {
            char *zh = xasprintf("第 1 行第 %d 列：无法识别的列名“%s”", c + 1, h);
            char *en = xasprintf("Row 1, column %d: unknown column \"%s\"", c + 1, h);
            err_item_msg(&items, NULL, 1, c + 1, "import.unknown_column", zh, en);
            free(zh);
            free(en);
            nerr++;
        } else if (isd)
            dept_col = c;
        else if (fmap[c] && (fmap[c]->flags & RF_READONLY))
            fmap[c] = NULL; /* exported read-only columns are ignored on import */
        free(h);
    }
    for (const rec_field *f = t->fields; f->name; f++) {
        /* write-only fields (passwords) are never exported: a file without
         * them can update existing rows; new rows still need them */
        if (!(f->flags & RF_REQUIRED) || (f->flags & (RF_READONLY | RF_SECRET | RF_VIRTUAL))) continue;
        int found = 0;
        for (int c = 0; c < ncols; c++)
            if (fmap[c] == f) found = 1;
        if (!found) {
            char *zh = xasprintf("缺少必填列“%s”", f->zh);
            char *en = xasprintf("Missing required column \"%s\"", f->en);
            err_item_msg(&items, f->name, 1, 0, "import.missing_column", zh, en);
            free(zh);
            free(en);
            nerr++;
        }
    }
    int64_t created = 0, updated = 0, same = 0, rows = 0;
    if (nerr) goto finish;
    if (own) {
        if (store_begin(db, e)) goto fail;
        if (rec_bulk_begin(db, e)) {
            store_rollback(db);
            goto fail;
        }
    }
    while ((rc = tab_next(r, &cells, &ncells, e)) == 1) {
        long rowno = tab_row(r);
        int blank = 1;
        for (size_t c = 0; c < ncells; c++)
            if (cells[c][0]) blank = 0;
        if (blank) continue;
        rows++;
        err re = ERR_INIT;
        json_t *in = json_object();
        for (int c = 0; c < ncols && (size_t)c < ncells; c++) {
            if (c == dept_col && cells[c][0]) json_object_set_new(in, "dept", json_string(cells[c]));
            if (!fmap[c]) continue;
            json_t *v = rec_cell_to_json(fmap[c], cells[c], rowno, c + 1, &re);
            if (v) json_object_set_new(in, fmap[c]->name, v);
        }
        for (size_t c = (size_t)ncols; c < ncells; c++)
            if (cells[c][0]) {
                char *zh = xstrdup("该列没有表头");
                char *en = xstrdup("The column has no header");
                err_item_msg(&re, NULL, rowno, (long)c + 1, "import.extra_cell", zh, en);
                free(zh);
                free(en);
            }
        rec_outcome oc;
        if (!err_isset(&re) && rec_upsert_tx(db, t, a, in, 0, &oc, NULL, &re) == 0) {
            if (oc == REC_CREATED) created++;
            else if (oc == REC_UPDATED)
                updated++;
            else
                same++;
        }
        if (err_isset(&re)) {
            if (re.status >= 500) { /* a database failure: stop, keep the message */
                json_decref(in);
                err_move(e, &re);
                undo(db, own);
                goto fail;
            }
            row_errors(&items, &re, rowno, fmap, ncols, dept_col, &nerr);
        }
        err_clear(&re);
        json_decref(in);
    }
    if (rc < 0) { /* the file itself is broken: report where (the reader's message has it) */
        undo(db, own);
        if (nerr++ < MAX_REPORTED_ERRORS)
            err_item_msg(&items, NULL, e->row, e->col, e->code, err_msg(e, LANG_ZH), err_msg(e, LANG_EN));
        err_clear(e);
        goto finish;
    }
    if (nerr) {
        undo(db, own);
        goto finish;
    }
    json_t *summary = json_pack("{s:s,s:I,s:I,s:I,s:I}", "file", fname, "rows", (json_int_t)rows, "created",
                                (json_int_t)created, "updated", (json_int_t)updated, "unchanged", (json_int_t)same);
    if ((own && rec_bulk_end(db, e)) || audit_append(db, a, "import", t->name, 0, NULL, summary, e) ||
        (own && store_commit(db, e))) {
        json_decref(summary);
        undo(db, own);
        goto fail;
    }
    *report = summary;
    json_object_set_new(*report, "encoding", json_string(tab_encoding(r)));
    free(fmap);
    err_clear(&items);
    return 0;
finish:
    err_set(e, 422, "import.rejected", "文件“%s”未导入：发现 %d 处错误，数据库未作任何修改",
            "File \"%s\" was not imported: %d problems found; nothing was changed", fname, nerr, fname, nerr);
    err_at(e, fname, 0, 0, NULL);
    if (e->items) json_decref(e->items);
    e->items = items.items;
    items.items = NULL;
fail:
    free(fmap);
    err_clear(&items);
    return -1;
}

int rec_import(store *db, const rec_type *t, const rec_actor *a, tab_reader *r, const char *fname, json_t **report,
               err *e)
{
    return import_rows(db, t, a, r, fname, 1, report, e);
}

int rec_import_tx(store *db, const rec_type *t, const rec_actor *a, tab_reader *r, const char *fname, json_t **report,
                  err *e)
{
    return import_rows(db, t, a, r, fname, 0, report, e);
}

const rec_type *rec_guess_type(char **cells, size_t n)
{
    const rec_type *best = NULL;
    int best_score = 0;
    for (rec_type *const *tp = rec_types(); *tp; tp++) {
        if ((*tp)->flags & REC_INTERNAL) continue;
        int score = 0, unknown = 0;
        for (size_t c = 0; c < n; c++) {
            char *h = xstrdup(cells[c]);
            util_trim(h);
            const rec_field *f;
            int isd;
            if (*h) {
                if (map_header(*tp, h, &f, &isd)) unknown++;
                else if (f)
                    score++;
            }
            free(h);
        }
        if (!unknown && score > best_score) {
            best = *tp;
            best_score = score;
        }
    }
    return best;
}
