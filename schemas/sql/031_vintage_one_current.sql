-- 031_vintage_one_current.sql: a (series, period) has at most one current vintage per
-- audience, and the vintage table itself refuses a second.
--
-- Each storing statement recomputes the vintages of the (series, period) pairs it touched
-- (statpipe.refresh_vintages) from the observations it sees. Two transactions that store
-- the same pair at once do not see each other's observations: each would leave a current
-- vintage of its own, and the pair would show two current figures. With this index the
-- second waits for the first, and when the first commits it fails with a unique violation
-- on vintage_current: the loader runs its batch again (the recomputation then sees both),
-- and any other writer gets an error rather than a wrong table. Such races need two
-- writers of one series at once: a sender that does not key by series, two groups reading
-- one topic, or `statpipe load` beside a daemon.
--
-- Pairs that already hold more than one current vintage of an audience are recomputed
-- first, so that the index can be built on a database in use.

-- (refresh_vintages takes each pair once, however often it is named.)
SELECT statpipe.refresh_vintages(array_agg(d.series_id), array_agg(d.time_period))
  FROM (SELECT v.series_id, v.time_period
          FROM statpipe.vintage v
         WHERE v.valid_to IS NULL
         GROUP BY v.series_id, v.time_period, v.audience
        HAVING count(*) > 1) d
HAVING count(*) > 0;

CREATE UNIQUE INDEX vintage_current_unique
    ON statpipe.vintage (series_id, time_period, audience) WHERE valid_to IS NULL;
DROP INDEX statpipe.vintage_current;
ALTER INDEX statpipe.vintage_current_unique RENAME TO vintage_current;
COMMENT ON INDEX statpipe.vintage_current IS 'Unique: the current vintage of a (series, period) for an audience, which most views want; a second one, from two transactions storing the same period at once, is refused.';
