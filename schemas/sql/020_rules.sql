-- 020_rules.sql: plausibility rules as catalogue data (schemas/catalogue/rules.csv), each
-- with a severity. An error rule quarantines the message: only a value range can be judged
-- on one message, so error rules are ranges, checked in the transform with the indicator's
-- own bounds. Warnings load the figure and flag it; infos only record. Every rule that needs
-- other figures (growth, revisions, the order of two indicators, the provinces' total, a
-- year-to-date figure against the month before) is judged by stats.validation_result when
-- it is read, never per message.

CREATE TABLE statpipe.rule (
    rule_id text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('range', 'pop_growth', 'yoy_growth', 'revision', 'order',
                                       'provinces_total', 'ytd_decrease')),
    severity text NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    indicator text NOT NULL REFERENCES statpipe.indicator ON UPDATE CASCADE ON DELETE CASCADE,
    other text REFERENCES statpipe.indicator ON UPDATE CASCADE ON DELETE CASCADE,
    lower numeric,
    upper numeric,
    note text,
    CHECK (severity <> 'error' OR kind = 'range'),
    CHECK (kind <> 'order' OR other IS NOT NULL),
    CHECK (kind = 'order' OR other IS NULL),
    CHECK (kind NOT IN ('range', 'pop_growth', 'yoy_growth') OR lower IS NOT NULL
           OR upper IS NOT NULL),
    CHECK (kind NOT IN ('revision', 'provinces_total') OR (lower IS NULL AND upper >= 0)),
    CHECK (lower IS NULL OR upper IS NULL OR lower <= upper)
);
COMMENT ON TABLE statpipe.rule IS 'Plausibility rules (schemas/catalogue/rules.csv): see stats.rule.';
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.rule
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();
-- The loader reads the error ranges with the catalogue.
GRANT SELECT ON statpipe.rule TO statpipe_loader;

CREATE VIEW stats.rule AS
    SELECT rule_id, kind, severity, indicator, other, lower, upper, note FROM statpipe.rule;
COMMENT ON VIEW stats.rule IS 'The plausibility rules. error: the message is quarantined (ranges only, checked on each message); warning: the figure is loaded and flagged in stats.validation_result; info: only recorded there.';
COMMENT ON COLUMN stats.rule.rule_id IS 'The rule''s id, as results and quarantine reasons name it.';
COMMENT ON COLUMN stats.rule.kind IS 'range: lower <= value <= upper, in the canonical unit. pop_growth, yoy_growth: lower <= growth <= upper against the period before or the same period a year before, as a fraction (0.5 is +50 %). revision: |new vintage / the one before - 1| <= upper. order: value <= other''s value x (1 + upper) for the same area and period. provinces_total: |provinces'' roll-up / national - 1| <= upper once every province is in. ytd_decrease: a year-to-date figure is not below the month before.';
COMMENT ON COLUMN stats.rule.severity IS 'error, warning or info.';
COMMENT ON COLUMN stats.rule.indicator IS 'The indicator the rule judges.';
COMMENT ON COLUMN stats.rule.other IS 'For order: the indicator that bounds it from above.';
COMMENT ON COLUMN stats.rule.lower IS 'The lower bound (range, growth).';
COMMENT ON COLUMN stats.rule.upper IS 'The upper bound (range, growth), the largest relative change (revision) or difference (provinces_total), the tolerance (order: 0 for none).';
COMMENT ON COLUMN stats.rule.note IS 'Why the bounds are what they are.';

-- The bounds of a rule, as results state them.
CREATE FUNCTION stats.rule_bounds(p_lower numeric, p_upper numeric) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT '[' || coalesce(trim_scale(p_lower)::text, '-inf') || ', '
           || coalesce(trim_scale(p_upper)::text, 'inf') || ']'
$$;
COMMENT ON FUNCTION stats.rule_bounds(numeric, numeric) IS 'A rule''s bounds as text: [lower, upper], -inf and inf where there is none.';

