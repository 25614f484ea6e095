"""The GPT layout NanoStudio writes: ESP + MSR + Windows, 1 MiB aligned, 512-byte sectors.

The GUIDs are chosen here so that the BCD (which names the disk and partitions by
GUID) and the partition table agree. Only the table bytes are produced here; the
partition contents come from the steps and are put in place by ``assemble``.
"""

from __future__ import annotations

import random
import struct
import uuid
import zlib
from dataclasses import dataclass

from nanostudio.errors import OutputError

SECTOR = 512
MIB = 1 << 20
ALIGN = MIB

ESP_TYPE = uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
MSR_TYPE = uuid.UUID("E3C9E316-0B5C-4DB8-817D-F92DF00215AE")
BASIC_DATA_TYPE = uuid.UUID("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7")

ESP_SIZE = 200 * MIB
MSR_SIZE = 128 * MIB
#: Smallest Windows partition we lay out; the recipe asks for far more in practice.
MIN_WINDOWS_SIZE = 64 * MIB

#: GPT_BASIC_DATA_ATTRIBUTE_NO_DRIVE_LETTER, set by Windows on the ESP and the MSR
#: so neither gets a drive letter when the disk is attached.
NO_DRIVE_LETTER = 1 << 63

ENTRY_COUNT = 128
ENTRY_SIZE = 128
ENTRIES_SECTORS = ENTRY_COUNT * ENTRY_SIZE // SECTOR  # 32
HEADER_SIZE = 92
#: Sectors at the end of the disk used by the backup entries and the backup header.
TAIL_SECTORS = ENTRIES_SECTORS + 1
#: Sectors at the start: protective MBR, primary header, primary entries.
HEAD_SECTORS = 2 + ENTRIES_SECTORS

#: The smallest disk plan_layout accepts (first partition at 1 MiB, 1 MiB kept at the end).
MIN_DISK_SIZE = ALIGN + ESP_SIZE + MSR_SIZE + MIN_WINDOWS_SIZE + ALIGN


@dataclass(frozen=True)
class Partition:
    """One GPT entry; LBAs are inclusive, as on disk."""

    name: str
    type_guid: uuid.UUID
    guid: uuid.UUID
    first_lba: int
    last_lba: int
    attributes: int = 0

    @property
    def offset_bytes(self) -> int:
        return self.first_lba * SECTOR

    @property
    def size_bytes(self) -> int:
        return (self.last_lba - self.first_lba + 1) * SECTOR


@dataclass(frozen=True)
class DiskLayout:
    """The whole disk: its size, its GUID and the three partitions in order."""

    disk_size: int
    disk_guid: uuid.UUID
    esp: Partition
    msr: Partition
    windows: Partition

    @property
    def total_sectors(self) -> int:
        return self.disk_size // SECTOR

    @property
    def partitions(self) -> tuple[Partition, Partition, Partition]:
        return (self.esp, self.msr, self.windows)

    @property
    def tail_offset(self) -> int:
        """Byte offset of the backup entries (the bytes gpt_tail returns)."""
        return self.disk_size - TAIL_SECTORS * SECTOR


def _guid(rng: random.Random | None) -> uuid.UUID:
    if rng is None:
        return uuid.uuid4()
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def plan_layout(disk_size: int, *, rng: random.Random | None = None) -> DiskLayout:
    """Lay out ESP, MSR and Windows on a disk of ``disk_size`` bytes.

    The Windows partition ends on a 1 MiB boundary (so it can be spliced in whole
    1 MiB blocks) at most 1 MiB before the backup GPT.
    """
    if disk_size % SECTOR:
        raise OutputError(
            f"the disk size {disk_size} bytes is not a whole number of 512-byte sectors"
        )
    if disk_size < MIN_DISK_SIZE:
        raise OutputError(
            f"the disk is too small ({disk_size // MIB} MiB): it must be at least "
            f"{MIN_DISK_SIZE // MIB} MiB (200 MiB ESP + 128 MiB MSR + Windows)"
        )
    total = disk_size // SECTOR
    last_usable = total - TAIL_SECTORS - 1
    per_mib = ALIGN // SECTOR
    esp_first = per_mib
    esp_last = esp_first + ESP_SIZE // SECTOR - 1
    msr_first = esp_last + 1
    msr_last = msr_first + MSR_SIZE // SECTOR - 1
    win_first = msr_last + 1
    win_end = (last_usable + 1) // per_mib * per_mib  # exclusive, 1 MiB aligned
    return DiskLayout(
        disk_size=disk_size,
        disk_guid=_guid(rng),
        esp=Partition(
            "EFI system partition", ESP_TYPE, _guid(rng), esp_first, esp_last, NO_DRIVE_LETTER
        ),
        msr=Partition(
            "Microsoft reserved partition",
            MSR_TYPE,
            _guid(rng),
            msr_first,
            msr_last,
            NO_DRIVE_LETTER,
        ),
        windows=Partition(
            "Basic data partition", BASIC_DATA_TYPE, _guid(rng), win_first, win_end - 1
        ),
    )


def _entries(layout: DiskLayout) -> bytes:
    table = bytearray(ENTRY_COUNT * ENTRY_SIZE)
    for index, part in enumerate(layout.partitions):
        name = part.name.encode("utf-16-le")
        if len(name) > 72:
            raise ValueError(f"partition name too long: {part.name!r}")
        struct.pack_into(
            "<16s16sQQQ72s",
            table,
            index * ENTRY_SIZE,
            part.type_guid.bytes_le,
            part.guid.bytes_le,
            part.first_lba,
            part.last_lba,
            part.attributes,
            name,
        )
    return bytes(table)


def _header(layout: DiskLayout, entries_crc: int, *, backup: bool) -> bytes:
    total = layout.total_sectors
    my_lba, other_lba = (total - 1, 1) if backup else (1, total - 1)
    entries_lba = total - TAIL_SECTORS if backup else 2

    def pack(crc: int) -> bytes:
        return struct.pack(
            "<8sIIIIQQQQ16sQIII",
            b"EFI PART",
            0x00010000,
            HEADER_SIZE,
            crc,
            0,
            my_lba,
            other_lba,
            HEAD_SECTORS,
            total - TAIL_SECTORS - 1,
            layout.disk_guid.bytes_le,
            entries_lba,
            ENTRY_COUNT,
            ENTRY_SIZE,
            entries_crc,
        )

    header = pack(zlib.crc32(pack(0)))
    return header + bytes(SECTOR - len(header))


def protective_mbr(total_sectors: int) -> bytes:
    """LBA 0: one 0xEE partition over the whole disk so MBR-only tools keep off."""
    mbr = bytearray(SECTOR)
    size = min(total_sectors - 1, 0xFFFFFFFF)
    # status, CHS first (0/0/2), type, CHS last (maxed out), first LBA, sector count
    struct.pack_into("<B3sB3sII", mbr, 446, 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1, size)
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def gpt_head(layout: DiskLayout) -> bytes:
    """Protective MBR, primary header and entries: the first 34 sectors of the disk."""
    entries = _entries(layout)
    return (
        protective_mbr(layout.total_sectors)
        + _header(layout, zlib.crc32(entries), backup=False)
        + entries
    )


def gpt_tail(layout: DiskLayout) -> bytes:
    """Backup entries then backup header: the last 33 sectors of the disk."""
    entries = _entries(layout)
    return entries + _header(layout, zlib.crc32(entries), backup=True)
