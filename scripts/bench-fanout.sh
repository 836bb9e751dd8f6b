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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
home=$(mktemp -d)
server_cpu=() client_cpu=()
if command -v taskset >/dev/null; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
CAR_HOME=$home "${server_cpu[@]}" "$bin/car-server" --no-auth --uds disabled --port "$port" --log-level error &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
for run in $(seq 1 "$runs"); do
  for payload in 0 1024; do
    echo "run $run: $("${client_cpu[@]}" timeout 90 .build/bench/fanout --port "$port" --subs 100 --events 2000 --payload "$payload")"
  done
done
echo "daemon peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
