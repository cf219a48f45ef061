/*
 * sp_consumer.c: a consumer-group member whose positions live in the database. On
 * assignment each partition is positioned at the offset stored with the loaded rows; before
 * partitions are revoked the owner commits or abandons its batch. Kafka's own offset store
 * is not used for correctness.
 */
#include "sp_ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct part_state {
    char *topic;
    int32_t partition;
    bool eof;
} part_state_t;

struct sp_consumer {
    rd_kafka_t *rk;
    sp_consumer_hooks_t hooks;
    part_state_t *parts;
    int n_parts;
    /* The group's rebalance protocol, from the configured assignors (librdkafka refuses a
     * mix of eager and cooperative ones). Not asked of rd_kafka_rebalance_protocol(): that
     * answers NULL once the group has terminated, which a callback served at close can see. */
    bool cooperative;
    bool failed;
    sp_error_t fail_err;
    /* The partitions sp_consumer_pause paused, resumed by sp_consumer_resume; NULL: none. */
    rd_kafka_topic_partition_list_t *paused;
    /* The refill kick (see refill()) */
    int64_t dry_since_us; /* since when polls have brought nothing; 0: something came */
    int64_t kicked_us;    /* when the last kick was made */
    bool kick_pending;    /* nothing came since it */
    int64_t kick_wait_us; /* after a kick, before another; doubles while they bring nothing */
    int64_t kick_rtt_us;  /* how long the last kick took to bring something */
};

static void parts_clear(sp_consumer_t *c)
{
    for (int i = 0; i < c->n_parts; i++)
        free(c->parts[i].topic);
    free(c->parts);
    c->parts = NULL;
    c->n_parts = 0;
}

static void parts_add(sp_consumer_t *c, const rd_kafka_topic_partition_list_t *list)
{
    c->parts = sp_xrealloc(c->parts, sizeof(*c->parts) * (size_t)(c->n_parts + list->cnt));
    for (int i = 0; i < list->cnt; i++) {
        part_state_t *s = &c->parts[c->n_parts++];
        s->topic = strdup(list->elems[i].topic);
        if (s->topic == NULL)
            abort();
        s->partition = list->elems[i].partition;
        s->eof = false;
    }
}

static void parts_remove(sp_consumer_t *c, const rd_kafka_topic_partition_list_t *list)
{
    for (int i = 0; i < list->cnt; i++)
        for (int j = 0; j < c->n_parts; j++)
            if (c->parts[j].partition == list->elems[i].partition &&
                strcmp(c->parts[j].topic, list->elems[i].topic) == 0) {
                free(c->parts[j].topic);
                c->parts[j] = c->parts[--c->n_parts];
                break;
            }
}

static part_state_t *parts_find(sp_consumer_t *c, const char *topic, int32_t partition)
{
    for (int j = 0; j < c->n_parts; j++)
        if (c->parts[j].partition == partition && strcmp(c->parts[j].topic, topic) == 0)
            return &c->parts[j];
    return NULL;
}

/* Hands an assignment change to librdkafka in the group's protocol: partitions added
 * (take) or given back. A refused one is logged; a refused take stops the daemon, which
 * would otherwise sit in the group holding partitions that nobody consumes. */
