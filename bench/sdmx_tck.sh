#!/usr/bin/env bash
# bench/sdmx_tck.sh KIT: measures statpipe serve against the SDMX Technology Compatibility
# Kit, a checkout of the public repository sdmx-twg/sdmx-tck at KIT (not part of statpipe;
# its packages come from npm). The kit's manager is installed (its lock files dropped,
# sdmx-rest 2.20.0 for the 2.15.2 the registry no longer serves) and started; statpipe
# serves the sample feed to a reader login; bench/sdmx_tck.cjs runs the Structure and Data
# indices of API v1.4.0 and prints each test and the tally per index (docs/sdmx.md).
set -euo pipefail
kit=$(cd "${1:?usage: bench/sdmx_tck.sh KIT (a checkout of sdmx-twg/sdmx-tck)}" && pwd)
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "needs node and npm" >&2; exit 2; }
for m in sdmx-tck-api sdmx-tck-parsers sdmx-tck-reporter sdmx-tck-manager; do
    [ -d "$kit/$m/node_modules" ] && continue
    rm -f "$kit/$m/package-lock.json"
    python3 - "$kit/$m/package.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p.pop("devDependencies", None)
deps = p.get("dependencies", {})
if deps.get("sdmx-rest") == "2.15.2":
    deps["sdmx-rest"] = "2.20.0"
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
    (cd "$kit/$m" && npm install --no-audit --no-fund >/dev/null)
done
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
export STATPIPE="$PWD/build/release/cli/statpipe" SP_SOURCE_DIR="$PWD"
source tests/integration/lib.sh
sp_pg_start
"$STATPIPE" migrate -q
"$STATPIPE" load deploy/sample/feed.ndjson >/dev/null
sp_psql -c "create role tck login in role statpipe_reader" >/dev/null
port=$(sp_free_port)
PGUSER=tck "$STATPIPE" serve --listen "127.0.0.1:$port" 2>"$SP_TMP/serve.log" &
SP_PIDS+=($!)
(cd "$kit/sdmx-tck-manager" && exec node server.js) >"$SP_TMP/manager.log" 2>&1 &
SP_PIDS+=($!)
for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/rest/dataflow" &&
        curl -s -o /dev/null -X POST http://127.0.0.1:5000/tck-api/prepare-tests && break
    sleep 0.2
done
node bench/sdmx_tck.cjs "$kit" http://127.0.0.1:5000 "http://127.0.0.1:$port/rest" v1.4.0 Structure Data
