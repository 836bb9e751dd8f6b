#!/usr/bin/env bash
# The hostile-client suite (issue 9, item 11): each scripts/hostile/*.py reproduces one way a
# hostile or unlucky client broke the daemon, against a built car-server:
#
#     scripts/hostile.sh PATH/TO/car-server [CHECK...]      (CHECK: a name such as batch_cap)
#
# Starts the daemon (auth on, CAR_AUTH_TIMEOUT=2) in a fresh CAR_HOME on a free port, runs every
# check (files starting with "_" are helpers, not checks) with the daemon described in the
# environment (CAR_HOSTILE_BIN, _URL, _PORT, _TOKEN_FILE, _PID, _LOGS, _AUTH_TIMEOUT; see
# hostile/_common.py); checks that need other options start daemons of their own, logging into
# CAR_HOSTILE_LOGS. Each check is bounded (CAR_HOSTILE_CHECK_TIMEOUT, 120 s) and reports pass or
# fail; a daemon that died during a check fails it and is restarted for the next. At the end the
# logs of every daemon are searched for the event-loop watchdog's warning ("event loop stalled",
# a loop turn over 50 ms): any such line fails the suite. Exit status 1 when anything failed.
# The daemons are always killed on exit. KEEP_TMP=1 keeps the state root and the logs.
set -euo pipefail
bin=${1:?usage: hostile.sh PATH/TO/car-server [CHECK...]}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -x "$bin" ] || { echo "hostile: $bin is not an executable file" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
check_timeout=${CAR_HOSTILE_CHECK_TIMEOUT:-120}

root=$(mktemp -d "${TMPDIR:-/tmp}/car-hostile.XXXXXX")
logs=$root/logs
mkdir -p "$logs"
pid=
home=
port=
log=

cleanup() {
  local status=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "hostile: state and logs kept in $root" >&2; else rm -rf "$root"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

running() {
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  local state
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != Z ]
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The shared daemon; a lost race for the port gets two more tries. Every start has a fresh
# state root and its own log (all of them are searched for the watchdog at the end).
starts=0
start_daemon() {
  local try status
  for try in 1 2 3; do
    starts=$((starts + 1))
    home=$root/home-$starts
    log=$logs/shared-$starts.log
    mkdir -p "$home"
    port=$(free_port)
    env -u CAR_AUTH_TOKEN -u CAR_NO_AUTH -u CAR_SERVER_SOCKET -u CAR_LOG_LEVEL -u CAR_NO_APPROVALS \
      CAR_HOME="$home" CAR_AUTH_TIMEOUT=2 "$bin" --port "$port" --uds disabled --log-level info \
      </dev/null >>"$log" 2>&1 &
    pid=$!
    local deadline=$((SECONDS + 15))
    while [ $SECONDS -lt $deadline ] && running && { ! port_open "$port" || [ ! -s "$home/ai.parslee.car/auth-token" ]; }; do
      sleep 0.05
    done
    if running && port_open "$port" && [ -s "$home/ai.parslee.car/auth-token" ]; then return 0; fi
    if running; then echo "hostile: the daemon was not ready within 15 s"; tail -n 20 "$log"; return 1; fi
    wait "$pid" 2>/dev/null && status=0 || status=$?
    pid=
    grep -qi "in use" "$log" && [ "$try" -lt 3 ] && continue
    echo "hostile: the daemon exited with status $status at startup"
    tail -n 20 "$log"
    return 1
  done
}

checks=()
if [ $# -gt 0 ]; then
  for name in "$@"; do
    [ -f "$here/hostile/${name%.py}.py" ] || { echo "hostile: no check $here/hostile/${name%.py}.py" >&2; exit 2; }
    checks+=("$here/hostile/${name%.py}.py")
  done
else
  for file in "$here"/hostile/*.py; do
    case $(basename "$file") in _*) continue ;; esac
    checks+=("$file")
  done
fi

start_daemon || exit 1
echo "hostile: daemon pid $pid on ws://127.0.0.1:$port/ (auth on, CAR_AUTH_TIMEOUT=2), ${#checks[@]} checks"
passed=() failed=()
suite_started=$SECONDS
for file in "${checks[@]}"; do
  name=$(basename "$file" .py)
  out=$root/$name.out
  started=$(date +%s.%N)
  status=0
  CAR_HOSTILE_BIN="$bin" CAR_HOSTILE_URL="ws://127.0.0.1:$port/" CAR_HOSTILE_PORT="$port" \
    CAR_HOSTILE_TOKEN_FILE="$home/ai.parslee.car/auth-token" CAR_HOSTILE_PID="$pid" \
    CAR_HOSTILE_LOGS="$logs" CAR_HOSTILE_AUTH_TIMEOUT=2 PYTHONDONTWRITEBYTECODE=1 \
    timeout -k 5 "$check_timeout" python3 "$file" </dev/null >"$out" 2>&1 || status=$?
  seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
  [ "$status" = 124 ] && echo "FAIL: did not finish within $check_timeout s" >>"$out"
  died=
  if ! running; then
    died=1
    [ "$status" != 0 ] || status=1
    echo "FAIL: the shared daemon died during this check; log tail: $(tail -n 5 "$log" | tr '\n' '|')" >>"$out"
  fi
  if [ "$status" = 0 ]; then
    passed+=("$name")
    echo "PASS  $name (${seconds} s)"
  else
    failed+=("$name")
    echo "FAIL  $name (${seconds} s, exit $status)"
  fi
  sed 's/^/      /' "$out"
  if [ -n "$died" ]; then
    wait "$pid" 2>/dev/null || true
    pid=
    start_daemon || { echo "hostile: could not restart the daemon"; exit 1; }
    echo "      (restarted the shared daemon: pid $pid on port $port)"
  fi
done

# Stop the shared daemon so its log is complete, then look for the watchdog in every log.
if running; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do running || break; sleep 0.05; done
  running && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
fi
pid=
stalls=$(grep -h "event loop stalled" "$logs"/*.log 2>/dev/null || true)
if [ -n "$stalls" ]; then
  failed+=("watchdog")
  echo "FAIL  watchdog: $(printf '%s\n' "$stalls" | wc -l) loop turns over 50 ms were logged during the suite:"
  printf '%s\n' "$stalls" | head -n 20 | sed 's/^/      /'
else
  passed+=("watchdog")
  echo "PASS  watchdog: no 'event loop stalled' line in the logs of $(ls "$logs" | wc -l) daemon runs"
fi

echo "hostile: ${#passed[@]} passed, ${#failed[@]} failed in $((SECONDS - suite_started)) s${failed:+: ${failed[*]}}"
[ "${#failed[@]}" = 0 ]
