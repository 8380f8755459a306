/*
 * rec.h - records described once.
 *
 * A record type (rec_type) describes one kind of record: its table, its
 * fields (type, labels in Chinese and English, required, enumerations,
 * limits, validators), which roles may read and write it and with what
 * scope, and optional domain hooks.  From that one description this layer
 * gives storage (DDL), validation, list/get/create/update/delete with
 * optimistic concurrency and soft delete, access rules, the audit trail,
 * CSV/XLSX export and import, the OpenAPI schema and the form metadata the
 * console renders.  Domain code only writes descriptions and hooks.
 *
 * Every stored record has the standard columns:
 *   id          64-bit key assigned by the database
 *   version     starts at 1, +1 on every write (the ETag is "v<version>")
 *   dept        code of the department (organisation) that owns the row
 *   created_at, updated_at   ISO 8601 UTC timestamps
 *   created_by, updated_by   user names
 *   deleted_at  set by soft delete; deleted rows are invisible
 *
 * Rows travel as jansson objects.  Functions returning a json_t* give the
 * caller a new reference (json_decref it).
 */
#ifndef IPC_REC_H
#define IPC_REC_H

#include "../base/buf.h"
#include "../base/err.h"
#include "../store/store.h"

#include <jansson.h>
#include <stdint.h>

typedef enum {
    RT_TEXT,     /* string, max_len in code points */
    RT_INT,      /* 64-bit integer */
    RT_NUM,      /* double */
    RT_BOOL,     /* true/false */
    RT_DATE,     /* "YYYY-MM-DD" */
    RT_DATETIME, /* ISO 8601 */
    RT_ENUM,     /* one of opts[].value */
    RT_REF,      /* id of a record of type `ref` */
    RT_JSON,     /* any JSON value, stored as text */
} rec_ftype;

enum {
    RF_REQUIRED = 1 << 0,    /* must be present and non-empty on create */
    RF_UNIQUE = 1 << 1,      /* unique among live (not deleted) rows */
    RF_FILTER = 1 << 2,      /* may be used as a list filter (add RF_INDEX when
                            * the field is selective enough to deserve one) */
    RF_SORT = 1 << 3,        /* may be used as a sort key */
    RF_READONLY = 1 << 4,    /* set by the server (hooks), never by input */
    RF_SECRET = 1 << 5,      /* stored, never output, never input */
    RF_VIRTUAL = 1 << 6,     /* input only, not stored (a hook consumes it) */
    RF_IMMUTABLE = 1 << 7,   /* may be set on create, not changed later */
    RF_LIST = 1 << 8,        /* shown as a column in list views */
    RF_SEARCH = 1 << 9,      /* searched by the list parameter q */
    RF_MULTILINE = 1 << 10,  /* long text: a textarea in forms */
    RF_INDEX = 1 << 11,      /* gets a database index */
    RF_KEY = 1 << 12,        /* natural key used by import to match rows */
    RF_UNIQUE_ALL = 1 << 13, /* unique over all rows, deleted ones too (a
                              * key other tables reference); never reused */
};

typedef struct rec_opt {
    const char *value, *zh, *en;
} rec_opt;

/* A validator for text-like values: checks `in`, may write a normalised
 * form into `norm` (left empty = keep `in`); returns 0, or -1 with e set. */
typedef int (*rec_check_fn)(const char *in, buf *norm, err *e);

typedef struct rec_field {
    const char *name;
    rec_ftype type;
    unsigned flags;
    const char *zh, *en; /* labels */
    int max_len;         /* RT_TEXT: code points, 0 = 1000 */
    const rec_opt *opts; /* RT_ENUM: terminated by {NULL} */
    const char *ref;     /* RT_REF: name of the referenced type */
    rec_check_fn check;  /* optional domain validator */
    /* RT_JSON: optional validator of the structure; on success *norm gets
     * the normalised value (a new reference); -1 with e set otherwise. */
    int (*jcheck)(json_t *v, json_t **norm, err *e);
    double min, max; /* RT_INT/RT_NUM bounds when min < max */
    const char *help_zh, *help_en;
} rec_field;

typedef enum {
    ROLE_ADMIN,      /* 系统管理员 */
    ROLE_BUREAU,     /* 知识产权局工作人员 */
    ROLE_DEPT,       /* 部门工作人员 */
    ROLE_ENTERPRISE, /* 企业用户 */
    ROLE_AGENCY,     /* 服务机构用户 */
    ROLE_PUBLIC,     /* 公众（未登录） */
    ROLE_N
} rec_role;

