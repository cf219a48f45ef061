/*
 * sp_transform.c: one message's bytes to normalised observations, or to a reject with
 * one of the contract's reason codes and a detail that says what to fix: the transformer
 * and its parsing arena, the reason codes, the checks made before parsing, and the
 * dispatch to one observation (sp_observation.c) or a release envelope (sp_envelope.c).
 */
#include "sp_transform_int.h"

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
    [SP_REASON_UNKNOWN_BREAKDOWN] = "unknown_breakdown",
};

/* jansson allocates every object, key and string of a document it parses, and frees them
 * one by one. A message's document lives only while sp_transform_run looks at it, so its
 * memory comes from an arena the transformer owns, emptied after each message: no malloc
 * or free per message. jansson's allocator is process-wide; the arena in use is the
 * calling thread's, and a thread with none (or a document that outgrows it) gets malloc
 * and free. A pointer from the arena is never passed to free: the document is released
 * while its arena is still the active one. */
#define ARENA_BYTES (256u * 1024)

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
    return sp_tf_reject(rej, SP_REASON_TOO_LARGE, "message is %zu bytes, at most %zu", len, max);
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
        return sp_tf_reject(rej, SP_REASON_TOO_LARGE, "JSON nests %zu levels deep, at most %zu",
                            scan.depth, tf->limits.max_depth);
    if (scan.bad_number != NULL)
        return sp_tf_reject(
            rej, SP_REASON_BAD_VALUE,
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
        return sp_tf_reject(rej, r, "%s at line %d column %d", jerr.text, jerr.line, jerr.column);
    }
    sp_transform_result_t res;
    const char *schema = NULL;
    size_t n = 0;
    if (!json_is_object(root)) {
        res = sp_tf_reject(rej, SP_REASON_BAD_TYPE, "message must be a JSON object");
        goto out;
    }
    field_t f = sp_tf_get_str(root, "schema", &schema, &n);
    if (f == FIELD_ABSENT) {
        res = sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"schema\" is required");
        goto out;
    }
    if (f == FIELD_BAD) {
        res = sp_tf_reject(rej, SP_REASON_BAD_TYPE, "field \"schema\" must be a string");
        goto out;
    }
    if (n == 22 && memcmp(schema, "statpipe.observation/1", 22) == 0) {
        sp_obs_t obs;
        res = sp_tf_parse_observation(tf->cat, tf->limits.max_string_bytes, root, NULL, &obs, rej);
        if (res == SP_TRANSFORM_OK && cb(opaque, &obs, err) != SP_OK)
            res = SP_TRANSFORM_FAILED;
    } else if (n == 18 && memcmp(schema, "statpipe.release/1", 18) == 0) {
        res = sp_tf_run_envelope(tf, root, cb, opaque, rej, err);
    } else {
        res =
            sp_tf_reject(rej, SP_REASON_UNKNOWN_SCHEMA,
                         "schema \"%.*s\" is neither statpipe.observation/1 nor statpipe.release/1",
                         (int)n, schema);
    }
out:
    json_decref(root);
    active_arena = outer;
    return res;
}
