-- 025_area_targets.sql: targets for any area, with the department responsible. The Outline
-- asks regions and departments to break its targets down and carry them out level by level;
-- a target row may now name its area (ref_area, CN by default) and a responsible department,
-- and stats.target_progress judges each target on its own area's annual values (a province's
-- target on a derived indicator included). Existing targets are national: they keep CN.

ALTER TABLE statpipe.target
    ADD COLUMN ref_area text NOT NULL DEFAULT 'CN' REFERENCES statpipe.region ON UPDATE CASCADE,
    ADD COLUMN department text,
    DROP CONSTRAINT target_pkey,
    ADD PRIMARY KEY (indicator, plan, target_year, ref_area);
COMMENT ON COLUMN statpipe.target.ref_area IS 'The area the target is for: CN, or a province that breaks the national target down.';
COMMENT ON COLUMN statpipe.target.department IS 'The department responsible for reaching it, if the plan names one.';

CREATE OR REPLACE VIEW stats.target AS
SELECT t.indicator, t.plan, t.target_year, t.comparator, t.target_value, t.target_unit,
       t.target_value * u.factor AS target_value_canonical, i.canonical_unit,
       t.baseline_year, t.baseline_value, t.source, t.ref_area, t.department
  FROM statpipe.target t
  JOIN stats.indicator i ON i.code = t.indicator
  LEFT JOIN statpipe.unit_alias ua ON ua.alias = t.target_unit
  LEFT JOIN statpipe.unit u ON u.code = coalesce(ua.unit, t.target_unit);
COMMENT ON COLUMN stats.target.ref_area IS 'The area the target is for: CN (national), or a province (stats.region.code).';
COMMENT ON COLUMN stats.target.department IS 'The department responsible, if the plan names one.';

-- The judgement, made from its own definition: each target's annual values are those of its
-- area, and its rows carry the area and the department. stats.target_progress_at, the view
-- and the as-of form are made again on it with the two new columns, and the view keeps its
-- comments.
CREATE TEMP TABLE target_progress_comment ON COMMIT DROP AS
SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS what
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = 'stats.target_progress'::regclass AND a.attnum > 0 AND NOT a.attisdropped;

DO $$
DECLARE
    fn regprocedure := 'stats.target_progress_judged(timestamptz, timestamptz)'::regprocedure;
    body text := (SELECT p.prosrc FROM pg_catalog.pg_proc p WHERE p.oid = fn);
    cols text := pg_catalog.pg_get_function_result(fn);
    edits text[][] := ARRAY[
        ['SELECT DISTINCT t.indicator FROM t', 'SELECT DISTINCT t.indicator, t.ref_area FROM t'],
        ['SELECT x.indicator, v.*', 'SELECT x.indicator, x.ref_area AS target_area, v.*'],
        ['stats.annual_values_of(x.indicator, ''CN'', p_as_of)',
         'stats.annual_values_of(x.indicator, x.ref_area, p_as_of)'],
        ['a.indicator = t.indicator', 'a.indicator = t.indicator AND a.target_area = t.ref_area'],
        ['b.indicator = t.indicator', 'b.indicator = t.indicator AND b.target_area = t.ref_area'],
        ['p.baseline_year, p.baseline_value, p.source',
         'p.baseline_year, p.baseline_value, p.source, p.ref_area, p.department']];
    cols_new text;
BEGIN
    body := statpipe.replace_checked(body, edits, fn::text);
    IF cols NOT LIKE 'TABLE(%)' THEN
        RAISE EXCEPTION 'stats.target_progress_judged does not return a table';
    END IF;
    cols_new := substr(cols, 7, length(cols) - 7) || ', ref_area text, department text';
    DROP FUNCTION stats.target_progress_asof(timestamptz);
    DROP VIEW stats.target_progress;
    DROP FUNCTION stats.target_progress_at(timestamptz);
    DROP FUNCTION stats.target_progress_judged(timestamptz, timestamptz);
    EXECUTE format('CREATE FUNCTION stats.target_progress_judged(p_now timestamptz, '
                   'p_as_of timestamptz) RETURNS TABLE (%s) LANGUAGE sql STABLE SECURITY DEFINER '
                   'ROWS 50 SET search_path = pg_catalog SET jit = off AS %L', cols_new, body);
    EXECUTE format('CREATE FUNCTION stats.target_progress_at(p_now timestamptz) '
                   'RETURNS TABLE (%s) LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 '
                   'SET search_path = pg_catalog SET jit = off AS %L', cols_new,
                   'SELECT * FROM stats.target_progress_judged(p_now, now())');
