"""What parsing JSON takes is bounded before parsing (``parse_cost``), and a JSON array is read one
record at a time with the same refusals (issue 21): the readers of both kinds of archive rely on it."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from havre.imports import jsonread
from havre.imports.jsonread import BadJSON

N = 100_000
LAYOUTS = {
    "{} after {}": b"[" + b",".join([b"{}"] * N) + b"]",
    "[] after []": b"[" + b",".join([b"[]"] * N) + b"]",
    "short strings": b"[" + b",".join([b'"ab"'] * N) + b"]",
    "one-key objects": b"[" + b",".join([b'{"a":"bc"}'] * N) + b"]",
    "a key each": b"[" + b",".join(b'{"k%d":{}}' % i for i in range(N)) + b"]",
    "nested lists": b"[" + b",".join([b"[[[[1]]]]"] * N) + b"]",
    "escaped emoji": b"[" + b",".join([b'"a\\ud83d\\ude00"'] * N) + b"]",
    "UTF-8": b"[" + b",".join(['"é😀漢"'.encode()] * N) + b"]",
    "a TikTok watch history": json.dumps({"Activity": {"Browsing": [
        {"Date": "2023-01-01 10:00:00", "Link": f"https://www.tiktokv.com/share/video/72{n:017d}/"}
        for n in range(N // 4)]}}).encode(),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_parse_cost_bounds_what_parsing_takes(layout: str) -> None:
    data = LAYOUTS[layout]
    tracemalloc.start()
    try:
        json.loads(data.decode())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= jsonread.parse_cost(data) <= 5 * peak


def test_loads_refuses_what_would_cost_more_than_the_budget() -> None:
    data = LAYOUTS["{} after {}"]
    with pytest.raises(BadJSON) as refused:
        jsonread.loads(data, budget=len(data) * 10)
    assert refused.value.reason == BadJSON.COSTLY
    assert len(jsonread.loads(data, budget=1 << 30)) == N


@pytest.mark.parametrize(("text", "reason", "index"), [
    (b"[1, " + b"[" * 50_000 + b"]" * 50_000 + b"]", BadJSON.DEEP, 2),
    (b"[" + b"[" * 64 + b"]" * 64 + b"]", BadJSON.DEEP, 1),
    (b'[{"a": "' + b"x" * 10_000 + b'"}]', BadJSON.RECORD, 1),
    (b'[1, "a\\u0000b"]', BadJSON.TEXT, 2),
    (b'[1, "\\udc00"]', BadJSON.TEXT, 2),
    (b"[1, 2,]", BadJSON.SYNTAX, 3),
    (b'{"videos": []}', BadJSON.SYNTAX, 0),
    (b"[1] [2]", BadJSON.SYNTAX, 1),
    (b"[1, " + b"9" * 4400 + b"]", BadJSON.SYNTAX, 2),  # more digits than Python converts
])
def test_records_refuses_naming_the_record(text: bytes, reason: str, index: int) -> None:
    chunks = [text[i:i + 7] for i in range(0, len(text), 7)]  # cut anywhere, as a zip's chunks are
    with pytest.raises(BadJSON) as refused:
        list(jsonread.records(chunks, max_record=8192))
    assert (refused.value.reason, refused.value.params.get("index")) == (reason, index)


def test_a_number_cut_between_chunks_is_read_whole() -> None:
    # "1." and "2e" parse as 1 and 2 by themselves: the reader waits for the rest (Hypothesis found it).
    assert list(jsonread.records([b"[1.", b"5, 2e", b"3, -", b"0.25, 7", b"]"], max_record=64)) == [1.5, 2e3, -0.25, 7]
