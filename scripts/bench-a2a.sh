#!/usr/bin/env bash
# A2A listener figures, ours against the official SDK's server, side by side in one run:
#   scripts/bench-a2a.sh [ROUNDS]        (default 3 rounds)
# Starts
#   ours:   the release car-server, auth ON (a fresh token in CAR_AUTH_TOKEN; every request
#           carries Authorization: Bearer), --a2a-bind 127.0.0.1:<free port>, a fresh CAR_HOME
#           under a temp dir, tasks in memory (no --a2a-store), no Unix socket, no dashboard;
#           a text message is answered by the built-in runtime with a completed task whose
#           status message is the acknowledgement;
#   anchor: scripts/a2a/echo_agent.py --mode task (a2a-sdk 1.3.0's DefaultRequestHandler,
#           InMemoryTaskStore and JSON-RPC routes on Starlette + uvicorn, from the venv of
#           scripts/a2a/a2a-env.sh), with --require-bearer (the same token check) and
#           TCP_NODELAY on its connections (scripts/bench/a2a.py anchor: see there why);
#           a text message is answered with a completed task holding the echo as an artifact;
# both on CPU 0, the load generator (scripts/bench/a2a.py: raw HTTP/1.1 keep-alive JSON-RPC
# POSTs, one connection per client, every reply checked) on CPU 1 when taskset exists. Each
# round measures SendMessage with 1 and then 16 concurrent clients, ours and the anchor back to
# back; prints p50/p99 and req/s per case, the ratio ours / anchor and whether the target
# (>= 5x the anchor's throughput) is met.
# Bounded: fixed request counts, each case capped at CAR_A2A_BENCH_CASE_CAP seconds (default
# 60), the client killed after ROUNDS x 4 cases' caps; both servers run in process groups of
# their own and are killed (the groups) on exit, with the temp dir removed. Loopback only.
# Exit status 1 when a case had errors or hit its cap; 3 when a2a-sdk cannot be installed (the
# anchor cannot run, so there is no ratio).
# CAR_SERVER_BIN=PATH benches that car-server binary instead of this checkout's release build.
# CAR_A2A_BENCH_ARGS adds options to scripts/bench/a2a.py (request counts, --procs, ...).
set -euo pipefail
rounds=${1:-3}
case_cap=${CAR_A2A_BENCH_CASE_CAP:-60}
cd "$(dirname "$0")/.."
if [ -z "${CAR_SERVER_BIN:-}" ]; then
  swift build -c release --product car-server 2>&1 | tail -n 1
  server=$(swift build -c release --show-bin-path)/car-server
else
  server=$CAR_SERVER_BIN
fi
[ -x "$server" ] || { echo "bench-a2a: $server is not an executable file" >&2; exit 2; }
server=$(cd "$(dirname "$server")" && pwd)/$(basename "$server")
"$server" --help 2>&1 | grep -q -- "--a2a-bind" || { echo "bench-a2a: $server has no --a2a-bind option" >&2; exit 2; }
set +e
anchor_python=$(scripts/a2a/a2a-env.sh)
env_status=$?
set -e
if [ "$env_status" = 3 ]; then echo "bench-a2a: SKIPPED: a2a-sdk 1.3.0 unavailable (see above): no anchor, no ratio"; exit 3; fi
[ "$env_status" = 0 ] || { echo "bench-a2a: scripts/a2a/a2a-env.sh failed ($env_status)" >&2; exit 1; }

server_cpu=() client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
total_cap=$((rounds * 4 * (case_cap + 40) + 60))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/car-bench-a2a.XXXXXX")
daemon= anchor= client=
stop_group() {  # PID: the leader of a process group started with setsid
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  [ -z "$client" ] || kill -TERM "$client" 2>/dev/null || true
  stop_group "$daemon"
  stop_group "$anchor"
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

echo "machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "servers on CPU 0, load generator on CPU 1: ${server_cpu[*]:-(no taskset: unpinned)}"
token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')

# --- the anchor: its own process group (setsid keeps the pid: a background job is no group leader)
setsid "${server_cpu[@]}" "$anchor_python" scripts/bench/a2a.py anchor scripts/a2a/echo_agent.py --port 0 --mode task \
  --require-bearer "$token" --lifetime "$((total_cap + 60))" --log-level warning \
  </dev/null >"$tmp/anchor.out" 2>"$tmp/anchor.log" &
anchor=$!
anchor_url=
for _ in $(seq 1 300); do
  anchor_url=$(head -n 1 "$tmp/anchor.out" 2>/dev/null || true)
  [ -z "$anchor_url" ] || break
  kill -0 "$anchor" 2>/dev/null || { echo "the anchor exited at startup:"; tail -n 20 "$tmp/anchor.log"; exit 1; }
  sleep 0.1
done
[ -n "$anchor_url" ] || { echo "the anchor did not start within 30 s"; tail -n 20 "$tmp/anchor.log"; exit 1; }
anchor_url=$anchor_url/
echo "anchor: a2a-sdk $("$anchor_python" -c 'import importlib.metadata as m; print(m.version("a2a-sdk"), "uvicorn", m.version("uvicorn"))') echo_agent --mode task at $anchor_url (bearer checked, pid $anchor)"

# --- ours
a2a_port=$(free_port) ws_port=$(free_port)
mkdir -p "$tmp/home"
setsid env -u CAR_NO_AUTH -u CAR_A2A_STORE -u CAR_A2A_BIND CAR_HOME="$tmp/home" HOME="$tmp/home" CAR_AUTH_TOKEN="$token" \
  "${server_cpu[@]}" "$server" --uds disabled --port "$ws_port" --dashboard-bind disabled --a2a-bind "127.0.0.1:$a2a_port" \
  --log-level error </dev/null >"$tmp/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 1 300); do
  port_open "$a2a_port" && break
  kill -0 "$daemon" 2>/dev/null || { echo "car-server exited at startup:"; tail -n 20 "$tmp/daemon.log"; exit 1; }
  sleep 0.1
done
port_open "$a2a_port" || { echo "car-server did not listen on $a2a_port within 30 s"; exit 1; }
ours_url=http://127.0.0.1:$a2a_port/
echo "ours: $("$server" --version) at $ours_url (auth on: bearer token on every request, pid $daemon)"

# --- the cases
status=0
# shellcheck disable=SC2086
"${client_cpu[@]}" timeout "$total_cap" python3 scripts/bench/a2a.py --ours "$ours_url" --anchor "$anchor_url" \
  --token "$token" --ours-pid "$daemon" --anchor-pid "$anchor" --rounds "$rounds" --case-cap "$case_cap" \
  ${CAR_A2A_BENCH_ARGS:-} &
client=$!
wait "$client" || status=$?
client=
rss=$(awk '/^VmHWM/ {print $2 " " $3}' "/proc/$daemon/status" 2>/dev/null || echo "?")
echo "car-server peak RSS: $rss"
if ! kill -0 "$daemon" 2>/dev/null; then echo "car-server exited during the bench:"; tail -n 40 "$tmp/daemon.log"; status=1; fi
if ! kill -0 "$anchor" 2>/dev/null; then echo "the anchor exited during the bench:"; tail -n 40 "$tmp/anchor.log"; status=1; fi
if [ -s "$tmp/daemon.log" ]; then echo "daemon log:"; tail -n 20 "$tmp/daemon.log" | sed 's/^/  /'; fi
exit "$status"
