"""The Windows engine's edit steps: service a COPY of the image, mounted by DISM.

Edit-NanoServerImage mounts the target itself (NanoServerImageGenerator:
``Mount-WindowsImage -ImagePath <target> -Index 1``) and changes it in place;
here the source is first copied (a disk) or exported (a WIM's image) into the
private temp folder, and only that copy is mounted, serviced and committed
(``dism /Unmount-Image /Commit``); a failure or cancel discards the mount
(``/Discard``) and the copy goes with the temp folder. DISM mounts a VHD or
VHDX file directly with ``/Index:1`` (Microsoft, "DISM Image Management
Command-Line Options", /Mount-Image). UNVERIFIED on a real Windows host: these
steps are tested through the FAKE dism in tests/support/windows_fakes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from nanostudio.catalogue import PackageInfo
from nanostudio.engine.content.staging import BEFORE_EDIT_PATH, SETUPCOMPLETE_PATH
from nanostudio.engine.edit.existing import (
    STATE_INI,
    ExistingPackages,
    existing_packages,
    setup_finished,
)
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.steps import BuildPaths, Step, StepContext
from nanostudio.engine.tools import dism
from nanostudio.engine.windows.image_steps import MediaStep, PackageStep, SetupCompleteStep
from nanostudio.engine.windows.job import Job
from nanostudio.engine.windows.layout import Layout
from nanostudio.engine.windows.wim_steps import CommitStep, MountStep
from nanostudio.errors import BuildError
from nanostudio.media.source import open_media
from nanostudio.recipe import OutputFormat

GIB = 1 << 30


class EditJob(Job):
    """An edit services a mounted image, whatever its file: nothing is partitioned or
    made bootable, so no diskpart, bcdboot or drive letters (preflight asks for none)."""

    @property
    def is_disk(self) -> bool:
        return False


def image_file(job: Job, paths: BuildPaths, source: EditSource) -> Path:
    """The copy DISM mounts: ``disk.vhdx``/``disk.vhd``, or the exported ``image.wim``."""
    layout = job.layout(paths)
    if source.is_disk:
        return layout.vdisk(source.kind)
    return layout.wim_output


@dataclass
class Findings:
    """What the survey found in the mounted image, for the steps after it."""

    existing: ExistingPackages = field(
        default_factory=lambda: ExistingPackages(frozenset(), frozenset())
    )


class EditMediaStep(MediaStep):
    """The package cabs only: the image comes from the file being edited."""

    title = "Copy the packages the edit adds from the media"

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        source = layout.text(self.job.media.source)
        return [
            f"copy {location} from {source} -> {layout.text(layout.cab(location))}"
            for location in self.locations()
        ]

    def run(self, ctx: StepContext) -> None:
        job, layout = self.job, self.job.layout(ctx.paths)
        media_path = job.recipe.source.media
        assert media_path is not None  # checked before the plan
        locations = self.locations()
        with open_media(media_path) as media:
            for number, location in enumerate(locations, 1):
                dest = layout.cab(location)
                dest.parent.mkdir(parents=True, exist_ok=True)
                media.copy_file(location, dest, should_cancel=lambda: ctx.cancel.cancelled)
                ctx.report(number / len(locations), PurePosixPath(location).name)


class CopySourceStep(Step):
    name = "copy-source"
    title = "Copy the disk to edit (the original is only read)"

    def __init__(self, job: Job, source: EditSource) -> None:
        self.job = job
        self.source = source
        self.weight = 0.5 + 2.0 * source.used_bytes / GIB

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        dest = layout.text(image_file(self.job, paths, self.source))
        return [f"copy {layout.text(self.source.path)} ({self.source.description}) -> {dest}"]

    def run(self, ctx: StepContext) -> None:
        dest = image_file(self.job, ctx.paths, self.source)
        try:
            shutil.copyfile(self.source.path, dest)
        except OSError as error:
            raise BuildError(f"cannot copy {self.source.path}: {error.strerror or error}") from None


class MountCopyStep(MountStep):
    """Mount the copy (index 1: a disk, or the one image the export wrote)."""

    title = "Mount the copy of the image (DISM)"

    def __init__(self, job: Job, source: EditSource) -> None:
        super().__init__(job)
        self.source = source

    def argv(self, layout: Layout) -> list[str]:
        return dism.mount_image(
            self.options(layout),
            layout.text(image_file(self.job, layout.paths, self.source)),
            1,
            layout.text(layout.windows_dir),
        )

    def subject(self) -> dism.Subject:
        return dism.Subject(f"mounting the copy of {self.source.path.name}")


class SurveyMountedStep(Step):
    """Read the mounted image: packages it has (not added again), whether Windows setup
    has run on it (refused), and its own SetupComplete.cmd (kept and called first)."""

    name = "survey"
    title = "Read what the image already has"
    weight = 0.1

    def __init__(self, job: Job, findings: Findings, first_boot: SetupCompleteStep) -> None:
        self.job = job
        self.findings = findings
        self.first_boot = first_boot

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        root = layout.windows_dir
        return [
            f"list {layout.text(root / 'Windows/servicing/Packages')}\\*.mum and "
            f"{layout.text(root / 'NanoStudio/Packages')}: packages already there are not "
            "added again",
            f"read {layout.text(root.joinpath(*PurePosixPath(STATE_INI[1:]).parts))}: an image "
            "whose setup has finished is refused",
            f"keep an existing SetupComplete.cmd as {BEFORE_EDIT_PATH.name}, called first",
        ]

    def run(self, ctx: StepContext) -> None:
        root = self.job.layout(ctx.paths).windows_dir
        listing = [
            "/" + path.relative_to(root).as_posix()
            for folder in ("Windows/servicing/Packages", "NanoStudio/Packages")
            if (root / folder).is_dir()
            for path in (root / folder).iterdir()
        ]
        self.findings.existing = existing_packages(listing)
        ctx.log(f"the image has: {self.findings.existing.describe()}")
        state = root.joinpath(*PurePosixPath(STATE_INI[1:]).parts)
        if setup_finished(state.read_text(errors="replace") if state.is_file() else None):
            raise BuildError(
                "the image has been started before (Windows setup has finished on it): its "
                "answer file and SetupComplete.cmd never run again; edit an image that has "
                "not been started"
            )
        script = root.joinpath(*SETUPCOMPLETE_PATH.parts)
        if script.is_file():
            script.replace(root.joinpath(*BEFORE_EDIT_PATH.parts))
            self.first_boot.staged = replace(self.first_boot.staged, run_first=BEFORE_EDIT_PATH)
            ctx.log(f"the image's SetupComplete.cmd is kept as {BEFORE_EDIT_PATH.name}")


class EditPackageStep(PackageStep):
    """A package, unless the survey found it in the image (never added twice)."""

    def __init__(self, job: Job, package: PackageInfo, findings: Findings) -> None:
        super().__init__(job, package)
        self.findings = findings

    def describe(self, paths: BuildPaths) -> list[str]:
        return ["unless the image has it already:", *super().describe(paths)]

    def run(self, ctx: StepContext) -> None:
        if self.findings.existing.has(self.package):
            ctx.log(f"{self.package.short}: the image has it already; not added again")
            return
        super().run(ctx)


class CommitCopyStep(CommitStep):
    """Unmount /Commit; the serviced copy (disk or WIM) becomes the output."""

    def __init__(self, job: Job, source: EditSource) -> None:
        super().__init__(job)
        self.source = source

    def serviced_file(self, paths: BuildPaths) -> Path:
        return image_file(self.job, paths, self.source)


def output_format(source: EditSource) -> OutputFormat:
    return OutputFormat.WIM if source.kind == "wim" else OutputFormat(source.kind)
