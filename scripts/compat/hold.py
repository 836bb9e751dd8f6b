"""Holds one authenticated connection open while the daemon is told to stop, and reports how
the connection ended.   hold.py PORT TOKEN SECONDS
Prints 'ready' once authenticated, then one line: 'ended: close frame CODE' or 'ended: EOF'
(or 'ended: still open after SECONDS s')."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WSClient  # noqa: E402

port, token, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
c = WSClient(port, timeout=5)
reply = c.call(0, "session.auth", {"token": token})
assert reply.get("result", {}).get("ok") is True, reply
print("ready", flush=True)
try:
    closed = c.expect_close(timeout=seconds)
    print(f"ended: close frame {closed.code}" if closed.frame else f"ended: {closed.how}", flush=True)
except TimeoutError:
    print(f"ended: still open after {seconds:g} s", flush=True)
