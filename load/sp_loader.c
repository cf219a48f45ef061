/*
 * sp_loader.c: batches of observations, quarantine rows and Kafka offsets, committed to
 * PostgreSQL in one transaction each. Rows are staged as COPY text in buffers that are
 * reused batch after batch; the merge into the vintage table is one static statement set.
 */
#include "sp_load_int.h"

#include <apr_strings.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

typedef struct offset_slot {
    char *topic; /* owned by the loader's pool */
    int32_t partition;
    int64_t first; /* offset of the batch's first message from this partition */
    int64_t next;  /* one past its last */
} offset_slot_t;

struct sp_loader {
    apr_pool_t *pool;
    PGconn *conn;
    const char *group_id;
    sp_transformer_t *tf;
    sp_buf_t obs;        /* COPY text for sp_stage_obs */
    sp_buf_t quarantine; /* COPY text for statpipe.quarantine */
    sp_buf_t replayed;   /* COPY text for sp_stage_replayed: quarantine ids now loaded */
    sp_buf_t scratch;
    size_t pending_messages;
    uint32_t seq;
    offset_slot_t *offsets;
    int n_offsets, cap_offsets;
    const sp_source_t *cur_src; /* the message being added */
    bool missed_notifications;  /* reconnected: catalogue changes may have gone unheard */
    /* Fault injection for tests (STATPIPE_FAULT_LOSE_COMMIT_EVERY=N): every Nth commit
     * succeeds on the server but its answer is lost, as when the network fails just then. */
    unsigned lose_commit_every, commits;
    uint64_t pending_reasons[SP_REASON__COUNT]; /* quarantined in the open batch */
    sp_load_stats_t stats;
};

