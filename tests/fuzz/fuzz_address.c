/* fuzz_address.c - the address resolver: addr_resolve() over the fuzzer's
 * bytes as a NUL-terminated string, with the index built once from
 * region_data_path() (src/domain/address.h).  Also addr_normalize() (the
 * review queue's key) and, for a resolved code, addr_region_path().
 *
 * Oracles (address.h): the result is -1/0/1 and never -1 here (index
 * ready, arguments non-NULL); 1 means a six-digit code that
 * code_region_check accepts and the index knows (addr_region_name,
 * addr_region_path), a level 1-3 and a confidence; 0 means an empty code;
 * the matched span lies inside the input (and its first ADDR_MAX_INPUT
 * bytes); the postal code is "" or six ASCII digits; at most
 * ADDR_MAX_CANDIDATES candidates, each a known code, and no more than
 * ncandidates_total; ADDR_F_TRUNCATED exactly when the input is longer
 * than ADDR_MAX_INPUT.  Seeds: tests/fuzz/corpus/address. */
#include "fuzz_common.h"

static int six_digits(const char *s) { return strlen(s) == 6 && strspn(s, "0123456789") == 6; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    fz_addr();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    size_t len = strlen(s);
    addr_result r;
    int rc = addr_resolve(s, &r);
    FZ_CHECK(rc == 0 || rc == 1, "addr_resolve returned %d", rc);
    if (rc == 1) {
        FZ_CHECK(six_digits(r.code) && code_region_check(r.code, NULL) == 0, "resolved code \"%s\"", r.code);
        FZ_CHECK(r.name && addr_region_name(r.code) && !strcmp(r.name, addr_region_name(r.code)),
                 "code %s without its name", r.code);
        FZ_CHECK(r.level >= ADDR_LEVEL_PROVINCE && r.level <= ADDR_LEVEL_DISTRICT, "level %d", (int)r.level);
        FZ_CHECK(r.confidence == ADDR_CONF_EXACT || r.confidence == ADDR_CONF_PARTIAL, "confidence %d",
                 (int)r.confidence);
        buf path = BUF_INIT;
        FZ_CHECK(addr_region_path(r.code, &path) == 0 && fz_utf8(buf_cstr(&path)), "no path for %s", r.code);
        buf_free(&path);
    } else {
        FZ_CHECK(!r.code[0], "not resolved but code \"%s\"", r.code);
    }
    size_t lim = len < ADDR_MAX_INPUT ? len : ADDR_MAX_INPUT;
    FZ_CHECK(r.match_off <= lim && r.match_len <= lim - r.match_off, "match %zu+%zu beyond %zu bytes", r.match_off,
             r.match_len, lim);
    FZ_CHECK(!r.postal[0] || six_digits(r.postal), "postal \"%s\"", r.postal);
    FZ_CHECK(r.ncandidates >= 0 && r.ncandidates <= ADDR_MAX_CANDIDATES && r.ncandidates <= r.ncandidates_total,
             "%d candidates of %d", r.ncandidates, r.ncandidates_total);
    for (int i = 0; i < r.ncandidates; i++)
        FZ_CHECK(six_digits(r.candidates[i]) && addr_region_name(r.candidates[i]), "candidate \"%s\"",
                 r.candidates[i]);
    FZ_CHECK(!(r.flags & ADDR_F_TRUNCATED) == !(len > ADDR_MAX_INPUT), "truncated flag %u for %zu bytes", r.flags,
             len);

    buf norm = BUF_INIT;
    addr_normalize(s, &norm);
    if (util_utf8_valid(s, len)) FZ_CHECK(fz_utf8(buf_cstr(&norm)), "addr_normalize made invalid UTF-8");
    buf_free(&norm);
    free(s);
    return 0;
}
