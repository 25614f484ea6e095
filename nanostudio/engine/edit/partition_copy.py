"""Copy the Windows partition of a VHD/VHDX into a sparse file that ntfs-3g and wimlib read.

Neither reads a virtual disk, so the partition is copied out: only the blocks the
file stores are read, and all-zero chunks are left as holes, so a 4 GiB partition
holding 600 MiB costs about 600 MiB of reads and disk space.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.edit.vdisk import open_virtual_disk
from nanostudio.engine.portable.steps_disk import create_sparse
from nanostudio.errors import MediaError

_CHUNK = 1 << 20
_ZERO = bytes(_CHUNK)


def copy_windows_partition(
    source: EditSource,
    dest: Path,
    *,
    raise_if_cancelled: Callable[[], None] = lambda: None,
    report: Callable[[float], None] = lambda _fraction: None,
) -> None:
    """Copy ``source``'s Windows partition to ``dest``; MediaError if the disk changed
    since it was inspected or cannot be read."""
    part = source.require_partition()
    with open_virtual_disk(source.path) as disk:
        if disk.identity != source.identity:  # replaced or written meanwhile
            raise MediaError(
                f"{source.path} changed since it was inspected (is another program "
                "writing it?): run the edit again once nothing writes it"
            )
        create_sparse(dest, part.size)
        total = max(source.used_bytes, 1)
        done = 0
        fd = os.open(dest, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            for extent in disk.extents(part.offset, part.offset + part.size):
                if extent.file_offset is None:
                    continue
                for start in range(0, extent.length, _CHUNK):
                    raise_if_cancelled()
                    length = min(_CHUNK, extent.length - start)
                    data = disk.read(extent.offset + start, length)
                    if data != _ZERO[:length]:
                        os.pwrite(fd, data, extent.offset + start - part.offset)
                    done += length
                    report(done / total)
        finally:
            os.close(fd)