static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS sp_stage_obs ("
    " message_id text, sender text, indicator text, ref_area text, freq text,"
    " calc_basis text, time_period text, period_start date, period_end date, value numeric,"
    " unit text, value_published text, unit_published text, unit_mult int, obs_status text,"
    " conf_status text, release timestamptz, is_deleted boolean, comment text,"
    " src_topic text, src_partition int, src_offset bigint, seq int) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS sp_stage_quarantine (reason text, detail text,"
    " message_id text, sender text, src_topic text, src_partition int, src_offset bigint,"
    " src_file text, src_line bigint, payload bytea) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS sp_stage_replayed (quarantine_id bigint)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS sp_stage_offset ("
    " consumer_group text, topic text, partition int, first_offset bigint, next_offset bigint)"
    " ON COMMIT DELETE ROWS;";

static const char copy_obs_sql[] = "COPY sp_stage_obs FROM STDIN";
static const char copy_quarantine_sql[] = "COPY sp_stage_quarantine FROM STDIN";
static const char copy_offset_sql[] = "COPY sp_stage_offset FROM STDIN";
static const char copy_replayed_sql[] = "COPY sp_stage_replayed FROM STDIN";

/* The merge, one statement set per batch:
 * 1. new series;
 * 2. one candidate per message id not seen before (a seen id is a no-op), and of those, the
 *    vintages that say something new: a candidate identical (value, statuses, withdrawal)
 *    to the vintage before it, by release and then arrival, in the table or earlier in
 *    the batch, adds nothing. Late releases slot in as history;
 * 3. quarantine rows (the same bytes for the same reason wait once);
 * 4. quarantine rows a replay loaded leave quarantine; then COMMIT.
 * The offsets go in before, by advance_offsets_sql; the staged rows are analysed first. */
static const char merge_sql[] =
    /* Temporary tables have no statistics until analysed: without them the planner
     * guesses, and a nested loop over a batch's candidates costs seconds per batch. */
    "ANALYZE sp_stage_obs;"
    "INSERT INTO statpipe.series (sender, indicator, ref_area, freq, calc_basis)"
    " SELECT DISTINCT sender, indicator, ref_area, freq, calc_basis FROM sp_stage_obs"
    " ON CONFLICT DO NOTHING;"
    "WITH fresh AS ("
    "  INSERT INTO statpipe.message_seen (sender, message_id)"
    "  SELECT DISTINCT sender, message_id FROM sp_stage_obs"
    "  ON CONFLICT DO NOTHING RETURNING sender, message_id),"
    " cand AS ("
    "  SELECT DISTINCT ON (s.sender, s.message_id) s.*, r.series_id"
    "  FROM sp_stage_obs s JOIN fresh f USING (sender, message_id)"
    "  JOIN statpipe.series r ON r.sender = s.sender AND r.indicator = s.indicator"
    "   AND r.ref_area = s.ref_area AND r.freq = s.freq AND r.calc_basis = s.calc_basis"
    "  ORDER BY s.sender, s.message_id, s.seq),"
    " c AS ("
    "  SELECT cand.*, lag(release) OVER w AS l_release,"
    "   lag(ROW(value, obs_status, conf_status, is_deleted)) OVER w AS l_row"
    "  FROM cand WINDOW w AS (PARTITION BY series_id, time_period ORDER BY release, seq))"
    " INSERT INTO statpipe.observation (series_id, time_period, period_start, period_end,"
    "  release, value, unit, value_published, unit_published, unit_mult, obs_status,"
    "  conf_status, is_deleted, comment, message_id, src_topic, src_partition, src_offset)"
    " SELECT c.series_id, c.time_period, c.period_start, c.period_end, c.release, c.value,"
    "  c.unit, c.value_published, c.unit_published, c.unit_mult, c.obs_status, c.conf_status,"
    "  c.is_deleted, c.comment, c.message_id, c.src_topic, c.src_partition, c.src_offset"
    " FROM c LEFT JOIN LATERAL ("
    "  SELECT o.release, ROW(o.value, o.obs_status, o.conf_status, o.is_deleted) AS r"
    "  FROM statpipe.observation o"
    "  WHERE o.series_id = c.series_id AND o.time_period = c.time_period"
    "   AND o.release <= c.release"
    "  ORDER BY o.release DESC, o.obs_id DESC LIMIT 1) e ON true"
    " WHERE (CASE WHEN c.l_release IS NOT NULL AND (e.release IS NULL OR c.l_release >= e.release)"
    "        THEN c.l_row ELSE e.r END)"
    "       IS DISTINCT FROM ROW(c.value, c.obs_status, c.conf_status, c.is_deleted)"
    " ORDER BY c.seq;"
    "INSERT INTO statpipe.quarantine (reason, detail, message_id, sender, src_topic,"
    "  src_partition, src_offset, src_file, src_line, payload)"
    " SELECT * FROM sp_stage_quarantine"
    " ON CONFLICT (md5(payload), reason) WHERE replayed_at IS NULL DO NOTHING;"
    "UPDATE statpipe.quarantine q SET replayed_at = now() FROM sp_stage_replayed r"
    " WHERE q.quarantine_id = r.quarantine_id AND q.replayed_at IS NULL;"
    "COMMIT";

/* Offsets move forward only from where this batch began: a partition whose stored offset
 * is already past the batch's first message was committed by another member of the group
 * (this one lost it in a rebalance it has not heard of yet). Such a row is neither inserted
 * nor updated, the affected count falls short, and the batch is rolled back. */
static const char advance_offsets_sql[] =
    "INSERT INTO statpipe.kafka_offset AS k (consumer_group, topic, partition, next_offset)"
    " SELECT consumer_group, topic, partition, next_offset FROM sp_stage_offset"
    " ON CONFLICT (consumer_group, topic, partition) DO UPDATE"
    "  SET next_offset = excluded.next_offset, updated_at = now()"
    "  WHERE k.next_offset <= (SELECT s.first_offset FROM sp_stage_offset s"
    "   WHERE s.consumer_group = k.consumer_group AND s.topic = k.topic"
    "    AND s.partition = k.partition)";

static void loader_cleanup_conn(sp_loader_t *ld)
{
    if (ld->conn != NULL) {
        PQfinish(ld->conn);
        ld->conn = NULL;
    }
}

static apr_status_t loader_pool_cleanup(void *data)
{
    sp_loader_t *ld = data;
    loader_cleanup_conn(ld);
    sp_buf_free(&ld->obs);
    sp_buf_free(&ld->quarantine);
    sp_buf_free(&ld->replayed);
    sp_buf_free(&ld->scratch);
    free(ld->offsets);
    ld->offsets = NULL;
    return APR_SUCCESS;
}

static void notice_sink(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        n--;
    sp_log(SP_LOG_NOTICE, "pg_notice", "message=\"%.*s\"", (int)n, message);
}

sp_status_t sp_loader_open(apr_pool_t *parent, const char *conninfo, const char *group_id,
                           sp_loader_t **out, sp_error_t *err)
{
    apr_pool_t *pool;
    if (apr_pool_create(&pool, parent) != APR_SUCCESS)
        return sp_error_set(err, SP_ERR_NOMEM, "could not create a memory pool");
    sp_loader_t *ld = apr_pcalloc(pool, sizeof(*ld));
    ld->pool = pool;
    ld->group_id = group_id ? apr_pstrdup(pool, group_id) : NULL;
    sp_buf_init(&ld->obs);
    sp_buf_init(&ld->quarantine);
    sp_buf_init(&ld->replayed);
    sp_buf_init(&ld->scratch);
    ld->tf = sp_transformer_create(pool, NULL, NULL);
    const char *fault = getenv("STATPIPE_FAULT_LOSE_COMMIT_EVERY");
    ld->lose_commit_every = fault ? (unsigned)strtoul(fault, NULL, 10) : 0;
    apr_pool_cleanup_register(pool, ld, loader_pool_cleanup, apr_pool_cleanup_null);

    ld->conn = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(ld->conn) != CONNECTION_OK) {
        sp_error_set(err, SP_ERR_CONN, "could not connect to PostgreSQL: %s",
                     PQerrorMessage(ld->conn));
        apr_pool_destroy(pool);
        return SP_ERR_CONN;
    }
    PQsetNoticeProcessor(ld->conn, notice_sink, NULL);
    if (sp_pg_exec(ld->conn, stage_sql, err) != SP_OK ||
        sp_pg_exec(ld->conn, "LISTEN statpipe_catalogue", err) != SP_OK) {
        apr_pool_destroy(pool);
        return err ? err->code : SP_ERR_SERVER;
    }
    *out = ld;
    return SP_OK;
}

