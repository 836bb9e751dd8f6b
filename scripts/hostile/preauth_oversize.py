"""A pre-auth message over 64 KiB closes the connection (issue 9, item 3).

Before session.auth the daemon must not buffer more than a small message (64 KiB): before
the fix an unauthenticated socket could carry 16 MiB messages. Each case is on a fresh
connection to the shared daemon:
  - one 70 KiB text frame holding a *valid* session.auth with the right token, padded with
    JSON whitespace: only its size can be the reason to refuse it;
  - a frame whose header declares 16 MiB, of which 70 KiB are sent: the close must come
    without the daemon waiting for the rest;
  - the same 70 KiB message in two 35 KiB fragments;
each must be closed within 1 s (before the 2 s auth deadline could be the reason), and
after auth, a 1 MiB message (a server.ping padded with spaces) is served: the small
limit is for unauthenticated connections only."""
import time

from _common import OP_TEXT, PORT, WSClient, authed, closed_within, dumps, fail, finish, ok, problem, rpc, token

LIMIT = 64 * 1024
QUICK = 1.0  # seconds: a close must come this soon, before the auth deadline (2 s) would close it
tok = token()
auth = dumps(rpc(0, "session.auth", {"token": tok})).encode()
padded = auth[:-1] + b" " * (70 * 1024 - len(auth)) + b"}"
assert len(padded) > LIMIT


def expect_closed(what, send):
    c = WSClient(PORT, timeout=5)
    try:
        try:
            send(c)
        except OSError:
            pass  # the server may close while we are still sending: that is the point
        # Well within the shared daemon's 2 s auth deadline, which would close it anyway.
        seconds, closed, replies = closed_within(c, QUICK)
        if any(isinstance(r, dict) and r.get("result", {}).get("ok") is True for r in replies):
            return problem(f"{what}: the daemon read it and authenticated the connection ({replies[0]})")
        if closed is None:
            return problem(f"{what}: the connection was still open {QUICK:g} s later (replies: {str(replies)[:200]})")
        ok(f"{what}: closed after {seconds:.2f} s ({closed})")
    finally:
        c.close()


expect_closed(f"a {len(padded) // 1024} KiB pre-auth text frame (a valid session.auth padded with spaces)",
              lambda c: c.send_frame(OP_TEXT, padded))


def declared_huge(c):
    frame = c.frame(OP_TEXT, padded, length=16 << 20)  # header says 16 MiB; the mask covers what we send
    c.send_raw(frame)


expect_closed("a pre-auth frame declaring 16 MiB, 70 KiB of it sent", declared_huge)


def fragmented(c):
    half = len(padded) // 2
    c.send_frame(OP_TEXT, padded[:half], fin=False)
    time.sleep(0.05)
    c.send_frame(0x0, padded[half:], fin=True)


expect_closed("a 70 KiB pre-auth message in two 35 KiB fragments", fragmented)

c = authed(PORT, tok)
ping = dumps(rpc(7, "server.ping")).encode()
c.send_frame(OP_TEXT, ping[:-1] + b" " * (1 << 20) + b"}")
reply = c.wait_reply(7, timeout=20)
if reply.get("result") != {}:
    fail(f"after auth, a 1 MiB server.ping (padded with spaces) answered {str(reply)[:200]}")
ok("after session.auth, a 1 MiB message is served (the 64 KiB limit is for pre-auth traffic only)")
c.close()
finish()
