#!/usr/bin/env bash
# Creates, once, the Python environment the A2A peer tests use, under the git-ignored .venv/:
#   .venv/a2a   the official A2A SDK as client, server and 1.0 oracle:
#               a2a-sdk[http-server]==1.3.0 (starlette + sse-starlette) and uvicorn to serve it.
# The packages that decide what goes on the wire are pinned (see `pins` below) so captured facts
# stay reproducible; their own dependencies float.
# A venv whose python has exactly those versions and imports the SDK's client, its JSON-RPC
# server routes (with the 0.3 compatibility adapter), the 1.0 protobuf types and uvicorn is reused
# as it is; anything else (missing, half-built, other versions, broken interpreter link) is rebuilt
# from scratch.
# Prints the absolute path of the venv's python on stdout; progress goes to stderr and only when
# something is installed. Safe to run repeatedly and concurrently (a lock serialises builders);
# needs no terminal or stdin. Bounded: each pip run is capped by `timeout`.
# Exit codes:
#   0  ready; stdout is the python path
#   3  the packages could not be installed (no network, PyPI refused, ...); stderr has one line
#      starting "a2a-sdk unavailable:" so callers can skip with a notice
#   1  any other failure (no python3, no venv module, lock timeout, ...)
# Environment: CAR_VENV_ROOT overrides the directory (default: <repo>/.venv); PYTHON the
# interpreter used to create the venv (default: python3); A2A_ENV_PIP_TIMEOUT the cap in seconds
# per pip attempt (default: 240).
set -euo pipefail
exec </dev/null
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${CAR_VENV_ROOT:-$repo/.venv}
python=${PYTHON:-python3}
venv=$root/a2a
pip_timeout=${A2A_ENV_PIP_TIMEOUT:-240}
# name==version; the first is installed with the http-server extra.
pins=(
  "a2a-sdk==1.3.0"
  "uvicorn==0.55.0"
  "starlette==1.10.0"
  "sse-starlette==3.7.1"
  "httpx==0.29.0"
  "protobuf==7.36.2"
)

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_WARN_SCRIPT_LOCATION=1 PYTHONDONTWRITEBYTECODE=1
unset PIP_REQUIRE_VIRTUALENV PYTHONHOME PYTHONPATH 2>/dev/null || true

command -v "$python" >/dev/null 2>&1 || { echo "a2a-env: '$python' not found" >&2; exit 1; }
mkdir -p "$root" || { echo "a2a-env: cannot create $root" >&2; exit 1; }
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.a2a-env.lock"
  flock -w 900 9 || { echo "a2a-env: could not lock $root within 15 min" >&2; exit 1; }
fi

# True when the venv's own interpreter runs, has exactly the pinned versions, and imports what
# the echo agent, the probe and the oracle use.
healthy() {
  [ -x "$venv/bin/python" ] || return 1
  timeout 60 "$venv/bin/python" - "${pins[@]}" >/dev/null 2>&1 <<'PY'
import importlib.metadata as metadata, sys
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    if metadata.version(name) != version:
        sys.exit(1)
import uvicorn  # noqa: F401
from a2a.client import ClientConfig, create_client  # noqa: F401
from a2a.compat.v0_3.jsonrpc_transport import CompatJsonRpcTransport  # noqa: F401
from a2a.server.request_handlers import DefaultRequestHandler  # noqa: F401
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes  # noqa: F401
from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
from a2a.types import a2a_pb2
from google.protobuf.json_format import ParseDict
ParseDict({"task": {"id": "t", "status": {"state": "TASK_STATE_COMPLETED"}}}, a2a_pb2.SendMessageResponse())
assert JsonRpcDispatcher  # the 0.3 adapter is imported by the dispatcher module
PY
}

if ! healthy; then
  echo "a2a-env: installing ${pins[*]} into $venv" >&2
  started=$SECONDS
  rm -rf "$venv"
  log=$root/.a2a-env.log
  if ! timeout 120 "$python" -m venv "$venv" >"$log" 2>&1; then
    cat "$log" >&2
    echo "a2a-env: '$python -m venv' failed (is python3-venv installed?)" >&2
    rm -rf "$venv"
    exit 1
  fi
  specs=("a2a-sdk[http-server]==${pins[0]#*==}" "${pins[@]:1}")
  ok=
  for attempt in 1 2 3; do
    if timeout "$pip_timeout" "$venv/bin/python" -m pip install --quiet --no-cache-dir \
        --timeout 30 --retries 2 "${specs[@]}" >>"$log" 2>&1; then
      ok=1
      break
    fi
    echo "a2a-env: pip install failed (attempt $attempt of 3)" >&2
    # A refusal answers at once and will not change; only a time-out is worth another try.
    if grep -qiE "No matching distribution|Could not find a version|403|404 Client Error" "$log"; then
      break
    fi
    [ "$attempt" = 3 ] || sleep $((attempt * 5))
  done
  if [ -z "$ok" ] || ! healthy; then
    tail -n 30 "$log" >&2
    rm -rf "$venv"
    reason="could not install ${specs[*]} from PyPI"
    [ -n "$ok" ] && reason="installed ${specs[*]} but the SDK does not import"
    echo "a2a-sdk unavailable: $reason (see the pip log above)" >&2
    exit 3
  fi
  rm -f "$log"
  echo "a2a-env: ready in $((SECONDS - started)) s" >&2
fi

echo "$venv/bin/python"
