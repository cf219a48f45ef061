/*
 * sp_loader.c: batches of observations, quarantine rows and Kafka offsets, committed to
 * PostgreSQL in one transaction each. Rows are staged as COPY text in buffers that are
 * reused batch after batch; the merge into the vintage table is one static statement set.
 */
#include "sp_load_int.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

typedef struct offset_slot {
    const char *topic; /* interned in the loader's pool */
    int32_t partition;
    int64_t first; /* offset of the batch's first message from this partition */
    int64_t next;  /* one past its last */
} offset_slot_t;

/* One batch: what a transaction commits. A loader has two, so that one can be staged
 * while the other is committed by the flusher thread. */
typedef struct batch {
    sp_buf_t obs;      /* COPY text for sp_stage_obs */
    sp_keyset_t ids;   /* (sender, message id) of every row in obs: each is staged once */
    sp_keyset_t slots; /* (series, period) of every row in obs */
    bool slot_repeats; /* some (series, period) came twice (kept after an undo: the checked merge
                        * is right for any batch) */
    sp_keyset_t new_series; /* series of rows in obs that the loader has not seen committed */
    bool series_missing;    /* the merge found a series missing that was thought committed */
    sp_buf_t quarantine;    /* COPY text for statpipe.quarantine */
    sp_buf_t replayed;      /* COPY text for sp_stage_replayed: quarantine ids now loaded */
    size_t messages;
    offset_slot_t *offsets;
    int n_offsets, cap_offsets;
    uint64_t reasons[SP_REASON__COUNT]; /* quarantined, by reason */
} batch_t;

struct sp_loader {
    apr_pool_t *pool;
    PGconn *conn;
    const char *group_id;
    sp_transformer_t *tf;
    size_t max_message_bytes; /* the transform's limit, also for lines not read whole */
    batch_t batches[2];
    batch_t *cur;   /* being staged */
    batch_t *older; /* staged before cur and not yet committed (in flight, or failed), or NULL */
    sp_buf_t scratch;
    unsigned checked_merges_due; /* batches to merge in the checked form before trying lean */
    /* Series this loader has seen committed (the caller's thread only): a batch whose series
     * are all here skips the series statement. */
    sp_keyset_t known_series;
    apr_array_header_t *topics; /* const char *: every topic name seen, once */
    uint32_t seq;
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
    bool flying; /* a flight was handed over and not yet collected */
    bool landed; /* the thread finished it: its result is below */
    bool quit;
    bool connected; /* the connection's state when last looked at between flights */
    sp_status_t flight_st;
    sp_error_t flight_err;
    uint64_t flight_inserted;
};

