/*
 * sp_envelope.c: a release envelope (statpipe.release/1): entries inherit sender, release
 * and a generated message id from the envelope, may repeat but not contradict them, and
 * no two entries may be for the same series and period.
 */
#include "sp_transform_int.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64 bits: a fingerprint for duplicate checks, confirmed by exact comparison. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The identity of an observation within a release: series and period. */
static uint64_t obs_slot_hash(const sp_obs_t *obs)
{
    uint64_t h = 14695981039346656037ULL;
    h = fnv(h, obs->indicator->code, strlen(obs->indicator->code) + 1);
    h = fnv(h, obs->ref_area, obs->ref_area_len);
    h = fnv(h, &obs->freq, 1);
    h = fnv(h, &obs->ytd, sizeof(obs->ytd));
    h = fnv(h, &obs->breakdown, sizeof(obs->breakdown)); /* interned by the catalogue */
    h = fnv(h, &obs->period.start_day, sizeof(obs->period.start_day));
    return h;
}

/* A fingerprint of one envelope entry, with what confirms it exactly: the entry's
 * normalised series and period (strings borrow from the parsed message). */
typedef struct keyed {
    uint64_t hash;
    size_t index;
    const sp_indicator_t *indicator;
    const char *ref_area;
    size_t ref_area_len;
    int32_t start_day;
    char freq;
    bool ytd;
    const char *breakdown; /* interned: equal codes are equal pointers */
} keyed_t;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void reserve_keys(sp_transformer_t *tf, size_t n)
{
    if (n <= tf->cap_keys)
        return;
    tf->keys = sp_xrealloc(tf->keys, n * sizeof(keyed_t));
    tf->cap_keys = n;
}

static bool same_str(json_t *a, json_t *b, const char *key)
{
    const char *x = json_string_value(json_object_get(a, key));
    const char *y = json_string_value(json_object_get(b, key));
    return x != NULL && y != NULL && strcmp(x, y) == 0;
}

/* The index of the entry whose generated id ("ENVELOPE#N") id spells, or -1: the id is
 * the envelope's id, '#', and N in canonical decimal below n, and entry N has no id of its
 * own. */
static long generated_id_of(json_t *entries, size_t n, const inherit_t *inh, const char *id)
{
    size_t len = strlen(id);
    if (len <= inh->envelope_id_len + 1 ||
        memcmp(id, inh->envelope_id, inh->envelope_id_len) != 0 || id[inh->envelope_id_len] != '#')
        return -1;
    const char *d = id + inh->envelope_id_len + 1;
    size_t digits = len - inh->envelope_id_len - 1;
    if (digits > 19 || (digits > 1 && d[0] == '0'))
        return -1;
    size_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        v = v * 10 + (size_t)(d[i] - '0');
    }
    if (v >= n)
        return -1;
    const char *own = json_string_value(json_object_get(json_array_get(entries, v), "message_id"));
    return own != NULL && own[0] != '\0' ? -1 : (long)v;
}

/* Rejects an envelope in which two entries have the same message id (given, or generated
 * as ENVELOPE#N), or the same series and period (two values for one vintage). keys[0..n)
 * hold the fingerprints of the entries' series and periods; equal fingerprints are
 * confirmed field by field. */
