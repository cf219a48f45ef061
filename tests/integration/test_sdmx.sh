#!/usr/bin/env bash
# test_sdmx.sh: `statpipe export` writes SDMX that a real SDMX client reads as statpipe's
# views say: R's rsdmx reads the structure message (code lists with names in Chinese and
# English) and the SDMX-ML data, equal value for value to stats.observation_latest as the
# reader login sees it; SDMX-CSV has the standard's header and the same rows; keys with
# wildcards and +, periods, first and last N, history, as-of and updatedAfter select what
# the SDMX REST API says they select; bad queries are refused with what to fix.
source "$(dirname "$0")/lib.sh"
sp_pg_start

source "$(dirname "$0")/sdmx_lib.sh"
sdmx_feed > "$SP_TMP/feed.ndjson"
sp_fresh_db sdmx
export PGDATABASE=sdmx
"$STATPIPE" load "$SP_TMP/feed.ndjson" >/dev/null
sp_psql -c "create role analyst login in role statpipe_reader" >/dev/null
as_reader() { PGUSER=analyst "$@"; }

# ---- the structure -------------------------------------------------------------------------
as_reader "$STATPIPE" export --structure --out "$SP_TMP/structure.xml"
cat > "$SP_TMP/structure.R" <<EOF
suppressMessages(library(rsdmx))
s <- readSDMX(file = "$SP_TMP/structure.xml", isURL = FALSE)
cl <- slot(s, "codelists")
cat(paste(sapply(slot(cl, "codelists"), function(x) slot(x, "id")), collapse = ","), "\n")
b <- as.data.frame(cl, codelistId = "CL_BREAKDOWN")
cat(paste(b\$id, b\$name.zh, b\$name.en, sep = "/", collapse = ","), "\n")
i <- as.data.frame(cl, codelistId = "CL_INDICATOR")
cat(nrow(i), i[i\$id == "NET_PEN", "name.zh"], i[i\$id == "NET_PEN", "name.en"], "\n")
f <- as.data.frame(cl, codelistId = "CL_FREQ")
cat(paste(f\$id, f\$name.en, sep = "/", collapse = ","), "\n")
d <- slot(slot(s, "datastructures"), "datastructures")[[1]]
c <- as.data.frame(slot(d, "Components"))
dims <- c[c\$component == "Dimension", ]
cat(slot(d, "id"), paste(dims\$conceptRef, collapse = "."), paste(dims\$codelist, collapse = "."), "\n")
EOF
Rscript "$SP_TMP/structure.R" > "$SP_TMP/structure.out" 2>"$SP_TMP/structure.log" \
    || fail "rsdmx could not read the structure: $(tail -n 5 "$SP_TMP/structure.log")"
check "rsdmx reads every code list" \
    "CL_INDICATOR,CL_AREA,CL_FREQ,CL_SENDER,CL_CALC_BASIS,CL_BREAKDOWN,CL_UNIT,CL_UNIT_MULT,CL_OBS_STATUS,CL_CONF_STATUS" \
    "$(sed -n 1p "$SP_TMP/structure.out" | sed 's/ *$//')"
check "the breakdowns, named in Chinese and English" "RUR/农村/Rural,URB/城镇/Urban,_T/合计/Total" \
    "$(sed -n 2p "$SP_TMP/structure.out" | sed 's/ *$//')"
# Every catalogue indicator is a code: 28 (test_migrate counts them).
check "the indicators, named in both languages" "28 互联网普及率 Internet penetration rate" \
    "$(sed -n 3p "$SP_TMP/structure.out" | sed 's/ *$//')"
check "FREQ with the SDMX global code list's codes" "A/Annual,M/Monthly,Q/Quarterly,S/Half-yearly" \
    "$(sed -n 4p "$SP_TMP/structure.out" | sed 's/ *$//')"
check "the data structure's dimensions, in order" \
    "DSD_INFORMATIZATION INDICATOR.REF_AREA.FREQ.SENDER.CALC_BASIS.BREAKDOWN CL_INDICATOR.CL_AREA.CL_FREQ.CL_SENDER.CL_CALC_BASIS.CL_BREAKDOWN" \
    "$(sed -n 5p "$SP_TMP/structure.out" | sed 's/ *$//')"

