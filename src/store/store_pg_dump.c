/*
 * store_pg_dump.c - backup and restore of a PostgreSQL database (pg_dump,
 * pg_restore).  Placeholder until implemented: both refuse with 501.
 */
#include "store_int.h"

int store_pg_backup(store *s, const char *dest, err *e)
{
    (void)s;
    (void)dest;
    return err_set(e, 501, "store.unsupported", "此数据库后端尚不支持备份", "This database backend cannot back up yet");
}

int store_pg_replace(const char *url, const char *src, err *e)
{
    (void)url;
    (void)src;
    return err_set(e, 501, "store.unsupported", "此数据库后端尚不支持恢复", "This database backend cannot restore yet");
}
