/* sp_validate.c: the plausibility findings (stats.validation_result) as text, or as JSON in
 * the ESS validation report structure: an array of validation events, each with its id,
 * event (time, actor, agent, trigger), rule (id, language, expression, severity,
 * description), data (source dataset, target observation key, what was measured and
 * expected) and value "0" (the rule does not hold). */
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
    V_BOUND,
    V_MESSAGE,
    V_NOTE,
    V_NOW
};

static const char results_sql[] =
    "SELECT v.rule_id, v.kind, v.severity, v.sender, v.indicator, v.ref_area, v.freq,"
    "  v.time_period, to_char(v.release AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "  trim_scale(round(v.measured, 6))::text, v.bound, v.message, r.note,"
    "  to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM stats.validation_result v JOIN stats.rule r USING (rule_id)"
    " ORDER BY v.severity DESC, v.indicator, v.ref_area, v.time_period, v.rule_id, v.sender";

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

static void write_json(const PGresult *r, FILE *out, const char *agent)
{
    json_t *events = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        /* The observation key in SDMX order: sender, indicator, area, frequency, period. */
        char target[512], expression[512], id[640];
        snprintf(target, sizeof(target), "%s.%s.%s.%s.%s",
                 v(r, i, V_SENDER) ? v(r, i, V_SENDER) : "*", v(r, i, V_INDICATOR), v(r, i, V_AREA),
                 v(r, i, V_FREQ), v(r, i, V_PERIOD));
        snprintf(expression, sizeof(expression), "%s(%s) %s", v(r, i, V_KIND), v(r, i, V_INDICATOR),
                 v(r, i, V_BOUND));
        snprintf(id, sizeof(id), "%s:%s", v(r, i, V_RULE), target);
        bool info = strcmp(v(r, i, V_SEVERITY), "info") == 0;
        json_t *key = json_pack("{s:s?,s:s,s:s,s:s,s:s}", "SENDER", v(r, i, V_SENDER), "INDICATOR",
                                v(r, i, V_INDICATOR), "REF_AREA", v(r, i, V_AREA), "FREQ",
                                v(r, i, V_FREQ), "TIME_PERIOD", v(r, i, V_PERIOD));
        json_array_append_new(
            events,
            json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s?},"
                      "s:{s:[s],s:[s],s:o,s:s?,s:s?,s:s,s:s},s:s}",
                      "id", id, "type", "validation", "event", "time", v(r, i, V_NOW), "actor",
                      "statpipe", "agent", agent, "trigger", "statpipe validate", "rule", "id",
                      v(r, i, V_RULE), "language", "statpipe rules.csv", "expression", expression,
                      "severity", info ? "information" : "warning", "description", v(r, i, V_NOTE),
                      "data", "source", "stats.period_value", "target", target, "observation_key",
                      key, "release", v(r, i, V_RELEASE), "measured", v(r, i, V_MEASURED),
                      "expected", v(r, i, V_BOUND), "description", v(r, i, V_MESSAGE), "value",
                      "0"));
    }
    json_dumpf(events, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(events);
}

sp_status_t sp_validate_render(PGconn *conn, bool json, FILE *out, int *warnings, sp_error_t *err)
{
    PGresult *r;
    sp_status_t st =
        sp_pg_query(conn, results_sql, 0, NULL, "reading stats.validation_result", &r, err);
    if (st != SP_OK)
        return sp_report_explain(conn, "statpipe_reader", err);
    int w = 0, n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        if (strcmp(v(r, i, V_SEVERITY), "warning") == 0)
            w++;
        else
            n++;
    }
    char agent[256];
    snprintf(agent, sizeof(agent), "%s@%s", PQuser(conn), PQdb(conn));
    if (json)
        write_json(r, out, agent);
    else
        write_text(r, out, w, n);
    PQclear(r);
    *warnings = w;
    if (fflush(out) != 0 || ferror(out))
        return sp_error_set(err, SP_ERR_IO, "could not write the results");
    return SP_OK;
}
