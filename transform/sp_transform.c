/*
 * sp_transform.c: one message's bytes to normalised observations, or to a reject with
 * one of the contract's reason codes and a detail that says what to fix.
 */
#include "sp_transform.h"

#include <apr_pools.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reason_names[SP_REASON__COUNT] = {
    [SP_REASON_NONE] = "none",
    [SP_REASON_MALFORMED_JSON] = "malformed_json",
    [SP_REASON_INVALID_UTF8] = "invalid_utf8",
    [SP_REASON_TOO_LARGE] = "too_large",
    [SP_REASON_UNKNOWN_SCHEMA] = "unknown_schema",
    [SP_REASON_MISSING_FIELD] = "missing_field",
    [SP_REASON_BAD_TYPE] = "bad_type",
    [SP_REASON_UNKNOWN_INDICATOR] = "unknown_indicator",
    [SP_REASON_UNKNOWN_AREA] = "unknown_area",
    [SP_REASON_BAD_FREQ] = "bad_freq",
    [SP_REASON_BAD_PERIOD] = "bad_period",
    [SP_REASON_PERIOD_FREQ_MISMATCH] = "period_freq_mismatch",
    [SP_REASON_BAD_VALUE] = "bad_value",
    [SP_REASON_UNKNOWN_UNIT] = "unknown_unit",
    [SP_REASON_UNIT_MISMATCH] = "unit_mismatch",
    [SP_REASON_BAD_STATUS] = "bad_status",
    [SP_REASON_BAD_RELEASE] = "bad_release",
    [SP_REASON_OUT_OF_RANGE] = "out_of_range",
    [SP_REASON_DUPLICATE_IN_ENVELOPE] = "duplicate_in_envelope",
    [SP_REASON_BAD_CODE] = "bad_code",
    [SP_REASON_ENVELOPE_CONFLICT] = "envelope_conflict",
    [SP_REASON_BAD_BASIS] = "bad_basis",
};

/* jansson allocates every object, key and string of a document it parses, and frees them
 * one by one. A message's document lives only while sp_transform_run looks at it, so its
 * memory comes from an arena the transformer owns, emptied after each message: no malloc
 * or free per message. jansson's allocator is process-wide; the arena in use is the
 * calling thread's, and a thread with none (or a document that outgrows it) gets malloc
 * and free. A pointer from the arena is never passed to free: the document is released
 * while its arena is still the active one. */
#define ARENA_BYTES (256u * 1024)

typedef struct arena {
    char *base;
    size_t used;
} arena_t;

static _Thread_local arena_t *active_arena;

static void *arena_malloc(size_t n)
{
    arena_t *a = active_arena;
    size_t need = (n + 15u) & ~(size_t)15u;
    if (a != NULL && need >= n && need <= ARENA_BYTES - a->used) {
        void *p = a->base + a->used;
        a->used += need;
        return p;
    }
    return malloc(n);
}

static void arena_free(void *p)
{
    arena_t *a = active_arena;
    if (a != NULL && (char *)p >= a->base && (char *)p < a->base + ARENA_BYTES)
        return; /* emptied with the arena */
    free(p);
}

static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_install(void)
{
    json_set_alloc_funcs(arena_malloc, arena_free);
}

struct sp_transformer {
    const sp_catalogue_t *cat;
    sp_transform_limits_t limits;
    /* Scratch for duplicate checks in envelopes: reused, grown, never shrunk. */
    struct keyed *keys;
    size_t cap_keys;
    arena_t arena; /* base is NULL when it could not be had: then malloc serves */
};

static apr_status_t transformer_cleanup(void *data)
{
    sp_transformer_t *tf = data;
    free(tf->keys);
    tf->keys = NULL;
    free(tf->arena.base);
    tf->arena.base = NULL;
    return APR_SUCCESS;
}

