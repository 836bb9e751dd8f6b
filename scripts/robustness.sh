#!/usr/bin/env bash
# Runs the fuzzer against a built car-server:   scripts/robustness.sh PATH/TO/car-server [SEED] [CASES]
# Bounded: a few thousand cases, about a minute; exits non-zero on a crash, hang or wrong answer.
set -euo pipefail
bin=${1:?usage: robustness.sh PATH/TO/car-server [SEED] [CASES]}
here=$(cd "$(dirname "$0")" && pwd)
home=$(mktemp -d)
log=$home/daemon.log
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CAR_HOME="$home" "$bin" --no-auth --uds disabled --port "$port" --log-level warn 2>"$log" &
pid=$!
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$home"' EXIT
for _ in $(seq 1 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
if ! timeout 300 python3 "$here/robustness.py" "$port" "$pid" "${2:-1}" "${3:-3000}"; then
  echo "--- daemon log (tail)"; tail -n 20 "$log"
  exit 1
fi
# After all that, the daemon must still stop cleanly.
kill -TERM "$pid"
status=0; wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || { echo "daemon exited with $status after SIGTERM"; tail -n 20 "$log"; exit 1; }
