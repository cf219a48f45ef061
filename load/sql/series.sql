-- series.sql: adds the batch's series that are not stored yet. It runs only when the batch
-- has a series the loader has not seen committed, or one it saw has gone: the series a
-- daemon loads are few and come again and again. One order for every connection, so that
-- two never deadlock.
INSERT INTO statpipe.series (sender, indicator, ref_area, freq, calc_basis, breakdown)
SELECT DISTINCT sender, indicator, ref_area, freq, calc_basis, breakdown
  FROM sp_stage_batch_series
 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT DO NOTHING
