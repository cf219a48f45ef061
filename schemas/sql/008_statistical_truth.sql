-- 008_statistical_truth.sql: the statistics as a statistician works them out by hand.
--
-- Vintages: the table keeps every release that says something (the loader drops only a
-- true duplicate: the same release giving the same content again). A release's figure is
-- the last to arrive with that release; the views then collapse a run of releases with the
-- same content into one vintage, so that what they show does not depend on the order in
-- which releases arrived. Everything derived (period values, annual values, roll-ups,
-- growth, targets) is computed from those collapsed vintages.
--
-- The views and functions of 001, 004 and 005 are replaced whole: their column sets change
-- (new columns, and names that say what a number is), which CREATE OR REPLACE cannot do.
-- Nothing stored is touched.

DROP VIEW stats.target_progress, stats.national_check, stats.regional_value, stats.growth,
    stats.annual_value, stats.period_value, stats.revision, stats.observation_vintage,
    stats.observation_first, stats.observation_latest;
DROP FUNCTION stats.cagr(text, text, int, int), stats.annual_values_of(text, text),
    stats.period_values_of(bigint), stats.observation_asof(timestamptz);

-- ---- vintages ---------------------------------------------------------------------------

CREATE FUNCTION stats.series_vintages(p_series bigint, p_as_of timestamptz)
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, is_deleted boolean,
               valid_from timestamptz, valid_to timestamptz, vintage_no int,
               value_published text, unit_published text, unit_mult int, comment text,
               message_id text, obs_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH release_figure AS (
        -- What each release says of each period: the figure that arrived last with it.
        SELECT DISTINCT ON (o.time_period, o.release) o.*,
               CASE WHEN o.is_deleted THEN NULL ELSE o.value END AS c_value,
               CASE WHEN o.is_deleted THEN NULL ELSE o.obs_status END AS c_obs,
               CASE WHEN o.is_deleted THEN NULL ELSE o.conf_status END AS c_conf
          FROM statpipe.observation o
         WHERE o.series_id = p_series AND o.release <= least(p_as_of, now())
           AND (o.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
         ORDER BY o.time_period, o.release, o.obs_id DESC),
    marked AS (
        -- A release starts a vintage when its content differs from the release before.
        SELECT r.*,
               row_number() OVER w = 1
               OR lag(r.c_value) OVER w IS DISTINCT FROM r.c_value
               OR lag(r.c_obs) OVER w IS DISTINCT FROM r.c_obs
               OR lag(r.c_conf) OVER w IS DISTINCT FROM r.c_conf
               OR lag(r.is_deleted) OVER w IS DISTINCT FROM r.is_deleted AS starts
          FROM release_figure r
        WINDOW w AS (PARTITION BY r.time_period ORDER BY r.release))
    SELECT m.time_period, m.period_start, m.period_end, m.c_value, m.unit, m.obs_status,
           m.conf_status, m.is_deleted, m.release, lead(m.release) OVER w,
           (row_number() OVER w)::int,
           CASE WHEN m.is_deleted THEN NULL ELSE m.value_published END, m.unit_published,
           m.unit_mult, m.comment, m.message_id, m.obs_id
      FROM marked m
     WHERE m.starts
    WINDOW w AS (PARTITION BY m.time_period ORDER BY m.release)
$$;
COMMENT ON FUNCTION stats.series_vintages(bigint, timestamptz) IS 'The vintages of one series (statpipe.series.series_id) as known at p_as_of (never later than now): per period, the figure of each release (the last to arrive with it), with runs of releases that say the same (value, obs_status, conf_status, withdrawal) collapsed into one vintage valid from the first of them. The source of every view in schema stats.';

CREATE VIEW stats.observation_vintage AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       v.time_period, v.period_start, v.period_end,
       v.value, v.unit, v.obs_status, v.conf_status, v.is_deleted,
       v.valid_from, v.valid_to, v.vintage_no::bigint AS vintage_no,
       v.value_published, v.unit_published, v.unit_mult, v.comment, v.message_id, v.obs_id
  FROM statpipe.series s
 CROSS JOIN LATERAL stats.series_vintages(s.series_id, now()) v;
COMMENT ON VIEW stats.observation_vintage IS 'Every published vintage of every (series, period), in order: valid from its release until the next vintage''s release (valid_to NULL: still current). A release''s figure is the last to arrive with it (a same-release correction replaces, it does not revise); releases that repeat the figure before them (even in another unit) are not new vintages. The same messages give the same vintages in any order of arrival.';
COMMENT ON COLUMN stats.observation_vintage.value IS 'Value of this vintage in the canonical unit, exact; NULL for a missing value or a withdrawal.';
COMMENT ON COLUMN stats.observation_vintage.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.observation_vintage.is_deleted IS 'True when this vintage withdraws the figure (action delete).';
COMMENT ON COLUMN stats.observation_vintage.valid_from IS 'The release that first published this vintage''s content.';
COMMENT ON COLUMN stats.observation_vintage.valid_to IS 'The release of the next vintage, which replaced this one; NULL while this one is current.';
COMMENT ON COLUMN stats.observation_vintage.vintage_no IS '1 for the first publication of the period, 2 for the first revision, and so on.';
COMMENT ON COLUMN stats.observation_vintage.value_published IS 'The value exactly as the agency published it; NULL for a withdrawal.';
COMMENT ON COLUMN stats.observation_vintage.unit_published IS 'The unit exactly as the agency published it.';
COMMENT ON COLUMN stats.observation_vintage.comment IS 'The agency''s comment on the figure.';
COMMENT ON COLUMN stats.observation_vintage.message_id IS 'The message that carried this vintage (the last to arrive with its first release).';
COMMENT ON COLUMN stats.observation_vintage.obs_id IS 'The stored row of that message (statpipe.observation.obs_id).';

CREATE VIEW stats.observation_latest AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       v.time_period, v.period_start, v.period_end,
       v.value, v.unit, v.obs_status, v.conf_status, v.valid_from AS release,
       v.value_published, v.unit_published, v.unit_mult
  FROM statpipe.series s
 CROSS JOIN LATERAL stats.series_vintages(s.series_id, now()) v
 WHERE v.valid_to IS NULL AND NOT v.is_deleted;
COMMENT ON VIEW stats.observation_latest IS 'The current vintage of every (series, period): one row each, values exact in the canonical unit. Releases still in the future (embargo), withdrawn figures, and confidential figures (for readers outside statpipe_internal) are left out.';
COMMENT ON COLUMN stats.observation_latest.value IS 'Value in the canonical unit (CNY, bit/s, count, percent, GB), exact; NULL when the figure is published as missing.';
COMMENT ON COLUMN stats.observation_latest.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.observation_latest.release IS 'The release that first published the current value (a later release repeating it does not move it).';
COMMENT ON COLUMN stats.observation_latest.value_published IS 'The value exactly as the agency published it, before unit and unit_mult.';
COMMENT ON COLUMN stats.observation_latest.unit_published IS 'The unit exactly as the agency published it.';

CREATE VIEW stats.observation_first AS
SELECT DISTINCT ON (s.series_id, v.time_period)
       s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       v.time_period, v.period_start, v.period_end,
       v.value, v.unit, v.obs_status, v.conf_status, v.valid_from AS release,
       v.value_published, v.unit_published, v.unit_mult
  FROM statpipe.series s
 CROSS JOIN LATERAL stats.series_vintages(s.series_id, now()) v
 WHERE NOT v.is_deleted
 ORDER BY s.series_id, v.time_period, v.valid_from;
COMMENT ON VIEW stats.observation_first IS 'Every (series, period) as first published: the earliest release that gave it a figure (withdrawals are not publications), with that release''s own correction if it was re-sent. Compare with stats.observation_latest to see revisions.';
COMMENT ON COLUMN stats.observation_first.value IS 'Value as first published, in the canonical unit, exact.';
COMMENT ON COLUMN stats.observation_first.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.observation_first.release IS 'When the figure was first published.';
COMMENT ON COLUMN stats.observation_first.value_published IS 'The value exactly as the agency first published it.';
COMMENT ON COLUMN stats.observation_first.unit_published IS 'The unit exactly as the agency first published it.';

CREATE FUNCTION stats.observation_asof(as_of timestamptz)
RETURNS TABLE (sender text, indicator text, ref_area text, freq text, calc_basis text,
               time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               value_published text, unit_published text, unit_mult int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           v.time_period, v.period_start, v.period_end,
           v.value, v.unit, v.obs_status, v.conf_status, v.valid_from,
           v.value_published, v.unit_published, v.unit_mult
      FROM statpipe.series s
     CROSS JOIN LATERAL stats.series_vintages(s.series_id, as_of) v
     WHERE v.valid_to IS NULL AND NOT v.is_deleted
$$;
COMMENT ON FUNCTION stats.observation_asof(timestamptz) IS 'Every (series, period) as it was known at as_of: the vintage current at that time (releases after it, and after now, unknown), unless it was withdrawn by then. stats.observation_asof(now()) equals stats.observation_latest.';

CREATE VIEW stats.revision AS
SELECT r.sender, r.indicator, r.ref_area, r.freq, r.calc_basis, r.time_period, r.vintages,
       r.first_value, r.first_release, r.latest_value, r.latest_release,
       r.latest_value - r.first_value AS revision,
       CASE WHEN r.first_value <> 0 THEN r.latest_value / r.first_value - 1 END
           AS relative_revision,
       r.withdrawn
  FROM (SELECT v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.time_period,
               count(*)::int AS vintages,
               (array_agg(v.value ORDER BY v.vintage_no) FILTER (WHERE NOT v.is_deleted))[1]
                   AS first_value,
               (array_agg(v.valid_from ORDER BY v.vintage_no)
                    FILTER (WHERE NOT v.is_deleted))[1] AS first_release,
               (array_agg(v.value ORDER BY v.vintage_no DESC))[1] AS latest_value,
               max(v.valid_from) AS latest_release,
               bool_or(v.is_deleted AND v.valid_to IS NULL) AS withdrawn
          FROM stats.observation_vintage v
         GROUP BY v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.time_period) r;
COMMENT ON VIEW stats.revision IS 'Per series and period: how many vintages (a same-release correction and a repeated figure are not revisions), the first and the latest, and the revision between them (latest - first, and as a fraction of the first).';
COMMENT ON COLUMN stats.revision.vintages IS 'Number of vintages (stats.observation_vintage).';
COMMENT ON COLUMN stats.revision.first_value IS 'The value as first published.';
COMMENT ON COLUMN stats.revision.first_release IS 'When it was first published.';
COMMENT ON COLUMN stats.revision.latest_value IS 'The current value; NULL if withdrawn or published as missing.';
COMMENT ON COLUMN stats.revision.latest_release IS 'When the current vintage was published.';
COMMENT ON COLUMN stats.revision.revision IS 'latest_value - first_value.';
COMMENT ON COLUMN stats.revision.relative_revision IS 'latest_value / first_value - 1.';
COMMENT ON COLUMN stats.revision.withdrawn IS 'True when the figure is currently withdrawn.';

-- ---- period values ----------------------------------------------------------------------

CREATE FUNCTION stats.period_values_of(p_series bigint, p_as_of timestamptz DEFAULT now())
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               covered_from date, covered_to date, months_covered int)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH basis AS (SELECT s.calc_basis FROM statpipe.series s WHERE s.series_id = p_series),
    live AS (
        -- The figures with a value that come before each one in its year (a year has at
        -- most twelve periods).
        SELECT v.*, b.calc_basis,
               array_agg(v.value) FILTER (WHERE v.value IS NOT NULL) OVER w AS before_values,
               array_agg(v.period_end) FILTER (WHERE v.value IS NOT NULL) OVER w AS before_ends,
               array_agg(v.valid_from) FILTER (WHERE v.value IS NOT NULL) OVER w
                   AS before_releases
          FROM stats.series_vintages(p_series, p_as_of) v CROSS JOIN basis b
         WHERE v.valid_to IS NULL AND NOT v.is_deleted
        WINDOW w AS (PARTITION BY extract(year FROM v.period_end) ORDER BY v.period_end
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
    derived AS (
        -- A YTD figure is differenced against the last YTD figure of the same year that
        -- has a value: a month published as missing does not cut the year in two.
        SELECT l.*,
               CASE WHEN l.calc_basis = 'YTD'
                    THEN l.before_values[cardinality(l.before_values)] END AS prev_value,
               CASE WHEN l.calc_basis = 'YTD'
                    THEN l.before_ends[cardinality(l.before_ends)] END AS prev_end,
               CASE WHEN l.calc_basis = 'YTD'
                    THEN l.before_releases[cardinality(l.before_releases)] END AS prev_release
          FROM live l)
    SELECT d.time_period, d.period_start, d.period_end,
           CASE WHEN d.calc_basis = 'YTD' AND d.prev_end IS NOT NULL
                THEN d.value - d.prev_value ELSE d.value END,
           d.unit, d.obs_status, d.conf_status,
           greatest(d.valid_from, d.prev_release),
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
COMMENT ON FUNCTION stats.period_values_of(bigint, timestamptz) IS 'The period values of one series (statpipe.series.series_id) from its vintages current at p_as_of: PER figures as published, YTD figures differenced against the last earlier YTD figure of the same calendar year that has a value. Used by stats.period_value and stats.annual_value.';

CREATE VIEW stats.period_value AS
WITH p AS (
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis, pv.*
      FROM statpipe.series s
     CROSS JOIN LATERAL stats.period_values_of(s.series_id, now()) pv)
SELECT p.sender, p.indicator, p.ref_area, p.freq, p.time_period, p.period_start, p.period_end,
       p.value, p.unit, p.calc_basis AS published_as, p.covered_from, p.covered_to,
       p.months_covered, p.obs_status, p.conf_status, p.release
  FROM p
 WHERE p.calc_basis = 'PER'
UNION ALL
SELECT p.sender, p.indicator, p.ref_area, p.freq, p.time_period, p.period_start, p.period_end,
       p.value, p.unit, p.calc_basis, p.covered_from, p.covered_to,
       p.months_covered, p.obs_status, p.conf_status, p.release
  FROM p
 WHERE p.calc_basis = 'YTD'
   AND NOT EXISTS (SELECT 1 FROM p q
                    WHERE q.calc_basis = 'PER' AND q.sender = p.sender
                      AND q.indicator = p.indicator AND q.ref_area = p.ref_area
                      AND q.freq = p.freq AND q.covered_from <= p.covered_to
                      AND q.covered_to >= p.covered_from);
COMMENT ON VIEW stats.period_value IS 'The value of each period, per series: figures published for the period (PER) as they are; flows published year-to-date (YTD) differenced within the year: period(m) = YTD(m) - YTD(m-1), the first published month of a year is its YTD value. When months are missing (NBS publishes January and February together as YYYY-02) or published as missing (value NULL), the next value covers the gap and covered_from, covered_to and months_covered say so. When a sender publishes a series both PER and YTD, the PER figures are shown and a YTD-derived value that overlaps any of them is left out. Current vintages only; a revised YTD figure changes the periods on both sides.';
COMMENT ON COLUMN stats.period_value.value IS 'The value for covered_from..covered_to in the canonical unit, exact; NULL when the period is published as missing.';
COMMENT ON COLUMN stats.period_value.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.period_value.published_as IS 'PER when published for the period, YTD when derived from year-to-date figures.';
COMMENT ON COLUMN stats.period_value.covered_from IS 'First day the value covers (earlier than period_start when it spans unpublished or missing months).';
COMMENT ON COLUMN stats.period_value.covered_to IS 'Last day the value covers.';
COMMENT ON COLUMN stats.period_value.months_covered IS 'Number of months the value covers: 1 for a month, 2 for NBS''s combined January-February, 3 for a quarter, and so on.';
COMMENT ON COLUMN stats.period_value.release IS 'The latest release among the figures the value was computed from (each the release that first published its current value).';

-- ---- annual values ----------------------------------------------------------------------

CREATE FUNCTION stats.annual_values_of(p_indicator text, p_ref_area text,
                                       p_as_of timestamptz DEFAULT now())
RETURNS TABLE (year int, value numeric, unit text, sender text, freq text, published_as text,
               method text, months_covered int, complete boolean, last_period text,
               last_period_end date, release timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 20 SET search_path = pg_catalog SET jit = off AS $$
    WITH ind AS (SELECT * FROM statpipe.indicator WHERE code = p_indicator),
    ser AS (
        SELECT s.series_id, s.sender, s.freq, s.calc_basis,
               coalesce(s.sender = ind.authoritative_sender, false) AS auth
          FROM statpipe.series s CROSS JOIN ind
         WHERE s.indicator = p_indicator AND s.ref_area = p_ref_area),
    auth_pv AS (
        SELECT ser.sender, ser.freq, ser.calc_basis, p.*
          FROM ser CROSS JOIN LATERAL stats.period_values_of(ser.series_id, p_as_of) p
         WHERE ser.auth),
    auth_years AS (
        SELECT DISTINCT extract(year FROM a.period_end)::int AS yr
          FROM auth_pv a WHERE a.value IS NOT NULL),
    -- Other senders count only for the years the authoritative one has no figure for: a
    -- series is read only when the span of its years (its first and last period, two
    -- index probes) holds such a year.
    other_ser AS MATERIALIZED (
        SELECT ser.* FROM ser
         CROSS JOIN LATERAL (
             SELECT left(min(o.time_period), 4)::int AS y0, left(max(o.time_period), 4)::int AS y1
               FROM statpipe.observation o WHERE o.series_id = ser.series_id) span
         WHERE NOT ser.auth
           AND EXISTS (SELECT 1 FROM generate_series(span.y0, span.y1) y
                        WHERE y NOT IN (SELECT yr FROM auth_years))),
    pv AS (
        SELECT a.*, extract(year FROM a.period_end)::int AS yr FROM auth_pv a
        UNION ALL
        SELECT o.sender, o.freq, o.calc_basis, p.*, extract(year FROM p.period_end)::int
          FROM other_ser o CROSS JOIN LATERAL stats.period_values_of(o.series_id, p_as_of) p
         WHERE extract(year FROM p.period_end)::int NOT IN (SELECT yr FROM auth_years)),
    -- One candidate per series and year: a series never mixes bases, so its values never
    -- cover a month twice.
    per_series AS (
        SELECT pv.sender, pv.freq, pv.calc_basis, pv.yr, ind.time_agg,
               sum(pv.value) AS total,
               coalesce(sum(pv.months_covered) FILTER (WHERE pv.value IS NOT NULL), 0)::int
                   AS months,
               (array_agg(pv.value ORDER BY pv.period_end DESC)
                    FILTER (WHERE pv.value IS NOT NULL))[1] AS last_value,
               (array_agg(pv.time_period ORDER BY pv.period_end DESC)
                    FILTER (WHERE pv.value IS NOT NULL))[1] AS last_value_period,
               max(pv.period_end) FILTER (WHERE pv.value IS NOT NULL) AS last_value_end,
               (array_agg(pv.time_period ORDER BY pv.period_end DESC))[1] AS last_period,
               max(pv.period_end) AS last_end,
               max(pv.unit) AS unit, max(pv.release) AS release
          FROM pv CROSS JOIN ind
         GROUP BY pv.sender, pv.freq, pv.calc_basis, pv.yr, ind.time_agg),
    judged AS (
        SELECT f.*,
               CASE WHEN f.time_agg = 'sum' THEN f.total ELSE f.last_value END AS value,
               CASE WHEN f.time_agg = 'sum' THEN f.months = 12
                    ELSE f.last_value_end = make_date(f.yr, 12, 31) END AS is_complete
          FROM per_series f)
    SELECT DISTINCT ON (j.yr) j.yr, j.value, j.unit, j.sender, j.freq, j.calc_basis,
           CASE WHEN j.freq = 'A' THEN 'annual'
                WHEN j.time_agg = 'sum' THEN 'sum_of_periods' ELSE 'last_period' END,
           CASE WHEN j.time_agg = 'sum' THEN j.months END,
           coalesce(j.is_complete, false),
           CASE WHEN j.time_agg = 'sum' THEN j.last_period ELSE j.last_value_period END,
           CASE WHEN j.time_agg = 'sum' THEN j.last_end ELSE j.last_value_end END,
           j.release
      FROM judged j
     -- The authoritative sender's years come only from it (pv), so what is left to choose
     -- between is its own series, or other senders' where it has no figure.
     ORDER BY j.yr, j.value IS NOT NULL DESC, j.is_complete DESC, j.freq = 'A' DESC,
              j.months DESC, j.calc_basis = 'PER' DESC, j.sender, j.freq
$$;
COMMENT ON FUNCTION stats.annual_values_of(text, text, timestamptz) IS 'The annual values of one indicator in one area as known at p_as_of (default now), one row per year: see stats.annual_value.';

CREATE VIEW stats.annual_value AS
SELECT ia.indicator, ia.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
       a.method, a.last_period, a.last_period_end, a.sender, a.freq, a.published_as, a.release
  FROM (SELECT DISTINCT indicator, ref_area FROM statpipe.series) ia
 CROSS JOIN LATERAL stats.annual_values_of(ia.indicator, ia.ref_area, now()) a;
COMMENT ON VIEW stats.annual_value IS 'One value per indicator, area and year, by the catalogue''s rules, each from one series: flows (time_agg sum) sum the period values of the year (a year-to-date December figure gives the same), stocks and ratios (time_agg last) take the last period of the year that has a value; ratios are never summed. Per year, the authoritative sender''s figure is used when it has one for that year; others fill in the years where it has none; among the rest a complete year, an annual figure and more months are preferred.';
COMMENT ON COLUMN stats.annual_value.year IS 'The calendar year.';
COMMENT ON COLUMN stats.annual_value.value IS 'The annual value in the canonical unit, exact.';
COMMENT ON COLUMN stats.annual_value.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.annual_value.complete IS 'True for a flow whose values cover all 12 months, or a stock or ratio whose value is the level at 31 December.';
COMMENT ON COLUMN stats.annual_value.months_covered IS 'Months of the year the values of a flow cover; NULL for stocks and ratios, whose annual value is a level, not a sum over months.';
COMMENT ON COLUMN stats.annual_value.method IS 'annual (published for the year), sum_of_periods (flows) or last_period (stocks and ratios).';
COMMENT ON COLUMN stats.annual_value.last_period IS 'The last period the value draws on.';
COMMENT ON COLUMN stats.annual_value.last_period_end IS 'The last day of last_period: when a stock or ratio was measured.';
COMMENT ON COLUMN stats.annual_value.sender IS 'The sender whose figures were used (the authoritative one when it has a figure for the year).';
COMMENT ON COLUMN stats.annual_value.freq IS 'The frequency of the figures used.';
COMMENT ON COLUMN stats.annual_value.published_as IS 'PER or YTD: the basis of the series used.';
COMMENT ON COLUMN stats.annual_value.release IS 'The latest release among the figures used.';

CREATE FUNCTION stats.cagr(p_indicator text, p_ref_area text, p_from_year int, p_to_year int)
RETURNS numeric LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT CASE WHEN p_to_year > p_from_year AND f.value > 0 AND t.value > 0
                THEN power(t.value / f.value, 1.0 / (p_to_year - p_from_year)) - 1 END
      FROM stats.annual_values_of(p_indicator, p_ref_area) f,
           stats.annual_values_of(p_indicator, p_ref_area) t
     WHERE f.year = p_from_year AND t.year = p_to_year AND f.complete AND t.complete
$$;
COMMENT ON FUNCTION stats.cagr(text, text, int, int) IS 'Compound annual growth rate of an indicator in an area between two years'' annual values: (to / from) ^ (1 / years) - 1, as a fraction. NULL when either year is missing, incomplete (a flow short of 12 months, a level not measured at 31 December) or not positive.';

-- ---- regional roll-ups ------------------------------------------------------------------

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
                    -- A province contributes its weight only with a value of its own.
                    WHEN 'weighted' THEN sum(value * weight_value)
                         / nullif(sum(weight_value) FILTER (WHERE value IS NOT NULL), 0)
               END AS value,
               (count(*) FILTER (WHERE value IS NOT NULL
                    AND (space_agg <> 'weighted' OR weight_value IS NOT NULL)))::int AS provinces,
               bool_and(complete AND value IS NOT NULL
                        AND (space_agg <> 'weighted' OR weight_value IS NOT NULL))
                   AS all_complete,
               CASE min(space_agg) WHEN 'sum' THEN 'sum'
                    WHEN 'weighted' THEN 'weighted by ' || min(weight) END AS method
          FROM prov
         WHERE space_agg <> 'none'
         GROUP BY GROUPING SETS ((indicator, year, region_group), (indicator, year))) g
  JOIN expected e ON e.region_group = g.region_group;
COMMENT ON VIEW stats.regional_value IS 'Annual values of the regional groups (East, Central, West, Northeast) and of all provinces together (ALL), computed from the provinces'' annual values by the indicator''s space_agg: sum, or for ratios the mean weighted by the weight indicator (HOUSEHOLDS or POPULATION) of the same province and year, over the provinces that have both a value and a weight. Indicators with space_agg none are not rolled up.';
COMMENT ON COLUMN stats.regional_value.year IS 'The calendar year.';
COMMENT ON COLUMN stats.regional_value.region_group IS 'East, Central, West, Northeast, or ALL for every province in the national total.';
COMMENT ON COLUMN stats.regional_value.value IS 'The roll-up in the canonical unit: a sum, or a weighted mean for ratios.';
COMMENT ON COLUMN stats.regional_value.provinces IS 'Provinces that contributed (with a value, and a weight for weighted ratios).';
COMMENT ON COLUMN stats.regional_value.provinces_expected IS 'Provinces in the group.';
COMMENT ON COLUMN stats.regional_value.complete IS 'True when every province of the group contributed a complete year.';
COMMENT ON COLUMN stats.regional_value.method IS 'sum, or weighted by the named indicator.';

CREATE VIEW stats.national_check AS
SELECT n.indicator, n.year, n.value AS published_national, p.value AS provinces_rollup,
       p.method AS rollup_method, p.provinces, p.provinces_expected,
       p.value - n.value AS difference,
       CASE WHEN n.value <> 0 THEN p.value / n.value - 1 END AS relative_difference
  FROM stats.annual_value n
  JOIN stats.regional_value p
    ON p.indicator = n.indicator AND p.year = n.year AND p.region_group = 'ALL'
 WHERE n.ref_area = 'CN';
COMMENT ON VIEW stats.national_check IS 'The published national figure against the roll-up of the provinces, per indicator and year: a large relative difference points to missing provinces or inconsistent sources.';
COMMENT ON COLUMN stats.national_check.year IS 'The calendar year.';
COMMENT ON COLUMN stats.national_check.published_national IS 'The annual value published for CN.';
COMMENT ON COLUMN stats.national_check.provinces_rollup IS 'The roll-up of the provinces by rollup_method: their sum, or for ratios their weighted mean.';
COMMENT ON COLUMN stats.national_check.rollup_method IS 'sum, or weighted by the named indicator.';
COMMENT ON COLUMN stats.national_check.provinces IS 'Provinces that contributed.';
COMMENT ON COLUMN stats.national_check.provinces_expected IS 'Provinces in the national total.';
COMMENT ON COLUMN stats.national_check.difference IS 'provinces_rollup - published_national.';
COMMENT ON COLUMN stats.national_check.relative_difference IS 'provinces_rollup / published_national - 1.';

-- ---- growth -----------------------------------------------------------------------------

CREATE VIEW stats.growth AS
WITH pv AS (
    SELECT pv.*, i.nature,
           pv.months_covered = CASE pv.freq WHEN 'M' THEN 1 WHEN 'Q' THEN 3 WHEN 'S' THEN 6
                                            ELSE 12 END AS one_period
      FROM stats.period_value pv JOIN statpipe.indicator i ON i.code = pv.indicator)
SELECT c.sender, c.indicator, c.ref_area, c.freq, c.time_period, c.covered_from, c.covered_to,
       c.months_covered, c.value, c.unit,
       p.value AS previous_value,
       CASE WHEN c.nature <> 'RATIO' AND p.value > 0 THEN c.value / p.value - 1 END
           AS period_on_period,
       CASE WHEN c.nature = 'RATIO' THEN c.value - p.value END AS period_on_period_points,
       y.value AS year_ago_value,
       CASE WHEN c.nature <> 'RATIO' AND y.value > 0 THEN c.value / y.value - 1 END
           AS year_on_year,
       CASE WHEN c.nature = 'RATIO' THEN c.value - y.value END AS year_on_year_points
  FROM pv c
  LEFT JOIN pv p
    ON p.sender = c.sender AND p.indicator = c.indicator AND p.ref_area = c.ref_area
   AND p.freq = c.freq AND p.covered_to = c.covered_from - 1
   AND c.one_period AND p.one_period
  LEFT JOIN pv y
    ON y.sender = c.sender AND y.indicator = c.indicator AND y.ref_area = c.ref_area
   AND y.freq = c.freq AND y.covered_to = (c.covered_to + 1 - interval '1 year')::date - 1
   AND y.months_covered = c.months_covered;
COMMENT ON VIEW stats.growth IS 'Growth of period values: period on period (against the period just before; only between values that each cover exactly one period of the series'' frequency, so a month is compared with a month, never a span that covers a gap) and year on year (against the same months a year before). Flows and stocks grow as a fraction (0.05 is 5 %), NULL on a zero or negative base; ratios change in percentage points. NULL when there is nothing comparable.';
COMMENT ON COLUMN stats.growth.value IS 'The period value (stats.period_value), canonical unit.';
COMMENT ON COLUMN stats.growth.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.growth.previous_value IS 'The value of the period just before, when both cover exactly one period.';
COMMENT ON COLUMN stats.growth.period_on_period IS 'value / previous_value - 1, for flows and stocks on a positive base.';
COMMENT ON COLUMN stats.growth.period_on_period_points IS 'value - previous_value in percentage points, for ratios.';
COMMENT ON COLUMN stats.growth.year_ago_value IS 'The value of the same months a year before.';
COMMENT ON COLUMN stats.growth.year_on_year IS 'value / year_ago_value - 1, for flows and stocks on a positive base.';
COMMENT ON COLUMN stats.growth.year_on_year_points IS 'value - year_ago_value in percentage points, for ratios.';
COMMENT ON COLUMN stats.growth.covered_from IS 'First day the value covers.';
COMMENT ON COLUMN stats.growth.covered_to IS 'Last day the value covers.';
COMMENT ON COLUMN stats.growth.months_covered IS 'Months the value covers.';
