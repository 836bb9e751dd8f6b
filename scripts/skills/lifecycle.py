"""Skill lifecycle over the wire, against a release car-server: a candidate that wins its trials
is promoted and one that loses is rejected and never re-trialed (also after a restart of the
daemon, on a namespace-bound graph), and export -> import on a second daemon round-trips while a
one-byte change to the document is refused.

    lifecycle.py PATH/TO/car-server

Raw JSON-RPC over WebSocket (scripts/compat/wsclient.py); every wait is bounded. Prints
"ok ..." lines, or "FAIL: <reason>" and exits 1."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "compat"))
from harness import fail, free_port, ok  # noqa: E402
from wsclient import WSClient  # noqa: E402

binary = sys.argv[1] if len(sys.argv) > 1 else fail("usage: lifecycle.py PATH/TO/car-server")
NAMESPACE = "skills-acceptance"
processes = []


def start(home):
    port = free_port()
    process = subprocess.Popen([binary, "--no-auth", "--uds", "disabled", "--port", str(port), "--log-level", "error"],
                               env={"CAR_HOME": home, "HOME": home, "PATH": "/usr/bin:/bin"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(process)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.02)
    fail("the daemon did not start within 10 s")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        fail("the daemon did not stop within 15 s of SIGTERM")


class Session:
    def __init__(self, port, namespace=None):
        self.client = WSClient(port=port, timeout=10)
        self.next_id = 0
        if namespace:
            self.result("session.auth", {"memory_namespace": namespace})

    def call(self, method, params=None):
        self.next_id += 1
        return self.client.call(self.next_id, method, params, timeout=30)

    def result(self, method, params=None):
        reply = self.call(method, params)
        if "result" not in reply:
            fail(f"{method} {params!r} answered {reply!r}")
        return reply["result"]

    def error(self, method, params, code=-32602):
        reply = self.call(method, params)
        if reply.get("error", {}).get("code") != code:
            fail(f"{method} should have been refused with {code}, got {str(reply)[:300]}")
        return reply["error"]["message"]

    def report(self, key, successes, failures):
        for outcome in ["success"] * successes + ["failure"] * failures:
            self.result("skill.report", {"skill_name": key, "outcome": outcome})

    def close(self):
        self.client.close()


def expect(condition, what):
    if not condition:
        fail(what)


home_a = tempfile.mkdtemp(prefix="car-skills-a.")
home_b = tempfile.mkdtemp(prefix="car-skills-b.")
try:
    # --- Trials, the gate in memory.consolidate, the rejected buffer -------------------------
    daemon, port = start(home_a)
    s = Session(port, NAMESPACE)
    s.result("skills.ingest_distilled", {"skills": [
        {"name": "fetch_page", "description": "Fetch a page.", "domain": "web", "code": "http_get(url)",
         "trigger": {"task_keywords": ["fetch", "page"]}},
        {"name": "parse_table", "description": "Parse an HTML table.", "domain": "web", "code": "table(html)"},
    ]})
    s.report("fetch_page", 1, 3)     # a weak incumbent
    s.report("parse_table", 9, 1)    # a strong one
    candidates = [
        {"name": "fetch_page", "description": "Fetch with retries.", "domain": "web", "code": "http_get(url, retries=3)",
         "when_to_apply": "flaky hosts", "scope": {"domain": "web"}, "source": "success",
         "trigger": {"persona": "researcher", "url_pattern": "https://*", "task_keywords": ["fetch", "page"]}},
        {"name": "parse_table", "description": "Parse with regexes.", "domain": "web", "code": "regex_table(html)"},
    ]
    got = s.result("skills.ingest_provisional", {"skills": candidates, "tenant": "acme"})
    expect(got == {"ingested": 2}, f"ingest_provisional answered {got}")
    meta = s.result("skill.meta", {"key": "fetch_page@cand"})
    expect(meta["status"] == "provisional" and meta["incumbent"] == "fetch_page" and meta["version"] == 1
           and meta["tenant"] == "acme" and meta["stats"]["success_count"] == 0, f"candidate meta {meta}")
    found = s.result("skill.find", {"task": "fetch the page", "max_results": 5}) or []
    expect(all(not m["name"].endswith("@cand") for m in found), f"skill.find offered a candidate: {found}")
    expect(s.result("skill.export", {"key": "fetch_page@cand"}) is None, "a provisional candidate exported")
    ok("two candidates on trial as <base>@cand (provisional, tenant kept, not offered, not exportable)")

    s.report("fetch_page@cand", 4, 0)
    s.report("parse_table@cand", 2, 2)
    expect(s.result("skills.gate") == {"promoted": [], "rejected": []}, "the gate judged candidates with 4 trial outcomes")
    s.report("fetch_page@cand", 1, 0)
    s.report("parse_table@cand", 0, 1)
    report = s.result("memory.consolidate")
    expect(report["candidates_promoted"] == ["fetch_page@cand"] and report["candidates_rejected"] == ["parse_table@cand"],
           f"consolidate report {report}")
    events = s.result("events.query", {"kinds": ["candidate_promoted", "candidate_rejected"]})
    kinds = sorted((e["kind"], e["data"]["key"]) for e in events["events"])
    expect(kinds == [("candidate_promoted", "fetch_page@cand"), ("candidate_rejected", "parse_table@cand")],
           f"events {events}")
    expect(s.result("skills.gate") == {"promoted": [], "rejected": []}, "a second gate resolved something")
    meta = s.result("skill.meta", {"key": "fetch_page"})
    expect(meta["status"] == "active" and meta["version"] == 2 and meta["incumbent"] is None
           and meta["stats"]["success_count"] == 5 and meta["stats"]["fail_count"] == 0, f"promoted meta {meta}")
    listed = {k["name"]: k for k in s.result("skills.list", {})}
    expect(listed["fetch_page"]["code"] == "http_get(url, retries=3)", "the winner's code did not replace the incumbent's")
    expect(listed["parse_table"]["code"] == "table(html)" and "parse_table@cand" not in listed, f"after the gate: {listed.keys()}")
    ok("memory.consolidate promoted the winner (version 2, its trial record) and rejected the loser; one event each")

    again = s.result("skills.ingest_provisional", {"skills": [candidates[1]]})
    expect(again == {"ingested": 0}, f"the rejected candidate was taken again: {again}")
    expect(s.result("skill.meta", {"key": "parse_table@cand"}) is None, "the rejected candidate is back on trial")
    message = s.error("skills.ingest_provisional", {"skills": [{"name": "x"}]})
    expect("skills[0].code" in message, f"bad entry message: {message}")
    message = s.error("skills.ingest_provisional", {"skills": [{"name": "x@cand", "code": "y"}]})
    expect("skills[0].name" in message, f"candidate-key message: {message}")
    ok("the rejected candidate is never re-trialed; bad entries are -32602 naming the field")
    s.close()

    # The lifecycle state is in the namespace's log: a restarted daemon has all of it.
    stop(daemon)
    daemon, port = start(home_a)
    s = Session(port, NAMESPACE)
    meta = s.result("skill.meta", {"key": "fetch_page"})
    expect(meta["version"] == 2 and meta["stats"]["success_count"] == 5, f"after restart: {meta}")
    expect(s.result("skills.ingest_provisional", {"skills": [candidates[1]]}) == {"ingested": 0},
           "after a restart the rejected candidate was taken again")
    ok("after a restart: version, stats and the rejected buffer survive (replayed from the log)")

    # --- Export on A, import on B ------------------------------------------------------------
    document = s.result("skill.export", {"key": "fetch_page"})
    expect(isinstance(document, str) and document.startswith("+++\n") and "content_sha256 = \"" in document,
           f"export gave {document!r:.200}")
    expect(s.result("skill.export", {"key": "no_such_skill"}) is None, "an absent key exported")
    s.report("parse_table", 0, 12)   # now degraded
    expect(s.result("skill.export", {"key": "parse_table"}) is None, "a degraded skill exported")
    original = {k["name"]: k for k in s.result("skills.list", {})}["fetch_page"]
    s.close()
    stop(daemon)

    daemon_b, port_b = start(home_b)
    b = Session(port_b)
    data = document.encode()
    refusals = []
    for position in (10, data.index(b"retries=3"), data.index(b"content_sha256") + 20, len(data) - 3, data.index(b"# fetch_page")):
        changed = bytearray(data)
        changed[position] = ord("x") if changed[position] != ord("x") else ord("y")
        refusals.append(b.error("skill.import", {"markdown": changed.decode("utf-8", "replace")}))
    expect(any("does not match" in m for m in refusals), f"refusals: {refusals}")
    expect(all(m.startswith("invalid params: markdown") for m in refusals), f"refusals: {refusals}")
    b.error("skill.import", {"markdown": document[:-1]})
    b.error("skill.import", {"markdown": "no front matter"})
    expect(b.result("skills.list", {}) == [], "a refused import stored something")
    ok(f"one-byte changes (front matter, code, digest, body) and truncation refused with -32602: {refusals[1][:90]}...")

    imported = b.result("skill.import", {"markdown": document})
    expect(imported == {"imported": True, "name": "fetch_page", "version": 2}, f"import answered {imported}")
    copy = {k["name"]: k for k in b.result("skills.list", {})}["fetch_page"]
    for field in ("code", "description", "domain", "when_to_apply", "scope", "source", "persona", "url_pattern", "task_keywords"):
        expect(copy.get(field) == original.get(field), f"{field}: {copy.get(field)!r} != {original.get(field)!r}")
    meta = b.result("skill.meta", {"key": "fetch_page"})
    expect(meta["status"] == "active" and meta["version"] == 2 and meta["stats"]["success_count"] == 0
           and meta["stats"]["fail_count"] == 0, f"imported meta {meta}")
    # And the copy exports again to the same skill (only the exporter's counts differ).
    second = b.result("skill.export", {"key": "fetch_page"})
    strip = lambda text: [line for line in text.splitlines() if not line.startswith(("exported_", "content_sha256"))]  # noqa: E731
    expect(strip(second) == strip(document), "the imported skill exports to a different document")
    expect(b.result("skill.repair", {"skill_name": "fetch_page"}) is None, "repair of a healthy skill")
    b.error("skill.repair", {"skill_name": "no_such_skill"})
    ok("export -> import on a second daemon round-trips every field, fresh active with zeroed stats")
    b.close()
    stop(daemon_b)
    print("ok  skill lifecycle acceptance passed")
finally:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    shutil.rmtree(home_a, ignore_errors=True)
    shutil.rmtree(home_b, ignore_errors=True)
