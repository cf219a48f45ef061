/*
 * sp_daemon.c: the daemon's life: start (metrics endpoint, lanes, catalogue, consumer),
 * the loop (poll, take, close batches on rows, bytes or time, land flights, take up
 * changes between batches), liveness for probes and systemd, and the stop that commits
 * what was taken.
 */
#include "sp_daemon_int.h"

#include <systemd/sd-daemon.h>
#include <string.h>
#include <unistd.h>

/* Tells systemd the loop is alive, at half the watchdog interval (a no-op elsewhere). */
static void pet_watchdog(sp_daemon_t *d)
{
    int64_t now = sp_time_now_us();
    if (d->watchdog_usec == 0 || now - d->last_watchdog_us < (int64_t)d->watchdog_usec / 2)
        return;
    d->last_watchdog_us = now;
    sd_notify(0, "WATCHDOG=1");
}

/* While the daemon waits for PostgreSQL it is alive but not ready: /health answers ok,
 * /ready and statpipe_postgres_connected say it waits, and systemd's watchdog is kept
 * fed, so that neither a liveness probe nor the watchdog restarts it mid-outage. */
void sp_daemon_note_waiting(sp_daemon_t *d)
{
    if (d->metrics != NULL) {
        pthread_mutex_lock(&d->metrics->mu);
        d->metrics->pg_connected = false;
        d->metrics->last_loop_us = sp_time_now_us();
        pthread_mutex_unlock(&d->metrics->mu);
    }
    pet_watchdog(d);
}

bool sp_daemon_keep_alive(void *opaque)
{
    sp_daemon_t *d = opaque;
    if (*d->ctl->stop)
        return false;
    sp_daemon_note_waiting(d);
    usleep(50000);
    return !*d->ctl->stop;
}

bool sp_daemon_keep_polling(void *opaque)
{
    sp_daemon_t *d = opaque;
    if (*d->ctl->stop || d->take_failed)
        return false;
    sp_daemon_note_waiting(d);
    rd_kafka_message_t *m = sp_consumer_poll(d->consumer, 100);
    if (m != NULL) {
        sp_status_t st = sp_lane_take(d, m, &d->take_err);
        rd_kafka_message_destroy(m);
        if (st != SP_OK) {
            d->take_failed = true;
            return false;
        }
    }
    return !*d->ctl->stop;
}

/* The lag of each assigned partition is its high watermark (cached by librdkafka, no
 * request) less the consumer's position. */
void sp_daemon_publish(sp_daemon_t *d, bool force)
{
    sp_metrics_t *m = d->metrics;
    int64_t now = sp_time_now_us();
    if (m == NULL || (!force && now - d->last_publish_us < 200000))
        return;
    d->last_publish_us = now;
    pthread_mutex_lock(&m->mu);
    m->load = sp_lanes_stats(d);
    m->pg_connected = true;
    for (int i = 0; i < d->n_lanes; i++)
        if (!sp_loader_connected(d->lanes[i].ld))
            m->pg_connected = false;
    m->assigned = sp_consumer_assigned(d->consumer) > 0;
    m->last_loop_us = now;
    m->n_lag = sp_consumer_lags(d->consumer, m->lag, SP_METRICS_MAX_PARTITIONS);
    pthread_mutex_unlock(&m->mu);
}

/* Loads the catalogue into a fresh pool and swaps it in; on failure keeps the one in use. */
static sp_status_t reload_catalogue(sp_daemon_t *d, sp_error_t *err)
{
    apr_pool_t *pool;
    sp_catalogue_t *cat;
    apr_pool_create(&pool, d->pool);
    if (sp_loader_catalogue(d->lanes[0].ld, pool, &cat, err) != SP_OK) {
        apr_pool_destroy(pool);
        return err->code;
    }
    for (int i = 0; i < d->n_lanes; i++)
        sp_loader_set_catalogue(d->lanes[i].ld, cat);
    if (d->cat_pool != NULL)
        apr_pool_destroy(d->cat_pool);
    d->cat_pool = pool;
    sp_log(SP_LOG_INFO, "catalogue_loaded", "indicators=%d", sp_catalogue_count_indicators(cat));
    return SP_OK;
}

/* SIGHUP: builds the settings again and takes up what can change while running: batch
 * sizes, limits, the kept values' refresh interval and the log level. Connections, topics and the
 * metrics address keep their values until a restart, and the log says so when they differ. */