typedef enum { SCOPE_NONE = 0, SCOPE_OWN = 1, SCOPE_ALL = 2 } rec_scope;

/* Who is acting. `dept` is the code of the actor's department. */
typedef struct rec_actor {
    int64_t user_id;
    const char *name;
    rec_role role;
    const char *dept;
} rec_actor;

typedef enum { REC_CREATE, REC_UPDATE, REC_DELETE } rec_op;

struct rec_type;

/* Context handed to hooks. */
typedef struct rec_ctx {
    store *db;
    const struct rec_type *type;
    const rec_actor *actor;
    rec_op op;
} rec_ctx;

/* Domain hook run inside the write transaction before the row is written.
 * `row` is the complete new row (old values merged with the input), which
 * the hook may change; `old` is the stored row (NULL on create).  Returns
 * 0, or -1 with e set (the write is abandoned). */
typedef int (*rec_hook_fn)(rec_ctx *c, json_t *row, const json_t *old, err *e);

enum {
    REC_INTERNAL = 1 << 0,   /* storage only: no API, no forms */
    REC_NO_DEPT_FK = 1 << 1, /* dept column not tied to departments(code) */
};

typedef struct rec_type {
    const char *name; /* singular, for audit and schemas: "entity" */
    const char *path; /* URL segment and table name: "entities" */
    const char *zh, *en;
    const rec_field *fields;                   /* terminated by {NULL} */
    unsigned char read[ROLE_N], write[ROLE_N]; /* rec_scope per role */
    unsigned flags;
    const char *title_field; /* the field that names a row */
    rec_hook_fn before_write;
    /* Runs inside the transaction after the row is written (row = the
     * stored values with id and version; old = previous row or NULL; on
     * delete row is the deleted row). For derived tables and indexes. */
    rec_hook_fn after_write;
    /* Optional: the import template when the generic one (a column per
     * field) does not fit the type (e.g. patents: lists in cells). */
    int (*template_fn)(const char *format, lang l, buf *out, err *e);
    /* Optional: whether rows of this type may be created in bulk mode
     * (rec_bulk_begin) in db's current transaction, where a new row is not
     * in the database yet when after_write runs: true when that hook then
     * neither reads nor references the row (its derived rows go through
     * rec_bulk_insert(), other writes are left for later).  NULL: types
     * without after_write may, types with one may not. */
    int (*bulk_ok)(store *db);
    /* filled by rec_register(): */
    int nfields;
    char *select_sql; /* "SELECT <std cols>, <fields> FROM <path>" */
    char *insert_sql; /* "INSERT INTO <path> (...) VALUES (...) RETURNING id" */
} rec_type;

/* ---- the catalogue ---- */

/* Registers record types (NULL-terminated array of pointers that live for
 * the whole process).  Call once at start-up before any other rec_ call. */
void rec_register(rec_type **types);
/* All registered types, NULL-terminated. */
rec_type *const *rec_types(void);
/* Looks a type up by name or by path; NULL when unknown. */
const rec_type *rec_find(const char *name_or_path);
const rec_field *rec_field_find(const rec_type *t, const char *name);

const char *rec_role_name(rec_role r);
const char *rec_role_label(rec_role r, lang l);
/* Parses a role name; returns 0 or -1. */
int rec_role_parse(const char *s, rec_role *out);
rec_scope rec_can_read(const rec_type *t, rec_role r);
rec_scope rec_can_write(const rec_type *t, rec_role r);
/* Label of field f / type t / enum value v in language l. */
const char *rec_label(const rec_field *f, lang l);
const char *rec_type_label(const rec_type *t, lang l);
const char *rec_opt_label(const rec_field *f, const char *v, lang l);

/* ---- schema ---- */

/* Creates the table and indexes of t (if missing). */
int rec_create_table(store *db, const rec_type *t, err *e);
/* Adds column `field` of t to an existing table (a migration step). */
int rec_add_column(store *db, const rec_type *t, const char *field, err *e);

/* ---- reading ---- */

typedef struct rec_query {
    json_t *filters;    /* object: "field" or "field.op" -> string value */
    const char *q;      /* substring over RF_SEARCH fields */
    const char *sort;   /* "field" or "-field"; default "id" */
    const char *cursor; /* from a previous page's next_cursor */
    int limit;          /* 1..1000; 0 = 50 */
    int count;          /* also return the total count */
} rec_query;

/* Builds a rec_query from URL query arguments (object name -> value);
 * unknown or malformed arguments give a 400 error. The query borrows
 * strings from args; args must outlive it.  Known non-filter arguments:
 * limit, cursor, sort, q, count, format, lang. */
