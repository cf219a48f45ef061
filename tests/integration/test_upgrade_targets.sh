#!/usr/bin/env bash
# test_upgrade_targets.sh: `statpipe migrate` upgrades a database in use from the schema
# before 025_area_targets.sql (migrations 001-024, the catalogue, figures and a stored
# evaluation in it) without losing or changing a row: the stored evaluation keeps every value,
# its targets become national ones (CN), and it compares with an evaluation made after; the
# series become totals (026) and every view of series reads as it did.
source "$(dirname "$0")/lib.sh"
sp_pg_start

sql="$SP_SOURCE_DIR/schemas/sql"
cat=$SP_SOURCE_DIR/schemas/catalogue
sp_psql -c "create schema statpipe; create table statpipe.schema_migration (name text primary key,
    checksum text not null, applied_at timestamptz not null default now())" >/dev/null
for f in "$sql"/0[01]?_*.sql "$sql"/02[0-4]_*.sql; do
    sp_psql -1 -f "$f" >/dev/null
    sp_psql -c "insert into statpipe.schema_migration (name, checksum) values ('$(basename "$f")', '$(md5sum < "$f" | cut -d' ' -f1)')" >/dev/null
done
check "the previous schema is 001-024" 24 "$(sp_psql -c 'select count(*) from statpipe.schema_migration')"
# The catalogue as that schema's migrate loaded it: targets without area or department.
sed -e '/^INSERT INTO statpipe.target /,/^$/d' -e '/^INSERT INTO statpipe.breakdown /,$d' \
    "$cat/load.sql" > "$SP_TMP/load-024.sql"
cat >> "$SP_TMP/load-024.sql" <<'SQL'
INSERT INTO statpipe.target (indicator, plan, target_year, comparator, target_value, target_unit,
                             baseline_year, baseline_value, source)
SELECT indicator, plan, target_year::int, comparator, target_value::numeric, target_unit,
       nullif(baseline_year, '')::int, nullif(baseline_value, '')::numeric, nullif(source, '')
  FROM seed_targets;
SQL
sp_psql >/dev/null <<SQL
begin;
create temp table seed_units (code text, dimension text, factor text, aliases text, note text);
create temp table seed_indicators (code text, name_zh text, name_en text, dimension text,
    nature text, time_agg text, space_agg text, weight text, authoritative_sender text,
    min_value text, max_value text, aliases text, note text);
create temp table seed_regions (code text, name_zh text, name_en text, level text,
    region_group text, in_national_total text);
create temp table seed_plans (code text, name_zh text, name_en text, issued_by text, issued text,
    horizon_from text, horizon_to text);
create temp table seed_targets (indicator text, plan text, target_year text, comparator text,
    target_value text, target_unit text, baseline_year text, baseline_value text, source text,
    ref_area text, department text);
create temp table seed_rules (rule text, kind text, severity text, indicator text, other text,
    lower text, upper text, note text);
create temp table seed_formulas (indicator text, kind text, numerator text, denominator text,
    scale text, note text);
create temp table seed_indexes (code text, name_zh text, name_en text, missing text, note text);
create temp table seed_index_pillars (index text, pillar text, name_zh text, name_en text,
    weight text);
create temp table seed_index_components (index text, pillar text, indicator text, weight text,
    normalisation text, reference_value text, base_year text, log text, direction text, note text);
\copy seed_units from '$cat/units.csv' with (format csv, header true)
\copy seed_indicators from '$cat/indicators.csv' with (format csv, header true)
\copy seed_regions from '$cat/regions.csv' with (format csv, header true)
\copy seed_plans from '$cat/plans.csv' with (format csv, header true)
\copy seed_targets from '$cat/targets.csv' with (format csv, header true)
\copy seed_rules from '$cat/rules.csv' with (format csv, header true)
\copy seed_formulas from '$cat/formulas.csv' with (format csv, header true)
\copy seed_indexes from '$cat/indexes.csv' with (format csv, header true)
\copy seed_index_pillars from '$cat/index_pillars.csv' with (format csv, header true)
\copy seed_index_components from '$cat/index_components.csv' with (format csv, header true)
\i $SP_TMP/load-024.sql
commit;
SQL

# In use: national figures (a missed 2020 target, a derived indicator) and an evaluation.
n=0
msg() { # indicator year value unit
    n=$((n + 1))
    printf '{"schema":"statpipe.observation/1","message_id":"u%d","sender":"S","indicator":"%s","ref_area":"CN","freq":"A","time_period":"%s","value":"%s","unit":"%s","release":"%s-03-01T10:00:00+08:00"}\n' \
        "$n" "$1" "$2" "$3" "$4" "$(($2 + 1))"
}
{
    msg ECOM_TX 2020 37.21 万亿元
    msg ECOM_TX 2019 34.81 万亿元
    msg BS_5G 2022 231.2 万个
    msg POPULATION 2022 141175 万人
} > "$SP_TMP/feed.ndjson"
# Loaded as the binary of that schema would: through a scratch database of the current
# schema, whose rows are copied over (series without 026's breakdown, which 024 has not).
sp_psql -c "create database scratch" >/dev/null
PGDATABASE=scratch "$STATPIPE" migrate -q
PGDATABASE=scratch "$STATPIPE" load "$SP_TMP/feed.ndjson" >/dev/null
sp_psql -d scratch -c "\\copy (select series_id, sender, indicator, ref_area, freq, calc_basis
                                from statpipe.series) to '$SP_TMP/series.tsv'"
sp_psql -c "\\copy statpipe.series (series_id, sender, indicator, ref_area, freq, calc_basis) from '$SP_TMP/series.tsv'" \
    -c "select setval(pg_get_serial_sequence('statpipe.series', 'series_id'), max(series_id)) from statpipe.series" >/dev/null
