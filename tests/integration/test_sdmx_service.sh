#!/usr/bin/env bash
# test_sdmx_service.sh: what `statpipe serve` adds to the SDMX REST API beyond test_sdmx.sh:
# gzip for clients that accept it, Last-Modified and 304 Not Modified that follow every
# change a reader can see (a load, a release coming due), SDMX-CSV 1.0 and SDMX-JSON 1.0,
# any dimension at the observation, data providers, availability in mode=available, and the
# structure's artefacts and the references between them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sdmx_lib.sh"
sp_pg_start
sdmx_feed > "$SP_TMP/feed.ndjson"
sp_fresh_db sdmx
export PGDATABASE=sdmx
"$STATPIPE" load "$SP_TMP/feed.ndjson" >/dev/null
sp_psql -c "create role analyst login in role statpipe_reader" >/dev/null
sdmx_serve
status() { # URL [curl options]: the HTTP status and the SDMX error code
    local code
    : > "$SP_TMP/body"
    code=$(curl -s -o "$SP_TMP/body" -w '%{http_code}' "${@:2}" "$1")
    echo "$code $(grep -o 'ErrorMessage code="[0-9]*"' "$SP_TMP/body" | grep -o '[0-9]*' || true)"
}
header() { # NAME URL [curl options]: the response header NAME's value
    curl -s -o /dev/null -D - "${@:3}" "$2" | tr -d '\r' | sed -n "s/^$1: //Ip"
}
# The reader's view, one line per row: 8 rows (11 figures less the embargoed 2024-S2, the
# confidential 2024-10 and the revised 2023-S2 first release).
view_rows() {
    PGUSER=analyst sp_psql -c "select concat_ws('|', indicator, ref_area, freq, sender, calc_basis,
            breakdown, time_period, trim_scale(value), unit, obs_status, conf_status)
        from stats.observation_latest ${1:-} order by 1"
}
check "the reader sees 8 figures" "8" "$(view_rows | wc -l)"

# ---- compression -----------------------------------------------------------------------------
curl -s -o "$SP_TMP/plain.csv" "$base/data/INFORMATIZATION?format=csv"
check "gzip when the client accepts it, the same answer inside" "gzip|same" \
    "$(header Content-Encoding "$base/data/INFORMATIZATION?format=csv" -H 'Accept-Encoding: br, gzip')|$(
       curl -s -H 'Accept-Encoding: gzip' "$base/data/INFORMATIZATION?format=csv" | gunzip -c |
           cmp -s - "$SP_TMP/plain.csv" && echo same)"
check "no gzip when the client refuses it (q=0) or does not ask" "|" \
    "$(header Content-Encoding "$base/data/INFORMATIZATION" -H 'Accept-Encoding: gzip;q=0')|$(header Content-Encoding "$base/data/INFORMATIZATION")"

# ---- caching -----------------------------------------------------------------------------------
# Last-Modified is the second stats.data_last_modified() gives: the load above (HTTP dates
# are whole seconds, and a change less than two seconds old gets none).
sleep 2
lm=$(header Last-Modified "$base/data/INFORMATIZATION")
check "Last-Modified is when the data last changed" \
    "$(PGUSER=analyst sp_psql -c "select to_char(stats.data_last_modified() at time zone 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS \"GMT\"')")" "$lm"
check "If-Modified-Since at Last-Modified: 304 and no body" "304 |0" \
    "$(status "$base/data/INFORMATIZATION" -H "If-Modified-Since: $lm")|$(wc -c < "$SP_TMP/body")"
lm_epoch=$(date -u -d "$lm" +%s)
check "If-Modified-Since a second earlier: the answer" "200 " \
    "$(status "$base/data/INFORMATIZATION" -H "If-Modified-Since: $(date -u -d "@$((lm_epoch - 1))" '+%a, %d %b %Y %H:%M:%S GMT')")"
