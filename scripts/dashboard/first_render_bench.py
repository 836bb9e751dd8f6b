#!/usr/bin/env python3
"""The dashboard's first render of a 200-component A2UI surface, in headless Chromium.

    python3 scripts/dashboard/first_render_bench.py BINARY CHROMIUM [RUNS]

BINARY is a release car-server, CHROMIUM the browser chromium-env.sh printed (its path),
RUNS how many fresh pages to time (default 3). A daemon of its own (dashboard on a free
loopback port, MCP off) gets one surface over the WebSocket: a Column root with 199
components under it (Text, Button with its label Text, CheckBox, TextField, Row of two
Texts, some bound to the data model). Then, per run, a new page (a new target in the same
browser) opens the dashboard and the page itself says when the surface's first render was in
the DOM and laid out: window.__carDashboard.firstRender[surfaceId], in ms since navigation
start (so it covers the page load, /auth-token, the WebSocket and the initial calls, and the
render). Also printed: the page's own renderMs from its render report (building the DOM plus
the layout that forces), and that 200 components are in the DOM.

One line per run, then
    dashboard first render of a 200-component surface: median X ms (runs: ...), page render Y ms
Bounded: each run has 30 s, the whole script 60 s + 30 s a run; the browser and the daemon
are stopped on every exit.
"""
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts", "compat"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import fail  # noqa: E402
import cdp  # noqa: E402

BASIC = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"
TOKEN = "first-render-bench-token-0123456789abcdefghijkl"
SURFACE = "bench-200"
COMPONENTS = 200
RUN_SECONDS = 30.0


def surface_components():
    """A Column root and 199 components under it, in a repeating mix; every one reachable."""
    comps, children, model = [], [], {"form": {}, "labels": {}}
    kinds = ["text", "button", "checkbox", "textfield", "row"]
    sizes = {"text": 1, "button": 2, "checkbox": 1, "textfield": 1, "row": 3}
    i = 0
    while len(comps) < COMPONENTS - 1:
        kind = kinds[i % len(kinds)]
        if len(comps) + sizes[kind] > COMPONENTS - 1:
            kind = "text"
        cid = f"c{i}"
        children.append(cid)
        if kind == "text":
            if i % 4 == 0:
                model["labels"][cid] = f"Bound label {i}"
                comps.append({"id": cid, "component": "Text", "text": {"path": f"/labels/{cid}"}})
            else:
                comps.append({"id": cid, "component": "Text", "text": f"Item {i}: a short line of text",
                              "variant": "h4" if i % 10 == 0 else "body"})
        elif kind == "button":
            comps.append({"id": cid, "component": "Button", "child": cid + "-label", "variant": "primary" if i % 2 else "default",
                          "action": {"event": {"name": "pressed", "context": {"item": i}}}})
            comps.append({"id": cid + "-label", "component": "Text", "text": f"Action {i}"})
        elif kind == "checkbox":
            model["form"][cid] = i % 3 == 0
            comps.append({"id": cid, "component": "CheckBox", "label": f"Option {i}", "value": {"path": f"/form/{cid}"}})
        elif kind == "textfield":
            model["form"][cid] = f"value {i}"
            comps.append({"id": cid, "component": "TextField", "label": f"Field {i}", "value": {"path": f"/form/{cid}"}})
        else:
            comps.append({"id": cid, "component": "Row", "children": [cid + "-a", cid + "-b"]})
            comps.append({"id": cid + "-a", "component": "Text", "text": f"Row {i} left"})
            comps.append({"id": cid + "-b", "component": "Text", "text": f"Row {i} right", "variant": "caption"})
        i += 1
    root = {"id": "root", "component": "Column", "children": children}
    return [root] + comps, model


