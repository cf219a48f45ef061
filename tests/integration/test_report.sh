#!/usr/bin/env bash
# test_report.sh: `statpipe report` in every format; the HTML page renders in headless
# Chromium with its charts and fetches nothing.
source "$(dirname "$0")/lib.sh"
sp_pg_start
check "report before migrate says what to do" 3 "$("$STATPIPE" report 2>"$SP_TMP/nomig.err" >/dev/null; echo $?)"
grep -q "statpipe migrate" "$SP_TMP/nomig.err" || fail "no hint to migrate: $(cat "$SP_TMP/nomig.err")"
"$STATPIPE" migrate -q
"$STATPIPE" load "$SP_SOURCE_DIR/deploy/sample/feed.ndjson" >/dev/null 2>&1
# A target year still ahead, judged on the latest value (18.47 / 60 = 30.8 %).
sp_psql -c "insert into statpipe.target (indicator, plan, target_year, comparator, target_value, target_unit, source)
    values ('INTL_BW', 'TEST-2099', 2099, '>=', 60, 'Tbps', 'test')"
targets=$(sp_psql -c 'select count(*) from statpipe.target')

"$STATPIPE" report --lang en > "$SP_TMP/report.txt"
# Every catalogue target year (2020 and 2025) has passed. Missed: ECOM_TX 2020 (NISDO-2016
# and FYP13-INFO, 37.21 < 38) and INFO_CONS 2020 (both plans, 5.8 < 6): 4. The other 21 - 4
# = 17 have no value for their year: no data. TEST-2099 has one level and no trend: unknown.
grep -q "^$targets targets: 0 met, 4 missed, 17 no data, 0 on track, 0 at risk, 0 off track, 1 unknown$" "$SP_TMP/report.txt" \
    || fail "text summary: $(tail -n 8 "$SP_TMP/report.txt")"
grep -q "^INTL_BW  *TEST-2099  *2099  *>= 60 Tbps  *18.47 Tbps (2023-S2)  *30.8 %  *-  *unknown$" "$SP_TMP/report.txt" \
    || fail "text row for INTL_BW 2099: $(grep INTL_BW "$SP_TMP/report.txt")"
# A passed target year, judged on that year's value (37.21 / 38 = 97.9 %), and one
# without a value for its year.
grep -q "^ECOM_TX  *NISDO-2016  *2020  *>= 38 万亿元  *37.21 万亿元 (2020)  *97.9 %  *-  *missed$" "$SP_TMP/report.txt" \
    || fail "text row for ECOM_TX 2020: $(grep ECOM_TX "$SP_TMP/report.txt")"
grep -q "^INTL_BW  *NISDO-2016  *2025  *>= 48 Tbps  *no data  *-  *no data$" "$SP_TMP/report.txt" \
    || fail "text row for INTL_BW 2025: $(grep INTL_BW "$SP_TMP/report.txt")"
echo "ok - text scorecard"
# In Chinese, the default: the same rows and counts, worded as evaluations word them.
"$STATPIPE" report > "$SP_TMP/report.zh.txt"
check "Chinese text: the title" "国家信息化发展目标监测评估" "$(head -n 1 "$SP_TMP/report.zh.txt" | cut -d' ' -f1)"
grep -q "^共 $targets 项目标：达标 0，未达标 4，无数据 17，进展顺利 0，存在风险 0，滞后 0，无法判断 1$" "$SP_TMP/report.zh.txt" \
    || fail "Chinese summary: $(tail -n 8 "$SP_TMP/report.zh.txt")"
grep -q "^ECOM_TX  *NISDO-2016  *2020  *>= 38 万亿元  *37.21 万亿元 (2020)  *97.9 %  *-  *未达标$" "$SP_TMP/report.zh.txt" \
    || fail "Chinese row for ECOM_TX 2020: $(grep ECOM_TX "$SP_TMP/report.zh.txt")"
grep -q "^INTL_BW  *NISDO-2016  *2025  *>= 48 Tbps  *无数据  *-  *无数据$" "$SP_TMP/report.zh.txt" \
    || fail "Chinese row for INTL_BW 2025: $(grep INTL_BW "$SP_TMP/report.zh.txt")"
grep -q "^  隔离待处理：" "$SP_TMP/report.zh.txt" || fail "Chinese data quality: $(tail -n 6 "$SP_TMP/report.zh.txt")"
check "an unknown language is a usage error" 2 "$("$STATPIPE" report --lang fr 2>/dev/null || echo $?)"
echo "ok - Chinese text scorecard"

