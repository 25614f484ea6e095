"""Partition images -> the final disk file (raw, fixed VHD or dynamic VHDX).

The Windows partition image is by far the largest input, so it is never copied
when the file system allows otherwise: it is renamed into the output and the
rest of the disk is inserted in front of it with FALLOC_FL_INSERT_RANGE (and,
for VHDX, its empty 1 MiB blocks are cut out with FALLOC_FL_COLLAPSE_RANGE; which
blocks are empty comes from the file's holes and NTFS's $Bitmap, not from reading them).
Where that is refused (tmpfs, btrfs, another file system, not Linux) the data is
streamed in bounded chunks, skipping holes.

Sparseness: a raw disk and a fixed VHD keep the holes of their inputs (their bytes
are exact; copy them with a tool that writes the zeros, e.g. ``cp --sparse=never``,
before attaching a fixed VHD on Windows, which refuses sparse files). A dynamic
VHDX has no holes at all: only blocks holding data are in it, each written whole.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from nanostudio.engine.portable import fileops, ntfs_bitmap, vhd, vhdx
from nanostudio.engine.portable.gpt import DiskLayout, gpt_head, gpt_tail
from nanostudio.errors import BuildCancelled, OutputError

Format = Literal["vhdx", "vhd", "raw"]
BLOCK = vhdx.BLOCK_SIZE
_ZERO_BLOCK = bytes(BLOCK)
_PROBE = 4096
_ZERO_PROBE = bytes(_PROBE)
GIB = 1 << 30


def virtual_disk_size(fmt: Format, requested: int) -> int:
    """The disk size to plan for ``fmt``: a fixed VHD must be CHS-exact (see vhd.py)."""
    if fmt == "vhd":
        return vhd.fixed_disk_size(requested)
    return requested - requested % 512


class _Progress:
    """Turns units of work done into fractions, reported at most every 1%, never backwards."""

    def __init__(self, report: Callable[[float], None] | None) -> None:
        self._total = 0
        self._done = 0
        self._last = 0.0
        self._report = report

    def expect(self, units: int) -> None:
        """Announce work before doing it (writers call this as soon as they can size it)."""
        self._total += units

    def add(self, units: int) -> None:
        self._done += units
        fraction = min(self._done / max(self._total, 1), 1.0)
        if self._report is not None and fraction - self._last >= 0.01:
            self._last = fraction
            self._report(fraction)

    def finish(self) -> None:
        if self._report is not None and self._last < 1.0:
            self._last = 1.0
            self._report(1.0)


class _Job:
    """State shared by the writers of one disk: sources, cancel token, progress."""

    def __init__(
        self,
        layout: DiskLayout,
        esp_fd: int,
        should_cancel: Callable[[], bool],
        progress: _Progress,
    ) -> None:
        self.layout = layout
        self.esp_fd = esp_fd
        self.should_cancel = should_cancel
        self.progress = progress
        self.head = gpt_head(layout)
        self.tail = gpt_tail(layout)

    def check_cancel(self) -> None:
        if self.should_cancel():
            raise BuildCancelled()

    def compose(self, start: int, length: int) -> bytes:
        """Virtual disk bytes [start, start+length) from the GPT and the ESP (never Windows)."""
        out = bytearray(length)
        end = start + length
        esp = self.layout.esp
        sources: list[tuple[int, int, Callable[[int, int], bytes]]] = [
            (0, len(self.head), self._head_bytes),
            (esp.offset_bytes, esp.size_bytes, self._esp_bytes),
            (self.layout.tail_offset, len(self.tail), self._tail_bytes),
        ]
        for src_start, src_len, reader in sources:
            lo, hi = max(start, src_start), min(end, src_start + src_len)
            if lo < hi:
                out[lo - start : hi - start] = reader(lo - src_start, hi - lo)
        return bytes(out)

    def _head_bytes(self, offset: int, length: int) -> bytes:
        return self.head[offset : offset + length]

    def _tail_bytes(self, offset: int, length: int) -> bytes:
        return self.tail[offset : offset + length]

    def _esp_bytes(self, offset: int, length: int) -> bytes:
        return fileops.pread_exact(self.esp_fd, length, offset)


def _touched_blocks(fd: int, size: int) -> list[int]:
    """Indexes of the 1 MiB blocks of a file that are not entirely a hole."""
    touched: list[int] = []
    for offset, length in fileops.data_ranges(fd, 0, size):
        first, last = offset // BLOCK, (offset + length - 1) // BLOCK
        if touched and touched[-1] >= first:
            first = touched[-1] + 1
        touched.extend(range(first, last + 1))
    return touched


def _nonzero_blocks(fd: int, size: int, touched: list[int], job: _Job) -> list[int]:
    """Those of the ``touched`` blocks that may hold anything but zeros.

    A block is dropped only when its bytes, read from the page cache, are all
    zero: checking never costs a disk read (a block not in the cache is kept),
    so the check is free right after mkntfs/wimlib wrote the image. The first
    4 KiB are looked at first, which settles almost every block holding data.
    """
    found = []
    probe = bytearray(_PROBE)
    for block in touched:
        job.check_cancel()
        job.progress.add(BLOCK)
        offset, length = block * BLOCK, min(BLOCK, size - block * BLOCK)
        settled_by_probe = length > _PROBE and (
            not fileops.pread_if_cached(fd, probe, offset) or probe != _ZERO_PROBE
        )
        if settled_by_probe:
            found.append(block)
            continue
        whole = bytearray(length)
        if not fileops.pread_if_cached(fd, whole, offset) or whole != _ZERO_BLOCK[:length]:
            found.append(block)
    return found


def _windows_blocks(fd: int, size: int, touched: list[int], job: _Job) -> list[int]:
    """The blocks of the Windows image to store: those with clusters in use, from $Bitmap.

    A block with clusters in use is stored as it is, without reading it; a block
    holding data but no cluster in use (written, then freed) is stored only if its
    bytes are not all zero. What a reader of the disk sees is the same as if every
    block had been checked for zeros. Without a readable $Bitmap every block is checked.
    """
    used = ntfs_bitmap.used_blocks(fd, size, BLOCK)
    if used is None:
        return _nonzero_blocks(fd, size, touched, job)
    free = [block for block in touched if not used[block]]
    job.progress.add((len(touched) - len(free)) * BLOCK)  # the check counts the rest
    nonzero_free = set(_nonzero_blocks(fd, size, free, job))
    return [block for block in touched if used[block] or block in nonzero_free]


def _runs(blocks: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive integers grouped as (first, count)."""
    runs: list[tuple[int, int]] = []
    for block in blocks:
        if runs and runs[-1][0] + runs[-1][1] == block:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((block, 1))
    return runs


