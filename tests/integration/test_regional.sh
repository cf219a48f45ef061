#!/usr/bin/env bash
# test_regional.sh: regional monitoring, each number worked by hand: derived indicators (a
# formula of two published figures, NULL with a reason when an input is missing, a published
# figure preferred), a national target on a derived indicator, the gap statistics of the 31
# provinces, the composite index; none of them depends on the order of the messages.
source "$(dirname "$0")/lib.sh"
sp_pg_start

n=0
msg() { # indicator year value unit [ref_area [release [conf_status]]]: an annual figure,
        # released 1 March after its year unless given
    n=$((n + 1))
    printf '{"schema":"statpipe.observation/1","message_id":"r%d","sender":"S","indicator":"%s","ref_area":"%s","freq":"A","time_period":"%s","value":"%s","unit":"%s","release":"%s","conf_status":"%s"}\n' \
        "$n" "$1" "${5:-CN}" "$2" "$3" "$4" "${6:-$(($2 + 1))-03-01T10:00:00+08:00}" "${7:-F}"
}
reader() { # database, SQL: as the reader-only login
    PGDATABASE=$1 PGUSER=analyst sp_psql -c "$2"
}

# ---- derived indicators --------------------------------------------------------------------
sp_fresh_db derived
sp_psql -c "create role analyst login in role statpipe_reader" >/dev/null
{
    # 2022: 231.2 万个 = 2,312,000 stations over 141175 万人 = 1,411,750,000 people:
    # 2,312,000 / 1,411,750,000 × 10,000 = 16.376837 stations per 10,000 people.
    msg BS_5G 2022 231.2 万个
    msg POPULATION 2022 141175 万人
    # 2023: stations (337.7 万个) but no population: NULL, for want of POPULATION.
    msg BS_5G 2023 337.7 万个
    # 2021: population (141260 万人) but no stations: NULL, for want of BS_5G.
    msg POPULATION 2021 141260 万人
    # 2024: both inputs (425.1 万个 / 140828 万人 × 10,000 = 30.185759) and a published figure,
    # 30.0, which is preferred.
    msg BS_5G 2024 425.1 万个
    msg POPULATION 2024 140828 万人
    msg BS_5G_PER_10K 2024 30.0 个/万人
    # Bandwidth per Internet user, 2023: 18,468,000 Mbit/s = 18,468,000,000,000 bit/s over
    # 10.92 亿 = 1,092,000,000 users = 16,912.087912 bit/s per user.
    msg INTL_BW 2023 18468000 Mbps
    msg NETIZENS 2023 10.92 亿
    # Beijing, for its own target: 7.5 万个 over 2184.3 万人 in 2022 (75,000 / 21,843,000 ×
    # 10,000 = 34.335943), 10.1 万个 over 2185.8 万人 in 2023 (101,000 / 21,858,000 × 10,000 =
    # 46.207338).
    msg BS_5G 2022 7.5 万个 110000
    msg POPULATION 2022 2184.3 万人 110000
    msg BS_5G 2023 10.1 万个 110000
    msg POPULATION 2023 2185.8 万人 110000
} > "$SP_TMP/derived.ndjson"
PGDATABASE=derived "$STATPIPE" load "$SP_TMP/derived.ndjson" >/dev/null
derived_rows() { # database: the derived indicators' annual values, as the reader sees them
    reader "$1" "select indicator || '|' || year || '|' || coalesce(trim_scale(round(value, 6))::text, 'NULL')
                        || '|' || method || '|' || coalesce(derivation, '-') || '|'
                        || coalesce(missing_reason, '-') || '|' || unit || '|' || sender
                   from stats.annual_value where indicator in ('BS_5G_PER_10K', 'INTL_BW_PER_USER')
                    and ref_area = 'CN'
                  order by indicator, year"
}
expected_derived="BS_5G_PER_10K|2021|NULL|derived|BS_5G / POPULATION × 10000|no value of BS_5G for 2021|PER_10K_PEOPLE|S
BS_5G_PER_10K|2022|16.376837|derived|BS_5G / POPULATION × 10000|-|PER_10K_PEOPLE|S/S
BS_5G_PER_10K|2023|NULL|derived|BS_5G / POPULATION × 10000|no value of POPULATION for 2023|PER_10K_PEOPLE|S
BS_5G_PER_10K|2024|30|annual|-|-|PER_10K_PEOPLE|S
INTL_BW_PER_USER|2023|16912.087912|derived|INTL_BW / NETIZENS|-|BPS_PER_USER|S/S"
check "derived indicators: formula, missing inputs, a published figure preferred" \
    "$expected_derived" "$(derived_rows derived)"
