-- 026_breakdown.sql: the breakdown dimension (total, urban, rural ...) in the series key,
-- and the urban–rural gap.
--
-- A message may name a breakdown (breakdowns.csv); one that names none is the total, _T,
-- which is what every series stored before this migration is. The breakdown is part of the
-- series key, so an urban series and the total never mix: every view of series, periods and
-- annual values (observation_*, revision, period_value, growth, annual_value, missing_period,
-- stale_series and their as-of forms) carries it as its last column, where a query that
-- names its columns does not see it move. The views that combine areas or indicators
-- (regional_value, national_check, regional_gap, the composite index, target_progress, the
-- derived indicators and validation_result) are defined on the totals: the catalogue's
-- weights and targets are those of the totals. stats.urban_rural_gap sets the urban value
-- of an indicator, area and year beside the rural one.
--
-- Each view is rewritten from its own definition with checked edits (statpipe.replace_checked),
-- so that every rule stays written once.

CREATE TABLE statpipe.breakdown (
    code     text PRIMARY KEY,
    name_zh  text NOT NULL,
    name_en  text NOT NULL,
    note     text
);
COMMENT ON TABLE statpipe.breakdown IS 'Breakdowns of a figure (schemas/catalogue/breakdowns.csv): _T the total, URB urban, RUR rural. Part of the series key.';
INSERT INTO statpipe.breakdown (code, name_zh, name_en, note)
VALUES ('_T', '合计', 'Total', 'the default: a message without breakdown is the total');
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.breakdown
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
GRANT SELECT ON statpipe.breakdown TO statpipe_loader;

CREATE VIEW stats.breakdown AS SELECT code, name_zh, name_en, note FROM statpipe.breakdown;
COMMENT ON VIEW stats.breakdown IS 'Breakdowns of a figure: _T the total (what a message without breakdown is), URB urban, RUR rural. The breakdown column of every view of series names one.';
COMMENT ON COLUMN stats.breakdown.code IS 'The breakdown code used in messages and in the breakdown column of the stats views.';
COMMENT ON COLUMN stats.breakdown.name_zh IS 'The breakdown''s name in Chinese.';
COMMENT ON COLUMN stats.breakdown.name_en IS 'The breakdown''s name in English.';
COMMENT ON COLUMN stats.breakdown.note IS 'Who publishes figures of this breakdown, where the catalogue says.';

-- ---- the series key and the kept values -------------------------------------------------

-- The new columns are added without a default and filled, and the kept tables are emptied
-- and filled again: PostgreSQL keeps the default of a column added with one aside, and every
-- row of the table is then read by a path that fills it in, three times slower for a scan.
CREATE TEMP TABLE kept_before_breakdown ON COMMIT DROP AS
SELECT indicator, ref_area, year FROM statpipe.kept_year;
TRUNCATE statpipe.kept_year, statpipe.observation_latest_kept, statpipe.period_value_kept,
         statpipe.annual_value_kept;

ALTER TABLE statpipe.series ADD COLUMN breakdown text;
UPDATE statpipe.series SET breakdown = '_T';
ALTER TABLE statpipe.series
    ALTER COLUMN breakdown SET DEFAULT '_T',
    ALTER COLUMN breakdown SET NOT NULL,
    ADD FOREIGN KEY (breakdown) REFERENCES statpipe.breakdown (code) ON UPDATE CASCADE,
    DROP CONSTRAINT series_sender_indicator_ref_area_freq_calc_basis_key,
    ADD CONSTRAINT series_key UNIQUE (sender, indicator, ref_area, freq, calc_basis, breakdown);
COMMENT ON TABLE statpipe.series IS 'One row per series: (sender, indicator, ref_area, freq, calc_basis, breakdown).';
COMMENT ON COLUMN statpipe.series.breakdown IS 'The breakdown (statpipe.breakdown): _T for the total.';

-- A kept year (statpipe.kept_year) holds every breakdown of its indicator and area.
ALTER TABLE statpipe.observation_latest_kept
    ADD COLUMN breakdown text NOT NULL,
    DROP CONSTRAINT observation_latest_kept_pkey,
    ADD PRIMARY KEY (indicator, ref_area, time_period, sender, freq, calc_basis, breakdown);
