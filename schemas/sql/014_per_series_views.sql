-- 014_per_series_views.sql: period values and growth computed per series, so that a query
-- for one indicator, area or series computes only that: the views call one function per
-- series (or per sender, indicator, area and frequency), which a filter on those columns
-- reaches before anything is computed, and the rule that a PER figure hides an overlapping
-- YTD-derived one compares a series only with its PER sibling. The rules are those of
-- 008.

-- The period values a series shows in stats.period_value: its own (stats.period_values_of),
-- less, for a YTD series, the derived values that overlap a value its sender publishes for
-- the same indicator, area and frequency as PER.
CREATE FUNCTION stats.period_values_shown(p_series bigint, p_as_of timestamptz DEFAULT now())
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               covered_from date, covered_to date, months_covered int)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH per AS MATERIALIZED (
        SELECT q.covered_from, q.covered_to
          FROM statpipe.series me
          JOIN statpipe.series qs
            ON qs.sender = me.sender AND qs.indicator = me.indicator
           AND qs.ref_area = me.ref_area AND qs.freq = me.freq AND qs.calc_basis = 'PER'
         CROSS JOIN LATERAL stats.period_values_of(qs.series_id, p_as_of) q
         WHERE me.series_id = p_series AND me.calc_basis = 'YTD')
    SELECT pv.* FROM stats.period_values_of(p_series, p_as_of) pv
     WHERE NOT EXISTS (SELECT 1 FROM per
                        WHERE per.covered_from <= pv.covered_to AND per.covered_to >= pv.covered_from)
$$;
COMMENT ON FUNCTION stats.period_values_shown(bigint, timestamptz) IS 'The period values of one series as stats.period_value shows them at p_as_of: stats.period_values_of, less the YTD-derived values that overlap a PER value of the same sender, indicator, area and frequency.';

CREATE OR REPLACE VIEW stats.period_value AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, p.time_period, p.period_start, p.period_end,
       p.value, p.unit, s.calc_basis AS published_as, p.covered_from, p.covered_to,
       p.months_covered, p.obs_status, p.conf_status, p.release
  FROM statpipe.series s
 CROSS JOIN LATERAL stats.period_values_shown(s.series_id, now()) p;

-- Growth within one (sender, indicator, area, frequency): the PER and YTD series of a sender
-- form one sequence of period values, as in stats.period_value.
CREATE FUNCTION stats.growth_of(p_sender text, p_indicator text, p_ref_area text, p_freq text,
                                p_as_of timestamptz DEFAULT now())
RETURNS TABLE (time_period text, covered_from date, covered_to date, months_covered int,
               value numeric, unit text, previous_value numeric, period_on_period numeric,
               period_on_period_points numeric, year_ago_value numeric, year_on_year numeric,
               year_on_year_points numeric)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH pv AS MATERIALIZED (
        SELECT p.*, i.nature,
               p.months_covered = CASE p_freq WHEN 'M' THEN 1 WHEN 'Q' THEN 3 WHEN 'S' THEN 6
                                              ELSE 12 END AS one_period
          FROM statpipe.series s
          JOIN statpipe.indicator i ON i.code = s.indicator
         CROSS JOIN LATERAL stats.period_values_shown(s.series_id, p_as_of) p
         WHERE s.sender = p_sender AND s.indicator = p_indicator AND s.ref_area = p_ref_area
           AND s.freq = p_freq)
    SELECT c.time_period, c.covered_from, c.covered_to, c.months_covered, c.value, c.unit,
           p.value,
           CASE WHEN c.nature <> 'RATIO' AND p.value > 0 THEN c.value / p.value - 1 END,
           CASE WHEN c.nature = 'RATIO' THEN c.value - p.value END,
           y.value,
           CASE WHEN c.nature <> 'RATIO' AND y.value > 0 THEN c.value / y.value - 1 END,
           CASE WHEN c.nature = 'RATIO' THEN c.value - y.value END
      FROM pv c
      LEFT JOIN pv p
        ON p.covered_to = c.covered_from - 1 AND c.one_period AND p.one_period
      LEFT JOIN pv y
        ON y.covered_to = (c.covered_to + 1 - interval '1 year')::date - 1
       AND y.months_covered = c.months_covered
$$;
COMMENT ON FUNCTION stats.growth_of(text, text, text, text, timestamptz) IS 'The rows of stats.growth for one sender, indicator, area and frequency, at p_as_of.';

CREATE OR REPLACE VIEW stats.growth AS
SELECT g.sender, g.indicator, g.ref_area, g.freq, x.time_period, x.covered_from, x.covered_to,
       x.months_covered, x.value, x.unit, x.previous_value, x.period_on_period,
       x.period_on_period_points, x.year_ago_value, x.year_on_year, x.year_on_year_points
  FROM (SELECT DISTINCT sender, indicator, ref_area, freq FROM statpipe.series) g
 CROSS JOIN LATERAL stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now()) x;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA stats TO statpipe_reader;

-- The functions that other functions call run as PL/pgSQL. A SQL function called from
-- inside another SQL function is planned again on every call of its caller (its plan lives
-- only as long as the caller's execution), 5 to 10 ms per series; PL/pgSQL keeps the plan
-- of RETURN QUERY for the session. Each body is its SQL query wrapped as RETURN QUERY, with
-- column names winning over the output parameters of the same name.
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid, pg_catalog.pg_get_functiondef(p.oid) AS def, p.prosrc
               FROM pg_catalog.pg_proc p
               JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'stats'
                AND p.proname IN ('series_vintages', 'period_values_of', 'period_values_shown')
    LOOP
        EXECUTE replace(replace(f.def, ' LANGUAGE sql', ' LANGUAGE plpgsql'), f.prosrc,
                        E'\n#variable_conflict use_column\nBEGIN\n    RETURN QUERY '
                        || rtrim(f.prosrc, E' \n;') || E';\nEND\n');
    END LOOP;
END
$$;
