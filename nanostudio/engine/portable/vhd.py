"""Fixed VHD: the raw disk followed by a 512-byte "conectix" footer.

Readers disagree on a fixed VHD's size: Hyper-V uses the footer's current size,
Virtual PC and QEMU (for creator applications they do not know) use the CHS
geometry, which usually covers a little less. NanoStudio therefore makes every
fixed VHD exactly as large as its CHS geometry (``fixed_disk_size`` rounds the
requested size down, by at most one cylinder: < 2 MiB), so every reader sees the
same virtual size. Disks beyond the largest geometry (~127 GiB) use the maximum
geometry, which QEMU recognises and then reads the current size.
"""

from __future__ import annotations

import struct
import time
import uuid

SECTOR = 512
FOOTER_SIZE = 512
MAX_CHS_SECTORS = 65535 * 16 * 255
_VHD_EPOCH = 946684800  # 2000-01-01T00:00:00Z
CREATOR_APP = b"nano"  # NanoStudio; not one of the apps QEMU special-cases
CREATOR_HOST_OS = b"Wi2k"
DISK_TYPE_FIXED = 2


def chs_geometry(total_sectors: int) -> tuple[int, int, int]:
    """(cylinders, heads, sectors per track) by the algorithm in the VHD specification."""
    total = min(total_sectors, MAX_CHS_SECTORS)
    if total >= 65535 * 16 * 63:
        spt, heads = 255, 16
        cth = total // spt
    else:
        spt = 17
        cth = total // spt
        heads = max((cth + 1023) // 1024, 4)
        if cth >= heads * 1024 or heads > 16:
            spt, heads = 31, 16
            cth = total // spt
        if cth >= heads * 1024:
            spt, heads = 63, 16
            cth = total // spt
    return cth // heads, heads, spt


def _is_exact(total_sectors: int) -> bool:
    cyl, heads, spt = chs_geometry(total_sectors)
    return total_sectors >= MAX_CHS_SECTORS or cyl * heads * spt == total_sectors


def fixed_disk_size(requested: int) -> int:
    """The largest size <= ``requested`` that CHS-based and size-based readers agree on."""
    total = requested // SECTOR
    while not _is_exact(total):
        cyl, heads, spt = chs_geometry(total)
        total = cyl * heads * spt
    return total * SECTOR


def vhd_footer(disk_size: int, *, unique_id: uuid.UUID, timestamp: float | None = None) -> bytes:
    """The footer of a fixed VHD whose data is the ``disk_size`` bytes before it."""
    if disk_size % SECTOR or not _is_exact(disk_size // SECTOR):
        raise ValueError(f"{disk_size} is not a CHS-exact size; use fixed_disk_size()")
    when = time.time() if timestamp is None else timestamp
    cyl, heads, spt = chs_geometry(disk_size // SECTOR)

    def pack(checksum: int) -> bytes:
        body = struct.pack(
            ">8sIIQI4sI4sQQHBBII16sB",
            b"conectix",
            0x00000002,  # features: reserved bit always set
            0x00010000,  # format version 1.0
            0xFFFFFFFFFFFFFFFF,  # data offset: none for a fixed disk
            max(0, int(when) - _VHD_EPOCH) & 0xFFFFFFFF,
            CREATOR_APP,
            0x00010000,
            CREATOR_HOST_OS,
            disk_size,  # original size
            disk_size,  # current size
            cyl,
            heads,
            spt,
            DISK_TYPE_FIXED,
            checksum,
            unique_id.bytes,
            0,  # saved state
        )
        return body + bytes(FOOTER_SIZE - len(body))

    unsummed = pack(0)
    return pack(~sum(unsummed) & 0xFFFFFFFF)
