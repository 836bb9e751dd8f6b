#!/usr/bin/env bash
# Proves the official Python clients connect, authenticate and handshake against a built
# car-server:   scripts/client-compat.sh PATH/TO/car-server
# Starts the daemon with auth on in a temporary CAR_HOME, runs car-runtime 0.58.0 and 0.48.0
# (venvs from scripts/python-env.sh), raw-protocol negative checks, then SIGTERM and checks the
# token file and socket are gone.
set -euo pipefail
bin=${1:?usage: client-compat.sh PATH/TO/car-server}
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t venvs < <("$here/python-env.sh")

home=$(mktemp -d)
log=$home/daemon.log
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; rm -rf "$home"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- daemon log (tail)"; tail -n 30 "$log" || true; exit 1; }

env -u CAR_AUTH_TOKEN -u CAR_NO_AUTH CAR_HOME="$home" "$bin" --port "$port" --log-level info 2>"$log" &
pid=$!
for _ in $(seq 1 200); do
  grep -q "listening on" "$log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "daemon exited at startup"
  sleep 0.05
done
grep -q "listening on" "$log" || fail "daemon did not start within 10 s"

token_file=$home/ai.parslee.car/auth-token
socket_file=$home/run/car-server.sock
[ "$(stat -c %a "$token_file")" = 600 ] || fail "token file mode is $(stat -c %a "$token_file"), want 600"
token=$(cat "$token_file")
[[ $token =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "token is not 43 base64url characters"
[ -S "$socket_file" ] || fail "no Unix socket at $socket_file"
[ "$(stat -c %a "$socket_file")" = 600 ] || fail "socket mode is $(stat -c %a "$socket_file"), want 600"

for venv in "${venvs[@]}"; do
  version=${venv##*/car-}
  script=$here/compat/client_${version//./}.py
  script=${script/client_0580/client_058}; script=${script/client_0480/client_048}
  # A scratch HOME and no XDG_RUNTIME_DIR: the client must use exactly what we give it.
  env -i PATH="$PATH" HOME="$home/client-home" CAR_DAEMON_URL="ws://127.0.0.1:$port" CAR_AUTH_TOKEN="$token" \
    timeout 60 "$venv/bin/python" "$script" || fail "car-runtime $version"
done
timeout 30 python3 "$here/compat/negative.py" "$port" "$token" || fail "negative checks"

kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail "daemon still running 5 s after SIGTERM"
wait "$pid" && status=0 || status=$?
pid=
[ "$status" = 0 ] || fail "daemon exited with $status after SIGTERM"
[ ! -e "$token_file" ] || fail "token file left behind"
[ ! -e "$socket_file" ] || fail "socket file left behind"
echo "client compatibility: ok (0.58.0 v3, 0.48.0 v2, negative checks, clean SIGTERM)"
