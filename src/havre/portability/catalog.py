"""The table of who owns what, made from the declarations: docs/residency.md shows it, and a test
fails when the page and the code disagree (``scripts/docs_tables.py`` writes it anew)."""

from __future__ import annotations

from havre.db.ownership import NotOwned, Owned, holds_personal_data, ownership_of
from havre.portability.tables import metadata

START, END = "<!-- ownership table: made by scripts/docs_tables.py -->", "<!-- end of ownership table -->"
MOVES = {"copy": "copied, then deleted here", "end": "deleted (not copied)", "audit": "carried as audit history"}


def ownership_markdown() -> str:
    rows = ["| table (per region) | whose rows | on a region move | notes |", "|---|---|---|---|"]
    for table in sorted(metadata.sorted_tables, key=lambda t: t.name):
        declared = ownership_of(table)
        if isinstance(declared, Owned):
            whose = f"the user in `{declared.column}`" if declared.via == "user" else \
                f"the owner of the video in `{declared.column}`"
            rows.append(f"| {table.name} | {whose} | {MOVES[declared.on_move]} | {declared.note} |")
        elif isinstance(declared, NotOwned):
            rows.append(f"| {table.name} | nobody's | stays | {declared.why} |")
        elif not holds_personal_data(table):
            rows.append(f"| {table.name} | nobody's (operational) | stays | |")
    return "\n".join(rows)


def with_table(page: str) -> str:
    """``page`` with the text between the markers replaced by the current table."""
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{ownership_markdown()}\n{END}{tail}"
