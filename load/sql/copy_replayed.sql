-- copy_replayed.sql: the quarantine rows whose replay this batch loads.
COPY sp_stage_replayed (quarantine_id) FROM STDIN
