/*
 * sp_load.h: the public interface of the load stage: a connection to PostgreSQL that
 * takes messages, transforms them, batches the results and commits each batch with its
 * quarantine rows and Kafka offsets in one transaction; schema migrations; the catalogue
 * as stored in the database.
 */
#ifndef SP_LOAD_H
#define SP_LOAD_H

#include "sp_core.h"
#include "sp_pg.h"
#include "sp_transform.h"

#include <apr_pools.h>
#include <libpq-fe.h>

/* Where a message came from: a Kafka partition and offset, or a file and line. */
typedef struct sp_source {
    const char *topic; /* NULL for a file */
    int32_t partition;
    int64_t offset;
    const char *file; /* NULL for Kafka */
    int64_t line;
    /* The message's length when the payload given is only its first bytes (a line longer
     * than the message size limit, not read whole); 0 when the payload is whole. */
    size_t whole_len;
} sp_source_t;

typedef struct sp_load_stats {
    uint64_t messages;                                /* messages taken */
    uint64_t rows;                                    /* observations staged */
    uint64_t quarantined;                             /* messages sent to quarantine */
    uint64_t quarantined_by_reason[SP_REASON__COUNT]; /* committed, by reason */
    uint64_t batches;                                 /* batches committed */
    uint64_t copied;   /* of them, by COPY straight into the tables (no merge) */
    uint64_t inserted; /* vintages inserted by the merge (duplicates are not counted) */
} sp_load_stats_t;

typedef struct sp_loader sp_loader_t;

/* Connects with conninfo (libpq's string; "" uses the PG* environment) and prepares the
 * staging tables. group_id names the Kafka consumer group whose offsets this loader
 * writes (NULL when loading files). The loader and its memory live in a subpool of pool. */
sp_status_t sp_loader_open(apr_pool_t *pool, const char *conninfo, const char *group_id,
                           sp_loader_t **out, sp_error_t *err);
void sp_loader_close(sp_loader_t *ld);
/* Whether the connection is up, without waiting: during a flight, as last seen. */
bool sp_loader_connected(sp_loader_t *ld);

/* Loads the catalogue from the database into pool. */
sp_status_t sp_loader_catalogue(sp_loader_t *ld, apr_pool_t *pool, sp_catalogue_t **out,
                                sp_error_t *err);
void sp_loader_set_catalogue(sp_loader_t *ld, const sp_catalogue_t *cat);
void sp_loader_set_limits(sp_loader_t *ld, const sp_transform_limits_t *limits);

/* Takes one message: transforms it and stages its observations, or stages it for
 * quarantine. Kafka offsets are remembered for the next flush. Nothing reaches the
 * database before sp_loader_flush. Fails only when staging itself fails. */
sp_status_t sp_loader_add(sp_loader_t *ld, const sp_source_t *src, const void *payload, size_t len,
                          sp_error_t *err);
/* For `quarantine replay`: transforms a quarantined message again. If it passes
 * (*accepted), its observations are staged and the flush that commits them also marks
 * the quarantine row replayed, in the same transaction; if not, nothing is staged and rej
 * says why. */
sp_status_t sp_loader_add_replay(sp_loader_t *ld, int64_t quarantine_id, const sp_source_t *src,
                                 const void *payload, size_t len, sp_reject_t *rej, bool *accepted,
                                 sp_error_t *err);
/* True if the catalogue changed in the database since the last call (a notification from
 * the catalogue tables' triggers). Never blocks. */
bool sp_loader_catalogue_changed(sp_loader_t *ld);
/* Messages and bytes staged since the last flush (or the last sp_loader_flush_async). */
size_t sp_loader_pending_messages(const sp_loader_t *ld);
size_t sp_loader_pending_bytes(const sp_loader_t *ld);
/* Messages taken and not yet committed: staged, in flight, or in a batch whose flush
 * failed. */
size_t sp_loader_uncommitted_messages(const sp_loader_t *ld);
/* Commits what is staged (after a failed flight, that batch first): observations,
 * quarantine rows and offsets in one transaction per batch. After a failure the batch is
 * kept, so the caller can retry or abandon it. Fails with
 * SP_ERR_CONFLICT (rolled back) when another consumer already committed one of the batch's
 * partitions past the batch's first message: abandon the batch and re-read from the stored
 * offsets. With a retriable error (err->retriable), sp_loader_recover reconnects, settles
 * and flushes again. */
