#!/usr/bin/env python3
"""Drives the official A2A SDK client (a2a-sdk 1.3.0) against an A2A server and records the wire.

By default it starts scripts/a2a/echo_agent.py (the SDK's own server) four times on loopback
(task mode; message mode; task mode behind a bearer token; a card that lists only 0.3) and runs:
  * the SDK client in 1.0 mode (from the served card, which lists 1.0 first) and in 0.3 mode
    (from the same card reduced to the legacy top-level fields, as a 0.3 server serves it):
    card discovery, blocking send, get task, list tasks (1.0), cancel of a completed task,
    cancel of a running task, streaming send, subscribe (resubscribe) while running and after
    the end, get of an unknown id, input-required and failed tasks, message mode
  * bearer-token configurations of the client (httpx default headers, per-call service
    parameters, AuthInterceptor with a credential store) against a server that demands one
  * raw JSON-RPC requests (httpx, no SDK) for the error cases, version headers and SSE framing
  * the strict 1.0 oracle (google.protobuf.json_format.ParseDict into a2a_pb2 types without
    ignore_unknown_fields) on every 1.0 result, and on a 0.3 result to show it refuses it
Every HTTP exchange the client makes is captured on the client side (a recording httpx
transport): request method, URL, headers in the order and spelling sent, body; response status,
headers and the exact body bytes (SSE framing included).

    PY=$(scripts/a2a/a2a-env.sh) && "$PY" scripts/a2a/probe_sdk.py --out /tmp/a2a-probe

Writes into --out (default: a new temp dir): exchanges.jsonl (one line per HTTP exchange, with
the step that made it), results.json (per step: what the client returned or raised, and the
checks), and prints one line per check plus a closing "N passed, N failed" line.
With --target URL it runs only the client-side steps against that server (e.g. the CAR daemon)
instead of starting the echo agents; --versions picks 1.0, 0.3 or both. With --bearer-env VAR
(and --target) the token in the environment variable VAR is sent as "Authorization: Bearer" by
the client of those steps (httpx default headers, the card GET included), and the bearer steps
run against the target too (the three ways of sending it, each on a client without default
headers, and a client without it, which must get HTTP 401); the token is never printed and is
written as <redacted> in exchanges.jsonl. Exit 0 when every check
passed, 1 otherwise, 3 when the SDK is not importable. Bounded: --timeout (default 120 s) for
the whole run, 15 s per step; every agent it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

from pathlib import Path
from typing import Any

try:
    import httpx

    from google.protobuf.json_format import MessageToDict, ParseDict, ParseError

    from a2a.client import (
        AuthInterceptor,
        ClientCallContext,
        ClientConfig,
        ClientFactory,
        InMemoryContextCredentialStore,
        create_client,
    )
    from a2a.client.card_resolver import parse_agent_card
    from a2a.client.errors import A2AClientError
    from a2a.types import a2a_pb2
    from a2a.utils import errors as a2a_errors
    from a2a.utils.proto_utils import validate_proto_required_fields
except ImportError as exc:  # pragma: no cover
    sys.stderr.write(f'probe_sdk: a2a-sdk unavailable: {exc} (use the python from a2a-env.sh)\n')
    sys.exit(3)

HERE = Path(__file__).resolve().parent
TERMINAL = (a2a_pb2.TaskState.TASK_STATE_COMPLETED, a2a_pb2.TaskState.TASK_STATE_FAILED,
            a2a_pb2.TaskState.TASK_STATE_CANCELED, a2a_pb2.TaskState.TASK_STATE_REJECTED)
STEP_TIMEOUT = 15.0


# ----------------------------------------------------------------------------- wire capture


class _Tee(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, entry: dict, sink: list) -> None:
        self.inner = inner
        self.entry = entry
        self.sink = sink
        self.buf = bytearray()
        self.chunks: list[float] = []
        self.done = False

    async def __aiter__(self):
        async for chunk in self.inner:
            self.buf.extend(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()
        self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        ctype = self.entry['response']['headers'].get('content-type', '')
        text = self.buf.decode('utf-8', errors='replace')
        self.entry['response']['raw'] = text
        if 'json' in ctype:
            with contextlib.suppress(ValueError):
                self.entry['response']['json'] = json.loads(text)
        if 'text/event-stream' in ctype:
            self.entry['response']['sse'] = parse_sse(text)
        self.entry['response']['ms'] = round((time.monotonic() - self.entry['_t0']) * 1000, 2)
        del self.entry['_t0']
        self.sink.append(self.entry)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the real transport and keeps a copy of both directions."""

    def __init__(self, probe: Probe) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.probe = probe

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        entry: dict[str, Any] = {
            'step': self.probe.step,
            'request': {
                'method': request.method,
                'url': str(request.url),
                'headers': [[k.decode(), self.probe.redact(v.decode())] for k, v in request.headers.raw],
                'raw': body.decode('utf-8', errors='replace'),
            },
            '_t0': time.monotonic(),
        }
        with contextlib.suppress(ValueError):
            entry['request']['json'] = json.loads(body) if body else None
        response = await self.inner.handle_async_request(request)
        entry['response'] = {
            'status': response.status_code,
            'headers': {k.decode().lower(): v.decode() for k, v in response.headers.raw},
        }
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Tee(response.stream, entry, self.probe.exchanges),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def parse_sse(text: str) -> list[dict]:
    """Splits an event-stream body into events: {event?, id?, data, comment?} (data JSON-decoded)."""
    events = []
    for block in text.replace('\r\n', '\n').split('\n\n'):
        if not block.strip():
            continue
        ev: dict[str, Any] = {}
        data = []
        for line in block.split('\n'):
            if line.startswith(':'):
                ev.setdefault('comment', []).append(line[1:].strip())
                continue
            key, _, val = line.partition(':')
            val = val[1:] if val.startswith(' ') else val
            if key == 'data':
                data.append(val)
            elif key in ('event', 'id', 'retry'):
                ev[key] = val
        if data:
            joined = '\n'.join(data)
            try:
                ev['data'] = json.loads(joined)
            except ValueError:
                ev['data'] = joined
        events.append(ev)
    return events


# ----------------------------------------------------------------------------- helpers


def pb(msg: Any) -> Any:
    return MessageToDict(msg) if msg is not None else None


def err(exc: BaseException) -> dict:
    out = {'type': type(exc).__name__, 'message': str(exc)}
    if getattr(exc, 'data', None):
        out['data'] = exc.data
    return out


def user_message(text: str, *, task_id: str = '', context_id: str = '', data: Any = None) -> a2a_pb2.Message:
    parts = [a2a_pb2.Part(text=text)]
    if data is not None:
        part = a2a_pb2.Part()
        ParseDict({'data': data}, part)
        parts.append(part)
    return a2a_pb2.Message(
        message_id=str(uuid.uuid4()),
        role=a2a_pb2.Role.ROLE_USER,
        parts=parts,
        task_id=task_id,
        context_id=context_id,
    )


