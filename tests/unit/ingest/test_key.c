/* test_key.c: the advisory Kafka key `statpipe produce` gives each message: the series key,
 * with the breakdown as a sixth part only where it is not the total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sp_ingest.h"

static void expect_key(const char *payload, const char *want)
{
    char key[256];
    size_t n = sp_message_key(payload, strlen(payload), key, sizeof(key));
    assert_int_equal(n, strlen(want));
    key[n] = '\0';
    assert_string_equal(key, want);
}

static void test_series_keys(void **state)
{
    (void)state;
    expect_key("{\"sender\":\"NBS\",\"indicator\":\"ONLINE_RETAIL\",\"ref_area\":\"CN\","
               "\"freq\":\"M\",\"calc_basis\":\"YTD\"}",
               "NBS|ONLINE_RETAIL|CN|M|YTD");
    /* no basis: PER, the contract's default */
    expect_key(
        "{\"sender\":\"CNNIC\",\"indicator\":\"NET_PEN\",\"ref_area\":\"CN\",\"freq\":\"S\"}",
        "CNNIC|NET_PEN|CN|S|PER");
    /* the total named is the total's key */
    expect_key("{\"sender\":\"CNNIC\",\"indicator\":\"NET_PEN\",\"ref_area\":\"CN\",\"freq\":\"S\","
               "\"breakdown\":\"_T\"}",
               "CNNIC|NET_PEN|CN|S|PER");
    expect_key("{\"sender\":\"CNNIC\",\"indicator\":\"NET_PEN\",\"ref_area\":\"CN\",\"freq\":\"S\","
               "\"breakdown\":\"RUR\"}",
               "CNNIC|NET_PEN|CN|S|PER|RUR");
}

static void test_envelope_and_unreadable_keys(void **state)
{
    (void)state;
    expect_key("{\"schema\":\"statpipe.release/1\",\"sender\":\"MIIT\",\"message_id\":\"b-12\","
               "\"observations\":[]}",
               "MIIT|b-12");
    char key[64];
    assert_int_equal(sp_message_key("{\"broken", 8, key, sizeof(key)), 0);
    assert_int_equal(sp_message_key("{\"indicator\":\"X\"}", 17, key, sizeof(key)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_keys),
        cmocka_unit_test(test_envelope_and_unreadable_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
