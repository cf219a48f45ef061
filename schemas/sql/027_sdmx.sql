-- 027_sdmx.sql: what SDMX needs from the catalogue. statpipe's observations are one SDMX
-- dataflow, STATPIPE:INFORMATIZATION(1.0), whose data structure has the dimensions
-- INDICATOR, REF_AREA, FREQ, SENDER, CALC_BASIS, BREAKDOWN and TIME_PERIOD, the measure
-- OBS_VALUE and the attributes UNIT_MEASURE, UNIT_MULT, OBS_STATUS, CONF_STATUS and COMMENT
-- (docs/sdmx.md). Every coded component has a code list, with names in Chinese and English:
-- the catalogue's indicators, areas, senders, breakdowns and canonical units, and the SDMX
-- global code lists' codes for FREQ, OBS_STATUS, CONF_STATUS and UNIT_MULT
-- (schemas/catalogue/sdmx_codes.csv), with CALC_BASIS, which no global list has.

CREATE TABLE statpipe.sender (
    code     text PRIMARY KEY,
    name_zh  text NOT NULL,
    name_en  text NOT NULL,
    note     text
);
COMMENT ON TABLE statpipe.sender IS 'The agencies that publish into statpipe (schemas/catalogue/senders.csv), with their names. A message may come from a sender not listed here; SDMX lists it by its code.';
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statpipe.sender
    FOR EACH STATEMENT EXECUTE FUNCTION statpipe.catalogue_changed();

CREATE TABLE statpipe.sdmx_code (
    codelist text NOT NULL,
    code     text NOT NULL,
    name_zh  text NOT NULL,
    name_en  text NOT NULL,
    PRIMARY KEY (codelist, code)
);
COMMENT ON TABLE statpipe.sdmx_code IS 'The codes of the SDMX code lists that do not come from the catalogue''s own tables (schemas/catalogue/sdmx_codes.csv): CL_FREQ, CL_OBS_STATUS, CL_CONF_STATUS and CL_UNIT_MULT as the SDMX global code lists spell them, and CL_CALC_BASIS.';

CREATE VIEW stats.sender AS SELECT code, name_zh, name_en, note FROM statpipe.sender;
COMMENT ON VIEW stats.sender IS 'The agencies that publish into statpipe, with their names in Chinese and English.';
COMMENT ON COLUMN stats.sender.code IS 'The sender code of messages and of the sender column of the stats views.';
COMMENT ON COLUMN stats.sender.name_zh IS 'The agency''s name in Chinese.';
COMMENT ON COLUMN stats.sender.name_en IS 'The agency''s name in English.';
COMMENT ON COLUMN stats.sender.note IS 'What the agency publishes, where the catalogue says.';

-- One row per code of every code list of the data structure, in the order SDMX lists them.
CREATE VIEW stats.sdmx_code AS
SELECT 'CL_INDICATOR'::text AS codelist, i.code, i.name_zh, i.name_en
  FROM statpipe.indicator i
UNION ALL
SELECT 'CL_AREA', r.code, r.name_zh, r.name_en FROM statpipe.region r
UNION ALL
SELECT 'CL_SENDER', s.code, coalesce(n.name_zh, s.code), coalesce(n.name_en, s.code)
  FROM (SELECT code FROM statpipe.sender UNION SELECT DISTINCT sender FROM statpipe.series) s
  LEFT JOIN statpipe.sender n ON n.code = s.code
UNION ALL
SELECT 'CL_BREAKDOWN', b.code, b.name_zh, b.name_en FROM statpipe.breakdown b
UNION ALL
-- The catalogue gives units no names: a canonical unit is named by its code.
SELECT 'CL_UNIT', u.code, u.code, u.code FROM statpipe.unit u WHERE u.factor = 1
UNION ALL
SELECT c.codelist, c.code, c.name_zh, c.name_en FROM statpipe.sdmx_code c;
COMMENT ON VIEW stats.sdmx_code IS 'Every code of the code lists of statpipe''s SDMX data structure (docs/sdmx.md): CL_INDICATOR, CL_AREA, CL_SENDER, CL_BREAKDOWN and CL_UNIT from the catalogue, CL_FREQ, CL_OBS_STATUS, CL_CONF_STATUS and CL_UNIT_MULT with the SDMX global code lists'' codes, and CL_CALC_BASIS.';
COMMENT ON COLUMN stats.sdmx_code.codelist IS 'The code list''s id, e.g. CL_INDICATOR.';
COMMENT ON COLUMN stats.sdmx_code.code IS 'The code, as it appears in SDMX data.';
COMMENT ON COLUMN stats.sdmx_code.name_zh IS 'The code''s name in Chinese (xml:lang zh).';
COMMENT ON COLUMN stats.sdmx_code.name_en IS 'The code''s name in English (xml:lang en).';

GRANT SELECT ON stats.sender, stats.sdmx_code TO statpipe_reader;

-- The catalogue's version covers the senders and the SDMX codes.
SELECT statpipe.redefine_function('statpipe.catalogue_version()', ARRAY[
    ['FROM statpipe.breakdown t)))', 'FROM statpipe.breakdown t),
        (SELECT string_agg(t::text, '','' ORDER BY t::text) FROM statpipe.sender t),
        (SELECT string_agg(t::text, '','' ORDER BY t::text) FROM statpipe.sdmx_code t)))']]);
COMMENT ON FUNCTION statpipe.catalogue_version() IS 'A digest (md5) of the catalogue''s indicators, units, unit aliases, regions, plans, targets, formulas, composite indices, breakdowns, senders and SDMX codes: equal digests mean the same definitions.';
