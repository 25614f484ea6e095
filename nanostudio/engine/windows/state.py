"""The current-state record of one Windows-engine build: what exists right now.

Steps write it as tools report success (and before they start something that
may half-happen, such as attaching a disk); cleanup reads it to undo exactly
what was done, latest first, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nanostudio.engine.steps import Cleanup
from nanostudio.engine.tools.diskpart import AccessPath, Command, Kind
from nanostudio.engine.windows.host import SYSTEM_LETTER, WINDOWS_LETTER


@dataclass
class Tools:
    """Executables, as found at preflight (bare names in a dry-run plan)."""

    dism: str = "dism"
    diskpart: str = "diskpart"
    bcdboot: str = "bcdboot"
    bcdedit: str = "bcdedit"
    wimlib: str = "wimlib-imagex"
    expand: str = "expand"  # unpacks .msu updates
    robocopy: str = "robocopy"  # copies files.copy onto the image


@dataclass
class DiskState:
    created: bool = False
    attach_started: bool = False  # diskpart was asked to attach; it may have
    attached: bool = False  # diskpart confirmed the attach
    access_paths: list[AccessPath] = field(default_factory=list)  # confirmed, in order

    def record(self, command: Command) -> None:
        """Apply one command diskpart confirmed."""
        if command.kind is Kind.CREATE:
            self.created = True
        elif command.kind is Kind.ATTACH:
            self.attached = True
        elif command.kind is Kind.ASSIGN and command.access is not None:
            self.access_paths.append(command.access)
        elif command.kind is Kind.REMOVE and command.access in self.access_paths:
            self.access_paths.remove(command.access)
        elif command.kind is Kind.DETACH:
            self.attached = False
            self.attach_started = False
            self.access_paths.clear()

    @property
    def needs_detach(self) -> bool:
        """Attached, or maybe: the attach was under way (diskpart runs in order, so
        an attach can only have happened once the create was confirmed)."""
        return self.attached or (self.attach_started and self.created)


@dataclass
class BuildState:
    """Everything the steps of one run share; reset by the preflight step."""

    tools: Tools = field(default_factory=Tools)
    # The plan shows S and W; preflight picks free letters. On MBR the one
    # partition is system and Windows partition at once: it gets windows_letter.
    system_letter: str = SYSTEM_LETTER
    windows_letter: str = WINDOWS_LETTER
    source_wim: Path | None = None  # a real file once the media step ran
    disk: DiskState = field(default_factory=DiskState)
    mounted_image: Path | None = None  # DISM mount folder of a WIM being serviced
    # Cleanups pushed by the step that started something, released by the one
    # that undoes it on the normal path ("disk", "image").
    cleanups: dict[str, Cleanup] = field(default_factory=dict)

    def reset(self) -> None:
        self.tools = Tools()
        self.system_letter = SYSTEM_LETTER
        self.windows_letter = WINDOWS_LETTER
        self.source_wim = None
        self.disk = DiskState()
        self.mounted_image = None
        self.cleanups = {}
