/* sp_mock.c: librdkafka's built-in Kafka cluster: real protocol brokers on loopback ports. */
#include "sp_ingest.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>

struct sp_mock_cluster {
    rd_kafka_t *rk; /* the mock cluster lives inside a client handle */
    rd_kafka_mock_cluster_t *mc;
};

sp_status_t sp_mock_cluster_start(int brokers, sp_mock_cluster_t **out, sp_error_t *err)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sp_kafka_conf_log_to_sink(conf);
    sp_mock_cluster_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        rd_kafka_conf_destroy(conf);
        return sp_error_set(err, SP_ERR_NOMEM, "out of memory");
    }
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (m->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        free(m);
        return sp_error_set(err, SP_ERR_INTERNAL, "could not create Kafka handle: %s", errstr);
    }
    m->mc = rd_kafka_mock_cluster_new(m->rk, brokers);
    if (m->mc == NULL) {
        rd_kafka_destroy(m->rk);
        free(m);
        return sp_error_set(err, SP_ERR_INTERNAL, "could not start the built-in Kafka cluster");
    }
    *out = m;
    return SP_OK;
}

sp_status_t sp_mock_cluster_topic(sp_mock_cluster_t *m, const char *topic, int partitions,
                                  sp_error_t *err)
{
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(m->mc, topic, partitions, 1);
    if (e)
        return sp_error_set(err, SP_ERR_INVALID, "could not create topic %s: %s", topic,
                            rd_kafka_err2str(e));
    return SP_OK;
}

const char *sp_mock_cluster_bootstraps(sp_mock_cluster_t *m)
{
    return rd_kafka_mock_cluster_bootstraps(m->mc);
}

static const struct {
    const char *name;
    int16_t key;
} api_keys[] = {
    {"Produce", 0},         {"Fetch", 1},       {"ListOffsets", 2},      {"Metadata", 3},
    {"OffsetCommit", 8},    {"OffsetFetch", 9}, {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},      {"LeaveGroup", 13}, {"SyncGroup", 14},       {"ApiVersions", 18},
    {"InitProducerId", 22},
};

static bool parse_api(const char *s, int16_t *key)
{
    for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++)
        if (strcmp(s, api_keys[i].name) == 0) {
            *key = api_keys[i].key;
            return true;
        }
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 100)
        return false;
    *key = (int16_t)v;
    return true;
}

static bool parse_err(const char *s, rd_kafka_resp_err_t *out)
{
    for (int e = -200; e < 200; e++) {
        const char *name = rd_kafka_err2name((rd_kafka_resp_err_t)e);
        if (name != NULL && strcmp(name, s) == 0) {
            *out = (rd_kafka_resp_err_t)e;
            return true;
        }
    }
    return false;
}

sp_status_t sp_mock_cluster_command(sp_mock_cluster_t *m, const char *line, sp_error_t *err)
{
    char cmd[64] = "", a[256] = "", b[64] = "", c[64] = "";
    int n = sscanf(line, "%63s %255s %63s %63s", cmd, a, b, c);
    if (n <= 0)
        return SP_OK;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if ((strcmp(cmd, "broker-down") == 0 || strcmp(cmd, "broker-up") == 0) && n == 2) {
        int id = atoi(a);
        e = cmd[7] == 'd' ? rd_kafka_mock_broker_set_down(m->mc, id)
                          : rd_kafka_mock_broker_set_up(m->mc, id);
    } else if (strcmp(cmd, "broker-rtt") == 0 && n == 3) {
        e = rd_kafka_mock_broker_set_rtt(m->mc, atoi(a), atoi(b));
    } else if (strcmp(cmd, "request-errors") == 0 && n == 4) {
        int16_t key;
        rd_kafka_resp_err_t code;
        int count = atoi(b);
        if (!parse_api(a, &key) || count <= 0 || count > 10000 || !parse_err(c, &code))
            return sp_error_set(err, SP_ERR_INVALID,
                                "usage: request-errors API COUNT ERROR_NAME (e.g. Fetch 5 "
                                "NOT_LEADER_FOR_PARTITION)");
        rd_kafka_resp_err_t *codes = malloc(sizeof(*codes) * (size_t)count);
        if (codes == NULL)
            return sp_error_set(err, SP_ERR_NOMEM, "out of memory");
        for (int i = 0; i < count; i++)
            codes[i] = code;
        rd_kafka_mock_push_request_errors_array(m->mc, key, (size_t)count, codes);
        free(codes);
    } else if (strcmp(cmd, "topic") == 0 && n == 3) {
        return sp_mock_cluster_topic(m, a, atoi(b), err);
    } else {
        return sp_error_set(err, SP_ERR_INVALID,
                            "unknown command \"%s\" (broker-down ID, broker-up ID, broker-rtt ID "
                            "MS, request-errors API COUNT ERROR, topic NAME PARTITIONS)",
                            cmd);
    }
    if (e)
        return sp_error_set(err, SP_ERR_INVALID, "%s: %s", cmd, rd_kafka_err2str(e));
    return SP_OK;
}

void sp_mock_cluster_stop(sp_mock_cluster_t *m)
{
    if (m == NULL)
        return;
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->rk);
    free(m);
}
