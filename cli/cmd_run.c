/*
 * cmd_run.c: `statpipe run`, the consumer-group daemon: Kafka to PostgreSQL, exactly once.
 * Batches close on rows, bytes or time; each commits its rows, quarantine and offsets in
 * one transaction, and on assignment partitions resume from the offsets stored with them.
 */
#include "sp_cli.h"
#include "sp_load.h"
#include "sp_metrics.h"
#include "sp_settings.h"

#include <apr_general.h>
#include <systemd/sd-daemon.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe run [OPTIONS]\n\n"
            "Consume Kafka topics as a member of a consumer group and load every message\n"
            "into PostgreSQL exactly once. SIGTERM or SIGINT commits the batch in flight\n"
            "and exits 0. The catalogue is reloaded between batches when it changes in the\n"
            "database, or on SIGHUP.\n\n"
            "options (flags override the config file):\n"
            "  -c FILE         config file of key = value lines (docs/configuration.md)\n"
            "  -b BROKERS      Kafka bootstrap servers (kafka.bootstrap.servers)\n"
            "  -t TOPIC        topic to consume, repeatable; ^REGEX for a pattern (topics)\n"
            "  -G GROUP        consumer group id (kafka.group.id; default statpipe)\n"
            "  -X KEY=VALUE    any librdkafka property, repeatable\n"
            "  -d CONNINFO     PostgreSQL connection string (pg.conninfo; default: PG* "
            "variables)\n"
            "  -e              exit once every assigned partition is at its end and committed\n"
            "  --batch-rows N  close a batch at N messages (batch.rows; default %d)\n"
            "  --batch-bytes N close a batch at N staged bytes (batch.bytes; default %u)\n"
            "  --linger-ms N   close a batch N ms after its first message (batch.linger.ms;\n"
            "                  default %d)\n"
            "  --connections N PostgreSQL connections, each loading the batches of its share\n"
            "                  of the partitions while the others load theirs\n"
            "                  (load.connections; default %d, at most %d)\n"
            "  --metrics HOST:PORT  serve /metrics (Prometheus), /health and /ready\n"
            "                  (metrics.listen; default: none)\n"
            "  --check-config  check the configuration (file, environment, flags) and exit\n"
            "  -h, --help      show this help\n\n"
            "Settings come from the config file, then STATPIPE_* environment variables\n"
            "(STATPIPE_BATCH_ROWS for batch.rows, ...), then flags, each overriding the one\n"
            "before.\n",
            SP_DEFAULT_BATCH_ROWS, SP_DEFAULT_BATCH_BYTES, SP_DEFAULT_LINGER_MS,
            SP_DEFAULT_CONNECTIONS, SP_MAX_CONNECTIONS);
}

/* One lane: a loader (its own PostgreSQL connection and flusher thread) and the
 * partitions that hash to it. Partitions are bound to lanes, so each partition's batches
 * commit in order on one connection, and the lanes' merges run on the server side by side. */
typedef struct lane {
    sp_loader_t *ld;
    int64_t batch_start;     /* when the staged batch got its first message */
    int64_t flight_start_us; /* when the batch in flight was handed over */
    size_t flight_messages;
    bool landed;                  /* a flight landed in this turn of the loop */
    int64_t reconnect_at_us;      /* an idle lane's next reconnect attempt */
    int64_t reconnect_backoff_ms; /* 0 while connected */
} lane_t;

typedef struct run_ctx {
    lane_t lanes[SP_MAX_CONNECTIONS];
    int n_lanes;
    sp_metrics_t *metrics; /* NULL without --metrics */
    int64_t last_publish_us;
    uint64_t watchdog_usec; /* systemd's WatchdogSec, 0 when not asked */
    int64_t last_watchdog_us;
    apr_pool_t *parent;
    apr_pool_t *cat_pool; /* holds the catalogue in use */
    bool flush_failed;
    sp_error_t flush_err;
} run_ctx_t;

/* Waits between reconnect attempts double from 100 ms up to 5 s. */
static int64_t next_backoff_ms(int64_t ms)
{
    return ms == 0 ? 100 : ms * 2 > 5000 ? 5000 : ms * 2;
}

static lane_t *lane_of(run_ctx_t *ctx, int32_t partition)
{
    return &ctx->lanes[(partition < 0 ? 0 : partition) % ctx->n_lanes];
}

/* Nothing taken and not yet committed (a batch in flight counts as taken). */
static bool lane_idle(const lane_t *l)
{
    return sp_loader_unsettled_messages(l->ld) == 0;
}

static bool all_idle(const run_ctx_t *ctx)
{
    for (int i = 0; i < ctx->n_lanes; i++)
        if (!lane_idle(&ctx->lanes[i]))
            return false;
    return true;
}

