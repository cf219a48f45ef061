#!/usr/bin/env bash
# test_release_seq.sh: the usual batch goes in by COPY straight into the vintage table, and
# the table's unique index on (series, period, release, release_seq) sends every other
# batch through the merge (migration 033), with the vintage rules as before:
# - a feed of first figures commits every batch by COPY;
# - a release that says A, B, then A again of a period keeps three rows (release_seq 0, 1,
#   2) and its last word is A; a fourth A is a true duplicate and adds nothing; the same
#   in every order of batches and within one batch;
# - the feed again adds nothing (its ids are seen);
# - a release under embargo is remembered as due by the COPY path too;
# - the upgrade from 032 numbers the figures stored before, by arrival;
# - rejected messages go by COPY into the quarantine, and one waiting there already sends
#   its batch through the merge;
# - a writer that claims a release's first place twice is refused.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q

copied() { # log: "batches copied" of load's load_done line
    sed -n 's/.*event=load_done batches=\([0-9]*\) copied=\([0-9]*\).*/\1 \2/p' "$1"
}
rows() { sp_psql -c "select count(*) from statpipe.observation"; }

stored_rows() { # every observation as gen_feed.sh's GEN_EXPECTED lines, sorted
    sp_psql -c "select s.sender || '|' || s.indicator || '|' || s.ref_area || '|' || s.freq || '|'
                       || s.calc_basis || '|' || o.time_period || '|'
                       || to_char(o.release at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00|'
                       || trim_scale(o.value)
                  from statpipe.observation o join statpipe.series s using (series_id)" | sort
}

# 1. 620 first figures (20 months of 31 provinces), 50 a batch: 13 batches (620 / 50,
# rounded up), every one by COPY. The loader knows no series' id at first: the first
# batch, and the second, staged while the first commits, add the 31 series (or find them)
# by one statement, read their ids, and write them into their one COPY in place of the
# placeholders. Each row is its message's: series, period, release and value.
GEN_EXPECTED="$SP_TMP/first.expected" "$SP_SOURCE_DIR/tests/integration/gen_feed.sh" 620 0 first \
    > "$SP_TMP/first.ndjson"
"$STATPIPE" load --batch-rows 50 "$SP_TMP/first.ndjson" > /dev/null 2> "$SP_TMP/first.log" ||
    fail "load of the first feed: $(cat "$SP_TMP/first.log")"
check "a feed of first figures: 13 batches, each by COPY" "13 13" \
    "$(copied "$SP_TMP/first.log")"
check "each message one row, its release's first figure" "620|0" \
    "$(sp_psql -c "select count(*), max(release_seq) from statpipe.observation")"
check "the 31 series stored once each" 31 "$(sp_psql -c "select count(*) from statpipe.series")"
check "each row in its message's series, with its period, release and value" \
    "$(sort "$SP_TMP/first.expected")" "$(stored_rows)"
"$STATPIPE" load --batch-rows 50 "$SP_TMP/first.ndjson" > /dev/null 2> "$SP_TMP/again.log" ||
    fail "load of the first feed again: $(cat "$SP_TMP/again.log")"
check "the feed again adds nothing: 620 rows" 620 "$(rows)"
check "the feed again: no batch by COPY (its ids are seen)" "13 0" "$(copied "$SP_TMP/again.log")"

# 2. One release says of Beijing's 2030-01: A (100), B (200), A (100), A (100). Its rows:
# A at 0, B at 1, A at 2 (B was the last word when it came); the fourth A repeats the last
# word and is dropped. The vintage view shows the release's last word: 100 万户 = 1000000.
msg() { # id value
    printf '{"schema":"statpipe.observation/1","message_id":"aba-%s","sender":"MIIT","indicator":"FBB_USERS","ref_area":"110000","freq":"M","time_period":"2030-01","value":"%s","unit":"万户","release":"2030-02-20T09:30:00+08:00"}\n' "$1" "$2"
}
{ msg 1 100; msg 2 200; msg 3 100; msg 4 100; } > "$SP_TMP/aba.ndjson"
release_rows() {
    sp_psql -c "select string_agg(o.release_seq || ':' || trim_scale(o.value) || ':' || o.message_id, ' '
                                  order by o.release_seq)
                  from statpipe.observation o join statpipe.series s using (series_id)
                 where s.ref_area = '110000' and o.time_period = '2030-01'"
}
vintage_value() {
    sp_psql -c "select trim_scale(v.value) from statpipe.vintage v join statpipe.series s using (series_id)
                 where s.ref_area = '110000' and v.time_period = '2030-01' and v.valid_to is null"
}
reset_aba() {
    sp_psql -c "delete from statpipe.observation where message_id like 'aba-%';
                delete from statpipe.message_seen where message_id like 'aba-%';
                select statpipe.refresh_vintages(array_agg(series_id), array_agg('2030-01'::text))
                  from statpipe.series where ref_area = '110000'" >/dev/null
}
for batch in 1 4; do
    "$STATPIPE" load --batch-rows $batch "$SP_TMP/aba.ndjson" > /dev/null 2> "$SP_TMP/aba.log" ||
        fail "load of A, B, A, A: $(cat "$SP_TMP/aba.log")"
    check "A, B, A, A in batches of $batch: three rows, numbered in arrival order" \
        "0:1000000:aba-1 1:2000000:aba-2 2:1000000:aba-3" "$(release_rows)"
    check "A, B, A, A in batches of $batch: the release's last word is A" 1000000 "$(vintage_value)"
    reset_aba
