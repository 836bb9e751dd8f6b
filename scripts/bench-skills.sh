#!/usr/bin/env bash
# skills.gate over 10,000 candidates (issue 12, item 7): the gate's wall time on a connection's
# own graph and on a namespace-bound (logged) one, the worst server.ping round trip on another
# connection while it runs, and what the setup costs (skills.ingest_provisional of 10,000,
# skill.report throughput). Daemon on CPU 0 and the client on CPU 1 when taskset exists.
#   scripts/bench-skills.sh PATH/TO/car-server [CANDIDATES] [ROUNDS]
# Bounded: well under a minute; the client is killed after 300 s, and the daemon and its
# state root are removed on exit.
set -euo pipefail
binary=${1:?usage: scripts/bench-skills.sh PATH/TO/car-server [CANDIDATES] [ROUNDS]}
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
cd "$(dirname "$0")/.."
source scripts/bench-daemon.sh
# The standalone memory mode: the unlogged rounds each need a graph of their own (a connection's),
# which the daemon's default shared graph is not: a round's rejected candidates would be skipped
# by the next round's ingest.
export CAR_STANDALONE_MEMORY=1
start_daemon "$binary" "${server_cpu[@]}"
echo "car-server: $binary ($("$binary" --version)); $(nproc) cores, $(uname -sr)"
"${client_cpu[@]}" timeout 300 python3 scripts/bench/skills.py "$port" "${2:-10000}" "${3:-3}"
