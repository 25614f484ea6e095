"""What the portable engine's steps hand to each other during one build.

Steps are created together by ``engine.make_plan`` and share one ``BuildState``;
each step fills in what later steps read. File names inside the private temp
folder are fixed here so ``--dry-run`` can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nanostudio.engine.content.staging import StagedContent
from nanostudio.engine.portable.gpt import DiskLayout
from nanostudio.engine.steps import Cleanup, Step
from nanostudio.media.model import MediaInfo, WimImage
from nanostudio.media.source import MediaSource
from nanostudio.recipe import Recipe

OVERLAY = "overlay"  # folder merged into the image root
DELTA_WIM = "image-delta.wim"  # the chosen image + overlay, referencing the source WIM
BOOT_FILES = "boot-files"  # \Windows\Boot extracted from the image
ESP_IMAGE = "esp.img"
WINDOWS_IMAGE = "windows.img"
BCD_FILE = "BCD"  # the store written here, then copied onto the ESP


@dataclass
class BuildState:
    recipe: Recipe
    media_info: MediaInfo
    image: WimImage
    staged: StagedContent
    layout: DiskLayout | None = None  # None for a .wim output
    media: MediaSource | None = None
    media_cleanup: Cleanup | None = None
    source_wim: Path | None = None
    driver_notes: tuple[str, ...] = ()  # what became of each device's driver
    # An edit's image: the WIM captured from the source disk (relative: in the work
    # folder) or the source WIM itself, in place of the media's NanoServer.wim.
    edit_wim: Path | None = None

    def wim_for_display(self, workdir: Path) -> Path:
        """Where the WIM the image comes from will be, for plans printed before a build."""
        if self.edit_wim is not None:
            return workdir / self.edit_wim  # an absolute edit_wim stays as it is
        return source_wim_for_display(self.media_info, workdir)

    def require_source(self) -> tuple[MediaSource, Path]:
        if self.media is None or self.source_wim is None:
            raise RuntimeError("the media step has not run")
        return self.media, self.source_wim

    def close_media(self) -> None:
        """The media is no longer read after staging: release it early."""
        if self.media is not None:
            self.media.close()
        if self.media_cleanup is not None:
            self.media_cleanup.release()

    def require_layout(self) -> DiskLayout:
        if self.layout is None:
            raise RuntimeError("this step needs a disk layout")
        return self.layout


def source_wim_for_display(media: MediaInfo, workdir: Path) -> Path:
    """Where the source WIM will be: the file itself, or its copy out of the ISO."""
    if media.kind == "iso":
        return workdir / "NanoServer.wim"
    return Path(media.wim)


def boot_locale(language: str) -> str:
    """``en-us`` -> ``en-US``, as Windows names its boot language folders."""
    lang, _, region = language.partition("-")
    return f"{lang.lower()}-{region.upper()}" if region else lang.lower()


class PortableStep(Step):
    """A step of the portable engine: it reads and fills in the build's shared state."""

    def __init__(self, state: BuildState) -> None:
        self.state = state
