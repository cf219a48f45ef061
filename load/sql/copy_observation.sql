-- copy_observation.sql: the usual batch's observations, straight into the vintage table,
-- in the column order stage_obs (sp_stage.c) writes. Every row is its release's first
-- figure of its period (release_seq takes its default, 0), which the unique index
-- observation_slot checks: a row whose release already gave a figure for the period fails
-- the COPY, and the batch goes through the merge (keep_lean.sql) instead. Every series id
-- is one the loader saw committed, or one series_ids.sql read in this transaction for a
-- series new to the loader; one deleted since fails the foreign key, and the batch goes
-- through the merge with series.sql.
COPY statpipe.observation (series_id, time_period, period_start, period_end, release, value,
                           unit, value_published, unit_published, unit_mult, obs_status,
                           conf_status, is_deleted, comment, message_id, src_topic,
                           src_partition, src_offset)
FROM STDIN
