/* fuzz_xlsx.c - the XLSX reader: tab_open_mem(TAB_XLSX) and the tab_next()
 * loop (src/import/xlsx.c, table.c).  Oracles in fuzz_tab_check.h.
 *
 * Two input forms, so that mutations reach the XML parts and not only
 * libzip's checks (a mutated deflate stream or CRC is refused early):
 *   - raw bytes (anything not starting with "@@ "): the workbook as is;
 *     seeds are real workbooks (tests/data/tables/sample.xlsx);
 *   - "@@ NAME\n" CONTENT "\n@@ NAME\n" CONTENT ...: the parts of a
 *     workbook, which this target packs into a stored (uncompressed) ZIP
 *     archive with correct CRCs before handing it to the reader; seeds are
 *     the parts of sample.xlsx in this form.
 * Seeds: tests/fuzz/corpus/xlsx; dictionary tests/fuzz/xlsx.dict. */
#include "fuzz_tab_check.h"

static uint32_t crc_table[256];

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    if (!crc_table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static void le16(buf *b, unsigned v)
{
    buf_putc(b, (char)(v & 0xFF));
    buf_putc(b, (char)((v >> 8) & 0xFF));
}

static void le32(buf *b, uint32_t v)
{
    le16(b, v & 0xFFFF);
    le16(b, v >> 16);
}

typedef struct part {
    const uint8_t *name, *data;
    size_t nname, ndata;
    uint32_t crc, off;
} part;

#define MAX_PARTS 32

/* Splits the container form into parts; returns their number. */
static int split_parts(const uint8_t *data, size_t size, part *parts)
{
    int np = 0;
    size_t i = 0;
    while (i + 3 <= size && !memcmp(data + i, "@@ ", 3) && np < MAX_PARTS) {
        part *p = &parts[np++];
        memset(p, 0, sizeof *p);
        size_t s = i + 3, nl = s;
        while (nl < size && data[nl] != '\n') nl++;
        p->name = data + s;
        p->nname = nl - s > 200 ? 200 : nl - s;
        size_t c = nl < size ? nl + 1 : size, end = c;
        while (end < size && !(data[end] == '\n' && end + 4 <= size && !memcmp(data + end + 1, "@@ ", 3))) end++;
        p->data = data + c;
        p->ndata = end - c;
        i = end < size ? end + 1 : size;
    }
    return np;
}

/* A stored ZIP archive of the parts. */
static void zip_stored(part *parts, int np, buf *z)
{
    for (int k = 0; k < np; k++) {
        part *p = &parts[k];
        p->crc = crc32_of(p->data, p->ndata);
        p->off = (uint32_t)z->len;
        le32(z, 0x04034b50u);
        le16(z, 20), le16(z, 0), le16(z, 0); /* version, flags, method: stored */
        le16(z, 0), le16(z, 0x21);            /* time, date (1980-01-01) */
        le32(z, p->crc), le32(z, (uint32_t)p->ndata), le32(z, (uint32_t)p->ndata);
        le16(z, (unsigned)p->nname), le16(z, 0);
        buf_add(z, p->name, p->nname);
        buf_add(z, p->data, p->ndata);
    }
    uint32_t cd = (uint32_t)z->len;
    for (int k = 0; k < np; k++) {
        part *p = &parts[k];
        le32(z, 0x02014b50u);
        le16(z, 20), le16(z, 20), le16(z, 0), le16(z, 0);
        le16(z, 0), le16(z, 0x21);
        le32(z, p->crc), le32(z, (uint32_t)p->ndata), le32(z, (uint32_t)p->ndata);
        le16(z, (unsigned)p->nname), le16(z, 0), le16(z, 0), le16(z, 0), le16(z, 0);
        le32(z, 0), le32(z, p->off);
        buf_add(z, p->name, p->nname);
    }
    uint32_t cdlen = (uint32_t)z->len - cd;
    le32(z, 0x06054b50u);
    le16(z, 0), le16(z, 0), le16(z, (unsigned)np), le16(z, (unsigned)np);
    le32(z, cdlen), le32(z, cd), le16(z, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf z = BUF_INIT;
    const void *in = data;
    size_t n = size;
    if (size >= 3 && !memcmp(data, "@@ ", 3)) {
        part parts[MAX_PARTS];
        int np = split_parts(data, size, parts);
        zip_stored(parts, np, &z);
        in = z.s;
        n = z.len;
    }
    tab_reader *r = NULL;
    err e = ERR_INIT;
    int rc = tab_open_mem("fuzz.xlsx", in, n, TAB_XLSX, &r, &e);
    if (rc) {
        FZ_CHECK(!r, "failed open with a reader");
        fz_check_err(&e, "tab_open_mem");
    } else {
        FZ_CHECK(r, "open without a reader");
        fz_tab_loop(r, n, 0);
        tab_close(r);
    }
    err_clear(&e);
    buf_free(&z);
    return 0;
}