static void change_assignment(sp_consumer_t *c, rd_kafka_t *rk,
                              rd_kafka_topic_partition_list_t *partitions, bool take)
{
    char msg[256] = "";
    if (c->cooperative) {
        rd_kafka_error_t *e = take ? rd_kafka_incremental_assign(rk, partitions)
                                   : rd_kafka_incremental_unassign(rk, partitions);
        if (e != NULL) {
            snprintf(msg, sizeof(msg), "%s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_resp_err_t e = rd_kafka_assign(rk, take ? partitions : NULL);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
            snprintf(msg, sizeof(msg), "%s", rd_kafka_err2str(e));
    }
    if (msg[0] == '\0')
        return;
    sp_log(SP_LOG_ERR, take ? "assign_failed" : "unassign_failed", "error=%s", SP_LOG_Q(msg));
    if (take && !c->failed) {
        c->failed = true;
        sp_error_set(&c->fail_err, SP_ERR_INTERNAL,
                     "librdkafka refused the partitions the group assigned: %s", msg);
    }
}

/* Whether a stored offset lies within the partition's log. One past its end means the
 * topic was recreated or the cluster replaced: the stored offsets describe a log that is
 * gone, and reading the new one from them would load nothing (every batch would start
 * below the stored offset and be abandoned) while the daemon looked healthy. The daemon
 * stops instead; resetting is the operator's explicit decision. When the end cannot be
 * asked for, the assignment goes ahead (a later one checks again). */
static bool offset_within_log(sp_consumer_t *c, rd_kafka_t *rk,
                              const rd_kafka_topic_partition_t *tp, int64_t next)
{
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi, 10000);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        sp_log(SP_LOG_WARNING, "log_end_unknown", "topic=%s partition=%d error=%s", tp->topic,
               (int)tp->partition, SP_LOG_Q(rd_kafka_err2str(e)));
        return true;
    }
    if (next <= hi)
        return true;
    sp_log(SP_LOG_ERR, "offset_beyond_log", "topic=%s partition=%d stored=%lld log_end=%lld",
           tp->topic, (int)tp->partition, (long long)next, (long long)hi);
    if (!c->failed) {
        c->failed = true;
        sp_error_set(&c->fail_err, SP_ERR_INVALID,
                     "the offset stored for %s partition %d is %lld, past the end of its log "
                     "(%lld): the topic was recreated or the cluster replaced, and nothing "
                     "was read from it",
                     tp->topic, (int)tp->partition, (long long)next, (long long)hi);
        sp_error_detail(&c->fail_err,
                        "to read the new log from its start, stop every member of the group "
                        "and run `statpipe offsets reset -G GROUP -t %s --to-earliest` (see "
                        "docs/operator-guide.md, \"A recreated topic\")",
                        tp->topic);
    }
    return false;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *partitions, void *opaque)
{
    sp_consumer_t *c = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < partitions->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &partitions->elems[i];
            int64_t next = -1;
            sp_error_t e;
            if (c->hooks.stored_offset(c->hooks.opaque, tp->topic, tp->partition, &next, &e) !=
                SP_OK) {
                /* Consuming from a guessed position could load twice or skip: stop. */
                c->failed = true;
                c->fail_err = e;
                sp_log(SP_LOG_ERR, "assign_failed", "topic=%s partition=%d error=%s", tp->topic,
                       (int)tp->partition, SP_LOG_Q(e.message));
                change_assignment(c, rk, partitions, false);
                return;
            }
            if (next > 0 && !offset_within_log(c, rk, tp, next)) {
                change_assignment(c, rk, partitions, false);
                return;
            }
            tp->offset = next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
            sp_log(SP_LOG_INFO, "assign", "topic=%s partition=%d offset=%lld", tp->topic,
                   (int)tp->partition, (long long)next);
        }
        parts_add(c, partitions);
        change_assignment(c, rk, partitions, true);
    } else {
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            sp_log(SP_LOG_WARNING, "rebalance_error", "error=%s", SP_LOG_Q(rd_kafka_err2str(err)));
        c->hooks.before_revoke(c->hooks.opaque);
        for (int i = 0; i < partitions->cnt; i++)
            sp_log(SP_LOG_INFO, "revoke", "topic=%s partition=%d", partitions->elems[i].topic,
                   (int)partitions->elems[i].partition);
        if (c->cooperative)
            parts_remove(c, partitions);
        else
            parts_clear(c);
        change_assignment(c, rk, partitions, false);
    }
}

