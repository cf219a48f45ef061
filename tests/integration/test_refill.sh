#!/usr/bin/env bash
# test_refill.sh: the refill kick. With a prefetch queue far smaller than the backlog,
# librdkafka 2.0.2 stops fetching whenever the queue is full and looks again only a second
# later; the daemon seeks the partitions it drained back to their positions to wake it.
# Many such seeks (at least ten): every message still lands exactly once, none is read
# twice (a re-read would fail the batch's offset check and abandon it) and none is skipped.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 1 --topic stats.refill:8

# How often the queue runs dry between two fetches depends on the machine's timing (a CI
# machine once kicked 4 times in 20,000 messages where this one kicks 40), so the test
# publishes rounds of the same observations under new message ids, each consumed by a new
# `run -e` from the offsets the last one stored, until the kicks add up. Republished rows
# are identical vintages and add no row: the rows stay those of one round. Eight rounds
# at most keep each partition under the built-in cluster's 5 MB retention.
n=10000
bad=$((n / 50))
kicks=0
rounds=0
while [ "$kicks" -lt 10 ] && [ "$rounds" -lt 8 ]; do
    rounds=$((rounds + 1))
    GEN_EXPECTED="$SP_TMP/expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 50 \
        "refill$rounds" > "$SP_TMP/feed.ndjson"
    "$STATPIPE" produce -b "$BROKERS" -t stats.refill "$SP_TMP/feed.ndjson" >/dev/null
    STATPIPE_LOG_LEVEL=debug timeout 300 "$STATPIPE" run -b "$BROKERS" -t stats.refill -G refill \
        -X session.timeout.ms=6000 -X queued.max.messages.kbytes=64 -X fetch.max.bytes=65536 \
        -X message.max.bytes=65536 -X max.partition.fetch.bytes=16384 --batch-rows 200 -e \
        2>"$SP_TMP/run$rounds.log" \
        || fail "run $rounds failed: $(grep -m1 'level=err' "$SP_TMP/run$rounds.log")"
    k=$(grep -c "event=refill_kick" "$SP_TMP/run$rounds.log" || true)
    kicks=$((kicks + k))
    echo "round $rounds: $k refill kicks"
    abandoned=$(grep -c "event=batch_abandoned" "$SP_TMP/run$rounds.log" || true)
    check "round $rounds: batches abandoned (a message read twice)" 0 "$abandoned"
    check "round $rounds: offsets" $((rounds * n)) \
        "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'refill'")"
done
[ "$kicks" -ge 10 ] || fail "the daemon kicked the fetcher $kicks times in $rounds rounds (expected 10)"
echo "ok - $kicks refill kicks in $rounds rounds"
check_committed_once $((rounds * (n - bad))) $((rounds * bad))
check_rows "$SP_TMP/expected"
echo "PASS test_refill"
