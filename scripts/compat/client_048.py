"""car-runtime 0.48.0 (wire v2) against the daemon: connect, auth, handshake, one call that the
daemon does not implement yet. The error must come from the daemon (after a successful
handshake), not from the connection."""
import car_runtime

rt = car_runtime.CarRuntime()
try:
    rt.fact_count()
    raise AssertionError("memory.fact_count is not implemented yet; expected an error")
except RuntimeError as error:
    text = str(error)
    assert "-32601" in text or "method not found" in text, f"unexpected failure: {text}"
    assert "handshake" not in text and "session.auth" not in text, f"setup failed: {text}"
print("car-runtime 0.48.0: auth + handshake v2 ok, memory.fact_count -> method not found (not yet built)")
