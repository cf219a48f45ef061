/* sp_report_data.c: what the report shows, read from the stats views in one snapshot. It
 * reads schema stats only, so that a login with only statpipe_reader can render it. */
#include "sp_report_int.h"

#include <stdlib.h>
#include <string.h>

/* The scorecard: targets in the units the plans state them, with the latest values in the
 * same units; a province's target is named with its province. Rounding here is for display; the
 * views keep exact values. */
#define SCORECARD_COLUMNS                                                                          \
    "SELECT t.indicator,"                                                                          \
    "  i.name_en || CASE WHEN t.ref_area <> 'CN' THEN ' (' || r.name_en || ')' ELSE '' END,"       \
    "  i.name_zh || CASE WHEN t.ref_area <> 'CN' THEN '（' || r.name_zh || '）' ELSE '' END,"    \
    "  t.plan, t.target_year, t.comparator,"                                                       \
    "  trim_scale(t.target_as_stated), t.target_unit_as_stated,"                                   \
    "  trim_scale(round(t.latest_value / (t.target_value / t.target_as_stated), 4)),"              \
    "  coalesce(t.latest_period, ''), trim_scale(round(t.progress * 100, 1)), t.status,"           \
    "  trim_scale(round(t.cagr_needed * 100, 2)),"                                                 \
    "  trim_scale(round(t.projected_value / (t.target_value / t.target_as_stated), 4)),"           \
    "  trim_scale(round(t.target_year_value / (t.target_value / t.target_as_stated), 4)),"         \
    "  trim_scale(round(t.target_year_progress * 100, 1)), t.first_year_met::text,"                \
    "  coalesce(t.source, ''), t.target_year_passed, t.ref_area"
#define SCORECARD_ORDER                                                                            \
    " JOIN stats.indicator i ON i.code = t.indicator JOIN stats.region r ON r.code = t.ref_area"   \
    " ORDER BY t.target_year, t.indicator, t.plan, t.ref_area <> 'CN', t.ref_area"
static const char scorecard_sql[] = SCORECARD_COLUMNS
    " FROM stats.target_progress_asof(coalesce($1::timestamptz, now())) t" SCORECARD_ORDER;
/* A stored evaluation's rows ($1 is its id). */
static const char evaluation_scorecard_sql[] = SCORECARD_COLUMNS
    " FROM (SELECT * FROM stats.evaluation_row WHERE evaluation_id = $1::bigint) t" SCORECARD_ORDER;

/* The stored evaluation the report renders ($1 its id): its as-of time in full, to read the
 * charts at, and what the heading says of it. */
static const char evaluation_sql[] =
    "SELECT as_of::text, to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'),"
    "  year, version, to_char(evaluated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
    "  evaluated_by, coalesce(note, ''), catalogue_version"
    " FROM stats.evaluation WHERE evaluation_id = $1::bigint";

/* National annual values of every indicator with a target, in the target's unit. */
static const char series_sql[] =
    "SELECT tu.indicator, a.year, (a.value / (tu.target_value_canonical / "
    "tu.target_value))::float8,"
    "  a.complete"
    " FROM (SELECT DISTINCT ON (t.indicator) t.indicator, t.target_value, t.target_value_canonical"
    "       FROM stats.target t WHERE t.target_value <> 0"
    "       ORDER BY t.indicator, t.target_year DESC) tu"
    " CROSS JOIN LATERAL stats.annual_values_of(tu.indicator, 'CN', coalesce($1::timestamptz, "
    "now())) a"
    " WHERE a.value IS NOT NULL ORDER BY tu.indicator, a.year";

/* The provinces of the national total (not Hong Kong, Macao, Taiwan) ranked on each
 * indicator's latest year with provincial figures. Without an as-of time ($1 NULL) the
 * kept values of stats.annual_value serve; the other arm is not run. */
