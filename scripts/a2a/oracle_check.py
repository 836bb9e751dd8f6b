#!/usr/bin/env python3
"""Checks A2A 1.0 JSON against the official SDK's protobuf types, strictly.

Reads JSON lines on stdin, each {"type": T, "value": V} (optionally "name": a label for
messages), where T is one of SendMessageResponse, Task, StreamResponse, ListTasksResponse,
AgentCard and V is what a server put in a JSON-RPC `result` (or, for AgentCard, the served
card). Exits 0 when every line passes, 1 naming the first that fails, 2 on unreadable input,
3 when the SDK is not importable (run it with the venv's python: PY=$(scripts/a2a/a2a-env.sh)).

Types prefixed `v0.3:` (v0.3:SendMessageResponse, v0.3:Task, v0.3:StreamResponse) check a 0.3
result instead, with the SDK's 0.3 pydantic models (`a2a.compat.v0_3.types`, what its 0.3 client
validates with), plus what those models would fill in by default: `kind` on every result and
`final` on a status update must be written.

Strict means: `google.protobuf.json_format.ParseDict` without `ignore_unknown_fields` (so
`kind`, `final`, lowercase states, two members of a oneof and a bare task where `{"task": ...}`
is due are refused), then the SDK's own REQUIRED-field check
(`a2a.utils.proto_utils.validate_proto_required_fields`, when this SDK has it), and for
SendMessageResponse/StreamResponse that one payload member is set.

An AgentCard may carry the 0.3 legacy members the SDK's server merges in (`url`,
`protocolVersion`, `preferredTransport`, `security`, the flat members of a security scheme).
They are checked apart: the card without them must parse strictly as a 1.0 AgentCard, the card
as served must go through the 1.3.0 client's own `parse_agent_card` and give a JSONRPC 1.0
interface, and it must validate as a 0.3 AgentCard (`a2a.compat.v0_3.types`).

    PY=$(scripts/a2a/a2a-env.sh) && "$PY" scripts/a2a/oracle_check.py < samples.jsonl
"""

from __future__ import annotations

import copy
import json
import sys

try:
    from google.protobuf.json_format import ParseDict, ParseError
    from a2a.types import a2a_pb2
    from a2a.utils import errors as a2a_errors
except ImportError as exc:  # pragma: no cover - depends on the environment
    print(f'oracle_check: a2a-sdk unavailable: {exc}', file=sys.stderr)
    sys.exit(3)

try:
    from a2a.utils.proto_utils import validate_proto_required_fields
except ImportError:  # older SDKs: ParseDict alone
    validate_proto_required_fields = None

TYPES = {
    'SendMessageResponse': a2a_pb2.SendMessageResponse,
    'Task': a2a_pb2.Task,
    'StreamResponse': a2a_pb2.StreamResponse,
    'ListTasksResponse': a2a_pb2.ListTasksResponse,
    'AgentCard': a2a_pb2.AgentCard,
}

# The members the SDK's server adds to a card for 0.3 clients (see agent_card_to_dict).
LEGACY_CARD_MEMBERS = ('url', 'protocolVersion', 'preferredTransport', 'security',
                       'additionalInterfaces', 'supportsAuthenticatedExtendedCard')
SCHEME_ONEOF = ('apiKeySecurityScheme', 'httpAuthSecurityScheme', 'oauth2SecurityScheme',
                'openIdConnectSecurityScheme', 'mtlsSecurityScheme')

V03_TYPES = {
    'v0.3:SendMessageResponse': 'SendMessageSuccessResponse',
    'v0.3:Task': 'GetTaskSuccessResponse',
    'v0.3:StreamResponse': 'SendStreamingMessageSuccessResponse',
}

MAX_LINE_BYTES = 64 << 20
MAX_LINES = 100_000


def strict(value, message_type):
    """None when `value` is exact 1.0 ProtoJSON for `message_type`, else why not."""
    try:
        msg = ParseDict(value, message_type())
        if message_type is a2a_pb2.ListTasksResponse:
            # Its REQUIRED members may hold their defaults (an empty page is `tasks: []`,
            # `nextPageToken: ""`, `totalSize: 0`, as the SDK's server sends it), which the
            # required-field check cannot tell from absent: check that they are written, and
            # the tasks' own required fields.
            missing = [k for k in ('tasks', 'nextPageToken', 'pageSize', 'totalSize') if k not in value]
            if missing:
                return f'missing members: {", ".join(missing)}'
            if validate_proto_required_fields is not None:
                for task in msg.tasks:
                    validate_proto_required_fields(task)
        elif validate_proto_required_fields is not None:
            validate_proto_required_fields(msg)
    except a2a_errors.InvalidParamsError as exc:
        return f'missing required fields: {exc.data}'
    except (ParseError, TypeError, ValueError) as exc:
        return f'{type(exc).__name__}: {exc}'
    if message_type in (a2a_pb2.SendMessageResponse, a2a_pb2.StreamResponse) \
            and msg.WhichOneof('payload') is None:
        return 'no payload member is set'
    return None


