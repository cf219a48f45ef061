-- 019_evaluation.sql: frozen evaluations. An evaluation of year Y stores every plan target
-- judged as at the end of Y (target years up to Y have passed) on the figures known at a
-- moment, with who ran it, when, as of when and the catalogue's version. Stored evaluations
-- never change; evaluating a year again makes a new version. stats.evaluation_diff says
-- which targets changed between two evaluations and why.

-- The catalogue's version: a digest of every catalogue table's rows, so that an evaluation
-- says which definitions (targets, units, indicators, regions, plans) it was judged by.
CREATE FUNCTION statpipe.catalogue_version() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.indicator t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.unit t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.unit_alias t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.region t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.plan t),
        (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM statpipe.target t)))
$$;
COMMENT ON FUNCTION statpipe.catalogue_version() IS 'A digest (md5) of the catalogue''s indicators, units, unit aliases, regions, plans and targets: equal digests mean the same definitions.';

CREATE TABLE statpipe.evaluation (
    evaluation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year int NOT NULL CHECK (year BETWEEN 1900 AND 2199),
    version int NOT NULL CHECK (version >= 1),
    as_of timestamptz NOT NULL,
    evaluated_at timestamptz NOT NULL,
    evaluated_by text NOT NULL,
    catalogue_version text NOT NULL,
    note text,
    UNIQUE (year, version),
    CHECK (as_of <= evaluated_at)
);
COMMENT ON TABLE statpipe.evaluation IS 'Stored evaluations (statpipe evaluate); rows never change. Readers see stats.evaluation.';

-- The rows: stats.target_progress's columns, as they were computed.
CREATE TABLE statpipe.evaluation_row AS
    SELECT 0::bigint AS evaluation_id, t.* FROM stats.target_progress t WITH NO DATA;
ALTER TABLE statpipe.evaluation_row
    ALTER COLUMN evaluation_id SET NOT NULL,
    ALTER COLUMN indicator SET NOT NULL,
    ALTER COLUMN plan SET NOT NULL,
    ALTER COLUMN target_year SET NOT NULL,
    ADD PRIMARY KEY (evaluation_id, indicator, plan, target_year),
    ADD FOREIGN KEY (evaluation_id) REFERENCES statpipe.evaluation;
COMMENT ON TABLE statpipe.evaluation_row IS 'Every target''s row of a stored evaluation, as stats.target_progress computed it then; rows never change. Readers see stats.evaluation_row.';

CREATE FUNCTION statpipe.evaluation_frozen() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'stored evaluations never change (% on %)', TG_OP, TG_TABLE_NAME
        USING HINT = 'run statpipe evaluate again: it stores a new version';
END
$$;
COMMENT ON FUNCTION statpipe.evaluation_frozen() IS 'Refuses any change to a stored evaluation.';
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON statpipe.evaluation
    FOR EACH ROW EXECUTE FUNCTION statpipe.evaluation_frozen();
CREATE TRIGGER frozen_truncate BEFORE TRUNCATE ON statpipe.evaluation
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.evaluation_frozen();
CREATE TRIGGER frozen BEFORE UPDATE OR DELETE ON statpipe.evaluation_row
    FOR EACH ROW EXECUTE FUNCTION statpipe.evaluation_frozen();
CREATE TRIGGER frozen_truncate BEFORE TRUNCATE ON statpipe.evaluation_row
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.evaluation_frozen();

-- Stored rows are read by every reader, so an evaluation is computed from what every reader
-- may see, whoever stores it: with statpipe.public_only on, no login sees confidential
-- figures. The setting can only hide; a reader who sets it sees less.
CREATE OR REPLACE FUNCTION stats.sees_confidential() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT pg_catalog.pg_has_role(session_user, 'statpipe_internal', 'MEMBER')
       AND pg_catalog.current_setting('statpipe.public_only', true) IS DISTINCT FROM 'on'
$$;
COMMENT ON FUNCTION stats.sees_confidential() IS 'True when the connected login may see confidential figures (a superuser, or a member of statpipe_internal) and the setting statpipe.public_only is not on (statpipe.evaluate sets it, so that stored evaluations hold only public figures).';

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'statpipe_evaluator') THEN
        CREATE ROLE statpipe_evaluator NOLOGIN IN ROLE statpipe_reader;
    END IF;
END
$$;
COMMENT ON ROLE statpipe_evaluator IS 'Evaluators: what statpipe_reader may, and store evaluations (statpipe.evaluate, which statpipe evaluate calls).';

