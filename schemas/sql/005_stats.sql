-- 005_stats.sql: the statistics layer: period values from year-to-date figures, annual
-- values by the catalogue's rules, regional roll-ups, growth, target progress, revisions
-- and data quality. Everything is computed from the vintages when queried; nothing here
-- is stored as if it were published.

-- Index for looking series up by indicator and area, as every view below does.
CREATE INDEX series_indicator_area ON statpipe.series (indicator, ref_area);

-- ---- period values ------------------------------------------------------------------

CREATE FUNCTION stats.period_values_of(p_series bigint)
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               covered_from date, covered_to date, months_covered int)
LANGUAGE sql STABLE AS $$
    WITH latest AS (
        SELECT DISTINCT ON (o.time_period) o.time_period, o.period_start, o.period_end,
               o.value, o.unit, o.obs_status, o.conf_status, o.release, o.is_deleted
          FROM statpipe.observation o
         WHERE o.series_id = p_series AND o.release <= now()
         ORDER BY o.time_period, o.release DESC, o.obs_id DESC),
    live AS (SELECT * FROM latest WHERE NOT is_deleted),
    basis AS (SELECT s.calc_basis FROM statpipe.series s WHERE s.series_id = p_series),
    derived AS (
        SELECT l.*, b.calc_basis,
               lag(l.value) OVER w AS prev_value,
               lag(l.period_end) OVER w AS prev_end,
               lag(l.release) OVER w AS prev_release
          FROM live l CROSS JOIN basis b
        WINDOW w AS (PARTITION BY extract(year FROM l.period_end) ORDER BY l.period_end))
    SELECT d.time_period, d.period_start, d.period_end,
           CASE WHEN d.calc_basis = 'YTD' AND d.prev_end IS NOT NULL
                THEN d.value - d.prev_value ELSE d.value END,
           d.unit, d.obs_status, d.conf_status,
           greatest(d.release, d.prev_release),
           f.covered_from, d.period_end,
           ((extract(year FROM d.period_end + 1) - extract(year FROM f.covered_from)) * 12
            + extract(month FROM d.period_end + 1) - extract(month FROM f.covered_from))::int
      FROM derived d
     CROSS JOIN LATERAL (
        SELECT CASE WHEN d.calc_basis <> 'YTD' THEN d.period_start
                    WHEN d.prev_end IS NOT NULL THEN d.prev_end + 1
                    ELSE make_date(extract(year FROM d.period_end)::int, 1, 1) END
               AS covered_from) f
$$;
COMMENT ON FUNCTION stats.period_values_of(bigint) IS 'The period values of one series (statpipe.series.series_id), from its latest vintages: PER figures as published, YTD figures differenced within the calendar year. Used by stats.period_value.';

CREATE VIEW stats.period_value AS
SELECT DISTINCT ON (s.sender, s.indicator, s.ref_area, s.freq, p.time_period)
       s.sender, s.indicator, s.ref_area, s.freq, p.time_period, p.period_start, p.period_end,
       p.value, p.unit, s.calc_basis AS published_as, p.covered_from, p.covered_to,
       p.months_covered, p.obs_status, p.conf_status, p.release
  FROM statpipe.series s
 CROSS JOIN LATERAL stats.period_values_of(s.series_id) p
 ORDER BY s.sender, s.indicator, s.ref_area, s.freq, p.time_period, s.calc_basis = 'PER' DESC;
