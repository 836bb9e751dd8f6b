#!/usr/bin/env bash
# Creates, once, the Python environments the client checks use, under the git-ignored .venv/:
#   .venv/car-0.58.0   the official client car-runtime==0.58.0 (wire protocol v3)
#   .venv/car-0.48.0   the official client car-runtime==0.48.0 (wire protocol v2)
# A venv whose python imports the right car-runtime version is reused as it is; anything else
# (missing, half-built, other version, broken interpreter link) is rebuilt from scratch.
# Prints the absolute venv paths, one per line, on stdout; progress goes to stderr and only
# when something is installed. Needs python3 (3.11) with venv, and PyPI. Safe to run
# repeatedly and concurrently (a lock serialises builders); needs no terminal or stdin.
# Environment: CAR_VENV_ROOT overrides the directory (default: <repo>/.venv).
set -euo pipefail
exec </dev/null
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${CAR_VENV_ROOT:-$repo/.venv}
python=${PYTHON:-python3}
versions=(0.58.0 0.48.0)

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_WARN_SCRIPT_LOCATION=1 PYTHONDONTWRITEBYTECODE=1
unset PIP_REQUIRE_VIRTUALENV PYTHONHOME PYTHONPATH 2>/dev/null || true

mkdir -p "$root"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$root/.python-env.lock"
  flock -w 900 9 || { echo "python-env: could not lock $root within 15 min" >&2; exit 1; }
fi

# True when the venv's own interpreter runs and has exactly car-runtime==$2 installed.
has_version() {
  local venv=$1 version=$2
  [ -x "$venv/bin/python" ] || return 1
  "$venv/bin/python" - "$version" >/dev/null 2>&1 <<'PY'
import importlib.metadata as metadata, sys
sys.exit(0 if metadata.version("car-runtime") == sys.argv[1] else 1)
PY
}

for version in "${versions[@]}"; do
  venv=$root/car-$version
  if has_version "$venv" "$version"; then
    continue
  fi
  echo "python-env: installing car-runtime==$version into $venv" >&2
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" >"$root/.python-env-$version.log" 2>&1; then
    cat "$root/.python-env-$version.log" >&2
    echo "python-env: '$python -m venv' failed (is python3-venv installed?)" >&2
    exit 1
  fi
  ok=
  for attempt in 1 2 3; do
    if "$venv/bin/python" -m pip install --quiet --no-cache-dir "car-runtime==$version" \
        >>"$root/.python-env-$version.log" 2>&1; then
      ok=1
      break
    fi
    echo "python-env: pip install car-runtime==$version failed (attempt $attempt of 3)" >&2
    [ "$attempt" = 3 ] || sleep $((attempt * 5))
  done
  if [ -z "$ok" ] || ! has_version "$venv" "$version"; then
    tail -n 30 "$root/.python-env-$version.log" >&2
    echo "python-env: could not install car-runtime==$version" >&2
    rm -rf "$venv"
    exit 1
  fi
  # A marker for humans and for tools that only look at files; has_version() is the real check.
  touch "$venv/.car-runtime-$version"
  rm -f "$root/.python-env-$version.log"
done

for version in "${versions[@]}"; do
  echo "$root/car-$version"
done
