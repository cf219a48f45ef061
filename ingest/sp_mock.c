/* sp_mock.c: librdkafka's built-in Kafka cluster: real protocol brokers on loopback ports. */
#include "sp_ingest.h"

#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>

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

void sp_mock_cluster_stop(sp_mock_cluster_t *m)
{
    if (m == NULL)
        return;
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->rk);
    free(m);
}
