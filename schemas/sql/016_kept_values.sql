-- 016_kept_values.sql: the latest observations, period values and annual values kept in
-- tables by the transaction that stores the observations they come from, so that a
-- dashboard's query for one indicator, one series or one year reads rows instead of
-- deriving every series' values first, and a full extract reads only current rows.
--
-- A period value and an annual value depend only on the vintages of their own indicator,
-- area and calendar year (a year-to-date figure is differenced within its year; a PER
-- figure hides an overlapping YTD-derived one of the same year; an annual value sums or
-- takes the last of its year). So the kept rows are computed per (indicator, area, year),
-- a "kept year", from every current vintage of it, as an internal reader sees them once
-- every stored release is public. At query time a kept year's rows are exactly what the
-- reader would compute when (statpipe.kept_year_now.current):
--   - every release of the year is public by now (none under embargo),
--   - the reader sees confidential figures, or the year has none,
--   - and it is not a national figure a public reader has withheld (secondary suppression).
-- Any other kept year is computed at query time by the functions of 008 and 014, so the
-- views show the same rows either way; only the time to get them differs.
--
-- A kept year is recomputed by the trigger that keeps statpipe.vintage, in the same
-- statement, and when an indicator's aggregation rules or authoritative sender change; a
-- renamed series key is copied along: the tables are never stale. The migration fills
-- them from what is stored.
--
-- Time periods in the contract (2023, 2023-S1, 2023-Q3, 2023-07, 2023-M07) begin with the
-- year they end in, so a kept year's vintages are found by a range of time_period.

CREATE TABLE statpipe.kept_year (
    indicator     text NOT NULL REFERENCES statpipe.indicator (code) ON UPDATE CASCADE,
    ref_area      text NOT NULL REFERENCES statpipe.region (code) ON UPDATE CASCADE,
    year          int NOT NULL,
    last_release  timestamptz NOT NULL,
    confidential  boolean NOT NULL,
    PRIMARY KEY (indicator, ref_area, year)
);
COMMENT ON TABLE statpipe.kept_year IS 'One row per indicator, area and year with stored vintages: the latest release among them (the kept values hold only once it is public) and whether any is confidential (the kept values are an internal reader''s). The kept values are statpipe.observation_latest_kept, statpipe.period_value_kept and statpipe.annual_value_kept.';

CREATE TABLE statpipe.observation_latest_kept (
    sender           text NOT NULL,
    indicator        text NOT NULL,
    ref_area         text NOT NULL,
    freq             text NOT NULL,
    calc_basis       text NOT NULL,
    time_period      text NOT NULL,
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    value            numeric,
    unit             text NOT NULL,
    obs_status       text NOT NULL,
    conf_status      text NOT NULL,
    release          timestamptz NOT NULL,
    value_published  text,
    unit_published   text NOT NULL,
    unit_mult        int NOT NULL,
    PRIMARY KEY (indicator, ref_area, time_period, sender, freq, calc_basis)
);
COMMENT ON TABLE statpipe.observation_latest_kept IS 'The current vintage of every (series, period) that is not withdrawn, kept per statpipe.kept_year: stats.observation_latest for an internal reader once every stored release is public. Its columns are those of stats.observation_latest in the same order, so that a full extract passes its rows on as they are stored; the series'' key is copied from statpipe.series and follows it when it changes.';

CREATE TABLE statpipe.period_value_kept (
    series_id       bigint NOT NULL REFERENCES statpipe.series (series_id),
    sender           text NOT NULL,
    indicator        text NOT NULL,
    ref_area         text NOT NULL,
    freq             text NOT NULL,
    calc_basis       text NOT NULL,
    time_period     text NOT NULL,
    year            int NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    value           numeric,
    unit            text NOT NULL,
    obs_status      text NOT NULL,
    conf_status     text NOT NULL,
    release         timestamptz NOT NULL,
    covered_from    date NOT NULL,
    covered_to      date NOT NULL,
    months_covered  int NOT NULL,
    shown           boolean NOT NULL,
    PRIMARY KEY (series_id, time_period)
);
COMMENT ON TABLE statpipe.period_value_kept IS 'stats.period_values_of of every series, kept per statpipe.kept_year, with the series'' key copied as in statpipe.observation_latest_kept; shown is false for a YTD-derived value that an overlapping PER value of the same sender, indicator, area and frequency hides in stats.period_value.';
CREATE INDEX period_value_kept_year ON statpipe.period_value_kept (indicator, ref_area, year);

