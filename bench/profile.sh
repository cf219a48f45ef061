# profile.sh N: where PostgreSQL's time goes when statpipe stores N generated messages, by
# pg_stat_statements (track = all, so the statements the triggers run are counted too):
# once through `statpipe load` of a file, once through `statpipe run` from the built-in
# cluster, each into an emptied database. Sourced by bench/run with STATPIPE,
# SP_SOURCE_DIR and the test helpers (PostgreSQL started). Prints each path's wall time
# and its 14 costliest statements: total seconds, calls, the statement's start.
n=${1:-300000}
printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = 'all'\n" \
    >> "$SP_PG_DATA/postgresql.conf"
sp_pg_restart
sp_psql -c "create extension if not exists pg_stat_statements" >/dev/null
feed="$SP_TMP/feed.ndjson"
"$SP_SOURCE_DIR/bench/gen_bench.sh" "$n" > "$feed"
top() {
    sp_psql -c "select round(total_exec_time::numeric / 1000, 1) || ' s | ' || calls || ' | '
                       || left(regexp_replace(query, '\s+', ' ', 'g'), 100)
                  from pg_stat_statements order by total_exec_time desc limit 14"
}
empty() {
    sp_psql -c "truncate statpipe.observation, statpipe.message_seen, statpipe.quarantine,
                         statpipe.kafka_offset, statpipe.series cascade" >/dev/null 2>&1
    sp_psql -c "select pg_stat_statements_reset()" >/dev/null
}
empty
t0=$(date +%s.%N)
"$STATPIPE" load "$feed" >/dev/null 2>&1
echo "load: $n messages in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
top
sp_kafka_start --brokers 1 --topic "bench:$((n / 2500 + 4))"
"$STATPIPE" produce -b "$BROKERS" -t bench -X linger.ms=500 -X batch.num.messages=10000 \
    -X batch.size=262144 "$feed" >/dev/null
empty
t0=$(date +%s.%N)
"$STATPIPE" run -b "$BROKERS" -t bench -G profile -e 2>/dev/null
echo "run: $n messages in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (the group's join included)"
top
