-- copy_offset.sql: the Kafka positions a batch reaches, in the column order
-- stage_offsets (sp_merge.c) writes.
COPY sp_stage_offset (consumer_group, topic, partition, first_offset, next_offset) FROM STDIN
