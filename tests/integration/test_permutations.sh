#!/usr/bin/env bash
# test_permutations.sh: the same messages in any order give the same views. The oracle's
# observations are loaded in several orders (file order, reversed, shuffled), in one batch
# and one message per batch, and through the daemon from a topic of four partitions; every
# view of schema stats must come out the same each time, and the oracle must hold each time.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oracle.sh"
sp_pg_start

fresh() {
    sp_psql -c "drop schema if exists stats cascade; drop schema if exists statpipe cascade" >/dev/null 2>&1
    "$STATPIPE" migrate -q
    oracle_targets >/dev/null
}

# The period and annual values and growth kept batch by batch, once refreshed, are those
# computed from scratch, and, for every kept year whose values an internal reader sees now
# (no release under embargo), those the query-time functions compute; stats.growth is
# stats.growth_of everywhere. Prints the number of differing
# rows, then the number of kept years compared.
kept_as_computed() {
    sp_psql -c "select statpipe.refresh_stale()" >/dev/null
    sp_psql -c "create temp table kp as select * from statpipe.period_value_kept;
                create temp table ka as select * from statpipe.annual_value_kept;
                create temp table ky as select * from statpipe.kept_year;
                $SP_KEPT_RECOMPUTE_ALL;
                create temp table cur as select indicator, ref_area, year from statpipe.kept_year_now where current;
                create temp table lp as
                select s.series_id, p.* from statpipe.series s
                 cross join lateral stats.period_values_shown(s.series_id, now()) p
                  join cur c on c.indicator = s.indicator and c.ref_area = s.ref_area
                   and c.year = extract(year from p.period_end);
                create temp table la as
                select ia.breakdown, a.*
                  from (select distinct s.indicator, s.ref_area, s.breakdown from cur
                          join statpipe.series s using (indicator, ref_area)) ia
                 cross join lateral stats.annual_values_measured(ia.indicator, ia.ref_area, now(), ia.breakdown) a
                  join cur c on c.indicator = ia.indicator and c.ref_area = ia.ref_area and c.year = a.year;
                create temp table kps as
                select k.series_id, k.time_period, k.period_start, k.period_end, k.value, k.unit,
                       k.obs_status, k.conf_status, k.release, k.covered_from, k.covered_to, k.months_covered
                  from statpipe.period_value_kept k join statpipe.series s using (series_id)
                  join cur c on c.indicator = s.indicator and c.ref_area = s.ref_area and c.year = k.year
                 where k.shown;
                -- growth: kept where a year and the year before are current (or the year
                -- before has no vintages), and the whole view, against stats.growth_of
                create temp table lg as
                select g.sender, g.indicator, g.ref_area, g.freq, x.time_period, x.previous_value,
                       x.year_ago_value
                  from (select distinct s.sender, s.indicator, s.ref_area, s.freq
                          from statpipe.series s join (select distinct indicator, ref_area from cur) c
                         using (indicator, ref_area)) g
                 cross join lateral stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now()) x
                  join cur c on c.indicator = g.indicator and c.ref_area = g.ref_area
                   and c.year = extract(year from x.covered_to)
                 where not exists (select 1 from statpipe.kept_year_now n
                                    where not n.current and n.indicator = g.indicator
                                      and n.ref_area = g.ref_area and n.year = c.year - 1);
                create temp table kg as
                select k.sender, k.indicator, k.ref_area, k.freq, k.time_period, k.previous_value,
                       k.year_ago_value
                  from statpipe.period_value_kept k
                  join cur c on c.indicator = k.indicator and c.ref_area = k.ref_area and c.year = k.year
                 where k.shown
                   and not exists (select 1 from statpipe.kept_year_now n
                                    where not n.current and n.indicator = k.indicator
                                      and n.ref_area = k.ref_area and n.year = k.year - 1);
                create temp table vg as select * from stats.growth;
                create temp table fg as
                select g.sender, g.indicator, g.ref_area, g.freq, x.*, g.breakdown
                  from (select distinct sender, indicator, ref_area, freq, breakdown from statpipe.series) g
                 cross join lateral stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now(), g.breakdown) x;
                create temp table kas as
                select k.breakdown, k.year, k.value, k.unit, k.sender, k.freq, k.published_as, k.method,
                       k.months_covered, k.complete, k.last_period, k.last_period_end, k.release
                  from statpipe.annual_value_kept k
                  join cur c on c.indicator = k.indicator and c.ref_area = k.ref_area and c.year = k.year;
                select (select count(*) from ((table kp except all table statpipe.period_value_kept)
                                              union all (table statpipe.period_value_kept except all table kp)) d)
                     + (select count(*) from ((table ka except all table statpipe.annual_value_kept)
                                              union all (table statpipe.annual_value_kept except all table ka)) d)
                     + (select count(*) from ((table ky except all table statpipe.kept_year)
                                              union all (table statpipe.kept_year except all table ky)) d)
                     + (select count(*) from ((table lp except all table kps) union all (table kps except all table lp)) d)
                     + (select count(*) from ((table la except all table kas) union all (table kas except all table la)) d)
                     + (select count(*) from ((table lg except all table kg) union all (table kg except all table lg)) d)
                     + (select count(*) from ((table vg except all table fg) union all (table fg except all table vg)) d)
                     || ' ' || (select count(*) from cur)" \
        | tail -n 1
}

