#!/usr/bin/env bash
# test_evaluation.sh: frozen evaluations (statpipe evaluate, stats.evaluation,
# stats.evaluation_row, stats.evaluation_diff, statpipe report --evaluation). Load, evaluate,
# revise: the stored evaluation and the report as of its moment stay as they were, the
# current report changes, and evaluating again stores a new version whose differences say
# why. Stored rows refuse any change, even by the owner; the same feed in the reverse order
# gives the same evaluation.
source "$(dirname "$0")/lib.sh"
sp_pg_start
sp_psql -c "create database a" -c "create database b"
PGDATABASE=a "$STATPIPE" migrate -q
PGDATABASE=b "$STATPIPE" migrate -q
sp_psql -c "create role analyst login in role statpipe_reader" \
        -c "create role judge login in role statpipe_evaluator"

msg() { # id indicator year value unit release
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"NBS","indicator":"%s","ref_area":"CN","freq":"A","time_period":"%s","value":"%s","unit":"%s","release":"%s"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$6"
}
{
    msg e2017 ECOM_TX 2017 29.16 万亿元 2018-06-01T10:00:00+08:00
    msg e2018 ECOM_TX 2018 31.63 万亿元 2019-06-01T10:00:00+08:00
    msg e2019 ECOM_TX 2019 34.81 万亿元 2020-06-01T10:00:00+08:00
    msg e2020 ECOM_TX 2020 37.21 万亿元 2021-09-15T10:00:00+08:00
} > "$SP_TMP/first.ndjson"
{
    msg e2020r ECOM_TX 2020 38.50 万亿元 2022-03-01T10:00:00+08:00 # the revision of 2020
    msg e2021 ECOM_TX 2021 42.30 万亿元 2022-09-01T10:00:00+08:00  # a new year
} > "$SP_TMP/later.ndjson"
T1=2021-12-31T00:00:00Z # after 2020's first figure, before its revision and 2021's figure

PGDATABASE=a "$STATPIPE" load "$SP_TMP/first.ndjson" >/dev/null
qa() { PGDATABASE=a sp_psql -c "$1"; }
ev() { # the columns of evaluation $1's ECOM_TX rows that the checks read
    qa "select plan || '|' || target_year || '|' || status || '|' || coalesce(latest_period, '')
               || '|' || coalesce(trim_scale(latest_value / 1e12)::text, '') || '|'
               || coalesce(trim_scale(target_year_value / 1e12)::text, '')
          from stats.evaluation_row where evaluation_id = $1 and indicator = 'ECOM_TX'
         order by target_year, plan"
}

# The evaluator stores the evaluation of 2020 as of T1.
out=$(PGUSER=judge PGDATABASE=a "$STATPIPE" evaluate --year 2020 --as-of "$T1" --note "annual evaluation 2020")
E1=$(echo "$out" | sed -n 's/^evaluation \([0-9]*\): .*/\1/p')
[ -n "$E1" ] || fail "evaluate printed no id: $out"
targets=$(qa "select count(*) from statpipe.target")
check "evaluate says what it stored" \
    "evaluation $E1: year 2020, version 1, as of 2021-12-31 00:00:00 UTC, $targets targets, by judge" \
    "${out%, catalogue *}"
check "the evaluation is listed with who, as of when, the catalogue version and the note" \
    "2020|1|2021-12-31 00:00:00+00|judge|true|annual evaluation 2020|$targets" \
    "$(qa "set timezone = 'UTC'; select year || '|' || version || '|' || as_of || '|' || evaluated_by
                  || '|' || (catalogue_version = statpipe.catalogue_version()) || '|' || note || '|' || targets
             from stats.evaluation where evaluation_id = $E1")"
