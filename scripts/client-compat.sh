#!/usr/bin/env bash
# Proves the official Python clients connect, authenticate and handshake against a built
# car-server, and checks the auth edge cases they cannot provoke:
#
#     scripts/client-compat.sh PATH/TO/car-server
#
# 1. starts the daemon with auth ON in a fresh state root (CAR_HOME=$(mktemp -d)) on a free
#    port, and checks the token file (0600, 43 base64url chars) and the Unix socket (0600);
# 2. runs car-runtime 0.58.0 (v3) and 0.48.0 (v2), each in its venv from python-env.sh, with
#    only CAR_DAEMON_URL and CAR_AUTH_TOKEN to find the daemon (the variables the clients
#    read), and once more each with a wrong token, which they must report as a token mismatch;
#    car-runtime 0.58.0 must print no version-skew notice (server_version is the CAR release
#    level, 0.58.0; nothing sets CAR_NO_VERSION_WARNING);
# 2b. runs the official example programs unchanged (hello_car.py, agent_with_tools.py, and
#    the one-argument-callback copies) through compat/examples.py when they are found (beside
#    the checkout in ../shared/reference/car/examples, or CAR_EXAMPLES_DIR), else says they were
#    skipped and why; then the deny_tool_param, typed-call and host-role checks, always;
# 3. runs the raw-protocol checks of compat/negative.py (wrong token, no auth, handshake
#    versions, host token, Unix socket) and the runtime checks of compat/runtime_raw.py
#    (concurrency, interpolation, retries, timeouts with tools.cancel, disconnects, 1,000
#    proposals without growth);
# 4. sends SIGTERM with a client still connected: exit status 0 within 5 s, token file and
#    socket removed.
# Every wait is bounded. On failure: the reason, the daemon log tail, exit status 1. The daemon
# is always killed on exit. KEEP_TMP=1 keeps the state root for a look afterwards. A run that is
# skipped prints a SKIP line with the reason, and appends it to $CAR_SKIP_LOG when that is set
# (test-all.sh lists them all at the end).
set -euo pipefail
bin=${1:?usage: client-compat.sh PATH/TO/car-server}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -x "$bin" ] || { echo "client-compat: $bin is not an executable file" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

mapfile -t venvs < <("$here/python-env.sh")
[ "${#venvs[@]}" = 2 ] || { echo "client-compat: python-env.sh did not give two venvs" >&2; exit 1; }

home=$(mktemp -d "${TMPDIR:-/tmp}/car-compat.XXXXXX")
log=$home/daemon.log
token_file=$home/ai.parslee.car/auth-token
host_token_file=$home/ai.parslee.car/host-token
socket_file=$home/run/car-server.sock
pid=
holder=

cleanup() {
  local status=$?
  [ -n "$holder" ] && kill "$holder" 2>/dev/null || true
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "client-compat: state root kept at $home" >&2; else rm -rf "$home"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

skip() {
  echo "  SKIP  $*"
  [ -z "${CAR_SKIP_LOG:-}" ] || echo "client-compat: $*" >>"$CAR_SKIP_LOG"
}

fail() {
  echo "client-compat: FAIL: $*"
  echo "--- daemon log (last 40 lines of $log)"
  tail -n 40 "$log" 2>/dev/null || true
  echo "---"
  exit 1
}

# Running, and not a zombie (bash reaps asynchronously, /proc says the truth meanwhile).
running() {
  kill -0 "$pid" 2>/dev/null || return 1
  local state
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != Z ]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- 1. start the daemon (a lost race for the port gets two more tries) -------------------------
for try in 1 2 3; do
  port=$(free_port)
  : >"$log"
  env -u CAR_AUTH_TOKEN -u CAR_NO_AUTH -u CAR_SERVER_SOCKET -u CAR_LOG_LEVEL \
    CAR_HOME="$home" "$bin" --port "$port" --log-level info </dev/null >>"$log" 2>&1 &
  pid=$!
  deadline=$((SECONDS + 10))
  while [ $SECONDS -lt $deadline ] && running && ! port_open "$port"; do sleep 0.05; done
  if running && port_open "$port"; then break; fi
  if running; then fail "port $port not accepting connections within 10 s"; fi
  wait "$pid" 2>/dev/null && status=0 || status=$?
  pid=
  grep -qi "in use" "$log" && [ "$try" -lt 3 ] && continue
  fail "daemon exited with status $status at startup"
done
echo "client-compat: daemon pid $pid on ws://127.0.0.1:$port, CAR_HOME=$home"
grep -q "listening on ws://" "$log" || fail "daemon log lacks 'listening on ws://...' while the port is open"
# Our own version stays visible beside the CAR release level the handshake reports.
line=$(grep -m1 "listening on ws://" "$log")
case $line in *"car-server-swift "*" (CAR "*")"*) ;; *) fail "the startup line does not name car-server-swift and the CAR level: $line" ;; esac
version_line=$("$bin" --version)
case $version_line in "car-server-swift "*"(CAR "*) ;; *) fail "--version printed '$version_line'" ;; esac
echo "  ok  --version: $version_line"

