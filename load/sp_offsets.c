/*
 * sp_offsets.c: the Kafka positions stored with the loaded rows: read by a loader for an
 * assignment, listed and reset by the operator (`statpipe offsets`).
 */
#include "sp_load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sp_status_t sp_loader_offset_get(sp_loader_t *ld, const char *topic, int32_t partition,
                                 int64_t *next, sp_error_t *err)
{
    char part[16];
    sp_flusher_wait(ld);
    snprintf(part, sizeof(part), "%d", (int)partition);
    const char *params[3] = {ld->group_id ? ld->group_id : "", topic, part};
    PGresult *res;
    if (sp_pg_query(ld->conn, ld->sql->offset_get, 3, params, "reading stored offsets", &res,
                    err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    *next = PQntuples(res) > 0 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_offsets_list(PGconn *conn, const char *group, const char *topic, sp_offset_row_fn fn,
                            void *opaque, sp_error_t *err)
{
    const char *params[2] = {group, topic};
    PGresult *res;
    if (sp_pg_query(conn, sp_load_sql()->offsets_list, 2, params, "listing offsets", &res, err) !=
        SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    for (int i = 0; i < PQntuples(res); i++) {
        sp_offset_row_t row = {PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                               PQgetvalue(res, i, 3), PQgetvalue(res, i, 4)};
        fn(opaque, &row);
    }
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_offsets_reset(PGconn *conn, const char *group, const char *topic,
                             const char *partition, const char *to, long *changed, sp_error_t *err)
{
    const char *params[4] = {group, topic, partition, to};
    const sp_load_sql_t *q = sp_load_sql();
    PGresult *res;
    *changed = 0;
    if (sp_pg_query(conn, to == NULL ? q->offsets_forget : q->offsets_set, to == NULL ? 3 : 4,
                    params, "resetting offsets", &res, err) != SP_OK) {
        if (err != NULL && strcmp(err->sqlstate, SP_SQLSTATE_INSUFFICIENT_PRIVILEGE) == 0)
            sp_error_detail(err, "reset offsets as the database owner (the role that runs "
                                 "statpipe migrate)");
        return err ? err->code : SP_ERR_SERVER;
    }
    *changed = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return SP_OK;
}
