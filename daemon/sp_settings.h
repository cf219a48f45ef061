/* sp_settings.h: the settings of run and load, from a config file, the environment and
 * flags. */
#ifndef SP_SETTINGS_H
#define SP_SETTINGS_H

#include "sp_ingest.h"
#include "sp_transform.h"

#define SP_MAX_TOPICS 64
#define SP_MAX_XPROPS 128

typedef struct sp_settings {
    char conninfo[1024];
    char topics_buf[2048];
    const char *topics[SP_MAX_TOPICS];
    int n_topics;
    rd_kafka_conf_t *kconf; /* kafka.* keys and -X pairs */
    size_t batch_rows;
    size_t batch_bytes;
    size_t linger_ms;
    size_t connections;     /* loader lanes: PostgreSQL connections, each with its partitions */
    size_t kept_refresh_ms; /* the daemon refreshes the kept values at most this often */
    size_t kept_backlog_ms; /* ... and while reading a backlog, waits at most this long */
    sp_transform_limits_t limits;
    bool has_group;
    char metrics_listen[256]; /* HOST:PORT for /metrics, /health, /ready; "" for none */
} sp_settings_t;

#define SP_DEFAULT_BATCH_ROWS 5000
#define SP_DEFAULT_BATCH_BYTES (8u * 1024 * 1024)
#define SP_DEFAULT_LINGER_MS 500
#define SP_DEFAULT_CONNECTIONS 2
#define SP_MAX_CONNECTIONS 16
#define SP_DEFAULT_KEPT_REFRESH_MS 5000
#define SP_DEFAULT_KEPT_BACKLOG_MS 60000

void sp_settings_init(sp_settings_t *s);
void sp_settings_free(sp_settings_t *s);
/* The config file (if any; docs/configuration.md lists the keys; a warning when it holds a
 * password others may read), then STATPIPE_* environment variables (STATPIPE_BATCH_ROWS is
 * batch.rows): what every command reads before its flags. */
sp_status_t sp_settings_load(sp_settings_t *s, const char *path, sp_error_t *err);
/* The checks of what the settings say that need no service: the PostgreSQL connection
 * string parses, the metrics address is HOST:PORT with a port from 1 to 65535. */
sp_status_t sp_settings_check(const sp_settings_t *s, sp_error_t *err);
/* A command line's settings flags, as given (NULL: not given). */
typedef struct sp_settings_args {
    const char *config;                               /* -c FILE */
    const char *brokers, *group, *conninfo, *metrics; /* -b, -G, -d, --metrics */
    const char *batch_rows, *batch_bytes, *linger;    /* --batch-rows, --batch-bytes, --linger-ms */
    const char *connections;                          /* --connections */
    const char *xprops[SP_MAX_XPROPS], *topics[SP_MAX_TOPICS]; /* -X KEY=VALUE, -t TOPIC */
    int nx, nt;
} sp_settings_args_t;

/* Initialises s and fills it from the config file, then the environment, then the flags,
 * each overriding the one before. On failure (SP_ERR_INVALID, err says why) s still needs
 * sp_settings_free. The daemon calls it again on SIGHUP. */
sp_status_t sp_settings_build(sp_settings_t *s, const sp_settings_args_t *a, sp_error_t *err);
/* Adds topics from a comma-separated list. */
sp_status_t sp_settings_add_topics(sp_settings_t *s, const char *list, sp_error_t *err);

#endif