# ---- data: rsdmx's data frame against the view -----------------------------------------------
view_rows() { # [WHERE]: stats.observation_latest as the reader sees it, one line per row
    PGUSER=analyst sp_psql -c "select concat_ws('|', indicator, ref_area, freq, sender, calc_basis,
            breakdown, time_period, trim_scale(value), unit, obs_status, conf_status)
        from stats.observation_latest ${1:-} order by 1"
}
r_rows() { # file: the SDMX-ML data as rsdmx reads it, in the same form
    cat > "$SP_TMP/data.R" <<EOF
suppressMessages(library(rsdmx))
d <- as.data.frame(readSDMX(file = "$1", isURL = FALSE))
if (nrow(d) > 0) {
  l <- sort(paste(d\$INDICATOR, d\$REF_AREA, d\$FREQ, d\$SENDER, d\$CALC_BASIS, d\$BREAKDOWN,
                  d\$TIME_PERIOD, d\$OBS_VALUE, d\$UNIT_MEASURE, d\$OBS_STATUS, d\$CONF_STATUS, sep = "|"),
            method = "radix")
  writeLines(l)
}
EOF
    Rscript "$SP_TMP/data.R" 2>"$SP_TMP/data.log" || fail "rsdmx could not read $1: $(tail -n 5 "$SP_TMP/data.log")"
}
as_reader "$STATPIPE" export --format sdmx-ml --out "$SP_TMP/all.xml"
want=$(view_rows)
# 11 messages: less the revised vintage, the confidential and the embargoed figure: 8 rows.
check "the reader's view has 8 rows" 8 "$(echo "$want" | wc -l)"
check "rsdmx reads the SDMX-ML data as the view, value for value" "$want" "$(r_rows "$SP_TMP/all.xml")"
# The reader's 5 series: NET_PEN CN total, urban and rural, Guangdong's total, FBB_USERS CN.
check "SDMX-ML data: one Series per series" 5 "$(grep -c '<Series ' "$SP_TMP/all.xml")"

# SDMX-CSV: the standard's header, a row per observation, the same values.
as_reader "$STATPIPE" export --out "$SP_TMP/all.csv"
check "SDMX-CSV header" \
    "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,FREQ,SENDER,CALC_BASIS,BREAKDOWN,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,CONF_STATUS,COMMENT" \
    "$(head -n 1 "$SP_TMP/all.csv")"
check "SDMX-CSV rows as the view" "$want" \
    "$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert all(r["STRUCTURE"] == "dataflow" and r["STRUCTURE_ID"] == "STATPIPE:INFORMATIZATION(1.0)"
           and r["ACTION"] == "R" and r["UNIT_MULT"] == "0" for r in rows)
k = ["INDICATOR", "REF_AREA", "FREQ", "SENDER", "CALC_BASIS", "BREAKDOWN", "TIME_PERIOD",
     "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"]
print("\n".join(sorted("|".join(r[c] for c in k) for r in rows)))' "$SP_TMP/all.csv")"
# SDMX-JSON 2.0: values referred to by index, decoded here without statpipe's help.
cat > "$SP_TMP/decode.py" <<'PY'
import json, sys
m = json.load(sys.stdin)
out = []
for ds in m["data"]["dataSets"]:
    st = m["data"]["structures"][ds["structure"]]
    dims = st["dimensions"]["series"]
    time = st["dimensions"]["observation"][0]["values"]
    attrs = st["attributes"]["observation"]
    def attr(a, i):
        return "" if i is None else (attrs[a]["values"][i].get("id") or attrs[a]["values"][i].get("value"))
    for key, series in ds["series"].items():
        k = [dims[d]["values"][int(i)]["id"] for d, i in enumerate(key.split(":"))]
        for t, o in series["observations"].items():
            value = "NaN" if o[0] is None else str(o[0])
            out.append("|".join(k + [time[int(t)]["id"], value, attr(0, o[1]), attr(2, o[3]), attr(3, o[4])]))
print("\n".join(sorted(out)))
PY
# The parser reads numbers as Python does: 75.6 stays 75.6, an integer stays an integer.
check "SDMX-JSON decodes to the view, value for value" "$want" \
    "$(as_reader "$STATPIPE" export --format sdmx-json | python3 "$SP_TMP/decode.py")"
check "SDMX-JSON names each code in both languages" "互联网普及率|Internet penetration rate" \
    "$(as_reader "$STATPIPE" export --format sdmx-json NET_PEN | python3 -c '
import json, sys
v = json.load(sys.stdin)["data"]["structures"][0]["dimensions"]["series"][0]["values"][0]
print(v["names"]["zh"] + "|" + v["names"]["en"])')"
check "SDMX-JSON with history: a data set per validity" "Replace 2023-08-28T02:00:00Z -|Replace 2024-03-22T02:00:00Z 2024-08-29T02:00:00Z|Replace 2024-08-29T02:00:00Z -" \
    "$(as_reader "$STATPIPE" export --format sdmx-json --include-history NET_PEN.CN.S.CNNIC.PER._T | python3 -c '
import json, sys
print("|".join("%s %s %s" % (d["action"], d["validFrom"], d.get("validTo", "-")) for d in json.load(sys.stdin)["data"]["dataSets"]))')"
check "SDMX-JSON of no observation" "0|0" \
    "$(as_reader "$STATPIPE" export --format sdmx-json NOPE | python3 -c '
import json, sys
d = json.load(sys.stdin)["data"]; print("%d|%d" % (len(d["structures"]), len(d["dataSets"])))')"
# An internal reader sees the confidential figure too: 9 rows.
check "an internal login sees the confidential figure" 9 \
    "$(sp_psql -c "create role insider login in role statpipe_reader, statpipe_internal" >/dev/null
       PGUSER=insider "$STATPIPE" export | tail -n +2 | wc -l)"

# ---- what a key and the parameters select ----------------------------------------------------
# CN and Guangdong's NET_PEN of any frequency from CNNIC, urban only: 1 row (CN 2023-S2 83.3).
as_reader "$STATPIPE" export --format sdmx-ml --out "$SP_TMP/key.xml" NET_PEN.CN+440000..CNNIC..URB
check "a key with + and wildcards" "$(view_rows "where indicator = 'NET_PEN' and ref_area in ('CN', '440000') and breakdown = 'URB'")" \
    "$(r_rows "$SP_TMP/key.xml")"
