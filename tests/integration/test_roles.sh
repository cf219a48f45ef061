#!/usr/bin/env bash
# test_roles.sh: migrate's roles, tested by connecting as them: a loader loads with only
# what loading needs; a reader reads the stats views only, never a confidential figure
# (conf_status C or N) nor one whose release is still in the future; an internal reader
# sees the confidential ones but not the embargoed.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
"$STATPIPE" migrate -q   # roles already there: still fine
sp_psql -c "create role loader login in role statpipe_loader;
            create role analyst login in role statpipe_reader;
            create role insider login in role statpipe_reader, statpipe_internal"

obs() { # id period value conf release
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"MIIT","indicator":"FBB_USERS","ref_area":"CN","freq":"A","time_period":"%s","value":"%s","unit":"万户","conf_status":"%s","release":"%s"}\n' "$@"
}
{
    obs pub 2019 100 F 2020-01-20T00:00:00Z
    obs conf 2020 200 C 2021-01-20T00:00:00Z
    obs internal 2021 300 N 2022-01-20T00:00:00Z
    obs future 2022 400 F 2099-01-20T00:00:00Z
    obs pub-2018 2018 90 F 2019-01-20T00:00:00Z
    obs conf-rev-2018 2018 95 C 2019-06-20T00:00:00Z      # a confidential revision
} > "$SP_TMP/conf.ndjson"
PGUSER=loader "$STATPIPE" load "$SP_TMP/conf.ndjson" > "$SP_TMP/load.out" 2>&1 \
    || fail "load as statpipe_loader failed: $(tail -n 3 "$SP_TMP/load.out")"
check "the loader loaded everything" 6 "$(sp_psql -c 'select count(*) from statpipe.observation')"

as() { local who=$1; shift; PGUSER=$who sp_psql "$@"; }
check "reader: public figures only, the public vintage of a confidentially revised one" "2018|900000
2019|1000000" "$(as analyst -c "select time_period, value from stats.observation_latest order by 1")"
check "reader: nothing confidential in any view" "0|0|0|0" \
    "$(as analyst -c "select (select count(*) from stats.observation_vintage where conf_status in ('C','N')),
                             (select count(*) from stats.observation_first where conf_status in ('C','N')),
                             (select count(*) from stats.period_value where conf_status in ('C','N')),
                             (select count(*) from stats.observation_asof(now()) where conf_status in ('C','N'))")"
check "reader: annual values without confidential years" "2018|2019" \
    "$(as analyst -c "select string_agg(year::text, '|' order by year) from stats.annual_value where indicator = 'FBB_USERS'")"
check "reader: no embargoed release" 0 \
    "$(as analyst -c "select count(*) from stats.observation_vintage where time_period = '2022'")"
if as analyst -c 'select count(*) from statpipe.observation' >/dev/null 2>"$SP_TMP/denied.err"; then
    fail "a reader can read statpipe.observation"
fi
grep -q "permission denied" "$SP_TMP/denied.err" || fail "unexpected error: $(cat "$SP_TMP/denied.err")"
echo "ok - reader cannot read the pipeline's tables"
check "internal reader: confidential figures too, still no embargo" "2018|950000
2019|1000000
2020|2000000
2021|3000000" "$(as insider -c "select time_period, value from stats.observation_latest order by 1")"
if as loader -c "delete from statpipe.observation" >/dev/null 2>&1; then
    fail "the loader may delete observations"
fi
echo "ok - the loader cannot delete"
echo "PASS test_roles"
