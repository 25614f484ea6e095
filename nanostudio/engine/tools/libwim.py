"""wimlib's C library (libwim, shipped with wimlib-imagex): write a *delta* WIM.

The portable engine must add files (unattend.xml, SetupComplete.cmd, staged
packages and drivers) to the image it applies, without root and without
touching the user's media. Mounting the NTFS volume needs FUSE and root;
``ntfscp`` cannot create folders; applying a second WIM onto the volume fails
on existing folders; copying the whole WIM to run ``wimlib-imagex update`` on
the copy costs a full extra read and write of the image. A delta WIM costs
none of that: the source is opened read-only, the overlay folder is added to
the chosen image in memory, and only the new image metadata and the overlay
files are written, referencing the source for everything else
(``WIMLIB_WRITE_FLAG_SKIP_EXTERNAL_WIMS``). ``wimlib-imagex apply DELTA 1
--ref=SOURCE`` then applies the combined image in one pass.

The write runs in a helper process (``write_delta_wim``): wimlib keeps the
metadata of the whole image in memory (about 1 KB a file, 300 MB for 300,000
files) and a process never gives such memory back, so NanoStudio's own process
stays small; a cancel kills the helper at once, mid-write.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nanostudio.engine.tools.native import LazyLibrary, load_library
from nanostudio.errors import (
    DISK_FULL_ERRNOS,
    BuildCancelled,
    BuildError,
    DiskFullError,
    ToolMissingError,
    UserFacingError,
)
from nanostudio.secret import child_environment

_COMPRESSION_NONE = 0
_COMPRESSION_LZX = 2
UNCOMPRESSED_FLAG = "--uncompressed"
_ALL_IMAGES = -1
_WRITE_FLAG_SKIP_EXTERNAL_WIMS = 0x00000200
_PROGRESS_CONTINUE = 0
_PROGRESS_ABORT = 1  # wimlib stops and returns WIMLIB_ERR_ABORTED_BY_PROGRESS
# enum wimlib_progress_status (*)(enum wimlib_progress_msg, union wimlib_progress_info *,
# void *progctx): called by wimlib on the calling thread while it scans and writes.
_PROGRESS_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
ShouldCancel = Callable[[], bool]
_LIBRARY_NAMES = ("wim", "libwim", "libwim-15", "wim-15")
_INSTALL_HINT = (
    "install wimlib's library (Debian/Ubuntu: apt-get install libwim15; it comes with "
    "wimtools; on Windows keep libwim-15.dll next to wimlib-imagex.exe)"
)


def _load_library() -> ctypes.CDLL:
    return load_library(
        ["libwim.so.15"] if sys.platform.startswith("linux") else [],
        _LIBRARY_NAMES,
        what="wimlib's library (libwim)",
        install_hint=_INSTALL_HINT,
    )


class _Lib:
    """The handful of libwim functions used here, with their C signatures."""

    def __init__(self) -> None:
        self.dll = _load_library()
        # wimlib_tchar is wchar_t on Windows, char (UTF-8) elsewhere.
        text = ctypes.c_wchar_p if sys.platform == "win32" else ctypes.c_char_p
        handle = ctypes.c_void_p
        out = ctypes.POINTER(ctypes.c_void_p)
        signatures: dict[str, tuple[list[object], object]] = {
            "wimlib_global_init": ([ctypes.c_int], ctypes.c_int),
            "wimlib_open_wim": ([text, ctypes.c_int, out], ctypes.c_int),
            "wimlib_create_new_wim": ([ctypes.c_int, out], ctypes.c_int),
            "wimlib_add_tree": ([handle, ctypes.c_int, text, text, ctypes.c_int], ctypes.c_int),
            "wimlib_export_image": (
                [handle, ctypes.c_int, handle, text, text, ctypes.c_int],
                ctypes.c_int,
            ),
            "wimlib_write": (
                [handle, text, ctypes.c_int, ctypes.c_int, ctypes.c_uint],
                ctypes.c_int,
            ),
            "wimlib_free": ([handle], None),
            "wimlib_register_progress_function": (
                [handle, _PROGRESS_FUNC, ctypes.c_void_p],
                None,
            ),
            "wimlib_get_error_string": ([ctypes.c_int], text),
        }
        for name, (argtypes, restype) in signatures.items():
            function = getattr(self.dll, name)
            function.argtypes = argtypes
            function.restype = restype
        self._text = text

    def text(self, value: str | Path) -> object:
        """A path or name as wimlib_tchar: the OS's own bytes for a path on POSIX (a name
        that is not valid UTF-8 passes through unchanged), UTF-16 on Windows."""
        if self._text is ctypes.c_wchar_p:
            return str(value)
        return os.fsencode(value)

    def error(self, code: int) -> str:
        message = self.dll.wimlib_get_error_string(code)
        if isinstance(message, bytes):
            return message.decode("utf-8", errors="replace")
        return str(message)


def _bind() -> _Lib:
    lib = _Lib()
    lib.dll.wimlib_global_init(0)
    return lib


# libwim, bound on first use: ``LIBRARY.available()`` and ``LIBRARY.require()`` (which
# raises ToolMissingError with the install hint) let a plan check it before starting.
LIBRARY = LazyLibrary(_bind)


@dataclass(frozen=True)
class DeltaWim:
    """A delta WIM to write: image ``index`` of ``source`` with the folder ``overlay``
    merged into its root, written to ``dest`` (only the new metadata and the overlay's
    files). The helper process gets it as its arguments (``argv`` / ``from_argv``)."""

    source: Path
    index: int
    overlay: Path
    dest: Path
    compress: bool = True  # LZX; False for a delta only applied once (a disk build)

    def argv(self) -> list[str]:
        paths = [os.fsdecode(self.source), str(self.index), os.fsdecode(self.overlay)]
        return [*paths, os.fsdecode(self.dest), *([] if self.compress else [UNCOMPRESSED_FLAG])]

    @classmethod
    def from_argv(cls, argv: list[str]) -> DeltaWim:
        source, index, overlay, dest = (arg for arg in argv if arg != UNCOMPRESSED_FLAG)
        compress = UNCOMPRESSED_FLAG not in argv
        return cls(Path(source), int(index), Path(overlay), Path(dest), compress)


def write_delta_wim_here(delta: DeltaWim, *, should_cancel: ShouldCancel | None = None) -> None:
    """Write ``delta.dest`` in this process.

    ``delta.compress=False`` stores the new metadata and files uncompressed: for a
    delta WIM that is only applied and then deleted (a disk build), LZX is wasted work,
    about 0.3 s of CPU per 30,000 files of image metadata. Exporting an uncompressed
    delta would make the exported WIM uncompressed too (wimlib-imagex export keeps the
    source's compression), so a ``.wim`` output keeps LZX.

    ``delta.source`` is opened read-only and never written. Apply or export ``dest``
    with ``--ref=source``. ``should_cancel`` is asked at every progress message wimlib
    sends while it scans the overlay and writes (several a second on a large one); True
    aborts the write, ``dest`` is removed and ``BuildCancelled`` raised.

    This runs libwim in the calling process, which then holds wimlib's metadata of
    the whole image (about 1 KB a file) for good: builds call ``write_delta_wim``.
    """
    source, index, overlay, dest = delta.source, delta.index, delta.overlay, delta.dest
    lib = LIBRARY.get()
    dll = lib.dll
    src = ctypes.c_void_p()
    new = ctypes.c_void_p()
    aborted = False

    def progress(_message: int, _info: int | None, _context: int | None) -> int:
        nonlocal aborted
        # Runs on this (the main) thread: a pending SIGINT handler runs here too,
        # so the cancel flag it sets is seen at once.
        try:
            aborted = aborted or bool(should_cancel is not None and should_cancel())
        except BaseException:  # nothing may escape into C
            aborted = True
        return _PROGRESS_ABORT if aborted else _PROGRESS_CONTINUE

    callback = _PROGRESS_FUNC(progress)  # kept alive until wimlib is done with it

    def check(code: int, what: str) -> None:
        if aborted:
            raise BuildCancelled()
        if code != 0:
            raise BuildError(f"wimlib could not {what}: {lib.error(code)} (code {code})")

    try:
        check(dll.wimlib_open_wim(lib.text(source), 0, ctypes.byref(src)), f"open {source}")
        dll.wimlib_register_progress_function(src, callback, None)
        # The image is changed in the source's in-memory copy (never written back),
        # then exported: an exported image cannot be changed while both WIMs share it.
        check(
            dll.wimlib_add_tree(src, index, lib.text(overlay), lib.text("/"), 0),
            f"add {overlay} to image {index}",
        )
        compression = _COMPRESSION_LZX if delta.compress else _COMPRESSION_NONE
        check(dll.wimlib_create_new_wim(compression, ctypes.byref(new)), "create a WIM")
        dll.wimlib_register_progress_function(new, callback, None)
        check(dll.wimlib_export_image(src, index, new, None, None, 0), f"export image {index}")
        ctypes.set_errno(0)
        code = dll.wimlib_write(new, lib.text(dest), _ALL_IMAGES, _WRITE_FLAG_SKIP_EXTERNAL_WIMS, 0)
        if code != 0 and not aborted:
            failed_with = ctypes.get_errno()
            if failed_with in DISK_FULL_ERRNOS:
                raise DiskFullError(f"wimlib could not write {dest}", errno=failed_with)
        check(code, f"write {dest}")
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        if new.value:
            dll.wimlib_free(new)
        if src.value:
            dll.wimlib_free(src)


_POLL_S = 0.05
CHILD_FLAG = "--libwim-child"  # the frozen app's executable serves the helper with it
_ERRORS: dict[str, type[UserFacingError]] = {
    "BuildError": BuildError,
    "ToolMissingError": ToolMissingError,
}


def write_delta_wim(delta: DeltaWim, *, should_cancel: ShouldCancel | None = None) -> None:
    """``write_delta_wim_here`` in a helper process (``nanostudio.engine.tools.libwim_child``).

    ``should_cancel`` is asked every 50 ms; True kills the helper, removes ``dest``
    and raises ``BuildCancelled``. The helper's errors come back as the same
    exceptions (``BuildError``, ``ToolMissingError``, ``DiskFullError``). It gets no
    password in its environment and ends by itself if this process dies.
    """
    dest = delta.dest
    argv = [*_child_command(), *delta.argv()]
    package_parent = str(Path(__file__).resolve().parents[3])
    python_path = os.pathsep.join(
        part for part in (package_parent, os.environ.get("PYTHONPATH", "")) if part
    )
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_environment({"PYTHONPATH": python_path}),
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
    )
    try:
        while True:
            try:
                stdout, stderr = process.communicate(timeout=_POLL_S)
                break
            except subprocess.TimeoutExpired:
                if should_cancel is not None and should_cancel():
                    raise BuildCancelled() from None
    except BaseException:
        process.kill()
        process.wait()
        dest.unlink(missing_ok=True)
        raise
    _raise_child_failure(process.returncode, stdout, stderr, dest)


def _child_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "nanostudio.engine.tools.libwim_child"]


def _raise_child_failure(returncode: int, stdout: bytes, stderr: bytes, dest: Path) -> None:
    lines = stdout.decode("utf-8", errors="replace").splitlines()
    try:
        report = json.loads(lines[-1]) if lines else {}
    except ValueError:
        report = {}
    if returncode == 0 and report.get("ok"):
        return
    dest.unlink(missing_ok=True)
    kind, message = report.get("error"), str(report.get("message", ""))
    if kind == "DiskFullError":
        raise DiskFullError(message, errno=int(report.get("errno", errno.ENOSPC)))
    if kind in _ERRORS:
        raise _ERRORS[kind](message)
    sigxfsz = getattr(signal, "SIGXFSZ", None)  # POSIX only
    if sigxfsz is not None and returncode == -sigxfsz:
        raise DiskFullError(f"wimlib could not write {dest}", errno=errno.EFBIG)
    tail = stderr.decode("utf-8", errors="replace").strip().splitlines()[-8:]
    details = "\n".join(tail) or f"exit code {returncode}"
    raise BuildError(f"wimlib's helper process failed writing {dest}:\n{details}")


def child_main(argv: list[str]) -> int:
    """The helper: write one delta WIM, report on stdout as one JSON line."""
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    try:
        write_delta_wim_here(DeltaWim.from_argv(argv))
    except UserFacingError as error:
        report: dict[str, object] = {"error": type(error).__name__, "message": str(error)}
        if isinstance(error, DiskFullError):
            report["errno"] = error.errno
        print(json.dumps(report), flush=True)
        return 1
    print(json.dumps({"ok": True}), flush=True)
    return 0


def _exit_when_parent_goes() -> None:
    """A parent killed outright (SIGKILL) cannot kill us: stop writing into its work
    folder once we are orphaned (our parent process changes)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
