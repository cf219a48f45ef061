/*
 * sp_load_int.h: what only the load stage's own files share: the batch, the loader's
 * state, and the statements of load/sql.
 *
 * A loader stages messages into one batch (sp_stage.c) while the flusher thread commits
 * the one before (sp_flusher.c); a batch commits in one transaction (sp_merge.c).
 */
#ifndef SP_LOAD_INT_H
#define SP_LOAD_INT_H

#include "sp_load.h"

#include <apr_tables.h>
#include <pthread.h>

/* The positions a batch reaches in one Kafka partition. */
typedef struct sp_offset_slot {
    const char *topic; /* interned in the loader's pool */
    int32_t partition;
    int64_t first; /* offset of the batch's first message from this partition */
    int64_t next;  /* one past its last */
} sp_offset_slot_t;

/* One batch: what a transaction commits. A loader has two, so that one can be staged
 * while the other is committed by the flusher thread. */
typedef struct sp_batch {
    /* COPY text in the vintage table's columns (sql/copy_observation.sql, and
     * sql/copy_obs.sql when the batch goes through the merge); the first column is the id
     * series_ids gives the row's series: a stored id in obs, a placeholder in obs_new. */
    sp_buf_t obs, obs_new;
    sp_buf_t seen;     /* COPY text for sql/copy_seen.sql: (sender, message id) of each row */
    sp_keyset_t ids;   /* (sender, message id) of every row in obs: each is staged once */
    sp_keyset_t slots; /* (series, period, release) of every row in obs */
    bool slot_repeats; /* some (series, period, release) came twice (kept after an undo: the checked
                        * merge is right for any batch) */
    /* The batch's series (their keys, 6 parts), and per key the id its rows carry: the
     * stored id the loader knows, or -(k + 1) for key k when it knows none. */
    sp_keyset_t series;
    int64_t *series_ids;
    size_t cap_series_ids;
    /* The stored ids of the batch's series, once its merge found them (series_ids.sql);
     * n_resolved is 0 until then. Only a committed batch's are remembered. */
    int64_t *resolved;
    size_t n_resolved, cap_resolved;
    bool series_missing; /* the merge found a series missing that was thought committed */
    bool copied;         /* it committed by COPY straight into the tables */
    /* Releases of rows in obs that were at most an hour in the past when staged, as
     * PostgreSQL array elements ("t1","t2"): the ones still under embargo at COMMIT are
     * remembered (sql/data_changed.sql). The hour covers clocks that differ. */
    int64_t since_us; /* when the batch was emptied; later releases than this less an hour */
    sp_keyset_t due_keys;
    sp_buf_t due;
    sp_buf_t quarantine; /* COPY text for sp_stage_quarantine */
    sp_buf_t replayed;   /* COPY text for sp_stage_replayed: quarantine ids now loaded */
    size_t messages;
    sp_offset_slot_t *offsets;
    int n_offsets, cap_offsets;
    uint64_t reasons[SP_REASON__COUNT]; /* quarantined, by reason */
} sp_batch_t;

/* The statements of load/sql, compiled into the binary; each file holds one statement
 * (stage.sql excepted: it creates the staging tables). */
typedef struct sp_load_sql {
    const char *stage, *copy_obs, *copy_quarantine, *copy_replayed, *copy_offset;
    const char *copy_observation, *copy_seen, *copy_quarantine_table, *copy_batch_series;
    const char *series_ids;
    const char *offsets_advance, *series, *seen_record, *keep_lean, *keep_checked;
    const char *observation_insert;
    const char *data_changed;
    const char *kept_refresh;
    const char *quarantine_insert, *quarantine_replayed;
    const char *offset_get, *offsets_list, *offsets_forget, *offsets_set;
    const char *quarantine_list, *quarantine_page;
} sp_load_sql_t;

/* The statements, found once. */
const sp_load_sql_t *sp_load_sql(void);

