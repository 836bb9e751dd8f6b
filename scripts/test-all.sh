#!/usr/bin/env bash
# Runs every test: the Swift suites (unit, transport, generated conformance), then the
# release build against the official Python clients, the hostile-client suite and the
# robustness fuzzer. Works on a fresh clone: what needs reference material that is not beside
# the checkout (../shared/reference/car/examples, or CAR_EXAMPLES_DIR) is skipped, and every
# skipped run is listed, with the reason, at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Scripts append one line per skipped run here (CAR_SKIP_LOG); the summary prints them.
# The list is printed on every exit, failed or not.
skips=$(mktemp)
export CAR_SKIP_LOG=$skips
summary() {
  local status=$?
  if [ -s "$skips" ]; then
    printf '\nSKIPPED (%s run(s), the rest ran):\n' "$(wc -l <"$skips")"
    sed 's/^/  - /' "$skips"
  fi
  rm -f "$skips"
  exit "$status"
}
trap summary EXIT

step "optional OCR backend (Tesseract) for the vision.ocr end-to-end test"
ocr=$(scripts/ocr-env.sh)
echo "$ocr"
case $ocr in *skipped*) echo "ocr-env: ${ocr#ocr-env: }" >>"$skips" ;; esac

step "swift test (unit, transport, generated conformance)"
# The full log is kept; failures and the summary are printed.
log=$(mktemp)
status=0
swift test >"$log" 2>&1 || status=$?
grep -E "recorded an issue|error:|Fatal error" -A4 "$log" | head -n 80 || true
tail -n 5 "$log"
[ "$status" = 0 ] || { echo "swift test failed (full log: $log)"; exit "$status"; }

step "release build"
swift build -c release --product car-server 2>&1 | tail -n 3
BIN="$(swift build -c release --show-bin-path)/car-server"

# From here on each step runs whatever the others gave; the failed ones are named at the end.
# A step runs in a session of its own (setsid; stdin /dev/null), bounded by its SECONDS (0: no
# bound). Past them everything of the step still running gets SIGTERM, and SIGKILL STEP_GRACE s
# later: its session (inner `timeout`s, daemons and browsers in process groups of their own
# stay in it) and any descendant that made a session of its own. A timed-out step is a failed
# one. Whatever a finished step left running is named and ended the same way.
#
# Budgets nest: what a step runs inside (the env scripts' budgets: a2ui-env.sh 120 s,
# chromium-env.sh 240 s; the scripts' own watchdogs) fits in its SECONDS. CI gives test-all 90
# min: the bounded steps below add up to 3,840 s (64 min, each + STEP_GRACE at worst; before,
# 3,360 s), and swift test, the release build and the four steps without a step bound
# (client-compat, the corpus check, hostile, robustness: every run in them has its own
# timeout) have the rest.
STEP_GRACE=10
export BIN
failed=()
current_step=

# The pids of a step's processes still running, zombies aside: its session (the leader's pid),
# the leader's descendants, and those of KNOWN (pids found before) still there.
step_procs() {  # LEADER [KNOWN...]
  local leader=$1
  shift
  ps -eo pid=,ppid=,sid=,stat= | awk -v leader="$leader" -v known=" $* " '
    $4 !~ /^Z/ { n++; pid[n] = $1; sid[n] = $3; parent[$1] = $2 }
    END {
      for (i = 1; i <= n; i++) {
        keep = sid[i] == leader || index(known, " " pid[i] " ") > 0
        q = pid[i]
        for (depth = 0; !keep && q > 1 && depth < 100; depth++) { if (q == leader) keep = 1; q = parent[q] }
        if (keep) printf "%s ", pid[i]
      }
    }'
}
# SIGTERM to what of the step still runs, SIGKILL to what of it is left STEP_GRACE s later.
end_step() {  # LEADER
  local leader=$1 procs i
  procs=$(step_procs "$leader")
  [ -n "$procs" ] || return 0
  # shellcheck disable=SC2086 # one word a pid
  kill -TERM $procs 2>/dev/null || true
  for ((i = 0; i < STEP_GRACE * 5; i++)); do
    sleep 0.2
    # shellcheck disable=SC2086
    procs=$(step_procs "$leader" $procs)
    [ -n "$procs" ] || return 0
  done
  echo "  (still running ${STEP_GRACE} s after SIGTERM, now SIGKILL: pids ${procs% })"
  # shellcheck disable=SC2086
  kill -KILL $procs 2>/dev/null || true
}
# Ctrl-C or a SIGTERM to test-all ends the step running (it is in another session).
on_signal() {
  [ -z "$current_step" ] || end_step "$current_step"
  exit 130
}
trap on_signal INT TERM

