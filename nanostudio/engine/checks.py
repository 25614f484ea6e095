"""Problems that depend on the engine that will build the recipe.

The portable engine's: packages it cannot install (``package_problems``) and devices
of the target it cannot give a driver (``driver_problems``). The Windows engine
installs packages and drivers with DISM offline, as Microsoft's own module does, so
it is judged by ``validate`` alone.

``validate`` judges a recipe alone; what an engine cannot honour is refused
here, before any work, by ``recipe check``, ``build`` and the wizard alike, so
that a build that runs is a build whose every choice lands in the image.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.content.staging import offline_only_problem
from nanostudio.engine.drivers.analysis import (
    HIVE_FOLDER,
    DriverInventory,
    RunTool,
    driver_packages,
    extract_hive,
    take_inventory,
)
from nanostudio.engine.drivers.files import SYSTEM_HIVE
from nanostudio.engine.edit.image_facts import system_hive_bytes
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.engine.engines import EngineName, resolve_engine
from nanostudio.engine.process import run_tool
from nanostudio.errors import MediaError, UserFacingError
from nanostudio.media.model import MediaInfo
from nanostudio.media.source import open_media
from nanostudio.recipe import Problem, Recipe, RecipeField, Target, resolved_packages


def driver_problems(
    recipe: Recipe,
    media: MediaInfo,
    engine: EngineName,
    *,
    inventory: DriverInventory | None = None,
) -> list[Problem]:
    """Devices of the target the portable engine cannot give a driver before first boot.

    Needs the media's driver inventory: pass one already taken (the wizard keeps
    one per media and edition), or it is taken here.
    """
    if resolve_engine(engine) is not EngineName.PORTABLE:
        return []
    if recipe.target is Target.PHYSICAL or recipe.source.media is None:
        return []
    try:
        if recipe.is_edit:
            messages = _edit_driver_messages(recipe, recipe.source.media)
        elif (image := media.image_for(recipe.source.edition)) is None:
            return []
        elif inventory is None:
            with open_inventory(recipe.source.media, image.index) as taken:
                messages = taken.analyse(recipe).problems()
        else:
            messages = inventory.analyse(recipe).problems()
    except UserFacingError as error:
        messages = [str(error)]
    return [Problem(RecipeField.OUTPUT_TARGET, message) for message in messages]


def package_problems(recipe: Recipe, engine: EngineName) -> list[Problem]:
    """Packages the engine cannot install: refused, never dropped from the image."""
    if resolve_engine(engine) is not EngineName.PORTABLE:
        return []
    return [
        Problem(RecipeField.PACKAGES_NAMES, offline_only_problem(package))
        for package in resolved_packages(recipe)
        if not package.first_boot_ok
    ]


def _edit_driver_messages(recipe: Recipe, media_path: Path) -> list[str]:
    """An edit's drivers, judged against the image's own SYSTEM hive (never the media's:
    the image may have the target's drivers already). An image that cannot be read
    is ``edit_source_problems``' to report."""
    assert recipe.edit.image is not None
    try:
        source = inspect_edit_source(recipe.edit.image, recipe.edit.index)
    except MediaError:
        return []
    system_hive = system_hive_bytes(source)  # read with the image's facts, once
    with tempfile.TemporaryDirectory(prefix="nanostudio-drivers-") as scratch:
        work = Path(scratch)
        hive = work / HIVE_FOLDER / SYSTEM_HIVE.name
        hive.parent.mkdir()
        hive.write_bytes(system_hive)
        with open_media(media_path) as opened:
            packages = [package.short for package in driver_packages(recipe)]
            run = _tool_runner(CancelToken())
            inventory = take_inventory(opened, hive, work, run, packages=packages)
            return inventory.analyse(recipe).problems()


@contextmanager
def open_inventory(
    media_path: Path, image_index: int, cancel: CancelToken | None = None
) -> Iterator[DriverInventory]:
    """The media's driver inventory in a temporary folder, removed on leaving."""
    token = cancel or CancelToken()
    run = _tool_runner(token)
    with tempfile.TemporaryDirectory(prefix="nanostudio-drivers-") as scratch:
        work = Path(scratch)
        with open_media(media_path) as source:
            wim = source.wim_path(work, should_cancel=lambda: token.cancelled)
            hive = extract_hive(wim, image_index, work, run)
            yield take_inventory(source, hive, work, run, should_cancel=lambda: token.cancelled)


def _tool_runner(token: CancelToken) -> RunTool:
    return lambda argv: run_tool(argv, cancel=token)


@dataclass
class HeldInventory:
    """An inventory kept for as long as the wizard shows the same media and edition."""

    media_path: Path
    image_index: int
    inventory: DriverInventory
    _stack: ExitStack

    def close(self) -> None:
        self._stack.close()


def hold_inventory(media_path: Path, image_index: int) -> HeldInventory:
    """Take the inventory into a temporary folder that lives until ``close()``."""
    stack = ExitStack()
    try:
        inventory = stack.enter_context(open_inventory(media_path, image_index))
    except BaseException:
        stack.close()
        raise
    return HeldInventory(media_path, image_index, inventory, stack)
