/*
 * sp_ingest.h: the public interface of the ingest stage: librdkafka configuration, the
 * consumer-group consumer whose positions come from the database, the producer's series
 * key, the built-in Kafka cluster, and the NDJSON line reader.
 */
#ifndef SP_INGEST_H
#define SP_INGEST_H

#include "sp_core.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>

/* ---- configuration ---------------------------------------------------------------------- */

/* A new librdkafka configuration whose logs go to statpipe's log sink; freed by
 * sp_kafka_conf_free or taken by the client created with it. */
rd_kafka_conf_t *sp_kafka_conf_new(void);
void sp_kafka_conf_free(rd_kafka_conf_t *conf);
/* The checks of a consumer's configuration made before connecting to anything: bootstrap
 * servers given (copied into servers, cap bytes), TLS and Kerberos files readable, and
 * librdkafka accepting the rest (assignors of one protocol type, ...). */
sp_status_t sp_kafka_conf_check(const rd_kafka_conf_t *conf, char *servers, size_t cap,
                                sp_error_t *err);
/* The value of property key in conf, copied into out (cap bytes); "" when unset. */
void sp_kafka_conf_get(const rd_kafka_conf_t *conf, const char *key, char *out, size_t cap);
/* Sets one librdkafka property on conf; errors name the property. */
sp_status_t sp_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                              sp_error_t *err);
/* Parses "key=value" (a -X argument) and sets it. */
sp_status_t sp_kafka_conf_set_pair(rd_kafka_conf_t *conf, const char *pair, sp_error_t *err);
/* Routes librdkafka's logs into statpipe's log sink. */
void sp_kafka_conf_log_to_sink(rd_kafka_conf_t *conf);

/* ---- consumer ------------------------------------------------------------------------- */

/* What the consumer asks of the stage that stores its positions. */
typedef struct sp_consumer_hooks {
    void *opaque;
    /* The next offset stored for topic/partition, or -1 when none is stored. */
    sp_status_t (*stored_offset)(void *opaque, const char *topic, int32_t partition, int64_t *next,
                                 sp_error_t *err);
    /* Called before partitions are taken away: commit or abandon the batch in flight. */
    void (*before_revoke)(void *opaque);
} sp_consumer_hooks_t;

typedef struct sp_consumer sp_consumer_t;

/* Creates a consumer in group conf's group.id subscribed to topics (n of them; a name
 * starting with '^' is a regular expression). Takes ownership of conf, also on failure.
 * Offsets are never committed to Kafka for correctness: on assignment each partition
 * starts at the offset hooks->stored_offset returns, or at the beginning. */
sp_status_t sp_consumer_new(rd_kafka_conf_t *conf, const char *const *topics, int n,
                            const sp_consumer_hooks_t *hooks, sp_consumer_t **out, sp_error_t *err);
/* Polls for one message (or event) for at most timeout_ms. The caller destroys it with
 * rd_kafka_message_destroy. End-of-partition events are consumed here and NULL returned. */
rd_kafka_message_t *sp_consumer_poll(sp_consumer_t *c, int timeout_ms);
/* True when at least one partition is assigned and every assigned partition is at its end. */
bool sp_consumer_at_end(const sp_consumer_t *c);
/* Number of partitions assigned now. */
int sp_consumer_assigned(const sp_consumer_t *c);
/* True when an assignment could not be positioned (the database was unreachable). */
bool sp_consumer_failed(const sp_consumer_t *c, sp_error_t *err);
/* Stops fetching for the whole assignment (while the database is away), and restarts it
 * for exactly the partitions that were stopped, assigned now or not. */
void sp_consumer_pause(sp_consumer_t *c);
void sp_consumer_resume(sp_consumer_t *c);
/* Positions every assigned partition at its stored offset again (after a batch was
 * abandoned), so that nothing consumed but not committed is skipped. */
sp_status_t sp_consumer_resync(sp_consumer_t *c, sp_error_t *err);
/* Leaves the group (revoking partitions through the hooks) and destroys the consumer. */
void sp_consumer_close(sp_consumer_t *c);

/* One assigned partition: where the consumer reads next, and how far behind it is. */
typedef struct sp_partition_lag {
    char topic[128];
    int32_t partition;
    int64_t position; /* the next offset to read (-1 before the first message) */
    int64_t lag;      /* messages beyond it */
} sp_partition_lag_t;

