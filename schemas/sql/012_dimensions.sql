-- 012_dimensions.sql: the catalogue as readers see it. A login with only statpipe_reader
-- cannot read schema statpipe; these views give it the indicator system, units, regions,
-- plans and targets, with names in Chinese and English, so that a BI tool can label every
-- chart from schema stats alone. The plans of the catalogue get a table of their own.

CREATE TABLE statpipe.plan (
    code          text PRIMARY KEY,
    name_zh       text NOT NULL,
    name_en       text NOT NULL,
    issued_by     text,
    issued        text,
    horizon_from  int,
    horizon_to    int
);
COMMENT ON TABLE statpipe.plan IS 'The plans whose targets the catalogue holds: the national informatization strategy outline and the five-year plans.';

CREATE VIEW stats.indicator AS
SELECT i.code, i.name_zh, i.name_en, i.note AS definition, i.dimension, i.nature,
       cu.code AS canonical_unit, i.time_agg, i.space_agg, i.weight,
       i.authoritative_sender, i.min_value, i.max_value
  FROM statpipe.indicator i
  LEFT JOIN LATERAL (SELECT u.code FROM statpipe.unit u
                      WHERE u.dimension = i.dimension AND u.factor = 1
                      ORDER BY u.code LIMIT 1) cu ON true;
COMMENT ON VIEW stats.indicator IS 'The indicator system: every indicator statpipe monitors, what it measures, its canonical unit, and how it aggregates over time and space.';
COMMENT ON COLUMN stats.indicator.code IS 'The indicator code used in every stats view.';
COMMENT ON COLUMN stats.indicator.name_zh IS 'The indicator''s name in Chinese, as the plans and agencies word it.';
COMMENT ON COLUMN stats.indicator.name_en IS 'The indicator''s name in English.';
COMMENT ON COLUMN stats.indicator.definition IS 'What is measured and how, where the catalogue says more than the name.';
COMMENT ON COLUMN stats.indicator.dimension IS 'What the values measure: money, bandwidth, count, percent, traffic or index.';
COMMENT ON COLUMN stats.indicator.nature IS 'STOCK (a level at the end of a period), FLOW (an amount over a period) or RATIO (a rate or share).';
COMMENT ON COLUMN stats.indicator.canonical_unit IS 'The unit of every value of this indicator in stats (see stats.unit): CNY, bps, N, PCT, GB or IDX.';
COMMENT ON COLUMN stats.indicator.time_agg IS 'How periods combine into a year: last (the value at the end, for stocks and ratios) or sum (for flows).';
COMMENT ON COLUMN stats.indicator.space_agg IS 'How provinces combine into regional groups: sum, weighted (ratios, by the weight indicator) or none.';
COMMENT ON COLUMN stats.indicator.weight IS 'For weighted ratios, the indicator whose values weight the provinces (HOUSEHOLDS or POPULATION).';
COMMENT ON COLUMN stats.indicator.authoritative_sender IS 'The agency whose figure wins a year when several publish the indicator.';
COMMENT ON COLUMN stats.indicator.min_value IS 'Smallest plausible value in the canonical unit; smaller figures are quarantined.';
COMMENT ON COLUMN stats.indicator.max_value IS 'Largest plausible value in the canonical unit; larger figures are quarantined.';

CREATE VIEW stats.unit AS
SELECT u.code, u.dimension, u.factor, u.factor = 1 AS canonical,
       coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM statpipe.unit_alias a
                  WHERE a.unit = u.code), '{}') AS aliases,
       u.note
  FROM statpipe.unit u;
COMMENT ON VIEW stats.unit IS 'Units of measure: a figure published in this unit (or one of its aliases) times factor is its value in the canonical unit of its dimension.';
COMMENT ON COLUMN stats.unit.code IS 'The unit code.';
COMMENT ON COLUMN stats.unit.dimension IS 'What the unit measures: money, bandwidth, count, percent, traffic or index.';
COMMENT ON COLUMN stats.unit.factor IS 'Exact multiplier into the canonical unit of the dimension (1 for the canonical unit).';
COMMENT ON COLUMN stats.unit.canonical IS 'True for the canonical unit of its dimension, the unit of values in stats.';
COMMENT ON COLUMN stats.unit.aliases IS 'Spellings agencies publish for this unit (亿元, Mbps, 万户, %).';
COMMENT ON COLUMN stats.unit.note IS 'What the unit is for, where it needs saying.';

