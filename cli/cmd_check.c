/* cmd_check.c: `statpipe check FILE...`: validate messages without loading them; a verdict
 * per line, in input order. */
#include "sp_cli.h"
#include "sp_ingest.h"
#include "sp_load.h"
#include "sp_sdmx.h"
#include "sp_settings.h"

#include <apr_general.h>
#include <getopt.h>
#include <jansson.h>
#include <string.h>

static void check_usage(FILE *out)
{
    fprintf(out, "usage: statpipe check [OPTIONS] FILE...\n\n"
                 "Validate each non-blank line of each NDJSON FILE (- for stdin) against the\n"
                 "message contract and the catalogue, without loading anything. Prints one\n"
                 "verdict per line, in input order, and exits 1 if any line was rejected.\n\n"
                 "options:\n"
                 "  --format text|json  text (default): \"FILE:LINE: ok|rejected ...\";\n"
                 "                      json: one object per line with line, message_id, status\n"
                 "                      (ok or rejected), reason and detail\n"
                 "  --input F           ndjson (default), sdmx-csv or sdmx-ml: SDMX data files\n"
                 "                      of the dataflow, checked observation by observation\n"
                 "                      (docs/sdmx.md); LINE is the CSV line or XML element's\n"
                 "  --release TIME      the release of SDMX observations that carry none\n"
                 "  --catalogue DIR     read the catalogue from seed files (schemas/catalogue)\n"
                 "                      instead of the database\n"
                 "  -d CONNINFO         PostgreSQL connection string for the catalogue\n"
                 "                      (default: PG* variables)\n"
                 "  -c FILE             config file (pg.conninfo, message.max.bytes)\n"
                 "  -h, --help          show this help\n");
}

typedef struct counter {
    size_t observations;
} counter_t;

static sp_status_t count_obs(void *opaque, const sp_obs_t *obs, sp_error_t *err);
static void print_text(const char *name, long long lineno, const sp_reject_t *rej, bool ok,
                       size_t observations);
static void print_json(const char *file, int64_t line, const sp_reject_t *rej, bool ok,
                       size_t observations);

/* What checking one file needs to check a message and print its verdict. */
typedef struct checker {
    sp_transformer_t *tf;
    const char *name;
    bool json;
    size_t n_ok, n_rejected;
} checker_t;

static void verdict(checker_t *k, long long lineno, const char *msg, size_t len)
{
    counter_t cnt = {0};
    sp_reject_t rej;
    sp_error_t err;
    bool ok = sp_transform_run(k->tf, msg, len, count_obs, &cnt, &rej, &err) == SP_TRANSFORM_OK;
    ok ? k->n_ok++ : k->n_rejected++;
    if (k->json)
        print_json(k->name, lineno, &rej, ok, cnt.observations);
    else
        print_text(k->name, lineno, &rej, ok, cnt.observations);
}

static sp_status_t sdmx_verdict(void *opaque, long where, const char *msg, size_t len,
                                sp_error_t *err)
{
    (void)err;
    verdict(opaque, where, msg, len);
    return SP_OK;
}

static sp_status_t count_obs(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)obs;
    (void)err;
    ((counter_t *)opaque)->observations++;
    return SP_OK;
}

/* One verdict line. What the message says (its id, the detail quoting it) is written with
 * its control characters escaped: a message cannot clear or forge the terminal. */
static void print_text(const char *name, long long lineno, const sp_reject_t *rej, bool ok,
                       size_t observations)
{
    sp_term_puts(stdout, name);
    printf(":%lld: ", lineno);
    if (ok) {
        fputs("ok ", stdout);
        sp_term_puts(stdout, rej->message_id);
        printf(" (%zu observation%s)\n", observations, observations == 1 ? "" : "s");
        return;
    }
    printf("rejected %s: ", sp_reason_name(rej->reason));
    sp_term_puts(stdout, rej->detail);
    if (rej->message_id[0] != '\0') {
        fputs(" in ", stdout);
        sp_term_puts(stdout, rej->message_id);
    }
    fputc('\n', stdout);
}

static void print_json(const char *file, int64_t line, const sp_reject_t *rej, bool ok,
                       size_t observations)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "line", json_integer(line));
    if (rej->message_id[0])
        json_object_set_new(o, "message_id", json_string(rej->message_id));
    json_object_set_new(o, "status", json_string(ok ? "ok" : "rejected"));
    if (ok) {
        json_object_set_new(o, "observations", json_integer((json_int_t)observations));
        json_object_set_new(o, "detail", json_string(""));
    } else {
        json_object_set_new(o, "reason", json_string(sp_reason_name(rej->reason)));
        json_object_set_new(o, "detail", json_string(rej->detail));
    }
    json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(o);
}

