/* sp_producer.c: a Kafka producer for `statpipe produce`: sends lines as messages, waits
 * for room when librdkafka's queue is full, and counts deliveries that fail. */
#include "sp_ingest.h"

#include <stdlib.h>
#include <string.h>

struct sp_producer {
    rd_kafka_t *rk;
    long failed; /* deliveries reported failed */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    sp_producer_t *p = opaque;
    if (m->err) {
        p->failed++;
        sp_log(SP_LOG_ERR, "delivery_failed", "partition=%d error=%s", (int)m->partition,
               SP_LOG_Q(rd_kafka_err2str(m->err)));
    }
}

sp_status_t sp_producer_new(rd_kafka_conf_t *conf, const char *brokers, sp_producer_t **out,
                            sp_error_t *err)
{
    char errstr[512];
    if (sp_kafka_conf_set(conf, "bootstrap.servers", brokers, err) != SP_OK) {
        rd_kafka_conf_destroy(conf);
        return SP_ERR_INVALID;
    }
    sp_producer_t *p = sp_xrealloc(NULL, sizeof(*p));
    p->failed = 0;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (p->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        free(p);
        return sp_error_set(err, SP_ERR_INVALID, "could not create Kafka producer: %s", errstr);
    }
    *out = p;
    return SP_OK;
}

sp_status_t sp_producer_send(sp_producer_t *p, const char *topic, const char *key, size_t klen,
                             const void *payload, size_t len, sp_error_t *err)
{
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(klen ? key : NULL, klen), RD_KAFKA_V_VALUE((void *)payload, len),
            RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(p->rk, 100); /* wait for deliveries to make room */
            continue;
        }
        rd_kafka_poll(p->rk, 0);
        if (e)
            return sp_error_set(err, SP_ERR_IO, "%s", rd_kafka_err2str(e));
        return SP_OK;
    }
}

void sp_producer_poll(sp_producer_t *p, int timeout_ms)
{
    rd_kafka_poll(p->rk, timeout_ms);
}

long sp_producer_close(sp_producer_t *p, int timeout_ms, int *left)
{
    rd_kafka_flush(p->rk, timeout_ms);
    *left = rd_kafka_outq_len(p->rk);
    long failed = p->failed + *left;
    rd_kafka_destroy(p->rk);
    free(p);
    return failed;
}
