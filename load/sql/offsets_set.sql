-- offsets_set.sql: `statpipe offsets reset --to OFFSET`. $1 group, $2 topic, $3 partition,
-- $4 the next offset to read.
UPDATE statpipe.kafka_offset
   SET next_offset = $4, updated_at = now()
 WHERE consumer_group = $1 AND topic = $2 AND partition = $3
