#!/usr/bin/env bash
# test_asof.sh: the derived views as of a moment (stats.period_value_asof,
# stats.annual_value_asof, stats.growth_asof, stats.regional_value_asof,
# stats.national_check_asof, stats.target_progress_asof, `statpipe report --as-of`): a revision
# changes what is known now but not what was known before it; a release dated after now
# stays unknown at any moment; as of now they equal the current views, for the owner and for
# a reader (confidential figures included); and the answers do not depend on the order in
# which the releases arrive.
source "$(dirname "$0")/lib.sh"
sp_pg_start
sp_psql -c "create database a" -c "create database b"
PGDATABASE=a "$STATPIPE" migrate -q
PGDATABASE=b "$STATPIPE" migrate -q
sp_psql -c "create role analyst login in role statpipe_reader"

msg() { # id indicator year value unit release [conf_status [ref_area]]
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"NBS","indicator":"%s","ref_area":"%s","freq":"A","time_period":"%s","value":"%s","unit":"%s","release":"%s","conf_status":"%s"}\n' \
        "$1" "$2" "${8:-CN}" "$3" "$4" "$5" "$6" "${7:-F}"
}
{
    msg e2017 ECOM_TX 2017 29.16 万亿元 2018-06-01T10:00:00+08:00
    msg e2018 ECOM_TX 2018 31.63 万亿元 2019-06-01T10:00:00+08:00
    msg e2019 ECOM_TX 2019 34.81 万亿元 2020-06-01T10:00:00+08:00
    msg e2019r ECOM_TX 2019 35.00 万亿元 2021-01-15T10:00:00+08:00   # the revision of 2019
    msg e2020 ECOM_TX 2020 37.21 万亿元 2021-09-15T10:00:00+08:00
    msg e2021 ECOM_TX 2021 42.30 万亿元 2199-01-01T00:00:00Z         # released after now
    msg i2020 INFO_CONS 2020 5.80 万亿元 2021-03-01T10:00:00+08:00 C  # confidential
    msg p11 ECOM_TX 2019 1.00 万亿元 2020-06-01T10:00:00+08:00 F 110000  # Beijing
    msg p31 ECOM_TX 2019 2.00 万亿元 2020-06-01T10:00:00+08:00 F 310000  # Shanghai
    msg p11r ECOM_TX 2019 1.50 万亿元 2021-01-15T10:00:00+08:00 F 110000 # Beijing revised
} > "$SP_TMP/feed.ndjson"
# Database a gets the releases in this order, b in the reverse order.
PGDATABASE=a "$STATPIPE" load "$SP_TMP/feed.ndjson" >/dev/null
tac "$SP_TMP/feed.ndjson" > "$SP_TMP/reversed.ndjson"
PGDATABASE=b "$STATPIPE" load "$SP_TMP/reversed.ndjson" >/dev/null
for db in a b; do
    check "$db: every release is stored, the one dated 2199 too" 10 \
        "$(PGDATABASE=$db sp_psql -c 'select count(*) from statpipe.observation')"
done

T1=2020-12-31T00:00:00Z # after the first release of 2019, before its revision
for db in a b; do
    q() { PGDATABASE=$db sp_psql -c "$1"; }
    annual="select year || '|' || trim_scale(value) from stats.annual_value_asof('%s')
             where indicator = 'ECOM_TX' and ref_area = 'CN' order by year"
    # As of T1: 29.16, 31.63 and 34.81 万亿元 (x 10^12 yuan); 2020's figure is not out yet.
    check "$db: annual values as of $T1" "2017|29160000000000
2018|31630000000000
2019|34810000000000" "$(q "$(printf "$annual" "$T1")")"
    # Now: 2019 revised to 35.00, and 2020 out; 2021 is released only in 2199.
    check "$db: annual values as of now" "2017|29160000000000
