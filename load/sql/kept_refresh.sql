-- kept_refresh.sql: brings the kept values up to date (migration 029): recomputes the kept
-- years that stored observations have marked since, once for all of them, or at most $1 of
-- them (NULL: all), and returns how many it recomputed. Run after loading, outside the
-- loading transactions.
SELECT statpipe.refresh_stale($1::int)
