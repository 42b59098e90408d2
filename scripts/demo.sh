#!/usr/bin/env bash
# One command: install, generate demo creators and videos, serve the feed at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/havre demo "$@"