# The forms a JavaScript Date takes as a string and as JSON; an unreadable date is ignored.
check "dates as JavaScript writes them; a bad one ignored" "304 |304 |200 " \
    "$(status "$base/data/INFORMATIZATION" -H "If-Modified-Since: $(date -u '+%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)')")|$(status "$base/data/INFORMATIZATION" -H "If-Modified-Since: $(date -u +%Y-%m-%dT%H:%M:%S.000Z)")|$(status "$base/data/INFORMATIZATION" -H 'If-Modified-Since: yesterday')"
check "availability has Last-Modified and 304 too" "304 " \
    "$(status "$base/availableconstraint/INFORMATIZATION" -H "If-Modified-Since: $lm")"
# A load changes the data: the copy of Last-Modified $lm is stale, and the new one is later.
sdmx_obs 12 NET_PEN 110000 S 2023-S2 85.5 % 2024-03-22T10:00:00+08:00 > "$SP_TMP/more.ndjson"
"$STATPIPE" load "$SP_TMP/more.ndjson" >/dev/null
check "after a load the old copy is stale" "200 " "$(status "$base/data/INFORMATIZATION" -H "If-Modified-Since: $lm")"
sleep 2
lm2=$(header Last-Modified "$base/data/INFORMATIZATION")
check "and Last-Modified moves on" "t" "$([ "$(date -u -d "$lm2" +%s)" -gt "$lm_epoch" ] && echo t)"
# A release coming due changes what the reader sees without any load: 4 s from the load
# of its figure, the copy made before it is stale and Last-Modified is the release.
due=$(($(date +%s) + 4))
sdmx_obs 13 NET_PEN 120000 S 2023-S2 81.0 % "$(date -u -d "@$due" +%Y-%m-%dT%H:%M:%SZ)" > "$SP_TMP/due.ndjson"
"$STATPIPE" load "$SP_TMP/due.ndjson" >/dev/null
sleep 2
lm3=$(header Last-Modified "$base/data/INFORMATIZATION")
check "under embargo, the reader's copy stays current" "304 |0" \
    "$(status "$base/data/INFORMATIZATION/NET_PEN.120000" -H "If-Modified-Since: $lm3")|$(PGUSER=analyst sp_psql -c "select count(*) from stats.observation_latest where ref_area = '120000'")"
while [ "$(date +%s)" -lt $((due + 2)) ]; do sleep 0.5; done
check "once due, the copy is stale and Last-Modified is the release" \
    "200 |$(date -u -d "@$due" '+%a, %d %b %Y %H:%M:%S GMT')|1" \
    "$(status "$base/data/INFORMATIZATION" -H "If-Modified-Since: $lm3")|$(header Last-Modified "$base/data/INFORMATIZATION")|$(PGUSER=analyst sp_psql -c "select count(*) from stats.observation_latest where ref_area = '120000'")"
# From here the reader sees 10 figures: the fixture's 8, Beijing's and Tianjin's.
check "the reader sees 10 figures" "10" "$(view_rows | wc -l)"

# ---- SDMX-CSV 1.0 and SDMX-JSON 1.0 --------------------------------------------------------------
csv1="$base/data/INFORMATIZATION"
curl -s -D "$SP_TMP/h" -H 'Accept: application/vnd.sdmx.data+csv;version=1.0.0' "$csv1" > "$SP_TMP/data1.csv"
check "SDMX-CSV 1.0: its media type and header" \
    "application/vnd.sdmx.data+csv; version=1.0.0|DATAFLOW,INDICATOR,REF_AREA,FREQ,SENDER,CALC_BASIS,BREAKDOWN,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,CONF_STATUS,COMMENT" \
    "$(tr -d '\r' < "$SP_TMP/h" | sed -n 's/^Content-Type: //p')|$(head -n 1 "$SP_TMP/data1.csv")"
cat > "$SP_TMP/csv1.py" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))[1:]
assert all(r[0] == "STATPIPE:INFORMATIZATION(1.0)" for r in rows)
print("\n".join(sorted("|".join(r[1:10] + r[11:13]) for r in rows)))
PY
check "SDMX-CSV 1.0 rows: the view's" "$(view_rows)" "$(python3 "$SP_TMP/csv1.py" "$SP_TMP/data1.csv")"
check "export writes the same SDMX-CSV 1.0" "same" \
    "$(PGUSER=analyst "$STATPIPE" export --format sdmx-csv-1.0 | cmp -s - "$SP_TMP/data1.csv" && echo same)"
