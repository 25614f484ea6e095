"""Steps that fill the Windows image: media copies, apply, packages, drivers, answers.

They work on ``<temp>\\mnt\\windows`` — the new disk's Windows partition, or
the WIM image DISM mounted there — so the same steps serve every output.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from nanostudio.catalogue import PackageInfo
from nanostudio.engine.content import winrm_https
from nanostudio.engine.content.setupcomplete import first_boot_files
from nanostudio.engine.content.staging import (
    DOCKER_FOLDER,
    UNATTEND_PATH,
    StagedContent,
    extract_docker,
    first_boot_features,
)
from nanostudio.engine.content.unattend import render_with_user_file, user_passes_for_panther
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import dism, wimlib
from nanostudio.engine.windows.calls import DismStep, run_dism
from nanostudio.engine.windows.job import ApplyTool, Job, JobStep
from nanostudio.engine.windows.layout import Layout, windows_cmdline
from nanostudio.errors import BuildError, MediaError
from nanostudio.media.model import PackageCab
from nanostudio.media.source import open_media


def cab_locations(job: Job, package: PackageInfo) -> tuple[str, str]:
    """The base cab and this build's language cab of ``package`` on the media."""
    cab: PackageCab | None = job.media.package(package.short)
    if cab is None:
        raise MediaError(
            f"{package.name}.cab is not in the media's Packages folder: use complete "
            "Windows Server 2016 media"
        )
    language = cab.languages.get(job.language)
    if language is None:
        raise MediaError(
            f"{package.name}_{job.language}.cab is missing from Packages\\{job.language}: "
            "choose another language or copy the media again"
        )
    return cab.location, language


WIM_COPY_UNITS = 4


class MediaStep(JobStep):
    name = "media"
    title = "Copy what the build needs from the media"

    def __init__(self, job: Job, packages: tuple[PackageInfo, ...]) -> None:
        super().__init__(job)
        self.packages = packages
        self.weight = 1.0 if job.media.kind == "iso" else 0.2

    def locations(self) -> list[str]:
        return [location for p in self.packages for location in cab_locations(self.job, p)]

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        lines = []
        if self.job.media.kind == "iso":
            lines.append(
                f"copy {self.job.media.wim} out of {layout.text(self.job.media.source)} "
                f"-> {layout.text(layout.extracted_wim)}"
            )
        source = layout.text(self.job.media.source)
        for location in self.locations():
            lines.append(f"copy {location} from {source} -> {layout.text(layout.cab(location))}")
        return lines

    def run(self, ctx: StepContext) -> None:
        job, layout = self.job, self.job.layout(ctx.paths)
        media_path = job.recipe.source.media
        assert media_path is not None  # make_plan refuses a recipe without media
        locations = self.locations()
        # Progress units: the WIM copy out of an ISO counts as four cabs.
        wim_units = WIM_COPY_UNITS if job.media.kind == "iso" else 0
        total = len(locations) + wim_units
        with open_media(media_path) as source:
            image = source.info.image_for(job.recipe.source.edition)
            if image is None or image.index != job.image.index:
                raise MediaError(
                    f"{media_path} changed since it was inspected (the "
                    f"{job.recipe.source.edition.value} image is no longer index "
                    f"{job.image.index}): start the build again"
                )
            ctx.report(0.0, "reading the media")
            job.state.source_wim = source.wim_path(
                layout.media_dir,
                should_cancel=lambda: ctx.cancel.cancelled,
                progress=lambda done, size: ctx.report(wim_units * done / max(size, 1) / total),
            )
            for number, location in enumerate(locations, 1):
                dest = layout.cab(location)
                dest.parent.mkdir(parents=True, exist_ok=True)
                source.copy_file(location, dest, should_cancel=lambda: ctx.cancel.cancelled)
                ctx.report((wim_units + number) / total, PurePosixPath(location).name)


