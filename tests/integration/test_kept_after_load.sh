#!/usr/bin/env bash
# test_kept_after_load.sh: the kept values are refreshed after loading, not in the loading
# transaction (migration 029), and no reader can tell: while kept years are marked stale
# every view gives the hand-worked oracle's answers and the same rows as after the refresh.
# A mark is never lost to a refresh that did not see its data; the daemon refreshes in the
# background and when it runs to the end; load refreshes at its end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oracle.sh"
sp_pg_start
"$STATPIPE" migrate -q
oracle_targets >/dev/null
sp_kafka_start --brokers 1 --topic kept:2
kopts=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)

marks() { sp_psql -c "select count(*) from statpipe.kept_stale"; }
# The oracle in two halves: the first by load, which refreshes at its end.
oracle_lines > "$SP_TMP/all.txt"
half=$(( $(wc -l < "$SP_TMP/all.txt") / 2 ))
head -n "$half" "$SP_TMP/all.txt" | oracle_ndjson > "$SP_TMP/first.ndjson"
tail -n +"$((half + 1))" "$SP_TMP/all.txt" | oracle_ndjson > "$SP_TMP/second.ndjson"
"$STATPIPE" load "$SP_TMP/first.ndjson" >/dev/null 2>&1 || fail "load failed"
check "load leaves no kept year stale" 0 "$(marks)"
[ "$(sp_psql -c "select count(*) from statpipe.kept_year")" -gt 0 ] || fail "load refreshed no kept year"

# The second half through a daemon that refreshes at most every ten minutes: its start
# refreshes (nothing is stale), its batches only mark, and SIGTERM leaves the marks.
"$STATPIPE" produce -b "$BROKERS" -t kept "$SP_TMP/second.ndjson" >/dev/null
STATPIPE_KEPT_REFRESH_MS=600000 "$STATPIPE" run -b "$BROKERS" -t kept -G kept "${kopts[@]}" \
    2>"$SP_TMP/run1.log" &
pid=$!
SP_PIDS+=($pid)
n_second=$(wc -l < "$SP_TMP/second.ndjson")
for i in $(seq 1 300); do
    [ "$(sp_psql -c "select coalesce(sum(next_offset), 0) from statpipe.kafka_offset where consumer_group = 'kept'")" = "$n_second" ] && break
    sleep 0.1
done
kill -TERM $pid
wait $pid || fail "the daemon's SIGTERM exit code was $?"
check "the daemon committed the second half" "$n_second" \
    "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'kept'")"
stale=$(sp_psql -c "select count(*) from (select distinct indicator, ref_area, year from statpipe.kept_stale) d")
[ "$stale" -gt 0 ] || fail "the daemon's batches marked no kept year"
echo "ok - $stale kept years stale after the stop"
# The kept tables really lack what the second half stored: the views must compute it.
# (Current vintages an internal reader has, against the kept latest observations.)
kept_behind() {
    sp_psql -c "select (select count(*) from statpipe.vintage v
                         where v.valid_to is null and not v.is_deleted and v.audience in ('A', 'I'))
                     - (select count(*) from statpipe.observation_latest_kept)"
}
behind=$(kept_behind)
[ "$behind" -gt 0 ] || fail "the kept tables already hold the second half ($behind)"
echo "ok - the kept tables lack $behind current observations the views show"

oracle_check > "$SP_TMP/oracle-stale.log" \
    || fail "with stale kept years the oracle does not hold: $(grep FAIL "$SP_TMP/oracle-stale.log" | head -n 3)"
echo "ok - with stale kept years: $(tail -n 1 "$SP_TMP/oracle-stale.log")"
stale_fp=$(oracle_fingerprint)

# The refresh: every mark taken, every view unchanged, the kept tables as from scratch.
# In two parts, as the daemon's keeper refreshes: at most five years, every mark of each
# taken; then the rest.
check "a refresh of at most five years takes five" 5 "$(sp_psql -c "select statpipe.refresh_stale(5)")"
check "and leaves the other years marked" "$((stale - 5))" \
    "$(sp_psql -c "select count(*) from (select distinct indicator, ref_area, year from statpipe.kept_stale) d")"
check "the refresh recomputes every other stale year" "$((stale - 5))" "$(sp_psql -c "select statpipe.refresh_stale()")"
check "no mark left" 0 "$(marks)"
check "the kept tables hold every current observation" 0 "$(kept_behind)"
check "every view the same before and after the refresh" "$stale_fp" "$(oracle_fingerprint)"
check "the refreshed kept tables are those recomputed from scratch" 0 "$(kept_vs_scratch)"
check "a second refresh finds nothing" 0 "$(sp_psql -c "select statpipe.refresh_stale()")"