# Trailing parts left out: every NET_PEN total of CN and Guangdong: CN 2023-S1, 2023-S2,
# 2024-S1 and Guangdong 2023-S2.
check "a key whose trailing parts are left out" "NET_PEN|440000|2023-S2 NET_PEN|CN|2023-S1 NET_PEN|CN|2023-S2 NET_PEN|CN|2024-S1" \
    "$(as_reader "$STATPIPE" export NET_PEN.CN+440000 | tail -n +2 | grep ',_T,' | cut -d, -f4,5,10 | tr ',' '|' | sort | tr '\n' ' ' | sed 's/ $//')"
# The periods that fall between the bounds: 2024-S1, and FBB_USERS' 2024-11 and 2024-12.
check "startPeriod and endPeriod" "2024-11 2024-12 2024-S1" \
    "$(as_reader "$STATPIPE" export --start-period 2024 --end-period 2024-Q4 | tail -n +2 | cut -d, -f10 | sort | tr '\n' ' ' | sed 's/ $//')"
# A half-year that begins before 2023-07 does not fall after it: 2023-S2 does, 2023-S1 not.
check "a period that begins before startPeriod is left out" "2023-S2" \
    "$(as_reader "$STATPIPE" export --start-period 2023-07 --end-period 2023-12 NET_PEN.CN.S.CNNIC.PER._T | tail -n +2 | cut -d, -f10)"
# The last period of each: CN total 2024-S1, CN urban, CN rural and Guangdong 2023-S2,
# FBB_USERS 2024-12.
check "lastNObservations: the last period of each series" "2023-S2 2023-S2 2023-S2 2024-12 2024-S1" \
    "$(as_reader "$STATPIPE" export --last 1 | tail -n +2 | cut -d, -f10 | sort | tr '\n' ' ' | sed 's/ $//')"
# The first period of the totals of NET_PEN and FBB_USERS in CN: 2023-S1, and 2024-11 (the
# reader does not see the confidential 2024-10).
check "firstNObservations" "2023-S1 2024-11" \
    "$(as_reader "$STATPIPE" export --first 1 NET_PEN+FBB_USERS.CN | tail -n +2 | grep ',_T,' | cut -d, -f10 | sort | tr '\n' ' ' | sed 's/ $//')"
# Released after 2024-08-01: the 2023-S2 revision and 2024-S1 (both 2024-08-29), and FBB_USERS
# (66800 万户 = 668,000,000 and 67000 万户 = 670,000,000 households).
check "updatedAfter" "2023-S2|77.6 2024-11|668000000 2024-12|670000000 2024-S1|78" \
    "$(as_reader "$STATPIPE" export --updated-after 2024-08-01T00:00:00Z | tail -n +2 | cut -d, -f10,11 | tr ',' '|' | sort | tr '\n' ' ' | sed 's/ $//')"
# As of 2024-06-30: 2023-S2 before its revision, no 2024-S1 yet.
check "as of a time" "2023-S1|76.4 2023-S2|77.5" \
    "$(as_reader "$STATPIPE" export --as-of 2024-06-30 NET_PEN.CN.S.CNNIC.PER._T | tail -n +2 | cut -d, -f10,11 | tr ',' '|' | sort | tr '\n' ' ' | sed 's/ $//')"
# Every vintage with its validity: 2023-S2 was 77.5 until the revision's release.
check "includeHistory in SDMX-CSV" "2023-S1,76.4,2023-08-28T02:00:00Z, 2023-S2,77.5,2024-03-22T02:00:00Z,2024-08-29T02:00:00Z 2023-S2,77.6,2024-08-29T02:00:00Z, 2024-S1,78,2024-08-29T02:00:00Z," \
    "$(as_reader "$STATPIPE" export --include-history NET_PEN.CN.S.CNNIC.PER._T | tail -n +2 | cut -d, -f10,11,17,18 | sort | tr '\n' ' ' | sed 's/ $//')"
as_reader "$STATPIPE" export --format sdmx-ml --include-history --out "$SP_TMP/history.xml" NET_PEN.CN.S.CNNIC.PER._T
check "includeHistory in SDMX-ML: a data set per validity" \
    'validFromDate="2023-08-28T02:00:00Z"|validFromDate="2024-03-22T02:00:00Z" validToDate="2024-08-29T02:00:00Z"|validFromDate="2024-08-29T02:00:00Z"' \
    "$(grep -o '<message:DataSet [^>]*>' "$SP_TMP/history.xml" | grep -o 'validFromDate="[^"]*"\( validToDate="[^"]*"\)\?' | tr '\n' '|' | sed 's/|$//')"
check "the empty answer is a valid, empty data set" "0|1" \
    "$(as_reader "$STATPIPE" export --format sdmx-ml NOPE > "$SP_TMP/empty.xml"
       echo "$(grep -c '<Series' "$SP_TMP/empty.xml")|$(xmllint --noout "$SP_TMP/empty.xml" && grep -c '<message:DataSet ' "$SP_TMP/empty.xml")")"

