"""Proactive memory figures (issue 12, item 7) against a running release daemon (--no-auth).

    proactive.py --port PORT [--facts 100000] [--events 10000] [--rounds 300]

- memory.intervene p50/p99 on a graph of --facts facts (one connection's own graph, filled
  with pipelined memory.add_fact batches; one fact in ten procedural, vocabulary of ~1,000
  topics and 50 tools so a query's terms reach a few hundred facts), --rounds calls with
  varied queries and a tool_error trigger.
- memory.maintain {max_recent: N} over an event log of at least --events events (proposals
  whose actions call unregistered tools, rejected with distinct reasons, plus failing tool
  callbacks with distinct errors): the first run (mines and saves) and the median of five
  re-runs over the same events (everything skipped_existing).

Prints one line per figure. Bounded: every wait has a deadline."""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from wsclient import WSClient  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--facts", type=int, default=100_000)
parser.add_argument("--events", type=int, default=10_000)
parser.add_argument("--rounds", type=int, default=300)
args = parser.parse_args()
ids = iter(range(1, 10**9))


def call(c, method, params=None, timeout=120):
    reply = c.call(next(ids), method, params, timeout)
    assert "result" in reply, (method, reply)
    return reply["result"]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# -- intervene on a large graph -----------------------------------------------------------------
with WSClient(args.port, timeout=120) as c:
    started = time.perf_counter()
    for first in range(0, args.facts, 1000):
        batch = []
        for n in range(first, min(first + 1000, args.facts)):
            kind = "procedural" if n % 10 == 0 else "knowledge" if n % 10 == 1 else "pattern"
            batch.append({"jsonrpc": "2.0", "id": n, "method": "memory.add_fact", "params": {
                "subject": f"topic{n % 997}_note", "kind": kind,
                "body": f"fact {n}: tool{n % 50} on topic{n % 997} needs step{n % 13} before release{n % 7}"}})
        c.send_json(batch)
        reply = c.recv_json(120)
        assert isinstance(reply, list) and all("result" in r for r in reply), str(reply)[:300]
    fill = time.perf_counter() - started
    assert call(c, "memory.fact_count") == args.facts
    times = []
    decisions = {"inject": 0, "silent": 0}
    for r in range(args.rounds):
        params = {"query": f"tool{r % 50} failed on topic{(r * 7) % 997} step{r % 13}", "trigger": {"tool_error": True}}
        t0 = time.perf_counter()
        result = call(c, "memory.intervene", params)
        times.append(time.perf_counter() - t0)
        decisions[result["decision"]] += 1
    query_times = []
    for r in range(args.rounds):
        t0 = time.perf_counter()
        call(c, "memory.query", {"query": f"tool{r % 50} failed on topic{(r * 7) % 997} step{r % 13}", "k": 8})
        query_times.append(time.perf_counter() - t0)
    print(f"memory.query k=8, same graph and queries (reference): p50 {statistics.median(query_times) * 1e3:.2f} ms, "
          f"p99 {pct(query_times, 0.99) * 1e3:.2f} ms")
    print(f"memory.intervene on {args.facts:,} facts ({args.rounds} calls, {decisions['inject']} inject / "
          f"{decisions['silent']} silent): p50 {statistics.median(times) * 1e3:.2f} ms, p99 {pct(times, 0.99) * 1e3:.2f} ms "
          f"(graph filled in {fill:.1f} s)")

# -- maintain over a 10k-event log ----------------------------------------------------------------
with WSClient(args.port, timeout=120) as c:
    call(c, "tools.register", [{"name": "flaky"}])
    # Rejected actions: unregistered tools, 100 per proposal, each its own reason.
    proposals = 0
    while call(c, "events.count") < args.events * 0.8:
        pid = next(ids)
        actions = [{"id": f"a{i}", "type": "tool_call", "tool": f"ghost{(proposals * 100 + i) % 2000}", "parameters": {},
                    "failure_behavior": "skip"} for i in range(100)]
        c.send_json({"jsonrpc": "2.0", "id": pid, "method": "proposal.submit",
                     "params": {"proposal": {"id": f"bench-{pid}", "actions": actions}}})
        reply = c.wait_reply(pid, 60)
        assert "result" in reply, reply
        proposals += 1
    # Failed tool calls answered through the callback, distinct errors.
    failed = 0
    while call(c, "events.count") < args.events:
        pid = next(ids)
        actions = [{"id": f"f{i}", "type": "tool_call", "tool": "flaky", "parameters": {"n": i}, "failure_behavior": "skip"}
                   for i in range(20)]
        c.send_json({"jsonrpc": "2.0", "id": pid, "method": "proposal.submit",
                     "params": {"proposal": {"id": f"bench-{pid}", "actions": actions}}})
        deadline = time.monotonic() + 60
        while True:
            message = c.recv_json(max(0.01, deadline - time.monotonic()))
            if message.get("method") == "tools.execute":
                failed += 1
                c.send_json({"jsonrpc": "2.0", "id": message["id"], "result": {"error": f"flaky failure kind {failed % 500}x"}})
            elif message.get("id") == pid:
                break
    count = call(c, "events.count")
    window = min(count, 100_000)
    t0 = time.perf_counter()
    first = call(c, "memory.maintain", {"max_recent": window})
    first_ms = (time.perf_counter() - t0) * 1e3
    again = []
    for _ in range(5):
        t0 = time.perf_counter()
        later = call(c, "memory.maintain", {"max_recent": window})
        again.append((time.perf_counter() - t0) * 1e3)
        assert later["saved"] == 0 and later["skipped_existing"] == first["saved"], later
    print(f"memory.maintain over {first['scanned']:,} events ({count:,} in the log): first run {first_ms:.1f} ms "
          f"(saved {first['saved']} entries), re-run over the same events median {statistics.median(again):.1f} ms "
          f"(all {first['saved']} skipped_existing)")
