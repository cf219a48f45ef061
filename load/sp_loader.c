/*
 * sp_loader.c: a loader's life: its connection and session (staging tables, LISTEN for
 * catalogue changes), its catalogue and limits, its counters, and the catalogue as stored
 * in the database. Staging is sp_stage.c, committing sp_merge.c and sp_flusher.c,
 * recovering sp_recover.c.
 */
#include "sp_load_int.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

static void loader_cleanup_conn(sp_loader_t *ld)
{
    if (ld->conn != NULL) {
        sp_pg_close(ld->conn);
        ld->conn = NULL;
    }
}

static apr_status_t loader_pool_cleanup(void *data)
{
    sp_loader_t *ld = data;
    sp_flusher_stop(ld);
    loader_cleanup_conn(ld);
    sp_batch_free(&ld->batches[0]);
    sp_batch_free(&ld->batches[1]);
    sp_buf_free(&ld->scratch);
    sp_keyset_free(&ld->known_series);
    free(ld->known_ids);
    pthread_cond_destroy(&ld->cv);
    pthread_mutex_destroy(&ld->mu);
    return APR_SUCCESS;
}

sp_status_t sp_loader_open(apr_pool_t *parent, const char *conninfo, const char *group_id,
                           sp_loader_t **out, sp_error_t *err)
{
    apr_pool_t *pool;
    if (apr_pool_create(&pool, parent) != APR_SUCCESS)
        return sp_error_set(err, SP_ERR_NOMEM, "could not create a memory pool");
    sp_loader_t *ld = apr_pcalloc(pool, sizeof(*ld));
    ld->pool = pool;
    ld->conninfo = apr_pstrdup(pool, conninfo);
    ld->group_id = group_id ? apr_pstrdup(pool, group_id) : NULL;
    ld->sql = sp_load_sql();
    sp_batch_init(&ld->batches[0]);
    sp_batch_init(&ld->batches[1]);
    ld->cur = &ld->batches[0];
    ld->topics = apr_array_make(pool, 4, sizeof(const char *));
    sp_buf_init(&ld->scratch);
    sp_keyset_init(&ld->known_series);
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv, NULL);
    ld->tf = sp_transformer_create(pool, NULL, NULL);
    ld->max_message_bytes = SP_TRANSFORM_DEFAULT_MAX_MESSAGE_BYTES;
    const char *fault = getenv("STATPIPE_FAULT_LOSE_COMMIT_EVERY");
    ld->lose_commit_every = fault ? (unsigned)strtoul(fault, NULL, 10) : 0;
    apr_pool_cleanup_register(pool, ld, loader_pool_cleanup, apr_pool_cleanup_null);

    sp_status_t st = sp_pg_connect(conninfo, &ld->conn, err);
    if (st != SP_OK) {
        apr_pool_destroy(pool);
        return st;
    }
    sp_pg_log_notices(ld->conn);
    if (sp_pg_exec(ld->conn, ld->sql->stage, err) != SP_OK ||
        sp_pg_exec(ld->conn, "LISTEN statpipe_catalogue", err) != SP_OK) {
        apr_pool_destroy(pool);
        return err ? err->code : SP_ERR_SERVER;
    }
    *out = ld;
    return SP_OK;
}

void sp_loader_close(sp_loader_t *ld)
{
    if (ld != NULL)
        apr_pool_destroy(ld->pool);
}

bool sp_loader_connected(sp_loader_t *ld)
{
    /* While a flight is on the connection is the thread's: answer from the last look. */
    if (!ld->flying)
        ld->connected = PQstatus(ld->conn) == CONNECTION_OK;
    return ld->connected;
}

void sp_loader_set_catalogue(sp_loader_t *ld, const sp_catalogue_t *cat)
{
    sp_transformer_set_catalogue(ld->tf, cat);
    sp_keyset_reset(&ld->known_series); /* a code renamed in the catalogue renames series */
}

