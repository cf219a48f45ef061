-- offsets_forget.sql: `statpipe offsets reset --to-earliest`: forgets the stored offsets, so
-- that the next assignment reads the log from its start. $1 group, $2 topic, $3 partition or
-- NULL for every stored one.
DELETE FROM statpipe.kafka_offset
 WHERE consumer_group = $1 AND topic = $2 AND ($3::int IS NULL OR partition = $3)
