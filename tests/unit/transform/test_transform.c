/* test_transform.c: one message to a normalised observation or a contract reason code,
 * table-driven over the rules of the message contract, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transform_fixture.h"

#include <jansson.h>

typedef struct rule_case {
    const char *field;
    const char *json; /* NULL removes the field */
    sp_reason_t reason;
    const char *value; /* canonical value when accepted */
} rule_case_t;

static const rule_case_t cases[] = {
    /* accepted, with the canonical value */
    {NULL, NULL, SP_REASON_NONE, "8309700000000"},
    {"value", "83097", SP_REASON_NONE, "8309700000000"},
    {"value", "830.97", SP_REASON_NONE, "83097000000"},
    {"value", "\"0\"", SP_REASON_NONE, "0"},
    {"indicator", "\"网上零售额\"", SP_REASON_NONE, "8309700000000"},
    {"unit", "\"CNY_100M\"", SP_REASON_NONE, "8309700000000"},
    {"unit", "\"CNY\"", SP_REASON_NONE, "83097"},
    {"unit_mult", "2", SP_REASON_NONE, "830970000000000"},
    {"unit_mult", "-5", SP_REASON_NONE, "83097000"},
    {"time_period", "\"2023-M07\"", SP_REASON_NONE, "8309700000000"},
    {"calc_basis", "\"YTD\"", SP_REASON_NONE, "8309700000000"},
    {"obs_status", "\"P\"", SP_REASON_NONE, "8309700000000"},
    {"conf_status", "\"C\"", SP_REASON_NONE, "8309700000000"},
    {"action", "\"delete\"", SP_REASON_NONE, "8309700000000"},
    {"comment", "\"修订\"", SP_REASON_NONE, "8309700000000"},
    {"indicator", "\"A0701\"", SP_REASON_NONE, "8309700000000"}, /* NBS's own code */
    {"breakdown", "\"URB\"", SP_REASON_NONE, "8309700000000"},
    {"breakdown", "\"_T\"", SP_REASON_NONE, "8309700000000"}, /* known without a row */
    /* rejected, with the contract's reason */
    {"schema", "\"statpipe.observation/2\"", SP_REASON_UNKNOWN_SCHEMA, NULL},
    {"schema", NULL, SP_REASON_MISSING_FIELD, NULL},
    {"schema", "7", SP_REASON_BAD_TYPE, NULL},
    {"message_id", NULL, SP_REASON_MISSING_FIELD, NULL},
    {"message_id", "\"\"", SP_REASON_MISSING_FIELD, NULL},
    {"message_id", "12", SP_REASON_BAD_TYPE, NULL},
    {"sender", NULL, SP_REASON_MISSING_FIELD, NULL},
    {"indicator", "\"NOPE\"", SP_REASON_UNKNOWN_INDICATOR, NULL},
    {"indicator", NULL, SP_REASON_MISSING_FIELD, NULL},
    {"ref_area", "\"990000\"", SP_REASON_UNKNOWN_AREA, NULL},
    {"ref_area", "440000", SP_REASON_BAD_TYPE, NULL},
    {"freq", "\"W\"", SP_REASON_BAD_FREQ, NULL},
    {"time_period", "\"2023-13\"", SP_REASON_BAD_PERIOD, NULL},
    {"time_period", "\"2023\"", SP_REASON_PERIOD_FREQ_MISMATCH, NULL},
    {"value", "\"8,309\"", SP_REASON_BAD_VALUE, NULL},
    {"value", "\"NaN\"", SP_REASON_BAD_VALUE, NULL},
    {"value", "null", SP_REASON_BAD_VALUE, NULL},
    {"value", "true", SP_REASON_BAD_TYPE, NULL},
    {"value", NULL, SP_REASON_MISSING_FIELD, NULL},
    {"value", "\"-1\"", SP_REASON_OUT_OF_RANGE, NULL},
    {"unit", "\"furlongs\"", SP_REASON_UNKNOWN_UNIT, NULL},
    {"unit", "\"Gbps\"", SP_REASON_UNIT_MISMATCH, NULL},
    {"unit_mult", "\"2\"", SP_REASON_BAD_TYPE, NULL},
    {"unit_mult", "99", SP_REASON_OUT_OF_RANGE, NULL},
    {"obs_status", "\"Z\"", SP_REASON_BAD_STATUS, NULL},
    {"conf_status", "\"X\"", SP_REASON_BAD_STATUS, NULL},
    {"release", "\"2023-08-15\"", SP_REASON_BAD_RELEASE, NULL},
    {"release", "\"2023-08-15T10:00:00\"", SP_REASON_BAD_RELEASE, NULL},
    {"calc_basis", "\"CUM\"", SP_REASON_BAD_CODE, NULL},
    {"action", "\"upsert\"", SP_REASON_BAD_CODE, NULL},
    {"breakdown", "\"RUR\"", SP_REASON_UNKNOWN_BREAKDOWN, NULL}, /* not in this catalogue */
    {"breakdown", "\"urb\"", SP_REASON_UNKNOWN_BREAKDOWN, NULL}, /* codes are exact */
    {"breakdown", "1", SP_REASON_BAD_TYPE, NULL},
};