def send_request(message: a2a_pb2.Message, *, return_immediately: bool = False, history_length: int | None = None) -> a2a_pb2.SendMessageRequest:
    req = a2a_pb2.SendMessageRequest(message=message)
    if return_immediately:
        req.configuration.return_immediately = True
    if history_length is not None:
        req.configuration.history_length = history_length
    return req


def strict(result: Any, message_type: Any) -> str | None:
    """The 1.0 oracle: None when `result` is exact ProtoJSON for `message_type`, else the error.

    ParseDict without ignore_unknown_fields refuses unknown members (`kind`, `final`), unknown
    enum names ("completed", "agent") and two members of one oneof; the SDK's own
    validate_proto_required_fields adds the REQUIRED fields of a2a.proto (task.status,
    status.state, message.role, message.parts, artifact.artifactId, ...).
    """
    try:
        msg = ParseDict(result, message_type())
        validate_proto_required_fields(msg)
        if message_type in (a2a_pb2.SendMessageResponse, a2a_pb2.StreamResponse) and msg.WhichOneof('payload') is None:
            return 'empty result: none of the payload members is set'
        return None
    except a2a_errors.InvalidParamsError as exc:
        return f'missing required fields: {exc.data}'
    except (ParseError, TypeError, ValueError) as exc:
        return f'{type(exc).__name__}: {exc}'


