"""Write docs/export-format.schema.json, the JSON Schema of a Havre archive, from the exported tables
(``havre.portability.export_schema``)."""

from __future__ import annotations

from pathlib import Path

from havre.portability.export_schema import render

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "export-format.schema.json"

if __name__ == "__main__":
    SCHEMA.write_text(render())
    print(f"wrote {SCHEMA}")
