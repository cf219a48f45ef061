-- 028_data_change.sql: when the data a reader sees last changed, for HTTP caching of the
-- SDMX service (Last-Modified, If-Modified-Since: docs/sdmx.md).
--
-- A reader's data changes when a transaction that stores observations commits, and when a
-- release under embargo comes due, which stores nothing. statpipe.data_change is one row:
-- changed_at, set by the last statement of every transaction that stores observations
-- (load/sql/data_changed.sql), and due, the releases still under embargo when it was set.
-- Its row lock, held until COMMIT, orders the transactions that set it: whichever commits
-- later sets the later time, so a time a reader has seen is never set again below it by a
-- transaction still running.
-- A release dropped from due has come due by the time it is dropped, so changed_at, set in
-- the same statement, is later than it.

CREATE TABLE statpipe.data_change (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    changed_at  timestamptz NOT NULL,
    due         timestamptz[] NOT NULL
);
COMMENT ON TABLE statpipe.data_change IS 'One row: when a transaction storing observations last committed (changed_at, set by its last statement) and the releases still under embargo then (due). stats.data_last_modified() reads it.';

-- The database in use: its data may have changed up to now; every release still under
-- embargo is due.
INSERT INTO statpipe.data_change (changed_at, due)
SELECT clock_timestamp(),
       coalesce((SELECT array_agg(DISTINCT o.release ORDER BY o.release)
                   FROM statpipe.observation o WHERE o.release > clock_timestamp()), '{}');

-- The loader sets it; readers see it through stats.data_last_modified() alone.
GRANT SELECT, UPDATE ON statpipe.data_change TO statpipe_loader;

CREATE FUNCTION stats.data_last_modified() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT greatest(d.changed_at,
                    (SELECT max(r) FROM unnest(d.due) AS r WHERE r <= now()),
                    (SELECT max(c.loaded_at) FROM statpipe.catalogue_seed c))
      FROM statpipe.data_change d
$$;
COMMENT ON FUNCTION stats.data_last_modified() IS 'When the data and the catalogue a reader sees last changed: the latest of the last commit that stored observations, the latest release under embargo that has come due since, and the last catalogue load. The SDMX service sends it as Last-Modified and answers If-Modified-Since with 304 Not Modified when nothing changed after it.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
