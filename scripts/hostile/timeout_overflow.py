"""Durations from clients and the environment saturate; nothing wraps, nothing traps
(issue 9, item 7). Before the fix `timeout_ms` near 2^64 wrapped to 0.29 s and
CAR_APPROVAL_TIMEOUT=1e10 crashed the daemon at the first gated call.

  - on the shared daemon, a proposal whose tool_call declares timeout_ms 18446744073709551615
    (2^64 - 1, which the reference's u64 accepts), 2^63, 2^63 - 1 or 1e30: the tools.execute callback must still be
    awaited. It is answered after 1 s (no tools.cancel may come first) and the action must
    succeed. (A daemon may instead refuse 1e30 up front with -32602 naming timeout_ms,
    since it is not an integer; it may not wrap it.)
  - a daemon started with CAR_APPROVAL_TIMEOUT=1e10: it starts, a host app subscribes, a
    gated call (vision.ocr) waits for its approval instead of failing at once or crashing,
    another client pings,
    and SIGTERM stops it with status 0 within 5 s;
  - daemons started with CAR_APPROVAL_TIMEOUT, CAR_HANDLER_TIMEOUT or CAR_TOOL_TIMEOUT=1e30:
    none may crash; each either serves (ping, SIGTERM -> 0) or refuses the value at startup
    with exit status 2 and a message."""
import os
import time

from _common import PORT, Daemon, WSClient, authed, fail, finish, note, ok, problem, rpc, token

tok = token()
c = authed(PORT, tok)
if c.call(2, "tools.register", [{"name": "slow"}]).get("result") != 1:
    fail("tools.register failed")

VALUES = [18446744073709551615, 9223372036854775808, 9223372036854775807, 1e30]


def overflow_case(n, value):
    id_ = 100 + n
    c.send_json(rpc(id_, "proposal.submit", {"proposal": {"id": f"overflow-{n}", "actions": [
        {"id": "a", "type": "tool_call", "tool": "slow", "parameters": {}, "timeout_ms": value}]}}))
    first = c.recv_json(timeout=10)
    if first.get("id") == id_ and "error" in first:
        message = first["error"].get("message", "")
        if isinstance(value, float) and first["error"].get("code") == -32602 and "timeout_ms" in message:
            ok(f"timeout_ms {value!r}: refused up front, it is not an integer ({message!r})")
            return
        return problem(f"timeout_ms {value!r}: the proposal was refused: {first['error']}")
    if first.get("method") != "tools.execute":
        return problem(f"timeout_ms {value!r}: expected the tools.execute callback, got {str(first)[:300]}")
    # Nothing may come in the next second: a tools.cancel or the final answer here is a wrapped timeout.
    t0 = time.monotonic()
    try:
        early = c.recv_json(timeout=1.0)
        problem(f"timeout_ms {value!r}: {time.monotonic() - t0:.2f} s after the callback the daemon sent "
                f"{str(early)[:240]} (a wrapped, short timeout)")
        if early.get("id") != id_:
            c.wait_reply(id_, timeout=10)
        return
    except TimeoutError:
        pass
    c.send_json({"jsonrpc": "2.0", "id": first["id"], "result": {"answered_after": "1s"}})
    reply = c.wait_reply(id_, timeout=10)
    results = reply.get("result", {}).get("results", [])
    if [r.get("status") for r in results] != ["succeeded"]:
        return problem(f"timeout_ms {value!r}: the action answered after 1 s did not succeed: {str(reply)[:300]}")
    ok(f"timeout_ms {value!r}: the callback was awaited (nothing within 1 s) and the late answer succeeded")


for n, value in enumerate(VALUES):
    overflow_case(n, value)
c.close()

def approval_case():
    """CAR_APPROVAL_TIMEOUT=1e10: the gated call's wait must not overflow."""
    daemon = Daemon(env={"CAR_APPROVAL_TIMEOUT": "1e10"}, label="approval-timeout-1e10")
    # A host app is subscribed, so the call has someone to wait for.
    host = WSClient(daemon.port, timeout=10)
    with open(os.path.join(daemon.home, "ai.parslee.car", "host-token"), encoding="ascii") as f:
        host_token = f.read().strip()
    if host.call(0, "session.auth", {"host_token": host_token}).get("result", {}).get("role") != "host" \
            or "result" not in host.call(1, "server.handshake", {"client_version": "hostile", "protocol_version": 3}) \
            or "result" not in host.call(2, "host.subscribe", {}):
        return problem("CAR_APPROVAL_TIMEOUT=1e10: could not subscribe a host-role connection")
    gated = authed(daemon.port, daemon.token)
    gated.send_json(rpc(5, "vision.ocr", {"image_path": "/nonexistent/hostile.png"}))
    try:
        early = gated.recv_json(timeout=1.0)
        return problem(f"CAR_APPROVAL_TIMEOUT=1e10: the gated vision.ocr was answered at once instead of waiting "
                       f"for its approval: {str(early)[:200]}")
    except TimeoutError:
        pass
    except Exception as error:  # noqa: BLE001
        time.sleep(0.2)
        state = daemon.process.poll()
        return problem(f"CAR_APPROVAL_TIMEOUT=1e10: the connection of a gated call broke ({error!r}); the daemon "
                       f"{'exited with status %s' % state if state is not None else 'still runs'}: {daemon.log_tail(3)}")
    if daemon.process.poll() is not None:
        return problem(f"CAR_APPROVAL_TIMEOUT=1e10: the daemon exited with {daemon.process.returncode}: {daemon.log_tail(3)}")
    other = authed(daemon.port, daemon.token)
    if other.call(6, "server.ping").get("result") != {}:
        return problem("CAR_APPROVAL_TIMEOUT=1e10: server.ping failed while a gated call waits")
    other.close()
    status = daemon.stop()
    gated.close()
    host.close()
    if status != 0:
        return problem(f"CAR_APPROVAL_TIMEOUT=1e10: SIGTERM with a gated call waiting gave exit status {status} "
                       f"(None: not stopped within 5 s): {daemon.log_tail(3)}")
    ok("CAR_APPROVAL_TIMEOUT=1e10: started; a gated vision.ocr waits (no answer within 1 s); another client pings; "
       "SIGTERM -> exit 0")


approval_case()

for name in ("CAR_APPROVAL_TIMEOUT", "CAR_HANDLER_TIMEOUT", "CAR_TOOL_TIMEOUT"):
    daemon = Daemon(env={name: "1e30"}, label=f"{name.lower()}-1e30", wait=False)
    if not daemon.ready(seconds=15) and daemon.process.poll() is None:
        fail(f"{name}=1e30: the daemon neither started nor exited within 15 s: {daemon.log_tail(4)}")
    if daemon.process.poll() is not None:
        status = daemon.process.returncode
        if status == 2 and name in daemon.log_tail():
            ok(f"{name}=1e30: refused at startup with exit 2 ({daemon.log_tail(1)[:160]})")
            continue
        problem(f"{name}=1e30: the daemon died at startup with status {status}: {daemon.log_tail(4)}")
        continue
    probe = authed(daemon.port, daemon.token)
    if probe.call(1, "server.ping").get("result") != {}:
        problem(f"{name}=1e30: server.ping failed")
        continue
    probe.close()
    status = daemon.stop()
    if status != 0:
        problem(f"{name}=1e30: SIGTERM gave exit status {status}: {daemon.log_tail(4)}")
        continue
    ok(f"{name}=1e30: starts, pings, SIGTERM -> exit 0")
finish()
note("every duration from a client or the environment saturates")
