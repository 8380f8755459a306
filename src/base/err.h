/*
 * err.h - the error object every fallible function fills.
 *
 * Convention (SQLite-like): a function that can fail returns int, 0 on
 * success and -1 on failure, and fills the err passed by the caller.  The
 * error carries a stable machine code ("validation.required"), the message
 * in Chinese and English, an HTTP status that fits, the location (file,
 * row, column, field) and, for validation, a list of per-field items.
 * The same object becomes a problem+json body or an import error row
 * without re-wording.
 */
#ifndef IPC_ERR_H
#define IPC_ERR_H

#include <jansson.h>

typedef enum lang { LANG_ZH = 0, LANG_EN = 1 } lang;

typedef struct err {
    int status;       /* HTTP status that fits; 0 while no error is set */
    const char *code; /* stable machine code; a string literal */
    char *zh, *en;    /* messages, heap, owned by the err */
    char *file;       /* location, all optional, owned by the err */
    long row, col;    /* 1-based; 0 = not known */
    char *field;
    json_t *items; /* array of {field,code,zh,en,row,col} or NULL */
} err;

/* (clang-format 14 would lay this initialiser out as a block) */
/* clang-format off */
#define ERR_INIT {0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL}
/* clang-format on */

/* Sets the error (replacing a previous one) and returns -1.  zh_fmt and
 * en_fmt are printf formats that take the same arguments in the same
 * order.  e may be NULL (the error is then dropped). */
int err_set(err *e, int status, const char *code, const char *zh_fmt, const char *en_fmt, ...);
/* The same with ready-made messages (copied verbatim, no formatting), for
 * messages whose arguments differ between the languages. Returns -1. */
int err_setm(err *e, int status, const char *code, const char *zh, const char *en);
/* Records where the error is; any argument may be NULL/0. Returns -1. */
int err_at(err *e, const char *file, long row, long col, const char *field);
/* Adds a per-item error (validation of one field or one row) and sets the
 * top-level error to code "validation.failed" (422) if none is set yet.
 * The message formats take the same arguments. */
void err_item(err *e, const char *field, long row, long col, const char *code, const char *zh_fmt, const char *en_fmt,
              ...);
/* The same with ready-made messages (no formatting); copies them. */
void err_item_msg(err *e, const char *field, long row, long col, const char *code, const char *zh, const char *en);
/* True when an error has been set. */
int err_isset(const err *e);
/* Message in the given language (never NULL). */
const char *err_msg(const err *e, lang l);
/* Frees what the err holds and makes it empty again. */
void err_clear(err *e);
/* Moves src into dst (dst is cleared first, src becomes empty). */
void err_move(err *dst, err *src);

#endif
