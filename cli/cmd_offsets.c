/* cmd_offsets.c: `statpipe offsets`: the Kafka positions stored with the loaded rows, listed,
 * and reset by the operator's explicit decision (after a topic was recreated or a cluster
 * replaced). The daemon never resets them itself. */
#include "sp_cli.h"
#include "sp_load.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void offsets_usage(FILE *out)
{
    fprintf(out, "usage: statpipe offsets list [-d CONNINFO] [-G GROUP] [-t TOPIC]\n"
                 "       statpipe offsets reset -G GROUP -t TOPIC [-p PARTITION]\n"
                 "                              (--to-earliest | --to OFFSET) [-d CONNINFO]\n\n"
                 "The next Kafka offset to read, per consumer group and partition, is stored in\n"
                 "PostgreSQL in the same transaction as the rows it produced. `list` shows them.\n"
                 "`reset` changes them, for a topic that was recreated or a cluster that was\n"
                 "replaced (the daemon stops when a stored offset lies past the end of its\n"
                 "log). Stop every member of the group first. Messages read again are not\n"
                 "loaded twice: ids already seen are skipped. Reset as the database owner.\n\n"
                 "options:\n"
                 "  -d CONNINFO     PostgreSQL connection string\n"
                 "  -G GROUP        consumer group (list: all groups)\n"
                 "  -t TOPIC        topic (list: all topics)\n"
                 "  -p PARTITION    reset: only this partition (default: every stored one)\n"
                 "  --to-earliest   reset: forget the stored offsets, so that the next assignment\n"
                 "                  reads the log from its start\n"
                 "  --to OFFSET     reset: the next offset to read (with -p)\n"
                 "  -h, --help      show this help\n");
}

static void print_header(void)
{
    printf("%-20s %-24s %9s %12s  %s\n", "group", "topic", "partition", "next_offset",
           "updated_at");
}

/* Prints the header before the first row (opaque: whether it is printed), then the row. */
static void print_offset(void *opaque, const sp_offset_row_t *r)
{
    bool *header = opaque;
    if (!*header)
        print_header();
    *header = true;
    printf("%-20s %-24s %9s %12s  %s\n", r->group, r->topic, r->partition, r->next_offset,
           r->updated_at);
}

static bool parse_i64(const char *opt, const char *text, long long min, long long *out)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || v < min) {
        fprintf(stderr, "statpipe: %s \"%s\" is not a whole number from %lld\n", opt, text, min);
        return false;
    }
    *out = v;
    return true;
}

int sp_cmd_offsets(int argc, char **argv)
{
    enum { OPT_EARLIEST = 1, OPT_TO };
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"to-earliest", no_argument, NULL, OPT_EARLIEST},
                                             {"to", required_argument, NULL, OPT_TO},
                                             {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        offsets_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SP_EXIT_USAGE : SP_EXIT_OK;
    }
    bool list = strcmp(argv[1], "list") == 0;
    if (!list && strcmp(argv[1], "reset") != 0) {
        fprintf(stderr, "statpipe: offsets: unknown action \"%s\" (list or reset)\n", argv[1]);
        return SP_EXIT_USAGE;
    }
    const char *conninfo = "", *group = NULL, *topic = NULL, *partition = NULL, *to = NULL;
    bool earliest = false;
    long long v;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc - 1, argv + 1, "hd:G:t:p:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            offsets_usage(stdout);
            return SP_EXIT_OK;
        case 'd':
            conninfo = optarg;
            break;
        case 'G':
            group = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'p':
            if (!parse_i64("-p", optarg, 0, &v) || v > 2147483647)
                return SP_EXIT_USAGE;
            partition = optarg;
            break;
        case OPT_EARLIEST:
            earliest = true;
            break;
        case OPT_TO:
            if (!parse_i64("--to", optarg, 0, &v))
                return SP_EXIT_USAGE;
            to = optarg;
            break;
        default:
            offsets_usage(stderr);
            return SP_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, "statpipe: offsets %s takes no arguments\n", argv[1]);
        return SP_EXIT_USAGE;
    }
    if (!list) {
        if (group == NULL || topic == NULL) {
            fprintf(stderr, "statpipe: offsets reset needs -G GROUP and -t TOPIC\n");
            return SP_EXIT_USAGE;
        }
        if (earliest == (to != NULL)) {
            fprintf(stderr, "statpipe: offsets reset needs one of --to-earliest and --to OFFSET\n");
            return SP_EXIT_USAGE;
        }
        if (to != NULL && partition == NULL) {
            fprintf(stderr, "statpipe: offsets reset --to OFFSET needs -p PARTITION\n");
            return SP_EXIT_USAGE;
        }
    } else if (earliest || to != NULL || partition != NULL) {
        fprintf(stderr, "statpipe: --to-earliest, --to and -p are for offsets reset\n");
        return SP_EXIT_USAGE;
    }
    PGconn *conn;
    int rc = sp_cli_connect(conninfo, &conn);
    if (rc != SP_EXIT_OK)
        return rc;
    sp_error_t err;
    if (list) {
        bool header = false;
        if (sp_offsets_list(conn, group, topic, print_offset, &header, &err) != SP_OK) {
            sp_cli_error(&err);
            rc = SP_EXIT_SERVICE;
        } else if (!header) {
            print_header();
        }
    } else {
        long n = 0;
        if (sp_offsets_reset(conn, group, topic, partition, earliest ? NULL : to, &n, &err) !=
            SP_OK) {
            sp_cli_error(&err);
            rc = SP_EXIT_SERVICE;
        } else if (n == 0) {
            fprintf(stderr,
                    "statpipe: no offset is stored for group \"%s\", topic \"%s\"%s%s: "
                    "nothing changed\nHINT: statpipe offsets list shows what is stored\n",
                    group, topic, partition ? ", partition " : "", partition ? partition : "");
            rc = SP_EXIT_FAIL;
        } else if (earliest) {
            printf("reset %ld partition%s of %s for group %s: the next assignment reads "
                   "from the start of the log\n",
                   n, n == 1 ? "" : "s", topic, group);
        } else {
            printf("reset partition %s of %s for group %s: the next offset read is %s\n", partition,
                   topic, group, to);
        }
    }
    sp_pg_close(conn);
    return rc;
}
