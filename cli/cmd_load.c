/* cmd_load.c: `statpipe load FILE...|-`: NDJSON files through the same transform and load. */
#include "sp_cli.h"
#include "sp_load.h"
#include "sp_sdmx.h"
#include "sp_settings.h"

#include <apr_general.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void load_usage(FILE *out)
{
    fprintf(out,
            "usage: statpipe load [OPTIONS] FILE...\n\n"
            "Load NDJSON files (one message per line; - reads stdin) into PostgreSQL\n"
            "through the same transform and load as the daemon. Bad lines go to\n"
            "quarantine with their file and line. Loading a file twice loads nothing\n"
            "new: message ids already seen are no-ops. Once every file is in, the tables\n"
            "that make the stats views fast are refreshed for what was stored, once,\n"
            "on load.connections connections side by side (default %d).\n\n"
            "options:\n"
            "  -c FILE         config file (pg.conninfo, batch.rows, message.max.bytes,\n"
            "                  load.connections)\n"
            "  -d CONNINFO     PostgreSQL connection string (default: PG* variables)\n"
            "  --batch-rows N  messages per transaction (default %d)\n"
            "  --format F      ndjson (default), or an SDMX data file of the dataflow\n"
            "                  STATPIPE:INFORMATIZATION(1.0) (docs/sdmx.md): sdmx-csv\n"
            "                  (SDMX-CSV) or sdmx-ml (SDMX-ML 2.1 structure-specific data);\n"
            "                  each observation becomes a message whose id is its series,\n"
            "                  period and release, so loading a file again loads nothing\n"
            "  --release TIME  the release of SDMX observations that carry none (no\n"
            "                  VALID_FROM column or validFromDate)\n"
            "  -h, --help      show this help\n",
            SP_DEFAULT_CONNECTIONS, SP_DEFAULT_BATCH_ROWS);
}

/* On a terminal, one line of progress redrawn at most every half second: messages, rate,
 * and for a regular file the part read and the time left. Silent otherwise. */
static void show_progress(const sp_loader_t *ld, FILE *f, off_t size, int64_t start_us,
                          int64_t *last_us, bool done)
{
    int64_t now = sp_time_now_us();
    if (!done && now - *last_us < 500000)
        return;
    *last_us = now;
    double secs = (double)(now - start_us) / 1e6;
    unsigned long long n = (unsigned long long)sp_loader_stats(ld)->messages;
    double rate = secs > 0 ? (double)n / secs : 0;
    off_t pos = size > 0 ? ftello(f) : -1;
    if (pos > 0 && size > 0 && !done) {
        double left = secs * ((double)size / (double)pos - 1);
        fprintf(stderr, "\r%llu messages, %.0f/s, %.0f%%, %.0f s left   ", n, rate,
                100.0 * (double)pos / (double)size, left);
    } else {
        fprintf(stderr, "\r%llu messages, %.0f/s%s", n, rate, done ? "            \n" : "   ");
    }
}

/* Reconnect attempts before `load` gives up on a lost database. */
#define LOAD_RECONNECT_ATTEMPTS 8

/* Commits the batch: handed to the loader's flusher thread when async (the next batch is
 * read and parsed meanwhile), else committed here with any batch still in flight. A lost
 * connection is recovered as the daemon recovers it (sp_loader_recover): a batch of a file
 * is idempotent (message ids and quarantine fingerprints make a second flush harmless). */
static sp_status_t flush_with_retry(sp_loader_t *ld, bool async, sp_error_t *err)
{
    static const sp_keepalive_t ka = {NULL, NULL, LOAD_RECONNECT_ATTEMPTS, "load"};
    sp_status_t st = async ? sp_loader_flush_async(ld, err) : sp_loader_flush(ld, err);
    return sp_loader_recover(ld, st, &ka, err);
}

/* An SDMX file's observations, each a message from the file at its line. */
typedef struct sdmx_load {
    sp_loader_t *ld;
    const char *name;
    size_t batch_rows;
} sdmx_load_t;

static sp_status_t sdmx_message(void *opaque, long where, const char *msg, size_t len,
                                sp_error_t *err)
{
    sdmx_load_t *l = opaque;
    sp_source_t src = {NULL, 0, 0, l->name, where, 0};
    sp_status_t st = sp_loader_add(l->ld, &src, msg, len, err);
    if (st == SP_OK && sp_loader_pending_messages(l->ld) >= l->batch_rows)
        st = flush_with_retry(l->ld, true, err);
    return st;
}

static sp_status_t load_sdmx(sp_loader_t *ld, const char *path, sp_sdmx_format_t format,
                             const char *release, size_t batch_rows, sp_error_t *err)
{
    char name[PATH_MAX];
    sp_utf8_copy(name, sizeof(name), path, strlen(path));
    sdmx_load_t l = {ld, name, batch_rows};
    long n;
    return sp_sdmx_read(path, format, release, sdmx_message, &l, &n, err);
}

