#!/usr/bin/env bash
# e2e.sh N: the throughput benchmark of issue 7, in one run on this machine, on the same
# messages, table and indexes. Sourced by bench/run with STATPIPE, SP_SOURCE_DIR and the
# test helpers (PostgreSQL started). Prints a line per measurement, then the summary:
#   e2e/copy=R e2e/elt=R e2e/python=R rss_mb=N p99_ms=N
n=${1:-1000000}
# The built-in cluster keeps at most 100,000 messages or 5 MB a partition and drops older
# ones; its fetches also slow down as a partition grows. 2,500 messages of about 260 bytes
# are under 1 MB.
partitions=$(( n / 2500 + 4 ))
sp_kafka_start --brokers 1 --topic "bench:$partitions" --topic "paced:8"
bench_dir="$SP_SOURCE_DIR/bench"
feed="$SP_TMP/feed.ndjson"
"$bench_dir/gen_bench.sh" "$n" > "$feed"
echo "messages: $n ($(du -m "$feed" | cut -f1) MB), partitions: $partitions, cores: $(nproc)"
# Large producer batches: the built-in cluster answers a fetch with one stored batch per
# partition and finds it by walking the partition's list of batches, so batches of a few
# messages (librdkafka's 5 ms linger across hundreds of partitions) make its fetches the
# slowest part of the machine. A Kafka broker indexes its log and returns many batches.
"$STATPIPE" produce -b "$BROKERS" -t bench -X linger.ms=500 -X batch.num.messages=10000 \
    -X batch.size=262144 "$feed" >/dev/null

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# a. raw consume rate (kcat reads every partition to its end, discarding)
t0=$(now)
got=$(kcat -C -b "$BROKERS" -t bench -o beginning -e -q -f '%s\n' | wc -l)
t=$(elapsed "$t0" "$(now)")
check "the cluster kept every message" "$n" "$got" >/dev/null
echo "a consume: $(rate "$n" "$t") msg/s ($t s)"

# b. raw JSON parse rate, and statpipe's whole transform, in memory
"$SP_SOURCE_DIR/build/release/bench/parse_bench" "$SP_SOURCE_DIR/schemas/catalogue" "$feed" \
    | sed 's/^/b /'

# p. latency from produce to commit at a paced 10,000 messages a second, first, while the
# server holds no other step's rows, in a database of its own
source "$bench_dir/latency.sh"

# e. statpipe run, end to end, exactly once with vintages; the CPU of PostgreSQL and of
# the cluster meanwhile (bench/cpu.sh), besides the daemon's (GNU time)
source "$bench_dir/cpu.sh"
pg0=$(cpu_pg) br0=$(cpu_broker)
/usr/bin/time -f "%e %U %S %M" -o "$SP_TMP/time.e2e" \
    "$STATPIPE" run -b "$BROKERS" -t bench -G bench -e 2>"$SP_TMP/run.log"
