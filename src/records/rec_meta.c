/*
 * rec_meta.c - what the console and the OpenAPI document learn about a
 * record type: form metadata and JSON Schemas, both derived from the one
 * description.
 */
#include "rec.h"
#include "rec_int.h"

#include <string.h>

static const char *ftype_name(rec_ftype t)
{
    static const char *n[] = {"text", "int", "number", "bool", "date", "datetime", "enum", "ref", "json"};
    return n[t];
}

static json_t *opts_json(const rec_field *f)
{
    json_t *a = json_array();
    for (const rec_opt *o = f->opts; o && o->value; o++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "value", o->value, "zh", o->zh, "en", o->en));
    return a;
}

json_t *rec_meta(const rec_type *t, const rec_actor *a)
{
    json_t *fields = json_array();
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & RF_SECRET) continue;
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:b}", "name", f->name, "type",
                              ftype_name(f->type), "zh", f->zh, "en", f->en, "required", !!(f->flags & RF_REQUIRED),
                              "unique", !!(f->flags & RF_UNIQUE), "readonly", !!(f->flags & RF_READONLY), "immutable",
                              !!(f->flags & RF_IMMUTABLE), "writeonly", !!(f->flags & RF_VIRTUAL), "filter",
                              !!(f->flags & RF_FILTER), "sort", !!(f->flags & RF_SORT), "list", !!(f->flags & RF_LIST));
        if (f->flags & RF_MULTILINE) json_object_set_new(o, "multiline", json_true());
        if (f->type == RT_TEXT) json_object_set_new(o, "max_len", json_integer(f->max_len ? f->max_len : 1000));
        if (f->type == RT_ENUM) json_object_set_new(o, "options", opts_json(f));
        if (f->type == RT_REF) json_object_set_new(o, "ref", json_string(rec_find(f->ref)->path));
        if (f->min < f->max) {
            json_object_set_new(o, "min", json_real(f->min));
            json_object_set_new(o, "max", json_real(f->max));
        }
        if (f->help_zh) json_object_set_new(o, "help_zh", json_string(f->help_zh));
        if (f->help_en) json_object_set_new(o, "help_en", json_string(f->help_en));
        json_array_append_new(fields, o);
    }
    rec_scope r = rec_can_read(t, a->role), w = rec_can_write(t, a->role);
    static const char *sc[] = {"none", "own", "all"};
    return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:o,s:{s:s,s:s}}", "name", t->name, "path", t->path, "zh", t->zh, "en",
                     t->en, "title_field", t->title_field, "fields", fields, "access", "read", sc[r], "write", sc[w]);
}

static json_t *field_schema(const rec_field *f)
{
    json_t *s = json_object();
    switch (f->type) {
    case RT_TEXT:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "maxLength", json_integer(f->max_len ? f->max_len : 1000));
        break;
    case RT_INT:
    case RT_REF: json_object_set_new(s, "type", json_string("integer")); break;
    case RT_NUM: json_object_set_new(s, "type", json_string("number")); break;
    case RT_BOOL: json_object_set_new(s, "type", json_string("boolean")); break;
    case RT_DATE:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "format", json_string("date"));
        break;
    case RT_DATETIME:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "format", json_string("date-time"));
        break;
    case RT_ENUM: {
        json_object_set_new(s, "type", json_string("string"));
        json_t *en = json_array();
        for (const rec_opt *o = f->opts; o && o->value; o++) json_array_append_new(en, json_string(o->value));
        json_object_set_new(s, "enum", en);
        break;
    }
    case RT_JSON: break;
    }
    if (f->min < f->max) {
        json_object_set_new(s, "minimum", json_real(f->min));
        json_object_set_new(s, "maximum", json_real(f->max));
    }
    json_object_set_new(s, "title", json_string(f->zh));
    json_object_set_new(s, "description", json_string(f->en));
    if (f->flags & RF_READONLY) json_object_set_new(s, "readOnly", json_true());
    if (f->flags & RF_VIRTUAL) json_object_set_new(s, "writeOnly", json_true());
    if (!(f->flags & RF_REQUIRED) && f->type != RT_JSON) json_object_set_new(s, "nullable", json_true());
    return s;
}

json_t *rec_json_schema(const rec_type *t, int input)
{
    json_t *props = json_object(), *req = json_array();
    if (!input) {
        json_object_set_new(props, "id", json_pack("{s:s,s:b}", "type", "integer", "readOnly", 1));
        json_object_set_new(props, "version", json_pack("{s:s,s:b}", "type", "integer", "readOnly", 1));
        for (int i = 3; i < 7; i++)
            json_object_set_new(props, rec_std_cols[i], json_pack("{s:s,s:b}", "type", "string", "readOnly", 1));
    }
    json_object_set_new(props, "dept",
                        json_pack("{s:s,s:s,s:s}", "type", "string", "title", "所属部门", "description",
                                  "Owning department code (defaults to the caller's)"));
    if (input)
        json_object_set_new(
            props, "version",
            json_pack("{s:s,s:s}", "type", "integer", "description", "Expected version (alternative to If-Match)"));
    for (const rec_field *f = t->fields; f->name; f++) {
        if (f->flags & RF_SECRET) continue;
        if (input && (f->flags & RF_READONLY)) continue;
        if (!input && (f->flags & RF_VIRTUAL)) continue;
        json_object_set_new(props, f->name, field_schema(f));
        if (f->flags & RF_REQUIRED && (input || !(f->flags & RF_VIRTUAL)))
            json_array_append_new(req, json_string(f->name));
    }
    json_t *s = json_pack("{s:s,s:s,s:o,s:b}", "type", "object", "title", t->zh, "properties", props,
                          "additionalProperties", 0);
    json_object_set_new(s, "description", json_string(t->en));
    if (json_array_size(req)) json_object_set_new(s, "required", req);
    else
        json_decref(req);
    return s;
}
