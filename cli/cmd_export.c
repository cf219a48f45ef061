/* cmd_export.c: `statpipe export`: statpipe's data, or its structure, as SDMX files. */
#include "sp_cli.h"
#include "sp_pg.h"
#include "sp_sdmx.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void export_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe export [--format sdmx-csv|sdmx-ml|sdmx-ml-generic|sdmx-json|\n"
            "                                 sdmx-csv-1.0|sdmx-json-1.0]\n"
            "                       [--structure] [--as-of TIME] [--detail D]\n"
            "                       [--include-history] [--start-period P] [--end-period P]\n"
            "                       [--updated-after TIME] [--first N | --last N]\n"
            "                       [--out FILE] [-d CONNINFO] [KEY]\n\n"
            "Writes the observations a login may read as SDMX (docs/sdmx.md): the dataflow\n"
            "STATPIPE:INFORMATIZATION(1.0), one row or Obs per (series, period), values exact\n"
            "in the canonical unit (UNIT_MULT 0). KEY selects series as the SDMX REST API\n"
            "does: INDICATOR.REF_AREA.FREQ.SENDER.CALC_BASIS.BREAKDOWN, each part empty for\n"
            "any or codes joined by +, e.g. NET_PEN.CN+440000..CNNIC; trailing parts may be\n"
            "left out.\n\n"
            "options:\n"
            "  --format F          sdmx-csv (SDMX-CSV 2.0, the default), sdmx-ml (SDMX-ML\n"
            "                      2.1 structure-specific data), sdmx-ml-generic (SDMX-ML\n"
            "                      2.1 generic data), sdmx-json (SDMX-JSON 2.0), or\n"
            "                      sdmx-csv-1.0 and sdmx-json-1.0 for clients of the\n"
            "                      earlier versions (CSV 1.0 has no history)\n"
            "  --structure         the structure message instead (SDMX-ML 2.1, or SDMX-JSON\n"
            "                      1.0 with --format sdmx-json): every artefact, names in\n"
            "                      zh and en\n"
            "  --as-of TIME        the figures as known at TIME\n"
            "  --include-history   every vintage with its validity (VALID_FROM, VALID_TO in\n"
            "                      CSV; one data set per validity in SDMX-ML)\n"
            "  --start-period P    periods that begin on or after P begins (2023, 2023-Q2,\n"
            "                      2023-07, or a date)\n"
            "  --end-period P      periods that end on or before P ends\n"
            "  --updated-after T   only figures released after T\n"
            "  --first N, --last N the first or last N periods of each series\n"
            "  --detail D          full (default), dataonly (no attributes), serieskeysonly\n"
            "                      or nodata (the series, without observations)\n"
            "  --out FILE          write to FILE instead of stdout\n"
            "  -d CONNINFO         PostgreSQL connection string (default: PG* variables)\n"
            "  -h, --help          show this help\n");
}

int sp_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"format", required_argument, NULL, 1},
                                             {"out", required_argument, NULL, 2},
                                             {"as-of", required_argument, NULL, 3},
                                             {"include-history", no_argument, NULL, 4},
                                             {"structure", no_argument, NULL, 5},
                                             {"start-period", required_argument, NULL, 6},
                                             {"end-period", required_argument, NULL, 7},
                                             {"updated-after", required_argument, NULL, 8},
                                             {"first", required_argument, NULL, 9},
                                             {"last", required_argument, NULL, 10},
                                             {"detail", required_argument, NULL, 11},
                                             {NULL, 0, NULL, 0}};
    sp_sdmx_query_t q = {0};
    sp_sdmx_format_t format = SP_SDMX_CSV;
    const char *conninfo = "", *path = NULL;
    bool structure = false;
    size_t n;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            export_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            conninfo = optarg;
            break;
        case 1:
            if (strcmp(optarg, "sdmx-csv") == 0) {
                format = SP_SDMX_CSV;
            } else if (strcmp(optarg, "sdmx-ml") == 0) {
                format = SP_SDMX_ML;
            } else if (strcmp(optarg, "sdmx-json") == 0) {
                format = SP_SDMX_JSON;
            } else if (strcmp(optarg, "sdmx-ml-generic") == 0) {
                format = SP_SDMX_GENERIC;
            } else if (strcmp(optarg, "sdmx-csv-1.0") == 0) {
                format = SP_SDMX_CSV1;
            } else if (strcmp(optarg, "sdmx-json-1.0") == 0) {
                format = SP_SDMX_JSON1;
            } else {
                fprintf(stderr,
                        "statpipe: --format must be sdmx-csv, sdmx-ml, sdmx-ml-generic, sdmx-json, "
                        "sdmx-csv-1.0 or sdmx-json-1.0, "
                        "not \"%s\"\n",
                        optarg);
                return SP_EXIT_USAGE;
            }
            break;
        case 2:
            path = optarg;
            break;
        case 3:
            q.as_of = optarg;
            break;
        case 4:
            q.include_history = true;
            break;
        case 5:
            structure = true;
            break;
        case 6:
            q.start_period = optarg;
            break;
        case 7:
            q.end_period = optarg;
            break;
        case 8:
            q.updated_after = optarg;
            break;
        case 9:
        case 10:
            if (!sp_cli_parse_size(opt == 9 ? "--first" : "--last", optarg, &n))
                return SP_EXIT_USAGE;
            *(opt == 9 ? &q.first_n : &q.last_n) = (long)n;
            break;
        case 11:
            if (!sp_sdmx_detail_parse(optarg, &q.detail)) {
                fprintf(stderr,
                        "statpipe: --detail must be full, dataonly, serieskeysonly or "
                        "nodata, not \"%s\"\n",
                        optarg);
                return SP_EXIT_USAGE;
            }
            break;
        default:
            export_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (optind < argc)
        q.key = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "statpipe: export takes one KEY at most; join codes with + "
                        "(NET_PEN+MBB_PEN)\n");
        return SP_EXIT_USAGE;
    }
    if (q.include_history && format == SP_SDMX_CSV1) {
        fprintf(stderr, "statpipe: SDMX-CSV 1.0 has no columns for a vintage's validity; "
                        "export the history as sdmx-csv (2.0)\n");
        return SP_EXIT_USAGE;
    }
    sp_error_t err;
    if (!structure && sp_sdmx_query_check(&q, &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_USAGE;
    }
    PGconn *conn;
    int rc = sp_cli_connect(conninfo, &conn);
    if (rc != SP_EXIT_OK)
        return rc;
    FILE *out = sp_cli_open_out(path);
    if (out == NULL) {
        sp_pg_close(conn);
        return SP_EXIT_USAGE;
    }
    long n_obs = 0;
    bool found;
    const sp_sdmx_selection_t everything = {.want = SP_SDMX_SET_ALL, .self = SP_SDMX_SET_ALL};
    sp_status_t st = structure && format == SP_SDMX_JSON
                         ? sp_sdmx_write_structure_json(conn, &everything, out, &found, &err)
                     : structure ? sp_sdmx_write_structure(conn, &everything, out, &found, &err)
                                 : sp_sdmx_write_data(conn, &q, format, out, &n_obs, &err);
    if (st != SP_OK) {
        sp_cli_error(&err);
        rc = st == SP_ERR_INVALID ? SP_EXIT_USAGE : SP_EXIT_SERVICE;
    }
    rc = sp_cli_close_out(out, path, rc);
    sp_pg_close(conn);
    return rc;
}
