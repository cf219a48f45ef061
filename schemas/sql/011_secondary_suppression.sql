-- 011_secondary_suppression.sql: a total is not shown beside its parts when the difference
-- would reveal a confidential part. For a reader outside statpipe_internal, a national (CN)
-- figure of an indicator that rolls up from provinces (space_agg sum or weighted) is left
-- out for every period that overlaps a province's confidential figure: national minus the
-- other provinces (or, for a ratio, the weighted equivalent) would give it away. Every view
-- in schema stats is computed from stats.series_vintages, so replacing that function
-- carries the rule through observation_latest, observation_vintage, observation_first,
-- period_value, annual_value, national_check, growth, cagr and target_progress at once.
-- The roll-ups of stats.regional_value sum only visible provinces, and with the national
-- figure gone nothing is left to subtract them from. Nothing stored is touched.

-- Confidential figures are few: the suppression rule finds them by this index.
CREATE INDEX observation_confidential ON statpipe.observation (series_id)
    WHERE conf_status IN ('C', 'N');

CREATE OR REPLACE FUNCTION stats.series_vintages(p_series bigint, p_as_of timestamptz)
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, is_deleted boolean,
               valid_from timestamptz, valid_to timestamptz, vintage_no int,
               value_published text, unit_published text, unit_mult int, comment text,
               message_id text, obs_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    WITH suppressed AS (
        -- Secondary suppression: for a reader outside statpipe_internal, the national
        -- figure of an indicator that rolls up from provinces is not shown for a period
        -- that overlaps a province's confidential figure (its current one as of p_as_of):
        -- national minus the other provinces would reveal it.
        SELECT po.period_start, po.period_end
          FROM statpipe.series ts
          JOIN statpipe.indicator i ON i.code = ts.indicator AND i.space_agg <> 'none'
          JOIN statpipe.series ps ON ps.indicator = ts.indicator
          JOIN statpipe.region r ON r.code = ps.ref_area AND r.level = 1 AND r.in_national_total
          JOIN statpipe.observation po ON po.series_id = ps.series_id
         WHERE ts.series_id = p_series AND ts.ref_area = 'CN' AND NOT stats.sees_confidential()
           AND po.conf_status IN ('C', 'N') AND po.release <= least(p_as_of, now())
           AND NOT EXISTS (
               SELECT 1 FROM statpipe.observation l
                WHERE l.series_id = po.series_id AND l.time_period = po.time_period
                  AND l.release > po.release AND l.release <= least(p_as_of, now())
                  AND l.conf_status NOT IN ('C', 'N'))),
    release_figure AS (
        -- What each release says of each period: the figure that arrived last with it.
        SELECT DISTINCT ON (o.time_period, o.release) o.*,
               CASE WHEN o.is_deleted THEN NULL ELSE o.value END AS c_value,
               CASE WHEN o.is_deleted THEN NULL ELSE o.obs_status END AS c_obs,
               CASE WHEN o.is_deleted THEN NULL ELSE o.conf_status END AS c_conf
          FROM statpipe.observation o
         WHERE o.series_id = p_series AND o.release <= least(p_as_of, now())
           AND (o.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
           AND NOT EXISTS (SELECT 1 FROM suppressed x
                            WHERE x.period_start <= o.period_end AND x.period_end >= o.period_start)
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
COMMENT ON FUNCTION stats.series_vintages(bigint, timestamptz) IS 'The vintages of one series (statpipe.series.series_id) as known at p_as_of (never later than now): per period, the figure of each release (the last to arrive with it), with runs of releases that say the same (value, obs_status, conf_status, withdrawal) collapsed into one vintage valid from the first of them. For readers outside statpipe_internal, confidential figures are left out, and so is a national figure for a period that overlaps a province''s confidential figure of the same indicator (secondary suppression). The source of every view in schema stats.';

-- Every function of statpipe's schemas runs with a fixed search_path, so that no schema a
-- caller controls can supply the functions it calls (the catalogue trigger calls pg_notify).
ALTER FUNCTION statpipe.catalogue_changed() SET search_path = pg_catalog;
