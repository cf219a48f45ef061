-- offset_get.sql: the stored next offset of a partition for a consumer group.
-- $1 group, $2 topic, $3 partition.
SELECT next_offset
  FROM statpipe.kafka_offset
 WHERE consumer_group = $1 AND topic = $2 AND partition = $3
