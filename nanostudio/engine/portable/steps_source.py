"""Steps that read the media: open it (extracting the WIM from an ISO), then stage
the first-boot content and write the delta WIM the later steps apply or export."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path, PurePosixPath

from nanostudio.engine.content import winrm_https
from nanostudio.engine.content.setupcomplete import first_boot_files
from nanostudio.engine.content.staging import (
    DOCKER_FOLDER,
    UNATTEND_PATH,
    UPDATES_FOLDER,
    StagedContent,
    copy_into,
    copy_sources,
    extract_docker,
    staged_updates,
)
from nanostudio.engine.content.unattend import render_with_user_file
from nanostudio.engine.portable.state import DELTA_WIM, OVERLAY, BuildState, PortableStep
from nanostudio.engine.process import require_tool
from nanostudio.engine.servicing import (
    UpdateCab,
    is_msu,
    order_log,
    order_updates,
    update_cabs_in,
)
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import cab, libwim
from nanostudio.errors import BuildError
from nanostudio.media.source import MediaSource, open_media
from nanostudio.recipe import OutputFormat
from nanostudio.recipe.copies import destination_parts


class OpenMediaStep(PortableStep):
    name = "media"
    title = "Open the media"

    def __init__(self, state: BuildState) -> None:
        super().__init__(state)
        # Copying NanoServer.wim out of an ISO reads the whole file; a folder costs nothing.
        self.weight = 0.3 + (3.0 * state.media_info.wim_bytes / 2**30 if _is_iso(state) else 0)

    def describe(self, paths: BuildPaths) -> list[str]:
        info = self.state.media_info
        lines = [f"open {info.source} ({info.kind}) read-only"]
        if _is_iso(self.state):
            lines.append(f"copy {info.wim} to {self.state.wim_for_display(paths.workdir)}")
        lines.append(f"image {self.state.image.index}: {self.state.image.name}")
        return lines

    def run(self, ctx: StepContext) -> None:
        media = open_state_media(self.state, ctx)
        media_path = self.state.recipe.source.media
        found = media.info.image_for(self.state.recipe.source.edition)
        if found is None or found.index != self.state.image.index:
            raise BuildError(
                f"{media_path} changed since it was inspected: inspect it again and rebuild"
            )

        def progress(done: int, total: int) -> None:
            ctx.report(done / total if total else 1.0, "copying NanoServer.wim from the ISO")

        self.state.source_wim = media.wim_path(
            ctx.paths.workdir, should_cancel=lambda: ctx.cancel.cancelled, progress=progress
        )


def open_state_media(state: BuildState, ctx: StepContext) -> MediaSource:
    """Open the recipe's media into ``state``, closed by the build's cleanup."""
    media_path = state.recipe.source.media
    if media_path is None:
        raise BuildError("the recipe names no media (source.media)")
    media = open_media(media_path)
    state.media = media
    state.media_cleanup = ctx.push_cleanup("close the media", media.close)
    return media


class StageContentStep(PortableStep):
    name = "stage"
    title = "Stage unattend.xml, SetupComplete.cmd, packages, updates, drivers and files"
    weight = 0.3

    def describe(self, paths: BuildPaths) -> list[str]:
        overlay = paths.workdir / OVERLAY
        staged = self.state.staged
        lines = [
            f"write {overlay / UNATTEND_PATH} (password encoded as Windows expects)",
        ]
        if self.state.recipe.system.domain_blob is not None:
            lines.append(
                "  domain join: specialize Microsoft-Windows-UnattendedJoin Identification/"
                f"Provisioning/AccountData from {self.state.recipe.system.domain_blob}"
            )
        if self.state.recipe.system.unattend is not None:
            lines.append(
                f"  merged with {self.state.recipe.system.unattend} (its passes and "
                "components added; a setting NanoStudio sets too stops the build)"
            )
        lines += [
            f"write {overlay / image_path}"
            for image_path, _ in first_boot_files(self.state.recipe, staged)
        ]
        lines += winrm_https.describe_files(self.state.recipe, lambda p: str(overlay / p))
        for location, target in _package_copies(staged):
            lines.append(f"copy {location} to {overlay / target}")
        for number, update in enumerate(staged.servicing, 1):
            if is_msu(update):
                unpacked = paths.workdir / UPDATES_WORK / f"{number:02d}"
                lines.append(" ".join(cab.extract_argv(cab.TOOL, update, unpacked)))
        if staged.servicing:
            lines.append(
                f"copy the update cabs to {overlay / UPDATES_FOLDER} as 01-..., 02-..., "
                "servicing stack updates first (read from each cab's file list)"
            )
        for copy in self.state.recipe.files.copy:
            dest = overlay.joinpath(*destination_parts(copy.destination))
            lines.append(f"copy {copy.source} into {dest}")
        for driver in staged.drivers:
            lines.append(
                f"copy {driver.folder} ({len(driver.files)} files) to {overlay / driver.target}"
            )
        if staged.docker_zip is not None:
            lines.append(f"extract docker/* from {staged.docker_zip} to {overlay / DOCKER_FOLDER}")
        source = self.state.wim_for_display(paths.workdir)
        lines.append(
            f"libwim: image {self.state.image.index} of {source} + {overlay} -> "
            f"{paths.workdir / DELTA_WIM} (new metadata and staged files only)"
        )
        return lines

    def run(self, ctx: StepContext) -> None:
        if ctx.password is None:
            raise BuildError("no administrator password was given")
        libwim.LIBRARY.require()  # its install hint, before any work
        media, source_wim = self.state.require_source()
        overlay = ctx.paths.workdir / OVERLAY
        recipe = self.state.recipe
        copied = copy_into(overlay, copy_sources(recipe))
        if copied:
            ctx.log(f"copied {copied} files into the image (files.copy)")
        update_cabs = _unpack_updates(ctx, self.state.staged.servicing)
        staged = self.state.staged = replace(
            self.state.staged, update_cabs=staged_updates(update_cabs)
        )
        if update_cabs:
            ctx.log(order_log(update_cabs))
        _write_text(
            overlay,
            UNATTEND_PATH,
            render_with_user_file(recipe, ctx.password, offline_servicing=False),
        )
        for image_path, text in first_boot_files(recipe, staged):
            _write_text(overlay, image_path, text)
        certificate = winrm_https.write_files(recipe, overlay)
        if certificate is not None:
            ctx.log(
                f"WinRM HTTPS certificate for {', '.join(winrm_https.server_names(recipe))}: "
                f"SHA-256 {certificate.sha256} pinned (port {winrm_https.HTTPS_PORT})"
            )
        if staged.docker_zip is not None:
            count = extract_docker(staged.docker_zip, overlay)
            ctx.log(f"staged {count} Docker files from {staged.docker_zip}", "debug")
        copies = _package_copies(staged)
        copies_from_host = [
            (cab.path, target)
            for cab, (target, _) in zip(update_cabs, staged.update_cabs, strict=True)
        ]
        driver_files = [item for driver in staged.drivers for item in driver.files]
        total = len(copies) + len(driver_files) + 1
        done = 0
        for location, target in copies:
            ctx.cancel.raise_if_cancelled()
            dest = _target(overlay, target)
            media.copy_file(location, dest, should_cancel=lambda: ctx.cancel.cancelled)
            done += 1
            ctx.report(done / total, f"staged {target.name}")
        for source, target in copies_from_host:
            ctx.cancel.raise_if_cancelled()
            _copy_host_file(source, _target(overlay, target))
        for source, target in driver_files:
            ctx.cancel.raise_if_cancelled()
            _copy_host_file(source, _target(overlay, target))
            done += 1
            ctx.report(done / total, f"staged {target.name}")
        self.state.close_media()
        ctx.cancel.raise_if_cancelled()
        ctx.log(f"writing the delta image {DELTA_WIM} (references {source_wim})", "debug")
        delta = libwim.DeltaWim(
            source_wim,
            self.state.image.index,
            overlay,
            ctx.paths.workdir / DELTA_WIM,
            # a disk build applies the delta once and deletes it; a .wim output exports it
            compress=recipe.output.format is OutputFormat.WIM,
        )
        libwim.write_delta_wim(delta, should_cancel=lambda: ctx.cancel.cancelled)


UPDATES_WORK = "updates"  # the work folder .msu files are unpacked into


def _unpack_updates(ctx: StepContext, servicing: tuple[Path, ...]) -> list[UpdateCab]:
    """Each update's cabs (an .msu unpacked with gcab), servicing stack updates first."""
    pairs: list[tuple[Path, Path]] = []
    for number, update in enumerate(servicing, 1):
        ctx.cancel.raise_if_cancelled()
        if not is_msu(update):
            pairs.append((update, update))
            continue
        unpacked = ctx.paths.workdir / UPDATES_WORK / f"{number:02d}"
        unpacked.mkdir(parents=True, exist_ok=True)
        ctx.run_tool(
            cab.extract_argv(require_tool(cab.TOOL), update, unpacked),
            failure=f"gcab could not unpack {update}: download it again",
        )
        cabs = update_cabs_in(unpacked)
        if not cabs:
            raise BuildError(f"{update} holds no update cab: download it again")
        pairs += [(found, update) for found in cabs]
    return order_updates(pairs)


def _package_copies(staged: StagedContent) -> list[tuple[str, PurePosixPath]]:
    """(location on the media, path in the image) of every cab to stage, language cabs too."""
    copies: list[tuple[str, PurePosixPath]] = []
    for package in staged.packages:
        copies.append((package.source, package.target))
        if package.language_source and package.language_target:
            copies.append((package.language_source, package.language_target))
    return copies


def _is_iso(state: BuildState) -> bool:
    return state.media_info.kind == "iso"


def _target(root: Path, image_path: PurePosixPath) -> Path:
    dest = root.joinpath(*image_path.parts)
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


def _write_text(root: Path, image_path: PurePosixPath, text: str) -> None:
    dest = _target(root, image_path)
    # newline="" keeps the CRLF the scripts are rendered with.
    with dest.open("w", encoding="utf-8", newline="") as out:
        out.write(text)


def _copy_host_file(source: Path, dest: Path) -> None:
    try:
        shutil.copyfile(source, dest)
    except OSError as error:
        raise BuildError(f"cannot copy driver file {source}: {error.strerror or error}") from None
