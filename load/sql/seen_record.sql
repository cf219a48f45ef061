-- seen_record.sql: the lean merge's first step: records every staged message id as seen.
-- The batch expects none of them to be seen already; if one is (a replay, a group reading
-- a topic again, another transaction recording it at the same time), the primary key
-- message_seen_pkey fails the insert, and the loader merges the batch again in the checked
-- form (keep_checked.sql), which skips seen ids.
INSERT INTO statpipe.message_seen (sender, message_id)
SELECT k.sender, s.message_id
  FROM sp_stage_obs s
  JOIN sp_stage_batch_series k USING (batch_series_id)
