-- keep_lean.sql: the lean merge's decision, for a batch in which no (series, period,
-- release) comes twice, so that no row has a predecessor in the batch. Each row is
-- compared with what its own release last gave for the period in the table
-- (sp_stage_compared): a row identical in value, statuses and withdrawal is a true
-- duplicate and adds nothing; every other row is a new vintage, kept in sp_stage_keep for
-- observation_insert.sql with the next place among its release's figures (release_seq: 0
-- when the release gave none). Nothing else in the table decides what is stored, so what
-- is stored does not depend on the order in which releases arrive.
INSERT INTO sp_stage_keep (seq, series_id, release_seq)
SELECT seq, series_id, coalesce(stored_release_seq + 1, 0)
  FROM sp_stage_compared
 WHERE stored_release_seq IS NULL
    OR ROW(stored_value, stored_obs_status, stored_conf_status, stored_is_deleted)
       IS DISTINCT FROM ROW(value, obs_status, conf_status, is_deleted)
