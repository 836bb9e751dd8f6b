"""Idle unauthenticated sockets are closed within the auth deadline (issue 9, item 3).

Against the shared daemon (CAR_AUTH_TIMEOUT=2): after the WebSocket upgrade, connections that
never send session.auth must be closed within the deadline, whether they stay silent or keep
the connection busy with pings (the deadline runs from the upgrade, it is not an idle timer);
an authenticated connection that then stays idle past the deadline must stay open. Before
the fix an unauthenticated socket was kept forever."""
import time

from _common import AUTH_TIMEOUT, PORT, WSClient, authed, closed_within, fail, note, ok, token

SLACK = 2.0  # scheduling slack on a loaded 2-core machine

tok = token()
silent = [WSClient(PORT, timeout=5) for _ in range(5)]
chatty = WSClient(PORT, timeout=5)
good = authed(PORT, tok)
started = time.monotonic()

# The chatty one sends a WebSocket ping every 0.3 s until the deadline (plus slack) has passed.
chatty_closed = None
while time.monotonic() - started < AUTH_TIMEOUT + SLACK:
    try:
        chatty.send_frame(0x9, b"still here")
    except OSError:
        chatty_closed = time.monotonic() - started
        break
    seconds, closed, _ = closed_within(chatty, 0.3)
    if closed is not None:
        chatty_closed = time.monotonic() - started
        break

closings = []
for c in silent:
    left = max(0.1, AUTH_TIMEOUT + SLACK - (time.monotonic() - started))
    seconds, closed, replies = closed_within(c, left)
    if closed is None:
        fail(f"an upgraded socket that never authenticated was still open {time.monotonic() - started:.1f} s "
             f"after the upgrade (auth deadline {AUTH_TIMEOUT:g} s)")
    closings.append((time.monotonic() - started, closed))
latest = max(t for t, _ in closings)
if min(t for t, _ in closings) < AUTH_TIMEOUT * 0.5:
    fail(f"an unauthenticated socket was closed after {min(t for t, _ in closings):.2f} s, "
         f"well before the {AUTH_TIMEOUT:g} s deadline")
ok(f"5 silent unauthenticated sockets closed {min(t for t, _ in closings):.2f}-{latest:.2f} s after the upgrade "
   f"(deadline {AUTH_TIMEOUT:g} s): {closings[0][1]}")
if chatty_closed is None:
    fail(f"an unauthenticated socket sending pings was still open {time.monotonic() - started:.1f} s after the "
         f"upgrade: the deadline must run from the upgrade, not from the last frame")
ok(f"an unauthenticated socket pinging every 0.3 s was closed {chatty_closed:.2f} s after the upgrade")

# The authenticated connection has now been idle past the deadline: it must still be served.
try:
    reply = good.call(5, "server.ping")
except Exception as error:  # noqa: BLE001
    fail(f"an authenticated connection idle for {time.monotonic() - started:.1f} s was closed: {error!r}")
if reply.get("result") != {}:
    fail(f"server.ping on the authenticated connection answered {reply}")
ok(f"an authenticated connection idle for {time.monotonic() - started:.1f} s still answers server.ping")
note("the deadline applies before session.auth only")
