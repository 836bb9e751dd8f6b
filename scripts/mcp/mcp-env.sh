#!/usr/bin/env bash
# Creates, once, the Python environments the MCP checks and the MCP benchmark use, under the
# git-ignored .venv/:
#   .venv/mcp-2.3.0    the official MCP SDK mcp==2.3.0 (client: Client(url), auto mode)
#   .venv/mcp-1.30.0   the official MCP SDK mcp==1.30.0 (client: streamablehttp_client +
#                      ClientSession; server: FastMCP with uvicorn, the benchmark anchor
#                      scripts/mcp/anchor_server.py)
# A venv whose python imports exactly the right mcp version (and uvicorn, which the SDK pulls
# in for serving) is reused as it is; anything else (missing, half-built, other version, broken
# interpreter link) is rebuilt from scratch.
# Prints the absolute venv paths, one per line, on stdout, in the order above; progress goes to
# stderr and only when something is installed. Needs python3 (3.10+) with venv, and PyPI. Safe
# to run repeatedly and concurrently (a lock serialises builders); needs no terminal or stdin.
# Environment: CAR_VENV_ROOT overrides the directory (default: <repo>/.venv).
set -euo pipefail
exec </dev/null
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${CAR_VENV_ROOT:-$repo/.venv}
python=${PYTHON:-python3}
versions=(2.3.0 1.30.0)

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_WARN_SCRIPT_LOCATION=1 PYTHONDONTWRITEBYTECODE=1
unset PIP_REQUIRE_VIRTUALENV PYTHONHOME PYTHONPATH 2>/dev/null || true

mkdir -p "$root"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.mcp-env.lock"
  flock -w 900 9 || { echo "mcp-env: could not lock $root within 15 min" >&2; exit 1; }
fi

# True when the venv's own interpreter runs, has exactly mcp==$2 installed, and imports the
# client and server pieces the scripts use (2.3.0 carries its HTTP client as httpx2, 1.30.0 as
# httpx; both come through mcp.client.streamable_http).
has_version() {
  local venv=$1 version=$2
  [ -x "$venv/bin/python" ] || return 1
  "$venv/bin/python" - "$version" >/dev/null 2>&1 <<'PY'
import importlib.metadata as metadata, sys
if metadata.version("mcp") != sys.argv[1]:
    sys.exit(1)
import mcp.client.streamable_http, uvicorn  # noqa: F401
PY
}

for version in "${versions[@]}"; do
  venv=$root/mcp-$version
  if has_version "$venv" "$version"; then
    continue
  fi
  echo "mcp-env: installing mcp==$version into $venv" >&2
  rm -rf "$venv"
  log=$root/.mcp-env-$version.log
  if ! "$python" -m venv "$venv" >"$log" 2>&1; then
    cat "$log" >&2
    echo "mcp-env: '$python -m venv' failed (is python3-venv installed?)" >&2
    exit 1
  fi
  ok=
  for attempt in 1 2 3; do
    # uvicorn is a dependency of mcp in both lines; named here so a change upstream cannot
    # leave the anchor server without it.
    if "$venv/bin/python" -m pip install --quiet --no-cache-dir "mcp==$version" uvicorn \
        >>"$log" 2>&1; then
      ok=1
      break
    fi
    echo "mcp-env: pip install mcp==$version failed (attempt $attempt of 3)" >&2
    [ "$attempt" = 3 ] || sleep $((attempt * 5))
  done
  if [ -z "$ok" ] || ! has_version "$venv" "$version"; then
    tail -n 30 "$log" >&2
    echo "mcp-env: could not install mcp==$version" >&2
    rm -rf "$venv"
    exit 1
  fi
  touch "$venv/.mcp-$version"
  rm -f "$log"
done

for version in "${versions[@]}"; do
  echo "$root/mcp-$version"
done