# Judged at the end of 2020 on the figures of T1: 2020's 37.21 < 38 万亿元, missed (both plans
# state 38 for 2020). The 2025 target (67) is judged on 2020's 37.21 carried five years at the
# trend from 2017: (37.21 / 29.16)^(1/3) - 1 = 0.0846, 37.21 x 1.0846^5 = 55.9 < 0.9 x 67 =
# 60.3: off track.
check "the evaluation's ECOM_TX rows" "FYP13-INFO|2020|missed|2020|37.21|37.21
NISDO-2016|2020|missed|2020|37.21|37.21
NISDO-2016|2025|off track|2020|37.21|" "$(ev "$E1")"
# The frozen rows are the targets as the report as of T1 judges them (both judge target years
# up to 2020 as passed).
check "the stored rows equal stats.target_progress_asof at T1" "0|0" \
    "$(qa "select (select count(*) from (select * from stats.target_progress_asof('$T1') except all
                                         select (r).* from (select row(x.*)::stats.target_progress r
                                           from (select indicator, plan, target_year, comparator, target_as_stated,
                                                        target_unit_as_stated, target_value, unit, target_year_passed,
                                                        target_year_value, target_year_progress, met, latest_year,
                                                        latest_period, latest_period_end, latest_value, latest_complete,
                                                        progress, trend_cagr, cagr_needed, projected_value, first_year_met,
                                                        status, baseline_year, baseline_value, source, ref_area, department
                                                   from stats.evaluation_row where evaluation_id = $E1) x) y) d)
                  || '|' || (select count(*) from stats.evaluation_row where evaluation_id = $E1)
                  - (select count(*) from stats.target_progress_asof('$T1'))")"

report_json() { # the report's targets and evaluation, without the time it was generated
    PGUSER=analyst PGDATABASE=a "$STATPIPE" report --format json "$@" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("generated"); print(json.dumps(d, sort_keys=True))'
}
stored_before=$(report_json --evaluation "$E1")
asof_before=$(report_json --as-of "$T1")
now_before=$(report_json)
PGUSER=analyst PGDATABASE=a "$STATPIPE" report --lang en --evaluation "$E1" > "$SP_TMP/e1.txt"
grep -q "^Stored evaluation $E1: year 2020, version 1, stored .* by judge" "$SP_TMP/e1.txt" ||
    fail "the report does not say which evaluation it renders: $(head -n 3 "$SP_TMP/e1.txt")"
grep -q "^Note: annual evaluation 2020$" "$SP_TMP/e1.txt" || fail "the report lacks the note"
grep -q "as known at 2021-12-31 00:00:00 UTC" "$SP_TMP/e1.txt" || fail "the report lacks the as-of time"
PGUSER=analyst PGDATABASE=a "$STATPIPE" report --evaluation "$E1" > "$SP_TMP/e1.zh.txt"
grep -q "^已存档评估 $E1：2020 年度，第 1 版，.* 由 judge 存档" "$SP_TMP/e1.zh.txt" ||
    fail "the Chinese report does not say which evaluation it renders: $(head -n 3 "$SP_TMP/e1.zh.txt")"
grep -q "数据截至 2021年12月31日 00:00:00 UTC" "$SP_TMP/e1.zh.txt" || fail "the Chinese report lacks the as-of time"

# The revision of 2020 and 2021's first figure arrive.
PGDATABASE=a "$STATPIPE" load "$SP_TMP/later.ndjson" >/dev/null
check "the stored evaluation is unchanged" "FYP13-INFO|2020|missed|2020|37.21|37.21
NISDO-2016|2020|missed|2020|37.21|37.21
NISDO-2016|2025|off track|2020|37.21|" "$(ev "$E1")"
check "report --evaluation renders it as before" "$stored_before" "$(report_json --evaluation "$E1")"
check "report --as-of T1 is as before" "$asof_before" "$(report_json --as-of "$T1")"
[ "$now_before" != "$(report_json)" ] || fail "the current report did not change with the revision"
# Now 2020 is 38.50 >= 38: met.
PGUSER=analyst PGDATABASE=a "$STATPIPE" report --lang en > "$SP_TMP/now.txt"
grep -q "^ECOM_TX  *NISDO-2016  *2020  *>= 38 万亿元  *38.5 万亿元 (2020)  *101.3 %.*met$" "$SP_TMP/now.txt" \
    || fail "current row for ECOM_TX 2020: $(grep ECOM_TX "$SP_TMP/now.txt")"

