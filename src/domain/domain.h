/*
 * domain.h - the record types of the platform, the schema migrations and
 * the built-in demo region.
 */
#ifndef IPC_DOMAIN_H
#define IPC_DOMAIN_H

#include "../records/rec.h"

extern rec_type type_region, type_department, type_user, type_entity, type_population;

/* The user-defined park (region of level park) of `address`, which lies in
 * `district`: the first park of that district whose street list has a
 * string contained in the address.  park receives its code ("" if none);
 * returns 1 found, 0 none, -1 error. */
int region_park_of(store *db, const char *district, const char *address, char park[13], err *e);

/* Registers every record type with the record layer. Call once. */
void domain_register(void);

/* The schema version this binary writes. */
int schema_latest(void);
/* Reads the database's schema version (0 for an empty database). */
int schema_version(store *db, int *version, err *e);
/* Applies the missing migrations, each in its own transaction.  Refuses
 * (409 schema.too_new) a database newer than this binary.  *from and *to
 * receive the versions before and after (either may be NULL). */
int schema_migrate(store *db, int *from, int *to, err *e);
/* Creates the whole current schema (every migration step, as
 * schema_migrate() would, ending at schema_latest()) on a database that has
 * none, inside the caller's open write transaction: nothing is committed,
 * so a rollback leaves the database as it was.  No demo data, no users.
 * 409 schema.exists when the database already has a schema version;
 * 500 when no transaction is open.  For `ipcity migrate-data`. */
int schema_create_tx(store *db, err *e);

/* Creates the demo region (Xuhui, 310104) and its departments when the
 * database has no departments yet, and an `admin` user with a generated
 * password when it has no users; *admin_password receives that password
 * (caller frees; NULL when no user was created). */
int demo_init(store *db, char **admin_password, err *e);

#endif