sp_transformer_t *sp_transformer_create(apr_pool_t *pool, const sp_catalogue_t *cat,
                                        const sp_transform_limits_t *limits)
{
    sp_transformer_t *tf = apr_pcalloc(pool, sizeof(*tf));
    tf->cat = cat;
    pthread_once(&arena_once, arena_install);
    tf->arena.base = malloc(ARENA_BYTES);
    sp_transformer_set_limits(tf, limits);
    apr_pool_cleanup_register(pool, tf, transformer_cleanup, apr_pool_cleanup_null);
    return tf;
}

void sp_transformer_set_catalogue(sp_transformer_t *tf, const sp_catalogue_t *cat)
{
    tf->cat = cat;
}

void sp_transformer_set_limits(sp_transformer_t *tf, const sp_transform_limits_t *limits)
{
    tf->limits.max_message_bytes = SP_TRANSFORM_DEFAULT_MAX_MESSAGE_BYTES;
    tf->limits.max_envelope_entries = SP_TRANSFORM_DEFAULT_MAX_ENVELOPE_ENTRIES;
    tf->limits.max_depth = SP_TRANSFORM_DEFAULT_MAX_DEPTH;
    tf->limits.max_string_bytes = SP_TRANSFORM_DEFAULT_MAX_STRING_BYTES;
    if (limits != NULL && limits->max_depth)
        tf->limits.max_depth = limits->max_depth;
    if (limits != NULL && limits->max_string_bytes)
        tf->limits.max_string_bytes = limits->max_string_bytes;
    if (limits != NULL && limits->max_message_bytes)
        tf->limits.max_message_bytes = limits->max_message_bytes;
    if (limits != NULL && limits->max_envelope_entries)
        tf->limits.max_envelope_entries = limits->max_envelope_entries;
}

const char *sp_reason_name(sp_reason_t r)
{
    return (unsigned)r < SP_REASON__COUNT ? reason_names[r] : "unknown";
}

sp_reason_t sp_reason_lookup(const char *name)
{
    for (int r = SP_REASON_NONE + 1; r < SP_REASON__COUNT; r++)
        if (strcmp(name, reason_names[r]) == 0)
            return (sp_reason_t)r;
    return SP_REASON_NONE;
}

static sp_transform_result_t reject(sp_reject_t *rej, sp_reason_t reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sp_transform_result_t reject(sp_reject_t *rej, sp_reason_t reason, const char *fmt, ...)
{
    char raw[SP_ERROR_DETAIL_MAX];
    rej->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(raw))
        n = (int)sizeof(raw) - 1;
    /* Details quote the message, which may not be UTF-8: keep them storable as text. */
    sp_utf8_copy(rej->detail, sizeof(rej->detail), raw, (size_t)n);
    return SP_TRANSFORM_REJECT;
}

typedef enum { FIELD_OK, FIELD_ABSENT, FIELD_BAD } field_t;

/* Reads a string member: FIELD_ABSENT when missing (or null), FIELD_BAD when not a string.
 * The pointer borrows from o. */
static field_t get_str(json_t *o, const char *key, const char **s, size_t *n)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v))
        return FIELD_ABSENT;
    if (!json_is_string(v))
        return FIELD_BAD;
    *s = json_string_value(v);
    *n = json_string_length(v);
    return FIELD_OK;
}

/* The field macros below reject a string longer than max_string, a variable (the limit
 * max_string_bytes) in the scope of each function that uses them. */

#define REQUIRE_STR(o, key, s, n)                                                                  \
    do {                                                                                           \
        field_t f_ = get_str((o), (key), &(s), &(n));                                              \
        if (f_ == FIELD_ABSENT)                                                                    \
            return reject(rej, SP_REASON_MISSING_FIELD, "field \"%s\" is required", (key));        \
        if (f_ == FIELD_BAD)                                                                       \
            return reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", (key));        \
        if ((n) > max_string)                                                                      \
            return reject(rej, SP_REASON_TOO_LARGE, "field \"%s\" is %zu bytes, at most %zu",      \
                          (key), (size_t)(n), max_string);                                         \
    } while (0)

