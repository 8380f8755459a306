/*
 * cmd_migrate.c - `ipcity migrate-data --from URL --to URL`: moves a whole
 * installation from one database to another (SQLite -> PostgreSQL,
 * PostgreSQL -> SQLite, or between two of a kind).
 *
 * The target must be empty (no tables at all; a SQLite target may also not
 * exist yet).  There is deliberately no --force: overwriting a database is
 * what `ipcity restore` is for, and a migration that could land on top of
 * existing data could not promise "whole or nothing"; to redo one, drop and
 * create the target again.
 *
 * Everything written to the target happens in ONE transaction, so the
 * target receives the installation whole or not at all:
 *   1. the schema, made by the normal migration steps (schema_create_tx():
 *      the same steps as `ipcity init`, without the demo region or admin);
 *   2. the triggers of the target are set aside (PostgreSQL: DISABLE
 *      TRIGGER USER; SQLite: dropped and made again from their own SQL), so
 *      that copied rows do not set off the change counters of the
 *      indicator index, and foreign keys are checked at commit on SQLite;
 *   3. every table of the source, discovered from its catalogue
 *      (sqlite_master via pragma_table_list; information_schema), in
 *      foreign-key order, in multi-row INSERT batches with bound values,
 *      ids kept; the rows the migration steps wrote (schema_meta,
 *      audit_head, ind_state) are replaced by the source's;
 *   4. the triggers come back, identity sequences are moved past the
 *      copied ids (PostgreSQL), the search indexes are rebuilt from the
 *      copied rows (rs_rebuild(): they are derived, never copied);
 *   5. verification: per table the row count and a checksum computed the
 *      same way on both sides (below), and the audit hash chain of the
 *      target (audit_verify(), as `ipcity audit verify`).  Any difference
 *      rolls the whole transaction back and exits 1.
 * The source is read inside one transaction as well (a consistent snapshot;
 * it also holds the source's write lock, so writers wait: stop the server
 * first).  The source is brought to the current schema first, as every
 * command does, and its audit chain must be intact.
 *
 * Not copied: search indexes (SQLite FTS5 virtual tables and their shadow
 * tables; PostgreSQL index tables made of a key and a tsvector; tsvector
 * columns) and the backends' own tables (sqlite_*).
 *
 * The checksum of a table: every row is rendered canonically (per column,
 * in the source's column order: NULL, an integer in decimal, a double with
 * %.17g, which round-trips exactly, or text as its bytes, each tagged and
 * length-prefixed), hashed with SHA-256, and the digests are added as
 * 256-bit numbers (mod 2^256).  The sum does not depend on row order, so
 * neither the backends' collations nor tables without a primary key
 * matter, and duplicates count (unlike XOR).  Doubles are read as doubles
 * on both sides (SQLite would print 15 digits, PostgreSQL the shortest
 * exact form), integers and doubles are also checked to be what their
 * column says (a SQLite column can hold anything).
 */
#include "cli.h"

#include "config.h"

#include "../base/buf.h"
#include "../base/log.h"
#include "../base/util.h"
#include "../domain/domain.h"
#include "../records/audit.h"
#include "../search/regsearch.h"
#include "../search/search.h"

#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows per INSERT statement, and the most bound values one may carry
 * (SQLite allows 32766, PostgreSQL 65535). */
#define BATCH_ROWS 500
#define MAX_PARAMS 30000
/* Tables with at least this many rows report progress. */
#define PROGRESS_MIN 20000

static const char *migrate_usage =
    "用法 Usage: ipcity migrate-data --to URL [--from URL]\n"
    "  把整个安装从一个数据库搬到另一个：SQLite → PostgreSQL、PostgreSQL → SQLite 或同类之间。\n"
    "  复制源库的每一个表（用户、会话、API 令牌、审计日志、登记簿、指标索引、工作方案与附件……），保留 id；\n"
    "  全文检索索引不复制，在目标上重建。--from 默认为当前配置的数据库（--db / IPCITY_DB）。\n"
    "  目标必须是空数据库：PostgreSQL 为没有任何表的新库（createdb -E UTF8 ...），SQLite 为不存在或空的文件；\n"
    "  否则拒绝。没有 --force：要重做，请删除并重新创建目标数据库。\n"
    "  目标上的一切在一个事务中完成：按正常迁移步骤建表，按外键顺序分批复制，重建检索索引，设置序列；然后逐表\n"
    "  比较两边的行数与校验和（与行序无关的 SHA-256 之和），并校验目标的审计哈希链。全部一致才提交；\n"
    "  任何失败或不一致都整体回滚，目标保持原样，退出码 1。源库先升级到当前结构版本，其审计链必须完整；\n"
    "  复制期间源库的写入被锁住，请先停止服务。\n"
    "  Moves a whole installation from one database to another: SQLite to PostgreSQL, PostgreSQL to SQLite,\n"
    "  or between two of a kind.  Every table of the source is copied (users, sessions, API tokens, the audit\n"
    "  log, the registry, the indicator index, plans and their files...) with its ids; the full-text search\n"
    "  indexes are rebuilt on the target, not copied.  --from defaults to the configured database (--db /\n"
    "  IPCITY_DB).  The target must be empty: for PostgreSQL a new database without any table (createdb -E\n"
    "  UTF8 ...), for SQLite a file that does not exist or is empty; anything else is refused.  There is no\n"
    "  --force: to redo a migration, drop and create the target again.\n"
    "  Everything on the target happens in one transaction: the schema from the normal migration steps, the\n"
    "  tables copied in foreign-key order in batches, the search indexes rebuilt, the sequences set; then the\n"
    "  row count and checksum (an order-independent sum of SHA-256 row digests) of every table are compared\n"
    "  between both sides and the target's audit hash chain is verified.  Only if all agree is it committed;\n"
    "  any failure or difference rolls everything back, leaves the target as it was and exits 1.  The source\n"
    "  is first brought to the current schema and its audit chain must be intact; its writes are locked out\n"
    "  while it is copied, so stop the server first.\n";

