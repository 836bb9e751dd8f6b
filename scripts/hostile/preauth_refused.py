"""A refused pre-auth request closes the connection (issue 9, item 3).

Before session.auth, anything but session.auth is refused (-32001) and the connection must
then be closed: one refused request is all an unauthenticated client gets, so it cannot keep
a socket busy probing methods. Each case is a fresh connection to the shared daemon: a
request, a method that does not exist, a notification (no reply, still refused), a batch (each must be closed within 1 s, before the 2 s auth deadline could be the
reason), and a batch that starts with session.auth with the right token followed by another call (a batch
is not a way around the gate: the daemon may refuse the batch, or authenticate and answer
both, but must not answer the later call without auth). Reported, but not required: what
the daemon does with a wrong token and with unparseable text before auth."""
from _common import PORT, WSClient, closed_within, dumps, finish, note, ok, problem, rpc, token

tok = token()


# A close must come this soon: the shared daemon's 2 s auth deadline would close it anyway.
QUICK = 1.0


def case(what, payload, wait=QUICK):
    c = WSClient(PORT, timeout=5)
    try:
        c.send_text(payload if isinstance(payload, str) else dumps(payload))
        seconds, closed, replies = closed_within(c, wait)
    finally:
        c.close()
    flat = [r for reply in replies for r in (reply if isinstance(reply, list) else [reply])]
    results = [r for r in flat if isinstance(r, dict) and "result" in r]
    return seconds, closed, flat, results


for what, payload in [
    ("server.ping", rpc(1, "server.ping")),
    ("state.set", rpc(2, "state.set", {"key": "k", "value": 1})),
    ("rpc.discover", rpc(3, "rpc.discover")),
    ("an unknown method", rpc(4, "no.such.method", {})),
    ("a notification (server.ping without id)", {"jsonrpc": "2.0", "method": "server.ping"}),
    ("a batch of two server.ping", [rpc(5, "server.ping"), rpc(6, "server.ping")]),
]:
    seconds, closed, flat, results = case(what, payload)
    codes = sorted({r.get("error", {}).get("code") for r in flat if isinstance(r, dict)})
    if results:
        problem(f"pre-auth {what}: answered with a result {results[0]}")
    elif closed is None:
        problem(f"pre-auth {what}: refused ({codes or 'no reply'}) but the connection was still open {QUICK:g} s later")
    else:
        ok(f"pre-auth {what}: refused {codes or '(no reply)'}, connection closed after {seconds:.2f} s ({closed})")

seconds, closed, flat, results = case("auth then ping in one batch", wait=1.0, payload=
                                      [rpc(7, "session.auth", {"token": tok}), rpc(8, "server.ping")])
ping_answered = any(r.get("id") == 8 for r in results)
auth_ok = any(r.get("id") == 7 and r["result"].get("ok") is True for r in results)
if ping_answered and not auth_ok:
    problem(f"a batch [session.auth, server.ping]: the ping was answered without a successful auth: {flat}")
else:
    ok(f"a batch [session.auth (right token), server.ping]: {'authenticated, ping answered' if ping_answered else 'ping not served'}"
       f"{', connection closed' if closed else ', connection open'}")

for what, payload in [("session.auth with a wrong token", rpc(9, "session.auth", {"token": "wrong" + tok[5:]})),
                      ("unparseable text", "{not json")]:
    seconds, closed, flat, results = case(what, payload, wait=1.0)
    if results and what.startswith("session.auth") and any(r["result"].get("ok") is True for r in results):
        problem(f"{what}: the connection was authenticated: {results}")
    codes = sorted({r.get("error", {}).get("code") for r in flat if isinstance(r, dict)})
    note(f"(not required) pre-auth {what}: {codes or 'no reply'}, "
         f"{'closed after %.2f s' % seconds if closed else 'connection kept open'}")
finish()
