/*
 * rec.c - the catalogue of record types, labels, DDL, and validation of
 * input against a description.  CRUD lives in rec_crud.c, export/import in
 * rec_io.c, metadata and schemas in rec_meta.c.
 */
#include "rec.h"

#include "rec_int.h"

#include "../base/util.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static rec_type *const *catalogue;
static rec_type *const no_types[] = {NULL};

const char *const rec_std_cols[REC_STD_N] = {"id",         "version",    "dept",       "created_at",
                                             "updated_at", "created_by", "updated_by", "deleted_at"};

void rec_register(rec_type **types)
{
    catalogue = types;
    for (rec_type **tp = types; *tp; tp++) {
        rec_type *t = *tp;
        buf b = BUF_INIT;
        buf_puts(&b, "SELECT ");
        for (int i = 0; i < REC_STD_N; i++) buf_printf(&b, "%s%s", i ? ", " : "", rec_std_cols[i]);
        int n = 0;
        for (const rec_field *f = t->fields; f->name; f++) {
            n++;
            if (!(f->flags & RF_VIRTUAL)) buf_printf(&b, ", %s", f->name);
        }
        buf_printf(&b, " FROM %s", t->path);
        t->nfields = n;
        free(t->select_sql);
        t->select_sql = buf_detach(&b);
        buf vals = BUF_INIT;
        buf_printf(&b, "INSERT INTO %s (version, dept, created_at, updated_at, created_by, updated_by", t->path);
        buf_puts(&vals, "1, ?, ?, ?, ?, ?");
        for (const rec_field *f = t->fields; f->name; f++) {
            if (f->flags & RF_VIRTUAL) continue;
            buf_printf(&b, ", %s", f->name);
            buf_puts(&vals, ", ?");
        }
        buf_printf(&b, ") VALUES (%s) RETURNING id", vals.s);
        buf_free(&vals);
        free(t->insert_sql);
        t->insert_sql = buf_detach(&b);
    }
}

rec_type *const *rec_types(void) { return catalogue ? catalogue : no_types; }

const rec_type *rec_find(const char *name)
{
    if (!name) return NULL;
    for (rec_type *const *tp = rec_types(); *tp; tp++)
        if (!strcmp((*tp)->name, name) || !strcmp((*tp)->path, name)) return *tp;
    return NULL;
}