static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS sp_stage_obs ("
    " message_id text COLLATE \"C\", sender text COLLATE \"C\", indicator text COLLATE \"C\","
    " ref_area text COLLATE \"C\", freq text COLLATE \"C\", calc_basis text COLLATE \"C\","
    " time_period text COLLATE \"C\", period_start date, period_end date, value numeric,"
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

/* The merge, one statement set per batch, in one of two forms.
 *
 * The checked form:
 * 1. the candidates: staged rows whose message id was not seen before (a seen id is a
 *    no-op; the loader stages each id of a batch once), their ids recorded as seen, and of
 *    them every one that is not a true duplicate: a candidate identical (value, statuses,
 *    withdrawal) to the figure its own release last gave for the period, in the table or
 *    earlier in the batch, adds nothing. Nothing else in the table decides what is stored,
 *    so what is stored does not depend on the order in which releases arrive (the views
 *    collapse runs of unchanged releases);
 * 2. quarantine rows (the same bytes for the same reason wait once);
 * 3. quarantine rows a replay loaded leave quarantine; then COMMIT.
 *
 * The lean form, for the usual batch: no two of its rows are for the same (series,
 * period), so no row has a predecessor in the batch, and none of its ids is expected to be
 * seen. Its ids are recorded outright and each row is compared with what its release last
 * gave in the table alone: no window, no sort but the final one, nothing joined back. If an id
 * was seen after all, recording it fails with a unique violation and the batch is merged
 * again in the checked form (flush_batch); the loader then stays with the checked form for
 * a while, since ids seen come in runs (a replay, a group reading a topic again). Its rows
 * go in by series and period, so that index insertions follow the index; arrival order
 * (obs_id) still holds within each (series, period), the only place it means anything.
 *
 * New series go in before either form (series_sql), and only when the batch has a series
 * this loader has not seen committed: the series a daemon loads are few and come again
 * and again. Both forms join the series with a LEFT JOIN, so a row whose series is missing
 * after all (the table was changed behind the loader's back) is not dropped by the join
 * but fails the insert (series_id is NOT NULL); the batch then runs again with the series
 * statement, and the loader forgets what it knew.
 *
 * The offsets go in before, by advance_offsets_sql.
 * The staged tables are temporary and never analysed (ANALYZE of a batch cost more than
 * the rest of the merge). Without statistics the planner takes a staged table for large,
 * so lookups into the big tables are written as LATERAL ... LIMIT 1: one index probe per
 * staged row, never a hash of the whole table, never a nested loop over the batch.
 * The ids are recorded by a plain INSERT: another transaction that records one of them
 * at the same time makes this one fail with a unique violation, and the batch is run
 * again (flush_batch), when that id is seen and so a no-op. */
#define SEEN_CONSTRAINT "message_seen_pkey"
#define SERIES_ID_COLUMN "series_id"
static const char series_sql[] =
    "INSERT INTO statpipe.series (sender, indicator, ref_area, freq, calc_basis)"
    " SELECT DISTINCT sender, indicator, ref_area, freq, calc_basis FROM sp_stage_obs"
    " ORDER BY 1, 2, 3, 4, 5" /* one order for every connection: no deadlock between them */
    " ON CONFLICT DO NOTHING";
#define MERGE_SERIES_JOIN                                                                          \
    " LEFT JOIN statpipe.series r ON r.sender = s.sender COLLATE \"default\""                      \
    "  AND r.indicator = s.indicator COLLATE \"default\""                                          \
    "  AND r.ref_area = s.ref_area COLLATE \"default\" AND r.freq = s.freq COLLATE \"default\""    \
    "  AND r.calc_basis = s.calc_basis COLLATE \"default\""
#define MERGE_INSERT_COLUMNS                                                                       \
    " INSERT INTO statpipe.observation (series_id, time_period, period_start, period_end,"         \
    "  release, value, unit, value_published, unit_published, unit_mult, obs_status,"              \
    "  conf_status, is_deleted, comment, message_id, src_topic, src_partition, src_offset)"
/* The staged columns that go into statpipe.observation as they are, after series_id. */
#define MERGE_STAGED_COLUMNS                                                                       \
    " s.time_period, s.period_start, s.period_end, s.release, s.value, s.unit,"                    \
    "  s.value_published, s.unit_published, s.unit_mult, s.obs_status, s.conf_status,"             \
    "  s.is_deleted, s.comment, s.message_id, s.src_topic, s.src_partition, s.src_offset"
#define MERGE_TAIL_SQL                                                                             \
    "INSERT INTO statpipe.quarantine (reason, detail, message_id, sender, src_topic,"              \
    "  src_partition, src_offset, src_file, src_line, payload)"                                    \
    " SELECT * FROM sp_stage_quarantine"                                                           \
    " ON CONFLICT (sha256(payload), reason) WHERE replayed_at IS NULL DO NOTHING;"                 \
    "UPDATE statpipe.quarantine q SET replayed_at = now() FROM sp_stage_replayed r"                \
    " WHERE q.quarantine_id = r.quarantine_id AND q.replayed_at IS NULL;"                          \
    "COMMIT"

static const char merge_checked_sql[] =
    "WITH cand AS MATERIALIZED ("
    "  SELECT s.seq, r.series_id, s.sender, s.message_id, s.time_period, s.release, s.value,"
    "   s.obs_status, s.conf_status, s.is_deleted"
    "  FROM sp_stage_obs s" MERGE_SERIES_JOIN
    "  LEFT JOIN LATERAL (SELECT true AS seen FROM statpipe.message_seen m"
    "   WHERE m.sender = s.sender AND m.message_id = s.message_id LIMIT 1) m ON true"
    "  WHERE m.seen IS NULL),"
    " seen AS (INSERT INTO statpipe.message_seen (sender, message_id)"
    "  SELECT sender, message_id FROM cand),"
    " c AS ("
    "  SELECT cand.*, lag(seq) OVER w AS l_seq,"
    "   lag(ROW(value, obs_status, conf_status, is_deleted)) OVER w AS l_row"
    "  FROM cand WINDOW w AS (PARTITION BY series_id, time_period, release ORDER BY seq)),"
    /* The decision runs on narrow rows; the kept ones are joined back for the insert. */
    " keep AS ("
    "  SELECT c.seq, c.series_id FROM c LEFT JOIN LATERAL ("
    "   SELECT ROW(o.value, o.obs_status, o.conf_status, o.is_deleted) AS r"
    "   FROM statpipe.observation o"
    "   WHERE o.series_id = c.series_id AND o.time_period = c.time_period COLLATE \"default\""
    "    AND o.release = c.release"
    "   ORDER BY o.obs_id DESC LIMIT 1) e ON true"
    "  WHERE (CASE WHEN c.l_seq IS NOT NULL THEN c.l_row ELSE e.r END)"
    "        IS DISTINCT FROM ROW(c.value, c.obs_status, c.conf_status, "
    "c.is_deleted))" MERGE_INSERT_COLUMNS " SELECT k.series_id," MERGE_STAGED_COLUMNS
    " FROM keep k JOIN sp_stage_obs s USING (seq)"
    " ORDER BY s.seq;" MERGE_TAIL_SQL;

static const char merge_lean_sql[] =
    "INSERT INTO statpipe.message_seen (sender, message_id)"
    " SELECT sender, message_id FROM sp_stage_obs;" MERGE_INSERT_COLUMNS
    " SELECT r.series_id," MERGE_STAGED_COLUMNS " FROM sp_stage_obs s" MERGE_SERIES_JOIN
    " LEFT JOIN LATERAL ("
    "  SELECT ROW(o.value, o.obs_status, o.conf_status, o.is_deleted) AS r"
    "  FROM statpipe.observation o"
    "  WHERE o.series_id = r.series_id AND o.time_period = s.time_period COLLATE \"default\""
    "   AND o.release = s.release"
    "  ORDER BY o.obs_id DESC LIMIT 1) e ON true"
    " WHERE e.r IS DISTINCT FROM ROW(s.value, s.obs_status, s.conf_status, s.is_deleted)"
    " ORDER BY r.series_id, s.time_period, s.seq;" MERGE_TAIL_SQL;

typedef struct merge_form {
    const char *sql;
    int results;            /* results the statement set returns, COMMIT's included */
    int observation_result; /* which of them is the INSERT INTO statpipe.observation */
} merge_form_t;

static const merge_form_t merge_checked = {merge_checked_sql, 4, 0};
static const merge_form_t merge_lean = {merge_lean_sql, 5, 1};

/* After a lean merge met a seen id, this many batches take the checked form. */
#define CHECKED_MERGES_AFTER_SEEN 16

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

static void batch_init(batch_t *b)
{
    memset(b, 0, sizeof(*b));
    sp_buf_init(&b->obs);
    sp_keyset_init(&b->ids);
    sp_keyset_init(&b->slots);
    sp_keyset_init(&b->new_series);
    sp_buf_init(&b->quarantine);
    sp_buf_init(&b->replayed);
}

static void batch_free(batch_t *b)
{
    sp_buf_free(&b->obs);
    sp_keyset_free(&b->ids);
    sp_keyset_free(&b->slots);
    sp_keyset_free(&b->new_series);
    sp_buf_free(&b->quarantine);
    sp_buf_free(&b->replayed);
    free(b->offsets);
    b->offsets = NULL;
}

/* Empties a batch, keeping its buffers for the next one. */
static void batch_reset(batch_t *b)
{
    sp_buf_reset(&b->obs);
    sp_keyset_reset(&b->ids);
    sp_keyset_reset(&b->slots);
    b->slot_repeats = false;
    sp_keyset_reset(&b->new_series);
    b->series_missing = false;
    sp_buf_reset(&b->quarantine);
    sp_buf_reset(&b->replayed);
    b->n_offsets = 0;
    b->messages = 0;
    memset(b->reasons, 0, sizeof(b->reasons));
}

static void stop_flusher(sp_loader_t *ld)
{
    if (!ld->has_thread)
        return;
    pthread_mutex_lock(&ld->mu);
    ld->quit = true;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
    pthread_join(ld->thread, NULL);
    ld->has_thread = false;
}

static apr_status_t loader_pool_cleanup(void *data)
{
    sp_loader_t *ld = data;
    stop_flusher(ld);
    loader_cleanup_conn(ld);
    batch_free(&ld->batches[0]);
    batch_free(&ld->batches[1]);
    sp_buf_free(&ld->scratch);
    sp_keyset_free(&ld->known_series);
    pthread_cond_destroy(&ld->cv);
    pthread_mutex_destroy(&ld->mu);
    return APR_SUCCESS;
}

static void notice_sink(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        n--;
    sp_log(SP_LOG_NOTICE, "pg_notice", "message=%s", SP_LOG_QN(message, (int)n));
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
    batch_init(&ld->batches[0]);
    batch_init(&ld->batches[1]);
    ld->cur = &ld->batches[0];
    ld->topics = apr_array_make(pool, 4, sizeof(const char *));
    sp_buf_init(&ld->scratch);
    sp_keyset_init(&ld->known_series);
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv, NULL);
    ld->tf = sp_transformer_create(pool, NULL, NULL);
    ld->max_message_bytes = SP_TRANSFORM_DEFAULT_MAX_MESSAGE_BYTES;
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

/* Waits until the flusher thread is done with the connection (its result stays for
 * sp_loader_land to collect). */
static void wait_landed(sp_loader_t *ld)
{
    if (!ld->flying)
        return;
    pthread_mutex_lock(&ld->mu);
    while (!ld->landed)
        pthread_cond_wait(&ld->cv, &ld->mu);
    pthread_mutex_unlock(&ld->mu);
}

bool sp_loader_connected(sp_loader_t *ld)
{
    /* While a flight is on the connection is the thread's: answer from the last look. */
    if (!ld->flying)
        ld->connected = PQstatus(ld->conn) == CONNECTION_OK;
    return ld->connected;
}

PGconn *sp_loader_conn(sp_loader_t *ld)
{
    wait_landed(ld);
    return ld->conn;
}

void sp_loader_set_catalogue(sp_loader_t *ld, const sp_catalogue_t *cat)
{
    sp_transformer_set_catalogue(ld->tf, cat);
    sp_keyset_reset(&ld->known_series); /* a code renamed in the catalogue renames series */
}

void sp_loader_set_limits(sp_loader_t *ld, const sp_transform_limits_t *limits)
{
    ld->max_message_bytes = limits->max_message_bytes;
    sp_transformer_set_limits(ld->tf, limits);
}

bool sp_loader_catalogue_changed(sp_loader_t *ld)
{
    bool changed = false;
    PGnotify *n;
    wait_landed(ld);
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
    return ld->cur->messages;
}

size_t sp_loader_pending_bytes(const sp_loader_t *ld)
{
    return ld->cur->obs.len + ld->cur->quarantine.len;
}

size_t sp_loader_unsettled_messages(const sp_loader_t *ld)
{
    return ld->cur->messages + (ld->older != NULL ? ld->older->messages : 0);
}

bool sp_loader_in_flight(const sp_loader_t *ld)
{
    return ld->flying;
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
    sp_buf_t *b = &ld->cur->obs;
    char tmp[SP_TIME_TEXT_MAX];
    /* An id the batch holds already is a repeat, a no-op like an id seen in an earlier
     * batch; the first one counts. */
    if (!sp_keyset_add2(&ld->cur->ids, obs->sender, obs->sender_len, obs->message_id,
                        obs->message_id_len))
        return SP_OK;
    const char *slot[6] = {obs->sender, obs->indicator->code, obs->ref_area,
                           &obs->freq,  obs->ytd ? "Y" : "P", obs->period_text};
    const size_t slot_lens[6] = {
        obs->sender_len,         strlen(obs->indicator->code), obs->ref_area_len, 1, 1,
        strlen(obs->period_text)};
    if (!sp_keyset_addv(&ld->cur->slots, slot, slot_lens, 6))
        ld->cur->slot_repeats = true;
    if (!sp_keyset_contains(&ld->known_series, slot, slot_lens, 5)) /* the series: 5 parts */
        (void)sp_keyset_addv(&ld->cur->new_series, slot, slot_lens, 5);
    sp_buf_copy_text(b, obs->message_id, obs->message_id_len);
    put_tab(b);
    sp_buf_copy_text(b, obs->sender, obs->sender_len);
    put_tab(b);
    sp_buf_append(b, obs->indicator->code, slot_lens[1]);
    put_tab(b);
    sp_buf_copy_text(b, obs->ref_area, obs->ref_area_len);
    put_tab(b);
    sp_buf_putc(b, obs->freq);
    put_tab(b);
    sp_buf_append(b, obs->ytd ? "YTD\t" : "PER\t", 4);
    sp_buf_append(b, obs->period_text, slot_lens[5]);
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
    sp_buf_t *b = &ld->cur->quarantine;
    sp_buf_puts(b, sp_reason_name(rej->reason));
    put_tab(b);
    /* A message over the size limit is kept by its first bytes only (enough to tell where
     * it came from); it cannot be replayed and must be published again. */
    bool cut = rej->reason == SP_REASON_TOO_LARGE && len > SP_OVERSIZE_KEEP_BYTES &&
               (len > ld->max_message_bytes || (src != NULL && src->whole_len > len));
    if (cut)
        len = SP_OVERSIZE_KEEP_BYTES;
    /* Details quote the message; PostgreSQL text cannot hold NUL, so cut there. */
    sp_buf_copy_text(b, rej->detail, strlen(rej->detail));
    if (cut || (src != NULL && src->whole_len > len))
        sp_buf_printf(b, "; its first %zu bytes are kept", len);
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
    ld->cur->reasons[rej->reason]++;
}

/* Topic names are few and long-lived: one copy of each, kept for the loader's life (a
 * copy per batch would grow the pool without end). */
static const char *intern_topic(sp_loader_t *ld, const char *topic)
{
    for (int i = 0; i < ld->topics->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(ld->topics, i, const char *), topic) == 0)
            return APR_ARRAY_IDX(ld->topics, i, const char *);
    const char *copy = apr_pstrdup(ld->pool, topic);
    APR_ARRAY_PUSH(ld->topics, const char *) = copy;
    return copy;
}