rc=0
"$STATPIPE" export --format sdmx-csv-1.0 --include-history >/dev/null 2>&1 || rc=$?
check "SDMX-CSV 1.0 has no history: 406, and export refuses it" "406 406|2" \
    "$(status "$csv1?includeHistory=true" -H 'Accept: application/vnd.sdmx.data+csv;version=1.0.0')|$rc"
# SDMX-JSON 1.0 decoded by its own rules: one structure (not 2.0's list), each series key and
# observation index into its dimensions' values, attributes by index.
curl -s -H 'Accept: application/vnd.sdmx.data+json;version=1.0.0' "$csv1" > "$SP_TMP/data1.json"
cat > "$SP_TMP/json1.py" <<'PY'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
assert "structures" not in m["data"] and "/1.0/" in m["meta"]["schema"]
st = m["data"]["structure"]
dims, time = st["dimensions"]["series"], st["dimensions"]["observation"][0]
attrs = st["attributes"]["observation"]
out = []
for ds in m["data"]["dataSets"]:
    for key, s in ds["series"].items():
        k = [dims[i]["values"][int(v)]["id"] for i, v in enumerate(key.split(":"))]
        for t, o in s["observations"].items():
            a = [attrs[i]["values"][o[1 + i]]["id"] for i in (0, 2, 3)]
            out.append("|".join(k + [time["values"][int(t)]["id"], str(o[0]), a[0], a[1], a[2]]))
print("\n".join(sorted(out)))
PY
check "SDMX-JSON 1.0 decodes to the view" "$(view_rows)" "$(python3 "$SP_TMP/json1.py" "$SP_TMP/data1.json")"

# ---- a dimension at the observation --------------------------------------------------------------
# REF_AREA at the observation, NET_PEN: series by the other dimensions and the period.
# _T 2023-S1 (CN), _T 2023-S2 (CN, 440000, 110000, 120000), _T 2024-S1 (CN), URB 2023-S2,
# RUR 2023-S2: 5 series, 8 observations, 4 of them in the 2023-S2 total.
curl -s "$base/data/INFORMATIZATION/NET_PEN?dimensionAtObservation=REF_AREA" > "$SP_TMP/area.xml"
check "REF_AREA at the observation: 5 series of the period, 8 observations" "5|0|5|8|4|REF_AREA" \
    "$(grep -c '<Series ' "$SP_TMP/area.xml")|$(grep '<Series ' "$SP_TMP/area.xml" | grep -c 'REF_AREA=')|$(grep '<Series ' "$SP_TMP/area.xml" | grep -c 'TIME_PERIOD=')|$(grep -c '<Obs REF_AREA=' "$SP_TMP/area.xml")|$(sed -n '/<Series [^>]*BREAKDOWN="_T" TIME_PERIOD="2023-S2"/,/<\/Series>/p' "$SP_TMP/area.xml" | grep -c '<Obs ')|$(grep -o 'dimensionAtObservation="[A-Z_]*"' "$SP_TMP/area.xml" | cut -d'"' -f2)"
check "statpipe reads it back: the 8 observations, keys whole" "8 ok, 0 rejected" \
    "$("$STATPIPE" check --input sdmx-ml --release 2025-01-01T00:00:00Z "$SP_TMP/area.xml" 2>&1 | grep -o '[0-9]* ok, [0-9]* rejected')"
check "generic data with FREQ at the observation" "10" \
    "$(curl -s "$base/data/INFORMATIZATION?dimensionAtObservation=FREQ&format=genericdata" | grep -c '<generic:ObsDimension id="FREQ"')"
