"""What the official clients cannot provoke: wrong tokens, unauthenticated calls, version
mismatches. Usage: negative.py PORT TOKEN"""
import sys
from wsclient import WSClient, Closed

port, token = int(sys.argv[1]), sys.argv[2]

c = WSClient(port)
r = c.call(0, "session.auth", {"token": "wrong"})
assert r["error"]["code"] == -32603 and r["error"]["message"] == "auth failed: token mismatch", r
r = c.call(1, "server.ping")
assert r["error"]["code"] == -32001 and r["error"]["message"].startswith("auth required"), r
try:
    c.recv_json(timeout=3)
    raise AssertionError("expected the connection to close after -32001")
except Closed as closed:
    assert closed.code == 1008, f"close code {closed.code}"
c.close()

c = WSClient(port)
r = c.call(0, "session.auth", {"token": token})
assert r["result"] == {"ok": True, "auth_enabled": True}, r
r = c.call(2, "server.handshake", {"client_version": "x", "protocol_version": 3})
assert r["result"]["protocol_version"] == 3, r
r = c.call(3, "server.handshake", {"client_version": "x", "protocol_version": 99})
assert r["error"]["code"] == -32006 and "protocol version mismatch" in r["error"]["message"], r
r = c.call(4, "server.ping")
assert r["result"] == {}, r
c.close()
print("negative checks: wrong token -32603 (stays open), no auth -32001 + close 1008, v99 -32006")
