#!/usr/bin/env bash
# test_quarantine.sh: the invalid corpus (one file per reason code) and the valid messages,
# interleaved through Kafka: each bad message lands in quarantine with its reason while the
# good ones around it load; then a catalogue fix, picked up by the running daemon, and a
# replay that takes the fixed messages out of quarantine exactly once.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_kafka_start --brokers 1 --topic stats.corpus:3 --topic stats.live:1
data="$SP_SOURCE_DIR/tests/data"

# Interleave: a valid message after every invalid one.
valid=()
mapfile -t valid < "$data/valid/messages.ndjson"
: > "$SP_TMP/mixed.ndjson"
i=0
expected_bad=0
for f in "$data"/invalid/*.ndjson; do
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$line" ] || continue
        printf '%s\n' "$line" >> "$SP_TMP/mixed.ndjson"
        printf '%s\n' "${valid[$((i % ${#valid[@]}))]}" >> "$SP_TMP/mixed.ndjson"
        i=$((i + 1))
        expected_bad=$((expected_bad + 1))
    done < "$f"
done
"$STATPIPE" produce -b "$BROKERS" -t stats.corpus "$SP_TMP/mixed.ndjson" >/dev/null

cat > "$SP_TMP/run.conf" <<CONF
kafka.bootstrap.servers = $BROKERS
kafka.session.timeout.ms = 6000
message.max.bytes = 4096
CONF
timeout 120 "$STATPIPE" run -c "$SP_TMP/run.conf" -t stats.corpus -G corpus -e \
    2>"$SP_TMP/run.log" || fail "run failed"

check "every bad message quarantined" "$expected_bad" "$(sp_psql -c 'select count(*) from statpipe.quarantine')"
for f in "$data"/invalid/*.ndjson; do
    reason=$(basename "$f" .ndjson)
    want=$(grep -c . "$f")
    check "quarantined as $reason" "$want" \
        "$(sp_psql -c "select count(*) from statpipe.quarantine where reason = '$reason'")"
done
check "every reason code of the contract is covered (18 and the extensions bad_code, envelope_conflict, bad_basis, unknown_breakdown)" 22 "$(ls "$data"/invalid/*.ndjson | wc -l)"
check "quarantine keeps non-UTF-8 bytes exactly" 1 \
    "$(sp_psql -c "select count(*) from statpipe.quarantine where reason = 'invalid_utf8' and position('\\xfffe'::bytea in payload) > 0")"
check "details say what to fix" 0 "$(sp_psql -c "select count(*) from statpipe.quarantine where coalesce(detail, '') = ''")"
# valid messages: 7 observations and 2 + 1 + 3 envelope entries, each re-sent many times
# (no-ops); valid-env-2's entry repeats valid-env-1#0 exactly (same release and value), and
# valid-env-3's urban entry repeats valid-7: no new vintage. 7 + 6 - 2 = 11; valid-env-3's
# total, urban and rural entries of one period are three series.
check "valid messages loaded once each" 11 "$(sp_psql -c 'select count(*) from statpipe.observation')"
# Every id is recorded, a repeat's too: 7 observations, valid-env-1#0 and #1, own-id, and
# valid-env-3#0, #1 and #2: 7 + 2 + 1 + 3 = 13.
check "message ids recorded" 13 "$(sp_psql -c "select count(*) from statpipe.message_seen where message_id like 'valid-%' or message_id = 'own-id'")"
check "a correction under the same release is kept, later wins" "636310000 636315000|O" \
    "$(sp_psql -c "select string_agg(value::text, ' ' order by obs_id) from statpipe.observation where message_id in ('valid-1', 'valid-2')")|$(sp_psql -c "select obs_status from stats.observation_latest where indicator = 'FBB_USERS' and time_period = '2023-12'")"
check "envelope entries share the envelope's release" 1 \
    "$(sp_psql -c "select count(distinct release) from statpipe.observation where message_id like 'valid-env-1#%'")"
check "envelope entry ids" "valid-env-1#0
valid-env-1#1" "$(sp_psql -c "select message_id from statpipe.message_seen where message_id like 'valid-env-1#%' order by 1")"
check "action delete withdraws the period" 0 \
    "$(sp_psql -c "select count(*) from stats.observation_latest where indicator = 'FBB_USERS' and time_period = '2023-10'")"
check "missing value is NULL with its status" "|O" \
    "$(sp_psql -c "select value, obs_status from statpipe.observation where message_id = 'valid-4'")"

# quarantine list, as text and JSON
"$STATPIPE" quarantine list --reason unknown_area > "$SP_TMP/list.txt" 2>/dev/null
check "list filters by reason" 2 "$(grep -c unknown_area "$SP_TMP/list.txt")"
"$STATPIPE" quarantine list --format json --limit 1000 > "$SP_TMP/list.json" 2>/dev/null
check "list as JSON" "$expected_bad" "$(grep -c '"reason":' "$SP_TMP/list.json")"
grep -q '"source":"stats.corpus/' "$SP_TMP/list.json" || fail "list does not show topic/partition@offset"

# A running daemon picks up a catalogue change without a restart and loses nothing.
"$STATPIPE" run -b "$BROKERS" -t stats.live -G live -X session.timeout.ms=6000 --linger-ms 100 \
    2>"$SP_TMP/live.log" &
live=$!
SP_PIDS+=($live)
newmsg() {
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"MIIT","indicator":"宽带新口径","ref_area":"CN","freq":"M","time_period":"%s","value":"1","unit":"万户","release":"2024-02-01T00:00:00Z"}\n' "$1" "$2"
}
newmsg live-1 2023-01 | "$STATPIPE" produce -b "$BROKERS" -t stats.live - >/dev/null
for _ in $(seq 1 300); do
    [ "$(sp_psql -c "select count(*) from statpipe.quarantine where message_id = 'live-1'")" = 1 ] && break
    sleep 0.1
done
check "unknown name quarantined" unknown_indicator "$(sp_psql -c "select reason from statpipe.quarantine where message_id = 'live-1'")"
loads=$(grep -c event=catalogue_loaded "$SP_TMP/live.log")
sp_psql -c "insert into statpipe.indicator_alias (alias, sender, indicator) values ('宽带新口径', 'MIIT', 'FBB_USERS')"
for _ in $(seq 1 100); do
    [ "$(grep -c event=catalogue_loaded "$SP_TMP/live.log")" -gt "$loads" ] && break
    sleep 0.1
done
[ "$(grep -c event=catalogue_loaded "$SP_TMP/live.log")" -gt "$loads" ] || fail "daemon did not reload the catalogue"
echo "ok - daemon reloaded the catalogue on change"
newmsg live-2 2023-02 | "$STATPIPE" produce -b "$BROKERS" -t stats.live - >/dev/null
for _ in $(seq 1 300); do
    [ "$(sp_psql -c "select count(*) from statpipe.observation where message_id = 'live-2'")" = 1 ] && break
    sleep 0.1
done
check "new name loads after the change" 1 "$(sp_psql -c "select count(*) from statpipe.observation where message_id = 'live-2'")"
loads=$(grep -c event=catalogue_loaded "$SP_TMP/live.log")
kill -HUP $live
for _ in $(seq 1 100); do
    [ "$(grep -c event=catalogue_loaded "$SP_TMP/live.log")" -gt "$loads" ] && break
    sleep 0.1
done
[ "$(grep -c event=catalogue_loaded "$SP_TMP/live.log")" -gt "$loads" ] || fail "SIGHUP did not reload"
kill -0 $live || fail "daemon died on SIGHUP"
echo "ok - SIGHUP reloads the catalogue"
kill -TERM $live
wait $live || fail "daemon exit code $?"

# Replay: the fixed message loads and leaves quarantine, once; the rest stay.
rc=0
"$STATPIPE" quarantine replay > "$SP_TMP/replay.txt" 2>&1 || rc=$?
check "replay exits 1 while some stay rejected" 1 "$rc"
grep -q "replayed $((expected_bad + 1)) messages: 1 loaded and left quarantine, $expected_bad still rejected" "$SP_TMP/replay.txt" \
    || fail "replay said: $(tail -n 1 "$SP_TMP/replay.txt")"
check "replayed message loaded" 1 "$(sp_psql -c "select count(*) from statpipe.observation where message_id = 'live-1'")"
check "replayed message left quarantine" 1 \
    "$(sp_psql -c "select count(*) from statpipe.quarantine where message_id = 'live-1' and replayed_at is not null")"
"$STATPIPE" quarantine replay --reason unknown_indicator > "$SP_TMP/replay2.txt" 2>&1 || true
grep -q "0 loaded" "$SP_TMP/replay2.txt" || fail "second replay: $(tail -n 1 "$SP_TMP/replay2.txt")"
check "replayed once only" 1 "$(sp_psql -c "select count(*) from statpipe.observation where message_id = 'live-1'")"
check "replay --id of a fixed row" 0 "$("$STATPIPE" quarantine replay --id 999999 >/dev/null 2>&1; echo $?)"
# Two different payloads with the same MD5 (the published collision pair of 128 bytes, MD5
# 79054025255fb1a26e4bc422aef54eb4) are two messages: both wait in quarantine.
collision_a=d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f8955ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5bd8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70
collision_b=d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f8955ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5bd8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70
printf '%b\n' "$(sed 's/../\\x&/g' <<<"$collision_a")" "$(sed 's/../\\x&/g' <<<"$collision_b")" > "$SP_TMP/collision.bin"
check "the collision pair: two payloads, one MD5" "2|1" \
    "$(sp_psql -v a="$collision_a" -v b="$collision_b" <<<"select count(distinct x), count(distinct md5(x)) from (values (decode(:'a', 'hex')), (decode(:'b', 'hex'))) v(x)")"
"$STATPIPE" load "$SP_TMP/collision.bin" >/dev/null 2>&1 || true
check "both payloads of the collision pair wait in quarantine" 2 \
    "$(sp_psql -c "select count(*) from statpipe.quarantine where md5(payload) = '79054025255fb1a26e4bc422aef54eb4' and replayed_at is null")"

echo "PASS test_quarantine"
