#!/usr/bin/env bash
# test_pg_outage.sh: what a daemon says and does while PostgreSQL is away. During an outage
# it stays alive (/health 200) but not ready (/ready 503, statpipe_postgres_connected 0), past
# the 30 s a liveness probe allows; an idle daemon notices the outage too; an assignment
# during the outage waits for the database instead of exiting; a daemon started during the
# outage waits for it; a flood of slow HTTP clients under a low file limit cannot starve the
# reconnect. Everything lands exactly once.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_count_commits
sp_kafka_start --brokers 1 --topic stats.out:4
port=$(sp_free_port)
port2=$(sp_free_port)

http_get() { # port path: prints "STATUS\nBODY"
    exec 5<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&5
    local out
    out=$(timeout 10 cat <&5)
    exec 5<&-
    printf '%s\n' "$out" | head -n 1 | cut -d' ' -f2
    printf '%s\n' "$out" | sed '1,/^\r$/d'
}
status() { http_get "$1" "$2" | head -n 1; }
body() { http_get "$1" "$2" | sed -n 2p; }
gauge() { http_get "$1" /metrics | awk '$1 == "statpipe_postgres_connected" {print $2}'; }
wait_gauge() { # port value
    for _ in $(seq 1 300); do [ "$(gauge "$1")" = "$2" ] && return 0; sleep 0.1; done
    fail "statpipe_postgres_connected did not become $2"
}
pg_start_again() {
    sp_as_pg "$(sp_pg_bin)/pg_ctl" -D "$SP_PG_DATA" -l "$SP_TMP/postgres.log" -w -t 30 \
        -o "-p $PGPORT -k $SP_TMP -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}
produce() { # name count: a feed of new messages, produced
    GEN_EXPECTED="$SP_TMP/expected.$1" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" "$2" 40 "$1" \
        > "$SP_TMP/$1.ndjson"
    "$STATPIPE" produce -b "$BROKERS" -t stats.out "$SP_TMP/$1.ndjson" >/dev/null
}
total=0

# 1. An outage with messages waiting, longer than a liveness probe's 30 s.
produce a 2000
total=$((total + 2000))
"$STATPIPE" run -b "$BROKERS" -t stats.out -G out -X session.timeout.ms=6000 \
    --metrics "127.0.0.1:$port" --batch-rows 100 2>"$SP_TMP/run.log" &
pid=$!
SP_PIDS+=($pid)
wait_offsets $total
check "connected: gauge" 1 "$(gauge $port)"
check "connected: /ready" 200 "$(status $port /ready)"
sp_pg_stop
produce b 2000
total=$((total + 2000))
wait_gauge $port 0
check "outage: /ready" 503 "$(status $port /ready)"
check "outage: /ready says why" "waiting for the database" "$(body $port /ready)"
check "outage: /health" 200 "$(status $port /health)"
sleep 32
check "outage past 30 s: /health still 200 (alive, waiting)" 200 "$(status $port /health)"
check "outage past 30 s: /health says why" "waiting for the database" "$(body $port /health)"
check "outage past 30 s: gauge" 0 "$(gauge $port)"
pg_start_again
wait_offsets $total
wait_gauge $port 1
check "after the outage: /ready" 200 "$(status $port /ready)"
check "after the outage: /health" ok "$(body $port /health)"

# 2. An idle daemon notices an outage and the database's return, with nothing to load.
sp_pg_stop
wait_gauge $port 0
check "idle outage: /ready" 503 "$(status $port /ready)"
pg_start_again
wait_gauge $port 1
check "idle outage over: /ready" 200 "$(status $port /ready)"

# 3. A rebalance while PostgreSQL is down: a second member joins, then leaves during the
#    outage; the first is assigned its partitions and must read their stored offsets.
"$STATPIPE" run -b "$BROKERS" -t stats.out -G out -X session.timeout.ms=6000 \
    --batch-rows 100 2>"$SP_TMP/run2.log" &
pid2=$!
SP_PIDS+=($pid2)
for _ in $(seq 1 300); do grep -q "event=assign " "$SP_TMP/run2.log" && break; sleep 0.1; done
grep -q "event=assign " "$SP_TMP/run2.log" || fail "the second member got no partitions"
sp_pg_stop
kill -TERM $pid2
wait $pid2 || fail "the second member exit code $?"
for _ in $(seq 1 300); do
    grep -q "event=pg_unavailable at=assign" "$SP_TMP/run.log" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
sleep 3
kill -0 $pid 2>/dev/null ||
    fail "the daemon exited on an assignment during the outage: $(grep -m1 'event=stop' "$SP_TMP/run.log")"
grep -q "event=pg_unavailable at=assign" "$SP_TMP/run.log" || fail "no assignment met the outage"
check "assignment during the outage: /health" 200 "$(status $port /health)"
pg_start_again
produce c 2000
total=$((total + 2000))
wait_offsets $total
kill -0 $pid || fail "the daemon died"
kill -TERM $pid
wait $pid || fail "daemon exit code $?"

# 4. Started while PostgreSQL is down, under a low file limit, with 120 slow HTTP clients:
#    it waits (alive, not ready), keeps the clients to a bounded number of descriptors,
#    and connects when the database is back.
sp_pg_stop
produce d 2000
total=$((total + 2000))
(ulimit -n 64 && exec "$STATPIPE" run -b "$BROKERS" -t stats.out -G out -X session.timeout.ms=6000 \
    --metrics "127.0.0.1:$port2" --batch-rows 100) 2>"$SP_TMP/run3.log" &
pid3=$!
SP_PIDS+=($pid3)
for _ in $(seq 1 100); do status $port2 /health >/dev/null 2>&1 && break; sleep 0.1; done
check "started in an outage: /health" 200 "$(status $port2 /health)"
check "started in an outage: /ready" 503 "$(status $port2 /ready)"
check "started in an outage: gauge" 0 "$(gauge $port2)"
python3 - "$port2" > "$SP_TMP/slow.out" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for _ in range(120):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
        s.send(b"GET /metrics HTTP/1.1\r\n")  # never finished
        socks.append(s)
    except OSError:
        pass
print(len(socks), flush=True)
time.sleep(20)
PY
slow=$!
sleep 3
fds=$(ls /proc/$pid3/fd | wc -l)
[ "$fds" -le 60 ] || fail "the daemon holds $fds descriptors under 120 slow clients"
echo "ok - 120 slow clients: the daemon holds $fds descriptors (limit 64)"
pg_start_again
wait_offsets $total
wait_gauge $port2 1
kill $slow 2>/dev/null || true
wait $slow 2>/dev/null || true
grep -q "Too many open files" "$SP_TMP/run3.log" && fail "descriptors ran out: $(grep -m1 'Too many' "$SP_TMP/run3.log")"
kill -TERM $pid3
wait $pid3 || fail "daemon exit code $?"
grep -q "event=pg_retry at=start" "$SP_TMP/run3.log" || fail "the start did not wait for the database"

bad=$((total / 40))
check_committed_once $((total - bad)) $bad
# The feeds publish the same figures under new message ids: identical vintages are one row.
LC_ALL=C sort -u "$SP_TMP"/expected.? > "$SP_TMP/expected"
check_rows "$SP_TMP/expected"
check "offsets" $total "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"
