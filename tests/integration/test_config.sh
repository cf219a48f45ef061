#!/usr/bin/env bash
# test_config.sh: settings from the config file, then STATPIPE_* environment variables,
# then flags; run --check-config; errors that name their source; a warning for a readable
# file that holds a password; load's progress only on a terminal.
source "$(dirname "$0")/lib.sh"
cat > "$SP_TMP/a.conf" <<'CONF'
kafka.bootstrap.servers = file:1
topics = from-file
batch.rows = 111
batch.linger.ms = 222
load.connections = 3
CONF
chmod 600 "$SP_TMP/a.conf"
out=$("$STATPIPE" run -c "$SP_TMP/a.conf" --check-config)
check "file" "configuration ok: brokers file:1, 1 topic, batches of 111 messages, 8388608 bytes or 222 ms, 3 PostgreSQL connections" "$out"
out=$(STATPIPE_BATCH_ROWS=333 STATPIPE_KAFKA_BOOTSTRAP_SERVERS=env:2 "$STATPIPE" run -c "$SP_TMP/a.conf" --check-config)
check "environment over file" "configuration ok: brokers env:2, 1 topic, batches of 333 messages, 8388608 bytes or 222 ms, 3 PostgreSQL connections" "$out"
out=$(STATPIPE_BATCH_ROWS=333 STATPIPE_LOAD_CONNECTIONS=4 "$STATPIPE" run -c "$SP_TMP/a.conf" -b flag:3 --batch-rows 444 --connections 1 -t x -t y --check-config)
check "flags over environment" "configuration ok: brokers flag:3, 2 topics, batches of 444 messages, 8388608 bytes or 222 ms, 1 PostgreSQL connection" "$out"
out=$("$STATPIPE" run -b x:1 -t t --check-config)
check "defaults" "configuration ok: brokers x:1, 1 topic, batches of 5000 messages, 8388608 bytes or 500 ms, 2 PostgreSQL connections" "$out"
rc=0
STATPIPE_LOAD_CONNECTIONS=17 "$STATPIPE" run -b x:1 -t t --check-config 2>"$SP_TMP/conn.err" || rc=$?
check "too many connections is a usage error" 2 "$rc"
grep -q 'load.connections must be 1 to 16' "$SP_TMP/conn.err" || fail "connections error: $(cat "$SP_TMP/conn.err")"
rc=0
"$STATPIPE" run -b x:1 -t t --connections 99 --check-config 2>"$SP_TMP/conn0.err" || rc=$?
check "too many connections (flag) is a usage error" 2 "$rc"
grep -q -- '--connections must be 1 to 16' "$SP_TMP/conn0.err" || fail "connections flag error: $(cat "$SP_TMP/conn0.err")"
rc=0
STATPIPE_BATCH_ROWS=many "$STATPIPE" run -c "$SP_TMP/a.conf" --check-config 2>"$SP_TMP/env.err" || rc=$?
check "bad environment value is a usage error" 2 "$rc"
grep -q 'environment variable STATPIPE_BATCH_ROWS: batch.rows needs a positive integer, got "many"' "$SP_TMP/env.err" \
    || fail "env error: $(cat "$SP_TMP/env.err")"
echo "ok - environment errors name the variable"
check "missing topics" 2 "$("$STATPIPE" run -b x:1 --check-config 2>/dev/null; echo $?)"

# What --check-config finds before anything starts, each a usage error (exit 2).
usage() { # LABEL EXPECTED-STDERR-TEXT COMMAND...
    local label=$1 text=$2 rc=0
    shift 2
    "$@" >/dev/null 2>"$SP_TMP/usage.err" || rc=$?
    check "$label: exit 2" 2 "$rc"
    grep -qF -- "$text" "$SP_TMP/usage.err" || fail "$label: said $(cat "$SP_TMP/usage.err")"
}
usage "a metrics port past 65535" 'metrics address "127.0.0.1:99999" is not HOST:PORT' \
    "$STATPIPE" run -b x:1 -t t --metrics 127.0.0.1:99999 --check-config
usage "metrics.listen without a port" 'metrics address "localhost:" is not HOST:PORT' \
    env STATPIPE_METRICS_LISTEN=localhost: "$STATPIPE" run -b x:1 -t t --check-config
usage "batch.rows past what a size holds" 'batch.rows is too large: "99999999999999999999999"' \
    env STATPIPE_BATCH_ROWS=99999999999999999999999 "$STATPIPE" run -b x:1 -t t --check-config
usage "--batch-rows past what a size holds" '--batch-rows is too large' \
    "$STATPIPE" load --batch-rows 99999999999999999999999 /dev/null
usage "a connection string that does not parse (run)" 'connection string is not valid' \
    "$STATPIPE" run -b x:1 -t t -d 'host=x port' --check-config
usage "a connection string that does not parse (load)" 'connection string is not valid' \
    "$STATPIPE" load -d 'host=x port' /dev/null
for cmd in migrate report "quarantine list" "quarantine replay --all"; do
    # shellcheck disable=SC2086
    usage "a connection string that does not parse ($cmd)" 'connection string is not valid' \
        "$STATPIPE" $cmd -d 'host=x port'
done
usage "assignors of two protocol types" 'assignors must have the same protocol type' \
    "$STATPIPE" run -b x:1 -t t -X partition.assignment.strategy=range,cooperative-sticky \
    --check-config
usage "a CA file that is not there" 'kafka.ssl.ca.location "/nonexistent/ca.pem" cannot be read' \
    "$STATPIPE" run -b x:1 -t t -X security.protocol=ssl -X ssl.ca.location=/nonexistent/ca.pem \
    --check-config
