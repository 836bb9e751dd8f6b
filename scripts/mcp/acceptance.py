"""The MCP endpoint end to end, over real sockets, with the real SDK clients.

    acceptance.py PATH/TO/car-server VENV-2.3.0-PYTHON VENV-1.30.0-PYTHON CAR-RUNTIME-0.58.0-PYTHON

(the first two venvs from scripts/mcp/mcp-env.sh, the last from scripts/python-env.sh's first
line). Starts a release daemon with auth ON (a fresh token), MCP bound to a free loopback port
(CAR_MCP_BIND), CAR_HTTP_IDLE_TIMEOUT and CAR_HTTP_REQUEST_TIMEOUT of 2 s, and checks:
- the official clients, each in its own venv, in subprocesses (client_v2.py: mcp 2.3.0
  `Client` in auto mode, which probes server/discover and falls back to initialize;
  client_v1.py: mcp 1.30.0 streamable_http_client + ClientSession at 2025-11-25): initialize,
  list tools (memory_add_fact and memory_query among them), add a fact and find it with
  memory_query; DELETE their session at close;
- one memory graph (checked last): a fact added by one MCP session is found by another, by a
  WebSocket client on car-runtime 0.58.0 (memory.query), and a fact the WebSocket client adds is
  found through MCP memory_query, on the daemon as it starts by default (CAR_MCP_ACCEPTANCE_ARGS
  adds daemon arguments);
- a session ended by HTTP DELETE answers 404 afterwards, and each SDK's behaviour on that 404:
  the call fails with its "session terminated" error, and a new client session works;
- refusals: a foreign Origin 403, no bearer 401 with WWW-Authenticate, a wrong bearer 401; the
  SDK client without a token fails;
- raw HTTP: malformed JSON 400 with -32700, Content-Length 5 MiB 413, a header section over
  32 KiB 431, stalled half requests (head or body) and an idle keep-alive connection closed after
  the timeout while other clients keep working, GET /mcp/health 200 JSON, no session id 400,
  an unknown one 404, MCP-Protocol-Version 1999-01-01 400, a notification 202 with no body, the
  server/discover probe answered at once with a 4xx.
The token is never printed. Prints "ok ..." per check, exits 1 on the first failure (with the
daemon log's tail); about 10 s."""
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "compat"))
import harness  # noqa: E402
from harness import fail, ok, wait_for  # noqa: E402

binary, v2_python, v1_python, car_python = sys.argv[1:5]
TOKEN = secrets.token_urlsafe(32)
TIMEOUT = 2  # CAR_HTTP_IDLE_TIMEOUT and CAR_HTTP_REQUEST_TIMEOUT for this daemon
# The daemon as it starts by default: unbound sessions, WebSocket or MCP, share the daemon's
# one graph (the protocol's memory scope table). CAR_MCP_ACCEPTANCE_ARGS adds daemon arguments.
DAEMON_ARGS = os.environ.get("CAR_MCP_ACCEPTANCE_ARGS", "").split()
TOOLS = ["memory_add_fact", "memory_query", "memory_build_context", "memory_fact_count", "memory_delete",
         "memory_save_knowledge", "memory_save_procedural", "memory_intervene", "memory_evaluate", "skill_find",
         "skill_ingest", "skill_report", "verify"]
# The facts the clients add: words no other fact has, so any ranking finds them.
nonce = secrets.token_hex(4)
s2, s1, sws = f"mcpv2_{nonce}", f"mcpv1_{nonce}", f"wsfact_{nonce}"
b2 = f"the quokka{nonce} gateway uses zircon bearings"
b1 = f"the narwhal{nonce} scheduler prefers basalt queues"
bws = f"the pangolin{nonce} indexer avoids copper caches"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "acceptance", "version": "1"}}}

# A development aid: CAR_MCP_ACCEPTANCE_URL=http://127.0.0.1:PORT/mcp runs the checks against a
# server that is already up (the SDK anchor, say), without a daemon (give "-" for the binary);
# each group stops at its first failure and the run goes on to the next. The WebSocket checks
# need the daemon and fail there; the auth and origin checks fail on a server without them.
DRY_URL = os.environ.get("CAR_MCP_ACCEPTANCE_URL")


class DryFail(Exception):
    pass


