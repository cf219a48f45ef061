/*
 * sp_merge.c: one batch, one transaction: COPY into the staging tables, the offsets
 * advanced (or the batch rolled back when another consumer is ahead), new series, the
 * merge into the vintage table in one of two forms, quarantine rows, COMMIT. Each step is
 * one statement of load/sql with its own result.
 *
 * The merge decides which staged rows are new vintages (into sp_stage_keep), then inserts
 * them (observation_insert.sql). The decision has two forms. The lean one (seen_record.sql,
 * then keep_lean.sql) serves the usual batch: no (series, period) comes twice and none of
 * its message ids is expected to be seen. The checked one (keep_checked.sql) serves any
 * batch: one that repeats a (series, period), and one whose lean merge met a seen id (a
 * unique violation on message_seen_pkey); the next CHECKED_MERGES_AFTER_SEEN batches then
 * take the checked form too, since seen ids come in runs (a replay, a group reading a topic
 * again).
 */
#include "sp_load_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* After a lean merge met a seen id, this many batches take the checked form. */
#define CHECKED_MERGES_AFTER_SEEN 16
/* A batch that keeps losing races for its message ids or periods gives up after this many
 * tries. */
#define MERGE_ATTEMPTS 10

/* The constraint, column and table whose violations the merge answers by running again. */
#define SEEN_CONSTRAINT "message_seen_pkey"
#define SERIES_ID_COLUMN "series_id"
/* The vintages of a (series, period) (migration 031): a second current one, or a second one
 * from the same release, means another transaction stored the period meanwhile. */
#define VINTAGE_SCHEMA "statpipe"
#define VINTAGE_TABLE "vintage"

/* Why a merge statement failed, when running again can cure it. */
typedef enum merge_failure {
    MERGE_FAILED,         /* anything else: the batch is kept for the caller */
    MERGE_SEEN_RACE,      /* a message id was recorded meanwhile (or, lean, seen before) */
    MERGE_SERIES_MISSING, /* a series thought stored is not in statpipe.series */
    MERGE_VINTAGE_RACE,   /* another transaction stored one of the batch's periods meanwhile */
} merge_failure_t;

static sp_status_t rollback(sp_loader_t *ld, sp_status_t st)
{
    if (ld->conn != NULL && PQtransactionStatus(ld->conn) != PQTRANS_IDLE &&
        PQstatus(ld->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(ld->conn, "ROLLBACK");
        PQclear(res);
    }
    return st;
}

/* Runs one statement of the merge; *rows is its affected row count. A failure says
 * whether a rerun can cure it. */
static sp_status_t merge_step(PGconn *conn, const char *sql, const char *what, uint64_t *rows,
                              merge_failure_t *why, sp_error_t *err)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
        const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
        const char *schema = PQresultErrorField(res, PG_DIAG_SCHEMA_NAME);
        const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
        bool unique = sp_pg_state_is(res, SP_SQLSTATE_UNIQUE_VIOLATION);
        if (unique && constraint != NULL && strcmp(constraint, SEEN_CONSTRAINT) == 0)
            *why = MERGE_SEEN_RACE;
        else if (unique && schema != NULL && table != NULL && strcmp(schema, VINTAGE_SCHEMA) == 0 &&
                 strcmp(table, VINTAGE_TABLE) == 0)
            *why = MERGE_VINTAGE_RACE;
        else if (sp_pg_state_is(res, SP_SQLSTATE_NOT_NULL_VIOLATION) && column != NULL &&
                 strcmp(column, SERIES_ID_COLUMN) == 0)
            *why = MERGE_SERIES_MISSING;
        return sp_pg_error(conn, res, what, err);
    }
    if (rows != NULL)
        *rows = strtoull(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return SP_OK;
}

/* Stages the batch's Kafka positions (sql/copy_offset.sql's columns) and advances them.
 * SP_ERR_CONFLICT when a partition's stored offset is past the batch's first message. */
