-- 030_observation_by_series.sql: every unique index of statpipe.observation includes its
-- series, so that the table can be distributed by series_id (Citus requires a distributed
-- table's unique indexes to include its distribution column: docs/scaling.md).
--
-- obs_id stays unique: an identity column, from one sequence. Its own primary key index
-- gives way to the slot index, which every lookup of the merge and of the vintages uses and
-- which holds obs_id: made unique, it says the same, and each stored row updates one index
-- fewer. Nothing reads an observation by obs_id alone, and no foreign key refers to it.

CREATE UNIQUE INDEX observation_slot_unique
    ON statpipe.observation (series_id, time_period, release DESC, obs_id DESC);
DROP INDEX statpipe.observation_slot;
ALTER INDEX statpipe.observation_slot_unique RENAME TO observation_slot;
ALTER TABLE statpipe.observation DROP CONSTRAINT observation_pkey;
-- Logical replication and Citus's shard moves identify a row by this index.
ALTER TABLE statpipe.observation REPLICA IDENTITY USING INDEX observation_slot;
COMMENT ON INDEX statpipe.observation_slot IS 'Unique: a stored observation is identified by its series, period, release and arrival (obs_id); the merge probes it for what a release last said of a period, and the vintages are computed along it.';
