#!/usr/bin/env bash
# Set up everything Havre needs on a fresh machine: a virtual environment with the package
# (ffmpeg comes from imageio-ffmpeg when the system has none). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
