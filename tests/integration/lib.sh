# lib.sh: helpers for integration tests: a throwaway PostgreSQL 15 server and librdkafka's
# built-in Kafka cluster, both started here and stopped when the test exits.
# Source it; call sp_pg_start and sp_kafka_start; use fail/check; cleanup is automatic.
set -euo pipefail

: "${STATPIPE:?STATPIPE must name the statpipe binary}"
SP_TMP=$(mktemp -d /tmp/statpipe-test.XXXXXX)
chmod 755 "$SP_TMP"
SP_PIDS=()
SP_PG_DATA=""

sp_pg_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
    done
    command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return; }
    echo "no PostgreSQL server binaries (install postgresql-15)" >&2
    return 1
}

# PostgreSQL refuses to run as root: run its tools as nobody then.
sp_as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

sp_cleanup() {
    local rc=$?
    local p
    for p in "${SP_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${SP_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "$SP_PG_DATA" ]; then
        sp_as_pg "$(sp_pg_bin)/pg_ctl" -D "$SP_PG_DATA" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [ "$rc" != 0 ]; then
        echo "--- test failed (exit $rc); logs in $SP_TMP:" >&2
        for f in "$SP_TMP"/*.log; do
            [ -f "$f" ] || continue
            echo "--- $f (last 30 lines)" >&2
            tail -n 30 "$f" >&2
        done
    else
        rm -rf "$SP_TMP"
    fi
    exit "$rc"
}
trap sp_cleanup EXIT

# Starts PostgreSQL on a free loopback port and exports PG* so libpq tools find it.
sp_pg_start() {
    local bin port try
    bin=$(sp_pg_bin)
    SP_PG_DATA="$SP_TMP/pgdata"
    mkdir -p "$SP_PG_DATA"
    [ "$(id -u)" = 0 ] && chown nobody "$SP_PG_DATA" "$SP_TMP"
    sp_as_pg "$bin/initdb" -D "$SP_PG_DATA" -U statpipe -A trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$SP_TMP/initdb.log" 2>&1
    for try in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 30000))
        if sp_as_pg "$bin/pg_ctl" -D "$SP_PG_DATA" -l "$SP_TMP/postgres.log" -w -t 30 \
            -o "-p $port -k $SP_TMP -c listen_addresses=127.0.0.1 -c fsync=off" \
            start >/dev/null 2>&1; then
            export PGHOST=127.0.0.1 PGPORT=$port PGUSER=statpipe PGDATABASE=postgres
            return 0
        fi
    done
    echo "could not start PostgreSQL" >&2
    return 1
}

# A TCP port on 127.0.0.1 that nothing listens on now, below the kernel's ephemeral range
# (32768 and up), so that no outgoing connection of a test running alongside takes it as
# its source port before the daemon binds it.
sp_free_port() {
    python3 -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 32768)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
'
}

sp_pg_stop() {
    sp_as_pg "$(sp_pg_bin)/pg_ctl" -D "$SP_PG_DATA" -m fast -w stop >/dev/null
}

sp_pg_restart() {
    sp_as_pg "$(sp_pg_bin)/pg_ctl" -D "$SP_PG_DATA" -l "$SP_TMP/postgres.log" -w -t 30 \
        -o "-p $PGPORT -k $SP_TMP -c listen_addresses=127.0.0.1 -c fsync=off" \
        restart >/dev/null
}

# Starts the built-in cluster with the given mock-cluster arguments; sets BROKERS.
sp_kafka_start() {
    local out="$SP_TMP/mock.out" i
    "$STATPIPE" mock-cluster "$@" >"$out" 2>"$SP_TMP/mock.log" &
    SP_PIDS+=($!)
    for i in $(seq 1 100); do
        if [ -s "$out" ]; then
            BROKERS=$(head -n 1 "$out")
            return 0
        fi
        sleep 0.1
    done
    echo "mock cluster did not start" >&2
    return 1
}

# sp_chromium_dom PAGE OUT: the DOM of the local file PAGE as headless Chromium renders it,
# offline (no network, no proxy, no updates), into OUT.
sp_chromium_dom() {
    mkdir -p "$SP_TMP/chromium"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --proxy-server=http://127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
        --user-data-dir="$SP_TMP/chromium" --dump-dom "file://$1" > "$2" 2>"$2.log" \
        || fail "chromium failed: $(tail -n 5 "$2.log")"
}

# sp_fresh_db NAME: a new database, migrated.
sp_fresh_db() {
    sp_psql -d postgres -c "create database $1" >/dev/null
    PGDATABASE=$1 "$STATPIPE" migrate -q
}

sp_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -At "$@"
}

# Rows statpipe.vintage differs by from a recomputation of every stored (series, period) from
# scratch: 0 when the vintages kept statement by statement are those the observations say.
vintages_as_recomputed() {
    sp_psql -c "create temp table kept as select * from statpipe.vintage;
                select statpipe.refresh_vintages(array_agg(series_id), array_agg(time_period))
                  from (select distinct series_id, time_period from statpipe.observation) s;
                select count(*) from ((table kept except all table statpipe.vintage)
                                      union all (table statpipe.vintage except all table kept)) d" \
        | tail -n 1
}

# Another writer: runs the SQL (an insert into TABLE) in a transaction that it holds open
# until another backend waits for one of its locks, or 30 s (a statement that did not wait
# for it has ended by then), then commits; in the background, its pid in SP_WRITER. Returns
# once the insert holds its lock on TABLE, so that what runs next meets it.
sp_writer_holding() { # table sql
    sp_psql -c "begin" -c "$2" \
        -c "do \$\$ begin
                for i in 1 .. 600 loop
                    exit when exists (select 1 from pg_locks where not granted);
                    perform pg_sleep(0.05);
                end loop;
            end \$\$" -c "commit" >/dev/null &
    SP_WRITER=$!
    for _ in $(seq 1 100); do
        [ "$(sp_psql -c "select count(*) from pg_locks l join pg_class c on c.oid = l.relation
                          where c.relname = '$1' and l.mode = 'RowExclusiveLock' and l.granted")" -gt 0 ] && return 0
        sleep 0.1
    done
}

# The statement that recomputes every kept year of the stored observations from scratch.
SP_KEPT_RECOMPUTE_ALL="select statpipe.refresh_kept(array_agg(indicator), array_agg(ref_area), array_agg(year))
  from (select distinct s.indicator, s.ref_area, left(o.time_period, 4)::int as year
          from statpipe.observation o join statpipe.series s using (series_id)) k"

# Rows the kept tables differ by from a recomputation of every kept year from scratch: 0
# when the kept values refreshed mark by mark are those the vintages say.
kept_vs_scratch() {
    sp_psql -c "create temp table kl as select * from statpipe.observation_latest_kept;
                create temp table kp as select * from statpipe.period_value_kept;
                create temp table ka as select * from statpipe.annual_value_kept;
                $SP_KEPT_RECOMPUTE_ALL;
                select (select count(*) from ((table kl except all table statpipe.observation_latest_kept)
                          union all (table statpipe.observation_latest_kept except all table kl)) d)
                     + (select count(*) from ((table kp except all table statpipe.period_value_kept)
                          union all (table statpipe.period_value_kept except all table kp)) d)
                     + (select count(*) from ((table ka except all table statpipe.annual_value_kept)
                          union all (table statpipe.annual_value_kept except all table ka)) d)" | tail -n 1
}

# The database's observations in gen_feed.sh's GEN_EXPECTED format, sorted.
sp_db_rows() {
    sp_psql -c "set timezone = 'UTC'" -c "select concat_ws('|', s.sender, s.indicator,
        s.ref_area, s.freq, s.calc_basis, o.time_period, o.release, o.value)
        from statpipe.observation o join statpipe.series s using (series_id)" | LC_ALL=C sort
}

# check_rows EXPECTED_FILE: exactly once, by count and checksum of (series, period, release,
# value), against what was produced.
check_rows() {
    LC_ALL=C sort "$1" > "$SP_TMP/expected.sorted"
    sp_db_rows > "$SP_TMP/actual.sorted"
    check "rows as produced: count" "$(wc -l < "$SP_TMP/expected.sorted")" "$(wc -l < "$SP_TMP/actual.sorted")"
    check "rows as produced: checksum" "$(md5sum < "$SP_TMP/expected.sorted")" "$(md5sum < "$SP_TMP/actual.sorted")"
}

# Counts how often each message and each quarantined payload was committed: BEFORE INSERT
# triggers fire for every proposed row, even one ON CONFLICT then skips, and they commit or
# roll back with the batch. Merges dedupe by message id, which would hide double processing.
sp_count_commits() {
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
}

# check_committed_once GOOD BAD
check_committed_once() {
    check "each good message committed exactly once" "$1|$1" \
        "$(sp_psql -c "select count(*), count(distinct message_id) from public.attempt where kind = 'message'")"
    check "each bad message committed exactly once" "$2|$2" \
        "$(sp_psql -c "select count(*), count(distinct payload) from public.attempt where kind = 'quarantine'")"
}

# wait_offsets N [SECONDS]: until the stored offsets add up to N.
wait_offsets() {
    local i
    for i in $(seq 1 $((${2:-120} * 10))); do
        [ "$(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')" -ge "$1" ] && return 0
        sleep 0.1
    done
    fail "offsets did not reach $1: $(sp_psql -c 'select coalesce(sum(next_offset), 0) from statpipe.kafka_offset')"
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# check DESCRIPTION EXPECTED ACTUAL
check() {
    if [ "$2" != "$3" ]; then
        fail "$1: expected [$2], got [$3]"
    fi
    echo "ok - $1"
}
