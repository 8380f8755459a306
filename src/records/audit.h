/*
 * audit.h - the append-only, hash-chained audit log.
 *
 * Every write (record create/update/delete, logins, tokens, imports) adds
 * an entry: sequence number, time, actor, action, record type and id, the
 * row before and after (canonical JSON: sorted keys, compact).  Each entry
 * stores hash = SHA-256(prev_hash "\n" seq "\n" at "\n" user "\n" action
 * "\n" rtype "\n" rid "\n" before "\n" after), and the head (last seq and
 * hash) is kept in audit_head, so editing, deleting or inserting an entry,
 * or cutting the tail, breaks the chain.  Triggers refuse UPDATE and
 * DELETE on audit_log from ordinary SQL.
 */
#ifndef IPC_AUDIT_H
#define IPC_AUDIT_H

#include "rec.h"

/* Creates audit_log, audit_head and the append-only triggers. */
int audit_create_tables(store *db, err *e);
/* Appends one entry. Must run inside the caller's write transaction, so
 * the entry commits or rolls back with the write it describes.  before
 * and after may be NULL. */
int audit_append(store *db, const rec_actor *a, const char *action, const char *rtype, int64_t rid,
                 const json_t *before, const json_t *after, err *e);
/* Verifies the whole chain. On success *count is the number of entries.
 * On a break returns -1 with e naming the first bad sequence number
 * (code "audit.broken"). */
int audit_verify(store *db, int64_t *count, err *e);
/* Lists entries newest first: after_seq = 0 starts at the head.
 * *out = {"items":[...],"next_cursor":...}. */
int audit_list(store *db, int64_t before_seq, int limit, const char *rtype, int64_t rid, json_t **out, err *e);

#endif
