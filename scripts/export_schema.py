"""Write docs/export-format.schema.json, the JSON Schema of a Havre archive, from the exported tables
(``havre.portability.export_schema``)."""

from __future__ import annotations

from pathlib import Path

from havre.portability.export_schema import render, render_module

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "export-format.schema.json"
MODULE = ROOT / "src" / "havre" / "imports" / "archive_schema.py"  # the importer's copy

if __name__ == "__main__":
    SCHEMA.write_text(render())
    MODULE.write_text(render_module())
    print(f"wrote {SCHEMA} and {MODULE}")
