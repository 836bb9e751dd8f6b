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
failed=()
run() {  # TITLE COMMAND...
  step "$1"
  shift
  "$@" || { echo "FAILED: $*"; failed+=("$*"); }
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

run "official clients (car-runtime 0.58.0 and 0.48.0) against the release build" \
  scripts/client-compat.sh "$BIN"
run "verifier corpus still matches the reference (car_runtime.verify of car-runtime 0.58.0)" \
  verify_corpus
run "hostile clients: one check per way a hostile client broke the daemon (scripts/hostile/)" \
  scripts/hostile.sh "$BIN"
run "robustness: random and mutated frames, batches and pre-auth traffic against the release build" \
  scripts/robustness.sh "$BIN"
agents_lifecycle() {
  # The agent program runs on the official client car-runtime 0.58.0 (python-env.sh's first venv).
  local venv
  venv=$(client_058_venv) && timeout 300 python3 scripts/agents/lifecycle.py "$BIN" "$venv/bin/python"
}
run "supervised agents end to end: life cycle, observer, crash loop, orphans, identity, memory crash safety" \
  agents_lifecycle
chat_acceptance() {
  # The chat agent runs on the official client car-runtime 0.58.0, supervised by the daemon.
  local venv
  venv=$(client_058_venv) && timeout 300 python3 scripts/chat/acceptance.py "$BIN" "$venv/bin/python"
}
run "agent chat routing end to end: streams, two hosts, cancel, approvals, injection, dead and silent agents, goals" \
  chat_acceptance
run "memory scope: unbound sessions share one graph by default (and with --shared-memory), one each with --standalone-memory or CAR_STANDALONE_MEMORY=1; namespace and agent graphs stay apart" \
  timeout 300 python3 scripts/memory/scope.py "$BIN"
mcp_acceptance() {
  # The official MCP SDK clients (mcp 2.3.0 and 1.30.0, scripts/mcp/mcp-env.sh) and, on the
  # WebSocket side, car-runtime 0.58.0. Without those venvs (PyPI unreachable) it is a skip.
  local mcp car
  if ! mcp=$(scripts/mcp/mcp-env.sh) || ! car=$(client_058_venv); then
    echo "SKIP: the mcp 2.3.0 / 1.30.0 or car-runtime 0.58.0 venvs could not be built"
    echo "MCP acceptance: the mcp 2.3.0 / 1.30.0 or car-runtime 0.58.0 venvs could not be built (PyPI unreachable?)" >>"$CAR_SKIP_LOG"
    return 0
  fi
  timeout 300 python3 scripts/mcp/acceptance.py "$BIN" "${mcp%%$'\n'*}/bin/python" "${mcp##*$'\n'}/bin/python" "$car/bin/python"
}
run "MCP endpoint end to end: the mcp 2.3.0 and 1.30.0 SDK clients, one memory graph with WebSocket, 404 recovery, auth, origin, limits, timeouts" \
  mcp_acceptance
run "A2UI messages: the daemon's verdicts against the official validator (a2ui-agent-sdk 0.9.0) on scripts/a2ui/corpus.json" \
  timeout 300 python3 scripts/a2ui/differential.py "$BIN"
a2ui_wire() {
  # car-runtime 0.58.0's a2ui helpers, raw subscribers, and the planted route credential.
  local venv
  venv=$(client_058_venv) && timeout 300 python3 scripts/a2ui/wire_acceptance.py "$BIN" "$venv"
}
run "A2UI over the wire: the 0.58.0 client, subscribers in order, replay, disconnect, actions, route credentials never emitted" \
  a2ui_wire
run "dashboard in headless Chromium (Debian's chromium, installed when absent): render, click -> a2ui.action, render report -> patch, budget" \
  timeout 600 python3 scripts/dashboard/dashboard_test.py "$BIN"
run "memory: kill -9 during memory.persist, repeatedly" \
  timeout 300 python3 scripts/compat/memory_crash.py "$BIN"
run "proactive memory: maintain idempotent x3, intervene, evaluate (selective beats always-inject), utility weight 0 changes no ranking" \
  timeout 300 python3 scripts/memory/proactive.py "$BIN"
run "skill lifecycle: trials promote the winner and reject the loser for good (across a restart); export -> import on a second daemon, one-byte changes refused" \
  timeout 300 python3 scripts/skills/lifecycle.py "$BIN"

if [ "${#failed[@]}" != 0 ]; then
  step "${#failed[@]} step(s) FAILED:"
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
if [ -s "$skips" ]; then step "all tests passed, $(wc -l <"$skips") skipped (below)"; else step "all tests passed"; fi