# A storing transaction still open while a refresh runs: the refresh cannot see its
# figure, so its mark must outlive the refresh.
sp_psql -c "insert into statpipe.series (sender, indicator, ref_area, freq, calc_basis)
            values ('MIIT', 'FBB_USERS', '110000', 'A', 'PER')" >/dev/null
insert_sql() { # value year
    echo "insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
              value, unit, value_published, unit_published, obs_status, conf_status, message_id)
          select series_id, '$2', '$2-01-01', '$2-12-31', '$(($2 + 1))-01-20', $1, 'N', '$1', '万户', 'A', 'F', 'late-$2'
            from statpipe.series where sender = 'MIIT' and indicator = 'FBB_USERS' and ref_area = '110000'"
}
beijing() { # year
    sp_psql -c "select trim_scale(value) from stats.annual_value where indicator = 'FBB_USERS' and ref_area = '110000' and year = $1"
}
sp_psql -c "begin" -c "$(insert_sql 700 1991)" -c "select pg_sleep(3)" -c "commit" >/dev/null &
tx=$!
sleep 1
sp_psql -c "select statpipe.refresh_stale()" >/dev/null || fail "the refresh failed"
wait $tx || fail "the storing transaction failed"
check "a mark committed after the refresh began outlives it" 1 "$(marks)"
check "its figure is seen meanwhile" 700 "$(beijing 1991)"
# The other way round: a refresh still open when a storing transaction commits.
sp_psql -c "select statpipe.refresh_stale()" >/dev/null
sp_psql -c "begin" -c "select statpipe.refresh_stale()" -c "select pg_sleep(3)" -c "commit" >/dev/null &
tx=$!
sleep 1
sp_psql -c "$(insert_sql 800 1992)" >/dev/null
wait $tx || fail "the refresh failed"
check "a mark committed while a refresh was open outlives it" 1 "$(marks)"
check "its figure is seen meanwhile" 800 "$(beijing 1992)"
sp_psql -c "select statpipe.refresh_stale()" >/dev/null
check "after the refresh both figures are kept" "700 800" \
    "$(sp_psql -c "select string_agg(trim_scale(value)::text, ' ' order by time_period) from statpipe.observation_latest_kept where ref_area = '110000' and time_period in ('1991', '1992')")"

# The daemon's keeper refreshes in the background while it runs.
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 400 0 keep > "$SP_TMP/third.ndjson"
STATPIPE_KEPT_REFRESH_MS=100 STATPIPE_LOG_LEVEL=debug "$STATPIPE" run -b "$BROKERS" -t kept \
    -G kept "${kopts[@]}" 2>"$SP_TMP/run2.log" &
pid=$!
SP_PIDS+=($pid)
"$STATPIPE" produce -b "$BROKERS" -t kept "$SP_TMP/third.ndjson" >/dev/null
for i in $(seq 1 300); do
    [ "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'kept'")" = "$((n_second + 400))" ] &&
        [ "$(marks)" = 0 ] && break
    sleep 0.1
done
check "the running daemon refreshed what it stored" 0 "$(marks)"
grep -q "event=kept_refresh " "$SP_TMP/run2.log" || fail "the daemon logged no refresh"
kill -TERM $pid
wait $pid || fail "the daemon's SIGTERM exit code was $?"
check "the views hold the third feed" 400 \
    "$(sp_psql -c "select count(*) from statpipe.observation where message_id like 'keep-%'")"
check "the kept tables are those recomputed from scratch" 0 "$(kept_vs_scratch)"

# run -e refreshes before it exits, whatever its interval.
# Months after the third feed's, so that each is a new figure.
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 700 0 end | tail -n 300 > "$SP_TMP/fourth.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t kept "$SP_TMP/fourth.ndjson" >/dev/null
STATPIPE_KEPT_REFRESH_MS=600000 timeout 120 "$STATPIPE" run -b "$BROKERS" -t kept -G kept \
    "${kopts[@]}" -e 2>"$SP_TMP/run3.log" || fail "run -e failed"
check "run -e stored the fourth feed" 300 \
    "$(sp_psql -c "select count(*) from statpipe.observation where message_id like 'end-%'")"
check "run -e leaves no kept year stale" 0 "$(marks)"
echo "ok - test_kept_after_load"
