"""Fuzzes the daemon's HTTP layer and MCP endpoint with random and mutated requests and checks
it neither crashes nor hangs, keeps serving others, and never leaks its token.

    robustness_http.py MCP_PORT PID TOKEN [SEED] [CASES]

Each case uses its own connection: raw garbage, mutated request lines and header sections
(conflicting framing, bad chunking, oversized parts), requests cut short, and well-formed MCP
POSTs whose JSON bodies are mutated, with and without a session and a token. Every answer
must be a well-formed HTTP response with a status from the expected set; a tools/call inside
a session must be a 200 JSON-RPC answer (a result or an error), never a 5xx. A keep-alive
health connection and an MCP session must keep answering throughout."""
import collections
import json
import os
import random
import socket
import sys
import time

port, pid, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
cases = int(sys.argv[5]) if len(sys.argv) > 5 else 1500
rng = random.Random(seed)
stats = collections.Counter()
failures = []
ALLOWED = {200, 202, 400, 401, 403, 404, 405, 406, 408, 409, 413, 414, 415, 417, 431, 501, 505}


class Conn:
    """One HTTP/1.1 connection that reads whole responses (Content-Length or chunked)."""

    def __init__(self, timeout=3):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or parts[0] != b"HTTP/1.1" or not parts[1].isdigit():
            raise AssertionError(f"malformed status line {lines[0][:80]!r}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower().decode()] = value.strip().decode()
        status = int(parts[1])
        body = b""
        if headers.get("transfer-encoding") == "chunked":
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    self._line()
                    break
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
        elif "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def close(self):
        self.sock.close()


def request(method, path, headers, body=b""):
    text = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for name, value in headers:
        text += f"{name}: {value}\r\n"
    if body is not None:
        text += f"Content-Length: {len(body)}\r\n"
    return text.encode() + b"\r\n" + (body or b"")


def mcp_headers(session=None, auth=True, version="2025-11-25"):
    headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
    if auth:
        headers.append(("Authorization", f"Bearer {token}"))
    if session:
        headers += [("Mcp-Session-Id", session), ("MCP-Protocol-Version", version)]
    return headers


def initialize(conn):
    conn.send(request("POST", "/mcp", mcp_headers(), json.dumps(
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}}}).encode()))
    status, headers, body = conn.response()
    assert status == 200, (status, body)
    return headers["mcp-session-id"]


VALID = [
    {"jsonrpc": "2.0", "id": 1, "method": "ping"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "memory_query", "arguments": {"query": "x", "k": 3}}},
    {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "memory_add_fact", "arguments": {"subject": "s", "body": "b"}}},
    {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "verify", "arguments": {"proposal": {"actions": [
        {"id": "a", "type": "tool_call", "tool": "t", "parameters": {}}]}}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}},
]
ODD = [None, True, -1, 2 ** 63, 1.5, "", "x" * 300, [], {}, [None], {"": None}, "\u0000", "\ud800"]


def mutate(value, depth=0):
    roll = rng.random()
    if depth > 4 or roll < 0.15:
        return rng.choice(ODD)
    if isinstance(value, dict):
        out = dict(value)
        if out and rng.random() < 0.5:
            key = rng.choice(list(out))
            out[key] = mutate(out[key], depth + 1)
        if rng.random() < 0.2 and out:
            out.pop(rng.choice(list(out)))
        if rng.random() < 0.2:
            out[rng.choice(["id", "method", "params", "jsonrpc", "extra"])] = rng.choice(ODD)
        return out
    if isinstance(value, list):
        return [mutate(item, depth + 1) for item in value] + ([rng.choice(ODD)] if rng.random() < 0.3 else [])
    return rng.choice(ODD) if rng.random() < 0.5 else value


def encoded_body():
    value = mutate(rng.choice(VALID))
    try:
        data = json.dumps(value).encode()
    except (TypeError, ValueError):
        data = b"{}"
    roll = rng.random()
    if roll < 0.1:
        data = data[: rng.randrange(len(data) + 1)]
    elif roll < 0.15:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    return data


