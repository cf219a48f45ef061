-- 023_regional_gap.sql: how far apart the provinces are, per indicator and year
-- (stats.regional_gap): their number, the lowest and highest and their ratio, the
-- coefficient of variation, and each regional group's roll-up (stats.regional_value) with its
-- ratio to the East's. The Outline names the regional gap (区域差距) as one to close; these
-- are the measures official evaluations publish for it.

CREATE VIEW stats.regional_gap AS
WITH prov AS (
    SELECT a.indicator, a.year, a.ref_area, a.value, a.unit, i.nature, i.weight,
           w.value AS weight_value
      FROM stats.annual_value a
      JOIN statpipe.region r ON r.code = a.ref_area AND r.level = 1 AND r.in_national_total
      JOIN statpipe.indicator i ON i.code = a.indicator
      LEFT JOIN stats.annual_value w
        ON w.indicator = i.weight AND w.ref_area = a.ref_area AND w.year = a.year
     WHERE a.value IS NOT NULL),
spread AS (
    SELECT p.indicator, p.year, min(p.unit) AS unit, count(*)::int AS provinces,
           min(p.value) AS min_value, max(p.value) AS max_value,
           (array_agg(p.ref_area ORDER BY p.value, p.ref_area))[1] AS min_area,
           (array_agg(p.ref_area ORDER BY p.value DESC, p.ref_area))[1] AS max_area,
           min(p.weight) AS weight,
           avg(p.value) AS plain_mean,
           stddev_pop(p.value) AS plain_sd,
           -- Weighted: only when every province with a value has its weight.
           CASE WHEN count(p.weight_value) = count(*)
                THEN sum(p.weight_value * p.value) / nullif(sum(p.weight_value), 0) END
               AS weighted_mean,
           count(p.weight_value) = count(*) AS weights_complete
      FROM prov p
     GROUP BY p.indicator, p.year),
cv AS (
    SELECT s.*,
           CASE WHEN s.weight IS NULL THEN s.plain_mean ELSE s.weighted_mean END AS mean,
           CASE WHEN s.weight IS NULL THEN
                     CASE WHEN s.plain_mean <> 0 THEN s.plain_sd / s.plain_mean END
                WHEN s.weighted_mean <> 0 THEN
                     sqrt((SELECT sum(p.weight_value * (p.value - s.weighted_mean) ^ 2)
                                  / sum(p.weight_value)
                             FROM prov p
                            WHERE p.indicator = s.indicator AND p.year = s.year))
                     / s.weighted_mean
           END AS cv
      FROM spread s),
grp AS (
    SELECT g.indicator, g.year,
           max(g.value) FILTER (WHERE g.region_group = 'East') AS east,
           max(g.value) FILTER (WHERE g.region_group = 'Central') AS central,
           max(g.value) FILTER (WHERE g.region_group = 'West') AS west,
           max(g.value) FILTER (WHERE g.region_group = 'Northeast') AS northeast,
           bool_and(g.complete) FILTER (WHERE g.region_group <> 'ALL') AS groups_complete
      FROM stats.regional_value g
     GROUP BY g.indicator, g.year)
SELECT c.indicator, c.year, c.unit, c.provinces,
       (SELECT count(*) FROM statpipe.region r WHERE r.level = 1 AND r.in_national_total)::int
           AS provinces_expected,
       c.min_value, c.min_area, c.max_value, c.max_area,
       CASE WHEN c.min_value > 0 THEN c.max_value / c.min_value END AS max_min_ratio,
       c.mean, c.cv,
       CASE WHEN c.weight IS NULL THEN 'plain'
            WHEN c.weights_complete THEN 'weighted by ' || c.weight
            ELSE 'weighted by ' || c.weight || ': a weight is missing' END AS cv_method,
       g.east, g.central, g.west, g.northeast,
       CASE WHEN g.east <> 0 THEN g.central / g.east END AS central_to_east,
       CASE WHEN g.east <> 0 THEN g.west / g.east END AS west_to_east,
       CASE WHEN g.east <> 0 THEN g.northeast / g.east END AS northeast_to_east,
       coalesce(g.groups_complete, false) AS groups_complete
  FROM cv c
  LEFT JOIN grp g ON g.indicator = c.indicator AND g.year = c.year;