static void remember_offset(sp_loader_t *ld, const sp_source_t *src)
{
    batch_t *b = ld->cur;
    for (int i = 0; i < b->n_offsets; i++) {
        offset_slot_t *o = &b->offsets[i];
        if (o->partition == src->partition && strcmp(o->topic, src->topic) == 0) {
            if (src->offset + 1 > o->next)
                o->next = src->offset + 1;
            if (src->offset < o->first)
                o->first = src->offset;
            return;
        }
    }
    if (b->n_offsets == b->cap_offsets) {
        int cap = b->cap_offsets ? 2 * b->cap_offsets : 16;
        b->offsets = sp_xrealloc(b->offsets, sizeof(*b->offsets) * (size_t)cap);
        b->cap_offsets = cap;
    }
    offset_slot_t *o = &b->offsets[b->n_offsets++];
    o->topic = intern_topic(ld, src->topic);
    o->partition = src->partition;
    o->first = src->offset;
    o->next = src->offset + 1;
}

/* Runs the transform on one message, staging its rows in the current batch; a message
 * that is rejected or fails is staged not at all (its rows and their keys taken back). */
static sp_transform_result_t stage_message(sp_loader_t *ld, const sp_source_t *src,
                                           const void *payload, size_t len, sp_reject_t *rej,
                                           sp_error_t *err)
{
    batch_t *b = ld->cur;
    size_t obs_mark = b->obs.len, ids_mark = sp_keyset_size(&b->ids),
           slots_mark = sp_keyset_size(&b->slots), series_mark = sp_keyset_size(&b->new_series);
    uint64_t rows_mark = ld->stats.rows;
    ld->cur_src = src;
    sp_transform_result_t res = sp_transform_run(ld->tf, payload, len, stage_obs, ld, rej, err);
    ld->cur_src = NULL;
    if (res != SP_TRANSFORM_OK) {
        b->obs.len = obs_mark;
        sp_keyset_undo(&b->ids, ids_mark);
        sp_keyset_undo(&b->slots, slots_mark);
        sp_keyset_undo(&b->new_series, series_mark);
        ld->stats.rows = rows_mark;
    }
    return res;
}

