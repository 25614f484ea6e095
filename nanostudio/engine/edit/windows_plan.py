"""The Windows engine's plan for an edit: Edit-NanoServerImage on a copy.

copy (a disk) or export (a WIM's image) -> mount with DISM -> read what the image
has -> files, packages (those it lacks), updates, drivers, answers, first-boot
script -> unmount /Commit -> the copy becomes the new file. UNVERIFIED on a real
Windows host; planned and tested like the rest of the Windows engine.
"""

from __future__ import annotations

from nanostudio.engine.edit.checks import edit_source_for_plan
from nanostudio.engine.edit.windows_steps import (
    CommitCopyStep,
    CopySourceStep,
    EditJob,
    EditMediaStep,
    EditPackageStep,
    Findings,
    MountCopyStep,
    SurveyMountedStep,
    output_format,
)
from nanostudio.engine.steps import Plan, Step
from nanostudio.engine.windows.engine import (
    PACKAGE_ALLOWANCE,
    SCRATCH_ALLOWANCE,
    apply_tool_from_env,
)
from nanostudio.engine.windows.extra_steps import CopyStep, UpdatesStep
from nanostudio.engine.windows.host import WindowsHost, system_host
from nanostudio.engine.windows.image_steps import (
    DriverStep,
    SetupCompleteStep,
    UnattendStep,
    cab_locations,
    staged_for_first_boot,
)
from nanostudio.engine.windows.preflight import PreflightStep
from nanostudio.engine.windows.wim_steps import ExportStep
from nanostudio.media.model import MediaInfo, WimImage
from nanostudio.recipe import Recipe, resolved_packages
from nanostudio.recipe.copies import copy_bytes
from nanostudio.recipe.source_rules import servicing_bytes

ENGINE = "windows"


def make_edit_plan(recipe: Recipe, media: MediaInfo, *, host: WindowsHost | None = None) -> Plan:
    source = edit_source_for_plan(recipe, portable=False)
    image = source.image or WimImage(1, source.path.name, None, None, None, None, source.used_bytes)
    job = EditJob(
        recipe, media, image, output_format(source), host or system_host(), apply_tool_from_env()
    )
    packages = tuple(resolved_packages(recipe))
    for package in packages:
        cab_locations(job, package)  # refuse now, not half-way through the edit
    findings = Findings()
    staged = staged_for_first_boot(packages, recipe.packages.docker_zip)
    first_boot = SetupCompleteStep(job, staged)
    required = _required_bytes(
        recipe, source.size if source.is_disk else source.used_bytes, len(packages)
    )
    steps: list[Step] = [PreflightStep(job), EditMediaStep(job, packages)]
    if source.is_disk:
        steps.append(CopySourceStep(job, source))
    else:
        job.state.source_wim = source.path
        steps.append(ExportStep(job))
    steps += [MountCopyStep(job, source), SurveyMountedStep(job, findings, first_boot)]
    if recipe.files.copy:
        steps.append(CopyStep(job))
    steps += [EditPackageStep(job, package, findings) for package in packages]
    if recipe.packages.servicing:
        steps.append(UpdatesStep(job))
    steps += [
        DriverStep(job, folder, number) for number, folder in enumerate(recipe.drivers.folders, 1)
    ]
    steps += [UnattendStep(job), first_boot, CommitCopyStep(job, source)]
    notes = [
        f"editing {job.host.path_text(source.path)} ({source.description}); it is only read: "
        f"a copy is mounted, serviced and committed, then becomes "
        f"{job.host.path_text(recipe.output.path)}",
        "needs an elevated Windows 10/11 or Server 2016+ host: dism is built in, no ADK",
        "packages the image already has (servicing manifests, NanoStudio's staged cabs) are "
        "not added again; the others are added offline by DISM",
        "UNVERIFIED on a real Windows host: planned and tested with FAKE dism transcripts",
    ]
    return Plan(
        engine=ENGINE,
        steps=tuple(steps),
        output=recipe.output.path,
        required_bytes=required,
        notes=tuple(notes),
        work="edit",
    )


def _required_bytes(recipe: Recipe, copy: int, packages: int) -> int:
    """The copy, the packages and updates installed into it, DISM's scratch files."""
    content = PACKAGE_ALLOWANCE * packages + 2 * servicing_bytes(recipe) + copy_bytes(recipe)
    return copy + content + SCRATCH_ALLOWANCE
