#!/usr/bin/env bash
# test_kafka_e2e.sh: produce to the built-in cluster, run the daemon until it has caught up,
# and find every message loaded or quarantined once, with offsets stored beside the rows.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_kafka_start --brokers 3 --topic stats.miit.telecom:4 --topic stats.sample:2

n=3000
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 100 > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.miit.telecom "$SP_TMP/feed.ndjson" >/dev/null
"$STATPIPE" produce -b "$BROKERS" -t stats.sample "$SP_SOURCE_DIR/deploy/sample/feed.ndjson" >/dev/null

kopts=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.miit.telecom -t stats.sample -G e2e \
    "${kopts[@]}" -e --batch-rows 500 2>"$SP_TMP/run.log" || fail "run -e failed"

bad=$((n / 100))
check "observations loaded" $((n - bad + 25)) "$(sp_psql -c 'select count(*) from statpipe.observation')"
check "quarantined" $((bad + 3)) "$(sp_psql -c 'select count(*) from statpipe.quarantine')"
check "quarantine rows carry topic, partition and offset" $((bad + 3)) \
    "$(sp_psql -c 'select count(*) from statpipe.quarantine where src_topic is not null and src_partition is not null and src_offset is not null')"
check "offsets cover every message" "stats.miit.telecom|$n
stats.sample|28" "$(sp_psql -c "select topic, sum(next_offset) from statpipe.kafka_offset where consumer_group = 'e2e' group by 1 order by 1")"
check "partitions stored" 6 "$(sp_psql -c "select count(*) from statpipe.kafka_offset where consumer_group = 'e2e'")"
check "rows carry their source" 0 "$(sp_psql -c 'select count(*) from statpipe.observation where src_topic is null')"
check "6220.764 Gbps through Kafka" 6220764000000 \
    "$(sp_psql -c "select value from stats.observation_latest where indicator = 'INTL_BW' and time_period = '2015-S2'")"
# the generated values are exact: message i is (i*7919 mod 100000)/10 万户
check "a generated value" "$(( (1234 * 7919 % 100000) * 1000 ))" \
    "$(sp_psql -c "select value from statpipe.observation where message_id = 'gen-1234'")"

# Three connections, each loading its share of the six partitions: a new group reads both
# topics again from the start. Every id was seen, so nothing is added; every partition's
# offset is stored, and each connection committed batches.
STATPIPE_LOG_LEVEL=debug timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.miit.telecom \
    -t stats.sample -G e2e-lanes "${kopts[@]}" -e --batch-rows 200 --connections 3 \
    2>"$SP_TMP/run-lanes.log" || fail "run -e --connections 3 failed"
check "three connections: offsets cover every message" "stats.miit.telecom|$n
stats.sample|28" "$(sp_psql -c "select topic, sum(next_offset) from statpipe.kafka_offset where consumer_group = 'e2e-lanes' group by 1 order by 1")"
check "three connections: nothing loaded twice" $((n - bad + 25)) "$(sp_psql -c 'select count(*) from statpipe.observation')"
for lane in 0 1 2; do
    grep -q "event=commit lane=$lane " "$SP_TMP/run-lanes.log" || fail "connection $lane committed no batch"
done
echo "ok - each of three connections committed its partitions' batches"

# A second run resumes from the stored offsets: nothing is read again.
timeout 120 "$STATPIPE" run -b "$BROKERS" -t stats.miit.telecom -t stats.sample -G e2e \
    "${kopts[@]}" -e 2>"$SP_TMP/run2.log" || fail "second run failed"
grep -q "messages=0 " "$SP_TMP/run2.log" || fail "second run consumed messages again: $(grep event=stop "$SP_TMP/run2.log")"
check "observations unchanged" $((n - bad + 25)) "$(sp_psql -c 'select count(*) from statpipe.observation')"

# SIGTERM commits the batch in flight and exits 0.
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 500 0 term > "$SP_TMP/term.ndjson"
"$STATPIPE" run -b "$BROKERS" -t stats.miit.telecom -G e2e "${kopts[@]}" --linger-ms 600000 \
    --batch-rows 100000 2>"$SP_TMP/run3.log" &
pid=$!
SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
"$STATPIPE" produce -b "$BROKERS" -t stats.miit.telecom "$SP_TMP/term.ndjson" >/dev/null
for i in $(seq 1 200); do
    grep -q "event=assign" "$SP_TMP/run3.log" && break
    sleep 0.1
done
sleep 3
kill -TERM $pid
wait $pid || fail "SIGTERM exit code $?"
check "SIGTERM committed the batch in flight" 500 \
    "$(sp_psql -c "select count(*) from statpipe.message_seen where message_id like 'term-%'")"
# term-i repeats gen-i's series, period, release and value: a re-sent identical figure is
# no new vintage, so only the five whose gen twin was quarantined add rows.
check "identical re-sends add no vintage" 5 \
    "$(sp_psql -c "select count(*) from statpipe.observation where message_id like 'term-%'")"
check "offsets after SIGTERM" $((n + 500)) \
    "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'e2e' and topic = 'stats.miit.telecom'")"

# A config file instead of flags, with a flag overriding it.
cat > "$SP_TMP/statpipe.conf" <<CONF
# the daemon's settings
kafka.bootstrap.servers = $BROKERS
kafka.group.id = from-file
kafka.session.timeout.ms = 6000
topics = stats.sample
batch.rows = 10
CONF
timeout 120 "$STATPIPE" run -c "$SP_TMP/statpipe.conf" -G from-flag -e 2>"$SP_TMP/run4.log" \
    || fail "run -c failed"
check "flag overrides the file's group" "from-flag|28" \
    "$(sp_psql -c "select consumer_group, sum(next_offset) from statpipe.kafka_offset where consumer_group like 'from-%' group by 1")"
echo "bogus.key = 1" >> "$SP_TMP/statpipe.conf"
"$STATPIPE" run -c "$SP_TMP/statpipe.conf" -e 2>"$SP_TMP/bad-conf.log" && fail "bad config accepted"
grep -q "statpipe.conf:7: unknown key \"bogus.key\"" "$SP_TMP/bad-conf.log" \
    || fail "config error does not name file and line: $(cat "$SP_TMP/bad-conf.log")"
echo "ok - config errors name the file and line"

# produce exits non-zero when messages cannot be delivered.
rc=0
"$STATPIPE" produce -b 127.0.0.1:1 -t nowhere -X message.timeout.ms=1500 \
    "$SP_SOURCE_DIR/deploy/sample/feed.ndjson" >/dev/null 2>"$SP_TMP/produce-fail.log" || rc=$?
check "undeliverable produce exits 1" 1 "$rc"
grep -q "28 of 28 messages were not delivered" "$SP_TMP/produce-fail.log" \
    || fail "produce failure message: $(tail -n 2 "$SP_TMP/produce-fail.log")"

check "run without brokers is a usage error" 2 "$("$STATPIPE" run -t x 2>/dev/null; echo $?)"
echo "PASS test_kafka_e2e"
