"""Rules on what the build writes: the output's format, folder and size, the files
copied onto the disk, and the boot settings (EMS, serial debugging) in its BCD.
"""

from __future__ import annotations

from pathlib import Path

from nanostudio.files import output_folder_problem
from nanostudio.recipe.copies import Scanner, copy_problems
from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import GIB, MIB, DebugMethod, OutputFormat, Recipe
from nanostudio.recipe.problem import Problem, has_control

# What each container format can address (VHD: 2040 GiB, Microsoft's VHD spec;
# VHDX: 64 TiB, MS-VHDX).
MAX_DISK_SIZE = {OutputFormat.VHD: 2040 * GIB, OutputFormat.VHDX: 64 * 1024 * GIB}

# ESP 200 MiB + MSR 128 MiB + the smallest Windows partition a Nano image fits in.
MIN_DISK_SIZE = 1024 * MIB


def files_problems(recipe: Recipe, scan: Scanner) -> list[Problem]:
    copies = [
        copy
        for copy in recipe.files.copy
        if not has_control(str(copy.source)) and not has_control(copy.destination)
    ]
    problems = [Problem(RecipeField.FILES_COPY, message) for message in copy_problems(copies, scan)]
    if recipe.output.format is not OutputFormat.WIM and copies:
        total = sum(scan(copy.source).total_bytes for copy in copies)
        if total >= recipe.output.size:
            problems.append(
                Problem(
                    RecipeField.FILES_COPY,
                    f"the files to copy ({total // MIB} MiB) do not fit on a disk of "
                    f"{recipe.output.size // MIB} MiB: copy less or make output.size larger",
                    f"the files to copy ({total // MIB} MiB) do not fit on a disk of "
                    f"{recipe.output.size // MIB} MiB: copy less or make the disk larger "
                    "on the Output page",
                )
            )
    return problems


def output_problems(recipe: Recipe) -> list[Problem]:
    output = recipe.output
    fmt = output.format
    problems = []
    if fmt is None:
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                f"{output.path.name!r} must end in .vhdx (Hyper-V Gen2, UEFI), "
                ".vhd (VirtualBox, Hyper-V Gen1) or .wim",
            )
        )
    folder_problem = output_folder_problem(output.path.parent)
    if folder_problem is not None:
        problems.append(Problem(RecipeField.OUTPUT_PATH, folder_problem))
    if fmt is not OutputFormat.WIM and output.size < MIN_DISK_SIZE:
        problems.append(
            Problem(
                RecipeField.OUTPUT_SIZE,
                "the disk must be at least 1GiB; 8GiB leaves room for updates",
            )
        )
    limit = MAX_DISK_SIZE.get(fmt) if fmt is not None else None
    if limit is not None and output.size > limit:
        problems.append(
            Problem(
                RecipeField.OUTPUT_SIZE,
                f"a .{fmt} disk can be at most {limit // GIB}GiB"
                + ("; use .vhdx for a larger disk" if fmt is OutputFormat.VHD else ""),
            )
        )
    media = recipe.source.media
    if media is not None and _inside(output.path, media):
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                f"{output.path} is the source media or inside it: write the output elsewhere "
                "(the media is only ever read)",
            )
        )
    if fmt is OutputFormat.VHDX and recipe.drivers.virtualbox:
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                "VirtualBox cannot write to a VHDX disk: use a .vhd output "
                "(and enable EFI in the VM settings)",
            )
        )
    return problems


# bcdedit /emssettings and /dbgsettings accept these rates (Microsoft's bcdedit docs).
BAUD_RATES = (9600, 19200, 38400, 57600, 115200)


def boot_problems(recipe: Recipe) -> list[Problem]:
    """EMS and serial debugging: COM ports 1-255 (the module takes a byte), known
    rates, and never both on one port (New-NanoServerImage refuses that too)."""
    boot = recipe.boot
    problems = []
    used: list[tuple[RecipeField, int, RecipeField, int]] = []
    if boot.ems:
        used.append(
            (RecipeField.BOOT_EMS_PORT, boot.ems_port, RecipeField.BOOT_EMS_BAUD, boot.ems_baud)
        )
    if boot.debug is DebugMethod.SERIAL:
        used.append(
            (
                RecipeField.BOOT_DEBUG_PORT,
                boot.debug_port,
                RecipeField.BOOT_DEBUG_BAUD,
                boot.debug_baud,
            )
        )
    for port_field, port, baud_field, baud in used:
        if not 1 <= port <= 255:
            problems.append(Problem(port_field, f"COM{port} is not a port: use 1 to 255"))
        if baud not in BAUD_RATES:
            rates = ", ".join(str(rate) for rate in BAUD_RATES)
            problems.append(Problem(baud_field, f"{baud} is not a rate: use {rates}"))
    if boot.ems and boot.debug is DebugMethod.SERIAL and boot.ems_port == boot.debug_port:
        problems.append(
            Problem(
                RecipeField.BOOT_DEBUG_PORT,
                f"COM{boot.debug_port} is already the EMS console's port: debug on another port",
            )
        )
    return problems


def _inside(path: Path, media: Path) -> bool:
    """``path`` is ``media`` itself, or inside the folder the media is (or is in: a
    NanoServer.wim's own folder holds the Packages the build reads)."""
    try:
        target = path.resolve()
        source = media.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL
        return False
    if target == source:
        return True
    folders = [source] if not source.is_file() else []
    if source.suffix.lower() == ".wim":
        folders.append(source.parent)
    return any(target.is_relative_to(folder) for folder in folders)