def raw_case():
    """Garbage or a broken head: any well-formed error, or a close."""
    roll = rng.random()
    if roll < 0.2:
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 512)))
    elif roll < 0.4:
        method = rng.choice(["GET", "POST", "PUT", "G\x00T", "", "get", "X" * 40])
        target = rng.choice(["/mcp", "/mcp/health", "*", "http://x/mcp", "/" + "a" * 9000, "/mcp?x", "mcp", "/%00"])
        version = rng.choice(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.x", "", "HTTP/1.1 extra"])
        data = f"{method} {target} {version}\r\nHost: x\r\n\r\n".encode("latin-1")
    elif roll < 0.6:
        framing = rng.choice([
            "Content-Length: 5\r\nContent-Length: 6\r\n", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: gzip\r\n", "Content-Length: -1\r\n", "Content-Length: 99999999999\r\n",
            "Transfer-Encoding: chunked\r\n", "Expect: nothing\r\n", " folded: x\r\n", "X-Bare: lf\n",
            "X-Big: " + "b" * 40000 + "\r\n", "".join(f"X-{i}: v\r\n" for i in range(150))])
        body = rng.choice([b"", b"zz\r\n", b"3\r\nabc\r\n0\r\n\r\n", b"5\r\nab\r\n", b"fffffffffff\r\n"])
        data = b"POST /mcp HTTP/1.1\r\nHost: x\r\n" + framing.encode() + b"\r\n" + body
    else:
        data = request("POST", "/mcp", mcp_headers(auth=rng.random() < 0.5), encoded_body())
        data = data[: rng.randrange(1, len(data))]
    # What is sent may be a whole request (which must be answered or refused) or the start of
    # one (which waits for the rest until the request timeout). So: wait a little; with no
    # answer yet, end our side, which says no more is coming; then an answer or a close must
    # follow at once. Waiting past that is a hang.
    conn = Conn(timeout=0.3)
    try:
        conn.send(data)
        if roll >= 0.6:
            # Cut short on purpose: no need to wait to know more is not coming.
            conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.settimeout(5)
        try:
            status, headers, body = conn.response()
        except socket.timeout:
            conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.settimeout(5)
            status, headers, body = conn.response()
        assert status in ALLOWED, f"status {status} for {data[:120]!r}"
        assert token.encode() not in body, "the token appeared in an answer"
        stats[f"raw:{status}"] += 1
    except socket.timeout:
        raise AssertionError(f"no answer and no close within 5 s of the end of {data[:120]!r}")
    except (ConnectionError, OSError):
        stats["raw:closed"] += 1
    finally:
        conn.close()


def mcp_case(session):
    """A well-formed POST with a mutated JSON-RPC body, in a session or not."""
    conn = Conn(timeout=5)
    try:
        in_session = rng.random() < 0.7
        auth = rng.random() < 0.9
        body = encoded_body()
        conn.send(request("POST", "/mcp", mcp_headers(session if in_session else None, auth=auth), body))
        status, headers, answer = conn.response()
        assert status in ALLOWED, f"status {status} for {body[:200]!r}"
        assert token.encode() not in answer, "the token appeared in an answer"
        if not auth:
            assert status == 401, f"no token but {status}"
        if status == 200:
            reply = json.loads(answer)
            assert ("result" in reply) != ("error" in reply), reply
            try:
                sent = json.loads(body)
            except ValueError:
                sent = None
            if isinstance(sent, dict) and sent.get("method") == "tools/call" and "result" in reply:
                assert isinstance(reply["result"].get("isError"), bool), reply
        stats[f"mcp:{status}"] += 1
    except (ConnectionError, socket.timeout, OSError) as error:
        failures.append(f"mcp case: connection failed: {error!r}")
    finally:
        conn.close()


def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


health = Conn()
session_conn = Conn()
session = initialize(session_conn)
started = time.monotonic()
for n in range(cases):
    if n % 50 == 0:
        try:
            health.send(request("GET", "/mcp/health", [], None))
            assert health.response()[0] == 200
            session_conn.send(request("POST", "/mcp", mcp_headers(session), json.dumps({"jsonrpc": "2.0", "id": n, "method": "ping"}).encode()))
            status, _, body = session_conn.response()
            assert status == 200 and json.loads(body) == {"jsonrpc": "2.0", "id": n, "result": {}}, (status, body)
        except Exception as error:  # noqa: BLE001
            failures.append(f"health probe {n} failed: {error!r}")
            break
    if not alive():
        failures.append(f"daemon died at case {n}")
        break
    try:
        if rng.random() < 0.4:
            raw_case()
        else:
            mcp_case(session)
    except AssertionError as error:
        failures.append(f"case {n}: {error}")
    stats["cases"] += 1
    if len(failures) > 10:
        break

elapsed = time.monotonic() - started
print(f"http fuzz: {stats['cases']} cases in {elapsed:.1f}s (seed {seed}): " + ", ".join(f"{k}={v}" for k, v in sorted(stats.items()) if k != "cases"))
if failures:
    print("FAILURES:\n  " + "\n  ".join(failures[:20]))
    sys.exit(1)
print("ok http fuzz: no crash, no hang, well-formed answers, no token in any answer")