read -r e_wall e_user e_sys e_rss < "$SP_TMP/time.e2e"
sleep 1 # the daemon's backends are reaped
pg1=$(cpu_pg) br1=$(cpu_broker)
rows=$(sp_psql -c 'select count(*) from statpipe.observation')
quarantined=$(sp_psql -c 'select count(*) from statpipe.quarantine')
check "every message committed" "$n" "$(sp_psql -c "select sum(next_offset) from statpipe.kafka_offset where consumer_group = 'bench'")" >/dev/null
check "every message loaded or quarantined, once" "$n" "$((rows + quarantined))" >/dev/null
e_rate=$(rate "$n" "$e_wall")
cpu_per_m=$(awk -v u="$e_user" -v s="$e_sys" -v n="$n" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }')
echo "e statpipe run: $e_rate msg/s ($e_wall s, $rows vintages, $quarantined quarantined), daemon CPU ${cpu_per_m} s per million, peak RSS $((e_rss / 1024)) MB"
# Where e's time goes besides loading: the broker holds a new group's first join for its
# initial rebalance delay (3 s in Kafka and in the built-in cluster), and librdkafka 2.0
# refills a full prefetch queue only when its broker thread next wakes, at most once a
# second: a backlog is read at about queued.max.messages.kbytes a second.
join_s=$(awk '/event=start / && !s {s = $1} /event=assign / && !a {a = $1}
    function t(x) { sub(/^ts=[^T]*T/, "", x); sub(/Z$/, "", x); split(x, f, ":"); return f[1] * 3600 + f[2] * 60 + f[3] }
    END { printf "%.1f", t(a) - t(s) }' "$SP_TMP/run.log")
echo "e  CPU per million messages: daemon $cpu_per_m s, PostgreSQL $(per_million "$pg0" "$pg1" "$n") s, cluster $(per_million "$br0" "$br1" "$n") s"
echo "e  of which waiting for the group to form: $join_s s; after it: $(rate "$n" "$(elapsed "$join_s" "$e_wall")") msg/s"
echo "e  of which the last refresh of the kept values, at the end: $(sed -n 's/.*event=kept_refresh years=[0-9]* parts=[0-9]* ms=\([0-9]*\).*/\1/p' "$SP_TMP/run.log" | tail -n 1) ms"
# How the batches went in (by COPY, or through the merge), and the keeper's refreshes
# during the run (every kept_refresh line but the last).
echo "e  batches: $(sed -n 's/.*event=stop .*batches=\([0-9]*\) copied=\([0-9]*\).*/\1, of which by COPY \2/p' "$SP_TMP/run.log")"
echo "e  the keeper's refreshes before the last: $(awk '/event=kept_refresh / { for (i = 1; i <= NF; i++) if ($i ~ /^(years|ms)=/) { split($i, kv, "="); v[kv[1]] = kv[2] }
    n++; if (n > 1) { y += py; m += pm } py = v["years"]; pm = v["ms"] }
    END { printf "%d, %d years, %d ms", n - 1, y, m }' "$SP_TMP/run.log")"

cols="series_id, time_period, period_start, period_end, release, value, unit, value_published, unit_published, unit_mult, obs_status, conf_status, is_deleted, comment, message_id, src_topic, src_partition, src_offset"
sp_psql -c "\\copy (select $cols from statpipe.observation) to '$SP_TMP/rows.copy'"

# c. raw COPY of the already-normalised rows into the same table and indexes, and the one
# refresh of the kept values it needs (migration 029; e's run -e ends with it, and d and f
# end with it too): the limit
sp_psql -c "truncate statpipe.observation"
pg0=$(cpu_pg)
t0=$(now)
sp_psql -c "\\copy statpipe.observation ($cols) from '$SP_TMP/rows.copy'"
t1=$(now)
sp_psql -c "select statpipe.refresh_stale()" >/dev/null
t2=$(now)
c_t=$(elapsed "$t0" "$t2")
c_rate=$(rate "$n" "$c_t")
sleep 1
c_pg=$(per_million "$pg0" "$(cpu_pg)" "$n")
echo "c COPY of normalised rows: $c_rate msg/s equivalent ($c_t s for $rows rows: COPY $(elapsed "$t0" "$t1") s, refresh of the kept values $(elapsed "$t1" "$t2") s), PostgreSQL CPU per million messages $c_pg s"

# d. what a user would otherwise build: COPY the raw JSON into jsonb, then INSERT ... SELECT
sp_psql -c "truncate statpipe.observation"
sp_psql -c "create unlogged table public.raw (doc jsonb)"
t0=$(now)
# CSV with quote and delimiter bytes that JSON text never holds: each line is one value
sp_psql -c "\\copy public.raw from '$feed' with (format csv, quote e'\\x01', delimiter e'\\x02')"
sp_psql <<'SQL'
insert into statpipe.series (sender, indicator, ref_area, freq, calc_basis)
select distinct doc->>'sender', i.code, doc->>'ref_area', doc->>'freq', coalesce(doc->>'calc_basis', 'PER')
  from public.raw
  join statpipe.indicator i on i.code = coalesce((select indicator from statpipe.indicator_alias a where a.alias = doc->>'indicator' limit 1), doc->>'indicator')
on conflict do nothing;
insert into statpipe.observation (series_id, time_period, period_start, period_end, release,
    value, unit, value_published, unit_published, unit_mult, obs_status, conf_status, message_id)
