/* test_period.c: SDMX reporting periods and their first and last days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sp_core.h"

static void expect_period(char freq, const char *text, const char *canon, const char *start,
                          const char *end)
{
    sp_period_t p;
    sp_error_t err;
    bool mismatch;
    char buf[SP_PERIOD_TEXT_MAX], d[11];
    if (sp_period_parse(&p, freq, text, strlen(text), &mismatch, &err) != SP_OK)
        fail_msg("%c %s: %s", freq, text, err.message);
    sp_period_format(&p, buf);
    assert_string_equal(buf, canon);
    sp_date_format(p.start_day, d);
    assert_string_equal(d, start);
    sp_date_format(p.end_day, d);
    assert_string_equal(d, end);
}

static void expect_bad(char freq, const char *text, bool want_mismatch)
{
    sp_period_t p;
    bool mismatch = !want_mismatch;
    assert_int_not_equal(sp_period_parse(&p, freq, text, strlen(text), &mismatch, NULL), SP_OK);
    assert_int_equal(mismatch, want_mismatch);
}

static void test_every_form_the_contract_names(void **state)
{
    (void)state;
    expect_period('A', "2023", "2023", "2023-01-01", "2023-12-31");
    expect_period('S', "2023-S1", "2023-S1", "2023-01-01", "2023-06-30");
    expect_period('S', "2023-S2", "2023-S2", "2023-07-01", "2023-12-31");
    expect_period('Q', "2023-Q3", "2023-Q3", "2023-07-01", "2023-09-30");
    expect_period('Q', "2023-Q4", "2023-Q4", "2023-10-01", "2023-12-31");
    expect_period('M', "2023-07", "2023-07", "2023-07-01", "2023-07-31");
    expect_period('M', "2023-M07", "2023-07", "2023-07-01", "2023-07-31");
    expect_period('M', "2023-12", "2023-12", "2023-12-01", "2023-12-31");
}

static void test_february_ends_on_leap_day(void **state)
{
    (void)state;
    expect_period('M', "2024-02", "2024-02", "2024-02-01", "2024-02-29");
    expect_period('M', "2023-02", "2023-02", "2023-02-01", "2023-02-28");
    expect_period('M', "2000-02", "2000-02", "2000-02-01", "2000-02-29");
    expect_period('M', "1900-02", "1900-02", "1900-02-01", "1900-02-28");
}

static void test_form_not_matching_freq_is_a_mismatch(void **state)
{
    (void)state;
    expect_bad('M', "2023", true);
    expect_bad('A', "2023-07", true);
    expect_bad('Q', "2023-S1", true);
    expect_bad('S', "2023-Q1", true);
}

static void test_malformed_periods(void **state)
{
    (void)state;
    expect_bad('M', "2023-13", false);
    expect_bad('M', "2023-00", false);
    expect_bad('M', "2023-7", false);
    expect_bad('Q', "2023-Q5", false);
    expect_bad('S', "2023-S3", false);
    expect_bad('A', "23", false);
    expect_bad('A', "20x3", false);
    expect_bad('M', "2023/07", false);
    expect_bad('M', "", false);
    expect_bad('A', "1899", false);
    expect_bad('M', "2023-07-01", false);
}

static void test_civil_days_round_trip(void **state)
{
    (void)state;
    assert_int_equal(sp_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sp_days_from_civil(2000, 3, 1), 11017);
    for (int32_t z = -80000; z < 80000; z += 37) {
        int y, m, d;
        sp_civil_from_days(z, &y, &m, &d);
        assert_int_equal(sp_days_from_civil(y, m, d), z);
    }
}

static void test_freq_codes(void **state)
{
    (void)state;
    assert_true(sp_freq_valid("A", 1));
    assert_true(sp_freq_valid("M", 1));
    assert_false(sp_freq_valid("W", 1));
    assert_false(sp_freq_valid("MM", 2));
    assert_false(sp_freq_valid("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_form_the_contract_names),
        cmocka_unit_test(test_february_ends_on_leap_day),
        cmocka_unit_test(test_form_not_matching_freq_is_a_mismatch),
        cmocka_unit_test(test_malformed_periods),
        cmocka_unit_test(test_civil_days_round_trip),
        cmocka_unit_test(test_freq_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
