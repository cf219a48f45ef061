#!/usr/bin/env bash
# gen_bench.sh N: N realistic observation messages as NDJSON for the throughput benchmark:
# 2,400 series (five senders; eight indicators, monthly and quarterly, the CNNIC figure
# half-yearly; CN and 31 provinces), PER stocks and YTD flows, values in the units agencies
# publish, and about 3 % bad messages (unknown indicator, unit of the wrong dimension) that
# go to quarantine. Messages go round the series, period after period, newest first;
# periods go back at most 30 years, and past that a series starts again with later
# releases, so a long run also carries revisions (new vintages of periods already loaded).
set -euo pipefail
n=${1:?usage: gen_bench.sh N}
awk -v n="$n" 'BEGIN {
    split("CN 110000 120000 130000 140000 150000 210000 220000 230000 310000 320000 330000 " \
          "340000 350000 360000 370000 410000 420000 430000 440000 450000 460000 500000 " \
          "510000 520000 530000 540000 610000 620000 630000 640000 650000", areas, " ")
    nsend = split("MIIT CAICT NBS CNNIC MOFCOM", senders, " ")
    # indicator freq basis unit
    nc = split("FBB_USERS|M|PER|万户 USERS_5G|M|PER|万户 BS_5G|M|PER|万个 " \
               "MOB_TRAFFIC|M|YTD|亿GB ONLINE_RETAIL|M|YTD|亿元 ONLINE_RETAIL_GOODS|M|YTD|亿元 " \
               "FBB_1000M_USERS|M|PER|万户 FBB_USERS|Q|PER|万户 USERS_5G|Q|PER|万户 " \
               "BS_5G|Q|PER|万个 MOB_TRAFFIC|Q|YTD|亿GB ONLINE_RETAIL|Q|YTD|亿元 " \
               "ONLINE_RETAIL_GOODS|Q|YTD|亿元 FBB_1000M_USERS|Q|PER|万户 NETIZENS|S|PER|亿人", \
               configs, " ")
    nseries = nc * 32 * nsend
    for (i = 0; i < n; i++) {
        s = i % nseries; k = int(i / nseries)
        split(configs[s % nc + 1], f, "|")
        area = areas[int(s / nc) % 32 + 1]; sender = senders[int(s / (nc * 32)) + 1]
        per = f[2] == "M" ? 360 : f[2] == "Q" ? 120 : 60; round = int(k / per); k = k % per
        if (f[2] == "M") {
            m = 11 - k % 12; y = 2025 - int(k / 12)
            tp = sprintf("%04d-%02d", y, m + 1)
            rel = sprintf("%04d-%02d-20T09:%02d:00+08:00", m == 11 ? y + 1 : y, m == 11 ? 1 : m + 2, 30 + round % 30)
        } else if (f[2] == "Q") {
            q = 3 - k % 4; y = 2025 - int(k / 4)
            tp = sprintf("%04d-Q%d", y, q + 1)
            rel = sprintf("%04d-%02d-25T09:%02d:00+08:00", q == 3 ? y + 1 : y, q == 3 ? 1 : 3 * q + 4, round % 60)
        } else {
            h = 1 - k % 2; y = 2025 - int(k / 2)
            tp = sprintf("%04d-S%d", y, h + 1)
            rel = sprintf("%04d-%02d-28T10:%02d:00+08:00", h ? y + 1 : y, h ? 2 : 8, round % 60)
        }
        ind = f[1]; unit = f[4]
        if (i % 67 == 66) ind = "NOT_IN_CATALOGUE"
        else if (i % 67 == 33) unit = "Mbps"
        v = (i * 7919) % 1000000 / 100
        printf "{\"schema\":\"statpipe.observation/1\",\"message_id\":\"b-%d\",\"sender\":\"%s\",\"indicator\":\"%s\",\"ref_area\":\"%s\",\"freq\":\"%s\",\"time_period\":\"%s\",\"calc_basis\":\"%s\",\"value\":\"%s\",\"unit\":\"%s\",\"obs_status\":\"A\",\"release\":\"%s\"}\n", \
            i, sender, ind, area, f[2], tp, f[3], v, unit, rel
    }
}'