void sp_loader_close(sp_loader_t *ld)
{
    if (ld != NULL)
        apr_pool_destroy(ld->pool);
}

PGconn *sp_loader_conn(sp_loader_t *ld)
{
    return ld->conn;
}

void sp_loader_set_catalogue(sp_loader_t *ld, const sp_catalogue_t *cat)
{
    sp_transformer_set_catalogue(ld->tf, cat);
}

void sp_loader_set_limits(sp_loader_t *ld, const sp_transform_limits_t *limits)
{
    sp_transformer_set_limits(ld->tf, limits);
}

bool sp_loader_catalogue_changed(sp_loader_t *ld)
{
    bool changed = false;
    PGnotify *n;
    /* Reads what the server sent without waiting; notifications arrive between commands. */
    if (ld->missed_notifications) {
        ld->missed_notifications = false;
        changed = true;
    }
    PQconsumeInput(ld->conn);
    while ((n = PQnotifies(ld->conn)) != NULL) {
        changed = true;
        PQfreemem(n);
    }
    return changed;
}

const sp_load_stats_t *sp_loader_stats(const sp_loader_t *ld)
{
    return &ld->stats;
}

size_t sp_loader_pending_messages(const sp_loader_t *ld)
{
    return ld->pending_messages;
}

size_t sp_loader_pending_bytes(const sp_loader_t *ld)
{
    return ld->obs.len + ld->quarantine.len;
}

/* ---- staging rows ----------------------------------------------------------------------- */

static void put_i64(sp_buf_t *b, int64_t v)
{
    char tmp[24];
    int k = 0;
    uint64_t u = v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    sp_buf_reserve(b, (size_t)k + 1);
    if (v < 0)
        b->data[b->len++] = '-';
    while (k > 0)
        b->data[b->len++] = tmp[--k];
}

static inline void put_tab(sp_buf_t *b)
{
    sp_buf_putc(b, '\t');
}

static inline void put_null(sp_buf_t *b)
{
    sp_buf_append(b, "\\N", 2);
}

