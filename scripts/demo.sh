#!/usr/bin/env bash
# One command: install, generate demo creators and videos, serve the feed at http://127.0.0.1:8000
# (arguments go to `havre demo`: `bash scripts/demo.sh --port 8123`, `--count 10`, `--data-dir DIR`)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/havre demo "$@"