COMMENT ON VIEW stats.period_value IS 'The value of each period, per series: figures published for the period (PER) as they are; flows published year-to-date (YTD) differenced within the year: period(m) = YTD(m) - YTD(m-1), the first published month of a year is its YTD value. When months are missing (NBS publishes January and February together as YYYY-02), the value covers the gap and covered_from, covered_to and months_covered say so. Latest vintages only; a revised YTD figure changes the periods on both sides.';
COMMENT ON COLUMN stats.period_value.value IS 'The value for covered_from..covered_to in the canonical unit, exact; NULL when a figure it depends on is missing.';
COMMENT ON COLUMN stats.period_value.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.period_value.published_as IS 'PER when published for the period, YTD when derived from year-to-date figures.';
COMMENT ON COLUMN stats.period_value.covered_from IS 'First day the value covers (earlier than period_start when it spans unpublished months).';
COMMENT ON COLUMN stats.period_value.covered_to IS 'Last day the value covers.';
COMMENT ON COLUMN stats.period_value.months_covered IS 'Number of months the value covers: 1 for a month, 2 for NBS''s combined January-February, 3 for a quarter, and so on.';
COMMENT ON COLUMN stats.period_value.release IS 'The latest release among the figures the value was computed from.';

-- ---- annual values ------------------------------------------------------------------

CREATE FUNCTION stats.annual_values_of(p_indicator text, p_ref_area text)
RETURNS TABLE (year int, value numeric, unit text, sender text, freq text, method text,
               months_covered int, complete boolean, last_period text, release timestamptz)
LANGUAGE sql STABLE AS $$
    WITH ind AS (SELECT * FROM statpipe.indicator WHERE code = p_indicator),
    -- The catalogue names the authoritative sender: when it publishes the indicator for
    -- this area, its figures are the ones; other senders' only fill in where it has none.
    src AS (
        SELECT CASE WHEN EXISTS (SELECT 1 FROM statpipe.series s, ind
                                  WHERE s.indicator = p_indicator AND s.ref_area = p_ref_area
                                    AND s.sender = ind.authoritative_sender)
                    THEN (SELECT authoritative_sender FROM ind) END AS only_sender),
    pv AS (
        SELECT pv.*, extract(year FROM pv.period_end)::int AS yr
          FROM stats.period_value pv, src
         WHERE pv.indicator = p_indicator AND pv.ref_area = p_ref_area
           AND (src.only_sender IS NULL OR pv.sender = src.only_sender)),
    per_freq AS (
        SELECT pv.sender, pv.freq, pv.yr,
               CASE WHEN ind.time_agg = 'sum' THEN sum(pv.value)
                    ELSE (array_agg(pv.value ORDER BY pv.period_end DESC))[1] END AS value,
               min(pv.unit) AS unit,
               coalesce(sum(pv.months_covered) FILTER (WHERE pv.value IS NOT NULL), 0)::int
                   AS months,
               bool_and(pv.value IS NOT NULL) AS all_present,
               max(pv.period_end) AS last_end,
               (array_agg(pv.time_period ORDER BY pv.period_end DESC))[1] AS last_period,
               max(pv.release) AS release,
               ind.time_agg, ind.authoritative_sender
          FROM pv CROSS JOIN ind
         GROUP BY pv.sender, pv.freq, pv.yr, ind.time_agg, ind.authoritative_sender),
    judged AS (
        SELECT f.*,
               CASE WHEN f.time_agg = 'sum' THEN f.months = 12 AND f.all_present
                    ELSE f.last_end = make_date(f.yr, 12, 31) AND f.value IS NOT NULL END
                   AS complete
          FROM per_freq f)
    SELECT DISTINCT ON (j.yr) j.yr, j.value, j.unit, j.sender, j.freq,
           CASE WHEN j.freq = 'A' THEN 'annual'
                WHEN j.time_agg = 'sum' THEN 'sum_of_periods' ELSE 'last_period' END,
           j.months, j.complete, j.last_period, j.release
      FROM judged j
     ORDER BY j.yr, j.complete DESC, (j.sender = j.authoritative_sender) DESC, j.freq = 'A' DESC,
              j.months DESC, j.sender, j.freq
$$;
COMMENT ON FUNCTION stats.annual_values_of(text, text) IS 'The annual values of one indicator in one area, one row per year: see stats.annual_value.';