const rec_field *rec_field_find(const rec_type *t, const char *name)
{
    for (const rec_field *f = t->fields; f->name; f++)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

static const struct {
    const char *name, *zh, *en;
} roles[ROLE_N] = {
    {"admin", "系统管理员", "System administrator"}, {"bureau", "知识产权局工作人员", "IP bureau staff"},
    {"dept", "部门工作人员", "Department staff"},    {"enterprise", "企业用户", "Enterprise user"},
    {"agency", "服务机构用户", "Agency user"},       {"public", "公众", "Public"},
};

const char *rec_role_name(rec_role r) { return r < ROLE_N ? roles[r].name : "?"; }
const char *rec_role_label(rec_role r, lang l) { return r < ROLE_N ? (l == LANG_EN ? roles[r].en : roles[r].zh) : "?"; }

int rec_role_parse(const char *s, rec_role *out)
{
    for (int i = 0; i < ROLE_N; i++)
        if (s && !strcmp(s, roles[i].name)) {
            *out = (rec_role)i;
            return 0;
        }
    return -1;
}

rec_scope rec_can_read(const rec_type *t, rec_role r) { return r < ROLE_N ? (rec_scope)t->read[r] : SCOPE_NONE; }
rec_scope rec_can_write(const rec_type *t, rec_role r) { return r < ROLE_N ? (rec_scope)t->write[r] : SCOPE_NONE; }

const char *rec_label(const rec_field *f, lang l) { return l == LANG_EN ? f->en : f->zh; }
const char *rec_type_label(const rec_type *t, lang l) { return l == LANG_EN ? t->en : t->zh; }

const char *rec_opt_label(const rec_field *f, const char *v, lang l)
{
    if (f->opts && v)
        for (const rec_opt *o = f->opts; o->value; o++)
            if (!strcmp(o->value, v)) return l == LANG_EN ? o->en : o->zh;
    return v;
}

/* ---- DDL ---- */

static store_type col_type(const rec_field *f)
{
    switch (f->type) {
    case RT_INT:
    case RT_REF: return STORE_T_INT;
    case RT_NUM: return STORE_T_REAL;
    case RT_BOOL: return STORE_T_BOOL;
    default: return STORE_T_TEXT;
    }
}

static void column_ddl(store *db, const rec_field *f, buf *b)
{
    buf_printf(b, "%s %s", f->name, store_sql_type(db, col_type(f)));
    if (f->type == RT_REF) {
        const rec_type *rt = rec_find(f->ref);
        assert(rt);
        buf_printf(b, " REFERENCES %s(id)", rt->path);
    }
}

static int field_indexes(store *db, const rec_type *t, const rec_field *f, err *e)
{
    buf b = BUF_INIT;
    if (f->flags & RF_UNIQUE_ALL)
        buf_printf(&b, "CREATE UNIQUE INDEX IF NOT EXISTS ux_%s_%s ON %s(%s);", t->path, f->name, t->path, f->name);
    else if (f->flags & RF_UNIQUE)
        buf_printf(&b, "CREATE UNIQUE INDEX IF NOT EXISTS ux_%s_%s ON %s(%s) WHERE deleted_at IS NULL;", t->path,
                   f->name, t->path, f->name);
    else if (f->flags & RF_INDEX || f->type == RT_REF)
        buf_printf(&b, "CREATE INDEX IF NOT EXISTS ix_%s_%s ON %s(%s);", t->path, f->name, t->path, f->name);
    int rc = b.len ? store_exec(db, b.s, e) : 0;
    buf_free(&b);
    return rc;
}

int rec_create_table(store *db, const rec_type *t, err *e)
{
    buf b = BUF_INIT;
    buf_printf(&b,
               "CREATE TABLE IF NOT EXISTS %s (id %s, version %s NOT NULL DEFAULT 1, dept TEXT NOT NULL%s,"
               " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, created_by TEXT, updated_by TEXT,"
               " deleted_at TEXT",
               t->path, store_sql_type(db, STORE_T_PK), store_sql_type(db, STORE_T_INT),
               (t->flags & REC_NO_DEPT_FK) ? "" : " REFERENCES departments(code)");
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & RF_VIRTUAL) continue;
        buf_puts(&b, ", ");
        column_ddl(db, f, &b);
    }
    buf_puts(&b, ");");
    /* rows are looked up by department only where some role is limited to its own */
    int own = 0;
    for (int r = 0; r < ROLE_N; r++) own |= t->read[r] == SCOPE_OWN || t->write[r] == SCOPE_OWN;
    if (own) buf_printf(&b, "CREATE INDEX IF NOT EXISTS ix_%s_dept ON %s(dept);", t->path, t->path);
    int rc = store_exec(db, b.s, e);
    buf_free(&b);
    for (const rec_field *f = t->fields; !rc && f->name; f++)
        if (!(f->flags & RF_VIRTUAL)) rc = field_indexes(db, t, f, e);
    /* one index over the natural key (import matches rows on it) */
    buf k = BUF_INIT;
    int nk = 0, uniq = 0;
    for (const rec_field *f = t->fields; f->name; f++)
        if (f->flags & RF_KEY) {
            buf_printf(&k, "%s%s", nk++ ? ", " : "", f->name);
            if (f->flags & (RF_UNIQUE | RF_UNIQUE_ALL)) uniq = 1;
        }
    if (!rc && nk && !(nk == 1 && uniq)) {
        buf ddl = BUF_INIT;
        buf_printf(&ddl, "CREATE INDEX IF NOT EXISTS ix_%s_key ON %s(%s)", t->path, t->path, k.s);
        rc = store_exec(db, ddl.s, e);
        buf_free(&ddl);
    }
    buf_free(&k);
    return rc;
}

int rec_add_column(store *db, const rec_type *t, const char *field, err *e)
{
    const rec_field *f = rec_field_find(t, field);
    if (!f || (f->flags & RF_VIRTUAL))
        return err_set(e, 500, "schema.no_field", "迁移错误：%s 没有字段 %s", "Migration error: %s has no field %s",
                       t->name, field);
    buf b = BUF_INIT;
    buf_printf(&b, "ALTER TABLE %s ADD COLUMN ", t->path);
    column_ddl(db, f, &b);
    int rc = store_exec(db, b.s, e);
    buf_free(&b);
    return rc ? rc : field_indexes(db, t, f, e);
}

/* ---- validation ---- */

static const char *type_zh(const rec_field *f)
{
    switch (f->type) {
    case RT_TEXT: return "文本";
    case RT_INT:
    case RT_REF: return "整数";
    case RT_NUM: return "数字";
    case RT_BOOL: return "布尔值（true/false）";
    case RT_DATE: return "日期（YYYY-MM-DD）";
    case RT_DATETIME: return "日期时间（ISO 8601）";
    case RT_ENUM: return "可选值之一";
    case RT_JSON: return "JSON";
    }
    return "?";
}

