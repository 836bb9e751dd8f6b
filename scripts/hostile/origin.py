"""Browser pages cannot open the daemon's WebSocket (issue 9, item 4).

An upgrade whose Origin header is present and is not a loopback origin
(http(s)://127.0.0.1|localhost|[::1][:port]) is refused with HTTP 403 unless
--allow-origin lists it; clients that send no Origin are unaffected; with and without auth.
  - the shared daemon (auth on): evil and look-alike origins get 403; loopback origins and
    no Origin get 101;
  - a daemon with --no-auth: the same refusal (auth is no substitute);
  - a daemon with --allow-origin http://evil.example: that origin is admitted (and can then
    authenticate and ping), another foreign one still gets 403."""
from _common import PORT, Daemon, UpgradeRefused, WSClient, fail, finish, ok, problem

REFUSED = ["http://evil.example", "https://evil.example", "null", "http://127.0.0.1.evil.example",
           "http://localhost.evil.example", "http://evil.example:{port}", "file://"]
ADMITTED = ["http://127.0.0.1:{port}", "http://localhost:{port}", "http://[::1]:{port}", "https://127.0.0.1",
            "http://localhost"]


def upgrade(port, origin):
    """The HTTP status of an upgrade with this Origin (None: no Origin header)."""
    headers = () if origin is None else (f"Origin: {origin}",)
    try:
        c = WSClient(port, timeout=5, extra_headers=headers)
    except UpgradeRefused as refused:
        return refused.status, None
    return 101, c


def expect(port, origin, status, label):
    got, c = upgrade(port, origin)
    if c is not None:
        c.close()
    if got != status:
        problem(f"{label}: an upgrade with Origin {origin!r} got {got}, expected {status}")
        return False
    return True


def check_daemon(port, label):
    results = [expect(port, origin.format(port=port), 403, label) for origin in REFUSED]
    results += [expect(port, origin.format(port=port), 101, label) for origin in ADMITTED]
    results.append(expect(port, None, 101, label))
    if all(results):
        ok(f"{label}: {len(REFUSED)} foreign origins (evil, look-alike, null) -> 403; "
           f"{len(ADMITTED)} loopback origins and no Origin -> 101")


check_daemon(PORT, "auth on")

no_auth = Daemon(auth=False, label="origin-noauth")
check_daemon(no_auth.port, "--no-auth")
no_auth.stop()

allowed = Daemon(args=["--allow-origin", "http://evil.example"], label="origin-allow")
status, c = upgrade(allowed.port, "http://evil.example")
if status != 101:
    fail(f"--allow-origin http://evil.example: that origin got {status}, expected 101")
reply = c.call(0, "session.auth", {"token": allowed.token})
if reply.get("result", {}).get("ok") is not True or c.call(1, "server.ping").get("result") != {}:
    fail(f"--allow-origin: the admitted connection could not authenticate and ping: {reply}")
c.close()
if expect(allowed.port, "http://other.example", 403, "--allow-origin http://evil.example") \
        and expect(allowed.port, None, 101, "--allow-origin http://evil.example"):
    ok("--allow-origin http://evil.example: that origin -> 101, authenticates and pings; "
       "http://other.example -> 403; no Origin -> 101")
allowed.stop()
finish()
