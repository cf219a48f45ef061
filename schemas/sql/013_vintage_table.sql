-- 013_vintage_table.sql: the vintages every view is built on, kept in a table by the
-- transaction that stores the observations they come from, instead of recomputed from the
-- observations at every query.
--
-- statpipe.vintage holds, per (series, period), the collapsed vintages that
-- stats.series_vintages computed at query time before: a release's figure is the last to
-- arrive with it, and a run of releases saying the same thing is one vintage valid from the
-- first of them. Whether a vintage starts depends only on the releases before it, so the
-- rows are the same whatever is released later; a query as of a moment takes the vintages
-- valid from before it and hides a valid_to after it. Confidential releases change what a
-- public reader's vintages are (they are left out before runs are collapsed), so a period
-- with a confidential release has two sets of rows: audience I (internal readers, every
-- release) and P (public readers, the releases that are not confidential); every other
-- period has one set, audience A, for everyone.
--
-- A statement trigger on statpipe.observation refreshes the periods a statement touched, in
-- the same transaction: the table can never be stale. The migration fills it from the
-- observations stored.

CREATE TABLE statpipe.vintage (
    series_id        bigint NOT NULL REFERENCES statpipe.series (series_id),
    time_period      text NOT NULL,
    audience         "char" NOT NULL CHECK (audience IN ('A', 'I', 'P')),
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    vintage_no       int NOT NULL,
    period_start     date NOT NULL,
    period_end       date NOT NULL,
    value            numeric,
    unit             text NOT NULL,
    obs_status       text NOT NULL,
    conf_status      text NOT NULL,
    is_deleted       boolean NOT NULL,
    value_published  text,
    unit_published   text NOT NULL,
    unit_mult        int NOT NULL,
    comment          text,
    message_id       text NOT NULL,
    obs_id           bigint NOT NULL,
    PRIMARY KEY (series_id, time_period, audience, valid_from)
);
COMMENT ON TABLE statpipe.vintage IS 'The collapsed vintages of every (series, period), kept by a trigger on statpipe.observation in the transaction that stores the observations: audience A for everyone, or, for a period with a confidential release, I for internal readers and P for public ones. stats.series_vintages reads it.';
COMMENT ON COLUMN statpipe.vintage.valid_to IS 'The release of the next vintage (possibly still under embargo: views hide a valid_to after the moment they show).';
-- The current vintages, which most views want.
CREATE INDEX vintage_current ON statpipe.vintage (series_id, time_period) WHERE valid_to IS NULL;

