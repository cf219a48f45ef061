/* transform_fixture.c: the transform unit tests' catalogue, transformer and helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transform_fixture.h"

int tf_setup(void **state)
{
    static fixture_t fx;
    apr_pool_create(&fx.pool, NULL);
    fx.cat = sp_catalogue_create(fx.pool);
    sp_catalogue_t *c = fx.cat;
    assert_int_equal(sp_catalogue_add_unit(c, "CNY", "money", "1", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "CNY_100M", "money", "100000000", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "CNY_1T", "money", "1000000000000", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "bps", "bandwidth", "1", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "Gbps", "bandwidth", "1000000000", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "N", "count", "1", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "N_10K", "count", "10000", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit(c, "PCT", "percent", "1", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit_alias(c, "亿元", "CNY_100M", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit_alias(c, "万亿元", "CNY_1T", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit_alias(c, "万户", "N_10K", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_unit_alias(c, "%", "PCT", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_indicator(c, "ONLINE_RETAIL", "money", "FLOW", "0", "", NULL),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_indicator(c, "INFO_CONS", "money", "FLOW", "0", "", NULL),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_indicator(c, "INTL_BW", "bandwidth", "STOCK", "0", "", NULL),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_indicator(c, "FBB_USERS", "count", "STOCK", "0", "", NULL),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_indicator(c, "NET_PEN", "percent", "RATIO", "0", "100", NULL),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_indicator_alias(c, "网上零售额", NULL, "ONLINE_RETAIL", NULL),
                     SP_OK);
    /* NBS's own code for online retail, valid only in NBS's messages */
    assert_int_equal(sp_catalogue_add_indicator_alias(c, "A0701", "NBS", "ONLINE_RETAIL", NULL),
                     SP_OK);
    assert_int_equal(sp_catalogue_add_region(c, "CN", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_region(c, "440000", NULL), SP_OK);
    assert_int_equal(sp_catalogue_add_breakdown(c, "URB", NULL), SP_OK);
    fx.tf = sp_transformer_create(fx.pool, fx.cat, NULL);
    *state = &fx;
    return 0;
}
int tf_teardown(void **state)
{
    fixture_t *fx = *state;
    apr_pool_destroy(fx->pool);
    return 0;
}
sp_status_t tf_capture(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)err;
    captured_t *c = opaque;
    c->n++;
    c->obs = *obs;
    /* Borrowed strings die with the message: copy what the test reads later. */
    snprintf(c->message_id, sizeof(c->message_id), "%.*s", (int)obs->message_id_len,
             obs->message_id);
    snprintf(c->sender, sizeof(c->sender), "%.*s", (int)obs->sender_len, obs->sender);
    snprintf(c->ref_area, sizeof(c->ref_area), "%.*s", (int)obs->ref_area_len, obs->ref_area);
    snprintf(c->unit_published, sizeof(c->unit_published), "%.*s", (int)obs->unit_published_len,
             obs->unit_published);
    return SP_OK;
}
void tf_make_message(char *out, size_t cap, const char *field, const char *json)
{
    static const char *const names[] = {"schema", "message_id",  "sender", "indicator", "ref_area",
                                        "freq",   "time_period", "value",  "unit",      "release"};
    static const char *const values[] = {"\"statpipe.observation/1\"",
                                         "\"m-1\"",
                                         "\"NBS\"",
                                         "\"ONLINE_RETAIL\"",
                                         "\"CN\"",
                                         "\"M\"",
                                         "\"2023-07\"",
                                         "\"83097\"",
                                         "\"亿元\"",
                                         "\"2023-08-15T10:00:00+08:00\""};
    size_t n = 0;
    bool replaced = false;
    n += (size_t)snprintf(out + n, cap - n, "{");
    bool first = true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = values[i];
        if (field && strcmp(field, names[i]) == 0) {
            replaced = true;
            v = json;
        }
        if (v == NULL)
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\": %s", first ? "" : ", ", names[i], v);
        first = false;
    }
    if (field && !replaced && json)
        n += (size_t)snprintf(out + n, cap - n, ", \"%s\": %s", field, json);
    snprintf(out + n, cap - n, "}");
}
sp_transform_result_t tf_run(fixture_t *fx, const char *msg, captured_t *cap, sp_reject_t *rej)
{
    memset(cap, 0, sizeof(*cap));
    return sp_transform_run(fx->tf, msg, strlen(msg), tf_capture, cap, rej, NULL);
}
sp_reason_t tf_reason_of(fixture_t *fx, const char *msg, size_t len)
{
    captured_t cap = {0};
    sp_reject_t rej;
    if (sp_transform_run(fx->tf, msg, len, tf_capture, &cap, &rej, NULL) == SP_TRANSFORM_OK)
        return SP_REASON_NONE;
    assert_true(sp_utf8_valid(rej.detail, strlen(rej.detail)));
    return rej.reason;
}
