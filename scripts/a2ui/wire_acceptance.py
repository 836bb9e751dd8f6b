#!/usr/bin/env python3
"""A2UI surfaces over real sockets (issue 14): the wire contract of docs/a2ui-contract.md.

    wire_acceptance.py PATH/TO/car-server [PATH/TO/car-0.58.0-venv]

(the venv defaults to the first line scripts/python-env.sh prints). One daemon, started with
harness.Daemon (--mcp-bind disabled, the dashboard on a free loopback port). Checked:
  1. the official client car-runtime 0.58.0 (scripts/a2ui/client_058.py in its venv):
     a2ui_capabilities, a2ui_apply (create, components, data model), a2ui_get / a2ui_surfaces,
     a rejected message (error, surface unchanged, nothing broadcast), a2ui_ingest of an A2A
     task, a2ui_reap, and a2ui.event through register_daemon_notification_handler;
  2. raw WebSocket (compat/wsclient.py): two subscribers see the same ~20 updates in the same
     order (also with two appliers racing), a rejected message reaches neither; a late joiner
     catches up with a2ui/replay and then follows; a2ui/unsubscribe stops events; a dropped
     subscriber is cleaned up; a2ui.action reaches subscribers as a2ui.event {surfaceId,
     action, owner} (no route) and host.events / host.event (with the route); surface_updated /
     surface_deleted are host events too;
  3. planted secrets: routeAuth bearer and header credentials given to a2ui.ingest appear in
     nothing the daemon emitted (every reply and notification on every connection, the 0.58
     client's replies, the dashboard's GET /, /dashboard.js, /auth-token, the daemon's log and
     every file under its home); a non-loopback endpoint is refused (-32602, nothing stored)
     unless allowUntrustedEndpoint is true;
  4. malformed a2ui.apply params each answer -32602 (or the daemon's size error) and the
     daemon stays up.
Prints "ok  ..." per check; "FAIL: ..." and exit 1 on the first failure. Bounded: a watchdog
ends the run after WHOLE_RUN_SECONDS (and SIGTERM ends it at once) with a FAIL, after ending
the daemon's process group (the daemon runs in one of its own) and any official-client run,
and removing the temporary home."""
import json
import os
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts", "compat"))
import harness  # noqa: E402
import wsclient  # noqa: E402
from harness import fail, http_get, ok  # noqa: E402

BASIC = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"
CAR = "https://parslee.ai/car/a2ui/v0_9/catalog.json"
WHOLE_RUN_SECONDS = 90

# The official-client runs in progress (their own process groups), for the watchdog to end.
CLIENTS = []

# Every text message any raw connection received, in arrival order (replies and notifications).
EMITTED = wsclient.record_text_messages()


def alnum(n):
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


# -- helpers over a raw connection -------------------------------------------------------------

