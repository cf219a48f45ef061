-- keep_lean.sql: the lean merge's decision, for the usual batch: no two of its rows are for
-- the same (series, period), so no row has a predecessor in the batch. Each row is
-- compared with what its own release last gave for the period in the table
-- (sp_stage_compared): a row identical in value, statuses and withdrawal is a true
-- duplicate and adds nothing; every other row is a new vintage, kept in sp_stage_keep for
-- observation_insert.sql. Nothing else in the table decides what is stored, so what is
-- stored does not depend on the order in which releases arrive.
INSERT INTO sp_stage_keep (seq, series_id)
SELECT seq, series_id
  FROM sp_stage_compared
 WHERE stored_obs_id IS NULL
    OR ROW(stored_value, stored_obs_status, stored_conf_status, stored_is_deleted)
       IS DISTINCT FROM ROW(value, obs_status, conf_status, is_deleted)
