/* test_time.c: ISO 8601 release times with offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The digit-by-digit formatting against the C library's, over times from 1900 to 2200,
 * and the dates of days from 0001 to 9999. */
static void test_format_matches_the_c_library(void **state)
{
    (void)state;
    srand(11);
    for (int i = 0; i < 200000; i++) {
        int64_t secs = (int64_t)(((uint64_t)rand() << 31 | (uint64_t)rand()) % 9467280000ULL) -
                       2208988800LL; /* 1900-01-01 .. 2200-01-01 */
        int64_t frac = rand() % 1000000;
        time_t t = (time_t)secs;
        struct tm tm;
        gmtime_r(&t, &tm);
        char want[64], got[SP_TIME_TEXT_MAX];
        size_t n = strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(want + n, sizeof(want) - n, ".%06d+00", (int)frac);
        assert_int_equal(sp_time_format(secs * 1000000 + frac, got), strlen(want));
        assert_string_equal(got, want);
    }
    for (int32_t day = -719162; day <= 2932896; day += 7) { /* 0001-01-01 .. 9999-12-31 */
        int y, m, d;
        char want[32], got[11];
        sp_civil_from_days(day, &y, &m, &d);
        snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
        assert_int_equal(sp_date_format(day, got), 10);
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_become_utc),
        cmocka_unit_test(test_bad_times),
        cmocka_unit_test(test_order_is_preserved_across_offsets),
        cmocka_unit_test(test_format_matches_the_c_library),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
