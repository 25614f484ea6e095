"""Shared test set-up: offscreen Qt, isolated settings, and the fixture plugins."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Fixture modules owned by their areas (each a plain module of pytest fixtures).
pytest_plugins: list[str] = ["tests.support.fixtures_winrm", "tests.support.fixtures_media"]


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


@pytest.fixture(autouse=True)
def no_gui_event_loop_left() -> Iterator[None]:
    """A GUI test installs the asyncio loop on Qt's (``gui.tasks``); it is closed after
    the test, so no task outlives it and later tests may run ``asyncio.run``."""
    yield
    tasks = sys.modules.get("nanostudio.gui.tasks")
    if tasks is not None:
        tasks.shutdown()


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written to: a read-only tmpfs where mounting is allowed
    (as root: even a missing file's unlink fails there, with EROFS), else mode 0555."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    mount = shutil.which("mount")
    mounted = False
    if hasattr(os, "geteuid") and os.geteuid() == 0 and mount is not None:
        result = subprocess.run(
            [mount, "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        mounted = result.returncode == 0
    if not mounted:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)


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
