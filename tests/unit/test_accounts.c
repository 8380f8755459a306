/* test_accounts.c - passwords, sessions, API tokens and login throttling
 * (src/domain/accounts.h), on fresh SQLite files with the demo region and
 * one department user, alice.
 *
 * Hashing a password (argon2id) costs about 0.1 s, so the throttling tests
 * use unknown user names where the timing matters (no hash is checked for
 * them) and start right after a second boundary, because the policy works
 * in whole seconds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <time.h>

#include "support_db.h"

#include "../../src/domain/accounts.h"
#include "../../src/records/audit.h"
#include "../../src/records/rec.h"

static const rec_actor ADMIN = {0, "tester", ROLE_ADMIN, "310104-ipa"};
static const char *ALICE_PW = "alice password";

typedef struct afix {
    tdb db;
    int64_t alice;
} afix;

static int setup(void **state)
{
    afix *f = calloc(1, sizeof *f);
    tdb_open(&f->db, 1);
    err e = ERR_INIT;
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", "alice", "display_name", "爱丽丝", "role", "dept",
                           "password", ALICE_PW, "dept", "310104-stc"),
           *out = NULL;
    T_OK(rec_create(f->db.db, &type_user, &ADMIN, in, &out, &e), &e);
    f->alice = json_integer_value(json_object_get(out, "id"));
    json_decref(in);
    json_decref(out);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    afix *f = *state;
    tdb_close(&f->db);
    free(f);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts)) {
    }
}

/* Waits for the next second to begin; returns it. */
static time_t align_second(void)
{
    time_t t0 = time(NULL), t;
    while ((t = time(NULL)) == t0) sleep_ms(5);
    return t;
}

/* Sleeps until time(NULL) >= t. */
static void sleep_until(time_t t)
{
    while (time(NULL) < t) sleep_ms(20);
}

static int64_t failures_of(store *db, const char *name)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT failures FROM login_attempts WHERE name = '%s'", name);
    return tdb_int(db, sql);
}

/* Logs in and expects success; returns the token (caller frees). */
static char *login_ok(store *db, const acct_policy *p, const char *name, const char *pw, acct_user *u)
{
    err e = ERR_INIT;
    char *tok = NULL;
    if (acct_login(db, p, name, pw, &tok, u, &e))
        fail_msg("login %s: %d %s %s", name, e.status, e.code, err_msg(&e, LANG_EN));
    assert_non_null(tok);
    return tok;
}

/* Logs in and expects failure with status and code; *field gets e.field. */
static void login_fails(store *db, const acct_policy *p, const char *name, const char *pw, int status, const char *code,
                        char *field, size_t fn)
{
    err e = ERR_INIT;
    char *tok = (char *)1;
    acct_user u;
    memset(&u, 0x5a, sizeof u);
    assert_int_equal(acct_login(db, p, name, pw, &tok, &u, &e), -1);
    assert_null(tok);
    assert_null(u.name); /* nothing left to free */
    assert_null(u.csrf);
    if (e.status != status || strcmp(e.code, code))
        fail_msg("login %s: got %d %s (%s), want %d %s", name, e.status, e.code, err_msg(&e, LANG_EN), status, code);
    if (field) snprintf(field, fn, "%s", e.field ? e.field : "");
    err_clear(&e);
}

/* ---- passwords -------------------------------------------------------------- */

static void test_passwords(void **state)
{
    (void)state;
    err e = ERR_INIT;
    assert_int_equal(acct_password_ok("1234567", &e), -1);
    T_ERR(&e, 422, "validation.password");
    err_clear(&e);
    assert_int_equal(acct_password_ok("12345678", &e), 0);
    assert_int_equal(acct_password_ok("密码密码密码密码", &e), 0); /* 8 code points, 24 bytes */
    assert_int_equal(acct_password_ok("密码密码密码密", &e), -1);  /* 7 code points, 21 bytes */
    err_clear(&e);
    char pw[130];
    memset(pw, 'p', 128);
    pw[128] = '\0';
    assert_int_equal(acct_password_ok(pw, &e), 0);
    pw[128] = 'p';
    pw[129] = '\0';
    assert_int_equal(acct_password_ok(pw, &e), -1);
    err_clear(&e);
    assert_int_equal(acct_password_ok(NULL, &e), -1);
    err_clear(&e);

    char *h = acct_hash_password("correct horse");
    assert_non_null(h);
    assert_memory_equal(h, "$argon2id$", 10);
    assert_int_equal(crypto_pwhash_str_verify(h, "correct horse", 13), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(h, "correct horsE", 13), 0);
    char *h2 = acct_hash_password("correct horse");
    assert_string_not_equal(h, h2); /* salted */
    free(h);
    free(h2);
}

