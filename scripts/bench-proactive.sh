#!/usr/bin/env bash
# Proactive memory figures (issue 12, item 7): memory.intervene p50 on a 100k-fact graph and
# memory.maintain over a 10k-event log, against the release car-server in a fresh CAR_HOME
# (--no-auth). Daemon on CPU 0 and the client on CPU 1 when taskset exists.
#   scripts/bench-proactive.sh PATH/TO/car-server [FACTS] [EVENTS]
# Bounded: well under a minute of work; the daemon and its state root are removed on exit.
set -euo pipefail
bin=${1:?usage: scripts/bench-proactive.sh PATH/TO/car-server [FACTS] [EVENTS]}
facts=${2:-100000}
events=${3:-10000}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
server_cpu=() client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); fi
home=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# --standalone-memory: each figure is taken on one connection's own graph (the maintain run's
# graph holds only what it mines, not the 100k facts of the intervene run), as recorded before
# the shared graph became the default.
CAR_HOME=$home "${server_cpu[@]}" "$bin" --no-auth --uds disabled --port "$port" --log-level error --standalone-memory >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$home"' EXIT
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
echo "car-server: $bin; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs"
"${client_cpu[@]}" timeout 300 python3 scripts/bench/proactive.py --port "$port" --facts "$facts" --events "$events"
