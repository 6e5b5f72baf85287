#!/usr/bin/env bash
# Creates the project's virtualenv with Python 3.11, installing Debian's Python if none is found.
set -euo pipefail
venv="${1:-.venv}"
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    exit 0
fi
find_python() {
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
if ! python="$(find_python)"; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "Python 3.11 with venv is required; install it (Debian: apt-get install python3 python3-venv)" >&2
        exit 1
    fi
    echo "installing Python 3.11 from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    python="$(find_python)" || { echo "no Python 3.11 after installing python3" >&2; exit 1; }
fi
rm -rf "$venv"
"$python" -m venv "$venv"