/* ---- sessions ------------------------------------------------------------- */

static void test_login_session_logout(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    err e = ERR_INIT;
    acct_policy p = {3600, 3, 5, 60};
    int64_t audits = tdb_int(db, "SELECT COUNT(*) FROM audit_log");
    acct_user u;
    char *tok = login_ok(db, &p, "alice", ALICE_PW, &u);
    assert_int_equal(strlen(tok), 64);
    assert_true(u.actor.user_id == f->alice);
    assert_string_equal(u.name, "alice");
    assert_ptr_equal(u.actor.name, u.name);
    assert_int_equal(u.actor.role, ROLE_DEPT);
    assert_string_equal(u.dept, "310104-stc");
    assert_string_equal(u.actor.dept, "310104-stc");
    assert_string_equal(u.display_name, "爱丽丝");
    assert_non_null(u.csrf);
    assert_int_equal(strlen(u.csrf), 32);
    assert_int_equal(u.via_token, 0);

    /* only the token's SHA-256 is stored */
    char th[65];
    util_sha256_hex(tok, strlen(tok), th);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM sessions WHERE token_hash = '%s'", th);
    assert_int_equal(tdb_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM sessions WHERE token_hash = '%s' OR csrf = '%s'", tok, tok);
    assert_int_equal(tdb_int(db, sql), 0);
    snprintf(sql, sizeof sql, "SELECT expires FROM sessions WHERE token_hash = '%s'", th);
    int64_t left = tdb_int(db, sql) - (int64_t)time(NULL);
    assert_true(left >= 3598 && left <= 3600);

    /* the session resolves to the same user */
    acct_user s;
    assert_int_equal(acct_session(db, tok, &s, &e), 1);
    assert_true(s.actor.user_id == f->alice);
    assert_string_equal(s.name, "alice");
    assert_int_equal(s.actor.role, ROLE_DEPT);
    assert_string_equal(s.actor.dept, "310104-stc");
    assert_string_equal(s.csrf, u.csrf);
    assert_int_equal(s.via_token, 0);
    acct_user_free(&s);
    assert_null(s.name);
    assert_int_equal(acct_session(db, "not-a-token", &s, &e), 0);
    assert_null(s.name);
    assert_false(err_isset(&e));

    /* audited */
    json_t *out = NULL;
    T_OK(audit_list(db, 0, 1, NULL, 0, &out, &e), &e);
    json_t *it = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "action")), "login");
    assert_string_equal(json_string_value(json_object_get(it, "user")), "alice");
    assert_int_equal(json_integer_value(json_object_get(it, "record_id")), f->alice);
    json_decref(out);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM audit_log"), audits + 1);

    /* a second session is independent */
    acct_user u2;
    char *tok2 = login_ok(db, &p, "alice", ALICE_PW, &u2);
    assert_string_not_equal(tok, tok2);
    assert_string_not_equal(u.csrf, u2.csrf);

    /* logout ends this session only; idempotent */
    T_OK(acct_logout(db, &u, tok, &e), &e);
    assert_int_equal(acct_session(db, tok, &s, &e), 0);
    assert_int_equal(acct_session(db, tok2, &s, &e), 1);
    acct_user_free(&s);
    T_OK(acct_logout(db, &u, tok, &e), &e);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM sessions"), 1);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'logout'"), 2);
    int64_t n = 0;
    T_OK(audit_verify(db, &n, &e), &e);
    assert_int_equal(n, audits + 4);
    free(tok);
    free(tok2);
    acct_user_free(&u);
    acct_user_free(&u2);
}

