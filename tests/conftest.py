"""Shared test set-up: offscreen Qt, isolated settings, and the fixture plugins."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Fixture modules owned by their areas (each a plain module of pytest fixtures).
pytest_plugins: list[str] = ["tests.fixtures_winrm", "tests.fixtures_media"]


@contextlib.contextmanager
def nanostudio_home(home: Path) -> Iterator[Path]:
    """Point NANOSTUDIO_HOME (config, logs, state) at ``home``, restoring it afterwards."""
    previous = os.environ.get("NANOSTUDIO_HOME")
    os.environ["NANOSTUDIO_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("NANOSTUDIO_HOME", None)
        else:
            os.environ["NANOSTUDIO_HOME"] = previous


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Config, logs and state of every test go to a fresh folder, never the real home."""
    with nanostudio_home(tmp_path_factory.mktemp("nanostudio-home")) as home:
        yield home
