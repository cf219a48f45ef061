-- 004_vintage_views.sql: every vintage with its validity, the figures as first published,
-- and the figures as known at any time.

CREATE VIEW stats.observation_vintage AS
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
WINDOW w AS (PARTITION BY o.series_id, o.time_period ORDER BY o.release, o.obs_id);
COMMENT ON VIEW stats.observation_vintage IS 'Every published vintage of every (series, period), in order: valid from its release until the next vintage''s release (valid_to NULL: still current). Vintages that share a release are ordered by arrival; the later one is the value of that release.';
COMMENT ON COLUMN stats.observation_vintage.value IS 'Value of this vintage in the canonical unit, exact; NULL for a missing value or a withdrawal.';
COMMENT ON COLUMN stats.observation_vintage.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.observation_vintage.is_deleted IS 'True when this vintage withdraws the figure (action delete).';
COMMENT ON COLUMN stats.observation_vintage.valid_from IS 'The release that published this vintage.';
COMMENT ON COLUMN stats.observation_vintage.valid_to IS 'The release of the next vintage, which replaced this one; NULL while this one is current.';
COMMENT ON COLUMN stats.observation_vintage.vintage_no IS '1 for the first publication of the period, 2 for the first revision, and so on.';
COMMENT ON COLUMN stats.observation_vintage.value_published IS 'The value exactly as the agency published it.';
COMMENT ON COLUMN stats.observation_vintage.unit_published IS 'The unit exactly as the agency published it.';
COMMENT ON COLUMN stats.observation_vintage.comment IS 'The agency''s comment on the figure.';
COMMENT ON COLUMN stats.observation_vintage.message_id IS 'The message that carried this vintage.';
COMMENT ON COLUMN stats.observation_vintage.obs_id IS 'Arrival order of the vintage.';

CREATE VIEW stats.observation_first AS
SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
       o.time_period, o.period_start, o.period_end,
       o.value, o.unit, o.obs_status, o.conf_status, o.release,
       o.value_published, o.unit_published, o.unit_mult
FROM (SELECT DISTINCT ON (series_id, time_period) *
        FROM statpipe.observation
       WHERE release <= now() AND NOT is_deleted
       ORDER BY series_id, time_period, release, obs_id) o
JOIN statpipe.series s USING (series_id);
COMMENT ON VIEW stats.observation_first IS 'Every (series, period) as first published: the earliest release that gave it a figure (withdrawals are not publications). Compare with stats.observation_latest to see revisions.';
COMMENT ON COLUMN stats.observation_first.value IS 'Value as first published, in the canonical unit, exact.';
COMMENT ON COLUMN stats.observation_first.unit IS 'The canonical unit of value.';
COMMENT ON COLUMN stats.observation_first.release IS 'When the figure was first published.';
COMMENT ON COLUMN stats.observation_first.value_published IS 'The value exactly as the agency first published it.';
COMMENT ON COLUMN stats.observation_first.unit_published IS 'The unit exactly as the agency first published it.';

CREATE FUNCTION stats.observation_asof(as_of timestamptz)
RETURNS TABLE (sender text, indicator text, ref_area text, freq text, calc_basis text,
               time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               value_published text, unit_published text, unit_mult int)
LANGUAGE sql STABLE AS $$
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           o.time_period, o.period_start, o.period_end,
           o.value, o.unit, o.obs_status, o.conf_status, o.release,
           o.value_published, o.unit_published, o.unit_mult
    FROM (SELECT DISTINCT ON (ob.series_id, ob.time_period) ob.*
            FROM statpipe.observation ob
           WHERE ob.release <= least(as_of, now())
           ORDER BY ob.series_id, ob.time_period, ob.release DESC, ob.obs_id DESC) o
    JOIN statpipe.series s USING (series_id)
    WHERE NOT o.is_deleted
$$;
COMMENT ON FUNCTION stats.observation_asof(timestamptz) IS 'Every (series, period) as it was known at as_of: the latest vintage released at or before that time (and never after now), unless it was withdrawn by then. stats.observation_asof(now()) equals stats.observation_latest.';
