#!/usr/bin/env bash
# latency.sh: latency from produce to commit at a paced 10,000 messages a second, with the
# daemon's default settings. Sourced by e2e.sh (and by `bench/run latency`) with the test
# helpers, PostgreSQL migrated and the built-in cluster started (topic "paced", 8
# partitions); sets p50 and p99 (milliseconds).
bench_dir="$SP_SOURCE_DIR/bench"
# Each message's Kafka timestamp (set by the producer when it sent it) against the first
# moment the daemon's committed offset of its partition, sampled every 20 ms, was past it.
# New figures, as in production: an empty table, and ids not seen before.
sp_psql -c "truncate statpipe.observation, statpipe.message_seen, statpipe.quarantine"
"$bench_dir/gen_bench.sh" 100000 | sed 's/"message_id":"b-/"message_id":"p-/' > "$SP_TMP/paced.ndjson"
"$STATPIPE" run -b "$BROKERS" -t paced -G paced ${PACED_ARGS:-} 2>"$SP_TMP/paced.log" &
daemon=$!
SP_PIDS+=($daemon)
for _ in $(seq 1 100); do grep -q event=assign "$SP_TMP/paced.log" && break; sleep 0.1; done
sleep 1
"$STATPIPE" produce -b "$BROKERS" -t paced --rate 10000 "$SP_TMP/paced.ndjson" >/dev/null &
producer=$!
: > "$SP_TMP/samples"
while :; do
    ms=$(date +%s%3N)
    sp_psql -F ' ' -c "select partition, next_offset from statpipe.kafka_offset where consumer_group = 'paced'" \
        | sed "s/^/$ms /" > "$SP_TMP/sample"
    cat "$SP_TMP/sample" >> "$SP_TMP/samples"
    [ "$(awk '{ s += $3 } END { print s + 0 }' "$SP_TMP/sample")" -ge 100000 ] && break
    sleep 0.02
done
wait $producer
kill -TERM $daemon; wait $daemon || true
kcat -C -b "$BROKERS" -t paced -o beginning -e -q -f '%p %o %T\n' > "$SP_TMP/sent"
# Samples in time order; for each partition, the messages in offset order.
sort -n -k1,1 "$SP_TMP/samples" > "$SP_TMP/samples.sorted"
awk 'NR == FNR { ts[$1, $2] = $3; if ($2 + 1 > cnt[$1]) cnt[$1] = $2 + 1; next }
     { p = $2; while (done[p] < $3 && done[p] < cnt[p]) { print $1 - ts[p, done[p]]; done[p]++ } }' \
    "$SP_TMP/sent" "$SP_TMP/samples.sorted" | sort -n > "$SP_TMP/latency"
m=$(wc -l < "$SP_TMP/latency")
check "every paced message's latency measured" 100000 "$m" >/dev/null
p50=$(sed -n "$(( (m + 1) / 2 ))p" "$SP_TMP/latency")
p99=$(sed -n "$(( (m * 99 + 99) / 100 ))p" "$SP_TMP/latency")
echo "p latency at 10,000 msg/s: p50 ${p50} ms, p99 ${p99} ms (produce to commit, $m messages)"
