/*
 * analyzer.h - included first into every translation unit that clang-tidy analyses, by
 * tests/lint/run.sh (except src/base/err.c and src/base/buf.c, which define the functions below);
 * never part of a build.  It tells the static analyzer, which sees one file at a time, what these
 * functions of other files do:
 *
 * err_set(), err_setm() and err_at() always return -1, so `return err_set(...)` always fails.
 * Without this the analyzer follows paths where such a `return` reports success with the
 * out-parameters unset, and reports the uses that follow (uninitialised values, NULL passed to
 * qsort...): all false.
 *
 * xmalloc(), xcalloc() and xrealloc() are malloc(), calloc() and realloc() that abort instead of
 * returning NULL (and allocate one byte for zero, which is why .clang-tidy turns off the analyzer's
 * complaint about zero-byte allocations).  As unknown functions their result might alias
 * any pointer (a table grown with a fresh block, the old one freed, was reported as a use after
 * free); as the standard functions, their blocks are tracked: double free, use after free, leaks.
 * xmalloc() is modelled as calloc(): the analyzer cannot follow string lengths through a block the
 * code fills byte by byte, and would report "garbage" reads of bytes that were written.
 */
#include "../../src/base/err.h"

#define err_set(...) (err_set(__VA_ARGS__), -1)
#define err_setm(...) (err_setm(__VA_ARGS__), -1)
#define err_at(...) (err_at(__VA_ARGS__), -1)

#include "../../src/base/buf.h"
#include <stdlib.h>

#define xmalloc(n) calloc(1, n)
#define xcalloc(n, size) calloc(n, size)
#define xrealloc(p, n) realloc(p, n)
