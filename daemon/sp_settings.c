/* sp_settings.c: the keys of statpipe's config file, with defaults and checks, and the
 * settings of a command built from its file, the environment and its flags. */
#include "sp_settings.h"
#include "sp_http.h"
#include "sp_metrics.h"

#include "sp_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sp_settings_init(sp_settings_t *s)
{
    memset(s, 0, sizeof(*s));
    s->kconf = sp_kafka_conf_new();
    /* librdkafka prefetches up to 64 MB per consumer by default; while PostgreSQL is slower
     * than Kafka that is what the daemon would hold. A smaller queue bounds memory and
     * still keeps a batch's worth ahead. Config and -X can raise it. */
    (void)sp_kafka_conf_set(s->kconf, "queued.max.messages.kbytes", "8192", NULL);
    /* One fetch response (librdkafka: up to 50 MB) stays in memory until the last of its
     * messages is done with; 4 MB bounds that too, and is still many batches a second. */
    (void)sp_kafka_conf_set(s->kconf, "fetch.max.bytes", "4194304", NULL);
    /* A fetch finding nothing new may be held by the broker this long (librdkafka: 500 ms),
     * and a figure published just then waits with it. 100 ms keeps produce-to-commit
     * latency well under a second at the cost of a few empty fetches a second when idle. */
    (void)sp_kafka_conf_set(s->kconf, "fetch.wait.max.ms", "100", NULL);
    s->batch_rows = SP_DEFAULT_BATCH_ROWS;
    s->batch_bytes = SP_DEFAULT_BATCH_BYTES;
    s->linger_ms = SP_DEFAULT_LINGER_MS;
    s->connections = SP_DEFAULT_CONNECTIONS;
    s->kept_refresh_ms = SP_DEFAULT_KEPT_REFRESH_MS;
    s->kept_backlog_ms = SP_DEFAULT_KEPT_BACKLOG_MS;
    s->limits.max_message_bytes = SP_TRANSFORM_DEFAULT_MAX_MESSAGE_BYTES;
    s->limits.max_envelope_entries = SP_TRANSFORM_DEFAULT_MAX_ENVELOPE_ENTRIES;
    s->limits.max_depth = SP_TRANSFORM_DEFAULT_MAX_DEPTH;
    s->limits.max_string_bytes = SP_TRANSFORM_DEFAULT_MAX_STRING_BYTES;
}

void sp_settings_free(sp_settings_t *s)
{
    sp_kafka_conf_free(s->kconf);
    s->kconf = NULL;
}

sp_status_t sp_settings_add_topics(sp_settings_t *s, const char *list, sp_error_t *err)
{
    size_t used = 0;
    for (int i = 0; i < s->n_topics; i++)
        used += strlen(s->topics[i]) + 1;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n > 0) {
            if (s->n_topics == SP_MAX_TOPICS || used + n + 1 > sizeof(s->topics_buf))
                return sp_error_set(err, SP_ERR_RANGE, "too many topics (at most %d)",
                                    SP_MAX_TOPICS);
            char *t = s->topics_buf + used;
            memcpy(t, p, n);
            t[n] = '\0';
            used += n + 1;
            s->topics[s->n_topics++] = t;
        }
        p += comma ? (size_t)(comma - p) + 1 : strlen(p);
    }
    return SP_OK;
}

/* "FILE:LINE" for a config file, or the environment variable's name. */
static const char *where(char *buf, size_t cap, const char *file, int line)
{
    if (line > 0)
        snprintf(buf, cap, "%s:%d", file, line);
    else
        snprintf(buf, cap, "%s", file);
    return buf;
}

static sp_status_t size_value(const char *key, const char *value, const char *file, int line,
                              size_t *out, sp_error_t *err)
{
    char at[320];
    sp_error_t e;
    if (sp_size_parse(value, out, &e) != SP_OK)
        return sp_error_set(err, SP_ERR_INVALID, "%s: %s %s", where(at, sizeof(at), file, line),
                            key, e.message);
    return SP_OK;
}

