#!/usr/bin/env bash
# Finds Debian's headless-capable Chromium for the dashboard browser test.
# Prints the binary's path on stdout and exits 0; or, when no browser can be had, prints a
# line starting "chromium-env: skipped (<reason>)" and still exits 0, so callers can skip.
# When it is absent and we are root with apt available, it installs Debian's `chromium`
# package (non-interactive, no stdin). Set CHROMIUM_ENV_NO_INSTALL=1 to never install.
set -u

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
    exit 0
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
    timeout 900 apt-get install -y --no-install-recommends chromium </dev/null >>"$log" 2>&1
}
if ! install; then
    # The package lists may be missing or stale: refresh them once and retry.
    timeout 300 apt-get update </dev/null >>"$log" 2>&1
    install || skip "apt-get install chromium failed, see $log"
fi

if path=$(find_browser); then
    rm -f "$log"
    echo "$path"
    exit 0
fi
skip "chromium installed but no binary found, see $log"