static void test_each_rule(void **state)
{
    fixture_t *fx = *state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const rule_case_t *c = &cases[i];
        char msg[1024];
        tf_make_message(msg, sizeof(msg), c->field, c->json);
        captured_t cap = {0};
        sp_reject_t rej;
        sp_error_t err;
        sp_transform_result_t r =
            sp_transform_run(fx->tf, msg, strlen(msg), tf_capture, &cap, &rej, &err);
        if (c->reason == SP_REASON_NONE) {
            if (r != SP_TRANSFORM_OK)
                fail_msg("case %zu (%s): rejected %s: %s", i, msg, sp_reason_name(rej.reason),
                         rej.detail);
            assert_int_equal(cap.n, 1);
            assert_string_equal(cap.obs.value, c->value);
        } else {
            if (r != SP_TRANSFORM_REJECT || rej.reason != c->reason)
                fail_msg("case %zu (%s): want %s, got %s %s", i, msg, sp_reason_name(c->reason),
                         r == SP_TRANSFORM_OK ? "accepted" : sp_reason_name(rej.reason),
                         rej.detail);
            assert_int_equal(cap.n, 0);
            assert_true(rej.detail[0] != '\0');
        }
    }
}
static void test_observation_fields_are_normalised(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    const char *msg = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"bw-1\","
                      "\"sender\":\"CNNIC\",\"indicator\":\"INTL_BW\",\"ref_area\":\"CN\","
                      "\"freq\":\"M\",\"time_period\":\"2016-M12\",\"value\":\"6220.764\","
                      "\"unit\":\"Gbps\",\"obs_status\":\"P\",\"conf_status\":\"N\","
                      "\"release\":\"2017-01-22T10:00:00+08:00\"}";
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
    assert_string_equal(cap.obs.value, "6220764000000");
    assert_string_equal(cap.obs.unit->code, "bps");
    assert_string_equal(cap.obs.value_published, "6220.764");
    assert_string_equal(cap.unit_published, "Gbps");
    assert_string_equal(cap.obs.period_text, "2016-12");
    assert_string_equal(cap.message_id, "bw-1");
    assert_string_equal(cap.sender, "CNNIC");
    assert_string_equal(cap.obs.indicator->code, "INTL_BW");
    assert_int_equal(cap.obs.obs_status, 'P');
    assert_int_equal(cap.obs.conf_status, 'N');
    assert_false(cap.obs.ytd);
    assert_string_equal(cap.obs.breakdown, SP_BREAKDOWN_TOTAL); /* none named: the total */
    assert_false(cap.obs.delete_action);
    assert_int_equal(cap.obs.release_us, 1485050400LL * 1000000);
}
static void test_contract_examples_are_exact(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    const char *subs = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"s-1\","
                       "\"sender\":\"MIIT\",\"indicator\":\"FBB_USERS\",\"ref_area\":\"CN\","
                       "\"freq\":\"M\",\"time_period\":\"2024-12\",\"value\":\"58965\","
                       "\"unit\":\"万户\",\"release\":\"2025-01-20T09:30:00+08:00\"}";
    assert_int_equal(tf_run(fx, subs, &cap, &rej), SP_TRANSFORM_OK);
    assert_string_equal(cap.obs.value, "589650000");
    const char *neg_bw = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"b-1\","
                         "\"sender\":\"CNNIC\",\"indicator\":\"INTL_BW\",\"ref_area\":\"CN\","
                         "\"freq\":\"S\",\"time_period\":\"2024-S1\",\"value\":\"-1\","
                         "\"unit\":\"Gbps\",\"release\":\"2024-08-29T10:00:00+08:00\"}";
    assert_int_equal(tf_run(fx, neg_bw, &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_OUT_OF_RANGE);
    assert_non_null(strstr(rej.detail, "below the minimum 0"));
}
static void test_json_number_uses_shortest_decimal(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    /* 0.1 is not exact in binary; its shortest decimal is, so 0.1 万亿元 is exact. */
    const char *msg = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"ic-1\","
                      "\"sender\":\"CAICT\",\"indicator\":\"INFO_CONS\",\"ref_area\":\"CN\","
                      "\"freq\":\"A\",\"time_period\":\"2020\",\"value\":0.1,"
                      "\"unit\":\"万亿元\",\"release\":\"2021-03-30T10:00:00+08:00\"}";
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
    assert_string_equal(cap.obs.value, "100000000000");
    assert_string_equal(cap.obs.value_published, "0.1");
}
/* A JSON number that a double or jansson's integer cannot carry exactly is refused with
 * bad_value, never rounded: 1e-400 would read as 0 and a 20-digit integer overflows. The
 * same digits as a decimal string are exact. */
static void test_json_number_beyond_a_double_is_refused(void **state)
{
    fixture_t *fx = *state;
    char msg[1024];
    captured_t cap;
    sp_reject_t rej;
    const char *refused[] = {"1e-400",
                             "12345678901234567890",
                             "1.0000000000000001",
                             "-0.12345678901234567",
                             "123456789012345678901234567890.0",
                             "1e308"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        tf_make_message(msg, sizeof(msg), "value", refused[i]);
        assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_REJECT);
        assert_int_equal(rej.reason, SP_REASON_BAD_VALUE);
        assert_non_null(strstr(rej.detail, refused[i]));
        assert_non_null(strstr(rej.detail, "decimal string"));
    }
    /* 15 significant digits, trailing zeros, 18-digit integers and small powers are exact */
    const char *kept[][2] = {{"123456789012345", "123456789012345"},
                             {"0.000000000000000000001", "1e-21"},
                             {"1.50000000000000000000", "1.5"},
                             {"123456789012345678", "123456789012345678"},
                             {"0.0", "0"},
                             {"2.5e3", "2500"}};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        tf_make_message(msg, sizeof(msg), "value", kept[i][0]);
        assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
        sp_dec_t got, want;
        assert_int_equal(
            sp_dec_parse(&got, cap.obs.value_published, strlen(cap.obs.value_published), NULL),
            SP_OK);
        assert_int_equal(sp_dec_parse(&want, kept[i][1], strlen(kept[i][1]), NULL), SP_OK);
        assert_int_equal(sp_dec_cmp(&got, &want), 0);
    }
    /* as a decimal string, 20 digits are exact */
    tf_make_message(msg, sizeof(msg), "value", "\"12345678901234567890\"");
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
    assert_string_equal(cap.obs.value_published, "12345678901234567890");
    /* digits inside strings are not numbers */
    tf_make_message(msg, sizeof(msg), "comment", "\"1e-400 12345678901234567890\"");
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
}
static void test_missing_value_with_missing_status(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    const char *msg = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"u-1\","
                      "\"sender\":\"MIIT\",\"indicator\":\"FBB_USERS\",\"ref_area\":\"440000\","
                      "\"freq\":\"M\",\"time_period\":\"2023-07\",\"value\":null,"
                      "\"obs_status\":\"O\",\"unit\":\"万户\","
                      "\"release\":\"2023-08-15T10:00:00+08:00\"}";
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
    assert_false(cap.obs.has_value);
    assert_string_equal(cap.ref_area, "440000");
}
static void test_penetration_above_100_is_out_of_range(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    const char *msg = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"p-1\","
                      "\"sender\":\"CNNIC\",\"indicator\":\"NET_PEN\",\"ref_area\":\"CN\","
                      "\"freq\":\"A\",\"time_period\":\"2023\",\"value\":\"150\","
                      "\"unit\":\"%\",\"release\":\"2024-03-22T10:00:00+08:00\"}";
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_OUT_OF_RANGE);
    assert_string_equal(rej.message_id, "p-1");
    assert_string_equal(rej.sender, "CNNIC");
    assert_non_null(strstr(rej.detail, "maximum 100"));
}
/* An error range rule narrows an indicator's bounds, never widens them, and a value outside
 * the bound it set names the rule. */
