#!/usr/bin/env bash
# Memory log benchmark (issue 10): bound memory.add_fact p50/p99, each write appended and
# fsynced before its reply, at 1,000 and at 100,000 facts; and the replay of a log of
# 100,000 writes. Builds car-server and car-bench in release mode, runs the server on CPU 0 and
# the client on CPU 1 (when taskset exists), prints the figures. Bounded: well under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product car-server 2>&1 | tail -n 1
swift build -c release --product car-bench 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
source scripts/bench-daemon.sh
start_daemon "$bin/car-server" "${server_cpu[@]}"
echo "file system of the logs: $(df -T "$home" | awk 'NR==2 {print $2}')"
"${client_cpu[@]}" timeout 300 "$bin/car-bench" memory-log "$port" "$home"