int rec_query_from_args(const rec_type *t, json_t *args, rec_query *q, err *e);
void rec_query_free(rec_query *q);

/* Returns the visible row with this id in *out (404 when absent, deleted
 * or outside the actor's read scope; 403 when the role may not read t). */
int rec_get(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t **out, err *e);
/* Lists visible rows. *out = {"items":[...],"next_cursor":str|null[,"total":n]}. */
int rec_list(store *db, const rec_type *t, const rec_actor *a, const rec_query *q, json_t **out, err *e);
/* Calls fn for each visible row matching q (no paging), for export. */
int rec_each(store *db, const rec_type *t, const rec_actor *a, const rec_query *q,
             int (*fn)(void *ctx, json_t *row, err *e), void *ctx, err *e);

/* ---- writing (each in its own transaction, audited) ---- */

/* Creates a row from `in`; *out gets the stored row. */
int rec_create(store *db, const rec_type *t, const rec_actor *a, json_t *in, json_t **out, err *e);
/* Updates row id with the fields in `patch` (null clears an optional
 * field). expect_version must equal the stored version, else 412 with
 * code "conflict.stale" and nothing is written.  *out gets the new row. */
int rec_update(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t *patch, int64_t expect_version,
               json_t **out, err *e);
/* Soft-deletes row id if its version is expect_version. */
int rec_delete(store *db, const rec_type *t, const rec_actor *a, int64_t id, int64_t expect_version, err *e);

/* The same three, inside a transaction the caller already holds (import).
 * They neither begin nor commit. */
int rec_create_tx(store *db, const rec_type *t, const rec_actor *a, json_t *in, json_t **out, err *e);
int rec_update_tx(store *db, const rec_type *t, const rec_actor *a, int64_t id, json_t *patch, int64_t expect_version,
                  json_t **out, err *e);

/* Fast create for bulk import inside the caller's transaction: validates,
 * runs both hooks and inserts like rec_create_tx(), but writes no audit
 * entry per row (the caller audits the import as a whole: file, checksum,
 * counts) and does not read the row back.  *id receives the new id. */
int rec_insert_tx(store *db, const rec_type *t, const rec_actor *a, json_t *in, int64_t *id, err *e);

/* Outcome of an upsert. */
typedef enum { REC_CREATED = 1, REC_UPDATED, REC_UNCHANGED } rec_outcome;
enum { REC_UPSERT_BULK = 1 /* new rows via rec_insert_tx (no per-row audit) */ };
/* Inside the caller's transaction: finds the live row whose RF_KEY fields
 * equal those of `in`; creates one when there is none, updates it when a
 * value in `in` differs (audited), else leaves it.  *outcome tells which;
 * *id (may be NULL) gets the row's id. */
int rec_upsert_tx(store *db, const rec_type *t, const rec_actor *a, json_t *in, unsigned flags, rec_outcome *outcome,
                  int64_t *id, err *e);

/* ---- bulk mode (rec_bulk.c) ----
 *
 * For a large import inside one write transaction.  While it is on, new
 * rows of the types that allow it are not inserted one statement each:
 * rec_create_tx(), rec_insert_tx() and rec_upsert_tx() give them ids from
 * store_next_id() and hand them to a store_copy writer per table (COPY on
 * PostgreSQL, a cached INSERT on SQLite), as do rec_bulk_insert() (derived
 * tables) and audit_append() (whose chain head is kept in memory and
 * written at every flush).  Pending rows are written (record types first,
 * then derived tables, each in the order their tables were first written)
 * when about 4 MB are waiting, at rec_bulk_flush() and at rec_bulk_end().
 *
 * What is written stays the same: the same rows, ids, audit entries, and
 * the same row-level errors (a type is created in bulk only when its unique
 * fields are its key, which the import looks up first; see
 * rec_bulk_sync_key()).  Reads must not miss pending rows, so the record
 * layer makes them visible before it looks a row up by id or key (load,
 * update, delete, references, upserts) and before lists; code that queries
 * a table that may have pending rows itself calls rec_bulk_sync_key() or
 * rec_bulk_flush() first.  A type is created in bulk only when:
 *   - it has no RF_UNIQUE_ALL field, and an RF_UNIQUE field is its only
 *     RF_KEY field, and
 *   - its bulk_ok() says so (see rec_type).
 * A failure to write pending rows is a 500 store.bulk error; the
 * transaction must then be rolled back (rec_bulk_abort() before or after
 * store_rollback()).  The state lives in the store's per-transaction cache:
 * a transaction that ends without rec_bulk_end() drops it. */

