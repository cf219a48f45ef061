#!/usr/bin/env bash
# cpu.sh: CPU seconds used so far by PostgreSQL (the postmaster, its live backends and
# those it has reaped) and by the built-in cluster, for the CPU split of bench/e2e.sh.
# Sourced by it; reads SP_PG_DATA.
cpu_ticks() { # PID...: utime + stime (+ reaped children's) of each, in clock ticks
    local p
    for p in "$@"; do
        # the fields after the command name, which is in parentheses and may hold spaces
        sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null
    done | awk '{ s += $12 + $13 + $14 + $15 } END { print s + 0 }'
}
# cpu_pg: seconds of every PostgreSQL process, those that ended included.
cpu_pg() {
    local pm
    pm=$(head -n 1 "$SP_PG_DATA/postmaster.pid")
    awk -v t="$(cpu_ticks "$pm" $(pgrep -P "$pm"))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
# cpu_broker: seconds of the built-in cluster.
cpu_broker() {
    awk -v t="$(cpu_ticks $(pgrep -f 'statpipe mock-cluster'))" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.2f", t / hz }'
}
# per_million SECONDS_BEFORE SECONDS_AFTER MESSAGES
per_million() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }'; }
