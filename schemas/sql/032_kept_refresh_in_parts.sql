-- 032_kept_refresh_in_parts.sql: the kept values refreshed in parts, side by side.
--
-- The kept years of one (indicator, area) depend on each other (a year's growth is
-- computed from the year before it) and on no other pair's. statpipe.kept_bucket puts
-- every pair in one of 64 buckets, and statpipe.refresh_kept locks the buckets of the
-- pairs it recomputes: two refreshes of disjoint buckets run side by side, and two that
-- share one wait for each other. statpipe.refresh_stale(p_max_years, p_part, p_parts)
-- takes only the marks of the buckets whose number is p_part modulo p_parts, so p_parts
-- connections, one part each, refresh every marked year at once on as many cores.
-- `statpipe load` and the daemon's last refresh (`run -e`) do so with one part per
-- connection of the loader (load.connections).
--
-- A call with one argument or none, as before, takes every bucket.
--
-- refresh_kept deletes the rows of the years it recomputes from the two large kept tables
-- by index, year by year, so that a background refresh of a few hundred years reads their
-- rows only, not each whole table.

CREATE FUNCTION statpipe.kept_bucket(p_indicator text, p_ref_area text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog
RETURN hashtext(p_indicator || ' ' || p_ref_area) & 63;
COMMENT ON FUNCTION statpipe.kept_bucket(text, text) IS 'The bucket (0 to 63) of an (indicator, area) whose kept years are refreshed together: statpipe.refresh_kept locks the buckets it recomputes, and statpipe.refresh_stale takes the marks of a share of them.';

-- refresh_kept: one lock per bucket of its pairs; the deletes by index.
SELECT statpipe.redefine_function('statpipe.refresh_kept(text[], text[], int[])', ARRAY[
    ['DECLARE
    n_buckets int;
BEGIN',
     'BEGIN'],
    ['    -- One transaction at a time recomputes a kept year: the daemon''s lanes load series of
    -- the same indicator and area at once. Once its locks are held, each statement below
    -- sees what the transaction before committed (READ COMMITTED takes a snapshot per
    -- statement). A transaction locks its kept years'' buckets (1,024 of them) in one
    -- order, so two never wait for each other in a circle; one with more than 64 buckets
    -- (a bulk load) locks them all at once, so that no transaction holds more than 65
    -- locks. The years after the kept years are locked too: their growth is updated
    -- from the kept years below.
    SELECT count(DISTINCT b.bucket) INTO n_buckets
      FROM (SELECT hashtext(t.indicator || '' '' || t.ref_area || '' '' || (t.year + d.d)) & 1023
                       AS bucket
              FROM pg_temp.kept_slot t CROSS JOIN (VALUES (0), (1)) d (d)) b;
    IF n_buckets > 64 THEN
        PERFORM pg_advisory_xact_lock(hashtext(''statpipe.kept_year''), -1);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtext(''statpipe.kept_year''), -1);
        PERFORM pg_advisory_xact_lock(hashtext(''statpipe.kept_year''), b.bucket)
           FROM (SELECT DISTINCT hashtext(t.indicator || '' '' || t.ref_area || '' ''
                                          || (t.year + d.d)) & 1023 AS bucket
                   FROM pg_temp.kept_slot t CROSS JOIN (VALUES (0), (1)) d (d)
                  ORDER BY 1) b;
    END IF;',
     '    -- One transaction at a time recomputes the kept years of an (indicator, area): the
    -- growth of a year is updated from the year before it, and refreshes run side by side
    -- (the parts of one, the keepers of several daemons). Once its locks are held, each
    -- statement below sees what the transaction before committed (READ COMMITTED takes a
    -- snapshot per statement). A transaction locks the buckets of its pairs
    -- (statpipe.kept_bucket, 64 in all) in one order, so two never wait for each other in
    -- a circle, and none holds more than 64 locks.
    PERFORM pg_advisory_xact_lock(hashtext(''statpipe.kept_year''), b.bucket)
       FROM (SELECT DISTINCT statpipe.kept_bucket(t.indicator, t.ref_area) AS bucket
               FROM pg_temp.kept_slot t
              ORDER BY 1) b;'],
    ['    DELETE FROM statpipe.observation_latest_kept k USING pg_temp.kept_slot t
     WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area
       AND k.time_period >= t.year::text AND k.time_period < (t.year + 1)::text;
    DELETE FROM statpipe.period_value_kept k USING pg_temp.kept_slot t
     WHERE k.indicator = t.indicator AND k.ref_area = t.ref_area AND k.year = t.year;',
     '    -- The rows of the kept years, found per year through the indexes and deleted by
    -- their row ids: a join of the table with the years (never analysed) is planned as a
    -- scan of the whole table, whatever few years a background refresh recomputes.
    DELETE FROM statpipe.observation_latest_kept k
     WHERE k.ctid = ANY (ARRAY(
        SELECT x.ctid FROM pg_temp.kept_slot t
         CROSS JOIN LATERAL (
            SELECT x.ctid FROM statpipe.observation_latest_kept x
             WHERE x.indicator = t.indicator AND x.ref_area = t.ref_area
               AND x.time_period >= t.year::text AND x.time_period < (t.year + 1)::text
            OFFSET 0) x));
    DELETE FROM statpipe.period_value_kept k
     WHERE k.ctid = ANY (ARRAY(
        SELECT x.ctid FROM pg_temp.kept_slot t
         CROSS JOIN LATERAL (
            SELECT x.ctid FROM statpipe.period_value_kept x
             WHERE x.indicator = t.indicator AND x.ref_area = t.ref_area AND x.year = t.year
            OFFSET 0) x));']]);

-- refresh_stale takes a part of the buckets. The new signature keeps the old calls
-- (refresh_stale() and refresh_stale(n)) meaning what they meant: every bucket.
SELECT statpipe.redefine_function('statpipe.refresh_stale(int)', ARRAY[
    ['statpipe.refresh_stale(p_max_years integer DEFAULT NULL::integer)',
     'statpipe.refresh_stale(p_max_years integer DEFAULT NULL::integer,
    p_part integer DEFAULT 0, p_parts integer DEFAULT 1)'],
    ['BEGIN
    -- The marks this statement sees,',
     'BEGIN
    IF p_parts IS NULL OR p_parts < 1 OR p_parts > 64 OR p_part IS NULL OR p_part < 0
       OR p_part >= p_parts THEN
        RAISE EXCEPTION ''refresh_stale: part % of % is not a part: parts are 1 to 64, and part is 0 to parts - 1'',
            p_part, p_parts USING ERRCODE = ''invalid_parameter_value'';
    END IF;
    -- The marks of the part''s buckets this statement sees,'],
    ['two refreshes never wait for each other here; refresh_kept orders them per year);',
     'two refreshes never wait for each other here; refresh_kept orders them per bucket);'],
    ['          FROM statpipe.kept_stale s
           FOR UPDATE SKIP LOCKED)',
     '          FROM statpipe.kept_stale s
         WHERE statpipe.kept_bucket(s.indicator, s.ref_area) % p_parts = p_part
           FOR UPDATE SKIP LOCKED)']]);
DROP FUNCTION statpipe.refresh_stale(int);
COMMENT ON FUNCTION statpipe.refresh_stale(int, int, int) IS 'Recomputes the kept values of the kept years marked in statpipe.kept_stale (the marks committed when it starts; at most p_max_years of those years, NULL for all) and removes their marks; returns how many years it recomputed. With p_parts above 1 it takes only the (indicator, area) pairs whose statpipe.kept_bucket is p_part modulo p_parts, so that p_parts sessions, one part each, refresh side by side. The daemon calls it in the background and when it stops, `statpipe load` at its end; running it at any time, as often as wanted, changes no reader''s result.';
REVOKE EXECUTE ON FUNCTION statpipe.refresh_stale(int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION statpipe.refresh_stale(int, int, int) TO statpipe_loader;
REVOKE EXECUTE ON FUNCTION statpipe.kept_bucket(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION statpipe.kept_bucket(text, text) TO statpipe_loader;
