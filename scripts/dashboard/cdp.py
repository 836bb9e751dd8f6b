"""A minimal Chrome DevTools Protocol client on the Python standard library.

Browser(binary) starts Chromium headless on a fresh profile with --remote-debugging-port=0,
reads the DevTools WebSocket address from <profile>/DevToolsActivePort (or the "DevTools
listening on" line of its stderr), and speaks CDP's JSON {id, method, params[, sessionId]}
over scripts/compat/wsclient.py's WSClient. Browser.new_page() makes a target and attaches to
it with flatten:true; Page navigates, evaluates (awaitPromise, returnByValue), clicks with real
mouse events at an element's box center and captures PNG screenshots. Every wait has a
deadline. The browser runs in its own process group (in the caller's session, so a runner
that ends a session ends it too), which close() (and atexit) kills.

The page's JavaScript errors are collected as they arrive, whatever command or wait is
reading: Runtime.exceptionThrown, Runtime.consoleAPICalled of type "error" and Log.entryAdded
of level "error" (Page.errors()). A page's Runtime and Log domains are enabled by new_page().

The DevTools socket answers 403 to an upgrade carrying an Origin header: WSClient sends none.

Command line, for looking at a page by hand:
    python3 cdp.py screenshot URL OUT.png [--binary PATH] [--width W] [--height H]
                   [--wait-js EXPR] [--full-page]
    python3 cdp.py eval URL EXPR [--binary PATH] [--wait-js EXPR]
"""
import atexit
import base64
import collections
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
import harness  # noqa: E402
from wsclient import Closed, WSClient  # noqa: E402

# chromium-env.sh's exit status when no browser can be had (sysexits' EX_UNAVAILABLE): the
# only outcome that is a skip. 0 is a browser (its path on the last line); anything else (a
# crash, a bug, a timeout) is a failure.
CHROMIUM_UNAVAILABLE = 69
# chromium-env.sh's budget (CHROMIUM_ENV_SECONDS: the apt-get runs fit in it); find_chromium
# allows it this plus CHROMIUM_ENV_SLACK before it ends the script's process group.
CHROMIUM_ENV_SECONDS = 240
CHROMIUM_ENV_SLACK = 20


class CDPError(Exception):
    """A CDP command answered an error, or a page script threw."""


class CDPTimeout(CDPError):
    """Something did not happen before its deadline."""


class ChromiumEnvError(CDPError):
    """chromium-env.sh neither found a browser nor said, with its own exit status, that none can
    be had."""