COMMENT ON VIEW stats.regional_gap IS 'The gap between the provinces (the 31 of the national total), per indicator and year, from their annual values (stats.annual_value): how many have a value, the lowest and the highest and their ratio, the coefficient of variation, and the regional groups'' roll-ups (stats.regional_value) with their ratios to the East''s.';
COMMENT ON COLUMN stats.regional_gap.indicator IS 'The indicator.';
COMMENT ON COLUMN stats.regional_gap.year IS 'The calendar year.';
COMMENT ON COLUMN stats.regional_gap.unit IS 'The canonical unit of the values.';
COMMENT ON COLUMN stats.regional_gap.provinces IS 'Provinces with a value for the year.';
COMMENT ON COLUMN stats.regional_gap.provinces_expected IS 'Provinces in the national total (31).';
COMMENT ON COLUMN stats.regional_gap.min_value IS 'The lowest province''s value.';
COMMENT ON COLUMN stats.regional_gap.min_area IS 'The lowest province (the first code on a tie).';
COMMENT ON COLUMN stats.regional_gap.max_value IS 'The highest province''s value.';
COMMENT ON COLUMN stats.regional_gap.max_area IS 'The highest province (the first code on a tie).';
COMMENT ON COLUMN stats.regional_gap.max_min_ratio IS 'max_value / min_value; NULL when the lowest is not positive.';
COMMENT ON COLUMN stats.regional_gap.mean IS 'The mean cv is taken around: weighted by the indicator''s weight (Σ w·x / Σ w) for the ratios that have one in the catalogue, the plain mean of the provinces otherwise.';
COMMENT ON COLUMN stats.regional_gap.cv IS 'Coefficient of variation, as a fraction: the standard deviation over the mean. For ratios with a weight indicator (POPULATION, HOUSEHOLDS) it is weighted: sqrt(Σ w·(x - mean)² / Σ w) / mean, so that a province counts as much as its people (the Williamson form); for levels and unweighted ratios it is plain: the population standard deviation of the provinces (÷ n, the 31 are all there is, not a sample) over their mean. NULL when the mean is 0 or a weight is missing.';
COMMENT ON COLUMN stats.regional_gap.cv_method IS 'plain, or weighted by the named indicator (with a note when a province''s weight is missing and cv is NULL).';
COMMENT ON COLUMN stats.regional_gap.east IS 'The East''s roll-up (stats.regional_value: a sum, or for ratios a weighted mean); NULL for indicators the catalogue does not roll up (space_agg none).';
COMMENT ON COLUMN stats.regional_gap.central IS 'The Central region''s roll-up.';
COMMENT ON COLUMN stats.regional_gap.west IS 'The West''s roll-up.';
COMMENT ON COLUMN stats.regional_gap.northeast IS 'The Northeast''s roll-up.';
COMMENT ON COLUMN stats.regional_gap.central_to_east IS 'central / east.';
COMMENT ON COLUMN stats.regional_gap.west_to_east IS 'west / east.';
COMMENT ON COLUMN stats.regional_gap.northeast_to_east IS 'northeast / east.';
COMMENT ON COLUMN stats.regional_gap.groups_complete IS 'True when every province of every group contributed a complete year to the roll-ups.';
GRANT SELECT ON stats.regional_gap TO statpipe_reader;

-- What the migrations that make one object from another's definition share: a text with
-- replacements, each checked to be there, and an as-of function made from a view.
CREATE FUNCTION statpipe.replace_checked(p_text text, p_edits text[], p_what text)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_edits, 1), 0) LOOP
        IF position(p_edits[i][1] IN p_text) = 0 THEN
            RAISE EXCEPTION '% is not the definition this migration expects: no "%"', p_what,
                            p_edits[i][1];
        END IF;
        p_text := replace(p_text, p_edits[i][1], p_edits[i][2]);
    END LOOP;
    RETURN p_text;
END
$$;
COMMENT ON FUNCTION statpipe.replace_checked(text, text[], text) IS 'p_text with each pair of p_edits ([from, to], ...) replaced; raises, naming p_what, when a from is not in it. Migrations use it to make an object from another''s definition.';

-- With only pg_catalog on the path, the view's definition names every relation in full.
CREATE FUNCTION statpipe.create_asof(p_view regclass, p_rows int, p_edits text[])
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    EXECUTE format('CREATE FUNCTION %s_asof(p_as_of timestamptz) RETURNS SETOF %s '
                   'LANGUAGE sql STABLE SECURITY DEFINER ROWS %s SET search_path = pg_catalog '
                   'SET jit = off AS %L', p_view, p_view, p_rows,
                   statpipe.replace_checked(pg_get_viewdef(p_view), p_edits, p_view::text));
END
$$;
COMMENT ON FUNCTION statpipe.create_asof(regclass, int, text[]) IS 'Creates VIEW_asof(p_as_of), the view as it was known at p_as_of, from the view''s own definition with p_edits applied (each relation it reads replaced by its as-of form), so that each rule is written once.';

-- stats.regional_gap_asof: the same view on the annual values and roll-ups known at p_as_of.
SELECT statpipe.create_asof('stats.regional_gap', 100, ARRAY[
    ['stats.annual_value ', 'stats.annual_value_asof(p_as_of) '],
    ['stats.regional_value ', 'stats.regional_value_asof(p_as_of) ']]);
COMMENT ON FUNCTION stats.regional_gap_asof(timestamptz) IS 'stats.regional_gap as it was known at p_as_of. stats.regional_gap_asof(now()) equals stats.regional_gap.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
