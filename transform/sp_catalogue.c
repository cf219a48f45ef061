/*
 * sp_catalogue.c: the indicator system in memory: indicators with aliases, units with
 * exact factors and aliases, regions, breakdowns. Built once (from the database or seed files) and
 * only read on the per-message path, where look-ups are hash probes that never allocate.
 */
#include "sp_transform.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>

struct sp_catalogue {
    apr_pool_t *pool;
    apr_hash_t *indicators; /* code and alias -> sp_indicator_t */
    apr_hash_t *by_sender;  /* SENDER \x1f alias -> sp_indicator_t */
    apr_hash_t *units;      /* code and alias -> sp_unit_t */
    apr_hash_t *regions;    /* code -> sp_region_t */
    apr_hash_t *breakdowns; /* code -> the code, interned */
    apr_hash_t *canonical;  /* dimension -> sp_unit_t with factor 1 */
    int n_indicators;
};

sp_catalogue_t *sp_catalogue_create(apr_pool_t *pool)
{
    sp_catalogue_t *cat = apr_pcalloc(pool, sizeof(*cat));
    cat->pool = pool;
    cat->indicators = apr_hash_make(pool);
    cat->by_sender = apr_hash_make(pool);
    cat->units = apr_hash_make(pool);
    cat->regions = apr_hash_make(pool);
    cat->breakdowns = apr_hash_make(pool);
    /* The total is the contract's default: every catalogue knows it. */
    apr_hash_set(cat->breakdowns, SP_BREAKDOWN_TOTAL, APR_HASH_KEY_STRING, SP_BREAKDOWN_TOTAL);
    cat->canonical = apr_hash_make(pool);
    return cat;
}

static sp_status_t parse_bound(const char *text, bool *has, sp_dec_t *d, const char *what,
                               const char *code, sp_error_t *err)
{
    *has = false;
    if (text == NULL || text[0] == '\0')
        return SP_OK;
    if (sp_dec_parse(d, text, strlen(text), err) != SP_OK)
        return sp_error_set(err, SP_ERR_INVALID, "indicator %s has a bad %s \"%s\"", code, what,
                            text);
    *has = true;
    return SP_OK;
}

sp_status_t sp_catalogue_add_indicator(sp_catalogue_t *cat, const char *code, const char *dimension,
                                       const char *nature, const char *min, const char *max,
                                       sp_error_t *err)
{
    sp_indicator_t *ind = apr_pcalloc(cat->pool, sizeof(*ind));
    ind->code = apr_pstrdup(cat->pool, code);
    ind->dimension = apr_pstrdup(cat->pool, dimension);
    if (strcmp(nature, "STOCK") == 0)
        ind->nature = SP_NATURE_STOCK;
    else if (strcmp(nature, "FLOW") == 0)
        ind->nature = SP_NATURE_FLOW;
    else if (strcmp(nature, "RATIO") == 0)
        ind->nature = SP_NATURE_RATIO;
    else
        return sp_error_set(err, SP_ERR_INVALID, "indicator %s has unknown nature \"%s\"", code,
                            nature);
    if (parse_bound(min, &ind->has_min, &ind->min, "min_value", code, err) != SP_OK ||
        parse_bound(max, &ind->has_max, &ind->max, "max_value", code, err) != SP_OK)
        return err ? err->code : SP_ERR_INVALID;
    if (apr_hash_get(cat->indicators, code, APR_HASH_KEY_STRING) == NULL)
        cat->n_indicators++;
    apr_hash_set(cat->indicators, ind->code, APR_HASH_KEY_STRING, ind);
    return SP_OK;
}

sp_status_t sp_catalogue_add_range_rule(sp_catalogue_t *cat, const char *rule, const char *code,
                                        const char *lower, const char *upper, sp_error_t *err)
{
    sp_indicator_t *ind = apr_hash_get(cat->indicators, code, APR_HASH_KEY_STRING);
    if (ind == NULL)
        return sp_error_set(err, SP_ERR_NOTFOUND, "rule %s names unknown indicator %s", rule, code);
    bool has_lo, has_hi;
    sp_dec_t lo, hi;
    if (parse_bound(lower, &has_lo, &lo, "lower bound", code, err) != SP_OK ||
        parse_bound(upper, &has_hi, &hi, "upper bound", code, err) != SP_OK)
        return err ? err->code : SP_ERR_INVALID;
    const char *name = apr_pstrdup(cat->pool, rule);
    if (has_lo && (!ind->has_min || sp_dec_cmp(&lo, &ind->min) > 0)) {
        ind->has_min = true;
        ind->min = lo;
        ind->min_rule = name;
    }
    if (has_hi && (!ind->has_max || sp_dec_cmp(&hi, &ind->max) < 0)) {
        ind->has_max = true;
        ind->max = hi;
        ind->max_rule = name;
    }
    return SP_OK;
}

/* Sender-specific mappings are keyed "SENDER\x1fALIAS"; the separator cannot appear in
 * either (it is a control character, which no code or published name contains). */
#define SENDER_SEP '\x1f'
#define SENDER_KEY_MAX 512

static size_t sender_key(char *out, const char *sender, size_t sn, const char *name, size_t n)
{
    if (sn + n + 1 > SENDER_KEY_MAX)
        return 0;
    memcpy(out, sender, sn);
    out[sn] = SENDER_SEP;
    memcpy(out + sn + 1, name, n);
    return sn + n + 1;
}

