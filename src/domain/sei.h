/*
 * sei.h - the IPC → strategic emerging industry (战略性新兴产业) concordance:
 * CNIPA's 《战略性新兴产业分类与国际专利分类参照关系表（2021）（试行）》, shipped in
 * data/sei (see data/sei/SOURCE.md).  Criterion 1 of the high-value
 * invention patent indicator asks whether any IPC code of a patent maps to
 * an industry of this table.
 *
 * The table lists exact codes: classes ("G16"), subclasses ("A01B"), main
 * groups ("A01B1/00") and subgroups ("A01B1/02").  sei_match() expands
 * them by prefix (docs/indicators.md):
 *   - a patent code equal to a listed code is covered ("exact");
 *   - a listed main group "H04L29/00" covers every code of that group,
 *     "H04L29/xx..." ("main_group");
 *   - a listed code covers every code that starts with it: the subclass
 *     "A01B" covers "A01B1/02", the subgroup "G06F16/17" covers
 *     "G06F16/172" ("prefix").
 * Codes are compared without spaces and in upper case, so the registry's
 * "H04L 29/08" and the table's "H04L29/08" are the same code.  A listed
 * subgroup does not cover its main group or its parents (a patent coded
 * only "H04L29/00" is not covered by a listed "H04L29/08").
 *
 * Threads: sei_ready() loads the default data once (thread-safe);
 * sei_match() and the lookups only read and may run from any thread.
 * sei_load() replaces the data and must not run concurrently with them.
 */
#ifndef IPC_SEI_H
#define IPC_SEI_H

#include "../base/err.h"

#include <stddef.h>

/* Directory of the concordance: $IPCITY_SEI_DIR when set, else the "sei"
 * directory beside the regions data (data/sei next to data/regions, found
 * as region_data_path() finds it), else ./data/sei or data/sei relative
 * to the running binary.  Static string, never NULL. */
const char *sei_data_dir(void);

/* Loads dir/ipc-sei.jsonl and dir/sei.jsonl, replacing what was loaded.
 * Returns 0, or -1 with e set (500 "sei.data" naming the file and line). */
int sei_load(const char *dir, err *e);
/* Loads sei_data_dir() once (the first call; later calls answer the same
 * result).  Returns 0, or -1 with e set. */
int sei_ready(err *e);
/* Frees the data (tests). */
void sei_free(void);

/* Number of distinct codes and of industry entries loaded. */
size_t sei_code_count(void);
size_t sei_industry_count(void);

typedef struct sei_hit {
    const char *code; /* the concordance code that covers it (no spaces) */
    const char *how;  /* "exact", "main_group" or "prefix" */
    const int *ids;   /* industry ids (sei.jsonl id) of that code */
    int nids;
} sei_hit;

/* Whether the IPC code (any spacing or case) is covered by the
 * concordance; hit (may be NULL) receives the most specific listed code
 * that covers it.  Returns 1 covered, 0 not (or not loaded). */
int sei_match(const char *ipc, sei_hit *hit);

/* The industry of an id: code ("1.1") and name ("下一代信息网络产业");
 * NULL when unknown. */
const char *sei_industry_code(int id);
const char *sei_industry_name(int id);

#endif
