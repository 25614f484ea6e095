"""Disk images qemu-img makes, and the faults an edit must refuse, made by patching them."""

from __future__ import annotations

import os
import struct
import subprocess
import uuid
from pathlib import Path

from nanostudio.engine.portable.crc32c import crc32c

MIB = 1 << 20
KIB = 1 << 10


def qemu_convert(source: Path, fmt: str, dest: Path, *options: str) -> Path:
    """``qemu-img convert -O fmt``: a container NanoStudio did not write."""
    subprocess.run(
        ["qemu-img", "convert", "-O", fmt, *options, str(source), str(dest)],
        check=True,
        capture_output=True,
    )
    return dest


def raw_with_data(path: Path, size: int = 64 * MIB) -> bytes:
    """A raw disk with random data in a few places and holes elsewhere; its bytes."""
    with path.open("wb") as out:
        out.truncate(size)
        for offset, length in ((0, 4096), (5 * MIB + 512, 3 * MIB), (40 * MIB, 5000)):
            out.seek(offset)
            out.write(os.urandom(length))
    return path.read_bytes()


def _vhdx_header_offsets() -> tuple[int, int]:
    return 64 * KIB, 128 * KIB


def _rewrite_vhdx_header(path: Path, change: bytes, at: int) -> None:
    with path.open("r+b") as disk:
        for offset in _vhdx_header_offsets():
            disk.seek(offset)
            header = bytearray(disk.read(4 * KIB))
            header[at : at + len(change)] = change
            header[4:8] = bytes(4)
            header[4:8] = struct.pack("<I", crc32c(bytes(header)))
            disk.seek(offset)
            disk.write(header)


def dirty_vhdx_log(path: Path) -> None:
    """A non-zero LogGuid in both headers ([MS-VHDX] §2.2.2): the log has entries."""
    _rewrite_vhdx_header(path, uuid.uuid4().bytes_le, 48)


_METADATA_REGION = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E")
_BAT_REGION = uuid.UUID("2DC27766-F623-4200-9D64-115E9BFD4A08")


def _region_offset(data: bytes, guid: uuid.UUID) -> int:
    """File offset of a VHDX region, from the first region table ([MS-VHDX] §2.2.3)."""
    table = 192 * KIB
    count = struct.unpack_from("<I", data, table + 8)[0]
    for number in range(count):
        at = table + 16 + 32 * number
        if uuid.UUID(bytes_le=data[at : at + 16]) == guid:
            offset: int = struct.unpack_from("<Q", data, at + 16)[0]
            return offset
    raise AssertionError(f"no region {guid}")


def _metadata_item(path: Path, item: uuid.UUID) -> int:
    """File offset of a VHDX metadata item's data."""
    data = path.read_bytes()[: 8 * MIB]
    region = _region_offset(data, _METADATA_REGION)
    entries = struct.unpack_from("<H", data, region + 10)[0]
    for entry in range(entries):
        where = region + 32 + 32 * entry
        if uuid.UUID(bytes_le=data[where : where + 16]) == item:
            offset: int = struct.unpack_from("<I", data, where + 16)[0]
            return region + offset
    raise AssertionError("metadata item not found")


def vhdx_with_parent(path: Path) -> None:
    """Set File Parameters' HasParent bit ([MS-VHDX] §2.6.2.1): a differencing disk."""
    at = _metadata_item(path, uuid.UUID("CAA16737-FA36-4D43-B3B6-33F0AA44E76B"))
    with path.open("r+b") as disk:
        disk.seek(at + 4)
        bits = struct.unpack("<I", disk.read(4))[0]
        disk.seek(at + 4)
        disk.write(struct.pack("<I", bits | 0x2))


def vhdx_bat_offset(path: Path) -> int:
    return _region_offset(path.read_bytes()[: 320 * KIB], _BAT_REGION)


def damage_vhdx_bat(path: Path) -> None:
    """The first payload entry: fully present, far beyond the end of the file."""
    entry = (1 << 20) << 20 | 6  # FileOffsetMB 2^20 (1 TiB), state FULLY_PRESENT
    with path.open("r+b") as disk:
        disk.seek(vhdx_bat_offset(path))
        disk.write(struct.pack("<Q", entry))


def _vhd_checksum(footer: bytearray) -> None:
    footer[64:68] = bytes(4)
    footer[64:68] = struct.pack(">I", ~sum(footer) & 0xFFFFFFFF)


def vhd_as_differencing(path: Path) -> None:
    """Disk type 4 in the footer (VHD spec: differencing hard disk), checksum fixed."""
    size = path.stat().st_size
    with path.open("r+b") as disk:
        disk.seek(size - 512)
        footer = bytearray(disk.read(512))
        footer[60:64] = struct.pack(">I", 4)
        _vhd_checksum(footer)
        disk.seek(size - 512)
        disk.write(footer)


def damage_vhd_bat(path: Path) -> None:
    """The first BAT entry of a dynamic VHD points past the end of the file."""
    size = path.stat().st_size
    with path.open("r+b") as disk:
        disk.seek(size - 512)
        footer = disk.read(512)
        header_at = struct.unpack_from(">Q", footer, 16)[0]
        disk.seek(header_at + 16)
        table = struct.unpack(">Q", disk.read(8))[0]
        disk.seek(table)
        disk.write(struct.pack(">I", (size // 512) + 100_000))


def partitioned_disk(
    folder: Path,
    fmt: str,
    sgdisk: list[str],
    *,
    mbr: bool = False,
    ntfs_at: int | None = None,
    size: int = 64 * MIB,
) -> Path:
    """A disk whose table sgdisk writes (``mbr``: then turned into an MBR by sgdisk),
    with an NTFS boot sector's OEM ID at sector ``ntfs_at``, in qemu-img's ``fmt``."""
    raw = folder / f"{fmt}-{len(list(folder.iterdir()))}.raw"
    with raw.open("wb") as out:
        out.truncate(size)
    subprocess.run(["sgdisk", *sgdisk, str(raw)], check=True, capture_output=True)
    if mbr:
        subprocess.run(["sgdisk", "--gpttombr=1", str(raw)], check=True, capture_output=True)
    if ntfs_at is not None:
        with raw.open("r+b") as out:
            out.seek(ntfs_at * 512 + 3)
            out.write(b"NTFS    ")
    disk = qemu_convert(raw, fmt, raw.with_suffix(".vhd" if fmt == "vpc" else ".vhdx"))
    raw.unlink()
    return disk


WINDOWS_SECTOR = 2048 + 8 * 2048  # the second partition of small_windows_disk


def small_windows_disk(folder: Path, fmt: str = "vhdx", size: int = 64 * MIB) -> Path:
    """A GPT disk (ESP + basic data) whose second partition starts like an NTFS volume,
    in the container qemu-img writes (``vhdx`` or ``vpc``): what the edit checks read."""
    table = ["-n", "1:2048:+8M", "-t", "1:EF00", "-n", "2:0:0", "-t", "2:0700"]
    return partitioned_disk(folder, fmt, table, ntfs_at=WINDOWS_SECTOR, size=size)
