"""Supervisor figures (issue 10, item 8) against a running release daemon.

    agents.py --port PORT --host-token-file FILE [--rounds 200]

- restart latency: an agent (/bin/sleep, restart always, backoff_secs 0) is killed with
  SIGKILL; the figure is the time from the kill to the daemon's agent.started event for its
  replacement, as this client receives it (pidfd wake-up, reap, spawn, event), p50/p99.
- agents.list with 100 agents in the manifest: p50/p99 of the round trip.
- 50 agents started at once: 50 agents.start sent together, until the 50th agent.started event.

Prints one line per figure. Bounded: every wait has a deadline; the agents it made are removed."""
import argparse
import json
import os
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from wsclient import WSClient  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--host-token-file", required=True)
parser.add_argument("--rounds", type=int, default=200)
args = parser.parse_args()

with open(args.host_token_file) as f:
    host_token = f.read().strip()


def connect():
    c = WSClient(args.port, timeout=30)
    reply = c.call("auth", "session.auth", {"host_token": host_token})
    assert reply.get("result", {}).get("ok"), reply
    return c


def call(c, method, params):
    reply = c.call(method, method, params)
    if "error" in reply:
        raise SystemExit(f"{method}: {reply['error']}")
    return reply["result"]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def next_event(c, kind, agent_id, deadline):
    while time.monotonic() < deadline:
        message = c.recv_json(timeout=max(0.01, deadline - time.monotonic()))
        if message and message.get("method") == "host.event":
            event = message["params"]
            if event["kind"] == kind and (agent_id is None or event["agent_id"] == agent_id):
                return event
    raise SystemExit(f"no {kind} for {agent_id} in time")


host = connect()
events = connect()
call(events, "server.handshake", {"protocol_version": 3})
call(events, "host.subscribe", {})
sleeper = {"command": "/bin/sleep", "args": ["100000"], "backoff_secs": 0}

# Restart latency.
call(host, "agents.upsert", dict(sleeper, id="bench-restart", name="restart", restart="always", max_restarts=1_000_000))
agent = call(host, "agents.start", {"id": "bench-restart"})
pid = agent["pid"]
latencies = []
for _ in range(args.rounds):
    started = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    event = next_event(events, "agent.started", "bench-restart", time.monotonic() + 10)
    latencies.append((time.perf_counter() - started) * 1000)
    pid = event["payload"]["pid"]
call(host, "agents.remove", {"id": "bench-restart"})
print(f"restart latency (kill -9 -> replacement's agent.started), {len(latencies)} restarts: "
      f"p50 {statistics.median(latencies):.2f} ms, p99 {percentile(latencies, 99):.2f} ms, max {max(latencies):.2f} ms")

# agents.list with 100 agents.
for index in range(100):
    call(host, "agents.upsert", dict(sleeper, id=f"bench-{index}", name=f"bench {index}", restart="never"))
times = []
for _ in range(300):
    started = time.perf_counter()
    listed = call(host, "agents.list", {})
    times.append((time.perf_counter() - started) * 1000)
assert len(listed) >= 100, len(listed)
print(f"agents.list with {len(listed)} agents, 300 calls: p50 {statistics.median(times):.3f} ms, p99 {percentile(times, 99):.3f} ms")

# 50 agents started at once.
started = time.perf_counter()
for index in range(50):
    host.send_json({"jsonrpc": "2.0", "id": f"start-{index}", "method": "agents.start", "params": {"id": f"bench-{index}"}})
seen = set()
deadline = time.monotonic() + 30
while len(seen) < 50:
    seen.add(next_event(events, "agent.started", None, deadline)["agent_id"])
elapsed = (time.perf_counter() - started) * 1000
for index in range(50):
    host.wait_reply(f"start-{index}", timeout=30)
print(f"50 agents started at once: all 50 agent.started events after {elapsed:.1f} ms")

for index in range(100):
    call(host, "agents.remove", {"id": f"bench-{index}"})
