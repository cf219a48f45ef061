/* test_time.c: ISO 8601 release times with offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sp_core.h"

static void expect_utc(const char *in, const char *out)
{
    int64_t us;
    sp_error_t err;
    char buf[SP_TIME_TEXT_MAX];
    if (sp_time_parse(&us, in, strlen(in), &err) != SP_OK)
        fail_msg("%s: %s", in, err.message);
    sp_time_format(us, buf);
    assert_string_equal(buf, out);
}

static void expect_bad(const char *in)
{
    int64_t us;
    assert_int_equal(sp_time_parse(&us, in, strlen(in), NULL), SP_ERR_INVALID);
}

static void test_offsets_become_utc(void **state)
{
    (void)state;
    expect_utc("2023-08-15T10:00:00+08:00", "2023-08-15 02:00:00.000000+00");
    expect_utc("2023-08-15T10:00:00Z", "2023-08-15 10:00:00.000000+00");
    expect_utc("2023-08-15T01:00:00+08:00", "2023-08-14 17:00:00.000000+00");
    expect_utc("2023-12-31T23:30:00-01:00", "2024-01-01 00:30:00.000000+00");
    expect_utc("2023-08-15T10:00+0800", "2023-08-15 02:00:00.000000+00");
    expect_utc("2023-08-15T10:00:00+08", "2023-08-15 02:00:00.000000+00");
    expect_utc("2023-08-15T10:00:00.25+08:00", "2023-08-15 02:00:00.250000+00");
    expect_utc("2024-02-29T00:00:00Z", "2024-02-29 00:00:00.000000+00");
}

static void test_bad_times(void **state)
{
    (void)state;
    expect_bad("2023-08-15T10:00:00");  /* no offset */
    expect_bad("2023-08-15");           /* a date only */
    expect_bad("2023-02-29T10:00:00Z"); /* not a leap year */
    expect_bad("2023-13-01T10:00:00Z");
    expect_bad("2023-08-15T24:00:00Z");
    expect_bad("2023-08-15T10:60:00Z");
    expect_bad("2023-08-15T10:00:00+25:00");
    expect_bad("2023-08-15T10:00:00Zjunk");
    expect_bad("15/08/2023 10:00");
    expect_bad("");
}

static void test_order_is_preserved_across_offsets(void **state)
{
    (void)state;
    int64_t a, b;
    assert_int_equal(sp_time_parse(&a, "2023-08-15T10:00:00+08:00", 25, NULL), SP_OK);
    assert_int_equal(sp_time_parse(&b, "2023-08-15T03:00:00+00:00", 25, NULL), SP_OK);
    assert_true(a < b);
    assert_int_equal(b - a, 3600LL * 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_become_utc),
        cmocka_unit_test(test_bad_times),
        cmocka_unit_test(test_order_is_preserved_across_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
