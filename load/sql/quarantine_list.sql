-- quarantine_list.sql: `statpipe quarantine list`, oldest first. $1 reason, $2 sender, $3 id
-- (each NULL for any), $4 whether replayed rows are listed too, $5 the most rows.
SELECT quarantine_id,
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       reason, coalesce(sender, ''), coalesce(message_id, ''),
       coalesce(src_topic || '/' || src_partition || '@' || src_offset,
                src_file || ':' || src_line, ''),
       coalesce(detail, ''), coalesce(replayed_at::text, '')
  FROM statpipe.quarantine
 WHERE ($1::text IS NULL OR reason = $1) AND ($2::text IS NULL OR sender = $2)
   AND ($3::bigint IS NULL OR quarantine_id = $3) AND (replayed_at IS NULL OR $4::bool)
 ORDER BY quarantine_id
 LIMIT $5