END
$$;
COMMENT ON FUNCTION stats.target_progress_judged(timestamptz, timestamptz) IS 'Every plan target judged as if it were p_now (target years before p_now''s year have passed) on its area''s annual values as known at p_as_of: see stats.target_progress.';
COMMENT ON FUNCTION stats.target_progress_at(timestamptz) IS 'stats.target_progress judged as if it were p_now: target years before p_now''s year have passed. The figures are those published by now.';

CREATE VIEW stats.target_progress AS SELECT * FROM stats.target_progress_at(now());
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT * FROM target_progress_comment WHERE what IS NOT NULL LOOP
        EXECUTE format('COMMENT ON COLUMN stats.target_progress.%I IS %L', c.attname, c.what);
    END LOOP;
END
$$;
COMMENT ON VIEW stats.target_progress IS 'Every plan target (stats.target), judged on its area''s annual values (national, CN, unless the target names a province). A target whose year has passed is judged on that year''s complete value: met, missed, or no data. A target still ahead is judged on the latest value (the last complete year of a flow, the latest level of a stock or ratio) carried to the end of the target year at the recent trend: on track, at risk (projected within 10 % of the target), off track, or unknown (no value or no trend). Time is measured between the dates levels were measured, so a half-year level is half a year from the year''s end.';
COMMENT ON COLUMN stats.target_progress.latest_value IS 'The latest annual value of the target''s area: the last complete year for flows, the latest level for stocks and ratios.';
COMMENT ON COLUMN stats.target_progress.ref_area IS 'The area the target is for, whose values judge it: CN or a province.';
COMMENT ON COLUMN stats.target_progress.department IS 'The department responsible, if the plan names one.';

CREATE FUNCTION stats.target_progress_asof(p_as_of timestamptz)
RETURNS SETOF stats.target_progress
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    SELECT * FROM stats.target_progress_judged(p_as_of, p_as_of)
$$;
COMMENT ON FUNCTION stats.target_progress_asof(timestamptz) IS 'stats.target_progress as it stood at p_as_of: target years before p_as_of''s year have passed, and the annual values are those known at p_as_of. stats.target_progress_asof(now()) equals stats.target_progress.';

-- Stored evaluations carry the area and the department too; rows already stored are of
-- national targets (ref_area CN), the only kind their schema had.
ALTER TABLE statpipe.evaluation_row
    ADD COLUMN ref_area text NOT NULL DEFAULT 'CN',
    ADD COLUMN department text,
    DROP CONSTRAINT evaluation_row_pkey,
    ADD PRIMARY KEY (evaluation_id, indicator, plan, target_year, ref_area);
CREATE OR REPLACE VIEW stats.evaluation_row AS SELECT * FROM statpipe.evaluation_row;
COMMENT ON COLUMN stats.evaluation_row.ref_area IS 'The area the target is for, whose values judged it: CN or a province. (As the evaluation computed it.)';
COMMENT ON COLUMN stats.evaluation_row.department IS 'The department responsible, if the plan names one. (As the evaluation computed it.)';

-- The comparison of two evaluations, target by target and area by area.
DO $$
DECLARE
    fn regprocedure := 'stats.evaluation_diff(bigint, bigint)'::regprocedure;
    body text := (SELECT p.prosrc FROM pg_catalog.pg_proc p WHERE p.oid = fn);
    cols text := pg_catalog.pg_get_function_result(fn);
    edits text[][] := ARRAY[
        ['coalesce(a.target_year, b.target_year) AS target_year,',
         'coalesce(a.target_year, b.target_year) AS target_year, coalesce(a.ref_area, b.ref_area) AS ref_area,'],
        ['USING (indicator, plan, target_year))', 'USING (indicator, plan, target_year, ref_area))'],
        ['ORDER BY d.target_year, d.indicator, d.plan', 'ORDER BY d.target_year, d.indicator, d.plan, d.ref_area']];
BEGIN
    body := statpipe.replace_checked(body, edits, fn::text);
    cols := statpipe.replace_checked(cols, ARRAY[['target_year integer, reason text',
                                                  'target_year integer, ref_area text, reason text']],
                                     fn::text || ' columns');
    DROP FUNCTION stats.evaluation_diff(bigint, bigint);
    EXECUTE format('CREATE FUNCTION stats.evaluation_diff(p_a bigint, p_b bigint) RETURNS %s '
                   'LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS %L',
                   cols, body);
END
$$;
COMMENT ON FUNCTION stats.evaluation_diff(bigint, bigint) IS 'The targets (per area) whose rows differ between stored evaluations p_a and p_b, and why: "catalogue change" (a target added, removed or redefined), "new figure" (a later period, or a target year''s first complete value), "revised figure" (a value of the same period changed). A target whose year has passed in both is judged on that year''s value, so a change of that value is the reason given even when later periods came too. "year evaluated": the two evaluate different years and nothing else changed. Unchanged targets are not listed.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON stats.target, stats.target_progress, stats.evaluation_row TO statpipe_reader;