class ApplyStep(DismStep):
    """DISM's apply, or wimlib-imagex's when the engine option asks for it."""

    name = "apply"
    weight = 10.0

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        tool = "wimlib-imagex" if job.apply_tool is ApplyTool.WIMLIB else "DISM"
        self.title = f"Apply the {job.image.name} image ({tool})"

    def argv(self, layout: Layout) -> list[str]:
        job = self.job
        source, target = job.source_wim(layout.paths), layout.text(layout.windows_dir)
        if job.apply_tool is ApplyTool.WIMLIB:
            # wimlib's builder only str()s its paths: hand it the texts tools see.
            return wimlib.apply_argv(
                job.state.tools.wimlib, Path(source), job.image.index, Path(target)
            )
        return dism.apply_image(self.options(layout), source, job.image.index, target)

    def subject(self) -> dism.Subject:
        return dism.Subject(f"applying image {self.job.image.index} ({self.job.image.name})")

    def run(self, ctx: StepContext) -> None:
        job = self.job
        if job.apply_tool is not ApplyTool.WIMLIB:
            super().run(ctx)
            return
        ctx.run_tool(
            self.argv(self.job.layout(ctx.paths)),
            progress=wimlib.parse_progress,
            failure=f"wimlib-imagex could not apply image {job.image.index}",
            encoding=job.host.console_encoding,
        )


class PackageStep(JobStep):
    """One package: its base cab, then its language cab (DISM needs that order)."""

    weight = 2.0

    def __init__(self, job: Job, package: PackageInfo) -> None:
        super().__init__(job)
        self.package = package
        self.name = f"package-{package.short.lower()}"
        self.title = f"Add package {package.short} ({job.language})"

    def calls(self, paths: BuildPaths) -> list[tuple[str, list[str]]]:
        job, layout = self.job, self.job.layout(paths)
        calls = []
        for location, log_name in zip(
            cab_locations(job, self.package),
            (self.name, f"{self.name}-{job.language}"),
            strict=True,
        ):
            argv = dism.add_package(
                job.dism(paths, log_name),
                job.image_target(paths),
                layout.text(layout.cab(location)),
            )
            calls.append((log_name, argv))
        return calls

    def describe(self, paths: BuildPaths) -> list[str]:
        return [windows_cmdline(argv) for _, argv in self.calls(paths)]

    def run(self, ctx: StepContext) -> None:
        job = self.job
        calls = self.calls(ctx.paths)
        for number, (log_name, argv) in enumerate(calls):
            cab = "base" if number == 0 else f"{job.language} language"
            run_dism(
                ctx,
                job,
                argv,
                log_file=job.layout(ctx.paths).dism_log(log_name),
                subject=dism.Subject(
                    f"adding the {cab} cab of {self.package.name}",
                    package=self.package.name,
                    edition=f"{job.recipe.source.edition.value} ({job.image.name})",
                ),
                start=number / len(calls),
                share=1 / len(calls),
            )


class DriverStep(DismStep):
    weight = 1.0

    def __init__(self, job: Job, folder: Path, number: int) -> None:
        super().__init__(job)
        self.folder = folder
        self.name = f"drivers-{number}"
        self.title = f"Add the drivers in {folder.name or folder}"

    def argv(self, layout: Layout) -> list[str]:
        job = self.job
        return dism.add_driver(
            self.options(layout), job.image_target(layout.paths), layout.text(self.folder)
        )

    def subject(self) -> dism.Subject:
        return dism.Subject(f"adding the drivers in {self.folder}")