struct sp_loader {
    apr_pool_t *pool;
    PGconn *conn;
    const char *conninfo; /* what conn was opened with: a refresh in parts opens more */
    const char *group_id;
    const sp_load_sql_t *sql;
    sp_transformer_t *tf;
    size_t max_message_bytes; /* the transform's limit, also for lines not read whole */
    sp_batch_t batches[2];
    sp_batch_t *cur;   /* being staged */
    sp_batch_t *older; /* staged before cur and not yet committed (in flight, or failed), or NULL */
    sp_buf_t scratch;
    unsigned checked_merges_due; /* batches to merge in the checked form before trying lean */
    unsigned merges_due;         /* batches to merge (lean or checked) before trying the COPY */
    /* Series this loader has seen committed, and their stored ids (the caller's thread
     * only): a batch whose series are all here goes in by COPY, with these ids. */
    sp_keyset_t known_series;
    int64_t *known_ids;
    size_t cap_known_ids;
    apr_array_header_t *topics; /* const char *: every topic name seen, once */
    const sp_source_t *cur_src; /* the message being added */
    bool missed_notifications;  /* reconnected: catalogue changes may have gone unheard */
    /* Fault injection for tests (STATPIPE_FAULT_LOSE_COMMIT_EVERY=N): every Nth commit
     * succeeds on the server but its answer is lost, as when the network fails just then. */
    unsigned lose_commit_every, commits;
    sp_load_stats_t stats;
    /* The flusher thread commits `older` while the caller stages `cur`. The connection
     * belongs to the thread while a flight is on; everything else is the caller's. */
    pthread_t thread;
    bool has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool flying;   /* a flight was handed over and not yet landed */
    bool finished; /* the thread is done with the flight: its result is below */
    bool quit;
    bool connected; /* the connection's state when last looked at between flights */
    sp_status_t flight_st;
    sp_error_t flight_err;
    uint64_t flight_inserted;
};

/* sp_stage.c: batches and the rows staged into them. */
void sp_batch_init(sp_batch_t *b);
void sp_batch_free(sp_batch_t *b);
/* Empties a batch, keeping its buffers for the next one. */
void sp_batch_reset(sp_batch_t *b);
/* Appends v in decimal. */
void sp_put_i64(sp_buf_t *b, int64_t v);

/* sp_merge.c: commits batch b in one transaction (lean or checked merge, reruns after a
 * lost race for a message id or a missing series). Touches only the connection, b, the
 * merge form's state and the fault counter, so the flusher thread can run it while the
 * caller stages the next batch. */
sp_status_t sp_merge_batch(sp_loader_t *ld, sp_batch_t *b, uint64_t *inserted, sp_error_t *err);

/* sp_flusher.c: waits until the flusher thread is done with the connection (its result
 * stays for sp_loader_land); stops the thread. */
void sp_flusher_wait(sp_loader_t *ld);
void sp_flusher_stop(sp_loader_t *ld);
/* Counts batch b as committed (inserted new vintages), remembers its series as stored,
 * and empties it. */
void sp_batch_done(sp_loader_t *ld, sp_batch_t *b, uint64_t inserted);

/* sp_keeper.c: runs kept_refresh.sql on conn, for at most max_years years (0: all) of part
 * `part` of `parts` (0 of 1: every marked year). */
sp_status_t sp_kept_refresh(PGconn *conn, uint64_t max_years, int part, int parts, uint64_t *years,
                            sp_error_t *err);
/* The most parts a refresh runs in (statpipe.refresh_stale allows 64). */
#define SP_KEPT_MAX_PARTS 16
/* Refreshes every marked year in `parts` parts at once: part 0 on conn in the caller's
 * thread, each other part in a thread of its own on a connection to conninfo. *years (may
 * be NULL) is how many years all parts recomputed; a part that fails leaves its marks, and
 * its error is returned after every part has ended. */
sp_status_t sp_kept_refresh_parts(PGconn *conn, const char *conninfo, int parts, uint64_t *years,
                                  sp_error_t *err);

#endif
