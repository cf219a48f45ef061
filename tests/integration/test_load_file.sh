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

check "missing file exits 3" 3 "$("$STATPIPE" load /nonexistent.ndjson >/dev/null 2>&1; echo $?)"
check "no files is a usage error" 2 "$("$STATPIPE" load >/dev/null 2>&1; echo $?)"
echo "PASS test_load_file"
