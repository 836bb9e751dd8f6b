#!/usr/bin/env python3
"""End-to-end check of the browser dashboard (issue 14): a release car-server with its
dashboard on an explicit port, a WebSocket client acting as the agent that owns surfaces, and
headless Chromium opening the page.

    python3 scripts/dashboard/dashboard_test.py .build/release/car-server

Checks, each bounded:
  1. the dashboard's HTTP side: GET / (the page), every script it loads, /dashboard.css,
     /regex-worker.js, /auth-token (token + ws URL, Cache-Control: no-store, 403 for a
     non-loopback Origin);
  2. a surface made with a2ui.apply renders (DOM by data-surface-id / data-component-id);
     screenshot under results/dashboard/;
  3. a real mouse click on its Button reaches the agent as a2ui.event kind a2ui.action;
  4. a long paragraph of ordinary words wraps (several lines, no horizontal overflow): its
     report has no textOverflow and the daemon sends no patch;
  5. regex checks: validationRegexp that fails shows its message, one that matches shows
     none, and a catastrophic pattern ((a+)+$ against "aaa…!") neither hangs the page nor
     fails the check: the page stays responsive, notes the timeout and passes it;
  6. text that cannot wrap (one 320-character token) makes the page send a render report (the
     agent sees a2ui.event kind a2ui.render_report with a textOverflow issue), the daemon
     patches the surface (a surface_updated with a higher revision than the agent's own), and
     the next report, for the patched revision, has no textOverflow;
  7. an agent that keeps re-applying the same overflowing text is stopped by the daemon: a
     report's decision comes back cooldown (or budgetExhausted), and no patch follows;
  8. one that applies a different overflowing text each time runs into the iteration budget:
     budgetExhausted, and no patch follows;
  9. the page's health over the whole run: no JavaScript error (Runtime.exceptionThrown,
     console.error, a Log entry of level error: checked after every check and at the end, each
     printed; only Chromium's own /favicon.ico 404 is excused), and at most one
     a2ui.render_report per (surfaceId, revision), counted from what the agent's
     a2ui/subscribe'd connection saw.
Prints "ok  ..." per check and "FAIL: ..." (exit 1) on the first failure; "SKIP: ..." (exit 0)
when chromium-env.sh says, with its exit status 69, that no browser can be had; any other
chromium-env.sh failure is a FAIL. SIGTERM (a runner's timeout) is a FAIL too, cleaned up.
"""
import collections
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts", "compat"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import fail, ok  # noqa: E402
import cdp  # noqa: E402

RESULTS = os.path.join(REPO, "results", "dashboard")
BASIC = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"
TOKEN = "dashboard-test-token-0123456789abcdefghijklmnop"
# After chromium-env.sh (cdp.CHROMIUM_ENV_SECONDS); both fit in test-all.sh's dashboard step.
WHOLE_RUN_SECONDS = 240
# Text wraps at spaces, so only a run with no break opportunity overflows: ten SHA-256 hex
# digests back to back (320 characters, letters and digits only).
LONG_TOKEN = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(5))
WORDS = ("the daemon keeps every surface its agents make and the page draws them as they arrive "
         "while measuring what does not fit").split()
PARAGRAPH = " ".join(WORDS[i % len(WORDS)] for i in range(60)) + "."


