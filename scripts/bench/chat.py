"""Chat relay figures (issue 11, item 7) against a running release daemon.

    chat.py --port PORT --home CAR_HOME --pid DAEMON_PID --agent-token T [--rounds 2000]
            [--chats 10] [--tokens 1000] [--sessions 1000] [--repeat 5]

The daemon's manifest holds agents bench-0 .. bench-(chats-1), all with the token T; this one
process plays every agent (session.auth {token, agent_id}) and every host (session.auth
{token: daemon token}); scripts/bench-chat.sh writes ten agents, so --chats is at most 10.
Three figures, measured in this order:

- rss: VmRSS of the daemon (/proc/PID/status) once the connections are up (and 10 turns have
  been opened and finished, so first-use allocations are out of the way), then with --sessions
  turns open (agents.chat with distinct session_ids spread over hosts of at most 250 turns each,
  every agent.chat acked {accepted: true} by agent bench-0), the difference per session, and
  the RSS once the agent has ended them all with done.
- latency: one turn open; --rounds times, one event in flight: perf_counter_ns before the
  agent's send of one token event, again once the host has its whole agents.chat.event frame.
  Interleaved with it, on the same host connection, --rounds server.ping round trips (the
  anchor). p50/p99 of both and the ratio of the p50s; 200 more of each first, not counted.
- throughput: --chats host connections, each with one turn to its own agent connection
  (bench-i serves host i's turn: 10 agents, not one). Each agent sends --tokens token events
  pipelined (pre-built frames, written as fast as its socket takes them) then done; from the
  first send to the last host's done. Every host must get exactly its own tokens, in order.
  Done --repeat times (5) on the same connections, fresh turns each time: median, best, worst;
  with the median run's CPU use over its window (daemon: its threads' schedstat run time;
  client: this process) and the daemon's context switches (involuntary ones: a busy CPU 0).

agents.chat.status (host token) is read after each figure: nothing may be dropped. Bounded:
every wait has a deadline; a failed check exits non-zero with what went wrong."""
import argparse
import json
import os
import selectors
import statistics
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from wsclient import OP_PONG, OP_TEXT, WSClient, build_frame  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--home", required=True)
parser.add_argument("--pid", type=int, required=True)
parser.add_argument("--agent-token", required=True)
parser.add_argument("--rounds", type=int, default=2000)
parser.add_argument("--chats", type=int, default=10)
parser.add_argument("--tokens", type=int, default=1000)
parser.add_argument("--sessions", type=int, default=1000)
parser.add_argument("--repeat", type=int, default=5)
args = parser.parse_args()

PER_HOST = 250  # under the daemon's 256 turns per host connection


def read_token(name):
    path = os.path.join(args.home, "ai.parslee.car", name)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                token = f.read().strip()
            if token:
                return token
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"chat: no {path}")


daemon_token = read_token("auth-token")
host_token = read_token("host-token")


def frame(obj):
    return build_frame(OP_TEXT, json.dumps(obj, separators=(",", ":")).encode())


class Conn:
    """A WSClient for the handshake and the calls around the figures, plus a lean reader for
    the timed parts: whole text messages as bytes, pings answered, nothing else."""

    def __init__(self, auth, label):
        self.label = label
        self.ws = WSClient(args.port, timeout=30)
        reply = self.ws.call("auth", "session.auth", auth)
        if reply.get("result", {}).get("ok") is not True:
            raise SystemExit(f"chat: session.auth for {label} failed: {reply}")
        self.sock = self.ws.sock

    def call(self, method, params=None, timeout=30):
        reply = self.ws.call(method, method, params, timeout=timeout)
        if "error" in reply:
            raise SystemExit(f"chat: {self.label}: {method}: {reply['error']}")
        return reply["result"]

    def take(self):
        """The next whole text message in the buffer (bytes), or None. Pings are answered."""
        ws = self.ws
        while True:
            buf = ws.buffer
            if len(buf) < 2:
                return None
            b0, n, offset = buf[0], buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return None
                n, offset = struct.unpack_from("!H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    return None
                n, offset = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < offset + n:
                return None
            payload = buf[offset:offset + n]
            ws.buffer = buf[offset + n:]
            opcode = b0 & 0x0F
            if opcode == OP_TEXT and b0 & 0x80:
                return payload
            if opcode == 0x9:
                self.sock.sendall(ws.frame(OP_PONG, payload))
            elif opcode == 0x8:
                raise SystemExit(f"chat: the daemon closed {self.label}: {payload[2:]!r}")
            elif opcode != OP_PONG:
                raise SystemExit(f"chat: {self.label}: unexpected frame opcode {opcode} fin={bool(b0 & 0x80)}")

    def fill(self):
        """One recv into the buffer (blocking with the socket's timeout, or non-blocking)."""
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise SystemExit(f"chat: the daemon closed {self.label}")
        self.ws.buffer += chunk

    def next_message(self, deadline):
        while True:
            message = self.take()
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"chat: {self.label}: nothing from the daemon before the deadline")
            self.sock.settimeout(remaining)
            self.fill()

    def next_json(self, deadline):
        return json.loads(self.next_message(deadline))


