/*
 * codes.h - validators for Chinese IP administration identifiers: the
 * unified social credit code of an applicant, the CNIPA patent application
 * number and the GB/T 2260 administrative division code.
 *
 * Every validator returns 0 when the identifier is valid and -1 otherwise,
 * filling e (which may be NULL) with status 422, a stable "validation.*"
 * code and a zh/en message that says what was expected and what was found.
 * The input is never modified; pieces of it quoted in messages are
 * cleaned (control characters and invalid UTF-8 shown as \xNN, long input
 * cut), so the messages are always valid UTF-8.
 */
#ifndef IPC_CODES_H
#define IPC_CODES_H

#include "../base/buf.h"
#include "../base/err.h"

/* Unified social credit code (统一社会信用代码, GB 32100-2015).
 *
 * in:   NUL-terminated UTF-8; NULL is treated as "".  Leading and trailing
 *       ASCII and ideographic (U+3000) spaces are ignored and ASCII letters
 *       are upper-cased; nothing else is rewritten.
 * norm: may be NULL.  On success it is reset and receives the normalised
 *       18-character code; on failure it is left untouched.  The caller
 *       owns the buf and frees it.
 * Checks, in this order: 18 characters ("validation.uscc_length"); every
 * character in 0-9 A-H J-N P-R T U W-Y, positions 3-8 (the administrative
 * division code) digits only ("validation.uscc_charset", naming the first
 * bad position); the check character, position 18, is
 * 31 - (sum of value(c_i) * 3^(i-1) mod 31, i = 1..17) mod 31 with 31 read
 * as 0, values being the indexes in that character set
 * ("validation.uscc_check"). */
int code_uscc_check(const char *in, buf *norm, err *e);

/* Chinese (CNIPA) patent application number (专利申请号).
 *
 * in:   NUL-terminated; NULL is treated as "".  Spaces anywhere (ASCII
 *       whitespace, U+3000) are ignored, letters are upper-cased and one
 *       leading "CN" or "ZL" is dropped.  Accepted forms:
 *         YYYYTNNNNNNN.C  12 digits and check character, since Oct 2003,
 *                         the dot optional ("202110991218.8");
 *         YYTNNNNN.C      8 digits and check character, 1985-2003, the dot
 *                         optional ("98123456.9");
 *         TTYYYYNNNNNNNNN the 15-digit standard form of the CNIPA XML
 *                         (dataFormat="standard", "102021001286633"), which
 *                         has no check character; it is converted to the
 *                         12-digit form.  Only the type codes seen in real
 *                         data are known: 10 invention, 11 PCT invention.
 *       Year YYYY from 2003 to next year, YY 85-99 or 00-03, type digit T
 *       1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT
 *       utility model.  The check character C is sum(d_i * w_i) mod 11 over
 *       the digits with weights 2,3,4,5,6,7,8,9,2,3,4,5 (8-digit form
 *       2..9); 10 is written X.
 * norm: may be NULL.  On success it is reset and receives the dotted form
 *       without prefix, X upper-case ("202110991218.8", "98123456.9"); on
 *       failure it is left untouched.  The caller owns the buf.
 * Errors: "validation.appno_format" (shape, year, type, unknown standard
 * type code, missing check character), "validation.appno_check" (wrong
 * check character, message gives the expected one). */
int code_cn_appno(const char *in, buf *norm, err *e);

/* Kind of application of a number normalised by code_cn_appno (nothing
 * else is parsed): 1 invention (also PCT, type 8), 2 utility model (also
 * PCT, type 9), 3 design; 0 when norm is NULL or not in normalised form. */
int code_cn_appno_type(const char *norm);

/* GB/T 2260 administrative division code (行政区划代码).
 *
 * in: NUL-terminated, exactly six ASCII digits (no trimming; callers trim
 *     first); NULL fails.  The first two digits must be an existing
 *     province-level code: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65,
 *     71 (Taiwan), 81 (Hong Kong), 82 (Macao); so "000000" fails.
 * Error: "validation.region_code". */
int code_region_check(const char *in, err *e);

/* IPC / CPC classification symbol (国际专利分类号).
 *
 * in:  NUL-terminated; NULL fails.  ASCII letters are upper-cased, spaces
 *      (ASCII whitespace, U+3000) anywhere are ignored and anything from
 *      the first '(' on (the version, "(2006.01)") is dropped.  Accepted
 *      shapes, after that:
 *        A24B15/18          section, class, subclass, main group, '/',
 *                           subgroup ("A24B   15/18    (2006.01)",
 *                           "H04L 29/080000", "B60R11/0229");
 *        G06F0017300000     the 14-character CPC "scheme" form: subclass,
 *                           4-digit zero-padded main group, 6-digit
 *                           zero-padded subgroup;
 *        B60R               a subclass alone, returned as such.
 *      The section is a letter A-H, or Y (CPC's Y section, "Y10S 901/01",
 *      which real CPC lists contain); the class two digits; the subclass a
 *      letter; the main group 1-4 digits, not all zero; the subgroup 2-6
 *      digits.
 * out: on success it is reset and receives "A24B 15/18": the main group
 *      without leading zeros, the subgroup without trailing zeros but with
 *      at least 2 digits ("9/00", "1/02", "1/645", "11/0229", "17/30").
 *      On failure it is left untouched.  The caller owns the buf.
 * Returns 0, or -1 when the input has none of these shapes. */
int code_ipc_normalize(const char *in, buf *out);

/* code_region_check() in the shape of a record-field validator
 * (rec_check_fn): norm is left empty (the code is kept as given). */
int code_region_field(const char *in, buf *norm, err *e);

#endif
