-- 024_composite_index.sql: composite indices defined in the catalogue
-- (schemas/catalogue/indexes.csv, index_pillars.csv, index_components.csv): an index is a
-- weighted sum of pillars, a pillar a weighted sum of its components' scores, a score an
-- indicator's annual value normalised to 0-100 (against a reference value, or between the
-- provinces' lowest and highest of a base year; optionally on logarithms; higher or lower is
-- better). Weights sum to 1 in an index and in each pillar: the catalogue refuses otherwise.
-- A missing component makes the index NULL, or is left out with the rest of its pillar
-- reweighted, as the index says; coverage tells how much weight was there.
-- stats.index_score, stats.index_pillar_value and stats.index_value compute them per area and
-- year from stats.annual_value, with a rank of the provinces.

CREATE TABLE statpipe.composite_index (
    code    text PRIMARY KEY,
    name_zh text NOT NULL,
    name_en text NOT NULL,
    missing text NOT NULL CHECK (missing IN ('null', 'reweight')),
    note    text
);
COMMENT ON TABLE statpipe.composite_index IS 'Composite indices (schemas/catalogue/indexes.csv): see stats.composite_index.';

CREATE TABLE statpipe.index_pillar (
    index_code text NOT NULL REFERENCES statpipe.composite_index ON UPDATE CASCADE ON DELETE CASCADE,
    pillar     text NOT NULL,
    name_zh    text NOT NULL,
    name_en    text NOT NULL,
    weight     numeric NOT NULL CHECK (weight > 0 AND weight <= 1),
    PRIMARY KEY (index_code, pillar)
);
COMMENT ON TABLE statpipe.index_pillar IS 'The pillars of composite indices (schemas/catalogue/index_pillars.csv): see stats.index_pillar.';

CREATE TABLE statpipe.index_component (
    index_code      text NOT NULL,
    pillar          text NOT NULL,
    indicator       text NOT NULL REFERENCES statpipe.indicator ON UPDATE CASCADE ON DELETE CASCADE,
    weight          numeric NOT NULL CHECK (weight > 0 AND weight <= 1),
    normalisation   text NOT NULL CHECK (normalisation IN ('reference', 'minmax')),
    reference_value numeric,
    base_year       int,
    log             boolean NOT NULL DEFAULT false,
    direction       text NOT NULL DEFAULT 'higher' CHECK (direction IN ('higher', 'lower')),
    note            text,
    PRIMARY KEY (index_code, indicator),
    FOREIGN KEY (index_code, pillar) REFERENCES statpipe.index_pillar
        ON UPDATE CASCADE ON DELETE CASCADE,
    CHECK (normalisation <> 'reference'
           OR (reference_value > 0 AND (NOT log OR reference_value > 1) AND base_year IS NULL)),
    CHECK (normalisation <> 'minmax' OR (base_year IS NOT NULL AND reference_value IS NULL))
);
COMMENT ON TABLE statpipe.index_component IS 'The components of composite indices (schemas/catalogue/index_components.csv): see stats.index_component.';

-- Weights sum to 1: the pillars of each index, the components of each pillar. Checked at
-- commit, so that a catalogue load may write the rows in any order.
CREATE FUNCTION statpipe.index_weights_check() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog AS $$
DECLARE
    bad record;
BEGIN
    SELECT i.code, NULL::text AS pillar, coalesce(sum(p.weight), 0) AS total INTO bad
      FROM statpipe.composite_index i
      LEFT JOIN statpipe.index_pillar p ON p.index_code = i.code
     GROUP BY i.code HAVING coalesce(sum(p.weight), 0) <> 1
    UNION ALL
    SELECT p.index_code, p.pillar, coalesce(sum(c.weight), 0)
      FROM statpipe.index_pillar p
      LEFT JOIN statpipe.index_component c ON c.index_code = p.index_code AND c.pillar = p.pillar
     GROUP BY p.index_code, p.pillar HAVING coalesce(sum(c.weight), 0) <> 1
     LIMIT 1;
    IF FOUND AND bad.pillar IS NULL THEN
        RAISE EXCEPTION 'the pillar weights of index % sum to %, not 1', bad.code, bad.total
            USING HINT = 'fix the weights in index_pillars.csv';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'the component weights of pillar % of index % sum to %, not 1',
                        bad.pillar, bad.code, bad.total
            USING HINT = 'fix the weights in index_components.csv';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER index_weights_sum_to_one
    AFTER INSERT OR UPDATE ON statpipe.composite_index DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION statpipe.index_weights_check();