# ---- refusals ------------------------------------------------------------------------------
rc=0
out=$("$STATPIPE" export A.B.C.D.E.F.G 2>&1) || rc=$?
check "a key with too many parts" "2|1" "$rc|$(echo "$out" | grep -c 'has 7 parts; the data structure has 6 dimensions')"
rc=0
out=$("$STATPIPE" export --start-period 2023-13 2>&1) || rc=$?
check "a period that is none" "2|1" "$rc|$(echo "$out" | grep -c 'startPeriod "2023-13" is no SDMX period')"
rc=0
out=$("$STATPIPE" export --format xls 2>&1) || rc=$?
check "an unknown format" "2|1" "$rc|$(echo "$out" | grep -c 'must be sdmx-csv, sdmx-ml, sdmx-ml-generic, sdmx-json, sdmx-csv-1.0 or sdmx-json-1.0')"
# ---- SDMX in: statpipe load --format sdmx-csv|sdmx-ml ---------------------------------------
# Round trips: every vintage exported, loaded into an empty database, exported again.
as_reader "$STATPIPE" export --include-history --out "$SP_TMP/h1.csv"
as_reader "$STATPIPE" export --include-history --format sdmx-ml --out "$SP_TMP/h1.xml"
sp_fresh_db rt_csv
sp_fresh_db rt_ml
PGDATABASE=rt_csv "$STATPIPE" load --format sdmx-csv "$SP_TMP/h1.csv" >/dev/null
PGDATABASE=rt_ml "$STATPIPE" load --format sdmx-ml "$SP_TMP/h1.xml" >/dev/null
PGDATABASE=rt_csv "$STATPIPE" export --include-history --out "$SP_TMP/h2.csv"
PGDATABASE=rt_ml "$STATPIPE" export --include-history --format sdmx-ml --out "$SP_TMP/h2.xml"
check "round trip of SDMX-CSV with history: the same file" "same" \
    "$(cmp -s "$SP_TMP/h1.csv" "$SP_TMP/h2.csv" && echo same || diff "$SP_TMP/h1.csv" "$SP_TMP/h2.csv" | head -5)"
# The header's Prepared time is the export's own.
check "round trip of SDMX-ML with history: the same file" "same" \
    "$(diff <(grep -v '<message:Prepared>' "$SP_TMP/h1.xml") <(grep -v '<message:Prepared>' "$SP_TMP/h2.xml") >/dev/null && echo same)"
# The file holds 9 vintages, the reader's 8 current figures and the 2023-S2 figure its
# revision replaced; loading it again stores nothing: the message ids are series, period and
# release.
check "loading the same SDMX file again loads nothing new" "loaded 9 messages: 9 observations staged, 0 new vintages, 0 quarantined" \
    "$(PGDATABASE=rt_csv "$STATPIPE" load --format sdmx-csv "$SP_TMP/h1.csv")"
# The latest values carry no release: --release gives them one.
as_reader "$STATPIPE" export --out "$SP_TMP/l1.csv"
sp_fresh_db rt_latest
rc=0
PGDATABASE=rt_latest "$STATPIPE" load --format sdmx-csv "$SP_TMP/l1.csv" >/dev/null || rc=$?
check "without a release the observations wait in quarantine, each with its line" "8|missing_field|2,3,4,5,6,7,8,9" \
    "$(PGDATABASE=rt_latest sp_psql -c "select count(*) || '|' || min(reason) || '|' || string_agg(src_line::text, ',' order by src_line)
                                        from statpipe.quarantine where src_file like '%l1.csv'")"
PGDATABASE=rt_latest sp_psql -c "truncate statpipe.quarantine" >/dev/null
PGDATABASE=rt_latest "$STATPIPE" load --format sdmx-csv --release 2025-01-01T00:00:00Z "$SP_TMP/l1.csv" >/dev/null
check "round trip of the latest values, with --release: the same file" "same" \
    "$(PGDATABASE=rt_latest "$STATPIPE" export | cmp -s - "$SP_TMP/l1.csv" && echo same)"

# An agency's file with wrong codes: those observations wait in quarantine with their line
# and reason; the others load.
{
    echo "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,FREQ,SENDER,CALC_BASIS,BREAKDOWN,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,CONF_STATUS,COMMENT"
    echo "dataflow,STATPIPE:INFORMATIZATION(1.0),I,NET_PEN,CN,A,CNNIC,PER,_T,2022,75.6,PCT,0,A,F,"
    echo "dataflow,STATPIPE:INFORMATIZATION(1.0),I,NOPE,CN,A,CNNIC,PER,_T,2022,1,PCT,0,A,F,"
    echo "dataflow,STATPIPE:INFORMATIZATION(1.0),I,NET_PEN,CN,A,CNNIC,PER,SUBURB,2022,70,PCT,0,A,F,"
    echo "dataflow,STATPIPE:INFORMATIZATION(1.0),I,NET_PEN,990000,A,CNNIC,PER,_T,2022,70,PCT,0,A,F,"
    echo "dataflow,STATPIPE:INFORMATIZATION(1.0),I,FBB_USERS,CN,A,MIIT,,,2022,5.9,亿户,0,A,F,\"a comment, quoted\""
} > "$SP_TMP/agency.csv"
sp_fresh_db agency
rc=0
PGDATABASE=agency "$STATPIPE" load --format sdmx-csv --release 2023-03-01T10:00:00+08:00 "$SP_TMP/agency.csv" >/dev/null || rc=$?
check "wrong codes: quarantined with file, line and reason" "3:unknown_indicator,4:unknown_breakdown,5:unknown_area" \
    "$(PGDATABASE=agency sp_psql -c "select string_agg(src_line || ':' || reason, ',' order by src_line) from statpipe.quarantine
                                      where src_file like '%agency.csv'")"
