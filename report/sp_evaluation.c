/* sp_evaluation.c: stores a frozen evaluation (statpipe.evaluate) and says what was stored. */
#include "sp_report_int.h"

#include <stdlib.h>
#include <string.h>

sp_status_t sp_evaluation_store(PGconn *conn, int year, const char *as_of, const char *note,
                                sp_evaluation_t *out, sp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    char year_text[16];
    snprintf(year_text, sizeof(year_text), "%d", year);
    const char *params[3] = {year_text, as_of, note};
    sp_status_t st;
    if ((st = sp_pg_exec(conn, "BEGIN", err)) != SP_OK)
        return st;
    PGresult *res;
    if ((st = sp_pg_query(conn,
                          "SELECT statpipe.evaluate($1::int, coalesce($2::timestamptz, now()), $3)",
                          3, params, "storing the evaluation", &res, err)) != SP_OK) {
        sp_pg_exec(conn, "ROLLBACK", NULL);
        return sp_report_explain(conn, "statpipe_evaluator", err);
    }
    const char *id = PQgetvalue(res, 0, 0);
    snprintf(out->id, sizeof(out->id), "%s", id);
    PQclear(res);
    const char *p[1] = {out->id};
    if ((st = sp_pg_query(conn,
                          "SELECT version, targets, to_char(as_of AT TIME ZONE 'UTC', "
                          "'YYYY-MM-DD HH24:MI:SS \"UTC\"'), evaluated_by, catalogue_version"
                          " FROM stats.evaluation WHERE evaluation_id = $1::bigint",
                          1, p, "reading the stored evaluation", &res, err)) != SP_OK) {
        sp_pg_exec(conn, "ROLLBACK", NULL);
        return sp_report_explain(conn, "statpipe_reader", err);
    }
    out->version = atoi(PQgetvalue(res, 0, 0));
    out->targets = atoi(PQgetvalue(res, 0, 1));
    snprintf(out->as_of, sizeof(out->as_of), "%s", PQgetvalue(res, 0, 2));
    snprintf(out->by, sizeof(out->by), "%s", PQgetvalue(res, 0, 3));
    snprintf(out->catalogue_version, sizeof(out->catalogue_version), "%s", PQgetvalue(res, 0, 4));
    PQclear(res);
    return sp_pg_exec(conn, "COMMIT", err);
}