/* Fills out (at most max entries) with the assigned partitions whose lag is known, from
 * librdkafka's cached watermarks (no request); returns how many it filled. */
int sp_consumer_lags(sp_consumer_t *c, sp_partition_lag_t *out, int max);

/* ---- producer ------------------------------------------------------------------------- */

typedef struct sp_producer sp_producer_t;

/* Creates a producer for brokers with conf's properties; takes conf, also on failure.
 * Deliveries that fail are logged and counted. */
sp_status_t sp_producer_new(rd_kafka_conf_t *conf, const char *brokers, sp_producer_t **out,
                            sp_error_t *err);
/* Sends one message (copied) to topic, keyed by key (klen 0: unkeyed), waiting for room
 * while librdkafka's queue is full. */
sp_status_t sp_producer_send(sp_producer_t *p, const char *topic, const char *key, size_t klen,
                             const void *payload, size_t len, sp_error_t *err);
/* Serves delivery reports for up to timeout_ms. */
void sp_producer_poll(sp_producer_t *p, int timeout_ms);
/* Waits up to timeout_ms for every message to be delivered and destroys the producer.
 * Returns the messages not delivered: failed, or still queued (*left) when time ran out. */
long sp_producer_close(sp_producer_t *p, int timeout_ms, int *left);

/* ---- producer key --------------------------------------------------------------------- */

/* Writes the contract's message key, SENDER|INDICATOR|REF_AREA|FREQ|CALC_BASIS, for one
 * message, into out (cap bytes). For a release envelope the key is SENDER|MESSAGE_ID.
 * Returns the key length, or 0 when the message has no readable key (send it unkeyed:
 * the pipeline will quarantine it with a reason). */
size_t sp_message_key(const char *payload, size_t len, char *out, size_t cap);

/* ---- the built-in cluster ------------------------------------------------------------- */

typedef struct sp_mock_cluster sp_mock_cluster_t;

/* Starts librdkafka's built-in Kafka cluster with brokers brokers on loopback ports. */
sp_status_t sp_mock_cluster_start(int brokers, sp_mock_cluster_t **out, sp_error_t *err);
sp_status_t sp_mock_cluster_topic(sp_mock_cluster_t *mc, const char *topic, int partitions,
                                  sp_error_t *err);
const char *sp_mock_cluster_bootstraps(sp_mock_cluster_t *mc);
/* Runs one fault-injection command (a line): "broker-down ID", "broker-up ID",
 * "broker-rtt ID MS", "request-errors API COUNT ERROR_NAME", "topic NAME PARTITIONS". */
sp_status_t sp_mock_cluster_command(sp_mock_cluster_t *mc, const char *line, sp_error_t *err);
void sp_mock_cluster_stop(sp_mock_cluster_t *mc);

/* ---- NDJSON lines --------------------------------------------------------------------- */

typedef struct sp_lines {
    FILE *f;
    char *buf; /* the line (at most max bytes of it) */
    size_t cap;
    char *block; /* what was read from f and not yet taken */
    size_t block_pos, block_len;
    int64_t lineno;
    size_t max;       /* longest line kept whole; 0: no limit */
    size_t whole_len; /* the last line's length, also when only its start was kept */
    bool owned;
} sp_lines_t;

/* Opens path ("-" for stdin). A line is read whole up to max bytes (0: no limit); of a
 * longer one only the first SP_OVERSIZE_KEEP_BYTES are kept and the rest is skipped as it is
 * read, so that memory stays bounded by max whatever the input. */
sp_status_t sp_lines_open(sp_lines_t *l, const char *path, size_t max, sp_error_t *err);
/* Reads the next line without its line end (LF or CRLF). Returns 1 with *line and *len set
 * (the buffer is reused by the next call), 0 at end, -1 on a read error. When
 * l->whole_len > *len the line was longer than max and *line holds its first bytes. */
int sp_lines_next(sp_lines_t *l, const char **line, size_t *len);
/* The same, skipping lines that hold only spaces and tabs: the next message of the file. */
int sp_lines_next_message(sp_lines_t *l, const char **line, size_t *len);
void sp_lines_close(sp_lines_t *l);

#endif
