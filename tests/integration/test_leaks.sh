#!/usr/bin/env bash
# test_leaks.sh: what a reader login cannot learn, tried as an attacker would: a function of
# its own named like pg_catalog's confidentiality test, found first on its search_path; the
# data-quality views of a series known only from confidential figures; an embargoed release
# of the authoritative sender, which must not change any view before its release time.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
sp_psql -c "create role analyst login in role statpipe_reader;
            create schema analyst authorization analyst"

obs() { # id sender indicator area period value conf release
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"%s","indicator":"%s","ref_area":"%s","freq":"A","time_period":"%s","value":"%s","unit":"%s","conf_status":"%s","release":"%s"}\n' "$@"
}
{
    obs pub MIIT FBB_USERS CN 2019 100 万户 F 2020-01-20T00:00:00Z
    obs conf MIIT FBB_USERS CN 2020 200 万户 C 2021-01-20T00:00:00Z
    # a series known only from confidential figures, with a gap
    obs secret-1 MIIT FBB_USERS 110000 2019 10 万户 C 2020-01-20T00:00:00Z
    obs secret-3 MIIT FBB_USERS 110000 2021 12 万户 N 2022-01-20T00:00:00Z
    # information consumption: MIIT's 2022, and the authoritative CAICT's under embargo
    obs miit-22 MIIT INFO_CONS CN 2022 7.2 万亿元 F 2023-02-01T00:00:00Z
    obs caict-22 CAICT INFO_CONS CN 2022 7.5 万亿元 F 2099-03-01T00:00:00Z
    obs caict-21 CAICT INFO_CONS CN 2021 6.8 万亿元 F 2022-03-01T00:00:00Z
} > "$SP_TMP/leaks.ndjson"
"$STATPIPE" load "$SP_TMP/leaks.ndjson" >/dev/null 2>&1
check "everything loaded" 7 "$(sp_psql -c 'select count(*) from statpipe.observation')"

as_analyst() { PGUSER=analyst sp_psql "$@"; }
# The attack: the reader's own pg_has_role, first on its search_path, answers true.
as_analyst -c "create function analyst.pg_has_role(name, text, text) returns boolean
               language sql as 'select true'"
attack="set search_path = analyst, pg_catalog;"
check "the reader's own pg_has_role answers true" t \
    "$(as_analyst -c "$attack" -c "select pg_has_role(session_user, 'statpipe_internal', 'MEMBER')")"
check "confidentiality holds against it in every view" "0|0|0|0|0|f" \
    "$(as_analyst -c "$attack" -c "select (select count(*) from stats.observation_latest where conf_status in ('C', 'N')),
        (select count(*) from stats.observation_vintage where conf_status in ('C', 'N')),
        (select count(*) from stats.observation_first where conf_status in ('C', 'N')),
        (select count(*) from stats.stale_series where ref_area = '110000'),
        (select count(*) from stats.missing_period where ref_area = '110000'),
        stats.sees_confidential()")"

check "a series known only from confidential figures is not listed as stale" 0 \
    "$(as_analyst -c "select count(*) from stats.stale_series where ref_area = '110000'")"
check "nor its gap as a missing period" 0 \
    "$(as_analyst -c "select count(*) from stats.missing_period where ref_area = '110000'")"
check "the public series' last release is its public one" "2019|2020-01-20" \
    "$(as_analyst -c "set timezone = UTC; select last_period, last_release::date from stats.stale_series where ref_area = 'CN' and indicator = 'FBB_USERS'")"
check "an internal reader sees them" "1|1" \
    "$(sp_psql -c "select (select count(*) from stats.stale_series where ref_area = '110000'),
                          (select count(*) from stats.missing_period where ref_area = '110000')")"

# The embargoed CAICT 2022 must not displace MIIT's 2022 before 2099.
check "an embargoed authoritative release changes no annual value" "2021|6.8|CAICT
2022|7.2|MIIT" "$(as_analyst -c "select year, trim_scale(value / 1e12), sender from stats.annual_value
                                  where indicator = 'INFO_CONS' order by year")"
check "nor the scorecard" "2022|7.2" \
    "$(as_analyst -c "select latest_year, trim_scale(latest_value / 1e12) from stats.target_progress_at('2023-06-30')
                      where indicator = 'INFO_CONS' and plan = 'NISDO-2016' and target_year = 2025")"
echo "PASS test_leaks"
