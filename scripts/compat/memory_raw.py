"""Memory scopes and the persist/load sandbox, checked over the wire against a running daemon:

    memory_raw.py --port PORT --token TOKEN --home CAR_HOME

- two connections bound to different namespaces do not see each other's facts; a third bound
  to the first namespace sees them; an unbound connection has a graph of its own;
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
unbound = connect()
if result(unbound.call(4, "memory.fact_count"), "unbound count") != 0:
    fail("an unbound connection sees a namespace's facts")
hits = result(c.call(5, "memory.query", {"query": "which team is the owner?", "k": 3}), "query in Proj-A")
if not hits or hits[0].get("body") != "team alpha":
    fail(f"query in the shared namespace graph: {hits}")
for conn in (a, b, c, unbound):
    conn.close()
print("ok  namespaces: Proj-A and proj-b isolated, a second Proj-A session shares its graph, unbound has its own; "
      "the log %50roj-%41.jsonl held the write before the reply")

# -- sandbox ---------------------------------------------------------------------------------
outside = os.path.join(args.home, "outside")
os.makedirs(outside, exist_ok=True)
link = os.path.join(root, "door")
if not os.path.islink(link):
    os.symlink(outside, link)
s = connect()
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
