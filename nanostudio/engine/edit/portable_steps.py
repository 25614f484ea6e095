"""The portable engine's edit steps: read the source, then hand the normal build an image.

The source disk's Windows partition is copied into a sparse file in the private
temp folder (only the blocks the VHD/VHDX stores are read), captured with wimlib
into a temporary WIM (NTFS-3G mode: ACLs, named streams, reparse points and short
names kept), and from then on the edit is a build whose source image is that WIM
(or the source WIM itself): the same driver injection, staging, ESP, NTFS volume,
apply and assembly as a new image, writing a NEW file; the source is only read.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from nanostudio.engine.content.staging import BEFORE_EDIT_PATH, SETUPCOMPLETE_PATH
from nanostudio.engine.edit.existing import (
    STATE_INI,
    ExistingPackages,
    existing_packages,
    setup_finished,
)
from nanostudio.engine.edit.partition_copy import copy_windows_partition
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.portable.state import OVERLAY, BuildState, PortableStep
from nanostudio.engine.portable.steps_source import open_state_media
from nanostudio.engine.process import quote_argv, require_tool, run_tool
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import wimlib
from nanostudio.errors import BuildError, MediaError

SOURCE_PARTITION = "source-windows.img"
CAPTURED_WIM = "captured.wim"
CAPTURE_CONFIG = "capture-config.txt"
SURVEY = "survey"
CAPTURE_NAME = "NanoStudio edit source"
GIB = 1 << 30
# What Windows itself leaves out of a capture (wimlib's documented default for
# Windows captures): paging and hibernation files, restore points, the recycle bin.
_EXCLUDED = (
    "\\$ntfs.log",
    "\\hiberfil.sys",
    "\\pagefile.sys",
    "\\swapfile.sys",
    "\\System Volume Information",
    "\\RECYCLER",
    "\\$RECYCLE.BIN",
    "\\Windows\\CSC",
)


class EditSourceStep(PortableStep):
    """A step that reads the image being edited; its weight grows with the data in it."""

    base_weight = 0.2
    weight_per_gib = 0.0

    def __init__(self, state: BuildState, source: EditSource) -> None:
        super().__init__(state)
        self.source = source
        self.weight = self.base_weight + self.weight_per_gib * source.used_bytes / GIB


class CopyPartitionStep(EditSourceStep):
    name = "read-source"
    title = "Read the Windows partition of the image to edit"
    weight_per_gib = 2.0

    def __init__(self, state: BuildState, source: EditSource) -> None:
        super().__init__(state, source)
        self.partition = source.require_partition()

    def describe(self, paths: BuildPaths) -> list[str]:
        part = self.partition
        return [
            f"open {self.source.path} read-only: {self.source.description}",
            f"copy partition {part.number} (byte {part.offset}, {part.size} bytes) to "
            f"{paths.workdir / SOURCE_PARTITION} (sparse: only the blocks the file stores)",
        ]

    def run(self, ctx: StepContext) -> None:
        try:
            copy_windows_partition(
                self.source,
                ctx.paths.workdir / SOURCE_PARTITION,
                raise_if_cancelled=ctx.cancel.raise_if_cancelled,
                report=lambda fraction: ctx.report(fraction, "reading the source disk"),
            )
        except MediaError as error:  # inspected fine, failing now: a failed edit
            raise BuildError(str(error)) from None


class CaptureStep(EditSourceStep):
    name = "capture"
    title = "Capture the Windows partition into a temporary WIM"
    base_weight = 0.5
    weight_per_gib = 4.0

    def _argv(self, tool: str, workdir: Path) -> list[str]:
        return [
            tool,
            "capture",
            str(workdir / SOURCE_PARTITION),
            str(workdir / CAPTURED_WIM),
            CAPTURE_NAME,
            "--compress=none",  # a temporary file, read once: speed over size
            f"--config={workdir / CAPTURE_CONFIG}",
        ]

    def describe(self, paths: BuildPaths) -> list[str]:
        return [
            f"write {paths.workdir / CAPTURE_CONFIG} (leaves out {', '.join(_EXCLUDED)})",
            quote_argv(self._argv(wimlib.TOOL, paths.workdir)),
        ]

    def run(self, ctx: StepContext) -> None:
        workdir = ctx.paths.workdir
        (workdir / CAPTURE_CONFIG).write_text(
            "[ExclusionList]\n" + "\n".join(_EXCLUDED) + "\n", encoding="utf-8"
        )
        ctx.run_tool(
            self._argv(require_tool(wimlib.TOOL), workdir),
            progress=wimlib.parse_progress,
            failure=(
                f"wimlib could not read the Windows partition of {self.source.path}: it was "
                "not shut down cleanly (start it and shut it down), or it is damaged"
            ),
        )
        (workdir / SOURCE_PARTITION).unlink()  # its space is needed for the new volume
        self.state.source_wim = workdir / CAPTURED_WIM


class SurveyImageStep(EditSourceStep):
    """Read what the image has: its packages (never added twice), whether Windows setup
    has run on it (then first-boot additions cannot work), and its own first-boot script."""

    name = "survey"
    title = "Read what the image already has"

    def describe(self, paths: BuildPaths) -> list[str]:
        wim = self.state.wim_for_display(paths.workdir)
        index = self.state.image.index
        extract = wimlib.extract_argv(
            wimlib.TOOL,
            wim,
            index,
            [STATE_INI, "/" + SETUPCOMPLETE_PATH.as_posix()],
            paths.workdir / SURVEY,
            missing_ok=True,
        )
        return [
            quote_argv([wimlib.TOOL, "dir", str(wim), str(index)]),
            "  packages with a servicing manifest (Windows\\servicing\\Packages\\*.mum) or "
            "staged by NanoStudio (\\NanoStudio\\Packages) are not added again",
            quote_argv(extract),
            "  State.ini ImageState=IMAGE_STATE_COMPLETE (Windows setup has run): refused",
            f"  an existing SetupComplete.cmd is kept as {BEFORE_EDIT_PATH.name} and called "
            "first by the new one",
        ]

    def run(self, ctx: StepContext) -> None:
        tool = require_tool(wimlib.TOOL)
        _, wim = self.state.require_source()
        index = self.state.image.index
        lines: list[str] = []
        argv = [tool, "dir", str(wim), str(index)]
        ctx.log(f"$ {quote_argv(argv)}", "debug")
        listing = run_tool(argv, cancel=ctx.cancel, on_line=lines.append)
        if not listing.ok:
            raise BuildError(f"wimlib could not list the image's files: {' '.join(listing.tail)}")
        existing = existing_packages(lines)
        ctx.log(f"the image has: {existing.describe()}")
        self._skip_present(ctx, existing)
        survey = ctx.paths.workdir / SURVEY
        survey.mkdir()
        ctx.run_tool(
            wimlib.extract_argv(
                tool,
                wim,
                index,
                [STATE_INI, "/" + SETUPCOMPLETE_PATH.as_posix()],
                survey,
                missing_ok=True,
            ),
            failure="wimlib could not read Windows\\Setup from the image",
        )
        state_ini = _read_text(survey / "State.ini")
        if setup_finished(state_ini):
            raise BuildError(
                f"{self.source.path} has been started before (Windows setup has finished on it): "
                "its unattend.xml and SetupComplete.cmd never run again, so the additions could "
                "not take effect; edit an image that has not been started"
            )
        script = survey / SETUPCOMPLETE_PATH.name
        if script.is_file():
            kept = ctx.paths.workdir / OVERLAY / Path(*BEFORE_EDIT_PATH.parts)
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(script, kept)
            self.state.staged = replace(self.state.staged, run_first=BEFORE_EDIT_PATH)
            ctx.log(
                f"the image's SetupComplete.cmd is kept as {BEFORE_EDIT_PATH.name}; the new "
                "one runs it first, then the edit's steps"
            )

    def _skip_present(self, ctx: StepContext, existing: ExistingPackages) -> None:
        staged = self.state.staged
        keep = tuple(p for p in staged.packages if not existing.has(p.info))
        skipped = [p.info.short for p in staged.packages if existing.has(p.info)]
        if skipped:
            ctx.log(f"not added again, the image has them: {', '.join(skipped)}")
        self.state.staged = replace(staged, packages=keep)


class OpenEditMediaStep(PortableStep):
    """The media, for its package cabs and driver packages only: the image is the edit's."""

    name = "media"
    title = "Open the media (packages and drivers)"
    weight = 0.2

    def describe(self, paths: BuildPaths) -> list[str]:
        info = self.state.media_info
        return [f"open {info.source} ({info.kind}) read-only, for its Packages folder"]

    def run(self, ctx: StepContext) -> None:
        open_state_media(self.state, ctx)


def _read_text(path: Path) -> str | None:
    if not path.is_file():
        return None
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8", errors="replace")