CREATE VIEW stats.validation_result AS
WITH r AS (SELECT * FROM statpipe.rule WHERE severity <> 'error'),
range AS (
    SELECT r.rule_id, r.kind, r.severity, p.sender, p.indicator, p.ref_area, p.freq,
           p.time_period, p.release, p.value AS measured,
           stats.rule_bounds(r.lower, r.upper) AS bound,
           format('%s %s is outside %s', p.indicator, trim_scale(p.value),
                  stats.rule_bounds(r.lower, r.upper)) AS message
      FROM r JOIN stats.period_value p ON p.indicator = r.indicator
     WHERE r.kind = 'range' AND (p.value < r.lower OR p.value > r.upper)),
growth AS (
    SELECT r.rule_id, r.kind, r.severity, g.sender, g.indicator, g.ref_area, g.freq,
           g.time_period, p.release, x.growth AS measured,
           stats.rule_bounds(r.lower, r.upper) AS bound,
           format('%s %s %s: %s %s against %s, outside %s', g.indicator, g.ref_area,
                  g.time_period, CASE WHEN r.kind = 'pop_growth' THEN 'period on period'
                                      ELSE 'year on year' END,
                  round(x.growth, 4), trim_scale(x.base), stats.rule_bounds(r.lower, r.upper))
      FROM r JOIN stats.growth g ON g.indicator = r.indicator
     CROSS JOIN LATERAL (
         SELECT CASE WHEN r.kind = 'pop_growth' THEN g.period_on_period ELSE g.year_on_year END
                    AS growth,
                CASE WHEN r.kind = 'pop_growth' THEN g.previous_value ELSE g.year_ago_value END
                    AS base) x
      JOIN stats.period_value p ON p.sender = g.sender AND p.indicator = g.indicator
                               AND p.ref_area = g.ref_area AND p.freq = g.freq
                               AND p.time_period = g.time_period
     WHERE r.kind IN ('pop_growth', 'yoy_growth')
       AND (x.growth < r.lower OR x.growth > r.upper)),
vintages AS (
    SELECT v.*, lag(v.value) OVER w AS before_value
      FROM stats.observation_vintage v
     WHERE v.indicator IN (SELECT indicator FROM r WHERE kind = 'revision') AND NOT v.is_deleted
    WINDOW w AS (PARTITION BY v.sender, v.indicator, v.ref_area, v.freq, v.calc_basis,
                              v.time_period ORDER BY v.vintage_no)),
revision AS (
    SELECT r.rule_id, r.kind, r.severity, v.sender, v.indicator, v.ref_area, v.freq,
           v.time_period, v.valid_from AS release, v.value / v.before_value - 1 AS measured,
           stats.rule_bounds(-r.upper, r.upper) AS bound,
           format('%s %s %s revised from %s to %s (%s), more than %s', v.indicator, v.ref_area,
                  v.time_period, trim_scale(v.before_value), trim_scale(v.value),
                  round(v.value / v.before_value - 1, 4), trim_scale(r.upper))
      FROM r JOIN vintages v ON v.indicator = r.indicator
     WHERE r.kind = 'revision' AND v.before_value <> 0
       AND abs(v.value / v.before_value - 1) > r.upper),
ordered AS (
    SELECT r.rule_id, r.kind, r.severity, a.sender, a.indicator, a.ref_area, a.freq,
           a.time_period, a.release, a.value AS measured,
           '<= ' || trim_scale(b.value * (1 + coalesce(r.upper, 0))) || ' (' || r.other || ')',
           format('%s %s %s is %s, above %s %s', a.indicator, a.ref_area, a.time_period,
                  trim_scale(a.value), r.other, trim_scale(b.value))
      FROM r JOIN stats.period_value a ON a.indicator = r.indicator
      JOIN stats.period_value b ON b.indicator = r.other AND b.ref_area = a.ref_area
                               AND b.freq = a.freq AND b.time_period = a.time_period
     WHERE r.kind = 'order' AND a.value > b.value * (1 + coalesce(r.upper, 0))),
