#!/usr/bin/env bash
# test_clients.sh: statisticians and BI tools as they really connect, each as a login with
# only statpipe_reader: R (RPostgreSQL), Python (pandas over psycopg2) and ODBC (psqlODBC
# through unixODBC, from pyodbc as a BI tool would). Each reads every view of schema stats,
# gets a 20-digit value and a ratio with 10 decimals back unrounded, Chinese names as
# UTF-8, the column descriptions, and no access to schema statpipe. The snippets of
# docs/statistician-guide.md ("Connecting from R, Python, Excel/BI via ODBC") run as written.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's Python, which has Debian's pandas, psycopg2 and pyodbc
export LC_ALL=C.UTF-8
sp_pg_start
"$STATPIPE" migrate -q
"$STATPIPE" load "$SP_SOURCE_DIR/deploy/sample/feed.ndjson" >/dev/null 2>&1
{
    printf '{"schema":"statpipe.observation/1","message_id":"exact-1","sender":"MOFCOM","indicator":"ECOM_TX","ref_area":"CN","freq":"A","time_period":"2019","value":"12345678901234567890","unit":"元","release":"2020-03-01T00:00:00Z"}\n'
    printf '{"schema":"statpipe.observation/1","message_id":"exact-2","sender":"MIIT","indicator":"MBB_PEN","ref_area":"CN","freq":"A","time_period":"2019","value":"61.1234567891","unit":"%%","release":"2020-03-01T00:00:00Z"}\n'
} > "$SP_TMP/exact.ndjson"
"$STATPIPE" load "$SP_TMP/exact.ndjson" >/dev/null 2>&1 || fail "the exact values did not load"
sp_psql -c "create role analyst login in role statpipe_reader"
views=$(sp_psql -c "select count(*) from pg_catalog.pg_views where schemaname = 'stats'")
export PGUSER=analyst PGPASSWORD=

