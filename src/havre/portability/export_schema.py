"""The JSON Schema of a Havre archive, made from the tables an export writes: docs/export-format.schema.json
holds it, and a test fails when that file and the code disagree (``scripts/export_schema.py`` writes it anew).

``manifest.json`` validates against the whole document (``#/$defs/manifest``); each ``data/<name>.json``
against ``#/$defs/<name>``. A table's section is made from its exported columns (``export.exported_columns``:
secrets left out); the sections an export derives (audit, follows by handle, comments by others) are
written here by hand, key for key as ``export.write_archive`` writes them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, String, Table

from havre.db.base import Base, UTCDateTime
from havre.db.ownership import Owned
from havre.imports.havre_archive import FORMAT, VERSION, data_name
from havre.imports.ytdlp import LANG
from havre.portability.archive_writer import EXPORTED, exported_columns

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DATE_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
SHA256 = "^[0-9a-f]{64}$"
BIGINT = 2**63 - 1
# A JSON column whose values an import reads says their shape here (its type alone would let an
# archive put anything in them); the others are kept as they are and only said to be an object or list.
JSON_SHAPES: dict[tuple[str, str], dict[str, Any]] = {
    ("videos", "legacy_counts"): {"type": "object", "propertyNames": {"maxLength": 32},
                                  "additionalProperties": {"type": "integer", "minimum": 0, "maximum": BIGINT}},
    ("videos", "subtitle_langs"): {"type": "array", "items": {"type": "string", "pattern": f"^{LANG.pattern}$"}},
}


def _nullable(schema: dict[str, Any], nullable: bool) -> dict[str, Any]:
    if not nullable or "type" not in schema:  # no type restriction: null is already allowed
        return schema
    return {**schema, "type": [schema["type"], "null"]}


def _json_kind(table: Table, column: Column[Any]) -> str | None:
    """"object" or "array" for a JSON column, read from its default (``dict``/``list``) or else from the
    mapped attribute's annotation (``Mapped[list[...]]``); None when neither says."""
    default = getattr(column.default, "arg", None)
    if default is dict or default is list:
        return "object" if default is dict else "array"
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            key = mapper.get_property_by_column(column).key
            annotation = next((str(c.__annotations__[key]) for c in mapper.class_.__mro__
                               if key in getattr(c, "__annotations__", {})), "")
            found = re.match(r"(?:\w+\.)*Mapped\[(list|dict)\b", annotation)
            if found:
                return "array" if found.group(1) == "list" else "object"
    return None


def column_schema(table: Table, column: Column[Any]) -> dict[str, Any]:
    """A column's value as the export writes it (datetimes in ISO 8601 with their UTC offset)."""
    kind = column.type
    schema: dict[str, Any]
    if isinstance(kind, (UTCDateTime, DateTime)):
        schema = dict(DATE_TIME)
    elif isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer):  # BigInteger too
        schema = {"type": "integer"}
    elif isinstance(kind, Float):  # Double too
        schema = {"type": "number"}
    elif isinstance(kind, String):  # Text too; a length is what the database keeps (PostgreSQL refuses more)
        schema = {"type": "string", **({"maxLength": kind.length} if kind.length else {})}
    elif isinstance(kind, JSON):
        json_kind = _json_kind(table, column)
        schema = JSON_SHAPES.get((table.name, column.name)) or ({"type": json_kind} if json_kind else {})
    else:  # a new column type: decide how it is written before the schema can say it
        raise TypeError(f"{table.name}.{column.name}: no JSON Schema for the column type {kind!r}")
    return _nullable(schema, bool(column.nullable))


# Columns added to the format after its first version: an archive written before them lacks them and
# is read all the same (the importing account keeps its own value).
ADDED_LATER: frozenset[tuple[str, str]] = frozenset({("users", "language"), ("users", "likes_public"),
                                                    ("users", "pinned_video_id")})


