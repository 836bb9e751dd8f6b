"""A2A SendMessage figures: our listener against the SDK's echo agent, side by side in one run.

    a2a.py --ours URL --anchor URL --token TOKEN [--ours-pid PID] [--anchor-pid PID]
           [--rounds 3] [--clients 1,16] [--procs 1,4] [--ours-requests 6000,1000]
           [--anchor-requests 900,90] [--warmup 100,10] [--case-cap 60] [--prefill 10000]
           [--only ours|anchor]
    a2a.py anchor PATH/echo_agent.py ECHO_AGENT_ARGS...   (with the a2a venv's python: the
           anchor, echo_agent.py unchanged but with TCP_NODELAY; see serve_anchor)

Both servers get the same thing: a JSON-RPC 1.0 `SendMessage` (blocking, the default) whose
message is one text part, POSTed to URL with `A2A-Version: 1.0`, `Content-Type:
application/json` and `Authorization: Bearer TOKEN`, each with a fresh messageId and JSON-RPC id.
The client is the same for both: raw HTTP/1.1 over one persistent (keep-alive) TCP connection
per client, each client with one request in flight; the clients of one case are spread over
--procs processes (each an epoll loop over its connections, so no client thread waits on the
GIL), which start together after their warm-up (a barrier).

Each reply must be HTTP 200 with a JSON-RPC result for that id holding a completed task
(`result.task.status.state == TASK_STATE_COMPLETED`, a task id not seen before in the case, the
sent message first in `history`) with the reply the server promises:
  ours    (`--ours`):   the acknowledgement, `status.message` role ROLE_AGENT with a non-empty
                        text part (the daemon's built-in runtime answers text with "Acknowledged.");
  anchor (`--anchor`):  the echo, `artifacts[0].parts[0].text` equal to the sent text
                        (scripts/a2a/echo_agent.py --mode task).
Anything else is an error (counted, the first few printed, exit status 1), so an error answered
fast cannot win. A latency is the time from the request's send to the last byte of its reply
(before the JSON check).

First --prefill tasks (10,000) are made on each server with 16 clients, not measured: ours then
has its in-memory task store full (its bound is 10,000; each new task evicts the oldest finished
one), the anchor's store is as large, and every round sees that steady state.
Cases: for each round, for each client count: ours, then the anchor (the order flips every other
round, so a slow patch of the machine falls on both). Per case: --warmup requests per client
first (not counted), then a fixed count per client (--ours-requests / --anchor-requests, one per
client count); a case stops early at --case-cap seconds (it then says capped). Prints one
`a2a-bench` line per case (req/s, p50/p99 ms, errors, the client's CPU use as a share of one
core, the server's CPU use over the same window from /proc/PID/stat, and what other processes
used of the server's CPU meanwhile when it is pinned to one, from /proc/stat: a case where that
is high was disturbed), then the table with the ratio ours / anchor per round and the median over
the rounds."""
import argparse
import json
import multiprocessing
import os
import resource
import selectors
import socket
import statistics
import sys
import time
import urllib.parse


def serve_anchor(echo_agent, argv):
    """`a2a.py anchor PATH/echo_agent.py ARGS...` (with the a2a venv's python): runs the echo
    agent unchanged but with TCP_NODELAY on the connections it accepts. The echo agent binds its
    own socket (`socket.socket(AF_INET, SOCK_STREAM)`, protocol 0) and hands it to uvicorn, and
    asyncio only sets TCP_NODELAY on sockets whose protocol is IPPROTO_TCP, so its replies (two
    writes: head, then body) waited for the client's delayed ACK: ~40 ms per request on a
    keep-alive connection. uvicorn binding by itself (host/port, the usual way) gets
    IPPROTO_TCP sockets and TCP_NODELAY; this gives the anchor the same."""
    import runpy
    from asyncio import base_events

    def set_nodelay(sock):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    base_events._set_nodelay = set_nodelay
    # This file's folder comes first on sys.path, and this file is named a2a.py: without this,
    # `import a2a` in the echo agent would import this file instead of the SDK.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.argv = [echo_agent] + argv
    runpy.run_path(echo_agent, run_name="__main__")


if len(sys.argv) > 2 and sys.argv[1] == "anchor":
    serve_anchor(sys.argv[2], sys.argv[3:])
    sys.exit(0)