#define OPTIONAL_STR(o, key, s, n)                                                                 \
    do {                                                                                           \
        field_t f_ = get_str((o), (key), &(s), &(n));                                              \
        if (f_ == FIELD_BAD)                                                                       \
            return reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", (key));        \
        if (f_ == FIELD_OK && (n) > max_string)                                                    \
            return reject(rej, SP_REASON_TOO_LARGE, "field \"%s\" is %zu bytes, at most %zu",      \
                          (key), (size_t)(n), max_string);                                         \
    } while (0)

static bool status_valid(char c)
{
    return c != '\0' && strchr("ABDEFGHIKLMNOPQSUV", c) != NULL;
}

static bool status_missing(char c)
{
    return c == 'O' || c == 'M' || c == 'L' || c == 'Q' || c == 'H';
}

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

/* An entry may repeat what it inherits, but not contradict it. */
static sp_transform_result_t check_inherited(json_t *o, const char *key, const char *want,
                                             size_t want_len, sp_reject_t *rej)
{
    const char *s = NULL;
    size_t n = 0;
    field_t f = get_str(o, key, &s, &n);
    if (f == FIELD_BAD)
        return reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", key);
    if (f == FIELD_OK && (n != want_len || memcmp(s, want, n) != 0))
        return reject(rej, SP_REASON_ENVELOPE_CONFLICT,
                      "entry %s \"%.*s\" differs from the envelope's \"%.*s\"", key, (int)n, s,
                      (int)want_len, want);
    return SP_TRANSFORM_OK;
}

/* Validates and normalises one observation object into obs. With inh (an envelope entry),
 * sender, release and a default message_id come from the envelope. */
