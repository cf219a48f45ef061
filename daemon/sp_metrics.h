/* sp_metrics.h: the daemon's metrics and health, served over HTTP (libmicrohttpd) in the
 * Prometheus text format at /metrics, with /health and /ready. */
#ifndef SP_METRICS_H
#define SP_METRICS_H

#include "sp_ingest.h"
#include "sp_load.h"

#include <pthread.h>

#define SP_METRICS_MAX_PARTITIONS 256

/* A snapshot the daemon's loop publishes; the HTTP thread only reads it, under mu. */
typedef struct sp_metrics {
    pthread_mutex_t mu;
    sp_load_stats_t load;
    uint64_t batch_hist[8];  /* messages per committed batch, cumulative buckets */
    uint64_t commit_hist[9]; /* seconds per commit, cumulative buckets */
    double commit_seconds_sum;
    uint64_t batch_messages_sum, commits;
    bool pg_connected, assigned;
    int64_t last_loop_us;
    int n_lag;
    sp_partition_lag_t lag[SP_METRICS_MAX_PARTITIONS];
} sp_metrics_t;

typedef struct sp_http sp_http_t;

/* The metrics endpoint's bounds: connections at once (in all and from one address), and
 * seconds a connection may sit idle before it is closed. */
#define SP_HTTP_MAX_CONNECTIONS 16
#define SP_HTTP_MAX_PER_IP 8
#define SP_HTTP_IDLE_SECONDS 5

void sp_metrics_init(sp_metrics_t *m);
/* Records one committed batch of n messages that took seconds to commit. */
void sp_metrics_commit(sp_metrics_t *m, size_t n, double seconds);
/* Serves /metrics, /health and /ready on listen ("HOST:PORT"). */
sp_status_t sp_http_start(sp_metrics_t *m, const char *listen, sp_http_t **out, sp_error_t *err);
void sp_http_stop(sp_http_t *h);

#endif
