/*
 * sp_sdmx_query.c: an SDMX data query (key, periods, updatedAfter, first or last N,
 * includeHistory, as of a time) checked, then run against the stats views with every part
 * as a parameter, its rows handed one at a time to a writer.
 */
#include "sp_sdmx_int.h"
#include "sp_pg.h"

#include <stdlib.h>
#include <string.h>

const char *const sp_sdmx_dim_id[SP_SDMX_N_DIMS] = {"INDICATOR", "REF_AREA",   "FREQ",
                                                    "SENDER",    "CALC_BASIS", "BREAKDOWN"};

/* The first or last day of an SDMX period ("2023", "2023-S1", "2023-Q3", "2023-07",
 * "2023-M07") or of a date ("2023-07-15"), as "YYYY-MM-DD". */
static bool period_bound(const char *s, bool last, char out[16])
{
    size_t n = strlen(s);
    int y, m, d;
    char tail;
    if (n == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 &&
        d >= 1 && d <= 31) {
        int32_t days = sp_days_from_civil(y, m, d);
        int yy, mm, dd;
        sp_civil_from_days(days, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
            return false;
        sp_date_format(days, out);
        return true;
    }
    static const char freqs[] = "ASQM";
    for (int i = 0; i < 4; i++) {
        sp_period_t p;
        bool mismatch = false;
        sp_error_t e;
        if (sp_period_parse(&p, freqs[i], s, n, &mismatch, &e) == SP_OK) {
            sp_date_format(last ? p.end_day : p.start_day, out);
            return true;
        }
    }
    return false;
}

bool sp_sdmx_detail_parse(const char *s, sp_sdmx_detail_t *out)
{
    static const char *const names[] = {"full", "dataonly", "serieskeysonly", "nodata"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (sp_sdmx_detail_t)i;
            return true;
        }
    return false;
}

static int key_parts(const char *key)
{
    int parts = 1;
    for (const char *c = key; *c; c++)
        parts += *c == '.';
    return parts;
}

sp_status_t sp_sdmx_query_check(const sp_sdmx_query_t *q, sp_error_t *err)
{
    char bound[16];
    if (q->key != NULL && strcmp(q->key, "all") != 0 && key_parts(q->key) > SP_SDMX_N_DIMS)
        return sp_error_set(err, SP_ERR_INVALID,
                            "the key \"%s\" has %d parts; the data structure has %d dimensions: "
                            "INDICATOR.REF_AREA.FREQ.SENDER.CALC_BASIS.BREAKDOWN",
                            q->key, key_parts(q->key), SP_SDMX_N_DIMS);
    if (q->start_period != NULL && !period_bound(q->start_period, false, bound))
        return sp_error_set(err, SP_ERR_INVALID,
                            "startPeriod \"%s\" is no SDMX period (2023, 2023-S1, 2023-Q3, "
                            "2023-07) or date (2023-07-15)",
                            q->start_period);
    if (q->end_period != NULL && !period_bound(q->end_period, true, bound))
        return sp_error_set(err, SP_ERR_INVALID,
                            "endPeriod \"%s\" is no SDMX period (2023, 2023-S1, 2023-Q3, "
                            "2023-07) or date (2023-07-15)",
                            q->end_period);
    if (q->first_n < 0 || q->last_n < 0)
        return sp_error_set(err, SP_ERR_INVALID,
                            "firstNObservations and lastNObservations must be positive");
    return SP_OK;
}

/* The observations a reader sees, now or as of $11, with the series key's filters ($1-$6,
 * each "" for any or codes joined by "+"), the period bounds ($7, $8: the periods that fall
 * between them, as the SDMX REST API says), updatedAfter ($12)
 * and the first or last N periods of each series ($9, $10). Latest values: one row per
 * (series, period). */
#define FILTERS                                                                                    \
    " WHERE ($1 = '' OR o.indicator = ANY (string_to_array($1, '+')))"                             \
    "   AND ($2 = '' OR o.ref_area = ANY (string_to_array($2, '+')))"                              \
    "   AND ($3 = '' OR o.freq = ANY (string_to_array($3, '+')))"                                  \
    "   AND ($4 = '' OR o.sender = ANY (string_to_array($4, '+')))"                                \
    "   AND ($5 = '' OR o.calc_basis = ANY (string_to_array($5, '+')))"                            \
    "   AND ($6 = '' OR o.breakdown = ANY (string_to_array($6, '+')))"                             \
    "   AND ($7::date IS NULL OR o.period_start >= $7::date)"                                      \
    "   AND ($8::date IS NULL OR o.period_end <= $8::date)"
#define NTH                                                                                        \
    " dense_rank() OVER (PARTITION BY o.indicator, o.ref_area, o.freq, o.sender, o.calc_basis,"    \
    "                                 o.breakdown ORDER BY o.period_start) AS n_first,"            \
    " dense_rank() OVER (PARTITION BY o.indicator, o.ref_area, o.freq, o.sender, o.calc_basis,"    \
    "                                 o.breakdown ORDER BY o.period_start DESC) AS n_last"
#define UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char latest_sql[] =
    "SELECT x.indicator, x.ref_area, x.freq, x.sender, x.calc_basis, x.breakdown, x.time_period,"
    "  trim_scale(x.value)::text, x.unit, x.obs_status, x.conf_status, NULL::text,"
    "  " UTC(
        "x.release") ", NULL::text, false"
                     " FROM (SELECT o.*," NTH "   FROM (SELECT * FROM stats.observation_latest "
                     "WHERE $11::timestamptz IS NULL"
                     "         UNION ALL SELECT * FROM stats.observation_asof($11::timestamptz)"
                     "          WHERE $11 IS NOT NULL) o" FILTERS
                     "    AND ($12::timestamptz IS NULL OR o.release > $12::timestamptz)) x"
                     " WHERE ($9::int IS NULL OR x.n_first <= $9::int) AND ($10::int IS NULL OR "
                     "x.n_last <= $10::int)"
                     " ORDER BY x.indicator, x.ref_area, x.freq, x.sender, x.calc_basis, "
                     "x.breakdown,"
                     "  x.period_start";

/* Every vintage, with its validity, grouped by validity (one SDMX data set each). */
static const char history_sql[] =
    "SELECT x.indicator, x.ref_area, x.freq, x.sender, x.calc_basis, x.breakdown, x.time_period,"
    "  trim_scale(x.value)::text, x.unit, x.obs_status, x.conf_status, x.comment,"
    "  " UTC("x.valid_from") ", " UTC(
        "x.valid_to") ", x.is_deleted"
                      " FROM (SELECT o.*," NTH "   FROM (SELECT * FROM stats.observation_vintage "
                      "WHERE $11::timestamptz IS NULL"
                      "         UNION ALL SELECT * FROM "
                      "stats.observation_vintage_asof($11::timestamptz)"
                      "          WHERE $11 IS NOT NULL) o" FILTERS
                      "    AND ($12::timestamptz IS NULL OR o.valid_from > $12::timestamptz)) x"
                      " WHERE ($9::int IS NULL OR x.n_first <= $9::int) AND ($10::int IS NULL OR "
                      "x.n_last <= $10::int)"
                      " ORDER BY x.valid_from, x.valid_to NULLS LAST, x.is_deleted, x.indicator, "
                      "x.ref_area,"
                      "  x.freq, x.sender, x.calc_basis, x.breakdown, x.period_start";

/* The distinct values of each component of an answer (the data query within), with the
 * names of coded ones, in the order sp_sdmx_dict_t keeps them. */
static const char dict_head[] = "SELECT u.c, u.v, min(n.name_zh), min(n.name_en) FROM (";
static const char dict_tail[] =
    ") x (indicator, ref_area, freq, sender, calc_basis, breakdown, time_period, value, unit,"
    "     obs_status, conf_status, comment, valid_from, valid_to, is_deleted)"
    " CROSS JOIN LATERAL (VALUES (0, x.indicator, 'CL_INDICATOR'), (1, x.ref_area, 'CL_AREA'),"
    "   (2, x.freq, 'CL_FREQ'), (3, x.sender, 'CL_SENDER'), (4, x.calc_basis, 'CL_CALC_BASIS'),"
    "   (5, x.breakdown, 'CL_BREAKDOWN'), (6, x.time_period, NULL), (7, x.unit, 'CL_UNIT'),"
    "   (8, '0', 'CL_UNIT_MULT'), (9, x.obs_status, 'CL_OBS_STATUS'),"
    "   (10, x.conf_status, 'CL_CONF_STATUS'), (11, x.comment, NULL)) u (c, v, cl)"
    " LEFT JOIN stats.sdmx_code n ON n.codelist = u.cl AND n.code = u.v"
    " WHERE u.v IS NOT NULL GROUP BY u.c, u.v ORDER BY u.c, u.v COLLATE \"C\"";

static sp_status_t read_dict(PGconn *conn, const char *data_sql, const char *const *params,
                             sp_sdmx_dict_t *d, sp_error_t *err)
{
    sp_buf_t sql;
    sp_buf_init(&sql);
    sp_buf_puts(&sql, dict_head);
    sp_buf_puts(&sql, data_sql);
    sp_buf_puts(&sql, dict_tail);
    sp_buf_putc(&sql, '\0');
    PGresult *res;
    sp_status_t st = sp_pg_query(conn, sql.data, 12, params, "reading the SDMX values", &res, err);
    sp_buf_free(&sql);
    if (st != SP_OK)
        return st;
    for (int i = 0; i < PQntuples(res); i++)
        sp_sdmx_dict_add(d, atoi(PQgetvalue(res, i, 0)), PQgetvalue(res, i, 1),
                         PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_sdmx_write_data(PGconn *conn, const sp_sdmx_query_t *q, sp_sdmx_format_t format,
                               FILE *out, long *n_obs, sp_error_t *err)
{
    return sp_sdmx_write_data_max(conn, q, format, 0, out, n_obs, err);
}

/* A query's parameters ($1-$12 of the data statements), with the text they point into. */
typedef struct qparams {
    char keybuf[1024];
    char start[16], end[16], first[24], last[24], as_of[32], after[32];
    char providers[256];
    const char *p[12];
} qparams_t;

static sp_status_t build_params(const sp_sdmx_query_t *q, qparams_t *qp, sp_error_t *err)
{
    if (sp_sdmx_query_check(q, err) != SP_OK)
        return SP_ERR_INVALID;
    /* The key's parts, each "" for any. */
    char *part[SP_SDMX_N_DIMS];
    for (int i = 0; i < SP_SDMX_N_DIMS; i++)
        part[i] = "";
    qp->keybuf[0] = '\0';
    if (q->key != NULL && strcmp(q->key, "all") != 0) {
        if (strlen(q->key) >= sizeof(qp->keybuf))
            return sp_error_set(err, SP_ERR_INVALID, "the key is longer than %zu bytes",
                                sizeof(qp->keybuf) - 1);
        strcpy(qp->keybuf, q->key);
        char *s = qp->keybuf;
        for (int i = 0; i < SP_SDMX_N_DIMS && s != NULL; i++) {
            part[i] = s;
            s = strchr(s, '.');
            if (s != NULL)
                *s++ = '\0';
        }
    }
    for (int i = 0; i < SP_SDMX_N_DIMS; i++)
        qp->p[i] = part[i];
    /* The data providers are senders: the key's senders narrowed to them ("-", no sender's
     * code, when none is left). */
    if (q->provider != NULL) {
        const char *keyed = part[SP_SDMX_SENDER];
        size_t k = 0;
        qp->providers[0] = '\0';
        for (const char *p = q->provider; *p;) {
            size_t n = strcspn(p, "+");
            char one[64];
            snprintf(one, sizeof(one), "%.*s", (int)n, p);
            if (keyed[0] == '\0' || sp_sdmx_in_list(keyed, one))
                k += (size_t)snprintf(qp->providers + k,
                                      k < sizeof(qp->providers) ? sizeof(qp->providers) - k : 0,
                                      "%s%s", k ? "+" : "", one);
            p += n + (p[n] == '+');
        }
        qp->p[SP_SDMX_SENDER] = k > 0 && k < sizeof(qp->providers) ? qp->providers : "-";
    }
    qp->p[6] =
        q->start_period && period_bound(q->start_period, false, qp->start) ? qp->start : NULL;
    qp->p[7] = q->end_period && period_bound(q->end_period, true, qp->end) ? qp->end : NULL;
    snprintf(qp->first, sizeof(qp->first), "%ld", q->first_n);
    snprintf(qp->last, sizeof(qp->last), "%ld", q->last_n);
    qp->p[8] = q->first_n > 0 ? qp->first : NULL;
    qp->p[9] = q->last_n > 0 ? qp->last : NULL;
    /* A time may be given as a period or a date too: its first day, UTC. */
    qp->p[10] = q->as_of && period_bound(q->as_of, false, qp->as_of)
                    ? strcat(qp->as_of, "T00:00:00Z")
                    : q->as_of;
    qp->p[11] = q->updated_after && period_bound(q->updated_after, false, qp->after)
                    ? strcat(qp->after, "T00:00:00Z")
                    : q->updated_after;
    return SP_OK;
}

sp_status_t sp_sdmx_read_values(PGconn *conn, const sp_sdmx_query_t *q, sp_sdmx_dict_t *d,
                                sp_error_t *err)
{
    qparams_t qp;
    if (build_params(q, &qp, err) != SP_OK)
        return err->code;
    return read_dict(conn, q->include_history ? history_sql : latest_sql, qp.p, d, err);
}

sp_status_t sp_sdmx_period_days(const char *period, char first[16], char last[16])
{
    return period_bound(period, false, first) && period_bound(period, true, last) ? SP_OK
                                                                                  : SP_ERR_INVALID;
}

sp_status_t sp_sdmx_write_data_max(PGconn *conn, const sp_sdmx_query_t *q, sp_sdmx_format_t format,
                                   long max, FILE *out, long *n_obs, sp_error_t *err)
{
    if (sp_sdmx_query_check(q, err) != SP_OK)
        return SP_ERR_INVALID;
    qparams_t qp;
    if (build_params(q, &qp, err) != SP_OK)
        return err->code;
    const char *const *params = qp.p;
    const char *sql = q->include_history ? history_sql : latest_sql;
    sp_sdmx_dict_t dict = {0};
    if ((format == SP_SDMX_JSON || format == SP_SDMX_JSON1) &&
        read_dict(conn, sql, params, &dict, err) != SP_OK) {
        sp_sdmx_dict_free(&dict);
        return err->code;
    }
    /* A dimension at the observation: the rows of a series (the other dimensions and the
     * period) together, by the columns' places (1-6 the dimensions, 7 the period, 13-15
     * the validity). */
    char ordered[8192];
    if (q->obs_dim > 0 && q->obs_dim <= SP_SDMX_N_DIMS) {
        int k = snprintf(ordered, sizeof(ordered), "SELECT * FROM (%s) a ORDER BY %s", sql,
                         q->include_history ? "13, 14 NULLS LAST, 15, " : "");
        for (int i = 1; i <= SP_SDMX_N_DIMS; i++)
            if (i != q->obs_dim)
                k += snprintf(ordered + k, sizeof(ordered) - (size_t)k, "%d, ", i);
        snprintf(ordered + k, sizeof(ordered) - (size_t)k, "7, %d", q->obs_dim);
        sql = ordered;
    }
    if (!PQsendQueryParams(conn, sql, 12, NULL, params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(conn)) {
        sp_sdmx_dict_free(&dict);
        return sp_pg_error(conn, NULL, "querying SDMX data", err);
    }
    sp_sdmx_writer_t *w = sp_sdmx_writer_open(format, out, q, &dict);
    sp_status_t st = SP_OK;
    long n = 0;
    PGresult *res;
    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType rs = PQresultStatus(res);
        if (rs == PGRES_SINGLE_TUPLE && max > 0 && n >= max) {
            /* Too large: the rest is read and dropped, the answer refused. */
            if (st == SP_OK)
                st = sp_error_set(err, SP_ERR_RANGE, "the answer has more than %ld observations",
                                  max);
            PQclear(res);
        } else if (rs == PGRES_SINGLE_TUPLE) {
            sp_sdmx_obs_t o;
            for (int i = 0; i < SP_SDMX_N_DIMS; i++)
                o.dim[i] = PQgetvalue(res, 0, i);
            o.time_period = PQgetvalue(res, 0, 6);
            o.value = PQgetisnull(res, 0, 7) ? NULL : PQgetvalue(res, 0, 7);
            o.unit = PQgetvalue(res, 0, 8);
            o.obs_status = PQgetvalue(res, 0, 9);
            o.conf_status = PQgetvalue(res, 0, 10);
            o.comment = PQgetisnull(res, 0, 11) ? NULL : PQgetvalue(res, 0, 11);
            o.valid_from = PQgetvalue(res, 0, 12);
            o.valid_to = PQgetisnull(res, 0, 13) ? NULL : PQgetvalue(res, 0, 13);
            o.deleted = PQgetvalue(res, 0, 14)[0] == 't';
            sp_sdmx_writer_obs(w, &o);
            n++;
            PQclear(res);
        } else if (rs == PGRES_TUPLES_OK) {
            PQclear(res);
        } else if (st == SP_OK) {
            bool bad_time = sp_pg_state_is(res, SP_SQLSTATE_INVALID_DATETIME_FORMAT) ||
                            sp_pg_state_is(res, SP_SQLSTATE_DATETIME_FIELD_OVERFLOW);
            st = sp_pg_error(conn, res, "querying SDMX data", err);
            if (bad_time) /* updatedAfter or the as-of time: the caller's to fix */
                st = sp_error_set(err, SP_ERR_INVALID,
                                  "updatedAfter or asOf is no time (2024-08-01T00:00:00Z), "
                                  "period or date");
        } else {
            PQclear(res);
        }
    }
    sp_sdmx_writer_close(w);
    sp_sdmx_dict_free(&dict);
    if (st == SP_OK && ferror(out))
        st = sp_error_set(err, SP_ERR_IO, "writing the SDMX data failed");
    *n_obs = n;
    return st;
}
