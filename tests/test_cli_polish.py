"""What a person reads from `havre`: help for every command and option, flags shown as flags,
whole-sentence summaries, counts in the right number, aligned tables, and jobs that say when
they are due."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.rich_utils

from havre.cli import app
from havre.cli.helptext import summary
from havre.cli.text import count, due, table, until
from havre.config import load_settings
from havre.db.base import utcnow
from havre.jobs import enqueue, handler
from havre.regions import open_regions
from havre.regions.work import JobContext
from tests.cli_runner import havre, plain_environment, runner  # noqa: F401  (plain_environment: autouse)

ran: list[dict[str, Any]] = []


@handler("test.cli_noop")
def _noop(ctx: JobContext, payload: dict[str, Any]) -> None:
    ran.append(payload)


def _commands() -> Iterator[tuple[list[str], Any]]:
    """Every command and group of `havre`, with its words (``["jobs", "list"]``)."""
    def walk(command: Any, words: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield words, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*words, name])

    yield from walk(typer.main.get_command(app), [])


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help rendered 400 columns wide: a line that still breaks was broken by its text, not the terminal."""
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 400)


def test_every_command_and_option_has_help_and_flags_show_no_value_type(wide: None) -> None:
    missing = []
    for words, command in _commands():
        ctx = command.make_context("havre", [], resilient_parsing=True)
        if not (command.help or "").strip():
            missing.append(f"havre {' '.join(words)}")
        missing += [f"havre {' '.join(words)} {param.opts[0] if param.opts else param.name}"
                    for param in command.get_params(ctx) if not (getattr(param, "help", None) or "").strip()]
        shown = runner.invoke(app, [*words, "--help"])
        assert shown.exit_code == 0, shown.output
        assert "<bool>" not in shown.output, f"havre {' '.join(words)} --help:\n{shown.output}"
    assert missing == [], "without help text:\n" + "\n".join(missing)
    jobs_list = runner.invoke(app, ["jobs", "list", "--help"]).output
    assert re.search(r"--json +Print the jobs as JSON", jobs_list), jobs_list  # a flag: no type between name and help


def test_command_lists_show_one_whole_sentence_per_command(wide: None) -> None:
    for words, command in _commands():
        if not getattr(command, "commands", None):
            continue
        shown = runner.invoke(app, [*words, "--help"]).output
        panel = shown[shown.index("─ Commands ─"):]
        rows = [line.strip("│ ") for line in panel.splitlines()[1:] if line.startswith("│")]
        assert len(rows) == len(command.commands), f"a summary broke over lines in havre {' '.join(words)}:\n{panel}"
        for row in rows:
            assert row.rstrip().endswith((".", ")")), row  # a whole sentence


def test_summary_is_the_first_sentence_on_one_line() -> None:
    doc = """Create an account; prints its id (or, with --json,
    the account). On an empty data dir, it creates the instance first.

    More."""
    assert summary(doc) == "Create an account; prints its id (or, with --json, the account)."


def test_counts_tables_and_due_times_read_as_a_person_writes_them() -> None:
    assert [count(n, "video") for n in (0, 1, 2)] == ["0 videos", "1 video", "2 videos"]
    assert count(1, "entry", "entries") == "1 entry" and count(3, "entry", "entries") == "3 entries"
    assert table([["a", "long cell", "x"], ["longer", "b", ""]]).splitlines() == ["a       long cell  x",
                                                                                   "longer  b"]
    now = datetime(2026, 5, 1, 17, 36, 30, tzinfo=UTC)
    assert until(now + timedelta(minutes=4), now) == "in 4 min"
    assert until(now + timedelta(seconds=20), now) == "in 20 s"
    assert until(now + timedelta(days=3), now) == "in 3 days"
    assert due(now + timedelta(minutes=4), now) == "in 4 min (17:40 UTC)"
    assert due(now + timedelta(days=14), now) == "in 14 days (2026-05-15 17:36 UTC)"


def _enqueue(data: Path, n: int, *, in_minutes: float) -> None:
    regions = open_regions(load_settings(data_dir=data))
    try:
        with regions.default.session() as s:
            for i in range(n):
                enqueue(s, "test.cli_noop", {"i": i}, run_after=utcnow() + timedelta(minutes=in_minutes, seconds=i))
            s.commit()
    finally:
        regions.close()


def test_jobs_list_aligns_its_columns_and_says_when_a_delayed_job_is_due(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert havre(data, "db", "upgrade")[0] == 0
    _enqueue(data, 1, in_minutes=4)
    _enqueue(data, 1, in_minutes=0)
    code, out = havre(data, "jobs", "list")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["REGION", "ID", "KIND", "STATUS", "TRIES", "PROGRESS", "DUE", "LAST", "ERROR"]
    assert len({line.index("test.cli_noop") for line in lines[1:]}) == 1  # one column, whatever the cells' widths
    assert re.search(r"queued +0 +0% +in 4 min \(\d\d:\d\d UTC\)", out), out
    code, out = havre(data, "jobs", "list", "--json")
    assert code == 0 and '"run_after"' in out


def test_jobs_run_says_why_queued_jobs_did_not_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert havre(data, "db", "upgrade")[0] == 0
    code, out = havre(data, "jobs", "run")
    assert code == 0 and "ran 0 jobs; none is waiting" in out, out
    _enqueue(data, 20, in_minutes=3)
    code, out = havre(data, "jobs", "run")
    out = " ".join(out.split())
    assert code == 0, out
    assert re.search(r"ran 0 jobs; 20 are queued but not due until \d\d:\d\d UTC \(in 3 min\)", out), out
    _enqueue(data, 1, in_minutes=90)
    ran.clear()
    _enqueue(data, 1, in_minutes=0)
    code, out = havre(data, "jobs", "run")
    out = " ".join(out.split())  # as said on an 80-column terminal, wrapped
    assert code == 0, out
    assert re.search(r"ran 1 job; 21 are queued but not due yet: the next at \d\d:\d\d UTC \(in 3 min\), "
                     r"the last at \d\d:\d\d UTC", out), out
    assert len(ran) == 1
