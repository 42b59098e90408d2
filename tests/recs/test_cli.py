from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

import havre.cli  # noqa: F401  (importing the CLI registers its commands)
from havre.cli.apps import recs_app
from tests.recs.synthetic import item_features, two_clusters, write_csv

runner = CliRunner()


def split(tmp_path: Path) -> tuple[Path, Path]:
    pairs = two_clusters(users=80)
    train = [p for i, p in enumerate(pairs) if i % 5]
    test = [p for i, p in enumerate(pairs) if not i % 5]
    return write_csv(tmp_path / "train.csv", train), write_csv(tmp_path / "test.csv", test)


def test_eval_json_prints_one_object(tmp_path: Path) -> None:
    train, test = split(tmp_path)
    features = tmp_path / "image.npy"
    np.save(features, item_features())
    result = runner.invoke(recs_app, ["eval", "--train", str(train), "--test", str(test),
                                      "--item-features", str(features), "--k", "5", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"recall", "ndcg", "k", "users", "train_seconds", "model"} <= report.keys()
    assert report["k"] == 5 and report["users"] > 0 and 0 <= report["recall"] <= 1 and 0 <= report["ndcg"] <= 1


def test_eval_prints_a_summary(tmp_path: Path) -> None:
    train, test = split(tmp_path)
    result = runner.invoke(recs_app, ["eval", "--train", str(train), "--test", str(test)])
    assert result.exit_code == 0, result.output
    assert "Recall@20" in result.stdout and "NDCG@20" in result.stdout


def test_a_bad_file_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    train, _ = split(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item\n1,two\n", encoding="utf-8")
    result = runner.invoke(recs_app, ["eval", "--train", str(train), "--test", str(bad), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "bad.csv:2:" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_features_of_the_wrong_size_are_refused(tmp_path: Path) -> None:
    train, test = split(tmp_path)
    features = tmp_path / "small.npy"
    np.save(features, np.zeros((3, 4)))
    result = runner.invoke(recs_app, ["eval", "--train", str(train), "--test", str(test),
                                      "--item-features", str(features)])
    assert result.exit_code == 2
    assert "rows" in result.output


def test_several_train_files_are_joined_and_all_their_items_excluded(tmp_path: Path) -> None:
    train, test = split(tmp_path)
    rows = [line.split(",") for line in train.read_text().splitlines()[1:]]
    pairs = [(int(user), int(item)) for user, item in rows]
    first = write_csv(tmp_path / "first.csv", pairs[::2])
    second = write_csv(tmp_path / "second.csv", pairs[1::2])
    joined = runner.invoke(recs_app, ["eval", "--train", str(first), "--train", str(second), "--test", str(test),
                                      "--seed", "2", "--json"])
    whole = runner.invoke(recs_app, ["eval", "--train", str(train), "--test", str(test), "--seed", "2", "--json"])
    assert joined.exit_code == 0 and whole.exit_code == 0, joined.output + whole.output
    for key in ("recall", "ndcg", "users", "train_interactions"):
        assert json.loads(joined.stdout)[key] == json.loads(whole.stdout)[key]
    # Measuring on a file the model trained on finds nothing: its items are excluded.
    leaked = runner.invoke(recs_app, ["eval", "--train", str(train), "--train", str(test), "--test", str(test),
                                      "--json"])
    assert leaked.exit_code == 0 and json.loads(leaked.stdout)["recall"] == 0.0


def test_an_empty_train_file_among_several_is_named(tmp_path: Path) -> None:
    train, test = split(tmp_path)
    empty = write_csv(tmp_path / "empty.csv", [])
    result = runner.invoke(recs_app, ["eval", "--train", str(train), "--train", str(empty), "--test", str(test)])
    assert result.exit_code == 2 and "empty.csv" in result.output
