"""What an edit recipe (``[edit] image``) must say, judged without opening any file.

What only the image itself can tell (its format, partition table, size, the WIM's
images) is checked by ``engine/edit/checks.py`` before any work.
"""

from __future__ import annotations

from pathlib import Path

from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import Recipe
from nanostudio.text import control_character


def edit_messages(recipe: Recipe) -> list[tuple[RecipeField, str]]:
    """(field, message) of each problem; ``validate`` makes them Problems."""
    image = recipe.edit.image
    if image is None:
        return []
    problems: list[tuple[RecipeField, str]] = []
    if recipe.edit.index < 1:
        problems.append((RecipeField.EDIT_INDEX, "a WIM's images are numbered from 1"))
    if control_character(str(image)) is None and _same_file(image, recipe.output.path):
        problems.append(
            (
                RecipeField.OUTPUT_PATH,
                f"{recipe.output.path} is the image being edited: write the new image to "
                "another file (the source is never changed)",
            )
        )
    return problems


def edited_path(image: Path) -> Path:
    """Where an edit writes by default: ``<name>-edited.<ext>`` beside the image."""
    return image.with_name(f"{image.stem}-edited{image.suffix.lower()}")


def _same_file(first: Path, second: Path) -> bool:
    try:
        if first.exists() and second.exists():
            return first.samefile(second)
        return first.resolve() == second.resolve()
    except OSError:
        return first.absolute() == second.absolute()