class Conn:
    """A session connection (auth + server.handshake v3) that keeps every notification it reads."""

    def __init__(self, daemon, name):
        self.name = name
        self.c = daemon.session()
        self.notes = []
        self.n = 0
        self.call_ok("server.handshake", {"protocol_version": 3, "client_version": f"a2ui-wire-{name}"})

    def raw(self, method, params=None, timeout=15):
        self.n += 1
        reply = self.c.call(f"{self.name}-{self.n}", method, params, timeout=timeout)
        return reply

    def call_ok(self, method, params=None):
        reply = self.raw(method, params)
        if "error" in reply:
            fail(f"[{self.name}] {method} {json.dumps(params)[:200]} answered {reply['error']}")
        return reply["result"]

    def call_err(self, method, params=None, timeout=15):
        reply = self.raw(method, params, timeout)
        if "error" not in reply:
            fail(f"[{self.name}] {method} {json.dumps(params)[:200]} should have failed, answered {json.dumps(reply)[:300]}")
        return reply["error"]

    def pump(self, seconds):
        """Reads notifications for `seconds` (wait_reply's held ones first)."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not self.c.pending:
                return
            try:
                msg = self.c.recv_json(max(0.001, min(remaining, 0.2)))
            except TimeoutError:
                continue
            if isinstance(msg, dict) and "method" in msg:
                self.notes.append(msg)

    def a2ui(self):
        return [m["params"] for m in self.notes if m.get("method") == "a2ui.event"]

    def host_events(self):
        return [m["params"] for m in self.notes if m.get("method") == "host.event"]

    def wait(self, what, predicate, seconds=10.0):
        deadline = time.monotonic() + seconds
        while True:
            found = predicate(self)
            if found:
                return found
            if time.monotonic() >= deadline:
                fail(f"[{self.name}] timed out after {seconds:.0f} s waiting for {what}; "
                     f"last notifications: {json.dumps(self.notes[-3:])[:600]}")
            self.pump(0.1)

    def close(self):
        self.c.close()


def updates_of(events, surfaces=None):
    """(surfaceId, revision) of the surface_updated events, in order."""
    return [(e["result"]["surfaceId"], e["result"]["surface"]["revision"]) for e in events
            if e.get("kind") == "a2ui.surface_updated" and (surfaces is None or e["result"]["surfaceId"] in surfaces)]


def create(sid, catalog=BASIC):
    return {"version": "v0.9", "createSurface": {"surfaceId": sid, "catalogId": catalog}}


def components(sid, comps):
    return {"version": "v0.9", "updateComponents": {"surfaceId": sid, "components": comps}}


def data(sid, path, value):
    return {"version": "v0.9", "updateDataModel": {"surfaceId": sid, "path": path, "value": value}}


# -- 1. the official 0.58 client ---------------------------------------------------------------

def official_client(daemon, venv, token, *args):
    python = os.path.join(venv, "bin", "python")
    if not os.access(python, os.X_OK):
        fail(f"no python in the 0.58.0 venv {venv}")
    env = {"PATH": "/usr/bin:/bin", "HOME": daemon.home, "CAR_DAEMON_URL": f"ws://127.0.0.1:{daemon.port}",
           "CAR_AUTH_TOKEN": token, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        run = harness.run_bounded([python, os.path.join(HERE, "client_058.py"), *(args or ("c58",))], 40,
                                  track=CLIENTS, env=env)
    except subprocess.TimeoutExpired as expired:
        fail(f"client_058.py did not finish within 40 s; output so far: {(expired.stdout or '')[-800:]}")
    result = {}
    for line in run.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
        elif line.startswith("ok  "):
            print(line, flush=True)
        elif line.startswith("FAIL: "):
            fail(f"0.58 client: {line[len('FAIL: '):]}")
    if run.returncode != 0:
        fail(f"client_058.py exited {run.returncode}: {run.stdout[-600:]} {run.stderr[-1200:]}")
    return run.stdout + run.stderr, result


# -- 2. raw WebSocket fan-out ------------------------------------------------------------------

def fanout(daemon, watcher):
    s1, s2 = Conn(daemon, "sub1"), Conn(daemon, "sub2")
    for s in (s1, s2):
        if s.call_ok("a2ui/subscribe", {}) != {"subscribed": True}:
            fail("a2ui/subscribe did not answer {subscribed: true}")
    p = Conn(daemon, "applier")
    expected = []

    def apply(conn, envelope, into):
        result = conn.call_ok("a2ui.apply", envelope)
        if result.get("deleted"):
            return result
        into.append((result["surfaceId"], result["surface"]["revision"]))
        return result

    seq_a, seq_b = "wire-seq-a", "wire-seq-b"
    apply(p, create(seq_a), expected)
    apply(p, {"envelope": create(seq_b, CAR)}, expected)  # the {envelope} form
    apply(p, components(seq_a, [{"id": "root", "component": "Column", "children": ["t0"]},
                                {"id": "t0", "component": "Text", "text": {"path": "/n"}}]), expected)
    rejected = 0
    for i in range(17):
        sid = seq_a if i % 2 == 0 else seq_b
        if i == 8:
            error = p.call_err("a2ui.apply", components(sid, [{"id": "root", "component": "Marquee"}]))
            if error.get("code") != -32602 or (error.get("data") or {}).get("kind") != "UnsupportedComponent" \
                    or not str(error.get("message", "")).startswith("UnsupportedComponent: "):
                fail(f"an unknown component answered {error}, wants -32602 'UnsupportedComponent: ...' with data.kind")
            error = p.call_err("a2ui.apply", data("wire-nope", "/x", 1))
            if error.get("code") != -32602 or (error.get("data") or {}).get("kind") != "SurfaceNotFound":
                fail(f"an update of an unknown surface answered {error}")
            rejected += 2
        if sid == seq_a:
            apply(p, data(sid, "/n", i), expected)
        else:
            apply(p, components(sid, [{"id": "root", "component": "Badge", "text": f"b{i}"}]), expected)
    total = len(expected)
    for s in (s1, s2):
        s.wait(f"{total} surface_updated events", lambda c: len(updates_of(c.a2ui(), {seq_a, seq_b})) >= total)
    s1.pump(0.3)
    s2.pump(0.3)
    got1, got2 = updates_of(s1.a2ui(), {seq_a, seq_b}), updates_of(s2.a2ui(), {seq_a, seq_b})
    if got1 != expected or got2 != expected:
        fail(f"subscribers saw other sequences than the applies answered:\n  applied {expected}\n  sub1    {got1}\n  sub2    {got2}")
    ok(f"two subscribers saw all {total} updates (surfaceId+revision) in the order applied; {rejected} rejected messages reached neither")

    # Two appliers racing on one surface: both subscribers agree, revisions consecutive.
    race = "wire-race"
    p.call_ok("a2ui.apply", create(race))
    q = Conn(daemon, "applier2")
    errors = []

    def hammer(conn, tag):
        try:
            for k in range(10):
                reply = conn.raw("a2ui.apply", data(race, f"/{tag}", k))
                if "error" in reply:
                    errors.append(reply["error"])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=hammer, args=(conn, tag)) for conn, tag in ((p, "p"), (q, "q"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    if errors or any(t.is_alive() for t in threads):
        fail(f"racing applies failed: {errors[:3]}")
    for s in (s1, s2):
        s.wait("21 race events", lambda c: len(updates_of(c.a2ui(), {race})) >= 21)
    r1, r2 = updates_of(s1.a2ui(), {race}), updates_of(s2.a2ui(), {race})
    if r1 != r2 or [rev for _, rev in r1] != list(range(1, 22)):
        fail(f"racing applies: sub1 {r1}\n  sub2 {r2}\n  want revisions 1..21 in order on both")
    ok("two appliers racing on one surface: both subscribers saw revisions 1..21 in order")

    # A late joiner: replay, then the following events.
    late = Conn(daemon, "late")
    late.call_ok("a2ui/subscribe", {})
    now = late.call_ok("a2ui/replay", {"surfaceId": seq_a})
    last_a = max(rev for sid, rev in expected if sid == seq_a)
    if not now or now.get("revision") != last_a or now.get("dataModel") != {"n": 16}:
        fail(f"a2ui/replay for the late joiner answered {json.dumps(now)[:400]}, wants revision {last_a}, dataModel {{n: 16}}")
    if late.call_ok("a2ui/replay", {"surface_id": seq_b}).get("revision") != max(rev for sid, rev in expected if sid == seq_b):
        fail("a2ui/replay {surface_id} did not answer the surface as it is")
    if late.call_ok("a2ui/replay", {"surfaceId": "wire-nope"}) is not None:
        fail("a2ui/replay of an unknown surface did not answer null")
    step = p.call_ok("a2ui.apply", data(seq_a, "/n", 99))["surface"]["revision"]
    late.wait("the update after replay", lambda c: (seq_a, step) in updates_of(c.a2ui()))
    if updates_of(late.a2ui()) != [(seq_a, step)]:
        fail(f"the late joiner got {updates_of(late.a2ui())}, wants only [({seq_a!r}, {step})]")
    ok(f"a late joiner: a2ui/replay answered revision {last_a} (both id spellings, null for unknown), then event rev {step}")

    # Unsubscribe: no more events (idempotent).
    for _ in range(2):
        if late.call_ok("a2ui/unsubscribe", {}) != {"subscribed": False}:
            fail("a2ui/unsubscribe did not answer {subscribed: false}")
    step = p.call_ok("a2ui.apply", data(seq_a, "/n", 100))["surface"]["revision"]
    s1.wait("the update after the late joiner left", lambda c: (seq_a, step) in updates_of(c.a2ui()))
    late.pump(0.5)
    if len(late.a2ui()) != 1:
        fail(f"a2ui.event after a2ui/unsubscribe: {json.dumps(late.a2ui()[1:])[:400]}")
    ok("a2ui/unsubscribe (twice: idempotent) -> {subscribed: false}; no event after it")

    # A subscriber that disconnects is cleaned up.
    s2.close()
    time.sleep(0.2)
    for k in range(3):
        p.call_ok("a2ui.apply", data(seq_a, "/n", 200 + k))
    fresh = Conn(daemon, "fresh")
    fresh.call_ok("a2ui/subscribe", {})
    step = p.call_ok("a2ui.apply", data(seq_a, "/n", 300))["surface"]["revision"]
    fresh.wait("an event for the fresh subscriber", lambda c: (seq_a, step) in updates_of(c.a2ui()))
    s1.wait("the same event on sub1", lambda c: (seq_a, step) in updates_of(c.a2ui()))
    if daemon.process.poll() is not None:
        fail("the daemon exited after a subscriber disconnected")
    ok("a subscriber that disconnected: later applies work, sub1 and a fresh subscriber get events")

    # a2ui.action: a2ui.event without the route, host.events and host.event with it.
    act = p.call_ok("a2ui.action", {"name": "press", "surfaceId": seq_a, "sourceComponentId": "t0",
                                    "timestamp": "2026-01-02T03:04:05Z", "context": {"k": "v"}})
    if act.get("event", {}).get("kind") != "a2ui.action" or not isinstance(act.get("route"), dict) \
            or act["route"].get("subscribers") != 2:
        fail(f"a2ui.action answered {json.dumps(act)[:400]} (wants event kind a2ui.action, route.subscribers 2: sub1 and fresh)")
    for s in (s1, fresh):
        seen = s.wait("a2ui.event kind a2ui.action", lambda c: [e for e in c.a2ui() if e.get("kind") == "a2ui.action"])[0]
        result = seen.get("result") or {}
        if set(result) != {"surfaceId", "action", "owner"} or result.get("surfaceId") != seq_a:
            fail(f"[{s.name}] a2ui.event a2ui.action result has keys {sorted(result)}: {json.dumps(seen)[:400]}")
        action = result["action"]
        if action.get("name") != "press" or action.get("sourceComponentId") != "t0" or action.get("context") != {"k": "v"}:
            fail(f"[{s.name}] the action object: {action}")
        if (result.get("owner") or {}).get("kind") != "session":
            fail(f"[{s.name}] the owner of a surface a2ui.apply created: {result.get('owner')}")
    p.call_ok("a2ui.apply", {"version": "v0.9", "deleteSurface": {"surfaceId": seq_b}})
    gone = s1.wait("surface_deleted", lambda c: [e for e in c.a2ui() if e.get("kind") == "a2ui.surface_deleted"])[0]
    if gone.get("result") != {"surfaceId": seq_b, "deleted": True}:
        fail(f"a2ui.surface_deleted event result: {gone.get('result')}")
    if p.call_ok("a2ui.get", {"surfaceId": seq_b}) is not None:
        fail("a deleted surface is still there")
    events = p.call_ok("host.events", {"limit": 1000})["events"]
    kinds = {e.get("kind") for e in events}
    for kind in ("a2ui.surface_updated", "a2ui.surface_deleted", "a2ui.action"):
        if kind not in kinds:
            fail(f"host.events has no {kind} (kinds: {sorted(kinds)})")
    recorded = [e for e in events if e.get("kind") == "a2ui.action" and (e.get("payload") or {}).get("surfaceId") == seq_a]
    if not recorded or not isinstance((recorded[-1].get("payload") or {}).get("route"), dict):
        fail(f"host.events a2ui.action has no route: {json.dumps(recorded)[:400]}")
    watcher.wait("host.event a2ui.action with the route",
                 lambda c: [e for e in c.host_events() if e.get("kind") == "a2ui.action"
                            and isinstance((e.get("payload") or {}).get("route"), dict)])
    for kind in ("a2ui.surface_updated", "a2ui.surface_deleted"):
        watcher.wait(f"host.event {kind}", lambda c, kind=kind: [e for e in c.host_events() if e.get("kind") == kind])
    ok("a2ui.action: a2ui.event {surfaceId, action, owner} on both subscribers, no route; host.events and host.event "
       "carry it with the route; surface_updated/deleted are host events")
    for c in (s1, late, fresh, q):
        c.close()
    return p


# -- 3. planted secrets ------------------------------------------------------------------------

def planted_secrets(daemon, p, watcher):
    bearer, header = alnum(40), alnum(40)
    canary = "canary" + alnum(34)  # not a secret: the scan must find it where the daemon echoes it
    sub = Conn(daemon, "secret-sub")
    sub.call_ok("a2ui/subscribe", {})
    button = [{"id": "root", "component": "Button", "child": "l", "action": {"event": {"name": "go"}}},
              {"id": "l", "component": "Text", "text": "Go"}]

    def task(sid, tid):
        return {"kind": "task", "id": tid, "contextId": f"{tid}-ctx",
                "artifacts": [{"parts": [{"kind": "data", "data": [create(sid), components(sid, button)]}]}]}

    a = p.call_ok("a2ui.ingest", {"payload": task("wire-sec-bearer", "t-bearer"), "endpoint": f"http://127.0.0.1:{daemon.port + 7}/a2a",
                                  "routeAuth": {"type": "bearer", "token": bearer}})
    b = p.call_ok("a2ui.ingest", {"payload": task("wire-sec-header", "t-header"), "endpoint": "http://localhost:9/a2a",
                                  "routeAuth": {"type": "header", "name": "X-Api-Key", "value": header}})
    for result, sid, endpoint in ((a, "wire-sec-bearer", f"http://127.0.0.1:{daemon.port + 7}/a2a"),
                                  (b, "wire-sec-header", "http://localhost:9/a2a")):
        applied = result.get("applied") or []
        if len(applied) != 2 or result.get("rejected"):
            fail(f"a2ui.ingest of {sid} answered {json.dumps(result)[:400]}")
        owner = applied[-1]["surface"].get("owner") or {}
        if owner.get("kind") != "a2a" or owner.get("endpoint") != endpoint:
            fail(f"{sid}'s owner: {owner}, wants kind a2a with endpoint {endpoint}")
    # Refusals that carry a credential must not repeat it.
    for params in ({"payload": task("wire-sec-x1", "t-x1"), "endpoint": "http://192.0.2.1/a2a", "routeAuth": {"type": "bearer", "token": bearer}},
                   {"payload": task("wire-sec-x2", "t-x2"), "endpoint": "http://127.0.0.1:9/a2a", "routeAuth": {"type": "basic", "token": bearer}},
                   {"payload": task("wire-sec-x3", "t-x3"), "endpoint": "http://127.0.0.1:9/a2a",
                    "routeAuth": {"type": "header", "name": "X-Api-Key", "value": header + "\r\nX-Evil: 1"}},
                   {"payload": task("wire-sec-x4", "t-x4"), "routeAuth": {"type": "header", "name": "X-Api-Key", "value": header}}):
        error = p.call_err("a2ui.ingest", params)
        if error.get("code") != -32602:
            fail(f"a refused routeAuth/endpoint answered {error}")
    for sid in ("wire-sec-bearer", "wire-sec-header"):
        act = p.call_ok("a2ui.action", {"name": "go", "surfaceId": sid, "sourceComponentId": "root", "context": {"note": canary}})
        route = act.get("route") or {}
        if not isinstance(route.get("a2a"), dict):
            fail(f"a2ui.action on the A2A-owned {sid}: route {route}")
        sub.wait(f"a2ui.action on {sid}", lambda c, sid=sid: [e for e in c.a2ui() if e.get("kind") == "a2ui.action"
                                                               and e["result"].get("surfaceId") == sid])
    # Everything a client can read back.
    for sid in ("wire-sec-bearer", "wire-sec-header"):
        p.call_ok("a2ui.get", {"surfaceId": sid})
        p.call_ok("a2ui/replay", {"surface_id": sid})
    p.call_ok("a2ui.surfaces", {})
    p.call_ok("host.events", {"limit": 1000})
    p.call_ok("host.subscribe", {})
    p.call_ok("a2ui.capabilities", {})
    watcher.pump(0.3)
    sub.pump(0.3)
    ok("planted secrets: ingest with bearer and header routeAuth (loopback endpoints), a2ui.action on both, refusals carrying them")

    # Untrusted endpoints.
    error = p.call_err("a2ui.ingest", {"payload": task("wire-untrusted", "t-u"), "endpoint": "http://192.0.2.1/a2a"})
    if error.get("code") != -32602:
        fail(f"a non-loopback endpoint answered {error}, wants -32602")
    if p.call_ok("a2ui.get", {"surfaceId": "wire-untrusted"}) is not None \
            or any(s.get("surfaceId") == "wire-untrusted" for s in p.call_ok("a2ui.surfaces", {})):
        fail("a refused non-loopback ingest stored its surface")
    for trick in ("http://127.0.0.1.example.com/a2a", "http://localhost.example.com/", "http://[::ffff:192.0.2.1]/",
                  "http://127.0.0.1@192.0.2.1/", "ftp://127.0.0.1/", "file:///etc/passwd"):
        error = p.call_err("a2ui.ingest", {"payload": task("wire-untrusted", "t-u"), "endpoint": trick})
        if error.get("code") != -32602:
            fail(f"endpoint {trick} answered {error}, wants -32602")
    if p.call_ok("a2ui.get", {"surfaceId": "wire-untrusted"}) is not None:
        fail("a refused look-alike endpoint stored its surface")
    accepted = p.call_ok("a2ui.ingest", {"payload": task("wire-untrusted", "t-u"), "endpoint": "http://192.0.2.1/a2a",
                                         "allowUntrustedEndpoint": True})
    owner = ((accepted.get("applied") or [{}])[-1].get("surface") or {}).get("owner") or {}
    if owner.get("endpoint") != "http://192.0.2.1/a2a":
        fail(f"allowUntrustedEndpoint: true ingest answered {json.dumps(accepted)[:400]}")
    ok("a non-loopback endpoint (and look-alikes, userinfo, non-http schemes) -> -32602, nothing stored; "
       "with allowUntrustedEndpoint: true accepted")
    sub.close()
    return bearer, header, canary


def dashboard_pages(dash):
    """GET /, /dashboard.js, /dashboard.css, /auth-token and whatever else the page or its
    scripts load from the dashboard (src/href/import paths): (path, headers + body) each."""
    import re
    base = f"http://127.0.0.1:{dash}"
    bodies, queue, seen = [], ["/", "/dashboard.js", "/dashboard.css", "/auth-token"], set()
    while queue and len(seen) < 40:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        status, headers, body = http_get(base + path)
        if status != 200:
            fail(f"dashboard GET {path} answered {status}")
        text = body.decode("utf-8", "replace")
        bodies.append((path, json.dumps(headers) + text))
        for ref in re.findall(r"""(?:src|href)=["']([^"'#?]+)|(?:from|import\()\s*["']([^"'#?]+\.m?js)["']""", text):
            ref = next(r for r in ref if r)
            if ref.startswith("./"):
                ref = ref[1:]
            if ref.startswith("/") and not ref.startswith("//"):
                queue.append(ref)
            elif not re.match(r"^[a-z]+:", ref) and not ref.startswith("//"):
                queue.append("/" + ref)
    return bodies


# -- 4. malformed input ------------------------------------------------------------------------

def malformed(daemon):
    c = Conn(daemon, "fuzz")
    deep = "x"
    for _ in range(200):
        deep = [deep]
    deep_obj = {"v": 1}
    for _ in range(200):
        deep_obj = {"a": deep_obj}
    c.call_ok("a2ui.apply", create("wire-fuzz"))
    many = [{"id": "root", "component": "Column", "children": [f"c{i}" for i in range(5999)]}] + \
           [{"id": f"c{i}", "component": "Text", "text": "t"} for i in range(5999)]
    cases = [
        ("array params", []),
        ("string params", "createSurface"),
        ("number params", 42),
        ("boolean params", True),
        ("null params", None),
        ("empty object", {}),
        ("no message", {"version": "v0.9"}),
        ("two messages", {"version": "v0.9", **create("wire-fuzz-2"), **data("wire-fuzz", "/a", 1)}),
        ("wrong version", {**create("wire-fuzz-3"), "version": "v0.8"}),
        ("version number", {**create("wire-fuzz-3"), "version": 9}),
        ("unknown top-level key", {"version": "v0.9", "paintSurface": {"surfaceId": "wire-fuzz"}}),
        ("unknown key beside a message", {**create("wire-fuzz-4"), "bogus": {"x": 1}}),
        ("unknown key inside createSurface", {"version": "v0.9", "createSurface": {"surfaceId": "wire-fuzz-5", "catalogId": BASIC, "color": "red"}}),
        ("unknown catalog", create("wire-fuzz-6", "https://evil.example/catalog.json")),
        ("surfaceId number", {"version": "v0.9", "createSurface": {"surfaceId": 5, "catalogId": BASIC}}),
        ("catalogId array", {"version": "v0.9", "createSurface": {"surfaceId": "wire-fuzz-7", "catalogId": []}}),
        ("components string", {"version": "v0.9", "updateComponents": {"surfaceId": "wire-fuzz", "components": "root"}}),
        ("component not an object", components("wire-fuzz", [1, "two", []])),
        ("component id number", components("wire-fuzz", [{"id": 1, "component": "Text", "text": "a"}])),
        ("prop wrong type", components("wire-fuzz", [{"id": "root", "component": "Column", "children": "t"}])),
        ("unknown prop", components("wire-fuzz", [{"id": "root", "component": "Text", "text": "a", "onclick": "alert(1)"}])),
        ("path with a bad ~ escape", data("wire-fuzz", "/a~2b", 1)),
        ("path number", data("wire-fuzz", 3, 1)),
        ("deleteSurface string", {"version": "v0.9", "deleteSurface": "wire-fuzz"}),
        ("envelope null", {"envelope": None}),
        ("envelope array", {"envelope": [create("wire-fuzz-8")]}),
        ("version null", {"version": None, "createSurface": None}),
        ("createSurface null", {"version": "v0.9", "createSurface": None}),
        ("fields null", {"version": "v0.9", "createSurface": {"surfaceId": None, "catalogId": None, "theme": None, "sendDataModel": None}}),
        ("components null", {"version": "v0.9", "updateComponents": {"surfaceId": None, "components": None}}),
        ("component fields null", components("wire-fuzz", [{"id": None, "component": None, "text": None}])),
        ("components [null]", components("wire-fuzz", [None])),
        ("updateDataModel null", {"version": "v0.9", "updateDataModel": None}),
        ("nesting 200 deep (array)", data("wire-fuzz", "/deep", deep)),
        ("nesting 200 deep (object)", data("wire-fuzz", "/deep", deep_obj)),
        ("nesting 200 deep (component prop)", components("wire-fuzz", [{"id": "root", "component": "Text", "text": deep_obj}])),
        ("2 MiB string", data("wire-fuzz", "/big", "x" * (2 << 20))),
        ("2 MiB surface id", create("s" * (2 << 20))),
        ("6000 components", components("wire-fuzz", many)),
    ]
    before = c.call_ok("a2ui.get", {"surfaceId": "wire-fuzz"})
    answers = []
    for name, params in cases:
        reply = c.raw("a2ui.apply", params, timeout=20)
        if "error" not in reply:
            fail(f"malformed a2ui.apply ({name}) was accepted: {json.dumps(reply)[:300]}")
        error = reply["error"]
        # JSON-RPC 2.0: params that are neither an object nor an array make an invalid Request.
        wanted = (-32602, -32600) if not isinstance(params, (dict, list, type(None))) else (-32602,)
        if error.get("code") not in wanted:
            fail(f"malformed a2ui.apply ({name}) answered {json.dumps(error)[:300]}, wants {' or '.join(map(str, wanted))}")
        answers.append(name)
        if daemon.process.poll() is not None:
            fail(f"the daemon exited after malformed a2ui.apply ({name})")
    # The same through other A2UI methods' params.
    for method, params in (("a2ui.ingest", []), ("a2ui.ingest", "payload"),
                           ("a2ui.ingest", {"payload": {}, "endpoint": 5}), ("a2ui.ingest", {"payload": {}, "routeAuth": None}),
                           ("a2ui.get", {"surfaceId": None}), ("a2ui.get", []), ("a2ui/replay", {"surfaceId": 7}),
                           ("a2ui.action", {"surfaceId": "wire-fuzz"}), ("a2ui.action", {"name": "x", "surfaceId": None}),
                           ("a2ui.action", {"name": "x", "surfaceId": "wire-fuzz", "context": "str"}),
                           ("a2ui.action", {"name": "x", "surfaceId": "wire-fuzz", "context": {"big": "y" * 20000}}),
                           ("a2ui.render_report", {"surfaceId": "wire-fuzz", "issues": "none"}),
                           ("a2ui.render_report", None)):
        reply = c.raw(method, params, timeout=20)
        wanted = (-32602, -32600) if not isinstance(params, (dict, list, type(None))) else (-32602,)
        if "error" not in reply or reply["error"].get("code") not in wanted:
            fail(f"malformed {method} {json.dumps(params)[:120]} answered {json.dumps(reply)[:300]}, wants {wanted}")
    # A payload 200 levels deep with no envelope in it: nothing to apply, and an answer.
    reply = c.raw("a2ui.ingest", {"payload": deep_obj}, timeout=20)
    if reply.get("result") != {"applied": [], "rejected": []} and (reply.get("error") or {}).get("code") != -32602:
        fail(f"a2ui.ingest of a 200-deep payload answered {json.dumps(reply)[:300]}")
    after = c.call_ok("a2ui.get", {"surfaceId": "wire-fuzz"})
    if after != before:
        fail(f"malformed messages changed wire-fuzz: {json.dumps(after)[:300]}")
    caps = c.call_ok("a2ui.capabilities", {})
    if len(caps.get("components") or []) != 24:
        fail(f"a2ui.capabilities after the malformed batch: {json.dumps(caps)[:200]}")
    ok(f"{len(answers)} malformed a2ui.apply params and 13 malformed ingest/get/replay/action/report params each "
       "answered -32602 (scalar params -32600, JSON-RPC's invalid Request); surface unchanged; the daemon answers a2ui.capabilities afterwards")
    c.close()


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: wire_acceptance.py PATH/TO/car-server [PATH/TO/car-0.58.0-venv]")
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        fail(f"{binary} is not an executable car-server")
    if len(sys.argv) > 2:
        venv = sys.argv[2]
    else:
        try:
            env_run = harness.run_bounded([os.path.join(REPO, "scripts", "python-env.sh")], 900)
        except subprocess.TimeoutExpired:
            fail("scripts/python-env.sh did not finish within 900 s")
        if env_run.returncode != 0 or not env_run.stdout.strip():
            fail(f"scripts/python-env.sh failed: {env_run.stderr[-600:]}")
        venv = env_run.stdout.splitlines()[0].strip()
    started = time.monotonic()
    home = tempfile.mkdtemp(prefix="car-a2ui-wire.")
    token = "a2ui-wire-" + alnum(24)
    running = []
    aborting = threading.Lock()

    def abort(reason):
        """Whatever the main thread is doing (it may be stuck): the daemon's process group and
        the client runs ended, the home removed, exit 1."""
        if not aborting.acquire(blocking=False):
            return
        print(f"FAIL: {reason}", flush=True)
        # The main thread fails too once its daemon is gone; that is this failure, not another.
        sys.excepthook = lambda *_: None
        for group in [d.kill_group for d in running] + [lambda p=p: harness.kill_group(p.pid, 2, p) for p in list(CLIENTS)]:
            try:
                group()
            except Exception as error:  # noqa: BLE001 - keep ending the rest, then exit anyway
                print(f"(while ending the run: {error!r})", flush=True)
        shutil.rmtree(home, ignore_errors=True)
        os._exit(1)

    # The whole run is bounded, whatever hangs; a runner's SIGTERM ends it the same way.
    timer = threading.Timer(WHOLE_RUN_SECONDS, abort, (f"the run took over {WHOLE_RUN_SECONDS} s",))
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda *_: abort("terminated (SIGTERM)"))
    dash = harness.free_port()
    try:
        daemon = harness.Daemon(binary, home, token, running, own_group=True,
                                args=("--mcp-bind", "disabled", "--dashboard-bind", f"127.0.0.1:{dash}",
                                      # the most the daemon logs (after harness's info: the last one counts)
                                      "--log-level", "trace"))
        harness.wait_for("the dashboard", lambda: http_get(f"http://127.0.0.1:{dash}/")[0] == 200, 10)
        watcher = Conn(daemon, "host-watcher")
        watcher.call_ok("host.subscribe", {})

        client_output, client_result = official_client(daemon, venv, token)
        p = fanout(daemon, watcher)
        bearer, header, canary = planted_secrets(daemon, p, watcher)
        dump_output, dump_result = official_client(daemon, venv, token, "dump", "wire-sec-bearer", "wire-sec-header")
        client_output += dump_output
        client_result = {"first": client_result, "dump": dump_result}
        malformed(daemon)

        # Everything the daemon emitted: every frame every raw connection read, the 0.58
        # client's replies and events, the dashboard's pages, its log, every file it wrote.
        watcher.pump(0.3)
        pages = dashboard_pages(dash)
        if daemon.process.poll() is not None:
            fail(f"the daemon exited (code {daemon.process.returncode}) during the run")
        daemon.stop()
        with open(daemon.log.name, encoding="utf-8", errors="replace") as f:
            log = f.read()
        files = []
        for root, _, names in os.walk(home):
            for name in names:
                try:
                    with open(os.path.join(root, name), "rb") as f:
                        files.append((os.path.join(root, name), f.read().decode("utf-8", "replace")))
                except OSError:
                    pass
        corpus = [("a raw connection's frame", text) for text in EMITTED] + \
                 [("the 0.58 client's output", client_output), ("the 0.58 client's replies", json.dumps(client_result))] + \
                 [(f"the dashboard's GET {path}", page) for path, page in pages] + [("the daemon log", log)] + \
                 [(f"the file {path}", text) for path, text in files]
        for secret, what in ((bearer, "bearer token"), (header, "header value")):
            for where, text in corpus:
                if secret in text:
                    at = text.index(secret)
                    fail(f"the planted {what} appears in {where}: ...{text[max(0, at - 200):at + 60]}...")
        frames = len(EMITTED)
        # The scan sees what the daemon pushes: the action's context (sent beside the secrets)
        # is in the a2ui.event and host.event frames, and in the log or not, as the daemon logs.
        echoed = {json.loads(t).get("method") or "reply" for t in EMITTED if canary in t}
        if not {"a2ui.event", "host.event", "reply"} <= echoed:
            fail(f"the scan's control value was found only in {sorted(echoed)}: the corpus misses notifications")
        ok(f"neither planted secret in {frames} frames, the 0.58 client's replies, {len(pages)} dashboard responses "
           f"({', '.join(path for path, _ in pages)}), "
           f"the daemon log ({len(log)} bytes) or {len(files)} files under its home")
        bad = [line for line in log.splitlines()
               if " ERROR " in line or any(w in line.lower() for w in ("fatal", "panic", "crash", "assertion"))]
        if bad:
            fail(f"the daemon log has {len(bad)} error lines, e.g. {bad[0][:300]}")
        warnings = [line for line in log.splitlines() if " WARN " in line]
        ok(f"daemon log ({len(log.splitlines())} lines at trace): no ERROR/fatal lines ({len(warnings)} WARN); "
           f"whole run {time.monotonic() - started:.1f} s")
    finally:
        timer.cancel()
        for d in running:
            d.kill_group()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
