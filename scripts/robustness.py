"""Fuzzes a running car-server with random and mutated input and checks it neither crashes
nor hangs and keeps serving others.

    robustness.py PORT PID [SEED] [CASES] [AUTH_PORT AUTH_PID TOKEN]

Each case uses its own connection: garbage instead of the HTTP upgrade, malformed upgrades,
or after a valid upgrade a malformed frame sequence, a mutated JSON-RPC text, or a batch:
a random array of mutated requests, including the empty one (one -32600 error) and ones over
the 1,000-element cap (refused as a whole with one error object, never an array of answers).
A long-lived health connection must keep answering server.ping throughout.

Given a second daemon with auth on (AUTH_PORT AUTH_PID TOKEN), some cases are pre-auth
traffic against it: random frames before session.auth (mutated requests, batches, wrong
tokens, oversized messages, frame garbage). Each must get an error or a close, never a
result; the daemon must not crash, and a fresh client must still authenticate and be served
afterwards (checked every 50 cases and at the end). Properties that must always hold are
asserted where a case provokes them."""
import collections
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "compat"))
from wsclient import WSClient, Closed, ServerViolation, check_reply_shape  # noqa: E402

port, pid = int(sys.argv[1]), int(sys.argv[2])
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
cases = int(sys.argv[4]) if len(sys.argv) > 4 else 3000
auth_port, auth_pid, auth_token = (int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]) if len(sys.argv) > 7 else (None, None, None)
BATCH_CAP = 1000
rng = random.Random(seed)
stats = collections.Counter()
failures = []

VALID = [
    {"jsonrpc": "2.0", "id": 1, "method": "server.ping", "params": None},
    {"jsonrpc": "2.0", "id": "x", "method": "session.auth", "params": {"token": "t"}},
    {"jsonrpc": "2.0", "id": 2, "method": "server.handshake", "params": {"client_version": "f", "protocol_version": 3}},
    {"jsonrpc": "2.0", "id": 3, "method": "rpc.discover", "params": None},
    {"jsonrpc": "2.0", "method": "server.ping"},
    [{"jsonrpc": "2.0", "id": 4, "method": "server.ping"}, {"jsonrpc": "2.0", "method": "server.ping"}],
    # The runtime's methods: nested proposals are where malformed input does the most damage.
    {"jsonrpc": "2.0", "id": 5, "method": "verify", "params": {"proposal": {"actions": [
        {"id": "a", "type": "tool_call", "tool": "t", "parameters": {"x": 1}, "state_dependencies": ["k"],
         "preconditions": [{"key": "k", "operator": "gt", "value": 1}], "expected_effects": {"j": True}},
        {"id": "b", "type": "state_write", "parameters": {"key": "k", "value": [1, {"z": None}]}, "dependencies": ["a"]}]},
        "initial_state": {"k": 2}}},
    {"jsonrpc": "2.0", "id": 6, "method": "proposal.submit", "params": {"proposal": {"id": "p", "actions": [
        {"id": "w", "type": "state_write", "parameters": {"key": "k", "value": 1}},
        {"id": "r", "type": "state_read", "parameters": {"key": "k"}, "dependencies": ["w"]},
        {"id": "s", "type": "assertion", "parameters": {"key": "k", "operator": "eq", "value": "$r.output"},
         "failure_behavior": "skip", "max_retries": 2}]}, "scope": {"tenantId": "t1"}}},
    {"jsonrpc": "2.0", "id": 7, "method": "tools.register", "params": [{"name": "t", "parameters": {"type": "object"}}]},
    {"jsonrpc": "2.0", "id": 8, "method": "policy.register", "params": {"name": "p", "rule": "deny_tool_param",
                                                                       "target": "t", "key": "x", "pattern": "rm"}},
    {"jsonrpc": "2.0", "id": 9, "method": "state.set", "params": {"key": "k", "value": {"a": [1, 2]}, "tenant_id": "t1"}},
    {"jsonrpc": "2.0", "id": 10, "method": "events.query", "params": {"kinds": ["action_started"], "limit": 5,
                                                                      "since": "2026-01-01T00:00:00Z"}},
    {"jsonrpc": "2.0", "id": 11, "method": "host.register_agent", "params": {"id": "a", "name": "n", "kind": "k",
                                                                           "capabilities": ["chat"], "pid": 7}},
    {"jsonrpc": "2.0", "id": 12, "method": "host.set_status", "params": {"agent_id": "a", "status": "running"}},
    {"jsonrpc": "2.0", "id": 13, "method": "host.notify", "params": {"message": "m", "payload": {"x": [1, 2]}}},
    {"jsonrpc": "2.0", "id": 14, "method": "host.request_approval", "params": {"title": "t", "required_approvals": 1}},
    {"jsonrpc": "2.0", "id": 15, "method": "memory.add_fact", "params": {"subject": "s", "body": "b", "kind": "constraint"}},
    {"jsonrpc": "2.0", "id": 16, "method": "skill.find", "params": {"persona": "p", "url": "file:///x", "task": "t"}},
    # Host-only under a host token; with --no-auth the connection is the authority, so these reach the store.
    {"jsonrpc": "2.0", "id": 17, "method": "messaging.config.set", "params": {"channel": "slack", "allowlisted_handles": ["U1"],
                                                                            "add_handles": ["U2"], "remove_handles": ["U1"]}},
    {"jsonrpc": "2.0", "id": 18, "method": "messaging.pairing.start", "params": {"channel": "imessage"}},
]
ODD_VALUES = [None, True, -1, 0, 2**63, -2**63 - 1, 1e308, -0.0, "", "é🚗", "\u0000", [], {}, [[[]]],
              {"a": {"b": {"c": None}}}, "x" * 5000, 3.5, "server.ping", {"token": 7}]


