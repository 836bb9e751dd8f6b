"""car-runtime 0.58.0 (wire v3) against the daemon: connect, auth, handshake, one call."""
import json
import car_runtime

rt = car_runtime.CarRuntime()
# The first call opens the connection: session.auth (CAR_AUTH_TOKEN), then server.handshake v3.
reply = json.loads(rt.daemon_call("server.ping", "null"))
assert reply == {}, f"server.ping answered {reply!r}"
try:
    rt.daemon_call("no.such.method", "{}")
    raise AssertionError("an unknown method must fail")
except car_runtime.DaemonRpcError as error:
    assert error.code == -32601, f"expected -32601, got {error.code}: {error}"
print("car-runtime 0.58.0: auth + handshake v3 ok, server.ping -> {}, unknown method -> -32601")
