#!/usr/bin/env bash
# test_crash_restart.sh: SIGKILL the daemon at several points mid-stream, restart it, and
# find every message loaded or quarantined exactly once, with offsets matching.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
# Merges dedupe by message id, which would hide a message processed twice. BEFORE INSERT
# triggers fire for every proposed row, even one that ON CONFLICT then skips, and they
# commit or roll back with the batch: they count how often each message was committed.
sp_psql <<'SQL'
create table public.attempt (kind text, message_id text, payload bytea);
create function public.count_attempt() returns trigger language plpgsql as $$
begin
    if tg_table_name = 'quarantine' then
        insert into public.attempt values ('quarantine', new.message_id, new.payload);
    else
        insert into public.attempt values ('message', new.message_id, null);
    end if;
    return new;
end $$;
create trigger count_attempt before insert on statpipe.message_seen
    for each row execute function public.count_attempt();
create trigger count_attempt before insert on statpipe.quarantine
    for each row execute function public.count_attempt();
SQL
sp_kafka_start --brokers 2 --topic stats.crash:4

n=20000
"$SP_SOURCE_DIR/tests/integration/gen_feed.sh" $n 50 > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t stats.crash "$SP_TMP/feed.ndjson" >/dev/null

kopts=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)
kills=0
for round in 1 2 3 4 5; do
    delay=0.$((RANDOM % 8 + 1))
    "$STATPIPE" run -b "$BROKERS" -t stats.crash -G crash "${kopts[@]}" --batch-rows 50 \
        2>>"$SP_TMP/run.log" &
    pid=$!
    # wait until it has committed something new, then kill it at a random moment
    before=$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')
    for i in $(seq 1 300); do
        now=$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')
        [ "$now" != "$before" ] && break
        sleep 0.02
    done
    sleep "$delay"
    kill -KILL $pid
    wait $pid 2>/dev/null || true
    kills=$((kills + 1))
    done_now=$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')
    echo "kill $kills after ${delay}s: $done_now of $n offsets committed"
    [ "$done_now" -ge "$n" ] && break
done
[ "$kills" -ge 2 ] || fail "the daemon finished before it could be killed twice"
timeout 300 "$STATPIPE" run -b "$BROKERS" -t stats.crash -G crash "${kopts[@]}" -e \
    --batch-rows 300 2>>"$SP_TMP/run.log" || fail "final run failed"

bad=$((n / 50))
check "every good message loaded once" $((n - bad)) "$(sp_psql -c 'select count(*) from statpipe.observation')"
check "no message id twice" $((n - bad)) "$(sp_psql -c 'select count(distinct message_id) from statpipe.observation')"
check "every bad message quarantined once" $bad "$(sp_psql -c 'select count(*) from statpipe.quarantine')"
check "offsets cover every message once" $n "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"
check "message_seen matches" $((n - bad)) "$(sp_psql -c 'select count(*) from statpipe.message_seen')"
# Each row's stored offset is below its partition's committed next offset.
check "rows within committed offsets" 0 "$(sp_psql -c '
    select count(*) from statpipe.observation o join statpipe.kafka_offset k
      on k.topic = o.src_topic and k.partition = o.src_partition
     where o.src_offset >= k.next_offset')"
check "each good message committed exactly once" "$((n - bad))|$((n - bad))" \
    "$(sp_psql -c "select count(*), count(distinct message_id) from public.attempt where kind = 'message'")"
check "each bad message committed exactly once" "$bad|$bad" \
    "$(sp_psql -c "select count(*), count(distinct payload) from public.attempt where kind = 'quarantine'")"
echo "PASS test_crash_restart ($kills kills)"
