"""Kill -9 the daemon while it persists memory, again and again: the snapshot must always load,
holding either the previous snapshot's facts or the new one's, never a torn file. Then the same
for a namespace-bound graph's log: kill -9 during a storm of bound writes (compactions
included), and every write that was answered must be there after the restart.

    memory_crash.py PATH/TO/car-server [ROUNDS]

Each round starts a daemon on a fresh port over the same state root, loads the last good
snapshot, adds a batch of facts (JSON-RPC batches, so thousands go in quickly), asks for
memory.persist and sends SIGKILL a random moment later. The next round's load must succeed
with one of the two counts. Every wait is bounded; prints "ok ..." or exits 1 with the reason."""
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WSClient  # noqa: E402
from harness import start_quiet  # noqa: E402

binary = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 16
rng = random.Random(7)
home = tempfile.mkdtemp(prefix="car-crash.")
snapshot = "crash/snapshot.json"


def temporaries():
    """Files an interrupted atomic write left behind (`<file>.tmp-<pid>-<n>`)."""
    return [os.path.join(d, f) for d, _, files in os.walk(home) for f in files if ".tmp-" in f]


def start():
    return start_quiet(binary, home, "memory_crash")


def add_facts(client, start_index, count):
    for first in range(start_index, start_index + count, 1000):
        batch = [{"jsonrpc": "2.0", "id": n, "method": "memory.add_fact",
                  "params": {"subject": f"subject_{n}", "body": f"fact number {n} about topic {n % 97}", "kind": "pattern"}}
                 for n in range(first, min(first + 1000, start_index + count))]
        client.send_json(batch)
        reply = client.recv_json(30)
        if not isinstance(reply, list) or any("result" not in r for r in reply):
            sys.exit(f"memory_crash: batch add failed: {json.dumps(reply)[:300]}")


failures = []
expected = set()  # the counts the snapshot may hold when next loaded
loads = 0
outcomes = {"old": 0, "new": 0}  # which file survived each kill: both must be seen for the test to mean much
pending = None  # (old count, new count) of the last killed persist
swept = 0  # temporaries killed writes left, each removed by the next daemon's startup
try:
    dead_pid = None
    for round_ in range(rounds):
        # Leftovers of the kill, aged as if the machine had rebooted an hour later (the sweep
        # spares a file written to within the last seconds: it may be another writer's), plus
        # one planted with a dead writer's pid so every start has something to remove.
        if dead_pid is not None:
            os.makedirs(os.path.join(home, "memory", "crash"), exist_ok=True)
            open(os.path.join(home, "memory", "crash", f"planted.json.tmp-{dead_pid}-1"), "w").close()
        leftovers = temporaries()
        for path in leftovers:
            os.utime(path, (time.time() - 3600, time.time() - 3600))
        swept += len(leftovers)
        process, port = start()
        if temporaries():
            failures.append(f"round {round_}: the daemon started with stale temporaries in place: {temporaries()}")
            break
        with WSClient(port, timeout=30) as c:
            loaded = 0
            if expected:
                reply = c.call(1, "memory.load", {"path": snapshot})
                loaded = reply.get("result")
                loads += 1
                if loaded not in expected:
                    failures.append(f"round {round_}: load gave {json.dumps(reply)[:200]}, expected one of {sorted(expected)}")
                    break
                if pending:
                    outcomes["new" if loaded == pending[1] else "old"] += 1
            new_total = loaded + rng.randint(2_000, 8_000)
            add_facts(c, loaded, new_total - loaded)
            if not expected:
                # A first clean snapshot, so every later round has an old file to fall back to.
                if c.call(2, "memory.persist", {"path": snapshot}).get("result") != new_total:
                    failures.append("round 0: persist did not report the fact count")
                    break
                expected = {new_total}
            else:
                c.send_json({"jsonrpc": "2.0", "id": 3, "method": "memory.persist", "params": {"path": snapshot}})
                time.sleep(rng.uniform(0, 0.15))
                expected = {loaded, new_total}
                pending = (loaded, new_total)
        process.send_signal(signal.SIGKILL)
        process.wait(5)
        dead_pid = process.pid
    if not failures and swept < rounds - 1:
        failures.append(f"only {swept} temporaries were there to sweep over {rounds} starts")
    if not failures:
        process, port = start()
        with WSClient(port, timeout=30) as c:
            reply = c.call(1, "memory.load", {"path": snapshot})
            loads += 1
            if reply.get("result") not in expected:
                failures.append(f"final load gave {json.dumps(reply)[:200]}, expected one of {sorted(expected)}")
        process.kill()
        process.wait(5)
finally:
    shutil.rmtree(home, ignore_errors=True)



def replay_log(path):
    """The facts a memory log holds, read the way the daemon replays it (see MemoryLogRecord)."""
    facts = {}
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    if lines and lines[-1]:
        raise ValueError(f"{path} ends in a torn line after the daemon loaded it")
    for number, line in enumerate(lines[:-1], 1):
        record = json.loads(line)
        op = record["op"]
        if op == "put":
            facts.pop(record["fact"]["id"], None)
            facts[record["fact"]["id"]] = record["fact"]["body"]
        elif op == "delete":
            for fact_id in record["ids"]:
                facts.pop(fact_id, None)
        elif op == "reset":
            facts = {f["id"]: f["body"] for f in record["facts"]}
        elif op != "skills":
            raise ValueError(f"{path} line {number}: unknown op {op}")
    return facts


