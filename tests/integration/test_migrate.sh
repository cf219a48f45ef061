#!/usr/bin/env bash
# test_migrate.sh: migrate creates the schema and catalogue, a second run changes nothing,
# edits made in the database survive it, and every public object has a COMMENT.
source "$(dirname "$0")/lib.sh"
sp_pg_start

out=$("$STATPIPE" migrate)
echo "$out" | grep -q "applied migration 001_core.sql" || fail "first migrate said: $out"
# The data lines of schemas/catalogue/*.csv: 28 indicators (22 of the Outline's plans, 5 of
# the ICT plan, INTL_BW_PER_USER), 22 units, 35 regions (national, 31 provinces, 3 others),
# 21 targets (17, and 4 of the ICT plan), 2 formulas (BS_5G_PER_10K, INTL_BW_PER_USER), one
# composite index (SP_IDI) of 3 pillars and 6 components, 3 breakdowns (_T, URB, RUR), 5
# senders, and 30 SDMX codes (CL_FREQ 4, CL_CALC_BASIS 2, CL_UNIT_MULT 1, CL_OBS_STATUS 18,
# CL_CONF_STATUS 5).
check "indicators loaded" 28 "$(sp_psql -c 'select count(*) from statpipe.indicator')"
check "units loaded" 22 "$(sp_psql -c 'select count(*) from statpipe.unit')"
check "regions loaded" 35 "$(sp_psql -c 'select count(*) from statpipe.region')"
check "targets loaded" 21 "$(sp_psql -c 'select count(*) from statpipe.target')"
check "breakdowns loaded, the total's from the migration too" "RUR,URB,_T|Rural" \
    "$(sp_psql -c "select string_agg(code, ',' order by code) || '|' || max(name_en) filter (where code = 'RUR')
                     from statpipe.breakdown")"
check "senders and SDMX codes loaded" "5|30|4,2,1,18,5" \
    "$(sp_psql -c "select (select count(*) from statpipe.sender) || '|' || (select count(*) from statpipe.sdmx_code) || '|'
        || (select string_agg(n::text, ',' order by o) from (select codelist, count(*) n,
            array_position(array['CL_FREQ', 'CL_CALC_BASIS', 'CL_UNIT_MULT', 'CL_OBS_STATUS', 'CL_CONF_STATUS'], codelist) o
              from statpipe.sdmx_code group by codelist) c)")"
check "formulas loaded" 2 "$(sp_psql -c 'select count(*) from statpipe.indicator_formula')"
check "index loaded" "1|3|6" "$(sp_psql -c "select (select count(*) from statpipe.composite_index) || '|'
    || (select count(*) from statpipe.index_pillar) || '|' || (select count(*) from statpipe.index_component)")"
check "Chinese name resolves" ONLINE_RETAIL \
    "$(sp_psql -c "select indicator from statpipe.indicator_alias where alias = '全国网上零售额'")"
check "unit alias factor" 100000000 \
    "$(sp_psql -c "select u.factor from statpipe.unit_alias a join statpipe.unit u on u.code = a.unit where a.alias = '亿元'")"
check "target source keeps its quotes" '"十三五"规划纲要 (2016)' \
    "$(sp_psql -c "select source from statpipe.target where indicator = 'MBB_PEN'")"

snapshot() {
    sp_psql -c "select md5(string_agg(t::text, ',' order by t::text)) from (
        select * from statpipe.indicator union all select code, dimension, factor::text,
        note, null, null, null, null, null, null, null, null from statpipe.unit) t"
}
before=$(snapshot)
sp_psql -c "update statpipe.indicator set max_value = 120 where code = 'MBB_PEN'"
edited=$(snapshot)
out=$("$STATPIPE" migrate)
check "second migrate" "schema is up to date" "$out"
check "second migrate keeps database edits" "$edited" "$(snapshot)"
[ "$before" != "$edited" ] || fail "the edit did not change the snapshot"
check "migrations recorded once" "$(ls "$SP_SOURCE_DIR"/schemas/sql/*.sql | wc -l)" "$(sp_psql -c "select count(*) from statpipe.schema_migration")"

