"""Runtime behaviour the official clients cannot show (they answer callbacks one at a time),
checked with our own raw WebSocket client against a running daemon:

    runtime_raw.py --port PORT --token TOKEN --pid PID

- independent actions overlap: every tools.execute of a level arrives before any is answered;
- $<id>.output interpolation, and the callback shape (request_id equal to the JSON-RPC id);
- retries: attempts 1, 2, 3 reach the client, cost.retries counts them;
- a tool answering a JSON-RPC error, or a {"error": ...} payload, fails its action;
- timeout: no answer within timeout_ms + grace gives tools.cancel with the same request_id,
  and the action fails;
- a disconnect mid-proposal frees everything: the daemon keeps serving, no descriptor leaks;
- 1,000 proposals in a row leave no growth in open files and bounded growth in memory.
Every wait is bounded. Prints "ok ..." lines; exits 1 with the reason on the first failure."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc import open_fds, rss_kib  # noqa: E402
from wsclient import WSClient, Closed  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--pid", type=int, required=True)
args = parser.parse_args()


def fail(reason):
    print(f"runtime_raw: FAIL: {reason}")
    sys.exit(1)


def connect(tools=("t",)):
    c = WSClient(args.port, timeout=10)
    reply = c.call(0, "session.auth", {"token": args.token})
    if reply.get("result", {}).get("ok") is not True:
        fail(f"auth: {reply}")
    if tools:
        reply = c.call(1, "tools.register", [{"name": name} for name in tools])
        if reply.get("result") != len(tools):
            fail(f"tools.register: {reply}")
    return c


def submit(c, id_, actions, **extra):
    c.send_json({"jsonrpc": "2.0", "id": id_, "method": "proposal.submit",
                 "params": {"proposal": {"id": f"p-{id_}", "actions": actions}, **extra}})


def next_callback(c, timeout=5.0):
    """The next server→client request (tools.execute); other messages are an error here."""
    message = c.recv_json(timeout)
    if message.get("method") != "tools.execute":
        fail(f"expected a tools.execute request, got {json.dumps(message)[:300]}")
    params = message["params"]
    if params.get("request_id") != message.get("id"):
        fail(f"request_id {params.get('request_id')!r} differs from the JSON-RPC id {message.get('id')!r}")
    return message


def answer(c, callback, result=None, error=None):
    reply = {"jsonrpc": "2.0", "id": callback["id"]}
    if error is not None:
        reply["error"] = error
    else:
        reply["result"] = result
    c.send_json(reply)


def final(c, id_, timeout=10.0):
    reply = c.wait_reply(id_, timeout)
    if "result" not in reply:
        fail(f"proposal.submit {id_} answered {reply}")
    return reply["result"]


def statuses(result):
    return {r["action_id"]: r["status"] for r in result["results"]}


def tool(id_, **fields):
    return {"id": id_, "type": "tool_call", "tool": fields.pop("tool", "t"), "parameters": fields.pop("parameters", {}), **fields}


# -- concurrency ------------------------------------------------------------------------------
c = connect()
submit(c, 10, [tool("a", parameters={"n": 1}), tool("b", parameters={"n": 2}), tool("c", parameters={"n": 3})])
seen = [next_callback(c) for _ in range(3)]  # all three arrive before we answer any
if sorted(m["params"]["action_id"] for m in seen) != ["a", "b", "c"]:
    fail(f"overlap: got {[m['params'] for m in seen]}")
for m in seen:
    answer(c, m, {"n": m["params"]["parameters"]["n"]})
result = final(c, 10)
if statuses(result) != {"a": "succeeded", "b": "succeeded", "c": "succeeded"}:
    fail(f"overlap statuses {result}")
print("ok  three independent actions were all in flight at once (3 tools.execute before any answer)")

# -- interpolation and the callback shape --------------------------------------------------------
submit(c, 11, [tool("first"), tool("second", dependencies=["first"],
                                   parameters={"v": "$first.output.v", "all": "$first.output", "text": "name=$first.output.name"})])
m = next_callback(c)
p = m["params"]
for key in ("action_id", "tool", "parameters", "timeout_ms", "attempt", "request_id"):
    if key not in p:
        fail(f"tools.execute params lack {key}: {p}")
if p["action_id"] != "first" or p["attempt"] != 1 or not str(m["id"]).startswith("cb-"):
    fail(f"callback shape {m}")
answer(c, m, {"v": 42, "name": "car"})
m = next_callback(c)
if m["params"]["parameters"] != {"v": 42, "all": {"v": 42, "name": "car"}, "text": "name=car"}:
    fail(f"interpolation gave {m['params']['parameters']}")
answer(c, m, "done")
result = final(c, 11)
if statuses(result) != {"first": "succeeded", "second": "succeeded"}:
    fail(f"interpolation statuses {result}")
print("ok  $first.output interpolation (whole value, member, inside text); request_id == JSON-RPC id")

# -- retries ---------------------------------------------------------------------------------------
submit(c, 12, [tool("flaky", failure_behavior="retry", max_retries=2)])
attempts = []
for n in range(3):
    m = next_callback(c)
    attempts.append(m["params"]["attempt"])
    if n < 2:
        answer(c, m, error={"code": -32000, "message": f"boom {n}"})
    else:
        answer(c, m, {"ok": True})
result = final(c, 12)
if attempts != [1, 2, 3] or statuses(result) != {"flaky": "succeeded"} or result["cost"].get("retries") != 2:
    fail(f"retries: attempts {attempts}, result {result}")
print("ok  retry: attempts 1, 2, 3 reached the client; succeeded on the third; cost.retries == 2")

# -- tool errors -------------------------------------------------------------------------------------
submit(c, 13, [tool("rpc_error", failure_behavior="skip"), tool("payload_error", failure_behavior="skip")])
for _ in range(2):
    m = next_callback(c)
    if m["params"]["action_id"] == "rpc_error":
        answer(c, m, error={"code": -32000, "message": "Python tool callback raised: ValueError: nope"})
    else:
        answer(c, m, {"error": "disk full"})
result = final(c, 13)
errors = {r["action_id"]: (r["status"], r.get("error") or "") for r in result["results"]}
if errors["rpc_error"][0] != "failed" or "ValueError: nope" not in errors["rpc_error"][1] \
        or errors["payload_error"][0] != "failed" or "disk full" not in errors["payload_error"][1]:
    fail(f"tool errors: {errors}")
print("ok  a JSON-RPC error and an {\"error\": ...} payload each fail their action with the tool's message")

# -- timeout → tools.cancel --------------------------------------------------------------------------
started = time.monotonic()
submit(c, 14, [tool("slow", timeout_ms=200)])
m = next_callback(c)
cancel = c.recv_json(5)
waited = time.monotonic() - started
if cancel.get("method") != "tools.cancel" or "id" in cancel:
    fail(f"expected the tools.cancel notification, got {cancel}")
if cancel["params"].get("request_id") != m["id"] or cancel["params"].get("action_id") != "slow":
    fail(f"tools.cancel names {cancel['params']}, the call was {m['id']}")
result = final(c, 14)
if statuses(result) != {"slow": "failed"} or "timed out" not in (result["results"][0].get("error") or ""):
    fail(f"timeout result {result}")
if not 0.2 <= waited <= 3.0:
    fail(f"tools.cancel came after {waited:.2f}s for a 200 ms budget")
answer(c, m, "too late")  # a late answer is ignored, and the connection keeps working
if c.call(15, "server.ping").get("result") != {}:
    fail("connection unusable after a late callback answer")
print(f"ok  timeout_ms 200: tools.cancel for {m['id']} after {waited:.2f}s, action failed, a late answer is ignored")
c.close()

# -- disconnect mid-proposal ------------------------------------------------------------------------
time.sleep(0.2)
fds_before = open_fds(args.pid)
for round_ in range(20):
    d = connect()
    submit(d, 20, [tool("x"), tool("y")])
    next_callback(d)
    d.close()  # TCP drop with callbacks pending, as the official clients do
time.sleep(0.5)
probe = connect(tools=())
if probe.call(2, "server.ping").get("result") != {}:
    fail("daemon stopped serving after disconnects mid-proposal")
probe.close()
time.sleep(0.3)
fds_after = open_fds(args.pid)
if fds_after > fds_before + 2:
    fail(f"open descriptors grew from {fds_before} to {fds_after} after 20 disconnects mid-proposal")
print(f"ok  20 disconnects mid-proposal: daemon serving, descriptors {fds_before} -> {fds_after}")

# -- 1,000 proposals in a row -----------------------------------------------------------------------
def run_batch(count, base):
    c = connect()
    for n in range(count):
        submit(c, base + n, [tool("only", parameters={"n": n})])
        m = next_callback(c)
        answer(c, m, n)
        result = final(c, base + n)
        if result["results"][0]["status"] != "succeeded":
            fail(f"proposal {n}: {result}")
    c.close()


run_batch(100, 1000)  # warm up allocator pools and caches
time.sleep(0.3)
rss_before, fds_before = rss_kib(args.pid), open_fds(args.pid)
started = time.monotonic()
for batch in range(10):
    run_batch(100, 10_000 + batch * 1000)
elapsed = time.monotonic() - started
time.sleep(0.5)
rss_after, fds_after = rss_kib(args.pid), open_fds(args.pid)
if fds_after > fds_before:
    fail(f"open descriptors grew from {fds_before} to {fds_after} over 1,000 proposals")
if rss_after - rss_before > 4096:
    fail(f"RSS grew {rss_after - rss_before} KiB over 1,000 proposals (from {rss_before} KiB)")
print(f"ok  1,000 proposals ({elapsed:.1f}s): descriptors {fds_before} -> {fds_after}, "
      f"RSS {rss_before} -> {rss_after} KiB")
print("runtime_raw: ok")