int sp_cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},          {"format", required_argument, NULL, 1},
        {"catalogue", required_argument, NULL, 2}, {"input", required_argument, NULL, 3},
        {"release", required_argument, NULL, 4},   {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *conninfo = NULL, *dir = NULL, *release = NULL;
    int input = -1; /* NDJSON, or an sp_sdmx_format_t */
    bool json = false;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hc:d:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            check_usage(stdout);
            return SP_EXIT_OK;
        case 'c':
            config = optarg;
            break;
        case 'd':
            conninfo = optarg;
            break;
        case 1:
            if (!sp_cli_parse_text_or_json(optarg, &json))
                return SP_EXIT_USAGE;
            break;
        case 2:
            dir = optarg;
            break;
        case 3:
            if (!sp_cli_parse_input_format(optarg, &input))
                return SP_EXIT_USAGE;
            break;
        case 4:
            release = optarg;
            break;
        default:
            check_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "statpipe: check needs at least one FILE (or - for stdin)\n");
        check_usage(stderr);
        return SP_EXIT_USAGE;
    }
    sp_settings_t s;
    sp_error_t err;
    sp_settings_init(&s);
    int rc = SP_EXIT_USAGE;
    apr_pool_t *pool;
    apr_pool_create(&pool, NULL);
    sp_catalogue_t *cat = NULL;
    if (sp_settings_load(&s, config, &err) != SP_OK) {
        sp_cli_error(&err);
        goto out;
    }
    if (conninfo)
        snprintf(s.conninfo, sizeof(s.conninfo), "%s", conninfo);
    if (dir != NULL) {
        if (sp_catalogue_load_dir(pool, dir, &cat, &err) != SP_OK) {
            sp_cli_error(&err);
            goto out;
        }
    } else {
        sp_loader_t *ld;
        if (sp_loader_open(pool, s.conninfo, NULL, &ld, &err) != SP_OK ||
            sp_loader_catalogue(ld, pool, &cat, &err) != SP_OK) {
            sp_cli_error(&err);
            fprintf(stderr, "HINT: give --catalogue DIR to check without a database\n");
            rc = SP_EXIT_SERVICE;
            goto out;
        }
        sp_loader_close(ld);
    }
    sp_transformer_t *tf = sp_transformer_create(pool, cat, &s.limits);
    checker_t k = {.tf = tf, .json = json};
    rc = SP_EXIT_OK;
    for (int i = optind; i < argc && rc == SP_EXIT_OK; i++) {
        sp_lines_t lines;
        const char *name = k.name = strcmp(argv[i], "-") == 0 ? "<stdin>" : argv[i];
        if (input >= 0) {
            long n;
            if (sp_sdmx_read(argv[i], (sp_sdmx_format_t)input, release, sdmx_verdict, &k, &n,
                             &err) != SP_OK) {
                sp_cli_error(&err);
                rc = SP_EXIT_FAIL;
            }
            continue;
        }
        if (sp_lines_open(&lines, argv[i], s.limits.max_message_bytes, &err) != SP_OK) {
            sp_cli_error(&err);
            rc = SP_EXIT_USAGE;
            break;
        }
        const char *line;
        size_t len;
        int r;
        while ((r = sp_lines_next_message(&lines, &line, &len)) == 1) {
            if (lines.whole_len > len) {
                sp_reject_t rej;
                sp_transform_reject_size(&rej, lines.whole_len, s.limits.max_message_bytes);
                k.n_rejected++;
                json ? print_json(name, lines.lineno, &rej, false, 0)
                     : print_text(name, lines.lineno, &rej, false, 0);
            } else {
                verdict(&k, lines.lineno, line, len);
            }
        }
        if (r < 0) {
            fprintf(stderr, "statpipe: could not read \"%s\"\n", argv[i]);
            rc = SP_EXIT_USAGE;
        }
        sp_lines_close(&lines);
    }
    if (rc == SP_EXIT_OK && k.n_rejected > 0)
        rc = SP_EXIT_FAIL;
    if (!json)
        fprintf(stderr, "%zu ok, %zu rejected\n", k.n_ok, k.n_rejected);
out:
    apr_pool_destroy(pool);
    sp_settings_free(&s);
    return rc;
}
