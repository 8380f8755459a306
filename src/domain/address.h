/*
 * address.h - GB/T 2260 administrative divisions and the address resolver.
 *
 * Three parts share one data file, data/regions/gbt2260.csv (province,
 * city and county level, produced by scripts/make-regions.mjs; see
 * data/regions/SOURCE.md):
 *
 *   region_load()     loads the divisions into the regions table through
 *                     the record layer (idempotent);
 *   addr_init(),      an in-memory index of the same divisions and a pure
 *   addr_resolve()    resolver that maps a free-text Chinese (or, best
 *                     effort, English) address to the code of its district;
 *   addr_resolve_db() the resolver plus the review queue: addresses it
 *                     cannot settle become `address_review` records that a
 *                     person decides once, and the decision is remembered
 *                     for the same address.
 *
 * Data file: UTF-8 CSV with the header code,name,level,parent[,short,pinyin]
 * (extra columns are ignored, the last two are optional): six-digit code,
 * full Chinese name, level province/city/district, parent code (empty for
 * provinces, and every parent row before its children), the common short
 * form and '|'-separated pinyin spellings of the short form.
 *
 * Threads: addr_init() and addr_free() must not run concurrently with
 * anything else of this module (call them at start-up and exit);
 * addr_resolve() and the lookups only read the index and may run from any
 * number of threads.  region_load() and addr_resolve_db() use the store
 * given to them, which is used by one thread at a time.
 */
#ifndef IPC_ADDRESS_H
#define IPC_ADDRESS_H

#include "../base/buf.h"
#include "../base/err.h"
#include "../records/rec.h"
#include "../store/store.h"

#include <stddef.h>

/* ---- the data file and the regions table ---- */

/* Path of data/regions/gbt2260.csv: $IPCITY_REGIONS when set (returned
 * as is, even if missing, so that errors name it); else the first of
 * ./data/regions/gbt2260.csv and, relative to the directory of the running
 * binary, ../data, ../../data, ../../../data and ./data (build/ipcity,
 * build/asan/ipcity, build/tests/test_*, build/asan/tests/test_*) that
 * exists, as an absolute path; else the relative
 * "data/regions/gbt2260.csv".  Never NULL; the string is static and
 * computed once (thread-safe). */
const char *region_data_path(void);

/* Loads the divisions of the data file at path into the regions table
 * (type_region), every row through rec_create_tx() as actor a (who needs
 * write access to regions and an existing department), inside one
 * transaction: its own, or the caller's when one is open (it then neither
 * begins nor commits).  Codes that already have a row (live or soft-
 * deleted) are left alone, so loading twice creates nothing the second
 * time, and the demo's 310000/310100/310104 are kept as they are.  name_en
 * is not set.  Before anything is written the whole file is checked (six-
 * digit code accepted by code_region_check, no duplicate, non-empty name,
 * known level, parent present earlier in the file); a problem fails the
 * load with 422 "region.data", the file name, row (physical line) and
 * column in e, and nothing written.  A file that cannot be read gives 500
 * "import.io".  Returns 0 or -1. */
int region_load(store *db, const char *path, const rec_actor *a, err *e);

/* The same, also reporting how many rows were created and how many were
 * skipped because their code existed (either pointer may be NULL). */
int region_load_counts(store *db, const char *path, const rec_actor *a, long *created, long *skipped, err *e);

/* ---- the resolver ---- */

typedef enum {
    ADDR_LEVEL_NONE = 0,
    ADDR_LEVEL_PROVINCE = 1,
    ADDR_LEVEL_CITY = 2,
    ADDR_LEVEL_DISTRICT = 3,
} addr_level;

typedef enum {
    ADDR_CONF_NONE = 0,
    /* The address names a division that has no subdivisions in the data
     * (a district, or a city without districts such as 东莞市), without
     * ambiguity, and the postal code, if any, agrees with it. */
    ADDR_CONF_EXACT = 1,
    /* Anything less: only a province or city found, or the postal code
     * contradicts the text, or only the postal code was usable. */
    ADDR_CONF_PARTIAL = 2,
} addr_conf;

enum {
    ADDR_F_POSTAL = 1 << 0,          /* a postal code was found in the address */
    ADDR_F_POSTAL_USED = 1 << 1,     /* it decided the result (ambiguity, or no names) */
    ADDR_F_POSTAL_MISMATCH = 1 << 2, /* it names another province than the text */
    ADDR_F_ENGLISH = 1 << 3,         /* read as an English (pinyin) address */
    ADDR_F_TRUNCATED = 1 << 4,       /* only the first ADDR_MAX_INPUT bytes were read */
};

#define ADDR_MAX_CANDIDATES 16
#define ADDR_MAX_INPUT 2048

