"""A minimal RFC 6455 client on the standard library, for checks the official client cannot
make (wrong tokens, close codes) and for the fuzzer. Every read has a timeout."""
import base64
import json
import os
import socket
import struct
import time


class Closed(Exception):
    def __init__(self, code=None, reason=""):
        super().__init__(f"closed ({code}) {reason}")
        self.code = code
        self.reason = reason


class WSClient:
    def __init__(self, port, host="127.0.0.1", timeout=5.0, handshake=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.timeout = timeout
        if handshake:
            key = base64.b64encode(os.urandom(16)).decode()
            self.send_raw((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
            head = self.read_http()
            if not head.startswith("HTTP/1.1 101"):
                raise RuntimeError(f"upgrade refused: {head!r}")

    def send_raw(self, data):
        self.sock.sendall(data)

    @staticmethod
    def frame(opcode, payload, fin=True, mask=True, rsv=0, length=None):
        first = (0x80 if fin else 0) | (rsv & 0x70) | (opcode & 0x0F)
        n = len(payload) if length is None else length
        bit = 0x80 if mask else 0
        if n < 126:
            header = struct.pack("!BB", first, bit | n)
        elif n < 65536:
            header = struct.pack("!BBH", first, bit | 126, n)
        else:
            header = struct.pack("!BBQ", first, bit | 127, n)
        if not mask:
            return header + payload
        key = os.urandom(4)
        return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))

    def send_frame(self, opcode, payload, **kwargs):
        self.send_raw(self.frame(opcode, payload, **kwargs))

    def send_text(self, text):
        self.send_frame(0x1, text.encode() if isinstance(text, str) else text)

    def call(self, id_, method, params=None):
        self.send_text(json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params}))
        return self.recv_json()

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data before the deadline")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed(None, "EOF")
        self.buffer += chunk

    def read_http(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\r\n\r\n" not in self.buffer:
            self._fill(deadline)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head.decode(errors="replace")

    def recv_frame(self, timeout=None):
        """(opcode, payload) of the next frame from the server."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            if len(self.buffer) >= 2:
                b0, b1 = self.buffer[0], self.buffer[1]
                n = b1 & 0x7F
                offset = 2
                if n == 126 and len(self.buffer) >= 4:
                    n = struct.unpack("!H", self.buffer[2:4])[0]
                    offset = 4
                elif n == 127 and len(self.buffer) >= 10:
                    n = struct.unpack("!Q", self.buffer[2:10])[0]
                    offset = 10
                if (b1 & 0x7F) < 126 or offset > 2:
                    if len(self.buffer) >= offset + n:
                        payload = self.buffer[offset:offset + n]
                        self.buffer = self.buffer[offset + n:]
                        return b0 & 0x0F, payload
            self._fill(deadline)

    def recv_json(self, timeout=None):
        """The next text message as JSON; raises Closed on a close frame or EOF."""
        while True:
            opcode, payload = self.recv_frame(timeout)
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(code, payload[2:].decode(errors="replace"))
            if opcode == 0x9:
                self.send_frame(0xA, payload)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
