#!/usr/bin/env bash
# Instructions the event-loop thread spends per server.ping (1 connection, 1 in flight), counted
# by callgrind: a figure that, unlike latency, does not move with the machine's noise.
#   scripts/bench-instructions.sh [BINARY]    (default: the release car-server, built first)
# Needs valgrind. Bounded: 5 s of load on a daemon under callgrind, then it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 2; }
if [ $# -ge 1 ]; then bin=$1; else
  swift build -c release --product car-server 2>&1 | tail -n 1
  bin="$(swift build -c release --show-bin-path)/car-server"
fi
bench=.build-bench
[ -x "$bench/loadgen/loadgen" ] || { echo "run scripts/bench.sh once first (it builds the shared loadgen)"; exit 2; }
source scripts/bench-daemon.sh
out=$(mktemp)
cleanup_paths=("$out")
start_daemon "$bin" valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*EventLoopC3run*'
sleep 1
requests=$("$bench/loadgen/loadgen" --port "$port" --conns 1 --inflight 1 --seconds 5 | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
kill -INT $pid; wait $pid 2>/dev/null || true
total=$(awk '/^(summary|totals):/ {print $2}' "$out" | tail -n 1)
python3 -c "print(f'{$requests} server.ping under callgrind: {$total / $requests:,.0f} instructions per request on the event-loop thread')"
