#!/usr/bin/env bash
# MCP endpoint figures, ours against the official SDK's server, side by side in one run:
#   scripts/bench-mcp.sh [SECONDS]        (default 3 s measured per case, after 0.5 s warm-up)
# Builds car-server and car-bench in release mode; starts
#   ours:   the release car-server, auth ON (a fresh token in CAR_AUTH_TOKEN; every request
#           carries Authorization: Bearer), --mcp-bind 127.0.0.1:<free port>, a fresh CAR_HOME
#           under a temp dir, WebSocket port free, no Unix socket; unbound sessions share the
#           daemon's one graph (the default), so the facts seeded through one session are the
#           graph every measuring session queries (the anchor keeps one graph too);
#   anchor: scripts/mcp/anchor_server.py on mcp 1.30.0 (FastMCP, sessions, JSON responses, no
#           auth), from the venv of scripts/mcp/mcp-env.sh;
# both on CPU 0, the load generator (car-bench mcp, Benchmarks/car-bench/MCPBench.swift) on
# CPU 1 when taskset exists. Seeds each with the same CAR_MCP_BENCH_FACTS (default 1,000)
# synthetic facts through memory_add_fact, then measures tools/call memory_query (k=5) round
# trips with 1 and 16 concurrent clients (one session and keep-alive connection each) on both,
# the same for memory_fact_count (the MCP transport and dispatch without the query engine's
# work), and GET /mcp/health with 1 and 16 clients on ours; prints the table with ours / anchor.
# Bounded: every car-bench run is killed after 120 s; the
# servers and the temp dir are removed on exit. Exit status 1 when any case counted errors.
# CAR_SERVER_BIN=PATH benches that car-server binary instead of this checkout's release build.
set -euo pipefail
seconds=${1:-3}
facts=${CAR_MCP_BENCH_FACTS:-1000}
cd "$(dirname "$0")/.."
repo=$PWD
[ -n "${CAR_SERVER_BIN:-}" ] || swift build -c release --product car-server 2>&1 | tail -n 1
swift build -c release --product car-bench 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
server=${CAR_SERVER_BIN:-$bin/car-server}
[ -x "$server" ] || { echo "bench-mcp: $server is not an executable file" >&2; exit 2; }
server=$(cd "$(dirname "$server")" && pwd)/$(basename "$server")
venvs=$(scripts/mcp/mcp-env.sh)
anchor_python=${venvs##*$'\n'}/bin/python  # the mcp 1.30.0 venv, mcp-env.sh's second line

server_cpu=() client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/car-bench-mcp.XXXXXX")
daemon= anchor=
cleanup() {
  local status=$?
  for p in $daemon $anchor; do kill "$p" 2>/dev/null || true; done
  for p in $daemon $anchor; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {  # PORT PID WHAT
  for _ in $(seq 1 300); do
    port_open "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 exited at startup:"; tail -n 20 "$tmp/$3.log"; return 1; }
    sleep 0.1
  done
  echo "$3 did not listen on port $1 within 30 s"; tail -n 20 "$tmp/$3.log"; return 1
}

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "servers on CPU 0, load generator on CPU 1: ${server_cpu[*]:-(no taskset: unpinned)}"

# --- the anchor --------------------------------------------------------------------------------
anchor_port=$(free_port)
"${server_cpu[@]}" "$anchor_python" scripts/mcp/anchor_server.py "$anchor_port" </dev/null >"$tmp/anchor.log" 2>&1 &
anchor=$!
wait_port "$anchor_port" "$anchor" anchor
for _ in $(seq 1 100); do grep -q "anchor: ready" "$tmp/anchor.log" && break; sleep 0.1; done
anchor_url=http://127.0.0.1:$anchor_port/mcp
echo "anchor: mcp $("$anchor_python" -c 'import importlib.metadata as m; print(m.version("mcp"))') FastMCP at $anchor_url (JSON responses, no auth)"

# --- ours ------------------------------------------------------------------------------------------
ours_url=
if "$server" --help 2>&1 | grep -q -- "--mcp-bind"; then
  token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  mcp_port=$(free_port) ws_port=$(free_port)
  mkdir -p "$tmp/home"
  env -u CAR_NO_AUTH CAR_HOME="$tmp/home" HOME="$tmp/home" CAR_AUTH_TOKEN="$token" \
    "${server_cpu[@]}" "$server" --uds disabled --port "$ws_port" --mcp-bind "127.0.0.1:$mcp_port" \
    --log-level error </dev/null >"$tmp/daemon.log" 2>&1 &
  daemon=$!
  wait_port "$mcp_port" "$daemon" daemon
  ours_url=http://127.0.0.1:$mcp_port/mcp
  echo "ours: $("$server" --version) at $ours_url (auth on: bearer token on every request)"
else
  echo "ours: SKIPPED: $server has no --mcp-bind option yet (no MCP endpoint in this build); the anchor half runs alone"
fi

# --- seed, then the cases ----------------------------------------------------------------------------
results=$tmp/results
: >"$results"
status=0
token=${token:-}
bench() {  # LABEL URL TOKEN MODE ARGS...: one car-bench mcp run, its line kept for the table
  local label=$1 url=$2 tok=$3 out
  shift 3
  out=$(CAR_MCP_TOKEN=$tok "${client_cpu[@]}" timeout 120 "$bin/car-bench" mcp "$1" "$url" "${@:2}" --label "$label") || status=1
  echo "$out"
  echo "$out" | grep '^mcp-bench ' >>"$results" || true
}
bench anchor-seed "$anchor_url" "" seed --facts "$facts"
ours_calls=$ours_url
if [ -n "$ours_url" ]; then
  bench ours-seed "$ours_url" "$token" seed --facts "$facts"
  if ! grep -q '^mcp-bench label=ours-seed mode=seed facts=' "$results"; then
    echo "ours: seeding through memory_add_fact failed (above); the memory_query cases on ours are skipped"
    ours_calls=
  fi
fi
for threads in 1 16; do
  [ -z "$ours_calls" ] || bench "ours-$threads" "$ours_url" "$token" call --threads "$threads" --seconds "$seconds"
  bench "anchor-$threads" "$anchor_url" "" call --threads "$threads" --seconds "$seconds"
done
for threads in 1 16; do
  [ -z "$ours_calls" ] || bench "ours-count-$threads" "$ours_url" "$token" call --tool memory_fact_count --threads "$threads" --seconds "$seconds"
  bench "anchor-count-$threads" "$anchor_url" "" call --tool memory_fact_count --threads "$threads" --seconds "$seconds"
done
if [ -n "$ours_url" ]; then
  for threads in 1 16; do bench "health-$threads" "$ours_url" "$token" health --threads "$threads" --seconds "$seconds"; done
fi
if grep -q ' mode=call .* hits=0$' "$results"; then
  echo "WARNING: a memory_query case found no facts (hits=0): it measured an empty graph"; status=1
fi
if [ -n "$daemon" ] && ! kill -0 "$daemon" 2>/dev/null; then echo "car-server exited during the bench:"; tail -n 40 "$tmp/daemon.log"; status=1; fi
if ! kill -0 "$anchor" 2>/dev/null; then echo "the anchor exited during the bench:"; tail -n 40 "$tmp/anchor.log"; status=1; fi

# --- the table ---------------------------------------------------------------------------------------
python3 - "$results" "$facts" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
    rows[fields["label"]] = fields
facts = sys.argv[2]
def cell(label):
    r = rows.get(label)
    if not r or r.get("mode") == "seed":
        return None
    return int(r["rps"]), float(r["p50_us"]), float(r["p99_us"]), int(r["errors"]), r.get("client_cpu", "?")
def show(v):
    return f"{v[0]:>9,} {v[1]:>9.1f} {v[2]:>9.1f} {v[3]:>6}" if v else f"{'-':>9} {'-':>9} {'-':>9} {'-':>6}"
print()
print(f"MCP tools/call memory_query (k=5) and memory_fact_count on {facts} facts; /mcp/health; req/s and round trip in µs")
print(f"{'case':<30} | {'ours req/s':>9} {'p50':>9} {'p99':>9} {'errors':>6} | {'anchor r/s':>9} {'p50':>9} {'p99':>9} {'errors':>6} | {'req/s ours/anchor':>17} {'p50 ours/anchor':>15}")
for name, ours, anchor in (("memory_query, 1 client", "ours-1", "anchor-1"),
                           ("memory_query, 16 clients", "ours-16", "anchor-16"),
                           ("memory_fact_count, 1 client", "ours-count-1", "anchor-count-1"),
                           ("memory_fact_count, 16 clients", "ours-count-16", "anchor-count-16"),
                           ("GET /mcp/health, 1 client", "health-1", None),
                           ("GET /mcp/health, 16 clients", "health-16", None)):
    o, a = cell(ours), (cell(anchor) if anchor else None)
    if o is None and a is None:
        continue
    ratio = f"{o[0] / a[0]:>16.1f}x" if o and a and a[0] else f"{'-':>17}"
    latency = f"{o[1] / a[1]:>15.2f}" if o and a and a[1] else f"{'-':>15}"
    print(f"{name:<30} | {show(o)} | {show(a)} | {ratio} {latency}")
cpus = ", ".join(f"{k} {v['client_cpu']}" for k, v in rows.items() if "client_cpu" in v)
print(f"load generator CPU (100% = its one core busy): {cpus}")
PY
exit "$status"
