"""Fixtures for the Windows engine: fake tools on PATH, a fake host, recipes.

The fake ``dism``/``diskpart``/``bcdboot``/``bcdedit`` are wrappers in a per-test bin folder
that run the FAKE programs in ``tests/support/windows_fakes``; the host object
answers elevation, volume and letter questions as a Windows host would.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import pytest

from nanostudio.engine.windows.host import DRIVE_FIXED, VolumeFacts
from tests.support.windows_fakes import fakecore

REPO = Path(__file__).resolve().parents[2]
FAKES = {
    "dism": "fake_dism",
    "diskpart": "fake_diskpart",
    "bcdboot": "fake_bcdboot",
    "bcdedit": "fake_bcdedit",
    "expand": "fake_expand",
    "robocopy": "fake_robocopy",
}


@dataclass
class FakeHost:
    """A Windows host as the tests want it; paths stay native so fakes can use them."""

    elevated: bool = True
    volume_facts: VolumeFacts = field(
        default_factory=lambda: VolumeFacts("C:\\", DRIVE_FIXED, "NTFS")
    )
    used_letters: set[str] = field(default_factory=lambda: {"C"})
    script_encoding: str = "utf-8"
    console_encoding: str = "utf-8"

    def path_text(self, path: PurePath) -> str:
        return str(path)

    def is_elevated(self) -> bool:
        return self.elevated

    def volume(self, folder: Path) -> VolumeFacts:
        return self.volume_facts

    def used_drive_letters(self) -> set[str]:
        return set(self.used_letters)

    def find_tool(self, name: str) -> str | None:
        return shutil.which(name)


@dataclass
class FakeTools:
    bin_dir: Path
    journal_path: Path
    state_path: Path
    monkeypatch: pytest.MonkeyPatch

    def _entries(self) -> list[dict[str, Any]]:
        if not self.journal_path.exists():
            return []
        return [json.loads(line) for line in self.journal_path.read_text().splitlines()]

    def calls(self, tool: str | None = None) -> list[dict[str, Any]]:
        """Invocations, in order (the argv, and the script for diskpart)."""
        return [e for e in self._entries() if "argv" in e and (tool is None or e["tool"] == tool)]

    def hangs(self) -> list[dict[str, Any]]:
        """Calls told to hang: their pid and their child's pid."""
        return [e for e in self._entries() if e.get("hang")]

    def fail(self, rule: str) -> None:
        self.monkeypatch.setenv(fakecore.FAIL_ENV, rule)

    def hang(self, rule: str) -> None:
        self.monkeypatch.setenv(fakecore.HANG_ENV, rule)

    def machine(self) -> dict[str, Any]:
        path = self.state_path / "diskpart.json"
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"vdisks": {}}
        return data

    def dism_mounts(self) -> dict[str, Any]:
        path = self.state_path / "dism-mounts.json"
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        return data

    def drive_letters(self) -> list[str]:
        drives = self.state_path / "drives"
        return sorted(p.name for p in drives.iterdir()) if drives.exists() else []


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTools]:
    if sys.platform == "win32":
        pytest.skip("the fake tools are POSIX shell wrappers; Windows has the real ones")
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    for name, module in FAKES.items():
        wrapper = bin_dir / name
        wrapper.write_text(
            "#!/bin/sh\n"
            f"# FAKE {name}: runs tests/support/windows_fakes/{module}.py\n"
            f'exec "{sys.executable}" -m tests.support.windows_fakes.{module} "$@"\n'
        )
        wrapper.chmod(0o755)
    journal = tmp_path / "fake-journal.jsonl"
    state = tmp_path / "fake-machine"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv(fakecore.JOURNAL_ENV, str(journal))
    monkeypatch.setenv(fakecore.STATE_ENV, str(state))
    monkeypatch.delenv(fakecore.FAIL_ENV, raising=False)
    monkeypatch.delenv(fakecore.HANG_ENV, raising=False)
    yield FakeTools(bin_dir, journal, state, monkeypatch)


@pytest.fixture
def fake_host() -> FakeHost:
    return FakeHost()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty output folder: after a build it must hold the output alone, or nothing."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
