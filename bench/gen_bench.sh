#!/usr/bin/env bash
# gen_bench.sh N: N realistic observation messages as NDJSON for the throughput benchmark:
# several senders and indicators, national and provincial series, monthly PER stocks and
# YTD flows, half-yearly CNNIC figures, values in the units agencies publish, and about 3 %
# bad messages (unknown indicator, unit of the wrong dimension) that go to quarantine.
# Periods go back at most 30 years; past that a series starts again with later releases,
# so a long run also carries revisions (new vintages of periods already loaded).
set -euo pipefail
n=${1:?usage: gen_bench.sh N}
awk -v n="$n" 'BEGIN {
    split("CN 110000 120000 130000 140000 150000 210000 220000 230000 310000 320000 330000 " \
          "340000 350000 360000 370000 410000 420000 430000 440000 450000 460000 500000 " \
          "510000 520000 530000 540000 610000 620000 630000 640000 650000", areas, " ")
    # sender indicator freq basis unit
    ns = split("MIIT|FBB_USERS|M|PER|万户 MIIT|USERS_5G|M|PER|万户 MIIT|BS_5G|M|PER|万个 " \
               "MIIT|MOB_TRAFFIC|M|YTD|亿GB NBS|ONLINE_RETAIL|M|YTD|亿元 " \
               "NBS|ONLINE_RETAIL_GOODS|M|YTD|亿元 MIIT|FBB_1000M_USERS|M|PER|万户 " \
               "CNNIC|NETIZENS|S|PER|亿人", series, " ")
    nseries = ns * 32
    for (i = 0; i < n; i++) {
        s = i % nseries; k = int(i / nseries)
        split(series[s % ns + 1], f, "|"); area = areas[int(s / ns) + 1]
        per = f[3] == "M" ? 360 : 60; round = int(k / per); k = k % per
        if (f[3] == "M") {
            m = 11 - k % 12; y = 2025 - int(k / 12)
            tp = sprintf("%04d-%02d", y, m + 1); rel = sprintf("%04d-%02d-20T09:%02d:00+08:00", m == 11 ? y + 1 : y, m == 11 ? 1 : m + 2, 30 + round % 30)
        } else {
            h = 1 - k % 2; y = 2025 - int(k / 2)
            tp = sprintf("%04d-S%d", y, h + 1); rel = sprintf("%04d-%02d-28T10:%02d:00+08:00", h ? y + 1 : y, h ? 2 : 8, round % 60)
        }
        ind = f[2]; unit = f[5]
        if (i % 67 == 66) ind = "NOT_IN_CATALOGUE"
        else if (i % 67 == 33) unit = "Mbps"
        v = (i * 7919) % 1000000 / 100
        printf "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"b-%d\",\"sender\":\"%s\",\"indicator\":\"%s\",\"ref_area\":\"%s\",\"freq\":\"%s\",\"time_period\":\"%s\",\"calc_basis\":\"%s\",\"value\":\"%s\",\"unit\":\"%s\",\"obs_status\":\"A\",\"release\":\"%s\"}\n", \
            i, f[1], ind, area, f[3], tp, f[4], v, unit, rel
    }
}'
