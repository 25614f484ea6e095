"""One build per output file, and what a killed build left behind.

A build holds an exclusive lock on ``.<output name>.nanostudio-lock`` next to the
output from before its first check until after its final move (``flock`` on
POSIX, ``msvcrt.locking`` on Windows; the OS releases it when the process dies,
even by SIGKILL). A second build for the same output is refused at once, naming
the process that holds it. The lock file records its holder (PID and start time).

Each work folder (``.nanostudio-XXXXXXXX``) records its owner the same way, in
``owner``. At the next start in that folder, work folders and other outputs' lock
files whose owner is gone, and the output's own ``.partial`` (whose owner would hold
the lock we now hold), are removed before any work, and the removal is logged.

The final move never replaces a file that appeared meanwhile unless ``--force``:
``renameat2(RENAME_NOREPLACE)`` on Linux, else ``link`` + ``unlink``, and on
Windows ``os.rename``, which refuses to replace.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from nanostudio.errors import OutputError

WORKDIR_PREFIX = ".nanostudio-"
OWNER_FILE = "owner"
# A work folder without an owner file (an older version's, or one a build is creating
# this very moment) is only taken for stale once it is this old.
UNOWNED_GRACE_S = 600.0
_WINDOWS_LOCK_OFFSET = 1 << 20  # locked byte, past the PID text others must read
_CREATE_TIME_SLACK_S = 1.0


LOCK_SUFFIX = ".nanostudio-lock"
# A lock file holds one owner line; anything bigger is not one of ours, whatever its name.
_LOCK_TEXT_MAX = 64


def lock_path(output: Path) -> Path:
    return output.with_name(f".{output.name}{LOCK_SUFFIX}")


class OutputLock:
    """An exclusive, non-blocking lock on one output path, held until ``release``."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = lock_path(output)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise OutputError naming the process that holds it."""
        for _ in range(50):  # a holder may unlink the file between our open and lock
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                locked = _try_lock(fd)
                if locked and _same_file(fd, self.path):
                    os.ftruncate(fd, 0)
                    os.lseek(fd, 0, os.SEEK_SET)
                    os.write(fd, Owner.me().text().encode("ascii"))
                    self._fd = fd
                    return
                if not locked and _dead_owner(fd):
                    # A build elsewhere in this folder is removing this dead build's
                    # lock file: it holds it for a moment, then unlinks it.
                    os.close(fd)
                    time.sleep(0.02)
                    continue
                holder = _holder_pid(fd) if not locked else None
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
            if not locked:
                who = f"process {holder}" if holder else "another process"
                raise OutputError(
                    f"another build (PID {holder or '?'}) is writing {self.output}: wait for "
                    f"{who} to finish, or choose another output"
                )
        raise OutputError(f"cannot lock {self.path}: it keeps changing; try again")

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform == "win32":
            os.close(fd)  # Windows cannot delete an open file
            with contextlib.suppress(OSError):
                self.path.unlink()
            return
        with contextlib.suppress(OSError):  # unlink first: a waiter re-checks the inode
            self.path.unlink()
        os.close(fd)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True


def _same_file(fd: int, path: Path) -> bool:
    """The file we locked is still the one at ``path`` (not unlinked by its last holder)."""
    try:
        here = path.stat()
    except FileNotFoundError:
        return False
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _holder_pid(fd: int) -> int | None:
    """The holder's PID; it writes it just after taking the lock, so a build that
    arrives in between waits a moment (up to 1 s) rather than naming no one."""
    for _ in range(20):
        pid = _read_pid(fd)
        if pid is not None:
            return pid
        time.sleep(0.05)
    return None


def _read_pid(fd: int) -> int | None:
    words = _read_text(fd).split()
    return int(words[0]) if words and words[0].isdigit() else None


def _dead_owner(fd: int) -> bool:
    owner = Owner.parse(_read_text(fd))
    return owner is not None and not owner.alive()


def _read_text(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, _LOCK_TEXT_MAX).decode("ascii", "replace")
    except OSError:
        return ""


# -- work folders --------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    pid: int
    started: float  # the process's start time (seconds since the epoch)

    @classmethod
    def me(cls) -> Owner:
        return cls(os.getpid(), psutil.Process().create_time())

    def text(self) -> str:
        return f"{self.pid} {self.started:.3f}\n"

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        parts = text.split()
        try:
            return cls(int(parts[0]), float(parts[1]))
        except (IndexError, ValueError):
            return None

    def alive(self) -> bool:
        """The process still runs, and is the same one (a PID can be reused)."""
        try:
            started = psutil.Process(self.pid).create_time()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return False
        except psutil.Error:  # not ours to inspect: assume it lives
            return True
        return abs(started - self.started) <= _CREATE_TIME_SLACK_S


