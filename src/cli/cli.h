/*
 * cli.h - shared pieces of the subcommands (one file per command group).
 * Each command is `int cmd_X(int argc, char **argv)` returning the exit
 * status; argv[0] is the command name.
 */
#ifndef IPC_CLI_H
#define IPC_CLI_H

#include "../base/err.h"
#include "../records/rec.h"
#include "../store/store.h"

/* Prints e to stderr, Chinese first then English, with its items. */
void cli_error(const err *e);
/* Opens the configured database and applies migrations; NULL on error
 * (already printed). */
store *cli_open_db(void);
/* The actor of command-line work: the local operator, as administrator. */
const rec_actor *cli_actor(void);
/* True when argv[i] is --help/-h; prints usage and the caller exits 0. */
int cli_wants_help(int argc, char **argv, const char *usage);
/* Finds "--name VALUE" or "--name=VALUE" in argv (removing nothing);
 * returns the value or NULL. */
const char *cli_opt(int argc, char **argv, const char *name);
/* True when the flag "--name" is present. */
int cli_flag(int argc, char **argv, const char *name);
/* Positional arguments (not options, not option values) after argv[0]. */
int cli_positionals(int argc, char **argv, const char **out, int max, const char *const *valued);
/* A database URL fit to print: the password of a postgresql://user:PW@...
 * URL replaced by "***"; anything else unchanged.  The caller frees it. */
char *cli_url_shown(const char *url);

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_indicators(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate_data(int argc, char **argv);

/* The work of `backup` and `restore` (cmd_backup.c), for the commands and
 * the tests.  backup_run() copies the database at url into the new file
 * dest while it stays in use; *version receives its schema version.
 * restore_run() checks the backup file and replaces the database at url
 * with it (see cmd_backup.c); *version and *entries receive the backup's
 * schema version and number of audit entries. */
int backup_run(const char *url, const char *dest, int *version, err *e);
int restore_run(const char *url, const char *file, int *version, int64_t *entries, err *e);

#endif
