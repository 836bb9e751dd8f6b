#!/usr/bin/env bash
# Finds Debian's headless-capable Chromium for the dashboard browser test.
# Exit status, which callers must tell apart (cdp.find_chromium does):
#   0   a browser: its path is the last line on stdout;
#   69  no browser can be had (sysexits' EX_UNAVAILABLE): a line starting
#       "chromium-env: skipped (<reason>)" on stdout. This, and only this, is a skip;
#   any other status (a crash, a bug in this script) is a failure, never a skip.
# When it is absent and we are root with apt available, it installs Debian's `chromium`
# package (non-interactive, no stdin). Set CHROMIUM_ENV_NO_INSTALL=1 to never install.
# All of it, apt-get included, fits in CHROMIUM_ENV_SECONDS (default 240): every apt-get run
# gets what is left of that (TERM, then KILL 10 s later), and an install that runs out of it is
# a skip. Callers bound the script a little above its budget (the dashboard step in
# scripts/test-all.sh bounds the whole test above that).
set -u

UNAVAILABLE=69
budget=${CHROMIUM_ENV_SECONDS:-240}
deadline=$((SECONDS + budget))

find_browser() {
    local name path
    for name in chromium chromium-headless-shell chromium-browser; do
        path=$(command -v "$name" 2>/dev/null) && [ -x "$path" ] && { echo "$path"; return 0; }
    done
    for path in /usr/bin/chromium /usr/lib/chromium/chromium /usr/bin/chromium-headless-shell \
                /usr/lib/chromium/chromium-headless-shell; do
        [ -x "$path" ] && { echo "$path"; return 0; }
    done
    return 1
}

skip() {
    echo "chromium-env: skipped ($1)"
    exit "$UNAVAILABLE"
}

# COMMAND... with what is left of the budget (less the 10 s KILL grace); 124 when none is left.
bounded() {
    local left=$((deadline - SECONDS - 10))
    [ "$left" -gt 0 ] || return 124
    timeout -k 10 "$left" "$@"
}

if path=$(find_browser); then
    echo "$path"
    exit 0
fi

[ "${CHROMIUM_ENV_NO_INSTALL:-0}" = "1" ] && skip "chromium not installed and CHROMIUM_ENV_NO_INSTALL=1"
[ "$(id -u)" = "0" ] || skip "chromium not installed and not root, cannot apt-get install it"
command -v apt-get >/dev/null 2>&1 || skip "chromium not installed and apt-get is not available"

log=$(mktemp /tmp/chromium-env.XXXXXX.log)
export DEBIAN_FRONTEND=noninteractive
install() {
    bounded apt-get install -y --no-install-recommends chromium </dev/null >>"$log" 2>&1
}
if ! install; then
    # The package lists may be missing or stale: refresh them once and retry.
    bounded apt-get update </dev/null >>"$log" 2>&1
    install || skip "apt-get install chromium failed or did not finish within the ${budget} s budget, see $log"
fi

if path=$(find_browser); then
    rm -f "$log"
    echo "$path"
    exit 0
fi
skip "chromium installed but no binary found, see $log"
