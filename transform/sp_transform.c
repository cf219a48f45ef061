/*
 * sp_transform.c: one message's bytes to normalised observations, or to a reject with
 * one of the contract's reason codes and a detail that says what to fix.
 */
#include "sp_transform.h"

#include <jansson.h>
#include <stdio.h>
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
};

const char *sp_reason_name(sp_reason_t r)
{
    return (unsigned)r < SP_REASON__COUNT ? reason_names[r] : "unknown";
}

static sp_transform_result_t reject(sp_reject_t *rej, sp_reason_t reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sp_transform_result_t reject(sp_reject_t *rej, sp_reason_t reason, const char *fmt, ...)
{
    rej->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rej->detail, sizeof(rej->detail), fmt, ap);
    va_end(ap);
    return SP_TRANSFORM_REJECT;
}

/* Copies at most cap-1 bytes of s into out, for reject reports. */
static void copy_trunc(char *out, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
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

#define REQUIRE_STR(o, key, s, n)                                                                  \
    do {                                                                                           \
        field_t f_ = get_str((o), (key), &(s), &(n));                                              \
        if (f_ == FIELD_ABSENT)                                                                    \
            return reject(rej, SP_REASON_MISSING_FIELD, "field \"%s\" is required", (key));        \
        if (f_ == FIELD_BAD)                                                                       \
            return reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", (key));       \
    } while (0)

#define OPTIONAL_STR(o, key, s, n)                                                                 \
    do {                                                                                           \
        if (get_str((o), (key), &(s), &(n)) == FIELD_BAD)                                          \
            return reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", (key));       \
    } while (0)

static bool status_valid(char c)
{
    return c != '\0' && strchr("ABDEFGHIKLMNOPQSUV", c) != NULL;
}

static bool status_missing(char c)
{
    return c == 'O' || c == 'M' || c == 'L' || c == 'Q' || c == 'H';
}

/* Validates and normalises one observation object into obs. */
static sp_transform_result_t parse_observation(const sp_catalogue_t *cat, json_t *o,
                                               sp_obs_t *obs, sp_reject_t *rej)
{
    const char *s = NULL;
    size_t n = 0;
    sp_error_t e;

    REQUIRE_STR(o, "message_id", obs->message_id, obs->message_id_len);
    copy_trunc(rej->message_id, sizeof(rej->message_id), obs->message_id, obs->message_id_len);
    if (obs->message_id_len == 0)
        return reject(rej, SP_REASON_MISSING_FIELD, "field \"message_id\" is empty");
    REQUIRE_STR(o, "sender", obs->sender, obs->sender_len);
    copy_trunc(rej->sender, sizeof(rej->sender), obs->sender, obs->sender_len);
    if (obs->sender_len == 0)
        return reject(rej, SP_REASON_MISSING_FIELD, "field \"sender\" is empty");

    REQUIRE_STR(o, "indicator", s, n);
    obs->indicator = sp_catalogue_indicator(cat, s, n);
    if (obs->indicator == NULL)
        return reject(rej, SP_REASON_UNKNOWN_INDICATOR,
                      "indicator \"%.*s\" is neither a catalogue code nor a known alias", (int)n,
                      s);

    REQUIRE_STR(o, "ref_area", obs->ref_area, obs->ref_area_len);
    if (sp_catalogue_region(cat, obs->ref_area, obs->ref_area_len) == NULL)
        return reject(rej, SP_REASON_UNKNOWN_AREA,
                      "ref_area \"%.*s\" is not CN nor a GB/T 2260 province code", (int)obs->ref_area_len,
                      obs->ref_area);

    REQUIRE_STR(o, "freq", s, n);
    if (!sp_freq_valid(s, n))
        return reject(rej, SP_REASON_BAD_FREQ, "freq \"%.*s\" is not one of A, S, Q, M", (int)n,
                      s);
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
            return reject(rej, SP_REASON_BAD_CODE, "calc_basis \"%.*s\" is not PER or YTD",
                          (int)n, s);
    }

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

    REQUIRE_STR(o, "release", s, n);
    if (sp_time_parse(&obs->release_us, s, n, &e) != SP_OK)
        return reject(rej, SP_REASON_BAD_RELEASE, "release \"%.*s\": %s", (int)n, s, e.message);

    obs->comment = NULL;
    obs->comment_len = 0;
    OPTIONAL_STR(o, "comment", obs->comment, obs->comment_len);
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
        return reject(rej, SP_REASON_UNIT_MISMATCH,
                      "unit \"%.*s\" measures %s but %s measures %s",
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
            return reject(rej, SP_REASON_OUT_OF_RANGE, "unit_mult %" JSON_INTEGER_FORMAT
                                                       " is outside -20..20", k);
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
        return reject(rej, SP_REASON_OUT_OF_RANGE, "value in %s: %s", obs->unit->code,
                      e.message);
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

sp_transform_result_t sp_transform_message(const sp_catalogue_t *cat,
                                           const sp_transform_limits_t *limits,
                                           const void *payload, size_t len, sp_obs_cb cb,
                                           void *opaque, sp_reject_t *rej, sp_error_t *err)
{
    rej->reason = SP_REASON_NONE;
    rej->detail[0] = '\0';
    rej->message_id[0] = '\0';
    rej->sender[0] = '\0';
    size_t max = limits && limits->max_message_bytes ? limits->max_message_bytes
                                                     : SP_TRANSFORM_DEFAULT_MAX_MESSAGE_BYTES;
    if (len > max)
        return reject(rej, SP_REASON_TOO_LARGE, "message is %zu bytes, at most %zu", len, max);

    json_error_t jerr;
    json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
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
        res = parse_observation(cat, root, &obs, rej);
        if (res == SP_TRANSFORM_OK && cb(opaque, &obs, err) != SP_OK)
            res = SP_TRANSFORM_FAILED;
    } else {
        res = reject(rej, SP_REASON_UNKNOWN_SCHEMA,
                     "schema \"%.*s\" is not statpipe.observation/1", (int)n, schema);
    }
out:
    json_decref(root);
    return res;
}
