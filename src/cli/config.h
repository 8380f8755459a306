/*
 * config.h - configuration of the ipcity binary, in one table.
 *
 * Every setting has a name (used in the config file as `name = value`), an
 * environment variable (IPCITY_<NAME>), a default and a description.  The
 * precedence is: default < config file < environment < command-line flag.
 * The config file is --config FILE, else $IPCITY_CONFIG, else ./ipcity.conf
 * when it exists.  docs/configuration.md is generated from the same table
 * by `ipcity config --markdown`.
 */
#ifndef IPC_CONFIG_H
#define IPC_CONFIG_H

#include "../base/err.h"

typedef struct cfg_entry {
    const char *name, *env, *def, *zh, *en;
} cfg_entry;

extern const cfg_entry cfg_table[];

/* Loads defaults, then the file (path may be NULL), then the environment.
 * Returns 0, or -1 with e naming the file, line and problem. */
int cfg_load(const char *path, err *e);
/* Sets a value (a command-line flag wins over everything). */
int cfg_set(const char *name, const char *value, err *e);
/* The value of a setting (never NULL for a known name). */
const char *cfg_get(const char *name);
int cfg_int(const char *name);
/* Prints the table as Markdown (for docs) or the effective values. */
void cfg_print(int markdown);

#endif
