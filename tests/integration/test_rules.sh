#!/usr/bin/env bash
# test_rules.sh: plausibility rules (schemas/catalogue/rules.csv, stats.rule,
# stats.validation_result, statpipe validate, the report's data quality). Each rule kind's
# bad case raises exactly its finding and nothing else; an error rule quarantines and names
# itself; real-shaped national series raise no warning; the findings do not depend on the
# order in which the messages arrive; readers see findings only on figures they may see.
source "$(dirname "$0")/lib.sh"
sp_pg_start
for db in bad rev real; do
    sp_psql -c "create database $db" >/dev/null
    PGDATABASE=$db "$STATPIPE" migrate -q
done
sp_psql -c "create role analyst login in role statpipe_reader" >/dev/null

n=0
msg() { # indicator freq period value unit release [calc_basis [ref_area [conf_status]]]
    n=$((n + 1))
    printf '{"schema":"statpipe.observation/1","message_id":"m%d","sender":"S","indicator":"%s","ref_area":"%s","freq":"%s","time_period":"%s","value":"%s","unit":"%s","release":"%s","calc_basis":"%s","conf_status":"%s"}\n' \
        "$n" "$1" "${8:-CN}" "$2" "$3" "$4" "$5" "$6" "${7:-PER}" "${9:-F}"
}
annual() { # indicator unit year:value... (each released on 1 March of the next year)
    local ind=$1 unit=$2
    shift 2
    for yv in "$@"; do
        msg "$ind" A "${yv%%:*}" "${yv##*:}" "$unit" "$((${yv%%:*} + 1))-03-01T10:00:00+08:00"
    done
}
findings() { # rule|indicator|area|period|measured|bound, every finding
    PGDATABASE=$1 PGUSER=${2:-statpipe} sp_psql -c "
        select rule_id || '|' || indicator || '|' || ref_area || '|' || time_period || '|'
               || trim_scale(round(measured, 6)) || '|' || bound
          from stats.validation_result order by rule_id, time_period"
}