/* The lanes' counters, added up. */
static sp_load_stats_t total_stats(const run_ctx_t *ctx)
{
    sp_load_stats_t t = {0};
    for (int i = 0; i < ctx->n_lanes; i++) {
        const sp_load_stats_t *s = sp_loader_stats(ctx->lanes[i].ld);
        t.messages += s->messages;
        t.rows += s->rows;
        t.quarantined += s->quarantined;
        for (int r = 0; r < SP_REASON__COUNT; r++)
            t.quarantined_by_reason[r] += s->quarantined_by_reason[r];
        t.batches += s->batches;
        t.inserted += s->inserted;
    }
    return t;
}

static void pet_watchdog(run_ctx_t *ctx);

/* While the daemon waits for PostgreSQL it is alive but not ready: /health answers ok,
 * /ready and statpipe_postgres_connected say it waits, and systemd's watchdog is kept
 * fed, so that neither a liveness probe nor the watchdog restarts it mid-outage. */
static void note_waiting(run_ctx_t *ctx)
{
    if (ctx->metrics != NULL) {
        pthread_mutex_lock(&ctx->metrics->mu);
        ctx->metrics->pg_connected = false;
        ctx->metrics->last_loop_us = sp_time_now_us();
        pthread_mutex_unlock(&ctx->metrics->mu);
    }
    pet_watchdog(ctx);
}

/* Sleeps ms in short steps, staying alive for the probes; false if asked to stop. */
static bool wait_alive(run_ctx_t *ctx, int64_t ms)
{
    int64_t until = sp_time_now_us() + ms * 1000;
    while (!stop_requested && sp_time_now_us() < until) {
        note_waiting(ctx);
        usleep(50000);
    }
    return !stop_requested;
}

/* Reads a partition's stored offset for an assignment. A lost connection is retried, with
 * a reconnect and backoff, like every other database step: the daemon waits in the
 * rebalance (its heartbeats go on in librdkafka's threads) rather than exit. */
static sp_status_t hook_stored_offset(void *opaque, const char *topic, int32_t partition,
                                      int64_t *next, sp_error_t *err)
{
    run_ctx_t *ctx = opaque;
    lane_t *l = lane_of(ctx, partition);
    int64_t backoff_ms = 100;
    for (;;) {
        sp_status_t st = sp_loader_offset_get(l->ld, topic, partition, next, err);
        if (st == SP_OK || !err->retriable)
            return st;
        sp_log(SP_LOG_ERR, "pg_unavailable", "at=assign topic=%s partition=%d error=%s", topic,
               (int)partition, SP_LOG_Q(err->message));
        for (;;) {
            if (!wait_alive(ctx, backoff_ms))
                return sp_error_set(err, SP_ERR_CONN,
                                    "stopped while PostgreSQL was unavailable for an assignment");
            backoff_ms = next_backoff_ms(backoff_ms);
            if (sp_loader_reconnect(l->ld, err) == SP_OK)
                break;
            sp_log(SP_LOG_WARNING, "pg_retry", "at=assign backoff_ms=%lld error=%s",
                   (long long)backoff_ms, SP_LOG_Q(err->message));
        }
    }
}

static void hook_before_revoke(void *opaque)
{
    run_ctx_t *ctx = opaque;
    sp_error_t err;
    for (int i = 0; i < ctx->n_lanes; i++) {
        lane_t *l = &ctx->lanes[i];
        if (lane_idle(l))
            continue;
        if (sp_loader_flush(l->ld, &err) != SP_OK) {
            /* Not committed (or, after a lost COMMIT, perhaps committed with its offsets):
             * either way the partitions' next owner starts at the stored offsets. */
            sp_log(SP_LOG_WARNING, "batch_abandoned", "at=revoke error=%s", SP_LOG_Q(err.message));
            sp_loader_abandon(l->ld);
            if (!err.retriable && err.code != SP_ERR_CONFLICT) {
                ctx->flush_failed = true;
                ctx->flush_err = err;
            }
        }
    }
}

/* Stages one consumed message in the lane of its partition. */
static sp_status_t take_message(run_ctx_t *ctx, rd_kafka_message_t *m, sp_error_t *err)
{
    if (m->err) {
        sp_log(SP_LOG_WARNING, "consume_error", "topic=%s partition=%d error=%s",
               m->rkt ? rd_kafka_topic_name(m->rkt) : "", (int)m->partition,
               SP_LOG_Q(rd_kafka_message_errstr(m)));
        return SP_OK;
    }
    lane_t *l = lane_of(ctx, m->partition);
    sp_source_t src = {rd_kafka_topic_name(m->rkt), m->partition, m->offset, NULL, 0, 0};
    if (sp_loader_pending_messages(l->ld) == 0)
        l->batch_start = sp_time_now_us();
    return sp_loader_add(l->ld, &src, m->payload ? m->payload : "", m->len, err);
}

