"""The daemon's A2UI verdicts against the official validator's, case by case.

    differential.py PATH/TO/car-server [--python A2UI-VENV-PYTHON] [--corpus CORPUS.json]

The oracle (oracle.py) runs as a subprocess in the a2ui venv: --python, else $A2UI_PYTHON, else
the venv scripts/a2ui/a2ui-env.sh builds. When that script answers "a2ui-env: skipped" (PyPI
unreachable) the run is a skip: one line goes to $CAR_SKIP_LOG (when set) and the exit is 0.

Then a release daemon starts (auth on, a fresh token, a free port, state in a temporary home),
and one authenticated WebSocket session sends every case through `a2ui.apply` (params: the
envelope itself; a message that is not a JSON object goes as {"envelope": message}):
- mode "update": first a createSurface for the case's surfaceId on its catalogId (basic unless
  the case names another), nothing else; then every message. The daemon accepts the case iff
  it accepts every message; a -32602 error is a rejection.
- mode "create": every message accepted, and the surface then (a2ui.get) either gone (deleted
  by the payload) or with no components at all (the validator does not check an empty
  surface), or with diagnostics missingRoot false, danglingReferences [] and unreachable []
  (the daemon allows progressive references message by message; the validator judges the
  payload as a whole).
Sending stops at a case's first rejected message. The case's surface is deleted afterwards (its
answer ignored) so surfaces do not pile up.

A case may record a known divergence, {"divergence": {"daemon": "accept"|"reject", "why": ...}}:
the daemon must then give exactly that verdict and the oracle the other ("known"); anything
else is a disagreement.

Prints one line per case, "agree", "known" or "DISAGREE", with both verdicts and both error texts, then
a summary; exits 1 on any disagreement, on a daemon that does not know the a2ui methods
(method not found), or on any other error reply; the oracle's own failure (exit 3: the
validator raised something that is not a validation error) fails the run with its output.
Bounded: a2ui-env.sh gets A2UI_ENV_SECONDS (default 120 s; the script keeps to it, and is
ended with what it started, pip included, ENV_SLACK s after); then each call 10 s, and the rest
of the run (the oracle, the daemon, every case) CAR_A2UI_DIFF_SECONDS (default 180 s). Both
fit in the differential step of scripts/test-all.sh.
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "compat"))
import harness  # noqa: E402
from harness import fail  # noqa: E402

BASIC = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"
CALL_SECONDS = 10
ENV_SECONDS = int(os.environ.get("A2UI_ENV_SECONDS", "120"))
ENV_SLACK = 15
RUN_SECONDS = float(os.environ.get("CAR_A2UI_DIFF_SECONDS", "180"))
START = time.monotonic()  # restarted once the venv is there: RUN_SECONDS is the rest


def usage():
    sys.exit("usage: differential.py PATH/TO/car-server [--python A2UI-VENV-PYTHON] [--corpus CORPUS.json]")


def parse_args(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        usage()
    binary, python, corpus = argv[1], os.environ.get("A2UI_PYTHON"), os.path.join(here, "corpus.json")
    rest = argv[2:]
    while rest:
        flag = rest.pop(0)
        if flag not in ("--python", "--corpus") or not rest:
            usage()
        value = rest.pop(0)
        if flag == "--python":
            python = value
        else:
            corpus = value
    return binary, python, corpus


def skip(reason):
    print(f"SKIP: A2UI differential: {reason}", flush=True)
    log = os.environ.get("CAR_SKIP_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"A2UI differential: {reason}\n")
    sys.exit(0)


def oracle_python():
    """The a2ui venv's python, building the venv when needed (or a skip)."""
    try:
        out = harness.run_bounded([os.path.join(here, "a2ui-env.sh")], ENV_SECONDS + ENV_SLACK,
                                  env={**os.environ, "A2UI_ENV_SECONDS": str(ENV_SECONDS)})
    except subprocess.TimeoutExpired:
        fail(f"a2ui-env.sh did not finish within {ENV_SECONDS + ENV_SLACK} s (its budget is {ENV_SECONDS} s); "
             "its process group was ended")
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        sys.stderr.write(out.stderr[-3000:])
        fail(f"a2ui-env.sh exited with {out.returncode}")
    if lines[-1].startswith("a2ui-env: skipped"):
        skip(lines[-1])
    return os.path.join(lines[-1], "bin", "python")


def run_oracle(python, corpus):
    left = max(10.0, RUN_SECONDS - (time.monotonic() - START))
    try:
        out = harness.run_bounded([python, os.path.join(here, "oracle.py"), corpus], left)
    except subprocess.TimeoutExpired:
        fail(f"the oracle did not finish within {left:.0f} s")
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-3000:])
        fail(f"the oracle exited with {out.returncode}")
    verdicts = {}
    for line in out.stdout.splitlines():
        v = json.loads(line)
        verdicts[v["name"]] = v
    return verdicts


def one_line(text, limit=220):
    if text is None:
        return "-"
    text = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class MethodMissing(Exception):
    pass


