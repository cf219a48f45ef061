/*
 * test_consumer.c: the consumer against librdkafka's built-in Kafka cluster, in process
 * (real protocol on loopback; no server to start).
 */
#include "sp_ingest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* Each test partition has a slot: t.a and t.b have one partition, u.x two. */
#define N_SLOTS 4
static const char *const topic_names[] = {"t.a", "t.b", "u.x"};
#define N_TOPICS (int)(sizeof(topic_names) / sizeof(topic_names[0]))

/* What the test consumed of each partition. */
typedef struct consumed {
    int64_t next[N_SLOTS]; /* offset after the last message taken */
    int count[N_SLOTS];
    int again[N_SLOTS]; /* messages at an offset already taken */
} consumed_t;

static int slot_of(const char *topic, int32_t partition)
{
    for (int i = 0; i < N_TOPICS; i++)
        if (strcmp(topic, topic_names[i]) == 0 && partition >= 0 && i + partition < N_SLOTS)
            return i + partition;
    return -1;
}

static sp_status_t stored_offset(void *opaque, const char *topic, int32_t partition, int64_t *next,
                                 sp_error_t *err)
{
    (void)err;
    consumed_t *s = opaque;
    int t = slot_of(topic, partition);
    *next = t >= 0 && s->next[t] > 0 ? s->next[t] : -1;
    return SP_OK;
}

static void before_revoke(void *opaque)
{
    (void)opaque;
}

static void produce(const char *bootstraps, const char *topic, int32_t partition, int n)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sp_error_t err;
    assert_int_equal(sp_kafka_conf_set(conf, "bootstrap.servers", bootstraps, &err), SP_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    assert_non_null(rk);
    for (int i = 0; i < n; i++)
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                           RD_KAFKA_V_PARTITION(partition),
                                           RD_KAFKA_V_VALUE("m", 1), RD_KAFKA_V_END),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

/* True when every slot has at least the count want asks for. */
static bool have(const consumed_t *s, const int want[N_SLOTS])
{
    for (int i = 0; i < N_SLOTS; i++)
        if (s->count[i] < want[i])
            return false;
    return true;
}

/* Polls until the slots have the counts want asks for (NULL: never) or for ms
 * milliseconds, taking every message. */
static void poll_until(sp_consumer_t *c, consumed_t *s, const int *want, int ms)
{
    int64_t until = sp_time_now_us() + (int64_t)ms * 1000;
    while (sp_time_now_us() < until && (want == NULL || !have(s, want))) {
        rd_kafka_message_t *m = sp_consumer_poll(c, 50);
        if (m == NULL)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            int t = slot_of(rd_kafka_topic_name(m->rkt), m->partition);
            assert_true(t >= 0);
            if (m->offset < s->next[t])
                s->again[t]++;
            else
                s->next[t] = m->offset + 1;
            s->count[t]++;
        }
        rd_kafka_message_destroy(m);
    }
}

/* Each test has a cluster of its own (one broker). */
static int cluster_start(void **state)
{
    sp_error_t err;
    sp_mock_cluster_t *mc;
    if (sp_mock_cluster_start(1, &mc, &err) != SP_OK)
        return -1;
    *state = mc;
    return 0;
}

static int cluster_stop(void **state)
{
    sp_mock_cluster_stop(*state);
    return 0;
}

/* A consumer configuration for group in the built-in cluster. */
static rd_kafka_conf_t *group_conf(const char *bootstraps, const char *group)
{
    sp_error_t err;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(sp_kafka_conf_set(conf, "bootstrap.servers", bootstraps, &err), SP_OK);
    assert_int_equal(sp_kafka_conf_set(conf, "group.id", group, &err), SP_OK);
    /* cooperative: partitions are added and taken one by one, the others stay */
    assert_int_equal(
        sp_kafka_conf_set(conf, "partition.assignment.strategy", "cooperative-sticky", &err),
        SP_OK);
    /* the built-in cluster holds a rejoin for the session timeout less a second */
    assert_int_equal(sp_kafka_conf_set(conf, "session.timeout.ms", "6000", &err), SP_OK);
    return conf;
}

/* While the daemon waits for the database, its partitions are paused; one assigned in that
 * time is not. Resuming must leave that one alone: resuming a partition that was not paused
 * restarts it from where it was assigned, and its messages came a second time. */