/* After a flush (or a flight) of lane l ended with st: retries until what the lane took is
 * committed, riding out a lost database: consumption pauses (the group membership is kept
 * by polling), the connection is retried with backoff, and a batch whose COMMIT answer
 * was lost is settled from the stored offsets before anything is sent again. Returns
 * non-OK only for errors that retrying cannot cure, or a stop during an outage. */
static sp_status_t recover(run_ctx_t *ctx, sp_consumer_t *c, lane_t *l, sp_status_t st,
                           sp_error_t *err)
{
    for (;;) {
        if (st == SP_OK)
            return SP_OK;
        if (st == SP_ERR_CONFLICT) {
            /* Another member owns these partitions now; every lane starts again from what
             * is stored (a flight that went in is counted, the rest is read again). */
            sp_log(SP_LOG_WARNING, "batch_abandoned", "reason=%s", SP_LOG_Q(err->message));
            for (int i = 0; i < ctx->n_lanes; i++)
                sp_loader_abandon(ctx->lanes[i].ld);
            return sp_consumer_resync(c, err);
        }
        if (!err->retriable)
            return st;
        sp_log(SP_LOG_ERR, "pg_unavailable", "error=%s", SP_LOG_Q(err->message));
        sp_consumer_pause(c);
        int64_t backoff_ms = 100;
        for (;;) {
            int64_t until = sp_time_now_us() + backoff_ms * 1000;
            while (!stop_requested && sp_time_now_us() < until) {
                note_waiting(ctx);
                rd_kafka_message_t *m = sp_consumer_poll(c, 100);
                if (m != NULL) {
                    sp_status_t ts = take_message(ctx, m, err);
                    rd_kafka_message_destroy(m);
                    if (ts != SP_OK)
                        return ts;
                }
            }
            /* Asked to stop: one more try, so that a stop during a short outage (or just
             * after a lost COMMIT answer) still commits what was taken. */
            if (sp_loader_reconnect(l->ld, err) == SP_OK)
                break;
            if (stop_requested) {
                sp_log(SP_LOG_ERR, "stop_during_outage",
                       "detail=\"the batch in flight was not committed; it is read again on "
                       "restart\"");
                return sp_error_set(err, SP_ERR_CONN, "stopped while PostgreSQL was unavailable");
            }
            sp_log(SP_LOG_WARNING, "pg_retry", "backoff_ms=%lld error=%s", (long long)backoff_ms,
                   SP_LOG_Q(err->message));
            backoff_ms = next_backoff_ms(backoff_ms);
        }
        sp_consumer_resume(c);
        bool committed = false;
        /* Batches that went in before the connection broke are dropped; the rest are
         * flushed again, in order. */
        if ((st = sp_loader_settle(l->ld, &committed, err)) != SP_OK)
            continue; /* lost again: retry from the top */
        st = sp_loader_unsettled_messages(l->ld) == 0 ? SP_OK : sp_loader_flush(l->ld, err);
    }
}

/* An idle lane whose connection was found lost (reading notifications sees the server
 * close it) reconnects with backoff, so that the connection gauge and /ready follow the
 * database even when no message comes to find the outage. */
static void reconnect_idle(lane_t *l, int i)
{
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
    l->reconnect_backoff_ms = next_backoff_ms(l->reconnect_backoff_ms);
    l->reconnect_at_us = now + l->reconnect_backoff_ms * 1000;
    sp_log(SP_LOG_WARNING, "pg_retry", "at=idle lane=%d backoff_ms=%lld error=%s", i,
           (long long)l->reconnect_backoff_ms, SP_LOG_Q(err.message));
}

/* Commits everything every lane took, waiting for flights (at stop, and before the
 * catalogue changes). */
static sp_status_t flush_all(run_ctx_t *ctx, sp_consumer_t *c, sp_error_t *err)
{
    for (int i = 0; i < ctx->n_lanes; i++) {
        lane_t *l = &ctx->lanes[i];
        if (lane_idle(l))
            continue;
        sp_status_t st = recover(ctx, c, l, sp_loader_flush(l->ld, err), err);
        if (st != SP_OK)
            return st;
    }
    return SP_OK;
}

static void publish_metrics(run_ctx_t *ctx, sp_consumer_t *c, bool force);

/* A flush that recovery could not save. The caller stops; whatever no lane committed is
 * abandoned there, and read again on restart from the stored offsets. */
