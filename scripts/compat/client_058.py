"""car-runtime 0.58.0 (wire protocol v3), run inside its venv against a live car-server.

The client takes the daemon address from CAR_DAEMON_URL and the token from CAR_AUTH_TOKEN
(read by the client itself; CarRuntime() takes no arguments). It connects lazily on the first
call: session.auth (id 0), then server.handshake v3 (id 2), then the call.

    client_058.py                  connect, auth, handshake, calls through daemon_call
    client_058.py token-mismatch   CAR_AUTH_TOKEN is wrong: the first call must fail on auth
    client_058.py no-token         no token at all: the daemon must refuse (-32001)
"""
import json
import os
import sys
import threading

import car_runtime

mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
assert car_runtime.__version__ == "0.58.0", car_runtime.__version__
assert car_runtime.protocol_version() == 3, car_runtime.protocol_version()
assert os.environ.get("CAR_DAEMON_URL", "").startswith("ws://"), "CAR_DAEMON_URL must be set"

if mode != "ok":
    rt = car_runtime.CarRuntime()
    try:
        rt.daemon_call("server.ping", "null")
        raise AssertionError(f"{mode}: server.ping succeeded; the daemon must refuse this client")
    except car_runtime.DaemonRpcError as error:
        raise AssertionError(f"{mode}: expected a session failure, got a daemon error {error.code}: {error}")
    except RuntimeError as error:
        text = str(error)
        if mode == "token-mismatch":
            assert "session.auth rejected by daemon" in text and "token mismatch" in text, text
        else:
            assert "-32001" in text and "auth required" in text, text
        print(f"car-runtime 0.58.0 ({mode}): refused as expected: {text[:110]}")
    sys.exit(0)

rt = car_runtime.CarRuntime()
# The first call opens the connection: session.auth, then server.handshake v3.
reply = rt.daemon_call("server.ping", "null")
assert json.loads(reply) == {}, f"server.ping answered {reply!r}"

try:
    rt.daemon_call("no.such.method", "{}")
    raise AssertionError("an unknown method must fail")
except car_runtime.DaemonRpcError as error:
    assert error.code == -32601, f"expected -32601, got {error.code}: {error}"

doc = json.loads(rt.daemon_call("rpc.discover", "null"))
assert "openrpc" in doc and any(m.get("name") == "server.ping" for m in doc.get("methods", [])), str(doc)[:300]

# The client pipelines calls from several threads on its one connection.
errors = []


def pinger():
    try:
        for _ in range(25):
            assert json.loads(rt.daemon_call("server.ping", "null")) == {}
    except Exception as error:  # noqa: BLE001
        errors.append(repr(error))


threads = [threading.Thread(target=pinger) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
assert not errors and not any(t.is_alive() for t in threads), errors[:3] or "a pinger thread hung"

# close() drops the socket; the next call reconnects, authenticates and handshakes again.
rt.close()
assert json.loads(rt.daemon_call("server.ping", "null")) == {}
# A second runtime is a second connection with its own auth and handshake.
rt2 = car_runtime.CarRuntime()
assert json.loads(rt2.daemon_call("server.ping", "null")) == {}

print("car-runtime 0.58.0: auth + handshake v3 ok; server.ping -> {}; unknown method -> -32601; "
      "rpc.discover ok; 200 pipelined pings from 8 threads; reconnect after close(); second runtime ok")
