"""What the end-to-end scripts share: reporting, bounded waits, a free loopback port, HTTP GETs,
and child processes that are ended as a whole.

fail() prints "FAIL: <reason>" and exits 1; ok() prints "ok  <what>"; wait_for() polls a
predicate until it returns something true (that value is returned) or fails after `seconds`.
run_bounded() runs a helper (an env script that may start apt-get or pip) in a process group
of its own, so a timeout ends the helper and everything it started; kill_group() is that
ending (TERM, then KILL after a grace)."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


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


def http_get(url, headers=None, timeout=10):
    """(status, headers, body) of a GET; an HTTP error status is an answer, a connection that
    fails is the script's failure."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError as error:
        fail(f"GET {url}: {error}")


def kill_group(pgid, grace=5.0, process=None):
    """SIGTERM to the process group `pgid`, then SIGKILL to whatever of it is still there after
    `grace` seconds. `process`, the group leader's Popen when it is our child, is polled
    meanwhile so its exit is reaped (a zombie leader would keep the group "alive")."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if process is not None:
            process.poll()
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process is not None:
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            pass


def run_bounded(args, seconds, grace=5.0, track=None, **popen):
    """subprocess.run(args) with stdin from /dev/null and stdout/stderr captured as text, in a
    process group of its own: after `seconds` the whole group (the command and what it started)
    is ended with kill_group and subprocess.TimeoutExpired raised; so is it when the wait is cut
    short otherwise (a SIGTERM handler's exit), and that goes on. subprocess.run's own timeout
    kills only the command, and a grandchild still holding the pipes keeps it waiting. While it
    runs its Popen is in the list `track`, when given, for a watchdog to end."""
    with subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, process_group=0, **popen) as process:
        if track is not None:
            track.append(process)
        try:
            out, err = process.communicate(timeout=seconds)
        except BaseException:
            # The timeout, or the script itself ending (SIGTERM, the watchdog): the group goes too.
            kill_group(process.pid, grace, process)
            try:
                process.communicate(timeout=grace)
            except Exception:  # noqa: BLE001 - only draining what is left; the first error is raised
                pass
            raise
        finally:
            if track is not None:
                track.remove(process)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


class Daemon:
    """A release car-server on a free loopback port, auth on with `token`, state under `home`
    (`CAR_HOME` and `HOME`), logging to `<home>/daemon-<port>.log`; added to `running` so the
    script's cleanup can kill whatever is still up. `env` adds to the daemon's environment,
    `args` to its command line (the dashboard is off unless `args` gives --dashboard-bind).
    With `own_group` it runs in a process group of its own (still in the script's session), so
    kill_group() ends it with whatever it started, without touching the script."""

    def __init__(self, binary, home, token, running, env=None, args=(), own_group=False):
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
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            process_group=0 if own_group else None)
        self.own_group = own_group
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
        with open(os.path.join(self.home, "ai.parslee.car", "host-token")) as f:
            return self.session(host_token=f.read().strip())

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            fail("the daemon did not stop within 20 s of SIGTERM")

    def kill9(self):
        self.process.kill()
        self.process.wait(10)

    def kill_group(self, grace=2.0):
        """Ends the daemon's process group (own_group) or, without one, the daemon: TERM, then
        KILL after `grace` seconds."""
        if self.own_group:
            kill_group(self.process.pid, grace, self.process)
        elif self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.kill9()


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
