#!/usr/bin/env bash
# Creates (once) the Python environments the client checks need, under the git-ignored .venv/:
#   .venv/car-0.58.0  official client car-runtime==0.58.0 (wire protocol v3)
#   .venv/car-0.48.0  official client car-runtime==0.48.0 (wire protocol v2)
# Prints the venv paths, one per line. Safe to run repeatedly; works without a terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
for version in 0.58.0 0.48.0; do
  venv=.venv/car-$version
  marker=$venv/.car-runtime-$version
  if [ ! -f "$marker" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "car-runtime==$version" >&2
    touch "$marker"
  fi
  echo "$PWD/$venv"
done
