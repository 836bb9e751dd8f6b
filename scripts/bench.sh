#!/usr/bin/env bash
# Benchmark: the release car-server against the anchors of the shared bench (C floor server,
# Python websockets, Hummingbird) in one run, server on CPU 0 and load generator on CPU 1.
#   scripts/bench.sh [SECONDS]        (default 5 s per matrix cell)
# CAR_BENCH_DIR points at the bench checkout (default: ../shared/bench beside this repo).
# Prints the bench's table; results/run-*.json is written inside the bench directory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
source=${CAR_BENCH_DIR:-$(cd .. && pwd)/shared/bench}
[ -x "$source/run.sh" ] || { echo "bench not found at $source (set CAR_BENCH_DIR)"; exit 2; }
# The shared copy is read-only: build and record results in a git-ignored working copy.
bench=$PWD/.build-bench
mkdir -p "$bench"
cp -R -u "$source/." "$bench/"
chmod -R u+w "$bench"
if [ ! -x "$bench/loadgen/loadgen" ] || [ ! -x "$bench/anchors/c/ws_floor" ]; then
  (cd "$bench" && ./setup.sh)
fi
swift build -c release --product car-server 2>&1 | tail -n 2
bin="$(swift build -c release --show-bin-path)/car-server"
# The matrix appends --port P; the Unix socket is disabled so runs never touch a real daemon's.
"$bench/run.sh" "$seconds" -- car-server "$bin" --no-auth --uds disabled
