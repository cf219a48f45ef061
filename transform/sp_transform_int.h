/*
 * sp_transform_int.h: what only the transform's own files share: the transformer, the
 * reject helper, string fields read with their limits, and what an envelope's entries
 * inherit.
 */
#ifndef SP_TRANSFORM_INT_H
#define SP_TRANSFORM_INT_H

#include "sp_transform.h"

#include <jansson.h>

typedef struct arena {
    char *base;
    size_t used;
} arena_t;

struct sp_transformer {
    const sp_catalogue_t *cat;
    sp_transform_limits_t limits;
    /* Scratch for duplicate checks in envelopes: reused, grown, never shrunk. */
    struct keyed *keys;
    size_t cap_keys;
    arena_t arena; /* base is NULL when it could not be had: then malloc serves */
};

/* What an envelope's entries take from the envelope. */
typedef struct inherit {
    const char *sender;
    size_t sender_len;
    int64_t release_us;
    const char *envelope_id;
    size_t envelope_id_len;
    size_t index;
    char id_buf[160]; /* "<envelope id>#<index>" when the entry has no message_id */
} inherit_t;

/* Fills rej (reason, and a detail kept storable as text) and returns SP_TRANSFORM_REJECT. */
sp_transform_result_t sp_tf_reject(sp_reject_t *rej, sp_reason_t reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef enum { FIELD_OK, FIELD_ABSENT, FIELD_BAD } field_t;

/* Reads a string member: FIELD_ABSENT when missing (or null), FIELD_BAD when not a string.
 * The pointer borrows from o. */
field_t sp_tf_get_str(json_t *o, const char *key, const char **s, size_t *n);

/* The field macros below reject a string longer than max_string, a variable (the limit
 * max_string_bytes) in the scope of each function that uses them. */

#define REQUIRE_STR(o, key, s, n)                                                                  \
    do {                                                                                           \
        field_t f_ = sp_tf_get_str((o), (key), &(s), &(n));                                        \
        if (f_ == FIELD_ABSENT)                                                                    \
            return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"%s\" is required", (key));  \
        if (f_ == FIELD_BAD)                                                                       \
            return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", (key));  \
        if ((n) > max_string)                                                                      \
            return sp_tf_reject(rej, SP_REASON_TOO_LARGE,                                          \
                                "field \"%s\" is %zu bytes, at most %zu", (key), (size_t)(n),      \
                                max_string);                                                       \
    } while (0)

#define OPTIONAL_STR(o, key, s, n)                                                                 \
    do {                                                                                           \
        field_t f_ = sp_tf_get_str((o), (key), &(s), &(n));                                        \
        if (f_ == FIELD_BAD)                                                                       \
            return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", (key));  \
        if (f_ == FIELD_OK && (n) > max_string)                                                    \
            return sp_tf_reject(rej, SP_REASON_TOO_LARGE,                                          \
                                "field \"%s\" is %zu bytes, at most %zu", (key), (size_t)(n),      \
                                max_string);                                                       \
    } while (0)

/* sp_observation.c: validates and normalises one observation object into obs. With inh
 * (an envelope entry), sender, release and a default message_id come from the envelope. */
sp_transform_result_t sp_tf_parse_observation(const sp_catalogue_t *cat, size_t max_string,
                                              json_t *o, inherit_t *inh, sp_obs_t *obs,
                                              sp_reject_t *rej);

/* sp_envelope.c: a release envelope (statpipe.release/1): every entry parsed with what it
 * inherits and handed to cb, then the whole checked for entries that repeat a series and
 * period. */
sp_transform_result_t sp_tf_run_envelope(sp_transformer_t *tf, json_t *root, sp_obs_cb cb,
                                         void *opaque, sp_reject_t *rej, sp_error_t *err);

#endif
