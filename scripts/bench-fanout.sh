#!/usr/bin/env bash
# Host event fan-out: events/s from one publisher's host.notify to 100 subscribers, with a C
# client (Benchmarks/fanout/fanout.c) cheap enough that the daemon, not the client, is measured.
#   scripts/bench-fanout.sh [RUNS]      (default 3; each run: 2,000 events, then 2,000 of 1 KiB)
# Release build; server on CPU 0, client on CPU 1 when taskset exists. Bounded: each run stops
# by itself (the client gives up after 60 s).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
swift build -c release --product car-server 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
mkdir -p .build/bench
gcc -O2 -Wall -Wextra -o .build/bench/fanout Benchmarks/fanout/fanout.c
source scripts/bench-daemon.sh
start_daemon "$bin/car-server" "${server_cpu[@]}"
for run in $(seq 1 "$runs"); do
  for payload in 0 1024; do
    echo "run $run: $("${client_cpu[@]}" timeout 90 .build/bench/fanout --port "$port" --subs 100 --events 2000 --payload "$payload")"
  done
done
echo "daemon peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