def create_surface(daemon):
    c = daemon.session()
    hs = c.call("hs", "server.handshake", {"protocol_version": 3, "client_version": "first-render-bench"})
    if "error" in hs:
        fail(f"server.handshake answered {hs['error']}")
    components, model = surface_components()
    if len(components) != COMPONENTS or len({x["id"] for x in components}) != COMPONENTS:
        fail(f"the bench surface has {len(components)} components")
    harness.call(c, "a2ui.apply", {"version": "v0.9", "createSurface": {"surfaceId": SURFACE, "catalogId": BASIC}})
    harness.call(c, "a2ui.apply", {"version": "v0.9", "updateDataModel": {"surfaceId": SURFACE, "path": "/", "value": model}})
    result = harness.call(c, "a2ui.apply", {"version": "v0.9", "updateComponents": {"surfaceId": SURFACE, "components": components}})
    diagnostics = (result.get("surface") or {}).get("diagnostics") or {}
    if diagnostics.get("missingRoot") or diagnostics.get("danglingReferences") or diagnostics.get("unreachable"):
        fail(f"the bench surface is incomplete: {diagnostics}")
    return c


def one_run(browser, url):
    """(firstRender ms since navigation start, the report's renderMs, components in the DOM)."""
    deadline = time.monotonic() + RUN_SECONDS

    def left():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail(f"a run took longer than {RUN_SECONDS:.0f} s")
        return remaining

    page = browser.new_page()
    try:
        page.set_viewport(1280, 900)
        page.navigate(url, timeout=left())
        sid = json.dumps(SURFACE)
        first = page.wait_for("(() => { const d = window.__carDashboard; return d && d.firstRender ? d.firstRender[%s] : null; })()"
                              % sid, timeout=left(), step=0.02, what=f"the first render of {SURFACE}")
        count = page.evaluate("document.querySelectorAll('[data-surface-id=\"%s\"] [data-component-id]').length" % SURFACE,
                              timeout=left())
        if count != COMPONENTS:
            fail(f"{count} components of {SURFACE} in the DOM after its first render, wants {COMPONENTS}")
        render_ms = page.wait_for("(() => { const r = window.__carDashboard.reports.find(r => r.surfaceId === %s);"
                                  " return r ? r.renderMs : null; })()" % sid,
                                  timeout=left(), step=0.02, what=f"the page's render report for {SURFACE}")
        return float(first), float(render_ms), count
    finally:
        try:
            browser.send("Target.closeTarget", {"targetId": page.target_id}, timeout=5)
        except cdp.CDPError:
            pass


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: first_render_bench.py BINARY CHROMIUM [RUNS]")
    binary, chromium = os.path.abspath(sys.argv[1]), sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) == 4 else 3
    if runs < 1:
        sys.exit("RUNS must be at least 1")
    for path in (binary, chromium):
        if not os.access(path, os.X_OK):
            fail(f"{path} is not an executable")

    whole = int(60 + RUN_SECONDS * runs)

    def watchdog(*_):
        fail(f"the benchmark took longer than {whole} s")
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(whole)

    home = tempfile.mkdtemp(prefix="car-first-render-")
    running, browser, agent = [], None, None
    try:
        daemon, dash = cdp.dashboard_daemon(binary, home, TOKEN, running)
        agent = create_surface(daemon)
        browser = cdp.Browser(chromium, width=1280, height=900, log_path=os.path.join(home, "chromium.log"))
        firsts, renders = [], []
        for run in range(1, runs + 1):
            first, render_ms, count = one_run(browser, f"http://127.0.0.1:{dash}/")
            firsts.append(first)
            renders.append(render_ms)
            print(f"run {run}: first render {first:.1f} ms after navigation start "
                  f"(page render {render_ms:.1f} ms, {count} components in the DOM)", flush=True)
        print(f"dashboard first render of a {COMPONENTS}-component surface: median {statistics.median(firsts):.1f} ms "
              f"(runs: {', '.join(f'{x:.1f}' for x in firsts)}), page render {statistics.median(renders):.1f} ms", flush=True)
        return 0
    finally:
        signal.alarm(0)
        if browser is not None:
            browser.close()
        if agent is not None:
            agent.close()
        for d in running:
            if d.process.poll() is None:
                d.process.kill()
                d.process.wait(10)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