class Session:
    def __init__(self, client):
        self.c, self.n = client, 0

    def call(self, method, params):
        if time.monotonic() - START > RUN_SECONDS:
            fail(f"the run took over {RUN_SECONDS:.0f} s (CAR_A2UI_DIFF_SECONDS)")
        self.n += 1
        reply = self.c.call(f"d{self.n}", method, params, timeout=CALL_SECONDS)
        error = reply.get("error")
        if error and error.get("code") == -32601:
            raise MethodMissing(f"{method}: {error.get('message')}")
        return reply

    def apply(self, message):
        """(accepted, error text); raises on a reply that is neither a result nor -32602."""
        params = message if isinstance(message, dict) else {"envelope": message}
        reply = self.call("a2ui.apply", params)
        if "error" not in reply:
            return True, None, reply.get("result")
        error = reply["error"]
        if error.get("code") != -32602:
            raise RuntimeError(f"a2ui.apply answered a non-validation error: {json.dumps(error)[:300]}")
        return False, f"{error.get('message')}", None


def daemon_verdict(s, case):
    """(accepted, error text) for one case."""
    sid = case["surfaceId"]
    if case["mode"] == "update":
        catalog = case.get("catalogId") or BASIC
        ok, error, _ = s.apply({"version": "v0.9", "createSurface": {"surfaceId": sid, "catalogId": catalog}})
        if not ok:
            raise RuntimeError(f"the harness's createSurface for {sid!r} on {catalog} was refused: {error}")
    for index, message in enumerate(case["messages"]):
        ok, error, _ = s.apply(message)
        if not ok:
            return False, f"message {index}: {error}"
    if case["mode"] == "create":
        reply = s.call("a2ui.get", {"surfaceId": sid})
        if "error" in reply:
            raise RuntimeError(f"a2ui.get {sid!r} answered {json.dumps(reply['error'])[:300]}")
        surface = reply.get("result")
        if surface is None or not surface.get("components"):
            return True, None
        d = surface.get("diagnostics") or {}
        problems = []
        if d.get("missingRoot") is not False:
            problems.append(f"missingRoot {d.get('missingRoot')}")
        if d.get("danglingReferences") != []:
            problems.append(f"danglingReferences {json.dumps(d.get('danglingReferences'))}")
        if d.get("unreachable") != []:
            problems.append(f"unreachable {json.dumps(d.get('unreachable'))}")
        if problems:
            return False, "final diagnostics: " + "; ".join(problems)
    return True, None


def cleanup(s, case):
    sid = case["surfaceId"]
    for target in (sid,):
        try:
            s.call("a2ui.apply", {"version": "v0.9", "deleteSurface": {"surfaceId": target}})
        except MethodMissing:
            raise
        except Exception:  # noqa: BLE001 - the surface may be gone already; that is fine
            pass


def main():
    binary, python, corpus = parse_args(sys.argv)
    with open(corpus, encoding="utf-8") as f:
        cases = json.load(f)
    global START
    python = python or oracle_python()
    START = time.monotonic()
    verdicts = run_oracle(python, corpus)
    missing = [c["name"] for c in cases if c["name"] not in verdicts]
    if missing:
        fail(f"the oracle gave no verdict for {missing[:5]}")
    accepted = sum(v["accepted"] for v in verdicts.values())
    print(f"oracle: {len(cases)} cases, {accepted} accepted, {len(cases) - accepted} rejected", flush=True)

    home = tempfile.mkdtemp(prefix="car-a2ui.")
    running = []
    status = 1
    try:
        d = harness.Daemon(binary, home, secrets.token_urlsafe(32), running, args=("--mcp-bind", "disabled"))
        s = Session(d.session())
        try:
            caps = s.call("a2ui.capabilities", {})
        except MethodMissing as missing_method:
            for case in cases:
                v = verdicts[case["name"]]
                print(f"oracle  {'accept' if v['accepted'] else 'reject'}  {case['name']}: {one_line(v['error'])}")
            fail(f"the daemon does not implement the A2UI methods yet ({missing_method}); "
                 f"{len(cases)} oracle verdicts above, none compared")
        if "error" in caps:
            fail(f"a2ui.capabilities answered {json.dumps(caps['error'])[:300]}")
        disagree = diverged = 0
        for case in cases:
            o = verdicts[case["name"]]
            try:
                ok, error = daemon_verdict(s, case)
            except MethodMissing as missing_method:
                fail(f"case {case['name']}: method not found ({missing_method})")
            except RuntimeError as broken:
                ok, error = None, f"harness: {broken}"
            cleanup(s, case)
            # A known divergence (the case says why) must hold exactly as recorded: the daemon's
            # verdict is the recorded one, the oracle's the other.
            known = case.get("divergence")
            if known:
                same = ok is not None and ok == (known["daemon"] == "accept") and ok != o["accepted"]
                diverged += 1
            else:
                same = ok is not None and ok == o["accepted"]
            disagree += not same
            mark = ("known   " if known else "agree   ") if same else "DISAGREE"
            dv = "error" if ok is None else ("accept" if ok else "reject")
            print(f"{mark} {case['name']}: oracle {'accept' if o['accepted'] else 'reject'}, daemon {dv}"
                  f" | oracle: {one_line(o['error'])} | daemon: {one_line(error)}", flush=True)
        print(f"A2UI differential: {len(cases)} cases, {len(cases) - disagree - diverged} agree,"
              f" {diverged} known divergence(s) (recorded with the reason in corpus.json), {disagree} disagree"
              f" ({time.monotonic() - START:.1f} s)", flush=True)
        status = 1 if disagree else 0
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
    finally:
        for d in running:
            if d.process.poll() is None:
                d.kill9()
        if status:
            for d in running:
                try:
                    with open(d.log.name) as f:
                        tail = f.readlines()[-20:]
                    print(f"--- daemon log ({d.log.name}), last {len(tail)} lines")
                    print("".join(tail), end="")
                except OSError:
                    pass
        shutil.rmtree(home, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
