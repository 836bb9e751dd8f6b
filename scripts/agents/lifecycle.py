"""Supervised agents end to end (issue 10, item 7), over real sockets with real children.

    lifecycle.py PATH/TO/car-server PATH/TO/car-0.58.0-venv/bin/python

The agent is scripts/agents/agent_058.py on the official client car-runtime 0.58.0. A host
connection (session.auth {host_token}) drives it through its whole life: upsert (not started),
start, running, attached, its output in tail_log, kill -9 of the child (restarted with its
memory intact, restart_count 1), stop (no process left), a daemon restart (manifest and memory
intact), a second daemon on the same root (an observer), a crash-looping agent (errored after
max_restarts, the intervals growing), kill -9 of the daemon with the agent running (never two
copies; supervised again once the orphan exits), duplicate agent_id and wrong tokens refused,
and kill -9 of the daemon during a storm of per-agent memory writes (every answered write is
there after the restart). Every wait is bounded; prints "ok ..." per property and exits 1 on
the first failure."""
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "compat"))
import harness  # noqa: E402
from harness import call, error_of, fail, ok, wait_for  # noqa: E402

binary, agent_python = sys.argv[1], sys.argv[2]
TOKEN = "lifecycle-daemon-token"
AGENT = "acc-agent"
home = tempfile.mkdtemp(prefix="car-agents.")
daemons = []


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def agent_processes(agent_id):
    """Live processes whose environment says they run as `agent_id`, under this test's root."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if f"CAR_AGENT_ID={agent_id}".encode() in env and f"CAR_HOME={home}".encode() in env and alive(int(entry)):
            found.append(int(entry))
    return found


def Daemon():
    return harness.Daemon(binary, home, TOKEN, daemons)


def agent_entry(c, agent_id=AGENT):
    return next((a for a in call(c, "agents.list", {}) if a["spec"]["id"] == agent_id), None)


def agent_token(agent_id=AGENT):
    with open(os.path.join(home, "agents.json")) as f:
        manifest = json.load(f)
    return next(a["token"] for a in manifest["agents"] if a["id"] == agent_id)


def stdout_lines(c):
    return call(c, "agents.tail_log", {"id": AGENT, "n": 50, "stream": "stdout"})["stdout"]


def attached_run(c, facts):
    """Waits for the agent to be running and attached, with its boot line saying `facts`."""
    entry = wait_for("the agent running and attached",
                     lambda: (lambda e: e if e and e["status"] == "running" and e["attached"] else None)(agent_entry(c)))
    line = wait_for(f"the agent's boot line with {facts} facts",
                    lambda: next((l for l in stdout_lines(c) if f"pid {entry['pid']};" in l), None))
    if f"holds {facts} facts" not in line:
        fail(f"expected the agent's memory to hold {facts} facts at this boot: {line!r}")
    return entry


try:
    daemon = Daemon()
    host = daemon.host()
    # The venv's interpreter is a link that may sit under /tmp (a CI clone there), which the
    # supervisor refuses: run the real interpreter with the venv's packages on its path.
    site = subprocess.run([agent_python, "-c", "import car_runtime, os; print(os.path.dirname(os.path.dirname(car_runtime.__file__)))"],
                          capture_output=True, text=True, timeout=60).stdout.strip()
    spec = {"id": AGENT, "name": "Acceptance agent", "command": os.path.realpath(agent_python),
            "args": [os.path.join(here, "agent_058.py")], "cwd": home, "env": {"PYTHONPATH": site},
            "restart": "on_failure", "backoff_secs": 0}

    # Declared, not started.
    entry = call(host, "agents.upsert", spec)
    if entry["status"] != "stopped" or "token" in entry["spec"] or entry.get("pid") is not None:
        fail(f"a fresh upsert must be stopped, without a pid, and never show the token: {entry}")
    mode = os.stat(os.path.join(home, "agents.json")).st_mode & 0o777
    if mode != 0o600:
        fail(f"agents.json has mode {oct(mode)}, expected 0600")
    ok("upsert: stopped, no pid, token kept out of the spec, agents.json 0600")
    refused = error_of(daemon.client(), "agents.upsert", spec)
    if "host" not in refused["message"]:
        fail(f"upsert without the host role must be refused naming it: {refused}")
    ok("upsert needs the host role")

    # Started, running, attached, logging.
    call(host, "agents.start", {"id": AGENT})
    running = call(host, "agents.wait", {"id": AGENT, "targets": ["running"], "timeout_secs": 20})
    first = attached_run(host, 1)
    if not first["session_id"]:
        fail(f"an attached agent shows its session_id: {first}")
    tail = call(host, "agents.tail_log", {"id": AGENT, "n": 10})
    if not any("stderr check" in l for l in tail["stderr"]) or not tail["stdout_path"].endswith(f"logs/{AGENT}.stdout.log"):
        fail(f"tail_log must carry both streams and their paths: {tail}")
    ok(f"start: running (pid {first['pid']}), attached as {first['session_id']}, both streams in tail_log")

    # Identity binding rules while the agent is attached.
    duplicate = daemon.client(token=agent_token(), agent_id=AGENT)
    if not isinstance(duplicate, dict) or "already attached on another connection" not in duplicate["error"]["message"]:
        fail(f"a second connection with the same agent_id must be refused: {duplicate}")
    wrong = daemon.client(token="not-the-agent-token", agent_id=AGENT)
    if not isinstance(wrong, dict) or "mismatch" not in wrong["error"]["message"]:
        fail(f"a wrong agent token must be refused: {wrong}")
    daemon_token = daemon.client(token=TOKEN, agent_id=AGENT)
    if not isinstance(daemon_token, dict) or "agent token mismatch" not in daemon_token["error"]["message"]:
        fail(f"the daemon token must never bind an agent identity: {daemon_token}")
    unknown = daemon.client(token=agent_token(), agent_id="nobody")
    if not isinstance(unknown, dict):
        fail("an unknown agent_id must be refused")
    ok("duplicate agent_id, a wrong agent token, the daemon token and an unknown id are all refused")

    # kill -9 of the child: restarted by its policy, memory intact.
    os.kill(first["pid"], signal.SIGKILL)
    second = wait_for("the replacement child", lambda: (lambda e: e if e and e.get("pid") not in (None, first["pid"])
                                                        and e["status"] == "running" and e["attached"] else None)(agent_entry(host)))
    if second["restart_count"] != 1:
        fail(f"restart_count after one crash is {second['restart_count']}, expected 1")
    attached_run(host, 2)
    ok(f"kill -9 of the child: restarted as pid {second['pid']}, restart_count 1, its memory kept (2 facts)")

    # Stop: no process left.
    stopped = call(host, "agents.stop", {"id": AGENT})
    if stopped["status"] != "stopped" or alive(second["pid"]) or agent_processes(AGENT):
        fail(f"after agents.stop no process may be left: {stopped}, left {agent_processes(AGENT)}")
    ok("stop: stopped, no process left")
    detached = daemon.client(token=TOKEN, agent_id=AGENT)
    if not isinstance(detached, dict) or "agent token mismatch" not in detached["error"]["message"]:
        fail(f"the daemon token must not bind the agent even while nobody is attached as it: {detached}")
    bound = daemon.client(token=agent_token(), agent_id=AGENT)
    if isinstance(bound, dict):
        fail(f"the agent's own token must bind it while it is detached: {bound}")
    switched = bound.call("again", "session.auth", {"token": TOKEN})
    if "error" not in switched or "bound to agent" not in switched["error"]["message"]:
        fail(f"a connection bound to an agent must keep that identity: {switched}")
    if not agent_entry(host)["attached"]:
        fail("a refused re-auth must leave the agent attached")
    bound.close()
    wait_for("the agent detached after its connection closed", lambda: not agent_entry(host)["attached"], 5)
    ok("the daemon token never binds the agent; a bound connection keeps its identity; closing detaches")

    # Daemon restart: manifest and memory intact.
    host.close()
    daemon.stop()
    daemon = Daemon()
    host = daemon.host()
    if not agent_entry(host):
        fail("the agent is gone after a daemon restart")
    call(host, "agents.start", {"id": AGENT})
    third = attached_run(host, 3)
    ok("daemon restart: the manifest and the agent's memory (3 facts) survived")

    # A second daemon on the same root observes.
    observer = Daemon()
    watcher = observer.client()
    call(watcher, "server.handshake", {"protocol_version": 3})
    identity = call(watcher, "host.subscribe", {})["identity"]
    if identity["manifest_role"] != "observer" or not identity["manifest_path"].endswith("agents.json"):
        fail(f"a second daemon must report itself an observer: {identity}")
    listed = call(watcher, "agents.list", {})
    if [a["spec"]["id"] for a in listed] != [AGENT] or listed[0]["status"] != "stopped":
        fail(f"an observer lists from the manifest, runtime fields at defaults: {listed}")
    refused = error_of(watcher, "agents.start", {"id": AGENT})
    if "observe-only" not in refused["message"] or "agents.json" not in refused["message"]:
        fail(f"an observer must refuse with observe-only and the manifest path: {refused}")
    owner_identity = call(host, "server.handshake", {"protocol_version": 3}) and call(host, "host.subscribe", {})["identity"]
    if owner_identity["manifest_role"] != "owner":
        fail(f"the first daemon must stay the owner: {owner_identity}")
    watcher.close()
    observer.stop()
    daemons.remove(observer)
    ok("second daemon: observer (list from the manifest, observe-only refusals), the first stays owner")

    # A crash-looping agent ends errored after max_restarts, the intervals growing.
    events = daemon.client()
    call(events, "server.handshake", {"protocol_version": 3})
    call(events, "host.subscribe", {})
    call(host, "agents.upsert", {"id": "crasher", "name": "Crasher", "command": "/bin/sh", "args": ["-c", "exit 3"],
                                 "restart": "on_failure", "max_restarts": 3, "backoff_secs": 0.2})
    call(host, "agents.start", {"id": "crasher"})
    final = call(host, "agents.wait", {"id": "crasher", "targets": ["errored"], "timeout_secs": 30})
    if final["last_exit_code"] != 3 or final["restart_count"] != 3:
        fail(f"the crash loop must end errored with exit code 3 after 3 restarts: {final}")
    starts = []
    deadline = time.monotonic() + 5
    while len(starts) < 4 and time.monotonic() < deadline:
        message = events.recv_json(timeout=max(0.1, deadline - time.monotonic()))
        if message and message.get("method") == "host.event":
            event = message["params"]
            if event["kind"] == "agent.started" and event["agent_id"] == "crasher":
                # The daemon's own timestamp: these may be read well after they were sent.
                starts.append(datetime.datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp())
    if len(starts) < 4:
        fail(f"expected 4 agent.started events for the crash loop, saw {len(starts)}")
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    if not all(later > earlier * 1.3 for earlier, later in zip(gaps, gaps[1:])):
        fail(f"the restart intervals must grow: {gaps}")
    events.close()
    ok("crash loop: errored after 3 restarts, intervals " + ", ".join(f"{g:.2f}" for g in gaps) + " s")

    # kill -9 of the daemon with the agent running: never two copies.
    orphan = third["pid"]
    daemon.kill9()
    daemons.remove(daemon)
    if not alive(orphan):
        fail("the agent should outlive a daemon killed with -9 (it runs in its own process group)")
    daemon = Daemon()
    host = daemon.host()
    blocked = wait_for("the agent blocked by its orphan", lambda: (lambda e: e if e and e["status"] == "backoff" else None)(agent_entry(host)), 10)
    if blocked.get("blocked_by_pid") != orphan or agent_processes(AGENT) != [orphan]:
        fail(f"the new daemon must not start a second copy while pid {orphan} runs: {blocked}, running {agent_processes(AGENT)}")
    ok(f"kill -9 of the daemon: the next one reports backoff blocked_by_pid {orphan} and starts no second copy")
    os.kill(orphan, signal.SIGKILL)
    resumed = attached_run(host, 4)
    if agent_processes(AGENT) != [resumed["pid"]]:
        fail(f"exactly one copy must run after the orphan exits: {agent_processes(AGENT)}")
    ok(f"once the orphan exited, the agent was supervised again (pid {resumed['pid']})")
    call(host, "agents.stop", {"id": AGENT, "signal": "kill"})

    # Crash safety of the per-agent memory log: kill -9 during a storm of writes.
    answered = 0
    in_flight_rounds = 0
    for round_number in range(4):
        me = daemon.client(token=agent_token(), agent_id=AGENT)
        if isinstance(me, dict):
            fail(f"attaching as the agent failed in round {round_number}: {me}")
        count = call(me, "memory.fact_count", {})
        if count < answered + 4:
            fail(f"round {round_number}: the agent's memory holds {count} facts, but {answered} writes plus 4 boots were answered")
        answered = count - 4
        # Pipelined, so writes are in flight (some logged, some not) when the daemon dies.
        writes = 3000
        for index in range(writes):
            me.send_json({"jsonrpc": "2.0", "id": index, "method": "memory.add_fact",
                          "params": {"subject": f"storm-{round_number}-{index}", "body": "x" * 200, "kind": "pattern"}})
        kill_after = 0.01 + 0.03 * round_number
        started = time.monotonic()
        answered_before = answered
        try:
            while time.monotonic() - started < kill_after:
                reply = me.recv_json(timeout=max(0.001, kill_after - (time.monotonic() - started)))
                if reply and "result" in reply:
                    answered += 1
        except Exception:
            pass  # the read deadline passed: time to kill
        finally:
            daemon.kill9()
            daemons.remove(daemon)
        # Some answered and some not: the kill landed among writes in flight.
        if 0 < answered - answered_before < writes:
            in_flight_rounds += 1
        daemon = Daemon()
    me = daemon.client(token=agent_token(), agent_id=AGENT)
    if isinstance(me, dict):
        fail(f"the agent's memory log did not load after the last crash: {me}")
    if not in_flight_rounds:
        fail("no crash round had writes in flight when the daemon was killed: the storm proved nothing")
    final_count = call(me, "memory.fact_count", {})
    if final_count < answered + 4:
        fail(f"after the crashes the agent's memory holds {final_count} facts; {answered} writes plus 4 boots were answered")
    ok(f"kill -9 during memory writes, 4 rounds ({in_flight_rounds} with writes in flight): every answered write survived "
       f"({final_count} facts, {answered} storm writes answered)")
finally:
    for d in daemons:
        if d.process.poll() is None:
            d.process.kill()
            d.process.wait(10)
    for pid in agent_processes(AGENT) + agent_processes("crasher"):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    if os.environ.get("KEEP_TMP") != "1":
        subprocess.run(["rm", "-rf", home])
