/*
 * sp_observation.c: one observation object (statpipe.observation/1, or an entry of a
 * release envelope) validated field by field, its indicator mapped, its value normalised
 * exactly into the canonical unit of the indicator's dimension and checked against its
 * range; or a reject that says what to fix.
 */
#include "sp_transform_int.h"

#include <stdio.h>
#include <string.h>

sp_transform_result_t sp_tf_reject(sp_reject_t *rej, sp_reason_t reason, const char *fmt, ...)
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

/* Reads a string member: FIELD_ABSENT when missing (or null), FIELD_BAD when not a string.
 * The pointer borrows from o. */
field_t sp_tf_get_str(json_t *o, const char *key, const char **s, size_t *n)
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

static bool status_valid(char c)
{
    return c != '\0' && strchr("ABDEFGHIKLMNOPQSUV", c) != NULL;
}

static bool status_missing(char c)
{
    return c == 'O' || c == 'M' || c == 'L' || c == 'Q' || c == 'H';
}

/* An entry may repeat what it inherits, but not contradict it. */
static sp_transform_result_t check_inherited(json_t *o, const char *key, const char *want,
                                             size_t want_len, sp_reject_t *rej)
{
    const char *s = NULL;
    size_t n = 0;
    field_t f = sp_tf_get_str(o, key, &s, &n);
    if (f == FIELD_BAD)
        return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "field \"%s\" must be a string", key);
    if (f == FIELD_OK && (n != want_len || memcmp(s, want, n) != 0))
        return sp_tf_reject(rej, SP_REASON_ENVELOPE_CONFLICT,
                            "entry %s \"%.*s\" differs from the envelope's \"%.*s\"", key, (int)n,
                            s, (int)want_len, want);
    return SP_TRANSFORM_OK;
}