# 5.9 亿户 = 590,000,000 households.
check "the other observations load" "FBB_USERS|2022|590000000|a comment, quoted NET_PEN|2022|75.6" \
    "$(PGDATABASE=agency sp_psql -c "select string_agg(concat_ws('|', s.indicator, o.time_period, trim_scale(o.value), o.comment), ' ' order by s.indicator)
                                      from statpipe.observation o join statpipe.series s using (series_id)")"
check "statpipe check reads SDMX files too, a verdict per CSV line" "2 ok|3 rejected unknown_indicator|4 rejected unknown_breakdown|5 rejected unknown_area|6 ok" \
    "$("$STATPIPE" check --catalogue "$SP_SOURCE_DIR/schemas/catalogue" --input sdmx-csv --release 2023-03-01T10:00:00Z --format json "$SP_TMP/agency.csv" 2>/dev/null \
        | python3 -c '
import json, sys
print("|".join("%d %s%s" % (o["line"], o["status"], " " + o["reason"] if o["status"] == "rejected" else "") for o in map(json.loads, sys.stdin)))')"

# Hostile files are refused whole, with what is wrong, and nothing of them is loaded.
refused() { # label, format, file, expected message
    local out rc=0
    out=$(PGDATABASE=agency "$STATPIPE" load --format "$2" --release 2023-03-01T10:00:00Z "$3" 2>&1) || rc=$?
    check "$1: refused (exit 1) with a clear error" "1|1" "$rc|$(echo "$out" | grep -c -- "$4")"
    case "$out" in *root:x:0*) fail "$1: the file's entity read /etc/passwd" ;; esac
}
before=$(PGDATABASE=agency sp_psql -c "select count(*) from statpipe.observation")
head -c 1500 "$SP_TMP/h1.xml" > "$SP_TMP/truncated.xml"
refused "truncated XML" sdmx-ml "$SP_TMP/truncated.xml" "not well-formed XML"
cat > "$SP_TMP/laughs.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
<message:DataSet><Series INDICATOR="&lol9;"><Obs TIME_PERIOD="2022" OBS_VALUE="1"/></Series></message:DataSet>
</message:StructureSpecificData>
XML
# libxml2 stops the expansion as it reads ahead, before the reader reaches the DTD.
refused "billion laughs" sdmx-ml "$SP_TMP/laughs.xml" "a DTD\|entity reference loop"
cat > "$SP_TMP/xxe.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">
<message:DataSet><Series INDICATOR="NET_PEN" COMMENT="&xxe;"><Obs TIME_PERIOD="2022" OBS_VALUE="1"/></Series></message:DataSet>
</message:StructureSpecificData>
XML
refused "an external entity in an attribute" sdmx-ml "$SP_TMP/xxe.xml" "a DTD\|external entity"
sed 's|<Series INDICATOR="NET_PEN" COMMENT="&xxe;">|<Series INDICATOR="NET_PEN">\&xxe;|' "$SP_TMP/xxe.xml" > "$SP_TMP/xxe2.xml"
refused "an external entity in content" sdmx-ml "$SP_TMP/xxe2.xml" "a DTD\|entity"
cat > "$SP_TMP/generic.xml" <<'XML'
<?xml version="1.0"?>
<message:GenericData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"/>
XML
refused "generic data" sdmx-ml "$SP_TMP/generic.xml" "not SDMX-ML 2.1 StructureSpecificData"
printf 'STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,TIME_PERIOD,OBS_VALUE\n' > "$SP_TMP/nocols.csv"
refused "an SDMX-CSV file without the dataflow's columns" sdmx-csv "$SP_TMP/nocols.csv" "no column FREQ"
sed 's/STATPIPE:INFORMATIZATION(1.0)/ESTAT:NA_MAIN(1.6.0)/' "$SP_TMP/agency.csv" > "$SP_TMP/other.csv"
refused "another dataflow" sdmx-csv "$SP_TMP/other.csv" "is not the dataflow STATPIPE:INFORMATIZATION(1.0)"
printf 'INDICATOR,REF_AREA,FREQ,SENDER,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE\nNET_PEN,CN,A,CNNIC,2022,"75.6\n' > "$SP_TMP/badquote.csv"
refused "CSV with an open quote" sdmx-csv "$SP_TMP/badquote.csv" "badquote.csv:2:"
check "nothing of a refused file is loaded" "$before" "$(PGDATABASE=agency sp_psql -c "select count(*) from statpipe.observation")"

