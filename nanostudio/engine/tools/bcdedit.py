"""``bcdedit``: after bcdboot on the BIOS/MBR disk, boot entries that find their partition.

Convert-WindowsImage, after ``bcdboot ... /f BIOS`` on its BIOS layout, runs three
``bcdedit /store <system drive>\\boot\\bcd`` commands — ``/set {bootmgr} device
locate``, ``/set {default} device locate``, ``/set {default} osdevice locate`` —
"to mitigate the VMM diff disk handling", changing "from MBRBootOption to
LocateBootOption"; on its UEFI layout it runs none (x0nn/Convert-WindowsImage,
Convert-WindowsImage.ps1 at 161dac9, lines 2165-2183). NanoStudio runs the same
three, in the same order, on the ``.vhd`` only.

bcdedit cannot be told to speak English; success is its exit code, as in
Convert-WindowsImage's ``Run-Executable`` (non-zero exit code = failure, same
file, lines 815-866). On failure the message quotes what it printed.
"""

from __future__ import annotations

from collections.abc import Iterable

from nanostudio.engine.tools.said import tool_said
from nanostudio.recipe import BootSpec, DebugMethod

# What bcdedit prints after each successful /set (English UI).
SUCCESS = "The operation completed successfully."


# Convert-WindowsImage's three, in its order (see the module docstring); like every
# command here, the words that follow ``bcdedit /store <store>``.
LOCATE_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("/set", "{bootmgr}", "device", "locate"),
    ("/set", "{default}", "device", "locate"),
    ("/set", "{default}", "osdevice", "locate"),
)


def boot_option_commands(boot: BootSpec) -> list[tuple[str, ...]]:
    """New-NanoServerImage's bcdedit calls for -EnableEMS and -DebugMethod Serial, in its
    order (NanoServerImageGenerator.psm1, *confirmed*): the settings object first, then
    the switches on the loader and the boot manager. Each is ``/store S`` + these."""
    commands: list[tuple[str, ...]] = []
    if boot.ems:
        commands += [
            ("/emssettings", f"EMSPORT:{boot.ems_port}", f"EMSBAUDRATE:{boot.ems_baud}"),
            ("/ems", "{default}", "ON"),
            ("/bootems", "{default}", "ON"),
            ("/bootems", "{bootmgr}", "ON"),
        ]
    if boot.debug is DebugMethod.SERIAL:
        commands += [
            (
                "/dbgsettings",
                "SERIAL",
                f"DEBUGPORT:{boot.debug_port}",
                f"BAUDRATE:{boot.debug_baud}",
            ),
            ("/debug", "{default}", "ON"),
            ("/bootdebug", "{default}", "ON"),
            ("/bootdebug", "{bootmgr}", "ON"),
        ]
    return commands


def command_argv(bcdedit: str, store: str, command: tuple[str, ...]) -> list[str]:
    """``bcdedit /store S:\\EFI\\Microsoft\\Boot\\BCD /ems {default} ON``."""
    return [bcdedit, "/store", store, *command]


def uefi_store(system_letter: str) -> str:
    """The BCD that ``bcdboot /f UEFI`` writes on the ESP: ``S:\\EFI\\Microsoft\\Boot\\BCD``."""
    return f"{system_letter}:\\EFI\\Microsoft\\Boot\\BCD"


def bios_store(system_letter: str) -> str:
    """The BCD that ``bcdboot /f BIOS`` writes on the system partition: ``S:\\Boot\\BCD``."""
    return f"{system_letter}:\\Boot\\BCD"


def what_it_sets(command: tuple[str, ...]) -> str:
    """A command's words for messages: ``{default} osdevice locate`` for a ``/set``,
    ``/ems {default} ON`` for the others."""
    return " ".join(command[1:] if command[0] == "/set" else command)


def failure_message(
    lines: Iterable[str], store: str, command: tuple[str, ...], returncode: int
) -> str:
    """What failed, with the last two lines bcdedit printed."""
    return (
        f"bcdedit could not set {what_it_sets(command)} in {store} (exit code {returncode})"
        f"{tool_said('bcdedit', lines, 2)}. Check that bcdboot wrote the store and that no "
        "antivirus holds the new disk"
    )
