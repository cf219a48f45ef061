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

# period_value and annual_value keep values computed as an internal reader sees them once
# every release is public. A public reader gets no FBB_USERS year (CN 2019 is withheld
# beside Beijing's confidential 2019, the rest is confidential), and INFO_CONS without the
# embargoed CAICT 2022.
check "period_value and annual_value: what a public reader may see" "|CAICT 2021,MIIT 2022|" \
    "$(as_analyst -c "select (select string_agg(time_period, ',') from stats.period_value where indicator = 'FBB_USERS'),
                             (select string_agg(sender || ' ' || time_period, ',' order by time_period) from stats.period_value where indicator = 'INFO_CONS'),
                             (select string_agg(year::text, ',') from stats.annual_value where indicator = 'FBB_USERS')")"
check "an internal reader sees the confidential years too" "2019,2019,2020,2021|2019,2019,2020,2021" \
    "$(sp_psql -c "select (select string_agg(time_period, ',' order by time_period) from stats.period_value where indicator = 'FBB_USERS'),
                          (select string_agg(year::text, ',' order by year) from stats.annual_value where indicator = 'FBB_USERS')")"
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

# Secondary suppression, tried as the subtraction attack: 5G base stations in 2022, CN
# 1000 (public) and 31 provinces adding up to it, Beijing's 100 confidential. National
# minus the 30 visible provinces would be Beijing's figure, in every view that shows a
# national figure beside provincial ones: the national figure is left out for readers.
areas=$(sp_psql -c "select string_agg(code, ' ' order by code) from statpipe.region where level = 1 and in_national_total")
{
    printf '{"schema":"statpipe.observation/1","message_id":"bs-cn-22","sender":"MIIT","indicator":"BS_5G","ref_area":"CN","freq":"A","time_period":"2022","value":"1000","unit":"个","release":"2023-01-20T00:00:00Z"}\n'
    printf '{"schema":"statpipe.observation/1","message_id":"bs-cn-21","sender":"MIIT","indicator":"BS_5G","ref_area":"CN","freq":"A","time_period":"2021","value":"700","unit":"个","release":"2022-01-20T00:00:00Z"}\n'
    # the national figure monthly too: December 2022 overlaps the confidential year
    printf '{"schema":"statpipe.observation/1","message_id":"bs-cn-2212","sender":"MIIT","indicator":"BS_5G","ref_area":"CN","freq":"M","time_period":"2022-12","value":"1000","unit":"个","release":"2023-01-10T00:00:00Z"}\n'
    for a in $areas; do
        if [ "$a" = 110000 ]; then v=100 c=C; else v=30 c=F; fi # 100 + 30 * 30 = 1000
        printf '{"schema":"statpipe.observation/1","message_id":"bs-%s","sender":"MIIT","indicator":"BS_5G","ref_area":"%s","freq":"A","time_period":"2022","value":"%s","unit":"个","conf_status":"%s","release":"2023-01-20T00:00:00Z"}\n' "$a" "$a" "$v" "$c"
    done
} > "$SP_TMP/bs.ndjson"
"$STATPIPE" load "$SP_TMP/bs.ndjson" >/dev/null 2>&1
check "the 5G figures loaded" 34 "$(sp_psql -c "select count(*) from statpipe.observation o join statpipe.series s using (series_id) where s.indicator = 'BS_5G'")"
check "an internal reader sees the national figure and a zero difference" "1000|0|31" \
    "$(sp_psql -c "select trim_scale(published_national), trim_scale(difference), provinces from stats.national_check where indicator = 'BS_5G' and year = 2022")"
# The attack in each view that shows a national figure: national minus the visible provinces.
check "observation_latest: no national 2022 figure, yearly or monthly; 2021 stays" "2021" \
    "$(as_analyst -c "select string_agg(time_period, ',') from stats.observation_latest where indicator = 'BS_5G' and ref_area = 'CN'")"
check "observation_vintage and observation_first: none either" "1|1" \
    "$(as_analyst -c "select (select count(*) from stats.observation_vintage where indicator = 'BS_5G' and ref_area = 'CN'),
                             (select count(*) from stats.observation_first where indicator = 'BS_5G' and ref_area = 'CN')")"
