"""Recipe validation: a list of problems (field, message), never an exception.

The wizard shows each message next to its field; the CLI prints them as
``field: message``. Checks that need the media or the password run only when
those are given. The rules live in one module per part of the recipe
(``source_rules``, ``system_rules``, ``network_rules``, ``output_rules``); this
module runs them in order and holds the checks every text shares.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from nanostudio.identity import password_problem
from nanostudio.recipe.copies import Scanner, scan_copy_source
from nanostudio.recipe.edit_rules import edit_messages
from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import Recipe
from nanostudio.recipe.network_rules import network_problems
from nanostudio.recipe.output_rules import boot_problems, files_problems, output_problems
from nanostudio.recipe.problem import Problem
from nanostudio.recipe.source_rules import (
    driver_problems,
    media_problems,
    package_problems,
    servicing_problems,
    source_problems,
)
from nanostudio.recipe.system_rules import domain_blob_problems, system_problems, unattend_problems
from nanostudio.text import control_character_problem

if TYPE_CHECKING:
    from nanostudio.media.model import MediaInfo


__all__ = ["Problem", "recipe_texts", "text_problems", "validate"]


def validate(
    recipe: Recipe,
    *,
    media: MediaInfo | None = None,
    password: str | None = None,
    scan: Scanner = scan_copy_source,
) -> list[Problem]:
    """``scan`` reads a copy's source (the wizard passes the scans it already holds)."""
    # in the order their problems are listed
    rules: tuple[Callable[[Recipe], list[Problem]], ...] = (
        text_problems,
        source_problems,
        package_problems,
        servicing_problems,
        partial(files_problems, scan=scan),
        system_problems,
        unattend_problems,
        domain_blob_problems,
        network_problems,
        output_problems,
        driver_problems,
        boot_problems,
    )
    problems = [problem for rule in rules for problem in rule(recipe)]
    problems += [Problem(name, message) for name, message in edit_messages(recipe)]
    if media is not None:
        problems += media_problems(recipe, media, scan)
    if password is not None:
        message = password_problem(password)
        if message:
            problems.append(Problem(RecipeField.PASSWORD, message))
    return problems


def recipe_texts(recipe: Recipe) -> list[tuple[RecipeField, str]]:
    """Every text of a recipe, with its field: what may reach cmd, PowerShell, XML or netsh."""
    texts: list[tuple[RecipeField, str]] = []
    if recipe.source.media is not None:
        texts.append((RecipeField.SOURCE_MEDIA, str(recipe.source.media)))
    texts.append((RecipeField.SOURCE_LANGUAGE, recipe.source.language))
    texts += [(RecipeField.PACKAGES_NAMES, name) for name in recipe.packages.names]
    texts += [(RecipeField.PACKAGES_SERVICING, str(path)) for path in recipe.packages.servicing]
    texts += [(RecipeField.DRIVERS_FOLDERS, str(folder)) for folder in recipe.drivers.folders]
    for copy in recipe.files.copy:
        texts += [
            (RecipeField.FILES_COPY, str(copy.source)),
            (RecipeField.FILES_COPY, copy.destination),
        ]
    texts.append((RecipeField.SYSTEM_COMPUTER_NAME, recipe.system.computer_name))
    texts.append((RecipeField.SYSTEM_TIMEZONE, recipe.system.timezone))
    if recipe.system.unattend is not None:
        texts.append((RecipeField.SYSTEM_UNATTEND, str(recipe.system.unattend)))
    if recipe.system.domain_blob is not None:
        texts.append((RecipeField.SYSTEM_DOMAIN_BLOB, str(recipe.system.domain_blob)))
    network = recipe.network
    for name, value in (
        (RecipeField.NETWORK_IPV4, network.ipv4),
        (RecipeField.NETWORK_GATEWAY, network.gateway),
    ):
        if value is not None:
            texts.append((name, value))
    texts += [(RecipeField.NETWORK_DNS, server) for server in network.dns]
    texts.append((RecipeField.NETWORK_INTERFACE, network.interface))
    if network.ipv6 is not None:
        texts.append((RecipeField.NETWORK_IPV6, network.ipv6))
    texts += [(RecipeField.NETWORK_IPV6_DNS, server) for server in network.ipv6_dns]
    texts += [(RecipeField.FIRSTBOOT_COMMANDS, command) for command in recipe.firstboot.commands]
    texts.append((RecipeField.OUTPUT_PATH, str(recipe.output.path)))
    if recipe.edit.image is not None:
        texts.append((RecipeField.EDIT_IMAGE, str(recipe.edit.image)))
    return texts


def text_problems(recipe: Recipe) -> list[Problem]:
    """No control character anywhere: a line break in any value is a new command."""
    problems = []
    for name, value in recipe_texts(recipe):
        message = control_character_problem(value)
        if message:
            problems.append(Problem(name, message))
    return problems
