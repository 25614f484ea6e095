"""The VHD/VHDX reader against containers qemu-img wrote, and the faults it must refuse."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from nanostudio.engine.edit.partitions import read_partition_table
from nanostudio.engine.edit.vdisk import open_virtual_disk
from nanostudio.errors import MediaError
from tests.engine_edit.disk_faults import (
    MIB,
    WINDOWS_SECTOR,
    damage_vhd_bat,
    damage_vhdx_bat,
    dirty_vhdx_log,
    partitioned_disk,
    qemu_convert,
    raw_with_data,
    small_windows_disk,
    vhd_as_differencing,
    vhdx_with_parent,
)


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("raw") / "disk.raw"
    return path, raw_with_data(path)


@pytest.mark.parametrize(
    ("fmt", "options", "suffix", "kind"),
    [
        ("vhdx", (), ".vhdx", "VHDX"),
        ("vhdx", ("-o", "block_size=8M"), ".vhdx", "VHDX"),
        ("vpc", (), ".vhd", "dynamic VHD"),
        ("vpc", ("-o", "subformat=fixed"), ".vhd", "fixed VHD"),
    ],
)
def test_every_byte_reads_as_qemu_img_wrote_it(
    raw: tuple[Path, bytes],
    tmp_path: Path,
    fmt: str,
    options: tuple[str, ...],
    suffix: str,
    kind: str,
) -> None:
    path, data = raw
    disk_file = qemu_convert(path, fmt, tmp_path / f"disk{suffix}", *options)
    with open_virtual_disk(disk_file) as disk:
        assert disk.kind == kind
        assert disk.size >= len(data)
        assert disk.read(0, len(data)) == data
        assert disk.read(len(data), disk.size - len(data)) == bytes(disk.size - len(data))
        # What the file stores covers every non-zero byte; a dynamic disk stores less.
        stored = disk.allocated_bytes(0, disk.size)
        assert stored >= 3 * MIB
        if kind != "fixed VHD":
            assert stored < disk.size // 2


def test_a_partition_table_written_by_sgdisk_is_read(tmp_path: Path) -> None:
    # Only the OEM ID of an NTFS boot sector marks partition 2 as NTFS.
    with open_virtual_disk(small_windows_disk(tmp_path)) as disk:
        table = read_partition_table(disk)
        assert table.scheme == "gpt"
        assert [p.number for p in table.partitions] == [1, 2]
        windows = table.windows_partition(disk)
        assert windows.number == 2 and windows.offset == WINDOWS_SECTOR * 512


def test_an_mbr_disk_is_read_as_mbr(tmp_path: Path) -> None:
    disk_file = partitioned_disk(tmp_path, "vpc", ["-n", "1:2048:0"], mbr=True, ntfs_at=2048)
    with open_virtual_disk(disk_file) as disk:
        table = read_partition_table(disk)
        assert table.scheme == "mbr"
        assert table.windows_partition(disk).offset == 2048 * 512


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(MediaError) as caught, open_virtual_disk(path) as disk:
        read_partition_table(disk).windows_partition(disk)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


def test_faults_are_refused_in_one_line(raw: tuple[Path, bytes], tmp_path: Path) -> None:
    path, _ = raw
    vhdx = qemu_convert(path, "vhdx", tmp_path / "good.vhdx")
    vhd = qemu_convert(path, "vpc", tmp_path / "good.vhd")

    dirty = shutil.copyfile(vhdx, tmp_path / "dirty.vhdx")
    dirty_vhdx_log(dirty)
    _refused(dirty, "log that was not replayed")

    parent = shutil.copyfile(vhdx, tmp_path / "child.vhdx")
    vhdx_with_parent(parent)
    _refused(parent, "differencing disk")

    bat = shutil.copyfile(vhdx, tmp_path / "bat.vhdx")
    damage_vhdx_bat(bat)
    _refused(bat, "is damaged", "BAT entry 0 points outside the file")

    vhd_bat = shutil.copyfile(vhd, tmp_path / "bat.vhd")
    damage_vhd_bat(vhd_bat)
    _refused(vhd_bat, "is damaged", "block 0")

    child = shutil.copyfile(vhd, tmp_path / "child.vhd")
    vhd_as_differencing(child)
    _refused(child, "differencing disk")

    footer = shutil.copyfile(vhd, tmp_path / "footer.vhd")
    with footer.open("r+b") as disk:
        disk.seek(-512 + 48, 2)
        disk.write(struct.pack(">Q", 1))  # size changed, checksum not
    _refused(footer, "checksum is wrong")

    text = tmp_path / "notes.vhdx"
    text.write_text("not a disk\n")
    _refused(text, "is not a VHD or VHDX file")

    # qemu-img's disk has data but no partition table.
    _refused(vhdx, "has no partition table")


def test_a_disk_with_no_ntfs_partition_is_refused(tmp_path: Path) -> None:
    _refused(partitioned_disk(tmp_path, "vhdx", ["-n", "1:2048:0"]), "has no NTFS partition")