first=""
compare() { # label
    local fp kept
    check "$1: the kept vintages are the recomputed ones" 0 "$(vintages_as_recomputed)"
    kept=$(kept_as_computed)
    check "$1: the kept period and annual values are the computed ones" 0 "${kept%% *}"
    [ "${kept#* }" -gt 20 ] || fail "$1: only ${kept#* } kept years compared"
    fp=$(oracle_fingerprint)
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

# Two transactions storing figures of the same indicator, area and year at once (as two
# lanes of the daemon do for two senders' series): the views show both at once, and the
# kept values, once refreshed, hold both.
fresh
sp_psql -c "insert into statpipe.series (sender, indicator, ref_area, freq, calc_basis)
            values ('MIIT', 'FBB_USERS', 'CN', 'A', 'PER'), ('CNNIC', 'FBB_USERS', 'CN', 'A', 'PER')" >/dev/null
insert_sql() { # sender value [year]
    local y=${3:-2022}
    echo "insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
              value, unit, value_published, unit_published, obs_status, conf_status, message_id)
          select series_id, '$y', '$y-01-01', '$y-12-31', '$((y + 1))-01-20', $2, 'N', '$2', '万户', 'A', 'F', '$1-$y'
            from statpipe.series where sender = '$1' and indicator = 'FBB_USERS'"
}
# Runs the first statement in a transaction that stays open 3 s, and the second meanwhile.
concurrently() { # first-sql second-sql
    sp_psql -c "begin" -c "$1" -c "select pg_sleep(3)" -c "commit" >/dev/null &
    local first_tx=$!
    sleep 1
    sp_psql -c "$2" >/dev/null || fail "the second transaction failed"
    wait "$first_tx" || fail "the first transaction failed"
}
concurrently "$(insert_sql MIIT 100)" "$(insert_sql CNNIC 200)"
check "both senders' figures are kept" "CNNIC 200,MIIT 100" \
    "$(sp_psql -c "select string_agg(sender || ' ' || trim_scale(value), ',' order by sender) from stats.observation_latest where indicator = 'FBB_USERS'")"
kept=$(kept_as_computed)
check "concurrent transactions: the kept values are the computed ones" 0 "${kept%% *}"
# The year after: its growth needs the year before, which the first transaction is
# storing; once both committed, MIIT's 2024 finds 2023 as its previous value.
concurrently "$(insert_sql MIIT 150 2023)" "$(insert_sql MIIT 180 2024)"
# previous values: 2022 has none stored before it; 2023's is 2022's 100; 2024's is 2023's 150
check "concurrent years: growth over the year the other transaction stored" "2022|,2023|100,2024|150" \
    "$(sp_psql -c "select string_agg(time_period || '|' || coalesce(trim_scale(previous_value)::text, ''), ',' order by time_period)
                    from stats.growth where indicator = 'FBB_USERS' and sender = 'MIIT'")"
kept=$(kept_as_computed)
check "concurrent years: the kept values are the computed ones" 0 "${kept%% *}"

# One statement touching 35,840 kept years (28 indicators, 32 areas, 40 years): more than
# PostgreSQL's lock table holds one lock per kept year.
sp_psql -c "insert into statpipe.series (sender, indicator, ref_area, freq, calc_basis)
            select 'BULK', i.code, r.code, 'A', 'PER' from statpipe.indicator i, statpipe.region r
             where r.code = 'CN' or r.in_national_total" >/dev/null
sp_psql -c "insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
                value, unit, value_published, unit_published, obs_status, conf_status, message_id)
            select s.series_id, y::text, make_date(y, 1, 1), make_date(y, 12, 31), make_date(y + 1, 2, 1),
                   s.series_id + y, 'N', (s.series_id + y)::text, 'N', 'A', 'F', 'bulk-' || s.series_id || '-' || y
              from statpipe.series s, generate_series(1980, 2019) y where s.sender = 'BULK'" >/dev/null \
    || fail "a statement touching 35,840 kept years failed"
check "a bulk statement: every kept year refreshed" 35840 \
    "$(sp_psql -c "select statpipe.refresh_stale()" >/dev/null
       sp_psql -c "select count(*) from statpipe.kept_year k where k.year between 1980 and 2019")"
kept=$(kept_as_computed)
check "a bulk statement: the kept values are the computed ones" 0 "${kept%% *}"

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
