"""Which 1 MiB blocks of an NTFS volume image hold clusters in use, read from its $Bitmap.

The VHDX writer stores only blocks that may hold data. NTFS already records
which clusters are in use, so reading its $Bitmap (a few hundred KiB for a
volume of gigabytes) replaces reading every written block to look for zeros.

Only what mkntfs and ntfs-3g write is understood: the boot sector, the first
MFT records (contiguous at the MFT's start) and a non-resident unnamed $DATA of
$Bitmap without an attribute list. Anything else returns None and the caller
falls back to checking the blocks' bytes.
"""

from __future__ import annotations

import struct

from nanostudio.engine.portable.fileops import pread_exact

_BITMAP_RECORD = 6
_ATTR_DATA = 0x80
_ATTR_LIST = 0x20
_ATTR_END = 0xFFFFFFFF
_FIXUP_STRIDE = 512
_MAX_BITMAP = 64 << 20  # a 2 PiB volume at 4 KiB clusters: anything larger is not ours


def _fixup(record: bytearray) -> bool:
    """Apply the update sequence array of an MFT record in place; False if torn."""
    usa_offset, usa_count = struct.unpack_from("<HH", record, 4)
    if usa_count < 1 or usa_offset + 2 * usa_count > len(record):
        return False
    check = record[usa_offset : usa_offset + 2]
    for i in range(1, usa_count):
        end = i * _FIXUP_STRIDE
        if end > len(record):
            return False
        if record[end - 2 : end] != check:
            return False
        record[end - 2 : end] = record[usa_offset + 2 * i : usa_offset + 2 * i + 2]
    return True


def _runlist(data: bytes, offset: int) -> list[tuple[int, int]] | None:
    """(first LCN, cluster count) of each run; None for sparse runs or damage."""
    runs: list[tuple[int, int]] = []
    lcn = 0
    while offset < len(data) and data[offset]:
        head = data[offset]
        length_size, offset_size = head & 0xF, head >> 4
        offset += 1
        if not length_size or offset + length_size + offset_size > len(data):
            return None
        count = int.from_bytes(data[offset : offset + length_size], "little")
        offset += length_size
        if not offset_size:
            return None  # a sparse run: $Bitmap never has one
        lcn += int.from_bytes(data[offset : offset + offset_size], "little", signed=True)
        offset += offset_size
        if count <= 0 or lcn < 0:
            return None
        runs.append((lcn, count))
    return runs


def used_blocks(fd: int, size: int, block: int) -> list[bool] | None:
    """For each ``block``-sized piece of the volume image in ``fd``: may it hold used clusters?

    Pieces not covered by clusters (the backup boot sector after the last
    cluster) count as used. None when the image is not an NTFS volume this
    module understands.
    """
    boot = pread_exact(fd, 512, 0)
    if boot[3:11] != b"NTFS    " or boot[510:512] != b"\x55\xaa":
        return None
    sector, spc_code = struct.unpack_from("<HB", boot, 0x0B)
    spc = 1 << (256 - spc_code) if spc_code > 0x80 else spc_code
    total_sectors, mft_lcn = struct.unpack_from("<QQ", boot, 0x28)
    (record_code,) = struct.unpack_from("<b", boot, 0x40)
    cluster = sector * spc
    if sector not in (512, 1024, 2048, 4096) or not spc or block % cluster:
        return None
    record_size = 1 << -record_code if record_code < 0 else record_code * cluster
    if not 512 <= record_size <= 64 * 1024:
        return None
    total_clusters = total_sectors * sector // cluster
    record_at = mft_lcn * cluster + _BITMAP_RECORD * record_size
    if record_at + record_size > size:
        return None
    record = bytearray(pread_exact(fd, record_size, record_at))
    if record[0:4] != b"FILE" or not _fixup(record):
        return None
    attr = struct.unpack_from("<H", record, 0x14)[0]
    runs = None
    real_size = 0
    while attr + 16 <= record_size:
        kind, length = struct.unpack_from("<II", record, attr)
        if kind == _ATTR_END or length < 16 or attr + length > record_size:
            break
        if kind == _ATTR_LIST:
            return None
        non_resident, name_length = record[attr + 8], record[attr + 9]
        if kind == _ATTR_DATA and name_length == 0:
            if not non_resident:
                return None
            (start_vcn,) = struct.unpack_from("<Q", record, attr + 0x10)
            (runs_offset,) = struct.unpack_from("<H", record, attr + 0x20)
            (real_size,) = struct.unpack_from("<Q", record, attr + 0x30)
            if start_vcn != 0:
                return None
            runs = _runlist(bytes(record[: attr + length]), attr + runs_offset)
            break
        attr += length
    if runs is None or not (total_clusters + 7) // 8 <= real_size <= _MAX_BITMAP:
        return None
    parts = []
    for lcn, count in runs:
        if (lcn + count) * cluster > size:
            return None
        parts.append(pread_exact(fd, count * cluster, lcn * cluster))
    bitmap = b"".join(parts)[: (total_clusters + 7) // 8]
    if len(bitmap) * 8 < total_clusters or not bitmap[0] & 1:  # cluster 0: the boot sector
        return None
    per_block = block // cluster  # clusters per block
    covered = total_clusters * cluster  # bytes of the image inside clusters
    blocks = -(-size // block)
    used: list[bool] = []
    if per_block % 8 == 0:
        step = per_block // 8
        zero = bytes(step)
        for index in range(blocks):
            end = (index + 1) * block
            used.append(end > covered or bitmap[index * step : (index + 1) * step] != zero)
        return used
    bits = int.from_bytes(bitmap, "little")
    mask = (1 << per_block) - 1
    for index in range(blocks):
        end = (index + 1) * block
        used.append(end > covered or bool(bits >> (index * per_block) & mask))
    return used