total AS (
    SELECT r.rule_id, r.kind, r.severity, NULL::text, n.indicator, 'CN'::text, 'A'::text,
           n.year::text, NULL::timestamptz, n.relative_difference,
           stats.rule_bounds(-r.upper, r.upper),
           format('%s %s: the %s provinces add up to %s against the national %s (%s)',
                  n.indicator, n.year, n.provinces, trim_scale(n.provinces_rollup),
                  trim_scale(n.published_national), round(n.relative_difference, 4))
      FROM r JOIN stats.national_check n ON n.indicator = r.indicator
     WHERE r.kind = 'provinces_total' AND n.provinces = n.provinces_expected
       AND abs(n.relative_difference) > r.upper),
ytd AS (
    SELECT o.*, lag(o.value) OVER w AS month_before, lag(o.time_period) OVER w AS before_period
      FROM stats.observation_latest o
     WHERE o.calc_basis = 'YTD' AND o.freq = 'M'
       AND o.indicator IN (SELECT indicator FROM r WHERE kind = 'ytd_decrease')
    WINDOW w AS (PARTITION BY o.sender, o.indicator, o.ref_area, extract(year FROM o.period_start)
                 ORDER BY o.period_start)),
ytd_decrease AS (
    SELECT r.rule_id, r.kind, r.severity, y.sender, y.indicator, y.ref_area, y.freq,
           y.time_period, y.release, y.value, '>= ' || trim_scale(y.month_before),
           format('%s %s year to date %s is below %s''s %s', y.indicator, y.ref_area,
                  y.time_period, trim_scale(y.value), y.before_period, trim_scale(y.month_before))
      FROM r JOIN ytd y ON y.indicator = r.indicator
     WHERE r.kind = 'ytd_decrease' AND y.value < y.month_before)
SELECT * FROM range UNION ALL SELECT * FROM growth UNION ALL SELECT * FROM revision
UNION ALL SELECT * FROM ordered UNION ALL SELECT * FROM total UNION ALL SELECT * FROM ytd_decrease;
COMMENT ON VIEW stats.validation_result IS 'Every figure a warning or info rule (stats.rule) flags, judged on the figures readers see now (embargo and confidentiality as in the other views). Error rules quarantine instead (statpipe quarantine list).';
COMMENT ON COLUMN stats.validation_result.rule_id IS 'The rule (stats.rule).';
COMMENT ON COLUMN stats.validation_result.kind IS 'The rule''s kind.';
COMMENT ON COLUMN stats.validation_result.severity IS 'warning (a person should look) or info (recorded).';
COMMENT ON COLUMN stats.validation_result.sender IS 'The agency whose figure is flagged (NULL for the provinces'' total, which draws on several).';
COMMENT ON COLUMN stats.validation_result.indicator IS 'The indicator flagged.';
COMMENT ON COLUMN stats.validation_result.ref_area IS 'The area flagged.';
COMMENT ON COLUMN stats.validation_result.freq IS 'The frequency of the series flagged.';
COMMENT ON COLUMN stats.validation_result.time_period IS 'The period flagged (the year, for the provinces'' total).';
COMMENT ON COLUMN stats.validation_result.release IS 'The release of the figure flagged (for a revision: the revising release).';
COMMENT ON COLUMN stats.validation_result.measured IS 'What was measured: the value (range, order, ytd_decrease), the growth or relative revision as a fraction, or the provinces'' relative difference.';
COMMENT ON COLUMN stats.validation_result.bound IS 'The rule''s bound: [lower, upper], or <= / >= a value.';
COMMENT ON COLUMN stats.validation_result.message IS 'The finding in words.';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA stats FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA stats TO statpipe_reader;
GRANT SELECT ON stats.rule, stats.validation_result TO statpipe_reader;
