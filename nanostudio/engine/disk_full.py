"""One answer for a full output disk, wherever in a build it happens.

A build writes to the output's folder from Python (the ISO's WIM copy, staging,
the disk file), from libwim's helper process (the delta WIM) and from tools
(``wimlib-imagex apply``/``export``/``extract``, ``mkntfs``, ``gcab``). Each
reports "no space" its own way: an ``OSError`` (often wrapped in one of the
project's errors), a libwim error code, a line of tool output, or a tool killed by
``SIGXFSZ`` at a file size limit. The runner asks :func:`disk_full_errno` about
every failure and turns each into the same sentence and exit code
(:func:`disk_full_message`, ``DiskFullError.exit_code``), so no step needs its own.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Sequence
from pathlib import Path

import psutil

from nanostudio.errors import DISK_FULL_ERRNOS, DiskFullError
from nanostudio.sizes import human_size

# A tool's failure is the output disk's only when that disk is (nearly) full: the NTFS
# volume inside the image saying "No space left on device" is another problem.
_NEARLY_FULL_BYTES = 64 << 20
_SIGXFSZ = getattr(signal, "SIGXFSZ", None)


def disk_full_errno(error: BaseException) -> int | None:
    """The errno when ``error`` (or any error in its cause/context chain) is a full disk."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFullError):
            return current.errno
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return current.errno
        current = current.__cause__ or current.__context__
    return None


def tool_disk_full(returncode: int, tail: Sequence[str], folder: Path) -> DiskFullError | None:
    """A DiskFullError when a tool's failure is the output disk filling up: killed by
    SIGXFSZ or saying "File too large" (a file size limit), or failing at all while
    ``folder``'s disk is nearly full (tools word it their own way, or not at all:
    mkfs.fat says "failed whilst writing reserved sector")."""
    if _SIGXFSZ is not None and returncode == -_SIGXFSZ:
        return DiskFullError(errno=errno.EFBIG)
    if os.strerror(errno.EFBIG).lower() in "\n".join(tail).lower():
        return DiskFullError(errno=errno.EFBIG)
    if free_bytes(folder) < _NEARLY_FULL_BYTES:
        return DiskFullError(errno=errno.ENOSPC)
    return None


def free_bytes(folder: Path) -> int:
    """Free space for this user in ``folder``'s file system; a large number if unknown."""
    try:
        return int(psutil.disk_usage(str(folder)).free)
    except OSError:
        return 1 << 62


def disk_full_message(folder: Path, required_bytes: int, code: int) -> str:
    """The one sentence for a full output disk (measured after the build's clean-up)."""
    free = free_bytes(folder)
    message = (
        f"the output disk is full: {human_size(free)} free in {folder}, "
        f"about {human_size(required_bytes)} needed"
    )
    if code == errno.EFBIG:
        return (
            f"{message}; a file reached the largest size this file system or the file size "
            "limit allows (ulimit -f): choose another output folder"
        )
    return f"{message}: free some space or choose another output folder"
