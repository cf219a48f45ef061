-- 015_latest_from_table.sql: stats.observation_latest read straight from statpipe.vintage,
-- so that a full extract is a scan of the current vintages rather than one function call
-- per series. The rules are those of stats.series_vintages: embargo (valid from now at the
-- latest), the reader's audience (confidential releases only for statpipe_internal), and
-- secondary suppression of national figures. The view is a security barrier: a reader's
-- own functions in a WHERE clause see only rows the view lets through.

CREATE FUNCTION stats.reader_audience() RETURNS "char"
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT CASE WHEN stats.sees_confidential() THEN 'I' ELSE 'P' END::"char"
$$;
COMMENT ON FUNCTION stats.reader_audience() IS 'Which confidential-period vintages of statpipe.vintage the connected login reads: I (statpipe_internal) or P (everyone else); periods without a confidential release are audience A, read by all.';

CREATE FUNCTION stats.suppressed_spans(p_as_of timestamptz)
RETURNS TABLE (indicator text, period_start date, period_end date)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 10 SET search_path = pg_catalog SET jit = off AS $$
    SELECT ps.indicator, po.period_start, po.period_end
      FROM statpipe.series ps
      JOIN statpipe.indicator i ON i.code = ps.indicator AND i.space_agg <> 'none'
      JOIN statpipe.region r ON r.code = ps.ref_area AND r.level = 1 AND r.in_national_total
      JOIN statpipe.observation po ON po.series_id = ps.series_id
     WHERE NOT stats.sees_confidential()
       AND po.conf_status IN ('C', 'N') AND po.release <= least(p_as_of, now())
       AND NOT EXISTS (
           SELECT 1 FROM statpipe.observation l
            WHERE l.series_id = po.series_id AND l.time_period = po.time_period
              AND l.release > po.release AND l.release <= least(p_as_of, now())
              AND l.conf_status NOT IN ('C', 'N'))
$$;
COMMENT ON FUNCTION stats.suppressed_spans(timestamptz) IS 'For a reader outside statpipe_internal, the indicators and periods whose national figures are withheld at p_as_of (secondary suppression): the spans of provinces'' current confidential figures. Empty for internal readers.';

CREATE OR REPLACE VIEW stats.observation_latest WITH (security_barrier) AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       v.time_period, v.period_start, v.period_end,
       v.value, v.unit, v.obs_status, v.conf_status, v.valid_from AS release,
       v.value_published, v.unit_published, v.unit_mult
  FROM statpipe.series s
  JOIN statpipe.vintage v ON v.series_id = s.series_id
 WHERE v.audience IN ('A', (SELECT stats.reader_audience()))
   AND v.valid_from <= now() AND (v.valid_to IS NULL OR v.valid_to > now())
   AND NOT v.is_deleted
   AND NOT EXISTS (SELECT 1 FROM stats.suppressed_spans(now()) x
                    WHERE s.ref_area = 'CN' AND x.indicator = s.indicator
                      AND x.period_start <= v.period_end AND x.period_end >= v.period_start);

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA stats TO statpipe_reader;
