"""Which problems block which page.

Most rules are the recipe's own (``nanostudio.recipe.validate``) so the wizard and
the CLI never disagree; the wizard adds only what exists in the wizard: a second
password box, an address typed apart from its prefix, a size typed as text, an
output file that already exists, and what the chosen engine can do on this machine.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING

from nanostudio.engine.engines import (
    EngineName,
    make_plan,
    resolve_engine,
    windows_engine_available,
)
from nanostudio.errors import UserFacingError
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import OutputFormat, Problem, Recipe, validate
from nanostudio.recipe.domain_blob import machine_name_problem
from nanostudio.recipe.fields import RawKey, RecipeField
from nanostudio.recipe.model import Target
from nanostudio.sizes import parse_size
from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP
from nanostudio.wizard.state import Page, WizardState, to_recipe

if TYPE_CHECKING:
    from nanostudio.engine.checks import HeldInventory

# The page that shows each field: the one place a field's page is named (the recipe
# layer knows no pages). tests/wizard/test_validation.py checks every field has one.
_FIELD_PAGES: dict[RecipeField, Page] = {
    RecipeField.SOURCE_MEDIA: Page.SOURCE,
    RecipeField.EDIT_IMAGE: Page.SOURCE,
    RecipeField.EDIT_INDEX: Page.SOURCE,
    RecipeField.SOURCE_DEPLOYMENT: Page.TARGET,
    RecipeField.DRIVERS_OEM: Page.TARGET,
    RecipeField.DRIVERS_VIRTUALBOX: Page.TARGET,
    RecipeField.OUTPUT_TARGET: Page.TARGET,
    RecipeField.SOURCE_EDITION: Page.EDITION,
    RecipeField.SOURCE_LANGUAGE: Page.EDITION,
    RecipeField.PACKAGES_NAMES: Page.EDITION,
    RecipeField.PACKAGES_DOCKER_ZIP: Page.EDITION,
    RecipeField.DRIVERS_FOLDERS: Page.DRIVERS,
    RecipeField.PACKAGES_SERVICING: Page.UPDATES,
    RecipeField.FILES_COPY: Page.UPDATES,
    RecipeField.SYSTEM_COMPUTER_NAME: Page.IDENTITY,
    RecipeField.SYSTEM_TIMEZONE: Page.IDENTITY,
    RecipeField.SYSTEM_UNATTEND: Page.IDENTITY,
    RecipeField.SYSTEM_DOMAIN_BLOB: Page.IDENTITY,
    RecipeField.PASSWORD: Page.IDENTITY,
    RecipeField.PASSWORD_CONFIRM: Page.IDENTITY,
    RecipeField.NETWORK_WINRM: Page.NETWORK,
    RecipeField.NETWORK_WINRM_HTTPS: Page.NETWORK,
    RecipeField.NETWORK_IPV4: Page.NETWORK,
    RecipeField.NETWORK_GATEWAY: Page.NETWORK,
    RecipeField.NETWORK_DNS: Page.NETWORK,
    RecipeField.NETWORK_INTERFACE: Page.NETWORK,
    RecipeField.NETWORK_IPV6: Page.NETWORK,
    RecipeField.NETWORK_IPV6_DNS: Page.NETWORK,
    RecipeField.NETWORK_VLAN: Page.NETWORK,
    RecipeField.FIRSTBOOT_COMMANDS: Page.NETWORK,
    RecipeField.OUTPUT_PATH: Page.OUTPUT,
    RecipeField.OUTPUT_FORMAT: Page.OUTPUT,
    RecipeField.OUTPUT_SIZE: Page.OUTPUT,
    RecipeField.ENGINE: Page.OUTPUT,
    RecipeField.BOOT_EMS: Page.OUTPUT,
    RecipeField.BOOT_EMS_PORT: Page.OUTPUT,
    RecipeField.BOOT_EMS_BAUD: Page.OUTPUT,
    RecipeField.BOOT_DEBUG: Page.OUTPUT,
    RecipeField.BOOT_DEBUG_PORT: Page.OUTPUT,
    RecipeField.BOOT_DEBUG_BAUD: Page.OUTPUT,
    RecipeField.PLAN: Page.SUMMARY,
}
SETTINGS_PAGES = (
    Page.SOURCE,
    Page.TARGET,
    Page.EDITION,
    Page.DRIVERS,
    Page.UPDATES,
    Page.IDENTITY,
    Page.NETWORK,
    Page.OUTPUT,
)


def page_of(field: RecipeField | RawKey) -> Page:
    """The page that shows ``field``; a key unknown to recipes belongs to the Summary."""
    return _FIELD_PAGES[field] if isinstance(field, RecipeField) else Page.SUMMARY


def all_problems(state: WizardState) -> list[Problem]:
    """Every problem of every settings page, recipe rules first."""
    recipe = to_recipe(state)
    # The recipe's rules would rescan every driver folder here, at each keystroke (twice:
    # refresh and isComplete); the folders' problems come from the state's scans instead.
    unscanned = replace(
        recipe,
        drivers=replace(recipe.drivers, folders=()),
        # Both files are read off the GUI thread (the Identity page holds the verdicts).
        system=replace(recipe.system, unattend=None, domain_blob=None),
    )
    problems = validate(
        unscanned, media=state.media, password=state.password.reveal(), scan=state.copy_scan
    )
    problems += _engine_extras(state, recipe)
    problems = [problem.for_wizard() for problem in problems]
    problems += _driver_extras(state)
    problems += _source_extras(state)
    problems += _edit_extras(state, recipe)
    problems += _identity_extras(state)
    problems += _network_extras(state)
    problems += _unattend_extras(state)
    problems += _domain_blob_extras(state)
    problems += _output_extras(state)
    return _without_duplicates(problems)


def page_problems(state: WizardState, page: Page) -> list[Problem]:
    """The problems shown on ``page`` and blocking its Next button."""
    if page is Page.SUMMARY:
        return summary_problems(state)
    if page not in SETTINGS_PAGES:
        return []
    return [problem for problem in all_problems(state) if page_of(problem.field) is page]


def summary_problems(state: WizardState) -> list[Problem]:
    """All remaining problems, then the engine's own verdict on the plan (once checked)."""
    problems = all_problems(state)
    if problems:
        return problems
    return [state.plan_problem] if state.plan_problem is not None else []


