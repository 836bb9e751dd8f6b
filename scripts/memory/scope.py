"""The memory scope table on the release binary, in each way its memory mode can be chosen:

    scope.py PATH/TO/car-server

For each launch (no flag; --shared-memory, the old flag, now naming the default;
--standalone-memory; CAR_STANDALONE_MEMORY=1; and CAR_STANDALONE_MEMORY=1 with --shared-memory,
where the flag wins) a daemon of its own (auth off) is started, and over real sockets:
- two unbound connections share one graph (shared launches: each sees the other's fact, a
  connection opened later too) or have one each (standalone launches: neither sees the other's);
- a connection bound by session.auth {memory_namespace} sees none of the unbound facts and adds
  none to them;
- a connection bound by session.auth {agent_id} (the supervised agent of $CAR_HOME/agents.json,
  /bin/true, never restarted) uses that agent's own graph, logged at memory/agents/<id>.jsonl.
Every wait is bounded; prints "ok ..." lines or exits 1 with the reason."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
from wsclient import WSClient  # noqa: E402
from harness import call, fail, ok, start_quiet  # noqa: E402

binary = sys.argv[1]
AGENT, AGENT_TOKEN = "scope-agent", "scope-agent-token-0123456789abcdefghijklmnopqrstu"
LAUNCHES = [
    ("no flag", [], {}, True),
    ("--shared-memory", ["--shared-memory"], {}, True),
    ("--standalone-memory", ["--standalone-memory"], {}, False),
    ("CAR_STANDALONE_MEMORY=1", [], {"CAR_STANDALONE_MEMORY": "1"}, False),
    ("CAR_STANDALONE_MEMORY=1 --shared-memory", ["--shared-memory"], {"CAR_STANDALONE_MEMORY": "1"}, True),
]


def connect(port, **auth):
    c = WSClient(port, timeout=15)
    if auth:
        call(c, "session.auth", auth)
    return c


def count(c):
    return call(c, "memory.fact_count")


def bodies(c, query):
    return [hit["body"] for hit in call(c, "memory.query", {"query": query, "k": 10})]


def check(label, args, env, shared):
    home = tempfile.mkdtemp(prefix="car-scope.")
    with open(os.path.join(home, "agents.json"), "w") as f:
        json.dump({"agents": [{"id": AGENT, "name": "Scope", "command": "/bin/true", "restart": "never", "token": AGENT_TOKEN}]}, f)
    os.chmod(os.path.join(home, "agents.json"), 0o600)
    process, port = start_quiet(binary, home, "scope", args=args, env=env)
    try:
        a, b = connect(port), connect(port)
        if call(a, "memory.add_fact", {"subject": "language", "body": "TypeScript"}) != 1:
            fail(f"{label}: the first fact did not make a graph of 1")
        seen = count(b)
        if seen != (1 if shared else 0):
            fail(f"{label}: a second unbound connection counts {seen} facts, expected {1 if shared else 0} "
                 f"({'one shared graph' if shared else 'a graph of its own'})")
        if ("TypeScript" in bodies(b, "which language?")) != shared:
            fail(f"{label}: memory.query on the second unbound connection: {bodies(b, 'which language?')}")
        a.close()
        late = connect(port)
        if count(late) != (1 if shared else 0):
            fail(f"{label}: a connection opened after the writer left counts {count(late)} facts")

        ns = connect(port, memory_namespace="scope-ns")
        if count(ns) != 0 or bodies(ns, "which language?"):
            fail(f"{label}: a namespace-bound connection sees unbound facts")
        call(ns, "memory.add_fact", {"subject": "language", "body": "Swift"})
        if count(b) != seen or "Swift" in bodies(b, "which language?"):
            fail(f"{label}: a namespace's fact reached an unbound connection")

        agent = connect(port, token=AGENT_TOKEN, agent_id=AGENT)
        if count(agent) != 0:
            fail(f"{label}: an agent-bound connection sees {count(agent)} facts of another graph")
        call(agent, "memory.add_fact", {"subject": "note", "body": "the agent's own"})
        if count(b) != seen or count(ns) != 1:
            fail(f"{label}: the agent's fact reached another graph")
        with open(os.path.join(home, "memory", "agents", f"{AGENT}.jsonl")) as f:
            if "the agent's own" not in f.read():
                fail(f"{label}: the agent's write is not in memory/agents/{AGENT}.jsonl")
        for c in (b, late, ns, agent):
            c.close()
        mode = "one shared graph for unbound connections" if shared else "a graph per unbound connection"
        ok(f"{label}: {mode}; the namespace and the agent ({AGENT}.jsonl) kept graphs of their own")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(home, ignore_errors=True)


for launch in LAUNCHES:
    check(*launch)
print("scope: all checks passed")