static void put_text(sp_buf_t *b, const char *s, size_t n)
{
    if (s == NULL)
        put_null(b);
    else
        sp_buf_copy_text(b, s, n);
}

static void put_source(sp_buf_t *b, const sp_source_t *src)
{
    if (src != NULL && src->topic != NULL) {
        sp_buf_copy_text(b, src->topic, strlen(src->topic));
        put_tab(b);
        put_i64(b, src->partition);
        put_tab(b);
        put_i64(b, src->offset);
    } else {
        put_null(b);
        put_tab(b);
        put_null(b);
        put_tab(b);
        put_null(b);
    }
}

static sp_status_t stage_obs(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)err;
    sp_loader_t *ld = opaque;
    sp_buf_t *b = &ld->obs;
    char tmp[SP_TIME_TEXT_MAX];
    sp_buf_copy_text(b, obs->message_id, obs->message_id_len);
    put_tab(b);
    sp_buf_copy_text(b, obs->sender, obs->sender_len);
    put_tab(b);
    sp_buf_puts(b, obs->indicator->code);
    put_tab(b);
    sp_buf_copy_text(b, obs->ref_area, obs->ref_area_len);
    put_tab(b);
    sp_buf_putc(b, obs->freq);
    put_tab(b);
    sp_buf_append(b, obs->ytd ? "YTD\t" : "PER\t", 4);
    sp_buf_puts(b, obs->period_text);
    put_tab(b);
    sp_buf_append(b, tmp, sp_date_format(obs->period.start_day, tmp));
    put_tab(b);
    sp_buf_append(b, tmp, sp_date_format(obs->period.end_day, tmp));
    put_tab(b);
    if (obs->has_value)
        sp_buf_puts(b, obs->value);
    else
        put_null(b);
    put_tab(b);
    sp_buf_puts(b, obs->unit->code);
    put_tab(b);
    if (obs->has_value)
        sp_buf_copy_text(b, obs->value_published, strlen(obs->value_published));
    else
        put_null(b);
    put_tab(b);
    sp_buf_copy_text(b, obs->unit_published, obs->unit_published_len);
    put_tab(b);
    put_i64(b, obs->unit_mult);
    put_tab(b);
    sp_buf_putc(b, obs->obs_status);
    put_tab(b);
    sp_buf_putc(b, obs->conf_status);
    put_tab(b);
    sp_buf_append(b, tmp, sp_time_format(obs->release_us, tmp));
    put_tab(b);
    sp_buf_putc(b, obs->delete_action ? 't' : 'f');
    put_tab(b);
    put_text(b, obs->comment, obs->comment_len);
    put_tab(b);
    put_source(b, ld->cur_src);
    put_tab(b);
    put_i64(b, ld->seq++);
    sp_buf_putc(b, '\n');
    ld->stats.rows++;
    return SP_OK;
}

static void stage_quarantine(sp_loader_t *ld, const sp_source_t *src, const sp_reject_t *rej,
                             const void *payload, size_t len)
{
    sp_buf_t *b = &ld->quarantine;
    sp_buf_puts(b, sp_reason_name(rej->reason));
    put_tab(b);
    /* Details quote the message; PostgreSQL text cannot hold NUL, so cut there. */
    sp_buf_copy_text(b, rej->detail, strlen(rej->detail));
    put_tab(b);
    if (rej->message_id[0])
        sp_buf_copy_text(b, rej->message_id, strlen(rej->message_id));
    else
        put_null(b);
    put_tab(b);
    if (rej->sender[0])
        sp_buf_copy_text(b, rej->sender, strlen(rej->sender));
    else
        put_null(b);
    put_tab(b);
    put_source(b, src);
    put_tab(b);
    if (src != NULL && src->file != NULL) {
        sp_buf_copy_text(b, src->file, strlen(src->file));
        put_tab(b);
        put_i64(b, src->line);
    } else {
        put_null(b);
        put_tab(b);
        put_null(b);
    }
    put_tab(b);
    sp_buf_copy_bytea(b, payload, len);
    sp_buf_putc(b, '\n');
    ld->stats.quarantined++;
    ld->pending_reasons[rej->reason]++;
}

