#!/usr/bin/env bash
# test_deploy.sh: the deployment files, checked as far as this machine can: the systemd unit
# verifies, the daemon speaks systemd's notify protocol (ready, watchdog, stopping), the
# example config passes --check-config, and the compose and Kubernetes files parse and say
# what they promise.
source "$(dirname "$0")/lib.sh"
deploy="$SP_SOURCE_DIR/deploy"

# systemd-analyze verify wants the binaries the unit names to exist: point them at ours.
sed "s|/usr/local/bin/statpipe|$STATPIPE|g" "$deploy/systemd/statpipe.service" > "$SP_TMP/statpipe.service"
systemd-analyze verify "$SP_TMP/statpipe.service" 2>"$SP_TMP/verify.err" \
    || fail "systemd-analyze verify: $(cat "$SP_TMP/verify.err")"
[ ! -s "$SP_TMP/verify.err" ] || fail "systemd-analyze verify warns: $(cat "$SP_TMP/verify.err")"
sed "s|/usr/local/bin/statpipe|$STATPIPE|g" "$deploy/systemd/statpipe-sdmx.service" > "$SP_TMP/statpipe-sdmx.service"
systemd-analyze verify "$SP_TMP/statpipe-sdmx.service" 2>"$SP_TMP/verify.err" \
    || fail "systemd-analyze verify statpipe-sdmx: $(cat "$SP_TMP/verify.err")"
[ ! -s "$SP_TMP/verify.err" ] || fail "systemd-analyze verify warns: $(cat "$SP_TMP/verify.err")"
echo "ok - the systemd units verify"

"$STATPIPE" run -c "$deploy/statpipe.conf.example" --check-config > "$SP_TMP/check.out"
grep -q "configuration ok: brokers kafka-1:9092,kafka-2:9092,kafka-3:9092, 5 topics" "$SP_TMP/check.out" \
    || fail "example config: $(cat "$SP_TMP/check.out")"
echo "ok - the example config checks"

/usr/bin/python3 - "$deploy/compose.yaml" "$deploy/k8s/statpipe.yaml" <<'PY'
import sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
svc = compose["services"]
assert svc["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller", "KRaft"
assert svc["db"]["image"].startswith("postgres:15")
assert svc["statpipe"]["deploy"]["replicas"] >= 2
assert "-G" in svc["statpipe"]["command"]
assert svc["sdmx"]["command"][0] == "serve" and svc["sdmx"]["environment"]["PGUSER"] == "statpipe_web"
assert svc["sdmx"]["ports"] == ["127.0.0.1:8480:8480"], "the SDMX service on the host's loopback only"
assert "IN ROLE statpipe_reader" in svc["reader"]["command"][-1]
docs = list(yaml.safe_load_all(open(sys.argv[2])))
kinds = {d["kind"]: d for d in docs}
dep = kinds["Deployment"]
assert dep["spec"]["replicas"] == 3
c = dep["spec"]["template"]["spec"]["containers"][0]
assert c["livenessProbe"]["httpGet"]["path"] == "/health"
assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
assert "kafka.group.id = statpipe" in kinds["ConfigMap"]["data"]["statpipe.conf"]
assert kinds["Job"]["spec"]["template"]["spec"]["containers"][0]["args"][0] == "migrate"
print("ok - compose.yaml and k8s/statpipe.yaml parse: KRaft, PostgreSQL 15, replicas in one group, probes")
PY

# The notify protocol, against a socket of ours standing in for systemd.
sp_pg_start
"$STATPIPE" migrate -q
sp_kafka_start --brokers 1 --topic stats.sd:1
socat -u UNIX-RECVFROM:"$SP_TMP/notify.sock",fork STDOUT > "$SP_TMP/notify.out" &
SP_PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$SP_TMP/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$SP_TMP/notify.sock" WATCHDOG_USEC=400000 \
    "$STATPIPE" run -b "$BROKERS" -t stats.sd -G sd 2>"$SP_TMP/run.log" &
pid=$!
SP_PIDS+=($pid) # stopped by the cleanup if the test fails early
for _ in $(seq 1 100); do grep -q WATCHDOG=1 "$SP_TMP/notify.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $pid
wait $pid || fail "daemon exit $?"
sleep 0.3
grep -q "READY=1" "$SP_TMP/notify.out" || fail "no READY=1: $(cat "$SP_TMP/notify.out")"
grep -q "WATCHDOG=1" "$SP_TMP/notify.out" || fail "no WATCHDOG=1"
grep -q "STOPPING=1" "$SP_TMP/notify.out" || fail "no STOPPING=1"
echo "ok - READY=1, WATCHDOG=1 and STOPPING=1 sent to systemd"
echo "PASS test_deploy"
