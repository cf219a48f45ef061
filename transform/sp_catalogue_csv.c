/*
 * sp_catalogue_csv.c: the catalogue from its seed files (the CSV files of schemas/catalogue), for
 * `statpipe check --catalogue DIR` and tests that need no database. It reads the files the
 * way schemas/catalogue/load.sql moves them into the database: codes, then the aliases of
 * the `aliases` column split on '|', then each indicator's Chinese name as an alias.
 */
#include "sp_transform.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_COLS 32

typedef struct csv_state {
    apr_pool_t *pool;
    const char *path;
    char *fields[MAX_COLS];
    int nfields;
    int header_cols;
    char *header[MAX_COLS];
    long row; /* 1 = header */
    /* receives each data row; returns non-OK to stop */
    sp_status_t (*row_cb)(struct csv_state *st, sp_error_t *err);
    void *opaque;
    sp_status_t status;
    sp_error_t *err;
} csv_state_t;

static void on_field(void *data, size_t len, void *opaque)
{
    csv_state_t *st = opaque;
    if (st->nfields < MAX_COLS)
        st->fields[st->nfields] = apr_pstrmemdup(st->pool, data ? data : "", len);
    st->nfields++;
}

static void on_row(int c, void *opaque)
{
    (void)c;
    csv_state_t *st = opaque;
    st->row++;
    if (st->status == SP_OK) {
        if (st->row == 1) {
            st->header_cols = st->nfields < MAX_COLS ? st->nfields : MAX_COLS;
            memcpy(st->header, st->fields, sizeof(char *) * (size_t)st->header_cols);
        } else if (st->nfields != st->header_cols) {
            st->status =
                sp_error_set(st->err, SP_ERR_INVALID, "%s:%ld: %d fields, the header has %d",
                             st->path, st->row, st->nfields, st->header_cols);
        } else {
            st->status = st->row_cb(st, st->err);
        }
    }
    st->nfields = 0;
}

/* The value of column name in the current row, or NULL if there is no such column. */
static const char *col(const csv_state_t *st, const char *name)
{
    for (int i = 0; i < st->header_cols; i++)
        if (strcmp(st->header[i], name) == 0)
            return st->fields[i];
    return NULL;
}

static sp_status_t need(const csv_state_t *st, const char *name, const char **out, sp_error_t *err)
{
    *out = col(st, name);
    if (*out == NULL)
        return sp_error_set(err, SP_ERR_INVALID, "%s: no column \"%s\"", st->path, name);
    return SP_OK;
}

static sp_status_t read_csv(apr_pool_t *pool, const char *dir, const char *file,
                            sp_status_t (*row_cb)(csv_state_t *, sp_error_t *), void *opaque,
                            sp_error_t *err)
{
    csv_state_t st = {.pool = pool, .row_cb = row_cb, .opaque = opaque, .err = err};
    st.path = apr_pstrcat(pool, dir, "/", file, NULL);
    FILE *f = fopen(st.path, "rb");
    if (f == NULL)
        return sp_error_set(err, SP_ERR_IO, "could not open \"%s\": %s", st.path, strerror(errno));
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_APPEND_NULL);
    char buf[8192];
    size_t n;
    while (st.status == SP_OK && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, &st) != n && st.status == SP_OK)
            st.status = sp_error_set(err, SP_ERR_INVALID, "%s:%ld: %s", st.path, st.row + 1,
                                     csv_strerror(csv_error(&p)));
    if (st.status == SP_OK)
        csv_fini(&p, on_field, on_row, &st);
    csv_free(&p);
    fclose(f);
    return st.status;
}

static sp_status_t split_aliases(const char *list,
                                 sp_status_t (*add)(void *, const char *, sp_error_t *), void *ctx,
                                 apr_pool_t *pool, sp_error_t *err)
{
    char *copy = apr_pstrdup(pool, list ? list : ""), *save = NULL;
    for (char *a = apr_strtok(copy, "|", &save); a != NULL; a = apr_strtok(NULL, "|", &save))
        if (a[0] != '\0') {
            sp_status_t s = add(ctx, a, err);
            if (s != SP_OK)
                return s;
        }
    return SP_OK;
}

typedef struct alias_ctx {
    sp_catalogue_t *cat;
    const char *code;
} alias_ctx_t;

static sp_status_t add_unit_alias(void *opaque, const char *alias, sp_error_t *err)
{
    alias_ctx_t *a = opaque;
    if (strcmp(alias, a->code) == 0)
        return SP_OK;
    return sp_catalogue_add_unit_alias(a->cat, alias, a->code, err);
}