/* ---- small helpers ---- */

/* A list of heap strings. */
typedef struct strv {
    char **v;
    int n, cap;
} strv;

/* Appends a copy of s. */
static void strv_add(strv *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
    }
    l->v[l->n++] = xstrdup(s);
}

/* True when l holds s. */
static int strv_has(const strv *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return 1;
    return 0;
}

/* Frees the strings and the list; l is empty afterwards. */
static void strv_free(strv *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    *l = (strv){0};
}

/* Appends name as a quoted SQL identifier ("a""b"), valid on both backends. */
static void put_ident(buf *b, const char *name)
{
    buf_putc(b, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"') buf_putc(b, '"');
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
}

/* Rewrites e's messages as "<zh_pre>：<message>" / "<en_pre>: <message>",
 * keeping its status and code.  Returns -1. */
static int err_context(err *e, const char *zh_pre, const char *en_pre)
{
    char *zh = xasprintf("%s：%s", zh_pre, err_msg(e, LANG_ZH));
    char *en = xasprintf("%s: %s", en_pre, err_msg(e, LANG_EN));
    int status = e->status ? e->status : 500;
    const char *code = e->code ? e->code : "migrate.failed";
    err_clear(e);
    err_setm(e, status, code, zh, en);
    free(zh);
    free(en);
    return -1;
}

/* Runs sql (parameter 1 = p1 when not NULL) and appends the first column of
 * every row to out.  Returns 0 or -1. */
static int query_strings(store *s, const char *sql, const char *p1, strv *out, err *e)
{
    store_stmt *st = store_prepare(s, sql, e);
    if (!st) return -1;
    if (p1) store_bind_text(st, 1, p1);
    int rc;
    while ((rc = store_step(st, e)) == 1)
        if (store_col_text(st, 0)) strv_add(out, store_col_text(st, 0));
    store_done(st);
    return rc < 0 ? -1 : 0;
}

/* ---- the catalogue ---- */

/* How a column's values are read, written and rendered for the checksum. */
typedef enum { K_INT, K_REAL, K_TEXT, K_SKIP } col_kind;

static const char *const kind_names[] = {"integer", "double", "text", "search index"};

/* The kind of a column from its declared type: SQLite's affinity rules
 * (INT anywhere: integer; REAL, FLOA, DOUB: double), PostgreSQL's udt_name
 * (int2/4/8, float4/8, tsvector); anything else is text. */
static col_kind kind_of(store_kind k, const char *type)
{
    if (!type) return K_TEXT;
    if (k == STORE_PG) {
        if (!strcmp(type, "int2") || !strcmp(type, "int4") || !strcmp(type, "int8")) return K_INT;
        if (!strcmp(type, "float4") || !strcmp(type, "float8")) return K_REAL;
        if (!strcmp(type, "tsvector")) return K_SKIP;
        return K_TEXT;
    }
    if (strcasestr(type, "INT")) return K_INT;
    if (strcasestr(type, "REAL") || strcasestr(type, "FLOA") || strcasestr(type, "DOUB")) return K_REAL;
    return K_TEXT;
}

typedef struct column {
    char *name;
    col_kind kind;
    int pk; /* position in the primary key (1-based), 0 when not part of it */
} column;

typedef struct columns {
    column *v;
    int n;
} columns;

static void columns_free(columns *c)
{
    for (int i = 0; i < c->n; i++) free(c->v[i].name);
    free(c->v);
    *c = (columns){0};
}

/* The columns of table in s, in their declared order, with kind and
 * primary-key position. */
static int load_columns(store *s, const char *table, columns *out, err *e)
{
    *out = (columns){0};
    int pg = store_kind_of(s) == STORE_PG;
    store_stmt *st =
        store_prepare(s,
                      pg ? "SELECT c.column_name, c.udt_name,"
                           " (SELECT k.ordinal_position FROM information_schema.table_constraints t"
                           "   JOIN information_schema.key_column_usage k ON k.constraint_schema = t.constraint_schema"
                           "    AND k.constraint_name = t.constraint_name AND k.table_name = t.table_name"
                           "  WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name"
                           "    AND t.constraint_type = 'PRIMARY KEY' AND k.column_name = c.column_name)"
                           " FROM information_schema.columns c"
                           " WHERE c.table_schema = current_schema() AND c.table_name = ? ORDER BY c.ordinal_position"
                         : "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid",
                      e);
    if (!st) return -1;
    store_bind_text(st, 1, table);
    int rc, cap = 0;
    while ((rc = store_step(st, e)) == 1) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = xrealloc(out->v, (size_t)cap * sizeof *out->v);
        }
        column *c = &out->v[out->n++];
        c->name = xstrdup(store_col_text(st, 0));
        c->kind = kind_of(store_kind_of(s), store_col_text(st, 1));
        c->pk = store_col_isnull(st, 2) ? 0 : (int)store_col_int(st, 2);
    }
    store_done(st);
    if (rc < 0) columns_free(out);
    return rc < 0 ? -1 : 0;
}

static const column *find_column(const columns *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->v[i].name, name)) return &c->v[i];
    return NULL;
}

/* True when the columns are those of a PostgreSQL search index table: a
 * primary key and tsvector columns, nothing else (e.g. patents_search). */
static int is_search_table(const columns *c)
{
    int tsv = 0;
    for (int i = 0; i < c->n; i++) {
        if (c->v[i].kind == K_SKIP) tsv++;
        else if (!c->v[i].pk)
            return 0;
    }
    return tsv > 0;
}

/* The names of the database's tables: SQLite's ordinary tables (not the
 * virtual tables of FTS5, not their shadow tables, not sqlite_*);
 * PostgreSQL's base tables in the current schema. */