-- Stores the evaluation of p_year as known at p_as_of, from public figures only, and returns
-- its id. Year p_year must
-- have ended by p_as_of (in the session's time zone), and p_as_of must not be after now (what is not yet released can
-- still change). Runs as the schema's owner; the login that called it is recorded.
CREATE FUNCTION statpipe.evaluate(p_year int, p_as_of timestamptz, p_note text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    -- The year judged has passed, the next has not: any moment inside the next year. Years
    -- begin and end in the session's time zone, as in stats.target_progress_at.
    judged_at timestamptz := make_timestamptz(p_year + 1, 7, 1, 0, 0, 0);
    year_end timestamptz := make_timestamptz(p_year + 1, 1, 1, 0, 0, 0);
    public_only text := pg_catalog.current_setting('statpipe.public_only', true);
    id bigint;
BEGIN
    IF p_year IS NULL OR p_year NOT BETWEEN 1900 AND 2199 THEN
        RAISE EXCEPTION 'the year to evaluate must be between 1900 and 2199, not %', p_year
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_as_of IS NULL OR p_as_of > now() THEN
        RAISE EXCEPTION 'an evaluation is as of a moment that has come, not %', p_as_of
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'releases after now can still change; give a time up to now';
    END IF;
    IF p_as_of < year_end THEN
        RAISE EXCEPTION 'year % has not ended at %', p_year, p_as_of
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'evaluate a year once it has ended: give an as-of time from 1 January of the next year';
    END IF;
    -- One writer at a time, so that versions count up without gaps.
    LOCK TABLE statpipe.evaluation IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO statpipe.evaluation (year, version, as_of, evaluated_at, evaluated_by,
                                     catalogue_version, note)
    SELECT p_year, coalesce(max(e.version), 0) + 1, p_as_of, now(), session_user,
           statpipe.catalogue_version(), nullif(p_note, '')
      FROM statpipe.evaluation e WHERE e.year = p_year
    RETURNING evaluation_id INTO id;
    PERFORM pg_catalog.set_config('statpipe.public_only', 'on', true);
    INSERT INTO statpipe.evaluation_row
    SELECT id, t.* FROM stats.target_progress_judged(judged_at, p_as_of) t;
    PERFORM pg_catalog.set_config('statpipe.public_only', coalesce(public_only, ''), true);
    RETURN id;
END
$$;
COMMENT ON FUNCTION statpipe.evaluate(int, timestamptz, text) IS 'Stores the evaluation of p_year: every plan target judged as at the end of p_year (target years up to p_year have passed) on the national figures known at p_as_of that every reader may see (never confidential ones, whoever calls it), with the login, the time, the catalogue version and p_note. Returns its evaluation_id; a year evaluated again gets the next version.';
REVOKE EXECUTE ON FUNCTION statpipe.evaluate(int, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION statpipe.evaluate(int, timestamptz, text) TO statpipe_evaluator;
GRANT USAGE ON SCHEMA statpipe TO statpipe_evaluator;

CREATE VIEW stats.evaluation AS
    SELECT e.evaluation_id, e.year, e.version, e.as_of, e.evaluated_at, e.evaluated_by,
           e.catalogue_version, e.note,
           (SELECT count(*) FROM statpipe.evaluation_row r
             WHERE r.evaluation_id = e.evaluation_id) AS targets
      FROM statpipe.evaluation e;
COMMENT ON VIEW stats.evaluation IS 'Stored evaluations (statpipe evaluate): each a frozen judgement of every plan target. They never change; a year evaluated again has a higher version.';
COMMENT ON COLUMN stats.evaluation.evaluation_id IS 'The evaluation''s id (statpipe report --evaluation ID).';
COMMENT ON COLUMN stats.evaluation.year IS 'The year evaluated: target years up to it are judged as passed, later ones on their trend.';
COMMENT ON COLUMN stats.evaluation.version IS '1 for a year''s first evaluation, 2 for the next, and so on.';
COMMENT ON COLUMN stats.evaluation.as_of IS 'The figures are those released at or before this moment.';
COMMENT ON COLUMN stats.evaluation.evaluated_at IS 'When the evaluation was stored.';
COMMENT ON COLUMN stats.evaluation.evaluated_by IS 'The login that stored it.';
COMMENT ON COLUMN stats.evaluation.catalogue_version IS 'statpipe.catalogue_version() when it was stored: equal values mean the same targets, units and indicators.';
COMMENT ON COLUMN stats.evaluation.note IS 'What the evaluator wrote with it (statpipe evaluate --note).';
COMMENT ON COLUMN stats.evaluation.targets IS 'How many target rows it holds.';

CREATE VIEW stats.evaluation_row AS SELECT * FROM statpipe.evaluation_row;
COMMENT ON VIEW stats.evaluation_row IS 'Every target''s row of each stored evaluation, with the columns of stats.target_progress as computed then (see that view for each column''s meaning).';
COMMENT ON COLUMN stats.evaluation_row.evaluation_id IS 'The evaluation (stats.evaluation) the row belongs to.';
-- The other columns mean what they mean in stats.target_progress, as of the evaluation.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS what
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = 'stats.target_progress'::regclass AND a.attnum > 0
                AND NOT a.attisdropped LOOP
        EXECUTE format('COMMENT ON COLUMN stats.evaluation_row.%I IS %L', c.attname,
                       coalesce(c.what, 'See stats.target_progress.') || ' (As the evaluation computed it.)');
    END LOOP;
END
$$;

-- What changed for each target between evaluations a and b, and why.
CREATE FUNCTION stats.evaluation_diff(p_a bigint, p_b bigint)
RETURNS TABLE (indicator text, plan text, target_year int, reason text, status_a text,
               status_b text, latest_period_a text, latest_period_b text,
               latest_value_a numeric, latest_value_b numeric, target_year_value_a numeric,
               target_year_value_b numeric, target_value_a numeric, target_value_b numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    WITH a AS (SELECT * FROM statpipe.evaluation_row WHERE evaluation_id = p_a),
         b AS (SELECT * FROM statpipe.evaluation_row WHERE evaluation_id = p_b),
         d AS (
        SELECT coalesce(a.indicator, b.indicator) AS indicator,
               coalesce(a.plan, b.plan) AS plan,
               coalesce(a.target_year, b.target_year) AS target_year,
               CASE
                   WHEN a.indicator IS NULL THEN 'catalogue change: target added'
                   WHEN b.indicator IS NULL THEN 'catalogue change: target removed'
                   WHEN (a.comparator, a.target_value, a.target_as_stated, a.target_unit_as_stated)
                        IS DISTINCT FROM
                        (b.comparator, b.target_value, b.target_as_stated, b.target_unit_as_stated)
                   THEN 'catalogue change: target redefined'
                   -- A passed target is judged on its year's value: that value's change
                   -- is the reason, whatever else changed.
                   WHEN a.target_year_passed AND b.target_year_passed
                    AND a.target_year_value IS DISTINCT FROM b.target_year_value
                   THEN CASE WHEN a.target_year_value IS NULL THEN 'new figure'
                             ELSE 'revised figure' END
                   WHEN a.latest_period IS DISTINCT FROM b.latest_period
                     OR a.target_year_value IS NULL AND b.target_year_value IS NOT NULL
                   THEN 'new figure'
                   WHEN a.target_year_value IS DISTINCT FROM b.target_year_value
                     OR a.latest_value IS DISTINCT FROM b.latest_value
                     OR a.trend_cagr IS DISTINCT FROM b.trend_cagr
                     OR a.first_year_met IS DISTINCT FROM b.first_year_met
                   THEN 'revised figure'
                   WHEN a.target_year_passed IS DISTINCT FROM b.target_year_passed
                   THEN 'year evaluated'
               END AS reason,
               a.status AS status_a, b.status AS status_b,
               a.latest_period AS latest_period_a, b.latest_period AS latest_period_b,
               a.latest_value AS latest_value_a, b.latest_value AS latest_value_b,
               a.target_year_value AS target_year_value_a,
               b.target_year_value AS target_year_value_b,
               a.target_value AS target_value_a, b.target_value AS target_value_b
          FROM a FULL JOIN b USING (indicator, plan, target_year))
    SELECT * FROM d WHERE d.reason IS NOT NULL
     ORDER BY d.target_year, d.indicator, d.plan
$$;
COMMENT ON FUNCTION stats.evaluation_diff(bigint, bigint) IS 'The targets whose rows differ between stored evaluations p_a and p_b, and why: "catalogue change" (a target added, removed or redefined), "new figure" (a later period, or a target year''s first complete value), "revised figure" (a value of the same period changed). A target whose year has passed in both is judged on that year''s value, so a change of that value is the reason given even when later periods came too. "year evaluated": the two evaluate different years and nothing else changed. Unchanged targets are not listed.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON stats.evaluation, stats.evaluation_row TO statpipe_reader;
