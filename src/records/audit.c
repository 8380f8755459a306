/* audit.c - hash-chained audit log; see audit.h. */
#include "audit.h"
#include "rec_int.h"

#include "../base/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

int audit_create_tables(store *db, err *e)
{
    buf sql = BUF_INIT;
    buf_printf(&sql,
               "CREATE TABLE IF NOT EXISTS audit_log (seq %s NOT NULL PRIMARY KEY, at TEXT NOT NULL,"
               " user_id %s, user_name TEXT, action TEXT NOT NULL, rtype TEXT, rid %s,"
               " before_json TEXT, after_json TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
               "CREATE INDEX IF NOT EXISTS ix_audit_record ON audit_log(rtype, rid);"
               "CREATE TABLE IF NOT EXISTS audit_head (id %s NOT NULL PRIMARY KEY, seq %s NOT NULL,"
               " hash TEXT NOT NULL);"
               "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" GENESIS "')"
               " ON CONFLICT (id) DO NOTHING;",
               store_sql_type(db, STORE_T_INT), store_sql_type(db, STORE_T_INT), store_sql_type(db, STORE_T_INT),
               store_sql_type(db, STORE_T_INT), store_sql_type(db, STORE_T_INT));
    int rc = store_exec(db, buf_cstr(&sql), e);
    buf_free(&sql);
    return rc ? rc : store_append_only(db, "audit_log", e);
}