static void remember_offset(sp_loader_t *ld, const sp_source_t *src)
{
    for (int i = 0; i < ld->n_offsets; i++) {
        offset_slot_t *o = &ld->offsets[i];
        if (o->partition == src->partition && strcmp(o->topic, src->topic) == 0) {
            if (src->offset + 1 > o->next)
                o->next = src->offset + 1;
            if (src->offset < o->first)
                o->first = src->offset;
            return;
        }
    }
    if (ld->n_offsets == ld->cap_offsets) {
        int cap = ld->cap_offsets ? 2 * ld->cap_offsets : 16;
        offset_slot_t *p = realloc(ld->offsets, sizeof(*p) * (size_t)cap);
        if (p == NULL)
            abort();
        ld->offsets = p;
        ld->cap_offsets = cap;
    }
    offset_slot_t *o = &ld->offsets[ld->n_offsets++];
    /* Topic names are few and long-lived: keep one copy per topic in the pool. */
    o->topic = NULL;
    for (int i = 0; i < ld->n_offsets - 1; i++)
        if (strcmp(ld->offsets[i].topic, src->topic) == 0)
            o->topic = ld->offsets[i].topic;
    if (o->topic == NULL)
        o->topic = apr_pstrdup(ld->pool, src->topic);
    o->partition = src->partition;
    o->first = src->offset;
    o->next = src->offset + 1;
}

sp_status_t sp_loader_add(sp_loader_t *ld, const sp_source_t *src, const void *payload, size_t len,
                          sp_error_t *err)
{
    sp_reject_t rej;
    size_t mark = ld->obs.len;
    uint64_t rows_before = ld->stats.rows;
    ld->cur_src = src;
    sp_transform_result_t res = sp_transform_run(ld->tf, payload, len, stage_obs, ld, &rej, err);
    ld->cur_src = NULL;
    if (res == SP_TRANSFORM_FAILED)
        return err ? err->code : SP_ERR_INTERNAL;
    if (res == SP_TRANSFORM_REJECT) {
        /* A message is loaded whole or not at all. */
        ld->obs.len = mark;
        ld->stats.rows = rows_before;
        stage_quarantine(ld, src, &rej, payload, len);
        sp_log(SP_LOG_INFO, "quarantine", "reason=%s message_id=\"%s\" detail=\"%s\"",
               sp_reason_name(rej.reason), rej.message_id, rej.detail);
    }
    if (src != NULL && src->topic != NULL)
        remember_offset(ld, src);
    ld->pending_messages++;
    ld->stats.messages++;
    return SP_OK;
}

sp_status_t sp_loader_add_replay(sp_loader_t *ld, int64_t quarantine_id, const sp_source_t *src,
                                 const void *payload, size_t len, sp_reject_t *rej, bool *accepted,
                                 sp_error_t *err)
{
    size_t mark = ld->obs.len;
    uint64_t rows_before = ld->stats.rows;
    ld->cur_src = src;
    sp_transform_result_t res = sp_transform_run(ld->tf, payload, len, stage_obs, ld, rej, err);
    ld->cur_src = NULL;
    if (res == SP_TRANSFORM_FAILED)
        return err ? err->code : SP_ERR_INTERNAL;
    *accepted = res == SP_TRANSFORM_OK;
    if (!*accepted) {
        ld->obs.len = mark;
        ld->stats.rows = rows_before;
        return SP_OK;
    }
    put_i64(&ld->replayed, quarantine_id);
    sp_buf_putc(&ld->replayed, '\n');
    ld->pending_messages++;
    ld->stats.messages++;
    return SP_OK;
}

void sp_loader_abandon(sp_loader_t *ld)
{
    sp_buf_reset(&ld->obs);
    sp_buf_reset(&ld->quarantine);
    sp_buf_reset(&ld->replayed);
    ld->n_offsets = 0;
    ld->pending_messages = 0;
    memset(ld->pending_reasons, 0, sizeof(ld->pending_reasons));
}