run() {  # TITLE SECONDS COMMAND...
  local title=$1 limit=$2 leader status=0 started=$SECONDS timed_out= left
  shift 2
  step "$title"
  # The step's shell gets this shell's functions (a step may be one) and pipefail.
  setsid -w bash -c "$(declare -f); set -o pipefail; \"\$@\"" step "$@" </dev/null &
  leader=$!
  current_step=$leader
  while kill -0 "$leader" 2>/dev/null; do
    if [ "$limit" != 0 ] && [ $((SECONDS - started)) -ge "$limit" ]; then
      timed_out=1
      echo "TIMED OUT after $limit s: ending the step (SIGTERM, SIGKILL ${STEP_GRACE} s later)"
      end_step "$leader"
      break
    fi
    sleep 0.2
  done
  wait "$leader" 2>/dev/null || status=$?  # (bash's "Killed" notice aside: TIMED OUT said it)
  left=$(step_procs "$leader")
  if [ -n "$left" ]; then
    echo "note: the step left $(wc -w <<<"$left") process(es) running; ending them:"
    ps -o pid=,args= -p "$(tr ' ' ',' <<<"${left% }")" | cut -c1-200 | sed 's/^/  /' || true
    end_step "$leader"
  fi
  current_step=
  if [ -n "$timed_out" ]; then
    echo "FAILED: $* (timed out after $limit s)"
    failed+=("$* (timed out after $limit s)")
  elif [ "$status" != 0 ]; then
    echo "FAILED: $*"
    failed+=("$*")
  fi
}
# The car-runtime 0.58.0 venv (python-env.sh's first line). Not through `| head -n 1`: head may
# exit before python-env.sh writes its second line, which then dies of SIGPIPE and, under
# pipefail, fails the step with nothing printed.
client_058_venv() {
  local venvs
  venvs=$(scripts/python-env.sh) && printf '%s\n' "${venvs%%$'\n'*}"
}
verify_corpus() {
  # The reference is the pip-installed car-runtime (python-env.sh), not material beside the checkout.
  local venv
  venv=$(client_058_venv) && "$venv/bin/python" scripts/verify-corpus/record.py --check
}

run "official clients (car-runtime 0.58.0 and 0.48.0) against the release build" 0 \
  scripts/client-compat.sh "$BIN"
run "verifier corpus still matches the reference (car_runtime.verify of car-runtime 0.58.0)" 0 \
  verify_corpus
run "hostile clients: one check per way a hostile client broke the daemon (scripts/hostile/)" 0 \
  scripts/hostile.sh "$BIN"
run "robustness: random and mutated frames, batches and pre-auth traffic against the release build" 0 \
  scripts/robustness.sh "$BIN"
agents_lifecycle() {
  # The agent program runs on the official client car-runtime 0.58.0 (python-env.sh's first venv).
  local venv
  venv=$(client_058_venv) && python3 scripts/agents/lifecycle.py "$BIN" "$venv/bin/python"
}
run "supervised agents end to end: life cycle, observer, crash loop, orphans, identity, memory crash safety" 300 \
  agents_lifecycle
chat_acceptance() {
  # The chat agent runs on the official client car-runtime 0.58.0, supervised by the daemon.
  local venv
  venv=$(client_058_venv) && python3 scripts/chat/acceptance.py "$BIN" "$venv/bin/python"
}
run "agent chat routing end to end: streams, two hosts, cancel, approvals, injection, dead and silent agents, goals" 300 \
  chat_acceptance
run "memory scope: unbound sessions share one graph by default (and with --shared-memory), one each with --standalone-memory or CAR_STANDALONE_MEMORY=1; namespace and agent graphs stay apart" 300 \
  python3 scripts/memory/scope.py "$BIN"
