"""Kill -9 the daemon while it persists memory, again and again: the snapshot must always load,
holding either the previous snapshot's facts or the new one's, never a torn file.

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
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WSClient  # noqa: E402

binary = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 16
rng = random.Random(7)
home = tempfile.mkdtemp(prefix="car-crash.")
snapshot = "crash/snapshot.json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def temporaries():
    """Files an interrupted atomic write left behind (`<file>.tmp-<pid>-<n>`)."""
    return [os.path.join(d, f) for d, _, files in os.walk(home) for f in files if ".tmp-" in f]


def start():
    port = free_port()
    process = subprocess.Popen([binary, "--no-auth", "--uds", "disabled", "--port", str(port), "--log-level", "error"],
                               env={"CAR_HOME": home, "HOME": home, "PATH": "/usr/bin:/bin"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.02)
    process.kill()
    sys.exit("memory_crash: daemon did not start within 10 s")


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

if failures:
    print("memory_crash: FAIL: " + "; ".join(failures))
    sys.exit(1)
print(f"ok  kill -9 during memory.persist, {rounds} rounds: the snapshot always loaded whole "
      f"({loads} loads: the old file survived {outcomes['old']} kills, the new one {outcomes['new']}; "
      f"{swept} leftover temporaries removed at startup)")