done
# Every order of the four messages, one a batch: rows equal the release's words with each
# word that repeats the one before dropped, numbered in arrival order.
for order in "2 1 3 4" "2 3 1 4" "1 3 2 4" "3 4 2 1"; do
    : > "$SP_TMP/perm.ndjson"
    expected="" seq=0 last=""
    for i in $order; do
        grep "\"aba-$i\"" "$SP_TMP/aba.ndjson" >> "$SP_TMP/perm.ndjson"
        value=$(sed -n "s/.*\"aba-$i\".*\"value\":\"\([0-9]*\)\".*/\1/p" "$SP_TMP/aba.ndjson")
        if [ "$value" != "$last" ]; then
            expected="$expected $seq:$((value * 10000)):aba-$i"
            seq=$((seq + 1))
            last=$value
        fi
    done
    "$STATPIPE" load --batch-rows 1 "$SP_TMP/perm.ndjson" > /dev/null 2> "$SP_TMP/perm.log" ||
        fail "load of the order $order: $(cat "$SP_TMP/perm.log")"
    check "the order $order: each word that changes the last kept, in arrival order" \
        "${expected# }" "$(release_rows)"
    check "the order $order: the release's last word is its last message's" \
        "$((last * 10000))" "$(vintage_value)"
    reset_aba
done

# Two releases of one period in one batch are two first figures: the batch goes by COPY,
# and the period has two vintages, 10 万户 (100000) from the first release until the
# second, then 20 万户 (200000), current (no valid_to).
{
    printf '{"schema":"statpipe.observation/1","message_id":"two-1","sender":"MIIT","indicator":"FBB_USERS","ref_area":"110000","freq":"M","time_period":"2030-05","value":"10","unit":"万户","release":"2030-06-20T09:30:00+08:00"}\n'
    printf '{"schema":"statpipe.observation/1","message_id":"two-2","sender":"MIIT","indicator":"FBB_USERS","ref_area":"110000","freq":"M","time_period":"2030-05","value":"20","unit":"万户","release":"2030-07-20T09:30:00+08:00"}\n'
} > "$SP_TMP/two.ndjson"
"$STATPIPE" load "$SP_TMP/two.ndjson" > /dev/null 2> "$SP_TMP/two.log" || fail "load of two releases: $(cat "$SP_TMP/two.log")"
check "two releases of a period in one batch: by COPY" "1 1" "$(copied "$SP_TMP/two.log")"
check "two releases of a period in one batch: two vintages, each its release's first figure" \
    "100000|2030-06-20 01:30:00+00|2030-07-20 01:30:00+00|0 200000|2030-07-20 01:30:00+00|0" \
    "$(sp_psql -c "set timezone = 'UTC'; select string_agg(concat_ws('|', trim_scale(v.value), v.valid_from, v.valid_to,
                                                                 o.release_seq), ' ' order by v.valid_from)
                     from statpipe.vintage v join statpipe.series s using (series_id)
                     join statpipe.observation o on o.obs_id = v.obs_id
                    where s.ref_area = '110000' and v.time_period = '2030-05'")"

