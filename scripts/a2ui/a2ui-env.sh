#!/usr/bin/env bash
# Creates, once, the Python environment the A2UI oracle uses, under the git-ignored .venv/:
#   .venv/a2ui   the official A2UI validator: a2ui-agent-sdk==0.9.0 with a2ui-core==0.4.0
#                (from a2ui.utils.validation import validate_payload)
# A venv whose python has exactly those versions and imports the validator and the v0.9 basic
# catalog is reused as it is; anything else (missing, half-built, other versions, broken
# interpreter link) is rebuilt from scratch.
# Prints the absolute venv path on stdout; progress goes to stderr and only when something is
# installed. Safe to run repeatedly and concurrently (a lock serialises builders); needs no
# terminal or stdin.
# When PyPI cannot be reached (or the install fails) it prints one line starting
# "a2ui-env: skipped" on stdout and exits 0, so callers can record a skip instead of a failure.
# A missing python3/venv module is a real error (exit 1).
# Environment: CAR_VENV_ROOT overrides the directory (default: <repo>/.venv).
set -euo pipefail
exec </dev/null
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${CAR_VENV_ROOT:-$repo/.venv}
python=${PYTHON:-python3}
venv=$root/a2ui
sdk_version=0.9.0
core_version=0.4.0

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_WARN_SCRIPT_LOCATION=1 PYTHONDONTWRITEBYTECODE=1
unset PIP_REQUIRE_VIRTUALENV PYTHONHOME PYTHONPATH 2>/dev/null || true

mkdir -p "$root"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.a2ui-env.lock"
  flock -w 900 9 || { echo "a2ui-env: could not lock $root within 15 min" >&2; exit 1; }
fi

# True when the venv's own interpreter runs, has exactly the pinned versions, and imports the
# validator and the v0.9 basic catalog.
healthy() {
  [ -x "$venv/bin/python" ] || return 1
  "$venv/bin/python" - "$sdk_version" "$core_version" >/dev/null 2>&1 <<'PY'
import importlib.metadata as metadata, sys
if metadata.version("a2ui-agent-sdk") != sys.argv[1] or metadata.version("a2ui-core") != sys.argv[2]:
    sys.exit(1)
from a2ui.utils.validation import validate_payload  # noqa: F401
from a2ui.core.basic_catalog import BasicCatalog
BasicCatalog("v0.9")
PY
}

if ! healthy; then
  echo "a2ui-env: installing a2ui-agent-sdk==$sdk_version a2ui-core==$core_version into $venv" >&2
  rm -rf "$venv"
  log=$root/.a2ui-env.log
  if ! "$python" -m venv "$venv" >"$log" 2>&1; then
    cat "$log" >&2
    echo "a2ui-env: '$python -m venv' failed (is python3-venv installed?)" >&2
    rm -rf "$venv"
    exit 1
  fi
  ok=
  for attempt in 1 2 3; do
    if "$venv/bin/python" -m pip install --quiet --no-cache-dir --timeout 30 \
        "a2ui-agent-sdk==$sdk_version" "a2ui-core==$core_version" >>"$log" 2>&1; then
      ok=1
      break
    fi
    echo "a2ui-env: pip install failed (attempt $attempt of 3)" >&2
    [ "$attempt" = 3 ] || sleep $((attempt * 5))
  done
  if [ -z "$ok" ] || ! healthy; then
    tail -n 30 "$log" >&2
    rm -rf "$venv"
    echo "a2ui-env: skipped: could not install a2ui-agent-sdk==$sdk_version a2ui-core==$core_version from PyPI (see stderr)"
    exit 0
  fi
  rm -f "$log"
fi

echo "$venv"