ALTER TABLE statpipe.period_value_kept ADD COLUMN breakdown text NOT NULL;
ALTER TABLE statpipe.annual_value_kept
    ADD COLUMN breakdown text NOT NULL,
    DROP CONSTRAINT annual_value_kept_pkey,
    ADD PRIMARY KEY (indicator, ref_area, year, breakdown);
COMMENT ON COLUMN statpipe.annual_value_kept.breakdown IS 'The breakdown of the series the value comes from.';

CREATE OR REPLACE FUNCTION statpipe.series_key_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    UPDATE statpipe.observation_latest_kept k
       SET sender = n.sender, indicator = n.indicator, ref_area = n.ref_area, freq = n.freq,
           calc_basis = n.calc_basis, breakdown = n.breakdown
      FROM old_rows o JOIN new_rows n ON n.series_id = o.series_id
     WHERE (k.sender, k.indicator, k.ref_area, k.freq, k.calc_basis, k.breakdown)
           = (o.sender, o.indicator, o.ref_area, o.freq, o.calc_basis, o.breakdown)
       AND (o.sender, o.indicator, o.ref_area, o.freq, o.calc_basis, o.breakdown)
           IS DISTINCT FROM (n.sender, n.indicator, n.ref_area, n.freq, n.calc_basis, n.breakdown);
    UPDATE statpipe.period_value_kept k
       SET sender = n.sender, indicator = n.indicator, ref_area = n.ref_area, freq = n.freq,
           calc_basis = n.calc_basis, breakdown = n.breakdown
      FROM new_rows n
     WHERE k.series_id = n.series_id
       AND (k.sender, k.indicator, k.ref_area, k.freq, k.calc_basis, k.breakdown)
           IS DISTINCT FROM (n.sender, n.indicator, n.ref_area, n.freq, n.calc_basis, n.breakdown);
    RETURN NULL;
END
$$;

-- Makes one object from another's definition: a view replaced by its own definition with
-- the edits (keeping its options, comments and grants), or a function by its own
-- CREATE OR REPLACE statement with the edits (which may rename it: a new overload).
CREATE FUNCTION statpipe.redefine_view(p_view regclass, p_edits text[])
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    opts text;
BEGIN
    SELECT coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') INTO opts
      FROM pg_class c WHERE c.oid = p_view;
    EXECUTE format('CREATE OR REPLACE VIEW %s%s AS %s', p_view, opts,
                   statpipe.replace_checked(pg_get_viewdef(p_view), p_edits, p_view::text));
END
$$;
COMMENT ON FUNCTION statpipe.redefine_view(regclass, text[]) IS 'Replaces a view by its own definition with p_edits applied (see statpipe.replace_checked), keeping its options.';
CREATE FUNCTION statpipe.redefine_function(p_fn regprocedure, p_edits text[])
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    EXECUTE statpipe.replace_checked(pg_get_functiondef(p_fn), p_edits, p_fn::text);
END
$$;
COMMENT ON FUNCTION statpipe.redefine_function(regprocedure, text[]) IS 'Runs a function''s own CREATE OR REPLACE statement with p_edits applied (see statpipe.replace_checked): the same function redefined, or a new one made from it.';