static void log_flush_failed(const sp_error_t *err)
{
    sp_log(SP_LOG_ERR, "flush_failed", "error=%s detail=%s", SP_LOG_Q(err->message),
           SP_LOG_Q(err->detail));
}

/* Collects lane l's batch in flight (waiting for it if wait): counts it when it went in,
 * recovers when it failed. Non-OK only when recovery failed (logged; the caller exits). */
static sp_status_t land_flight(run_ctx_t *ctx, sp_consumer_t *c, lane_t *l, bool wait,
                               sp_error_t *err)
{
    bool idle;
    uint64_t batches = sp_loader_stats(l->ld)->batches;
    sp_status_t st = sp_loader_land(l->ld, wait, &idle, err);
    if (!idle)
        return SP_OK;
    l->landed = true;
    if (st != SP_OK && (st = recover(ctx, c, l, st, err)) != SP_OK) {
        log_flush_failed(err);
        return st;
    }
    const sp_load_stats_t *ls = sp_loader_stats(l->ld);
    if (ls->batches > batches) {
        if (ctx->metrics != NULL) {
            sp_metrics_commit(ctx->metrics, l->flight_messages,
                              (double)(sp_time_now_us() - l->flight_start_us) / 1e6);
            publish_metrics(ctx, c, true);
        }
        sp_log(SP_LOG_DEBUG, "commit", "lane=%d messages=%zu inserted=%llu ms=%lld",
               (int)(l - ctx->lanes), l->flight_messages, (unsigned long long)ls->inserted,
               (long long)((sp_time_now_us() - l->flight_start_us) / 1000));
    }
    return SP_OK;
}

/* Tells systemd the loop is alive, at half the watchdog interval (a no-op elsewhere). */
static void pet_watchdog(run_ctx_t *ctx)
{
    int64_t now = sp_time_now_us();
    if (ctx->watchdog_usec == 0 || now - ctx->last_watchdog_us < (int64_t)ctx->watchdog_usec / 2)
        return;
    ctx->last_watchdog_us = now;
    sd_notify(0, "WATCHDOG=1");
}

/* Publishes the loop's state to the metrics snapshot, at most five times a second. The
 * lag of each assigned partition is its high watermark (cached by librdkafka, no request)
 * less the consumer's position (sp_consumer_lag). */
static void publish_metrics(run_ctx_t *ctx, sp_consumer_t *c, bool force)
{
    sp_metrics_t *m = ctx->metrics;
    int64_t now = sp_time_now_us();
    if (m == NULL || (!force && now - ctx->last_publish_us < 200000))
        return;
    ctx->last_publish_us = now;
    rd_kafka_t *rk = sp_consumer_handle(c);
    rd_kafka_topic_partition_list_t *list = NULL;
    if (rd_kafka_assignment(rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR)
        list = NULL;
    if (list != NULL)
        rd_kafka_position(rk, list);
    pthread_mutex_lock(&m->mu);
    m->load = total_stats(ctx);
    m->pg_connected = true;
    for (int i = 0; i < ctx->n_lanes; i++)
        if (!sp_loader_connected(ctx->lanes[i].ld))
            m->pg_connected = false;
    m->assigned = sp_consumer_assigned(c) > 0;
    m->last_loop_us = now;
    m->n_lag = 0;
    for (int i = 0; list != NULL && i < list->cnt && m->n_lag < SP_METRICS_MAX_PARTITIONS; i++) {
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        int64_t lag = sp_consumer_lag(rk, tp);
        if (lag < 0)
            continue;
        snprintf(m->lag[m->n_lag].topic, sizeof(m->lag[0].topic), "%s", tp->topic);
        m->lag[m->n_lag].partition = tp->partition;
        m->lag[m->n_lag].lag = lag;
        m->n_lag++;
    }
    pthread_mutex_unlock(&m->mu);
    if (list != NULL)
        rd_kafka_topic_partition_list_destroy(list);
}

static void reload_settings(run_ctx_t *ctx, sp_settings_t *s);

/* Loads the catalogue into a fresh pool and swaps it in; on failure keeps the one in use. */
static sp_status_t reload_catalogue(run_ctx_t *ctx, sp_error_t *err)
{
    apr_pool_t *pool;
    sp_catalogue_t *cat;
    apr_pool_create(&pool, ctx->parent);
    if (sp_loader_catalogue(ctx->lanes[0].ld, pool, &cat, err) != SP_OK) {
        apr_pool_destroy(pool);
        return err->code;
    }
    for (int i = 0; i < ctx->n_lanes; i++)
        sp_loader_set_catalogue(ctx->lanes[i].ld, cat);
    if (ctx->cat_pool != NULL)
        apr_pool_destroy(ctx->cat_pool);
    ctx->cat_pool = pool;
    sp_log(SP_LOG_INFO, "catalogue_loaded", "indicators=%d", sp_catalogue_count_indicators(cat));
    return SP_OK;
}

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

/* The checks made before connecting to anything: the connection string and metrics address
 * parse, Kafka servers and topics are given, and librdkafka accepts its configuration.
 * Fills servers (cap bytes) with the bootstrap servers. */
static int check_settings(sp_settings_t *s, char *servers, size_t cap)
{
    sp_error_t err;
    if (sp_settings_check(s, &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_USAGE;
    }
    if (rd_kafka_conf_get(s->kconf, "bootstrap.servers", servers, &cap) != RD_KAFKA_CONF_OK ||
        servers[0] == '\0') {
        fprintf(stderr, "statpipe: no Kafka bootstrap servers\n"
                        "HINT: give -b HOST:PORT or kafka.bootstrap.servers in the config file\n");
        return SP_EXIT_USAGE;
    }
    if (s->n_topics == 0) {
        fprintf(stderr, "statpipe: no topics to consume\n"
                        "HINT: give -t TOPIC or topics = a,b in the config file\n");
        return SP_EXIT_USAGE;
    }
    /* librdkafka checks the rest of its configuration when a client is created (assignors
     * of one protocol type, readable TLS files): create one that has no brokers to connect
     * to and keeps its log to itself, since errstr says what failed. */
    static const char *const files[] = {"ssl.ca.location", "ssl.certificate.location",
                                        "ssl.key.location", "ssl.keystore.location",
                                        "sasl.kerberos.keytab"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024];
        size_t plen = sizeof(path);
        if (rd_kafka_conf_get(s->kconf, files[i], path, &plen) == RD_KAFKA_CONF_OK &&
            path[0] != '\0' && strcmp(path, "probe") != 0 && access(path, R_OK) != 0) {
            fprintf(stderr,
                    "statpipe: kafka.%s \"%s\" cannot be read: %s\n"
                    "HINT: give a readable file, or leave the key unset\n",
                    files[i], path, strerror(errno));
            return SP_EXIT_USAGE;
        }
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(s->kconf);
    rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, sizeof(errstr));
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "statpipe: the Kafka configuration is not valid: %s\n", errstr);
        return SP_EXIT_USAGE;
    }
    rd_kafka_destroy(rk);
    return SP_EXIT_OK;
}

