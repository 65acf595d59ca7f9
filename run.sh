#!/usr/bin/env bash
# Install into .venv (torch CPU build pinned first) and serve the web UI and the API (/v1, /api, /docs)
# on http://127.0.0.1:7860 (python app.py --help for host, port and login)
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
# torch first and pinned: an unpinned torch pulls gigabytes of CUDA wheels.
.venv/bin/pip install -q "torch==2.13.0"
.venv/bin/pip install -q -e .
exec .venv/bin/python app.py "$@"
