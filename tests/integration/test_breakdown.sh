#!/usr/bin/env bash
# test_breakdown.sh: the breakdown dimension (_T total, URB urban, RUR rural) end to end, each
# number worked by hand: urban and rural series beside the total never mix with it (in the
# period values, the YTD rule, growth, the annual values and the roll-ups), the urban–rural
# gap, an unknown breakdown quarantined, the views equal to their as-of forms with a year
# computed at query time, and the same views whatever the order of the messages.
source "$(dirname "$0")/lib.sh"
sp_pg_start

n=0
pen() { # time_period breakdown value release [ref_area]: CNNIC's Internet penetration, half-yearly
    n=$((n + 1))
    local brk=""
    [ "$2" = - ] || brk=",\"breakdown\":\"$2\""
    printf '{"schema":"statpipe.observation/1","message_id":"b%d","sender":"CNNIC","indicator":"NET_PEN","ref_area":"%s","freq":"S","time_period":"%s"%s,"value":"%s","unit":"%%","release":"%s"}\n' \
        "$n" "${5:-CN}" "$1" "$brk" "$3" "$4"
}
retail() { # time_period breakdown basis value: NBS's online retail sales, monthly, in 亿元
    n=$((n + 1))
    local brk=""
    [ "$2" = - ] || brk=",\"breakdown\":\"$2\""
    printf '{"schema":"statpipe.observation/1","message_id":"b%d","sender":"NBS","indicator":"ONLINE_RETAIL","ref_area":"CN","freq":"M","time_period":"%s"%s,"calc_basis":"%s","value":"%s","unit":"亿元","release":"2023-03-15T10:00:00+08:00"}\n' \
        "$n" "$1" "$brk" "$3" "$4"
}
reader() { # database, SQL: as the reader-only login
    PGDATABASE=$1 PGUSER=analyst sp_psql -c "$2"
}

{
    # The total (no breakdown: the contract's default), urban and rural, half-year by half-year.
    pen 2022-S2 - 75.6 2023-03-02T10:00:00+08:00
    pen 2022-S2 URB 83.1 2023-03-02T10:00:00+08:00
    pen 2022-S2 RUR 61.9 2023-03-02T10:00:00+08:00
    pen 2023-S1 _T 76.4 2023-08-28T10:00:00+08:00
    pen 2023-S1 URB 85.1 2023-08-28T10:00:00+08:00
    pen 2023-S1 RUR 60.5 2023-08-28T10:00:00+08:00
    pen 2023-S2 - 77.5 2024-03-22T10:00:00+08:00
    pen 2023-S2 URB 83.3 2024-03-22T10:00:00+08:00
    pen 2023-S2 RUR 66.5 2024-03-22T10:00:00+08:00
    # The rural figure of 2023-S2 revised a release later.
    pen 2023-S2 RUR 66.6 2024-08-29T10:00:00+08:00
    pen 2024-S1 URB 85.6 2024-08-29T10:00:00+08:00
    pen 2024-S1 RUR 63.8 2024-08-29T10:00:00+08:00
    # Under embargo until 2030: no reader sees it, and its year is computed at query time.
    pen 2024-S2 URB 99.0 2030-03-01T10:00:00+08:00
    # Guangdong, urban and rural only.
    pen 2023-S2 URB 88.0 2024-03-22T10:00:00+08:00 440000
    pen 2023-S2 RUR 70.4 2024-03-22T10:00:00+08:00 440000
    # A flow: the total published per month, the rural part year to date.
    retail 2023-01 - PER 100
    retail 2023-02 - PER 110
    retail 2023-01 RUR YTD 20
    retail 2023-02 RUR YTD 45
} > "$SP_TMP/feed.ndjson"
printf '%s\n' '{"schema":"statpipe.observation/1","message_id":"bad-brk","sender":"CNNIC","indicator":"NET_PEN","ref_area":"CN","freq":"S","time_period":"2023-S1","breakdown":"SUBURB","value":"70","unit":"%","release":"2023-08-28T10:00:00+08:00"}' \
    > "$SP_TMP/bad.ndjson"

