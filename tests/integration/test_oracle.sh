#!/usr/bin/env bash
# test_oracle.sh: every stats view against tests/data/oracle/expected.txt, numbers worked
# out by hand from tests/data/oracle/observations.txt, compared exactly (numeric).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oracle.sh"
sp_pg_start
"$STATPIPE" migrate -q
oracle_targets >/dev/null
oracle_lines | oracle_ndjson > "$SP_TMP/oracle.ndjson"
"$STATPIPE" load "$SP_TMP/oracle.ndjson" >"$SP_TMP/load.log" 2>&1 || true
# 95 messages: the 2 of set H (a ratio sent YTD) are quarantined, 93 stored (every release).
check "loaded and quarantined" "93|2" \
    "$(sp_psql -c "select (select count(*) from statpipe.observation), (select count(*) from statpipe.quarantine)")"
oracle_check

# The report's provinces ranking holds the provinces of the national total only: Hong
# Kong's 95 % is not ranked first.
"$STATPIPE" report --format html --out "$SP_TMP/report.html"
ranking=$(sed -n '/<h2 id="provinces">/,$p' "$SP_TMP/report.html")
grep -q "Beijing" <<<"$ranking" || fail "Beijing is not in the ranking"
if grep -q "Hong Kong" <<<"$ranking"; then fail "Hong Kong is ranked among the provinces"; fi
echo "ok - the ranking leaves out areas outside the national total"
echo "PASS test_oracle"