# The daemon makes the same checks before it connects to PostgreSQL (port 1 refuses).
usage "a CA file that is not there (run)" 'kafka.ssl.ca.location "/nonexistent/ca.pem"' \
    "$STATPIPE" run -b x:1 -t t -X ssl.ca.location=/nonexistent/ca.pem -d 'host=127.0.0.1 port=1'
usage "a configuration librdkafka refuses at start (run)" 'Kafka configuration is not valid' \
    "$STATPIPE" run -b x:1 -t t -X partition.assignment.strategy=range,cooperative-sticky \
    -d 'host=127.0.0.1 port=1'
usage "a file that does not exist (load)" 'could not open "/nonexistent/feed.ndjson"' \
    "$STATPIPE" load -d 'host=127.0.0.1 port=1' /nonexistent/feed.ndjson
usage "an unknown reason code" '--reason "nope" is not a reason code' \
    "$STATPIPE" quarantine list --reason nope
# A config file that starts with a UTF-8 byte order mark.
printf '\xef\xbb\xbfbatch.rows = 77\nkafka.bootstrap.servers = bom:1\ntopics = t\n' > "$SP_TMP/bom.conf"
check "a byte order mark is not part of the first key" \
    "configuration ok: brokers bom:1, 1 topic, batches of 77 messages, 8388608 bytes or 500 ms, 2 PostgreSQL connections" \
    "$("$STATPIPE" run -c "$SP_TMP/bom.conf" --check-config 2>&1)"

printf 'pg.conninfo = host=db password=s3cr3tvalue\n' > "$SP_TMP/pw.conf"
chmod 644 "$SP_TMP/pw.conf"
"$STATPIPE" run -c "$SP_TMP/pw.conf" -b x:1 -t t --check-config >/dev/null 2>"$SP_TMP/warn.err"
grep -q "event=config_readable" "$SP_TMP/warn.err" || fail "no warning for a readable password"
grep -q "s3cr3tvalue" "$SP_TMP/warn.err" && fail "the password was logged"
chmod 600 "$SP_TMP/pw.conf"
"$STATPIPE" run -c "$SP_TMP/pw.conf" -b x:1 -t t --check-config >/dev/null 2>"$SP_TMP/nowarn.err"
grep -q "event=config_readable" "$SP_TMP/nowarn.err" && fail "warned about a private file"
echo "ok - a readable file with a password draws a warning, never the password"

sp_pg_start
"$STATPIPE" migrate -q
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 3000 0 prog > "$SP_TMP/prog.ndjson"
"$STATPIPE" load "$SP_TMP/prog.ndjson" >/dev/null 2>"$SP_TMP/quiet.err"
if grep -q $'\r' "$SP_TMP/quiet.err"; then fail "progress written when not on a terminal"; fi
echo "ok - quiet when not on a terminal"
script -qec "\"$STATPIPE\" load --batch-rows 100 \"$SP_TMP/prog.ndjson\"" /dev/null > "$SP_TMP/tty.out" 2>&1
grep -q "3000 messages, [0-9]*/s" "$SP_TMP/tty.out" || fail "no progress on a terminal: $(tr '\r' '\n' < "$SP_TMP/tty.out" | tail -n 3)"
echo "ok - progress on a terminal"
# SIGHUP takes up changed settings without a restart; --batch-rows on the command line keeps
# winning over the file.
sp_kafka_start --brokers 1 --topic stats.hup:1
cat > "$SP_TMP/hup.conf" <<CONF
kafka.bootstrap.servers = $BROKERS
topics = stats.hup
batch.linger.ms = 300
CONF
"$STATPIPE" run -c "$SP_TMP/hup.conf" -G hup --batch-rows 77 2>"$SP_TMP/hup.log" &
pid=$!
SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
for _ in $(seq 1 100); do grep -q event=start "$SP_TMP/hup.log" && break; sleep 0.1; done
sed -i 's/^batch.linger.ms = 300/batch.linger.ms = 900/' "$SP_TMP/hup.conf"
echo "envelope.max.entries = 5" >> "$SP_TMP/hup.conf"
kill -HUP $pid
for _ in $(seq 1 50); do grep -q event=config_reloaded "$SP_TMP/hup.log" && break; sleep 0.1; done
grep -q "event=config_reloaded batch_rows=77 batch_bytes=8388608 linger_ms=900" "$SP_TMP/hup.log" \
    || fail "SIGHUP: $(grep -E 'config_|catalogue_' "$SP_TMP/hup.log")"
echo "ok - SIGHUP reloads the settings; flags still win"
# a limit taken up at once: an envelope of six entries is now too large
printf '{"schema":"statpipe.release/1","message_id":"env6","sender":"MIIT","release":"2024-01-01T00:00:00Z","observations":[%s]}\n' \
    "$(for m in 01 02 03 04 05 06; do printf '{"indicator":"FBB_USERS","ref_area":"CN","freq":"M","time_period":"2023-%s","value":"1","unit":"万户"},' $m; done | sed 's/,$//')" \
    | "$STATPIPE" produce -b "$BROKERS" -t stats.hup - >/dev/null
for _ in $(seq 1 100); do [ "$(sp_psql -c "select count(*) from statpipe.quarantine where message_id = 'env6'")" = 1 ] && break; sleep 0.1; done
check "the reloaded limit applies" "too_large" "$(sp_psql -c "select reason from statpipe.quarantine where message_id = 'env6'")"
kill -TERM $pid
wait $pid || fail "daemon exit $?"
echo "PASS test_config"
