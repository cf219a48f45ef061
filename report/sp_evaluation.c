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
    PGresult *res = PQexecParams(conn,
                                 "SELECT statpipe.evaluate($1::int, coalesce($2::timestamptz, "
                                 "now()), $3)",
                                 3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        /* The caller's to fix: a time PostgreSQL cannot read, a year not ended. */
        bool invalid = sp_pg_state_is(res, SP_SQLSTATE_INVALID_DATETIME_FORMAT) ||
                       sp_pg_state_is(res, SP_SQLSTATE_DATETIME_FIELD_OVERFLOW) ||
                       sp_pg_state_is(res, SP_SQLSTATE_INVALID_PARAMETER_VALUE);
        st = sp_pg_error(conn, res, "storing the evaluation", err);
        sp_pg_exec(conn, "ROLLBACK", NULL);
        if (invalid) {
            err->code = st = SP_ERR_INVALID;
            if (strcmp(err->sqlstate, SP_SQLSTATE_INVALID_PARAMETER_VALUE) != 0)
                sp_error_detail(err, "give a date or a time PostgreSQL reads, e.g. 2022-03-31 "
                                     "or 2022-03-31T12:00:00+08:00");
        } else if (strcmp(err->sqlstate, SP_SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0) {
            sp_error_detail(err,
                            "the login needs the role statpipe_evaluator: GRANT "
                            "statpipe_evaluator TO %s (as the database owner)",
                            PQuser(conn));
        } else if (strcmp(err->sqlstate, SP_SQLSTATE_UNDEFINED_FUNCTION) == 0 ||
                   strcmp(err->sqlstate, SP_SQLSTATE_INVALID_SCHEMA_NAME) == 0) {
            sp_error_detail(err, "the schema is older than this statpipe: run `statpipe "
                                 "migrate` on this database as its owner");
        }
        return st;
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
        return st;
    }
    out->version = atoi(PQgetvalue(res, 0, 0));
    out->targets = atoi(PQgetvalue(res, 0, 1));
    snprintf(out->as_of, sizeof(out->as_of), "%s", PQgetvalue(res, 0, 2));
    snprintf(out->by, sizeof(out->by), "%s", PQgetvalue(res, 0, 3));
    snprintf(out->catalogue_version, sizeof(out->catalogue_version), "%s", PQgetvalue(res, 0, 4));
    PQclear(res);
    return sp_pg_exec(conn, "COMMIT", err);
}
