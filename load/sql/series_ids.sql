-- series_ids.sql: the stored id of each of the batch's series (by k, its place in the
-- batch), after series.sql: the loader remembers them once the batch commits, and writes
-- them into the COPY text of later batches.
SELECT k.k, r.series_id
  FROM sp_stage_batch_series k
  JOIN statpipe.series r
    ON r.sender = k.sender COLLATE "default"
   AND r.indicator = k.indicator COLLATE "default"
   AND r.ref_area = k.ref_area COLLATE "default"
   AND r.freq = k.freq COLLATE "default"
   AND r.calc_basis = k.calc_basis COLLATE "default"
   AND r.breakdown = k.breakdown COLLATE "default"