class Agent:
    """The WebSocket client that owns the test's surfaces: applies envelopes, and keeps every
    a2ui.event notification it reads, in order."""

    def __init__(self, daemon):
        self.c = daemon.session()
        self.events = []
        self.own_revisions = {}  # surfaceId -> revisions its own a2ui.apply calls produced
        hs = self.c.call("hs", "server.handshake", {"protocol_version": 3, "client_version": "dashboard-test"})
        if "error" in hs:
            fail(f"server.handshake answered {hs['error']}")
        harness.call(self.c, "a2ui/subscribe", {})

    def apply(self, envelope):
        result = harness.call(self.c, "a2ui.apply", {"version": "v0.9", **envelope})
        surface = result.get("surface") or {}
        if "revision" in surface:
            self.own_revisions.setdefault(result["surfaceId"], set()).add(surface["revision"])
        return result

    def pump(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                msg = self.c.recv_json(min(remaining, 0.2))
            except TimeoutError:
                continue
            if isinstance(msg, dict) and msg.get("method") == "a2ui.event":
                self.events.append(msg.get("params") or {})

    def wait(self, what, predicate, seconds=20.0, since=0):
        """The first a2ui.event (from index `since`) that predicate accepts, as (index, params)."""
        deadline = time.monotonic() + seconds
        checked = since
        while True:
            while checked < len(self.events):
                if predicate(self.events[checked]):
                    return checked, self.events[checked]
                checked += 1
            if time.monotonic() >= deadline:
                fail(f"timed out after {seconds:.0f} s waiting for {what}")
            self.pump(min(0.5, deadline - time.monotonic()))

    def daemon_patches(self, surface_id, since=0):
        """surface_updated events for the surface whose revision the agent did not make."""
        own = self.own_revisions.get(surface_id, set())
        return [e for e in self.events[since:]
                if e.get("kind") == "a2ui.surface_updated" and _sid(e) == surface_id
                and _rev(e) is not None and _rev(e) not in own]


def _sid(event):
    result = event.get("result") or {}
    return result.get("surfaceId") or (result.get("surface") or {}).get("surfaceId")


def _rev(event):
    result = event.get("result") or {}
    if event.get("kind") == "a2ui.render_report":
        return result.get("revision")
    return (result.get("surface") or {}).get("revision")


def _issues(event, kind, component=None):
    return [i for i in (event.get("result") or {}).get("issues", [])
            if i.get("kind") == kind and (component is None or i.get("componentId") == component)]


def check_http(dash, daemon):
    base = f"http://127.0.0.1:{dash}"
    status, headers, body = harness.http_get(base + "/")
    if status != 200 or b"dashboard.js" not in body:
        fail(f"GET / answered {status} {body[:200]!r}")
    scripts = re.findall(rb'<script src="(/[^"]+)"></script>', body)
    if not scripts or scripts[-1] != b"/dashboard.js":
        fail(f"the page loads scripts {scripts!r}, wants dashboard.js last")
    for path in [p.decode() for p in scripts] + ["/regex-worker.js"]:
        status, headers, script = harness.http_get(base + path)
        kind = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if status != 200 or "javascript" not in kind or len(script) < 200:
            fail(f"GET {path} answered {status} {kind!r} ({len(script)} bytes)")
    for path, needle in (("/dashboard.js", b"__carDashboard"), ("/dashboard.css", b".a2ui-Text")):
        status, _, body = harness.http_get(base + path)
        if status != 200 or needle not in body:
            fail(f"GET {path} answered {status} without {needle!r}")
    status, headers, body = harness.http_get(base + "/auth-token")
    if status != 200:
        fail(f"GET /auth-token answered {status}")
    info = json.loads(body)
    if info.get("token") != TOKEN or not str(info.get("ws", "")).startswith(f"ws://127.0.0.1:{daemon.port}"):
        fail(f"GET /auth-token answered {info}")
    cache = {k.lower(): v for k, v in headers.items()}.get("cache-control", "")
    if "no-store" not in cache:
        fail(f"GET /auth-token has Cache-Control {cache!r}, wants no-store")
    status, _, _ = harness.http_get(base + "/auth-token", {"Origin": "http://evil.example"})
    if status != 403:
        fail(f"GET /auth-token with a foreign Origin answered {status}, wants 403")
    ok(f"dashboard HTTP: page, {len(scripts)} scripts + the regex worker, style, /auth-token "
       "(no-store, 403 for a foreign Origin)")


def browser_noise(error):
    """The one error excused: Chromium itself (not the page: it links no icon) asks for
    /favicon.ico, and the dashboard has none, so a 404 Log entry of source network for exactly
    that path is not the page's. Anything else, a failed load of any other path included, is."""
    return (error["kind"] == "Log.entryAdded (network)" and "status of 404" in (error["text"] or "")
            and urllib.parse.urlsplit(error["url"] or "").path == "/favicon.ico")


def no_page_errors(page, during):
    """Fails, printing every one, on any JavaScript error the page reported (cdp's
    Page.errors: uncaught exceptions, console.error, Log entries of level error), but for
    browser_noise."""
    def where(e):
        line = f":{e['line']}" if e.get("line") is not None else ""
        return f" (at {e['url']}{line})" if e.get("url") else ""
    errors = [e for e in page.errors() if not browser_noise(e)]
    if errors:
        fail(f"the page reported {len(errors)} JavaScript error(s) {during}:\n"
             + "\n".join(f"    {e['kind']}: {e['text']}{where(e)}" for e in errors))


def check_page_health(agent, page):
    """No JavaScript error over the run, and no (surfaceId, revision) reported twice."""
    no_page_errors(page, "by the end of the run")
    agent.pump(1.0)  # reports the page sent for the last renders
    reports = collections.Counter((_sid(e), _rev(e)) for e in agent.events if e.get("kind") == "a2ui.render_report")
    twice = {key: n for key, n in reports.items() if n > 1}
    if twice:
        fail(f"the page sent more than one a2ui.render_report for {len(twice)} (surfaceId, revision): "
             + ", ".join(f"{sid} rev {rev} x{n}" for (sid, rev), n in sorted(twice.items(), key=str)))
    if not reports:
        fail("the agent's subscription saw no a2ui.render_report at all")
    ok(f"page health: no JavaScript error (exceptions, console.error, Log errors) after any check; "
       f"{sum(reports.values())} render reports for {len(reports)} (surfaceId, revision), none twice")


def page_reports(page, surface_id):
    return page.evaluate("window.__carDashboard.reportResults.filter(r => r.surfaceId === %s)" % json.dumps(surface_id)) or []


def page_decision(page, surface_id, revision, seconds=20.0):
    """The decision the daemon answered to the page's report about (surface, revision)."""
    js = ("(() => { const r = window.__carDashboard.reportResults.find(r => r.surfaceId === %s && r.revision === %d);"
          " return r ? (r.result ? r.result.decision || 'none' : 'error: ' + r.error) : null; })()"
          % (json.dumps(surface_id), revision))
    return page.wait_for(js, timeout=seconds, what=f"the page's render report for {surface_id} rev {revision}")


def reapply_until_stopped(agent, page, sid, envelope_for, attempts=8):
    """Applies envelope_for(n) until the page's report about it answers budgetExhausted or
    cooldown (each patched one must be followed by the daemon's patch); then checks no patch
    comes within 3 s, nor after one more apply. Answers (n, revision, decision, next decision)."""
    for attempt in range(1, attempts + 1):
        mark = len(agent.events)
        result = agent.apply(envelope_for(attempt))
        rev = result["surface"]["revision"]
        decision = page_decision(page, sid, rev)
        if decision in ("budgetExhausted", "cooldown"):
            break
        if decision != "patched":
            fail(f"{sid}: the report about re-applied overflow (rev {rev}) answered {decision!r}")
        agent.wait(f"{sid}: the patch after apply {attempt}", lambda e: e in agent.daemon_patches(sid, mark), since=mark)
    else:
        fail(f"{sid}: the daemon kept patching {attempts} re-applied overflows: no budget or cooldown")
    mark = len(agent.events)
    agent.pump(3.0)
    late = agent.daemon_patches(sid, mark)
    if late:
        fail(f"{sid}: the daemon patched after answering {decision}: {json.dumps(late[0])[:300]}")
    result = agent.apply(envelope_for(attempt + 1))
    again = page_decision(page, sid, result["surface"]["revision"])
    if again not in ("budgetExhausted", "cooldown"):
        fail(f"{sid}: one more apply after {decision} answered {again!r}")
    agent.pump(2.0)
    if agent.daemon_patches(sid, mark):
        fail(f"{sid}: the daemon patched after the loop was stopped")
    return attempt, rev, decision, again


def check_wrapping(agent, page):
    """A long paragraph of ordinary words wraps: several lines, no horizontal overflow, a
    report without textOverflow, and no patch from the daemon."""
    sid = "wrap-test"
    mark = len(agent.events)
    agent.apply({"createSurface": {"surfaceId": sid, "catalogId": BASIC}})
    agent.apply({"updateComponents": {"surfaceId": sid, "components": [
        {"id": "root", "component": "Column", "children": ["para"]},
        {"id": "para", "component": "Text", "text": PARAGRAPH},
    ]}})
    rev = max(agent.own_revisions[sid])
    decision = page_decision(page, sid, rev)
    report = page.evaluate("window.__carDashboard.reports.find(r => r.surfaceId === %s && r.revision === %d)"
                           % (json.dumps(sid), rev)) or {}
    overflow = [i for i in report.get("issues", []) if i.get("kind") == "textOverflow"]
    if decision != "none" or overflow:
        fail(f"the wrapped paragraph's report answered {decision!r} with issues {report.get('issues')}")
    box = page.evaluate("""(() => {
        const el = document.querySelector('[data-surface-id="%s"] [data-component-id="para"]');
        const range = document.createRange(); range.selectNodeContents(el);
        const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        return {lines: lines.size, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                whiteSpace: getComputedStyle(el).whiteSpace, text: el.textContent}; })()""" % sid)
    if box["text"] != PARAGRAPH or box["lines"] < 3 or box["scrollWidth"] > box["clientWidth"] + 1:
        fail(f"the paragraph did not render wrapped: {json.dumps(box)[:300]}")
    agent.pump(2.0)
    if agent.daemon_patches(sid, mark):
        fail(f"the daemon patched the wrapped paragraph: {json.dumps(agent.daemon_patches(sid, mark)[0])[:300]}")
    ok(f"a {len(PARAGRAPH.split())}-word paragraph wraps ({box['lines']} lines, white-space {box['whiteSpace']}, "
       f"width {box['clientWidth']}): report without textOverflow, decision {decision}, no patch")


def check_regex(agent, page):
    """validationRegexp runs in the page's worker: a mismatch shows its message, a match none,
    and a catastrophic pattern times out in the worker without hanging the page (the check
    passes, with a note)."""
    sid = "regex-test"
    evil = "^(a+)+$"
    agent.apply({"createSurface": {"surfaceId": sid, "catalogId": BASIC}})
    agent.apply({"updateDataModel": {"surfaceId": sid, "path": "/", "value": {"code": "ab"}}})
    agent.apply({"updateComponents": {"surfaceId": sid, "components": [
        {"id": "root", "component": "Column", "children": ["good", "bad", "evil", "send"]},
        {"id": "send", "component": "Button", "child": "send-label",
         "checks": [{"condition": {"call": "regex", "args": {"value": {"path": "/code"}, "pattern": "^[A-Z]{3}$"}},
                     "message": "three capitals"}],
         "action": {"event": {"name": "send"}}},
        {"id": "send-label", "component": "Text", "text": "Send"},
        {"id": "good", "component": "TextField", "label": "digits", "value": "12345", "validationRegexp": "^[0-9]+$"},
        {"id": "bad", "component": "TextField", "label": "digits", "value": "12x45", "validationRegexp": "^[0-9]+$"},
        {"id": "evil", "component": "TextField", "label": "a's", "value": "a" * 40 + "!", "validationRegexp": evil},
    ]}})
    errors_of = ("(() => { const q = id => document.querySelector('[data-surface-id=\"%s\"] [data-component-id=\"' + id + '\"] .a2ui-errors');"
                 " const g = q('good'), b = q('bad'), e = q('evil');"
                 " return g && b && e ? {good: g.textContent, bad: b.textContent, evil: e.textContent} : null; })()" % sid)
    shown = page.wait_for("(() => { const r = %s; return r && r.bad ? r : null; })()" % errors_of, timeout=10,
                          what="the failing validationRegexp's message")
    if shown["bad"] != "does not match ^[0-9]+$" or shown["good"]:
        fail(f"validationRegexp messages: {shown}")
    button = page.wait_for("(() => { const b = document.querySelector('[data-surface-id=\"%s\"] [data-component-id=\"send\"]');"
                           " return b && b.disabled ? b.title : null; })()" % sid, timeout=10,
                           what="the Button whose regex check fails to be disabled")
    if button != "three capitals":
        fail(f"the Button's failing regex check says {button!r}")
    timeouts = page.wait_for("(() => { const t = window.__carDashboard.regexTimeouts.filter(t => t.pattern === %s);"
                             " return t.length ? t : null; })()" % json.dumps(evil), timeout=10,
                             what="the page to give up on the catastrophic pattern")
    # The main thread answers promptly while (and after) the worker was stuck.
    lags = []
    for _ in range(5):
        t0 = time.monotonic()
        page.evaluate("1 + 1", timeout=5)
        lags.append(time.monotonic() - t0)
    final = page.evaluate(errors_of)
    if max(lags) > 1.0 or final["evil"] or final["bad"] != "does not match ^[0-9]+$":
        fail(f"after the timeout: evaluate lags {lags}, messages {final}")
    ok(f"regex in a worker: validationRegexp mismatch shown, match clean, Button check disables it; {evil} against 40 a's + '!' stopped after "
       f"{timeouts[0]['ms']} ms, check passes, page answers in "
       f"{max(lags) * 1000:.0f} ms")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dashboard_test.py <car-server binary>")
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        fail(f"{binary} is not an executable")
    signal.signal(signal.SIGTERM, lambda *_: fail("terminated (SIGTERM)"))
    try:
        chromium, skipped = cdp.find_chromium()
    except cdp.ChromiumEnvError as error:
        fail(str(error))
    if not chromium:
        print(f"SKIP: {skipped}")
        log = os.environ.get("CAR_SKIP_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"dashboard in headless Chromium: {skipped}\n")
        return 0

    def watchdog(*_):
        fail(f"the whole run took longer than {WHOLE_RUN_SECONDS} s")
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(WHOLE_RUN_SECONDS)

    os.makedirs(RESULTS, exist_ok=True)
    home = tempfile.mkdtemp(prefix="car-dashboard-test-")
    running, browser = [], None
    passed = False
    try:
        daemon, dash = cdp.dashboard_daemon(binary, home, TOKEN, running)
        check_http(dash, daemon)

        agent = Agent(daemon)
        agent.apply({"createSurface": {"surfaceId": "dash-test", "catalogId": BASIC}})
        agent.apply({"updateDataModel": {"surfaceId": "dash-test", "path": "/", "value": {"user": "Ada"}}})
        agent.apply({"updateComponents": {"surfaceId": "dash-test", "components": [
            {"id": "root", "component": "Column", "children": ["title", "greeting", "press"]},
            {"id": "title", "component": "Text", "text": "Dashboard test", "variant": "h3"},
            {"id": "greeting", "component": "Text", "text": {"path": "/user"}},
            {"id": "press", "component": "Button", "child": "press-label", "variant": "primary",
             "action": {"event": {"name": "pressed", "context": {"who": {"path": "/user"}, "n": 1}}}},
            {"id": "press-label", "component": "Text", "text": "Press"},
        ]}})

        browser = cdp.Browser(chromium, width=1280, height=900, log_path=os.path.join(home, "chromium.log"))
        page = browser.new_page()
        page.set_viewport(1280, 900)
        page.navigate(f"http://127.0.0.1:{dash}/")
        page.wait_for("!!(window.__carDashboard && window.__carDashboard.ready)", timeout=20, what="the dashboard to be ready")
        sel = '[data-surface-id="dash-test"]'
        text = page.wait_for("(() => { const e = document.querySelector(%s); return e && e.textContent; })()"
                             % json.dumps(sel + ' [data-component-id="greeting"]'), timeout=15, what="dash-test to render")
        if text != "Ada":
            fail(f"the bound Text shows {text!r}, wants 'Ada'")
        kinds = page.evaluate("Array.from(document.querySelectorAll(%s)).map(e => e.dataset.component).join(',')"
                              % json.dumps(sel + " [data-component-id]"))
        if kinds != "Column,Text,Text,Button,Text":
            fail(f"dash-test rendered components {kinds!r}")
        # The report about the current revision: the surface is fine, so no patch.
        decision = page_decision(page, "dash-test", max(agent.own_revisions["dash-test"]))
        if decision != "none":
            fail(f"the clean surface's report answered {decision!r}, wants 'none'")
        shot = page.screenshot(os.path.join(RESULTS, "surface.png"))
        ok(f"surface renders (Column, Text, bound Text, Button), reported clean; screenshot {shot}")
        no_page_errors(page, "by the end of the first render")

        mark = len(agent.events)
        page.click(sel + ' [data-component-id="press"]')
        _, event = agent.wait("a2ui.event kind a2ui.action after the click",
                              lambda e: e.get("kind") == "a2ui.action" and _sid(e) == "dash-test", since=mark)
        action = (event.get("result") or {}).get("action") or {}
        if action.get("name", action.get("action")) != "pressed" or (action.get("context") or {}).get("who") != "Ada":
            fail(f"the action event carries {json.dumps(event)[:400]}")
        ok("a real mouse click on the Button reaches the agent as a2ui.event a2ui.action (context resolved)")
        no_page_errors(page, "by the end of the click check")

        check_wrapping(agent, page)
        no_page_errors(page, "by the end of the wrapping check")
        check_regex(agent, page)
        no_page_errors(page, "by the end of the regex check")

        # --- the UI-improvement loop -------------------------------------------------------
        sid = "overflow-test"
        mark = len(agent.events)
        agent.apply({"createSurface": {"surfaceId": sid, "catalogId": BASIC}})
        overflowing = {"updateComponents": {"surfaceId": sid, "components": [
            {"id": "root", "component": "Column", "children": ["long"]},
            {"id": "long", "component": "Text", "text": LONG_TOKEN},
        ]}}
        agent.apply(overflowing)
        _, report = agent.wait("a render report with textOverflow on overflow-test/long",
                               lambda e: e.get("kind") == "a2ui.render_report" and _sid(e) == sid
                               and _issues(e, "textOverflow", "long"), since=mark)
        if (report.get("result") or {}).get("renderer") != "car-dashboard":
            fail(f"the report's renderer is {report.get('result', {}).get('renderer')!r}")
        ok(f"overflowing text reported (rev {_rev(report)}: {_issues(report, 'textOverflow', 'long')[0].get('detail')})")
        _, patched = agent.wait("the daemon's patch (surface_updated above the agent's own revisions)",
                                lambda e: e in agent.daemon_patches(sid, mark), since=mark)
        patched_rev = _rev(patched)
        _, after = agent.wait(f"the page's report about the patched revision {patched_rev}",
                              lambda e: e.get("kind") == "a2ui.render_report" and _sid(e) == sid and _rev(e) == patched_rev,
                              since=mark)
        if _issues(after, "textOverflow", "long"):
            fail(f"after the patch the text still overflows: {json.dumps(after)[:400]}")
        shown = page.evaluate("document.querySelector('[data-surface-id=\"%s\"] [data-component-id=\"long\"]').textContent" % sid)
        ok(f"daemon patched it (rev {patched_rev}); the page re-rendered without overflow ({shown[:30]!r}...)")
        page.screenshot(os.path.join(RESULTS, "patched.png"))
        no_page_errors(page, "by the end of the overflow patch check")

        # An agent that keeps putting the same long text back: the daemon must stop patching
        # (the oscillation detector sees the same patch again: cooldown).
        stopped = reapply_until_stopped(agent, page, sid, lambda attempt: overflowing)
        ok(f"re-applying the same overflow stopped at re-apply {stopped[0]} (rev {stopped[1]}): {stopped[2]}, "
           f"then {stopped[3]}; no patch after")
        no_page_errors(page, "by the end of the cooldown check")

        # One that puts back a different overflowing text each time: no cycle, so the iteration
        # budget is what stops it.
        sid = "budget-test"
        agent.apply({"createSurface": {"surfaceId": sid, "catalogId": BASIC}})

        def fresh(attempt):
            return {"updateComponents": {"surfaceId": sid, "components": [
                {"id": "root", "component": "Column", "children": ["long"]},
                {"id": "long", "component": "Text", "text": f"Attempt {attempt}: " + LONG_TOKEN},
            ]}}
        stopped = reapply_until_stopped(agent, page, sid, fresh, attempts=12)
        if stopped[2] != "budgetExhausted":
            fail(f"changing overflows ended in {stopped[2]!r}, wants budgetExhausted")
        ok(f"a new overflow each time stopped at apply {stopped[0]} (rev {stopped[1]}): {stopped[2]}, then {stopped[3]}; "
           "no patch after")
        page.screenshot(os.path.join(RESULTS, "dashboard.png"), full_page=True)
        check_page_health(agent, page)

        errors = page.evaluate("window.__carDashboard.errors")
        unexpected = [e for e in errors or [] if "not connected" not in e.get("message", "")]
        if unexpected:
            print(f"note: the page logged {json.dumps(unexpected)[:600]}")
        passed = True
        print(f"dashboard: 10 passed, 0 failed (screenshots in {RESULTS})")
        return 0
    finally:
        signal.alarm(0)
        if browser is not None:
            browser.close()
        for d in running:
            if d.process.poll() is None:
                d.process.kill()
                d.process.wait(10)
        if passed:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"(state and logs kept in {home})")


if __name__ == "__main__":
    sys.exit(main())
