-- 021_vintages_as_of.sql: the vintage views as of any moment, so that what a statistician
-- saw of first publications and revisions can be reproduced: stats.observation_vintage_asof,
-- stats.observation_first_asof and stats.revision_asof answer as stats.observation_vintage,
-- stats.observation_first and stats.revision did at p_as_of. They are made from the views'
-- own definitions (the vintages known at p_as_of instead of now), so that each rule is
-- written once.
DO $$
DECLARE
    vintage text;
    first text;
    revision text;
    path text := pg_catalog.current_setting('search_path');
    now_call text := 'stats.series_vintages(s.series_id, now())';
BEGIN
    -- With only pg_catalog on the path, the definitions name every relation in full.
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
    vintage := pg_catalog.pg_get_viewdef('stats.observation_vintage'::regclass);
    first := pg_catalog.pg_get_viewdef('stats.observation_first'::regclass);
    revision := pg_catalog.pg_get_viewdef('stats.revision'::regclass);
    IF position(now_call IN vintage) = 0 OR position(now_call IN first) = 0
       OR position('stats.observation_vintage v' IN revision) = 0 THEN
        RAISE EXCEPTION 'stats.observation_vintage, stats.observation_first or stats.revision is not the view 008 defines';
    END IF;
    EXECUTE format('CREATE FUNCTION stats.observation_vintage_asof(p_as_of timestamptz) '
                   'RETURNS SETOF stats.observation_vintage LANGUAGE sql STABLE SECURITY DEFINER '
                   'ROWS 1000 SET search_path = pg_catalog SET jit = off AS %L',
                   replace(vintage, now_call, 'stats.series_vintages(s.series_id, p_as_of)'));
    EXECUTE format('CREATE FUNCTION stats.observation_first_asof(p_as_of timestamptz) '
                   'RETURNS SETOF stats.observation_first LANGUAGE sql STABLE SECURITY DEFINER '
                   'ROWS 1000 SET search_path = pg_catalog SET jit = off AS %L',
                   replace(first, now_call, 'stats.series_vintages(s.series_id, p_as_of)'));
    EXECUTE format('CREATE FUNCTION stats.revision_asof(p_as_of timestamptz) '
                   'RETURNS SETOF stats.revision LANGUAGE sql STABLE SECURITY DEFINER '
                   'ROWS 1000 SET search_path = pg_catalog SET jit = off AS %L',
                   replace(revision, 'stats.observation_vintage v',
                           'stats.observation_vintage_asof(p_as_of) v'));
    PERFORM pg_catalog.set_config('search_path', path, true);
END
$$;
COMMENT ON FUNCTION stats.observation_vintage_asof(timestamptz) IS 'stats.observation_vintage as it was known at p_as_of: the vintages released by then (and never after now), valid_to as it stood then. stats.observation_vintage_asof(now()) equals stats.observation_vintage.';
COMMENT ON FUNCTION stats.observation_first_asof(timestamptz) IS 'stats.observation_first as it was known at p_as_of: the first publication of every period published by then. stats.observation_first_asof(now()) equals stats.observation_first.';
COMMENT ON FUNCTION stats.revision_asof(timestamptz) IS 'stats.revision as it was known at p_as_of: first and latest vintages and the revision between them, counting only releases by then. stats.revision_asof(now()) equals stats.revision.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
