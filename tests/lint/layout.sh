#!/usr/bin/env bash
# layout.sh: the house rules of the source tree that a reader relies on: no C file grows
# past 600 lines, the commands in cli/ call no librdkafka or libpq function (the stages
# do), and every module folder has a README that says what it may call.
set -u
cd "${SP_SOURCE_DIR:-$(dirname "$0")/../..}"
bad=0
while read -r n f; do
    [ "$f" = total ] && continue
    if [ "$n" -gt 600 ]; then
        echo "FAIL: $f has $n lines (at most 600: split it by responsibility)"
        bad=1
    fi
done < <({ git ls-files '*.c' '*.h' 2>/dev/null ||
           find . -path ./build -prune -o \( -name '*.c' -o -name '*.h' \) -print; } | xargs wc -l)
calls=$(grep -nE '\b(rd_kafka_[a-z_]+|PQ[a-zA-Z]+)\(' cli/*.c)
if [ -n "$calls" ]; then
    echo "FAIL: cli/ calls librdkafka or libpq itself:"
    echo "$calls"
    bad=1
fi
for d in */CMakeLists.txt; do
    d=${d%/CMakeLists.txt}
    case $d in tests | bench | build*) continue ;; esac
    grep -q '^May call:' "$d/README.md" 2>/dev/null || { echo "FAIL: $d/README.md says not what $d may call"; bad=1; }
done
[ $bad = 0 ] && echo "PASS layout"
exit $bad
