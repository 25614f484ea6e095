"""The session's check that no build changes the shared sample media (issue 12 §6)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from tests.support.fixtures_media import copy_media_folder, unchanged_until_the_end


def _guard_copy(sample_media: SampleMedia, tmp_path: Path) -> tuple[SampleMedia, object]:
    root = copy_media_folder(sample_media, tmp_path / "media")
    copy = dataclasses.replace(
        sample_media, root=root, iso=None, wim=root / "NanoServer" / "NanoServer.wim"
    )
    guard = unchanged_until_the_end(copy)
    assert next(guard) is copy
    return copy, guard


def test_the_check_passes_when_nothing_changed(sample_media: SampleMedia, tmp_path: Path) -> None:
    _, guard = _guard_copy(sample_media, tmp_path)
    with pytest.raises(StopIteration):
        next(guard)  # type: ignore[call-overload]


@pytest.mark.parametrize("change", ["rewrite", "add", "chmod"])
def test_the_check_fails_when_a_byte_changed(
    sample_media: SampleMedia, tmp_path: Path, change: str
) -> None:
    copy, guard = _guard_copy(sample_media, tmp_path)
    if change == "rewrite":
        with copy.wim.open("r+b") as wim:
            wim.seek(300)
            byte = wim.read(1)[0]
            wim.seek(300)
            wim.write(bytes([byte ^ 0xFF]))
    elif change == "add":
        (copy.root / "NanoServer" / "new.txt").write_text("x")
    else:
        copy.wim.chmod(0o600)
    with pytest.raises(AssertionError, match="sample media changed"):
        next(guard)  # type: ignore[call-overload]
