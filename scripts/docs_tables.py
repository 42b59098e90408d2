"""Write the tables that docs take from the code: the ownership table of docs/residency.md (from the
tables' declarations, db/ownership.py) and the rate limits of docs/security.md (web/rate_limits.py)."""

from __future__ import annotations

import re
from pathlib import Path

from havre.portability.catalog import with_table
from havre.web.rate_limits import docs_table

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = DOCS / "residency.md"
SECURITY = DOCS / "security.md"
RATE_TABLE = re.compile(r"^\| action \| per member \| per address \|\n(?:\|.*\|\n)+", re.M)

if __name__ == "__main__":
    PAGE.write_text(with_table(PAGE.read_text()))
    print(f"wrote the ownership table of {PAGE}")
    SECURITY.write_text(RATE_TABLE.sub(lambda _: docs_table() + "\n", SECURITY.read_text(), count=1))
    print(f"wrote the rate limits of {SECURITY}")
