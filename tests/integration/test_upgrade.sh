#!/usr/bin/env bash
# test_upgrade.sh: `statpipe migrate` upgrades a database in use from the schema before
# 008_statistical_truth.sql (migrations 001-007, catalogue loaded, observations, quarantine,
# message ids and offsets in it) without losing a row, and the upgraded views give the oracle's numbers
# to a reader login.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/oracle.sh"
sp_pg_start

# The previous schema, as migrate left it: migrations 001-007 recorded with their checksums,
# and the bundled catalogue.
sql="$SP_SOURCE_DIR/schemas/sql"
sp_psql -c "create schema statpipe; create table statpipe.schema_migration (name text primary key,
    checksum text not null, applied_at timestamptz not null default now())"
for f in "$sql"/00[1-7]_*.sql; do
    sp_psql -f "$f" >/dev/null
    sp_psql -c "insert into statpipe.schema_migration (name, checksum) values ('$(basename "$f")', '$(md5sum < "$f" | cut -d' ' -f1)')"
done
cat=$SP_SOURCE_DIR/schemas/catalogue
# The catalogue load of that schema had no plans (statpipe.plan comes with 012), no rules
# (statpipe.rule comes with 020) and nothing after them; its targets had no area or department
# (025), and were loaded by the statement below.
sed -e '/^INSERT INTO statpipe.plan /,/^$/d' -e '/^INSERT INTO statpipe.target /,/^$/d' \
    -e '/^INSERT INTO statpipe.rule /,$d' "$cat/load.sql" > "$SP_TMP/load-before-plans.sql"
cat >> "$SP_TMP/load-before-plans.sql" <<'SQL'
INSERT INTO statpipe.target (indicator, plan, target_year, comparator, target_value, target_unit,
                             baseline_year, baseline_value, source)
SELECT indicator, plan, target_year::int, comparator, target_value::numeric, target_unit,
       nullif(baseline_year, '')::int, nullif(baseline_value, '')::numeric, nullif(source, '')
  FROM seed_targets;
SQL
sp_psql >/dev/null <<SQL
create temp table seed_units (code text, dimension text, factor text, aliases text, note text);
create temp table seed_indicators (code text, name_zh text, name_en text, dimension text,
    nature text, time_agg text, space_agg text, weight text, authoritative_sender text,
    min_value text, max_value text, aliases text, note text);
create temp table seed_regions (code text, name_zh text, name_en text, level text,
    region_group text, in_national_total text);
create temp table seed_targets (indicator text, plan text, target_year text, comparator text,
    target_value text, target_unit text, baseline_year text, baseline_value text, source text,
    ref_area text, department text);
\copy seed_units from '$cat/units.csv' with (format csv, header true)
\copy seed_indicators from '$cat/indicators.csv' with (format csv, header true)
\copy seed_regions from '$cat/regions.csv' with (format csv, header true)
\copy seed_targets from '$cat/targets.csv' with (format csv, header true)
\i $SP_TMP/load-before-plans.sql
SQL
check "the previous schema has no statistical-truth views" 0 \
    "$(sp_psql -c "select count(*) from pg_proc where proname = 'target_progress_at'")"

# In use: the oracle's observations loaded, a Kafka offset stored. The rows are loaded into
# a scratch database of the current schema and copied over (the pipeline's tables have the
# same columns in both), as the binary of the previous schema would have written them.
oracle_targets >/dev/null
sp_psql -c "create database scratch"
PGDATABASE=scratch "$STATPIPE" migrate -q
oracle_lines | oracle_ndjson > "$SP_TMP/oracle.ndjson"
PGDATABASE=scratch "$STATPIPE" load "$SP_TMP/oracle.ndjson" >/dev/null 2>&1 || true
# The series without the breakdown of 026, which the previous schema has not.
sp_psql -d scratch -c "\\copy (select series_id, sender, indicator, ref_area, freq, calc_basis
                                from statpipe.series) to '$SP_TMP/series.tsv'"
sp_psql -c "\\copy statpipe.series (series_id, sender, indicator, ref_area, freq, calc_basis) from '$SP_TMP/series.tsv'" \
    -c "select setval(pg_get_serial_sequence('statpipe.series', 'series_id'), max(series_id)) from statpipe.series" >/dev/null
# The observations without the release_seq of 033, which the previous schema has not.
sp_psql -d scratch -c "alter table statpipe.observation drop column release_seq" >/dev/null
pg_dump --data-only --no-owner -d scratch -t statpipe.observation \
    -t statpipe.message_seen -t statpipe.quarantine > "$SP_TMP/rows.sql"
