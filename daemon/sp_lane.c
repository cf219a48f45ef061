/*
 * sp_lane.c: the daemon's lanes: each message goes to the lane of its partition; a lane's
 * batches fly one at a time and land in order; a failed flight is recovered before
 * anything later is sent; revocations and assignments go through the lanes' loaders.
 */
#include "sp_daemon_int.h"

sp_lane_t *sp_lane_of(sp_daemon_t *d, int32_t partition)
{
    return &d->lanes[(partition < 0 ? 0 : partition) % d->n_lanes];
}

bool sp_lane_drained(const sp_lane_t *l)
{
    return sp_loader_uncommitted_messages(l->ld) == 0;
}

bool sp_lanes_drained(const sp_daemon_t *d)
{
    for (int i = 0; i < d->n_lanes; i++)
        if (!sp_lane_drained(&d->lanes[i]))
            return false;
    return true;
}

sp_load_stats_t sp_lanes_stats(const sp_daemon_t *d)
{
    sp_load_stats_t t = {0};
    for (int i = 0; i < d->n_lanes; i++) {
        const sp_load_stats_t *s = sp_loader_stats(d->lanes[i].ld);
        t.messages += s->messages;
        t.rows += s->rows;
        t.quarantined += s->quarantined;
        for (int r = 0; r < SP_REASON__COUNT; r++)
            t.quarantined_by_reason[r] += s->quarantined_by_reason[r];
        t.batches += s->batches;
        t.copied += s->copied;
        t.inserted += s->inserted;
    }
    return t;
}

/* Reads a partition's stored offset for an assignment. A lost connection is retried, with
 * a reconnect and backoff, like every other database step: the daemon waits in the
 * rebalance (its heartbeats go on in librdkafka's threads) rather than exit. */
sp_status_t sp_lane_hook_stored_offset(void *opaque, const char *topic, int32_t partition,
                                       int64_t *next, sp_error_t *err)
{
    sp_daemon_t *d = opaque;
    sp_lane_t *l = sp_lane_of(d, partition);
    const sp_keepalive_t ka = {sp_daemon_keep_alive, d, 0, "assign"};
    for (;;) {
        sp_status_t st = sp_loader_offset_get(l->ld, topic, partition, next, err);
        if (st == SP_OK || !err->retriable)
            return st;
        sp_log(SP_LOG_ERR, "pg_unavailable", "at=assign topic=%s partition=%d error=%s", topic,
               (int)partition, SP_LOG_Q(err->message));
        if (sp_loader_reconnect_wait(l->ld, &ka, err) != SP_OK)
            return sp_error_set(err, SP_ERR_CONN,
                                "stopped while PostgreSQL was unavailable for an assignment");
    }
}

void sp_lane_hook_before_revoke(void *opaque)
{
    sp_daemon_t *d = opaque;
    sp_error_t err;
    for (int i = 0; i < d->n_lanes; i++) {
        sp_lane_t *l = &d->lanes[i];
        if (sp_lane_drained(l))
            continue;
        if (sp_loader_flush(l->ld, &err) != SP_OK) {
            /* Not committed (or, after a lost COMMIT, perhaps committed with its offsets):
             * either way the partitions' next owner starts at the stored offsets. */
            sp_log(SP_LOG_WARNING, "batch_abandoned", "at=revoke error=%s", SP_LOG_Q(err.message));
            sp_loader_abandon(l->ld);
            if (!err.retriable && err.code != SP_ERR_CONFLICT) {
                d->flush_failed = true;
                d->flush_err = err;
            }
        }
    }
}

sp_status_t sp_lane_take(sp_daemon_t *d, rd_kafka_message_t *m, sp_error_t *err)
{
    if (m->err) {
        sp_log(SP_LOG_WARNING, "consume_error", "topic=%s partition=%d error=%s",
               m->rkt ? rd_kafka_topic_name(m->rkt) : "", (int)m->partition,
               SP_LOG_Q(rd_kafka_message_errstr(m)));
        return SP_OK;
    }
    sp_lane_t *l = sp_lane_of(d, m->partition);
    sp_source_t src = {rd_kafka_topic_name(m->rkt), m->partition, m->offset, NULL, 0, 0};
    if (sp_loader_pending_messages(l->ld) == 0)
        l->batch_start = sp_time_now_us();
    return sp_loader_add(l->ld, &src, m->payload ? m->payload : "", m->len, err);
}