sp_transform_result_t sp_tf_parse_observation(const sp_catalogue_t *cat, size_t max_string,
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
            return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"message_id\" is empty");
        REQUIRE_STR(o, "sender", obs->sender, obs->sender_len);
        sp_utf8_copy(rej->sender, sizeof(rej->sender), obs->sender, obs->sender_len);
        if (obs->sender_len == 0)
            return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"sender\" is empty");
    } else {
        obs->message_id = NULL;
        OPTIONAL_STR(o, "message_id", obs->message_id, obs->message_id_len);
        if (obs->message_id == NULL || obs->message_id_len == 0) {
            int k = snprintf(inh->id_buf, sizeof(inh->id_buf), "%.*s#%zu",
                             (int)inh->envelope_id_len, inh->envelope_id, inh->index);
            if (k < 0 || (size_t)k >= sizeof(inh->id_buf))
                return sp_tf_reject(rej, SP_REASON_TOO_LARGE, "envelope message_id is too long");
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
        return sp_tf_reject(rej, SP_REASON_UNKNOWN_INDICATOR,
                            "indicator \"%.*s\" is neither a catalogue code nor a known alias of "
                            "sender %.*s",
                            (int)n, s, (int)obs->sender_len, obs->sender);

    REQUIRE_STR(o, "ref_area", obs->ref_area, obs->ref_area_len);
    if (sp_catalogue_region(cat, obs->ref_area, obs->ref_area_len) == NULL)
        return sp_tf_reject(rej, SP_REASON_UNKNOWN_AREA,
                            "ref_area \"%.*s\" is not CN nor a GB/T 2260 province code",
                            (int)obs->ref_area_len, obs->ref_area);

    REQUIRE_STR(o, "freq", s, n);
    if (!sp_freq_valid(s, n))
        return sp_tf_reject(rej, SP_REASON_BAD_FREQ, "freq \"%.*s\" is not one of A, S, Q, M",
                            (int)n, s);
    obs->freq = s[0];

    REQUIRE_STR(o, "time_period", s, n);
    bool mismatch = false;
    if (sp_period_parse(&obs->period, obs->freq, s, n, &mismatch, &e) != SP_OK)
        return sp_tf_reject(rej, mismatch ? SP_REASON_PERIOD_FREQ_MISMATCH : SP_REASON_BAD_PERIOD,
                            "time_period \"%.*s\": %s", (int)n, s, e.message);
    sp_period_format(&obs->period, obs->period_text);

    s = NULL;
    OPTIONAL_STR(o, "calc_basis", s, n);
    obs->ytd = false;
    if (s != NULL) {
        if (n == 3 && memcmp(s, "YTD", 3) == 0)
            obs->ytd = true;
        else if (!(n == 3 && memcmp(s, "PER", 3) == 0))
            return sp_tf_reject(rej, SP_REASON_BAD_CODE, "calc_basis \"%.*s\" is not PER or YTD",
                                (int)n, s);
    }
    /* Only an amount over a period accumulates from 1 January: a level or a rate published
     * "year to date" is not one, and differencing it would make up a number. */
    if (obs->ytd && obs->indicator->nature != SP_NATURE_FLOW)
        return sp_tf_reject(
            rej, SP_REASON_BAD_BASIS, "calc_basis YTD is for flows; %s is a %s: publish it as PER",
            obs->indicator->code, obs->indicator->nature == SP_NATURE_STOCK ? "stock" : "ratio");

    s = NULL;
    OPTIONAL_STR(o, "breakdown", s, n);
    obs->breakdown = s == NULL ? SP_BREAKDOWN_TOTAL : sp_catalogue_breakdown(cat, s, n);
    if (obs->breakdown == NULL)
        return sp_tf_reject(rej, SP_REASON_UNKNOWN_BREAKDOWN,
                            "breakdown \"%.*s\" is not a breakdown code of the catalogue "
                            "(stats.breakdown lists them; omit it for the total)",
                            (int)n, s);

    s = NULL;
    OPTIONAL_STR(o, "obs_status", s, n);
    obs->obs_status = 'A';
    if (s != NULL) {
        if (n != 1 || !status_valid(s[0]))
            return sp_tf_reject(rej, SP_REASON_BAD_STATUS,
                                "obs_status \"%.*s\" is not an SDMX CL_OBS_STATUS code", (int)n, s);
        obs->obs_status = s[0];
    }
    s = NULL;
    OPTIONAL_STR(o, "conf_status", s, n);
    obs->conf_status = 'F';
    if (s != NULL) {
        if (n != 1 || strchr("FNCSD", s[0]) == NULL || s[0] == '\0')
            return sp_tf_reject(rej, SP_REASON_BAD_STATUS,
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
            return sp_tf_reject(rej, SP_REASON_BAD_CODE, "action \"%.*s\" is not replace or delete",
                                (int)n, s);
    }

    if (inh == NULL) {
        REQUIRE_STR(o, "release", s, n);
        if (sp_time_parse(&obs->release_us, s, n, &e) != SP_OK)
            return sp_tf_reject(rej, SP_REASON_BAD_RELEASE, "release \"%.*s\": %s", (int)n, s,
                                e.message);
    } else {
        obs->release_us = inh->release_us;
        s = NULL;
        OPTIONAL_STR(o, "release", s, n);
        int64_t us;
        if (s != NULL && (sp_time_parse(&us, s, n, &e) != SP_OK || us != inh->release_us))
            return sp_tf_reject(rej, SP_REASON_ENVELOPE_CONFLICT,
                                "entry release \"%.*s\" differs from the envelope's", (int)n, s);
    }

    obs->comment = NULL;
    obs->comment_len = 0;
    if (sp_tf_get_str(o, "comment", &obs->comment, &obs->comment_len) == FIELD_BAD)
        return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "field \"comment\" must be a string");
    if (obs->comment != NULL) {
        size_t chars = 0;
        for (size_t i = 0; i < obs->comment_len; i++)
            chars += ((unsigned char)obs->comment[i] & 0xC0) != 0x80;
        if (chars > 1000)
            return sp_tf_reject(rej, SP_REASON_TOO_LARGE,
                                "comment has %zu characters, at most 1000", chars);
    }

    /* Unit: it must exist and measure what the indicator measures. */
    REQUIRE_STR(o, "unit", obs->unit_published, obs->unit_published_len);
    const sp_unit_t *unit = sp_catalogue_unit(cat, obs->unit_published, obs->unit_published_len);
    if (unit == NULL)
        return sp_tf_reject(rej, SP_REASON_UNKNOWN_UNIT, "unit \"%.*s\" is not in the catalogue",
                            (int)obs->unit_published_len, obs->unit_published);
    if (strcmp(unit->dimension, obs->indicator->dimension) != 0)
        return sp_tf_reject(rej, SP_REASON_UNIT_MISMATCH,
                            "unit \"%.*s\" measures %s but %s measures %s",
                            (int)obs->unit_published_len, obs->unit_published, unit->dimension,
                            obs->indicator->code, obs->indicator->dimension);
    obs->unit = sp_catalogue_canonical_unit(cat, obs->indicator->dimension);
    if (obs->unit == NULL)
        return sp_tf_reject(rej, SP_REASON_UNKNOWN_UNIT, "dimension %s has no canonical unit",
                            obs->indicator->dimension);

    json_t *um = json_object_get(o, "unit_mult");
    obs->unit_mult = 0;
    if (um != NULL && !json_is_null(um)) {
        if (!json_is_integer(um))
            return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "unit_mult must be an integer");
        json_int_t k = json_integer_value(um);
        if (k < -20 || k > 20)
            return sp_tf_reject(rej, SP_REASON_OUT_OF_RANGE,
                                "unit_mult %" JSON_INTEGER_FORMAT " is outside -20..20", k);
        obs->unit_mult = (int)k;
    }

    /* Value: a decimal string, or a JSON number read back as its shortest decimal. */
    json_t *v = json_object_get(o, "value");
    sp_dec_t d;
    if (v == NULL)
        return sp_tf_reject(rej, SP_REASON_MISSING_FIELD, "field \"value\" is required");
    if (json_is_null(v)) {
        if (!status_missing(obs->obs_status))
            return sp_tf_reject(rej, SP_REASON_BAD_VALUE,
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
            return sp_tf_reject(rej, SP_REASON_BAD_VALUE, "value is %zu characters long", n);
        if (sp_dec_parse(&d, s, n, &e) != SP_OK)
            return sp_tf_reject(rej, SP_REASON_BAD_VALUE, "value \"%.*s\": %s", (int)n, s,
                                e.message);
        memcpy(obs->value_published, s, n);
        obs->value_published[n] = '\0';
    } else if (json_is_integer(v)) {
        sp_dec_from_int(&d, json_integer_value(v));
        sp_dec_format(&d, obs->value_published);
    } else if (json_is_real(v)) {
        if (sp_dec_from_double(&d, json_real_value(v), &e) != SP_OK)
            return sp_tf_reject(rej, SP_REASON_BAD_VALUE, "value: %s", e.message);
        sp_dec_format(&d, obs->value_published);
    } else {
        return sp_tf_reject(rej, SP_REASON_BAD_TYPE, "value must be a decimal string or a number");
    }
    sp_dec_t canon;
    if (sp_dec_scale10(&d, obs->unit_mult, &e) != SP_OK ||
        sp_dec_mul(&canon, &d, &unit->factor, &e) != SP_OK)
        return sp_tf_reject(rej, SP_REASON_OUT_OF_RANGE, "value in %s: %s", obs->unit->code,
                            e.message);
    const sp_indicator_t *ind = obs->indicator;
    if (ind->has_min && sp_dec_cmp(&canon, &ind->min) < 0) {
        char lim[SP_DEC_TEXT_MAX];
        sp_dec_format(&ind->min, lim);
        sp_dec_format(&canon, obs->value);
        return sp_tf_reject(rej, SP_REASON_OUT_OF_RANGE,
                            "%s value %s %s is below the minimum %s%s%s", ind->code, obs->value,
                            obs->unit->code, lim, ind->min_rule ? " of rule " : "",
                            ind->min_rule ? ind->min_rule : "");
    }
    if (ind->has_max && sp_dec_cmp(&canon, &ind->max) > 0) {
        char lim[SP_DEC_TEXT_MAX];
        sp_dec_format(&ind->max, lim);
        sp_dec_format(&canon, obs->value);
        return sp_tf_reject(rej, SP_REASON_OUT_OF_RANGE,
                            "%s value %s %s is above the maximum %s%s%s", ind->code, obs->value,
                            obs->unit->code, lim, ind->max_rule ? " of rule " : "",
                            ind->max_rule ? ind->max_rule : "");
    }
    sp_dec_format(&canon, obs->value);
    obs->has_value = true;
    return SP_TRANSFORM_OK;
}
