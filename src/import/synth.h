/*
 * synth.h - deterministic synthetic datasets (see synth.c).
 */
#ifndef IPC_SYNTH_H
#define IPC_SYNTH_H

#include "../base/err.h"

#include <stdint.h>

typedef struct synth_counts {
    int64_t patents, events, trademarks;
} synth_counts;

/* Writes DIR/patents.csv, events.csv (legal events), trademarks.csv,
 * entities.csv and README.txt for n patents from seed. Returns 0 or -1. */
int synth_write(const char *dir, int64_t n, int64_t seed, synth_counts *counts, err *e);

/* The same with options: SYNTH_FEE_EVENTS also writes an annual-fee event
 * (fee_paid) for every year a granted patent is maintained, which makes
 * the events file about four times the number of patents (the indicator
 * benchmark); the other rows stay exactly as without it. */
enum { SYNTH_FEE_EVENTS = 1 };
int synth_write_opts(const char *dir, int64_t n, int64_t seed, unsigned flags, synth_counts *counts, err *e);

#endif
