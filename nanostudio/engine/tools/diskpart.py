"""diskpart scripts (pure text) and what diskpart's output says happened.

diskpart runs a script with ``/s`` and stops at the first failing command, so
each command's success sentence in the output tells exactly how far it got;
``DiskpartWatcher`` turns those sentences into state changes as they arrive
(so a cancel or failure half-way still knows what to undo) and into progress.
Only the virtual disk the script creates is ever selected: no ``select disk N``,
no letters other than the free letters chosen at preflight for the system and
Windows partitions.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


class PartitionStyle(enum.StrEnum):
    GPT = "gpt"  # .vhdx: UEFI, Hyper-V generation 2
    MBR = "mbr"  # .vhd: BIOS, Hyper-V generation 1, VirtualBox's default


ESP_MIB = 200
MSR_MIB = 128


class Kind(enum.Enum):
    """A diskpart command, and the sentence diskpart prints when it succeeds (English UI;
    None: it prints none)."""

    REM = ("rem", None)
    CREATE = ("create vdisk", "DiskPart successfully created the virtual disk file.")
    SELECT_VDISK = ("select vdisk", "DiskPart successfully selected the virtual disk file.")
    ATTACH = ("attach vdisk", "DiskPart successfully attached the virtual disk file.")
    CONVERT = ("convert", "DiskPart successfully converted the selected disk to")
    PARTITION = ("create partition", "DiskPart succeeded in creating the specified partition.")
    FORMAT = ("format", "DiskPart successfully formatted the volume.")
    ASSIGN = ("assign", "DiskPart successfully assigned the drive letter or mount point.")
    ACTIVE = ("active", "DiskPart marked the current partition as active.")
    SELECT_VOLUME = ("select volume", "is the selected volume.")
    REMOVE = ("remove", "DiskPart successfully removed the drive letter or mount point.")
    DETACH = ("detach vdisk", "DiskPart successfully detached the virtual disk file.")
    EXIT = ("exit", None)

    def __init__(self, verb: str, success: str | None) -> None:
        self.verb = verb
        self.success = success


@dataclass(frozen=True)
class AccessPath:
    """A way into a volume: a drive letter (``S``) or a mount folder (its path text)."""

    letter: str | None = None
    folder: str | None = None

    def __post_init__(self) -> None:
        if (self.letter is None) == (self.folder is None):
            raise ValueError("an access path is a letter or a folder")

    @property
    def argument(self) -> str:
        return f"letter={self.letter}" if self.letter else f"mount={quote(self.folder or '')}"

    @property
    def volume(self) -> str:
        return self.letter if self.letter else quote(self.folder or "")

    def __str__(self) -> str:
        return f"{self.letter}:" if self.letter else str(self.folder)


@dataclass(frozen=True)
class Command:
    kind: Kind
    text: str
    access: AccessPath | None = None

    @property
    def reports(self) -> bool:
        """True if diskpart prints a success sentence for it."""
        return self.kind.success is not None


@dataclass(frozen=True)
class Script:
    commands: tuple[Command, ...]

    @property
    def text(self) -> str:
        return "".join(f"{command.text}\r\n" for command in self.commands)

    @property
    def reporting(self) -> tuple[Command, ...]:
        return tuple(command for command in self.commands if command.reports)


def quote(value: str) -> str:
    if '"' in value:
        raise ValueError(f"diskpart cannot take a path with a double quote: {value}")
    return f'"{value}"'


def _rem(text: str) -> Command:
    return Command(Kind.REM, f"rem {text}")


def create_disk_script(
    vdisk: str,
    size_mib: int,
    style: PartitionStyle,
    *,
    windows_folder: str,
    windows_letter: str,
    system_letter: str | None = None,
) -> Script:
    """Create, attach, partition and format a new expandable virtual disk.

    GPT: ESP (FAT32, letter ``system_letter`` for bcdboot's ``/s``) + MSR +
    Windows (NTFS, mounted at ``windows_folder`` for DISM and lettered
    ``windows_letter`` for bcdboot's source). MBR: one active NTFS partition,
    system and Windows partition at once, with the folder and ``windows_letter``
    only (``system_letter`` must be None: a volume has one drive letter).
    """
    _check_letters(style, windows_letter, system_letter)
    commands = [
        _rem("NanoStudio: a new virtual disk; no other disk is selected by this script"),
        Command(
            Kind.CREATE,
            f"create vdisk file={quote(vdisk)} maximum={size_mib} type=expandable",
        ),
        Command(Kind.SELECT_VDISK, f"select vdisk file={quote(vdisk)}"),
        Command(Kind.ATTACH, "attach vdisk"),
        Command(Kind.CONVERT, f"convert {style.value}"),
    ]
    if style is PartitionStyle.GPT:
        assert system_letter is not None  # checked above
        commands += [
            _rem("EFI system partition"),
            Command(Kind.PARTITION, f"create partition efi size={ESP_MIB}"),
            Command(Kind.FORMAT, 'format quick fs=fat32 label="System"'),
            _assign(AccessPath(letter=system_letter)),
            _rem("Microsoft reserved partition"),
            Command(Kind.PARTITION, f"create partition msr size={MSR_MIB}"),
            _rem("Windows partition"),
            Command(Kind.PARTITION, "create partition primary"),
            Command(Kind.FORMAT, 'format quick fs=ntfs label="Windows"'),
        ]
    else:
        commands += [
            _rem("one active partition: system and Windows (BIOS boot)"),
            Command(Kind.PARTITION, "create partition primary"),
            Command(Kind.FORMAT, 'format quick fs=ntfs label="Windows"'),
            Command(Kind.ACTIVE, "active"),
        ]
    commands += _windows_access(windows_folder, windows_letter)
    commands.append(Command(Kind.EXIT, "exit"))
    return Script(tuple(commands))


def _check_letters(style: PartitionStyle, windows_letter: str, system_letter: str | None) -> None:
    if style is PartitionStyle.MBR and system_letter is not None:
        raise ValueError("on MBR the Windows partition is the system partition: one letter")
    if style is PartitionStyle.GPT and system_letter in (None, windows_letter):
        raise ValueError("on GPT the system and Windows partitions need two distinct letters")


def _assign(access: AccessPath) -> Command:
    return Command(Kind.ASSIGN, f"assign {access.argument}", access)


def _windows_access(windows_folder: str, windows_letter: str) -> list[Command]:
    """The Windows partition's folder (for DISM) and drive letter (for bcdboot).

    Convert-WindowsImage gives the Windows partition a drive letter before it
    runs bcdboot, with the comment "Assign drive letter to Windows partition.
    This is required for bcdboot" (x0nn/Convert-WindowsImage,
    Convert-WindowsImage.ps1 at 161dac9, lines 2014-2043).
    """
    return [
        _assign(AccessPath(folder=windows_folder)),
        _rem("bcdboot needs a drive letter on the Windows partition"),
        _assign(AccessPath(letter=windows_letter)),
    ]


def detach_script(vdisk: str, access_paths: Sequence[AccessPath]) -> Script:
    """Remove the letters and mount folders given (latest first), then detach.

    Removing them first keeps Windows from remembering the letter for this disk.
    """
    commands: list[Command] = [_rem("NanoStudio: detach the virtual disk built here")]
    for access in reversed(access_paths):
        commands += [
            Command(Kind.SELECT_VOLUME, f"select volume={access.volume}", access),
            Command(Kind.REMOVE, f"remove {access.argument}", access),
        ]
    commands += [
        Command(Kind.SELECT_VDISK, f"select vdisk file={quote(vdisk)}"),
        Command(Kind.DETACH, "detach vdisk"),
        Command(Kind.EXIT, "exit"),
    ]
    return Script(tuple(commands))


_PERCENT = re.compile(r"^\s*(\d{1,3})\s+percent completed\s*$")
_ERROR_INLINE = re.compile(r"^\s*DiskPart has encountered an error:\s*(.*?)\s*$")
_VDS_ERROR = "Virtual Disk Service error:"
_OTHER_ERRORS = (
    "The arguments specified for this command are not valid.",
    "There is no volume selected.",
    "There is no disk selected to",
    "There is no partition selected.",
    "The volume you selected is not valid or does not exist.",
    "The virtual disk file could not be found.",
    "DiskPart failed to",
)


def parse_percent(line: str) -> float | None:
    """``"  42 percent completed"`` -> 0.42 (create vdisk, attach, format)."""
    match = _PERCENT.match(line)
    return min(int(match.group(1)), 100) / 100 if match else None


def find_error(lines: Iterable[str]) -> str | None:
    """diskpart's own error sentence in its output, without the boilerplate."""
    lines = list(lines)
    for number, line in enumerate(lines):
        inline = _ERROR_INLINE.match(line)
        if inline:
            return inline.group(1) or None
        if line.strip() == _VDS_ERROR and number + 1 < len(lines):
            return lines[number + 1].strip()
        if any(line.strip().startswith(text) for text in _OTHER_ERRORS):
            return line.strip()
    return None


class DiskpartWatcher:
    """A progress parser for StepContext.run_tool that also reports finished commands.

    ``on_done(command)`` is called as soon as a command's success sentence
    appears (the sentence itself is left to the log); ``percent completed``
    redraws become commands done plus the running one's share.
    """

    def __init__(self, script: Script, on_done: Callable[[Command], None]) -> None:
        self.script = script
        self._pending = list(script.reporting)
        self._total = max(len(self._pending), 1)
        self._on_done = on_done
        self.done: list[Command] = []

    def __call__(self, line: str) -> float | None:
        percent = parse_percent(line)
        if percent is not None:
            return (len(self.done) + percent) / self._total
        success = self._pending[0].kind.success if self._pending else None
        if success is not None and success in line:
            command = self._pending.pop(0)
            self.done.append(command)
            self._on_done(command)
        return None

    def finish(self) -> None:
        """diskpart exited 0: every command succeeded, recognised or not."""
        while self._pending:
            command = self._pending.pop(0)
            self.done.append(command)
            self._on_done(command)

    @property
    def failed_command(self) -> Command | None:
        """The command diskpart stopped at, if it did not finish the script."""
        return self._pending[0] if self._pending else None
