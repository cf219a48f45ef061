/* sp_metrics.c: metrics in the Prometheus text format and health checks, served by
 * libmicrohttpd on its own thread from a snapshot the daemon's loop publishes. */
#include "sp_metrics.h"
#include "sp_http.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

static const double batch_bounds[8] = {1, 10, 100, 500, 1000, 5000, 10000, 50000};
static const double commit_bounds[9] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

struct sp_http {
    struct MHD_Daemon *d;
    sp_metrics_t *m;
};

void sp_metrics_init(sp_metrics_t *m)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
}

void sp_metrics_commit(sp_metrics_t *m, size_t n, double seconds)
{
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < 8; i++)
        if ((double)n <= batch_bounds[i])
            m->batch_hist[i]++;
    for (int i = 0; i < 9; i++)
        if (seconds <= commit_bounds[i])
            m->commit_hist[i]++;
    m->batch_messages_sum += n;
    m->commit_seconds_sum += seconds;
    m->commits++;
    pthread_mutex_unlock(&m->mu);
}

/* One histogram in the Prometheus text format: cumulative buckets at bounds (n of them),
 * then +Inf, the sum (as text) and the count. */
static void put_histogram(sp_buf_t *b, const char *name, const char *help, const double *bounds,
                          const uint64_t *hist, int n, uint64_t count, const char *sum)
{
    sp_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (int i = 0; i < n; i++)
        sp_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
                      (unsigned long long)hist[i]);
    sp_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %s\n%s_count %llu\n", name,
                  (unsigned long long)count, name, sum, name, (unsigned long long)count);
}

static void render(sp_metrics_t *m, sp_buf_t *b)
{
    pthread_mutex_lock(&m->mu);
    const sp_load_stats_t *s = &m->load;
    sp_buf_printf(b,
                  "# HELP statpipe_messages_consumed_total Messages taken from Kafka.\n"
                  "# TYPE statpipe_messages_consumed_total counter\n"
                  "statpipe_messages_consumed_total %llu\n"
                  "# HELP statpipe_observations_total Observations staged from valid messages.\n"
                  "# TYPE statpipe_observations_total counter\n"
                  "statpipe_observations_total %llu\n"
                  "# HELP statpipe_rows_loaded_total New vintages committed to PostgreSQL.\n"
                  "# TYPE statpipe_rows_loaded_total counter\n"
                  "statpipe_rows_loaded_total %llu\n"
                  "# HELP statpipe_batches_total Batches committed.\n"
                  "# TYPE statpipe_batches_total counter\n"
                  "statpipe_batches_total %llu\n"
                  "# HELP statpipe_batches_copied_total Batches committed by COPY straight into "
                  "the tables, without the merge.\n"
                  "# TYPE statpipe_batches_copied_total counter\n"
                  "statpipe_batches_copied_total %llu\n"
                  "# HELP statpipe_quarantined_total Messages committed to quarantine, by reason.\n"
                  "# TYPE statpipe_quarantined_total counter\n",
                  (unsigned long long)s->messages, (unsigned long long)s->rows,
                  (unsigned long long)s->inserted, (unsigned long long)s->batches,
                  (unsigned long long)s->copied);
    for (int r = 1; r < SP_REASON__COUNT; r++)
        sp_buf_printf(b, "statpipe_quarantined_total{reason=\"%s\"} %llu\n",
                      sp_reason_name((sp_reason_t)r),
                      (unsigned long long)s->quarantined_by_reason[r]);
    char sum[32];
    snprintf(sum, sizeof(sum), "%llu", (unsigned long long)m->batch_messages_sum);
    put_histogram(b, "statpipe_batch_messages", "Messages per committed batch.", batch_bounds,
                  m->batch_hist, 8, m->commits, sum);
    snprintf(sum, sizeof(sum), "%.6f", m->commit_seconds_sum);
    put_histogram(b, "statpipe_commit_seconds", "Time to commit a batch to PostgreSQL.",
                  commit_bounds, m->commit_hist, 9, m->commits, sum);
    sp_buf_puts(b, "# HELP statpipe_consumer_lag Messages behind the end of each assigned "
                   "partition.\n# TYPE statpipe_consumer_lag gauge\n");
    for (int i = 0; i < m->n_lag; i++)
        sp_buf_printf(b, "statpipe_consumer_lag{topic=\"%s\",partition=\"%d\"} %lld\n",
                      m->lag[i].topic, (int)m->lag[i].partition, (long long)m->lag[i].lag);
    sp_buf_printf(b,
                  "# HELP statpipe_postgres_connected 1 while the PostgreSQL connection is up.\n"
                  "# TYPE statpipe_postgres_connected gauge\n"
                  "statpipe_postgres_connected %d\n",
                  m->pg_connected ? 1 : 0);
    pthread_mutex_unlock(&m->mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    sp_metrics_t *m = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
    if (strcmp(url, "/metrics") == 0) {
        sp_buf_t b;
        sp_buf_init(&b);
        render(m, &b);
        enum MHD_Result r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", b.data, b.len);
        sp_buf_free(&b);
        return r;
    }
    pthread_mutex_lock(&m->mu);
    /* Alive: the loop went round in the last 30 s (waiting for the database counts). Ready:
     * also connected and assigned. */
    bool alive = sp_time_now_us() - m->last_loop_us < 30 * 1000000LL;
    bool connected = m->pg_connected;
    bool ready = alive && connected && m->assigned;
    pthread_mutex_unlock(&m->mu);
    const char *why = !alive       ? "stalled\n"
                      : !connected ? "waiting for the database\n"
                      : !ready     ? "waiting for partitions\n"
                                   : "ready\n";
    if (strcmp(url, "/health") == 0)
        return alive ? reply(c, MHD_HTTP_OK, "text/plain", connected ? "ok\n" : why,
                             strlen(connected ? "ok\n" : why))
                     : reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", why, strlen(why));
    if (strcmp(url, "/ready") == 0)
        return reply(c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", why,
                     strlen(why));
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "see /metrics, /health, /ready\n", 30);
}

sp_status_t sp_http_start(sp_metrics_t *m, const char *listen, sp_http_t **out, sp_error_t *err)
{
    sp_http_t *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return sp_error_set(err, SP_ERR_NOMEM, "out of memory");
    h->m = m;
    /* Scrapes and probes are a few small requests. */
    const sp_http_limits_t lim = {.max_connections = SP_HTTP_MAX_CONNECTIONS,
                                  .max_per_ip = SP_HTTP_MAX_PER_IP,
                                  .idle_seconds = SP_HTTP_IDLE_SECONDS,
                                  .memory = 16384};
    if (sp_http_listen(listen, "metrics", &lim, handler, m, &h->d, err) != SP_OK) {
        free(h);
        return err ? err->code : SP_ERR_IO;
    }
    *out = h;
    return SP_OK;
}

void sp_http_stop(sp_http_t *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