# Batches that hold a series the loader knows and one new to it, in either order: two
# messages a batch; the first batch's series are known from the third batch on (the second
# is staged while the first commits). The third holds MIIT's Beijing (known) then CAICT's
# Shanxi (new to the table too), the fourth CAICT's Inner Mongolia (new) then MIIT's
# Shanxi (known). Every batch by COPY, each row in its message's series, with its value:
# N 万户 = N × 10,000 (1 → 10000, ..., 8 → 80000).
mixed() { # id sender area period value
    printf '{"schema":"statpipe.observation/1","message_id":"mix-%s","sender":"%s","indicator":"FBB_USERS","ref_area":"%s","freq":"M","time_period":"%s","value":"%s","unit":"万户","release":"2032-06-20T09:30:00+08:00"}\n' "$@"
}
{ mixed 1 MIIT 110000 2032-01 1; mixed 2 MIIT 140000 2032-01 2;
  mixed 3 MIIT 110000 2032-02 3; mixed 4 MIIT 140000 2032-02 4;
  mixed 5 MIIT 110000 2032-03 5; mixed 6 CAICT 140000 2032-03 6;
  mixed 7 CAICT 150000 2032-03 7; mixed 8 MIIT 140000 2032-03 8; } > "$SP_TMP/mixed.ndjson"
"$STATPIPE" load --batch-rows 2 "$SP_TMP/mixed.ndjson" > /dev/null 2> "$SP_TMP/mixed.log" ||
    fail "load of mixed: $(cat "$SP_TMP/mixed.log")"
check "batches of a known series and a new one: 4 batches, each by COPY" "4 4" "$(copied "$SP_TMP/mixed.log")"
check "batches of a known series and a new one: each row in its message's series" \
    "mix-1:MIIT:110000:10000 mix-2:MIIT:140000:20000 mix-3:MIIT:110000:30000 mix-4:MIIT:140000:40000 mix-5:MIIT:110000:50000 mix-6:CAICT:140000:60000 mix-7:CAICT:150000:70000 mix-8:MIIT:140000:80000" \
    "$(sp_psql -c "select string_agg(o.message_id || ':' || s.sender || ':' || s.ref_area || ':' || trim_scale(o.value),
                                     ' ' order by o.message_id)
                     from statpipe.observation o join statpipe.series s using (series_id)
                    where o.message_id like 'mix-%'")"

# Another writer holds a figure of the same release and period (300 万户) in an open
# transaction while a loader COPYs its own (400 万户): the COPY waits, and when the writer
# commits it is refused by observation_slot; the batch goes through the merge, which finds
# the writer's figure and numbers its own after it. The release's last word is 400 万户.
# In the canonical unit N: 300 × 10,000 = 3000000 and 400 × 10,000 = 4000000.
series=$(sp_psql -c "select series_id from statpipe.series where ref_area = '110000'")
sp_writer_holding observation "insert into statpipe.observation (series_id, time_period, period_start, period_end,
                release, value, unit, value_published, unit_published, obs_status, conf_status, message_id)
            values ($series, '2030-08', '2030-08-01', '2030-08-31', '2030-09-20T09:30:00+08:00', 3000000,
                    'N', '300', '万户', 'A', 'F', 'writer-1')"
{ msg 8 0 | sed 's/2030-01/2030-09/'; msg 9 0 | sed 's/2030-01/2030-10/';
  msg 10 400 | sed 's/2030-01/2030-08/; s/2030-02-20/2030-09-20/'; } > "$SP_TMP/race.ndjson"
STATPIPE_LOG_LEVEL=debug "$STATPIPE" load --batch-rows 1 "$SP_TMP/race.ndjson" > /dev/null 2> "$SP_TMP/race.log" ||
    fail "load beside the writer: $(cat "$SP_TMP/race.log")"
wait "$SP_WRITER" || fail "the other writer failed"
check "beside a writer of the same release: the load's COPY refused once, merged after the writer's" \
    "1 0:3000000:writer-1 1:4000000:aba-10" \
    "$(grep -c 'event=batch_rerun reason="a release gave one of its periods a figure before"' "$SP_TMP/race.log") $(
       sp_psql -c "select string_agg(o.release_seq || ':' || trim_scale(o.value) || ':' || o.message_id, ' '
                                     order by o.release_seq)
                     from statpipe.observation o where o.series_id = $series and o.time_period = '2030-08'")"
check "beside a writer: the vintages are those one writer would leave" 0 "$(vintages_as_recomputed)"