static const char *type_en(const rec_field *f)
{
    switch (f->type) {
    case RT_TEXT: return "text";
    case RT_INT:
    case RT_REF: return "an integer";
    case RT_NUM: return "a number";
    case RT_BOOL: return "true or false";
    case RT_DATE: return "a date (YYYY-MM-DD)";
    case RT_DATETIME: return "a date-time (ISO 8601)";
    case RT_ENUM: return "one of the allowed values";
    case RT_JSON: return "JSON";
    }
    return "?";
}

void rec_item(err *e, const rec_field *f, const char *fname, long row, long col, const char *code, const char *zh,
              const char *en)
{
    err_item_msg(e, f ? f->name : fname, row, col, code, zh, en);
}

static void item_type(err *e, const rec_field *f, long row, long col)
{
    char *zh = xasprintf("字段“%s”应为%s", f->zh, type_zh(f));
    char *en = xasprintf("Field \"%s\" must be %s", f->en, type_en(f));
    rec_item(e, f, NULL, row, col, "validation.type", zh, en);
    free(zh);
    free(en);
}

static void item_required(err *e, const rec_field *f, long row, long col)
{
    char *zh = xasprintf("必填字段“%s”不能为空", f->zh);
    char *en = xasprintf("Field \"%s\" is required", f->en);
    rec_item(e, f, NULL, row, col, "validation.required", zh, en);
    free(zh);
    free(en);
}

static void enum_list(const rec_field *f, buf *zh, buf *en)
{
    for (const rec_opt *o = f->opts; o && o->value; o++) {
        buf_printf(zh, "%s%s（%s）", o == f->opts ? "" : "、", o->value, o->zh);
        buf_printf(en, "%s%s (%s)", o == f->opts ? "" : ", ", o->value, o->en);
    }
}

/* Checks one present, non-null value; returns a new normalised reference
 * or NULL after adding an item to e. */
static json_t *check_value(const rec_field *f, json_t *v, long row, long col, err *e)
{
    switch (f->type) {
    case RT_TEXT:
    case RT_DATE:
    case RT_DATETIME:
    case RT_ENUM: {
        if (!json_is_string(v)) {
            item_type(e, f, row, col);
            return NULL;
        }
        char *s = xstrdup(json_string_value(v));
        util_trim(s);
        json_t *out = NULL;
        if (f->type == RT_DATE && util_date_parse(s, NULL)) {
            char *zh = xasprintf("字段“%s”的日期“%s”无效，应为 YYYY-MM-DD 格式的真实日期", f->zh, s);
            char *en = xasprintf("Field \"%s\": \"%s\" is not a valid date (YYYY-MM-DD)", f->en, s);
            rec_item(e, f, NULL, row, col, "validation.date", zh, en);
            free(zh);
            free(en);
        } else if (f->type == RT_DATETIME && util_datetime_valid(s)) {
            char *zh = xasprintf("字段“%s”的时间“%s”无效，应为 ISO 8601 格式", f->zh, s);
            char *en = xasprintf("Field \"%s\": \"%s\" is not a valid ISO 8601 date-time", f->en, s);
            rec_item(e, f, NULL, row, col, "validation.datetime", zh, en);
            free(zh);
            free(en);
        } else if (f->type == RT_ENUM) {
            const rec_opt *o = f->opts;
            while (o && o->value && strcmp(o->value, s)) o++;
            if (!o || !o->value) {
                buf lz = BUF_INIT, le = BUF_INIT;
                enum_list(f, &lz, &le);
                char *zh = xasprintf("字段“%s”的值“%s”不在可选范围内：%s", f->zh, s, buf_cstr(&lz));
                char *en = xasprintf("Field \"%s\": \"%s\" is not one of: %s", f->en, s, buf_cstr(&le));
                rec_item(e, f, NULL, row, col, "validation.enum", zh, en);
                free(zh);
                free(en);
                buf_free(&lz);
                buf_free(&le);
            } else
                out = json_string(s);
        } else if (f->type == RT_TEXT) {
            size_t n = util_utf8_len(s), max = f->max_len ? (size_t)f->max_len : 1000;
            if (n > max) {
                char *zh = xasprintf("字段“%s”最多 %zu 个字符，实际 %zu 个", f->zh, max, n);
                char *en = xasprintf("Field \"%s\" allows at most %zu characters, got %zu", f->en, max, n);
                rec_item(e, f, NULL, row, col, "validation.too_long", zh, en);
                free(zh);
                free(en);
            } else if (f->check) {
                buf norm = BUF_INIT;
                err ce = ERR_INIT;
                if (f->check(s, &norm, &ce)) {
                    char *zh = xasprintf("字段“%s”：%s", f->zh, err_msg(&ce, LANG_ZH));
                    char *en = xasprintf("Field \"%s\": %s", f->en, err_msg(&ce, LANG_EN));
                    rec_item(e, f, NULL, row, col, ce.code ? ce.code : "validation.invalid", zh, en);
                    free(zh);
                    free(en);
                } else
                    out = json_string(norm.len ? norm.s : s);
                buf_free(&norm);
                err_clear(&ce);
            } else
                out = json_string(s);
        } else
            out = json_string(s);
        free(s);
        return out;
    }
    case RT_INT:
    case RT_REF:
    case RT_NUM: {
        if (!json_is_number(v) || ((f->type == RT_INT || f->type == RT_REF) && !json_is_integer(v))) {
            item_type(e, f, row, col);
            return NULL;
        }
        double d = json_number_value(v);
        if (f->type == RT_REF && d < 1) {
            item_type(e, f, row, col);
            return NULL;
        }
        if (f->min < f->max && (d < f->min || d > f->max)) {
            char *zh = xasprintf("字段“%s”应在 %g 到 %g 之间，实际为 %g", f->zh, f->min, f->max, d);
            char *en = xasprintf("Field \"%s\" must be between %g and %g, got %g", f->en, f->min, f->max, d);
            rec_item(e, f, NULL, row, col, "validation.range", zh, en);
            free(zh);
            free(en);
            return NULL;
        }
        return json_is_integer(v) && f->type != RT_NUM ? json_integer(json_integer_value(v)) : json_real(d);
    }
    case RT_BOOL:
        if (!json_is_boolean(v)) {
            item_type(e, f, row, col);
            return NULL;
        }
        return json_boolean(json_is_true(v));
    case RT_JSON: {
        if (!f->jcheck) return json_deep_copy(v);
        json_t *norm = NULL;
        err ce = ERR_INIT;
        if (f->jcheck(v, &norm, &ce)) {
            char *zh = xasprintf("字段“%s”：%s", f->zh, err_msg(&ce, LANG_ZH));
            char *en = xasprintf("Field \"%s\": %s", f->en, err_msg(&ce, LANG_EN));
            rec_item(e, f, NULL, row, col, ce.code ? ce.code : "validation.structure", zh, en);
            free(zh);
            free(en);
            err_clear(&ce);
            return NULL;
        }
        return norm;
    }
    }
    return NULL;
}

