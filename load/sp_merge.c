/*
 * sp_merge.c: one batch, one transaction: the offsets advanced (or the batch rolled back
 * when another consumer is ahead), the rejected messages and the observations stored in
 * one of three forms, COMMIT. Each step is one statement of load/sql with its own result.
 *
 * The usual batch (no (series, period, release) twice) goes in by COPY straight into the
 * tables (copy_quarantine_table.sql, copy_seen.sql, copy_observation.sql), and their unique
 * indexes are the whole check: quarantine_waiting_once refuses a rejected message that
 * waits in quarantine already, message_seen_pkey a message id seen before,
 * observation_slot a figure whose release already gave the period one (release_seq:
 * migration 033), the foreign key a series gone since the loader saw it. The series whose
 * ids the loader does not know yet (new, or not yet stored by this loader) are added by one
 * statement (series.sql) and their ids read by one more (series_ids.sql); their rows then
 * go into the same COPY with those ids in place of their placeholders.
 *
 * A refused batch rolls back and goes through the merge whole: staged (copy_quarantine.sql,
 * copy_obs.sql, copy_batch_series.sql), its new series added (series.sql), the decision of
 * which staged rows are new vintages (into sp_stage_keep), their insert
 * (observation_insert.sql), the rejected messages not yet waiting (quarantine_insert.sql).
 * The decision has two forms. The lean one (seen_record.sql, then keep_lean.sql) serves a
 * batch in which no (series, period, release) comes twice and no message id is expected to
 * be seen. The checked one (keep_checked.sql) serves any batch: one that repeats a (series,
 * period, release), and one that met a seen id. Refusals come in runs (a replay, a group
 * reading a topic again, an agency correcting a release, a bad message sent again), so the
 * next MERGES_AFTER batches take the form that served.
 */
#include "sp_load_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* After a batch met a seen id, or a figure of a release already stored, this many batches
 * take the merge's checked, or lean, form. */
#define MERGES_AFTER 16
/* A batch that keeps losing races for its message ids or periods gives up after this many
 * tries. */
#define MERGE_ATTEMPTS 10

/* The constraint, column and table whose violations the merge answers by running again. */
#define SEEN_CONSTRAINT "message_seen_pkey"
#define SERIES_ID_COLUMN "series_id"
#define SLOT_CONSTRAINT "observation_slot"
#define SERIES_FKEY_CONSTRAINT "observation_series_id_fkey"
#define QUARANTINE_CONSTRAINT "quarantine_waiting_once"
/* The vintages of a (series, period) (migration 031): a second current one, or a second one
 * from the same release, means another transaction stored the period meanwhile. */
#define VINTAGE_SCHEMA "statpipe"
#define VINTAGE_TABLE "vintage"

/* Why a merge statement failed, when running again can cure it. */
typedef enum merge_failure {
    MERGE_FAILED,         /* anything else: the batch is kept for the caller */
    MERGE_SEEN_RACE,      /* a message id was recorded meanwhile (or, unchecked, seen before) */
    MERGE_SERIES_MISSING, /* a series thought stored is not in statpipe.series */
    MERGE_VINTAGE_RACE,   /* another transaction stored one of the batch's periods meanwhile */
    MERGE_RELEASE_TAKEN,  /* a figure's place in its release is taken (by COPY: the release
                           * gave the period a figure before; merged: another transaction
                           * stored one meanwhile) */
    MERGE_QUARANTINED,    /* by COPY: a rejected message waits in quarantine already */
} merge_failure_t;

/* How a batch is stored. */
typedef enum merge_form {
    FORM_COPY,    /* COPY straight into the tables */
    FORM_LEAN,    /* staged, merged in the lean form */
    FORM_CHECKED, /* staged, merged in the checked form */
} merge_form_t;

