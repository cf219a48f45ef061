/*
 * sp_daemon.h: the consumer-group daemon behind `statpipe run`: Kafka to PostgreSQL,
 * exactly once. Lanes (one loader each) commit the batches of their partitions; the loop
 * closes batches on rows, bytes or time, rides out a lost database, takes up catalogue and
 * settings changes between batches, publishes metrics and feeds systemd's watchdog.
 */
#ifndef SP_DAEMON_H
#define SP_DAEMON_H

#include "sp_settings.h"

#include <signal.h>

/* How the caller steers a running daemon; both flags are set by signal handlers. */
typedef struct sp_daemon_control {
    volatile sig_atomic_t *stop;   /* commit what was taken, leave the group, return */
    volatile sig_atomic_t *reload; /* between batches: settings again from args, and the
                                    * catalogue; the daemon clears it */
    bool exit_at_end;              /* return once every assigned partition is at its end and
                                    * committed (a one-shot run) */
} sp_daemon_control_t;

typedef enum sp_daemon_result {
    SP_DAEMON_OK,     /* stopped as asked, everything taken committed */
    SP_DAEMON_CONFIG, /* the settings cannot run (err says why) */
    SP_DAEMON_FAILED, /* a service failed; err says why when it is not in the log already */
} sp_daemon_result_t;

/* The checks made before connecting to anything: the settings' own checks, Kafka servers
 * and topics given, and librdkafka accepting its configuration. Fills servers (cap bytes)
 * with the bootstrap servers. */
sp_status_t sp_daemon_check(const sp_settings_t *s, char *servers, size_t cap, sp_error_t *err);

/* Runs the daemon with settings s (it owns s->kconf from here on) until ctl asks it to
 * stop. args are the flags s was built from, for a reload. err->message is "" when the
 * failure was logged already. */
sp_daemon_result_t sp_daemon_run(sp_settings_t *s, const sp_settings_args_t *args,
                                 const sp_daemon_control_t *ctl, sp_error_t *err);

#endif
