#!/usr/bin/env bash
# test_kept_parts.sh: the kept values refreshed in parts side by side (migration 032). The
# kept years of an (indicator, area) depend only on each other; statpipe.kept_bucket puts
# every pair in one of 64 buckets, refresh_stale(max, part, parts) takes the marks of the
# buckets numbered part modulo parts, and refresh_kept locks the buckets it recomputes.
# Parts split the marks with none lost or taken twice; two parts never wait for each other;
# a refresh that shares a bucket with one in progress waits for it; a part that fails leaves
# its marks; `statpipe load` and `run -e` refresh in load.connections parts, and the kept
# tables are then what a recomputation from scratch gives.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_kafka_start --brokers 1 --topic parts:2

marks() { sp_psql -c "select count(*) from statpipe.kept_stale"; }
mark_all() {
    sp_psql -c "insert into statpipe.kept_stale (indicator, ref_area, year)
                select indicator, ref_area, year from statpipe.kept_year" >/dev/null
}
# The kept years whose pair's bucket is PART modulo PARTS, counted by the test itself.
years_of_part() { # part parts
    sp_psql -c "select count(*) from statpipe.kept_year
                 where (hashtext(indicator || ' ' || ref_area) & 63) % $2 = $1"
}

# The benchmark's shape: eight indicators in CN and 31 provinces (256 pairs), five
# senders, monthly, quarterly and half-yearly, newest periods first. The first 20,000
# messages by load, the next 20,000 (older periods, new figures) by the daemon.
"$SP_SOURCE_DIR/bench/gen_bench.sh" 40000 > "$SP_TMP/all.ndjson"
head -n 20000 "$SP_TMP/all.ndjson" > "$SP_TMP/first.ndjson"
tail -n 20000 "$SP_TMP/all.ndjson" > "$SP_TMP/second.ndjson"

# load refreshes at its end in load.connections parts (default 2).
"$STATPIPE" load "$SP_TMP/first.ndjson" >/dev/null 2>"$SP_TMP/load.log" || fail "load failed"
years=$(sp_psql -c "select count(*) from statpipe.kept_year")
[ "$years" -gt 100 ] || fail "load kept only $years years"
check "load refreshed every kept year in two parts" "years=$years parts=2" \
    "$(sed -n 's/.*event=kept_refresh \(years=[0-9]* parts=[0-9]*\).*/\1/p' "$SP_TMP/load.log")"
check "load leaves no kept year stale" 0 "$(marks)"
check "the kept tables are those recomputed from scratch" 0 "$(kept_vs_scratch)"
check "the pairs spread over the buckets: more than 32 of 64 used" t \
    "$(sp_psql -c "select count(distinct statpipe.kept_bucket(indicator, ref_area)) > 32 from statpipe.kept_year")"

# Three parts take every marked year once: part i the years of its buckets.
mark_all
sum=0
for i in 0 1 2; do
    want=$(years_of_part $i 3)
    [ "$want" -gt 0 ] || fail "part $i of 3 has no kept year"
    check "part $i of 3 takes the years of its buckets" "$want" \
        "$(sp_psql -c "select statpipe.refresh_stale(null, $i, 3)")"
    sum=$((sum + want))
done
check "the three parts together took every year once" "$years" "$sum"
check "no mark left after the three parts" 0 "$(marks)"

# Side by side. Part 0 of 2 held open in a transaction; part 1 of 2 runs meanwhile and does
# not wait (a lock wait would end it after 10 s with an error). A refresh of every bucket
# then takes a new mark of a part-0 pair and waits for part 0's bucket (1 s lock timeout).
# Part 0 is cancelled: its marks come back and the next refresh takes them.
mark_all
sp_psql -c "begin" -c "select statpipe.refresh_stale(null, 0, 2)" -c "select pg_sleep(120)" \
    -c "commit" >/dev/null 2>&1 &
held=$!
for i in $(seq 1 300); do
    [ "$(sp_psql -c "select count(*) from pg_stat_activity where query = 'select pg_sleep(120)'")" = 1 ] && break
    sleep 0.1
done
check "part 0 holds its transaction open" 1 \
    "$(sp_psql -c "select count(*) from pg_stat_activity where query = 'select pg_sleep(120)'")"
check "part 1 runs beside part 0 without waiting" "$(years_of_part 1 2)" \
    "$(sp_psql -c "set lock_timeout = '10s'" -c "select statpipe.refresh_stale(null, 1, 2)" | tail -n 1)"
sp_psql -c "insert into statpipe.kept_stale (indicator, ref_area, year)
            select indicator, ref_area, year from statpipe.kept_year
             where statpipe.kept_bucket(indicator, ref_area) % 2 = 0 limit 1" >/dev/null
out=$(sp_psql -c "set lock_timeout = '1s'" -c "select statpipe.refresh_stale()" 2>&1) &&
    fail "a refresh of part 0's bucket did not wait for part 0: $out"
case "$out" in
*"lock timeout"*) echo "ok - a refresh of a bucket part 0 holds waits for it" ;;
*) fail "the refresh of part 0's bucket failed otherwise: $out" ;;
esac
sp_psql -c "select pg_cancel_backend(pid) from pg_stat_activity where query = 'select pg_sleep(120)'" >/dev/null
wait $held && fail "the cancelled part 0 committed"
check "the cancelled part leaves its marks, and the waiting refresh its own" \
    "$(($(years_of_part 0 2) + 1))" "$(marks)"
