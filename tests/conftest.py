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


_TESTS = Path(__file__).parent
_reported_files: set[Path] = set()


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Remember every test file pytest looked at, whatever came of it."""
    path = Path(report.fspath) if report.fspath else None
    if path is not None and path.name.startswith("test_"):
        _reported_files.add(path.resolve())


def pytest_collection_finish(session: pytest.Session) -> None:
    """A whole-suite run fails when a test file was never collected.

    pytest's default ``norecursedirs`` once hid ``tests/build`` from every run;
    this makes any such silent exclusion loud.
    """
    whole_suite = [Path(arg).resolve() for arg in session.config.args] == [_TESTS.resolve()]
    if not whole_suite:
        return
    expected = {path.resolve() for path in _TESTS.rglob("test_*.py")}
    missing = sorted(str(path.relative_to(_TESTS.resolve())) for path in expected - _reported_files)
    if missing:
        pytest.exit(f"test files never collected: {', '.join(missing)}", returncode=3)
