"""Read-only access to the virtual disk inside a VHD (fixed or dynamic) or VHDX file.

An edit must read the Windows partition of a disk that NanoStudio, Microsoft's
tools or qemu-img made, without root and without changing a byte of it. This
reader maps the disk's virtual bytes to the file's bytes and nothing more; disks
it cannot read faithfully are refused with one line:

- VHD: "Virtual Hard Disk Image Format Specification" (Microsoft, v1.0, 2006):
  the hard disk footer (cookie ``conectix``, checksum = one's complement of the
  byte sum), the dynamic disk header (``cxsparse``) and its big-endian BAT of
  sector offsets (``0xFFFFFFFF``: not allocated, reads as zeros). A data block
  starts with its sector bitmap, padded to a sector; for a dynamic disk every
  sector of an allocated block is read as stored (as QEMU does): the bitmap only
  decides anything for a differencing disk, which is refused (disk type 4).
- VHDX: [MS-VHDX] v1.0 (Microsoft Open Specifications): §2.2 file type identifier
  (``vhdxfile``); §2.2.2 the two headers, the valid one with the higher
  sequence number current, CRC-32C checksums; §2.2.2 LogGuid zero means an
  empty log, anything else is refused (replaying a log writes the file); §2.2.3
  region table (BAT and metadata regions; an unknown required region is
  refused); §2.5 BAT entries, one sector-bitmap entry after every chunk-ratio
  payload entries (chunk ratio = 2^23 * logical sector size / block size);
  payload states NOT_PRESENT/UNDEFINED/ZERO/UNMAPPED read as zeros,
  FULLY_PRESENT at FileOffsetMB; PARTIALLY_PRESENT exists only in differencing
  disks; §2.6 metadata items File Parameters (HasParent = differencing: refused),
  Virtual Disk Size and Logical Sector Size.
"""

from __future__ import annotations

import os
import struct
import uuid
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nanostudio.engine.portable import vhdx
from nanostudio.engine.portable.crc32c import crc32c
from nanostudio.errors import MediaError
from nanostudio.files import open_regular

DiskFormat = Literal["vhd", "vhdx"]
SECTOR = 512
MIB = 1 << 20
KIB = 1 << 10
_VHD_FOOTER = 512
_VHD_UNALLOCATED = 0xFFFFFFFF
_VHD_FIXED, _VHD_DYNAMIC, _VHD_DIFFERENCING = 2, 3, 4
_VHDX_HEADERS = (64 * KIB, 128 * KIB)
_VHDX_REGION_TABLES = (192 * KIB, 256 * KIB)
_VHDX_ZERO_STATES = frozenset({0, 1, 2, 3})  # not present, undefined, zero, unmapped
_VHDX_FULLY_PRESENT = 6
_VHDX_PARTIALLY_PRESENT = 7
_VHDX_BITMAP_STATES = frozenset({0, 6})  # sector bitmap block: not present, present
_VHDX_ITEM = 8  # every metadata item read here is at most 8 bytes long
_ZEROS = -1  # a block that reads as zeros, in VirtualDisk's block table
_HAS_PARENT = 0x2
_REGION_REQUIRED = 0x1
_METADATA_REQUIRED = 0x4
_KNOWN_METADATA = frozenset(
    {
        vhdx.FILE_PARAMETERS_GUID,
        vhdx.VIRTUAL_DISK_SIZE_GUID,
        vhdx.VIRTUAL_DISK_ID_GUID,
        vhdx.LOGICAL_SECTOR_SIZE_GUID,
        vhdx.PHYSICAL_SECTOR_SIZE_GUID,
    }
)


@dataclass(frozen=True)
class Extent:
    """A run of virtual bytes: at ``file_offset`` in the file, or zeros when None."""

    offset: int
    length: int
    file_offset: int | None


