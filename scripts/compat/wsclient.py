"""A small RFC 6455 WebSocket client on the Python standard library, for the checks the
official clients cannot make (wrong tokens, close codes, malformed frames) and for the
fuzzer in scripts/robustness.py.

It talks over TCP or a Unix socket, masks what it sends (or not, on request), and checks what
the server sends back: frames must be unmasked, carry no reserved bits or opcodes, control
frames must be final and short, text must be UTF-8. A server breaking those rules raises
ServerViolation. Every read has a deadline; nothing here can block forever.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
KNOWN_OPCODES = {OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG}


class Closed(Exception):
    """The server ended the connection: with a Close frame (code may be None for an empty
    one, frame=True) or without one (EOF or reset, frame=False)."""

    def __init__(self, code=None, reason="", frame=False, how=""):
        what = f"close frame {code}" if frame else f"connection ended without a close frame ({how or 'EOF'})"
        super().__init__(f"{what} {reason!r}" if reason else what)
        self.code = code
        self.reason = reason
        self.frame = frame
        self.how = how


class ServerViolation(Exception):
    """The server sent something RFC 6455 or JSON-RPC forbids."""


class UpgradeRefused(Exception):
    def __init__(self, status, head):
        super().__init__(f"upgrade refused: {head.splitlines()[0] if head else '(no answer)'}")
        self.status = status
        self.head = head


def mask_payload(payload, key):
    """XOR the payload with the 4-byte key, fast for large payloads."""
    n = len(payload)
    if n == 0:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def build_frame(opcode, payload=b"", *, fin=True, rsv=0, mask=True, mask_key=None, length=None, length_form=None):
    """One frame as bytes. rsv is the three RSV bits as 0..7 (RSV1 = 4). length overrides the
    length written in the header (the payload sent stays as given); length_form forces the
    7-bit (7), 16-bit (16) or 64-bit (64) length encoding even when another is minimal."""
    if isinstance(payload, str):
        payload = payload.encode()
    first = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    n = len(payload) if length is None else length
    mask_bit = 0x80 if mask else 0
    form = length_form or (7 if n < 126 else 16 if n < 65536 else 64)
    if form == 7:
        header = struct.pack("!BB", first, mask_bit | (n & 0x7F))
    elif form == 16:
        header = struct.pack("!BBH", first, mask_bit | 126, n & 0xFFFF)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, n & 0xFFFFFFFFFFFFFFFF)
    if not mask:
        return header + payload
    key = mask_key if mask_key is not None else os.urandom(4)
    return header + key + mask_payload(payload, key)


def upgrade_request(host_header, path="/", key=None, extra_headers=()):
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host_header}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", *extra_headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), key


def accept_value(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def parse_status(head):
    """The status code of an HTTP response head, or None."""
    first = head.split("\r\n", 1)[0].split(" ")
    if len(first) >= 2 and first[0].startswith("HTTP/") and first[1].isdigit():
        return int(first[1])
    return None


def check_reply_shape(reply):
    """Raise ServerViolation unless reply is a JSON-RPC 2.0 response object."""
    if not isinstance(reply, dict):
        raise ServerViolation(f"reply is not a JSON object: {reply!r:.200}")
    if reply.get("jsonrpc") != "2.0":
        raise ServerViolation(f"reply lacks \"jsonrpc\":\"2.0\": {reply!r:.200}")
    if "method" in reply:
        return  # a server-to-client request or notification, not a reply
    if "id" not in reply:
        raise ServerViolation(f"reply has no id: {reply!r:.200}")
    if ("result" in reply) == ("error" in reply):
        raise ServerViolation(f"reply must have exactly one of result and error: {reply!r:.200}")
    if "error" in reply:
        error = reply["error"]
        if not (isinstance(error, dict) and type(error.get("code")) is int and isinstance(error.get("message"), str)):
            raise ServerViolation(f"malformed error object: {reply!r:.200}")


class WSClient:
    """One WebSocket connection. port or unix_path picks the transport; upgrade=False leaves
    the connection at the TCP level (send_raw and read_raw still work)."""

    def __init__(self, port=None, host="127.0.0.1", unix_path=None, timeout=5.0, upgrade=True,
                 path="/", extra_headers=(), mask_key_source=None):
        self.timeout = timeout
        self.buffer = b""
        self.pending = []  # messages read while waiting for something else
        self.mask_key_source = mask_key_source or (lambda: os.urandom(4))
        self.closed_by_server = None
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix_path)
            self.host_header = "localhost"
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.host_header = f"{host}:{port}"
        self.response_head = None
        if upgrade:
            self.upgrade(path=path, extra_headers=extra_headers)

    # -- raw I/O -----------------------------------------------------------------------------

    def send_raw(self, data):
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def shutdown_write(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("nothing from the server before the deadline")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 16)
        except ConnectionResetError as error:
            raise Closed(how="reset") from error
        if not chunk:
            raise Closed(how="EOF")
        self.buffer += chunk

    def read_raw(self, timeout=None):
        """Whatever arrives until EOF or the timeout (no error on either)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        try:
            while True:
                self._fill(deadline)
        except (TimeoutError, Closed, OSError):
            pass
        data, self.buffer = self.buffer, b""
        return data

    # -- handshake ---------------------------------------------------------------------------

    def read_http_head(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\r\n\r\n" not in self.buffer:
            self._fill(deadline)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head.decode("latin-1")

    def upgrade(self, path="/", extra_headers=(), request=None, key=None):
        if request is None:
            request, key = upgrade_request(self.host_header, path=path, extra_headers=extra_headers)
        self.send_raw(request)
        try:
            head = self.read_http_head()
        except Closed:
            raise UpgradeRefused(None, "") from None
        self.response_head = head
        status = parse_status(head)
        if status != 101:
            raise UpgradeRefused(status, head)
        headers = {}
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if key is not None and headers.get("sec-websocket-accept") != accept_value(key):
            raise ServerViolation(f"wrong Sec-WebSocket-Accept: {headers.get('sec-websocket-accept')!r}")
        if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in headers.get("connection", "").lower():
            raise ServerViolation(f"101 without Upgrade/Connection headers: {head!r}")
        return head

    # -- frames ------------------------------------------------------------------------------

    def frame(self, opcode, payload=b"", **kwargs):
        if kwargs.get("mask", True) and kwargs.get("mask_key") is None:
            kwargs["mask_key"] = self.mask_key_source()
        return build_frame(opcode, payload, **kwargs)

    def send_frame(self, opcode, payload=b"", **kwargs):
        self.send_raw(self.frame(opcode, payload, **kwargs))

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode() if isinstance(text, str) else text)

    def send_json(self, value):
        self.send_text(json.dumps(value, separators=(",", ":")))

    def send_close(self, code=1000, reason=b""):
        payload = b"" if code is None else struct.pack("!H", code) + reason
        self.send_frame(OP_CLOSE, payload)

    def recv_frame(self, timeout=None):
        """(fin, opcode, payload) of the next server frame, checked against RFC 6455."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            parsed = self._parse_frame()
            if parsed is not None:
                return parsed
            self._fill(deadline)

    def _parse_frame(self):
        buf = self.buffer
        if len(buf) < 2:
            return None
        b0, b1 = buf[0], buf[1]
        n, offset = b1 & 0x7F, 2
        if n == 126:
            if len(buf) < 4:
                return None
            n, offset = struct.unpack("!H", buf[2:4])[0], 4
        elif n == 127:
            if len(buf) < 10:
                return None
            n, offset = struct.unpack("!Q", buf[2:10])[0], 10
        fin, opcode = bool(b0 & 0x80), b0 & 0x0F
        if b1 & 0x80:
            raise ServerViolation("server frame is masked")
        if b0 & 0x70:
            raise ServerViolation(f"server frame has reserved bits 0x{b0 & 0x70:02x}")
        if opcode not in KNOWN_OPCODES:
            raise ServerViolation(f"server frame has reserved opcode {opcode}")
        if opcode >= 0x8 and (not fin or n > 125):
            raise ServerViolation(f"server control frame opcode {opcode} fin={fin} length={n}")
        if len(buf) < offset + n:
            return None
        payload = buf[offset:offset + n]
        self.buffer = buf[offset + n:]
        return fin, opcode, payload

    def recv_message(self, timeout=None, answer_pings=True):
        """The next whole message as (kind, data): ("text", str), ("binary", bytes),
        ("ping", bytes) or ("pong", bytes). Raises Closed on a Close frame or EOF."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        fragments, first_opcode = [], None
        while True:
            fin, opcode, payload = self.recv_frame(max(0.0, deadline - time.monotonic()) or 0.001)
            if opcode == OP_CLOSE:
                self._on_close(payload)
            if opcode == OP_PING:
                if answer_pings:
                    try:
                        self.send_frame(OP_PONG, payload)
                    except OSError:
                        pass
                return "ping", payload
            if opcode == OP_PONG:
                return "pong", payload
            if opcode == OP_CONT:
                if first_opcode is None:
                    raise ServerViolation("server sent a continuation frame with no message in progress")
            else:
                if first_opcode is not None:
                    raise ServerViolation("server started a new message inside a fragmented one")
                first_opcode = opcode
            fragments.append(payload)
            if fin:
                data = b"".join(fragments)
                if first_opcode == OP_TEXT:
                    try:
                        return "text", data.decode("utf-8")
                    except UnicodeDecodeError as error:
                        raise ServerViolation(f"server text frame is not UTF-8: {data[:80]!r}") from error
                return "binary", data

    def _on_close(self, payload):
        if len(payload) == 1:
            raise ServerViolation("server close frame with a 1-byte payload")
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise ServerViolation(f"server close reason is not UTF-8: {payload!r}") from error
        if code is not None and not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
            raise ServerViolation(f"server sent close code {code}, which may not be sent")
        self.closed_by_server = code
        raise Closed(code, reason, frame=True)

    def recv_json(self, timeout=None):
        """The next text message, parsed (pings and pongs are skipped)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            kind, data = self.recv_message(max(0.001, deadline - time.monotonic()))
            if kind == "text":
                try:
                    return json.loads(data)
                except ValueError as error:
                    raise ServerViolation(f"server text is not JSON: {data[:200]!r}") from error
            if kind == "binary":
                raise ServerViolation(f"server sent a binary message: {data[:80]!r}")

    def wait_reply(self, id_, timeout=None):
        """The reply whose id equals id_ (same JSON type); other messages are kept in
        self.pending for later reads."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        held = []
        try:
            while True:
                reply = self.recv_json(max(0.001, deadline - time.monotonic()))
                if isinstance(reply, dict) and "id" in reply and "method" not in reply \
                        and type(reply["id"]) is type(id_) and reply["id"] == id_:
                    check_reply_shape(reply)
                    return reply
                held.append(("text", json.dumps(reply)))
        finally:
            self.pending[:0] = held

    def call(self, id_, method, params=None, timeout=None):
        self.send_json({"jsonrpc": "2.0", "id": id_, "method": method, "params": params})
        return self.wait_reply(id_, timeout)

    def expect_close(self, timeout=None):
        """Read until the server closes; returns the Closed exception (frame or EOF)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                self.recv_message(max(0.001, deadline - time.monotonic()))
            except Closed as closed:
                return closed

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_recorded = None
_recorded_lock = threading.Lock()


def record_text_messages():
    """From now on every WSClient in this process appends each text message it receives to the
    list returned (the same list on every call), in arrival order: replies and notifications.
    A message wait_reply held back and hands out later is recorded once, when it arrived.
    For scripts that scan everything the daemon sent (for a secret that must not be there)."""
    global _recorded
    with _recorded_lock:
        if _recorded is not None:
            return _recorded
        _recorded = []
        original = WSClient.recv_message

        def recording(self, timeout=None, answer_pings=True):
            replayed = bool(self.pending)
            kind, data = original(self, timeout, answer_pings)
            if kind == "text" and not replayed:
                with _recorded_lock:
                    _recorded.append(data)
            return kind, data

        WSClient.recv_message = recording
        return _recorded
