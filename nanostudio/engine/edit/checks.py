"""What an edit cannot be, refused before any work (``recipe check``, ``edit``, the wizard).

The image is read here (headers, partition table, a WIM's XML; its edition from
the files ``image_facts`` reads, one partition copy per file version): a file that is
not a disk, has no NTFS partition, a damaged BAT, a VHDX log not replayed, a
differencing disk or a WIM index that does not exist is one line, and so is a
choice the engine cannot honour (a BIOS/MBR disk on the portable engine, which
writes UEFI disks only; another output format; a smaller disk; boot options on the
windows engine, which keeps the disk's boot store).
"""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.edit.image_facts import image_facts
from nanostudio.engine.edit.source import EditSource, inspect_edit_source
from nanostudio.engine.output_lock import WORKDIR_PREFIX, lock_path
from nanostudio.engine.steps import partial_path
from nanostudio.errors import MediaError, RecipeError
from nanostudio.recipe import DebugMethod, OutputFormat, Problem, Recipe, RecipeField
from nanostudio.sizes import size_text
from nanostudio.text import control_character


def edit_source_problems(
    recipe: Recipe, *, portable: bool
) -> tuple[EditSource | None, list[Problem]]:
    """The image to edit and every problem of the edit; (None, []) for a new build."""
    path = recipe.edit.image
    if path is None or control_character(str(path)) is not None:
        return None, []
    clash = _runner_file_problem(path, recipe.output.path)
    if clash is not None:
        return None, [clash]
    try:
        source = inspect_edit_source(path, recipe.edit.index)
    except MediaError as error:
        field = RecipeField.EDIT_INDEX if "has no image" in str(error) else RecipeField.EDIT_IMAGE
        return None, [Problem(field, str(error))]
    return source, choice_problems(recipe, source, portable=portable) + edition_problems(
        recipe, source
    )


def edition_problems(recipe: Recipe, source: EditSource) -> list[Problem]:
    """An edit keeps its image's edition: a recipe naming another is refused, so that
    a role the image's edition cannot run is never added (ShieldedVM on Standard)."""
    edition = image_facts(source).edition
    if edition is None or edition is recipe.source.edition:
        return []
    return [
        Problem(
            RecipeField.SOURCE_EDITION,
            f"{source.path.name} is a {edition.value} image, and an edit keeps its edition: "
            f'set source.edition = "{edition.value}"',
            f"{source.path.name} is a {edition.value} image, and an edit keeps its edition: "
            f"choose {edition.value} as the Edition",
        )
    ]


def _runner_file_problem(image: Path, output: Path) -> Problem | None:
    """The files a build keeps beside its output are removed or truncated before any
    work (a stopped build's ``.partial``, the lock, stale work folders): never the source."""
    work_folder = image.parent.name.startswith(WORKDIR_PREFIX)
    if work_folder and _same(image.parent.parent, output.parent):
        return Problem(
            RecipeField.EDIT_IMAGE,
            f"{image} is inside a NanoStudio work folder, which a build writing to "
            f"{output.parent} removes: copy it out first",
        )
    for own in (partial_path(output), lock_path(output)):
        if _same(image, own):
            return Problem(
                RecipeField.EDIT_IMAGE,
                f"{image.name} is a file a build of {output.name} rewrites or removes before "
                "it starts (its .partial or its lock): rename it, or name another output",
            )
    return None


def _same(first: Path, second: Path) -> bool:
    try:
        return first.samefile(second)
    except OSError:  # one of them does not exist
        return first.absolute() == second.absolute()


def edit_source_for_plan(recipe: Recipe, *, portable: bool) -> EditSource:
    """The image, or the first problem raised: plans are made only for checked recipes."""
    source, problems = edit_source_problems(recipe, portable=portable)
    if problems:
        raise RecipeError(f"{problems[0].field}: {problems[0].message}")
    if source is None:
        raise RecipeError("edit.image: the recipe names no image to edit")
    return source


def choice_problems(recipe: Recipe, source: EditSource, *, portable: bool) -> list[Problem]:
    """What the engine cannot make of ``source`` as ``recipe`` asks (no I/O)."""
    fmt = recipe.output.format
    problems: list[Problem] = []
    wanted = OutputFormat.WIM if source.kind == "wim" else OutputFormat(source.kind)
    if fmt is not None and fmt is not wanted:
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                f"an edit of a {source.kind.upper()} writes a new .{wanted.value}: name the "
                f"output {recipe.output.path.with_suffix('.' + wanted.value).name} (to change "
                "the format, build a new image from the media)",
            )
        )
    if not source.is_disk:
        return problems
    if not portable and (recipe.boot.ems or recipe.boot.debug is not DebugMethod.NONE):
        # windows_plan services a mounted copy and never runs bcdedit: they would be lost.
        problems.append(
            Problem(
                RecipeField.BOOT_EMS if recipe.boot.ems else RecipeField.BOOT_DEBUG,
                "the windows engine keeps the disk's boot store, so EMS and kernel "
                "debugging cannot be set by an edit: use the portable engine, which writes "
                "a new one",
            )
        )
    if portable and source.scheme == "mbr":
        problems.append(
            Problem(
                RecipeField.EDIT_IMAGE,
                f"{source.path} is a BIOS (MBR) disk; the portable engine writes UEFI (GPT) "
                "disks only: edit it on Windows with --engine windows",
            )
        )
    if recipe.output.size < source.size:
        problems.append(
            Problem(
                RecipeField.OUTPUT_SIZE,
                f"the new disk cannot be smaller than {source.path.name} "
                f"({size_text(source.size)}): leave the size out to keep it",
            )
        )
    elif not portable and recipe.output.size > source.size:
        problems.append(
            Problem(
                RecipeField.OUTPUT_SIZE,
                f"the windows engine keeps the disk's size ({size_text(source.size)}): leave "
                "the size out, or use the portable engine to make it larger",
            )
        )
    return problems