sp_fresh_db fwd
sp_psql -c "create role analyst login in role statpipe_reader" >/dev/null
PGDATABASE=fwd "$STATPIPE" load "$SP_TMP/feed.ndjson" >/dev/null
rc=0
PGDATABASE=fwd "$STATPIPE" load "$SP_TMP/bad.ndjson" >/dev/null 2>&1 || rc=$?
check "an unknown breakdown is quarantined with its reason" "1|unknown_breakdown|true" \
    "$(PGDATABASE=fwd sp_psql -c "select count(*) || '|' || min(reason) || '|' || bool_and(detail like '%SUBURB%')
                                    from statpipe.quarantine")"

# The series: NET_PEN CN in three breakdowns and Guangdong in two, ONLINE_RETAIL's total
# (PER) and rural (YTD): 3 + 2 + 2 = 7.
check "each breakdown is a series of its own" "7|CNNIC NET_PEN 440000 RUR,CNNIC NET_PEN 440000 URB,CNNIC NET_PEN CN RUR,CNNIC NET_PEN CN URB,CNNIC NET_PEN CN _T,NBS ONLINE_RETAIL CN RUR,NBS ONLINE_RETAIL CN _T" \
    "$(PGDATABASE=fwd sp_psql -c "select count(*) || '|' || string_agg(concat_ws(' ', sender, indicator, ref_area, breakdown), ','
                                                                    order by sender, indicator, ref_area, breakdown)
                                    from statpipe.series")"

# Annual values of a ratio: the last half-year's value (time_agg last). 2024 has only S1 for
# a reader (S2 is under embargo): not complete.
annual() { # database
    reader "$1" "select string_agg(concat_ws(' ', indicator, ref_area, breakdown, year, trim_scale(value),
                                             complete, last_period), ',' order by indicator, ref_area, breakdown, year)
                   from stats.annual_value where indicator in ('NET_PEN', 'ONLINE_RETAIL')"
}
# ONLINE_RETAIL: the total 100 + 110 = 210 亿元 = 21,000,000,000 CNY (two months, not complete);
# the rural part 20 (January's YTD) + (45 - 20 = 25) = 45 亿元 = 4,500,000,000 CNY, by February.
expected_annual="NET_PEN 440000 RUR 2023 70.4 t 2023-S2,NET_PEN 440000 URB 2023 88 t 2023-S2,NET_PEN CN RUR 2022 61.9 t 2022-S2,NET_PEN CN RUR 2023 66.6 t 2023-S2,NET_PEN CN RUR 2024 63.8 f 2024-S1,NET_PEN CN URB 2022 83.1 t 2022-S2,NET_PEN CN URB 2023 83.3 t 2023-S2,NET_PEN CN URB 2024 85.6 f 2024-S1,NET_PEN CN _T 2022 75.6 t 2022-S2,NET_PEN CN _T 2023 77.5 t 2023-S2,ONLINE_RETAIL CN RUR 2023 4500000000 f 2023-02,ONLINE_RETAIL CN _T 2023 21000000000 f 2023-02"
check "annual values, each breakdown on its own" "$expected_annual" "$(annual fwd)"

# The rural YTD figures are differenced on their own: January 20, February 45 - 20 = 25 亿元;
# the total's PER values of the same months do not hide them.
check "period values of a YTD breakdown beside a PER total" "RUR 2023-01 2000000000 YTD,RUR 2023-02 2500000000 YTD,_T 2023-01 10000000000 PER,_T 2023-02 11000000000 PER" \
    "$(reader fwd "select string_agg(concat_ws(' ', breakdown, time_period, trim_scale(value), published_as), ','
                                     order by breakdown, time_period)
                     from stats.period_value where indicator = 'ONLINE_RETAIL'")"

# Growth within a breakdown, in percentage points (a ratio): URB 2023-S1 85.1 - 83.1 = 2.0
# on the half-year before, 2023-S2 83.3 - 85.1 = -1.8, and 83.3 - 83.1 = 0.2 on the year
# before; RUR 2023-S2 66.6 - 60.5 = 6.1 and 66.6 - 61.9 = 4.7.
check "growth within each breakdown" "RUR 2023-S1 -1.4 -,RUR 2023-S2 6.1 4.7,URB 2023-S1 2 -,URB 2023-S2 -1.8 0.2" \
    "$(reader fwd "select string_agg(concat_ws(' ', breakdown, time_period, trim_scale(period_on_period_points),
                                               coalesce(trim_scale(year_on_year_points)::text, '-')), ','
                                     order by breakdown, time_period)
                     from stats.growth where indicator = 'NET_PEN' and ref_area = 'CN' and breakdown <> '_T'
                      and time_period like '2023%'")"

