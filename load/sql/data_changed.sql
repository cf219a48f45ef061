-- data_changed.sql: the last statement of a transaction that stored observations
-- (schemas/sql/028_data_change.sql): the time the data changed, and the releases of this
-- batch and of the ones before still under embargo. The row's lock, held until COMMIT,
-- orders the transactions that set it.
WITH t AS (SELECT clock_timestamp() AS at)
UPDATE statpipe.data_change d
   SET changed_at = greatest(d.changed_at, t.at),
       due = ARRAY(SELECT DISTINCT r
                     FROM unnest(d.due || ARRAY(SELECT s.release FROM sp_stage_obs s
                                                 WHERE s.release > t.at)) AS r
                    WHERE r > t.at
                    ORDER BY r)
  FROM t
