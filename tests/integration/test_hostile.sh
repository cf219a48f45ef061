#!/usr/bin/env bash
# test_hostile.sh: hostile bytes through the whole path into PostgreSQL: SQL metacharacters
# in every string field are stored exactly (data travels by COPY, never pasted into SQL),
# a byte-order mark and CRLF line ends are read, NUL and invalid UTF-8 are quarantined with
# their bytes intact, and configurable limits quarantine what exceeds them.
source "$(dirname "$0")/lib.sh"
sp_pg_start
"$STATPIPE" migrate -q
evil="x'); DROP TABLE statpipe.observation; --\\\\ \\\"q\\\" \\t 表"    # as JSON text
evil_sql="x'); DROP TABLE statpipe.observation; --\\ \"q\" "$'\t'" 表"
msg() { # message_id sender comment [indicator]
    printf '{"schema":"statpipe.observation/1","message_id":"%s","sender":"%s","indicator":"%s","ref_area":"CN","freq":"A","time_period":"2023","value":"1","unit":"万户","release":"2024-01-01T00:00:00Z","comment":"%s"}' \
        "$1" "$2" "${4:-FBB_USERS}" "$3"
}
{
    printf '\xEF\xBB\xBF'                                   # BOM at the start of the file
    msg "$evil" "$evil" "$evil"; printf '\r\n'              # CRLF line end
    msg m2 NBS "plain" "$evil"; printf '\n'                 # unknown indicator, quoted in the detail
    printf '{"schema":"statpipe.observation/1","message_id":"nul","comment":"a\\u0000b"}\n'
    printf '{"schema":"statpipe.observation/1","message_id":"\xff\xfe"}\n'
    printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n'
    msg "$(printf 'y%.0s' $(seq 1 300))" NBS "long id"; printf '\n'
} > "$SP_TMP/hostile.ndjson"
echo "string.max.bytes = 256" > "$SP_TMP/limits.conf"
"$STATPIPE" load -c "$SP_TMP/limits.conf" "$SP_TMP/hostile.ndjson" >/dev/null 2>"$SP_TMP/load.log" \
    || fail "load failed: $(tail -n 3 "$SP_TMP/load.log")"

check "tables intact" 1 "$(sp_psql -c "select count(*) from pg_tables where schemaname = 'statpipe' and tablename = 'observation'")"
check "metacharacters stored exactly: message_id, sender, comment" "t|t|t" \
    "$(echo "select o.message_id = :'e', s.sender = :'e', o.comment = :'e' from statpipe.observation o join statpipe.series s using (series_id)" \
        | sp_psql -v e="$evil_sql")"
check "metacharacters quoted exactly in a quarantine detail" 1 \
    "$(echo "select count(*) from statpipe.quarantine where reason = 'unknown_indicator' and position(:'e' in detail) > 0" \
        | sp_psql -v e="$evil_sql")"
# (payloads are compared as bytes: one of them is not UTF-8)
check "NUL in a string is quarantined, bytes intact" "malformed_json|t" \
    "$(sp_psql -c "select reason, position(convert_to(E'a\\\\u0000b', 'UTF8') in payload) > 0
        from statpipe.quarantine where position(convert_to('\"nul\"', 'UTF8') in payload) > 0")"
check "invalid UTF-8 quarantined with its bytes" "invalid_utf8|t" \
    "$(sp_psql -c "select reason, position('\\xfffe'::bytea in payload) > 0 from statpipe.quarantine where reason = 'invalid_utf8'")"
check "nesting limit" 1 "$(sp_psql -c "select count(*) from statpipe.quarantine where reason = 'too_large' and detail like 'JSON nests%'")"
check "string limit from the config file" 1 \
    "$(sp_psql -c "select count(*) from statpipe.quarantine where reason = 'too_large' and detail like 'field \"message_id\" is 300 bytes, at most 256'")"
check "everything accounted for" "1|5" \
    "$(sp_psql -c "select (select count(*) from statpipe.observation), (select count(*) from statpipe.quarantine)")"

# Every other string field with the same text: each message is quarantined, and the detail
# that quotes the field holds the text exactly.
fields="schema ref_area freq time_period unit calc_basis obs_status conf_status action release"
for f in $fields; do
    printf '{"schema":"statpipe.observation/1","message_id":"evil-%s","sender":"NBS","indicator":"FBB_USERS","ref_area":"CN","freq":"A","time_period":"2023","value":"1","unit":"万户","calc_basis":"PER","obs_status":"A","conf_status":"F","action":"replace","release":"2024-01-01T00:00:00Z"}\n' "$f" \
        | sed "s|\"$f\":\"[^\"]*\"|\"$f\":\"$(printf '%s' "$evil" | sed 's/[\\&|]/\\&/g')\"|"
done > "$SP_TMP/fields.ndjson"
"$STATPIPE" load "$SP_TMP/fields.ndjson" >/dev/null 2>&1 || fail "load of evil fields failed"
check "each evil field quarantined, its text quoted exactly" 10 \
    "$(echo "select count(*) from statpipe.quarantine where position(:'e' in detail) > 0 and (message_id like 'evil-%' or reason = 'unknown_schema')" \
        | sp_psql -v e="$evil_sql")"
check "tables still intact" 4 "$(sp_psql -c "select count(*) from pg_tables where schemaname = 'statpipe' and tablename in ('observation', 'series', 'quarantine', 'kafka_offset')")"
# A file whose name is not UTF-8: its bad line is quarantined with the name spelled in
# UTF-8 ('?' for the bad byte), its good line loads.
odd="$SP_TMP/feed-$(printf '\xff')-x.ndjson"
printf '%s\n' '{"broken' \
    '{"schema":"statpipe.observation/1","message_id":"odd-name","sender":"NBS","indicator":"FBB_USERS","ref_area":"CN","freq":"A","time_period":"2021","value":"1","unit":"万户","release":"2024-01-01T00:00:00Z"}' > "$odd"
rc=0
"$STATPIPE" load "$odd" >/dev/null 2>"$SP_TMP/odd.err" || rc=$?
check "a non-UTF-8 file name loads (exit 0, not 3)" 0 "$rc"
check "its rows, and the name as text" "1|$SP_TMP/feed-?-x.ndjson" \
    "$(sp_psql -c "select (select count(*) from statpipe.observation where message_id = 'odd-name'),
                          (select src_file from statpipe.quarantine where src_file like '%feed-%')")"
echo "PASS test_hostile"
