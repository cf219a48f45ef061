#!/usr/bin/env bash
# test_regional.sh: regional monitoring, each number worked by hand: derived indicators (a
# formula of two published figures, NULL with a reason when an input is missing, a published
# figure preferred), a national target on a derived indicator, the gap statistics of the 31
# provinces, the composite index; none of them depends on the order of the messages.
source "$(dirname "$0")/lib.sh"
sp_pg_start

n=0
msg() { # indicator year value unit [ref_area [release]]: an annual figure, released 1 March after
    n=$((n + 1))
    printf '{"schema":"statpipe.observation/1","message_id":"r%d","sender":"S","indicator":"%s","ref_area":"%s","freq":"A","time_period":"%s","value":"%s","unit":"%s","release":"%s"}\n' \
        "$n" "$1" "${5:-CN}" "$2" "$3" "$4" "${6:-$(($2 + 1))-03-01T10:00:00+08:00}"
}
reader() { # database, SQL: as the reader-only login
    PGDATABASE=$1 PGUSER=analyst sp_psql -c "$2"
}
fresh() { # database: created and migrated
    sp_psql -c "create database $1" >/dev/null
    PGDATABASE=$1 "$STATPIPE" migrate -q
}

# ---- derived indicators --------------------------------------------------------------------
fresh derived
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
} > "$SP_TMP/derived.ndjson"
PGDATABASE=derived "$STATPIPE" load "$SP_TMP/derived.ndjson" >/dev/null
derived_rows() { # database: the derived indicators' annual values, as the reader sees them
    reader "$1" "select indicator || '|' || year || '|' || coalesce(trim_scale(round(value, 6))::text, 'NULL')
                        || '|' || method || '|' || coalesce(derivation, '-') || '|'
                        || coalesce(missing_reason, '-') || '|' || unit || '|' || sender
                   from stats.annual_value where indicator in ('BS_5G_PER_10K', 'INTL_BW_PER_USER')
                  order by indicator, year"
}
expected_derived="BS_5G_PER_10K|2021|NULL|derived|BS_5G / POPULATION × 10000|no value of BS_5G for 2021|PER_10K_PEOPLE|S
BS_5G_PER_10K|2022|16.376837|derived|BS_5G / POPULATION × 10000|-|PER_10K_PEOPLE|S/S
BS_5G_PER_10K|2023|NULL|derived|BS_5G / POPULATION × 10000|no value of POPULATION for 2023|PER_10K_PEOPLE|S
BS_5G_PER_10K|2024|30|annual|-|-|PER_10K_PEOPLE|S
INTL_BW_PER_USER|2023|16912.087912|derived|INTL_BW / NETIZENS|-|BPS_PER_USER|S/S"
check "derived indicators: formula, missing inputs, a published figure preferred" \
    "$expected_derived" "$(derived_rows derived)"
check "the as-of form gives the same rows" "0|0" "$(reader derived "
    select (select count(*) from (select * from stats.annual_value except select * from stats.annual_value_asof(now())) x)
           || '|' || (select count(*) from (select * from stats.annual_value_asof(now()) except select * from stats.annual_value) y)")"
# As known before the 2024 figures (released 2025-03-01), the 2024 year does not exist yet.
check "derived as of a date" "2021|NULL
2022|16.376837
2023|NULL" "$(reader derived "
    select year || '|' || coalesce(trim_scale(round(value, 6))::text, 'NULL')
      from stats.annual_value_asof('2025-01-01') where indicator = 'BS_5G_PER_10K' order by year")"
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
# The catalogue refuses a formula whose input is itself derived.
rc=0
out=$(PGDATABASE=derived sp_psql -c "insert into statpipe.indicator_formula values ('NET_PEN', 'share', 'BS_5G_PER_10K', 'POPULATION', 100, null)" 2>&1) || rc=$?
case "$out" in *"uses BS_5G_PER_10K , which is itself derived"*) ;; *) fail "a chained formula was not refused (rc $rc): $out" ;; esac

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
fresh gap
PGDATABASE=gap "$STATPIPE" load "$SP_TMP/gap.ndjson" >/dev/null
check "the gap statistics of 31 provinces" "$expected_gap" "$(gap_rows gap)"
check "the gap as of now equals the view" "0" "$(reader gap "
    select count(*) from (select * from stats.regional_gap except select * from stats.regional_gap_asof(now())) x")"
# The same messages in two other orders, one message a batch: the same statistics.
for order in reversed shuffled; do
    fresh "gap_$order"
    case $order in
        reversed) tac "$SP_TMP/gap.ndjson" ;;
        shuffled) shuf --random-source=<(yes) "$SP_TMP/gap.ndjson" ;;
    esac > "$SP_TMP/gap-$order.ndjson"
    PGDATABASE="gap_$order" "$STATPIPE" load --batch-rows 1 "$SP_TMP/gap-$order.ndjson" >/dev/null
    check "the gap statistics, messages $order" "$expected_gap" "$(gap_rows "gap_$order")"
done

echo "ok - test_regional"
