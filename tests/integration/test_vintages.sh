#!/usr/bin/env bash
# test_vintages.sh: each vintage rule of the contract, checked in SQL against numbers worked
# out by hand, once with every message in its own batch and once with all in one batch.
source "$(dirname "$0")/lib.sh"
sp_pg_start

obs() { # id period value unit release [extra json]
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"MIIT","indicator":"FBB_USERS","ref_area":"CN","freq":"M","time_period":"%s","value":%s,"unit":"%s","release":"%s"%s}\n' \
        "$1" "$2" "$3" "$4" "$5" "${6:-}"
}
{
    obs v1 2023-01 '"100"' 万户 2023-02-20T09:30:00+08:00
    obs v2 2023-01 '"110"' 万户 2023-03-20T09:30:00+08:00
    obs v3-same 2023-01 '"110"' 万户 2023-04-20T09:30:00+08:00          # stored; no new vintage
    obs v4-late 2023-01 '"105"' 万户 2023-03-01T09:30:00+08:00          # older release: history
    obs v2 2023-01 '"999"' 万户 2023-06-01T09:30:00+08:00               # id seen: no-op
    obs v5-del 2023-01 '"110"' 万户 2023-05-20T09:30:00+08:00 ',"action":"delete"'
    obs v6-embargo 2023-02 '"1"' 万户 2099-01-01T00:00:00Z              # not yet published
    obs v7 2023-02 '"200"' 万户 2023-03-20T09:30:00+08:00
    obs v8-fix 2023-02 '"201"' 万户 2023-03-20T09:30:00+08:00           # same release, corrected
    obs v9-unit 2023-02 '"2010000"' 户 2023-04-20T09:30:00+08:00        # 201 万户 again: nothing new
    obs v10-status 2023-02 '"201"' 万户 2023-05-20T09:30:00+08:00 ',"obs_status":"P"' # status differs: new
} > "$SP_TMP/vintages.ndjson"

verify() {
    local label=$1
    check "$label: vintages kept" "v1|100|1
v4-late|105|2
v2|110|3
v5-del||4" "$(sp_psql -c "select message_id, case when is_deleted then null else trim_scale(value / 10000) end, vintage_no
        from stats.observation_vintage where time_period = '2023-01' order by vintage_no")"
    check "$label: a later release closes the one before" "2023-03-01 01:30:00+00" \
        "$(sp_psql -c "set timezone = UTC; select valid_to from stats.observation_vintage where message_id = 'v1'")"
    check "$label: withdrawn from its release on" 0 \
        "$(sp_psql -c "select count(*) from stats.observation_latest where time_period = '2023-01'")"
    check "$label: as first published" 1000000 \
        "$(sp_psql -c "select value from stats.observation_first where time_period = '2023-01'")"
    check "$label: as known on 2023-02-25" 1000000 \
        "$(sp_psql -c "select value from stats.observation_asof('2023-02-25') where time_period = '2023-01'")"
    check "$label: the late release slots in as history" 1050000 \
        "$(sp_psql -c "select value from stats.observation_asof('2023-03-05') where time_period = '2023-01'")"
    check "$label: as known on 2023-04-30" 1100000 \
        "$(sp_psql -c "select value from stats.observation_asof('2023-04-30') where time_period = '2023-01'")"
    check "$label: nothing known before the first release" 0 \
        "$(sp_psql -c "select count(*) from stats.observation_asof('2023-01-01') where time_period = '2023-01'")"
    check "$label: asof(now) is latest" 0 \
        "$(sp_psql -c "select count(*) from (select * from stats.observation_asof(now()) except select * from stats.observation_latest) d")"
    # v7 and its same-release correction v8 are one vintage (201), v9 repeats it in 户, v10 is
    # new by its status: two vintages.
    check "$label: same-release correction wins, unit spelling is no news, status is" "2010000|P|2" \
        "$(sp_psql -c "select value, obs_status, (select count(*) from stats.observation_vintage where time_period = '2023-02') from stats.observation_latest where time_period = '2023-02'")"
    check "$label: embargoed release invisible" 0 \
        "$(sp_psql -c "select count(*) from stats.observation_vintage where message_id = 'v6-embargo'")"
    check "$label: embargoed release stored" 1 \
        "$(sp_psql -c "select count(*) from statpipe.observation where message_id = 'v6-embargo'")"
    check "$label: every release that says something is stored" "v1 v2 v3-same v4-late v5-del" \
        "$(sp_psql -c "select string_agg(message_id, ' ' order by message_id) from statpipe.observation where time_period = '2023-01'")"
    check "$label: a seen message id is a no-op" 0 \
        "$(sp_psql -c "select count(*) from statpipe.observation where value = 9990000")"
}

"$STATPIPE" migrate -q
while IFS= read -r line; do
    printf '%s\n' "$line" | "$STATPIPE" load - >/dev/null 2>&1
done < "$SP_TMP/vintages.ndjson"
verify "one batch each"
snapshot=$(sp_psql -c "select string_agg(concat_ws('|', message_id, value, release, is_deleted), ',' order by obs_id) from statpipe.observation")

sp_psql -c "drop schema stats cascade; drop schema statpipe cascade"
"$STATPIPE" migrate -q
"$STATPIPE" load "$SP_TMP/vintages.ndjson" >/dev/null 2>&1
verify "one batch"
check "both ways store the same vintages" "$snapshot" \
    "$(sp_psql -c "select string_agg(concat_ws('|', message_id, value, release, is_deleted), ',' order by obs_id) from statpipe.observation")"

"$STATPIPE" load "$SP_TMP/vintages.ndjson" >/dev/null 2>&1
check "loading it all again adds nothing" "$snapshot" \
    "$(sp_psql -c "select string_agg(concat_ws('|', message_id, value, release, is_deleted), ',' order by obs_id) from statpipe.observation")"
echo "PASS test_vintages"