# The bad cases, one per rule kind, each on indicators no other case touches.
{
    # range (warning): 5G penetration 160 % > 150.
    msg USERS_5G_PEN A 2023 160 % 2024-03-01T10:00:00+08:00
    # yoy_growth: e-commerce 42.30 then 20.00 万亿元: 20 / 42.3 - 1 = -0.527187 < -0.2.
    annual ECOM_TX 万亿元 2021:42.30 2022:20.00
    # pop_growth: Internet users 10.79 then 12.50 亿 half a year later: 12.5 / 10.79 - 1 =
    # 0.158480 > 0.15 (no year-ago value, so no year-on-year finding).
    msg NETIZENS S 2023-S1 10.79 亿 2023-08-28T10:00:00+08:00
    msg NETIZENS S 2023-S2 12.50 亿 2024-03-22T10:00:00+08:00
    # revision: information consumption 2021 first 5.00, revised to 5.60 万亿元: 5.6 / 5 - 1 =
    # 0.12 > 0.1.
    msg INFO_CONS A 2021 5.00 万亿元 2022-03-01T10:00:00+08:00
    msg INFO_CONS A 2021 5.60 万亿元 2022-09-01T10:00:00+08:00
    # order: gigabit users 7.00 亿户 above users at 100 Mbit/s or more, 6.01 亿户.
    msg FBB_1000M_USERS A 2023 7.00 亿户 2024-03-01T10:00:00+08:00
    msg FBB_100M_USERS A 2023 6.01 亿户 2024-03-01T10:00:00+08:00
    # ytd_decrease: online retail year to date 3.3217 万亿元 by March, 3.0000 by April.
    msg ONLINE_RETAIL M 2023-03 33217 亿元 2023-04-18T10:00:00+08:00 YTD
    msg ONLINE_RETAIL M 2023-04 30000 亿元 2023-05-16T10:00:00+08:00 YTD
    # provinces_total: the 31 provinces of the national total with 2,000 万户 of fixed broadband
    # each, 6.2 亿户 in all, against the national 6.36 亿户: 6.2 / 6.36 - 1 = -0.025157, beyond
    # 0.01.
    for p in $(awk -F, '$4 == 1 && $6 == "true" { print $1 }' "$SP_SOURCE_DIR/schemas/catalogue/regions.csv"); do
        msg FBB_USERS A 2023 2000 万户 2024-03-01T10:00:00+08:00 PER "$p"
    done
    msg FBB_USERS A 2023 6.36 亿户 2024-03-01T10:00:00+08:00
    # revision (info): the population of 2020, 140005 then 141212 万人 (the census): any
    # revision is recorded, 141212 / 140005 - 1 = 0.008621.
    msg POPULATION A 2020 140005 万人 2021-02-28T10:00:00+08:00
    msg POPULATION A 2020 141212 万人 2021-05-11T10:00:00+08:00
    # error range: mobile broadband penetration 350 % > 300 is quarantined.
    msg MBB_PEN A 2023 350 % 2024-03-01T10:00:00+08:00
    # A confidential figure that breaks a rule: 5G users 9 亿 above mobile broadband users
    # 8 亿; readers do not see it, nor the finding.
    msg USERS_5G A 2023 9 亿户 2024-03-01T10:00:00+08:00 PER CN C
    msg MBB_USERS A 2023 8 亿户 2024-03-01T10:00:00+08:00
} > "$SP_TMP/bad.ndjson"
check "31 provinces in the feed" 31 "$(grep -c '"indicator":"FBB_USERS","ref_area":"[0-9]' "$SP_TMP/bad.ndjson")"
PGDATABASE=bad "$STATPIPE" load "$SP_TMP/bad.ndjson" > /dev/null 2>&1
tac "$SP_TMP/bad.ndjson" > "$SP_TMP/bad.reversed.ndjson"
PGDATABASE=rev "$STATPIPE" load "$SP_TMP/bad.reversed.ndjson" > /dev/null 2>&1

expected="ECOM_TX.yoy|ECOM_TX|CN|2022|-0.527187|[-0.2, 0.5]
FBB_1000M.order|FBB_1000M_USERS|CN|2023|700000000|<= 601000000 (FBB_100M_USERS)
FBB_USERS.total|FBB_USERS|CN|2023|-0.025157|[-0.01, 0.01]
INFO_CONS.revision|INFO_CONS|CN|2021|0.12|[-0.1, 0.1]
NETIZENS.pop|NETIZENS|CN|2023-S2|0.15848|[-0.05, 0.15]
ONLINE_RETAIL.ytd|ONLINE_RETAIL|CN|2023-04|3000000000000|>= 3321700000000
POPULATION.revision|POPULATION|CN|2020|0.008621|[0, 0]
USERS_5G.order|USERS_5G|CN|2023|900000000|<= 800000000 (MBB_USERS)
USERS_5G_PEN.range|USERS_5G_PEN|CN|2023|160|[0, 150]"
check "each bad case raises exactly its finding" "$expected" "$(findings bad)"
check "the same findings when the messages arrive in the reverse order" "$expected" "$(findings rev)"
check "severities: every finding a warning but the population's info" "info|POPULATION.revision
warning|8" "$(PGDATABASE=bad sp_psql -c "select severity || '|' || string_agg(rule_id, ',') from stats.validation_result
                                          where severity = 'info' group by severity
                                         union all select 'warning|' || count(*) from stats.validation_result
                                          where severity = 'warning'")"
check "the reader does not see the confidential figure's finding" "$(echo "$expected" | grep -v '^USERS_5G.order')" \
    "$(findings bad analyst)"

# The error rule quarantines and names itself; nothing else is quarantined.
check "only MBB_PEN is quarantined, by its rule" "out_of_range|MBB_PEN value 350 PCT is above the maximum 300 of rule MBB_PEN.range" \
    "$(PGDATABASE=bad sp_psql -c "select reason || '|' || detail from statpipe.quarantine")"
check "statpipe check rejects it the same way, from the catalogue files" "1" \
    "$(grep '"MBB_PEN"' "$SP_TMP/bad.ndjson" | { "$STATPIPE" check --catalogue "$SP_SOURCE_DIR/schemas/catalogue" --format json - 2>/dev/null || true; } |
       grep -c 'above the maximum 300 of rule MBB_PEN.range')"

