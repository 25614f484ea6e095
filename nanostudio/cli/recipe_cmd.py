"""``nanostudio recipe check|powershell FILE``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from nanostudio.cli import djoin_cmd
from nanostudio.engine.checks import driver_problems, package_problems
from nanostudio.engine.edit.checks import edit_source_problems
from nanostudio.engine.engines import EngineName, make_plan, resolve_engine
from nanostudio.errors import MediaError, UserFacingError
from nanostudio.media.inspect import inspect_media
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import Problem, Recipe, RecipeField, Target, resolved_packages, validate
from nanostudio.recipe.powershell import to_powershell
from nanostudio.recipe.source_rules import DOCKER_URL
from nanostudio.recipe.toml_io import load_recipe, load_recipe_problems
from nanostudio.secret import ADMIN_PASSWORD_ENV
from nanostudio.text import control_character, printable


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("recipe", help="check a build recipe or translate it")
    actions = parser.add_subparsers(dest="recipe_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a recipe (and its media, if reachable); exit 2 if there are problems",
    )
    check.add_argument("file", type=Path)
    check.add_argument(
        "--engine",
        choices=[engine.value for engine in EngineName],
        default=EngineName.AUTO.value,
        help="judge what this engine can build (auto: windows on Windows with DISM, else portable)",
    )
    check.set_defaults(func=run_check)
    powershell = actions.add_parser(
        "powershell",
        help="print the equivalent New-NanoServerImage (or, for an edit, Edit-NanoServerImage) "
        "command",
    )
    powershell.add_argument("file", type=Path)
    powershell.set_defaults(func=run_powershell)
    importer = actions.add_parser(
        "import",
        help="write a recipe from a PowerShell script's New-NanoServerImage call",
        description="Read a PowerShell script holding a New-NanoServerImage or "
        "Edit-NanoServerImage call (as Nano Server Image Builder saves it, or as "
        "'recipe powershell' writes it) and write the recipe. Nothing in the script is run. "
        "Each parameter that cannot be mapped is named on stderr; then nothing is written "
        "and the exit code is 2, unless --partial is given.",
    )
    importer.add_argument("file", type=Path, metavar="SCRIPT")
    importer.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the recipe to write (default: the script's name with .toml, beside it)",
    )
    importer.add_argument(
        "--partial",
        action="store_true",
        help="write the recipe even if some parameters cannot be mapped (they are named)",
    )
    importer.add_argument("--force", action="store_true", help="replace an existing recipe")
    importer.set_defaults(func=run_import)
    djoin_cmd.add_parser(actions)


def check_recipe(
    recipe: Recipe,
    password: str | None,
    engine: EngineName,
    read_problems: Sequence[Problem] = (),
) -> tuple[MediaInfo | None, list[Problem]]:
    """The recipe's media and all its problems: those found reading it, the recipe's
    own, those only its media can reveal, and what ``engine`` cannot build (drivers
    the target needs, tools missing here) — all of them, so one run lists every one."""
    media: MediaInfo | None = None
    problems: list[Problem] = list(read_problems)
    # A path with a control character is a problem of its own (validate says so): never opened.
    if recipe.source.media is not None and control_character(str(recipe.source.media)) is None:
        try:
            media = inspect_media(recipe.source.media)
        except MediaError as error:
            problems.append(Problem(RecipeField.SOURCE_MEDIA, str(error)))
    problems += validate(recipe, media=media, password=password)
    portable = resolve_engine(engine) is EngineName.PORTABLE
    problems += edit_source_problems(recipe, portable=portable)[1]
    if portable and recipe.target is Target.HYPERV_GEN1:
        problems.append(
            Problem(
                RecipeField.OUTPUT_TARGET,
                "a Hyper-V Generation 1 VM boots with BIOS, but the portable engine writes "
                'UEFI disks only: set output.target = "hyperv-gen2" (and a .vhdx path), '
                "or build on Windows with --engine windows",
            )
        )
    if media is not None:
        problems += package_problems(recipe, engine) + driver_problems(recipe, media, engine)
    if media is not None and not problems:
        try:  # what only the engine's plan finds: a tool missing here, ...
            make_plan(recipe, media, engine, dry_run=True)
        except UserFacingError as error:
            problems.append(Problem(RecipeField.ENGINE, str(error)))
    return media, problems


def run_check(args: argparse.Namespace) -> int:
    recipe, read_problems = load_recipe_problems(args.file)
    _, problems = check_recipe(
        recipe, os.environ.get(ADMIN_PASSWORD_ENV), EngineName(args.engine), read_problems
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    print(f"{args.file}: no problems")
    containers = any(p.short == "Containers" for p in resolved_packages(recipe))
    if containers and recipe.packages.docker_zip is None:
        print(
            "note: Containers without packages.docker_zip: Docker is NOT included in the "
            f"image; point docker_zip at Docker's static zip ({DOCKER_URL})"
        )
    return 0


def run_powershell(args: argparse.Namespace) -> int:
    print(to_powershell(load_recipe(args.file)))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from nanostudio.recipe.ps_import import import_script, read_script
    from nanostudio.recipe.toml_io import save_recipe

    script: Path = args.file
    output: Path = args.output or script.with_suffix(".toml")
    if output.exists() and not args.force:
        raise UserFacingError(f"{output} exists: give --force to replace it, or -o another file")
    if output.resolve() == script.resolve():
        raise UserFacingError(f"{output} is the script itself: give -o a .toml file")
    imported = import_script(read_script(script), base=script.absolute().parent)
    for note in imported.notes:
        print(printable(f"note: {note}"), file=sys.stderr)
    for unmapped in imported.unmapped:
        print(printable(f"not mapped: {unmapped}"), file=sys.stderr)
    if imported.unmapped and not args.partial:
        count = len(imported.unmapped)
        raise UserFacingError(
            f"{count} parameter{'s' if count > 1 else ''} of {imported.command} cannot be "
            "mapped (named above): nothing written; give --partial to write the recipe "
            "without them"
        )
    save_recipe(imported.recipe, output)
    print(f"wrote {output}; check it with: nanostudio recipe check {output}")
    return 0
