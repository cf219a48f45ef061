-- 010_reader_safety.sql: what a reader login cannot learn, and quarantine rows told apart by
-- SHA-256. The confidentiality test names pg_catalog's function and runs with a fixed
-- search_path, so that a reader who defines a function of the same name in a schema of
-- their own cannot answer it; a function with a SET clause is never inlined into a
-- reader's query, where the reader's search_path would resolve the name. The data-quality
-- views leave out confidential vintages as every other view does: a series known only from
-- confidential figures is not listed.

CREATE OR REPLACE FUNCTION stats.sees_confidential() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT pg_catalog.pg_has_role(session_user, 'statpipe_internal', 'MEMBER')
$$;

CREATE OR REPLACE VIEW stats.missing_period AS
WITH visible AS (
    SELECT o.series_id, o.period_start
      FROM statpipe.observation o
     WHERE o.release <= now()
       AND (o.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())),
span AS (
    SELECT s.series_id, s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           min(v.period_start) AS first_start, max(v.period_start) AS last_start
      FROM statpipe.series s JOIN visible v USING (series_id)
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
 WHERE NOT EXISTS (SELECT 1 FROM visible v
                    WHERE v.series_id = e.series_id AND v.period_start = e.period_start);

CREATE OR REPLACE VIEW stats.stale_series AS
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
   AND (o.conf_status NOT IN ('C', 'N') OR stats.sees_confidential())
 GROUP BY s.series_id;
COMMENT ON VIEW stats.stale_series IS 'Every series with its latest release and whether it is stale: no release for longer than its frequency allows (monthly 62 days, quarterly 123, half-yearly 215, annual 15 months). Releases under embargo, and confidential ones for readers outside statpipe_internal, do not count.';
COMMENT ON VIEW stats.missing_period IS 'Periods missing inside each series'' published span (between its first and last period). Releases under embargo, and confidential ones for readers outside statpipe_internal, do not count.';

-- The same bytes rejected for the same reason wait in quarantine once. Bytes are told apart
-- by SHA-256: two different payloads with the same MD5 (public collision pairs exist) are
-- two messages and both wait.
DROP INDEX statpipe.quarantine_waiting_once;
CREATE UNIQUE INDEX quarantine_waiting_once ON statpipe.quarantine (sha256(payload), reason)
    WHERE replayed_at IS NULL;