static int run_check_config(sp_settings_t *s)
{
    char servers[1024];
    if (check_settings(s, servers, sizeof(servers)) != SP_EXIT_OK)
        return SP_EXIT_USAGE;
    printf("configuration ok: brokers %s, %d topic%s, batches of %zu messages, %zu bytes or "
           "%zu ms, %zu PostgreSQL connection%s\n",
           servers, s->n_topics, s->n_topics == 1 ? "" : "s", s->batch_rows, s->batch_bytes,
           s->linger_ms, s->connections, s->connections == 1 ? "" : "s");
    return SP_EXIT_OK;
}

static void close_lanes(run_ctx_t *ctx, int n)
{
    for (int i = 0; i < n; i++)
        sp_loader_close(ctx->lanes[i].ld);
}

static int run_main(sp_settings_t *s, bool exit_at_end, apr_pool_t *pool)
{
    static sp_metrics_t metrics;
    sp_http_t *http = NULL;
    sp_error_t err;
    char errstr[128];
    size_t glen = sizeof(errstr);
    char group[256];
    size_t gsize = sizeof(group);
    if (rd_kafka_conf_get(s->kconf, "group.id", group, &gsize) != RD_KAFKA_CONF_OK ||
        group[0] == '\0') {
        snprintf(group, sizeof(group), "statpipe");
        rd_kafka_conf_set(s->kconf, "group.id", group, errstr, glen);
    }
    char servers[1024];
    if (check_settings(s, servers, sizeof(servers)) != SP_EXIT_OK)
        return SP_EXIT_USAGE;

    run_ctx_t ctx = {0};
    ctx.parent = pool;
    if (s->metrics_listen[0] != '\0') {
        sp_metrics_init(&metrics);
        metrics.last_loop_us = sp_time_now_us(); /* starting up counts as alive */
        ctx.metrics = &metrics;
        if (sp_http_start(&metrics, s->metrics_listen, &http, &err) != SP_OK) {
            sp_cli_error(&err);
            return SP_EXIT_USAGE;
        }
        sp_log(SP_LOG_INFO, "metrics_listen", "address=%s", s->metrics_listen);
    }
    ctx.n_lanes = (int)s->connections;
    /* A daemon started while PostgreSQL is down waits for it (alive, not ready), so that a
     * restart during an outage is not a crash loop; a one-shot run (-e) fails at once. */
    int64_t backoff_ms = 100;
    for (int i = 0; i < ctx.n_lanes; i++)
        while (sp_loader_open(pool, s->conninfo, group, &ctx.lanes[i].ld, &err) != SP_OK) {
            if (exit_at_end || !err.retriable || stop_requested) {
                sp_cli_error(&err);
                close_lanes(&ctx, i);
                sp_http_stop(http);
                return SP_EXIT_SERVICE;
            }
            sp_log(SP_LOG_WARNING, "pg_retry", "at=start backoff_ms=%lld error=%s",
                   (long long)backoff_ms, SP_LOG_Q(err.message));
            sd_notify(0, "STATUS=waiting for PostgreSQL");
            if (!wait_alive(&ctx, backoff_ms)) {
                close_lanes(&ctx, i);
                sp_http_stop(http);
                return SP_EXIT_SERVICE;
            }
            backoff_ms = next_backoff_ms(backoff_ms);
        }
    if (reload_catalogue(&ctx, &err) != SP_OK) {
        sp_cli_error(&err);
        close_lanes(&ctx, ctx.n_lanes);
        sp_http_stop(http);
        return SP_EXIT_SERVICE;
    }
    for (int i = 0; i < ctx.n_lanes; i++)
        sp_loader_set_limits(ctx.lanes[i].ld, &s->limits);

    sp_consumer_hooks_t hooks = {&ctx, hook_stored_offset, hook_before_revoke};
    sp_consumer_t *c;
    rd_kafka_conf_t *kconf = s->kconf;
    s->kconf = NULL; /* the consumer owns it now */
    if (sp_consumer_new(kconf, s->topics, s->n_topics, &hooks, &c, &err) != SP_OK) {
        sp_cli_error(&err);
        close_lanes(&ctx, ctx.n_lanes);
        sp_http_stop(http);
        return SP_EXIT_USAGE;
    }
    sp_log(SP_LOG_INFO, "start", "group=%s brokers=%s topics=%d connections=%d", group, servers,
           s->n_topics, ctx.n_lanes);
    /* Under systemd (Type=notify): ready once connected and subscribed; watchdog pings. */
    if (sd_watchdog_enabled(0, &ctx.watchdog_usec) <= 0)
        ctx.watchdog_usec = 0;
    sd_notify(0, "READY=1\nSTATUS=consuming");

    int rc = SP_EXIT_OK;
    while (!stop_requested) {
        rd_kafka_message_t *m = sp_consumer_poll(c, 100);
        bool took = m != NULL;
        if (m != NULL) {
            sp_status_t ts = take_message(&ctx, m, &err);
            rd_kafka_message_destroy(m);
            if (ts != SP_OK) {
                sp_log(SP_LOG_ERR, "stage_failed", "error=%s", SP_LOG_Q(err.message));
                rc = SP_EXIT_SERVICE;
                break;
            }
        }
        if (ctx.flush_failed || sp_consumer_failed(c, &err)) {
            if (ctx.flush_failed)
                err = ctx.flush_err;
            sp_log(SP_LOG_ERR, "stop", "reason=%s detail=%s", SP_LOG_Q(err.message),
                   SP_LOG_Q(err.detail));
            rc = SP_EXIT_SERVICE;
            break;
        }
        bool at_end = sp_consumer_at_end(c);
        bool changed = reload_requested;
        for (int i = 0; i < ctx.n_lanes && rc == SP_EXIT_OK; i++) {
            lane_t *l = &ctx.lanes[i];
            l->landed = false;
            /* A flight that landed is counted; one that failed is recovered (retried, or
             * settled after a lost connection) before anything later is sent. */
            if (sp_loader_in_flight(l->ld) && land_flight(&ctx, c, l, false, &err) != SP_OK) {
                rc = SP_EXIT_SERVICE;
                break;
            }
            size_t pending = sp_loader_pending_messages(l->ld);
            if (pending > 0 &&
                (pending >= s->batch_rows || sp_loader_pending_bytes(l->ld) >= s->batch_bytes ||
                 sp_time_now_us() - l->batch_start >= (int64_t)s->linger_ms * 1000 || at_end)) {
                /* One batch flies at a time per lane: the one before must land first. */
                if (sp_loader_in_flight(l->ld) && land_flight(&ctx, c, l, true, &err) != SP_OK) {
                    rc = SP_EXIT_SERVICE;
                    break;
                }
                l->flight_start_us = sp_time_now_us();
                l->flight_messages = sp_loader_pending_messages(l->ld);
                sp_status_t fs = sp_loader_flush_async(l->ld, &err);
                if (fs != SP_OK && recover(&ctx, c, l, fs, &err) != SP_OK) {
                    log_flush_failed(&err);
                    rc = SP_EXIT_SERVICE;
                    break;
                }
            }
            /* Catalogue changes are notified on every lane's connection; a lane's is read
             * when the connection is free: right after a flight landed, or in a quiet turn
             * with nothing staged. Reading never blocks. */
            if (!sp_loader_in_flight(l->ld) && (l->landed || (!took && lane_idle(l))) &&
                sp_loader_catalogue_changed(l->ld))
                changed = true;
            if (!took && lane_idle(l))
                reconnect_idle(l, i);
        }
        if (rc != SP_EXIT_OK)
            break;
        /* Take up a changed catalogue between batches: what was taken is committed under
         * the old one, what comes next is read under the new one. The other lanes'
         * notifications of the same change are read first, so that one change is one
         * reload, and no change is missed (a change notified later is read later). */
        if (changed) {
            if (flush_all(&ctx, c, &err) != SP_OK) {
                log_flush_failed(&err);
                rc = SP_EXIT_SERVICE;
                break;
            }
            for (int i = 0; i < ctx.n_lanes; i++)
                (void)sp_loader_catalogue_changed(ctx.lanes[i].ld);
            sd_notify(0, "RELOADING=1");
            if (reload_requested)
                reload_settings(&ctx, s);
            reload_requested = 0;
            if (reload_catalogue(&ctx, &err) != SP_OK)
                sp_log(SP_LOG_WARNING, "catalogue_reload_failed", "error=%s",
                       SP_LOG_Q(err.message));
            sd_notify(0, "READY=1");
        }
        publish_metrics(&ctx, c, false);
        pet_watchdog(&ctx);
        if (exit_at_end && at_end && all_idle(&ctx))
            break;
    }
    sd_notify(0, "STOPPING=1");
    if (rc == SP_EXIT_OK && flush_all(&ctx, c, &err) != SP_OK) {
        sp_log(SP_LOG_ERR, "flush_failed", "at=stop error=%s", SP_LOG_Q(err.message));
        rc = SP_EXIT_SERVICE;
    }
    if (rc != SP_EXIT_OK)
        for (int i = 0; i < ctx.n_lanes; i++)
            sp_loader_abandon(ctx.lanes[i].ld); /* not committed: read again on restart */
    sp_consumer_close(c);
    sp_load_stats_t st = total_stats(&ctx);
    sp_log(SP_LOG_INFO, "stop",
           "messages=%llu rows=%llu inserted=%llu quarantined=%llu batches=%llu exit=%d",
           (unsigned long long)st.messages, (unsigned long long)st.rows,
           (unsigned long long)st.inserted, (unsigned long long)st.quarantined,
           (unsigned long long)st.batches, rc);
    sp_http_stop(http);
    close_lanes(&ctx, ctx.n_lanes);
    return rc;
}