static int list_tables(store *s, strv *out, err *e)
{
    return query_strings(s,
                         store_kind_of(s) == STORE_PG
                             ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                               " AND table_type = 'BASE TABLE' ORDER BY table_name"
                             : "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
                               " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                         NULL, out, e);
}

/* The tables that table references with foreign keys (in the same db). */
static int list_deps(store *s, const char *table, strv *out, err *e)
{
    return query_strings(s,
                         store_kind_of(s) == STORE_PG
                             ? "SELECT DISTINCT r.relname FROM pg_constraint k"
                               " JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid"
                               " JOIN pg_namespace n ON n.oid = t.relnamespace"
                               " WHERE k.contype = 'f' AND n.nspname = current_schema() AND t.relname = ?"
                             : "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)",
                         table, out, e);
}

/* How many tables (and, on SQLite, any other schema object) db has. */
static int count_objects(store *s, int64_t *n, err *e)
{
    return store_query_int(s,
                           store_kind_of(s) == STORE_PG
                               ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
                               : "SELECT COUNT(*) FROM sqlite_master",
                           n, e, 0);
}

/* ---- checksums ---- */

/* Adds the 32-byte big-endian number d to sum (mod 2^256). */
static void sum_add(unsigned char sum[32], const unsigned char d[32])
{
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned v = (unsigned)sum[i] + d[i] + carry;
        sum[i] = (unsigned char)v;
        carry = v >> 8;
    }
}

/* One value of a row: its kind decides which member holds it. */
typedef struct cell {
    int null;
    int64_t i;
    double d;
    char *t; /* K_TEXT: heap copy */
} cell;

/* Reads column i of the current row of st as kind k into c (c->t is a heap
 * copy the caller frees).  An integer or double column holding something
 * else (SQLite lets any column hold anything) is an error naming it. */
static int read_cell(store_stmt *st, int i, col_kind k, const char *table, const char *col, cell *c, err *e)
{
    *c = (cell){0};
    const char *v = store_col_text(st, i);
    if (!v) {
        c->null = 1;
        return 0;
    }
    if (k == K_TEXT) {
        c->t = xstrdup(v);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    if (k == K_INT) {
        long long n = strtoll(v, &end, 10);
        if (end == v || *end || errno)
            return err_set(e, 422, "migrate.bad_value", "表 %s 的列 %s 应为整数，却有值“%.60s”",
                           "Table %s, column %s should hold integers but has \"%.60s\"", table, col, v);
        c->i = n;
        return 0;
    }
    strtod(v, &end);
    if (end == v || *end)
        return err_set(e, 422, "migrate.bad_value", "表 %s 的列 %s 应为数值，却有值“%.60s”",
                       "Table %s, column %s should hold numbers but has \"%.60s\"", table, col, v);
    /* the value itself as a double: SQLite's text of a REAL has only 15 digits */
    c->d = store_col_double(st, i);
    return 0;
}

/* Appends the canonical form of c (see the file comment) to b. */
static void render_cell(buf *b, col_kind k, const cell *c)
{
    if (c->null) buf_puts(b, "N;");
    else if (k == K_INT)
        buf_printf(b, "I%lld;", (long long)c->i);
    else if (k == K_REAL)
        buf_printf(b, "R%.17g;", c->d);
    else {
        const char *t = c->t ? c->t : "";
        buf_printf(b, "T%zu:%s;", strlen(t), t);
    }
}

/* ---- the copy plan ---- */

typedef struct ctable {
    char *name;
    column *cols; /* copied columns, source order; kind as on both sides */
    int ncols;
    char *order; /* " ORDER BY ..." (primary key) or "" */
    strv deps;   /* the copied tables it references (on the target) */
    char *ident; /* PostgreSQL target: its identity or serial column, or NULL */
    int placed;  /* already in the copy order */
    int64_t src_rows, dst_rows;
    unsigned char src_sum[32], dst_sum[32];
} ctable;

typedef struct plan {
    ctable *t; /* in copy order once planned */
    int n;
    strv skipped;  /* source tables not copied (search indexes) */
    strv triggers; /* SQLite target: name, sql pairs of the triggers set aside */
    int triggers_off;
} plan;

static void plan_free(plan *p)
{
    for (int i = 0; i < p->n; i++) {
        ctable *t = &p->t[i];
        free(t->name);
        for (int c = 0; c < t->ncols; c++) free(t->cols[c].name);
        free(t->cols);
        free(t->order);
        strv_free(&t->deps);
        free(t->ident);
    }
    free(p->t);
    strv_free(&p->skipped);
    strv_free(&p->triggers);
    *p = (plan){0};
}

/* The identity (or serial) column of a PostgreSQL table, or NULL. */
static int pg_identity(store *s, const char *table, char **col, err *e)
{
    *col = NULL;
    strv l = {0};
    int rc = query_strings(s,
                           "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                           " AND table_name = ? AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
                           " ORDER BY ordinal_position",
                           table, &l, e);
    if (!rc && l.n) *col = xstrdup(l.v[0]);
    strv_free(&l);
    return rc;
}

/* Builds the plan: the source's tables with the columns to copy, checked
 * against the target's schema, in an order where every table comes after
 * the tables it references. */
static int make_plan(store *src, store *dst, plan *p, err *e)
{
    *p = (plan){0};
    strv names = {0}, dnames = {0};
    int rc = list_tables(src, &names, e) || list_tables(dst, &dnames, e) ? -1 : 0;
    ctable *all = rc ? NULL : xcalloc((size_t)names.n + 1, sizeof *all);
    int n = 0;
    for (int i = 0; !rc && i < names.n; i++) {
        const char *name = names.v[i];
        columns sc = {0}, dc = {0};
        if (load_columns(src, name, &sc, e)) {
            rc = -1;
            break;
        }
        /* the PostgreSQL search index: rebuilt on the target, never copied */
        if (store_kind_of(src) == STORE_PG && (srch_index_table(name) || is_search_table(&sc))) {
            strv_add(&p->skipped, name);
            columns_free(&sc);
            continue;
        }
        if (!strv_has(&dnames, name)) {
            rc = err_set(e, 409, "migrate.schema_mismatch",
                         "源库的表 %s 在目标的结构中不存在（源库与本程序的版本不一致？）",
                         "The source's table %s does not exist in the target's schema (source and binary of "
                         "different versions?)",
                         name);
            columns_free(&sc);
            break;
        }
        if (load_columns(dst, name, &dc, e)) {
            columns_free(&sc);
            rc = -1;
            break;
        }
        ctable *t = &all[n++];
        t->name = xstrdup(name);
        t->cols = xcalloc((size_t)sc.n + 1, sizeof *t->cols);
        buf order = BUF_INIT;
        for (int pos = 1; pos <= sc.n; pos++)
            for (int c = 0; c < sc.n; c++)
                if (sc.v[c].pk == pos) {
                    buf_puts(&order, pos == 1 ? " ORDER BY " : ", ");
                    put_ident(&order, sc.v[c].name);
                }
        t->order = order.s ? buf_detach(&order) : xstrdup("");
        for (int c = 0; !rc && c < sc.n; c++) {
            if (sc.v[c].kind == K_SKIP) continue; /* a tsvector column: derived */
            const column *d = find_column(&dc, sc.v[c].name);
            if (!d)
                rc = err_set(e, 409, "migrate.schema_mismatch", "目标的表 %s 没有源库的列 %s",
                             "The target's table %s has no column %s, which the source has", name, sc.v[c].name);
            else if (d->kind != sc.v[c].kind)
                rc = err_set(e, 409, "migrate.schema_mismatch", "表 %s 的列 %s 在源库是 %s，在目标是 %s",
                             "Column %s.%s is %s on the source but %s on the target", name, sc.v[c].name,
                             kind_names[sc.v[c].kind], kind_names[d->kind]);
            else
                t->cols[t->ncols++] = (column){xstrdup(sc.v[c].name), sc.v[c].kind, sc.v[c].pk};
        }
        if (!rc) rc = list_deps(dst, name, &t->deps, e);
        if (!rc && store_kind_of(dst) == STORE_PG) rc = pg_identity(dst, name, &t->ident, e);
        columns_free(&sc);
        columns_free(&dc);
    }
    /* the copy order: repeatedly the first table (by name) whose referenced tables are placed */
    p->t = xcalloc((size_t)n + 1, sizeof *p->t);
    while (!rc && p->n < n) {
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++) {
            if (all[i].placed) continue;
            int ready = 1;
            for (int d = 0; d < all[i].deps.n && ready; d++) {
                const char *dep = all[i].deps.v[d];
                if (!strcmp(dep, all[i].name)) continue; /* self-reference */
                for (int j = 0; j < n; j++)
                    if (!strcmp(all[j].name, dep) && !all[j].placed) ready = 0;
            }
            if (ready) pick = i;
        }
        if (pick < 0) {
            rc = err_set(e, 409, "migrate.fk_cycle", "外键之间存在循环，无法确定复制顺序",
                         "The foreign keys form a cycle: no order to copy the tables in");
            break;
        }
        all[pick].placed = 1;
        p->t[p->n++] = all[pick];
    }
    if (rc) { /* the tables not moved into p yet */
        for (int i = 0; i < n; i++)
            if (!all[i].placed) {
                p->t[p->n++] = all[i];
                all[i].placed = 1;
            }
    }
    free(all);
    strv_free(&names);
    strv_free(&dnames);
    return rc;
}

