/* cmd_quarantine.c: `statpipe quarantine list|replay`: see rejected messages, and load them
 * after the catalogue was fixed; those that pass leave quarantine exactly once. */
#include "sp_cli.h"
#include "sp_load.h"

#include <apr_general.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void quarantine_usage(FILE *out)
{
    fprintf(out, "usage: statpipe quarantine list [OPTIONS]\n"
                 "       statpipe quarantine replay [OPTIONS]\n\n"
                 "list shows the messages waiting in quarantine, oldest first.\n"
                 "replay runs them through the transform again, with the catalogue as it is now:\n"
                 "those that pass are loaded and leave quarantine in the same transaction; the\n"
                 "others stay, and replay exits 1 then.\n\n"
                 "options:\n"
                 "  -d CONNINFO     PostgreSQL connection string (default: PG* variables)\n"
                 "  --reason CODE   only messages quarantined for this reason\n"
                 "  --sender CODE   only messages of this sender\n"
                 "  --id N          only quarantine row N\n"
                 "  --all           list: also messages already replayed\n"
                 "  --limit N       list: at most N rows (default 100)\n"
                 "  --format F      list: text (default) or json (one object per line)\n"
                 "  -h, --help      show this help\n");
}

typedef struct qopts {
    const char *conninfo;
    sp_quarantine_filter_t filter;
    bool json;
} qopts_t;

/* Prints one quarantine row: a JSON object per line, or two lines of text. */
static void print_row(void *opaque, const sp_quarantine_row_t *r)
{
    const qopts_t *o = opaque;
    const char *const text[] = {r->received_at, r->reason, r->sender,     r->message_id,
                                r->source,      r->detail, r->replayed_at};
    static const char *const names[] = {"received_at", "reason", "sender",     "message_id",
                                        "source",      "detail", "replayed_at"};
    if (o->json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "id", json_integer(r->id));
        for (int c = 0; c < 7; c++)
            if (text[c][0] != '\0')
                json_object_set_new(obj, names[c], json_string(text[c]));
        json_dumpf(obj, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(obj);
        return;
    }
    /* Ids, senders, sources and details quote messages: control characters are escaped so
     * that a message cannot clear or forge the terminal. */
    printf("%lld  %s  %-20s ", (long long)r->id, r->received_at, r->reason);
    static const int width[] = {8, 32, 0};
    const char *const quoted[] = {r->sender, r->message_id, r->source};
    for (int c = 0; c < 3; c++) {
        sp_term_puts(stdout, quoted[c]);
        for (int w = (int)strlen(quoted[c]); w < width[c]; w++)
            fputc(' ', stdout);
        fputs(c < 2 ? " " : "\n    ", stdout);
    }
    sp_term_puts(stdout, r->detail);
    if (r->replayed_at[0] != '\0')
        printf("  (replayed %s)", r->replayed_at);
    fputc('\n', stdout);
}

typedef struct list_ctx {
    qopts_t *o;
    int n;
} list_ctx_t;

static void list_row(void *opaque, const sp_quarantine_row_t *r)
{
    list_ctx_t *l = opaque;
    print_row(l->o, r);
    l->n++;
}

static int do_list(sp_loader_t *ld, qopts_t *o)
{
    sp_error_t err;
    list_ctx_t l = {o, 0};
    if (sp_quarantine_list(ld, &o->filter, list_row, &l, &err) != SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_SERVICE;
    }
    if (!o->json)
        fprintf(stderr, "%d message%s\n", l.n, l.n == 1 ? "" : "s");
    return SP_EXIT_OK;
}

static void print_rejected(void *opaque, int64_t id, const sp_reject_t *rej)
{
    (void)opaque;
    printf("%lld still rejected: %s: ", (long long)id, sp_reason_name(rej->reason));
    sp_term_puts(stdout, rej->detail);
    fputc('\n', stdout);
}

