/* cmd_migrate.c: `statpipe migrate`: create or upgrade the schema and load the catalogue. */
#include "sp_cli.h"
#include "sp_load.h"

#include <getopt.h>

static void migrate_usage(FILE *out)
{
    fprintf(out, "usage: statpipe migrate [-d CONNINFO]\n\n"
                 "Create or upgrade statpipe's schema (statpipe and stats) from the migrations\n"
                 "built into this binary, and load the bundled catalogue when it changed.\n"
                 "Running it again changes nothing. The database is chosen as in every\n"
                 "libpq tool: PGHOST, PGPORT, PGDATABASE, PGUSER ..., or -d CONNINFO.\n\n"
                 "options:\n"
                 "  -d CONNINFO  PostgreSQL connection string\n"
                 "  -q           print nothing on success\n"
                 "  -h, --help   show this help\n");
}

int sp_cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *conninfo = "";
    bool quiet = false;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hd:q", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            migrate_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            conninfo = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            migrate_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (!sp_cli_no_operands("migrate", argc, argv))
        return SP_EXIT_USAGE;
    PGconn *conn;
    int crc = sp_cli_connect(conninfo, &conn);
    if (crc != SP_EXIT_OK)
        return crc;
    sp_error_t err;
    int rc = SP_EXIT_OK;
    if (sp_migrate(conn, !quiet, &err) != SP_OK) {
        sp_cli_error(&err);
        rc = SP_EXIT_SERVICE;
    }
    sp_pg_close(conn);
    return rc;
}
