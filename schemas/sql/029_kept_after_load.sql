-- 029_kept_after_load.sql: the kept values (016, 017) are brought up to date after the
-- transactions that store observations, not inside them.
--
-- Recomputing a kept year (indicator, area, year) costs the whole year's vintages, and a
-- stream of batches touches the same years again and again: inside every loading
-- transaction it cost the daemon most of its time (bench/README.md). Instead, the
-- transaction that stores observations now records the kept years it touched in
-- statpipe.kept_stale, and statpipe.refresh_stale() recomputes them later, once for many
-- batches (the daemon calls it in the background and when it stops; `statpipe load` at its
-- end). A kept year with a mark is not current (statpipe.kept_year_now), so every view
-- computes it at query time from the vintages, as it does a year under embargo: readers
-- see exactly the same rows whether or not the kept values are up to date; only the time
-- to get them differs.
--
-- No lock is shared between the loaders and the refresh. A loader inserts a mark row of
-- its own for every kept year it touches, in its own transaction. statpipe.refresh_stale()
-- first deletes the marks it can see (committed before that statement began), then
-- recomputes their years with statements that begin later, so they see every transaction
-- whose mark was deleted. A loader still running keeps its mark, and the year stays stale
-- until the next refresh: a mark is never lost for data the refresh did not see.

CREATE TABLE statpipe.kept_stale (
    indicator  text NOT NULL REFERENCES statpipe.indicator (code)
                   ON UPDATE CASCADE ON DELETE CASCADE,
    ref_area   text NOT NULL REFERENCES statpipe.region (code)
                   ON UPDATE CASCADE ON DELETE CASCADE,
    year       int NOT NULL
);
CREATE INDEX kept_stale_year ON statpipe.kept_stale (indicator, ref_area, year);
COMMENT ON TABLE statpipe.kept_stale IS 'The kept years (indicator, area, year) whose kept values miss observations stored since they were computed: one row per storing transaction and year, deleted by statpipe.refresh_stale() as it recomputes them. The views compute a year with a row here at query time.';

-- The statement trigger of statpipe.observation keeps the vintages and marks the kept
-- years it touched.
SELECT statpipe.redefine_function('statpipe.observation_changed()', ARRAY[
    ['    PERFORM statpipe.refresh_kept(array_agg(k.indicator), array_agg(k.ref_area), array_agg(k.year))
       FROM (SELECT DISTINCT s.indicator, s.ref_area, left(c.time_period, 4)::int AS year
               FROM changed c JOIN statpipe.series s ON s.series_id = c.series_id) k;',
     '    INSERT INTO statpipe.kept_stale (indicator, ref_area, year)
    SELECT DISTINCT s.indicator, s.ref_area, left(c.time_period, 4)::int
      FROM changed c JOIN statpipe.series s ON s.series_id = c.series_id;']]);

-- TRUNCATE of statpipe.observation empties the marks with the kept tables.
SELECT statpipe.redefine_function('statpipe.observation_truncated()', ARRAY[
    ['    DELETE FROM statpipe.kept_year;',
     '    DELETE FROM statpipe.kept_year;
    DELETE FROM statpipe.kept_stale;']]);

CREATE FUNCTION statpipe.refresh_stale(p_max_years int DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    a_indicator text[];
    a_ref_area text[];
    a_year int[];
    n bigint;
BEGIN
    -- The marks this statement sees, less those another refresh is taking (SKIP LOCKED:
    -- two refreshes never wait for each other here; refresh_kept orders them per year);
    -- of their years at most p_max_years (NULL: all), every mark of each taken.
    WITH cand AS MATERIALIZED (
        SELECT s.ctid AS row_id, s.indicator, s.ref_area, s.year
          FROM statpipe.kept_stale s
           FOR UPDATE SKIP LOCKED),
    pick AS (
        SELECT DISTINCT c.indicator, c.ref_area, c.year
          FROM cand c
         ORDER BY c.year, c.indicator, c.ref_area
         LIMIT p_max_years),
    taken AS (
        DELETE FROM statpipe.kept_stale x
         USING cand c
          JOIN pick p ON p.indicator = c.indicator AND p.ref_area = c.ref_area
                     AND p.year = c.year
         WHERE x.ctid = c.row_id
        RETURNING x.indicator, x.ref_area, x.year),
    years AS (SELECT DISTINCT t.indicator, t.ref_area, t.year FROM taken t)
    SELECT array_agg(y.indicator), array_agg(y.ref_area), array_agg(y.year), count(*)
      INTO a_indicator, a_ref_area, a_year, n
      FROM years y;
    IF n > 0 THEN
        PERFORM statpipe.refresh_kept(a_indicator, a_ref_area, a_year);
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION statpipe.refresh_stale(int) IS 'Recomputes the kept values of the kept years marked in statpipe.kept_stale (the marks committed when it starts; at most p_max_years of those years, NULL for all) and removes their marks; returns how many years it recomputed. The daemon calls it in the background and when it stops, `statpipe load` at its end; running it at any time, as often as wanted, changes no reader''s result.';
REVOKE EXECUTE ON FUNCTION statpipe.refresh_stale(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION statpipe.refresh_stale(int) TO statpipe_loader;

-- A kept year is current only without a mark; a marked year that has no kept row yet (its
-- first observations are not refreshed) is listed too, not current, so that the views
-- compute it at query time.
CREATE OR REPLACE VIEW statpipe.kept_year_now AS
SELECT k.indicator, k.ref_area, k.year,
       k.last_release <= now()
       AND NOT EXISTS (SELECT 1 FROM statpipe.kept_stale x
                        WHERE x.indicator = k.indicator AND x.ref_area = k.ref_area
                          AND x.year = k.year)
       AND (NOT k.confidential OR (SELECT stats.sees_confidential()))
       AND NOT (k.ref_area = 'CN' AND EXISTS (
           SELECT 1 FROM stats.suppressed_spans(now()) x
            WHERE x.indicator = k.indicator AND x.period_start <= make_date(k.year, 12, 31)
              AND x.period_end >= make_date(k.year, 1, 1))) AS current
  FROM statpipe.kept_year k
UNION ALL
SELECT DISTINCT x.indicator, x.ref_area, x.year, false
  FROM statpipe.kept_stale x
 WHERE NOT EXISTS (SELECT 1 FROM statpipe.kept_year k
                    WHERE k.indicator = x.indicator AND k.ref_area = x.ref_area
                      AND k.year = x.year);
COMMENT ON VIEW statpipe.kept_year_now IS 'Per kept year, whether its kept values are what the connected reader sees now (current), or must be computed at query time: observations stored since they were computed (statpipe.kept_stale), a release still under embargo, a confidential figure the reader may not see, or a withheld national figure.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
