/* cmd_serve.c: `statpipe serve`: the read-only SDMX REST service. */
#include "sp_cli.h"
#include "sp_pg.h"
#include "sp_sdmx.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

static void serve_usage(FILE *out)
{
    fprintf(out, "usage: statpipe serve [--listen HOST:PORT] [--max-observations N]\n"
                 "                      [--max-connections N] [-d CONNINFO]\n\n"
                 "Serves statpipe's data and structure over the SDMX REST API 2.1 (docs/sdmx.md),\n"
                 "read-only, until SIGTERM or SIGINT:\n"
                 "  /rest/dataflow/all/all/latest, /rest/datastructure/STATPIPE/"
                 "DSD_INFORMATIZATION/1.0,\n"
                 "  /rest/codelist/STATPIPE/CL_INDICATOR, /rest/conceptscheme/...\n"
                 "  /rest/data/INFORMATIZATION/KEY?startPeriod=&endPeriod=&updatedAfter=\n"
                 "      &firstNObservations=&lastNObservations=&includeHistory=true&format=csv\n"
                 "Each request reads through its own connection: connect with a login that has\n"
                 "only statpipe_reader, so that embargo and confidentiality hold.\n\n"
                 "options:\n"
                 "  --listen HOST:PORT     where to listen (default 127.0.0.1:8480)\n"
                 "  --max-observations N   refuse larger answers with 413 (default 1000000)\n"
                 "  --max-connections N    requests at once (default 16)\n"
                 "  -d CONNINFO            PostgreSQL connection string (default: PG* variables)\n"
                 "  -h, --help             show this help\n");
}

int sp_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"listen", required_argument, NULL, 1},
                                             {"max-observations", required_argument, NULL, 2},
                                             {"max-connections", required_argument, NULL, 3},
                                             {NULL, 0, NULL, 0}};
    sp_sdmx_serve_opts_t opts = {.conninfo = "",
                                 .listen = "127.0.0.1:8480",
                                 .max_observations = 1000000,
                                 .max_connections = 16};
    size_t n;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            serve_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            opts.conninfo = optarg;
            break;
        case 1:
            opts.listen = optarg;
            break;
        case 2:
            if (!sp_cli_parse_size("--max-observations", optarg, &n))
                return SP_EXIT_USAGE;
            opts.max_observations = (long)n;
            break;
        case 3:
            if (!sp_cli_parse_size("--max-connections", optarg, &n))
                return SP_EXIT_USAGE;
            opts.max_connections = (unsigned)n;
            break;
        default:
            serve_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("serve", argc, argv))
        return SP_EXIT_USAGE;
    /* The database must answer before the service says it listens. */
    PGconn *conn;
    int rc = sp_cli_connect(opts.conninfo, &conn);
    if (rc != SP_EXIT_OK)
        return rc;
    sp_pg_close(conn);
    /* The service's threads inherit the blocked signals; this thread waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    sp_sdmx_server_t *s;
    sp_error_t err;
    sp_status_t st = sp_sdmx_serve_start(&opts, &s, &err);
    if (st != SP_OK) {
        sp_cli_error(&err);
        return st == SP_ERR_INVALID ? SP_EXIT_USAGE : SP_EXIT_SERVICE;
    }
    sp_log(SP_LOG_INFO, "sdmx_listen", "address=%s", opts.listen);
    int sig;
    sigwait(&stop, &sig);
    sp_log(SP_LOG_INFO, "sdmx_stop", "signal=%d", sig);
    sp_sdmx_serve_stop(s);
    return SP_EXIT_OK;
}