def check_v03(value, kind):
    """None when `value` is a 0.3 result the SDK's 0.3 models accept, else why not."""
    try:
        from a2a.compat.v0_3 import types as types_v03
    except ImportError as exc:
        return f'no 0.3 models in this SDK: {exc}'
    if not isinstance(value, dict) or 'kind' not in value:
        return 'a 0.3 result carries its kind'
    if value['kind'] == 'status-update' and 'final' not in value:
        return 'a 0.3 status-update carries final'
    if value['kind'] == 'artifact-update' and ('append' not in value or 'lastChunk' not in value):
        return 'a 0.3 artifact-update carries append and lastChunk (the SDK writes both)'
    if kind == 'v0.3:Task' and value['kind'] != 'task':
        return f'expected kind "task", got {value["kind"]!r}'
    try:
        getattr(types_v03, V03_TYPES[kind]).model_validate({'jsonrpc': '2.0', 'id': 1, 'result': value})
    except Exception as exc:  # noqa: BLE001 - any refusal is the finding
        return f'the 0.3 models refuse it: {exc}'
    return None


def without_legacy(card):
    """The card as a 1.0-only server would serve it."""
    card = copy.deepcopy(card)
    for key in LEGACY_CARD_MEMBERS:
        card.pop(key, None)
    for scheme in (card.get('securitySchemes') or {}).values():
        if isinstance(scheme, dict) and any(k in scheme for k in SCHEME_ONEOF):
            for key in [k for k in scheme if k not in SCHEME_ONEOF]:
                del scheme[key]
    return card


def check_card(card):
    if not isinstance(card, dict):
        return 'the card is not an object'
    problem = strict(without_legacy(card), a2a_pb2.AgentCard)
    if problem:
        return f'as 1.0: {problem}'
    try:
        from a2a.client.card_resolver import parse_agent_card
        parsed = parse_agent_card(copy.deepcopy(card))
    except Exception as exc:  # noqa: BLE001 - any refusal is the finding
        return f'the 1.3.0 client refuses it: {type(exc).__name__}: {exc}'
    versions = [(i.protocol_binding, i.protocol_version) for i in parsed.supported_interfaces]
    if not any(b == 'JSONRPC' and v.split('.')[:2] == ['1', '0'] for b, v in versions):
        return f'the 1.3.0 client finds no JSONRPC 1.0 interface in {versions}'
    try:
        from a2a.compat.v0_3 import types as types_v03
    except ImportError:
        return None
    try:
        types_v03.AgentCard.model_validate(card)
    except Exception as exc:  # noqa: BLE001
        return f'as 0.3: {exc}'
    return None


def main():
    checked = 0
    for number, line in enumerate(sys.stdin, start=1):
        if number > MAX_LINES:
            print(f'oracle_check: more than {MAX_LINES} lines; stopping', file=sys.stderr)
            return 2
        if len(line) > MAX_LINE_BYTES:
            print(f'oracle_check: line {number} is over {MAX_LINE_BYTES} bytes', file=sys.stderr)
            return 2
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            kind = entry['type']
            value = entry['value']
        except (ValueError, KeyError, TypeError) as exc:
            print(f'oracle_check: line {number} is not {{"type", "value"}}: {exc}', file=sys.stderr)
            return 2
        label = f'line {number} ({kind}{", " + str(entry["name"]) if entry.get("name") else ""})'
        if kind not in TYPES and kind not in V03_TYPES:
            print(f'FAIL {label}: unknown type; expected one of {", ".join([*TYPES, *V03_TYPES])}')
            return 1
        if kind in V03_TYPES:
            problem = check_v03(value, kind)
        elif kind == 'AgentCard':
            problem = check_card(value)
        else:
            problem = strict(value, TYPES[kind])
        if problem:
            print(f'FAIL {label}: {problem}')
            print(f'     value: {json.dumps(value)[:2000]}')
            return 1
        checked += 1
    print(f'oracle_check: {checked} value(s) passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
