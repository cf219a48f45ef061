/* sp_cli.h: what the statpipe binary's subcommands share. */
#ifndef SP_CLI_H
#define SP_CLI_H

#include "sp_core.h"

#include <stdio.h>

int sp_cmd_run(int argc, char **argv);
int sp_cmd_load(int argc, char **argv);
int sp_cmd_migrate(int argc, char **argv);
int sp_cmd_check(int argc, char **argv);
int sp_cmd_quarantine(int argc, char **argv);
int sp_cmd_offsets(int argc, char **argv);
int sp_cmd_report(int argc, char **argv);
int sp_cmd_evaluate(int argc, char **argv);
int sp_cmd_validate(int argc, char **argv);
int sp_cmd_export(int argc, char **argv);
int sp_cmd_serve(int argc, char **argv);
int sp_cmd_produce(int argc, char **argv);
int sp_cmd_mock_cluster(int argc, char **argv);

/* Exit codes: 0 success, 1 the work found a problem (undelivered or rejected messages),
 * 2 usage or configuration error, 3 a service failed. */
enum { SP_EXIT_OK = 0, SP_EXIT_FAIL = 1, SP_EXIT_USAGE = 2, SP_EXIT_SERVICE = 3 };

/* Prints "statpipe: message" and the detail, if any, to stderr. */
void sp_cli_error(const sp_error_t *err);
struct pg_conn;

/* Prints why and returns SP_EXIT_USAGE if a connection string does not parse, else
 * SP_EXIT_OK. */
int sp_cli_conninfo_check(const char *conninfo);
/* Connects to PostgreSQL (conninfo "" uses the PG* variables) into *out; on failure prints
 * why and returns SP_EXIT_USAGE (a connection string that does not parse) or
 * SP_EXIT_SERVICE (the server cannot be reached or refuses). */
int sp_cli_connect(const char *conninfo, struct pg_conn **out);
/* Parses a positive integer option; prints an error and returns false if it is not one. */
bool sp_cli_parse_size(const char *opt, const char *text, size_t *out);
/* Opens --out FILE for writing (stdout when path is NULL); prints why and returns NULL when
 * it cannot. */
FILE *sp_cli_open_out(const char *path);
/* Closes what sp_cli_open_out opened and returns rc, or SP_EXIT_SERVICE (saying why) when
 * the file could not be written whole. */
int sp_cli_close_out(FILE *out, const char *path, int rc);
/* Parses an input --format: ndjson (*format -1), sdmx-csv or sdmx-ml (an sp_sdmx_format_t);
 * prints an error and returns false otherwise. */
bool sp_cli_parse_input_format(const char *text, int *format);
/* Parses --format text|json into *json; prints an error and returns false otherwise. */
bool sp_cli_parse_text_or_json(const char *text, bool *json);
/* Returns true when getopt left no operand; otherwise prints that COMMAND takes none and
 * returns false. */
bool sp_cli_no_operands(const char *command, int argc, char **argv);

#endif
