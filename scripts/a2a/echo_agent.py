#!/usr/bin/env python3
"""A small A2A echo agent built only from the official SDK's server classes (a2a-sdk 1.3.0).

It is the reference peer for CAR's A2A work: the anchor of a benchmark, the target of CAR's
outbound a2a.send, and the server whose wire output SDK-FACTS.md describes.

Run it with the venv from a2a-env.sh:

    PY=$(scripts/a2a/a2a-env.sh) && "$PY" scripts/a2a/echo_agent.py --port 0

The first stdout line is the base URL it serves on (http://127.0.0.1:PORT); the card is at
BASE/.well-known/agent-card.json and JSON-RPC is POSTed to BASE/ (or --rpc-path). Logs go to
stderr. It stops by itself after --lifetime seconds (default 1800), on SIGTERM/SIGINT, and when
its stdin reaches EOF if --exit-on-stdin-eof is given.

What it does with a message: every part is echoed back (text parts get --prefix in front; data,
url and raw parts are copied as they are).
  --mode task     (default) the reply is a Task: SUBMITTED -> WORKING -> one artifact named
                  "echo" holding the echoed parts (split over --chunks artifact updates when
                  streaming) -> COMPLETED. The final status carries no message.
  --mode message  the reply is one agent Message (role agent) holding the echoed parts; no task
                  is created.
Directives inside the text of a message (task mode only), removed from the echo:
  [delay:SECONDS]  wait that long while WORKING before the artifact (lets a test subscribe or
                   cancel while the task runs); --delay sets a default for every message
  [fail]           end in FAILED instead of COMPLETED (status message says why)
  [input]          stop in INPUT_REQUIRED (status message asks for input); a follow-up message
                   with the same taskId then completes the task
  [raise]          the executor raises after WORKING (shows how the SDK reports an agent crash)
Versions (--versions):
  both  (default) the card lists two interfaces on one URL, JSONRPC 1.0 first and JSONRPC 0.3,
        so the SDK also emits the legacy top-level url/protocolVersion/preferredTransport, and
        the dispatcher serves the 0.3 method names too (enable_v0_3_compat=True)
  1.0   the card lists only the 1.0 interface; 0.3 method names get -32601
  0.3   the card lists only a 0.3 interface (a 1.3.0 client then talks 0.3 to it); the 1.0
        methods stay served on the same URL, as the SDK does
Options for tests:
  --record PATH          append one JSON line per HTTP exchange: request method, path, query,
                         headers (lower-case names), body (parsed JSON, else text), and the
                         response status, headers and body (JSON, else the raw text, which for
                         SSE is the exact event framing)
  --require-bearer TOKEN the card declares an HTTP bearer scheme and JSON-RPC POSTs without
                         "Authorization: Bearer TOKEN" get 401 (the card stays public)
  --no-streaming         capabilities.streaming=false (the SDK then refuses message/stream)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid

from typing import Any

try:
    import uvicorn

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse

    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
    from a2a.types import a2a_pb2
except ImportError as exc:  # pragma: no cover - run outside the venv
    sys.stderr.write(
        f'echo_agent: a2a-sdk unavailable: {exc} (run it with the python that '
        'scripts/a2a/a2a-env.sh prints)\n'
    )
    sys.exit(3)

log = logging.getLogger('echo_agent')

DIRECTIVE = re.compile(r'\[(delay):([0-9]+(?:\.[0-9]+)?)\]|\[(fail)\]|\[(input)\]|\[(raise)\]')


def parse_directives(parts: list[a2a_pb2.Part], default_delay: float) -> tuple[dict, list]:
    """Reads [delay:N] [fail] [input] out of the text parts; returns (flags, cleaned parts)."""
    flags = {'delay': default_delay, 'fail': False, 'input': False, 'raise': False}
    cleaned = []
    for part in parts:
        if part.HasField('text'):
            for match in DIRECTIVE.finditer(part.text):
                if match.group(1):
                    flags['delay'] = float(match.group(2))
                elif match.group(3):
                    flags['fail'] = True
                elif match.group(4):
                    flags['input'] = True
                elif match.group(5):
                    flags['raise'] = True
            copy = a2a_pb2.Part()
            copy.CopyFrom(part)
            copy.text = DIRECTIVE.sub('', part.text).strip() or part.text
            cleaned.append(copy)
        else:
            cleaned.append(part)
    return flags, cleaned


def echo_parts(parts: list[a2a_pb2.Part], prefix: str) -> list[a2a_pb2.Part]:
    out = []
    for part in parts:
        copy = a2a_pb2.Part()
        copy.CopyFrom(part)
        if part.HasField('text'):
            copy.text = prefix + part.text
        out.append(copy)
    if not out:
        out.append(a2a_pb2.Part(text=prefix + '(empty message)'))
    return out


def agent_message(context_id: str, task_id: str | None, text: str) -> a2a_pb2.Message:
    return a2a_pb2.Message(
        message_id=str(uuid.uuid4()),
        role=a2a_pb2.Role.ROLE_AGENT,
        context_id=context_id,
        task_id=task_id or '',
        parts=[a2a_pb2.Part(text=text)],
    )


class EchoExecutor(AgentExecutor):
    """Echoes the user's parts back, as a Task (with an artifact) or as a Message."""

    def __init__(self, mode: str, prefix: str, chunks: int, delay: float) -> None:
        self.mode = mode
        self.prefix = prefix
        self.chunks = max(1, chunks)
        self.delay = delay

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        message = context.message
        parts = list(message.parts) if message is not None else []
        flags, parts = parse_directives(parts, self.delay)
        reply = echo_parts(parts, self.prefix)
        streaming = context.call_context.state.get('method') in (
            'SendStreamingMessage',
            'message/stream',
        )

        if self.mode == 'message':
            await event_queue.enqueue_event(
                a2a_pb2.Message(
                    message_id=str(uuid.uuid4()),
                    role=a2a_pb2.Role.ROLE_AGENT,
                    context_id=context.context_id or '',
                    parts=reply,
                )
            )
            return

        task_id = context.task_id or ''
        context_id = context.context_id or ''
        # The executor publishes the Task itself before any status update (the SDK refuses a
        # status update for a task that does not exist yet). A follow-up message to an existing
        # task (after INPUT_REQUIRED) finds it in context.current_task.
        if context.current_task is None:
            await event_queue.enqueue_event(
                a2a_pb2.Task(
                    id=task_id,
                    context_id=context_id,
                    status=a2a_pb2.TaskStatus(state=a2a_pb2.TaskState.TASK_STATE_SUBMITTED),
                    history=[message] if message is not None else [],
                )
            )
        updater = TaskUpdater(event_queue, task_id, context_id)
        await updater.start_work()
        if flags['delay'] > 0:
            await asyncio.sleep(flags['delay'])
        if flags['input'] and context.current_task is None:
            await updater.requires_input(
                agent_message(context_id, task_id, 'input required: send another message')
            )
            return
        if flags['raise']:
            raise RuntimeError('echo agent raised as asked ([raise])')
        if flags['fail']:
            await updater.failed(agent_message(context_id, task_id, 'failed as asked ([fail])'))
            return
        artifact_id = str(uuid.uuid4())
        pieces = self._split(reply) if streaming and self.chunks > 1 else [reply]
        for index, piece in enumerate(pieces):
            await updater.add_artifact(
                piece,
                artifact_id=artifact_id,
                name='echo',
                append=index > 0 if len(pieces) > 1 else None,
                last_chunk=index == len(pieces) - 1 if len(pieces) > 1 else None,
            )
        await updater.complete()

    def _split(self, parts: list[a2a_pb2.Part]) -> list[list[a2a_pb2.Part]]:
        """Splits the text of a single-text-part reply into self.chunks pieces."""
        if len(parts) != 1 or not parts[0].HasField('text') or len(parts[0].text) < 2:
            return [parts]
        text = parts[0].text
        n = min(self.chunks, len(text))
        size = -(-len(text) // n)
        return [[a2a_pb2.Part(text=text[i : i + size])] for i in range(0, len(text), size)]

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        updater = TaskUpdater(event_queue, context.task_id or '', context.context_id or '')
        await updater.cancel()


def build_card(base_url: str, rpc_path: str, versions: str, streaming: bool, bearer: bool) -> a2a_pb2.AgentCard:
    url = base_url + rpc_path
    interfaces = []
    if versions in ('both', '1.0'):
        interfaces.append(a2a_pb2.AgentInterface(url=url, protocol_binding='JSONRPC', protocol_version='1.0'))
    if versions in ('both', '0.3'):
        interfaces.append(a2a_pb2.AgentInterface(url=url, protocol_binding='JSONRPC', protocol_version='0.3'))
    card = a2a_pb2.AgentCard(
        name='SDK echo agent',
        description='Echoes every message back (a2a-sdk 1.3.0 reference peer for CAR tests).',
        version='1.0.0',
        supported_interfaces=interfaces,
        capabilities=a2a_pb2.AgentCapabilities(streaming=streaming, push_notifications=False),
        default_input_modes=['text/plain', 'application/json'],
        default_output_modes=['text/plain', 'application/json'],
        skills=[
            a2a_pb2.AgentSkill(
                id='echo',
                name='Echo',
                description='Replies with the parts it was sent.',
                tags=['echo', 'test'],
                examples=['hello'],
            )
        ],
    )
    if bearer:
        card.security_schemes['bearer'].CopyFrom(
            a2a_pb2.SecurityScheme(
                http_auth_security_scheme=a2a_pb2.HTTPAuthSecurityScheme(scheme='Bearer')
            )
        )
        requirement = a2a_pb2.SecurityRequirement()
        requirement.schemes['bearer'].CopyFrom(a2a_pb2.StringList())
        card.security_requirements.append(requirement)
    return card


def _decode(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    text = body.decode('utf-8', errors='replace')
    if 'json' in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class Recorder:
    """ASGI middleware: appends one JSON line per HTTP exchange to a file."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.lock = threading.Lock()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        request_body = bytearray()
        response: dict[str, Any] = {'status': None, 'headers': {}, 'body': bytearray()}
        started = time.time()

        async def recv() -> dict:
            msg = await receive()
            if msg['type'] == 'http.request':
                request_body.extend(msg.get('body', b''))
            return msg

        async def snd(msg: dict) -> None:
            if msg['type'] == 'http.response.start':
                response['status'] = msg['status']
                response['headers'] = {
                    k.decode('latin-1').lower(): v.decode('latin-1') for k, v in msg.get('headers', [])
                }
            elif msg['type'] == 'http.response.body':
                response['body'].extend(msg.get('body', b''))
            await send(msg)

        try:
            await self.app(scope, recv, snd)
        finally:
            headers: dict[str, Any] = {}
            for k, v in scope.get('headers', []):
                name, value = k.decode('latin-1').lower(), v.decode('latin-1')
                headers[name] = value if name not in headers else f'{headers[name]}, {value}'
            record = {
                'ts': round(started, 6),
                'duration_ms': round((time.time() - started) * 1000, 3),
                'method': scope.get('method'),
                'path': scope.get('path'),
                'query': scope.get('query_string', b'').decode('latin-1'),
                'headers': headers,
                'body': _decode(bytes(request_body), headers.get('content-type', 'json')),
                'response': {
                    'status': response['status'],
                    'headers': response['headers'],
                    'body': _decode(bytes(response['body']), response['headers'].get('content-type', '')),
                },
            }
            line = json.dumps(record, ensure_ascii=False)
            with self.lock, open(self.path, 'a', encoding='utf-8') as fh:
                fh.write(line + '\n')


class BearerGate:
    """ASGI middleware: JSON-RPC POSTs need 'Authorization: Bearer <token>'; the card is public."""

    def __init__(self, app: Any, token: str, rpc_path: str) -> None:
        self.app = app
        self.expected = f'Bearer {token}'
        self.rpc_path = rpc_path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope['type'] == 'http' and scope.get('method') == 'POST' and scope.get('path') == self.rpc_path:
            auth = dict(scope.get('headers', [])).get(b'authorization', b'').decode('latin-1')
            if auth != self.expected:
                response = JSONResponse(
                    {'error': 'missing or wrong bearer token'},
                    status_code=401,
                    headers={'WWW-Authenticate': 'Bearer'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, default=0, help='port on 127.0.0.1 (0 = ephemeral)')
    parser.add_argument('--mode', choices=['task', 'message'], default='task')
    parser.add_argument('--versions', choices=['both', '1.0', '0.3'], default='both')
    parser.add_argument('--rpc-path', default='/', help='JSON-RPC path (default /)')
    parser.add_argument('--prefix', default='', help='put in front of every echoed text part')
    parser.add_argument('--chunks', type=int, default=1, help='artifact updates per streamed reply')
    parser.add_argument('--delay', type=float, default=0.0, help='seconds WORKING before the reply')
    parser.add_argument('--record', metavar='PATH', help='append every HTTP exchange to PATH (JSONL)')
    parser.add_argument('--require-bearer', metavar='TOKEN')
    parser.add_argument('--no-streaming', action='store_true')
    parser.add_argument('--lifetime', type=float, default=1800.0, help='stop after this many seconds')
    parser.add_argument('--exit-on-stdin-eof', action='store_true')
    parser.add_argument('--log-level', default='warning')
    args = parser.parse_args()
    if not args.rpc_path.startswith('/'):
        parser.error('--rpc-path must start with /')

    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, args.log_level.upper(), logging.WARNING),
        format='echo_agent %(levelname)s %(name)s: %(message)s',
    )

    # IPPROTO_TCP named: asyncio sets TCP_NODELAY on accepted sockets only then, and without
    # it every keep-alive reply after the first waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    base_url = f'http://127.0.0.1:{port}'

    card = build_card(base_url, args.rpc_path, args.versions, not args.no_streaming, bool(args.require_bearer))
    handler = DefaultRequestHandler(
        agent_executor=EchoExecutor(args.mode, args.prefix, args.chunks, args.delay),
        task_store=InMemoryTaskStore(),
        agent_card=card,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any):
        yield
        with contextlib.suppress(Exception):
            await asyncio.wait_for(handler.aclose(), timeout=3)

    routes = create_agent_card_routes(card) + create_jsonrpc_routes(
        handler,
        rpc_url=args.rpc_path,
        enable_v0_3_compat=args.versions in ('both', '0.3'),
    )
    app: Any = Starlette(routes=routes, lifespan=lifespan)
    if args.require_bearer:
        app = BearerGate(app, args.require_bearer, args.rpc_path)
    if args.record:
        app = Recorder(app, os.path.abspath(args.record))

    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        lifespan='on',
        timeout_graceful_shutdown=2,
        access_log=args.log_level.lower() in ('debug', 'info'),
    )
    server = uvicorn.Server(config)

    async def run() -> None:
        loop = asyncio.get_running_loop()

        def stop(*_: Any) -> None:
            server.should_exit = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop)
        loop.call_later(args.lifetime, stop)
        if args.exit_on_stdin_eof:
            def watch_stdin() -> None:
                with contextlib.suppress(Exception):
                    while sys.stdin.buffer.read(4096):
                        pass
                loop.call_soon_threadsafe(stop)

            threading.Thread(target=watch_stdin, daemon=True).start()
        serve = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serve.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(base_url, flush=True)
        await serve

    # uvicorn installs its own SIGINT/SIGTERM handlers while serving; ours above also stop it.
    asyncio.run(run())
    return 0


if __name__ == '__main__':
    sys.exit(main())