static sp_status_t rollback(sp_loader_t *ld, sp_status_t st)
{
    if (ld->conn != NULL && PQtransactionStatus(ld->conn) != PQTRANS_IDLE &&
        PQstatus(ld->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(ld->conn, "ROLLBACK");
        PQclear(res);
    }
    return st;
}

/* Why a statement failed, from its result. */
static merge_failure_t classify(const PGresult *res)
{
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    const char *schema = PQresultErrorField(res, PG_DIAG_SCHEMA_NAME);
    const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
    bool unique = sp_pg_state_is(res, SP_SQLSTATE_UNIQUE_VIOLATION);
    if (unique && constraint != NULL && strcmp(constraint, SEEN_CONSTRAINT) == 0)
        return MERGE_SEEN_RACE;
    if (unique && constraint != NULL && strcmp(constraint, SLOT_CONSTRAINT) == 0)
        return MERGE_RELEASE_TAKEN;
    if (unique && constraint != NULL && strcmp(constraint, QUARANTINE_CONSTRAINT) == 0)
        return MERGE_QUARANTINED;
    if (unique && schema != NULL && table != NULL && strcmp(schema, VINTAGE_SCHEMA) == 0 &&
        strcmp(table, VINTAGE_TABLE) == 0)
        return MERGE_VINTAGE_RACE;
    if (sp_pg_state_is(res, SP_SQLSTATE_NOT_NULL_VIOLATION) && column != NULL &&
        strcmp(column, SERIES_ID_COLUMN) == 0)
        return MERGE_SERIES_MISSING;
    if (sp_pg_state_is(res, SP_SQLSTATE_FOREIGN_KEY_VIOLATION) && constraint != NULL &&
        strcmp(constraint, SERIES_FKEY_CONSTRAINT) == 0)
        return MERGE_SERIES_MISSING;
    return MERGE_FAILED;
}

/* Takes a statement's result: *rows is its affected row count. A failure says whether a
 * rerun can cure it. */
static sp_status_t step_result(PGconn *conn, PGresult *res, const char *what, uint64_t *rows,
                               merge_failure_t *why, sp_error_t *err)
{
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        *why = classify(res);
        return sp_pg_error(conn, res, what, err);
    }
    if (rows != NULL)
        *rows = strtoull(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return SP_OK;
}

/* Runs one statement of the merge. */
static sp_status_t merge_step(PGconn *conn, const char *sql, const char *what, uint64_t *rows,
                              merge_failure_t *why, sp_error_t *err)
{
    return step_result(conn, PQexec(conn, sql), what, rows, why, err);
}

/* Streams one COPY of the batch, its data in n pieces. */
static sp_status_t merge_copy_parts(PGconn *conn, const char *sql, const sp_pg_part_t *parts, int n,
                                    const char *what, uint64_t *rows, merge_failure_t *why,
                                    sp_error_t *err)
{
    PGresult *res;
    sp_status_t st = sp_pg_copy_in_parts(conn, sql, parts, n, &res, err);
    return st != SP_OK ? st : step_result(conn, res, what, rows, why, err);
}

/* Streams one COPY of the batch from one buffer. */
static sp_status_t merge_copy(PGconn *conn, const char *sql, const sp_buf_t *data, const char *what,
                              uint64_t *rows, merge_failure_t *why, sp_error_t *err)
{
    const sp_pg_part_t part = {data->data, data->len};
    return merge_copy_parts(conn, sql, &part, 1, what, rows, why, err);
}

/* Whether batch b has a series whose stored id the loader does not know. */
static bool has_new_series(const sp_batch_t *b)
{
    for (size_t i = 0; i < sp_keyset_size(&b->series); i++)
        if (b->series_ids[i] < 0)
            return true;
    return false;
}

/* Stages the batch's series (sql/copy_batch_series.sql's columns): place, the id its rows
 * carry, and the key, whose parts the keyset keeps apart with 0xFF. With only_new, only
 * the series whose ids the loader does not know. */
static sp_status_t stage_series(sp_loader_t *ld, const sp_batch_t *b, bool only_new,
                                sp_error_t *err)
{
    sp_buf_t *s = &ld->scratch;
    sp_buf_reset(s);
    for (size_t i = 0; i < sp_keyset_size(&b->series); i++) {
        if (only_new && b->series_ids[i] > 0)
            continue;
        size_t len;
        const char *key = sp_keyset_key(&b->series, i, &len);
        sp_put_i64(s, (int64_t)i);
        sp_buf_putc(s, '\t');
        sp_put_i64(s, b->series_ids[i]);
        for (int part = 0; part < 6; part++) {
            const char *end = memchr(key, 0xFF, len);
            size_t n = (size_t)(end - key);
            sp_buf_putc(s, '\t');
            if (part == 4) /* the calculation basis, kept in the key by its first letter */
                sp_buf_append(s, key[0] == 'Y' ? "YTD" : "PER", 3);
            else
                sp_buf_copy_text(s, key, n);
            len -= n + 1;
            key = end + 1;
        }
        sp_buf_putc(s, '\n');
    }
    return sp_pg_copy_in(ld->conn, ld->sql->copy_batch_series, s->data, s->len, err);
}

/* Reads the stored ids of the batch's series (series_ids.sql) into b->resolved. */
static sp_status_t resolve_series(sp_loader_t *ld, sp_batch_t *b, sp_error_t *err)
{
    PGresult *res = PQexec(ld->conn, ld->sql->series_ids);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return sp_pg_error(ld->conn, res, "reading series ids", err);
    size_t n = sp_keyset_size(&b->series);
    if (n > b->cap_resolved) {
        b->cap_resolved = n;
        b->resolved = sp_xrealloc(b->resolved, n * sizeof(*b->resolved));
    }
    for (size_t i = 0; i < n; i++)
        b->resolved[i] = 0;
    for (int r = 0; r < PQntuples(res); r++) {
        size_t k = strtoull(PQgetvalue(res, r, 0), NULL, 10);
        if (k < n)
            b->resolved[k] = strtoll(PQgetvalue(res, r, 1), NULL, 10);
    }
    PQclear(res);
    b->n_resolved = n;
    return SP_OK;
}

/* Adds the batch's series whose ids the loader does not know (series.sql) and reads their
 * ids (series_ids.sql). */
static sp_status_t add_new_series(sp_loader_t *ld, sp_batch_t *b, sp_error_t *err)
{
    if (stage_series(ld, b, true, err) != SP_OK ||
        sp_pg_exec(ld->conn, ld->sql->series, err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    return resolve_series(ld, b, err);
}

/* Writes obs_new's rows into ld->scratch with the stored id of each row's series (from
 * b->resolved) in place of its placeholder -(k + 1). Each row ends at its newline: COPY
 * text escapes the newlines inside values. */
static sp_status_t place_series_ids(sp_loader_t *ld, const sp_batch_t *b, merge_failure_t *why,
                                    sp_error_t *err)
{
    sp_buf_t *s = &ld->scratch;
    sp_buf_reset(s);
    sp_buf_reserve(s, b->obs_new.len);
    const char *p = b->obs_new.data, *end = p + b->obs_new.len;
    while (p < end) {
        const char *q = p + 1;
        size_t k = 0;
        while (q < end && *q >= '0' && *q <= '9')
            k = k * 10 + (size_t)(*q++ - '0');
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        if (*p != '-' || k == 0 || k > b->n_resolved || b->resolved[k - 1] <= 0 || eol == NULL) {
            *why = MERGE_SERIES_MISSING;
            return sp_error_set(err, SP_ERR_SERVER,
                                "a new series of the batch is not in statpipe.series after "
                                "adding it");
        }
        sp_put_i64(s, b->resolved[k - 1]);
        sp_buf_append(s, q, (size_t)(eol + 1 - q));
        p = eol + 1;
    }
    return SP_OK;
}

/* The COPY form's observations: obs, and obs_new with its series' stored ids, in one
 * COPY (copy_observation.sql), so that its statement trigger runs once. */
static sp_status_t copy_observations(sp_loader_t *ld, sp_batch_t *b, uint64_t *rows,
                                     merge_failure_t *why, sp_error_t *err)
{
    sp_pg_part_t parts[2];
    int n = 0;
    if (b->obs_new.len > 0) {
        if (add_new_series(ld, b, err) != SP_OK || place_series_ids(ld, b, why, err) != SP_OK)
            return err ? err->code : SP_ERR_SERVER;
        parts[n++] = (sp_pg_part_t){ld->scratch.data, ld->scratch.len};
    }
    if (b->obs.len > 0)
        parts[n++] = (sp_pg_part_t){b->obs.data, b->obs.len};
    return n == 0 ? SP_OK
                  : merge_copy_parts(ld->conn, ld->sql->copy_observation, parts, n,
                                     "storing observations", rows, why, err);
}

/* Sets the time the data changed, with the batch's releases that may still be under
 * embargo (data_changed.sql); last, since its lock is held until COMMIT. */
static sp_status_t data_changed(sp_loader_t *ld, const sp_batch_t *b, merge_failure_t *why,
                                sp_error_t *err)
{
    sp_buf_t *s = &ld->scratch;
    sp_buf_reset(s);
    sp_buf_putc(s, '{');
    if (b->due.len > 0)
        sp_buf_append(s, b->due.data, b->due.len);
    sp_buf_putc(s, '}');
    sp_buf_putc(s, '\0');
    const char *params[1] = {s->data};
    PGresult *res = PQexecParams(ld->conn, ld->sql->data_changed, 1, NULL, params, NULL, NULL, 0);
    return step_result(ld->conn, res, "merge", NULL, why, err);
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

/* Stores the batch's rows through the merge, in the lean or the checked form: staged, the
 * batch's new series added and their ids found. The lean form records every message id;
 * the checked one records the ids it keeps. */
static sp_status_t merge_staged(sp_loader_t *ld, sp_batch_t *b, merge_form_t form,
                                uint64_t *inserted, merge_failure_t *why, sp_error_t *err)
{
    const sp_load_sql_t *q = ld->sql;
    PGconn *conn = ld->conn;
    bool add_series = b->series_missing || has_new_series(b);
    if ((b->obs.len > 0 &&
         sp_pg_copy_in(conn, q->copy_obs, b->obs.data, b->obs.len, err) != SP_OK) ||
        (b->obs_new.len > 0 &&
         sp_pg_copy_in(conn, q->copy_obs, b->obs_new.data, b->obs_new.len, err) != SP_OK) ||
        stage_series(ld, b, false, err) != SP_OK ||
        (add_series && sp_pg_exec(conn, q->series, err) != SP_OK))
        return err ? err->code : SP_ERR_SERVER;
    sp_status_t st =
        form == FORM_LEAN ? merge_step(conn, q->seen_record, "merge", NULL, why, err) : SP_OK;
    if (st == SP_OK)
        st = merge_step(conn, form == FORM_LEAN ? q->keep_lean : q->keep_checked, "merge", NULL,
                        why, err);
    if (st == SP_OK)
        st = merge_step(conn, q->observation_insert, "merge", inserted, why, err);
    if (st == SP_OK && add_series)
        st = resolve_series(ld, b, err);
    return st;
}

/* Commits batch b in one transaction, in the given form. *why tells, after a failure,
 * whether running again can cure it. */
static sp_status_t merge_once(sp_loader_t *ld, sp_batch_t *b, merge_form_t form,
                              uint64_t *inserted_out, merge_failure_t *why, sp_error_t *err)
{
    const sp_load_sql_t *q = ld->sql;
    PGconn *conn = ld->conn;
    uint64_t inserted = 0;
    *why = MERGE_FAILED;
    if (sp_pg_exec(conn, "BEGIN", err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (form == FORM_COPY && b->quarantine.len > 0 &&
        merge_copy(conn, q->copy_quarantine_table, &b->quarantine, "storing rejected messages",
                   NULL, why, err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if ((form != FORM_COPY && b->quarantine.len > 0 &&
         sp_pg_copy_in(conn, q->copy_quarantine, b->quarantine.data, b->quarantine.len, err) !=
             SP_OK) ||
        (b->replayed.len > 0 &&
         sp_pg_copy_in(conn, q->copy_replayed, b->replayed.data, b->replayed.len, err) != SP_OK))
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->n_offsets > 0 && ld->group_id != NULL && advance_offsets(ld, b, err) != SP_OK)
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (form == FORM_COPY && b->seen.len > 0) {
        sp_status_t st =
            merge_copy(conn, q->copy_seen, &b->seen, "storing message ids", NULL, why, err);
        if (st == SP_OK)
            st = copy_observations(ld, b, &inserted, why, err);
        if (st != SP_OK)
            return rollback(ld, st);
    } else if (b->seen.len > 0) {
        sp_status_t st = merge_staged(ld, b, form, &inserted, why, err);
        if (st != SP_OK)
            return rollback(ld, st);
    }
    if ((form != FORM_COPY && b->quarantine.len > 0 &&
         merge_step(conn, q->quarantine_insert, "merge", NULL, why, err) != SP_OK) ||
        (b->replayed.len > 0 &&
         merge_step(conn, q->quarantine_replayed, "merge", NULL, why, err) != SP_OK))
        return rollback(ld, err ? err->code : SP_ERR_SERVER);
    /* Last: the time the data changed, whose lock is held until COMMIT (data_changed.sql). */
    if (inserted > 0 && data_changed(ld, b, why, err) != SP_OK)
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
    merge_form_t form = b->slot_repeats || ld->checked_merges_due > 0 ? FORM_CHECKED
                        : ld->merges_due > 0 || b->series_missing     ? FORM_LEAN
                                                                      : FORM_COPY;
    for (int attempt = 1;; attempt++) {
        merge_failure_t why;
        sp_status_t st = merge_once(ld, b, form, inserted, &why, err);
        if (st == SP_OK) {
            b->copied = form == FORM_COPY;
            if (form == FORM_CHECKED && ld->checked_merges_due > 0)
                ld->checked_merges_due--;
            if (form != FORM_COPY && ld->merges_due > 0)
                ld->merges_due--;
            return st;
        }
        if (attempt == MERGE_ATTEMPTS)
            return st;
        if (why == MERGE_SERIES_MISSING && !b->series_missing) {
            /* Known to the loader, missing in the table: add the series, find their ids. */
            sp_log(SP_LOG_WARNING, "batch_rerun", "reason=\"a series thought stored is missing\"");
            b->series_missing = true;
            if (form == FORM_COPY)
                form = FORM_LEAN;
            continue;
        }
        if (why == MERGE_VINTAGE_RACE) {
            /* It waited for that transaction to end: the rerun's vintages see its figures. */
            sp_log(SP_LOG_INFO, "batch_rerun",
                   "reason=\"another transaction stored one of its periods\" attempt=%d", attempt);
            continue;
        }
        if (form == FORM_COPY && (why == MERGE_RELEASE_TAKEN || why == MERGE_QUARANTINED)) {
            /* The merge numbers a figure after its release's earlier ones, and skips a
             * rejected message that waits already. */
            sp_log(SP_LOG_DEBUG, "batch_rerun", "reason=\"%s\"",
                   why == MERGE_QUARANTINED ? "a rejected message waits in quarantine already"
                                            : "a release gave one of its periods a figure before");
            form = FORM_LEAN;
            ld->merges_due = MERGES_AFTER;
            continue;
        }
        if (why == MERGE_RELEASE_TAKEN) {
            /* It waited for that transaction to end: the rerun numbers after its figures. */
            sp_log(SP_LOG_INFO, "batch_rerun",
                   "reason=\"another transaction stored a figure of one of its releases\" "
                   "attempt=%d",
                   attempt);
            continue;
        }
        if (why != MERGE_SEEN_RACE)
            return st;
        if (form != FORM_CHECKED) {
            sp_log(SP_LOG_DEBUG, "batch_rerun", "reason=\"a message id was seen before\"");
            form = FORM_CHECKED;
            ld->checked_merges_due = MERGES_AFTER;
            continue;
        }
        /* Another transaction recorded one of the ids meanwhile: the rerun finds it seen. */
        sp_log(SP_LOG_INFO, "batch_rerun",
               "reason=\"another transaction recorded one of its message ids\" attempt=%d",
               attempt);
    }
}
