-- observation_lean.sql: the lean merge's second step, for the usual batch: no two of its
-- rows are for the same (series, period), so no row has a predecessor in the batch. Each row
-- is compared with what its own release last gave for the period in the table: a row
-- identical in value, statuses and withdrawal is a true duplicate and adds nothing; every
-- other row is a vintage. Nothing else in the table decides what is stored, so what is
-- stored does not depend on the order in which releases arrive.
--
-- The series come by a LEFT JOIN, so that a row whose series is missing (the table was
-- changed behind the loader's back) is not dropped by the join but fails the insert
-- (series_id is NOT NULL), and the loader runs the batch again with series.sql.
-- The staged table has no statistics; the lookup into statpipe.observation is a LATERAL
-- ... LIMIT 1, one index probe per staged row whatever size the planner guesses for it.
-- Rows go in by series and period, so that index insertions follow the index; arrival
-- order (seq) still holds within each (series, period).
INSERT INTO statpipe.observation (series_id, time_period, period_start, period_end, release,
                                  value, unit, value_published, unit_published, unit_mult,
                                  obs_status, conf_status, is_deleted, comment, message_id,
                                  src_topic, src_partition, src_offset)
SELECT r.series_id, s.time_period, s.period_start, s.period_end, s.release, s.value, s.unit,
       s.value_published, s.unit_published, s.unit_mult, s.obs_status, s.conf_status,
       s.is_deleted, s.comment, s.message_id, s.src_topic, s.src_partition, s.src_offset
  FROM sp_stage_obs s
  LEFT JOIN statpipe.series r
         ON r.sender = s.sender COLLATE "default"
        AND r.indicator = s.indicator COLLATE "default"
        AND r.ref_area = s.ref_area COLLATE "default"
        AND r.freq = s.freq COLLATE "default"
        AND r.calc_basis = s.calc_basis COLLATE "default"
  LEFT JOIN LATERAL (
        SELECT ROW(o.value, o.obs_status, o.conf_status, o.is_deleted) AS r
          FROM statpipe.observation o
         WHERE o.series_id = r.series_id
           AND o.time_period = s.time_period COLLATE "default"
           AND o.release = s.release
         ORDER BY o.obs_id DESC
         LIMIT 1) e ON true
 WHERE e.r IS DISTINCT FROM ROW(s.value, s.obs_status, s.conf_status, s.is_deleted)
 ORDER BY r.series_id, s.time_period, s.seq
