-- offsets_advance.sql: stores the batch's Kafka positions. Offsets move forward only from
-- where the batch began: a partition whose stored offset is already past the batch's first
-- message was committed by another member of the group (this one lost it in a rebalance it
-- has not heard of yet). Such a row is neither inserted nor updated, the affected count
-- falls short of the batch's partitions, and the loader rolls the batch back.
INSERT INTO statpipe.kafka_offset AS k (consumer_group, topic, partition, next_offset)
SELECT consumer_group, topic, partition, next_offset
  FROM sp_stage_offset
    ON CONFLICT (consumer_group, topic, partition) DO UPDATE
   SET next_offset = excluded.next_offset, updated_at = now()
 WHERE k.next_offset <= (SELECT s.first_offset
                           FROM sp_stage_offset s
                          WHERE s.consumer_group = k.consumer_group AND s.topic = k.topic
                            AND s.partition = k.partition)