CREATE VIEW stats.annual_value AS
SELECT ia.indicator, ia.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
       a.method, a.last_period, a.sender, a.freq, a.release
  FROM (SELECT DISTINCT indicator, ref_area FROM statpipe.series) ia
 CROSS JOIN LATERAL stats.annual_values_of(ia.indicator, ia.ref_area) a;
COMMENT ON VIEW stats.annual_value IS 'One value per indicator, area and year, by the catalogue''s rules: flows (time_agg sum) sum their period values (a year-to-date December figure gives the same), stocks and ratios (time_agg last) take the value of the last period; ratios are never summed. The authoritative sender''s figures are used when it publishes the indicator for the area; among the rest a complete year and an annual figure are preferred.';
COMMENT ON COLUMN stats.annual_value.value IS 'The annual value in the canonical unit, exact.';
COMMENT ON COLUMN stats.annual_value.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.annual_value.complete IS 'False when the year is incomplete: a flow whose periods cover fewer than 12 months, or a stock or ratio whose last period ends before 31 December.';
COMMENT ON COLUMN stats.annual_value.months_covered IS 'Months of the year the value draws on (flows), or the months of its periods (stocks and ratios).';
COMMENT ON COLUMN stats.annual_value.method IS 'annual (published for the year), sum_of_periods (flows) or last_period (stocks and ratios).';
COMMENT ON COLUMN stats.annual_value.last_period IS 'The last period the value draws on.';
COMMENT ON COLUMN stats.annual_value.release IS 'The latest release among the figures used.';

-- ---- regional roll-ups ----------------------------------------------------------------

CREATE VIEW stats.regional_value AS
WITH prov AS (
    SELECT a.indicator, a.year, a.value, a.complete, r.code, r.region_group, i.space_agg,
           i.weight, w.value AS weight_value
      FROM stats.annual_value a
      JOIN statpipe.region r ON r.code = a.ref_area AND r.level = 1 AND r.in_national_total
      JOIN statpipe.indicator i ON i.code = a.indicator
      LEFT JOIN stats.annual_value w
        ON i.space_agg = 'weighted' AND w.indicator = i.weight AND w.ref_area = a.ref_area
       AND w.year = a.year),
expected AS (
    SELECT coalesce(region_group, 'ALL') AS region_group, count(*) AS n
      FROM statpipe.region WHERE level = 1 AND in_national_total
     GROUP BY GROUPING SETS ((region_group), ()))
SELECT g.indicator, g.year, g.region_group, g.value, g.provinces, e.n::int AS provinces_expected,
       g.provinces = e.n AND g.all_complete AS complete, g.method
  FROM (SELECT indicator, year, coalesce(region_group, 'ALL') AS region_group,
               CASE min(space_agg)
                    WHEN 'sum' THEN sum(value)
                    WHEN 'weighted' THEN sum(value * weight_value) / nullif(sum(weight_value), 0)
               END AS value,
               (count(*) FILTER (WHERE value IS NOT NULL
                    AND (space_agg <> 'weighted' OR weight_value IS NOT NULL)))::int AS provinces,
               bool_and(complete) AS all_complete,
               CASE min(space_agg) WHEN 'sum' THEN 'sum'
                    WHEN 'weighted' THEN 'weighted by ' || min(weight) END AS method
          FROM prov
         WHERE space_agg <> 'none'
         GROUP BY GROUPING SETS ((indicator, year, region_group), (indicator, year))) g
  JOIN expected e ON e.region_group = g.region_group;
