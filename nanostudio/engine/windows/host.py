"""What the Windows engine asks of the machine it runs on, behind one seam.

Elevation, the output volume's file system, free drive letters and how paths
are spelled on a tool's command line are Windows facts. Keeping them behind
``WindowsHost`` lets the plan be printed on any OS (``--dry-run``) and lets
tests drive the real steps on Linux with fake ``dism``/``diskpart``/``bcdboot``.
"""

from __future__ import annotations

import shutil
import string
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath
from typing import Protocol

from nanostudio.errors import ToolMissingError

# GetDriveType answers (winbase.h).
DRIVE_REMOVABLE = 2
DRIVE_FIXED = 3
DRIVE_REMOTE = 4
DRIVE_CDROM = 5
DRIVE_RAMDISK = 6
DRIVE_TYPE_NAMES = {
    0: "unknown",
    1: "not a volume",
    DRIVE_REMOVABLE: "removable",
    DRIVE_FIXED: "fixed",
    DRIVE_REMOTE: "network",
    DRIVE_CDROM: "CD/DVD",
    DRIVE_RAMDISK: "RAM disk",
}
# Each partition that needs a letter has a preferred one, used when free: S
# ("System", as in Microsoft's own scripts) for the system partition, W for the
# Windows partition. Otherwise it gets the first free letter from Z down to D.
SYSTEM_LETTER = "S"
WINDOWS_LETTER = "W"
FALLBACK_LETTERS = "".join(reversed(string.ascii_uppercase[3:]))
# A, B (floppy drives) and C (the system drive) are never handed out.
RESERVED_LETTERS = frozenset("ABC")


@dataclass(frozen=True)
class VolumeFacts:
    """The volume that holds a folder: its root, drive type and file system."""

    root: str
    drive_type: int
    file_system: str


class WindowsHost(Protocol):
    """The machine facts the Windows engine needs; the only place with ctypes."""

    # Encoding of diskpart script files and of the tools' console output.
    script_encoding: str
    console_encoding: str

    def path_text(self, path: PurePath) -> str:
        """``path`` as it must appear on a tool's command line or in a script."""
        ...

    def is_elevated(self) -> bool: ...

    def volume(self, folder: Path) -> VolumeFacts: ...

    def used_drive_letters(self) -> set[str]:
        """The drive letters volumes use now (upper-case letters, no colon)."""
        ...

    def find_tool(self, name: str) -> str | None: ...


def windows_path_text(path: PurePath) -> str:
    """Any path spelled the Windows way (``C:/x`` made on Linux becomes ``C:\\x``)."""
    return str(PureWindowsPath(str(path)))


def pick_letters(used: set[str], preferred: Sequence[str]) -> list[str]:
    """One distinct free letter per wanted letter, in order: the preferred letter
    itself when no volume uses it, else the first free one from Z down to D."""
    taken = set(used) | RESERVED_LETTERS
    chosen: list[str] = []
    for letter in preferred:
        choice = letter if letter not in taken else _first_free(taken)
        if choice is None:
            raise ToolMissingError(_letters_message(len(chosen), len(preferred)))
        chosen.append(choice)
        taken.add(choice)
    return chosen


def _first_free(taken: set[str]) -> str | None:
    return next((letter for letter in FALLBACK_LETTERS if letter not in taken), None)


def _letters_message(free: int, needed: int) -> str:
    where = (
        "every drive letter from D to Z is in use"
        if free == 0
        else f"only {free} drive letter from D to Z is free and the build needs {needed}"
    )
    return (
        f"{where}: disconnect a drive or network share so the new disk's partitions "
        "can get letters for bcdboot"
    )


class PlanOnlyHost:
    """The host on an OS other than Windows: plans print, nothing runs."""

    script_encoding = "utf-8"
    console_encoding = "utf-8"

    def path_text(self, path: PurePath) -> str:
        return windows_path_text(path)

    def _refuse(self) -> ToolMissingError:
        return ToolMissingError(
            "the windows engine needs a Windows host (dism, diskpart, bcdboot): "
            "use --engine portable here, or --dry-run to see its plan"
        )

    def is_elevated(self) -> bool:
        raise self._refuse()

    def volume(self, folder: Path) -> VolumeFacts:
        raise self._refuse()

    def used_drive_letters(self) -> set[str]:
        raise self._refuse()

    def find_tool(self, name: str) -> str | None:
        return None


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    class SystemHost:
        """The real Windows host, answered through shell32/kernel32."""

        script_encoding = "mbcs"  # diskpart reads scripts in the ANSI code page
        console_encoding = "oem"  # console tools write the OEM code page to pipes

        def path_text(self, path: PurePath) -> str:
            return windows_path_text(path)

        def is_elevated(self) -> bool:
            return bool(ctypes.windll.shell32.IsUserAnAdmin())

        def volume(self, folder: Path) -> VolumeFacts:
            kernel32 = ctypes.windll.kernel32
            root = ctypes.create_unicode_buffer(261)
            if not kernel32.GetVolumePathNameW(str(folder), root, len(root)):
                raise ctypes.WinError()
            fs_name = ctypes.create_unicode_buffer(261)
            serial, max_len, flags = wintypes.DWORD(), wintypes.DWORD(), wintypes.DWORD()
            if not kernel32.GetVolumeInformationW(
                root.value,
                None,
                0,
                ctypes.byref(serial),
                ctypes.byref(max_len),
                ctypes.byref(flags),
                fs_name,
                len(fs_name),
            ):
                raise ctypes.WinError()
            drive_type = int(kernel32.GetDriveTypeW(root.value))
            return VolumeFacts(root.value, drive_type, fs_name.value)

        def used_drive_letters(self) -> set[str]:
            mask = int(ctypes.windll.kernel32.GetLogicalDrives())
            return {chr(ord("A") + bit) for bit in range(26) if mask & (1 << bit)}

        def find_tool(self, name: str) -> str | None:
            return shutil.which(name)


def system_host() -> WindowsHost:
    """The host of this process: real on Windows, plan-only elsewhere."""
    if sys.platform == "win32":
        return SystemHost()
    return PlanOnlyHost()
