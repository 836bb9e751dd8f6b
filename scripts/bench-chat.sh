#!/usr/bin/env bash
# Chat relay figures (issue 11, item 7): token-event relay latency against server.ping on the
# same host connection, events/s for 10 concurrent chats, daemon RSS per open chat session;
# against the release car-server in a fresh CAR_HOME (auth on). The manifest lists ten agents
# (bench-0 .. bench-9, command /bin/true, never started): scripts/bench/chat.py attaches as
# them itself. Daemon on CPU 0 and the client on CPU 1 when taskset exists.
#   scripts/bench-chat.sh PATH/TO/car-server [ROUNDS]
# Bounded: a few seconds of work, the client is killed after 180 s; the daemon and its state
# root are removed on exit.
set -euo pipefail
bin=${1:?usage: scripts/bench-chat.sh PATH/TO/car-server [ROUNDS]}
rounds=${2:-2000}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
server_cpu=() client_cpu=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0); client_cpu=(taskset -c 1); fi
home=$(mktemp -d)
pid= client=
trap '[ -n "$client" ] && kill $client 2>/dev/null; [ -n "$pid" ] && { kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; rm -rf "$home"' EXIT
agent_token=$(python3 -c 'import secrets; print("bench-" + secrets.token_urlsafe(40))')
python3 - "$home/agents.json" "$agent_token" <<'PY'
import json, os, sys
path, token = sys.argv[1], sys.argv[2]
agents = [{"id": f"bench-{i}", "name": f"Bench {i}", "command": "/bin/true", "restart": "never", "token": token}
          for i in range(10)]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump({"agents": agents}, f)
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CAR_HOME=$home "${server_cpu[@]}" "$bin" --uds disabled --port "$port" --log-level error >"$home/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
echo "car-server: $bin; $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average $(cut -d" " -f1-3 /proc/loadavg)"
status=0
"${client_cpu[@]}" timeout 180 python3 scripts/bench/chat.py --port "$port" --home "$home" --pid "$pid" \
  --agent-token "$agent_token" --rounds "$rounds" &
client=$!
wait $client || status=$?
client=
if ! kill -0 "$pid" 2>/dev/null; then echo "car-server exited during the bench"; status=1; fi
if [ -s "$home/daemon.log" ]; then echo "daemon log:"; sed 's/^/  /' "$home/daemon.log" | tail -n 40; fi
exit $status
