"""The README's configuration table names every environment variable that configures Havre."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\bHAVRE_[A-Z0-9_]+\b")


def test_every_setting_of_the_environment_is_in_the_readme_table() -> None:
    read = set(VARIABLE.findall((ROOT / "src/havre/config.py").read_text()))
    table = {name for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")
             for name in VARIABLE.findall(line)}
    assert "HAVRE_JOB_LEASE_S" in read
    assert sorted(read - table) == [], "settings read from the environment but missing from README.md's table"
