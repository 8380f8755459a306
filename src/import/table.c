/* table.c - one interface over the CSV and XLSX readers; see table.h. */
#include "table.h"

#include "../base/buf.h"
#include "csv.h"
#include "xlsx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct tab_reader {
    csv_reader *csv; /* exactly one of the two is set */
    xlsx_reader *xlsx;
};

static const char ZIP_MAGIC[4] = {'P', 'K', 3, 4};
static const unsigned char OLE_MAGIC[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = name ? strlen(name) : 0, k = strlen(ext);
    return n > k && !strcasecmp(name + n - k, ext);
}

/* Picks the format from the first bytes and the name; -1 for OLE2. */
static int sniff(const char *name, const unsigned char *head, size_t n, tab_format *f)
{
    if (*f != TAB_AUTO) return 0;
    if (n >= sizeof ZIP_MAGIC && !memcmp(head, ZIP_MAGIC, sizeof ZIP_MAGIC)) *f = TAB_XLSX;
    else if (n >= sizeof OLE_MAGIC && !memcmp(head, OLE_MAGIC, sizeof OLE_MAGIC))
        return -1;
    else if (has_ext(name, ".xlsx") || has_ext(name, ".xlsm"))
        *f = TAB_XLSX;
    else
        *f = TAB_CSV;
    return 0;
}

static int refuse_ole(const char *name, err *e)
{
    err_set(e, 422, "import.xlsx",
            "文件 %s 是旧版 Excel（.xls）或加密的工作簿，无法读取；请另存为 .xlsx 或 CSV（UTF-8）后再导入",
            "%s is a legacy Excel (.xls) or encrypted workbook, which cannot be read; save it "
            "as .xlsx or CSV (UTF-8) and import again",
            name);
    return err_at(e, name, 0, 0, NULL);
}

static int wrap(csv_reader *c, xlsx_reader *x, tab_reader **out)
{
    tab_reader *r = xcalloc(1, sizeof *r);
    r->csv = c;
    r->xlsx = x;
    *out = r;
    return 0;
}

int tab_open_file(const char *path, tab_format f, tab_reader **out, err *e)
{
    *out = NULL;
    if (f == TAB_AUTO) {
        unsigned char head[8];
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            int en = errno;
            err_set(e, 500, "import.io", "无法打开文件 %s：%s", "Cannot open the file %s: %s", base_name(path),
                    strerror(en));
            return err_at(e, base_name(path), 0, 0, NULL);
        }
        size_t n = fread(head, 1, sizeof head, fp);
        fclose(fp);
        if (sniff(base_name(path), head, n, &f) < 0) return refuse_ole(base_name(path), e);
    }
    if (f == TAB_XLSX) {
        xlsx_reader *x;
        if (xlsx_open_file(path, NULL, &x, e) < 0) return -1;
        return wrap(NULL, x, out);
    }
    csv_reader *c;
    if (csv_open_file(path, &c, e) < 0) return -1;
    return wrap(c, NULL, out);
}

int tab_open_mem(const char *name, const void *data, size_t n, tab_format f, tab_reader **out, err *e)
{
    *out = NULL;
    if (sniff(name, data, n, &f) < 0) return refuse_ole(name ? name : "", e);
    if (f == TAB_XLSX) {
        xlsx_reader *x;
        if (xlsx_open_mem(name, data, n, NULL, &x, e) < 0) return -1;
        return wrap(NULL, x, out);
    }
    csv_reader *c;
    if (csv_open_mem(name, data, n, &c, e) < 0) return -1;
    return wrap(c, NULL, out);
}

int tab_next(tab_reader *r, char ***cells, size_t *ncells, err *e)
{
    return r->csv ? csv_next(r->csv, cells, ncells, e) : xlsx_next(r->xlsx, cells, ncells, e);
}

long tab_row(const tab_reader *r) { return r->csv ? csv_row(r->csv) : xlsx_row(r->xlsx); }

const char *tab_encoding(const tab_reader *r) { return r->csv ? csv_encoding(r->csv) : "XLSX"; }

void tab_close(tab_reader *r)
{
    if (!r) return;
    csv_close(r->csv);
    xlsx_close(r->xlsx);
    free(r);
}

long long tab_bytes_read(const tab_reader *r) { return r && r->csv ? csv_bytes_read(r->csv) : 0; }
