"""An MCP client on the official SDK mcp==2.3.0, as its users write one: `Client(...)` in its
default auto mode (a server/discover probe first, the initialize handshake when the server is
session-based), over streamable HTTP with an httpx2 client that carries the bearer token.

    .venv/mcp-2.3.0/bin/python scripts/mcp/client_v2.py URL MODE [ARGS...]

MCP_TOKEN (environment): the bearer token, if any; never printed. MCP_ORIGIN: an Origin header.
Modes (each prints one JSON report line, see client_common.py):
  basic SUBJECT BODY QUERY  lists the tools, adds the fact, queries; reports protocol_version,
                            tools, added (the tool's answer), hits
  add SUBJECT BODY          adds the fact; reports added
  query QUERY               queries (k=5); reports hits
  recover                   calls memory_fact_count, ends its own session with an HTTP DELETE,
                            calls again (the SDK's answer to the 404 is reported as
                            error_code / error_message), then opens a new Client, which must
                            work; reports deleted_status, error_*, recovered_count, session_ids
Every report carries the wire log of all HTTP exchanges."""
import os
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_common import Wire, auth_headers, run_bounded, run_mode, scalar_of  # noqa: E402

url, mode, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
wire = Wire()


def http():
    # The SDK's own defaults (create_mcp_http_client): 30 s, 300 s read for streams.
    return httpx2.AsyncClient(headers=auth_headers(), event_hooks=wire.hooks(),
                              timeout=httpx2.Timeout(30, read=300))


def connect(client_http):
    return Client(streamable_http_client(url, http_client=client_http))


def texts(result):
    return [block.text for block in result.content if getattr(block, "type", None) == "text"]


async def call(client, name, arguments):
    result = await client.call_tool(name, arguments)
    if result.is_error:
        raise RuntimeError(f"{name} answered isError: {texts(result)}")
    return result


async def main():
    fields = {}
    async with http() as client_http:
        if mode == "recover":
            async with connect(client_http) as client:
                fields["protocol_version"] = client.protocol_version
                result = await call(client, "memory_fact_count", {})
                fields["count_before"] = scalar_of(result.structured_content, texts(result))
                session_id = wire.session_ids()[-1]
                response = await client_http.delete(url, headers={"mcp-session-id": session_id,
                                                                  "mcp-protocol-version": client.protocol_version})
                fields["deleted_status"] = response.status_code
                try:
                    await client.call_tool("memory_fact_count", {})
                    fields["error_code"] = None
                except MCPError as e:
                    fields["error_code"], fields["error_message"] = e.code, e.error.message
            async with connect(client_http) as client:
                result = await call(client, "memory_fact_count", {})
                fields["recovered_count"] = scalar_of(result.structured_content, texts(result))
            fields["session_ids"] = wire.session_ids()
            return fields
        async with connect(client_http) as client:
            fields["protocol_version"] = client.protocol_version
            fields["server_name"] = client.server_info.name if client.server_info else None
            await run_mode(mode, rest, fields, client, call, lambda result: result.structured_content, texts)
        fields["session_ids"] = wire.session_ids()
    return fields


run_bounded(main, wire)