check "the next refresh takes part 0's years" "$(years_of_part 0 2)" \
    "$(sp_psql -c "select statpipe.refresh_stale()")"
check "the kept tables after parts side by side are those recomputed from scratch" 0 \
    "$(kept_vs_scratch)"

# A part that is not one is refused with a clear error.
for args in "null, 2, 2" "null, 0, 0" "null, 0, 65" "null, -1, 2" "null, null, 2"; do
    out=$(sp_psql -c "select statpipe.refresh_stale($args)" 2>&1) && fail "refresh_stale($args) ran"
    case "$out" in
    *"is not a part: parts are 1 to 64, and part is 0 to parts - 1"*) echo "ok - refresh_stale($args) refused" ;;
    *) fail "refresh_stale($args): $out" ;;
    esac
done
check "a call with one argument takes every bucket" 0 "$(sp_psql -c "select statpipe.refresh_stale(5)")"

# run -e refreshes at its end in as many parts as it has connections.
"$STATPIPE" produce -b "$BROKERS" -t parts "$SP_TMP/second.ndjson" >/dev/null
STATPIPE_KEPT_REFRESH_MS=600000 timeout 120 "$STATPIPE" run -b "$BROKERS" -t parts -G parts \
    --connections 2 -e 2>"$SP_TMP/run.log" || fail "run -e failed"
check "run -e stored or quarantined every message of the second half" 20000 \
    "$(sp_psql -c "select (select count(*) from statpipe.observation where src_topic = 'parts')
                        + (select count(*) from statpipe.quarantine where src_topic = 'parts')")"
last=$(grep "event=kept_refresh " "$SP_TMP/run.log" | tail -n 1)
case "$last" in
*" parts=2 "*) echo "ok - run -e refreshed in two parts: ${last#*event=}" ;;
*) fail "run -e did not end with a refresh in two parts: [$last]" ;;
esac
check "run -e leaves no kept year stale" 0 "$(marks)"
check "the kept tables after run -e are those recomputed from scratch" 0 "$(kept_vs_scratch)"

# The upgrade to 032 of a database in use with stale kept years. The schema before it, as
# its migrations made it: refresh_kept as 017 wrote it and 026 edited it, refresh_stale as
# 029 wrote it, and no kept_bucket. Figures stored then (an observation inserted as a
# user's SQL would) are marked; the upgrade leaves the marks, and the refresh takes them.
sql="$SP_SOURCE_DIR/schemas/sql"
defs_now=$(sp_psql -c "select md5(pg_get_functiondef('statpipe.refresh_kept(text[], text[], int[])'::regprocedure))
                           || md5(pg_get_functiondef('statpipe.refresh_stale(int, int, int)'::regprocedure))")
{
    echo "drop function statpipe.refresh_stale(int, int, int);"
    echo "drop function statpipe.kept_bucket(text, text);"
    sed -n '/^CREATE OR REPLACE FUNCTION statpipe.refresh_kept/,/^\$\$;/p' "$sql/017_kept_growth.sql"
    sed -n "/^SELECT statpipe.redefine_function('statpipe.refresh_kept/,/]]);/p" "$sql/026_breakdown.sql"
    sed -n '/^CREATE FUNCTION statpipe.refresh_stale/,/^\$\$;/p' "$sql/029_kept_after_load.sql"
    echo "delete from statpipe.schema_migration where name = '032_kept_refresh_in_parts.sql';"
} > "$SP_TMP/031.sql"
sp_psql -1 -f "$SP_TMP/031.sql" >/dev/null || fail "could not rebuild the schema before 032"
check "before the upgrade, refresh_stale has one argument" "p_max_years integer DEFAULT NULL::integer" \
    "$(sp_psql -c "select pg_get_function_arguments(p.oid) from pg_proc p where p.proname = 'refresh_stale'")"
# Two figures of a year no kept value holds yet, for two pairs (FBB_USERS in Beijing and
# in Tianjin), in one storing statement: two marks.
sp_psql -c "insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
                value, unit, value_published, unit_published, obs_status, conf_status, message_id)
            select s.series_id, '1980', '1980-01-01', '1980-12-31', '1981-01-20', 100, 'N', '100', 'N',
                   'A', 'F', 'before-032-' || s.ref_area
              from statpipe.series s
             where s.sender = 'MIIT' and s.indicator = 'FBB_USERS' and s.freq = 'M'
               and s.ref_area in ('110000', '120000')" >/dev/null
check "the figures stored before the upgrade are marked" 2 "$(marks)"
check "the upgrade applies 032" "applied migration 032_kept_refresh_in_parts.sql" \
    "$("$STATPIPE" migrate | grep '^applied migration')"
check "it makes the functions a fresh database has" "$defs_now" \
    "$(sp_psql -c "select md5(pg_get_functiondef('statpipe.refresh_kept(text[], text[], int[])'::regprocedure))
                       || md5(pg_get_functiondef('statpipe.refresh_stale(int, int, int)'::regprocedure))")"
check "the marks stay through the upgrade" 2 "$(marks)"
check "the refresh after it takes both years" 2 "$(sp_psql -c "select statpipe.refresh_stale()")"
check "the kept tables after the upgrade are those recomputed from scratch" 0 "$(kept_vs_scratch)"
echo "ok - test_kept_parts"
