-- copy_seen.sql: the usual batch's message ids, straight into the seen ids (sender,
-- message id: stage_obs in sp_stage.c writes them). The batch expects none of them to be
-- seen; one that is (a replay, a group reading a topic again, another transaction
-- recording it at the same time) fails the COPY on message_seen_pkey, and the batch goes
-- through the checked merge (keep_checked.sql), which skips seen ids.
COPY statpipe.message_seen (sender, message_id)
FROM STDIN