CREATE CONSTRAINT TRIGGER index_weights_sum_to_one
    AFTER INSERT OR UPDATE OR DELETE ON statpipe.index_pillar DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION statpipe.index_weights_check();
CREATE CONSTRAINT TRIGGER index_weights_sum_to_one
    AFTER INSERT OR UPDATE OR DELETE ON statpipe.index_component DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION statpipe.index_weights_check();

CREATE VIEW stats.composite_index AS
    SELECT code, name_zh, name_en, missing, note FROM statpipe.composite_index;
COMMENT ON VIEW stats.composite_index IS 'Composite indices: a weighted sum of pillars (stats.index_pillar), each a weighted sum of its components'' scores (stats.index_component); values in stats.index_value.';
COMMENT ON COLUMN stats.composite_index.code IS 'The index''s code.';
COMMENT ON COLUMN stats.composite_index.name_zh IS 'The name in Chinese.';
COMMENT ON COLUMN stats.composite_index.name_en IS 'The name in English.';
COMMENT ON COLUMN stats.composite_index.missing IS 'What a missing component does: null (the pillar and the index are NULL for that area and year) or reweight (the pillar is the weighted mean of the components present, and coverage says how much weight that is).';
COMMENT ON COLUMN stats.composite_index.note IS 'What the index is, and whose weights they are.';

CREATE VIEW stats.index_pillar AS
    SELECT index_code AS index, pillar, name_zh, name_en, weight FROM statpipe.index_pillar;
COMMENT ON VIEW stats.index_pillar IS 'The pillars of each composite index, with their weights (summing to 1 per index).';
COMMENT ON COLUMN stats.index_pillar.index IS 'The index (stats.composite_index).';
COMMENT ON COLUMN stats.index_pillar.pillar IS 'The pillar''s code.';
COMMENT ON COLUMN stats.index_pillar.name_zh IS 'The name in Chinese.';
COMMENT ON COLUMN stats.index_pillar.name_en IS 'The name in English.';
COMMENT ON COLUMN stats.index_pillar.weight IS 'The pillar''s weight in the index.';

CREATE VIEW stats.index_component AS
    SELECT index_code AS index, pillar, indicator, weight, normalisation, reference_value,
           base_year, log, direction, note
      FROM statpipe.index_component;
COMMENT ON VIEW stats.index_component IS 'The components of each pillar: an indicator, its weight in the pillar (summing to 1 per pillar) and how its annual value is normalised to a score (stats.index_score).';
COMMENT ON COLUMN stats.index_component.index IS 'The index.';
COMMENT ON COLUMN stats.index_component.pillar IS 'The pillar.';
COMMENT ON COLUMN stats.index_component.indicator IS 'The indicator scored.';
COMMENT ON COLUMN stats.index_component.weight IS 'The component''s weight in its pillar.';
COMMENT ON COLUMN stats.index_component.normalisation IS 'reference: 100 × value / reference_value, at most 100 (lower is better: 100 × reference_value / value); minmax: 100 × (value - lowest) / (highest - lowest), the lowest and highest being the provinces'' in base_year (lower is better: highest - value), not capped, so that later years show the progress since the base year.';
COMMENT ON COLUMN stats.index_component.reference_value IS 'For reference: the value that scores 100, in the canonical unit.';
COMMENT ON COLUMN stats.index_component.base_year IS 'For minmax: the year whose provinces give the lowest and highest.';
COMMENT ON COLUMN stats.index_component.log IS 'True to normalise the natural logarithms of the values (and of the reference), for indicators that grow by orders of magnitude; a value not above 0 has no score.';
COMMENT ON COLUMN stats.index_component.direction IS 'higher (more is better) or lower.';
COMMENT ON COLUMN stats.index_component.note IS 'Why this reference or base.';

-- Scores: one per component, area (the nation and the 31 provinces) and year with a value.
CREATE VIEW stats.index_score AS
WITH c AS (
    SELECT c.*,
           CASE WHEN c.log THEN ln(c.reference_value) ELSE c.reference_value END AS ref_t
      FROM statpipe.index_component c),
areas AS (
    SELECT r.code, r.level = 1 AS province FROM statpipe.region r
     WHERE r.level = 0 OR (r.level = 1 AND r.in_national_total)),
v AS (
    SELECT c.index_code, c.pillar, c.indicator, a.ref_area, a.year, a.value, r.province,
           CASE WHEN NOT c.log THEN a.value WHEN a.value > 0 THEN ln(a.value) END AS t
      FROM c
      JOIN stats.annual_value a ON a.indicator = c.indicator
      JOIN areas r ON r.code = a.ref_area
     WHERE a.value IS NOT NULL),