static char *canon(const json_t *v)
{
    return v ? json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static void entry_hash(const char *prev, int64_t seq, const char *at, const char *user, const char *action,
                       const char *rtype, const char *rid, const char *before, const char *after, char out[65])
{
    buf b = BUF_INIT;
    buf_printf(&b, "%s\n%" PRId64 "\n%s\n%s\n%s\n%s\n%s\n%s\n%s", prev, seq, at, user ? user : "", action,
               rtype ? rtype : "", rid ? rid : "", before ? before : "", after ? after : "");
    util_sha256_hex(b.s, b.len, out);
    buf_free(&b);
}

/* Reads the chain head (locked where the backend locks rows): the last
 * sequence number and hash. */
static int head_read(store *db, int64_t *seq, char hash[65], err *e)
{
    buf q = BUF_INIT;
    buf_printf(&q, "SELECT seq, hash FROM audit_head WHERE id = 1%s", store_sql_for_update(db));
    store_stmt *st = store_prepare(db, buf_cstr(&q), e);
    buf_free(&q);
    if (!st) return -1;
    int rc = store_step(st, e);
    if (rc != 1) {
        store_done(st);
        return rc < 0 ? -1 : err_set(e, 500, "audit.no_head", "审计链头缺失", "Audit head missing");
    }
    *seq = store_col_int(st, 0);
    snprintf(hash, 65, "%s", store_col_text(st, 1) ? store_col_text(st, 1) : "");
    store_done(st);
    return 0;
}

int audit_head_write(store *db, int64_t seq, const char *hash, err *e)
{
    store_stmt *st = store_prepare(db, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e);
    if (!st) return -1;
    store_bind_int(st, 1, seq);
    store_bind_text(st, 2, hash);
    int rc = store_step(st, e);
    store_done(st);
    return rc < 0 ? -1 : 0;
}

static const char *const log_cols[] = {"seq", "at",          "user_id",    "user_name", "action", "rtype",
                                       "rid", "before_json", "after_json", "prev_hash", "hash"};

int audit_append(store *db, const rec_actor *a, const char *action, const char *rtype, int64_t rid,
                 const json_t *before, const json_t *after, err *e)
{
    if (!store_in_tx(db))
        return err_set(e, 500, "audit.no_tx", "内部错误：审计必须在事务中写入",
                       "Internal error: audit entries must be written in a transaction");
    /* in bulk mode the head is read once and kept, entries are queued and
     * the head is written when they are (rec_bulk.c) */
    rec_audit_head *bh = rec_bulk_audit_head(db);
    int64_t seq = 0;
    char prev[65];
    if (bh && bh->have) {
        seq = bh->seq;
        memcpy(prev, bh->hash, sizeof prev);
    } else if (head_read(db, &seq, prev, e))
        return -1;
    seq++;

    char at[40], hash[65], ridbuf[32] = "";
    util_now_iso(at, sizeof at);
    if (rid) snprintf(ridbuf, sizeof ridbuf, "%" PRId64, rid);
    char *bj = canon(before), *aj = canon(after);
    const char *user = a && a->name ? a->name : "system";
    entry_hash(prev, seq, at, user, action, rtype, ridbuf, bj, aj, hash);

    int rc = -1;
    if (bh) {
        char seqbuf[32], uidbuf[32];
        snprintf(seqbuf, sizeof seqbuf, "%" PRId64, seq);
        snprintf(uidbuf, sizeof uidbuf, "%" PRId64, a ? a->user_id : 0);
        const char *vals[] = {
            seqbuf, at, a && a->user_id ? uidbuf : NULL, user, action, rtype, rid ? ridbuf : NULL, bj, aj, prev, hash};
        if (rec_bulk_insert(db, "audit_log", log_cols, 11, vals, e)) goto out;
        bh->have = bh->dirty = 1;
        bh->seq = seq;
        memcpy(bh->hash, hash, sizeof bh->hash);
        rc = 0;
        goto out;
    }
    store_stmt *st =
        store_prepare(db,
                      "INSERT INTO audit_log (seq, at, user_id, user_name, action, rtype, rid, before_json,"
                      " after_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      e);
    if (!st) goto out;
    store_bind_int(st, 1, seq);
    store_bind_text(st, 2, at);
    if (a && a->user_id) store_bind_int(st, 3, a->user_id);
    else
        store_bind_null(st, 3);
    store_bind_text(st, 4, user);
    store_bind_text(st, 5, action);
    store_bind_text(st, 6, rtype);
    if (rid) store_bind_int(st, 7, rid);
    else
        store_bind_null(st, 7);
    store_bind_text(st, 8, bj);
    store_bind_text(st, 9, aj);
    store_bind_text(st, 10, prev);
    store_bind_text(st, 11, hash);
    int s1 = store_step(st, e);
    store_done(st);
    if (s1 < 0 || audit_head_write(db, seq, hash, e)) goto out;
    rc = 0;
out:
    free(bj);
    free(aj);
    return rc;
}

int audit_verify(store *db, int64_t *count, err *e)
{
    *count = 0;
    store_stmt *st = store_prepare(db,
                                   "SELECT seq, at, user_name, action, rtype, rid, before_json, after_json,"
                                   " prev_hash, hash FROM audit_log ORDER BY seq",
                                   e);
    if (!st) return -1;
    char prev[65] = GENESIS;
    int64_t expect = 1;
    int rc;
    while ((rc = store_step(st, e)) == 1) {
        int64_t seq = store_col_int(st, 0);
        char h[65];
        if (seq != expect) {
            store_done(st);
            return err_set(e, 409, "audit.broken", "审计链断裂：缺少第 %lld 条记录（下一条为第 %lld 条）",
                           "Audit chain broken: entry %lld is missing (next is %lld)", (long long)expect,
                           (long long)seq);
        }
        const char *stored_prev = store_col_text(st, 8);
        const char *stored_hash = store_col_text(st, 9);
        entry_hash(prev, seq, store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3),
                   store_col_text(st, 4), store_col_text(st, 5), store_col_text(st, 6), store_col_text(st, 7), h);
        if (!stored_prev || strcmp(stored_prev, prev) || !stored_hash || strcmp(stored_hash, h)) {
            store_done(st);
            return err_set(e, 409, "audit.broken", "审计链校验失败：第 %lld 条记录被篡改",
                           "Audit chain verification failed: entry %lld has been altered", (long long)seq);
        }
        memcpy(prev, h, sizeof prev);
        expect++;
        (*count)++;
    }
    store_done(st);
    if (rc < 0) return -1;
    st = store_prepare(db, "SELECT seq, hash FROM audit_head WHERE id = 1", e);
    if (!st) return -1;
    rc = store_step(st, e);
    int ok = rc == 1 && store_col_int(st, 0) == *count && !strcmp(store_col_text(st, 1), prev);
    store_done(st);
    if (rc < 0) return -1;
    if (!ok)
        return err_set(e, 409, "audit.broken", "审计链校验失败：链头与最后一条记录（第 %lld 条）不符",
                       "Audit chain verification failed: the head does not match the last entry (%lld)",
                       (long long)*count);
    return 0;
}

int audit_list(store *db, int64_t before_seq, int limit, const char *rtype, int64_t rid, json_t **out, err *e)
{
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT seq, at, user_name, action, rtype, rid, before_json, after_json, hash"
                 " FROM audit_log WHERE 1=1");
    int n = 0;
    if (before_seq > 0) buf_puts(&q, " AND seq < ?");
    if (rtype) buf_puts(&q, " AND rtype = ?");
    if (rid) buf_puts(&q, " AND rid = ?");
    buf_puts(&q, " ORDER BY seq DESC LIMIT ?");
    store_stmt *st = store_prepare(db, buf_cstr(&q), e);
    buf_free(&q);
    if (!st) return -1;
    if (before_seq > 0) store_bind_int(st, ++n, before_seq);
    if (rtype) store_bind_text(st, ++n, rtype);
    if (rid) store_bind_int(st, ++n, rid);
    store_bind_int(st, ++n, limit + 1);
    json_t *items = json_array();
    int rc, got = 0;
    int64_t last = 0;
    while ((rc = store_step(st, e)) == 1) {
        if (got == limit) break;
        json_t *it = json_object();
        last = store_col_int(st, 0);
        json_object_set_new(it, "seq", json_integer(last));
        json_object_set_new(it, "at", json_string(store_col_text(st, 1)));
        json_object_set_new(it, "user", json_string(store_col_text(st, 2) ? store_col_text(st, 2) : ""));
        json_object_set_new(it, "action", json_string(store_col_text(st, 3)));
        json_object_set_new(it, "type", store_col_isnull(st, 4) ? json_null() : json_string(store_col_text(st, 4)));
        json_object_set_new(it, "record_id",
                            store_col_isnull(st, 5) ? json_null() : json_integer(store_col_int(st, 5)));
        for (int c = 6; c <= 7; c++) {
            const char *txt = store_col_text(st, c);
            json_t *v = txt ? json_loads(txt, JSON_DECODE_ANY, NULL) : NULL;
            json_object_set_new(it, c == 6 ? "before" : "after", v ? v : json_null());
        }
        json_object_set_new(it, "hash", json_string(store_col_text(st, 8)));
        json_array_append_new(items, it);
        got++;
    }
    int more = rc == 1;
    store_done(st);
    if (rc < 0) {
        json_decref(items);
        return -1;
    }
    *out = json_object();
    json_object_set_new(*out, "items", items);
    if (more) json_object_set_new(*out, "next_cursor", json_sprintf("%lld", (long long)last));
    else
        json_object_set_new(*out, "next_cursor", json_null());
    return 0;
}