static void reload_settings(sp_daemon_t *d, sp_settings_t *s, const sp_settings_args_t *args)
{
    sp_settings_t fresh;
    sp_error_t err;
    if (sp_settings_build(&fresh, args, &err) != SP_OK) {
        sp_log(SP_LOG_WARNING, "config_reload_failed",
               "error=%s detail=\"keeping the settings in use\"", SP_LOG_Q(err.message));
        sp_settings_free(&fresh);
        return;
    }
    s->batch_rows = fresh.batch_rows;
    s->batch_bytes = fresh.batch_bytes;
    s->linger_ms = fresh.linger_ms;
    s->limits = fresh.limits;
    s->kept_refresh_ms = fresh.kept_refresh_ms;
    s->kept_backlog_ms = fresh.kept_backlog_ms;
    sp_keeper_set_interval(d->keeper, (int64_t)s->kept_refresh_ms, (int64_t)s->kept_backlog_ms);
    for (int i = 0; i < d->n_lanes; i++)
        sp_loader_set_limits(d->lanes[i].ld, &s->limits);
    bool restart = strcmp(fresh.conninfo, s->conninfo) != 0 ||
                   strcmp(fresh.metrics_listen, s->metrics_listen) != 0 ||
                   fresh.n_topics != s->n_topics || fresh.connections != s->connections;
    for (int i = 0; !restart && i < fresh.n_topics; i++)
        restart = strcmp(fresh.topics[i], s->topics[i]) != 0;
    sp_log(SP_LOG_NOTICE, "config_reloaded",
           "batch_rows=%zu batch_bytes=%zu linger_ms=%zu kept_refresh_ms=%zu "
           "kept_backlog_ms=%zu log_level=%d%s",
           s->batch_rows, s->batch_bytes, s->linger_ms, s->kept_refresh_ms, s->kept_backlog_ms,
           sp_log_level,
           restart ? " detail=\"pg.conninfo, topics, load.connections or metrics.listen changed: "
                     "restart to apply\""
                   : "");
    sp_settings_free(&fresh);
}

sp_status_t sp_daemon_check(const sp_settings_t *s, char *servers, size_t cap, sp_error_t *err)
{
    if (sp_settings_check(s, err) != SP_OK)
        return err->code;
    if (sp_kafka_conf_check(s->kconf, servers, cap, err) != SP_OK)
        return err->code;
    if (s->n_topics == 0) {
        sp_error_set(err, SP_ERR_INVALID, "no topics to consume");
        sp_error_detail(err, "give -t TOPIC or topics = a,b in the config file");
        return SP_ERR_INVALID;
    }
    return SP_OK;
}

/* Opens every lane's loader. A daemon started while PostgreSQL is down waits for it
 * (alive, not ready), so that a restart during an outage is not a crash loop; a one-shot
 * run fails at once. */
static sp_status_t open_lanes(sp_daemon_t *d, const sp_settings_t *s, const char *group,
                              sp_error_t *err)
{
    const sp_keepalive_t ka = {sp_daemon_keep_alive, d, 0, "start"};
    int64_t backoff_ms = 100;
    for (int i = 0; i < d->n_lanes; i++) {
        while (sp_loader_open(d->pool, s->conninfo, group, &d->lanes[i].ld, err) != SP_OK) {
            if (d->ctl->exit_at_end || !err->retriable || *d->ctl->stop)
                return err->code;
            sp_log(SP_LOG_WARNING, "pg_retry", "at=start backoff_ms=%lld error=%s",
                   (long long)backoff_ms, SP_LOG_Q(err->message));
            sd_notify(0, "STATUS=waiting for PostgreSQL");
            if (!sp_keepalive_wait(&ka, backoff_ms))
                return err->code;
            backoff_ms = sp_backoff_next_ms(backoff_ms);
        }
        d->n_open = i + 1;
    }
    return SP_OK;
}

/* One turn of the loop for lane l (index i): land a flight that is done, close the staged
 * batch when it is full, old or the partitions are at their end, and read catalogue
 * notifications when the connection is free. */
static sp_status_t lane_turn(sp_daemon_t *d, const sp_settings_t *s, int i, bool took, bool at_end,
                             bool *changed, sp_error_t *err)
{
    sp_lane_t *l = &d->lanes[i];
    l->landed = false;
    /* A flight that landed is counted; one that failed is recovered (retried, or settled
     * after a lost connection) before anything later is sent. */
    if (sp_loader_in_flight(l->ld) && sp_lane_land(d, l, false, err) != SP_OK)
        return err->code;
    size_t pending = sp_loader_pending_messages(l->ld);
    bool full = pending >= s->batch_rows || sp_loader_pending_bytes(l->ld) >= s->batch_bytes;
    if (pending > 0 &&
        (full || sp_time_now_us() - l->batch_start >= (int64_t)s->linger_ms * 1000 || at_end)) {
        d->backlog = full;
        /* One batch flies at a time per lane: the one before must land first. */
        if (sp_loader_in_flight(l->ld) && sp_lane_land(d, l, true, err) != SP_OK)
            return err->code;
        l->flight_start_us = sp_time_now_us();
        l->flight_messages = sp_loader_pending_messages(l->ld);
        sp_status_t fs = sp_loader_flush_async(l->ld, err);
        if (fs != SP_OK && sp_lane_recover(d, l, fs, err) != SP_OK) {
            sp_lane_log_flush_failed(err);
            return err->code;
        }
    }
    /* Catalogue changes are notified on every lane's connection; a lane's is read when the
     * connection is free: right after a flight landed, or in a quiet turn with nothing
     * staged. Reading never blocks. */
    if (!sp_loader_in_flight(l->ld) && (l->landed || (!took && sp_lane_drained(l))) &&
        sp_loader_catalogue_changed(l->ld))
        *changed = true;
    if (!took && sp_lane_drained(l))
        sp_lane_reconnect_drained(l, i);
    return SP_OK;
}

