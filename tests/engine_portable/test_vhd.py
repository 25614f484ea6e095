"""Fixed VHD footer and sizing, checked with qemu-img (-f vpc)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanostudio.engine.portable import vhd

GIB = 1 << 30
MIB = 1 << 20

needs_qemu_img = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


def write_vhd(path: Path, size: int, payload: bytes = b"") -> None:
    with path.open("wb") as f:
        f.write(payload)
        f.truncate(size)
        f.seek(size)
        f.write(vhd.vhd_footer(size, unique_id=uuid.uuid4(), timestamp=1_700_000_000))


def qemu_info(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["qemu-img", "info", "--output=json", "-f", "vpc", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    info: dict[str, object] = json.loads(out)
    return info


def test_geometry_follows_the_specification_buckets() -> None:
    assert vhd.chs_geometry(16_777_216) == (16644, 16, 63)  # 8 GiB: 63 sectors/track
    assert vhd.chs_geometry(100_000) == (980, 6, 17)  # 17 sectors/track, heads by size
    assert vhd.chs_geometry(40_000) == (588, 4, 17)  # at least 4 heads
    assert vhd.chs_geometry(65535 * 16 * 255 + 10) == (65535, 16, 255)  # capped


@given(st.integers(min_value=64 * MIB, max_value=2048 * GIB))
@settings(max_examples=300, deadline=None)
def test_fixed_size_is_chs_exact_and_close(requested: int) -> None:
    size = vhd.fixed_disk_size(requested)
    assert size <= requested
    assert size % 512 == 0
    assert requested - size < 16 * 255 * 512 + 512
    cyl, heads, spt = vhd.chs_geometry(size // 512)
    assert cyl * heads * spt * 512 == size or size // 512 >= vhd.MAX_CHS_SECTORS
    assert vhd.fixed_disk_size(size) == size


def test_footer_fields_and_checksum() -> None:
    size = vhd.fixed_disk_size(GIB)
    unique = uuid.uuid4()
    footer = vhd.vhd_footer(size, unique_id=unique, timestamp=946684800 + 1234)
    assert len(footer) == 512
    assert footer[:8] == b"conectix"
    data_offset, timestamp = struct.unpack_from(">QI", footer, 16)
    assert data_offset == 0xFFFFFFFFFFFFFFFF
    assert timestamp == 1234
    assert struct.unpack_from(">QQ", footer, 40) == (size, size)
    assert struct.unpack_from(">I", footer, 60)[0] == vhd.DISK_TYPE_FIXED
    assert footer[68:84] == unique.bytes
    checksum = struct.unpack_from(">I", footer, 64)[0]
    zeroed = footer[:64] + bytes(4) + footer[68:]
    assert checksum == ~sum(zeroed) & 0xFFFFFFFF


def test_footer_refuses_a_size_readers_would_disagree_on() -> None:
    with pytest.raises(ValueError, match="CHS-exact"):
        vhd.vhd_footer(8 * GIB, unique_id=uuid.uuid4())


@needs_qemu_img
@pytest.mark.parametrize("requested", [400 * MIB, 8 * GIB, 130 * GIB])
def test_qemu_reads_the_exact_virtual_size(tmp_path: Path, requested: int) -> None:
    size = vhd.fixed_disk_size(requested)
    disk = tmp_path / "disk.vhd"
    write_vhd(disk, size)
    info = qemu_info(disk)
    assert info["format"] == "vpc"
    assert info["virtual-size"] == size


@needs_qemu_img
def test_qemu_reads_the_data_back(tmp_path: Path) -> None:
    size = vhd.fixed_disk_size(80 * MIB)
    payload = bytes(range(256)) * 4096
    disk = tmp_path / "disk.vhd"
    write_vhd(disk, size, payload)
    raw = tmp_path / "disk.raw"
    subprocess.run(
        ["qemu-img", "convert", "-f", "vpc", "-O", "raw", str(disk), str(raw)], check=True
    )
    assert raw.stat().st_size == size
    with raw.open("rb") as f:
        assert f.read(len(payload)) == payload