def namespace_storm(rounds):
    """Bound writes pipelined 64 at a time, a third new facts and two thirds replacing one of
    50 hot ids (so the log grows past twice the graph and compacts), killed at a random moment.
    After each restart the graph must hold every answered write: each answered new fact, and
    for each hot id the last answered body or a later one sent before the kill."""
    log = os.path.join(home, "memory", "memory-namespaces", "crash-ns.jsonl")
    answered_new, sent_new = set(), set()
    hot_answered, hot_sent = {}, {}  # hot id -> [bodies in send order]; answered: the last answered index
    serial = 0
    compacted = 0  # rounds whose log had been compacted (it starts with a reset line)
    for round_ in range(rounds):
        process, port = start()
        with WSClient(port, timeout=30) as c:
            reply = c.call(0, "session.auth", {"memory_namespace": "crash-ns"})
            if "result" not in reply:
                return f"round {round_}: bind after the kill failed: {json.dumps(reply)[:300]}"
            count = c.call(1, "memory.fact_count").get("result")
            facts = replay_log(log) if os.path.exists(log) else {}
            if count != len(facts):
                return f"round {round_}: the daemon holds {count} facts, its log {len(facts)}"
            missing = [i for i in answered_new if i not in facts]
            if missing:
                return f"round {round_}: answered writes lost after kill -9: {sorted(missing)[:5]}"
            for hot, index in hot_answered.items():
                if facts.get(hot) not in hot_sent[hot][index:]:
                    return f"round {round_}: {hot} holds {facts.get(hot)!r}, answered {hot_sent[hot][index]!r}"
            kill_at = time.monotonic() + rng.uniform(0.2, 1.2)
            try:
                while time.monotonic() < kill_at:
                    window = {}
                    batch_size = 64
                    for _ in range(batch_size):
                        serial += 1
                        if serial % 3 == 0:
                            fact_id = f"f-{serial}"
                            sent_new.add(fact_id)
                            window[serial] = ("new", fact_id)
                            params = {"subject": "storm", "body": f"new {serial}", "fact_id": fact_id}
                        else:
                            hot = f"hot-{serial % 50}"
                            hot_sent.setdefault(hot, []).append(f"v{serial}")
                            window[serial] = ("hot", hot, len(hot_sent[hot]) - 1)
                            params = {"subject": "hot", "body": f"v{serial}", "fact_id": hot}
                        c.send_json({"jsonrpc": "2.0", "id": serial, "method": "memory.add_fact", "params": params})
                    for _ in range(batch_size):
                        reply = c.recv_json(30)
                        entry = window.get(reply.get("id"))
                        if entry is None or "result" not in reply:
                            return f"round {round_}: a bound write failed: {json.dumps(reply)[:300]}"
                        if entry[0] == "new":
                            answered_new.add(entry[1])
                        else:
                            hot_answered[entry[1]] = max(hot_answered.get(entry[1], 0), entry[2])
                    if time.monotonic() >= kill_at - 0.05:
                        break
                # Kill with writes in flight: the next window is sent, not read.
                for _ in range(32):
                    serial += 1
                    c.send_json({"jsonrpc": "2.0", "id": serial, "method": "memory.add_fact",
                                 "params": {"subject": "storm", "body": f"unanswered {serial}", "fact_id": f"u-{serial}"}})
                time.sleep(rng.uniform(0, 0.01))
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(5)
        if os.path.exists(log):
            with open(log, "rb") as handle:
                first = handle.readline()
            compacted += first.endswith(b"\n") and json.loads(first).get("op") == "reset"
    process, port = start()
    try:
        with WSClient(port, timeout=30) as c:
            if "result" not in c.call(0, "session.auth", {"memory_namespace": "crash-ns"}):
                return "final bind failed"
            facts = replay_log(log)
            missing = [i for i in answered_new if i not in facts]
            if missing:
                return f"final: answered writes lost: {sorted(missing)[:5]}"
    finally:
        process.kill()
        process.wait(5)
    global storm_summary
    storm_summary = (f"{len(answered_new)} answered new facts and {sum(len(v) for v in hot_sent.values())} "
                     f"replacements over {rounds} kills; the log had been compacted in {compacted} of them")
    return None


storm_summary = ""
if not failures:
    home = tempfile.mkdtemp(prefix="car-crash-ns.")
    try:
        problem = namespace_storm(max(4, rounds // 2))
        if problem:
            failures.append("namespace log: " + problem)
    finally:
        shutil.rmtree(home, ignore_errors=True)

if failures:
    print("memory_crash: FAIL: " + "; ".join(failures))
    sys.exit(1)
print(f"ok  kill -9 during bound writes to a namespace log: every answered write was there after each restart "
      f"({storm_summary})")
print(f"ok  kill -9 during memory.persist, {rounds} rounds: the snapshot always loaded whole "
      f"({loads} loads: the old file survived {outcomes['old']} kills, the new one {outcomes['new']}; "
      f"{swept} leftover temporaries removed at startup)")