class Agent:
    """An echo_agent.py subprocess on 127.0.0.1:<ephemeral>."""

    def __init__(self, name: str, args: list[str], lifetime: float) -> None:
        self.name = name
        self.args = args
        self.lifetime = lifetime
        self.proc: subprocess.Popen | None = None
        self.url = ''

    def start(self) -> str:
        cmd = [sys.executable, str(HERE / 'echo_agent.py'), '--port', '0',
               '--lifetime', str(int(self.lifetime)), '--exit-on-stdin-eof', *self.args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        deadline = time.monotonic() + 20
        line = ''
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()  # type: ignore[union-attr]
            if line or self.proc.poll() is not None:
                break
        if not line.startswith('http://127.0.0.1:'):
            self.stop()
            raise RuntimeError(f'echo agent {self.name} did not start (got {line!r})')
        self.url = line.strip()
        return self.url

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            self.proc.stdin.close()  # type: ignore[union-attr]
        with contextlib.suppress(Exception):
            self.proc.terminate()
            self.proc.wait(timeout=5)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None


# ----------------------------------------------------------------------------- the probe


class Probe:
    def __init__(self, out: Path, bearer: str | None = None) -> None:
        self.out = out
        self.step = ''
        self.exchanges: list[dict] = []
        self.results: list[dict] = []
        self.passed = 0
        self.failed = 0
        # --bearer-env: the target's token, on every request of the shared client.
        self.secret = bearer
        self.http = httpx.AsyncClient(transport=RecordingTransport(self), timeout=STEP_TIMEOUT,
                                      headers={'Authorization': f'Bearer {bearer}'} if bearer else None)

    def redact(self, value: str) -> str:
        return value.replace(self.secret, '<redacted>') if self.secret else value

    def check(self, cond: bool, what: str, detail: Any = None) -> bool:
        mark = 'ok  ' if cond else 'FAIL'
        what = ' | '.join(line.strip() for line in str(what).splitlines() if line.strip())
        print(f'{mark} [{self.step}] {what}' + ('' if cond or detail is None else f' -- {detail}'), flush=True)
        self.results[-1]['checks'].append({'check': what, 'ok': bool(cond), **({} if cond else {'detail': detail})})
        if cond:
            self.passed += 1
        else:
            self.failed += 1
        return cond

    async def run_step(self, name: str, coro_fn: Any) -> Any:
        self.step = name
        entry: dict[str, Any] = {'step': name, 'checks': []}
        self.results.append(entry)
        try:
            value = await asyncio.wait_for(coro_fn(entry), timeout=STEP_TIMEOUT)
            return value
        except Exception as exc:  # noqa: BLE001
            entry['crash'] = err(exc)
            entry['traceback'] = traceback.format_exc()
            self.check(False, 'step ran without an unexpected exception', f'{type(exc).__name__}: {exc}')
            return None
        finally:
            await asyncio.sleep(0.05)  # let stream closes land in the capture

    # -- client construction -------------------------------------------------------------

    def config(self, *, streaming: bool, polling: bool = False, http: httpx.AsyncClient | None = None) -> ClientConfig:
        return ClientConfig(streaming=streaming, polling=polling, httpx_client=http or self.http)

    async def client_10(self, base: str, *, streaming: bool, polling: bool = False, http: httpx.AsyncClient | None = None, interceptors: list | None = None):
        """1.0: resolve the served card; the factory prefers the 1.0 interface."""
        return await create_client(base, client_config=self.config(streaming=streaming, polling=polling, http=http), interceptors=interceptors)

    async def client_03(self, base: str, *, streaming: bool, polling: bool = False):
        """0.3: the served card reduced to the legacy top-level fields (what a 0.3 server serves)."""
        resp = await self.http.get(base.rstrip('/') + '/.well-known/agent-card.json')
        card = resp.json()
        interfaces = card.pop('supportedInterfaces', None) or []
        if not card.get('url'):  # no legacy fields: take the 0.3 interface's URL, else the first one's
            legacy = [i for i in interfaces if str(i.get('protocolVersion', '')).startswith('0.')]
            card['url'] = (legacy or interfaces or [{'url': base.rstrip('/') + '/'}])[0]['url']
        card.setdefault('protocolVersion', '0.3.0')
        card.setdefault('preferredTransport', 'JSONRPC')
        parsed = parse_agent_card(card)
        return ClientFactory(self.config(streaming=streaming, polling=polling)).create(parsed)

    # -- raw JSON-RPC ----------------------------------------------------------------------

    async def rpc(self, base: str, method: str, params: Any = None, *, version: str | None = '1.0', stream: bool = False, body: Any = None, headers: dict | None = None) -> dict:
        hdrs = {'Content-Type': 'application/json'}
        if version is not None:
            hdrs['A2A-Version'] = version
        if stream:
            hdrs['Accept'] = 'text/event-stream'
        hdrs.update(headers or {})
        payload = body if body is not None else {'jsonrpc': '2.0', 'id': 'raw-1', 'method': method, 'params': params if params is not None else {}}
        content = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        # A bare client, so no A2A-Version default is added behind our back.
        async with httpx.AsyncClient(transport=RecordingTransport(self), timeout=STEP_TIMEOUT) as raw:
            resp = await raw.post(base.rstrip('/') + '/', content=content, headers=hdrs)
            text = resp.text
        out: dict[str, Any] = {'status': resp.status_code, 'content_type': resp.headers.get('content-type', ''), 'raw': text}
        if 'text/event-stream' in out['content_type']:
            out['sse'] = parse_sse(text)
        else:
            with contextlib.suppress(ValueError):
                out['json'] = json.loads(text)
        return out


async def collect(aiter: Any) -> list:
    return [item async for item in aiter]


# ----------------------------------------------------------------------------- steps


async def steps_client(p: Probe, base: str, version: str, message_base: str | None, echo: bool = True) -> None:
    """The SDK client's view of one server, in 1.0 or 0.3 mode.

    echo=False (--target): only the steps and checks that hold for any conforming server run;
    the ones that need the echo agent's behaviour ([delay:], [input], [fail], echoed parts) are
    skipped.
    """
    v = version
    mk = (lambda **kw: p.client_10(base, **kw)) if v == '1.0' else (lambda **kw: p.client_03(base, **kw))
    state: dict[str, Any] = {}

    async def card(e):
        resp = await p.http.get(base.rstrip('/') + '/.well-known/agent-card.json')
        e['served_card'] = resp.json()
        client = await mk(streaming=False)
        transport = type(client._transport).__name__  # noqa: SLF001
        e['transport'] = transport
        e['parsed_card'] = pb(client._card)  # noqa: SLF001
        p.check(transport == ('JsonRpcTransport' if v == '1.0' else 'CompatJsonRpcTransport'),
                f'factory picked the {v} JSON-RPC transport', transport)
        await client.close()

    async def send_blocking(e):
        client = await mk(streaming=False)
        events = await collect(client.send_message(send_request(user_message('hello', data={'n': 1, 'list': [1, 'a']}))))
        e['client_result'] = [pb(x) for x in events]
        if not echo:  # another server: a task or a message are both fine
            p.check(len(events) == 1 and events[0].WhichOneof('payload') in ('task', 'message'), 'one StreamResponse: task or message',
                    [x.WhichOneof('payload') for x in events])
            if events and events[0].HasField('task'):
                state['task_id'], state['context_id'] = events[0].task.id, events[0].task.context_id
            await client.close()
            return
        p.check(len(events) == 1 and events[0].HasField('task'), 'one StreamResponse holding a task')
        task = events[0].task
        state['task_id'], state['context_id'] = task.id, task.context_id
        p.check(task.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED, 'task COMPLETED')
        p.check(len(task.artifacts) == 1 and task.artifacts[0].parts[0].text == 'hello', 'artifact echoes the text')
        p.check(len(task.artifacts[0].parts) == 2 and task.artifacts[0].parts[1].HasField('data'), 'artifact echoes the data part')
        p.check(len(task.history) >= 1 and task.history[0].role == a2a_pb2.Role.ROLE_USER, 'history starts with the user message')
        await client.close()

    async def get_task(e):
        client = await mk(streaming=False)
        task = await client.get_task(a2a_pb2.GetTaskRequest(id=state['task_id']))
        e['client_result'] = pb(task)
        p.check(task.id == state['task_id'] and task.status.state in TERMINAL, 'same task, in a terminal state',
                a2a_pb2.TaskState.Name(task.status.state))
        task0 = await client.get_task(a2a_pb2.GetTaskRequest(id=state['task_id'], history_length=0))
        e['client_result_history0'] = pb(task0)
        if not echo and v == '0.3':
            pass
        elif v == '1.0':
            p.check(len(task0.history) == 0, 'historyLength=0 drops the history')
        else:  # the SDK's 0.3 adapter reads historyLength 0 as "not given"
            p.check(len(task0.history) == 1, '0.3: historyLength=0 is treated as absent (history kept)', len(task0.history))
        await client.close()

    async def list_tasks(e):
        client = await mk(streaming=False)
        try:
            # one more task, so there are two pages
            await collect(client.send_message(send_request(user_message('second'))))
            page1 = await client.list_tasks(a2a_pb2.ListTasksRequest(page_size=1))
            e['page1'] = MessageToDict(page1, always_print_fields_with_no_presence=True)
            p.check(len(page1.tasks) == 1 and page1.next_page_token != '', 'page of 1 with a nextPageToken')
            page2 = await client.list_tasks(a2a_pb2.ListTasksRequest(page_size=1, page_token=page1.next_page_token))
            e['page2'] = MessageToDict(page2, always_print_fields_with_no_presence=True)
            p.check(len(page2.tasks) == 1 and page2.tasks[0].id != page1.tasks[0].id, 'page 2 is another task')
            everything = await client.list_tasks(a2a_pb2.ListTasksRequest())
            e['all'] = MessageToDict(everything, always_print_fields_with_no_presence=True)
            p.check(everything.next_page_token == '' and everything.total_size == len(everything.tasks), 'last page: empty nextPageToken, totalSize = count')
            p.check(all(not t.artifacts for t in everything.tasks), 'artifacts left out unless includeArtifacts')
            with_art = await client.list_tasks(a2a_pb2.ListTasksRequest(include_artifacts=True, page_size=1))
            e['with_artifacts'] = MessageToDict(with_art)
            if echo:
                p.check(bool(with_art.tasks[0].artifacts), 'includeArtifacts=true brings them')
        except NotImplementedError as exc:
            e['client_error'] = err(exc)
            p.check(v == '0.3', '0.3 client raises NotImplementedError without sending', str(exc))
        await client.close()

    async def cancel_completed(e):
        client = await mk(streaming=False)
        try:
            await client.cancel_task(a2a_pb2.CancelTaskRequest(id=state['task_id']))
            p.check(False, 'cancel of a completed task raises')
        except a2a_errors.TaskNotCancelableError as exc:
            e['client_error'] = err(exc)
            p.check(True, 'TaskNotCancelableError')
        await client.close()

    async def cancel_running(e):
        client = await mk(streaming=False, polling=True)
        events = await collect(client.send_message(send_request(user_message('[delay:3] slow'))))
        task = events[0].task
        e['send_result'] = pb(task)
        p.check(task.status.state in (a2a_pb2.TaskState.TASK_STATE_SUBMITTED, a2a_pb2.TaskState.TASK_STATE_WORKING),
                'returnImmediately gives a task still running', a2a_pb2.TaskState.Name(task.status.state))
        canceled = await client.cancel_task(a2a_pb2.CancelTaskRequest(id=task.id))
        e['client_result'] = pb(canceled)
        p.check(canceled.status.state == a2a_pb2.TaskState.TASK_STATE_CANCELED, 'cancel returns the task CANCELED')
        await client.close()

    async def get_unknown(e):
        client = await mk(streaming=False)
        try:
            await client.get_task(a2a_pb2.GetTaskRequest(id='no-such-task'))
            p.check(False, 'get of an unknown id raises')
        except a2a_errors.TaskNotFoundError as exc:
            e['client_error'] = err(exc)
            p.check(True, 'TaskNotFoundError')
        await client.close()

    async def send_streaming(e):
        client = await mk(streaming=True)
        events = await collect(client.send_message(send_request(user_message('stream me please'))))
        e['client_result'] = [pb(x) for x in events]
        kinds = [x.WhichOneof('payload') for x in events]
        e['kinds'] = kinds
        if not echo:
            terminal = (kinds == ['message']) or (kinds and kinds[0] == 'task' and kinds[-1] == 'status_update'
                                                   and events[-1].status_update.status.state in TERMINAL)
            p.check(bool(terminal), 'a lone message, or task ... terminal status update, then the stream closed', kinds)
            await client.close()
            return
        p.check(kinds[0] == 'task', 'first event is the task', kinds)
        p.check(kinds[-1] == 'status_update' and events[-1].status_update.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED,
                'last event is the COMPLETED status update', kinds)
        text = ''.join(part.text for x in events if x.HasField('artifact_update') for part in x.artifact_update.artifact.parts)
        p.check(text == 'stream me please', 'artifact chunks join to the echo', text)
        await client.close()

    async def subscribe_running(e):
        poller = await mk(streaming=False, polling=True)
        first = (await collect(poller.send_message(send_request(user_message('[delay:1.5] wait for me')))))[0].task
        await poller.close()
        client = await mk(streaming=True)
        events = await collect(client.subscribe(a2a_pb2.SubscribeToTaskRequest(id=first.id)))
        e['client_result'] = [pb(x) for x in events]
        kinds = [x.WhichOneof('payload') for x in events]
        e['kinds'] = kinds
        p.check(kinds and kinds[0] == 'task', 'subscribe sends the current task first', kinds)
        p.check(kinds[-1] == 'status_update' and events[-1].status_update.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED,
                'and ends after the COMPLETED status update', kinds)
        state['streamed_task'] = first.id
        await client.close()

    async def subscribe_terminal(e):
        client = await mk(streaming=True)
        try:
            events = await collect(client.subscribe(a2a_pb2.SubscribeToTaskRequest(id=state['task_id'])))
            e['client_result'] = [pb(x) for x in events]
            p.check(False, 'subscribe to a completed task raises', [x.WhichOneof('payload') for x in events])
        except a2a_errors.A2AError as exc:
            e['client_error'] = err(exc)
            p.check(isinstance(exc, a2a_errors.UnsupportedOperationError), 'UnsupportedOperationError', err(exc))
        except A2AClientError as exc:
            e['client_error'] = err(exc)
            p.check(False, 'subscribe to a completed task raises an A2AError', err(exc))
        await client.close()

    async def input_required(e):
        client = await mk(streaming=False)
        t1 = (await collect(client.send_message(send_request(user_message('[input] need more')))))[0].task
        e['first'] = pb(t1)
        p.check(t1.status.state == a2a_pb2.TaskState.TASK_STATE_INPUT_REQUIRED, 'INPUT_REQUIRED with a status message',
                a2a_pb2.TaskState.Name(t1.status.state))
        t2 = (await collect(client.send_message(send_request(user_message('here it is', task_id=t1.id, context_id=t1.context_id)))))[0].task
        e['second'] = pb(t2)
        p.check(t2.id == t1.id and t2.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED, 'follow-up on the same task completes it')
        await client.close()

    async def failed(e):
        client = await mk(streaming=False)
        t = (await collect(client.send_message(send_request(user_message('[fail] please')))))[0].task
        e['client_result'] = pb(t)
        p.check(t.status.state == a2a_pb2.TaskState.TASK_STATE_FAILED, 'FAILED is returned as a task, not an error')
        await client.close()

    async def parts(e):
        client = await mk(streaming=False)
        msg = user_message('text part')
        extra = a2a_pb2.Part()
        ParseDict({'data': [1, 'two', {'three': 3}]}, extra)  # a non-object data part
        msg.parts.extend([
            extra,
            a2a_pb2.Part(raw=b'\x00\x01binary', filename='blob.bin', media_type='application/octet-stream'),
            a2a_pb2.Part(url='https://example.invalid/file.pdf', filename='file.pdf', media_type='application/pdf'),
            a2a_pb2.Part(text='with metadata', media_type='text/markdown'),
        ])
        msg.parts[-1].metadata.update({'k': 'v'})
        events = await collect(client.send_message(send_request(msg)))
        task = events[0].task
        e['client_result'] = pb(task)
        got = [p_.WhichOneof('content') for p_ in task.artifacts[0].parts]
        p.check(got == ['text', 'data', 'raw', 'url', 'text'], 'all five parts come back in order', got)
        p.check(task.artifacts[0].parts[2].raw == b'\x00\x01binary' and task.artifacts[0].parts[2].filename == 'blob.bin',
                'raw bytes and filename survive', pb(task.artifacts[0].parts[2]))
        p.check(MessageToDict(task.artifacts[0].parts[1].data) == [1, 'two', {'three': 3}], 'non-object data survives',
                MessageToDict(task.artifacts[0].parts[1].data))
        await client.close()

    async def message_mode(e):
        if not message_base:
            return
        client = await (p.client_10(message_base, streaming=False) if v == '1.0' else p.client_03(message_base, streaming=False))
        events = await collect(client.send_message(send_request(user_message('hi there'))))
        e['client_result'] = [pb(x) for x in events]
        p.check(len(events) == 1 and events[0].HasField('message') and events[0].message.role == a2a_pb2.Role.ROLE_AGENT,
                'blocking send answers one agent Message')
        p.check(events[0].message.parts[0].text == 'hi there', 'message echoes the text')
        await client.close()
        client = await (p.client_10(message_base, streaming=True) if v == '1.0' else p.client_03(message_base, streaming=True))
        events = await collect(client.send_message(send_request(user_message('hi stream'))))
        e['client_result_stream'] = [pb(x) for x in events]
        p.check([x.WhichOneof('payload') for x in events] == ['message'], 'streaming send yields exactly one message event')
        await client.close()

    for name, fn in [
        ('card', card), ('send_blocking', send_blocking), ('get_task', get_task), ('list_tasks', list_tasks),
        ('cancel_completed', cancel_completed), ('cancel_running', cancel_running), ('get_unknown', get_unknown),
        ('send_streaming', send_streaming), ('subscribe_running', subscribe_running),
        ('subscribe_terminal', subscribe_terminal), ('input_required', input_required), ('failed', failed),
        ('parts', parts), ('message_mode', message_mode),
    ]:
        if name in ('get_task', 'list_tasks', 'cancel_completed', 'subscribe_terminal') and 'task_id' not in state:
            continue  # send_blocking gave no task; these need one
        if not echo and name in ('cancel_running', 'subscribe_running', 'input_required', 'failed', 'parts', 'message_mode'):
            continue
        await p.run_step(f'{v}/{name}', fn)


async def steps_bearer(p: Probe, base: str, token: str) -> None:
    # A client without default headers (p.http carries the token with --bearer-env).
    bare = httpx.AsyncClient(transport=RecordingTransport(p), timeout=STEP_TIMEOUT)

    async def via_httpx_headers(e):
        http = httpx.AsyncClient(transport=RecordingTransport(p), timeout=STEP_TIMEOUT, headers={'Authorization': f'Bearer {token}'})
        client = await p.client_10(base, streaming=False, http=http)
        events = await collect(client.send_message(send_request(user_message('with token'))))
        p.check(events[0].task.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED, 'accepted with httpx default header')
        await client.close()
        await http.aclose()

    async def via_service_parameters(e):
        client = await p.client_10(base, streaming=True, http=bare)
        ctx = ClientCallContext(service_parameters={'Authorization': f'Bearer {token}'})
        events = await collect(client.send_message(send_request(user_message('with token')), context=ctx))
        p.check(events[-1].status_update.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED, 'accepted with per-call service_parameters (stream)')
        await client.close()

    async def via_auth_interceptor(e):
        store = InMemoryContextCredentialStore()
        await store.set_credentials('session-1', 'bearer', token)
        client = await p.client_10(base, streaming=False, http=bare, interceptors=[AuthInterceptor(store)])
        ctx = ClientCallContext(state={'sessionId': 'session-1'})
        events = await collect(client.send_message(send_request(user_message('with token')), context=ctx))
        p.check(events[0].task.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED, 'accepted via AuthInterceptor (card declares the bearer scheme)')
        await client.close()

    async def without_token(e):
        client = await p.client_10(base, streaming=False, http=bare)
        try:
            await collect(client.send_message(send_request(user_message('no token'))))
            p.check(False, 'refused without a token')
        except A2AClientError as exc:
            e['client_error'] = err(exc)
            p.check('401' in str(exc), 'client raises A2AClientError naming HTTP 401', str(exc))
        await client.close()

    for name, fn in [('httpx_headers', via_httpx_headers), ('service_parameters', via_service_parameters),
                     ('auth_interceptor', via_auth_interceptor), ('without_token', without_token)]:
        await p.run_step(f'bearer/{name}', fn)
    await bare.aclose()
    sent = [x for x in p.exchanges if x['step'].startswith('bearer/') and x['request']['method'] == 'POST']
    p.step = 'bearer/summary'
    p.results.append({'step': p.step, 'checks': []})
    with_auth = [x['step'] for x in sent if any(k.lower() == 'authorization' for k, _ in x['request']['headers'])]
    p.check(sorted(set(with_auth)) == ['bearer/auth_interceptor', 'bearer/httpx_headers', 'bearer/service_parameters'],
            'Authorization header on the wire for the three configurations, not without', sorted(set(with_auth)))


async def steps_raw(p: Probe, base: str, message_base: str, nostream_base: str | None) -> None:
    msg10 = {'message': {'messageId': 'raw-m1', 'role': 'ROLE_USER', 'parts': [{'text': 'raw hello'}]}}
    msg03 = {'message': {'kind': 'message', 'messageId': 'raw-m2', 'role': 'user', 'parts': [{'kind': 'text', 'text': 'raw hello'}]}}
    state: dict[str, Any] = {}

    def code(r: dict) -> Any:
        j = r.get('json')
        if j is None and r.get('sse'):
            j = r['sse'][-1].get('data')
        return (j or {}).get('error', {}).get('code') if isinstance(j, dict) else None

    async def send_10(e):
        r = await p.rpc(base, 'SendMessage', msg10)
        e['response'] = r
        result = r['json']['result']
        state['task'] = result['task']
        p.check(set(result) == {'task'}, 'result is wrapped: {"task": ...}', list(result))
        p.check(strict(result, a2a_pb2.SendMessageResponse) is None, 'strict ParseDict into SendMessageResponse', strict(result, a2a_pb2.SendMessageResponse))
        r2 = await p.rpc(base, 'GetTask', {'id': result['task']['id']})
        e['get'] = r2
        p.check(strict(r2['json']['result'], a2a_pb2.Task) is None, 'GetTask result is a bare Task (strict)', strict(r2['json']['result'], a2a_pb2.Task))
        r3 = await p.rpc(base, 'ListTasks', {'pageSize': 1})
        e['list'] = r3
        p.check(strict(r3['json']['result'], a2a_pb2.ListTasksResponse) is None, 'ListTasks result is strict ListTasksResponse')
        rm = await p.rpc(message_base, 'SendMessage', msg10)
        e['message_mode'] = rm
        p.check(set(rm['json']['result']) == {'message'} and strict(rm['json']['result'], a2a_pb2.SendMessageResponse) is None,
                'message mode: {"message": ...}, strict')

    async def send_03(e):
        r = await p.rpc(base, 'message/send', msg03, version=None)
        e['response'] = r
        result = r['json']['result']
        state['task03'] = result
        p.check(result.get('kind') == 'task' and result['status']['state'] == 'completed', 'bare task with kind:"task", state "completed"')
        p.check(strict({'task': result}, a2a_pb2.SendMessageResponse) is not None, 'the strict 1.0 oracle rejects the 0.3 shape',
                strict({'task': result}, a2a_pb2.SendMessageResponse))
        r2 = await p.rpc(base, 'message/send', msg03, version='0.3')
        e['with_header_03'] = r2
        p.check('result' in r2['json'], 'A2A-Version: 0.3 on a 0.3 method is accepted')
        r3 = await p.rpc(base, 'message/send', msg03, version='1.0')
        e['with_header_10'] = r3
        p.check(code(r3) is not None, 'A2A-Version: 1.0 on a 0.3 method is an error', r3.get('json'))
        rm = await p.rpc(message_base, 'message/send', msg03, version=None)
        e['message_mode'] = rm
        p.check(rm['json']['result'].get('kind') == 'message' and rm['json']['result'].get('role') == 'agent', 'message mode: kind "message", role "agent"')

    async def versions(e):
        for label, ver in [('missing', None), ('0.3', '0.3'), ('1.1', '1.1'), ('1.0.0', '1.0.0'), ('2.0', '2.0'), ('empty', '')]:
            r = await p.rpc(base, 'GetTask', {'id': state['task']['id']}, version=ver)
            e[f'GetTask_version_{label}'] = r
            e.setdefault('summary', {})[label] = code(r) or 'ok'
        s = e['summary']
        p.check(s['missing'] == -32009 and s['0.3'] == -32009 and s['2.0'] == -32009, '-32009 for a 1.0 method without A2A-Version, with 0.3 or 2.0', s)
        p.check(s['1.1'] == 'ok' and s['1.0.0'] == 'ok', 'same major (1.1, 1.0.0) is accepted', s)
        r = await p.rpc(base, 'SendStreamingMessage', msg10, version=None, stream=True)
        e['stream_without_version'] = r
        p.check(r['content_type'].startswith('application/json') and code(r) == -32009, 'streaming method without A2A-Version: plain JSON -32009', r['content_type'])

    async def errors(e):
        tid = state['task']['id']
        cases = {
            'GetTask unknown': ('GetTask', {'id': 'nope'}, '1.0'),
            'CancelTask unknown': ('CancelTask', {'id': 'nope'}, '1.0'),
            'CancelTask completed': ('CancelTask', {'id': tid}, '1.0'),
            'tasks/get unknown': ('tasks/get', {'id': 'nope'}, None),
            'tasks/cancel completed': ('tasks/cancel', {'id': tid}, None),
            'unknown method': ('NoSuchMethod', {}, '1.0'),
            'tasks/list (0.3 name)': ('tasks/list', {}, None),
            'GetTask bad params type': ('GetTask', {'id': {'x': 1}}, '1.0'),
            'GetTask negative historyLength': ('GetTask', {'id': tid, 'historyLength': -1}, '1.0'),
            'ListTasks pageSize 0': ('ListTasks', {'pageSize': 0}, '1.0'),
            'ListTasks pageSize 101': ('ListTasks', {'pageSize': 101}, '1.0'),
            'SendMessage no message': ('SendMessage', {}, '1.0'),
            'SendMessage lowercase role': ('SendMessage', {'message': {'messageId': 'x', 'role': 'user', 'parts': [{'text': 'a'}]}}, '1.0'),
            'SendMessage 0.3 kind in part': ('SendMessage', {'message': {'messageId': 'x', 'role': 'ROLE_USER', 'parts': [{'kind': 'text', 'text': 'a'}]}}, '1.0'),
            'message/send bad params': ('message/send', {'message': {'parts': 'x'}}, None),
            'GetExtendedAgentCard': ('GetExtendedAgentCard', {}, '1.0'),
            'CreateTaskPushNotificationConfig': ('CreateTaskPushNotificationConfig', {'taskId': tid, 'url': 'http://127.0.0.1:9/x'}, '1.0'),
        }
        summary = {}
        for label, (method, params, ver) in cases.items():
            r = await p.rpc(base, method, params, version=ver)
            e[label] = r
            j = r.get('json') or {}
            summary[label] = {'http': r['status'], 'code': code(r), 'message': (j.get('error') or {}).get('message'),
                              'result': 'result' in j}
        e['summary'] = summary
        for label, body in {
            'parse error': b'{not json',
            'no jsonrpc member': {'id': 1, 'method': 'GetTask', 'params': {'id': tid}},
            'jsonrpc 1.0': {'jsonrpc': '1.0', 'id': 1, 'method': 'GetTask', 'params': {'id': tid}},
            'batch': [{'jsonrpc': '2.0', 'id': 1, 'method': 'GetTask', 'params': {'id': tid}}],
            'no method': {'jsonrpc': '2.0', 'id': 1},
            'notification (no id)': {'jsonrpc': '2.0', 'method': 'GetTask', 'params': {'id': tid}},
        }.items():
            r = await p.rpc(base, '', body=body)
            e[label] = r
            j = r.get('json') or {}
            summary[label] = {'http': r['status'], 'code': code(r), 'message': (j.get('error') or {}).get('message'),
                              'id': j.get('id', '<absent>') if isinstance(j, dict) else None, 'result': 'result' in j if isinstance(j, dict) else None}
        async with httpx.AsyncClient(transport=RecordingTransport(p), timeout=STEP_TIMEOUT) as raw:
            g = await raw.get(base.rstrip('/') + '/')
            summary['GET on the RPC path'] = {'http': g.status_code, 'body': g.text[:80]}
        exp = {'GetTask unknown': -32001, 'CancelTask unknown': -32001, 'CancelTask completed': -32002, 'tasks/get unknown': -32001,
               'tasks/cancel completed': -32002, 'unknown method': -32601, 'tasks/list (0.3 name)': -32601,
               'GetTask bad params type': -32602, 'ListTasks pageSize 0': -32602, 'ListTasks pageSize 101': -32602,
               'parse error': -32700, 'no jsonrpc member': -32600, 'batch': -32600}
        for label, c in exp.items():
            p.check(summary[label]['code'] == c, f'{label} -> {c}', summary[label])
        p.check(all(s.get('http') == 200 for k, s in summary.items() if k != 'GET on the RPC path'), 'every JSON-RPC error is HTTP 200')

    async def sse_10(e):
        r = await p.rpc(base, 'SendStreamingMessage', msg10, stream=True)
        e['response'] = r
        p.check(r['content_type'].startswith('text/event-stream'), 'text/event-stream', r['content_type'])
        results = [ev['data']['result'] for ev in r['sse'] if isinstance(ev.get('data'), dict) and 'result' in ev['data']]
        p.check(all(strict(x, a2a_pb2.StreamResponse) is None for x in results), 'every event result is strict StreamResponse',
                [strict(x, a2a_pb2.StreamResponse) for x in results])
        p.check([next(iter(x)) for x in results][0] == 'task' and 'final' not in json.dumps(results), 'first {"task"}, no "final" member',
                [next(iter(x)) for x in results])
        p.check(all(set(ev) <= {'data'} for ev in r['sse']), 'events carry only data: lines (no event:/id:)', r['sse'][:1])
        state['sse_task'] = results[0]['task']['id']
        rs = await p.rpc(base, 'SubscribeToTask', {'id': state['sse_task']}, stream=True)
        e['subscribe_terminal'] = rs
        p.check(rs['content_type'].startswith('application/json') and code(rs) == -32004, 'SubscribeToTask on a terminal task: plain JSON -32004',
                rs.get('json'))
        rm = await p.rpc(message_base, 'SendStreamingMessage', msg10, stream=True)
        e['message_mode'] = rm

    async def sse_03(e):
        r = await p.rpc(base, 'message/stream', msg03, version=None, stream=True)
        e['response'] = r
        results = [ev['data']['result'] for ev in r['sse'] if isinstance(ev.get('data'), dict) and 'result' in ev['data']]
        kinds = [x.get('kind') for x in results]
        e['kinds'] = kinds
        p.check(kinds[0] == 'task' and kinds[-1] == 'status-update' and results[-1].get('final') is True, '0.3: kinds task ... status-update with final:true', kinds)
        rs = await p.rpc(base, 'tasks/resubscribe', {'id': results[0]['id']}, version=None, stream=True)
        e['resubscribe_terminal'] = rs
        p.check(code(rs) is not None, '0.3 tasks/resubscribe on a terminal task is an error', rs.get('sse') or rs.get('json'))
        rm = await p.rpc(message_base, 'message/stream', msg03, version=None, stream=True)
        e['message_mode'] = rm

    async def no_streaming(e):
        if not nostream_base:
            return
        r = await p.rpc(nostream_base, 'SendStreamingMessage', msg10, stream=True)
        e['stream_10'] = r
        r3 = await p.rpc(nostream_base, 'message/stream', msg03, version=None, stream=True)
        e['stream_03'] = r3
        e['summary'] = {'1.0': {'ct': r['content_type'], 'code': code(r)}, '0.3': {'ct': r3['content_type'], 'code': code(r3)}}
        p.check(code(r) == -32004, 'streaming:false card -> SendStreamingMessage -32004', e['summary'])

    for name, fn in [('send_1.0', send_10), ('send_0.3', send_03), ('versions', versions), ('errors', errors),
                     ('sse_1.0', sse_10), ('sse_0.3', sse_03), ('no_streaming', no_streaming)]:
        await p.run_step(f'raw/{name}', fn)


class _SlowStream(httpx.AsyncByteStream):
    """An SSE body that sends its events and then stays open (a server that never closes)."""

    def __init__(self, body: bytes, hold: float) -> None:
        self.body = body
        self.hold = hold

    async def __aiter__(self):
        yield self.body
        await asyncio.sleep(self.hold)


def _card(version: str, streaming: bool = True) -> a2a_pb2.AgentCard:
    return a2a_pb2.AgentCard(
        name='mock', description='mock', version='1',
        supported_interfaces=[a2a_pb2.AgentInterface(url='http://mock.invalid/', protocol_binding='JSONRPC', protocol_version=version)],
        capabilities=a2a_pb2.AgentCapabilities(streaming=streaming),
    )


async def steps_tolerance(p: Probe) -> None:
    """What the 1.3.0 client accepts from a server: canned answers through httpx.MockTransport."""
    task10 = {'id': 't1', 'contextId': 'c1', 'status': {'state': 'TASK_STATE_COMPLETED'}}
    task03 = {'kind': 'task', 'id': 't1', 'contextId': 'c1', 'status': {'state': 'completed'}}

    def sse(*events: Any, sep: str = '\r\n', extra: str = '') -> bytes:
        return ''.join(f'{extra}data: {json.dumps({"jsonrpc": "2.0", "id": "x", "result": ev})}{sep}{sep}' for ev in events).encode()

    cases: list[tuple[str, str, str, Any, Any]] = [
        # (label, version, call, response: (status, content-type, body) or callable, expectation)
        ('1.0 send: wrapped task', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': task10}}), 'ok'),
        ('1.0 send: bare task (0.3 shape)', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': task10}), 'error'),
        ('1.0 send: wrapped, kind + lowercase state', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': task03}}), 'observe'),
        ('1.0 send: unknown extra members', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': {**task10, 'x-extra': 1}}, 'extra': 2}), 'ok'),
        ('1.0 send: id mismatch in response', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'other', 'result': {'task': task10}}), 'observe'),
        ('1.0 send: no jsonrpc member', '1.0', 'send', (200, 'application/json', {'id': 'x', 'result': {'task': task10}}), 'observe'),
        ('1.0 send: timestamp without fraction', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': {**task10, 'status': {'state': 'TASK_STATE_COMPLETED', 'timestamp': '2026-01-02T03:04:05Z'}}}}), 'ok'),
        ('1.0 send: timestamp with +00:00', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': {**task10, 'status': {'state': 'TASK_STATE_COMPLETED', 'timestamp': '2026-01-02T03:04:05.123+00:00'}}}}), 'observe'),
        ('1.0 send: timestamp without zone', '1.0', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': {**task10, 'status': {'state': 'TASK_STATE_COMPLETED', 'timestamp': '2026-01-02T03:04:05'}}}}), 'observe'),
        ('1.0 get: error -32001 at HTTP 200', '1.0', 'get', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'error': {'code': -32001, 'message': 'Task not found'}}), 'TaskNotFoundError'),
        ('1.0 get: error -32001 at HTTP 404', '1.0', 'get', (404, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'error': {'code': -32001, 'message': 'Task not found'}}), 'observe'),
        ('1.0 get: unknown error code', '1.0', 'get', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'error': {'code': -32099, 'message': 'custom'}}), 'observe'),
        ('1.0 list: without nextPageToken', '1.0', 'list', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'tasks': [task10]}}), 'ok'),
        ('1.0 stream: closes after terminal', '1.0', 'stream', (200, 'text/event-stream', sse({'task': {**task10, 'status': {'state': 'TASK_STATE_WORKING'}}}, {'statusUpdate': {'taskId': 't1', 'contextId': 'c1', 'status': {'state': 'TASK_STATE_COMPLETED'}}})), 'ok'),
        ('1.0 stream: LF separators, event:/id: lines', '1.0', 'stream', (200, 'text/event-stream', sse({'task': task10}, sep='\n', extra='event: message\nid: 1\n')), 'ok'),
        ('1.0 stream: final:true member', '1.0', 'stream', (200, 'text/event-stream', sse({'statusUpdate': {'taskId': 't1', 'contextId': 'c1', 'status': {'state': 'TASK_STATE_COMPLETED'}, 'final': True}})), 'ok'),
        ('1.0 stream: 0.3 kind events', '1.0', 'stream', (200, 'text/event-stream', sse(task03)), 'observe'),
        ('1.0 stream: stays open after terminal', '1.0', 'stream',
         lambda: httpx.Response(200, headers={'content-type': 'text/event-stream'}, stream=_SlowStream(sse({'task': task10}), 30)), 'observe'),
        ('1.0 stream: JSON error instead of SSE', '1.0', 'stream', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'error': {'code': -32004, 'message': 'no'}}), 'UnsupportedOperationError'),
        ('1.0 stream: error event', '1.0', 'stream', (200, 'text/event-stream', b'event: error\r\ndata: {"jsonrpc":"2.0","id":"x","error":{"code":-32001,"message":"gone"}}\r\n\r\n'), 'TaskNotFoundError'),
        ('0.3 send: bare task with kind', '0.3', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': task03}), 'ok'),
        ('0.3 send: task without kind', '0.3', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {k: v for k, v in task03.items() if k != 'kind'}}), 'ok'),
        ('0.3 send: 1.0 wrapped task', '0.3', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {'task': task10}}), 'observe'),
        ('0.3 send: TASK_STATE_ enum', '0.3', 'send', (200, 'application/json', {'jsonrpc': '2.0', 'id': 'x', 'result': {**task03, 'status': {'state': 'TASK_STATE_COMPLETED'}}}), 'observe'),
        ('0.3 stream: status-update without final', '0.3', 'stream', (200, 'text/event-stream', sse(task03, {'kind': 'status-update', 'taskId': 't1', 'contextId': 'c1', 'status': {'state': 'completed'}})), 'observe'),
    ]

    for label, version, call, answer, expect in cases:
        async def one(e, version=version, call=call, answer=answer, expect=expect):
            seen: list = []

            def handler(request: httpx.Request) -> httpx.Response:
                seen.append({'headers': dict(request.headers), 'json': json.loads(request.content or b'null')})
                if callable(answer):
                    return answer()
                status, ctype, body = answer
                content = body if isinstance(body, bytes) else json.dumps(body).encode()
                return httpx.Response(status, headers={'content-type': ctype}, content=content)

            http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
            client = ClientFactory(ClientConfig(streaming=call == 'stream', httpx_client=http)).create(_card(version))
            try:
                if call in ('send', 'stream'):
                    coro = collect(client.send_message(send_request(user_message('x'))))
                elif call == 'get':
                    coro = client.get_task(a2a_pb2.GetTaskRequest(id='t1'))
                else:
                    coro = client.list_tasks(a2a_pb2.ListTasksRequest())
                value = await asyncio.wait_for(coro, timeout=3)
                e['outcome'] = 'ok'
                e['value'] = [pb(x) for x in value] if isinstance(value, list) else pb(value)
            except asyncio.TimeoutError:
                e['outcome'] = 'hang (client still waiting after 3 s)'
            except Exception as exc:  # noqa: BLE001
                e['outcome'] = 'error'
                e['error'] = err(exc)
            finally:
                await client.close()
                await http.aclose()
            e['sent'] = seen[:1]
            got = e['outcome'] if e['outcome'] != 'error' else e['error']['type']
            if expect == 'observe':
                p.check(True, f'observed: {got}' + (f' -- {e["error"]["message"][:120]}' if e['outcome'] == 'error' else
                                                     f' -- {json.dumps(e.get("value"))[:160]}' if e['outcome'] == 'ok' else ''))
            elif expect == 'error':
                p.check(e['outcome'] == 'error', f'refused: {got}' + (f' -- {e["error"]["message"][:120]}' if e['outcome'] == 'error' else ''), e.get('value'))
            else:
                p.check(got == expect, f'{expect}', e.get('error') or e.get('value'))

        await p.run_step(f'tolerance/{label}', one)