# A login with only statpipe_reader renders the same report (it reads schema stats only);
# a login without it is told which role it needs, not to migrate.
sp_psql -c "create role reader login in role statpipe_reader; create role nobody_in_particular login"
PGUSER=reader "$STATPIPE" report > "$SP_TMP/report.reader.txt" 2>"$SP_TMP/reader.err" \
    || fail "report as a reader: $(cat "$SP_TMP/reader.err")"
# Each report's title says the minute it was generated, which may differ between the two:
# that time is compared by its form, the rest byte for byte.
generated='s/(生成于 [0-9]*年[0-9]*月[0-9]*日 [0-9]*:[0-9]* UTC，/(生成于 T，/'
grep -q "^国家信息化发展目标监测评估 (生成于 [0-9]*年[0-9]*月[0-9]*日 [0-9]*:[0-9]* UTC，数据库 " \
    "$SP_TMP/report.reader.txt" \
    || fail "a reader's report says when it was generated: $(head -n 1 "$SP_TMP/report.reader.txt")"
check "a reader's report is the owner's" "$(sed "$generated" "$SP_TMP/report.zh.txt" | md5sum)" \
    "$(sed "$generated" "$SP_TMP/report.reader.txt" | md5sum)"
check "reader csv is the owner's" "$("$STATPIPE" report --format csv | md5sum)" \
    "$(PGUSER=reader "$STATPIPE" report --format csv | md5sum)"
rc=0
PGUSER=nobody_in_particular "$STATPIPE" report >/dev/null 2>"$SP_TMP/noperm.err" || rc=$?
check "a login without statpipe_reader: exit 3" 3 "$rc"
grep -q "the login needs the role statpipe_reader: GRANT statpipe_reader TO nobody_in_particular" "$SP_TMP/noperm.err" \
    || fail "no hint about the role: $(cat "$SP_TMP/noperm.err")"
grep -q "migrate" "$SP_TMP/noperm.err" && fail "a missing privilege is not a missing schema: $(cat "$SP_TMP/noperm.err")"
echo "ok - report as a reader login"

"$STATPIPE" report --format csv --out "$SP_TMP/report.csv"
check "csv: header and one row per target" $((targets + 1)) "$(grep -c $'\r$' "$SP_TMP/report.csv")"
grep -q '^ECOM_TX,E-commerce transaction volume,电子商务交易额,NISDO-2016,2020,>=,38,万亿元,37.21,2020,97.9,missed,,,37.21,97.9,,.*,未达标'$'\r''$' "$SP_TMP/report.csv" \
    || fail "csv row: $(grep NISDO-2016,2020 "$SP_TMP/report.csv" | head -n 1)"
check "csv in English: the same columns, the status label in English" "missed" \
    "$("$STATPIPE" report --format csv --lang en | grep '^ECOM_TX,.*NISDO-2016,2020,' | tr -d '\r' | awk -F, '{ print $NF }')"
grep -q '"""十三五""国家信息化规划 (2016)"' "$SP_TMP/report.csv" || fail "csv quoting"
echo "ok - csv"

"$STATPIPE" report --format json > "$SP_TMP/report.json"
check "json parses, one object per target" "$targets|missed|未达标|zh-CN" \
    "$(echo "select jsonb_array_length((:'j')::jsonb->'targets'), (:'j')::jsonb->'targets'->0->>'status',
                 (:'j')::jsonb->'targets'->0->>'status_label', (:'j')::jsonb->>'lang'" \
        | sp_psql -v j="$(cat "$SP_TMP/report.json")")"

"$STATPIPE" report --format html --out "$SP_TMP/report.html"
charts=$(sp_psql -c 'select count(distinct indicator) from statpipe.target')
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$SP_TMP/report.html" || fail "no CSP"
if grep -Eiq '<(script|img|link|iframe|object|embed)|src=|href=|url\(|@import' "$SP_TMP/report.html"; then
    fail "the page refers to something outside itself: $(grep -Eio '<(script|img|link|iframe|object|embed)|src=|href=|url\(|@import' "$SP_TMP/report.html" | head -n 3)"
fi
echo "ok - html is self-contained"
# Render it. Chromium's own background requests are sent to a dead local proxy, so
# nothing leaves the machine; requests the page itself made would carry its origin.
mkdir -p "$SP_TMP/chromium"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-domain-reliability --no-pings \
    --proxy-server=http://127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
    --user-data-dir="$SP_TMP/chromium" --log-net-log="$SP_TMP/net.json" \
    --dump-dom "file://$SP_TMP/report.html" > "$SP_TMP/dom.html" 2>"$SP_TMP/chromium.log" \
    || fail "chromium failed: $(tail -n 5 "$SP_TMP/chromium.log")"