sp_status_t sp_catalogue_add_indicator_alias(sp_catalogue_t *cat, const char *alias,
                                             const char *sender, const char *code, sp_error_t *err)
{
    sp_indicator_t *ind = apr_hash_get(cat->indicators, code, APR_HASH_KEY_STRING);
    if (ind == NULL)
        return sp_error_set(err, SP_ERR_NOTFOUND, "alias \"%s\" names unknown indicator %s", alias,
                            code);
    if (sender != NULL && sender[0] != '\0') {
        char key[SENDER_KEY_MAX];
        size_t k = sender_key(key, sender, strlen(sender), alias, strlen(alias));
        if (k == 0)
            return sp_error_set(err, SP_ERR_RANGE, "alias \"%s\" of sender %s is too long", alias,
                                sender);
        apr_hash_set(cat->by_sender, apr_pmemdup(cat->pool, key, k), (apr_ssize_t)k, ind);
        return SP_OK;
    }
    sp_indicator_t *other = apr_hash_get(cat->indicators, alias, APR_HASH_KEY_STRING);
    if (other != NULL && other != ind)
        return sp_error_set(err, SP_ERR_INVALID, "alias \"%s\" of %s is already taken by %s", alias,
                            code, other->code);
    apr_hash_set(cat->indicators, apr_pstrdup(cat->pool, alias), APR_HASH_KEY_STRING, ind);
    return SP_OK;
}

sp_status_t sp_catalogue_add_unit(sp_catalogue_t *cat, const char *code, const char *dimension,
                                  const char *factor, sp_error_t *err)
{
    sp_unit_t *u = apr_pcalloc(cat->pool, sizeof(*u));
    u->code = apr_pstrdup(cat->pool, code);
    u->dimension = apr_pstrdup(cat->pool, dimension);
    if (sp_dec_parse(&u->factor, factor, strlen(factor), err) != SP_OK || u->factor.neg ||
        sp_dec_is_zero(&u->factor))
        return sp_error_set(err, SP_ERR_INVALID, "unit %s has a bad factor \"%s\"", code, factor);
    apr_hash_set(cat->units, u->code, APR_HASH_KEY_STRING, u);
    if (u->factor.ndig == 1 && u->factor.dig[0] == 1 && u->factor.exp == 0)
        apr_hash_set(cat->canonical, u->dimension, APR_HASH_KEY_STRING, u);
    return SP_OK;
}

sp_status_t sp_catalogue_add_unit_alias(sp_catalogue_t *cat, const char *alias, const char *code,
                                        sp_error_t *err)
{
    sp_unit_t *u = apr_hash_get(cat->units, code, APR_HASH_KEY_STRING);
    if (u == NULL)
        return sp_error_set(err, SP_ERR_NOTFOUND, "alias \"%s\" names unknown unit %s", alias,
                            code);
    sp_unit_t *other = apr_hash_get(cat->units, alias, APR_HASH_KEY_STRING);
    if (other != NULL && other != u)
        return sp_error_set(err, SP_ERR_INVALID, "unit alias \"%s\" of %s is already taken by %s",
                            alias, code, other->code);
    apr_hash_set(cat->units, apr_pstrdup(cat->pool, alias), APR_HASH_KEY_STRING, u);
    return SP_OK;
}

sp_status_t sp_catalogue_add_region(sp_catalogue_t *cat, const char *code, sp_error_t *err)
{
    (void)err;
    sp_region_t *r = apr_pcalloc(cat->pool, sizeof(*r));
    r->code = apr_pstrdup(cat->pool, code);
    apr_hash_set(cat->regions, r->code, APR_HASH_KEY_STRING, r);
    return SP_OK;
}

sp_status_t sp_catalogue_add_breakdown(sp_catalogue_t *cat, const char *code, sp_error_t *err)
{
    (void)err;
    const char *c = apr_pstrdup(cat->pool, code);
    apr_hash_set(cat->breakdowns, c, APR_HASH_KEY_STRING, c);
    return SP_OK;
}

const sp_indicator_t *sp_catalogue_indicator(const sp_catalogue_t *cat, const char *sender,
                                             size_t sender_len, const char *name, size_t n)
{
    if (sender != NULL && apr_hash_count(cat->by_sender) > 0) {
        char key[SENDER_KEY_MAX];
        size_t k = sender_key(key, sender, sender_len, name, n);
        const sp_indicator_t *ind = k ? apr_hash_get(cat->by_sender, key, (apr_ssize_t)k) : NULL;
        if (ind != NULL)
            return ind;
    }
    return apr_hash_get(cat->indicators, name, (apr_ssize_t)n);
}

const sp_unit_t *sp_catalogue_unit(const sp_catalogue_t *cat, const char *name, size_t n)
{
    return apr_hash_get(cat->units, name, (apr_ssize_t)n);
}

const sp_region_t *sp_catalogue_region(const sp_catalogue_t *cat, const char *code, size_t n)
{
    return apr_hash_get(cat->regions, code, (apr_ssize_t)n);
}

const char *sp_catalogue_breakdown(const sp_catalogue_t *cat, const char *code, size_t n)
{
    return apr_hash_get(cat->breakdowns, code, (apr_ssize_t)n);
}

const sp_unit_t *sp_catalogue_canonical_unit(const sp_catalogue_t *cat, const char *dimension)
{
    return apr_hash_get(cat->canonical, dimension, APR_HASH_KEY_STRING);
}

int sp_catalogue_count_indicators(const sp_catalogue_t *cat)
{
    return cat->n_indicators;
}
