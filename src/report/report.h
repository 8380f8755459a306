/*
 * report.h - the plan's reports as files: the target progress report and
 * the annual assessment as XLSX (libxlsxwriter) and PDF (Cairo + Pango
 * with the Noto CJK fonts; bar and line charts drawn with Cairo).
 *
 * The writers take the very JSON documents the API answers with
 * (plan_progress() and plan_assessment() in src/domain/plan.h), so a file
 * shows the same numbers as the API.  Every label is Chinese first, then
 * English.  Each function returns 0 with the file's bytes appended to out,
 * or -1 with e set.
 */
#ifndef IPC_REPORT_H
#define IPC_REPORT_H

#include "../base/buf.h"
#include "../base/err.h"

#include <jansson.h>

int report_progress_xlsx(const json_t *progress, buf *out, err *e);
int report_progress_pdf(const json_t *progress, buf *out, err *e);
int report_assessment_xlsx(const json_t *assessment, buf *out, err *e);
int report_assessment_pdf(const json_t *assessment, buf *out, err *e);

/* Formats a number for people: thousands separators, at most `decimals`
 * decimals, trailing zeros dropped ("1,234.5"); "—" for NULL/null. */
void report_num(const json_t *v, int decimals, char *out, size_t n);

#endif
