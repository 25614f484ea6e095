"""Rules on the server's identity: computer name and time zone, and the user's own
answer file and offline domain-join blob (read here, never quoted in a message).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from nanostudio.identity import computer_name_problem
from nanostudio.recipe.domain_blob import (
    DomainBlob,
    DomainBlobError,
    load_domain_blob,
    machine_name_problem,
)
from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import Recipe
from nanostudio.recipe.problem import Problem, has_control
from nanostudio.recipe.unattend_file import (
    UnattendFileError,
    conflicts_with_nanostudio,
    read_user_unattend,
)
from nanostudio.text import control_character
from nanostudio.timezones import closest_time_zones, is_time_zone_id

T = TypeVar("T")


def system_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    name = recipe.system.computer_name
    message = None if has_control(name) else computer_name_problem(name)
    if message:
        problems.append(Problem(RecipeField.SYSTEM_COMPUTER_NAME, message))
    zone = recipe.system.timezone
    if not zone.strip():
        problems.append(
            Problem(
                RecipeField.SYSTEM_TIMEZONE,
                'name a Windows time zone, e.g. "UTC"',
                "choose a time zone",
            )
        )
    elif not has_control(zone) and not is_time_zone_id(zone):
        close = closest_time_zones(zone)
        hint = (
            "did you mean " + " or ".join(f'"{c}"' for c in close)
            if close
            else 'use a Windows time zone ID such as "UTC" or "W. Europe Standard Time"'
        )
        problems.append(
            Problem(
                RecipeField.SYSTEM_TIMEZONE,
                f"{zone!r} is not a Windows time zone (tzutil /l lists them): {hint}",
            )
        )
    return problems


def unattend_problems(recipe: Recipe) -> list[Problem]:
    """system.unattend: a readable, safe answer file that sets nothing NanoStudio sets.
    Messages name files, passes and settings, never a value (answer files hold
    passwords)."""

    joins_domain = recipe.system.domain_blob is not None

    def conflicts(theirs: ET.Element, path: Path) -> str | None:
        found = conflicts_with_nanostudio(theirs, joins_domain=joins_domain)
        if not found:
            return None
        named = ", ".join(str(c) for c in found)
        return (
            f"{path.name} sets what NanoStudio sets from the recipe ({named}): remove "
            "those settings from the file; NanoStudio never overwrites one side silently"
        )

    return _user_file_problems(
        RecipeField.SYSTEM_UNATTEND, recipe.system.unattend, read_user_unattend, conflicts
    )


def domain_blob_problems(recipe: Recipe) -> list[Problem]:
    """system.domain_blob: a djoin blob NanoStudio can read, made for this computer name
    (compared as NetBIOS names); messages never hold the blob or its password."""

    def other_machine(blob: DomainBlob, path: Path) -> str | None:
        return machine_name_problem(blob.join, recipe.system.computer_name, path.name)

    return _user_file_problems(
        RecipeField.SYSTEM_DOMAIN_BLOB, recipe.system.domain_blob, load_domain_blob, other_machine
    )


def _user_file_problems(
    field: RecipeField,
    path: Path | None,
    read: Callable[[Path], T],
    check: Callable[[T, Path], str | None],
) -> list[Problem]:
    """A file the user brings: why it cannot be read, else what ``check`` finds in it.
    A path with a control character is not read (its text is already a problem)."""
    if path is None or control_character(str(path)) is not None:
        return []
    try:
        content = read(path)
    except (UnattendFileError, DomainBlobError) as error:
        return [Problem(field, str(error))]
    message = check(content, path)
    return [] if message is None else [Problem(field, message)]
