"""Small file-system helpers: opening what must be a regular file without blocking,
and clean-up that never raises.

Opening: a named pipe (FIFO) blocks ``open()`` until a writer appears and ``read()``
until it writes; a character device such as ``/dev/zero`` never ends; a socket cannot
be opened at all. Any of them where an ISO, a WIM, a cab, a recipe, an INF or a zip is
expected would hang NanoStudio beyond the reach of Ctrl+C. So: ``os.stat`` first (a
clear sentence for the common case), then ``O_NONBLOCK`` on the open itself (a FIFO
swapped in between cannot block it), then ``fstat`` on what was really opened, and only
then the descriptor is made blocking again for ordinary reads.

Clean-up code runs in ``except`` and ``finally`` blocks, where a second exception
would replace the first (and the user's "cannot write to ..." would turn into an
internal error). On a read-only file system even deleting a file that does not
exist fails (EROFS before ENOENT), so clean-up goes through ``remove_quietly``.

Replacing a small file (a recipe, a pin, a djoin blob) goes through a new temporary
file beside it (``replace_atomically``), never through a fixed ``.partial`` name.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOCTTY = getattr(os, "O_NOCTTY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


class NotRegularFileError(OSError):
    """``path`` exists but is a pipe, a device, a socket or a folder where a file belongs.

    An ``OSError`` whose ``strerror`` is the sentence ("is a named pipe (FIFO), not a
    regular file"), so handlers that report ``strerror`` say it too.
    """

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", str(path))
        self.path = path
        self.kind = kind


def special_kind(mode: int) -> str | None:
    """What a ``st_mode`` that is not a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def regular_file_problem(path: Path) -> str | None:
    """None when ``path`` is (or links to) a regular file; else why not, for a message.

    A missing path is the caller's business: it gives None too (open it and see).
    """
    try:
        mode = Path(path).stat().st_mode
    except (OSError, ValueError):
        return None
    kind = special_kind(mode)
    return None if kind is None else f"{path} is {kind}, not a regular file"


def require_regular_file(path: Path) -> None:
    """Raise ``NotRegularFileError`` when ``path`` exists and is not a regular file."""
    try:
        mode = Path(path).stat().st_mode
    except ValueError as error:  # an embedded NUL
        raise FileNotFoundError(errno.ENOENT, str(error), str(path)) from None
    kind = special_kind(mode)
    if kind is not None:
        raise NotRegularFileError(path, kind)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for binary reading; ``NotRegularFileError`` for anything but a file.

    Never blocks in ``open()``: the check and the open cannot be raced into a hang.
    Other failures are the usual ``OSError``s (missing, permission denied).
    """
    require_regular_file(path)
    flags = os.O_RDONLY | _NONBLOCK | _NOCTTY | _CLOEXEC | _BINARY
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket (or a FIFO on some systems)
            raise NotRegularFileError(path, "a socket") from None
        raise
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFileError(path, kind)
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_small_file(
    path: Path, limit: int, *, what: str, remedy: str, error: Callable[[str], Exception]
) -> bytes:
    """The bytes of the small regular file ``path`` (a recipe, an answer file, a djoin
    blob), or ``error`` with one line that names ``what`` the file should be and the
    ``remedy``. At most ``limit`` bytes are read: a larger file is no such file, and is
    refused before it fills the memory."""
    try:
        with open_regular(path) as file:
            data = file.read(limit + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{what} {path} does not exist: {remedy}") from None
    except NotRegularFileError as problem:
        raise error(f"cannot read {what} {path}: {problem.strerror}; {remedy}") from None
    except PermissionError:
        raise error(
            f"cannot read {what} {path} (permission denied): give your user read access to it"
        ) from None
    except OSError as problem:
        raise error(f"cannot read {what} {path}: {problem.strerror or problem}") from None
    if len(data) > limit:
        raise error(f"{what} {path} is larger than {limit // 1024} KiB: no {what} is that large")
    return data


log = logging.getLogger(__name__)


def remove_quietly(path: Path) -> bool:
    """Delete ``path`` if it is there; never raise. False if it could not be deleted."""
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.debug("cannot delete %s: %s", path, error.strerror or error)
        return not path.exists()
    return True


def replace_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path``: a new temporary file in ``path``'s folder, then a rename.

    mkstemp makes the temporary file (O_EXCL, 0600, a random name), so a symbolic link
    or a stale file with wider permissions planted under a fixed ``.partial`` name can
    neither redirect the write nor lend it its permissions; ``mode`` is set just before
    the rename. On any failure the temporary file is removed and ``path`` is untouched.
    """
    fd, name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if mode != 0o600 and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
        partial.replace(path)
    except BaseException:  # disk full, interrupted: no temporary file stays behind
        remove_quietly(partial)
        raise


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file here: 0666 less the umask.

    Linux shows the umask in /proc, so it is read without being changed; elsewhere it
    is read by setting it and putting it back at once."""
    if sys.platform.startswith("linux"):
        try:
            with Path("/proc/self/status").open(encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("Umask:"):
                        return 0o666 & ~int(line.split()[1], 8)
        except (OSError, ValueError, IndexError):
            pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def cannot_write_message(folder: Path) -> str:
    return f"cannot write to {folder}: choose a folder you can write to"


def missing_folder_message(folder: Path) -> str:
    return f"the folder {folder} does not exist: create it or choose another"


def output_folder_problem(folder: Path) -> str | None:
    """Why no file can be written into ``folder`` (missing, read-only), or None.

    Cheap and side-effect free (``os.access`` reports EROFS and permissions), so the
    wizard may ask at every keystroke; the build still tries a real write first.
    """
    if not folder.is_dir():
        return missing_folder_message(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        return cannot_write_message(folder)
    return None
