"""``nanostudio recipe check|powershell FILE``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nanostudio.errors import MediaError
from nanostudio.media.inspect import inspect_media
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import Problem, Recipe, validate
from nanostudio.recipe.powershell import to_new_nanoserverimage
from nanostudio.recipe.toml_io import load_recipe
from nanostudio.secret import ADMIN_PASSWORD_ENV
from nanostudio.text import control_character


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("recipe", help="check a build recipe or translate it")
    actions = parser.add_subparsers(dest="recipe_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a recipe (and its media, if reachable); exit 2 if there are problems",
    )
    check.add_argument("file", type=Path)
    check.set_defaults(func=run_check)
    powershell = actions.add_parser(
        "powershell", help="print the equivalent New-NanoServerImage command"
    )
    powershell.add_argument("file", type=Path)
    powershell.set_defaults(func=run_powershell)


def check_recipe(recipe: Recipe, password: str | None) -> list[Problem]:
    """All problems of a recipe, including those only its media can reveal."""
    media: MediaInfo | None = None
    media_problems: list[Problem] = []
    # A path with a control character is a problem of its own (validate says so): never opened.
    if recipe.source.media is not None and control_character(str(recipe.source.media)) is None:
        try:
            media = inspect_media(recipe.source.media)
        except MediaError as error:
            media_problems.append(Problem("source.media", str(error)))
    return media_problems + validate(recipe, media=media, password=password)


def run_check(args: argparse.Namespace) -> int:
    recipe = load_recipe(args.file)
    problems = check_recipe(recipe, os.environ.get(ADMIN_PASSWORD_ENV))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 2
    print(f"{args.file}: no problems")
    return 0


def run_powershell(args: argparse.Namespace) -> int:
    print(to_new_nanoserverimage(load_recipe(args.file)))
    return 0
