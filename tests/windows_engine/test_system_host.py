"""The real host seam on a real Windows machine (skipped elsewhere)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from nanostudio.engine.windows.host import DRIVE_TYPE_NAMES, PlanOnlyHost, system_host
from nanostudio.engine.windows.preflight import choose_letters


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="needs a Windows host")
def test_system_host_answers_from_windows(tmp_path: Path) -> None:
    host = system_host()
    assert not isinstance(host, PlanOnlyHost)
    assert isinstance(host.is_elevated(), bool)
    facts = host.volume(tmp_path)
    assert facts.root.endswith("\\") and facts.drive_type in DRIVE_TYPE_NAMES
    assert facts.file_system
    used = host.used_drive_letters()
    assert os.environ["SYSTEMDRIVE"][0].upper() in used
    for letter in choose_letters(used, bios=False):
        assert len(letter) == 1 and not Path(f"{letter}:\\").exists()
    assert host.find_tool("dism") is not None
    assert host.path_text(tmp_path) == os.fspath(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="other hosts only print plans")
def test_other_hosts_get_the_plan_only_host() -> None:
    assert isinstance(system_host(), PlanOnlyHost)
