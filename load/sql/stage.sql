-- stage.sql: the session's staging tables, one per kind of row a batch carries, and the
-- merge's decision (sp_stage_keep). They are temporary (one set per connection), emptied at
-- every COMMIT, and never analysed: the merge statements are written for a planner that
-- knows nothing of their size.
-- Text keys are in the "C" collation, so that hashing and comparing them is byte-wise.
-- A batch that goes through the merge: its rows in the vintage table's columns, each with
-- the id of its series in the batch (sp_stage_batch_series), and seq, arrival order.
CREATE TEMP SEQUENCE IF NOT EXISTS sp_stage_seq;
CREATE TEMP TABLE IF NOT EXISTS sp_stage_obs (
    batch_series_id bigint,
    time_period text COLLATE "C",
    period_start date,
    period_end date,
    release timestamptz,
    value numeric,
    unit text,
    value_published text,
    unit_published text,
    unit_mult int,
    obs_status text,
    conf_status text,
    is_deleted boolean,
    comment text,
    message_id text COLLATE "C",
    src_topic text,
    src_partition int,
    src_offset bigint,
    seq bigint DEFAULT nextval('sp_stage_seq')  -- the row's place in the batch: arrival order
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sp_stage_batch_series (
    k int,                  -- the series' place in the batch
    batch_series_id bigint, -- the id its staged rows carry
    sender text COLLATE "C",
    indicator text COLLATE "C",
    ref_area text COLLATE "C",
    freq text COLLATE "C",
    calc_basis text COLLATE "C",
    breakdown text COLLATE "C"
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sp_stage_quarantine (
    reason text,
    detail text,
    message_id text,
    sender text,
    src_topic text,
    src_partition int,
    src_offset bigint,
    src_file text,
    src_line bigint,
    payload bytea
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sp_stage_keep (
    seq bigint,             -- a staged row that is a new vintage
    series_id bigint,       -- its series; NULL when the series is missing
    release_seq int         -- its place among its release's figures of the period
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sp_stage_replayed (
    quarantine_id bigint    -- a quarantine row that a replay loaded
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sp_stage_offset (
    consumer_group text,
    topic text,
    partition int,
    first_offset bigint,    -- the batch's first message from this partition
    next_offset bigint      -- one past its last
) ON COMMIT DELETE ROWS;
-- The staged rows with their series' key and stored id. A LEFT JOIN, so that a row whose
-- series is missing (the table was changed behind the loader's back) is not dropped but
-- carries a NULL series_id, which fails the insert into statpipe.observation (NOT NULL):
-- the loader then runs the batch again with series.sql.
CREATE OR REPLACE TEMP VIEW sp_stage_series AS
SELECT r.series_id, k.sender, s.*
  FROM sp_stage_obs s
  JOIN sp_stage_batch_series k USING (batch_series_id)
  LEFT JOIN statpipe.series r
         ON r.sender = k.sender COLLATE "default"
        AND r.indicator = k.indicator COLLATE "default"
        AND r.ref_area = k.ref_area COLLATE "default"
        AND r.freq = k.freq COLLATE "default"
        AND r.calc_basis = k.calc_basis COLLATE "default"
        AND r.breakdown = k.breakdown COLLATE "default";
-- Each staged row with what its own release last gave for its period in the table:
-- stored_release_seq is NULL when nothing, else the place of that figure among the
-- release's (release_seq), with its value, statuses and withdrawal. The staged table has no
-- statistics; the lookup is a LATERAL ... LIMIT 1, one index probe per staged row whatever
-- size the planner guesses for it.
CREATE OR REPLACE TEMP VIEW sp_stage_compared AS
SELECT s.*, e.release_seq AS stored_release_seq, e.value AS stored_value,
       e.obs_status AS stored_obs_status, e.conf_status AS stored_conf_status,
       e.is_deleted AS stored_is_deleted
  FROM sp_stage_series s
  LEFT JOIN LATERAL (
        SELECT o.release_seq, o.value, o.obs_status, o.conf_status, o.is_deleted
          FROM statpipe.observation o
         WHERE o.series_id = s.series_id
           AND o.time_period = s.time_period COLLATE "default"
           AND o.release = s.release
         ORDER BY o.release_seq DESC
         LIMIT 1) e ON true;
