"""File-system tricks that avoid copying gigabytes: holes, range insert/collapse, in-kernel copy.

Every function degrades gracefully: where the platform or file system lacks a
feature the caller gets ``False`` (or the whole range as data) and takes the
streamed path instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

FALLOC_FL_COLLAPSE_RANGE = 0x08
FALLOC_FL_INSERT_RANGE = 0x20

_UNSUPPORTED = {errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL, errno.ENOTTY}


def _libc_fallocate() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.fallocate64
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    func.restype = ctypes.c_int
    return func


_FALLOCATE = _libc_fallocate()


def _fallocate_mode(fd: int, mode: int, offset: int, length: int) -> bool:
    if _FALLOCATE is None:
        return False
    if _FALLOCATE(fd, mode, offset, length) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err))


def insert_range(fd: int, offset: int, length: int) -> bool:
    """Shift everything from ``offset`` up by ``length`` bytes, leaving a hole; no data moves."""
    return _fallocate_mode(fd, FALLOC_FL_INSERT_RANGE, offset, length)


def collapse_range(fd: int, offset: int, length: int) -> bool:
    """Remove ``length`` bytes at ``offset`` and shift the rest down; no data moves."""
    return _fallocate_mode(fd, FALLOC_FL_COLLAPSE_RANGE, offset, length)


def can_splice(folder: Path, unit: int = 1 << 20) -> bool:
    """Whether files in ``folder`` support both insert and collapse of ``unit``-sized ranges.

    Probed on a small sparse scratch file so that a refusal can never happen
    halfway through rearranging a real image.
    """
    if _FALLOCATE is None:
        return False
    probe = folder / f".splice-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return False
    try:
        os.pwrite(fd, b"x", 2 * unit)
        return insert_range(fd, 0, unit) and collapse_range(fd, 0, unit)
    except OSError:
        return False
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            probe.unlink()


def data_ranges(fd: int, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of the parts of [start, end) that may hold data.

    Uses SEEK_DATA/SEEK_HOLE; where they are missing the whole range is data.
    """
    seek_data = getattr(os, "SEEK_DATA", None)
    seek_hole = getattr(os, "SEEK_HOLE", None)
    if seek_data is None or seek_hole is None:
        if end > start:
            yield start, end - start
        return
    pos = start
    while pos < end:
        try:
            data = os.lseek(fd, pos, seek_data)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # no data after pos
                return
            if exc.errno in _UNSUPPORTED:
                yield pos, end - pos
                return
            raise
        if data >= end:
            return
        hole = min(os.lseek(fd, data, seek_hole), end)
        yield data, hole - data
        pos = hole


def hole_ranges(fd: int, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of the holes in [start, end): the complement of data_ranges."""
    pos = start
    for offset, length in list(data_ranges(fd, start, end)):
        if offset > pos:
            yield pos, offset - pos
        pos = offset + length
    if pos < end:
        yield pos, end - pos


def pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    """pwrite that loops on short writes."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def pread_exact(fd: int, length: int, offset: int) -> bytes:
    """pread ``length`` bytes; bytes past the end of the file read as zeros."""
    chunks = []
    remaining = length
    while remaining:
        chunk = os.pread(fd, remaining, offset)
        if not chunk:
            chunks.append(bytes(remaining))
            break
        chunks.append(chunk)
        remaining -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def pread_if_cached(fd: int, buffer: bytearray, offset: int) -> bool:
    """Fill ``buffer`` from ``offset`` only if those bytes are all in the page cache.

    Uses RWF_NOWAIT so that inspecting data costs no disk reads: right after a
    tool wrote an image its pages are cached; under memory pressure they may not
    be, and then this returns False. Where RWF_NOWAIT is missing (not Linux) it
    is a plain read.
    """
    nowait = getattr(os, "RWF_NOWAIT", None)
    preadv = getattr(os, "preadv", None)
    if nowait is not None and preadv is not None:
        try:
            return bool(preadv(fd, [buffer], offset, nowait) == len(buffer))
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED:
                raise
    data = pread_exact(fd, len(buffer), offset)
    buffer[:] = data
    return True


def copy_range(src: int, dst: int, src_offset: int, dst_offset: int, length: int) -> None:
    """Copy bytes between files in the kernel where possible (reflink on XFS/btrfs)."""
    copy_file_range = getattr(os, "copy_file_range", None)
    while length:
        step = min(length, 8 << 20)
        done = 0
        if copy_file_range is not None:
            try:
                done = copy_file_range(src, dst, step, src_offset, dst_offset)
            except OSError as exc:
                if exc.errno not in _UNSUPPORTED | {errno.EXDEV}:
                    raise
                copy_file_range = None
        if not done:
            pwrite_all(dst, pread_exact(src, step, src_offset), dst_offset)
            done = step
        length -= done
        src_offset += done
        dst_offset += done
