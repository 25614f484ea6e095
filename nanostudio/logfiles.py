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
import logging.handlers
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


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose every file (the new one after each rollover too) is 0600."""

    def _open(self) -> io.TextIOWrapper:
        return _open_private(self)
