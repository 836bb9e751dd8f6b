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
# All of it (the lock wait, venv creation, every pip attempt and the pauses between them) fits
# in A2UI_ENV_SECONDS (default 120; a build takes ~15 s): each step gets what is left (TERM, then
# KILL 5 s later); an install that runs out of it is a skip, a lock not had within it exit 1.
# Environment: CAR_VENV_ROOT overrides the directory (default: <repo>/.venv).
set -euo pipefail
exec </dev/null
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${CAR_VENV_ROOT:-$repo/.venv}
python=${PYTHON:-python3}
venv=$root/a2ui
sdk_version=0.9.0
core_version=0.4.0
budget=${A2UI_ENV_SECONDS:-120}
deadline=$((SECONDS + budget))

# What is left of the budget, less the 5 s KILL grace of `bounded`.
left() { echo $((deadline - SECONDS - 5)); }
# COMMAND... with what is left of the budget; 124 when nothing is.
bounded() {
  local n
  n=$(left)
  [ "$n" -gt 0 ] || return 124
  timeout -k 5 "$n" "$@"
}

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_WARN_SCRIPT_LOCATION=1 PYTHONDONTWRITEBYTECODE=1
unset PIP_REQUIRE_VIRTUALENV PYTHONHOME PYTHONPATH 2>/dev/null || true

mkdir -p "$root"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.a2ui-env.lock"
  wait=$(left)
  [ "$wait" -gt 0 ] || wait=1
  flock -w "$wait" 9 || { echo "a2ui-env: could not lock $root within $wait s (budget A2UI_ENV_SECONDS=$budget)" >&2; exit 1; }
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
  status=0
  bounded "$python" -m venv "$venv" >"$log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    cat "$log" >&2
    if [ "$status" = 124 ]; then
      echo "a2ui-env: '$python -m venv' did not finish within the $budget s budget" >&2
    else
      echo "a2ui-env: '$python -m venv' failed (is python3-venv installed?)" >&2
    fi
    rm -rf "$venv"
    exit 1
  fi
  ok=
  for attempt in 1 2 3; do
    if bounded "$venv/bin/python" -m pip install --quiet --no-cache-dir --timeout 30 \
        "a2ui-agent-sdk==$sdk_version" "a2ui-core==$core_version" >>"$log" 2>&1; then
      ok=1
      break
    fi
    echo "a2ui-env: pip install failed (attempt $attempt of 3, $(left) s of the budget left)" >&2
    if [ "$attempt" = 3 ] || [ "$(left)" -le $((attempt * 5 + 10)) ]; then break; fi
    sleep $((attempt * 5))
  done
  if [ -z "$ok" ] || ! healthy; then
    tail -n 30 "$log" >&2
    rm -rf "$venv"
    echo "a2ui-env: skipped: could not install a2ui-agent-sdk==$sdk_version a2ui-core==$core_version from PyPI within $budget s (see stderr)"
    exit 0
  fi
  rm -f "$log"
fi

echo "$venv"