-- Recomputes the vintages of the given periods (pairs of p_series and p_periods) from the
-- observations: the one place that says what a vintage is.
CREATE FUNCTION statpipe.refresh_vintages(p_series bigint[], p_periods text[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
BEGIN
    DELETE FROM statpipe.vintage v USING unnest(p_series, p_periods) AS t(series_id, time_period)
     WHERE v.series_id = t.series_id AND v.time_period = t.time_period;
    INSERT INTO statpipe.vintage (series_id, time_period, audience, valid_from, valid_to,
        vintage_no, period_start, period_end, value, unit, obs_status, conf_status, is_deleted,
        value_published, unit_published, unit_mult, comment, message_id, obs_id)
    WITH slot AS (
        SELECT DISTINCT u.series_id, u.time_period
          FROM unnest(p_series, p_periods) AS u(series_id, time_period)),
    audience AS (
        -- One set of vintages for everyone, or two where a release is confidential.
        SELECT t.series_id, t.time_period, a.audience
          FROM (SELECT t.series_id, t.time_period,
                       EXISTS (SELECT 1 FROM statpipe.observation o
                                WHERE o.series_id = t.series_id AND o.time_period = t.time_period
                                  AND o.conf_status IN ('C', 'N')) AS confidential
                  FROM slot t) t
         CROSS JOIN LATERAL (SELECT 'A'::"char" AS audience WHERE NOT t.confidential
                             UNION ALL SELECT 'I' WHERE t.confidential
                             UNION ALL SELECT 'P' WHERE t.confidential) a),
    release_figure AS (
        -- What each release says of each period: the figure that arrived last with it.
        SELECT DISTINCT ON (a.audience, o.series_id, o.time_period, o.release) a.audience, o.*,
               CASE WHEN o.is_deleted THEN NULL ELSE o.value END AS c_value,
               CASE WHEN o.is_deleted THEN NULL ELSE o.obs_status END AS c_obs,
               CASE WHEN o.is_deleted THEN NULL ELSE o.conf_status END AS c_conf
          FROM audience a
          JOIN statpipe.observation o
            ON o.series_id = a.series_id AND o.time_period = a.time_period
         WHERE a.audience <> 'P' OR o.conf_status NOT IN ('C', 'N')
         ORDER BY a.audience, o.series_id, o.time_period, o.release, o.obs_id DESC),
    marked AS (
        -- A release starts a vintage when its content differs from the release before.
        SELECT r.*,
               row_number() OVER w = 1
               OR lag(r.c_value) OVER w IS DISTINCT FROM r.c_value
               OR lag(r.c_obs) OVER w IS DISTINCT FROM r.c_obs
               OR lag(r.c_conf) OVER w IS DISTINCT FROM r.c_conf
               OR lag(r.is_deleted) OVER w IS DISTINCT FROM r.is_deleted AS starts
          FROM release_figure r
        WINDOW w AS (PARTITION BY r.audience, r.series_id, r.time_period ORDER BY r.release))
    SELECT m.series_id, m.time_period, m.audience, m.release, lead(m.release) OVER w,
           (row_number() OVER w)::int, m.period_start, m.period_end, m.c_value, m.unit,
           m.obs_status, m.conf_status, m.is_deleted,
           CASE WHEN m.is_deleted THEN NULL ELSE m.value_published END, m.unit_published,
           m.unit_mult, m.comment, m.message_id, m.obs_id
      FROM marked m
     WHERE m.starts
    WINDOW w AS (PARTITION BY m.audience, m.series_id, m.time_period ORDER BY m.release);
END
$$;
COMMENT ON FUNCTION statpipe.refresh_vintages(bigint[], text[]) IS 'Recomputes statpipe.vintage for the given (series, period) pairs from statpipe.observation: per release its last arrival, runs of releases with the same content (value, obs_status, conf_status, withdrawal) collapsed into one vintage.';

CREATE FUNCTION statpipe.observation_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    PERFORM statpipe.refresh_vintages(array_agg(c.series_id), array_agg(c.time_period))
       FROM changed c;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.observation_changed() IS 'Keeps statpipe.vintage in step with statpipe.observation: refreshes the periods a statement inserted or deleted, in its transaction.';
CREATE TRIGGER vintage_insert AFTER INSERT ON statpipe.observation
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION statpipe.observation_changed();
CREATE TRIGGER vintage_delete AFTER DELETE ON statpipe.observation
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT
    EXECUTE FUNCTION statpipe.observation_changed();

CREATE FUNCTION statpipe.observation_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    -- DELETE, not TRUNCATE: a TRUNCATE ... CASCADE of observation and series has already
    -- emptied the table in this statement, and TRUNCATE cannot run on a table in use.
    DELETE FROM statpipe.vintage;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION statpipe.observation_truncated() IS 'Empties statpipe.vintage when statpipe.observation is truncated.';
CREATE TRIGGER vintage_truncate AFTER TRUNCATE ON statpipe.observation
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.observation_truncated();

-- Fill it from what is stored.
SELECT statpipe.refresh_vintages(array_agg(series_id), array_agg(time_period))
  FROM (SELECT DISTINCT series_id, time_period FROM statpipe.observation) s;

-- Every view reads the table through this function: the vintages as known at p_as_of.
CREATE OR REPLACE FUNCTION stats.series_vintages(p_series bigint, p_as_of timestamptz)
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, is_deleted boolean,
               valid_from timestamptz, valid_to timestamptz, vintage_no int,
               value_published text, unit_published text, unit_mult int, comment text,
               message_id text, obs_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH reader AS (
        SELECT CASE WHEN stats.sees_confidential() THEN 'I' ELSE 'P' END::"char" AS audience,
               stats.sees_confidential() AS internal,
               least(p_as_of, now()) AS as_of),
    suppressed AS (
        -- Secondary suppression: for a reader outside statpipe_internal, the national
        -- figure of an indicator that rolls up from provinces is not shown for a period
        -- that overlaps a province's confidential figure (its current one as of p_as_of):
        -- national minus the other provinces would reveal it.
        SELECT po.period_start, po.period_end
          FROM reader rd, statpipe.series ts
          JOIN statpipe.indicator i ON i.code = ts.indicator AND i.space_agg <> 'none'
          JOIN statpipe.series ps ON ps.indicator = ts.indicator
          JOIN statpipe.region r ON r.code = ps.ref_area AND r.level = 1 AND r.in_national_total
          JOIN statpipe.observation po ON po.series_id = ps.series_id
         WHERE ts.series_id = p_series AND ts.ref_area = 'CN' AND NOT rd.internal
           AND po.conf_status IN ('C', 'N') AND po.release <= rd.as_of
           AND NOT EXISTS (
               SELECT 1 FROM statpipe.observation l
                WHERE l.series_id = po.series_id AND l.time_period = po.time_period
                  AND l.release > po.release AND l.release <= rd.as_of
                  AND l.conf_status NOT IN ('C', 'N')))
    SELECT v.time_period, v.period_start, v.period_end, v.value, v.unit, v.obs_status,
           v.conf_status, v.is_deleted, v.valid_from,
           CASE WHEN v.valid_to <= rd.as_of THEN v.valid_to END, v.vintage_no,
           v.value_published, v.unit_published, v.unit_mult, v.comment, v.message_id, v.obs_id
      FROM reader rd
      JOIN statpipe.vintage v ON v.audience IN ('A', rd.audience)
     WHERE v.series_id = p_series AND v.valid_from <= rd.as_of
       AND NOT EXISTS (SELECT 1 FROM suppressed x
                        WHERE x.period_start <= v.period_end AND x.period_end >= v.period_start)
$$;
COMMENT ON FUNCTION stats.series_vintages(bigint, timestamptz) IS 'The vintages of one series (statpipe.series.series_id) as known at p_as_of (never later than now), from statpipe.vintage: per period, the figure of each release (the last to arrive with it), with runs of releases that say the same (value, obs_status, conf_status, withdrawal) collapsed into one vintage valid from the first of them; a vintage replaced after p_as_of shows no valid_to. For readers outside statpipe_internal, confidential figures are left out, and so is a national figure for a period that overlaps a province''s confidential figure of the same indicator (secondary suppression). The source of every view in schema stats.';