# The same messages reversed, one a batch: the same derived values.
sp_fresh_db derived_reversed
tac "$SP_TMP/derived.ndjson" > "$SP_TMP/derived-reversed.ndjson"
PGDATABASE=derived_reversed "$STATPIPE" load --batch-rows 1 "$SP_TMP/derived-reversed.ndjson" >/dev/null
check "derived indicators, messages reversed" "$expected_derived" "$(derived_rows derived_reversed)"
check "the as-of form gives the same rows" "0|0" "$(reader derived "
    select (select count(*) from (select * from stats.annual_value except select * from stats.annual_value_asof(now())) x)
           || '|' || (select count(*) from (select * from stats.annual_value_asof(now()) except select * from stats.annual_value) y)")"
# As known before the 2024 figures (released 2025-03-01), the 2024 year does not exist yet.
check "derived as of a date" "2021|NULL
2022|16.376837
2023|NULL" "$(reader derived "
    select year || '|' || coalesce(trim_scale(round(value, 6))::text, 'NULL')
      from stats.annual_value_asof('2025-01-01') where indicator = 'BS_5G_PER_10K' and ref_area = 'CN'
     order by year")"
# The national target (26 per 10,000 people by 2025) judged in mid-2025: the latest value is
# the published 30 of 2024; before the 2024 release it is the derived 16.376837 of 2022 (2023
# has no value).
check "a target on a derived indicator" "2024|30
2022|16.376837" "$(reader derived "
    select latest_year || '|' || trim_scale(round(latest_value, 6)) from stats.target_progress_asof('2025-06-30')
     where indicator = 'BS_5G_PER_10K'
    union all
    select latest_year || '|' || trim_scale(round(latest_value, 6)) from stats.target_progress_asof('2025-01-01')
     where indicator = 'BS_5G_PER_10K'")"
# A province's target on a derived indicator, with its department: Beijing, 50 per 10,000
# people by 2025, judged in mid-2024 on Beijing's own values. Latest 46.207338 (2023);
# progress 46.207338 / 50 = 0.924147; trend from 2022: 46.207338 / 34.335943 - 1 = 0.345743 a
# year; carried 2 years to the end of 2025: 46.207338 × 1.345743² = 83.68 >= 50: on track.
# The national target of the same indicator, plan and year is still judged on CN (2022's
# 16.376837, 2023 having no value: progress 16.376837 / 26 = 0.629878, no trend: unknown).
PGDATABASE=derived sp_psql -c "insert into statpipe.target (indicator, plan, target_year, comparator, target_value,
    target_unit, ref_area, department) values ('BS_5G_PER_10K', 'FYP14-ICT', 2025, '>=', 50, '个/万人', '110000',
    'Beijing Communications Administration')" >/dev/null
check "a province's target on a derived indicator" "110000|Beijing Communications Administration|2023|46.207338|0.924147|0.345743|83.68|on track
CN|MIIT|2022|16.376837|0.629878|-|-|unknown" "$(reader derived "
    select ref_area || '|' || coalesce(department, '-') || '|' || latest_year || '|' || trim_scale(round(latest_value, 6))
           || '|' || trim_scale(round(progress, 6)) || '|' || coalesce(trim_scale(round(trend_cagr, 6))::text, '-')
           || '|' || coalesce(trim_scale(round(projected_value, 2))::text, '-') || '|' || status
      from stats.target_progress_asof('2024-06-30') where indicator = 'BS_5G_PER_10K'
     order by ref_area = 'CN', ref_area")"

# The report names the province's target with its province and gives its area.
check "report: a province's target" "BS_5G_PER_10K|5G base stations per 10000 people (Beijing)|每万人拥有5G基站数（北京市）|110000" \
    "$(PGDATABASE=derived PGUSER=analyst "$STATPIPE" report --format csv | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    if r["ref_area"] != "CN":
        print("|".join((r["indicator"], r["name_en"], r["name_zh"], r["ref_area"])))')"

# A confidential input is no input for a public reader: Shanghai's 2022 population is
# confidential, so the reader gets NULL for want of it, and an internal reader 60,000 /
# 24,758,900 × 10,000 = 24.233710.
sp_fresh_db conf
{
    msg BS_5G 2022 6.0 万个 310000
    msg POPULATION 2022 2475.89 万人 310000 "" C
} > "$SP_TMP/conf.ndjson"
PGDATABASE=conf "$STATPIPE" load "$SP_TMP/conf.ndjson" >/dev/null
sp_psql -c "create role insider login in role statpipe_reader, statpipe_internal" >/dev/null
conf_row="select coalesce(trim_scale(round(value, 6))::text, 'NULL') || '|' || coalesce(missing_reason, '-')
            from stats.annual_value where indicator = 'BS_5G_PER_10K' and ref_area = '310000' and year = 2022"
check "a confidential input, as a public reader sees it" "NULL|no value of POPULATION for 2022" "$(reader conf "$conf_row")"
check "a confidential input, as an internal reader sees it" "24.23371|-" \
    "$(PGDATABASE=conf PGUSER=insider sp_psql -c "$conf_row")"

# The catalogue refuses a formula whose input is itself derived.
rc=0
out=$(PGDATABASE=derived sp_psql -c "insert into statpipe.indicator_formula values ('NET_PEN', 'share', 'BS_5G_PER_10K', 'POPULATION', 100, null)" 2>&1) || rc=$?
case "$out" in *"uses BS_5G_PER_10K, which is itself derived"*) ;; *) fail "a chained formula was not refused (rc $rc): $out" ;; esac