# The gap: CN 2022 83.1 - 61.9 = 21.2 points, 83.1 / 61.9 = 1.342488; 2023 83.3 - 66.6 = 16.7,
# 83.3 / 66.6 = 1.250751; 2024 (S1 only, not complete) 85.6 - 63.8 = 21.8,
# 85.6 / 63.8 = 1.341693; Guangdong 2023 88.0 - 70.4 = 17.6, 88.0 / 70.4 = 1.25.
expected_gap="NET_PEN 440000 2023 88 70.4 17.6 1.25 PCT t,NET_PEN CN 2022 83.1 61.9 21.2 1.342488 PCT t,NET_PEN CN 2023 83.3 66.6 16.7 1.250751 PCT t,NET_PEN CN 2024 85.6 63.8 21.8 1.341693 PCT f"
gap() { # database
    reader "$1" "select string_agg(concat_ws(' ', indicator, ref_area, year, trim_scale(urban), trim_scale(rural),
                                             trim_scale(urban_minus_rural), trim_scale(round(urban_over_rural, 6)),
                                             unit, complete), ',' order by indicator, ref_area, year)
                   from stats.urban_rural_gap"
}
check "the urban–rural gap, read by a reader" "$expected_gap" "$(gap fwd)"
check "the urban–rural gap as of 2024-06-30: before the revision and 2024-S1" \
    "NET_PEN 440000 2023 88 70.4 17.6 1.25 PCT t,NET_PEN CN 2022 83.1 61.9 21.2 1.342488 PCT t,NET_PEN CN 2023 83.3 66.5 16.8 1.252632 PCT t" \
    "$(reader fwd "select string_agg(concat_ws(' ', indicator, ref_area, year, trim_scale(urban), trim_scale(rural),
                                               trim_scale(urban_minus_rural), trim_scale(round(urban_over_rural, 6)),
                                               unit, complete), ',' order by indicator, ref_area, year)
                     from stats.urban_rural_gap_asof('2024-06-30')")"

# The totals alone feed what combines areas and indicators: Guangdong's urban and rural
# figures are no provincial total, so there is no regional roll-up or gap of NET_PEN.
check "roll-ups and gaps read the totals only" "0|0|0" \
    "$(reader fwd "select (select count(*) from stats.regional_value where indicator = 'NET_PEN') || '|'
                          || (select count(*) from stats.regional_gap where indicator = 'NET_PEN') || '|'
                          || (select count(*) from stats.national_check where indicator = 'NET_PEN')")"

# The revision of the rural 2023-S2 figure is a revision of its own series.
check "revisions per breakdown" "RUR 2|URB 1|_T 1" \
    "$(reader fwd "select string_agg(breakdown || ' ' || vintages, '|' order by breakdown)
                     from stats.revision where indicator = 'NET_PEN' and ref_area = 'CN' and time_period = '2023-S2'")"