def record_owner(workdir: Path) -> None:
    """Write who owns ``workdir`` (PID and start time), so a later build can tell it is stale."""
    fd = os.open(workdir / OWNER_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(Owner.me().text())


def _stale(folder: Path, now: float) -> bool:
    try:
        text = (folder / OWNER_FILE).read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        try:
            return now - folder.stat().st_mtime > UNOWNED_GRACE_S
        except OSError:
            return False
    except OSError:
        return False
    owner = Owner.parse(text)
    return owner is None or not owner.alive()


def _is_lock_file_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(LOCK_SUFFIX) and len(name) > len(LOCK_SUFFIX) + 1


def _remove_stale_lock(path: Path, now: float) -> bool:
    """Remove another output's lock file if the build that held it is gone.

    A live build's lock is never touched: we take the lock first (a live holder keeps
    it, so we skip), then judge the owner it records, and unlink while holding it (a
    build arriving meanwhile waits, see ``OutputLock.acquire``). A file with no owner
    line (an older version's PID-only file, or a build that has just created it) must
    also be older than ``UNOWNED_GRACE_S``.
    """
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if not _try_lock(fd) or not _same_file(fd, path):
            return False
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _LOCK_TEXT_MAX:
            return False
        owner = Owner.parse(_read_text(fd))
        if owner is not None and owner.alive():
            return False
        if owner is None and now - info.st_mtime <= UNOWNED_GRACE_S:
            return False
        if sys.platform == "win32":
            os.close(fd)  # Windows cannot delete an open file; a build opening it now keeps it
            fd = -1
        path.unlink()
        return True
    except OSError:
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def remove_leftovers(output: Path, partial: Path, log: Callable[[str], None]) -> None:
    """Remove what killed builds left next to ``output``; call with the output's lock held.

    Work folders and lock files whose owner is gone (any output's: a work folder is a
    private temp folder, and a lock file is only what a dead build failed to unlink),
    and ``partial``, which only a holder of the lock writes.
    """
    now = time.time()
    own_lock = lock_path(output).name
    with contextlib.suppress(OSError):
        for entry in output.parent.iterdir():
            if entry.is_symlink():
                continue
            if _is_lock_file_name(entry.name):  # first: ".nanostudio-x.vhd.nanostudio-lock"
                if entry.name != own_lock and _remove_stale_lock(entry, now):
                    log(f"removed {entry}, the lock of a build that was stopped")
            elif entry.name.startswith(WORKDIR_PREFIX) and entry.is_dir() and _stale(entry, now):
                shutil.rmtree(entry, ignore_errors=True)
                if not entry.exists():
                    log(f"removed {entry}, left by a build that was stopped")
    if partial.exists() or partial.is_symlink():
        try:
            partial.unlink()
        except OSError as error:
            raise OutputError(
                f"{partial}, left by a build that was stopped, cannot be removed "
                f"({error.strerror}): delete it and try again"
            ) from None
        log(f"removed {partial}, left by a build that was stopped")


# -- the final move ---------------------------------------------------------------------

_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _renameat2() -> Callable[[bytes, bytes], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is None:
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.restype = ctypes.c_int

    def rename(source: bytes, target: bytes) -> int:
        if function(_AT_FDCWD, source, _AT_FDCWD, target, _RENAME_NOREPLACE) == 0:
            return 0
        return ctypes.get_errno()

    return rename


def _appeared(output: Path) -> OutputError:
    return OutputError(
        f"{output} appeared while this build ran and was left alone: pass --force to "
        "replace it, or choose another output"
    )


def move_into_place(partial: Path, output: Path, *, force: bool) -> None:
    """Rename ``partial`` to ``output``; without ``force`` never replace an existing file."""
    if force:
        partial.replace(output)
        return
    if sys.platform == "win32":
        try:
            partial.rename(output)  # Windows' rename refuses to replace
        except FileExistsError:
            raise _appeared(output) from None
        return
    rename = _renameat2()
    if rename is not None:
        code = rename(os.fsencode(partial), os.fsencode(output))
        if code == 0:
            return
        if code == errno.EEXIST:
            raise _appeared(output)
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(output))
    _link_then_unlink(partial, output)


def _link_then_unlink(partial: Path, output: Path) -> None:
    """Where the OS or filesystem has no RENAME_NOREPLACE: a hard link fails if
    ``output`` exists; a filesystem without links gets a last check then rename."""
    try:
        os.link(partial, output)
    except FileExistsError:
        raise _appeared(output) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
            raise
        if output.exists() or output.is_symlink():
            raise _appeared(output) from None
        partial.rename(output)
        return
    partial.unlink()