sp_status_t sp_consumer_new(rd_kafka_conf_t *conf, const char *const *topics, int n,
                            const sp_consumer_hooks_t *hooks, sp_consumer_t **out, sp_error_t *err)
{
    sp_consumer_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        rd_kafka_conf_destroy(conf);
        return sp_error_set(err, SP_ERR_NOMEM, "out of memory");
    }
    c->hooks = *hooks;
    sp_status_t st;
    if ((st = sp_kafka_conf_set(conf, "enable.auto.commit", "false", err)) != SP_OK ||
        (st = sp_kafka_conf_set(conf, "enable.auto.offset.store", "false", err)) != SP_OK ||
        (st = sp_kafka_conf_set(conf, "enable.partition.eof", "true", err)) != SP_OK) {
        rd_kafka_conf_destroy(conf);
        free(c);
        return st;
    }
    char strategy[1024];
    size_t strategy_len = sizeof(strategy);
    if (rd_kafka_conf_get(conf, "partition.assignment.strategy", strategy, &strategy_len) ==
        RD_KAFKA_CONF_OK)
        c->cooperative = strstr(strategy, "cooperative") != NULL;
    rd_kafka_conf_set_opaque(conf, c);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    char errstr[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (c->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        free(c);
        return sp_error_set(err, SP_ERR_INVALID, "could not create Kafka consumer: %s", errstr);
    }
    rd_kafka_poll_set_consumer(c->rk);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(c->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (kerr) {
        rd_kafka_destroy(c->rk);
        free(c);
        return sp_error_set(err, SP_ERR_INVALID, "could not subscribe: %s", rd_kafka_err2str(kerr));
    }
    *out = c;
    return SP_OK;
}

/* Messages of partition tp beyond tp->offset (a position from rd_kafka_position; a
 * logical one counts from the low watermark), from librdkafka's cached watermarks (no
 * request); -1 when they are not known yet. */
static int64_t partition_lag(rd_kafka_t *rk, const rd_kafka_topic_partition_t *tp)
{
    int64_t lo, hi;
    if (rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        hi < 0)
        return -1;
    int64_t pos = tp->offset >= 0 ? tp->offset : lo;
    return hi > pos ? hi - pos : 0;
}

/* The refill kick. librdkafka 2.0.2 stops fetching while the consumer queue holds
 * queued.max.messages.kbytes and looks again only on its broker threads' one-second tick
 * (later releases have fetch.queue.backoff.ms). In a backlog the daemon drains the queue in
 * a fraction of that second and would wait out the rest. So when the queue has run dry
 * while assigned partitions have messages beyond their positions, those partitions are
 * sought to their positions: a seek wakes the broker threads at once. The position is the
 * offset after the last message handed out, so nothing is skipped or handed out twice.
 *
 * A seek also voids a fetch in flight (its answer is fetched again), so a kick must not
 * race a slow broker: the queue must have been dry for four times as long as the last kick
 * took to bring something (at least DRY_POLL_MS), and kicks that bring nothing back off
 * (100 ms, doubling to 5 s). Against a broker 400 ms away the first kick teaches that it
 * is slow and the one-second tick comes first after that. Watermarks are librdkafka's
 * cached ones (no request); paused partitions are left alone. */
#define DRY_POLL_MS 10
#define KICK_FIRST_WAIT_US 100000
#define KICK_MAX_WAIT_US 5000000
static void refill(sp_consumer_t *c)
{
    int64_t now = sp_time_now_us();
    int64_t dry_for =
        4 * c->kick_rtt_us > DRY_POLL_MS * 1000 ? 4 * c->kick_rtt_us : DRY_POLL_MS * 1000;
    if (c->dry_since_us == 0)
        c->dry_since_us = now - DRY_POLL_MS * 1000; /* the poll that found it dry waited so */
    if (c->paused != NULL || c->n_parts == 0 || now - c->dry_since_us < dry_for ||
        (c->kick_pending && now - c->kicked_us < c->kick_wait_us))
        return;
    /* The partitions not at their end, then of them those behind, sought where they are. */
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(c->n_parts);
    for (int i = 0; i < c->n_parts; i++)
        if (!c->parts[i].eof)
            rd_kafka_topic_partition_list_add(list, c->parts[i].topic, c->parts[i].partition);
    if (list->cnt == 0 || rd_kafka_position(c->rk, list) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_topic_partition_list_destroy(list);
        return;
    }
    for (int i = list->cnt - 1; i >= 0; i--) {
        const rd_kafka_topic_partition_t *tp = &list->elems[i];
        if (tp->err || tp->offset < 0 || partition_lag(c->rk, tp) <= 0)
            rd_kafka_topic_partition_list_del_by_idx(list, i);
    }
    if (list->cnt > 0) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, list, 0 /* async */);
        if (e != NULL)
            rd_kafka_error_destroy(e);
        int64_t wait = c->kick_pending ? 2 * c->kick_wait_us : KICK_FIRST_WAIT_US;
        c->kick_wait_us = wait > KICK_MAX_WAIT_US ? KICK_MAX_WAIT_US : wait;
        c->kicked_us = now;
        c->kick_pending = true;
        sp_log(SP_LOG_DEBUG, "refill_kick", "partitions=%d dry_ms=%lld", list->cnt,
               (long long)((now - c->dry_since_us) / 1000));
    }
    rd_kafka_topic_partition_list_destroy(list);
}

rd_kafka_message_t *sp_consumer_poll(sp_consumer_t *c, int timeout_ms)
{
    rd_kafka_message_t *m =
        rd_kafka_consumer_poll(c->rk, timeout_ms > DRY_POLL_MS ? DRY_POLL_MS : timeout_ms);
    if (m == NULL && timeout_ms > DRY_POLL_MS) {
        refill(c);
        m = rd_kafka_consumer_poll(c->rk, timeout_ms - DRY_POLL_MS);
    }
    if (m == NULL)
        return NULL;
    c->dry_since_us = 0;
    if (c->kick_pending) {
        c->kick_pending = false;
        c->kick_rtt_us = sp_time_now_us() - c->kicked_us;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        part_state_t *p = parts_find(c, rd_kafka_topic_name(m->rkt), m->partition);
        if (p != NULL)
            p->eof = true;
        rd_kafka_message_destroy(m);
        return NULL;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->rkt != NULL) {
        part_state_t *p = parts_find(c, rd_kafka_topic_name(m->rkt), m->partition);
        if (p != NULL)
            p->eof = false;
    }
    return m;
}