def plan_problem(
    recipe: Recipe, media: MediaInfo, engine: EngineName, held: HeldInventory | None = None
) -> Problem | None:
    """Ask the engine for its plan; its refusal (a missing tool, a driver the target
    needs and cannot get...) as a problem. ``held``: the media's driver inventory,
    if the wizard has it; otherwise it is read here.

    Slow enough (tool look-ups, reading the media's drivers) that the GUI runs it
    on a worker thread.
    """
    from nanostudio.engine.checks import driver_problems, package_problems

    inventory = held.inventory if held is not None else None
    problems = package_problems(recipe, engine)
    problems += driver_problems(recipe, media, engine, inventory=inventory)
    if problems:
        return problems[0]
    try:
        make_plan(recipe, media, engine, dry_run=True)
    except UserFacingError as error:
        return Problem(RecipeField.PLAN, str(error))
    return None


def engine_problem(state: WizardState) -> Problem | None:
    """Why the chosen engine cannot build this target here, or None."""
    if state.engine is EngineName.WINDOWS and not windows_engine_available():
        return Problem(
            RecipeField.ENGINE,
            QT_TRANSLATE_NOOP(
                "Validation",
                "the Windows engine needs Windows with DISM, run as administrator: "
                "choose Automatic or Portable on this machine",
            ),
        )
    portable = resolve_engine(state.engine) is EngineName.PORTABLE
    if portable and state.target is Target.HYPERV_GEN1:
        return Problem(
            RecipeField.ENGINE,
            QT_TRANSLATE_NOOP(
                "Validation",
                "a Hyper-V Generation 1 VM boots with BIOS, but the portable engine writes "
                "UEFI disks only: choose Hyper-V Generation 2, or build on Windows with the "
                "Windows engine",
            ),
        )
    return None


def _engine_extras(state: WizardState, recipe: Recipe) -> list[Problem]:
    """What the chosen engine cannot build: packages it cannot install, and (once the
    media's drivers are read) devices of the target it cannot give a driver."""
    from nanostudio.engine.checks import driver_problems, package_problems  # loaded when used

    problems = package_problems(recipe, state.engine)
    held = state.current_inventory()
    if held is not None and state.media is not None:
        problems += driver_problems(recipe, state.media, state.engine, inventory=held.inventory)
    return problems


def unavailable_targets(state: WizardState) -> dict[Target, str]:
    """Targets the chosen engine cannot make bootable from this media, with the reason:
    shown disabled on the Target page. Empty until the media's drivers are read."""
    from nanostudio.engine.checks import driver_problems

    held = state.current_inventory()
    if held is None or state.media is None:
        return {}
    unavailable: dict[Target, str] = {}
    for target in Target:
        trial = copy.copy(state)
        trial.apply_target(target)
        problems = driver_problems(
            to_recipe(trial), state.media, state.engine, inventory=held.inventory
        )
        if problems:
            unavailable[target] = problems[0].message
    return unavailable


def _source_extras(state: WizardState) -> list[Problem]:
    if state.media_path is None or state.inspecting:
        return []
    return _outcome_problems(
        RecipeField.SOURCE_MEDIA,
        state.media_error,
        state.media is None,
        QT_TRANSLATE_NOOP("Validation", "the media has not been read yet: choose it again"),
    )


