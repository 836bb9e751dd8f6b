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


class Daemon:
    """A release car-server on a free loopback port, auth on with `token`, state under `home`
    (`CAR_HOME` and `HOME`), logging to `<home>/daemon-<port>.log`; added to `running` so the
    script's cleanup can kill whatever is still up. `env` adds to the daemon's environment,
    `args` to its command line (the dashboard is off unless `args` gives --dashboard-bind)."""

    def __init__(self, binary, home, token, running, env=None, args=()):
        import os
        import subprocess
        self.home, self.token = home, token
        self.port = free_port()
        self.log = open(os.path.join(home, f"daemon-{self.port}.log"), "w")
        # The dashboard's default (port+1) could take a port another test daemon was just
        # given; a script that wants the dashboard names its address.
        extra = [] if "--dashboard-bind" in args else ["--dashboard-bind", "disabled"]
        self.process = subprocess.Popen(
            [binary, "--uds", "disabled", "--port", str(self.port), "--log-level", "info", *extra, *args],
            # The token through the environment: a supervised child must not see it passed on.
            env={"CAR_HOME": home, "HOME": home, "PATH": "/usr/bin:/bin", "CAR_AUTH_TOKEN": token, **(env or {})},
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        running.append(self)
        wait_for(f"the daemon on port {self.port}", self.listening, 15)

    def listening(self):
        if self.process.poll() is not None:
            fail(f"the daemon exited with {self.process.returncode} (log {self.log.name})")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def client(self, **auth):
        """A connection after session.auth (the daemon token unless `auth` says otherwise), or
        the refusal's reply (a dict) when the daemon refused it."""
        from wsclient import WSClient
        c = WSClient(self.port, timeout=30)
        reply = c.call("auth", "session.auth", auth or {"token": self.token})
        if "error" in reply:
            c.close()
            return reply
        return c

    def session(self, **auth):
        """`client`, failing the script when the daemon refuses."""
        c = self.client(**auth)
        if isinstance(c, dict):
            fail(f"session.auth {list(auth) or ['token']} refused: {c['error']}")
        return c

    def host(self):
        """A host-role connection (the host token from the token directory)."""
        import os
        with open(os.path.join(self.home, "ai.parslee.car", "host-token")) as f:
            return self.session(host_token=f.read().strip())

    def stop(self):
        import signal
        import subprocess
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            fail("the daemon did not stop within 20 s of SIGTERM")

    def kill9(self):
        self.process.kill()
        self.process.wait(10)


def call(c, method, params=None):
    """The result of `method`; fails the script on an error."""
    import json
    reply = c.call(method, method, params)
    if "error" in reply:
        fail(f"{method} {json.dumps(params)[:200]} answered {reply['error']}")
    return reply["result"]


def error_of(c, method, params=None):
    """The error `method` must answer; fails the script when it succeeds."""
    import json
    reply = c.call(method, method, params)
    if "error" not in reply:
        fail(f"{method} {json.dumps(params)[:200]} should have failed, answered {json.dumps(reply)[:300]}")
    return reply["error"]


def start_quiet(binary, home, name, args=(), env=None):
    """A car-server with auth off and its output discarded, on a free port, state under `home`:
    (process, port) once it accepts connections; exits naming `name` if it has not within 10 s.
    `args` are more command-line words, `env` adds to its environment."""
    import subprocess
    port = free_port()
    process = subprocess.Popen([binary, "--no-auth", "--uds", "disabled", "--port", str(port), "--log-level", "error", *args],
                               env={"CAR_HOME": home, "HOME": home, "PATH": "/usr/bin:/bin", **(env or {})},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.02)
    process.kill()
    sys.exit(f"{name}: daemon did not start within 10 s")