check "rendered: one chart per indicator with a target" "$charts" "$(grep -o '<svg class="chart"' "$SP_TMP/dom.html" | wc -l)"
check "rendered: one scorecard row per target" $((targets + 1)) \
    "$(sed -n '/<table id="scorecard">/,/<\/table>/p' "$SP_TMP/dom.html" | grep -c '<tr>')"
check "rendered: the series of a chart" 1 \
    "$(sed -n '/data-indicator="INTL_BW"/,/<\/svg>/p' "$SP_TMP/dom.html" | grep -c '<polyline class="series"')"
check "rendered: a target marker per target of the chart (three plans and the test one)" 4 \
    "$(sed -n '/data-indicator="INTL_BW"/,/<\/svg>/p' "$SP_TMP/dom.html" | grep -c '<g class="target')"
grep -q 'id="quality"' "$SP_TMP/dom.html" || fail "no data-quality panel"
grep -q '<h2 id="provinces">各省份</h2>' "$SP_TMP/dom.html" || fail "no provinces' ranking"
# The page in each language, as Chromium renders it: the language of the document, its
# title, the statuses (4 missed, 17 no data, 1 unknown) and the data-quality panel.
"$STATPIPE" report --format html --lang en --out "$SP_TMP/report.en.html"
for lang in zh en; do
    page=$SP_TMP/report.html
    [ "$lang" = en ] && page=$SP_TMP/report.en.html
    sp_chromium_dom "$page" "$SP_TMP/dom.$lang.html"
done
check "rendered Chinese page: language, title, statuses" \
    '<html lang="zh-CN">|<h1>国家信息化发展目标监测评估</h1>|4 未达标|17 无数据|1 无法判断|<h2>数据质量</h2>' \
    "$(grep -o '<html lang="[^"]*">' "$SP_TMP/dom.zh.html")|$(grep -o '<h1>[^<]*</h1>' "$SP_TMP/dom.zh.html")|$(grep -o 'data-status="missed">未达标<' "$SP_TMP/dom.zh.html" | wc -l) 未达标|$(grep -o 'data-status="no data">无数据<' "$SP_TMP/dom.zh.html" | wc -l) 无数据|$(grep -o 'data-status="unknown">无法判断<' "$SP_TMP/dom.zh.html" | wc -l) 无法判断|$(grep -o '<h2>数据质量</h2>' "$SP_TMP/dom.zh.html")"
check "rendered English page: language, title, statuses" \
    '<html lang="en">|<h1>National informatization targets: scorecard</h1>|4 missed|17 no data|1 unknown|<h2>Data quality</h2>' \
    "$(grep -o '<html lang="[^"]*">' "$SP_TMP/dom.en.html")|$(grep -o '<h1>[^<]*</h1>' "$SP_TMP/dom.en.html")|$(grep -o 'data-status="missed">missed<' "$SP_TMP/dom.en.html" | wc -l) missed|$(grep -o 'data-status="no data">no data<' "$SP_TMP/dom.en.html" | wc -l) no data|$(grep -o 'data-status="unknown">unknown<' "$SP_TMP/dom.en.html" | wc -l) unknown|$(grep -o '<h2>Data quality</h2>' "$SP_TMP/dom.en.html")"
check "rendered English page: one chart per indicator too" "$charts" "$(grep -o '<svg class="chart"' "$SP_TMP/dom.en.html" | wc -l)"
# As a reader sees it: printed, the page's Chinese is set in a CJK font (Debian's
# fonts-noto-cjk), which the page's font stack names first among the CJK fonts.
grep -q 'font-family:system-ui,"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif' \
    "$SP_TMP/report.html" || fail "the font stack names no CJK fonts"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --proxy-server=http://127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
    --user-data-dir="$SP_TMP/chromium" --print-to-pdf="$SP_TMP/report.pdf" \
    "file://$SP_TMP/report.html" 2>"$SP_TMP/chromium-pdf.log" \
    || fail "chromium could not print: $(tail -n 5 "$SP_TMP/chromium-pdf.log")"
grep -aq "/FontName /[A-Z]*+NotoSansCJK" "$SP_TMP/report.pdf" \
    || fail "the printed page uses no CJK font: $(grep -ao '/FontName /[A-Za-z+-]*' "$SP_TMP/report.pdf" | sort -u | tr '\n' ' ')"
echo "ok - the Chinese renders in a CJK font"
page_requests=$(grep -o '"initiator":"[^"]*"' "$SP_TMP/net.json" | grep -vc '"not an origin"' || true)
check "the page fetched nothing" 0 "$page_requests"

check "bad format is a usage error" 2 "$("$STATPIPE" report --format pdf 2>/dev/null; echo $?)"
echo "PASS test_report"
