"""The delta WIM: the chosen image plus an overlay, written without touching the source."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.tools import libwim
from nanostudio.engine.tools.libwim import LIBRARY, DeltaWim, write_delta_wim
from nanostudio.engine.tools.native import LazyLibrary
from nanostudio.errors import BuildError
from tests.engine_portable.helpers import ntfs_cat, run


def test_delta_holds_only_metadata_and_overlay(sample_media: SampleMedia, tmp_path: Path) -> None:
    assert LIBRARY.available()
    before = hashlib.sha256(sample_media.wim.read_bytes()).hexdigest()
    overlay = tmp_path / "overlay"
    (overlay / "Windows" / "Setup" / "Scripts").mkdir(parents=True)
    (overlay / "Windows" / "Setup" / "Scripts" / "SetupComplete.cmd").write_text("echo hi\r\n")
    (overlay / "Windows" / "System32").mkdir(parents=True)
    (overlay / "Windows" / "System32" / "extra.txt").write_text("added")
    delta = tmp_path / "delta.wim"
    write_delta_wim(DeltaWim(sample_media.wim, 2, overlay, delta))
    assert hashlib.sha256(sample_media.wim.read_bytes()).hexdigest() == before
    assert delta.stat().st_size < sample_media.wim.stat().st_size // 4
    info = run(["wimlib-imagex", "info", str(delta)])
    assert "Image Count:    1" in info and "ServerDatacenterNano" in info
    # Without the source referenced the image's own files are missing...
    volume = tmp_path / "v.img"
    with volume.open("wb") as out:
        out.truncate(64 << 20)
    run(["mkntfs", "-F", "-Q", str(volume)])
    alone = subprocess.run(
        ["wimlib-imagex", "apply", str(delta), "1", str(volume)], capture_output=True, check=False
    )
    assert alone.returncode != 0
    # ...with it, the image and the overlay are applied together, existing folders merged.
    volume.unlink()
    with volume.open("wb") as out:
        out.truncate(64 << 20)
    run(["mkntfs", "-F", "-Q", str(volume)])
    run(["wimlib-imagex", "apply", str(delta), "1", str(volume), f"--ref={sample_media.wim}"])
    assert ntfs_cat(volume, "Windows/System32/extra.txt") == b"added"
    assert (
        ntfs_cat(volume, sample_media.marker_path).decode().strip()
        == sample_media.datacenter_marker
    )


def test_the_helper_gets_the_same_delta_back(tmp_path: Path) -> None:
    delta = DeltaWim(tmp_path / "src wim \udcff.wim", 3, tmp_path / "over lay", tmp_path / "d.wim")
    assert DeltaWim.from_argv(delta.argv()) == delta
    uncompressed = replace(delta, compress=False)
    assert DeltaWim.from_argv(uncompressed.argv()) == uncompressed


def test_unreadable_source_is_a_build_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="wimlib could not open"):
        write_delta_wim(DeltaWim(tmp_path / "missing.wim", 1, tmp_path, tmp_path / "d.wim"))


def test_the_write_runs_in_a_helper_process(
    sample_media: SampleMedia, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wimlib holds the metadata of the whole image while it writes (about 1 KB a file:
    300 MB at 300,000 files) and a process keeps such memory: the build's own process
    must never load libwim for the write (issue 17)."""

    def not_here() -> NoReturn:
        raise AssertionError("libwim was loaded in the build's own process")

    monkeypatch.setattr(libwim, "LIBRARY", LazyLibrary(not_here))
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "added.txt").write_text("added")
    delta = tmp_path / "delta.wim"
    write_delta_wim(DeltaWim(sample_media.wim, 1, overlay, delta))
    assert "Image Count:    1" in run(["wimlib-imagex", "info", str(delta)])


def test_a_helper_failure_comes_back_as_the_same_error(tmp_path: Path) -> None:
    (tmp_path / "not.wim").write_bytes(b"not a WIM at all" * 64)
    with pytest.raises(BuildError, match="wimlib could not open") as raised:
        write_delta_wim(DeltaWim(tmp_path / "not.wim", 1, tmp_path, tmp_path / "d.wim"))
    assert "Traceback" not in str(raised.value)
    assert not (tmp_path / "d.wim").exists()


def test_a_delta_for_a_disk_build_is_uncompressed_and_applies_the_same(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    """A disk build applies its delta once: LZX would be CPU spent for nothing (issue 17);
    a .wim output exports its delta, so the default stays LZX."""
    overlay = tmp_path / "overlay"
    (overlay / "Windows" / "System32").mkdir(parents=True)
    (overlay / "Windows" / "System32" / "extra.txt").write_text("added")
    plain, packed = tmp_path / "plain.wim", tmp_path / "packed.wim"
    write_delta_wim(DeltaWim(sample_media.wim, 1, overlay, plain, compress=False))
    write_delta_wim(DeltaWim(sample_media.wim, 1, overlay, packed))
    assert "Compression:    None" in run(["wimlib-imagex", "info", str(plain)])
    assert "Compression:    LZX" in run(["wimlib-imagex", "info", str(packed)])
    volume = tmp_path / "v.img"
    with volume.open("wb") as out:
        out.truncate(64 << 20)
    run(["mkntfs", "-F", "-Q", str(volume)])
    run(["wimlib-imagex", "apply", str(plain), "1", str(volume), f"--ref={sample_media.wim}"])
    assert ntfs_cat(volume, "Windows/System32/extra.txt") == b"added"
