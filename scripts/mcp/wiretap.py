"""A logging HTTP/1.1 pass-through for looking at what real MCP clients send: every request's
head and body and every response's head and body, as they cross, with the Authorization value
masked. A development tool (scripts/mcp/NOTES-client-facts.md was written with it).

    python3 scripts/mcp/wiretap.py LISTEN_PORT UPSTREAM_PORT [--get-405] [--delete-405] [--404-after N]

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to 127.0.0.1:UPSTREAM_PORT.
--get-405 answers every GET itself with 405 (a server without a standalone SSE stream);
--delete-405 the same for DELETE; --404-after N answers 404 to every request carrying a session
id after the first N such requests (a session that expired), until a new initialize;
--discover STATUS answers server/discover with that status and no body ('hang': never).
Prints "wiretap: ready" once listening; logs to stdout."""
import argparse
import asyncio
import re
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("upstream", type=int)
parser.add_argument("--get-405", action="store_true")
parser.add_argument("--delete-405", action="store_true")
parser.add_argument("--404-after", dest="after", type=int, default=None)
parser.add_argument("--discover", default=None,
                    help="answer server/discover with this HTTP status and no body, or 'hang' (never answer)")
args = parser.parse_args()
started = time.monotonic()
state = {"with_session": 0}
connection_ids = iter(range(1, 1 << 30))


def log(conn, direction, text):
    print(f"[{time.monotonic() - started:7.3f} c{conn} {direction}] {text}", flush=True)


def mask(head):
    return re.sub(r"(?im)^(authorization:\s*\S+\s+)(\S+)", lambda m: m.group(1) + "<redacted>", head)


async def read_head(reader):
    data = await reader.readuntil(b"\r\n\r\n")
    return data


def header(head, name):
    m = re.search(rf"(?im)^{name}:\s*(.*?)\s*$", head)
    return m.group(1) if m else None


async def read_body(reader, head, is_response, status=None, method=None):
    """Yields the body bytes, piece by piece (a chunked body chunk by chunk, raw framing kept)."""
    if is_response and (method == "HEAD" or status in (204, 304) or 100 <= (status or 0) < 200):
        return
    te = header(head, "transfer-encoding")
    if te and "chunked" in te.lower():
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            data = await reader.readexactly(size + 2) if size else b""
            if size == 0:
                trailer = await reader.readuntil(b"\r\n")
                while trailer != b"\r\n":
                    trailer = await reader.readuntil(b"\r\n")
                yield size_line + b"\r\n", b""
                return
            yield size_line + data, data[:-2]
        return
    length = header(head, "content-length")
    if length is not None:
        remaining = int(length)
        while remaining:
            data = await reader.read(min(remaining, 65536))
            if not data:
                return
            remaining -= len(data)
            yield data, data
        return
    if is_response:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            yield data, data


async def handle(client_reader, client_writer):
    conn = next(connection_ids)
    upstream = None
    try:
        while True:
            try:
                head_bytes = await read_head(client_reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                log(conn, "--", "client closed")
                return
            head = head_bytes.decode("latin-1")
            method = head.split(" ", 1)[0]
            body = b""
            async for raw, data in read_body(client_reader, head, False):
                body += data
            log(conn, "->", mask(head.rstrip()) + ("\n      body: " + body.decode("utf-8", "replace") if body else ""))
            has_session = header(head, "mcp-session-id") is not None
            if b'"method":"initialize"' in body.replace(b" ", b""):
                state["with_session"] = 0
            fake = None
            if args.discover and b'"method":"server/discover"' in body.replace(b" ", b""):
                if args.discover == "hang":
                    log(conn, "<=", "(wiretap) no answer to server/discover")
                    await asyncio.sleep(3600)
                fake = f"HTTP/1.1 {int(args.discover)} Probe\r\nContent-Length: 0\r\n\r\n".encode()
            elif args.get_405 and method == "GET":
                fake = b"HTTP/1.1 405 Method Not Allowed\r\nAllow: POST, DELETE\r\nContent-Length: 0\r\n\r\n"
            elif args.delete_405 and method == "DELETE":
                fake = b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST\r\nContent-Length: 0\r\n\r\n"
            elif args.after is not None and has_session:
                state["with_session"] += 1
                if state["with_session"] > args.after:
                    payload = b'{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}'
                    fake = (b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
                            + str(len(payload)).encode() + b"\r\n\r\n" + payload)
            if fake is not None:
                log(conn, "<=", "(wiretap) " + fake.decode().split("\r\n")[0])
                client_writer.write(fake)
                await client_writer.drain()
                continue
            if upstream is None:
                upstream = await asyncio.open_connection("127.0.0.1", args.upstream)
            up_reader, up_writer = upstream
            if header(head, "transfer-encoding"):
                # Re-framed as Content-Length: simpler than re-chunking, same content.
                fixed = re.sub(r"(?im)^transfer-encoding:.*\r\n", "", head)
                head_bytes = (fixed[:-2] + f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
            up_writer.write(head_bytes)
            up_writer.write(body)
            await up_writer.drain()
            response_head_bytes = await read_head(up_reader)
            response_head = response_head_bytes.decode("latin-1")
            status = int(response_head.split(" ", 2)[1])
            log(conn, "<-", response_head.rstrip())
            client_writer.write(response_head_bytes)
            await client_writer.drain()
            async for raw, data in read_body(up_reader, response_head, True, status, method):
                if data:
                    log(conn, "<-", "body: " + data.decode("utf-8", "replace").rstrip())
                client_writer.write(raw)
                await client_writer.drain()
            if (header(response_head, "connection") or "").lower() == "close":
                return
    except Exception as exc:  # a development tool: say what broke and drop the connection
        log(conn, "!!", f"{type(exc).__name__}: {exc}")
    finally:
        if upstream is not None:
            upstream[1].close()
        client_writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    print("wiretap: ready", flush=True)
    async with server:
        await server.serve_forever()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    sys.exit(0)