COMMENT ON VIEW stats.regional_value IS 'Annual values of the regional groups (East, Central, West, Northeast) and of all provinces together (ALL), computed from the provinces'' annual values by the indicator''s space_agg: sum, or for ratios the mean weighted by the weight indicator (HOUSEHOLDS or POPULATION) of the same province and year. Indicators with space_agg none are not rolled up.';
COMMENT ON COLUMN stats.regional_value.region_group IS 'East, Central, West, Northeast, or ALL for every province in the national total.';
COMMENT ON COLUMN stats.regional_value.value IS 'The roll-up in the canonical unit.';
COMMENT ON COLUMN stats.regional_value.provinces IS 'Provinces that contributed (with a weight, for weighted ratios).';
COMMENT ON COLUMN stats.regional_value.provinces_expected IS 'Provinces in the group.';
COMMENT ON COLUMN stats.regional_value.complete IS 'True when every province of the group contributed a complete year.';
COMMENT ON COLUMN stats.regional_value.method IS 'sum, or weighted by the named indicator.';

CREATE VIEW stats.national_check AS
SELECT n.indicator, n.year, n.value AS published_national, p.value AS sum_of_provinces,
       p.provinces, p.provinces_expected,
       p.value - n.value AS difference,
       CASE WHEN n.value <> 0 THEN p.value / n.value - 1 END AS relative_difference
  FROM stats.annual_value n
  JOIN stats.regional_value p
    ON p.indicator = n.indicator AND p.year = n.year AND p.region_group = 'ALL'
 WHERE n.ref_area = 'CN';
COMMENT ON VIEW stats.national_check IS 'The published national figure against the roll-up of the provinces, per indicator and year: a large relative difference points to missing provinces or inconsistent sources.';
COMMENT ON COLUMN stats.national_check.published_national IS 'The annual value published for CN.';
COMMENT ON COLUMN stats.national_check.sum_of_provinces IS 'The roll-up of the provinces (a weighted mean for ratios).';
COMMENT ON COLUMN stats.national_check.provinces IS 'Provinces that contributed.';
COMMENT ON COLUMN stats.national_check.provinces_expected IS 'Provinces in the national total.';
COMMENT ON COLUMN stats.national_check.difference IS 'sum_of_provinces - published_national.';
COMMENT ON COLUMN stats.national_check.relative_difference IS 'sum_of_provinces / published_national - 1.';

-- ---- growth ---------------------------------------------------------------------------

CREATE VIEW stats.growth AS
WITH pv AS (SELECT * FROM stats.period_value)
SELECT c.sender, c.indicator, c.ref_area, c.freq, c.time_period, c.covered_from, c.covered_to,
       c.months_covered, c.value, c.unit,
       p.value AS previous_value,
       CASE WHEN p.value <> 0 THEN c.value / p.value - 1 END AS period_on_period,
       y.value AS year_ago_value,
       CASE WHEN y.value <> 0 THEN c.value / y.value - 1 END AS year_on_year
  FROM pv c
  LEFT JOIN pv p
    ON p.sender = c.sender AND p.indicator = c.indicator AND p.ref_area = c.ref_area
   AND p.freq = c.freq AND p.covered_to = c.covered_from - 1
   AND p.months_covered = c.months_covered
  LEFT JOIN pv y
    ON y.sender = c.sender AND y.indicator = c.indicator AND y.ref_area = c.ref_area
   AND y.freq = c.freq AND y.covered_to = (c.covered_to + 1 - interval '1 year')::date - 1
   AND y.months_covered = c.months_covered;
COMMENT ON VIEW stats.growth IS 'Growth of period values: period on period (against the period just before that covers as many months) and year on year (against the same months a year before). A rate is a fraction: 0.05 is 5 %. NULL when there is nothing comparable.';
COMMENT ON COLUMN stats.growth.value IS 'The period value (stats.period_value), canonical unit.';
COMMENT ON COLUMN stats.growth.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.growth.previous_value IS 'The value of the period just before, covering as many months.';
COMMENT ON COLUMN stats.growth.period_on_period IS 'value / previous_value - 1.';
COMMENT ON COLUMN stats.growth.year_ago_value IS 'The value of the same months a year before.';
COMMENT ON COLUMN stats.growth.year_on_year IS 'value / year_ago_value - 1.';
COMMENT ON COLUMN stats.growth.covered_from IS 'First day the value covers.';
COMMENT ON COLUMN stats.growth.covered_to IS 'Last day the value covers.';
COMMENT ON COLUMN stats.growth.months_covered IS 'Months the value covers.';

