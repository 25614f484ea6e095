"""The Windows engine's plan: what New-NanoServerImage does, with no ADK.

Built-in tools only (dism, diskpart, bcdboot), run elevated. The plan is pure:
it can be printed on any OS (``--dry-run``); running it needs a Windows host
(or, in tests, a host object and fake tools). A plan is for one run.

Engine option (independent of the recipe): the apply step uses DISM unless
``apply_tool`` says otherwise or the environment variable
``NANOSTUDIO_WINDOWS_APPLY=wimlib`` asks for ``wimlib-imagex.exe`` (faster;
it must be on PATH). ``available_apply_tools(host)`` tells a UI what to offer.
"""

from __future__ import annotations

import os
from pathlib import PureWindowsPath

from nanostudio.catalogue import PackageInfo
from nanostudio.engine.content.staging import (
    ORDER_NOTE,
    StagedContent,
    copy_notes,
    docker_notes,
    role_notes,
)
from nanostudio.engine.steps import Plan, Step
from nanostudio.engine.tools import bcdedit
from nanostudio.engine.windows.disk_steps import (
    BootOptionsStep,
    BootStep,
    CreateDiskStep,
    DetachStep,
    LocateStep,
    is_bios,
    system_letter,
)
from nanostudio.engine.windows.extra_steps import CopyStep, UpdatesStep
from nanostudio.engine.windows.host import WindowsHost, system_host
from nanostudio.engine.windows.image_steps import (
    ApplyStep,
    DriverStep,
    MediaStep,
    PackageStep,
    SetupCompleteStep,
    UnattendStep,
    cab_locations,
    staged_for_first_boot,
)
from nanostudio.engine.windows.job import ApplyTool, Job
from nanostudio.engine.windows.preflight import PreflightStep
from nanostudio.engine.windows.wim_steps import CommitStep, ExportStep, MountStep
from nanostudio.errors import MediaError, RecipeError, UserFacingError
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import OutputFormat, Recipe, resolved_packages
from nanostudio.recipe.copies import copy_bytes
from nanostudio.recipe.model import GIB, MIB
from nanostudio.recipe.source_rules import servicing_bytes

APPLY_ENV = "NANOSTUDIO_WINDOWS_APPLY"
MAX_VHD_BYTES = 2040 * GIB  # the VHD format's limit
PACKAGE_ALLOWANCE = 128 * MIB  # a 2016 Nano package installed, and its cab copies
SCRATCH_ALLOWANCE = 1024 * MIB  # DISM's scratch files while servicing


def apply_tool_from_env() -> ApplyTool:
    value = os.environ.get(APPLY_ENV, "").strip().lower()
    if not value:
        return ApplyTool.DISM
    try:
        return ApplyTool(value)
    except ValueError:
        raise UserFacingError(
            f"{APPLY_ENV}={value!r} is not an apply tool: use 'dism' or 'wimlib'"
        ) from None


def available_apply_tools(host: WindowsHost | None = None) -> list[ApplyTool]:
    """DISM always; wimlib-imagex when it is on PATH."""
    host = host or system_host()
    tools = [ApplyTool.DISM]
    if host.find_tool("wimlib-imagex") is not None:
        tools.append(ApplyTool.WIMLIB)
    return tools