static int is_empty(json_t *v)
{
    if (!v || json_is_null(v)) return 1;
    if (json_is_string(v)) { /* blank after the same trimming check_value() applies */
        char *s = xstrdup(json_string_value(v));
        int empty = !*util_trim(s);
        free(s);
        return empty;
    }
    return 0;
}

int rec_validate(const rec_type *t, json_t *in, const json_t *old, long row, json_t **out, err *e)
{
    *out = NULL;
    if (!json_is_object(in)) {
        err_set(e, 400, "request.not_object", "请求体应为 JSON 对象", "The request body must be a JSON object");
        return -1;
    }
    size_t before = e && e->items ? json_array_size(e->items) : 0;
    json_t *clean = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v)
    {
        const rec_field *f = rec_field_find(t, key);
        if (!f) {
            int std = 0;
            for (int i = 0; i < REC_STD_N; i++)
                if (!strcmp(rec_std_cols[i], key)) std = 1;
            if (std) continue; /* id, version, dept... are handled by the caller */
            char *zh = xasprintf("未知字段“%s”", key);
            char *en = xasprintf("Unknown field \"%s\"", key);
            rec_item(e, NULL, key, row, 0, "validation.unknown_field", zh, en);
            free(zh);
            free(en);
            continue;
        }
        if (f->flags & (RF_READONLY | RF_SECRET)) {
            if (old && json_equal(v, json_object_get(old, key))) continue;
            char *zh = xasprintf("字段“%s”由系统维护，不能填写", f->zh);
            char *en = xasprintf("Field \"%s\" is maintained by the system and cannot be set", f->en);
            rec_item(e, f, NULL, row, 0, "validation.readonly", zh, en);
            free(zh);
            free(en);
            continue;
        }
        if (is_empty(v)) {
            if (old && (f->flags & RF_REQUIRED) && !(f->flags & RF_VIRTUAL)) item_required(e, f, row, 0);
            else if (old)
                json_object_set_new(clean, key, json_null());
            continue;
        }
        json_t *nv = check_value(f, v, row, 0, e);
        if (!nv) continue;
        if (old && (f->flags & RF_IMMUTABLE)) {
            json_t *ov = json_object_get(old, key);
            if (ov && !json_is_null(ov) && !json_equal(ov, nv)) {
                char *zh = xasprintf("字段“%s”创建后不能修改", f->zh);
                char *en = xasprintf("Field \"%s\" cannot be changed after creation", f->en);
                rec_item(e, f, NULL, row, 0, "validation.immutable", zh, en);
                free(zh);
                free(en);
                json_decref(nv);
                continue;
            }
        }
        json_object_set_new(clean, key, nv);
    }
    if (!old)
        for (const rec_field *f = t->fields; f->name; f++)
            if ((f->flags & RF_REQUIRED) && !json_object_get(clean, f->name) &&
                !(f->flags & (RF_READONLY | RF_SECRET)) && !rec_field_has_item(e, f->name, row))
                item_required(e, f, row, 0);
    if (e && e->items && json_array_size(e->items) > before) {
        json_decref(clean);
        return -1;
    }
    *out = clean;
    return 0;
}

