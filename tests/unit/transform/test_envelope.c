/* test_envelope.c: release envelopes (inheritance, generated ids, a bad entry rejecting the
 * whole), documents larger than the parsing arena, sender-scoped codes, and the corpus of
 * tests/data against the bundled catalogue. */
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

typedef struct collected {
    int n;
    char ids[8][64];
    char values[8][SP_DEC_TEXT_MAX];
    int64_t release[8];
} collected_t;

static sp_status_t collect(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)err;
    collected_t *c = opaque;
    if (c->n < 8) {
        snprintf(c->ids[c->n], 64, "%.*s", (int)obs->message_id_len, obs->message_id);
        snprintf(c->values[c->n], SP_DEC_TEXT_MAX, "%s", obs->value);
        c->release[c->n] = obs->release_us;
    }
    c->n++;
    return SP_OK;
}
static void test_envelope_entries_inherit_and_get_ids(void **state)
{
    fixture_t *fx = *state;
    const char *msg =
        "{\"schema\":\"statpipe.release/1\",\"message_id\":\"miit-bulletin-2024-12\","
        "\"sender\":\"MIIT\",\"release\":\"2025-01-20T09:30:00+08:00\",\"observations\":["
        "{\"indicator\":\"FBB_USERS\",\"ref_area\":\"CN\",\"freq\":\"M\","
        "\"time_period\":\"2024-12\",\"value\":\"67000\",\"unit\":\"万户\"},"
        "{\"message_id\":\"own\",\"indicator\":\"FBB_USERS\",\"ref_area\":\"440000\","
        "\"freq\":\"M\",\"time_period\":\"2024-12\",\"value\":\"5000\",\"unit\":\"万户\"}]}";
    collected_t c = {0};
    sp_reject_t rej;
    assert_int_equal(sp_transform_run(fx->tf, msg, strlen(msg), collect, &c, &rej, NULL),
                     SP_TRANSFORM_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.ids[0], "miit-bulletin-2024-12#0");
    assert_string_equal(c.ids[1], "own");
    assert_string_equal(c.values[0], "670000000");
    assert_int_equal(c.release[0], c.release[1]);
    assert_string_equal(rej.message_id, "miit-bulletin-2024-12");
}
/* Documents come from the transformer's arena; one that outgrows it (here an envelope of
 * 3,000 entries, megabytes of jansson objects) falls back to malloc, and the arena serves
 * the next message again. jansson used outside a transform, in the same thread, allocates
 * and frees as usual (an arena pointer given to free, or the reverse, would be caught by
 * AddressSanitizer). */
static void test_documents_larger_than_the_arena(void **state)
{
    fixture_t *fx = *state;
    const int n = 3000;
    size_t cap = (size_t)n * 160 + 256, len = 0;
    char *msg = malloc(cap);
    assert_non_null(msg);
    len += (size_t)snprintf(msg + len, cap - len,
                            "{\"schema\":\"statpipe.release/1\",\"message_id\":\"big\","
                            "\"sender\":\"MIIT\",\"release\":\"2025-01-20T09:30:00+08:00\","
                            "\"observations\":[");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(msg + len, cap - len,
                                "%s{\"indicator\":\"FBB_USERS\",\"ref_area\":\"CN\",\"freq\":\"M\","
                                "\"time_period\":\"%04d-%02d\",\"value\":\"%d\",\"unit\":\"万户\"}",
                                i ? "," : "", 1901 + i / 12, i % 12 + 1, i);
    len += (size_t)snprintf(msg + len, cap - len, "]}");
    assert_true(len < cap);
    const char *small = "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"s\","
                        "\"sender\":\"MIIT\",\"indicator\":\"FBB_USERS\",\"ref_area\":\"CN\","
                        "\"freq\":\"M\",\"time_period\":\"2024-12\",\"value\":\"7\","
                        "\"unit\":\"万户\",\"release\":\"2025-01-20T09:30:00+08:00\"}";
    for (int round = 0; round < 2; round++) {
        collected_t c = {0};
        sp_reject_t rej;
        assert_int_equal(sp_transform_run(fx->tf, msg, len, collect, &c, &rej, NULL),
                         SP_TRANSFORM_OK);
        assert_int_equal(c.n, n);
        assert_string_equal(c.ids[7], "big#7");
        assert_string_equal(c.values[7], "70000");
        collected_t d = {0};
        assert_int_equal(sp_transform_run(fx->tf, small, strlen(small), collect, &d, &rej, NULL),
                         SP_TRANSFORM_OK);
        assert_int_equal(d.n, 1);
        assert_string_equal(d.values[0], "70000");
        json_t *o = json_pack("{s:s, s:[i, i]}", "outside", "a transform", "n", 1, 2);
        assert_non_null(o);
        char *text = json_dumps(o, JSON_COMPACT);
        assert_string_equal(text, "{\"outside\":\"a transform\",\"n\":[1,2]}");
        free(text);
        json_decref(o);
    }
    free(msg);
}
static void test_envelope_bad_entry_rejects_whole(void **state)
{
    fixture_t *fx = *state;
    const char *msg = "{\"schema\":\"statpipe.release/1\",\"message_id\":\"b\",\"sender\":\"MIIT\","
                      "\"release\":\"2025-01-20T09:30:00+08:00\",\"observations\":["
                      "{\"indicator\":\"FBB_USERS\",\"ref_area\":\"CN\",\"freq\":\"M\","
                      "\"time_period\":\"2024-12\",\"value\":\"67000\",\"unit\":\"万户\"},"
                      "{\"indicator\":\"FBB_USERS\",\"ref_area\":\"CN\",\"freq\":\"M\","
                      "\"time_period\":\"2024-11\",\"value\":\"x\",\"unit\":\"万户\"}]}";
    collected_t c = {0};
    sp_reject_t rej;
    assert_int_equal(sp_transform_run(fx->tf, msg, strlen(msg), collect, &c, &rej, NULL),
                     SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_BAD_VALUE);
    assert_non_null(strstr(rej.detail, "observations[1]"));
}
static void test_sender_code_does_not_leak_to_other_senders(void **state)
{
    fixture_t *fx = *state;
    char msg[1024];
    captured_t cap;
    sp_reject_t rej;
    tf_make_message(msg, sizeof(msg), "indicator", "\"A0701\"");
    /* the same code from another sender is unknown */
    char *p = strstr(msg, "\"NBS\"");
    memcpy(p, "\"MIT\"", 5);
    assert_int_equal(tf_run(fx, msg, &cap, &rej), SP_TRANSFORM_REJECT);
    assert_int_equal(rej.reason, SP_REASON_UNKNOWN_INDICATOR);
}
static void test_reject_detail_is_valid_utf8(void **state)
{
    fixture_t *fx = *state;
    captured_t cap;
    sp_reject_t rej;
    /* jansson quotes the offending bytes in its error; the detail must stay storable */
    const char msg[] = "{\"schema\": \xff\xfe\x00\x01}";
    assert_int_equal(sp_transform_run(fx->tf, msg, sizeof(msg) - 1, tf_capture, &cap, &rej, NULL),
                     SP_TRANSFORM_REJECT);
    assert_true(sp_utf8_valid(rej.detail, strlen(rej.detail)));
}
/* The corpus: tests/data/invalid/<reason>.ndjson holds messages that must be rejected with
 * that reason, and tests/data/valid/ messages that must pass, against the real catalogue. */