2018|31630000000000
2019|35000000000000
2020|37210000000000" "$(q "$(printf "$annual" now)")"
    check "$db: a release after now is unknown at any moment" \
        "$(q "$(printf "$annual" now)")" "$(q "$(printf "$annual" 2200-01-01)")"
    check "$db: the period value of 2019 as of $T1, with its release" \
        "34810000000000|2020-06-01 02:00:00+00" \
        "$(q "set timezone = 'UTC'; select trim_scale(value) || '|' || release
               from stats.period_value_asof('$T1')
              where indicator = 'ECOM_TX' and ref_area = 'CN' and time_period = '2019'")"
    # Growth of 2019 year on year: as of T1 34.81 / 31.63 - 1 = 0.100537; now (revised)
    # 35.00 / 31.63 - 1 = 0.106544.
    growth="select round(year_on_year, 6) from stats.growth_asof('%s')
             where indicator = 'ECOM_TX' and ref_area = 'CN' and time_period = '2019'"
    check "$db: growth of 2019 as of $T1 and now" "0.100537|0.106544" \
        "$(q "$(printf "$growth" "$T1")")|$(q "$(printf "$growth" now)")"
    # The provinces' roll-up of 2019 (a sum): as of T1 1.00 + 2.00 = 3.00 万亿元, now
    # 1.50 + 2.00 = 3.50 (Beijing revised); 2 of the 31 provinces of the national total. The
    # national check sets it against CN's 34.81 (as of T1): 3.00 - 34.81 = -31.81.
    rollup="select trim_scale(value) || '|' || provinces || '|' || provinces_expected
              from stats.regional_value_asof('%s')
             where indicator = 'ECOM_TX' and year = 2019 and region_group = 'ALL'"
    check "$db: provinces' roll-up of 2019 as of $T1" "3000000000000|2|31" "$(q "$(printf "$rollup" "$T1")")"
    check "$db: provinces' roll-up of 2019 now" "3500000000000|2|31" "$(q "$(printf "$rollup" now)")"
    check "$db: national check of 2019 as of $T1" "34810000000000|3000000000000|-31810000000000" \
        "$(q "select trim_scale(published_national) || '|' || trim_scale(provinces_rollup) || '|'
                     || trim_scale(difference)
                from stats.national_check_asof('$T1') where indicator = 'ECOM_TX' and year = 2019")"
    # As of T1 the 2020 target year is still ahead, judged on 2019's 34.81 carried one year
    # at the trend from 2017: (34.81 / 29.16)^(1/2) - 1 = 5.9 / 5.4 - 1 = 0.0925926, so
    # 34.81 x 5.9 / 5.4 = 38.0331 >= 38: on track, progress 34.81 / 38 = 0.916053.
    check "$db: ECOM_TX 2020 target as of $T1" "false|on track|0.0925926|38.0331|0.916053" \
        "$(q "select target_year_passed || '|' || status || '|' || round(trend_cagr, 7) || '|'
                     || round(projected_value / 1e12, 4) || '|' || round(progress, 6)
                from stats.target_progress_asof('$T1')
               where indicator = 'ECOM_TX' and plan = 'NISDO-2016' and target_year = 2020")"
    # stats.target_progress_at(T1) judges as if it were T1 but on the figures known now: the
    # latest complete year is 2020 (37.21, progress 37.21 / 38 = 0.979211), carried zero
    # years to the end of 2020: 37.21 < 38 but >= 0.9 x 38 = 34.2: at risk.
    check "$db: ECOM_TX 2020 target judged at $T1 on the figures of now" "false|2020|0.979211|at risk" \
        "$(q "select target_year_passed || '|' || latest_year || '|' || round(progress, 6) || '|' || status
                from stats.target_progress_at('$T1')
               where indicator = 'ECOM_TX' and plan = 'NISDO-2016' and target_year = 2020")"
    # Now the year has passed and is judged on its own value: 37.21 < 38, 37.21 / 38 =
    # 0.979211: missed.
    check "$db: ECOM_TX 2020 target now" "true|missed|37210000000000|0.979211" \
        "$(q "select target_year_passed || '|' || status || '|' || trim_scale(target_year_value)
                     || '|' || round(target_year_progress, 6)
                from stats.target_progress_asof(now())
               where indicator = 'ECOM_TX' and plan = 'NISDO-2016' and target_year = 2020")"
    # Vintages and revisions of ECOM_TX 2019: as of T1 one vintage, 34.81, current (valid_to
    # empty), not yet revised; now two, revised by 35.00 - 34.81 = 0.19 万亿元 (0.19 / 34.81 =
    # 0.005458), first published 34.81 either way.
    revq="select vintages || '|' || trim_scale(first_value) || '|' || trim_scale(latest_value) || '|'
                 || trim_scale(revision) || '|' || round(relative_revision, 6)
            from stats.revision_asof('%s') where indicator = 'ECOM_TX' and ref_area = 'CN' and time_period = '2019'"
    check "$db: revision of 2019 as of $T1" "1|34810000000000|34810000000000|0|0.000000" "$(q "$(printf "$revq" "$T1")")"
    check "$db: revision of 2019 now" "2|34810000000000|35000000000000|190000000000|0.005458" "$(q "$(printf "$revq" now)")"
    check "$db: the vintages of 2019 as of $T1" "34810000000000|current" \
        "$(q "select trim_scale(value) || '|' || coalesce(valid_to::text, 'current')
                from stats.observation_vintage_asof('$T1')
               where indicator = 'ECOM_TX' and ref_area = 'CN' and time_period = '2019'")"
    check "$db: first published, as of $T1 and now" "34810000000000|34810000000000" \
        "$(q "select (select trim_scale(value) from stats.observation_first_asof('$T1')
                      where indicator = 'ECOM_TX' and ref_area = 'CN' and time_period = '2019') || '|' ||
                     (select trim_scale(value) from stats.observation_first_asof(now())
                      where indicator = 'ECOM_TX' and ref_area = 'CN' and time_period = '2019')")"
    # As of now the functions equal the current views, row for row, for the owner and for a
    # reader, who does not see the confidential INFO_CONS figure in either.
    for who in statpipe analyst; do
        for pair in "period_value:period_value_asof" "annual_value:annual_value_asof" \
                    "growth:growth_asof" "regional_value:regional_value_asof" \
                    "national_check:national_check_asof" "target_progress:target_progress_asof" \
                    "observation_vintage:observation_vintage_asof" \
                    "observation_first:observation_first_asof" "revision:revision_asof"; do
            view=${pair%%:*} fn=${pair##*:}
            check "$db: $who: stats.$fn(now()) = stats.$view" "0|0" \
                "$(PGUSER=$who PGDATABASE=$db sp_psql -c "
                    select (select count(*) from (table stats.$view except all
                                                  select * from stats.$fn(now())) x) || '|' ||
                           (select count(*) from (select * from stats.$fn(now())
                                                  except all table stats.$view) y)")"
        done
    done
    check "$db: the reader sees no confidential figure as of any moment" "0|0" \
        "$(PGUSER=analyst PGDATABASE=$db sp_psql -c "
            select (select count(*) from stats.period_value_asof(now()) where indicator = 'INFO_CONS')
                   || '|' ||
                   (select count(*) from stats.annual_value_asof('2200-01-01') where indicator = 'INFO_CONS')")"
done
check "the owner sees the confidential figure" 1 \
    "$(PGDATABASE=a sp_psql -c "select count(*) from stats.period_value_asof(now()) where indicator = 'INFO_CONS'")"

# The report as of T1 and now, as the reader.
PGUSER=analyst PGDATABASE=a "$STATPIPE" report --lang en --as-of "$T1" > "$SP_TMP/asof.txt"
grep -q "as known at 2020-12-31 00:00:00 UTC" "$SP_TMP/asof.txt" || fail "no as-of in the header: $(head -n 1 "$SP_TMP/asof.txt")"
grep -q "^ECOM_TX  *NISDO-2016  *2020  *>= 38 万亿元  *34.81 万亿元 (2019)  *91.6 %.*on track$" "$SP_TMP/asof.txt" \
    || fail "as-of row for ECOM_TX 2020: $(grep ECOM_TX "$SP_TMP/asof.txt")"
PGUSER=analyst PGDATABASE=a "$STATPIPE" report --lang en > "$SP_TMP/now.txt"
grep -q "^ECOM_TX  *NISDO-2016  *2020  *>= 38 万亿元  *37.21 万亿元 (2020)  *97.9 %.*missed$" "$SP_TMP/now.txt" \
    || fail "current row for ECOM_TX 2020: $(grep ECOM_TX "$SP_TMP/now.txt")"
PGUSER=analyst PGDATABASE=a "$STATPIPE" report --as-of "$T1" --format json > "$SP_TMP/asof.json"
check "the JSON says its as-of time" "2020-12-31 00:00:00 UTC" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' "$SP_TMP/asof.json")"
check "an as-of time that is not a time is a usage error" 2 \
    "$(PGDATABASE=a "$STATPIPE" report --as-of yesterday-ish 2>"$SP_TMP/bad.err" >/dev/null; echo $?)"
grep -q -- '--as-of "yesterday-ish" is not a time' "$SP_TMP/bad.err" || fail "bad as-of message: $(cat "$SP_TMP/bad.err")"
echo "PASS test_asof"
