# copy_format.sh N: what PostgreSQL spends on the load's COPY into statpipe.observation in
# text (what the daemon sends) against binary, on the same rows, table, indexes and trigger.
# Sourced by bench/run with STATPIPE, SP_SOURCE_DIR and the test helpers (PostgreSQL
# started). The rows are the vintages `statpipe load` stores from N generated messages,
# written out once in each format by the server itself; each format is then loaded into
# the emptied table three times, in alternation, timed by the wall clock and by the
# server's CPU (bench/cpu.sh); then three times each again with the table's statement
# trigger disabled, which leaves the COPY's own work (parsing, indexes, foreign key). Last
# line: copy_format: text_s=S binary_s=S binary/text=R bare_text_s=S bare_binary_s=S
# bare_binary/text=R (seconds: the mean of the three).
n=${1:-300000}
source "$SP_SOURCE_DIR/bench/cpu.sh"
feed="$SP_TMP/feed.ndjson"
"$SP_SOURCE_DIR/bench/gen_bench.sh" "$n" > "$feed"
"$STATPIPE" load "$feed" >/dev/null 2>&1
cols="series_id, time_period, period_start, period_end, release, value, unit, value_published, unit_published, unit_mult, obs_status, conf_status, is_deleted, comment, message_id, src_topic, src_partition, src_offset"
rows=$(sp_psql -c 'select count(*) from statpipe.observation')
sp_psql -c "\\copy (select $cols from statpipe.observation) to '$SP_TMP/rows.txt'"
sp_psql -c "\\copy (select $cols from statpipe.observation) to '$SP_TMP/rows.bin' with (format binary)"
echo "rows: $rows; text $(du -k "$SP_TMP/rows.txt" | cut -f1) KB, binary $(du -k "$SP_TMP/rows.bin" | cut -f1) KB"
now() { date +%s.%N; }
# round: one alternation; table: "with its trigger" (as the load stores), or without it
# (its statement trigger disabled: the COPY's parsing, indexes and foreign key alone).
copy_rounds() {
    local table=$1 round format file with pg0 t0 t cpu
    for round in 1 2 3; do
        for format in text binary; do
            sp_psql -c "truncate statpipe.observation, statpipe.kept_stale" >/dev/null
            sp_psql -c "checkpoint" >/dev/null
            file="$SP_TMP/rows.txt" with=""
            [ "$format" = binary ] && file="$SP_TMP/rows.bin" with=" with (format binary)"
            pg0=$(cpu_pg)
            t0=$(now)
            sp_psql -c "\\copy statpipe.observation ($cols) from '$file'$with" >/dev/null
            t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
            sleep 0.5
            cpu=$(per_million "$pg0" "$(cpu_pg)" "$rows")
            echo "$table, $format, round $round: $t s, PostgreSQL CPU $cpu s per million rows"
            echo "$table $format $t" >> "$SP_TMP/copy_times"
        done
    done
}
copy_rounds trigger
sp_psql -c "alter table statpipe.observation disable trigger user" >/dev/null
copy_rounds bare
sp_psql -c "alter table statpipe.observation enable trigger user" >/dev/null
awk '{ s[$1 " " $2] += $3 }
     END { printf "copy_format: text_s=%.2f binary_s=%.2f binary/text=%.2f bare_text_s=%.2f bare_binary_s=%.2f bare_binary/text=%.2f\n",
           s["trigger text"] / 3, s["trigger binary"] / 3, s["trigger binary"] / s["trigger text"],
           s["bare text"] / 3, s["bare binary"] / 3, s["bare binary"] / s["bare text"] }' \
    "$SP_TMP/copy_times"