static void run_corpus_file(sp_transformer_t *tf, const char *path, const char *want)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, checked = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] == '\n')
            n--;
        if (n == 0)
            continue;
        collected_t c = {0};
        sp_reject_t rej;
        sp_transform_result_t r = sp_transform_run(tf, line, (size_t)n, collect, &c, &rej, NULL);
        if (want == NULL && r != SP_TRANSFORM_OK)
            fail_msg("%s:%d: rejected %s: %s", path, lineno, sp_reason_name(rej.reason),
                     rej.detail);
        if (want != NULL && (r != SP_TRANSFORM_REJECT || strcmp(sp_reason_name(rej.reason), want)))
            fail_msg("%s:%d: want %s, got %s %s", path, lineno, want,
                     r == SP_TRANSFORM_OK ? "ok" : sp_reason_name(rej.reason), rej.detail);
        checked++;
    }
    free(line);
    fclose(f);
    assert_true(checked > 0);
}
static void test_corpus_against_the_bundled_catalogue(void **state)
{
    fixture_t *fx = *state;
    sp_catalogue_t *cat;
    sp_error_t err;
    if (sp_catalogue_load_dir(fx->pool, SP_SOURCE_DIR "/schemas/catalogue", &cat, &err) != SP_OK)
        fail_msg("%s", err.message);
    sp_transform_limits_t lim = {.max_message_bytes = 4096};
    sp_transformer_t *tf = sp_transformer_create(fx->pool, cat, &lim);
    int reasons = 0;
    for (int r = 1; r < SP_REASON__COUNT; r++) {
        char path[512];
        snprintf(path, sizeof(path), SP_SOURCE_DIR "/tests/data/invalid/%s.ndjson",
                 sp_reason_name((sp_reason_t)r));
        run_corpus_file(tf, path, sp_reason_name((sp_reason_t)r));
        reasons++;
    }
    assert_int_equal(reasons, SP_REASON__COUNT - 1); /* every reason has its corpus file */
    run_corpus_file(tf, SP_SOURCE_DIR "/tests/data/valid/messages.ndjson", NULL);
}
int main(void)
{
    apr_initialize();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_entries_inherit_and_get_ids),
        cmocka_unit_test(test_documents_larger_than_the_arena),
        cmocka_unit_test(test_envelope_bad_entry_rejects_whole),
        cmocka_unit_test(test_sender_code_does_not_leak_to_other_senders),
        cmocka_unit_test(test_reject_detail_is_valid_utf8),
        cmocka_unit_test(test_corpus_against_the_bundled_catalogue),
    };
    int rc = cmocka_run_group_tests(tests, tf_setup, tf_teardown);
    apr_terminate();
    return rc;
}