sp_status_t sp_loader_add(sp_loader_t *ld, const sp_source_t *src, const void *payload, size_t len,
                          sp_error_t *err)
{
    sp_reject_t rej;
    sp_transform_result_t res =
        src != NULL && src->whole_len > len
            ? sp_transform_reject_size(&rej, src->whole_len, ld->max_message_bytes)
            : stage_message(ld, src, payload, len, &rej, err);
    if (res == SP_TRANSFORM_FAILED)
        return err ? err->code : SP_ERR_INTERNAL;
    if (res == SP_TRANSFORM_REJECT) {
        /* A message is loaded whole or not at all. */
        stage_quarantine(ld, src, &rej, payload, len);
        /* Per message only when asked for: batch_done says it once per batch. */
        sp_log(SP_LOG_DEBUG, "quarantine", "reason=%s message_id=%s detail=%s",
               sp_reason_name(rej.reason), SP_LOG_Q(rej.message_id), SP_LOG_Q(rej.detail));
    }
    if (src != NULL && src->topic != NULL)
        remember_offset(ld, src);
    ld->cur->messages++;
    ld->stats.messages++;
    return SP_OK;
}

sp_status_t sp_loader_add_replay(sp_loader_t *ld, int64_t quarantine_id, const sp_source_t *src,
                                 const void *payload, size_t len, sp_reject_t *rej, bool *accepted,
                                 sp_error_t *err)
{
    sp_transform_result_t res = stage_message(ld, src, payload, len, rej, err);
    if (res == SP_TRANSFORM_FAILED)
        return err ? err->code : SP_ERR_INTERNAL;
    *accepted = res == SP_TRANSFORM_OK;
    if (!*accepted)
        return SP_OK;
    put_i64(&ld->cur->replayed, quarantine_id);
    sp_buf_putc(&ld->cur->replayed, '\n');
    ld->cur->messages++;
    ld->stats.messages++;
    return SP_OK;
}