# ---- the REST service ------------------------------------------------------------------------
# statpipe serve as the reader, answers of at most 7 observations (the reader's whole view has
# 8), on a free loopback port.
sdmx_serve --max-observations 7
cat > "$SP_TMP/rest.R" <<EOF
suppressMessages(library(rsdmx))
d <- as.data.frame(readSDMX(file = "$base/data/STATPIPE,INFORMATIZATION,1.0/NET_PEN.CN/all?startPeriod=2023&endPeriod=2023"))
writeLines(sort(paste(d\$INDICATOR, d\$REF_AREA, d\$FREQ, d\$SENDER, d\$CALC_BASIS, d\$BREAKDOWN,
                      d\$TIME_PERIOD, d\$OBS_VALUE, d\$UNIT_MEASURE, d\$OBS_STATUS, d\$CONF_STATUS, sep = "|"),
                method = "radix"))
s <- readSDMX(file = "$base/datastructure/STATPIPE/DSD_INFORMATIZATION/latest?references=children")
a <- as.data.frame(slot(s, "codelists"), codelistId = "CL_AREA")
cat("areas", nrow(a), a[a\$id == "440000", "name.zh"], a[a\$id == "440000", "name.en"], "\n")
h <- as.data.frame(readSDMX(file = "$base/data/INFORMATIZATION/NET_PEN.CN.S.CNNIC.PER._T?includeHistory=true"))
cat("history", nrow(h), paste(sort(paste(h\$TIME_PERIOD, h\$OBS_VALUE)), collapse = ","), "\n")
EOF
Rscript "$SP_TMP/rest.R" > "$SP_TMP/rest.out" 2>"$SP_TMP/rest.log" \
    || fail "rsdmx could not read from statpipe serve: $(tail -n 5 "$SP_TMP/rest.log")"
# NET_PEN in CN, 2023: 2023-S1 and 2023-S2 of the total, and 2023-S2 urban and rural.
check "rsdmx reads data for a key and period range from the service, as the view" \
    "$(view_rows "where indicator = 'NET_PEN' and ref_area = 'CN' and time_period like '2023%'")" \
    "$(grep -v '^areas\|^history' "$SP_TMP/rest.out")"
# 35 areas: CN, 31 provinces and 3 others (test_migrate counts them).
check "rsdmx reads the data structure's code lists from the service" "areas 35 广东省 Guangdong" \
    "$(grep '^areas' "$SP_TMP/rest.out" | sed 's/ *$//')"
# Every vintage: 2023-S1 76.4, 2023-S2 77.5 then 77.6, 2024-S1 78.
check "rsdmx reads includeHistory=true" "history 4 2023-S1 76.4,2023-S2 77.5,2023-S2 77.6,2024-S1 78" \
    "$(grep '^history' "$SP_TMP/rest.out" | sed 's/ *$//')"
status() { # URL [curl options]: the HTTP status and the SDMX error code
    local body=$SP_TMP/body code
    code=$(curl -s -o "$body" -w '%{http_code}' "${@:2}" "$1")
    echo "$code $(grep -o 'ErrorMessage code="[0-9]*"' "$body" | grep -o '[0-9]*' || true)"
}
check "SDMX-CSV by the Accept header" "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR" \
    "$(curl -s -H 'Accept: application/vnd.sdmx.data+csv; version=2.0.0' "$base/data/INFORMATIZATION/FBB_USERS" | head -n 1 | cut -d, -f1-4)"
check "SDMX-CSV by format=csv, lastNObservations" "2024-12" \
    "$(curl -s "$base/data/INFORMATIZATION/FBB_USERS?format=csv&lastNObservations=1" | tail -n +2 | cut -d, -f10)"
check "no results: 404, SDMX code 100" "404 100" "$(status "$base/data/INFORMATIZATION/NOPE")"
check "an unknown dataflow: 404" "404 100" "$(status "$base/data/OTHER/all")"
check "a bad key: 400, SDMX code 140" "400 140" "$(status "$base/data/INFORMATIZATION/A.B.C.D.E.F.G")"
check "a bad period: 400" "400 140" "$(status "$base/data/INFORMATIZATION/all?startPeriod=2023-13")"
check "updatedAfter that is no time: 400" "400 140" "$(status "$base/data/INFORMATIZATION/all?updatedAfter=not-a-time")"
# A period as updatedAfter is its first day: after 2024-08-01 are the 2023-S2 revision and
# 2024-S1 (2024-08-29), and FBB_USERS' 2024-11 and 2024-12; 4 observations.
check "updatedAfter as a period" "4" \
    "$(curl -s "$base/data/INFORMATIZATION/all?updatedAfter=2024-08&format=csv" | tail -n +2 | wc -l)"
check "SDMX-JSON by the Accept header" "$(view_rows "where indicator = 'FBB_USERS'")" \
    "$(curl -s -H 'Accept: application/vnd.sdmx.data+json; version=2.0.0' "$base/data/INFORMATIZATION/FBB_USERS" | python3 "$SP_TMP/decode.py")"
