"""The README's configuration table names every environment variable that configures Havre, and
says of each declared setting (havre.tunables) its default and what it does."""

from __future__ import annotations

import re
from pathlib import Path

from havre.tunables import PREFIX, Tunables

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\bHAVRE_[A-Z0-9_]+\b")


def _rows() -> dict[str, list[str]]:
    """README table rows by the first variable they name: [setting, variable, default, meaning]."""
    rows: dict[str, list[str]] = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("|") and (found := VARIABLE.search(line)):
            rows.setdefault(found.group(0), [cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def _number(cell: str) -> float:
    """A default as the table writes it: 60, 512 MiB, 4096×2304."""
    cell = cell.strip("`")
    if cell.endswith(" MiB"):
        return float(cell.removesuffix(" MiB")) * 1024 * 1024
    if "×" in cell:
        width, height = cell.split("×")
        return float(width) * float(height)
    return float(cell)


def test_every_setting_of_the_environment_is_in_the_readme_table() -> None:
    read = set(VARIABLE.findall((ROOT / "src/havre/config.py").read_text()))
    declared = {PREFIX + name.upper() for name in Tunables.model_fields}
    table = {name for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")
             for name in VARIABLE.findall(line)}
    assert "HAVRE_JOB_LEASE_S" in declared
    assert sorted((read | declared) - table) == [], "settings read from the environment but missing from README.md"


def test_the_table_says_each_declared_default_and_meaning() -> None:
    rows = _rows()
    for name, field in Tunables.model_fields.items():
        _, _, default, meaning = rows[PREFIX + name.upper()]
        assert field.description and field.description in meaning, (name, meaning)
        if isinstance(field.default, int | float) and not isinstance(field.default, bool):
            assert _number(default) == field.default, (name, default, field.default)
        elif field.default:
            assert f"`{field.default}`" in default, (name, default)
