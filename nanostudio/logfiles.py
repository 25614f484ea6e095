"""Log files only their owner can read, in a folder only its owner can open.

A build log names the media, the recipe's paths and every command; the GUI log
the hosts connected to. Like the certificate pins and the console history, they
are the user's alone: files 0600, folder 0700 (no-ops on Windows, where the
per-user AppData folder already is private).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) and make it owner-only."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    with contextlib.suppress(OSError):  # a folder we do not own: the log still works
        path.chmod(FOLDER_MODE)
    return path


def _open_private(handler: logging.FileHandler) -> io.TextIOWrapper:
    append = "a" in handler.mode
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(handler.baseFilename, flags, FILE_MODE)
    with contextlib.suppress(OSError, AttributeError):  # an older file made 0644
        os.fchmod(fd, FILE_MODE)
    # A path that is not valid UTF-8 (lone surrogates) is logged escaped, not dropped
    # with a "--- Logging error ---" traceback on stderr.
    stream = os.fdopen(
        fd,
        "a" if append else "w",
        encoding=handler.encoding,
        errors=handler.errors or "backslashreplace",
    )
    assert isinstance(stream, io.TextIOWrapper)
    return stream


class PrivateFileHandler(logging.FileHandler):
    """A FileHandler whose file is created 0600."""

    def _open(self) -> io.TextIOWrapper:
        return _open_private(self)


class PrivateRotatingFileHandler(PrivateFileHandler):
    """A log of at most ``maxBytes`` bytes a file: when full it becomes ``NAME.1`` (the
    older ones ``NAME.2`` … ``NAME.<backupCount>``, the oldest dropped); every file 0600.

    What ``logging.handlers.RotatingFileHandler`` does, on the core ``FileHandler``:
    the GUI opens its log before the first paint, and ``logging.handlers`` imports
    socket, pickle and queue (about 10 ms of start-up) for handlers it never uses.
    """

    def __init__(
        self,
        filename: str | os.PathLike[str],
        maxBytes: int = 0,  # noqa: N803 - RotatingFileHandler's names
        backupCount: int = 0,  # noqa: N803
        encoding: str | None = None,
    ) -> None:
        super().__init__(filename, mode="a", encoding=encoding)
        self.max_bytes = maxBytes
        self.backup_count = backupCount

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._is_full(record):
                self._roll_over()
        except Exception:  # logging must never raise into the caller
            self.handleError(record)
            return
        super().emit(record)

    def _is_full(self, record: logging.LogRecord) -> bool:
        if self.max_bytes <= 0 or self.backup_count <= 0:
            return False
        if self.stream is None:
            self.stream = self._open()
        size = self.stream.seek(0, io.SEEK_END)
        return size > 0 and size + len(self.format(record) + self.terminator) > self.max_bytes

    def _roll_over(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        base = Path(self.baseFilename)
        for number in range(self.backup_count - 1, 0, -1):
            older = base.with_name(f"{base.name}.{number}")
            if older.exists():
                older.replace(base.with_name(f"{base.name}.{number + 1}"))
        base.replace(base.with_name(f"{base.name}.1"))
        self.stream = self._open()