mcp_acceptance() {
  # The official MCP SDK clients (mcp 2.3.0 and 1.30.0, scripts/mcp/mcp-env.sh) and, on the
  # WebSocket side, car-runtime 0.58.0. Without those venvs (PyPI unreachable) it is a skip.
  local mcp car
  if ! mcp=$(scripts/mcp/mcp-env.sh) || ! car=$(client_058_venv); then
    echo "SKIP: the mcp 2.3.0 / 1.30.0 or car-runtime 0.58.0 venvs could not be built"
    echo "MCP acceptance: the mcp 2.3.0 / 1.30.0 or car-runtime 0.58.0 venvs could not be built (PyPI unreachable?)" >>"$CAR_SKIP_LOG"
    return 0
  fi
  python3 scripts/mcp/acceptance.py "$BIN" "${mcp%%$'\n'*}/bin/python" "${mcp##*$'\n'}/bin/python" "$car/bin/python"
}
# 360: the mcp venvs, built here the first time, and the acceptance (300 s before).
run "MCP endpoint end to end: the mcp 2.3.0 and 1.30.0 SDK clients, one memory graph with WebSocket, 404 recovery, auth, origin, limits, timeouts" 360 \
  mcp_acceptance
# 360: a2ui-env.sh's 120 s (+15 s before differential.py ends it), then the run's 180 s.
run "A2UI messages: the daemon's verdicts against the official validator (a2ui-agent-sdk 0.9.0) on scripts/a2ui/corpus.json" 360 \
  python3 scripts/a2ui/differential.py "$BIN"
a2ui_wire() {
  # car-runtime 0.58.0's a2ui helpers, raw subscribers, and the planted route credential.
  local venv
  venv=$(client_058_venv) && python3 scripts/a2ui/wire_acceptance.py "$BIN" "$venv"
}
# 240: the venv look-up (built by the steps above), then the script's 90 s watchdog.
run "A2UI over the wire: the 0.58.0 client, subscribers in order, replay, disconnect, actions, route credentials never emitted" 240 \
  a2ui_wire
# 600: chromium-env.sh's 240 s (apt-get included; +20 s before cdp.py ends it), then the
# test's 240 s watchdog and the browser's and daemon's shutdown.
run "dashboard in headless Chromium (Debian's chromium, installed when absent): render, click -> a2ui.action, render report -> patch, budget, no page JS errors" 600 \
  python3 scripts/dashboard/dashboard_test.py "$BIN"
run "memory: kill -9 during memory.persist, repeatedly" 300 \
  python3 scripts/compat/memory_crash.py "$BIN"
run "proactive memory: maintain idempotent x3, intervene, evaluate (selective beats always-inject), utility weight 0 changes no ranking" 300 \
  python3 scripts/memory/proactive.py "$BIN"
run "skill lifecycle: trials promote the winner and reject the loser for good (across a restart); export -> import on a second daemon, one-byte changes refused" 300 \
  python3 scripts/skills/lifecycle.py "$BIN"
a2a_acceptance() {
  # The official A2A SDK (a2a-sdk 1.3.0, scripts/a2a/a2a-env.sh) as client, peer and oracle.
  # Without its venv (exit 3: PyPI unreachable) it is a skip; any other env failure fails.
  local py status=0
  py=$(A2A_ENV_PIP_TIMEOUT=60 scripts/a2a/a2a-env.sh) || status=$?
  if [ "$status" = 3 ]; then
    echo "SKIP: the a2a-sdk 1.3.0 venv could not be built"
    echo "A2A acceptance: the a2a-sdk 1.3.0 venv could not be built (PyPI unreachable?)" >>"$CAR_SKIP_LOG"
    return 0
  fi
  [ "$status" = 0 ] || { echo "scripts/a2a/a2a-env.sh failed (exit $status)"; return "$status"; }
  python3 scripts/a2a/acceptance.py "$BIN" "$py"
}
# 480: a2a-env.sh (built here the first time: at most 3 pip runs of 60 s; reused, a second),
# then the script's 220 s watchdog.
run "A2A end to end: the a2a-sdk 1.3.0 client on --a2a-bind (1.0, 0.3, bearer), the WebSocket names against the SDK's types, a2a.send to SDK peers and daemon to daemon, A2UI continuations, --a2a-store across kill -9, route secrets never emitted" 480 \
  a2a_acceptance

if [ "${#failed[@]}" != 0 ]; then
  step "${#failed[@]} step(s) FAILED:"
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
if [ -s "$skips" ]; then step "all tests passed, $(wc -l <"$skips") skipped (below)"; else step "all tests passed"; fi