# ----------------------------------------------------------------------------- main


async def amain(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix='a2a-probe-'))
    out.mkdir(parents=True, exist_ok=True)
    bearer = os.environ.get(args.bearer_env) if args.bearer_env else None
    if args.bearer_env and not bearer:
        print(f'probe: --bearer-env {args.bearer_env}: that variable is empty or not set', file=sys.stderr)
        return 2
    p = Probe(out, bearer)
    agents: list[Agent] = []
    token = 'probe-secret-token'
    lifetime = args.timeout + 30
    try:
        if args.target:
            bases = {'task': args.target.rstrip('/')}
        else:
            specs = {
                'task': ['--mode', 'task', '--chunks', '3'],
                'message': ['--mode', 'message'],
                'bearer': ['--mode', 'task', '--require-bearer', token],
                'card03': ['--mode', 'task', '--versions', '0.3'],
                'nostream': ['--mode', 'task', '--no-streaming'],
            }
            bases = {}
            for name, extra in specs.items():
                agent = Agent(name, extra, lifetime)
                agents.append(agent)
                bases[name] = agent.start()
            print(f'probe: echo agents {bases}', flush=True)
        versions = ['1.0', '0.3'] if args.versions == 'both' else [args.versions]
        for v in versions:
            await steps_client(p, bases['task'], v, bases.get('message'), echo=not args.target)
        if args.target and bearer:
            await steps_bearer(p, bases['task'], bearer)
        if not args.target:
            # A card that lists only a 0.3 interface: the factory negotiates 0.3 from it.
            async def served_03(e):
                resp = await p.http.get(bases['card03'] + '/.well-known/agent-card.json')
                e['served_card'] = resp.json()
                client = await create_client(bases['card03'], client_config=p.config(streaming=True))
                e['transport'] = type(client._transport).__name__  # noqa: SLF001
                p.check(e['transport'] == 'CompatJsonRpcTransport', 'a card listing only 0.3 makes the client talk 0.3', e['transport'])
                events = await collect(client.send_message(send_request(user_message('via 0.3 card'))))
                p.check(events[-1].status_update.status.state == a2a_pb2.TaskState.TASK_STATE_COMPLETED, 'streamed to completion')
                await client.close()

            await p.run_step('card03/negotiation', served_03)
            await steps_bearer(p, bases['bearer'], token)
            await steps_raw(p, bases['task'], bases['message'], bases.get('nostream'))
        if not args.target or args.tolerance:
            await steps_tolerance(p)
    finally:
        await p.http.aclose()
        for agent in agents:
            agent.stop()
        with open(out / 'exchanges.jsonl', 'w', encoding='utf-8') as fh:
            for x in p.exchanges:
                fh.write(json.dumps(x, ensure_ascii=False) + '\n')
        with open(out / 'results.json', 'w', encoding='utf-8') as fh:
            json.dump(p.results, fh, indent=1, ensure_ascii=False, default=str)
    print(f'probe: wrote {out}/exchanges.jsonl ({len(p.exchanges)} exchanges) and {out}/results.json', flush=True)
    print(f'{p.passed} passed, {p.failed} failed', flush=True)
    return 0 if p.failed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', help='directory for exchanges.jsonl and results.json')
    parser.add_argument('--target', help='base URL of a server to probe instead of the echo agents')
    parser.add_argument('--versions', choices=['both', '1.0', '0.3'], default='both')
    parser.add_argument('--timeout', type=float, default=120.0, help='cap on the whole run, seconds')
    parser.add_argument('--tolerance', action='store_true', help='with --target: also run the in-process client-tolerance cases')
    parser.add_argument('--bearer-env', metavar='VAR', help='with --target: send the token in $VAR as a bearer, and run the bearer steps')
    args = parser.parse_args()
    if args.bearer_env and not args.target:
        parser.error('--bearer-env needs --target')
    try:
        return asyncio.run(asyncio.wait_for(amain(args), timeout=args.timeout))
    except asyncio.TimeoutError:
        print(f'probe: gave up after {args.timeout} s', file=sys.stderr)
        print('0 passed, 1 failed')
        return 1


if __name__ == '__main__':
    sys.exit(main())
