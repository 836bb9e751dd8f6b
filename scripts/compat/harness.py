"""What the end-to-end scripts share: reporting, bounded waits, a free loopback port.

fail() prints "FAIL: <reason>" and exits 1; ok() prints "ok  <what>"; wait_for() polls a
predicate until it returns something true (that value is returned) or fails after `seconds`."""
import socket
import sys
import time


def fail(reason):
    print(f"FAIL: {reason}", flush=True)
    sys.exit(1)


def ok(what):
    print(f"ok  {what}", flush=True)


def wait_for(what, predicate, seconds=20.0, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    fail(f"timed out after {seconds:.0f} s waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
