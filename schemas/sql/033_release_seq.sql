-- 033_release_seq.sql: the vintage table decides by its own unique index whether a figure
-- is the first its release gives for a period, so that the loader's usual batch goes in by
-- one COPY straight into statpipe.observation (load/README.md).
--
-- release_seq numbers the figures one release gives for one (series, period) in the order
-- they arrived: 0 for the first, 1 for the next. A release that says A, then B, then A
-- again of a period keeps three rows (0, 1, 2): its last word is A. The slot index becomes
-- unique on (series, period, release, release_seq), so a second figure of a release that
-- claims 0 is refused: the loader's COPY fails, and the batch goes through the merge, which
-- compares each figure with what its release last said and numbers the ones it keeps.
-- Within a (series, period, release) release_seq and obs_id are in the same order.
--
-- The index still includes series_id (docs/scaling.md). Rows stored before are numbered
-- here, by obs_id; only the rows that are not their release's first figure are rewritten.

ALTER TABLE statpipe.observation ADD COLUMN release_seq int NOT NULL DEFAULT 0;
COMMENT ON COLUMN statpipe.observation.release_seq IS 'The figure''s place among the figures its release gave for the period, in arrival order: 0 for the first. Unique with (series_id, time_period, release); a writer other than the loader that stores a second figure of a release gives it the next number.';

UPDATE statpipe.observation o
   SET release_seq = r.n
  FROM (SELECT obs_id,
               (row_number() OVER (PARTITION BY series_id, time_period, release
                                       ORDER BY obs_id) - 1)::int AS n
          FROM statpipe.observation) r
 WHERE o.obs_id = r.obs_id AND r.n > 0;

CREATE UNIQUE INDEX observation_slot_seq
    ON statpipe.observation (series_id, time_period, release DESC, release_seq DESC);
ALTER TABLE statpipe.observation REPLICA IDENTITY USING INDEX observation_slot_seq;
DROP INDEX statpipe.observation_slot;
ALTER INDEX statpipe.observation_slot_seq RENAME TO observation_slot;
COMMENT ON INDEX statpipe.observation_slot IS 'Unique: a stored observation is identified by its series, period, release and its place among its release''s figures (release_seq); a second figure claiming a release''s first place is refused, so the loader''s usual batch is checked by this index alone. The merge probes it for what a release last said of a period, and the vintages are computed along it.';
