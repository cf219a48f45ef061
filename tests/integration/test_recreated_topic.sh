#!/usr/bin/env bash
# test_recreated_topic.sh: the cluster is replaced (a new built-in cluster: the topic is
# there again, with a shorter log). The offsets stored in PostgreSQL lie past the end of
# the new log: the daemon stops with an error that says what happened and what to do,
# loading and quarantining nothing, instead of abandoning every batch while looking healthy.
# `statpipe offsets reset` is the explicit way on; after it the new log loads exactly once.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 1 --topic stats.rec:2
first_cluster=${SP_PIDS[-1]}

"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 1000 40 a > "$SP_TMP/a.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.rec "$SP_TMP/a.ndjson" >/dev/null
timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.rec -G rec -e 2>"$SP_TMP/run1.log" \
    || fail "first run failed"
check "first log loaded" 1000 "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"

# The cluster is replaced; the topic comes back with 200 messages.
kill -TERM "$first_cluster"
wait "$first_cluster" 2>/dev/null || true
sp_kafka_start --brokers 1 --topic stats.rec:2
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 200 40 b > "$SP_TMP/b.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.rec "$SP_TMP/b.ndjson" >/dev/null
seen_before=$(sp_psql -c "select count(*) from public.attempt")
rc=0
timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.rec -G rec -e 2>"$SP_TMP/run2.log" || rc=$?
check "offsets past the new log's end: the daemon stops (exit 3)" 3 "$rc"
grep -q "event=offset_beyond_log topic=stats.rec" "$SP_TMP/run2.log" \
    || fail "no offset_beyond_log event: $(tail -n 3 "$SP_TMP/run2.log")"
grep -q 'past the end of its log' "$SP_TMP/run2.log" || fail "the stop does not say what happened"
grep -q 'statpipe offsets reset -G GROUP -t stats.rec --to-earliest' "$SP_TMP/run2.log" \
    || fail "the stop does not say what to do"
check "nothing loaded or quarantined from the new log" "$seen_before" \
    "$(sp_psql -c "select count(*) from public.attempt")"
check "stored offsets untouched" 1000 "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"

# The operator looks, then resets explicitly.
"$STATPIPE" offsets list -G rec > "$SP_TMP/list.out"
check "offsets list shows both partitions" 2 "$(grep -c '^rec ' "$SP_TMP/list.out")"
check "offsets reset of an unknown group changes nothing (exit 1)" 1 \
    "$("$STATPIPE" offsets reset -G nope -t stats.rec --to-earliest 2>/dev/null; echo $?)"
check "offsets reset --to needs a partition (exit 2)" 2 \
    "$("$STATPIPE" offsets reset -G rec -t stats.rec --to 5 2>/dev/null; echo $?)"
check "offsets reset --to a negative offset is refused (exit 2)" 2 \
    "$("$STATPIPE" offsets reset -G rec -t stats.rec -p 0 --to -5 2>/dev/null; echo $?)"
check "offsets reset --to-earliest" \
    "reset 2 partitions of stats.rec for group rec: the next assignment reads from the start of the log" \
    "$("$STATPIPE" offsets reset -G rec -t stats.rec --to-earliest)"
check "nothing stored for the group now" 0 "$(sp_psql -c "select count(*) from statpipe.kafka_offset where consumer_group = 'rec'")"

timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.rec -G rec -e 2>"$SP_TMP/run3.log" \
    || fail "run after the reset failed: $(tail -n 3 "$SP_TMP/run3.log")"
check "the new log loaded after the reset" 200 "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"
# 1000 + 200 messages, every 40th bad: each committed once across both logs.
check_committed_once $((1000 - 25 + 200 - 5)) $((25 + 5))

# --to sets one partition's next offset.
check "offsets reset --to" "reset partition 0 of stats.rec for group rec: the next offset read is 7" \
    "$("$STATPIPE" offsets reset -G rec -t stats.rec -p 0 --to 7)"
check "offsets list after --to" 7 "$("$STATPIPE" offsets list -G rec -t stats.rec | awk '$3 == 0 {print $4}')"
