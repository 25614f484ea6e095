"""Dynamic VHDX metadata, checked with qemu-img (check, info, convert)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import uuid
from pathlib import Path

import pytest

from nanostudio.engine.portable import vhdx
from nanostudio.engine.portable.crc32c import crc32c

MIB = 1 << 20
GIB = 1 << 30

needs_qemu_img = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


def test_crc32c_known_vectors() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"6789", crc32c(b"12345")) == 0xE3069283


def test_geometry_interleaves_sector_bitmap_entries() -> None:
    geometry = vhdx.VhdxGeometry(8 * GIB)
    assert geometry.chunk_ratio == 4096
    assert geometry.payload_blocks == 8192
    assert geometry.bat_entries == 8192 + 1
    assert geometry.bat_index(4095) == 4095
    assert geometry.bat_index(4096) == 4097  # entry 4096 is the first sector-bitmap entry
    assert geometry.bat_length == MIB
    assert geometry.data_offset == 4 * MIB
    odd = vhdx.VhdxGeometry(3 * MIB + 512)
    assert odd.payload_blocks == 4


def test_headers_and_region_tables_carry_valid_crc32c() -> None:
    geometry = vhdx.VhdxGeometry(GIB)
    area = vhdx.metadata_area(
        geometry,
        {},
        disk_id=uuid.uuid4(),
        file_write_guid=uuid.uuid4(),
        data_write_guid=uuid.uuid4(),
    )
    assert area[:8] == b"vhdxfile"
    for offset, length in ((64 * 1024, 4096), (128 * 1024, 4096), (192 * 1024, 65536)):
        block = bytearray(area[offset : offset + length])
        stored = struct.unpack_from("<I", block, 4)[0]
        block[4:8] = bytes(4)
        assert crc32c(block) == stored
    sequences = [struct.unpack_from("<Q", area, off + 8)[0] for off in (64 * 1024, 128 * 1024)]
    assert sequences == [0, 1]
    assert area[vhdx.METADATA_OFFSET : vhdx.METADATA_OFFSET + 8] == b"metadata"


def test_bat_rejects_misplaced_blocks() -> None:
    geometry = vhdx.VhdxGeometry(64 * MIB)
    with pytest.raises(ValueError, match="outside"):
        vhdx.bat(geometry, {64: geometry.data_offset})
    with pytest.raises(ValueError, match="bad file offset"):
        vhdx.bat(geometry, {0: geometry.data_offset + 512})
    with pytest.raises(ValueError, match="bad file offset"):
        vhdx.bat(geometry, {0: 0})


def build(path: Path, size: int, blocks: dict[int, bytes]) -> None:
    """A VHDX whose payload blocks are written in reverse order, to exercise the BAT."""
    geometry = vhdx.VhdxGeometry(size)
    order = sorted(blocks, reverse=True)
    offsets = {b: geometry.data_offset + i * MIB for i, b in enumerate(order)}
    area = vhdx.metadata_area(
        geometry,
        offsets,
        disk_id=uuid.uuid4(),
        file_write_guid=uuid.uuid4(),
        data_write_guid=uuid.uuid4(),
    )
    with path.open("wb") as f:
        f.write(area)
        for block in order:
            f.write(blocks[block].ljust(MIB, b"\0"))


@needs_qemu_img
def test_qemu_checks_and_reads_a_dynamic_vhdx(tmp_path: Path) -> None:
    size = 5000 * MIB + 512  # beyond one chunk (4096 blocks), and not a whole block
    blocks = {0: b"first", 4095: b"before bitmap", 4096: b"after bitmap", 5000: b"last"}
    disk = tmp_path / "disk.vhdx"
    build(disk, size, blocks)

    check = subprocess.run(["qemu-img", "check", str(disk)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    info = json.loads(
        subprocess.run(
            ["qemu-img", "info", "--output=json", str(disk)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert info["format"] == "vhdx"
    assert info["virtual-size"] == size
    assert info["cluster-size"] == MIB

    raw = tmp_path / "disk.raw"
    subprocess.run(
        ["qemu-img", "convert", "-f", "vhdx", "-O", "raw", str(disk), str(raw)], check=True
    )
    assert raw.stat().st_size == size
    with raw.open("rb") as f:
        for block, data in blocks.items():
            f.seek(block * MIB)
            assert f.read(len(data)) == data
        f.seek(1 * MIB)
        assert f.read(MIB) == bytes(MIB)  # a NOT_PRESENT block reads as zeros