def _outcome_problems(
    field: RecipeField, error: str | None, unread: bool, unread_message: str
) -> list[Problem]:
    """What a finished read off the GUI thread left: its error, or, with neither an error
    nor a result (the read was dropped), a request to choose the file again."""
    if error:
        return [Problem(field, error)]
    return [Problem(field, unread_message)] if unread else []


def _edit_extras(state: WizardState, recipe: Recipe) -> list[Problem]:
    """The image to edit, as read off the GUI thread, and what the engine cannot do
    with it (another format, a smaller disk, a BIOS disk on the portable engine)."""
    if state.edit_image is None or state.reading_edit:
        return []
    outcome = _outcome_problems(
        RecipeField.EDIT_IMAGE,
        state.edit_error,
        state.edit_source is None,
        QT_TRANSLATE_NOOP("Validation", "the image has not been read yet: choose it again"),
    )
    if outcome or state.edit_source is None:
        return outcome
    from nanostudio.engine.edit.checks import choice_problems

    portable = resolve_engine(state.engine) is EngineName.PORTABLE
    return choice_problems(recipe, state.edit_source, portable=portable)


def _driver_extras(state: WizardState) -> list[Problem]:
    problems = []
    for folder in state.driver_folders:
        if folder in state.scanning_drivers:
            continue  # its problem, if any, comes once it is read
        problem = state.driver_scan(folder).problem
        if problem:
            problems.append(Problem(RecipeField.DRIVERS_FOLDERS, problem))
    return problems


def _identity_extras(state: WizardState) -> list[Problem]:
    if state.password.reveal() and state.password.reveal() != state.password_confirm.reveal():
        return [
            Problem(
                RecipeField.PASSWORD_CONFIRM,
                QT_TRANSLATE_NOOP(
                    "Validation", "the two passwords differ: type the same password twice"
                ),
            )
        ]
    return []


def _reading_problems(
    field: RecipeField, checking: bool, problem: str | None, reading: str
) -> list[Problem]:
    """A file the Identity page reads off the GUI thread: it blocks the page while it is
    read, and after, if it could not be used."""
    if checking:
        return [Problem(field, reading)]
    return [Problem(field, problem)] if problem else []


def _unattend_extras(state: WizardState) -> list[Problem]:
    if state.unattend is None:
        return []
    return _reading_problems(
        RecipeField.SYSTEM_UNATTEND,
        state.checking_unattend,
        state.unattend_problem,
        "reading the answer file…",
    )


def _domain_blob_extras(state: WizardState) -> list[Problem]:
    if state.domain_blob is None:
        return []
    reading = _reading_problems(
        RecipeField.SYSTEM_DOMAIN_BLOB,
        state.checking_domain_blob,
        state.domain_blob_problem,
        "reading the domain-join blob…",
    )
    if reading or state.domain_blob_join is None:
        return reading
    # Compared here, not on the worker: the name may be edited after the blob is read.
    message = machine_name_problem(
        state.domain_blob_join, state.computer_name, state.domain_blob.name
    )
    return [] if message is None else [Problem(RecipeField.SYSTEM_DOMAIN_BLOB, message)]


def _network_extras(state: WizardState) -> list[Problem]:
    problems = []
    if state.static_ip and not state.address.strip():
        problems.append(
            Problem(
                RecipeField.NETWORK_IPV4,
                QT_TRANSLATE_NOOP("Validation", "enter the static address, e.g. {0}").format(
                    "192.168.56.10"
                ),
            )
        )
    if state.vlan.strip() and state.vlan_id is None:
        problems.append(
            Problem(
                RecipeField.NETWORK_VLAN,
                f"{state.vlan.strip()!r} is not a VLAN ID: write a number from 1 to 4094, "
                "or leave it empty for no VLAN",
            )
        )
    return problems


def _output_extras(state: WizardState) -> list[Problem]:
    problems: list[Problem] = []
    if state.output_format is not OutputFormat.WIM:
        try:
            parse_size(state.size_text)
        except ValueError as error:
            problems.append(Problem(RecipeField.OUTPUT_SIZE, str(error)))
    path = state.output_path
    if path.is_dir():
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                QT_TRANSLATE_NOOP("Validation", "{0} is a folder: name a file such as {1}").format(
                    path, "nano.vhdx"
                ),
            )
        )
    elif path.exists():
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                QT_TRANSLATE_NOOP(
                    "Validation", "{0} already exists: choose another name or delete it"
                ).format(path),
            )
        )
    problem = engine_problem(state)
    if problem is not None:
        problems.append(problem)
    return problems


def _without_duplicates(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique
