-- 006_roles.sql: roles for loading and reading, and the rule that public readers never see
-- confidential figures (conf_status C or N); releases in the future stay under embargo for
-- everyone (every stats view reads only vintages released by now()).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'statpipe_loader') THEN
        CREATE ROLE statpipe_loader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'statpipe_reader') THEN
        CREATE ROLE statpipe_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'statpipe_internal') THEN
        CREATE ROLE statpipe_internal NOLOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO statpipe_loader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO statpipe_reader', current_database());
END
$$;
COMMENT ON ROLE statpipe_loader IS 'What the statpipe daemons and load need: read the catalogue, write observations, quarantine and offsets. Grant it to the login role of the daemons.';
COMMENT ON ROLE statpipe_reader IS 'Statisticians and BI tools: the views and functions of schema stats, nothing else. Confidential figures (conf_status C or N) stay hidden unless the login role is also in statpipe_internal.';
COMMENT ON ROLE statpipe_internal IS 'Readers who may see confidential figures (conf_status C and N) in the stats views.';

GRANT USAGE ON SCHEMA statpipe TO statpipe_loader;
GRANT SELECT ON statpipe.indicator, statpipe.indicator_alias, statpipe.unit, statpipe.unit_alias,
    statpipe.region, statpipe.target TO statpipe_loader;
GRANT SELECT, INSERT ON statpipe.series, statpipe.observation, statpipe.message_seen
    TO statpipe_loader;
GRANT SELECT, INSERT, UPDATE ON statpipe.quarantine, statpipe.kafka_offset TO statpipe_loader;

GRANT USAGE ON SCHEMA stats TO statpipe_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA stats TO statpipe_reader;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;

-- Whether the connected login may see confidential figures. session_user, not current_user:
-- inside the SECURITY DEFINER functions below current_user is their owner.
CREATE FUNCTION stats.sees_confidential() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(session_user, 'statpipe_internal', 'MEMBER')
$$;
COMMENT ON FUNCTION stats.sees_confidential() IS 'True when the connected login may see confidential figures (a superuser, or a member of statpipe_internal).';
GRANT EXECUTE ON FUNCTION stats.sees_confidential() TO statpipe_reader;

-- The per-series functions read statpipe's tables on behalf of readers.
ALTER FUNCTION stats.annual_values_of(text, text) SECURITY DEFINER SET search_path = pg_catalog;
ALTER FUNCTION stats.cagr(text, text, int, int) SECURITY DEFINER SET search_path = pg_catalog;

-- Confidential vintages leave the views at their source, so nothing derived uses them.
CREATE OR REPLACE VIEW stats.observation_latest AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       o.time_period, o.period_start, o.period_end,
       o.value, o.unit, o.obs_status, o.conf_status, o.release,
       o.value_published, o.unit_published, o.unit_mult
FROM (SELECT DISTINCT ON (series_id, time_period) *
        FROM statpipe.observation
       WHERE release <= now()
         AND (conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
       ORDER BY series_id, time_period, release DESC, obs_id DESC) o
JOIN statpipe.series s USING (series_id)
WHERE NOT o.is_deleted;

CREATE OR REPLACE VIEW stats.observation_first AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       o.time_period, o.period_start, o.period_end,
       o.value, o.unit, o.obs_status, o.conf_status, o.release,
       o.value_published, o.unit_published, o.unit_mult
FROM (SELECT DISTINCT ON (series_id, time_period) *
        FROM statpipe.observation
       WHERE release <= now() AND NOT is_deleted
         AND (conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
       ORDER BY series_id, time_period, release, obs_id) o
JOIN statpipe.series s USING (series_id);

CREATE OR REPLACE VIEW stats.observation_vintage AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       o.time_period, o.period_start, o.period_end,
       o.value, o.unit, o.obs_status, o.conf_status, o.is_deleted,
       o.release AS valid_from,
       lead(o.release) OVER w AS valid_to,
       row_number() OVER w AS vintage_no,
       o.value_published, o.unit_published, o.unit_mult, o.comment, o.message_id, o.obs_id
FROM statpipe.observation o
JOIN statpipe.series s USING (series_id)
WHERE o.release <= now()
  AND (o.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
WINDOW w AS (PARTITION BY o.series_id, o.time_period ORDER BY o.release, o.obs_id);

CREATE OR REPLACE FUNCTION stats.observation_asof(as_of timestamptz)
RETURNS TABLE (sender text, indicator text, ref_area text, freq text, calc_basis text,
               time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               value_published text, unit_published text, unit_mult int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           o.time_period, o.period_start, o.period_end,
           o.value, o.unit, o.obs_status, o.conf_status, o.release,
           o.value_published, o.unit_published, o.unit_mult
    FROM (SELECT DISTINCT ON (ob.series_id, ob.time_period) ob.*
            FROM statpipe.observation ob
           WHERE ob.release <= least(as_of, now())
             AND (ob.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
           ORDER BY ob.series_id, ob.time_period, ob.release DESC, ob.obs_id DESC) o
    JOIN statpipe.series s USING (series_id)
    WHERE NOT o.is_deleted
$$;

CREATE OR REPLACE FUNCTION stats.period_values_of(p_series bigint)
RETURNS TABLE (time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               covered_from date, covered_to date, months_covered int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    WITH latest AS (
        SELECT DISTINCT ON (o.time_period) o.time_period, o.period_start, o.period_end,
               o.value, o.unit, o.obs_status, o.conf_status, o.release, o.is_deleted
          FROM statpipe.observation o
         WHERE o.series_id = p_series AND o.release <= now()
           AND (o.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
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
COMMENT ON VIEW stats.observation_latest IS 'The latest published vintage of every (series, period): one row each, values exact in the canonical unit. Releases still in the future (embargo), withdrawn figures, and confidential figures (for readers outside statpipe_internal) are left out.';
