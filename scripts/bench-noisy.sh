#!/usr/bin/env bash
# The noisy-neighbour figure (issue 9, item 12): server.ping p50/p99 on one connection while
# another sends the worst request the limits still allow, one case per kind (target p99 <= 2 ms).
#   scripts/bench-noisy.sh PATH/TO/car-server [SECONDS_PER_CASE] [CASE,CASE,...]
# Uses the binary as given (build it with `swift build -c release` first). Starts two daemons
# on CPU 0 (when taskset exists): a --no-auth one (start_daemon from bench-daemon.sh) and an
# auth-on one with --no-approvals and a fake slow `tesseract` first on its PATH, for the OCR
# and pre-auth storm cases. The client runs on CPU 1. Bounded: 9 cases of a few seconds each,
# under 2 minutes in all; stops both daemons and removes their files on exit.
set -euo pipefail
bin=${1:?usage: scripts/bench-noisy.sh PATH/TO/car-server [SECONDS_PER_CASE]}
seconds=${2:-3}
cases=${3:-baseline,frame16m,interp,notify,batch1k,verify500,verify500d,ocr,preauth}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
source scripts/bench-daemon.sh

# The fake tesseract: 0.5 s of sleep, then a one-word TSV (as scripts/hostile/slow_tesseract.py).
fake=$(mktemp -d)
cat >"$fake/tesseract" <<'SH'
#!/bin/sh
sleep 0.5
printf 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n'
printf '1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t\n'
printf '5\t1\t1\t1\t1\t1\t20\t30\t60\t20\t96.5\tnoisy\n'
SH
chmod +x "$fake/tesseract"
printf '\x89PNG\r\n\x1a\n not really an image; the fake does not read it' >"$fake/image.png"

# The auth-on daemon first (start_daemon's EXIT trap is replaced below to stop both).
ocr_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ocr_home=$(mktemp -d)
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
CAR_HOME=$ocr_home PATH="$fake:$PATH" "${server_cpu[@]}" "$bin" --no-approvals --auth-token "$token" \
  --uds disabled --port "$ocr_port" --log-level error >/dev/null 2>&1 &
ocr_pid=$!
cleanup_paths=("$fake" "$ocr_home")
start_daemon "$bin" "${server_cpu[@]}"
trap 'kill $pid $ocr_pid 2>/dev/null || true; wait $pid $ocr_pid 2>/dev/null || true; rm -rf "$home" "${cleanup_paths[@]}"' EXIT
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$ocr_port") 2>/dev/null && break; sleep 0.1; done

echo "car-server: $bin ($("$bin" --version 2>/dev/null || echo '?')); $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs"
"${client_cpu[@]}" timeout 150 python3 scripts/bench/noisy.py --port "$port" --ocr-port "$ocr_port" \
  --token="$token" --image "$fake/image.png" --seconds "$seconds" --cases "$cases"
