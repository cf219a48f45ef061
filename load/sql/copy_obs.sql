-- copy_obs.sql: a batch's observations, in the column order stage_obs (sp_stage.c) writes.
COPY sp_stage_obs (message_id, sender, indicator, ref_area, freq, calc_basis, breakdown,
                   time_period,
                   period_start, period_end, value, unit, value_published, unit_published,
                   unit_mult, obs_status, conf_status, release, is_deleted, comment,
                   src_topic, src_partition, src_offset, seq)
FROM STDIN
