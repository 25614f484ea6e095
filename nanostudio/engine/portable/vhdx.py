"""Dynamic VHDX metadata (MS-VHDX v1): everything in the file before the payload blocks.

File layout written by NanoStudio (all offsets 1 MiB aligned, as the spec wants):

    0       file type identifier, header 1 (64 KiB), header 2 (128 KiB),
            region table 1 (192 KiB), region table 2 (256 KiB)
    1 MiB   log (1 MiB, empty: LogGuid is zero so there is nothing to replay)
    2 MiB   metadata region (1 MiB)
    3 MiB   block allocation table (BAT), padded to whole MiB
    ...     payload blocks, 1 MiB each, in any order the BAT names

The 1 MiB block size matches the 1 MiB partition alignment, so every payload
block holds bytes of one partition only and the Windows partition image can be
spliced in block by block.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from nanostudio.engine.portable.crc32c import crc32c

MIB = 1 << 20
KIB = 1 << 10
LOGICAL_SECTOR = 512
PHYSICAL_SECTOR = 4096
BLOCK_SIZE = MIB

HEADER1_OFFSET = 64 * KIB
HEADER2_OFFSET = 128 * KIB
REGION1_OFFSET = 192 * KIB
REGION2_OFFSET = 256 * KIB
LOG_OFFSET = 1 * MIB
LOG_LENGTH = 1 * MIB
METADATA_OFFSET = 2 * MIB
METADATA_LENGTH = 1 * MIB
BAT_OFFSET = 3 * MIB

BAT_GUID = uuid.UUID("2DC27766-F623-4200-9D64-115E9BFD4A08")
METADATA_GUID = uuid.UUID("8B7CA206-4790-4B9A-B8FE-575F050F886E")
FILE_PARAMETERS_GUID = uuid.UUID("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
VIRTUAL_DISK_SIZE_GUID = uuid.UUID("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
VIRTUAL_DISK_ID_GUID = uuid.UUID("BECA12AB-B2E6-4523-93EF-C309E000C746")
LOGICAL_SECTOR_SIZE_GUID = uuid.UUID("8141BF1D-A96F-4709-BA47-F233A8FAAB5F")
PHYSICAL_SECTOR_SIZE_GUID = uuid.UUID("CDA348C7-445D-4471-9CC9-E9885251C556")

PAYLOAD_BLOCK_NOT_PRESENT = 0  # reads as zeros: a dynamic disk with no parent
PAYLOAD_BLOCK_FULLY_PRESENT = 6

_META_IS_VIRTUAL_DISK = 0x2
_META_IS_REQUIRED = 0x4


@dataclass(frozen=True)
class VhdxGeometry:
    """Sizes derived from the virtual disk size, all for a 1 MiB block size."""

    disk_size: int

    @property
    def chunk_ratio(self) -> int:
        """Payload blocks per sector-bitmap block: 2^23 sectors * 512 / block size."""
        return (1 << 23) * LOGICAL_SECTOR // BLOCK_SIZE

    @property
    def payload_blocks(self) -> int:
        return -(-self.disk_size // BLOCK_SIZE)

    @property
    def bat_entries(self) -> int:
        # A sector-bitmap entry follows every chunk_ratio payload entries.
        return self.payload_blocks + (self.payload_blocks - 1) // self.chunk_ratio

    @property
    def bat_length(self) -> int:
        return -(-self.bat_entries * 8 // MIB) * MIB

    @property
    def data_offset(self) -> int:
        """First byte after the metadata: where payload blocks may start."""
        return BAT_OFFSET + self.bat_length

    def bat_index(self, block: int) -> int:
        return block + block // self.chunk_ratio


def file_identifier(creator: str = "NanoStudio") -> bytes:
    """The 64 KiB file type identifier: signature and a UTF-16 creator string."""
    data = bytearray(64 * KIB)
    data[0:8] = b"vhdxfile"
    name = creator.encode("utf-16-le")[:510]
    data[8 : 8 + len(name)] = name
    return bytes(data)


def header(sequence: int, *, file_write_guid: uuid.UUID, data_write_guid: uuid.UUID) -> bytes:
    """One 4 KiB header; the copy with the higher sequence number is current."""
    data = bytearray(4 * KIB)
    struct.pack_into(
        "<4sIQ16s16s16sHHIQ",
        data,
        0,
        b"head",
        0,
        sequence,
        file_write_guid.bytes_le,
        data_write_guid.bytes_le,
        bytes(16),  # LogGuid zero: the log is empty
        0,  # LogVersion
        1,  # Version
        LOG_LENGTH,
        LOG_OFFSET,
    )
    struct.pack_into("<I", data, 4, crc32c(data))
    return bytes(data)


def region_table(geometry: VhdxGeometry) -> bytes:
    """The 64 KiB region table naming the BAT and metadata regions (both required)."""
    data = bytearray(64 * KIB)
    struct.pack_into("<4sIII", data, 0, b"regi", 0, 2, 0)
    struct.pack_into("<16sQII", data, 16, BAT_GUID.bytes_le, BAT_OFFSET, geometry.bat_length, 1)
    struct.pack_into(
        "<16sQII", data, 48, METADATA_GUID.bytes_le, METADATA_OFFSET, METADATA_LENGTH, 1
    )
    struct.pack_into("<I", data, 4, crc32c(data))
    return bytes(data)


def metadata_region(geometry: VhdxGeometry, *, disk_id: uuid.UUID) -> bytes:
    """The 1 MiB metadata region: table at its start, item data from 64 KiB on."""
    data = bytearray(METADATA_LENGTH)
    items = [
        (FILE_PARAMETERS_GUID, struct.pack("<II", BLOCK_SIZE, 0), _META_IS_REQUIRED),
        (
            VIRTUAL_DISK_SIZE_GUID,
            struct.pack("<Q", geometry.disk_size),
            _META_IS_VIRTUAL_DISK | _META_IS_REQUIRED,
        ),
        (VIRTUAL_DISK_ID_GUID, disk_id.bytes_le, _META_IS_VIRTUAL_DISK | _META_IS_REQUIRED),
        (
            LOGICAL_SECTOR_SIZE_GUID,
            struct.pack("<I", LOGICAL_SECTOR),
            _META_IS_VIRTUAL_DISK | _META_IS_REQUIRED,
        ),
        (
            PHYSICAL_SECTOR_SIZE_GUID,
            struct.pack("<I", PHYSICAL_SECTOR),
            _META_IS_VIRTUAL_DISK | _META_IS_REQUIRED,
        ),
    ]
    struct.pack_into("<8sHH", data, 0, b"metadata", 0, len(items))
    item_offset = 64 * KIB
    for index, (item_id, payload, flags) in enumerate(items):
        struct.pack_into(
            "<16sIIII", data, 32 + index * 32, item_id.bytes_le, item_offset, len(payload), flags, 0
        )
        data[item_offset : item_offset + len(payload)] = payload
        item_offset += len(payload)
    return bytes(data)


def bat(geometry: VhdxGeometry, block_offsets: Mapping[int, int]) -> bytes:
    """The BAT: ``block_offsets`` maps a virtual block number to its file offset.

    Blocks not in the mapping are NOT_PRESENT (read as zeros); sector-bitmap
    entries stay NOT_PRESENT as a disk without a parent needs no bitmap.
    """
    data = bytearray(geometry.bat_length)
    for block, offset in block_offsets.items():
        if not 0 <= block < geometry.payload_blocks:
            raise ValueError(f"block {block} is outside the disk")
        if offset % MIB or offset < geometry.data_offset:
            raise ValueError(f"block {block} at bad file offset {offset}")
        entry = PAYLOAD_BLOCK_FULLY_PRESENT | (offset // MIB) << 20
        struct.pack_into("<Q", data, geometry.bat_index(block) * 8, entry)
    return bytes(data)


def metadata_area(
    geometry: VhdxGeometry,
    block_offsets: Mapping[int, int],
    *,
    disk_id: uuid.UUID,
    file_write_guid: uuid.UUID,
    data_write_guid: uuid.UUID,
) -> bytes:
    """All bytes from 0 to ``geometry.data_offset`` (headers, log, metadata, BAT)."""
    area = bytearray(geometry.data_offset)
    area[0 : 64 * KIB] = file_identifier()
    for offset, sequence in ((HEADER1_OFFSET, 0), (HEADER2_OFFSET, 1)):
        block = header(sequence, file_write_guid=file_write_guid, data_write_guid=data_write_guid)
        area[offset : offset + len(block)] = block
    table = region_table(geometry)
    area[REGION1_OFFSET : REGION1_OFFSET + len(table)] = table
    area[REGION2_OFFSET : REGION2_OFFSET + len(table)] = table
    area[METADATA_OFFSET : METADATA_OFFSET + METADATA_LENGTH] = metadata_region(
        geometry, disk_id=disk_id
    )
    area[BAT_OFFSET:] = bat(geometry, block_offsets)
    return bytes(area)
