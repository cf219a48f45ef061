-- quarantine_insert.sql: stores the batch's rejected messages. The same bytes for the same
-- reason wait in quarantine once.
INSERT INTO statpipe.quarantine (reason, detail, message_id, sender, src_topic,
                                 src_partition, src_offset, src_file, src_line, payload)
SELECT reason, detail, message_id, sender, src_topic, src_partition, src_offset, src_file,
       src_line, payload
  FROM sp_stage_quarantine
    ON CONFLICT (sha256(payload), reason) WHERE replayed_at IS NULL DO NOTHING