/* The command line, kept so that SIGHUP can build the settings again the same way. */
typedef struct run_args {
    const char *config, *brokers, *group, *conninfo, *metrics;
    const char *batch_rows, *batch_bytes, *linger, *connections;
    const char *xprops[128], *topics[SP_MAX_TOPICS];
    int nx, nt;
} run_args_t;

/* File, then environment, then flags. Returns SP_EXIT_OK, or SP_EXIT_USAGE after saying why. */
static int build_settings(sp_settings_t *s, const run_args_t *a)
{
    sp_error_t err;
    sp_settings_init(s);
    if (sp_settings_load(s, a->config, &err) != SP_OK ||
        (a->brokers && sp_kafka_conf_set(s->kconf, "bootstrap.servers", a->brokers, &err)) ||
        (a->group && sp_kafka_conf_set(s->kconf, "group.id", a->group, &err)))
        goto out_err;
    for (int i = 0; i < a->nx; i++)
        if (sp_kafka_conf_set_pair(s->kconf, a->xprops[i], &err) != SP_OK)
            goto out_err;
    if (a->nt > 0) {
        s->n_topics = 0; /* flags replace the file's list */
        for (int i = 0; i < a->nt; i++)
            if (sp_settings_add_topics(s, a->topics[i], &err) != SP_OK)
                goto out_err;
    }
    if (a->conninfo)
        snprintf(s->conninfo, sizeof(s->conninfo), "%s", a->conninfo);
    if (a->metrics)
        snprintf(s->metrics_listen, sizeof(s->metrics_listen), "%s", a->metrics);
    if ((a->batch_rows && !sp_cli_parse_size("--batch-rows", a->batch_rows, &s->batch_rows)) ||
        (a->batch_bytes && !sp_cli_parse_size("--batch-bytes", a->batch_bytes, &s->batch_bytes)) ||
        (a->linger && !sp_cli_parse_size("--linger-ms", a->linger, &s->linger_ms)) ||
        (a->connections && !sp_cli_parse_size("--connections", a->connections, &s->connections)))
        return SP_EXIT_USAGE;
    if (s->connections < 1 || s->connections > SP_MAX_CONNECTIONS) {
        fprintf(stderr, "statpipe: --connections must be 1 to %d, got %zu\n", SP_MAX_CONNECTIONS,
                s->connections);
        return SP_EXIT_USAGE;
    }
    return SP_EXIT_OK;
out_err:
    sp_cli_error(&err);
    return SP_EXIT_USAGE;
}