# The token file and the socket are written at startup; give them a bounded moment.
deadline=$((SECONDS + 5))
while [ $SECONDS -lt $deadline ] && { [ ! -s "$token_file" ] || [ ! -S "$socket_file" ]; }; do sleep 0.05; done
[ -f "$token_file" ] || fail "no token file at $token_file"
mode=$(stat -c %a "$token_file")
[ "$mode" = 600 ] || fail "token file mode is $mode, expected 600"
token=$(python3 - "$token_file" <<'PY'
import base64, re, sys
text = open(sys.argv[1], "rb").read().decode("ascii", "replace")
token = text[:-1] if text.endswith("\n") else text
if not re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
    sys.exit(f"token file holds {len(text)} bytes that are not 43 base64url characters: {text[:60]!r}")
if len(base64.urlsafe_b64decode(token + "=")) != 32:
    sys.exit("token does not decode to 32 bytes")
print(token)
PY
) || fail "bad token file"
[ -S "$socket_file" ] || fail "no Unix socket at $socket_file"
mode=$(stat -c %a "$socket_file")
[ "$mode" = 600 ] || fail "socket mode is $mode, expected 600"
echo "  ok  token file 0600 with 43 base64url chars (32 bytes); Unix socket $socket_file 0600"

# --- 2. the official clients --------------------------------------------------------------------
client() {  # VENV SCRIPT TOKEN [MODE]: a clean environment with only what the client needs
  local venv=$1 script=$2 tok=$3
  shift 3
  local -a token_env=()
  [ -n "$tok" ] && token_env=(CAR_AUTH_TOKEN="$tok")
  mkdir -p "$home/client-home"
  env -i PATH=/usr/bin:/bin HOME="$home/client-home" LANG=C.UTF-8 \
    CAR_DAEMON_URL="ws://127.0.0.1:$port" "${token_env[@]}" \
    timeout -k 5 90 "$venv/bin/python" "$here/compat/$script" "$@" </dev/null
}
err=$home/client.err  # stderr of the last client run (the version-skew notice goes there)
# The official clients compare the handshake's server_version with their own version and print
# "CAR version skew: ... daemon is OLDER than the client" (or "client/CLI is OLDER") on stderr
# when they differ. The newest supported client, 0.58.0, must stay silent; 0.48.0 is older
# than the release level we report, and says so.
no_skew() {  # VERSION WHAT: fail when car-runtime 0.58.0 printed a version-skew notice
  [ "$1" = 0.58.0 ] || return 0
  if grep -q -e "version skew" -e "OLDER than" "$err"; then
    fail "car-runtime $1, $2: printed a version-skew notice: $(grep -m1 -e "version skew" -e "OLDER than" "$err" | cut -c1-240)"
  fi
}
for venv in "${venvs[@]}"; do
  version=${venv##*/car-}
  case $version in
    0.58.0) script=client_058.py ;;
    0.48.0) script=client_048.py ;;
    *) fail "no compat script for car-runtime $version" ;;
  esac
  out=$(client "$venv" "$script" "$token" 2>"$err") || fail "car-runtime $version: $out $(cat "$err")"
  echo "  ok  $out"
  no_skew "$version" "$script"
  [ "$version" != 0.58.0 ] || echo "  ok  car-runtime 0.58.0 printed no version-skew notice (stderr: $(wc -c <"$err") bytes)"
  out=$(client "$venv" "$script" "${token%?????}wrong" token-mismatch 2>"$err") \
    || fail "car-runtime $version with a wrong token: $out $(cat "$err")"
  echo "  ok  $out"
  running || fail "daemon died during the car-runtime $version checks"
done
out=$(client "${venvs[0]}" client_058.py "" no-token 2>"$err") \
  || fail "car-runtime 0.58.0 without a token: $out $(cat "$err")"
echo "  ok  $out"

