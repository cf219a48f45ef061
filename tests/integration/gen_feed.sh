#!/usr/bin/env bash
# gen_feed.sh N [BAD_EVERY] [PREFIX]: prints N observation messages as NDJSON: monthly fixed
# broadband subscriptions for the 31 provinces from January 2000 on, one message per
# (province, month), values in 万户 with up to one decimal. Every BAD_EVERY-th message
# (default 0: none) names an unknown indicator and is unique, so quarantine counts are exact.
set -euo pipefail
n=${1:?usage: gen_feed.sh N [BAD_EVERY] [PREFIX]}
bad=${2:-0}
prefix=${3:-gen}
awk -v n="$n" -v bad="$bad" -v prefix="$prefix" 'BEGIN {
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
        printf "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"%s-%d\",\"sender\":\"MIIT\",\"indicator\":\"%s\",\"ref_area\":\"%s\",\"freq\":\"M\",\"time_period\":\"%04d-%02d\",\"value\":\"%s\",\"unit\":\"万户\",\"release\":\"%04d-%02d-20T09:30:00+08:00\"}\n", \
            prefix, i, ind, area, year, month, value, ry, rm
    }
}'
