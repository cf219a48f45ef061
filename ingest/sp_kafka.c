/* sp_kafka.c: librdkafka configuration, its logs routed to statpipe's sink, the series key. */
#include "sp_ingest.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

sp_status_t sp_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                              sp_error_t *err)
{
    char errstr[256];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
        return sp_error_set(err, SP_ERR_INVALID, "bad Kafka property %s: %s", key, errstr);
    return SP_OK;
}

sp_status_t sp_kafka_conf_set_pair(rd_kafka_conf_t *conf, const char *pair, sp_error_t *err)
{
    const char *eq = strchr(pair, '=');
    if (eq == NULL || eq == pair)
        return sp_error_set(err, SP_ERR_INVALID, "expected key=value, got \"%s\"", pair);
    char key[256];
    size_t n = (size_t)(eq - pair);
    if (n >= sizeof(key))
        return sp_error_set(err, SP_ERR_INVALID, "property name too long in \"%s\"", pair);
    memcpy(key, pair, n);
    key[n] = '\0';
    return sp_kafka_conf_set(conf, key, eq + 1, err);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level < 0 || level > 7)
        level = SP_LOG_INFO;
    sp_log(level, "kafka", "facility=%s message=%s", fac, SP_LOG_Q(buf));
}

void sp_kafka_conf_log_to_sink(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_log_cb(conf, log_cb);
}

rd_kafka_conf_t *sp_kafka_conf_new(void)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sp_kafka_conf_log_to_sink(conf);
    return conf;
}

void sp_kafka_conf_free(rd_kafka_conf_t *conf)
{
    if (conf != NULL)
        rd_kafka_conf_destroy(conf);
}

void sp_kafka_conf_get(const rd_kafka_conf_t *conf, const char *key, char *out, size_t cap)
{
    size_t n = cap;
    if (rd_kafka_conf_get(conf, key, out, &n) != RD_KAFKA_CONF_OK)
        out[0] = '\0';
}

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

sp_status_t sp_kafka_conf_check(const rd_kafka_conf_t *conf, char *servers, size_t cap,
                                sp_error_t *err)
{
    sp_kafka_conf_get(conf, "bootstrap.servers", servers, cap);
    if (servers[0] == '\0') {
        sp_error_set(err, SP_ERR_INVALID, "no Kafka bootstrap servers");
        sp_error_detail(err, "give -b HOST:PORT or kafka.bootstrap.servers in the config file");
        return SP_ERR_INVALID;
    }
    static const char *const files[] = {"ssl.ca.location", "ssl.certificate.location",
                                        "ssl.key.location", "ssl.keystore.location",
                                        "sasl.kerberos.keytab"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024];
        sp_kafka_conf_get(conf, files[i], path, sizeof(path));
        if (path[0] != '\0' && strcmp(path, "probe") != 0 && access(path, R_OK) != 0) {
            sp_error_set(err, SP_ERR_INVALID, "kafka.%s \"%s\" cannot be read: %s", files[i], path,
                         strerror(errno));
            sp_error_detail(err, "give a readable file, or leave the key unset");
            return SP_ERR_INVALID;
        }
    }
    /* librdkafka checks the rest of its configuration when a client is created: create one
     * that has no brokers to connect to and keeps its log to itself, since errstr says what
     * failed. */
    char errstr[512];
    rd_kafka_conf_t *dup = rd_kafka_conf_dup(conf);
    rd_kafka_conf_set(dup, "bootstrap.servers", "", errstr, sizeof(errstr));
    rd_kafka_conf_set_log_cb(dup, quiet_log);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, dup, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(dup);
        return sp_error_set(err, SP_ERR_INVALID, "the Kafka configuration is not valid: %s",
                            errstr);
    }
    rd_kafka_destroy(rk);
    return SP_OK;
}

size_t sp_message_key(const char *payload, size_t len, char *out, size_t cap)
{
    json_t *root = json_loadb(payload, len, 0, NULL);
    size_t n = 0;
    if (root == NULL)
        return 0;
    const char *sender = json_string_value(json_object_get(root, "sender"));
    const char *schema = json_string_value(json_object_get(root, "schema"));
    if (sender != NULL && schema != NULL && strcmp(schema, "statpipe.release/1") == 0) {
        const char *id = json_string_value(json_object_get(root, "message_id"));
        int k = snprintf(out, cap, "%s|%s", sender, id ? id : "");
        n = k > 0 && (size_t)k < cap ? (size_t)k : 0;
    } else if (sender != NULL) {
        const char *ind = json_string_value(json_object_get(root, "indicator"));
        const char *area = json_string_value(json_object_get(root, "ref_area"));
        const char *freq = json_string_value(json_object_get(root, "freq"));
        const char *basis = json_string_value(json_object_get(root, "calc_basis"));
        const char *brk = json_string_value(json_object_get(root, "breakdown"));
        /* A breakdown other than the total adds a part; the total's key is as before. */
        bool part = brk != NULL && strcmp(brk, "_T") != 0;
        int k = snprintf(out, cap, "%s|%s|%s|%s|%s%s%s", sender, ind ? ind : "", area ? area : "",
                         freq ? freq : "", basis ? basis : "PER", part ? "|" : "", part ? brk : "");
        n = k > 0 && (size_t)k < cap ? (size_t)k : 0;
    }
    json_decref(root);
    return n;
}
