-- 017_kept_growth.sql: growth kept with the period values. Each kept period value holds its
-- previous period's value and the same period's value a year before, as stats.growth_of
-- computes them, so that stats.growth reads rows instead of sorting every period value of
-- what it is asked for.
--
-- The previous period of a year's first period and every same period a year ago lie in the
-- year before: a kept year's growth is computed with its own period values and those of
-- the year before, and is recomputed when either changes (a refreshed year updates the
-- growth of the year after). At query time it is what a reader would compute when
-- both years are current for the reader (statpipe.kept_year_now), or the year before has
-- no stored vintages; any other year's growth is computed by stats.growth_of.
--
-- stats.observation_latest reads the vintages of the years that are not current by index,
-- so that a full extract is planned as the scan of the kept rows that it is.

ALTER TABLE statpipe.period_value_kept
    ADD COLUMN previous_value numeric,
    ADD COLUMN year_ago_value numeric;
COMMENT ON COLUMN statpipe.period_value_kept.previous_value IS 'The shown value of the period just before, of the same sender, indicator, area and frequency, when both cover exactly one period of the frequency (stats.growth.previous_value); null where shown is false.';
COMMENT ON COLUMN statpipe.period_value_kept.year_ago_value IS 'The shown value covering the same months a year before, of the same sender, indicator, area and frequency (stats.growth.year_ago_value); null where shown is false.';

