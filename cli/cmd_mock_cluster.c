/* cmd_mock_cluster.c: `statpipe mock-cluster`: librdkafka's built-in Kafka cluster, served
 * until SIGTERM or SIGINT; the first line on stdout is its bootstrap servers. */
#include "sp_cli.h"
#include "sp_ingest.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Reads fault-injection commands from stdin until it ends; the cluster serves on. */
static void *control_thread(void *arg)
{
    sp_mock_cluster_t *mc = arg;
    char line[512];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        sp_error_t err;
        if (sp_mock_cluster_command(mc, line, &err) == SP_OK)
            printf("ok\n");
        else
            printf("error: %s\n", err.message);
        fflush(stdout);
    }
    return NULL;
}

static void mock_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe mock-cluster [--brokers N] [--topic NAME[:PARTITIONS]]...\n\n"
            "Start librdkafka's built-in Kafka cluster (real Kafka protocol brokers on\n"
            "loopback ports, for development and tests), print its bootstrap servers as the\n"
            "first line on stdout, and serve until SIGTERM or SIGINT. Topics not created\n"
            "here are created on first use. Each partition keeps at most 5 MB or 100,000\n"
            "messages: give big feeds enough partitions.\n\n"
            "Faults are injected by lines on standard input, each answered on stdout by\n"
            "\"ok\" or \"error: ...\":\n"
            "  broker-down ID | broker-up ID      take a broker (1..N) off or back\n"
            "  broker-rtt ID MS                   delay a broker's answers\n"
            "  request-errors API COUNT ERROR     fail the next COUNT requests of API\n"
            "                                     (Fetch, Produce, JoinGroup, ...) with ERROR\n"
            "                                     (NOT_LEADER_FOR_PARTITION, ...)\n"
            "  topic NAME PARTITIONS              create a topic\n\n"
            "options:\n"
            "  --brokers N               number of brokers (default 3)\n"
            "  --topic NAME[:PARTITIONS] create a topic (default 4 partitions), repeatable\n"
            "  -h, --help                show this help\n");
}

int sp_cmd_mock_cluster(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"brokers", required_argument, NULL, 1},
        {"topic", required_argument, NULL, 2},
        {NULL, 0, NULL, 0},
    };
    size_t brokers = 3;
    const char *topics[64];
    int nt = 0, opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            mock_usage(stdout);
            return SP_EXIT_OK;
        case 1:
            if (!sp_cli_parse_size("--brokers", optarg, &brokers))
                return SP_EXIT_USAGE;
            break;
        case 2:
            if (nt == 64) {
                fprintf(stderr, "statpipe: too many --topic options\n");
                return SP_EXIT_USAGE;
            }
            topics[nt++] = optarg;
            break;
        default:
            mock_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("mock-cluster", argc, argv))
        return SP_EXIT_USAGE;
    /* Block the stop signals before librdkafka starts its threads, then wait for one. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    sp_error_t err;
    sp_mock_cluster_t *mc;
    if (sp_mock_cluster_start((int)brokers, &mc, &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_SERVICE;
    }
    for (int i = 0; i < nt; i++) {
        char name[256];
        size_t partitions = 4;
        const char *colon = strrchr(topics[i], ':');
        size_t n = colon ? (size_t)(colon - topics[i]) : strlen(topics[i]);
        if (n == 0 || n >= sizeof(name)) {
            fprintf(stderr, "statpipe: bad topic \"%s\"\n", topics[i]);
            sp_mock_cluster_stop(mc);
            return SP_EXIT_USAGE;
        }
        memcpy(name, topics[i], n);
        name[n] = '\0';
        if ((colon && !sp_cli_parse_size("--topic partitions", colon + 1, &partitions)) ||
            sp_mock_cluster_topic(mc, name, (int)partitions, &err) != SP_OK) {
            if (!colon || partitions)
                sp_cli_error(&err);
            sp_mock_cluster_stop(mc);
            return SP_EXIT_USAGE;
        }
    }
    printf("%s\n", sp_mock_cluster_bootstraps(mc));
    fflush(stdout);
    pthread_t ctl;
    pthread_create(&ctl, NULL, control_thread, mc);
    pthread_detach(ctl);
    int sig = 0;
    sigwait(&set, &sig);
    sp_log(SP_LOG_INFO, "mock_cluster_stop", "signal=%d", sig);
    sp_mock_cluster_stop(mc);
    return SP_EXIT_OK;
}
