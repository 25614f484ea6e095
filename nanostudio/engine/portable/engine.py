"""The portable engine: a bootable UEFI disk (or a WIM) from Nano Server media, no root.

Steps (DESIGN.md, "Two engines, one plan"): open the media; stage unattend.xml,
SetupComplete.cmd, package cabs and drivers into a delta WIM; then for a disk:
boot files, ESP (FAT32 + BCD), NTFS volume, apply, assemble; for a WIM: export.
"""

from __future__ import annotations

from typing import cast

from nanostudio.engine.content.staging import (
    StagedContent,
    copy_notes,
    describe_staging,
    plan_staging,
)
from nanostudio.engine.portable.assemble import Format, virtual_disk_size
from nanostudio.engine.portable.gpt import plan_layout
from nanostudio.engine.portable.state import BuildState
from nanostudio.engine.portable.steps_disk import (
    ApplyImageStep,
    AssembleStep,
    BootFilesStep,
    EspStep,
    FormatWindowsStep,
)
from nanostudio.engine.portable.steps_drivers import InjectDriversStep
from nanostudio.engine.portable.steps_source import OpenMediaStep, StageContentStep
from nanostudio.engine.portable.steps_wim import ExportWimStep
from nanostudio.engine.process import require_tool
from nanostudio.engine.steps import Plan, Step
from nanostudio.engine.tools import cab, fat, hivex, libwim, ntfs, wimlib
from nanostudio.errors import RecipeError
from nanostudio.media.model import MediaInfo, WimImage
from nanostudio.recipe import OutputFormat, Recipe
from nanostudio.recipe.copies import copy_bytes
from nanostudio.recipe.source_rules import servicing_bytes

ENGINE = "portable"
MIB = 1 << 20
# Temp files besides the image data: ESP (sparse, mostly empty), boot files, delta WIM.
TEMP_OVERHEAD = 256 * MIB


def make_plan(recipe: Recipe, media: MediaInfo) -> Plan:
    fmt = output_format(recipe)
    image = media.image_for(recipe.source.edition)
    if image is None:
        raise RecipeError(
            f"source.edition: the media has no {recipe.source.edition.value} Nano Server image"
        )
    check_tools(fmt)
    staged = plan_staging(recipe, media)
    state = BuildState(recipe=recipe, media_info=media, image=image, staged=staged)
    steps: list[Step] = [OpenMediaStep(state), InjectDriversStep(state), StageContentStep(state)]
    steps += output_steps(state, fmt, recipe.output.size)
    notes = describe_staging(staged) + copy_notes(recipe)
    if fmt is not OutputFormat.WIM:
        notes.append(
            "the portable engine makes UEFI (GPT) disks only: boot them with EFI firmware "
            "(Hyper-V Gen2 takes the VHDX; for VirtualBox enable EFI in the VM settings)"
        )
    return Plan(
        engine=ENGINE,
        steps=tuple(steps),
        output=recipe.output.path,
        required_bytes=required_bytes(recipe, media, image, staged),
        notes=tuple(notes),
    )


def output_format(recipe: Recipe) -> OutputFormat:
    """What the output path's suffix asks for; a RecipeError if it names no format."""
    if recipe.output.format is None:
        raise RecipeError(
            f"output.path: {recipe.output.path.name!r} must end in .vhdx, .vhd or .wim"
        )
    return recipe.output.format


def output_steps(state: BuildState, fmt: OutputFormat, size: int) -> list[Step]:
    """From the staged image to the output: a WIM exported, or a disk of ``size`` laid
    out (``state.layout``), its ESP and NTFS volume written, the image applied, the
    disk assembled. New builds and edits end alike."""
    if fmt is OutputFormat.WIM:
        return [ExportWimStep(state)]
    disk_format = cast(Format, fmt.value)
    state.layout = plan_layout(virtual_disk_size(disk_format, size))
    return [
        BootFilesStep(state),
        EspStep(state),
        FormatWindowsStep(state),
        ApplyImageStep(state),
        AssembleStep(state, disk_format),
    ]


def required_bytes(recipe: Recipe, media: MediaInfo, image: WimImage, staged: StagedContent) -> int:
    """Free space the output's folder needs: temp files plus the output."""
    data = image.total_bytes
    extra = staged_bytes(recipe, staged)
    needed = TEMP_OVERHEAD + extra
    if media.kind == "iso":
        needed += media.wim_bytes  # NanoServer.wim copied out of the ISO
    fmt = recipe.output.format
    if fmt is OutputFormat.WIM:
        return needed + media.wim_bytes + extra
    if fmt is OutputFormat.VHD:
        # A fixed VHD holds every byte of the disk (Windows refuses sparse ones).
        return needed + recipe.output.size
    # VHDX: the NTFS volume (about the data applied), then the disk, spliced or copied.
    return needed + 2 * (data + extra)


def staged_bytes(recipe: Recipe, staged: StagedContent) -> int:
    """About what the overlay holds: drivers, package cabs, updates, copied files."""
    total = sum(d.total_bytes for d in staged.drivers) + 64 * MIB * len(staged.packages)
    # Updates: the .msu or .cab, its unpacked cabs and their copy in the overlay.
    return total + 3 * servicing_bytes(recipe) + copy_bytes(recipe)


def check_tools(fmt: OutputFormat) -> None:
    require_tool(wimlib.TOOL)
    require_tool(cab.TOOL)
    libwim.LIBRARY.require()
    hivex.LIBRARY.require()
    if fmt is not OutputFormat.WIM:
        for tool in (ntfs.TOOL, fat.MKFS, fat.MMD, fat.MCOPY):
            require_tool(tool)