def odd_value():
    # A fresh copy each time: shared containers could make the mutated value circular.
    return json.loads(json.dumps(rng.choice(ODD_VALUES)))


def mutated_value(pool=VALID):
    """A copy of one valid message with one to three random mutations (still a JSON value)."""
    value = json.loads(json.dumps(rng.choice(pool)))
    target = value[0] if isinstance(value, list) and value else value
    if isinstance(target, dict):
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(["jsonrpc", "id", "method", "params", "extra", "result", "error"])
            if rng.random() < 0.3:
                target.pop(key, None)
            else:
                target[key] = odd_value()
            if rng.random() < 0.3 and isinstance(target.get("params"), dict):
                target["params"][rng.choice(["token", "protocol_version", "client_version", "x", "proposal", "key",
                                             "value", "name", "rule", "kinds", "scope", "initial_state", "agent_id", "status",
                                             "payload", "title", "subject", "body", "persona", "url"])] = odd_value()
            proposal = (target.get("params") or {}).get("proposal") if isinstance(target.get("params"), dict) else None
            if rng.random() < 0.5 and isinstance(proposal, dict) and proposal.get("actions"):
                action = rng.choice(proposal["actions"])
                if isinstance(action, dict):
                    action[rng.choice(["id", "type", "tool", "parameters", "preconditions", "expected_effects",
                                       "state_dependencies", "dependencies", "max_retries", "failure_behavior",
                                       "timeout_ms"])] = odd_value()
    return value


def mutate_json():
    value = mutated_value()
    text = json.dumps(value)
    roll = rng.random()
    if roll < 0.2:  # byte-level damage
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data[i] = rng.choice(b'{}[]",:\\0 aZ\x7f')
        return bytes(data)
    if roll < 0.25:
        return text[: rng.randrange(len(text))].encode()
    if roll < 0.3:
        depth = rng.choice([10, 600, 5000])
        return ("[" * depth + "]" * depth).encode()
    if roll < 0.35:
        return json.dumps([rng.choice(VALID)] * rng.randint(0, 50)).encode()
    if roll < 0.4:
        return ("9" * rng.randint(20, 400)).encode()
    return text.encode()