# ---- the gap between the provinces --------------------------------------------------------
provinces=$(awk -F, '$4 == 1 && $6 == "true" { print $1 }' "$SP_SOURCE_DIR/schemas/catalogue/regions.csv")
{
    for p in $provinces; do
        # Fixed broadband users (a level, summed): 100 万户 in 28 provinces, Beijing 400,
        # Tibet 10, Guangdong 1000.
        case $p in 110000) v=400 ;; 540000) v=10 ;; 440000) v=1000 ;; *) v=100 ;; esac
        msg FBB_USERS 2023 "$v" 万户 "$p"
        # Internet penetration (a ratio weighted by population): 70 % in 28 provinces,
        # Beijing 90, Tibet 50, Guangdong 80; population 1000 万人 each, Guangdong 12000.
        case $p in 110000) v=90 ;; 540000) v=50 ;; 440000) v=80 ;; *) v=70 ;; esac
        msg NET_PEN 2023 "$v" % "$p"
        case $p in 440000) v=12000 ;; *) v=1000 ;; esac
        msg POPULATION 2023 "$v" 万人 "$p"
    done
} > "$SP_TMP/gap.ndjson"
gap_rows() { # database: the gap statistics of the two indicators, as the reader sees them
    reader "$1" "select indicator || '|' || provinces || '/' || provinces_expected || '|'
                        || trim_scale(round(min_value / u.f, 6)) || ' ' || min_area || '|'
                        || trim_scale(round(max_value / u.f, 6)) || ' ' || max_area || '|'
                        || trim_scale(round(max_min_ratio, 6)) || '|' || trim_scale(round(mean / u.f, 6)) || '|'
                        || trim_scale(round(cv, 6)) || '|' || cv_method || '|'
                        || trim_scale(round(east / u.f, 6)) || ' ' || trim_scale(round(central / u.f, 6)) || ' '
                        || trim_scale(round(west / u.f, 6)) || ' ' || trim_scale(round(northeast / u.f, 6)) || '|'
                        || trim_scale(round(central_to_east, 6)) || ' ' || trim_scale(round(west_to_east, 6)) || ' '
                        || trim_scale(round(northeast_to_east, 6)) || '|' || groups_complete
                   from stats.regional_gap
                  cross join lateral (select case indicator when 'FBB_USERS' then 10000 else 1 end as f) u
                  where year = 2023 and indicator in ('FBB_USERS', 'NET_PEN') order by indicator"
}
# FBB_USERS (in 万户): min 10 (Tibet), max 1000 (Guangdong), ratio 100. Mean 4210 / 31 =
# 135.806452 (Σx = 28 × 100 + 400 + 10 + 1000 = 4210). Plain cv: Σx² = 28 × 10,000 + 160,000
# + 100 + 1,000,000 = 1,440,100; variance = 1,440,100 / 31 - 135.806452² = 46,454.838710 -
# 18,443.392300 = 28,011.446410; sd = 167.366205; cv = 167.366205 / 135.806452 = 1.232388.
# Groups (sums): East, 10 provinces: 8 × 100 + 400 + 1000 = 2200; Central 6 × 100 = 600;
# West 11 × 100 + 10 = 1110; Northeast 3 × 100 = 300; to the East: 600 / 2200 = 0.272727,
# 1110 / 2200 = 0.504545, 300 / 2200 = 0.136364.
# NET_PEN: min 50 (Tibet), max 90 (Beijing), ratio 1.8. Weights W = 30 × 1000 + 12000 =
# 42,000 万人; mean = (1000 × (28 × 70 + 90 + 50) + 12000 × 80) / 42,000 = 3,060,000 / 42,000
# = 72.857143. Σw(x - mean)² = 1000 × (28 × 2.857143² + 17.142857² + 22.857143²) + 12000 ×
# 7.142857² = 1,044,897.959 + 612,244.898 = 1,657,142.857; / 42,000 = 39.455782; sqrt =
# 6.281384; cv = 6.281384 / 72.857143 = 0.086215. Groups (weighted means): East (90 × 1000 +
# 8 × 70 × 1000 + 80 × 12000) / (9 × 1000 + 12000) = 1,610,000 / 21,000 = 76.666667;
# Central 70; West (11 × 70 + 50) × 1000 / 12,000 = 68.333333; Northeast 70; to the East:
# 70 / 76.666667 = 0.913043, 68.333333 / 76.666667 = 0.891304, 0.913043.
expected_gap="FBB_USERS|31/31|10 540000|1000 440000|100|135.806452|1.232388|plain|2200 600 1110 300|0.272727 0.504545 0.136364|true
NET_PEN|31/31|50 540000|90 110000|1.8|72.857143|0.086215|weighted by POPULATION|76.666667 70 68.333333 70|0.913043 0.891304 0.913043|true"
sp_fresh_db gap
PGDATABASE=gap "$STATPIPE" load "$SP_TMP/gap.ndjson" >/dev/null
check "the gap statistics of 31 provinces" "$expected_gap" "$(gap_rows gap)"
check "the gap as of now equals the view" "0" "$(reader gap "
    select count(*) from (select * from stats.regional_gap except select * from stats.regional_gap_asof(now())) x")"
# The same messages in two other orders, one message a batch: the same statistics.
for order in reversed shuffled; do
    sp_fresh_db "gap_$order"
    case $order in
        reversed) tac "$SP_TMP/gap.ndjson" ;;
        shuffled) shuf --random-source=<(yes) "$SP_TMP/gap.ndjson" ;;
    esac > "$SP_TMP/gap-$order.ndjson"
    PGDATABASE="gap_$order" "$STATPIPE" load --batch-rows 1 "$SP_TMP/gap-$order.ndjson" >/dev/null
    check "the gap statistics, messages $order" "$expected_gap" "$(gap_rows "gap_$order")"
done

# ---- the composite index --------------------------------------------------------------------
# A small index T: pillar A (weight 0.6) of NET_PEN (0.5, against a reference of 100) and
# MBB_PEN (0.5, between the provinces' lowest and highest of 2022); pillar B (0.4) of
# BS_5G_PER_10K (1, logarithms, against a reference of 100). Three provinces, 2022 and 2023;
# Guangdong has no NET_PEN for 2023.
index_sql="insert into statpipe.composite_index values ('T', 'T', 'T', 'reweight', null);
    insert into statpipe.index_pillar values ('T', 'A', 'A', 'A', 0.6), ('T', 'B', 'B', 'B', 0.4);
    insert into statpipe.index_component values
        ('T', 'A', 'NET_PEN', 0.5, 'reference', 100, null, false, 'higher', null),
        ('T', 'A', 'MBB_PEN', 0.5, 'minmax', null, 2022, false, 'higher', null),
        ('T', 'B', 'BS_5G_PER_10K', 1, 'reference', 100, null, true, 'higher', null);"
{
    msg NET_PEN 2022 80 % 110000; msg NET_PEN 2022 70 % 310000; msg NET_PEN 2022 60 % 440000
    msg NET_PEN 2023 90 % 110000; msg NET_PEN 2023 75 % 310000
    msg MBB_PEN 2022 120 % 110000; msg MBB_PEN 2022 100 % 310000; msg MBB_PEN 2022 80 % 440000
    msg MBB_PEN 2023 130 % 110000; msg MBB_PEN 2023 110 % 310000; msg MBB_PEN 2023 90 % 440000
    msg BS_5G_PER_10K 2022 10 个/万人 110000; msg BS_5G_PER_10K 2022 5 个/万人 310000
    msg BS_5G_PER_10K 2022 1 个/万人 440000; msg BS_5G_PER_10K 2023 20 个/万人 110000
    msg BS_5G_PER_10K 2023 10 个/万人 310000; msg BS_5G_PER_10K 2023 100 个/万人 440000
} > "$SP_TMP/index.ndjson"
index_rows() { # database: index T, as the reader sees it
    reader "$1" "select year || '|' || ref_area || '|' || coalesce(trim_scale(round(value, 4))::text, 'NULL') || '|'
                        || coalesce(trim_scale(round((pillars->>'A')::numeric, 4))::text, 'NULL') || ' '
                        || trim_scale(round((pillars->>'B')::numeric, 4)) || '|' || trim_scale(coverage) || '|'
                        || coalesce(rank || '/' || provinces_ranked, '-')
                   from stats.index_value where index = 'T' order by year, ref_area"
}
# Scores. NET_PEN: value / 100 × 100. MBB_PEN: 2022's provinces range from 80 to 120, so
# 100 × (value - 80) / 40: 120 → 100, 100 → 50, 80 → 0; 2023: 130 → 125, 110 → 75, 90 → 25
# (not capped). BS_5G_PER_10K: 100 × ln(value) / ln(100): 10 → 50, 5 → 34.9485, 1 → 0;
# 20 → 65.0515, 100 → 100.
# 2022 Beijing: A = 0.5 × 80 + 0.5 × 100 = 90, B = 50, index = 0.6 × 90 + 0.4 × 50 = 74.
#      Shanghai: A = 0.5 × 70 + 0.5 × 50 = 60, B = 34.9485, index = 36 + 13.9794 = 49.9794.
#      Guangdong: A = 0.5 × 60 + 0.5 × 0 = 30, B = 0, index = 18.
# 2023 Beijing: A = 0.5 × 90 + 0.5 × 125 = 107.5, B = 65.0515, index = 64.5 + 26.0206 = 90.5206.
#      Shanghai: A = 0.5 × 75 + 0.5 × 75 = 75, B = 50, index = 45 + 20 = 65.
#      Guangdong (no NET_PEN, reweighted): A = 0.5 × 25 / 0.5 = 25, B = 100, index = 15 + 40 =
#      55; coverage 0.6 × 0.5 + 0.4 × 1 = 0.7.
expected_index="2022|110000|74|90 50|1|1/3
2022|310000|49.9794|60 34.9485|1|2/3
2022|440000|18|30 0|1|3/3
2023|110000|90.5206|107.5 65.0515|1|1/3
2023|310000|65|75 50|1|2/3
2023|440000|55|25 100|0.7|3/3"
sp_fresh_db idx
PGDATABASE=idx sp_psql -c "$index_sql" >/dev/null
PGDATABASE=idx "$STATPIPE" load "$SP_TMP/index.ndjson" >/dev/null
check "the composite index: normalisation, logarithms, weights, a missing component reweighted" \
    "$expected_index" "$(index_rows idx)"
check "the index as of now equals the view" "0" "$(reader idx "
    select count(*) from (select * from stats.index_value except select * from stats.index_value_asof(now())) x")"
# Under the rule null, Guangdong's 2023 pillar A and index are NULL, and two provinces rank.
PGDATABASE=idx sp_psql -c "update statpipe.composite_index set missing = 'null' where code = 'T'" >/dev/null
check "a missing component under the rule null" "2023|110000|90.5206|107.5 65.0515|1|1/2
2023|310000|65|75 50|1|2/2
2023|440000|NULL|NULL 100|0.7|-" "$(index_rows idx | grep '^2023')"
# Reversed, one message a batch: the same index.
sp_fresh_db idx_reversed
PGDATABASE=idx_reversed sp_psql -c "$index_sql" >/dev/null
tac "$SP_TMP/index.ndjson" > "$SP_TMP/index-reversed.ndjson"
PGDATABASE=idx_reversed "$STATPIPE" load --batch-rows 1 "$SP_TMP/index-reversed.ndjson" >/dev/null
check "the composite index, messages reversed" "$expected_index" "$(index_rows idx_reversed)"
# A weighted cv needs every province's weight: the index fixture has no population, so
# NET_PEN's 2022 gap has no cv, and says why.
check "a weighted cv without its weights" "3/31|NULL|weighted by POPULATION: a weight is missing" \
    "$(reader idx "select provinces || '/' || provinces_expected || '|' || coalesce(cv::text, 'NULL') || '|' || cv_method
                     from stats.regional_gap where indicator = 'NET_PEN' and year = 2022")"