/* Takes up a changed catalogue (and, after SIGHUP, settings) between batches: what was
 * taken is committed under the old one, what comes next is read under the new one. The
 * other lanes' notifications of the same change are read first, so that one change is one
 * reload, and no change is missed (a change notified later is read later). */
static sp_status_t take_up_changes(sp_daemon_t *d, sp_settings_t *s, const sp_settings_args_t *args,
                                   sp_error_t *err)
{
    if (sp_lanes_flush(d, err) != SP_OK) {
        sp_lane_log_flush_failed(err);
        return err->code;
    }
    for (int i = 0; i < d->n_lanes; i++)
        (void)sp_loader_catalogue_changed(d->lanes[i].ld);
    sd_notify(0, "RELOADING=1");
    if (*d->ctl->reload)
        reload_settings(d, s, args);
    *d->ctl->reload = 0;
    if (reload_catalogue(d, err) != SP_OK)
        sp_log(SP_LOG_WARNING, "catalogue_reload_failed", "error=%s", SP_LOG_Q(err->message));
    sd_notify(0, "READY=1");
    return SP_OK;
}

/* Tells the keeper when batches stored vintages since it was last told, wherever they
 * committed (a landed flight, a flush before a revocation), and whether the daemon reads a
 * backlog: its last batch closed full and a lane still holds messages, or it runs to the
 * end (-e), where it refreshes once more before it exits. */
static void tell_keeper(sp_daemon_t *d)
{
    uint64_t inserted = 0;
    for (int i = 0; i < d->n_open; i++)
        inserted += sp_loader_stats(d->lanes[i].ld)->inserted;
    bool backlog = (d->backlog && !sp_lanes_drained(d)) || d->ctl->exit_at_end;
    if (inserted != d->kept_inserted || backlog != d->kept_backlog) {
        sp_keeper_tell(d->keeper, inserted != d->kept_inserted, backlog);
        d->kept_inserted = inserted;
        d->kept_backlog = backlog;
    }
}

/* The loop, until a stop, the end (exit_at_end), or a failure (logged). */
static sp_daemon_result_t loop(sp_daemon_t *d, sp_settings_t *s, const sp_settings_args_t *args)
{
    sp_error_t err;
    while (!*d->ctl->stop) {
        rd_kafka_message_t *m = sp_consumer_poll(d->consumer, 100);
        bool took = m != NULL;
        if (m != NULL) {
            sp_status_t ts = sp_lane_take(d, m, &err);
            rd_kafka_message_destroy(m);
            if (ts != SP_OK) {
                sp_log(SP_LOG_ERR, "stage_failed", "error=%s", SP_LOG_Q(err.message));
                return SP_DAEMON_FAILED;
            }
        }
        if (d->flush_failed || sp_consumer_failed(d->consumer, &err)) {
            if (d->flush_failed)
                err = d->flush_err;
            sp_log(SP_LOG_ERR, "stop", "reason=%s detail=%s", SP_LOG_Q(err.message),
                   SP_LOG_Q(err.detail));
            return SP_DAEMON_FAILED;
        }
        bool at_end = sp_consumer_at_end(d->consumer);
        bool changed = *d->ctl->reload;
        for (int i = 0; i < d->n_lanes; i++)
            if (lane_turn(d, s, i, took, at_end, &changed, &err) != SP_OK)
                return SP_DAEMON_FAILED;
        if (changed && take_up_changes(d, s, args, &err) != SP_OK)
            return SP_DAEMON_FAILED;
        tell_keeper(d);
        sp_daemon_publish(d, false);
        pet_watchdog(d);
        if (d->ctl->exit_at_end && at_end && sp_lanes_drained(d))
            break;
    }
    return SP_DAEMON_OK;
}

static void close_lanes(sp_daemon_t *d)
{
    for (int i = 0; i < d->n_open; i++)
        sp_loader_close(d->lanes[i].ld);
}

