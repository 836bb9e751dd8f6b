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
source scripts/bench-daemon.sh
start_daemon "$bin/car-server" "${server_cpu[@]}"
"${client_cpu[@]}" timeout 300 "$bin/car-bench" "$port"
if [ "${1:-}" = memory ] || [ "${1:-}" = all ]; then
  "${client_cpu[@]}" timeout 300 "$bin/car-bench" memory "$port" "$pid"
fi
