"""The MCP benchmark anchor: a streamable-HTTP MCP server built the standard way with the
official SDK (mcp 1.30.0's FastMCP, session-based, JSON responses), doing on a small in-memory
graph the work our daemon's memory_query tool does.

    .venv/mcp-1.30.0/bin/python scripts/mcp/anchor_server.py PORT [--sse]

Listens on http://127.0.0.1:PORT/mcp; prints "anchor: ready on http://127.0.0.1:PORT/mcp" on
stdout once it accepts connections. --sse answers requests with SSE streams instead of JSON
(the SDK's default), to exercise that path of a client.

Tools:
  memory_add_fact {subject, body, kind?}  keeps the fact, answers the fact count;
  memory_query    {query, k?}            ranks facts by term overlap with the query (the share
                                          of query terms found in subject + body, ties broken
                                          by insertion order) and answers the top k as a list
                                          of {subject, body, kind, score}; facts that share no
                                          term are left out;
  memory_fact_count {}                    the fact count.
No auth and the SDK's own Origin / Host checks for a loopback bind (DNS-rebinding protection):
it is a yardstick, not a copy of our server's policy."""
import argparse
import re
import socket
import sys
import threading
import time

from mcp.server.fastmcp import FastMCP

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("--sse", action="store_true", help="answer with SSE streams instead of JSON")
args = parser.parse_args()

WORD = re.compile(r"[a-z0-9]+")


def terms(text):
    return set(WORD.findall(text.lower()))


facts = []  # (subject, body, kind, terms of subject + body)

mcp = FastMCP("car-mcp-anchor", host="127.0.0.1", port=args.port, json_response=not args.sse,
              stateless_http=False, log_level="WARNING")


@mcp.tool()
def memory_add_fact(subject: str, body: str, kind: str = "fact") -> int:
    """Adds a fact; answers the number of facts."""
    facts.append((subject, body, kind, terms(subject + " " + body)))
    return len(facts)


@mcp.tool()
def memory_query(query: str, k: int = 5) -> list[dict]:
    """The k facts sharing the most terms with the query, best first."""
    wanted = terms(query)
    if not wanted or k <= 0:
        return []
    scored = []
    for index, (subject, body, kind, have) in enumerate(facts):
        overlap = len(wanted & have)
        if overlap:
            scored.append((-overlap, index))
    scored.sort()
    hits = []
    for negative, index in scored[:k]:
        subject, body, kind, _ = facts[index]
        hits.append({"subject": subject, "body": body, "kind": kind, "score": -negative / len(wanted)})
    return hits


@mcp.tool()
def memory_fact_count() -> int:
    """The number of facts."""
    return len(facts)


def announce():
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", args.port), timeout=0.2).close()
            print(f"anchor: ready on http://127.0.0.1:{args.port}/mcp", flush=True)
            return
        except OSError:
            time.sleep(0.02)
    print("anchor: not listening after 30 s", file=sys.stderr, flush=True)


threading.Thread(target=announce, daemon=True).start()
mcp.run(transport="streamable-http")