static sp_transform_result_t parse_observation(const sp_catalogue_t *cat, size_t max_string,
                                               json_t *o, inherit_t *inh, sp_obs_t *obs,
                                               sp_reject_t *rej)
{
    const char *s = NULL;
    size_t n = 0;
    sp_error_t e;

    if (inh == NULL) {
        REQUIRE_STR(o, "message_id", obs->message_id, obs->message_id_len);
        sp_utf8_copy(rej->message_id, sizeof(rej->message_id), obs->message_id,
                     obs->message_id_len);
        if (obs->message_id_len == 0)
            return reject(rej, SP_REASON_MISSING_FIELD, "field \"message_id\" is empty");
        REQUIRE_STR(o, "sender", obs->sender, obs->sender_len);
        sp_utf8_copy(rej->sender, sizeof(rej->sender), obs->sender, obs->sender_len);
        if (obs->sender_len == 0)
            return reject(rej, SP_REASON_MISSING_FIELD, "field \"sender\" is empty");
    } else {
        obs->message_id = NULL;
        OPTIONAL_STR(o, "message_id", obs->message_id, obs->message_id_len);
        if (obs->message_id == NULL || obs->message_id_len == 0) {
            int k = snprintf(inh->id_buf, sizeof(inh->id_buf), "%.*s#%zu",
                             (int)inh->envelope_id_len, inh->envelope_id, inh->index);
            if (k < 0 || (size_t)k >= sizeof(inh->id_buf))
                return reject(rej, SP_REASON_TOO_LARGE, "envelope message_id is too long");
            obs->message_id = inh->id_buf;
            obs->message_id_len = (size_t)k;
        }
        obs->sender = inh->sender;
        obs->sender_len = inh->sender_len;
        sp_transform_result_t r;
        if ((r = check_inherited(o, "sender", inh->sender, inh->sender_len, rej)) != 0)
            return r;
        if (json_object_get(o, "schema") != NULL &&
            (r = check_inherited(o, "schema", "statpipe.observation/1", 22, rej)) != 0)
            return r;
    }

    REQUIRE_STR(o, "indicator", s, n);
    obs->indicator = sp_catalogue_indicator(cat, obs->sender, obs->sender_len, s, n);
    if (obs->indicator == NULL)
        return reject(rej, SP_REASON_UNKNOWN_INDICATOR,
                      "indicator \"%.*s\" is neither a catalogue code nor a known alias of "
                      "sender %.*s",
                      (int)n, s, (int)obs->sender_len, obs->sender);

    REQUIRE_STR(o, "ref_area", obs->ref_area, obs->ref_area_len);
    if (sp_catalogue_region(cat, obs->ref_area, obs->ref_area_len) == NULL)
        return reject(rej, SP_REASON_UNKNOWN_AREA,
                      "ref_area \"%.*s\" is not CN nor a GB/T 2260 province code",
                      (int)obs->ref_area_len, obs->ref_area);

    REQUIRE_STR(o, "freq", s, n);
    if (!sp_freq_valid(s, n))
        return reject(rej, SP_REASON_BAD_FREQ, "freq \"%.*s\" is not one of A, S, Q, M", (int)n, s);
    obs->freq = s[0];

    REQUIRE_STR(o, "time_period", s, n);
    bool mismatch = false;
    if (sp_period_parse(&obs->period, obs->freq, s, n, &mismatch, &e) != SP_OK)
        return reject(rej, mismatch ? SP_REASON_PERIOD_FREQ_MISMATCH : SP_REASON_BAD_PERIOD,
                      "time_period \"%.*s\": %s", (int)n, s, e.message);
    sp_period_format(&obs->period, obs->period_text);

    s = NULL;
    OPTIONAL_STR(o, "calc_basis", s, n);
    obs->ytd = false;
    if (s != NULL) {
        if (n == 3 && memcmp(s, "YTD", 3) == 0)
            obs->ytd = true;
        else if (!(n == 3 && memcmp(s, "PER", 3) == 0))
            return reject(rej, SP_REASON_BAD_CODE, "calc_basis \"%.*s\" is not PER or YTD", (int)n,
                          s);
    }
    /* Only an amount over a period accumulates from 1 January: a level or a rate published
     * "year to date" is not one, and differencing it would make up a number. */
    if (obs->ytd && obs->indicator->nature != SP_NATURE_FLOW)
        return reject(
            rej, SP_REASON_BAD_BASIS, "calc_basis YTD is for flows; %s is a %s: publish it as PER",
            obs->indicator->code, obs->indicator->nature == SP_NATURE_STOCK ? "stock" : "ratio");

    s = NULL;
    OPTIONAL_STR(o, "obs_status", s, n);
    obs->obs_status = 'A';
    if (s != NULL) {
        if (n != 1 || !status_valid(s[0]))
            return reject(rej, SP_REASON_BAD_STATUS,
                          "obs_status \"%.*s\" is not an SDMX CL_OBS_STATUS code", (int)n, s);
        obs->obs_status = s[0];
    }
    s = NULL;
    OPTIONAL_STR(o, "conf_status", s, n);
    obs->conf_status = 'F';
    if (s != NULL) {
        if (n != 1 || strchr("FNCSD", s[0]) == NULL || s[0] == '\0')
            return reject(rej, SP_REASON_BAD_STATUS,
                          "conf_status \"%.*s\" is not one of F, N, C, S, D", (int)n, s);
        obs->conf_status = s[0];
    }

    s = NULL;
    OPTIONAL_STR(o, "action", s, n);
    obs->delete_action = false;
    if (s != NULL) {
        if (n == 6 && memcmp(s, "delete", 6) == 0)
            obs->delete_action = true;
        else if (!(n == 7 && memcmp(s, "replace", 7) == 0))
            return reject(rej, SP_REASON_BAD_CODE, "action \"%.*s\" is not replace or delete",
                          (int)n, s);
    }

    if (inh == NULL) {
        REQUIRE_STR(o, "release", s, n);
        if (sp_time_parse(&obs->release_us, s, n, &e) != SP_OK)
            return reject(rej, SP_REASON_BAD_RELEASE, "release \"%.*s\": %s", (int)n, s, e.message);
    } else {
        obs->release_us = inh->release_us;
        s = NULL;
        OPTIONAL_STR(o, "release", s, n);
        int64_t us;
        if (s != NULL && (sp_time_parse(&us, s, n, &e) != SP_OK || us != inh->release_us))
            return reject(rej, SP_REASON_ENVELOPE_CONFLICT,
                          "entry release \"%.*s\" differs from the envelope's", (int)n, s);
    }

    obs->comment = NULL;
    obs->comment_len = 0;
    if (get_str(o, "comment", &obs->comment, &obs->comment_len) == FIELD_BAD)
        return reject(rej, SP_REASON_BAD_TYPE, "field \"comment\" must be a string");
    if (obs->comment != NULL) {
        size_t chars = 0;
        for (size_t i = 0; i < obs->comment_len; i++)
            chars += ((unsigned char)obs->comment[i] & 0xC0) != 0x80;
        if (chars > 1000)
            return reject(rej, SP_REASON_TOO_LARGE, "comment has %zu characters, at most 1000",
                          chars);
    }

    /* Unit: it must exist and measure what the indicator measures. */
    REQUIRE_STR(o, "unit", obs->unit_published, obs->unit_published_len);
    const sp_unit_t *unit = sp_catalogue_unit(cat, obs->unit_published, obs->unit_published_len);
    if (unit == NULL)
        return reject(rej, SP_REASON_UNKNOWN_UNIT, "unit \"%.*s\" is not in the catalogue",
                      (int)obs->unit_published_len, obs->unit_published);
    if (strcmp(unit->dimension, obs->indicator->dimension) != 0)
        return reject(rej, SP_REASON_UNIT_MISMATCH, "unit \"%.*s\" measures %s but %s measures %s",
                      (int)obs->unit_published_len, obs->unit_published, unit->dimension,
                      obs->indicator->code, obs->indicator->dimension);
    obs->unit = sp_catalogue_canonical_unit(cat, obs->indicator->dimension);
    if (obs->unit == NULL)
        return reject(rej, SP_REASON_UNKNOWN_UNIT, "dimension %s has no canonical unit",
                      obs->indicator->dimension);

    json_t *um = json_object_get(o, "unit_mult");
    obs->unit_mult = 0;
    if (um != NULL && !json_is_null(um)) {
        if (!json_is_integer(um))
            return reject(rej, SP_REASON_BAD_TYPE, "unit_mult must be an integer");
        json_int_t k = json_integer_value(um);
        if (k < -20 || k > 20)
            return reject(rej, SP_REASON_OUT_OF_RANGE,
                          "unit_mult %" JSON_INTEGER_FORMAT " is outside -20..20", k);
        obs->unit_mult = (int)k;
    }

    /* Value: a decimal string, or a JSON number read back as its shortest decimal. */
    json_t *v = json_object_get(o, "value");
    sp_dec_t d;
    if (v == NULL)
        return reject(rej, SP_REASON_MISSING_FIELD, "field \"value\" is required");
    if (json_is_null(v)) {
        if (!status_missing(obs->obs_status))
            return reject(rej, SP_REASON_BAD_VALUE,
                          "value is null but obs_status %c is not a missing-value status "
                          "(O, M, L, Q, H)",
                          obs->obs_status);
        obs->has_value = false;
        obs->value[0] = '\0';
        obs->value_published[0] = '\0';
        return SP_TRANSFORM_OK;
    }
    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);
        if (n >= sizeof(obs->value_published))
            return reject(rej, SP_REASON_BAD_VALUE, "value is %zu characters long", n);
        if (sp_dec_parse(&d, s, n, &e) != SP_OK)
            return reject(rej, SP_REASON_BAD_VALUE, "value \"%.*s\": %s", (int)n, s, e.message);
        memcpy(obs->value_published, s, n);
        obs->value_published[n] = '\0';
    } else if (json_is_integer(v)) {
        sp_dec_from_int(&d, json_integer_value(v));
        sp_dec_format(&d, obs->value_published);
    } else if (json_is_real(v)) {
        if (sp_dec_from_double(&d, json_real_value(v), &e) != SP_OK)
            return reject(rej, SP_REASON_BAD_VALUE, "value: %s", e.message);
        sp_dec_format(&d, obs->value_published);
    } else {
        return reject(rej, SP_REASON_BAD_TYPE, "value must be a decimal string or a number");
    }
    sp_dec_t canon;
    if (sp_dec_scale10(&d, obs->unit_mult, &e) != SP_OK ||
        sp_dec_mul(&canon, &d, &unit->factor, &e) != SP_OK)
        return reject(rej, SP_REASON_OUT_OF_RANGE, "value in %s: %s", obs->unit->code, e.message);
    const sp_indicator_t *ind = obs->indicator;
    if (ind->has_min && sp_dec_cmp(&canon, &ind->min) < 0) {
        char lim[SP_DEC_TEXT_MAX];
        sp_dec_format(&ind->min, lim);
        sp_dec_format(&canon, obs->value);
        return reject(rej, SP_REASON_OUT_OF_RANGE, "%s value %s %s is below the minimum %s",
                      ind->code, obs->value, obs->unit->code, lim);
    }
    if (ind->has_max && sp_dec_cmp(&canon, &ind->max) > 0) {
        char lim[SP_DEC_TEXT_MAX];
        sp_dec_format(&ind->max, lim);
        sp_dec_format(&canon, obs->value);
        return reject(rej, SP_REASON_OUT_OF_RANGE, "%s value %s %s is above the maximum %s",
                      ind->code, obs->value, obs->unit->code, lim);
    }
    sp_dec_format(&canon, obs->value);
    obs->has_value = true;
    return SP_TRANSFORM_OK;
}

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
            return reject(rej, SP_REASON_DUPLICATE_IN_ENVELOPE,
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
            return reject(rej, SP_REASON_DUPLICATE_IN_ENVELOPE,
                          "observations[%zu] and [%zu] have the same message_id \"%s\"", x->index,
                          y->index, json_string_value(json_object_get(a, "message_id")));
    }
    qsort(k, n, sizeof(keyed_t), cmp_keyed);
    for (size_t j = 1; j < n; j++) {
        if (k[j].hash != k[j - 1].hash)
            continue;
        const keyed_t *a = &k[j - 1], *b = &k[j];
        /* Normalised fields: an alias and a code, or 2023-07 and 2023-M07, are the same. */
        if (a->indicator == b->indicator && a->start_day == b->start_day && a->freq == b->freq &&
            a->ytd == b->ytd && a->ref_area_len == b->ref_area_len &&
            memcmp(a->ref_area, b->ref_area, a->ref_area_len) == 0)
            return reject(rej, SP_REASON_DUPLICATE_IN_ENVELOPE,
                          "observations[%zu] and [%zu] give the same series and period twice "
                          "in one release",
                          k[j - 1].index, k[j].index);
    }
    return SP_TRANSFORM_OK;
}

