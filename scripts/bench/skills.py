"""skills.gate over 10,000 candidates (issue 12, item 7), driven by scripts/bench-skills.sh.

    skills.py PORT [CANDIDATES] [ROUNDS]

Each round, on a fresh graph: 5,000 incumbents (skills.ingest_distilled, one success each), then
CANDIDATES provisional candidates in one skills.ingest_provisional call (half for the
incumbents' bases, half for new ones), five outcomes reported on every candidate (JSON-RPC
batches of 1,000 skill.report; winners 5/5, losers 0/5, alternating), then one skills.gate
call, timed. While the gate runs, a second connection pings every 2 ms; its worst round trip
says whether the gate held the event loop. Both graphs are measured: the connection's own
(no log; the daemon runs with --standalone-memory for that, since by default unbound connections
share one graph) and a namespace-bound one (the gate's one log line, fsynced before the reply).
Prints one line per figure."""
import statistics
import sys
import threading
import time
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from wsclient import WSClient  # noqa: E402

port = int(sys.argv[1])
candidates = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
INCUMBENTS = candidates // 2
next_id = [0]


def call(client, method, params=None, timeout=120):
    next_id[0] += 1
    reply = client.call(next_id[0], method, params, timeout=timeout)
    if "result" not in reply:
        sys.exit(f"bench-skills: {method} failed: {str(reply)[:300]}")
    return reply["result"]


def batch(client, requests, timeout=120):
    client.send_json(requests)
    replies = client.recv_json(timeout)
    if not isinstance(replies, list) or any("result" not in r for r in replies):
        sys.exit(f"bench-skills: a batch failed: {str(replies)[:300]}")


def pinger(stop, worst, samples):
    client = WSClient(port=port, timeout=10)
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        client.call(f"p{n}", "server.ping", None, timeout=30)
        elapsed = time.perf_counter() - started
        samples.append(elapsed)
        worst[0] = max(worst[0], elapsed)
        time.sleep(0.002)
    client.close()


def one_round(round_number, namespace):
    client = WSClient(port=port, timeout=30)
    if namespace:
        call(client, "session.auth", {"memory_namespace": f"bench-skills-{round_number}"})
    started = time.perf_counter()
    call(client, "skills.ingest_distilled", {"skills": [
        {"name": f"skill_{i}", "domain": f"d{i % 50}", "code": f"incumbent({i})"} for i in range(INCUMBENTS)]})
    reports = [{"jsonrpc": "2.0", "id": f"i{i}", "method": "skill.report",
                "params": {"skill_name": f"skill_{i}", "outcome": "success"}} for i in range(INCUMBENTS)]
    for first in range(0, len(reports), 1000):
        batch(client, reports[first:first + 1000])
    ingest_started = time.perf_counter()
    got = call(client, "skills.ingest_provisional", {"skills": [
        {"name": f"skill_{i}", "domain": f"d{i % 50}", "description": "a candidate edit",
         "code": f"candidate({i}) # " + "x" * 40} for i in range(candidates)]})
    ingest = time.perf_counter() - ingest_started
    assert got["ingested"] == candidates, got
    reports = []
    for i in range(candidates):
        outcome = "success" if i % 2 == 0 else "failure"
        reports += [{"jsonrpc": "2.0", "id": f"r{i}-{k}", "method": "skill.report",
                     "params": {"skill_name": f"skill_{i}@cand", "outcome": outcome}} for k in range(5)]
    report_started = time.perf_counter()
    for first in range(0, len(reports), 1000):
        batch(client, reports[first:first + 1000])
    report_time = time.perf_counter() - report_started
    setup = time.perf_counter() - started

    stop, worst, samples = threading.Event(), [0.0], []
    thread = threading.Thread(target=pinger, args=(stop, worst, samples))
    thread.start()
    time.sleep(0.1)
    before = len(samples)
    gate_started = time.perf_counter()
    result = call(client, "skills.gate")
    gate = time.perf_counter() - gate_started
    during = samples[before:]
    stop.set()
    thread.join(timeout=30)
    assert len(result["promoted"]) == candidates // 2 and len(result["rejected"]) == candidates - candidates // 2, \
        (len(result["promoted"]), len(result["rejected"]))
    events = call(client, "events.count")
    client.close()
    return {"gate": gate, "ingest": ingest, "reports": len(reports) / report_time, "setup": setup,
            "ping_worst": max(during) if during else worst[0], "pings": len(during), "events": events}


for namespace in (False, True):
    label = "namespace-bound graph (logged, fsync)" if namespace else "connection graph (no log)"
    runs = [one_round(r + (100 if namespace else 0), namespace) for r in range(rounds)]
    gates = sorted(r["gate"] * 1000 for r in runs)
    print(f"{label}: {candidates} candidates, {INCUMBENTS} incumbents, {rounds} rounds")
    print(f"  skills.gate wall time (client round trip): median {statistics.median(gates):.1f} ms "
          f"(best {gates[0]:.1f}, worst {gates[-1]:.1f})")
    print(f"  resolved per second: {candidates / (statistics.median(gates) / 1000):,.0f}")
    print(f"  server.ping on another connection during the gate: worst {max(r['ping_worst'] for r in runs) * 1000:.2f} ms "
          f"({sum(r['pings'] for r in runs)} pings)")
    print(f"  skills.ingest_provisional of {candidates}: median {statistics.median(r['ingest'] for r in runs) * 1000:.1f} ms")
    print(f"  skill.report (batches of 1,000): median {statistics.median(r['reports'] for r in runs):,.0f} calls/s")
    print(f"  events in the session's log after the gate: {runs[-1]['events']}")