sp_status_t sp_loader_flush(sp_loader_t *ld, sp_error_t *err);
/* Hands the staged batch to the loader's flusher thread and returns at once, so the next
 * batch can be staged (parsed, validated) while this one is committed: the same
 * transaction as sp_loader_flush. One batch flies at a time: a flight still on is waited
 * for first. Batches commit in the order they were staged; a batch whose flight failed
 * is flushed (synchronously) before any later one. While a flight is on, only staging
 * (sp_loader_add) runs in parallel with it; every other call that needs the connection
 * waits for the flight to land first. */
sp_status_t sp_loader_flush_async(sp_loader_t *ld, sp_error_t *err);
/* Lands the flight: collects its result. *flying is true while it is still on (only when
 * not wait); false when it landed now or no flight was on. A failed flight returns its
 * error; its batch is kept, ahead of the staged one, for sp_loader_flush (retry),
 * sp_loader_settle or sp_loader_abandon. */
sp_status_t sp_loader_land(sp_loader_t *ld, bool wait, bool *flying, sp_error_t *err);
bool sp_loader_in_flight(const sp_loader_t *ld);
/* Reconnects after a lost connection and restores the session (staging tables, LISTEN). */
sp_status_t sp_loader_reconnect(sp_loader_t *ld, sp_error_t *err);
/* After a flush failed with a lost connection: tells whether the kept batches were in
 * fact committed (a COMMIT went through before the connection broke), by reading the
 * stored offsets, and drops those that were (*committed). Batches without offsets are
 * idempotent and report not committed: flush again. */
sp_status_t sp_loader_settle(sp_loader_t *ld, bool *committed, sp_error_t *err);
/* Drops the kept and staged batches without writing them (for partitions revoked under
 * us); a flight still on is waited for, and counted if it went in. */
void sp_loader_abandon(sp_loader_t *ld);
const sp_load_stats_t *sp_loader_stats(const sp_loader_t *ld);

/* Reads the stored next offset of topic/partition for the loader's group; *next is -1
 * when none is stored. */
sp_status_t sp_loader_offset_get(sp_loader_t *ld, const char *topic, int32_t partition,
                                 int64_t *next, sp_error_t *err);

/* ---- recovery (sp_recover.c) ----------------------------------------------------------- */

/* What a caller does while its loader waits for PostgreSQL. fn runs again and again while
 * the loader waits between reconnect attempts, and may block up to about 100 ms (the
 * daemon polls its consumer, which keeps it in its group, and feeds its probes); it returns
 * false to stop waiting: recovery then makes one last attempt and gives up. Without fn the
 * loader sleeps. */
typedef struct sp_keepalive {
    bool (*fn)(void *opaque);
    void *opaque;
    int max_attempts; /* reconnect attempts before giving up; 0: no bound */
    const char *at;   /* where the wait happens, for the log (at=...) */
} sp_keepalive_t;

/* The wait before the next reconnect attempt: 100 ms, doubled each time, at most 5 s. */
int64_t sp_backoff_next_ms(int64_t ms);
/* Keeps the caller alive for ms (ka may be NULL: sleeps); false when ka asks to stop. */
bool sp_keepalive_wait(const sp_keepalive_t *ka, int64_t ms);
/* Reconnects with backoff, keeping the caller alive (ka may be NULL). */
sp_status_t sp_loader_reconnect_wait(sp_loader_t *ld, const sp_keepalive_t *ka, sp_error_t *err);
/* After a flush (or a landed flight) failed with st: if the error is retriable, reconnects
 * with backoff, settles what a lost COMMIT answer left unknown, and flushes the rest again,
 * until what was taken is committed. Returns st itself when it is not retriable (among
 * them SP_ERR_CONFLICT, which only the caller can answer), or the error that ended the
 * recovery (a stop asked for, or ka->max_attempts spent). */
sp_status_t sp_loader_recover(sp_loader_t *ld, sp_status_t st, const sp_keepalive_t *ka,
                              sp_error_t *err);

/* ---- stored offsets (sp_offsets.c) ----------------------------------------------------- */

typedef struct sp_offset_row {
    const char *group, *topic, *partition, *next_offset, *updated_at; /* as text */
} sp_offset_row_t;
typedef void (*sp_offset_row_fn)(void *opaque, const sp_offset_row_t *row);

