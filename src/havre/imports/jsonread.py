"""JSON from an upload, read with bounded memory and no way to overflow the stack.

Parsed JSON costs far more memory than its text: a ``{}`` (3 bytes with its comma) becomes a
72-byte dict, so 64 MiB of them took an importer to 5 GB. Two ways keep it bounded:

- ``loads`` parses a whole document (a manifest, a TikTok export) only after ``parse_cost`` has
  bounded, from a scan of the text alone, what parsing it would take; over the caller's budget it
  is refused unparsed.
- ``records`` reads a JSON array one element at a time from a stream of chunks (a data file of a
  Havre archive, which may hold a million rows): memory holds one record, at most ``max_record``
  bytes of text, whatever the file's length.

Both refuse nesting deeper than ``MAX_DEPTH`` (real exports nest about 6 levels): the parser
recurses once per level, and so would whatever walks the result later; and text no database
stores (a NUL character, half of a surrogate pair: JSON can write both as escapes). A problem is
raised as ``BadJSON`` with what went wrong; each reader words it for its own kind of archive.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

MAX_DEPTH = 64
STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
SPACE = re.compile(r"[ \t\n\r]*")
UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")  # the only ways JSON text writes a NUL or a surrogate
UNSTORABLE_BYTES = re.compile(UNSTORABLE.pattern.encode())
# Measured with tracemalloc on the costliest layouts (arrays of {} or [], dicts of short strings,
# one-key objects): a parsed value costs 21 to 61 bytes per ',' ':' '[' or '{' that delimits it,
# and a string object 49 bytes more than its characters. With these, parse_cost came out 1.2 to 4
# times the true peak on 16 layouts, TikTok's own included (tests/imports/test_jsonread.py).
PER_TOKEN = 64
PER_STRING = 56
NEAR_END = 16  # a parse error this close to the end of the text read so far may only be a cut
NUMBER_GOES_ON = re.compile(r"[0-9.eE+-]*")  # all that follows a value to the end of the text read so far


class BadJSON(Exception):
    """``reason`` is one of the constants below; ``params`` fill the reader's message."""

    DEEP, SYNTAX, COSTLY, RECORD, TEXT = "deep", "syntax", "costly", "record", "text"

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason, params)
        self.reason, self.params = reason, params


def parse_cost(data: bytes) -> int:
    """An upper bound, in bytes, of the memory ``json.loads(data)`` takes (its decoded text included),
    found by counting delimiters and strings outside of strings: no object is built."""
    bare = STRING.sub(b'"', data)  # each string shrinks to one quote, so the quotes left count them
    tokens = bare.count(b",") + bare.count(b":") + 2 * (bare.count(b"[") + bare.count(b"{")) + 1
    # Text with any non-ASCII character or \u escape may be stored 4 bytes per character.
    width = 1 if data.isascii() and b"\\u" not in data else 4
    return tokens * PER_TOKEN + bare.count(b'"') * PER_STRING + (len(data) - len(bare)) * width + len(data) * width


def deeper_than(root: Any, limit: int) -> bool:
    """Whether lists/objects nest more than ``limit`` levels (iterative: no recursion to overflow)."""
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def unstorable(root: Any) -> bool:
    """Whether a string (or key) holds a NUL or a lone surrogate: PostgreSQL refuses the one, UTF-8
    cannot encode the other, so either would fail an import half way."""
    stack = [root]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            stack += value
        elif isinstance(value, str):
            if "\x00" in value:
                return True
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def loads(data: bytes, *, budget: int, max_depth: int = MAX_DEPTH) -> Any:
    """The document in ``data``, parsed only if that fits in ``budget`` bytes (``data`` counted)."""
    cost = len(data) + parse_cost(data)
    if cost > budget:
        raise BadJSON(BadJSON.COSTLY, cost=cost >> 20, budget=budget >> 20)
    try:
        root = json.loads(data.decode("utf-8-sig"))
    except RecursionError:  # thousands of nested [ exhaust the stack
        raise BadJSON(BadJSON.DEEP, limit=max_depth) from None
    except json.JSONDecodeError as exc:
        raise BadJSON(BadJSON.SYNTAX, line=exc.lineno, problem=exc.msg) from None
    except ValueError as exc:  # not UTF-8, or an integer of more than 4,300 digits
        raise BadJSON(BadJSON.SYNTAX, line=1, problem=str(exc)[:80]) from None
    if deeper_than(root, max_depth):  # what parsed could still overflow later (str(), the JSON columns)
        raise BadJSON(BadJSON.DEEP, limit=max_depth)
    if UNSTORABLE_BYTES.search(data) and unstorable(root):
        raise BadJSON(BadJSON.TEXT)
    return root


