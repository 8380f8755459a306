/* accounts.c - passwords, sessions, tokens, throttling; see accounts.h. */
#include "accounts.h"

#include "../base/log.h"
#include "../base/util.h"
#include "../records/audit.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void acct_user_free(acct_user *u)
{
    free(u->name);
    free(u->dept);
    free(u->display_name);
    free(u->csrf);
    memset(u, 0, sizeof *u);
}

int acct_create_tables(store *db, err *e)
{
    buf b = BUF_INIT;
    const char *I = store_sql_type(db, STORE_T_INT), *PK = store_sql_type(db, STORE_T_PK);
    buf_printf(&b,
               "CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT NOT NULL PRIMARY KEY,"
               " user_id %s NOT NULL REFERENCES users(id), csrf TEXT NOT NULL, created_at TEXT NOT NULL,"
               " expires %s NOT NULL);"
               "CREATE INDEX IF NOT EXISTS ix_sessions_user ON sessions(user_id);"
               "CREATE TABLE IF NOT EXISTS api_tokens (id %s, token_hash TEXT NOT NULL UNIQUE,"
               " user_id %s NOT NULL REFERENCES users(id), label TEXT, created_at TEXT NOT NULL,"
               " revoked_at TEXT);"
               "CREATE TABLE IF NOT EXISTS login_attempts (name TEXT NOT NULL PRIMARY KEY,"
               " failures %s NOT NULL, last_failure %s NOT NULL, locked_until %s NOT NULL);",
               I, I, PK, I, I, I, I);
    int rc = store_exec(db, b.s, e);
    buf_free(&b);
    return rc;
}