/* ---- triggers ---- */

/* Sets the target's triggers aside (see the file comment). */
static int triggers_off(store *dst, plan *p, err *e)
{
    if (store_kind_of(dst) == STORE_PG) {
        for (int i = 0; i < p->n; i++) {
            buf q = BUF_INIT;
            buf_puts(&q, "ALTER TABLE ");
            put_ident(&q, p->t[i].name);
            buf_puts(&q, " DISABLE TRIGGER USER");
            int rc = store_exec(dst, q.s, e);
            buf_free(&q);
            if (rc) return -1;
        }
        p->triggers_off = 1;
        return 0;
    }
    store_stmt *st = store_prepare(
        dst, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name", e);
    if (!st) return -1;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        strv_add(&p->triggers, store_col_text(st, 0));
        strv_add(&p->triggers, store_col_text(st, 1));
    }
    store_done(st);
    if (rc < 0) return -1;
    p->triggers_off = 1;
    for (int i = 0; i < p->triggers.n; i += 2) {
        buf q = BUF_INIT;
        buf_puts(&q, "DROP TRIGGER ");
        put_ident(&q, p->triggers.v[i]);
        rc = store_exec(dst, q.s, e);
        buf_free(&q);
        if (rc) return -1;
    }
    return 0;
}

/* Brings the triggers back. */
static int triggers_on(store *dst, plan *p, err *e)
{
    if (!p->triggers_off) return 0;
    p->triggers_off = 0;
    if (store_kind_of(dst) == STORE_PG) {
        for (int i = 0; i < p->n; i++) {
            buf q = BUF_INIT;
            buf_puts(&q, "ALTER TABLE ");
            put_ident(&q, p->t[i].name);
            buf_puts(&q, " ENABLE TRIGGER USER");
            int rc = store_exec(dst, q.s, e);
            buf_free(&q);
            if (rc) return -1;
        }
        return 0;
    }
    for (int i = 0; i < p->triggers.n; i += 2)
        if (store_exec(dst, p->triggers.v[i + 1], e)) return -1;
    return 0;
}

/* ---- copying ---- */

/* Progress of one big table on stderr: on a terminal one line kept up to
 * date, otherwise a line per 100,000 rows and one at the end. */
typedef struct progress {
    const char *table;
    int64_t total;
    double last;
    int tty;
} progress;

static void progress_show(progress *pg, int64_t done, int final)
{
    if (pg->total < PROGRESS_MIN) return;
    double now = util_now();
    if (pg->tty) {
        if (!final && now - pg->last < 0.2) return;
        fprintf(stderr, "\r  复制 copying %-22s %10lld / %lld (%3d%%)%s", pg->table, (long long)done,
                (long long)pg->total, (int)(pg->total ? done * 100 / pg->total : 100), final ? "\n" : "");
    } else {
        if (!final && done % 100000) return;
        fprintf(stderr, "  复制 copying %s: %lld / %lld\n", pg->table, (long long)done, (long long)pg->total);
    }
    pg->last = now;
    fflush(stderr);
}

