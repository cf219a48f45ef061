-- copy_batch_series.sql: the series of a batch that goes through the merge: k is the
-- series' place in the batch, batch_series_id the id its rows carry (the stored id the
-- loader knows, or -(k + 1) for a series it has not seen committed), then the series key.
COPY sp_stage_batch_series (k, batch_series_id, sender, indicator, ref_area, freq, calc_basis,
                            breakdown)
FROM STDIN
