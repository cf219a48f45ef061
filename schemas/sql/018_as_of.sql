-- 018_as_of.sql: the derived views as of any moment, so that an evaluation can be
-- reproduced: stats.period_value_asof, stats.annual_value_asof, stats.growth_asof,
-- stats.regional_value_asof, stats.national_check_asof and stats.target_progress_asof give
-- what was known at p_as_of (releases after it, and after now, unknown), by the same rules
-- as the views of the same names, embargo, confidentiality and secondary suppression
-- included. (stats.observation_asof, from 004, does the same for observation_latest.) They
-- compute from the vintages at query time (the kept tables hold only what is known now),
-- one series or indicator and area at a time.

CREATE FUNCTION stats.period_value_asof(p_as_of timestamptz)
RETURNS TABLE (sender text, indicator text, ref_area text, freq text, time_period text,
               period_start date, period_end date, value numeric, unit text,
               published_as text, covered_from date, covered_to date, months_covered int,
               obs_status text, conf_status text, release timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 1000 SET search_path = pg_catalog SET jit = off AS $$
    SELECT s.sender, s.indicator, s.ref_area, s.freq, p.time_period, p.period_start,
           p.period_end, p.value, p.unit, s.calc_basis, p.covered_from, p.covered_to,
           p.months_covered, p.obs_status, p.conf_status, p.release
      FROM statpipe.series s
     CROSS JOIN LATERAL stats.period_values_shown(s.series_id, p_as_of) p
$$;
COMMENT ON FUNCTION stats.period_value_asof(timestamptz) IS 'stats.period_value as it was known at p_as_of: each period''s value from the vintages released at or before p_as_of (and never after now), by the same rules and with the same columns. stats.period_value_asof(now()) equals stats.period_value.';

CREATE FUNCTION stats.annual_value_asof(p_as_of timestamptz)
RETURNS TABLE (indicator text, ref_area text, year int, value numeric, unit text,
               complete boolean, months_covered int, method text, last_period text,
               last_period_end date, sender text, freq text, published_as text,
               release timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 1000 SET search_path = pg_catalog SET jit = off AS $$
    SELECT ia.indicator, ia.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
           a.method, a.last_period, a.last_period_end, a.sender, a.freq, a.published_as,
           a.release
      FROM (SELECT DISTINCT s.indicator, s.ref_area FROM statpipe.series s) ia
     CROSS JOIN LATERAL stats.annual_values_of(ia.indicator, ia.ref_area, p_as_of) a
$$;
COMMENT ON FUNCTION stats.annual_value_asof(timestamptz) IS 'stats.annual_value as it was known at p_as_of: the annual values computed from the vintages released at or before p_as_of (and never after now), by the same rules and with the same columns. stats.annual_value_asof(now()) equals stats.annual_value.';

-- stats.target_progress_judged(p_now, p_as_of): the judgement of stats.target_progress_at,
-- on the national annual values as known at p_as_of instead of now. It is made from that
-- function's definition, and stats.target_progress_at then calls it, so that the judgement
-- is written once.
DO $$
DECLARE
    def text := pg_catalog.pg_get_functiondef('stats.target_progress_at(timestamptz)'::regprocedure);
    body text := (SELECT p.prosrc FROM pg_catalog.pg_proc p
                   WHERE p.oid = 'stats.target_progress_at(timestamptz)'::regprocedure);
    head text := 'stats.target_progress_at(p_now timestamp with time zone)';
    call text := 'stats.annual_values_of(x.indicator, ''CN'')';
BEGIN
    IF position(head IN def) = 0 OR position(call IN body) = 0 THEN
        RAISE EXCEPTION 'stats.target_progress_at is not the function 009 defines';
    END IF;
    EXECUTE replace(replace(def, head, 'stats.target_progress_judged(p_now timestamp with time '
                                       'zone, p_as_of timestamp with time zone)'),
                    call, 'stats.annual_values_of(x.indicator, ''CN'', p_as_of)');
    EXECUTE replace(def, body, E'\n    SELECT * FROM stats.target_progress_judged(p_now, now())\n');
END
$$;
COMMENT ON FUNCTION stats.target_progress_judged(timestamptz, timestamptz) IS 'Every plan target judged as if it were p_now (target years before p_now''s year have passed) on the national annual values as known at p_as_of: see stats.target_progress.';

CREATE FUNCTION stats.target_progress_asof(p_as_of timestamptz)
RETURNS SETOF stats.target_progress
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    SELECT * FROM stats.target_progress_judged(p_as_of, p_as_of)
$$;
COMMENT ON FUNCTION stats.target_progress_asof(timestamptz) IS 'stats.target_progress as it stood at p_as_of: target years before p_as_of''s year have passed, and the national annual values are those known at p_as_of. stats.target_progress_asof(now()) equals stats.target_progress.';

CREATE FUNCTION stats.growth_asof(p_as_of timestamptz)
RETURNS SETOF stats.growth
LANGUAGE sql STABLE SECURITY DEFINER ROWS 1000 SET search_path = pg_catalog SET jit = off AS $$
    SELECT g.sender, g.indicator, g.ref_area, g.freq, x.time_period, x.covered_from,
           x.covered_to, x.months_covered, x.value, x.unit, x.previous_value,
           x.period_on_period, x.period_on_period_points, x.year_ago_value, x.year_on_year,
           x.year_on_year_points
      FROM (SELECT DISTINCT s.sender, s.indicator, s.ref_area, s.freq FROM statpipe.series s) g
     CROSS JOIN LATERAL stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, p_as_of) x
$$;
COMMENT ON FUNCTION stats.growth_asof(timestamptz) IS 'stats.growth as it was known at p_as_of: growth of the period values known then, by the same rules and with the same columns. stats.growth_asof(now()) equals stats.growth.';

-- stats.regional_value_asof and stats.national_check_asof: the roll-ups of the provinces,
-- made from the views' own definitions with the annual values (and the roll-up) as known at
-- p_as_of, so that each rule is written once.
DO $$
DECLARE
    regional text;
    national text;
    path text := pg_catalog.current_setting('search_path');
BEGIN
    -- With only pg_catalog on the path, the definitions name every relation in full.
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
    regional := pg_catalog.pg_get_viewdef('stats.regional_value'::regclass);
    national := pg_catalog.pg_get_viewdef('stats.national_check'::regclass);
    IF position('stats.annual_value ' IN regional) = 0
       OR position('stats.annual_value ' IN national) = 0
       OR position('stats.regional_value ' IN national) = 0 THEN
        RAISE EXCEPTION 'stats.regional_value or stats.national_check is not the view 008 defines';
    END IF;
    EXECUTE format('CREATE FUNCTION stats.regional_value_asof(p_as_of timestamptz) '
                   'RETURNS SETOF stats.regional_value LANGUAGE sql STABLE SECURITY DEFINER '
                   'ROWS 1000 SET search_path = pg_catalog SET jit = off AS %L',
                   replace(regional, 'stats.annual_value ', 'stats.annual_value_asof(p_as_of) '));
    EXECUTE format('CREATE FUNCTION stats.national_check_asof(p_as_of timestamptz) '
                   'RETURNS SETOF stats.national_check LANGUAGE sql STABLE SECURITY DEFINER '
                   'ROWS 100 SET search_path = pg_catalog SET jit = off AS %L',
                   replace(replace(national, 'stats.annual_value ',
                                   'stats.annual_value_asof(p_as_of) '),
                           'stats.regional_value ', 'stats.regional_value_asof(p_as_of) '));
    PERFORM pg_catalog.set_config('search_path', path, true);
END
$$;
COMMENT ON FUNCTION stats.regional_value_asof(timestamptz) IS 'stats.regional_value as it was known at p_as_of: the roll-ups of the provinces'' annual values known then. stats.regional_value_asof(now()) equals stats.regional_value.';
COMMENT ON FUNCTION stats.national_check_asof(timestamptz) IS 'stats.national_check as it was known at p_as_of. stats.national_check_asof(now()) equals stats.national_check.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
