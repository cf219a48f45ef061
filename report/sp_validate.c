/* sp_validate.c: the plausibility findings (stats.validation_result) as text, or as JSON
 * shaped after the ESS validation report: each result names its rule, severity, dataset and
 * observation key, what was measured and what was expected. */
#include "sp_report_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum {
    V_RULE,
    V_KIND,
    V_SEVERITY,
    V_SENDER,
    V_INDICATOR,
    V_AREA,
    V_FREQ,
    V_PERIOD,
    V_RELEASE,
    V_MEASURED,
    V_EXPECTED,
    V_MESSAGE
};

static const char results_sql[] =
    "SELECT rule_id, kind, severity, sender, indicator, ref_area, freq, time_period,"
    "  to_char(release AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "  trim_scale(round(measured, 6))::text, expected, message"
    " FROM stats.validation_result"
    " ORDER BY severity DESC, indicator, ref_area, time_period, rule_id, sender";

static const char *v(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
}

static void write_text(const PGresult *r, FILE *out, int warnings, int infos)
{
    for (int i = 0; i < PQntuples(r); i++)
        fprintf(out, "%-8s %-26s %s\n", v(r, i, V_SEVERITY), v(r, i, V_RULE), v(r, i, V_MESSAGE));
    fprintf(out, "%d warning%s, %d info%s\n", warnings, warnings == 1 ? "" : "s", infos,
            infos == 1 ? "" : "s");
}

static void write_json(const PGresult *r, FILE *out, const char *database, int warnings, int infos)
{
    json_t *results = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *key = json_pack("{s:s?,s:s,s:s,s:s,s:s}", "SENDER", v(r, i, V_SENDER), "INDICATOR",
                                v(r, i, V_INDICATOR), "REF_AREA", v(r, i, V_AREA), "FREQ",
                                v(r, i, V_FREQ), "TIME_PERIOD", v(r, i, V_PERIOD));
        json_array_append_new(results,
                              json_pack("{s:s,s:s,s:s,s:s,s:o,s:s?,s:s?,s:s,s:s}", "rule_id",
                                        v(r, i, V_RULE), "rule_kind", v(r, i, V_KIND), "severity",
                                        v(r, i, V_SEVERITY), "dataset", "stats.period_value",
                                        "observation_key", key, "release", v(r, i, V_RELEASE),
                                        "measured", v(r, i, V_MEASURED), "expected",
                                        v(r, i, V_EXPECTED), "message", v(r, i, V_MESSAGE)));
    }
    json_t *root = json_pack("{s:{s:s,s:s,s:{s:i,s:i},s:o}}", "validation_report", "database",
                             database, "rules", "stats.rule", "summary", "warning", warnings,
                             "info", infos, "results", results);
    json_dumpf(root, out, JSON_INDENT(2));
    fputc('\n', out);
    json_decref(root);
}

sp_status_t sp_validate_render(PGconn *conn, bool json, FILE *out, int *warnings, sp_error_t *err)
{
    PGresult *r;
    sp_status_t st =
        sp_pg_query(conn, results_sql, 0, NULL, "reading stats.validation_result", &r, err);
    if (st != SP_OK) {
        err->message[strcspn(err->message, "\n")] = '\0';
        if (strcmp(err->sqlstate, SP_SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0)
            sp_error_detail(err,
                            "the login needs the role statpipe_reader: GRANT "
                            "statpipe_reader TO %s (as the database owner)",
                            PQuser(conn));
        else if (strcmp(err->sqlstate, SP_SQLSTATE_UNDEFINED_TABLE) == 0)
            sp_error_detail(err, "the stats schema is older than this statpipe: run `statpipe "
                                 "migrate` on this database as its owner");
        return st;
    }
    int w = 0, n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        if (strcmp(v(r, i, V_SEVERITY), "warning") == 0)
            w++;
        else
            n++;
    }
    if (json)
        write_json(r, out, PQdb(conn), w, n);
    else
        write_text(r, out, w, n);
    PQclear(r);
    *warnings = w;
    if (fflush(out) != 0 || ferror(out))
        return sp_error_set(err, SP_ERR_IO, "could not write the results");
    return SP_OK;
}
