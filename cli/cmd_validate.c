/* cmd_validate.c: `statpipe validate`: the figures the plausibility rules flag. */
#include "sp_cli.h"
#include "sp_report.h"

#include <getopt.h>
#include <string.h>

static void validate_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe validate [--format text|json] [-d CONNINFO]\n\n"
            "The figures the plausibility rules (stats.rule, from the catalogue's rules.csv)\n"
            "flag, from stats.validation_result: warnings ask a person to look, infos are\n"
            "recorded. Error rules quarantine messages instead (statpipe quarantine list).\n"
            "json is the ESS validation report: an array of validation events, each with\n"
            "its rule (id, expression, severity), the dataset and observation key, and the\n"
            "measured and expected values.\n\n"
            "options:\n"
            "  --format F   text (default) or json\n"
            "  -d CONNINFO  PostgreSQL connection string (default: PG* variables); the login\n"
            "               needs the role statpipe_reader\n"
            "  -h, --help   show this help\n\n"
            "Exit status: 0 no warning, 1 at least one warning, 2 usage, 3 the database failed.\n");
}

int sp_cmd_validate(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"format", required_argument, NULL, 1},
                                             {NULL, 0, NULL, 0}};
    const char *conninfo = "";
    bool json = false;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            validate_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            conninfo = optarg;
            break;
        case 1:
            if (!sp_cli_parse_text_or_json(optarg, &json))
                return SP_EXIT_USAGE;
            break;
        default:
            validate_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("validate", argc, argv))
        return SP_EXIT_USAGE;
    PGconn *conn;
    int rc = sp_cli_connect(conninfo, &conn);
    if (rc != SP_EXIT_OK)
        return rc;
    sp_error_t err;
    int warnings = 0;
    sp_status_t st = sp_validate_render(conn, json, stdout, &warnings, &err);
    sp_pg_close(conn);
    if (st != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_SERVICE;
    }
    return warnings > 0 ? SP_EXIT_FAIL : SP_EXIT_OK;
}