static sp_transform_result_t run_envelope(sp_transformer_t *tf, json_t *root, sp_obs_cb cb,
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
        return reject(rej, SP_REASON_MISSING_FIELD, "field \"message_id\" is empty");
    REQUIRE_STR(o, "sender", inh.sender, inh.sender_len);
    sp_utf8_copy(rej->sender, sizeof(rej->sender), inh.sender, inh.sender_len);
    if (inh.sender_len == 0)
        return reject(rej, SP_REASON_MISSING_FIELD, "field \"sender\" is empty");
    REQUIRE_STR(o, "release", s, n);
    if (sp_time_parse(&inh.release_us, s, n, &e) != SP_OK)
        return reject(rej, SP_REASON_BAD_RELEASE, "release \"%.*s\": %s", (int)n, s, e.message);
    json_t *entries = json_object_get(root, "observations");
    if (entries == NULL || json_is_null(entries))
        return reject(rej, SP_REASON_MISSING_FIELD, "field \"observations\" is required");
    if (!json_is_array(entries))
        return reject(rej, SP_REASON_BAD_TYPE, "field \"observations\" must be an array");
    size_t count = json_array_size(entries);
    if (count == 0)
        return reject(rej, SP_REASON_MISSING_FIELD, "envelope has no observations");
    if (count > tf->limits.max_envelope_entries)
        return reject(rej, SP_REASON_TOO_LARGE, "envelope has %zu observations, at most %zu", count,
                      tf->limits.max_envelope_entries);
    reserve_keys(tf, 2 * count);
    for (size_t i = 0; i < count; i++) {
        json_t *entry = json_array_get(entries, i);
        sp_obs_t obs;
        inh.index = i;
        if (!json_is_object(entry))
            return reject(rej, SP_REASON_BAD_TYPE, "observations[%zu] must be an object", i);
        sp_transform_result_t r =
            parse_observation(tf->cat, tf->limits.max_string_bytes, entry, &inh, &obs, rej);
        if (r != SP_TRANSFORM_OK) {
            char inner[SP_ERROR_DETAIL_MAX];
            memcpy(inner, rej->detail, sizeof(inner));
            return reject(rej, rej->reason, "observations[%zu]: %s", i, inner);
        }
        tf->keys[i] =
            (keyed_t){obs_slot_hash(&obs),  i,        obs.indicator, obs.ref_area, obs.ref_area_len,
                      obs.period.start_day, obs.freq, obs.ytd};
        if (cb(opaque, &obs, err) != SP_OK)
            return SP_TRANSFORM_FAILED;
    }
    return check_duplicates(tf, entries, count, &inh, rej);
}