def host():
    return Conn({"token": daemon_token}, "host")


def agent(index):
    return Conn({"token": args.agent_token, "agent_id": f"bench-{index}"}, f"agent bench-{index}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_bytes():
    with open(f"/proc/{args.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("chat: no VmRSS for the daemon")


def daemon_cpu_s():
    """The daemon's CPU time so far, in seconds: the sum of its threads' run time from
    /proc/PID/task/*/schedstat (nanoseconds; /proc/PID/stat counts 10 ms ticks, too coarse for
    a 100 ms window)."""
    total = 0
    for tid in os.listdir(f"/proc/{args.pid}/task"):
        try:
            with open(f"/proc/{args.pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9


def daemon_switches():
    """Context switches of all the daemon's threads so far: (voluntary, involuntary). Many
    involuntary ones in a window mean the daemon was runnable but preempted (a busy CPU 0)."""
    voluntary = involuntary = 0
    for tid in os.listdir(f"/proc/{args.pid}/task"):
        try:
            with open(f"/proc/{args.pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        voluntary += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        involuntary += int(line.split()[1])
        except FileNotFoundError:
            pass
    return voluntary, involuntary


def event_frame(session_id, kind, delta=None):
    params = {"session_id": session_id, "kind": kind}
    if delta is not None:
        params["delta"] = delta
    return frame({"jsonrpc": "2.0", "method": "agent.chat.event", "params": params})


def open_turns(hosts_and_sessions, agent_conn, deadline_s=30):
    """agents.chat for each (host, session_id), pipelined per host; the agent acks each
    agent.chat it is sent; every host's reply must be {accepted: true}."""
    deadline = time.monotonic() + deadline_s
    expected = {}
    for h, sid in hosts_and_sessions:
        h.sock.sendall(frame({"jsonrpc": "2.0", "id": f"open-{sid}", "method": "agents.chat",
                              "params": {"agent_id": agent_conn.label.split()[-1], "prompt": "bench", "session_id": sid}}))
        expected.setdefault(h, set()).add(f"open-{sid}")
    acked = 0
    while acked < len(hosts_and_sessions):
        request = agent_conn.next_json(deadline)
        if request.get("method") != "agent.chat":
            raise SystemExit(f"chat: {agent_conn.label} expected agent.chat, got {str(request)[:300]}")
        agent_conn.sock.sendall(frame({"jsonrpc": "2.0", "id": request["id"], "result": {"accepted": True}}))
        acked += 1
    for h, ids in expected.items():
        while ids:
            reply = h.next_json(deadline)
            if reply.get("id") not in ids or reply.get("result", {}).get("accepted") is not True:
                raise SystemExit(f"chat: agents.chat answered {str(reply)[:300]}")
            ids.discard(reply["id"])


def settle(conn):
    """A server.ping on conn: once answered, what conn sent before it has been read."""
    conn.sock.settimeout(30)
    conn.sock.sendall(frame({"jsonrpc": "2.0", "id": "settle", "method": "server.ping"}))
    deadline = time.monotonic() + 30
    while True:
        message = conn.next_json(deadline)
        if message.get("id") == "settle":
            return
        raise SystemExit(f"chat: {conn.label}: unexpected {str(message)[:300]}")


def check_status(status_conn, before, expect_delivered, what):
    status = status_conn.call("agents.chat.status", {})
    dropped = status["dropped"]
    delivered = status["delivered"] - before["delivered"]
    new_drops = {k: dropped[k] - before["dropped"][k] for k in dropped}
    if any(new_drops.values()) or delivered != expect_delivered or status["sessions"]:
        raise SystemExit(f"chat: {what}: agents.chat.status delivered {delivered} (expected {expect_delivered}), "
                         f"dropped {new_drops}, {len(status['sessions'])} sessions left")
    return status


status_conn = Conn({"host_token": host_token}, "status")
print(f"daemon pid {args.pid}; ping: {status_conn.call('server.ping')!r}", flush=True)
status = status_conn.call("agents.chat.status", {})

# -- RSS with --sessions open turns (first, on a daemon that has done little) ------------------

n_hosts = -(-args.sessions // PER_HOST)
rss_hosts = [host() for _ in range(n_hosts)]
rss_agent = agent(0)
for h in rss_hosts:
    h.sock.settimeout(30)
rss_agent.sock.settimeout(30)
# Warm-up: 10 turns opened and finished, so the first-use allocations are not counted.
open_turns([(rss_hosts[0], f"warm-{i}") for i in range(10)], rss_agent)
for i in range(10):
    rss_agent.sock.sendall(event_frame(f"warm-{i}", "done"))
deadline = time.monotonic() + 30
for _ in range(10):
    message = rss_hosts[0].next_json(deadline)
    if message.get("params", {}).get("kind") != "done":
        raise SystemExit(f"chat: warm-up: {str(message)[:300]}")
status = check_status(status_conn, status, 10, "warm-up")
settle(rss_agent)
time.sleep(0.3)
rss_before = rss_bytes()
sessions = [(rss_hosts[i // PER_HOST], f"s-{i}") for i in range(args.sessions)]
for start in range(0, len(sessions), 50):  # 50 in flight at a time
    open_turns(sessions[start:start + 50], rss_agent)
settle(rss_agent)
time.sleep(0.3)
rss_open = rss_bytes()
open_count = len(status_conn.call("agents.chat.status", {})["sessions"])
if open_count != args.sessions:
    raise SystemExit(f"chat: {open_count} sessions open, expected {args.sessions}")
for _, sid in sessions:
    rss_agent.sock.sendall(event_frame(sid, "done"))
deadline = time.monotonic() + 30
for h in rss_hosts:
    for _ in range(sum(1 for hh, _ in sessions if hh is h)):
        message = h.next_json(deadline)
        if message.get("params", {}).get("kind") != "done":
            raise SystemExit(f"chat: ending turns: {str(message)[:300]}")
status = check_status(status_conn, status, args.sessions, "rss")
time.sleep(0.3)
rss_closed = rss_bytes()
per_session = (rss_open - rss_before) / args.sessions
print(f"rss: {len(rss_hosts) + 2} connections up: {rss_before / 1048576:.2f} MiB; with {args.sessions} open chat "
      f"sessions ({len(rss_hosts)} hosts, 1 agent): {rss_open / 1048576:.2f} MiB; per session {per_session:,.0f} B; "
      f"after all ended: {rss_closed / 1048576:.2f} MiB", flush=True)
for c in rss_hosts + [rss_agent]:
    c.ws.close()

# -- Relay latency, with server.ping on the same host connection as the anchor -----------------

h, a = host(), agent(0)
h.sock.settimeout(30)
a.sock.settimeout(30)
open_turns([(h, "lat")], a)
warm = 200
total = warm + args.rounds
tokens = [event_frame("lat", "token", f"t{i}") for i in range(total)]
pings = [frame({"jsonrpc": "2.0", "id": i, "method": "server.ping"}) for i in range(total)]
relay_ns, ping_ns = [], []
deadline = time.monotonic() + 120
for i in range(total):
    t0 = time.perf_counter_ns()
    a.sock.sendall(tokens[i])
    got = h.next_message(deadline)
    t1 = time.perf_counter_ns()
    event = json.loads(got)
    params = event.get("params", {})
    if event.get("method") != "agents.chat.event" or params.get("delta") != f"t{i}" or params.get("session_id") != "lat" \
            or params.get("agent_id") != "bench-0" or params.get("kind") != "token":
        raise SystemExit(f"chat: latency: event {i} arrived as {str(event)[:300]}")
    t2 = time.perf_counter_ns()
    h.sock.sendall(pings[i])
    got = h.next_message(deadline)
    t3 = time.perf_counter_ns()
    reply = json.loads(got)
    if reply.get("id") != i or "result" not in reply:
        raise SystemExit(f"chat: latency: ping {i} answered {str(reply)[:300]}")
    if i >= warm:
        relay_ns.append(t1 - t0)
        ping_ns.append(t3 - t2)
a.sock.sendall(event_frame("lat", "done"))
if json.loads(h.next_message(deadline)).get("params", {}).get("kind") != "done":
    raise SystemExit("chat: latency: no done")
status = check_status(status_conn, status, total + 1, "latency")
relay_p50, ping_p50 = statistics.median(relay_ns) / 1000, statistics.median(ping_ns) / 1000
print(f"latency: token event agent send -> host receive, {len(relay_ns)} events one in flight: "
      f"p50 {relay_p50:.1f} us, p99 {percentile(relay_ns, 99) / 1000:.1f} us; "
      f"server.ping on the same host connection, {len(ping_ns)} calls interleaved: "
      f"p50 {ping_p50:.1f} us, p99 {percentile(ping_ns, 99) / 1000:.1f} us; "
      f"relay/ping p50 {relay_p50 / ping_p50:.2f}x", flush=True)
h.ws.close()
a.ws.close()

# -- Throughput: --chats concurrent chats, one agent connection each --------------------------

hosts = [host() for _ in range(args.chats)]
agents = [agent(i) for i in range(args.chats)]


def throughput_run(run):
    """One run: a fresh turn chat-RUN-i per host i, served by agent bench-i; (elapsed ns,
    daemon CPU s, client CPU s)."""
    sids = [f"chat-{run}-{i}" for i in range(args.chats)]
    for i in range(args.chats):
        hosts[i].sock.settimeout(30)
        agents[i].sock.settimeout(30)
        open_turns([(hosts[i], sids[i])], agents[i])
    payloads = []
    for i in range(args.chats):
        parts = [event_frame(sids[i], "token", f"{i}:{k}") for k in range(args.tokens)]
        parts.append(event_frame(sids[i], "done"))
        payloads.append(memoryview(b"".join(parts)))
    sel = selectors.DefaultSelector()
    for i in range(args.chats):
        agents[i].sock.setblocking(False)
        hosts[i].sock.setblocking(False)
        sel.register(agents[i].sock, selectors.EVENT_WRITE, ("agent", i))
        sel.register(hosts[i].sock, selectors.EVENT_READ, ("host", i))
    sent = [0] * args.chats
    received = [0] * args.chats
    done_at = [None] * args.chats
    open_chats = args.chats
    cpu0, dcpu0, sw0 = time.process_time(), daemon_cpu_s(), daemon_switches()
    start = time.perf_counter_ns()
    deadline = time.monotonic() + 60
    while open_chats:
        if time.monotonic() > deadline:
            raise SystemExit(f"chat: throughput: not done in time; received {received}")
        for key, _ in sel.select(timeout=1.0):
            side, i = key.data
            if side == "agent":
                try:
                    sent[i] += agents[i].sock.send(payloads[i][sent[i]:sent[i] + (1 << 18)])
                except BlockingIOError:
                    continue
                if sent[i] == len(payloads[i]):
                    sel.unregister(agents[i].sock)
                continue
            h = hosts[i]
            try:
                h.fill()
            except BlockingIOError:
                continue
            while (message := h.take()) is not None:
                event = json.loads(message)
                params = event.get("params", {})
                if event.get("method") != "agents.chat.event" or params.get("session_id") != sids[i] \
                        or params.get("agent_id") != f"bench-{i}":
                    raise SystemExit(f"chat: throughput: host {i} got {str(event)[:300]}")
                if params.get("kind") == "token":
                    if params.get("delta") != f"{i}:{received[i]}":
                        raise SystemExit(f"chat: throughput: host {i} expected token {i}:{received[i]}, got {params.get('delta')!r}")
                    received[i] += 1
                elif params.get("kind") == "done" and received[i] == args.tokens and done_at[i] is None:
                    done_at[i] = time.perf_counter_ns()
                    open_chats -= 1
                    sel.unregister(h.sock)
                else:
                    raise SystemExit(f"chat: throughput: host {i} got {params.get('kind')} after {received[i]} tokens: {str(event)[:300]}")
    elapsed_ns = max(done_at) - start
    cpu, dcpu, sw = time.process_time() - cpu0, daemon_cpu_s() - dcpu0, daemon_switches()
    switches = (sw[0] - sw0[0], sw[1] - sw0[1])
    sel.close()
    for c in hosts + agents:
        c.sock.setblocking(True)
    return elapsed_ns, dcpu, cpu, switches


events = args.chats * (args.tokens + 1)
runs = []
for run in range(args.repeat):
    runs.append(throughput_run(run))
    status = check_status(status_conn, status, events, f"throughput run {run}")
rates = [events / (run[0] / 1e9) for run in runs]
median_run = sorted(range(len(runs)), key=lambda r: rates[r])[len(runs) // 2]
ns, dcpu, cpu, switches = runs[median_run]
print(f"throughput: {args.chats} chats x {args.tokens} tokens + done ({args.chats} host connections, {args.chats} agent "
      f"connections, one turn each), {events} events per run, {len(runs)} runs: median {rates[median_run]:,.0f} events/s "
      f"({ns / 1e6:.1f} ms; CPU over that window: daemon {dcpu / (ns / 1e9) * 100:.0f}%, client {cpu / (ns / 1e9) * 100:.0f}%; daemon context "
      f"switches {switches[0]} voluntary, {switches[1]} involuntary), "
      f"best {max(rates):,.0f}, worst {min(rates):,.0f}; every host got its own tokens in order, none crossed", flush=True)
print(f"agents.chat.status: delivered {status['delivered']}, dropped {status['dropped']}", flush=True)
