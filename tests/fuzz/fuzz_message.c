/* fuzz_message.c: the whole message path: any bytes to normalised observations or a reject
 * with a contract reason, against the bundled catalogue. Every accepted observation must be
 * storable: valid UTF-8 without NUL in its strings, a value PostgreSQL's numeric reads. */
#include "sp_transform.h"

#include <apr_general.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static apr_pool_t *pool;
static sp_transformer_t *tf;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* APR pools may live in mmap'd memory that LeakSanitizer does not scan: free them at exit
 * so that what they own is not reported as leaked. */
static void teardown(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    atexit(teardown);
    apr_pool_create(&pool, NULL);
    sp_catalogue_t *cat;
    sp_error_t err;
    if (sp_catalogue_load_dir(pool, SP_SOURCE_DIR "/schemas/catalogue", &cat, &err) != SP_OK) {
        fprintf(stderr, "%s\n", err.message);
        abort();
    }
    sp_transform_limits_t lim = {.max_message_bytes = 65536, .max_envelope_entries = 64};
    tf = sp_transformer_create(pool, cat, &lim);
    return 0;
}

static void check_text(const char *s, size_t n)
{
    if (s != NULL && (!sp_utf8_valid(s, n) || memchr(s, 0, n) != NULL))
        abort();
}

static sp_status_t check_obs(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)opaque;
    (void)err;
    check_text(obs->message_id, obs->message_id_len);
    check_text(obs->sender, obs->sender_len);
    check_text(obs->ref_area, obs->ref_area_len);
    check_text(obs->unit_published, obs->unit_published_len);
    check_text(obs->comment, obs->comment_len);
    if (obs->has_value) {
        /* plain decimal: optional '-', digits, at most one point */
        const char *v = obs->value;
        if (*v == '-')
            v++;
        int points = 0;
        if (*v == '\0')
            abort();
        for (; *v; v++)
            if (*v == '.')
                points++;
            else if (*v < '0' || *v > '9')
                abort();
        if (points > 1)
            abort();
    }
    return SP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_reject_t rej;
    sp_error_t err;
    sp_transform_result_t r = sp_transform_run(tf, data, size, check_obs, NULL, &rej, &err);
    if (r == SP_TRANSFORM_REJECT) {
        if (rej.reason <= SP_REASON_NONE || rej.reason >= SP_REASON__COUNT)
            abort();
        check_text(rej.detail, strlen(rej.detail));
        check_text(rej.message_id, strlen(rej.message_id));
        check_text(rej.sender, strlen(rej.sender));
    }
    return 0;
}
