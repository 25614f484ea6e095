"""``bcdboot``: copy the boot manager and write the BCD onto the system partition.

bcdboot prints one verdict line; its exit code alone does not say why it failed,
so the message quotes what it printed.
"""

from __future__ import annotations

from collections.abc import Iterable

from nanostudio.engine.tools.said import tool_said
from nanostudio.recipe import Firmware

SUCCESS = "Boot files successfully created."
FAILURE = "Failure when attempting to copy boot files."


def windows_source(windows_letter: str) -> str:
    """bcdboot's source, the image's Windows folder through its drive letter
    (``W:\\Windows``): Convert-WindowsImage letters the Windows partition because
    bcdboot needs it and passes ``<letter>:\\Windows`` (x0nn/Convert-WindowsImage,
    Convert-WindowsImage.ps1 at 161dac9, lines 2014-2043 and 2136)."""
    return f"{windows_letter}:\\Windows"


def bcdboot_argv(
    bcdboot: str, windows_dir: str, system_letter: str, firmware: Firmware, locale: str
) -> list[str]:
    """``bcdboot W:\\Windows /s S: /f UEFI|BIOS /l en-us``.

    ``/s`` needs a drive letter (not a folder), hence the system partition's letter.
    """
    kind = firmware.value.upper()  # bcdboot's /f takes UEFI or BIOS
    return [bcdboot, windows_dir, "/s", f"{system_letter}:", "/f", kind, "/l", locale]


def verdict(lines: Iterable[str]) -> bool | None:
    """True for bcdboot's success line, False for its failure line, None if neither."""
    result: bool | None = None
    for line in lines:
        text = line.strip()
        if text.startswith(SUCCESS):
            result = True
        elif text.startswith(FAILURE):
            result = False
    return result


def failure_message(lines: Iterable[str], system_letter: str, returncode: int) -> str:
    return (
        f"bcdboot could not make the disk bootable (system partition {system_letter}:, "
        f"exit code {returncode}){tool_said('bcdboot', lines, 3)}. Check that the image "
        "holds Windows\\Boot and that no antivirus blocks writes to the new disk"
    )