parser = argparse.ArgumentParser()
parser.add_argument("--ours", required=True, help="our listener's JSON-RPC URL")
parser.add_argument("--anchor", required=True, help="the echo agent's JSON-RPC URL")
parser.add_argument("--token", required=True, help="bearer token (both servers check it)")
parser.add_argument("--ours-pid", type=int)
parser.add_argument("--anchor-pid", type=int)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--clients", default="1,16")
parser.add_argument("--procs", default="1,4", help="client processes per client count")
parser.add_argument("--ours-requests", default="6000,1000", help="requests per client, per client count")
parser.add_argument("--anchor-requests", default="900,90", help="requests per client, per client count")
parser.add_argument("--warmup", default="100,10", help="warm-up requests per client, per client count")
parser.add_argument("--case-cap", type=float, default=60.0, help="seconds one case may take")
parser.add_argument("--prefill", type=int, default=10000,
                    help="tasks made on each server before the first round (16 clients, not measured)")
parser.add_argument("--only", choices=["ours", "anchor"], help="measure one side only (profiling)")
args = parser.parse_args()


def ints(text):
    return [int(x) for x in text.split(",")]


CLIENTS = ints(args.clients)
PROCS = ints(args.procs)
OURS_N = ints(args.ours_requests)
ANCHOR_N = ints(args.anchor_requests)
WARMUP = ints(args.warmup)
for name, values in (("--procs", PROCS), ("--ours-requests", OURS_N), ("--anchor-requests", ANCHOR_N), ("--warmup", WARMUP)):
    if len(values) != len(CLIENTS):
        raise SystemExit(f"a2a.py: {name} needs one value per client count ({args.clients})")
TICK = os.sysconf("SC_CLK_TCK")


class Target:
    def __init__(self, name, url, pid, expect):
        self.name, self.url, self.pid, self.expect = name, url, pid, expect
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.path = parsed.path or "/"
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"a2a.py: {url}: loopback only")


