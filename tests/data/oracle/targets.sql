-- Targets the oracle judges besides the catalogue's: a ceiling, and a floor for a level
-- last measured at mid-year.
INSERT INTO statpipe.target (indicator, plan, target_year, comparator, target_value, target_unit, source)
VALUES ('INFO_CONS', 'TEST-CEIL', 2030, '<=', 10, '万亿元', 'oracle'),
       ('INTL_BW', 'TEST-BW', 2027, '>=', 40, 'Tbps', 'oracle');
-- A floor already reached, its year ahead: no growth needed.
INSERT INTO statpipe.target (indicator, plan, target_year, comparator, target_value, target_unit, source)
VALUES ('INFO_CONS', 'TEST-MET', 2030, '>=', 5, '万亿元', 'oracle');