def find_chromium():
    """(path, None) for the browser chromium-env.sh finds (or installs), (None, its skip line)
    when it exits CHROMIUM_UNAVAILABLE; raises ChromiumEnvError on any other outcome."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chromium-env.sh")
    limit = CHROMIUM_ENV_SECONDS + CHROMIUM_ENV_SLACK
    try:
        run = harness.run_bounded(["bash", script], limit,
                                  env={**os.environ, "CHROMIUM_ENV_SECONDS": str(CHROMIUM_ENV_SECONDS)})
    except subprocess.TimeoutExpired:
        raise ChromiumEnvError(f"chromium-env.sh did not finish within {limit} s (its budget is "
                               f"{CHROMIUM_ENV_SECONDS} s); its process group was ended") from None
    lines = run.stdout.strip().splitlines()
    line = lines[-1] if lines else ""
    if run.returncode == CHROMIUM_UNAVAILABLE and line.startswith("chromium-env: skipped"):
        return None, line
    if run.returncode == 0 and line and os.access(line, os.X_OK):
        return line, None
    raise ChromiumEnvError(f"chromium-env.sh exited with {run.returncode} (a skip is {CHROMIUM_UNAVAILABLE} with a "
                           f"'chromium-env: skipped' line), stdout {run.stdout[-400:]!r}, stderr {run.stderr[-800:]!r}")


def port_open(port, host="127.0.0.1"):
    try:
        socket.create_connection((host, port), timeout=0.2).close()
        return True
    except OSError:
        return False


def dashboard_daemon(binary, home, token, running, seconds=15):
    """A harness.Daemon with MCP off and its dashboard on a free loopback port, once the
    dashboard accepts connections: (daemon, dashboard port)."""
    dash = harness.free_port()
    daemon = harness.Daemon(binary, home, token, running,
                            args=("--mcp-bind", "disabled", "--dashboard-bind", f"127.0.0.1:{dash}"))
    harness.wait_for(f"the dashboard on port {dash}", lambda: port_open(dash), seconds)
    return daemon, dash


# What Page.errors() collects: the event, and how to tell an error from the rest.
ERROR_EVENTS = {
    "Runtime.exceptionThrown": lambda p: True,
    "Runtime.consoleAPICalled": lambda p: p.get("type") == "error",
    "Log.entryAdded": lambda p: (p.get("entry") or {}).get("level") == "error",
}


def _remote_text(obj):
    """A console argument (a RemoteObject) as text."""
    if "value" in obj:
        return obj["value"] if isinstance(obj["value"], str) else json.dumps(obj["value"])
    return obj.get("description") or obj.get("unserializableValue") or obj.get("type", "?")


def page_error(event):
    """{kind, text, url, line} for an error event of ERROR_EVENTS."""
    method, p = event["method"], event.get("params") or {}
    if method == "Runtime.exceptionThrown":
        d = p.get("exceptionDetails") or {}
        text = (d.get("exception") or {}).get("description") or d.get("text")
        frames = (d.get("stackTrace") or {}).get("callFrames") or []
        url, line = d.get("url") or (frames[0].get("url") if frames else ""), d.get("lineNumber")
    elif method == "Runtime.consoleAPICalled":
        text = " ".join(_remote_text(a) for a in p.get("args") or [])
        frames = (p.get("stackTrace") or {}).get("callFrames") or [{}]
        url, line = frames[0].get("url", ""), frames[0].get("lineNumber")
    else:
        entry = p.get("entry") or {}
        text, url, line = entry.get("text"), entry.get("url", ""), entry.get("lineNumber")
        method += f" ({entry.get('source')})"
    return {"kind": method, "text": text, "url": url, "line": line}


class Browser:
    def __init__(self, binary, width=1280, height=900, timeout=30.0, extra_args=(), log_path=None):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="car-cdp-")
        self.log_path = log_path or os.path.join(self.profile, "chromium.log")
        self.log = open(self.log_path, "w")
        args = [binary, "--headless", "--no-sandbox", "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--disable-component-update",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "--mute-audio", "--hide-scrollbars",
                f"--window-size={width},{height}", *extra_args, "about:blank"]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                        process_group=0)
        self.ws = None
        self.next_id = 0
        self.events = collections.deque(maxlen=2000)
        self.page_errors = []  # (sessionId, page_error(...)) for every error event read, unbounded
        atexit.register(self.close)
        try:
            port, path = self._devtools_address(timeout)
            self.ws = WSClient(port, path=path, timeout=timeout)
        except BaseException:
            self.close()
            raise

    def _devtools_address(self, timeout):
        active = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CDPError(f"chromium exited with {self.process.returncode}: {self._log_tail()}")
            try:
                with open(active) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].strip().isdigit() and lines[1].strip():
                    return int(lines[0]), lines[1].strip()
            except OSError:
                pass
            m = re.search(r"DevTools listening on ws://[^:/]+:(\d+)(/\S+)", self._log_tail(8192))
            if m:
                return int(m.group(1)), m.group(2)
            time.sleep(0.05)
        raise CDPTimeout(f"no DevTools address within {timeout:.0f} s: {self._log_tail()}")

    def _log_tail(self, n=2000):
        try:
            self.log.flush()
            with open(self.log_path, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    # -- protocol -------------------------------------------------------------------------

    def send(self, method, params=None, session=None, timeout=None):
        """The result of one CDP command; events read meanwhile are kept for wait_event."""
        if self.ws is None:
            raise CDPError("browser is closed")
        self.next_id += 1
        msg_id = self.next_id
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send_json(msg)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            reply = self._recv(deadline, f"the answer to {method}")
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def _recv(self, deadline, what):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CDPTimeout(f"timed out waiting for {what}")
        try:
            msg = self.ws.recv_json(remaining)
        except TimeoutError:
            raise CDPTimeout(f"timed out waiting for {what}") from None
        except Closed as closed:
            raise CDPError(f"DevTools connection closed while waiting for {what}: {closed}") from None
        is_error = ERROR_EVENTS.get(msg.get("method"))
        if is_error and is_error(msg.get("params") or {}):
            self.page_errors.append((msg.get("sessionId"), page_error(msg)))
        return msg

    def wait_event(self, method, session=None, predicate=None, timeout=None):
        """The next event named `method` (for `session`, when given) that `predicate` accepts;
        earlier matching events already read count too."""
        def matches(ev):
            return ev.get("method") == method and (session is None or ev.get("sessionId") == session) \
                and (predicate is None or predicate(ev.get("params", {})))
        for ev in list(self.events):
            if matches(ev):
                self.events.remove(ev)
                return ev.get("params", {})
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            ev = self._recv(deadline, f"event {method}")
            if "method" not in ev:
                continue
            if matches(ev):
                return ev.get("params", {})
            self.events.append(ev)

    def new_page(self, url="about:blank"):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Log.enable")
        if url and url != "about:blank":
            page.navigate(url)
        return page

    # -- lifetime -------------------------------------------------------------------------

    def close(self):
        if self.ws is not None:
            try:
                self.next_id += 1
                self.ws.send_json({"id": self.next_id, "method": "Browser.close", "params": {}})
            except OSError:
                pass
            self.ws.close()
            self.ws = None
        if self.process is not None:
            if self.process.poll() is None:
                try:
                    self.process.wait(3)  # Browser.close usually ends it
                except subprocess.TimeoutExpired:
                    pass
            # The whole group: the Debian wrapper, the browser and its helpers.
            harness.kill_group(self.process.pid, 5, self.process)
            self.process = None
        if not self.log.closed:
            self.log.close()
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()



class Page:
    def __init__(self, browser, target_id, session_id):
        self.browser, self.target_id, self.session = browser, target_id, session_id

    def call(self, method, params=None, timeout=None):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def errors(self, settle=0.3):
        """The page's JavaScript errors so far (page_error dicts, in order). First the page gets
        `settle` seconds (timers that were due run), and a round trip reads every event it sent
        before."""
        self.evaluate("new Promise(r => setTimeout(r, %d))" % int(settle * 1000))
        return [e for session, e in self.browser.page_errors if session == self.session]

    def set_viewport(self, width, height, scale=1):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False})

    def navigate(self, url, timeout=None):
        self.browser.events = collections.deque(
            (e for e in self.browser.events if not (e.get("method") == "Page.loadEventFired"
                                                    and e.get("sessionId") == self.session)), maxlen=2000)
        reply = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if reply.get("errorText"):
            raise CDPError(f"navigating to {url}: {reply['errorText']}")
        self.browser.wait_event("Page.loadEventFired", session=self.session, timeout=timeout)

    def evaluate(self, expression, timeout=None):
        """The value of a page expression (a promise is awaited), by value."""
        reply = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                               "returnByValue": True, "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"page script threw: {text}")
        return reply.get("result", {}).get("value")

    def wait_for(self, expression, timeout=20.0, step=0.1, what=None):
        """Polls `expression` until it is truthy, returning that value. Values come back by
        value, so a DOM node arrives as {} (falsy here): test elements with !!(...)."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression, timeout=max(1.0, deadline - time.monotonic()))
                if value:
                    return value
            except CDPTimeout:
                raise
            except CDPError as error:
                last_error = error
            time.sleep(step)
        extra = f" (last error: {last_error})" if last_error else ""
        raise CDPTimeout(f"timed out after {timeout:.0f} s waiting for {what or expression}{extra}")

    def box_center(self, selector):
        """(x, y) of the element's box center in viewport CSS pixels, scrolled into view."""
        js = ("(() => { const el = document.querySelector(%s); if (!el) return null;"
              " el.scrollIntoView({block: 'center', inline: 'center'});"
              " const r = el.getBoundingClientRect();"
              " return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}; })()"
              % json.dumps(selector))
        box = self.evaluate(js)
        if not box:
            raise CDPError(f"no element matches {selector}")
        if box["w"] <= 0 or box["h"] <= 0:
            raise CDPError(f"{selector} has an empty box")
        return box["x"], box["y"]

    def click(self, selector):
        """A real left click (mouse moved, pressed, released) at the element's box center."""
        x, y = self.box_center(selector)
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        self.call("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x, "y": y, "button": "left",
                                               "buttons": 1, "clickCount": 1})
        self.call("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": x, "y": y, "button": "left",
                                               "buttons": 0, "clickCount": 1})
        return x, y

    def type_text(self, text):
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path, full_page=False):
        params = {"format": "png"}
        if full_page:
            size = self.evaluate("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})")
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1}
        data = self.call("Page.captureScreenshot", params, timeout=60)["data"]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path


def _main(argv):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["screenshot", "eval"])
    parser.add_argument("url")
    parser.add_argument("arg", help="OUT.png for screenshot, EXPR for eval")
    parser.add_argument("--binary")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--wait-js", help="an expression to wait for (truthy) before acting")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--full-page", action="store_true")
    opts = parser.parse_args(argv)
    binary = opts.binary
    if not binary:
        try:
            binary, skipped = find_chromium()
        except ChromiumEnvError as error:
            print(f"cdp: {error}", file=sys.stderr)
            return 1
        if not binary:
            print(skipped)
            return 0
    with Browser(binary, width=opts.width, height=opts.height) as browser:
        page = browser.new_page()
        page.set_viewport(opts.width, opts.height)
        page.navigate(opts.url)
        if opts.wait_js:
            page.wait_for(opts.wait_js, timeout=opts.timeout)
        if opts.command == "screenshot":
            print(page.screenshot(opts.arg, full_page=opts.full_page))
        else:
            print(json.dumps(page.evaluate(opts.arg), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
