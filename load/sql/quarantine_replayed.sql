-- quarantine_replayed.sql: quarantine rows whose replay this batch loads leave quarantine,
-- in the same transaction as their observations.
UPDATE statpipe.quarantine q
   SET replayed_at = now()
  FROM sp_stage_replayed r
 WHERE q.quarantine_id = r.quarantine_id
   AND q.replayed_at IS NULL
