#!/usr/bin/env bash
# test_crash_restart.sh: SIGKILL the daemon at several points mid-stream, restart it, and
# find every message loaded or quarantined exactly once, with offsets matching.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 2 --topic stats.crash:4

n=20000
GEN_EXPECTED="$SP_TMP/expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 50 > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.crash "$SP_TMP/feed.ndjson" >/dev/null

kopts=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
kills=0
for round in 1 2 3 4 5; do
    delay=0.$((RANDOM % 8 + 1))
    "$STATPIPE" run -b "$BROKERS" -t stats.crash -G crash "${kopts[@]}" --batch-rows 50 \
        2>>"$SP_TMP/run.log" &
    pid=$!
    SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
    # wait until it has committed something new, then kill it at a random moment
    before=$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')
    for i in $(seq 1 300); do
        now=$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')
        [ "$now" != "$before" ] && break
        sleep 0.02
    done
    sleep "$delay"
    kill -KILL $pid
    wait $pid 2>/dev/null || true
    kills=$((kills + 1))
    done_now=$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')
    echo "kill $kills after ${delay}s: $done_now of $n offsets committed"
    [ "$done_now" -ge "$n" ] && break
done
[ "$kills" -ge 2 ] || fail "the daemon finished before it could be killed twice"
timeout 300 "$STATPIPE" run -b "$BROKERS" -t stats.crash -G crash "${kopts[@]}" -e \
    --batch-rows 300 2>>"$SP_TMP/run.log" || fail "final run failed"

bad=$((n / 50))
check "every good message loaded once" $((n - bad)) "$(sp_psql -c 'select count(*) from statpipe.observation')"
check "no message id twice" $((n - bad)) "$(sp_psql -c 'select count(distinct message_id) from statpipe.observation')"
check "every bad message quarantined once" $bad "$(sp_psql -c 'select count(*) from statpipe.quarantine')"
check "offsets cover every message once" $n "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"
check "message_seen matches" $((n - bad)) "$(sp_psql -c 'select count(*) from statpipe.message_seen')"
# Each row's stored offset is below its partition's committed next offset.
check "rows within committed offsets" 0 "$(sp_psql -c '
    select count(*) from statpipe.observation o join statpipe.kafka_offset k
      on k.topic = o.src_topic and k.partition = o.src_partition
     where o.src_offset >= k.next_offset')"
check_committed_once $((n - bad)) $bad
check_rows "$SP_TMP/expected"
echo "PASS test_crash_restart ($kills kills)"
