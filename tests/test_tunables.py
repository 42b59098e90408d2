"""Settings are declared once (havre.tunables): the environment wins over the file, the file over
the default, and a bad value stops the start naming the setting, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from havre.config import load_settings
from havre.tunables import BadSetting


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "havre.toml"
    path.write_text(text)
    return path


def test_the_environment_wins_over_the_file_and_the_file_over_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, 'job_lease_s = 30\nimport_allow_hosts = ["a.example", "b.example:8080"]\n'
                               "[media]\nmax_duration_s = 120\n")
    settings = load_settings(data_dir=tmp_path / "data", config_file=config)
    assert settings.job_lease_s == 30 and settings.media.max_duration_s == 120
    assert settings.import_allow_hosts == ("a.example", "b.example:8080")
    assert settings.recs_k_anonymity == 20  # the default
    monkeypatch.setenv("HAVRE_JOB_LEASE_S", "45")
    monkeypatch.setenv("HAVRE_MAX_DURATION_S", "90")
    settings = load_settings(data_dir=tmp_path / "data", config_file=config)
    assert settings.job_lease_s == 45 and settings.media.max_duration_s == 90


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("HAVRE_JOB_LEASE_S", "soon", "valid number"),
    ("HAVRE_JOB_LEASE_S", "0", "greater than or equal to 1"),
    ("HAVRE_RECS_K_ANONYMITY", "5", "greater than or equal to 20"),
    ("HAVRE_RATE_LIMIT_FACTOR", "nan", "rate limit"),
    ("HAVRE_RECOMMENDER", "random", "'personal' or 'popular'"),
    ("HAVRE_BASE_URL", "ftp://x", "match pattern"),
])
def test_a_bad_value_names_the_setting_the_value_and_what_is_allowed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(BadSetting) as refused:
        load_settings(data_dir=tmp_path / "data")
    message = str(refused.value)
    assert variable in message and repr(value) in message and said in message, message


def test_a_bad_value_in_the_file_is_named_with_its_key(tmp_path: Path) -> None:
    config = _config(tmp_path, "[media]\nmax_upload_bytes = -1\n")
    with pytest.raises(BadSetting, match=r"HAVRE_MAX_UPLOAD_BYTES / max_upload_bytes = -1: .*larger uploads"):
        load_settings(data_dir=tmp_path / "data", config_file=config)