cat > "$SP_TMP/generic.R" <<EOF
suppressMessages(library(rsdmx))
d <- suppressWarnings(as.data.frame(readSDMX(file = "$base/data/INFORMATIZATION/FBB_USERS?format=genericdata")))
# rsdmx reads generic values as numbers: written back without exponent or trailing zeros
v <- sapply(d\$obsValue, function(x) format(x, scientific = FALSE, drop0trailing = TRUE))
writeLines(sort(paste(d\$INDICATOR, d\$REF_AREA, d\$FREQ, d\$SENDER, d\$CALC_BASIS, d\$BREAKDOWN,
                      d\$obsTime, v, d\$UNIT_MEASURE, d\$OBS_STATUS, d\$CONF_STATUS, sep = "|"),
                method = "radix"))
EOF
check "rsdmx reads generic data from the service, as the view" "$(view_rows "where indicator = 'FBB_USERS'")" \
    "$(Rscript "$SP_TMP/generic.R" 2>"$SP_TMP/generic.log" || cat "$SP_TMP/generic.log")"
check "the time-series forms by the Accept header" "message:StructureSpecificTimeSeriesData|message:GenericTimeSeriesData" \
    "$(curl -s -H 'Accept: application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1' "$base/data/INFORMATIZATION/FBB_USERS" | grep -o '<message:[A-Za-z]*Data ' | tr -d '< ')|$(curl -s -H 'Accept: application/vnd.sdmx.generictimeseriesdata+xml;version=2.1' "$base/data/INFORMATIZATION/FBB_USERS" | grep -o '<message:[A-Za-z]*Data ' | tr -d '< ')"
check "a format not served: 406" "406 406" "$(status "$base/data/INFORMATIZATION/all" -H 'Accept: application/vnd.sdmx.data+xml;version=3.0.0')"
# AllDimensions: no Series, FBB_USERS' two observations each with its whole key.
check "dimensionAtObservation=AllDimensions: observations with their keys" "0|2|2|AllDimensions" \
    "$(curl -s "$base/data/INFORMATIZATION/FBB_USERS?dimensionAtObservation=AllDimensions" > "$SP_TMP/flat.xml"
       echo "$(grep -c '<Series' "$SP_TMP/flat.xml")|$(grep -c '<Obs INDICATOR="FBB_USERS" REF_AREA="CN" FREQ="M" SENDER="MIIT" CALC_BASIS="PER" BREAKDOWN="_T" TIME_PERIOD=' "$SP_TMP/flat.xml")|$(curl -s "$base/data/INFORMATIZATION/FBB_USERS?dimensionAtObservation=AllDimensions&format=genericdata" | grep -c '<generic:ObsKey>')|$(grep -o 'dimensionAtObservation="[A-Za-z_]*"' "$SP_TMP/flat.xml" | cut -d'"' -f2)")"
# The reader's 8 observations are more than the 7 the service answers with.
check "an answer too large: 413, SDMX code 510" "413 510" "$(status "$base/data/INFORMATIZATION/all")"
check "the same, narrowed, answers" "200 " "$(status "$base/data/INFORMATIZATION/NET_PEN")"
check "a code list" "200 |3" \
    "$(status "$base/codelist/STATPIPE/CL_BREAKDOWN/latest")|$(grep -c '<structure:Code ' "$SP_TMP/body")"
check "an unknown code list: 404" "404 100" "$(status "$base/codelist/all/CL_NOPE")"
check "the structure message validates as XML" "200 |1" \
    "$(status "$base/dataflow/all/all/latest")|$(xmllint --noout "$SP_TMP/body" && grep -c '<structure:Dataflow ' "$SP_TMP/body")"
# detail: Guangdong's one series alone; or its observation without attributes.
check "detail=serieskeysonly: a row per series, as many fields as the header" "16|NET_PEN,440000,S,CNNIC,PER,_T,,,,,,," \
    "$(curl -s "$base/data/INFORMATIZATION/NET_PEN.440000?detail=serieskeysonly&format=csv" \
        | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert len({len(r) for r in rows}) == 1
print("|".join([str(len(rows[0]))] + [",".join(r[3:]) for r in rows[1:]]))')"
# NET_PEN's 4 series: CN's total, urban and rural, and Guangdong's total.
check "detail=serieskeysonly in SDMX-ML: Series without Obs" "4|0" \
    "$(curl -s "$base/data/INFORMATIZATION/NET_PEN?detail=serieskeysonly" > "$SP_TMP/keys.xml"
       echo "$(grep -c '<Series ' "$SP_TMP/keys.xml")|$(grep -c '<Obs' "$SP_TMP/keys.xml")")"
check "detail=dataonly: observations without attributes" '<Obs TIME_PERIOD="2023-S2" OBS_VALUE="80.1"/>' \
    "$(curl -s "$base/data/INFORMATIZATION/NET_PEN.440000?detail=dataonly" | grep -o '<Obs [^>]*>')"
check "an unknown detail: 400" "400 140" "$(status "$base/data/INFORMATIZATION/all?detail=some")"
# references: the artefact alone by default, its relatives on request.
parts() { # URL: the artefacts of a structure message, counted by kind
    curl -s "$1" | grep -o '<structure:\(Dataflow\|DataStructure\|ConceptScheme\|Codelist\) ' \
        | sort | uniq -c | awk '{printf "%s%s %s", sep, $2, $1; sep = ","} END {print ""}' | sed 's/<structure://g'
}
check "a data structure alone" "DataStructure 1" "$(parts "$base/datastructure/STATPIPE/DSD_INFORMATIZATION/1.0")"
# children: its 10 code lists and its concept scheme.
check "a data structure with its children" "Codelist 10,ConceptScheme 1,DataStructure 1" \
    "$(parts "$base/datastructure/STATPIPE/DSD_INFORMATIZATION/1.0?references=children")"
