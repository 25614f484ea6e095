"""Field-level changes to real VHD/VHDX/GPT structures, their checksums made right again.

A mutation that breaks a checksum only tests the checksum; these keep every CRC
and VHD checksum valid so the reader has to cope with the value itself. Offsets:
VHD spec v1.0 (footer, dynamic disk header), [MS-VHDX] §2.2 (headers, region
table), §2.6 (metadata table), UEFI §5.3 (GPT header).
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

from nanostudio.engine.edit.vdisk import open_virtual_disk
from nanostudio.engine.portable import vhdx
from nanostudio.engine.portable.crc32c import crc32c

KIB = 1 << 10
VHDX_HEADERS = (64 * KIB, 128 * KIB)
VHDX_REGION_TABLES = (192 * KIB, 256 * KIB)


@dataclass(frozen=True)
class Field:
    """A little-endian or big-endian integer at ``at`` inside a structure."""

    at: int
    fmt: str  # struct format with byte order, e.g. "<Q"


def _put(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as disk:
        disk.seek(offset)
        disk.write(data)


def _get(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as disk:
        disk.seek(offset)
        return disk.read(length)


# VHD ---------------------------------------------------------------------------------

VHD_DATA_OFFSET = Field(16, ">Q")
VHD_CURRENT_SIZE = Field(48, ">Q")
VHD_DISK_TYPE = Field(60, ">I")
VHD_TABLE_OFFSET = Field(16, ">Q")  # in the dynamic disk header
VHD_MAX_ENTRIES = Field(28, ">I")
VHD_BLOCK_SIZE = Field(32, ">I")


def _vhd_sum(data: bytearray, at: int) -> None:
    data[at : at + 4] = bytes(4)
    data[at : at + 4] = struct.pack(">I", ~sum(data) & 0xFFFFFFFF)


def set_vhd_footer(path: Path, field: Field, value: int) -> None:
    footer_at = path.stat().st_size - 512
    footer = bytearray(_get(path, footer_at, 512))
    struct.pack_into(field.fmt, footer, field.at, value)
    _vhd_sum(footer, 64)
    _put(path, footer_at, bytes(footer))


def set_vhd_header(path: Path, field: Field, value: int) -> None:
    footer = _get(path, path.stat().st_size - 512, 512)
    header_at = struct.unpack_from(">Q", footer, 16)[0]
    if header_at + 1024 > path.stat().st_size:
        return  # an earlier change pointed the footer past the file: no header to change
    header = bytearray(_get(path, header_at, 1024))
    struct.pack_into(field.fmt, header, field.at, value)
    _vhd_sum(header, 36)
    _put(path, header_at, bytes(header))


# VHDX --------------------------------------------------------------------------------


def _region_entries(path: Path) -> dict[uuid.UUID, int]:
    """Where each region's entry lies inside a region table."""
    table = _get(path, VHDX_REGION_TABLES[0], 64 * KIB)
    count = struct.unpack_from("<I", table, 8)[0]
    return {uuid.UUID(bytes_le=table[16 + 32 * n : 32 + 32 * n]): 16 + 32 * n for n in range(count)}


def set_vhdx_region(
    path: Path, region: uuid.UUID, *, offset: int | None = None, length: int | None = None
) -> None:
    """Both region tables, each with its CRC-32C."""
    entry = _region_entries(path)[region]
    for table_at in VHDX_REGION_TABLES:
        table = bytearray(_get(path, table_at, 64 * KIB))
        if offset is not None:
            struct.pack_into("<Q", table, entry + 16, offset)
        if length is not None:
            struct.pack_into("<I", table, entry + 24, length)
        struct.pack_into("<I", table, 4, 0)
        struct.pack_into("<I", table, 4, crc32c(bytes(table)))
        _put(path, table_at, bytes(table))


def _metadata_table_at(path: Path) -> int:
    table = _get(path, VHDX_REGION_TABLES[0], 64 * KIB)
    entry = _region_entries(path)[vhdx.METADATA_GUID]
    offset: int = struct.unpack_from("<Q", table, entry + 16)[0]
    return offset


def _metadata_entry_at(path: Path, item: uuid.UUID) -> int:
    table_at = _metadata_table_at(path)
    table = _get(path, table_at, 64 * KIB)
    for number in range(struct.unpack_from("<H", table, 10)[0]):
        at = 32 + 32 * number
        if uuid.UUID(bytes_le=table[at : at + 16]) == item:
            return table_at + at
    raise AssertionError(f"no metadata item {item}")


def set_vhdx_metadata_entry(path: Path, item: uuid.UUID, *, length: int) -> None:
    _put(path, _metadata_entry_at(path, item) + 20, struct.pack("<I", length))


def set_vhdx_metadata(path: Path, item: uuid.UUID, fmt: str, value: int) -> None:
    """The item's value (its first bytes); the metadata table has no checksum."""
    entry_at = _metadata_entry_at(path, item)
    item_offset = struct.unpack("<I", _get(path, entry_at + 16, 4))[0]
    _put(path, _metadata_table_at(path) + item_offset, struct.pack(fmt, value))


def refresh_vhdx_checksums(path: Path) -> None:
    """After any change to the headers or region tables: both CRC-32Cs valid again."""
    structures = [(at, 4 * KIB) for at in VHDX_HEADERS]
    structures += [(at, 64 * KIB) for at in VHDX_REGION_TABLES]
    for at, length in structures:
        data = bytearray(_get(path, at, length))
        struct.pack_into("<I", data, 4, 0)
        struct.pack_into("<I", data, 4, crc32c(bytes(data)))
        _put(path, at, bytes(data))


# GPT inside the virtual disk ------------------------------------------------------------


def write_virtual(path: Path, offset: int, data: bytes) -> None:
    """Change virtual disk bytes that the file stores (a GPT is always stored)."""
    with open_virtual_disk(path) as disk:
        extents = list(disk.extents(offset, offset + len(data)))
    assert len(extents) == 1 and extents[0].file_offset is not None, extents
    _put(path, extents[0].file_offset, data)


def read_virtual(path: Path, offset: int, length: int) -> bytes:
    with open_virtual_disk(path) as disk:
        return disk.read(offset, length)


GPT_ENTRIES_LBA = Field(72, "<Q")
GPT_ENTRY_COUNT = Field(80, "<I")
GPT_ENTRIES_CRC = Field(88, "<I")


def set_gpt_header(path: Path, field: Field, value: int, *, lba: int = 1) -> None:
    """A field of the GPT header at ``lba`` (512-byte sectors), its CRC32 made right."""
    header = bytearray(read_virtual(path, lba * 512, 512))
    struct.pack_into(field.fmt, header, field.at, value)
    size = struct.unpack_from("<I", header, 12)[0]
    struct.pack_into("<I", header, 16, 0)
    struct.pack_into("<I", header, 16, zlib.crc32(bytes(header[:size])))
    write_virtual(path, lba * 512, bytes(header))


def set_gpt_entries(path: Path, change: dict[int, tuple[int, int]]) -> None:
    """Partition ``number`` (1-based) now spans LBAs (first, last); both CRCs made right."""
    header = read_virtual(path, 512, 512)
    entries_lba, count, entry_size = struct.unpack_from("<QII", header, 72)
    table = bytearray(read_virtual(path, entries_lba * 512, count * entry_size))
    for number, (first, last) in change.items():
        struct.pack_into("<QQ", table, (number - 1) * entry_size + 32, first, last)
    write_virtual(path, entries_lba * 512, bytes(table))
    set_gpt_header(path, GPT_ENTRIES_CRC, zlib.crc32(bytes(table)))