# statpipe validate: text, JSON after the ESS validation report, exit 1 on warnings.
rc=0
PGUSER=analyst PGDATABASE=bad "$STATPIPE" validate > "$SP_TMP/v.txt" || rc=$?
check "validate exits 1 when there are warnings" 1 "$rc"
check "validate's text ends with the counts" "7 warnings, 1 info" "$(tail -n 1 "$SP_TMP/v.txt")"
grep -q "^warning  ECOM_TX.yoy  *ECOM_TX CN 2022: year on year -0.5272 against 42300000000000, outside \[-0.2, 0.5\]$" "$SP_TMP/v.txt" \
    || fail "validate's ECOM_TX line: $(grep ECOM_TX "$SP_TMP/v.txt")"
PGUSER=analyst PGDATABASE=bad "$STATPIPE" validate --format json > "$SP_TMP/v.json" || true
# The JSON is the ESS validation report: an array of validation events, each with its id,
# type, event, rule (id, expression, severity), data (source, target, observation key,
# measured, expected) and value "0"; an info is "information".
check "the JSON report: 8 events, one with its rule, severity, dataset, key, measured, expected" \
    "8|validation|ECOM_TX.yoy|warning|yoy_growth(ECOM_TX) [-0.2, 0.5]|stats.period_value|S.ECOM_TX.CN.A.2022|S,ECOM_TX,CN,A,2022|-0.527187|[-0.2, 0.5]|0|analyst@bad|information" \
    "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
e = [x for x in r if x["rule"]["id"] == "ECOM_TX.yoy"][0]
k = e["data"]["observation_key"]
p = [x for x in r if x["rule"]["id"] == "POPULATION.revision"][0]
print("|".join([str(len(r)), e["type"], e["rule"]["id"], e["rule"]["severity"], e["rule"]["expression"],
                e["data"]["source"][0], e["data"]["target"][0],
                ",".join([k["SENDER"], k["INDICATOR"], k["REF_AREA"], k["FREQ"], k["TIME_PERIOD"]]),
                e["data"]["measured"], e["data"]["expected"], e["value"], e["event"]["agent"],
                p["rule"]["severity"]]))' "$SP_TMP/v.json")"
check "validate --format xml is a usage error" 2 "$(PGDATABASE=bad "$STATPIPE" validate --format xml 2>/dev/null || echo $?)"

# The report's data quality lists the warnings.
PGUSER=analyst PGDATABASE=bad "$STATPIPE" report --lang en > "$SP_TMP/report.txt"
check "the report lists each warning the reader may see" 7 "$(grep -c '^  warning: ' "$SP_TMP/report.txt")"
grep -q "^  warning: FBB_USERS.total: FBB_USERS 2023: the 31 provinces add up to 620000000 against the national 636000000 (-0.0252)$" "$SP_TMP/report.txt" \
    || fail "the report's provinces warning: $(grep FBB_USERS.total "$SP_TMP/report.txt")"

