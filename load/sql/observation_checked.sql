-- observation_checked.sql: the checked merge, for any batch: one that repeats a (series,
-- period), or whose message ids turned out to be seen. In one statement:
-- 1. the candidates: staged rows whose message id was not seen before (a seen id is a
--    no-op; the loader stages each id of a batch once), their ids recorded as seen;
-- 2. of them every one that is not a true duplicate: a candidate identical (value,
--    statuses, withdrawal) to the figure its own release last gave for the period, earlier
--    in the batch or else in the table, adds nothing;
-- 3. the rest go in, in arrival order.
-- The decision runs on narrow rows; the kept ones are joined back for the insert. The
-- series join, the LATERAL lookups and the NOT NULL series_id work as in
-- observation_lean.sql.
WITH cand AS MATERIALIZED (
    SELECT s.seq, r.series_id, s.sender, s.message_id, s.time_period, s.release, s.value,
           s.obs_status, s.conf_status, s.is_deleted
      FROM sp_stage_obs s
      LEFT JOIN statpipe.series r
             ON r.sender = s.sender COLLATE "default"
            AND r.indicator = s.indicator COLLATE "default"
            AND r.ref_area = s.ref_area COLLATE "default"
            AND r.freq = s.freq COLLATE "default"
            AND r.calc_basis = s.calc_basis COLLATE "default"
      LEFT JOIN LATERAL (
            SELECT true AS seen
              FROM statpipe.message_seen m
             WHERE m.sender = s.sender AND m.message_id = s.message_id
             LIMIT 1) m ON true
     WHERE m.seen IS NULL),
seen AS (
    INSERT INTO statpipe.message_seen (sender, message_id)
    SELECT sender, message_id FROM cand),
c AS (
    SELECT cand.*, lag(seq) OVER w AS l_seq,
           lag(ROW(value, obs_status, conf_status, is_deleted)) OVER w AS l_row
      FROM cand
    WINDOW w AS (PARTITION BY series_id, time_period, release ORDER BY seq)),
keep AS (
    SELECT c.seq, c.series_id
      FROM c
      LEFT JOIN LATERAL (
            SELECT ROW(o.value, o.obs_status, o.conf_status, o.is_deleted) AS r
              FROM statpipe.observation o
             WHERE o.series_id = c.series_id
               AND o.time_period = c.time_period COLLATE "default"
               AND o.release = c.release
             ORDER BY o.obs_id DESC
             LIMIT 1) e ON true
     WHERE (CASE WHEN c.l_seq IS NOT NULL THEN c.l_row ELSE e.r END)
           IS DISTINCT FROM ROW(c.value, c.obs_status, c.conf_status, c.is_deleted))
INSERT INTO statpipe.observation (series_id, time_period, period_start, period_end, release,
                                  value, unit, value_published, unit_published, unit_mult,
                                  obs_status, conf_status, is_deleted, comment, message_id,
                                  src_topic, src_partition, src_offset)
SELECT k.series_id, s.time_period, s.period_start, s.period_end, s.release, s.value, s.unit,
       s.value_published, s.unit_published, s.unit_mult, s.obs_status, s.conf_status,
       s.is_deleted, s.comment, s.message_id, s.src_topic, s.src_partition, s.src_offset
  FROM keep k
  JOIN sp_stage_obs s USING (seq)
 ORDER BY s.seq
