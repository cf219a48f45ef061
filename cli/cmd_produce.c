/* cmd_produce.c: `statpipe produce`: publish NDJSON lines to Kafka with the contract's key. */
#include "sp_cli.h"
#include "sp_ingest.h"

#include <getopt.h>
#include <string.h>

static void produce_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe produce -b BROKERS -t TOPIC [-X KEY=VALUE]... [--rate N] FILE|-\n\n"
            "Publish each non-blank line of FILE (- for stdin) as one message, keyed by\n"
            "its series (SENDER|INDICATOR|REF_AREA|FREQ|CALC_BASIS) so that a series stays\n"
            "in order on one partition. Lines that are not readable JSON are sent without\n"
            "a key. Exits 1 if any message was not delivered.\n\n"
            "options:\n"
            "  -b BROKERS     Kafka bootstrap servers\n"
            "  -t TOPIC       topic to publish to\n"
            "  -X KEY=VALUE   any librdkafka producer property, repeatable\n"
            "  --rate N       send at most N messages a second (paced, for load tests)\n"
            "  -h, --help     show this help\n");
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    long *failed = opaque;
    if (m->err) {
        (*failed)++;
        sp_log(SP_LOG_ERR, "delivery_failed", "partition=%d error=%s", (int)m->partition,
               SP_LOG_Q(rd_kafka_err2str(m->err)));
    }
}

int sp_cmd_produce(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"rate", required_argument, NULL, 1}, {NULL, 0, NULL, 0}};
    size_t rate = 0;
    const char *brokers = NULL, *topic = NULL;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sp_kafka_conf_log_to_sink(conf);
    sp_error_t err;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hb:t:X:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            produce_usage(stdout);
            rd_kafka_conf_destroy(conf);
            return SP_EXIT_OK;
        case 'b':
            brokers = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 1:
            if (!sp_cli_parse_size("--rate", optarg, &rate)) {
                rd_kafka_conf_destroy(conf);
                return SP_EXIT_USAGE;
            }
            break;
        case 'X':
            if (sp_kafka_conf_set_pair(conf, optarg, &err) != SP_OK) {
                sp_cli_error(&err);
                rd_kafka_conf_destroy(conf);
                return SP_EXIT_USAGE;
            }
            break;
        default:
            produce_usage(stderr);
            rd_kafka_conf_destroy(conf);
            return SP_EXIT_USAGE;
        }
    }
    if (brokers == NULL || brokers[0] == '\0' || topic == NULL || topic[0] == '\0' ||
        optind != argc - 1) {
        fprintf(stderr, "statpipe: produce needs -b BROKERS, -t TOPIC and one FILE (or -)\n");
        produce_usage(stderr);
        rd_kafka_conf_destroy(conf);
        return SP_EXIT_USAGE;
    }
    long failed = 0, sent = 0;
    int64_t start_us = sp_time_now_us();
    char errstr[512];
    if (sp_kafka_conf_set(conf, "bootstrap.servers", brokers, &err) != SP_OK) {
        sp_cli_error(&err);
        rd_kafka_conf_destroy(conf);
        return SP_EXIT_USAGE;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "statpipe: could not create Kafka producer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return SP_EXIT_USAGE;
    }
    sp_lines_t lines;
    if (sp_lines_open(&lines, argv[optind], 0, &err) != SP_OK) {
        sp_cli_error(&err);
        rd_kafka_destroy(rk);
        return SP_EXIT_USAGE;
    }
    const char *line;
    size_t len;
    int r;
    int rc = SP_EXIT_OK;
    char key[512];
    while ((r = sp_lines_next_message(&lines, &line, &len)) == 1) {
        if (rate > 0) {
            /* Message k leaves no earlier than k/rate seconds after the first. */
            int64_t due = start_us + (int64_t)((double)(sent + failed) * 1e6 / (double)rate);
            int64_t now = sp_time_now_us();
            while (now < due) {
                rd_kafka_poll(rk, (int)((due - now) / 1000));
                now = sp_time_now_us();
            }
        }
        size_t klen = sp_message_key(line, len, key, sizeof(key));
        for (;;) {
            rd_kafka_resp_err_t e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(klen ? key : NULL, klen), RD_KAFKA_V_VALUE((void *)line, len),
                RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 100); /* wait for deliveries to make room */
                continue;
            }
            if (e) {
                fprintf(stderr, "statpipe: could not produce line %lld: %s\n",
                        (long long)lines.lineno, rd_kafka_err2str(e));
                failed++;
            } else {
                sent++;
            }
            break;
        }
        rd_kafka_poll(rk, 0);
    }
    if (r < 0) {
        fprintf(stderr, "statpipe: could not read \"%s\"\n", argv[optind]);
        rc = SP_EXIT_FAIL;
    }
    sp_lines_close(&lines);
    rd_kafka_flush(rk, 60 * 1000);
    int left = rd_kafka_outq_len(rk);
    if (left > 0) {
        fprintf(stderr, "statpipe: %d messages still undelivered after 60 s\n", left);
        failed += left;
    }
    rd_kafka_destroy(rk);
    if (failed > 0) {
        fprintf(stderr, "statpipe: %ld of %ld messages were not delivered\n", failed, sent);
        rc = SP_EXIT_FAIL;
    } else {
        printf("produced %ld messages to %s\n", sent, topic);
    }
    return rc;
}