# 2024 of NET_PEN CN holds a release under embargo, so its rows are computed at query time;
# every other year is read from the kept tables. Each view equals its as-of form at now().
for v in observation_latest:observation_asof period_value:period_value_asof growth:growth_asof \
         annual_value:annual_value_asof observation_first:observation_first_asof \
         observation_vintage:observation_vintage_asof revision:revision_asof \
         urban_rural_gap:urban_rural_gap_asof; do
    view=${v%%:*} fn=${v##*:}
    check "stats.$view equals stats.$fn(now()) for a reader" "0|0" \
        "$(reader fwd "select (select count(*) from (select * from stats.$view except all select * from stats.$fn(now())) a)
                              || '|' || (select count(*) from (select * from stats.$fn(now()) except all select * from stats.$view) b)")"
done
check "the year under embargo is computed at query time" "f" \
    "$(PGDATABASE=fwd sp_psql -c "select current from statpipe.kept_year_now
                                   where indicator = 'NET_PEN' and ref_area = 'CN' and year = 2024")"

# ---- the report: the urban–rural gaps with their chart ------------------------------------
# Rendered by Chromium for the reader, in both languages. NET_PEN's latest year with both is
# 2024 for CN (S1 only: marked *; 85.6 − 63.8 = 21.8, 85.6 / 63.8 = 1.342) and 2023 for
# Guangdong (17.6, 1.25); two bars an area.
for lang in zh en; do
    PGDATABASE=fwd PGUSER=analyst "$STATPIPE" report --format html --lang $lang --out "$SP_TMP/report.$lang.html"
    sp_chromium_dom "$SP_TMP/report.$lang.html" "$SP_TMP/report-dom.$lang.html"
done
check "report: the urban–rural heading" '<h2 id="urban">城乡差距</h2>|<h2 id="urban">Urban–rural gaps</h2>' \
    "$(grep -o '<h2 id="urban">[^<]*</h2>' "$SP_TMP/report-dom.zh.html")|$(grep -o '<h2 id="urban">[^<]*</h2>' "$SP_TMP/report-dom.en.html")"
check "report: NET_PEN's chart has an urban and a rural bar per area" "2|2" \
    "$(sed -n '/<svg class="chart urban" data-indicator="NET_PEN"/,/<\/svg>/p' "$SP_TMP/report-dom.zh.html" | grep -o '<rect class="bar urb"' | wc -l)|$(sed -n '/<svg class="chart urban" data-indicator="NET_PEN"/,/<\/svg>/p' "$SP_TMP/report-dom.zh.html" | grep -o '<rect class="bar rur"' | wc -l)"
check "report: the rows as read" "China (national total)|2024 *|85.6 %|63.8 %|21.8|1.342 Guangdong|2023|88 %|70.4 %|17.6|1.25" \
    "$(sed -n '/<table class="urban" data-indicator="NET_PEN">/,/<\/table>/p' "$SP_TMP/report-dom.en.html" \
        | grep '<tr data-area=' | sed -e 's|<tr[^>]*><td>||' -e 's|</td></tr>||' -e 's|</td><td[^>]*>|\||g' | tr '\n' ' ' | sed 's/ $//')"
text=$(PGDATABASE=fwd PGUSER=analyst "$STATPIPE" report --lang en)
check "text report: Guangdong's urban–rural line" 1 \
    "$(echo "$text" | grep -c '^    Guangdong .*2023, Urban 88 %, Rural 70.4 %, Urban − rural 17.6, Urban / rural 1.25$')"
check "json report: the urban–rural gaps" "NET_PEN CN 2024 21.8 1.342 False|NET_PEN 440000 2023 17.6 1.25 True" \
    "$(PGDATABASE=fwd PGUSER=analyst "$STATPIPE" report --format json | python3 -c '
import json, sys
print("|".join(" ".join([g["indicator"], g["ref_area"], str(g["year"]), g["urban_minus_rural"], g["urban_over_rural"], str(g["complete"])])
               for g in json.load(sys.stdin)["urban_rural_gaps"]))')"

# The same messages reversed and shuffled, one a batch: the same views.
views() { # database: every view that carries the breakdown, as text
    local v
    for v in observation_latest period_value growth annual_value revision urban_rural_gap; do
        reader "$1" "select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text)) from stats.$v t"
    done
}
want=$(views fwd)
for order in reversed shuffled; do
    sp_fresh_db "brk_$order"
    case $order in
        reversed) tac "$SP_TMP/feed.ndjson" ;;
        shuffled) awk 'NR % 3 == 0' "$SP_TMP/feed.ndjson"; awk 'NR % 3 == 2' "$SP_TMP/feed.ndjson"
                  awk 'NR % 3 == 1' "$SP_TMP/feed.ndjson" ;;
    esac > "$SP_TMP/feed-$order.ndjson"
    PGDATABASE="brk_$order" "$STATPIPE" load --batch-rows 1 "$SP_TMP/feed-$order.ndjson" >/dev/null
    check "annual values, messages $order" "$expected_annual" "$(annual "brk_$order")"
    check "the gap, messages $order" "$expected_gap" "$(gap "brk_$order")"
    check "every view of series, messages $order" "$want" "$(views "brk_$order")"
done
echo "ok - test_breakdown"
