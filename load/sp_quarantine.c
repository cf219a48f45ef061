/*
 * sp_quarantine.c: rejected messages as stored: listed (`statpipe quarantine list`), and
 * replayed through the transform with the catalogue as it is now (`quarantine replay`):
 * those that pass are loaded and leave quarantine in the same transaction.
 */
#include "sp_load_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An arbitrary constant naming the replay lock among advisory locks. */
#define REPLAY_LOCK_KEY "7346025164"
/* Quarantine rows read, transformed and committed at a time. */
#define REPLAY_PAGE 500

sp_status_t sp_quarantine_list(sp_loader_t *ld, const sp_quarantine_filter_t *f,
                               sp_quarantine_row_fn fn, void *opaque, sp_error_t *err)
{
    char limit[24];
    snprintf(limit, sizeof(limit), "%zu", f->limit);
    const char *params[5] = {f->reason, f->sender, f->id, f->all ? "true" : "false", limit};
    PGresult *res;
    sp_flusher_wait(ld);
    if (sp_pg_query(ld->conn, ld->sql->quarantine_list, 5, params, "listing quarantine", &res,
                    err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    for (int i = 0; i < PQntuples(res); i++) {
        sp_quarantine_row_t row = {strtoll(PQgetvalue(res, i, 0), NULL, 10),
                                   PQgetvalue(res, i, 1),
                                   PQgetvalue(res, i, 2),
                                   PQgetvalue(res, i, 3),
                                   PQgetvalue(res, i, 4),
                                   PQgetvalue(res, i, 5),
                                   PQgetvalue(res, i, 6),
                                   PQgetvalue(res, i, 7)};
        fn(opaque, &row);
    }
    PQclear(res);
    return SP_OK;
}

/* Replays one page of rows after *last; *n is the number of rows read. */
static sp_status_t replay_page(sp_loader_t *ld, const sp_quarantine_filter_t *f, char *last,
                               size_t last_cap, sp_replay_rejected_fn on_rejected, void *opaque,
                               size_t *loaded, size_t *still, int *n, sp_error_t *err)
{
    char page[24];
    snprintf(page, sizeof(page), "%d", REPLAY_PAGE);
    const char *params[5] = {last, f->reason, f->sender, f->id, page};
    PGresult *res;
    if (sp_pg_query(ld->conn, ld->sql->quarantine_page, 5, params, "reading quarantine", &res,
                    err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    *n = PQntuples(res);
    for (int i = 0; i < *n; i++) {
        int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        size_t len;
        unsigned char *payload =
            PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 4), &len);
        if (payload == NULL) {
            PQclear(res);
            return sp_error_set(err, SP_ERR_NOMEM, "out of memory");
        }
        sp_source_t src = {PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1),
                           (int32_t)strtol(PQgetvalue(res, i, 2), NULL, 10),
                           strtoll(PQgetvalue(res, i, 3), NULL, 10),
                           NULL,
                           0,
                           0};
        sp_reject_t rej;
        bool accepted = false;
        sp_status_t st = sp_loader_add_replay(ld, id, &src, payload, len, &rej, &accepted, err);
        PQfreemem(payload);
        if (st != SP_OK) {
            PQclear(res);
            return st;
        }
        if (accepted) {
            ++*loaded;
        } else {
            ++*still;
            on_rejected(opaque, id, &rej);
        }
        snprintf(last, last_cap, "%lld", (long long)id);
    }
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_quarantine_replay(sp_loader_t *ld, const sp_quarantine_filter_t *f,
                                 sp_replay_rejected_fn on_rejected, void *opaque, size_t *loaded,
                                 size_t *still, sp_error_t *err)
{
    *loaded = *still = 0;
    sp_flusher_wait(ld);
    PGresult *res = PQexec(ld->conn, "SELECT pg_try_advisory_lock(" REPLAY_LOCK_KEY ")");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return sp_pg_error(ld->conn, res, "taking the replay lock", err);
    bool locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!locked)
        return sp_error_set(err, SP_ERR_CONFLICT,
                            "another quarantine replay is running on this database");
    char last[24] = "0";
    for (;;) {
        int n = 0;
        sp_status_t st =
            replay_page(ld, f, last, sizeof(last), on_rejected, opaque, loaded, still, &n, err);
        if (st != SP_OK || (st = sp_loader_flush(ld, err)) != SP_OK)
            return st;
        if (n < REPLAY_PAGE)
            break;
    }
    /* The kept values of what the replay stored; a failure is only logged (the views read
     * the data either way). */
    sp_error_t kerr;
    if (*loaded > 0)
        (void)sp_loader_refresh_kept(ld, 1, NULL, &kerr);
    return SP_OK;
}
