#!/usr/bin/env bash
# test_refill.sh: the refill kick. With a prefetch queue far smaller than the backlog,
# librdkafka 2.0.2 stops fetching whenever the queue is full and looks again only a second
# later; the daemon seeks the partitions it drained back to their positions to wake it.
# Hundreds of such seeks in one run: every message still lands exactly once, none is read
# twice (a re-read would fail the batch's offset check and abandon it) and none is skipped.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 1 --topic stats.refill:4

n=20000
GEN_EXPECTED="$SP_TMP/expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 50 refill \
    > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.refill "$SP_TMP/feed.ndjson" >/dev/null

STATPIPE_LOG_LEVEL=debug timeout 300 "$STATPIPE" run -b "$BROKERS" -t stats.refill -G refill \
    -X session.timeout.ms=6000 -X queued.max.messages.kbytes=64 -X fetch.max.bytes=65536 -X message.max.bytes=65536 \
    -X max.partition.fetch.bytes=16384 --batch-rows 200 -e 2>"$SP_TMP/run.log" \
    || fail "run failed: $(grep -m1 'level=err' "$SP_TMP/run.log")"
kicks=$(grep -c "event=refill_kick" "$SP_TMP/run.log" || true)
[ "$kicks" -ge 10 ] || fail "the daemon kicked the fetcher $kicks times (expected many)"
echo "ok - $kicks refill kicks"
abandoned=$(grep -c "event=batch_abandoned" "$SP_TMP/run.log" || true)
check "batches abandoned (a message read twice)" 0 "$abandoned"
bad=$((n / 50))
check_committed_once $((n - bad)) $bad
check_rows "$SP_TMP/expected"
check "offsets" $n "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'refill'")"
echo "PASS test_refill"
