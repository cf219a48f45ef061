#!/usr/bin/env bash
# test_check.sh: `statpipe check` gives a verdict per line in input order, the same from the
# database's catalogue and from the seed files, and exits 1 when any line is rejected.
source "$(dirname "$0")/lib.sh"
data="$SP_SOURCE_DIR/tests/data"
cat_dir="$SP_SOURCE_DIR/schemas/catalogue"

# Without a database, from the seed files.
cat "$data"/invalid/*.ndjson "$data"/valid/messages.ndjson > "$SP_TMP/all.ndjson"
echo 'message.max.bytes = 4096' > "$SP_TMP/check.conf"
rc=0
"$STATPIPE" check -c "$SP_TMP/check.conf" --catalogue "$cat_dir" --format json "$SP_TMP/all.ndjson" \
    > "$SP_TMP/files.json" || rc=$?
check "rejected lines make check exit 1" 1 "$rc"
lines=$(grep -c . "$SP_TMP/all.ndjson")
check "one verdict per line" "$lines" "$(wc -l < "$SP_TMP/files.json")"
check "verdicts in input order" "$(seq 1 "$lines" | tr '\n' ' ')" \
    "$(grep -o '"line":[0-9]*' "$SP_TMP/files.json" | cut -d: -f2 | tr '\n' ' ')"
n=0
for f in "$data"/invalid/*.ndjson; do
    reason=$(basename "$f" .ndjson)
    want=$(grep -c . "$f")
    got=$(grep -c "\"status\":\"rejected\",\"reason\":\"$reason\"" "$SP_TMP/files.json")
    [ "$got" = "$want" ] || fail "check: $reason: want $want, got $got"
    n=$((n + want))
done
echo "ok - each corpus line rejected with its reason ($n lines)"
check "valid lines ok" "$(grep -c . "$data/valid/messages.ndjson")" "$(grep -c '"status":"ok"' "$SP_TMP/files.json")"
grep -q '"message_id":"invalid-unknown_area-' "$SP_TMP/files.json" || fail "message_id missing from verdicts"
check "valid file exits 0" 0 "$("$STATPIPE" check --catalogue "$cat_dir" "$data/valid/messages.ndjson" >/dev/null 2>&1; echo $?)"
"$STATPIPE" check --catalogue "$cat_dir" "$data/invalid/bad_freq.ndjson" > "$SP_TMP/text.out" 2>/dev/null || true
grep -q "bad_freq.ndjson:1: rejected bad_freq: freq \"W\" is not one of A, S, Q, M in invalid-bad_freq-" "$SP_TMP/text.out" \
    || fail "text verdict: $(head -n 1 "$SP_TMP/text.out")"
echo "ok - text verdicts"

# With the database's catalogue: the same verdicts.
sp_pg_start
"$STATPIPE" migrate -q
"$STATPIPE" check -c "$SP_TMP/check.conf" --format json "$SP_TMP/all.ndjson" > "$SP_TMP/db.json" || true
check "database and seed files agree" "$(md5sum < "$SP_TMP/files.json")" "$(md5sum < "$SP_TMP/db.json")"
check "check loads nothing" 0 "$(sp_psql -c 'select count(*) from statpipe.observation')"

# A message id and a detail that carry terminal escapes (clear screen, a forged line) are
# printed escaped, by check and by quarantine list.
printf '%s\n' '{"schema":"statpipe.observation/1","message_id":"evil\u001b[2J\r\nforged: ok","sender":"NBS","indicator":"NOPE\u001b[31m"}' \
    > "$SP_TMP/escape.ndjson"
"$STATPIPE" check -c "$SP_TMP/check.conf" "$SP_TMP/escape.ndjson" > "$SP_TMP/escape.out" 2>/dev/null || true
check "check: no control character reaches the terminal" 0 "$(tr -d '\n' < "$SP_TMP/escape.out" | LC_ALL=C grep -c '[[:cntrl:]]' || true)"
grep -qF 'in evil\x1b[2J\x0d\x0aforged: ok' "$SP_TMP/escape.out" || fail "check: the id is not shown escaped: $(cat -v "$SP_TMP/escape.out")"
"$STATPIPE" load "$SP_TMP/escape.ndjson" >/dev/null 2>&1 || true
"$STATPIPE" quarantine list > "$SP_TMP/qlist.out" 2>/dev/null
check "quarantine list: no control character reaches the terminal" 0 "$(tr -d '\n' < "$SP_TMP/qlist.out" | LC_ALL=C grep -c '[[:cntrl:]]' || true)"
grep -qF 'evil\x1b[2J\x0d\x0aforged: ok' "$SP_TMP/qlist.out" || fail "quarantine list: the id is not shown escaped: $(cat -v "$SP_TMP/qlist.out")"
echo "ok - text output escapes what messages say"

check "bad --format" 2 "$("$STATPIPE" check --format xml x 2>/dev/null; echo $?)"
check "missing catalogue dir" 2 "$("$STATPIPE" check --catalogue /nonexistent "$SP_TMP/all.ndjson" 2>/dev/null; echo $?)"
echo "PASS test_check"
