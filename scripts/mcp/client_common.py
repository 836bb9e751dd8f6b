"""What client_v1.py and client_v2.py share (stdlib only: each runs in its own SDK's venv).

The client scripts take the server URL and a mode on argv, the bearer token from the
environment (MCP_TOKEN; never printed), and print one JSON report line on stdout:
  {"ok": true, ...mode's results..., "wire": [one entry per HTTP exchange]}
or {"ok": false, "error": "..."} with exit status 1. A wire entry is
  {"method", "rpc" (the JSON-RPC method or "response" / null), "id", "status",
   "request_headers" (Authorization masked), "response_headers" (a few that matter)}."""
import json
import os
import sys

TOKEN_ENV = "MCP_TOKEN"
RESPONSE_HEADERS = ("content-type", "mcp-session-id", "www-authenticate", "allow", "content-length",
                    "transfer-encoding")


def token():
    return os.environ.get(TOKEN_ENV) or None


def auth_headers():
    headers = {}
    if token():
        headers["Authorization"] = f"Bearer {token()}"
    if os.environ.get("MCP_ORIGIN"):
        headers["Origin"] = os.environ["MCP_ORIGIN"]
    return headers


class Wire:
    """Records every HTTP exchange of an httpx / httpx2 client through its event hooks."""

    def __init__(self):
        self.entries = []
        self.pending = {}

    async def on_request(self, request):
        rpc = rpc_id = None
        try:
            body = json.loads(request.content or b"null")
            if isinstance(body, dict):
                rpc = body.get("method") or ("response" if "result" in body or "error" in body else None)
                rpc_id = body.get("id")
        except Exception:
            pass
        headers = {k.lower(): ("<redacted>" if k.lower() == "authorization" else v) for k, v in request.headers.items()}
        entry = {"method": request.method, "rpc": rpc, "id": rpc_id, "status": None,
                 "request_headers": headers, "response_headers": {}}
        self.entries.append(entry)
        self.pending[id(request)] = entry

    async def on_response(self, response):
        entry = self.pending.pop(id(response.request), None)
        if entry is None:
            return
        entry["status"] = response.status_code
        entry["response_headers"] = {k: response.headers[k] for k in RESPONSE_HEADERS if k in response.headers}

    def hooks(self):
        return {"request": [self.on_request], "response": [self.on_response]}

    def session_ids(self):
        seen = []
        for entry in self.entries:
            sid = entry["response_headers"].get("mcp-session-id")
            if sid and sid not in seen:
                seen.append(sid)
        return seen


def hits_of(structured, content_texts):
    """The list of hits a memory_query result carries: structuredContent's "result" when it is
    there (a non-object result wrapped), else the text content parsed as JSON (one item holding
    the whole list, or one item per hit)."""
    if isinstance(structured, dict) and "result" in structured:
        return structured["result"]
    if isinstance(structured, list):
        return structured
    parsed = []
    for text in content_texts:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, list):
            parsed.extend(value)
        else:
            parsed.append(value)
    return parsed


def scalar_of(structured, content_texts):
    if isinstance(structured, dict) and "result" in structured:
        return structured["result"]
    for text in content_texts:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return None


def report(ok, **fields):
    print(json.dumps({"ok": ok, **fields}), flush=True)
    sys.exit(0 if ok else 1)


async def run_mode(mode, rest, fields, session, call, structured, texts):
    """The basic / add / query modes, the same for both SDKs: `session` is the SDK's connected
    object, `call(session, name, arguments)` its checked tool call, `structured(result)` the
    result's structured content (the two SDKs spell it differently)."""
    async def tool(name, arguments, reader):
        result = await call(session, name, arguments)
        return reader(structured(result), texts(result))

    if mode == "basic":
        subject, body, query = rest
        listed = await session.list_tools()
        fields["tools"] = [t.name for t in listed.tools]
        fields["added"] = await tool("memory_add_fact", {"subject": subject, "body": body}, scalar_of)
        fields["hits"] = await tool("memory_query", {"query": query, "k": 5}, hits_of)
    elif mode == "add":
        subject, body = rest
        fields["added"] = await tool("memory_add_fact", {"subject": subject, "body": body}, scalar_of)
    elif mode == "query":
        (query,) = rest
        fields["hits"] = await tool("memory_query", {"query": query, "k": 5}, hits_of)
    else:
        raise SystemExit(f"unknown mode {mode}")


def run_bounded(main, wire, seconds=60):
    """Runs `main` under a time bound and prints the report: its fields, or what broke."""
    import anyio

    async def bounded():
        with anyio.fail_after(seconds):
            return await main()

    try:
        fields = anyio.run(bounded)
    except BaseException as e:  # the report says what broke, whatever it was
        if isinstance(e, SystemExit):
            raise
        while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
            e = e.exceptions[0]
        report(False, error=f"{type(e).__name__}: {e}"[:2000], wire=wire.entries)
    report(True, **fields, wire=wire.entries)