# Lower is better: MBB_PEN min-max scores 100 × (120 - value) / 40 (Beijing 2023: 130 →
# -25), NET_PEN against its reference 100 × min(100 / value, 1) (Beijing 2023: 90 → 100,
# Shanghai 2023: 75 → 100), BS_5G_PER_10K on logarithms 100 × min(ln 100 / ln value, 1)
# (Beijing 2023: ln 100 / ln 20 = 1.537, capped at 1 → 100).
PGDATABASE=idx sp_psql -c "update statpipe.index_component set direction = 'lower' where index_code = 'T'" >/dev/null
check "lower is better" "BS_5G_PER_10K|110000|100,MBB_PEN|110000|-25,NET_PEN|110000|100,NET_PEN|310000|100" \
    "$(reader idx "select string_agg(indicator || '|' || ref_area || '|' || trim_scale(round(score, 4)), ','
                                     order by indicator, ref_area)
                     from stats.index_score where index = 'T' and year = 2023 and ref_area in ('110000', '310000')
                      and (indicator <> 'BS_5G_PER_10K' or ref_area = '110000')
                      and (indicator <> 'MBB_PEN' or ref_area = '110000')")"
PGDATABASE=idx sp_psql -c "update statpipe.index_component set direction = 'higher' where index_code = 'T'" >/dev/null

