"""The portable engine's plan for an edit: read the source, then the normal build steps.

Why the whole build pipeline is reused rather than changing files inside a copy of
the disk: writing into an NTFS volume without Windows or root (ntfs-3g through
FUSE) is exactly what the portable engine was designed to avoid, and the build
already knows how to turn "an image + an overlay" into a bootable disk with the
drivers injected offline, the ESP and BCD made from the image's own template,
and a fixed/dynamic VHD or VHDX written atomically. So the source's Windows
partition becomes that image (a WIM captured with wimlib), and the edit's
additions become the overlay. The new disk is a UEFI/GPT disk like every disk
this engine makes; a BIOS/MBR source is refused before any work (checks.py).
"""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.content.staging import copy_notes, describe_staging, plan_staging
from nanostudio.engine.edit.checks import edit_source_for_plan
from nanostudio.engine.edit.portable_steps import (
    CAPTURED_WIM,
    CaptureStep,
    CopyPartitionStep,
    OpenEditMediaStep,
    SurveyImageStep,
)
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.portable.engine import (
    ENGINE,
    TEMP_OVERHEAD,
    check_tools,
    output_format,
    output_steps,
    staged_bytes,
)
from nanostudio.engine.portable.state import BuildState
from nanostudio.engine.portable.steps_drivers import InjectDriversStep
from nanostudio.engine.portable.steps_source import StageContentStep
from nanostudio.engine.steps import Plan, Step
from nanostudio.media.model import MediaInfo, WimImage
from nanostudio.recipe import OutputFormat, Recipe

MIB = 1 << 20


def make_edit_plan(recipe: Recipe, media: MediaInfo) -> Plan:
    source = edit_source_for_plan(recipe, portable=True)
    fmt = output_format(recipe)
    check_tools(fmt)
    image = source.image or WimImage(1, "captured", None, None, None, None, source.used_bytes)
    staged = plan_staging(recipe, media)
    state = BuildState(recipe=recipe, media_info=media, image=image, staged=staged)
    steps: list[Step] = []
    if source.is_disk:
        state.edit_wim = Path(CAPTURED_WIM)
        steps += [CopyPartitionStep(state, source), CaptureStep(state, source)]
    else:
        state.edit_wim = source.path
        state.source_wim = source.path
    steps += [
        OpenEditMediaStep(state),
        SurveyImageStep(state, source),
        InjectDriversStep(state),
        StageContentStep(state),
    ]
    notes = [
        f"editing {source.path} ({source.description}); it is only read, the new image is "
        f"{recipe.output.path}",
        "packages the image already has are not added again (read from its servicing "
        "manifests and NanoStudio's staged cabs)",
        "the edit's computer name, password and time zone are written to a new "
        "Windows\\Panther\\unattend.xml, which replaces the image's own",
        *describe_staging(staged),
        *copy_notes(recipe),
    ]
    size = max(recipe.output.size, source.size)
    steps += output_steps(state, fmt, size)
    if fmt is not OutputFormat.WIM:
        notes.append(
            f"the new disk is a UEFI (GPT) {fmt.value.upper()} of {size // MIB} MiB with a new "
            "ESP and boot store made from the image's BCD-Template"
        )
    return Plan(
        engine=ENGINE,
        steps=tuple(steps),
        output=recipe.output.path,
        required_bytes=_required_bytes(recipe, source, state),
        notes=tuple(notes),
        work="edit",
    )


def _required_bytes(recipe: Recipe, source: EditSource, state: BuildState) -> int:
    """The partition copy and the captured WIM (about the data each), then a build's."""
    extra = staged_bytes(recipe, state.staged)
    needed = TEMP_OVERHEAD + extra
    if source.is_disk:
        needed += 2 * source.used_bytes
    if recipe.output.format is OutputFormat.WIM:
        return needed + source.used_bytes + extra
    if recipe.output.format is OutputFormat.VHD:
        return needed + max(recipe.output.size, source.size)
    return needed + 2 * (source.used_bytes + extra)
