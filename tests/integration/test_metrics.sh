#!/usr/bin/env bash
# test_metrics.sh: /metrics, /health and /ready during a run: the counters move as messages
# are loaded and quarantined, the lag falls to zero, readiness follows the assignment.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_kafka_start --brokers 1 --topic stats.metrics:3
port=$(sp_free_port)

http_get() { # path: prints "STATUS\nBODY"
    exec 5<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&5
    local out
    out=$(cat <&5)
    exec 5<&-
    printf '%s\n' "$out" | head -n 1 | cut -d' ' -f2
    printf '%s\n' "$out" | sed '1,/^\r$/d'
}
metric() { # name{labels}: its value from one scrape
    http_get /metrics | awk -v n="$1" '$1 == n {print $2}'
}
wait_metric() { # name value: until the metric has the value (commits lag consumption)
    for _ in $(seq 1 300); do [ "$(metric "$1")" = "$2" ] && return 0; sleep 0.1; done
}

"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 2000 20 a > "$SP_TMP/a.ndjson"
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 3000 20 b > "$SP_TMP/b.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.metrics "$SP_TMP/a.ndjson" >/dev/null
"$STATPIPE" run -b "$BROKERS" -t stats.metrics -G metrics -X session.timeout.ms=6000 \
    --metrics "127.0.0.1:$port" --batch-rows 200 2>"$SP_TMP/run.log" &
pid=$!
SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
for _ in $(seq 1 100); do http_get /health >/dev/null 2>&1 && break; sleep 0.1; done
check "/health" "200" "$(http_get /health | head -n 1)"
for _ in $(seq 1 300); do [ "$(metric statpipe_messages_consumed_total)" = 2000 ] && break; sleep 0.1; done
check "consumed after the first feed" 2000 "$(metric statpipe_messages_consumed_total)"
check "/ready once assigned and connected" "200" "$(http_get /ready | head -n 1)"
wait_metric 'statpipe_quarantined_total{reason="unknown_indicator"}' 100
wait_metric statpipe_rows_loaded_total 1900
check "quarantined by reason" 100 "$(metric 'statpipe_quarantined_total{reason="unknown_indicator"}')"
check "rows loaded" 1900 "$(metric statpipe_rows_loaded_total)"
check "postgres connected" 1 "$(metric statpipe_postgres_connected)"
for _ in $(seq 1 50); do
    [ "$(http_get /metrics | grep -c '^statpipe_consumer_lag{topic="stats.metrics",partition="[0-9]"} 0$')" = 3 ] && break
    sleep 0.1
done
check "lag per partition, caught up" 3 \
    "$(http_get /metrics | grep -c '^statpipe_consumer_lag{topic="stats.metrics",partition="[0-9]"} 0$')"
batches=$(metric statpipe_batch_messages_count)
[ "$batches" -ge 10 ] || fail "batch histogram count $batches"
check "commit histogram counts every batch" "$batches" "$(metric 'statpipe_commit_seconds_bucket{le="+Inf"}')"
# A first feed holds no figure twice: every batch is stored by COPY.
check "every batch of the first feed by COPY" "$(metric statpipe_batches_total)" \
    "$(metric statpipe_batches_copied_total)"

"$STATPIPE" produce -b "$BROKERS" -t stats.metrics "$SP_TMP/b.ndjson" >/dev/null
wait_metric statpipe_messages_consumed_total 5000
wait_metric 'statpipe_quarantined_total{reason="unknown_indicator"}' 250
check "the counters move with the second feed" "5000|250" \
    "$(metric statpipe_messages_consumed_total)|$(metric 'statpipe_quarantined_total{reason="unknown_indicator"}')"
# The second feed's first 2,000 messages repeat the first's figures (same series, period,
# release and value) under new ids: the slot index refuses their COPY, and those batches
# are merged (the repeats dropped as true duplicates), so fewer batches than all are by COPY.
wait_metric statpipe_rows_loaded_total 2850
check "the repeated figures add nothing: 1,900 + 950 new rows (3,000 - 2,000 repeated - 50 unknown)" \
    2850 "$(metric statpipe_rows_loaded_total)"
copied=$(metric statpipe_batches_copied_total) total=$(metric statpipe_batches_total)
[ "$copied" -lt "$total" ] || fail "the batches of repeated figures were counted as copied: $copied of $total"
echo "ok - batches by COPY after the repeated feed: $copied of $total"
check "unknown path" 404 "$(http_get /nope | head -n 1)"
kill -TERM $pid
wait $pid || fail "daemon exit $?"
echo "PASS test_metrics"
