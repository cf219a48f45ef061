-- observation_insert.sql: the merge's new vintages (sp_stage_keep, from keep_lean.sql or
-- keep_checked.sql) go into statpipe.observation. Rows go in by series and period, so that
-- index insertions follow the index; arrival order (seq, and so obs_id and release_seq)
-- holds within each (series, period), the only place it means anything. A kept row whose
-- series is missing fails here on series_id NOT NULL; one whose release_seq another
-- transaction took meanwhile fails on observation_slot, and the batch runs again.
INSERT INTO statpipe.observation (series_id, time_period, period_start, period_end, release,
                                  release_seq, value, unit, value_published, unit_published,
                                  unit_mult, obs_status, conf_status, is_deleted, comment,
                                  message_id, src_topic, src_partition, src_offset)
SELECT k.series_id, s.time_period, s.period_start, s.period_end, s.release, k.release_seq,
       s.value, s.unit, s.value_published, s.unit_published, s.unit_mult, s.obs_status,
       s.conf_status, s.is_deleted, s.comment, s.message_id, s.src_topic, s.src_partition,
       s.src_offset
  FROM sp_stage_keep k
  JOIN sp_stage_obs s USING (seq)
 ORDER BY k.series_id, s.time_period, s.seq
