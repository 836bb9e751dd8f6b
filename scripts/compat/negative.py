"""Raw-protocol checks against an auth-enabled car-server, for what the official clients cannot
provoke: wrong tokens, unauthenticated calls, version mismatches, close codes, the Unix socket.

    negative.py --port P --token T [--unix PATH] [--host-token-file F]

Prints one line per passed check; the first failed check raises (exit status 1)."""
import argparse
import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import Closed, WSClient  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--unix")
parser.add_argument("--host-token-file")
args = parser.parse_args()
TIMEOUT = 5.0


def ok(text):
    print(f"  ok  {text}", flush=True)


def expect_error(reply, code, message=None, prefix=None, id_=None):
    assert "error" in reply, f"expected error {code}, got {reply}"
    assert reply["error"]["code"] == code, f"expected error {code}, got {reply}"
    if message is not None:
        assert reply["error"]["message"] == message, f"expected message {message!r}, got {reply}"
    if prefix is not None:
        assert reply["error"]["message"].startswith(prefix), f"expected a message starting {prefix!r}, got {reply}"
    if id_ is not None:
        assert reply.get("id") == id_, f"expected id {id_!r}, got {reply}"


def expect_closed_1008(c, after):
    closed = c.expect_close(timeout=TIMEOUT)
    assert closed.frame, f"after {after}: connection ended without a close frame ({closed.how})"
    assert closed.code == 1008, f"after {after}: close code {closed.code}, expected 1008"
    # After its Close frame the server must also end the TCP connection.
    try:
        rest = c.read_raw(timeout=TIMEOUT)
    except Closed:
        rest = b""
    assert rest == b"", f"after {after}: bytes after the close frame: {rest[:80]!r}"


def connect(**kwargs):
    return WSClient(args.port, timeout=TIMEOUT, **kwargs)


# 1. No session.auth at all: -32001, then close 1008.
with connect() as c:
    r = c.call(7, "server.ping")
    expect_error(r, -32001, prefix="auth required", id_=7)
    expect_closed_1008(c, "-32001")
ok("server.ping without session.auth -> -32001 'auth required...' with the request id, close 1008, EOF")

# 2. A wrong token: -32603 'auth failed: token mismatch', and the connection stays open and usable.
with connect() as c:
    r = c.call(0, "session.auth", {"token": "wrong-" + args.token[:10]})
    expect_error(r, -32603, message="auth failed: token mismatch", id_=0)
    r = c.call(1, "session.auth", {"token": args.token})
    assert r.get("result", {}).get("ok") is True, f"right token after a wrong one: {r}"
    r = c.call(2, "server.ping")
    assert r == {"jsonrpc": "2.0", "id": 2, "result": {}}, f"server.ping after auth: {r}"
ok("wrong token -> -32603 'auth failed: token mismatch'; same connection then authenticates and pings")

# 3. A wrong token leaves the session unauthenticated: the next ordinary call is refused and closes.
with connect() as c:
    r = c.call(0, "session.auth", {"token": "x" * 43})
    expect_error(r, -32603, message="auth failed: token mismatch")
    r = c.call(3, "server.ping")
    expect_error(r, -32001, prefix="auth required", id_=3)
    expect_closed_1008(c, "wrong token then server.ping")
ok("wrong token then server.ping -> -32001, close 1008")

