#!/usr/bin/env bash
# Prints the Python of a virtual environment holding requirements.txt, kept under ~/.cache and
# keyed by that file, so that it is made once and reused; makes it first if it is missing.
set -euo pipefail
cd "$(dirname "$0")"
key=$(sha256sum requirements.txt | cut -c1-16)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/derive-frameworks/$key"
if [[ ! -f "$venv/complete" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --upgrade pip >&2
    "$venv/bin/pip" install -q -r requirements.txt >&2
    touch "$venv/complete"
fi
echo "$venv/bin/python"