static sp_status_t advance_offsets(sp_loader_t *ld, const sp_batch_t *b, sp_error_t *err)
{
    merge_failure_t why = MERGE_FAILED;
    sp_buf_t *s = &ld->scratch;
    sp_buf_reset(s);
    for (int i = 0; i < b->n_offsets; i++) {
        sp_buf_copy_text(s, ld->group_id, strlen(ld->group_id));
        sp_buf_putc(s, '\t');
        sp_buf_copy_text(s, b->offsets[i].topic, strlen(b->offsets[i].topic));
        sp_buf_putc(s, '\t');
        sp_put_i64(s, b->offsets[i].partition);
        sp_buf_putc(s, '\t');
        sp_put_i64(s, b->offsets[i].first);
        sp_buf_putc(s, '\t');
        sp_put_i64(s, b->offsets[i].next);
        sp_buf_putc(s, '\n');
    }
    uint64_t advanced = 0;
    if (sp_pg_copy_in(ld->conn, ld->sql->copy_offset, s->data, s->len, err) != SP_OK ||
        merge_step(ld->conn, ld->sql->offsets_advance, "storing offsets", &advanced, &why, err) !=
            SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    if (advanced != (uint64_t)b->n_offsets)
        return sp_error_set(err, SP_ERR_CONFLICT,
                            "%d of %d partitions were committed further by another consumer of "
                            "group %s",
                            b->n_offsets - (int)advanced, b->n_offsets, ld->group_id);
    return SP_OK;
}

/* Commits batch b in one transaction, in the lean or the checked form. *why tells, after
 * a failure, whether running again can cure it. */
static sp_status_t merge_once(sp_loader_t *ld, sp_batch_t *b, bool lean, uint64_t *inserted_out,
                              merge_failure_t *why, sp_error_t *err)
{
    const sp_load_sql_t *q = ld->sql;
    PGconn *conn = ld->conn;
    uint64_t inserted = 0;
    *why = MERGE_FAILED;
    if (sp_pg_exec(conn, "BEGIN", err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if ((b->obs.len > 0 &&
         sp_pg_copy_in(conn, q->copy_obs, b->obs.data, b->obs.len, err) != SP_OK) ||
        (b->quarantine.len > 0 && sp_pg_copy_in(conn, q->copy_quarantine, b->quarantine.data,
                                                b->quarantine.len, err) != SP_OK) ||
        (b->replayed.len > 0 &&
         sp_pg_copy_in(conn, q->copy_replayed, b->replayed.data, b->replayed.len, err) != SP_OK))
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->n_offsets > 0 && ld->group_id != NULL && advance_offsets(ld, b, err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if ((sp_keyset_size(&b->new_series) > 0 || b->series_missing) &&
        sp_pg_exec(conn, q->series, err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->obs.len > 0) {
        sp_status_t st = lean ? merge_step(conn, q->seen_record, "merge", NULL, why, err) : SP_OK;
        if (st == SP_OK)
            st = merge_step(conn, lean ? q->keep_lean : q->keep_checked, "merge", NULL, why, err);
        if (st == SP_OK)
            st = merge_step(conn, q->observation_insert, "merge", &inserted, why, err);
        if (st != SP_OK)
            return rollback(ld, st);
    }
    if ((b->quarantine.len > 0 &&
         merge_step(conn, q->quarantine_insert, "merge", NULL, why, err) != SP_OK) ||
        (b->replayed.len > 0 &&
         merge_step(conn, q->quarantine_replayed, "merge", NULL, why, err) != SP_OK))
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    /* Last: the time the data changed, whose lock is held until COMMIT (data_changed.sql). */
    if (inserted > 0 && merge_step(conn, q->data_changed, "merge", NULL, why, err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    PGresult *res = PQexec(conn, "COMMIT");
    if (PQresultStatus(res) == PGRES_COMMAND_OK && ld->lose_commit_every &&
        ++ld->commits % ld->lose_commit_every == 0) {
        PQclear(res);
        shutdown(PQsocket(conn), SHUT_RDWR);
        PQconsumeInput(conn); /* lets libpq see the broken connection */
        return sp_error_set(err, SP_ERR_CONN, "connection lost at COMMIT (injected)");
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (PQstatus(conn) != CONNECTION_OK) {
            /* COMMIT was sent but its answer was lost: the batch may or may not be in.
             * sp_loader_settle tells which once the connection is back. */
            PQclear(res);
            return sp_error_set(err, SP_ERR_CONN, "connection lost at COMMIT");
        }
        return rollback(ld, sp_pg_error(conn, res, "COMMIT", err));
    }
    PQclear(res);
    *inserted_out = inserted;
    return SP_OK;
}

sp_status_t sp_merge_batch(sp_loader_t *ld, sp_batch_t *b, uint64_t *inserted, sp_error_t *err)
{
    bool lean = !b->slot_repeats && ld->checked_merges_due == 0;
    for (int attempt = 1;; attempt++) {
        merge_failure_t why;
        sp_status_t st = merge_once(ld, b, lean, inserted, &why, err);
        if (st == SP_OK) {
            if (!lean && ld->checked_merges_due > 0)
                ld->checked_merges_due--;
            return st;
        }
        if (attempt == MERGE_ATTEMPTS)
            return st;
        if (why == MERGE_SERIES_MISSING && !b->series_missing) {
            /* Known to the loader, missing in the table: add the series, forget the rest. */
            sp_log(SP_LOG_WARNING, "batch_rerun", "reason=\"a series thought stored is missing\"");
            b->series_missing = true;
            continue;
        }
        if (why == MERGE_VINTAGE_RACE) {
            /* It waited for that transaction to end: the rerun's vintages see its figures. */
            sp_log(SP_LOG_INFO, "batch_rerun",
                   "reason=\"another transaction stored one of its periods\" attempt=%d", attempt);
            continue;
        }
        if (why != MERGE_SEEN_RACE)
            return st;
        if (lean) {
            sp_log(SP_LOG_DEBUG, "batch_rerun", "reason=\"a message id was seen before\"");
            lean = false;
            ld->checked_merges_due = CHECKED_MERGES_AFTER_SEEN;
            continue;
        }
        /* Another transaction recorded one of the ids meanwhile: the rerun finds it seen. */
        sp_log(SP_LOG_INFO, "batch_rerun",
               "reason=\"another transaction recorded one of its message ids\" attempt=%d",
               attempt);
    }
}