# 4. The right token, then the handshake.
with connect() as c:
    r = c.call(0, "session.auth", {"token": args.token})
    assert r.get("result") is not None, f"session.auth with the right token: {r}"
    result = r["result"]
    assert result.get("ok") is True and result.get("auth_enabled") is True, f"session.auth result: {r}"
    assert "role" not in result, f"the daemon token must not grant a role: {r}"
    r = c.call(2, "server.handshake", {"client_version": "x", "protocol_version": 3})
    assert "result" in r, f"handshake v3: {r}"
    assert r["result"].get("protocol_version") == 3 and type(r["result"]["protocol_version"]) is int, f"handshake v3: {r}"
    assert isinstance(r["result"].get("server_version"), str), f"handshake v3 lacks server_version: {r}"
    # server_version is the CAR release level (the official clients compare it with their own
    # version, as MAJOR.MINOR.PATCH); our own name and version travel beside it.
    assert re.fullmatch(r"\d+\.\d+\.\d+", r["result"]["server_version"]), f"server_version is not a release: {r}"
    assert r["result"].get("implementation") == "car-server-swift" and r["result"].get("implementation_version"), \
        f"handshake v3 lacks implementation / implementation_version: {r}"
    assert r["result"].get("client_protocol_version") == 3, f"handshake v3 client_protocol_version: {r}"
    ok(f"right token -> {result}; handshake v3 -> {r['result']}")
    r = c.call(3, "server.handshake", {"client_version": "0.48.0", "protocol_version": 2})
    assert r.get("result", {}).get("protocol_version") == 2, f"handshake v2: {r}"
    ok("handshake v2 on the same connection -> protocol_version 2")
    r = c.call(4, "server.handshake", {"client_version": "x", "protocol_version": 99})
    expect_error(r, -32006, prefix="protocol version mismatch", id_=4)
    ok(f"handshake protocol_version 99 -> -32006 {r['error']['message']!r}")
    r = c.call(5, "server.ping")
    assert r == {"jsonrpc": "2.0", "id": 5, "result": {}}, f"server.ping after a refused handshake: {r}"
    ok("connection still serves server.ping after the -32006")
    r = c.call(6, "rpc.discover")
    doc = r.get("result")
    assert isinstance(doc, dict) and "openrpc" in doc and isinstance(doc.get("methods"), list), f"rpc.discover: {str(r)[:300]}"
    names = {m.get("name") for m in doc["methods"] if isinstance(m, dict)}
    assert {"session.auth", "server.handshake", "server.ping"} <= names, f"rpc.discover methods: {sorted(names)}"
    ok(f"rpc.discover -> OpenRPC {doc['openrpc']} with {len(names)} methods")

# 5. The host token, when the daemon wrote one: role host.
if args.host_token_file and os.path.exists(args.host_token_file):
    mode = stat.S_IMODE(os.stat(args.host_token_file).st_mode)
    assert mode == 0o600, f"host-token file mode {mode:o}, expected 600"
    host_token = open(args.host_token_file).read().strip()
    assert host_token != args.token, "the host token must differ from the auth token"
    with connect() as c:
        r = c.call(0, "session.auth", {"host_token": host_token})
        assert r.get("result", {}).get("role") == "host", f"session.auth with host_token: {r}"
        r = c.call(1, "session.auth", {"host_token": args.token})
        expect_error(r, -32603)
    ok("host-token file 0600; session.auth {host_token} -> role host; the auth token as host_token -> -32603")

# 6. The Unix socket speaks the same protocol with the same auth gate.
if args.unix:
    with WSClient(unix_path=args.unix, timeout=TIMEOUT) as c:
        r = c.call(1, "server.ping")
        expect_error(r, -32001, prefix="auth required")
        expect_closed_1008(c, "-32001 on the Unix socket")
    with WSClient(unix_path=args.unix, timeout=TIMEOUT) as c:
        r = c.call(0, "session.auth", {"token": args.token})
        assert r.get("result", {}).get("ok") is True, f"session.auth over the Unix socket: {r}"
        r = c.call(2, "server.handshake", {"client_version": "x", "protocol_version": 3})
        assert r.get("result", {}).get("protocol_version") == 3, f"handshake over the Unix socket: {r}"
        r = c.call(3, "server.ping")
        assert r == {"jsonrpc": "2.0", "id": 3, "result": {}}, f"server.ping over the Unix socket: {r}"
    ok(f"Unix socket {args.unix}: no auth -> -32001 + 1008; auth + handshake v3 + server.ping -> {{}}")

print("negative checks: ok")