sp_daemon_result_t sp_daemon_run(sp_settings_t *s, const sp_settings_args_t *args,
                                 const sp_daemon_control_t *ctl, sp_error_t *err)
{
    static sp_metrics_t metrics;
    char group[256], servers[1024];
    sp_kafka_conf_get(s->kconf, "group.id", group, sizeof(group));
    if (group[0] == '\0') {
        snprintf(group, sizeof(group), "statpipe");
        (void)sp_kafka_conf_set(s->kconf, "group.id", group, NULL);
    }
    if (sp_daemon_check(s, servers, sizeof(servers), err) != SP_OK)
        return SP_DAEMON_CONFIG;

    sp_daemon_t d;
    memset(&d, 0, sizeof(d));
    d.ctl = ctl;
    apr_pool_create(&d.pool, NULL);
    sp_http_t *http = NULL;
    sp_daemon_result_t rc = SP_DAEMON_FAILED;
    if (s->metrics_listen[0] != '\0') {
        sp_metrics_init(&metrics);
        metrics.last_loop_us = sp_time_now_us(); /* starting up counts as alive */
        d.metrics = &metrics;
        if (sp_http_start(&metrics, s->metrics_listen, &http, err) != SP_OK) {
            rc = SP_DAEMON_CONFIG;
            goto out;
        }
        sp_log(SP_LOG_INFO, "metrics_listen", "address=%s", s->metrics_listen);
    }
    d.n_lanes = (int)s->connections;
    if (open_lanes(&d, s, group, err) != SP_OK || reload_catalogue(&d, err) != SP_OK)
        goto out;
    for (int i = 0; i < d.n_lanes; i++)
        sp_loader_set_limits(d.lanes[i].ld, &s->limits);
    if (sp_keeper_start(d.pool, s->conninfo, (int64_t)s->kept_refresh_ms,
                        (int64_t)s->kept_backlog_ms, d.n_lanes, &d.keeper, err) != SP_OK)
        goto out;

    sp_consumer_hooks_t hooks = {&d, sp_lane_hook_stored_offset, sp_lane_hook_before_revoke};
    rd_kafka_conf_t *kconf = s->kconf;
    s->kconf = NULL; /* the consumer owns it now */
    if (sp_consumer_new(kconf, s->topics, s->n_topics, &hooks, &d.consumer, err) != SP_OK) {
        rc = SP_DAEMON_CONFIG;
        goto out;
    }
    sp_log(SP_LOG_INFO, "start", "group=%s brokers=%s topics=%d connections=%d", group, servers,
           s->n_topics, d.n_lanes);
    /* Under systemd (Type=notify): ready once connected and subscribed; watchdog pings. */
    if (sd_watchdog_enabled(0, &d.watchdog_usec) <= 0)
        d.watchdog_usec = 0;
    sd_notify(0, "READY=1\nSTATUS=consuming");

    rc = loop(&d, s, args);
    sd_notify(0, "STOPPING=1");
    sp_error_t e;
    if (rc == SP_DAEMON_OK && sp_lanes_flush(&d, &e) != SP_OK) {
        sp_log(SP_LOG_ERR, "flush_failed", "at=stop error=%s", SP_LOG_Q(e.message));
        rc = SP_DAEMON_FAILED;
    }
    if (rc != SP_DAEMON_OK)
        for (int i = 0; i < d.n_lanes; i++)
            sp_loader_abandon(d.lanes[i].ld); /* not committed: read again on restart */
    sp_consumer_close(d.consumer);
    /* A run to the end leaves the kept values up to date; a stopped daemon leaves its marks
     * to the next start (the views read the data either way). */
    tell_keeper(&d);
    if (sp_keeper_stop(d.keeper, rc == SP_DAEMON_OK && d.ctl->exit_at_end, &e) != SP_OK)
        sp_log(SP_LOG_WARNING, "kept_refresh_failed", "at=stop error=%s", SP_LOG_Q(e.message));
    d.keeper = NULL;
    sp_load_stats_t st = sp_lanes_stats(&d);
    sp_log(SP_LOG_INFO, "stop",
           "messages=%llu rows=%llu inserted=%llu quarantined=%llu batches=%llu copied=%llu "
           "exit=%d",
           (unsigned long long)st.messages, (unsigned long long)st.rows,
           (unsigned long long)st.inserted, (unsigned long long)st.quarantined,
           (unsigned long long)st.batches, (unsigned long long)st.copied,
           rc == SP_DAEMON_OK ? 0 : 3);
    err->message[0] = '\0'; /* logged */
out:
    if (d.keeper != NULL)
        (void)sp_keeper_stop(d.keeper, false, NULL);
    sp_http_stop(http);
    close_lanes(&d);
    apr_pool_destroy(d.pool);
    return rc;
}