class VirtualDisk:
    """The virtual disk of one image file, opened read-only; a context manager."""

    def __init__(
        self,
        path: Path,
        fd: int,
        fmt: DiskFormat,
        kind: str,
        size: int,
        sector_size: int,
        block_size: int,
        blocks: array[int] | None,
    ) -> None:
        self.path = path
        self.format: DiskFormat = fmt
        self.kind = kind  # "fixed VHD", "dynamic VHD", "VHDX"
        self.size = size
        self.sector_size = sector_size
        self._fd = fd
        stat = os.fstat(fd)
        # Which file this is, as opened: a disk replaced or rewritten since reads otherwise.
        self.identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        self._block_size = block_size
        # File offset of each block's data (_ZEROS: reads as zeros); None for a fixed VHD.
        # An array, 8 bytes a block: the BAT is as large as the file lets it be.
        self._blocks = blocks

    def __enter__(self) -> VirtualDisk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def extents(self, start: int, end: int) -> Iterator[Extent]:
        """The runs that make up virtual bytes [start, end), in order."""
        end = min(end, self.size)
        if self._blocks is None:
            if start < end:
                yield Extent(start, end - start, start)
            return
        position = start
        while position < end:
            block, within = divmod(position, self._block_size)
            length = min(self._block_size - within, end - position)
            base = self._blocks[block]
            yield Extent(position, length, None if base == _ZEROS else base + within)
            position += length

    def allocated_bytes(self, start: int, end: int) -> int:
        """How many of the bytes in [start, end) the file stores (the rest are zeros)."""
        return sum(e.length for e in self.extents(start, end) if e.file_offset is not None)

    def read(self, offset: int, length: int) -> bytes:
        """Exactly ``length`` bytes: a read past the disk's end means a damaged table."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise _damaged(self.path, "a structure lies beyond the end of the virtual disk")
        parts = []
        for extent in self.extents(offset, offset + length):
            if extent.file_offset is None:
                parts.append(bytes(extent.length))
            else:
                data = os.pread(self._fd, extent.length, extent.file_offset)
                if len(data) != extent.length:
                    raise MediaError(f"{self.path} is truncated: copy it again")
                parts.append(data)
        return b"".join(parts)


def open_virtual_disk(path: Path) -> VirtualDisk:
    """Open ``path`` read-only as a VHD or VHDX, told apart by content, not by name.

    Through ``open_regular``: a folder or a FIFO put where the disk was inspected is
    refused, never read (EISDIR) or waited on (a FIFO's open blocks)."""
    try:
        with open_regular(path) as stream:
            fd = os.dup(stream.fileno())
    except FileNotFoundError:
        raise MediaError(f"{path} does not exist: check the path") from None
    except OSError as error:
        raise MediaError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        file_size = os.fstat(fd).st_size
        if os.pread(fd, 8, 0) == b"vhdxfile":
            return _open_vhdx(path, fd, file_size)
        if file_size >= _VHD_FOOTER and os.pread(fd, 8, file_size - _VHD_FOOTER) == b"conectix":
            return _open_vhd(path, fd, file_size)
        raise MediaError(f"{path} is not a VHD or VHDX file: choose the disk to edit")
    except BaseException:
        os.close(fd)
        raise


def _read_exactly(path: Path, fd: int, length: int, offset: int, what: str) -> bytes:
    """``length`` bytes at ``offset``, all inside the file, or the file is damaged.

    Checked before reading: a header may claim any offset or length, and neither an
    allocation of that size nor an offset past 2^63 (OverflowError) may follow."""
    if offset + length > os.fstat(fd).st_size:
        raise _damaged(path, f"{what} lies beyond the end of the file")
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise MediaError(f"{path} is truncated: copy it again")
    return data


def _damaged(path: Path, what: str) -> MediaError:
    return MediaError(f"{path} is damaged ({what}): it cannot be edited; use a good copy")


def _differencing(path: Path) -> MediaError:
    return MediaError(
        f"{path} is a differencing disk (it needs its parent): merge it into its parent first "
        "(Hyper-V 'Edit Disk', or qemu-img convert), then edit the merged disk"
    )


def _open_vhd(path: Path, fd: int, file_size: int) -> VirtualDisk:
    footer = os.pread(fd, _VHD_FOOTER, file_size - _VHD_FOOTER)
    stored = struct.unpack_from(">I", footer, 64)[0]
    if stored != _vhd_checksum(footer, 64):
        raise _damaged(path, "the VHD footer's checksum is wrong")
    data_offset = struct.unpack_from(">Q", footer, 16)[0]  # the dynamic disk header
    current_size = struct.unpack_from(">Q", footer, 48)[0]
    disk_type = struct.unpack_from(">I", footer, 60)[0]
    if disk_type == _VHD_DIFFERENCING:
        raise _differencing(path)
    if disk_type == _VHD_FIXED:
        if current_size > file_size - _VHD_FOOTER:
            raise _damaged(path, "the fixed VHD is shorter than its disk size")
        return VirtualDisk(path, fd, "vhd", "fixed VHD", current_size, SECTOR, 0, None)
    if disk_type != _VHD_DYNAMIC:
        raise _damaged(path, f"unknown VHD disk type {disk_type}")
    header = _read_exactly(path, fd, 1024, data_offset, "the dynamic disk header")
    if header[:8] != b"cxsparse":
        raise _damaged(path, "the dynamic disk header is missing")
    if struct.unpack_from(">I", header, 36)[0] != _vhd_checksum(header, 36):
        raise _damaged(path, "the dynamic disk header's checksum is wrong")
    table_offset = struct.unpack_from(">Q", header, 16)[0]
    entries, block_size = struct.unpack_from(">II", header, 28)
    if block_size < SECTOR or block_size & (block_size - 1):  # a power of two (as QEMU)
        raise _damaged(path, f"block size {block_size}")
    needed = -(-current_size // block_size)
    if entries < needed:
        raise _damaged(path, "the block allocation table is too short for the disk size")
    raw = _read_exactly(path, fd, 4 * needed, table_offset, "the block allocation table")
    bitmap = -(-(block_size // SECTOR) // 8)
    bitmap = -(-bitmap // SECTOR) * SECTOR
    limit = file_size - _VHD_FOOTER
    blocks = array("q")
    for number, (sector,) in enumerate(struct.iter_unpack(">I", raw)):
        if sector == _VHD_UNALLOCATED:
            blocks.append(_ZEROS)
            continue
        start = sector * SECTOR + bitmap
        if sector == 0 or start + block_size > limit + _tail_slack(
            number, needed, block_size, current_size
        ):
            raise _damaged(
                path, f"block {number} of the block allocation table points outside the file"
            )
        blocks.append(start)
    return VirtualDisk(path, fd, "vhd", "dynamic VHD", current_size, SECTOR, block_size, blocks)


def _tail_slack(number: int, count: int, block_size: int, size: int) -> int:
    """The last block may be cut short where the disk size ends inside it."""
    return count * block_size - size if number == count - 1 else 0


def _vhd_checksum(data: bytes, at: int) -> int:
    total = sum(data[:at]) + sum(data[at + 4 :])
    return ~total & 0xFFFFFFFF


@dataclass(frozen=True)
class _Region:
    offset: int
    length: int


def _open_vhdx(path: Path, fd: int, file_size: int) -> VirtualDisk:
    header = _current_vhdx_header(path, fd)
    if header[48:64] != bytes(16):
        raise MediaError(
            f"{path} has a VHDX log that was not replayed (it was not closed cleanly): "
            "attach it once on Windows, or run qemu-img check -r all on a copy, then edit that"
        )
    regions = _vhdx_regions(path, fd)
    bat_region = regions.get(vhdx.BAT_GUID)
    meta_region = regions.get(vhdx.METADATA_GUID)
    if bat_region is None or meta_region is None:
        raise _damaged(path, "the region table has no BAT or no metadata region")
    block_size, has_parent, size, sector_size = _vhdx_metadata(path, fd, meta_region)
    if has_parent:
        raise _differencing(path)
    if block_size < MIB or block_size > 256 * MIB or block_size & (block_size - 1):
        raise _damaged(path, f"block size {block_size}")
    if sector_size not in (512, 4096):
        raise _damaged(path, f"logical sector size {sector_size}")
    chunk_ratio = (1 << 23) * sector_size // block_size
    payload = -(-size // block_size)
    total = payload + (payload - 1) // chunk_ratio if payload else 0
    if total * 8 > bat_region.length:
        raise _damaged(path, "the BAT region is too small for the disk size")
    raw = _read_exactly(path, fd, total * 8, bat_region.offset, "the BAT")
    blocks = array("q")
    for index, (entry,) in enumerate(struct.iter_unpack("<Q", raw)):
        state, offset = entry & 0x7, (entry >> 20) * MIB
        if (index + 1) % (chunk_ratio + 1) == 0:  # a sector bitmap entry
            if state not in _VHDX_BITMAP_STATES:
                raise _damaged(path, f"BAT entry {index} has sector bitmap state {state}")
            continue
        if state in _VHDX_ZERO_STATES:
            blocks.append(_ZEROS)
        elif state == _VHDX_FULLY_PRESENT:
            if offset < MIB or offset + block_size > file_size:
                raise _damaged(path, f"BAT entry {index} points outside the file")
            blocks.append(offset)
        elif state == _VHDX_PARTIALLY_PRESENT:
            raise _differencing(path)
        else:
            raise _damaged(path, f"BAT entry {index} has the unknown state {state}")
    return VirtualDisk(path, fd, "vhdx", "VHDX", size, sector_size, block_size, blocks)


def _checked(data: bytes, at: int = 4) -> bool:
    zeroed = data[:at] + bytes(4) + data[at + 4 :]
    stored: int = struct.unpack_from("<I", data, at)[0]
    return stored == crc32c(zeroed)


def _current_vhdx_header(path: Path, fd: int) -> bytes:
    found: list[tuple[int, bytes]] = []
    for offset in _VHDX_HEADERS:
        data = os.pread(fd, 4 * KIB, offset)
        if len(data) == 4 * KIB and data[:4] == b"head" and _checked(data):
            found.append((struct.unpack_from("<Q", data, 8)[0], data))
    if not found:
        raise _damaged(path, "neither VHDX header is valid")
    _, data = max(found, key=lambda pair: pair[0])
    version = struct.unpack_from("<H", data, 66)[0]
    if version != 1:
        raise MediaError(f"{path} is VHDX version {version}; only version 1 can be read")
    return data


def _vhdx_regions(path: Path, fd: int) -> dict[uuid.UUID, _Region]:
    for offset in _VHDX_REGION_TABLES:
        data = os.pread(fd, 64 * KIB, offset)
        if len(data) == 64 * KIB and data[:4] == b"regi" and _checked(data):
            break
    else:
        raise _damaged(path, "neither VHDX region table is valid")
    count = struct.unpack_from("<I", data, 8)[0]
    regions: dict[uuid.UUID, _Region] = {}
    for guid, file_offset, length in _table_entries(path, data, count, _REGION_TABLE):
        if file_offset < MIB:  # §2.2.3.1: the first MiB holds the headers and region tables
            raise _damaged(path, f"region {guid} lies on the VHDX headers")
        regions[guid] = _Region(file_offset, length)
    return regions


@dataclass(frozen=True)
class _Table:
    """A VHDX table of 32-byte entries: a GUID, then (offset, length, flags) packed as
    ``packing``; an entry whose GUID is not ``known`` but has the ``required`` flag set
    is one this reader must refuse (VHDX spec §2.2.3.2, §2.6.1.2)."""

    entries: str  # what its entries are, for messages
    first: int  # where the first entry starts
    packing: str
    known: frozenset[uuid.UUID]
    required: int


_REGION_TABLE = _Table(
    "region table entries",
    16,
    "<QII",
    frozenset({vhdx.BAT_GUID, vhdx.METADATA_GUID}),
    _REGION_REQUIRED,
)
_METADATA_TABLE = _Table("metadata entries", 32, "<III", _KNOWN_METADATA, _METADATA_REQUIRED)


def _table_entries(
    path: Path, data: bytes, count: int, table: _Table
) -> Iterator[tuple[uuid.UUID, int, int]]:
    """(GUID, offset, length) of each of the ``count`` entries of ``table`` in ``data``."""
    if count > 2047:
        raise _damaged(path, f"{count} {table.entries}")
    for number in range(count):
        at = table.first + 32 * number
        guid = uuid.UUID(bytes_le=data[at : at + 16])
        offset, length, flags = struct.unpack_from(table.packing, data, at + 16)
        if guid not in table.known and flags & table.required:
            raise MediaError(f"{path} needs a VHDX feature this reader does not know ({guid})")
        yield guid, offset, length


def _vhdx_metadata(path: Path, fd: int, region: _Region) -> tuple[int, bool, int, int]:
    table = _read_exactly(path, fd, 64 * KIB, region.offset, "the metadata table")
    if table[:8] != b"metadata":
        raise _damaged(path, "the metadata table is missing")
    count = struct.unpack_from("<H", table, 10)[0]
    items: dict[uuid.UUID, bytes] = {}
    for guid, offset, length in _table_entries(path, table, count, _METADATA_TABLE):
        if offset + length > region.length:
            raise _damaged(path, "a metadata item lies outside its region")
        if guid in _KNOWN_METADATA:  # and only its first bytes: the length is the file's say
            wanted = min(length, _VHDX_ITEM)
            items[guid] = _read_exactly(path, fd, wanted, region.offset + offset, "metadata")
    try:
        block_size, bits = struct.unpack("<II", items[vhdx.FILE_PARAMETERS_GUID][:8])
        size = struct.unpack("<Q", items[vhdx.VIRTUAL_DISK_SIZE_GUID][:8])[0]
        sector_size = struct.unpack("<I", items[vhdx.LOGICAL_SECTOR_SIZE_GUID][:4])[0]
    except (KeyError, struct.error):
        raise _damaged(path, "a required metadata item is missing") from None
    return block_size, bool(bits & _HAS_PARENT), size, sector_size