check "a dimension at the observation: none in SDMX-JSON (501), in the time-series forms (400), an unknown one (400)" \
    "501 501|400 140|400 140" \
    "$(status "$base/data/INFORMATIZATION?dimensionAtObservation=FREQ" -H 'Accept: application/json')|$(status "$base/data/INFORMATIZATION?dimensionAtObservation=FREQ" -H 'Accept: application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1')|$(status "$base/data/INFORMATIZATION?dimensionAtObservation=YEAR")"

# ---- data providers ------------------------------------------------------------------------------
# The senders are the data providers: CNNIC's 8 NET_PEN figures in 6 series (CN's total,
# urban and rural, Guangdong, Beijing, Tianjin), reported against its provision agreement;
# MIIT's and CNNIC's together, against the dataflow.
curl -s "$base/data/INFORMATIZATION/all/CNNIC" > "$SP_TMP/cnnic.xml"
check "one provider: its data, against its agreement" "8|6|6|PA_CNNIC" \
    "$(grep -c '<Obs ' "$SP_TMP/cnnic.xml")|$(grep -c '<Series ' "$SP_TMP/cnnic.xml")|$(grep -c '<Series [^>]*SENDER="CNNIC"' "$SP_TMP/cnnic.xml")|$(sed -n '/<common:ProvisionAgrement>/,/<\/common:ProvisionAgrement>/p' "$SP_TMP/cnnic.xml" | grep -o ' id="[A-Z_]*"' | cut -d'"' -f2)"
curl -s "$base/data/INFORMATIZATION/all/STATPIPE,MIIT+CNNIC" > "$SP_TMP/both.xml"
check "providers joined by +, STATPIPE's: every figure, against the dataflow" "10|1" \
    "$(grep -c '<Obs ' "$SP_TMP/both.xml")|$(grep -c '<common:StructureUsage>' "$SP_TMP/both.xml")"
check "another agency's provider, or a key of another sender: 404" "404 100|404 100" \
    "$(status "$base/data/INFORMATIZATION/all/ESTAT,CNNIC")|$(status "$base/data/INFORMATIZATION/...MIIT/CNNIC")"
curl -s "$base/availableconstraint/INFORMATIZATION/all/MIIT?references=dataproviderscheme" > "$SP_TMP/avail.xml"
check "availability of one provider, with its scheme of that provider" "MIIT|MIIT" \
    "$(sed -n '/<common:KeyValue id="SENDER">/,/<\/common:KeyValue>/p' "$SP_TMP/avail.xml" | grep -o '<common:Value>[^<]*' | cut -d'>' -f2 | tr '\n' ',' | sed 's/,$//')|$(grep -o '<structure:DataProvider id="[A-Z]*"' "$SP_TMP/avail.xml" | cut -d'"' -f2 | tr '\n' ',' | sed 's/,$//')"

# ---- availability, mode=available ----------------------------------------------------------------
values() { # URL: each dimension of the region with its values, "ID:V,V ID:V"
    curl -s "$1" | awk -F'"' '/<common:KeyValue id=/ { if (d) print d ":" v; d = $2; v = "" }
        /<common:Value>/ { sub(/.*<common:Value>/, ""); sub(/<.*/, ""); v = v ? v "," $0 : $0 }
        END { if (d) print d ":" v }' | tr '\n' ' ' | sed 's/ $//'
}
# NET_PEN in CN, CNNIC's urban figures. exact: the one series' values. available: each
# dimension's values given the others: BREAKDOWN given NET_PEN.CN.*.CNNIC.* is RUR, URB, _T;
# REF_AREA given NET_PEN...URB is CN (only CN has urban figures).
check "exact: the values of the data selected" \
    "INDICATOR:NET_PEN REF_AREA:CN FREQ:S SENDER:CNNIC CALC_BASIS:PER BREAKDOWN:URB" \
    "$(values "$base/availableconstraint/INFORMATIZATION/NET_PEN.CN..CNNIC..URB")"