typedef struct addr_result {
    char code[7];     /* six digits, "" when nothing was resolved */
    addr_level level; /* level of code */
    addr_conf confidence;
    const char *name;            /* full name of code (index-owned; NULL if none) */
    size_t match_off, match_len; /* bytes of the input that named it (the
                              * first to the last division name used, or
                              * the postal code); 0/0 when nothing matched */
    unsigned flags;              /* ADDR_F_* */
    char postal[7];              /* the postal code found, "" if none */
    /* When the names fit several divisions: the possible codes (the most
     * specific ones, sorted), at most ADDR_MAX_CANDIDATES; ncandidates_total
     * tells how many there were. */
    int ncandidates, ncandidates_total;
    char candidates[ADDR_MAX_CANDIDATES][7];
} addr_result;

/* Builds the resolver's index from the data file at path (see the header
 * comment), replacing a previous one.  Returns 0, or -1 with e naming the
 * file and row (422 "region.data", 500 "import.io").  Not thread-safe: call
 * at start-up. */
int addr_init(const char *path, err *e);

/* Frees the index (addr_resolve() then fails until the next addr_init()).
 * Not thread-safe: call at exit. */
void addr_free(void);

/* Number of divisions in the index (0 before addr_init()). */
size_t addr_region_count(void);

/* Resolves a free-text address (NUL-terminated UTF-8; invalid bytes are
 * skipped; only the first ADDR_MAX_INPUT bytes are read).  Understands:
 *   - a six-digit postal code at the start or the end (ASCII or full-
 *     width digits); its first two digits name the province (China Post
 *     allocation, see address.c), used to check the text and to choose
 *     among same-named districts, and alone to give the province;
 *   - full names and short forms of provinces, cities and districts
 *     (上海市/上海, 广西壮族自治区/广西, 浦东新区/浦东, 延边朝鲜族自治州/
 *     延边), in order from large to small, with or without the larger
 *     ones ("徐汇区漕宝路650号");
 *   - any whitespace, full-width ASCII and punctuation between names;
 *   - English addresses (no CJK character in the text), small to large,
 *     comma- or space-separated: "Xuhui District, Shanghai 200030"; names
 *     are matched on their pinyin (and a few English spellings: Inner
 *     Mongolia, Tibet, Hong Kong, Macao/Macau, Shaanxi); words such as
 *     District, City, Province are ignored.
 * Text after the last division name that fits (street, building) is
 * ignored; a name that does not fit the ones before it ends the
 * administrative part ("上海市南京西路" is Shanghai, not Nanjing).
 *
 * out is always filled (zeroed first).  Returns 1 when a division was
 * found (out->code, level, confidence; when names were ambiguous below
 * it, e.g. "江苏省鼓楼区", the common province or city is returned with
 * confidence partial and the candidates listed), 0 when not (out->code
 * empty; the candidates, if names matched several divisions with nothing
 * in common, e.g. "朝阳区", are listed), -1 when address or out is NULL or
 * addr_init() has not succeeded. */
int addr_resolve(const char *address, addr_result *out);

/* Full name of a code in the index ("徐汇区"), NULL when unknown. */
const char *addr_region_name(const char *code);

/* Appends the names from the province down to code, without the
 * placeholder levels (市辖区, 县, 省直辖县级行政区划), to out:
 * "上海市徐汇区", "吉林省长春市朝阳区".  Returns 0, or -1 when unknown. */
int addr_region_path(const char *code, buf *out);

/* Normalises an address for the review queue's key into out (reset
 * first): trimmed, full-width ASCII folded to ASCII, U+3000 and any run
 * of whitespace collapsed to one space. */
void addr_normalize(const char *address, buf *out);

/* ---- the review queue ---- */

/* Record type "address_review" (path "address_reviews", 地址核对):
 * address (normalised, unique among live rows, the import key), status
 * pending/settled, candidates (JSON [{code,name}]), region_code (the
 * decision, GB/T 2260, required when settled), settled_by/settled_at (set
 * by the server when the status becomes settled, cleared when it goes back
 * to pending), note.  Read and write: admin and bureau all rows, dept
 * their own department's, others none. */
extern rec_type type_address_review;

#define ADDR_QUEUED_NEW 1     /* a pending review was created */
#define ADDR_QUEUED_ALREADY 2 /* a pending review of the address existed */

/* Resolves an address to a district code for storage: first a settled
 * review of the same normalised address (its region_code wins); else
 * addr_resolve() with confidence exact; else the address goes to the
 * review queue, a pending address_review created as actor a (once per
 * address) with the resolver's candidates (or its partial result).
 *
 * code receives the six digits, or "" when the address waits for review;
 * *queued (may be NULL) becomes 0 when a code was given, ADDR_QUEUED_NEW or
 * ADDR_QUEUED_ALREADY otherwise.  Runs in the caller's transaction when
 * one is open, else in its own for the creation.  Returns 0; -1 with e set
 * on a storage or permission error, an empty address (422
 * "address.empty") or a resolver that was not initialised (500
 * "address.not_ready"). */
int addr_resolve_db(store *db, const char *address, const rec_actor *a, char code[7], int *queued, err *e);

#endif