static const char ranking_sql[] =
    "WITH a AS (SELECT * FROM stats.annual_value WHERE $1::timestamptz IS NULL"
    "    AND breakdown = '_T'"
    "   UNION ALL SELECT * FROM stats.annual_value_asof($1::timestamptz) WHERE $1 IS NOT NULL"
    "    AND breakdown = '_T'),"
    " p AS (SELECT a.indicator, a.year, a.value, a.unit, r.name_en, r.name_zh"
    "   FROM a JOIN stats.region r ON r.code = a.ref_area AND r.level = 1"
    "    AND r.in_national_total"
    "  WHERE a.value IS NOT NULL),"
    " y AS (SELECT indicator, max(year) AS year FROM p GROUP BY indicator)"
    " SELECT p.indicator, p.year, rank() OVER (PARTITION BY p.indicator ORDER BY p.value DESC),"
    "  p.name_en, p.name_zh, trim_scale(p.value), p.unit"
    " FROM p JOIN y USING (indicator, year) ORDER BY p.indicator, 3, p.name_en";

/* Each composite index's provinces, ranked, in the latest year in which it ranks any. */
static const char index_sql[] =
    "WITH v AS (SELECT * FROM stats.index_value WHERE $1::timestamptz IS NULL"
    "   UNION ALL SELECT * FROM stats.index_value_asof($1::timestamptz) WHERE $1 IS NOT NULL),"
    " y AS (SELECT index, max(year) AS year FROM v WHERE rank IS NOT NULL GROUP BY index)"
    " SELECT v.index, ci.name_en, ci.name_zh, v.year, v.rank, r.name_en, r.name_zh,"
    "  trim_scale(round(v.value, 1)), trim_scale(round(v.coverage * 100, 1)),"
    "  (SELECT string_agg(p.name_en || ' ' || coalesce(trim_scale(round((v.pillars ->> p.pillar)"
    "     ::numeric, 1))::text, '–'), ' · ' ORDER BY p.weight DESC, p.pillar)"
    "     FROM stats.index_pillar p WHERE p.index = v.index),"
    "  (SELECT string_agg(p.name_zh || ' ' || coalesce(trim_scale(round((v.pillars ->> p.pillar)"
    "     ::numeric, 1))::text, '–'), ' · ' ORDER BY p.weight DESC, p.pillar)"
    "     FROM stats.index_pillar p WHERE p.index = v.index),"
    "  v.provinces_ranked"
    " FROM v JOIN y USING (index, year)"
    " JOIN stats.composite_index ci ON ci.code = v.index"
    " JOIN stats.region r ON r.code = v.ref_area"
    " WHERE v.rank IS NOT NULL ORDER BY v.index, v.rank, v.ref_area";

/* Each indicator's urban and rural values in each area's latest year with both. */
static const char urban_sql[] =
    "WITH g AS (SELECT * FROM stats.urban_rural_gap WHERE $1::timestamptz IS NULL"
    "   UNION ALL SELECT * FROM stats.urban_rural_gap_asof($1::timestamptz) WHERE $1 IS NOT NULL),"
    " y AS (SELECT indicator, ref_area, max(year) AS year FROM g GROUP BY indicator, ref_area)"
    " SELECT g.indicator, i.name_en, i.name_zh, g.ref_area, r.name_en, r.name_zh, g.year,"
    "  trim_scale(g.urban), trim_scale(g.rural), trim_scale(g.urban_minus_rural),"
    "  trim_scale(round(g.urban_over_rural, 3)),"
    "  CASE g.unit WHEN 'PCT' THEN '%' ELSE g.unit END, g.complete"
    " FROM g JOIN y USING (indicator, ref_area, year)"
    " JOIN stats.indicator i ON i.code = g.indicator JOIN stats.region r ON r.code = g.ref_area"
    " ORDER BY g.indicator, r.level, g.ref_area";

