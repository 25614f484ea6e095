"""``nanostudio edit`` refuses bad input with one line and exit 2, before any work.

Nothing is written (no output, no temp folder) and the source's SHA-256 stays the same.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from tests.engine_edit.conftest import Original, sha256
from tests.engine_edit.disk_faults import (
    damage_vhdx_bat,
    dirty_vhdx_log,
    partitioned_disk,
    qemu_convert,
    vhd_as_differencing,
)
from tests.engine_portable.helpers import PASSWORD, to_raw


def _refused(
    capsys: pytest.CaptureFixture[str], source: Path, args: list[str], *words: str
) -> None:
    digest = sha256(source)
    folder = source.parent
    before = sorted(p.name for p in folder.iterdir())
    assert main(["edit", str(source), *args]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0]
    assert sha256(source) == digest
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.fixture
def copy_of(original_vhdx: Original, tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        return Path(shutil.copyfile(original_vhdx.path, tmp_path / name))

    return make


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)


def test_a_file_that_is_not_a_disk(
    tmp_path: Path, original_vhdx: Original, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.vhdx"
    notes.write_text("hello\n")
    _refused(capsys, notes, ["--media", str(original_vhdx.media)], "is not a VHD or VHDX")


def test_a_disk_with_no_ntfs_partition(
    tmp_path: Path, original_vhdx: Original, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = partitioned_disk(tmp_path, "vhdx", ["-n", "1:2048:0"])
    _refused(capsys, disk, ["--media", str(original_vhdx.media)], "has no NTFS partition")


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (damage_vhdx_bat, ("is damaged", "BAT entry 0")),
        (dirty_vhdx_log, ("log that was not replayed",)),
    ],
)
def test_a_damaged_or_dirty_vhdx(
    copy_of: Callable[[str], Path],
    original_vhdx: Original,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], None],
    words: tuple[str, ...],
) -> None:
    disk = copy_of("broken.vhdx")
    damage(disk)
    _refused(capsys, disk, ["--media", str(original_vhdx.media)], *words)


def test_a_differencing_vhd(
    original_vhdx: Original, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = to_raw(original_vhdx.path, "vhdx", tmp_path / "disk.raw")
    disk = qemu_convert(raw, "vpc", tmp_path / "child.vhd")
    raw.unlink()
    vhd_as_differencing(disk)
    _refused(capsys, disk, ["--media", str(original_vhdx.media)], "differencing disk")


def test_output_is_the_source(
    copy_of: Callable[[str], Path], original_vhdx: Original, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = copy_of("same.vhdx")
    _refused(
        capsys,
        disk,
        ["--media", str(original_vhdx.media), "-o", str(disk)],
        "is the image being edited",
    )


def test_another_output_format_or_a_smaller_disk(
    copy_of: Callable[[str], Path], original_vhdx: Original, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = copy_of("disk.vhdx")
    media = ["--media", str(original_vhdx.media)]
    _refused(capsys, disk, [*media, "-o", str(disk.with_name("x.vhd"))], "writes a new .vhdx")
    _refused(capsys, disk, [*media, "--size", "1GiB"], "cannot be smaller")


def test_a_wim_index_that_does_not_exist(
    original_wim: Original, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wim = Path(shutil.copyfile(original_wim.path, tmp_path / "source.wim"))
    _refused(capsys, wim, ["--media", str(original_wim.media), "--index", "2"], "has no image 2")


def test_a_bios_mbr_disk_needs_the_windows_engine(
    tmp_path: Path, original_vhdx: Original, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = partitioned_disk(tmp_path, "vpc", ["-n", "1:2048:0"], mbr=True, ntfs_at=2048)
    _refused(
        capsys,
        disk,
        # Its NTFS is a stand-in no tool reads: the name is given, as it then must be.
        [
            *["--media", str(original_vhdx.media), "--engine", "portable", "--size", "1GiB"],
            "--computer-name",
            "WEB1",
        ],
        "BIOS (MBR) disk",
    )
