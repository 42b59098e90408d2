"""Import tests download from a stand-in for TikTok's CDN on loopback: the instance allowlists it,
as an operator allowlists a private mirror. A test that wants no allowlist parametrizes
``import_allow_hosts`` with ``()``."""

from __future__ import annotations

import dataclasses

import pytest

from havre.config import Settings
from tests.imports import cdn


@pytest.fixture
def import_allow_hosts() -> tuple[str, ...]:
    return (cdn.HOST,)


@pytest.fixture
def settings(settings: Settings, import_allow_hosts: tuple[str, ...]) -> Settings:
    return dataclasses.replace(settings, import_allow_hosts=import_allow_hosts)