# Real-shaped national series, as the agencies published them (rounded): mature series move
# little, the new technologies grow several-fold in their first years. No warning; the
# census revision of the population is the one info.
{
    annual FBB_USERS 亿户 2015:2.13 2016:2.97 2017:3.49 2018:4.07 2019:4.49 2020:4.84 2021:5.36 2022:5.90 2023:6.36 2024:6.70
    annual FBB_100M_USERS 亿户 2016:0.77 2017:1.35 2018:2.86 2019:3.84 2020:4.35 2021:4.98 2022:5.54 2023:6.01 2024:6.43
    annual FBB_1000M_USERS 万户 2019:87 2020:640 2021:3456 2022:9175 2023:16300 2024:20700
    annual MBB_USERS 亿户 2021:14.19 2022:15.34 2023:16.06 2024:16.61
    annual USERS_5G 亿户 2021:3.55 2022:5.61 2023:8.05 2024:10.14
    annual MBB_PEN % 2021:100.5 2022:108.6 2023:113.9 2024:117.9
    annual USERS_5G_PEN % 2021:25.1 2022:39.7 2023:57.1 2024:71.9
    annual BS_4G 万个 2019:544 2020:575 2021:590 2022:603 2023:629 2024:711
    annual BS_5G 万个 2019:13 2020:71.8 2021:142.5 2022:231.2 2023:337.7 2024:425.1
    annual ECOM_TX 万亿元 2015:21.79 2016:26.10 2017:29.16 2018:31.63 2019:34.81 2020:37.21 2021:42.30 2022:43.83 2023:46.83
    annual ONLINE_RETAIL 万亿元 2015:3.88 2016:5.16 2017:7.18 2018:9.01 2019:10.63 2020:11.76 2021:13.09 2022:13.79 2023:15.43
    annual ONLINE_RETAIL_GOODS 万亿元 2015:3.24 2016:4.19 2017:5.48 2018:7.02 2019:8.52 2020:9.76 2021:10.80 2022:11.96 2023:13.02
    annual INFO_CONS 万亿元 2019:5.4 2020:5.8 2021:6.6 2022:7.0
    annual DIGITAL_CORE_SHARE % 2020:7.8 2021:8.0 2022:8.3
    annual POPULATION 万人 2019:141008 2021:141260 2022:141175 2023:140967
    msg POPULATION A 2020 140005 万人 2021-02-28T10:00:00+08:00
    msg POPULATION A 2020 141212 万人 2021-05-11T10:00:00+08:00
    for pv in 2021-S1:10.11 2021-S2:10.32 2022-S1:10.51 2022-S2:10.67 2023-S1:10.79 2023-S2:10.92 2024-S1:11.00 2024-S2:11.08; do
        msg NETIZENS S "${pv%%:*}" "${pv##*:}" 亿 "$((${pv:0:4} + 1))-03-01T10:00:00+08:00"
    done
    for pv in 2018-S2:8946570 2019-S1:8826302 2019-S2:8827751 2020-S1:8889380 2020-S2:11511397 2021-S1:11511397 2021-S2:11899489; do
        msg INTL_BW S "${pv%%:*}" "${pv##*:}" Mbps "$((${pv:0:4} + 1))-03-01T10:00:00+08:00"
    done
    for pv in 02:21570 03:33217 04:42485 05:54582 06:71621 07:83528 08:95175 09:108198 10:119792 11:140075 12:154264; do
        msg ONLINE_RETAIL M "2023-${pv%%:*}" "${pv##*:}" 亿元 2024-01-17T10:00:00+08:00 YTD
    done
} > "$SP_TMP/real.ndjson"
PGDATABASE=real "$STATPIPE" load "$SP_TMP/real.ndjson" > /dev/null
check "every real-shaped figure is loaded" "$(wc -l < "$SP_TMP/real.ndjson")|0" \
    "$(PGDATABASE=real sp_psql -c "select (select count(*) from statpipe.observation) || '|' || (select count(*) from statpipe.quarantine)")"
check "real-shaped series raise no warning, and the census revision's info" \
    "POPULATION.revision|POPULATION|CN|2020|0.008621|[0, 0]" "$(findings real)"
PGDATABASE=real "$STATPIPE" validate > /dev/null
check "validate exits 0 without warnings" 0 "$?"
echo "PASS test_rules"
