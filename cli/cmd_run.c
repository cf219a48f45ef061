/*
 * cmd_run.c: `statpipe run`: options, signals, and the daemon (daemon/) that consumes
 * Kafka topics as a consumer group and loads every message into PostgreSQL exactly once.
 */
#include "sp_cli.h"
#include "sp_daemon.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe run [OPTIONS]\n\n"
            "Consume Kafka topics as a member of a consumer group and load every message\n"
            "into PostgreSQL exactly once. SIGTERM or SIGINT commits the batch in flight\n"
            "and exits 0. The catalogue is reloaded between batches when it changes in the\n"
            "database, or on SIGHUP.\n\n"
            "options (flags override the config file):\n"
            "  -c FILE         config file of key = value lines (docs/configuration.md)\n"
            "  -b BROKERS      Kafka bootstrap servers (kafka.bootstrap.servers)\n"
            "  -t TOPIC        topic to consume, repeatable; ^REGEX for a pattern (topics)\n"
            "  -G GROUP        consumer group id (kafka.group.id; default statpipe)\n"
            "  -X KEY=VALUE    any librdkafka property, repeatable\n"
            "  -d CONNINFO     PostgreSQL connection string (pg.conninfo; default: PG* "
            "variables)\n"
            "  -e              exit once every assigned partition is at its end and committed\n"
            "                  (and the kept values are refreshed: kept.refresh.ms)\n"
            "  --batch-rows N  close a batch at N messages (batch.rows; default %d)\n"
            "  --batch-bytes N close a batch at N staged bytes (batch.bytes; default %u)\n"
            "  --linger-ms N   close a batch N ms after its first message (batch.linger.ms;\n"
            "                  default %d)\n"
            "  --connections N PostgreSQL connections, each loading the batches of its share\n"
            "                  of the partitions while the others load theirs\n"
            "                  (load.connections; default %d, at most %d)\n"
            "  --metrics HOST:PORT  serve /metrics (Prometheus), /health and /ready\n"
            "                  (metrics.listen; default: none)\n"
            "  --check-config  check the configuration (file, environment, flags) and exit\n"
            "  -h, --help      show this help\n\n"
            "Settings come from the config file, then STATPIPE_* environment variables\n"
            "(STATPIPE_BATCH_ROWS for batch.rows, ...), then flags, each overriding the one\n"
            "before. The tables that make the stats views fast are refreshed in the\n"
            "background (kept.refresh.ms, kept.backlog.ms); the views give the same rows\n"
            "meanwhile.\n",
            SP_DEFAULT_BATCH_ROWS, SP_DEFAULT_BATCH_BYTES, SP_DEFAULT_LINGER_MS,
            SP_DEFAULT_CONNECTIONS, SP_MAX_CONNECTIONS);
}

/* --check-config: the checks made before connecting to anything, and what would run. */
static int run_check_config(sp_settings_t *s)
{
    char servers[1024];
    sp_error_t err;
    if (sp_daemon_check(s, servers, sizeof(servers), &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_USAGE;
    }
    printf("configuration ok: brokers %s, %d topic%s, batches of %zu messages, %zu bytes or "
           "%zu ms, %zu PostgreSQL connection%s\n",
           servers, s->n_topics, s->n_topics == 1 ? "" : "s", s->batch_rows, s->batch_bytes,
           s->linger_ms, s->connections, s->connections == 1 ? "" : "s");
    return SP_EXIT_OK;
}

int sp_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"batch-rows", required_argument, NULL, 1},
        {"batch-bytes", required_argument, NULL, 2},
        {"linger-ms", required_argument, NULL, 3},
        {"check-config", no_argument, NULL, 4},
        {"metrics", required_argument, NULL, 5},
        {"connections", required_argument, NULL, 6},
        {NULL, 0, NULL, 0},
    };
    static sp_settings_args_t a;
    memset(&a, 0, sizeof(a));
    bool exit_at_end = false, check_only = false;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hc:b:t:G:X:d:e", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            run_usage(stdout);
            return SP_EXIT_OK;
        case 'c':
            a.config = optarg;
            break;
        case 'b':
            a.brokers = optarg;
            break;
        case 't':
            if (a.nt == SP_MAX_TOPICS) {
                fprintf(stderr, "statpipe: too many -t options\n");
                return SP_EXIT_USAGE;
            }
            a.topics[a.nt++] = optarg;
            break;
        case 'G':
            a.group = optarg;
            break;
        case 'X':
            if (a.nx == SP_MAX_XPROPS) {
                fprintf(stderr, "statpipe: too many -X options\n");
                return SP_EXIT_USAGE;
            }
            a.xprops[a.nx++] = optarg;
            break;
        case 'd':
            a.conninfo = optarg;
            break;
        case 'e':
            exit_at_end = true;
            break;
        case 1:
            a.batch_rows = optarg;
            break;
        case 2:
            a.batch_bytes = optarg;
            break;
        case 3:
            a.linger = optarg;
            break;
        case 4:
            check_only = true;
            break;
        case 5:
            a.metrics = optarg;
            break;
        case 6:
            a.connections = optarg;
            break;
        default:
            run_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("run", argc, argv)) {
        run_usage(stderr);
        return SP_EXIT_USAGE;
    }

    sp_settings_t s;
    sp_error_t err;
    int rc = SP_EXIT_OK;
    if (sp_settings_build(&s, &a, &err) != SP_OK) {
        sp_cli_error(&err);
        rc = SP_EXIT_USAGE;
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (check_only) {
        rc = run_check_config(&s);
        goto out;
    }
    const sp_daemon_control_t ctl = {&stop_requested, &reload_requested, exit_at_end};
    switch (sp_daemon_run(&s, &a, &ctl, &err)) {
    case SP_DAEMON_OK:
        rc = SP_EXIT_OK;
        break;
    case SP_DAEMON_CONFIG:
        rc = SP_EXIT_USAGE;
        break;
    default:
        rc = SP_EXIT_SERVICE;
    }
    if (rc != SP_EXIT_OK && err.message[0] != '\0')
        sp_cli_error(&err);
out:
    sp_settings_free(&s);
    return rc;
}
