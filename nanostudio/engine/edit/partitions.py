"""The partition table of a source disk (GPT or MBR) and its Windows (NTFS) partition.

GPT: UEFI Specification 2.x §5.3 (header at LBA 1, signature ``EFI PART``, CRC32
of the header and of the entry array); a protective MBR holds one entry of type
0xEE. MBR: four primary entries at byte 446, signature 55 AA at 510. A partition
is taken as NTFS when its boot sector says ``NTFS    `` at byte 3 (the OEM ID
every NTFS formatter writes); the GPT type must also be Microsoft basic data.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from typing import Literal

from nanostudio.engine.edit.vdisk import VirtualDisk
from nanostudio.engine.portable.gpt import BASIC_DATA_TYPE
from nanostudio.errors import MediaError

Scheme = Literal["gpt", "mbr"]
_GPT_PROTECTIVE = 0xEE
_EXTENDED = frozenset({0x05, 0x0F, 0x85})
_NTFS_OEM = b"NTFS    "


@dataclass(frozen=True)
class DiskPartition:
    number: int  # 1-based, as sgdisk and diskpart count
    offset: int  # bytes
    size: int
    type_name: str  # GPT type GUID or MBR type byte, for messages
    ntfs: bool


@dataclass(frozen=True)
class PartitionTable:
    scheme: Scheme
    partitions: tuple[DiskPartition, ...]

    def windows_partition(self, disk: VirtualDisk) -> DiskPartition:
        """The NTFS partition Windows lives on: the largest, if there are several."""
        ntfs = [part for part in self.partitions if part.ntfs]
        if not ntfs:
            raise MediaError(
                f"{disk.path} has no NTFS partition: it holds no Windows image to edit"
            )
        return max(ntfs, key=lambda part: part.size)


def read_partition_table(disk: VirtualDisk) -> PartitionTable:
    sector = disk.sector_size
    mbr = disk.read(0, 512)
    if mbr[510:512] != b"\x55\xaa":
        raise MediaError(f"{disk.path} has no partition table: it holds no Windows image to edit")
    entries = [struct.unpack_from("<B3xB3xII", mbr, 446 + 16 * n) for n in range(4)]
    if any(kind == _GPT_PROTECTIVE for _, kind, _, _ in entries):
        return _read_gpt(disk, sector)
    partitions = []
    for number, (_, kind, first, count) in enumerate(entries, 1):
        if kind == 0 or count == 0:
            continue
        if kind in _EXTENDED:
            continue  # logical partitions: Windows images never live there
        offset, size = first * sector, count * sector
        if offset + size > disk.size:
            raise MediaError(f"{disk.path}: MBR partition {number} ends beyond the disk")
        partitions.append(
            DiskPartition(number, offset, size, f"0x{kind:02x}", _is_ntfs(disk, offset))
        )
    return PartitionTable("mbr", tuple(partitions))


def _read_gpt(disk: VirtualDisk, sector: int) -> PartitionTable:
    header = disk.read(sector, 512)
    if header[:8] != b"EFI PART":
        raise MediaError(f"{disk.path}: the GPT header is missing; the disk is damaged")
    size = struct.unpack_from("<I", header, 12)[0]
    if not 92 <= size <= 512:
        raise MediaError(f"{disk.path}: the GPT header is damaged (size {size})")
    crc = struct.unpack_from("<I", header, 16)[0]
    if zlib.crc32(header[:16] + bytes(4) + header[20:size]) != crc:
        raise MediaError(f"{disk.path}: the GPT header's checksum is wrong; the disk is damaged")
    entries_lba, count, entry_size, entries_crc = struct.unpack_from("<QIII", header, 72)
    if count > 1024 or entry_size < 128 or entry_size > 1024:
        raise MediaError(f"{disk.path}: the GPT header is damaged ({count} entries)")
    table = disk.read(entries_lba * sector, count * entry_size)
    if zlib.crc32(table) != entries_crc:
        raise MediaError(f"{disk.path}: the GPT entries' checksum is wrong; the disk is damaged")
    partitions = []
    for number in range(count):
        entry = table[number * entry_size : (number + 1) * entry_size]
        type_guid = uuid.UUID(bytes_le=entry[:16])
        if type_guid.int == 0:
            continue
        first, last = struct.unpack_from("<QQ", entry, 32)
        offset, length = first * sector, (last - first + 1) * sector
        if last < first or offset + length > disk.size:
            raise MediaError(f"{disk.path}: GPT partition {number + 1} ends beyond the disk")
        ntfs = type_guid == BASIC_DATA_TYPE and _is_ntfs(disk, offset)
        partitions.append(DiskPartition(number + 1, offset, length, str(type_guid), ntfs))
    return PartitionTable("gpt", tuple(partitions))


def _is_ntfs(disk: VirtualDisk, offset: int) -> bool:
    return disk.read(offset + 3, 8) == _NTFS_OEM