static sp_status_t on_key(void *opaque, const char *key, const char *value, const char *file,
                          int line, sp_error_t *err)
{
    sp_settings_t *s = opaque;
    char at[320];
    if (strncmp(key, "kafka.", 6) == 0) {
        if (strcmp(key + 6, "group.id") == 0)
            s->has_group = true;
        if (sp_kafka_conf_set(s->kconf, key + 6, value, err) != SP_OK) {
            char msg[SP_ERROR_MSG_MAX];
            snprintf(msg, sizeof(msg), "%s", err ? err->message : "");
            return sp_error_set(err, SP_ERR_INVALID, "%s: %s", where(at, sizeof(at), file, line),
                                msg);
        }
        return SP_OK;
    }
    if (strcmp(key, "pg.conninfo") == 0) {
        snprintf(s->conninfo, sizeof(s->conninfo), "%s", value);
        return SP_OK;
    }
    if (strcmp(key, "metrics.listen") == 0) {
        snprintf(s->metrics_listen, sizeof(s->metrics_listen), "%s", value);
        return SP_OK;
    }
    if (strcmp(key, "topics") == 0)
        return sp_settings_add_topics(s, value, err);
    if (strcmp(key, "batch.rows") == 0)
        return size_value(key, value, file, line, &s->batch_rows, err);
    if (strcmp(key, "batch.bytes") == 0)
        return size_value(key, value, file, line, &s->batch_bytes, err);
    if (strcmp(key, "batch.linger.ms") == 0)
        return size_value(key, value, file, line, &s->linger_ms, err);
    if (strcmp(key, "load.connections") == 0) {
        sp_status_t st = size_value(key, value, file, line, &s->connections, err);
        if (st == SP_OK && (s->connections < 1 || s->connections > SP_MAX_CONNECTIONS))
            return sp_error_set(err, SP_ERR_INVALID, "%s: load.connections must be 1 to %d",
                                where(at, sizeof(at), file, line), SP_MAX_CONNECTIONS);
        return st;
    }
    if (strcmp(key, "kept.refresh.ms") == 0)
        return size_value(key, value, file, line, &s->kept_refresh_ms, err);
    if (strcmp(key, "kept.backlog.ms") == 0)
        return size_value(key, value, file, line, &s->kept_backlog_ms, err);
    if (strcmp(key, "message.max.bytes") == 0)
        return size_value(key, value, file, line, &s->limits.max_message_bytes, err);
    if (strcmp(key, "envelope.max.entries") == 0)
        return size_value(key, value, file, line, &s->limits.max_envelope_entries, err);
    if (strcmp(key, "json.max.depth") == 0)
        return size_value(key, value, file, line, &s->limits.max_depth, err);
    if (strcmp(key, "string.max.bytes") == 0)
        return size_value(key, value, file, line, &s->limits.max_string_bytes, err);
    if (strcmp(key, "log.level") == 0) {
        int lvl = sp_log_level_parse(value);
        if (lvl < 0)
            return sp_error_set(err, SP_ERR_INVALID, "%s: unknown log.level \"%s\"",
                                where(at, sizeof(at), file, line), value);
        sp_log_level = lvl;
        return SP_OK;
    }
    return sp_error_set(err, SP_ERR_INVALID, "%s: unknown key \"%s\"",
                        where(at, sizeof(at), file, line), key);
}

static bool holds_secret(const char *key, const char *value)
{
    return strstr(key, "password") != NULL || strstr(key, "secret") != NULL ||
           (strcmp(key, "pg.conninfo") == 0 && strstr(value, "password") != NULL);
}

typedef struct file_scan {
    sp_settings_t *s;
    bool secret;
} file_scan_t;

static sp_status_t on_file_key(void *opaque, const char *key, const char *value, const char *file,
                               int line, sp_error_t *err)
{
    file_scan_t *fs = opaque;
    if (holds_secret(key, value))
        fs->secret = true;
    return on_key(fs->s, key, value, file, line, err);
}