int rec_field_has_item(const err *e, const char *field, long row)
{
    if (!e || !e->items) return 0;
    size_t i;
    json_t *it;
    json_array_foreach(e->items, i, it)
    {
        const char *f = json_string_value(json_object_get(it, "field"));
        json_int_t r = json_integer_value(json_object_get(it, "row"));
        if (f && !strcmp(f, field) && r == row) return 1;
    }
    return 0;
}

/* ---- text cells <-> values ---- */

json_t *rec_cell_to_json(const rec_field *f, const char *cell, long row, long col, err *e)
{
    char *s = xstrdup(cell ? cell : "");
    util_trim(s);
    json_t *out = NULL;
    if (!*s) {
        free(s);
        return json_null();
    }
    switch (f->type) {
    case RT_INT:
    case RT_REF: {
        int64_t v;
        double d;
        if (!util_parse_int64(s, &v)) out = json_integer(v);
        else if (!util_parse_double(s, &d) && d == floor(d) && fabs(d) < 9e15)
            out = json_integer((json_int_t)d);
        break;
    }
    case RT_NUM: {
        double d;
        if (!util_parse_double(s, &d)) out = json_real(d);
        break;
    }
    case RT_BOOL:
        if (!strcmp(s, "是") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") ||
            !strcasecmp(s, "y"))
            out = json_true();
        else if (!strcmp(s, "否") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
                 !strcasecmp(s, "n"))
            out = json_false();
        break;
    case RT_ENUM:
        for (const rec_opt *o = f->opts; o && o->value; o++)
            if (!strcmp(s, o->value) || !strcmp(s, o->zh) || !strcasecmp(s, o->en)) {
                out = json_string(o->value);
                break;
            }
        if (!out) out = json_string(s); /* validation reports it with the allowed list */
        break;
    case RT_DATE: {
        /* accept 2021/6/1 and 2021.6.1 as well as ISO */
        int y, m, d, used = -1;
        if (sscanf(s, "%d%*[-/.年]%d%*[-/.月]%d%n", &y, &m, &d, &used) == 3 && used > 0 &&
            (!s[used] || !strcmp(s + used, "日")) && y > 0 && m > 0 && d > 0 && y < 10000 && m < 100 && d < 100)
            out = json_sprintf("%04d-%02d-%02d", y, m, d);
        else
            out = json_string(s);
        break;
    }
    case RT_JSON:
        out = json_loads(s, JSON_DECODE_ANY, NULL);
        if (!out) out = json_string(s);
        break;
    default: out = json_string(s);
    }
    if (!out) {
        char *zh = xasprintf("字段“%s”的值“%s”应为%s", f->zh, s, type_zh(f));
        char *en = xasprintf("Field \"%s\": \"%s\" is not %s", f->en, s, type_en(f));
        rec_item(e, f, NULL, row, col, "validation.type", zh, en);
        free(zh);
        free(en);
    }
    free(s);
    return out;
}

char *rec_value_text(const rec_field *f, json_t *v, lang l)
{
    if (!v || json_is_null(v)) return xstrdup("");
    switch (f->type) {
    case RT_BOOL: return xstrdup(json_is_true(v) ? (l == LANG_EN ? "yes" : "是") : (l == LANG_EN ? "no" : "否"));
    case RT_ENUM: return xstrdup(rec_opt_label(f, json_string_value(v), l));
    case RT_INT:
    case RT_REF: return xasprintf("%lld", (long long)json_integer_value(v));
    case RT_NUM: return xasprintf("%.15g", json_number_value(v));
    case RT_JSON: return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    default: return xstrdup(json_string_value(v) ? json_string_value(v) : "");
    }
}
