#!/usr/bin/env bash
# A2UI figures (docs/perf.md, "A2UI surfaces"):
#   - a2ui.apply of a 200-component updateComponents: round trip over one WebSocket client, the
#     same message through the store in-process, and server.ping for the floor (car-bench a2ui);
#   - the official validator (a2ui-agent-sdk validate_payload, in-process Python) on the same
#     message, as the anchor, when the a2ui venv can be made;
#   - apply -> 100 a2ui/subscribe'd connections: surfaces of 10 and 200 components
#     (Benchmarks/fanout/fanout.c --a2ui C; each event carries the whole surface);
#   - the dashboard's first render of a 200-component surface in headless Chromium, when
#     scripts/dashboard/chromium-env.sh finds or installs one.
#   scripts/bench-a2ui.sh [RUNS]    (default 3)
# Release build; server on CPU 0, clients on CPU 1 when taskset exists. Bounded: every client
# gives up by itself (fanout after 60 s, the rest under timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
swift build -c release --product car-server 2>&1 | tail -n 1
swift build -c release --product car-bench 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)
mkdir -p .build/bench
gcc -O2 -Wall -Wextra -o .build/bench/fanout Benchmarks/fanout/fanout.c
source scripts/bench-daemon.sh
start_daemon "$bin/car-server" "${server_cpu[@]}"
venv=$(scripts/a2ui/a2ui-env.sh || true)
for run in $(seq 1 "$runs"); do
  echo "run $run:"
  "${client_cpu[@]}" timeout 120 "$bin/car-bench" a2ui "$port" | sed 's/^/  /'
  case $venv in
    *skipped*|"") echo "  validator anchor skipped: ${venv:-no a2ui venv}" ;;
    *) "${client_cpu[@]}" timeout 120 "$venv/bin/python" scripts/a2ui/validator_bench.py | sed 's/^/  /' ;;
  esac
  for components in 10 200; do
    events=$([ "$components" = 10 ] && echo 2000 || echo 300)
    echo "  fan-out: $("${client_cpu[@]}" timeout 90 .build/bench/fanout --port "$port" --subs 100 --events "$events" --a2ui "$components")"
  done
done
echo "daemon peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
chromium=$(scripts/dashboard/chromium-env.sh || true)
case $chromium in
  *skipped*|"") echo "dashboard first render skipped: ${chromium:-no chromium}" ;;
  *) timeout 300 python3 scripts/dashboard/first_render_bench.py "$bin/car-server" "$chromium" "$runs" ;;
esac
