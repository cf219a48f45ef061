-- load.sql: moves the bundled catalogue files, already copied into the temporary tables
-- seed_indicators, seed_units, seed_regions, seed_plans, seed_targets, seed_rules,
-- seed_formulas, seed_indexes, seed_index_pillars and seed_index_components (all text
-- columns, as in the CSV headers), into the catalogue tables. Rows are inserted or updated; rows edited or
-- added in the database and absent from the files are kept.

INSERT INTO statpipe.unit (code, dimension, factor, note)
SELECT code, dimension, factor::numeric, nullif(note, '') FROM seed_units
ON CONFLICT (code) DO UPDATE SET dimension = excluded.dimension, factor = excluded.factor,
                                 note = excluded.note;

INSERT INTO statpipe.unit_alias (alias, unit)
SELECT DISTINCT ON (a) a, code
  FROM seed_units, unnest(string_to_array(aliases, '|')) AS a
 WHERE a <> '' AND a <> code
ON CONFLICT (alias) DO UPDATE SET unit = excluded.unit;

INSERT INTO statpipe.indicator (code, name_zh, name_en, dimension, nature, time_agg, space_agg,
                                weight, authoritative_sender, min_value, max_value, note)
SELECT code, name_zh, name_en, dimension, nature, time_agg, space_agg, nullif(weight, ''),
       nullif(authoritative_sender, ''), nullif(min_value, '')::numeric,
       nullif(max_value, '')::numeric, nullif(note, '')
  FROM seed_indicators
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, dimension = excluded.dimension,
    nature = excluded.nature, time_agg = excluded.time_agg, space_agg = excluded.space_agg,
    weight = excluded.weight, authoritative_sender = excluded.authoritative_sender,
    min_value = excluded.min_value, max_value = excluded.max_value, note = excluded.note;

INSERT INTO statpipe.indicator_alias (alias, sender, indicator)
SELECT a, '', code
  FROM seed_indicators, unnest(string_to_array(aliases, '|')) AS a
 WHERE a <> '' AND a <> code
UNION
SELECT name_zh, '', code FROM seed_indicators
ON CONFLICT (sender, alias) DO UPDATE SET indicator = excluded.indicator;

INSERT INTO statpipe.region (code, name_zh, name_en, level, region_group, in_national_total)
SELECT code, name_zh, name_en, level::int, nullif(region_group, ''), in_national_total::boolean
  FROM seed_regions
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, level = excluded.level,
    region_group = excluded.region_group, in_national_total = excluded.in_national_total;

INSERT INTO statpipe.plan (code, name_zh, name_en, issued_by, issued, horizon_from, horizon_to)
SELECT code, name_zh, name_en, nullif(issued_by, ''), nullif(issued, ''),
       nullif(horizon_from, '')::int, nullif(horizon_to, '')::int
  FROM seed_plans
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, issued_by = excluded.issued_by,
    issued = excluded.issued, horizon_from = excluded.horizon_from,
    horizon_to = excluded.horizon_to;

INSERT INTO statpipe.target (indicator, plan, target_year, comparator, target_value, target_unit,
                             baseline_year, baseline_value, source, ref_area, department)
SELECT indicator, plan, target_year::int, comparator, target_value::numeric, target_unit,
       nullif(baseline_year, '')::int, nullif(baseline_value, '')::numeric, nullif(source, ''),
       coalesce(nullif(ref_area, ''), 'CN'), nullif(department, '')
  FROM seed_targets
ON CONFLICT (indicator, plan, target_year, ref_area) DO UPDATE SET
    comparator = excluded.comparator, target_value = excluded.target_value,
    target_unit = excluded.target_unit, baseline_year = excluded.baseline_year,
    baseline_value = excluded.baseline_value, source = excluded.source,
    department = excluded.department;

INSERT INTO statpipe.rule (rule_id, kind, severity, indicator, other, lower, upper, note)
SELECT rule, kind, severity, indicator, nullif(other, ''), nullif(lower, '')::numeric,
       nullif(upper, '')::numeric, nullif(note, '')
  FROM seed_rules
ON CONFLICT (rule_id) DO UPDATE SET
    kind = excluded.kind, severity = excluded.severity, indicator = excluded.indicator,
    other = excluded.other, lower = excluded.lower, upper = excluded.upper, note = excluded.note;

INSERT INTO statpipe.indicator_formula (indicator, kind, numerator, denominator, scale, note)
SELECT indicator, kind, numerator, denominator, scale::numeric, nullif(note, '')
  FROM seed_formulas
ON CONFLICT (indicator) DO UPDATE SET
    kind = excluded.kind, numerator = excluded.numerator, denominator = excluded.denominator,
    scale = excluded.scale, note = excluded.note;

INSERT INTO statpipe.composite_index (code, name_zh, name_en, missing, note)
SELECT code, name_zh, name_en, missing, nullif(note, '') FROM seed_indexes
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, missing = excluded.missing,
    note = excluded.note;

INSERT INTO statpipe.index_pillar (index_code, pillar, name_zh, name_en, weight)
SELECT index, pillar, name_zh, name_en, weight::numeric FROM seed_index_pillars
ON CONFLICT (index_code, pillar) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, weight = excluded.weight;

INSERT INTO statpipe.index_component (index_code, pillar, indicator, weight, normalisation,
                                      reference_value, base_year, log, direction, note)
SELECT index, pillar, indicator, weight::numeric, normalisation,
       nullif(reference_value, '')::numeric, nullif(base_year, '')::int,
       coalesce(nullif(log, '')::boolean, false), coalesce(nullif(direction, ''), 'higher'),
       nullif(note, '')
  FROM seed_index_components
ON CONFLICT (index_code, indicator) DO UPDATE SET
    pillar = excluded.pillar, weight = excluded.weight, normalisation = excluded.normalisation,
    reference_value = excluded.reference_value, base_year = excluded.base_year,
    log = excluded.log, direction = excluded.direction, note = excluded.note;

INSERT INTO statpipe.breakdown (code, name_zh, name_en, note)
SELECT code, name_zh, name_en, nullif(note, '') FROM seed_breakdowns
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, note = excluded.note;

INSERT INTO statpipe.sender (code, name_zh, name_en, note)
SELECT code, name_zh, name_en, nullif(note, '') FROM seed_senders
ON CONFLICT (code) DO UPDATE SET
    name_zh = excluded.name_zh, name_en = excluded.name_en, note = excluded.note;

INSERT INTO statpipe.sdmx_code (codelist, code, name_zh, name_en)
SELECT codelist, code, name_zh, name_en FROM seed_sdmx_codes
ON CONFLICT (codelist, code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en;
