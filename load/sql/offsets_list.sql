-- offsets_list.sql: `statpipe offsets list`. $1 group or NULL for all, $2 topic or NULL.
SELECT consumer_group, topic, partition, next_offset,
       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  FROM statpipe.kafka_offset
 WHERE ($1::text IS NULL OR consumer_group = $1) AND ($2::text IS NULL OR topic = $2)
 ORDER BY consumer_group, topic, partition