# 3. A release under embargo (tomorrow) goes in by COPY and is remembered as due: when it
# comes due the data changes without a transaction. A release of last year is not due.
# One message a batch: the first finds the series' id, the second is staged before that
# (both add or find the series before their COPY), and the third, the embargoed one, goes
# in by COPY with the id the loader remembers.
future=$(date -u -d tomorrow +%Y-%m-%dT12:00:00Z)
{
    printf '{"schema":"statpipe.observation/1","message_id":"due-0","sender":"MIIT","indicator":"FBB_USERS","ref_area":"120000","freq":"M","time_period":"2031-03","value":"1","unit":"万户","release":"2025-04-20T09:30:00+08:00"}\n'
    printf '{"schema":"statpipe.observation/1","message_id":"due-2","sender":"MIIT","indicator":"FBB_USERS","ref_area":"120000","freq":"M","time_period":"2031-02","value":"1","unit":"万户","release":"2025-03-20T09:30:00+08:00"}\n'
    printf '{"schema":"statpipe.observation/1","message_id":"due-1","sender":"MIIT","indicator":"FBB_USERS","ref_area":"120000","freq":"M","time_period":"2031-01","value":"1","unit":"万户","release":"%s"}\n' "$future"
} > "$SP_TMP/due.ndjson"
"$STATPIPE" load --batch-rows 1 "$SP_TMP/due.ndjson" > /dev/null 2> "$SP_TMP/due.log" ||
    fail "load of due: $(cat "$SP_TMP/due.log")"
check "the embargoed release went in by COPY" "3 3" "$(copied "$SP_TMP/due.log")"
check "the embargoed release is due, the past ones are not" "t|f|f" \
    "$(sp_psql -c "select '$future'::timestamptz = any (due), '2025-03-20T09:30:00+08:00'::timestamptz = any (due),
                          '2025-04-20T09:30:00+08:00'::timestamptz = any (due) from statpipe.data_change")"

# Rejected messages go by COPY straight into the quarantine. A message that waits there
# already (the same bytes for the same reason) refuses the COPY; the batch is merged, which
# stores the good message beside it and keeps the waiting one once.
bad='{"schema":"statpipe.observation/1","message_id":"bad-1","sender":"MIIT","indicator":"NO_SUCH","ref_area":"110000","freq":"M","time_period":"2030-11","value":"1","unit":"万户","release":"2030-12-20T09:30:00+08:00"}'
{ msg 11 1 | sed 's/2030-01/2030-11/'; echo "$bad"; } > "$SP_TMP/bad1.ndjson"
{ msg 12 1 | sed 's/2030-01/2030-12/'; echo "$bad"; } > "$SP_TMP/bad2.ndjson"
"$STATPIPE" load "$SP_TMP/bad1.ndjson" > /dev/null 2> "$SP_TMP/bad1.log" || fail "load of bad1: $(cat "$SP_TMP/bad1.log")"
check "a batch with a rejected message: by COPY" "1 1" "$(copied "$SP_TMP/bad1.log")"
STATPIPE_LOG_LEVEL=debug "$STATPIPE" load "$SP_TMP/bad2.ndjson" > /dev/null 2> "$SP_TMP/bad2.log" ||
    fail "load of bad2: $(cat "$SP_TMP/bad2.log")"
check "the same rejected message again: the COPY refused once, the batch merged" "1 0 1" \
    "$(copied "$SP_TMP/bad2.log") $(grep -c 'event=batch_rerun reason="a rejected message waits in quarantine already"' "$SP_TMP/bad2.log")"
check "it waits in quarantine once, and the good message beside it is stored" "1|1" \
    "$(sp_psql -c "select (select count(*) from statpipe.quarantine where message_id = 'bad-1'),
                          (select count(*) from statpipe.observation where message_id = 'aba-12')")"

# 4. A writer other than the loader that stores a second figure of a release must number it:
# claiming the release's first place again is refused by observation_slot.
err=$(sp_psql -c "insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
                      value, unit, value_published, unit_published, obs_status, conf_status, message_id)
                  select o.series_id, o.time_period, o.period_start, o.period_end, o.release, 1, 'N', '1', 'N',
                         'A', 'F', 'other-writer'
                    from statpipe.observation o where o.message_id = 'first-0'" 2>&1) &&
    fail "a second figure claiming its release's first place was stored"
case $err in
*observation_slot*) echo "ok - a second claim to a release's first place is refused: ${err%%$'\n'*}" ;;
*) fail "refused for another reason: $err" ;;
esac

