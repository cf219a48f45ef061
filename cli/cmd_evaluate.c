/* cmd_evaluate.c: `statpipe evaluate`: stores the annual evaluation, frozen. */
#include "sp_cli.h"
#include "sp_report.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void evaluate_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe evaluate --year YEAR [--as-of TIME] [--note TEXT] [-d CONNINFO]\n\n"
            "Stores the evaluation of YEAR: every plan target judged as at the end of YEAR\n"
            "(target years up to YEAR have passed; later ones are judged on their trend) on\n"
            "the national figures released by the as-of time, with the login, the time and\n"
            "the catalogue's version. A stored evaluation never changes; evaluating a year\n"
            "again stores its next version. Readers see them in stats.evaluation and\n"
            "stats.evaluation_row; `statpipe report --evaluation ID` renders one and\n"
            "stats.evaluation_diff(a, b) says what changed between two.\n\n"
            "options:\n"
            "  --year YEAR  the year evaluated; it must have ended by the as-of time\n"
            "  --as-of TIME the figures released by TIME (default: now; not after now)\n"
            "  --note TEXT  stored with the evaluation (what it is for, who asked)\n"
            "  -d CONNINFO  PostgreSQL connection string (default: PG* variables); the login\n"
            "               needs the role statpipe_evaluator\n"
            "  -h, --help   show this help\n\n"
            "Prints the evaluation's id, year, version, as-of time and number of targets.\n");
}

int sp_cmd_evaluate(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"year", required_argument, NULL, 1},
                                             {"as-of", required_argument, NULL, 2},
                                             {"note", required_argument, NULL, 3},
                                             {NULL, 0, NULL, 0}};
    const char *conninfo = "", *as_of = NULL, *note = NULL;
    int year = 0;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            evaluate_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            conninfo = optarg;
            break;
        case 1: {
            char *end;
            long y = strtol(optarg, &end, 10);
            if (optarg[0] == '\0' || *end != '\0' || y < 1900 || y > 2199) {
                fprintf(stderr, "statpipe: --year needs a year from 1900 to 2199, got \"%s\"\n",
                        optarg);
                return SP_EXIT_USAGE;
            }
            year = (int)y;
            break;
        }
        case 2:
            as_of = optarg;
            break;
        case 3:
            note = optarg;
            break;
        default:
            evaluate_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("evaluate", argc, argv))
        return SP_EXIT_USAGE;
    if (year == 0) {
        fprintf(stderr, "statpipe: evaluate needs --year: the year to evaluate\n");
        evaluate_usage(stderr);
        return SP_EXIT_USAGE;
    }
    PGconn *conn;
    int rc = sp_cli_connect(conninfo, &conn);
    if (rc != SP_EXIT_OK)
        return rc;
    sp_error_t err;
    sp_evaluation_t e;
    sp_status_t st = sp_evaluation_store(conn, year, as_of, note, &e, &err);
    sp_pg_close(conn);
    if (st != SP_OK) {
        sp_cli_error(&err);
        return st == SP_ERR_INVALID ? SP_EXIT_USAGE : SP_EXIT_SERVICE;
    }
    printf("evaluation %s: year %d, version %d, as of %s, %d targets, by %s, catalogue %s\n", e.id,
           year, e.version, e.as_of, e.targets, e.by, e.catalogue_version);
    return SP_EXIT_OK;
}
