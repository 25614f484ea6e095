"""Where every file of a Windows-engine build lives, and how tools see those paths.

All work happens inside the runner's private temp folder, which sits in the
output folder: the virtual disk is built there under a fixed name (diskpart
wants a ``.vhd``/``.vhdx`` extension, not ``.partial``) and renamed into place
at the end, on the same volume. Fixed names keep dry-run plans deterministic.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

from nanostudio.engine.steps import BuildPaths
from nanostudio.engine.windows.host import WindowsHost


@dataclass(frozen=True)
class Layout:
    paths: BuildPaths
    host: WindowsHost

    def text(self, path: PurePath) -> str:
        return self.host.path_text(path)

    @property
    def workdir(self) -> Path:
        return self.paths.workdir

    def vdisk(self, extension: str) -> Path:
        return self.workdir / f"disk.{extension}"

    @property
    def wim_output(self) -> Path:
        return self.workdir / "image.wim"

    @property
    def windows_dir(self) -> Path:
        """The Windows partition (or the mounted WIM image) appears here."""
        return self.workdir / "mnt" / "windows"

    @property
    def scratch(self) -> Path:
        """DISM's scratch folder: keeps its temporary files out of %TEMP%."""
        return self.workdir / "scratch"

    @property
    def media_dir(self) -> Path:
        return self.workdir / "media"

    @property
    def extracted_wim(self) -> Path:
        return self.media_dir / "NanoServer.wim"

    def cab(self, location: str) -> Path:
        """Where a cab from the media (``Packages/en-us/x_en-us.cab``) is copied to."""
        return self.media_dir.joinpath(*PurePosixPath(location.replace("\\", "/")).parts)

    def script(self, name: str) -> Path:
        return self.workdir / f"diskpart-{name}.txt"

    @property
    def unattend(self) -> Path:
        return self.workdir / "unattend.xml"

    def dism_log(self, step: str) -> Path:
        return self.paths.log_dir / f"dism-{step}.log"


def windows_cmdline(argv: Sequence[str]) -> str:
    """A command line as Windows quotes it: plans show Windows commands on every OS."""
    return subprocess.list2cmdline(list(argv))
