/* cmd_quarantine.c: `statpipe quarantine list|replay`: see rejected messages, and load them
 * after the catalogue was fixed; those that pass leave quarantine exactly once. */
#include "sp_cli.h"
#include "sp_load.h"

#include <apr_general.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* An arbitrary constant naming the replay lock among advisory locks. */
#define SP_REPLAY_LOCK_KEY "7346025164"
#define REPLAY_PAGE 500

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
    const char *conninfo, *reason, *sender, *id;
    bool all, json;
    size_t limit;
} qopts_t;

static const char list_sql[] =
    "SELECT quarantine_id, to_char(received_at AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), reason, coalesce(sender, ''),"
    " coalesce(message_id, ''),"
    " coalesce(src_topic || '/' || src_partition || '@' || src_offset,"
    "          src_file || ':' || src_line, ''),"
    " coalesce(detail, ''), coalesce(replayed_at::text, '')"
    " FROM statpipe.quarantine"
    " WHERE ($1::text IS NULL OR reason = $1) AND ($2::text IS NULL OR sender = $2)"
    "   AND ($3::bigint IS NULL OR quarantine_id = $3) AND (replayed_at IS NULL OR $4::bool)"
    " ORDER BY quarantine_id LIMIT $5";

static int do_list(PGconn *conn, const qopts_t *o)
{
    char limit[24];
    snprintf(limit, sizeof(limit), "%zu", o->limit);
    const char *params[5] = {o->reason, o->sender, o->id, o->all ? "true" : "false", limit};
    PGresult *res = PQexecParams(conn, list_sql, 5, NULL, params, NULL, NULL, 0);
    sp_error_t err;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        sp_pg_error(conn, res, "listing quarantine", &err);
        sp_cli_error(&err);
        return SP_EXIT_SERVICE;
    }
    static const char *const names[] = {"id",         "received_at", "reason", "sender",
                                        "message_id", "source",      "detail", "replayed_at"};
    for (int i = 0; i < PQntuples(res); i++) {
        if (o->json) {
            json_t *obj = json_object();
            json_object_set_new(obj, "id", json_integer(strtoll(PQgetvalue(res, i, 0), NULL, 10)));
            for (int c = 1; c < 8; c++)
                if (PQgetvalue(res, i, c)[0] != '\0')
                    json_object_set_new(obj, names[c], json_string(PQgetvalue(res, i, c)));
            json_dumpf(obj, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
            json_decref(obj);
        } else {
            /* Ids, senders, sources and details quote messages: control characters are
             * escaped so that a message cannot clear or forge the terminal. */
            static const int width[] = {[3] = 8, [4] = 32, [5] = 0};
            printf("%s  %s  %-20s ", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                   PQgetvalue(res, i, 2));
            for (int c = 3; c <= 5; c++) {
                const char *v = PQgetvalue(res, i, c);
                sp_term_puts(stdout, v);
                for (int w = (int)strlen(v); w < width[c]; w++)
                    fputc(' ', stdout);
                fputs(c < 5 ? " " : "\n    ", stdout);
            }
            sp_term_puts(stdout, PQgetvalue(res, i, 6));
            if (PQgetvalue(res, i, 7)[0] != '\0')
                printf("  (replayed %s)", PQgetvalue(res, i, 7));
            fputc('\n', stdout);
        }
    }
    if (!o->json)
        fprintf(stderr, "%d message%s\n", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
    PQclear(res);
    return SP_EXIT_OK;
}

static const char page_sql[] =
    "SELECT quarantine_id, src_topic, src_partition, src_offset, payload"
    " FROM statpipe.quarantine"
    " WHERE replayed_at IS NULL AND quarantine_id > $1"
    "   AND ($2::text IS NULL OR reason = $2) AND ($3::text IS NULL OR sender = $3)"
    "   AND ($4::bigint IS NULL OR quarantine_id = $4)"
    " ORDER BY quarantine_id LIMIT " /* page size */ "500";

static int do_replay(sp_loader_t *ld, const qopts_t *o)
{
    PGconn *conn = sp_loader_conn(ld);
    sp_error_t err;
    PGresult *res = PQexec(conn, "SELECT pg_try_advisory_lock(" SP_REPLAY_LOCK_KEY ")");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        sp_pg_error(conn, res, "taking the replay lock", &err);
        sp_cli_error(&err);
        return SP_EXIT_SERVICE;
    }
    bool locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!locked) {
        fprintf(stderr, "statpipe: another quarantine replay is running on this database\n");
        return SP_EXIT_SERVICE;
    }
    size_t loaded = 0, still = 0;
    char last[24] = "0";
    for (;;) {
        const char *params[4] = {last, o->reason, o->sender, o->id};
        res = PQexecParams(conn, page_sql, 4, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            sp_pg_error(conn, res, "reading quarantine", &err);
            sp_cli_error(&err);
            return SP_EXIT_SERVICE;
        }
        int n = PQntuples(res);
        for (int i = 0; i < n; i++) {
            int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
            size_t len;
            unsigned char *payload =
                PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 4), &len);
            if (payload == NULL) {
                PQclear(res);
                fprintf(stderr, "statpipe: out of memory\n");
                return SP_EXIT_SERVICE;
            }
            sp_source_t src = {PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1),
                               (int32_t)strtol(PQgetvalue(res, i, 2), NULL, 10),
                               strtoll(PQgetvalue(res, i, 3), NULL, 10),
                               NULL,
                               0,
                               0};
            sp_reject_t rej;
            bool accepted = false;
            sp_status_t st =
                sp_loader_add_replay(ld, id, &src, payload, len, &rej, &accepted, &err);
            PQfreemem(payload);
            if (st != SP_OK) {
                PQclear(res);
                sp_cli_error(&err);
                return SP_EXIT_SERVICE;
            }
            if (accepted) {
                loaded++;
            } else {
                still++;
                printf("%lld still rejected: %s: ", (long long)id, sp_reason_name(rej.reason));
                sp_term_puts(stdout, rej.detail);
                fputc('\n', stdout);
            }
            snprintf(last, sizeof(last), "%lld", (long long)id);
        }
        PQclear(res);
        if (sp_loader_flush(ld, &err) != SP_OK) {
            sp_cli_error(&err);
            return SP_EXIT_SERVICE;
        }
        if (n < REPLAY_PAGE)
            break;
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
    qopts_t o = {.conninfo = "", .limit = 100};
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
            o.reason = optarg;
            break;
        case 2:
            o.sender = optarg;
            break;
        case 3: {
            size_t id;
            if (!sp_cli_parse_size("--id", optarg, &id))
                return SP_EXIT_USAGE;
            o.id = optarg;
            break;
        }
        case 4:
            o.all = true;
            break;
        case 5:
            if (!sp_cli_parse_size("--limit", optarg, &o.limit))
                return SP_EXIT_USAGE;
            break;
        case 6:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(stderr, "statpipe: --format must be text or json\n");
                return SP_EXIT_USAGE;
            }
            o.json = strcmp(optarg, "json") == 0;
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
        rc = do_list(sp_loader_conn(ld), &o);
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
