-- 009_target_judgement.sql: targets judged the way an evaluation reads them. A target whose
-- year has passed is judged on that year's value: met, missed or no data. A target still
-- ahead is judged on the latest value and its trend: on track, at risk, off track or
-- unknown. Time between two levels is measured from the dates they were measured (a
-- half-year level is half a year from the year's end), never by counting calendar years.
-- "Now" is a parameter: stats.target_progress_at(now) judges as of any date.

-- Months from the day after one period's end to the day after another's, in years.
CREATE FUNCTION stats.years_between(p_from_end date, p_to_end date)
RETURNS numeric LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT ((extract(year FROM p_to_end + 1) - extract(year FROM p_from_end + 1)) * 12
            + extract(month FROM p_to_end + 1) - extract(month FROM p_from_end + 1)) / 12.0
$$;
COMMENT ON FUNCTION stats.years_between(date, date) IS 'The time in years between two period ends (the last days of two periods): 2023-12-31 to 2026-06-30 is 2.5.';

CREATE FUNCTION stats.target_progress_at(p_now timestamptz)
RETURNS TABLE (indicator text, plan text, target_year int, comparator text,
               target_as_stated numeric, target_unit_as_stated text, target_value numeric,
               unit text, target_year_passed boolean, target_year_value numeric,
               target_year_progress numeric, met boolean, latest_year int,
               latest_period text, latest_period_end date, latest_value numeric,
               latest_complete boolean, progress numeric, trend_cagr numeric,
               cagr_needed numeric, projected_value numeric, first_year_met int, status text,
               baseline_year int, baseline_value numeric, source text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH t AS (
        SELECT t.*, i.time_agg, t.target_value * u.factor AS goal, cu.code AS canon_unit,
               t.target_year < extract(year FROM p_now)::int AS passed
          FROM statpipe.target t
          JOIN statpipe.indicator i ON i.code = t.indicator
          LEFT JOIN statpipe.unit_alias ua ON ua.alias = t.target_unit
          LEFT JOIN statpipe.unit u ON u.code = coalesce(ua.unit, t.target_unit)
          LEFT JOIN statpipe.unit cu ON cu.dimension = u.dimension AND cu.factor = 1),
    a AS (
        SELECT x.indicator, v.*
          FROM (SELECT DISTINCT t.indicator FROM t) x
         CROSS JOIN LATERAL stats.annual_values_of(x.indicator, 'CN') v
         WHERE v.value IS NOT NULL),
    judged AS (
        SELECT t.*, l.year AS l_year, l.last_period AS l_period, l.last_period_end AS l_end,
               l.value AS l_value, l.complete AS l_complete, ty.value AS ty_value,
               tr.trend, fm.first_met,
               CASE WHEN l.value IS NOT NULL
                    THEN stats.years_between(l.last_period_end, make_date(t.target_year, 12, 31))
               END AS years_left
          FROM t
          -- The latest value: the last complete year of a flow, the latest level of a stock
          -- or ratio.
          LEFT JOIN LATERAL (
              SELECT a.* FROM a
               WHERE a.indicator = t.indicator AND (a.complete OR t.time_agg = 'last')
               ORDER BY a.year DESC LIMIT 1) l ON true
          LEFT JOIN LATERAL (
              SELECT a.value FROM a
               WHERE a.indicator = t.indicator AND a.year = t.target_year AND a.complete) ty
            ON true
          -- The trend: from the earliest complete year of the three before the latest.
          LEFT JOIN LATERAL (
              SELECT CASE WHEN b.value > 0 AND l.value > 0 AND l.last_period_end > b.last_period_end
                          THEN power(l.value / b.value,
                                     1 / stats.years_between(b.last_period_end, l.last_period_end))
                               - 1 END AS trend
                FROM a b
               WHERE b.indicator = t.indicator AND b.complete
                 AND b.year BETWEEN l.year - 3 AND l.year - 1
               ORDER BY b.year LIMIT 1) tr ON true
          LEFT JOIN LATERAL (
              SELECT min(a.year) AS first_met FROM a
               WHERE a.indicator = t.indicator AND a.complete
                 AND CASE WHEN t.comparator = '>=' THEN a.value >= t.goal
                          ELSE a.value <= t.goal END) fm ON true),
    projected AS (
        SELECT j.*,
               CASE WHEN NOT j.passed AND j.trend IS NOT NULL
                    THEN j.l_value * power(1 + j.trend, j.years_left) END AS proj,
               CASE WHEN j.comparator = '>=' THEN j.l_value >= j.goal
                    ELSE j.l_value <= j.goal END AS l_reaches
          FROM judged j)
    SELECT p.indicator, p.plan, p.target_year, p.comparator, p.target_value, p.target_unit,
           p.goal, p.canon_unit, p.passed, p.ty_value,
           CASE WHEN p.comparator = '>=' THEN p.ty_value / nullif(p.goal, 0)
                ELSE p.goal / nullif(p.ty_value, 0) END,
           CASE WHEN p.passed THEN CASE WHEN p.comparator = '>=' THEN p.ty_value >= p.goal
                                        ELSE p.ty_value <= p.goal END END,
           p.l_year, p.l_period, p.l_end, p.l_value, p.l_complete,
           CASE WHEN p.comparator = '>=' THEN p.l_value / nullif(p.goal, 0)
                ELSE p.goal / nullif(p.l_value, 0) END,
           p.trend,
           CASE WHEN NOT p.passed AND NOT p.l_reaches AND p.l_value > 0 AND p.years_left > 0
                THEN power(p.goal / p.l_value, 1 / p.years_left) - 1 END,
           p.proj, p.first_met,
           CASE WHEN p.passed THEN
                    CASE WHEN p.ty_value IS NULL THEN 'no data'
                         WHEN (p.comparator = '>=' AND p.ty_value >= p.goal)
                           OR (p.comparator = '<=' AND p.ty_value <= p.goal) THEN 'met'
                         ELSE 'missed' END
                WHEN p.proj IS NULL THEN 'unknown'
                WHEN (p.comparator = '>=' AND p.proj >= p.goal)
                  OR (p.comparator = '<=' AND p.proj <= p.goal) THEN 'on track'
                WHEN (p.comparator = '>=' AND p.proj >= 0.9 * p.goal)
                  OR (p.comparator = '<=' AND p.proj <= 1.1 * p.goal) THEN 'at risk'
                ELSE 'off track' END,
           p.baseline_year, p.baseline_value, p.source
      FROM projected p
$$;
COMMENT ON FUNCTION stats.target_progress_at(timestamptz) IS 'stats.target_progress judged as if it were p_now: target years before p_now''s year have passed. The figures are those published by now.';

CREATE VIEW stats.target_progress AS SELECT * FROM stats.target_progress_at(now());
COMMENT ON VIEW stats.target_progress IS 'Every plan target (statpipe.target), judged on national (CN) annual values. A target whose year has passed is judged on that year''s complete value: met, missed, or no data. A target still ahead is judged on the latest value (the last complete year of a flow, the latest level of a stock or ratio) carried to the end of the target year at the recent trend: on track, at risk (projected within 10 % of the target), off track, or unknown (no value or no trend). Time is measured between the dates levels were measured, so a half-year level is half a year from the year''s end.';
COMMENT ON COLUMN stats.target_progress.plan IS 'The plan that sets the target (NISDO-2016 is the National Informatization Development Strategy Outline).';
COMMENT ON COLUMN stats.target_progress.target_year IS 'The year by the end of which the target is to be reached.';
COMMENT ON COLUMN stats.target_progress.comparator IS '>= for a floor to reach, <= for a ceiling not to exceed.';
COMMENT ON COLUMN stats.target_progress.target_as_stated IS 'The target as the plan states it, in target_unit_as_stated.';
COMMENT ON COLUMN stats.target_progress.target_unit_as_stated IS 'The unit the plan states the target in.';
COMMENT ON COLUMN stats.target_progress.target_value IS 'The target in the canonical unit.';
COMMENT ON COLUMN stats.target_progress.unit IS 'The canonical unit of the target and the values.';
COMMENT ON COLUMN stats.target_progress.target_year_passed IS 'True when the target year is before the current year: the target is judged on that year''s value.';
COMMENT ON COLUMN stats.target_progress.target_year_value IS 'The complete annual value of the target year, once there is one.';
COMMENT ON COLUMN stats.target_progress.target_year_progress IS 'target_year_value / target_value (for a ceiling, target_value / target_year_value): 1 or more means reached.';
COMMENT ON COLUMN stats.target_progress.met IS 'For a passed target year, whether its value reached the target (NULL: no data); NULL while the target year is ahead.';
COMMENT ON COLUMN stats.target_progress.latest_year IS 'The year of the latest value.';
COMMENT ON COLUMN stats.target_progress.latest_period IS 'The last period the latest value draws on.';
COMMENT ON COLUMN stats.target_progress.latest_period_end IS 'The last day of latest_period.';
COMMENT ON COLUMN stats.target_progress.latest_value IS 'The latest national annual value: the last complete year for flows, the latest level for stocks and ratios.';
COMMENT ON COLUMN stats.target_progress.latest_complete IS 'False when the latest value is a level measured before 31 December (stocks and ratios only).';
COMMENT ON COLUMN stats.target_progress.progress IS 'latest_value / target_value (for a ceiling, target_value / latest_value): 1 or more means reached now.';
COMMENT ON COLUMN stats.target_progress.trend_cagr IS 'Recent annual growth: from the earliest complete year of the three before the latest year to the latest value, per year of time between them, as a fraction.';
COMMENT ON COLUMN stats.target_progress.cagr_needed IS 'Annual growth needed from the latest value to reach the target by the end of the target year, as a fraction; NULL when the target year has passed or the latest value already reaches the target.';
COMMENT ON COLUMN stats.target_progress.projected_value IS 'The latest value carried to the end of the target year at trend_cagr; NULL when the target year has passed.';
COMMENT ON COLUMN stats.target_progress.first_year_met IS 'The first year whose complete value reached the target.';
COMMENT ON COLUMN stats.target_progress.status IS 'Passed target year: met, missed or no data. Target year ahead: on track (projected to reach the target), at risk (projected within 10 %), off track, or unknown (no value or no trend).';
COMMENT ON COLUMN stats.target_progress.baseline_year IS 'The plan''s baseline year.';
COMMENT ON COLUMN stats.target_progress.baseline_value IS 'The plan''s baseline value, in target_unit_as_stated.';
COMMENT ON COLUMN stats.target_progress.source IS 'The plan document that sets the target.';

-- Readers: every view of schema stats, and its functions, nothing else.
GRANT SELECT ON ALL TABLES IN SCHEMA stats TO statpipe_reader;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