void sp_loader_abandon(sp_loader_t *ld)
{
    bool idle;
    (void)sp_loader_land(ld, true, &idle, NULL); /* a flight that went in is counted */
    if (ld->older != NULL)
        batch_reset(ld->older);
    ld->older = NULL;
    batch_reset(ld->cur);
}

sp_status_t sp_loader_reconnect(sp_loader_t *ld, sp_error_t *err)
{
    wait_landed(ld);
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

/* Whether batch b went in: offsets and rows commit together, so all its offsets stored
 * means it did. */
static sp_status_t settle_batch(sp_loader_t *ld, const batch_t *b, bool *committed, sp_error_t *err)
{
    int in = 0;
    for (int i = 0; i < b->n_offsets; i++) {
        int64_t stored;
        if (sp_loader_offset_get(ld, b->offsets[i].topic, b->offsets[i].partition, &stored, err) !=
            SP_OK)
            return err ? err->code : SP_ERR_CONN;
        if (stored >= b->offsets[i].next)
            in++;
    }
    *committed = in == b->n_offsets;
    sp_log(SP_LOG_NOTICE, "batch_settled", "committed=%s partitions=%d stored=%d",
           *committed ? "yes" : "no", b->n_offsets, in);
    return SP_OK;
}

static void batch_done(sp_loader_t *ld, batch_t *b, uint64_t inserted)
{
    char reasons[512];
    size_t n = 0;
    uint64_t quarantined = 0;
    ld->stats.inserted += inserted;
    ld->stats.batches++;
    reasons[0] = '\0';
    for (int r = 0; r < SP_REASON__COUNT; r++) {
        ld->stats.quarantined_by_reason[r] += b->reasons[r];
        quarantined += b->reasons[r];
        if (b->reasons[r] > 0 && n < sizeof(reasons))
            n +=
                (size_t)snprintf(reasons + n, sizeof(reasons) - n, " %s=%llu",
                                 sp_reason_name((sp_reason_t)r), (unsigned long long)b->reasons[r]);
    }
    if (quarantined > 0)
        sp_log(SP_LOG_INFO, "quarantined", "messages=%llu%s", (unsigned long long)quarantined,
               reasons);
    if (b->series_missing) {
        sp_keyset_reset(&ld->known_series);
    } else {
        for (size_t i = 0; i < sp_keyset_size(&b->new_series); i++) {
            size_t len;
            const char *key = sp_keyset_key(&b->new_series, i, &len);
            (void)sp_keyset_add_stored(&ld->known_series, key, len);
        }
    }
    batch_reset(b);
    if (b == ld->older)
        ld->older = NULL;
}

sp_status_t sp_loader_settle(sp_loader_t *ld, bool *committed, sp_error_t *err)
{
    /* Without offsets a batch is idempotent (message ids, quarantine fingerprints):
     * flushing it again is the answer either way. */
    bool idle;
    *committed = false;
    (void)sp_loader_land(ld, true, &idle, NULL); /* a failed flight stays in `older` */
    if (ld->group_id == NULL)
        return SP_OK;
    batch_t *order[2] = {ld->older, ld->cur};
    for (int k = 0; k < 2; k++) {
        batch_t *b = order[k];
        bool in = false;
        if (b == NULL || b->messages == 0 || b->n_offsets == 0)
            continue;
        if (settle_batch(ld, b, &in, err) != SP_OK)
            return err ? err->code : SP_ERR_CONN;
        if (!in)
            break; /* a later batch cannot be in when an earlier one is not */
        batch_done(ld, b, 0);
        *committed = true;
    }
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

/* Commits batch b in one transaction. Touches only the connection, b and the fault
 * counter, so the flusher thread can run it while the caller stages the next batch.
 * *seen_race tells that it failed only because another transaction recorded one of its
 * message ids meanwhile. */
static sp_status_t flush_batch_once(sp_loader_t *ld, batch_t *b, const merge_form_t *form,
                                    uint64_t *inserted_out, bool *seen_race, bool *series_missing,
                                    sp_error_t *err)
{
    *seen_race = false;
    *series_missing = false;
    PGconn *conn = ld->conn;
    if (sp_pg_exec(conn, "BEGIN", err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->obs.len > 0 && sp_pg_copy_in(conn, copy_obs_sql, b->obs.data, b->obs.len, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->quarantine.len > 0 && sp_pg_copy_in(conn, copy_quarantine_sql, b->quarantine.data,
                                               b->quarantine.len, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->replayed.len > 0 &&
        sp_pg_copy_in(conn, copy_replayed_sql, b->replayed.data, b->replayed.len, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (b->n_offsets > 0 && ld->group_id != NULL) {
        sp_buf_t *s = &ld->scratch;
        sp_buf_reset(s);
        for (int i = 0; i < b->n_offsets; i++) {
            sp_buf_copy_text(s, ld->group_id, strlen(ld->group_id));
            put_tab(s);
            sp_buf_copy_text(s, b->offsets[i].topic, strlen(b->offsets[i].topic));
            put_tab(s);
            put_i64(s, b->offsets[i].partition);
            put_tab(s);
            put_i64(s, b->offsets[i].first);
            put_tab(s);
            put_i64(s, b->offsets[i].next);
            sp_buf_putc(s, '\n');
        }
        if (sp_pg_copy_in(conn, copy_offset_sql, s->data, s->len, err) != SP_OK)
            return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
        PGresult *res = PQexec(conn, advance_offsets_sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            return loader_rollback(ld, sp_pg_error(conn, res, "storing offsets", err));
        long advanced = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        if (advanced != b->n_offsets)
            return loader_rollback(
                ld, sp_error_set(err, SP_ERR_CONFLICT,
                                 "%d of %d partitions were committed further by another "
                                 "consumer of group %s",
                                 b->n_offsets - (int)advanced, b->n_offsets, ld->group_id));
    }
    if ((sp_keyset_size(&b->new_series) > 0 || b->series_missing) &&
        sp_pg_exec(conn, series_sql, err) != SP_OK)
        return loader_rollback(ld, err ? err->code : SP_ERR_SERVER);
    if (!PQsendQuery(conn, form->sql))
        return loader_rollback(
            ld, sp_error_set(err, SP_ERR_CONN, "could not send merge: %s", PQerrorMessage(conn)));
    PGresult *res;
    sp_status_t st = SP_OK;
    uint64_t inserted = 0;
    int k = 0;
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (st == SP_OK) {
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
                const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
                *seen_race = state != NULL && strcmp(state, "23505") == 0 && constraint != NULL &&
                             strcmp(constraint, SEEN_CONSTRAINT) == 0;
                *series_missing = state != NULL && strcmp(state, "23502") == 0 && column != NULL &&
                                  strcmp(column, SERIES_ID_COLUMN) == 0;
                st = sp_pg_error(conn, res, "merge", err);
            } else {
                PQclear(res);
            }
            continue;
        }
        if (k == form->observation_result)
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
    if (k < form->results || PQstatus(conn) != CONNECTION_OK)
        /* COMMIT was sent but its answer was lost: the batch may or may not be in.
         * sp_loader_settle tells which once the connection is back. */
        return sp_error_set(err, SP_ERR_CONN, "connection lost at COMMIT");
    *inserted_out = inserted;
    return SP_OK;
}

/* flush_batch_once in the lean form when the batch allows it, else (or when the lean form
 * met a seen id) in the checked form; run again while it loses races for message ids:
 * each rerun finds the ids the other transaction committed, so they drop out as seen. */
static sp_status_t flush_batch(sp_loader_t *ld, batch_t *b, uint64_t *inserted_out, sp_error_t *err)
{
    bool lean = !b->slot_repeats && ld->checked_merges_due == 0;
    for (int attempt = 1;; attempt++) {
        bool seen_race = false, series_missing = false;
        sp_status_t st = flush_batch_once(ld, b, lean ? &merge_lean : &merge_checked, inserted_out,
                                          &seen_race, &series_missing, err);
        if (st == SP_OK) {
            if (!lean && ld->checked_merges_due > 0)
                ld->checked_merges_due--;
            return st;
        }
        if (attempt == 10)
            return st;
        if (series_missing && !b->series_missing) {
            /* Known to the loader, missing in the table: add the series, forget the rest. */
            sp_log(SP_LOG_WARNING, "batch_rerun", "reason=\"a series thought stored is missing\"");
            b->series_missing = true;
            continue;
        }
        if (!seen_race)
            return st;
        if (lean) {
            sp_log(SP_LOG_DEBUG, "batch_rerun", "reason=\"a message id was seen before\"");
            lean = false;
            ld->checked_merges_due = CHECKED_MERGES_AFTER_SEEN;
            continue;
        }
        sp_log(SP_LOG_INFO, "batch_rerun",
               "reason=\"another transaction recorded one of its message ids\" attempt=%d",
               attempt);
    }
}

static void *flusher_main(void *arg)
{
    sp_loader_t *ld = arg;
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        while (!ld->quit && !(ld->flying && !ld->landed))
            pthread_cond_wait(&ld->cv, &ld->mu);
        if (ld->quit)
            break;
        batch_t *b = ld->older;
        pthread_mutex_unlock(&ld->mu);
        sp_error_t e = {0};
        uint64_t inserted = 0;
        sp_status_t st = flush_batch(ld, b, &inserted, &e);
        pthread_mutex_lock(&ld->mu);
        ld->flight_st = st;
        ld->flight_err = e;
        ld->flight_inserted = inserted;
        ld->landed = true;
        pthread_cond_broadcast(&ld->cv);
    }
    pthread_mutex_unlock(&ld->mu);
    return NULL;
}

sp_status_t sp_loader_land(sp_loader_t *ld, bool wait, bool *idle, sp_error_t *err)
{
    *idle = true;
    if (!ld->flying)
        return SP_OK;
    pthread_mutex_lock(&ld->mu);
    while (wait && !ld->landed)
        pthread_cond_wait(&ld->cv, &ld->mu);
    bool landed = ld->landed;
    pthread_mutex_unlock(&ld->mu);
    if (!landed) {
        *idle = false;
        return SP_OK;
    }
    ld->flying = false;
    ld->landed = false;
    if (ld->flight_st != SP_OK) {
        /* The batch stays in `older`, to be flushed again or settled before `cur`. */
        if (err != NULL)
            *err = ld->flight_err;
        return ld->flight_st;
    }
    batch_done(ld, ld->older, ld->flight_inserted);
    return SP_OK;
}

sp_status_t sp_loader_flush(sp_loader_t *ld, sp_error_t *err)
{
    bool idle;
    sp_status_t st = sp_loader_land(ld, true, &idle, err);
    if (st != SP_OK)
        return st;
    batch_t *order[2] = {ld->older, ld->cur};
    for (int k = 0; k < 2; k++) {
        batch_t *b = order[k];
        uint64_t inserted = 0;
        if (b == NULL || b->messages == 0)
            continue;
        if ((st = flush_batch(ld, b, &inserted, err)) != SP_OK)
            return st; /* kept: the caller retries or abandons */
        batch_done(ld, b, inserted);
    }
    return SP_OK;
}

sp_status_t sp_loader_flush_async(sp_loader_t *ld, sp_error_t *err)
{
    bool idle;
    sp_status_t st = sp_loader_land(ld, true, &idle, err);
    if (st != SP_OK)
        return st;
    if (ld->older != NULL)
        return sp_loader_flush(ld, err); /* a failed batch goes first, and in order */
    if (ld->cur->messages == 0)
        return SP_OK;
    if (!ld->has_thread) {
        if (pthread_create(&ld->thread, NULL, flusher_main, ld) != 0)
            return sp_loader_flush(ld, err);
        ld->has_thread = true;
    }
    pthread_mutex_lock(&ld->mu);
    ld->older = ld->cur;
    ld->cur = ld->cur == &ld->batches[0] ? &ld->batches[1] : &ld->batches[0];
    ld->flying = true;
    ld->landed = false;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
    return SP_OK;
}
sp_status_t sp_loader_offset_get(sp_loader_t *ld, const char *topic, int32_t partition,
                                 int64_t *next, sp_error_t *err)
{
    char part[16];
    wait_landed(ld);
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
    wait_landed(ld);
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
