-- kept_refresh.sql: brings the kept values up to date (migrations 029 and 032): recomputes
-- the kept years that stored observations have marked since, once for all of them, or at
-- most $1 of them (NULL: all), of part $2 of $3 of the (indicator, area) buckets (0 of 1:
-- every bucket), and returns how many it recomputed. Run after loading, outside the
-- loading transactions.
SELECT statpipe.refresh_stale($1::int, $2::int, $3::int)