/* The SELECT of t's copied columns (ordered by its key when ordered). */
static char *select_sql(const ctable *t, int ordered)
{
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT ");
    for (int c = 0; c < t->ncols; c++) {
        if (c) buf_puts(&q, ", ");
        put_ident(&q, t->cols[c].name);
    }
    buf_puts(&q, " FROM ");
    put_ident(&q, t->name);
    if (ordered) buf_puts(&q, t->order);
    return buf_detach(&q);
}

/* Where copied rows go: batched multi-row INSERTs with bound values
 * (SQLite), or COPY FROM STDIN in text format (PostgreSQL: several times
 * faster than INSERT; the data is sent in chunks of about COPY_CHUNK
 * bytes).  Both run inside the target's open transaction. */
#define COPY_CHUNK (1 << 20)

typedef struct sink {
    store *dst;
    const ctable *t;
    PGconn *conn; /* COPY when not NULL */
    buf data;     /* COPY: rows not sent yet */
    int copying;  /* COPY: started and not ended */
    cell *cells;  /* INSERT: per * ncols buffered values */
    int per, nbuf;
} sink;

/* Writes the buffered rows with one INSERT, then frees their text. */
static int insert_flush(sink *k, err *e)
{
    const ctable *t = k->t;
    if (!k->nbuf) return 0;
    buf q = BUF_INIT;
    buf_puts(&q, "INSERT INTO ");
    put_ident(&q, t->name);
    buf_puts(&q, " (");
    for (int c = 0; c < t->ncols; c++) {
        if (c) buf_puts(&q, ", ");
        put_ident(&q, t->cols[c].name);
    }
    buf_puts(&q, ") VALUES ");
    for (int r = 0; r < k->nbuf; r++) {
        buf_puts(&q, r ? ", (" : "(");
        for (int c = 0; c < t->ncols; c++) buf_puts(&q, c ? ", ?" : "?");
        buf_putc(&q, ')');
    }
    store_stmt *st = store_prepare(k->dst, q.s, e);
    buf_free(&q);
    int rc = st ? 0 : -1;
    for (int r = 0; st && r < k->nbuf; r++)
        for (int c = 0; c < t->ncols; c++) {
            const cell *v = &k->cells[r * t->ncols + c];
            int i = r * t->ncols + c + 1;
            if (v->null) store_bind_null(st, i);
            else if (t->cols[c].kind == K_INT)
                store_bind_int(st, i, v->i);
            else if (t->cols[c].kind == K_REAL)
                store_bind_double(st, i, v->d);
            else
                store_bind_text(st, i, v->t);
        }
    if (st) {
        rc = store_step(st, e) < 0 ? -1 : 0;
        store_done(st);
    }
    for (int i = 0; i < k->nbuf * t->ncols; i++) {
        free(k->cells[i].t);
        k->cells[i].t = NULL;
    }
    k->nbuf = 0;
    return rc;
}

/* A failed COPY: e gets the server's message (this is an operator's
 * command, the detail helps), and the conventional code of its SQLSTATE. */
static int copy_error(PGconn *conn, PGresult *res, err *e)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (!msg) msg = PQerrorMessage(conn);
    char *text = xasprintf("%s%s%s", msg, detail ? " — " : "", detail ? detail : "");
    int status = 500;
    const char *code = "store.error";
    if (state && !strcmp(state, "23503")) status = 409, code = "conflict.reference";
    else if (state && !strcmp(state, "23505"))
        status = 409, code = "conflict.unique";
    else if (state && !strncmp(state, "23", 2))
        status = 422, code = "validation.constraint";
    err_set(e, status, code, "PostgreSQL 拒绝了数据：%s", "PostgreSQL refused the data: %s", text, text);
    free(text);
    return -1;
}

/* Sends the buffered COPY data. */
static int copy_send(sink *k, err *e)
{
    if (!k->data.len) return 0;
    if (PQputCopyData(k->conn, k->data.s, (int)k->data.len) != 1) return copy_error(k->conn, NULL, e);
    buf_reset(&k->data);
    return 0;
}

/* Starts writing t into dst. */
static int sink_open(sink *k, store *dst, const ctable *t, err *e)
{
    *k = (sink){dst, t, store_pg_conn(dst), BUF_INIT, 0, NULL, 0, 0};
    if (!k->conn) {
        k->per = t->ncols ? MAX_PARAMS / t->ncols : BATCH_ROWS;
        if (k->per > BATCH_ROWS) k->per = BATCH_ROWS;
        if (k->per < 1) k->per = 1;
        k->cells = xcalloc((size_t)k->per * (size_t)t->ncols + 1, sizeof *k->cells);
        return 0;
    }
    buf q = BUF_INIT;
    buf_puts(&q, "COPY ");
    put_ident(&q, t->name);
    buf_puts(&q, " (");
    for (int c = 0; c < t->ncols; c++) {
        if (c) buf_puts(&q, ", ");
        put_ident(&q, t->cols[c].name);
    }
    buf_puts(&q, ") FROM STDIN");
    PGresult *r = PQexec(k->conn, q.s);
    buf_free(&q);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok) copy_error(k->conn, r, e);
    PQclear(r);
    k->copying = ok;
    return ok ? 0 : -1;
}

/* Appends text in COPY's text format (backslash escapes). */
static void copy_text(buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default: buf_putc(b, *s);
        }
    }
}

