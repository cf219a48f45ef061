-- 003_vintages.sql: several vintages may share a release time (an agency re-sends a figure
-- corrected under the same release stamp): every one is kept, ordered by arrival, and the
-- one that arrived last is the value of that release. Nothing is ever dropped.

ALTER TABLE statpipe.observation DROP CONSTRAINT observation_pkey;
ALTER TABLE statpipe.observation ADD COLUMN obs_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
COMMENT ON COLUMN statpipe.observation.obs_id IS 'Arrival order: among vintages with the same release, the later one is the value of that release.';
CREATE INDEX observation_slot ON statpipe.observation (series_id, time_period, release DESC, obs_id DESC);

CREATE OR REPLACE VIEW stats.observation_latest AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       o.time_period, o.period_start, o.period_end,
       o.value, o.unit, o.obs_status, o.conf_status, o.release,
       o.value_published, o.unit_published, o.unit_mult
FROM (SELECT DISTINCT ON (series_id, time_period) *
        FROM statpipe.observation
       WHERE release <= now()
       ORDER BY series_id, time_period, release DESC, obs_id DESC) o
JOIN statpipe.series s USING (series_id)
WHERE NOT o.is_deleted;
