# bi.sh: what a dashboard asks, timed side by side with a plain sequential scan of
# statpipe.observation, in the database bench/target_progress.sql filled. Sourced by
# bench/run bi. Each query runs once to warm the cache, then BI_RUNS times (default 3);
# the server's execution time (EXPLAIN ANALYZE, rows not sent) is reported, median first.
# A query that runs past BI_TIMEOUT (default 600 s) is reported as such and counts as
# that long.
runs=${BI_RUNS:-3}
timeout_s=${BI_TIMEOUT:-600}
bi_time() { # SQL: prints the median execution time in ms over $runs runs
    local sql=$1 i t
    for i in $(seq 0 "$runs"); do
        t=$(sp_psql -c "set statement_timeout = '${timeout_s}s'" \
            -c "explain (analyze, timing off, summary on) $sql" 2>/dev/null \
            | awk '/Execution Time/ {print $3}') || true
        [ -n "$t" ] || t=$((timeout_s * 1000))
        [ "$i" = 0 ] || echo "$t"
    done | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
obs=$(sp_psql -c 'select count(*) from statpipe.observation')
ind=FBB_USERS
scan=$(bi_time "select * from statpipe.observation")
full=$(bi_time "select * from stats.observation_latest")
printf '%-58s %10s\n' "query (observations: $obs)" "median_ms" >&2
printf '%-58s %10s\n' "plain scan: statpipe.observation" "$scan" >&2
printf '%-58s %10s\n' "full extract: stats.observation_latest" "$full" >&2
slowest=0
while IFS='|' read -r label sql; do
    t=$(bi_time "$sql")
    printf '%-58s %10s\n' "$label" "$t" >&2
    slowest=$(awk -v a="$slowest" -v b="$t" 'BEGIN {print (b > a) ? b : a}')
done <<SQL
observation_latest, one indicator|select * from stats.observation_latest where indicator = '$ind'
period_value, one indicator|select * from stats.period_value where indicator = '$ind'
annual_value, one indicator|select * from stats.annual_value where indicator = '$ind'
growth, one indicator|select * from stats.growth where indicator = '$ind'
growth, one series (CN)|select * from stats.growth where indicator = '$ind' and ref_area = 'CN'
regional_value, one indicator|select * from stats.regional_value where indicator = '$ind'
annual_value, one year, every indicator|select * from stats.annual_value where year = 2020
target_progress|select * from stats.target_progress
regional_gap, one indicator|select * from stats.regional_gap where indicator = '$ind'
index_value, every area and year|select * from stats.index_value
SQL
ratio=$(awk -v f="$full" -v s="$scan" 'BEGIN {printf "%.2f", f / s}')
echo "bi: slowest_ms=$slowest full_vs_scan=$ratio"
