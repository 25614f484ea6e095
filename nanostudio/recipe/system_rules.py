"""Rules on the server's identity: computer name and time zone, and the user's own
answer file and offline domain-join blob (read here, never quoted in a message).
"""

from __future__ import annotations

from nanostudio.identity import computer_name_problem
from nanostudio.recipe.domain_blob import DomainBlobError, load_domain_blob, machine_name_problem
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
    path = recipe.system.unattend
    if path is None or control_character(str(path)) is not None:
        return []
    try:
        theirs = read_user_unattend(path)
    except UnattendFileError as error:
        return [Problem(RecipeField.SYSTEM_UNATTEND, str(error))]
    conflicts = conflicts_with_nanostudio(
        theirs, joins_domain=recipe.system.domain_blob is not None
    )
    if not conflicts:
        return []
    named = ", ".join(str(c) for c in conflicts)
    return [
        Problem(
            RecipeField.SYSTEM_UNATTEND,
            f"{path.name} sets what NanoStudio sets from the recipe ({named}): remove "
            "those settings from the file; NanoStudio never overwrites one side silently",
        )
    ]


def domain_blob_problems(recipe: Recipe) -> list[Problem]:
    """system.domain_blob: a djoin blob NanoStudio can read, made for this computer name
    (compared as NetBIOS names); messages never hold the blob or its password."""
    path = recipe.system.domain_blob
    if path is None or control_character(str(path)) is not None:
        return []
    try:
        blob = load_domain_blob(path)
    except DomainBlobError as error:
        return [Problem(RecipeField.SYSTEM_DOMAIN_BLOB, str(error))]
    message = machine_name_problem(blob.join, recipe.system.computer_name, path.name)
    return [] if message is None else [Problem(RecipeField.SYSTEM_DOMAIN_BLOB, message)]