base AS (
    SELECT v.index_code, v.indicator, min(v.t) AS lo, max(v.t) AS hi
      FROM v JOIN c ON c.index_code = v.index_code AND c.indicator = v.indicator
     WHERE c.normalisation = 'minmax' AND v.year = c.base_year AND v.province
     GROUP BY v.index_code, v.indicator)
SELECT v.index_code AS index, v.pillar, v.indicator, v.ref_area, v.year, v.value,
       CASE c.normalisation
            WHEN 'reference' THEN
                100 * greatest(0, least(1, CASE WHEN c.direction = 'higher' THEN v.t / c.ref_t
                                                WHEN v.t > 0 THEN c.ref_t / v.t END))
            ELSE 100 * CASE WHEN c.direction = 'higher' THEN v.t - b.lo ELSE b.hi - v.t END
                     / nullif(b.hi - b.lo, 0)
       END AS score
  FROM v
  JOIN c ON c.index_code = v.index_code AND c.indicator = v.indicator
  LEFT JOIN base b ON b.index_code = v.index_code AND b.indicator = v.indicator;
COMMENT ON VIEW stats.index_score IS 'Each component''s score per area (CN and the 31 provinces) and year with a value, by its normalisation (stats.index_component).';
COMMENT ON COLUMN stats.index_score.index IS 'The index.';
COMMENT ON COLUMN stats.index_score.pillar IS 'The pillar.';
COMMENT ON COLUMN stats.index_score.indicator IS 'The indicator scored.';
COMMENT ON COLUMN stats.index_score.ref_area IS 'CN or a province.';
COMMENT ON COLUMN stats.index_score.year IS 'The calendar year.';
COMMENT ON COLUMN stats.index_score.value IS 'The annual value (stats.annual_value), in the canonical unit.';
COMMENT ON COLUMN stats.index_score.score IS 'The score, 0-100 for reference normalisation; below 0 or above 100 under minmax when the value lies outside the base year''s range. NULL when it cannot be taken (a logarithm of a value not above 0, a base year whose lowest equals its highest or that has no value).';

CREATE VIEW stats.index_pillar_value AS
WITH s AS (SELECT sc.* FROM stats.index_score sc),
grid AS (SELECT DISTINCT s.index, s.ref_area, s.year FROM s),
cells AS (
    SELECT g.index, c.pillar, c.weight, g.ref_area, g.year, sc.score
      FROM grid g
      JOIN statpipe.index_component c ON c.index_code = g.index
      LEFT JOIN s sc
        ON sc.index = g.index AND sc.indicator = c.indicator AND sc.ref_area = g.ref_area
       AND sc.year = g.year)
SELECT ce.index, ce.pillar, ce.ref_area, ce.year,
       CASE WHEN i.missing = 'null' AND count(ce.score) < count(*) THEN NULL
            ELSE sum(ce.weight * ce.score)
                 / nullif(sum(ce.weight) FILTER (WHERE ce.score IS NOT NULL), 0) END AS value,
       coalesce(sum(ce.weight) FILTER (WHERE ce.score IS NOT NULL), 0) AS coverage,
       count(ce.score)::int AS components, count(*)::int AS components_expected
  FROM cells ce
  JOIN statpipe.composite_index i ON i.code = ce.index
 GROUP BY ce.index, ce.pillar, ce.ref_area, ce.year, i.missing;
COMMENT ON VIEW stats.index_pillar_value IS 'Each pillar''s value per area and year in which a component of its index has a score: the weighted sum of its components'' scores; with a component missing, NULL (missing null) or the weighted mean of those present (missing reweight).';
COMMENT ON COLUMN stats.index_pillar_value.index IS 'The index.';
COMMENT ON COLUMN stats.index_pillar_value.pillar IS 'The pillar.';
COMMENT ON COLUMN stats.index_pillar_value.ref_area IS 'CN or a province.';
COMMENT ON COLUMN stats.index_pillar_value.year IS 'The calendar year.';
COMMENT ON COLUMN stats.index_pillar_value.value IS 'Σ weight × score over the components (0-100 under reference normalisation); reweighted: Σ weight × score / Σ weight over the components with a score.';
COMMENT ON COLUMN stats.index_pillar_value.coverage IS 'The weight of the components with a score (1 when none is missing).';
COMMENT ON COLUMN stats.index_pillar_value.components IS 'Components with a score.';
COMMENT ON COLUMN stats.index_pillar_value.components_expected IS 'Components of the pillar.';

