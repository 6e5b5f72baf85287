#!/usr/bin/env bash
# The alert-rule tests run promtool and an end-to-end test runs the Prometheus server; both
# come from Debian's prometheus package, installed here when missing.
set -euo pipefail
if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
    exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
    echo "prometheus and promtool are required for the tests; install them (Debian: apt-get install prometheus)" >&2
    exit 1
fi
echo "installing prometheus from Debian's packages (alert rules and scrape tests)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
