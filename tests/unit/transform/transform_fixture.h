/* transform_fixture.h: what the transform's unit tests share: a small catalogue, a
 * transformer over it, and helpers to run one message. */
#ifndef TRANSFORM_FIXTURE_H
#define TRANSFORM_FIXTURE_H

#include "sp_transform.h"

#include <apr_general.h>

typedef struct fixture {
    apr_pool_t *pool;
    sp_catalogue_t *cat;
    sp_transformer_t *tf;
} fixture_t;

typedef struct captured {
    int n;
    sp_obs_t obs;
    char message_id[64], sender[16], ref_area[16], unit_published[32];
} captured_t;

/* cmocka group setup and teardown: the catalogue and transformer of a fixture_t. */
int tf_setup(void **state);
int tf_teardown(void **state);
/* An sp_obs_cb that copies the last observation into a captured_t. */
sp_status_t tf_capture(void *opaque, const sp_obs_t *obs, sp_error_t *err);
/* A base observation with one field replaced: "FIELD": JSON, or removed when json is NULL. */
void tf_make_message(char *out, size_t cap, const char *field, const char *json);
/* Runs msg through the fixture's transformer into cap. */
sp_transform_result_t tf_run(fixture_t *fx, const char *msg, captured_t *cap, sp_reject_t *rej);
/* The reason msg is rejected for (SP_REASON_NONE when it passes); its detail must be UTF-8. */
sp_reason_t tf_reason_of(fixture_t *fx, const char *msg, size_t len);

#endif