CREATE FUNCTION stats.cagr(p_indicator text, p_ref_area text, p_from_year int, p_to_year int)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_to_year > p_from_year AND f.value > 0 AND t.value > 0
                THEN power(t.value / f.value, 1.0 / (p_to_year - p_from_year)) - 1 END
      FROM stats.annual_values_of(p_indicator, p_ref_area) f,
           stats.annual_values_of(p_indicator, p_ref_area) t
     WHERE f.year = p_from_year AND t.year = p_to_year
$$;
COMMENT ON FUNCTION stats.cagr(text, text, int, int) IS 'Compound annual growth rate of an indicator in an area between two years'' annual values: (to / from) ^ (1 / years) - 1, as a fraction. NULL when either year is missing or not positive.';

-- ---- target progress ------------------------------------------------------------------

CREATE VIEW stats.target_progress AS
SELECT t.indicator, t.plan, t.target_year, t.comparator,
       t.target_value AS target_as_stated, t.target_unit AS target_unit_as_stated,
       t.target_value * u.factor AS target_value, cu.code AS unit,
       v.latest_year, v.latest_period, v.latest_value, v.latest_complete,
       CASE WHEN t.comparator = '>=' THEN v.latest_value / nullif(t.target_value * u.factor, 0)
            ELSE t.target_value * u.factor / nullif(v.latest_value, 0) END AS progress,
       v.target_year_value,
       m.met,
       CASE WHEN t.target_year > v.latest_year AND v.latest_value > 0
            THEN power(t.target_value * u.factor / v.latest_value,
                       1.0 / (t.target_year - v.latest_year)) - 1 END AS cagr_needed,
       v.trend_cagr,
       CASE WHEN t.target_year <= v.latest_year THEN NULL
            ELSE v.latest_value * power(1 + v.trend_cagr, t.target_year - v.latest_year)
       END AS projected_value,
       CASE WHEN v.latest_value IS NULL THEN 'unknown'
            WHEN m.met IS NULL THEN 'unknown'
            WHEN m.met THEN 'met'
            WHEN t.target_year < extract(year FROM now()) OR v.trend_cagr IS NULL
                 THEN CASE WHEN t.target_year < extract(year FROM now()) THEN 'off track'
                           ELSE 'unknown' END
            WHEN (t.comparator = '>=' AND p.projected >= t.target_value * u.factor)
              OR (t.comparator = '<=' AND p.projected <= t.target_value * u.factor) THEN 'on track'
            WHEN (t.comparator = '>=' AND p.projected >= 0.9 * t.target_value * u.factor)
              OR (t.comparator = '<=' AND p.projected <= 1.1 * t.target_value * u.factor) THEN 'at risk'
            ELSE 'off track' END AS status,
       t.baseline_year, t.baseline_value, t.source
  FROM statpipe.target t
  JOIN statpipe.indicator i ON i.code = t.indicator
  LEFT JOIN statpipe.unit_alias ua ON ua.alias = t.target_unit
  LEFT JOIN statpipe.unit u ON u.code = coalesce(ua.unit, t.target_unit)
  LEFT JOIN statpipe.unit cu ON cu.dimension = u.dimension AND cu.factor = 1
  LEFT JOIN LATERAL (
      WITH a AS (SELECT * FROM stats.annual_values_of(t.indicator, 'CN') x
                  WHERE x.value IS NOT NULL AND (x.complete OR i.time_agg = 'last')),
      l AS (SELECT * FROM a ORDER BY year DESC LIMIT 1),
      b AS (SELECT a.* FROM a, l WHERE a.complete AND a.year BETWEEN l.year - 3 AND l.year - 1
             ORDER BY a.year LIMIT 1)
      SELECT l.year AS latest_year, l.last_period AS latest_period, l.value AS latest_value,
             l.complete AS latest_complete,
             (SELECT a.value FROM a WHERE a.year = t.target_year AND a.complete) AS target_year_value,
             (SELECT CASE WHEN b.value > 0 AND l.value > 0
                          THEN power(l.value / b.value, 1.0 / (l.year - b.year)) - 1 END
                FROM b) AS trend_cagr
        FROM l) v ON true
  CROSS JOIN LATERAL (
      SELECT CASE WHEN t.target_year < extract(year FROM now())
                  THEN CASE WHEN t.comparator = '>=' THEN v.target_year_value >= t.target_value * u.factor
                            ELSE v.target_year_value <= t.target_value * u.factor END
                  ELSE CASE WHEN t.comparator = '>=' THEN v.latest_value >= t.target_value * u.factor
                            ELSE v.latest_value <= t.target_value * u.factor END
             END AS met) m
  CROSS JOIN LATERAL (
      SELECT v.latest_value * power(1 + v.trend_cagr, greatest(t.target_year - v.latest_year, 0))
             AS projected) p;
