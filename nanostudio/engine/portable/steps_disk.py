"""Steps that make the disk: boot files, the ESP, the NTFS volume, the image, the file.

Each partition is built in a file of its own in the private temp folder and
only put together at the end, so nothing ever needs a loop device or root.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from nanostudio.engine.portable.assemble import Format, assemble_disk
from nanostudio.engine.portable.bcd import StoreTarget, build_bcd, loader_guid_for
from nanostudio.engine.portable.bcd_options import apply_boot_options
from nanostudio.engine.portable.bcd_template import TEMPLATE_PATH, store_from_template
from nanostudio.engine.portable.state import (
    BCD_FILE,
    BOOT_FILES,
    DELTA_WIM,
    ESP_IMAGE,
    WINDOWS_IMAGE,
    BuildState,
    PortableStep,
    boot_locale,
)
from nanostudio.engine.portable.steps_wim import DeltaWimStep
from nanostudio.engine.process import quote_argv, require_tool
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import fat, ntfs, wimlib
from nanostudio.engine.tools.hivex import Hive
from nanostudio.errors import BuildError, OutputError
from nanostudio.recipe import BootSpec

GIB = 1 << 30
BOOT_FOLDER = "/Windows/Boot"
ESP_BOOT = "EFI/Microsoft/Boot"
ESP_FALLBACK = "EFI/Boot/bootx64.efi"


class BootFilesStep(PortableStep):
    name = "boot-files"
    title = "Extract the boot manager from the image"
    weight = 0.2

    def _argv(self, tool: str, workdir: Path, wim: Path) -> list[str]:
        # The template is optional here: without one the ESP step writes its own store.
        return wimlib.extract_argv(
            tool,
            wim,
            self.state.image.index,
            [BOOT_FOLDER, TEMPLATE_PATH],
            workdir / BOOT_FILES,
            missing_ok=True,
        )

    def describe(self, paths: BuildPaths) -> list[str]:
        wim = self.state.wim_for_display(paths.workdir)
        return [quote_argv(self._argv(wimlib.TOOL, paths.workdir, wim))]

    def run(self, ctx: StepContext) -> None:
        _, wim = self.state.require_source()
        dest = ctx.paths.workdir / BOOT_FILES
        dest.mkdir()
        ctx.run_tool(
            self._argv(require_tool(wimlib.TOOL), ctx.paths.workdir, wim),
            progress=wimlib.parse_progress,
            failure=(
                "could not read Windows\\Boot from the image: it is not a bootable Nano Server "
                "image, or NanoServer.wim is damaged; copy the media again"
            ),
        )
        find_boot_file(dest, "EFI/bootmgfw.efi")  # fail here, clearly, if it is missing


def find_boot_file(boot: Path, relative: str) -> Path:
    """``Boot/<relative>`` under ``boot``, matching names case-insensitively as Windows does."""
    current = boot / "Boot"
    for part in relative.split("/"):
        match = _child(current, part)
        if match is None:
            raise BuildError(
                f"the image has no Windows\\Boot\\{relative.replace('/', chr(92))}: it is not "
                "a bootable Nano Server image; use NanoServer.wim from the Windows Server 2016 ISO"
            )
        current = match
    return current


def _child(folder: Path, name: str) -> Path | None:
    if not folder.is_dir():
        return None
    return next((entry for entry in folder.iterdir() if entry.name.lower() == name.lower()), None)


class EspStep(PortableStep):
    name = "esp"
    title = "Make the EFI system partition (FAT32, boot manager, BCD)"
    weight = 0.3

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.state.require_layout()
        image = paths.workdir / ESP_IMAGE
        boot = paths.workdir / BOOT_FILES / "Boot"
        locale = boot_locale(self.state.recipe.source.language)
        return [
            describe_sparse(image, layout.esp.size_bytes),
            quote_argv(fat.mkfs_argv(fat.MKFS, image, hidden_sectors=layout.esp.first_lba)),
            quote_argv(fat.mmd_argv(fat.MMD, image, _esp_folders())),
            quote_argv(
                fat.mcopy_file_argv(fat.MCOPY, image, boot / "EFI/bootmgfw.efi", ESP_FALLBACK)
            ),
            quote_argv(
                fat.mcopy_file_argv(
                    fat.MCOPY, image, boot / "EFI/bootmgfw.efi", f"{ESP_BOOT}/bootmgfw.efi"
                )
            ),
            quote_argv(
                fat.mcopy_argv(
                    fat.MCOPY,
                    image,
                    [boot / "Fonts", boot / "Resources", boot / "EFI" / locale],
                    ESP_BOOT,
                )
            ),
            f"BCD: from the image's BCD-Template (bcdboot's way; a minimal store if it has "
            f"none): {{bootmgr}} on partition {layout.esp.guid}, Windows Boot Loader on "
            f"partition {layout.windows.guid} of disk {layout.disk_guid} (locale {locale})",
            quote_argv(
                fat.mcopy_file_argv(fat.MCOPY, image, paths.workdir / BCD_FILE, f"{ESP_BOOT}/BCD")
            ),
        ]

    def run(self, ctx: StepContext) -> None:
        layout = self.state.require_layout()
        workdir = ctx.paths.workdir
        image = workdir / ESP_IMAGE
        boot = workdir / BOOT_FILES
        locale = boot_locale(self.state.recipe.source.language)
        mkfs, mmd, mcopy = (require_tool(t) for t in (fat.MKFS, fat.MMD, fat.MCOPY))
        create_sparse(image, layout.esp.size_bytes)
        ctx.run_tool(
            fat.mkfs_argv(mkfs, image, hidden_sectors=layout.esp.first_lba),
            failure="mkfs.fat could not format the EFI system partition",
        )
        ctx.report(0.3)
        ctx.run_tool(fat.mmd_argv(mmd, image, _esp_folders()), failure="mmd failed on the ESP")
        bootmgr = find_boot_file(boot, "EFI/bootmgfw.efi")
        for dest in (ESP_FALLBACK, f"{ESP_BOOT}/bootmgfw.efi"):
            ctx.run_tool(fat.mcopy_file_argv(mcopy, image, bootmgr, dest), failure="mcopy failed")
        ctx.report(0.6)
        extras = [
            found
            for name in ("Fonts", "Resources", f"EFI/{locale}")
            if (found := _optional_boot_file(boot, name)) is not None
        ]
        if extras:
            ctx.run_tool(fat.mcopy_argv(mcopy, image, extras, ESP_BOOT), failure="mcopy failed")
        bcd = workdir / BCD_FILE
        target = StoreTarget(layout.disk_guid, layout.esp.guid, layout.windows.guid, locale)
        template = boot / Path(TEMPLATE_PATH).name
        if template.is_file():
            store_from_template(template, bcd, target)
            ctx.log("boot store made from the image's BCD-Template, as bcdboot does")
        else:
            bcd.write_bytes(build_bcd(target))
            ctx.log(
                "the image has no Windows\\System32\\config\\BCD-Template: the boot store is "
                "NanoStudio's own minimal one ({bootmgr} and one loader)",
                "warning",
            )
        boot_options = self.state.recipe.boot
        if boot_options != BootSpec():
            with Hive.open(bcd, write=True) as store:
                apply_boot_options(store, loader_guid_for(layout.windows.guid), boot_options)
                store.commit()
        ctx.run_tool(
            fat.mcopy_file_argv(mcopy, image, bcd, f"{ESP_BOOT}/BCD"), failure="mcopy failed"
        )


def _esp_folders() -> list[str]:
    return ["EFI", "EFI/Boot", "EFI/Microsoft", ESP_BOOT]


def _optional_boot_file(boot: Path, relative: str) -> Path | None:
    try:
        return find_boot_file(boot, relative)
    except BuildError:
        return None


class FormatWindowsStep(PortableStep):
    name = "format"
    title = "Format the Windows partition (NTFS)"
    weight = 0.2

    def _argv(self, tool: str, workdir: Path) -> list[str]:
        start = self.state.require_layout().windows.first_lba
        return ntfs.mkntfs_argv(tool, workdir / WINDOWS_IMAGE, start_sector=start)

    def describe(self, paths: BuildPaths) -> list[str]:
        size = self.state.require_layout().windows.size_bytes
        return [
            describe_sparse(paths.workdir / WINDOWS_IMAGE, size),
            quote_argv(self._argv(ntfs.TOOL, paths.workdir)),
        ]

    def run(self, ctx: StepContext) -> None:
        size = self.state.require_layout().windows.size_bytes
        create_sparse(ctx.paths.workdir / WINDOWS_IMAGE, size)
        ctx.run_tool(
            self._argv(require_tool(ntfs.TOOL), ctx.paths.workdir),
            failure="mkntfs could not format the Windows partition",
        )


class ApplyImageStep(DeltaWimStep):
    name = "apply"
    title = "Apply the image to the Windows partition"
    weight_per_gib = 8.0

    def _argv(self, tool: str, paths: BuildPaths, source: Path) -> list[str]:
        workdir = paths.workdir
        return wimlib.apply_argv(
            tool, workdir / DELTA_WIM, 1, workdir / WINDOWS_IMAGE, refs=[source]
        )


class AssembleStep(PortableStep):
    name = "assemble"
    title = "Write the disk file"

    def __init__(self, state: BuildState, fmt: Format) -> None:
        super().__init__(state)
        self.fmt = fmt
        self.weight = 0.5 + (2.0 * state.image.total_bytes / GIB if fmt == "vhd" else 0.0)

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.state.require_layout()
        return [
            f"GPT disk {layout.disk_guid}, {layout.disk_size} bytes: ESP {layout.esp.guid}, "
            f"MSR {layout.msr.guid}, Windows {layout.windows.guid}",
            f"{self.fmt.upper()} -> {paths.partial}, renamed to {paths.output} when complete",
        ]

    def run(self, ctx: StepContext) -> None:
        layout = self.state.require_layout()
        workdir = ctx.paths.workdir
        assemble_disk(
            ctx.paths.partial,
            self.fmt,
            layout,
            workdir / ESP_IMAGE,
            workdir / WINDOWS_IMAGE,
            should_cancel=lambda: ctx.cancel.cancelled,
            progress=lambda fraction: ctx.report(fraction),
        )


def describe_sparse(path: Path, size: int) -> str:
    """The plan's line for ``create_sparse``."""
    return f"create {path} ({size // 2**20} MiB, sparse)"


def create_sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no space until written."""
    try:
        with path.open("xb") as out:
            out.truncate(size)
    except OSError as error:
        path.unlink(missing_ok=True)
        raise _space_error(path, size, error) from None


def _space_error(path: Path, size: int, error: OSError) -> OutputError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"the output disk is full: free space in {path.parent.parent}")
    if error.errno == errno.EFBIG:
        return OutputError(
            f"cannot create a {size // 2**20} MiB file in {path.parent.parent}: larger than this "
            "file system or limit allows; choose another output folder"
        )
    return OutputError(f"cannot create {path.name}: {os.strerror(error.errno or 0)}")
