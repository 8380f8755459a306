/*
 * accounts.h - passwords, sessions, API tokens and login throttling.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str).
 * Session and API tokens are random; only their SHA-256 is stored, so a
 * stolen database does not yield usable tokens.  Failed logins are counted
 * per user name: from the `slow_after`-th failure each further attempt must
 * wait 2^(n-slow_after) seconds (429), and at `lock_after` failures the
 * name is locked for `lock_seconds` (429, code auth.locked).
 */
#ifndef IPC_ACCOUNTS_H
#define IPC_ACCOUNTS_H

#include "../records/rec.h"

typedef struct acct_policy {
    int session_ttl;  /* seconds a session lives */
    int slow_after;   /* failures before attempts are slowed */
    int lock_after;   /* failures before the name is locked */
    int lock_seconds; /* how long a lock lasts */
} acct_policy;

/* An authenticated user; strings are heap copies owned by the struct and
 * freed by acct_user_free(). */
typedef struct acct_user {
    rec_actor actor; /* name and dept point into the fields below */
    char *name, *dept, *display_name, *csrf;
    int via_token; /* 1 when authenticated by an API token (no CSRF) */
} acct_user;

void acct_user_free(acct_user *u);

/* Creates the sessions, api_tokens and login_attempts tables. */
int acct_create_tables(store *db, err *e);

/* Hashes pw into a heap string (argon2id); the caller frees it. NULL if
 * the hashing failed (out of memory). */
char *acct_hash_password(const char *pw);
/* Password rules: 8..128 characters. Returns 0 or -1 with e set. */
int acct_password_ok(const char *pw, err *e);

/* Checks name/password, applying throttling and lockout. On success
 * creates a session: *token (the cookie value) and u are filled; the
 * caller frees *token and acct_user_free(u).  Failures are 401
 * auth.failed (same message for unknown names and wrong passwords), 429
 * auth.slow_down / auth.locked (e->field holds the seconds to wait), or
 * 403 auth.disabled. Logins and failures are audited. */
int acct_login(store *db, const acct_policy *p, const char *name, const char *password, char **token, acct_user *u,
               err *e);
/* Looks up a session token; 1 valid (u filled), 0 unknown or expired. */
int acct_session(store *db, const char *token, acct_user *u, err *e);
/* Ends a session (idempotent). */
int acct_logout(store *db, const acct_user *u, const char *token, err *e);
/* Creates an API token for user `name` with a label; *token receives the
 * secret (shown once; caller frees).  Audited as done by actor a. */
int acct_token_create(store *db, const rec_actor *a, const char *name, const char *label, char **token, err *e);
/* Looks up a bearer token; 1 valid (u filled), 0 unknown/revoked. */
int acct_token(store *db, const char *token, acct_user *u, err *e);

#endif