static const run_args_t *current_args;

/* SIGHUP: builds the settings again and takes up what can change while running: batch
 * sizes, limits and the log level. Connections, topics and the metrics address keep their
 * values until a restart, and the log says so when they differ. */
static void reload_settings(run_ctx_t *ctx, sp_settings_t *s)
{
    sp_settings_t fresh;
    if (current_args == NULL || build_settings(&fresh, current_args) != SP_EXIT_OK) {
        sp_log(SP_LOG_WARNING, "config_reload_failed", "detail=\"keeping the settings in use\"");
        if (current_args != NULL)
            sp_settings_free(&fresh);
        return;
    }
    s->batch_rows = fresh.batch_rows;
    s->batch_bytes = fresh.batch_bytes;
    s->linger_ms = fresh.linger_ms;
    s->limits = fresh.limits;
    for (int i = 0; i < ctx->n_lanes; i++)
        sp_loader_set_limits(ctx->lanes[i].ld, &s->limits);
    bool restart = strcmp(fresh.conninfo, s->conninfo) != 0 ||
                   strcmp(fresh.metrics_listen, s->metrics_listen) != 0 ||
                   fresh.n_topics != s->n_topics || fresh.connections != s->connections;
    for (int i = 0; !restart && i < fresh.n_topics; i++)
        restart = strcmp(fresh.topics[i], s->topics[i]) != 0;
    sp_log(SP_LOG_NOTICE, "config_reloaded",
           "batch_rows=%zu batch_bytes=%zu linger_ms=%zu log_level=%d%s", s->batch_rows,
           s->batch_bytes, s->linger_ms, sp_log_level,
           restart ? " detail=\"pg.conninfo, topics, load.connections or metrics.listen changed: "
                     "restart to apply\""
                   : "");
    sp_settings_free(&fresh);
}

