/*
 * sp_recover.c: the one recovery protocol of `run` and `load`: after a flush failed on a
 * lost connection, reconnect with backoff (keeping the caller alive meanwhile), settle the
 * batches whose COMMIT answer was lost from the stored offsets, and flush the rest again,
 * in order.
 */
#include "sp_load_int.h"

#include <unistd.h>

sp_status_t sp_loader_reconnect(sp_loader_t *ld, sp_error_t *err)
{
    sp_flusher_wait(ld);
    PQreset(ld->conn);
    if (PQstatus(ld->conn) != CONNECTION_OK)
        return sp_error_set(err, SP_ERR_CONN, "could not reconnect to PostgreSQL: %s",
                            PQerrorMessage(ld->conn));
    /* Temporary tables and LISTEN died with the old session. */
    if (sp_pg_exec(ld->conn, ld->sql->stage, err) != SP_OK ||
        sp_pg_exec(ld->conn, "LISTEN statpipe_catalogue", err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    ld->missed_notifications = true;
    sp_log(SP_LOG_NOTICE, "pg_reconnected", "%s", "");
    return SP_OK;
}

/* Whether batch b went in: offsets and rows commit together, so all its offsets stored
 * means it did. */
static sp_status_t settle_batch(sp_loader_t *ld, const sp_batch_t *b, bool *committed,
                                sp_error_t *err)
{
    int in = 0;
    for (int i = 0; i < b->n_offsets; i++) {
        int64_t stored;
        if (sp_loader_offset_get(ld, b->offsets[i].topic, b->offsets[i].partition, &stored, err) !=
            SP_OK)
            return err ? err->code : SP_ERR_CONN;
        if (stored >= b->offsets[i].next)
            in++;
    }
    *committed = in == b->n_offsets;
    sp_log(SP_LOG_NOTICE, "batch_settled", "committed=%s partitions=%d stored=%d",
           *committed ? "yes" : "no", b->n_offsets, in);
    return SP_OK;
}

sp_status_t sp_loader_settle(sp_loader_t *ld, bool *committed, sp_error_t *err)
{
    /* Without offsets a batch is idempotent (message ids, quarantine fingerprints):
     * flushing it again is the answer either way. */
    bool flying;
    *committed = false;
    (void)sp_loader_land(ld, true, &flying, NULL); /* a failed flight stays in `older` */
    if (ld->group_id == NULL)
        return SP_OK;
    sp_batch_t *order[2] = {ld->older, ld->cur};
    for (int k = 0; k < 2; k++) {
        sp_batch_t *b = order[k];
        bool in = false;
        if (b == NULL || b->messages == 0 || b->n_offsets == 0)
            continue;
        if (settle_batch(ld, b, &in, err) != SP_OK)
            return err ? err->code : SP_ERR_CONN;
        if (!in)
            break; /* a later batch cannot be in when an earlier one is not */
        sp_batch_done(ld, b, 0);
        *committed = true;
    }
    return SP_OK;
}

int64_t sp_backoff_next_ms(int64_t ms)
{
    return ms <= 0 ? 100 : ms * 2 > 5000 ? 5000 : ms * 2;
}

bool sp_keepalive_wait(const sp_keepalive_t *ka, int64_t ms)
{
    int64_t until = sp_time_now_us() + ms * 1000;
    do {
        if (ka != NULL && ka->fn != NULL) {
            if (!ka->fn(ka->opaque))
                return false;
        } else {
            usleep(50000);
        }
    } while (sp_time_now_us() < until);
    return true;
}

/* Reconnects, waiting *backoff_ms (doubled each time, up to 5 s) before each attempt.
 * *attempts counts the attempts of the whole recovery against ka->max_attempts. */
static sp_status_t reconnect_wait(sp_loader_t *ld, const sp_keepalive_t *ka, int64_t *backoff_ms,
                                  int *attempts, sp_error_t *err)
{
    const char *at = ka != NULL && ka->at != NULL ? ka->at : "flush";
    for (;;) {
        if (ka != NULL && ka->max_attempts > 0 && *attempts >= ka->max_attempts)
            return err->code; /* err holds the last failure */
        ++*attempts;
        sp_log(SP_LOG_WARNING, "pg_retry", "at=%s attempt=%d backoff_ms=%lld error=%s", at,
               *attempts, (long long)*backoff_ms, SP_LOG_Q(err->message));
        /* Asked to stop: one more try, so that a stop during a short outage (or just after
         * a lost COMMIT answer) still commits what was taken. */
        bool go_on = sp_keepalive_wait(ka, *backoff_ms);
        if (sp_loader_reconnect(ld, err) == SP_OK)
            return SP_OK;
        if (!go_on) {
            sp_log(SP_LOG_ERR, "stop_during_outage",
                   "at=%s detail=\"what was not committed is read again on restart\"", at);
            return sp_error_set(err, SP_ERR_CONN, "stopped while PostgreSQL was unavailable");
        }
        *backoff_ms = sp_backoff_next_ms(*backoff_ms);
    }
}

sp_status_t sp_loader_reconnect_wait(sp_loader_t *ld, const sp_keepalive_t *ka, sp_error_t *err)
{
    int64_t backoff_ms = 100;
    int attempts = 0;
    return reconnect_wait(ld, ka, &backoff_ms, &attempts, err);
}

sp_status_t sp_loader_recover(sp_loader_t *ld, sp_status_t st, const sp_keepalive_t *ka,
                              sp_error_t *err)
{
    int64_t backoff_ms = 100;
    int attempts = 0;
    while (st != SP_OK) {
        if (!err->retriable)
            return st;
        sp_log(SP_LOG_ERR, "pg_unavailable", "at=%s error=%s",
               ka != NULL && ka->at != NULL ? ka->at : "flush", SP_LOG_Q(err->message));
        if ((st = reconnect_wait(ld, ka, &backoff_ms, &attempts, err)) != SP_OK)
            return st;
        /* Batches that went in before the connection broke are dropped; the rest are
         * flushed again, in order. */
        bool committed = false;
        if ((st = sp_loader_settle(ld, &committed, err)) != SP_OK)
            continue; /* lost again: retry from the top */
        st = sp_loader_uncommitted_messages(ld) == 0 ? SP_OK : sp_loader_flush(ld, err);
    }
    return SP_OK;
}
