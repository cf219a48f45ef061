#!/usr/bin/env bash
# test_load_file.sh: `statpipe load` of the bundled sample feed: exact canonical values,
# quarantine with reasons and line numbers, and a second load that adds nothing.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
feed="$SP_SOURCE_DIR/deploy/sample/feed.ndjson"

out=$("$STATPIPE" load "$feed" 2>"$SP_TMP/load.log")
check "load summary" "loaded 28 messages: 25 observations staged, 25 new vintages, 3 quarantined" "$out"
check "6220.764 Gbps is exactly 6220764000000 bit/s" "6220764000000|bps|6220.764|Gbps" \
    "$(sp_psql -c "select value, unit, value_published, unit_published from stats.observation_latest
                   where indicator = 'INTL_BW' and time_period = '2015-S2'")"
check "0.1 万亿元 is exactly 100000000000 CNY" "100000000000" \
    "$(sp_psql -c "select value from stats.observation_latest where indicator = 'INFO_CONS' and time_period = '2023'")"
check "58965-style 万户 scaling" "636310000" \
    "$(sp_psql -c "select value from stats.observation_latest where indicator = 'FBB_USERS' and ref_area = 'CN' and time_period = '2023-12'")"
check "JSON number 77.5 stays exact" "77.5" \
    "$(sp_psql -c "select value from stats.observation_latest where indicator = 'NET_PEN'")"
check "alias 5G用户 maps to USERS_5G" 3 \
    "$(sp_psql -c "select count(*) from stats.observation_latest where indicator = 'USERS_5G'")"
check "the later release is the latest" "8312500000000|2023-09-15 02:00:00+00" \
    "$(sp_psql -c "set timezone = 'UTC'; select value, release from stats.observation_latest where indicator = 'ONLINE_RETAIL' and time_period = '2023-07'")"
check "both vintages of July are kept" 2 \
    "$(sp_psql -c "select count(*) from statpipe.observation o join statpipe.series s using (series_id) where s.indicator = 'ONLINE_RETAIL' and o.time_period = '2023-07'")"
check "latest has one row per series and period" 24 "$(sp_psql -c 'select count(*) from stats.observation_latest')"
check "quarantine reasons with lines" "unknown_indicator|26
unit_mismatch|27
malformed_json|28" "$(sp_psql -c 'select reason, src_line from statpipe.quarantine order by src_line')"
check "quarantine keeps the raw bytes" "$(sed -n 28p "$feed")" \
    "$(sp_psql -c "select convert_from(payload, 'UTF8') from statpipe.quarantine where src_line = 28")"

out=$("$STATPIPE" load "$feed" 2>/dev/null)
check "second load adds nothing" "loaded 28 messages: 25 observations staged, 0 new vintages, 3 quarantined" "$out"
check "no vintage twice" 25 "$(sp_psql -c 'select count(*) from statpipe.observation')"
check "quarantine holds each bad message once" 3 "$(sp_psql -c 'select count(*) from statpipe.quarantine')"

# Standard input, CRLF line ends and blank lines.
printf '%s\r\n\r\n' "$("$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 5 0 crlf)" | sed 's/}$/}\r/' \
    | "$STATPIPE" load - >/dev/null 2>&1
check "CRLF lines from stdin load" 5 \
    "$(sp_psql -c "select count(*) from statpipe.observation where message_id like 'crlf-%'")"

# One id twice in a batch: the first counts, the repeat is a no-op, as in later batches.
# An envelope rejected after its first entry was staged takes that entry's id back with
# it: a later message with that id loads.
obs='"indicator":"FBB_USERS","ref_area":"CN","freq":"M","time_period":"2020-01","unit":"万户"'
cat > "$SP_TMP/repeats.ndjson" <<EOF
{"schema":"statpipe.observation/1","message_id":"rep-1","sender":"MIIT","release":"2020-02-20T09:30:00+08:00",$obs,"value":"100"}
{"schema":"statpipe.observation/1","message_id":"rep-1","sender":"MIIT","release":"2020-03-20T09:30:00+08:00",$obs,"value":"200"}
{"schema":"statpipe.observation/1","message_id":"rep-env","sender":"MIIT","release":"2020-04-20T09:30:00+08:00","observations":[{$obs,"value":"300"},{"indicator":"NOT_IN_CATALOGUE","ref_area":"CN","freq":"M","time_period":"2020-01","unit":"万户","value":"1"}]}
{"schema":"statpipe.observation/1","message_id":"rep-env#0","sender":"MIIT","release":"2020-05-20T09:30:00+08:00",$obs,"value":"400"}
EOF
out=$("$STATPIPE" load "$SP_TMP/repeats.ndjson" 2>"$SP_TMP/repeats.log")
check "repeats: summary" "loaded 4 messages: 2 observations staged, 2 new vintages, 1 quarantined" "$out"
check "repeats: the first of an id counts, the rejected envelope's entry id is free again" \
    "rep-1|1000000
rep-env#0|4000000" "$(sp_psql -c "select message_id, value from statpipe.observation
                                  where message_id like 'rep-%' order by release")"

# Two loads of one file at once: their transactions race to record the same message ids.
# The loser of a race runs its batch again and finds the ids seen: each id loads once.
# A database of its own: the feeds above hold vintages identical to some of these.
sp_psql -c "create database race" >/dev/null
export PGDATABASE=race
"$STATPIPE" migrate -q
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 30000 0 race > "$SP_TMP/race.ndjson"
"$STATPIPE" load --batch-rows 500 "$SP_TMP/race.ndjson" >"$SP_TMP/race1.out" 2>"$SP_TMP/race1.log" &
p1=$!
"$STATPIPE" load --batch-rows 500 "$SP_TMP/race.ndjson" >"$SP_TMP/race2.out" 2>"$SP_TMP/race2.log" &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
check "race: both loads succeed" "0 0" "$rc1 $rc2"
check "race: every id once" "30000|30000" \
    "$(sp_psql -c "select count(*), count(distinct message_id) from statpipe.observation where message_id like 'race-%'")"
check "race: every id recorded once" 30000 \
    "$(sp_psql -c "select count(*) from statpipe.message_seen where message_id like 'race-%'")"
echo "race: $(cat "$SP_TMP/race1.log" "$SP_TMP/race2.log" | grep -c event=batch_rerun) batch reruns"
# Once more: every batch is one the lean merge takes (no (series, period) twice), and
# every id is seen. The lean merge meets them, the batch is merged again checked, and the
# load goes on checked for a while before it tries lean again.
out=$(STATPIPE_LOG_LEVEL=debug "$STATPIPE" load --batch-rows 500 "$SP_TMP/race.ndjson" 2>"$SP_TMP/race3.log")
check "replay: nothing new" "loaded 30000 messages: 30000 observations staged, 0 new vintages, 0 quarantined" "$out"
reruns=$(grep -c 'event=batch_rerun reason="a message id was seen before"' "$SP_TMP/race3.log")
# 60 batches: lean, then 16 checked, and again: 4 lean tries.
check "replay: lean tries that met seen ids" 4 "$reruns"
export PGDATABASE=postgres

check "a missing file is a usage error (exit 2), as for check" 2 "$("$STATPIPE" load /nonexistent.ndjson >/dev/null 2>&1; echo $?)"
check "no files is a usage error" 2 "$("$STATPIPE" load >/dev/null 2>&1; echo $?)"
echo "PASS test_load_file"