CREATE TABLE statpipe.annual_value_kept (
    indicator        text NOT NULL REFERENCES statpipe.indicator (code) ON UPDATE CASCADE,
    ref_area         text NOT NULL REFERENCES statpipe.region (code) ON UPDATE CASCADE,
    year             int NOT NULL,
    value            numeric,
    unit             text,
    complete         boolean NOT NULL,
    months_covered   int,
    method           text NOT NULL,
    last_period      text,
    last_period_end  date,
    sender           text NOT NULL,
    freq             text NOT NULL,
    published_as     text NOT NULL,
    release          timestamptz,
    PRIMARY KEY (indicator, ref_area, year)
);
COMMENT ON TABLE statpipe.annual_value_kept IS 'stats.annual_values_of of every indicator and area, kept per statpipe.kept_year.';
CREATE INDEX annual_value_kept_year ON statpipe.annual_value_kept (year);

-- Recomputes the kept rows of the given (indicator, area, year) triples from
-- statpipe.vintage. The rules are those of stats.period_values_of,
-- stats.period_values_shown and stats.annual_values_of, applied to many series at once.
CREATE FUNCTION statpipe.refresh_kept(p_indicator text[], p_ref_area text[], p_year int[])
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
    -- locks.
    SELECT count(DISTINCT b.bucket) INTO n_buckets
      FROM (SELECT hashtext(t.indicator || ' ' || t.ref_area || ' ' || t.year) & 1023
                       AS bucket
              FROM pg_temp.kept_slot t) b;
    IF n_buckets > 64 THEN
        PERFORM pg_advisory_xact_lock(hashtext('statpipe.kept_year'), -1);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtext('statpipe.kept_year'), -1);
        PERFORM pg_advisory_xact_lock(hashtext('statpipe.kept_year'), b.bucket)
           FROM (SELECT DISTINCT hashtext(t.indicator || ' ' || t.ref_area || ' ' || t.year)
                                 & 1023 AS bucket
                   FROM pg_temp.kept_slot t ORDER BY 1) b;
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
        conf_status, release, covered_from, covered_to, months_covered, shown)
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
                   OVER (PARTITION BY p.sender, p.indicator, p.ref_area, p.freq, p.year)
                   AS per_covered
          FROM pv p)
    SELECT p.series_id, p.sender, p.indicator, p.ref_area, p.freq, p.calc_basis,
           p.time_period, p.year, p.period_start, p.period_end, p.value, p.unit,
           p.obs_status, p.conf_status, p.release, p.covered_from, p.covered_to,
           p.months_covered,
           NOT (p.calc_basis = 'YTD'
                AND coalesce(daterange(p.covered_from, p.covered_to, '[]') && ANY (p.per_covered),
                             false))
      FROM per_spans p;

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
                            OVER (PARTITION BY pv.indicator, pv.ref_area, pv.year), false)
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
COMMENT ON FUNCTION statpipe.refresh_kept(text[], text[], int[]) IS 'Recomputes statpipe.kept_year, statpipe.period_value_kept and statpipe.annual_value_kept for the given (indicator, area, year) triples from statpipe.vintage.';

-- The vintage trigger refreshes the kept years of the periods a statement touched.
CREATE OR REPLACE FUNCTION statpipe.observation_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    PERFORM statpipe.refresh_vintages(array_agg(c.series_id), array_agg(c.time_period))
       FROM changed c;
    PERFORM statpipe.refresh_kept(array_agg(k.indicator), array_agg(k.ref_area), array_agg(k.year))
       FROM (SELECT DISTINCT s.indicator, s.ref_area, left(c.time_period, 4)::int AS year
               FROM changed c JOIN statpipe.series s ON s.series_id = c.series_id) k;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.observation_changed() IS 'Keeps statpipe.vintage and the kept values (statpipe.kept_year) in step with statpipe.observation: refreshes the periods a statement inserted or deleted, and their indicators'' areas and years, in its transaction.';

CREATE OR REPLACE FUNCTION statpipe.observation_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    -- DELETE, not TRUNCATE: a TRUNCATE ... CASCADE of observation and series has already
    -- emptied the tables in this statement, and TRUNCATE cannot run on a table in use.
    DELETE FROM statpipe.vintage;
    DELETE FROM statpipe.observation_latest_kept;
    DELETE FROM statpipe.period_value_kept;
    DELETE FROM statpipe.annual_value_kept;
    DELETE FROM statpipe.kept_year;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.observation_truncated() IS 'Empties statpipe.vintage and the kept values when statpipe.observation is truncated.';

-- An indicator's annual values follow its time_agg and authoritative_sender.
CREATE FUNCTION statpipe.indicator_rules_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    PERFORM statpipe.refresh_kept(array_agg(k.indicator), array_agg(k.ref_area), array_agg(k.year))
       FROM statpipe.kept_year k
      WHERE k.indicator IN (SELECT n.code FROM new_rows n JOIN old_rows o ON o.code = n.code
                             WHERE n.time_agg IS DISTINCT FROM o.time_agg
                                OR n.authoritative_sender IS DISTINCT FROM o.authoritative_sender);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.indicator_rules_changed() IS 'Recomputes the kept annual values of the indicators whose time_agg or authoritative_sender an UPDATE changed.';