# Evaluating 2020 again stores version 2: the 2020 targets are judged on the revised 38.50
# >= 38, met; 2021's 42.30 is every target's latest value, and the 2025 target is judged on
# it: (42.30 / 31.63)^(1/3) - 1 = 0.1017 from 2018, 42.30 x 1.1017^4 = 62.3 >= 60.3 but < 67:
# at risk.
E2=$(PGUSER=judge PGDATABASE=a "$STATPIPE" evaluate --year 2020 | sed -n 's/^evaluation \([0-9]*\): year 2020, version 2, .*/\1/p')
[ -n "$E2" ] || fail "the second evaluation of 2020 is not version 2"
check "the second evaluation's ECOM_TX rows" "FYP13-INFO|2020|met|2021|42.3|38.5
NISDO-2016|2020|met|2021|42.3|38.5
NISDO-2016|2025|at risk|2021|42.3|" "$(ev "$E2")"
diff_of() {
    qa "select indicator || '|' || plan || '|' || target_year || '|' || reason || '|'
               || coalesce(status_a, '-') || '>' || coalesce(status_b, '-')
          from stats.evaluation_diff($1, $2)"
}
# The 2020 targets changed for the revised 2020 figure (2021's, which came too, is not what
# they are judged on); the 2025 target for the new 2021 figure.
check "the differences say why: a revised figure, a new figure" \
    "ECOM_TX|FYP13-INFO|2020|revised figure|missed>met
ECOM_TX|NISDO-2016|2020|revised figure|missed>met
ECOM_TX|NISDO-2016|2025|new figure|off track>at risk" "$(diff_of "$E1" "$E2")"

# A catalogue change: the 2020 target raised to 40 (38.50 < 40: missed).
qa "update statpipe.target set target_value = 40 where indicator = 'ECOM_TX' and plan = 'NISDO-2016' and target_year = 2020" >/dev/null
E3=$(PGUSER=judge PGDATABASE=a "$STATPIPE" evaluate --year 2020 | sed -n 's/^evaluation \([0-9]*\): year 2020, version 3, .*/\1/p')
check "the difference is the catalogue's" "ECOM_TX|NISDO-2016|2020|catalogue change: target redefined|met>missed" \
    "$(diff_of "$E2" "$E3")"
check "the catalogue versions: equal for 1 and 2, different for 3" "true|false" \
    "$(qa "select ((select catalogue_version from stats.evaluation where evaluation_id = $E1)
                   = (select catalogue_version from stats.evaluation where evaluation_id = $E2))
                  || '|' || ((select catalogue_version from stats.evaluation where evaluation_id = $E2)
                   = (select catalogue_version from stats.evaluation where evaluation_id = $E3))")"
check "an evaluation against itself differs in nothing" 0 "$(qa "select count(*) from stats.evaluation_diff($E3, $E3)")"

# Stored evaluations never change, not even for the owner.
for sql in "update statpipe.evaluation_row set status = 'met' where evaluation_id = $E1" \
           "delete from statpipe.evaluation_row where evaluation_id = $E1" \
           "update statpipe.evaluation set note = 'edited' where evaluation_id = $E1" \
           "delete from statpipe.evaluation where evaluation_id = $E1" \
           "truncate statpipe.evaluation_row" "truncate statpipe.evaluation cascade"; do
    err=$(qa "$sql" 2>&1 >/dev/null) && fail "the owner could run: $sql"
    case "$err" in *"stored evaluations never change"*) ;; *) fail "$sql: $err" ;; esac
done
check "the first evaluation is intact" "FYP13-INFO|2020|missed|2020|37.21|37.21
NISDO-2016|2020|missed|2020|37.21|37.21
NISDO-2016|2025|off track|2020|37.21|" "$(ev "$E1")"

# Every reader reads stored rows, so an evaluation holds no confidential figure, even when
# an evaluator who may see them stores it: INFO_CONS 2020 (5.80 万亿元, confidential) is
# judged "no data" in the stored row, while the insider sees 5.80 < 6: missed, in the view.
sp_psql -c "create role insider login in role statpipe_evaluator, statpipe_internal" >/dev/null
printf '{"schema":"statpipe.observation/1","message_id":"i2020","sender":"CAICT","indicator":"INFO_CONS","ref_area":"CN","freq":"A","time_period":"2020","value":"5.80","unit":"万亿元","release":"2021-03-01T10:00:00+08:00","conf_status":"C"}\n' |
    PGDATABASE=a "$STATPIPE" load - >/dev/null