check "a data structure with its parents" "DataStructure 1,Dataflow 1" \
    "$(parts "$base/datastructure/STATPIPE/DSD_INFORMATIZATION/1.0?references=parents")"
check "a code list with the data structure that uses it" "Codelist 1,DataStructure 1" \
    "$(parts "$base/codelist/STATPIPE/CL_FREQ/1.0?references=datastructure")"
check "a dataflow with its descendants" "Codelist 10,ConceptScheme 1,DataStructure 1,Dataflow 1" \
    "$(parts "$base/dataflow/STATPIPE/INFORMATIZATION/1.0?references=descendants")"
check "an unknown references value: 400" "400 140" "$(status "$base/dataflow/all/all/latest?references=cousins")"
# allstubs: the data structure, its 10 code lists and its concept scheme, 12 stubs.
check "stubs: names only, by reference" "200 |12|0|0" \
    "$(status "$base/datastructure/all/all/latest?detail=allstubs&references=children")|$(grep -c 'isExternalReference="true"' "$SP_TMP/body")|$(grep -c '<structure:Code ' "$SP_TMP/body")|$(grep -c '<structure:Dimension ' "$SP_TMP/body")"
check "referencestubs: the artefact whole, its references as stubs" "200 |10|1" \
    "$(status "$base/datastructure/all/all/latest?detail=referencestubs&references=codelist")|$(grep -c '<structure:Codelist [^>]*isExternalReference="true"' "$SP_TMP/body")|$(grep -c '<structure:DataStructureComponents' "$SP_TMP/body")"
check "item queries: the codes asked for" "200 |A,M" \
    "$(status "$base/codelist/STATPIPE/CL_FREQ/1.0/A+M")|$(grep -o '<structure:Code id="[^"]*"' "$SP_TMP/body" | cut -d'"' -f2 | tr '\n' ',' | sed 's/,$//')"
check "a structure type statpipe has none of: 404" "404 100" "$(status "$base/metadataflow/all/all/latest")"
# A stub has its names (a complete stub its descriptions too) and nothing else: the
# dataflow's stub has no reference to its data structure.
check "complete stubs: names and descriptions" "200 |2|0" \
    "$(status "$base/dataflow/all/all/latest?detail=allcompletestubs")|$(grep -c '<common:Description' "$SP_TMP/body")|$(grep -c '<structure:Structure>' "$SP_TMP/body")"
check "structure in a format not served: 406" "406 406" \
    "$(status "$base/codelist/STATPIPE/CL_FREQ/1.0" -H 'Accept: text/html')"
check "an unknown detail of a structure: 400" "400 140" "$(status "$base/dataflow/all/all/latest?detail=some")"
# Availability of NET_PEN in CN: the total, urban and rural, 2023-S1 (from 1 January 2023)
# to 2024-S1 (to 30 June 2024); the embargoed 2024-S2 is not data a reader has.
check "availableconstraint: the values and the time of the data" "RUR,URB,_T|2023-01-01T00:00:00|2024-06-30T23:59:59" \
    "$(curl -s "$base/availableconstraint/STATPIPE,INFORMATIZATION,1.0/NET_PEN.CN" > "$SP_TMP/avail.xml"
       echo "$(sed -n '/<common:KeyValue id="BREAKDOWN">/,/<\/common:KeyValue>/p' "$SP_TMP/avail.xml" | grep -o '<common:Value>[^<]*' | cut -d'>' -f2 | LC_ALL=C sort | tr '\n' ',' | sed 's/,$//')|$(grep -o 'startTime="[^"]*"' "$SP_TMP/avail.xml" | cut -d'"' -f2)|$(grep -o 'endTime="[^"]*"' "$SP_TMP/avail.xml" | cut -d'"' -f2)")"
# With the code lists, each holding the codes the data have: CL_BREAKDOWN its three.
check "availableconstraint of one component, with the code lists" "1|10|3" \
    "$(curl -s "$base/availableconstraint/INFORMATIZATION/NET_PEN.CN/all/BREAKDOWN?references=codelist" > "$SP_TMP/avail.xml"
       echo "$(grep -c '<common:KeyValue ' "$SP_TMP/avail.xml")|$(grep -c '<structure:Codelist ' "$SP_TMP/avail.xml")|$(sed -n '/<structure:Codelist id="CL_BREAKDOWN"/,/<\/structure:Codelist>/p' "$SP_TMP/avail.xml" | grep -c '<structure:Code ')")"
check "availableconstraint without data: an empty region" "200 |0" \
    "$(status "$base/availableconstraint/INFORMATIZATION/NOPE")|$(grep -c '<common:KeyValue' "$SP_TMP/body")"
check "writes are refused: 501" "501 501" "$(status "$base/data/INFORMATIZATION/all" -X POST)"
kill -TERM "$serve_pid"
rc=0
wait "$serve_pid" || rc=$?
check "SIGTERM stops the service cleanly" 0 "$rc"
echo "ok - test_sdmx"