CREATE TRIGGER kept_indicator_rules AFTER UPDATE ON statpipe.indicator
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statpipe.indicator_rules_changed();

-- The copied series keys follow statpipe.series (an indicator or region code renamed in
-- the catalogue cascades to it).
CREATE FUNCTION statpipe.series_key_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE statpipe.observation_latest_kept k
       SET sender = n.sender, indicator = n.indicator, ref_area = n.ref_area, freq = n.freq,
           calc_basis = n.calc_basis
      FROM old_rows o JOIN new_rows n ON n.series_id = o.series_id
     WHERE (k.sender, k.indicator, k.ref_area, k.freq, k.calc_basis)
           = (o.sender, o.indicator, o.ref_area, o.freq, o.calc_basis)
       AND (o.sender, o.indicator, o.ref_area, o.freq, o.calc_basis)
           IS DISTINCT FROM (n.sender, n.indicator, n.ref_area, n.freq, n.calc_basis);
    UPDATE statpipe.period_value_kept k
       SET sender = n.sender, indicator = n.indicator, ref_area = n.ref_area, freq = n.freq,
           calc_basis = n.calc_basis
      FROM new_rows n
     WHERE k.series_id = n.series_id
       AND (k.sender, k.indicator, k.ref_area, k.freq, k.calc_basis)
           IS DISTINCT FROM (n.sender, n.indicator, n.ref_area, n.freq, n.calc_basis);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.series_key_changed() IS 'Copies a changed series key into statpipe.observation_latest_kept and statpipe.period_value_kept.';
CREATE TRIGGER kept_series_key AFTER UPDATE ON statpipe.series
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statpipe.series_key_changed();

-- Whether each kept year's rows are what the connected reader sees now.
CREATE VIEW statpipe.kept_year_now AS
SELECT k.indicator, k.ref_area, k.year,
       k.last_release <= now()
       AND (NOT k.confidential OR (SELECT stats.sees_confidential()))
       AND NOT (k.ref_area = 'CN' AND EXISTS (
           SELECT 1 FROM stats.suppressed_spans(now()) x
            WHERE x.indicator = k.indicator AND x.period_start <= make_date(k.year, 12, 31)
              AND x.period_end >= make_date(k.year, 1, 1))) AS current
  FROM statpipe.kept_year k;
COMMENT ON VIEW statpipe.kept_year_now IS 'Per kept year, whether its kept values are what the connected reader sees now (current), or must be computed at query time: a release still under embargo, a confidential figure the reader may not see, or a withheld national figure.';

SELECT statpipe.refresh_kept(array_agg(indicator), array_agg(ref_area), array_agg(year))
  FROM (SELECT DISTINCT s.indicator, s.ref_area, left(v.time_period, 4)::int AS year
          FROM statpipe.vintage v JOIN statpipe.series s ON s.series_id = v.series_id) k;

-- The views that read the kept tables are security barriers, and each is one SELECT over
-- its UNION ALL: a UNION ALL at the top of a view is flattened into its arms, and a
-- reader's function in a WHERE clause would reach the arms' rows before their filters.
-- A kept arm leaves out the kept years that are not current by NOT IN, a hashed subplan
-- over those few years: as an anti-join the planner may walk the kept rows in index order.
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
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           v.time_period, v.period_start, v.period_end,
           v.value, v.unit, v.obs_status, v.conf_status, v.valid_from,
           v.value_published, v.unit_published, v.unit_mult
      FROM statpipe.kept_year_now k
      JOIN statpipe.series s ON s.indicator = k.indicator AND s.ref_area = k.ref_area
      JOIN statpipe.vintage v ON v.series_id = s.series_id
       AND v.time_period >= k.year::text AND v.time_period < (k.year + 1)::text
     WHERE NOT k.current
       AND v.audience IN ('A', (SELECT stats.reader_audience()))
       AND v.valid_from <= now() AND (v.valid_to IS NULL OR v.valid_to > now())
       AND NOT v.is_deleted
       AND NOT EXISTS (SELECT 1 FROM stats.suppressed_spans(now()) x
                        WHERE s.ref_area = 'CN' AND x.indicator = s.indicator
                          AND x.period_start <= v.period_end AND x.period_end >= v.period_start)) u;

