-- quarantine_page.sql: one page of `statpipe quarantine replay`: the waiting rows after id
-- $1, with the filters $2 reason, $3 sender, $4 id (each NULL for any), at most $5 rows.
SELECT quarantine_id, src_topic, src_partition, src_offset, payload
  FROM statpipe.quarantine
 WHERE replayed_at IS NULL AND quarantine_id > $1
   AND ($2::text IS NULL OR reason = $2) AND ($3::text IS NULL OR sender = $3)
   AND ($4::bigint IS NULL OR quarantine_id = $4)
 ORDER BY quarantine_id
 LIMIT $5
