-- 022_derived_indicators.sql: indicators defined in the catalogue as a formula of two others
-- (schemas/catalogue/formulas.csv): numerator / denominator × scale, per area and year, from
-- the annual values of the inputs. They are in stats.annual_value (and everything built on
-- it: roll-ups, target progress, as-of forms) like any indicator. A year whose input is
-- missing, or whose denominator is 0, has a NULL value and says why. A figure an agency
-- publishes for a derived indicator is a figure like any other and is preferred: the formula
-- fills the years and areas without one, so that an area and year have one annual value.

CREATE TABLE statpipe.indicator_formula (
    indicator   text PRIMARY KEY REFERENCES statpipe.indicator ON UPDATE CASCADE ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('ratio', 'share', 'per')),
    numerator   text NOT NULL REFERENCES statpipe.indicator ON UPDATE CASCADE,
    denominator text NOT NULL REFERENCES statpipe.indicator ON UPDATE CASCADE,
    scale       numeric NOT NULL,
    note        text,
    CHECK (numerator <> indicator AND denominator <> indicator AND numerator <> denominator),
    CHECK ((kind = 'ratio' AND scale = 1) OR (kind = 'share' AND scale = 100)
           OR (kind = 'per' AND scale > 0))
);
COMMENT ON TABLE statpipe.indicator_formula IS 'Derived indicators (schemas/catalogue/formulas.csv): see stats.indicator_formula.';

-- An input of a formula is a measured indicator: formulas do not chain, so that each derived
-- value is one division of two published figures that a reader can redo by hand.
CREATE FUNCTION statpipe.formula_inputs_measured() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog AS $$
DECLARE
    bad record;
BEGIN
    SELECT f.indicator, i.indicator AS input INTO bad
      FROM statpipe.indicator_formula f
      JOIN statpipe.indicator_formula i ON i.indicator IN (f.numerator, f.denominator)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the formula of % uses %, which is itself derived', bad.indicator, bad.input
            USING HINT = 'write the formula on the measured indicators that ' || bad.input || ' is made of';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER formula_inputs_measured
    AFTER INSERT OR UPDATE ON statpipe.indicator_formula DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION statpipe.formula_inputs_measured();

CREATE VIEW stats.indicator_formula AS
    SELECT indicator, kind, numerator, denominator, scale, note FROM statpipe.indicator_formula;
COMMENT ON VIEW stats.indicator_formula IS 'Derived indicators: value = numerator / denominator × scale, per area and year, from the annual values of the two inputs (stats.annual_value). A figure published for the derived indicator itself is preferred where there is one.';
COMMENT ON COLUMN stats.indicator_formula.indicator IS 'The derived indicator.';
COMMENT ON COLUMN stats.indicator_formula.kind IS 'ratio (scale 1), share (a percentage: scale 100) or per (per 100 households, per 10,000 people: the scale says per how many).';
COMMENT ON COLUMN stats.indicator_formula.numerator IS 'The indicator divided, a measured one.';
COMMENT ON COLUMN stats.indicator_formula.denominator IS 'The indicator divided by, a measured one.';
COMMENT ON COLUMN stats.indicator_formula.scale IS 'The factor the quotient is multiplied by.';
COMMENT ON COLUMN stats.indicator_formula.note IS 'What the formula measures and why.';

-- The annual values of measured figures keep their rules and their function, under a name
-- that says what they are; stats.annual_values_of gives measured and derived together.
ALTER FUNCTION stats.annual_values_of(text, text, timestamptz) RENAME TO annual_values_measured;
COMMENT ON FUNCTION stats.annual_values_measured(text, text, timestamptz) IS 'The annual values of one indicator in one area from its own published figures, as known at p_as_of, one row per year: see stats.annual_value.';