# The guide's snippets, extracted from the section and run as they are written.
awk '/^## Connecting from R, Python/ {on = 1; next} /^## / {on = 0}
     on && /^```r$/ {f = "snippet.R"; next} on && /^```python$/ {n++; f = "snippet" n ".py"; next}
     /^```$/ {f = ""; next} f != "" {print > (dir "/" f)}' dir="$SP_TMP" "$SP_SOURCE_DIR/docs/statistician-guide.md"
for f in snippet.R snippet1.py snippet2.py; do [ -s "$SP_TMP/$f" ] || fail "the guide has no $f"; done
Rscript "$SP_TMP/snippet.R" > "$SP_TMP/snippet.R.out" 2>&1 || fail "the guide's R snippet: $(tail -n 5 "$SP_TMP/snippet.R.out")"
grep -q "电子商务交易额" "$SP_TMP/snippet.R.out" || fail "the R snippet printed no Chinese name: $(cat "$SP_TMP/snippet.R.out")"
"$PY" "$SP_TMP/snippet1.py" > "$SP_TMP/snippet1.out" 2>&1 || fail "the guide's pandas snippet: $(tail -n 5 "$SP_TMP/snippet1.out")"
grep -q "电子商务交易额" "$SP_TMP/snippet1.out" || fail "the pandas snippet printed no Chinese name: $(cat "$SP_TMP/snippet1.out")"
"$PY" "$SP_TMP/snippet2.py" > "$SP_TMP/snippet2.out" 2>&1 || fail "the guide's ODBC snippet: $(tail -n 5 "$SP_TMP/snippet2.out")"
grep -q "^电子商务交易额 2019 12345678901234567890$" "$SP_TMP/snippet2.out" \
    || fail "the ODBC snippet did not print the exact value: $(grep 2019 "$SP_TMP/snippet2.out")"
grep -qi "warning" "$SP_TMP"/snippet*.out && fail "a snippet warns: $(grep -hi warning "$SP_TMP"/snippet*.out | head -n 1)"
echo "ok - the guide's R, pandas and ODBC snippets run as written, without warnings"

# R with RPostgreSQL.
Rscript - "$views" > "$SP_TMP/r.out" 2>&1 <<'R' || fail "R: $(tail -n 5 "$SP_TMP/r.out")"
library(DBI)
library(RPostgreSQL)
views <- as.integer(commandArgs(trailingOnly = TRUE)[1])
con <- dbConnect(PostgreSQL(), host = Sys.getenv("PGHOST"), port = as.integer(Sys.getenv("PGPORT")),
                 dbname = Sys.getenv("PGDATABASE"), user = Sys.getenv("PGUSER"))
stopifnot_msg <- function(ok, what) if (!isTRUE(ok)) stop(what, call. = FALSE)
names <- dbGetQuery(con, "SELECT table_name FROM information_schema.views WHERE table_schema = 'stats' ORDER BY 1")$table_name
stopifnot_msg(length(names) == views, paste("R sees", length(names), "views, expected", views))
for (v in names) dbGetQuery(con, paste0("SELECT * FROM stats.", v, " LIMIT 20"))
cat("ok - R read", length(names), "views\n")
x <- dbGetQuery(con, "SELECT indicator, value::text AS value FROM stats.observation_latest
                       WHERE ref_area = 'CN' AND time_period = '2019' AND indicator IN ('ECOM_TX', 'MBB_PEN') ORDER BY 1")
stopifnot_msg(identical(x$value, c("12345678901234567890", "61.1234567891")), paste("R values:", paste(x$value, collapse = " ")))
d <- dbGetQuery(con, "SELECT value FROM stats.observation_latest WHERE indicator = 'ECOM_TX' AND time_period = '2019'")
stopifnot_msg(format(d$value, digits = 22) != "12345678901234567890", "a double kept 20 digits?")
cat("ok - R: exact as text (", x$value[1], x$value[2], "); as a double it is", format(d$value, digits = 22), "\n")
n <- dbGetQuery(con, "SELECT name_zh FROM stats.indicator WHERE code = 'INTL_BW'")$name_zh
stopifnot_msg(identical(n, "互联网国际出口带宽") && Encoding(n) == "UTF-8", paste("R name:", n, Encoding(n)))
cat("ok - R: Chinese names in UTF-8\n")
c1 <- dbGetQuery(con, "SELECT description FROM stats.column_description WHERE view_name = 'observation_latest' AND column_name = 'value'")$description
c2 <- dbGetQuery(con, "SELECT col_description('stats.observation_latest'::regclass, 9) AS d")$d
stopifnot_msg(grepl("canonical unit", c1) && identical(c1, c2), paste("R descriptions:", c1, c2))
cat("ok - R: column descriptions\n")
# RPostgreSQL reports a failed query as a warning and returns NULL; the server's message
# is in dbGetException.
res <- suppressWarnings(suppressMessages(try(
    dbGetQuery(con, "SELECT count(*) FROM statpipe.observation"), silent = TRUE)))
denied <- dbGetException(con)$errorMsg
stopifnot_msg(!is.data.frame(res) && grepl("permission denied", denied), paste("R statpipe:", denied))
cat("ok - R: statpipe.* is denied\n")
dbDisconnect(con)
R
cat "$SP_TMP/r.out"

# Python: pandas over psycopg2.
"$PY" - "$views" > "$SP_TMP/py.out" 2>&1 <<'PYTHON' || fail "Python: $(tail -n 5 "$SP_TMP/py.out")"
import sys
from decimal import Decimal
import pandas as pd
import psycopg2
views = int(sys.argv[1])
con = psycopg2.connect("")

def frame(sql):
    """A DataFrame of a query's rows, as the guide builds it (values stay Decimal)."""
    cur = con.cursor()
    cur.execute(sql)
    return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])

names = frame("SELECT table_name FROM information_schema.views WHERE table_schema = 'stats' ORDER BY 1")["table_name"]
assert len(names) == views, f"pandas sees {len(names)} views, expected {views}"
for v in names:
    frame(f"SELECT * FROM stats.{v} LIMIT 20")
print(f"ok - pandas read {len(names)} views")
df = frame("""SELECT indicator, value FROM stats.observation_latest WHERE ref_area = 'CN'
                    AND time_period = '2019' AND indicator IN ('ECOM_TX', 'MBB_PEN') ORDER BY 1""")
got = list(df["value"])
assert got == [Decimal("12345678901234567890"), Decimal("61.1234567891")], got
assert all(isinstance(v, Decimal) for v in got), [type(v) for v in got]
print("ok - pandas: exact decimals", [str(v) for v in got])
n = frame("SELECT name_zh FROM stats.indicator WHERE code = 'INTL_BW'")["name_zh"][0]
assert n == "互联网国际出口带宽", n
print("ok - pandas: Chinese names")
d = frame("""SELECT c.description, col_description('stats.observation_latest'::regclass, 9) AS pg
                     FROM stats.column_description c
                    WHERE c.view_name = 'observation_latest' AND c.column_name = 'value'""")
assert "canonical unit" in d["description"][0] and d["description"][0] == d["pg"][0], d
print("ok - pandas: column descriptions")
cur = con.cursor()
try:
    cur.execute("SELECT count(*) FROM statpipe.observation")
    raise AssertionError("statpipe.observation was readable")
except psycopg2.errors.InsufficientPrivilege:
    con.rollback()
print("ok - pandas: statpipe.* is denied")
PYTHON
cat "$SP_TMP/py.out"

# ODBC: psqlODBC through unixODBC, from pyodbc.
"$PY" - "$views" > "$SP_TMP/odbc.out" 2>&1 <<'PYTHON' || fail "ODBC: $(tail -n 5 "$SP_TMP/odbc.out")"
import os, sys
import pyodbc
views = int(sys.argv[1])
base = "Driver={PostgreSQL Unicode};Server=%s;Port=%s;Database=%s;Uid=%s;" % (
    os.environ["PGHOST"], os.environ["PGPORT"], os.environ["PGDATABASE"], os.environ["PGUSER"])
q = """SELECT value FROM stats.observation_latest WHERE ref_area = 'CN' AND time_period = '2019'
        AND indicator IN ('ECOM_TX', 'MBB_PEN') ORDER BY indicator"""
# The driver's default describes an unconstrained numeric as numeric(28,6): a tool that
# binds by the description rounds 61.1234567891 to 61.123457.
cur = pyodbc.connect(base).cursor()
cur.execute(q)
desc = cur.description[0]
assert (desc[1], desc[4], desc[5]) == (__import__("decimal").Decimal, 28, 6), desc
print("ok - ODBC default: value described as numeric(28,6)")
# NumericAs=12 describes it as text: every digit arrives.
con = pyodbc.connect(base + "NumericAs=12;")
cur = con.cursor()
cur.execute(q)
assert cur.description[0][1] is str, cur.description[0]
got = [r[0] for r in cur.fetchall()]
assert got == ["12345678901234567890", "61.1234567891"], got
print("ok - ODBC NumericAs=12: exact values as text", got)
names = [r[0] for r in cur.execute("SELECT table_name FROM information_schema.views WHERE table_schema = 'stats' ORDER BY 1").fetchall()]
assert len(names) == views, (len(names), views)
for v in names:
    cur.execute(f"SELECT * FROM stats.{v} LIMIT 20").fetchall()
tables = [t.table_name for t in cur.tables(schema="stats", tableType="VIEW").fetchall()]
assert set(names) <= set(tables), set(names) - set(tables)
print(f"ok - ODBC read {len(names)} views, all listed by SQLTables")
n = cur.execute("SELECT name_zh FROM stats.indicator WHERE code = 'INTL_BW'").fetchone()[0]
assert n == "互联网国际出口带宽", n
print("ok - ODBC: Chinese names")
cols = [c.column_name for c in cur.columns(table="observation_latest", schema="stats").fetchall()]
assert "value" in cols, cols
d = cur.execute("""SELECT description FROM stats.column_description
                    WHERE view_name = 'observation_latest' AND column_name = 'value'""").fetchone()[0]
assert "canonical unit" in d, d
print("ok - ODBC: columns by SQLColumns, descriptions from stats.column_description")
try:
    cur.execute("SELECT count(*) FROM statpipe.observation").fetchall()
    raise AssertionError("statpipe.observation was readable")
except pyodbc.Error as e:
    assert "permission denied" in str(e), e
print("ok - ODBC: statpipe.* is denied")
PYTHON
cat "$SP_TMP/odbc.out"