sp_status_t sp_loader_reconnect(sp_loader_t *ld, sp_error_t *err)
{
    PQreset(ld->conn);
    if (PQstatus(ld->conn) != CONNECTION_OK)
        return sp_error_set(err, SP_ERR_CONN, "could not reconnect to PostgreSQL: %s",
                            PQerrorMessage(ld->conn));
    /* Temporary tables and LISTEN died with the old session. */
    if (sp_pg_exec(ld->conn, stage_sql, err) != SP_OK ||
        sp_pg_exec(ld->conn, "LISTEN statpipe_catalogue", err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    ld->missed_notifications = true;
    sp_log(SP_LOG_NOTICE, "pg_reconnected", "%s", "");
    return SP_OK;
}

sp_status_t sp_loader_settle(sp_loader_t *ld, bool *committed, sp_error_t *err)
{
    /* Without offsets the batch is idempotent (message ids, quarantine fingerprints):
     * flushing it again is the answer either way. */
    *committed = false;
    if (ld->n_offsets == 0 || ld->group_id == NULL)
        return SP_OK;
    int in = 0;
    for (int i = 0; i < ld->n_offsets; i++) {
        int64_t stored;
        if (sp_loader_offset_get(ld, ld->offsets[i].topic, ld->offsets[i].partition, &stored,
                                 err) != SP_OK)
            return err ? err->code : SP_ERR_CONN;
        if (stored >= ld->offsets[i].next)
            in++;
    }
    /* Offsets and rows commit together: all stored means the batch is in. */
    *committed = in == ld->n_offsets;
    sp_log(SP_LOG_NOTICE, "batch_settled", "committed=%s partitions=%d stored=%d",
           *committed ? "yes" : "no", ld->n_offsets, in);
    return SP_OK;
}

static sp_status_t loader_rollback(sp_loader_t *ld, sp_status_t st)
{
    if (ld->conn != NULL && PQtransactionStatus(ld->conn) != PQTRANS_IDLE &&
        PQstatus(ld->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(ld->conn, "ROLLBACK");
        PQclear(res);
    }
    return st;
}

sp_status_t sp_loader_flush(sp_loader_t *ld, sp_error_t *err)
{
    if (ld->pending_messages == 0)
        return SP_OK;
    PGconn *conn = ld->conn;
    if (sp_pg_exec(conn, "BEGIN", err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (ld->obs.len > 0 &&
        sp_pg_copy_in(conn, copy_obs_sql, ld->obs.data, ld->obs.len, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (ld->quarantine.len > 0 && sp_pg_copy_in(conn, copy_quarantine_sql, ld->quarantine.data,
                                                ld->quarantine.len, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (ld->replayed.len > 0 &&
        sp_pg_copy_in(conn, copy_replayed_sql, ld->replayed.data, ld->replayed.len, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (ld->n_offsets > 0 && ld->group_id != NULL) {
        sp_buf_t *b = &ld->scratch;
        sp_buf_reset(b);
        for (int i = 0; i < ld->n_offsets; i++) {
            sp_buf_copy_text(b, ld->group_id, strlen(ld->group_id));
            put_tab(b);
            sp_buf_copy_text(b, ld->offsets[i].topic, strlen(ld->offsets[i].topic));
            put_tab(b);
            put_i64(b, ld->offsets[i].partition);
            put_tab(b);
            put_i64(b, ld->offsets[i].first);
            put_tab(b);
            put_i64(b, ld->offsets[i].next);
            sp_buf_putc(b, '\n');
        }
        if (sp_pg_copy_in(conn, copy_offset_sql, b->data, b->len, err) != SP_OK)
            return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
        PGresult *res = PQexec(conn, advance_offsets_sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            return loader_rollback(ld, sp_pg_error(conn, res, "storing offsets", err));
        long advanced = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        if (advanced != ld->n_offsets)
            return loader_rollback(
                ld, sp_error_set(err, SP_ERR_CONFLICT,
                                 "%d of %d partitions were committed further by another "
                                 "consumer of group %s",
                                 ld->n_offsets - (int)advanced, ld->n_offsets, ld->group_id));
    }
    if (!PQsendQuery(conn, merge_sql))
        return loader_rollback(
            ld, sp_error_set(err, SP_ERR_CONN, "could not send merge: %s", PQerrorMessage(conn)));
    PGresult *res;
    sp_status_t st = SP_OK;
    uint64_t inserted = 0;
    int k = 0;
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (st == SP_OK)
                st = sp_pg_error(conn, res, "merge", err);
            else
                PQclear(res);
            continue;
        }
        if (k == 2)
            inserted = strtoull(PQcmdTuples(res), NULL, 10);
        k++;
        PQclear(res);
    }
    if (st != SP_OK)
        return loader_rollback(ld, st);
    if (ld->lose_commit_every && ++ld->commits % ld->lose_commit_every == 0) {
        shutdown(PQsocket(conn), SHUT_RDWR);
        PQconsumeInput(conn); /* lets libpq see the broken connection */
        return sp_error_set(err, SP_ERR_CONN, "connection lost at COMMIT (injected)");
    }
    if (k < 6 || PQstatus(conn) != CONNECTION_OK)
        /* COMMIT was sent but its answer was lost: the batch may or may not be in.
         * sp_loader_settle tells which once the connection is back. */
        return sp_error_set(err, SP_ERR_CONN, "connection lost at COMMIT");
    ld->stats.inserted += inserted;
    ld->stats.batches++;
    for (int r = 0; r < SP_REASON__COUNT; r++)
        ld->stats.quarantined_by_reason[r] += ld->pending_reasons[r];
    sp_loader_abandon(ld); /* the batch is in: start the next one empty */
    return SP_OK;
}

sp_status_t sp_loader_offset_get(sp_loader_t *ld, const char *topic, int32_t partition,
                                 int64_t *next, sp_error_t *err)
{
    char part[16];
    snprintf(part, sizeof(part), "%d", (int)partition);
    const char *params[3] = {ld->group_id ? ld->group_id : "", topic, part};
    PGresult *res = PQexecParams(ld->conn,
                                 "SELECT next_offset FROM statpipe.kafka_offset"
                                 " WHERE consumer_group = $1 AND topic = $2 AND partition = $3",
                                 3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return sp_pg_error(ld->conn, res, "reading stored offsets", err);
    *next = PQntuples(res) > 0 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
    PQclear(res);
    return SP_OK;
}

/* ---- the catalogue as stored ------------------------------------------------------------ */

sp_status_t sp_loader_catalogue(sp_loader_t *ld, apr_pool_t *pool, sp_catalogue_t **out,
                                sp_error_t *err)
{
    static const char *const queries[] = {
        "SELECT code, dimension, factor::text FROM statpipe.unit",
        "SELECT alias, unit FROM statpipe.unit_alias",
        "SELECT code, dimension, nature, min_value::text, max_value::text"
        " FROM statpipe.indicator",
        "SELECT alias, sender, indicator FROM statpipe.indicator_alias",
        "SELECT code FROM statpipe.region",
    };
    sp_catalogue_t *cat = sp_catalogue_create(pool);
    for (int q = 0; q < 5; q++) {
        PGresult *res = PQexec(ld->conn, queries[q]);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            sp_pg_error(ld->conn, res, "reading the catalogue", err);
            if (err != NULL)
                sp_error_detail(err, "has `statpipe migrate` been run on this database?");
            return err ? err->code : SP_ERR_SERVER;
        }
        sp_status_t st = SP_OK;
        for (int i = 0; i < PQntuples(res) && st == SP_OK; i++) {
            const char *a = PQgetvalue(res, i, 0);
            switch (q) {
            case 0:
                st = sp_catalogue_add_unit(cat, a, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                                           err);
                break;
            case 1:
                st = sp_catalogue_add_unit_alias(cat, a, PQgetvalue(res, i, 1), err);
                break;
            case 2:
                st =
                    sp_catalogue_add_indicator(cat, a, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                                               PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), err);
                break;
            case 3:
                st = sp_catalogue_add_indicator_alias(cat, a, PQgetvalue(res, i, 1),
                                                      PQgetvalue(res, i, 2), err);
                break;
            default:
                st = sp_catalogue_add_region(cat, a, err);
            }
        }
        PQclear(res);
        if (st != SP_OK)
            return st;
    }
    *out = cat;
    return SP_OK;
}
