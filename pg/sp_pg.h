/*
 * sp_pg.h: the libpq helpers that every stage talking to PostgreSQL shares: connecting,
 * errors (a lost connection is retriable), statements, COPY, and the SQLSTATEs statpipe
 * acts on.
 */
#ifndef SP_PG_H
#define SP_PG_H

#include "sp_core.h"

#include <libpq-fe.h>

/* The SQLSTATEs statpipe tells apart (PostgreSQL, Appendix A). */
#define SP_SQLSTATE_INVALID_DATETIME_FORMAT "22007"
#define SP_SQLSTATE_DATETIME_FIELD_OVERFLOW "22008"
#define SP_SQLSTATE_INVALID_PARAMETER_VALUE "22023"
#define SP_SQLSTATE_NOT_NULL_VIOLATION "23502"
#define SP_SQLSTATE_FOREIGN_KEY_VIOLATION "23503"
#define SP_SQLSTATE_UNIQUE_VIOLATION "23505"
#define SP_SQLSTATE_INSUFFICIENT_PRIVILEGE "42501"
#define SP_SQLSTATE_UNDEFINED_TABLE "42P01"
#define SP_SQLSTATE_UNDEFINED_FUNCTION "42883"
#define SP_SQLSTATE_UNDEFINED_COLUMN "42703"
#define SP_SQLSTATE_INVALID_SCHEMA_NAME "3F000"

/* Whether a connection string parses (a URI or key=value pairs), before any connection is
 * tried: one that does not is a usage error (SP_ERR_INVALID). */
sp_status_t sp_pg_conninfo_check(const char *conninfo, sp_error_t *err);
/* Connects (conninfo NULL or "" uses the PG* environment): SP_ERR_INVALID when the string
 * does not parse, SP_ERR_CONN when the server cannot be reached or refuses (err says what
 * to set). */
sp_status_t sp_pg_connect(const char *conninfo, PGconn **out, sp_error_t *err);
/* Closes a connection from sp_pg_connect (NULL is a no-op). */
void sp_pg_close(PGconn *conn);
/* Sends the server's notices on conn to the log sink instead of stderr. */
void sp_pg_log_notices(PGconn *conn);
/* Runs sql (a static statement, no parameters) and checks it succeeded. */
sp_status_t sp_pg_exec(PGconn *conn, const char *sql, sp_error_t *err);
/* Runs sql with text parameters; *out holds the result (tuples or a command's) for the
 * caller to PQclear. what names the step in the error. */
sp_status_t sp_pg_query(PGconn *conn, const char *sql, int n, const char *const *params,
                        const char *what, PGresult **out, sp_error_t *err);
/* Fills err from a failed result or a broken connection, and clears res. */
sp_status_t sp_pg_error(PGconn *conn, PGresult *res, const char *what, sp_error_t *err);
/* Whether res failed with SQLSTATE state. */
bool sp_pg_state_is(const PGresult *res, const char *state);
/* Streams data (len bytes, in the format sql's COPY ... FROM STDIN expects) to the server. */
sp_status_t sp_pg_copy_in(PGconn *conn, const char *sql, const char *data, size_t len,
                          sp_error_t *err);
/* One piece of a COPY's data. */
typedef struct sp_pg_part {
    const char *data;
    size_t len;
} sp_pg_part_t;
/* The same, the data being the n_parts pieces one after the other (each ends with a whole
 * row), handing the caller the COPY's result to read (its row count, or the server's error
 * and which constraint it names) and clear. SP_OK with *out set means the server answered,
 * whether the COPY succeeded or failed; an error status means it could not be asked (err
 * filled, *out NULL). */
sp_status_t sp_pg_copy_in_parts(PGconn *conn, const char *sql, const sp_pg_part_t *parts,
                                int n_parts, PGresult **out, sp_error_t *err);

#endif