static int do_replay(sp_loader_t *ld, const qopts_t *o)
{
    sp_error_t err;
    size_t loaded = 0, still = 0;
    if (sp_quarantine_replay(ld, &o->filter, print_rejected, NULL, &loaded, &still, &err) !=
        SP_OK) {
        sp_cli_error(&err);
        return SP_EXIT_SERVICE;
    }
    printf("replayed %zu message%s: %zu loaded and left quarantine, %zu still rejected\n",
           loaded + still, loaded + still == 1 ? "" : "s", loaded, still);
    return still > 0 ? SP_EXIT_FAIL : SP_EXIT_OK;
}

/* Whether code is a reason code of the contract; if not, says so and lists them. */
static bool known_reason(const char *code)
{
    if (sp_reason_lookup(code) != SP_REASON_NONE)
        return true;
    fprintf(stderr, "statpipe: --reason \"%s\" is not a reason code\nHINT: one of", code);
    for (int r = 1; r < SP_REASON__COUNT; r++)
        fprintf(stderr, "%s %s", r > 1 ? "," : "", sp_reason_name((sp_reason_t)r));
    fputc('\n', stderr);
    return false;
}

int sp_cmd_quarantine(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},       {"reason", required_argument, NULL, 1},
        {"sender", required_argument, NULL, 2}, {"id", required_argument, NULL, 3},
        {"all", no_argument, NULL, 4},          {"limit", required_argument, NULL, 5},
        {"format", required_argument, NULL, 6}, {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        quarantine_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SP_EXIT_USAGE : SP_EXIT_OK;
    }
    const char *action = argv[1];
    bool list = strcmp(action, "list") == 0, replay = strcmp(action, "replay") == 0;
    if (!list && !replay) {
        fprintf(stderr, "statpipe: quarantine needs list or replay, not \"%s\"\n", action);
        return SP_EXIT_USAGE;
    }
    qopts_t o = {.conninfo = "", .filter = {.limit = 100}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc - 1, argv + 1, "hd:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            quarantine_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            o.conninfo = optarg;
            break;
        case 1:
            if (!known_reason(optarg))
                return SP_EXIT_USAGE;
            o.filter.reason = optarg;
            break;
        case 2:
            o.filter.sender = optarg;
            break;
        case 3: {
            size_t id;
            if (!sp_cli_parse_size("--id", optarg, &id))
                return SP_EXIT_USAGE;
            o.filter.id = optarg;
            break;
        }
        case 4:
            o.filter.all = true;
            break;
        case 5:
            if (!sp_cli_parse_size("--limit", optarg, &o.filter.limit))
                return SP_EXIT_USAGE;
            break;
        case 6:
            if (!sp_cli_parse_text_or_json(optarg, &o.json))
                return SP_EXIT_USAGE;
            break;
        default:
            quarantine_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, "statpipe: unexpected argument \"%s\"\n", argv[optind + 1]);
        return SP_EXIT_USAGE;
    }
    int crc = sp_cli_conninfo_check(o.conninfo);
    if (crc != SP_EXIT_OK)
        return crc;
    apr_pool_t *pool;
    apr_pool_create(&pool, NULL);
    sp_loader_t *ld;
    sp_error_t err;
    int rc;
    if (sp_loader_open(pool, o.conninfo, NULL, &ld, &err) != SP_OK) {
        sp_cli_error(&err);
        apr_pool_destroy(pool);
        return SP_EXIT_SERVICE;
    }
    if (list) {
        rc = do_list(ld, &o);
    } else {
        sp_catalogue_t *cat;
        if (sp_loader_catalogue(ld, pool, &cat, &err) != SP_OK) {
            sp_cli_error(&err);
            rc = SP_EXIT_SERVICE;
        } else {
            sp_loader_set_catalogue(ld, cat);
            rc = do_replay(ld, &o);
        }
    }
    sp_loader_close(ld);
    apr_pool_destroy(pool);
    return rc;
}