def request_bytes(target, token, rpc_id, message_id, text):
    body = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "method": "SendMessage",
                       "params": {"message": {"messageId": message_id, "role": "ROLE_USER",
                                              "parts": [{"text": text}]}}},
                      separators=(",", ":")).encode()
    head = (f"POST {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\nA2A-Version: 1.0\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    return head + body


def check(expect, status, headers, body, rpc_id, message_id, text, seen):
    """None when the reply is the completed task it should be, else what is wrong."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    try:
        reply = json.loads(body)
    except ValueError as error:
        return f"not JSON ({error}): {body[:200]!r}"
    if reply.get("jsonrpc") != "2.0" or reply.get("id") != rpc_id:
        return f"wrong envelope: {body[:200]!r}"
    if "result" not in reply:
        return f"no result: {body[:300]!r}"
    task = reply["result"].get("task") if isinstance(reply["result"], dict) else None
    if not isinstance(task, dict):
        return f"result is not {{task}}: {body[:300]!r}"
    if task.get("status", {}).get("state") != "TASK_STATE_COMPLETED":
        return f"task not completed: {task.get('status')!r}"
    task_id = task.get("id")
    if not isinstance(task_id, str) or not task_id or task_id in seen:
        return f"task id missing or repeated: {task_id!r}"
    seen.add(task_id)
    history = task.get("history") or []
    if not history or history[0].get("messageId") != message_id or history[0].get("parts") != [{"text": text}]:
        return f"history does not start with the sent message: {history[:1]!r}"
    if expect == "ack":
        message = task["status"].get("message") or {}
        parts = message.get("parts") or []
        if message.get("role") != "ROLE_AGENT" or not parts or not parts[0].get("text"):
            return f"no acknowledgement in status.message: {message!r}"
    else:
        artifacts = task.get("artifacts") or []
        if not artifacts or (artifacts[0].get("parts") or [{}])[0].get("text") != text:
            return f"no echo artifact: {artifacts!r}"
    return None


class Conn:
    def __init__(self, target, token, tag):
        self.target, self.token, self.tag = target, token, tag
        self.sock = None
        self.counter = 0
        self.remaining = 0
        self.open()

    def open(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = socket.create_connection((self.target.host, self.target.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = bytearray()

    def send_next(self):
        self.counter += 1
        self.rpc_id = self.counter
        self.message_id = f"bench-{self.tag}-{self.counter}"
        self.text = f"hello from the a2a bench {self.tag} #{self.counter}"
        data = request_bytes(self.target, self.token, self.rpc_id, self.message_id, self.text)
        self.head = None
        self.sent_at = time.perf_counter_ns()
        sent = self.sock.send(data)
        if sent != len(data):  # a ~400-byte request into an empty socket buffer: never seen
            self.sock.setblocking(True)
            self.sock.sendall(data[sent:])
            self.sock.setblocking(False)

    def take(self):
        """(status, headers, body) once the whole reply is buffered, else None."""
        if self.head is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return None
            lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                raise RuntimeError("chunked reply: this client reads Content-Length bodies only")
            self.head = (status, headers, end + 4, int(headers.get("content-length", "0")))
        status, headers, start, length = self.head
        if len(self.buf) < start + length:
            return None
        body = bytes(self.buf[start:start + length])
        del self.buf[:start + length]
        return status, headers, body


def drive(conns, per_conn, deadline, latencies, errors, seen):
    """Every connection sends per_conn requests, one in flight each. Returns (ok, capped)."""
    selector = selectors.DefaultSelector()
    active = 0
    for conn in conns:
        conn.remaining = per_conn
        if per_conn > 0:
            selector.register(conn.sock, selectors.EVENT_READ, conn)
            conn.send_next()
            active += 1
    ok = 0
    capped = False

    def reconnect(conn):
        selector.unregister(conn.sock)
        conn.open()
        selector.register(conn.sock, selectors.EVENT_READ, conn)

    def advance(conn):
        """One request of conn answered: the next goes out, or conn retires (True)."""
        nonlocal active, capped
        conn.remaining -= 1
        if conn.remaining > 0 and time.monotonic() < deadline:
            conn.send_next()
            return False
        capped = capped or conn.remaining > 0
        selector.unregister(conn.sock)
        active -= 1
        return True

    while active:
        events = selector.select(timeout=max(0.0, min(5.0, deadline + 10 - time.monotonic())))
        if not events:
            if time.monotonic() > deadline + 10:
                errors.append(f"{active} replies still missing 10 s after the case's cap")
                break
            continue
        for key, _ in events:
            conn = key.data
            try:
                data = conn.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as error:
                data, closed = b"", error
            else:
                closed = "the server closed the connection"
            if not data:
                errors.append(f"{closed} while a reply was due")
                reconnect(conn)
                advance(conn)
                continue
            conn.buf += data
            while True:
                reply = conn.take()
                if reply is None:
                    break
                done = time.perf_counter_ns()
                status, headers, body = reply
                problem = check(conn.target.expect, status, headers, body, conn.rpc_id, conn.message_id, conn.text, seen)
                if problem is None:
                    ok += 1
                    if latencies is not None:
                        latencies.append(done - conn.sent_at)
                else:
                    errors.append(problem)
                if headers.get("connection", "").lower() == "close":
                    errors.append("the server asked to close the connection (Connection: close)")
                    reconnect(conn)
                if advance(conn):
                    break
    selector.close()
    return ok, capped


def worker(target, n_conns, first_tag, warmup, per_conn, cap, barrier, queue):
    try:
        conns = [Conn(target, args.token, f"{os.getpid()}-{first_tag + i}") for i in range(n_conns)]
        seen = set()
        warm_errors = []
        drive(conns, warmup, time.monotonic() + cap, None, warm_errors, seen)
        barrier.wait(timeout=cap + 30)
        started = time.monotonic()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        latencies, errors = [], []
        ok, capped = drive(conns, per_conn, started + cap, latencies, errors, seen)
        ended = time.monotonic()
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        for conn in conns:
            conn.sock.close()
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        queue.put({"ok": ok, "capped": capped, "latencies": latencies, "errors": warm_errors + errors,
                   "started": started, "ended": ended, "cpu": cpu})
    except BaseException as error:  # reported to the parent, which counts it as an error
        queue.put({"ok": 0, "capped": True, "latencies": [], "errors": [f"client process failed: {error!r}"],
                   "started": time.monotonic(), "ended": time.monotonic(), "cpu": 0.0})
        try:
            barrier.abort()
        except Exception:
            pass


def server_cpu(pid):
    """utime + stime of the process (all its threads), in seconds; None if unknown."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except OSError:
        return None


def pinned_cpu(pid):
    """The one CPU the process may run on, or None (not pinned, or unknown)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Cpus_allowed_list:"):
                    text = line.split(":", 1)[1].strip()
                    return int(text) if text.isdigit() else None
    except (OSError, TypeError):
        return None
    return None


def cpu_busy(cpu):
    """Busy seconds of that CPU since boot (everything but idle and iowait), or None."""
    if cpu is None:
        return None
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                ticks = [int(x) for x in line.split()[1:]]
                return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICK
    return None


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


def run_case(target, clients, procs, warmup, per_conn):
    procs = max(1, min(procs, clients))
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(procs + 1)
    queue = context.Queue()
    workers = []
    first = 0
    for index in range(procs):
        share = clients // procs + (1 if index < clients % procs else 0)
        process = context.Process(target=worker, args=(target, share, first, warmup, per_conn, args.case_cap, barrier, queue))
        first += share
        process.start()
        workers.append(process)
    results = []
    try:
        barrier.wait(timeout=args.case_cap + 30)
        cpu_before, wall_before = server_cpu(target.pid), time.monotonic()
        busy_before = cpu_busy(pinned_cpu(target.pid))
    except Exception:
        cpu_before = wall_before = busy_before = None
    for _ in workers:
        results.append(queue.get(timeout=2 * args.case_cap + 60))
    cpu_after, wall_after = server_cpu(target.pid), time.monotonic()
    busy_after = cpu_busy(pinned_cpu(target.pid))
    for process in workers:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    ok = sum(r["ok"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    latencies = sorted(x for r in results for x in r["latencies"])
    window = max(r["ended"] for r in results) - min(r["started"] for r in results)
    server_share = None
    if cpu_before is not None and cpu_after is not None and wall_before is not None:
        server_share = (cpu_after - cpu_before) / max(1e-9, wall_after - wall_before)
    others = None  # what else ran on the server's CPU meanwhile: a disturbed case shows here
    if server_share is not None and busy_before is not None and busy_after is not None:
        others = max(0.0, (busy_after - busy_before) / max(1e-9, wall_after - wall_before) - server_share)
    return {
        "server": target.name, "clients": clients, "procs": procs, "requests": clients * per_conn,
        "ok": ok, "errors": len(errors), "error_samples": errors[:3], "capped": any(r["capped"] for r in results),
        "rps": ok / window if window > 0 else 0.0,
        "p50_ms": percentile(latencies, 50) / 1e6, "p90_ms": percentile(latencies, 90) / 1e6,
        "p99_ms": percentile(latencies, 99) / 1e6, "max_ms": (latencies[-1] if latencies else float("nan")) / 1e6,
        "client_cpu": sum(r["cpu"] for r in results) / window if window > 0 else 0.0,
        "server_cpu": server_share, "others_cpu": others, "seconds": window,
    }


def preflight(target):
    """Both servers check the token: a request without it must get 401, one with it a task."""
    with socket.create_connection((target.host, target.port), timeout=10) as sock:
        data = request_bytes(target, "", 1, "preflight", "no token").replace(b"Authorization: Bearer \r\n", b"")
        sock.sendall(data)
        reply = sock.recv(65536)
    if not reply.startswith(b"HTTP/1.1 401"):
        raise SystemExit(f"a2a.py: {target.name} answered a request without the bearer token with {reply[:80]!r}, not 401")
    conn = Conn(target, args.token, "preflight")
    errors = []
    ok, _ = drive([conn], 1, time.monotonic() + 10, None, errors, set())
    conn.sock.close()
    if ok != 1:
        raise SystemExit(f"a2a.py: {target.name}: the first SendMessage failed: {errors}")


def main():
    ours = Target("ours", args.ours, args.ours_pid, "ack")
    anchor = Target("anchor", args.anchor, args.anchor_pid, "echo")
    for target in (ours, anchor):
        if not args.only or target.name == args.only:
            preflight(target)
    print("preflight: both servers refuse a request without the token (401) and answer one with it", flush=True)
    rows = []
    status = 0
    # The measured rounds see both servers in their steady state: ours with its in-memory task
    # store full (10,000 tasks, so each new task evicts the oldest finished one), the anchor's
    # InMemoryTaskStore (a dict, never evicts) as large.
    for target in (ours, anchor):
        if args.prefill <= 0 or (args.only and target.name != args.only):
            continue
        row = run_case(target, 16, 4, 0, -(-args.prefill // 16))
        print(f"prefill server={target.name} tasks={row['ok']} errors={row['errors']} capped={int(row['capped'])} "
              f"seconds={row['seconds']:.1f} rps={row['rps']:.0f} (not part of the figures)", flush=True)
        for sample in row["error_samples"]:
            print(f"  error: {sample}", flush=True)
        if row["errors"]:
            status = 1
    for round_index in range(1, args.rounds + 1):
        for position, clients in enumerate(CLIENTS):
            sides = [(ours, OURS_N[position]), (anchor, ANCHOR_N[position])]
            if round_index % 2 == 0:
                sides.reverse()
            for target, per_conn in sides:
                if args.only and target.name != args.only:
                    continue
                row = run_case(target, clients, PROCS[position], WARMUP[position], per_conn)
                row["round"] = round_index
                rows.append(row)
                server = "?" if row["server_cpu"] is None else f"{100 * row['server_cpu']:.0f}%"
                others = "?" if row["others_cpu"] is None else f"{100 * row['others_cpu']:.0f}%"
                print(f"a2a-bench round={round_index} server={row['server']} clients={clients} procs={row['procs']} "
                      f"requests={row['requests']} ok={row['ok']} errors={row['errors']} capped={int(row['capped'])} "
                      f"seconds={row['seconds']:.2f} rps={row['rps']:.0f} p50_ms={row['p50_ms']:.3f} p90_ms={row['p90_ms']:.3f} "
                      f"p99_ms={row['p99_ms']:.3f} max_ms={row['max_ms']:.1f} "
                      f"client_cpu={100 * row['client_cpu']:.0f}% server_cpu={server} others_on_server_cpu={others}", flush=True)
                for sample in row["error_samples"]:
                    print(f"  error: {sample}", flush=True)
                if row["errors"] or row["capped"] or row["ok"] == 0:
                    status = 1
    if args.only:
        return status

    def cell(server, clients, round_index):
        for row in rows:
            if row["server"] == server and row["clients"] == clients and row["round"] == round_index:
                return row
        return None

    print()
    print("A2A SendMessage (text -> completed task), HTTP/1.1 keep-alive, one request in flight per client")
    print(f"{'round':>5} {'clients':>7} | {'ours req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'cpu':>5} | "
          f"{'anchor r/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'cpu':>5} | {'req/s ours/anchor':>17} {'client cpu o/a':>14} "
          f"{'others o/a':>10}")
    ratios = {c: [] for c in CLIENTS}
    for round_index in range(1, args.rounds + 1):
        for clients in CLIENTS:
            o, a = cell("ours", clients, round_index), cell("anchor", clients, round_index)
            ratio = o["rps"] / a["rps"] if a["rps"] else float("nan")
            ratios[clients].append(ratio)

            def fmt(r):
                cpu = "?" if r["server_cpu"] is None else f"{100 * r['server_cpu']:.0f}%"
                return f"{r['rps']:>10,.0f} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} {cpu:>5}"
            def share(value):
                return "?" if value is None else f"{100 * value:.0f}%"
            print(f"{round_index:>5} {clients:>7} | {fmt(o)} | {fmt(a)} | {ratio:>16.1f}x "
                  f"{100 * o['client_cpu']:>9.0f}%/{100 * a['client_cpu']:.0f}% {share(o['others_cpu']):>6}/{share(a['others_cpu'])}")
    print()
    for clients in CLIENTS:
        values = ratios[clients]
        median = statistics.median(values)
        ours_rps = statistics.median(cell("ours", clients, r)["rps"] for r in range(1, args.rounds + 1))
        anchor_rps = statistics.median(cell("anchor", clients, r)["rps"] for r in range(1, args.rounds + 1))
        verdict = "met" if min(values) >= 5 else ("met by the median, not in every round" if median >= 5 else "NOT met")
        print(f"target >= 5x the anchor's throughput, {clients} client{'s' if clients > 1 else ''}: "
              f"median ratio {median:.1f}x (rounds: {', '.join(f'{v:.1f}x' for v in values)}; "
              f"median req/s ours {ours_rps:,.0f}, anchor {anchor_rps:,.0f}): {verdict}")
    print("cpu = the server's CPU use over the measured window (100% = one core); client cpu = the load "
          "generator's, all its processes (it has one core); others = what other processes used of the "
          "server's CPU meanwhile (a disturbed case: rerun)")
    if status:
        print("SOME CASES HAD ERRORS OR HIT THE CAP (above): the figures are not valid")
    return status


if __name__ == "__main__":
    sys.exit(main())