COMMENT ON VIEW stats.target_progress IS 'Progress toward every plan target (statpipe.target), judged on national (CN) annual values: the target in canonical units, the latest value and its period, progress (latest / target), whether the target is met (for a past target year on that year''s value, unknown when it is missing), the growth needed each year from the latest value to reach it, the value projected for the target year from the recent trend (growth over up to three complete years), and a status: met, on track, at risk (projected within 10 % of the target), off track or unknown.';
COMMENT ON COLUMN stats.target_progress.target_as_stated IS 'The target as the plan states it, in target_unit_as_stated.';
COMMENT ON COLUMN stats.target_progress.target_unit_as_stated IS 'The unit the plan states the target in.';
COMMENT ON COLUMN stats.target_progress.target_value IS 'The target in the canonical unit.';
COMMENT ON COLUMN stats.target_progress.unit IS 'The canonical unit of the target and the values.';
COMMENT ON COLUMN stats.target_progress.latest_year IS 'The year of the latest value.';
COMMENT ON COLUMN stats.target_progress.latest_period IS 'The last period the latest value draws on.';
COMMENT ON COLUMN stats.target_progress.latest_value IS 'The latest national annual value: the last complete year for flows, the latest level for stocks and ratios.';
COMMENT ON COLUMN stats.target_progress.latest_complete IS 'False when the latest value is of a year not yet complete (stocks and ratios only).';
COMMENT ON COLUMN stats.target_progress.progress IS 'latest_value / target_value (for a ceiling, target_value / latest_value): 1 or more means reached.';
COMMENT ON COLUMN stats.target_progress.target_year_value IS 'The complete annual value of the target year, once there is one.';
COMMENT ON COLUMN stats.target_progress.met IS 'Whether the target is met: for a past target year on that year''s value (NULL when missing), otherwise whether the latest value already reaches it.';
COMMENT ON COLUMN stats.target_progress.cagr_needed IS 'Annual growth needed from the latest value to reach the target in the target year, as a fraction.';
COMMENT ON COLUMN stats.target_progress.trend_cagr IS 'Recent annual growth: from the earliest complete year of the three before the latest year to the latest year.';
COMMENT ON COLUMN stats.target_progress.projected_value IS 'The latest value carried to the target year at the recent growth.';
COMMENT ON COLUMN stats.target_progress.status IS 'met, on track (projected to reach the target), at risk (projected within 10 %), off track, or unknown (no data, or no trend).';
COMMENT ON COLUMN stats.target_progress.baseline_year IS 'The plan''s baseline year.';
COMMENT ON COLUMN stats.target_progress.baseline_value IS 'The plan''s baseline value, in target_unit_as_stated.';
COMMENT ON COLUMN stats.target_progress.source IS 'The plan document that sets the target.';

