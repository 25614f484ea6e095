"""GPT layout and table bytes, checked with sgdisk (a reader we did not write)."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from nanostudio.engine.portable import gpt
from nanostudio.errors import OutputError

GIB = 1 << 30
MIB = 1 << 20

needs_sgdisk = pytest.mark.skipif(shutil.which("sgdisk") is None, reason="needs sgdisk (gdisk)")


def write_table_only_disk(path: Path, layout: gpt.DiskLayout) -> None:
    """A sparse disk file holding just the GPT (enough for partition-table readers)."""
    with path.open("wb") as f:
        f.truncate(layout.disk_size)
        f.write(gpt.gpt_head(layout))
        f.seek(layout.tail_offset)
        f.write(gpt.gpt_tail(layout))


def test_layout_is_aligned_and_sized() -> None:
    layout = gpt.plan_layout(8 * GIB, rng=random.Random(3))
    esp, msr, win = layout.partitions
    assert esp.offset_bytes == MIB
    assert esp.size_bytes == 200 * MIB
    assert msr.offset_bytes == 201 * MIB
    assert msr.size_bytes == 128 * MIB
    assert win.offset_bytes == 329 * MIB
    assert win.offset_bytes % MIB == 0
    assert (win.offset_bytes + win.size_bytes) % MIB == 0
    # Windows ends before the backup GPT, at most 1 MiB short of it.
    assert win.offset_bytes + win.size_bytes <= layout.tail_offset
    assert layout.tail_offset - (win.offset_bytes + win.size_bytes) < MIB
    assert (esp.type_guid, msr.type_guid, win.type_guid) == (
        gpt.ESP_TYPE,
        gpt.MSR_TYPE,
        gpt.BASIC_DATA_TYPE,
    )


def test_layout_guids_are_deterministic_with_an_rng_and_distinct() -> None:
    one = gpt.plan_layout(GIB, rng=random.Random(7))
    two = gpt.plan_layout(GIB, rng=random.Random(7))
    other = gpt.plan_layout(GIB, rng=random.Random(8))
    assert one == two
    assert one != other
    guids = {one.disk_guid, *(p.guid for p in one.partitions)}
    assert len(guids) == 4
    assert all(g.version == 4 for g in guids)


def test_layout_without_rng_is_random() -> None:
    assert gpt.plan_layout(GIB).disk_guid != gpt.plan_layout(GIB).disk_guid


def test_too_small_disk_names_the_minimum() -> None:
    with pytest.raises(OutputError, match=rf"at least {gpt.MIN_DISK_SIZE // MIB} MiB"):
        gpt.plan_layout(gpt.MIN_DISK_SIZE - MIB)
    gpt.plan_layout(gpt.MIN_DISK_SIZE)  # the minimum itself is fine


def test_size_must_be_whole_sectors() -> None:
    with pytest.raises(OutputError, match="512-byte sectors"):
        gpt.plan_layout(GIB + 100)


def test_head_and_tail_sizes_and_checksums() -> None:
    layout = gpt.plan_layout(2 * GIB, rng=random.Random(1))
    head, tail = gpt.gpt_head(layout), gpt.gpt_tail(layout)
    assert len(head) == 34 * 512
    assert len(tail) == 33 * 512
    assert head[510:512] == b"\x55\xaa"
    assert head[446 + 4] == 0xEE
    primary, backup = head[512:1024], tail[-512:]
    for header, entries in ((primary, head[1024:]), (backup, tail[:-512])):
        fields = bytearray(header[:92])
        crc = struct.unpack_from("<I", fields, 16)[0]
        fields[16:20] = bytes(4)
        assert zlib.crc32(bytes(fields)) == crc
        assert struct.unpack_from("<I", header, 88)[0] == zlib.crc32(entries)
    # Each header points at the other copy.
    assert struct.unpack_from("<QQ", primary, 24) == (1, layout.total_sectors - 1)
    assert struct.unpack_from("<QQ", backup, 24) == (layout.total_sectors - 1, 1)


@needs_sgdisk
def test_sgdisk_verifies_and_reads_the_table(tmp_path: Path) -> None:
    layout = gpt.plan_layout(4 * GIB, rng=random.Random(5))
    disk = tmp_path / "disk.raw"
    write_table_only_disk(disk, layout)

    verify = subprocess.run(["sgdisk", "-v", str(disk)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "No problems found" in verify.stdout

    listing = subprocess.run(
        ["sgdisk", "-p", str(disk)], capture_output=True, text=True, check=True
    )
    assert f"Disk identifier (GUID): {str(layout.disk_guid).upper()}" in listing.stdout
    for number, part in enumerate(layout.partitions, start=1):
        info = subprocess.run(
            ["sgdisk", f"-i={number}", str(disk)], capture_output=True, text=True, check=True
        ).stdout
        assert f"Partition GUID code: {str(part.type_guid).upper()}" in info
        assert f"Partition unique GUID: {str(part.guid).upper()}" in info
        assert f"First sector: {part.first_lba} " in info
        assert f"Last sector: {part.last_lba} " in info
        assert f"Attribute flags: {part.attributes:016X}" in info
        assert re.search(rf"Partition name: '{re.escape(part.name)}'", info)
