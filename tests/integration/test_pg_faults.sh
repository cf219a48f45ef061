#!/usr/bin/env bash
# test_pg_faults.sh: PostgreSQL faults mid-stream: COMMIT answers lost after the server
# committed (settled from the stored offsets, not sent twice), a fast restart and a crash
# of the server. The daemon waits, reconnects and resumes; everything lands exactly once.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 1 --topic stats.pg:4

n=20000
GEN_EXPECTED="$SP_TMP/expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 40 > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.pg "$SP_TMP/feed.ndjson" >/dev/null

STATPIPE_FAULT_LOSE_COMMIT_EVERY=7 "$STATPIPE" run -b "$BROKERS" -t stats.pg -G pg \
    -X session.timeout.ms=6000 --batch-rows 100 2>"$SP_TMP/run.log" &
pid=$!
SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
wait_offsets 3000
sp_pg_restart                      # fast shutdown and start
echo "ok - restarted PostgreSQL at $(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset') of $n"
wait_offsets 9000
sp_as_pg "$(sp_pg_bin)/pg_ctl" -D "$SP_PG_DATA" -m immediate stop >/dev/null   # a crash
sleep 2                            # the daemon finds it gone and backs off
sp_as_pg "$(sp_pg_bin)/pg_ctl" -D "$SP_PG_DATA" -l "$SP_TMP/postgres.log" -w -t 30 \
    -o "-p $PGPORT -k $SP_TMP -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
echo "ok - crashed and restarted PostgreSQL"
wait_offsets $n
kill -0 $pid || fail "the daemon died"
kill -TERM $pid
wait $pid || fail "daemon exit code $?"

grep -q "event=pg_reconnected" "$SP_TMP/run.log" || fail "no reconnection logged"
grep -q "event=batch_settled committed=yes" "$SP_TMP/run.log" || fail "no lost COMMIT was settled as committed"
echo "ok - lost COMMIT answers settled: $(grep -c 'batch_settled committed=yes' "$SP_TMP/run.log")"
bad=$((n / 40))
check_committed_once $((n - bad)) $bad
check_rows "$SP_TMP/expected"
check "offsets" $n "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"

# statpipe load rides out a restart too.
GEN_EXPECTED="$SP_TMP/expected2" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 3000 0 file > "$SP_TMP/file.ndjson"
STATPIPE_FAULT_LOSE_COMMIT_EVERY=3 "$STATPIPE" load --batch-rows 200 "$SP_TMP/file.ndjson" >/dev/null 2>"$SP_TMP/load.log" \
    || fail "load with lost COMMITs failed: $(tail -n 3 "$SP_TMP/load.log")"
# Without offsets a batch whose COMMIT answer was lost is flushed again; message ids make
# that harmless. (file-i repeats the figure of gen-i: only where gen-i was quarantined is
# it a new vintage.)
check "file messages seen once each" 3000 \
    "$(sp_psql -c "select count(*) from statpipe.message_seen where message_id like 'file-%'")"
check "file messages add only new figures" "$((3000 / 40))|$((3000 / 40))" \
    "$(sp_psql -c "select count(*), count(distinct message_id) from statpipe.observation where message_id like 'file-%'")"
grep -q "event=pg_retry" "$SP_TMP/load.log" || fail "load did not retry"
# SIGTERM when the answer to the last COMMIT was lost: the stop still settles the batch
# (it went in) and exits 0, rather than giving up as if PostgreSQL were gone.
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 50 0 stop > "$SP_TMP/stop.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.pg "$SP_TMP/stop.ndjson" >/dev/null
STATPIPE_FAULT_LOSE_COMMIT_EVERY=1 "$STATPIPE" run -b "$BROKERS" -t stats.pg -G pg \
    -X session.timeout.ms=6000 --linger-ms 600000 --batch-rows 100000 2>"$SP_TMP/stop.log" &
pid=$!
SP_PIDS+=($pid)
for _ in $(seq 1 300); do
    grep -q "event=assign" "$SP_TMP/stop.log" && break
    sleep 0.1
done
sleep 2 # the 50 messages are staged; the batch waits for its linger
kill -TERM $pid
wait $pid || fail "stop after a lost COMMIT answer: exit code $?"
grep -q "event=batch_settled committed=yes" "$SP_TMP/stop.log" || fail "the stop did not settle the batch"
check "stop after a lost COMMIT answer: committed once" "50|50" \
    "$(sp_psql -c "select count(*), count(distinct message_id) from public.attempt where message_id like 'stop-%'")"
check "offsets after the stop" $((n + 50)) "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"

# A series the daemon has seen committed disappears behind its back (a table restored, a
# series deleted by hand). Its next rows must not be dropped by the merge's join: the
# batch fails on the missing series, runs again with the series statement, and loads.
sp_kafka_start --brokers 1 --topic stats.series:2
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 310 0 known > "$SP_TMP/known.ndjson"
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 310 0 again > "$SP_TMP/again.ndjson"
sp_psql -c "truncate statpipe.observation, statpipe.series cascade" >/dev/null
"$STATPIPE" produce -b "$BROKERS" -t stats.series "$SP_TMP/known.ndjson" >/dev/null
"$STATPIPE" run -b "$BROKERS" -t stats.series -G series -X session.timeout.ms=6000 \
    --batch-rows 50 2>"$SP_TMP/series.log" &
pid=$!
SP_PIDS+=($pid)
rows_of() { sp_psql -c "select count(*) from statpipe.observation where message_id like '$1-%'"; }
wait_rows() { # prefix count: until that many vintages of the feed are in (30 s at most)
    for _ in $(seq 1 300); do [ "$(rows_of "$1")" = "$2" ] && return 0; sleep 0.1; done
}
wait_rows known 310
check "series: the first feed is in" 310 "$(rows_of known)"
sp_psql -c "truncate statpipe.observation, statpipe.series cascade" >/dev/null
"$STATPIPE" produce -b "$BROKERS" -t stats.series "$SP_TMP/again.ndjson" >/dev/null
wait_rows again 310
check "series: the feed after the series vanished is in, none dropped" 310 "$(rows_of again)"
check "series: every series back" 31 "$(sp_psql -c "select count(*) from statpipe.series")"
grep -q 'event=batch_rerun reason="a series thought stored is missing"' "$SP_TMP/series.log" ||
    fail "the missing series was not noticed"
kill -TERM $pid
wait $pid || fail "daemon exit code $?"

echo "PASS test_pg_faults"