/* Each indicator's gap between the provinces, in its latest year with two or more. */
static const char gaps_sql[] =
    "WITH g AS (SELECT * FROM stats.regional_gap WHERE $1::timestamptz IS NULL"
    "   UNION ALL SELECT * FROM stats.regional_gap_asof($1::timestamptz) WHERE $1 IS NOT NULL),"
    " y AS (SELECT indicator, max(year) AS year FROM g WHERE provinces >= 2 GROUP BY indicator)"
    " SELECT g.indicator, i.name_en, i.name_zh, g.year, g.provinces || '/' || g.provinces_expected,"
    "  trim_scale(g.min_value) || ' ' || g.unit, lo.name_en, lo.name_zh,"
    "  trim_scale(g.max_value) || ' ' || g.unit, hi.name_en, hi.name_zh,"
    "  trim_scale(round(g.max_min_ratio, 2)), trim_scale(round(g.cv, 3)), g.cv_method,"
    "  trim_scale(round(g.central_to_east, 3)), trim_scale(round(g.west_to_east, 3)),"
    "  trim_scale(round(g.northeast_to_east, 3))"
    " FROM g JOIN y USING (indicator, year)"
    " JOIN stats.indicator i ON i.code = g.indicator"
    " JOIN stats.region lo ON lo.code = g.min_area JOIN stats.region hi ON hi.code = g.max_area"
    " ORDER BY g.indicator";

/* The data-quality counts are the state of the pipeline now, whatever the as-of time; each
 * plausibility warning is a row of its own (kind "warning", count 1). */
static const char quality_sql[] =
    "SELECT 'quarantine' AS kind, sender || ' ' || reason, waiting::text FROM "
    "stats.quarantine_summary"
    " WHERE waiting > 0"
    " UNION ALL SELECT 'stale', 'series without a release for longer than their frequency allows',"
    "  count(*)::text FROM stats.stale_series WHERE stale"
    " UNION ALL SELECT 'missing', 'periods missing inside series (not counting usual gaps)',"
    "  count(*)::text FROM stats.missing_period WHERE NOT usual_gap"
    " UNION ALL (SELECT 'warning', rule_id || ': ' || message, '1'"
    "  FROM stats.validation_result WHERE severity = 'warning'"
    "  ORDER BY indicator, ref_area, time_period, rule_id)";

