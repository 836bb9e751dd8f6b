"""Memory scopes and the persist/load sandbox, checked over the wire against a running daemon:

    memory_raw.py --port PORT --token TOKEN --home CAR_HOME

- the daemon's default scope table: two unbound connections share the daemon's single graph
  (each sees the other's facts), memory.persist from one writes all of it and memory.load from
  another resets it for both; two connections bound to different namespaces do not see each
  other's facts, nor the shared graph, nor does the shared graph see theirs; a third bound to
  the first namespace sees its facts;
- a bound write is in its log (memory/memory-namespaces/<encoded>.jsonl) before its reply;
- persist/load refuse '..', absolute paths outside the memory root and links leading out, with
  an error naming the path; a relative path lands under the root.
Prints "ok ..." lines; exits 1 with the reason on the first failure."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WSClient  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--home", required=True)
args = parser.parse_args()
root = os.path.join(args.home, "memory")


def fail(reason):
    print(f"memory_raw: FAIL: {reason}")
    sys.exit(1)


def connect(namespace=None):
    c = WSClient(args.port, timeout=10)
    params = {"token": args.token}
    if namespace is not None:
        params["memory_namespace"] = namespace
    reply = c.call(0, "session.auth", params)
    if reply.get("result", {}).get("ok") is not True:
        fail(f"auth with namespace {namespace!r}: {reply}")
    if namespace and reply["result"].get("memory_namespace") != namespace:
        fail(f"session.auth does not echo the bound namespace: {reply}")
    return c


def result(reply, what):
    if "result" not in reply:
        fail(f"{what}: {json.dumps(reply)[:300]}")
    return reply["result"]


def count(conn, what):
    return result(conn.call(9, "memory.fact_count"), what)


# -- the shared graph of unbound sessions -----------------------------------------------------
# Other checks of client-compat.sh use this daemon before and after, unbound, so the shared
# graph's size is whatever it is when this starts: counts here are relative to it.
u1, u2 = connect(), connect()
base = count(u1, "unbound count")
if count(u2, "a second unbound count") != base:
    fail(f"two unbound connections see different graphs: {base} and {count(u2, 'again')} facts")
if result(u1.call(1, "memory.add_fact", {"subject": "shared_probe", "body": "written by the first unbound connection"}),
          "add to the shared graph") != base + 1:
    fail("memory.add_fact on the shared graph did not answer its new size")
if count(u2, "count after the other's write") != base + 1:
    fail("an unbound connection does not see another unbound connection's fact (the shared graph is the default)")
hits = result(u2.call(2, "memory.query", {"query": "shared_probe written by the first unbound connection", "k": 3}), "query")
if not any(h.get("body") == "written by the first unbound connection" for h in hits):
    fail(f"memory.query on the second connection does not find the first one's fact: {hits}")
if result(u2.call(3, "memory.persist", {"path": "scope/shared.json"}), "persist the shared graph") != base + 1:
    fail("memory.persist on an unbound connection did not write the whole shared graph")
result(u1.call(4, "memory.add_fact", {"subject": "after_persist", "body": "dropped by the load"}), "add after persist")
if result(u1.call(5, "memory.load", {"path": "scope/shared.json"}), "load into the shared graph") != base + 1:
    fail("memory.load did not answer the snapshot's count")
if count(u2, "count after the other's load") != base + 1:
    fail("memory.load on one unbound connection did not reset the shared graph the other one uses")
print(f"ok  shared graph: two unbound connections see each other's facts ({base} -> {base + 1}); persist wrote all of "
      f"it; a load from one reset it for the other")

# -- namespaces ------------------------------------------------------------------------------
a, b = connect("Proj-A"), connect("proj-b")
result(a.call(1, "memory.add_fact", {"subject": "owner", "body": "team alpha", "kind": "pattern"}), "add to Proj-A")
snapshot = os.path.join(root, "memory-namespaces", "%50roj-%41.jsonl")
if not os.path.isfile(snapshot):
    fail(f"the bound write's reply came before its log {snapshot} existed")
with open(snapshot) as handle:
    if "team alpha" not in handle.read():
        fail("the namespace log does not hold the fact")
if result(b.call(2, "memory.fact_count"), "count in proj-b") != 0:
    fail("proj-b sees Proj-A's fact")
c = connect("Proj-A")
if result(c.call(3, "memory.fact_count"), "count in a second Proj-A session") != 1:
    fail("a second session bound to Proj-A does not see its fact")
if count(u1, "unbound count after namespace writes") != base + 1:
    fail("a namespace's write changed the shared graph of unbound connections")
hits = result(u1.call(6, "memory.query", {"query": "which team is the owner?", "k": 10}), "unbound query")
if any(h.get("body") == "team alpha" for h in hits):
    fail("an unbound connection sees a namespace's facts")
if count(a, "Proj-A count") != 1:
    fail("a namespace sees the shared graph's facts")
hits = result(c.call(5, "memory.query", {"query": "which team is the owner?", "k": 3}), "query in Proj-A")
if not hits or hits[0].get("body") != "team alpha":
    fail(f"query in the namespace graph Proj-A: {hits}")
for conn in (a, b, c, u1, u2):
    conn.close()
print("ok  namespaces: Proj-A and proj-b isolated from each other and from the shared graph, a second Proj-A session "
      "shares its graph; the log %50roj-%41.jsonl held the write before the reply")

# -- sandbox ---------------------------------------------------------------------------------
outside = os.path.join(args.home, "outside")
os.makedirs(outside, exist_ok=True)
link = os.path.join(root, "door")
if not os.path.islink(link):
    os.symlink(outside, link)
# On a namespace of its own, so the counts below are this check's alone.
s = connect("sandbox-check")
result(s.call(1, "memory.add_fact", {"subject": "s", "body": "b"}), "add")
for path in ["../escape.json", "a/../../escape.json", os.path.join(outside, "x.json"), "/etc/car-memory.json",
             "door/x.json", os.path.join(root, "door", "y.json")]:
    reply = s.call(2, "memory.persist", {"path": path})
    error = reply.get("error") or {}
    if error.get("code") != -32602 or path not in error.get("message", ""):
        fail(f"persist {path!r} answered {json.dumps(reply)[:300]}; expected -32602 naming the path")
    reply = s.call(3, "memory.load", {"path": path})
    if (reply.get("error") or {}).get("code") != -32602:
        fail(f"load {path!r} answered {json.dumps(reply)[:300]}")
if os.listdir(outside):
    fail(f"something was written outside the memory root: {os.listdir(outside)}")
if result(s.call(4, "memory.persist", {"path": "nested/dir/snap.json"}), "relative persist") != 1:
    fail("a relative persist did not write the one fact")
if not os.path.isfile(os.path.join(root, "nested", "dir", "snap.json")):
    fail("a relative path did not land under the memory root")
if result(s.call(5, "memory.load", {"path": os.path.join(root, "nested", "dir", "snap.json")}), "absolute load inside") != 1:
    fail("an absolute path inside the root did not load")
s.close()
print("ok  sandbox: '..', absolute paths outside, and a link leading out are refused naming the path; "
      "relative paths land under the memory root")
print("memory_raw: ok")