if DRY_URL:
    def fail(reason):  # noqa: F811 - the dry run goes on with the next group
        print(f"FAIL (dry run): {reason}", flush=True)
        raise DryFail(reason)

home = tempfile.mkdtemp(prefix="car-mcp.")
daemons = []
daemon = None
MCP_PORT = int(DRY_URL.split(":")[2].split("/")[0]) if DRY_URL else harness.free_port()


# --- raw HTTP ------------------------------------------------------------------------------------
def request(method, body=None, *, token=TOKEN, session=None, version=None, headers=None, path="/mcp", timeout=10):
    """(status, headers with lower-case names, body bytes) of one exchange on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", MCP_PORT, timeout=timeout)
    h = {"Accept": "application/json, text/event-stream"}
    if body is not None:
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = f"Bearer {token}"
    if session:
        h["Mcp-Session-Id"] = session
    if version:
        h["MCP-Protocol-Version"] = version
    h.update(headers or {})
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    try:
        conn.request(method, path, body=data, headers=h)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def message_of(headers, payload):
    """The JSON-RPC message of an answer: the JSON body, or the SSE event carrying a response."""
    if headers.get("content-type", "").startswith("text/event-stream"):
        for event in payload.decode().replace("\r\n", "\n").split("\n\n"):
            data = "\n".join(line[5:].lstrip(" ") for line in event.split("\n") if line.startswith("data:"))
            if data:
                message = json.loads(data)
                if "result" in message or "error" in message:
                    return message
        return None
    return json.loads(payload) if payload else None


def initialize(**kw):
    """A fresh session: (session id, protocol version) after initialize + notifications/initialized."""
    status, headers, payload = request("POST", INIT, **kw)
    if status != 200:
        fail(f"initialize answered HTTP {status}: {payload[:300]!r}")
    message = message_of(headers, payload)
    session = headers.get("mcp-session-id")
    if not session or not message or "result" not in message:
        fail(f"initialize: session id {session!r}, answer {payload[:300]!r}")
    version = message["result"]["protocolVersion"]
    status, _, payload = request("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"},
                                 session=session, version=version)
    if status != 202:
        fail(f"notifications/initialized answered HTTP {status} {payload[:200]!r}")
    return session, version


def raw(data, timeout=10):
    """Sends `data` on a new connection, then reads the answer until the server closes or the
    head and Content-Length body are in; (status, head text, seconds until the answer)."""
    s = socket.create_connection(("127.0.0.1", MCP_PORT), timeout=timeout)
    started = time.monotonic()
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading everything; its answer is still there
        received = b""
        while b"\r\n\r\n" not in received:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        head = received.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        if not head.startswith("HTTP/1."):
            return None, head, time.monotonic() - started
        return int(head.split(" ", 2)[1]), head, time.monotonic() - started
    finally:
        s.close()


def post_head():
    """A POST head up to (not including) its Content-Length line and the blank line."""
    return (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{MCP_PORT}\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n")


def closed_after(stalled, seconds):
    """For each (socket, the moment it went silent): seconds from then until the server closed
    it (EOF or reset; an answer before that, like a 408, is read and ignored), or None when it
    is still open `seconds` after going silent."""
    import select
    cut = [None] * len(stalled)
    deadline = max(since for _, since in stalled) + seconds
    while any(c is None for c in cut) and time.monotonic() < deadline:
        waiting = [s for (s, _), c in zip(stalled, cut) if c is None]
        readable, _, _ = select.select(waiting, [], [], 0.05)
        for s in readable:
            index = [x for x, _ in stalled].index(s)
            try:
                closed = not s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                closed = True
            if closed:
                cut[index] = time.monotonic() - stalled[index][1]
    return cut


# --- the SDK clients and the WebSocket client ----------------------------------------------------------
URL = f"http://127.0.0.1:{MCP_PORT}/mcp"


def sdk(python, script, *args, token=TOKEN, must=True):
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}
    if token:
        env["MCP_TOKEN"] = token
    done = subprocess.run([python, os.path.join(here, script), URL, *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=90)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        fail(f"{script} {args[:1]} printed no report (exit {done.returncode}): {done.stdout[-500:]} {done.stderr[-1500:]}")
    report = json.loads(lines[-1])
    if must and not report.get("ok"):
        fail(f"{script} {' '.join(args[:1])}: {report.get('error')}; wire: {wire_summary(report)}")
    return report


def wire_summary(report):
    return ", ".join(f"{e['method']} {e['rpc'] or ''} -> {e['status']}" for e in report.get("wire", []))


def ws(*args):
    if daemon is None:
        fail("the WebSocket checks need the daemon")
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "CAR_DAEMON_URL": f"ws://127.0.0.1:{daemon.port}", "CAR_AUTH_TOKEN": TOKEN}
    done = subprocess.run([car_python, os.path.join(here, "ws_memory_058.py"), *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=90)
    if done.returncode != 0:
        fail(f"car-runtime 0.58.0 {args[0]}: exit {done.returncode}: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def has(hits, subject):
    return any(isinstance(hit, dict) and hit.get("subject") == subject for hit in hits or [])


def check_basic(name, report, subject):
    tools = report.get("tools") or []
    if "memory_add_fact" not in tools or "memory_query" not in tools:
        fail(f"{name}: tools/list lacks memory_add_fact or memory_query: {tools}")
    missing = [t for t in TOOLS if t not in tools]
    if not has(report.get("hits"), subject):
        fail(f"{name}: memory_query did not find the fact it added ({subject}): {json.dumps(report.get('hits'))[:600]}")
    wire = report["wire"]
    deletes = [e for e in wire if e["method"] == "DELETE"]
    if not deletes or deletes[-1]["status"] not in (200, 202, 204):
        fail(f"{name}: its DELETE at close was answered {[e['status'] for e in deletes]} (expected 200/204)")
    ok(f"{name}: initialize at {report['protocol_version']}, {len(tools)} tools listed"
       + (f" (of the 13 expected, missing: {missing})" if missing else " (all 13 expected)")
       + f", memory_add_fact -> {report.get('added')}, memory_query found the fact; DELETE at close -> {deletes[-1]['status']}")
    return wire


def check_recover(name, report, codes):
    if report.get("deleted_status") not in (200, 204):
        fail(f"{name}: DELETE of its own session answered {report.get('deleted_status')}")
    if report.get("error_code") not in codes:
        fail(f"{name}: a call on the deleted session gave {report.get('error_code')} {report.get('error_message')!r}, "
             f"expected one of {codes}; wire: {wire_summary(report)}")
    after = [e for e in report["wire"] if e["rpc"] == "tools/call"]
    if not any(e["status"] == 404 for e in after):
        fail(f"{name}: no 404 seen for the deleted session; wire: {wire_summary(report)}")
    ids = report.get("session_ids") or []
    if report.get("recovered_count") is None or len(set(ids)) < 2:
        fail(f"{name}: the new session did not work: {report}")
    ok(f"{name}: after DELETE its call got 404 -> error {report['error_code']} {report['error_message']!r}; "
       f"the SDK does not re-initialize by itself, a new client session did (new id) and memory_fact_count -> {report['recovered_count']}")


def start_daemon():
    global daemon
    daemon = harness.Daemon(binary, home, TOKEN, daemons,
                            env={"CAR_MCP_BIND": f"127.0.0.1:{MCP_PORT}", "CAR_HTTP_IDLE_TIMEOUT": str(TIMEOUT),
                                 "CAR_HTTP_REQUEST_TIMEOUT": str(TIMEOUT)}, args=DAEMON_ARGS)

    def mcp_listening():
        daemon.listening()
        try:
            socket.create_connection(("127.0.0.1", MCP_PORT), timeout=0.2).close()
            return True
        except OSError:
            return False
    wait_for(f"the MCP endpoint on port {MCP_PORT}", mcp_listening, 15)
    ok(f"daemon up: WebSocket on {daemon.port}, MCP at {URL} (auth on{', ' + ' '.join(DAEMON_ARGS) if DAEMON_ARGS else ''})")


def check_refusals():
    """Health, refusals."""
    status, headers, payload = request("GET", path="/mcp/health")
    if status != 200 or not headers.get("content-type", "").startswith("application/json"):
        fail(f"GET /mcp/health answered {status} {headers.get('content-type')} {payload[:200]!r}")
    json.loads(payload)
    ok(f"GET /mcp/health -> 200 JSON {payload[:120].decode()}")
    status, headers, payload = request("POST", INIT, token=None)
    if status != 401 or "www-authenticate" not in headers:
        fail(f"initialize without a bearer token answered {status} {headers} {payload[:200]!r}")
    ok(f"no bearer token -> 401, WWW-Authenticate: {headers['www-authenticate'][:80]}")
    status, headers, payload = request("POST", INIT, token=TOKEN[:-4] + "AAAA" if not TOKEN.endswith("AAAA") else TOKEN[:-4] + "BBBB")
    if status != 401:
        fail(f"initialize with a wrong bearer token answered {status} {payload[:200]!r}")
    ok("a wrong bearer token -> 401")
    status, _, payload = request("POST", INIT, headers={"Origin": "http://evil.example"})
    if status != 403:
        fail(f"initialize with Origin http://evil.example answered {status} {payload[:200]!r}")
    ok("Origin: http://evil.example -> 403 (with a valid token)")
    session, version = initialize(headers={"Origin": f"http://127.0.0.1:{MCP_PORT}"})
    ok(f"Origin: http://127.0.0.1:{MCP_PORT} is admitted (initialize at {version}, a session id)")


def check_raw_protocol():
    """Raw protocol answers."""
    session, version = initialize()
    status, _, payload = request("POST", b'{"jsonrpc": "2.0", "id": 1, "method": ')
    try:
        code = json.loads(payload)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    if status != 400 or code != -32700:
        fail(f"malformed JSON answered {status} {payload[:200]!r} (expected 400 with -32700)")
    ok("malformed JSON -> 400 with a JSON-RPC parse error (-32700)")
    status, _, payload = request("POST", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    if status != 400:
        fail(f"tools/list without a session id answered {status} {payload[:200]!r}")
    ok("tools/list without Mcp-Session-Id -> 400")
    status, _, payload = request("POST", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                                 session="no-such-session-" + secrets.token_hex(8), version=version)
    if status != 404:
        fail(f"tools/list with an unknown session id answered {status} {payload[:200]!r}")
    ok("an unknown Mcp-Session-Id -> 404")
    status, _, payload = request("POST", {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, session=session, version="1999-01-01")
    if status != 400:
        fail(f"MCP-Protocol-Version: 1999-01-01 answered {status} {payload[:200]!r}")
    ok("MCP-Protocol-Version: 1999-01-01 -> 400")
    status, headers, payload = request("POST", {"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, session=session, version=version)
    listed = message_of(headers, payload)
    if status != 200 or not listed or "result" not in listed:
        fail(f"tools/list in a session answered {status} {payload[:300]!r}")
    ok(f"tools/list in the session -> 200 {headers.get('content-type')}, {len(listed['result'].get('tools', []))} tools")
    status, _, payload = request("POST", {"jsonrpc": "2.0", "method": "notifications/cancelled",
                                          "params": {"requestId": 99, "reason": "test"}}, session=session, version=version)
    if status != 202 or payload:
        fail(f"a notification answered {status} with {len(payload)} body bytes (expected 202, empty)")
    ok("a notification -> 202 with an empty body")
    status, text, _ = raw((f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:{MCP_PORT}\r\nAuthorization: Bearer {TOKEN}\r\n"
                           f"Accept: text/event-stream\r\nMcp-Session-Id: {session}\r\nMCP-Protocol-Version: {version}\r\n\r\n").encode(),
                          timeout=5)
    if status not in (200, 405):
        fail(f"GET /mcp (the standalone SSE stream) answered {status} {text[:200]!r} (expected 405, or 200 with a stream)")
    ok(f"GET /mcp in the session -> {status} ({'no standalone stream' if status == 405 else text.split(chr(13))[0]})")
    started = time.monotonic()
    status, headers, payload = request("POST", {"jsonrpc": "2.0", "id": 1, "method": "server/discover",
                                                "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}},
                                       headers={"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"})
    elapsed = time.monotonic() - started
    if not 400 <= status < 500 or elapsed > 2:
        fail(f"the server/discover probe without a session answered {status} after {elapsed:.1f} s "
             "(mcp 2.3.0 falls back to initialize on any prompt 4xx; a silent server costs it 10 s)")
    ok(f"server/discover without a session -> {status} in {elapsed * 1000:.0f} ms"
       + ("" if "mcp-session-id" not in headers else " (note: it carries an Mcp-Session-Id)"))
    status, _, _ = request("DELETE", session=session, version=version)
    if status not in (200, 204):
        fail(f"DELETE of a session answered {status}")
    after, _, payload = request("POST", {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}, session=session, version=version)
    if after != 404:
        fail(f"a request on a DELETEd session answered {after} {payload[:200]!r} (expected 404)")
    ok(f"DELETE of the session -> {status}; the next request with its id -> 404")


def check_limits():
    """Limits."""
    status, text, elapsed = raw((post_head() + f"Content-Length: {5 << 20}\r\n\r\n").encode() + b"{" * 65536)
    if status != 413:
        fail(f"Content-Length 5 MiB answered {status} {text[:200]!r}")
    ok(f"Content-Length 5 MiB (limit 4 MiB) -> 413 in {elapsed * 1000:.0f} ms")
    status, text, elapsed = raw((post_head() + "X-Filler: " + "a" * (40 << 10) + "\r\nContent-Length: 2\r\n\r\n{}").encode())
    if status != 431:
        fail(f"a 40 KiB header section answered {status} {text[:200]!r}")
    ok(f"a header section of 40 KiB (limit 32 KiB) -> 431 in {elapsed * 1000:.0f} ms")


def check_slow_clients():
    """Slow and idle clients are cut after the timeout; others keep working meanwhile."""
    half_head = socket.create_connection(("127.0.0.1", MCP_PORT), timeout=10)
    half_head.sendall(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{MCP_PORT}\r\n".encode())
    head_since = time.monotonic()
    half_body = socket.create_connection(("127.0.0.1", MCP_PORT), timeout=10)
    half_body.sendall((post_head() + "Content-Length: 200\r\n\r\n").encode() + b'{"jsonrpc":"2.0",')
    body_since = time.monotonic()
    idle = socket.create_connection(("127.0.0.1", MCP_PORT), timeout=10)
    idle.sendall(f"GET /mcp/health HTTP/1.1\r\nHost: 127.0.0.1:{MCP_PORT}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    if not idle.recv(65536).startswith(b"HTTP/1.1 200"):
        fail("the keep-alive connection's health request was not answered 200")
    idle_since = time.monotonic()
    started = time.monotonic()
    for _ in range(5):
        if request("GET", path="/mcp/health", timeout=2)[0] != 200:
            fail("GET /mcp/health failed while slow clients were stalled")
    initialize()
    busy = time.monotonic() - started
    cut = closed_after([(half_head, head_since), (half_body, body_since), (idle, idle_since)], TIMEOUT + 8)
    for s in (half_head, half_body, idle):
        s.close()
    names = ("half head", "half body", "idle keep-alive")
    for name, c in zip(names, cut):
        if c is None:
            fail(f"the {name} connection was still open {TIMEOUT + 8} s after going silent (timeout {TIMEOUT} s): {cut}")
        if c < TIMEOUT * 0.5:
            fail(f"the {name} connection was cut {c:.1f} s after going silent, before the {TIMEOUT} s timeout")
    if busy > 1.5:
        fail(f"other clients were slowed while the slow ones stalled: 5 health checks + a session took {busy:.1f} s")
    ok(f"stalled half head / half body / idle keep-alive cut {cut[0]:.1f} / {cut[1]:.1f} / {cut[2]:.1f} s after going silent "
       f"(timeout {TIMEOUT} s); meanwhile 5 health checks and a new session took {busy * 1000:.0f} ms")


def check_sdk_clients():
    """The official SDK clients."""
    v2 = sdk(v2_python, "client_v2.py", "basic", s2, b2, f"quokka{nonce} zircon bearings")
    wire = check_basic("mcp 2.3.0 Client (auto)", v2, s2)
    if wire[0]["rpc"] != "server/discover" or not any(e["rpc"] == "initialize" and e["status"] == 200 for e in wire):
        fail(f"mcp 2.3.0 did not probe then initialize: {wire_summary(v2)}")
    ok(f"mcp 2.3.0 probed server/discover (-> {wire[0]['status']}) and fell back to initialize; "
       f"GET stream -> {[e['status'] for e in wire if e['method'] == 'GET']}")
    v1 = sdk(v1_python, "client_v1.py", "basic", s1, b1, f"narwhal{nonce} basalt queues")
    check_basic("mcp 1.30.0 streamable_http_client + ClientSession", v1, s1)


def check_one_graph():
    """One memory graph for MCP sessions and WebSocket clients."""
    got = sdk(v1_python, "client_v1.py", "query", f"quokka{nonce} zircon bearings")
    if not has(got["hits"], s2):
        fail(f"a fact added by one MCP session (mcp 2.3.0) is not found by another (mcp 1.30.0): {json.dumps(got['hits'])[:500]} "
             "(each MCP session has a graph of its own: unbound sessions must share the daemon's graph, as the "
             "protocol's memory scope table says)")
    ok("a fact added in one MCP session is found from another session")
    got = ws("query", f"quokka{nonce} zircon bearings")
    if not has(got["hits"], s2):
        fail(f"car-runtime 0.58.0 memory.query does not see the fact added through MCP: {json.dumps(got['hits'])[:500]} "
             "(an unbound WebSocket connection and the MCP sessions must share the daemon's graph)")
    ok("car-runtime 0.58.0 over WebSocket: memory.query finds the fact added through MCP")
    added = ws("add", sws, bws)
    got = sdk(v2_python, "client_v2.py", "query", f"pangolin{nonce} copper caches")
    if not has(got["hits"], sws):
        fail(f"MCP memory_query does not see the fact car-runtime 0.58.0 added: {json.dumps(got['hits'])[:500]}")
    ok(f"car-runtime 0.58.0 memory.add_fact (-> {added['added']}) is found through MCP memory_query (mcp 2.3.0)")


def check_recovery():
    """404 after DELETE, as each SDK meets it."""
    check_recover("mcp 2.3.0", sdk(v2_python, "client_v2.py", "recover"), (-32600,))
    check_recover("mcp 1.30.0", sdk(v1_python, "client_v1.py", "recover"), (32600, -32600))


def check_no_token():
    """The SDK clients without the token."""
    for name, python, script in (("mcp 2.3.0", v2_python, "client_v2.py"), ("mcp 1.30.0", v1_python, "client_v1.py")):
        report = sdk(python, script, "query", "anything", token=None, must=False)
        statuses = [e["status"] for e in report.get("wire", [])]
        if report.get("ok") or 401 not in statuses:
            fail(f"{name} without a token: {report.get('error')}; statuses {statuses}")
        ok(f"{name} without a token fails ({' '.join(report['error'].split())[:100]}); statuses {statuses}")


# The shared graph last: a daemon that keeps one graph per session fails only that, after the rest ran.
GROUPS = [check_refusals, check_raw_protocol, check_limits, check_slow_clients, check_sdk_clients, check_recovery,
          check_no_token, check_one_graph]


def main():
    if DRY_URL:
        failed = []
        for group in GROUPS:
            try:
                group()
            except DryFail as e:
                failed.append(f"{group.__name__}: {e}")
            except Exception as e:  # noqa: BLE001 - a dry run reports and goes on
                print(f"FAIL (dry run): {type(e).__name__}: {e}")
                failed.append(f"{group.__name__}: {type(e).__name__}: {e}")
        print(f"dry run against {URL}: {len(GROUPS) - len(failed)} of {len(GROUPS)} groups passed")
        for line in failed:
            print(f"  failed {line}")
        return
    start_daemon()
    for group in GROUPS:
        group()
    daemon.listening()  # still up
    daemon.stop()
    ok("SIGTERM: the daemon stopped")


exit_status = 1
try:
    main()
    exit_status = 0
    if not DRY_URL:
        print("MCP acceptance: all checks passed")
except SystemExit as e:
    exit_status = e.code if isinstance(e.code, int) else 1
except BaseException:
    import traceback
    traceback.print_exc()
    print("FAIL: the acceptance script broke (traceback above)")
finally:
    for d in daemons:
        if d.process.poll() is None:
            d.kill9()
    if exit_status:
        for d in daemons:
            try:
                with open(d.log.name) as f:
                    tail = f.readlines()[-30:]
                print(f"--- daemon log ({d.log.name}), last {len(tail)} lines")
                print("".join(tail), end="")
            except OSError:
                pass
    if not os.environ.get("KEEP_TMP"):
        import shutil
        shutil.rmtree(home, ignore_errors=True)
sys.exit(exit_status)