static void test_wrong_password(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    acct_policy p = {3600, 10, 20, 60};
    err e1 = ERR_INIT, e2 = ERR_INIT;
    char *tok = NULL;
    acct_user u;
    assert_int_equal(acct_login(db, &p, "alice", "wrong password", &tok, &u, &e1), -1);
    assert_int_equal(acct_login(db, &p, "nobody", "wrong password", &tok, &u, &e2), -1);
    T_ERR(&e1, 401, "auth.failed");
    T_ERR(&e2, 401, "auth.failed");
    /* an unknown name and a wrong password read the same */
    assert_string_equal(err_msg(&e1, LANG_ZH), err_msg(&e2, LANG_ZH));
    assert_string_equal(err_msg(&e1, LANG_EN), err_msg(&e2, LANG_EN));
    assert_string_equal(err_msg(&e1, LANG_EN), "Wrong user name or password");
    assert_null(e1.field);
    assert_null(e2.field);
    err_clear(&e1);
    err_clear(&e2);
    assert_int_equal(failures_of(db, "alice"), 1);
    assert_int_equal(failures_of(db, "nobody"), 1);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM sessions"), 0);
    /* failures are audited under the name tried */
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'"
                                 " AND user_name IN ('alice', 'nobody') AND after_json LIKE '%\"failures\":1%'"),
                     2);
    /* empty password, missing name */
    login_fails(db, &p, "alice", "", 401, "auth.failed", NULL, 0);
    login_fails(db, &p, "", ALICE_PW, 400, "auth.missing", NULL, 0);
    login_fails(db, &p, NULL, ALICE_PW, 400, "auth.missing", NULL, 0);
    login_fails(db, &p, "alice", NULL, 400, "auth.missing", NULL, 0);
    /* a deleted user cannot log in */
    int64_t n = 0;
    err e = ERR_INIT;
    T_OK(rec_delete(db, &type_user, &ADMIN, f->alice, 1, &e), &e);
    login_fails(db, &p, "alice", ALICE_PW, 401, "auth.failed", NULL, 0);
    T_OK(audit_verify(db, &n, &e), &e);
}

/* ---- throttling -------------------------------------------------------------- */

static void test_slow_down(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    acct_policy p = {3600, 2, 100, 60};
    char wait[32];
    align_second();
    login_fails(db, &p, "ghost", "x", 401, "auth.failed", NULL, 0);
    login_fails(db, &p, "ghost", "x", 401, "auth.failed", NULL, 0);
    /* from the slow_after-th failure on: wait 2^(n - slow_after) s = 1 s */
    login_fails(db, &p, "ghost", "x", 429, "auth.slow_down", wait, sizeof wait);
    assert_string_equal(wait, "1");
    assert_int_equal(failures_of(db, "ghost"), 2); /* a refused attempt is not a failure */
    /* after the wait, the next attempt is checked (and fails again) */
    time_t last = (time_t)tdb_int(db, "SELECT last_failure FROM login_attempts WHERE name = 'ghost'");
    sleep_until(last + 1);
    login_fails(db, &p, "ghost", "x", 401, "auth.failed", NULL, 0);
    assert_int_equal(failures_of(db, "ghost"), 3);

    /* the delay doubles: 5 failures with slow_after 2 wait 8 s; even the
     * right password is refused meanwhile */
    err e = ERR_INIT;
    char ins[160];
    snprintf(ins, sizeof ins,
             "INSERT INTO login_attempts (name, failures, last_failure, locked_until) VALUES ('alice', 5, %lld, 0)",
             (long long)time(NULL));
    T_OK(store_exec(db, ins, &e), &e);
    login_fails(db, &p, "alice", ALICE_PW, 429, "auth.slow_down", wait, sizeof wait);
    assert_true(!strcmp(wait, "8") || !strcmp(wait, "7"));
    assert_int_equal(failures_of(db, "alice"), 5);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM sessions"), 0);
    /* when the wait is over the right password logs in and clears the count */
    T_OK(store_exec(db, "UPDATE login_attempts SET last_failure = last_failure - 8 WHERE name = 'alice'", &e), &e);
    acct_user u;
    char *tok = login_ok(db, &p, "alice", ALICE_PW, &u);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM login_attempts WHERE name = 'alice'"), 0);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM login_attempts WHERE name = 'ghost'"), 1);
    free(tok);
    acct_user_free(&u);
}

