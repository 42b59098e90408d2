"""Write the ownership table of docs/residency.md from the tables' declarations (db/ownership.py)."""

from __future__ import annotations

from pathlib import Path

from havre.portability.catalog import with_table

PAGE = Path(__file__).resolve().parent.parent / "docs" / "residency.md"

if __name__ == "__main__":
    PAGE.write_text(with_table(PAGE.read_text()))
    print(f"wrote the ownership table of {PAGE}")
