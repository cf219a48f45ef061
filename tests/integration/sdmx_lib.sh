# sdmx_lib.sh: what the SDMX tests (test_sdmx.sh, test_sdmx_service.sh) share. Their
# figures, written by sdmx_feed as NDJSON: CNNIC's Internet penetration in CN (a revision,
# urban and rural, a half-year under embargo) and Guangdong, and MIIT's fixed broadband
# users (one month confidential). And sdmx_serve, which starts the service.
sdmx_obs() { # n indicator ref_area freq period value unit release [breakdown [conf_status [sender]]]
    printf '{"schema":"statpipe.observation/1","message_id":"x%d","sender":"%s","indicator":"%s","ref_area":"%s","freq":"%s","time_period":"%s","breakdown":"%s","value":"%s","unit":"%s","release":"%s","conf_status":"%s"}\n' \
        "$1" "${11:-CNNIC}" "$2" "$3" "$4" "$5" "${9:-_T}" "$6" "$7" "$8" "${10:-F}"
}
sdmx_feed() {
    sdmx_obs 1 NET_PEN CN S 2023-S1 76.4 % 2023-08-28T10:00:00+08:00
    sdmx_obs 2 NET_PEN CN S 2023-S2 77.5 % 2024-03-22T10:00:00+08:00
    sdmx_obs 3 NET_PEN CN S 2023-S2 77.6 % 2024-08-29T10:00:00+08:00         # a revision
    sdmx_obs 4 NET_PEN CN S 2024-S1 78.0 % 2024-08-29T10:00:00+08:00
    sdmx_obs 5 NET_PEN CN S 2023-S2 83.3 % 2024-03-22T10:00:00+08:00 URB
    sdmx_obs 6 NET_PEN CN S 2023-S2 66.5 % 2024-03-22T10:00:00+08:00 RUR
    sdmx_obs 7 NET_PEN 440000 S 2023-S2 80.1 % 2024-03-22T10:00:00+08:00
    sdmx_obs 8 NET_PEN CN S 2024-S2 79.0 % 2030-03-01T10:00:00+08:00         # under embargo
    sdmx_obs 9 FBB_USERS CN M 2024-10 66500 万户 2024-11-20T10:00:00+08:00 _T C MIIT # confidential
    sdmx_obs 10 FBB_USERS CN M 2024-11 66800 万户 2024-12-20T10:00:00+08:00 _T F MIIT
    sdmx_obs 11 FBB_USERS CN M 2024-12 67000 万户 2025-01-20T10:00:00+08:00 _T F MIIT
}

# sdmx_serve [OPTIONS]: statpipe serve as the reader login analyst on a free loopback port,
# once it answers; sets serve_pid and base (the REST API's root).
sdmx_serve() {
    local port i
    port=$(sp_free_port)
    PGUSER=analyst "$STATPIPE" serve --listen "127.0.0.1:$port" "$@" 2>"$SP_TMP/serve.log" &
    serve_pid=$!
    SP_PIDS+=("$serve_pid")
    base="http://127.0.0.1:$port/rest"
    for i in $(seq 1 50); do
        curl -s -o /dev/null "$base/dataflow" && break
        sleep 0.1
    done
}
