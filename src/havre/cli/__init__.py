"""The `havre` command: `havre <noun> <verb>`, each with --help.

Each command imports what it runs inside its own function: the app and its stores take over a
second to load, and `havre --help` or a mistyped command should answer at once. One module per
group of nouns; importing them registers their commands on ``app``.
"""

from __future__ import annotations

import sys

from havre.cli import accounts, portability, recs, regions, server, videos  # noqa: F401  (they register commands)
from havre.cli.apps import app
from havre.cli.helptext import polish

polish(app)  # every command registered: whole-sentence summaries, flags without a value type

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
