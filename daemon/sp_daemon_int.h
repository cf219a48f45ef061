/* sp_daemon_int.h: what the daemon's own files share: the daemon and its lanes. */
#ifndef SP_DAEMON_INT_H
#define SP_DAEMON_INT_H

#include "sp_daemon.h"
#include "sp_load.h"
#include "sp_metrics.h"

#include <apr_pools.h>

/* One lane: a loader (its own PostgreSQL connection and flusher thread) and the
 * partitions that hash to it. Partitions are bound to lanes, so each partition's batches
 * commit in order on one connection, and the lanes' merges run on the server side by side. */
typedef struct sp_lane {
    sp_loader_t *ld;
    int64_t batch_start;     /* when the staged batch got its first message */
    int64_t flight_start_us; /* when the batch in flight was handed over */
    size_t flight_messages;
    bool landed;                  /* a flight landed in this turn of the loop */
    int64_t reconnect_at_us;      /* a drained lane's next reconnect attempt */
    int64_t reconnect_backoff_ms; /* 0 while connected */
} sp_lane_t;

typedef struct sp_daemon {
    const sp_daemon_control_t *ctl;
    sp_lane_t lanes[SP_MAX_CONNECTIONS];
    int n_lanes;
    int n_open; /* lanes whose loader is open */
    sp_consumer_t *consumer;
    sp_metrics_t *metrics; /* NULL without metrics.listen */
    int64_t last_publish_us;
    uint64_t watchdog_usec; /* systemd's WatchdogSec, 0 when not asked */
    int64_t last_watchdog_us;
    apr_pool_t *pool;
    apr_pool_t *cat_pool; /* holds the catalogue in use */
    bool flush_failed;    /* a batch could not be committed when partitions were revoked */
    sp_error_t flush_err;
    bool take_failed; /* staging failed while waiting for PostgreSQL */
    sp_error_t take_err;
    sp_keeper_t *keeper;    /* refreshes the kept values after batches store observations */
    bool backlog;           /* the last batch closed full */
    uint64_t kept_inserted; /* the lanes' inserted vintages when the keeper was last told */
    bool kept_backlog;      /* the backlog the keeper was last told */
} sp_daemon_t;

/* sp_lane.c: the lanes. */
sp_lane_t *sp_lane_of(sp_daemon_t *d, int32_t partition);
/* Drained: nothing taken that is not committed (a batch in flight counts as taken). */
bool sp_lane_drained(const sp_lane_t *l);
bool sp_lanes_drained(const sp_daemon_t *d);
/* The lanes' counters, added up. */
sp_load_stats_t sp_lanes_stats(const sp_daemon_t *d);
/* Stages one consumed message in the lane of its partition. */
sp_status_t sp_lane_take(sp_daemon_t *d, rd_kafka_message_t *m, sp_error_t *err);
/* After a flush (or a flight) of lane l ended with st: recovers as sp_loader_recover does,
 * with consumption paused and the group kept by polling; a conflict (another member owns
 * the partitions now) abandons every lane and re-reads from the stored offsets. Non-OK only
 * for errors that retrying cannot cure, or a stop during an outage. */
sp_status_t sp_lane_recover(sp_daemon_t *d, sp_lane_t *l, sp_status_t st, sp_error_t *err);
/* Lands lane l's flight (waiting for it if wait): counts it when it went in, recovers when
 * it failed. Non-OK only when recovery failed (logged; the caller stops). */
sp_status_t sp_lane_land(sp_daemon_t *d, sp_lane_t *l, bool wait, sp_error_t *err);
/* Logs a flush that recovery could not save. The caller stops; whatever no lane committed
 * is abandoned there, and read again on restart from the stored offsets. */
void sp_lane_log_flush_failed(const sp_error_t *err);
/* Commits everything every lane took, waiting for flights. */
sp_status_t sp_lanes_flush(sp_daemon_t *d, sp_error_t *err);
/* A drained lane whose connection was found lost reconnects with backoff, without blocking. */
void sp_lane_reconnect_drained(sp_lane_t *l, int i);
/* The consumer's hooks: stored offsets for an assignment, commit before a revocation. */
sp_status_t sp_lane_hook_stored_offset(void *opaque, const char *topic, int32_t partition,
                                       int64_t *next, sp_error_t *err);
void sp_lane_hook_before_revoke(void *opaque);

/* sp_daemon.c: liveness while waiting for PostgreSQL (alive, not ready). */
void sp_daemon_note_waiting(sp_daemon_t *d);
/* Publishes the loop's state to the metrics snapshot (at most five times a second unless
 * forced). */
void sp_daemon_publish(sp_daemon_t *d, bool force);
/* Keep-alives for sp_loader_recover and friends: polling the consumer (which keeps the
 * daemon in its group and stages what comes), or only staying alive for the probes (inside
 * a rebalance callback, where polling is not allowed). */
bool sp_daemon_keep_polling(void *opaque);
bool sp_daemon_keep_alive(void *opaque);

#endif