def _rows(properties: dict[str, Any], description: str, optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {"description": description, "type": "array",
            "items": {"type": "object", "properties": properties,
                      "required": [name for name in properties if name not in optional],
                      "additionalProperties": False}}


def table_section(table: Table, owner: Owned) -> dict[str, Any]:
    whose = f"`{owner.column}` is the person" if owner.via == "user" else \
        f"`{owner.column}` is one of the person's videos"
    note = f": {owner.note}" if owner.note else ""
    return _rows({name: column_schema(table, table.c[name]) for name in exported_columns(table)},
                 f"The rows of the table `{table.name}` whose {whose}{note}.",
                 frozenset(column for name, column in ADDED_LATER if name == table.name))


HANDLE: dict[str, Any] = {"type": "string"}
DERIVED: dict[str, dict[str, Any]] = {
    "audit": _rows({"seq": {"type": "integer"}, "at": DATE_TIME, "actor": {"type": "string"},
                    "action": {"type": "string"}, "from_region": {"type": ["string", "null"]},
                    "purpose": {"type": "string"}, "details": {"type": "object"}},
                   "The entries of the home region's audit log about the person's data, oldest first "
                   "(reads from other regions included)."),
    "following": _rows({"handle": HANDLE, "since": DATE_TIME},
                       "Who the person follows, by handle (ids mean nothing to another instance)."),
    "followers": _rows({"handle": HANDLE, "since": DATE_TIME},
                       "Who follows the person, by handle, read from every region."),
    "comments_on_my_videos": _rows(
        {"id": {"type": "string"}, "video_id": {"type": "string"}, "author": HANDLE, "body": {"type": "string"},
         "created_at": DATE_TIME},
        "The comments anyone wrote on the person's videos, with the author's handle, read from every region."),
}


def sections() -> list[str]:
    """The name of every data file an archive holds (``data/<name>.json``), sorted."""
    return sorted([table.name for table, _ in EXPORTED] + list(DERIVED))


def manifest_schema() -> dict[str, Any]:
    string: dict[str, Any] = {"type": "string"}
    return {
        "description": "manifest.json, written last: what the archive is, whose, and every other member's size "
                       "and SHA-256.",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "version": {"type": "integer", "minimum": 1,
                        "description": f"The format version ({VERSION} now); a reader refuses a newer one."},
            "instance": {"description": "The public URL of the instance that wrote the archive.", **string},
            "created_at": DATE_TIME,
            "user": {"type": "object", "properties": {"id": string, "handle": string, "home_region": string},
                     "required": ["id", "handle", "home_region"], "additionalProperties": False},
            "counts": {"description": "How many records each data file holds, by section name.",
                       "type": "object", "propertyNames": {"enum": sections()},
                       "additionalProperties": {"type": "integer", "minimum": 0}},
            "files": {"type": "array", "items": {
                "type": "object",
                "properties": {"path": {"type": "string", "pattern": r"^(data/[a-z0-9_]+\.json|files/.+)$"},
                               "size": {"type": "integer", "minimum": 0},
                               "sha256": {"type": "string", "pattern": SHA256}},
                "required": ["path", "size", "sha256"], "additionalProperties": False}},
        },
        "required": ["format", "version", "instance", "created_at", "user", "counts", "files"],
        "additionalProperties": False,
    }


def export_json_schema() -> dict[str, Any]:
    tables = {table.name: table_section(table, owner) for table, owner in EXPORTED}
    defs: dict[str, Any] = {"manifest": manifest_schema()}
    for name in sections():
        defs[name] = tables[name] if name in tables else DERIVED[name]
    return {
        "$schema": DRAFT,
        "title": f"Havre archive ({FORMAT}, version {VERSION})",
        "description": "manifest.json validates against this document (#/$defs/manifest); each "
                       f"{data_name('<name>')} against #/$defs/<name>. Made by scripts/export_schema.py; "
                       "see docs/export-format.md.",
        "$ref": "#/$defs/manifest",
        "$defs": defs,
    }


def render() -> str:
    """The schema as docs/export-format.schema.json holds it."""
    return json.dumps(export_json_schema(), indent=2, ensure_ascii=False) + "\n"


def render_module() -> str:
    """The same schema as ``havre.imports.archive_schema`` carries it for the importer, which sits a
    floor below this module (the schema needs every table) and validates every archive with it.
    The same JSON, one definition a line."""
    schema = export_json_schema()
    head = json.dumps({k: v for k, v in schema.items() if k != "$defs"}, ensure_ascii=False)
    defs = ",\n".join(f"{json.dumps(name)}: {json.dumps(part, ensure_ascii=False)}"
                       for name, part in schema["$defs"].items())
    return MODULE.format(text=f'{head[:-1]}, "$defs": {{\n{defs}\n}}}}\n')


MODULE = '''"""The JSON Schema of a Havre archive, as docs/export-format.schema.json publishes it, for the importer.

Written by scripts/export_schema.py from ``havre.portability.export_schema`` (a floor above the
importer: it is made from every table); tests/portability/test_export_schema.py fails when they differ.
"""

# ruff: noqa: E501 (the published JSON, as it is)
from __future__ import annotations

import json
from typing import Any

TEXT = r"""{text}"""
SCHEMA: dict[str, Any] = json.loads(TEXT)
'''