def _fill_holes(fd: int, start: int, end: int) -> None:
    """Write zeros over every hole in [start, end) so the file is not sparse there."""
    zeros = memoryview(_ZERO_BLOCK)  # slicing bytes would copy 1 MiB per write
    for offset, length in list(fileops.hole_ranges(fd, start, end)):
        while length:
            step = min(length, BLOCK)
            fileops.pwrite_all(fd, zeros[:step], offset)
            offset += step
            length -= step


def _take_over(windows_image: Path, output: Path) -> bool:
    """Move the Windows image to ``output``; False when they are on different file systems."""
    try:
        windows_image.rename(output)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            return False
        raise
    return True


def _splice_possible(windows_image: Path, output: Path) -> bool:
    try:
        same_fs = windows_image.parent.stat().st_dev == output.parent.stat().st_dev
    except OSError:
        return False
    return same_fs and fileops.can_splice(windows_image.parent, BLOCK)


# --- raw and fixed VHD -------------------------------------------------------------


def _flat_extras(job: _Job, fd: int, footer: bytes | None) -> None:
    layout = job.layout
    fileops.pwrite_all(fd, job.head, 0)
    esp = layout.esp
    esp_data = list(fileops.data_ranges(job.esp_fd, 0, esp.size_bytes))
    job.progress.expect(sum(length for _, length in esp_data))
    for offset, length in esp_data:
        job.check_cancel()
        fileops.copy_range(job.esp_fd, fd, offset, esp.offset_bytes + offset, length)
        job.progress.add(length)
    os.ftruncate(fd, layout.disk_size + (len(footer) if footer else 0))
    fileops.pwrite_all(fd, job.tail, layout.tail_offset)
    if footer:
        fileops.pwrite_all(fd, footer, layout.disk_size)


