/*
 * store_pg.c - placeholder entry point for the PostgreSQL backend.
 * The libpq implementation is tracked by its own issue; until it lands a
 * postgresql:// URL is refused with a clear message instead of being taken
 * for a file name.
 */
#include "store_int.h"

int store_pg_open(const char *url, store **out, err *e)
{
    (void)url;
    *out = NULL;
    return err_set(e, 501, "store.pg_unavailable", "此版本尚不支持 PostgreSQL 数据库；请使用 SQLite 文件路径",
                   "This build does not support PostgreSQL yet; use a SQLite file path");
}