sp_status_t sp_lane_recover(sp_daemon_t *d, sp_lane_t *l, sp_status_t st, sp_error_t *err)
{
    if (st != SP_OK && err->retriable) {
        /* Consumption pauses while the database is away; polling goes on, which keeps the
         * group membership and stages what was fetched already. */
        const sp_keepalive_t ka = {sp_daemon_keep_polling, d, 0, "flush"};
        sp_consumer_pause(d->consumer);
        st = sp_loader_recover(l->ld, st, &ka, err);
        sp_consumer_resume(d->consumer);
        if (d->take_failed) {
            *err = d->take_err;
            return err->code;
        }
    }
    if (st == SP_ERR_CONFLICT) {
        /* Another member owns these partitions now; every lane starts again from what is
         * stored (a flight that went in is counted, the rest is read again). */
        sp_log(SP_LOG_WARNING, "batch_abandoned", "reason=%s", SP_LOG_Q(err->message));
        for (int i = 0; i < d->n_lanes; i++)
            sp_loader_abandon(d->lanes[i].ld);
        return sp_consumer_resync(d->consumer, err);
    }
    return st;
}

void sp_lane_reconnect_drained(sp_lane_t *l, int i)
{
    /* Reading notifications sees the server close the connection: the connection gauge and
     * /ready follow the database even when no message comes to find the outage. */
    if (sp_loader_connected(l->ld)) {
        l->reconnect_backoff_ms = 0;
        return;
    }
    int64_t now = sp_time_now_us();
    if (now < l->reconnect_at_us)
        return;
    sp_error_t err;
    if (sp_loader_reconnect(l->ld, &err) == SP_OK) {
        l->reconnect_backoff_ms = 0;
        return;
    }
    l->reconnect_backoff_ms = sp_backoff_next_ms(l->reconnect_backoff_ms);
    l->reconnect_at_us = now + l->reconnect_backoff_ms * 1000;
    sp_log(SP_LOG_WARNING, "pg_retry", "at=drained lane=%d backoff_ms=%lld error=%s", i,
           (long long)l->reconnect_backoff_ms, SP_LOG_Q(err.message));
}

sp_status_t sp_lanes_flush(sp_daemon_t *d, sp_error_t *err)
{
    for (int i = 0; i < d->n_lanes; i++) {
        sp_lane_t *l = &d->lanes[i];
        if (sp_lane_drained(l))
            continue;
        sp_status_t st = sp_lane_recover(d, l, sp_loader_flush(l->ld, err), err);
        if (st != SP_OK)
            return st;
    }
    return SP_OK;
}

void sp_lane_log_flush_failed(const sp_error_t *err)
{
    sp_log(SP_LOG_ERR, "flush_failed", "error=%s detail=%s", SP_LOG_Q(err->message),
           SP_LOG_Q(err->detail));
}

sp_status_t sp_lane_land(sp_daemon_t *d, sp_lane_t *l, bool wait, sp_error_t *err)
{
    bool flying;
    uint64_t batches = sp_loader_stats(l->ld)->batches;
    sp_status_t st = sp_loader_land(l->ld, wait, &flying, err);
    if (flying)
        return SP_OK;
    l->landed = true;
    if (st != SP_OK && (st = sp_lane_recover(d, l, st, err)) != SP_OK) {
        sp_lane_log_flush_failed(err);
        return st;
    }
    const sp_load_stats_t *ls = sp_loader_stats(l->ld);
    if (ls->batches > batches) {
        if (d->metrics != NULL) {
            sp_metrics_commit(d->metrics, l->flight_messages,
                              (double)(sp_time_now_us() - l->flight_start_us) / 1e6);
            sp_daemon_publish(d, true);
        }
        sp_log(SP_LOG_DEBUG, "commit", "lane=%d messages=%zu inserted=%llu ms=%lld",
               (int)(l - d->lanes), l->flight_messages, (unsigned long long)ls->inserted,
               (long long)((sp_time_now_us() - l->flight_start_us) / 1000));
    }
    return SP_OK;
}