# The observations without the release_seq of 033, which the previous schema has not.
sp_psql -d scratch -c "alter table statpipe.observation drop column release_seq" >/dev/null
pg_dump --data-only --no-owner -d scratch -t statpipe.observation -t statpipe.message_seen > "$SP_TMP/rows.sql"
sp_psql -f "$SP_TMP/rows.sql" >/dev/null
sp_psql -c "select statpipe.evaluate(2023, now(), 'before 025')" >/dev/null
old_columns=$(sp_psql -c "select string_agg(quote_ident(attname), ', ' order by attnum) from pg_attribute
                           where attrelid = 'statpipe.evaluation_row'::regclass and attnum > 0 and not attisdropped")
rows() {
    sp_psql -c "select count(*) || ':' || md5(string_agg(r::text, ',' order by r::text))
                  from (select $old_columns from statpipe.evaluation_row) r"
}
before=$(rows)
# The views of series as they read before 026 adds the breakdown: each column they had.
views_now() {
    local v cols out=""
    for v in stats.annual_value stats.observation_latest stats.period_value stats.growth stats.revision; do
        cols=$(sp_psql -c "select string_agg(quote_ident(attname), ', ' order by attnum) from pg_attribute
                            where attrelid = '$v'::regclass and attnum > 0 and attname <> 'breakdown'")
        out="$out $(sp_psql -c "select count(*) || ':' || md5(coalesce(string_agg(r::text, ',' order by r::text), ''))
                                  from (select $cols from $v) r")"
    done
    echo "$out"
}
views_before=$(views_now)
# Every target of the catalogue is a row: 21 (schemas/catalogue/targets.csv).
case "$before" in 21:*) ;; *) fail "evaluation rows before the upgrade: $before" ;; esac

out=$("$STATPIPE" migrate)
check "the upgrade applies 025 to 033" "applied migration 025_area_targets.sql
applied migration 026_breakdown.sql
applied migration 027_sdmx.sql
applied migration 028_data_change.sql
applied migration 029_kept_after_load.sql
applied migration 030_observation_by_series.sql
applied migration 031_vintage_one_current.sql
applied migration 032_kept_refresh_in_parts.sql
applied migration 033_release_seq.sql" "$(echo "$out" | grep '^applied migration')"
# 029: the kept values the upgrade filled are current, none marked stale: 4 kept years,
# one per stored figure's indicator and year (ECOM_TX 2019 and 2020, BS_5G 2022,
# POPULATION 2022), every release of them past.
check "no kept year is stale after the upgrade" "0|4" \
    "$(sp_psql -c "select (select count(*) from statpipe.kept_stale) || '|'
                          || (select count(*) from statpipe.kept_year_now where current)")"
# 028: the data may have changed up to the upgrade, later than every stored figure; none of
# the four releases (2020 to 2023) is still under embargo.
check "the time the data changed starts at the upgrade" "1|true|0" \
    "$(sp_psql -c "select count(*) || '|' || bool_and(d.changed_at >= (select max(loaded_at) from statpipe.observation))
                          || '|' || sum(cardinality(d.due)) from statpipe.data_change d")"
check "the views of series read as before, every row and value" "$views_before" "$(views_now)"
# 3 series (ECOM_TX, BS_5G, POPULATION) and 4 kept annual values (ECOM_TX 2019 and 2020,
# BS_5G 2022, POPULATION 2022), every one the total; no view row of another breakdown.
check "every stored series and kept value is a total" "3|4|0" \
    "$(sp_psql -c "select (select count(*) from statpipe.series where breakdown = '_T') || '|'
                          || (select count(*) from statpipe.annual_value_kept where breakdown = '_T') || '|'
                          || (select count(*) from stats.annual_value where breakdown <> '_T')")"
check "the stored evaluation keeps every row and value" "$before" "$(rows)"
check "its targets are national" "21|0" \
    "$(sp_psql -c "select count(*) filter (where ref_area = 'CN') || '|' || count(*) filter (where department is not null)
                     from statpipe.evaluation_row")"
rc=0
out=$(sp_psql -c "update statpipe.evaluation_row set status = 'met'" 2>&1) || rc=$?
case "$out" in *"stored evaluations never change (UPDATE on evaluation_row)"*) ;; *) fail "an old row changed (rc $rc): $out" ;; esac
sp_psql -c "select statpipe.evaluate(2023, now(), 'after 025')" >/dev/null
sp_psql -c "create role analyst login in role statpipe_reader" >/dev/null
# The same figures and targets: nothing differs between the two, and each judges ECOM_TX's
# 2020 targets (37.21 < 38) missed.
check "an evaluation before and one after compare" "0|missed,missed|missed,missed" \
    "$(PGUSER=analyst sp_psql -c "select (select count(*) from stats.evaluation_diff(1, 2)) || '|'
        || (select string_agg(status, ',' order by plan) from stats.evaluation_row where evaluation_id = 1
             and indicator = 'ECOM_TX' and target_year = 2020) || '|'
        || (select string_agg(status, ',' order by plan) from stats.evaluation_row where evaluation_id = 2
             and indicator = 'ECOM_TX' and target_year = 2020)")"
PGUSER=analyst "$STATPIPE" report --evaluation 1 --format json > "$SP_TMP/report.json" \
    || fail "the report cannot render the evaluation stored before the upgrade"
check "the report renders it" 21 \
    "$(python3 -c 'import json, sys; print(len(json.load(sys.stdin)["targets"]))' < "$SP_TMP/report.json")"
echo "ok - test_upgrade_targets"
