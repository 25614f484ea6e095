"""The partition table of a source disk (GPT or MBR) and its Windows (NTFS) partition.

GPT: UEFI Specification 2.x §5.3 (header at LBA 1, signature ``EFI PART``, CRC32
of the header and of the entry array; partitions between FirstUsableLBA and
LastUsableLBA, none overlapping); a protective MBR holds one entry of type 0xEE.
When the primary header or its entries are damaged, the backup header in the
disk's last LBA is read instead, as firmware and Windows do (§5.3.2). MBR: four
primary entries at byte 446, signature 55 AA at 510; logical partitions are never
followed. A partition is taken as NTFS when its boot sector says ``NTFS    `` at
byte 3 (the OEM ID every NTFS formatter writes); the GPT type must also be
Microsoft basic data.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass, replace
from itertools import pairwise
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
    from_backup: bool = False  # a GPT read from its backup header: the primary is damaged

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
    if disk.size < 2 * sector or disk.read(0, 512)[510:512] != b"\x55\xaa":
        raise MediaError(f"{disk.path} has no partition table: it holds no Windows image to edit")
    mbr = disk.read(0, 512)
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
        if first == 0 or offset + size > disk.size:
            raise MediaError(f"{disk.path}: MBR partition {number} lies outside the disk")
        partitions.append(DiskPartition(number, offset, size, f"0x{kind:02x}", False))
    _refuse_overlaps(disk, "MBR", partitions)
    return PartitionTable(
        "mbr", tuple(replace(p, ntfs=_is_ntfs(disk, p.offset)) for p in partitions)
    )


def _read_gpt(disk: VirtualDisk, sector: int) -> PartitionTable:
    try:
        return _gpt_at(disk, sector, 1)
    except _DamagedGpt as primary:
        last = disk.size // sector - 1
        # The backup is in the last LBA; a disk grown since keeps it where the primary
        # header says (a hint only: the backup must prove itself, MyLBA included).
        for lba in dict.fromkeys((last, _alternate_lba(disk, sector, last))):
            try:
                return replace(_gpt_at(disk, sector, lba), from_backup=True)
            except _DamagedGpt:
                continue
        raise MediaError(
            f"{disk.path}: {primary}, and the backup GPT cannot be read either; the disk is damaged"
        ) from None


class _DamagedGpt(Exception):
    """This copy of the GPT cannot be used; the other one may be."""


def _alternate_lba(disk: VirtualDisk, sector: int, last: int) -> int:
    alternate: int = struct.unpack_from("<Q", disk.read(sector, 512), 32)[0]
    return alternate if 1 < alternate <= last else last


def _gpt_at(disk: VirtualDisk, sector: int, lba: int) -> PartitionTable:
    header = disk.read(lba * sector, 512)
    if header[:8] != b"EFI PART":
        raise _DamagedGpt("the GPT header is missing")
    size = struct.unpack_from("<I", header, 12)[0]
    if not 92 <= size <= 512:
        raise _DamagedGpt(f"the GPT header is damaged (size {size})")
    crc = struct.unpack_from("<I", header, 16)[0]
    if zlib.crc32(header[:16] + bytes(4) + header[20:size]) != crc:
        raise _DamagedGpt("the GPT header's checksum is wrong")
    if struct.unpack_from("<Q", header, 24)[0] != lba:
        raise _DamagedGpt(f"the GPT header at LBA {lba} says it is elsewhere")
    first_usable, last_usable = struct.unpack_from("<QQ", header, 40)
    entries_lba, count, entry_size, entries_crc = struct.unpack_from("<QIII", header, 72)
    if count > 1024 or entry_size < 128 or entry_size > 1024:
        raise _DamagedGpt(f"the GPT header is damaged ({count} entries of {entry_size} bytes)")
    if entries_lba * sector + count * entry_size > disk.size:
        raise _DamagedGpt("the GPT entries lie beyond the end of the disk")
    table = disk.read(entries_lba * sector, count * entry_size)
    if zlib.crc32(table) != entries_crc:
        raise _DamagedGpt("the GPT entries' checksum is wrong")
    partitions = []
    for number in range(count):
        entry = table[number * entry_size : (number + 1) * entry_size]
        type_guid = uuid.UUID(bytes_le=entry[:16])
        if type_guid.int == 0:
            continue
        first, last = struct.unpack_from("<QQ", entry, 32)
        if not first_usable <= first <= last <= last_usable or (last + 1) * sector > disk.size:
            raise MediaError(
                f"{disk.path}: GPT partition {number + 1} lies outside the disk's usable "
                "sectors; the disk is damaged"
            )
        offset, length = first * sector, (last - first + 1) * sector
        partitions.append(DiskPartition(number + 1, offset, length, str(type_guid), False))
    _refuse_overlaps(disk, "GPT", partitions)
    return PartitionTable(
        "gpt",
        tuple(
            replace(p, ntfs=p.type_name == str(BASIC_DATA_TYPE) and _is_ntfs(disk, p.offset))
            for p in partitions
        ),
    )


def _refuse_overlaps(disk: VirtualDisk, scheme: str, partitions: list[DiskPartition]) -> None:
    """Two partitions sharing sectors: which one holds Windows is anyone's guess."""
    ordered = sorted(partitions, key=lambda part: part.offset)
    for before, after in pairwise(ordered):
        if after.offset < before.offset + before.size:
            raise MediaError(
                f"{disk.path}: {scheme} partitions {before.number} and {after.number} overlap; "
                "the disk is damaged"
            )


def _is_ntfs(disk: VirtualDisk, offset: int) -> bool:
    return disk.read(offset + 3, 8) == _NTFS_OEM