static sp_status_t settings_read_file(sp_settings_t *s, const char *path, sp_error_t *err)
{
    file_scan_t fs = {s, false};
    sp_status_t st = sp_config_read(path, on_file_key, &fs, err);
    struct stat sb;
    if (st == SP_OK && fs.secret && stat(path, &sb) == 0 && (sb.st_mode & (S_IRGRP | S_IROTH)))
        sp_log(SP_LOG_WARNING, "config_readable",
               "file=%s detail=\"it holds a password and others may read it: chmod 600\"",
               SP_LOG_Q(path));
    return st;
}

static sp_status_t settings_read_env(sp_settings_t *s, sp_error_t *err)
{
    extern char **environ;
    for (char **e = environ; *e != NULL; e++) {
        const char *var = *e;
        if (strncmp(var, "STATPIPE_", 9) != 0 || strncmp(var, "STATPIPE_FAULT_", 15) == 0)
            continue;
        const char *eq = strchr(var, '=');
        if (eq == NULL || (size_t)(eq - var) - 9 >= 256)
            continue;
        char key[256];
        size_t n = (size_t)(eq - var) - 9;
        for (size_t i = 0; i < n; i++) {
            char c = var[9 + i];
            key[i] = c == '_' ? '.' : (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
        }
        key[n] = '\0';
        char name[280];
        snprintf(name, sizeof(name), "environment variable %.*s", (int)(eq - var), var);
        sp_status_t st = on_key(s, key, eq + 1, name, 0, err);
        if (st != SP_OK)
            return st;
    }
    return SP_OK;
}

sp_status_t sp_settings_load(sp_settings_t *s, const char *path, sp_error_t *err)
{
    if (path != NULL && settings_read_file(s, path, err) != SP_OK)
        return err->code;
    return settings_read_env(s, err);
}

sp_status_t sp_settings_check(const sp_settings_t *s, sp_error_t *err)
{
    if (sp_pg_conninfo_check(s->conninfo, err) != SP_OK)
        return err->code;
    char host[256];
    const char *port;
    if (s->metrics_listen[0] != '\0')
        return sp_listen_split(s->metrics_listen, "metrics", host, sizeof(host), &port, err);
    return SP_OK;
}

/* A size flag, when given: "--batch-rows N" and the like. */
static sp_status_t size_flag(const char *opt, const char *text, size_t *out, sp_error_t *err)
{
    return text != NULL ? sp_size_option(opt, text, out, err) : SP_OK;
}

sp_status_t sp_settings_build(sp_settings_t *s, const sp_settings_args_t *a, sp_error_t *err)
{
    sp_settings_init(s);
    if (sp_settings_load(s, a->config, err) != SP_OK ||
        (a->brokers && sp_kafka_conf_set(s->kconf, "bootstrap.servers", a->brokers, err)) ||
        (a->group && sp_kafka_conf_set(s->kconf, "group.id", a->group, err)))
        return SP_ERR_INVALID;
    for (int i = 0; i < a->nx; i++)
        if (sp_kafka_conf_set_pair(s->kconf, a->xprops[i], err) != SP_OK)
            return SP_ERR_INVALID;
    if (a->nt > 0) {
        s->n_topics = 0; /* flags replace the file's list */
        for (int i = 0; i < a->nt; i++)
            if (sp_settings_add_topics(s, a->topics[i], err) != SP_OK)
                return SP_ERR_INVALID;
    }
    if (a->conninfo)
        snprintf(s->conninfo, sizeof(s->conninfo), "%s", a->conninfo);
    if (a->metrics)
        snprintf(s->metrics_listen, sizeof(s->metrics_listen), "%s", a->metrics);
    if (size_flag("--batch-rows", a->batch_rows, &s->batch_rows, err) != SP_OK ||
        size_flag("--batch-bytes", a->batch_bytes, &s->batch_bytes, err) != SP_OK ||
        size_flag("--linger-ms", a->linger, &s->linger_ms, err) != SP_OK ||
        size_flag("--connections", a->connections, &s->connections, err) != SP_OK)
        return SP_ERR_INVALID;
    if (s->connections < 1 || s->connections > SP_MAX_CONNECTIONS)
        return sp_error_set(err, SP_ERR_INVALID, "--connections must be 1 to %d, got %zu",
                            SP_MAX_CONNECTIONS, s->connections);
    return SP_OK;
}
