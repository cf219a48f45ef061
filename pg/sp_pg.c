/* sp_pg.c: the libpq helpers shared by load and report: connecting, errors, statements,
 * COPY. */
#include "sp_pg.h"

#include <stdio.h>
#include <string.h>

sp_status_t sp_pg_conninfo_check(const char *conninfo, sp_error_t *err)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo != NULL ? conninfo : "", &msg);
    if (opts == NULL) {
        size_t n = msg != NULL ? strlen(msg) : 0;
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            n--;
        sp_error_set(err, SP_ERR_INVALID, "the PostgreSQL connection string is not valid: %.*s",
                     (int)n, msg != NULL ? msg : "");
        sp_error_detail(err, "see \"Connection Strings\" in the libpq documentation");
        PQfreemem(msg);
        return SP_ERR_INVALID;
    }
    PQconninfoFree(opts);
    return SP_OK;
}

/* Copies msg into text (cap bytes) without its trailing newlines and spaces. */
static void trim_copy(char *text, size_t cap, const char *msg)
{
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(text, msg, n);
    text[n] = '\0';
}

sp_status_t sp_pg_connect(const char *conninfo, PGconn **out, sp_error_t *err)
{
    *out = NULL;
    if (sp_pg_conninfo_check(conninfo, err) != SP_OK)
        return SP_ERR_INVALID;
    PGconn *conn = PQconnectdb(conninfo != NULL ? conninfo : "");
    if (PQstatus(conn) != CONNECTION_OK) {
        char text[SP_ERROR_MSG_MAX];
        trim_copy(text, sizeof(text), PQerrorMessage(conn));
        sp_error_set(err, SP_ERR_CONN, "could not connect to PostgreSQL: %s", text);
        PQfinish(conn);
        return SP_ERR_CONN;
    }
    *out = conn;
    return SP_OK;
}

void sp_pg_close(PGconn *conn)
{
    if (conn != NULL)
        PQfinish(conn);
}

bool sp_pg_state_is(const PGresult *res, const char *state)
{
    const char *s = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s != NULL && strcmp(s, state) == 0;
}

sp_status_t sp_pg_query(PGconn *conn, const char *sql, int n, const char *const *params,
                        const char *what, PGresult **out, sp_error_t *err)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        *out = NULL;
        return sp_pg_error(conn, res, what, err);
    }
    *out = res;
    return SP_OK;
}

sp_status_t sp_pg_error(PGconn *conn, PGresult *res, const char *what, sp_error_t *err)
{
    bool lost = PQstatus(conn) == CONNECTION_BAD;
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(conn);
    char text[SP_ERROR_MSG_MAX];
    trim_copy(text, sizeof(text), msg);
    sp_status_t code = lost ? SP_ERR_CONN : SP_ERR_SERVER;
    sp_error_set(err, code, "%s failed: %s", what, text);
    if (res != NULL) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        if (state || detail)
            sp_error_detail(err, "sqlstate=%s %s", state ? state : "", detail ? detail : "");
        if (state != NULL && err != NULL)
            snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
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

/* Server notices (a NOTICE or WARNING raised by SQL) become log lines. */
static void notice_sink(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        n--;
    sp_log(SP_LOG_NOTICE, "pg_notice", "message=%s", SP_LOG_QN(message, (int)n));
}

void sp_pg_log_notices(PGconn *conn)
{
    PQsetNoticeProcessor(conn, notice_sink, NULL);
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

sp_status_t sp_pg_copy_in_parts(PGconn *conn, const char *sql, const sp_pg_part_t *parts,
                                int n_parts, PGresult **out, sp_error_t *err)
{
    *out = NULL;
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        if (PQstatus(conn) != CONNECTION_OK || res == NULL)
            return sp_pg_error(conn, res, "COPY", err);
        *out = res;
        return SP_OK;
    }
    PQclear(res);
    /* libpq buffers internally; hand it the batch in large slices. */
    const size_t slice = 1 << 20;
    for (int p = 0; p < n_parts; p++) {
        const char *data = parts[p].data;
        size_t len = parts[p].len;
        for (size_t off = 0; off < len; off += slice) {
            size_t n = len - off < slice ? len - off : slice;
            if (PQputCopyData(conn, data + off, (int)n) != 1) {
                PQputCopyEnd(conn, "send failed");
                while ((res = PQgetResult(conn)) != NULL)
                    PQclear(res);
                return sp_error_set(err, SP_ERR_CONN, "COPY failed: %s", PQerrorMessage(conn));
            }
        }
    }
    if (PQputCopyEnd(conn, NULL) != 1)
        return sp_error_set(err, SP_ERR_CONN, "COPY failed: %s", PQerrorMessage(conn));
    /* The first result is the COPY's; drain any after it. */
    while ((res = PQgetResult(conn)) != NULL) {
        if (*out == NULL)
            *out = res;
        else
            PQclear(res);
    }
    if (*out == NULL)
        return sp_error_set(err, SP_ERR_CONN, "COPY failed: %s", PQerrorMessage(conn));
    return SP_OK;
}

sp_status_t sp_pg_copy_in(PGconn *conn, const char *sql, const char *data, size_t len,
                          sp_error_t *err)
{
    const sp_pg_part_t part = {data, len};
    PGresult *res;
    sp_status_t st = sp_pg_copy_in_parts(conn, sql, &part, 1, &res, err);
    if (st != SP_OK)
        return st;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return sp_pg_error(conn, res, "COPY", err);
    PQclear(res);
    return SP_OK;
}