sp_psql -f "$SP_TMP/rows.sql" >/dev/null
sp_psql -c "insert into statpipe.kafka_offset (consumer_group, topic, partition, next_offset) values ('g', 't', 0, 42)"
snapshot() {
    # An observation as the previous schema held it: 033 adds release_seq.
    sp_psql -c "select (select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text))
                          from (select (to_jsonb(o) - 'release_seq')::text as t from statpipe.observation o) t)
        || ' ' || (select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text)) from (select series_id, sender, indicator, ref_area, freq, calc_basis from statpipe.series) t)
        || ' ' || (select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text)) from statpipe.quarantine t)
        || ' ' || (select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text)) from statpipe.message_seen t)
        || ' ' || (select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text)) from statpipe.kafka_offset t)"
}
before=$(snapshot)
# 93 observations: the oracle's 95 messages less the 2 quarantined.
case "$before" in 93:*) ;; *) fail "observations before the upgrade: $before" ;; esac

out=$("$STATPIPE" migrate)
check "the upgrade applies the new migrations" "applied migration 008_statistical_truth.sql
applied migration 009_target_judgement.sql
applied migration 010_reader_safety.sql
applied migration 011_secondary_suppression.sql
applied migration 012_dimensions.sql
applied migration 013_vintage_table.sql
applied migration 014_per_series_views.sql
applied migration 015_latest_from_table.sql
applied migration 016_kept_values.sql
applied migration 017_kept_growth.sql
applied migration 018_as_of.sql
applied migration 019_evaluation.sql
applied migration 020_rules.sql
applied migration 021_vintages_as_of.sql
applied migration 022_derived_indicators.sql
applied migration 023_regional_gap.sql
applied migration 024_composite_index.sql
applied migration 025_area_targets.sql
applied migration 026_breakdown.sql
applied migration 027_sdmx.sql
applied migration 028_data_change.sql
applied migration 029_kept_after_load.sql
applied migration 030_observation_by_series.sql
applied migration 031_vintage_one_current.sql
applied migration 032_kept_refresh_in_parts.sql
applied migration 033_release_seq.sql" "$(echo "$out" | grep '^applied migration')"
check "no row lost or changed" "$before" "$(snapshot)"
check "the kept values are filled from the stored observations" "0|0" \
    "$(sp_psql -c "select (select count(*) from (select distinct s.indicator, s.ref_area, left(o.time_period, 4)::int
                                                  from statpipe.observation o join statpipe.series s using (series_id)
                                                except select indicator, ref_area, year from statpipe.kept_year) d),
                          (select count(*) from (select distinct s.indicator, s.ref_area, k.year
                                                  from statpipe.period_value_kept k join statpipe.series s using (series_id)
                                                except select indicator, ref_area, year from statpipe.annual_value_kept) d)")"
# 017 computes the kept growth of the rows 016 kept: some previous values and values a year
# before are filled, and stats.growth is stats.growth_of row for row.
check "the kept growth is filled, as stats.growth_of computes it" "t|t|0" \
    "$(sp_psql -c "select (select count(previous_value) > 0 from statpipe.period_value_kept),
                          (select count(year_ago_value) > 0 from statpipe.period_value_kept),
                          (select count(*) from ((select * from stats.growth except all
                                  select g.sender, g.indicator, g.ref_area, g.freq, x.*, g.breakdown
                                    from (select distinct sender, indicator, ref_area, freq, breakdown from statpipe.series) g
                                   cross join lateral stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now(), g.breakdown) x)
                                 union all
                                 (select g.sender, g.indicator, g.ref_area, g.freq, x.*, g.breakdown
                                    from (select distinct sender, indicator, ref_area, freq, breakdown from statpipe.series) g
                                   cross join lateral stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now(), g.breakdown) x
                                  except all select * from stats.growth)) d)")"
check "the catalogue's plans arrive with the upgrade" 5 "$(sp_psql -c 'select count(*) from stats.plan')"
check "every migration recorded once" "$(ls "$sql"/*.sql | wc -l)" \
    "$(sp_psql -c 'select count(*) from statpipe.schema_migration')"

# The loader works on the upgraded database: a new figure and a bad message.
printf '%s\n' '{"schema":"statpipe.observation/1","message_id":"after-upgrade","sender":"NBS","indicator":"HOUSEHOLDS","ref_area":"130000","freq":"A","time_period":"2022","value":"2400","unit":"万户","release":"2023-03-20T10:00:00+08:00"}' \
    '{"broken' > "$SP_TMP/after.ndjson"
"$STATPIPE" load "$SP_TMP/after.ndjson" >/dev/null 2>&1 || true
check "the loader loads and quarantines after the upgrade" "1|1" \
    "$(sp_psql -c "select (select count(*) from statpipe.observation where message_id = 'after-upgrade'),
                          (select count(*) from statpipe.quarantine where reason = 'malformed_json')")"
sp_psql -c "delete from statpipe.quarantine where reason = 'malformed_json'" >/dev/null

# The upgraded views, read by a reader login, give the hand-computed numbers.
sp_psql -c "create role analyst login in role statpipe_reader"
check "a reader reads the upgraded target view" "missed" \
    "$(PGUSER=analyst sp_psql -c "select status from stats.target_progress_at('2026-06-30') where indicator = 'INFO_CONS' and plan = 'NISDO-2016' and target_year = 2020")"
oracle_check
echo "PASS test_upgrade"
