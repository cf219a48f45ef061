#!/usr/bin/env bash
# test_kafka_faults.sh: the built-in cluster injects faults mid-stream: every broker down
# and back, failed fetch requests, slow brokers. The daemon waits and resumes; everything
# lands exactly once.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits

mkfifo "$SP_TMP/ctl"
"$STATPIPE" mock-cluster --brokers 3 --topic stats.kf:6 <"$SP_TMP/ctl" >"$SP_TMP/mock.out" 2>"$SP_TMP/mock.log" &
SP_PIDS+=($!)
exec 3>"$SP_TMP/ctl"
for _ in $(seq 1 100); do [ -s "$SP_TMP/mock.out" ] && break; sleep 0.1; done
BROKERS=$(head -n 1 "$SP_TMP/mock.out")
ctl() { # sends a command and waits for its answer
    local before
    before=$(wc -l < "$SP_TMP/mock.out")
    echo "$*" >&3
    for _ in $(seq 1 50); do
        [ "$(wc -l < "$SP_TMP/mock.out")" -gt "$before" ] && break
        sleep 0.1
    done
    local answer
    answer=$(tail -n 1 "$SP_TMP/mock.out")
    [ "$answer" = ok ] || fail "mock-cluster: $* -> $answer"
}

n=24000
GEN_EXPECTED="$SP_TMP/expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 60 > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.kf "$SP_TMP/feed.ndjson" >/dev/null

"$STATPIPE" run -b "$BROKERS" -t stats.kf -G kf -X session.timeout.ms=6000 \
    -X heartbeat.interval.ms=500 --batch-rows 100 2>"$SP_TMP/run.log" &
pid=$!
SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
wait_offsets 2000
ctl broker-down 1
ctl broker-down 2
ctl broker-down 3
before=$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')
sleep 4
echo "ok - all brokers down at $before of $n"
ctl broker-up 1
ctl broker-up 2
ctl broker-up 3
wait_offsets $((before + 4000))
ctl request-errors Fetch 20 NOT_LEADER_FOR_PARTITION
ctl request-errors Heartbeat 5 COORDINATOR_NOT_AVAILABLE
ctl broker-rtt 2 400
echo "ok - fetch errors and a slow broker injected"
wait_offsets $n 240
ctl broker-rtt 2 0
kill -0 $pid || fail "the daemon died"
kill -TERM $pid
wait $pid || fail "daemon exit code $?"

bad=$((n / 60))
check_committed_once $((n - bad)) $bad
check_rows "$SP_TMP/expected"
check "offsets" $n "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"
check "unknown mock command is refused" "error: unknown command" \
    "$(echo bogus >&3; sleep 0.5; tail -n 1 "$SP_TMP/mock.out" | cut -c1-22)"
echo "PASS test_kafka_faults"