-- The measured annual values as stats.annual_value has read them (the kept years from
-- statpipe.annual_value_kept, the others computed at query time), made from the view's own
-- definition; its columns are those of statpipe.annual_value_kept, in its order.
DO $$
DECLARE
    path text := pg_catalog.current_setting('search_path');
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
    EXECUTE 'CREATE VIEW statpipe.annual_value_measured WITH (security_barrier) AS '
            || pg_catalog.pg_get_viewdef('stats.annual_value'::regclass);
    PERFORM pg_catalog.set_config('search_path', path, true);
END
$$;
COMMENT ON VIEW statpipe.annual_value_measured IS 'The annual values of the published figures, as the reader sees them: the rows of stats.annual_value that are not derived.';

-- One derived value: formula f, whose indicator's canonical unit is unit, for the year of n
-- and d, the annual values of its numerator and denominator in one area (either NULL when
-- that input has none). The view and the function of derived values both call it, so that
-- the rule is written once. It reads no table: the callers look the unit up.
CREATE FUNCTION statpipe.derive(f statpipe.indicator_formula, unit text,
                                n statpipe.annual_value_measured,
                                d statpipe.annual_value_measured)
RETURNS TABLE (value numeric, unit text, complete boolean, months_covered int, method text,
               last_period text, last_period_end date, sender text, freq text,
               published_as text, release timestamptz, derivation text, missing_reason text)
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT CASE WHEN (d).value <> 0 THEN (n).value / (d).value * (f).scale END, unit,
           coalesce((n).complete AND (d).complete, false), NULL::int, 'derived',
           (n).last_period, (n).last_period_end, concat_ws('/', (n).sender, (d).sender), 'A',
           'derived', greatest((n).release, (d).release),
           (f).numerator || ' / ' || (f).denominator
               || CASE WHEN (f).scale <> 1 THEN ' × ' || trim_scale((f).scale) ELSE '' END,
           CASE WHEN (n).value IS NULL
                THEN format('no value of %s for %s', (f).numerator, coalesce((n).year, (d).year))
                WHEN (d).value IS NULL
                THEN format('no value of %s for %s', (f).denominator, coalesce((n).year, (d).year))
                WHEN (d).value = 0
                THEN format('%s is 0 in %s', (f).denominator, (d).year) END
$$;
COMMENT ON FUNCTION statpipe.derive(statpipe.indicator_formula, text, statpipe.annual_value_measured, statpipe.annual_value_measured) IS 'A derived indicator''s value and columns for one area and year, from the annual values of its numerator and denominator: see stats.annual_value.';

-- The formulas with their indicators' canonical units.
CREATE VIEW statpipe.indicator_formula_unit AS
SELECT f, cu.code AS unit
  FROM statpipe.indicator_formula f
  JOIN statpipe.indicator i ON i.code = f.indicator
  LEFT JOIN LATERAL (SELECT u.code FROM statpipe.unit u
                      WHERE u.dimension = i.dimension AND u.factor = 1
                      ORDER BY u.code LIMIT 1) cu ON true;
COMMENT ON VIEW statpipe.indicator_formula_unit IS 'Each formula (as a row, f) with the canonical unit of its indicator.';

CREATE FUNCTION stats.derived_values_of(p_indicator text, p_ref_area text,
                                        p_as_of timestamptz DEFAULT now())