void sp_loader_set_limits(sp_loader_t *ld, const sp_transform_limits_t *limits)
{
    ld->max_message_bytes = limits->max_message_bytes;
    sp_transformer_set_limits(ld->tf, limits);
}

bool sp_loader_catalogue_changed(sp_loader_t *ld)
{
    bool changed = false;
    PGnotify *n;
    sp_flusher_wait(ld);
    /* Reads what the server sent without waiting; notifications arrive between commands. */
    if (ld->missed_notifications) {
        ld->missed_notifications = false;
        changed = true;
    }
    PQconsumeInput(ld->conn);
    while ((n = PQnotifies(ld->conn)) != NULL) {
        changed = true;
        PQfreemem(n);
    }
    return changed;
}

const sp_load_stats_t *sp_loader_stats(const sp_loader_t *ld)
{
    return &ld->stats;
}

size_t sp_loader_pending_messages(const sp_loader_t *ld)
{
    return ld->cur->messages;
}

size_t sp_loader_pending_bytes(const sp_loader_t *ld)
{
    return ld->cur->obs.len + ld->cur->obs_new.len + ld->cur->seen.len + ld->cur->quarantine.len;
}

size_t sp_loader_uncommitted_messages(const sp_loader_t *ld)
{
    return ld->cur->messages + (ld->older != NULL ? ld->older->messages : 0);
}

bool sp_loader_in_flight(const sp_loader_t *ld)
{
    return ld->flying;
}

sp_status_t sp_loader_catalogue(sp_loader_t *ld, apr_pool_t *pool, sp_catalogue_t **out,
                                sp_error_t *err)
{
    static const char *const queries[] = {
        "SELECT code, dimension, factor::text FROM statpipe.unit",
        "SELECT alias, unit FROM statpipe.unit_alias",
        "SELECT code, dimension, nature, min_value::text, max_value::text"
        " FROM statpipe.indicator",
        "SELECT alias, sender, indicator FROM statpipe.indicator_alias",
        "SELECT code FROM statpipe.region",
        "SELECT code FROM statpipe.breakdown",
        /* the error ranges, after the indicators they narrow */
        "SELECT rule_id, indicator, lower::text, upper::text FROM statpipe.rule"
        " WHERE kind = 'range' AND severity = 'error' ORDER BY rule_id",
    };
    sp_catalogue_t *cat = sp_catalogue_create(pool);
    sp_flusher_wait(ld);
    for (int q = 0; q < (int)(sizeof(queries) / sizeof(queries[0])); q++) {
        PGresult *res = PQexec(ld->conn, queries[q]);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            sp_pg_error(ld->conn, res, "reading the catalogue", err);
            if (err != NULL)
                sp_error_detail(err, "has `statpipe migrate` been run on this database?");
            return err ? err->code : SP_ERR_SERVER;
        }
        sp_status_t st = SP_OK;
        for (int i = 0; i < PQntuples(res) && st == SP_OK; i++) {
            const char *a = PQgetvalue(res, i, 0);
            switch (q) {
            case 0:
                st = sp_catalogue_add_unit(cat, a, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                                           err);
                break;
            case 1:
                st = sp_catalogue_add_unit_alias(cat, a, PQgetvalue(res, i, 1), err);
                break;
            case 2:
                st =
                    sp_catalogue_add_indicator(cat, a, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                                               PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), err);
                break;
            case 3:
                st = sp_catalogue_add_indicator_alias(cat, a, PQgetvalue(res, i, 1),
                                                      PQgetvalue(res, i, 2), err);
                break;
            case 4:
                st = sp_catalogue_add_region(cat, a, err);
                break;
            case 5:
                st = sp_catalogue_add_breakdown(cat, a, err);
                break;
            default:
                st = sp_catalogue_add_range_rule(cat, a, PQgetvalue(res, i, 1),
                                                 PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), err);
            }
        }
        PQclear(res);
        if (st != SP_OK)
            return st;
    }
    *out = cat;
    return SP_OK;
}
