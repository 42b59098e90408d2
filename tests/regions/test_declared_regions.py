"""An instance's regions are declared; a command naming any other region refuses and writes nothing."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from havre.cli import app
from havre.config import load_settings
from havre.regions import declared

runner = CliRunner()


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regions come from the data dir here, unless a test sets HAVRE_REGIONS or a config file."""
    for var in ("HAVRE_REGIONS", "HAVRE_CONFIG", "HAVRE_DEFAULT_REGION", "HAVRE_DATABASE_URL", "HAVRE_BLOB_URL",
                "HAVRE_DIRECTORY_URL", "HAVRE_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    # `serve` would block: record the settings it would serve instead.
    monkeypatch.setattr("havre.commands.serve_http", lambda settings, **kw: print("SERVING", *settings.declared))


def havre(data: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data)])
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def password(tmp_path: Path) -> str:
    path = tmp_path / "pw"
    path.write_text("a long enough password\n")
    return str(path)


def test_a_mistyped_region_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert havre(data, "serve", "--regions", "eu,us")[0] == 0  # the first start declares them
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", password(tmp_path))
    assert code == 0, out
    before = snapshot(data)
    attempts = [
        ("serve", "--regions", "eu,mras"),
        ("demo", "--regions", "eu,mras", "--no-serve"),
        ("videos", "list", "--user", "lea", "--regions", "mars"),
        ("users", "create", "--handle", "sam", "--password-file", password(tmp_path), "--region", "mars"),
        ("users", "move", "lea", "--to", "mars"),
        ("residency", "audit", "--regions", "mars"),
    ]
    for args in attempts:
        code, out = havre(data, *args)
        flat = " ".join(out.split())
        assert code == 1, (args, out)
        assert "no region 'mars'" in flat or "no region 'mras'" in flat, (args, out)
        assert "its regions are eu, us" in flat and "havre regions add" in flat, (args, out)
        assert snapshot(data) == before, f"{args} changed the data dir"
    assert not (data / "regions" / "mras").exists() and not (data / "havre.db").exists()
    code, out = havre(data, "residency", "audit")
    assert code == 0, out


def test_later_commands_need_no_regions_and_may_select_some(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = havre(data, "serve", "--regions", "us,eu")
    assert code == 0 and "SERVING us eu" in out
    assert json.loads((data / "regions.json").read_text()) == {"regions": ["us", "eu"]}
    code, out = havre(data, "serve")
    assert code == 0 and "SERVING us eu" in out
    code, out = havre(data, "regions", "list", "--json")
    assert [r["name"] for r in json.loads(out)] == ["us", "eu"]
    # A worker for one region keeps the layout of the whole instance (nothing at the root).
    one = load_settings(data_dir=data, regions="eu")
    assert [r.name for r in one.regions] == ["eu"] and one.region_data_dir("eu") == data / "regions" / "eu"


def test_a_fresh_serve_gets_local_and_keeps_the_flat_layout(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = havre(data, "serve")
    assert code == 0 and "SERVING local" in out
    assert (data / "havre.db").exists() and json.loads((data / "regions.json").read_text()) == {"regions": ["local"]}
    code, out = havre(data, "videos", "list", "--user", "nobody")
    assert code == 1 and "no @nobody" in out


def test_commands_that_only_read_do_not_create_an_instance(tmp_path: Path) -> None:
    data = tmp_path / "typo"
    for args in (("videos", "list", "--user", "lea"), ("jobs", "list"), ("residency", "audit"),
                 ("regions", "list")):
        code, out = havre(data, *args)
        assert code == (0 if args[0] == "regions" else 1), (args, out)
        assert not data.exists(), f"{args} created {data}"
    assert "no Havre instance" in " ".join(havre(data, "jobs", "list")[1].split())


def test_regions_add_declares_before_the_first_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert havre(data, "regions", "add", "eu")[0] == 0
    assert havre(data, "regions", "add", "us")[0] == 0
    code, out = havre(data, "regions", "add", "us")
    assert code == 0 and "already declared" in out
    code, out = havre(data, "regions", "add", "Mars!")
    assert code == 1 and "lowercase" in out
    code, out = havre(data, "serve")
    assert code == 0 and "SERVING eu us" in out
    assert (data / "regions" / "eu" / "havre.db").exists() and not (data / "havre.db").exists()


def test_an_empty_single_region_instance_moves_to_the_multi_region_layout(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert havre(data, "serve")[0] == 0  # tried once, nothing created in it
    code, out = havre(data, "regions", "add", "eu")
    assert code == 0, out
    assert not (data / "havre.db").exists() and (data / "regions" / "local" / "havre.db").exists()
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", password(tmp_path),
                      "--region", "eu")
    assert code == 0, out
    code, out = havre(data, "residency", "audit")
    assert code == 0, out


def test_a_single_region_instance_with_accounts_cannot_grow_a_second_region(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = havre(data, "users", "create", "--handle", "lea", "--password-file", password(tmp_path))
    assert code == 0, out
    before = snapshot(data)
    code, out = havre(data, "regions", "add", "eu")
    flat = " ".join(out.split())
    assert code == 1 and "holds accounts or videos" in flat and "does not move existing data" in flat
    assert snapshot(data) == before


def test_regions_declared_by_the_environment_or_a_config_file_are_changed_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("HAVRE_REGIONS", "eu,us")
    code, out = havre(data, "regions", "add", "ch")
    assert code == 1 and "HAVRE_REGIONS" in out
    code, out = havre(data, "videos", "list", "--user", "x", "--regions", "ch")
    assert code == 1 and "list it in HAVRE_REGIONS" in " ".join(out.split())
    monkeypatch.delenv("HAVRE_REGIONS")
    config = tmp_path / "havre.toml"
    config.write_text("[regions.eu]\n[regions.us]\n")
    monkeypatch.setenv("HAVRE_CONFIG", str(config))
    code, out = havre(data, "serve", "--regions", "ch")
    assert code == 1 and "[regions.ch] table" in " ".join(out.split())
    assert not data.exists()


def test_a_data_dir_from_before_declarations_is_read_from_its_folders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("eu", "us"):  # as earlier versions left a two-region demo: folders, no regions.json
        (data / "regions" / name).mkdir(parents=True)
    settings = load_settings(data_dir=data)
    assert settings.declared == ("eu", "us")
    code, out = havre(data, "videos", "list", "--user", "lea", "--regions", "mars")
    assert code == 1 and "no region 'mars'" in out
    assert havre(data, "db", "upgrade")[0] == 0  # and the first command that writes records them
    assert json.loads((data / "regions.json").read_text()) == {"regions": ["eu", "us"]}


def _record_in(data: str) -> None:
    """Processes' first starts, one after another: record the declaration (also run in processes)."""
    settings = load_settings(data_dir=Path(data), regions="eu,us")
    for _ in range(25):
        declared.record(settings)


def test_processes_and_threads_starting_together_all_record_the_declaration(tmp_path: Path) -> None:
    """A web process and its workers started at once on a fresh data dir each record the regions;
    with one shared temporary name, a writer's file was renamed away under it (a worker died)."""
    data = tmp_path / "data"
    with ThreadPoolExecutor(8) as threads:
        list(threads.map(lambda _: _record_in(str(data)), range(8)))
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(4) as processes:
        processes.map(_record_in, [str(data)] * 4)
    assert json.loads((data / "regions.json").read_text()) == {"regions": ["eu", "us"]}
    assert sorted(p.name for p in data.iterdir()) == ["regions.json"]  # no temporary file left behind
