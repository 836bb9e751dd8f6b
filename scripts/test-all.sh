#!/usr/bin/env bash
# Runs every test: the Swift suites (unit, transport, generated conformance), then the
# release build against the official Python clients and the robustness fuzzer.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "optional OCR backend (Tesseract) for the vision.ocr end-to-end test"
scripts/ocr-env.sh

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

step "official clients (car-runtime 0.58.0 and 0.48.0) against the release build"
scripts/client-compat.sh "$BIN"

step "verifier corpus still matches the reference (car_runtime.verify of car-runtime 0.58.0)"
venv=$(scripts/python-env.sh | head -n 1)
"$venv/bin/python" scripts/verify-corpus/record.py --check

step "robustness: random and mutated frames against the release build"
scripts/robustness.sh "$BIN"

step "memory: kill -9 during memory.persist, repeatedly"
timeout 300 python3 scripts/compat/memory_crash.py "$BIN"

step "all tests passed"