/* Adds one row (ncols cells; the sink takes their text). */
static int sink_add(sink *k, cell *row, err *e)
{
    const ctable *t = k->t;
    if (!k->conn) {
        memcpy(&k->cells[k->nbuf * t->ncols], row, (size_t)t->ncols * sizeof *row);
        memset(row, 0, (size_t)t->ncols * sizeof *row);
        return ++k->nbuf == k->per ? insert_flush(k, e) : 0;
    }
    for (int c = 0; c < t->ncols; c++) {
        if (c) buf_putc(&k->data, '\t');
        const cell *v = &row[c];
        if (v->null) buf_puts(&k->data, "\\N");
        else if (t->cols[c].kind == K_INT)
            buf_printf(&k->data, "%lld", (long long)v->i);
        else if (t->cols[c].kind == K_REAL)
            buf_printf(&k->data, "%.17g", v->d);
        else
            copy_text(&k->data, v->t);
        free(row[c].t);
        row[c].t = NULL;
    }
    buf_putc(&k->data, '\n');
    return k->data.len >= COPY_CHUNK ? copy_send(k, e) : 0;
}

/* Ends the copy of the table: the rest is written (ok) or the COPY is
 * aborted (!ok); frees the sink.  Returns 0 only when ok and written. */
static int sink_close(sink *k, int ok, err *e)
{
    int rc = ok ? 0 : -1;
    if (!k->conn) {
        if (ok) rc = insert_flush(k, e);
        for (int i = 0; i < k->per * k->t->ncols; i++) free(k->cells[i].t);
        free(k->cells);
    } else if (k->copying) {
        if (ok) rc = copy_send(k, e);
        int end = PQputCopyEnd(k->conn, rc ? "ipcity migrate-data stopped" : NULL);
        PGresult *r;
        while ((r = PQgetResult(k->conn))) {
            if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK) rc = copy_error(k->conn, r, e);
            PQclear(r);
        }
        if (!rc && end != 1) rc = copy_error(k->conn, NULL, e);
    }
    buf_free(&k->data);
    return rc;
}

/* Reads every row of t from s (streamed), adding its digest to sum and
 * counting it; when dst is not NULL also copies the rows there.  pg may
 * be NULL (no progress). */
static int scan_table(store *s, ctable *t, store *dst, unsigned char sum[32], int64_t *rows, progress *pg, err *e)
{
    memset(sum, 0, 32);
    *rows = 0;
    sink k;
    if (dst && sink_open(&k, dst, t, e)) return -1;
    cell *one = xcalloc((size_t)t->ncols + 1, sizeof *one);
    char *sql = select_sql(t, dst != NULL);
    store_stmt *st = store_prepare(s, sql, e);
    free(sql);
    int rc = st ? 0 : -1;
    if (st) store_stream(st);
    buf row = BUF_INIT;
    while (!rc) {
        int r = store_step(st, e);
        if (r <= 0) {
            rc = r;
            break;
        }
        buf_reset(&row);
        for (int c = 0; c < t->ncols && !rc; c++) {
            rc = read_cell(st, c, t->cols[c].kind, t->name, t->cols[c].name, &one[c], e);
            if (!rc) render_cell(&row, t->cols[c].kind, &one[c]);
        }
        if (!rc) {
            unsigned char d[32];
            crypto_hash_sha256(d, (const unsigned char *)buf_cstr(&row), row.len);
            sum_add(sum, d);
            (*rows)++;
            if (dst) rc = sink_add(&k, one, e);
            if (pg) progress_show(pg, *rows, 0);
        }
        for (int c = 0; c < t->ncols; c++) {
            free(one[c].t);
            one[c].t = NULL;
        }
    }
    if (st) store_done(st);
    if (dst) {
        err ce = ERR_INIT; /* the first error wins */
        if (sink_close(&k, rc == 0, rc ? &ce : e)) rc = -1;
        err_clear(&ce);
        if (pg && !rc) progress_show(pg, *rows, 1);
    }
    free(one);
    buf_free(&row);
    return rc < 0 ? -1 : 0;
}

/* Empties a table of the target (the rows its migration step wrote). */
static int empty_table(store *dst, const char *name, err *e)
{
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT COUNT(*) FROM ");
    put_ident(&q, name);
    int64_t n = 0;
    int rc = store_query_int(dst, q.s, &n, e, 0);
    if (!rc && n > 0) {
        buf_reset(&q);
        buf_puts(&q, "DELETE FROM ");
        put_ident(&q, name);
        rc = store_exec(dst, q.s, e);
    }
    buf_free(&q);
    return rc;
}

/* SQLite target: the foreign keys, which it checks only at commit
 * (defer_foreign_keys), checked now to name the first dangling row. */
static int fk_check(store *dst, err *e)
{
    store_stmt *st = store_prepare(dst, "SELECT \"table\", rowid, \"parent\" FROM pragma_foreign_key_check LIMIT 1", e);
    if (!st) return -1;
    int rc = store_step(st, e);
    if (rc == 1) {
        char *t = xstrdup(store_col_text(st, 0)), *parent = xstrdup(store_col_text(st, 2));
        long long rowid = (long long)store_col_int(st, 1);
        err_set(e, 409, "conflict.reference", "表 %s 的第 %lld 行引用了表 %s 中不存在的记录（源库中的悬空引用）",
                "Table %s, row %lld refers to a row of %s that does not exist (a dangling reference in the source)", t,
                rowid, parent);
        free(t);
        free(parent);
    }
    store_done(st);
    return rc == 0 ? 0 : -1;
}

/* PostgreSQL target: moves each identity sequence past the copied ids. */
static int set_sequences(store *dst, const plan *p, err *e)
{
    for (int i = 0; i < p->n; i++) {
        const ctable *t = &p->t[i];
        if (!t->ident) continue;
        buf name = BUF_INIT, q = BUF_INIT;
        put_ident(&name, t->name);
        buf_puts(&q, "SELECT setval(pg_get_serial_sequence(?, ?)::regclass, m) FROM (SELECT MAX(");
        put_ident(&q, t->ident);
        buf_puts(&q, ") AS m FROM ");
        put_ident(&q, t->name);
        buf_puts(&q, ") x WHERE m IS NOT NULL");
        store_stmt *st = store_prepare(dst, q.s, e);
        int rc = st ? 0 : -1;
        if (st) {
            store_bind_text(st, 1, name.s);
            store_bind_text(st, 2, t->ident);
            rc = store_step(st, e) < 0 ? -1 : 0;
            store_done(st);
        }
        buf_free(&name);
        buf_free(&q);
        if (rc) return -1;
    }
    return 0;
}