RETURNS TABLE (year int, value numeric, unit text, sender text, freq text, published_as text,
               method text, months_covered int, complete boolean, last_period text,
               last_period_end date, release timestamptz, derivation text,
               missing_reason text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 20 SET search_path = pg_catalog SET jit = off AS $$
    WITH f AS (SELECT fu.f, fu.unit FROM statpipe.indicator_formula_unit fu
                WHERE (fu.f).indicator = p_indicator),
    m AS (
        SELECT (f.f).indicator AS formula, x.role,
               ROW(x.indicator, p_ref_area, v.year, v.value, v.unit, v.complete,
                   v.months_covered, v.method, v.last_period, v.last_period_end, v.sender,
                   v.freq, v.published_as, v.release)::statpipe.annual_value_measured AS r
          FROM f
         CROSS JOIN LATERAL (VALUES ('n', (f.f).numerator), ('d', (f.f).denominator),
                                    ('p', (f.f).indicator)) x (role, indicator)
         CROSS JOIN LATERAL stats.annual_values_measured(x.indicator, p_ref_area, p_as_of) v),
    y AS (SELECT DISTINCT (m.r).year FROM m WHERE m.role IN ('n', 'd'))
    SELECT y.year, x.value, x.unit, x.sender, x.freq, x.published_as, x.method,
           x.months_covered, x.complete, x.last_period, x.last_period_end, x.release,
           x.derivation, x.missing_reason
      FROM f CROSS JOIN y
      LEFT JOIN m n ON n.role = 'n' AND (n.r).year = y.year
      LEFT JOIN m d ON d.role = 'd' AND (d.r).year = y.year
     CROSS JOIN LATERAL statpipe.derive(f.f, f.unit, n.r, d.r) x
     WHERE NOT EXISTS (SELECT 1 FROM m p WHERE p.role = 'p' AND (p.r).year = y.year)
$$;
COMMENT ON FUNCTION stats.derived_values_of(text, text, timestamptz) IS 'The values of a derived indicator (stats.indicator_formula) in one area, one row per year in which an input has a figure, as known at p_as_of, for the years without a published figure (or published missing value) of its own; value NULL with missing_reason when an input is missing or the denominator is 0.';

CREATE FUNCTION stats.annual_values_of(p_indicator text, p_ref_area text,
                                       p_as_of timestamptz DEFAULT now())
RETURNS TABLE (year int, value numeric, unit text, sender text, freq text, published_as text,
               method text, months_covered int, complete boolean, last_period text,
               last_period_end date, release timestamptz, derivation text,
               missing_reason text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 20 SET search_path = pg_catalog SET jit = off AS $$
    SELECT m.*, NULL::text, NULL::text
      FROM stats.annual_values_measured(p_indicator, p_ref_area, p_as_of) m
    UNION ALL
    SELECT d.* FROM stats.derived_values_of(p_indicator, p_ref_area, p_as_of) d
$$;
COMMENT ON FUNCTION stats.annual_values_of(text, text, timestamptz) IS 'The annual values of one indicator in one area as known at p_as_of (default now), one row per year, published or derived: see stats.annual_value.';

-- The view: the measured values, and the derived indicators from them for every area and
-- year in which an input has a value and the indicator no published one. The measured
-- values of every formula's indicators are read once (m), so that a reader who asks for
-- every indicator, or joins on a weight indicator, pays one read, not one per formula and
-- input.
CREATE OR REPLACE VIEW stats.annual_value WITH (security_barrier) AS
SELECT m.indicator, m.ref_area, m.year, m.value, m.unit, m.complete, m.months_covered,
       m.method, m.last_period, m.last_period_end, m.sender, m.freq, m.published_as, m.release,
       NULL::text AS derivation, NULL::text AS missing_reason
  FROM statpipe.annual_value_measured m
UNION ALL
SELECT (y.fu).f.indicator, y.ref_area, y.year, x.value, x.unit, x.complete, x.months_covered,
       x.method, x.last_period, x.last_period_end, x.sender, x.freq, x.published_as, x.release,
       x.derivation, x.missing_reason
  FROM (WITH m AS (
            SELECT i AS r, i.indicator, i.ref_area, i.year
              FROM statpipe.annual_value_measured i
             WHERE i.indicator IN (SELECT v.code FROM statpipe.indicator_formula f,
                                          LATERAL (VALUES (f.indicator), (f.numerator),
                                                          (f.denominator)) v (code))),
        k AS (
            SELECT DISTINCT f.indicator AS formula, m.ref_area, m.year
              FROM statpipe.indicator_formula f
              JOIN m ON m.indicator IN (f.numerator, f.denominator))
        SELECT fu, k.ref_area, k.year, n.r AS n, d.r AS d
          FROM k
          JOIN statpipe.indicator_formula_unit fu ON (fu.f).indicator = k.formula
          LEFT JOIN m n ON n.indicator = (fu.f).numerator AND n.ref_area = k.ref_area
                       AND n.year = k.year
          LEFT JOIN m d ON d.indicator = (fu.f).denominator AND d.ref_area = k.ref_area
                       AND d.year = k.year
         WHERE NOT EXISTS (SELECT 1 FROM m p
                            WHERE p.indicator = (fu.f).indicator AND p.ref_area = k.ref_area
                              AND p.year = k.year)) y
 CROSS JOIN LATERAL statpipe.derive((y.fu).f, (y.fu).unit, y.n, y.d) x;
COMMENT ON VIEW stats.annual_value IS 'One value per indicator, area and year, by the catalogue''s rules, each from one series: flows (time_agg sum) sum the period values of the year (a year-to-date December figure gives the same), stocks and ratios (time_agg last) take the last period of the year that has a value; ratios are never summed. Per year, the authoritative sender''s figure is used when it has one for that year; others fill in the years where it has none; among the rest a complete year, an annual figure and more months are preferred. Derived indicators (stats.indicator_formula) are computed from their inputs'' annual values where no figure of their own is published.';
COMMENT ON COLUMN stats.annual_value.method IS 'annual (published for the year), sum_of_periods (flows), last_period (stocks and ratios) or derived (from a formula: see derivation).';
COMMENT ON COLUMN stats.annual_value.sender IS 'The sender whose figures were used (the authoritative one when it has a figure for the year); for a derived value, the senders of numerator and denominator, as NUMERATOR/DENOMINATOR.';
COMMENT ON COLUMN stats.annual_value.complete IS 'True for a flow whose values cover all 12 months, or a stock or ratio whose value is the level at 31 December; for a derived value, when both inputs are complete.';
COMMENT ON COLUMN stats.annual_value.last_period IS 'The last period the value draws on (for a derived value, the numerator''s).';
COMMENT ON COLUMN stats.annual_value.derivation IS 'For a derived value, its formula (BS_5G / POPULATION × 10000); NULL for a published one.';
COMMENT ON COLUMN stats.annual_value.missing_reason IS 'Why a derived value is NULL: an input has no value for the year, or the denominator is 0.';

DROP FUNCTION stats.annual_value_asof(timestamptz);
CREATE FUNCTION stats.annual_value_asof(p_as_of timestamptz)
RETURNS TABLE (indicator text, ref_area text, year int, value numeric, unit text,
               complete boolean, months_covered int, method text, last_period text,
               last_period_end date, sender text, freq text, published_as text,
               release timestamptz, derivation text, missing_reason text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 1000 SET search_path = pg_catalog SET jit = off AS $$
    SELECT ia.indicator, ia.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
           a.method, a.last_period, a.last_period_end, a.sender, a.freq, a.published_as,
           a.release, a.derivation, a.missing_reason
      FROM (SELECT DISTINCT s.indicator, s.ref_area FROM statpipe.series s
            UNION
            SELECT f.indicator, s.ref_area
              FROM statpipe.indicator_formula f
              JOIN statpipe.series s ON s.indicator IN (f.numerator, f.denominator)) ia
     CROSS JOIN LATERAL stats.annual_values_of(ia.indicator, ia.ref_area, p_as_of) a
$$;
COMMENT ON FUNCTION stats.annual_value_asof(timestamptz) IS 'stats.annual_value as it was known at p_as_of: the annual values computed from the vintages released at or before p_as_of (and never after now), by the same rules and with the same columns, derived indicators included. stats.annual_value_asof(now()) equals stats.annual_value.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON stats.indicator_formula TO statpipe_reader;