def make_plan(
    recipe: Recipe,
    media: MediaInfo,
    *,
    host: WindowsHost | None = None,
    apply_tool: ApplyTool | None = None,
) -> Plan:
    output_format = recipe.output.format
    if output_format is None:
        raise RecipeError(f"{recipe.output.path.name}: the output must end in .vhdx, .vhd or .wim")
    if recipe.source.media is None:
        raise RecipeError("source.media: choose the Windows Server 2016 ISO, media folder or WIM")
    if output_format is OutputFormat.VHD and recipe.output.size > MAX_VHD_BYTES:
        raise RecipeError("output.size: a .vhd disk can be at most 2040GiB; use .vhdx")
    image = media.image_for(recipe.source.edition)
    if image is None:
        raise MediaError(
            f"{media.source} has no {recipe.source.edition.value} Nano Server image: "
            "choose the edition the media has"
        )
    job = Job(
        recipe,
        media,
        image,
        output_format,
        host or system_host(),
        apply_tool or apply_tool_from_env(),
    )
    packages = tuple(resolved_packages(recipe))
    for package in packages:
        cab_locations(job, package)  # refuse now, not half-way through the build
    required = required_bytes(job, packages)
    steps: list[Step] = [PreflightStep(job), MediaStep(job, packages)]
    if job.is_disk:
        steps += [CreateDiskStep(job), ApplyStep(job)]
    else:
        steps += [ExportStep(job), MountStep(job)]
    if recipe.files.copy:
        steps.append(CopyStep(job))  # the generator's Add-Files, before drivers and packages
    steps += [PackageStep(job, package) for package in packages]
    if recipe.packages.servicing:
        steps.append(UpdatesStep(job))  # after the packages, as the generator does
    steps += [
        DriverStep(job, folder, number) for number, folder in enumerate(recipe.drivers.folders, 1)
    ]
    staged = staged_for_first_boot(packages, recipe.packages.docker_zip)
    steps += [UnattendStep(job), SetupCompleteStep(job, staged)]
    steps += _finish_steps(job)
    return Plan(
        engine="windows",
        steps=tuple(steps),
        output=recipe.output.path,
        required_bytes=required,
        notes=tuple(_notes(job, packages, staged)),
    )


def _finish_steps(job: Job) -> list[Step]:
    if not job.is_disk:
        return [CommitStep(job)]
    boot: list[Step] = [BootStep(job)]
    if is_bios(job):
        boot.append(LocateStep(job))
    if bcdedit.boot_option_commands(job.recipe.boot):
        boot.append(BootOptionsStep(job))
    return [*boot, DetachStep(job)]


def required_bytes(job: Job, packages: tuple[PackageInfo, ...]) -> int:
    """Free space the output volume needs (an estimate on the safe side)."""
    media = job.media
    content = job.image.total_bytes + PACKAGE_ALLOWANCE * len(packages)
    # Updates: unpacked and installed (about twice their size), and the copies.
    content += 2 * servicing_bytes(job.recipe) + copy_bytes(job.recipe)
    if job.is_disk:
        written = min(job.recipe.output.size, content + 256 * MIB)
    else:
        written = media.wim_bytes + content  # exported WIM + the mounted image
    extracted = media.wim_bytes if media.kind == "iso" else 0
    return written + extracted + SCRATCH_ALLOWANCE


def _notes(job: Job, packages: tuple[PackageInfo, ...], staged: StagedContent) -> list[str]:
    tools = _tools_phrase(job)
    notes = [
        f"needs an elevated Windows 10/11 or Server 2016+ host: {tools} built in, no ADK",
        f"edition {job.recipe.source.edition.value}: image {job.image.index} "
        f'"{job.image.name}" (found by its metadata)',
    ]
    if packages:
        names = ", ".join(package.short for package in packages)
        notes.append(
            f"packages added offline by DISM, each base cab then its {job.language} cab: {names}"
        )
    notes += role_notes(packages)
    if job.recipe.packages.servicing:
        names = ", ".join(path.name for path in job.recipe.packages.servicing)
        notes.append(
            f"updates added offline by DISM after the packages, with no language cab, as "
            f"New-NanoServerImage does: {names}; an .msu is unpacked with expand.exe "
            f"first; {ORDER_NOTE}"
        )
    notes += copy_notes(job.recipe, lambda path: str(PureWindowsPath(str(path))))
    if job.is_disk:
        notes.append(_letters_note(job))
    notes += docker_notes(staged)
    return notes


def _tools_phrase(job: Job) -> str:
    if not job.is_disk:
        return "dism is"
    if is_bios(job):
        return "dism, diskpart, bcdboot and bcdedit are"
    return "dism, diskpart and bcdboot are"


def _letters_note(job: Job) -> str:
    windows = f"{job.state.windows_letter}:"
    if is_bios(job):
        return (
            f"{windows} in the plan is the drive letter of the one partition (system and "
            f"Windows); the build uses a free letter ({windows[0]} if free) and logs it"
        )
    return (
        f"{system_letter(job)}: and {windows} in the plan are the system and Windows "
        "partitions' drive letters; the build uses two free letters (these if free) and "
        "logs them"
    )