class _Text:
    """Decoded text from a stream of chunks; what was consumed is dropped when more is read."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.text, self.eof = "", False

    def more(self, keep_from: int) -> int:
        """Read on, dropping the text before ``keep_from``; returns how far indexes moved back."""
        piece = ""
        try:
            while not piece and not self.eof:
                chunk = next(self._chunks, None)
                self.eof = chunk is None
                piece = self._utf8.decode(chunk or b"", final=self.eof)
        except UnicodeDecodeError as exc:
            raise BadJSON(BadJSON.SYNTAX, line=0, problem=f"not UTF-8 ({exc.reason})") from None
        self.text = self.text[keep_from:] + piece
        return keep_from

    def skip_space(self, i: int) -> tuple[int, int]:
        """The index of the next non-blank character (len(text) at the end), and the shift made."""
        moved = 0
        while True:
            i = SPACE.match(self.text, i).end()  # type: ignore[union-attr]  # "*" always matches
            if i < len(self.text) or self.eof:
                return i, moved
            shift = self.more(i)
            i, moved = i - shift, moved + shift


def records(chunks: Iterable[bytes], *, max_record: int, max_depth: int = MAX_DEPTH) -> Iterator[Any]:
    """The elements of the JSON array in ``chunks``, one at a time. ``BadJSON`` names the record
    (``index``, from 1) where the text stops being a JSON array."""
    text = _Text(chunks)
    decode = json.JSONDecoder().raw_decode
    i, _ = text.skip_space(0)
    if text.text[i:i + 1] != "[":
        raise BadJSON(BadJSON.SYNTAX, index=0, problem="not a list")
    i, _ = text.skip_space(i + 1)
    index = 0
    if text.text[i:i + 1] == "]":
        i += 1
    else:
        while True:
            index += 1
            while True:  # decode one value, reading on while the text may only be cut short
                try:
                    value, end = decode(text.text, i)
                except RecursionError:
                    raise BadJSON(BadJSON.DEEP, index=index, limit=max_depth) from None
                except json.JSONDecodeError as exc:
                    if text.eof or not (exc.pos >= len(text.text) - NEAR_END or exc.msg.startswith("Unterminated")):
                        raise BadJSON(BadJSON.SYNTAX, index=index, problem=exc.msg) from None
                    end = len(text.text)
                except ValueError as exc:  # an integer of more than 4,300 digits
                    raise BadJSON(BadJSON.SYNTAX, index=index, problem=str(exc)[:80]) from None
                else:  # a number cut by the end of a chunk ("1.", "2e") parses short: it may go on in the next
                    if text.eof or not NUMBER_GOES_ON.fullmatch(text.text, end):
                        break
                if end - i > max_record:
                    raise BadJSON(BadJSON.RECORD, index=index, limit=max_record >> 10)
                i -= text.more(i)
            if end - i > max_record:
                raise BadJSON(BadJSON.RECORD, index=index, limit=max_record >> 10)
            if deeper_than(value, max_depth - 1):  # one level is the array itself
                raise BadJSON(BadJSON.DEEP, index=index, limit=max_depth)
            if UNSTORABLE.search(text.text, i, end) and unstorable(value):
                raise BadJSON(BadJSON.TEXT, index=index)
            yield value
            i, _ = text.skip_space(end)
            after = text.text[i:i + 1]
            if after == "]":
                i += 1
                break
            if after != ",":
                raise BadJSON(BadJSON.SYNTAX, index=index, problem="expected ',' or ']' after a record")
            i, _ = text.skip_space(i + 1)
    i, _ = text.skip_space(i)
    if i < len(text.text):
        raise BadJSON(BadJSON.SYNTAX, index=index, problem="text after the end of the list")
