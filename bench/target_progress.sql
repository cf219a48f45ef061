-- target_progress.sql: fills a migrated database with synthetic vintages for the
-- stats.target_progress benchmark: every indicator, CN and the 31 provinces, ten senders,
-- monthly periods from 1990, a few vintages each. :rows sets the total (about).
\set ON_ERROR_STOP on
SET synchronous_commit = off;
INSERT INTO statpipe.series (sender, indicator, ref_area, freq, calc_basis)
SELECT 'S' || lpad(s::text, 2, '0'), i.code, r.code, 'M',
       CASE WHEN i.nature = 'FLOW' THEN 'YTD' ELSE 'PER' END
  FROM statpipe.indicator i, statpipe.region r, generate_series(1, 10) s
 WHERE r.in_national_total OR r.code = 'CN'
ON CONFLICT DO NOTHING;
-- also each indicator's authoritative sender for CN, so that targets find their series
INSERT INTO statpipe.series (sender, indicator, ref_area, freq, calc_basis)
SELECT i.authoritative_sender, i.code, 'CN', 'M', CASE WHEN i.nature = 'FLOW' THEN 'YTD' ELSE 'PER' END
  FROM statpipe.indicator i ON CONFLICT DO NOTHING;

SELECT count(*) AS series, :rows / (count(*) * 3) AS months_per_series FROM statpipe.series \gset
INSERT INTO statpipe.observation (series_id, time_period, period_start, period_end, release,
    value, unit, value_published, unit_published, obs_status, conf_status, message_id)
SELECT s.series_id, to_char(m, 'YYYY-MM'), m::date, (m + interval '1 month - 1 day')::date,
       m + interval '1 month 20 days' + v * interval '30 days',
       -- a growing level with a little noise per vintage; YTD flows accumulate in the year
       round((1000 + s.series_id % 97) * (1 + n * 0.004) * (1 + v * 0.001)
             * CASE WHEN s.calc_basis = 'YTD' THEN extract(month FROM m) ELSE 1 END, 2),
       'N', '0', 'N', 'A', 'F', s.series_id || '-' || n || '-' || v
  FROM statpipe.series s
 CROSS JOIN generate_series(0, :months_per_series - 1) n
 CROSS JOIN LATERAL (SELECT date '2025-12-01' - n * interval '1 month' AS m) p
 CROSS JOIN generate_series(0, 2) v;
ANALYZE;
SELECT count(*) AS observations FROM statpipe.observation;