/* Turns bulk mode on in db's open write transaction (500 store.nested_bulk
 * when it is on already). */
int rec_bulk_begin(store *db, err *e);
/* True while bulk mode is on in db's current transaction. */
int rec_bulk_active(store *db);
/* A number identifying the bulk session on in db now (unique in the
 * process), 0 outside bulk mode: for caches valid within one session. */
unsigned long rec_bulk_session(store *db);
/* Writes every pending row now; nothing to do outside bulk mode. */
int rec_bulk_flush(store *db, err *e);
/* Writes every pending row and turns bulk mode off (also when the flush
 * fails).  Nothing to do outside bulk mode. */
int rec_bulk_end(store *db, err *e);
/* Turns bulk mode off, dropping pending rows (after a failure). */
void rec_bulk_abort(store *db);
/* Writes one row of a derived table (not a record type: e.g. patent_ipc):
 * in bulk mode through the table's writer, otherwise at once by a cached
 * INSERT.  vals as store_copy_row(): ncols texts, NULL = SQL NULL, numbers
 * in decimal.  table and cols are identifiers from the program. */
int rec_bulk_insert(store *db, const char *table, const char *const cols[], int ncols, const char *const vals[],
                    err *e);
/* Before looking up a row of t by its key fields outside the record layer:
 * when a pending row of t has the key fields (RF_KEY) of `key` (values as
 * stored, i.e. normalised), writes every pending row so the lookup sees
 * it.  Nothing to do outside bulk mode. */
int rec_bulk_sync_key(store *db, const rec_type *t, const json_t *key, err *e);

/* ---- validation and conversion ---- */

/* Validates input `in` for create (old == NULL) or update, returning the
 * cleaned values (settable fields only, normalised) in *out.  Every problem
 * is added to e as an item with its field; -1 if there was any.  `row` is
 * the row number for import errors (0 otherwise). */
int rec_validate(const rec_type *t, json_t *in, const json_t *old, long row, json_t **out, err *e);
/* Converts a text cell (from CSV/XLSX) to the JSON value for field f:
 * accepts enum values or labels, 是/否/true/false, numbers.  Returns a new
 * reference, or NULL with an item added to e (row/col for the message). */
json_t *rec_cell_to_json(const rec_field *f, const char *cell, long row, long col, err *e);
/* Text of a row value for CSV/XLSX export (enum label, 是/否, ...); the
 * caller frees it. */
char *rec_value_text(const rec_field *f, json_t *v, lang l);

/* ---- export, import, metadata ---- */

/* Writes the visible rows matching q as CSV (UTF-8 with BOM, header of
 * labels in l) or XLSX into out. format is "csv" or "xlsx". */
int rec_export(store *db, const rec_type *t, const rec_actor *a, const rec_query *q, const char *format, lang l,
               buf *out, err *e);
/* An empty import template (header of Chinese labels) as CSV or XLSX. */
int rec_template(const rec_type *t, const char *format, lang l, buf *out, err *e);

struct tab_reader;
/* Imports every row of the table r (first row = header of field names or
 * labels) into t, all or nothing: rows whose key fields (RF_KEY) match a
 * live row update it when something differs, others are created.  On
 * success *report = {"file","rows","created","updated","unchanged",
 * "encoding"}; on failure e lists every problem (row, column, field,
 * zh/en) and the database is unchanged. fname names the file in messages.
 * Runs in its own transaction, in bulk mode (see rec_bulk_begin). */
int rec_import(store *db, const rec_type *t, const rec_actor *a, struct tab_reader *r, const char *fname,
               json_t **report, err *e);
/* The same inside the caller's write transaction (which may be in bulk
 * mode): on success the rows and the import's audit entry are written but
 * not committed; on failure (-1, e as above) the caller rolls back. */
int rec_import_tx(store *db, const rec_type *t, const rec_actor *a, struct tab_reader *r, const char *fname,
                  json_t **report, err *e);

/* Guesses the record type of a table from its header cells: the type
 * with the most columns recognised (no unknown column allowed).  NULL when
 * none fits. */
const rec_type *rec_guess_type(char **cells, size_t n);

/* Form metadata of t for actor a (fields, labels, enums, permissions). */
json_t *rec_meta(const rec_type *t, const rec_actor *a);
/* JSON Schema of a row of t (for OpenAPI); `input` leaves out read-only. */
json_t *rec_json_schema(const rec_type *t, int input);

#endif
