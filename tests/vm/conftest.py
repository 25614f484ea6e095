"""FAKE VBoxManage and powershell on PATH (small wrappers around tests/support/vm_fakes)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.windows_fakes import fakecore

FAKES = {"VBoxManage": "fake_vboxmanage", "powershell": "fake_powershell"}


@dataclass
class FakeHypervisors:
    bin_dir: Path
    journal_path: Path
    state_path: Path
    monkeypatch: pytest.MonkeyPatch

    def calls(self, tool: str) -> list[dict[str, Any]]:
        if not self.journal_path.exists():
            return []
        entries = [json.loads(line) for line in self.journal_path.read_text().splitlines()]
        return [e for e in entries if e["tool"] == tool]

    def state(self, name: str) -> dict[str, Any]:
        path = self.state_path / f"{name}.json"
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        return data

    def set_state(self, name: str, data: dict[str, Any]) -> None:
        self.state_path.mkdir(parents=True, exist_ok=True)
        (self.state_path / f"{name}.json").write_text(json.dumps(data))

    def fail(self, rule: str) -> None:
        self.monkeypatch.setenv(fakecore.FAIL_ENV, rule)


@pytest.fixture
def fake_hypervisors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHypervisors]:
    if sys.platform == "win32":
        pytest.skip("the fakes are POSIX shell wrappers")
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    repo = Path(__file__).resolve().parents[2]
    for name, module in FAKES.items():
        wrapper = bin_dir / name
        wrapper.write_text(
            "#!/bin/sh\n"
            f"# FAKE {name}: runs tests/support/vm_fakes/{module}.py\n"
            f'cd "{repo}" && exec "{sys.executable}" -m tests.support.vm_fakes.{module} "$@"\n'
        )
        wrapper.chmod(0o755)
    journal = tmp_path / "fake-journal.jsonl"
    state = tmp_path / "fake-state"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv(fakecore.JOURNAL_ENV, str(journal))
    monkeypatch.setenv(fakecore.STATE_ENV, str(state))
    monkeypatch.delenv(fakecore.FAIL_ENV, raising=False)
    yield FakeHypervisors(bin_dir, journal, state, monkeypatch)
