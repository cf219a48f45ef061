/* sp_pg.c: small libpq helpers shared by the load stage: errors, statements, COPY. */
#include "sp_load_int.h"

#include <string.h>

sp_status_t sp_pg_error(PGconn *conn, PGresult *res, const char *what, sp_error_t *err)
{
    bool lost = PQstatus(conn) == CONNECTION_BAD;
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(conn);
    char text[SP_ERROR_MSG_MAX];
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (n >= sizeof(text))
        n = sizeof(text) - 1;
    memcpy(text, msg, n);
    text[n] = '\0';
    sp_status_t code = lost ? SP_ERR_CONN : SP_ERR_SERVER;
    sp_error_set(err, code, "%s failed: %s", what, text);
    if (res != NULL) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        if (state || detail)
            sp_error_detail(err, "sqlstate=%s %s", state ? state : "", detail ? detail : "");
        /* Serialisation failures, deadlocks and admin shutdowns are worth retrying. */
        if (state &&
            (strncmp(state, "40", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
             strncmp(state, "08", 2) == 0) &&
            err != NULL)
            err->retriable = true;
        PQclear(res);
    }
    return code;
}

sp_status_t sp_pg_exec(PGconn *conn, const char *sql, sp_error_t *err)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return sp_pg_error(conn, res, "statement", err);
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_pg_copy_in(PGconn *conn, const char *sql, const char *data, size_t len,
                          sp_error_t *err)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN)
        return sp_pg_error(conn, res, "COPY", err);
    PQclear(res);
    /* libpq buffers internally; hand it the batch in large slices. */
    const size_t slice = 1 << 20;
    for (size_t off = 0; off < len; off += slice) {
        size_t n = len - off < slice ? len - off : slice;
        if (PQputCopyData(conn, data + off, (int)n) != 1) {
            PQputCopyEnd(conn, "send failed");
            while ((res = PQgetResult(conn)) != NULL)
                PQclear(res);
            return sp_error_set(err, SP_ERR_CONN, "COPY failed: %s", PQerrorMessage(conn));
        }
    }
    if (PQputCopyEnd(conn, NULL) != 1)
        return sp_error_set(err, SP_ERR_CONN, "COPY failed: %s", PQerrorMessage(conn));
    sp_status_t st = SP_OK;
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && st == SP_OK)
            st = sp_pg_error(conn, res, "COPY", err);
        else
            PQclear(res);
    }
    return st;
}