-- The kept rows of a kept year: every window and group of a series' key takes the
-- breakdown too.
SELECT statpipe.redefine_function('statpipe.refresh_kept(text[], text[], int[])', ARRAY[
    ['INSERT INTO statpipe.observation_latest_kept (sender, indicator, ref_area, freq,
        calc_basis, time_period,',
     'INSERT INTO statpipe.observation_latest_kept (sender, indicator, ref_area, freq,
        calc_basis, breakdown, time_period,'],
    ['SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           v.time_period,',
     'SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis, s.breakdown,
           v.time_period,'],
    ['months_covered, shown, previous_value,
        year_ago_value)',
     'months_covered, shown, previous_value,
        year_ago_value, breakdown)'],
    ['SELECT s.series_id, s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis, t.year,',
     'SELECT s.series_id, s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis, s.breakdown, t.year,'],
    ['SELECT d.series_id, d.sender, d.indicator, d.ref_area, d.freq, d.calc_basis, d.year,',
     'SELECT d.series_id, d.sender, d.indicator, d.ref_area, d.freq, d.calc_basis, d.breakdown, d.year,'],
    ['p.ref_area COLLATE "C", p.freq COLLATE "C", p.year)',
     'p.ref_area COLLATE "C", p.freq COLLATE "C", p.breakdown COLLATE "C", p.year)'],
    ['SELECT f.series_id, f.time_period, f.sender, f.indicator, f.ref_area, f.freq,',
     'SELECT f.series_id, f.time_period, f.sender, f.indicator, f.ref_area, f.freq, f.breakdown,'],
    ['SELECT DISTINCT n.series_id, n.time_period, n.sender, n.indicator, n.ref_area, n.freq,',
     'SELECT DISTINCT n.series_id, n.time_period, n.sender, n.indicator, n.ref_area, n.freq, n.breakdown,'],
    ['q.ref_area COLLATE "C", q.freq COLLATE "C"
',
     'q.ref_area COLLATE "C", q.freq COLLATE "C", q.breakdown COLLATE "C"
'],
    ['f.months_covered, f.shown, g.previous_value, g.year_ago_value
',
     'f.months_covered, f.shown, g.previous_value, g.year_ago_value, f.breakdown
'],
    ['n.months_covered, n.shown, g.previous_value, g.year_ago_value
',
     'n.months_covered, n.shown, g.previous_value, g.year_ago_value, n.breakdown
'],
    ['last_period, last_period_end, sender, freq, published_as,
        release)',
     'last_period, last_period_end, sender, freq, published_as,
        release, breakdown)'],
    ['pv.ref_area COLLATE "C", pv.year)',
     'pv.ref_area COLLATE "C", pv.breakdown COLLATE "C", pv.year)'],
    ['c.indicator, c.ref_area, c.sender, c.freq, c.calc_basis, c.year, c.time_agg',
     'c.indicator, c.ref_area, c.breakdown, c.sender, c.freq, c.calc_basis, c.year, c.time_agg'],
    ['SELECT DISTINCT ON (j.indicator, j.ref_area, j.year)',
     'SELECT DISTINCT ON (j.indicator, j.ref_area, j.breakdown, j.year)'],
    ['j.sender, j.freq, j.calc_basis, j.release',
     'j.sender, j.freq, j.calc_basis, j.release, j.breakdown'],
    ['ORDER BY j.indicator, j.ref_area, j.year,',
     'ORDER BY j.indicator, j.ref_area, j.breakdown, j.year,']]);

-- Every kept year computed again, into the emptied tables.
SELECT statpipe.refresh_kept(array_agg(indicator), array_agg(ref_area), array_agg(year))
  FROM kept_before_breakdown;

-- A YTD-derived value is hidden by a PER value of its own breakdown only.
SELECT statpipe.redefine_function('stats.period_values_shown(bigint, timestamptz)', ARRAY[
    ['AND qs.calc_basis = ''PER''', 'AND qs.calc_basis = ''PER'' AND qs.breakdown = me.breakdown']]);

-- ---- functions per series key: a breakdown argument, the old forms the total's ----------

SELECT statpipe.redefine_function('stats.growth_of(text, text, text, text, timestamptz)', ARRAY[
    ['p_freq text, p_as_of timestamp with time zone DEFAULT now())',
     'p_freq text, p_as_of timestamp with time zone, p_breakdown text)'],
    ['AND s.freq = p_freq)', 'AND s.freq = p_freq AND s.breakdown = p_breakdown)']]);
COMMENT ON FUNCTION stats.growth_of(text, text, text, text, timestamptz, text) IS 'Growth of the shown period values of one sender, indicator, area, frequency and breakdown as known at p_as_of: see stats.growth.';
CREATE OR REPLACE FUNCTION stats.growth_of(p_sender text, p_indicator text, p_ref_area text,
                                           p_freq text, p_as_of timestamptz DEFAULT now())
RETURNS TABLE (time_period text, covered_from date, covered_to date, months_covered int,
               value numeric, unit text, previous_value numeric, period_on_period numeric,
               period_on_period_points numeric, year_ago_value numeric, year_on_year numeric,
               year_on_year_points numeric)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 50 SET search_path = pg_catalog SET jit = off AS $$
    SELECT * FROM stats.growth_of(p_sender, p_indicator, p_ref_area, p_freq, p_as_of, '_T')
$$;
COMMENT ON FUNCTION stats.growth_of(text, text, text, text, timestamptz) IS 'stats.growth_of of the total (breakdown _T).';

SELECT statpipe.redefine_function('stats.annual_values_measured(text, text, timestamptz)', ARRAY[
    ['p_ref_area text, p_as_of timestamp with time zone DEFAULT now())',
     'p_ref_area text, p_as_of timestamp with time zone, p_breakdown text)'],
    ['WHERE s.indicator = p_indicator AND s.ref_area = p_ref_area)',
     'WHERE s.indicator = p_indicator AND s.ref_area = p_ref_area AND s.breakdown = p_breakdown)']]);
COMMENT ON FUNCTION stats.annual_values_measured(text, text, timestamptz, text) IS 'The annual values of one indicator, area and breakdown from its published figures as known at p_as_of: see stats.annual_value.';
CREATE OR REPLACE FUNCTION stats.annual_values_measured(p_indicator text, p_ref_area text,
                                                       p_as_of timestamptz DEFAULT now())
RETURNS TABLE (year int, value numeric, unit text, sender text, freq text, published_as text,
               method text, months_covered int, complete boolean, last_period text,
               last_period_end date, release timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 20 SET search_path = pg_catalog SET jit = off AS $$
    SELECT * FROM stats.annual_values_measured(p_indicator, p_ref_area, p_as_of, '_T')
$$;
COMMENT ON FUNCTION stats.annual_values_measured(text, text, timestamptz) IS 'stats.annual_values_measured of the total (breakdown _T).';


CREATE FUNCTION stats.annual_values_of(p_indicator text, p_ref_area text, p_as_of timestamptz,
                                       p_breakdown text)
RETURNS TABLE (year int, value numeric, unit text, sender text, freq text, published_as text,
               method text, months_covered int, complete boolean, last_period text,
               last_period_end date, release timestamptz, derivation text, missing_reason text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 20 SET search_path = pg_catalog SET jit = off AS $$
    SELECT m.*, NULL::text, NULL::text
      FROM stats.annual_values_measured(p_indicator, p_ref_area, p_as_of, p_breakdown) m
    UNION ALL
    SELECT d.* FROM stats.derived_values_of(p_indicator, p_ref_area, p_as_of) d
     WHERE p_breakdown = '_T'
$$;
COMMENT ON FUNCTION stats.annual_values_of(text, text, timestamptz, text) IS 'The annual values of one indicator, area and breakdown as known at p_as_of, measured or derived (derived indicators are totals): see stats.annual_value.';

-- ---- the views of series: breakdown as the last column ----------------------------------

SELECT statpipe.redefine_view('statpipe.annual_value_measured', ARRAY[
    ['    u.release
   FROM ( SELECT a.indicator,', '    u.release,
    u.breakdown
   FROM ( SELECT a.indicator,'],
    ['            a.release
           FROM (statpipe.kept_year_now k', '            a.release,
            a.breakdown
           FROM (statpipe.kept_year_now k'],
    ['           FROM (( SELECT DISTINCT k.indicator,
                    k.ref_area
                   FROM statpipe.kept_year_now k
                  WHERE (NOT k.current)) ia
             CROSS JOIN LATERAL stats.annual_values_measured(ia.indicator, ia.ref_area, now())',
     '           FROM (( SELECT DISTINCT k.indicator,
                    k.ref_area, s.breakdown
                   FROM statpipe.kept_year_now k
                   JOIN statpipe.series s ON s.indicator = k.indicator AND s.ref_area = k.ref_area
                  WHERE (NOT k.current)) ia
             CROSS JOIN LATERAL stats.annual_values_measured(ia.indicator, ia.ref_area, now(), ia.breakdown)'],
    ['            a.release
           FROM ((', '            a.release,
            ia.breakdown
           FROM ((']]);

-- Derived indicators are formulas of totals, made from the measured
-- annual values of the totals.
SELECT statpipe.redefine_function('stats.derived_values_of(text, text, timestamptz)', ARRAY[
    ['v.freq, v.published_as, v.release)::statpipe.annual_value_measured',
     'v.freq, v.published_as, v.release, ''_T''::text)::statpipe.annual_value_measured']]);

SELECT statpipe.redefine_view('stats.annual_value', ARRAY[
    ['    NULL::text AS missing_reason
   FROM statpipe.annual_value_measured m', '    NULL::text AS missing_reason,
    m.breakdown
   FROM statpipe.annual_value_measured m'],
    ['    x.missing_reason
   FROM ((', '    x.missing_reason,
    ''_T''::text AS breakdown
   FROM (('],
    ['FROM statpipe.annual_value_measured i
                  WHERE (i.indicator IN', 'FROM statpipe.annual_value_measured i
                  WHERE i.breakdown = ''_T'' AND (i.indicator IN']]);

SELECT statpipe.redefine_view('stats.observation_latest', ARRAY[
    ['    u.unit_mult
   FROM (', '    u.unit_mult,
    u.breakdown
   FROM ('],
    ['            l.unit_mult
           FROM statpipe.observation_latest_kept l', '            l.unit_mult,
            l.breakdown
           FROM statpipe.observation_latest_kept l'],
    ['            v.unit_mult
           FROM (statpipe.kept_year_now k', '            v.unit_mult,
            v.breakdown
           FROM (statpipe.kept_year_now k'],
    ['                    s.calc_basis,
                    v_1.series_id,', '                    s.calc_basis,
                    s.breakdown,
                    v_1.series_id,']]);

SELECT statpipe.redefine_view('stats.period_value', ARRAY[
    ['    u.release
   FROM (', '    u.release,
    u.breakdown
   FROM ('],
    ['            p.release
           FROM statpipe.period_value_kept p', '            p.release,
            p.breakdown
           FROM statpipe.period_value_kept p'],
    ['            p.release
           FROM (statpipe.series s', '            p.release,
            s.breakdown
           FROM (statpipe.series s']]);

SELECT statpipe.redefine_view('stats.growth', ARRAY[
    ['    u.year_on_year_points
   FROM (', '    u.year_on_year_points,
    u.breakdown
   FROM ('],
    ['                END AS year_on_year_points
           FROM (statpipe.period_value_kept p', '                END AS year_on_year_points,
            p.breakdown
           FROM (statpipe.period_value_kept p'],
    ['            x.year_on_year_points
           FROM (( SELECT DISTINCT s.sender,
                    s.indicator,
                    s.ref_area,
                    s.freq
', '            x.year_on_year_points,
            g.breakdown
           FROM (( SELECT DISTINCT s.sender,
                    s.indicator,
                    s.ref_area,
                    s.freq,
                    s.breakdown
'],
    ['stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now())',
     'stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, now(), g.breakdown)']]);

-- The vintages, first publications and revisions: read from the series by the as-of
-- functions' own definitions, which are made again below.
DROP FUNCTION stats.revision_asof(timestamptz);
DROP FUNCTION stats.observation_first_asof(timestamptz);
DROP FUNCTION stats.observation_vintage_asof(timestamptz);
SELECT statpipe.redefine_view('stats.observation_first', ARRAY[
    ['    v.unit_mult
   FROM (statpipe.series s', '    v.unit_mult,
    s.breakdown
   FROM (statpipe.series s']]);
SELECT statpipe.redefine_view('stats.observation_vintage', ARRAY[
    ['    v.obs_id
   FROM (statpipe.series s', '    v.obs_id,
    s.breakdown
   FROM (statpipe.series s']]);
SELECT statpipe.redefine_view('stats.revision', ARRAY[
    ['    r.withdrawn
   FROM (', '    r.withdrawn,
    r.breakdown
   FROM ('],
    ['            bool_or((v.is_deleted AND (v.valid_to IS NULL))) AS withdrawn
', '            bool_or((v.is_deleted AND (v.valid_to IS NULL))) AS withdrawn,
            v.breakdown
'],
    ['GROUP BY v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.time_period)',
     'GROUP BY v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis, v.breakdown, v.time_period)']]);
SELECT statpipe.create_asof('stats.observation_vintage', 1000, ARRAY[
    ['stats.series_vintages(s.series_id, now())', 'stats.series_vintages(s.series_id, p_as_of)']]);
SELECT statpipe.create_asof('stats.observation_first', 1000, ARRAY[
    ['stats.series_vintages(s.series_id, now())', 'stats.series_vintages(s.series_id, p_as_of)']]);
SELECT statpipe.create_asof('stats.revision', 1000, ARRAY[
    ['stats.observation_vintage v', 'stats.observation_vintage_asof(p_as_of) v']]);
COMMENT ON FUNCTION stats.observation_vintage_asof(timestamptz) IS 'stats.observation_vintage as it was known at p_as_of: the vintages released by then (and never after now), valid_to as it stood then. stats.observation_vintage_asof(now()) equals stats.observation_vintage.';
COMMENT ON FUNCTION stats.observation_first_asof(timestamptz) IS 'stats.observation_first as it was known at p_as_of: the first publication of every period published by then. stats.observation_first_asof(now()) equals stats.observation_first.';
COMMENT ON FUNCTION stats.revision_asof(timestamptz) IS 'stats.revision as it was known at p_as_of: first and latest vintages and the revision between them, counting only releases by then. stats.revision_asof(now()) equals stats.revision.';

SELECT statpipe.redefine_view('stats.missing_period', ARRAY[
    ['            s.calc_basis,
            min(v.period_start)', '            s.calc_basis,
            s.breakdown,
            min(v.period_start)'],
    ['            sp.calc_basis,
            sp.first_start,', '            sp.calc_basis,
            sp.breakdown,
            sp.first_start,'],
    ['AS usual_gap
   FROM expected e', 'AS usual_gap,
    e.breakdown
   FROM expected e']]);
SELECT statpipe.redefine_view('stats.stale_series', ARRAY[
    ['END) AS stale
   FROM', 'END) AS stale,
    s.breakdown
   FROM']]);

-- The as-of forms of the views of series.
DROP FUNCTION stats.observation_asof(timestamptz);
CREATE FUNCTION stats.observation_asof(as_of timestamptz)
RETURNS TABLE (sender text, indicator text, ref_area text, freq text, calc_basis text,
               time_period text, period_start date, period_end date, value numeric,
               unit text, obs_status text, conf_status text, release timestamptz,
               value_published text, unit_published text, unit_mult int, breakdown text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT s.sender, s.indicator, s.ref_area, s.freq, s.calc_basis,
           v.time_period, v.period_start, v.period_end,
           v.value, v.unit, v.obs_status, v.conf_status, v.valid_from,
           v.value_published, v.unit_published, v.unit_mult, s.breakdown
      FROM statpipe.series s
     CROSS JOIN LATERAL stats.series_vintages(s.series_id, as_of) v
     WHERE v.valid_to IS NULL AND NOT v.is_deleted
$$;
COMMENT ON FUNCTION stats.observation_asof(timestamptz) IS 'Every (series, period) as it was known at as_of: the vintage current at that time (releases after it, and after now, unknown), unless it was withdrawn by then. stats.observation_asof(now()) equals stats.observation_latest.';

DROP FUNCTION stats.period_value_asof(timestamptz);
CREATE FUNCTION stats.period_value_asof(p_as_of timestamptz)
RETURNS TABLE (sender text, indicator text, ref_area text, freq text, time_period text,
               period_start date, period_end date, value numeric, unit text,
               published_as text, covered_from date, covered_to date, months_covered int,
               obs_status text, conf_status text, release timestamptz, breakdown text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT s.sender, s.indicator, s.ref_area, s.freq, p.time_period, p.period_start,
           p.period_end, p.value, p.unit, s.calc_basis, p.covered_from, p.covered_to,
           p.months_covered, p.obs_status, p.conf_status, p.release, s.breakdown
      FROM statpipe.series s
     CROSS JOIN LATERAL stats.period_values_shown(s.series_id, p_as_of) p
$$;
COMMENT ON FUNCTION stats.period_value_asof(timestamptz) IS 'stats.period_value as it was known at p_as_of: every period value computed from the vintages released by then. stats.period_value_asof(now()) equals stats.period_value.';

CREATE OR REPLACE FUNCTION stats.growth_asof(p_as_of timestamptz)
RETURNS SETOF stats.growth
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT g.sender, g.indicator, g.ref_area, g.freq, x.time_period, x.covered_from,
           x.covered_to, x.months_covered, x.value, x.unit, x.previous_value,
           x.period_on_period, x.period_on_period_points, x.year_ago_value, x.year_on_year,
           x.year_on_year_points, g.breakdown
      FROM (SELECT DISTINCT s.sender, s.indicator, s.ref_area, s.freq, s.breakdown
              FROM statpipe.series s) g
     CROSS JOIN LATERAL stats.growth_of(g.sender, g.indicator, g.ref_area, g.freq, p_as_of,
                                        g.breakdown) x
$$;

DROP FUNCTION stats.annual_value_asof(timestamptz);
CREATE FUNCTION stats.annual_value_asof(p_as_of timestamptz)
RETURNS TABLE (indicator text, ref_area text, year int, value numeric, unit text,
               complete boolean, months_covered int, method text, last_period text,
               last_period_end date, sender text, freq text, published_as text,
               release timestamptz, derivation text, missing_reason text, breakdown text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT ia.indicator, ia.ref_area, a.year, a.value, a.unit, a.complete, a.months_covered,
           a.method, a.last_period, a.last_period_end, a.sender, a.freq, a.published_as,
           a.release, a.derivation, a.missing_reason, ia.breakdown
      FROM (SELECT DISTINCT s.indicator, s.ref_area, s.breakdown FROM statpipe.series s
            UNION
            SELECT f.indicator, s.ref_area, '_T'
              FROM statpipe.indicator_formula f
              JOIN statpipe.series s ON s.indicator IN (f.numerator, f.denominator)) ia
     CROSS JOIN LATERAL stats.annual_values_of(ia.indicator, ia.ref_area, p_as_of,
                                               ia.breakdown) a
$$;
COMMENT ON FUNCTION stats.annual_value_asof(timestamptz) IS 'stats.annual_value as it was known at p_as_of: the annual values computed from the vintages released by then. stats.annual_value_asof(now()) equals stats.annual_value.';

-- ---- the views that combine areas and indicators: on the totals -------------------------

-- The annual values of the totals, now and as of a time: what the roll-ups, the gap and
-- the index read instead of stats.annual_value.
CREATE VIEW statpipe.annual_value_total AS
SELECT * FROM stats.annual_value WHERE breakdown = '_T';
COMMENT ON VIEW statpipe.annual_value_total IS 'stats.annual_value of the totals (breakdown _T): what regional_value, national_check, regional_gap and index_score combine.';
CREATE FUNCTION statpipe.annual_value_total_asof(p_as_of timestamptz)
RETURNS SETOF statpipe.annual_value_total
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
    SELECT * FROM stats.annual_value_asof(p_as_of) WHERE breakdown = '_T'
$$;
COMMENT ON FUNCTION statpipe.annual_value_total_asof(timestamptz) IS 'statpipe.annual_value_total as it was known at p_as_of.';
SELECT statpipe.redefine_view(v::regclass, ARRAY[
    ['stats.annual_value ', 'statpipe.annual_value_total ']])
  FROM unnest(ARRAY['stats.regional_value', 'stats.national_check', 'stats.regional_gap',
                    'stats.index_score']) v;
SELECT statpipe.redefine_function(f::regprocedure, ARRAY[
    ['stats.annual_value_asof(p_as_of) ', 'statpipe.annual_value_total_asof(p_as_of) ']])
  FROM unnest(ARRAY['stats.regional_value_asof(timestamptz)', 'stats.national_check_asof(timestamptz)',
                    'stats.regional_gap_asof(timestamptz)', 'stats.index_score_asof(timestamptz)']) f;
-- The plausibility rules' findings are of totals.
SELECT statpipe.redefine_view('stats.validation_result', ARRAY[
    ['stats.period_value p ON', '(SELECT * FROM stats.period_value x WHERE x.breakdown = ''_T'') p ON'],
    ['stats.period_value a ON', '(SELECT * FROM stats.period_value x WHERE x.breakdown = ''_T'') a ON'],
    ['stats.period_value b ON', '(SELECT * FROM stats.period_value x WHERE x.breakdown = ''_T'') b ON'],
    ['stats.growth g ON', '(SELECT * FROM stats.growth x WHERE x.breakdown = ''_T'') g ON'],
    ['stats.observation_vintage v', '(SELECT * FROM stats.observation_vintage x WHERE x.breakdown = ''_T'') v'],
    ['stats.observation_latest o', '(SELECT * FROM stats.observation_latest x WHERE x.breakdown = ''_T'') o']]);

-- ---- the urban–rural gap ----------------------------------------------------------------

CREATE VIEW stats.urban_rural_gap AS
SELECT u.indicator, u.ref_area, u.year, u.value AS urban, r.value AS rural,
       u.value - r.value AS urban_minus_rural,
       CASE WHEN r.value <> 0 THEN u.value / r.value END AS urban_over_rural,
       u.unit, u.complete AND r.complete AS complete
  FROM stats.annual_value u
  JOIN stats.annual_value r
    ON r.indicator = u.indicator AND r.ref_area = u.ref_area AND r.year = u.year
   AND r.breakdown = 'RUR'
 WHERE u.breakdown = 'URB' AND u.value IS NOT NULL AND r.value IS NOT NULL;
COMMENT ON VIEW stats.urban_rural_gap IS 'The urban and the rural annual value (stats.annual_value, breakdowns URB and RUR) of an indicator, area and year where both are published, and the gap between them: a difference for every indicator, and a ratio. For a rate (a penetration in percent) the difference is in percentage points.';
COMMENT ON COLUMN stats.urban_rural_gap.indicator IS 'The indicator (stats.indicator.code).';
COMMENT ON COLUMN stats.urban_rural_gap.ref_area IS 'The area: CN or a province.';
COMMENT ON COLUMN stats.urban_rural_gap.year IS 'The calendar year.';
COMMENT ON COLUMN stats.urban_rural_gap.urban IS 'The annual value of breakdown URB, in unit.';
COMMENT ON COLUMN stats.urban_rural_gap.rural IS 'The annual value of breakdown RUR, in unit.';
COMMENT ON COLUMN stats.urban_rural_gap.urban_minus_rural IS 'urban − rural, in unit (percentage points for a rate).';
COMMENT ON COLUMN stats.urban_rural_gap.urban_over_rural IS 'urban / rural; NULL when rural is 0.';
COMMENT ON COLUMN stats.urban_rural_gap.unit IS 'The canonical unit of both values.';
COMMENT ON COLUMN stats.urban_rural_gap.complete IS 'True when both annual values are complete (stats.annual_value.complete).';
GRANT SELECT ON stats.urban_rural_gap, stats.breakdown TO statpipe_reader;
SELECT statpipe.create_asof('stats.urban_rural_gap', 100, ARRAY[
    ['stats.annual_value u', 'stats.annual_value_asof(p_as_of) u'],
    ['stats.annual_value r', 'stats.annual_value_asof(p_as_of) r']]);
COMMENT ON FUNCTION stats.urban_rural_gap_asof(timestamptz) IS 'stats.urban_rural_gap as it was known at p_as_of. stats.urban_rural_gap_asof(now()) equals stats.urban_rural_gap.';

-- ---- what the breakdown column means, in every view that has it -------------------------

DO $$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['stats.observation_latest', 'stats.observation_first',
                             'stats.observation_vintage', 'stats.revision', 'stats.period_value',
                             'stats.growth', 'stats.annual_value', 'stats.missing_period',
                             'stats.stale_series'] LOOP
        EXECUTE format('COMMENT ON COLUMN %s.breakdown IS %L', v,
                       'The breakdown of the series (stats.breakdown): _T the total, URB urban, '
                       'RUR rural. Select _T for the figures that regional roll-ups, targets and '
                       'indices use.');
    END LOOP;
END
$$;
COMMENT ON COLUMN statpipe.annual_value_measured.breakdown IS 'The breakdown of the series the value comes from.';

-- The catalogue's version covers the breakdowns.
SELECT statpipe.redefine_function('statpipe.catalogue_version()', ARRAY[
    ['FROM statpipe.index_component t)))', 'FROM statpipe.index_component t),
        (SELECT string_agg(t::text, '','' ORDER BY t::text) FROM statpipe.breakdown t)))']]);
COMMENT ON FUNCTION statpipe.catalogue_version() IS 'A digest (md5) of the catalogue''s indicators, units, unit aliases, regions, plans, targets, formulas, composite indices and breakdowns: equal digests mean the same definitions.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
