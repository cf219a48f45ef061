-- keep_checked.sql: the checked merge's decision, for any batch: one that repeats a
-- (series, period, release), or whose message ids turned out to be seen. In one statement:
-- 1. the candidates: staged rows whose message id was not seen before (a seen id is a
--    no-op; the loader stages each id of a batch once), their ids recorded as seen;
-- 2. of them every one that is not a true duplicate: a candidate identical (value,
--    statuses, withdrawal) to the figure its own release last gave for the period, earlier
--    in the batch or else in the table (sp_stage_compared), adds nothing;
-- 3. the rest are kept in sp_stage_keep for observation_insert.sql, numbered after the
--    release's last stored figure of the period in arrival order (release_seq).
-- The decision runs on narrow rows.
WITH cand AS MATERIALIZED (
    SELECT s.seq, s.series_id, s.sender, s.message_id, s.time_period, s.release, s.value,
           s.obs_status, s.conf_status, s.is_deleted, s.stored_release_seq,
           CASE WHEN s.stored_release_seq IS NOT NULL
                THEN ROW(s.stored_value, s.stored_obs_status, s.stored_conf_status,
                         s.stored_is_deleted)
           END AS stored_row
      FROM sp_stage_compared s
      LEFT JOIN LATERAL (
            SELECT true AS seen
              FROM statpipe.message_seen m
             WHERE m.sender = s.sender AND m.message_id = s.message_id
             LIMIT 1) m ON true
     WHERE m.seen IS NULL),
seen AS (
    INSERT INTO statpipe.message_seen (sender, message_id)
    SELECT sender, message_id FROM cand),
c AS (
    SELECT cand.*, lag(seq) OVER w AS l_seq,
           lag(ROW(value, obs_status, conf_status, is_deleted)) OVER w AS l_row
      FROM cand
    WINDOW w AS (PARTITION BY series_id, time_period, release ORDER BY seq)),
kept AS (
    SELECT seq, series_id, time_period, release, stored_release_seq
      FROM c
     WHERE (CASE WHEN l_seq IS NOT NULL THEN l_row ELSE stored_row END)
           IS DISTINCT FROM ROW(value, obs_status, conf_status, is_deleted))
INSERT INTO sp_stage_keep (seq, series_id, release_seq)
SELECT seq, series_id,
       coalesce(stored_release_seq + 1, 0)
       + (row_number() OVER (PARTITION BY series_id, time_period, release ORDER BY seq))::int - 1
  FROM kept
