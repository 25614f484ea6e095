"""resource_path: the same call finds resources from a checkout and a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nanostudio import frozen

ROOT = Path(__file__).resolve().parents[2]


def test_from_source_resources_sit_at_the_top_of_the_checkout() -> None:
    assert not frozen.is_frozen()
    assert frozen.resource_path("icons/app.svg") == ROOT / "resources" / "icons" / "app.svg"


def test_frozen_resources_come_from_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert frozen.is_frozen()
    assert frozen.resource_path("icons/app.svg") == tmp_path / "resources" / "icons" / "app.svg"


@pytest.mark.parametrize("bad", ["../pyproject.toml", "icons/../../x", "/etc/passwd"])
def test_paths_leaving_resources_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="inside resources"):
        frozen.resource_path(bad)
