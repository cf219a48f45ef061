/*
 * sp_transform.h: the public interface of the transform stage: the catalogue of the
 * indicator system, and turning one message's bytes into normalised observations or a
 * reject with a contract reason code.
 */
#ifndef SP_TRANSFORM_H
#define SP_TRANSFORM_H

#include "sp_core.h"

#include <apr_pools.h>

/* ---- the catalogue ------------------------------------------------------------------- */

typedef enum { SP_NATURE_STOCK = 0, SP_NATURE_FLOW, SP_NATURE_RATIO } sp_nature_t;

/* Plain data, owned by the catalogue's pool. */
typedef struct sp_indicator {
    const char *code;
    const char *dimension; /* what it measures: money, bandwidth, count, percent, ... */
    sp_nature_t nature;
    bool has_min, has_max;
    sp_dec_t min, max; /* in the canonical unit of its dimension */
    /* The error rule (rules.csv) that set each bound; NULL: the indicator's own bound. */
    const char *min_rule, *max_rule;
} sp_indicator_t;

typedef struct sp_unit {
    const char *code;
    const char *dimension;
    sp_dec_t factor; /* canonical value = published value * factor */
} sp_unit_t;

typedef struct sp_region {
    const char *code;
} sp_region_t;

/* The breakdown of a message that names none: the total (breakdowns.csv). */
#define SP_BREAKDOWN_TOTAL "_T"

typedef struct sp_catalogue sp_catalogue_t;

/* Creates an empty catalogue whose every allocation lives in pool. */
sp_catalogue_t *sp_catalogue_create(apr_pool_t *pool);
/* Adds an indicator; min and max may be NULL or "" for no bound. Strings are copied. */
sp_status_t sp_catalogue_add_indicator(sp_catalogue_t *cat, const char *code, const char *dimension,
                                       const char *nature, const char *min, const char *max,
                                       sp_error_t *err);
/* Makes name (a sender's own code or a published Chinese name) resolve to indicator code,
 * for messages of sender only, or of every sender when sender is NULL or "". */
sp_status_t sp_catalogue_add_indicator_alias(sp_catalogue_t *cat, const char *alias,
                                             const char *sender, const char *code, sp_error_t *err);
sp_status_t sp_catalogue_add_unit(sp_catalogue_t *cat, const char *code, const char *dimension,
                                  const char *factor, sp_error_t *err);
sp_status_t sp_catalogue_add_unit_alias(sp_catalogue_t *cat, const char *alias, const char *code,
                                        sp_error_t *err);
sp_status_t sp_catalogue_add_region(sp_catalogue_t *cat, const char *code, sp_error_t *err);
/* Adds a breakdown code (URB, RUR ...); the total, SP_BREAKDOWN_TOTAL, is always known. */
sp_status_t sp_catalogue_add_breakdown(sp_catalogue_t *cat, const char *code, sp_error_t *err);
/* Applies an error range rule to indicator code: its bounds narrow to lower and upper (NULL
 * or "" for none), and a value outside them names the rule in its quarantine reason. */
sp_status_t sp_catalogue_add_range_rule(sp_catalogue_t *cat, const char *rule, const char *code,
                                        const char *lower, const char *upper, sp_error_t *err);

/* Look-ups by name (n bytes, need not be terminated); NULL if unknown. Borrowed.
 * An indicator name resolves first among sender's own mappings, then among the codes and
 * the aliases for every sender. */
const sp_indicator_t *sp_catalogue_indicator(const sp_catalogue_t *cat, const char *sender,
                                             size_t sender_len, const char *name, size_t n);
const sp_unit_t *sp_catalogue_unit(const sp_catalogue_t *cat, const char *name, size_t n);
const sp_region_t *sp_catalogue_region(const sp_catalogue_t *cat, const char *code, size_t n);
/* The catalogue's own copy of breakdown code, or NULL. */
const char *sp_catalogue_breakdown(const sp_catalogue_t *cat, const char *code, size_t n);
/* The canonical unit of a dimension (the unit whose factor is 1), or NULL. */
const sp_unit_t *sp_catalogue_canonical_unit(const sp_catalogue_t *cat, const char *dimension);
/* Counts, for logs. */
int sp_catalogue_count_indicators(const sp_catalogue_t *cat);

/* Builds a catalogue from the seed files in dir (indicators.csv, units.csv, regions.csv,
 * and breakdowns.csv and rules.csv where present, as in schemas/catalogue/), the same way `statpipe
 * migrate` loads them into the database. Everything lives in pool. Errors name the file and line.
 */
sp_status_t sp_catalogue_load_dir(apr_pool_t *pool, const char *dir, sp_catalogue_t **out,
                                  sp_error_t *err);

/* ---- reject reasons (the contract's codes; extend, never rename) --------------------- */