# 5. The upgrade from 032 with figures in use. The schema before it, as 030 left the table:
# no release_seq, the slot index on obs_id. A release says A, B, A of a period, by SQL as
# a writer of that schema could; migrate applies 033 only, numbers them 0, 1, 2 by
# arrival (and the writer's and the load's figures of 2030-08 above 0 and 1), keeps every
# row and every vintage, and the loader then numbers after them.
vintages() {
    sp_psql -c "select count(*) || ':' || md5(string_agg(v::text, ',' order by v::text)) from statpipe.vintage v"
}
sp_psql -1 >/dev/null <<'SQL'
CREATE UNIQUE INDEX observation_slot_obs ON statpipe.observation (series_id, time_period, release DESC, obs_id DESC);
ALTER TABLE statpipe.observation REPLICA IDENTITY USING INDEX observation_slot_obs;
ALTER TABLE statpipe.observation DROP COLUMN release_seq;
ALTER INDEX statpipe.observation_slot_obs RENAME TO observation_slot;
DELETE FROM statpipe.schema_migration WHERE name = '033_release_seq.sql';
SQL
check "before the upgrade, observation has no release_seq" 0 \
    "$(sp_psql -c "select count(*) from pg_attribute where attrelid = 'statpipe.observation'::regclass and attname = 'release_seq'")"
for v in 100 200 100; do
    sp_psql -c "insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
                    value, unit, value_published, unit_published, obs_status, conf_status, message_id)
                select series_id, '2030-01', '2030-01-01', '2030-01-31', '2030-02-20T09:30:00+08:00', $v * 10000,
                       'N', '$v', '万户', 'A', 'F', 'old-' || $v || '-' || clock_timestamp()
                  from statpipe.series where ref_area = '110000' and indicator = 'FBB_USERS'" >/dev/null
done
before_rows=$(sp_psql -c "select count(*) || ':' || md5(string_agg((to_jsonb(o) - 'release_seq')::text, ',' order by o.obs_id)) from statpipe.observation o")
before_vintages=$(vintages)
check "the upgrade applies 033" "applied migration 033_release_seq.sql" \
    "$("$STATPIPE" migrate | grep '^applied migration')"
check "no row lost or changed" "$before_rows" \
    "$(sp_psql -c "select count(*) || ':' || md5(string_agg((to_jsonb(o) - 'release_seq')::text, ',' order by o.obs_id)) from statpipe.observation o")"
check "no vintage changed" "$before_vintages" "$(vintages)"
check "the release's figures numbered 0, 1, 2 by arrival" "0:1000000 1:2000000 2:1000000" \
    "$(sp_psql -c "select string_agg(o.release_seq || ':' || trim_scale(o.value), ' ' order by o.obs_id)
                     from statpipe.observation o join statpipe.series s using (series_id)
                    where s.ref_area = '110000' and o.time_period = '2030-01'")"
# Above 0: B and the second A of 2030-01 (1, 2) and the load's figure of 2030-08 (1): 3.
check "every figure numbered by arrival within its release, from 0" "0|3" \
    "$(sp_psql -c "select count(*) filter (where release_seq <> n), count(*) filter (where release_seq > 0)
                     from (select release_seq, row_number() over (partition by series_id, time_period, release
                                                                   order by obs_id) - 1 as n
                             from statpipe.observation) o")"
check "the slot index is unique on release_seq and includes series_id" \
    "CREATE UNIQUE INDEX observation_slot ON statpipe.observation USING btree (series_id, time_period, release DESC, release_seq DESC)" \
    "$(sp_psql -c "select pg_get_indexdef('statpipe.observation_slot'::regclass)")"
# B after the upgrade: the release's last word was A (2), so B is kept, at 3. A figure of
# two other periods first, so that the loader knows the series' id when it stages B and
# tries B by COPY.
{ msg 6 300 | sed 's/2030-01/2030-02/'; msg 7 300 | sed 's/2030-01/2030-03/'; msg 5 200; } > "$SP_TMP/after.ndjson"
STATPIPE_LOG_LEVEL=debug "$STATPIPE" load --batch-rows 1 "$SP_TMP/after.ndjson" > /dev/null 2> "$SP_TMP/after.log" ||
    fail "load after the upgrade: $(cat "$SP_TMP/after.log")"
check "a figure after the upgrade is numbered after them" "3:2000000:aba-5" \
    "$(sp_psql -c "select o.release_seq || ':' || trim_scale(o.value) || ':' || o.message_id
                     from statpipe.observation o where o.message_id = 'aba-5'")"
check "B's COPY was refused by the slot index, and its batch merged" "3 2 1" \
    "$(copied "$SP_TMP/after.log") $(grep -c 'event=batch_rerun reason="a release gave one of its periods a figure before"' "$SP_TMP/after.log")"
check "the release's last word is now B" 2000000 "$(vintage_value)"
echo "PASS test_release_seq"
