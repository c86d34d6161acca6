#!/usr/bin/env bash
# Load on a real `zopdeck serve` from another process (wrk, Debian's package): p50/p99 of
# GET /api/deployments with 1,000 deployments from 8 connections, and of canvas-position PUTs
# from 50 connections (over 50 cards) — on the SQLite store, and with
# ZOPDECK_TEST_DATABASE_URL set (`eval "$(.ci/postgres up)"`) on PostgreSQL with one and two
# replicas (connections spread over both). Bounded: 10 s per run. Needs `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/zopdeck
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
printf '[sandbox]\ncapacity_replicas = 5000\n' > "$WORK/config.toml"

serve() { # serve DATA PORT [db args...] → starts one server
    local data=$1 port=$2; shift 2
    ZOPDECK_SANDBOX_SPEED=200 "$BIN" --data-dir "$data" --no-demo --config "$WORK/config.toml" "$@" \
        serve --listen "127.0.0.1:$port" 2>>"$WORK/serve.log" &
    PIDS+=($!)
    for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/api" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "serve on $port did not start" >&2; cat "$WORK/serve.log" >&2; exit 1
}

run() { # run LABEL DATA DBARGS... with 1 or 2 ports
    local label=$1 data=$2 replicas=$3; shift 3
    local token
    token=$("$BIN" --data-dir "$data" --no-demo --config "$WORK/config.toml" "$@" token create --name load --role admin)
    local ports=(18801 18802)
    serve "$data" 18801 "$@"
    [ "$replicas" = 2 ] && serve "$data" 18802 "$@"
    python3 - "$token" "${ports[@]:0:$replicas}" <<'PY'
import json, sys, urllib.request, concurrent.futures as cf
token, ports = sys.argv[1], sys.argv[2:]
def call(port, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r) if r.status != 204 else None
env = next(e["id"] for e in call(ports[0], "GET", "/environments")["data"] if e["name"] == "demo")
def create(i):
    return call(ports[i % len(ports)], "POST", "/deployments", {"name": f"svc-{i}", "envId": env,
        "sourceType": "image", "image": f"ghcr.io/acme/svc:{i}", "configs": {"port": 8080}})["data"]["id"]
with cf.ThreadPoolExecutor(16) as ex:
    ids = list(ex.map(create, range(1000)))
with open("ids.txt", "w") as f:
    f.write("\n".join(ids[:50]))
PY
    mv ids.txt "$WORK/ids.txt"
    # Let the 1,000 rollouts settle, so that the runs measure the requests alone.
    for _ in $(seq 300); do
        busy=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:18801/api/deployments" |
            python3 -c 'import json,sys; print(sum(d["status"] not in ("active","failed") for d in json.load(sys.stdin)["data"]))')
        [ "$busy" = 0 ] && break
        sleep 1
    done
    cat > "$WORK/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
    cat > "$WORK/put.lua" <<LUA
local ids = {}
for line in io.lines("$WORK/ids.txt") do ids[#ids + 1] = line end
request = function()
  x = (x or 0) + 1
  local id = ids[(x % #ids) + 1]
  return wrk.format("PUT", "/api/deployments/" .. id .. "/canvas-position",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
    '{"x": ' .. x .. ', "y": 1}')
end
LUA
    echo "== $label"
    for port in "${ports[@]:0:$replicas}"; do
        echo "-- GET /api/deployments (1,000), 8 connections, on :$port"
        wrk -t2 -c8 -d10s --latency -s "$WORK/get.lua" "http://127.0.0.1:$port/api/deployments" |
            grep -E "50%|99%|Requests/sec"
    done
    for port in "${ports[@]:0:$replicas}"; do
        echo "-- PUT canvas-position, 50 connections over 50 cards, on :$port"
        wrk -t2 -c50 -d10s --latency -s "$WORK/put.lua" "http://127.0.0.1:$port" |
            grep -E "50%|99%|Requests/sec"
    done
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    PIDS=()
    sleep 1
}

run "SQLite store" "$WORK/sqlite" 1
if [ -n "${ZOPDECK_TEST_DATABASE_URL:-}" ]; then
    for replicas in 1 2; do
        db="zw_$$_$replicas"
        psql "$ZOPDECK_TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
        url="${ZOPDECK_TEST_DATABASE_URL%/*}/$db"
        run "PostgreSQL store, $replicas replica(s)" "$WORK/pg$replicas" "$replicas" --database "$url"
    done
fi