static sp_status_t load_file(sp_loader_t *ld, const char *path, size_t batch_rows,
                             size_t max_message_bytes, sp_error_t *err)
{
    sp_lines_t lines;
    if (sp_lines_open(&lines, path, max_message_bytes, err) != SP_OK)
        return err->code;
    const char *line;
    size_t len;
    int r;
    sp_status_t st = SP_OK;
    /* The name goes into quarantine rows (text): bytes that are not UTF-8 become '?'. */
    char name[PATH_MAX];
    if (strcmp(path, "-") == 0)
        snprintf(name, sizeof(name), "<stdin>");
    else
        sp_utf8_copy(name, sizeof(name), path, strlen(path));
    bool tty = isatty(STDERR_FILENO);
    struct stat sb;
    off_t size = fstat(fileno(lines.f), &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : 0;
    int64_t start = sp_time_now_us(), last = start;
    while (st == SP_OK && (r = sp_lines_next_message(&lines, &line, &len)) == 1) {
        sp_source_t src = {
            NULL, 0, 0, name, lines.lineno, lines.whole_len > len ? lines.whole_len : 0};
        st = sp_loader_add(ld, &src, line, len, err);
        if (st == SP_OK && sp_loader_pending_messages(ld) >= batch_rows)
            st = flush_with_retry(ld, true, err);
        if (tty)
            show_progress(ld, lines.f, size, start, &last, false);
    }
    if (tty)
        show_progress(ld, lines.f, size, start, &last, true);
    if (st == SP_OK && r < 0)
        st = sp_error_set(err, SP_ERR_IO, "could not read \"%s\"", path);
    sp_lines_close(&lines);
    return st;
}

int sp_cmd_load(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"batch-rows", required_argument, NULL, 1},
        {"format", required_argument, NULL, 2},
        {"release", required_argument, NULL, 3},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *conninfo = NULL, *batch_rows = NULL, *release = NULL;
    int format = -1; /* NDJSON, or an sp_sdmx_format_t */
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "hc:d:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            load_usage(stdout);
            return SP_EXIT_OK;
        case 'c':
            config = optarg;
            break;
        case 'd':
            conninfo = optarg;
            break;
        case 1:
            batch_rows = optarg;
            break;
        case 2:
            if (!sp_cli_parse_input_format(optarg, &format))
                return SP_EXIT_USAGE;
            break;
        case 3:
            release = optarg;
            break;
        default:
            load_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "statpipe: load needs at least one FILE (or - for stdin)\n");
        load_usage(stderr);
        return SP_EXIT_USAGE;
    }
    sp_settings_t s;
    sp_error_t err;
    const sp_settings_args_t args = {
        .config = config, .conninfo = conninfo, .batch_rows = batch_rows};
    int rc = SP_EXIT_USAGE;
    apr_pool_t *pool = NULL;
    sp_loader_t *ld = NULL;
    if (sp_settings_build(&s, &args, &err) != SP_OK || sp_settings_check(&s, &err) != SP_OK) {
        sp_cli_error(&err);
        goto out;
    }
    /* A file that cannot be read is a usage error, found before anything loads. */
    for (int i = optind; i < argc; i++) {
        if (format >= 0 && strcmp(argv[i], "-") == 0) {
            fprintf(stderr, "statpipe: an SDMX file is read twice (checked, then loaded): give "
                            "its path, not -\n");
            goto out;
        }
        if (strcmp(argv[i], "-") != 0 && access(argv[i], R_OK) != 0) {
            fprintf(stderr, "statpipe: could not open \"%s\": %s\n", argv[i], strerror(errno));
            goto out;
        }
    }
    rc = SP_EXIT_SERVICE;
    apr_pool_create(&pool, NULL);
    sp_catalogue_t *cat;
    if (sp_loader_open(pool, s.conninfo, NULL, &ld, &err) != SP_OK ||
        sp_loader_catalogue(ld, pool, &cat, &err) != SP_OK) {
        sp_cli_error(&err);
        goto out;
    }
    sp_loader_set_catalogue(ld, cat);
    sp_loader_set_limits(ld, &s.limits);
    for (int i = optind; i < argc; i++) {
        sp_status_t fst =
            format >= 0
                ? load_sdmx(ld, argv[i], (sp_sdmx_format_t)format, release, s.batch_rows, &err)
                : load_file(ld, argv[i], s.batch_rows, s.limits.max_message_bytes, &err);
        if (fst == SP_ERR_INVALID) {
            sp_cli_error(&err); /* a file that is not one of the dataflow: nothing of it loaded */
            rc = SP_EXIT_FAIL;
            goto out;
        }
        if (fst != SP_OK || flush_with_retry(ld, false, &err) != SP_OK) {
            sp_cli_error(&err);
            goto out;
        }
    }
    /* The kept values of what was stored, recomputed once for the whole load, in as many
     * parts side by side as load.connections says. The data is in and every view reads it
     * either way, so a failure is only logged (a warning). */
    (void)sp_loader_refresh_kept(ld, (int)s.connections, NULL, &err);
    const sp_load_stats_t *st = sp_loader_stats(ld);
    sp_log(SP_LOG_INFO, "load_done", "batches=%llu copied=%llu", (unsigned long long)st->batches,
           (unsigned long long)st->copied);
    printf("loaded %llu messages: %llu observations staged, %llu new vintages, %llu "
           "quarantined\n",
           (unsigned long long)st->messages, (unsigned long long)st->rows,
           (unsigned long long)st->inserted, (unsigned long long)st->quarantined);
    rc = SP_EXIT_OK;
out:
    if (ld != NULL)
        sp_loader_close(ld);
    if (pool != NULL)
        apr_pool_destroy(pool);
    sp_settings_free(&s);
    return rc;
}
