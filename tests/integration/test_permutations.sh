#!/usr/bin/env bash
# test_permutations.sh: the same messages in any order give the same views. The oracle's
# observations are loaded in several orders (file order, reversed, shuffled), in one batch
# and one message per batch, and through the daemon from a topic of four partitions; every
# view of schema stats must come out the same each time, and the oracle must hold each time.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oracle.sh"
sp_pg_start

# Every stats view, row by row, without what depends on the clock or on storage order (the
# arrival order of a stored row), and the functions at fixed dates.
fingerprint() {
    local views v sql=""
    views=$(sp_psql -c "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where n.nspname = 'stats' and c.relkind = 'v' order by 1")
    for v in $views; do
        sql="$sql union all select '$v', (to_jsonb(t) - array['obs_id', 'age', 'stale', 'first_received', 'last_received'])::text from stats.$v t"
    done
    for d in 2017-10-01 2019-03-02 2024-06-01; do
        sql="$sql union all select 'asof $d', to_jsonb(t)::text from stats.observation_asof('$d') t"
    done
    for d in 2023-06-30 2026-09-30; do
        sql="$sql union all select 'targets $d', to_jsonb(t)::text from stats.target_progress_at('$d') t"
    done
    PGTZ=UTC sp_psql -c "select count(*) || ' ' || md5(string_agg(r, E'\n' order by r)) from (select v || ' ' || j as r from (${sql# union all }) x(v, j)) y"
}

fresh() {
    sp_psql -c "drop schema if exists stats cascade; drop schema if exists statpipe cascade" >/dev/null 2>&1
    "$STATPIPE" migrate -q
    oracle_targets >/dev/null
}

# The vintages the trigger kept batch by batch are those computed from scratch.
vintages_as_recomputed() { # label
    sp_psql -c "create temp table kept as select * from statpipe.vintage;
                select statpipe.refresh_vintages(array_agg(series_id), array_agg(time_period))
                  from (select distinct series_id, time_period from statpipe.observation) s;
                select count(*) from ((table kept except all table statpipe.vintage)
                                      union all (table statpipe.vintage except all table kept)) d" \
        | tail -n 1
}

first=""
compare() { # label
    local fp
    check "$1: the kept vintages are the recomputed ones" 0 "$(vintages_as_recomputed)"
    fp=$(fingerprint)
    oracle_check >"$SP_TMP/oracle-$1.log" || fail "$1: the oracle does not hold: $(grep FAIL "$SP_TMP/oracle-$1.log" | head -n 3)"
    if [ -z "$first" ]; then
        first=$fp
        echo "ok - $1: views fingerprinted ($fp)"
    else
        check "$1: every view as in the first order" "$first" "$fp"
    fi
}

for order in file reverse 11 23 47; do
    for batch in 5000 1; do
        fresh
        oracle_permute "$order" | oracle_ndjson > "$SP_TMP/feed.ndjson"
        "$STATPIPE" load --batch-rows "$batch" "$SP_TMP/feed.ndjson" >/dev/null 2>&1 || true
        compare "order $order, batches of $batch"
    done
done

# Through the daemon: messages keyed by series, four partitions read in whatever
# interleaving the consumer makes, small batches.
sp_kafka_start --brokers 1 --topic oracle:4
fresh
oracle_permute 5 | oracle_ndjson > "$SP_TMP/feed.ndjson"
"$STATPIPE" produce -b "$BROKERS" -t oracle "$SP_TMP/feed.ndjson" >/dev/null
timeout 120 "$STATPIPE" run -b "$BROKERS" -t oracle -G perm -X session.timeout.ms=6000 \
    -X heartbeat.interval.ms=500 -e --batch-rows 7 2>"$SP_TMP/run.log" || fail "run -e failed"
check "the daemon read every message" 95 "$(sp_psql -c 'select sum(next_offset) from statpipe.kafka_offset')"
compare "the daemon, four partitions"
echo "PASS test_permutations"
