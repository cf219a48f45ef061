#!/usr/bin/env bash
# test_oversized.sh: a line or message over the size limit is refused before it is read
# whole. A 600 MB line between two valid messages, streamed through `load -` under a
# memory limit: both valid messages load, the line is quarantined as too_large with its
# first 4096 bytes, and the process never holds more than a fraction of the line. From
# Kafka, a message over the limit is quarantined the same way, by its first bytes.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q

msg() { # id value
    printf '{"schema":"statpipe.observation/1","sender":"MIIT","indicator":"FBB_USERS","ref_area":"CN","freq":"M","time_period":"%s","value":"%s","unit":"万户","release":"2024-01-22T09:30:00+08:00","message_id":"%s"}\n' "$3" "$2" "$1"
}
head='{"schema":"statpipe.observation/1","message_id":"huge","comment":"'
tail='"}'
feed() { # the 600 MB line between two valid messages, as a stream
    msg big-before 63631 2023-11
    printf '%s' "$head"
    head -c $((600 * 1024 * 1024)) /dev/zero | tr '\0' x
    printf '%s\n' "$tail"
    msg big-after 63700 2023-12
}
# Peak resident memory, from the kernel's accounting of the finished process (rusage).
# AddressSanitizer's shadow memory is reserved, not resident: the bound holds there too.
feed | /usr/bin/time -f '%M' -o "$SP_TMP/rss" "$STATPIPE" load - >"$SP_TMP/load.out" 2>"$SP_TMP/load.log" \
    || fail "load failed: $(tail -n 3 "$SP_TMP/load.log")"
rss_kb=$(tail -n 1 "$SP_TMP/rss")
[ "$rss_kb" -lt $((200 * 1024)) ] || fail "load held ${rss_kb} KiB for a 600 MB line (limit 200 MiB)"
echo "ok - a 600 MB line: peak resident memory $((rss_kb / 1024)) MiB"
check "both valid messages around it loaded" "big-after|big-before" \
    "$(sp_psql -c "select string_agg(message_id, '|' order by message_id) from statpipe.message_seen")"
check "the line is quarantined as too_large, by its first 4096 bytes" "too_large|4096|<stdin>|2" \
    "$(sp_psql -c "select reason, length(payload), src_file, src_line from statpipe.quarantine")"
check "the detail says how large it was and what is kept" \
    "message is $((${#head} + 600 * 1024 * 1024 + ${#tail})) bytes, at most 1048576; its first 4096 bytes are kept" \
    "$(sp_psql -c "select detail from statpipe.quarantine")"

# check reads the same way.
rc=0
feed | "$STATPIPE" check - >"$SP_TMP/check.out" 2>"$SP_TMP/check.err" || rc=$?
check "check: exit 1 for the rejected line" 1 "$rc"
grep -q "too_large" "$SP_TMP/check.out" || fail "check did not say too_large: $(head -c 300 "$SP_TMP/check.out")"
check "check: the others are ok" "2 ok, 1 rejected" "$(tail -n 1 "$SP_TMP/check.err")"

# From Kafka: a 3 MB message between two valid ones.
sp_kafka_start --brokers 1 --topic stats.big:1
{
    msg k-before 63631 2023-09
    printf '{"schema":"statpipe.observation/1","message_id":"kafka-huge","comment":"%s"}\n' \
        "$(head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' y)"
    msg k-after 63700 2023-10
} > "$SP_TMP/kafka.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.big -X message.max.bytes=8000000 "$SP_TMP/kafka.ndjson" >/dev/null
timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.big -G big -e 2>"$SP_TMP/run.log" \
    || fail "run failed: $(tail -n 3 "$SP_TMP/run.log")"
check "Kafka: the valid messages loaded" 2 \
    "$(sp_psql -c "select count(*) from statpipe.message_seen where message_id like 'k-%'")"
check "Kafka: the large message kept by its first 4096 bytes" "too_large|4096|stats.big" \
    "$(sp_psql -c "select reason, length(payload), src_topic from statpipe.quarantine where src_file is null")"