-- ---- revisions and data quality ----------------------------------------------------------

CREATE VIEW stats.revision AS
SELECT v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.time_period,
       count(*)::int AS vintages,
       (array_agg(v.value ORDER BY v.vintage_no) FILTER (WHERE NOT v.is_deleted))[1] AS first_value,
       min(v.valid_from) AS first_release,
       (array_agg(v.value ORDER BY v.vintage_no DESC))[1] AS latest_value,
       max(v.valid_from) AS latest_release,
       (array_agg(v.value ORDER BY v.vintage_no DESC))[1]
         - (array_agg(v.value ORDER BY v.vintage_no) FILTER (WHERE NOT v.is_deleted))[1] AS revision,
       CASE WHEN (array_agg(v.value ORDER BY v.vintage_no) FILTER (WHERE NOT v.is_deleted))[1] <> 0
            THEN (array_agg(v.value ORDER BY v.vintage_no DESC))[1]
                 / (array_agg(v.value ORDER BY v.vintage_no) FILTER (WHERE NOT v.is_deleted))[1] - 1
       END AS relative_revision,
       bool_or(v.is_deleted AND v.valid_to IS NULL) AS withdrawn
  FROM stats.observation_vintage v
 GROUP BY v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.time_period;
COMMENT ON VIEW stats.revision IS 'Per series and period: how many vintages, the first and the latest, and the revision between them (latest - first, and as a fraction of the first).';
COMMENT ON COLUMN stats.revision.vintages IS 'Number of published vintages.';
COMMENT ON COLUMN stats.revision.first_value IS 'The value as first published.';
COMMENT ON COLUMN stats.revision.first_release IS 'When it was first published.';
COMMENT ON COLUMN stats.revision.latest_value IS 'The latest value (NULL if withdrawn).';
COMMENT ON COLUMN stats.revision.latest_release IS 'When the latest vintage was published.';
COMMENT ON COLUMN stats.revision.revision IS 'latest_value - first_value.';
COMMENT ON COLUMN stats.revision.relative_revision IS 'latest_value / first_value - 1.';
COMMENT ON COLUMN stats.revision.withdrawn IS 'True when the figure is currently withdrawn.';

CREATE VIEW stats.missing_period AS
WITH span AS (
    SELECT s.series_id, s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           min(o.period_start) AS first_start, max(o.period_start) AS last_start
      FROM statpipe.series s JOIN statpipe.observation o USING (series_id)
     WHERE o.release <= now()
     GROUP BY s.series_id),
expected AS (
    SELECT sp.*, g::date AS period_start
      FROM span sp
     CROSS JOIN LATERAL generate_series(sp.first_start, sp.last_start,
        CASE sp.freq WHEN 'M' THEN interval '1 month' WHEN 'Q' THEN interval '3 months'
                     WHEN 'S' THEN interval '6 months' ELSE interval '1 year' END) g)
SELECT e.sender, e.indicator, e.ref_area, e.freq, e.calc_basis,
       CASE e.freq WHEN 'A' THEN to_char(e.period_start, 'YYYY')
                   WHEN 'M' THEN to_char(e.period_start, 'YYYY-MM')
                   WHEN 'Q' THEN to_char(e.period_start, 'YYYY') || '-Q' || extract(quarter FROM e.period_start)
                   ELSE to_char(e.period_start, 'YYYY') || '-S' || (extract(month FROM e.period_start)::int + 5) / 6
       END AS time_period,
       e.period_start,
       (e.calc_basis = 'YTD' AND e.freq = 'M' AND extract(month FROM e.period_start) = 1)
           AS usual_gap
  FROM expected e
 WHERE NOT EXISTS (SELECT 1 FROM statpipe.observation o
                    WHERE o.series_id = e.series_id AND o.period_start = e.period_start
                      AND o.release <= now());