sp_status_t sp_report_explain(PGconn *conn, const char *role, sp_error_t *err)
{
    const char *state = err->sqlstate;
    err->message[strcspn(err->message, "\n")] = '\0';
    if (strcmp(state, SP_SQLSTATE_INVALID_DATETIME_FORMAT) == 0 ||
        strcmp(state, SP_SQLSTATE_DATETIME_FIELD_OVERFLOW) == 0) {
        err->code = SP_ERR_INVALID;
        sp_error_detail(err, "give a date or a time PostgreSQL reads, e.g. 2021-06-30 or "
                             "2021-06-30T12:00:00+08:00");
    } else if (strcmp(state, SP_SQLSTATE_INVALID_PARAMETER_VALUE) == 0) {
        err->code = SP_ERR_INVALID;
    } else if (strcmp(state, SP_SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0) {
        sp_error_detail(err, "the login needs the role %s: GRANT %s TO %s (as the database owner)",
                        role, role, PQuser(conn));
    } else if (strcmp(state, SP_SQLSTATE_UNDEFINED_TABLE) == 0 ||
               strcmp(state, SP_SQLSTATE_INVALID_SCHEMA_NAME) == 0 ||
               strcmp(state, SP_SQLSTATE_UNDEFINED_FUNCTION) == 0 ||
               strcmp(state, SP_SQLSTATE_UNDEFINED_COLUMN) == 0) {
        sp_error_detail(err, "the stats schema is missing or older than this statpipe: run "
                             "`statpipe migrate` on this database as its owner");
    }
    return err->code;
}

/* Runs sql; with param, its $1 is param (the as-of time, NULL: now; or an evaluation's id). */
static sp_status_t query(PGconn *conn, const char *sql, bool param, const char *value,
                         PGresult **out, sp_error_t *err)
{
    const char *params[1] = {value};
    if (sp_pg_query(conn, sql, param ? 1 : 0, params, "reading the stats views", out, err) == SP_OK)
        return SP_OK;
    return sp_report_explain(conn, "statpipe_reader", err);
}

/* Reads the stored evaluation into d and its full as-of time into as_of. */
static sp_status_t evaluation_load(PGconn *conn, const char *id, sp_report_data_t *d, char *as_of,
                                   size_t as_of_size, sp_error_t *err)
{
    PGresult *res;
    sp_status_t st = query(conn, evaluation_sql, true, id, &res, err);
    if (st != SP_OK)
        return st;
    if (PQntuples(res) == 0) {
        PQclear(res);
        st = sp_error_set(err, SP_ERR_INVALID, "there is no stored evaluation %s", id);
        sp_error_detail(err, "stats.evaluation lists the stored evaluations");
        return st;
    }
    snprintf(as_of, as_of_size, "%s", PQgetvalue(res, 0, 0));
    snprintf(d->evaluation.id, sizeof(d->evaluation.id), "%s", id);
    d->evaluation.year = atoi(PQgetvalue(res, 0, 2));
    d->evaluation.version = atoi(PQgetvalue(res, 0, 3));
    snprintf(d->evaluation.at, sizeof(d->evaluation.at), "%s", PQgetvalue(res, 0, 4));
    snprintf(d->evaluation.by, sizeof(d->evaluation.by), "%s", PQgetvalue(res, 0, 5));
    snprintf(d->evaluation.note, sizeof(d->evaluation.note), "%s", PQgetvalue(res, 0, 6));
    snprintf(d->evaluation.catalogue_version, sizeof(d->evaluation.catalogue_version), "%s",
             PQgetvalue(res, 0, 7));
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_report_data_load(PGconn *conn, const sp_report_opts_t *opts, sp_report_data_t *d,
                                sp_error_t *err)
{
    memset(d, 0, sizeof(*d));
    sp_status_t st;
    /* One snapshot, so every part of the report agrees. */
    if ((st = sp_pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err)) != SP_OK)
        return st;
    char stored_as_of[64];
    const char *as_of = opts->as_of;
    if (opts->evaluation != NULL) {
        if ((st = evaluation_load(conn, opts->evaluation, d, stored_as_of, sizeof(stored_as_of),
                                  err)) != SP_OK) {
            sp_pg_exec(conn, "ROLLBACK", NULL);
            return st;
        }
        as_of = stored_as_of;
    }
    PGresult *res;
    if ((st = query(conn,
                    "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'),"
                    " current_database(), to_char($1::timestamptz AT TIME ZONE 'UTC',"
                    " 'YYYY-MM-DD HH24:MI:SS \"UTC\"')",
                    true, as_of, &res, err)) != SP_OK) {
        /* A time PostgreSQL cannot read is the caller's to fix. */
        if (st == SP_ERR_INVALID)
            snprintf(err->message, sizeof(err->message), "--as-of \"%s\" is not a time", as_of);
        sp_pg_exec(conn, "ROLLBACK", NULL);
        return st;
    }
    snprintf(d->generated, sizeof(d->generated), "%s", PQgetvalue(res, 0, 0));
    snprintf(d->database, sizeof(d->database), "%s", PQgetvalue(res, 0, 1));
    snprintf(d->as_of, sizeof(d->as_of), "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    st = opts->evaluation != NULL
             ? query(conn, evaluation_scorecard_sql, true, opts->evaluation, &d->scorecard, err)
             : query(conn, scorecard_sql, true, as_of, &d->scorecard, err);
    if (st != SP_OK || (st = query(conn, series_sql, true, as_of, &d->series, err)) != SP_OK ||
        (st = query(conn, ranking_sql, true, as_of, &d->ranking, err)) != SP_OK ||
        (st = query(conn, index_sql, true, as_of, &d->index, err)) != SP_OK ||
        (st = query(conn, gaps_sql, true, as_of, &d->gaps, err)) != SP_OK ||
        (st = query(conn, urban_sql, true, as_of, &d->urban, err)) != SP_OK ||
        (st = query(conn, quality_sql, false, NULL, &d->quality, err)) != SP_OK) {
        sp_report_data_free(d);
        sp_pg_exec(conn, "ROLLBACK", NULL);
        return st;
    }
    sp_pg_exec(conn, "COMMIT", NULL);
    return SP_OK;
}

void sp_report_data_free(sp_report_data_t *d)
{
    PQclear(d->scorecard);
    PQclear(d->series);
    PQclear(d->ranking);
    PQclear(d->quality);
    PQclear(d->index);
    PQclear(d->gaps);
    PQclear(d->urban);
    memset(d, 0, sizeof(*d));
}
