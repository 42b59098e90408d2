#!/usr/bin/env bash
# One command: install everything the tests need (Python packages, Debian's Chromium for the
# browser tests, Debian's ffmpeg) and run the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian's Chromium for the browser tests, and Debian's ffmpeg (5.1 on Debian 12, weaker than the
# one imageio-ffmpeg ships) so every run exercises the ffmpeg picker with a system binary present.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
[ -x /usr/bin/ffmpeg ] || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian's ${missing[*]} for the tests..."
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p test-output
echo "lint: ruff and mypy"
.venv/bin/ruff check src tests bench
.venv/bin/mypy src
run_pytest() {
  set +e
  "$@"
  local rc=$?
  set -e
  # pytest's 5 means "no tests ran": that is a failure for us, never a pass.
  if [ $rc -eq 5 ]; then echo "no tests were collected"; return 1; fi
  return $rc
}

if [ $# -gt 0 ]; then  # a developer's selection: run just that, embedded
  run_pytest .venv/bin/python -m pytest "$@"
  exit $?
fi
echo "== embedded mode: SQLite, local media folder, in-process jobs =="
run_pytest .venv/bin/python -m pytest
# The same tests again on the scale-out parts: PostgreSQL (127.0.0.1:5432), an S3 bucket on a
# SeaweedFS server the tests start, Celery workers on Redis (127.0.0.1:6379) for the browser test.
# (Media, blob-store and Celery tests are mode-independent and ran above.)
echo "== scale mode: PostgreSQL, S3 (SeaweedFS), Celery on Redis =="
HAVRE_TEST_MODE=scale run_pytest .venv/bin/python -m pytest tests/db tests/regions tests/jobs tests/accounts tests/videos \
  tests/social tests/feed tests/imports tests/web tests/e2e
