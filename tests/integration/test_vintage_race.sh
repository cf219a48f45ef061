#!/usr/bin/env bash
# test_vintage_race.sh: two transactions storing the same (series, period) at once leave the
# vintages a single writer would have left (migration 031). Another writer holds its
# transaction open with a figure of the period while `statpipe load` stores a figure of the
# same period from a later release: the load waits for it, runs its batch again when it
# commits, and the period ends with one current vintage, equal to a recomputation from
# scratch. Once for a period stored before (the two meet on the vintage they both replace),
# once for a new period (they meet only on the index of current vintages). Then the upgrade
# to 031 of a database where such a race left two current vintages of a period.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q

# msg ID PERIOD VALUE RELEASE: a figure of MIIT's national monthly FBB_USERS.
msg() {
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"MIIT","indicator":"FBB_USERS","ref_area":"CN","freq":"M","time_period":"%s","calc_basis":"PER","value":"%s","unit":"万户","obs_status":"A","release":"%s"}\n' "$@"
}
msg first-2025-11 2025-11 100 2025-12-20T09:30:00+08:00 > "$SP_TMP/first.ndjson"
"$STATPIPE" load "$SP_TMP/first.ndjson" >/dev/null 2>&1 || fail "the first load failed"
series=$(sp_psql -c "select series_id from statpipe.series where sender = 'MIIT' and indicator = 'FBB_USERS'")

# race PERIOD: the other writer's figure 200 万户 (release a month after the period's first)
# and the load's figure 300 万户 (two months after), at once. Stored in the canonical unit,
# N (one household; 1 万户 = 10,000 N): 200 × 10,000 = 2,000,000 and 300 × 10,000 =
# 3,000,000; the first figure of 2025-11, 100 万户, is 1,000,000.
race() {
    local period=$1 y=${1%-*} m=${1#*-}
    local start="$y-$m-01" stop
    stop=$(sp_psql -c "select (date '$start' + interval '1 month' - interval '1 day')::date")
    # The other writer commits once another backend waits for one of its locks.
    sp_writer_holding vintage "insert into statpipe.observation (series_id, time_period, period_start,
                    period_end, release, value, unit, value_published, unit_published,
                    obs_status, conf_status, message_id)
                values ($series, '$period', '$start', '$stop', '2026-01-20T09:30:00+08:00', 2000000,
                        'N', '200', '万户', 'A', 'F', 'other-$period')"
    msg "load-$period" "$period" 300 2026-02-20T09:30:00+08:00 > "$SP_TMP/race.ndjson"
    local rc=0
    "$STATPIPE" load "$SP_TMP/race.ndjson" >/dev/null 2>"$SP_TMP/race-$period.log" || rc=$?
    check "$period: the load succeeds" 0 "$rc"
    wait "$SP_WRITER" || fail "$period: the other writer failed"
    grep -q 'event=batch_rerun reason="another transaction stored one of its periods"' \
        "$SP_TMP/race-$period.log" || fail "$period: the load did not meet the other writer: $(cat "$SP_TMP/race-$period.log")"
    # Current vintages, and the vintages against a recomputation from scratch.
    check "$period: one current vintage, the load's" "3000000" \
        "$(sp_psql -c "select string_agg(value::text, ',') from statpipe.vintage
                        where series_id = $series and time_period = '$period' and valid_to is null")"
    check "$period: the vintages are those one writer would leave" 0 "$(vintages_as_recomputed)"
}

race 2025-11 # stored before: its first figure, 100 万户, is the vintage both replace
check "2025-11: three vintages, 100 then 200 then 300 万户" "1000000,2000000,3000000" \
    "$(sp_psql -c "select string_agg(value::text, ',' order by valid_from) from statpipe.vintage
                    where series_id = $series and time_period = '2025-11'")"
race 2025-10 # new: nothing stored of it before
check "2025-10: two vintages, 200 then 300 万户" "2000000,3000000" \
    "$(sp_psql -c "select string_agg(value::text, ',' order by valid_from) from statpipe.vintage
                    where series_id = $series and time_period = '2025-10'")"
check "every figure stored once" 5 "$(sp_psql -c "select count(*) from statpipe.observation")"

# The upgrade to 031 on a database in use where such a race already left a period with two
# current vintages: the schema before it (its index of current vintages not unique), and a
# second current vintage of 2025-10 beside the true one.
vintages() {
    sp_psql -c "select string_agg(concat_ws('|', series_id, time_period, audience, valid_from, valid_to,
                    vintage_no, value, obs_id), ',' order by series_id, time_period, audience, valid_from)
                  from statpipe.vintage"
}
true_vintages=$(vintages)
sp_psql -c "drop index statpipe.vintage_current" \
    -c "create index vintage_current on statpipe.vintage (series_id, time_period) where valid_to is null" \
    -c "delete from statpipe.schema_migration where name = '031_vintage_one_current.sql'" \
    -c "insert into statpipe.vintage
        select series_id, time_period, audience, '2026-03-20T09:30:00+08:00', null, vintage_no + 1,
               period_start, period_end, 4000000, unit, obs_status, conf_status, is_deleted,
               '400', unit_published, unit_mult, comment, 'stray', obs_id
          from statpipe.vintage where time_period = '2025-10' and valid_to is null" >/dev/null
check "before the upgrade, 2025-10 has two current vintages" 2 \
    "$(sp_psql -c "select count(*) from statpipe.vintage where time_period = '2025-10' and valid_to is null")"
check "the upgrade applies 031" "applied migration 031_vintage_one_current.sql" \
    "$("$STATPIPE" migrate | grep '^applied migration')"
check "after it, every vintage is what the observations say, and no other row" "$true_vintages" "$(vintages)"
check "the index of current vintages is unique" t \
    "$(sp_psql -c "select indisunique from pg_index where indexrelid = 'statpipe.vintage_current'::regclass")"
echo "ok - test_vintage_race"
