"""An MCP client on the official SDK mcp==1.30.0, as its users write one: the streamable-HTTP
transport (`streamable_http_client`, the current name of `streamablehttp_client`, with an
httpx client that carries the bearer token) and a `ClientSession` that initializes at the
SDK's newest version, 2025-11-25.

    .venv/mcp-1.30.0/bin/python scripts/mcp/client_v1.py URL MODE [ARGS...]

MCP_TOKEN (environment): the bearer token, if any; never printed. MCP_ORIGIN: an Origin header.
Modes and report: as client_v2.py (basic SUBJECT BODY QUERY, add SUBJECT BODY, query QUERY,
recover)."""
import contextlib
import os
import sys

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_common import Wire, auth_headers, run_bounded, run_mode, scalar_of  # noqa: E402

url, mode, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
wire = Wire()


def http():
    # The SDK's own defaults (create_mcp_http_client): 30 s, 300 s read for streams.
    return httpx.AsyncClient(headers=auth_headers(), event_hooks=wire.hooks(),
                             timeout=httpx.Timeout(30, read=300))


def texts(result):
    return [block.text for block in result.content if getattr(block, "type", None) == "text"]


async def call(session, name, arguments):
    result = await session.call_tool(name, arguments)
    if result.isError:
        raise RuntimeError(f"{name} answered isError: {texts(result)}")
    return result


@contextlib.asynccontextmanager
async def connected(client_http):
    """streamable_http_client + an initialized ClientSession; yields (session, the initialize
    result, the transport's session-id getter)."""
    async with streamable_http_client(url, http_client=client_http) as (read, write, session_id):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            yield session, initialized, session_id


async def main():
    fields = {}
    async with http() as client_http:
        if mode == "recover":
            async with connected(client_http) as (session, initialized, session_id):
                version = str(initialized.protocolVersion)
                fields["protocol_version"] = version
                result = await call(session, "memory_fact_count", {})
                fields["count_before"] = scalar_of(result.structuredContent, texts(result))
                response = await client_http.delete(url, headers={"mcp-session-id": session_id(),
                                                                  "mcp-protocol-version": version})
                fields["deleted_status"] = response.status_code
                try:
                    await session.call_tool("memory_fact_count", {})
                    fields["error_code"] = None
                except McpError as e:
                    fields["error_code"], fields["error_message"] = e.error.code, e.error.message
            async with connected(client_http) as (session, _, _):
                result = await call(session, "memory_fact_count", {})
                fields["recovered_count"] = scalar_of(result.structuredContent, texts(result))
            fields["session_ids"] = wire.session_ids()
            return fields
        async with connected(client_http) as (session, initialized, _):
            fields["protocol_version"] = str(initialized.protocolVersion)
            fields["server_name"] = initialized.serverInfo.name
            await run_mode(mode, rest, fields, session, call, lambda result: result.structuredContent, texts)
        fields["session_ids"] = wire.session_ids()
    return fields


run_bounded(main, wire)
