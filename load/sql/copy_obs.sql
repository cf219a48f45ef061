-- copy_obs.sql: a batch's observations into the staging table, when the batch goes through
-- the merge; the same COPY text as copy_observation.sql (stage_obs in sp_stage.c writes it),
-- whose first column is the batch's series id (batch_series_id). seq numbers the rows in
-- arrival order.
COPY sp_stage_obs (batch_series_id, time_period, period_start, period_end, release, value,
                   unit, value_published, unit_published, unit_mult, obs_status, conf_status,
                   is_deleted, comment, message_id, src_topic, src_partition, src_offset)
FROM STDIN
