from __future__ import annotations

from pathlib import Path

import pytest

from havre.recs.interactions import InteractionsError, from_pairs, load_interactions


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_binary_matrix(tmp_path: Path) -> None:
    matrix = load_interactions(write(tmp_path, "user,item\n0,2\n1,0\n0,2\n\n"), n_items=4)
    assert matrix.shape == (2, 4)
    assert matrix.toarray().tolist() == [[0, 0, 1, 0], [1, 0, 0, 0]]


def test_from_pairs_keeps_an_explicit_shape() -> None:
    assert from_pairs([(0, 1)], n_users=3, n_items=5).shape == (3, 5)
    with pytest.raises(ValueError, match="exceed"):
        from_pairs([(4, 1)], n_users=3, n_items=5)


@pytest.mark.parametrize(("text", "line", "what"), [
    ("", 1, "header"),
    ("item,user\n0,1\n", 1, "header"),
    ("user,item\n0,1\n2,x\n", 3, "integers"),
    ("user,item\n0,1\n1.5,2\n", 3, "integers"),
    ("user,item\n0,1,2\n", 2, "two comma-separated"),
    ("user,item\n0\n", 2, "two comma-separated"),
    ("user,item\n0,1\n-1,2\n", 3, "non-negative"),
])
def test_malformed_files_name_the_file_and_line(tmp_path: Path, text: str, line: int, what: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InteractionsError, match=what) as caught:
        load_interactions(path)
    assert str(caught.value).startswith(f"{path}:{line}:")


def test_a_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_interactions(tmp_path / "nope.csv")