check "period_value and annual_value: no national 2022" "0|0" \
    "$(as_analyst -c "select (select count(*) from stats.period_value where indicator = 'BS_5G' and ref_area = 'CN' and time_period like '2022%'),
                             (select count(*) from stats.annual_value where indicator = 'BS_5G' and ref_area = 'CN' and year = 2022)")"
check "national_check: no 2022 row, so no difference to read" 0 \
    "$(as_analyst -c "select count(*) from stats.national_check where indicator = 'BS_5G' and year = 2022")"
check "regional_value: the visible provinces only (30 * 30 = 900)" "900|30|31" \
    "$(as_analyst -c "select trim_scale(value), provinces, provinces_expected from stats.regional_value where indicator = 'BS_5G' and year = 2022 and region_group = 'ALL'")"
check "no view gives national - visible provinces = Beijing's 100" 0 \
    "$(as_analyst -c "select count(*) from stats.observation_latest n, stats.regional_value p
                       where n.indicator = 'BS_5G' and n.ref_area = 'CN' and p.indicator = 'BS_5G'
                         and p.region_group = 'ALL' and p.year = left(n.time_period, 4)::int
                         and n.value - p.value = 100")"
# (2022-12 released 2023-01-10, before Beijing's 2023-01-20; the annual 2022 not yet out)
check "as of a moment before Beijing's figure, the national one is there" "2021,2022-12" \
    "$(as_analyst -c "select string_agg(time_period, ',' order by time_period) from stats.observation_asof('2023-01-15')
                      where indicator = 'BS_5G' and ref_area = 'CN'")"
# Beijing's figure published freely later: the suppression lifts.
printf '{"schema":"statpipe.observation/1","message_id":"bs-110000-free","sender":"MIIT","indicator":"BS_5G","ref_area":"110000","freq":"A","time_period":"2022","value":"100","unit":"个","conf_status":"F","release":"2023-03-01T00:00:00Z"}\n' \
    > "$SP_TMP/bs-free.ndjson"
"$STATPIPE" load "$SP_TMP/bs-free.ndjson" >/dev/null 2>&1
check "a province made public again: the national figure is back" "2021,2022,2022-12" \
    "$(as_analyst -c "select string_agg(time_period, ',' order by time_period) from stats.observation_latest where indicator = 'BS_5G' and ref_area = 'CN'")"

# A ratio rolls up too (weighted by population): its national figure is suppressed the same
# way; an indicator that does not roll up (space_agg none) keeps its national figure.
{
    for ind in MBB_PEN DIGITAL_CORE_SHARE; do
        printf '{"schema":"statpipe.observation/1","message_id":"%s-cn","sender":"MIIT","indicator":"%s","ref_area":"CN","freq":"A","time_period":"2022","value":"50","unit":"%%","release":"2023-01-20T00:00:00Z"}\n' "$ind" "$ind"
        printf '{"schema":"statpipe.observation/1","message_id":"%s-bj","sender":"MIIT","indicator":"%s","ref_area":"110000","freq":"A","time_period":"2022","value":"70","unit":"%%","conf_status":"N","release":"2023-01-20T00:00:00Z"}\n' "$ind" "$ind"
    done
} > "$SP_TMP/ratio.ndjson"
"$STATPIPE" load "$SP_TMP/ratio.ndjson" >/dev/null 2>&1 || fail "ratio figures did not load"
check "a weighted ratio's national figure is suppressed; one that does not roll up is not" "DIGITAL_CORE_SHARE" \
    "$(as_analyst -c "select string_agg(indicator, ',') from stats.observation_latest
                      where indicator in ('MBB_PEN', 'DIGITAL_CORE_SHARE') and ref_area = 'CN'")"
check "an internal reader sees both" 2 \
    "$(sp_psql -c "select count(*) from stats.observation_latest where indicator in ('MBB_PEN', 'DIGITAL_CORE_SHARE') and ref_area = 'CN'")"

# A leaky function of the reader's own, cheap enough for the planner to run it first, sees
# only the rows the view lets through (observation_latest is a security barrier).
as_analyst -c "create function analyst.leak(v numeric, c text) returns boolean language plpgsql
               cost 0.0000001 as \$\$ begin raise notice 'saw % %', v, c; return true; end \$\$"
