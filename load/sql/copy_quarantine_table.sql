-- copy_quarantine_table.sql: the usual batch's rejected messages, straight into the
-- quarantine, in the column order stage_quarantine (sp_stage.c) writes. The same bytes for
-- the same reason wait in quarantine once: a message that waits already fails the COPY on
-- quarantine_waiting_once, and the batch goes through the merge, whose
-- quarantine_insert.sql skips it.
COPY statpipe.quarantine (reason, detail, message_id, sender, src_topic, src_partition,
                          src_offset, src_file, src_line, payload)
FROM STDIN
