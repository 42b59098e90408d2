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
echo "lint: ruff, mypy and bandit (medium and high findings; docs/security.md explains the exceptions)"
.venv/bin/ruff check src tests bench scripts
.venv/bin/mypy src
.venv/bin/mypy tests
.venv/bin/bandit -q -r src -ll
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
# Known vulnerabilities in the installed packages, asked of PyPI for each version. A known
# vulnerability fails the run (at the end, so it does not hide what the tests found). Where PyPI's
# per-version answers cannot be reached (this project's CI machines), pip-audit can check nothing:
# that is said loudly, never passed off as a clean audit (docs/security.md).
echo "dependencies: pip-audit"
audit_rc=0
.venv/bin/pip-audit --skip-editable --progress-spinner off > test-output/pip-audit.txt 2>&1 || audit_rc=$?
cat test-output/pip-audit.txt
unaudited=$(grep -c "could not be audited" test-output/pip-audit.txt || true)
if [ "$unaudited" -gt 0 ]; then
  echo "WARNING: pip-audit could not check $unaudited packages (its vulnerability service is unreachable"
  echo "WARNING: from here); the dependencies are NOT audited by this run."
fi
echo "== embedded mode: SQLite, local media folder, in-process jobs =="
run_pytest .venv/bin/python -m pytest
# The same tests again on the scale-out parts: PostgreSQL (127.0.0.1:5432), an S3 bucket on a
# SeaweedFS server the tests start, Celery workers on Redis (127.0.0.1:6379) for the browser test.
# (Media, blob-store and Celery tests are mode-independent and ran above.)
echo "== scale mode: PostgreSQL, S3 (SeaweedFS), Celery on Redis =="
HAVRE_TEST_MODE=scale run_pytest .venv/bin/python -m pytest tests/db tests/regions tests/jobs tests/accounts tests/videos \
  tests/social tests/feed tests/imports tests/web tests/e2e tests/portability tests/security/test_authz_matrix.py \
  tests/security/test_signal_integrity.py tests/test_ratelimit.py
if [ $audit_rc -ne 0 ]; then
  echo "pip-audit found known vulnerabilities (exit $audit_rc): see test-output/pip-audit.txt"
  exit 1
fi
