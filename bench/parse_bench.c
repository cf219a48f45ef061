/* parse_bench.c: the per-message CPU cost, in one process: raw JSON parsing (jansson,
 * what any consumer pays) and statpipe's whole transform (parse, validate, map, normalise
 * exactly) over the same NDJSON lines, read into memory first. */
#include "sp_transform.h"

#include <apr_general.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sp_status_t count_obs(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)obs;
    (void)err;
    (*(size_t *)opaque)++;
    return SP_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: parse_bench CATALOGUE_DIR FILE.ndjson\n");
        return 2;
    }
    apr_initialize();
    apr_pool_t *pool;
    apr_pool_create(&pool, NULL);
    sp_catalogue_t *cat;
    sp_error_t err;
    if (sp_catalogue_load_dir(pool, argv[1], &cat, &err) != SP_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    sp_buf_t all;
    sp_buf_init(&all);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        sp_buf_append(&all, chunk, n);
    fclose(f);
    size_t lines = 0;
    for (size_t i = 0; i < all.len; i++)
        lines += all.data[i] == '\n';

    int64_t t0 = sp_time_now_us();
    size_t parsed = 0;
    for (char *p = all.data, *end = all.data + all.len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_t *j = json_loadb(p, len, 0, NULL);
        parsed += j != NULL;
        json_decref(j);
        p += len + 1;
    }
    int64_t t1 = sp_time_now_us();
    sp_transformer_t *tf = sp_transformer_create(pool, cat, NULL);
    size_t obs = 0, rejected = 0;
    for (char *p = all.data, *end = all.data + all.len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        sp_reject_t rej;
        if (sp_transform_run(tf, p, len, count_obs, &obs, &rej, &err) != SP_TRANSFORM_OK)
            rejected++;
        p += len + 1;
    }
    int64_t t2 = sp_time_now_us();
    printf("json_parse: %zu lines in %.3f s = %.0f lines/s\n", parsed, (t1 - t0) / 1e6,
           parsed / ((t1 - t0) / 1e6));
    printf("transform: %zu lines (%zu observations, %zu rejected) in %.3f s = %.0f lines/s\n",
           lines, obs, rejected, (t2 - t1) / 1e6, lines / ((t2 - t1) / 1e6));
    sp_buf_free(&all);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}
