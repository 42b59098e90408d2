#!/usr/bin/env bash
# Set up everything Havre needs on a fresh machine: a virtual environment with the package
# (ffmpeg comes from imageio-ffmpeg when the system has none). Safe to re-run: a second run only
# checks that everything is there, in a second or two.
#
# Packages are installed by uv (from PyPI, into the venv), several times faster than pip on a first
# run, with its progress shown. Where uv cannot be installed, or fails, pip does the same install;
# HAVRE_NO_UV=1 asks for pip from the start.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating a virtual environment in .venv"
  "$PY" -m venv .venv
  echo "installing Python packages (first run only, about a minute)…"
fi
if [ -z "${HAVRE_NO_UV:-}" ]; then
  if [ ! -x .venv/bin/uv ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check uv \
      || echo "uv could not be installed from PyPI; installing with pip instead (slower)"
  fi
  if [ -x .venv/bin/uv ]; then
    if .venv/bin/uv pip install --python .venv/bin/python -e ".[dev]"; then
      exit 0
    fi
    echo "uv could not install the packages; trying pip"
  fi
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar on -e ".[dev]"