/* What one pass over a JSON text finds before it is parsed: the deepest nesting of arrays and
 * objects outside strings, so that no parser recursion or allocation follows a hostile depth,
 * and the first number a double cannot carry exactly, so that jansson's conversion never
 * decides a value: an integer of more than 18 digits overflows its json_int_t, and a number
 * with more than 15 significant digits, or a power of ten beyond +-307, does not survive a
 * double (1e-400 would read as 0). Such numbers are refused; as decimal strings they are
 * exact. */
typedef struct {
    size_t depth;
    const char *bad_number; /* NULL, or the start of the first inexact number */
    size_t bad_len;
} prescan_t;

/* Whether the number token p[0..n) survives jansson exactly. */
static bool number_exact(const unsigned char *p, size_t n)
{
    size_t i = 0, sig = 0, zeros = 0;
    long lead = 0; /* power of ten of the first significant digit */
    bool integer = true, seen = false;
    if (i < n && p[i] == '-')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (p[i] == '0' && !seen)
            continue;
        if (!seen)
            lead = -1;
        seen = true;
        lead++;
        zeros = p[i] == '0' ? zeros + 1 : 0;
        sig++;
    }
    if (i < n && p[i] == '.') {
        integer = false;
        long pos = 0;
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            pos--;
            if (p[i] == '0' && !seen)
                continue;
            if (!seen)
                lead = pos;
            seen = true;
            zeros = p[i] == '0' ? zeros + 1 : 0;
            sig++;
        }
    }
    long e = 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        integer = false;
        bool neg = false;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            neg = p[i++] == '-';
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (e < 100000)
                e = e * 10 + (p[i] - '0');
        if (neg)
            e = -e;
    }
    if (integer)
        return sig <= 18;
    if (!seen)
        return true; /* a zero is exact however it is spelled */
    return sig - zeros <= 15 && lead + e >= -307 && lead + e <= 307;
}

