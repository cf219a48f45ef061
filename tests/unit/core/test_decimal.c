/* test_decimal.c: exact decimal parsing, scaling and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sp_core.h"

static void expect_format(const char *in, const char *out)
{
    sp_dec_t d;
    char buf[SP_DEC_TEXT_MAX];
    sp_error_t err;
    if (sp_dec_parse(&d, in, strlen(in), &err) != SP_OK)
        fail_msg("parse \"%s\": %s", in, err.message);
    sp_dec_format(&d, buf);
    assert_string_equal(buf, out);
}

static void expect_invalid(const char *in, sp_status_t code)
{
    sp_dec_t d;
    sp_error_t err;
    assert_int_equal(sp_dec_parse(&d, in, strlen(in), &err), code);
}

static void expect_product(const char *a, const char *b, const char *out)
{
    sp_dec_t da, db, r;
    char buf[SP_DEC_TEXT_MAX];
    assert_int_equal(sp_dec_parse(&da, a, strlen(a), NULL), SP_OK);
    assert_int_equal(sp_dec_parse(&db, b, strlen(b), NULL), SP_OK);
    assert_int_equal(sp_dec_mul(&r, &da, &db, NULL), SP_OK);
    sp_dec_format(&r, buf);
    assert_string_equal(buf, out);
}

static void test_parse_canonical_forms(void **state)
{
    (void)state;
    expect_format("83097", "83097");
    expect_format("6220.764", "6220.764");
    expect_format("0", "0");
    expect_format("0.000", "0");
    expect_format("-0", "0");
    expect_format("-0.0", "0");
    expect_format("100", "100");
    expect_format("1.50", "1.5");
    expect_format("0.05", "0.05");
    expect_format("-12.25", "-12.25");
    expect_format("1e3", "1000");
    expect_format("1.5E-2", "0.015");
    expect_format("25e+0", "25");
}

static void test_parse_rejects_bad_syntax(void **state)
{
    (void)state;
    expect_invalid("", SP_ERR_INVALID);
    expect_invalid("-", SP_ERR_INVALID);
    expect_invalid(".5", SP_ERR_INVALID);
    expect_invalid("5.", SP_ERR_INVALID);
    expect_invalid("+5", SP_ERR_INVALID);
    expect_invalid("1,000", SP_ERR_INVALID);
    expect_invalid(" 5", SP_ERR_INVALID);
    expect_invalid("5 ", SP_ERR_INVALID);
    expect_invalid("NaN", SP_ERR_INVALID);
    expect_invalid("Infinity", SP_ERR_INVALID);
    expect_invalid("1e", SP_ERR_INVALID);
    expect_invalid("0x10", SP_ERR_INVALID);
    expect_invalid("007", SP_ERR_INVALID);
    expect_invalid("1e999999", SP_ERR_RANGE);
    expect_invalid("1e-999999", SP_ERR_RANGE);
}

static void test_unit_scaling_is_exact(void **state)
{
    (void)state;
    /* The contract's examples. */
    expect_product("6220.764", "1000000000", "6220764000000");
    expect_product("0.1", "1000000000000", "100000000000");
    expect_product("58965", "10000", "589650000");
    expect_product("83097", "100000000", "8309700000000");
    expect_product("-2.5", "4", "-10");
    expect_product("0", "100000000", "0");
    expect_product("0.001", "0.001", "0.000001");
    expect_product("123456789012345678901234567890", "987654321",
                   "121932631124828532112482853211126352690");
}

static void test_scale10_applies_unit_mult(void **state)
{
    (void)state;
    sp_dec_t d;
    char buf[SP_DEC_TEXT_MAX];
    assert_int_equal(sp_dec_parse(&d, "1.23", 4, NULL), SP_OK);
    assert_int_equal(sp_dec_scale10(&d, 4, NULL), SP_OK);
    sp_dec_format(&d, buf);
    assert_string_equal(buf, "12300");
    assert_int_equal(sp_dec_scale10(&d, -6, NULL), SP_OK);
    sp_dec_format(&d, buf);
    assert_string_equal(buf, "0.0123");
}

