"""car-runtime 0.48.0 (wire protocol v2), run inside its venv against a live car-server.

0.48.0 has no generic daemon_call, so the call is a typed wrapper: fact_count() sends
memory.fact_count, which both connections answer alike (unbound, they share the daemon's one
graph, and nothing here writes to it between them). An answer can only come after the
client's session.auth and server.handshake v2 both succeeded (a failed auth or handshake raises
a different message and sends no call).

    client_048.py                  connect, auth, handshake v2, memory.fact_count
    client_048.py token-mismatch   CAR_AUTH_TOKEN is wrong: the call must fail on auth
"""
import os
import sys

import car_runtime

mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
assert car_runtime.protocol_version() == 2, car_runtime.protocol_version()
assert os.environ.get("CAR_DAEMON_URL", "").startswith("ws://"), "CAR_DAEMON_URL must be set"


def fact_count_outcome(rt):
    try:
        return "count", rt.fact_count()
    except RuntimeError as error:
        return "error", str(error)


if mode == "token-mismatch":
    kind, value = fact_count_outcome(car_runtime.CarRuntime())
    assert kind == "error" and "session.auth rejected by daemon" in value and "token mismatch" in value, value
    print(f"car-runtime 0.48.0 (token-mismatch): refused as expected: {value[:110]}")
    sys.exit(0)

counts = []
for attempt in ("first runtime", "second runtime"):
    kind, value = fact_count_outcome(car_runtime.CarRuntime())
    assert kind == "count", f"{attempt}: memory.fact_count failed: {value}"
    assert isinstance(value, int) and value >= 0, f"{attempt}: memory.fact_count answered {value!r}"
    counts.append(value)
assert counts[0] == counts[1], f"two unbound connections counted {counts[0]} and {counts[1]} facts in the shared graph"
outcome = f"memory.fact_count -> {counts[0]} on each"

print(f"car-runtime 0.48.0: auth + handshake v2 ok (two connections); {outcome}")