check "available: each dimension's values given the others" \
    "INDICATOR:NET_PEN REF_AREA:CN FREQ:S SENDER:CNNIC CALC_BASIS:PER BREAKDOWN:RUR,URB,_T" \
    "$(values "$base/availableconstraint/INFORMATIZATION/NET_PEN.CN..CNNIC..URB?mode=available")"
# FBB_USERS in Guangdong: no data (exact: an empty region). available: INDICATOR given
# REF_AREA 440000 is NET_PEN; REF_AREA given FBB_USERS is CN; no other dimension has data
# for both.
check "available where the key has no data: what each part alone leaves open" "|INDICATOR:NET_PEN REF_AREA:CN" \
    "$(values "$base/availableconstraint/INFORMATIZATION/FBB_USERS.440000")|$(values "$base/availableconstraint/INFORMATIZATION/FBB_USERS.440000?mode=available")"

# ---- the structure's artefacts and their references ---------------------------------------------
ids() { # URL: the artefacts of a structure answer, "Type=ID" in the order written
    curl -s "$1" | grep -o '<structure:[A-Za-z]* id="[A-Za-z_0-9]*" urn="urn:sdmx:org.sdmx.infomodel.[a-z]*\.[A-Za-z]*=' |
        sed 's/<structure:\([A-Za-z]*\) id="\([^"]*\)".*/\1=\2/' | grep -v '^Code=\|^Concept=\|^Category=\|^Agency=\|^DataProvider=\|^HierarchicalCode=\|^Hierarchy=' |
        tr '\n' ' ' | sed 's/ $//'
}
senders=$(sp_psql -c "select string_agg(code, ' ' order by code) from stats.sender")
pillars=$(sp_psql -c "select string_agg(distinct pillar, ' ' order by pillar) from stats.index_pillar")
agreements=$(for s in $senders; do printf 'ProvisionAgreement=PA_%s ' "$s"; done | sed 's/ $//')
categorisations=$(for p in $pillars; do printf 'Categorisation=CTG_%s ' "$p"; done | sed 's/ $//')
# The dataflow's parents: a categorisation per pillar, the availability constraint and an
# agreement per sender (5 senders, 3 pillars in the catalogue).
check "what refers to the dataflow" \
    "Dataflow=INFORMATIZATION $categorisations ContentConstraint=CC_AVAILABILITY $agreements" \
    "$(ids "$base/dataflow/STATPIPE/INFORMATIZATION/1.0?references=parents")"
check "the area code list's parents: the data structure and the hierarchy; FREQ's: the data structure" \
    "Codelist=CL_AREA HierarchicalCodelist=HCL_AREA DataStructure=DSD_INFORMATIZATION|Codelist=CL_FREQ DataStructure=DSD_INFORMATIZATION" \
    "$(ids "$base/codelist/STATPIPE/CL_AREA/1.0?references=parents")|$(ids "$base/codelist/STATPIPE/CL_FREQ/latest?references=parents")"
check "an agreement's children: the dataflow and the data providers" \
    "DataProviderScheme=DATA_PROVIDERS Dataflow=INFORMATIZATION ProvisionAgreement=PA_CNNIC" \
    "$(ids "$base/provisionagreement/STATPIPE/PA_CNNIC/1.0?references=children")"
check "references of a type: its parents and children of that type, not further" \
    "Categorisation=CTG_USE|Dataflow=INFORMATIZATION Categorisation=CTG_USE" \
    "$(ids "$base/categorisation/all/CTG_USE?references=datastructure")|$(ids "$base/categorisation/all/CTG_USE?references=dataflow")"
check "a category's parents: its own categorisation" "CategoryScheme=CAT_STATPIPE Categorisation=CTG_ACCESS" \
    "$(ids "$base/categoryscheme/STATPIPE/CAT_STATPIPE/1.0/ACCESS?references=parents")"
check "the organisation schemes: the senders as agencies and as data providers" "$senders|$senders" \
    "$(curl -s "$base/organisationscheme" > "$SP_TMP/org.xml"
       echo "$(grep -o '<structure:Agency id="[A-Z]*"' "$SP_TMP/org.xml" | cut -d'"' -f2 | tr '\n' ' ' | sed 's/ $//')|$(grep -o '<structure:DataProvider id="[A-Z]*"' "$SP_TMP/org.xml" | cut -d'"' -f2 | tr '\n' ' ' | sed 's/ $//')")"
