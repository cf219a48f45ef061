#!/usr/bin/env bash
# test_group.sh: three daemons of one consumer group join and leave mid-stream (graceful
# stops, a SIGKILL, a rejoin): partitions move between them and every message lands
# exactly once. Then a replay of the whole topic from offset 0 by a new group adds nothing.
# test_group.sh [STRATEGY]: the group's partition.assignment.strategy (default librdkafka's,
# eager; cooperative-sticky moves partitions incrementally and takes the other calls).
source "$(dirname "$0")/lib.sh"
strategy=(${1:+-X "partition.assignment.strategy=$1"})
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 3 --topic stats.group:6

n=30000
GEN_EXPECTED="$SP_TMP/expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 75 > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.group "$SP_TMP/feed.ndjson" >/dev/null

daemon() { # name; sets pid (started here, so that this shell can wait for it)
    "$STATPIPE" run -b "$BROKERS" -t stats.group -G grp -X session.timeout.ms=6000 \
        -X heartbeat.interval.ms=500 "${strategy[@]}" \
        --batch-rows 40 2>>"$SP_TMP/$1.log" &
    pid=$!
    SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
}
progress() { sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset'; }

daemon a; a=$pid
wait_offsets 1500
daemon b; b=$pid
daemon c; c=$pid
wait_offsets $(( $(progress) + 2500 ))
kill -TERM "$a"; wait "$a" || fail "a: exit $?"
echo "ok - a left gracefully at $(progress)"
wait_offsets $(( $(progress) + 2500 ))
kill -KILL "$b"; wait "$b" 2>/dev/null || true
echo "ok - b killed at $(progress)"
daemon a; a=$pid
echo "ok - a rejoined"
wait_offsets $(( $(progress) + 2500 ))
kill -TERM "$c"; wait "$c" || fail "c: exit $?"
echo "ok - c left gracefully at $(progress)"
daemon b; b=$pid
wait_offsets $n 300
kill -TERM "$a" "$b"
wait "$a" || fail "a: exit $?"
wait "$b" || fail "b: exit $?"

members=$(grep -h "event=assign " "$SP_TMP"/a.log "$SP_TMP"/b.log "$SP_TMP"/c.log | wc -l)
[ "$members" -ge 12 ] || fail "partitions moved too little to test anything ($members assignments)"
echo "ok - $members partition assignments across the daemons"
bad=$((n / 75))
check_committed_once $((n - bad)) $bad
check_rows "$SP_TMP/expected"
check "offsets" $n "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'grp'")"

# Replay the whole topic from offset 0 into the loaded database: no new vintages.
vintages=$(sp_psql -c 'select count(*) from statpipe.observation')
quarantined=$(sp_psql -c 'select count(*) from statpipe.quarantine')
timeout 300 "$STATPIPE" run -b "$BROKERS" -t stats.group -G replay -X session.timeout.ms=6000 \
    "${strategy[@]}" -e \
    2>"$SP_TMP/replay.log" || fail "replay run failed"
grep -q "event=stop messages=$n .*inserted=0 " "$SP_TMP/replay.log" \
    || fail "replay: $(grep event=stop "$SP_TMP/replay.log")"
check "replay adds no vintage" "$vintages" "$(sp_psql -c 'select count(*) from statpipe.observation')"
check "replay adds no quarantine row" "$quarantined" "$(sp_psql -c 'select count(*) from statpipe.quarantine')"
check_rows "$SP_TMP/expected"
echo "PASS test_group (${1:-default assignors})"
