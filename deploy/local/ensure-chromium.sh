#!/usr/bin/env bash
# The dashboard's browser test drives Debian's chromium (Playwright never downloads a browser
# here); install it from Debian's packages when it is missing.
set -euo pipefail
chromium="${HANDOFF_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
    exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
    echo "chromium is required for the dashboard test; install it (Debian: apt-get install chromium)" >&2
    exit 1
fi
echo "installing chromium from Debian's packages (dashboard browser test)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
