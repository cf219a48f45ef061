/* test_utf8.c: UTF-8 validation and text-safe copies of untrusted bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sp_core.h"

static void test_valid_and_invalid_sequences(void **state)
{
    (void)state;
    assert_true(sp_utf8_valid("abc", 3));
    assert_true(sp_utf8_valid("亿元", strlen("亿元")));
    assert_true(sp_utf8_valid("\xf0\x9f\x98\x80", 4)); /* U+1F600 */
    assert_false(sp_utf8_valid("\xff", 1));
    assert_false(sp_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(sp_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(sp_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(sp_utf8_valid("\xe4\xba", 2));         /* truncated */
}

static void test_copy_replaces_bad_bytes_and_nul(void **state)
{
    (void)state;
    char out[32];
    size_t n = sp_utf8_copy(out, sizeof(out),
                            "a\xff"
                            "b\0c",
                            5);
    assert_int_equal(n, 5);
    assert_string_equal(out, "a?b?c");
}

static void test_copy_truncates_on_character_boundary(void **state)
{
    (void)state;
    char out[6];
    /* "亿元" is 6 bytes; with room for 5, only the first character fits */
    size_t n = sp_utf8_copy(out, sizeof(out), "亿元", strlen("亿元"));
    assert_int_equal(n, 3);
    assert_string_equal(out, "亿");
    assert_true(sp_utf8_valid(out, n));
}

static void test_term_puts_escapes_controls(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    /* ESC [2J (clear screen), a newline, DEL, a C1 CSI (U+009B), and plain CJK text */
    sp_term_puts(f, "a\x1b[2J\nb\x7f\xc2\x9b"
                    "c亿");
    fclose(f);
    assert_string_equal(buf, "a\\x1b[2J\\x0ab\\x7f\\u009bc亿");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_invalid_sequences),
        cmocka_unit_test(test_copy_replaces_bad_bytes_and_nul),
        cmocka_unit_test(test_copy_truncates_on_character_boundary),
        cmocka_unit_test(test_term_puts_escapes_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