static void test_range_rule_narrows_and_names_itself(void **state)
{
    fixture_t *fx = *state;
    sp_error_t err;
    assert_int_equal(
        sp_catalogue_add_indicator(fx->cat, "RULED_PEN", "percent", "RATIO", "0", "100", &err),
        SP_OK);
    assert_int_equal(sp_catalogue_add_range_rule(fx->cat, "WIDE", "RULED_PEN", "-5", "300", &err),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_range_rule(fx->cat, "NARROW", "RULED_PEN", "", "90", &err),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_range_rule(fx->cat, "X", "NO_SUCH", "0", "1", &err),
                     SP_ERR_NOTFOUND);
    assert_int_equal(sp_catalogue_add_range_rule(fx->cat, "X", "RULED_PEN", "ten", "", &err),
                     SP_ERR_INVALID);
    captured_t cap;
    sp_reject_t rej;
    char msg[512];
    static const char *const values[] = {"95", "-1", "90"};
    for (int i = 0; i < 3; i++) {
        snprintf(msg, sizeof(msg),
                 "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"r-%d\","
                 "\"sender\":\"MIIT\",\"indicator\":\"RULED_PEN\",\"ref_area\":\"CN\","
                 "\"freq\":\"A\",\"time_period\":\"2023\",\"value\":\"%s\","
                 "\"unit\":\"%%\",\"release\":\"2024-03-22T10:00:00+08:00\"}",
                 i, values[i]);
        sp_transform_result_t r = tf_run(fx, msg, &cap, &rej);
        if (i == 0) { /* above NARROW's 90 */
            assert_int_equal(r, SP_TRANSFORM_REJECT);
            assert_int_equal(rej.reason, SP_REASON_OUT_OF_RANGE);
            assert_non_null(strstr(rej.detail, "above the maximum 90 of rule NARROW"));
        } else if (i == 1) { /* below the indicator's own 0: WIDE's -5 did not widen it */
            assert_int_equal(r, SP_TRANSFORM_REJECT);
            assert_non_null(strstr(rej.detail, "below the minimum 0"));
            assert_null(strstr(rej.detail, "rule"));
        } else {
            assert_int_equal(r, SP_TRANSFORM_OK);
        }
    }
}
static void test_unparseable_bytes(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    assert_int_equal(tf_run(fx, "{\"schema\": ", &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_MALFORMED_JSON);
    assert_int_equal(tf_run(fx, "[1,2]", &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_BAD_TYPE);
    assert_int_equal(tf_run(fx, "{\"schema\": \"\xff\xfe\"}", &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_INVALID_UTF8);
    assert_int_equal(tf_run(fx, "{\"a\": 1, \"a\": 2}", &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_MALFORMED_JSON);
    assert_int_equal(tf_run(fx, "", &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_MALFORMED_JSON);
}
static void test_message_size_limit(void **state)
{
    fixture_t *fx = *state;
    captured_t cap = {0};
    sp_reject_t rej;
    sp_transform_limits_t lim = {.max_message_bytes = 64};
    sp_transformer_t *tf = sp_transformer_create(fx->pool, fx->cat, &lim);
    char msg[1024];
    tf_make_message(msg, sizeof(msg), NULL, NULL);
    assert_int_equal(sp_transform_run(tf, msg, strlen(msg), tf_capture, &cap, &rej, NULL),
                     SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_TOO_LARGE);
}
static void test_reason_names_are_the_contract_codes(void **state)
{
    (void)state;
    assert_string_equal(sp_reason_name(SP_REASON_MALFORMED_JSON), "malformed_json");
    assert_string_equal(sp_reason_name(SP_REASON_PERIOD_FREQ_MISMATCH), "period_freq_mismatch");
    assert_string_equal(sp_reason_name(SP_REASON_DUPLICATE_IN_ENVELOPE), "duplicate_in_envelope");
    for (int r = 0; r < SP_REASON__COUNT; r++)
        assert_non_null(sp_reason_name((sp_reason_t)r));
}
static void test_hostile_input(void **state)
{
    fixture_t *fx = *state;
    char msg[4096];
    /* nesting deeper than the limit, before any parsing */
    char deep[64];
    memset(deep, '[', 20);
    memset(deep + 20, ']', 20);
    assert_int_equal(tf_reason_of(fx, deep, 40), SP_REASON_TOO_LARGE);
    /* brackets inside strings do not count as nesting */
    tf_make_message(msg, sizeof(msg), "comment", "\"[[[[[[[[[[[[[[[[[[[[[[[[[[\"");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_NONE);
    /* a string field over the limit */
    char id[1100 + 3];
    id[0] = '"';
    memset(id + 1, 'x', 1100);
    strcpy(id + 1101, "\"");
    tf_make_message(msg, sizeof(msg), "message_id", id);
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_TOO_LARGE);
    /* a byte-order mark before the document is ignored */
    char bom[1100] = "\xEF\xBB\xBF";
    tf_make_message(bom + 3, sizeof(bom) - 3, NULL, NULL);
    assert_int_equal(tf_reason_of(fx, bom, strlen(bom)), SP_REASON_NONE);
    /* NUL inside a string: PostgreSQL text cannot hold it */
    tf_make_message(msg, sizeof(msg), "comment", "\"a\\u0000b\"");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_MALFORMED_JSON);
    /* huge exponents, -0, NaN and Infinity spellings */
    tf_make_message(msg, sizeof(msg), "value", "\"1e999999\"");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_BAD_VALUE);
    tf_make_message(msg, sizeof(msg), "value", "1e400");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_BAD_VALUE);
    tf_make_message(msg, sizeof(msg), "value", "NaN");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_MALFORMED_JSON);
    tf_make_message(msg, sizeof(msg), "value", "-Infinity");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_MALFORMED_JSON);
    tf_make_message(msg, sizeof(msg), "value", "\"Infinity\"");
    assert_int_equal(tf_reason_of(fx, msg, strlen(msg)), SP_REASON_BAD_VALUE);
    captured_t cap;
    sp_reject_t rej;
    tf_make_message(msg, sizeof(msg), "value", "\"-0\"");
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
    assert_string_equal(cap.obs.value, "0");
    tf_make_message(msg, sizeof(msg), "value", "-0.0");
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_OK);
    assert_string_equal(cap.obs.value, "0");
}
static void test_catalogue_dir_errors_name_the_file(void **state)
{
    fixture_t *fx = *state;
    sp_catalogue_t *cat;
    sp_error_t err;
    assert_int_equal(sp_catalogue_load_dir(fx->pool, "/nonexistent", &cat, &err), SP_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/units.csv"));
}
int main(void)
{
    apr_initialize();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_observation_fields_are_normalised),
        cmocka_unit_test(test_contract_examples_are_exact),
        cmocka_unit_test(test_json_number_uses_shortest_decimal),
        cmocka_unit_test(test_json_number_beyond_a_double_is_refused),
        cmocka_unit_test(test_missing_value_with_missing_status),
        cmocka_unit_test(test_penetration_above_100_is_out_of_range),
        cmocka_unit_test(test_range_rule_narrows_and_names_itself),
        cmocka_unit_test(test_unparseable_bytes),
        cmocka_unit_test(test_message_size_limit),
        cmocka_unit_test(test_reason_names_are_the_contract_codes),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_catalogue_dir_errors_name_the_file),
    };
    int rc = cmocka_run_group_tests(tests, tf_setup, tf_teardown);
    apr_terminate();
    return rc;
}