E4=$(PGUSER=insider PGDATABASE=a "$STATPIPE" evaluate --year 2020 | sed -n 's/^evaluation \([0-9]*\): .*/\1/p')
info="select status || '|' || coalesce(trim_scale(target_year_value / 1e12)::text, '-') from %s
       where indicator = 'INFO_CONS' and plan = 'NISDO-2016' and target_year = 2020"
check "the insider sees the confidential figure in the view" "missed|5.8" \
    "$(PGUSER=insider PGDATABASE=a sp_psql -c "$(printf "$info" stats.target_progress)")"
check "the stored evaluation holds no confidential figure" "no data|-" \
    "$(qa "$(printf "$info" "(select * from stats.evaluation_row where evaluation_id = $E4) r")")"
check "the insider's session sees confidential figures again after evaluating" "missed|5.8" \
    "$(PGUSER=insider PGDATABASE=a sp_psql -c "select statpipe.evaluate(2020, now(), 'x') is not null;
                                               $(printf "$info" stats.target_progress)" | tail -n 1)"

# Readers read evaluations; only evaluators store them.
# Five stored: E1, E2, E3, the insider's E4 and the one the insider's session stored above;
# E1 to E2 differ in the three ECOM_TX rows.
check "the reader sees the evaluations and their differences" "5|3" \
    "$(PGUSER=analyst PGDATABASE=a sp_psql -c "select (select count(*) from stats.evaluation)
                                                 || '|' || (select count(*) from stats.evaluation_diff($E1, $E2))")"
check "a reader cannot store an evaluation" 3 \
    "$(PGUSER=analyst PGDATABASE=a "$STATPIPE" evaluate --year 2020 2>"$SP_TMP/denied.err" >/dev/null; echo $?)"
grep -q "GRANT statpipe_evaluator TO analyst" "$SP_TMP/denied.err" || fail "no grant hint: $(cat "$SP_TMP/denied.err")"

# What the evaluator must fix: exit 2 and a message that says what.
usage() { PGUSER=judge PGDATABASE=a "$STATPIPE" evaluate "$@" 2>"$SP_TMP/usage.err" >/dev/null; echo $?; }
check "a year not ended at the as-of time" 2 "$(usage --year 2021 --as-of 2021-12-30)"
grep -q "year 2021 has not ended" "$SP_TMP/usage.err" || fail "$(cat "$SP_TMP/usage.err")"
check "an as-of time after now" 2 "$(usage --year 2020 --as-of 2199-01-01)"
check "an as-of time that is not a time" 2 "$(usage --year 2020 --as-of soon)"
check "no year" 2 "$(usage)"
check "a year out of range" 2 "$(usage --year 20201)"
check "report --evaluation of an evaluation not stored" 2 \
    "$(PGDATABASE=a "$STATPIPE" report --evaluation 999 2>"$SP_TMP/none.err" >/dev/null; echo $?)"
grep -q "there is no stored evaluation 999" "$SP_TMP/none.err" || fail "$(cat "$SP_TMP/none.err")"
check "report --evaluation with --as-of" 2 \
    "$(PGDATABASE=a "$STATPIPE" report --evaluation "$E1" --as-of "$T1" 2>/dev/null >/dev/null; echo $?)"
check "no failed call stored anything: still the five" 5 "$(qa "select count(*) from statpipe.evaluation")"

# Database b gets every release in the reverse order; its evaluation as of T1 is the same.
cat "$SP_TMP/first.ndjson" "$SP_TMP/later.ndjson" | tac > "$SP_TMP/reversed.ndjson"
PGDATABASE=b "$STATPIPE" load "$SP_TMP/reversed.ndjson" >/dev/null
B1=$(PGDATABASE=b "$STATPIPE" evaluate --year 2020 --as-of "$T1" | sed -n 's/^evaluation \([0-9]*\): .*/\1/p')
rows="select indicator, plan, target_year, status, latest_period, latest_value, target_year_value,
              trend_cagr, projected_value from stats.evaluation_row where evaluation_id = %s order by 1, 2, 3"
check "the reverse order gives the same evaluation as of T1" \
    "$(qa "$(printf "$rows" "$E1")")" "$(PGDATABASE=b sp_psql -c "$(printf "$rows" "$B1")")"
echo "PASS test_evaluation"
