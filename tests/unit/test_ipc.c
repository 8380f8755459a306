/* test_ipc.c - IPC/CPC symbol normalisation (code_ipc_normalize in
 * src/domain/codes.h): the shapes real CNIPA, USPTO and Lens files use,
 * and what is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../src/base/buf.h"
#include "../../src/domain/codes.h"

static void expect(const char *in, const char *want)
{
    buf b = BUF_INIT;
    buf_puts(&b, "old content");
    if (code_ipc_normalize(in, &b) != 0) fail_msg("'%s' was refused", in);
    assert_string_equal(b.s, want);
    buf_free(&b);
}

static void refused(const char *in)
{
    buf b = BUF_INIT;
    buf_puts(&b, "untouched");
    if (code_ipc_normalize(in, &b) != -1) fail_msg("'%s' was accepted as '%s'", in, b.s);
    assert_string_equal(b.s, "untouched");
    buf_free(&b);
}

/* The forms named in the brief and found in the real files. */
static void test_shapes(void **state)
{
    (void)state;
    /* CNIPA old schema <text>, with the version. */
    expect("A24B   15/18    (2006.01)", "A24B 15/18");
    expect("C11B    9/00    (2006.01)", "C11B 9/00");
    expect("C12P    1/02    (2006.01)", "C12P 1/02");
    expect("C12R    1/645   (2006.01)", "C12R 1/645");
    expect("C07D  251/18    (2006.01)", "C07D 251/18");
    expect("G09G    3/3208  (2016.01)", "G09G 3/3208");
    /* Lens cells. */
    expect("H04L29/08", "H04L 29/08");
    expect("B60R11/0229", "B60R 11/0229");
    expect("G05D2201/0213", "G05D 2201/0213");
    expect("G08G1/096725", "G08G 1/096725");
    /* Zero-padded subgroup, CPC scheme form. */
    expect("H04L 29/080000", "H04L 29/08");
    expect("G06F0017300000", "G06F 17/30");
    expect("A61B0005000000", "A61B 5/00");
    expect("B60W2050/001000", "B60W 2050/001");
    /* USPTO parts joined. */
    expect("A61B 5/00", "A61B 5/00");
    expect("A61B 0005/0205", "A61B 5/0205");
    /* Lower case, tabs, ideographic spaces. */
    expect("a24b 15/18", "A24B 15/18");
    expect("\tH04W\xE3\x80\x80"
           "52/0261 ",
           "H04W 52/0261");
    /* CPC Y section. */
    expect("Y10S901/01", "Y10S 901/01");
    expect("Y02P 90/08", "Y02P 90/08");
    /* Subclass only. */
    expect("B60R", "B60R");
    expect("G06F", "G06F");
    expect("g06f (2006.01)", "G06F");
}

static void test_trailing_zeros(void **state)
{
    (void)state;
    expect("H04L 29/0800", "H04L 29/08");
    expect("C12P 1/020", "C12P 1/02");
    expect("A01B 1/100000", "A01B 1/10");
    expect("A01B 1/00000", "A01B 1/00");
    expect("A01B 1/6450", "A01B 1/645");
    expect("B60R 11/02290", "B60R 11/0229");
}

static void test_refused(void **state)
{
    (void)state;
    refused(NULL);
    refused("");
    refused("   ");
    refused("(2006.01)");
    refused("I01B 1/00"); /* section I does not exist */
    refused("Z99Z 1/00");
    refused("A1B 1/00");  /* class one digit */
    refused("A011 1/00"); /* subclass not a letter */
    refused("A01B1");     /* group without subgroup */
    refused("A01B 1/");
    refused("A01B /00");
    refused("A01B 1/0");      /* one-digit subgroup */
    refused("A01B 12345/00"); /* main group too long */
    refused("A01B 1/1234567");
    refused("A01B 0/00"); /* main group zero */
    refused("A01B 1/0a");
    refused("A01B 1-00");
    refused("A01B 1/00/00");
    refused("G06F001730000"); /* 13 chars, not the scheme form */
    refused("G06F00173000000");
    refused("709203"); /* US national classification */
    refused("A01BC");
}

/* out may be NULL: only the answer is wanted. */
static void test_null_out(void **state)
{
    (void)state;
    assert_int_equal(code_ipc_normalize("A24B 15/18", NULL), 0);
    assert_int_equal(code_ipc_normalize("A24B", NULL), 0);
    assert_int_equal(code_ipc_normalize("nonsense", NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_trailing_zeros),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_null_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