select s.series_id, r.doc->>'time_period', p.start, p.stop, (r.doc->>'release')::timestamptz,
       (r.doc->>'value')::numeric * u.factor, cu.code, r.doc->>'value', r.doc->>'unit', 0,
       coalesce(r.doc->>'obs_status', 'A'), 'F', r.doc->>'message_id'
  from public.raw r
  join statpipe.series s on s.sender = r.doc->>'sender' and s.indicator = r.doc->>'indicator'
   and s.ref_area = r.doc->>'ref_area' and s.freq = r.doc->>'freq'
   and s.calc_basis = coalesce(r.doc->>'calc_basis', 'PER')
  join statpipe.unit u on u.code = coalesce((select unit from statpipe.unit_alias a where a.alias = r.doc->>'unit'), r.doc->>'unit')
  join statpipe.indicator i on i.code = s.indicator and i.dimension = u.dimension
  join statpipe.unit cu on cu.dimension = u.dimension and cu.factor = 1
  cross join lateral (select case r.doc->>'freq'
                                  when 'M' then to_date(r.doc->>'time_period' || '-01', 'YYYY-MM-DD')
                                  when 'Q' then make_date(left(r.doc->>'time_period', 4)::int, right(r.doc->>'time_period', 1)::int * 3 - 2, 1)
                                  else make_date(left(r.doc->>'time_period', 4)::int, case when right(r.doc->>'time_period', 1) = '1' then 1 else 7 end, 1) end as start) p0
  cross join lateral (select p0.start, (p0.start + case r.doc->>'freq' when 'M' then interval '1 month' when 'Q' then interval '3 months'
                                                    else interval '6 months' end - interval '1 day')::date as stop) p;
SQL
sp_psql -c "select statpipe.refresh_stale()" >/dev/null
d_t=$(elapsed "$t0" "$(now)")
d_rate=$(rate "$n" "$d_t")
echo "d COPY jsonb + INSERT ... SELECT: $d_rate msg/s ($d_t s; no validation, no quarantine, no vintage rules)"

# f. the pipeline a Python data engineer would write instead (bench/peer_f.py, run by
# Debian's Python, which has the Debian packages it uses): the same messages from Kafka
# into the same table, at least once and without vintage rules, on emptied tables, as e
# had them.
sp_psql -c "truncate statpipe.observation, statpipe.message_seen, statpipe.quarantine, statpipe.kafka_offset, statpipe.series cascade" >/dev/null
f_out=$(/usr/bin/python3 "$bench_dir/peer_f.py" "$BROKERS" bench benchf "$n")
# f's time, and the one refresh of the kept values its rows need, as c's and e's include
t0=$(now)
sp_psql -c "select statpipe.refresh_stale()" >/dev/null
f_t=$(awk -v a="$(echo "$f_out" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')" -v b="$(elapsed "$t0" "$(now)")" \
    'BEGIN { printf "%.3f", a + b }')
f_loaded=$(echo "$f_out" | sed -n 's/.*loaded=\([0-9]*\).*/\1/p')
check "f loaded what e loaded" "$rows" "$f_loaded" >/dev/null
f_rate=$(rate "$n" "$f_t")
echo "f Python pipeline (confluent-kafka, json, Decimal, COPY): $f_rate msg/s ($f_t s, $f_out)"

# e16. the same with a prefetch queue twice the default, on emptied tables: what the Kafka
# client's refill costs (and what it saves in memory). Not in the summary line.
sp_psql -c "truncate statpipe.observation, statpipe.message_seen, statpipe.quarantine, statpipe.kafka_offset, statpipe.series cascade" >/dev/null
/usr/bin/time -f "%e %U %S %M" -o "$SP_TMP/time.e16" \
    "$STATPIPE" run -b "$BROKERS" -t bench -G bench16 -e -X queued.max.messages.kbytes=16384 \
    2>"$SP_TMP/run16.log"
read -r e16_wall _ _ e16_rss < "$SP_TMP/time.e16"
check "e16: every message loaded or quarantined, once" "$n" \
    "$(sp_psql -c 'select (select count(*) from statpipe.observation) + (select count(*) from statpipe.quarantine)')" >/dev/null
echo "e  with kafka.queued.max.messages.kbytes=16384: $(rate "$n" "$e16_wall") msg/s ($e16_wall s), peak RSS $((e16_rss / 1024)) MB"

awk -v e="$e_rate" -v c="$c_rate" -v d="$d_rate" -v f="$f_rate" -v rss="$((e_rss / 1024))" -v p99="$p99" \
    'BEGIN { printf "e2e/copy=%.2f e2e/elt=%.2f e2e/python=%.2f rss_mb=%d p99_ms=%d\n", e / c, e / d, e / f, rss, p99 }'
