/* fuzz_importer.c - the whole importer: imp_run() with the fuzzer's bytes
 * as an uploaded file (format and record type detected: CNIPA/USPTO XML,
 * Lens CSV/XLSX, the patent and event templates, record CSV/XLSX) into a
 * temporary database (schema and one department, made again whenever its
 * audit chain passes RESET_AFTER entries, so that verifying it after every
 * input stays cheap) (src/import/importer.h).
 *
 * The file name handed over follows the content ("upload.xlsx" for a ZIP,
 * "upload.xml" after '<', else "upload.csv"), as a browser upload would.
 *
 * Oracles: imp_run returns 0 with a report (rows/created/updated/unchanged,
 * sha256 of the input) or -1 with no report and a complete err; no
 * transaction is left open; when it fails the database is unchanged (the
 * audit head, the row count of every table, the version sum of every
 * table that has versions); after every input the audit chain verifies
 * (audit_verify) and its length is the audit head.
 * Seeds: tests/fuzz/corpus/importer (cut real XML and Lens files, the
 * templates, record CSVs, an XLSX). */
#include "fuzz_common.h"

#include "../../src/import/importer.h"
#include "../../src/records/audit.h"

static store *db;

/* The database starts over when its audit chain is longer than this. */
#define RESET_AFTER 200

/* Every table of the database (FTS shadow tables included), and whether
 * it has a version column, listed once. */
#define MAX_TABLES 128
static char *tables[MAX_TABLES];
static int versioned[MAX_TABLES], ntables;

static void list_tables(void)
{
    err e = ERR_INIT;
    store_stmt *st = store_prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", &e);
    if (!st) abort();
    while (store_step(st, &e) == 1 && ntables < MAX_TABLES) tables[ntables++] = strdup(store_col_text(st, 0));
    store_done(st);
    for (int i = 0; i < ntables; i++) {
        char q[300];
        int64_t n = 0;
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM pragma_table_info('%s') WHERE name = 'version'", tables[i]);
        if (store_query_int(db, q, &n, &e, 0)) abort();
        versioned[i] = n > 0;
    }
}

/* The state a failed import must leave as it was. */
typedef struct snap {
    int64_t head, n[MAX_TABLES], v[MAX_TABLES];
} snap;

static void take(snap *s)
{
    err e = ERR_INIT;
    s->head = 0;
    if (store_query_int(db, "SELECT COALESCE(MAX(seq), 0) FROM audit_head", &s->head, &e, 0)) abort();
    for (int i = 0; i < ntables; i++) {
        char q[300];
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM \"%s\"", tables[i]);
        if (store_query_int(db, q, &s->n[i], &e, 0)) abort();
        s->v[i] = 0;
        snprintf(q, sizeof q, "SELECT COALESCE(SUM(version), 0) FROM \"%s\"", tables[i]);
        if (versioned[i] && store_query_int(db, q, &s->v[i], &e, 0)) abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    fz_addr();
    db = fz_db_open(0);
    list_tables();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *name = "upload.csv";
    if (size >= 4 && !memcmp(data, "PK\003\004", 4)) name = "upload.xlsx";
    else {
        size_t i = 0;
        if (size >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) i = 3;
        while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) i++;
        if (i < size && data[i] == '<') name = "upload.xml";
    }
    snap before, after;
    take(&before);
    if (before.head > RESET_AFTER) { /* keep audit_verify quick: start over */
        fz_db_drop();
        db = fz_db_open(0);
        take(&before);
    }
    json_t *rep = (json_t *)1;
    err e = ERR_INIT;
    int rc = imp_run(db, &fz_actor, name, NULL, data, size, NULL, NULL, NULL, &rep, &e);
    FZ_CHECK(rc == 0 || rc == -1, "imp_run returned %d", rc);
    FZ_CHECK(!store_in_tx(db), "imp_run left a transaction open (rc %d)", rc);
    take(&after);
    if (rc == 0) {
        FZ_CHECK(json_is_object(rep), "success without a report");
        FZ_CHECK(!err_isset(&e), "success with an error set (%s)", e.code);
        char sha[65];
        util_sha256_hex(data, size, sha);
        const char *rs = json_string_value(json_object_get(rep, "sha256"));
        FZ_CHECK(rs && !strcmp(rs, sha), "report sha256 %s, input %s", rs ? rs : "(none)", sha);
        json_int_t rows = json_integer_value(json_object_get(rep, "rows")),
                   created = json_integer_value(json_object_get(rep, "created")),
                   updated = json_integer_value(json_object_get(rep, "updated")),
                   unchanged = json_integer_value(json_object_get(rep, "unchanged"));
        FZ_CHECK(created >= 0 && updated >= 0 && unchanged >= 0 && created + updated + unchanged <= rows,
                 "report rows %lld created %lld updated %lld unchanged %lld", (long long)rows, (long long)created,
                 (long long)updated, (long long)unchanged);
        FZ_CHECK(after.head > before.head, "a successful import wrote no audit entry");
        json_decref(rep);
    } else {
        FZ_CHECK(!rep, "failure with a report");
        fz_check_err(&e, "imp_run");
        FZ_CHECK(after.head == before.head, "a failed import (%s) moved the audit head %lld -> %lld", e.code,
                 (long long)before.head, (long long)after.head);
        for (int i = 0; i < ntables; i++)
            FZ_CHECK(after.n[i] == before.n[i] && after.v[i] == before.v[i],
                     "a failed import (%s) changed table %s: rows %lld -> %lld, versions %lld -> %lld", e.code,
                     tables[i], (long long)before.n[i], (long long)after.n[i], (long long)before.v[i],
                     (long long)after.v[i]);
    }
    err_clear(&e);
    int64_t count = 0;
    err ve = ERR_INIT;
    FZ_CHECK(audit_verify(db, &count, &ve) == 0, "audit chain broken: %s", err_msg(&ve, LANG_EN));
    FZ_CHECK(count == after.head, "audit_verify counted %lld entries, head is %lld", (long long)count,
             (long long)after.head);
    err_clear(&ve);
    return 0;
}