bool sp_consumer_at_end(const sp_consumer_t *c)
{
    if (c->n_parts == 0)
        return false;
    for (int i = 0; i < c->n_parts; i++)
        if (!c->parts[i].eof)
            return false;
    return true;
}

int sp_consumer_assigned(const sp_consumer_t *c)
{
    return c->n_parts;
}

bool sp_consumer_failed(const sp_consumer_t *c, sp_error_t *err)
{
    if (c->failed && err != NULL)
        *err = c->fail_err;
    return c->failed;
}

/* Pausing stops fetching for the whole assignment. Resuming takes back exactly the
 * partitions that were paused: in librdkafka 2.0.2 resuming a partition that is not paused
 * (one assigned while the others were paused) still bumps its fetch version, which drops
 * what it has fetched and starts it again from where it was assigned, so the messages the
 * daemon took since would come a second time. A paused partition that was revoked in the
 * meantime is resumed too, so that it fetches if it comes back. */
void sp_consumer_pause(sp_consumer_t *c)
{
    if (c->paused != NULL)
        return;
    rd_kafka_topic_partition_list_t *list = NULL;
    if (rd_kafka_assignment(c->rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || list == NULL)
        return;
    if (list->cnt > 0)
        rd_kafka_pause_partitions(c->rk, list);
    c->paused = list;
}

void sp_consumer_resume(sp_consumer_t *c)
{
    if (c->paused == NULL)
        return;
    if (c->paused->cnt > 0)
        rd_kafka_resume_partitions(c->rk, c->paused);
    rd_kafka_topic_partition_list_destroy(c->paused);
    c->paused = NULL;
}

sp_status_t sp_consumer_resync(sp_consumer_t *c, sp_error_t *err)
{
    rd_kafka_topic_partition_list_t *list = NULL;
    rd_kafka_resp_err_t kerr = rd_kafka_assignment(c->rk, &list);
    if (kerr)
        return sp_error_set(err, SP_ERR_INTERNAL, "could not read the assignment: %s",
                            rd_kafka_err2str(kerr));
    sp_status_t st = SP_OK;
    for (int i = 0; i < list->cnt && st == SP_OK; i++) {
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        int64_t next = -1;
        st = c->hooks.stored_offset(c->hooks.opaque, tp->topic, tp->partition, &next, err);
        tp->offset = next >= 0 ? next : RD_KAFKA_OFFSET_BEGINNING;
        part_state_t *p = parts_find(c, tp->topic, tp->partition);
        if (p != NULL)
            p->eof = false;
    }
    if (st == SP_OK && list->cnt > 0) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, list, 10 * 1000);
        if (e != NULL) {
            st = sp_error_set(err, SP_ERR_CONN, "could not seek: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
        for (int i = 0; st == SP_OK && i < list->cnt; i++)
            if (list->elems[i].err)
                st = sp_error_set(err, SP_ERR_CONN, "could not seek %s [%d]: %s",
                                  list->elems[i].topic, (int)list->elems[i].partition,
                                  rd_kafka_err2str(list->elems[i].err));
    }
    rd_kafka_topic_partition_list_destroy(list);
    return st;
}

int sp_consumer_lags(sp_consumer_t *c, sp_partition_lag_t *out, int max)
{
    rd_kafka_topic_partition_list_t *list = NULL;
    if (rd_kafka_assignment(c->rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    rd_kafka_position(c->rk, list);
    int n = 0;
    for (int i = 0; i < list->cnt && n < max; i++) {
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        int64_t lag = partition_lag(c->rk, tp);
        if (lag < 0)
            continue;
        snprintf(out[n].topic, sizeof(out[n].topic), "%s", tp->topic);
        out[n].partition = tp->partition;
        out[n].position = tp->offset;
        out[n].lag = lag;
        n++;
    }
    rd_kafka_topic_partition_list_destroy(list);
    return n;
}

void sp_consumer_close(sp_consumer_t *c)
{
    if (c == NULL)
        return;
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
    if (c->paused != NULL)
        rd_kafka_topic_partition_list_destroy(c->paused);
    parts_clear(c);
    free(c);
}