COMMENT ON VIEW stats.missing_period IS 'Periods missing inside each series'' published span (between its first and last period).';
COMMENT ON COLUMN stats.missing_period.usual_gap IS 'True for January of a monthly year-to-date series: NBS and MIIT publish January and February together, so this gap is expected.';

CREATE VIEW stats.stale_series AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       max(o.time_period) AS last_period, max(o.release) AS last_release,
       now() - max(o.release) AS age,
       CASE s.freq WHEN 'M' THEN interval '62 days' WHEN 'Q' THEN interval '123 days'
                   WHEN 'S' THEN interval '215 days' ELSE interval '15 months' END AS allowed,
       now() - max(o.release) > CASE s.freq WHEN 'M' THEN interval '62 days'
                   WHEN 'Q' THEN interval '123 days' WHEN 'S' THEN interval '215 days'
                   ELSE interval '15 months' END AS stale
  FROM statpipe.series s JOIN statpipe.observation o USING (series_id)
 WHERE o.release <= now()
 GROUP BY s.series_id;
COMMENT ON VIEW stats.stale_series IS 'Every series with its latest release and whether it is stale: no release for longer than its frequency allows (monthly 62 days, quarterly 123, half-yearly 215, annual 15 months).';
COMMENT ON COLUMN stats.stale_series.last_period IS 'The latest period published.';
COMMENT ON COLUMN stats.stale_series.last_release IS 'The latest release of the series.';
COMMENT ON COLUMN stats.stale_series.age IS 'Time since the latest release.';
COMMENT ON COLUMN stats.stale_series.allowed IS 'How long the frequency allows between releases.';
COMMENT ON COLUMN stats.stale_series.stale IS 'True when age exceeds allowed.';

CREATE VIEW stats.quarantine_summary AS
SELECT coalesce(sender, '') AS sender, reason,
       (count(*) FILTER (WHERE replayed_at IS NULL))::int AS waiting,
       (count(*) FILTER (WHERE replayed_at IS NOT NULL))::int AS replayed,
       min(received_at) AS first_received, max(received_at) AS last_received
  FROM statpipe.quarantine
 GROUP BY 1, 2;
COMMENT ON VIEW stats.quarantine_summary IS 'Quarantined messages counted by sender and reason code: how many wait for a fix, how many were replayed.';
COMMENT ON COLUMN stats.quarantine_summary.sender IS 'The sender, when the message said (empty when it could not be read).';
COMMENT ON COLUMN stats.quarantine_summary.reason IS 'The contract''s reason code.';
COMMENT ON COLUMN stats.quarantine_summary.waiting IS 'Messages still in quarantine.';
COMMENT ON COLUMN stats.quarantine_summary.replayed IS 'Messages loaded by a replay.';
COMMENT ON COLUMN stats.quarantine_summary.first_received IS 'When the first of them arrived.';
COMMENT ON COLUMN stats.quarantine_summary.last_received IS 'When the last of them arrived.';

COMMENT ON COLUMN stats.annual_value.year IS 'The calendar year.';
COMMENT ON COLUMN stats.annual_value.sender IS 'The sender whose figures were used (the authoritative one when there is a choice).';
COMMENT ON COLUMN stats.annual_value.freq IS 'The frequency of the figures used.';
COMMENT ON COLUMN stats.national_check.year IS 'The calendar year.';
COMMENT ON COLUMN stats.regional_value.year IS 'The calendar year.';
COMMENT ON COLUMN stats.target_progress.plan IS 'The plan that sets the target (NISDO-2016 is the National Informatization Development Strategy Outline).';
COMMENT ON COLUMN stats.target_progress.target_year IS 'The year by which the target is to be reached.';
COMMENT ON COLUMN stats.target_progress.comparator IS '>= for a floor to reach, <= for a ceiling not to exceed.';
