/* err.c - the error object; see err.h. */
#include "err.h"

#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void two_messages(char **zh, char **en, const char *zh_fmt, const char *en_fmt, va_list ap)
{
    va_list cp;
    buf a = BUF_INIT, b = BUF_INIT;
    va_copy(cp, ap);
    buf_vprintf(&a, zh_fmt, cp);
    va_end(cp);
    buf_vprintf(&b, en_fmt, ap);
    *zh = buf_detach(&a);
    *en = buf_detach(&b);
}

int err_set(err *e, int status, const char *code, const char *zh_fmt, const char *en_fmt, ...)
{
    if (!e) return -1;
    json_t *items = e->items;
    e->items = NULL;
    err_clear(e);
    e->items = items;
    e->status = status;
    e->code = code;
    va_list ap;
    va_start(ap, en_fmt);
    two_messages(&e->zh, &e->en, zh_fmt, en_fmt, ap);
    va_end(ap);
    return -1;
}

int err_setm(err *e, int status, const char *code, const char *zh, const char *en)
{
    if (!e) return -1;
    json_t *items = e->items;
    e->items = NULL;
    err_clear(e);
    e->items = items;
    e->status = status;
    e->code = code;
    e->zh = xstrdup(zh);
    e->en = xstrdup(en);
    return -1;
}

int err_at(err *e, const char *file, long row, long col, const char *field)
{
    if (!e) return -1;
    if (file) {
        free(e->file);
        e->file = xstrdup(file);
    }
    if (row) e->row = row;
    if (col) e->col = col;
    if (field) {
        free(e->field);
        e->field = xstrdup(field);
    }
    return -1;
}

void err_item(err *e, const char *field, long row, long col, const char *code, const char *zh_fmt, const char *en_fmt,
              ...)
{
    if (!e) return;
    char *zh, *en;
    va_list ap;
    va_start(ap, en_fmt);
    two_messages(&zh, &en, zh_fmt, en_fmt, ap);
    va_end(ap);
    err_item_msg(e, field, row, col, code, zh, en);
    free(zh);
    free(en);
}

void err_item_msg(err *e, const char *field, long row, long col, const char *code, const char *zh, const char *en)
{
    if (!e) return;
    if (!e->items) e->items = json_array();
    json_t *it = json_object();
    if (field) json_object_set_new(it, "field", json_string(field));
    if (row) json_object_set_new(it, "row", json_integer(row));
    if (col) json_object_set_new(it, "column", json_integer(col));
    json_object_set_new(it, "code", json_string(code));
    json_object_set_new(it, "message_zh", json_string(zh));
    json_object_set_new(it, "message_en", json_string(en));
    json_array_append_new(e->items, it);
    if (!e->status) {
        e->status = 422;
        e->code = "validation.failed";
        e->zh = xstrdup("数据校验未通过");
        e->en = xstrdup("Validation failed");
    }
}

int err_isset(const err *e) { return e && e->status != 0; }

const char *err_msg(const err *e, lang l)
{
    if (!e || !e->status) return "";
    const char *m = l == LANG_EN ? e->en : e->zh;
    return m ? m : "";
}

void err_clear(err *e)
{
    if (!e) return;
    free(e->zh);
    free(e->en);
    free(e->file);
    free(e->field);
    if (e->items) json_decref(e->items);
    *e = (err)ERR_INIT;
}

void err_move(err *dst, err *src)
{
    err_clear(dst);
    *dst = *src;
    *src = (err)ERR_INIT;
}
