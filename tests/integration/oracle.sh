# oracle.sh: the hand-computed oracle (tests/data/oracle/): its observations as NDJSON, in
# file order or permuted, and its expectations run against the stats views. Source it
# after lib.sh.
ORACLE_DIR="$SP_SOURCE_DIR/tests/data/oracle"

# oracle_lines: the observation lines of observations.txt, without comments.
oracle_lines() {
    grep -v '^#' "$ORACLE_DIR/observations.txt" | grep -v '^$'
}

# oracle_permute SEED: the lines in an order drawn from SEED ("file" keeps the order,
# "reverse" reverses it). Lines of the same series, period and release (same-release
# corrections, whose later arrival is the value by rule) keep their relative order.
oracle_permute() {
    case "$1" in
        file) oracle_lines ;;
        reverse) oracle_lines | tac ;;
        *) oracle_lines | shuf --random-source=<(yes "$1") ;;
    esac | awk -F'|' -v src=<(oracle_lines) '
        BEGIN { while ((getline l < src) > 0) { split(l, f, "|");
                    k = f[2] "|" f[3] "|" f[4] "|" f[5] "|" f[6] "|" f[9] "|" f[10];
                    n[k]++; line[k, n[k]] = l } }
        { k = $2 "|" $3 "|" $4 "|" $5 "|" $6 "|" $9 "|" $10; c[k]++; print line[k, c[k]] }'
}

# oracle_ndjson: observation lines on stdin as contract messages on stdout.
oracle_ndjson() {
    local id sender ind area freq period value unit release basis extra
    while IFS='|' read -r id sender ind area freq period value unit release basis extra; do
        [ "$value" = null ] || value="\"$value\""
        printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"%s","indicator":"%s","ref_area":"%s","freq":"%s","time_period":"%s","value":%s,"unit":"%s","release":"%sT10:00:00+08:00","calc_basis":"%s"%s}\n' \
            "$id" "$sender" "$ind" "$area" "$freq" "$period" "$value" "$unit" "$release" "$basis" "$extra"
    done
}

# oracle_targets: the test targets the expectations judge besides the catalogue's.
oracle_targets() {
    sp_psql -f "$ORACLE_DIR/targets.sql"
}

# oracle_check: runs every case of expected.txt and fails if any differs (each difference
# is printed). A case is "? label", then "> SQL" lines, then "= row" lines ("=" alone: no
# rows).
oracle_check() {
    local label="" sql="" expected="" have=0 line cases=0 failed=0 actual
    run_case() {
        [ -n "$label" ] || return 0
        cases=$((cases + 1))
        actual=$(PGTZ=UTC sp_psql -c "$sql" 2>&1) || true
        if [ "$actual" = "$expected" ]; then
            echo "ok - $label"
        else
            echo "FAIL: $label: expected [$expected], got [$actual]" >&2
            failed=$((failed + 1))
        fi
    }
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
            '? '*) run_case; label=${line#? }; sql=""; expected=""; have=0 ;;
            '> '*) sql="$sql ${line#> }" ;;
            '=' | '= '*)
                if [ "$line" = "=" ]; then line=""; else line=${line#= }; fi
                if [ $have = 0 ]; then expected=$line; have=1; else expected="$expected"$'\n'"$line"; fi ;;
        esac
    done < "$ORACLE_DIR/expected.txt"
    run_case
    [ $failed = 0 ] || fail "oracle: $failed of $cases cases differ"
    echo "ok - oracle: $cases cases"
}

# Every stats view, row by row, without what depends on the clock or on storage order (the
# arrival order of a stored row), and the functions at fixed dates.
oracle_fingerprint() {
    local views v sql=""
    views=$(sp_psql -c "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where n.nspname = 'stats' and c.relkind = 'v' order by 1")
    for v in $views; do
        sql="$sql union all select '$v', (to_jsonb(t) - array['obs_id', 'age', 'stale', 'first_received', 'last_received'])::text from stats.$v t"
    done
    for d in 2017-10-01 2019-03-02 2024-06-01; do
        sql="$sql union all select 'asof $d', to_jsonb(t)::text from stats.observation_asof('$d') t"
    done
    for d in 2023-06-30 2026-09-30; do
        sql="$sql union all select 'targets $d', to_jsonb(t)::text from stats.target_progress_at('$d') t"
    done
    PGTZ=UTC sp_psql -c "select count(*) || ' ' || md5(string_agg(r, E'\n' order by r)) from (select v || ' ' || j as r from (${sql# union all }) x(v, j)) y"
}
