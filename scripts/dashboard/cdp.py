"""A minimal Chrome DevTools Protocol client on the Python standard library.

Browser(binary) starts Chromium headless on a fresh profile with --remote-debugging-port=0,
reads the DevTools WebSocket address from <profile>/DevToolsActivePort (or the "DevTools
listening on" line of its stderr), and speaks CDP's JSON {id, method, params[, sessionId]}
over scripts/compat/wsclient.py's WSClient. Browser.new_page() makes a target and attaches to
it with flatten:true; Page navigates, evaluates (awaitPromise, returnByValue), clicks with real
mouse events at an element's box center and captures PNG screenshots. Every wait has a
deadline. The browser runs in its own process group, which close() (and atexit) kills.

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
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from wsclient import Closed, WSClient  # noqa: E402


class CDPError(Exception):
    """A CDP command answered an error, or a page script threw."""


class CDPTimeout(CDPError):
    """Something did not happen before its deadline."""


def find_chromium():
    """The browser chromium-env.sh finds (or installs), or None with the skip reason."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chromium-env.sh")
    try:
        out = subprocess.run(["bash", script], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=1200).stdout.strip().splitlines()
    except subprocess.TimeoutExpired:
        return None, "chromium-env: skipped (chromium-env.sh timed out)"
    line = out[-1] if out else "chromium-env: skipped (chromium-env.sh printed nothing)"
    if line.startswith("chromium-env: skipped"):
        return None, line
    return line, None


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
                                        start_new_session=True)
        self.ws = None
        self.next_id = 0
        self.events = collections.deque(maxlen=2000)
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
            return self.ws.recv_json(remaining)
        except TimeoutError:
            raise CDPTimeout(f"timed out waiting for {what}") from None
        except Closed as closed:
            raise CDPError(f"DevTools connection closed while waiting for {what}: {closed}") from None

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
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                time.sleep(0.1)
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
        binary, skipped = find_chromium()
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