typedef enum {
    SP_REASON_NONE = 0,
    SP_REASON_MALFORMED_JSON,
    SP_REASON_INVALID_UTF8,
    SP_REASON_TOO_LARGE,
    SP_REASON_UNKNOWN_SCHEMA,
    SP_REASON_MISSING_FIELD,
    SP_REASON_BAD_TYPE,
    SP_REASON_UNKNOWN_INDICATOR,
    SP_REASON_UNKNOWN_AREA,
    SP_REASON_BAD_FREQ,
    SP_REASON_BAD_PERIOD,
    SP_REASON_PERIOD_FREQ_MISMATCH,
    SP_REASON_BAD_VALUE,
    SP_REASON_UNKNOWN_UNIT,
    SP_REASON_UNIT_MISMATCH,
    SP_REASON_BAD_STATUS,
    SP_REASON_BAD_RELEASE,
    SP_REASON_OUT_OF_RANGE,
    SP_REASON_DUPLICATE_IN_ENVELOPE,
    SP_REASON_BAD_CODE,          /* extension: calc_basis or action outside its code list */
    SP_REASON_ENVELOPE_CONFLICT, /* extension: an entry's sender, release or schema differs */
    SP_REASON_BAD_BASIS,         /* extension: calc_basis YTD for an indicator that is no flow */
    SP_REASON_UNKNOWN_BREAKDOWN, /* extension: breakdown not in the catalogue */
    SP_REASON__COUNT
} sp_reason_t;

const char *sp_reason_name(sp_reason_t r);
/* The reason whose code is name, or SP_REASON_NONE when name is no reason code. */
sp_reason_t sp_reason_lookup(const char *name);

typedef struct sp_reject {
    sp_reason_t reason;
    char detail[SP_ERROR_DETAIL_MAX];
    char message_id[128]; /* as far as it could be read; "" if not */
    char sender[64];
} sp_reject_t;

/* ---- observations -------------------------------------------------------------------- */

/* One normalised observation. Plain data; the string pointers borrow from the parsed
 * message and are valid only during the sp_obs_cb call that receives them. */
typedef struct sp_obs {
    const char *message_id;
    size_t message_id_len;
    const char *sender;
    size_t sender_len;
    const sp_indicator_t *indicator;
    const char *ref_area;
    size_t ref_area_len;
    char freq;
    bool ytd;              /* calc_basis YTD, else PER */
    const char *breakdown; /* the catalogue's code: SP_BREAKDOWN_TOTAL when the message has none */
    sp_period_t period;
    char period_text[SP_PERIOD_TEXT_MAX];
    bool has_value;              /* false for a missing value (null with status O, M, L, Q or H) */
    char value[SP_DEC_TEXT_MAX]; /* canonical unit, plain decimal */
    const sp_unit_t *unit;       /* canonical unit of the indicator */
    char value_published[SP_DEC_TEXT_MAX]; /* as published, before unit and unit_mult */
    const char *unit_published;
    size_t unit_published_len;
    int unit_mult;
    char obs_status;
    char conf_status;
    int64_t release_us;
    bool delete_action;
    const char *comment; /* NULL if none */
    size_t comment_len;
} sp_obs_t;

/* Receives each observation of a message; return non-OK to stop (the message fails). */
typedef sp_status_t (*sp_obs_cb)(void *opaque, const sp_obs_t *obs, sp_error_t *err);

/* Limits on what a message may be; each one exceeded is quarantined as too_large with a
 * detail naming it. Zero means the default. */
typedef struct sp_transform_limits {
    size_t max_message_bytes;    /* the whole message */
    size_t max_envelope_entries; /* observations in one envelope */
    size_t max_depth;            /* nesting of JSON arrays and objects */
    size_t max_string_bytes;     /* any string field but comment (at most 1,000 characters) */
} sp_transform_limits_t;

#define SP_TRANSFORM_DEFAULT_MAX_MESSAGE_BYTES (1024 * 1024)
#define SP_TRANSFORM_DEFAULT_MAX_ENVELOPE_ENTRIES 10000
#define SP_TRANSFORM_DEFAULT_MAX_DEPTH 16
#define SP_TRANSFORM_DEFAULT_MAX_STRING_BYTES 1024

typedef enum {
    SP_TRANSFORM_OK = 0, /* every observation went to the callback */
    SP_TRANSFORM_REJECT, /* the message is bad: rej says why; quarantine it */
    SP_TRANSFORM_FAILED  /* the callback failed: err says why; nothing is known of the data */
} sp_transform_result_t;

/* A transformer: the catalogue and limits it checks against, and scratch space reused
 * from message to message. */
typedef struct sp_transformer sp_transformer_t;

/* Creates a transformer in pool; limits may be NULL for the defaults. */
sp_transformer_t *sp_transformer_create(apr_pool_t *pool, const sp_catalogue_t *cat,
                                        const sp_transform_limits_t *limits);
/* Swaps the catalogue, between messages. */
void sp_transformer_set_catalogue(sp_transformer_t *tf, const sp_catalogue_t *cat);
void sp_transformer_set_limits(sp_transformer_t *tf, const sp_transform_limits_t *limits);

/* Parses, validates, maps and normalises one message (payload, len bytes): an observation
 * or a release envelope. On success calls cb once per observation. A reject may come after
 * some callbacks (a bad entry late in an envelope): the caller discards what it received
 * then, so that an envelope is loaded whole or not at all. */
/* The reject of a message of len bytes when at most max are allowed (too_large), for a
 * caller that refused it before reading it whole. Returns SP_TRANSFORM_REJECT. */
sp_transform_result_t sp_transform_reject_size(sp_reject_t *rej, size_t len, size_t max);
sp_transform_result_t sp_transform_run(sp_transformer_t *tf, const void *payload, size_t len,
                                       sp_obs_cb cb, void *opaque, sp_reject_t *rej,
                                       sp_error_t *err);

#endif