static void test_double_becomes_shortest_decimal(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.1, "0.1"}, {77.5, "77.5"}, {6220.764, "6220.764"},     {1e21, "1000000000000000000000"},
        {-0.0, "0"},  {0.3, "0.3"},   {123456.789, "123456.789"}, {5e-324, NULL}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sp_dec_t d;
        char buf[SP_DEC_TEXT_MAX];
        sp_status_t st = sp_dec_from_double(&d, cases[i].v, NULL);
        if (cases[i].text == NULL) {
            assert_int_equal(st, SP_ERR_RANGE); /* subnormal: beyond the exponent range */
            continue;
        }
        assert_int_equal(st, SP_OK);
        sp_dec_format(&d, buf);
        assert_string_equal(buf, cases[i].text);
    }
}

static void test_integer_conversion(void **state)
{
    (void)state;
    sp_dec_t d;
    char buf[SP_DEC_TEXT_MAX];
    sp_dec_from_int(&d, -9223372036854775807LL - 1);
    sp_dec_format(&d, buf);
    assert_string_equal(buf, "-9223372036854775808");
    sp_dec_from_int(&d, 1200);
    sp_dec_format(&d, buf);
    assert_string_equal(buf, "1200");
    sp_dec_from_int(&d, 0);
    sp_dec_format(&d, buf);
    assert_string_equal(buf, "0");
}

static void test_compare_by_value(void **state)
{
    (void)state;
    const char *ordered[] = {"-100", "-1.5", "-0.01", "0",   "0.001",
                             "0.1",  "1",    "99.99", "100", "1e5"};
    size_t n = sizeof(ordered) / sizeof(ordered[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            sp_dec_t a, b;
            sp_dec_parse(&a, ordered[i], strlen(ordered[i]), NULL);
            sp_dec_parse(&b, ordered[j], strlen(ordered[j]), NULL);
            int want = i < j ? -1 : i > j ? 1 : 0;
            assert_int_equal(sp_dec_cmp(&a, &b), want);
        }
}

static void test_too_many_digits_is_out_of_range(void **state)
{
    (void)state;
    char big[120];
    memset(big, '7', 100);
    big[100] = '\0';
    expect_invalid(big, SP_ERR_RANGE);
}

/* A 76-digit coefficient with a positive exponent formats as 76 digits and trailing zeros;
 * the zeros are the exponent, not precision, and do not count against the 76-digit
 * capacity when the text is parsed again. */
static void test_trailing_zeros_do_not_count_against_precision(void **state)
{
    (void)state;
    char in[120], out[SP_DEC_TEXT_MAX];
    memset(in, '9', 76);
    strcpy(in + 76, "e3");
    sp_dec_t d, again;
    assert_int_equal(sp_dec_parse(&d, in, strlen(in), NULL), SP_OK);
    size_t n = sp_dec_format(&d, out);
    assert_int_equal(n, 79);
    assert_int_equal(sp_dec_parse(&again, out, n, NULL), SP_OK);
    assert_int_equal(sp_dec_cmp(&d, &again), 0);
    expect_format("1000000000000000000000000000000.000000", "1000000000000000000000000000000");
    expect_format("10.50", "10.5");
    expect_format("100.0001", "100.0001");
    expect_format("0.0", "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_canonical_forms),
        cmocka_unit_test(test_parse_rejects_bad_syntax),
        cmocka_unit_test(test_unit_scaling_is_exact),
        cmocka_unit_test(test_scale10_applies_unit_mult),
        cmocka_unit_test(test_double_becomes_shortest_decimal),
        cmocka_unit_test(test_integer_conversion),
        cmocka_unit_test(test_compare_by_value),
        cmocka_unit_test(test_too_many_digits_is_out_of_range),
        cmocka_unit_test(test_trailing_zeros_do_not_count_against_precision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