static void test_resume_leaves_a_partition_assigned_while_paused(void **state)
{
    sp_error_t err;
    sp_mock_cluster_t *mc = *state;
    const char *bootstraps = sp_mock_cluster_bootstraps(mc);
    assert_int_equal(sp_mock_cluster_topic(mc, "t.a", 1, &err), SP_OK);
    produce(bootstraps, "t.a", 0, 50);

    consumed_t s = {0};
    sp_consumer_hooks_t hooks = {&s, stored_offset, before_revoke};
    rd_kafka_conf_t *conf = group_conf(bootstraps, "g");
    /* Topics that appear are found within a refresh. Not every 200 ms: the built-in cluster
     * answers a join after exactly 3 or 5 s, so such a refresh would land each time the
     * leader waits for the assignor's metadata, and librdkafka (2.0) then joins again
     * without an assignment, every time. 170 ms lands 110 and 70 ms away from those. */
    assert_int_equal(sp_kafka_conf_set(conf, "topic.metadata.refresh.interval.ms", "170", &err),
                     SP_OK);
    const char *topics[] = {"^t\\..*"};
    sp_consumer_t *c;
    assert_int_equal(sp_consumer_new(conf, topics, 1, &hooks, &c, &err), SP_OK);

    poll_until(c, &s, (int[N_SLOTS]){[0] = 50}, 30000);
    assert_int_equal(s.count[0], 50);

    sp_consumer_pause(c);
    assert_int_equal(sp_mock_cluster_topic(mc, "t.b", 1, &err), SP_OK);
    produce(bootstraps, "t.b", 0, 50);
    produce(bootstraps, "t.a", 0, 5);
    poll_until(c, &s, (int[N_SLOTS]){[1] = 50}, 30000);
    assert_int_equal(s.count[1], 50);
    assert_int_equal(s.count[0], 50); /* t.a is paused */
    assert_int_equal(sp_consumer_assigned(c), 2);

    sp_consumer_resume(c);
    poll_until(c, &s, (int[N_SLOTS]){[0] = 55}, 10000);
    poll_until(c, &s, NULL, 1500); /* anything t.b would bring again */
    assert_int_equal(s.count[0], 55);
    assert_int_equal(s.again[0], 0);
    assert_int_equal(s.again[1], 0);
    assert_int_equal(s.count[1], 50);

    sp_consumer_close(c);
}

/* A partition paused, taken away while paused (another member joined) and given back
 * after the resume must fetch again: librdkafka keeps a partition's pause across
 * assignments, so the resume has to reach the partitions no longer assigned too. */
static void test_a_partition_paused_and_taken_away_fetches_when_it_comes_back(void **state)
{
    sp_error_t err;
    sp_mock_cluster_t *mc = *state;
    const char *bootstraps = sp_mock_cluster_bootstraps(mc);
    assert_int_equal(sp_mock_cluster_topic(mc, "u.x", 2, &err), SP_OK);
    produce(bootstraps, "u.x", 0, 10);
    produce(bootstraps, "u.x", 1, 10);

    consumed_t s = {0};
    sp_consumer_hooks_t hooks = {&s, stored_offset, before_revoke};
    const char *topics[] = {"u.x"};
    sp_consumer_t *c;
    assert_int_equal(sp_consumer_new(group_conf(bootstraps, "g2"), topics, 1, &hooks, &c, &err),
                     SP_OK);
    poll_until(c, &s, (int[N_SLOTS]){[2] = 10, [3] = 10}, 30000);
    assert_int_equal(s.count[2] + s.count[3], 20);
    sp_consumer_pause(c);

    /* A second member joins and takes one of the two partitions. */
    char errstr[256];
    rd_kafka_t *other =
        rd_kafka_new(RD_KAFKA_CONSUMER, group_conf(bootstraps, "g2"), errstr, sizeof(errstr));
    assert_non_null(other);
    rd_kafka_poll_set_consumer(other);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, "u.x", RD_KAFKA_PARTITION_UA);
    assert_int_equal(rd_kafka_subscribe(other, subs), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(subs);
    /* Two rebalances (cooperative: the partition is taken, then given), each of which the
     * built-in cluster may hold for up to the session timeout: a minute, for a machine
     * busy with other tests. */
    int64_t until = sp_time_now_us() + 60 * 1000000LL;
    int theirs = 0;
    while (sp_time_now_us() < until && !(theirs == 1 && sp_consumer_assigned(c) == 1)) {
        poll_until(c, &s, NULL, 50);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(other, 50);
        if (m != NULL)
            rd_kafka_message_destroy(m);
        rd_kafka_topic_partition_list_t *list = NULL;
        if (rd_kafka_assignment(other, &list) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            theirs = list->cnt;
            rd_kafka_topic_partition_list_destroy(list);
        }
    }
    assert_int_equal(theirs, 1);
    assert_int_equal(sp_consumer_assigned(c), 1);

    /* The database is back; then the other member leaves and its partition comes back. */
    sp_consumer_resume(c);
    rd_kafka_consumer_close(other);
    rd_kafka_destroy(other);
    produce(bootstraps, "u.x", 0, 10);
    produce(bootstraps, "u.x", 1, 10);
    /* a minute: the cluster first times out the member that left */
    poll_until(c, &s, (int[N_SLOTS]){[2] = 20, [3] = 20}, 60000);
    assert_int_equal(sp_consumer_assigned(c), 2);
    assert_int_equal(s.count[2], 20);
    assert_int_equal(s.count[3], 20);
    assert_int_equal(s.again[2] + s.again[3], 0);

    sp_consumer_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resume_leaves_a_partition_assigned_while_paused,
                                        cluster_start, cluster_stop),
        cmocka_unit_test_setup_teardown(
            test_a_partition_paused_and_taken_away_fetches_when_it_comes_back, cluster_start,
            cluster_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