int sp_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"batch-rows", required_argument, NULL, 1},
        {"batch-bytes", required_argument, NULL, 2},
        {"linger-ms", required_argument, NULL, 3},
        {"check-config", no_argument, NULL, 4},
        {"metrics", required_argument, NULL, 5},
        {"connections", required_argument, NULL, 6},
        {NULL, 0, NULL, 0},
    };
    static run_args_t a;
    memset(&a, 0, sizeof(a));
    bool exit_at_end = false, check_only = false;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hc:b:t:G:X:d:e", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            run_usage(stdout);
            return SP_EXIT_OK;
        case 'c':
            a.config = optarg;
            break;
        case 'b':
            a.brokers = optarg;
            break;
        case 't':
            if (a.nt == SP_MAX_TOPICS) {
                fprintf(stderr, "statpipe: too many -t options\n");
                return SP_EXIT_USAGE;
            }
            a.topics[a.nt++] = optarg;
            break;
        case 'G':
            a.group = optarg;
            break;
        case 'X':
            if (a.nx == 128) {
                fprintf(stderr, "statpipe: too many -X options\n");
                return SP_EXIT_USAGE;
            }
            a.xprops[a.nx++] = optarg;
            break;
        case 'd':
            a.conninfo = optarg;
            break;
        case 'e':
            exit_at_end = true;
            break;
        case 1:
            a.batch_rows = optarg;
            break;
        case 2:
            a.batch_bytes = optarg;
            break;
        case 3:
            a.linger = optarg;
            break;
        case 4:
            check_only = true;
            break;
        case 5:
            a.metrics = optarg;
            break;
        case 6:
            a.connections = optarg;
            break;
        default:
            run_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "statpipe: run takes no arguments, got \"%s\"\n", argv[optind]);
        run_usage(stderr);
        return SP_EXIT_USAGE;
    }

    sp_settings_t s;
    int rc = build_settings(&s, &a);
    if (rc != SP_EXIT_OK)
        goto out;
    current_args = &a;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (check_only) {
        rc = run_check_config(&s);
        goto out;
    }
    apr_pool_t *pool;
    apr_pool_create(&pool, NULL);
    rc = run_main(&s, exit_at_end, pool);
    apr_pool_destroy(pool);
out:
    sp_settings_free(&s);
    return rc;
}