def frame_case(c):
    kind = rng.choice(["rsv", "opcode", "unmasked", "huge", "ctrl_frag", "ctrl_big", "utf8", "truncated",
                       "continuation", "interleave", "close_bad", "random_bytes", "binary", "ping"])
    f = c.frame
    if kind == "rsv":
        c.send_raw(f(1, b"{}", rsv=rng.choice([1, 2, 4])))
        return kind, 1002
    if kind == "opcode":
        c.send_raw(f(rng.choice([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), b"x"))
        return kind, 1002
    if kind == "unmasked":
        c.send_raw(f(1, b'{"jsonrpc":"2.0","id":1,"method":"server.ping"}', mask=False))
        return kind, 1002
    if kind == "huge":
        c.send_raw(f(2, b"", length=rng.choice([2**40, 2**62, 17 << 20])))
        return kind, 1009
    if kind == "ctrl_frag":
        c.send_raw(f(9, b"p", fin=False))
        return kind, 1002
    if kind == "ctrl_big":
        c.send_raw(f(9, b"p" * 126))
        return kind, 1002
    if kind == "utf8":
        c.send_raw(f(1, rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b'{"a":"\xe2\x82"}'])))
        return kind, 1007
    if kind == "truncated":
        data = f(1, json.dumps(rng.choice(VALID)).encode())
        c.send_raw(data[: rng.randrange(1, len(data))])
        return kind, None
    if kind == "continuation":
        c.send_raw(f(0, b"x"))
        return kind, 1002
    if kind == "interleave":
        c.send_raw(f(1, b'{"a":', fin=False) + f(1, b"1}"))
        return kind, 1002
    if kind == "close_bad":
        c.send_raw(f(8, rng.choice([b"\x03", struct.pack("!H", 1005), struct.pack("!H", 999), b"\x03\xe8\xff"])))
        return kind, None
    if kind == "random_bytes":
        c.send_raw(os.urandom(rng.randint(1, 200)))
        return kind, None
    if kind == "binary":
        c.send_raw(f(2, os.urandom(rng.randint(0, 3000))))
        return kind, None
    c.send_raw(f(9, os.urandom(rng.randint(0, 125))))
    return kind, None


