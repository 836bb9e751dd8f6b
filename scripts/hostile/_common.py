"""What every hostile check shares (files starting with "_" are not checks).

scripts/hostile.sh runs each check as `python3 CHECK.py` with the daemon under test described
in the environment:

    CAR_HOSTILE_BIN         the car-server binary (checks that need a daemon of their own start it)
    CAR_HOSTILE_URL         ws://127.0.0.1:PORT/ of the shared daemon (auth on, CAR_AUTH_TIMEOUT=2)
    CAR_HOSTILE_PORT        its port
    CAR_HOSTILE_TOKEN_FILE  its auth-token file
    CAR_HOSTILE_PID         its pid
    CAR_HOSTILE_LOGS        a folder for the logs of daemons a check starts (hostile.sh greps
                            every *.log there, and the shared daemon's, for the loop watchdog)
    CAR_HOSTILE_AUTH_TIMEOUT the shared daemon's auth deadline in seconds (2)

A check prints what it reproduced, one "ok ..." line per property, and "FAIL: reason" for
each one that does not hold (fail() stops there, problem() goes on to the next), and exits 1
when any failed. Every wait is bounded; a daemon a
check starts is always killed when the check exits."""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from wsclient import WSClient, Closed, UpgradeRefused, OP_TEXT  # noqa: E402,F401

NAME = os.path.splitext(os.path.basename(sys.argv[0]))[0]
BIN = os.environ.get("CAR_HOSTILE_BIN", "")
PORT = int(os.environ.get("CAR_HOSTILE_PORT", "0") or 0)
TOKEN_FILE = os.environ.get("CAR_HOSTILE_TOKEN_FILE", "")
PID = int(os.environ.get("CAR_HOSTILE_PID", "0") or 0)
LOGS = os.environ.get("CAR_HOSTILE_LOGS") or tempfile.mkdtemp(prefix="car-hostile-logs.")
AUTH_TIMEOUT = float(os.environ.get("CAR_HOSTILE_AUTH_TIMEOUT", "2"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def fail(reason):
    print(f"FAIL: {reason}", flush=True)
    sys.exit(1)


problems = []


def problem(reason):
    """A failed property that does not stop the check: the others are still tried (finish()
    then exits 1), so one run shows everything a daemon gets wrong."""
    print(f"FAIL: {reason}", flush=True)
    problems.append(reason)


def finish():
    if problems:
        print(f"{len(problems)} propert{'y' if len(problems) == 1 else 'ies'} failed", flush=True)
        sys.exit(1)


def ok(what):
    print(f"ok  {what}", flush=True)


def note(what):
    print(f"    {what}", flush=True)


def token():
    try:
        with open(TOKEN_FILE, encoding="ascii") as f:
            return f.read().strip()
    except OSError as error:
        fail(f"cannot read the shared daemon's token file {TOKEN_FILE!r}: {error}")


def alive(pid):
    """Running and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def cpu_seconds(pid):
    """User + system CPU time the process has used (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def authed(port, tok, timeout=10.0, handshake=True):
    """A connection that completed session.auth (and server.handshake v3)."""
    c = WSClient(port, timeout=timeout)
    reply = c.call(0, "session.auth", {"token": tok})
    if reply.get("result", {}).get("ok") is not True:
        fail(f"session.auth with the right token answered {reply}")
    if handshake:
        reply = c.call(1, "server.handshake", {"client_version": "hostile", "protocol_version": 3})
        if "result" not in reply:
            fail(f"server.handshake answered {reply}")
    return c


def outcome(c, timeout):
    """What the server does next within timeout: ("close", Closed), ("message", value) or
    ("silent", None)."""
    try:
        return "message", c.recv_json(timeout=timeout)
    except Closed as closed:
        return "close", closed
    except TimeoutError:  # socket.timeout is TimeoutError (an OSError): caught before OSError
        return "silent", None
    except OSError as error:
        return "close", Closed(how=type(error).__name__)


def closed_within(c, timeout):
    """Reads (answering pings) until the server closes; returns (seconds, Closed, replies) or
    (None, None, replies) when it is still open after timeout."""
    started = time.monotonic()
    deadline = started + timeout
    replies = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, None, replies
        kind, value = outcome(c, left)
        if kind == "close":
            return time.monotonic() - started, value, replies
        if kind == "silent":
            return None, None, replies
        replies.append(value)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Daemon:
    """A car-server of the check's own: fresh CAR_HOME, free port, log in CAR_HOSTILE_LOGS.
    args are extra options, env extra variables, shell a bash prelude run before the exec
    (for `ulimit -n 64`). The process is the daemon itself (bash execs it)."""

    started = []

    def __init__(self, args=(), env=None, shell=None, label=None, auth=True, wait=True):
        if not BIN:
            fail("CAR_HOSTILE_BIN is not set (run through scripts/hostile.sh)")
        self.home = tempfile.mkdtemp(prefix="car-hostile.")
        self.port = free_port()
        self.label = label or NAME
        self.log_path = os.path.join(LOGS, f"{self.label}-{os.getpid()}-{len(Daemon.started)}.log")
        self.token = None
        self.token_file = os.path.join(self.home, "ai.parslee.car", "auth-token")
        command = [BIN, "--port", str(self.port), "--uds", "disabled", "--log-level", "info", *args]
        if not auth:
            command.append("--no-auth")
        if shell:
            command = ["bash", "-c", f'{shell}; exec "$0" "$@"', *command]
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "CAR_HOME": self.home,
                       "LANG": "C.UTF-8", **(env or {})}
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.process.pid
        Daemon.started.append(self)
        if wait:
            self.wait_ready(auth)

    def ready(self, auth=True, seconds=15):
        """True once it accepts connections (and, with auth, its token file holds a token);
        False when it exited or was not ready within seconds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if port_open(self.port):
                if not auth:
                    return True
                try:
                    with open(self.token_file, encoding="ascii", errors="replace") as f:
                        self.token = f.read().strip()
                except OSError:
                    self.token = None
                if self.token:
                    return True
            time.sleep(0.02)
        return False

    def wait_ready(self, auth=True, seconds=15):
        if not self.ready(auth, seconds):
            if self.process.poll() is not None:
                fail(f"{self.label}: the daemon exited with status {self.process.returncode} at startup: {self.log_tail()}")
            fail(f"{self.label}: the daemon was not ready (port open, token written) within {seconds} s: {self.log_tail()}")

    def log_tail(self, lines=12):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return " | ".join(f.read().splitlines()[-lines:]) or "(empty log)"
        except OSError:
            return "(no log)"

    def stop(self, seconds=5.0):
        """SIGTERM, then the exit status (None when it had to be killed after seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(seconds)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass


def _kill_all():
    for daemon in Daemon.started:
        daemon.kill()
        if os.environ.get("KEEP_TMP") != "1":
            shutil.rmtree(daemon.home, ignore_errors=True)
    if os.environ.get("KEEP_TMP") != "1":
        for path in scratch:
            shutil.rmtree(path, ignore_errors=True)


scratch = []  # folders a check made, removed at exit


def scratch_dir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    scratch.append(path)
    return path


atexit.register(_kill_all)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def rpc(id_, method, params=None):
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}


def dumps(value):
    return json.dumps(value, separators=(",", ":"))