def _write_flat(
    job: _Job, output: Path, windows_image: Path, footer: bytes | None, splice: bool
) -> None:
    win = job.layout.windows
    if splice and _take_over(windows_image, output):
        fd = os.open(output, os.O_RDWR)
        try:
            if not fileops.insert_range(fd, 0, win.offset_bytes):
                raise OSError(errno.EOPNOTSUPP, "insert range refused after a successful probe")
            _flat_extras(job, fd, footer)
        finally:
            os.close(fd)
        return
    src = os.open(windows_image, os.O_RDONLY)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.ftruncate(fd, job.layout.disk_size)
            win_data = list(fileops.data_ranges(src, 0, win.size_bytes))
            job.progress.expect(sum(length for _, length in win_data))
            for offset, length in win_data:
                while length:
                    job.check_cancel()
                    step = min(length, 16 * BLOCK)
                    fileops.copy_range(src, fd, offset, win.offset_bytes + offset, step)
                    job.progress.add(step)
                    offset += step
                    length -= step
            _flat_extras(job, fd, footer)
        finally:
            os.close(fd)
    finally:
        os.close(src)


# --- dynamic VHDX ------------------------------------------------------------------


def _write_vhdx(job: _Job, output: Path, windows_image: Path, splice: bool) -> None:
    layout = job.layout
    geometry = vhdx.VhdxGeometry(layout.disk_size)
    win = layout.windows
    win_first = win.offset_bytes // BLOCK
    esp_first = layout.esp.offset_bytes // BLOCK

    splice = splice and _take_over(windows_image, output)
    source = output if splice else windows_image
    src = os.open(source, os.O_RDONLY)
    try:
        esp_touched = _touched_blocks(job.esp_fd, layout.esp.size_bytes)
        win_touched = _touched_blocks(src, win.size_bytes)
        # scan both; write the extra blocks (at most the ESP's, the GPT's and the tail's);
        # copy the Windows blocks unless they are spliced
        copies = 0 if splice else len(win_touched)
        job.progress.expect((2 * len(esp_touched) + 3 + len(win_touched) + copies) * BLOCK)
        extra = {0, *range(layout.tail_offset // BLOCK, (layout.disk_size - 1) // BLOCK + 1)}
        esp_blocks = _nonzero_blocks(job.esp_fd, layout.esp.size_bytes, esp_touched, job)
        extra.update(esp_first + b for b in esp_blocks)
        keep = _windows_blocks(src, win.size_bytes, win_touched, job)
    finally:
        os.close(src)
    head_blocks = sorted(b for b in extra if b < win_first)
    tail_blocks = sorted(b for b in extra if b >= win_first)

    data_start = geometry.data_offset
    prefix = data_start + len(head_blocks) * BLOCK
    offsets = {block: data_start + i * BLOCK for i, block in enumerate(head_blocks)}
    offsets.update({win_first + block: prefix + i * BLOCK for i, block in enumerate(keep)})
    after = prefix + len(keep) * BLOCK
    offsets.update({block: after + i * BLOCK for i, block in enumerate(tail_blocks)})

    if splice:
        fd = os.open(output, os.O_RDWR)
    else:
        fd = os.open(output, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        if splice:
            _compact(fd, keep, win.size_bytes // BLOCK, job)
            if keep and not fileops.insert_range(fd, 0, prefix):
                raise OSError(errno.EOPNOTSUPP, "insert range refused after a successful probe")
        else:
            src = os.open(windows_image, os.O_RDONLY)
            try:
                done = 0
                for first, count in _runs(keep):
                    while count:
                        job.check_cancel()
                        step = min(count, 16)
                        fileops.copy_range(
                            src, fd, first * BLOCK, prefix + done * BLOCK, step * BLOCK
                        )
                        job.progress.add(step * BLOCK)
                        first, count, done = first + step, count - step, done + step
            finally:
                os.close(src)
        area = vhdx.metadata_area(
            geometry,
            offsets,
            disk_id=uuid.uuid4(),
            file_write_guid=uuid.uuid4(),
            data_write_guid=uuid.uuid4(),
        )
        fileops.pwrite_all(fd, area, 0)
        for block in head_blocks + tail_blocks:
            job.check_cancel()
            fileops.pwrite_all(fd, job.compose(block * BLOCK, BLOCK), offsets[block])
            job.progress.add(BLOCK)
        _fill_holes(fd, prefix, after)
    finally:
        os.close(fd)


def _compact(fd: int, keep: list[int], total_blocks: int, job: _Job) -> None:
    """Cut every all-zero block out of the image in place, keeping ``keep`` in order."""
    kept = set(keep)
    gaps = _runs(b for b in range(total_blocks) if b not in kept)
    for first, count in reversed(gaps):
        job.check_cancel()
        if first + count == total_blocks:
            continue  # the trailing run is cut by the truncate below
        if not fileops.collapse_range(fd, first * BLOCK, count * BLOCK):
            raise OSError(errno.EOPNOTSUPP, "collapse range refused after a successful probe")
    os.ftruncate(fd, len(keep) * BLOCK)


# --- entry point -------------------------------------------------------------------


def _needed_bytes(fmt: Format, layout: DiskLayout, esp_image: Path, windows_image: Path) -> int:
    """A quick upper bound of the output's allocated size, for the "disk full" message."""
    total = 0
    for path in (esp_image, windows_image):
        with contextlib.suppress(OSError):
            total += path.stat().st_blocks * 512
    if fmt == "vhdx":
        total += vhdx.VhdxGeometry(layout.disk_size).data_offset + 4 * BLOCK
    return total + BLOCK


def _check_inputs(fmt: Format, layout: DiskLayout, esp_image: Path, windows_image: Path) -> None:
    for path, part in ((esp_image, layout.esp), (windows_image, layout.windows)):
        size = path.stat().st_size
        if size != part.size_bytes:
            raise ValueError(f"{path} is {size} bytes, the {part.name} is {part.size_bytes}")
    win = layout.windows
    if win.offset_bytes % BLOCK or win.size_bytes % BLOCK:
        raise ValueError("the Windows partition must start and end on 1 MiB boundaries")
    if fmt == "vhd" and vhd.fixed_disk_size(layout.disk_size) != layout.disk_size:
        raise ValueError("plan a .vhd with virtual_disk_size('vhd', size): it must be CHS-exact")


def assemble_disk(
    output: Path,
    fmt: Format,
    layout: DiskLayout,
    esp_image: Path,
    windows_image: Path,
    *,
    should_cancel: Callable[[], bool] = lambda: False,
    progress: Callable[[float], None] | None = None,
    splice: bool = True,
) -> None:
    """Write the disk to ``output`` (which must not exist); ``windows_image`` is consumed.

    ``splice=False`` forces the streamed copy (benchmarks and tests use it).
    On any failure or cancel ``output`` is removed.
    """
    _check_inputs(fmt, layout, esp_image, windows_image)
    if output.exists():
        raise OutputError(f"{output} already exists; remove it or choose another output")
    needed = _needed_bytes(fmt, layout, esp_image, windows_image)
    use_splice = splice and _splice_possible(windows_image, output)
    meter = _Progress(progress)
    esp_fd = os.open(esp_image, os.O_RDONLY)
    try:
        job = _Job(layout, esp_fd, should_cancel, meter)
        job.check_cancel()
        if fmt == "vhdx":
            _write_vhdx(job, output, windows_image, use_splice)
        else:
            footer = (
                vhd.vhd_footer(layout.disk_size, unique_id=uuid.uuid4()) if fmt == "vhd" else None
            )
            _write_flat(job, output, windows_image, footer, use_splice)
        job.check_cancel()
        meter.finish()
    except OSError as exc:
        output.unlink(missing_ok=True)
        name = output.name.removesuffix(".partial")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise OutputError(
                f"the output disk is full: {needed / GIB:.1f} GiB needed for {name}"
            ) from exc
        if exc.errno == errno.EFBIG:
            raise OutputError(
                f"{name} would be larger than this file system or limit allows "
                f"({needed / GIB:.1f} GiB needed)"
            ) from exc
        raise
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    finally:
        os.close(esp_fd)
