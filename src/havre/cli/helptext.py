"""What `havre ... --help` shows, made to read well: flags without a value type, whole-sentence summaries.

Typer's rich help prints a flag (``--json``, ``--wait/--no-wait``, ``--help``) with a ``<bool>``
type, as if it took a value; and a command list shows each command's first docstring paragraph
with its source line breaks kept, so a summary broke mid-sentence. ``polish`` fixes both once,
when ``havre.cli`` is imported.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import typer
from typer.core import TyperOption

# A sentence ends at . ! or ? followed by a space and what starts a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(])")
_typed = TyperOption.display_type_rich


def _flag_shows_no_type(self: TyperOption, ctx: Any) -> str | None:
    """A flag takes no value: its row shows none (other options keep their ``<str>``, ``<path>``...)."""
    return None if self.is_flag else _typed(self, ctx)


def summary(doc: str) -> str:
    """A command's one-line summary: the first sentence of its first paragraph, on one line."""
    paragraph = inspect.cleandoc(doc).split("\n\n")[0]
    return _SENTENCE_END.split(" ".join(paragraph.split()), maxsplit=1)[0]


def polish(app: typer.Typer) -> None:
    """Give every command of ``app`` (and of its groups) a one-sentence summary unless it has one,
    and show flags without a type."""
    TyperOption.display_type_rich = _flag_shows_no_type  # type: ignore[method-assign]
    for command in app.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if command.short_help is None and doc:
            command.short_help = summary(doc)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            polish(group.typer_instance)
