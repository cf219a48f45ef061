/* test_buf.c: buffers and COPY text-format escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sp_core.h"

static void test_copy_text_escapes_delimiters(void **state)
{
    (void)state;
    sp_buf_t b;
    sp_buf_init(&b);
    const char in[] = "a\tb\nc\\d\re'); DROP TABLE x; --";
    sp_buf_copy_text(&b, in, strlen(in));
    sp_buf_putc(&b, '\0');
    assert_string_equal(b.data, "a\\tb\\nc\\\\d\\re'); DROP TABLE x; --");
    sp_buf_free(&b);
}

static void test_copy_bytea_is_hex(void **state)
{
    (void)state;
    sp_buf_t b;
    sp_buf_init(&b);
    const unsigned char in[] = {0x00, 0xff, 0x41, 0x0a};
    sp_buf_copy_bytea(&b, in, sizeof(in));
    sp_buf_putc(&b, '\0');
    assert_string_equal(b.data, "\\\\x00ff410a");
    sp_buf_free(&b);
}

static void test_buffer_grows_and_keeps_content(void **state)
{
    (void)state;
    sp_buf_t b;
    sp_buf_init(&b);
    for (int i = 0; i < 100000; i++)
        sp_buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 100000);
    assert_true(b.cap >= b.len);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    sp_buf_reset(&b);
    assert_int_equal(b.len, 0);
    sp_buf_printf(&b, "%s=%d", "rows", 42);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "rows=42", 7);
    sp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_text_escapes_delimiters),
        cmocka_unit_test(test_copy_bytea_is_hex),
        cmocka_unit_test(test_buffer_grows_and_keeps_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
