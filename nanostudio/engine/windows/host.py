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
# The ESP's letter: S ("System") as in Microsoft's own scripts when free,
# else the first free letter from the end of the alphabet.
LETTER_PREFERENCE = "S" + "".join(reversed(string.ascii_uppercase[3:])).replace("S", "")


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

    def free_bytes(self, folder: Path) -> int: ...

    def free_drive_letter(self) -> str:
        """A drive letter no volume uses now (one upper-case letter, no colon)."""
        ...

    def find_tool(self, name: str) -> str | None: ...


def windows_path_text(path: PurePath) -> str:
    """Any path spelled the Windows way (``C:/x`` made on Linux becomes ``C:\\x``)."""
    return str(PureWindowsPath(str(path)))


def pick_letter(used: set[str]) -> str:
    """The preferred free letter given the letters in use; raises if none is free."""
    for letter in LETTER_PREFERENCE:
        if letter not in used:
            return letter
    raise ToolMissingError(
        "every drive letter from D to Z is in use: disconnect a drive or network share "
        "so the new disk's system partition can get a letter for bcdboot"
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

    def free_bytes(self, folder: Path) -> int:
        raise self._refuse()

    def free_drive_letter(self) -> str:
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

        def free_bytes(self, folder: Path) -> int:
            return shutil.disk_usage(folder).free

        def free_drive_letter(self) -> str:
            mask = int(ctypes.windll.kernel32.GetLogicalDrives())
            used = {chr(ord("A") + bit) for bit in range(26) if mask & (1 << bit)}
            return pick_letter(used | {"A", "B", "C"})

        def find_tool(self, name: str) -> str | None:
            return shutil.which(name)


def system_host() -> WindowsHost:
    """The host of this process: real on Windows, plan-only elsewhere."""
    if sys.platform == "win32":
        return SystemHost()
    return PlanOnlyHost()