-- Recomputes the kept rows of the given (indicator, area, year) triples from
-- statpipe.vintage. The rules are those of stats.period_values_of,
-- stats.period_values_shown and stats.annual_values_of, applied to many series at once.
-- Windows partition by their text keys under COLLATE "C" (byte order): any order groups
-- the rows, and that one sorts fastest.
CREATE OR REPLACE FUNCTION statpipe.refresh_kept(p_indicator text[], p_ref_area text[], p_year int[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    n_buckets int;
BEGIN
    -- The triples, once each, in a table the statements below share.
    IF to_regclass('pg_temp.kept_slot') IS NULL THEN
        CREATE TEMP TABLE kept_slot (
            indicator text, ref_area text, year int, PRIMARY KEY (indicator, ref_area, year))
            ON COMMIT DELETE ROWS;
    END IF;
    DELETE FROM pg_temp.kept_slot;
    INSERT INTO pg_temp.kept_slot
    SELECT DISTINCT * FROM unnest(p_indicator, p_ref_area, p_year) u
     WHERE u IS NOT NULL;
    -- One transaction at a time recomputes a kept year: the daemon's lanes load series of
    -- the same indicator and area at once. Once its locks are held, each statement below
    -- sees what the transaction before committed (READ COMMITTED takes a snapshot per
    -- statement). A transaction locks its kept years' buckets (1,024 of them) in one
    -- order, so two never wait for each other in a circle; one with more than 64 buckets
    -- (a bulk load) locks them all at once, so that no transaction holds more than 65
    -- locks. The years after the kept years are locked too: their growth is updated
    -- from the kept years below.
    SELECT count(DISTINCT b.bucket) INTO n_buckets
      FROM (SELECT hashtext(t.indicator || ' ' || t.ref_area || ' ' || (t.year + d.d)) & 1023
                       AS bucket
              FROM pg_temp.kept_slot t CROSS JOIN (VALUES (0), (1)) d (d)) b;
    IF n_buckets > 64 THEN
        PERFORM pg_advisory_xact_lock(hashtext('statpipe.kept_year'), -1);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtext('statpipe.kept_year'), -1);
        PERFORM pg_advisory_xact_lock(hashtext('statpipe.kept_year'), b.bucket)
           FROM (SELECT DISTINCT hashtext(t.indicator || ' ' || t.ref_area || ' '
                                          || (t.year + d.d)) & 1023 AS bucket
                   FROM pg_temp.kept_slot t CROSS JOIN (VALUES (0), (1)) d (d)
                  ORDER BY 1) b;
    END IF;

    DELETE FROM statpipe.kept_year k USING pg_temp.kept_slot t
     WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area AND k.year = t.year;
    DELETE FROM statpipe.annual_value_kept k USING pg_temp.kept_slot t
     WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area AND k.year = t.year;
    DELETE FROM statpipe.observation_latest_kept k USING pg_temp.kept_slot t
     WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area
       AND k.time_period >= t.year::text AND k.time_period < (t.year + 1)::text;
    DELETE FROM statpipe.period_value_kept k USING pg_temp.kept_slot t
     WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area AND k.year = t.year;

    INSERT INTO statpipe.kept_year (indicator, ref_area, year, last_release, confidential)
    SELECT t.indicator, t.ref_area, t.year, max(v.valid_from), bool_or(v.audience <> 'A')
      FROM pg_temp.kept_slot t
      JOIN statpipe.series s ON s.indicator = t.indicator AND s.ref_area = t.ref_area
     CROSS JOIN LATERAL (
        SELECT v.valid_from, v.audience FROM statpipe.vintage v
         WHERE v.series_id = s.series_id
           AND v.time_period >= t.year::text AND v.time_period < (t.year + 1)::text
        OFFSET 0) v
     GROUP BY t.indicator, t.ref_area, t.year;

    INSERT INTO statpipe.observation_latest_kept (sender, indicator, ref_area, freq,
        calc_basis, time_period, period_start, period_end, value, unit, obs_status,
        conf_status, release, value_published, unit_published, unit_mult)
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           v.time_period, v.period_start, v.period_end, v.value, v.unit,
           v.obs_status, v.conf_status, v.valid_from, v.value_published, v.unit_published,
           v.unit_mult
      FROM pg_temp.kept_slot t
      JOIN statpipe.series s ON s.indicator = t.indicator AND s.ref_area = t.ref_area
     CROSS JOIN LATERAL (
        SELECT v.* FROM statpipe.vintage v
         WHERE v.series_id = s.series_id
           AND v.time_period >= t.year::text AND v.time_period < (t.year + 1)::text
           AND v.audience IN ('A', 'I') AND v.valid_to IS NULL AND NOT v.is_deleted
        OFFSET 0) v;

    INSERT INTO statpipe.period_value_kept (series_id, sender, indicator, ref_area, freq,
        calc_basis, time_period, year, period_start, period_end, value, unit, obs_status,
        conf_status, release, covered_from, covered_to, months_covered, shown, previous_value,
        year_ago_value)
    WITH cur AS (
        -- The current vintages as an internal reader sees them once all are public.
        SELECT s.series_id, s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis, t.year,
               v.time_period, v.period_start, v.period_end, v.value, v.unit, v.obs_status,
               v.conf_status, v.valid_from
          FROM pg_temp.kept_slot t
          JOIN statpipe.series s ON s.indicator = t.indicator AND s.ref_area = t.ref_area
         CROSS JOIN LATERAL (
            SELECT v.* FROM statpipe.vintage v
             WHERE v.series_id = s.series_id
               AND v.time_period >= t.year::text AND v.time_period < (t.year + 1)::text
               AND v.audience IN ('A', 'I') AND v.valid_to IS NULL AND NOT v.is_deleted
            OFFSET 0) v),
    live AS (
        SELECT c.*,
               array_agg(c.value) FILTER (WHERE c.value IS NOT NULL) OVER w AS before_values,
               array_agg(c.period_end) FILTER (WHERE c.value IS NOT NULL) OVER w AS before_ends,
               array_agg(c.valid_from) FILTER (WHERE c.value IS NOT NULL) OVER w
                   AS before_releases
          FROM cur c
        WINDOW w AS (PARTITION BY c.series_id, c.year ORDER BY c.period_end
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
    derived AS (
        SELECT l.*,
               CASE WHEN l.calc_basis = 'YTD'
                    THEN l.before_values[cardinality(l.before_values)] END AS prev_value,
               CASE WHEN l.calc_basis = 'YTD'
                    THEN l.before_ends[cardinality(l.before_ends)] END AS prev_end,
               CASE WHEN l.calc_basis = 'YTD'
                    THEN l.before_releases[cardinality(l.before_releases)] END AS prev_release
          FROM live l),
    pv AS (
        SELECT d.series_id, d.sender, d.indicator, d.ref_area, d.freq, d.calc_basis, d.year,
               d.time_period, d.period_start, d.period_end,
               CASE WHEN d.calc_basis = 'YTD' AND d.prev_end IS NOT NULL
                    THEN d.value - d.prev_value ELSE d.value END AS value,
               d.unit, d.obs_status, d.conf_status,
               greatest(d.valid_from, d.prev_release) AS release,
               f.covered_from, d.period_end AS covered_to,
               ((extract(year FROM d.period_end + 1) - extract(year FROM f.covered_from)) * 12
                + extract(month FROM d.period_end + 1) - extract(month FROM f.covered_from))::int
                   AS months_covered
          FROM derived d
         CROSS JOIN LATERAL (
            SELECT CASE WHEN d.calc_basis <> 'YTD' THEN d.period_start
                        WHEN d.prev_end IS NOT NULL THEN d.prev_end + 1
                        ELSE make_date(d.year, 1, 1) END AS covered_from) f),
    per_spans AS (
        -- What the PER series of the same sender, indicator, area and frequency cover in
        -- the year: a YTD-derived value overlapping any of it is hidden.
        SELECT p.*,
               array_agg(daterange(p.covered_from, p.covered_to, '[]'))
                   FILTER (WHERE p.calc_basis = 'PER')
                   OVER (PARTITION BY p.sender COLLATE "C", p.indicator COLLATE "C",
                                      p.ref_area COLLATE "C", p.freq COLLATE "C", p.year)
                   AS per_covered
          FROM pv p),
    fresh AS (
        SELECT p.*,
               NOT (p.calc_basis = 'YTD'
                    AND coalesce(daterange(p.covered_from, p.covered_to, '[]')
                                 && ANY (p.per_covered), false)) AS shown
          FROM per_spans p),
    -- The kept rows of the years next to the fresh ones that are not recomputed here: the
    -- year before, where a year's first previous period and every same period a year ago
    -- lie, and the year after, whose growth is recomputed from the fresh rows.
    near AS (
        SELECT k.*, d.d = 1 AS after
          FROM pg_temp.kept_slot t
         CROSS JOIN (VALUES (-1), (1)) d (d)
         CROSS JOIN LATERAL (
            SELECT k.* FROM statpipe.period_value_kept k
             WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area
               AND k.year = t.year + d.d
            OFFSET 0) k
         WHERE NOT EXISTS (SELECT 1 FROM pg_temp.kept_slot u
                            WHERE u.indicator = t.indicator AND u.ref_area = t.ref_area
                              AND u.year = t.year + d.d)),
    -- The shown values in sequence.
    seq AS (
        SELECT f.series_id, f.time_period, f.sender, f.indicator, f.ref_area, f.freq,
               f.covered_from, f.covered_to, f.months_covered, f.value
          FROM fresh f
         WHERE f.shown
        UNION ALL
        SELECT DISTINCT n.series_id, n.time_period, n.sender, n.indicator, n.ref_area, n.freq,
               n.covered_from, n.covered_to, n.months_covered, n.value
          FROM near n
         WHERE n.shown),
    -- Growth within one sender, indicator, area and frequency, as stats.growth_of: the
    -- covered spans of a group are disjoint (a YTD-derived value that overlaps a PER one is
    -- not shown), so the period just before is the previous row, and each span ends at a
    -- month end, so the same months a year before end twelve months earlier.
    grown AS (
        SELECT q.series_id, q.time_period,
               -- both values cover exactly one period of the frequency
               CASE WHEN q.months_covered = CASE q.freq WHEN 'M' THEN 1 WHEN 'Q' THEN 3
                                                        WHEN 'S' THEN 6 ELSE 12 END
                     AND lag(q.months_covered) OVER w = q.months_covered
                     AND lag(q.covered_to) OVER w = q.covered_from - 1
                    THEN lag(q.value) OVER w END AS previous_value,
               CASE WHEN first_value(q.months_covered) OVER y = q.months_covered
                    THEN first_value(q.value) OVER y END AS year_ago_value
          FROM seq q
        -- one sort serves both windows: months since year 0 of each span's last month
        WINDOW w AS (PARTITION BY q.sender COLLATE "C", q.indicator COLLATE "C",
                                  q.ref_area COLLATE "C", q.freq COLLATE "C"
                     ORDER BY (extract(year FROM q.covered_to) * 12
                               + extract(month FROM q.covered_to))::int),
               y AS (w RANGE BETWEEN 12 PRECEDING AND 12 PRECEDING))
    -- The fresh rows are inserted; the rows of the years after them, already kept, take
    -- their new growth where it changed.
    SELECT f.series_id, f.sender, f.indicator, f.ref_area, f.freq, f.calc_basis,
           f.time_period, f.year, f.period_start, f.period_end, f.value, f.unit,
           f.obs_status, f.conf_status, f.release, f.covered_from, f.covered_to,
           f.months_covered, f.shown, g.previous_value, g.year_ago_value
      FROM fresh f
      LEFT JOIN grown g ON g.series_id = f.series_id AND g.time_period = f.time_period
    UNION ALL
    SELECT n.series_id, n.sender, n.indicator, n.ref_area, n.freq, n.calc_basis,
           n.time_period, n.year, n.period_start, n.period_end, n.value, n.unit,
           n.obs_status, n.conf_status, n.release, n.covered_from, n.covered_to,
           n.months_covered, n.shown, g.previous_value, g.year_ago_value
      FROM near n
      LEFT JOIN grown g ON g.series_id = n.series_id AND g.time_period = n.time_period
     WHERE n.after AND n.shown
       AND (n.previous_value, n.year_ago_value)
           IS DISTINCT FROM (g.previous_value, g.year_ago_value)
    ON CONFLICT (series_id, time_period) DO UPDATE
       SET previous_value = excluded.previous_value, year_ago_value = excluded.year_ago_value
     WHERE (period_value_kept.previous_value, period_value_kept.year_ago_value)
           IS DISTINCT FROM (excluded.previous_value, excluded.year_ago_value);

    INSERT INTO statpipe.annual_value_kept (indicator, ref_area, year, value, unit, complete,
        months_covered, method, last_period, last_period_end, sender, freq, published_as,
        release)
    WITH pv AS (
        SELECT i.time_agg, coalesce(s.sender = i.authoritative_sender, false) AS auth, p.*
          FROM pg_temp.kept_slot t
          JOIN statpipe.series s ON s.indicator = t.indicator AND s.ref_area = t.ref_area
          JOIN statpipe.indicator i ON i.code = s.indicator
         CROSS JOIN LATERAL (
            SELECT p.* FROM statpipe.period_value_kept p
             WHERE p.series_id = s.series_id
               AND p.time_period >= t.year::text AND p.time_period < (t.year + 1)::text
            OFFSET 0) p),
    auth_year AS (
        SELECT pv.*,
               coalesce(bool_or(pv.auth AND pv.value IS NOT NULL)
                            OVER (PARTITION BY pv.indicator COLLATE "C",
                                              pv.ref_area COLLATE "C", pv.year), false)
                   AS auth_has_year
          FROM pv),
    -- The authoritative sender's figures in the years it has one; in other years everyone's.
    candidate AS (SELECT a.* FROM auth_year a WHERE a.auth OR NOT a.auth_has_year),
    per_series AS (
        SELECT c.indicator, c.ref_area, c.sender, c.freq, c.calc_basis, c.year, c.time_agg,
               sum(c.value) AS total,
               coalesce(sum(c.months_covered) FILTER (WHERE c.value IS NOT NULL), 0)::int
                   AS months,
               (array_agg(c.value ORDER BY c.period_end DESC)
                    FILTER (WHERE c.value IS NOT NULL))[1] AS last_value,
               (array_agg(c.time_period ORDER BY c.period_end DESC)
                    FILTER (WHERE c.value IS NOT NULL))[1] AS last_value_period,
               max(c.period_end) FILTER (WHERE c.value IS NOT NULL) AS last_value_end,
               (array_agg(c.time_period ORDER BY c.period_end DESC))[1] AS last_period,
               max(c.period_end) AS last_end,
               max(c.unit) AS unit, max(c.release) AS release
          FROM candidate c
         GROUP BY c.indicator, c.ref_area, c.sender, c.freq, c.calc_basis, c.year, c.time_agg),
    judged AS (
        SELECT f.*,
               CASE WHEN f.time_agg = 'sum' THEN f.total ELSE f.last_value END AS value,
               CASE WHEN f.time_agg = 'sum' THEN f.months = 12
                    ELSE f.last_value_end = make_date(f.year, 12, 31) END AS is_complete
          FROM per_series f)
    SELECT DISTINCT ON (j.indicator, j.ref_area, j.year) j.indicator, j.ref_area, j.year,
           j.value, j.unit, coalesce(j.is_complete, false),
           CASE WHEN j.time_agg = 'sum' THEN j.months END,
           CASE WHEN j.freq = 'A' THEN 'annual'
                WHEN j.time_agg = 'sum' THEN 'sum_of_periods' ELSE 'last_period' END,
           CASE WHEN j.time_agg = 'sum' THEN j.last_period ELSE j.last_value_period END,
           CASE WHEN j.time_agg = 'sum' THEN j.last_end ELSE j.last_value_end END,
           j.sender, j.freq, j.calc_basis, j.release
      FROM judged j
     ORDER BY j.indicator, j.ref_area, j.year, j.value IS NOT NULL DESC, j.is_complete DESC,
              j.freq = 'A' DESC, j.months DESC, j.calc_basis = 'PER' DESC, j.sender, j.freq;
END
$$;
COMMENT ON FUNCTION statpipe.refresh_kept(text[], text[], int[]) IS 'Recomputes statpipe.kept_year, statpipe.period_value_kept and statpipe.annual_value_kept for the given (indicator, area, year) triples from statpipe.vintage, and the growth columns of statpipe.period_value_kept in the years after them.';

-- Every kept year computed again, into emptied tables: a refresh of every row in place
-- would leave the tables half dead rows, and a full extract reading twice the pages.
CREATE TEMP TABLE kept_all ON COMMIT DROP AS
SELECT indicator, ref_area, year FROM statpipe.kept_year;
TRUNCATE statpipe.kept_year, statpipe.observation_latest_kept, statpipe.period_value_kept,
         statpipe.annual_value_kept;
SELECT statpipe.refresh_kept(array_agg(indicator), array_agg(ref_area), array_agg(year))
  FROM kept_all;

-- A security barrier, one SELECT over its UNION ALL, as the views of 016. The kept arm
-- leaves out the years that are not current and the years after them by NOT IN, a hashed
-- subplan over those few years; the other arm computes the growth of the groups that have
-- such a year by stats.growth_of, and keeps those years' rows.
CREATE OR REPLACE VIEW stats.growth WITH (security_barrier) AS
SELECT * FROM (
    SELECT p.sender, p.indicator, p.ref_area, p.freq, p.time_period, p.covered_from,
           p.covered_to, p.months_covered, p.value, p.unit, p.previous_value,
           CASE WHEN i.nature <> 'RATIO' AND p.previous_value > 0
                THEN p.value / p.previous_value - 1 END AS period_on_period,
           CASE WHEN i.nature = 'RATIO' THEN p.value - p.previous_value END
               AS period_on_period_points,
           p.year_ago_value,
           CASE WHEN i.nature <> 'RATIO' AND p.year_ago_value > 0
                THEN p.value / p.year_ago_value - 1 END AS year_on_year,
           CASE WHEN i.nature = 'RATIO' THEN p.value - p.year_ago_value END
               AS year_on_year_points
      FROM statpipe.period_value_kept p
      JOIN statpipe.indicator i ON i.code = p.indicator
     WHERE p.shown
       AND (p.indicator, p.ref_area, p.year) NOT IN (
               SELECT k.indicator, k.ref_area, k.year + d.d
                 FROM statpipe.kept_year_now k CROSS JOIN (VALUES (0), (1)) d (d)
                WHERE NOT k.current)
    UNION ALL
    SELECT g.sender, g.indicator, g.ref_area, g.freq, x.time_period, x.covered_from,
           x.covered_to, x.months_covered, x.value, x.unit, x.previous_value,
           x.period_on_period, x.period_on_period_points, x.year_ago_value, x.year_on_year,
           x.year_on_year_points
      FROM (SELECT DISTINCT s.sender, s.indicator, s.ref_area, s.freq
              FROM statpipe.series s
             -- IS TRUE keeps the test a filter on the series, run before the function
             WHERE (EXISTS (SELECT 1 FROM statpipe.kept_year_now k
                             WHERE k.indicator = s.indicator AND k.ref_area = s.ref_area
                               AND NOT k.current)) IS TRUE) g
     CROSS JOIN LATERAL stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now()) x
     WHERE EXISTS (SELECT 1 FROM statpipe.kept_year_now k
                    WHERE k.indicator = g.indicator AND k.ref_area = g.ref_area
                      AND NOT k.current
                      AND k.year IN (extract(year FROM x.covered_to)::int,
                                     extract(year FROM x.covered_to)::int - 1))) u;

-- The arm of stats.observation_latest that computes the years that are not current reads
-- each such year's vintages by index, in a nested loop over those years. A join is planned
-- as a scan of every vintage (never run, as it finds no year), an estimate that makes
-- PostgreSQL compile a full extract with JIT optimisation and doubles its time.
CREATE OR REPLACE VIEW stats.observation_latest WITH (security_barrier) AS
SELECT * FROM (
    SELECT l.sender, l.indicator, l.ref_area, l.freq, l.calc_basis, l.time_period, l.period_start,
           l.period_end, l.value, l.unit, l.obs_status, l.conf_status, l.release,
           l.value_published, l.unit_published, l.unit_mult
      FROM statpipe.observation_latest_kept l
     WHERE (l.indicator, l.ref_area, left(l.time_period, 4)::int) NOT IN (
               SELECT k.indicator, k.ref_area, k.year FROM statpipe.kept_year_now k
                WHERE NOT k.current)
    UNION ALL
    SELECT v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.time_period,
           v.period_start, v.period_end, v.value, v.unit, v.obs_status, v.conf_status,
           v.valid_from, v.value_published, v.unit_published, v.unit_mult
      FROM statpipe.kept_year_now k
     CROSS JOIN LATERAL (
        SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis, v.*
          FROM statpipe.series s
          JOIN statpipe.vintage v ON v.series_id = s.series_id
           AND v.time_period >= k.year::text AND v.time_period < (k.year + 1)::text
         WHERE s.indicator = k.indicator AND s.ref_area = k.ref_area
           AND v.audience IN ('A', (SELECT stats.reader_audience()))
           AND v.valid_from <= now() AND (v.valid_to IS NULL OR v.valid_to > now())
           AND NOT v.is_deleted
           AND NOT EXISTS (SELECT 1 FROM stats.suppressed_spans(now()) x
                            WHERE s.ref_area = 'CN' AND x.indicator = s.indicator
                              AND x.period_start <= v.period_end
                              AND x.period_end >= v.period_start)
        OFFSET 0) v
     WHERE NOT k.current) u;
