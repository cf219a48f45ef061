#!/usr/bin/env bash
# latency.sh: latency from produce to commit at a paced 10,000 messages a second, with the
# daemon's default settings. Sourced by e2e.sh (and by `bench/run latency`) with the test
# helpers, PostgreSQL started and the built-in cluster started (topic "paced", 8
# partitions); sets p50 and p99 (milliseconds).
bench_dir="$SP_SOURCE_DIR/bench"
# Each message's Kafka timestamp (set by the producer when it sent it) against the first
# moment the daemon's committed offset of its partition, sampled every 20 ms on one
# connection (commit_watch.py), was past it.
# New figures, as in production: a database of its own, migrated and empty, and ids not
# seen before. Not the tables of bench/e2e.sh's other steps: each of those deletes a
# million rows, and the server's cleanup of them would be measured with the daemon.
sp_psql -c "set client_min_messages = warning" -c "drop database if exists paced" -c "create database paced" >/dev/null
outer_db=$PGDATABASE
export PGDATABASE=paced
"$STATPIPE" migrate -q
"$bench_dir/gen_bench.sh" 100000 | sed 's/"message_id":"b-/"message_id":"p-/' > "$SP_TMP/paced.ndjson"
"$STATPIPE" run -b "$BROKERS" -t paced -G paced ${PACED_ARGS:-} 2>"$SP_TMP/paced.log" &
daemon=$!
SP_PIDS+=($daemon)
for _ in $(seq 1 100); do grep -q event=assign "$SP_TMP/paced.log" && break; sleep 0.1; done
sleep 1
"$STATPIPE" produce -b "$BROKERS" -t paced --rate 10000 "$SP_TMP/paced.ndjson" >/dev/null &
producer=$!
/usr/bin/python3 "$bench_dir/commit_watch.py" paced 100000 > "$SP_TMP/samples"
wait $producer
kill -TERM $daemon; wait $daemon || true
kcat -C -b "$BROKERS" -t paced -o beginning -e -q -f '%p %o %T\n' > "$SP_TMP/sent"
# Samples in time order; for each partition, the messages in offset order.
sort -n -k1,1 "$SP_TMP/samples" > "$SP_TMP/samples.sorted"
awk 'NR == FNR { ts[$1, $2] = $3; if ($2 + 1 > cnt[$1]) cnt[$1] = $2 + 1; next }
     { p = $2; while (done[p] < $3 && done[p] < cnt[p]) { print $1 - ts[p, done[p]]; done[p]++ } }' \
    "$SP_TMP/sent" "$SP_TMP/samples.sorted" | sort -n > "$SP_TMP/latency"
export PGDATABASE=$outer_db
sp_psql -c "drop database paced" >/dev/null
m=$(wc -l < "$SP_TMP/latency")
check "every paced message's latency measured" 100000 "$m" >/dev/null
p50=$(sed -n "$(( (m + 1) / 2 ))p" "$SP_TMP/latency")
p99=$(sed -n "$(( (m * 99 + 99) / 100 ))p" "$SP_TMP/latency")
echo "p latency at 10,000 msg/s: p50 ${p50} ms, p99 ${p99} ms (produce to commit, $m messages)"