CREATE VIEW stats.index_value AS
WITH p AS (
    SELECT v.*, ip.weight AS pillar_weight
      FROM stats.index_pillar_value v
      JOIN statpipe.index_pillar ip ON ip.index_code = v.index AND ip.pillar = v.pillar),
i AS (
    SELECT p.index, p.ref_area, p.year,
           CASE WHEN count(p.value) = count(*) THEN sum(p.pillar_weight * p.value) END AS value,
           sum(p.pillar_weight * p.coverage) AS coverage,
           jsonb_object_agg(p.pillar, p.value ORDER BY p.pillar) AS pillars
      FROM p GROUP BY p.index, p.ref_area, p.year),
ranked AS (
    SELECT i.*, r.level = 1 AND i.value IS NOT NULL AS rankable
      FROM i JOIN statpipe.region r ON r.code = i.ref_area)
SELECT k.index, k.ref_area, k.year, k.value, k.pillars, k.coverage, k.coverage = 1 AS complete,
       CASE WHEN k.rankable
            THEN rank() OVER (PARTITION BY k.index, k.year, k.rankable ORDER BY k.value DESC)
       END::int AS rank,
       CASE WHEN k.rankable THEN count(*) OVER (PARTITION BY k.index, k.year, k.rankable) END::int
           AS provinces_ranked
  FROM ranked k;
COMMENT ON VIEW stats.index_value IS 'Each composite index per area (CN and the 31 provinces) and year: the weighted sum of its pillars (stats.index_pillar_value), their values, the weight covered, and the provinces'' rank.';
COMMENT ON COLUMN stats.index_value.index IS 'The index (stats.composite_index).';
COMMENT ON COLUMN stats.index_value.ref_area IS 'CN or a province.';
COMMENT ON COLUMN stats.index_value.year IS 'The calendar year.';
COMMENT ON COLUMN stats.index_value.value IS 'Σ pillar weight × pillar value; NULL when a pillar is NULL (under missing null, any missing component; under reweight, a pillar with none).';
COMMENT ON COLUMN stats.index_value.pillars IS 'Each pillar''s value, as a JSON object keyed by pillar code (the rows of stats.index_pillar_value).';
COMMENT ON COLUMN stats.index_value.coverage IS 'Σ pillar weight × pillar coverage: the share of the index''s weight whose components have a score (1 for complete).';
COMMENT ON COLUMN stats.index_value.complete IS 'True when every component has a score (coverage 1).';
COMMENT ON COLUMN stats.index_value.rank IS 'The province''s rank by value among the provinces with a value, 1 the highest; equal values share a rank. NULL for CN and for a NULL value.';
COMMENT ON COLUMN stats.index_value.provinces_ranked IS 'How many provinces are ranked for the index and year.';

-- The as-of forms, made from the views' own definitions.
SELECT statpipe.create_asof('stats.index_score', 1000, ARRAY[
    ['stats.annual_value ', 'stats.annual_value_asof(p_as_of) ']]);
SELECT statpipe.create_asof('stats.index_pillar_value', 1000, ARRAY[
    ['stats.index_score ', 'stats.index_score_asof(p_as_of) ']]);
SELECT statpipe.create_asof('stats.index_value', 1000, ARRAY[
    ['stats.index_pillar_value ', 'stats.index_pillar_value_asof(p_as_of) ']]);
COMMENT ON FUNCTION stats.index_score_asof(timestamptz) IS 'stats.index_score as it was known at p_as_of.';
COMMENT ON FUNCTION stats.index_pillar_value_asof(timestamptz) IS 'stats.index_pillar_value as it was known at p_as_of.';
COMMENT ON FUNCTION stats.index_value_asof(timestamptz) IS 'stats.index_value as it was known at p_as_of. stats.index_value_asof(now()) equals stats.index_value.';

-- The catalogue's version covers the formulas (022) and the indices. (The daemons are not
-- told of changes to either: the transform does not read them.)
CREATE OR REPLACE FUNCTION statpipe.catalogue_version() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.indicator t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.unit t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.unit_alias t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.region t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.plan t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.target t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.indicator_formula t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.composite_index t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.index_pillar t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.index_component t)))
$$;
COMMENT ON FUNCTION statpipe.catalogue_version() IS 'A digest (md5) of the catalogue''s indicators, units, unit aliases, regions, plans, targets, formulas and composite indices: equal digests mean the same definitions.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON stats.composite_index, stats.index_pillar, stats.index_component,
                stats.index_score, stats.index_pillar_value, stats.index_value TO statpipe_reader;