# Concurrent runs serialise on the advisory lock and agree.
sp_psql -c "drop schema stats cascade; drop schema statpipe cascade"
"$STATPIPE" migrate -q & p1=$!
"$STATPIPE" migrate -q & p2=$!
wait $p1 || fail "concurrent migrate 1 failed"
wait $p2 || fail "concurrent migrate 2 failed"
check "concurrent migrate applied once" "$(ls "$SP_SOURCE_DIR"/schemas/sql/*.sql | wc -l)" \
    "$(sp_psql -c 'select count(*) from statpipe.schema_migration')"

# House rule: every object users read has a COMMENT.
missing=$(sp_psql -c "
    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('stats', 'statpipe') and c.relkind in ('r', 'v', 'm', 'p')
       and obj_description(c.oid, 'pg_class') is null order by 1")
check "tables and views without COMMENT" "" "$missing"
missing=$(sp_psql -c "
    select c.relname || '.' || a.attname from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where n.nspname = 'stats' and col_description(c.oid, a.attnum) is null
       and a.attname not in ('sender', 'indicator', 'ref_area', 'freq', 'calc_basis',
                             'time_period', 'period_start', 'period_end', 'obs_status',
                             'conf_status', 'unit_mult')
     order by 1")
check "stats columns without COMMENT" "" "$missing"
missing=$(sp_psql -c "
    select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'stats' and obj_description(p.oid, 'pg_proc') is null order by 1")
check "stats functions without COMMENT" "" "$missing"

# The load stage's statements (load/sql) are plain SQL a person can read and run: after
# stage.sql, each statement of the merge plans under EXPLAIN in psql, and a parameterised
# one under PREPARE.
sql="$SP_SOURCE_DIR/load/sql"
for f in "$sql"/*.sql; do
    name=$(basename "$f" .sql)
    case $name in
    stage) continue ;;
    copy_*) grep -Eq '^COPY (sp_stage_[a-z_]*|statpipe\.[a-z_]*) \(' "$f" || fail "$name names no column list" ; continue ;;
    esac
    if grep -q '\$1' "$f"; then
        run="PREPARE p AS $(cat "$f");"
    else
        run="EXPLAIN $(cat "$f");"
    fi
    out=$(printf '%s\n' "\\i $sql/stage.sql" "$run" | sp_psql -v ON_ERROR_STOP=1 -f - 2>&1) \
        || fail "load/sql/$name.sql does not plan: $out"
done
echo "ok - load/sql: $(ls "$sql"/*.sql | wc -l) statements plan in psql"

# The tables that grow with the data are distributable by series (docs/scaling.md): every
# unique index of each includes series_id. The check would fail on a unique index without
# it, as observation's primary key on obs_id alone was before 030. vintage has two: its
# primary key and its current vintages (031).
check "every unique index of the series-keyed tables includes series_id" \
    "observation|1|1 period_value_kept|1|1 vintage|2|2" \
    "$(sp_psql -c "select string_agg(relname || '|' || n || '|' || with_series, ' ' order by relname)
                     from (select c.relname, count(*) as n,
                                  count(*) filter (where exists (
                                      select 1 from pg_attribute a
                                       where a.attrelid = c.oid and a.attname = 'series_id'
                                         and a.attnum = any (i.indkey))) as with_series
                             from pg_index i join pg_class c on c.oid = i.indrelid
                             join pg_namespace ns on ns.oid = c.relnamespace
                            where ns.nspname = 'statpipe' and i.indisunique
                              and c.relname in ('observation', 'vintage', 'period_value_kept')
                            group by c.relname) d")"
check "bad connection exits 3" 3 "$("$STATPIPE" migrate -d 'host=127.0.0.1 port=1' 2>/dev/null; echo $?)"
echo "PASS test_migrate"