char *acct_hash_password(const char *pw)
{
    char *out = xmalloc(crypto_pwhash_STRBYTES);
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

int acct_password_ok(const char *pw, err *e)
{
    size_t n = pw ? util_utf8_len(pw) : 0;
    if (n < 8 || n > 128)
        return err_set(e, 422, "validation.password", "密码长度应为 8 到 128 个字符",
                       "The password must have 8 to 128 characters");
    return 0;
}

/* Loads user fields by a WHERE clause bound to one value; 1 found. */
static int load_user(store *db, const char *where, const char *text, int64_t num, acct_user *u, char **hash,
                     int *disabled, err *e)
{
    buf q = BUF_INIT;
    buf_printf(&q,
               "SELECT id, name, role, dept, display_name, password_hash, disabled FROM users WHERE %s"
               " AND deleted_at IS NULL",
               where);
    store_stmt *st = store_prepare(db, q.s, e);
    buf_free(&q);
    if (!st) return -1;
    if (text) store_bind_text(st, 1, text);
    else
        store_bind_int(st, 1, num);
    int rc = store_step(st, e);
    if (rc == 1) {
        u->actor.user_id = store_col_int(st, 0);
        u->name = xstrdup(store_col_text(st, 1));
        if (rec_role_parse(store_col_text(st, 2), &u->actor.role)) u->actor.role = ROLE_PUBLIC;
        u->dept = xstrdup(store_col_text(st, 3));
        u->display_name = xstrdup(store_col_text(st, 4));
        if (hash) *hash = xstrdup(store_col_text(st, 5));
        *disabled = (int)store_col_int(st, 6);
        u->actor.name = u->name;
        u->actor.dept = u->dept;
    }
    store_done(st);
    return rc;
}

static int throttle_check(store *db, const acct_policy *p, const char *name, time_t now, err *e)
{
    store_stmt *st =
        store_prepare(db, "SELECT failures, last_failure, locked_until FROM login_attempts WHERE name = ?", e);
    if (!st) return -1;
    store_bind_text(st, 1, name);
    int rc = store_step(st, e);
    int64_t fails = 0, last = 0, locked = 0;
    if (rc == 1) {
        fails = store_col_int(st, 0);
        last = store_col_int(st, 1);
        locked = store_col_int(st, 2);
    }
    store_done(st);
    if (rc < 0) return -1;
    if (locked > now) {
        char wait[32];
        snprintf(wait, sizeof wait, "%lld", (long long)(locked - now));
        err_set(e, 429, "auth.locked", "登录失败次数过多，账户已锁定，请 %s 秒后再试",
                "Too many failed logins; the account is locked, try again in %s seconds", wait, wait);
        return err_at(e, NULL, 0, 0, wait);
    }
    if (fails >= p->slow_after) {
        int64_t delay = (int64_t)1 << (fails - p->slow_after > 20 ? 20 : fails - p->slow_after);
        if (last + delay > now) {
            char wait[32];
            snprintf(wait, sizeof wait, "%lld", (long long)(last + delay - now));
            err_set(e, 429, "auth.slow_down", "登录失败次数较多，请 %s 秒后再试",
                    "Too many failed logins; wait %s seconds", wait, wait);
            return err_at(e, NULL, 0, 0, wait);
        }
    }
    return 0;
}

static int record_failure(store *db, const acct_policy *p, const char *name, time_t now, err *e)
{
    if (store_begin(db, e)) return -1;
    store_stmt *st = store_prepare(db,
                                   "INSERT INTO login_attempts (name, failures, last_failure, locked_until)"
                                   " VALUES (?, 1, ?, 0) ON CONFLICT (name) DO UPDATE SET"
                                   " failures = login_attempts.failures + 1, last_failure = excluded.last_failure"
                                   " RETURNING failures",
                                   e);
    if (!st) goto fail;
    store_bind_text(st, 1, name);
    store_bind_int(st, 2, now);
    int rc = store_step(st, e);
    int64_t fails = rc == 1 ? store_col_int(st, 0) : 0;
    store_done(st);
    if (rc < 0) goto fail;
    if (fails >= p->lock_after) {
        st = store_prepare(db, "UPDATE login_attempts SET locked_until = ?, failures = 0 WHERE name = ?", e);
        if (!st) goto fail;
        store_bind_int(st, 1, now + p->lock_seconds);
        store_bind_text(st, 2, name);
        rc = store_step(st, e);
        store_done(st);
        if (rc < 0) goto fail;
    }
    rec_actor anon = {0, name, ROLE_PUBLIC, NULL};
    json_t *info = json_pack("{s:s,s:I}", "name", name, "failures", (json_int_t)fails);
    rc = audit_append(db, &anon, fails >= p->lock_after ? "login_locked" : "login_failed", "user", 0, NULL, info, e);
    json_decref(info);
    if (rc) goto fail;
    return store_commit(db, e);
fail:
    store_rollback(db);
    return -1;
}

static char *dummy_hash;

static void make_dummy_hash(void) { dummy_hash = acct_hash_password("ipcity-no-such-user"); }

int acct_login(store *db, const acct_policy *p, const char *name, const char *password, char **token, acct_user *u,
               err *e)
{
    *token = NULL;
    memset(u, 0, sizeof *u);
    time_t now = time(NULL);
    if (!name || !*name || !password)
        return err_set(e, 400, "auth.missing", "请提供用户名和密码", "User name and password are required");
    if (throttle_check(db, p, name, now, e)) return -1;
    char *hash = NULL;
    int disabled = 0;
    int found = load_user(db, "name = ?", name, 0, u, &hash, &disabled, e);
    if (found < 0) return -1;
    /* an unknown name costs the same argon2id verification as a known one,
     * so response times do not tell which names exist */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_dummy_hash);
    int ok = found == 1 && hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    if (found != 1 && dummy_hash && crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
        ok = 0; /* never true: the dummy password is not a user's */
    free(hash);
    if (!ok) {
        acct_user_free(u);
        err tmp = ERR_INIT;
        if (record_failure(db, p, name, now, &tmp)) log_warn("recording a failed login: %s", err_msg(&tmp, LANG_EN));
        err_clear(&tmp);
        return err_set(e, 401, "auth.failed", "用户名或密码错误", "Wrong user name or password");
    }
    if (disabled) {
        acct_user_free(u);
        return err_set(e, 403, "auth.disabled", "该账户已停用", "This account is disabled");
    }
    char *tok = util_random_token(32), th[65], at[40];
    util_sha256_hex(tok, strlen(tok), th);
    util_now_iso(at, sizeof at);
    u->csrf = util_random_token(16);
    if (store_begin(db, e)) goto fail;
    store_stmt *st = store_prepare(
        db, "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires) VALUES (?, ?, ?, ?, ?)", e);
    if (!st) goto fail_tx;
    store_bind_text(st, 1, th);
    store_bind_int(st, 2, u->actor.user_id);
    store_bind_text(st, 3, u->csrf);
    store_bind_text(st, 4, at);
    store_bind_int(st, 5, (int64_t)now + p->session_ttl);
    int rc = store_step(st, e);
    store_done(st);
    if (rc < 0) goto fail_tx;
    st = store_prepare(db, "DELETE FROM login_attempts WHERE name = ?", e);
    if (!st) goto fail_tx;
    store_bind_text(st, 1, name);
    rc = store_step(st, e);
    store_done(st);
    if (rc < 0) goto fail_tx;
    st = store_prepare(db, "DELETE FROM sessions WHERE expires < ?", e);
    if (!st) goto fail_tx;
    store_bind_int(st, 1, (int64_t)now);
    rc = store_step(st, e);
    store_done(st);
    if (rc < 0) goto fail_tx;
    if (audit_append(db, &u->actor, "login", "user", u->actor.user_id, NULL, NULL, e)) goto fail_tx;
    if (store_commit(db, e)) goto fail;
    *token = tok;
    return 0;
fail_tx:
    store_rollback(db);
fail:
    free(tok);
    acct_user_free(u);
    return -1;
}

int acct_session(store *db, const char *token, acct_user *u, err *e)
{
    memset(u, 0, sizeof *u);
    char th[65];
    util_sha256_hex(token, strlen(token), th);
    store_stmt *st = store_prepare(db, "SELECT user_id, csrf, expires FROM sessions WHERE token_hash = ?", e);
    if (!st) return -1;
    store_bind_text(st, 1, th);
    int rc = store_step(st, e);
    int64_t uid = 0, exp = 0;
    char *csrf = NULL;
    if (rc == 1) {
        uid = store_col_int(st, 0);
        csrf = xstrdup(store_col_text(st, 1));
        exp = store_col_int(st, 2);
    }
    store_done(st);
    if (rc <= 0 || exp <= (int64_t)time(NULL)) {
        free(csrf);
        return rc < 0 ? -1 : 0;
    }
    int disabled = 0;
    rc = load_user(db, "id = ?", NULL, uid, u, NULL, &disabled, e);
    if (rc != 1 || disabled) {
        free(csrf);
        acct_user_free(u);
        return rc < 0 ? -1 : 0;
    }
    u->csrf = csrf;
    return 1;
}

int acct_logout(store *db, const acct_user *u, const char *token, err *e)
{
    char th[65];
    util_sha256_hex(token, strlen(token), th);
    if (store_begin(db, e)) return -1;
    store_stmt *st = store_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", e);
    if (!st) goto fail;
    store_bind_text(st, 1, th);
    int rc = store_step(st, e);
    store_done(st);
    if (rc < 0 || audit_append(db, &u->actor, "logout", "user", u->actor.user_id, NULL, NULL, e)) goto fail;
    return store_commit(db, e);
fail:
    store_rollback(db);
    return -1;
}

int acct_token_create(store *db, const rec_actor *a, const char *name, const char *label, char **token, err *e)
{
    *token = NULL;
    acct_user u = {0};
    int disabled = 0;
    int rc = load_user(db, "name = ?", name, 0, &u, NULL, &disabled, e);
    if (rc <= 0) {
        acct_user_free(&u);
        return rc < 0 ? -1
                      : err_set(e, 404, "user.not_found", "用户“%s”不存在", "User \"%s\" does not exist", name, name);
    }
    char *secret = util_random_token(24);
    char *tok = xasprintf("ipc_%s", secret);
    free(secret);
    char th[65], at[40];
    util_sha256_hex(tok, strlen(tok), th);
    util_now_iso(at, sizeof at);
    if (store_begin(db, e)) goto fail;
    store_stmt *st = store_prepare(
        db, "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?, ?, ?, ?) RETURNING id", e);
    if (!st) goto fail_tx;
    store_bind_text(st, 1, th);
    store_bind_int(st, 2, u.actor.user_id);
    store_bind_text(st, 3, label);
    store_bind_text(st, 4, at);
    rc = store_step(st, e);
    int64_t id = rc == 1 ? store_col_int(st, 0) : 0;
    store_done(st);
    if (rc != 1) goto fail_tx;
    json_t *info = json_pack("{s:s,s:s?}", "user", name, "label", label);
    rc = audit_append(db, a, "token_create", "api_token", id, NULL, info, e);
    json_decref(info);
    if (rc || store_commit(db, e)) goto fail_tx;
    acct_user_free(&u);
    *token = tok;
    return 0;
fail_tx:
    store_rollback(db);
fail:
    free(tok);
    acct_user_free(&u);
    return -1;
}

int acct_token(store *db, const char *token, acct_user *u, err *e)
{
    memset(u, 0, sizeof *u);
    char th[65];
    util_sha256_hex(token, strlen(token), th);
    int64_t uid;
    if (store_query_int(db, "SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", &uid, e, 1,
                        th))
        return -1;
    if (!uid) return 0;
    int disabled = 0;
    int rc = load_user(db, "id = ?", NULL, uid, u, NULL, &disabled, e);
    if (rc != 1 || disabled) {
        acct_user_free(u);
        return rc < 0 ? -1 : 0;
    }
    u->via_token = 1;
    return 1;
}
