"""Choose an engine and ask it for a plan. The engines share the runner."""

from __future__ import annotations

import enum
import functools
import importlib
import shutil
import sys
from typing import Protocol

from nanostudio.engine.steps import Plan
from nanostudio.errors import ToolMissingError
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import Recipe


class EngineName(enum.StrEnum):
    AUTO = "auto"
    PORTABLE = "portable"
    WINDOWS = "windows"


class _EngineModule(Protocol):
    def make_plan(self, recipe: Recipe, media: MediaInfo) -> Plan: ...


@functools.cache
def windows_engine_available() -> bool:
    """True on a Windows host with DISM (the reference engine can run here)."""
    return sys.platform == "win32" and shutil.which("dism") is not None


def resolve_engine(name: EngineName) -> EngineName:
    if name is EngineName.AUTO:
        return EngineName.WINDOWS if windows_engine_available() else EngineName.PORTABLE
    return name


def make_plan(recipe: Recipe, media: MediaInfo, engine: EngineName, *, dry_run: bool) -> Plan:
    """The plan of ``engine`` for this recipe.

    The Windows engine's plan can be printed anywhere (``--dry-run``), but only
    run on Windows.
    """
    chosen = resolve_engine(engine)
    if chosen is EngineName.WINDOWS and not dry_run and sys.platform != "win32":
        raise ToolMissingError(
            "the windows engine needs a Windows host (dism, diskpart, bcdboot): "
            "use --engine portable here, or --dry-run to see its plan"
        )
    if recipe.is_edit:  # Edit-NanoServerImage: engine/edit, one plan module per engine
        edit = importlib.import_module(f"nanostudio.engine.edit.{chosen.value}_plan")
        plan: Plan = edit.make_edit_plan(recipe, media)
        return plan
    module: _EngineModule = importlib.import_module(f"nanostudio.engine.{chosen.value}.engine")
    return module.make_plan(recipe, media)