check "an agency by item query, named in both languages" "1|国家统计局|National Bureau of Statistics" \
    "$(curl -s "$base/agencyscheme/STATPIPE/AGENCIES/1.0/NBS" > "$SP_TMP/nbs.xml"
       echo "$(grep -c '<structure:Agency ' "$SP_TMP/nbs.xml")|$(grep -o '<common:Name xml:lang="zh">[^<]*' "$SP_TMP/nbs.xml" | tail -n 1 | cut -d'>' -f2)|$(grep -o '<common:Name xml:lang="en">[^<]*' "$SP_TMP/nbs.xml" | tail -n 1 | cut -d'>' -f2)")"
# The hierarchies: CN over every province-level area (34), and over those of the national
# total (31, without Hong Kong, Macao and Taiwan).
check "the area hierarchies, from stats.region" \
    "$(sp_psql -c "select (count(*) + 1) || '|' || (count(*) filter (where in_national_total) + 1) from stats.region where level = 1")" \
    "$(curl -s "$base/hierarchicalcodelist/STATPIPE/HCL_AREA/1.0/PROVINCES" | grep -c '<structure:HierarchicalCode ')|$(curl -s "$base/hierarchicalcodelist/STATPIPE/HCL_AREA/1.0/NATIONAL_TOTAL" | grep -c '<structure:HierarchicalCode ')"
check "the availability constraint as a structure: the senders of the reader's data" "Actual|CNNIC,MIIT" \
    "$(curl -s "$base/contentconstraint" > "$SP_TMP/cc.xml"
       echo "$(grep -o 'type="[A-Za-z]*"' "$SP_TMP/cc.xml" | cut -d'"' -f2)|$(sed -n '/<common:KeyValue id="SENDER">/,/<\/common:KeyValue>/p' "$SP_TMP/cc.xml" | grep -o '<common:Value>[^<]*' | cut -d'>' -f2 | tr '\n' ',' | sed 's/,$//')")"
# An agreement's stub keeps its dataflow and provider: the schema requires them.
check "stubs: names only, but an agreement's references" "5|5|0" \
    "$(curl -s "$base/provisionagreement?detail=allstubs" > "$SP_TMP/pa.xml"
       echo "$(grep -c 'isExternalReference="true"' "$SP_TMP/pa.xml")|$(grep -c '<structure:StructureUsage>' "$SP_TMP/pa.xml")|$(curl -s "$base/categorisation?detail=allstubs" | grep -c '<structure:Source>')")"
check "the structure resource by ids: an agreement and a code list; a categorisation" \
    "Codelist=CL_FREQ ProvisionAgreement=PA_CNNIC|Categorisation=CTG_USE" \
    "$(ids "$base/structure/all/PA_CNNIC+CL_FREQ")|$(ids "$base/structure/all/CTG_USE")"
check "no metadata flows (404), no such resource (501), an agreement not there (404)" "404 100|501 501|404 100" \
    "$(status "$base/metadataflow")|$(status "$base/bogus")|$(status "$base/provisionagreement/STATPIPE/PA_NOPE/1.0")"
check "export --structure: every kind of artefact, in the schema's order" \
    "OrganisationSchemes Dataflows CategorySchemes Categorisations Codelists HierarchicalCodelists Concepts DataStructures Constraints ProvisionAgreements" \
    "$(PGUSER=analyst "$STATPIPE" export --structure | grep -o '^  <structure:[A-Za-z]*s>' | sed 's/.*<structure://; s/>//' | tr '\n' ' ' | sed 's/ $//')"