static void test_success_resets_counter(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    acct_policy p = {3600, 3, 100, 60};
    login_fails(db, &p, "alice", "wrong 1", 401, "auth.failed", NULL, 0);
    login_fails(db, &p, "alice", "wrong 2", 401, "auth.failed", NULL, 0);
    assert_int_equal(failures_of(db, "alice"), 2);
    acct_user u;
    char *tok = login_ok(db, &p, "alice", ALICE_PW, &u);
    free(tok);
    acct_user_free(&u);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM login_attempts WHERE name = 'alice'"), 0);
    /* counting starts again from zero: two more failures are not slowed */
    login_fails(db, &p, "alice", "wrong 3", 401, "auth.failed", NULL, 0);
    login_fails(db, &p, "alice", "wrong 4", 401, "auth.failed", NULL, 0);
    assert_int_equal(failures_of(db, "alice"), 2);
}

static void test_lockout(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    char wait[32];
    err e = ERR_INIT;

    /* a real user: locked at the lock_after-th failure, and then even the
     * right password is refused */
    acct_policy p = {3600, 100, 3, 60};
    for (int i = 0; i < 3; i++) login_fails(db, &p, "alice", "wrong", 401, "auth.failed", NULL, 0);
    login_fails(db, &p, "alice", ALICE_PW, 429, "auth.locked", wait, sizeof wait);
    assert_true(!strcmp(wait, "60") || !strcmp(wait, "59"));
    login_fails(db, &p, "alice", "wrong", 429, "auth.locked", NULL, 0);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM sessions"), 0);
    assert_int_equal(
        tdb_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'login_locked' AND user_name = 'alice'"), 1);
    /* the lock is per name */
    acct_user u;
    char *tok = NULL;
    T_OK(store_exec(db, "UPDATE login_attempts SET locked_until = 0 WHERE name = 'alice'", &e), &e);
    tok = login_ok(db, &p, "alice", ALICE_PW, &u);
    free(tok);
    acct_user_free(&u);

    /* the lock expires after lock_seconds */
    acct_policy q = {3600, 100, 3, 2};
    time_t s = align_second();
    for (int i = 0; i < 3; i++) login_fails(db, &q, "ghost", "x", 401, "auth.failed", NULL, 0);
    login_fails(db, &q, "ghost", "x", 429, "auth.locked", wait, sizeof wait);
    if (time(NULL) == s) assert_string_equal(wait, "2");
    assert_int_equal(failures_of(db, "ghost"), 0); /* the lock restarts the count */
    sleep_until(s + 2);
    login_fails(db, &q, "ghost", "x", 401, "auth.failed", NULL, 0);
    assert_int_equal(failures_of(db, "ghost"), 1);
    int64_t n = 0;
    T_OK(audit_verify(db, &n, &e), &e);
}

static void test_session_expiry(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    err e = ERR_INIT;
    acct_policy p = {1, 3, 5, 60};
    time_t s = align_second();
    acct_user u, x;
    char *tok = login_ok(db, &p, "alice", ALICE_PW, &u);
    if (time(NULL) == s) { /* still within the session's second */
        assert_int_equal(acct_session(db, tok, &x, &e), 1);
        acct_user_free(&x);
    }
    sleep_ms(2000);
    assert_int_equal(acct_session(db, tok, &x, &e), 0);
    assert_null(x.name);
    assert_false(err_isset(&e));
    /* expired sessions are swept at the next login */
    acct_policy p2 = {3600, 3, 5, 60};
    acct_user u2;
    char *tok2 = login_ok(db, &p2, "alice", ALICE_PW, &u2);
    assert_int_equal(tdb_int(db, "SELECT COUNT(*) FROM sessions"), 1);
    assert_int_equal(acct_session(db, tok2, &x, &e), 1);
    acct_user_free(&x);
    free(tok);
    free(tok2);
    acct_user_free(&u);
    acct_user_free(&u2);
}

/* ---- API tokens -------------------------------------------------------------- */

static void test_tokens(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    err e = ERR_INIT;
    char *tok = NULL;
    T_OK(acct_token_create(db, &ADMIN, "alice", "ci 构建", &tok, &e), &e);
    assert_non_null(tok);
    assert_int_equal(strlen(tok), 4 + 48);
    assert_memory_equal(tok, "ipc_", 4);
    acct_user u;
    assert_int_equal(acct_token(db, tok, &u, &e), 1);
    assert_true(u.actor.user_id == f->alice);
    assert_string_equal(u.name, "alice");
    assert_string_equal(u.actor.dept, "310104-stc");
    assert_int_equal(u.actor.role, ROLE_DEPT);
    assert_int_equal(u.via_token, 1);
    assert_null(u.csrf);
    acct_user_free(&u);
    /* stored as a hash; the audit entry names the user and label only */
    char th[65], sql[256];
    util_sha256_hex(tok, strlen(tok), th);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '%s' AND label = 'ci 构建'", th);
    assert_int_equal(tdb_int(db, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%%%s%%' OR after_json LIKE '%%%s%%'", tok + 4, th);
    assert_int_equal(tdb_int(db, sql), 0);
    json_t *out = NULL;
    T_OK(audit_list(db, 0, 1, NULL, 0, &out, &e), &e);
    json_t *it = json_array_get(json_object_get(out, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "action")), "token_create");
    assert_string_equal(json_string_value(json_object_get(it, "user")), "tester");
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "after"), "user")), "alice");
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "after"), "label")), "ci 构建");
    json_decref(out);
    /* a session token is no API token and vice versa */
    assert_int_equal(acct_session(db, tok, &u, &e), 0);
    assert_int_equal(acct_token(db, "ipc_0000", &u, &e), 0);
    assert_null(u.name);
    /* unknown user */
    char *t2 = (char *)1;
    assert_int_equal(acct_token_create(db, &ADMIN, "nobody", "x", &t2, &e), -1);
    assert_null(t2);
    T_ERR(&e, 404, "user.not_found");
    err_clear(&e);
    /* a revoked token stops working */
    T_OK(store_exec(db, "UPDATE api_tokens SET revoked_at = '2024-01-01T00:00:00Z'", &e), &e);
    assert_int_equal(acct_token(db, tok, &u, &e), 0);
    assert_false(err_isset(&e));
    free(tok);
}

