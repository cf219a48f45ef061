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

int sp_cmd_produce(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"rate", required_argument, NULL, 1}, {NULL, 0, NULL, 0}};
    size_t rate = 0;
    const char *brokers = NULL, *topic = NULL;
    rd_kafka_conf_t *conf = sp_kafka_conf_new();
    sp_error_t err;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hb:t:X:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            produce_usage(stdout);
            sp_kafka_conf_free(conf);
            return SP_EXIT_OK;
        case 'b':
            brokers = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 1:
            if (!sp_cli_parse_size("--rate", optarg, &rate)) {
                sp_kafka_conf_free(conf);
                return SP_EXIT_USAGE;
            }
            break;
        case 'X':
            if (sp_kafka_conf_set_pair(conf, optarg, &err) != SP_OK) {
                sp_cli_error(&err);
                sp_kafka_conf_free(conf);
                return SP_EXIT_USAGE;
            }
            break;
        default:
            produce_usage(stderr);
            sp_kafka_conf_free(conf);
            return SP_EXIT_USAGE;
        }
    }
    if (brokers == NULL || brokers[0] == '\0' || topic == NULL || topic[0] == '\0' ||
        optind != argc - 1) {
        fprintf(stderr, "statpipe: produce needs -b BROKERS, -t TOPIC and one FILE (or -)\n");
        produce_usage(stderr);
        sp_kafka_conf_free(conf);
        return SP_EXIT_USAGE;
    }
    long failed = 0, sent = 0;
    int64_t start_us = sp_time_now_us();
    sp_producer_t *p;
    if (sp_producer_new(conf, brokers, &p, &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_USAGE;
    }
    sp_lines_t lines;
    if (sp_lines_open(&lines, argv[optind], 0, &err) != SP_OK) {
        sp_cli_error(&err);
        int left;
        (void)sp_producer_close(p, 0, &left);
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
                sp_producer_poll(p, (int)((due - now) / 1000));
                now = sp_time_now_us();
            }
        }
        size_t klen = sp_message_key(line, len, key, sizeof(key));
        if (sp_producer_send(p, topic, key, klen, line, len, &err) != SP_OK) {
            fprintf(stderr, "statpipe: could not produce line %lld: %s\n", (long long)lines.lineno,
                    err.message);
            failed++;
        } else {
            sent++;
        }
    }
    if (r < 0) {
        fprintf(stderr, "statpipe: could not read \"%s\"\n", argv[optind]);
        rc = SP_EXIT_FAIL;
    }
    sp_lines_close(&lines);
    int left;
    failed += sp_producer_close(p, 60 * 1000, &left);
    if (left > 0)
        fprintf(stderr, "statpipe: %d messages still undelivered after 60 s\n", left);
    if (failed > 0) {
        fprintf(stderr, "statpipe: %ld of %ld messages were not delivered\n", failed, sent);
        rc = SP_EXIT_FAIL;
    } else {
        printf("produced %ld messages to %s\n", sent, topic);
    }
    return rc;
}