static void json_prescan(const void *payload, size_t len, prescan_t *out)
{
    const unsigned char *p = payload;
    size_t depth = 0;
    bool in_string = false;
    out->depth = 0;
    out->bad_number = NULL;
    out->bad_len = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > out->depth)
                out->depth = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i;
            while (j < len && (p[j] == '-' || p[j] == '+' || p[j] == '.' || p[j] == 'e' ||
                               p[j] == 'E' || (p[j] >= '0' && p[j] <= '9')))
                j++;
            if (out->bad_number == NULL && !number_exact(p + i, j - i)) {
                out->bad_number = (const char *)p + i;
                out->bad_len = j - i;
            }
            i = j - 1;
        }
    }
}

sp_transform_result_t sp_transform_reject_size(sp_reject_t *rej, size_t len, size_t max)
{
    rej->message_id[0] = '\0';
    rej->sender[0] = '\0';
    return reject(rej, SP_REASON_TOO_LARGE, "message is %zu bytes, at most %zu", len, max);
}

sp_transform_result_t sp_transform_run(sp_transformer_t *tf, const void *payload, size_t len,
                                       sp_obs_cb cb, void *opaque, sp_reject_t *rej,
                                       sp_error_t *err)
{
    rej->reason = SP_REASON_NONE;
    rej->detail[0] = '\0';
    rej->message_id[0] = '\0';
    rej->sender[0] = '\0';
    if (len > tf->limits.max_message_bytes)
        return sp_transform_reject_size(rej, len, tf->limits.max_message_bytes);
    /* A UTF-8 byte order mark before the document is allowed by RFC 8259 to be ignored. */
    const unsigned char *bytes = payload;
    if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) {
        payload = bytes + 3;
        len -= 3;
    }
    prescan_t scan;
    json_prescan(payload, len, &scan);
    if (scan.depth > tf->limits.max_depth)
        return reject(rej, SP_REASON_TOO_LARGE, "JSON nests %zu levels deep, at most %zu",
                      scan.depth, tf->limits.max_depth);
    if (scan.bad_number != NULL)
        return reject(rej, SP_REASON_BAD_VALUE,
                      "the JSON number %.*s%s cannot be read exactly (a JSON number keeps 15 "
                      "significant digits within 1e-307..1e307, an integer 18 digits): send it "
                      "as a decimal string",
                      (int)(scan.bad_len > 40 ? 40 : scan.bad_len), scan.bad_number,
                      scan.bad_len > 40 ? "..." : "");

    json_error_t jerr;
    arena_t *outer = active_arena;
    if (tf->arena.base != NULL) {
        tf->arena.used = 0;
        active_arena = &tf->arena;
    }
    json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        active_arena = outer;
        sp_reason_t r = json_error_code(&jerr) == json_error_invalid_utf8
                            ? SP_REASON_INVALID_UTF8
                            : SP_REASON_MALFORMED_JSON;
        return reject(rej, r, "%s at line %d column %d", jerr.text, jerr.line, jerr.column);
    }
    sp_transform_result_t res;
    const char *schema = NULL;
    size_t n = 0;
    if (!json_is_object(root)) {
        res = reject(rej, SP_REASON_BAD_TYPE, "message must be a JSON object");
        goto out;
    }
    field_t f = get_str(root, "schema", &schema, &n);
    if (f == FIELD_ABSENT) {
        res = reject(rej, SP_REASON_MISSING_FIELD, "field \"schema\" is required");
        goto out;
    }
    if (f == FIELD_BAD) {
        res = reject(rej, SP_REASON_BAD_TYPE, "field \"schema\" must be a string");
        goto out;
    }
    if (n == 22 && memcmp(schema, "statpipe.observation/1", 22) == 0) {
        sp_obs_t obs;
        res = parse_observation(tf->cat, tf->limits.max_string_bytes, root, NULL, &obs, rej);
        if (res == SP_TRANSFORM_OK && cb(opaque, &obs, err) != SP_OK)
            res = SP_TRANSFORM_FAILED;
    } else if (n == 18 && memcmp(schema, "statpipe.release/1", 18) == 0) {
        res = run_envelope(tf, root, cb, opaque, rej, err);
    } else {
        res = reject(rej, SP_REASON_UNKNOWN_SCHEMA,
                     "schema \"%.*s\" is neither statpipe.observation/1 nor statpipe.release/1",
                     (int)n, schema);
    }
out:
    json_decref(root);
    active_arena = outer;
    return res;
}