CREATE OR REPLACE VIEW stats.period_value WITH (security_barrier) AS
SELECT * FROM (
    SELECT p.sender, p.indicator, p.ref_area, p.freq, p.time_period, p.period_start, p.period_end,
           p.value, p.unit, p.calc_basis AS published_as, p.covered_from, p.covered_to,
           p.months_covered, p.obs_status, p.conf_status, p.release
      FROM statpipe.period_value_kept p
     WHERE p.shown
       AND (p.indicator, p.ref_area, p.year) NOT IN (
               SELECT k.indicator, k.ref_area, k.year FROM statpipe.kept_year_now k
                WHERE NOT k.current)
    UNION ALL
    SELECT s.sender, s.indicator, s.ref_area, s.freq, p.time_period, p.period_start, p.period_end,
           p.value, p.unit, s.calc_basis, p.covered_from, p.covered_to,
           p.months_covered, p.obs_status, p.conf_status, p.release
      FROM statpipe.series s
     CROSS JOIN LATERAL stats.period_values_shown(s.series_id, now()) p
     -- IS TRUE keeps the test a filter on the series, run before the function: as a
     -- semi-join the planner may put it after.
     WHERE (EXISTS (SELECT 1 FROM statpipe.kept_year_now k
                     WHERE k.indicator = s.indicator AND k.ref_area = s.ref_area
                       AND NOT k.current)) IS TRUE
       AND EXISTS (SELECT 1 FROM statpipe.kept_year_now k
                    WHERE k.indicator = s.indicator AND k.ref_area = s.ref_area
                      AND k.year = extract(year FROM p.period_end) AND NOT k.current)) u;

CREATE OR REPLACE VIEW stats.annual_value WITH (security_barrier) AS
SELECT * FROM (
    SELECT a.indicator, a.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
           a.method, a.last_period, a.last_period_end, a.sender, a.freq, a.published_as, a.release
      FROM statpipe.kept_year_now k
      JOIN statpipe.annual_value_kept a
        ON a.indicator = k.indicator AND a.ref_area = k.ref_area AND a.year = k.year
     WHERE k.current
    UNION ALL
    SELECT ia.indicator, ia.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
           a.method, a.last_period, a.last_period_end, a.sender, a.freq, a.published_as, a.release
      FROM (SELECT DISTINCT k.indicator, k.ref_area FROM statpipe.kept_year_now k
             WHERE NOT k.current) ia
     CROSS JOIN LATERAL stats.annual_values_of(ia.indicator, ia.ref_area, now()) a
     WHERE EXISTS (SELECT 1 FROM statpipe.kept_year_now k
                    WHERE k.indicator = ia.indicator AND k.ref_area = ia.ref_area
                      AND k.year = a.year AND NOT k.current)) u;

-- Growth within one sender, indicator, area and frequency, by window functions over its
-- period values in one pass (a filter on those columns reaches stats.period_value): the
-- covered spans of a group are disjoint (a YTD-derived value that overlaps a PER one is
-- not shown), so the period just before is the previous row, and each span ends at a month
-- end, so the same months a year before end twelve months earlier.
CREATE OR REPLACE VIEW stats.growth AS
SELECT g.sender, g.indicator, g.ref_area, g.freq, g.time_period, g.covered_from, g.covered_to,
       g.months_covered, g.value, g.unit, g.previous_value,
       CASE WHEN i.nature <> 'RATIO' AND g.previous_value > 0
            THEN g.value / g.previous_value - 1 END AS period_on_period,
       CASE WHEN i.nature = 'RATIO' THEN g.value - g.previous_value END
           AS period_on_period_points,
       g.year_ago_value,
       CASE WHEN i.nature <> 'RATIO' AND g.year_ago_value > 0
            THEN g.value / g.year_ago_value - 1 END AS year_on_year,
       CASE WHEN i.nature = 'RATIO' THEN g.value - g.year_ago_value END AS year_on_year_points
  FROM (SELECT p.sender, p.indicator, p.ref_area, p.freq, p.time_period, p.covered_from,
               p.covered_to, p.months_covered, p.value, p.unit,
               -- both values cover exactly one period of the frequency
               CASE WHEN p.months_covered = CASE p.freq WHEN 'M' THEN 1 WHEN 'Q' THEN 3
                                                        WHEN 'S' THEN 6 ELSE 12 END
                     AND lag(p.months_covered) OVER w = p.months_covered
                     AND lag(p.covered_to) OVER w = p.covered_from - 1
                    THEN lag(p.value) OVER w END AS previous_value,
               CASE WHEN first_value(p.months_covered) OVER y = p.months_covered
                    THEN first_value(p.value) OVER y END AS year_ago_value
          FROM stats.period_value p
        -- one sort serves both windows: months since year 0 of each span's last month
        WINDOW w AS (PARTITION BY p.sender, p.indicator, p.ref_area, p.freq
                     ORDER BY (extract(year FROM p.covered_to) * 12
                               + extract(month FROM p.covered_to))::int),
               y AS (w RANGE BETWEEN 12 PRECEDING AND 12 PRECEDING)) g
  JOIN statpipe.indicator i ON i.code = g.indicator;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA stats TO statpipe_reader;