class UnattendStep(DismStep):
    """offlineServicing answers (computer name, administrator password), applied offline.

    The answer file holds the encoded password, so it lives only for this call.
    """

    name = "unattend"
    title = "Apply the computer name and administrator password (unattend)"
    weight = 0.5

    def argv(self, layout: Layout) -> list[str]:
        job = self.job
        return dism.apply_unattend(
            self.options(layout), job.image_target(layout.paths), layout.text(layout.unattend)
        )

    def subject(self) -> dism.Subject:
        return dism.Subject("applying the unattend answers")

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        unattend = layout.text(layout.unattend)
        return [
            f"write {unattend} (offlineServicing: ComputerName "
            f"{self.job.recipe.system.computer_name}, OfflineAdministratorPassword encoded)",
            *(
                [
                    "  merged with the offlineServicing pass of "
                    + layout.text(self.job.recipe.system.unattend)
                ]
                if self.job.recipe.system.unattend is not None
                else []
            ),
            *(
                [
                    "  domain join: Microsoft-Windows-UnattendedJoin OfflineIdentification/"
                    "Provisioning/AccountData from "
                    + layout.text(self.job.recipe.system.domain_blob)
                ]
                if self.job.recipe.system.domain_blob is not None
                else []
            ),
            *super().describe(paths),
            f"delete {unattend}",
        ]

    def run(self, ctx: StepContext) -> None:
        if ctx.password is None:
            raise BuildError("no administrator password was given: the image needs one")
        unattend = self.job.layout(ctx.paths).unattend
        text = render_with_user_file(self.job.recipe, ctx.password, offline_servicing=True)
        try:
            unattend.write_text(text, encoding="utf-8")
            super().run(ctx)
        finally:
            unattend.unlink(missing_ok=True)


def staged_for_first_boot(
    packages: tuple[PackageInfo, ...], docker_zip: Path | None = None
) -> StagedContent:
    """Nothing is staged (DISM services offline); Containers still gets Docker at first boot,
    and roles that need a feature switched on after their package get it then."""
    docker = any(package.short == "Containers" for package in packages)
    return StagedContent(
        docker=docker,
        docker_zip=docker_zip if docker else None,
        features=first_boot_features(packages),
    )


class SetupCompleteStep(JobStep):
    """Write the first-boot script into the mounted image: what has no offline form
    (addresses, WinRM, optional features) runs once, before anyone logs on."""

    name = "setupcomplete"
    title = "Write SetupComplete.cmd (first-boot settings)"
    weight = 0.1

    def __init__(self, job: Job, staged: StagedContent) -> None:
        super().__init__(job)
        self.staged = staged

    def files(self, paths: BuildPaths) -> list[tuple[Path, str]]:
        root = self.job.layout(paths).windows_dir
        return [
            (root.joinpath(*image_path.parts), text)
            for image_path, text in first_boot_files(self.job.recipe, self.staged)
        ]

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        lines = []
        for path, text in self.files(paths):
            lines.append(f"write {layout.text(path)}:")
            lines += [f"    {line}" for line in text.splitlines()]
        if self.job.recipe.system.unattend is not None:
            panther = layout.windows_dir.joinpath(*UNATTEND_PATH.parts)
            lines.append(
                f"write {layout.text(panther)}: the other passes of "
                f"{layout.text(self.job.recipe.system.unattend)} (as New-NanoServerImage copies "
                "-UnattendPath there); deleted at the end of first boot"
            )
        lines += winrm_https.describe_files(
            self.job.recipe, lambda p: layout.text(layout.windows_dir.joinpath(*p.parts))
        )
        if self.staged.docker_zip is not None:
            docker = layout.windows_dir.joinpath(*DOCKER_FOLDER.parts)
            lines.append(f"extract docker/* from {self.staged.docker_zip} to {layout.text(docker)}")
        return lines

    def run(self, ctx: StepContext) -> None:
        for path, text in self.files(ctx.paths):
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as out:
                out.write(text)
        panther_text = user_passes_for_panther(self.job.recipe)
        if panther_text is not None:
            panther = self.job.layout(ctx.paths).windows_dir.joinpath(*UNATTEND_PATH.parts)
            panther.parent.mkdir(parents=True, exist_ok=True)
            panther.write_text(panther_text, encoding="utf-8")
        certificate = winrm_https.write_files(
            self.job.recipe, self.job.layout(ctx.paths).windows_dir
        )
        if certificate is not None:
            ctx.log(
                "WinRM HTTPS certificate for "
                f"{', '.join(winrm_https.server_names(self.job.recipe))}: SHA-256 "
                f"{certificate.sha256} pinned (port {winrm_https.HTTPS_PORT})"
            )
        if self.staged.docker_zip is not None:
            root = self.job.layout(ctx.paths).windows_dir
            count = extract_docker(self.staged.docker_zip, root)
            ctx.log(f"put {count} Docker files from {self.staged.docker_zip} in the image")
