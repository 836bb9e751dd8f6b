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
