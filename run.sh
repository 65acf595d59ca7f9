#!/usr/bin/env bash
# Install into .venv (torch CPU build pinned first) and start the web app on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
# torch first and pinned: an unpinned torch pulls gigabytes of CUDA wheels.
.venv/bin/pip install -q "torch==2.13.0"
.venv/bin/pip install -q -e .
exec .venv/bin/python app.py "$@"