static sp_status_t add_ind_alias(void *opaque, const char *alias, sp_error_t *err)
{
    alias_ctx_t *a = opaque;
    if (strcmp(alias, a->code) == 0)
        return SP_OK;
    return sp_catalogue_add_indicator_alias(a->cat, alias, NULL, a->code, err);
}

static sp_status_t unit_row(csv_state_t *st, sp_error_t *err)
{
    const char *code, *dim, *factor;
    if (need(st, "code", &code, err) || need(st, "dimension", &dim, err) ||
        need(st, "factor", &factor, err))
        return SP_ERR_INVALID;
    return sp_catalogue_add_unit(st->opaque, code, dim, factor, err);
}

static sp_status_t unit_alias_row(csv_state_t *st, sp_error_t *err)
{
    alias_ctx_t a = {st->opaque, col(st, "code")};
    return split_aliases(col(st, "aliases"), add_unit_alias, &a, st->pool, err);
}

static sp_status_t indicator_row(csv_state_t *st, sp_error_t *err)
{
    const char *code, *dim, *nature;
    if (need(st, "code", &code, err) || need(st, "dimension", &dim, err) ||
        need(st, "nature", &nature, err))
        return SP_ERR_INVALID;
    return sp_catalogue_add_indicator(st->opaque, code, dim, nature, col(st, "min_value"),
                                      col(st, "max_value"), err);
}

static sp_status_t indicator_alias_row(csv_state_t *st, sp_error_t *err)
{
    alias_ctx_t a = {st->opaque, col(st, "code")};
    const char *zh = col(st, "name_zh");
    sp_status_t s = split_aliases(col(st, "aliases"), add_ind_alias, &a, st->pool, err);
    if (s == SP_OK && zh != NULL && zh[0] != '\0')
        s = add_ind_alias(&a, zh, err);
    return s;
}

static sp_status_t region_row(csv_state_t *st, sp_error_t *err)
{
    const char *code;
    if (need(st, "code", &code, err))
        return SP_ERR_INVALID;
    return sp_catalogue_add_region(st->opaque, code, err);
}

static sp_status_t breakdown_row(csv_state_t *st, sp_error_t *err)
{
    const char *code;
    if (need(st, "code", &code, err))
        return SP_ERR_INVALID;
    return sp_catalogue_add_breakdown(st->opaque, code, err);
}

/* rules.csv: the error ranges, which the transform checks on each message. */
static sp_status_t rule_row(csv_state_t *st, sp_error_t *err)
{
    const char *rule, *kind, *severity, *indicator;
    if (need(st, "rule", &rule, err) || need(st, "kind", &kind, err) ||
        need(st, "severity", &severity, err) || need(st, "indicator", &indicator, err))
        return SP_ERR_INVALID;
    if (strcmp(kind, "range") != 0 || strcmp(severity, "error") != 0)
        return SP_OK;
    return sp_catalogue_add_range_rule(st->opaque, rule, indicator, col(st, "lower"),
                                       col(st, "upper"), err);
}

sp_status_t sp_catalogue_load_dir(apr_pool_t *pool, const char *dir, sp_catalogue_t **out,
                                  sp_error_t *err)
{
    sp_catalogue_t *cat = sp_catalogue_create(pool);
    apr_pool_t *tmp;
    apr_pool_create(&tmp, pool);
    /* Units before their aliases and indicators before theirs, as load.sql does. */
    sp_status_t s;
    if ((s = read_csv(tmp, dir, "units.csv", unit_row, cat, err)) == SP_OK &&
        (s = read_csv(tmp, dir, "units.csv", unit_alias_row, cat, err)) == SP_OK &&
        (s = read_csv(tmp, dir, "indicators.csv", indicator_row, cat, err)) == SP_OK &&
        (s = read_csv(tmp, dir, "indicators.csv", indicator_alias_row, cat, err)) == SP_OK &&
        (s = read_csv(tmp, dir, "regions.csv", region_row, cat, err)) == SP_OK) {
        /* breakdowns.csv and rules.csv are optional: a catalogue may have only the total
         * and no rules. */
        apr_finfo_t fi;
        if (apr_stat(&fi, apr_pstrcat(tmp, dir, "/breakdowns.csv", NULL), APR_FINFO_TYPE, tmp) ==
            APR_SUCCESS)
            s = read_csv(tmp, dir, "breakdowns.csv", breakdown_row, cat, err);
        if (s == SP_OK && apr_stat(&fi, apr_pstrcat(tmp, dir, "/rules.csv", NULL), APR_FINFO_TYPE,
                                   tmp) == APR_SUCCESS)
            s = read_csv(tmp, dir, "rules.csv", rule_row, cat, err);
        if (s == SP_OK)
            *out = cat;
    }
    apr_pool_destroy(tmp);
    return s;
}