/* Calls fn for each stored offset of group and topic (NULL for all), in key order. */
sp_status_t sp_offsets_list(PGconn *conn, const char *group, const char *topic, sp_offset_row_fn fn,
                            void *opaque, sp_error_t *err);
/* Forgets the stored offsets of group and topic (to NULL; partition NULL for every one),
 * or sets partition's next offset to `to`. *changed is the number of partitions changed. */
sp_status_t sp_offsets_reset(PGconn *conn, const char *group, const char *topic,
                             const char *partition, const char *to, long *changed, sp_error_t *err);

/* ---- quarantine as stored (sp_quarantine.c) -------------------------------------------- */

typedef struct sp_quarantine_filter {
    const char *reason, *sender, *id; /* NULL for any */
    bool all;                         /* list: also rows already replayed */
    size_t limit;                     /* list: at most this many rows */
} sp_quarantine_filter_t;

typedef struct sp_quarantine_row {
    int64_t id;
    /* As text, "" when absent: source is topic/partition@offset or file:line. */
    const char *received_at, *reason, *sender, *message_id, *source, *detail, *replayed_at;
} sp_quarantine_row_t;
typedef void (*sp_quarantine_row_fn)(void *opaque, const sp_quarantine_row_t *row);
typedef void (*sp_replay_rejected_fn)(void *opaque, int64_t id, const sp_reject_t *rej);

/* Calls fn for each quarantine row that f selects, oldest first. */
sp_status_t sp_quarantine_list(sp_loader_t *ld, const sp_quarantine_filter_t *f,
                               sp_quarantine_row_fn fn, void *opaque, sp_error_t *err);
/* Runs the waiting rows that f selects through the transform again, page by page, with the
 * loader's catalogue: those that pass are loaded and leave quarantine in one transaction
 * per page (*loaded); on_rejected hears of the others (*still). One replay runs at a time
 * per database (SP_ERR_CONFLICT otherwise). */
sp_status_t sp_quarantine_replay(sp_loader_t *ld, const sp_quarantine_filter_t *f,
                                 sp_replay_rejected_fn on_rejected, void *opaque, size_t *loaded,
                                 size_t *still, sp_error_t *err);

/* Applies the migrations not yet applied and loads the catalogue seed if it changed.
 * Prints one line per step to log. Safe to run concurrently and repeatedly. */
sp_status_t sp_migrate(PGconn *conn, bool verbose, sp_error_t *err);

/* The kept values (migration 029): the transactions that store observations mark the kept
 * years they touch; a refresh recomputes the marked years once, outside them. Readers see
 * the same rows before and after (marked years are computed at query time).
 * sp_loader_refresh_kept refreshes once the loader's flight has landed (`load` and
 * `quarantine replay` at their end), in `parts` parts side by side (migration 032): one on
 * the loader's connection, each other on a connection of its own; *years (may be NULL) is
 * how many years it recomputed. A failure is logged as a warning too. */
sp_status_t sp_loader_refresh_kept(sp_loader_t *ld, int parts, uint64_t *years, sp_error_t *err);
/* The daemon's keeper: a thread with its own connection (conninfo) that refreshes after it
 * is told observations were stored: at most once per interval_ms and after waiting at least
 * three times as long as the last refresh took, in transactions of a few hundred years
 * with a pause after each as long as it took; and while the daemon reads a backlog, not
 * before the backlog is read or backlog_ms have passed since the first batch not refreshed.
 * It refreshes at once when it starts (marks an earlier run left). A failed refresh is
 * logged and tried again after the interval. sp_keeper_stop ends the thread; with refresh,
 * it refreshes once more before it returns (`run -e`), in `parts` parts side by side. */
typedef struct sp_keeper sp_keeper_t;
sp_status_t sp_keeper_start(apr_pool_t *pool, const char *conninfo, int64_t interval_ms,
                            int64_t backlog_ms, int parts, sp_keeper_t **out, sp_error_t *err);
/* stored: batches stored observations since the last call; backlog: the daemon's batches
 * close full (it reads a backlog). */
void sp_keeper_tell(sp_keeper_t *k, bool stored, bool backlog);
/* New waits, from now on (SIGHUP). */
void sp_keeper_set_interval(sp_keeper_t *k, int64_t interval_ms, int64_t backlog_ms);
sp_status_t sp_keeper_stop(sp_keeper_t *k, bool refresh, sp_error_t *err);

#endif