static sp_transform_result_t check_duplicates(sp_transformer_t *tf, json_t *entries, size_t n,
                                              const inherit_t *inh, sp_reject_t *rej)
{
    keyed_t *k = tf->keys;
    /* Entries with their own message_id, fingerprinted into keys[n..n+m). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id =
            json_string_value(json_object_get(json_array_get(entries, i), "message_id"));
        if (id == NULL || id[0] == '\0')
            continue;
        long g = generated_id_of(entries, n, inh, id);
        if (g >= 0)
            return sp_tf_reject(
                rej, SP_REASON_DUPLICATE_IN_ENVELOPE,
                "observations[%zu] has the message_id \"%s\" that observations[%ld] "
                "is given by the envelope: give it an id of its own",
                i, id, g);
        k[n + m++] = (keyed_t){.hash = fnv(14695981039346656037ULL, id, strlen(id)), .index = i};
    }
    qsort(k + n, m, sizeof(keyed_t), cmp_keyed);
    for (size_t j = 1; j < m; j++) {
        keyed_t *x = &k[n + j - 1], *y = &k[n + j];
        json_t *a = json_array_get(entries, x->index), *b = json_array_get(entries, y->index);
        if (x->hash == y->hash && same_str(a, b, "message_id"))
            return sp_tf_reject(rej, SP_REASON_DUPLICATE_IN_ENVELOPE,
                                "observations[%zu] and [%zu] have the same message_id \"%s\"",
                                x->index, y->index,
                                json_string_value(json_object_get(a, "message_id")));
    }
    qsort(k, n, sizeof(keyed_t), cmp_keyed);
    for (size_t j = 1; j < n; j++) {
        if (k[j].hash != k[j - 1].hash)
            continue;
        const keyed_t *a = &k[j - 1], *b = &k[j];
        /* Normalised fields: an alias and a code, or 2023-07 and 2023-M07, are the same. */
        if (a->indicator == b->indicator && a->start_day == b->start_day && a->freq == b->freq &&
            a->ytd == b->ytd && a->breakdown == b->breakdown &&
            a->ref_area_len == b->ref_area_len &&
            memcmp(a->ref_area, b->ref_area, a->ref_area_len) == 0)
            return sp_tf_reject(rej, SP_REASON_DUPLICATE_IN_ENVELOPE,
                                "observations[%zu] and [%zu] give the same series and period twice "
                                "in one release",
                                k[j - 1].index, k[j].index);
    }
    return SP_TRANSFORM_OK;
}

sp_transform_result_t sp_tf_run_envelope(sp_transformer_t *tf, json_t *root, sp_obs_cb cb,
                                         void *opaque, sp_reject_t *rej, sp_error_t *err)
{
    inherit_t inh;
    size_t max_string = tf->limits.max_string_bytes;
    const char *s = NULL;
    size_t n = 0;
    sp_error_t e;
    json_t *o = root;
    memset(&inh, 0, sizeof(inh));
    REQUIRE_STR(o, "message_id", inh.envelope_id, inh.envelope_id_len);
    sp_utf8_copy(rej->message_id, sizeof(rej->message_id), inh.envelope_id, inh.envelope_id_len);
    if (inh.envelope_id_len == 0)
        return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"message_id\" is empty");
    REQUIRE_STR(o, "sender", inh.sender, inh.sender_len);
    sp_utf8_copy(rej->sender, sizeof(rej->sender), inh.sender, inh.sender_len);
    if (inh.sender_len == 0)
        return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"sender\" is empty");
    REQUIRE_STR(o, "release", s, n);
    if (sp_time_parse(&inh.release_us, s, n, &e) != SP_OK)
        return sp_tf_reject(rej, SP_REASON_BAD_RELEASE, "release \"%.*s\": %s", (int)n, s,
                            e.message);
    json_t *entries = json_object_get(root, "observations");
    if (entries == NULL || json_is_null(entries))
        return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"observations\" is required");
    if (!json_is_array(entries))
        return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "field \"observations\" must be an array");
    size_t count = json_array_size(entries);
    if (count == 0)
        return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "envelope has no observations");
    if (count > tf->limits.max_envelope_entries)
        return sp_tf_reject(rej, SP_REASON_TOO_LARGE, "envelope has %zu observations, at most %zu",
                            count, tf->limits.max_envelope_entries);
    reserve_keys(tf, 2 * count);
    for (size_t i = 0; i < count; i++) {
        json_t *entry = json_array_get(entries, i);
        sp_obs_t obs;
        inh.index = i;
        if (!json_is_object(entry))
            return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "observations[%zu] must be an object", i);
        sp_transform_result_t r =
            sp_tf_parse_observation(tf->cat, tf->limits.max_string_bytes, entry, &inh, &obs, rej);
        if (r != SP_TRANSFORM_OK) {
            char inner[SP_ERROR_DETAIL_MAX];
            memcpy(inner, rej->detail, sizeof(inner));
            return sp_tf_reject(rej, rej->reason, "observations[%zu]: %s", i, inner);
        }
        tf->keys[i] =
            (keyed_t){obs_slot_hash(&obs),  i,        obs.indicator, obs.ref_area, obs.ref_area_len,
                      obs.period.start_day, obs.freq, obs.ytd,       obs.breakdown};
        if (cb(opaque, &obs, err) != SP_OK)
            return SP_TRANSFORM_FAILED;
    }
    return check_duplicates(tf, entries, count, &inh, rej);
}
