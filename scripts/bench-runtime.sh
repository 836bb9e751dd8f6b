#!/usr/bin/env bash
# Runtime benchmark: callback round trip, a 100-action proposal, verify on 30 actions.
#   scripts/bench-runtime.sh [all]     (all: also the memory benchmark on 100,000 facts)
# Builds car-server and car-bench in release mode, runs the server on CPU 0 and the client on
# CPU 1 (when taskset exists), prints the figures. Bounded: a few seconds of work, then stops.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product car-server 2>&1 | tail -n 1
swift build -c release --product car-bench 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
home=$(mktemp -d)
server_cpu=() client_cpu=()
if command -v taskset >/dev/null; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
# taskset execs the server, so $! is the server itself and the trap really stops it.
CAR_HOME=$home "${server_cpu[@]}" "$bin/car-server" --no-auth --uds disabled --port "$port" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
"${client_cpu[@]}" timeout 300 "$bin/car-bench" "$port"
if [ "${1:-}" = memory ] || [ "${1:-}" = all ]; then
  "${client_cpu[@]}" timeout 300 "$bin/car-bench" memory "$port" "$pid"
fi
