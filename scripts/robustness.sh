#!/usr/bin/env bash
# Runs the fuzzer against a built car-server:   scripts/robustness.sh PATH/TO/car-server [SEED] [CASES]
# Two daemons: one with --no-auth for the frame, JSON-RPC and batch cases, one with auth on for
# the pre-auth cases and, on its MCP endpoint, the HTTP fuzzer (robustness_http.py). Bounded: a few
# thousand cases, about a minute; exits non-zero on a crash,
# hang or wrong answer.
set -euo pipefail
bin=${1:?usage: robustness.sh PATH/TO/car-server [SEED] [CASES]}
here=$(cd "$(dirname "$0")" && pwd)
home=$(mktemp -d)
auth_home=$(mktemp -d)
log=$home/daemon.log
auth_log=$auth_home/daemon.log
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
auth_port=$(free_port)
mcp_port=$(free_port)
token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
pid= auth_pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$auth_pid" ] && kill -9 $auth_pid 2>/dev/null; rm -rf "$home" "$auth_home"' EXIT
CAR_HOME="$home" "$bin" --no-auth --uds disabled --port "$port" --mcp-bind disabled --log-level warn 2>"$log" &
pid=$!
CAR_HOME="$auth_home" "$bin" --auth-token "$token" --uds disabled --port "$auth_port" --mcp-bind "127.0.0.1:$mcp_port" \
  --log-level warn 2>"$auth_log" &
auth_pid=$!
for p in "$port" "$auth_port" "$mcp_port"; do
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
    sleep 0.05
  done
done
if ! timeout 300 python3 "$here/robustness.py" "$port" "$pid" "${2:-1}" "${3:-3000}" "$auth_port" "$auth_pid" "$token"; then
  echo "--- daemon log (tail)"; tail -n 20 "$log"
  echo "--- auth-on daemon log (tail)"; tail -n 20 "$auth_log"
  exit 1
fi
# The auth-on daemon's MCP endpoint: the HTTP layer and MCP's rules under mutated input.
if ! timeout 300 python3 "$here/robustness_http.py" "$mcp_port" "$auth_pid" "$token" "${2:-1}" 1500; then
  echo "--- auth-on daemon log (tail)"; tail -n 20 "$auth_log"
  exit 1
fi
if grep -qF "$token" "$log" "$auth_log"; then
  echo "the auth token appeared in a daemon log"; exit 1
fi
# After all that, both daemons must still stop cleanly.
for which in pid auth_pid; do
  p=${!which}
  kill -TERM "$p"
  status=0; wait "$p" || status=$?
  eval "$which="
  [ "$status" = 0 ] || { echo "daemon ($which) exited with $status after SIGTERM"; tail -n 20 "$log" "$auth_log"; exit 1; }
done
