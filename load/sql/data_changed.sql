-- data_changed.sql: the last statement of a transaction that stored observations
-- (schemas/sql/028_data_change.sql): the time the data changed, and the releases still
-- under embargo, of this batch ($1: the batch's releases that were at most an hour in the
-- past or later when it was staged) and of the ones before. The row's lock, held until
-- COMMIT, orders the transactions that set it.
WITH t AS (SELECT clock_timestamp() AS at)
UPDATE statpipe.data_change d
   SET changed_at = greatest(d.changed_at, t.at),
       due = ARRAY(SELECT DISTINCT r
                     FROM unnest(d.due || $1::timestamptz[]) AS r
                    WHERE r > t.at
                    ORDER BY r)
  FROM t