/* ---- the command ---- */

/* The SQLite file path of url, or NULL for a PostgreSQL URL. */
static const char *file_of(const char *url)
{
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) return NULL;
    return strncmp(url, "sqlite:", 7) ? url : url + 7;
}

/* Removes a SQLite file this command created, with its journals. */
static void remove_sqlite(const char *path)
{
    static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char *f = xasprintf("%s%s", path, sfx[i]);
        unlink(f);
        free(f);
    }
}

/* Opens the source: it must exist and be an ipcity database; it is brought
 * to the current schema and its audit chain must be intact. */
static int open_source(const char *url, store **out, int64_t *audit_n, err *e)
{
    *out = NULL;
    const char *path = file_of(url);
    if (path && access(path, F_OK))
        return err_set(e, 404, "migrate.no_source", "源数据库 %s 不存在", "There is no source database at %s", path);
    store *s = NULL;
    if (store_open(url, &s, e)) return err_context(e, "无法打开源数据库", "Cannot open the source database");
    strv names = {0};
    int rc = list_tables(s, &names, e);
    if (!rc && (!strv_has(&names, "schema_meta") || !strv_has(&names, "audit_log")))
        rc = err_set(e, 422, "migrate.not_ipcity", "源数据库不是 ipcity 数据库（没有 schema_meta、audit_log）",
                     "The source is not an ipcity database (no schema_meta, audit_log)");
    strv_free(&names);
    if (!rc && schema_migrate(s, NULL, NULL, e)) rc = err_context(e, "源数据库", "The source database");
    if (!rc && audit_verify(s, audit_n, e))
        rc = err_context(e, "源数据库的审计链不完整，不能迁移（请先从备份恢复）",
                         "The source's audit chain is not intact, it cannot be migrated (restore a backup first)");
    if (rc) {
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* Opens the target, which must be empty; *created tells whether this
 * created its SQLite file. */
static int open_target(const char *url, store **out, int *created, err *e)
{
    *out = NULL;
    *created = 0;
    const char *path = file_of(url);
    if (path) *created = access(path, F_OK) != 0;
    store *s = NULL;
    if (store_open(url, &s, e)) {
        if (*created) remove_sqlite(path);
        return err_context(e, "无法打开目标数据库", "Cannot open the target database");
    }
    int64_t n = 0;
    int rc = count_objects(s, &n, e);
    if (!rc && n > 0) {
        char *shown = cli_url_shown(url);
        rc = err_set(e, 409, "migrate.target_not_empty",
                     "目标数据库 %s 不是空的（已有 %lld 个表或其他对象）：migrate-data 只写入空数据库，不覆盖数据。"
                     "请新建一个空数据库（PostgreSQL：createdb -E UTF8 名称；SQLite：一个不存在的文件路径）",
                     "The target database %s is not empty (it has %lld tables or other objects): migrate-data only "
                     "writes into an empty database and never overwrites data. Create an empty one (PostgreSQL: "
                     "createdb -E UTF8 NAME; SQLite: a path that does not exist yet)",
                     shown, (long long)n);
        free(shown);
    }
    if (rc) {
        store_close(s);
        if (*created) remove_sqlite(path);
        *created = 0;
        return -1;
    }
    *out = s;
    return 0;
}

/* Prints the table of counts and checksums; returns the number of tables
 * that differ. */
static int print_report(const plan *p)
{
    int bad = 0;
    /* (the CJK words take two columns each on a terminal) */
    printf("表 table                  源行数 source   目标 target  校验和 checksum   结果 result\n");
    for (int i = 0; i < p->n; i++) {
        const ctable *t = &p->t[i];
        char s[65], d[65];
        util_hex(t->src_sum, 32, s);
        util_hex(t->dst_sum, 32, d);
        int same = t->src_rows == t->dst_rows && !memcmp(t->src_sum, t->dst_sum, 32);
        if (!same) bad++;
        printf("%-24s %15lld %12lld  %.16s  %s", t->name, (long long)t->src_rows, (long long)t->dst_rows, s,
               same ? "一致 ok" : "不一致 MISMATCH");
        if (!same) printf(" (目标 target %.16s)", d);
        printf("\n");
    }
    for (int i = 0; i < p->skipped.n; i++)
        printf("%-24s %15s %12s  %-16s  %s\n", p->skipped.v[i], "-", "-", "-",
               "检索索引，已重建 search index, rebuilt");
    return bad;
}

/* The migration itself (see the file comment); prints the report. */
static int migrate_run(const char *from, const char *to, int *touched, err *e)
{
    double t0 = util_now();
    store *src = NULL, *dst = NULL;
    int created = 0, rc = 0, bad = 0;
    int64_t src_audit = 0, dst_audit = 0, total_rows = 0;
    plan p = {0};
    const char *dst_path = file_of(to);
    char *from_shown = cli_url_shown(from), *to_shown = cli_url_shown(to);
    if (!strcmp(from, to)) {
        rc = err_set(e, 409, "migrate.same_database", "源与目标是同一个数据库",
                     "The source and the target are the same database");
        goto out;
    }
    if (open_source(from, &src, &src_audit, e) || open_target(to, &dst, &created, e)) {
        rc = -1;
        goto out;
    }
    *touched = 1;
    fprintf(stderr, "迁移 migrating %s -> %s\n", from_shown, to_shown);
    /* a snapshot of the source, and its writers locked out */
    if (store_begin(src, e)) {
        rc = err_context(e, "无法锁定源数据库（服务是否在运行？）",
                         "Cannot lock the source database (is the server running?)");
        goto out;
    }
    if (store_begin(dst, e)) {
        rc = -1;
        goto out;
    }
    if (store_kind_of(dst) == STORE_SQLITE && store_exec(dst, "PRAGMA defer_foreign_keys = ON", e)) {
        rc = -1;
        goto out;
    }
    if (schema_create_tx(dst, e)) {
        rc = err_context(e, "在目标上建表失败", "Creating the schema on the target failed");
        goto out;
    }
    log_info("migrate-data: source checked, schema created in %.1f s", util_now() - t0);
    if (make_plan(src, dst, &p, e) || triggers_off(dst, &p, e)) {
        rc = -1;
        goto out;
    }
    for (int i = 0; i < p.n; i++) {
        ctable *t = &p.t[i];
        buf q = BUF_INIT;
        buf_puts(&q, "SELECT COUNT(*) FROM ");
        put_ident(&q, t->name);
        int64_t n = 0;
        rc = store_query_int(src, q.s, &n, e, 0);
        buf_free(&q);
        progress pg = {t->name, n, 0, isatty(STDERR_FILENO)};
        if (!rc) rc = empty_table(dst, t->name, e);
        if (!rc) rc = scan_table(src, t, dst, t->src_sum, &t->src_rows, &pg, e);
        if (rc) {
            char *zh = xasprintf("复制表 %s 失败", t->name), *en = xasprintf("Copying table %s failed", t->name);
            err_context(e, zh, en);
            free(zh);
            free(en);
            goto out;
        }
        total_rows += t->src_rows;
        log_debug("migrate-data: %s: %lld rows at %.2f s", t->name, (long long)t->src_rows, util_now() - t0);
    }
    if (triggers_on(dst, &p, e) || (store_kind_of(dst) == STORE_PG && set_sequences(dst, &p, e))) {
        rc = -1;
        goto out;
    }
    log_info("migrate-data: %lld rows copied in %.1f s", (long long)total_rows, util_now() - t0);
    double t1 = util_now();
    if (rs_rebuild(dst, e)) {
        rc = err_context(e, "重建检索索引失败", "Rebuilding the search indexes failed");
        goto out;
    }
    log_info("migrate-data: search indexes rebuilt in %.1f s", util_now() - t1);
    t1 = util_now();
    if (store_kind_of(dst) == STORE_SQLITE && fk_check(dst, e)) {
        rc = -1;
        goto out;
    }
    /* verification: every table read back from the target */
    for (int i = 0; i < p.n; i++)
        if (scan_table(dst, &p.t[i], NULL, p.t[i].dst_sum, &p.t[i].dst_rows, NULL, e)) {
            rc = err_context(e, "读取目标以校验失败", "Reading the target back failed");
            goto out;
        }
    log_info("migrate-data: target read back and summed in %.1f s", util_now() - t1);
    bad = print_report(&p);
    if (bad) {
        rc = err_set(e, 500, "migrate.mismatch", "%d 个表在目标上与源库不一致：已回滚，目标未改变",
                     "%d tables differ between the source and the target: rolled back, the target is unchanged", bad);
        goto out;
    }
    if (audit_verify(dst, &dst_audit, e) || dst_audit != src_audit) {
        if (!err_isset(e))
            err_set(e, 500, "migrate.mismatch", "目标审计链条目数 %lld 与源库 %lld 不同",
                    "The target's audit chain has %lld entries, the source's %lld", (long long)dst_audit,
                    (long long)src_audit);
        rc = err_context(e, "目标的审计链校验失败：已回滚", "The target's audit chain does not verify: rolled back");
        goto out;
    }
    if (store_commit(dst, e)) {
        rc = err_context(e, "提交失败，目标未改变", "The commit failed; the target is unchanged");
        goto out;
    }
    store_rollback(src);
    if (store_kind_of(dst) == STORE_PG) { /* planner statistics for the new tables */
        err ae = ERR_INIT;
        if (store_exec(dst, "ANALYZE", &ae)) log_warn("ANALYZE after the migration: %s", err_msg(&ae, LANG_EN));
        err_clear(&ae);
    }
    printf("已迁移 %d 个表、%lld 行，审计链完整（%lld 条），用时 %.1f 秒：%s\n", p.n, (long long)total_rows,
           (long long)dst_audit, util_now() - t0, to_shown);
    printf("migrated %d tables, %lld rows, audit chain intact (%lld entries) in %.1f s: %s\n", p.n,
           (long long)total_rows, (long long)dst_audit, util_now() - t0, to_shown);
out:
    if (dst) store_rollback(dst); /* no-op after the commit */
    if (src) store_rollback(src);
    store_close(src);
    store_close(dst);
    if (rc && created && dst_path) remove_sqlite(dst_path);
    plan_free(&p);
    free(from_shown);
    free(to_shown);
    return rc;
}

int cmd_migrate_data(int argc, char **argv)
{
    if (cli_wants_help(argc, argv, migrate_usage)) return 0;
    static const char *const valued[] = {"--from", "--to", NULL};
    const char *pos[1];
    const char *from = cli_opt(argc, argv, "--from");
    const char *to = cli_opt(argc, argv, "--to");
    if (!from) from = cfg_get("db");
    if (!to || !*to || !from || !*from || cli_positionals(argc, argv, pos, 1, valued) != 0) {
        fputs(migrate_usage, stderr);
        return 2;
    }
    err e = ERR_INIT;
    int touched = 0;
    /* a SQLite target that did not exist is removed again on failure; an existing empty one stays */
    int created = file_of(to) && access(file_of(to), F_OK) != 0;
    int rc = migrate_run(from, to, &touched, &e);
    if (rc) cli_error(&e);
    if (rc && touched)
        fprintf(stderr, "目标数据库未改变（事务已回滚%s）/ the target database is unchanged (rolled back%s)\n",
                created && file_of(to) ? "；本命令创建的文件已删除" : "",
                created && file_of(to) ? "; the file this command created is removed" : "");
    err_clear(&e);
    return rc ? 1 : 0;
}