# The catalogue refuses weights that do not sum to 1.
rc=0
out=$(PGDATABASE=idx sp_psql -c "update statpipe.index_pillar set weight = 0.5 where index_code = 'T' and pillar = 'A'" 2>&1) || rc=$?
case "$out" in *"the pillar weights of index T sum to 0.9, not 1"*) ;; *) fail "pillar weights summing to 0.9 were not refused (rc $rc): $out" ;; esac
rc=0
out=$(PGDATABASE=idx sp_psql -c "update statpipe.index_component set weight = 0.4 where index_code = 'T' and indicator = 'NET_PEN'" 2>&1) || rc=$?
case "$out" in *"the component weights of pillar A of index T sum to 0.9, not 1"*) ;; *) fail "component weights summing to 0.9 were not refused (rc $rc): $out" ;; esac

# ---- the report: the index ranking with its chart, and the gaps ------------------------------
# Rendered by Chromium for the reader, in both languages. Index T ranks Beijing (90.5206 shown
# as 90.5), Shanghai (65) and Guangdong (55, coverage 70 %) in 2023, a bar each; the gaps
# table has a row per indicator with provincial figures: BS_5G_PER_10K, MBB_PEN (2023: lowest
# Guangdong 90, highest Beijing 130, 130 / 90 = 1.44) and NET_PEN.
PGDATABASE=idx sp_psql -c "update statpipe.composite_index set missing = 'reweight' where code = 'T'" >/dev/null
for lang in zh en; do
    PGDATABASE=idx PGUSER=analyst "$STATPIPE" report --format html --lang $lang --out "$SP_TMP/regional.$lang.html"
    sp_chromium_dom "$SP_TMP/regional.$lang.html" "$SP_TMP/regional-dom.$lang.html"
done
dom=$SP_TMP/regional-dom.zh.html
check "report: the index's heading" '<h2 id="index">综合指数：各省份排名</h2>|<h2 id="index">Composite index: provinces ranked</h2>' \
    "$(grep -o '<h2 id="index">[^<]*</h2>' "$dom")|$(grep -o '<h2 id="index">[^<]*</h2>' "$SP_TMP/regional-dom.en.html")"
check "report: index T's chart has a bar per ranked province" 3 \
    "$(sed -n '/<svg class="chart index" data-index="T"/,/<\/svg>/p' "$dom" | grep -o '<rect class="bar"' | wc -l)"
check "report: index T's ranking (coverage shown when under 100 %)" "1 北京市 90.5|2 上海市 65|3 广东省 55 70" \
    "$(sed -n '/<table class="index" data-index="T">/,/<\/table>/p' "$dom" \
        | sed -n 's|.*<td class="num">\([0-9]*\)</td><td>\([^<]*\)</td><td class="num">\([0-9.]*\)</td><td>[^<]*</td><td class="num">\([0-9.]*\) %</td>.*|\1 \2 \3 \4|p' \
        | sed 's/ 100$//' | tr '\n' '|' | sed 's/|$//')"
check "report: the gaps, a row per indicator" "BS_5G_PER_10K MBB_PEN NET_PEN" \
    "$(grep -o '<tr data-indicator="[^"]*"' "$dom" | cut -d'"' -f2 | tr '\n' ' ' | sed 's/ $//')"
check "report: a gap row as read" "Guangdong 90 PCT|Beijing 130 PCT|1.44" \
    "$(sed -n '/<tr data-indicator="MBB_PEN"/,/<\/tr>/p' "$SP_TMP/regional-dom.en.html" \
        | sed 's|</td><td[^>]*>|\n|g' | sed -n '4,6p' | tr '\n' '|' | sed 's/|$//')"
# The text report has the same ranking and a gap line per indicator.
text=$(PGDATABASE=idx PGUSER=analyst "$STATPIPE" report --lang en)
check "text report: index T's ranking" "1 Beijing 90.5|2 Shanghai 65|3 Guangdong 55" \
    "$(echo "$text" | sed -n '/^  T, 2023$/,/^$/p' | awk 'NF >= 3 && $1 ~ /^[0-9]+$/ { print $1, $2, $3 }' | tr '\n' '|' | sed 's/|$//')"
check "text report: the MBB_PEN gap" "1" "$(echo "$text" | grep -c '^  MBB_PEN .*Highest / lowest 1.44')"

echo "ok - test_regional"
