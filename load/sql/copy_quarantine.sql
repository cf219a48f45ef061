-- copy_quarantine.sql: a batch's rejected messages, in the column order stage_quarantine
-- (sp_stage.c) writes.
COPY sp_stage_quarantine (reason, detail, message_id, sender, src_topic, src_partition,
                          src_offset, src_file, src_line, payload)
FROM STDIN
