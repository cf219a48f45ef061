#!/usr/bin/env bash
# gen_feed.sh N [BAD_EVERY] [PREFIX]: prints N observation messages as NDJSON: monthly fixed
# broadband subscriptions for the 31 provinces from January 2000 on, one message per
# (province, month), values in 万户 with up to one decimal. Every BAD_EVERY-th message
# (default 0: none) names an unknown indicator and is unique, so quarantine counts are exact.
# With GEN_EXPECTED=FILE it also writes, for each good message, the row the database must
# end up with: SENDER|INDICATOR|REF_AREA|FREQ|CALC_BASIS|PERIOD|RELEASE(UTC)|VALUE(canonical).
set -euo pipefail
n=${1:?usage: gen_feed.sh N [BAD_EVERY] [PREFIX]}
bad=${2:-0}
prefix=${3:-gen}
awk -v n="$n" -v bad="$bad" -v prefix="$prefix" -v expected="${GEN_EXPECTED:-}" 'BEGIN {
    split("110000 120000 130000 140000 150000 210000 220000 230000 310000 320000 330000 " \
          "340000 350000 360000 370000 410000 420000 430000 440000 450000 460000 500000 " \
          "510000 520000 530000 540000 610000 620000 630000 640000 650000", areas, " ")
    for (i = 0; i < n; i++) {
        area = areas[i % 31 + 1]
        m = int(i / 31)
        year = 2000 + int(m / 12)
        month = m % 12 + 1
        ind = (bad > 0 && i % bad == bad - 1) ? "UNKNOWN_" i : "FBB_USERS"
        value = (i * 7919) % 100000 / 10
        ry = month == 12 ? year + 1 : year
        rm = month == 12 ? 1 : month + 1
        if (expected != "" && ind == "FBB_USERS")
            printf "MIIT|FBB_USERS|%s|M|PER|%04d-%02d|%04d-%02d-20 01:30:00+00|%d\n", \
                area, year, month, ry, rm, (i * 7919) % 100000 * 1000 > expected
        printf "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"%s-%d\",\"sender\":\"MIIT\",\"indicator\":\"%s\",\"ref_area\":\"%s\",\"freq\":\"M\",\"time_period\":\"%04d-%02d\",\"value\":\"%s\",\"unit\":\"万户\",\"release\":\"%04d-%02d-20T09:30:00+08:00\"}\n", \
            prefix, i, ind, area, year, month, value, ry, rm
    }
}'