# SDMX-JSON 1.0: the same structure message, decoded independently: the breakdown code list
# in both languages, the data structure's dimensions in order with their code lists'
# URNs, and the dataflow's parents as in SDMX-ML.
cat > "$SP_TMP/sjson.py" <<'PY'
import json, sys
d = json.load(sys.stdin)["data"]
b = [c for c in d["codelists"] if c["id"] == "CL_BREAKDOWN"][0]
print(",".join("%s/%s/%s" % (c["id"], c["names"]["zh"], c["names"]["en"]) for c in b["codes"]))
dims = d["dataStructures"][0]["dataStructureComponents"]["dimensionList"]["dimensions"]
print(".".join(x["id"] for x in sorted(dims, key=lambda x: x["position"])))
print(".".join(x["localRepresentation"]["enumeration"].split(":")[-1] for x in dims))
PY
check "SDMX-JSON 1.0 structure: code names, the dimensions and their code lists" \
    "RUR/农村/Rural,URB/城镇/Urban,_T/合计/Total|INDICATOR.REF_AREA.FREQ.SENDER.CALC_BASIS.BREAKDOWN|CL_INDICATOR(1.0).CL_AREA(1.0).CL_FREQ(1.0).CL_SENDER(1.0).CL_CALC_BASIS(1.0).CL_BREAKDOWN(1.0)" \
    "$(curl -s -H 'Accept: application/vnd.sdmx.structure+json;version=1.0.0' "$base/datastructure/STATPIPE/DSD_INFORMATIZATION/1.0?references=children" | python3 "$SP_TMP/sjson.py" | tr '\n' '|' | sed 's/|$//')"
check "SDMX-JSON 1.0 structure: the dataflow's parents, as in SDMX-ML" \
    "$(ids "$base/dataflow/STATPIPE/INFORMATIZATION/1.0?references=parents" | tr ' ' '\n' | cut -d= -f2 | LC_ALL=C sort | tr '\n' ' ')" \
    "$(curl -s -H 'Accept: application/vnd.sdmx.structure+json' "$base/dataflow/STATPIPE/INFORMATIZATION/1.0?references=parents" |
       python3 -c 'import json, sys; print(" ".join(sorted(o["id"] for v in json.load(sys.stdin)["data"].values() for o in v)))' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')"
check "Accept by q-value: SDMX-JSON preferred, SDMX-ML preferred, neither (406)" \
    "application/vnd.sdmx.structure+json; version=1.0.0|application/vnd.sdmx.structure+xml; version=2.1|406 406" \
    "$(header Content-Type "$base/codelist" -H 'Accept: application/vnd.sdmx.structure+xml;version=2.1;q=0.9, application/vnd.sdmx.structure+json;version=1.0.0')|$(header Content-Type "$base/codelist" -H 'Accept: application/vnd.sdmx.structure+xml;version=2.1, application/vnd.sdmx.structure+json;version=1.0.0;q=0.9')|$(status "$base/codelist" -H 'Accept: text/html')"
cat > "$SP_TMP/artefacts.py" <<'PY'
import json, sys
d = json.load(sys.stdin)["data"]
print(" ".join("%s=%s" % (k, o["id"]) for k in sorted(d) for o in d[k]))
PY
# 26 artefacts: the agency and data provider schemes, the dataflow, the category scheme, 3
# categorisations, 10 code lists, the hierarchical code list, the concept scheme, the data
# structure, the availability constraint and 5 provision agreements.
check "export --structure --format sdmx-json: serve's artefacts, 26 of them" \
    "26|$(curl -s -H 'Accept: application/vnd.sdmx.structure+json' "$base/structure/all/all/all" | python3 "$SP_TMP/artefacts.py")" \
    "$(PGUSER=analyst "$STATPIPE" export --structure --format sdmx-json | python3 "$SP_TMP/artefacts.py" > "$SP_TMP/art.txt"; wc -w < "$SP_TMP/art.txt")|$(cat "$SP_TMP/art.txt")"
# Under the sanitizers, a leak or a bad access in any answer above fails the exit.
kill -TERM "$serve_pid"
rc=0
wait "$serve_pid" || rc=$?
check "SIGTERM stops the service cleanly" 0 "$rc"
echo "ok - test_sdmx_service"
