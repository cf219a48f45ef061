/* main.c: the statpipe binary: dispatches to its subcommands. */
#include "sp_cli.h"
#include "sp_pg.h"
#include "sp_sdmx.h"
#include "sp_settings.h"

#include <apr_general.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"run", sp_cmd_run, "consume Kafka topics as a consumer group and load them (the daemon)"},
    {"load", sp_cmd_load, "load NDJSON files (or - for stdin) through the same path"},
    {"migrate", sp_cmd_migrate, "create or upgrade the database schema and catalogue"},
    {"check", sp_cmd_check, "validate NDJSON messages without loading them"},
    {"quarantine", sp_cmd_quarantine, "list quarantined messages, or replay them"},
    {"offsets", sp_cmd_offsets, "list the stored Kafka offsets, or reset them explicitly"},
    {"report", sp_cmd_report, "render the monitoring scorecard (text, csv, json, html)"},
    {"evaluate", sp_cmd_evaluate, "store the annual evaluation of every target, frozen"},
    {"validate", sp_cmd_validate, "list the figures the plausibility rules flag"},
    {"export", sp_cmd_export, "write the data or its structure as SDMX (CSV, SDMX-ML)"},
    {"serve", sp_cmd_serve, "serve the data and its structure over the SDMX REST API"},
    {"produce", sp_cmd_produce, "publish NDJSON lines to a Kafka topic, keyed by series"},
    {"mock-cluster", sp_cmd_mock_cluster, "start librdkafka's built-in Kafka cluster"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: statpipe COMMAND [OPTIONS]\n\n"
                 "statpipe loads the statistics of the national informatization strategy\n"
                 "from Kafka or NDJSON files into PostgreSQL, exactly once.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'statpipe COMMAND --help' describes a command's options.\n");
}

void sp_cli_error(const sp_error_t *err)
{
    fprintf(stderr, "statpipe: %s\n", err->message);
    if (err->detail[0])
        fprintf(stderr, "DETAIL: %s\n", err->detail);
}

int sp_cli_conninfo_check(const char *conninfo)
{
    sp_error_t err;
    if (sp_pg_conninfo_check(conninfo, &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_USAGE;
    }
    return SP_EXIT_OK;
}

int sp_cli_connect(const char *conninfo, PGconn **out)
{
    sp_error_t err;
    sp_status_t st = sp_pg_connect(conninfo, out, &err);
    if (st == SP_OK)
        return SP_EXIT_OK;
    sp_cli_error(&err);
    if (st == SP_ERR_INVALID)
        return SP_EXIT_USAGE;
    fprintf(stderr, "HINT: set PGHOST, PGPORT, PGUSER, PGDATABASE or give -d CONNINFO\n");
    return SP_EXIT_SERVICE;
}

bool sp_cli_parse_size(const char *opt, const char *text, size_t *out)
{
    sp_error_t err;
    if (sp_size_option(opt, text, out, &err) != SP_OK) {
        sp_cli_error(&err);
        return false;
    }
    return true;
}

FILE *sp_cli_open_out(const char *path)
{
    FILE *out = path != NULL ? fopen(path, "w") : stdout;
    if (out == NULL)
        fprintf(stderr, "statpipe: could not open \"%s\": %s\n", path, strerror(errno));
    return out;
}

int sp_cli_close_out(FILE *out, const char *path, int rc)
{
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "statpipe: could not write \"%s\": %s\n", path, strerror(errno));
        return SP_EXIT_SERVICE;
    }
    return rc;
}

bool sp_cli_parse_input_format(const char *text, int *format)
{
    if (strcmp(text, "ndjson") == 0)
        *format = -1;
    else if (strcmp(text, "sdmx-csv") == 0)
        *format = SP_SDMX_CSV;
    else if (strcmp(text, "sdmx-ml") == 0)
        *format = SP_SDMX_ML;
    else {
        fprintf(stderr, "statpipe: --format must be ndjson, sdmx-csv or sdmx-ml, not \"%s\"\n",
                text);
        return false;
    }
    return true;
}

bool sp_cli_parse_text_or_json(const char *text, bool *json)
{
    if (strcmp(text, "json") != 0 && strcmp(text, "text") != 0) {
        fprintf(stderr, "statpipe: --format must be text or json, not \"%s\"\n", text);
        return false;
    }
    *json = strcmp(text, "json") == 0;
    return true;
}

bool sp_cli_no_operands(const char *command, int argc, char **argv)
{
    if (optind >= argc)
        return true;
    fprintf(stderr, "statpipe: %s takes no arguments, got \"%s\"\n", command, argv[optind]);
    return false;
}

int main(int argc, char **argv)
{
    apr_initialize();
    atexit(apr_terminate);
    const char *lvl = getenv("STATPIPE_LOG_LEVEL");
    if (lvl != NULL && sp_log_level_parse(lvl) >= 0)
        sp_log_level = sp_log_level_parse(lvl);
    if (argc < 2) {
        usage(stderr);
        return SP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return SP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("statpipe %s\n", SP_VERSION);
        return SP_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "statpipe: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return SP_EXIT_USAGE;
}