as_analyst -c "select count(*) from stats.observation_latest where analyst.leak(value, conf_status)" \
    > /dev/null 2> "$SP_TMP/leak.notices"
grep -q "saw" "$SP_TMP/leak.notices" || fail "the leak function never ran: $(head -n 3 "$SP_TMP/leak.notices")"
check "a leaky function sees no confidential row" 0 "$(grep -cE 'saw [0-9.]+ (C|N)$' "$SP_TMP/leak.notices" || true)"
# period_value and annual_value read kept values computed as an internal reader sees them
# (FBB_USERS CN 2020 and 110000's years are confidential): a leaky function sees none.
as_analyst -c "select count(*) from stats.period_value where analyst.leak(value, conf_status)" \
    > /dev/null 2> "$SP_TMP/leak-pv.notices"
grep -q "saw" "$SP_TMP/leak-pv.notices" || fail "the leak function never ran on period_value"
check "period_value: a leaky function sees no confidential row" 0 \
    "$(grep -cE 'saw [0-9.]+ (C|N)$' "$SP_TMP/leak-pv.notices" || true)"
as_analyst -c "select count(*) from stats.annual_value
                where analyst.leak(value, indicator || '/' || ref_area || '/' || year)" \
    > /dev/null 2> "$SP_TMP/leak-av.notices"
grep -q "saw" "$SP_TMP/leak-av.notices" || fail "the leak function never ran on annual_value"
check "annual_value: a leaky function sees no confidential year" 0 \
    "$(grep -cE 'saw [0-9.]+ FBB_USERS/(CN/2020|110000/)' "$SP_TMP/leak-av.notices" || true)"

# growth keeps each period's previous value and the value a year before: a public year
# after a confidential one must not carry the confidential value to a public reader.
{
    obs tj-20 MIIT FBB_USERS 120000 2020 50 万户 C 2021-01-20T00:00:00Z
    obs tj-21 MIIT FBB_USERS 120000 2021 60 万户 F 2022-01-20T00:00:00Z
} > "$SP_TMP/growth.ndjson"
"$STATPIPE" load "$SP_TMP/growth.ndjson" >/dev/null 2>&1 || fail "Tianjin's figures did not load"
check "growth: a public reader gets no previous value from a confidential year" "2021||" \
    "$(as_analyst -c "select time_period, previous_value, year_on_year from stats.growth
                      where indicator = 'FBB_USERS' and ref_area = '120000'")"
# 50 万户 = 500,000 households; 2021 over 2020: 600,000 / 500,000 - 1 = 0.2
check "an internal reader gets it" "2020||
2021|500000|0.2" \
    "$(sp_psql -c "select time_period, trim_scale(previous_value), trim_scale(year_on_year) from stats.growth
                   where indicator = 'FBB_USERS' and ref_area = '120000' order by 1")"
as_analyst -c "select count(*) from stats.growth
                where analyst.leak(value, indicator || '/' || ref_area || '/' || time_period)
                  and analyst.leak(previous_value, indicator || '/' || ref_area || '/' || time_period)
                  and analyst.leak(year_ago_value, indicator || '/' || ref_area || '/' || time_period)" \
    > /dev/null 2> "$SP_TMP/leak-g.notices"
grep -q "saw" "$SP_TMP/leak-g.notices" || fail "the leak function never ran on growth"
check "growth: a leaky function sees no confidential value" 0 \
    "$(grep -cE 'saw (500000 |[0-9.]+ FBB_USERS/(CN/2020|110000/|120000/2020))' "$SP_TMP/leak-g.notices" || true)"

# Every function in statpipe's schemas fixes its search_path (what a view inlines, what a
# SECURITY DEFINER function calls, and the catalogue trigger).
check "every function sets search_path" "" \
    "$(sp_psql -c "select string_agg(p.oid::regprocedure::text, ', ') from pg_proc p
                    join pg_namespace n on n.oid = p.pronamespace
                   where n.nspname in ('stats', 'statpipe')
                     and not coalesce(p.proconfig, '{}') && array['search_path=pg_catalog']")"
