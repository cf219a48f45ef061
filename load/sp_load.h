/*
 * sp_load.h: the public interface of the load stage: a connection to PostgreSQL that
 * takes messages, transforms them, batches the results and commits each batch with its
 * quarantine rows and Kafka offsets in one transaction; schema migrations; the catalogue
 * as stored in the database.
 */
#ifndef SP_LOAD_H
#define SP_LOAD_H

#include "sp_core.h"
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
} sp_source_t;

typedef struct sp_load_stats {
    uint64_t messages;                                /* messages taken */
    uint64_t rows;                                    /* observations staged */
    uint64_t quarantined;                             /* messages sent to quarantine */
    uint64_t quarantined_by_reason[SP_REASON__COUNT]; /* committed, by reason */
    uint64_t batches;                                 /* batches committed */
    uint64_t inserted; /* vintages inserted by the merge (duplicates are not counted) */
} sp_load_stats_t;

typedef struct sp_loader sp_loader_t;

/* Connects with conninfo (libpq's string; "" uses the PG* environment) and prepares the
 * staging tables. group_id names the Kafka consumer group whose offsets this loader
 * writes (NULL when loading files). The loader and its memory live in a subpool of pool. */
sp_status_t sp_loader_open(apr_pool_t *pool, const char *conninfo, const char *group_id,
                           sp_loader_t **out, sp_error_t *err);
void sp_loader_close(sp_loader_t *ld);
PGconn *sp_loader_conn(sp_loader_t *ld);

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
/* Messages and bytes staged since the last flush. */
size_t sp_loader_pending_messages(const sp_loader_t *ld);
size_t sp_loader_pending_bytes(const sp_loader_t *ld);
/* Commits the batch: observations, quarantine rows and offsets in one transaction.
 * After a failure the batch is kept, so the caller can retry or abandon it. Fails with
 * SP_ERR_CONFLICT (rolled back) when another consumer already committed one of the batch's
 * partitions past the batch's first message: abandon the batch and re-read from the stored
 * offsets. With a retriable error (err->retriable), reconnect, settle, and flush again. */
sp_status_t sp_loader_flush(sp_loader_t *ld, sp_error_t *err);
/* Reconnects after a lost connection and restores the session (staging tables, LISTEN). */
sp_status_t sp_loader_reconnect(sp_loader_t *ld, sp_error_t *err);
/* After a flush failed with a lost connection: tells whether the staged batch was in fact
 * committed (its COMMIT went through before the connection broke), by reading the stored
 * offsets. Batches without offsets are idempotent and report not committed: flush again. */
sp_status_t sp_loader_settle(sp_loader_t *ld, bool *committed, sp_error_t *err);
/* Drops the staged batch without writing it (for partitions revoked under us). */
void sp_loader_abandon(sp_loader_t *ld);
const sp_load_stats_t *sp_loader_stats(const sp_loader_t *ld);

/* Reads the stored next offset of topic/partition for the loader's group; *next is -1
 * when none is stored. */
sp_status_t sp_loader_offset_get(sp_loader_t *ld, const char *topic, int32_t partition,
                                 int64_t *next, sp_error_t *err);

/* Applies the migrations not yet applied and loads the catalogue seed if it changed.
 * Prints one line per step to log. Safe to run concurrently and repeatedly. */
sp_status_t sp_migrate(PGconn *conn, bool verbose, sp_error_t *err);

/* Runs sql (a static statement, no parameters) and checks it succeeded. */
sp_status_t sp_pg_exec(PGconn *conn, const char *sql, sp_error_t *err);
/* Fills err from a failed result or a broken connection, and clears res. */
sp_status_t sp_pg_error(PGconn *conn, PGresult *res, const char *what, sp_error_t *err);

#endif
