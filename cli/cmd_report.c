/* cmd_report.c: `statpipe report`: the scorecard of every plan target. */
#include "sp_cli.h"
#include "sp_report.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

static void report_usage(FILE *out)
{
    fprintf(
        out,
        "usage: statpipe report [--format text|csv|json|html] [--as-of TIME | --evaluation ID]\n"
        "                       [--lang zh|en] [--out FILE] [-d CONNINFO]\n\n"
        "The monitoring scorecard: every plan target with the latest national value,\n"
        "progress and status, from the stats views. html is one self-contained page\n"
        "(charts of each indicator against its targets, provinces' ranking, data\n"
        "quality) that fetches nothing.\n\n"
        "options:\n"
        "  --format F   text (default), csv, json or html\n"
        "  --lang L     zh (default) or en: headings, statuses (达标, 未达标, 无数据,\n"
        "               进展顺利, 存在风险, 滞后) and dates; csv and json keep their column\n"
        "               names and status codes and add status_label\n"
        "  --as-of TIME the report as it stood at TIME (2021-06-30, or a time with a UTC\n"
        "               offset): figures released after it are unknown, target years\n"
        "               before its year have passed; data quality is always now\n"
        "  --evaluation ID  a stored evaluation (statpipe evaluate; stats.evaluation\n"
        "               lists them): its frozen rows, with charts and ranking as known\n"
        "               at its as-of time\n"
        "  --out FILE   write to FILE instead of stdout\n"
        "  -d CONNINFO  PostgreSQL connection string (default: PG* variables)\n"
        "  -h, --help   show this help\n");
}

int sp_cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"format", required_argument, NULL, 1},
                                             {"out", required_argument, NULL, 2},
                                             {"as-of", required_argument, NULL, 3},
                                             {"evaluation", required_argument, NULL, 4},
                                             {"lang", required_argument, NULL, 5},
                                             {NULL, 0, NULL, 0}};
    sp_report_opts_t opts = {.format = SP_REPORT_TEXT};
    const char *conninfo = "", *path = NULL;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            report_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            conninfo = optarg;
            break;
        case 1:
            if (!sp_report_format_parse(optarg, &opts.format)) {
                fprintf(stderr, "statpipe: --format must be text, csv, json or html, not \"%s\"\n",
                        optarg);
                return SP_EXIT_USAGE;
            }
            break;
        case 2:
            path = optarg;
            break;
        case 3:
            opts.as_of = optarg;
            break;
        case 5:
            if (!sp_report_lang_parse(optarg, &opts.lang)) {
                fprintf(stderr, "statpipe: --lang must be zh or en, not \"%s\"\n", optarg);
                return SP_EXIT_USAGE;
            }
            break;
        case 4: {
            size_t id;
            if (!sp_cli_parse_size("--evaluation", optarg, &id))
                return SP_EXIT_USAGE;
            opts.evaluation = optarg;
            break;
        }
        default:
            report_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("report", argc, argv))
        return SP_EXIT_USAGE;
    if (opts.as_of != NULL && opts.evaluation != NULL) {
        fprintf(stderr, "statpipe: --as-of and --evaluation do not go together: a stored "
                        "evaluation has its own as-of time\n");
        return SP_EXIT_USAGE;
    }
    PGconn *conn;
    int crc = sp_cli_connect(conninfo, &conn);
    if (crc != SP_EXIT_OK)
        return crc;
    FILE *out = sp_cli_open_out(path);
    if (out == NULL) {
        sp_pg_close(conn);
        return SP_EXIT_USAGE;
    }
    sp_error_t err;
    int rc = SP_EXIT_OK;
    sp_status_t st = sp_report_render(conn, &opts, out, &err);
    if (st != SP_OK) {
        sp_cli_error(&err);
        rc = st == SP_ERR_INVALID ? SP_EXIT_USAGE : SP_EXIT_SERVICE;
    }
    rc = sp_cli_close_out(out, path, rc);
    sp_pg_close(conn);
    return rc;
}