# --- 2b. the official example programs, unchanged -------------------------------------------------
# The official examples are reference material beside the checkout (../shared/reference/car/
# examples, never copied into it); CAR_EXAMPLES_DIR points elsewhere. Without them the example
# runs are skipped, said so, and every other check still runs.
repo=$(cd "$here/.." && pwd)
examples=
if [ -n "${CAR_EXAMPLES_DIR:-}" ]; then
  [ -d "$CAR_EXAMPLES_DIR/python" ] || fail "CAR_EXAMPLES_DIR=$CAR_EXAMPLES_DIR holds no python/ folder of official examples"
  examples=$(cd "$CAR_EXAMPLES_DIR" && pwd)
elif [ -d "$repo/../shared/reference/car/examples/python" ]; then
  examples=$(cd "$repo/../shared/reference/car/examples" && pwd)
else
  skip "official example programs (hello_car.py, agent_with_tools.py, their one-argument-callback copies, memory_and_skills.py and multi_agent.py, with both clients): not found in ../shared/reference/car/examples beside the checkout, and CAR_EXAMPLES_DIR is not set"
fi
target=$home/agent-target
mkdir -p "$target"
printf '# Sample project\n\nA README for agent_with_tools.py to read.\n' >"$target/README.md"
printf 'print("hello")\n' >"$target/main.py"
mkdir -p "$home/client-home"
# A clean environment with only what a client program needs (and, as extra NAME=VALUE words
# before the command, what one check adds).
program() {  # SECONDS NAME=VALUE... -- VENV ARGS...
  local seconds=$1
  shift
  local -a extra=()
  while [ "$1" != -- ]; do extra+=("$1"); shift; done
  shift
  local venv=$1
  shift
  env -i PATH=/usr/bin:/bin HOME="$home/client-home" LANG=C.UTF-8 "${extra[@]}" \
    CAR_DAEMON_URL="ws://127.0.0.1:$port" CAR_AUTH_TOKEN="$token" \
    timeout -k 5 "$seconds" "$venv/bin/python" "$@" </dev/null
}
for venv in "${venvs[@]}"; do
  version=${venv##*/car-}
  if [ -n "$examples" ]; then
    for run in "python-one-arg-callback/hello_car.py hello-ok" "python/hello_car.py hello-official" \
               "python-one-arg-callback/agent_with_tools.py agent-ok $target" \
               "python/agent_with_tools.py agent-official $target"; do
      set -- $run
      rm -f /tmp/car_report.md
      out=$(program 120 -- "$venv" "$here/compat/examples.py" "$examples/$1" "${@:2}" 2>"$err") \
        || fail "car-runtime $version, $1: $out $(tail -n 20 "$err")"
      no_skew "$version" "$1"
      echo "  ok  car-runtime $version: ${out#ok  }"
    done
  fi
  out=$(program 60 -- "$venv" "$here/compat/deny_policy.py" 2>"$err") \
    || fail "car-runtime $version, deny policy: $out $(tail -n 20 "$err")"
  no_skew "$version" deny_policy.py
  echo "  ok  car-runtime $version: ${out#ok  }"
  out=$(program 60 -- "$venv" "$here/compat/typed_calls.py" 2>"$err") \
    || fail "car-runtime $version, typed calls: $out $(tail -n 20 "$err")"
  no_skew "$version" typed_calls.py
  echo "  ok  car-runtime $version: ${out#ok  }"
  out=$(program 60 CAR_HOME="$home" -- "$venv" "$here/compat/host_role.py" 2>"$err") \
    || fail "car-runtime $version, host role: $out $(tail -n 20 "$err")"
  no_skew "$version" host_role.py
  echo "  ok  car-runtime $version: ${out#ok  }"
  if [ -n "$examples" ]; then
    # These two count facts, skills and outcomes from an empty graph, and every unbound session
    # shares the daemon's one graph (the hello and agent runs above wrote to it, and each runs
    # once per client): each gets a namespace of its own through the clients' own
    # CAR_MEMORY_NAMESPACE, as the protocol advises per-project hosts to do, and its log must
    # be there afterwards to show the binding took.
    tag=${version//./}
    # memory_and_skills.py persists to a temporary file: TMPDIR inside the daemon's memory root
    # lets it do so without opening the sandbox.
    mkdir -p "$home/memory/tmp"
    out=$(program 120 TMPDIR="$home/memory/tmp" CAR_MEMORY_NAMESPACE="compat-$tag-memory-skills" -- "$venv" \
          "$here/compat/examples.py" "$examples/python/memory_and_skills.py" memory-skills 2>"$err") \
      || fail "car-runtime $version, memory_and_skills.py: $out $(tail -n 20 "$err")"
    no_skew "$version" memory_and_skills.py
    [ -s "$home/memory/memory-namespaces/compat-$tag-memory-skills.jsonl" ] \
      || fail "car-runtime $version, memory_and_skills.py: CAR_MEMORY_NAMESPACE=compat-$tag-memory-skills bound no namespace (no log)"
    echo "  ok  car-runtime $version: ${out#ok  } (namespace compat-$tag-memory-skills)"
    out=$(program 120 CAR_MEMORY_NAMESPACE="compat-$tag-multi-agent" -- "$venv" "$here/compat/examples.py" \
          "$examples/python/multi_agent.py" multi-agent 2>"$err") \
      || fail "car-runtime $version, multi_agent.py: $out $(tail -n 20 "$err")"
    no_skew "$version" multi_agent.py
    [ -s "$home/memory/memory-namespaces/compat-$tag-multi-agent.jsonl" ] \
      || fail "car-runtime $version, multi_agent.py: CAR_MEMORY_NAMESPACE=compat-$tag-multi-agent bound no namespace (no log)"
    echo "  ok  car-runtime $version: ${out#ok  } (namespace compat-$tag-multi-agent)"
  fi
  running || fail "daemon died during the car-runtime $version examples"
done

# --- 3. raw-protocol checks ---------------------------------------------------------------------
timeout -k 5 60 python3 "$here/compat/negative.py" --port "$port" --token="$token" \
  --unix "$socket_file" --host-token-file "$host_token_file" </dev/null || fail "negative checks"
running || fail "daemon died during the negative checks"
timeout -k 5 120 python3 "$here/compat/runtime_raw.py" --port "$port" --token="$token" --pid "$pid" </dev/null \
  | sed 's/^/  /' ; [ "${PIPESTATUS[0]}" = 0 ] || fail "runtime checks with the raw client"
running || fail "daemon died during the runtime checks"
timeout -k 5 60 python3 "$here/compat/memory_raw.py" --port "$port" --token="$token" --home "$home" </dev/null \
  | sed 's/^/  /' ; [ "${PIPESTATUS[0]}" = 0 ] || fail "memory scope and sandbox checks"
running || fail "daemon died during the memory checks"
timeout -k 5 120 python3 "$here/compat/host_raw.py" --port "$port" --token="$token" --pid "$pid" </dev/null \
  | sed 's/^/  /' ; [ "${PIPESTATUS[0]}" = 0 ] || fail "host event fan-out and stalled-subscriber checks"
running || fail "daemon died during the host checks"
out=$(timeout -k 5 120 python3 "$here/compat/verify_live.py" --port "$port" --token="$token" \
      --corpus "$here/../Tests/CarVerifierTests/Corpus" </dev/null) || fail "verify over the daemon: $out"
echo "  $out"

# --- 4. SIGTERM with a client connected ---------------------------------------------------------
held=$home/holder.out
timeout -k 2 20 python3 "$here/compat/hold.py" "$port" "$token" 15 >"$held" 2>&1 </dev/null &
holder=$!
deadline=$((SECONDS + 10))
while [ $SECONDS -lt $deadline ] && ! grep -q ready "$held"; do
  kill -0 "$holder" 2>/dev/null || break
  sleep 0.05
done
grep -q ready "$held" || fail "holding connection did not authenticate: $(cat "$held")"

kill -TERM "$pid"
stopped=
for _ in $(seq 1 100); do
  if ! running; then stopped=1; break; fi
  sleep 0.05
done
[ -n "$stopped" ] || fail "daemon still running 5 s after SIGTERM"
wait "$pid" && status=0 || status=$?
pid=
[ "$status" = 0 ] || fail "daemon exited with status $status after SIGTERM, expected 0"
[ ! -e "$token_file" ] || fail "token file $token_file left behind after SIGTERM"
[ ! -e "$socket_file" ] || fail "Unix socket $socket_file left behind after SIGTERM"
wait "$holder" 2>/dev/null || true
holder=
ended=$(grep ended "$held" || echo "ended: (no report) $(cat "$held")")
case $ended in
  *"still open"*) fail "the connected client was not disconnected by the shutdown ($ended)" ;;
esac
extra=
[ -e "$host_token_file" ] && extra=" (note: host-token file left behind)"
echo "  ok  SIGTERM -> exit 0 within 5 s; token file and socket removed; connected client $ended$extra"
examples_note="official examples"
[ -n "$examples" ] || examples_note="official examples SKIPPED (not found)"
echo "client-compat: ok (car-runtime 0.58.0 v3 without a version-skew notice, 0.48.0 v2, $examples_note, wrong/no-token refusals, raw auth/handshake and runtime checks, clean SIGTERM)"