def upgrade_case():
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    choice = rng.random()
    if choice < 0.4:
        s.sendall(os.urandom(rng.randint(1, 3000)))
    else:
        lines = ["GET / HTTP/1.1", "Host: x", "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
        i = rng.randrange(len(lines))
        lines[i] = rng.choice(["", "X" * 100, lines[i].upper(), lines[i][: len(lines[i]) // 2], "Bad Header"])
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        data = s.recv(200)
        stats["upgrade:" + (data[:12].decode(errors="replace") if data else "eof")] += 1
    except socket.timeout:
        failures.append("no answer to a malformed upgrade within 2 s")
    s.close()


def expect_close(c, kind, code):
    try:
        while True:
            # Cases with no required outcome only get a glance: the server may rightly wait.
            c.recv_json(timeout=2 if code is not None else 0.1)
    except Closed as closed:
        stats[f"close:{closed.code}"] += 1
        if code is not None and closed.code != code:
            failures.append(f"{kind}: close code {closed.code}, expected {code}")
    except TimeoutError:
        if code is not None:
            failures.append(f"{kind}: no close frame within 2 s (expected {code})")
    except (ConnectionError, OSError):
        stats["reset"] += 1


SENTINEL = json.dumps({"jsonrpc": "2.0", "id": "sentinel", "method": "server.ping", "params": None})


def json_case(c):
    payload = mutate_json()
    # The sentinel ping right behind the payload bounds the wait: a notification gets no
    # reply, and the sentinel's reply shows the connection is still served.
    c.send_frame(1, payload)
    c.send_text(SENTINEL)
    replies = []
    try:
        while True:
            reply = c.recv_json(timeout=2)
            if isinstance(reply, dict) and reply.get("id") == "sentinel":
                break
            replies.append(reply)
    except TimeoutError:
        failures.append(f"no reply to the sentinel after {payload[:80]!r}")
        return
    except Closed as closed:
        stats[f"close:{closed.code}"] += 1
        return
    if not replies:
        stats["no-reply"] += 1
    for reply in replies:
        for r in reply if isinstance(reply, list) else [reply]:
            if isinstance(r, dict) and "error" in r:
                stats[f"error:{r['error'].get('code')}"] += 1
            else:
                stats["result"] += 1
    try:
        json.loads(payload)
        parsed = True
    except (ValueError, UnicodeDecodeError, RecursionError):
        parsed = False
    if not parsed:
        first = replies[0] if replies else None
        if not (isinstance(first, dict) and first.get("error", {}).get("code") == -32700 and first.get("id") is None):
            failures.append(f"unparseable text {payload[:60]!r} answered {first!r:.200}")


SINGLE = [m for m in VALID if isinstance(m, dict)]


def batch_size():
    roll = rng.random()
    if roll < 0.1:
        return 0
    if roll < 0.2:
        return rng.choice([BATCH_CAP - 1, BATCH_CAP, BATCH_CAP + 1, rng.randint(BATCH_CAP + 2, 3 * BATCH_CAP)])
    return rng.randint(1, 40)


def batch_case(c):
    """A random array of requests (mostly mutated, some intact) and the sentinel behind it.
    The answer: nothing when every element may be a notification, else one array with at most
    one answer per element, each a well-formed response whose id is one we sent (or null);
    the empty batch and batches over the cap get one error object instead."""
    n = batch_size()
    elements = [mutated_value(SINGLE) if rng.random() < 0.7 else json.loads(json.dumps(rng.choice(SINGLE)))
                for _ in range(n)]
    stats[f"batch:{'0' if n == 0 else '>cap' if n > BATCH_CAP else 'cap' if n >= BATCH_CAP - 1 else 'small'}"] += 1
    # Elements that must be answered: requests with an id, and anything that is not an object.
    must_answer = n == 0 or n > BATCH_CAP or any(not isinstance(e, dict) or "id" in e for e in elements)
    sent_ids = {json.dumps(e.get("id")) for e in elements if isinstance(e, dict) and "id" in e}
    c.send_text(json.dumps(elements))
    c.send_text(SENTINEL)
    deadline = time.monotonic() + 15
    answer, sentinel = None, False
    try:
        while not (sentinel and (answer is not None or not must_answer)):
            left = deadline - time.monotonic()
            if left <= 0:
                failures.append(f"batch of {n}: {'no sentinel reply' if not sentinel else 'no batch answer'} within 15 s")
                return
            message = c.recv_json(timeout=left)
            if isinstance(message, dict) and message.get("id") == "sentinel":
                sentinel = True
                if answer is None and not must_answer:
                    try:  # a batch of notifications may still be answered; give it a moment
                        late = c.recv_json(timeout=0.2)
                        answer = late
                    except TimeoutError:
                        pass
                continue
            if answer is not None:
                failures.append(f"batch of {n}: a second answer {json.dumps(message)[:120]}")
                return
            answer = message
    except Closed as closed:
        stats[f"close:{closed.code}"] += 1
        if n == 0 or n > BATCH_CAP:
            failures.append(f"batch of {n}: closed ({closed}) instead of answering one error object")
        return
    if n == 0 or n > BATCH_CAP:
        if not (isinstance(answer, dict) and isinstance(answer.get("error"), dict)):
            failures.append(f"batch of {n}: expected one error object, got "
                            f"{'an array of %d' % len(answer) if isinstance(answer, list) else json.dumps(answer)[:160]}")
        else:
            stats[f"batch-refused:{answer['error'].get('code')}"] += 1
        return
    if answer is None:
        stats["batch:no-answer"] += 1
        return
    if not isinstance(answer, list) or not answer or len(answer) > n:
        failures.append(f"batch of {n}: answered {json.dumps(answer)[:160]} (expected an array of at most {n})")
        return
    for r in answer:
        try:
            check_reply_shape(r)
        except ServerViolation as error:
            failures.append(f"batch of {n}: {error}")
            return
        if r.get("id") is not None and json.dumps(r.get("id")) not in sent_ids:
            failures.append(f"batch of {n}: an answer with an id we did not send: {json.dumps(r)[:160]}")
            return
    stats["batch:answered"] += 1


PRE_AUTH = [m for m in SINGLE if m.get("method") != "session.auth"] + [
    {"jsonrpc": "2.0", "id": 90, "method": "session.auth", "params": {"token": "not-the-token"}},
    {"jsonrpc": "2.0", "id": 91, "method": "session.auth", "params": {"host_token": "nope", "agent_id": "a"}},
    {"jsonrpc": "2.0", "id": 92, "method": "session.auth", "params": {"token": "x", "memory_namespace": "n" * 300}},
]


def pre_auth_case():
    """1-4 random frames on an unauthenticated connection to the auth-on daemon. Whatever it
    does, nothing may come back as a result; errors and closes are both right."""
    c = WSClient(auth_port, timeout=2)
    try:
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.35:
                c.send_text(json.dumps(mutated_value(PRE_AUTH)))
                stats["pre-auth:request"] += 1
            elif roll < 0.5:
                c.send_text(json.dumps([mutated_value(PRE_AUTH) for _ in range(rng.choice([0, 1, 3, 50, 1001]))]))
                stats["pre-auth:batch"] += 1
            elif roll < 0.6:
                request = dict(rng.choice(PRE_AUTH))
                c.send_text(json.dumps(request) + " " * rng.choice([60_000, 70_000, 300_000]))
                stats["pre-auth:big"] += 1
            elif roll < 0.7:
                c.send_text(mutate_json())
                stats["pre-auth:damaged"] += 1
            else:
                kind, _ = frame_case(c)
                stats[f"pre-auth:frame:{kind}"] += 1
        # A pre-auth ping behind them bounds the wait: it is refused (-32001) or the
        # connection is already closed.
        c.send_text(SENTINEL)
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            reply = c.recv_json(timeout=max(0.05, deadline - time.monotonic()))
            for r in reply if isinstance(reply, list) else [reply]:
                if isinstance(r, dict) and "result" in r:
                    failures.append(f"pre-auth: a result came back before session.auth: {json.dumps(r)[:160]}")
                elif isinstance(r, dict) and isinstance(r.get("error"), dict):
                    stats[f"pre-auth:error:{r['error'].get('code')}"] += 1
            if isinstance(reply, dict) and reply.get("id") == "sentinel":
                stats["pre-auth:sentinel-refused"] += 1
                break
    except Closed as closed:
        stats[f"pre-auth:close:{closed.code}"] += 1
    except TimeoutError:
        stats["pre-auth:open"] += 1
    except (ConnectionError, OSError):
        stats["pre-auth:reset"] += 1
    finally:
        c.close()


def fresh_client_works(label):
    """A new connection to the auth-on daemon authenticates and is served."""
    try:
        with WSClient(auth_port, timeout=5) as c:
            reply = c.call(0, "session.auth", {"token": auth_token})
            assert reply.get("result", {}).get("ok") is True, reply
            assert c.call(1, "server.ping") == {"jsonrpc": "2.0", "id": 1, "result": {}}
    except Exception as error:  # noqa: BLE001
        failures.append(f"{label}: a fresh client could not authenticate and ping the auth-on daemon: {error!r}")
        return False
    return True


def alive(process_id=None):
    try:
        os.kill(pid if process_id is None else process_id, 0)
        return True
    except OSError:
        return False


health = WSClient(port)
started = time.monotonic()
for n in range(cases):
    if n % 50 == 0:
        t0 = time.monotonic()
        try:
            reply = health.call(n, "server.ping")
            assert reply == {"jsonrpc": "2.0", "id": n, "result": {}}, reply
        except Exception as error:  # noqa: BLE001
            failures.append(f"health probe {n} failed after {time.monotonic() - t0:.1f}s: {error!r}")
            break
        if auth_port and not fresh_client_works(f"case {n}"):
            break
    if not alive():
        failures.append(f"daemon died at case {n}")
        break
    if auth_port and not alive(auth_pid):
        failures.append(f"the auth-on daemon died at case {n}")
        break
    try:
        roll = rng.random()
        if auth_port and roll >= 0.85:
            pre_auth_case()
        elif roll < 0.15:
            upgrade_case()
        else:
            c = WSClient(port, timeout=2)
            try:
                if roll < 0.45:
                    kind, code = frame_case(c)
                    stats[f"frame:{kind}"] += 1
                    expect_close(c, kind, code)
                elif roll < 0.55:
                    batch_case(c)
                else:
                    json_case(c)
            finally:
                c.close()
    except (ConnectionError, OSError, Closed) as error:
        stats[f"conn-error:{type(error).__name__}"] += 1
    stats["cases"] += 1

if alive():
    try:
        assert health.call("final", "server.ping")["result"] == {}
    except Exception as error:  # noqa: BLE001
        failures.append(f"final health probe failed: {error!r}")
else:
    failures.append("daemon is not running at the end")
if auth_port:
    if alive(auth_pid):
        fresh_client_works("at the end")
    else:
        failures.append("the auth-on daemon is not running at the end")

print(f"robustness: seed {seed}, {stats['cases']} cases in {time.monotonic() - started:.1f}s")
for key in sorted(stats):
    if key != "cases":
        print(f"  {key:<28} {stats[key]}")
if failures:
    print(f"FAILURES ({len(failures)}):")
    for failure in failures[:30]:
        print("  " + failure)
    sys.exit(1)
print("robustness: ok")