/* ---- disabled and deleted users ---------------------------------------------- */

static void test_disabled_user(void **state)
{
    afix *f = *state;
    store *db = f->db.db;
    err e = ERR_INIT;
    acct_policy p = {3600, 3, 5, 60};
    acct_user u, x;
    char *sess = login_ok(db, &p, "alice", ALICE_PW, &u);
    char *api = NULL;
    T_OK(acct_token_create(db, &ADMIN, "alice", "script", &api, &e), &e);
    assert_int_equal(acct_session(db, sess, &x, &e), 1);
    acct_user_free(&x);
    assert_int_equal(acct_token(db, api, &x, &e), 1);
    acct_user_free(&x);

    json_t *patch = json_pack("{s:b}", "disabled", 1), *out = NULL;
    T_OK(rec_update(db, &type_user, &ADMIN, f->alice, patch, 1, &out, &e), &e);
    json_decref(patch);
    assert_true(json_is_true(json_object_get(out, "disabled")));
    json_decref(out);

    /* the right password: 403; a wrong one: still the plain 401 */
    login_fails(db, &p, "alice", ALICE_PW, 403, "auth.disabled", NULL, 0);
    login_fails(db, &p, "alice", "wrong password", 401, "auth.failed", NULL, 0);
    /* existing sessions and tokens stop resolving */
    assert_int_equal(acct_session(db, sess, &x, &e), 0);
    assert_null(x.name);
    assert_int_equal(acct_token(db, api, &x, &e), 0);
    assert_null(x.name);
    assert_false(err_isset(&e));

    /* a deleted user's sessions and tokens do not resolve either */
    patch = json_pack("{s:b}", "disabled", 0);
    T_OK(rec_update(db, &type_user, &ADMIN, f->alice, patch, 2, &out, &e), &e);
    json_decref(patch);
    json_decref(out);
    char *sess2 = login_ok(db, &p, "alice", ALICE_PW, &x);
    acct_user_free(&x);
    T_OK(rec_delete(db, &type_user, &ADMIN, f->alice, 3, &e), &e);
    assert_int_equal(acct_session(db, sess2, &x, &e), 0);
    assert_int_equal(acct_token(db, api, &x, &e), 0);
    login_fails(db, &p, "alice", ALICE_PW, 401, "auth.failed", NULL, 0);
    free(sess);
    free(sess2);
    free(api);
    acct_user_free(&u);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    log_set_level(LOG_QUIET);
    domain_register();
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passwords),
        T(test_login_session_logout),
        T(test_wrong_password),
        T(test_slow_down),
        T(test_success_resets_counter),
        T(test_lockout),
        T(test_session_expiry),
        T(test_tokens),
        T(test_disabled_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
