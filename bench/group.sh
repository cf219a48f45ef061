#!/usr/bin/env bash
# group.sh N: one daemon against two daemons in one consumer group, on the same N messages
# (bench/gen_bench.sh), each time into emptied tables, side by side in one run: one, two,
# then one again (the machine's drift shows as the difference between the two ones).
# Sourced by bench/run with STATPIPE, SP_SOURCE_DIR and the test helpers (PostgreSQL
# started). Prints a line per run, then `group: one=R two=R two/one=R`.
n=${1:-300000}
partitions=$(( n / 2500 + 4 ))
sp_kafka_start --brokers 1 --topic "bench:$partitions"
feed="$SP_TMP/feed.ndjson"
"$SP_SOURCE_DIR/bench/gen_bench.sh" "$n" > "$feed"
"$STATPIPE" produce -b "$BROKERS" -t bench -X linger.ms=500 -X batch.num.messages=10000 \
    -X batch.size=262144 "$feed" >/dev/null
echo "messages: $n, partitions: $partitions"

# group_run MEMBERS GROUP: MEMBERS daemons of GROUP, each with its defaults, started at once
# and each run to the end (-e); prints the rate over the wall time until the last exits.
group_run() {
    local members=$1 group=$2 pids=() m t0 t rows quarantined
    sp_psql -c "truncate statpipe.observation, statpipe.message_seen, statpipe.quarantine,
                         statpipe.kafka_offset, statpipe.series cascade" >/dev/null 2>&1
    t0=$(date +%s.%N)
    for m in $(seq 1 "$members"); do
        "$STATPIPE" run -b "$BROKERS" -t bench -G "$group" -e -X session.timeout.ms=6000 \
            -X heartbeat.interval.ms=500 2>"$SP_TMP/$group-$m.log" &
        pids+=($!)
    done
    for m in "${pids[@]}"; do wait "$m" || fail "a member of $group failed"; done
    t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    rows=$(sp_psql -c 'select count(*) from statpipe.observation')
    quarantined=$(sp_psql -c 'select count(*) from statpipe.quarantine')
    check "$group: every message committed" "$n" \
        "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = '$group'")" >/dev/null
    check "$group: every message loaded or quarantined, once" "$n" "$((rows + quarantined))" >/dev/null
    check "$group: the kept values refreshed" 0 "$(sp_psql -c 'select count(*) from statpipe.kept_stale')" >/dev/null
    local batches
    batches=$(for m in $(seq 1 "$members"); do
        sed -n 's/.*event=stop .*batches=\([0-9]*\).*/\1/p' "$SP_TMP/$group-$m.log"; done | paste -sd/)
    awk -v n="$n" -v t="$t" -v m="$members" -v b="$batches" \
        'BEGIN { printf "%d daemon%s: %.0f msg/s (%.1f s; batches per member %s)\n", m, (m > 1 ? "s" : ""), n / t, t, b }'
    last_rate=$(awk -v n="$n" -v t="$t" 'BEGIN { printf "%.0f", n / t }')
}
group_run 1 one
one=$last_rate
group_run 2 two
two=$last_rate
group_run 1 again
again=$last_rate
awk -v o="$one" -v a="$again" -v t="$two" \
    'BEGIN { printf "group: one=%d two=%d one_again=%d two/one=%.2f\n", o, t, a, t / ((o + a) / 2) }'
