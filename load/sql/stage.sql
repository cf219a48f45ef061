-- stage.sql: the session's staging tables, one per kind of row a batch carries. They are
-- temporary (one set per connection), emptied at every COMMIT, and never analysed: the
-- merge statements are written for a planner that knows nothing of their size.
-- Text keys are in the "C" collation, so that hashing and comparing them is byte-wise.
CREATE TEMP TABLE IF NOT EXISTS sp_stage_obs (
    message_id text COLLATE "C",
    sender text COLLATE "C",
    indicator text COLLATE "C",
    ref_area text COLLATE "C",
    freq text COLLATE "C",
    calc_basis text COLLATE "C",
    time_period text COLLATE "C",
    period_start date,
    period_end date,
    value numeric,
    unit text,
    value_published text,
    unit_published text,
    unit_mult int,
    obs_status text,
    conf_status text,
    release timestamptz,
    is_deleted boolean,
    comment text,
    src_topic text,
    src_partition int,
    src_offset bigint,
    seq int                 -- the row's place in the batch: arrival order
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