CREATE VIEW stats.region AS
SELECT code, name_zh, name_en, level, region_group, in_national_total FROM statpipe.region;
COMMENT ON VIEW stats.region IS 'Reference areas: CN for the nation and the provinces (GB/T 2260 codes), with their regional group.';
COMMENT ON COLUMN stats.region.code IS 'The area code used as ref_area in every stats view: CN, or a six-digit GB/T 2260 code.';
COMMENT ON COLUMN stats.region.name_zh IS 'The area''s name in Chinese.';
COMMENT ON COLUMN stats.region.name_en IS 'The area''s name in English.';
COMMENT ON COLUMN stats.region.level IS '0 for the nation, 1 for a province-level division.';
COMMENT ON COLUMN stats.region.region_group IS 'East, Central, West or Northeast (the NBS grouping); NULL for the nation and areas outside the national total.';
COMMENT ON COLUMN stats.region.in_national_total IS 'Whether the area is part of the national total that NBS and MIIT publish (Hong Kong, Macao and Taiwan are not).';

CREATE VIEW stats.plan AS
SELECT code, name_zh, name_en, issued_by, issued, horizon_from, horizon_to FROM statpipe.plan;
COMMENT ON VIEW stats.plan IS 'The plans whose targets statpipe tracks: the national informatization strategy outline (2016) and the five-year plans.';
COMMENT ON COLUMN stats.plan.code IS 'The plan code used in stats.target and stats.target_progress.';
COMMENT ON COLUMN stats.plan.name_zh IS 'The plan''s title in Chinese: the source document.';
COMMENT ON COLUMN stats.plan.name_en IS 'The plan''s title in English.';
COMMENT ON COLUMN stats.plan.issued_by IS 'The body that issued it.';
COMMENT ON COLUMN stats.plan.issued IS 'When it was issued (year and month, YYYY-MM).';
COMMENT ON COLUMN stats.plan.horizon_from IS 'The first year the plan covers.';
COMMENT ON COLUMN stats.plan.horizon_to IS 'The last year the plan covers.';

CREATE VIEW stats.target AS
SELECT t.indicator, t.plan, t.target_year, t.comparator, t.target_value, t.target_unit,
       t.target_value * u.factor AS target_value_canonical, i.canonical_unit,
       t.baseline_year, t.baseline_value, t.source
  FROM statpipe.target t
  JOIN stats.indicator i ON i.code = t.indicator
  LEFT JOIN statpipe.unit_alias ua ON ua.alias = t.target_unit
  LEFT JOIN statpipe.unit u ON u.code = coalesce(ua.unit, t.target_unit);
COMMENT ON VIEW stats.target IS 'Plan targets as the plans state them: an indicator should reach (>=) or stay within (<=) a value by a year. stats.target_progress judges them against the figures.';
COMMENT ON COLUMN stats.target.indicator IS 'The indicator (stats.indicator.code).';
COMMENT ON COLUMN stats.target.plan IS 'The plan that sets the target (stats.plan.code).';
COMMENT ON COLUMN stats.target.target_year IS 'The year by which the target is to be reached.';
COMMENT ON COLUMN stats.target.comparator IS '>= (reach at least) or <= (stay at most).';
COMMENT ON COLUMN stats.target.target_value IS 'The target in target_unit, as the plan states it.';
COMMENT ON COLUMN stats.target.target_unit IS 'The unit the plan states the target in (a unit code or alias, see stats.unit).';
COMMENT ON COLUMN stats.target.target_value_canonical IS 'The target in the indicator''s canonical unit, comparable with the values in stats.';
COMMENT ON COLUMN stats.target.canonical_unit IS 'The canonical unit of target_value_canonical.';
COMMENT ON COLUMN stats.target.baseline_year IS 'The year of the baseline the plan gives, if any.';
COMMENT ON COLUMN stats.target.baseline_value IS 'The baseline value in target_unit, if the plan gives one.';
COMMENT ON COLUMN stats.target.source IS 'Where the plan states the target, quoted.';

GRANT SELECT ON ALL TABLES IN SCHEMA stats TO statpipe_reader;

CREATE VIEW stats.column_description AS
SELECT c.relname AS view_name, a.attnum AS position, a.attname AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       pg_catalog.obj_description(c.oid, 'pg_class') AS view_description,
       pg_catalog.col_description(c.oid, a.attnum) AS description
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'stats'
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('v', 'm', 'r');
COMMENT ON VIEW stats.column_description IS 'What every column of every view in schema stats means: the data dictionary, for tools whose drivers do not pass PostgreSQL''s comments on (psqlODBC leaves them out).';
COMMENT ON COLUMN stats.column_description.view_name IS 'The view in schema stats.';
COMMENT ON COLUMN stats.column_description.position IS 'The column''s position in the view, from 1.';
COMMENT ON COLUMN stats.column_description.column_name IS 'The column.';
COMMENT ON COLUMN stats.column_description.data_type IS 'Its PostgreSQL type (numeric: an exact decimal).';
COMMENT ON COLUMN stats.column_description.view_description IS 'What the view answers.';
COMMENT ON COLUMN stats.column_description.description IS 'What the column means.';

GRANT SELECT ON stats.column_description TO statpipe_reader;
